-- Reports read the rows of a period by the instant or day they count on.
-- Customers (created_at) and contact records (occurred_at) have such
-- indexes already; quotations and contracts are found here by the day they
-- were sent, accepted or signed, so that a report reads the period's rows of
-- a tenant, not all of them (EXPLAIN of the performance report over 100,000
-- quotations and 50,000 contracts: 100,000 rows read and filtered for each
-- figure, for a month that holds a few hundred).

CREATE INDEX quotations_sent ON quotations (tenant_id, sent_at)
    WHERE sent_at IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX quotations_accepted ON quotations (tenant_id, decided_at)
    WHERE status = 'accepted' AND deleted_at IS NULL;
CREATE INDEX contracts_signed ON contracts (tenant_id, signed_on)
    WHERE status IN ('active', 'completed') AND deleted_at IS NULL;

-- A customer's children count in a report only while it is live: the
-- report looks the tenant's deleted customers up once.
CREATE INDEX customers_deleted ON customers (tenant_id, id) WHERE deleted_at IS NOT NULL;
