/* api.h: what the HTTP layer's files share: the server configuration, the
 * per-request context handed to every handler, and the response helpers. */
#ifndef CRM_API_H
#define CRM_API_H

#include <jansson.h>
#include <stdarg.h>
#include <ulfius.h>

#include "crm/db.h"
#include "crm/identity.h"
#include "crm/resource.h"

typedef struct api_config {
    const char *bind;
    unsigned port;
    int threads;
    int signup;
    size_t max_body;
    crm_identity_config identity;
} api_config;

extern api_config api_cfg;

struct api_route;

typedef struct api_ctx {
    const struct api_route *route;
    const struct _u_request *req;
    struct _u_response *resp;
    crm_caller who;  /* filled for authenticated routes */
    crm_db *db;
    char request_id[65];
} api_ctx;

typedef void (*api_handler)(api_ctx *ctx);

typedef struct api_route {
    const char *method;
    const char *path;     /* ulfius format, e.g. /v1/customers/:id */
    api_handler handler;
    int public;           /* no token needed */
    int uses_db;
} api_route;

/* The guard (guard.c): what stands between the network and ulfius. */
typedef struct api_guard_config {
    long max_connections;  /* open at once, in all */
    long max_per_address;  /* open at once from one client address */
    long header_timeout;   /* seconds from a request's first byte to the end of its header block */
    long body_min_rate;    /* bytes per second a body must average once header_timeout has passed */
    size_t max_body;       /* a longer declared body is refused before it is read */
    int threads;           /* HTTP worker threads */
} api_guard_config;

/* Memory libmicrohttpd gives each connection for its request line, header
 * block and their parsed fields (MHD_OPTION_CONNECTION_MEMORY_LIMIT). Large
 * enough that a request past the guard's limits (an 8 KiB target, 100
 * parameters, 100 header fields, 32 KiB of them) is refused by the guard in
 * problem+json up to about 90 KiB of request line and header block;
 * libmicrohttpd answers still larger ones itself (HTML 414/431) and closes.
 * Not larger: libmicrohttpd zeroes the whole of it after every request on a
 * keep-alive connection (about 2.6 µs at 96 KiB, 5.3 µs at 128 KiB, 0.7 µs
 * at its default 32 KiB, on the benchmark machine), and an idle connection
 * that has served a request holds all of it. */
#define API_GUARD_POOL_SIZE (96 * 1024)

/* api_guard_start: take `cfg`, raise the open-file limit as far as allowed and
 * start the janitor that enforces the deadlines. Returns 0, or -1 after saying
 * on stderr why the server cannot serve (the limit is below the cap). */
int api_guard_start(const api_guard_config *cfg);
/* api_guard_stop: stop and join the janitor, once libmicrohttpd has stopped. */
void api_guard_stop(void);
/* api_guard_mhd_connection_limit: MHD_OPTION_CONNECTION_LIMIT for `cfg`, set
 * above the guard's caps so that they decide (after api_guard_start). */
unsigned api_guard_mhd_connection_limit(void);
/* libmicrohttpd callbacks, for the options given to ulfius: the connection
 * table (MHD_OPTION_NOTIFY_CONNECTION), each request line
 * (MHD_OPTION_URI_LOG_CALLBACK; calls ulfius_uri_logger) and each request's
 * end (MHD_OPTION_NOTIFY_COMPLETED; calls mhd_request_completed). */
void api_guard_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code);
void *api_guard_uri(void *cls, const char *uri, struct MHD_Connection *connection);
void api_guard_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe);
/* api_guard_mhd_log: libmicrohttpd's messages as JSON log lines (MHD_OPTION_EXTERNAL_LOGGER). */
void api_guard_mhd_log(void *cls, const char *fmt, va_list ap);

/* api_routes_register: add every route to the instance (routes.c). */
int api_routes_register(struct _u_instance *instance);

/* The client apps (static.c): each is served under its prefix from the
 * folder its setting names, for every path that is not the API's. */
typedef struct api_app {
    const char *prefix;    /* "/m/": also /m itself */
    const char *flag, *env; /* the setting: "--mobile-dir", "CRM_MOBILE_DIR" */
    const char *what;      /* for the log: "mobile app" */
} api_app;
#define API_APP_COUNT 2
extern const api_app API_APPS[API_APP_COUNT];
/* api_static_mount: serve app `index` from the folder `dir`, before the server
 * starts. Without a folder (NULL or ""), or one without index.html, the app is
 * off and its paths answer 404. Logs either way on stderr; returns 1 when on. */
int api_static_mount(size_t index, const char *dir);
/* api_static_unmount_all: forget every folder (at shutdown). */
void api_static_unmount_all(void);
/* api_static_route: the route of the app whose prefix holds `path` (a path
 * that is not the API's), or NULL when that app is off or none does. */
const api_route *api_static_route(const char *path);

/* Responses. Each sets status, body and Content-Type. */
void api_reply_json(api_ctx *ctx, int status, const char *body);
void api_reply_doc(api_ctx *ctx, int status, const crm_doc *doc, const char *location_prefix);
void api_reply_empty(api_ctx *ctx, int status);
/* api_fail: answer with the problem+json for crm error `code` (crm_error_last() details). */
void api_fail(api_ctx *ctx, int code);
/* api_problem: answer with a problem of this status and detail. */
void api_problem(api_ctx *ctx, int status, const char *detail);

/* api_problem_text: the problem+json text of a problem of `status` with
 * `detail`, for answers sent without a ulfius response (api/guard.c); the
 * caller frees it. NULL when out of memory. */
char *api_problem_text(int status, const char *detail);

/* Headers every response carries, {name, value} up to a {NULL, NULL}: nothing
 * is stored by a cache, nothing is sniffed as another type. A route that sets
 * a Cache-Control of its own (the public key set) keeps it. */
extern const char *const API_RESPONSE_HEADERS[][2];
/* api_response_headers: add API_RESPONSE_HEADERS to `resp` (routes.c, once per request). */
void api_response_headers(struct _u_response *resp);

/* What the request log line says; strings may be anything a client sent. */
typedef struct api_log_entry {
    const char *request_id, *tenant, *user, *method, *route;
    long status;
    double seconds;
    const char *refused; /* why the HTTP layer refused it, or NULL */
} api_log_entry;

/* api_log_request: write the one JSON log line of a request to stdout, every
 * value escaped (crm/log.h). */
void api_log_request(const api_log_entry *entry);

/* api_request_id: the request's id into out[size]: `given` (its X-Request-Id)
 * when it is one (1..size-1 of A-Z a-z 0-9 - _ . :), else a new one, unique
 * across threads and restarts (routes.c). */
void api_request_id(char *out, size_t size, const char *given);

/* Request helpers. Each returns 0, or answers the error itself and returns -1. */
int api_body(api_ctx *ctx, json_t **out);           /* 400 / 413 / 415 (and the connection closed) */
int api_if_match(api_ctx *ctx, long *version);     /* 428 / 412 */
int api_path_id(api_ctx *ctx, const char *name, const char **out); /* 404 when not a UUID */
const char *api_query(api_ctx *ctx, const char *name);
const char *api_header(api_ctx *ctx, const char *name);

/* api_request_query: the request's parameters as lib reads them (crm_query):
 * the path's id for a nested route (404 unless a UUID), the query string and
 * the page (limit 50 unless given, cursor). Returns 0 or answers and returns -1. */
int api_request_query(api_ctx *ctx, crm_query *out);

/* The pipelines, one per verb shape. Each takes the lib function of that shape
 * (crm/resource.h) as it is, so a handler is one pipeline call:
 *   void api_customers_get(api_ctx *ctx) { api_get(ctx, crm_customer_get); }
 * and each answers every error itself (problem+json via api_fail). */

/* api_get: the path's id (404 unless a UUID), 200 with the document and its ETag. */
void api_get(api_ctx *ctx, crm_get_fn get);

/* api_get_printable: api_get, except that a request whose Accept prefers
 * application/pdf or text/csv gets the document rendered as `kind` (documents.c). */
void api_get_printable(api_ctx *ctx, crm_get_fn get, const char *kind);

/* api_list: the request's query (api_request_query), 200 with the list envelope. */
void api_list(api_ctx *ctx, crm_list_fn list);

/* api_create: body, Idempotency-Key, one transaction around `create` and the
 * key, 201 with Location (location_prefix/id) and ETag. */
void api_create(api_ctx *ctx, const char *location_prefix, crm_create_fn create);

/* api_update / api_delete: If-Match, body (PATCH), one transaction; 200 with the
 * document / 204. */
void api_update(api_ctx *ctx, crm_update_fn update);
void api_delete(api_ctx *ctx, crm_delete_fn remove);

/* api_transition: a state change named `action` (send, accept, ship, ...): the
 * path's id, no body, one transaction, 200 with the resource. */
void api_transition(api_ctx *ctx, crm_act_fn act, const char *action);

/* api_action: a POST with a body that acts on an existing resource (transfer,
 * merge): the path's id, the body, one transaction, 200 with the resource. */
void api_action(api_ctx *ctx, crm_action_fn act);

/* Documents (documents.c). api_wants_document: whether the request's Accept
 * prefers application/pdf or text/csv over JSON (it also marks the response
 * Vary: Accept). api_document: answer 200 with `json` (the resource as GET
 * returns it) rendered as the PDF of `kind` ("quotation", "contract",
 * "delivery note") or as CSV of its lines, whichever Accept prefers; 500 when
 * the JSON is unreadable. Usage in a GET handler:
 *   if (api_wants_document(ctx)) { ...get the JSON...; api_document(ctx, kind, json); return; } */
int api_wants_document(api_ctx *ctx);
void api_document(api_ctx *ctx, const char *kind, const char *json);

/* api_report: a report (`report`, of the list shape: the request's query in,
 * the answer's JSON out) answered as JSON, or as CSV of its rows, a file
 * named after `name` and the period, when Accept prefers text/csv
 * (documents.c). Either way Vary: Accept. */
void api_report(api_ctx *ctx, crm_list_fn report, const char *name);

/* Metrics (ops.c). */
void api_metrics_record(int status, double seconds);

/* Handlers, one per verb, by resource file. */
void api_ops_healthz(api_ctx *ctx);
void api_ops_readyz(api_ctx *ctx);
void api_ops_metrics(api_ctx *ctx);
void api_ops_jwks(api_ctx *ctx);
void api_ops_ping(api_ctx *ctx);
void api_ops_not_found(api_ctx *ctx);
void api_static_get(api_ctx *ctx);
void api_auth_signup(api_ctx *ctx);
void api_auth_token(api_ctx *ctx);
void api_auth_revoke(api_ctx *ctx);
void api_auth_me(api_ctx *ctx);
void api_auth_password(api_ctx *ctx);
void api_users_list(api_ctx *ctx);
void api_users_get(api_ctx *ctx);
void api_users_create(api_ctx *ctx);
void api_users_update(api_ctx *ctx);
void api_users_delete(api_ctx *ctx);
void api_teams_list(api_ctx *ctx);
void api_teams_get(api_ctx *ctx);
void api_teams_create(api_ctx *ctx);
void api_teams_update(api_ctx *ctx);
void api_teams_delete(api_ctx *ctx);
void api_customers_list(api_ctx *ctx);
void api_customers_get(api_ctx *ctx);
void api_customers_create(api_ctx *ctx);
void api_customers_update(api_ctx *ctx);
void api_customers_delete(api_ctx *ctx);
void api_customers_transfer(api_ctx *ctx);
void api_customers_duplicates(api_ctx *ctx);
void api_customers_merge(api_ctx *ctx);
void api_contacts_search(api_ctx *ctx);
void api_tenant_get(api_ctx *ctx);
void api_tenant_update(api_ctx *ctx);
void api_agenda_get(api_ctx *ctx);
void api_contacts_list(api_ctx *ctx);
void api_contacts_get(api_ctx *ctx);
void api_contacts_create(api_ctx *ctx);
void api_contacts_update(api_ctx *ctx);
void api_contacts_delete(api_ctx *ctx);
void api_contact_records_list(api_ctx *ctx);
void api_contact_records_get(api_ctx *ctx);
void api_contact_records_create(api_ctx *ctx);
void api_contact_records_update(api_ctx *ctx);
void api_contact_records_delete(api_ctx *ctx);
void api_contact_records_customer_list(api_ctx *ctx);
void api_contact_records_customer_create(api_ctx *ctx);
void api_audit_list(api_ctx *ctx);
void api_changes_list(api_ctx *ctx);
void api_products_list(api_ctx *ctx);
void api_products_get(api_ctx *ctx);
void api_products_create(api_ctx *ctx);
void api_products_update(api_ctx *ctx);
void api_products_delete(api_ctx *ctx);
void api_quotations_list(api_ctx *ctx);
void api_quotations_get(api_ctx *ctx);
void api_quotations_create(api_ctx *ctx);
void api_quotations_update(api_ctx *ctx);
void api_quotations_delete(api_ctx *ctx);
void api_quotations_send(api_ctx *ctx);
void api_quotations_accept(api_ctx *ctx);
void api_quotations_reject(api_ctx *ctx);
void api_contracts_list(api_ctx *ctx);
void api_contracts_get(api_ctx *ctx);
void api_contracts_create(api_ctx *ctx);
void api_contracts_update(api_ctx *ctx);
void api_contracts_delete(api_ctx *ctx);
void api_contracts_activate(api_ctx *ctx);
void api_contracts_complete(api_ctx *ctx);
void api_contracts_cancel(api_ctx *ctx);
void api_shipments_list(api_ctx *ctx);
void api_shipments_get(api_ctx *ctx);
void api_shipments_create(api_ctx *ctx);
void api_shipments_update(api_ctx *ctx);
void api_shipments_ship(api_ctx *ctx);
void api_shipments_deliver(api_ctx *ctx);
void api_shipments_cancel(api_ctx *ctx);
void api_receivables_list(api_ctx *ctx);
void api_receivables_create(api_ctx *ctx);
void api_receivables_get(api_ctx *ctx);
void api_receivables_write_off(api_ctx *ctx);
void api_payments_list(api_ctx *ctx);
void api_payments_create(api_ctx *ctx);
void api_payments_get(api_ctx *ctx);
void api_payments_allocate(api_ctx *ctx);
void api_payments_reverse(api_ctx *ctx);
void api_reports_performance(api_ctx *ctx);

#endif
