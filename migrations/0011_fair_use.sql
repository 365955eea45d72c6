-- 0011_fair_use: one tenant never slows another. Search (of customers,
-- contact persons and products, and the duplicate guard) finds its
-- candidates through an index that leads with tenant_id and reads a bounded
-- number of them, whatever the tenant holds; the list of all contact persons
-- has the index its keyset order needs.
--
-- Why not the trigram indexes of 0001/0004: the application's role is subject
-- to row-level security, and PostgreSQL evaluates a condition before the
-- tenant policy (as an index condition is) only when its operator is
-- LEAKPROOF. pg_trgm's %, <% and ILIKE are not (only a superuser may mark
-- them), so those GIN indexes were never used: every q= compared the query
-- with every customer of the tenant (5 s at 60,000 customers for a
-- 200-character query). B-tree comparisons of text are leakproof, so the
-- terms below are found by prefix through a b-tree, and the trigram measures
-- only rank the few rows found. The GIN indexes go: they cost every write and
-- served no read.

DROP INDEX customers_name_trgm, customers_phone_trgm, customers_email_trgm, customers_name_norm_trgm,
    contacts_name_trgm, contacts_phone_trgm, contacts_mobile_trgm, contacts_email_trgm,
    products_name_trgm, products_sku_trgm;

-- Every contact person in creation order (GET /v1/contacts without q).
CREATE INDEX contacts_page ON contacts (tenant_id, created_at, id) WHERE deleted_at IS NULL;

---------------------------------------------------------------------------
-- Search terms. A name or email is split into its words as customer names
-- are normalised (lower case, punctuation and legal forms dropped); a word
-- with letters beyond a-z and 0-9 (Chinese names have no spaces) also gives
-- its suffixes, so that a part of it is the prefix of a term. A phone gives
-- the suffixes of its digits from six on, so that the number typed with or
-- without its country and area codes is found.

-- PL/pgSQL rather than SQL: a trigger calls these for every row written, and
-- PL/pgSQL keeps the plans of its queries where SQL functions that cannot be
-- inlined would be planned again at every call (0.7 ms a customer).
CREATE FUNCTION search_words(t text) RETURNS SETOF text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ROWS 4
AS $$
BEGIN
    RETURN QUERY SELECT DISTINCT left(w, 32) FROM regexp_split_to_table(customer_name_norm(coalesce(t, '')), ' ') w
                  WHERE w <> '';
END
$$;

CREATE FUNCTION search_terms_of(texts text[], phones text[]) RETURNS SETOF text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ROWS 12
AS $$
BEGIN
    RETURN QUERY SELECT DISTINCT term FROM (
        SELECT substr(w, i) AS term
          FROM unnest(texts) t, search_words(t) w,
               generate_series(1, CASE WHEN w ~ '[^a-z0-9]' THEN greatest(1, least(length(w) - 1, 16)) ELSE 1 END) i
        UNION ALL
        SELECT right(d, n)
          FROM unnest(phones) p,
               LATERAL (SELECT right(regexp_replace(coalesce(p, ''), '[^0-9]', '', 'g'), 15) AS d) digits,
               generate_series(6, length(d)) n) terms;
END
$$;

-- What a query looks for: each of its words as a prefix, the first three
-- letters of a longer word (a typo further on still finds it), and its digits
-- when it has six or more. The server holds a query to 64 characters and 8
-- words, so there are at most 17.
CREATE FUNCTION search_prefixes(q text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 8
AS $$ SELECT DISTINCT p FROM (
        SELECT w AS p FROM search_words(q) w
        UNION ALL
        SELECT left(w, 3) FROM search_words(q) w WHERE length(w) > 3
        UNION ALL
        SELECT d FROM (SELECT right(regexp_replace(coalesce(q, ''), '[^0-9]', '', 'g'), 15) AS d) digits
         WHERE length(d) >= 6) prefixes $$;

-- Derived from the rows it names, written by their triggers in the same
-- transaction; no foreign key (it is not a child of the customer: a merge or
-- a transfer changes nothing here). C collation: byte order, so that a prefix
-- is a range of the b-tree whatever the database's locale. One index, the
-- key: a prefix is a range of it, and a row's terms are found by recomputing
-- them from the row.
CREATE TABLE search_terms (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    entity    text NOT NULL CHECK (entity IN ('customer', 'contact', 'product')),
    term      text COLLATE "C" NOT NULL,
    id        uuid NOT NULL,
    PRIMARY KEY (tenant_id, entity, term, id)
);

-- The values of `columns` (comma-separated) of row r.
CREATE FUNCTION search_columns(r jsonb, columns text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$ BEGIN RETURN ARRAY(SELECT r ->> c FROM unnest(string_to_array(columns, ',')) c); END $$;

-- The trigger of a searchable table: search_terms_refresh('<entity>',
-- '<text columns>', '<phone columns>'), the column lists comma-separated.
-- A deleted row has no terms.
CREATE FUNCTION search_terms_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_terms
         WHERE tenant_id = OLD.tenant_id AND entity = TG_ARGV[0] AND id = OLD.id
           AND term IN (SELECT search_terms_of(search_columns(to_jsonb(OLD), TG_ARGV[1]),
                                               search_columns(to_jsonb(OLD), TG_ARGV[2])));
    END IF;
    IF NEW.deleted_at IS NULL THEN
        INSERT INTO search_terms (tenant_id, entity, term, id)
        SELECT NEW.tenant_id, TG_ARGV[0], t, NEW.id
          FROM search_terms_of(search_columns(to_jsonb(NEW), TG_ARGV[1]), search_columns(to_jsonb(NEW), TG_ARGV[2])) t;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER customers_search_insert AFTER INSERT ON customers
    FOR EACH ROW EXECUTE FUNCTION search_terms_refresh('customer', 'name,email', 'phone');
CREATE TRIGGER customers_search_update AFTER UPDATE OF name, email, phone, deleted_at ON customers
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
                       OR OLD.phone IS DISTINCT FROM NEW.phone OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION search_terms_refresh('customer', 'name,email', 'phone');
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts
    FOR EACH ROW EXECUTE FUNCTION search_terms_refresh('contact', 'name,email', 'phone,mobile');
CREATE TRIGGER contacts_search_update AFTER UPDATE OF name, email, phone, mobile, deleted_at ON contacts
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email
                       OR OLD.phone IS DISTINCT FROM NEW.phone OR OLD.mobile IS DISTINCT FROM NEW.mobile
                       OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION search_terms_refresh('contact', 'name,email', 'phone,mobile');

CREATE TRIGGER products_search_insert AFTER INSERT ON products
    FOR EACH ROW EXECUTE FUNCTION search_terms_refresh('product', 'name,sku', '');
CREATE TRIGGER products_search_update AFTER UPDATE OF name, sku, deleted_at ON products
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.sku IS DISTINCT FROM NEW.sku
                       OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
    EXECUTE FUNCTION search_terms_refresh('product', 'name,sku', '');

-- The terms of what exists. Row-level security is forced on the owner too;
-- lifted for the copy, inside this migration's transaction.
ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE products NO FORCE ROW LEVEL SECURITY;
INSERT INTO search_terms (tenant_id, entity, term, id)
SELECT c.tenant_id, 'customer', t, c.id FROM customers c, search_terms_of(ARRAY[c.name, c.email], ARRAY[c.phone]) t
 WHERE c.deleted_at IS NULL;
INSERT INTO search_terms (tenant_id, entity, term, id)
SELECT c.tenant_id, 'contact', t, c.id
  FROM contacts c, search_terms_of(ARRAY[c.name, c.email], ARRAY[c.phone, c.mobile]) t
 WHERE c.deleted_at IS NULL;
INSERT INTO search_terms (tenant_id, entity, term, id)
SELECT p.tenant_id, 'product', t, p.id FROM products p, search_terms_of(ARRAY[p.name, p.sku], '{}') t
 WHERE p.deleted_at IS NULL;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
ALTER TABLE products FORCE ROW LEVEL SECURITY;

SELECT crm_tenant_table('search_terms');
GRANT SELECT, INSERT, DELETE ON search_terms TO crm_app;

---------------------------------------------------------------------------
-- A quotation's lines are stored (and so audited) in their order: with a
-- big catalogue quotation_calc's join with products may hash, and the lines
-- came out in any order.
CREATE OR REPLACE FUNCTION quotation_put_lines(p_tenant uuid, p_id uuid, p_currency text, p_lines jsonb,
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
          FROM calc k ORDER BY k.line_no
        RETURNING quotation_lines.net, quotation_lines.tax, quotation_lines.gross)
    SELECT sum(ins.net), sum(ins.tax), sum(ins.gross) INTO net, tax, gross FROM ins;
END
$$;
