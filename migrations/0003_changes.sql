-- 0003_changes: the change feed behind GET /v1/changes. Every insert and
-- update of a customer, contact person or contact record writes one row here,
-- by trigger, in the writing transaction, tagged with that transaction's id.
--
-- Why the transaction id and not only the sequence number: a sequence value is
-- drawn when the row is written, not when its transaction commits, so a long
-- transaction can commit a low `seq` after a reader has already paged past
-- higher ones. The feed therefore orders by (xid, seq) and only hands out rows
-- whose xid is below the reader's snapshot xmin: every transaction older than
-- xmin has finished (committed or rolled back), so no row can ever appear
-- behind a position the feed has returned. See lib/changes.c.

CREATE TABLE changes (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    xid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity        text NOT NULL CHECK (entity IN ('customer', 'contact', 'contact_record')),
    entity_id     uuid NOT NULL,
    customer_id   uuid NOT NULL,  -- the customer whose visibility governs the row
    owner_id      uuid NOT NULL,  -- that customer's owner after the change
    prev_owner_id uuid,           -- its owner before, when the change was a transfer
    op            text NOT NULL CHECK (op IN ('upsert', 'delete')),
    at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX changes_feed ON changes (tenant_id, xid, seq);

ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON changes USING (tenant_id = current_tenant())
    WITH CHECK (tenant_id = current_tenant());

-- The feed's opaque position: base64url (no padding) of "xid:seq".
CREATE FUNCTION change_cursor(xid xid8, seq bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT translate(encode(convert_to(xid::text || ':' || seq::text, 'UTF8'), 'base64'), E'+/=\n', '-_') $$;

-- A customer changed. A transfer (new owner) also re-announces the customer's
-- live contacts and contact records: whoever can see the customer only now
-- must receive them too, and nothing else would tell them.
CREATE FUNCTION change_customer() RETURNS trigger
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
    END IF;
    RETURN NULL;
END
$$;

-- A contact person or contact record changed (TG_ARGV[0] names the entity).
-- The customer row is locked as an update would lock it, so that a concurrent
-- transfer of that customer either commits first (and a reader then sees this
-- row with the new owner) or waits for this transaction (and then re-announces
-- this row's entity): without it a child written during a transfer could reach
-- the new owner's devices by neither route.
CREATE FUNCTION change_child() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    owner uuid;
BEGIN
    SELECT c.owner_id INTO owner FROM customers c
     WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.customer_id
       FOR NO KEY UPDATE;
    INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)
    VALUES (NEW.tenant_id, TG_ARGV[0], NEW.id, NEW.customer_id, owner,
            CASE WHEN NEW.deleted_at IS NULL THEN 'upsert' ELSE 'delete' END);
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_change AFTER INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION change_customer();
CREATE TRIGGER contacts_change AFTER INSERT OR UPDATE ON contacts
    FOR EACH ROW EXECUTE FUNCTION change_child('contact');
CREATE TRIGGER contact_records_change AFTER INSERT OR UPDATE ON contact_records
    FOR EACH ROW EXECUTE FUNCTION change_child('contact_record');

GRANT SELECT, INSERT ON changes TO crm_app;
