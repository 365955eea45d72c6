// quotations.test.mjs: products and quotations end to end — the catalogue and
// its search, exact money (per-line rounding half away from zero, minor units,
// amounts near the column's limit), every validation rule, gapless numbers
// under concurrency, the state machine, revisions, who may see and write what,
// and tenant isolation.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  api,
  signup,
  addUser,
  createTeam,
  createCustomer,
  listAll,
  expectStatus,
  expectProblem,
  ifMatch,
  etag,
  uniq,
  ids,
  qs,
} from './lib/client.mjs';

let T, B; // tenant under test, another tenant
let M1, S1, S2, A, F; // manager of S1's team, S1, a colleague in no team, an assistant, finance
let C; // S1's customer
let BOLT; // a product: 0.125 per piece, 13 % tax

const YEAR = new Date().getUTCFullYear();
const FUTURE = `${YEAR + 5}-12-31`;

const line = (fields = {}) => ({ description: 'Work', quantity: '1', unit_price: '1', ...fields });

async function quote(token, body, headers = {}) {
  return api('POST', '/v1/quotations', { token, body: { customer_id: C.id, ...body }, headers });
}

async function created(token, body) {
  return expectStatus(await quote(token, body), 201, 'create quotation').body;
}

const get = (id, token = S1.token) => api('GET', `/v1/quotations/${id}`, { token });
const act = (id, verb, token = S1.token) => api('POST', `/v1/quotations/${id}/${verb}`, { token });
const patch = (q, body, token = S1.token) =>
  api('PATCH', `/v1/quotations/${q.id}`, { token, body, headers: ifMatch(q) });

before(async () => {
  T = await signup();
  B = await signup();
  M1 = await addUser(T, 'manager');
  const team = await createTeam(T.token, `Sales ${uniq()}`, M1.user.id);
  S1 = await addUser(T, 'sales', { team_id: team.id });
  S2 = await addUser(T, 'sales');
  A = await addUser(T, 'assistant');
  F = await addUser(T, 'finance');
  C = await createCustomer(S1.token, { name: `上海精密机械有限公司 ${uniq()}` });
  const r = await api('POST', '/v1/products', {
    token: A.token,
    body: { sku: `BOLT-${uniq()}`, name: '六角螺栓 M8', unit: 'pc', unit_price: '0.125', tax_rate: '13' },
  });
  BOLT = expectStatus(r, 201, 'create product').body;
});

describe('products', () => {
  test('create, read, change and delete; decimals as strings', async () => {
    const sku = `P-${uniq()}`;
    const r = expectStatus(
      await api('POST', '/v1/products', { token: T.token, body: { sku, name: 'Gear box', unit_price: '1999.5' } }),
      201,
    );
    const p = r.body;
    assert.equal(r.headers.get('location'), `/v1/products/${p.id}`);
    assert.equal(r.headers.get('etag'), etag(1));
    assert.equal(p.unit_price, '1999.5000');
    assert.equal(p.tax_rate, '0.0000');
    assert.equal(p.active, true);
    const got = expectStatus(await api('GET', `/v1/products/${p.id}`, { token: S1.token }), 200).body;
    assert.deepEqual(got, p);
    expectProblem(await api('PATCH', `/v1/products/${p.id}`, { token: T.token, body: { name: 'x' } }), 428);
    expectProblem(
      await api('PATCH', `/v1/products/${p.id}`, { token: T.token, body: { name: 'x' }, headers: ifMatch('"9"') }),
      412,
    );
    const changed = expectStatus(
      await api('PATCH', `/v1/products/${p.id}`, {
        token: M1.token,
        body: { unit_price: '2100', active: false },
        headers: ifMatch(p),
      }),
      200,
    ).body;
    assert.equal(changed.unit_price, '2100.0000');
    assert.equal(changed.active, false);
    assert.equal(changed.version, 2);
    expectStatus(
      await api('DELETE', `/v1/products/${p.id}`, { token: A.token, headers: ifMatch(changed) }),
      204,
    );
    expectProblem(await api('GET', `/v1/products/${p.id}`, { token: A.token }), 404);
  });

  test('sku is unique among live products (409 naming sku)', async () => {
    const sku = `DUP-${uniq()}`;
    expectStatus(await api('POST', '/v1/products', { token: A.token, body: { sku, name: 'One', unit_price: '1' } }), 201);
    expectProblem(
      await api('POST', '/v1/products', { token: A.token, body: { sku: sku.toLowerCase(), name: 'Two', unit_price: '1' } }),
      409,
      { field: 'sku', code: 'duplicate' },
    );
  });

  test('validation: numbers, scale, range, read-only and unknown fields', async () => {
    const post = (body) => api('POST', '/v1/products', { token: A.token, body: { sku: uniq('V-'), name: 'V', ...body } });
    expectProblem(await post({ unit_price: 12.5 }), 422, { field: 'unit_price', code: 'type' });
    expectProblem(await post({ unit_price: '1.12345' }), 422, { field: 'unit_price', code: 'format' });
    expectProblem(await post({ unit_price: '-1' }), 422, { field: 'unit_price', code: 'format' });
    expectProblem(await post({ unit_price: '1', tax_rate: '100.0001' }), 422, { field: 'tax_rate', code: 'range' });
    expectProblem(await post({ unit_price: '1', tax_rate: 13 }), 422, { field: 'tax_rate', code: 'type' });
    expectProblem(await post({ unit_price: '1', version: 3 }), 422, { field: 'version', code: 'read_only' });
    expectProblem(await post({ unit_price: '1', colour: 'red' }), 422, { field: 'colour', code: 'unknown' });
    expectProblem(await post({}), 422, { field: 'unit_price', code: 'required' });
    expectStatus(await post({ unit_price: '1', tax_rate: '100' }), 201);
  });

  test('sales, finance and service read the catalogue but may not change it', async () => {
    expectProblem(
      await api('POST', '/v1/products', { token: S1.token, body: { sku: uniq('S-'), name: 'S', unit_price: '1' } }),
      403,
    );
    expectProblem(
      await api('PATCH', `/v1/products/${BOLT.id}`, { token: F.token, body: { name: 'x' }, headers: ifMatch(BOLT) }),
      403,
    );
    const all = await listAll('/v1/products', F.token);
    assert.ok(ids(all).includes(BOLT.id));
  });

  test('fuzzy search on name and sku, and the active filter', async () => {
    const tag = uniq();
    const hydraulic = expectStatus(
      await api('POST', '/v1/products', {
        token: A.token,
        body: { sku: `HYD-${tag}`, name: `Hydraulic pump ${tag}`, unit_price: '880' },
      }),
      201,
    ).body;
    const found = await listAll(`/v1/products${qs({ q: `hydraulik pump ${tag}` })}`, S1.token);
    assert.ok(ids(found).includes(hydraulic.id), 'a misspelt name still finds the product');
    assert.ok(!ids(found).includes(BOLT.id));
    const bySku = await listAll(`/v1/products${qs({ q: `HYD-${tag}` })}`, S1.token);
    assert.deepEqual(ids(bySku), [hydraulic.id]);
    const inactive = await listAll(`/v1/products${qs({ active: 'false' })}`, S1.token);
    assert.ok(!ids(inactive).includes(hydraulic.id));
    expectProblem(await api('GET', `/v1/products${qs({ active: 'maybe' })}`, { token: S1.token }), 422, {
      field: 'active',
    });
  });
});

describe('quotation money', () => {
  test('a product line: 0.333 × 0.125 less 33.3333 %, 13 % tax, priced from the product', async () => {
    const q = await created(S1.token, {
      valid_until: FUTURE,
      lines: [{ product_id: BOLT.id, quantity: '0.333', discount_percent: '33.3333' }],
    });
    assert.match(q.number, new RegExp(`^Q-${YEAR}-\\d{6}$`));
    assert.equal(q.status, 'draft');
    assert.equal(q.revision, 1);
    assert.equal(q.currency, 'CNY', "the tenant's default currency");
    assert.equal(q.customer_id, C.id);
    assert.equal(q.customer_name, C.name);
    assert.equal(q.owner_id, S1.user.id);
    const [l] = q.lines;
    assert.equal(l.line_no, 1);
    assert.equal(l.description, '六角螺栓 M8');
    assert.equal(l.unit, 'pc');
    assert.equal(l.unit_price, '0.1250');
    assert.equal(l.tax_rate, '13.0000');
    assert.equal(l.quantity, '0.333');
    // 0.333 × 0.125 × 0.666667 = 0.02775… → 0.03; tax 0.03 × 13 % = 0.0039 → 0.00
    assert.equal(l.net, '0.03');
    assert.equal(l.tax, '0.00');
    assert.equal(l.gross, '0.03');
    assert.deepEqual([q.net_total, q.tax_total, q.gross_total], ['0.03', '0.00', '0.03']);
  });

  test('the line overrides what the product would fill in', async () => {
    const q = await created(S1.token, {
      lines: [{ product_id: BOLT.id, description: 'Bolt, special', quantity: '1000', unit_price: '0.1', tax_rate: '0', unit: 'box' }],
    });
    assert.deepEqual(
      [q.lines[0].description, q.lines[0].unit, q.lines[0].unit_price, q.lines[0].tax_rate, q.lines[0].net],
      ['Bolt, special', 'box', '0.1000', '0.0000', '100.00'],
    );
  });

  test('half away from zero, per line, then summed (not the rounded total)', async () => {
    // Three lines of 0.005 each: every line rounds to 0.01 (banker's rounding
    // would give 0.00), so the total is 0.03 — rounding the unrounded total
    // 0.015 would give 0.02.
    const q = await created(S1.token, { lines: [1, 2, 3].map(() => line({ quantity: '1', unit_price: '0.005' })) });
    assert.deepEqual(q.lines.map((l) => l.net), ['0.01', '0.01', '0.01']);
    assert.equal(q.net_total, '0.03');
    // Tax per line too: 0.10 at 5 % = 0.005 → 0.01 each, 0.03 in all (not 0.02).
    const t = await created(S1.token, { lines: [1, 2, 3].map(() => line({ unit_price: '0.1', tax_rate: '5' })) });
    assert.deepEqual(t.lines.map((l) => l.tax), ['0.01', '0.01', '0.01']);
    assert.deepEqual([t.net_total, t.tax_total, t.gross_total], ['0.30', '0.03', '0.33']);
    // Many lines: 40 × (0.333 × 1.00) = 40 × 0.33 = 13.20, while 40 × 0.333 = 13.32.
    const many = await created(S1.token, { lines: Array.from({ length: 40 }, () => line({ quantity: '0.333' })) });
    assert.equal(many.lines.length, 40);
    assert.ok(many.lines.every((l) => l.net === '0.33'));
    assert.equal(many.net_total, '13.20');
    assert.deepEqual(
      many.lines.map((l) => l.line_no),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });

  test('a 33⅓ % discount on 3 × 10.00 and a 0.125 unit price', async () => {
    const q = await created(S1.token, {
      lines: [
        line({ quantity: '3', unit_price: '10', discount_percent: '33.3333', tax_rate: '13' }),
        line({ quantity: '7', unit_price: '0.125', tax_rate: '6' }),
      ],
    });
    // 30 × 0.666667 = 20.00001 → 20.00, tax 2.60; 0.875 → 0.88, tax 0.0528 → 0.05
    assert.deepEqual(q.lines.map((l) => [l.net, l.tax, l.gross]), [
      ['20.00', '2.60', '22.60'],
      ['0.88', '0.05', '0.93'],
    ]);
    assert.deepEqual([q.net_total, q.tax_total, q.gross_total], ['20.88', '2.65', '23.53']);
  });

  test('a currency without minor unit rounds to whole units', async () => {
    const q = await created(S1.token, { currency: 'JPY', lines: [line({ quantity: '3', unit_price: '100.5', tax_rate: '10' })] });
    // 301.5 → 302, tax 30.2 → 30
    assert.deepEqual([q.lines[0].net, q.lines[0].tax, q.gross_total], ['302', '30', '332']);
    assert.equal(q.currency, 'JPY');
  });

  test('amounts near the column limit: just below is stored exactly, beyond is 422 not 500', async () => {
    const big = await created(S1.token, { lines: [line({ quantity: '99', unit_price: '99999999999999.9999' })] });
    assert.equal(big.net_total, '9899999999999999.99');
    expectProblem(
      await quote(S1.token, { lines: [line({ quantity: '999999999999999.999', unit_price: '99999999999999.9999' })] }),
      422,
      { field: 'lines[0].quantity', code: 'range' },
    );
    expectProblem(
      await quote(S1.token, { lines: [line(), line({ quantity: '99', unit_price: '99999999999999.9999', tax_rate: '5' })] }),
      422,
      { field: 'lines[1].quantity', code: 'range' },
    );
    expectProblem(
      await quote(S1.token, {
        lines: [1, 2].map(() => line({ quantity: '99', unit_price: '99999999999999.9999' })),
      }),
      422,
      { field: 'lines', code: 'range' },
    );
    expectProblem(await quote(S1.token, { lines: [line({ quantity: '1234567890123456' })] }), 422, {
      field: 'lines[0].quantity',
      code: 'format',
    });
  });

  test('decimal strings only, with their scale and range', async () => {
    const bad = async (l, field, code) => expectProblem(await quote(S1.token, { lines: [l] }), 422, { field, code });
    await bad(line({ quantity: 2 }), 'lines[0].quantity', 'type');
    await bad(line({ unit_price: 9.99 }), 'lines[0].unit_price', 'type');
    await bad(line({ discount_percent: 10 }), 'lines[0].discount_percent', 'type');
    await bad(line({ quantity: '1.2345' }), 'lines[0].quantity', 'format');
    await bad(line({ quantity: '0' }), 'lines[0].quantity', 'range');
    await bad(line({ quantity: '0.000' }), 'lines[0].quantity', 'range');
    await bad(line({ quantity: '-1' }), 'lines[0].quantity', 'format');
    await bad(line({ unit_price: '0.12345' }), 'lines[0].unit_price', 'format');
    await bad(line({ discount_percent: '100.5' }), 'lines[0].discount_percent', 'range');
    await bad(line({ tax_rate: '101' }), 'lines[0].tax_rate', 'range');
    await bad(line({ tax_rate: '1.23456' }), 'lines[0].tax_rate', 'format');
    await bad({ quantity: '1', unit_price: '1' }, 'lines[0].description', 'required');
    await bad({ quantity: '1', description: 'x' }, 'lines[0].unit_price', 'required');
    await bad({ description: 'x', unit_price: '1' }, 'lines[0].quantity', 'required');
    await bad({ product_id: randomUUID(), quantity: '1' }, 'lines[0].product_id', 'invalid');
    await bad(line({ kept: true }), 'lines[0].kept', 'unknown');
    expectStatus(await quote(S1.token, { lines: [line({ unit_price: '0', discount_percent: '100' })] }), 201);
  });

  test('server-owned amounts, number and status are refused (read_only)', async () => {
    for (const [body, field] of [
      [{ net_total: '1.00' }, 'net_total'],
      [{ gross_total: '1.00' }, 'gross_total'],
      [{ tax_total: '0.00' }, 'tax_total'],
      [{ number: `Q-${YEAR}-999999` }, 'number'],
      [{ status: 'accepted' }, 'status'],
      [{ revision: 2 }, 'revision'],
    ]) {
      expectProblem(await quote(S1.token, { lines: [line()], ...body }), 422, { field, code: 'read_only' });
    }
    for (const f of ['net', 'tax', 'gross']) {
      expectProblem(await quote(S1.token, { lines: [line({ [f]: '1.00' })] }), 422, {
        field: `lines[0].${f}`,
        code: 'read_only',
      });
    }
  });

  test('lines: at least one, at most 500; currency from the table', async () => {
    expectProblem(await quote(S1.token, {}), 422, { field: 'lines', code: 'required' });
    expectProblem(await quote(S1.token, { lines: [] }), 422, { field: 'lines', code: 'required' });
    expectProblem(await quote(S1.token, { lines: 'x' }), 422, { field: 'lines', code: 'type' });
    expectProblem(await quote(S1.token, { lines: Array.from({ length: 501 }, () => line()) }), 422, {
      field: 'lines',
      code: 'too_long',
    });
    const max = await created(S1.token, { lines: Array.from({ length: 500 }, () => line({ unit_price: '0.01' })) });
    assert.equal(max.lines.length, 500);
    assert.equal(max.net_total, '5.00');
    expectProblem(await quote(S1.token, { currency: 'XYZ', lines: [line()] }), 422, { field: 'currency', code: 'unknown' });
    expectProblem(await quote(S1.token, { currency: 'usd', lines: [line()] }), 422, { field: 'currency', code: 'format' });
    expectProblem(await quote(S1.token, { customer_id: 'nope', lines: [line()] }), 422, { field: 'customer_id' });
    expectProblem(await quote(S1.token, { lines: [line()], colour: 'red' }), 422, { field: 'colour', code: 'unknown' });
    const usd = await created(S1.token, { currency: 'USD', lines: [line()] });
    assert.equal(usd.currency, 'USD');
  });
});

describe('quotation numbers', () => {
  test('20 concurrent creates get Q-YYYY-000001..000020, no gaps or duplicates; failures consume none', async () => {
    const N = await signup();
    const cust = await createCustomer(N.token);
    const create = (body = {}) =>
      api('POST', '/v1/quotations', { token: N.token, body: { customer_id: cust.id, lines: [line()], ...body } });
    // A failure before a number is drawn (unknown product).
    expectProblem(await create({ lines: [{ product_id: randomUUID(), quantity: '1' }] }), 422);
    const results = await Promise.all(Array.from({ length: 20 }, () => create()));
    for (const r of results) expectStatus(r, 201);
    const numbers = results.map((r) => r.body.number).sort();
    assert.deepEqual(
      numbers,
      Array.from({ length: 20 }, (_, i) => `Q-${YEAR}-${String(i + 1).padStart(6, '0')}`),
    );
    // A failure after the number is drawn (the id is taken: the insert fails) gives it back.
    expectProblem(await create({ id: results[0].body.id }), 409);
    const next = expectStatus(await create(), 201).body;
    assert.equal(next.number, `Q-${YEAR}-000021`);
    // Another tenant counts on its own.
    const other = await signup();
    const oc = await createCustomer(other.token);
    const oq = expectStatus(
      await api('POST', '/v1/quotations', { token: other.token, body: { customer_id: oc.id, lines: [line()] } }),
      201,
    ).body;
    assert.equal(oq.number, `Q-${YEAR}-000001`);
  });

  test('Idempotency-Key: a repeated create replays the first answer and takes one number', async () => {
    const key = randomUUID();
    const body = { lines: [line({ unit_price: '7' })] };
    const a = expectStatus(await quote(S1.token, body, { 'idempotency-key': key }), 201);
    const b = expectStatus(await quote(S1.token, body, { 'idempotency-key': key }), 201);
    assert.equal(b.text, a.text);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    const next = await created(S1.token, body);
    const n = (q) => Number(q.number.slice(-6));
    assert.equal(n(next), n(a.body) + 1);
  });
});

describe('quotation states and revisions', () => {
  test('draft → sent → accepted; illegal transitions are 409 naming the status', async () => {
    const q = await created(S1.token, { valid_until: FUTURE, lines: [line()] });
    let r = expectProblem(await act(q.id, 'accept'), 409);
    assert.match(r.body.detail, /draft/);
    expectProblem(await act(q.id, 'reject'), 409);
    const sent = expectStatus(await act(q.id, 'send'), 200).body;
    assert.equal(sent.status, 'sent');
    assert.ok(sent.sent_at);
    assert.equal(sent.version, q.version + 1);
    r = expectProblem(await act(q.id, 'send'), 409);
    assert.match(r.body.detail, /sent/);
    expectProblem(await api('DELETE', `/v1/quotations/${q.id}`, { token: S1.token, headers: ifMatch(sent) }), 409);
    const accepted = expectStatus(await act(q.id, 'accept'), 200).body;
    assert.equal(accepted.status, 'accepted');
    assert.ok(accepted.decided_at);
    r = expectProblem(await act(q.id, 'reject'), 409);
    assert.match(r.body.detail, /accepted/);
    expectProblem(await patch(accepted, { notes: 'late change' }), 409);
    expectProblem(await act(randomUUID(), 'send'), 404);
  });

  test('sent → rejected', async () => {
    const q = await created(S1.token, { lines: [line()] });
    expectStatus(await act(q.id, 'send'), 200);
    const rejected = expectStatus(await act(q.id, 'reject'), 200).body;
    assert.equal(rejected.status, 'rejected');
    expectProblem(await act(q.id, 'accept'), 409);
  });

  test('a sent quotation past valid_until reads as expired: it cannot be accepted, but can be rejected', async () => {
    const q = await created(S1.token, { valid_until: '2020-01-31', lines: [line()] });
    const sent = expectStatus(await act(q.id, 'send'), 200).body;
    assert.equal(sent.status, 'expired');
    const listed = await listAll(`/v1/quotations${qs({ status: 'expired', customer_id: C.id })}`, S1.token);
    assert.ok(ids(listed).includes(q.id));
    const r = expectProblem(await act(q.id, 'accept'), 409);
    assert.match(r.body.detail, /expired/);
    expectStatus(await act(q.id, 'reject'), 200);
  });

  test('a draft changes in place: lines replaced, totals recomputed, If-Match enforced', async () => {
    const q = await created(S1.token, { lines: [line({ unit_price: '10' }), line({ unit_price: '5' })] });
    expectProblem(await api('PATCH', `/v1/quotations/${q.id}`, { token: S1.token, body: { notes: 'x' } }), 428);
    expectProblem(await patch({ ...q, version: q.version + 5 }, { notes: 'x' }), 412);
    const r = expectStatus(await patch(q, { notes: '请尽快确认', lines: [line({ quantity: '2', unit_price: '0.125', tax_rate: '13' })] }), 200);
    const changed = r.body;
    assert.equal(r.headers.get('etag'), etag(changed.version));
    assert.equal(changed.id, q.id);
    assert.equal(changed.revision, 1);
    assert.equal(changed.number, q.number);
    assert.equal(changed.notes, '请尽快确认');
    assert.equal(changed.lines.length, 1);
    assert.deepEqual([changed.net_total, changed.tax_total, changed.gross_total], ['0.25', '0.03', '0.28']);
    // Changing only the currency reprices the lines kept.
    const yen = expectStatus(await patch(changed, { currency: 'JPY' }), 200).body;
    assert.deepEqual([yen.lines[0].net, yen.net_total], ['0', '0']);
    expectProblem(await patch(yen, { lines: [line({ quantity: 1.5 })] }), 422, { field: 'lines[0].quantity', code: 'type' });
    expectProblem(await patch(yen, { gross_total: '9.99' }), 422, { field: 'gross_total', code: 'read_only' });
    expectProblem(await patch(yen, { customer_id: C.id }), 422, { field: 'customer_id', code: 'read_only' });
    expectProblem(await patch(yen, { lines: [] }), 422, { field: 'lines' });
    // The failed changes left it as it was.
    assert.deepEqual(expectStatus(await get(q.id), 200).body, yen);
  });

  test('changing a sent quotation makes a new revision; the old one stays readable', async () => {
    const q = await created(S1.token, { valid_until: FUTURE, lines: [line({ unit_price: '100' })] });
    const sent = expectStatus(await act(q.id, 'send'), 200).body;
    const r = expectStatus(await patch(sent, { lines: [line({ unit_price: '90' })], notes: 'discounted' }), 200);
    const rev = r.body;
    assert.notEqual(rev.id, q.id);
    assert.equal(rev.number, q.number);
    assert.equal(rev.revision, 2);
    assert.equal(rev.supersedes_id, q.id);
    assert.equal(rev.status, 'draft');
    assert.equal(rev.net_total, '90.00');
    assert.equal(rev.valid_until, FUTURE, 'unchanged fields carry over');
    assert.equal(rev.owner_id, S1.user.id);
    const old = expectStatus(await get(q.id), 200).body;
    assert.equal(old.status, 'superseded');
    assert.equal(old.superseded_by_id, rev.id);
    assert.equal(old.net_total, '100.00');
    assert.equal(old.lines[0].unit_price, '100.0000');
    expectProblem(await patch(old, { notes: 'again' }), 409);
    expectProblem(await act(q.id, 'accept'), 409);
    // The revision goes out and is accepted in its turn.
    expectStatus(await act(rev.id, 'send'), 200);
    const accepted = expectStatus(await act(rev.id, 'accept'), 200).body;
    assert.equal(accepted.status, 'accepted');
    const all = await listAll(`/v1/quotations${qs({ customer_id: C.id })}`, S1.token);
    assert.deepEqual(
      all.filter((x) => x.number === q.number).map((x) => [x.revision, x.status]),
      [
        [1, 'superseded'],
        [2, 'accepted'],
      ],
    );
  });

  test('only drafts are deleted; deleting a draft revision gives the sent state back', async () => {
    const q = await created(S1.token, { lines: [line()] });
    expectStatus(await api('DELETE', `/v1/quotations/${q.id}`, { token: S1.token, headers: ifMatch(q) }), 204);
    expectProblem(await get(q.id), 404);
    const s = await created(S1.token, { lines: [line()] });
    const sent = expectStatus(await act(s.id, 'send'), 200).body;
    const rev = expectStatus(await patch(sent, { notes: 'v2' }), 200).body;
    expectProblem(await api('DELETE', `/v1/quotations/${rev.id}`, { token: S1.token, headers: ifMatch('"99"') }), 412);
    expectStatus(await api('DELETE', `/v1/quotations/${rev.id}`, { token: S1.token, headers: ifMatch(rev) }), 204);
    const back = expectStatus(await get(s.id), 200).body;
    assert.equal(back.status, 'sent');
    assert.equal(back.superseded_by_id, null);
  });

  test('a product retired after quoting does not block changing the quotation', async () => {
    const p = expectStatus(
      await api('POST', '/v1/products', { token: A.token, body: { sku: uniq('OLD-'), name: 'Old valve', unit_price: '12.5' } }),
      201,
    ).body;
    const q = await created(S1.token, { lines: [{ product_id: p.id, quantity: '2' }] });
    const s = await created(S1.token, { lines: [{ product_id: p.id, quantity: '4' }] });
    const sent = expectStatus(await act(s.id, 'send'), 200).body;
    expectStatus(await api('DELETE', `/v1/products/${p.id}`, { token: A.token, headers: ifMatch(p) }), 204);
    const changed = expectStatus(await patch(q, { notes: 'kept' }), 200).body;
    assert.deepEqual([changed.lines[0].product_id, changed.lines[0].description, changed.net_total], [p.id, 'Old valve', '25.00']);
    const rev = expectStatus(await patch(sent, { valid_until: FUTURE }), 200).body;
    assert.deepEqual([rev.revision, rev.lines[0].product_id, rev.net_total], [2, p.id, '50.00']);
    // A new line may not name it any more.
    expectProblem(await patch(changed, { lines: [{ product_id: p.id, quantity: '1' }] }), 422, {
      field: 'lines[0].product_id',
      code: 'invalid',
    });
  });

  test('every change is in the audit trail', async () => {
    const q = await created(S1.token, { lines: [line()] });
    expectStatus(await act(q.id, 'send'), 200);
    const r = expectStatus(
      await api('GET', `/v1/audit-log${qs({ entity: 'quotations', entity_id: q.id })}`, { token: T.token }),
      200,
    );
    const actions = r.body.data.map((e) => e.action);
    assert.ok(actions.includes('create'));
    assert.ok(actions.includes('update'));
    assert.ok(r.body.data.every((e) => e.actor_id === S1.user.id));
  });
});

describe('quotation visibility', () => {
  let Q;
  before(async () => {
    Q = await created(S1.token, { lines: [line()] });
  });

  test("a colleague cannot see another salesperson's customer's quotation (404), nor quote for it", async () => {
    expectProblem(await get(Q.id, S2.token), 404);
    expectProblem(await act(Q.id, 'send', S2.token), 404);
    expectProblem(await patch(Q, { notes: 'x' }, S2.token), 404);
    expectProblem(await api('DELETE', `/v1/quotations/${Q.id}`, { token: S2.token, headers: ifMatch(Q) }), 404);
    expectProblem(await quote(S2.token, { lines: [line()] }), 404);
    assert.ok(!ids(await listAll('/v1/quotations', S2.token)).includes(Q.id));
  });

  test("the team's manager and the back office see it; read-only roles may not write", async () => {
    expectStatus(await get(Q.id, M1.token), 200);
    expectStatus(await get(Q.id, F.token), 200);
    assert.ok(ids(await listAll(`/v1/quotations${qs({ owner_id: S1.user.id })}`, M1.token)).includes(Q.id));
    expectProblem(await quote(F.token, { lines: [line()] }), 403);
    expectProblem(await act(Q.id, 'send', A.token), 403);
    expectProblem(await patch(Q, { notes: 'x' }, F.token), 403);
  });

  test('filters: customer, status, owner', async () => {
    const other = await createCustomer(S1.token);
    const oq = await created(S1.token, { customer_id: other.id, lines: [line()] });
    const byCustomer = await listAll(`/v1/quotations${qs({ customer_id: other.id })}`, S1.token);
    assert.deepEqual(ids(byCustomer), [oq.id]);
    const drafts = await listAll(`/v1/quotations${qs({ status: 'draft', customer_id: other.id })}`, S1.token);
    assert.deepEqual(ids(drafts), [oq.id]);
    const sent = await listAll(`/v1/quotations${qs({ status: 'sent', customer_id: other.id })}`, S1.token);
    assert.deepEqual(sent, []);
    assert.deepEqual(await listAll(`/v1/quotations${qs({ owner_id: S2.user.id })}`, S1.token), []);
    expectProblem(await api('GET', `/v1/quotations${qs({ status: 'lost' })}`, { token: S1.token }), 422, { field: 'status' });
    expectProblem(await api('GET', `/v1/quotations${qs({ customer_id: 'x' })}`, { token: S1.token }), 422, {
      field: 'customer_id',
    });
  });

  test('tenant isolation: another organization sees nothing and cannot use our products', async () => {
    expectProblem(await get(Q.id, B.token), 404);
    expectProblem(await act(Q.id, 'send', B.token), 404);
    assert.deepEqual(await listAll('/v1/quotations', B.token), []);
    assert.ok(!ids(await listAll('/v1/products', B.token)).includes(BOLT.id));
    expectProblem(await api('GET', `/v1/products/${BOLT.id}`, { token: B.token }), 404);
    const bc = await createCustomer(B.token);
    expectProblem(
      await api('POST', '/v1/quotations', {
        token: B.token,
        body: { customer_id: bc.id, lines: [{ product_id: BOLT.id, quantity: '1' }] },
      }),
      422,
      { field: 'lines[0].product_id', code: 'invalid' },
    );
    expectProblem(await api('POST', '/v1/quotations', { token: B.token, body: { customer_id: C.id, lines: [line()] } }), 404);
  });

  test('GET with Accept: application/pdf or text/csv answers the printable document', async () => {
    const pdf = await api('GET', `/v1/quotations/${Q.id}`, { token: S1.token, headers: { accept: 'application/pdf' } });
    expectStatus(pdf, 200);
    assert.match(pdf.headers.get('content-type'), /^application\/pdf/);
    assert.ok(pdf.text.startsWith('%PDF'));
    const csv = await api('GET', `/v1/quotations/${Q.id}`, { token: S1.token, headers: { accept: 'text/csv' } });
    expectStatus(csv, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    expectProblem(
      await api('GET', `/v1/quotations/${Q.id}`, { token: S2.token, headers: { accept: 'application/pdf' } }),
      404,
    );
    const json = expectStatus(await get(Q.id), 200);
    assert.equal(json.body.id, Q.id);
  });
  test('quotations are in the change feed of those who see their customer', async () => {
    const feed = async (token) => {
      const items = [];
      let cursor = null;
      for (let i = 0; i < 50; i++) {
        const r = expectStatus(await api('GET', `/v1/changes${qs({ cursor, limit: 200 })}`, { token }), 200);
        items.push(...r.body.data);
        if (r.body.data.length === 0) return items;
        cursor = r.body.next_cursor;
      }
      return items;
    };
    const q = await created(S1.token, { lines: [line({ unit_price: '3' })] });
    const sent = expectStatus(await act(q.id, 'send'), 200).body;
    const mine = (await feed(S1.token)).filter((x) => x.entity === 'quotation' && x.id === q.id);
    assert.equal(mine.length, 1, 'once, at its last change');
    assert.deepEqual([mine[0].op, mine[0].data], ['upsert', sent]);
    assert.ok(!(await feed(S2.token)).some((x) => x.id === q.id), "not in a colleague's feed");
    const d = await created(S1.token, { lines: [line()] });
    expectStatus(await api('DELETE', `/v1/quotations/${d.id}`, { token: S1.token, headers: ifMatch(d) }), 204);
    const gone = (await feed(S1.token)).filter((x) => x.id === d.id);
    assert.deepEqual(gone.map((x) => [x.entity, x.op, x.data]), [['quotation', 'delete', null]]);
    // A transfer brings the customer's quotations to the new owner's devices.
    const moved = await createCustomer(S1.token);
    const mq = await created(S1.token, { customer_id: moved.id, lines: [line()] });
    expectStatus(
      await api('POST', `/v1/customers/${moved.id}/transfer`, { token: T.token, body: { owner_id: S2.user.id } }),
      200,
    );
    const theirs = (await feed(S2.token)).filter((x) => x.id === mq.id);
    assert.deepEqual(theirs.map((x) => [x.entity, x.op, x.data?.id]), [['quotation', 'upsert', mq.id]]);
    expectStatus(await get(mq.id, S2.token), 200);
    expectProblem(await get(mq.id, S1.token), 404);
  });
});
