-- 0001_foundation: tenants, users, teams, sign-in tokens, customers, contact
-- persons, the audit trail and idempotency keys, with row-level security.
--
-- Runs as the owning role (crm_owner). The application connects as crm_app,
-- which owns nothing and has no BYPASSRLS: every tenant-owned table below is
-- ENABLE + FORCE row level security, filtered by the session setting
-- app.tenant_id that the server sets for each caller.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE FUNCTION current_actor() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

-- RFC 3339 in UTC with microseconds: the one timestamp format of the API.
CREATE FUNCTION rfc3339(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- JSON merge patch (RFC 7396) of two jsonb values, for free-form `custom` fields.
CREATE FUNCTION jsonb_merge_patch(target jsonb, patch jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    result jsonb;
    k text;
    v jsonb;
BEGIN
    IF jsonb_typeof(patch) IS DISTINCT FROM 'object' THEN
        RETURN patch;
    END IF;
    result := CASE WHEN jsonb_typeof(target) = 'object' THEN target ELSE '{}'::jsonb END;
    FOR k, v IN SELECT key, value FROM jsonb_each(patch) LOOP
        IF jsonb_typeof(v) = 'null' THEN
            result := result - k;
        ELSE
            result := jsonb_set(result, ARRAY[k], jsonb_merge_patch(result -> k, v));
        END IF;
    END LOOP;
    RETURN result;
END
$$;

-- Every mutable row: version + 1 and updated_at = now() on each update, so no
-- write path can forget either.
CREATE FUNCTION touch_row() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

---------------------------------------------------------------------------
-- Tenants: the registry of organizations. RLS is enabled (not forced) so the
-- application sees only its own tenant while the SECURITY DEFINER functions
-- below, owned by the owner, may look a tenant up by slug at sign-in.

CREATE TABLE tenants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    timezone    text NOT NULL DEFAULT 'UTC',
    settings    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants USING (id = current_tenant());

CREATE FUNCTION tenant_json(t tenants) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', t.id, 'name', t.name, 'slug', t.slug,
                               'created_at', rfc3339(t.created_at)) $$;

-- tenant_lookup: the id of the tenant with this slug, or NULL.
CREATE FUNCTION tenant_lookup(p_slug text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT id FROM tenants WHERE slug = p_slug $$;

-- tenant_create: a new tenant whose slug is p_slug, or p_slug-2, -3, ... when taken.
CREATE FUNCTION tenant_create(p_name text, p_slug text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
AS $$
DECLARE
    candidate text := p_slug;
    n int := 1;
    new_id uuid;
BEGIN
    LOOP
        INSERT INTO tenants (name, slug) VALUES (p_name, candidate)
        ON CONFLICT (slug) DO NOTHING
        RETURNING id INTO new_id;
        IF new_id IS NOT NULL THEN
            RETURN new_id;
        END IF;
        n := n + 1;
        candidate := left(p_slug, 55) || '-' || n;
    END LOOP;
END
$$;

---------------------------------------------------------------------------
-- Teams and users.

CREATE TABLE teams (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    leader_id   uuid,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE users (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role          text NOT NULL CHECK (role IN ('admin', 'manager', 'sales', 'assistant', 'finance', 'service')),
    team_id       uuid,
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
CREATE UNIQUE INDEX users_email ON users (tenant_id, lower(email));
CREATE INDEX users_team ON users (tenant_id, team_id);

ALTER TABLE teams ADD FOREIGN KEY (tenant_id, leader_id) REFERENCES users (tenant_id, id);
CREATE INDEX teams_leader ON teams (tenant_id, leader_id) WHERE deleted_at IS NULL;

CREATE FUNCTION user_json(u users) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role,
                               'team_id', u.team_id, 'active', u.active, 'version', u.version,
                               'created_at', rfc3339(u.created_at), 'updated_at', rfc3339(u.updated_at)) $$;

CREATE FUNCTION team_json(t teams) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', t.id, 'name', t.name, 'leader_id', t.leader_id, 'version', t.version,
                               'created_at', rfc3339(t.created_at), 'updated_at', rfc3339(t.updated_at)) $$;

-- Refresh tokens: only a SHA-256 of the opaque token is stored. Every token
-- of one sign-in shares a family; using a rotated token revokes the family.
CREATE TABLE refresh_tokens (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid NOT NULL,
    family_id   uuid NOT NULL,
    token_hash  text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (tenant_id, family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (tenant_id, user_id);

-- Sign-in attempts per client and user name, for the token endpoint's rate
-- limit. Keyed before a tenant is known, so not tenant-owned.
CREATE TABLE auth_attempts (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    attempts     integer NOT NULL
);

---------------------------------------------------------------------------
-- Customers and contact persons.

CREATE TABLE customers (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    kind               text NOT NULL DEFAULT 'company' CHECK (kind IN ('company', 'person')),
    status             text NOT NULL DEFAULT 'lead'
                       CHECK (status IN ('lead', 'prospect', 'active', 'dormant', 'lost')),
    category           text CHECK (category IN ('A', 'B', 'C')),
    industry           text,
    region             text,
    address            text,
    phone              text,
    email              text,
    website            text,
    source             text,
    tags               text[] NOT NULL DEFAULT '{}',
    credit_limit       numeric(18, 2) CHECK (credit_limit >= 0),
    payment_terms_days integer CHECK (payment_terms_days BETWEEN 0 AND 3650),
    notes              text,
    owner_id           uuid NOT NULL,
    custom             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom) = 'object'),
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX customers_page ON customers (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_owner_page ON customers (tenant_id, owner_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX customers_updated ON customers (tenant_id, updated_at);
CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops);
CREATE INDEX customers_phone_trgm ON customers USING gin (phone gin_trgm_ops);
CREATE INDEX customers_email_trgm ON customers USING gin (email gin_trgm_ops);
CREATE INDEX customers_tags ON customers USING gin (tags);

CREATE FUNCTION customer_json(c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', c.id, 'name', c.name, 'kind', c.kind, 'status', c.status, 'category', c.category,
    'industry', c.industry, 'region', c.region, 'address', c.address, 'phone', c.phone,
    'email', c.email, 'website', c.website, 'source', c.source, 'tags', c.tags,
    'credit_limit', c.credit_limit::text, 'payment_terms_days', c.payment_terms_days,
    'notes', c.notes, 'owner_id', c.owner_id, 'custom', c.custom, 'version', c.version,
    'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at)) $$;

CREATE TABLE contacts (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    title       text,
    phone       text,
    mobile      text,
    email       text,
    im          text,
    birthday    date,
    is_primary  boolean NOT NULL DEFAULT false,
    notes       text,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX contacts_customer ON contacts (tenant_id, customer_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_name_trgm ON contacts USING gin (name gin_trgm_ops);

CREATE FUNCTION contact_json(c contacts) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', c.id, 'customer_id', c.customer_id, 'name', c.name, 'title', c.title, 'phone', c.phone,
    'mobile', c.mobile, 'email', c.email, 'im', c.im, 'birthday', to_char(c.birthday, 'YYYY-MM-DD'),
    'is_primary', c.is_primary, 'notes', c.notes, 'version', c.version,
    'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at)) $$;

---------------------------------------------------------------------------
-- Audit trail: one row per write, by trigger, so it is in the same
-- transaction as the write and no code path can skip it. Reads of customers by
-- someone other than the owner are recorded with action 'read'.

CREATE TABLE audit_log (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         bigint GENERATED ALWAYS AS IDENTITY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   uuid,
    entity     text NOT NULL,
    entity_id  uuid NOT NULL,
    action     text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'read')),
    changes    jsonb,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity, entity_id, id);

CREATE FUNCTION audit_json(a audit_log) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object('id', a.id, 'at', rfc3339(a.at), 'actor_id', a.actor_id,
                               'entity', a.entity, 'entity_id', a.entity_id, 'action', a.action,
                               'changes', a.changes) $$;

CREATE FUNCTION audit_row() RETURNS trigger
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
      FROM jsonb_each(new_row - 'tenant_id' - 'password_hash' - 'version' - 'updated_at' - 'created_at')
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

CREATE TRIGGER teams_touch BEFORE UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER contacts_touch BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER teams_audit AFTER INSERT OR UPDATE ON teams FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER users_audit AFTER INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER contacts_audit AFTER INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION audit_row();

---------------------------------------------------------------------------
-- Idempotency keys: the first response to a POST, stored in the same
-- transaction as its write, replayed byte for byte for 24 hours.

CREATE TABLE idempotency_keys (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    user_id      uuid NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    status       integer NOT NULL,
    body         text NOT NULL,
    location     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

---------------------------------------------------------------------------
-- Isolation: every tenant-owned table hides other tenants' rows, from the
-- owner too (FORCE), so a query that forgets its tenant filter finds nothing foreign.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['teams', 'users', 'refresh_tokens', 'customers', 'contacts',
                             'audit_log', 'idempotency_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant())'
                       ' WITH CHECK (tenant_id = current_tenant())', t);
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO crm_app;
GRANT SELECT ON tenants TO crm_app;
GRANT SELECT, INSERT, UPDATE ON teams, users, refresh_tokens, customers, contacts TO crm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys, auth_attempts TO crm_app;
GRANT SELECT, INSERT ON audit_log TO crm_app;
GRANT EXECUTE ON FUNCTION tenant_lookup(text), tenant_create(text, text) TO crm_app;
REVOKE EXECUTE ON FUNCTION tenant_lookup(text), tenant_create(text, text) FROM PUBLIC;
