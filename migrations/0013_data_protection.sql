-- 0013_data_protection: names that cannot pass for others, and reads of
-- customers recorded whatever way they are read.

---------------------------------------------------------------------------
-- Names. The API refuses, in a name, line breaks, tabs and the characters that
-- show nothing or turn the text's direction (lib/validate.c, NOT_IN_NAMES):
-- with them "Acme" could be shown as another customer. Names stored before
-- that are cleaned once here, the same way: breaks and tabs become a space,
-- the invisible characters go. The changes are audited and reach devices
-- through the change feed like any other update.

CREATE FUNCTION name_cleaned(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce(nullif(btrim(regexp_replace(regexp_replace(name,
          '[\t\n\u000B\f\r\u0085\u2028\u2029]+', ' ', 'g'),
          '[\u0080-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F'
          '\u3164\uFEFF\uFFA0\uFFF9-\uFFFB\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E007F]', '', 'g')),
          ''), '?') $$;

DO $$
DECLARE
    t uuid;
    tbl text;
BEGIN
    FOR t IN SELECT id FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t::text, true);
        FOREACH tbl IN ARRAY ARRAY['customers', 'contacts', 'users', 'teams', 'products'] LOOP
            EXECUTE format('UPDATE %I SET name = name_cleaned(name) WHERE name <> name_cleaned(name)', tbl);
        END LOOP;
        UPDATE tenants SET name = name_cleaned(name) WHERE id = t AND name <> name_cleaned(name);
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
END
$$;

---------------------------------------------------------------------------
-- Reads of customers. Every read of a customer by someone other than its
-- owner is recorded: one entry per request, whichever way it was read — a
-- single customer names it in entity_id as before; a list, a search, the
-- duplicate finder, the change feed name every customer returned that the
-- reader does not own in entity_ids (entity_id is then null). Written by the
-- reading statement itself (lib: CRM_SQL_LOG_CUSTOMER_READS), so a read that
-- answered is a read that was recorded.

ALTER TABLE audit_log
    ALTER COLUMN entity_id DROP NOT NULL,
    ADD COLUMN entity_ids uuid[],
    ADD CONSTRAINT audit_log_names_what CHECK (
        (entity_id IS NOT NULL AND entity_ids IS NULL)
        OR (entity_id IS NULL AND action = 'read' AND cardinality(entity_ids) > 0));

CREATE OR REPLACE FUNCTION audit_json(a audit_log) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', a.id, 'at', rfc3339(a.at), 'actor_id', a.actor_id,
                               'entity', a.entity, 'entity_id', a.entity_id, 'entity_ids', a.entity_ids,
                               'action', a.action, 'changes', a.changes) $$;
