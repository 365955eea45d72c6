/* search.c: ranked fuzzy search of customers and contact persons. */
#include "crm/search.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The query as typed, its normalised form and a LIKE pattern of it. */
#define SQL_QUERY                                                                                            \
    "WITH q AS (SELECT $4::text AS q, customer_name_norm($4) AS qn,"                                          \
    " '%' || replace(replace(replace($4, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' AS pat,"          \
    " CASE WHEN length(regexp_replace($4, '[^0-9]', '', 'g')) >= 6"                                            \
    "      THEN '%' || right(regexp_replace($4, '[^0-9]', '', 'g'), 10) || '%' END AS digits) "

/* A page ranked by score (descending) then id; the cursor is "score|id". */
#define SQL_RANKED_ENVELOPE(render, limit)                                                                   \
    "SELECT json_build_object('data', coalesce(json_agg(" render " ORDER BY score DESC, id), '[]'),"         \
    " 'next_cursor', CASE WHEN count(*) = " limit " THEN translate(encode(convert_to("                       \
    "(array_agg(score::text || '|' || id ORDER BY score, id DESC))[1], 'UTF8'), 'base64'), E'+/=\\n', '-_')" \
    " END) FROM ("

#define SQL_AFTER_SCORE(score, id, s, i)                                                                     \
    " AND (" s "::real IS NULL OR " score " < " s "::real OR (" score " = " s "::real AND " id " > " i "::uuid))"

static const crm_stmt CUSTOMERS = {
    "search_customers",
    SQL_QUERY ", page AS (SELECT c AS r, c.id, c.owner_id, s.score FROM customers c CROSS JOIN q,"
    /* How well the query matches (word or substring, phone, email), averaged
     * with how close the whole name is, so "Acme Trading Co." ranks above
     * "Acme Trading International Holdings" for "acme trading". */
    " LATERAL (SELECT ((greatest(similarity(c.name_norm, q.qn), word_similarity(q.q, c.name),"
    "   CASE WHEN c.name ILIKE q.pat THEN 0.8 ELSE 0 END,"
    "   CASE WHEN c.phone ILIKE q.pat OR c.email ILIKE q.pat OR c.phone_norm LIKE q.digits THEN 0.9 ELSE 0 END)"
    "   + similarity(c.name_norm, q.qn)) / 2)::real AS score) s"
    " WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND (c.name_norm % q.qn OR q.q <% c.name OR c.name ILIKE q.pat OR c.phone ILIKE q.pat OR c.email ILIKE q.pat"
    "      OR c.phone_norm LIKE q.digits)"
    " AND ($5::text IS NULL OR c.status = $5) AND ($6::uuid IS NULL OR c.owner_id = $6)"
    " AND ($7::text IS NULL OR c.category = $7) AND ($8::text IS NULL OR c.region = $8)"
    " AND ($9::text IS NULL OR c.tags @> ARRAY[$9::text]) AND ($10::timestamptz IS NULL OR c.updated_at >= $10)"
    SQL_AFTER_SCORE("s.score", "c.id", "$11", "$12")
    " ORDER BY s.score DESC, c.id LIMIT $13),"
    CRM_SQL_LOG_CUSTOMER_READS("page", "$1::uuid", "$2::uuid")
    SQL_RANKED_ENVELOPE("customer_json(r)", "$13") "SELECT * FROM page) page"};

static const crm_stmt CONTACTS = {
    "search_contacts",
    SQL_QUERY SQL_RANKED_ENVELOPE("contact_json(r)", "$7")
    "SELECT ct AS r, ct.id, s.score FROM contacts ct CROSS JOIN q"
    " JOIN customers c ON c.tenant_id = ct.tenant_id AND c.id = ct.customer_id,"
    " LATERAL (SELECT ((greatest(similarity(ct.name, q.q), word_similarity(q.q, ct.name),"
    "   CASE WHEN ct.name ILIKE q.pat THEN 0.8 ELSE 0 END,"
    "   CASE WHEN ct.phone ILIKE q.pat OR ct.mobile ILIKE q.pat OR ct.email ILIKE q.pat"
    "        OR phone_norm(ct.phone) LIKE q.digits OR phone_norm(ct.mobile) LIKE q.digits THEN 0.9 ELSE 0 END)"
    "   + similarity(ct.name, q.q)) / 2)::real AS score) s"
    " WHERE ct.tenant_id = $1 AND ct.deleted_at IS NULL AND c.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND (ct.name % q.q OR q.q <% ct.name OR ct.name ILIKE q.pat OR ct.phone ILIKE q.pat OR ct.mobile ILIKE q.pat"
    "      OR ct.email ILIKE q.pat OR phone_norm(ct.phone) LIKE q.digits OR phone_norm(ct.mobile) LIKE q.digits)"
    SQL_AFTER_SCORE("s.score", "ct.id", "$5", "$6")
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
    {"q", CRM_T_STRING, 0, 0, 200, 0, NULL}, /* q= alone: no search */
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* The page of a ranked search: limit as everywhere, its own cursor "score|id". */
static int ranked_page(const crm_page *page, char score[40], char after[37])
{
    int rc = 0;
    if (page->limit < 1 || page->limit > 200)
        rc = crm_error_field("limit", "range", "Must be between 1 and 200.");
    if (ranked_cursor(page->cursor, score, after) < 0)
        rc = CRM_EINVALID;
    return rc;
}

int crm_search_customers(char **out, crm_db *db, const crm_caller *who, const char *q, const char *const *filters,
                         const crm_page *page)
{
    char score[40], after[37], lim[16];
    int rc = ranked_page(page, score, after);
    if (rc < 0)
        return rc;
    snprintf(lim, sizeof lim, "%d", page->limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, q, filters[0], filters[1], filters[2],
                            filters[3], filters[4], filters[5], crm_nonempty(score), crm_nonempty(after), lim};
    return crm_run_json(out, db, &CUSTOMERS, 13, params);
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
    char score[40], after[37], lim[16];
    rc = ranked_page(&query->page, score, after);
    if (rc < 0)
        return rc;
    snprintf(lim, sizeof lim, "%d", query->page.limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, q, crm_nonempty(score), crm_nonempty(after), lim};
    return crm_run_json(out, db, &CONTACTS, 7, params);
}
