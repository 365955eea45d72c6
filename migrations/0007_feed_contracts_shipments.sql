-- 0007_feed_contracts_shipments: contracts and shipments join the change feed
-- (0003), as quotations did in 0005. Both hang off a customer: a contract
-- names its customer, and a shipment carries its contract's customer_id
-- (copied in 0006 for visibility), so change_child() records them as it
-- records contacts. A contract's lines, payment plan and shipped quantities
-- are part of its document and a shipment's lines part of its own: every
-- writer of those (0006) also updates the contract or shipment row, which
-- fires the trigger. A transfer re-announces the customer's contracts and
-- shipments along with its contacts, contact records and quotations.

ALTER TABLE changes DROP CONSTRAINT changes_entity_check;
ALTER TABLE changes ADD CONSTRAINT changes_entity_check
    CHECK (entity IN ('customer', 'contact', 'contact_record', 'quotation', 'contract', 'shipment'));

CREATE TRIGGER contracts_change AFTER INSERT OR UPDATE ON contracts
    FOR EACH ROW EXECUTE FUNCTION change_child('contract');
CREATE TRIGGER shipments_change AFTER INSERT OR UPDATE ON shipments
    FOR EACH ROW EXECUTE FUNCTION change_child('shipment');

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
        INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)
        SELECT k.tenant_id, 'contract', k.id, k.customer_id, NEW.owner_id, 'upsert'
          FROM contracts k
         WHERE k.tenant_id = NEW.tenant_id AND k.customer_id = NEW.id AND k.deleted_at IS NULL
         ORDER BY k.created_at, k.id;
        INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)
        SELECT s.tenant_id, 'shipment', s.id, s.customer_id, NEW.owner_id, 'upsert'
          FROM shipments s
         WHERE s.tenant_id = NEW.tenant_id AND s.customer_id = NEW.id AND s.deleted_at IS NULL
         ORDER BY s.created_at, s.id;
    END IF;
    RETURN NULL;
END
$$;
