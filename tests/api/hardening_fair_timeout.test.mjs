// hardening_fair_timeout.test.mjs: a statement that runs into the database's
// statement_timeout (SQLSTATE 57014) reaches the client as 503 with
// Retry-After — the request did nothing and may be tried again — never as 500
// "internal", and the server logs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { api, signup, createCustomer, expectProblem, expectStatus, ifMatch } from './lib/client.mjs';
import { ServerLog } from './lib/serverlog.mjs';

const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
const SERVER_LOG = process.env.CRM_TEST_SERVER_LOG;

let T, owner;

before(async () => {
  assert.ok(OWNER_DB && SERVER_LOG, 'CRM_TEST_OWNER_DB and CRM_TEST_SERVER_LOG must be set (scripts/test.sh sets them)');
  T = await signup();
  owner = new pg.Client({ connectionString: OWNER_DB });
  await owner.connect();
});

after(async () => {
  await owner?.end();
});

test('a write held up past the statement timeout: 503 with Retry-After, logged, the row unchanged', { timeout: 60000 }, async () => {
  const c = await createCustomer(T.token, { name: 'Held Up Trading' });
  const log = new ServerLog(SERVER_LOG);
  await owner.query('BEGIN');
  try {
    await owner.query("SELECT set_config('app.tenant_id', $1, true)", [T.tenant.id]);
    await owner.query('SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [T.tenant.id, c.id]);
    // The row lock holds the update until the role's statement_timeout (5 s) cancels it.
    const r = await api('PATCH', `/v1/customers/${c.id}`, { token: T.token, body: { name: 'Changed' }, headers: ifMatch(c) });
    expectProblem(r, 503);
    assert.match(r.headers.get('retry-after') ?? '', /^\d+$/, 'Retry-After in seconds');
    assert.doesNotMatch(r.text, /statement|timeout|SQLSTATE|postgres/i, `no database internals: ${r.text}`);
  } finally {
    await owner.query('ROLLBACK');
  }
  await new Promise((res) => setTimeout(res, 200)); // the log line is written after the answer
  const lines = log.readNew().filter((l) => l.includes('"sqlstate":"57014"'));
  assert.equal(lines.length, 1, 'the timeout is logged once, with its SQLSTATE');
  assert.match(lines[0], /"level":"error"/);
  const now = expectStatus(await api('GET', `/v1/customers/${c.id}`, { token: T.token }), 200);
  assert.equal(now.body.name, 'Held Up Trading', 'nothing changed');
  assert.equal(now.body.version, c.version);
});
