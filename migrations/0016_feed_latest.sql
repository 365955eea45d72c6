-- 0016_feed_latest: the change feed sends each entity at its latest change
-- only. A row of `changes` is passed over when a later row of the same entity
-- is already visible to every reader (its transaction older than the
-- snapshot's xmin): that later row renders the same current state, and a
-- reader paging on reaches it. A new phone's first sync of a year of use
-- thus reads each record once instead of once per change (every contact
-- record also changes its customer). This index finds such a later row.
CREATE INDEX changes_entity_latest ON changes (tenant_id, entity, entity_id, xid, seq);
