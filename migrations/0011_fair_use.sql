-- 0011_fair_use: one tenant never slows another. Search finds its candidates
-- through an index that leads with tenant_id and reads a bounded number of
-- them, whatever the tenant holds; the list of all contact persons has the
-- index its keyset order needs.
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
    contacts_name_trgm, contacts_phone_trgm, contacts_mobile_trgm, contacts_email_trgm;

-- Every contact person in creation order (GET /v1/contacts without q).
CREATE INDEX contacts_page ON contacts (tenant_id, created_at, id) WHERE deleted_at IS NULL;

---------------------------------------------------------------------------
-- Search terms. A name or email is split into its words as customer names
-- are normalised (lower case, punctuation and legal forms dropped); a word
-- with letters beyond a-z and 0-9 (Chinese names have no spaces) also gives
-- its suffixes, so that a part of it is the prefix of a term. A phone gives
-- the suffixes of its digits from six on, so that the number typed with or
-- without its country and area codes is found.

CREATE FUNCTION search_words(t text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 4
AS $$ SELECT DISTINCT left(w, 32) FROM regexp_split_to_table(customer_name_norm(coalesce(t, '')), ' ') w
       WHERE w <> '' $$;

CREATE FUNCTION search_terms_of(texts text[], phones text[]) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 12
AS $$ SELECT DISTINCT term FROM (
        SELECT substr(w, i) AS term
          FROM unnest(texts) t, search_words(t) w,
               generate_series(1, CASE WHEN w ~ '[^a-z0-9]' THEN greatest(1, least(length(w) - 1, 16)) ELSE 1 END) i
        UNION ALL
        SELECT right(d, n)
          FROM unnest(phones) p,
               LATERAL (SELECT right(regexp_replace(coalesce(p, ''), '[^0-9]', '', 'g'), 15) AS d) digits,
               generate_series(6, length(d)) n) terms $$;

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
-- is a range of the b-tree whatever the database's locale.
CREATE TABLE search_terms (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    entity    text NOT NULL CHECK (entity IN ('customer', 'contact')),
    id        uuid NOT NULL,
    term      text COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, entity, id, term)
);
CREATE INDEX search_terms_prefix ON search_terms (tenant_id, entity, term, id);

-- The trigger of a searchable table: search_terms_refresh('<entity>',
-- '<text columns>', '<phone columns>'), the column lists comma-separated.
-- A deleted row has no terms.
CREATE FUNCTION search_terms_refresh() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    r jsonb := to_jsonb(NEW);
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_terms WHERE tenant_id = NEW.tenant_id AND entity = TG_ARGV[0] AND id = NEW.id;
    END IF;
    IF NEW.deleted_at IS NULL THEN
        INSERT INTO search_terms (tenant_id, entity, id, term)
        SELECT NEW.tenant_id, TG_ARGV[0], NEW.id, t
          FROM search_terms_of(ARRAY(SELECT r ->> c FROM unnest(string_to_array(TG_ARGV[1], ',')) c),
                               ARRAY(SELECT r ->> c FROM unnest(string_to_array(TG_ARGV[2], ',')) c)) t;
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

-- The terms of what exists. Row-level security is forced on the owner too;
-- lifted for the copy, inside this migration's transaction.
ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
INSERT INTO search_terms (tenant_id, entity, id, term)
SELECT c.tenant_id, 'customer', c.id, t FROM customers c, search_terms_of(ARRAY[c.name, c.email], ARRAY[c.phone]) t
 WHERE c.deleted_at IS NULL;
INSERT INTO search_terms (tenant_id, entity, id, term)
SELECT c.tenant_id, 'contact', c.id, t
  FROM contacts c, search_terms_of(ARRAY[c.name, c.email], ARRAY[c.phone, c.mobile]) t
 WHERE c.deleted_at IS NULL;
ALTER TABLE customers FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;

SELECT crm_tenant_table('search_terms');
GRANT SELECT, INSERT, DELETE ON search_terms TO crm_app;
