/* resource.h: what every resource module shares: the document or list page it
 * hands back (JSON built by PostgreSQL), the request parameters it reads, the
 * shapes of its exported functions, and the one write protocol.
 *
 * Ownership, for every header of libcrm: what a function returns through an
 * `out` parameter is the caller's (free a crm_doc's JSON with crm_doc_free, a
 * char * with free()); `const` pointers are borrowed for the call; no function
 * keeps or frees its arguments; every *_free accepts NULL. Functions return 0
 * or a negative crm error code with its details in crm_error_last(). */
#ifndef CRM_RESOURCE_H
#define CRM_RESOURCE_H

#include <jansson.h>

#include "crm/db.h"

struct crm_field;

typedef struct crm_doc {
    char id[37];
    long version;
    char *json; /* owned; the exact response body */
} crm_doc;

typedef struct crm_page {
    int limit;                 /* 1..200 */
    const char *cursor;        /* as received, or NULL */
    char after_ts[40];         /* decoded cursor parts, "" when none */
    char after_id[37];
} crm_page;

/* crm_doc_free: release the JSON of a document; the struct itself is the caller's. Accepts NULL. */
void crm_doc_free(crm_doc *doc);

/* crm_doc_take: fill *out from row 0 of `res` whose columns are (id, version, json).
 * Returns 0, or CRM_ENOTFOUND when the result has no row. Does not clear res. */
int crm_doc_take(crm_doc *out, const PGresult *res);

/* crm_page_prepare: validate limit (1..200) and decode the cursor. Returns 0 or
 * CRM_EINVALID naming `limit` or `cursor`. */
int crm_page_prepare(crm_page *page);

/* crm_json_take: strdup of row 0 column 0 (a list envelope built in SQL). Returns
 * 0 or CRM_ERROR; *out is the caller's (free()). */
int crm_json_take(char **out, const PGresult *res);

/* crm_run_doc: run `stmt` and take its one row (id, version, json) into *out.
 * Returns 0, CRM_ENOTFOUND (no row) or a db error. */
int crm_run_doc(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params);

/* crm_run_json: run `stmt` and take the JSON document of its one row and column
 * (a list envelope built in SQL). Returns 0 or a crm error; *out is the caller's. */
int crm_run_json(char **out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params);

/* The parameters of a request besides its body, as lib reads them: the id in
 * the path of a nested route (/v1/customers/{id}/contacts → the customer), the
 * query string through `param`, and the page of a list. */
typedef const char *(*crm_param_fn)(const void *source, const char *name);

typedef struct crm_query {
    const char *parent_id; /* validated UUID, or NULL */
    crm_param_fn param;    /* NULL when the request has no query string */
    const void *source;
    const char *raw;       /* the query string as sent (after '?'), or NULL */
    crm_page page;
} crm_query;

/* crm_query_param: the query parameter `name`, or NULL when absent or empty. Borrowed. */
const char *crm_query_param(const crm_query *query, const char *name);

/* The shapes of the functions a resource module exports, one per HTTP verb
 * shape; the HTTP layer's pipelines take them as they are (api/api.h). */
typedef int (*crm_get_fn)(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);
typedef int (*crm_list_fn)(char **out, crm_db *db, const crm_caller *who, crm_query *query);
typedef int (*crm_create_fn)(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query,
                             const json_t *body);
typedef int (*crm_update_fn)(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                             const json_t *patch);
typedef int (*crm_delete_fn)(crm_db *db, const crm_caller *who, const char *id, long version);
typedef int (*crm_act_fn)(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action);
typedef int (*crm_action_fn)(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body);

/* crm_run_list: the one way to answer a list. Validates the page and the
 * query's `filters` (crm_validate_query), then runs `stmt` with the parameters
 * (tenant, user, role, each filter's value in the table's order, cursor
 * timestamp, cursor id, limit) and takes the envelope it builds. Returns 0,
 * CRM_EINVALID naming the parameter, or a db error; *out is the caller's. */
int crm_run_list(char **out, crm_db *db, const crm_caller *who, const crm_stmt *stmt, const struct crm_field *filters,
                 crm_query *query);

/* crm_run_list_values: crm_run_list with the filter values given (already
 * validated, e.g. after a nested route put its parent in one of them). */
int crm_run_list_values(char **out, crm_db *db, const crm_caller *who, const crm_stmt *stmt, size_t nfilters,
                        const char *const *values, const crm_page *page);

/* The one write protocol. A write is a single statement or one SQL function
 * whose one row is (id, version, document, outcome): outcome "ok" with the
 * finished document, or the name of the rule that refused it, having changed
 * nothing. A crm_outcome table says which error each name stands for; a table
 * ends with a {NULL} entry. A name may carry an argument after a colon
 * ("over:2", "state_send:accepted"), matched by an entry named "over:" and
 * filling the "%s" of its field and message. Besides a module's own names
 * every write may answer "missing" (404), "stale" (412), "forbidden" (403),
 * "state" (409) and "problem:{json}" with members field, code, message and optionally status
 * (409 or 422, the default) for refusals that name a field or an index. The
 * names "duplicate" (unique violation, 23505) and "check" (check violation,
 * 23514), when a table has them, give those database refusals their message. */
typedef struct crm_outcome {
    const char *name;
    int code;               /* CRM_E... */
    const char *field;      /* the field the error names ("%s": the index after the colon), or NULL */
    const char *message;
    const char *field_code; /* the field error's code; NULL: "invalid" */
} crm_outcome;

/* crm_run_write: run the write `stmt` and take its document into *out (when out
 * is not NULL), or turn its refusal into the error `outcomes` (then the
 * common names) give it. Returns 0 or a crm error. */
int crm_run_write(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params,
                  const crm_outcome *outcomes);

/* crm_run_conditional: crm_run_write of a single statement whose write is
 * conditional on the caller's visibility and `version` and that returns no row
 * when either fails; `probe` (tenant, id, user, role) then tells them apart:
 * CRM_ESTALE when the target is visible, CRM_ENOTFOUND when not. */
int crm_run_conditional(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params,
                        const crm_outcome *outcomes, const crm_stmt *probe, const crm_caller *who, const char *id);

/* crm_refuse: the error for refusal `name` by `outcomes`, then the common names. */
int crm_refuse(const char *name, const crm_outcome *outcomes);

/* crm_forbidden_or_missing: a role that may not write learns so (403) only about
 * something it can see: `probe` takes (tenant_id, id, user_id, role) and returns
 * a row when the target is visible. Returns CRM_EFORBIDDEN with `message`,
 * CRM_ENOTFOUND, or a db error. */
int crm_forbidden_or_missing(crm_db *db, const crm_stmt *probe, const crm_caller *who, const char *id,
                             const char *message);

/* crm_stale_or_missing: after a conditional write matched no row, tell 412 from 404:
 * `probe` takes (tenant_id, id, user_id, role) and returns a row when the target is
 * visible. Returns CRM_ESTALE or CRM_ENOTFOUND (or a db error). */
int crm_stale_or_missing(crm_db *db, const crm_stmt *probe, const crm_caller *who, const char *id);

/* crm_json_text: the compact JSON text of `body` for a statement parameter.
 * Returns 0 or CRM_ERROR (out of memory); *out is the caller's (free()). */
int crm_json_text(char **out, const json_t *body);

#endif

/* The list envelope every list statement shares: wraps an inner query that
 * yields a row `r` plus its `created_at` and `id`, ordered and limited by
 * (created_at, id); `limit` is the parameter holding the page size. */
#define CRM_SQL_ENVELOPE(render, limit)                                                                      \
    "SELECT json_build_object('data', coalesce(json_agg(" render " ORDER BY created_at, id), '[]'),"        \
    " 'next_cursor', CASE WHEN count(*) = " limit " THEN translate(encode(convert_to("                       \
    "(array_agg(rfc3339(created_at) || '|' || id ORDER BY created_at DESC, id DESC))[1], 'UTF8'),"          \
    " 'base64'), E'+/=\\n', '-_') END) FROM ("

/* Which customers the caller (user, role: SQL expressions) may see, by the
 * customer's owner: admin and the back-office roles all; a manager their own
 * and those of members of the teams they lead; everyone else their own. Inlined
 * in each statement rather than a SQL function, which PostgreSQL would run per
 * row (a third of the throughput of a lookup). */
#define CRM_SQL_VISIBLE(owner, user, role)                                                                   \
    "(" role " IN ('admin', 'assistant', 'finance', 'service') OR " owner " = " user                         \
    " OR (" role " = 'manager' AND EXISTS (SELECT 1 FROM users vu JOIN teams vt"                              \
    " ON vt.tenant_id = vu.tenant_id AND vt.id = vu.team_id WHERE vu.tenant_id = current_tenant()"          \
    " AND vu.id = " owner " AND vt.leader_id = " user " AND vt.deleted_at IS NULL)))"

/* Customer data is an asset: every read of customers by someone other than
 * their owner is recorded, one audit entry per request naming them. For a
 * statement that answers several customers: a data-modifying CTE (PostgreSQL
 * runs it whether or not it is referenced) over `rows`, a CTE of the
 * statement with columns id and owner_id, writing the entry when any returned
 * customer is not the caller's (tenant, user: SQL expressions). */
#define CRM_SQL_LOG_CUSTOMER_READS(rows, tenant, user)                                                        \
    " customer_reads AS (INSERT INTO audit_log (tenant_id, actor_id, entity, entity_ids, action)"            \
    " SELECT " tenant ", " user ", 'customers', array_agg(DISTINCT r.id), 'read' FROM " rows " r"            \
    " WHERE r.owner_id IS DISTINCT FROM " user " HAVING count(*) > 0)"

/* The customer a row hangs off, joined as `c` only while it is live: a deleted
 * customer takes its contacts, records, quotations, contracts and shipments out
 * of sight with it (the change feed sends them as deletes). Every statement that
 * reads or writes a customer's child joins it this way, then applies
 * CRM_SQL_VISIBLE to c.owner_id. */
#define CRM_SQL_CUSTOMER_OF(child)                                                                           \
    " JOIN customers c ON c.tenant_id = " child ".tenant_id AND c.id = " child ".customer_id"               \
    " AND c.deleted_at IS NULL"

/* The keyset condition on (created_at, id) after the cursor held by parameters ts, id. */
#define CRM_SQL_AFTER(alias, ts, id) \
    " AND (" ts "::timestamptz IS NULL OR (" alias ".created_at, " alias ".id) > (" ts "::timestamptz, " id "::uuid))"
