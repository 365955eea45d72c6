// contracts_shipments.test.mjs: contracts (sales orders) and shipments end to
// end — exact money, payment plans, conversion of an accepted quotation,
// illegal transitions, partial shipments, the over-shipment race, cancelled
// shipments giving their quantities back, the agenda's deliveries due,
// visibility and tenant isolation; idempotent creation, If-Match, gapless
// numbers under concurrency, and the audit trail of both.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, signup, addUser, createCustomer, expectStatus, expectProblem, ifMatch, uniq, qs } from './lib/client.mjs';

let T, B, S1, S2, A, F;
let C; // S1's customer

const line = (over = {}) => ({ description: 'Bolt', quantity: '10', unit: 'pc', unit_price: '2.50', ...over });

async function newContract(token, body) {
  const r = await api('POST', '/v1/contracts', { token, body: { customer_id: C.id, lines: [line()], ...body } });
  return expectStatus(r, 201, 'create contract').body;
}

async function activeContract(lines) {
  const k = await newContract(S1.token, { lines });
  return expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S1.token }), 200, 'activate').body;
}

before(async () => {
  T = await signup();
  B = await signup();
  S1 = await addUser(T, 'sales');
  S2 = await addUser(T, 'sales');
  A = await addUser(T, 'assistant');
  F = await addUser(T, 'finance');
  C = await createCustomer(S1.token, { name: `客户 Contract ${Date.now()}` });
});

describe('contracts', () => {
  test('own lines: amounts computed per line, rounded half away from zero, then summed', async () => {
    const k = await newContract(S1.token, {
      lines: [
        line({ quantity: '0.333', unit_price: '10.0000', discount_percent: '0', tax_rate: '13' }),
        line({ quantity: '3', unit_price: '0.125', discount_percent: '33.3333', tax_rate: '0' }),
        line({ quantity: '1', unit_price: '0.005', tax_rate: '0' }),
      ],
      delivery_due: '2031-05-01',
    });
    assert.match(k.number, /^C-\d{4}-\d{6}$/);
    assert.equal(k.status, 'draft');
    assert.equal(k.customer_name, C.name);
    assert.deepEqual(k.lines.map((l) => [l.net, l.tax, l.gross]), [
      ['3.33', '0.43', '3.76'],
      ['0.25', '0.00', '0.25'],
      ['0.01', '0.00', '0.01'],
    ]);
    assert.equal(k.net_total, '3.59');
    assert.equal(k.gross_total, '4.02');
    assert.deepEqual(k.installments, [{ seq: 1, due_date: '2031-05-01', amount: '4.02' }]);
    assert.equal(k.fully_shipped, false);
    assert.equal(k.lines[0].quantity_remaining, '0.333');
  });

  test('JPY has no minor unit', async () => {
    const k = await newContract(S1.token, { currency: 'JPY', lines: [line({ quantity: '3', unit_price: '33.5' })] });
    assert.equal(k.gross_total, '101');
  });

  test('client totals, JSON numbers and amounts past the column are refused', async () => {
    expectProblem(await api('POST', '/v1/contracts', { token: S1.token, body: { customer_id: C.id, lines: [line({ net: '1.00' })] } }), 422, { field: 'lines[0].net', code: 'read_only' });
    expectProblem(await api('POST', '/v1/contracts', { token: S1.token, body: { customer_id: C.id, gross_total: '1', lines: [line()] } }), 422, { field: 'gross_total' });
    expectProblem(await api('POST', '/v1/contracts', { token: S1.token, body: { customer_id: C.id, lines: [line({ quantity: 2 })] } }), 422, { field: 'lines[0].quantity', code: 'type' });
    const big = await api('POST', '/v1/contracts', { token: S1.token, body: { customer_id: C.id, lines: [line({ quantity: '999999999999999', unit_price: '99999999999999' })] } });
    expectProblem(big, 422);
  });

  test('installments must sum exactly to the gross total', async () => {
    const bad = await api('POST', '/v1/contracts', {
      token: S1.token,
      body: { customer_id: C.id, lines: [line()], installments: [{ due_date: '2031-01-01', amount: '10.00' }, { due_date: '2031-02-01', amount: '14.99' }] },
    });
    expectProblem(bad, 422, { field: 'installments' });
    const k = await newContract(S1.token, { installments: [{ due_date: '2031-01-01', amount: '10.00' }, { due_date: '2031-02-01', amount: '15.00' }] });
    assert.equal(k.installments.length, 2);
    // New lines without a new plan: a two-installment plan no longer adds up.
    expectProblem(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { lines: [line({ quantity: '1' })] } }), 422, { field: 'installments' });
    const ok = expectStatus(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { lines: [line({ quantity: '1' })], installments: [{ due_date: '2031-01-01', amount: '2.50' }] } }), 200);
    assert.equal(ok.body.gross_total, '2.50');
  });

  test('illegal transitions answer 409; drafts only are changed or deleted', async () => {
    const k = await newContract(S1.token, {});
    expectProblem(await api('POST', `/v1/contracts/${k.id}/complete`, { token: S1.token }), 409);
    const active = expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S1.token }), 200).body;
    assert.equal(active.status, 'active');
    expectProblem(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S1.token }), 409);
    expectProblem(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(active), body: { notes: 'x' } }), 409);
    expectProblem(await api('DELETE', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(active) }), 409);
    expectProblem(await api('POST', `/v1/contracts/${k.id}/complete`, { token: S1.token }), 409);
    const cancelled = expectStatus(await api('POST', `/v1/contracts/${k.id}/cancel`, { token: S1.token }), 200).body;
    assert.equal(cancelled.status, 'cancelled');
    expectProblem(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S1.token }), 409);
    const d = await newContract(S1.token, {});
    expectStatus(await api('DELETE', `/v1/contracts/${d.id}`, { token: S1.token, headers: ifMatch(d) }), 204);
    expectProblem(await api('GET', `/v1/contracts/${d.id}`, { token: S1.token }), 404);
  });

  test('from an accepted quotation, once', async () => {
    const q = await api('POST', '/v1/quotations', { token: S1.token, body: { customer_id: C.id, lines: [line({ quantity: '4' })] } });
    expectStatus(q, 201, 'create quotation');
    expectProblem(await api('POST', '/v1/contracts', { token: S1.token, body: { quotation_id: q.body.id } }), 409);
    expectStatus(await api('POST', `/v1/quotations/${q.body.id}/send`, { token: S1.token }), 200);
    expectStatus(await api('POST', `/v1/quotations/${q.body.id}/accept`, { token: S1.token }), 200);
    const k = expectStatus(await api('POST', '/v1/contracts', { token: A.token, body: { quotation_id: q.body.id, delivery_due: '2031-03-01' } }), 201).body;
    assert.equal(k.quotation_id, q.body.id);
    assert.equal(k.customer_id, C.id);
    assert.equal(k.gross_total, q.body.gross_total);
    assert.equal(k.lines[0].quantity, '4.000');
    expectProblem(await api('POST', '/v1/contracts', { token: S1.token, body: { quotation_id: q.body.id } }), 409);
    expectProblem(await api('POST', '/v1/contracts', { token: S1.token, body: { quotation_id: q.body.id, lines: [line()] } }), 422, { field: 'lines' });
  });

  test('visibility follows the customer; read-only roles may not write; tenants are isolated', async () => {
    const k = await newContract(S1.token, {});
    expectProblem(await api('GET', `/v1/contracts/${k.id}`, { token: S2.token }), 404);
    expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: A.token }), 200);
    expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: F.token }), 200);
    expectProblem(await api('POST', `/v1/contracts/${k.id}/activate`, { token: F.token }), 403);
    expectProblem(await api('POST', '/v1/contracts', { token: F.token, body: { customer_id: C.id, lines: [line()] } }), 403);
    expectProblem(await api('POST', '/v1/contracts', { token: S2.token, body: { customer_id: C.id, lines: [line()] } }), 422, { field: 'customer_id' });
    expectProblem(await api('GET', `/v1/contracts/${k.id}`, { token: B.token }), 404);
    const list = expectStatus(await api('GET', `/v1/contracts?customer_id=${C.id}`, { token: S2.token }), 200).body;
    assert.equal(list.data.length, 0);
    const mine = expectStatus(await api('GET', `/v1/contracts?customer_id=${C.id}&status=draft`, { token: S1.token }), 200).body;
    assert.ok(mine.data.some((x) => x.id === k.id));
  });
});

describe('shipments', () => {
  test('partial shipments, remaining quantities, over-shipment, cancel returns, fully shipped', async () => {
    const k = await activeContract([line({ quantity: '10' }), line({ description: 'Nut', quantity: '2.5' })]);
    const [l1, l2] = k.lines;
    const s1 = expectStatus(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: k.id, warehouse: 'WH-1', lines: [{ contract_line_id: l1.id, quantity: '4' }] } }), 201).body;
    assert.match(s1.number, /^S-\d{4}-\d{6}$/);
    assert.equal(s1.contract_number, k.number);
    assert.equal(s1.lines[0].description, 'Bolt');
    let now = expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S1.token }), 200).body;
    assert.equal(now.lines[0].quantity_shipped, '4.000');
    assert.equal(now.lines[0].quantity_remaining, '6.000');
    expectProblem(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: k.id, lines: [{ contract_line_id: l1.id, quantity: '6.001' }] } }), 409);
    expectProblem(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: k.id, lines: [{ contract_line_id: l1.id, quantity: '0' }] } }), 422, { field: 'lines[0].quantity' });
    // Cancel gives the 4 back.
    expectStatus(await api('POST', `/v1/shipments/${s1.id}/cancel`, { token: A.token }), 200);
    expectProblem(await api('POST', `/v1/shipments/${s1.id}/ship`, { token: A.token }), 409);
    now = expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S1.token }), 200).body;
    assert.equal(now.lines[0].quantity_remaining, '10.000');
    // Default: everything remaining.
    const all = expectStatus(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: k.id } }), 201).body;
    assert.deepEqual(all.lines.map((l) => l.quantity), ['10.000', '2.500']);
    now = expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S1.token }), 200).body;
    assert.equal(now.fully_shipped, true);
    expectProblem(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: k.id } }), 409);
    const patched = expectStatus(await api('PATCH', `/v1/shipments/${all.id}`, { token: A.token, headers: ifMatch(all), body: { carrier: 'SF Express', tracking_no: 'SF123' } }), 200).body;
    assert.equal(patched.carrier, 'SF Express');
    const shipped = expectStatus(await api('POST', `/v1/shipments/${all.id}/ship`, { token: A.token }), 200).body;
    assert.equal(shipped.status, 'shipped');
    expectProblem(await api('PATCH', `/v1/shipments/${all.id}`, { token: A.token, headers: ifMatch(shipped), body: { carrier: 'x' } }), 409);
    expectStatus(await api('POST', `/v1/shipments/${all.id}/deliver`, { token: A.token }), 200);
    expectProblem(await api('POST', `/v1/shipments/${all.id}/cancel`, { token: A.token }), 409);
    expectProblem(await api('POST', `/v1/contracts/${k.id}/cancel`, { token: S1.token }), 409);
    const done = expectStatus(await api('POST', `/v1/contracts/${k.id}/complete`, { token: S1.token }), 200).body;
    assert.equal(done.status, 'completed');
    void l2;
  });

  test('a draft contract cannot ship; a line of another contract is refused', async () => {
    const draft = await newContract(S1.token, {});
    expectProblem(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: draft.id } }), 409);
    const k = await activeContract([line()]);
    expectProblem(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: k.id, lines: [{ contract_line_id: draft.lines[0].id, quantity: '1' }] } }), 422, { field: 'lines[0].contract_line_id' });
    expectProblem(await api('POST', '/v1/shipments', { token: F.token, body: { contract_id: k.id } }), 403);
    expectProblem(await api('POST', '/v1/shipments', { token: B.token, body: { contract_id: k.id } }), 422, { field: 'contract_id' });
  });

  test('two concurrent shipments of the last unit: one 201, one 409, never negative', async () => {
    for (let round = 0; round < 3; round++) {
      const k = await activeContract([line({ quantity: '1' })]);
      const body = { contract_id: k.id, lines: [{ contract_line_id: k.lines[0].id, quantity: '1' }] };
      const [a, b] = await Promise.all([
        api('POST', '/v1/shipments', { token: A.token, body }),
        api('POST', '/v1/shipments', { token: S1.token, body }),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [201, 409]);
      const now = expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S1.token }), 200).body;
      assert.equal(now.lines[0].quantity_remaining, '0.000');
      assert.equal(now.fully_shipped, true);
    }
  });
});

describe('agenda', () => {
  test('contracts due for delivery within three days and not fully shipped', async () => {
    const today = expectStatus(await api('GET', '/v1/agenda', { token: S1.token }), 200).body.date;
    const inTwo = new Date(Date.parse(today + 'T00:00:00Z') + 2 * 86400000).toISOString().slice(0, 10);
    const inTen = new Date(Date.parse(today + 'T00:00:00Z') + 10 * 86400000).toISOString().slice(0, 10);
    const due = await newContract(S1.token, { delivery_due: inTwo });
    const later = await newContract(S1.token, { delivery_due: inTen });
    const items = expectStatus(await api('GET', '/v1/agenda', { token: S1.token }), 200).body.items.filter((i) => i.kind === 'delivery_due');
    assert.ok(items.some((i) => i.detail.startsWith(due.number) && i.customer_id === C.id));
    assert.ok(!items.some((i) => i.detail.startsWith(later.number)));
    const other = expectStatus(await api('GET', '/v1/agenda', { token: S2.token }), 200).body.items;
    assert.ok(!other.some((i) => i.kind === 'delivery_due'));
  });
});

describe('idempotent creation', () => {
  test('a contract POST replayed with its key answers the same bytes, makes one row and takes one number', async () => {
    const cust = await createCustomer(S1.token, { name: `客户 Idem ${uniq()}` });
    const key = uniq('contract-');
    const body = { customer_id: cust.id, lines: [line()] };
    const first = expectStatus(await api('POST', '/v1/contracts', { token: S1.token, body, headers: { 'idempotency-key': key } }), 201);
    const again = expectStatus(await api('POST', '/v1/contracts', { token: S1.token, body, headers: { 'idempotency-key': key } }), 201);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const list = expectStatus(await api('GET', `/v1/contracts?customer_id=${cust.id}`, { token: S1.token }), 200).body;
    assert.deepEqual(list.data.map((k) => k.id), [first.body.id]);
    const reused = await api('POST', '/v1/contracts', { token: S1.token, body: { ...body, notes: 'other' }, headers: { 'idempotency-key': key } });
    expectProblem(reused, 422, { field: 'Idempotency-Key', code: 'reused' });
    // The replay took no number: the next contract has the one right after.
    const next = await newContract(S1.token, {});
    const seq = (n) => Number(n.split('-')[2]);
    assert.equal(seq(next.number), seq(first.body.number) + 1);
  });

  test('a shipment POST replayed with its key ships once', async () => {
    const k = await activeContract([line({ quantity: '10' })]);
    const key = uniq('shipment-');
    const body = { contract_id: k.id, lines: [{ contract_line_id: k.lines[0].id, quantity: '4' }] };
    const first = expectStatus(await api('POST', '/v1/shipments', { token: A.token, body, headers: { 'idempotency-key': key } }), 201);
    const again = expectStatus(await api('POST', '/v1/shipments', { token: A.token, body, headers: { 'idempotency-key': key } }), 201);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const other = { ...body, lines: [{ contract_line_id: k.lines[0].id, quantity: '5' }] };
    expectProblem(await api('POST', '/v1/shipments', { token: A.token, body: other, headers: { 'idempotency-key': key } }), 422, { field: 'Idempotency-Key' });
    const now = expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S1.token }), 200).body;
    assert.equal(now.lines[0].quantity_shipped, '4.000');
    assert.equal(now.lines[0].quantity_remaining, '6.000');
    const list = expectStatus(await api('GET', `/v1/shipments?contract_id=${k.id}`, { token: A.token }), 200).body;
    assert.deepEqual(list.data.map((s) => s.id), [first.body.id]);
  });
});

describe('optimistic concurrency', () => {
  test('PATCH and DELETE of a contract need a current If-Match; a refused one changes nothing', async () => {
    const k = await newContract(S1.token, { notes: 'first' });
    expectProblem(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, body: { notes: 'no etag' } }), 428);
    expectProblem(await api('DELETE', `/v1/contracts/${k.id}`, { token: S1.token }), 428);
    const changed = expectStatus(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { notes: 'second' } }), 200);
    assert.equal(changed.headers.get('etag'), `"${changed.body.version}"`);
    assert.ok(changed.body.version > k.version);
    // k's ETag is stale now.
    expectProblem(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { notes: 'lost update' } }), 412);
    expectProblem(await api('DELETE', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k) }), 412);
    const now = expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S1.token }), 200);
    assert.equal(now.body.notes, 'second');
    assert.equal(now.body.version, changed.body.version);
    assert.equal(now.headers.get('etag'), changed.headers.get('etag'));
  });

  test('PATCH of a shipment needs a current If-Match; a refused one changes nothing', async () => {
    const k = await activeContract([line()]);
    const s = expectStatus(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: k.id, carrier: 'first' } }), 201).body;
    expectProblem(await api('PATCH', `/v1/shipments/${s.id}`, { token: A.token, body: { carrier: 'no etag' } }), 428);
    const changed = expectStatus(await api('PATCH', `/v1/shipments/${s.id}`, { token: A.token, headers: ifMatch(s), body: { carrier: 'second' } }), 200).body;
    expectProblem(await api('PATCH', `/v1/shipments/${s.id}`, { token: A.token, headers: ifMatch(s), body: { carrier: 'lost update' } }), 412);
    const now = expectStatus(await api('GET', `/v1/shipments/${s.id}`, { token: A.token }), 200).body;
    assert.equal(now.carrier, 'second');
    assert.equal(now.version, changed.version);
  });
});

describe('numbering', () => {
  test('concurrent creations in a fresh tenant are numbered 1..n without gaps; a refused one takes no number', async () => {
    const X = await signup();
    const cust = await createCustomer(X.token, { name: `客户 Numbers ${uniq()}` });
    const made = await Promise.all(Array.from({ length: 12 }, () =>
      api('POST', '/v1/contracts', { token: X.token, body: { customer_id: cust.id, lines: [line()] } })));
    made.forEach((r) => expectStatus(r, 201, 'concurrent contract'));
    const year = made[0].body.number.split('-')[1];
    const want = (prefix, from, to) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}-${year}-${String(from + i).padStart(6, '0')}`);
    assert.deepEqual(made.map((r) => r.body.number).sort(), want('C', 1, 12));
    // Refused in the database after its number was drawn (the plan does not add up): rolled back, number returned.
    expectProblem(await api('POST', '/v1/contracts', { token: X.token, body: { customer_id: cust.id, lines: [line()], installments: [{ due_date: '2031-01-01', amount: '1.00' }] } }), 422, { field: 'installments' });
    const k = expectStatus(await api('POST', '/v1/contracts', { token: X.token, body: { customer_id: cust.id, lines: Array.from({ length: 12 }, (_, i) => line({ description: `Part ${i}`, quantity: '1' })) } }), 201).body;
    assert.equal(k.number, want('C', 13, 13)[0]);
    expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: X.token }), 200);
    // Shipments: twelve at once, one per line, then one refused (nothing left) that takes no number.
    const shipped = await Promise.all(k.lines.map((l) =>
      api('POST', '/v1/shipments', { token: X.token, body: { contract_id: k.id, lines: [{ contract_line_id: l.id, quantity: '1' }] } })));
    shipped.forEach((r) => expectStatus(r, 201, 'concurrent shipment'));
    assert.deepEqual(shipped.map((r) => r.body.number).sort(), want('S', 1, 12));
    expectProblem(await api('POST', '/v1/shipments', { token: X.token, body: { contract_id: k.id } }), 409);
    const back = expectStatus(await api('POST', `/v1/shipments/${shipped[0].body.id}/cancel`, { token: X.token }), 200).body;
    assert.equal(back.number, shipped[0].body.number);
    const last = expectStatus(await api('POST', '/v1/shipments', { token: X.token, body: { contract_id: k.id } }), 201).body;
    assert.equal(last.number, want('S', 13, 13)[0]);
  });
});

describe('currency', () => {
  test("a contract without a currency takes the organization's default", async () => {
    const X = await signup();
    const settings = expectStatus(await api('GET', '/v1/tenant', { token: X.token }), 200).body;
    expectStatus(await api('PATCH', '/v1/tenant', { token: X.token, headers: ifMatch(settings), body: { default_currency: 'JPY' } }), 200);
    const cust = await createCustomer(X.token);
    const k = expectStatus(await api('POST', '/v1/contracts', { token: X.token, body: { customer_id: cust.id, lines: [line({ quantity: '3', unit_price: '33.5' })] } }), 201).body;
    assert.equal(k.currency, 'JPY');
    assert.equal(k.gross_total, '101');
    const eur = expectStatus(await api('POST', '/v1/contracts', { token: X.token, body: { customer_id: cust.id, currency: 'EUR', lines: [line()] } }), 201).body;
    assert.equal(eur.currency, 'EUR');
  });
});

describe('tenant isolation of shipments', () => {
  test("another tenant's contract or contract line ships nothing", async () => {
    const k = await activeContract([line({ quantity: '3' })]);
    expectProblem(await api('POST', '/v1/shipments', { token: B.token, body: { contract_id: k.id, lines: [{ contract_line_id: k.lines[0].id, quantity: '1' }] } }), 422, { field: 'contract_id' });
    const bc = await createCustomer(B.token, { name: `Foreign ${uniq()}` });
    const bk = expectStatus(await api('POST', '/v1/contracts', { token: B.token, body: { customer_id: bc.id, lines: [line()] } }), 201).body;
    expectStatus(await api('POST', `/v1/contracts/${bk.id}/activate`, { token: B.token }), 200);
    expectProblem(await api('POST', '/v1/shipments', { token: B.token, body: { contract_id: bk.id, lines: [{ contract_line_id: k.lines[0].id, quantity: '1' }] } }), 422, { field: 'lines[0].contract_line_id' });
    assert.equal(expectStatus(await api('GET', `/v1/shipments?contract_id=${k.id}`, { token: B.token }), 200).body.data.length, 0);
    const now = expectStatus(await api('GET', `/v1/contracts/${k.id}`, { token: S1.token }), 200).body;
    assert.equal(now.lines[0].quantity_shipped, '0.000');
    const theirs = expectStatus(await api('GET', `/v1/contracts/${bk.id}`, { token: B.token }), 200).body;
    assert.equal(theirs.lines[0].quantity_shipped, '0.000');
    const mine = expectStatus(await api('GET', `/v1/shipments?contract_id=${k.id}`, { token: A.token }), 200).body;
    assert.equal(mine.data.length, 0);
  });
});

describe('audit trail', () => {
  const entries = async (entity, id) =>
    expectStatus(await api('GET', `/v1/audit-log${qs({ entity, entity_id: id })}`, { token: T.token }), 200).body.data;

  test('contract and shipment writes are audited with who and what', async () => {
    const k = await newContract(S1.token, { notes: 'before' });
    const p = expectStatus(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { notes: 'after' } }), 200).body;
    expectStatus(await api('DELETE', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(p) }), 204);
    const ke = await entries('contracts', k.id);
    assert.deepEqual([...new Set(ke.map((e) => e.action))].sort(), ['create', 'delete', 'update']);
    assert.ok(ke.every((e) => e.actor_id === S1.user.id));
    assert.deepEqual(ke.find((e) => e.action === 'update').changes.notes, { old: 'before', new: 'after' });
    assert.equal(ke.find((e) => e.action === 'create').changes.number.new, k.number);

    const a = await activeContract([line({ quantity: '2' })]);
    const s = expectStatus(await api('POST', '/v1/shipments', { token: A.token, body: { contract_id: a.id } }), 201).body;
    expectStatus(await api('POST', `/v1/shipments/${s.id}/ship`, { token: A.token }), 200);
    const se = await entries('shipments', s.id);
    assert.deepEqual(se.map((e) => e.action).sort(), ['create', 'update']);
    assert.ok(se.every((e) => e.actor_id === A.user.id));
    assert.deepEqual(se.find((e) => e.action === 'update').changes.status, { old: 'pending', new: 'shipped' });
    const le = await entries('contract_lines', a.lines[0].id);
    const moved = le.find((e) => e.action === 'update' && e.changes.quantity_shipped);
    assert.ok(moved, `the shipped quantity of the contract line is audited: ${JSON.stringify(le)}`);
    assert.equal(moved.actor_id, A.user.id);
  });
});

describe('orders follow their customer', () => {
  test("a deleted customer's contracts and shipments answer 404, as its other children do", async () => {
    const gone = await createCustomer(S1.token, { name: `Closing down ${uniq()}` });
    const k = expectStatus(await api('POST', '/v1/contracts', { token: S1.token, body: { customer_id: gone.id, lines: [line()] } }), 201).body;
    expectStatus(await api('POST', `/v1/contracts/${k.id}/activate`, { token: S1.token }), 200);
    const s = expectStatus(await api('POST', '/v1/shipments', { token: S1.token, body: { contract_id: k.id } }), 201).body;
    const customer = expectStatus(await api('GET', `/v1/customers/${gone.id}`, { token: T.token }), 200).body;
    expectStatus(await api('DELETE', `/v1/customers/${gone.id}`, { token: T.token, headers: ifMatch(customer) }), 204);
    for (const token of [S1.token, A.token, T.token]) {
      expectProblem(await api('GET', `/v1/contracts/${k.id}`, { token }), 404);
      expectProblem(await api('GET', `/v1/shipments/${s.id}`, { token }), 404);
      const contracts = expectStatus(await api('GET', `/v1/contracts${qs({ customer_id: gone.id })}`, { token }), 200).body;
      assert.deepEqual(contracts.data, [], 'no contract of a deleted customer is listed');
      const shipments = expectStatus(await api('GET', `/v1/shipments${qs({ contract_id: k.id })}`, { token }), 200).body;
      assert.deepEqual(shipments.data, [], 'no shipment of a deleted customer is listed');
    }
    expectProblem(await api('POST', `/v1/shipments/${s.id}/ship`, { token: S1.token }), 404);
    expectProblem(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { notes: 'x' } }), 404);
  });

  test('a product retired after the contract was written does not block a change of currency', async () => {
    const p = expectStatus(await api('POST', '/v1/products', {
      token: T.token,
      body: { sku: `RET-${uniq()}`, name: 'Retiring valve', unit_price: '12.3456', tax_rate: '13' },
    }), 201).body;
    const k = await newContract(S1.token, { lines: [{ product_id: p.id, quantity: '3' }] });
    expectStatus(await api('PATCH', `/v1/products/${p.id}`, { token: T.token, headers: ifMatch(p), body: { active: false } }), 200);
    const changed = expectStatus(await api('PATCH', `/v1/contracts/${k.id}`, { token: S1.token, headers: ifMatch(k), body: { currency: 'JPY' } }), 200).body;
    assert.equal(changed.currency, 'JPY');
    assert.equal(changed.lines[0].product_id, p.id);
    assert.equal(changed.lines[0].unit_price, '12.3456', 'the line keeps its price');
    assert.equal(changed.lines[0].net, '37', 'and is rounded to whole yen');
    assert.equal(changed.gross_total, '42');
  });
});
