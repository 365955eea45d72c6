/* contact.c: contact persons — validation and SQL; visibility comes from the
 * customer each contact hangs off. */
#include "crm/contact.h"
#include "crm/customer.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>

const crm_field crm_contact_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 200, 0, NULL},
    {"title", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"phone", CRM_T_STRING, CRM_F_NULLABLE, 0, 50, 0, NULL},
    {"mobile", CRM_T_STRING, CRM_F_NULLABLE, 0, 50, 0, NULL},
    {"email", CRM_T_EMAIL, CRM_F_NULLABLE, 0, 254, 0, NULL},
    {"im", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"birthday", CRM_T_DATE, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"is_primary", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {"notes", CRM_T_STRING, CRM_F_NULLABLE, 0, 10000, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

#define VISIBLE_CONTACT                                                                                      \
    " FROM contacts ct" CRM_SQL_CUSTOMER_OF("ct")                                                           \
    " WHERE ct.tenant_id = $1 AND ct.id = $2 AND ct.deleted_at IS NULL"                                     \
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")

static const crm_stmt GET = {"contact_get", "SELECT ct.id, ct.version, contact_json(ct)" VISIBLE_CONTACT};
static const crm_stmt PROBE = {"contact_probe", "SELECT 1" VISIBLE_CONTACT};

/* (tenant, user, role, customer, cursor ts, cursor id, limit); the customer's
 * visibility is checked before (crm_customer_visible). */
static const crm_stmt LIST = {
    "contact_list",
    CRM_SQL_ENVELOPE("contact_json(r)", "$7")
    "SELECT ct AS r, ct.created_at, ct.id FROM contacts ct"
    " WHERE ct.tenant_id = $1 AND ct.customer_id = $4 AND ct.deleted_at IS NULL"
    " AND $2::uuid IS NOT NULL AND $3::text IS NOT NULL"
    CRM_SQL_AFTER("ct", "$5", "$6")
    " ORDER BY ct.created_at, ct.id LIMIT $7) page"};

static const crm_stmt CREATE = {
    "contact_create",
    "WITH body AS (SELECT $3::jsonb AS b),"
    " cleared AS (UPDATE contacts o SET is_primary = false FROM body"
    "   WHERE o.tenant_id = $1 AND o.customer_id = $2 AND o.is_primary AND (b->>'is_primary')::boolean)"
    " INSERT INTO contacts (tenant_id, id, customer_id, name, title, phone, mobile, email, im, birthday,"
    " is_primary, notes)"
    " SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()), $2, b->>'name', b->>'title', b->>'phone',"
    " b->>'mobile', b->>'email', b->>'im', (b->>'birthday')::date, coalesce((b->>'is_primary')::boolean, false),"
    " b->>'notes' FROM body"
    " RETURNING id, version, contact_json(contacts)"};

#define PATCHED(col) "CASE WHEN p ? '" col "' THEN p->>'" col "' ELSE ct." col " END"

static const crm_stmt UPDATE = {
    "contact_update",
    "WITH upd AS (UPDATE contacts ct SET name = " PATCHED("name") ", title = " PATCHED("title")
    ", phone = " PATCHED("phone") ", mobile = " PATCHED("mobile") ", email = " PATCHED("email")
    ", im = " PATCHED("im") ", notes = " PATCHED("notes")
    ", birthday = CASE WHEN p ? 'birthday' THEN (p->>'birthday')::date ELSE ct.birthday END"
    ", is_primary = CASE WHEN p ? 'is_primary' THEN (p->>'is_primary')::boolean ELSE ct.is_primary END"
    " FROM (SELECT $5::jsonb AS p) patch, customers c"
    " WHERE ct.tenant_id = $1 AND ct.id = $2 AND ct.deleted_at IS NULL AND ct.version = $6::int"
    " AND c.tenant_id = ct.tenant_id AND c.id = ct.customer_id AND c.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")
    " RETURNING ct AS r, ct.id, ct.version, ct.customer_id, ct.is_primary),"
    " cleared AS (UPDATE contacts o SET is_primary = false FROM upd"
    "   WHERE o.tenant_id = $1 AND o.customer_id = upd.customer_id AND o.id <> upd.id AND o.is_primary"
    "   AND upd.is_primary AND $5::jsonb ? 'is_primary')"
    " SELECT id, version, contact_json(r) FROM upd"};

static const crm_stmt DELETE = {
    "contact_delete",
    "UPDATE contacts ct SET deleted_at = now() FROM customers c"
    " WHERE ct.tenant_id = $1 AND ct.id = $2 AND ct.deleted_at IS NULL AND ct.version = $5::int"
    " AND c.tenant_id = ct.tenant_id AND c.id = ct.customer_id AND c.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text") " RETURNING ct.id"};

static const crm_outcome OUTCOMES[] = {
    {NULL, 0, NULL, NULL, NULL},
};

int crm_contact_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    int rc = crm_page_prepare(&query->page);
    if (rc < 0 || (rc = crm_customer_visible(db, who, query->parent_id)) < 0)
        return rc;
    const char *values[] = {query->parent_id};
    return crm_run_list_values(out, db, who, &LIST, 1, values, &query->page);
}

int crm_contact_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_contact_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    const char *customer = query->parent_id;
    char *text = NULL;
    int rc = crm_customer_visible(db, who, customer);
    if (rc < 0)
        return rc;
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS))
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not add contacts.");
    if ((rc = crm_validate(body, crm_contact_fields, CRM_CREATE)) < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, customer, text};
    rc = crm_run_write(out, db, &CREATE, 3, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_contact_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                       const json_t *patch)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS))
        return crm_forbidden_or_missing(db, &PROBE, who, id, "Your role may not change contacts.");
    char *text = NULL, ver[24];
    int rc = crm_validate(patch, crm_contact_fields, CRM_PATCH);
    if (rc < 0 || (rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, text, ver};
    rc = crm_run_conditional(out, db, &UPDATE, 6, params, OUTCOMES, &PROBE, who, id);
    free(text);
    return rc;
}

int crm_contact_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS))
        return crm_forbidden_or_missing(db, &PROBE, who, id, "Your role may not delete contacts.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, ver};
    return crm_run_conditional(NULL, db, &DELETE, 5, params, OUTCOMES, &PROBE, who, id);
}
