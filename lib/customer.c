/* customer.c: customers — validation, ownership and the SQL that reads and
 * writes them. Responses are rendered by customer_json() in PostgreSQL. */
#include "crm/customer.h"
#include "crm/duplicate.h"
#include "crm/search.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KINDS[] = {"company", "person", NULL};
const char *const crm_customer_statuses[] = {"lead", "prospect", "active", "dormant", "lost", NULL};
static const char *const CATEGORIES[] = {"A", "B", "C", NULL};
#define STATUSES crm_customer_statuses

/* Where the customer is (a visit reports its distance from here). */
static const crm_field LOCATION[] = {
    {"lat", CRM_T_NUMBER, CRM_F_REQUIRED, -90, 90, 0, NULL},
    {"lon", CRM_T_NUMBER, CRM_F_REQUIRED, -180, 180, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_customer_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 300, 0, NULL},
    {"kind", CRM_T_ENUM, 0, 0, 0, 0, KINDS},
    {"status", CRM_T_ENUM, 0, 0, 0, 0, STATUSES},
    {"category", CRM_T_ENUM, CRM_F_NULLABLE, 0, 0, 0, CATEGORIES},
    {"industry", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"region", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"address", CRM_T_STRING, CRM_F_NULLABLE, 0, 500, 0, NULL},
    {"phone", CRM_T_STRING, CRM_F_NULLABLE, 0, 50, 0, NULL},
    {"email", CRM_T_EMAIL, CRM_F_NULLABLE, 0, 254, 0, NULL},
    {"website", CRM_T_STRING, CRM_F_NULLABLE, 0, 500, 0, NULL},
    {"source", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"tags", CRM_T_STRINGS, 0, 50, 100, 0, NULL},
    {"credit_limit", CRM_T_DECIMAL, CRM_F_NULLABLE, 0, 16, 2, NULL},
    {"payment_terms_days", CRM_T_INT, CRM_F_NULLABLE, 0, 3650, 0, NULL},
    {"notes", CRM_T_STRING, CRM_F_NULLABLE, 0, 10000, 0, NULL},
    {"owner_id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"custom", CRM_T_OBJECT, 0, CRM_CUSTOMER_CUSTOM_MEMBERS, 16384, 0, NULL},
    {"location", CRM_T_MEMBERS, CRM_F_NULLABLE, 0, 0, 0, LOCATION},
    {"last_contact_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL}, /* kept by contact records */
    {"next_contact_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* The list's filters, in the order of the list statements' parameters $4..$9;
 * q (ranked search) is read on its own. */
const crm_field crm_customer_filters[] = {
    {"status", CRM_T_ENUM, 0, 0, 0, 0, crm_customer_statuses},
    {"owner_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"category", CRM_T_ENUM, 0, 0, 0, 0, CATEGORIES},
    {"region", CRM_T_STRING, 0, 0, 200, 0, NULL},
    {"tag", CRM_T_STRING, CRM_F_REQUIRED, 0, 100, 0, NULL},
    {"updated_since", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field SEARCH[] = {
    {"q", CRM_T_STRING, CRM_F_REQUIRED, 0, CRM_SEARCH_MAX_CHARS, 0, NULL}, /* given, not empty */
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_outcome OUTCOMES[] = {
    {"custom", CRM_EINVALID, "custom",
     "Merged into the customer's custom fields, the patch would make more than 200 members or 16384 bytes; "
     "remove members (set them to null) in the same patch.",
     "too_long"},
    {NULL, 0, NULL, NULL, NULL},
};

/* (tenant, id, user, role) → the row when visible, and its owner. */
static const crm_stmt GET = {
    "customer_get",
    "SELECT c.id, c.version, customer_json(c), c.owner_id FROM customers c"
    " WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

/* Customer data is an asset: reads by anyone but the owner are recorded
 * (statements that answer several customers do it themselves, with
 * CRM_SQL_LOG_CUSTOMER_READS). (tenant, user, customer). */
static const crm_stmt LOG_READ = {
    "customer_log_read",
    "INSERT INTO audit_log (tenant_id, actor_id, entity, entity_id, action)"
    " SELECT $1, $2, 'customers', c.id, 'read' FROM customers c"
    " WHERE c.tenant_id = $1 AND c.id = $3 AND c.owner_id IS DISTINCT FROM $2::uuid"};

static const crm_stmt PROBE = {
    "customer_probe",
    "SELECT 1 FROM customers c WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

static const crm_stmt LIST = {
    "customer_list",
    "WITH page AS (SELECT c AS r, c.created_at, c.id, c.owner_id FROM customers c"
    " WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND ($4::text IS NULL OR c.status = $4) AND ($5::uuid IS NULL OR c.owner_id = $5)"
    " AND ($6::text IS NULL OR c.category = $6) AND ($7::text IS NULL OR c.region = $7)"
    " AND ($8::text IS NULL OR c.tags @> ARRAY[$8::text]) AND ($9::timestamptz IS NULL OR c.updated_at >= $9)"
    CRM_SQL_AFTER("c", "$10", "$11")
    " ORDER BY c.created_at, c.id LIMIT $12),"
    CRM_SQL_LOG_CUSTOMER_READS("page", "$1::uuid", "$2::uuid")
    CRM_SQL_ENVELOPE("customer_json(r)", "$12") "SELECT * FROM page) page"};

static const crm_stmt CREATE = {
    "customer_create",
    "INSERT INTO customers (tenant_id, id, name, kind, status, category, industry, region, address, phone,"
    " email, website, source, tags, credit_limit, payment_terms_days, notes, owner_id, custom, lat, lon)"
    " SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()), b->>'name', coalesce(b->>'kind', 'company'),"
    " coalesce(b->>'status', 'lead'), b->>'category', b->>'industry', b->>'region', b->>'address', b->>'phone',"
    " b->>'email', b->>'website', b->>'source',"
    " coalesce(ARRAY(SELECT jsonb_array_elements_text(b->'tags')), '{}'),"
    " (b->>'credit_limit')::numeric, (b->>'payment_terms_days')::int, b->>'notes',"
    " coalesce((b->>'owner_id')::uuid, $2::uuid), coalesce(b->'custom', '{}'),"
    " (b#>>'{location,lat}')::numeric, (b#>>'{location,lon}')::numeric"
    " FROM (SELECT $3::jsonb AS b) body"
    " RETURNING id, version, customer_json(customers)"};

#define PATCHED(col) "CASE WHEN p ? '" col "' THEN p->>'" col "' ELSE c." col " END"

/* (tenant, id, user, role, patch, version, most custom members, most custom
 * bytes) → the changed customer, or no row when it is not visible or not at
 * the version, or the outcome "custom" when the custom fields the patch
 * merges into would pass their limits (each patch is within them, their sum
 * need not be). */
static const crm_stmt UPDATE = {
    "customer_update",
    "WITH patch AS (SELECT $5::jsonb AS p),"
    " merged AS (SELECT jsonb_merge_patch(c.custom, p->'custom') AS custom FROM customers c, patch"
    "   WHERE p ? 'custom' AND c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL"
    "   AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text") " AND c.version = $6::int),"
    " fits AS (SELECT NOT EXISTS (SELECT 1 FROM merged m WHERE jsonb_compact_length(m.custom) > $8::int"
    "   OR (SELECT count(*) FROM jsonb_object_keys(m.custom)) > $7::int) AS ok),"
    " upd AS (UPDATE customers c SET name = " PATCHED("name") ", kind = " PATCHED("kind") ", status = " PATCHED("status")
    ", category = " PATCHED("category") ", industry = " PATCHED("industry") ", region = " PATCHED("region")
    ", address = " PATCHED("address") ", phone = " PATCHED("phone") ", email = " PATCHED("email")
    ", website = " PATCHED("website") ", source = " PATCHED("source") ", notes = " PATCHED("notes")
    ", tags = CASE WHEN p ? 'tags' THEN ARRAY(SELECT jsonb_array_elements_text(p->'tags')) ELSE c.tags END"
    ", credit_limit = CASE WHEN p ? 'credit_limit' THEN (p->>'credit_limit')::numeric ELSE c.credit_limit END"
    ", payment_terms_days = CASE WHEN p ? 'payment_terms_days' THEN (p->>'payment_terms_days')::int"
    "   ELSE c.payment_terms_days END"
    ", custom = CASE WHEN p ? 'custom' THEN jsonb_merge_patch(c.custom, p->'custom') ELSE c.custom END"
    ", lat = CASE WHEN p ? 'location' THEN (p#>>'{location,lat}')::numeric ELSE c.lat END"
    ", lon = CASE WHEN p ? 'location' THEN (p#>>'{location,lon}')::numeric ELSE c.lon END"
    " FROM patch, fits"
    " WHERE fits.ok AND c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text") " AND c.version = $6::int"
    " RETURNING c.id, c.version, customer_json(c) AS doc)"
    " SELECT id, version, doc, 'ok' FROM upd UNION ALL SELECT NULL, NULL, NULL, 'custom' FROM fits WHERE NOT ok"};

static const crm_stmt DELETE = {
    "customer_delete",
    "UPDATE customers c SET deleted_at = now()"
    " WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")
    " AND c.version = $5::int RETURNING c.id, c.version, NULL::text"};

static const crm_stmt TRANSFER = {
    "customer_transfer",
    "UPDATE customers c SET owner_id = $5"
    " WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")
    " RETURNING c.id, c.version, customer_json(c)"};

/* (tenant, candidate owner, caller, role) → whether the candidate is an active
 * user the caller may hand customers to. */
static const crm_stmt OWNER_CHECK = {
    "customer_owner_check",
    "SELECT u.active, " CRM_SQL_VISIBLE("u.id", "$3::uuid", "$4::text") " FROM users u WHERE u.tenant_id = $1 AND u.id = $2"};

int crm_owner_allowed(crm_db *db, const crm_caller *who, const char *owner_id, const char *field)
{
    if (strcmp(owner_id, who->user_id) == 0)
        return 0;
    if (!crm_policy_allows(who->role, CRM_CAN_ASSIGN_CUSTOMERS))
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not assign customers to other users.");
    PGresult *res = NULL;
    const char *params[] = {who->tenant_id, owner_id, who->user_id, who->role};
    int rc = crm_db_run(&res, db, &OWNER_CHECK, 4, params);
    if (rc < 0)
        return rc;
    if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        rc = crm_error_field(field, "invalid", "Must be an active user of your organization.");
    else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
        rc = crm_error_set(CRM_EFORBIDDEN, "You may only assign customers to members of the teams you lead.");
    PQclear(res);
    return rc;
}

int crm_customer_log_read(crm_db *db, const crm_caller *who, const char *customer_id)
{
    const char *params[] = {who->tenant_id, who->user_id, customer_id};
    return crm_db_run(NULL, db, &LOG_READ, 3, params);
}

int crm_customer_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    PGresult *res = NULL;
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    int rc = crm_db_run(&res, db, &GET, 4, params);
    if (rc < 0)
        return rc;
    rc = crm_doc_take(out, res);
    if (rc == 0 && strcmp(PQgetvalue(res, 0, 3), who->user_id) != 0)
        rc = crm_customer_log_read(db, who, id);
    PQclear(res);
    return rc;
}

int crm_customer_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    const char *q;
    size_t n;
    if (crm_validate_query(&q, 1, &n, query, SEARCH) < 0)
        return CRM_EINVALID;
    if (crm_blank(q))
        return crm_run_list(out, db, who, &LIST, crm_customer_filters, query);
    /* Ranked search pages by score, not by creation: its cursor is its own. */
    const char *values[8];
    if (crm_validate_query(values, 8, &n, query, crm_customer_filters) < 0)
        return CRM_EINVALID;
    return crm_search_customers(out, db, who, q, values, &query->page);
}

int crm_customer_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS))
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not create customers.");
    int rc = crm_validate(body, crm_customer_fields, CRM_CREATE);
    if (rc < 0)
        return rc;
    const char *owner = json_string_value(json_object_get(body, "owner_id"));
    if (owner && (rc = crm_owner_allowed(db, who, owner, "owner_id")) < 0)
        return rc;
    const char *confirm = crm_query_param(query, "confirm_duplicate");
    if (!(confirm && strcmp(confirm, "true") == 0) && (rc = crm_duplicate_check(db, who, body)) < 0)
        return rc;
    char *text = NULL;
    if ((rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, text};
    rc = crm_run_write(out, db, &CREATE, 3, params, OUTCOMES);
    free(text);
    return rc;
}

/* The most bytes of compact JSON custom fields may take: the field table's. */
static long custom_bytes(void)
{
    for (const crm_field *f = crm_customer_fields; f->name; f++)
        if (strcmp(f->name, "custom") == 0)
            return f->max;
    return 0;
}

int crm_customer_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                        const json_t *patch)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS))
        return crm_forbidden_or_missing(db, &PROBE, who, id, "Your role may not change customers.");
    char *text = NULL, ver[24];
    int rc = crm_validate(patch, crm_customer_fields, CRM_PATCH);
    if (rc < 0 || (rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    char members[24], bytes[24];
    snprintf(members, sizeof members, "%d", CRM_CUSTOMER_CUSTOM_MEMBERS);
    snprintf(bytes, sizeof bytes, "%ld", custom_bytes());
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, text, ver, members, bytes};
    rc = crm_run_conditional(out, db, &UPDATE, 8, params, OUTCOMES, &PROBE, who, id);
    free(text);
    return rc;
}

int crm_customer_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!crm_policy_allows(who->role, CRM_CAN_DELETE_CUSTOMERS))
        return crm_forbidden_or_missing(db, &PROBE, who, id, "Only a manager or an admin may delete customers.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, ver};
    return crm_run_conditional(NULL, db, &DELETE, 5, params, OUTCOMES, &PROBE, who, id);
}

static const crm_field TRANSFER_FIELDS[] = {
    {"owner_id", CRM_T_UUID, CRM_F_REQUIRED, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

int crm_customer_transfer(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body)
{
    if (!crm_policy_allows(who->role, CRM_CAN_ASSIGN_CUSTOMERS))
        return crm_error_set(CRM_EFORBIDDEN, "Only a manager or an admin may transfer customers.");
    int rc = crm_validate(body, TRANSFER_FIELDS, CRM_CREATE);
    if (rc < 0)
        return rc;
    const char *owner = json_string_value(json_object_get(body, "owner_id"));
    /* Visibility first, so an invisible customer is a 404 whatever the target. */
    if ((rc = crm_customer_visible(db, who, id)) < 0 || (rc = crm_owner_allowed(db, who, owner, "owner_id")) < 0)
        return rc;
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, owner};
    return crm_run_write(out, db, &TRANSFER, 5, params, OUTCOMES);
}

int crm_customer_visible(crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &PROBE, 4, params);
    if (rc < 0)
        return rc;
    int visible = PQntuples(res) > 0;
    PQclear(res);
    return visible ? 0 : crm_error_set(CRM_ENOTFOUND, "The customer does not exist or is not visible to you.");
}
