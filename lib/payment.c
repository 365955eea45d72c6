/* payment.c: payments received — validation and SQL. Allocations are decided
 * by payment_create/payment_act (migrations/0019) under the locks of the
 * receivables they pay; the table below turns their outcome into errors. */
#include "crm/payment.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdlib.h>

const char *const crm_payment_methods[] = {"bank_transfer", "cash", "cheque", "card", "alipay", "wechat_pay", "other",
                                           NULL};
const char *const crm_payment_statuses[] = {"received", "reversed", NULL};

static const crm_field ALLOCATION_FIELDS[] = {
    {"receivable_id", CRM_T_UUID, CRM_F_REQUIRED, 0, 0, 0, NULL},
    {"amount", CRM_T_DECIMAL, CRM_F_REQUIRED | CRM_F_POSITIVE, 0, 16, 2, NULL},
    {"id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"reversed_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_payment_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"received_on", CRM_T_DATE, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"amount", CRM_T_DECIMAL, CRM_F_REQUIRED | CRM_F_POSITIVE | CRM_F_NOPATCH, 0, 16, 2, NULL},
    {"currency", CRM_T_CURRENCY, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"method", CRM_T_ENUM, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, crm_payment_methods},
    {"reference", CRM_T_STRING, CRM_F_NULLABLE | CRM_F_NOPATCH, 0, 200, 0, NULL},
    {"payer", CRM_T_STRING, CRM_F_NULLABLE | CRM_F_NOPATCH, 0, 200, 0, NULL},
    {"notes", CRM_T_STRING, CRM_F_NULLABLE | CRM_F_NOPATCH, 0, 10000, 0, NULL},
    {"customer_name", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"amount_allocated", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"amount_unallocated", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"status", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"reversed_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {"reversal_reason", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_payment_filters[] = {
    {"customer_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"method", CRM_T_ENUM, 0, 0, 0, 0, crm_payment_methods},
    {"status", CRM_T_ENUM, 0, 0, 0, 0, crm_payment_statuses},
    {"received_after", CRM_T_DATE, 0, 0, 0, 0, NULL},
    {"received_before", CRM_T_DATE, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const char *const ARRAYS[] = {"allocations", NULL};

static const crm_field ALLOCATE[] = {
    {"allocations", CRM_T_OBJECT, 0, 0, 0, 0, NULL}, /* required and checked item by item below */
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field REASON[] = {
    {"reason", CRM_T_STRING, CRM_F_REQUIRED, 1, 2000, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_stmt GET = {
    "payment_get",
    "SELECT p.id, p.version, payment_json(p, c) FROM payments p" CRM_SQL_CUSTOMER_OF("p")
    " WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

/* received_after and received_before are inclusive. */
static const crm_stmt LIST = {
    "payment_list",
    CRM_SQL_ENVELOPE("payment_json(r, c)", "$11")
    "SELECT p AS r, c, p.created_at, p.id FROM payments p" CRM_SQL_CUSTOMER_OF("p")
    " WHERE p.tenant_id = $1 AND p.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND ($4::uuid IS NULL OR p.customer_id = $4) AND ($5::text IS NULL OR p.method = $5)"
    " AND ($6::text IS NULL OR $6 = CASE WHEN p.reversed_at IS NULL THEN 'received' ELSE 'reversed' END)"
    " AND ($7::date IS NULL OR p.received_on >= $7) AND ($8::date IS NULL OR p.received_on <= $8)"
    CRM_SQL_AFTER("p", "$9", "$10")
    " ORDER BY p.created_at, p.id LIMIT $11) page"};

static const crm_stmt CREATE = {
    "payment_create",
    "SELECT row_id, row_version, doc, outcome FROM payment_create($1, $2, $3, $4::boolean, $5::jsonb)"};
static const crm_stmt ACT = {
    "payment_act",
    "SELECT row_id, row_version, doc, outcome FROM payment_act($1, $2, $3, $4::boolean, $5, $6, $7::jsonb)"};

static const crm_outcome OUTCOMES[] = {
    {"missing", CRM_ENOTFOUND, NULL, "The payment does not exist or is not visible to you.", NULL},
    {"forbidden", CRM_EFORBIDDEN, NULL, "Only finance and admin users record, allocate and reverse payments.", NULL},
    {"state", CRM_ECONFLICT, NULL, "The payment has been reversed; nothing more can be done with it.", NULL},
    {"customer", CRM_EINVALID, "customer_id", "Must be a customer you can see.", NULL},
    {"currency", CRM_EINVALID, "currency", "Is not a currency this server knows.", NULL},
    {"digits", CRM_EINVALID, "amount", "Has more fraction digits than the currency has.", "invalid"},
    {"unallocated", CRM_ECONFLICT, "allocations",
     "The allocations add up to more than the payment has unallocated.", "range"},
    /* payment_allocate_items names an allocation by its index i. */
    {"receivable:", CRM_EINVALID, "allocations[%s].receivable_id",
     "Must be a receivable of the payment's customer, named once.", NULL},
    {"currency:", CRM_EINVALID, "allocations[%s].receivable_id",
     "Is a receivable in another currency than the payment's.", "invalid"},
    {"amount:", CRM_EINVALID, "allocations[%s].amount", "Has more fraction digits than the currency has.",
     "invalid"},
    {"over:", CRM_ECONFLICT, "allocations[%s].amount", "Is more than the receivable has open.", "range"},
    {NULL, 0, NULL, NULL, NULL},
};

static int validate_allocations(const json_t *allocations, size_t min)
{
    return crm_validate_items(allocations, "allocations", ALLOCATION_FIELDS, min, 500);
}

int crm_payment_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    return crm_run_list(out, db, who, &LIST, crm_payment_filters, query);
}

int crm_payment_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_payment_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    (void)query;
    char *text = NULL;
    int rc = crm_validate_except(body, crm_payment_fields, CRM_CREATE, ARRAYS);
    const json_t *allocations = json_is_object(body) ? json_object_get(body, "allocations") : NULL;
    if (allocations && validate_allocations(allocations, 0) < 0)
        rc = CRM_EINVALID;
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_MONEY),
                            text};
    rc = crm_run_write(out, db, &CREATE, 5, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_payment_allocate(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body)
{
    char *text = NULL;
    int rc = crm_validate_except(body, ALLOCATE, CRM_CREATE, ARRAYS);
    const json_t *allocations = json_is_object(body) ? json_object_get(body, "allocations") : NULL;
    if (!allocations && rc == 0)
        rc = crm_error_field("allocations", "required", "Is required.");
    else if (allocations && validate_allocations(allocations, 1) < 0)
        rc = CRM_EINVALID;
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_MONEY),
                            id, "allocate", text};
    rc = crm_run_write(out, db, &ACT, 7, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_payment_reverse(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body)
{
    char *text = NULL;
    int rc = crm_validate(body, REASON, CRM_CREATE);
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_MONEY),
                            id, "reverse", text};
    rc = crm_run_write(out, db, &ACT, 7, params, OUTCOMES);
    free(text);
    return rc;
}
