/* search.c: ranked fuzzy search of customers and contact persons, which
 * reads a bounded number of rows however many the tenant has. */
#include "crm/search.h"
#include "crm/capacity.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many rows a search reads and ranks, whatever the tenant holds. The
 * candidates are the rows found by their terms (BY_TERMS shared out among the
 * query's prefixes, at least MIN_PER_PREFIX each) and the RECENT newest the
 * caller sees (the tenant's for a role that sees them all, else the caller's
 * own), so that in a small tenant, or among one's own customers, a part of a
 * word or an early typo still matches. Of those the caller may see, the
 * RANKED that match most of the query's prefixes (then the newest) are ranked
 * by trigram similarity, which costs 40-100 µs a row at 64 characters: a
 * search answers at most its RANKED best matches, in a few milliseconds. */
#define BY_TERMS 200
#define MIN_PER_PREFIX 20
#define RECENT 100
#define RANKED "60"
/* Searches take milliseconds; one that takes a second is refused (503), not waited for. */
#define SEARCH_TIMEOUT_MS 1000

/* Searches at once on this server; the tenant's and the user's shares are capacity.c's. */
static crm_capacity searching = CRM_CAPACITY_FAIR_INIT(3, "The server is busy with other searches; retry in a moment.");

int crm_search_hold(void) { return crm_capacity_enter(&searching); }

void crm_search_release(void) { crm_capacity_leave(&searching); }

/* The query as typed, its normalised form, a LIKE pattern of it, its digits;
 * and the prefixes it looks for (migrations/0011 search_prefixes). */
#define SQL_QUERY                                                                                            \
    "WITH q AS (SELECT $4::text AS q, customer_name_norm($4) AS qn,"                                          \
    " '%' || replace(replace(replace($4, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' AS pat,"          \
    " CASE WHEN length(regexp_replace($4, '[^0-9]', '', 'g')) >= 6"                                            \
    "      THEN '%' || right(regexp_replace($4, '[^0-9]', '', 'g'), 10) || '%' END AS digits),"                \
    CRM_SQL_SEARCH_PREFIXES("$4") ","

/* The candidates of `entity` and how many prefixes each matched: the term
 * hits (at most `per_prefix` for each prefix) and, matching none, the
 * `recent` and `own` rows. */
#define SQL_CANDIDATES(entity, per_prefix, recent, own)                                                      \
    " candidate AS (SELECT id, max(hits) AS hits FROM (" CRM_SQL_TERM_HITS(entity, per_prefix)               \
    "   UNION ALL SELECT id, 0 FROM (" recent ") recent UNION ALL SELECT id, 0 FROM (" own ") own) found"        \
    "   GROUP BY id) "

/* Whether the role sees every customer: CRM_SQL_VISIBLE of an owner that is nobody. */
#define SQL_SEES_ALL "coalesce(" CRM_SQL_VISIBLE("NULL::uuid", "$2::uuid", "$3::text") ", false)"

/* The candidates the caller may see (`visible`: a statement that looks one
 * up by its key, candidate.id, with whatever else it checks), the RANKED best
 * by prefixes matched; OFFSET 0 keeps each lookup a subquery of its own, so the
 * plan cannot turn it around into a scan of the tenant's rows. */
#define SQL_VISIBLE_CANDIDATES(visible, alias)                                                               \
    " (SELECT " alias ".* FROM candidate, LATERAL (" visible " OFFSET 0) " alias                               \
    "   ORDER BY candidate.hits DESC, " alias ".created_at DESC, " alias ".id LIMIT " RANKED ") " alias " CROSS JOIN q,"

/* How well a row matches: the name's trigram similarity to the normalised
 * query, the query's word similarity to the name, the query within the name,
 * and within a phone or email. */
#define SQL_MEASURES(sim, words, within, reach)                                                              \
    " LATERAL (SELECT " sim " AS sim, " words " AS words, " within " AS within, " reach " AS reach OFFSET 0) m," \
    " LATERAL (SELECT ((greatest(m.sim, m.words, CASE WHEN m.within THEN 0.8 ELSE 0 END,"                     \
    "   CASE WHEN m.reach THEN 0.9 ELSE 0 END) + m.sim) / 2)::real AS score) s"

/* A match: similar (pg_trgm's thresholds for % and <%), or found within. */
#define SQL_MATCHES " WHERE (m.sim >= 0.3 OR m.words >= 0.6 OR m.within OR m.reach)"

/* A page ranked by score (descending) then id; the cursor is "score|id". */
#define SQL_RANKED_ENVELOPE(render, limit)                                                                   \
    "SELECT json_build_object('data', coalesce(json_agg(" render " ORDER BY score DESC, id), '[]'),"         \
    " 'next_cursor', CASE WHEN count(*) = " limit " THEN translate(encode(convert_to("                       \
    "(array_agg(score::text || '|' || id ORDER BY score, id DESC))[1], 'UTF8'), 'base64'), E'+/=\\n', '-_')" \
    " END) FROM ("

#define SQL_AFTER_SCORE(score, id, s, i)                                                                     \
    " AND (" s "::real IS NULL OR " score " < " s "::real OR (" score " = " s "::real AND " id " > " i "::uuid))"

/* Parameters: tenant, user, role, q, the six filters, cursor score and id,
 * limit, rows per prefix, recent rows. */
static const crm_stmt CUSTOMERS = {
    "search_customers",
    SQL_QUERY
    SQL_CANDIDATES("customer", "$14",
                   "SELECT c.id FROM customers c WHERE " SQL_SEES_ALL " AND c.tenant_id = $1"
                   " AND c.deleted_at IS NULL ORDER BY c.created_at DESC, c.id DESC LIMIT $15",
                   "SELECT c.id FROM customers c WHERE NOT " SQL_SEES_ALL " AND c.tenant_id = $1"
                   " AND c.owner_id = $2::uuid AND c.deleted_at IS NULL ORDER BY c.created_at DESC, c.id DESC LIMIT $15")
    ", page AS (SELECT c.r, c.id, c.owner_id, s.score FROM"
    SQL_VISIBLE_CANDIDATES(
        "SELECT c AS r, c.* FROM customers c WHERE c.tenant_id = $1 AND c.id = candidate.id AND c.deleted_at IS NULL"
        " AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
        " AND ($5::text IS NULL OR c.status = $5) AND ($6::uuid IS NULL OR c.owner_id = $6)"
        " AND ($7::text IS NULL OR c.category = $7) AND ($8::text IS NULL OR c.region = $8)"
        " AND ($9::text IS NULL OR c.tags @> ARRAY[$9::text]) AND ($10::timestamptz IS NULL OR c.updated_at >= $10)",
        "c")
    SQL_MEASURES("similarity(c.name_norm, q.qn)", "word_similarity(q.q, c.name)", "c.name ILIKE q.pat",
                 "(c.phone ILIKE q.pat OR c.email ILIKE q.pat OR c.phone_norm LIKE q.digits)")
    SQL_MATCHES SQL_AFTER_SCORE("s.score", "c.id", "$11", "$12")
    " ORDER BY s.score DESC, c.id LIMIT $13),"
    CRM_SQL_LOG_CUSTOMER_READS("page", "$1::uuid", "$2::uuid")
    SQL_RANKED_ENVELOPE("customer_json(r)", "$13") "SELECT * FROM page) page"};

/* Parameters: tenant, user, role, q, cursor score and id, limit, rows per
 * prefix, recent rows. */
static const crm_stmt CONTACTS = {
    "search_contacts",
    SQL_QUERY
    SQL_CANDIDATES("contact", "$8",
                   "SELECT ct.id FROM contacts ct WHERE " SQL_SEES_ALL " AND ct.tenant_id = $1"
                   " AND ct.deleted_at IS NULL ORDER BY ct.created_at DESC, ct.id DESC LIMIT $9",
                   "SELECT ct.id FROM customers c JOIN contacts ct ON ct.tenant_id = c.tenant_id AND ct.customer_id = c.id"
                   " WHERE NOT " SQL_SEES_ALL " AND c.tenant_id = $1 AND c.owner_id = $2::uuid AND c.deleted_at IS NULL"
                   " AND ct.deleted_at IS NULL ORDER BY ct.created_at DESC, ct.id DESC LIMIT $9")
    SQL_RANKED_ENVELOPE("contact_json(r)", "$7")
    "SELECT ct.r, ct.id, s.score FROM"
    SQL_VISIBLE_CANDIDATES("SELECT ct AS r, ct.* FROM contacts ct" CRM_SQL_CUSTOMER_OF("ct")
                           " WHERE ct.tenant_id = $1 AND ct.id = candidate.id AND ct.deleted_at IS NULL"
                           " AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text"),
                           "ct")
    SQL_MEASURES("similarity(ct.name, q.q)", "word_similarity(q.q, ct.name)", "ct.name ILIKE q.pat",
                 "(ct.phone ILIKE q.pat OR ct.mobile ILIKE q.pat OR ct.email ILIKE q.pat"
                 " OR phone_norm(ct.phone) LIKE q.digits OR phone_norm(ct.mobile) LIKE q.digits)")
    SQL_MATCHES SQL_AFTER_SCORE("s.score", "ct.id", "$5", "$6")
    " ORDER BY s.score DESC, ct.id LIMIT $7) page"};

static const crm_stmt ALL_CONTACTS = {
    "contacts_visible",
    CRM_SQL_ENVELOPE("contact_json(r)", "$6")
    "SELECT ct AS r, ct.created_at, ct.id FROM contacts ct"
    " JOIN customers c ON c.tenant_id = ct.tenant_id AND c.id = ct.customer_id"
    " WHERE ct.tenant_id = $1 AND ct.deleted_at IS NULL AND c.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    CRM_SQL_AFTER("ct", "$4", "$5")
    " ORDER BY ct.created_at, ct.id LIMIT $6) page"};

/* Split a ranked cursor into its score and id. */
static int ranked_cursor(const char *cursor, char score[40], char id[37])
{
    if (!cursor) {
        score[0] = id[0] = '\0';
        return 0;
    }
    if (crm_cursor_parts(cursor, score, 40, id) < 0)
        return crm_error_field("cursor", "format", "Is not a cursor this server returned.");
    char *end = NULL;
    strtod(score, &end);
    if (!end || *end || end == score)
        return crm_error_field("cursor", "format", "Is not a cursor this server returned.");
    return 0;
}

static const crm_field CONTACT_FILTERS[] = {
    {"q", CRM_T_STRING, 0, 0, CRM_SEARCH_MAX_CHARS, 0, NULL}, /* q= alone: no search */
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* The words of a query as the database splits them, or more (letters and
 * digits, and anything beyond ASCII, between the rest). */
static int words_of(const char *q)
{
    int words = 0, in_word = 0;
    for (const unsigned char *p = (const unsigned char *)q; *p; p++) {
        int letter = *p >= 0x80 || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z');
        words += letter && !in_word;
        in_word = letter;
    }
    return words;
}

/* The page and the query of a ranked search: limit as everywhere, its own
 * cursor "score|id", at most CRM_SEARCH_MAX_WORDS words (the length is the
 * field tables'); and how many rows each of its prefixes may bring. */
static int ranked_page(const crm_page *page, const char *q, char score[40], char after[37], char per_prefix[16])
{
    int rc = 0;
    if (page->limit < 1 || page->limit > 200)
        rc = crm_error_field("limit", "range", "Must be between 1 and 200.");
    if (ranked_cursor(page->cursor, score, after) < 0)
        rc = CRM_EINVALID;
    int words = words_of(q);
    if (words > CRM_SEARCH_MAX_WORDS)
        rc = crm_error_field("q", "too_many_words", "A search takes at most %d words and %d characters.",
                             CRM_SEARCH_MAX_WORDS, CRM_SEARCH_MAX_CHARS);
    int each = BY_TERMS / (2 * words + 1);
    snprintf(per_prefix, 16, "%d", each > MIN_PER_PREFIX ? each : MIN_PER_PREFIX);
    return rc;
}

/* Run one search statement as expensive work: a place of the searches'
 * capacity, a statement timeout of its own. */
static int run_search(char **out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params)
{
    int rc = crm_search_hold();
    if (rc < 0)
        return rc;
    crm_db_set_statement_timeout(db, SEARCH_TIMEOUT_MS);
    rc = crm_run_json(out, db, stmt, nparams, params);
    crm_db_set_statement_timeout(db, 0);
    crm_search_release();
    return rc;
}

int crm_search_customers(char **out, crm_db *db, const crm_caller *who, const char *q, const char *const *filters,
                         const crm_page *page)
{
    char score[40], after[37], lim[16], per_prefix[16], recent[16];
    int rc = ranked_page(page, q, score, after, per_prefix);
    if (rc < 0)
        return rc;
    snprintf(lim, sizeof lim, "%d", page->limit);
    snprintf(recent, sizeof recent, "%d", RECENT);
    const char *params[] = {who->tenant_id, who->user_id, who->role, q, filters[0], filters[1], filters[2],
                            filters[3], filters[4], filters[5], crm_nonempty(score), crm_nonempty(after), lim,
                            per_prefix, recent};
    return run_search(out, db, &CUSTOMERS, 15, params);
}

int crm_search_contacts(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    const char *values[1];
    size_t n;
    if (crm_validate_query(values, 1, &n, query, CONTACT_FILTERS) < 0)
        return CRM_EINVALID;
    const char *q = crm_blank(values[0]) ? NULL : values[0];
    int rc;
    if (!q) {
        rc = crm_page_prepare(&query->page);
        return rc < 0 ? rc : crm_run_list_values(out, db, who, &ALL_CONTACTS, 0, NULL, &query->page);
    }
    char score[40], after[37], lim[16], per_prefix[16], recent[16];
    rc = ranked_page(&query->page, q, score, after, per_prefix);
    if (rc < 0)
        return rc;
    snprintf(lim, sizeof lim, "%d", query->page.limit);
    snprintf(recent, sizeof recent, "%d", RECENT);
    const char *params[] = {who->tenant_id, who->user_id, who->role, q, crm_nonempty(score), crm_nonempty(after),
                            lim, per_prefix, recent};
    return run_search(out, db, &CONTACTS, 9, params);
}
