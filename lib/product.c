/* product.c: the product catalogue — validation and SQL. Rendered by
 * product_json() (migrations/0005). */
#include "crm/product.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/search.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const crm_field crm_product_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"sku", CRM_T_STRING, CRM_F_REQUIRED, 0, 64, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 200, 0, NULL},
    {"description", CRM_T_STRING, CRM_F_NULLABLE, 0, 2000, 0, NULL},
    {"unit", CRM_T_STRING, CRM_F_NULLABLE, 0, 20, 0, NULL},
    {"unit_price", CRM_T_DECIMAL, CRM_F_REQUIRED, 0, 14, 4, NULL},
    {"tax_rate", CRM_T_PERCENT, 0, 0, 0, 0, NULL},
    {"active", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_product_filters[] = {
    {"q", CRM_T_STRING, 0, 0, CRM_SEARCH_MAX_CHARS, 0, NULL}, /* q= alone: no search */
    {"active", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {"updated_since", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_stmt GET = {
    "product_get",
    "SELECT p.id, p.version, product_json(p) FROM products p"
    " WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL"};

/* (tenant, user, role, q, active, updated_since, cursor ts, cursor id, limit);
 * the catalogue is the tenant's, whoever asks. Without q the page is read in
 * the order of the tenant's index; with q, from a bounded set of candidates
 * found as a search finds them (crm/search.h: a word of name or sku starting
 * with a word of q or its first three letters, and the 100 newest products),
 * whatever the catalogue holds. One arm runs, the other is cut off by its
 * condition on q alone. */
#define FILTERS(p)                                                                                           \
    " AND ($5::boolean IS NULL OR " p ".active = $5) AND ($6::timestamptz IS NULL OR " p ".updated_at >= $6)" \
    CRM_SQL_AFTER(p, "$7", "$8")
static const crm_stmt LIST = {
    "product_list",
    "WITH q AS (SELECT nullif(btrim($4::text), '') AS q, $2::uuid AS user_id, $3::text AS role),"
    " search AS (SELECT q.q, '%' || replace(replace(replace(q.q, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' AS pat"
    " FROM q),"
    CRM_SQL_SEARCH_PREFIXES("$4") ","
    " candidate AS (SELECT DISTINCT id FROM (SELECT id FROM (" CRM_SQL_TERM_HITS("product", "20") ") hit"
    "   UNION ALL SELECT id FROM (SELECT p.id FROM products p WHERE nullif(btrim($4::text), '') IS NOT NULL"
    "     AND p.tenant_id = $1 AND p.deleted_at IS NULL ORDER BY p.created_at DESC, p.id DESC LIMIT 100) recent) found) "
    CRM_SQL_ENVELOPE("product_json(r)", "$9")
    "SELECT r, created_at, id FROM ("
    " (SELECT p AS r, p.created_at, p.id FROM products p WHERE nullif(btrim($4::text), '') IS NULL"
    "   AND p.tenant_id = $1 AND p.deleted_at IS NULL" FILTERS("p") " ORDER BY p.created_at, p.id LIMIT $9)"
    " UNION ALL"
    " (SELECT p.r, p.created_at, p.id FROM candidate CROSS JOIN search s,"
    "   LATERAL (SELECT p AS r, p.* FROM products p WHERE p.tenant_id = $1 AND p.id = candidate.id"
    "     AND p.deleted_at IS NULL OFFSET 0) p"
    "   WHERE (p.name % s.q OR s.q <% p.name OR p.name ILIKE s.pat OR p.sku ILIKE s.pat)" FILTERS("p")
    "   ORDER BY p.created_at, p.id LIMIT $9)) found"
    " ORDER BY created_at, id LIMIT $9) page"};

static const crm_stmt CREATE = {
    "product_create",
    "INSERT INTO products (tenant_id, id, sku, name, description, unit, unit_price, tax_rate, active)"
    " SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()), b->>'sku', b->>'name', b->>'description',"
    " b->>'unit', (b->>'unit_price')::numeric, coalesce((b->>'tax_rate')::numeric, 0),"
    " coalesce((b->>'active')::boolean, true) FROM (SELECT $2::jsonb AS b) body"
    " RETURNING id, version, product_json(products)"};

#define PATCHED(col) "CASE WHEN b ? '" col "' THEN b->>'" col "' ELSE p." col " END"
#define PATCHED_AS(col, type) "CASE WHEN b ? '" col "' THEN (b->>'" col "')::" type " ELSE p." col " END"

/* (tenant, id, patch, version) → the changed product, or no row. */
static const crm_stmt UPDATE = {
    "product_update",
    "UPDATE products p SET sku = " PATCHED("sku") ", name = " PATCHED("name")
    ", description = " PATCHED("description") ", unit = " PATCHED("unit")
    ", unit_price = " PATCHED_AS("unit_price", "numeric") ", tax_rate = " PATCHED_AS("tax_rate", "numeric")
    ", active = " PATCHED_AS("active", "boolean")
    " FROM (SELECT $3::jsonb AS b) body"
    " WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL AND p.version = $4::int"
    " RETURNING p.id, p.version, product_json(p)"};

static const crm_stmt DELETE = {
    "product_delete",
    "UPDATE products p SET deleted_at = now()"
    " WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL AND p.version = $3::int RETURNING p.id"};

/* (tenant, id, user, role): whether the product exists (the probe signature crm_stale_or_missing wants). */
static const crm_stmt PROBE = {
    "product_probe",
    "SELECT 1 FROM products p WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL"
    " AND $3::uuid IS NOT NULL AND $4::text IS NOT NULL"};

static const crm_outcome OUTCOMES[] = {
    {"duplicate", CRM_ECONFLICT, "sku", "Another product already has this sku (or this id).", "duplicate"},
    {NULL, 0, NULL, NULL, NULL},
};

static const char FORBIDDEN[] = "Your role may not change the product catalogue.";

int crm_product_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    return crm_run_list(out, db, who, &LIST, crm_product_filters, query);
}

int crm_product_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id};
    return crm_run_doc(out, db, &GET, 2, params);
}

int crm_product_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    (void)query;
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_PRODUCTS))
        return crm_error_set(CRM_EFORBIDDEN, FORBIDDEN);
    char *text = NULL;
    int rc = crm_validate(body, crm_product_fields, CRM_CREATE);
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, text};
    rc = crm_run_write(out, db, &CREATE, 2, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_product_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                       const json_t *patch)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_PRODUCTS))
        return crm_error_set(CRM_EFORBIDDEN, FORBIDDEN);
    char *text = NULL, ver[24];
    int rc = crm_validate(patch, crm_product_fields, CRM_PATCH);
    if (rc < 0 || (rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, text, ver};
    rc = crm_run_conditional(out, db, &UPDATE, 4, params, OUTCOMES, &PROBE, who, id);
    free(text);
    return rc;
}

int crm_product_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_PRODUCTS))
        return crm_error_set(CRM_EFORBIDDEN, FORBIDDEN);
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, ver};
    return crm_run_conditional(NULL, db, &DELETE, 3, params, OUTCOMES, &PROBE, who, id);
}
