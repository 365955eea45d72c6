-- 0018_render_inline: customer_json and contact_record_json inline again.
-- 0017 put the owner's name in them as a subquery, and a SQL function whose
-- body holds a subquery is never inlined: each call then ran the function's
-- own plan, twice the cost of the document itself (a first sync renders
-- tens of thousands). The name is a call of user_name() once more; that one
-- call costs less than a third of what the subquery cost the whole document.

CREATE FUNCTION user_name(p_tenant uuid, p_user uuid) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT u.name FROM users u WHERE u.tenant_id = p_tenant AND u.id = p_user $$;

CREATE OR REPLACE FUNCTION customer_json(c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', c.id, 'name', c.name, 'kind', c.kind, 'status', c.status, 'category', c.category,
    'industry', c.industry, 'region', c.region, 'address', c.address, 'phone', c.phone,
    'email', c.email, 'website', c.website, 'source', c.source, 'tags', c.tags,
    'credit_limit', c.credit_limit::text, 'payment_terms_days', c.payment_terms_days,
    'notes', c.notes, 'owner_id', c.owner_id,
    'owner_name', user_name(c.tenant_id, c.owner_id),
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
    'owner_name', user_name(r.tenant_id, r.owner_id),
    'version', r.version,
    'created_at', rfc3339(r.created_at), 'updated_at', rfc3339(r.updated_at)) $$;
