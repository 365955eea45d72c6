-- 0019_money_in: receivables, payments received and their allocations.
--
-- A receivable is an amount a customer owes by a date: one per installment of
-- a contract, made when the contract is activated, or an opening balance
-- carried over from an earlier system (no contract). A payment is money
-- received; its allocations pay receivables of the same customer in the same
-- currency, and what is not allocated is the customer's credit.
--
-- The ledger's rules live here, not only in C: an allocation is never larger
-- than the receivable's open amount nor the payment's unallocated amount (the
-- CHECKs on the running sums below, kept by the allocation trigger under the
-- rows' locks, are the last word); currencies and customers match; amounts
-- are exact numeric. Payments and allocations are never deleted, and their
-- amounts never change: a reversal marks the payment and every allocation of
-- it reversed in one transaction, and gives the amounts back.
--
-- The writes are plpgsql functions answering an outcome ('ok' or the rule
-- that refused), as those of 0006, so lib/payment.c and lib/receivable.c can
-- name the field or the conflict.

CREATE TABLE receivables (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    customer_id        uuid NOT NULL,
    contract_id        uuid,
    installment_seq    integer,
    currency           char(3) NOT NULL REFERENCES currencies (code),
    due_date           date NOT NULL,
    amount             numeric(18, 2) NOT NULL CHECK (amount > 0),
    amount_paid        numeric(18, 2) NOT NULL DEFAULT 0 CHECK (amount_paid >= 0),
    amount_written_off numeric(18, 2) NOT NULL DEFAULT 0 CHECK (amount_written_off >= 0),
    description        text CHECK (length(description) <= 2000),
    write_off_reason   text CHECK (length(write_off_reason) <= 2000),
    written_off_at     timestamptz,
    version            integer NOT NULL DEFAULT 1,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT receivables_not_overpaid CHECK (amount_paid + amount_written_off <= amount),
    CONSTRAINT receivables_installment CHECK ((contract_id IS NULL) = (installment_seq IS NULL)),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, contract_id) REFERENCES contracts (tenant_id, id)
);
CREATE UNIQUE INDEX receivables_of_installment ON receivables (tenant_id, contract_id, installment_seq)
    WHERE contract_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX receivables_page ON receivables (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX receivables_customer ON receivables (tenant_id, customer_id, due_date) WHERE deleted_at IS NULL;
CREATE INDEX receivables_open_due ON receivables (tenant_id, due_date)
    WHERE deleted_at IS NULL AND amount_paid + amount_written_off < amount;

CREATE TABLE payments (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    customer_id     uuid NOT NULL,
    received_on     date NOT NULL,
    amount          numeric(18, 2) NOT NULL CHECK (amount > 0),
    currency        char(3) NOT NULL REFERENCES currencies (code),
    method          text NOT NULL CHECK (method IN ('bank_transfer', 'cash', 'cheque', 'card', 'alipay',
                                                    'wechat_pay', 'other')),
    reference       text CHECK (length(reference) <= 200),
    payer           text CHECK (length(payer) <= 200),
    notes           text CHECK (length(notes) <= 10000),
    -- The sum of its allocations not reversed; kept by the allocation trigger.
    allocated       numeric(18, 2) NOT NULL DEFAULT 0,
    reversed_at     timestamptz,
    reversal_reason text CHECK (length(reversal_reason) <= 2000),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT payments_not_overallocated CHECK (allocated >= 0 AND allocated <= amount),
    CONSTRAINT payments_reversal CHECK ((reversed_at IS NULL) = (reversal_reason IS NULL)),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX payments_page ON payments (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX payments_customer ON payments (tenant_id, customer_id, received_on) WHERE deleted_at IS NULL;

CREATE TABLE payment_allocations (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    payment_id    uuid NOT NULL,
    receivable_id uuid NOT NULL,
    amount        numeric(18, 2) NOT NULL CHECK (amount > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    reversed_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, id),
    FOREIGN KEY (tenant_id, receivable_id) REFERENCES receivables (tenant_id, id)
);
CREATE INDEX payment_allocations_payment ON payment_allocations (tenant_id, payment_id, created_at);
CREATE INDEX payment_allocations_receivable ON payment_allocations (tenant_id, receivable_id);

---------------------------------------------------------------------------
-- The running sums. An allocation adds its amount to its receivable's paid
-- amount and its payment's allocated amount; its reversal takes it back. The
-- two UPDATEs lock both rows, so concurrent allocations to the same
-- receivable queue here and each sees the sum the one before left: the
-- CHECKs above then refuse the one too many. Nothing else about an
-- allocation may change, and none is ever deleted.

CREATE FUNCTION payment_allocation_apply() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_delta numeric;
    v_row record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payment allocations are never deleted' USING ERRCODE = 'restrict_violation';
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.payment_id <> OLD.payment_id OR NEW.receivable_id <> OLD.receivable_id OR NEW.amount <> OLD.amount
           OR OLD.reversed_at IS NOT NULL OR NEW.reversed_at IS NULL THEN
            RAISE EXCEPTION 'an allocation only ever changes by its reversal' USING ERRCODE = 'restrict_violation';
        END IF;
        v_delta := -NEW.amount;
    ELSE
        IF NEW.reversed_at IS NOT NULL THEN
            RAISE EXCEPTION 'an allocation starts unreversed' USING ERRCODE = 'check_violation';
        END IF;
        SELECT p.customer_id AS pc, p.currency AS pcur, p.reversed_at, r.customer_id AS rc, r.currency AS rcur,
               r.deleted_at
          INTO v_row
          FROM payments p, receivables r
         WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.payment_id
           AND r.tenant_id = NEW.tenant_id AND r.id = NEW.receivable_id;
        IF v_row.pc <> v_row.rc OR v_row.pcur <> v_row.rcur OR v_row.reversed_at IS NOT NULL
           OR v_row.deleted_at IS NOT NULL THEN
            RAISE EXCEPTION 'an allocation pays a live receivable of the payment''s customer, in its currency'
                USING ERRCODE = 'check_violation';
        END IF;
        v_delta := NEW.amount;
    END IF;
    UPDATE receivables SET amount_paid = amount_paid + v_delta
     WHERE tenant_id = NEW.tenant_id AND id = NEW.receivable_id;
    UPDATE payments SET allocated = allocated + v_delta
     WHERE tenant_id = NEW.tenant_id AND id = NEW.payment_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER payment_allocations_apply AFTER INSERT OR UPDATE OR DELETE ON payment_allocations
    FOR EACH ROW EXECUTE FUNCTION payment_allocation_apply();

-- A payment's amount and currency never change, nor is one undone but by its
-- reversal (its customer changes only by a merge of customers).
CREATE FUNCTION payment_guard() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'payments are never deleted' USING ERRCODE = 'restrict_violation';
    ELSIF NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency
          OR (OLD.reversed_at IS NOT NULL AND NEW.reversed_at IS DISTINCT FROM OLD.reversed_at)
          OR NEW.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'a payment''s amount and currency never change; it is only reversed, once'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER payments_guard BEFORE UPDATE OR DELETE ON payments FOR EACH ROW EXECUTE FUNCTION payment_guard();

---------------------------------------------------------------------------
-- Documents.

CREATE FUNCTION receivable_status(r receivables) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT CASE WHEN r.amount_paid + r.amount_written_off < r.amount THEN 'open'
                  WHEN r.amount_written_off > 0 THEN 'written_off'
                  ELSE 'paid' END $$;

-- Rendered with the customer at hand (the reads join it, the feed passes it:
-- 0009's two-argument form); the one-argument forms look it up.
CREATE FUNCTION receivable_json(r receivables, c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', r.id, 'customer_id', r.customer_id, 'customer_name', c.name, 'owner_id', c.owner_id,
    'contract_id', r.contract_id,
    'contract_number', (SELECT k.number FROM contracts k WHERE k.tenant_id = r.tenant_id AND k.id = r.contract_id),
    'installment_seq', r.installment_seq, 'currency', r.currency, 'due_date', to_char(r.due_date, 'YYYY-MM-DD'),
    'amount', money_text(r.amount, r.currency), 'amount_paid', money_text(r.amount_paid, r.currency),
    'amount_written_off', money_text(r.amount_written_off, r.currency),
    'amount_open', money_text(r.amount - r.amount_paid - r.amount_written_off, r.currency),
    'status', receivable_status(r),
    'days_overdue', CASE WHEN receivable_status(r) = 'open' THEN greatest(tenant_today() - r.due_date, 0) ELSE 0 END,
    'description', r.description, 'write_off_reason', r.write_off_reason,
    'written_off_at', rfc3339(r.written_off_at),
    'version', r.version, 'created_at', rfc3339(r.created_at), 'updated_at', rfc3339(r.updated_at)) $$;

CREATE FUNCTION receivable_json(r receivables) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT receivable_json(r, c) FROM customers c WHERE c.tenant_id = r.tenant_id AND c.id = r.customer_id $$;

CREATE FUNCTION payment_json(p payments, c customers) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT json_build_object(
    'id', p.id, 'customer_id', p.customer_id, 'customer_name', c.name,
    'received_on', to_char(p.received_on, 'YYYY-MM-DD'), 'amount', money_text(p.amount, p.currency),
    'currency', p.currency, 'method', p.method, 'reference', p.reference, 'payer', p.payer, 'notes', p.notes,
    'amount_allocated', money_text(p.allocated, p.currency),
    'amount_unallocated', money_text(CASE WHEN p.reversed_at IS NULL THEN p.amount - p.allocated ELSE 0 END, p.currency),
    'status', CASE WHEN p.reversed_at IS NULL THEN 'received' ELSE 'reversed' END,
    'allocations', coalesce((SELECT json_agg(json_build_object(
        'id', a.id, 'receivable_id', a.receivable_id, 'amount', money_text(a.amount, p.currency),
        'created_at', rfc3339(a.created_at), 'reversed_at', rfc3339(a.reversed_at)) ORDER BY a.created_at, a.id)
        FROM payment_allocations a WHERE a.tenant_id = p.tenant_id AND a.payment_id = p.id), '[]'),
    'reversed_at', rfc3339(p.reversed_at), 'reversal_reason', p.reversal_reason,
    'version', p.version, 'created_at', rfc3339(p.created_at), 'updated_at', rfc3339(p.updated_at)) $$;

CREATE FUNCTION payment_json(p payments) RETURNS json
LANGUAGE sql STABLE
AS $$ SELECT payment_json(p, c) FROM customers c WHERE c.tenant_id = p.tenant_id AND c.id = p.customer_id $$;

---------------------------------------------------------------------------
-- Allocations of a payment, from the request's [{receivable_id, amount}]:
-- each receivable named once, of the payment's customer and currency, open
-- by at least the amount; together no more than the payment has unallocated.
-- The receivables are locked in id order (no deadlock between two payments
-- naming the same ones), then checked, then written; the CHECKs stay the last
-- word. Outcomes name the item: 'receivable:i', 'currency:i', 'over:i',
-- 'amount:i' (more digits than the currency has), 'unallocated'.

CREATE FUNCTION payment_allocate_items(p payments, p_items jsonb) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_bad record;
    v_minor integer := coalesce(currency_minor_unit(p.currency), 2);
BEGIN
    IF p_items IS NULL OR jsonb_array_length(p_items) = 0 THEN
        RETURN 'ok';
    END IF;
    PERFORM 1 FROM receivables r
     WHERE r.tenant_id = p.tenant_id
       AND r.id IN (SELECT (e->>'receivable_id')::uuid FROM jsonb_array_elements(p_items) e)
     ORDER BY r.id FOR UPDATE;
    SELECT n - 1 AS i, (e->>'receivable_id')::uuid AS rid, (e->>'amount')::numeric AS amount INTO v_bad
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x (e, n)
     WHERE NOT EXISTS (SELECT 1 FROM receivables r WHERE r.tenant_id = p.tenant_id AND r.id = (e->>'receivable_id')::uuid
                          AND r.customer_id = p.customer_id AND r.deleted_at IS NULL)
        OR EXISTS (SELECT 1 FROM jsonb_array_elements(p_items) WITH ORDINALITY AS y (e2, m)
                    WHERE m < n AND e2->>'receivable_id' = e->>'receivable_id')
     ORDER BY n LIMIT 1;
    IF FOUND THEN
        RETURN 'receivable:' || v_bad.i;
    END IF;
    SELECT n - 1 AS i INTO v_bad
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x (e, n)
      JOIN receivables r ON r.tenant_id = p.tenant_id AND r.id = (e->>'receivable_id')::uuid
     WHERE r.currency <> p.currency ORDER BY n LIMIT 1;
    IF FOUND THEN
        RETURN 'currency:' || v_bad.i;
    END IF;
    SELECT n - 1 AS i INTO v_bad
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x (e, n)
     WHERE round((e->>'amount')::numeric, v_minor) <> (e->>'amount')::numeric ORDER BY n LIMIT 1;
    IF FOUND THEN
        RETURN 'amount:' || v_bad.i;
    END IF;
    SELECT n - 1 AS i INTO v_bad
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x (e, n)
      JOIN receivables r ON r.tenant_id = p.tenant_id AND r.id = (e->>'receivable_id')::uuid
     WHERE (e->>'amount')::numeric > r.amount - r.amount_paid - r.amount_written_off ORDER BY n LIMIT 1;
    IF FOUND THEN
        RETURN 'over:' || v_bad.i;
    END IF;
    -- The payment's own row again, under its lock: a concurrent allocation of it has committed by now.
    SELECT x.* INTO p FROM payments x WHERE x.tenant_id = p.tenant_id AND x.id = p.id FOR UPDATE;
    IF p.reversed_at IS NOT NULL THEN
        RETURN 'state';
    ELSIF (SELECT sum((e->>'amount')::numeric) FROM jsonb_array_elements(p_items) e) > p.amount - p.allocated THEN
        RETURN 'unallocated';
    END IF;
    INSERT INTO payment_allocations (tenant_id, payment_id, receivable_id, amount)
    SELECT p.tenant_id, p.id, (e->>'receivable_id')::uuid, (e->>'amount')::numeric
      FROM jsonb_array_elements(p_items) WITH ORDINALITY AS x (e, n) ORDER BY n;
    RETURN 'ok';
END
$$;

-- What refuses a new payment or opening balance before it is written, or
-- NULL: its customer must be visible, the caller allowed, the currency known,
-- the amount within the currency's minor digits, the id (when given) free.
CREATE FUNCTION money_input_refusal(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_body jsonb,
                                    p_table regclass) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    v_owner uuid;
    v_taken boolean;
BEGIN
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = (p_body->>'customer_id')::uuid AND c.deleted_at IS NULL;
    IF v_owner IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN 'customer';
    ELSIF NOT p_writes THEN
        RETURN 'forbidden';
    ELSIF NOT EXISTS (SELECT 1 FROM currencies WHERE code = p_body->>'currency') THEN
        RETURN 'currency';
    ELSIF round((p_body->>'amount')::numeric, coalesce(currency_minor_unit(p_body->>'currency'), 2))
          <> (p_body->>'amount')::numeric THEN
        RETURN 'digits';
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s x WHERE x.tenant_id = $1 AND x.id = $2)', p_table)
       INTO v_taken USING p_tenant, (p_body->>'id')::uuid;
    RETURN CASE WHEN v_taken THEN 'duplicate' END;
END
$$;

-- Record a payment received, with its allocations (may be none).
CREATE FUNCTION payment_create(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_body jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    p payments;
    v_outcome text;
BEGIN
    v_outcome := money_input_refusal(p_tenant, p_user, p_role, p_writes, p_body, 'payments');
    IF v_outcome IS NOT NULL THEN
        RETURN QUERY SELECT v_outcome, NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    INSERT INTO payments (tenant_id, id, customer_id, received_on, amount, currency, method, reference, payer, notes)
    VALUES (p_tenant, coalesce((p_body->>'id')::uuid, gen_random_uuid()), (p_body->>'customer_id')::uuid,
            (p_body->>'received_on')::date, (p_body->>'amount')::numeric, p_body->>'currency', p_body->>'method',
            p_body->>'reference', p_body->>'payer', p_body->>'notes')
    RETURNING * INTO p;
    v_outcome := payment_allocate_items(p, p_body->'allocations');
    IF v_outcome <> 'ok' THEN
        RETURN QUERY SELECT v_outcome, NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    RETURN QUERY SELECT 'ok', x.id, x.version, payment_json(x) FROM payments x WHERE x.tenant_id = p_tenant AND x.id = p.id;
END
$$;

-- Allocate a payment's credit ('allocate', p_body {allocations}) or reverse it
-- ('reverse', p_body {reason}): the payment and every allocation of it marked
-- reversed, the amounts given back to the receivables.
CREATE FUNCTION payment_act(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid, p_action text,
                            p_body jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    p payments;
    v_owner uuid;
    v_outcome text := 'ok';
BEGIN
    SELECT x.* INTO p FROM payments x WHERE x.tenant_id = p_tenant AND x.id = p_id FOR UPDATE;
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = p.customer_id AND c.deleted_at IS NULL;
    IF p.id IS NULL OR v_owner IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT 'missing', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF p.reversed_at IS NOT NULL THEN
        RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    IF p_action = 'allocate' THEN
        v_outcome := payment_allocate_items(p, p_body->'allocations');
    ELSIF p_action = 'reverse' THEN
        UPDATE payment_allocations SET reversed_at = now()
         WHERE tenant_id = p_tenant AND payment_id = p_id AND reversed_at IS NULL;
        UPDATE payments SET reversed_at = now(), reversal_reason = p_body->>'reason'
         WHERE tenant_id = p_tenant AND id = p_id;
    END IF;
    IF v_outcome <> 'ok' THEN
        RETURN QUERY SELECT v_outcome, NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    RETURN QUERY SELECT 'ok', x.id, x.version, payment_json(x) FROM payments x WHERE x.tenant_id = p_tenant AND x.id = p_id;
END
$$;

-- An opening balance carried over from an earlier system: a receivable
-- without a contract.
CREATE FUNCTION receivable_create(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_body jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    v_outcome text;
    v_id uuid;
BEGIN
    v_outcome := money_input_refusal(p_tenant, p_user, p_role, p_writes, p_body, 'receivables');
    IF v_outcome IS NOT NULL THEN
        RETURN QUERY SELECT v_outcome, NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    INSERT INTO receivables (tenant_id, id, customer_id, currency, due_date, amount, description)
    VALUES (p_tenant, coalesce((p_body->>'id')::uuid, gen_random_uuid()), (p_body->>'customer_id')::uuid,
            p_body->>'currency', (p_body->>'due_date')::date, (p_body->>'amount')::numeric,
            coalesce(p_body->>'description', 'Opening balance'))
    RETURNING id INTO v_id;
    RETURN QUERY SELECT 'ok', x.id, x.version, receivable_json(x) FROM receivables x
                  WHERE x.tenant_id = p_tenant AND x.id = v_id;
END
$$;

-- Write off what is open of a receivable ('write_off', p_body {reason}).
CREATE FUNCTION receivable_act(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid, p_action text,
                               p_body jsonb)
RETURNS TABLE (outcome text, row_id uuid, row_version integer, doc json)
LANGUAGE plpgsql
AS $$
DECLARE
    r receivables;
    v_owner uuid;
BEGIN
    SELECT x.* INTO r FROM receivables x WHERE x.tenant_id = p_tenant AND x.id = p_id AND x.deleted_at IS NULL FOR UPDATE;
    SELECT c.owner_id INTO v_owner FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = r.customer_id AND c.deleted_at IS NULL;
    IF r.id IS NULL OR v_owner IS NULL OR NOT customer_visible(v_owner, p_user, p_role) THEN
        RETURN QUERY SELECT 'missing', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF NOT p_writes THEN
        RETURN QUERY SELECT 'forbidden', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    ELSIF receivable_status(r) <> 'open' THEN
        RETURN QUERY SELECT 'state', NULL::uuid, NULL::integer, NULL::json;
        RETURN;
    END IF;
    IF p_action = 'write_off' THEN
        UPDATE receivables SET amount_written_off = amount - amount_paid, write_off_reason = p_body->>'reason',
               written_off_at = now()
         WHERE tenant_id = p_tenant AND id = p_id;
    END IF;
    RETURN QUERY SELECT 'ok', x.id, x.version, receivable_json(x) FROM receivables x
                  WHERE x.tenant_id = p_tenant AND x.id = p_id;
END
$$;

---------------------------------------------------------------------------
-- Contracts: activation makes a receivable of every installment with an
-- amount; cancelling drops them while nothing of them was paid, and is
-- refused otherwise (contract_act's new outcome 'paid').

CREATE FUNCTION contract_receivables() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NEW.status = 'active' AND OLD.status = 'draft' THEN
        INSERT INTO receivables (tenant_id, customer_id, contract_id, installment_seq, currency, due_date, amount,
                                 description)
        SELECT NEW.tenant_id, NEW.customer_id, NEW.id, i.seq, NEW.currency, i.due_date, i.amount,
               NEW.number || ' #' || i.seq
          FROM installments i
         WHERE i.tenant_id = NEW.tenant_id AND i.contract_id = NEW.id AND i.amount > 0
         ORDER BY i.seq;
    ELSIF NEW.status = 'cancelled' AND OLD.status <> 'cancelled' THEN
        IF EXISTS (SELECT 1 FROM receivables r WHERE r.tenant_id = NEW.tenant_id AND r.contract_id = NEW.id
                      AND r.deleted_at IS NULL AND (r.amount_paid > 0 OR r.amount_written_off > 0)) THEN
            RAISE EXCEPTION 'a contract with receivables paid or written off cannot be cancelled'
                USING ERRCODE = 'check_violation';
        END IF;
        UPDATE receivables SET deleted_at = now()
         WHERE tenant_id = NEW.tenant_id AND contract_id = NEW.id AND deleted_at IS NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER contracts_receivables AFTER UPDATE OF status ON contracts
    FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status) EXECUTE FUNCTION contract_receivables();

-- contract_act of 0010 with one rule more: a cancel is refused ('paid') while
-- a receivable of the contract was paid or written off (the trigger above
-- would refuse it anyway; this names the reason).
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
        ELSIF EXISTS (SELECT 1 FROM receivables r WHERE r.tenant_id = p_tenant AND r.contract_id = p_id
                         AND r.deleted_at IS NULL AND (r.amount_paid > 0 OR r.amount_written_off > 0)) THEN
            RETURN QUERY SELECT 'paid', NULL::uuid, NULL::integer, NULL::json;
            RETURN;
        END IF;
        UPDATE contracts SET status = 'cancelled' WHERE tenant_id = p_tenant AND id = p_id;
    END IF;
    RETURN QUERY SELECT 'ok', x.id, x.version, contract_json(x) FROM contracts x
                  WHERE x.tenant_id = p_tenant AND x.id = p_id;
END
$$;

---------------------------------------------------------------------------
-- Registered as every resource hanging off a customer is (0009): isolation,
-- the change feed (the phone shows what a customer has paid), a merge moves
-- them to the survivor, audit. Allocations are part of their payment's
-- document and change with it.

SELECT crm_tenant_table('receivables');
SELECT crm_tenant_table('payments');
SELECT crm_tenant_table('payment_allocations');
INSERT INTO feed_entities (entity, relation, render) VALUES
    ('receivable', 'receivables', 'receivable_json'),
    ('payment', 'payments', 'payment_json');
INSERT INTO customer_children (entity, position) VALUES ('receivable', 60), ('payment', 70);
CREATE TRIGGER receivables_change AFTER INSERT OR UPDATE ON receivables
    FOR EACH ROW EXECUTE FUNCTION change_child('receivable');
CREATE TRIGGER payments_change AFTER INSERT OR UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION change_child('payment');
CREATE TRIGGER receivables_touch BEFORE UPDATE ON receivables FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER receivables_audit AFTER INSERT OR UPDATE ON receivables FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER payments_touch BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION touch_row();
CREATE TRIGGER payments_audit AFTER INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION audit_row();
CREATE TRIGGER payment_allocations_audit AFTER INSERT OR UPDATE ON payment_allocations
    FOR EACH ROW EXECUTE FUNCTION audit_row();

GRANT SELECT, INSERT, UPDATE ON receivables, payments, payment_allocations TO crm_app;
