-- 0009_registries: registries instead of redefinitions. What used to grow by a
-- copied function per resource (change_customer in 0003/0005/0007, the changes
-- entity CHECK, agenda_items in 0004/0006, audit_row in 0001/0004, the RLS
-- block of every migration, a MOVE statement per child in lib/duplicate.c, a
-- join and a render branch in lib/changes.c) now grows by a row:
--
--   feed_entities       what the change feed carries: its entity name (which
--                       changes.entity references), table, the column naming
--                       the customer whose visibility governs it, and the
--                       function that renders a row as the API does.
--   customer_children   what hangs off a customer: a transfer re-announces it
--                       in the feed, a merge moves it to the survivor (and
--                       what else the merge does to it).
--   agenda_kinds        the kinds of agenda items, their order, and the
--                       function that yields them.
--
-- plus three functions every later table uses: crm_tenant_table() (row-level
-- security), audit_row(<what to leave out>) and change_child('<entity>').
--
-- Adding a resource `things` that hangs off a customer is then, in SQL:
--
--   SELECT crm_tenant_table('things');
--   INSERT INTO feed_entities (entity, relation, render) VALUES ('thing', 'things', 'thing_json');
--   INSERT INTO customer_children (entity, position) VALUES ('thing', 60);
--   CREATE TRIGGER things_change AFTER INSERT OR UPDATE ON things
--       FOR EACH ROW EXECUTE FUNCTION change_child('thing');
--   CREATE TRIGGER things_audit AFTER INSERT OR UPDATE ON things
--       FOR EACH ROW EXECUTE FUNCTION audit_row();
--
-- where `things` has tenant_id, id (primary key (tenant_id, id)), customer_id
-- (a foreign key to customers), created_at and deleted_at, and
-- thing_json(things) returns its JSON. Nothing in lib/changes.c,
-- lib/duplicate.c or an earlier function changes; openapi.yaml names 'thing'
-- in Change.entity and 'things' in AuditEntity. tests/api/registries_schema
-- checks that every table referencing customers is registered this way, and
-- tests/api/registries_child does it for a table of its own.
--
-- Also here: customer_visible() becomes part of the checksummed schema
-- (`crm-server migrate` checks its body against CRM_SQL_VISIBLE), the merge
-- locks both customers, the tenant's settings and the lines of quotations,
-- contracts and shipments and the installments are audited, and "dormant" has
-- one definition for the agenda and the sweep.

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

---------------------------------------------------------------------------
-- The change feed's entities. changes.entity references this table instead
-- of a CHECK listing them. feed_rows, the union of every entity's rows in one
-- shape (entity, tenant_id, id, customer_id, deleted_at, doc), is what
-- lib/changes.c reads; it is defined anew from this table whenever the table
-- changes. An entity's table has tenant_id, id (with the primary key
-- (tenant_id, id)) and deleted_at; customer_column names the customer whose
-- visibility governs the row; render(row) → json is the API's rendering, or
-- render(row, customer) when there is such a form (the feed has the customer
-- at hand; a contact record's distance from it is three times cheaper so).

CREATE TABLE feed_entities (
    entity          text PRIMARY KEY CHECK (entity ~ '^[a-z][a-z_]{0,62}$'),
    relation        regclass NOT NULL UNIQUE,
    customer_column name NOT NULL DEFAULT 'customer_id',
    render          name NOT NULL
);

CREATE FUNCTION feed_rows_define() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE 'CREATE OR REPLACE VIEW feed_rows WITH (security_invoker = true) AS '
            || (SELECT string_agg(format('SELECT %L::text AS entity, x.tenant_id, x.id, x.%I AS customer_id,'
                                         ' x.deleted_at, %I(x%s) AS doc FROM %s x',
                                         f.entity, f.customer_column, f.render,
                                         CASE WHEN two_args THEN ', c' ELSE '' END, f.relation)
                                  || CASE WHEN two_args THEN
                                         format(' LEFT JOIN customers c ON c.tenant_id = x.tenant_id AND c.id = x.%I',
                                                f.customer_column)
                                     ELSE '' END,
                                  ' UNION ALL ' ORDER BY f.entity)
                  FROM feed_entities f,
                       LATERAL (SELECT to_regprocedure(format('%I(%s, customers)', f.render, f.relation))
                                       IS NOT NULL AS two_args) r);
    RETURN NULL;
END
$$;

CREATE TRIGGER feed_entities_define AFTER INSERT OR UPDATE OR DELETE ON feed_entities
    FOR EACH STATEMENT EXECUTE FUNCTION feed_rows_define();

INSERT INTO feed_entities (entity, relation, customer_column, render) VALUES
    ('customer', 'customers', 'id', 'customer_json'),
    ('contact', 'contacts', 'customer_id', 'contact_json'),
    ('contact_record', 'contact_records', 'customer_id', 'contact_record_json'),
    ('quotation', 'quotations', 'customer_id', 'quotation_json'),
    ('contract', 'contracts', 'customer_id', 'contract_json'),
    ('shipment', 'shipments', 'customer_id', 'shipment_json');

ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_fkey FOREIGN KEY (entity) REFERENCES feed_entities (entity);

-- Registries are read by the application and written only by migrations.
GRANT SELECT ON feed_entities, feed_rows TO crm_app;

---------------------------------------------------------------------------
-- What hangs off a customer (every such thing is in the feed). A transfer
-- re-announces its live rows to whoever sees the customer now (in position
-- order); a merge re-points every row of the duplicate to the survivor, and
-- besides: owner_column, when set, takes the survivor's owner (a contract's
-- owner is its customer's); primary_column, when set, is a flag the survivor
-- keeps at most one of among its live rows (a primary contact person).

CREATE TABLE customer_children (
    entity         text PRIMARY KEY REFERENCES feed_entities (entity) CHECK (entity <> 'customer'),
    position       integer NOT NULL UNIQUE,
    owner_column   name,
    primary_column name
);

INSERT INTO customer_children (entity, position, owner_column, primary_column) VALUES
    ('contact', 10, NULL, 'is_primary'),
    ('contact_record', 20, NULL, NULL),
    ('quotation', 30, NULL, NULL),
    ('contract', 40, 'owner_id', NULL),
    ('shipment', 50, NULL, NULL);
GRANT SELECT ON customer_children TO crm_app;

-- A customer changed; on a transfer (new owner) every registered child's live
-- rows are announced again, for whoever sees the customer only now. Replaces
-- the copies of 0003, 0005 and 0007.
CREATE OR REPLACE FUNCTION change_customer() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    prev_owner uuid := CASE WHEN TG_OP = 'UPDATE' AND OLD.owner_id IS DISTINCT FROM NEW.owner_id
                            THEN OLD.owner_id END;
    child record;
BEGIN
    INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, prev_owner_id, op)
    VALUES (NEW.tenant_id, 'customer', NEW.id, NEW.id, NEW.owner_id, prev_owner,
            CASE WHEN NEW.deleted_at IS NULL THEN 'upsert' ELSE 'delete' END);
    IF prev_owner IS NOT NULL AND NEW.deleted_at IS NULL THEN
        FOR child IN SELECT f.entity, f.relation, f.customer_column
                       FROM customer_children c JOIN feed_entities f ON f.entity = c.entity
                      ORDER BY c.position LOOP
            EXECUTE format('INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)'
                           ' SELECT x.tenant_id, %L, x.id, x.%I, $3, ''upsert'' FROM %s x'
                           ' WHERE x.tenant_id = $1 AND x.%I = $2 AND x.deleted_at IS NULL'
                           ' ORDER BY x.created_at, x.id',
                           child.entity, child.customer_column, child.relation, child.customer_column)
            USING NEW.tenant_id, NEW.id, NEW.owner_id;
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

-- The length of the compact JSON text of j (no white space between tokens),
-- as PostgreSQL renders its values: its text form less the one space it
-- writes after every ':' and every ','.
CREATE FUNCTION jsonb_compact_length(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT octet_length(j::text) - coalesce((
          SELECT sum(CASE jsonb_typeof(v) WHEN 'object' THEN 2 * n - 1 ELSE n - 1 END)::integer
            FROM (SELECT v, CASE jsonb_typeof(v) WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(v))
                                                 WHEN 'array' THEN jsonb_array_length(v) ELSE 0 END AS n
                    FROM jsonb_path_query(j, 'strict $.**') v) parts
           WHERE n > 0), 0) $$;

-- A refusal naming `field` for a write function: 'problem:' and the JSON the
-- server turns into a problem (lib/resource.c), here a 409 with code too_long.
CREATE FUNCTION write_too_long(p_field text, p_message text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT 'problem:' || json_build_object('field', p_field, 'code', 'too_long', 'message', p_message,
                                             'status', 409)::text $$;

-- Merge customer p_duplicate into p_survivor for (p_user, p_role); p_may_merge
-- says whether the role may merge at all. Both customer rows are locked first,
-- in id order, and only then checked, so opposite merges of one pair take
-- turns and the second finds its survivor merged away. Every child registered
-- in customer_children moves to the survivor. The survivor's joined values
-- must stay within what a request may write: notes of at most p_notes
-- characters, at most p_tags tags, custom fields of at most p_custom_members
-- members and p_custom_bytes bytes of compact JSON. Outcomes: 'ok', 'missing'
-- (survivor gone or invisible), 'forbidden', 'duplicate' (the duplicate gone
-- or invisible), or a 'problem:' naming notes, tags or custom (409, too_long)
-- when the joined value would pass its limit; then nothing has changed.
CREATE FUNCTION customer_merge(p_tenant uuid, p_user uuid, p_role text, p_may_merge boolean,
                               p_survivor uuid, p_duplicate uuid, p_notes integer, p_tags integer,
                               p_custom_members integer, p_custom_bytes integer) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    survivor customers;
    duplicate customers;
    child record;
    v_notes text;
    v_tags text[];
    v_custom jsonb;
    v_count integer;
BEGIN
    PERFORM 1 FROM customers c WHERE c.tenant_id = p_tenant AND c.id IN (p_survivor, p_duplicate)
     ORDER BY c.id FOR UPDATE;
    SELECT c.* INTO survivor FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = p_survivor AND c.deleted_at IS NULL;
    IF NOT FOUND OR NOT customer_visible(survivor.owner_id, p_user, p_role) THEN
        RETURN 'missing';
    ELSIF NOT p_may_merge THEN
        RETURN 'forbidden';
    END IF;
    SELECT c.* INTO duplicate FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = p_duplicate AND c.deleted_at IS NULL;
    IF NOT FOUND OR NOT customer_visible(duplicate.owner_id, p_user, p_role) THEN
        RETURN 'duplicate';
    END IF;
    -- The survivor keeps its own values and takes the duplicate's where it has
    -- none; notes are joined, tags united, custom fields merged (its own win).
    v_notes := CASE WHEN duplicate.notes IS NULL THEN survivor.notes WHEN survivor.notes IS NULL THEN duplicate.notes
                    ELSE survivor.notes || E'\n\n' || duplicate.notes END;
    v_tags := ARRAY(SELECT DISTINCT t FROM unnest(survivor.tags || duplicate.tags) t ORDER BY t);
    v_custom := duplicate.custom || survivor.custom;
    IF length(v_notes) > p_notes THEN
        RETURN write_too_long('notes', format(
            'The notes of the two customers joined would be %s characters, more than the %s a customer may have; '
            'shorten the notes of either first.', length(v_notes), p_notes));
    ELSIF cardinality(v_tags) > p_tags THEN
        RETURN write_too_long('tags', format(
            'The two customers have %s different tags, more than the %s a customer may have; '
            'remove tags from either first.', cardinality(v_tags), p_tags));
    END IF;
    SELECT count(*) INTO v_count FROM jsonb_object_keys(v_custom);
    IF v_count > p_custom_members THEN
        RETURN write_too_long('custom', format(
            'The custom fields of the two customers together would have %s members, more than the %s a customer '
            'may have; remove custom fields from either first.', v_count, p_custom_members));
    ELSIF jsonb_compact_length(v_custom) > p_custom_bytes THEN
        RETURN write_too_long('custom', format(
            'The custom fields of the two customers together would encode to %s bytes, more than the %s a '
            'customer may have; remove custom fields from either first.', jsonb_compact_length(v_custom),
            p_custom_bytes));
    END IF;
    FOR child IN SELECT f.relation, f.customer_column, c.owner_column, c.primary_column
                   FROM customer_children c JOIN feed_entities f ON f.entity = c.entity
                  ORDER BY c.position LOOP
        EXECUTE format('UPDATE %s x SET %I = $2', child.relation, child.customer_column)
                || CASE WHEN child.owner_column IS NOT NULL THEN format(', %I = $4', child.owner_column) ELSE '' END
                || CASE WHEN child.primary_column IS NOT NULL THEN
                       format(', %1$I = x.%1$I AND NOT EXISTS (SELECT 1 FROM %2$s p WHERE p.tenant_id = $1'
                              ' AND p.%3$I = $2 AND p.%1$I AND p.deleted_at IS NULL)',
                              child.primary_column, child.relation, child.customer_column)
                   ELSE '' END
                || format(' WHERE x.tenant_id = $1 AND x.%I = $3', child.customer_column)
        USING p_tenant, p_survivor, p_duplicate, survivor.owner_id;
    END LOOP;
    UPDATE customers s
       SET category = coalesce(s.category, d.category), industry = coalesce(s.industry, d.industry),
           region = coalesce(s.region, d.region), address = coalesce(s.address, d.address),
           phone = coalesce(s.phone, d.phone), email = coalesce(s.email, d.email),
           website = coalesce(s.website, d.website), source = coalesce(s.source, d.source),
           credit_limit = coalesce(s.credit_limit, d.credit_limit),
           payment_terms_days = coalesce(s.payment_terms_days, d.payment_terms_days),
           notes = v_notes, tags = v_tags, custom = v_custom
      FROM customers d
     WHERE s.tenant_id = p_tenant AND s.id = p_survivor AND d.tenant_id = p_tenant AND d.id = p_duplicate;
    UPDATE customers SET deleted_at = now(), merged_into = p_survivor
     WHERE tenant_id = p_tenant AND id = p_duplicate;
    RETURN 'ok';
END
$$;

---------------------------------------------------------------------------
-- Dormant, one definition: a customer is due to become dormant on `day` (a
-- calendar day in zone `tz`) when it is active or a prospect and its last
-- contact (its creation, when never contacted) fell on `days` or more
-- calendar days before. The agenda lists such customers; the sweep marks them
-- on the tenant's today. (The sweep used to count `days` × 24 hours back from
-- now, so a customer last contacted late in the day was on the agenda as
-- dormant but not yet marked.)

CREATE FUNCTION customer_due_dormant(status text, last_contact_at timestamptz, created_at timestamptz,
                                     day date, tz text, days integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT status IN ('active', 'prospect')
             AND (coalesce(last_contact_at, created_at) AT TIME ZONE tz)::date <= day - days $$;

CREATE OR REPLACE FUNCTION sweep_dormant_customers() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    t tenants;
    n integer := 0;
    changed integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(7321002) THEN
        RETURN 0;
    END IF;
    FOR t IN SELECT * FROM tenants LOOP
        PERFORM set_config('app.tenant_id', t.id::text, true);
        PERFORM set_config('app.user_id', '', true);
        UPDATE customers c SET status = 'dormant'
         WHERE c.tenant_id = t.id AND c.deleted_at IS NULL AND c.status IN ('active', 'prospect')
           AND customer_due_dormant(c.status, c.last_contact_at, c.created_at,
                                    (now() AT TIME ZONE t.timezone)::date, t.timezone, t.dormant_after_days);
        GET DIAGNOSTICS changed = ROW_COUNT;
        n := n + changed;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
    RETURN n;
END
$$;

---------------------------------------------------------------------------
-- The agenda: agenda_items() is the union of the functions registered in
-- agenda_kinds, defined anew whenever that table changes. A source function
-- takes (p_tenant uuid, p_user uuid, p_day date, t tenants) — the tenant, the
-- user whose agenda it is, the day in the tenant's time zone and the tenant's
-- settings row — and returns SETOF agenda_item; `rank` orders the kinds in the
-- agenda. The four sources of 0004 and 0006 take this one shape now (their
-- bodies are unchanged but for reading the settings from `t`; the dormant one
-- uses customer_due_dormant).

CREATE TYPE agenda_item AS (kind text, due text, customer_id uuid, customer_name text, contact_id uuid,
                            contact_name text, detail text);

DROP FUNCTION agenda_items(uuid, uuid, date);
DROP FUNCTION agenda_follow_ups(uuid, uuid, date, text);
DROP FUNCTION agenda_dormant(uuid, uuid, date, text, integer);
DROP FUNCTION agenda_birthdays(uuid, uuid, date);
DROP FUNCTION agenda_deliveries(uuid, uuid, date, text);

-- Follow-ups: customers of the user whose next contact is due today, tomorrow,
-- or is already past.
CREATE FUNCTION agenda_follow_ups(p_tenant uuid, p_user uuid, p_day date, t tenants) RETURNS SETOF agenda_item
LANGUAGE sql STABLE
AS $$
SELECT CASE WHEN d = p_day THEN 'follow_up_today'
            WHEN d = p_day + 1 THEN 'follow_up_tomorrow'
            ELSE 'overdue' END,
       rfc3339(c.next_contact_at), c.id, c.name, NULL::uuid, NULL::text,
       CASE WHEN d = p_day - 1 THEN '1 day overdue' WHEN d < p_day THEN (p_day - d) || ' days overdue' END
  FROM customers c, LATERAL (SELECT (c.next_contact_at AT TIME ZONE t.timezone)::date AS d) local
 WHERE c.tenant_id = p_tenant AND c.owner_id = p_user AND c.deleted_at IS NULL
   AND c.status <> 'lost' AND c.next_contact_at IS NOT NULL AND d <= p_day + 1
$$;

-- Dormant: customers of the user marked dormant, or due to be.
CREATE FUNCTION agenda_dormant(p_tenant uuid, p_user uuid, p_day date, t tenants) RETURNS SETOF agenda_item
LANGUAGE sql STABLE
AS $$
SELECT 'dormant', rfc3339(coalesce(c.last_contact_at, c.created_at)), c.id, c.name, NULL::uuid, NULL::text,
       CASE WHEN c.last_contact_at IS NULL THEN 'never contacted'
            ELSE 'no contact for ' || (p_day - (c.last_contact_at AT TIME ZONE t.timezone)::date) || ' days' END
  FROM customers c
 WHERE c.tenant_id = p_tenant AND c.owner_id = p_user AND c.deleted_at IS NULL
   AND (c.status = 'dormant'
        OR customer_due_dormant(c.status, c.last_contact_at, c.created_at, p_day, t.timezone, t.dormant_after_days))
$$;

-- Birthdays of the user's customers' contact persons in the next seven days,
-- today included.
CREATE FUNCTION agenda_birthdays(p_tenant uuid, p_user uuid, p_day date, t tenants) RETURNS SETOF agenda_item
LANGUAGE sql STABLE
AS $$
SELECT 'birthday', to_char(next_birthday(ct.birthday, p_day), 'YYYY-MM-DD'), c.id, c.name, ct.id, ct.name,
       CASE WHEN next_birthday(ct.birthday, p_day) = p_day THEN 'today'
            WHEN next_birthday(ct.birthday, p_day) = p_day + 1 THEN 'tomorrow'
            ELSE 'in ' || (next_birthday(ct.birthday, p_day) - p_day) || ' days' END
  FROM contacts ct
  JOIN customers c ON c.tenant_id = ct.tenant_id AND c.id = ct.customer_id
 WHERE ct.tenant_id = p_tenant AND c.owner_id = p_user AND ct.deleted_at IS NULL AND c.deleted_at IS NULL
   AND ct.birthday IS NOT NULL AND next_birthday(ct.birthday, p_day) <= p_day + 6
$$;

-- Contracts of the user's customers due for delivery within three days of the
-- day (or overdue) and not fully shipped, neither cancelled nor completed.
-- `due` is the start of the delivery day in the tenant's zone.
CREATE FUNCTION agenda_deliveries(p_tenant uuid, p_user uuid, p_day date, t tenants) RETURNS SETOF agenda_item
LANGUAGE sql STABLE
AS $$
SELECT 'delivery_due', rfc3339(k.delivery_due::timestamp AT TIME ZONE t.timezone), c.id, c.name, NULL::uuid, NULL::text,
       k.number || CASE WHEN k.delivery_due = p_day THEN ' due today'
                        WHEN k.delivery_due = p_day + 1 THEN ' due tomorrow'
                        WHEN k.delivery_due > p_day THEN ' due in ' || (k.delivery_due - p_day) || ' days'
                        ELSE ' overdue by ' || (p_day - k.delivery_due) || ' days' END
  FROM contracts k
  JOIN customers c ON c.tenant_id = k.tenant_id AND c.id = k.customer_id
 WHERE k.tenant_id = p_tenant AND c.owner_id = p_user AND k.deleted_at IS NULL AND c.deleted_at IS NULL
   AND k.status IN ('draft', 'active') AND k.delivery_due IS NOT NULL AND k.delivery_due <= p_day + 3
   AND EXISTS (SELECT 1 FROM contract_lines l WHERE l.tenant_id = k.tenant_id AND l.contract_id = k.id
                  AND l.quantity_shipped < l.quantity)
$$;

CREATE TABLE agenda_kinds (
    kind   text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z_]{0,62}$'),
    rank   integer NOT NULL UNIQUE,
    source name NOT NULL
);

-- One SQL function of one UNION ALL, so that PostgreSQL inlines it and the
-- sources into the agenda's statement, as it did the hand-written union.
CREATE FUNCTION agenda_items_define() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE format('CREATE OR REPLACE FUNCTION agenda_items(p_tenant uuid, p_user uuid, p_day date)'
                   ' RETURNS SETOF agenda_item LANGUAGE sql STABLE AS %L',
                   'SELECT items.* FROM tenants t, LATERAL ('
                   || (SELECT string_agg(format('SELECT * FROM %I(p_tenant, p_user, p_day, t)', s.source),
                                         ' UNION ALL ' ORDER BY s.first)
                         FROM (SELECT k.source, min(k.rank) AS first FROM agenda_kinds k GROUP BY k.source) s)
                   || ') items WHERE t.id = p_tenant');
    RETURN NULL;
END
$$;

CREATE TRIGGER agenda_kinds_define AFTER INSERT OR UPDATE OR DELETE ON agenda_kinds
    FOR EACH STATEMENT EXECUTE FUNCTION agenda_items_define();

INSERT INTO agenda_kinds (kind, rank, source) VALUES
    ('overdue', 10, 'agenda_follow_ups'),
    ('follow_up_today', 20, 'agenda_follow_ups'),
    ('follow_up_tomorrow', 30, 'agenda_follow_ups'),
    ('birthday', 40, 'agenda_birthdays'),
    ('delivery_due', 50, 'agenda_deliveries'),
    ('dormant', 60, 'agenda_dormant');
GRANT SELECT ON agenda_kinds TO crm_app;
