// contacts.test.mjs: contact persons of a customer — CRUD, the single primary
// contact, birthday dates, and visibility that follows the customer.
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

let T, B; // tenant and another tenant
let M1, S1, S1b, S2, A;
let C; // a customer owned by S1

before(async () => {
  T = await signup();
  B = await signup();
  M1 = await addUser(T, 'manager');
  const team = await createTeam(T.token, `Team ${uniq()}`, M1.user.id);
  S1 = await addUser(T, 'sales', { team_id: team.id });
  S1b = await addUser(T, 'sales', { team_id: team.id });
  S2 = await addUser(T, 'sales');
  A = await addUser(T, 'assistant');
  C = await createCustomer(S1.token, { name: `Contacts Co ${uniq()}` });
});

const listPath = (customerId) => `/v1/customers/${customerId}/contacts`;
const path = (id) => `/v1/contacts/${id}`;

async function createContact(token, customerId, fields = {}) {
  const r = await api('POST', listPath(customerId), { token, body: { name: `Person ${uniq()}`, ...fields } });
  expectStatus(r, 201, 'create contact');
  return r.body;
}

const getContact = (id, token) => api('GET', path(id), { token });

describe('contacts CRUD', () => {
  test('every field round-trips; 201 with Location and ETag; GET and the list return it', async () => {
    const id = randomUUID();
    const full = {
      id,
      name: 'Li Wei 李伟',
      title: 'Purchasing Manager',
      phone: '+86 21 1234 5678',
      mobile: '+86 138 0000 0000',
      email: 'li.wei@example.com',
      im: 'wechat:liwei',
      birthday: '1985-07-14',
      is_primary: false,
      notes: 'Met at the Canton Fair',
    };
    const r = expectStatus(await api('POST', listPath(C.id), { token: S1.token, body: full }), 201);
    for (const [k, v] of Object.entries(full)) assert.deepEqual(r.body[k], v, `field ${k}`);
    assert.equal(r.body.customer_id, C.id);
    assert.ok(Number.isInteger(r.body.version));
    assert.ok(r.headers.get('location')?.endsWith(`/v1/contacts/${id}`), `Location ${r.headers.get('location')}`);
    assert.equal(r.headers.get('etag'), etag(r.body.version));

    const g = expectStatus(await getContact(id, S1.token), 200);
    assert.deepEqual(g.body, r.body);
    assert.equal(g.headers.get('etag'), etag(r.body.version));
    const listed = await listAll(listPath(C.id), S1.token);
    assert.deepEqual(listed.find((x) => x.id === id), r.body);
    assert.ok(listed.every((x) => x.customer_id === C.id));
  });

  test('only name is required; is_primary defaults to false, the rest to null', async () => {
    const c = await createContact(S1.token, C.id, { name: 'Minimal' });
    assert.equal(c.is_primary, false);
    for (const k of ['title', 'phone', 'mobile', 'email', 'im', 'birthday', 'notes']) assert.equal(c[k], null, k);
    expectProblem(await api('POST', listPath(C.id), { token: S1.token, body: { title: 'No name' } }), 422, {
      field: 'name',
      code: 'required',
    });
  });

  test('unknown and server-owned fields are 422 naming the field', async () => {
    expectProblem(await api('POST', listPath(C.id), { token: S1.token, body: { name: 'x', shoe_size: 44 } }), 422, {
      field: 'shoe_size',
      code: 'unknown',
    });
    expectProblem(await api('POST', listPath(C.id), { token: S1.token, body: { name: 'x', version: 2 } }), 422, {
      field: 'version',
      code: 'read_only',
    });
    const c = await createContact(S1.token, C.id);
    expectProblem(
      await api('PATCH', path(c.id), { token: S1.token, body: { created_at: '2026-01-01T00:00:00Z' }, headers: ifMatch(c) }),
      422,
      { field: 'created_at', code: 'read_only' },
    );
  });

  test('PATCH needs If-Match (428), refuses a stale one (412, unchanged), updates with the current one', async () => {
    const c = await createContact(S1.token, C.id, { title: 'Buyer' });
    expectProblem(await api('PATCH', path(c.id), { token: S1.token, body: { title: 'Boss' } }), 428);
    expectProblem(
      await api('PATCH', path(c.id), { token: S1.token, body: { title: 'Boss' }, headers: ifMatch(etag(c.version + 5)) }),
      412,
    );
    assert.equal(expectStatus(await getContact(c.id, S1.token), 200).body.title, 'Buyer', 'unchanged after 412');
    const p = expectStatus(
      await api('PATCH', path(c.id), { token: S1.token, body: { title: 'Boss', notes: 'promoted' }, headers: ifMatch(c) }),
      200,
    );
    assert.equal(p.body.title, 'Boss');
    assert.equal(p.body.notes, 'promoted');
    assert.equal(p.body.name, c.name);
    assert.equal(p.headers.get('etag'), etag(p.body.version));
    assert.ok(p.body.version > c.version);
  });

  test('DELETE needs If-Match and soft-deletes: 404 afterwards, gone from the list', async () => {
    const c = await createContact(S1.token, C.id);
    expectProblem(await api('DELETE', path(c.id), { token: S1.token }), 428);
    expectStatus(await api('DELETE', path(c.id), { token: S1.token, headers: ifMatch(c) }), 204);
    expectProblem(await getContact(c.id, S1.token), 404);
    assert.ok(!ids(await listAll(listPath(C.id), S1.token)).includes(c.id));
  });

  test('the list pages with a cursor and returns every contact once', async () => {
    const cust = await createCustomer(S1.token);
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await createContact(S1.token, cust.id, { name: `Paged ${i}` })).id);
    const seen = [];
    let cursor = null;
    for (let page = 0; page < 10; page++) {
      const r = expectStatus(
        await api('GET', `${listPath(cust.id)}${qs({ limit: 2, cursor })}`, { token: S1.token }),
        200,
      );
      assert.ok(r.body.data.length <= 2);
      seen.push(...ids(r.body.data));
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual([...seen].sort(), [...made].sort());
    expectProblem(await api('GET', `${listPath(cust.id)}?limit=201`, { token: S1.token }), 422, { field: 'limit' });
  });

  test('contacts of a customer that does not exist are 404', async () => {
    const nobody = randomUUID();
    expectProblem(await api('GET', listPath(nobody), { token: S1.token }), 404);
    expectProblem(await api('POST', listPath(nobody), { token: S1.token, body: { name: 'x' } }), 404);
  });
});

describe('primary contact', () => {
  test('setting is_primary clears it on the other contacts of that customer only', async () => {
    const cust = await createCustomer(S1.token);
    const other = await createCustomer(S1.token);
    const otherPrimary = await createContact(S1.token, other.id, { is_primary: true });

    const first = await createContact(S1.token, cust.id, { is_primary: true });
    const second = await createContact(S1.token, cust.id, { is_primary: true });
    const primaries = async () => (await listAll(listPath(cust.id), S1.token)).filter((x) => x.is_primary).map((x) => x.id);

    assert.equal(second.is_primary, true);
    assert.deepEqual(await primaries(), [second.id], 'the newest primary wins');
    assert.equal(expectStatus(await getContact(first.id, S1.token), 200).body.is_primary, false);

    const cur = expectStatus(await getContact(first.id, S1.token), 200);
    const p = expectStatus(
      await api('PATCH', path(first.id), { token: S1.token, body: { is_primary: true }, headers: ifMatch(cur.headers.get('etag')) }),
      200,
    );
    assert.equal(p.body.is_primary, true);
    assert.deepEqual(await primaries(), [first.id]);
    assert.equal(expectStatus(await getContact(second.id, S1.token), 200).body.is_primary, false);

    assert.equal(expectStatus(await getContact(otherPrimary.id, S1.token), 200).body.is_primary, true, "another customer's primary is untouched");
  });
});

describe('birthday', () => {
  test('accepts real YYYY-MM-DD dates (and null) only', async () => {
    const leap = await createContact(S1.token, C.id, { birthday: '2000-02-29' });
    assert.equal(leap.birthday, '2000-02-29');
    for (const bad of ['1990-02-30', '1990/01/01', '1990-01-01T00:00:00Z', '90-01-01', '1990-13-01', '', 19900101]) {
      const r = await api('POST', listPath(C.id), { token: S1.token, body: { name: 'Bday', birthday: bad } });
      assert.equal(r.status, 422, `birthday ${JSON.stringify(bad)} → expected 422, got ${r.status}`);
      expectProblem(r, 422, { field: 'birthday' });
    }
    const bad = await api('PATCH', path(leap.id), { token: S1.token, body: { birthday: '2001-02-29' }, headers: ifMatch(leap) });
    expectProblem(bad, 422, { field: 'birthday' });
    const cleared = expectStatus(
      await api('PATCH', path(leap.id), { token: S1.token, body: { birthday: null }, headers: ifMatch(leap) }),
      200,
    );
    assert.equal(cleared.body.birthday, null);
  });
});

describe('visibility follows the customer', () => {
  let contact;
  before(async () => {
    contact = await createContact(S1.token, C.id, { name: 'Visible Person' });
  });

  test("another salesperson gets 404 for the customer's contacts", async () => {
    expectProblem(await getContact(contact.id, S2.token), 404);
    expectProblem(await api('GET', listPath(C.id), { token: S2.token }), 404);
    expectProblem(await api('POST', listPath(C.id), { token: S2.token, body: { name: 'Intruder' } }), 404);
    expectProblem(await api('PATCH', path(contact.id), { token: S2.token, body: { notes: 'x' }, headers: ifMatch(contact) }), 404);
    expectProblem(await api('DELETE', path(contact.id), { token: S2.token, headers: ifMatch(contact) }), 404);
    assert.deepEqual(expectStatus(await getContact(contact.id, S1.token), 200).body, contact, 'unchanged');
  });

  test("the team's manager reads and edits them", async () => {
    expectStatus(await getContact(contact.id, M1.token), 200);
    assert.ok(ids(await listAll(listPath(C.id), M1.token)).includes(contact.id));
    const made = await createContact(M1.token, C.id, { name: 'Added by manager' });
    const p = expectStatus(
      await api('PATCH', path(made.id), { token: M1.token, body: { title: 'CFO' }, headers: ifMatch(made) }),
      200,
    );
    assert.equal(p.body.title, 'CFO');
  });

  test('an assistant reads them but may not write (403)', async () => {
    expectStatus(await getContact(contact.id, A.token), 200);
    assert.ok(ids(await listAll(listPath(C.id), A.token)).includes(contact.id));
    expectProblem(await api('POST', listPath(C.id), { token: A.token, body: { name: 'Nope' } }), 403);
    const cur = expectStatus(await getContact(contact.id, S1.token), 200).body;
    expectProblem(await api('PATCH', path(contact.id), { token: A.token, body: { notes: 'x' }, headers: ifMatch(cur) }), 403);
    expectProblem(await api('DELETE', path(contact.id), { token: A.token, headers: ifMatch(cur) }), 403);
  });

  test('another tenant sees nothing (404)', async () => {
    expectProblem(await getContact(contact.id, B.token), 404);
    expectProblem(await api('GET', listPath(C.id), { token: B.token }), 404);
    expectProblem(await api('POST', listPath(C.id), { token: B.token, body: { name: 'Foreign' } }), 404);
    const cur = expectStatus(await getContact(contact.id, S1.token), 200).body;
    expectProblem(await api('PATCH', path(contact.id), { token: B.token, body: { notes: 'x' }, headers: ifMatch(cur) }), 404);
  });

  test('when the customer is transferred, its contacts go with it', async () => {
    const cust = await createCustomer(S1.token);
    const person = await createContact(S1.token, cust.id);
    expectStatus(
      await api('POST', `/v1/customers/${cust.id}/transfer`, { token: M1.token, body: { owner_id: S1b.user.id } }),
      200,
    );
    expectProblem(await getContact(person.id, S1.token), 404);
    expectStatus(await getContact(person.id, S1b.token), 200);
  });

  test('contact writes are in the audit log', async () => {
    const made = await createContact(S1.token, C.id, { name: 'Audited' });
    const r = expectStatus(
      await api('GET', `/v1/audit-log${qs({ entity: 'contacts', entity_id: made.id })}`, { token: T.token }),
      200,
    );
    const created = r.body.data.find((e) => e.action === 'create');
    assert.ok(created, `no create entry: ${r.text.slice(0, 400)}`);
    assert.equal(created.actor_id, S1.user.id);
    assert.equal(created.entity, 'contacts');
  });
});
