/* quotation.c: quotations — validation, the state machine's refusals and the
 * SQL. Every write is one call of a write function of migrations/0010, which
 * prices the lines with quotation_calc() (0005) and answers the finished
 * document or a refusal; nothing here does arithmetic on money. */
#include "crm/quotation.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const crm_quotation_statuses[] = {"draft", "sent", "accepted", "rejected", "expired", "superseded", NULL};

const crm_field crm_quotation_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"contact_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"currency", CRM_T_CURRENCY, 0, 0, 3, 0, NULL},
    {"valid_until", CRM_T_DATE, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"notes", CRM_T_STRING, CRM_F_NULLABLE, 0, 10000, 0, NULL},
    {"number", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"revision", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {"supersedes_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"superseded_by_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"customer_name", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"owner_id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"status", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"sent_at", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"decided_at", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"net_total", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"tax_total", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"gross_total", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* One line of a quotation or a contract. Quantities up to 3 decimals and 15
 * digits before the point (the column's numeric(18,3)), unit prices up to 4
 * and 14, percentages 0..100 with 4. The rest is the server's. */
const crm_field crm_document_line_fields[] = {
    {"product_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"description", CRM_T_STRING, CRM_F_NULLABLE, 0, 2000, 0, NULL}, /* or the product's name */
    {"quantity", CRM_T_DECIMAL, CRM_F_REQUIRED | CRM_F_POSITIVE, 0, 15, 3, NULL},
    {"unit", CRM_T_STRING, CRM_F_NULLABLE, 0, 20, 0, NULL},
    {"unit_price", CRM_T_DECIMAL, 0, 0, 14, 4, NULL}, /* or the product's price */
    {"discount_percent", CRM_T_PERCENT, 0, 0, 0, 0, NULL},
    {"tax_rate", CRM_T_PERCENT, 0, 0, 0, 0, NULL},
    {"id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"line_no", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {"net", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"tax", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"gross", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"quantity_shipped", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {"quantity_remaining", CRM_T_DECIMAL, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_quotation_filters[] = {
    {"customer_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"status", CRM_T_ENUM, 0, 0, 0, 0, crm_quotation_statuses},
    {"owner_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"updated_since", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* (tenant, id, user, role): the live quotation, when the caller may see its live customer. */
static const crm_stmt GET = {
    "quotation_get",
    "SELECT q.id, q.version, quotation_json(q) FROM quotations q" CRM_SQL_CUSTOMER_OF("q")
    " WHERE q.tenant_id = $1 AND q.id = $2 AND q.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")};

static const crm_stmt LIST = {
    "quotation_list",
    CRM_SQL_ENVELOPE("quotation_json(r)", "$10")
    "SELECT q AS r, q.created_at, q.id FROM quotations q" CRM_SQL_CUSTOMER_OF("q")
    " WHERE q.tenant_id = $1 AND q.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND ($4::uuid IS NULL OR q.customer_id = $4) AND ($5::text IS NULL OR quotation_status(q) = $5)"
    " AND ($6::uuid IS NULL OR q.owner_id = $6) AND ($7::timestamptz IS NULL OR q.updated_at >= $7)"
    CRM_SQL_AFTER("q", "$8", "$9")
    " ORDER BY q.created_at, q.id LIMIT $10) page"};

static const crm_stmt CREATE = {
    "quotation_create",
    "SELECT row_id, row_version, doc, outcome FROM quotation_create($1, $2, $3, $4::boolean, $5::jsonb)"};
static const crm_stmt UPDATE = {
    "quotation_update",
    "SELECT row_id, row_version, doc, outcome FROM quotation_update($1, $2, $3, $4::boolean, $5, $6::int, $7::jsonb)"};
static const crm_stmt ACT = {
    "quotation_act",
    "SELECT row_id, row_version, doc, outcome FROM quotation_act($1, $2, $3, $4::boolean, $5, $6, $7::int)"};

/* What the write functions may answer besides the common refusals. */
/* What the write functions may answer besides the common refusals; a state
 * refusal carries the status the quotation reads as. */
static const crm_outcome OUTCOMES[] = {
    {"forbidden", CRM_EFORBIDDEN, NULL, "Your role may not write quotations.", NULL},
    {"customer", CRM_ENOTFOUND, NULL, "The customer does not exist or is not visible to you.", NULL},
    {"currency", CRM_EINVALID, "currency", "Is not a currency this server knows (ISO 4217).", "unknown"},
    {"contact", CRM_EINVALID, "contact_id", "Must be a contact person of the quotation's customer.", NULL},
    {"state:", CRM_ECONFLICT, NULL, "The quotation is %s; only a draft, sent or expired quotation can be changed.", NULL},
    {"state_send:", CRM_ECONFLICT, NULL, "The quotation is %s; only a draft can be sent.", NULL},
    {"state_accept:", CRM_ECONFLICT, NULL, "The quotation is %s; only a sent quotation that has not expired can be accepted.",
     NULL},
    {"state_reject:", CRM_ECONFLICT, NULL, "The quotation is %s; only a sent or expired quotation can be rejected.", NULL},
    {"state_delete:", CRM_ECONFLICT, NULL, "The quotation is %s; only a draft can be deleted.", NULL},
    {NULL, 0, NULL, NULL, NULL},
};

static const char *const ARRAYS[] = {"lines", NULL};

int crm_quotation_validate_lines(const json_t *lines, int required_prices)
{
    int rc = crm_validate_items(lines, "lines", crm_document_line_fields, 1, CRM_QUOTATION_MAX_LINES);
    if (rc < 0)
        return rc;
    /* With a product, a description given says something (null takes the
     * product's name); without one, it is required below or by the catalogue check. */
    for (size_t i = 0; i < json_array_size(lines); i++) {
        const json_t *line = json_array_get(lines, i), *d = json_object_get(line, "description");
        const json_t *product = json_object_get(line, "product_id");
        char field[64];
        if (product && !json_is_null(product) && json_is_string(d) && crm_blank(json_string_value(d))) {
            snprintf(field, sizeof field, "lines[%zu].description", i);
            rc = crm_error_field(field, "required", "Must not be blank; leave it out (or null) to take the product's name.");
        }
    }
    if (rc < 0 || !required_prices)
        return rc;
    /* A line without a product must say what it is and what it costs. */
    for (size_t i = 0; i < json_array_size(lines); i++) {
        const json_t *line = json_array_get(lines, i);
        const json_t *product = json_object_get(line, "product_id");
        if (product && !json_is_null(product))
            continue;
        char field[64];
        if (crm_blank(json_string_value(json_object_get(line, "description")))) {
            snprintf(field, sizeof field, "lines[%zu].description", i);
            rc = crm_error_field(field, "required", "Is required for a line without a product_id.");
        }
        if (!json_object_get(line, "unit_price")) {
            snprintf(field, sizeof field, "lines[%zu].unit_price", i);
            rc = crm_error_field(field, "required", "Is required for a line without a product_id.");
        }
    }
    return rc;
}

/* The body (create or patch) apart from its lines, then the lines when present
 * (required on create). */
static int validate(const json_t *body, int mode)
{
    int rc = crm_validate_except(body, crm_quotation_fields, mode, ARRAYS);
    if (!json_is_object(body))
        return rc;
    const json_t *lines = json_object_get(body, "lines");
    if (lines && crm_quotation_validate_lines(lines, 1) < 0)
        rc = CRM_EINVALID;
    else if (!lines && mode == CRM_CREATE)
        rc = crm_error_field("lines", "required", "Is required: at least one line.");
    return rc;
}

int crm_quotation_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    return crm_run_list(out, db, who, &LIST, crm_quotation_filters, query);
}

int crm_quotation_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_quotation_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    (void)query;
    int writes = crm_policy_allows(who->role, CRM_CAN_WRITE_CUSTOMERS);
    const char *customer = json_string_value(json_object_get(body, "customer_id"));
    char *text = NULL;
    int rc;
    if (!writes) {
        /* A role that may not write hears so (403) about a customer it can see,
         * 404 about one it cannot, whatever the rest of the body: the function
         * decides from the customer alone. */
        if (!crm_valid_uuid(customer))
            return crm_error_set(CRM_EFORBIDDEN, "Your role may not write quotations.");
        json_t *only = json_pack("{s:s}", "customer_id", customer);
        rc = only ? crm_json_text(&text, only) : crm_error_set(CRM_ERROR, "Out of memory.");
        json_decref(only);
    } else if ((rc = validate(body, CRM_CREATE)) == 0) {
        rc = crm_json_text(&text, body);
    }
    if (rc < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, writes ? "t" : "f", text};
    rc = crm_run_write(out, db, &CREATE, 5, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_quotation_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                         const json_t *patch)
{
    const char *writes = crm_policy_flag(who->role, CRM_CAN_WRITE_CUSTOMERS);
    char *text = NULL, ver[24];
    int rc = 0;
    /* A role that may not write is told 403 or 404 by the function before the patch matters. */
    if (*writes == 't' && ((rc = validate(patch, CRM_PATCH)) < 0 || (rc = crm_json_text(&text, patch)) < 0))
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, who->user_id, who->role, writes, id, ver, text ? text : "{}"};
    rc = crm_run_write(out, db, &UPDATE, 7, params, OUTCOMES);
    free(text);
    return rc;
}

int crm_quotation_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_CUSTOMERS),
                            id, "delete", ver};
    return crm_run_write(NULL, db, &ACT, 7, params, OUTCOMES);
}

int crm_quotation_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action)
{
    const char *params[] = {who->tenant_id, who->user_id, who->role, crm_policy_flag(who->role, CRM_CAN_WRITE_CUSTOMERS),
                            id, action, NULL};
    return crm_run_write(out, db, &ACT, 7, params, OUTCOMES);
}
