// money_in.test.mjs: receivables and payments received — an exact ledger.
// Activating a contract makes a receivable of each installment; a payment
// split across three installments of two contracts; credit held and
// allocated later; a reversal after allocation gives the amounts back and
// keeps both visible; the refusals (over the open amount, over what is
// unallocated, another currency, another customer, roles); two payments
// racing for the last open yuan of one installment; opening balances and
// write-offs; a contract with paid receivables cannot be cancelled; the
// customer's receivables and payments reach a salesperson's change feed.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, signup, addUser, createCustomer, drain, drainUntil, expectStatus, expectProblem, listAll, qs } from './lib/client.mjs';

let T, S1, S2, F, M, A;
let C, C2; // S1's customers

const line = (over = {}) => ({ description: 'Pump', quantity: '1', unit: 'pc', unit_price: '1000.00', ...over });

/** An active contract of `customer` whose plan is `amounts` (each due a month apart). */
async function activeContract(customer, amounts, { currency = 'CNY', token = S1.token } = {}) {
  const total = amounts.reduce((a, b) => a + Number(b), 0).toFixed(2);
  const installments = amounts.map((amount, i) => ({ due_date: `2031-0${i + 1}-15`, amount }));
  const k = expectStatus(
    await api('POST', '/v1/contracts', {
      token,
      body: { customer_id: customer.id, currency, lines: [line({ unit_price: total })], installments },
    }),
    201,
    'create contract',
  ).body;
  return expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token }), 200, 'activate').body;
}

const receivablesOf = async (k, token = F.token) =>
  (await listAll(`/v1/receivables${qs({ contract_id: k.id })}`, token)).sort((a, b) => a.installment_seq - b.installment_seq);

const pay = (body, token = F.token, headers = {}) =>
  api('POST', '/v1/payments', {
    token,
    headers,
    body: { received_on: '2031-01-20', currency: 'CNY', method: 'bank_transfer', ...body },
  });

const receivable = async (id, token = F.token) => expectStatus(await api('GET', `/v1/receivables/${id}`, { token }), 200).body;

before(async () => {
  T = await signup();
  S1 = await addUser(T, 'sales');
  S2 = await addUser(T, 'sales');
  F = await addUser(T, 'finance');
  M = await addUser(T, 'manager');
  A = await addUser(T, 'assistant');
  C = await createCustomer(S1.token, { name: `客户 Money ${Date.now()}` });
  C2 = await createCustomer(S1.token, { name: `客户 Other ${Date.now()}` });
});

describe('receivables from contracts', () => {
  test('activating a contract makes one open receivable per installment; a draft makes none', async () => {
    const draft = expectStatus(
      await api('POST', '/v1/contracts', { token: S1.token, body: { customer_id: C.id, lines: [line()] } }),
      201,
    ).body;
    assert.deepEqual(await receivablesOf(draft), []);
    const k = await activeContract(C, ['300.00', '700.00']);
    const rs = await receivablesOf(k);
    assert.deepEqual(
      rs.map((r) => [r.installment_seq, r.due_date, r.amount, r.amount_paid, r.amount_open, r.status, r.currency]),
      [
        [1, '2031-01-15', '300.00', '0.00', '300.00', 'open', 'CNY'],
        [2, '2031-02-15', '700.00', '0.00', '700.00', 'open', 'CNY'],
      ],
    );
    assert.ok(rs.every((r) => r.customer_id === C.id && r.contract_number === k.number && r.owner_id === S1.user.id));
    assert.ok(rs.every((r) => r.days_overdue === 0), 'due in the future: not overdue');
  });

  test('the salesperson sees their customers\' receivables, another salesperson does not', async () => {
    const k = await activeContract(C, ['50.00']);
    const [r] = await receivablesOf(k, S1.token);
    assert.equal(r.amount, '50.00');
    assert.deepEqual(await receivablesOf(k, S2.token), []);
    expectProblem(await api('GET', `/v1/receivables/${r.id}`, { token: S2.token }), 404);
  });

  test('filters: status, due dates, overdue, customer', async () => {
    const k = await activeContract(C2, ['10.00', '20.00', '30.00']);
    const base = { customer_id: C2.id };
    const due = await listAll(`/v1/receivables${qs({ ...base, due_before: '2031-02-15', due_after: '2031-02-15' })}`, F.token);
    assert.deepEqual(due.map((r) => r.amount), ['20.00']);
    assert.equal((await listAll(`/v1/receivables${qs({ ...base, status: 'paid' })}`, F.token)).length, 0);
    assert.equal((await listAll(`/v1/receivables${qs({ ...base, overdue: 'true' })}`, F.token)).length, 0);
    assert.equal((await listAll(`/v1/receivables${qs({ ...base, overdue: 'false' })}`, F.token)).length, 3);
    const past = expectStatus(
      await api('POST', '/v1/receivables', {
        token: F.token,
        body: { customer_id: C2.id, currency: 'CNY', due_date: '2020-01-31', amount: '99.99' },
      }),
      201,
    ).body;
    assert.ok(past.days_overdue > 365, `an opening balance due in 2020 is overdue (${past.days_overdue} days)`);
    const overdue = await listAll(`/v1/receivables${qs({ ...base, overdue: 'true' })}`, F.token);
    assert.deepEqual(overdue.map((r) => r.id), [past.id]);
    expectProblem(await api('GET', `/v1/receivables${qs({ status: 'late' })}`, { token: F.token }), 422, { field: 'status' });
    expectProblem(await api('GET', `/v1/receivables${qs({ due_before: '2031-13-01' })}`, { token: F.token }), 422, { field: 'due_before' });
    assert.ok(k.id);
  });
});

describe('payments', () => {
  test('one payment split across three installments of two contracts, the rest held as credit', async () => {
    const k1 = await activeContract(C, ['100.00', '200.00']);
    const k2 = await activeContract(C, ['300.00']);
    const [a, b] = await receivablesOf(k1);
    const [c] = await receivablesOf(k2);
    const r = pay({
      customer_id: C.id,
      amount: '650.50',
      reference: 'BOC 2031-0120-7731',
      payer: '上海精密有限公司',
      allocations: [
        { receivable_id: a.id, amount: '100.00' },
        { receivable_id: b.id, amount: '150.25' },
        { receivable_id: c.id, amount: '300.00' },
      ],
    });
    const p = expectStatus(await r, 201).body;
    assert.equal(p.amount, '650.50');
    assert.equal(p.amount_allocated, '550.25');
    assert.equal(p.amount_unallocated, '100.25');
    assert.equal(p.status, 'received');
    assert.equal(p.allocations.length, 3);
    assert.deepEqual(
      [await receivable(a.id), await receivable(b.id), await receivable(c.id)].map((x) => [x.amount_paid, x.amount_open, x.status]),
      [
        ['100.00', '0.00', 'paid'],
        ['150.25', '49.75', 'open'],
        ['300.00', '0.00', 'paid'],
      ],
    );
    // The credit, allocated later to what is still open of b.
    const later = expectStatus(
      await api('POST', `/v1/payments/${p.id}/allocations`, { token: F.token, body: { allocations: [{ receivable_id: b.id, amount: '49.75' }] } }),
      200,
    ).body;
    assert.equal(later.amount_unallocated, '50.50');
    assert.equal((await receivable(b.id)).status, 'paid');
    // The salesperson sees that the customer has paid.
    const seen = expectStatus(await api('GET', `/v1/payments/${p.id}`, { token: S1.token }), 200).body;
    assert.equal(seen.amount_allocated, '600.00');
    expectProblem(await api('GET', `/v1/payments/${p.id}`, { token: S2.token }), 404);
  });

  test('refusals change nothing: over the open amount, over the payment, another currency or customer, twice the same receivable', async () => {
    const k = await activeContract(C, ['80.00']);
    const usd = await activeContract(C, ['80.00'], { currency: 'USD' });
    const other = await activeContract(C2, ['80.00']);
    const [r] = await receivablesOf(k);
    const [u] = await receivablesOf(usd);
    const [o] = await receivablesOf(other);
    const before = (await listAll(`/v1/payments${qs({ customer_id: C.id })}`, F.token)).length;
    expectProblem(await pay({ customer_id: C.id, amount: '100.00', allocations: [{ receivable_id: r.id, amount: '80.01' }] }), 409, { field: 'allocations[0].amount' });
    expectProblem(await pay({ customer_id: C.id, amount: '50.00', allocations: [{ receivable_id: r.id, amount: '60.00' }] }), 409, { field: 'allocations' });
    expectProblem(await pay({ customer_id: C.id, amount: '50.00', allocations: [{ receivable_id: u.id, amount: '10.00' }] }), 422, { field: 'allocations[0].receivable_id' });
    expectProblem(await pay({ customer_id: C.id, amount: '50.00', allocations: [{ receivable_id: o.id, amount: '10.00' }] }), 422, { field: 'allocations[0].receivable_id' });
    expectProblem(
      await pay({ customer_id: C.id, amount: '50.00', allocations: [{ receivable_id: r.id, amount: '10.00' }, { receivable_id: r.id, amount: '10.00' }] }),
      422,
      { field: 'allocations[1].receivable_id' },
    );
    expectProblem(await pay({ customer_id: C.id, amount: '10.001' }), 422, { field: 'amount' });
    expectProblem(await pay({ customer_id: C.id, amount: 10 }), 422, { field: 'amount' });
    expectProblem(await pay({ customer_id: C.id, amount: '0.00' }), 422, { field: 'amount' });
    expectProblem(await pay({ customer_id: C.id, amount: '10.00', method: 'barter' }), 422, { field: 'method' });
    expectProblem(await pay({ customer_id: randomUUID(), amount: '10.00' }), 422, { field: 'customer_id' });
    expectProblem(await pay({ customer_id: C.id, amount: '10.00', allocations: [{ receivable_id: r.id, amount: '-1.00' }] }), 422, { field: 'allocations[0].amount' });
    assert.equal((await listAll(`/v1/payments${qs({ customer_id: C.id })}`, F.token)).length, before, 'no payment was recorded');
    assert.equal((await receivable(r.id)).amount_paid, '0.00');
  });

  test('roles: finance and admin record payments; sales, managers and assistants read only', async () => {
    for (const who of [S1, A]) expectProblem(await pay({ customer_id: C.id, amount: '1.00' }, who.token), 403);
    // A manager outside the owner's team does not see the customer at all.
    expectProblem(await pay({ customer_id: C.id, amount: '1.00' }, M.token), 422, { field: 'customer_id' });
    const byAdmin = expectStatus(await pay({ customer_id: C.id, amount: '1.00' }, T.token), 201).body;
    for (const who of [S1, A]) {
      expectProblem(await api('POST', `/v1/payments/${byAdmin.id}/reverse`, { token: who.token, body: { reason: 'no' } }), 403);
    }
  });

  test('a reversal after allocation opens the receivables again and keeps payment and allocations visible', async () => {
    const k = await activeContract(C, ['120.00', '80.00']);
    const [a, b] = await receivablesOf(k);
    const p = expectStatus(
      await pay({ customer_id: C.id, amount: '200.00', allocations: [{ receivable_id: a.id, amount: '120.00' }, { receivable_id: b.id, amount: '80.00' }] }),
      201,
    ).body;
    expectProblem(await api('POST', `/v1/payments/${p.id}/reverse`, { token: F.token, body: {} }), 422, { field: 'reason' });
    const rev = expectStatus(
      await api('POST', `/v1/payments/${p.id}/reverse`, { token: F.token, body: { reason: 'Bounced: wrong account' } }),
      200,
    ).body;
    assert.equal(rev.status, 'reversed');
    assert.equal(rev.reversal_reason, 'Bounced: wrong account');
    assert.equal(rev.amount, '200.00', 'the amount stays as it was received');
    assert.equal(rev.amount_allocated, '0.00');
    assert.equal(rev.allocations.length, 2);
    assert.ok(rev.allocations.every((x) => x.reversed_at), 'each allocation marked reversed');
    assert.deepEqual([await receivable(a.id), await receivable(b.id)].map((x) => [x.amount_paid, x.status]), [
      ['0.00', 'open'],
      ['0.00', 'open'],
    ]);
    expectProblem(await api('POST', `/v1/payments/${p.id}/reverse`, { token: F.token, body: { reason: 'again' } }), 409);
    expectProblem(
      await api('POST', `/v1/payments/${p.id}/allocations`, { token: F.token, body: { allocations: [{ receivable_id: a.id, amount: '1.00' }] } }),
      409,
    );
    const reversed = await listAll(`/v1/payments${qs({ customer_id: C.id, status: 'reversed' })}`, F.token);
    assert.ok(reversed.some((x) => x.id === p.id), 'a reversed payment is still listed');
    // Paid again by another payment: the amounts are exact.
    expectStatus(await pay({ customer_id: C.id, amount: '120.00', allocations: [{ receivable_id: a.id, amount: '120.00' }] }), 201);
    assert.equal((await receivable(a.id)).status, 'paid');
  });

  test('two payments racing for the last open yuan of one installment: one 201, one 409, never over-paid', async () => {
    for (let round = 0; round < 5; round++) {
      const k = await activeContract(C, ['10.00']);
      const [r] = await receivablesOf(k);
      expectStatus(await pay({ customer_id: C.id, amount: '9.00', allocations: [{ receivable_id: r.id, amount: '9.00' }] }), 201);
      const F2 = round === 0 ? await addUser(T, 'finance') : F;
      const answers = await Promise.all([
        pay({ customer_id: C.id, amount: '1.00', allocations: [{ receivable_id: r.id, amount: '1.00' }] }, F.token),
        pay({ customer_id: C.id, amount: '1.00', allocations: [{ receivable_id: r.id, amount: '1.00' }] }, F2.token),
      ]);
      assert.deepEqual(answers.map((x) => x.status).sort(), [201, 409], `round ${round}: ${answers.map((x) => x.status)}`);
      const after = await receivable(r.id);
      assert.equal(after.amount_paid, '10.00');
      assert.equal(after.status, 'paid');
    }
  });

  test('an Idempotency-Key replays the payment instead of recording it twice', async () => {
    const key = randomUUID();
    const first = expectStatus(await pay({ customer_id: C.id, amount: '5.00', reference: key }, F.token, { 'idempotency-key': key }), 201).body;
    const again = expectStatus(await pay({ customer_id: C.id, amount: '5.00', reference: key }, F.token, { 'idempotency-key': key }), 201).body;
    assert.equal(again.id, first.id);
    const listed = (await listAll(`/v1/payments${qs({ customer_id: C.id })}`, F.token)).filter((p) => p.reference === key);
    assert.equal(listed.length, 1);
  });
});

describe('opening balances, write-offs and contracts', () => {
  test('an opening balance is a receivable without a contract; finance writes off what is left open', async () => {
    expectProblem(
      await api('POST', '/v1/receivables', { token: S1.token, body: { customer_id: C.id, currency: 'CNY', due_date: '2030-12-31', amount: '500.00' } }),
      403,
    );
    const r = expectStatus(
      await api('POST', '/v1/receivables', {
        token: F.token,
        body: { customer_id: C.id, currency: 'CNY', due_date: '2030-12-31', amount: '500.00', description: '旧系统结转' },
      }),
      201,
    ).body;
    assert.equal(r.contract_id, null);
    assert.equal(r.description, '旧系统结转');
    expectStatus(await pay({ customer_id: C.id, amount: '450.00', allocations: [{ receivable_id: r.id, amount: '450.00' }] }), 201);
    expectProblem(await api('POST', `/v1/receivables/${r.id}/write-off`, { token: S1.token, body: { reason: 'x' } }), 403);
    const w = expectStatus(
      await api('POST', `/v1/receivables/${r.id}/write-off`, { token: F.token, body: { reason: 'Settled with a discount' } }),
      200,
    ).body;
    assert.deepEqual([w.amount_paid, w.amount_written_off, w.amount_open, w.status], ['450.00', '50.00', '0.00', 'written_off']);
    expectProblem(await api('POST', `/v1/receivables/${r.id}/write-off`, { token: F.token, body: { reason: 'again' } }), 409);
  });

  test('a contract is cancelled while nothing of it was paid (its receivables go); once paid, the cancel is refused', async () => {
    const unpaid = await activeContract(C, ['40.00']);
    expectStatus(await api('POST', `/v1/contracts/${unpaid.id}/cancel`, { token: S1.token }), 200);
    assert.deepEqual(await receivablesOf(unpaid), []);
    const paid = await activeContract(C, ['40.00']);
    const [r] = await receivablesOf(paid);
    expectStatus(await pay({ customer_id: C.id, amount: '10.00', allocations: [{ receivable_id: r.id, amount: '10.00' }] }), 201);
    expectProblem(await api('POST', `/v1/contracts/${paid.id}/cancel`, { token: S1.token }), 409);
    const still = expectStatus(await api('GET', `/v1/contracts/${paid.id}`, { token: S1.token }), 200).body;
    assert.equal(still.status, 'active');
  });

  test('receivables and payments reach the salesperson\'s change feed', async () => {
    const k = await activeContract(C2, ['25.00']);
    const [r] = await receivablesOf(k);
    const p = expectStatus(await pay({ customer_id: C2.id, amount: '25.00', allocations: [{ receivable_id: r.id, amount: '25.00' }] }), 201).body;
    const last = (items, entity, id) => items.filter((x) => x.entity === entity && x.id === id).at(-1);
    // A change shows once every older transaction has finished: read until it does.
    const { items } = await drainUntil(S1.token, undefined, (xs) => last(xs, 'receivable', r.id)?.data?.status === 'paid', 'the paid receivable');
    assert.equal(last(items, 'payment', p.id)?.data?.amount_allocated, '25.00');
    assert.equal(last(items, 'receivable', r.id)?.data?.status, 'paid');
    const { items: other } = await drain(S2.token);
    assert.ok(!other.some((x) => x.id === p.id || x.id === r.id), 'not in another salesperson\'s feed');
  });
});

describe('the agenda', () => {
  test('receivables due within seven days or overdue are in the owner\'s agenda and every finance user\'s; paid ones leave it', async () => {
    const D = await createCustomer(S1.token, { name: `客户 Agenda ${Date.now()}` });
    const day = '2031-03-10';
    const k = await activeContract(D, ['100.00', '200.00', '300.00']); // due 2031-01-15, 02-15, 03-15
    const dueOf = async (token) =>
      expectStatus(await api('GET', `/v1/agenda${qs({ date: day })}`, { token }), 200).body.items.filter(
        (i) => i.kind === 'payment_due' && i.customer_id === D.id,
      );
    const mine = await dueOf(S1.token);
    assert.deepEqual(
      mine.map((i) => i.detail),
      [`${k.number} #1: 100.00 CNY overdue by 54 days`, `${k.number} #2: 200.00 CNY overdue by 23 days`, `${k.number} #3: 300.00 CNY due in 5 days`],
    );
    assert.equal((await dueOf(F.token)).length, 3, 'finance sees every customer\'s');
    assert.equal((await dueOf(S2.token)).length, 0, 'another salesperson does not');
    const [first] = await receivablesOf(k);
    expectStatus(await pay({ customer_id: D.id, amount: '100.00', allocations: [{ receivable_id: first.id, amount: '100.00' }] }), 201);
    assert.equal((await dueOf(S1.token)).length, 2, 'a paid installment leaves the agenda');
  });
});
