/* receivable.c: receivables — validation and SQL. The amounts are kept by the
 * allocation trigger and decided by receivable_create/receivable_act
 * (migrations/0019); the table below turns their outcome into errors. */
#include "crm/receivable.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdlib.h>

const char *const crm_receivable_statuses[] = {"open", "paid", "written_off", NULL};

const crm_field crm_receivable_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"currency", CRM_T_CURRENCY, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"due_date", CRM_T_DATE, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"amount", CRM_T_DECIMAL, CRM_F_REQUIRED | CRM_F_POSITIVE | CRM_F_NOPATCH, 0, 16, 2, NULL},
    {"description", CRM_T_STRING, CRM_F_NULLABLE | CRM_F_NOPATCH, 0, 2000, 0, NULL},
    {"customer_name", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"owner_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"contract_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"contract_number", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"installment_seq", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {"amount_paid", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"amount_written_off", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"amount_open", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"status", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"days_overdue", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {"write_off_reason", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"written_off_at", CRM_T_TIMESTAMP, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_receivable_filters[] = {
    {"customer_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"contract_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"owner_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"status", CRM_T_ENUM, 0, 0, 0, 0, crm_receivable_statuses},
    {"due_before", CRM_T_DATE, 0, 0, 0, 0, NULL},
    {"due_after", CRM_T_DATE, 0, 0, 0, 0, NULL},
    {"overdue", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field REASON[] = {
    {"reason", CRM_T_STRING, CRM_F_REQUIRED, 1, 2000, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_stmt GET = {
    "receivable_get",
    "SELECT r.id, r.version, receivable_json(r, c) FROM receivables r" CRM_SQL_CUSTOMER_OF("r")
    " WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

/* due_before and due_after are inclusive; overdue=true is open and due before
 * the organization's today, overdue=false the rest. */
static const crm_stmt LIST = {
    "receivable_list",
    CRM_SQL_ENVELOPE("receivable_json(r, c)", "$13")
    "SELECT r, c, r.created_at, r.id FROM receivables r" CRM_SQL_CUSTOMER_OF("r")
    " WHERE r.tenant_id = $1 AND r.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND ($4::uuid IS NULL OR r.customer_id = $4) AND ($5::uuid IS NULL OR r.contract_id = $5)"
    " AND ($6::uuid IS NULL OR c.owner_id = $6) AND ($7::text IS NULL OR receivable_status(r) = $7)"
    " AND ($8::date IS NULL OR r.due_date <= $8) AND ($9::date IS NULL OR r.due_date >= $9)"
    " AND ($10::boolean IS NULL OR $10 = (receivable_status(r) = 'open' AND r.due_date < tenant_today()))"
    CRM_SQL_AFTER("r", "$11", "$12")
    " ORDER BY r.created_at, r.id LIMIT $13) page"};

static const crm_stmt CREATE = {
    "receivable_create",
    "SELECT row_id, row_version, doc, outcome FROM receivable_create($1, $2, $3, $4::boolean, $5::jsonb)"};
static const crm_stmt ACT = {
    "receivable_act",
    "SELECT row_id, row_version, doc, outcome FROM receivable_act($1, $2, $3, $4::boolean, $5, $6, $7::jsonb)"};

static const crm_outcome OUTCOMES[] = {
    {"missing", CRM_ENOTFOUND, NULL, "The receivable does not exist or is not visible to you.", NULL},
    {"forbidden", CRM_EFORBIDDEN, NULL, "Only finance and admin users record and write off receivables.", NULL},
    {"state", CRM_ECONFLICT, NULL, "Only an open receivable can be written off; this one is paid or written off.",
     NULL},
    {"customer", CRM_EINVALID, "customer_id", "Must be a customer you can see.", NULL},
    {"currency", CRM_EINVALID, "currency", "Is not a currency this server knows.", NULL},
    {"digits", CRM_EINVALID, "amount", "Has more fraction digits than the currency has.", "invalid"},
    {NULL, 0, NULL, NULL, NULL},
};

int crm_receivable_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    return crm_run_list(out, db, who, &LIST, crm_receivable_filters, query);
}

int crm_receivable_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_receivable_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    (void)query;
    char *text = NULL;
    int rc = crm_validate(body, crm_receivable_fields, CRM_CREATE);
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_MONEY),
                            text};
    rc = crm_run_write(out, db, &CREATE, 5, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_receivable_write_off(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body)
{
    char *text = NULL;
    int rc = crm_validate(body, REASON, CRM_CREATE);
    if (rc < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_MONEY),
                            id, "write_off", text};
    rc = crm_run_write(out, db, &ACT, 7, params, OUTCOMES);
    free(text);
    return rc;
}
