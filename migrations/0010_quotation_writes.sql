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

-- Store body b as a quotation: a new one (p_number NULL draws the tenant's
-- next number) or revision p_revision of p_number superseding p_supersedes.
-- The totals are written with the row, so a new quotation is version 1.
-- The caller has checked quotation_refusal. Returns the new row's id.
CREATE FUNCTION quotation_insert(p_tenant uuid, p_owner uuid, p_currency text, b jsonb, p_number text,
                                 p_revision integer, p_supersedes uuid) RETURNS uuid
LANGUAGE plpgsql
AS $$
DECLARE
    v_id uuid := coalesce((b->>'id')::uuid, gen_random_uuid());
BEGIN
    WITH calc AS (SELECT * FROM quotation_calc(p_tenant, p_currency, b->'lines')),
    ins AS (
        INSERT INTO quotations (tenant_id, id, number, revision, supersedes_id, customer_id, contact_id, owner_id,
                                currency, valid_until, notes, net_total, tax_total, gross_total)
        SELECT p_tenant, v_id, coalesce(p_number, next_document_number(p_tenant, 'quotation', tenant_year())),
               coalesce(p_revision, 1), p_supersedes, (b->>'customer_id')::uuid, (b->>'contact_id')::uuid,
               p_owner, p_currency, (b->>'valid_until')::date, b->>'notes',
               (SELECT sum(net) FROM calc), (SELECT sum(tax) FROM calc), (SELECT sum(gross) FROM calc)
        RETURNING id)
    INSERT INTO quotation_lines (tenant_id, quotation_id, line_no, product_id, description, quantity, unit,
                                 unit_price, discount_percent, tax_rate, net, tax, gross)
    SELECT p_tenant, ins.id, k.line_no, k.product_id, k.description, k.quantity, k.unit, k.unit_price,
           k.discount_percent, k.tax_rate, k.net, k.tax, k.gross
      FROM ins, calc k;
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
-- same number (the answer is the revision). Outcomes: 'ok', 'missing',
-- 'forbidden', 'stale', 'state:<status>' (accepted, rejected or superseded),
-- and those of quotation_refusal.
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
    v_id uuid;
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
    v_refusal := quotation_refusal(p_tenant, v_currency, b);
    IF v_refusal IS NOT NULL THEN
        RETURN QUERY SELECT * FROM write_refused(v_refusal);
        RETURN;
    END IF;
    IF v_status = 'draft' THEN
        DELETE FROM quotation_lines l WHERE l.tenant_id = p_tenant AND l.quotation_id = q.id;
        WITH calc AS (SELECT * FROM quotation_calc(p_tenant, v_currency, b->'lines')),
        upd AS (
            UPDATE quotations x
               SET contact_id = (b->>'contact_id')::uuid, currency = v_currency,
                   valid_until = (b->>'valid_until')::date, notes = b->>'notes',
                   net_total = (SELECT sum(net) FROM calc), tax_total = (SELECT sum(tax) FROM calc),
                   gross_total = (SELECT sum(gross) FROM calc)
             WHERE x.tenant_id = p_tenant AND x.id = q.id
            RETURNING x.id)
        INSERT INTO quotation_lines (tenant_id, quotation_id, line_no, product_id, description, quantity, unit,
                                     unit_price, discount_percent, tax_rate, net, tax, gross)
        SELECT p_tenant, upd.id, k.line_no, k.product_id, k.description, k.quantity, k.unit, k.unit_price,
               k.discount_percent, k.tax_rate, k.net, k.tax, k.gross
          FROM upd, calc k;
        RETURN QUERY SELECT * FROM quotation_written(p_tenant, q.id);
        RETURN;
    END IF;
    UPDATE quotations x SET status = 'superseded' WHERE x.tenant_id = p_tenant AND x.id = q.id;
    v_id := quotation_insert(p_tenant, q.owner_id, v_currency, b, q.number, q.revision + 1, q.id);
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
