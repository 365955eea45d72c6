-- 0002_contact_records: what happened with a customer — calls, emails, IM,
-- visits, meetings — and the customer's location and last/next contact.
--
-- Recording a contact keeps the customer current in the same transaction (a
-- trigger): last_contact_at is the latest occurred_at of its live records,
-- next_contact_at the follow-up of its latest record, and a dormant customer
-- becomes active again on a new record.

---------------------------------------------------------------------------
-- Great-circle distance in whole metres between two points given in degrees
-- (haversine on a sphere of the Earth's mean radius, 6 371 008.8 m: within
-- 0.5% of the ellipsoid, plenty for "was the salesperson at the customer").
-- NULL when any coordinate is NULL.

CREATE FUNCTION distance_m(lat1 double precision, lon1 double precision,
                           lat2 double precision, lon2 double precision) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT round(2 * 6371008.8 * asin(least(1, sqrt(
                 sin(radians(lat2 - lat1) / 2) ^ 2
                 + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ^ 2))))::integer $$;

---------------------------------------------------------------------------
-- Customers: a location (both coordinates or neither) and the contact dates
-- the trigger below maintains.

ALTER TABLE customers
    ADD COLUMN lat numeric(9, 6) CHECK (lat BETWEEN -90 AND 90),
    ADD COLUMN lon numeric(9, 6) CHECK (lon BETWEEN -180 AND 180),
    ADD COLUMN last_contact_at timestamptz,
    ADD COLUMN next_contact_at timestamptz,
    ADD CONSTRAINT customers_location_pair CHECK ((lat IS NULL) = (lon IS NULL));

CREATE OR REPLACE FUNCTION customer_json(c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', c.id, 'name', c.name, 'kind', c.kind, 'status', c.status, 'category', c.category,
    'industry', c.industry, 'region', c.region, 'address', c.address, 'phone', c.phone,
    'email', c.email, 'website', c.website, 'source', c.source, 'tags', c.tags,
    'credit_limit', c.credit_limit::text, 'payment_terms_days', c.payment_terms_days,
    'notes', c.notes, 'owner_id', c.owner_id, 'custom', c.custom,
    'location', CASE WHEN c.lat IS NOT NULL THEN json_build_object('lat', c.lat::float8, 'lon', c.lon::float8) END,
    'last_contact_at', rfc3339(c.last_contact_at), 'next_contact_at', rfc3339(c.next_contact_at),
    'version', c.version, 'created_at', rfc3339(c.created_at), 'updated_at', rfc3339(c.updated_at)) $$;

---------------------------------------------------------------------------
-- Contact records. owner_id is the user who recorded it; who may see and
-- change a record follows its customer. A contact person, when named, is one
-- of the same customer's (checked by the statements that write it).

CREATE TABLE contact_records (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    customer_id      uuid NOT NULL,
    contact_id       uuid,
    kind             text NOT NULL CHECK (kind IN ('call', 'email', 'im', 'visit', 'meeting', 'other')),
    direction        text NOT NULL DEFAULT 'outbound' CHECK (direction IN ('inbound', 'outbound')),
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    duration_minutes integer CHECK (duration_minutes BETWEEN 0 AND 1440),
    subject          text CHECK (length(subject) <= 200),
    summary          text CHECK (length(summary) <= 10000),
    outcome          text CHECK (length(outcome) <= 2000),
    next_contact_at  timestamptz,
    lat              numeric(9, 6) CHECK (lat BETWEEN -90 AND 90),
    lon              numeric(9, 6) CHECK (lon BETWEEN -180 AND 180),
    accuracy_m       numeric(8, 2) CHECK (accuracy_m BETWEEN 0 AND 100000),
    owner_id         uuid NOT NULL,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    CHECK ((lat IS NULL) = (lon IS NULL)),
    CHECK (accuracy_m IS NULL OR lat IS NOT NULL)
);
-- Keyset pages (created_at, id): all records, one customer's, one recorder's.
CREATE INDEX contact_records_page ON contact_records (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contact_records_customer_page ON contact_records (tenant_id, customer_id, created_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX contact_records_owner_page ON contact_records (tenant_id, owner_id, created_at, id)
    WHERE deleted_at IS NULL;
-- A customer's latest record (the trigger below) and the occurred_* filters.
CREATE INDEX contact_records_customer_latest
    ON contact_records (tenant_id, customer_id, occurred_at DESC, created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX contact_records_occurred ON contact_records (tenant_id, occurred_at) WHERE deleted_at IS NULL;
CREATE INDEX contact_records_updated ON contact_records (tenant_id, updated_at);

-- The API's rendering of a record; distance_m compares a check-in with the
-- customer's location as it is now. The two-argument form is for statements
-- that have the customer row at hand already (one statement per request).
CREATE FUNCTION contact_record_json(r contact_records, c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', r.id, 'customer_id', r.customer_id, 'contact_id', r.contact_id, 'kind', r.kind,
    'direction', r.direction, 'occurred_at', rfc3339(r.occurred_at), 'duration_minutes', r.duration_minutes,
    'subject', r.subject, 'summary', r.summary, 'outcome', r.outcome,
    'next_contact_at', rfc3339(r.next_contact_at),
    'location', CASE WHEN r.lat IS NOT NULL THEN json_build_object(
                    'lat', r.lat::float8, 'lon', r.lon::float8, 'accuracy_m', r.accuracy_m::float8) END,
    'distance_m', distance_m(r.lat::float8, r.lon::float8, c.lat::float8, c.lon::float8),
    'owner_id', r.owner_id, 'version', r.version,
    'created_at', rfc3339(r.created_at), 'updated_at', rfc3339(r.updated_at)) $$;

CREATE FUNCTION contact_record_json(r contact_records) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT contact_record_json(r, c) FROM customers c WHERE c.tenant_id = r.tenant_id AND c.id = r.customer_id $$;

---------------------------------------------------------------------------
-- Keeping the customer current. The customer row is locked first (FOR NO KEY
-- UPDATE, which does not conflict with the key-share locks the foreign key
-- checks of concurrent inserts hold), so concurrent recordings for one customer
-- take turns, and each then recomputes from what the previous one committed
-- (every statement of this function takes a fresh snapshot): no lost update.

CREATE FUNCTION customer_contact_refresh(p_tenant uuid, p_customer uuid, p_new_contact boolean) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    v_last timestamptz;
    v_next timestamptz;
BEGIN
    PERFORM 1 FROM customers WHERE tenant_id = p_tenant AND id = p_customer FOR NO KEY UPDATE;
    SELECT r.occurred_at, r.next_contact_at INTO v_last, v_next
      FROM contact_records r
     WHERE r.tenant_id = p_tenant AND r.customer_id = p_customer AND r.deleted_at IS NULL
     ORDER BY r.occurred_at DESC, r.created_at DESC, r.id DESC
     LIMIT 1;
    UPDATE customers c
       SET last_contact_at = v_last, next_contact_at = v_next,
           status = CASE WHEN p_new_contact AND c.status = 'dormant' THEN 'active' ELSE c.status END
     WHERE c.tenant_id = p_tenant AND c.id = p_customer
       AND (c.last_contact_at IS DISTINCT FROM v_last OR c.next_contact_at IS DISTINCT FROM v_next
            OR (p_new_contact AND c.status = 'dormant'));
END
$$;

CREATE FUNCTION contact_records_customer() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM customer_contact_refresh(NEW.tenant_id, NEW.customer_id, NEW.deleted_at IS NULL);
        RETURN NULL;
    END IF;
    -- A record moved to another customer (a merge) leaves the old one to recompute too.
    IF OLD.customer_id IS DISTINCT FROM NEW.customer_id THEN
        PERFORM customer_contact_refresh(OLD.tenant_id, OLD.customer_id, false);
    ELSIF OLD.occurred_at = NEW.occurred_at AND OLD.next_contact_at IS NOT DISTINCT FROM NEW.next_contact_at
          AND OLD.deleted_at IS NOT DISTINCT FROM NEW.deleted_at THEN
        RETURN NULL;
    END IF;
    PERFORM customer_contact_refresh(NEW.tenant_id, NEW.customer_id, false);
    RETURN NULL;
END
$$;

CREATE TRIGGER contact_records_touch BEFORE UPDATE ON contact_records
    FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER contact_records_audit AFTER INSERT OR UPDATE ON contact_records
    FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER contact_records_customer AFTER INSERT OR UPDATE ON contact_records
    FOR EACH ROW EXECUTE FUNCTION contact_records_customer();

---------------------------------------------------------------------------
-- Isolation and privileges, as for every tenant-owned table.

ALTER TABLE contact_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE contact_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contact_records USING (tenant_id = current_tenant())
    WITH CHECK (tenant_id = current_tenant());

GRANT SELECT, INSERT, UPDATE ON contact_records TO crm_app;
