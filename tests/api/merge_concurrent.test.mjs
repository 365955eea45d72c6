// merge_concurrent.test.mjs: two merges of one pair in opposite directions
// at the same time, merge(A←B) and merge(B←A), must not both win. Exactly one
// customer of the pair survives, the other is tombstoned and merged into the
// survivor (never into a tombstone), and nothing hangs off the tombstone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import pg from 'pg';
import { api, BASE, signup, createCustomer, expectStatus, uniq } from './lib/client.mjs';

const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
const ROUNDS = 20;

let T, db;

before(async () => {
  assert.ok(OWNER_DB, 'CRM_TEST_OWNER_DB must be set');
  T = await signup();
  db = new pg.Client({ connectionString: OWNER_DB });
  await db.connect();
  // The owner is subject to row-level security too (FORCE): look at T's rows.
  await db.query("SELECT set_config('app.tenant_id', $1, false)", [T.tenant.id]);
});

after(async () => {
  await db?.end();
});

const merge = (survivorId, duplicateId) =>
  api('POST', `/v1/customers/${survivorId}/merge`, { token: T.token, body: { duplicate_id: duplicateId } });

/** The merge on a connection of its own: a kept-alive one may belong to the
 * server thread that is blocked in the merge held up half-way, and would wait
 * there instead of in the database. Answers { status, text }. */
function mergeOnNewConnection(survivorId, duplicateId) {
  const body = JSON.stringify({ duplicate_id: duplicateId });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${BASE}/v1/customers/${survivorId}/merge`,
      {
        method: 'POST',
        agent: false,
        headers: { Authorization: `Bearer ${T.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** How many lock requests are waiting in the cluster. */
const waiting = async () => (await db.query('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted')).rows[0].n;

/** Poll `done` until it holds, failing after 5 s with `what`. */
async function until(done, what) {
  const deadline = Date.now() + 5000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A customer with a contact person and a contact record, as a real duplicate has. */
async function customerWithChildren(label) {
  const c = await createCustomer(T.token, { name: `Race ${label} ${uniq()}` });
  expectStatus(await api('POST', `/v1/customers/${c.id}/contacts`, { token: T.token, body: { name: `Person ${label}` } }), 201);
  const rec = await api('POST', '/v1/contact-records', {
    token: T.token,
    body: { customer_id: c.id, kind: 'call', direction: 'outbound', occurred_at: new Date().toISOString() },
  });
  expectStatus(rec, 201, 'record a contact');
  return c;
}

/** Every (table, column) whose foreign key points at a customer: what could hang off one. */
async function customerReferences() {
  const { rows } = await db.query(`
    SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
      FROM pg_constraint c
      JOIN LATERAL unnest(c.conkey) k (attnum) ON true
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
     WHERE c.contype = 'f' AND c.confrelid = 'customers'::regclass AND a.attname <> 'tenant_id'`);
  return rows;
}

test(`${ROUNDS} rounds of merge(A←B) and merge(B←A) at once leave one survivor per pair`, async () => {
  const references = await customerReferences();
  assert.ok(references.some((r) => r.tbl === 'contacts'), `contacts reference customers: ${JSON.stringify(references)}`);
  const pairs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await customerWithChildren('A');
    const b = await customerWithChildren('B');
    const [ab, ba] = await Promise.all([merge(a.id, b.id), merge(b.id, a.id)]);
    pairs.push({ a, b, statuses: [ab.status, ba.status] });
    const winner = ab.status === 200 ? ab : ba;
    assert.deepEqual(
      [ab.status, ba.status].sort(),
      [200, 404],
      `round ${round}: one merge wins, the other finds its survivor merged away: ${ab.text.slice(0, 300)} | ${ba.text.slice(0, 300)}`,
    );
    const loser = winner === ab ? ba : ab;
    assert.equal(loser.headers.get('content-type')?.split(';')[0], 'application/problem+json');
  }

  for (const [round, { a, b }] of pairs.entries()) {
    const { rows } = await db.query(
      'SELECT id::text, deleted_at IS NOT NULL AS gone, merged_into::text FROM customers WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id',
      [T.tenant.id, [a.id, b.id]],
    );
    const live = rows.filter((r) => !r.gone);
    assert.equal(live.length, 1, `round ${round}: exactly one of the pair survives: ${JSON.stringify(rows)}`);
    const tombstone = rows.find((r) => r.gone);
    assert.equal(tombstone.merged_into, live[0].id, `round ${round}: the tombstone is merged into the survivor`);

    for (const { tbl, col } of references) {
      const hanging = await db.query(
        `SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(tbl)} x WHERE x.tenant_id = $1 AND x.${pg.escapeIdentifier(col)} = $2`,
        [T.tenant.id, tombstone.id],
      );
      assert.equal(hanging.rows[0].n, 0, `round ${round}: no ${tbl} row hangs off the tombstone`);
    }
    const moved = await db.query(
      'SELECT (SELECT count(*) FROM contacts WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL)::int AS contacts,' +
        ' (SELECT count(*) FROM contact_records WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL)::int AS records',
      [T.tenant.id, live[0].id],
    );
    assert.deepEqual(moved.rows[0], { contacts: 2, records: 2 }, `round ${round}: the survivor holds both customers' children`);
  }

  // No tombstone of this tenant is merged into another tombstone.
  const chained = await db.query(
    'SELECT count(*)::int AS n FROM customers d JOIN customers s ON s.tenant_id = d.tenant_id AND s.id = d.merged_into' +
      ' WHERE d.tenant_id = $1 AND s.deleted_at IS NOT NULL',
    [T.tenant.id],
  );
  assert.equal(chained.rows[0].n, 0, 'no customer is merged into a tombstone');
});

test('a merge held up half-way is not overtaken by the opposite merge', async () => {
  const a = await customerWithChildren('A');
  const b = await customerWithChildren('B');

  // Hold A's contact person, so that merge(B←A) stops where it moves A's children.
  const blocker = new pg.Client({ connectionString: OWNER_DB });
  await blocker.connect();
  let first, second;
  let secondDone = false;
  try {
    await blocker.query('BEGIN');
    await blocker.query("SELECT set_config('app.tenant_id', $1, true)", [T.tenant.id]);
    const held = await blocker.query('SELECT id FROM contacts WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE', [
      T.tenant.id,
      a.id,
    ]);
    assert.equal(held.rowCount, 1);
    first = merge(b.id, a.id);
    await until(async () => (await waiting()) >= 1, 'merge(B←A) to wait for the held contact person');
    // The opposite merge meanwhile: it must wait for the first, not finish past it.
    second = mergeOnNewConnection(a.id, b.id).finally(() => {
      secondDone = true;
    });
    await until(async () => secondDone || (await waiting()) >= 2, 'merge(A←B) to finish or to wait');
  } finally {
    await blocker.query('ROLLBACK').catch(() => {});
    await blocker.end();
  }
  const [r1, r2] = await Promise.all([first, second]);
  assert.deepEqual([r1.status, r2.status], [200, 404], `merge(B←A) wins, merge(A←B) finds A merged away: ${r2.text.slice(0, 300)}`);
  const { rows } = await db.query(
    'SELECT id::text, deleted_at IS NOT NULL AS gone, merged_into::text FROM customers WHERE tenant_id = $1 AND id = ANY($2)',
    [T.tenant.id, [a.id, b.id]],
  );
  const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
  assert.deepEqual(byId[b.id], { id: b.id, gone: false, merged_into: null }, 'B survives');
  assert.deepEqual(byId[a.id], { id: a.id, gone: true, merged_into: b.id }, 'A is merged into B');
  const moved = await db.query(
    'SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL',
    [T.tenant.id, b.id],
  );
  assert.equal(moved.rows[0].n, 2, "B holds both customers' contact persons");
});

test('a child written while its customer is being merged away is refused, never left on the tombstone', async () => {
  const a = await customerWithChildren('A');
  const b = await customerWithChildren('B');
  // Hold B's contact person, so that merge(A←B) stops half-way, both customers locked.
  const blocker = new pg.Client({ connectionString: OWNER_DB });
  await blocker.connect();
  let merging, writes;
  try {
    await blocker.query('BEGIN');
    await blocker.query("SELECT set_config('app.tenant_id', $1, true)", [T.tenant.id]);
    await blocker.query('SELECT id FROM contacts WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE', [T.tenant.id, b.id]);
    merging = merge(a.id, b.id);
    await until(async () => (await waiting()) >= 1, 'the merge to wait for the held contact person');
    writes = Promise.all([
      api('POST', '/v1/contact-records', {
        token: T.token,
        body: { customer_id: b.id, kind: 'visit', direction: 'outbound', occurred_at: new Date().toISOString() },
      }),
      api('POST', `/v1/customers/${b.id}/contacts`, { token: T.token, body: { name: 'Late Person' } }),
      api('POST', '/v1/quotations', {
        token: T.token,
        body: { customer_id: b.id, lines: [{ description: 'Late item', quantity: '1', unit_price: '1.00' }] },
      }),
    ]);
    // At least one write must be caught waiting on the merge's locks; a write
    // that reaches the database only after the merge is refused all the same.
    await until(async () => (await waiting()) >= 2, 'a write to wait for the merge');
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await blocker.query('ROLLBACK').catch(() => {});
    await blocker.end();
  }
  expectStatus(await merging, 200, 'merge');
  for (const r of await writes) expectStatus(r, 404, 'a write on the customer merged away');
  for (const { tbl, col } of await customerReferences()) {
    const hanging = await db.query(
      `SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(tbl)} x WHERE x.tenant_id = $1 AND x.${pg.escapeIdentifier(col)} = $2`,
      [T.tenant.id, b.id],
    );
    assert.equal(hanging.rows[0].n, 0, `no ${tbl} row hangs off the tombstone`);
  }
});
