-- 0006_contracts_shipments: contracts (sales orders) with their lines and
-- payment plans, shipments made from contract lines, and the agenda's
-- deliveries due.
--
-- Money follows 0005: lines are priced by quotation_calc, exactly as quotation
-- lines; document totals are the sums of the rounded lines. Numbers C-YYYY-NNNNNN and
-- S-YYYY-NNNNNN come from next_document_number() in the creating transaction,
-- so a rolled back creation gives its number back (gapless).
--
-- The writes are plpgsql functions that answer an outcome ('ok' or the name of
-- the rule that refused) instead of raising, so lib/contract.c and
-- lib/shipment.c can name the field or the conflict in the problem they
-- return; a refusal is rolled back by the caller's transaction.

-- customer_visible(owner, user, role), used by the write functions below, is
-- not defined here: `crm-server migrate` installs it from the one definition
-- of the visibility rule, CRM_SQL_VISIBLE in lib/include/crm/resource.h, after
-- applying migrations, so the rule the reads inline and the rule these
-- functions call cannot drift apart.

---------------------------------------------------------------------------
-- Contracts.

CREATE TABLE contracts (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    number       text NOT NULL,
    customer_id  uuid NOT NULL,
    quotation_id uuid,
    owner_id     uuid NOT NULL,
    currency     char(3) NOT NULL REFERENCES currencies (code),
    signed_on    date,
    delivery_due date,
    notes        text CHECK (length(notes) <= 10000),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'completed', 'cancelled')),
    net_total    numeric(18, 2) NOT NULL DEFAULT 0,
    tax_total    numeric(18, 2) NOT NULL DEFAULT 0,
    gross_total  numeric(18, 2) NOT NULL DEFAULT 0,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, quotation_id) REFERENCES quotations (tenant_id, id)
);
-- A quotation converts once (a deleted draft contract frees it again).
CREATE UNIQUE INDEX contracts_quotation ON contracts (tenant_id, quotation_id)
    WHERE quotation_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX contracts_page ON contracts (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contracts_customer_page ON contracts (tenant_id, customer_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contracts_delivery ON contracts (tenant_id, delivery_due)
    WHERE deleted_at IS NULL AND status IN ('draft', 'active');

CREATE TABLE contract_lines (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    contract_id      uuid NOT NULL,
    line_no          integer NOT NULL CHECK (line_no >= 1),
    product_id       uuid,
    description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    unit             text CHECK (length(unit) <= 20),
    quantity         numeric(18, 3) NOT NULL CHECK (quantity > 0),
    unit_price       numeric(18, 4) NOT NULL CHECK (unit_price >= 0),
    discount_percent numeric(7, 4) NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100),
    tax_rate         numeric(7, 4) NOT NULL DEFAULT 0 CHECK (tax_rate BETWEEN 0 AND 100),
    net              numeric(18, 2) NOT NULL,
    tax              numeric(18, 2) NOT NULL,
    gross            numeric(18, 2) NOT NULL,
    -- Of shipments not cancelled; kept by the shipment functions below, under
    -- the lock of this row. The CHECK is the last word against over-shipment.
    quantity_shipped numeric(18, 3) NOT NULL DEFAULT 0 CHECK (quantity_shipped >= 0 AND quantity_shipped <= quantity),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, contract_id, line_no),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id),
    FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id)
);

CREATE TABLE installments (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    contract_id uuid NOT NULL,
    seq         integer NOT NULL CHECK (seq >= 1),
    due_date    date NOT NULL,
    amount      numeric(18, 2) NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (tenant_id, contract_id, seq),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id)
);

CREATE FUNCTION contract_json(k contracts) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', k.id, 'number', k.number, 'customer_id', k.customer_id,
    'customer_name', (SELECT c.name FROM customers c WHERE c.tenant_id = k.tenant_id AND c.id = k.customer_id),
    'quotation_id', k.quotation_id, 'owner_id', k.owner_id, 'currency', k.currency,
    'signed_on', to_char(k.signed_on, 'YYYY-MM-DD'), 'delivery_due', to_char(k.delivery_due, 'YYYY-MM-DD'),
    'notes', k.notes, 'status', k.status,
    'net_total', money_text(k.net_total, k.currency), 'tax_total', money_text(k.tax_total, k.currency),
    'gross_total', money_text(k.gross_total, k.currency),
    'lines', coalesce((SELECT json_agg(json_build_object(
        'id', l.id, 'line_no', l.line_no, 'product_id', l.product_id, 'description', l.description, 'unit', l.unit,
        'quantity', l.quantity::text, 'unit_price', l.unit_price::text,
        'discount_percent', l.discount_percent::text, 'tax_rate', l.tax_rate::text,
        'net', money_text(l.net, k.currency), 'tax', money_text(l.tax, k.currency), 'gross', money_text(l.gross, k.currency),
        'quantity_shipped', l.quantity_shipped::text,
        'quantity_remaining', (l.quantity - l.quantity_shipped)::text) ORDER BY l.line_no)
        FROM contract_lines l WHERE l.tenant_id = k.tenant_id AND l.contract_id = k.id), '[]'),
    'installments', coalesce((SELECT json_agg(json_build_object(
        'seq', i.seq, 'due_date', to_char(i.due_date, 'YYYY-MM-DD'), 'amount', money_text(i.amount, k.currency)) ORDER BY i.seq)
        FROM installments i WHERE i.tenant_id = k.tenant_id AND i.contract_id = k.id), '[]'),
    'fully_shipped', coalesce((SELECT bool_and(l.quantity_shipped = l.quantity) FROM contract_lines l
                               WHERE l.tenant_id = k.tenant_id AND l.contract_id = k.id), false),
    'version', k.version, 'created_at', rfc3339(k.created_at), 'updated_at', rfc3339(k.updated_at)) $$;

-- Replace a contract's lines and payment plan. Without `p_plan` a plan of one
-- installment follows the new total; a longer plan is kept and must still add
-- up. Lines are priced by quotation_calc (0005), exactly as quotation lines.
-- Returns the outcome: 'ok', 'installments' (the plan does not sum exactly to
-- the gross total, or an amount has more digits than the currency has),
-- 'problem:' || {field, code, message} from quotation_calc_problem, or
-- 'amount_range' (an amount past numeric(18,2)).
CREATE FUNCTION contract_set_lines(k contracts, p_lines jsonb, p_plan jsonb) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_minor integer := currency_minor_unit(k.currency);
    v_gross numeric;
    v_problem jsonb;
BEGIN
    IF p_lines IS NOT NULL THEN
        v_problem := quotation_calc_problem(k.tenant_id, k.currency, p_lines);
        IF v_problem IS NOT NULL THEN
            RETURN 'problem:' || v_problem::text;
        END IF;
    END IF;
    BEGIN
        IF p_lines IS NOT NULL THEN
            DELETE FROM contract_lines WHERE tenant_id = k.tenant_id AND contract_id = k.id;
            INSERT INTO contract_lines (tenant_id, contract_id, line_no, product_id, description, unit, quantity,
                                        unit_price, discount_percent, tax_rate, net, tax, gross)
            SELECT k.tenant_id, k.id, a.line_no, a.product_id, a.description, a.unit, a.quantity, a.unit_price,
                   a.discount_percent, a.tax_rate, a.net, a.tax, a.gross
              FROM quotation_calc(k.tenant_id, k.currency, p_lines) a;
        END IF;
        UPDATE contracts c
           SET net_total = s.net, tax_total = s.tax, gross_total = s.gross
          FROM (SELECT coalesce(sum(l.net), 0) AS net, coalesce(sum(l.tax), 0) AS tax,
                       coalesce(sum(l.gross), 0) AS gross
                  FROM contract_lines l WHERE l.tenant_id = k.tenant_id AND l.contract_id = k.id) s
         WHERE c.tenant_id = k.tenant_id AND c.id = k.id
           AND (c.net_total, c.tax_total, c.gross_total) IS DISTINCT FROM (s.net, s.tax, s.gross)
        RETURNING c.gross_total INTO v_gross;
    EXCEPTION WHEN numeric_value_out_of_range THEN
        RETURN 'amount_range';
    END;
    IF v_gross IS NULL THEN
        SELECT c.gross_total INTO v_gross FROM contracts c WHERE c.tenant_id = k.tenant_id AND c.id = k.id;
    END IF;
    IF p_plan IS NOT NULL THEN
        DELETE FROM installments WHERE tenant_id = k.tenant_id AND contract_id = k.id;
        BEGIN
            INSERT INTO installments (tenant_id, contract_id, seq, due_date, amount)
            SELECT k.tenant_id, k.id, n, (j->>'due_date')::date, (j->>'amount')::numeric
              FROM jsonb_array_elements(p_plan) WITH ORDINALITY AS e (j, n);
        EXCEPTION WHEN numeric_value_out_of_range THEN
            RETURN 'installments';
        END;
    ELSIF (SELECT count(*) FROM installments WHERE tenant_id = k.tenant_id AND contract_id = k.id) <= 1 THEN
        INSERT INTO installments (tenant_id, contract_id, seq, due_date, amount)
        VALUES (k.tenant_id, k.id, 1, coalesce(k.delivery_due, k.signed_on, tenant_today()), v_gross)
        ON CONFLICT (tenant_id, contract_id, seq) DO UPDATE SET amount = excluded.amount;
    END IF;
    IF (SELECT coalesce(sum(amount), 0) FROM installments WHERE tenant_id = k.tenant_id AND contract_id = k.id)
           <> v_gross
       OR EXISTS (SELECT 1 FROM installments WHERE tenant_id = k.tenant_id AND contract_id = k.id
                     AND amount <> round(amount, v_minor)) THEN
        RETURN 'installments';
    END IF;
    RETURN 'ok';
END
$$;

-- Create a contract for (tenant, user, role) from `p_body` (validated by
-- lib/contract.c): either {quotation_id, ...} copying an accepted quotation,
-- or {customer_id, currency?, lines, ...}. Outcomes: 'ok' (with the row),
-- 'forbidden', 'customer' (no visible customer), 'quotation' (no visible
-- quotation), 'quotation_state' (not accepted), 'quotation_used' (converted
-- already), 'currency' (no such currency), and those of contract_set_lines.
CREATE FUNCTION contract_create(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_body jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    v_customer customers;
    v_quotation quotations;
    v_lines jsonb := p_body->'lines';
    v_currency text := p_body->>'currency';
    v_year integer;
    k contracts;
    v_outcome text;
BEGIN
    IF p_body ? 'quotation_id' THEN
        SELECT q.* INTO v_quotation FROM quotations q
         WHERE q.tenant_id = p_tenant AND q.id = (p_body->>'quotation_id')::uuid AND q.deleted_at IS NULL
           FOR UPDATE;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'quotation', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        SELECT c.* INTO v_customer FROM customers c
         WHERE c.tenant_id = p_tenant AND c.id = v_quotation.customer_id AND c.deleted_at IS NULL;
        IF NOT FOUND OR NOT customer_visible(v_customer.owner_id, p_user, p_role) THEN
            RETURN QUERY SELECT 'quotation', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        IF NOT p_writes THEN
            RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        IF v_quotation.status <> 'accepted' THEN
            RETURN QUERY SELECT 'quotation_state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        IF EXISTS (SELECT 1 FROM contracts x WHERE x.tenant_id = p_tenant AND x.quotation_id = v_quotation.id
                      AND x.deleted_at IS NULL) THEN
            RETURN QUERY SELECT 'quotation_used', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        v_currency := v_quotation.currency;
        v_lines := quotation_lines_input(p_tenant, v_quotation.id);
    ELSE
        SELECT c.* INTO v_customer FROM customers c
         WHERE c.tenant_id = p_tenant AND c.id = (p_body->>'customer_id')::uuid AND c.deleted_at IS NULL;
        IF NOT FOUND OR NOT customer_visible(v_customer.owner_id, p_user, p_role) THEN
            RETURN QUERY SELECT 'customer', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        IF NOT p_writes THEN
            RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        IF v_currency IS NULL THEN
            SELECT t.default_currency INTO v_currency FROM tenants t WHERE t.id = p_tenant;
        END IF;
    END IF;
    IF currency_minor_unit(v_currency) IS NULL THEN
        RETURN QUERY SELECT 'currency', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    v_year := tenant_year();
    INSERT INTO contracts (tenant_id, id, number, customer_id, quotation_id, owner_id, currency, signed_on,
                           delivery_due, notes)
    VALUES (p_tenant, coalesce((p_body->>'id')::uuid, gen_random_uuid()),
            next_document_number(p_tenant, 'contract', v_year), v_customer.id, v_quotation.id, v_customer.owner_id,
            v_currency, (p_body->>'signed_on')::date, (p_body->>'delivery_due')::date, p_body->>'notes')
    RETURNING * INTO k;
    v_outcome := contract_set_lines(k, v_lines, p_body->'installments');
    RETURN QUERY SELECT v_outcome, x.id, x.version, contract_json(x) FROM contracts x
                  WHERE x.tenant_id = p_tenant AND x.id = k.id;
END
$$;

-- Change a draft contract (JSON merge patch; lines and installments replace).
-- Outcomes: 'ok', 'missing', 'forbidden', 'stale', 'state' (not a draft),
-- 'currency', and those of contract_set_lines.
CREATE FUNCTION contract_update(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
                                p_version integer, p_patch jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    k contracts;
    v_owner uuid;
    v_outcome text;
BEGIN
    SELECT x.* INTO k FROM contracts x WHERE x.tenant_id = p_tenant AND x.id = p_id AND x.deleted_at IS NULL FOR UPDATE;
    SELECT c.owner_id INTO v_owner FROM customers c WHERE c.tenant_id = p_tenant AND c.id = k.customer_id;
    IF k.id IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT 'missing', NULL::uuid, NULL::integer, NULL::json;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
    ELSIF k.version <> p_version THEN
        RETURN QUERY SELECT 'stale', NULL::uuid, NULL::integer, NULL::json;
    ELSIF k.status <> 'draft' THEN
        RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
    ELSIF p_patch ? 'currency' AND currency_minor_unit(p_patch->>'currency') IS NULL THEN
        RETURN QUERY SELECT 'currency', NULL::uuid, NULL::integer, NULL::json;
    ELSE
        UPDATE contracts x
           SET signed_on = CASE WHEN p_patch ? 'signed_on' THEN (p_patch->>'signed_on')::date ELSE x.signed_on END,
               delivery_due = CASE WHEN p_patch ? 'delivery_due' THEN (p_patch->>'delivery_due')::date
                              ELSE x.delivery_due END,
               notes = CASE WHEN p_patch ? 'notes' THEN p_patch->>'notes' ELSE x.notes END,
               currency = coalesce(p_patch->>'currency', x.currency)
         WHERE x.tenant_id = p_tenant AND x.id = p_id
        RETURNING x.* INTO k;
        -- A new currency rounds the lines anew.
        v_outcome := contract_set_lines(k, coalesce(p_patch->'lines', CASE WHEN p_patch ? 'currency' THEN
                   (SELECT jsonb_agg(jsonb_build_object('product_id', l.product_id, 'description', l.description,
                        'unit', l.unit, 'quantity', l.quantity::text, 'unit_price', l.unit_price::text,
                        'discount_percent', l.discount_percent::text, 'tax_rate', l.tax_rate::text) ORDER BY l.line_no)
                      FROM contract_lines l WHERE l.tenant_id = p_tenant AND l.contract_id = p_id) END),
               p_patch->'installments');
        RETURN QUERY SELECT v_outcome, x.id, x.version, contract_json(x) FROM contracts x
                      WHERE x.tenant_id = p_tenant AND x.id = p_id;
    END IF;
END
$$;

-- A state change or the deletion of a contract. p_action: 'activate' (draft →
-- active), 'complete' (active → completed, every line fully shipped),
-- 'cancel' (draft or active → cancelled, nothing shipped), 'delete' (a
-- draft; p_version must match). Outcomes: 'ok', 'missing', 'forbidden',
-- 'stale', 'state', 'not_shipped' (complete before everything shipped),
-- 'shipped' (cancel after something shipped).
CREATE FUNCTION contract_act(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
                             p_action text, p_version integer)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    k contracts;
    v_owner uuid;
    v_shipped boolean;
    v_full boolean;
BEGIN
    SELECT x.* INTO k FROM contracts x WHERE x.tenant_id = p_tenant AND x.id = p_id AND x.deleted_at IS NULL FOR UPDATE;
    SELECT c.owner_id INTO v_owner FROM customers c WHERE c.tenant_id = p_tenant AND c.id = k.customer_id;
    IF k.id IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT 'missing', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF p_version IS NOT NULL AND k.version <> p_version THEN
        RETURN QUERY SELECT 'stale', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    SELECT coalesce(bool_or(l.quantity_shipped > 0), false), coalesce(bool_and(l.quantity_shipped = l.quantity), false)
      INTO v_shipped, v_full
      FROM contract_lines l WHERE l.tenant_id = p_tenant AND l.contract_id = p_id;
    IF p_action = 'delete' THEN
        IF k.status <> 'draft' THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE contracts SET deleted_at = now() WHERE tenant_id = p_tenant AND id = p_id;
    ELSIF p_action = 'activate' THEN
        IF k.status <> 'draft' THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE contracts SET status = 'active', signed_on = coalesce(signed_on, tenant_today())
         WHERE tenant_id = p_tenant AND id = p_id;
    ELSIF p_action = 'complete' THEN
        IF k.status <> 'active' THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        ELSIF NOT v_full THEN
            RETURN QUERY SELECT 'not_shipped', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE contracts SET status = 'completed' WHERE tenant_id = p_tenant AND id = p_id;
    ELSIF p_action = 'cancel' THEN
        IF k.status NOT IN ('draft', 'active') THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        ELSIF v_shipped THEN
            RETURN QUERY SELECT 'shipped', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE contracts SET status = 'cancelled' WHERE tenant_id = p_tenant AND id = p_id;
    END IF;
    RETURN QUERY SELECT 'ok', x.id, x.version, contract_json(x) FROM contracts x
                  WHERE x.tenant_id = p_tenant AND x.id = p_id;
END
$$;

---------------------------------------------------------------------------
-- Shipments. customer_id is the contract's, copied for visibility.

CREATE TABLE shipments (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    number        text NOT NULL,
    contract_id   uuid NOT NULL,
    customer_id   uuid NOT NULL,
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'shipped', 'delivered', 'cancelled')),
    shipping_date date,
    warehouse     text CHECK (length(warehouse) <= 200),
    carrier       text CHECK (length(carrier) <= 200),
    tracking_no   text CHECK (length(tracking_no) <= 100),
    shipped_at    timestamptz,
    delivered_at  timestamptz,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, number),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX shipments_page ON shipments (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX shipments_contract ON shipments (tenant_id, contract_id, created_at, id) WHERE deleted_at IS NULL;

CREATE TABLE shipment_lines (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    shipment_id      uuid NOT NULL,
    contract_line_id uuid NOT NULL,
    quantity         numeric(18, 3) NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (tenant_id, shipment_id, contract_line_id),
    FOREIGN KEY (tenant_id, shipment_id) REFERENCES shipments (tenant_id, id),
    FOREIGN KEY (tenant_id, contract_line_id) REFERENCES contract_lines (tenant_id, id)
);
CREATE INDEX shipment_lines_contract_line ON shipment_lines (tenant_id, contract_line_id);

CREATE FUNCTION shipment_json(s shipments) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', s.id, 'number', s.number, 'contract_id', s.contract_id,
    'contract_number', (SELECT k.number FROM contracts k WHERE k.tenant_id = s.tenant_id AND k.id = s.contract_id),
    'customer_id', s.customer_id,
    'customer_name', (SELECT c.name FROM customers c WHERE c.tenant_id = s.tenant_id AND c.id = s.customer_id),
    'status', s.status, 'shipping_date', to_char(s.shipping_date, 'YYYY-MM-DD'), 'warehouse', s.warehouse,
    'carrier', s.carrier, 'tracking_no', s.tracking_no,
    'shipped_at', rfc3339(s.shipped_at), 'delivered_at', rfc3339(s.delivered_at),
    'lines', coalesce((SELECT json_agg(json_build_object(
        'contract_line_id', sl.contract_line_id, 'line_no', l.line_no, 'product_id', l.product_id,
        'description', l.description, 'unit', l.unit, 'quantity', sl.quantity::text) ORDER BY l.line_no)
        FROM shipment_lines sl JOIN contract_lines l ON l.tenant_id = sl.tenant_id AND l.id = sl.contract_line_id
        WHERE sl.tenant_id = s.tenant_id AND sl.shipment_id = s.id), '[]'),
    'version', s.version, 'created_at', rfc3339(s.created_at), 'updated_at', rfc3339(s.updated_at)) $$;

-- The lines a shipment asks for: [{n, line_id, quantity}] as rows.
CREATE FUNCTION shipment_wanted(p jsonb) RETURNS TABLE (n integer, line_id uuid, quantity numeric)
LANGUAGE sql IMMUTABLE
AS $$ SELECT (j->>'n')::integer, (j->>'line_id')::uuid, (j->>'quantity')::numeric FROM jsonb_array_elements(p) j $$;

-- Create a shipment of an active contract. The contract's lines are locked
-- (FOR UPDATE, in line order) before what remains is read, so concurrent
-- shipments of one contract take turns and the second sees what the first
-- took. Outcomes: 'ok', 'contract' (no visible contract), 'forbidden',
-- 'state' (contract not active), 'line:<n>' (lines[n] names no line of the
-- contract, or names one twice), 'over:<n>' (lines[n] asks more than
-- remains), 'nothing' (nothing remains to ship).
CREATE FUNCTION shipment_create(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_body jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    k contracts;
    v_owner uuid;
    v_year integer;
    v_id uuid;
    v_bad record;
    v_wanted jsonb;
BEGIN
    SELECT x.* INTO k FROM contracts x
     WHERE x.tenant_id = p_tenant AND x.id = (p_body->>'contract_id')::uuid AND x.deleted_at IS NULL;
    SELECT c.owner_id INTO v_owner FROM customers c WHERE c.tenant_id = p_tenant AND c.id = k.customer_id;
    IF k.id IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT 'contract', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    PERFORM 1 FROM contract_lines l WHERE l.tenant_id = p_tenant AND l.contract_id = k.id ORDER BY l.line_no FOR UPDATE;
    -- The status again after the lock: a concurrent cancel or complete has committed by now.
    SELECT x.status INTO k.status FROM contracts x WHERE x.tenant_id = p_tenant AND x.id = k.id;
    IF k.status <> 'active' THEN
        RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    IF p_body ? 'lines' THEN
        SELECT jsonb_agg(jsonb_build_object('n', e.n - 1, 'line_id', e.j->>'contract_line_id',
                                            'quantity', e.j->>'quantity') ORDER BY e.n)
          INTO v_wanted FROM jsonb_array_elements(p_body->'lines') WITH ORDINALITY AS e (j, n);
    ELSE
        SELECT jsonb_agg(jsonb_build_object('n', r.n, 'line_id', r.id, 'quantity', r.quantity) ORDER BY r.n)
          INTO v_wanted
          FROM (SELECT row_number() OVER (ORDER BY l.line_no) - 1 AS n, l.id, l.quantity - l.quantity_shipped AS quantity
                  FROM contract_lines l
                 WHERE l.tenant_id = p_tenant AND l.contract_id = k.id AND l.quantity > l.quantity_shipped) r;
        IF v_wanted IS NULL THEN
            RETURN QUERY SELECT 'nothing', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
    END IF;
    SELECT w.n INTO v_bad FROM shipment_wanted(v_wanted) w
     WHERE NOT EXISTS (SELECT 1 FROM contract_lines l WHERE l.tenant_id = p_tenant AND l.contract_id = k.id
                          AND l.id = w.line_id)
        OR (SELECT count(*) FROM shipment_wanted(v_wanted) w2 WHERE w2.line_id = w.line_id) > 1
     ORDER BY w.n LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT 'line:' || v_bad.n, NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    SELECT w.n INTO v_bad FROM shipment_wanted(v_wanted) w
      JOIN contract_lines l ON l.tenant_id = p_tenant AND l.id = w.line_id
     WHERE w.quantity > l.quantity - l.quantity_shipped
     ORDER BY w.n LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT 'over:' || v_bad.n, NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    v_year := tenant_year();
    INSERT INTO shipments (tenant_id, id, number, contract_id, customer_id, shipping_date, warehouse, carrier,
                           tracking_no)
    VALUES (p_tenant, coalesce((p_body->>'id')::uuid, gen_random_uuid()), next_document_number(p_tenant, 'shipment', v_year),
            k.id, k.customer_id, (p_body->>'shipping_date')::date, p_body->>'warehouse', p_body->>'carrier',
            p_body->>'tracking_no')
    RETURNING id INTO v_id;
    INSERT INTO shipment_lines (tenant_id, shipment_id, contract_line_id, quantity)
    SELECT p_tenant, v_id, w.line_id, w.quantity FROM shipment_wanted(v_wanted) w;
    UPDATE contract_lines l SET quantity_shipped = l.quantity_shipped + w.quantity
      FROM shipment_wanted(v_wanted) w WHERE l.tenant_id = p_tenant AND l.id = w.line_id;
    -- The contract reads differently now (shipped, remaining): a new version.
    UPDATE contracts SET updated_at = now() WHERE tenant_id = p_tenant AND id = k.id;
    RETURN QUERY SELECT 'ok', x.id, x.version, shipment_json(x) FROM shipments x
                  WHERE x.tenant_id = p_tenant AND x.id = v_id;
END
$$;

-- Change a shipment: p_action 'update' (pending only; p_patch is a merge
-- patch of shipping_date, warehouse, carrier, tracking_no; p_version must
-- match), 'ship' (pending → shipped), 'deliver' (shipped → delivered),
-- 'cancel' (pending or shipped → cancelled; the quantities return to the
-- contract's lines, unless the contract is completed). Outcomes: 'ok',
-- 'missing', 'forbidden', 'stale', 'state', 'contract_state'.
CREATE FUNCTION shipment_act(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
                             p_action text, p_version integer, p_patch jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    s shipments;
    v_owner uuid;
    v_contract_status text;
BEGIN
    SELECT x.* INTO s FROM shipments x WHERE x.tenant_id = p_tenant AND x.id = p_id AND x.deleted_at IS NULL FOR UPDATE;
    SELECT c.owner_id INTO v_owner FROM customers c WHERE c.tenant_id = p_tenant AND c.id = s.customer_id;
    IF s.id IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT 'missing', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF p_version IS NOT NULL AND s.version <> p_version THEN
        RETURN QUERY SELECT 'stale', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    IF p_action = 'update' THEN
        IF s.status <> 'pending' THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE shipments x
           SET shipping_date = CASE WHEN p_patch ? 'shipping_date' THEN (p_patch->>'shipping_date')::date
                               ELSE x.shipping_date END,
               warehouse = CASE WHEN p_patch ? 'warehouse' THEN p_patch->>'warehouse' ELSE x.warehouse END,
               carrier = CASE WHEN p_patch ? 'carrier' THEN p_patch->>'carrier' ELSE x.carrier END,
               tracking_no = CASE WHEN p_patch ? 'tracking_no' THEN p_patch->>'tracking_no' ELSE x.tracking_no END
         WHERE x.tenant_id = p_tenant AND x.id = p_id;
    ELSIF p_action = 'ship' THEN
        IF s.status <> 'pending' THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE shipments SET status = 'shipped', shipped_at = now(), shipping_date = coalesce(shipping_date, tenant_today())
         WHERE tenant_id = p_tenant AND id = p_id;
    ELSIF p_action = 'deliver' THEN
        IF s.status <> 'shipped' THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE shipments SET status = 'delivered', delivered_at = now() WHERE tenant_id = p_tenant AND id = p_id;
    ELSIF p_action = 'cancel' THEN
        IF s.status NOT IN ('pending', 'shipped') THEN
            RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        PERFORM 1 FROM contract_lines l WHERE l.tenant_id = p_tenant AND l.contract_id = s.contract_id
         ORDER BY l.line_no FOR UPDATE;
        SELECT k.status INTO v_contract_status FROM contracts k WHERE k.tenant_id = p_tenant AND k.id = s.contract_id;
        IF v_contract_status <> 'active' THEN
            RETURN QUERY SELECT 'contract_state', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE shipments SET status = 'cancelled' WHERE tenant_id = p_tenant AND id = p_id;
        UPDATE contract_lines l SET quantity_shipped = l.quantity_shipped - sl.quantity
          FROM shipment_lines sl
         WHERE sl.tenant_id = p_tenant AND sl.shipment_id = p_id AND l.tenant_id = p_tenant AND l.id = sl.contract_line_id;
        UPDATE contracts SET updated_at = now() WHERE tenant_id = p_tenant AND id = s.contract_id;
    END IF;
    RETURN QUERY SELECT 'ok', x.id, x.version, shipment_json(x) FROM shipments x
                  WHERE x.tenant_id = p_tenant AND x.id = p_id;
END
$$;

---------------------------------------------------------------------------
-- Triggers, isolation and privileges, as for every tenant-owned table.

CREATE TRIGGER contracts_touch BEFORE UPDATE ON contracts FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER contracts_audit AFTER INSERT OR UPDATE ON contracts FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER contract_lines_audit AFTER INSERT OR UPDATE ON contract_lines FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER shipments_touch BEFORE UPDATE ON shipments FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER shipments_audit AFTER INSERT OR UPDATE ON shipments FOR EACH ROW EXECUTE FUNCTION audit_row();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contracts', 'contract_lines', 'installments', 'shipments', 'shipment_lines'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = current_tenant())'
                       ' WITH CHECK (tenant_id = current_tenant())', t);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, UPDATE ON contracts, shipments TO crm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON contract_lines, installments, shipment_lines TO crm_app;

---------------------------------------------------------------------------
-- The agenda: contracts of the user's customers due for delivery within three
-- days of the day (or overdue) and not fully shipped, neither cancelled nor
-- completed. `due` is the start of the delivery day in the tenant's zone.

CREATE FUNCTION agenda_deliveries(p_tenant uuid, p_user uuid, p_day date, p_tz text)
RETURNS TABLE (kind text, due text, customer_id uuid, customer_name text, contact_id uuid,
               contact_name text, detail text)
LANGUAGE sql STABLE
AS $$
SELECT 'delivery_due', rfc3339(k.delivery_due::timestamp AT TIME ZONE p_tz), c.id, c.name, NULL::uuid, NULL::text,
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

CREATE OR REPLACE FUNCTION agenda_items(p_tenant uuid, p_user uuid, p_day date)
RETURNS TABLE (kind text, due text, customer_id uuid, customer_name text, contact_id uuid,
               contact_name text, detail text)
LANGUAGE sql STABLE
AS $$
SELECT items.* FROM tenants t, LATERAL (
    SELECT * FROM agenda_follow_ups(p_tenant, p_user, p_day, t.timezone)
    UNION ALL SELECT * FROM agenda_dormant(p_tenant, p_user, p_day, t.timezone, t.dormant_after_days)
    UNION ALL SELECT * FROM agenda_birthdays(p_tenant, p_user, p_day)
    UNION ALL SELECT * FROM agenda_deliveries(p_tenant, p_user, p_day, t.timezone)
) items
WHERE t.id = p_tenant
$$;
