-- 0008_tenant_currency: the organization's default currency (the column came
-- with the currencies of 0005) becomes one of its settings: read and changed at
-- /v1/tenant like the time zone. Quotations and contracts created without a
-- currency take it.

CREATE OR REPLACE FUNCTION tenant_settings_json(t tenants) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', t.id, 'name', t.name, 'slug', t.slug, 'timezone', t.timezone,
                               'default_currency', t.default_currency,
                               'dormant_after_days', t.dormant_after_days,
                               'duplicate_threshold', round(t.duplicate_threshold::numeric, 2),
                               'version', t.version, 'created_at', rfc3339(t.created_at),
                               'updated_at', rfc3339(t.updated_at)) $$;

GRANT UPDATE (default_currency) ON tenants TO crm_app;
