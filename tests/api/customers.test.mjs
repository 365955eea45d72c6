// customers.test.mjs: the customer resource end to end — fields and defaults,
// validation, optimistic concurrency, lists (keyset paging, filters, fuzzy
// search), soft delete, idempotent creates, tenant isolation, who sees and may
// change which customer, transfers and the audit trail.
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
  sleep,
} from './lib/client.mjs';

let T; // tenant A and its admin
let B; // another tenant
let M1, M2; // managers leading team1 / team2
let S1, S1b, S2; // sales: S1 and S1b in team1, S2 in team2
let A, F, SV; // assistant, finance, service

before(async () => {
  T = await signup();
  B = await signup();
  M1 = await addUser(T, 'manager');
  M2 = await addUser(T, 'manager');
  const team1 = await createTeam(T.token, `North ${uniq()}`, M1.user.id);
  const team2 = await createTeam(T.token, `South ${uniq()}`, M2.user.id);
  S1 = await addUser(T, 'sales', { team_id: team1.id });
  S1b = await addUser(T, 'sales', { team_id: team1.id });
  S2 = await addUser(T, 'sales', { team_id: team2.id });
  A = await addUser(T, 'assistant');
  F = await addUser(T, 'finance');
  SV = await addUser(T, 'service');
});

const path = (id) => `/v1/customers/${id}`;
const get = (id, token) => api('GET', path(id), { token });
const post = (token, body, headers) => api('POST', '/v1/customers', { token, body, headers });

async function audit(entityId, extra = {}) {
  const r = expectStatus(
    await api('GET', `/v1/audit-log${qs({ entity: 'customers', entity_id: entityId, limit: 200, ...extra })}`, { token: T.token }),
    200,
    'audit log',
  );
  return r.body.data;
}

async function eventually(fn, what, ms = 3000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out waiting for: ${what}`);
    await sleep(100);
  }
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('create and read', () => {
  test('every field round-trips; 201 with Location and ETag; GET returns the same resource', async () => {
    const id = randomUUID();
    const full = {
      id,
      name: 'Müller & Söhne GmbH',
      kind: 'company',
      status: 'prospect',
      category: 'A',
      industry: 'Machinery',
      region: 'Bavaria',
      address: 'Hauptstraße 1, 80331 München',
      phone: '+49 89 123456',
      email: 'info@mueller.example',
      website: 'https://mueller.example',
      source: 'trade fair',
      tags: ['vip', 'export'],
      credit_limit: '12345.50',
      payment_terms_days: 30,
      notes: 'Prefers email.\nCall before noon.',
      custom: { erp_id: 'K-100', rating: { service: 4 }, flags: [true, null] },
      owner_id: S1.user.id,
    };
    const r = expectStatus(await post(S1.token, full), 201);
    for (const [k, v] of Object.entries(full)) assert.deepEqual(r.body[k], v, `field ${k}`);
    assert.ok(Number.isInteger(r.body.version));
    assert.match(r.body.created_at, RFC3339_UTC);
    assert.match(r.body.updated_at, RFC3339_UTC);
    assert.ok(r.headers.get('location')?.endsWith(`/v1/customers/${id}`), `Location ${r.headers.get('location')}`);
    assert.equal(r.headers.get('etag'), etag(r.body.version));

    const g = expectStatus(await get(id, S1.token), 200);
    assert.deepEqual(g.body, r.body);
    assert.equal(g.headers.get('etag'), etag(r.body.version));
  });

  test('only name is required; the rest has defaults and owner is the caller', async () => {
    const r = expectStatus(await post(S1.token, { name: 'Just A Name' }), 201);
    const c = r.body;
    assert.equal(c.name, 'Just A Name');
    assert.equal(c.kind, 'company');
    assert.equal(c.status, 'lead');
    assert.deepEqual(c.tags, []);
    assert.deepEqual(c.custom, {});
    assert.equal(c.owner_id, S1.user.id);
    for (const k of ['category', 'industry', 'region', 'address', 'phone', 'email', 'website', 'source', 'credit_limit', 'payment_terms_days', 'notes']) {
      assert.equal(c[k], null, `${k} defaults to null`);
    }
    assert.match(c.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('money is exact: 16 integer digits and 2 decimals survive unchanged', async () => {
    for (const amount of ['9999999999999999.99', '0.01', '0.00']) {
      const c = await createCustomer(S1.token, { credit_limit: amount });
      assert.equal(c.credit_limit, amount);
      assert.equal((await get(c.id, S1.token)).body.credit_limit, amount);
    }
  });

  test('a client-supplied id that exists is 409; a malformed id is 422', async () => {
    const c = await createCustomer(S1.token);
    expectProblem(await post(S1.token, { id: c.id, name: `Other ${uniq()}` }), 409);
    expectProblem(await post(S1.token, { id: 'not-a-uuid', name: `Other ${uniq()}` }), 422, { field: 'id' });
    assert.equal((await get(c.id, S1.token)).body.name, c.name, 'existing customer untouched');
  });
});

describe('validation', () => {
  test('invalid bodies are 422 naming the field, and create nothing', async () => {
    const region = uniq('invalid-');
    const cases = [
      [{ region }, 'name', 'required'],
      [{ name: 'x', region, favourite_colour: 'blue' }, 'favourite_colour', 'unknown'],
      [{ name: 'x', region, version: 3 }, 'version', 'read_only'],
      [{ name: 'x', region, created_at: '2026-01-01T00:00:00Z' }, 'created_at', 'read_only'],
      [{ name: 'x', region, updated_at: '2026-01-01T00:00:00Z' }, 'updated_at', 'read_only'],
      [{ name: 'x', region, credit_limit: 1000 }, 'credit_limit', 'type'],
      [{ name: 'x', region, credit_limit: 1000.5 }, 'credit_limit', 'type'],
      [{ name: 'x', region, credit_limit: '12.345' }, 'credit_limit', undefined],
      [{ name: 'x', region, credit_limit: '-1.00' }, 'credit_limit', undefined],
      [{ name: 'x', region, credit_limit: '12345678901234567.00' }, 'credit_limit', undefined],
      [{ name: 'x', region, credit_limit: 'lots' }, 'credit_limit', undefined],
      [{ name: 'x', region, status: 'bogus' }, 'status', 'enum'],
      [{ name: 'x', region, kind: 'alien' }, 'kind', 'enum'],
      [{ name: 'x', region, category: 'D' }, 'category', 'enum'],
      [{ name: 'x', region, tags: 'vip' }, 'tags', undefined],
      [{ name: 'x', region, payment_terms_days: '30' }, 'payment_terms_days', 'type'],
      [{ name: 42, region }, 'name', 'type'],
    ];
    for (const [body, field, code] of cases) {
      const r = await post(S1.token, body);
      assert.equal(r.status, 422, `${JSON.stringify(body)} → expected 422, got ${r.status} ${r.text.slice(0, 300)}`);
      expectProblem(r, 422, { field, code });
    }
    const created = await listAll(`/v1/customers${qs({ region })}`, T.token);
    assert.equal(created.length, 0, 'no invalid customer was created');
  });

  test('PATCH with unknown or server-owned fields is 422 naming the field and changes nothing', async () => {
    const c = await createCustomer(S1.token, { phone: '+1 555 0100' });
    const cases = [
      [{ phone: '1', favourite_colour: 'blue' }, 'favourite_colour', 'unknown'],
      [{ phone: '1', version: c.version + 1 }, 'version', 'read_only'],
      [{ phone: '1', created_at: '2026-01-01T00:00:00Z' }, 'created_at', 'read_only'],
      [{ phone: '1', updated_at: '2026-01-01T00:00:00Z' }, 'updated_at', 'read_only'],
      [{ phone: '1', id: randomUUID() }, 'id', 'read_only'],
      [{ phone: '1', owner_id: S1b.user.id }, 'owner_id', 'read_only'],
      [{ phone: '1', credit_limit: 5 }, 'credit_limit', 'type'],
      [{ phone: '1', name: null }, 'name', undefined],
    ];
    for (const [body, field, code] of cases) {
      const r = await api('PATCH', path(c.id), { token: S1.token, body, headers: ifMatch(c) });
      assert.equal(r.status, 422, `PATCH ${JSON.stringify(body)} → expected 422, got ${r.status} ${r.text.slice(0, 300)}`);
      expectProblem(r, 422, { field, code });
    }
    const g = expectStatus(await get(c.id, S1.token), 200);
    assert.deepEqual(g.body, c, 'customer unchanged');
  });

  test('malformed JSON, duplicate keys and too deep nesting are 400 and create nothing', async () => {
    const cases = [
      (id) => `{"id":"${id}","name":"broken",`,
      (id) => `{"id":"${id}","name":"a","name":"b"}`,
      (id) => `{"id":"${id}","name":"deep","custom":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`,
      (id) => `{"id":"${id}","name":"trailing"} x`,
      (id) => `["${id}"]`,
    ];
    for (const make of cases) {
      const id = randomUUID();
      const raw = make(id);
      const r = await api('POST', '/v1/customers', { token: S1.token, rawBody: raw });
      if (raw.startsWith('[')) {
        // A JSON array is well-formed JSON of the wrong type: 422 naming the body.
        expectProblem(r, 422);
      } else {
        assert.equal(r.status, 400, `${raw.slice(0, 80)} → expected 400, got ${r.status} ${r.text.slice(0, 200)}`);
        expectProblem(r, 400);
      }
      expectProblem(await get(id, S1.token), 404);
    }
  });

  test('a body over 1 MiB is 413 and creates nothing', async () => {
    const id = randomUUID();
    const raw = JSON.stringify({ id, name: 'Too big', notes: 'x'.repeat(1024 * 1024 + 100) });
    expectProblem(await api('POST', '/v1/customers', { token: S1.token, rawBody: raw }), 413);
    expectProblem(await get(id, S1.token), 404);
  });

  test('a body that is not JSON is 415', async () => {
    const r = await api('POST', '/v1/customers', {
      token: S1.token,
      rawBody: 'name=Plain',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(r, 415);
  });
});

describe('update and delete', () => {
  test('PATCH is a JSON merge patch: set, clear with null, replace arrays, merge objects', async () => {
    const c = await createCustomer(S1.token, {
      phone: '+1 555 0100',
      notes: 'old notes',
      tags: ['a', 'b'],
      custom: { a: 1, b: 2 },
      region: 'West',
    });
    const r = expectStatus(
      await api('PATCH', path(c.id), {
        token: S1.token,
        rawBody: JSON.stringify({ phone: '+1 555 0199', notes: null, tags: ['c'], custom: { b: null, c: 3 }, status: 'active' }),
        headers: { ...ifMatch(c), 'content-type': 'application/merge-patch+json' },
      }),
      200,
    );
    assert.equal(r.body.phone, '+1 555 0199');
    assert.equal(r.body.notes, null);
    assert.deepEqual(r.body.tags, ['c']);
    assert.deepEqual(r.body.custom, { a: 1, c: 3 });
    assert.equal(r.body.status, 'active');
    assert.equal(r.body.name, c.name, 'fields not in the patch are kept');
    assert.equal(r.body.region, 'West');
    assert.equal(r.body.created_at, c.created_at);
    assert.ok(r.body.version > c.version, 'version increases');
    assert.ok(Date.parse(r.body.updated_at) >= Date.parse(c.updated_at));
    assert.equal(r.headers.get('etag'), etag(r.body.version));
    const g = expectStatus(await get(c.id, S1.token), 200);
    assert.deepEqual(g.body, r.body);
  });

  test('PATCH and DELETE need If-Match: 428 without, 412 when stale, row unchanged', async () => {
    const c = await createCustomer(S1.token, { phone: '+1 555 0100' });
    expectProblem(await api('PATCH', path(c.id), { token: S1.token, body: { phone: 'changed' } }), 428);
    const p = expectStatus(
      await api('PATCH', path(c.id), { token: S1.token, body: { phone: '+1 555 0101' }, headers: ifMatch(c) }),
      200,
    );
    // c's version is now stale.
    expectProblem(await api('PATCH', path(c.id), { token: S1.token, body: { phone: 'lost update' }, headers: ifMatch(c) }), 412);
    let g = expectStatus(await get(c.id, S1.token), 200);
    assert.equal(g.body.phone, '+1 555 0101', 'a stale PATCH changes nothing');
    assert.deepEqual(g.body, p.body);

    expectProblem(await api('DELETE', path(c.id), { token: T.token }), 428);
    expectProblem(await api('DELETE', path(c.id), { token: T.token, headers: ifMatch(c) }), 412);
    g = expectStatus(await get(c.id, S1.token), 200);
    assert.deepEqual(g.body, p.body, 'a stale DELETE deletes nothing');
  });

  test('DELETE soft-deletes: 204, then GET/PATCH/DELETE are 404 and lists omit it', async () => {
    const region = uniq('gone-');
    const c = await createCustomer(S1.token, { region });
    const keep = await createCustomer(S1.token, { region });
    const d = expectStatus(await api('DELETE', path(c.id), { token: T.token, headers: ifMatch(c) }), 204);
    assert.equal(d.text, '');
    expectProblem(await get(c.id, S1.token), 404);
    expectProblem(await get(c.id, T.token), 404);
    expectProblem(await api('PATCH', path(c.id), { token: S1.token, body: { notes: 'x' }, headers: ifMatch(c) }), 404);
    expectProblem(await api('DELETE', path(c.id), { token: T.token, headers: ifMatch(c) }), 404);
    const listed = ids(await listAll(`/v1/customers${qs({ region })}`, S1.token));
    assert.deepEqual(listed, [keep.id]);
  });
});

describe('lists', () => {
  test('limit must be 1..200', async () => {
    expectProblem(await api('GET', '/v1/customers?limit=201', { token: S1.token }), 422, { field: 'limit' });
    expectProblem(await api('GET', '/v1/customers?limit=0', { token: S1.token }), 422, { field: 'limit' });
    expectStatus(await api('GET', '/v1/customers?limit=200', { token: S1.token }), 200);
    expectProblem(await api('GET', '/v1/customers?cursor=this-is-not-a-cursor', { token: S1.token }), 422);
  });

  test('keyset pagination returns every customer exactly once in creation order, even when one is deleted mid-way', async () => {
    const P = await addUser(T, 'sales'); // sees only own customers
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await createCustomer(P.token, { name: `Paged ${i} ${uniq()}` }));

    const first = expectStatus(await api('GET', '/v1/customers?limit=3', { token: P.token }), 200);
    assert.equal(first.body.data.length, 3);
    assert.equal(typeof first.body.next_cursor, 'string');
    const seen = [...ids(first.body.data)];

    // Deleting a row already seen must not make the next page skip one (as OFFSET would).
    const victim = created.find((c) => c.id === seen[0]);
    expectStatus(await api('DELETE', path(victim.id), { token: T.token, headers: ifMatch(victim) }), 204);

    let cursor = first.body.next_cursor;
    let pages = 1;
    while (cursor) {
      const r = expectStatus(await api('GET', `/v1/customers?limit=3&cursor=${encodeURIComponent(cursor)}`, { token: P.token }), 200);
      assert.ok(r.body.data.length <= 3);
      seen.push(...ids(r.body.data));
      cursor = r.body.next_cursor;
      assert.ok(++pages < 10, 'pagination ends');
    }
    assert.equal(new Set(seen).size, seen.length, `no customer twice: ${seen}`);
    assert.deepEqual(seen, ids(created), 'all seven, in creation order');
  });

  test('filters: status, category, region, tag, owner_id, updated_since', async () => {
    const region = uniq('region-');
    const c1 = await createCustomer(T.token, { region, status: 'active', category: 'A', tags: ['vip', 'export'] });
    const c2 = await createCustomer(T.token, { region, status: 'lead', category: 'B', tags: ['export'], owner_id: S1.user.id });
    const c3 = await createCustomer(T.token, { region, status: 'active', owner_id: S1.user.id });
    const other = await createCustomer(T.token, { region: uniq('elsewhere-'), status: 'active', category: 'A', tags: ['vip'] });

    const find = async (params, token = T.token) => new Set(ids(await listAll(`/v1/customers${qs(params)}`, token)));
    assert.deepEqual(await find({ region }), new Set([c1.id, c2.id, c3.id]));
    assert.deepEqual(await find({ region, status: 'active' }), new Set([c1.id, c3.id]));
    assert.deepEqual(await find({ region, category: 'A' }), new Set([c1.id]));
    assert.deepEqual(await find({ region, tag: 'export' }), new Set([c1.id, c2.id]));
    assert.deepEqual(await find({ region, tag: 'vip' }), new Set([c1.id]));
    assert.deepEqual(await find({ region, owner_id: S1.user.id }), new Set([c2.id, c3.id]));
    assert.ok((await find({ status: 'active', category: 'A' })).has(other.id));
    // A salesperson filtering on someone else's customers sees none of them.
    assert.deepEqual(await find({ region, owner_id: T.user.id }, S1.token), new Set());

    // updated_since: only what changed after the instant.
    const since = new Date(Date.parse(c3.updated_at) + 1).toISOString();
    await sleep(50);
    const c1b = expectStatus(
      await api('PATCH', path(c1.id), { token: T.token, body: { notes: 'touched' }, headers: ifMatch(c1) }),
      200,
    ).body;
    assert.ok(Date.parse(c1b.updated_at) > Date.parse(since));
    assert.deepEqual(await find({ region, updated_since: since }), new Set([c1.id]));
    assert.deepEqual(await find({ region, updated_since: '2000-01-01T00:00:00Z' }), new Set([c1.id, c2.id, c3.id]));
    assert.deepEqual(await find({ region, updated_since: '2999-01-01T00:00:00Z' }), new Set());
    expectProblem(await api('GET', `/v1/customers${qs({ updated_since: 'yesterday' })}`, { token: T.token }), 422);
  });

  test('q finds customers by fuzzy name (Latin and Chinese), phone and email, within what the caller may see', async () => {
    const acme = await createCustomer(T.token, { name: 'Acme Trading', email: 'sales@acme-trading.example' });
    const cn = await createCustomer(T.token, { name: '上海华联贸易有限公司', phone: '+86 21 5555 0000' });
    const zenith = await createCustomer(T.token, {
      name: 'Zenith Logistics',
      phone: '+86 21 6234 5678',
      email: 'ops@zenith-logistics.example',
    });
    const search = async (q, token = T.token) => ids(await listAll(`/v1/customers${qs({ q })}`, token));

    let hits = await search('acme trd');
    assert.ok(hits.includes(acme.id), '"acme trd" finds Acme Trading');
    assert.ok(!hits.includes(zenith.id) && !hits.includes(cn.id), '"acme trd" does not find unrelated customers');
    assert.ok((await search('ACME TRADING')).includes(acme.id), 'case-insensitive');

    hits = await search('华联贸易');
    assert.ok(hits.includes(cn.id), '华联贸易 finds 上海华联贸易有限公司');
    assert.ok(!hits.includes(acme.id) && !hits.includes(zenith.id));

    assert.ok((await search('6234 5678')).includes(zenith.id), 'by phone');
    assert.ok((await search('zenith-logistics.example')).includes(zenith.id), 'by email');

    assert.ok(!(await search('acme trd', S2.token)).includes(acme.id), "search never reveals others' customers");
  });
});

describe('idempotent creates', () => {
  test('same key and body: same status, identical body, same Location, one row', async () => {
    const region = uniq('idem-');
    const key = randomUUID();
    const body = { name: `Idem ${uniq()}`, region, credit_limit: '10.00' };
    const r1 = expectStatus(await post(S1.token, body, { 'idempotency-key': key }), 201);
    const r2 = await post(S1.token, body, { 'idempotency-key': key });
    assert.equal(r2.status, r1.status);
    assert.equal(r2.text, r1.text, 'replayed body is byte-for-byte identical');
    assert.equal(r2.headers.get('location'), r1.headers.get('location'));
    assert.equal(r2.headers.get('idempotent-replayed'), 'true');
    assert.notEqual(r1.headers.get('idempotent-replayed'), 'true');
    assert.equal((await listAll(`/v1/customers${qs({ region })}`, S1.token)).length, 1);
  });

  test('same key with a different body is 422 and creates nothing more', async () => {
    const region = uniq('idem-');
    const key = randomUUID();
    expectStatus(await post(S1.token, { name: `Idem ${uniq()}`, region }, { 'idempotency-key': key }), 201);
    const r = await post(S1.token, { name: `Different ${uniq()}`, region }, { 'idempotency-key': key });
    expectProblem(r, 422, { field: 'Idempotency-Key' });
    assert.equal((await listAll(`/v1/customers${qs({ region })}`, S1.token)).length, 1);
  });

  test('the same key sent twice at once never creates two rows', async () => {
    for (let round = 0; round < 3; round++) {
      const region = uniq('race-');
      const key = randomUUID();
      const body = { name: `Race ${uniq()}`, region };
      const [a, b] = await Promise.all([
        post(S1.token, body, { 'idempotency-key': key }),
        post(S1.token, body, { 'idempotency-key': key }),
      ]);
      const statuses = [a.status, b.status].sort();
      assert.ok(statuses[0] === 201, `one request creates: ${statuses}`);
      if (statuses[1] === 201) assert.equal(a.text, b.text, 'the second is an identical replay');
      else expectProblem([a, b].find((x) => x.status !== 201), 409);
      assert.equal((await listAll(`/v1/customers${qs({ region })}`, S1.token)).length, 1, `round ${round}: one row`);
    }
  });

  test("a key reused by another tenant never replays this tenant's response", async () => {
    const key = randomUUID();
    const body = { name: `Shared key ${uniq()}` };
    const mine = expectStatus(await post(S1.token, body, { 'idempotency-key': key }), 201);
    const theirs = expectStatus(await post(B.token, body, { 'idempotency-key': key }), 201);
    assert.notEqual(theirs.body.id, mine.body.id);
    assert.notEqual(theirs.headers.get('idempotent-replayed'), 'true');
    expectStatus(await get(theirs.body.id, B.token), 200);
  });
});

describe('tenant isolation', () => {
  test("another tenant's admin gets 404 for GET, PATCH, DELETE and transfer, and the customer is unchanged", async () => {
    const c = await createCustomer(S1.token, { phone: '+1 555 0100' });
    expectProblem(await get(c.id, B.token), 404);
    expectProblem(await api('PATCH', path(c.id), { token: B.token, body: { phone: 'pwned' }, headers: ifMatch(c) }), 404);
    expectProblem(await api('DELETE', path(c.id), { token: B.token, headers: ifMatch(c) }), 404);
    expectProblem(
      await api('POST', `${path(c.id)}/transfer`, { token: B.token, body: { owner_id: B.user.id } }),
      404,
    );
    assert.ok(!ids(await listAll('/v1/customers', B.token)).includes(c.id));
    const g = expectStatus(await get(c.id, S1.token), 200);
    assert.deepEqual(g.body, c);
  });
});

describe('visibility and roles', () => {
  let mine; // owned by S1 (team1, led by M1)

  before(async () => {
    mine = await createCustomer(S1.token, { name: `Owned by S1 ${uniq()}` });
  });

  test("a salesperson cannot see another salesperson's customer (404), nor change or delete it", async () => {
    expectProblem(await get(mine.id, S2.token), 404);
    expectProblem(await get(mine.id, S1b.token), 404); // same team, still not theirs
    expectProblem(await api('PATCH', path(mine.id), { token: S2.token, body: { notes: 'x' }, headers: ifMatch(mine) }), 404);
    expectProblem(await api('DELETE', path(mine.id), { token: S2.token, headers: ifMatch(mine) }), 404);
    assert.ok(!ids(await listAll('/v1/customers', S2.token)).includes(mine.id));
    assert.ok(ids(await listAll('/v1/customers', S1.token)).includes(mine.id));
  });

  test("a manager sees and edits the team's customers, not another team's", async () => {
    const theirs = await createCustomer(S2.token);
    expectStatus(await get(mine.id, M1.token), 200);
    expectProblem(await get(theirs.id, M1.token), 404);
    expectStatus(await get(theirs.id, M2.token), 200);
    expectProblem(await get(mine.id, M2.token), 404);
    const m1List = ids(await listAll('/v1/customers', M1.token));
    assert.ok(m1List.includes(mine.id) && !m1List.includes(theirs.id));

    const cur = expectStatus(await get(mine.id, M1.token), 200).body;
    const p = expectStatus(
      await api('PATCH', path(mine.id), { token: M1.token, body: { notes: 'manager note' }, headers: ifMatch(cur) }),
      200,
    );
    assert.equal(p.body.notes, 'manager note');
    expectProblem(
      await api('PATCH', path(theirs.id), { token: M1.token, body: { notes: 'x' }, headers: ifMatch(theirs) }),
      404,
    );
  });

  test('assistant, finance and service read every customer but cannot write (403)', async () => {
    const cur = expectStatus(await get(mine.id, S1.token), 200).body;
    for (const who of [A, F, SV]) {
      expectStatus(await get(mine.id, who.token), 200);
      assert.ok(ids(await listAll('/v1/customers', who.token)).includes(mine.id));
      expectProblem(await post(who.token, { name: `Nope ${uniq()}` }), 403);
      expectProblem(await api('PATCH', path(mine.id), { token: who.token, body: { notes: 'nope' }, headers: ifMatch(cur) }), 403);
      expectProblem(await api('DELETE', path(mine.id), { token: who.token, headers: ifMatch(cur) }), 403);
    }
    const after = expectStatus(await get(mine.id, S1.token), 200).body;
    assert.deepEqual(after, cur, 'unchanged');
  });

  test('a salesperson updates but may not delete their own customers; a manager deletes those of the team', async () => {
    const own = await createCustomer(S1.token);
    const p = expectStatus(await api('PATCH', path(own.id), { token: S1.token, body: { notes: 'mine' }, headers: ifMatch(own) }), 200);
    // Customer data is the company's asset: deleting is a manager's decision.
    expectProblem(await api('DELETE', path(own.id), { token: S1.token, headers: ifMatch(p.body) }), 403);
    expectStatus(await get(own.id, S1.token), 200, 'still there after the refused delete');
    const team = await createCustomer(S1.token);
    expectStatus(await api('DELETE', path(team.id), { token: M1.token, headers: ifMatch(team) }), 204, 'manager deletes a team member\'s');
    expectProblem(await get(team.id, S1.token), 404);
  });

  test('owner_id on create: sales only self, manager within the team, admin anyone', async () => {
    expectProblem(await post(S1.token, { name: `X ${uniq()}`, owner_id: S2.user.id }), 403);
    const byManager = expectStatus(await post(M1.token, { name: `X ${uniq()}`, owner_id: S1.user.id }), 201);
    assert.equal(byManager.body.owner_id, S1.user.id);
    expectStatus(await get(byManager.body.id, S1.token), 200, 'new owner sees it');
    expectProblem(await post(M1.token, { name: `X ${uniq()}`, owner_id: S2.user.id }), 403);
    const byAdmin = expectStatus(await post(T.token, { name: `X ${uniq()}`, owner_id: S2.user.id }), 201);
    assert.equal(byAdmin.body.owner_id, S2.user.id);
  });
});

describe('transfer', () => {
  test('a manager moves a customer within the team; the old owner loses it, the new one gains it', async () => {
    const c = await createCustomer(S1.token);
    const r = expectStatus(
      await api('POST', `${path(c.id)}/transfer`, { token: M1.token, body: { owner_id: S1b.user.id } }),
      200,
    );
    assert.equal(r.body.owner_id, S1b.user.id);
    assert.equal(r.body.id, c.id);
    expectProblem(await get(c.id, S1.token), 404);
    assert.equal(expectStatus(await get(c.id, S1b.token), 200).body.owner_id, S1b.user.id);
  });

  test('sales and read-only roles may not transfer; a manager may not hand a customer outside the team', async () => {
    const c = await createCustomer(S1.token);
    expectProblem(await api('POST', `${path(c.id)}/transfer`, { token: S1.token, body: { owner_id: S1b.user.id } }), 403);
    expectProblem(await api('POST', `${path(c.id)}/transfer`, { token: F.token, body: { owner_id: S1b.user.id } }), 403);
    expectProblem(await api('POST', `${path(c.id)}/transfer`, { token: M1.token, body: { owner_id: S2.user.id } }), 403);
    expectProblem(await api('POST', `${path(c.id)}/transfer`, { token: M2.token, body: { owner_id: S2.user.id } }), 404);
    assert.equal(expectStatus(await get(c.id, S1.token), 200).body.owner_id, S1.user.id, 'still with S1');
  });

  test('an admin transfers across teams', async () => {
    const c = await createCustomer(S1.token);
    const r = expectStatus(await api('POST', `${path(c.id)}/transfer`, { token: T.token, body: { owner_id: S2.user.id } }), 200);
    assert.equal(r.body.owner_id, S2.user.id);
    expectStatus(await get(c.id, S2.token), 200);
    expectStatus(await get(c.id, M2.token), 200);
    expectProblem(await get(c.id, M1.token), 404);
  });
});

describe('audit log', () => {
  test('every write is recorded, newest first, with the actor and what changed', async () => {
    const c = await createCustomer(S1.token, { phone: '+1 555 0100' });
    const p = expectStatus(
      await api('PATCH', path(c.id), { token: S1.token, body: { phone: '+1 555 0199' }, headers: ifMatch(c) }),
      200,
    ).body;
    const t = expectStatus(
      await api('POST', `${path(c.id)}/transfer`, { token: M1.token, body: { owner_id: S1b.user.id } }),
      200,
    ).body;
    expectStatus(await api('DELETE', path(c.id), { token: T.token, headers: ifMatch(t) }), 204);

    const entries = await audit(c.id);
    for (const e of entries) {
      assert.equal(e.entity, 'customers');
      assert.equal(e.entity_id, c.id);
    }
    for (let i = 1; i < entries.length; i++) {
      assert.ok(Date.parse(entries[i - 1].at) >= Date.parse(entries[i].at), 'newest first');
    }
    const writes = entries.filter((e) => e.action !== 'read');
    assert.deepEqual(writes.map((e) => e.action), ['delete', 'update', 'update', 'create']);
    const [del, transfer, update, create] = writes;
    assert.equal(create.actor_id, S1.user.id);
    if (create.changes !== null) assert.equal(create.changes.name?.new, c.name);
    assert.equal(update.actor_id, S1.user.id);
    assert.deepEqual(update.changes.phone, { old: '+1 555 0100', new: '+1 555 0199' });
    assert.equal(transfer.actor_id, M1.user.id);
    assert.deepEqual(transfer.changes.owner_id, { old: S1.user.id, new: S1b.user.id });
    assert.equal(del.actor_id, T.user.id);
    assert.ok(p.version > c.version);

    const byS1 = await audit(c.id, { actor_id: S1.user.id });
    assert.deepEqual(byS1.map((e) => e.action).filter((a) => a !== 'read'), ['update', 'create']);
  });

  test('reads by anyone but the owner are logged as read', async () => {
    const c = await createCustomer(S1.token);
    expectStatus(await get(c.id, S1.token), 200); // owner: not logged
    expectStatus(await get(c.id, M1.token), 200);
    expectStatus(await get(c.id, F.token), 200);
    const readers = await eventually(async () => {
      const reads = (await audit(c.id)).filter((e) => e.action === 'read');
      const who = new Set(reads.map((e) => e.actor_id));
      return who.has(M1.user.id) && who.has(F.user.id) ? who : null;
    }, 'read entries for the manager and finance');
    assert.ok(!readers.has(S1.user.id), "the owner's own reads are not logged");
  });

  test('only an admin reads the audit log', async () => {
    for (const who of [M1, S1, F, A]) expectProblem(await api('GET', '/v1/audit-log', { token: who.token }), 403);
    expectStatus(await api('GET', '/v1/audit-log', { token: T.token }), 200);
  });
});
