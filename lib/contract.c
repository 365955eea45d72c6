/* contract.c: contracts (sales orders) — validation and the SQL that reads and
 * writes them. The rules that need the rows (quotation state, payment plan,
 * transitions) live in the write functions of migrations/0006, which answer an
 * outcome this file turns into the error the client sees. */
#include "crm/contract.h"
#include "crm/error.h"

#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATUSES[] = {"draft", "active", "completed", "cancelled", NULL};

static const crm_field LINE_FIELDS[] = {
    {"product_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"description", CRM_T_STRING, CRM_F_NULLABLE, 0, 2000, 0, NULL}, /* or the product's name */
    {"unit", CRM_T_STRING, CRM_F_NULLABLE, 0, 20, 0, NULL},
    {"quantity", CRM_T_DECIMAL, CRM_F_REQUIRED, 0, 15, 3, NULL},
    {"unit_price", CRM_T_DECIMAL, 0, 0, 14, 4, NULL}, /* or the product's price */
    {"discount_percent", CRM_T_DECIMAL, 0, 0, 3, 4, NULL},
    {"tax_rate", CRM_T_DECIMAL, 0, 0, 3, 4, NULL},
    {"id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"line_no", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {"net", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"tax", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"gross", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"quantity_shipped", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"quantity_remaining", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field INSTALLMENT_FIELDS[] = {
    {"due_date", CRM_T_DATE, CRM_F_REQUIRED, 0, 0, 0, NULL},
    {"amount", CRM_T_DECIMAL, CRM_F_REQUIRED, 0, 16, 2, NULL},
    {"seq", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field FIELDS[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"quotation_id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"currency", CRM_T_STRING, 0, 0, 3, 0, NULL},
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

static const char *const ARRAYS[] = {"lines", "installments", NULL};

/* (tenant, id, user, role): the live contract, when its customer is visible. */
#define VISIBLE_CONTRACT                                                                                     \
    " FROM contracts k JOIN customers c ON c.tenant_id = k.tenant_id AND c.id = k.customer_id"            \
    " WHERE k.tenant_id = $1 AND k.id = $2 AND k.deleted_at IS NULL"                                      \
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")

static const crm_stmt GET = {"contract_get", "SELECT k.id, k.version, contract_json(k)" VISIBLE_CONTRACT};

static const crm_stmt LIST = {
    "contract_list",
    CRM_SQL_ENVELOPE("contract_json(r)", "$9")
    "SELECT k AS r, k.created_at, k.id FROM contracts k"
    " JOIN customers c ON c.tenant_id = k.tenant_id AND c.id = k.customer_id"
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

int crm_role_writes_orders(const char *role)
{
    return strcmp(role, "admin") == 0 || strcmp(role, "manager") == 0 || strcmp(role, "sales") == 0 ||
           strcmp(role, "assistant") == 0;
}

/* Prefix the names of the field errors recorded from index `from` on. */
static void prefix_fields(size_t from, const char *prefix)
{
    json_t *fields = crm_error_last()->fields;
    for (size_t i = from; i < json_array_size(fields); i++) {
        json_t *e = json_array_get(fields, i);
        const char *name = json_string_value(json_object_get(e, "field"));
        char path[160];
        snprintf(path, sizeof path, name && *name ? "%s.%s" : "%s", prefix, name ? name : "");
        json_object_set_new(e, "field", json_string(path));
    }
}

static size_t field_count(void)
{
    const crm_error *err = crm_error_last();
    return err->fields ? json_array_size(err->fields) : 0;
}

int crm_contract__items(const json_t *items, const char *name, const crm_field *fields, size_t min, size_t max)
{
    if (!json_is_array(items))
        return crm_error_field(name, "type", "Must be an array.");
    size_t n = json_array_size(items);
    if (n < min || n > max)
        return crm_error_field(name, "range", "Must have between %zu and %zu items.", min, max);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t before = field_count();
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s[%zu]", name, i);
        if (crm_validate(json_array_get(items, i), fields, CRM_CREATE) < 0) {
            prefix_fields(before, prefix);
            rc = CRM_EINVALID;
        }
    }
    return rc;
}

int crm_contract__validate(const json_t *body, const crm_field *fields, int mode, const char *const *arrays)
{
    if (!json_is_object(body))
        return crm_validate(body, fields, mode);
    json_t *rest = json_copy((json_t *)body);
    if (!rest)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    for (const char *const *a = arrays; *a; a++)
        json_object_del(rest, *a);
    int rc = crm_validate(rest, fields, mode);
    json_decref(rest);
    return rc;
}

static int validate_lines(const json_t *lines)
{
    int rc = crm_contract__items(lines, "lines", LINE_FIELDS, 1, 500);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        const json_t *line = json_array_get(lines, i);
        const char *q = json_string_value(json_object_get(line, "quantity"));
        char name[64];
        if (q && strtod(q, NULL) <= 0.0) {
            snprintf(name, sizeof name, "lines[%zu].quantity", i);
            rc = crm_error_field(name, "range", "Must be greater than 0.");
        }
        const char *const percents[] = {"discount_percent", "tax_rate"};
        for (int p = 0; p < 2; p++) {
            const char *s = json_string_value(json_object_get(line, percents[p]));
            if (s && strtod(s, NULL) > 100.0) {
                snprintf(name, sizeof name, "lines[%zu].%s", i, percents[p]);
                rc = crm_error_field(name, "range", "Must be between 0 and 100.");
            }
        }
    }
    return rc;
}

static int validate_body(const json_t *body, int mode)
{
    int rc = crm_contract__validate(body, FIELDS, mode, ARRAYS);
    if (!json_is_object(body))
        return rc;
    const json_t *lines = json_object_get(body, "lines"), *plan = json_object_get(body, "installments");
    const char *currency = json_string_value(json_object_get(body, "currency"));
    if (currency && (strlen(currency) != 3 || strspn(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
        rc = crm_error_field("currency", "format", "Must be an ISO 4217 code such as CNY.");
    if (lines && validate_lines(lines) < 0)
        rc = CRM_EINVALID;
    if (plan && crm_contract__items(plan, "installments", INSTALLMENT_FIELDS, 1, 120) < 0)
        rc = CRM_EINVALID;
    if (mode == CRM_CREATE) {
        if (json_object_get(body, "quotation_id")) {
            const char *const copied[] = {"customer_id", "currency", "lines"};
            for (int i = 0; i < 3; i++)
                if (json_object_get(body, copied[i]))
                    rc = crm_error_field(copied[i], "invalid", "Comes from the quotation; leave it out.");
        } else {
            if (!json_object_get(body, "customer_id"))
                rc = crm_error_field("customer_id", "required", "Is required (or quotation_id).");
            if (!lines)
                rc = crm_error_field("lines", "required", "Is required (or quotation_id).");
        }
    }
    return rc;
}

/* Turn a write function's outcome into the error it stands for. */
static int refused(const char *outcome)
{
    if (strcmp(outcome, "missing") == 0)
        return crm_error_set(CRM_ENOTFOUND, "The contract does not exist or is not visible to you.");
    if (strcmp(outcome, "forbidden") == 0)
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not change contracts.");
    if (strcmp(outcome, "stale") == 0)
        return crm_error_set(CRM_ESTALE,
                             "The resource changed since you read it; read it again and retry with its current ETag.");
    if (strcmp(outcome, "state") == 0)
        return crm_error_set(CRM_ECONFLICT, "The contract's status does not allow this.");
    if (strcmp(outcome, "not_shipped") == 0)
        return crm_error_set(CRM_ECONFLICT, "A contract is completed only when every line is fully shipped.");
    if (strcmp(outcome, "shipped") == 0)
        return crm_error_set(CRM_ECONFLICT,
                             "Goods of this contract have been shipped; cancel its shipments first.");
    if (strcmp(outcome, "customer") == 0)
        return crm_error_field("customer_id", "invalid", "Must be a customer you can see.");
    if (strcmp(outcome, "quotation") == 0)
        return crm_error_field("quotation_id", "invalid", "Must be a quotation you can see.");
    if (strcmp(outcome, "quotation_state") == 0)
        return crm_error_set(CRM_ECONFLICT, "Only an accepted quotation becomes a contract.");
    if (strcmp(outcome, "quotation_used") == 0)
        return crm_error_set(CRM_ECONFLICT, "This quotation has been converted into a contract already.");
    if (strcmp(outcome, "currency") == 0)
        return crm_error_field("currency", "enum", "Is not a currency this server knows.");
    if (strcmp(outcome, "installments") == 0)
        return crm_error_field("installments", "invalid",
                               "The installments must add up exactly to the gross total, in the currency's minor unit.");
    if (strncmp(outcome, "problem:", 8) == 0) {
        json_t *p = json_loads(outcome + 8, 0, NULL);
        int rc = crm_error_field(json_string_value(json_object_get(p, "field")) ? json_string_value(json_object_get(p, "field")) : "lines",
                                 json_string_value(json_object_get(p, "code")) ? json_string_value(json_object_get(p, "code")) : "invalid",
                                 "%s", json_string_value(json_object_get(p, "message")) ? json_string_value(json_object_get(p, "message")) : "Is invalid.");
        json_decref(p);
        return rc;
    }
    if (strcmp(outcome, "amount_range") == 0)
        return crm_error_field("lines", "range", "An amount is larger than 9999999999999999.99.");
    return crm_error_set(CRM_ERROR, "Unexpected outcome %s.", outcome);
}

/* Run a write function and take its row (id, version, doc, outcome). */
static int run_write(crm_doc *out, crm_db *db, const crm_stmt *stmt, int n, const char *const *params)
{
    int rc = crm_run_outcome(out, db, stmt, n, params, refused);
    if (rc == CRM_ECONFLICT && strcmp(crm_db_sqlstate(db), "23505") == 0)
        return crm_error_set(CRM_ECONFLICT, "A contract with this id exists, or the quotation was converted already.");
    return rc;
}

int crm_contract_list(char **out, crm_db *db, const crm_caller *who, const crm_contract_filter *filter,
                      crm_page *page)
{
    int rc = crm_page_prepare(page);
    const char *customer = crm_nonempty(filter->customer_id), *status = crm_nonempty(filter->status);
    const char *owner = crm_nonempty(filter->owner_id);
    if (customer && !crm_valid_uuid(customer))
        rc = crm_error_field("customer_id", "format", "Must be a UUID.");
    if (owner && !crm_valid_uuid(owner))
        rc = crm_error_field("owner_id", "format", "Must be a UUID.");
    if (status && !crm_one_of(status, STATUSES))
        rc = crm_error_field("status", "enum", "Must be one of draft, active, completed, cancelled.");
    if (rc < 0)
        return rc;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, customer, status, owner,
                            crm_nonempty(page->after_ts), crm_nonempty(page->after_id), limit};
    return crm_run_json(out, db, &LIST, 9, params);
}

int crm_contract_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_contract_create(crm_doc *out, crm_db *db, const crm_caller *who, const json_t *body)
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

int crm_contract_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
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
                            id, ver, text};
    rc = run_write(out, db, &UPDATE, 7, params);
    free(text);
    return rc;
}

int crm_contract_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_role_writes_orders(who->role) ? "t" : "f",
                            id, "delete", ver};
    return run_write(NULL, db, &ACT, 7, params);
}

int crm_contract_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action)
{
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_role_writes_orders(who->role) ? "t" : "f",
                            id, action, NULL};
    return run_write(out, db, &ACT, 7, params);
}
