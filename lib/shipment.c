/* shipment.c: shipments — validation and SQL. Quantities and transitions are
 * decided by shipment_create/shipment_act (migrations/0006) under the lock of
 * the contract's lines; the table below turns their outcome into errors. */
#include "crm/shipment.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>

const char *const crm_shipment_statuses[] = {"pending", "shipped", "delivered", "cancelled", NULL};

static const crm_field LINE_FIELDS[] = {
    {"contract_line_id", CRM_T_UUID, CRM_F_REQUIRED, 0, 0, 0, NULL},
    {"quantity", CRM_T_DECIMAL, CRM_F_REQUIRED | CRM_F_POSITIVE, 0, 15, 3, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_shipment_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"contract_id", CRM_T_UUID, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"shipping_date", CRM_T_DATE, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"warehouse", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"carrier", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"tracking_no", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"number", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"status", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"contract_number", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"customer_name", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"shipped_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {"delivered_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_shipment_filters[] = {
    {"contract_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"status", CRM_T_ENUM, 0, 0, 0, 0, crm_shipment_statuses},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const char *const ARRAYS[] = {"lines", NULL};

static const crm_stmt GET = {
    "shipment_get",
    "SELECT s.id, s.version, shipment_json(s) FROM shipments s" CRM_SQL_CUSTOMER_OF("s")
    " WHERE s.tenant_id = $1 AND s.id = $2 AND s.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

static const crm_stmt LIST = {
    "shipment_list",
    CRM_SQL_ENVELOPE("shipment_json(r)", "$9")
    "SELECT s AS r, s.created_at, s.id FROM shipments s" CRM_SQL_CUSTOMER_OF("s")
    " WHERE s.tenant_id = $1 AND s.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND ($4::uuid IS NULL OR s.contract_id = $4) AND ($5::uuid IS NULL OR s.customer_id = $5)"
    " AND ($6::text IS NULL OR s.status = $6)"
    CRM_SQL_AFTER("s", "$7", "$8")
    " ORDER BY s.created_at, s.id LIMIT $9) page"};

static const crm_stmt CREATE = {
    "shipment_create",
    "SELECT row_id, row_version, doc, outcome FROM shipment_create($1, $2, $3, $4::boolean, $5::jsonb)"};
static const crm_stmt ACT = {
    "shipment_act",
    "SELECT row_id, row_version, doc, outcome FROM shipment_act($1, $2, $3, $4::boolean, $5, $6, $7::int, $8::jsonb)"};

static const crm_outcome OUTCOMES[] = {
    {"missing", CRM_ENOTFOUND, NULL, "The shipment does not exist or is not visible to you.", NULL},
    {"forbidden", CRM_EFORBIDDEN, NULL, "Your role may not change shipments.", NULL},
    {"state", CRM_ECONFLICT, NULL,
     "The status does not allow this (a shipment goes pending → shipped → delivered; only pending or shipped ones "
     "can be cancelled; an active contract is needed to ship).", NULL},
    {"contract_state", CRM_ECONFLICT, NULL, "The contract is no longer active; its shipments stay as they are.", NULL},
    {"contract", CRM_EINVALID, "contract_id", "Must be a contract you can see.", NULL},
    {"nothing", CRM_ECONFLICT, NULL, "Every line of this contract has been shipped already.", NULL},
    {"check", CRM_ECONFLICT, NULL, "More than remains to be shipped.", NULL},
    /* shipment_create names a line by its index i: "line:i", "over:i". */
    {"line:", CRM_EINVALID, "lines[%s].contract_line_id", "Must be a line of the contract, named once.", NULL},
    {"over:", CRM_ECONFLICT, "lines[%s].quantity", "Asks for more than remains to be shipped of that contract line.",
     "range"},
    {NULL, 0, NULL, NULL, NULL},
};

static int validate_body(const json_t *body, int mode)
{
    int rc = crm_validate_except(body, crm_shipment_fields, mode, ARRAYS);
    const json_t *lines = json_is_object(body) ? json_object_get(body, "lines") : NULL;
    if (lines && mode == CRM_PATCH)
        return crm_error_field("lines", "read_only", "A shipment's lines cannot be changed; cancel it instead.");
    if (lines && crm_validate_items(lines, "lines", LINE_FIELDS, 1, 500) < 0)
        rc = CRM_EINVALID;
    return rc;
}

int crm_shipment_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    return crm_run_list(out, db, who, &LIST, crm_shipment_filters, query);
}

int crm_shipment_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_shipment_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    (void)query;
    char *text = NULL;
    int rc = validate_body(body, CRM_CREATE);
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_ORDERS),
                            text};
    rc = crm_run_write(out, db, &CREATE, 5, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_shipment_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                        const json_t *patch)
{
    char *text = NULL, ver[24];
    int rc = validate_body(patch, CRM_PATCH);
    if (rc < 0 || (rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_ORDERS),
                            id, "update", ver, text};
    rc = crm_run_write(out, db, &ACT, 8, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_shipment_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action)
{
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_ORDERS),
                            id, action, NULL, NULL};
    return crm_run_write(out, db, &ACT, 8, params, OUTCOMES);
}
