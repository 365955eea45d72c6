-- 0004_agenda_duplicates: tenant settings, the duplicate guard's normalised
-- names, phones and emails, the follow-up agenda, and the dormant sweep.

---------------------------------------------------------------------------
-- Tenant settings, changed by the tenant's admins (GET/PATCH /v1/tenant).

ALTER TABLE tenants
    ADD COLUMN dormant_after_days integer NOT NULL DEFAULT 90 CHECK (dormant_after_days BETWEEN 1 AND 3650),
    ADD COLUMN duplicate_threshold real NOT NULL DEFAULT 0.5 CHECK (duplicate_threshold BETWEEN 0.3 AND 1),
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE TRIGGER tenants_touch BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION touch_row();

CREATE FUNCTION tenant_settings_json(t tenants) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, 'timezone', t.timezone,
                               'dormant_after_days', t.dormant_after_days,
                               'duplicate_threshold', round(t.duplicate_threshold::numeric, 2),
                               'version', t.version, 'created_at', rfc3339(t.created_at),
                               'updated_at', rfc3339(t.updated_at)) $$;

GRANT UPDATE (name, timezone, dormant_after_days, duplicate_threshold) ON tenants TO crm_app;

---------------------------------------------------------------------------
-- Normalised keys for finding the same customer typed twice. A name loses
-- case, punctuation and its legal form ("Co.", "Company", "Ltd", "有限公司",
-- "公司", ...), so "Acme Trading Co." and "ACME Trading Company" both become
-- "acme trading", and "上海华联贸易有限公司" and "上海华联贸易公司" both
-- "上海华联贸易". Phones compare by their last ten digits (country and trunk
-- prefixes differ between the ways people write one number); emails by their
-- lower-case form.

CREATE FUNCTION customer_name_norm(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT btrim(regexp_replace(
         regexp_replace(
           regexp_replace(lower(name), '(股份有限公司|有限责任公司|有限公司|集团公司|公司)\s*$', ''),
           '\m(co|company|corp|corporation|inc|incorporated|ltd|limited|llc|gmbh|ag|sa|srl|bv|plc|group)\M', ' ', 'g'),
         '[^[:alnum:]]+', ' ', 'g'))
$$;

CREATE FUNCTION phone_norm(phone text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN length(d) >= 7 THEN right(d, 10) END
        FROM (SELECT regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') AS d) digits $$;

CREATE FUNCTION email_norm(email text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT nullif(lower(btrim(email)), '') $$;

ALTER TABLE customers
    ADD COLUMN name_norm text GENERATED ALWAYS AS (customer_name_norm(name)) STORED,
    ADD COLUMN phone_norm text GENERATED ALWAYS AS (phone_norm(phone)) STORED,
    ADD COLUMN email_norm text GENERATED ALWAYS AS (email_norm(email)) STORED,
    ADD COLUMN merged_into uuid;

CREATE INDEX customers_name_norm_trgm ON customers USING gin (name_norm gin_trgm_ops);
CREATE INDEX customers_phone_norm ON customers (tenant_id, phone_norm) WHERE deleted_at IS NULL;
CREATE INDEX customers_email_norm ON customers (tenant_id, email_norm) WHERE deleted_at IS NULL;
CREATE INDEX contacts_phone_trgm ON contacts USING gin (phone gin_trgm_ops);
CREATE INDEX contacts_mobile_trgm ON contacts USING gin (mobile gin_trgm_ops);
CREATE INDEX contacts_email_trgm ON contacts USING gin (email gin_trgm_ops);

-- The audit trail should not repeat what the generated columns repeat.
CREATE OR REPLACE FUNCTION audit_row() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
    new_row jsonb := to_jsonb(NEW);
    action text := 'update';
    diff jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        action := 'create';
    ELSIF old_row ->> 'deleted_at' IS NULL AND new_row ->> 'deleted_at' IS NOT NULL THEN
        action := 'delete';
    END IF;
    SELECT jsonb_object_agg(key, jsonb_build_object('old', old_row -> key, 'new', value))
      INTO diff
      FROM jsonb_each(new_row - 'tenant_id' - 'password_hash' - 'version' - 'updated_at' - 'created_at'
                      - 'name_norm' - 'phone_norm' - 'email_norm')
     WHERE old_row IS NULL OR old_row -> key IS DISTINCT FROM value;
    IF old_row ->> 'password_hash' IS DISTINCT FROM new_row ->> 'password_hash' AND TG_OP = 'UPDATE' THEN
        diff := coalesce(diff, '{}') || '{"password": {"old": null, "new": "changed"}}';
    END IF;
    IF diff IS NULL AND TG_OP = 'UPDATE' THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_log (tenant_id, actor_id, entity, entity_id, action, changes)
    VALUES (NEW.tenant_id, current_actor(), TG_TABLE_NAME, NEW.id, action, diff);
    RETURN NULL;
END
$$;

---------------------------------------------------------------------------
-- The agenda: one function per kind of item, and agenda_items() the union of
-- them. A later resource adds its items by adding a function of the same
-- shape and one UNION ALL line (CREATE OR REPLACE FUNCTION agenda_items).
-- Every function takes the tenant, the user whose agenda it is, the day (in
-- the tenant's time zone), the time zone and the tenant's settings row.

-- Follow-ups: customers of the user whose next contact is due today, tomorrow,
-- or is already past.
CREATE FUNCTION agenda_follow_ups(p_tenant uuid, p_user uuid, p_day date, p_tz text)
RETURNS TABLE (kind text, due text, customer_id uuid, customer_name text, contact_id uuid,
               contact_name text, detail text)
LANGUAGE sql STABLE
AS $$
SELECT CASE WHEN d = p_day THEN 'follow_up_today'
            WHEN d = p_day + 1 THEN 'follow_up_tomorrow'
            ELSE 'overdue' END,
       rfc3339(c.next_contact_at), c.id, c.name, NULL::uuid, NULL::text,
       CASE WHEN d = p_day - 1 THEN '1 day overdue' WHEN d < p_day THEN (p_day - d) || ' days overdue' END
  FROM customers c, LATERAL (SELECT (c.next_contact_at AT TIME ZONE p_tz)::date AS d) local
 WHERE c.tenant_id = p_tenant AND c.owner_id = p_user AND c.deleted_at IS NULL
   AND c.status <> 'lost' AND c.next_contact_at IS NOT NULL AND d <= p_day + 1
$$;

-- Dormant: customers of the user not contacted for the tenant's number of days.
CREATE FUNCTION agenda_dormant(p_tenant uuid, p_user uuid, p_day date, p_tz text, p_days integer)
RETURNS TABLE (kind text, due text, customer_id uuid, customer_name text, contact_id uuid,
               contact_name text, detail text)
LANGUAGE sql STABLE
AS $$
SELECT 'dormant', rfc3339(coalesce(c.last_contact_at, c.created_at)), c.id, c.name, NULL::uuid, NULL::text,
       CASE WHEN c.last_contact_at IS NULL THEN 'never contacted'
            ELSE 'no contact for ' || (p_day - (c.last_contact_at AT TIME ZONE p_tz)::date) || ' days' END
  FROM customers c
 WHERE c.tenant_id = p_tenant AND c.owner_id = p_user AND c.deleted_at IS NULL
   AND (c.status = 'dormant'
        OR (c.status IN ('active', 'prospect')
            AND (coalesce(c.last_contact_at, c.created_at) AT TIME ZONE p_tz)::date <= p_day - p_days))
$$;

-- next_birthday: the first anniversary of `born` on or after `from`; 29
-- February falls on 28 February in other years.
CREATE FUNCTION next_birthday(born date, from_day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT min(day) FROM (
    SELECT CASE WHEN extract(month FROM born) = 2 AND extract(day FROM born) = 29
                     AND NOT (y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0))
                THEN make_date(y, 2, 28)
                ELSE make_date(y, extract(month FROM born)::int, extract(day FROM born)::int) END AS day
      FROM (VALUES (extract(year FROM from_day)::int), (extract(year FROM from_day)::int + 1)) years (y)
) days
WHERE day >= from_day
$$;

-- Birthdays of the user's customers' contact persons in the next seven days,
-- today included.
CREATE FUNCTION agenda_birthdays(p_tenant uuid, p_user uuid, p_day date)
RETURNS TABLE (kind text, due text, customer_id uuid, customer_name text, contact_id uuid,
               contact_name text, detail text)
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

CREATE FUNCTION agenda_items(p_tenant uuid, p_user uuid, p_day date)
RETURNS TABLE (kind text, due text, customer_id uuid, customer_name text, contact_id uuid,
               contact_name text, detail text)
LANGUAGE sql STABLE
AS $$
SELECT items.* FROM tenants t, LATERAL (
    SELECT * FROM agenda_follow_ups(p_tenant, p_user, p_day, t.timezone)
    UNION ALL SELECT * FROM agenda_dormant(p_tenant, p_user, p_day, t.timezone, t.dormant_after_days)
    UNION ALL SELECT * FROM agenda_birthdays(p_tenant, p_user, p_day)
) items
WHERE t.id = p_tenant
$$;

---------------------------------------------------------------------------
-- The dormant sweep: customers not contacted for their tenant's number of
-- days become dormant. Run by the server every few minutes; across all
-- tenants, so it is SECURITY DEFINER and sets each tenant in turn for the
-- row-level security of the tables it updates. One sweep at a time.

CREATE FUNCTION sweep_dormant_customers() RETURNS integer
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
           AND coalesce(c.last_contact_at, c.created_at) < now() - make_interval(days => t.dormant_after_days);
        GET DIAGNOSTICS changed = ROW_COUNT;
        n := n + changed;
    END LOOP;
    PERFORM set_config('app.tenant_id', '', true);
    RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION sweep_dormant_customers() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sweep_dormant_customers() TO crm_app;
