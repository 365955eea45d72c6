// registries_child.test.mjs: a new resource that hangs off a customer joins
// the change feed, the transfer's re-announcement, the merge, the audit trail
// and row-level security by the registry rows and trigger lines that
// migrations/0009_registries.sql describes — no SQL function copied, no C
// changed — and a new kind of agenda item by one function and one row. The
// test adds such a resource (notes) for its duration and removes it after.
// The spec does not know it, so the requests that show it skip the OpenAPI check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { api, signup, addUser, createCustomer, expectStatus, qs, sleep, uniq } from './lib/client.mjs';

const OWNER_DB = process.env.CRM_TEST_OWNER_DB;
const APP_DB = process.env.CRM_TEST_APP_DB;

// What a migration adding the resource would hold: its table and rendering,
// then the registration.
const ADD = `
CREATE TABLE registry_probe_notes (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL,
    owner_id    uuid NOT NULL,
    body        text NOT NULL,
    pinned      boolean NOT NULL DEFAULT false,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE FUNCTION registry_probe_note_json(n registry_probe_notes) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', n.id, 'customer_id', n.customer_id, 'owner_id', n.owner_id, 'body', n.body,
                               'pinned', n.pinned) $$;
GRANT SELECT, INSERT, UPDATE ON registry_probe_notes TO crm_app;

SELECT crm_tenant_table('registry_probe_notes');
INSERT INTO feed_entities (entity, relation, render)
    VALUES ('registry_probe_note', 'registry_probe_notes', 'registry_probe_note_json');
INSERT INTO customer_children (entity, position, owner_column, primary_column)
    VALUES ('registry_probe_note', 1000, 'owner_id', 'pinned');
CREATE TRIGGER registry_probe_notes_change AFTER INSERT OR UPDATE ON registry_probe_notes
    FOR EACH ROW EXECUTE FUNCTION change_child('registry_probe_note');
CREATE TRIGGER registry_probe_notes_audit AFTER INSERT OR UPDATE ON registry_probe_notes
    FOR EACH ROW EXECUTE FUNCTION audit_row();

CREATE FUNCTION registry_probe_agenda(p_tenant uuid, p_user uuid, p_day date, t tenants) RETURNS SETOF agenda_item
LANGUAGE sql STABLE
AS $$ SELECT 'pinned_note', to_char(p_day, 'YYYY-MM-DD'), c.id, c.name, NULL::uuid, NULL::text, n.body
        FROM registry_probe_notes n JOIN customers c ON c.tenant_id = n.tenant_id AND c.id = n.customer_id
       WHERE n.tenant_id = p_tenant AND c.owner_id = p_user AND n.pinned AND n.deleted_at IS NULL
         AND c.deleted_at IS NULL $$;
INSERT INTO agenda_kinds (kind, rank, source) VALUES ('pinned_note', 5, 'registry_probe_agenda');
`;

let owner, app, T, S1, S2, added = false;

before(async () => {
  assert.ok(OWNER_DB && APP_DB, 'CRM_TEST_OWNER_DB and CRM_TEST_APP_DB must be set');
  owner = new pg.Client({ connectionString: OWNER_DB });
  await owner.connect();
  app = new pg.Client({ connectionString: APP_DB });
  await app.connect();
  T = await signup();
  S1 = await addUser(T, 'sales');
  S2 = await addUser(T, 'sales');
  await owner.query(`BEGIN; ${ADD} COMMIT;`);
  added = true;
});

after(async () => {
  try {
    if (added) {
      await owner.query('ROLLBACK').catch(() => {});
      await owner.query("SELECT set_config('app.tenant_id', $1, false)", [T.tenant.id]);
      await owner.query(`BEGIN;
        DELETE FROM agenda_kinds WHERE kind = 'pinned_note';
        DROP FUNCTION registry_probe_agenda(uuid, uuid, date, tenants);
        DELETE FROM customer_children WHERE entity = 'registry_probe_note';
        DELETE FROM changes WHERE entity = 'registry_probe_note';
        DELETE FROM feed_entities WHERE entity = 'registry_probe_note';
        DELETE FROM audit_log WHERE entity = 'registry_probe_notes';
        DROP FUNCTION registry_probe_note_json(registry_probe_notes);
        DROP TABLE registry_probe_notes;
        COMMIT;`);
    }
  } finally {
    await owner?.end();
    await app?.end();
  }
});

/** A note written the way a resource module would: as the application, in the caller's tenant. */
async function addNote(who, customerId, body, pinned) {
  await app.query('BEGIN');
  try {
    await app.query("SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)", [
      T.tenant.id,
      who.user.id,
    ]);
    const { rows } = await app.query(
      'INSERT INTO registry_probe_notes (tenant_id, customer_id, owner_id, body, pinned) VALUES ($1, $2, $3, $4, $5)' +
        ' RETURNING id::text',
      [T.tenant.id, customerId, who.user.id, body, pinned],
    );
    await app.query('COMMIT');
    return rows[0].id;
  } catch (err) {
    await app.query('ROLLBACK');
    throw err;
  }
}

/** Every feed item of `token` from the start, once every write so far shows. */
async function feed(token, until) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const items = [];
    let cursor;
    for (;;) {
      const r = expectStatus(await api('GET', `/v1/changes${qs({ limit: 200, cursor })}`, { token, validate: false }), 200);
      items.push(...r.body.data);
      if (!r.body.data.length) break;
      cursor = r.body.next_cursor;
    }
    if (until(items)) return items;
    if (Date.now() > deadline) assert.fail(`the feed never showed what was expected: ${JSON.stringify(items)}`);
    await sleep(50);
  }
}

const noteItems = (items, id) => items.filter((x) => x.entity === 'registry_probe_note' && x.id === id);

test('a child registered by rows joins the feed, the transfer, the merge, the audit trail and isolation', async () => {
  const keep = await createCustomer(S1.token, { name: `Probe keeper ${uniq()}` });
  const dup = await createCustomer(S1.token, { name: `Probe duplicate ${uniq()}` });
  const kept = await addNote(S1, keep.id, 'Prefers calls after 10', true);
  const moved = await addNote(S1, dup.id, 'Asked for the 2031 catalogue', true);

  // The feed carries it, rendered by its own function, to whoever sees the customer.
  const s1 = await feed(S1.token, (items) => noteItems(items, moved).length > 0);
  assert.deepEqual(noteItems(s1, kept).at(-1).data, {
    id: kept, customer_id: keep.id, owner_id: S1.user.id, body: 'Prefers calls after 10', pinned: true,
  });
  assert.equal(noteItems(await feed(S2.token, () => true), kept).length, 0, 'not to a colleague');

  // A transfer re-announces it to the new owner.
  expectStatus(await api('POST', `/v1/customers/${keep.id}/transfer`, { token: T.token, body: { owner_id: S2.user.id } }), 200);
  const s2 = await feed(S2.token, (items) => noteItems(items, kept).length > 0);
  assert.equal(noteItems(s2, kept).at(-1).op, 'upsert');

  // A merge moves it; its owner follows the survivor's; the survivor keeps one pinned note.
  expectStatus(await api('POST', `/v1/customers/${keep.id}/merge`, { token: T.token, body: { duplicate_id: dup.id } }), 200);
  await owner.query("SELECT set_config('app.tenant_id', $1, false)", [T.tenant.id]);
  const { rows } = await owner.query(
    'SELECT id::text, customer_id::text, owner_id::text, pinned FROM registry_probe_notes WHERE tenant_id = $1 ORDER BY created_at',
    [T.tenant.id],
  );
  assert.deepEqual(rows, [
    { id: kept, customer_id: keep.id, owner_id: S1.user.id, pinned: true },
    { id: moved, customer_id: keep.id, owner_id: S2.user.id, pinned: false },
  ]);
  const after = await feed(S2.token, (items) => noteItems(items, moved).length > 0);
  assert.equal(noteItems(after, moved).at(-1).data.customer_id, keep.id, 'the moved note reaches the new owner');

  // Audited, and isolated from other tenants.
  const audit = expectStatus(await api('GET', `/v1/audit-log${qs({ entity: 'registry_probe_notes', entity_id: moved })}`,
    { token: T.token, validate: false }), 200).body.data;
  assert.deepEqual(audit.map((e) => e.action).sort(), ['create', 'update']);
  const { rows: rls } = await owner.query(
    "SELECT relrowsecurity AND relforcerowsecurity AS isolated FROM pg_class WHERE oid = 'registry_probe_notes'::regclass");
  assert.equal(rls[0].isolated, true);
  const U = await signup();
  await app.query('BEGIN');
  await app.query("SELECT set_config('app.tenant_id', $1, true)", [U.tenant.id]);
  const foreign = await app.query('SELECT count(*)::int AS n FROM registry_probe_notes');
  await app.query('COMMIT');
  assert.equal(foreign.rows[0].n, 0, "another tenant's session sees none of the notes");
});

test('a kind of agenda item registered by one row and one function is on the agenda, in its rank', async () => {
  const c = await createCustomer(S1.token, { name: `Probe agenda ${uniq()}`, status: 'dormant' });
  await addNote(S1, c.id, 'Bring the samples', true);
  const ag = expectStatus(await api('GET', '/v1/agenda', { token: S1.token, validate: false }), 200).body;
  const mine = ag.items.filter((i) => i.customer_id === c.id);
  assert.deepEqual(mine.map((i) => [i.kind, i.detail]), [
    ['pinned_note', 'Bring the samples'],
    ['dormant', 'never contacted'],
  ], 'the new kind first (rank 5), then the dormant customer');
});
