/* contact_record.c: contact records — validation and SQL. Visibility comes from
 * the customer each record belongs to; the customer's last/next contact are kept
 * by a trigger (migrations/0002), so every write path updates them. */
#include "crm/contact_record.h"
#include "crm/customer.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const KINDS[] = {"call", "email", "im", "visit", "meeting", "other", NULL};
static const char *const DIRECTIONS[] = {"inbound", "outbound", NULL};

/* A check-in: where the salesperson was, as the device reported it. */
static const crm_field LOCATION[] = {
    {"lat", CRM_T_NUMBER, CRM_F_REQUIRED, -90, 90, 0, NULL},
    {"lon", CRM_T_NUMBER, CRM_F_REQUIRED, -180, 180, 0, NULL},
    {"accuracy_m", CRM_T_NUMBER, CRM_F_NULLABLE, 0, 100000, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field FIELDS[] = {
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
    " FROM contact_records r JOIN customers c ON c.tenant_id = r.tenant_id AND c.id = r.customer_id"      \
    " WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL AND c.deleted_at IS NULL"             \
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
    " SELECT (i.rec).id, (i.rec).version, contact_record_json(i.rec, k.c), EXISTS (SELECT 1 FROM cust),"
    " (SELECT ok FROM person)"
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
    " SELECT (u.rec).id, (u.rec).version, contact_record_json(u.rec, k.c), EXISTS (SELECT 1 FROM cur),"
    " (SELECT ok FROM person)"
    " FROM (SELECT 1) one LEFT JOIN upd u ON true LEFT JOIN cur k ON true"};

/* (tenant, id, user, role, version) → (deleted, visible). */
static const crm_stmt DELETE = {
    "contact_record_delete",
    "WITH cur AS (SELECT 1" VISIBLE_RECORD "),"
    " del AS (UPDATE contact_records r SET deleted_at = now()"
    "   WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL AND r.version = $5::int"
    "   AND EXISTS (SELECT 1 FROM cur) RETURNING r.id)"
    " SELECT EXISTS (SELECT 1 FROM del), EXISTS (SELECT 1 FROM cur)"};

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int is_true(const PGresult *res, int col) { return strcmp(PQgetvalue(res, 0, col), "t") == 0; }

/* A role that may not write: 403 about a record it can see, 404 otherwise. */
static int forbidden_or_missing(crm_db *db, const crm_caller *who, const char *id, const char *what)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &PROBE, 4, params);
    if (rc < 0)
        return rc;
    int visible = PQntuples(res) > 0;
    PQclear(res);
    if (!visible)
        return crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
    return crm_error_set(CRM_EFORBIDDEN, "Your role may not %s contact records.", what);
}

/* After a write statement matched no row: which of its checks refused it
 * (columns 3 = visible, 4 = contact ok). `stale` is the code when both passed. */
static int refused(const PGresult *res, int stale)
{
    if (!is_true(res, 3))
        return crm_error_set(CRM_ENOTFOUND, "The customer or record does not exist or is not visible to you.");
    if (!is_true(res, 4))
        return crm_error_field("contact_id", "invalid", "Must be a contact person of the record's customer.");
    if (stale == CRM_ESTALE)
        return crm_error_set(CRM_ESTALE,
                             "The resource changed since you read it; read it again and retry with its current ETag.");
    return crm_error_set(stale, "The contact record could not be written.");
}

int crm_contact_record_list(char **out, crm_db *db, const crm_caller *who, const char *customer_id,
                            const crm_contact_record_filter *filter, crm_page *page)
{
    int rc = crm_page_prepare(page);
    const char *customer = customer_id ? customer_id : crm_nonempty(filter->customer_id);
    const char *kind = crm_nonempty(filter->kind), *owner = crm_nonempty(filter->owner_id);
    const char *since = crm_nonempty(filter->occurred_since), *before = crm_nonempty(filter->occurred_before);
    const char *updated = crm_nonempty(filter->updated_since);
    if (customer && !crm_valid_uuid(customer))
        rc = crm_error_field("customer_id", "format", "Must be a UUID.");
    if (kind && !in_list(kind, KINDS))
        rc = crm_error_field("kind", "enum", "Must be one of call, email, im, visit, meeting, other.");
    if (owner && !crm_valid_uuid(owner))
        rc = crm_error_field("owner_id", "format", "Must be a UUID.");
    if (since && !crm_valid_timestamp(since))
        rc = crm_error_field("occurred_since", "format", "Must be an RFC 3339 date-time.");
    if (before && !crm_valid_timestamp(before))
        rc = crm_error_field("occurred_before", "format", "Must be an RFC 3339 date-time.");
    if (updated && !crm_valid_timestamp(updated))
        rc = crm_error_field("updated_since", "format", "Must be an RFC 3339 date-time.");
    if (rc < 0)
        return rc;
    if (customer_id && (rc = crm_customer_visible(db, who, customer_id)) < 0)
        return rc;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, customer, kind, owner, since, before, updated,
                            crm_nonempty(page->after_ts), crm_nonempty(page->after_id), limit};
    return crm_run_json(out, db, customer_id ? &LIST_CUSTOMER : &LIST, 12, params);
}

int crm_contact_record_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_contact_record_create(crm_doc *out, crm_db *db, const crm_caller *who, const char *customer_id,
                              const json_t *body)
{
    const char *named = json_string_value(json_object_get(body, "customer_id"));
    const char *customer = customer_id ? customer_id : named;
    int rc;
    if (!crm_role_writes_customers(who->role) && customer && crm_valid_uuid(customer)) {
        /* Say "forbidden" only about customers the caller can see at all. */
        rc = crm_customer_visible(db, who, customer);
        return rc < 0 ? rc : crm_error_set(CRM_EFORBIDDEN, "Your role may not record contacts.");
    }
    rc = crm_validate(body, FIELDS, CRM_CREATE);
    if (!customer_id && !json_object_get(body, "customer_id"))
        rc = crm_error_field("customer_id", "required", "Is required.");
    else if (customer_id && named && strcasecmp(named, customer_id) != 0)
        rc = crm_error_field("customer_id", "invalid", "Must be the customer of the path, or left out.");
    if (rc < 0)
        return rc;
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    const char *params[] = {who->tenant_id, customer, who->user_id, who->role, text};
    PGresult *res = NULL;
    rc = crm_db_run(&res, db, &CREATE, 5, params);
    free(text);
    if (rc == CRM_ECONFLICT && strcmp(crm_db_sqlstate(db), "23505") == 0)
        return crm_error_set(CRM_ECONFLICT, "A contact record with this id already exists.");
    if (rc < 0)
        return rc;
    rc = PQgetisnull(res, 0, 0) ? refused(res, CRM_ERROR) : crm_doc_take(out, res);
    PQclear(res);
    return rc;
}

int crm_contact_record_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                              const json_t *patch)
{
    if (!crm_role_writes_customers(who->role))
        return forbidden_or_missing(db, who, id, "change");
    int rc = crm_validate(patch, FIELDS, CRM_PATCH);
    if (rc < 0)
        return rc;
    char *text = json_dumps(patch, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, text, ver};
    PGresult *res = NULL;
    rc = crm_db_run(&res, db, &UPDATE, 6, params);
    free(text);
    if (rc < 0)
        return rc;
    rc = PQgetisnull(res, 0, 0) ? refused(res, CRM_ESTALE) : crm_doc_take(out, res);
    PQclear(res);
    return rc;
}

int crm_contact_record_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!crm_role_writes_customers(who->role))
        return forbidden_or_missing(db, who, id, "delete");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, ver};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &DELETE, 5, params);
    if (rc < 0)
        return rc;
    if (!is_true(res, 0))
        rc = is_true(res, 1) ? crm_error_set(CRM_ESTALE, "The resource changed since you read it; read it again and "
                                                         "retry with its current ETag.")
                             : crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
    PQclear(res);
    return rc;
}
