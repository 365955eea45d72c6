// registries_schema.test.mjs: what grows per resource grows by a registry
// row, and nothing can be forgotten silently. Read from the database's own
// catalogue: every tenant-owned table is isolated by row-level security; every
// table that references a customer is registered as its child (so a merge
// moves it and a transfer re-announces it) and has its change and audit
// triggers; the feed's entities, the agenda's kinds and the audited tables are
// exactly what openapi/openapi.yaml lists; and `crm-server migrate` refuses a
// database whose customer_visible() is not CRM_SQL_VISIBLE.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { getSpec } from './lib/spec.mjs';

const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
const SERVER = fileURLToPath(new URL('../../build-test/crm-server', import.meta.url));

let db;

before(async () => {
  assert.ok(OWNER_DB, 'CRM_TEST_OWNER_DB must be set');
  db = new pg.Client({ connectionString: OWNER_DB });
  await db.connect();
});

after(async () => {
  await db?.end();
});

const sorted = (xs) => [...xs].sort();

describe('the catalogue agrees with the registries', () => {
  test('every table with a tenant_id has forced row-level security and the tenant policy', async () => {
    const { rows } = await db.query(`
      SELECT c.relname, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             pg_get_expr(p.polqual, p.polrelid) AS qual, pg_get_expr(p.polwithcheck, p.polrelid) AS check
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = 'tenant_isolation'
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
       ORDER BY c.relname`);
    assert.ok(rows.length >= 18, `the tenant-owned tables: ${rows.map((r) => r.relname)}`);
    for (const r of rows) {
      assert.deepEqual(
        { enabled: r.enabled, forced: r.forced, qual: r.qual, check: r.check },
        { enabled: true, forced: true, qual: '(tenant_id = current_tenant())', check: '(tenant_id = current_tenant())' },
        `${r.relname}: SELECT crm_tenant_table('${r.relname}')`,
      );
    }
  });

  test('every table referencing customers is a registered child, with its change and audit triggers', async () => {
    const references = await db.query(`
      SELECT c.conrelid::regclass::text AS relation, a.attname::text AS column
        FROM pg_constraint c
        JOIN LATERAL unnest(c.conkey) k (attnum) ON true
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.contype = 'f' AND c.confrelid = 'customers'::regclass AND a.attname <> 'tenant_id'`);
    const children = await db.query(`
      SELECT f.entity, f.relation::text AS relation, f.customer_column::text AS column
        FROM customer_children ch JOIN feed_entities f ON f.entity = ch.entity`);
    const key = (r) => `${r.relation}.${r.column}`;
    assert.deepEqual(
      sorted(references.rows.map(key)),
      sorted(children.rows.map(key)),
      'INSERT INTO feed_entities / customer_children for every table that references customers',
    );
    assert.ok(children.rows.length >= 5);

    for (const { entity, relation } of children.rows) {
      const { rows } = await db.query(
        'SELECT pg_get_triggerdef(t.oid) AS def FROM pg_trigger t WHERE t.tgrelid = $1::regclass AND NOT t.tgisinternal',
        [relation],
      );
      const defs = rows.map((r) => r.def);
      assert.ok(
        defs.some((d) => /AFTER INSERT OR UPDATE ON \S+ FOR EACH ROW EXECUTE FUNCTION change_child\('(\w+)'\)/.exec(d)?.[1] === entity),
        `${relation} has CREATE TRIGGER ... EXECUTE FUNCTION change_child('${entity}'): ${defs.join('; ')}`,
      );
      assert.ok(defs.some((d) => /EXECUTE FUNCTION audit_row\(/.test(d)), `${relation} is audited: ${defs.join('; ')}`);
    }
  });

  test("the feed's entities, the agenda's kinds and the audited tables are the spec's", async () => {
    const spec = getSpec();
    const schemas = spec.components.schemas;
    const feed = (await db.query('SELECT entity FROM feed_entities')).rows.map((r) => r.entity);
    assert.deepEqual(sorted(feed), sorted(schemas.Change.properties.entity.enum), 'Change.entity lists feed_entities');

    const kinds = (await db.query('SELECT kind FROM agenda_kinds ORDER BY rank')).rows.map((r) => r.kind);
    assert.deepEqual(sorted(kinds), sorted(schemas.AgendaItemKind.enum), 'AgendaItemKind lists agenda_kinds');

    const audited = (await db.query(`
      SELECT DISTINCT t.tgrelid::regclass::text AS relation FROM pg_trigger t
       WHERE t.tgfoid = 'audit_row'::regproc AND NOT t.tgisinternal`)).rows.map((r) => r.relation);
    assert.deepEqual(sorted(audited), sorted(schemas.AuditEntity.enum), 'AuditEntity lists the tables audit_row() records');
  });
});

/** Run `crm-server migrate` against the test database: { code, stdout, stderr }. */
function migrate() {
  return new Promise((resolve) => {
    execFile(SERVER, ['migrate'], { env: { ...process.env, CRM_MIGRATE_URL: OWNER_DB } }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('customer_visible() and CRM_SQL_VISIBLE', () => {
  test('migrate passes on the migrated database and refuses one whose customer_visible() drifted', async () => {
    const ok = await migrate();
    assert.equal(ok.code, 0, `migrate on a current database: ${ok.stderr}`);
    assert.match(ok.stdout, /database is current \(0 migrations applied now\)/);

    const { rows } = await db.query(
      "SELECT pg_get_functiondef('customer_visible(uuid, uuid, text)'::regprocedure) AS def",
    );
    const original = rows[0].def;
    try {
      // The rule as the C code had it before the service role could see every customer.
      await db.query(`CREATE OR REPLACE FUNCTION customer_visible(p_owner uuid, p_user uuid, p_role text) RETURNS boolean
        LANGUAGE sql STABLE AS $$ SELECT (p_role IN ('admin', 'assistant', 'finance') OR p_owner = p_user) $$`);
      const refused = await migrate();
      assert.notEqual(refused.code, 0, 'migrate fails');
      assert.match(refused.stderr, /customer_visible\(uuid, uuid, text\) in the database is not CRM_SQL_VISIBLE/);
    } finally {
      await db.query(original);
    }
    const again = await migrate();
    assert.equal(again.code, 0, `migrate after the function is restored: ${again.stderr}`);
  });
});
