// rls.test.mjs: PostgreSQL row-level security is the second wall between
// tenants. Connected as the application role, a query that forgets the tenant
// filter must still see only the tenant set in app.tenant_id — or nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { api, signup, createCustomer, listAll, expectStatus, ids, uniq } from './lib/client.mjs';

const APP_DB = process.env.CRM_TEST_APP_DB;
const OWNER_DB = process.env.CRM_TEST_OWNER_DB;

let A, B; // two tenants
let aIds, bIds; // their customers' ids
const clients = [];

async function connect(url) {
  assert.ok(url, 'CRM_TEST_APP_DB / CRM_TEST_OWNER_DB must be set');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
}

before(async () => {
  A = await signup();
  B = await signup();
  aIds = [];
  bIds = [];
  for (let i = 0; i < 3; i++) aIds.push((await createCustomer(A.token, { name: `RLS A ${i} ${uniq()}` })).id);
  for (let i = 0; i < 2; i++) bIds.push((await createCustomer(B.token, { name: `RLS B ${i} ${uniq()}` })).id);
});

after(async () => {
  for (const c of clients) await c.end().catch(() => {});
});

describe('row-level security as crm_app', () => {
  test('with app.tenant_id set to A, an unfiltered SELECT returns only A rows', async () => {
    const db = await connect(APP_DB);
    await db.query("SELECT set_config('app.tenant_id', $1, false)", [A.tenant.id]);
    const { rows } = await db.query('SELECT id::text AS id, tenant_id::text AS tenant_id FROM customers');
    assert.ok(rows.length >= aIds.length);
    assert.ok(rows.every((r) => r.tenant_id === A.tenant.id), 'only tenant A rows');
    const seen = new Set(rows.map((r) => r.id));
    for (const id of aIds) assert.ok(seen.has(id), `A's customer ${id} visible`);
    for (const id of bIds) assert.ok(!seen.has(id), `B's customer ${id} hidden`);

    // Even naming B explicitly finds nothing.
    const explicit = await db.query('SELECT count(*)::int AS n FROM customers WHERE tenant_id = $1', [B.tenant.id]);
    assert.equal(explicit.rows[0].n, 0);
    // And B's rows cannot be changed from A's session.
    const upd = await db.query('UPDATE customers SET name = name WHERE tenant_id = $1', [B.tenant.id]);
    assert.equal(upd.rowCount, 0);
  });

  test('switching app.tenant_id to B shows B rows (so B has rows) and not A rows', async () => {
    const db = await connect(APP_DB);
    await db.query("SELECT set_config('app.tenant_id', $1, false)", [B.tenant.id]);
    const { rows } = await db.query('SELECT id::text AS id, tenant_id::text AS tenant_id FROM customers');
    const seen = new Set(rows.map((r) => r.id));
    for (const id of bIds) assert.ok(seen.has(id));
    for (const id of aIds) assert.ok(!seen.has(id));
    assert.ok(rows.every((r) => r.tenant_id === B.tenant.id));
  });

  test('with no tenant set, every tenant table returns zero rows', async () => {
    const db = await connect(APP_DB);
    const { rows: n } = await db.query('SELECT count(*)::int AS n FROM customers');
    assert.equal(n[0].n, 0, 'customers without app.tenant_id');
    const { rows: tables } = await db.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
        WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'p')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
          AND has_table_privilege(c.oid, 'SELECT')`,
    );
    assert.ok(tables.length > 1, 'several tenant tables readable by crm_app');
    for (const { relname } of tables) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(relname)}`);
      assert.equal(rows[0].n, 0, `${relname} without app.tenant_id`);
    }
  });

  test('crm_app is no superuser, cannot bypass RLS, owns no tables and is not a member of the owner role', async () => {
    const db = await connect(APP_DB);
    const { rows } = await db.query(
      "SELECT current_user AS me, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
    );
    assert.equal(rows[0].me, 'crm_app', 'CRM_TEST_APP_DB connects as crm_app');
    assert.equal(rows[0].rolsuper, false);
    assert.equal(rows[0].rolbypassrls, false);
    const owned = await db.query("SELECT count(*)::int AS n FROM pg_class c WHERE c.relowner = 'crm_app'::regrole");
    assert.equal(owned.rows[0].n, 0, 'crm_app owns no relations');
    const member = await db.query("SELECT pg_has_role('crm_app', 'crm_owner', 'MEMBER') AS m");
    assert.equal(member.rows[0].m, false, 'crm_app cannot SET ROLE crm_owner');
  });

  test('every table with a tenant_id has row-level security enabled and forced', async () => {
    const db = await connect(OWNER_DB);
    const { rows } = await db.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
              (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
         FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
        WHERE ns.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p')
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`,
    );
    assert.ok(rows.some((r) => r.relname === 'customers'));
    for (const r of rows) {
      assert.ok(r.relrowsecurity, `${r.relname}: ENABLE ROW LEVEL SECURITY`);
      assert.ok(r.relforcerowsecurity, `${r.relname}: FORCE ROW LEVEL SECURITY`);
      assert.ok(r.policies > 0, `${r.relname}: has a policy`);
    }
  });
});

describe('per-request database session state', () => {
  // The server keeps one connection per worker and sets app.tenant_id per
  // caller. Sequential requests from this process reuse one keep-alive socket,
  // so they land on the same worker and the same connection: whatever one
  // request leaves behind, the next one sees.
  test("requests of other tenants (and sign-ups) in between never change what a tenant sees or may write", async () => {
    const expected = new Set(aIds);
    const check = async (what) => {
      const seen = new Set(ids(await listAll('/v1/customers', A.token)));
      assert.deepEqual(seen, expected, `tenant A's customers after ${what}`);
      const me = expectStatus(await api('GET', '/v1/me', { token: A.token }), 200, `tenant A's GET /v1/me after ${what}`);
      assert.equal(me.body.tenant.id, A.tenant.id);
    };
    await check('its own requests');
    const C = await signup();
    await check('another organization signed up');
    await createCustomer(C.token, { name: `Between ${uniq()}` });
    await check("another tenant's write");
    expectStatus(await api('POST', '/v1/users', { token: C.token, body: { email: 'x', name: 'x', role: 'sales', password: 'short' } }), 422);
    await check("another tenant's failed write");
    const made = await createCustomer(A.token, { name: `After ${uniq()}` });
    expected.add(made.id);
    await check('its own write');
    await signup();
    const again = await createCustomer(A.token, { name: `After signup ${uniq()}` });
    expected.add(again.id);
    await check('a write right after a sign-up');
  });
});
