-- 0011_contract_breaks: writes that left the contract (issue 8).
--   - A merge joined two customers into one no request could have written:
--     notes past their length, more tags than a customer may have, custom
--     fields past their count or size. It now refuses (409 naming the field)
--     and changes nothing; the limits come from the server's field table.
--   - A new revision of a quotation took revision + 1 of the one it revises,
--     which a deleted draft revision may still hold (the key on tenant, number
--     and revision counts tombstones): it takes the next after every revision
--     of the number.
--   - A change of a quotation refused a contact person deleted since it was
--     set, although the change did not name one: the contact is checked only
--     when the patch sends contact_id.

-- The length of the compact JSON text of j (no white space between tokens),
-- as PostgreSQL renders its values: its text form less the one space it
-- writes after every ':' and every ','.
CREATE FUNCTION jsonb_compact_length(j jsonb) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT octet_length(j::text) - coalesce((
          SELECT sum(CASE jsonb_typeof(v) WHEN 'object' THEN 2 * n - 1 ELSE n - 1 END)::integer
            FROM (SELECT v, CASE jsonb_typeof(v) WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(v))
                                                 WHEN 'array' THEN jsonb_array_length(v) ELSE 0 END AS n
                    FROM jsonb_path_query(j, 'strict $.**') v) parts
           WHERE n > 0), 0) $$;

-- A refusal naming `field` for a write function: 'problem:' and the JSON the
-- server turns into a problem (lib/resource.c), here a 409 with code too_long.
CREATE FUNCTION write_too_long(p_field text, p_message text) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$ SELECT 'problem:' || json_build_object('field', p_field, 'code', 'too_long', 'message', p_message,
                                             'status', 409)::text $$;

-- Merge customer p_duplicate into p_survivor for (p_user, p_role), as in 0009,
-- except that the survivor's joined values must stay within what a request
-- may write: notes of at most p_notes characters, at most p_tags tags,
-- custom fields of at most p_custom_members members and p_custom_bytes bytes
-- of compact JSON. Outcomes: those of 0009, and a 'problem:' naming notes,
-- tags or custom (409, too_long) when the joined value would pass its limit;
-- then nothing has changed.
DROP FUNCTION customer_merge(uuid, uuid, text, boolean, uuid, uuid);
CREATE FUNCTION customer_merge(p_tenant uuid, p_user uuid, p_role text, p_may_merge boolean,
                               p_survivor uuid, p_duplicate uuid, p_notes integer, p_tags integer,
                               p_custom_members integer, p_custom_bytes integer) RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    survivor customers;
    duplicate customers;
    child record;
    v_notes text;
    v_tags text[];
    v_custom jsonb;
    v_count integer;
BEGIN
    PERFORM 1 FROM customers c WHERE c.tenant_id = p_tenant AND c.id IN (p_survivor, p_duplicate)
     ORDER BY c.id FOR UPDATE;
    SELECT c.* INTO survivor FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = p_survivor AND c.deleted_at IS NULL;
    IF NOT FOUND OR NOT customer_visible(survivor.owner_id, p_user, p_role) THEN
        RETURN 'missing';
    ELSIF NOT p_may_merge THEN
        RETURN 'forbidden';
    END IF;
    SELECT c.* INTO duplicate FROM customers c
     WHERE c.tenant_id = p_tenant AND c.id = p_duplicate AND c.deleted_at IS NULL;
    IF NOT FOUND OR NOT customer_visible(duplicate.owner_id, p_user, p_role) THEN
        RETURN 'duplicate';
    END IF;
    -- The survivor keeps its own values and takes the duplicate's where it has
    -- none; notes are joined, tags united, custom fields merged (its own win).
    v_notes := CASE WHEN duplicate.notes IS NULL THEN survivor.notes WHEN survivor.notes IS NULL THEN duplicate.notes
                    ELSE survivor.notes || E'\n\n' || duplicate.notes END;
    v_tags := ARRAY(SELECT DISTINCT t FROM unnest(survivor.tags || duplicate.tags) t ORDER BY t);
    v_custom := duplicate.custom || survivor.custom;
    IF length(v_notes) > p_notes THEN
        RETURN write_too_long('notes', format(
            'The notes of the two customers joined would be %s characters, more than the %s a customer may have; '
            'shorten the notes of either first.', length(v_notes), p_notes));
    ELSIF cardinality(v_tags) > p_tags THEN
        RETURN write_too_long('tags', format(
            'The two customers have %s different tags, more than the %s a customer may have; '
            'remove tags from either first.', cardinality(v_tags), p_tags));
    END IF;
    SELECT count(*) INTO v_count FROM jsonb_object_keys(v_custom);
    IF v_count > p_custom_members THEN
        RETURN write_too_long('custom', format(
            'The custom fields of the two customers together would have %s members, more than the %s a customer '
            'may have; remove custom fields from either first.', v_count, p_custom_members));
    ELSIF jsonb_compact_length(v_custom) > p_custom_bytes THEN
        RETURN write_too_long('custom', format(
            'The custom fields of the two customers together would encode to %s bytes, more than the %s a '
            'customer may have; remove custom fields from either first.', jsonb_compact_length(v_custom),
            p_custom_bytes));
    END IF;
    FOR child IN SELECT f.relation, f.customer_column, c.owner_column, c.primary_column
                   FROM customer_children c JOIN feed_entities f ON f.entity = c.entity
                  ORDER BY c.position LOOP
        EXECUTE format('UPDATE %s x SET %I = $2', child.relation, child.customer_column)
                || CASE WHEN child.owner_column IS NOT NULL THEN format(', %I = $4', child.owner_column) ELSE '' END
                || CASE WHEN child.primary_column IS NOT NULL THEN
                       format(', %1$I = x.%1$I AND NOT EXISTS (SELECT 1 FROM %2$s p WHERE p.tenant_id = $1'
                              ' AND p.%3$I = $2 AND p.%1$I AND p.deleted_at IS NULL)',
                              child.primary_column, child.relation, child.customer_column)
                   ELSE '' END
                || format(' WHERE x.tenant_id = $1 AND x.%I = $3', child.customer_column)
        USING p_tenant, p_survivor, p_duplicate, survivor.owner_id;
    END LOOP;
    UPDATE customers s
       SET category = coalesce(s.category, d.category), industry = coalesce(s.industry, d.industry),
           region = coalesce(s.region, d.region), address = coalesce(s.address, d.address),
           phone = coalesce(s.phone, d.phone), email = coalesce(s.email, d.email),
           website = coalesce(s.website, d.website), source = coalesce(s.source, d.source),
           credit_limit = coalesce(s.credit_limit, d.credit_limit),
           payment_terms_days = coalesce(s.payment_terms_days, d.payment_terms_days),
           notes = v_notes, tags = v_tags, custom = v_custom
      FROM customers d
     WHERE s.tenant_id = p_tenant AND s.id = p_survivor AND d.tenant_id = p_tenant AND d.id = p_duplicate;
    UPDATE customers SET deleted_at = now(), merged_into = p_survivor
     WHERE tenant_id = p_tenant AND id = p_duplicate;
    RETURN 'ok';
END
$$;

-- Change quotation p_id at p_version by the JSON merge patch p_patch, as in
-- 0010, but for two things: the contact person is checked only when the
-- patch names one (a contact deleted after it was set stays on the quotation
-- and its revisions), and a new revision takes the number after every
-- revision of the quotation's number, deleted ones included.
CREATE OR REPLACE FUNCTION quotation_update(p_tenant uuid, p_user uuid, p_role text, p_writes boolean, p_id uuid,
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
