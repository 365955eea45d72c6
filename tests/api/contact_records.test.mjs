// contact_records.test.mjs: contact records end to end — fields and defaults,
// every validation rule, the offline visit posted twice, who may record what,
// the customer's last/next contact and status kept in the same request, the
// distance of a visit from its customer, filters, keyset paging, soft delete and
// the audit trail.
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  api,
  signup,
  addUser,
  createTeam,
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

const APP_DB = process.env.CRM_TEST_APP_DB;

let T, B; // tenant and another tenant
let M1, S1, S2, A; // manager of S1's team, S1, a colleague in no team, an assistant
let C; // S1's customer, with a location and a contact person
let P; // a contact person of C
let OTHER; // another customer of S1, with its own contact person
let OTHER_P;

const HQ = { lat: 31.2304, lon: 121.4737 }; // People's Square, Shanghai

// Customers here share name patterns on purpose; the duplicate guard is not under test.
async function newCustomer(token, fields = {}) {
  const body = { name: `Records ${uniq()} ${uniq()}`, ...fields };
  const r = await api('POST', `/v1/customers${qs({ confirm_duplicate: 'true' })}`, { token, body });
  return expectStatus(r, 201, 'create customer').body;
}

async function newContact(token, customerId, fields = {}) {
  const r = await api('POST', `/v1/customers/${customerId}/contacts`, { token, body: { name: `Person ${uniq()}`, ...fields } });
  return expectStatus(r, 201, 'create contact').body;
}

before(async () => {
  T = await signup();
  B = await signup();
  M1 = await addUser(T, 'manager');
  const team = await createTeam(T.token, `Field ${uniq()}`, M1.user.id);
  S1 = await addUser(T, 'sales', { team_id: team.id });
  S2 = await addUser(T, 'sales');
  A = await addUser(T, 'assistant');
  C = await newCustomer(S1.token, { location: HQ });
  P = await newContact(S1.token, C.id, { name: 'Wang Fang' });
  OTHER = await newCustomer(S1.token);
  OTHER_P = await newContact(S1.token, OTHER.id);
});

const path = (id) => `/v1/contact-records/${id}`;
const underCustomer = (customerId) => `/v1/customers/${customerId}/contact-records`;
const record = (token, customerId, body, headers) => api('POST', underCustomer(customerId), { token, body, headers });
const getRecord = (id, token) => api('GET', path(id), { token });
const getCustomer = async (id, token = S1.token) => expectStatus(await api('GET', `/v1/customers/${id}`, { token }), 200).body;

async function newRecord(token, customerId, fields = {}) {
  return expectStatus(await record(token, customerId, { kind: 'call', ...fields }), 201, 'create contact record').body;
}

/** The same instant, whatever RFC 3339 spelling. */
const sameInstant = (a, b) => a !== null && b !== null && Date.parse(a) === Date.parse(b);
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** Haversine on the sphere the server uses (mean Earth radius), in metres. */
function haversine(a, b) {
  const R = 6371008.8;
  const rad = (d) => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

describe('contact records CRUD', () => {
  test('every field round-trips; 201 with Location and ETag; GET and both lists return it', async () => {
    const id = randomUUID();
    const full = {
      id,
      contact_id: P.id,
      kind: 'visit',
      direction: 'outbound',
      occurred_at: '2026-03-02T02:30:00.000000Z',
      duration_minutes: 45,
      subject: '季度拜访 quarterly visit',
      summary: 'Walked the warehouse.\nThey want a quote for 200 units.',
      outcome: 'quote requested',
      next_contact_at: '2026-03-09T01:00:00.000000Z',
      location: { lat: 31.2305, lon: 121.4738, accuracy_m: 8.5 },
    };
    const r = expectStatus(await record(S1.token, C.id, full), 201);
    for (const [k, v] of Object.entries(full)) assert.deepEqual(r.body[k], v, `field ${k}`);
    assert.equal(r.body.customer_id, C.id);
    assert.equal(r.body.owner_id, S1.user.id, 'the recorder owns the record');
    assert.ok(Number.isInteger(r.body.distance_m));
    assert.match(r.body.created_at, RFC3339_UTC);
    assert.equal(r.headers.get('location'), `/v1/contact-records/${id}`);
    assert.equal(r.headers.get('etag'), etag(r.body.version));

    const g = expectStatus(await getRecord(id, S1.token), 200);
    assert.deepEqual(g.body, r.body);
    assert.equal(g.headers.get('etag'), etag(r.body.version));
    assert.deepEqual((await listAll(underCustomer(C.id), S1.token)).find((x) => x.id === id), r.body);
    assert.deepEqual((await listAll(`/v1/contact-records${qs({ customer_id: C.id })}`, S1.token)).find((x) => x.id === id), r.body);
  });

  test('POST /v1/contact-records names the customer in the body; defaults: outbound, now, nulls', async () => {
    expectProblem(await api('POST', '/v1/contact-records', { token: S1.token, body: { kind: 'call' } }), 422, {
      field: 'customer_id',
      code: 'required',
    });
    const before = Date.now();
    const r = expectStatus(
      await api('POST', '/v1/contact-records', { token: S1.token, body: { customer_id: C.id, kind: 'email' } }),
      201,
    );
    const rec = r.body;
    assert.equal(rec.customer_id, C.id);
    assert.equal(rec.direction, 'outbound');
    assert.ok(Math.abs(Date.parse(rec.occurred_at) - before) < 60000, `occurred_at ${rec.occurred_at} is about now`);
    for (const k of ['contact_id', 'duration_minutes', 'subject', 'summary', 'outcome', 'next_contact_at', 'location', 'distance_m']) {
      assert.equal(rec[k], null, `${k} defaults to null`);
    }
    assert.equal(r.headers.get('location'), `/v1/contact-records/${rec.id}`);
  });

  test('times with an offset are stored as the same instant and answered in UTC', async () => {
    const rec = await newRecord(S1.token, C.id, { occurred_at: '2026-03-01T18:00:00+08:00', next_contact_at: '2026-03-05T09:30:00.25-05:00' });
    assert.equal(rec.occurred_at, '2026-03-01T10:00:00.000000Z');
    assert.equal(rec.next_contact_at, '2026-03-05T14:30:00.250000Z');
  });

  test('PATCH needs If-Match (428), refuses a stale one (412, unchanged), merges the rest', async () => {
    const rec = await newRecord(S1.token, C.id, { subject: 'First call', location: { lat: 31.1, lon: 121.1, accuracy_m: 30 } });
    expectProblem(await api('PATCH', path(rec.id), { token: S1.token, body: { subject: 'x' } }), 428);
    expectProblem(
      await api('PATCH', path(rec.id), { token: S1.token, body: { subject: 'x' }, headers: ifMatch(etag(rec.version + 3)) }),
      412,
    );
    assert.deepEqual(expectStatus(await getRecord(rec.id, S1.token), 200).body, rec, 'unchanged after 412');

    const p = expectStatus(
      await api('PATCH', path(rec.id), {
        token: S1.token,
        body: { subject: 'Second thoughts', outcome: 'call back', contact_id: P.id, location: { lat: 31.2, lon: 121.2 } },
        headers: ifMatch(rec),
      }),
      200,
    );
    assert.equal(p.body.subject, 'Second thoughts');
    assert.equal(p.body.outcome, 'call back');
    assert.equal(p.body.contact_id, P.id);
    assert.deepEqual(p.body.location, { lat: 31.2, lon: 121.2, accuracy_m: null }, 'location is replaced as a whole');
    assert.equal(p.body.kind, rec.kind);
    assert.equal(p.body.occurred_at, rec.occurred_at);
    assert.ok(p.body.version > rec.version);
    assert.equal(p.headers.get('etag'), etag(p.body.version));

    const cleared = expectStatus(
      await api('PATCH', path(rec.id), { token: S1.token, body: { location: null, contact_id: null, subject: null }, headers: ifMatch(p.body) }),
      200,
    ).body;
    assert.equal(cleared.location, null);
    assert.equal(cleared.distance_m, null);
    assert.equal(cleared.contact_id, null);
    assert.equal(cleared.subject, null);
  });

  test('DELETE needs If-Match and soft-deletes: 404 afterwards, gone from both lists', async () => {
    const rec = await newRecord(S1.token, C.id);
    expectProblem(await api('DELETE', path(rec.id), { token: S1.token }), 428);
    expectProblem(await api('DELETE', path(rec.id), { token: S1.token, headers: ifMatch(etag(rec.version + 1)) }), 412);
    expectStatus(await getRecord(rec.id, S1.token), 200);
    expectStatus(await api('DELETE', path(rec.id), { token: S1.token, headers: ifMatch(rec) }), 204);
    expectProblem(await getRecord(rec.id, S1.token), 404);
    expectProblem(await api('DELETE', path(rec.id), { token: S1.token, headers: ifMatch(rec) }), 404);
    expectProblem(await api('PATCH', path(rec.id), { token: S1.token, body: { subject: 'x' }, headers: ifMatch(rec) }), 404);
    assert.ok(!ids(await listAll(underCustomer(C.id), S1.token)).includes(rec.id));
    assert.ok(!ids(await listAll(`/v1/contact-records${qs({ customer_id: C.id })}`, S1.token)).includes(rec.id));
  });

  test('records of a customer that does not exist, or a malformed id, are 404', async () => {
    const nobody = randomUUID();
    expectProblem(await api('GET', underCustomer(nobody), { token: S1.token }), 404);
    expectProblem(await record(S1.token, nobody, { kind: 'call' }), 404);
    expectProblem(await api('POST', '/v1/contact-records', { token: S1.token, body: { customer_id: nobody, kind: 'call' } }), 404);
    expectProblem(await getRecord(nobody, S1.token), 404);
    expectProblem(await getRecord('not-a-uuid', S1.token), 404);
  });
});

describe('validation', () => {
  const bad = async (body, field, code, { token = S1.token, customer = C.id } = {}) => {
    const r = await record(token, customer, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)} → expected 422, got ${r.status}: ${r.text.slice(0, 300)}`);
    expectProblem(r, 422, { field, code });
  };

  test('kind is required and must be one of the kinds; direction one of inbound/outbound', async () => {
    await bad({ subject: 'no kind' }, 'kind', 'required');
    await bad({ kind: 'fax' }, 'kind', 'enum');
    await bad({ kind: null }, 'kind', 'required');
    await bad({ kind: 'call', direction: 'sideways' }, 'direction', 'enum');
    for (const kind of ['call', 'email', 'im', 'visit', 'meeting', 'other']) await newRecord(S1.token, C.id, { kind });
    await newRecord(S1.token, C.id, { kind: 'im', direction: 'inbound' });
  });

  test('timestamps must be RFC 3339 strings: a JSON number is 422 type, a malformed string 422 format', async () => {
    await bad({ kind: 'call', occurred_at: 1772418600 }, 'occurred_at', 'type');
    await bad({ kind: 'call', next_contact_at: 1772418600000 }, 'next_contact_at', 'type');
    await bad({ kind: 'call', occurred_at: '2026-03-02' }, 'occurred_at', 'format');
    await bad({ kind: 'call', occurred_at: '2026-02-30T10:00:00Z' }, 'occurred_at', 'format');
    await bad({ kind: 'call', occurred_at: '2026-03-02T10:00:00' }, 'occurred_at', 'format');
    await bad({ kind: 'call', occurred_at: '2026-03-02T10:00:00+25:00' }, 'occurred_at', 'format');
    await bad({ kind: 'call', occurred_at: null }, 'occurred_at', 'required');
    const rec = await newRecord(S1.token, C.id, { next_contact_at: null });
    assert.equal(rec.next_contact_at, null);
  });

  test('duration, subject, summary and outcome have their limits', async () => {
    await bad({ kind: 'call', duration_minutes: 1441 }, 'duration_minutes', 'range');
    await bad({ kind: 'call', duration_minutes: -1 }, 'duration_minutes', 'range');
    await bad({ kind: 'call', duration_minutes: 1.5 }, 'duration_minutes', 'type');
    await bad({ kind: 'call', subject: 'x'.repeat(201) }, 'subject', 'too_long');
    await bad({ kind: 'call', summary: 'x'.repeat(10001) }, 'summary', 'too_long');
    await bad({ kind: 'call', outcome: 'x'.repeat(2001) }, 'outcome', 'too_long');
    await bad({ kind: 'call', subject: 'bell\u0007' }, 'subject', 'format');
    const rec = await newRecord(S1.token, C.id, { duration_minutes: 1440, subject: '话'.repeat(200), outcome: 'y'.repeat(2000) });
    assert.equal(rec.duration_minutes, 1440);
  });

  test('location: JSON numbers within range, lat and lon both required, nothing else', async () => {
    await bad({ kind: 'visit', location: { lat: 90.5, lon: 121 } }, 'location.lat', 'range');
    await bad({ kind: 'visit', location: { lat: -90.000001, lon: 121 } }, 'location.lat', 'range');
    await bad({ kind: 'visit', location: { lat: 31, lon: -181 } }, 'location.lon', 'range');
    await bad({ kind: 'visit', location: { lat: '31.2', lon: 121 } }, 'location.lat', 'type');
    await bad({ kind: 'visit', location: { lat: 31 } }, 'location.lon', 'required');
    await bad({ kind: 'visit', location: { lat: 31, lon: 121, alt: 12 } }, 'location.alt', 'unknown');
    await bad({ kind: 'visit', location: { lat: 31, lon: 121, accuracy_m: -1 } }, 'location.accuracy_m', 'range');
    await bad({ kind: 'visit', location: { lat: 31, lon: 121, accuracy_m: 100001 } }, 'location.accuracy_m', 'range');
    await bad({ kind: 'visit', location: '31.2,121.4' }, 'location', 'type');
    const edge = await newRecord(S1.token, C.id, { kind: 'visit', location: { lat: -90, lon: 180, accuracy_m: 0 } });
    assert.deepEqual(edge.location, { lat: -90, lon: 180, accuracy_m: 0 });
  });

  test('server-owned and unknown fields are 422 naming the field', async () => {
    await bad({ kind: 'call', distance_m: 3 }, 'distance_m', 'read_only');
    await bad({ kind: 'call', owner_id: S2.user.id }, 'owner_id', 'read_only');
    await bad({ kind: 'call', version: 1 }, 'version', 'read_only');
    await bad({ kind: 'call', created_at: '2026-01-01T00:00:00Z' }, 'created_at', 'read_only');
    await bad({ kind: 'call', mood: 'happy' }, 'mood', 'unknown');
    await bad({ kind: 'call', id: 'abc' }, 'id', 'format');
  });

  test('customer_id: a UUID, and under a customer the same customer', async () => {
    await bad({ kind: 'call', customer_id: OTHER.id }, 'customer_id', 'invalid');
    await bad({ kind: 'call', customer_id: 'C-1' }, 'customer_id', 'format');
    const same = await newRecord(S1.token, C.id, { customer_id: C.id });
    assert.equal(same.customer_id, C.id);
    const rec = await newRecord(S1.token, C.id);
    expectProblem(
      await api('PATCH', path(rec.id), { token: S1.token, body: { customer_id: OTHER.id }, headers: ifMatch(rec) }),
      422,
      { field: 'customer_id', code: 'read_only' },
    );
    expectProblem(
      await api('PATCH', path(rec.id), { token: S1.token, body: { id: randomUUID() }, headers: ifMatch(rec) }),
      422,
      { field: 'id', code: 'read_only' },
    );
  });

  test("contact_id must be a live contact person of the record's customer", async () => {
    await bad({ kind: 'call', contact_id: OTHER_P.id }, 'contact_id', 'invalid');
    await bad({ kind: 'call', contact_id: randomUUID() }, 'contact_id', 'invalid');
    const gone = await newContact(S1.token, C.id);
    expectStatus(await api('DELETE', `/v1/contacts/${gone.id}`, { token: S1.token, headers: ifMatch(gone) }), 204);
    await bad({ kind: 'call', contact_id: gone.id }, 'contact_id', 'invalid');
    const r = await api('POST', '/v1/contact-records', { token: S1.token, body: { customer_id: OTHER.id, kind: 'call', contact_id: P.id } });
    expectProblem(r, 422, { field: 'contact_id', code: 'invalid' });

    const rec = await newRecord(S1.token, C.id, { contact_id: P.id });
    expectProblem(
      await api('PATCH', path(rec.id), { token: S1.token, body: { contact_id: OTHER_P.id }, headers: ifMatch(rec) }),
      422,
      { field: 'contact_id', code: 'invalid' },
    );
    assert.equal(expectStatus(await getRecord(rec.id, S1.token), 200).body.contact_id, P.id, 'unchanged');
  });

  test('PATCH validates like POST', async () => {
    const rec = await newRecord(S1.token, C.id);
    const patch = (body) => api('PATCH', path(rec.id), { token: S1.token, body, headers: ifMatch(rec) });
    expectProblem(await patch({ occurred_at: 1772418600 }), 422, { field: 'occurred_at', code: 'type' });
    expectProblem(await patch({ occurred_at: null }), 422, { field: 'occurred_at', code: 'required' });
    expectProblem(await patch({ kind: 'fax' }), 422, { field: 'kind', code: 'enum' });
    expectProblem(await patch({ location: { lat: 91, lon: 0 } }), 422, { field: 'location.lat', code: 'range' });
    expectProblem(await patch({ location: { lat: 1 } }), 422, { field: 'location.lon', code: 'required' });
    expectProblem(await patch({ owner_id: S2.user.id }), 422, { field: 'owner_id', code: 'read_only' });
    expectStatus(await getRecord(rec.id, S1.token), 200);
    assert.equal(expectStatus(await getRecord(rec.id, S1.token), 200).body.version, rec.version, 'nothing changed');
  });

  test('list filters are checked: 422 naming the parameter', async () => {
    const list = (params) => api('GET', `/v1/contact-records${qs(params)}`, { token: S1.token });
    expectProblem(await list({ kind: 'fax' }), 422, { field: 'kind' });
    expectProblem(await list({ customer_id: 'nope' }), 422, { field: 'customer_id' });
    expectProblem(await list({ owner_id: 'nope' }), 422, { field: 'owner_id' });
    expectProblem(await list({ occurred_since: 'yesterday' }), 422, { field: 'occurred_since' });
    expectProblem(await list({ occurred_before: '2026-01-01' }), 422, { field: 'occurred_before' });
    expectProblem(await list({ updated_since: '1700000000' }), 422, { field: 'updated_since' });
    expectProblem(await list({ limit: 0 }), 422, { field: 'limit' });
    expectProblem(await list({ limit: 201 }), 422, { field: 'limit' });
    expectProblem(await list({ cursor: 'garbage!' }), 422, { field: 'cursor' });
    expectProblem(await api('GET', `${underCustomer(C.id)}${qs({ kind: 'fax' })}`, { token: S1.token }), 422, { field: 'kind' });
  });
});

describe('a visit recorded offline', () => {
  test('posted twice with the same Idempotency-Key creates one record and replays the identical body', async () => {
    const cust = await newCustomer(S1.token, { location: HQ });
    const id = randomUUID(); // made on the device
    const key = randomUUID();
    const body = {
      id,
      kind: 'visit',
      occurred_at: '2026-03-03T03:15:00Z',
      summary: 'Recorded in the basement car park, no signal',
      location: { lat: 31.2311, lon: 121.4741, accuracy_m: 25 },
      next_contact_at: '2026-03-10T02:00:00Z',
    };
    const first = expectStatus(await record(S1.token, cust.id, body, { 'idempotency-key': key }), 201);
    const again = await record(S1.token, cust.id, body, { 'idempotency-key': key });
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text, 'replayed body is byte-for-byte identical');
    assert.equal(again.headers.get('location'), first.headers.get('location'));
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.notEqual(first.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.body.id, id);

    const listed = await listAll(underCustomer(cust.id), S1.token);
    assert.deepEqual(ids(listed), [id], 'one record');
    const c = await getCustomer(cust.id);
    assert.ok(sameInstant(c.last_contact_at, body.occurred_at));
    assert.ok(sameInstant(c.next_contact_at, body.next_contact_at));
  });

  test('the same key with another body is 422; the same id without a key is 409; nothing more is created', async () => {
    const cust = await newCustomer(S1.token);
    const id = randomUUID();
    const key = randomUUID();
    expectStatus(await record(S1.token, cust.id, { id, kind: 'visit' }, { 'idempotency-key': key }), 201);
    expectProblem(await record(S1.token, cust.id, { id, kind: 'call' }, { 'idempotency-key': key }), 422, {
      field: 'Idempotency-Key',
    });
    expectProblem(await record(S1.token, cust.id, { id, kind: 'visit' }), 409);
    expectProblem(await record(S1.token, cust.id, { id, kind: 'visit' }, { 'idempotency-key': randomUUID() }), 409);
    assert.equal((await listAll(underCustomer(cust.id), S1.token)).length, 1);
  });

  test('the same upload sent twice at once still creates one record', async () => {
    const cust = await newCustomer(S1.token);
    const key = randomUUID();
    const body = { id: randomUUID(), kind: 'visit', occurred_at: '2026-03-04T05:00:00Z' };
    const [a, b] = await Promise.all([
      record(S1.token, cust.id, body, { 'idempotency-key': key }),
      record(S1.token, cust.id, body, { 'idempotency-key': key }),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.equal(statuses[0], 201, `one request creates: ${statuses}`);
    if (statuses[1] === 201) assert.equal(a.text, b.text);
    else expectProblem([a, b].find((x) => x.status !== 201), 409);
    assert.equal((await listAll(underCustomer(cust.id), S1.token)).length, 1);
  });
});

describe('who may record what', () => {
  let rec;
  before(async () => {
    rec = await newRecord(S1.token, C.id, { subject: 'Visible record' });
  });

  test("a salesperson cannot add a record to a colleague's customer, nor see its records (404)", async () => {
    expectProblem(await record(S2.token, C.id, { kind: 'call' }), 404);
    expectProblem(await api('POST', '/v1/contact-records', { token: S2.token, body: { customer_id: C.id, kind: 'call' } }), 404);
    expectProblem(await api('GET', underCustomer(C.id), { token: S2.token }), 404);
    expectProblem(await getRecord(rec.id, S2.token), 404);
    expectProblem(await api('PATCH', path(rec.id), { token: S2.token, body: { subject: 'mine now' }, headers: ifMatch(rec) }), 404);
    expectProblem(await api('DELETE', path(rec.id), { token: S2.token, headers: ifMatch(rec) }), 404);
    const theirs = await listAll(`/v1/contact-records${qs({ customer_id: C.id })}`, S2.token);
    assert.equal(theirs.length, 0, 'a filter on an invisible customer lists nothing');
    assert.ok(!ids(await listAll('/v1/contact-records', S2.token)).includes(rec.id));
    assert.deepEqual(expectStatus(await getRecord(rec.id, S1.token), 200).body, rec, 'unchanged');
  });

  test('an assistant sees the records but may not add, change or delete one (403)', async () => {
    expectStatus(await getRecord(rec.id, A.token), 200);
    assert.ok(ids(await listAll(underCustomer(C.id), A.token)).includes(rec.id));
    expectProblem(await record(A.token, C.id, { kind: 'call' }), 403);
    expectProblem(await record(A.token, C.id, { kind: 'fax' }), 403, {});
    expectProblem(await api('POST', '/v1/contact-records', { token: A.token, body: { customer_id: C.id, kind: 'call' } }), 403);
    expectProblem(await api('PATCH', path(rec.id), { token: A.token, body: { subject: 'x' }, headers: ifMatch(rec) }), 403);
    expectProblem(await api('DELETE', path(rec.id), { token: A.token, headers: ifMatch(rec) }), 403);
    expectProblem(await record(A.token, randomUUID(), { kind: 'call' }), 404, {});
  });

  test("the team's manager records on a member's customer and owns that record", async () => {
    const mine = await newRecord(M1.token, C.id, { kind: 'meeting' });
    assert.equal(mine.owner_id, M1.user.id);
    const p = expectStatus(
      await api('PATCH', path(rec.id), { token: M1.token, body: { outcome: 'reviewed' }, headers: ifMatch(rec) }),
      200,
    ).body;
    assert.equal(p.owner_id, S1.user.id, 'changing a record does not change who recorded it');
    rec = p;
  });

  test('another tenant sees nothing (404)', async () => {
    expectProblem(await getRecord(rec.id, B.token), 404);
    expectProblem(await record(B.token, C.id, { kind: 'call' }), 404);
    expectProblem(await api('GET', underCustomer(C.id), { token: B.token }), 404);
    expectProblem(await api('PATCH', path(rec.id), { token: B.token, body: { subject: 'x' }, headers: ifMatch(rec) }), 404);
    assert.equal((await listAll('/v1/contact-records', B.token)).length, 0);
  });

  test('records follow their customer when it is transferred', async () => {
    const cust = await newCustomer(S1.token);
    const r = await newRecord(S1.token, cust.id);
    expectStatus(await api('POST', `/v1/customers/${cust.id}/transfer`, { token: T.token, body: { owner_id: S2.user.id } }), 200);
    expectProblem(await getRecord(r.id, S1.token), 404);
    expectStatus(await getRecord(r.id, S2.token), 200);
    await newRecord(S2.token, cust.id);
  });
});

describe("the customer's last and next contact", () => {
  test('change in the same request as the record, and a dormant customer becomes active', async () => {
    const created = await newCustomer(S1.token, { status: 'prospect' });
    assert.equal(created.last_contact_at, null);
    assert.equal(created.next_contact_at, null);
    const dormant = expectStatus(
      await api('PATCH', `/v1/customers/${created.id}`, { token: S1.token, body: { status: 'dormant' }, headers: ifMatch(created) }),
      200,
    ).body;
    assert.equal(dormant.status, 'dormant');

    await newRecord(S1.token, created.id, { occurred_at: '2026-03-02T08:00:00Z', next_contact_at: '2026-03-16T08:00:00Z' });
    let c = await getCustomer(created.id);
    assert.equal(c.status, 'active', 'a new contact wakes a dormant customer');
    assert.equal(c.last_contact_at, '2026-03-02T08:00:00.000000Z');
    assert.equal(c.next_contact_at, '2026-03-16T08:00:00.000000Z');
    assert.ok(c.version > dormant.version, 'the customer changed, so its version did');

    // An older contact recorded late changes neither date.
    const older = await newRecord(S1.token, created.id, { occurred_at: '2026-02-01T08:00:00Z', next_contact_at: '2026-02-05T08:00:00Z' });
    c = await getCustomer(created.id);
    assert.equal(c.last_contact_at, '2026-03-02T08:00:00.000000Z');
    assert.equal(c.next_contact_at, '2026-03-16T08:00:00.000000Z');

    // The latest contact decides the follow-up, even when it plans none.
    const latest = await newRecord(S1.token, created.id, { occurred_at: '2026-03-05T08:00:00Z' });
    c = await getCustomer(created.id);
    assert.equal(c.last_contact_at, '2026-03-05T08:00:00.000000Z');
    assert.equal(c.next_contact_at, null);

    // Moving a record's date or follow-up recomputes both.
    expectStatus(
      await api('PATCH', path(older.id), {
        token: S1.token,
        body: { occurred_at: '2026-03-06T08:00:00Z', next_contact_at: '2026-04-01T08:00:00Z' },
        headers: ifMatch(older),
      }),
      200,
    );
    c = await getCustomer(created.id);
    assert.equal(c.last_contact_at, '2026-03-06T08:00:00.000000Z');
    assert.equal(c.next_contact_at, '2026-04-01T08:00:00.000000Z');

    // Deleting it falls back to the latest remaining record.
    const moved = expectStatus(await getRecord(older.id, S1.token), 200).body;
    expectStatus(await api('DELETE', path(older.id), { token: S1.token, headers: ifMatch(moved) }), 204);
    c = await getCustomer(created.id);
    assert.equal(c.last_contact_at, '2026-03-05T08:00:00.000000Z');
    assert.equal(c.next_contact_at, null);
    assert.ok(latest);
  });

  test('concurrent recordings for one customer all succeed and the latest one wins', async () => {
    const cust = await newCustomer(S1.token);
    const days = [...Array(16).keys()].map((d) => d + 1).sort(() => Math.random() - 0.5);
    const results = await Promise.all(
      days.map((d) =>
        record(S1.token, cust.id, {
          kind: 'call',
          occurred_at: `2026-04-${String(d).padStart(2, '0')}T10:00:00Z`,
          next_contact_at: `2026-05-${String(d).padStart(2, '0')}T10:00:00Z`,
        }),
      ),
    );
    for (const r of results) expectStatus(r, 201, 'concurrent recording');
    const c = await getCustomer(cust.id);
    assert.equal(c.last_contact_at, '2026-04-16T10:00:00.000000Z');
    assert.equal(c.next_contact_at, '2026-05-16T10:00:00.000000Z');
  });

  test('a recording that waits for a concurrent one recomputes from what that one committed', async () => {
    assert.ok(APP_DB, 'CRM_TEST_APP_DB names the application database (scripts/test.sh sets it)');
    // Deterministic version of the race above: another session records a later
    // contact and holds its transaction open while the API records an earlier one.
    const cust = await newCustomer(S1.token);
    await newRecord(S1.token, cust.id, { occurred_at: '2026-06-01T10:00:00Z' });
    const db = new pg.Client({ connectionString: APP_DB });
    await db.connect();
    try {
      await db.query('BEGIN');
      await db.query("SELECT set_config('app.tenant_id', $1, true)", [T.tenant.id]);
      await db.query(
        'INSERT INTO contact_records (tenant_id, customer_id, kind, occurred_at, next_contact_at, owner_id)' +
          " VALUES ($1, $2, 'call', '2026-06-20T10:00:00Z', '2026-07-20T10:00:00Z', $3)",
        [T.tenant.id, cust.id, S1.user.id],
      );
      let settled = false;
      const pending = record(S1.token, cust.id, { kind: 'call', occurred_at: '2026-06-10T10:00:00Z', next_contact_at: '2026-06-11T10:00:00Z' });
      pending.finally(() => (settled = true)).catch(() => {});
      await sleep(300);
      assert.equal(settled, false, "the API's recording waits for the open transaction on the same customer");
      await db.query('COMMIT');
      expectStatus(await pending, 201);
    } finally {
      await db.query('ROLLBACK').catch(() => {});
      await db.end();
    }
    const c = await getCustomer(cust.id);
    assert.equal(c.last_contact_at, '2026-06-20T10:00:00.000000Z');
    assert.equal(c.next_contact_at, '2026-07-20T10:00:00.000000Z');
  });

  test('a failed recording leaves the customer untouched', async () => {
    const cust = await newCustomer(S1.token);
    expectProblem(await record(S1.token, cust.id, { kind: 'call', contact_id: OTHER_P.id, occurred_at: '2026-03-02T08:00:00Z' }), 422);
    const c = await getCustomer(cust.id);
    assert.equal(c.last_contact_at, null);
    assert.equal(c.version, cust.version);
  });

  test('last_contact_at and next_contact_at are read-only on the customer', async () => {
    const cust = await newCustomer(S1.token);
    expectProblem(
      await api('POST', `/v1/customers${qs({ confirm_duplicate: 'true' })}`, {
        token: S1.token,
        body: { name: `Early ${uniq()}`, next_contact_at: '2026-03-02T08:00:00Z' },
      }),
      422,
      { field: 'next_contact_at', code: 'read_only' },
    );
    expectProblem(
      await api('PATCH', `/v1/customers/${cust.id}`, { token: S1.token, body: { last_contact_at: '2026-03-02T08:00:00Z' }, headers: ifMatch(cust) }),
      422,
      { field: 'last_contact_at', code: 'read_only' },
    );
  });
});

describe('customer location and the distance of a visit', () => {
  test('a customer takes a location on create and PATCH; null clears it; bad ones are 422', async () => {
    const cust = await newCustomer(S1.token, { location: { lat: 22.5431, lon: 114.0579 } });
    assert.deepEqual(cust.location, { lat: 22.5431, lon: 114.0579 });
    const none = await newCustomer(S1.token);
    assert.equal(none.location, null);
    const moved = expectStatus(
      await api('PATCH', `/v1/customers/${cust.id}`, { token: S1.token, body: { location: { lat: -33.8688, lon: 151.2093 } }, headers: ifMatch(cust) }),
      200,
    ).body;
    assert.deepEqual(moved.location, { lat: -33.8688, lon: 151.2093 });
    assert.equal(moved.name, cust.name);
    const post = (location) =>
      api('POST', `/v1/customers${qs({ confirm_duplicate: 'true' })}`, { token: S1.token, body: { name: `Located ${uniq()}`, location } });
    expectProblem(await post({ lat: 91, lon: 0 }), 422, { field: 'location.lat', code: 'range' });
    expectProblem(await post({ lat: 0, lon: 180.5 }), 422, { field: 'location.lon', code: 'range' });
    expectProblem(await post({ lat: '22.5', lon: 114 }), 422, { field: 'location.lat', code: 'type' });
    expectProblem(await post({ lon: 114 }), 422, { field: 'location.lat', code: 'required' });
    expectProblem(await post({ lat: 1, lon: 2, accuracy_m: 5 }), 422, { field: 'location.accuracy_m', code: 'unknown' });
    expectProblem(await post([22.5, 114]), 422, { field: 'location', code: 'type' });
    const cleared = expectStatus(
      await api('PATCH', `/v1/customers/${cust.id}`, { token: S1.token, body: { location: null }, headers: ifMatch(moved) }),
      200,
    ).body;
    assert.equal(cleared.location, null);
  });

  test('a visit about 1.1 km from the customer reports that distance, in whole metres', async () => {
    const cust = await newCustomer(S1.token, { location: HQ });
    const at = { lat: 31.2304, lon: 121.4855 }; // ~1.12 km east along the same parallel
    const expected = haversine(HQ, at);
    assert.ok(expected > 1000 && expected < 1200, `fixture: ${expected}`);
    const visit = await newRecord(S1.token, cust.id, { kind: 'visit', location: { ...at, accuracy_m: 15 } });
    assert.ok(Number.isInteger(visit.distance_m));
    assert.ok(Math.abs(visit.distance_m - expected) <= 3, `distance_m ${visit.distance_m}, expected ≈ ${expected.toFixed(1)}`);
    assert.equal(expectStatus(await getRecord(visit.id, S1.token), 200).body.distance_m, visit.distance_m);

    const onSite = await newRecord(S1.token, cust.id, { kind: 'visit', location: { ...HQ } });
    assert.equal(onSite.distance_m, 0);
    const far = { lat: 39.9042, lon: 116.4074 }; // Beijing, ~1067 km
    const trip = await newRecord(S1.token, cust.id, { kind: 'visit', location: far });
    assert.ok(Math.abs(trip.distance_m - haversine(HQ, far)) <= 3, `${trip.distance_m} vs ${haversine(HQ, far)}`);

    const noCheckIn = await newRecord(S1.token, cust.id, { kind: 'visit' });
    assert.equal(noCheckIn.distance_m, null);
    const unlocated = await newCustomer(S1.token);
    assert.equal((await newRecord(S1.token, unlocated.id, { kind: 'visit', location: at })).distance_m, null);
  });

  test("the distance follows the customer's location as it is now", async () => {
    let cust = await newCustomer(S1.token);
    const at = { lat: 48.8584, lon: 2.2945 };
    const visit = await newRecord(S1.token, cust.id, { kind: 'visit', location: at });
    assert.equal(visit.distance_m, null);
    cust = await getCustomer(cust.id);
    const where = { lat: 48.8606, lon: 2.3376 };
    expectStatus(await api('PATCH', `/v1/customers/${cust.id}`, { token: S1.token, body: { location: where }, headers: ifMatch(cust) }), 200);
    const now = expectStatus(await getRecord(visit.id, S1.token), 200).body;
    assert.ok(Math.abs(now.distance_m - haversine(at, where)) <= 3, `${now.distance_m} vs ${haversine(at, where)}`);
    const listed = (await listAll(underCustomer(cust.id), S1.token)).find((x) => x.id === visit.id);
    assert.equal(listed.distance_m, now.distance_m);
  });
});

describe('lists', () => {
  let cust, made;
  before(async () => {
    cust = await newCustomer(S1.token);
    made = {
      call: await newRecord(S1.token, cust.id, { kind: 'call', occurred_at: '2026-01-10T09:00:00Z' }),
      email: await newRecord(S1.token, cust.id, { kind: 'email', occurred_at: '2026-01-20T09:00:00Z' }),
      visit: await newRecord(S1.token, cust.id, { kind: 'visit', occurred_at: '2026-02-10T09:00:00Z' }),
      meeting: await newRecord(M1.token, cust.id, { kind: 'meeting', occurred_at: '2026-02-20T09:00:00Z' }),
      im: await newRecord(S1.token, cust.id, { kind: 'im', occurred_at: '2026-03-01T09:00:00Z' }),
    };
  });
  const listIds = async (params, token = S1.token) => ids(await listAll(`/v1/contact-records${qs({ customer_id: cust.id, ...params })}`, token));

  test('filter by kind, recorder, when it occurred and when it changed', async () => {
    assert.deepEqual(await listIds({ kind: 'visit' }), [made.visit.id]);
    assert.deepEqual(await listIds({ owner_id: M1.user.id }), [made.meeting.id]);
    assert.deepEqual(await listIds({ occurred_since: '2026-01-20T09:00:00Z', occurred_before: '2026-02-20T09:00:00Z' }), [
      made.email.id,
      made.visit.id,
    ]);
    assert.deepEqual(await listIds({ occurred_since: '2026-02-20T17:00:00+08:00' }), [made.meeting.id, made.im.id]);
    const all = await listIds({});
    assert.deepEqual(all, Object.values(made).map((r) => r.id), 'oldest first, by creation');
    assert.deepEqual(ids(await listAll(underCustomer(cust.id), S1.token)), all);
    assert.deepEqual(ids(await listAll(`${underCustomer(cust.id)}${qs({ kind: 'email' })}`, S1.token)), [made.email.id]);

    const cur = expectStatus(await getRecord(made.call.id, S1.token), 200).body;
    const touched = expectStatus(
      await api('PATCH', path(made.call.id), { token: S1.token, body: { outcome: 'touched' }, headers: ifMatch(cur) }),
      200,
    ).body;
    assert.deepEqual(await listIds({ updated_since: touched.updated_at }), [made.call.id]);
    made.call = touched;
  });

  test('keyset pages return every record once, also when records are added while paging', async () => {
    const seen = [];
    let cursor = null;
    let added = null;
    for (let page = 0; page < 10; page++) {
      const r = expectStatus(await api('GET', `${underCustomer(cust.id)}${qs({ limit: 2, cursor })}`, { token: S1.token }), 200);
      assert.ok(r.body.data.length <= 2);
      seen.push(...ids(r.body.data));
      if (!added) added = await newRecord(S1.token, cust.id, { kind: 'other' });
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, [...Object.values(made).map((r) => r.id), added.id]);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
  });

  test("the list of all records holds only the records of customers the caller may see", async () => {
    const mineOnly = await listAll('/v1/contact-records', S2.token);
    const visible = new Set(ids(await listAll(`/v1/customers${qs({ owner_id: S2.user.id })}`, S2.token)));
    assert.ok(mineOnly.every((r) => visible.has(r.customer_id)));
    const managers = ids(await listAll('/v1/contact-records', M1.token));
    for (const r of Object.values(made)) assert.ok(managers.includes(r.id), 'the manager sees the team member’s records');
  });
});

describe('audit trail', () => {
  test('creating, changing and deleting a record are audited, with the customer update they caused', async () => {
    const cust = await newCustomer(S1.token);
    const rec = await newRecord(S1.token, cust.id, { occurred_at: '2026-03-02T08:00:00Z' });
    const p = expectStatus(
      await api('PATCH', path(rec.id), { token: S1.token, body: { summary: 'notes' }, headers: ifMatch(rec) }),
      200,
    ).body;
    expectStatus(await api('DELETE', path(rec.id), { token: S1.token, headers: ifMatch(p) }), 204);

    const entries = expectStatus(
      await api('GET', `/v1/audit-log${qs({ entity: 'contact_records', entity_id: rec.id })}`, { token: T.token }),
      200,
    ).body.data;
    assert.deepEqual(entries.map((e) => e.action).sort(), ['create', 'delete', 'update']);
    assert.ok(entries.every((e) => e.actor_id === S1.user.id && e.entity === 'contact_records'));
    const update = entries.find((e) => e.action === 'update');
    assert.deepEqual(update.changes.summary, { old: null, new: 'notes' });

    const customerEntries = expectStatus(
      await api('GET', `/v1/audit-log${qs({ entity: 'customers', entity_id: cust.id, action: 'update' })}`, { token: T.token }),
      200,
    ).body.data;
    const touched = customerEntries.find((e) => e.changes && e.changes.last_contact_at);
    assert.ok(touched, `the customer's new last_contact_at is audited: ${JSON.stringify(customerEntries)}`);
    assert.equal(touched.actor_id, S1.user.id);
  });
});
