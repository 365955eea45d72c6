/* resource.h: what every resource module hands back: one rendered document
 * (id, version, JSON built by PostgreSQL) or one rendered page of a list,
 * plus the paging parameters all lists share. */
#ifndef CRM_RESOURCE_H
#define CRM_RESOURCE_H

#include "crm/db.h"

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

/* crm_run_outcome: run a write function whose row is (id, version, json, outcome):
 * outcome "ok" takes the document into *out (when out is not NULL); any other
 * outcome (or no row: "missing") is turned into an error by `refused`.
 * Returns 0 or a crm error. */
int crm_run_outcome(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params,
                    int (*refused)(const char *outcome));

/* Roles, as stored and as carried in tokens. */
int crm_role_valid(const char *role);
/* Whether the role may create/change customers and their contacts at all (ownership applies on top). */
int crm_role_writes_customers(const char *role);

/* crm_stale_or_missing: after a conditional write matched no row, tell 412 from 404:
 * `probe` takes (tenant_id, id, user_id, role) and returns a row when the target is
 * visible. Returns CRM_ESTALE or CRM_ENOTFOUND (or a db error). */
int crm_stale_or_missing(crm_db *db, const crm_stmt *probe, const char *const *params);

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

/* The keyset condition on (created_at, id) after the cursor held by parameters ts, id. */
#define CRM_SQL_AFTER(alias, ts, id) \
    " AND (" ts "::timestamptz IS NULL OR (" alias ".created_at, " alias ".id) > (" ts "::timestamptz, " id "::uuid))"
