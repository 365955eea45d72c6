-- 0017_render_cost: the documents every answer and the change feed render,
-- cheaper per row (a new phone's first sync renders tens of thousands).
--
-- rfc3339 is declared STABLE, as to_char is: a SQL function declared more
-- strictly than its body (IMMUTABLE) is never inlined, and called it costs
-- more than the formatting itself.
CREATE OR REPLACE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- The owner's name as a subquery in place rather than a call of user_name()
-- (a function with a FROM clause cannot be inlined).
CREATE OR REPLACE FUNCTION customer_json(c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', c.id, 'name', c.name, 'kind', c.kind, 'status', c.status, 'category', c.category,
    'industry', c.industry, 'region', c.region, 'address', c.address, 'phone', c.phone,
    'email', c.email, 'website', c.website, 'source', c.source, 'tags', c.tags,
    'credit_limit', c.credit_limit::text, 'payment_terms_days', c.payment_terms_days,
    'notes', c.notes, 'owner_id', c.owner_id,
    'owner_name', (SELECT u.name FROM users u WHERE u.tenant_id = c.tenant_id AND u.id = c.owner_id),
    'custom', c.custom,
    'location', CASE WHEN c.lat IS NOT NULL THEN json_build_object('lat', c.lat::float8, 'lon', c.lon::float8) END,
    'last_contact_at', rfc3339(c.last_contact_at), 'next_contact_at', rfc3339(c.next_contact_at),
    'version', c.version, 'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at)) $$;

CREATE OR REPLACE FUNCTION contact_record_json(r contact_records, c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', r.id, 'customer_id', r.customer_id, 'contact_id', r.contact_id, 'kind', r.kind,
    'direction', r.direction, 'occurred_at', rfc3339(r.occurred_at), 'duration_minutes', r.duration_minutes,
    'subject', r.subject, 'summary', r.summary, 'outcome', r.outcome,
    'next_contact_at', rfc3339(r.next_contact_at),
    'location', CASE WHEN r.lat IS NOT NULL THEN json_build_object(
                    'lat', r.lat::float8, 'lon', r.lon::float8, 'accuracy_m', r.accuracy_m::float8) END,
    'distance_m', distance_m(r.lat::float8, r.lon::float8, c.lat::float8, c.lon::float8),
    'owner_id', r.owner_id,
    'owner_name', (SELECT u.name FROM users u WHERE u.tenant_id = r.tenant_id AND u.id = r.owner_id),
    'version', r.version,
    'created_at', rfc3339(r.created_at), 'updated_at', rfc3339(r.updated_at)) $$;

-- Nothing calls it any more.
DROP FUNCTION user_name(uuid, uuid);
