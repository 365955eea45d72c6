-- 0009_registries: registries instead of redefinitions, so that what grows
-- per resource grows by a row or an argument, not by a copied function.
--
-- customer_visible() becomes part of the checksummed schema (`crm-server
-- migrate` checks its body against CRM_SQL_VISIBLE).
--
-- crm_tenant_table() is the row-level security of every later table, and one
-- audit_row(<what to leave out>) records every table; with it the tenant's
-- settings, the lines of quotations, contracts and shipments and the
-- installments are audited.

---------------------------------------------------------------------------
-- Who sees a customer, for the plpgsql functions (the reads inline the same
-- text, CRM_SQL_VISIBLE in lib/include/crm/resource.h). Until now `crm-server
-- migrate` installed it outside the migrations; from here on it is defined
-- by migrations, and migrate refuses a database whose body differs from the
-- macro's (whitespace aside). Changing the macro takes a migration that
-- redefines this function with the new text.

CREATE OR REPLACE FUNCTION customer_visible(p_owner uuid, p_user uuid, p_role text) RETURNS boolean
LANGUAGE sql STABLE
AS $$ SELECT (p_role IN ('admin', 'assistant', 'finance', 'service') OR p_owner = p_user
       OR (p_role = 'manager' AND EXISTS (SELECT 1 FROM users vu JOIN teams vt
           ON vt.tenant_id = vu.tenant_id AND vt.id = vu.team_id WHERE vu.tenant_id = current_tenant()
           AND vu.id = p_owner AND vt.leader_id = p_user AND vt.deleted_at IS NULL))) $$;

---------------------------------------------------------------------------
-- Row-level security of a tenant-owned table (one whose tenant_id is the
-- first column of its key): enabled, forced on the owner too, and the
-- tenant_isolation policy. Idempotent. Every tenant-owned table of a later
-- migration gets it; those of 0001-0008 have exactly this already (the DO
-- blocks there), which tests/api/registries_schema.test.mjs checks for every
-- table with a tenant_id.

CREATE FUNCTION crm_tenant_table(t regclass) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t AND p.polname = 'tenant_isolation') THEN
        EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = current_tenant())'
                       ' WITH CHECK (tenant_id = current_tenant())', t);
    END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION crm_tenant_table(regclass) FROM PUBLIC;

---------------------------------------------------------------------------
-- The audit trail: one trigger function for every table. Its arguments say
-- how to read the row, each one of:
--   'column'            a column the trail leaves out (one that repeats
--                       another, like a generated column);
--   'secret=column'     a column whose value never enters the trail; a change
--                       of it shows as {"old": null, "new": "changed"} under
--                       its name less a trailing _hash (password_hash → password);
--   'entity_id=column'  the column holding the id the entry is about, when it
--                       is not `id` (a line is recorded under its document);
--   'key=column'        a column an update entry shows even when unchanged
--                       (which line of the document it was);
--   'tenant_id=column'  the column holding the tenant, when it is not tenant_id.
-- The tenant, version, created_at and updated_at are never repeated. An
-- insert is a 'create' with every value, an update a 'update' with what
-- changed (none: no entry), setting deleted_at or a DELETE a 'delete'.

CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    tenant_column text := 'tenant_id';
    id_column text := 'id';
    left_out text[] := ARRAY['version', 'created_at', 'updated_at'];
    keys text[] := '{}';
    secrets text[] := '{}';
    arg text;
    col text;
    action text := 'update';
    diff jsonb;
BEGIN
    FOR i IN 0 .. TG_NARGS - 1 LOOP
        arg := TG_ARGV[i];
        IF arg LIKE 'secret=%' THEN
            secrets := secrets || substr(arg, 8);
        ELSIF arg LIKE 'entity_id=%' THEN
            id_column := substr(arg, 11);
        ELSIF arg LIKE 'key=%' THEN
            keys := keys || substr(arg, 5);
        ELSIF arg LIKE 'tenant_id=%' THEN
            tenant_column := substr(arg, 11);
        ELSE
            left_out := left_out || arg;
        END IF;
    END LOOP;
    IF TG_OP = 'INSERT' THEN
        action := 'create';
    ELSIF TG_OP = 'DELETE' OR (old_row ->> 'deleted_at' IS NULL AND new_row ->> 'deleted_at' IS NOT NULL) THEN
        action := 'delete';
    END IF;
    SELECT jsonb_object_agg(e.key, jsonb_build_object('old', old_row -> e.key, 'new', new_row -> e.key))
      INTO diff
      FROM jsonb_each(coalesce(new_row, old_row) - tenant_column - left_out - secrets) e
     WHERE TG_OP <> 'UPDATE' OR old_row -> e.key IS DISTINCT FROM new_row -> e.key;
    IF TG_OP = 'UPDATE' THEN
        FOREACH col IN ARRAY secrets LOOP
            IF old_row ->> col IS DISTINCT FROM new_row ->> col THEN
                diff := coalesce(diff, '{}')
                        || jsonb_build_object(regexp_replace(col, '_hash$', ''),
                                              jsonb_build_object('old', NULL, 'new', 'changed'));
            END IF;
        END LOOP;
        IF diff IS NULL THEN
            RETURN NULL;
        END IF;
        FOREACH col IN ARRAY keys LOOP
            diff := jsonb_build_object(col, jsonb_build_object('old', old_row -> col, 'new', new_row -> col)) || diff;
        END LOOP;
    END IF;
    INSERT INTO audit_log (tenant_id, actor_id, entity, entity_id, action, changes)
    VALUES ((coalesce(new_row, old_row) ->> tenant_column)::uuid, current_actor(), TG_TABLE_NAME,
            (coalesce(new_row, old_row) ->> id_column)::uuid, action, diff);
    RETURN NULL;
END
$$;

-- The two tables whose exclusions the earlier audit_row hard-coded.
CREATE OR REPLACE TRIGGER users_audit AFTER INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION audit_row('secret=password_hash');
CREATE OR REPLACE TRIGGER customers_audit AFTER INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION audit_row('name_norm', 'phone_norm', 'email_norm');

-- What was not audited. The settings of the organization: only changed, by
-- its admins (a tenant is created before anyone acts in it, by sign-up or the
-- command line, and the row-level security of audit_log needs the tenant set).
-- Lines and payment plans are replaced as a whole (DELETE + INSERT) while
-- their document is a draft, so their deletes are recorded too; a line without
-- an id of its own is recorded under its document's id.
CREATE TRIGGER tenants_audit AFTER UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION audit_row('tenant_id=id');
CREATE TRIGGER quotation_lines_audit AFTER INSERT OR UPDATE OR DELETE ON quotation_lines
    FOR EACH ROW EXECUTE FUNCTION audit_row('entity_id=quotation_id', 'key=line_no');
CREATE OR REPLACE TRIGGER contract_lines_audit AFTER INSERT OR UPDATE OR DELETE ON contract_lines
    FOR EACH ROW EXECUTE FUNCTION audit_row('key=line_no');
CREATE TRIGGER installments_audit AFTER INSERT OR UPDATE OR DELETE ON installments
    FOR EACH ROW EXECUTE FUNCTION audit_row('entity_id=contract_id', 'key=seq');
CREATE TRIGGER shipment_lines_audit AFTER INSERT OR UPDATE OR DELETE ON shipment_lines
    FOR EACH ROW EXECUTE FUNCTION audit_row('entity_id=shipment_id', 'key=contract_line_id');
