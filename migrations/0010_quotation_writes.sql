-- 0010_quotation_writes: quotations join the one write protocol. Every write
-- of a quotation (create, change, revision, state change, deletion) is one
-- call of a function that answers (outcome, row_id, row_version, doc): 'ok'
-- with the finished document, or the name of the rule that refused it; the
-- server maps names to problems in one table (lib/quotation.c). Before, a
-- change took five to seven round trips and read the result back. Also: the
-- lines of a stored document in request form have one definition, used by
-- quotations and contracts alike (a contract's repricing lacked "kept", so a
-- change of currency failed once a product had been retired).

-- The lines of a stored quotation or contract in request form: every value
-- explicit and marked kept, so repricing them (new currency, new revision,
-- a contract from a quotation) keeps them as they were.
CREATE FUNCTION document_lines_input(p_tenant uuid, p_kind text, p_id uuid) RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT coalesce(jsonb_agg(jsonb_build_object(
          'product_id', l.product_id, 'description', l.description, 'quantity', l.quantity::text,
          'unit', l.unit, 'unit_price', l.unit_price::text, 'discount_percent', l.discount_percent::text,
          'tax_rate', l.tax_rate::text, 'kept', true) ORDER BY l.line_no), '[]')
        FROM (SELECT q.line_no, q.product_id, q.description, q.quantity, q.unit, q.unit_price,
                     q.discount_percent, q.tax_rate
                FROM quotation_lines q
               WHERE p_kind = 'quotation' AND q.tenant_id = p_tenant AND q.quotation_id = p_id
              UNION ALL
              SELECT k.line_no, k.product_id, k.description, k.quantity, k.unit, k.unit_price,
                     k.discount_percent, k.tax_rate
                FROM contract_lines k
               WHERE p_kind = 'contract' AND k.tenant_id = p_tenant AND k.contract_id = p_id) l $$;

CREATE OR REPLACE FUNCTION quotation_lines_input(p_tenant uuid, p_quotation uuid) RETURNS jsonb
LANGUAGE sql STABLE
AS $$ SELECT document_lines_input(p_tenant, 'quotation', p_quotation) $$;

-- The first reason a quotation body b (customer_id, contact_id, currency,
-- lines; validated by the server) cannot be stored, or NULL: 'currency'
-- (unknown), a 'problem:' of its lines, 'contact' (not a live contact of the
-- customer).
CREATE FUNCTION quotation_refusal(p_tenant uuid, p_currency text, b jsonb) RETURNS text
LANGUAGE sql STABLE
AS $$ SELECT CASE
    WHEN currency_minor_unit(p_currency) IS NULL THEN 'currency'
    WHEN quotation_calc_problem(p_tenant, p_currency, b->'lines') IS NOT NULL
        THEN 'problem:' || quotation_calc_problem(p_tenant, p_currency, b->'lines')::text
    WHEN b->>'contact_id' IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM contacts ct WHERE ct.tenant_id = p_tenant AND ct.id = (b->>'contact_id')::uuid
           AND ct.customer_id = (b->>'customer_id')::uuid AND ct.deleted_at IS NULL) THEN 'contact'
    END $$;

-- Price lines p_lines in p_currency and store them as quotation p_id's, in
-- place of any it had. Returns the totals (net, tax, gross) for its row.
CREATE FUNCTION quotation_put_lines(p_tenant uuid, p_id uuid, p_currency text, p_lines jsonb,
                                    OUT net numeric, OUT tax numeric, OUT gross numeric)
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM quotation_lines l WHERE l.tenant_id = p_tenant AND l.quotation_id = p_id;
    WITH calc AS (SELECT * FROM quotation_calc(p_tenant, p_currency, p_lines)),
    ins AS (
        INSERT INTO quotation_lines (tenant_id, quotation_id, line_no, product_id, description, quantity, unit,
                                     unit_price, discount_percent, tax_rate, net, tax, gross)
        SELECT p_tenant, p_id, k.line_no, k.product_id, k.description, k.quantity, k.unit, k.unit_price,
               k.discount_percent, k.tax_rate, k.net, k.tax, k.gross
          FROM calc k
        RETURNING quotation_lines.net, quotation_lines.tax, quotation_lines.gross)
    SELECT sum(ins.net), sum(ins.tax), sum(ins.gross) INTO net, tax, gross FROM ins;
END
$$;

-- Store body b as a quotation: a new one (p_number NULL draws the tenant's
-- next number) or revision p_revision of p_number superseding p_supersedes.
-- The row is inserted with its totals, so a new quotation is version 1. The
-- caller has checked quotation_refusal. Returns the new row's id.
CREATE FUNCTION quotation_insert(p_tenant uuid, p_owner uuid, p_currency text, b jsonb, p_number text,
                                 p_revision integer, p_supersedes uuid) RETURNS uuid
LANGUAGE plpgsql
AS $$
DECLARE
    v_id uuid := coalesce((b->>'id')::uuid, gen_random_uuid());
    t record;
BEGIN
    -- Priced first, so the row is written once, with its totals; then its lines.
    SELECT sum(k.net) AS net, sum(k.tax) AS tax, sum(k.gross) AS gross INTO t
      FROM quotation_calc(p_tenant, p_currency, b->'lines') k;
    INSERT INTO quotations (tenant_id, id, number, revision, supersedes_id, customer_id, contact_id, owner_id,
                            currency, valid_until, notes, net_total, tax_total, gross_total)
    VALUES (p_tenant, v_id, coalesce(p_number, next_document_number(p_tenant, 'quotation', tenant_year())),
            coalesce(p_revision, 1), p_supersedes, (b->>'customer_id')::uuid, (b->>'contact_id')::uuid, p_owner,
            p_currency, (b->>'valid_until')::date, b->>'notes', t.net, t.tax, t.gross);
    PERFORM quotation_put_lines(p_tenant, v_id, p_currency, b->'lines');
    RETURN v_id;
END
$$;

-- The answer of a quotation write that succeeded.
CREATE FUNCTION quotation_written(p_tenant uuid, p_id uuid)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE sql STABLE
AS $$ SELECT 'ok', q.id, q.version, quotation_json(q) FROM quotations q WHERE q.tenant_id = p_tenant AND q.id = p_id $$;

-- A refusal: the outcome and no row.
CREATE FUNCTION write_refused(p_outcome text)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE sql IMMUTABLE
AS $$ SELECT p_outcome, NULL::uuid, NULL::integer, NULL::json $$;

-- Create a draft for (tenant, user, role) from p_body. p_writes is the
-- policy's answer for the caller's role. Outcomes: 'ok', 'customer' (no
-- visible live customer), 'forbidden', and those of quotation_refusal.
CREATE FUNCTION quotation_create(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_body jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    v_owner uuid;
    v_currency text;
    v_refusal text;
    v_id uuid;
BEGIN
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = (p_body->>'customer_id')::uuid AND c.deleted_at IS NULL;
    IF NOT FOUND OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT * FROM write_refused('customer');
        RETURN;
    END IF;
    IF NOT p_writes THEN
        RETURN QUERY SELECT * FROM write_refused('forbidden');
        RETURN;
    END IF;
    v_currency := coalesce(p_body->>'currency', (SELECT t.default_currency FROM tenants t WHERE t.id = p_tenant));
    v_refusal := quotation_refusal(p_tenant, v_currency, p_body);
    IF v_refusal IS NOT NULL THEN
        RETURN QUERY SELECT * FROM write_refused(v_refusal);
        RETURN;
    END IF;
    -- Two statements: the answer's snapshot must include the insert.
    v_id := quotation_insert(p_tenant, p_user, v_currency, p_body, NULL, NULL, NULL);
    RETURN QUERY SELECT * FROM quotation_written(p_tenant, v_id);
END
$$;

-- The quotation p_id locked for a change, when its live customer is visible.
CREATE FUNCTION quotation_lock(p_tenant uuid, p_user uuid, p_role text, p_id uuid) RETURNS quotations
LANGUAGE plpgsql
AS $$
DECLARE
    q quotations;
BEGIN
    SELECT x.* INTO q FROM quotations x
      JOIN customers c ON c.tenant_id = x.tenant_id AND c.id = x.customer_id AND c.deleted_at IS NULL
     WHERE x.tenant_id = p_tenant AND x.id = p_id AND x.deleted_at IS NULL
       AND customer_visible(c.owner_id, p_user, p_role)
       FOR UPDATE OF x;
    RETURN q;
END
$$;

-- Change quotation p_id at p_version by the JSON merge patch p_patch (lines,
-- when given, replace every line). A draft changes in place; a sent or
-- expired one stays as it was sent and gets a new draft revision with the
-- same number, after every revision of that number (deleted ones included);
-- the answer is the revision. The contact person is checked only when the
-- patch names one: a contact deleted after it was set stays. Outcomes: 'ok',
-- 'missing', 'forbidden', 'stale', 'state:<status>' (accepted, rejected or
-- superseded), and those of quotation_refusal.
CREATE FUNCTION quotation_update(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
                                            p_version integer, p_patch jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    q quotations := quotation_lock(p_tenant, p_user, p_role, p_id);
    v_status text;
    b jsonb;
    v_currency text;
    v_refusal text;
    v_revision integer;
    v_id uuid;
    t record;
BEGIN
    IF q.id IS NULL THEN
        RETURN QUERY SELECT * FROM write_refused('missing');
        RETURN;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT * FROM write_refused('forbidden');
        RETURN;
    ELSIF q.version <> p_version THEN
        RETURN QUERY SELECT * FROM write_refused('stale');
        RETURN;
    END IF;
    v_status := quotation_status(q);
    IF v_status NOT IN ('draft', 'sent', 'expired') THEN
        RETURN QUERY SELECT * FROM write_refused('state:' || v_status);
        RETURN;
    END IF;
    b := jsonb_build_object('customer_id', q.customer_id, 'contact_id', q.contact_id, 'currency', q.currency,
                            'valid_until', to_char(q.valid_until, 'YYYY-MM-DD'), 'notes', q.notes,
                            'lines', document_lines_input(p_tenant, 'quotation', q.id)) || p_patch;
    v_currency := b->>'currency';
    v_refusal := quotation_refusal(p_tenant, v_currency,
                                   CASE WHEN p_patch ? 'contact_id' THEN b ELSE b - 'contact_id' END);
    IF v_refusal IS NOT NULL THEN
        RETURN QUERY SELECT * FROM write_refused(v_refusal);
        RETURN;
    END IF;
    IF v_status = 'draft' THEN
        SELECT * INTO t FROM quotation_put_lines(p_tenant, q.id, v_currency, b->'lines');
        UPDATE quotations x
           SET contact_id = (b->>'contact_id')::uuid, currency = v_currency,
               valid_until = (b->>'valid_until')::date, notes = b->>'notes',
               net_total = t.net, tax_total = t.tax, gross_total = t.gross
         WHERE x.tenant_id = p_tenant AND x.id = q.id;
        RETURN QUERY SELECT * FROM quotation_written(p_tenant, q.id);
        RETURN;
    END IF;
    -- Only the sent or expired revision of a number is revised, and it is
    -- locked: no other revision of the number can be made meanwhile.
    SELECT max(x.revision) + 1 INTO v_revision FROM quotations x
     WHERE x.tenant_id = p_tenant AND x.number = q.number;
    UPDATE quotations x SET status = 'superseded' WHERE x.tenant_id = p_tenant AND x.id = q.id;
    v_id := quotation_insert(p_tenant, q.owner_id, v_currency, b, q.number, v_revision, q.id);
    RETURN QUERY SELECT * FROM quotation_written(p_tenant, v_id);
END
$$;

-- A state change or the deletion of quotation p_id. p_action: 'send' (draft
-- → sent), 'accept' (sent → accepted), 'reject' (sent or expired →
-- rejected), 'delete' (a draft at p_version; a deleted draft revision hands
-- the sent state back to the revision it superseded). Outcomes: 'ok',
-- 'missing', 'forbidden', 'stale', 'state_<action>:<status as read>'.
CREATE FUNCTION quotation_act(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
                              p_action text, p_version integer)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    q quotations := quotation_lock(p_tenant, p_user, p_role, p_id);
    v_status text := quotation_status(q);
BEGIN
    IF q.id IS NULL THEN
        RETURN QUERY SELECT * FROM write_refused('missing');
        RETURN;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT * FROM write_refused('forbidden');
        RETURN;
    ELSIF p_action = 'delete' AND q.version <> p_version THEN
        RETURN QUERY SELECT * FROM write_refused('stale');
        RETURN;
    ELSIF NOT ((p_action = 'send' AND v_status = 'draft') OR (p_action = 'accept' AND v_status = 'sent')
               OR (p_action = 'reject' AND v_status IN ('sent', 'expired'))
               OR (p_action = 'delete' AND v_status = 'draft')) THEN
        RETURN QUERY SELECT * FROM write_refused('state_' || p_action || ':' || v_status);
        RETURN;
    END IF;
    IF p_action = 'delete' THEN
        UPDATE quotations x SET deleted_at = now() WHERE x.tenant_id = p_tenant AND x.id = q.id;
        UPDATE quotations o SET status = 'sent'
         WHERE o.tenant_id = p_tenant AND o.id = q.supersedes_id AND o.status = 'superseded';
        RETURN QUERY SELECT 'ok', q.id, q.version, NULL::json;
        RETURN;
    END IF;
    UPDATE quotations x
       SET status = CASE p_action WHEN 'send' THEN 'sent' WHEN 'accept' THEN 'accepted' ELSE 'rejected' END,
           sent_at = CASE WHEN p_action = 'send' THEN now() ELSE x.sent_at END,
           decided_at = CASE WHEN p_action = 'send' THEN x.decided_at ELSE now() END
     WHERE x.tenant_id = p_tenant AND x.id = q.id;
    RETURN QUERY SELECT * FROM quotation_written(p_tenant, q.id);
END
$$;

-- Contracts: repricing on a change of currency uses the one definition of
-- lines in request form, and a contract of a deleted customer is gone for
-- writes as it is for reads. Otherwise as in 0006.
CREATE OR REPLACE FUNCTION contract_update(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
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
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = k.customer_id AND c.deleted_at IS NULL;
    IF k.id IS NULL OR v_owner IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT * FROM write_refused('missing');
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT * FROM write_refused('forbidden');
    ELSIF k.version <> p_version THEN
        RETURN QUERY SELECT * FROM write_refused('stale');
    ELSIF k.status <> 'draft' THEN
        RETURN QUERY SELECT * FROM write_refused('state');
    ELSIF p_patch ? 'currency' AND currency_minor_unit(p_patch->>'currency') IS NULL THEN
        RETURN QUERY SELECT * FROM write_refused('currency');
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
                         document_lines_input(p_tenant, 'contract', p_id) END),
                     p_patch->'installments');
        RETURN QUERY SELECT v_outcome, x.id, x.version, contract_json(x) FROM contracts x
                      WHERE x.tenant_id = p_tenant AND x.id = p_id;
    END IF;
END
$$;

-- The other write functions of contracts and shipments, redefined whole
-- (migrations are forward-only) with the one change that a contract or
-- shipment of a deleted customer is missing for writes as it is for reads.

CREATE OR REPLACE FUNCTION contract_act(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
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
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = k.customer_id AND c.deleted_at IS NULL;
    IF k.id IS NULL OR v_owner IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
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

CREATE OR REPLACE FUNCTION shipment_create(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_body jsonb)
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
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = k.customer_id AND c.deleted_at IS NULL;
    IF k.id IS NULL OR v_owner IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
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

CREATE OR REPLACE FUNCTION shipment_act(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
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
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = s.customer_id AND c.deleted_at IS NULL;
    IF s.id IS NULL OR v_owner IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
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

-- A tracking number may be as long as the contract says (200 characters); the
-- column allowed 100 (found by the check that compares the server's field
-- tables with the database's constraints).
ALTER TABLE shipments DROP CONSTRAINT shipments_tracking_no_check;
ALTER TABLE shipments ADD CONSTRAINT shipments_tracking_no_check CHECK (length(tracking_no) <= 200);

-- A child of a customer (contact, contact record, quotation, contract,
-- shipment, and whatever customer_children registers later) is announced to
-- the change feed under the lock of its customer. Taken after a concurrent
-- merge or delete of that customer has committed, the lock finds it gone: a
-- live child must not be left on it, so the write fails as 'not found'
-- (SQLSTATE CR404, mapped by the server's database funnel). Before, a contact
-- record posted while its customer was being merged away stayed on the
-- tombstone.
CREATE OR REPLACE FUNCTION change_child() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    owner uuid;
    gone boolean;
BEGIN
    SELECT c.owner_id, c.deleted_at IS NOT NULL INTO owner, gone FROM customers c
     WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.customer_id
       FOR NO KEY UPDATE;
    IF gone AND NEW.deleted_at IS NULL THEN
        RAISE EXCEPTION 'customer % is deleted', NEW.customer_id USING ERRCODE = 'CR404';
    END IF;
    INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)
    VALUES (NEW.tenant_id, TG_ARGV[0], NEW.id, NEW.customer_id, owner,
            CASE WHEN NEW.deleted_at IS NULL THEN 'upsert' ELSE 'delete' END);
    RETURN NULL;
END
$$;
