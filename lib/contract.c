/* contract.c: contracts (sales orders) — validation and the SQL that reads and
 * writes them. The rules that need the rows (quotation state, payment plan,
 * transitions) live in the write functions of migrations/0006 (and 0010),
 * which answer an outcome the table below turns into the error the client sees. */
#include "crm/contract.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/quotation.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>

const char *const crm_contract_statuses[] = {"draft", "active", "completed", "cancelled", NULL};

static const crm_field INSTALLMENT_FIELDS[] = {
    {"due_date", CRM_T_DATE, CRM_F_REQUIRED, 0, 0, 0, NULL},
    {"amount", CRM_T_DECIMAL, CRM_F_REQUIRED, 0, 16, 2, NULL},
    {"seq", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_contract_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"quotation_id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"currency", CRM_T_CURRENCY, 0, 0, 3, 0, NULL},
    {"signed_on", CRM_T_DATE, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"delivery_due", CRM_T_DATE, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"notes", CRM_T_STRING, CRM_F_NULLABLE, 0, 10000, 0, NULL},
    {"number", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"status", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"owner_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"customer_name", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"net_total", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"tax_total", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"gross_total", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"fully_shipped", CRM_T_BOOL, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_contract_filters[] = {
    {"customer_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"status", CRM_T_ENUM, 0, 0, 0, 0, crm_contract_statuses},
    {"owner_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const char *const ARRAYS[] = {"lines", "installments", NULL};

static const crm_stmt GET = {
    "contract_get",
    "SELECT k.id, k.version, contract_json(k) FROM contracts k" CRM_SQL_CUSTOMER_OF("k")
    " WHERE k.tenant_id = $1 AND k.id = $2 AND k.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

static const crm_stmt LIST = {
    "contract_list",
    CRM_SQL_ENVELOPE("contract_json(r)", "$9")
    "SELECT k AS r, k.created_at, k.id FROM contracts k" CRM_SQL_CUSTOMER_OF("k")
    " WHERE k.tenant_id = $1 AND k.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND ($4::uuid IS NULL OR k.customer_id = $4) AND ($5::text IS NULL OR k.status = $5)"
    " AND ($6::uuid IS NULL OR k.owner_id = $6)"
    CRM_SQL_AFTER("k", "$7", "$8")
    " ORDER BY k.created_at, k.id LIMIT $9) page"};

static const crm_stmt CREATE = {
    "contract_create",
    "SELECT row_id, row_version, doc, outcome FROM contract_create($1, $2, $3, $4::boolean, $5::jsonb)"};
static const crm_stmt UPDATE = {
    "contract_update",
    "SELECT row_id, row_version, doc, outcome FROM contract_update($1, $2, $3, $4::boolean, $5, $6::int, $7::jsonb)"};
static const crm_stmt ACT = {
    "contract_act",
    "SELECT row_id, row_version, doc, outcome FROM contract_act($1, $2, $3, $4::boolean, $5, $6, $7::int)"};

static const crm_outcome OUTCOMES[] = {
    {"missing", CRM_ENOTFOUND, NULL, "The contract does not exist or is not visible to you.", NULL},
    {"forbidden", CRM_EFORBIDDEN, NULL, "Your role may not change contracts.", NULL},
    {"state", CRM_ECONFLICT, NULL, "The contract's status does not allow this.", NULL},
    {"not_shipped", CRM_ECONFLICT, NULL, "A contract is completed only when every line is fully shipped.", NULL},
    {"shipped", CRM_ECONFLICT, NULL, "Goods of this contract have been shipped; cancel its shipments first.", NULL},
    {"paid", CRM_ECONFLICT, NULL,
     "Receivables of this contract have been paid or written off; reverse those payments first.", NULL},
    {"customer", CRM_EINVALID, "customer_id", "Must be a customer you can see.", NULL},
    {"quotation", CRM_EINVALID, "quotation_id", "Must be a quotation you can see.", NULL},
    {"quotation_state", CRM_ECONFLICT, NULL, "Only an accepted quotation becomes a contract.", NULL},
    {"quotation_used", CRM_ECONFLICT, NULL, "This quotation has been converted into a contract already.", NULL},
    {"currency", CRM_EINVALID, "currency", "Is not a currency this server knows.", NULL},
    {"installments", CRM_EINVALID, "installments",
     "The installments must add up exactly to the gross total, in the currency's minor unit.", NULL},
    {"amount_range", CRM_EINVALID, "lines", "An amount is larger than 9999999999999999.99.", NULL},
    /* A taken id (told in the same words as for every resource), or the race of
     * two conversions of one quotation, which the unique quotation_id settles. */
    {"duplicate", CRM_ECONFLICT, NULL,
     "This id cannot be used (send the create without an id, or choose another UUID), or the quotation has just "
     "been converted into a contract.",
     NULL},
    {NULL, 0, NULL, NULL, NULL},
};

static int validate_body(const json_t *body, int mode)
{
    int rc = crm_validate_except(body, crm_contract_fields, mode, ARRAYS);
    if (!json_is_object(body))
        return rc;
    const json_t *lines = json_object_get(body, "lines"), *plan = json_object_get(body, "installments");
    /* Descriptions and prices a product does not supply are checked with the catalogue (0005). */
    if (lines && crm_quotation_validate_lines(lines, 0) < 0)
        rc = CRM_EINVALID;
    if (plan && crm_validate_items(plan, "installments", INSTALLMENT_FIELDS, 1, 120) < 0)
        rc = CRM_EINVALID;
    if (mode == CRM_CREATE) {
        if (json_object_get(body, "quotation_id")) {
            static const char *const COPIED[] = {"customer_id", "currency", "lines", NULL};
            for (const char *const *f = COPIED; *f; f++)
                if (json_object_get(body, *f))
                    rc = crm_error_field(*f, "invalid", "Comes from the quotation; leave it out.");
        } else {
            if (!json_object_get(body, "customer_id"))
                rc = crm_error_field("customer_id", "required", "Is required (or quotation_id).");
            if (!lines)
                rc = crm_error_field("lines", "required", "Is required (or quotation_id).");
        }
    }
    return rc;
}

int crm_contract_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    return crm_run_list(out, db, who, &LIST, crm_contract_filters, query);
}

int crm_contract_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_contract_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
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

int crm_contract_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                        const json_t *patch)
{
    char *text = NULL, ver[24];
    int rc = validate_body(patch, CRM_PATCH);
    if (rc < 0 || (rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_ORDERS),
                            id, ver, text};
    rc = crm_run_write(out, db, &UPDATE, 7, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_contract_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_ORDERS),
                            id, "delete", ver};
    return crm_run_write(NULL, db, &ACT, 7, params, OUTCOMES);
}

int crm_contract_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action)
{
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_ORDERS),
                            id, action, NULL};
    return crm_run_write(out, db, &ACT, 7, params, OUTCOMES);
}
