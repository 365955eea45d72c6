/* product.c: the product catalogue — validation and SQL. Rendered by
 * product_json() (migrations/0005). */
#include "crm/product.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const crm_field FIELDS[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"sku", CRM_T_STRING, CRM_F_REQUIRED, 0, 64, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {"description", CRM_T_STRING, CRM_F_NULLABLE, 0, 2000, 0, NULL},
    {"unit", CRM_T_STRING, CRM_F_NULLABLE, 0, 20, 0, NULL},
    {"unit_price", CRM_T_DECIMAL, CRM_F_REQUIRED, 0, 14, 4, NULL},
    {"tax_rate", CRM_T_DECIMAL, 0, 0, 3, 4, NULL},
    {"active", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_stmt GET = {
    "product_get",
    "SELECT p.id, p.version, product_json(p) FROM products p"
    " WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL"};

static const crm_stmt LIST = {
    "product_list",
    "WITH q AS (SELECT $2::text AS q,"
    " '%' || replace(replace(replace($2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' AS pat) "
    CRM_SQL_ENVELOPE("product_json(r)", "$7")
    "SELECT p AS r, p.created_at, p.id FROM products p CROSS JOIN q"
    " WHERE p.tenant_id = $1 AND p.deleted_at IS NULL"
    " AND (q.q IS NULL OR p.name % q.q OR q.q <% p.name OR p.name ILIKE q.pat OR p.sku ILIKE q.pat)"
    " AND ($3::boolean IS NULL OR p.active = $3) AND ($4::timestamptz IS NULL OR p.updated_at >= $4)"
    CRM_SQL_AFTER("p", "$5", "$6")
    " ORDER BY p.created_at, p.id LIMIT $7) page"};

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

static int writes_products(const char *role)
{
    return strcmp(role, "admin") == 0 || strcmp(role, "manager") == 0 || strcmp(role, "assistant") == 0;
}

int crm_percent_valid(const char *s)
{
    const char *dot = strchr(s, '.');
    size_t whole = dot ? (size_t)(dot - s) : strlen(s);
    while (whole > 1 && *s == '0')
        s++, whole--;
    if (whole < 3)
        return 1;
    if (whole > 3 || strncmp(s, "100", 3) != 0)
        return 0;
    for (const char *p = dot ? dot + 1 : ""; *p; p++)
        if (*p != '0')
            return 0;
    return 1;
}

static int validate(const json_t *body, int mode)
{
    int rc = crm_validate(body, FIELDS, mode);
    const char *rate = json_string_value(json_object_get(body, "tax_rate"));
    if (rate && crm_valid_decimal(rate, 3, 4, 0) && !crm_percent_valid(rate))
        rc = crm_error_field("tax_rate", "range", "Must be a percentage between 0 and 100.");
    return rc;
}

static int sku_taken(int rc, crm_db *db)
{
    if (rc == CRM_ECONFLICT && strcmp(crm_db_sqlstate(db), "23505") == 0) {
        crm_error_field("sku", "duplicate", "Another product already has this sku.");
        crm_error_set(CRM_ECONFLICT, "Another product already has this sku or id.");
        return CRM_ECONFLICT;
    }
    return rc;
}

int crm_product_list(char **out, crm_db *db, const crm_caller *who, const crm_product_filter *filter, crm_page *page)
{
    int rc = crm_page_prepare(page);
    const char *active = crm_nonempty(filter->active), *since = crm_nonempty(filter->updated_since);
    const char *q = crm_blank(filter->q) ? NULL : filter->q;
    if (active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
        rc = crm_error_field("active", "format", "Must be true or false.");
    if (since && !crm_valid_timestamp(since))
        rc = crm_error_field("updated_since", "format", "Must be an RFC 3339 date-time.");
    if (q && crm_utf8_length(q) > 200)
        rc = crm_error_field("q", "too_long", "Must be at most 200 characters.");
    if (rc < 0)
        return rc;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    const char *params[] = {who->tenant_id, q, active, since, crm_nonempty(page->after_ts), crm_nonempty(page->after_id), limit};
    return crm_run_json(out, db, &LIST, 7, params);
}

int crm_product_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id};
    return crm_run_doc(out, db, &GET, 2, params);
}

int crm_product_create(crm_doc *out, crm_db *db, const crm_caller *who, const json_t *body)
{
    if (!writes_products(who->role))
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not change the product catalogue.");
    int rc = validate(body, CRM_CREATE);
    if (rc < 0)
        return rc;
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    const char *params[] = {who->tenant_id, text};
    rc = sku_taken(crm_run_doc(out, db, &CREATE, 2, params), db);
    free(text);
    return rc;
}

int crm_product_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                       const json_t *patch)
{
    if (!writes_products(who->role))
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not change the product catalogue.");
    int rc = validate(patch, CRM_PATCH);
    if (rc < 0)
        return rc;
    char *text = json_dumps(patch, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, text, ver};
    rc = sku_taken(crm_run_doc(out, db, &UPDATE, 4, params), db);
    free(text);
    if (rc == CRM_ENOTFOUND) {
        const char *probe[] = {who->tenant_id, id, who->user_id, who->role};
        return crm_stale_or_missing(db, &PROBE, probe);
    }
    return rc;
}

int crm_product_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!writes_products(who->role))
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not change the product catalogue.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, ver};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &DELETE, 3, params);
    if (rc < 0)
        return rc;
    int done = PQntuples(res) > 0;
    PQclear(res);
    if (done)
        return 0;
    const char *probe[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_stale_or_missing(db, &PROBE, probe);
}
