// changes.test.mjs: the change feed GET /v1/changes — creates, updates and
// tombstones of customers and contacts, tenant isolation, visibility by owner
// (a transfer away arrives as a delete), paging and cursors, and the proof that
// a device paging the feed while many transactions commit out of order ends
// with exactly what the database holds.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, randomInt } from 'node:crypto';
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
  qs,
  sleep,
} from './lib/client.mjs';

const FEED = '/v1/changes';
const APP_DB = process.env.CRM_TEST_APP_DB;

// Names are random enough that the duplicate guard never takes two for the same customer.
const customerName = () => `Feed ${randomUUID()}`;

async function newCustomer(token, fields = {}) {
  const r = await api('POST', '/v1/customers', { token, body: { name: customerName(), ...fields } });
  return expectStatus(r, 201, 'create customer').body;
}

async function newContact(token, customerId, fields = {}) {
  const r = await api('POST', `/v1/customers/${customerId}/contacts`, {
    token,
    body: { name: `Person ${randomUUID().slice(0, 8)}`, ...fields },
  });
  return expectStatus(r, 201, 'create contact').body;
}

async function patch(token, path, current, body) {
  const r = await api('PATCH', path, { token, body, headers: ifMatch(current) });
  return expectStatus(r, 200, `PATCH ${path}`).body;
}

async function remove(token, path, current) {
  expectStatus(await api('DELETE', path, { token, headers: ifMatch(current) }), 204, `DELETE ${path}`);
}

async function transfer(token, customerId, ownerId) {
  const r = await api('POST', `/v1/customers/${customerId}/transfer`, { token, body: { owner_id: ownerId } });
  return expectStatus(r, 200, 'transfer').body;
}

/** One page of the feed (must be 200). */
async function feedPage(token, cursor, limit) {
  return expectStatus(await api('GET', FEED + qs({ limit, cursor }), { token }), 200, 'change feed').body;
}

/**
 * Follow the feed from `cursor` until a page comes back empty, checking the
 * paging rules on the way. Returns { items, cursor } (cursor: where to go on).
 */
async function drain(token, cursor, limit = 200) {
  const items = [];
  for (let pages = 0; pages < 10000; pages++) {
    const page = await feedPage(token, cursor, limit);
    assert.ok(page.data.length <= limit, `a page holds at most limit=${limit} items`);
    if (page.data.length === 0) {
      if (cursor) assert.equal(page.next_cursor, cursor, 'an empty page keeps the position');
      return { items, cursor: page.next_cursor };
    }
    assert.equal(page.next_cursor, page.data.at(-1).cursor, 'next_cursor is the position of the last item');
    items.push(...page.data);
    cursor = page.next_cursor;
  }
  throw new Error('the feed never ended');
}

/**
 * Drain repeatedly until `done(items)` holds (a change shows once every older
 * transaction has finished, normally at once): { items, cursor }.
 */
async function drainUntil(token, cursor, done, what) {
  const items = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await drain(token, cursor);
    items.push(...r.items);
    cursor = r.cursor;
    if (done(items)) return { items, cursor };
    if (Date.now() > deadline) assert.fail(`the feed never showed ${what}; got ${JSON.stringify(items)}`);
    await sleep(50);
  }
}

const has = (entity, id, op) => (items) => items.some((x) => x.entity === entity && x.id === id && (!op || x.op === op));

/** A device's offline copy: applies feed items the way the spec tells clients to. */
class Replica {
  constructor() {
    this.map = new Map();
  }

  apply(items) {
    for (const it of items) {
      const key = `${it.entity}:${it.id}`;
      if (it.op === 'upsert') {
        assert.ok(it.data && it.data.id === it.id, `an upsert carries the resource: ${JSON.stringify(it)}`);
        this.map.set(key, it.data);
        continue;
      }
      assert.equal(it.data, null, 'a delete carries no data');
      this.map.delete(key);
      if (it.entity === 'customer') {
        for (const [k, v] of this.map) if (k !== key && v.customer_id === it.id) this.map.delete(k);
      }
    }
  }

  sorted() {
    return Object.fromEntries([...this.map].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** What the list endpoints say `token` may see: every live customer and contact, keyed like the replica. */
async function liveState(token) {
  const m = new Map();
  for (const c of await listAll('/v1/customers', token)) {
    m.set(`customer:${c.id}`, c);
    for (const k of await listAll(`/v1/customers/${c.id}/contacts`, token)) m.set(`contact:${k.id}`, k);
  }
  return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const b64url = (s) => Buffer.from(s, 'utf8').toString('base64url');

describe('change feed basics', () => {
  let T, B;

  before(async () => {
    T = await signup();
    B = await signup();
  });

  test('a tenant without changes gets an empty page and a position that later shows its first change', async () => {
    const empty = await feedPage(T.token);
    assert.deepEqual(empty.data, []);
    assert.equal(typeof empty.next_cursor, 'string', 'next_cursor is never null');
    const again = await feedPage(T.token, empty.next_cursor);
    assert.deepEqual(again, empty, 'the same position again');

    const c = await newCustomer(T.token);
    const { items } = await drainUntil(T.token, empty.next_cursor, has('customer', c.id), 'the new customer');
    assert.deepEqual(items, [{ cursor: items[0].cursor, entity: 'customer', id: c.id, op: 'upsert', data: c }]);
  });

  test('creates, updates and deletes appear in commit order, each entity once at its latest change', async () => {
    const start = (await drain(T.token)).cursor;
    const c = await newCustomer(T.token, { phone: '+49 30 1234567' });
    const k = await newContact(T.token, c.id, { title: 'Buyer' });
    const c2 = await patch(T.token, `/v1/customers/${c.id}`, c, { notes: 'first visit went well' });
    await remove(T.token, `/v1/contacts/${k.id}`, k);

    const { items } = await drainUntil(T.token, start, has('contact', k.id, 'delete'), 'the contact tombstone');
    // The customer's last change (the patch) comes before the contact's (its delete).
    assert.deepEqual(
      items.map(({ entity, id, op }) => ({ entity, id, op })),
      [
        { entity: 'customer', id: c.id, op: 'upsert' },
        { entity: 'contact', id: k.id, op: 'delete' },
      ],
    );
    assert.deepEqual(items[0].data, c2, 'the customer as GET returns it now, version included');
    assert.equal(items[0].data.version, c.version + 1);
    assert.equal(items[1].data, null, 'a tombstone carries no data');

    // Paging one by one: each entity once, at its latest change (the
    // customer's create and the contact's create are passed over).
    const single = await drain(T.token, start, 1);
    assert.deepEqual(
      single.items.map(({ entity, op }) => `${entity}:${op}`),
      ['customer:upsert', 'contact:delete'],
    );
    assert.equal(new Set(single.items.map((x) => x.cursor)).size, 2, 'every position is distinct');
    assert.equal(single.cursor, items.at(-1).cursor, 'both ways end at the same position');
  });

  test('deleting a customer is a tombstone, and its contacts come out as deletes', async () => {
    const start = (await drain(T.token)).cursor;
    const c = await newCustomer(T.token);
    const k = await newContact(T.token, c.id);
    await remove(T.token, `/v1/customers/${c.id}`, c);

    const { items } = await drainUntil(T.token, start, has('customer', c.id, 'delete'), 'the customer tombstone');
    const mine = items.filter((x) => x.id === c.id || x.id === k.id);
    assert.ok(mine.every((x) => x.op === 'delete' && x.data === null), JSON.stringify(mine));
    const replica = new Replica();
    replica.apply(items);
    assert.equal(replica.map.size, 0);
    // A later GET agrees: gone.
    expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: T.token }), 404);
  });

  test("another tenant's changes never appear", async () => {
    const mine = await newCustomer(T.token);
    const theirs = await newCustomer(B.token);
    await newContact(B.token, theirs.id);
    const t = await drainUntil(T.token, undefined, has('customer', mine.id), "T's customer");
    const b = await drainUntil(B.token, undefined, has('customer', theirs.id), "B's customer");
    const tIds = new Set(t.items.map((x) => x.id));
    const bIds = new Set(b.items.map((x) => x.id));
    for (const id of bIds) assert.ok(!tIds.has(id), `B's ${id} is not in T's feed`);
    for (const id of tIds) assert.ok(!bIds.has(id), `T's ${id} is not in B's feed`);
    // A position taken from B's feed shows T nothing of B's either.
    const crossed = await drain(T.token, b.items[0].cursor);
    assert.ok(crossed.items.every((x) => !bIds.has(x.id)));
  });

  test('paging with small limits yields the same copy as one big page, and resumes from any item', async () => {
    const Q = await signup();
    const customers = [];
    for (let i = 0; i < 5; i++) customers.push(await newCustomer(Q.token));
    const contacts = [];
    for (const c of customers) for (let j = 0; j < 2; j++) contacts.push(await newContact(Q.token, c.id));
    for (const c of customers.slice(0, 3)) await patch(Q.token, `/v1/customers/${c.id}`, c, { region: 'North' });
    await remove(Q.token, `/v1/contacts/${contacts[0].id}`, contacts[0]);
    await remove(Q.token, `/v1/customers/${customers[4].id}`, customers[4]);

    const all = await drainUntil(Q.token, undefined, has('customer', customers[4].id, 'delete'), 'the last delete');
    const reference = new Replica();
    reference.apply(all.items);
    assert.deepEqual(reference.sorted(), await liveState(Q.token));

    for (const limit of [1, 2, 3, 7]) {
      const paged = await drain(Q.token, undefined, limit);
      const replica = new Replica();
      replica.apply(paged.items);
      assert.deepEqual(replica.sorted(), reference.sorted(), `limit=${limit}`);
      assert.equal(paged.cursor, all.cursor, `limit=${limit} ends where one page ends`);
      if (limit === 1) assert.equal(paged.items.length, 5 + 10, 'one item per entity, at its latest change');
    }
    // From the position of any item on, the rest of the page follows.
    for (const k of [0, 3, all.items.length - 2]) {
      const rest = await drain(Q.token, all.items[k].cursor);
      assert.deepEqual(rest.items, all.items.slice(k + 1), `resuming after item ${k}`);
    }
    // Without limit, a page holds at most 100 items (the default).
    const big = await feedPage(Q.token);
    assert.ok(big.data.length <= 100);
  });

  test('a malformed cursor answers 422 naming cursor; an empty one starts from the beginning', async () => {
    const firstPage = await feedPage(T.token, undefined, 1);
    const listCursor = expectStatus(await api('GET', '/v1/customers?limit=1', { token: T.token }), 200).body.next_cursor;
    assert.ok(listCursor, 'T has more than one customer');
    const bad = [
      'abc',
      'not a cursor',
      '%%%%',
      b64url('1:2:3'),
      b64url('x:1'),
      b64url('01:2'),
      b64url(':1'),
      b64url('1:'),
      b64url('-1:5'),
      b64url('18446744073709551616:1'),
      b64url('1:9223372036854775808'),
      b64url('1:2\u0000'),
      listCursor,
      'A'.repeat(121),
    ];
    for (const cursor of bad) {
      const r = await api('GET', FEED + qs({ cursor }), { token: T.token });
      expectProblem(r, 422, { field: 'cursor', code: 'format' });
    }
    const emptyCursor = expectStatus(await api('GET', `${FEED}?cursor=&limit=1`, { token: T.token }), 200).body;
    assert.deepEqual(emptyCursor, firstPage);
  });

  test('limit outside 1..1000 answers 422 naming limit; no token answers 401', async () => {
    for (const limit of ['0', '1001', '-1', 'x', '']) {
      expectProblem(await api('GET', `${FEED}?limit=${limit}`, { token: T.token }), 422, { field: 'limit' });
    }
    expectStatus(await api('GET', `${FEED}?limit=1000`, { token: T.token }), 200);
    expectProblem(await api('GET', FEED), 401);
  });
});

describe('change feed visibility', () => {
  let T, M, S1, S2, A;
  let C1, K1, C2, K2, C3;

  before(async () => {
    T = await signup();
    M = await addUser(T, 'manager');
    const team = await createTeam(T.token, `Team ${randomUUID().slice(0, 8)}`, M.user.id);
    S1 = await addUser(T, 'sales', { team_id: team.id });
    S2 = await addUser(T, 'sales');
    A = await addUser(T, 'assistant');
    C1 = await newCustomer(S1.token);
    K1 = await newContact(S1.token, C1.id);
    C2 = await newCustomer(S2.token);
    K2 = await newContact(S2.token, C2.id);
    C3 = await newCustomer(T.token);
  });

  const idsOf = (items) => new Set(items.map((x) => x.id));

  test("a salesperson sees only their own customers' changes; a manager their team's; back office all", async () => {
    const s1 = idsOf((await drainUntil(S1.token, undefined, has('contact', K1.id), 'K1')).items);
    assert.deepEqual([...s1].sort(), [C1.id, K1.id].sort());
    const s2 = idsOf((await drainUntil(S2.token, undefined, has('contact', K2.id), 'K2')).items);
    assert.deepEqual([...s2].sort(), [C2.id, K2.id].sort());
    const m = idsOf((await drainUntil(M.token, undefined, has('contact', K1.id), 'K1')).items);
    assert.deepEqual([...m].sort(), [C1.id, K1.id].sort());
    const a = idsOf((await drainUntil(A.token, undefined, has('customer', C3.id), 'C3')).items);
    for (const id of [C1.id, K1.id, C2.id, K2.id, C3.id]) assert.ok(a.has(id), `assistant sees ${id}`);
  });

  test('a transfer away arrives as a delete; the new owner gets the customer with its contacts; and back', async () => {
    const s1 = await drain(S1.token);
    const s2 = await drain(S2.token);
    const m = await drain(M.token);
    const s1Copy = new Replica();
    s1Copy.apply(s1.items);
    assert.ok(s1Copy.map.has(`contact:${K1.id}`));

    await transfer(T.token, C1.id, S2.user.id);
    const away = await drainUntil(S1.token, s1.cursor, has('customer', C1.id, 'delete'), 'the delete of C1');
    assert.deepEqual(
      away.items.map(({ entity, id, op, data }) => ({ entity, id, op, data })),
      [{ entity: 'customer', id: C1.id, op: 'delete', data: null }],
    );
    s1Copy.apply(away.items);
    assert.equal(s1Copy.map.size, 0, "S1's copy no longer holds C1 nor its contact");
    const mAway = await drainUntil(M.token, m.cursor, has('customer', C1.id, 'delete'), 'the delete for the manager');
    assert.ok(mAway.items.every((x) => x.op === 'delete'));

    const gained = await drainUntil(S2.token, s2.cursor, has('contact', K1.id, 'upsert'), 'K1 for S2');
    const s2Copy = new Replica();
    s2Copy.apply(s2.items);
    s2Copy.apply(gained.items);
    assert.deepEqual(s2Copy.sorted(), await liveState(S2.token));
    assert.equal(s2Copy.map.get(`customer:${C1.id}`).owner_id, S2.user.id);

    // S2 now changes K1: nothing of it reaches S1 or M.
    const k1 = expectStatus(await api('GET', `/v1/contacts/${K1.id}`, { token: S2.token }), 200).body;
    await patch(S2.token, `/v1/contacts/${K1.id}`, k1, { title: 'Head of purchasing' });
    await drainUntil(S2.token, gained.cursor, has('contact', K1.id), "S2's change");
    assert.deepEqual((await drain(S1.token, away.cursor)).items, []);
    assert.deepEqual((await drain(M.token, mAway.cursor)).items, []);

    // And back to S1: the customer and its contact, as they are now.
    await transfer(T.token, C1.id, S1.user.id);
    const back = await drainUntil(S1.token, away.cursor, has('contact', K1.id, 'upsert'), 'K1 back for S1');
    s1Copy.apply(back.items);
    assert.deepEqual(s1Copy.sorted(), await liveState(S1.token));
    assert.equal(s1Copy.map.get(`contact:${K1.id}`).title, 'Head of purchasing');
    const s2Back = await drainUntil(S2.token, gained.cursor, has('customer', C1.id, 'delete'), 'the delete for S2');
    s2Copy.apply(s2Back.items);
    assert.deepEqual(s2Copy.sorted(), await liveState(S2.token));
  });
});

describe('change feed and contact records', () => {
  test('a contact record arrives with its customer brought up to date; a transfer carries it; a delete tombstones it', async () => {
    const T = await signup();
    const S1 = await addUser(T, 'sales');
    const S2 = await addUser(T, 'sales');
    const c = await newCustomer(S1.token, { location: { lat: 31.2304, lon: 121.4737 } });
    const s1 = await drainUntil(S1.token, undefined, has('customer', c.id), 'the customer');
    const s2 = await drain(S2.token);

    const created = await api('POST', `/v1/customers/${c.id}/contact-records`, {
      token: S1.token,
      body: {
        kind: 'visit',
        occurred_at: '2026-03-02T02:30:00Z',
        next_contact_at: '2026-03-09T02:30:00Z',
        location: { lat: 31.2305, lon: 121.4738, accuracy_m: 12 },
      },
    });
    const rec = expectStatus(created, 201, 'create contact record').body;
    const after = await drainUntil(S1.token, s1.cursor, has('contact_record', rec.id), 'the contact record');
    const byKey = new Map(after.items.map((x) => [`${x.entity}:${x.id}`, x]));
    const recItem = byKey.get(`contact_record:${rec.id}`);
    assert.equal(recItem.op, 'upsert');
    const stored = expectStatus(await api('GET', `/v1/contact-records/${rec.id}`, { token: S1.token }), 200).body;
    assert.deepEqual(recItem.data, stored, 'the record as GET returns it');
    const customerItem = byKey.get(`customer:${c.id}`);
    assert.ok(customerItem, 'the customer changed too (last and next contact)');
    assert.equal(customerItem.data.last_contact_at, '2026-03-02T02:30:00.000000Z');
    assert.equal(customerItem.data.next_contact_at, '2026-03-09T02:30:00.000000Z');

    await transfer(T.token, c.id, S2.user.id);
    const gained = await drainUntil(S2.token, s2.cursor, has('contact_record', rec.id), 'the record for the new owner');
    const s2Copy = new Replica();
    s2Copy.apply(gained.items);
    assert.deepEqual(s2Copy.map.get(`contact_record:${rec.id}`), recItem.data);
    const lost = await drainUntil(S1.token, after.cursor, has('customer', c.id, 'delete'), 'the delete for S1');
    assert.ok(lost.items.every((x) => x.op === 'delete' && x.entity === 'customer'));

    const current = expectStatus(await api('GET', `/v1/contact-records/${rec.id}`, { token: S2.token }), 200).body;
    await remove(S2.token, `/v1/contact-records/${rec.id}`, current);
    const gone = await drainUntil(S2.token, gained.cursor, has('contact_record', rec.id, 'delete'), 'the record tombstone');
    s2Copy.apply(gone.items);
    assert.ok(!s2Copy.map.has(`contact_record:${rec.id}`));
    assert.equal(s2Copy.map.get(`customer:${c.id}`).last_contact_at, null, 'the customer has no contact left');
    assert.deepEqual((await drain(S1.token, lost.cursor)).items, [], 'nothing of it reaches the previous owner');
  });
});

describe('change feed under concurrent writers', () => {
  let pool;

  before(() => {
    assert.ok(APP_DB, 'CRM_TEST_APP_DB must be set (the application role)');
    pool = new pg.Pool({ connectionString: APP_DB, max: 6 });
  });

  after(async () => {
    await pool?.end();
  });

  test('a reader paging during and after many out-of-order commits ends with exactly the database', async (t) => {
    const P = await signup();
    const S = await addUser(P, 'sales');
    const owners = [P.user.id, S.user.id];
    const token = P.token;
    const known = { customers: [], contacts: [] }; // ids written so far (some deleted since)
    const pick = (list) => list[randomInt(list.length)];
    const stats = { api: 0, long: 0, rolledBack: 0 };

    const ops = [
      [18, async () => {
        const c = await api('POST', '/v1/customers', { token, body: { name: customerName(), owner_id: pick(owners) } });
        expectStatus(c, 201, 'create customer');
        known.customers.push(c.body.id);
      }],
      [16, async () => {
        const id = pick(known.customers);
        const g = await api('GET', `/v1/customers/${id}`, { token });
        if (g.status === 404) return;
        const r = await api('PATCH', `/v1/customers/${id}`, {
          token,
          body: { notes: `note ${randomInt(1e9)}` },
          headers: ifMatch(expectStatus(g, 200).body),
        });
        expectStatus(r, [200, 404, 412], 'patch customer');
      }],
      [5, async () => {
        const id = pick(known.customers);
        const g = await api('GET', `/v1/customers/${id}`, { token });
        if (g.status === 404) return;
        const r = await api('DELETE', `/v1/customers/${id}`, { token, headers: ifMatch(expectStatus(g, 200).body) });
        expectStatus(r, [204, 404, 412], 'delete customer');
      }],
      [18, async () => {
        const r = await api('POST', `/v1/customers/${pick(known.customers)}/contacts`, {
          token,
          body: { name: `Person ${randomInt(1e9)}` },
        });
        expectStatus(r, [201, 404], 'create contact');
        if (r.status === 201) known.contacts.push(r.body.id);
      }],
      [14, async () => {
        if (!known.contacts.length) return;
        const id = pick(known.contacts);
        const g = await api('GET', `/v1/contacts/${id}`, { token });
        if (g.status === 404) return;
        const r = await api('PATCH', `/v1/contacts/${id}`, {
          token,
          body: { title: `Title ${randomInt(1e9)}` },
          headers: ifMatch(expectStatus(g, 200).body),
        });
        expectStatus(r, [200, 404, 412], 'patch contact');
      }],
      [7, async () => {
        if (!known.contacts.length) return;
        const id = pick(known.contacts);
        const g = await api('GET', `/v1/contacts/${id}`, { token });
        if (g.status === 404) return;
        const r = await api('DELETE', `/v1/contacts/${id}`, { token, headers: ifMatch(expectStatus(g, 200).body) });
        expectStatus(r, [204, 404, 412], 'delete contact');
      }],
      [8, async () => {
        const r = await api('POST', `/v1/customers/${pick(known.customers)}/transfer`, {
          token,
          body: { owner_id: pick(owners) },
        });
        expectStatus(r, [200, 404], 'transfer');
      }],
      // A long transaction straight on the database, as the application role:
      // its first write takes a low seq and xid, then it sleeps while others
      // commit, then it writes more and commits (or rolls back) out of order.
      [14, async () => {
        const db = await pool.connect();
        stats.long++;
        try {
          await db.query('BEGIN');
          await db.query("SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)", [
            P.tenant.id,
            P.user.id,
          ]);
          await db.query("SET LOCAL lock_timeout = '300ms'");
          const { rows } = await db.query(
            'INSERT INTO customers (tenant_id, name, owner_id) VALUES ($1, $2, $3) RETURNING id::text',
            [P.tenant.id, customerName(), pick(owners)],
          );
          await db.query('INSERT INTO contacts (tenant_id, customer_id, name) VALUES ($1, $2, $3)', [
            P.tenant.id,
            rows[0].id,
            `Person ${randomInt(1e9)}`,
          ]);
          await sleep(150 + randomInt(300));
          await db.query("UPDATE customers SET notes = 'touched late' WHERE tenant_id = $1 AND id = $2", [
            P.tenant.id,
            pick(known.customers),
          ]);
          if (randomInt(5) === 0) {
            await db.query('ROLLBACK');
            stats.rolledBack++;
          } else {
            await db.query('COMMIT');
            known.customers.push(rows[0].id);
          }
        } catch (err) {
          await db.query('ROLLBACK').catch(() => {});
          stats.rolledBack++;
          if (!/lock timeout/.test(err.message)) throw err;
        } finally {
          db.release();
        }
      }],
    ];
    const total = ops.reduce((n, [w]) => n + w, 0);
    const chooseOp = () => {
      let r = randomInt(total);
      for (const [w, fn] of ops) if ((r -= w) < 0) return fn;
      return ops[0][1];
    };

    // A few customers so that every kind of operation has something to work on.
    for (let i = 0; i < 4; i++) known.customers.push((await newCustomer(token, { owner_id: owners[i % 2] })).id);

    let writing = true;
    async function reader(readerToken) {
      const replica = new Replica();
      let cursor;
      let pagesWhileWriting = 0;
      let itemsWhileWriting = 0;
      while (writing) {
        const page = await feedPage(readerToken, cursor, 7);
        replica.apply(page.data);
        cursor = page.next_cursor;
        pagesWhileWriting++;
        itemsWhileWriting += page.data.length;
        if (page.data.length === 0) await sleep(5 + randomInt(10));
      }
      return { replica, cursor, pagesWhileWriting, itemsWhileWriting };
    }
    async function writer() {
      for (let i = 0; i < 40; i++) {
        await chooseOp()();
        stats.api++;
        await sleep(randomInt(15));
      }
    }

    const started = Date.now();
    const readers = [reader(token), reader(S.token)];
    try {
      await Promise.all(Array.from({ length: 8 }, writer));
    } finally {
      writing = false;
    }
    const [admin, sales] = await Promise.all(readers);
    assert.ok(stats.long >= 10, `long transactions ran (${stats.long})`);
    assert.ok(admin.itemsWhileWriting > 50, `the reader paged while writers wrote (${admin.itemsWhileWriting} items)`);

    // Drain: every change has been committed by now, so what the feed still
    // holds is bounded; a change it skipped would never come back.
    for (const [who, readerToken, state] of [
      ['admin', token, admin],
      ['salesperson', S.token, sales],
    ]) {
      const expected = await liveState(readerToken);
      const deadline = Date.now() + 5000;
      for (;;) {
        const rest = await drain(readerToken, state.cursor, 7);
        state.replica.apply(rest.items);
        state.cursor = rest.cursor;
        const got = state.replica.sorted();
        if (JSON.stringify(got) === JSON.stringify(expected) || Date.now() > deadline) {
          assert.deepEqual(got, expected, `the ${who}'s copy equals the database`);
          break;
        }
        await sleep(50);
      }
    }
    t.diagnostic(
      `${stats.api} operations, ${stats.long} long transactions (${stats.rolledBack} rolled back); ` +
        `admin reader: ${admin.pagesWhileWriting} pages, ${admin.itemsWhileWriting} items while writing; ` +
        `salesperson reader: ${sales.itemsWhileWriting} items while writing; ${Date.now() - started} ms`,
    );
    const entities = Object.keys(await liveState(token));
    assert.ok(entities.some((k) => k.startsWith('contact:')) && entities.length > 40, 'the run wrote a real data set');
    assert.ok(Date.now() - started < 30000, 'the run stays short');
  });
});

describe('change feed sends each entity at its latest change', () => {
  test('a device reading from the start gets every record once, even one page per item, and a transfer away still as a delete', async () => {
    const T = await signup();
    const S1 = await addUser(T, 'sales');
    const S2 = await addUser(T, 'sales');
    let c = await newCustomer(S1.token);
    const k = await newContact(S1.token, c.id);
    for (const region of ['North', 'South', 'East']) c = await patch(S1.token, `/v1/customers/${c.id}`, c, { region });
    for (let i = 0; i < 3; i++) {
      expectStatus(await api('POST', '/v1/contact-records', { token: S1.token, body: { customer_id: c.id, kind: 'call' } }), 201, 'record');
    }
    // Everything written is visible before the first read (each write has returned).
    const once = await drainUntil(S1.token, undefined, (items) => items.filter((x) => x.entity === 'contact_record').length === 3, 'the records');
    const counts = {};
    for (const x of (await drain(S1.token, undefined, 1)).items) counts[`${x.entity}:${x.id}`] = (counts[`${x.entity}:${x.id}`] ?? 0) + 1;
    assert.equal(counts[`customer:${c.id}`], 1, 'the customer once, at its latest change');
    assert.equal(counts[`contact:${k.id}`], 1);
    assert.equal(Object.values(counts).every((n) => n === 1), true, JSON.stringify(counts));
    const replica = new Replica();
    replica.apply(once.items);
    assert.deepEqual(replica.map.get(`customer:${c.id}`).region, 'East');

    // Taken away, then changed by the new owner: the first owner's device,
    // from the start or from its cursor, still learns of the delete.
    await transfer(T.token, c.id, S2.user.id);
    const now = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: S2.token }), 200).body;
    await patch(S2.token, `/v1/customers/${c.id}`, now, { region: 'West' });
    await drainUntil(S2.token, undefined, (items) => items.some((x) => x.id === c.id && x.data?.region === 'West'), "S2's change");
    const fromCursor = (await drain(S1.token, once.cursor, 1)).items.map(({ entity, id, op }) => ({ entity, id, op }));
    assert.deepEqual(fromCursor, [{ entity: 'customer', id: c.id, op: 'delete' }]);
    const fromStart = (await drain(S1.token, undefined, 1)).items.filter((x) => x.id === c.id).map((x) => x.op);
    assert.deepEqual(fromStart, ['delete']);
  });
});
