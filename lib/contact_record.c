/* contact_record.c: contact records — validation and SQL. Visibility comes from
 * the customer each record belongs to; the customer's last/next contact are kept
 * by a trigger (migrations/0002), so every write path updates them. */
#include "crm/contact_record.h"
#include "crm/customer.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const crm_contact_record_kinds[] = {"call", "email", "im", "visit", "meeting", "other", NULL};
#define KINDS crm_contact_record_kinds
static const char *const DIRECTIONS[] = {"inbound", "outbound", NULL};

/* A check-in: where the salesperson was, as the device reported it. */
static const crm_field LOCATION[] = {
    {"lat", CRM_T_NUMBER, CRM_F_REQUIRED, -90, 90, 0, NULL},
    {"lon", CRM_T_NUMBER, CRM_F_REQUIRED, -180, 180, 0, NULL},
    {"accuracy_m", CRM_T_NUMBER, CRM_F_NULLABLE, 0, 100000, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_contact_record_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"contact_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"kind", CRM_T_ENUM, CRM_F_REQUIRED, 0, 0, 0, KINDS},
    {"direction", CRM_T_ENUM, 0, 0, 0, 0, DIRECTIONS},
    {"occurred_at", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {"duration_minutes", CRM_T_INT, CRM_F_NULLABLE, 0, 1440, 0, NULL},
    {"subject", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"summary", CRM_T_STRING, CRM_F_NULLABLE, 0, 10000, 0, NULL},
    {"outcome", CRM_T_STRING, CRM_F_NULLABLE, 0, 2000, 0, NULL},
    {"next_contact_at", CRM_T_TIMESTAMP, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"location", CRM_T_MEMBERS, CRM_F_NULLABLE, 0, 0, 0, LOCATION},
    {"distance_m", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {"owner_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* (tenant, id, user, role): the live record and its customer, when the caller may see the customer. */
#define VISIBLE_RECORD                                                                                       \
    " FROM contact_records r" CRM_SQL_CUSTOMER_OF("r")                                                      \
    " WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL"                                        \
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")

static const crm_stmt GET = {"contact_record_get",
                             "SELECT r.id, r.version, contact_record_json(r, c)" VISIBLE_RECORD};
static const crm_stmt PROBE = {"contact_record_probe", "SELECT 1" VISIBLE_RECORD};

/* The list body shared by both lists; `customer` is the customer condition. */
#define LIST_SQL(customer)                                                                                   \
    CRM_SQL_ENVELOPE("contact_record_json(r, c)", "$12")                                                     \
    "SELECT r, c, r.created_at, r.id FROM contact_records r"                                                 \
    " JOIN customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id"                                \
    " WHERE r.tenant_id = $1 AND r.deleted_at IS NULL AND c.deleted_at IS NULL"                              \
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text") " AND " customer                           \
    " AND ($5::text IS NULL OR r.kind = $5) AND ($6::uuid IS NULL OR r.owner_id = $6)"                       \
    " AND ($7::timestamptz IS NULL OR r.occurred_at >= $7) AND ($8::timestamptz IS NULL OR r.occurred_at < $8)" \
    " AND ($9::timestamptz IS NULL OR r.updated_at >= $9)"                                                   \
    CRM_SQL_AFTER("r", "$10", "$11")                                                                         \
    " ORDER BY r.created_at, r.id LIMIT $12) page"

static const crm_stmt LIST = {"contact_record_list", LIST_SQL("($4::uuid IS NULL OR r.customer_id = $4)")};
/* One customer's records: its own statement so the plan always uses the customer's index. */
static const crm_stmt LIST_CUSTOMER = {"contact_record_list_customer", LIST_SQL("r.customer_id = $4::uuid")};

/* (tenant, customer, user, role, body) → the new record, or no id with whether
 * the customer is visible and whether contact_id names one of its live contacts. */
static const crm_stmt CREATE = {
    "contact_record_create",
    "WITH body AS (SELECT $5::jsonb AS b),"
    " cust AS (SELECT c FROM customers c WHERE c.tenant_id = $1 AND c.id = $2::uuid AND c.deleted_at IS NULL"
    "   AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text") "),"
    " person AS (SELECT b->>'contact_id' IS NULL OR EXISTS (SELECT 1 FROM contacts ct WHERE ct.tenant_id = $1"
    "   AND ct.id = (b->>'contact_id')::uuid AND ct.customer_id = $2::uuid AND ct.deleted_at IS NULL) AS ok FROM body),"
    " ins AS (INSERT INTO contact_records (tenant_id, id, customer_id, contact_id, kind, direction, occurred_at,"
    "   duration_minutes, subject, summary, outcome, next_contact_at, lat, lon, accuracy_m, owner_id)"
    "   SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()), $2::uuid, (b->>'contact_id')::uuid, b->>'kind',"
    "   coalesce(b->>'direction', 'outbound'), coalesce((b->>'occurred_at')::timestamptz, now()),"
    "   (b->>'duration_minutes')::int, b->>'subject', b->>'summary', b->>'outcome',"
    "   (b->>'next_contact_at')::timestamptz, (b#>>'{location,lat}')::numeric, (b#>>'{location,lon}')::numeric,"
    "   (b#>>'{location,accuracy_m}')::numeric, $3::uuid"
    "   FROM body, person WHERE person.ok AND EXISTS (SELECT 1 FROM cust)"
    "   RETURNING contact_records AS rec)"
    " SELECT (i.rec).id, (i.rec).version, contact_record_json(i.rec, k.c),"
    " CASE WHEN (i.rec).id IS NOT NULL THEN 'ok' WHEN NOT EXISTS (SELECT 1 FROM cust) THEN 'missing'"
    "      WHEN NOT (SELECT ok FROM person) THEN 'contact' ELSE 'missing' END"
    " FROM (SELECT 1) one LEFT JOIN ins i ON true LEFT JOIN cust k ON true"};

#define PATCHED(col) "CASE WHEN p ? '" col "' THEN p->>'" col "' ELSE r." col " END"
#define PATCHED_AS(col, type) "CASE WHEN p ? '" col "' THEN (p->>'" col "')::" type " ELSE r." col " END"
#define PATCHED_AT(col, path) "CASE WHEN p ? 'location' THEN (p#>>'{location," path "}')::numeric ELSE r." col " END"

/* (tenant, id, user, role, patch, version) → the changed record, or no id with
 * whether it is visible and whether a patched contact_id is one of the customer's. */
static const crm_stmt UPDATE = {
    "contact_record_update",
    "WITH patch AS (SELECT $5::jsonb AS p),"
    " cur AS (SELECT r.customer_id, c" VISIBLE_RECORD "),"
    " person AS (SELECT NOT (p ? 'contact_id') OR p->>'contact_id' IS NULL OR EXISTS (SELECT 1 FROM contacts ct"
    "   JOIN cur ON ct.customer_id = cur.customer_id WHERE ct.tenant_id = $1 AND ct.id = (p->>'contact_id')::uuid"
    "   AND ct.deleted_at IS NULL) AS ok FROM patch),"
    " upd AS (UPDATE contact_records r SET contact_id = " PATCHED_AS("contact_id", "uuid")
    ", kind = " PATCHED("kind") ", direction = " PATCHED("direction")
    ", occurred_at = " PATCHED_AS("occurred_at", "timestamptz")
    ", duration_minutes = " PATCHED_AS("duration_minutes", "int")
    ", subject = " PATCHED("subject") ", summary = " PATCHED("summary") ", outcome = " PATCHED("outcome")
    ", next_contact_at = " PATCHED_AS("next_contact_at", "timestamptz")
    ", lat = " PATCHED_AT("lat", "lat") ", lon = " PATCHED_AT("lon", "lon")
    ", accuracy_m = " PATCHED_AT("accuracy_m", "accuracy_m")
    "   FROM patch, person WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL AND r.version = $6::int"
    "   AND person.ok AND EXISTS (SELECT 1 FROM cur)"
    "   RETURNING r AS rec)"
    " SELECT (u.rec).id, (u.rec).version, contact_record_json(u.rec, k.c),"
    " CASE WHEN (u.rec).id IS NOT NULL THEN 'ok' WHEN NOT EXISTS (SELECT 1 FROM cur) THEN 'missing'"
    "      WHEN NOT (SELECT ok FROM person) THEN 'contact' ELSE 'stale' END"
    " FROM (SELECT 1) one LEFT JOIN upd u ON true LEFT JOIN cur k ON true"};

/* (tenant, id, user, role, version) → (id, version, no document, outcome). */
static const crm_stmt DELETE = {
    "contact_record_delete",
    "WITH cur AS (SELECT 1" VISIBLE_RECORD "),"
    " del AS (UPDATE contact_records r SET deleted_at = now()"
    "   WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL AND r.version = $5::int"
    "   AND EXISTS (SELECT 1 FROM cur) RETURNING r.id)"
    " SELECT (SELECT id FROM del), NULL::int, NULL::text, CASE WHEN EXISTS (SELECT 1 FROM del) THEN 'ok'"
    "   WHEN EXISTS (SELECT 1 FROM cur) THEN 'stale' ELSE 'missing' END"};

const crm_field crm_contact_record_filters[] = {
    {"customer_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"kind", CRM_T_ENUM, 0, 0, 0, 0, crm_contact_record_kinds},
    {"owner_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"occurred_since", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {"occurred_before", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {"updated_since", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_outcome OUTCOMES[] = {
    {"missing", CRM_ENOTFOUND, NULL, "The customer or record does not exist or is not visible to you.", NULL},
    {"contact", CRM_EINVALID, "contact_id", "Must be a contact person of the record's customer.", NULL},
    {NULL, 0, NULL, NULL, NULL},
};

int crm_contact_record_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    const char *values[8];
    size_t n;
    int rc = crm_page_prepare(&query->page);
    if (crm_validate_query(values, 8, &n, query, crm_contact_record_filters) < 0)
        rc = CRM_EINVALID;
    if (rc < 0)
        return rc;
    if (!query->parent_id)
        return crm_run_list_values(out, db, who, &LIST, n, values, &query->page);
    /* Under /v1/customers/{id}: that customer, which must be visible. */
    if ((rc = crm_customer_visible(db, who, query->parent_id)) < 0)
        return rc;
    values[0] = query->parent_id;
    return crm_run_list_values(out, db, who, &LIST_CUSTOMER, n, values, &query->page);
}

int crm_contact_record_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_contact_record_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query,
                              const json_t *body)
{
    const char *named = json_string_value(json_object_get(body, "customer_id"));
    const char *customer = query->parent_id ? query->parent_id : named;
    char *text = NULL;
    int rc;
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS) && crm_valid_uuid(customer)) {
        /* Say "forbidden" only about customers the caller can see at all. */
        rc = crm_customer_visible(db, who, customer);
        return rc < 0 ? rc : crm_error_set(CRM_EFORBIDDEN, "Your role may not record contacts.");
    }
    rc = crm_validate(body, crm_contact_record_fields, CRM_CREATE);
    if (!customer)
        rc = crm_error_field("customer_id", "required", "Is required.");
    else if (query->parent_id && named && strcasecmp(named, query->parent_id) != 0)
        rc = crm_error_field("customer_id", "invalid", "Must be the customer of the path, or left out.");
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, customer, who->user_id, who->role, text};
    rc = crm_run_write(out, db, &CREATE, 5, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_contact_record_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                              const json_t *patch)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS))
        return crm_forbidden_or_missing(db, &PROBE, who, id, "Your role may not change contact records.");
    char *text = NULL, ver[24];
    int rc = crm_validate(patch, crm_contact_record_fields, CRM_PATCH);
    if (rc < 0 || (rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, text, ver};
    rc = crm_run_write(out, db, &UPDATE, 6, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_contact_record_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS))
        return crm_forbidden_or_missing(db, &PROBE, who, id, "Your role may not delete contact records.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, ver};
    return crm_run_write(NULL, db, &DELETE, 5, params, OUTCOMES);
}
