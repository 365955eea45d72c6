-- 0005_products_quotations: the product catalogue, currencies with their minor
-- units, gapless document numbers, and quotations with their lines.
--
-- Money is numeric end to end and computed here, never taken from a client:
-- line net = round(quantity × unit_price × (100 − discount_percent) × 0.01, m),
-- line tax = round(net × tax_rate × 0.01, m), gross = net + tax, where m is the
-- currency's minor unit and round(numeric, m) rounds half away from zero; the
-- document totals are the sums of the rounded lines. Multiplying by 0.01 rather
-- than dividing by 100 keeps every intermediate exact (numeric multiplication
-- never rounds), so the only rounding is the one the rule names.

---------------------------------------------------------------------------
-- Currencies (ISO 4217) and their minor units. Shared by all tenants.

CREATE TABLE currencies (
    code       char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    minor_unit smallint NOT NULL CHECK (minor_unit BETWEEN 0 AND 2),
    name       text NOT NULL
);
INSERT INTO currencies (code, minor_unit, name) VALUES
    ('CNY', 2, 'Chinese yuan'), ('HKD', 2, 'Hong Kong dollar'), ('TWD', 2, 'New Taiwan dollar'),
    ('USD', 2, 'US dollar'), ('EUR', 2, 'Euro'), ('GBP', 2, 'Pound sterling'), ('CHF', 2, 'Swiss franc'),
    ('JPY', 0, 'Japanese yen'), ('KRW', 0, 'South Korean won'), ('SGD', 2, 'Singapore dollar'),
    ('AUD', 2, 'Australian dollar'), ('CAD', 2, 'Canadian dollar'), ('MOP', 2, 'Macanese pataca'),
    ('THB', 2, 'Thai baht'), ('VND', 0, 'Vietnamese dong'), ('MYR', 2, 'Malaysian ringgit'),
    ('INR', 2, 'Indian rupee'), ('RUB', 2, 'Russian ruble'), ('SEK', 2, 'Swedish krona'),
    ('NOK', 2, 'Norwegian krone'), ('DKK', 2, 'Danish krone'), ('PLN', 2, 'Polish zloty');

-- currency_minor_unit: digits after the point of an amount in `code`; NULL for an unknown code.
CREATE FUNCTION currency_minor_unit(code text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT minor_unit::integer FROM currencies WHERE currencies.code = currency_minor_unit.code $$;

ALTER TABLE tenants ADD COLUMN default_currency char(3) NOT NULL DEFAULT 'CNY' REFERENCES currencies (code);

-- The tenant's calendar day now: when a quotation's valid_until has passed.
CREATE FUNCTION tenant_today() RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT (now() AT TIME ZONE coalesce((SELECT t.timezone FROM tenants t WHERE t.id = current_tenant()), 'UTC'))::date $$;

---------------------------------------------------------------------------
-- Products.

CREATE TABLE products (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    sku         text NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text CHECK (length(description) <= 2000),
    unit        text CHECK (length(unit) <= 20),
    unit_price  numeric(18, 4) NOT NULL DEFAULT 0 CHECK (unit_price >= 0),
    tax_rate    numeric(7, 4) NOT NULL DEFAULT 0 CHECK (tax_rate BETWEEN 0 AND 100),
    active      boolean NOT NULL DEFAULT true,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX products_sku ON products (tenant_id, lower(sku)) WHERE deleted_at IS NULL;
CREATE INDEX products_page ON products (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);
CREATE INDEX products_sku_trgm ON products USING gin (sku gin_trgm_ops);

CREATE FUNCTION product_json(p products) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', p.id, 'sku', p.sku, 'name', p.name, 'description', p.description, 'unit', p.unit,
    'unit_price', p.unit_price::text, 'tax_rate', p.tax_rate::text, 'active', p.active,
    'version', p.version, 'created_at', rfc3339(p.created_at), 'updated_at', rfc3339(p.updated_at)) $$;

---------------------------------------------------------------------------
-- Gapless document numbers, per tenant, kind and year. The counter row is
-- taken with INSERT ... ON CONFLICT DO UPDATE ... RETURNING in the creating
-- transaction: its row lock makes concurrent creators of one tenant take
-- turns until the holder commits or rolls back, and a rolled back creation
-- gives its number back with the rest of its work. No number is skipped among
-- committed documents.

CREATE TABLE document_counters (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    kind      text NOT NULL CHECK (kind IN ('quotation', 'contract', 'shipment')),
    year      integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
    last      bigint NOT NULL CHECK (last > 0),
    PRIMARY KEY (tenant_id, kind, year)
);

-- next_document_number: the next number of `kind` for the tenant in `year`,
-- formatted as Q-2026-000123 (C- for contracts, S- for shipments).
CREATE FUNCTION next_document_number(p_tenant uuid, p_kind text, p_year integer) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    n bigint;
BEGIN
    INSERT INTO document_counters AS dc (tenant_id, kind, year, last) VALUES (p_tenant, p_kind, p_year, 1)
    ON CONFLICT (tenant_id, kind, year) DO UPDATE SET last = dc.last + 1
    RETURNING dc.last INTO n;
    RETURN CASE p_kind WHEN 'quotation' THEN 'Q' WHEN 'contract' THEN 'C' ELSE 'S' END
           || '-' || p_year || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END;
END
$$;

-- The tenant's current year, for numbering.
CREATE FUNCTION tenant_year() RETURNS integer
LANGUAGE sql STABLE
AS $$ SELECT extract(year FROM tenant_today())::integer $$;

---------------------------------------------------------------------------
-- Quotations. A revision is a row of its own: changing a sent quotation
-- inserts revision n + 1 (same number, supersedes_id = the old row) and marks
-- the old row 'superseded'; it stays readable. 'expired' is not stored: a
-- sent quotation whose valid_until has passed reads as expired.

CREATE TABLE quotations (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    number        text NOT NULL CHECK (number ~ '^Q-[0-9]{4}-[0-9]{6,}$'),
    revision      integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
    supersedes_id uuid,
    customer_id   uuid NOT NULL,
    contact_id    uuid,
    owner_id      uuid NOT NULL,
    currency      char(3) NOT NULL REFERENCES currencies (code),
    valid_until   date,
    notes         text CHECK (length(notes) <= 10000),
    status        text NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft', 'sent', 'accepted', 'rejected', 'superseded')),
    sent_at       timestamptz,
    decided_at    timestamptz,
    net_total     numeric(18, 2) NOT NULL DEFAULT 0,
    tax_total     numeric(18, 2) NOT NULL DEFAULT 0,
    gross_total   numeric(18, 2) NOT NULL DEFAULT 0,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number, revision),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, supersedes_id) REFERENCES quotations (tenant_id, id)
);
CREATE INDEX quotations_page ON quotations (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX quotations_customer ON quotations (tenant_id, customer_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX quotations_owner ON quotations (tenant_id, owner_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX quotations_supersedes ON quotations (tenant_id, supersedes_id) WHERE supersedes_id IS NOT NULL;

CREATE TABLE quotation_lines (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    quotation_id     uuid NOT NULL,
    line_no          integer NOT NULL CHECK (line_no BETWEEN 1 AND 500),
    product_id       uuid,
    description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    quantity         numeric(18, 3) NOT NULL CHECK (quantity > 0),
    unit             text CHECK (length(unit) <= 20),
    unit_price       numeric(18, 4) NOT NULL CHECK (unit_price >= 0),
    discount_percent numeric(7, 4) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    tax_rate         numeric(7, 4) NOT NULL DEFAULT 0 CHECK (tax_rate BETWEEN 0 AND 100),
    net              numeric(18, 2) NOT NULL,
    tax              numeric(18, 2) NOT NULL,
    gross            numeric(18, 2) NOT NULL,
    PRIMARY KEY (tenant_id, quotation_id, line_no),
    FOREIGN KEY (tenant_id, quotation_id) REFERENCES quotations (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);

-- Effective status: a sent quotation past its valid_until is expired.
CREATE FUNCTION quotation_status(q quotations) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT CASE WHEN q.status = 'sent' AND q.valid_until < tenant_today() THEN 'expired' ELSE q.status END $$;

-- quotation_calc: the lines of a request body (a JSON array of line objects,
-- already validated by the server) priced for `p_currency`: a line naming a
-- product takes the product's name, unit, unit price and tax rate where it
-- gives none. Amounts are unconstrained numeric, so the caller can refuse an
-- amount the columns cannot hold (abs ≥ 10^16) instead of failing on the cast.
-- product_ok is false when product_id names no live, active product, unless
-- the line is one kept from a stored quotation ("kept": true, every value
-- explicit): a product retired since does not block changing the rest.
CREATE FUNCTION quotation_calc(p_tenant uuid, p_currency text, p_lines jsonb)
RETURNS TABLE (line_no integer, product_id uuid, product_ok boolean, description text, quantity numeric,
               unit text, unit_price numeric, discount_percent numeric, tax_rate numeric,
               net numeric, tax numeric, gross numeric)
LANGUAGE sql STABLE
AS $$
    SELECT l.line_no, l.product_id, l.product_ok, l.description, l.quantity, l.unit, l.unit_price,
           l.discount_percent, l.tax_rate, a.net, t.tax, a.net + t.tax
      FROM (SELECT o.ord::integer AS line_no, (o.v ->> 'product_id')::uuid AS product_id,
                   (o.v ->> 'product_id') IS NULL OR p.id IS NOT NULL OR (o.v @> '{"kept": true}' AND EXISTS (
                       SELECT 1 FROM products k WHERE k.tenant_id = p_tenant AND k.id = (o.v ->> 'product_id')::uuid))
                       AS product_ok,
                   coalesce(o.v ->> 'description', p.name) AS description,
                   (o.v ->> 'quantity')::numeric AS quantity,
                   CASE WHEN o.v ? 'unit' THEN o.v ->> 'unit' ELSE p.unit END AS unit,
                   coalesce((o.v ->> 'unit_price')::numeric, p.unit_price) AS unit_price,
                   coalesce((o.v ->> 'discount_percent')::numeric, 0) AS discount_percent,
                   coalesce((o.v ->> 'tax_rate')::numeric, p.tax_rate, 0) AS tax_rate
              FROM jsonb_array_elements(p_lines) WITH ORDINALITY o (v, ord)
              LEFT JOIN products p ON p.tenant_id = p_tenant AND p.id = (o.v ->> 'product_id')::uuid
                                  AND p.deleted_at IS NULL AND p.active) l
     CROSS JOIN LATERAL (SELECT round(l.quantity * l.unit_price * (100 - l.discount_percent) * 0.01,
                                      currency_minor_unit(p_currency)) AS net) a
     CROSS JOIN LATERAL (SELECT round(a.net * l.tax_rate * 0.01, currency_minor_unit(p_currency)) AS tax) t
$$;

-- quotation_calc_problem: the first reason the priced lines cannot be stored,
-- as {field, code, message}, or NULL when they can.
CREATE FUNCTION quotation_calc_problem(p_tenant uuid, p_currency text, p_lines jsonb) RETURNS jsonb
LANGUAGE sql STABLE
AS $$
    WITH c AS (SELECT * FROM quotation_calc(p_tenant, p_currency, p_lines))
    SELECT coalesce(
        (SELECT jsonb_build_object('field', 'lines[' || (line_no - 1) || '].product_id', 'code', 'invalid',
                                   'message', 'Must be an active product of the catalogue.')
           FROM c WHERE NOT product_ok ORDER BY line_no LIMIT 1),
        (SELECT jsonb_build_object('field', 'lines[' || (line_no - 1) || '].description', 'code', 'required',
                                   'message', 'Is required for a line without a product.')
           FROM c WHERE description IS NULL OR description = '' ORDER BY line_no LIMIT 1),
        (SELECT jsonb_build_object('field', 'lines[' || (line_no - 1) || '].unit_price', 'code', 'required',
                                   'message', 'Is required for a line without a product.')
           FROM c WHERE unit_price IS NULL ORDER BY line_no LIMIT 1),
        (SELECT jsonb_build_object('field', 'lines[' || (line_no - 1) || '].quantity', 'code', 'range',
                                   'message', 'quantity × unit_price makes a line amount of 10^16 or more, '
                                              'beyond what an amount can hold (16 digits before the point).')
           FROM c WHERE abs(gross) >= 1e16 ORDER BY line_no LIMIT 1),
        (SELECT jsonb_build_object('field', 'lines', 'code', 'range',
                                   'message', 'The lines add up to a total of 10^16 or more, beyond what an '
                                              'amount can hold (16 digits before the point).')
           FROM c HAVING sum(gross) >= 1e16))
$$;

-- The lines of a stored quotation in request form (every value explicit,
-- marked kept), so that a change of currency or a new revision reprices them
-- unchanged. Clients cannot send "kept" (the server refuses unknown members).
CREATE FUNCTION quotation_lines_input(p_tenant uuid, p_quotation uuid) RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT coalesce(jsonb_agg(jsonb_build_object(
          'product_id', l.product_id, 'description', l.description, 'quantity', l.quantity::text,
          'unit', l.unit, 'unit_price', l.unit_price::text, 'discount_percent', l.discount_percent::text,
          'tax_rate', l.tax_rate::text, 'kept', true) ORDER BY l.line_no), '[]')
        FROM quotation_lines l WHERE l.tenant_id = p_tenant AND l.quotation_id = p_quotation $$;

-- An amount as the API shows it: with exactly the currency's minor digits.
CREATE FUNCTION money_text(amount numeric, currency text) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT round(amount, coalesce(currency_minor_unit(currency), 2))::text $$;

CREATE FUNCTION quotation_json(q quotations) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', q.id, 'number', q.number, 'revision', q.revision, 'supersedes_id', q.supersedes_id,
    'superseded_by_id', (SELECT n.id FROM quotations n WHERE n.tenant_id = q.tenant_id AND n.supersedes_id = q.id
                          AND n.deleted_at IS NULL ORDER BY n.revision DESC LIMIT 1),
    'customer_id', q.customer_id,
    'customer_name', (SELECT c.name FROM customers c WHERE c.tenant_id = q.tenant_id AND c.id = q.customer_id),
    'contact_id', q.contact_id, 'owner_id', q.owner_id, 'currency', q.currency,
    'valid_until', to_char(q.valid_until, 'YYYY-MM-DD'), 'notes', q.notes, 'status', quotation_status(q),
    'sent_at', rfc3339(q.sent_at), 'decided_at', rfc3339(q.decided_at),
    'lines', (SELECT coalesce(json_agg(json_build_object(
                  'line_no', l.line_no, 'product_id', l.product_id, 'description', l.description,
                  'quantity', l.quantity::text, 'unit', l.unit, 'unit_price', l.unit_price::text,
                  'discount_percent', l.discount_percent::text, 'tax_rate', l.tax_rate::text,
                  'net', money_text(l.net, q.currency), 'tax', money_text(l.tax, q.currency),
                  'gross', money_text(l.gross, q.currency)) ORDER BY l.line_no), '[]')
                FROM quotation_lines l WHERE l.tenant_id = q.tenant_id AND l.quotation_id = q.id),
    'net_total', money_text(q.net_total, q.currency), 'tax_total', money_text(q.tax_total, q.currency),
    'gross_total', money_text(q.gross_total, q.currency),
    'version', q.version, 'created_at', rfc3339(q.created_at), 'updated_at', rfc3339(q.updated_at)) $$;

CREATE TRIGGER products_touch BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER products_audit AFTER INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER quotations_touch BEFORE UPDATE ON quotations FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER quotations_audit AFTER INSERT OR UPDATE ON quotations FOR EACH ROW EXECUTE FUNCTION audit_row();

---------------------------------------------------------------------------
-- The change feed (0003): a quotation hangs off its customer like a contact
-- record does. Its lines are part of its document, so a change of lines is a
-- change of the quotation (the writers always update the quotation row too).
-- A transfer re-announces the customer's quotations along with its contacts
-- and contact records.

ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('customer', 'contact', 'contact_record', 'quotation'));

CREATE TRIGGER quotations_change AFTER INSERT OR UPDATE ON quotations
    FOR EACH ROW EXECUTE FUNCTION change_child('quotation');

CREATE OR REPLACE FUNCTION change_customer() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    prev_owner uuid := CASE WHEN TG_OP = 'UPDATE' AND OLD.owner_id IS DISTINCT FROM NEW.owner_id
                            THEN OLD.owner_id END;
BEGIN
    INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, prev_owner_id, op)
    VALUES (NEW.tenant_id, 'customer', NEW.id, NEW.id, NEW.owner_id, prev_owner,
            CASE WHEN NEW.deleted_at IS NULL THEN 'upsert' ELSE 'delete' END);
    IF prev_owner IS NOT NULL AND NEW.deleted_at IS NULL THEN
        INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)
        SELECT ct.tenant_id, 'contact', ct.id, ct.customer_id, NEW.owner_id, 'upsert'
          FROM contacts ct
         WHERE ct.tenant_id = NEW.tenant_id AND ct.customer_id = NEW.id AND ct.deleted_at IS NULL
         ORDER BY ct.created_at, ct.id;
        INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)
        SELECT cr.tenant_id, 'contact_record', cr.id, cr.customer_id, NEW.owner_id, 'upsert'
          FROM contact_records cr
         WHERE cr.tenant_id = NEW.tenant_id AND cr.customer_id = NEW.id AND cr.deleted_at IS NULL
         ORDER BY cr.created_at, cr.id;
        INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)
        SELECT q.tenant_id, 'quotation', q.id, q.customer_id, NEW.owner_id, 'upsert'
          FROM quotations q
         WHERE q.tenant_id = NEW.tenant_id AND q.customer_id = NEW.id AND q.deleted_at IS NULL
         ORDER BY q.created_at, q.id;
    END IF;
    RETURN NULL;
END
$$;

---------------------------------------------------------------------------
-- Isolation and privileges, as for every tenant-owned table. Lines are
-- replaced as a whole (DELETE + INSERT) while their quotation is a draft.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['products', 'document_counters', 'quotations', 'quotation_lines'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant())'
                       ' WITH CHECK (tenant_id = current_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT ON currencies TO crm_app;
GRANT SELECT, INSERT, UPDATE ON products, quotations, document_counters TO crm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON quotation_lines TO crm_app;
