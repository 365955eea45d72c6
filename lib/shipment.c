/* shipment.c: shipments — validation and SQL. Quantities and transitions are
 * decided by shipment_create/shipment_act (migrations/0006) under the lock of
 * the contract's lines; this file turns their outcome into errors. */
#include "crm/shipment.h"
#include "crm/contract.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATUSES[] = {"pending", "shipped", "delivered", "cancelled", NULL};

static const crm_field LINE_FIELDS[] = {
    {"contract_line_id", CRM_T_UUID, CRM_F_REQUIRED, 0, 0, 0, NULL},
    {"quantity", CRM_T_DECIMAL, CRM_F_REQUIRED, 0, 15, 3, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field FIELDS[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"contract_id", CRM_T_UUID, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"shipping_date", CRM_T_DATE, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"warehouse", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"carrier", CRM_T_STRING, CRM_F_NULLABLE, 0, 200, 0, NULL},
    {"tracking_no", CRM_T_STRING, CRM_F_NULLABLE, 0, 100, 0, NULL},
    {"number", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"status", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"contract_number", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"customer_name", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"shipped_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {"delivered_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const char *const ARRAYS[] = {"lines", NULL};

static const crm_stmt GET = {
    "shipment_get",
    "SELECT s.id, s.version, shipment_json(s)"
    " FROM shipments s JOIN customers c ON c.tenant_id = s.tenant_id AND c.id = s.customer_id"
    " WHERE s.tenant_id = $1 AND s.id = $2 AND s.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

static const crm_stmt LIST = {
    "shipment_list",
    CRM_SQL_ENVELOPE("shipment_json(r)", "$9")
    "SELECT s AS r, s.created_at, s.id FROM shipments s"
    " JOIN customers c ON c.tenant_id = s.tenant_id AND c.id = s.customer_id"
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

static int refused(const char *outcome)
{
    if (strcmp(outcome, "missing") == 0)
        return crm_error_set(CRM_ENOTFOUND, "The shipment does not exist or is not visible to you.");
    if (strcmp(outcome, "forbidden") == 0)
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not change shipments.");
    if (strcmp(outcome, "stale") == 0)
        return crm_error_set(CRM_ESTALE,
                             "The resource changed since you read it; read it again and retry with its current ETag.");
    if (strcmp(outcome, "state") == 0)
        return crm_error_set(CRM_ECONFLICT, "The status does not allow this (a shipment goes pending → shipped → "
                                            "delivered; only pending or shipped ones can be cancelled; an active "
                                            "contract is needed to ship).");
    if (strcmp(outcome, "contract_state") == 0)
        return crm_error_set(CRM_ECONFLICT, "The contract is no longer active; its shipments stay as they are.");
    if (strcmp(outcome, "contract") == 0)
        return crm_error_field("contract_id", "invalid", "Must be a contract you can see.");
    if (strcmp(outcome, "nothing") == 0)
        return crm_error_set(CRM_ECONFLICT, "Every line of this contract has been shipped already.");
    if (strncmp(outcome, "line:", 5) == 0) {
        char name[64];
        snprintf(name, sizeof name, "lines[%s].contract_line_id", outcome + 5);
        return crm_error_field(name, "invalid", "Must be a line of the contract, named once.");
    }
    if (strncmp(outcome, "over:", 5) == 0) {
        crm_error_set(CRM_ECONFLICT, "lines[%s] asks for more than remains to be shipped of that contract line.",
                      outcome + 5);
        char name[64];
        snprintf(name, sizeof name, "lines[%s].quantity", outcome + 5);
        crm_error_extra("errors", json_pack("[{s:s, s:s, s:s}]", "field", name, "code", "range", "message",
                                            "More than remains to be shipped."));
        return CRM_ECONFLICT;
    }
    return crm_error_set(CRM_ERROR, "Unexpected outcome %s.", outcome);
}

static int run_write(crm_doc *out, crm_db *db, const crm_stmt *stmt, int n, const char *const *params)
{
    int rc = crm_run_outcome(out, db, stmt, n, params, refused);
    if (rc == CRM_ECONFLICT && strcmp(crm_db_sqlstate(db), "23505") == 0)
        return crm_error_set(CRM_ECONFLICT, "A shipment with this id exists already.");
    if (rc == CRM_EINVALID && strcmp(crm_db_sqlstate(db), "23514") == 0)
        return crm_error_set(CRM_ECONFLICT, "More than remains to be shipped.");
    return rc;
}

static int validate_body(const json_t *body, int mode)
{
    int rc = crm_contract__validate(body, FIELDS, mode, ARRAYS);
    const json_t *lines = json_is_object(body) ? json_object_get(body, "lines") : NULL;
    if (lines && mode == CRM_PATCH)
        return crm_error_field("lines", "read_only", "A shipment's lines cannot be changed; cancel it instead.");
    if (lines && crm_contract__items(lines, "lines", LINE_FIELDS, 1, 500) < 0)
        rc = CRM_EINVALID;
    else if (lines) {
        for (size_t i = 0; i < json_array_size(lines); i++) {
            const char *q = json_string_value(json_object_get(json_array_get(lines, i), "quantity"));
            if (q && strtod(q, NULL) <= 0.0) {
                char name[64];
                snprintf(name, sizeof name, "lines[%zu].quantity", i);
                rc = crm_error_field(name, "range", "Must be greater than 0.");
            }
        }
    }
    return rc;
}

int crm_shipment_list(char **out, crm_db *db, const crm_caller *who, const crm_shipment_filter *filter,
                      crm_page *page)
{
    int rc = crm_page_prepare(page);
    const char *contract = crm_nonempty(filter->contract_id), *customer = crm_nonempty(filter->customer_id);
    const char *status = crm_nonempty(filter->status);
    if (contract && !crm_valid_uuid(contract))
        rc = crm_error_field("contract_id", "format", "Must be a UUID.");
    if (customer && !crm_valid_uuid(customer))
        rc = crm_error_field("customer_id", "format", "Must be a UUID.");
    if (status && !crm_one_of(status, STATUSES))
        rc = crm_error_field("status", "enum", "Must be one of pending, shipped, delivered, cancelled.");
    if (rc < 0)
        return rc;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, contract, customer, status,
                            crm_nonempty(page->after_ts), crm_nonempty(page->after_id), limit};
    return crm_run_json(out, db, &LIST, 9, params);
}

int crm_shipment_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_shipment_create(crm_doc *out, crm_db *db, const crm_caller *who, const json_t *body)
{
    int rc = validate_body(body, CRM_CREATE);
    if (rc < 0)
        return rc;
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_role_writes_orders(who->role) ? "t" : "f",
                            text};
    rc = run_write(out, db, &CREATE, 5, params);
    free(text);
    return rc;
}

int crm_shipment_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                        const json_t *patch)
{
    int rc = validate_body(patch, CRM_PATCH);
    if (rc < 0)
        return rc;
    char *text = json_dumps(patch, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_role_writes_orders(who->role) ? "t" : "f",
                            id, "update", ver, text};
    rc = run_write(out, db, &ACT, 8, params);
    free(text);
    return rc;
}

int crm_shipment_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action)
{
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_role_writes_orders(who->role) ? "t" : "f",
                            id, action, NULL, NULL};
    return run_write(out, db, &ACT, 8, params);
}
