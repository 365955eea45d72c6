/* quotation.c: quotations — validation, the state machine and the SQL. Lines
 * are priced by quotation_calc() and rendered by quotation_json() (migrations/0005);
 * nothing here does arithmetic on money. */
#include "crm/quotation.h"
#include "crm/customer.h"
#include "crm/error.h"
#include "crm/product.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATUSES[] = {"draft", "sent", "accepted", "rejected", "expired", "superseded", NULL};

static const crm_field FIELDS[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"customer_id", CRM_T_UUID, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"contact_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"currency", CRM_T_STRING, 0, 0, 3, 0, NULL},
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

/* One line. Quantities up to 3 decimals and 15 digits before the point (the
 * column's numeric(18,3)), unit prices up to 4 and 14, percentages 0..100 with 4. */
static const crm_field LINE_FIELDS[] = {
    {"product_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"description", CRM_T_STRING, CRM_F_NULLABLE, 0, 2000, 0, NULL},
    {"quantity", CRM_T_DECIMAL, CRM_F_REQUIRED, 0, 15, 3, NULL},
    {"unit", CRM_T_STRING, CRM_F_NULLABLE, 0, 20, 0, NULL},
    {"unit_price", CRM_T_DECIMAL, 0, 0, 14, 4, NULL},
    {"discount_percent", CRM_T_DECIMAL, 0, 0, 3, 4, NULL},
    {"tax_rate", CRM_T_DECIMAL, 0, 0, 3, 4, NULL},
    {"line_no", CRM_T_INT, CRM_F_READONLY, 0, 0, 0, NULL},
    {"net", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"tax", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {"gross", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* (tenant, id, user, role): the live quotation and its customer, when the caller may see the customer. */
#define VISIBLE_QUOTATION                                                                                    \
    " FROM quotations q JOIN customers c ON c.tenant_id = q.tenant_id AND c.id = q.customer_id"            \
    " WHERE q.tenant_id = $1 AND q.id = $2 AND q.deleted_at IS NULL AND c.deleted_at IS NULL"             \
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$3::uuid", "$4::text")

static const crm_stmt GET = {"quotation_get", "SELECT q.id, q.version, quotation_json(q)" VISIBLE_QUOTATION};
static const crm_stmt PROBE = {"quotation_probe", "SELECT 1" VISIBLE_QUOTATION};

/* The quotation locked for a change, with what a change starts from:
 * (status as read, version, customer, contact, currency, valid_until, notes, lines in request form). */
static const crm_stmt LOCK = {
    "quotation_lock",
    "SELECT quotation_status(q), q.version, q.customer_id, q.contact_id, q.currency, to_char(q.valid_until,"
    " 'YYYY-MM-DD'), q.notes, quotation_lines_input(q.tenant_id, q.id)" VISIBLE_QUOTATION " FOR UPDATE OF q"};

static const crm_stmt LIST = {
    "quotation_list",
    CRM_SQL_ENVELOPE("quotation_json(r)", "$10")
    "SELECT q AS r, q.created_at, q.id FROM quotations q"
    " JOIN customers c ON c.tenant_id = q.tenant_id AND c.id = q.customer_id"
    " WHERE q.tenant_id = $1 AND q.deleted_at IS NULL AND c.deleted_at IS NULL"
    " AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text")
    " AND ($4::uuid IS NULL OR q.customer_id = $4) AND ($5::text IS NULL OR quotation_status(q) = $5)"
    " AND ($6::uuid IS NULL OR q.owner_id = $6) AND ($7::timestamptz IS NULL OR q.updated_at >= $7)"
    CRM_SQL_AFTER("q", "$8", "$9")
    " ORDER BY q.created_at, q.id LIMIT $10) page"};

/* What both writers check before storing anything: the contact belongs to the
 * customer, the currency is known, and the priced lines fit their columns. The
 * body `b` holds customer_id, contact_id, currency (NULL = the tenant's), lines. */
#define SQL_WRITE_CHECKS                                                                                     \
    " person AS (SELECT b->>'contact_id' IS NULL OR EXISTS (SELECT 1 FROM contacts ct WHERE ct.tenant_id = $1" \
    "   AND ct.id = (b->>'contact_id')::uuid AND ct.customer_id = (b->>'customer_id')::uuid"                   \
    "   AND ct.deleted_at IS NULL) AS ok FROM body),"                                                         \
    " money AS (SELECT coalesce(b->>'currency', (SELECT t.default_currency FROM tenants t WHERE t.id = $1)) AS ccy" \
    "   FROM body),"                                                                                          \
    " chk AS (SELECT currency_minor_unit(ccy) IS NOT NULL AS ccy_ok, CASE WHEN currency_minor_unit(ccy) IS NOT NULL" \
    "   THEN quotation_calc_problem($1, ccy, b->'lines') END AS problem FROM body, money),"                  \
    " calc AS (SELECT k.* FROM body, money, quotation_calc($1, money.ccy, body.b->'lines') k),"

#define SQL_INSERT_LINES(from)                                                                               \
    " lines AS (INSERT INTO quotation_lines (tenant_id, quotation_id, line_no, product_id, description, quantity," \
    "   unit, unit_price, discount_percent, tax_rate, net, tax, gross)"                                      \
    "   SELECT $1, w.id, k.line_no, k.product_id, k.description, k.quantity, k.unit, k.unit_price,"          \
    "   k.discount_percent, k.tax_rate, k.net, k.tax, k.gross FROM " from " w, calc k)"

/* The outcome both writers report: (id or NULL, customer visible, contact ok, currency ok, problem). */
#define SQL_WRITE_OUTCOME(written, visible)                                                                  \
    " SELECT (SELECT id FROM " written "), " visible ", (SELECT ok FROM person), (SELECT ccy_ok FROM chk),"   \
    " (SELECT problem::text FROM chk)"

/* (tenant, user, role, body, number, revision, supersedes, owner): a new quotation
 * or revision; number NULL draws the tenant's next one. */
static const crm_stmt CREATE = {
    "quotation_create",
    "WITH body AS (SELECT $4::jsonb AS b),"
    " cust AS (SELECT 1 FROM customers c, body WHERE c.tenant_id = $1 AND c.id = (b->>'customer_id')::uuid"
    "   AND c.deleted_at IS NULL AND " CRM_SQL_VISIBLE("c.owner_id", "$2::uuid", "$3::text") "),"
    SQL_WRITE_CHECKS
    " ins AS (INSERT INTO quotations (tenant_id, id, number, revision, supersedes_id, customer_id, contact_id,"
    "   owner_id, currency, valid_until, notes, net_total, tax_total, gross_total)"
    "   SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()),"
    "   coalesce($5::text, next_document_number($1, 'quotation', tenant_year())), coalesce($6::int, 1), $7::uuid,"
    "   (b->>'customer_id')::uuid, (b->>'contact_id')::uuid, coalesce($8::uuid, $2::uuid), money.ccy,"
    "   (b->>'valid_until')::date, b->>'notes', (SELECT sum(net) FROM calc), (SELECT sum(tax) FROM calc),"
    "   (SELECT sum(gross) FROM calc)"
    "   FROM body, money, chk, person WHERE chk.ccy_ok AND chk.problem IS NULL AND person.ok"
    "   AND EXISTS (SELECT 1 FROM cust) RETURNING id),"
    SQL_INSERT_LINES("ins")
    SQL_WRITE_OUTCOME("ins", "EXISTS (SELECT 1 FROM cust)")};

/* (tenant, id, body): a draft changed in place; its old lines are already deleted. */
static const crm_stmt UPDATE_DRAFT = {
    "quotation_update_draft",
    "WITH body AS (SELECT $3::jsonb AS b),"
    SQL_WRITE_CHECKS
    " upd AS (UPDATE quotations q SET contact_id = (b->>'contact_id')::uuid, currency = money.ccy,"
    "   valid_until = (b->>'valid_until')::date, notes = b->>'notes', net_total = (SELECT sum(net) FROM calc),"
    "   tax_total = (SELECT sum(tax) FROM calc), gross_total = (SELECT sum(gross) FROM calc)"
    "   FROM body, money, chk, person WHERE q.tenant_id = $1 AND q.id = $2 AND chk.ccy_ok AND chk.problem IS NULL"
    "   AND person.ok RETURNING q.id),"
    SQL_INSERT_LINES("upd")
    SQL_WRITE_OUTCOME("upd", "true")};

static const crm_stmt DELETE_LINES = {"quotation_delete_lines",
                                      "DELETE FROM quotation_lines WHERE tenant_id = $1 AND quotation_id = $2"};

/* (tenant, id): the old revision of a sent quotation steps aside; → (number, revision, owner). */
static const crm_stmt SUPERSEDE = {
    "quotation_supersede",
    "UPDATE quotations q SET status = 'superseded' WHERE q.tenant_id = $1 AND q.id = $2"
    " RETURNING q.number, q.revision + 1, q.owner_id"};

/* (tenant, id, user, role, action) → (changed id or NULL, status as read). */
static const crm_stmt ACT = {
    "quotation_act",
    "WITH cur AS (SELECT q.id, quotation_status(q) AS st" VISIBLE_QUOTATION " FOR UPDATE OF q),"
    " upd AS (UPDATE quotations q SET status = CASE $5 WHEN 'send' THEN 'sent' WHEN 'accept' THEN 'accepted'"
    "   ELSE 'rejected' END, sent_at = CASE WHEN $5 = 'send' THEN now() ELSE q.sent_at END,"
    "   decided_at = CASE WHEN $5 = 'send' THEN q.decided_at ELSE now() END"
    "   FROM cur WHERE q.tenant_id = $1 AND q.id = cur.id AND (($5 = 'send' AND cur.st = 'draft')"
    "   OR ($5 = 'accept' AND cur.st = 'sent') OR ($5 = 'reject' AND cur.st IN ('sent', 'expired')))"
    "   RETURNING q.id)"
    " SELECT (SELECT id FROM upd), (SELECT st FROM cur)"};

/* (tenant, id, user, role, version) → (deleted, status as read, version as read).
 * A deleted draft revision gives the sent state back to the revision it superseded. */
static const crm_stmt DELETE = {
    "quotation_delete",
    "WITH cur AS (SELECT q.id, quotation_status(q) AS st, q.version" VISIBLE_QUOTATION " FOR UPDATE OF q),"
    " del AS (UPDATE quotations q SET deleted_at = now() FROM cur WHERE q.tenant_id = $1 AND q.id = cur.id"
    "   AND cur.st = 'draft' AND cur.version = $5::int RETURNING q.supersedes_id),"
    " back AS (UPDATE quotations o SET status = 'sent' FROM del WHERE o.tenant_id = $1 AND o.id = del.supersedes_id"
    "   AND o.status = 'superseded' RETURNING 1)"
    " SELECT EXISTS (SELECT 1 FROM del), (SELECT st FROM cur), (SELECT version FROM cur),"
    " (SELECT count(*) FROM back)"};

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* Whether a valid decimal string is zero. */
static int is_zero(const char *s)
{
    for (; *s; s++)
        if (*s >= '1' && *s <= '9')
            return 0;
    return 1;
}

/* A role that may not write: 403 about a quotation it can see, 404 otherwise. */
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
    return crm_error_set(CRM_EFORBIDDEN, "Your role may not %s quotations.", what);
}

/* One line, as lines[i]: its fields, quantity > 0, percentages ≤ 100, and a
 * description and unit price unless a product supplies them. */
static int validate_line(const json_t *line, size_t i)
{
    char name[32];
    snprintf(name, sizeof name, "lines[%zu]", i);
    if (!json_is_object(line))
        return crm_error_field(name, "type", "Must be a JSON object.");
    /* Reuse the member check of crm_validate, so errors name "lines[i].field". */
    const crm_field wrap[] = {{name, CRM_T_MEMBERS, 0, 0, 0, 0, LINE_FIELDS}, {NULL, 0, 0, 0, 0, 0, NULL}};
    json_t *holder = json_pack("{s:O}", name, line);
    int rc = crm_validate(holder, wrap, CRM_CREATE);
    json_decref(holder);
    char field[64];
    const char *quantity = json_string_value(json_object_get(line, "quantity"));
    if (quantity && crm_valid_decimal(quantity, 15, 3, 0) && is_zero(quantity)) {
        snprintf(field, sizeof field, "%s.quantity", name);
        rc = crm_error_field(field, "range", "Must be greater than 0.");
    }
    static const char *const PERCENTS[] = {"discount_percent", "tax_rate", NULL};
    for (const char *const *p = PERCENTS; *p; p++) {
        const char *s = json_string_value(json_object_get(line, *p));
        if (s && crm_valid_decimal(s, 3, 4, 0) && !crm_percent_valid(s)) {
            snprintf(field, sizeof field, "%s.%s", name, *p);
            rc = crm_error_field(field, "range", "Must be a percentage between 0 and 100.");
        }
    }
    const json_t *product = json_object_get(line, "product_id");
    if (!product || json_is_null(product)) {
        const char *description = json_string_value(json_object_get(line, "description"));
        if (!description || crm_blank(description)) {
            snprintf(field, sizeof field, "%s.description", name);
            rc = crm_error_field(field, "required", "Is required for a line without a product_id.");
        }
        if (!json_object_get(line, "unit_price")) {
            snprintf(field, sizeof field, "%s.unit_price", name);
            rc = crm_error_field(field, "required", "Is required for a line without a product_id.");
        }
    }
    return rc;
}

/* The body (create or patch) apart from its lines, then the lines when present
 * (required on create). */
static int validate(const json_t *body, int mode)
{
    if (!json_is_object(body))
        return crm_error_field("", "type", "The body must be a JSON object.");
    json_t *head = json_copy((json_t *)body);
    json_object_del(head, "lines");
    int rc = crm_validate(head, FIELDS, mode);
    json_decref(head);
    const char *currency = json_string_value(json_object_get(body, "currency"));
    if (currency && (strlen(currency) != 3 || strspn(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
        rc = crm_error_field("currency", "format", "Must be an ISO 4217 code such as \"CNY\".");
    const json_t *lines = json_object_get(body, "lines");
    if (!lines) {
        if (mode == CRM_CREATE)
            rc = crm_error_field("lines", "required", "Is required: at least one line.");
        return rc;
    }
    if (!json_is_array(lines))
        return crm_error_field("lines", "type", "Must be an array of line objects.");
    size_t n = json_array_size(lines);
    if (n == 0)
        return crm_error_field("lines", "required", "Must have at least one line.");
    if (n > CRM_QUOTATION_MAX_LINES)
        return crm_error_field("lines", "too_long", "Must have at most %d lines.", CRM_QUOTATION_MAX_LINES);
    for (size_t i = 0; i < n; i++)
        if (validate_line(json_array_get(lines, i), i) < 0)
            rc = CRM_EINVALID;
    return rc;
}

static int is_true(const PGresult *res, int col) { return strcmp(PQgetvalue(res, 0, col), "t") == 0; }

/* After a writer: the new row's id into `id`, or the reason it wrote nothing. */
static int written(char id[37], const PGresult *res)
{
    if (!PQgetisnull(res, 0, 0)) {
        snprintf(id, 37, "%s", PQgetvalue(res, 0, 0));
        return 0;
    }
    if (!is_true(res, 1))
        return crm_error_set(CRM_ENOTFOUND, "The customer does not exist or is not visible to you.");
    if (!is_true(res, 3))
        return crm_error_field("currency", "unknown", "Is not a currency this server knows (ISO 4217).");
    if (!PQgetisnull(res, 0, 4)) {
        json_t *problem = json_loads(PQgetvalue(res, 0, 4), 0, NULL);
        crm_error_field(json_string_value(json_object_get(problem, "field")),
                        json_string_value(json_object_get(problem, "code")), "%s",
                        json_string_value(json_object_get(problem, "message")));
        json_decref(problem);
        return CRM_EINVALID;
    }
    if (!is_true(res, 2))
        return crm_error_field("contact_id", "invalid", "Must be a contact person of the quotation's customer.");
    return crm_error_set(CRM_ERROR, "The quotation could not be written.");
}

/* Run a writer and then read back what it wrote. */
static int write_and_get(crm_doc *out, crm_db *db, const crm_caller *who, const crm_stmt *stmt, int nparams,
                         const char *const *params)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, stmt, nparams, params);
    if (rc == CRM_ECONFLICT && strcmp(crm_db_sqlstate(db), "23505") == 0)
        return crm_error_set(CRM_ECONFLICT, "A quotation with this id already exists.");
    if (rc < 0)
        return rc;
    char id[37];
    rc = written(id, res);
    PQclear(res);
    return rc < 0 ? rc : crm_quotation_get(out, db, who, id);
}

int crm_quotation_list(char **out, crm_db *db, const crm_caller *who, const crm_quotation_filter *filter,
                       crm_page *page)
{
    int rc = crm_page_prepare(page);
    const char *customer = crm_nonempty(filter->customer_id), *status = crm_nonempty(filter->status);
    const char *owner = crm_nonempty(filter->owner_id), *since = crm_nonempty(filter->updated_since);
    if (customer && !crm_valid_uuid(customer))
        rc = crm_error_field("customer_id", "format", "Must be a UUID.");
    if (status && !in_list(status, STATUSES))
        rc = crm_error_field("status", "enum", "Must be one of draft, sent, accepted, rejected, expired, superseded.");
    if (owner && !crm_valid_uuid(owner))
        rc = crm_error_field("owner_id", "format", "Must be a UUID.");
    if (since && !crm_valid_timestamp(since))
        rc = crm_error_field("updated_since", "format", "Must be an RFC 3339 date-time.");
    if (rc < 0)
        return rc;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, customer, status, owner, since,
                            crm_nonempty(page->after_ts), crm_nonempty(page->after_id), limit};
    return crm_run_json(out, db, &LIST, 10, params);
}

int crm_quotation_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    return crm_run_doc(out, db, &GET, 4, params);
}

int crm_quotation_create(crm_doc *out, crm_db *db, const crm_caller *who, const json_t *body)
{
    const char *customer = json_string_value(json_object_get(body, "customer_id"));
    int rc;
    if (!crm_role_writes_customers(who->role)) {
        if (customer && crm_valid_uuid(customer) && (rc = crm_customer_visible(db, who, customer)) < 0)
            return rc;
        return crm_error_set(CRM_EFORBIDDEN, "Your role may not write quotations.");
    }
    if ((rc = validate(body, CRM_CREATE)) < 0)
        return rc;
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    const char *params[] = {who->tenant_id, who->user_id, who->role, text, NULL, NULL, NULL, NULL};
    rc = write_and_get(out, db, who, &CREATE, 8, params);
    free(text);
    return rc;
}

/* The body a change starts from: the locked row's values (LOCK's columns 2..7)
 * with the patch merged over them. The caller owns the result. */
static json_t *merged_body(const PGresult *cur, const json_t *patch)
{
    json_t *b = json_object();
    static const char *const COLS[] = {"customer_id", "contact_id", "currency", "valid_until", "notes"};
    for (int i = 0; i < 5; i++)
        json_object_set_new(b, COLS[i], PQgetisnull(cur, 0, 2 + i) ? json_null() : json_string(PQgetvalue(cur, 0, 2 + i)));
    json_object_set_new(b, "lines", json_loads(PQgetvalue(cur, 0, 7), 0, NULL));
    json_object_update(b, (json_t *)patch);
    return b;
}

int crm_quotation_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                         const json_t *patch)
{
    if (!crm_role_writes_customers(who->role))
        return forbidden_or_missing(db, who, id, "change");
    int rc = validate(patch, CRM_PATCH);
    if (rc < 0)
        return rc;
    const char *lock[] = {who->tenant_id, id, who->user_id, who->role};
    PGresult *cur = NULL, *res = NULL;
    json_t *body = NULL;
    char *text = NULL;
    if ((rc = crm_db_run(&cur, db, &LOCK, 4, lock)) < 0)
        return rc;
    if (PQntuples(cur) == 0) {
        rc = crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
        goto done;
    }
    if (strtol(PQgetvalue(cur, 0, 1), NULL, 10) != version) {
        rc = crm_error_set(CRM_ESTALE, "The resource changed since you read it; read it again and retry with its "
                                       "current ETag.");
        goto done;
    }
    const char *status = PQgetvalue(cur, 0, 0);
    int draft = strcmp(status, "draft") == 0;
    if (!draft && strcmp(status, "sent") != 0 && strcmp(status, "expired") != 0) {
        rc = crm_error_set(CRM_ECONFLICT, "The quotation is %s; only a draft, sent or expired quotation can be changed.",
                           status);
        goto done;
    }
    body = merged_body(cur, patch);
    if (!body || !(text = json_dumps(body, JSON_COMPACT))) {
        rc = crm_error_set(CRM_ERROR, "Out of memory.");
        goto done;
    }
    if (draft) {
        const char *lines[] = {who->tenant_id, id};
        if ((rc = crm_db_run(&res, db, &DELETE_LINES, 2, lines)) < 0)
            goto done;
        PQclear(res);
        res = NULL;
        const char *params[] = {who->tenant_id, id, text};
        rc = write_and_get(out, db, who, &UPDATE_DRAFT, 3, params);
        goto done;
    }
    /* A sent quotation stays as it was sent: the change is a new revision. */
    const char *old[] = {who->tenant_id, id};
    if ((rc = crm_db_run(&res, db, &SUPERSEDE, 2, old)) < 0)
        goto done;
    const char *params[] = {who->tenant_id, who->user_id, who->role, text, PQgetvalue(res, 0, 0),
                            PQgetvalue(res, 0, 1), id, PQgetvalue(res, 0, 2)};
    rc = write_and_get(out, db, who, &CREATE, 8, params);
done:
    PQclear(res);
    PQclear(cur);
    free(text);
    json_decref(body);
    return rc;
}

int crm_quotation_delete(crm_db *db, const crm_caller *who, const char *id, long version)
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
    if (!is_true(res, 0)) {
        if (PQgetisnull(res, 0, 1))
            rc = crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
        else if (strtol(PQgetvalue(res, 0, 2), NULL, 10) != version)
            rc = crm_error_set(CRM_ESTALE, "The resource changed since you read it; read it again and retry with its "
                                           "current ETag.");
        else
            rc = crm_error_set(CRM_ECONFLICT, "The quotation is %s; only a draft can be deleted.",
                               PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return rc;
}

int crm_quotation_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, crm_quotation_action action)
{
    static const char *const VERBS[] = {"send", "accept", "reject"};
    static const char *const NEEDS[] = {"a draft", "a sent quotation that has not expired", "a sent or expired quotation"};
    if (!crm_role_writes_customers(who->role))
        return forbidden_or_missing(db, who, id, VERBS[action]);
    const char *params[] = {who->tenant_id, id, who->user_id, who->role, VERBS[action]};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &ACT, 5, params);
    if (rc < 0)
        return rc;
    if (PQgetisnull(res, 0, 1))
        rc = crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
    else if (PQgetisnull(res, 0, 0))
        rc = crm_error_set(CRM_ECONFLICT, "The quotation is %s; only %s can be %s.", PQgetvalue(res, 0, 1),
                           NEEDS[action], action == CRM_QUOTATION_SEND ? "sent" : action == CRM_QUOTATION_ACCEPT ? "accepted" : "rejected");
    PQclear(res);
    return rc < 0 ? rc : crm_quotation_get(out, db, who, id);
}
