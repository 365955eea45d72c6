/* routes.c: the whole HTTP surface in one table (and the client apps, under
 * every other path: static.c), and the dispatcher every route goes through:
 * request id, token check, database session, handler, log line and metrics. */
#include "api.h"
#include "crm/auth.h"
#include "crm/capacity.h"
#include "crm/error.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const api_route ROUTES[] = {
    {"GET", "/healthz", api_ops_healthz, 1, 0},
    {"GET", "/readyz", api_ops_readyz, 1, 1},
    {"GET", "/metrics", api_ops_metrics, 1, 0},
    {"GET", "/.well-known/jwks.json", api_ops_jwks, 1, 0},
    {"GET", "/v1/ping", api_ops_ping, 1, 0},
    {"POST", "/v1/signup", api_auth_signup, 1, 1},
    {"POST", "/v1/auth/token", api_auth_token, 1, 1},
    {"POST", "/v1/auth/revoke", api_auth_revoke, 1, 1},
    {"GET", "/v1/me", api_auth_me, 0, 1},
    {"POST", "/v1/me/password", api_auth_password, 0, 1},
    {"GET", "/v1/users", api_users_list, 0, 1},
    {"POST", "/v1/users", api_users_create, 0, 1},
    {"GET", "/v1/users/:id", api_users_get, 0, 1},
    {"PATCH", "/v1/users/:id", api_users_update, 0, 1},
    {"DELETE", "/v1/users/:id", api_users_delete, 0, 1},
    {"GET", "/v1/teams", api_teams_list, 0, 1},
    {"POST", "/v1/teams", api_teams_create, 0, 1},
    {"GET", "/v1/teams/:id", api_teams_get, 0, 1},
    {"PATCH", "/v1/teams/:id", api_teams_update, 0, 1},
    {"DELETE", "/v1/teams/:id", api_teams_delete, 0, 1},
    {"GET", "/v1/customers", api_customers_list, 0, 1},
    {"POST", "/v1/customers", api_customers_create, 0, 1},
    {"GET", "/v1/customers/:id", api_customers_get, 0, 1},
    {"PATCH", "/v1/customers/:id", api_customers_update, 0, 1},
    {"DELETE", "/v1/customers/:id", api_customers_delete, 0, 1},
    {"POST", "/v1/customers/:id/transfer", api_customers_transfer, 0, 1},
    {"GET", "/v1/customers/duplicates", api_customers_duplicates, 0, 1},
    {"POST", "/v1/customers/:id/merge", api_customers_merge, 0, 1},
    {"GET", "/v1/contacts", api_contacts_search, 0, 1},
    {"GET", "/v1/tenant", api_tenant_get, 0, 1},
    {"PATCH", "/v1/tenant", api_tenant_update, 0, 1},
    {"GET", "/v1/agenda", api_agenda_get, 0, 1},
    {"GET", "/v1/customers/:id/contacts", api_contacts_list, 0, 1},
    {"POST", "/v1/customers/:id/contacts", api_contacts_create, 0, 1},
    {"GET", "/v1/contacts/:id", api_contacts_get, 0, 1},
    {"PATCH", "/v1/contacts/:id", api_contacts_update, 0, 1},
    {"DELETE", "/v1/contacts/:id", api_contacts_delete, 0, 1},
    {"GET", "/v1/contact-records", api_contact_records_list, 0, 1},
    {"POST", "/v1/contact-records", api_contact_records_create, 0, 1},
    {"GET", "/v1/contact-records/:id", api_contact_records_get, 0, 1},
    {"PATCH", "/v1/contact-records/:id", api_contact_records_update, 0, 1},
    {"DELETE", "/v1/contact-records/:id", api_contact_records_delete, 0, 1},
    {"GET", "/v1/customers/:id/contact-records", api_contact_records_customer_list, 0, 1},
    {"POST", "/v1/customers/:id/contact-records", api_contact_records_customer_create, 0, 1},
    {"GET", "/v1/audit-log", api_audit_list, 0, 1},
    {"GET", "/v1/changes", api_changes_list, 0, 1},
    {"GET", "/v1/products", api_products_list, 0, 1},
    {"POST", "/v1/products", api_products_create, 0, 1},
    {"GET", "/v1/products/:id", api_products_get, 0, 1},
    {"PATCH", "/v1/products/:id", api_products_update, 0, 1},
    {"DELETE", "/v1/products/:id", api_products_delete, 0, 1},
    {"GET", "/v1/quotations", api_quotations_list, 0, 1},
    {"POST", "/v1/quotations", api_quotations_create, 0, 1},
    {"GET", "/v1/quotations/:id", api_quotations_get, 0, 1},
    {"PATCH", "/v1/quotations/:id", api_quotations_update, 0, 1},
    {"DELETE", "/v1/quotations/:id", api_quotations_delete, 0, 1},
    {"POST", "/v1/quotations/:id/send", api_quotations_send, 0, 1},
    {"POST", "/v1/quotations/:id/accept", api_quotations_accept, 0, 1},
    {"POST", "/v1/quotations/:id/reject", api_quotations_reject, 0, 1},
    {"GET", "/v1/contracts", api_contracts_list, 0, 1},
    {"POST", "/v1/contracts", api_contracts_create, 0, 1},
    {"GET", "/v1/contracts/:id", api_contracts_get, 0, 1},
    {"PATCH", "/v1/contracts/:id", api_contracts_update, 0, 1},
    {"DELETE", "/v1/contracts/:id", api_contracts_delete, 0, 1},
    {"POST", "/v1/contracts/:id/activate", api_contracts_activate, 0, 1},
    {"POST", "/v1/contracts/:id/complete", api_contracts_complete, 0, 1},
    {"POST", "/v1/contracts/:id/cancel", api_contracts_cancel, 0, 1},
    {"GET", "/v1/shipments", api_shipments_list, 0, 1},
    {"POST", "/v1/shipments", api_shipments_create, 0, 1},
    {"GET", "/v1/shipments/:id", api_shipments_get, 0, 1},
    {"PATCH", "/v1/shipments/:id", api_shipments_update, 0, 1},
    {"POST", "/v1/shipments/:id/ship", api_shipments_ship, 0, 1},
    {"POST", "/v1/shipments/:id/deliver", api_shipments_deliver, 0, 1},
    {"POST", "/v1/shipments/:id/cancel", api_shipments_cancel, 0, 1},
    {"GET", "/v1/receivables", api_receivables_list, 0, 1},
    {"POST", "/v1/receivables", api_receivables_create, 0, 1},
    {"GET", "/v1/receivables/:id", api_receivables_get, 0, 1},
    {"POST", "/v1/receivables/:id/write-off", api_receivables_write_off, 0, 1},
    {"GET", "/v1/payments", api_payments_list, 0, 1},
    {"POST", "/v1/payments", api_payments_create, 0, 1},
    {"GET", "/v1/payments/:id", api_payments_get, 0, 1},
    {"POST", "/v1/payments/:id/allocations", api_payments_allocate, 0, 1},
    {"POST", "/v1/payments/:id/reverse", api_payments_reverse, 0, 1},
    {"GET", "/v1/reports/performance", api_reports_performance, 0, 1},
};

static const api_route NOT_FOUND = {"*", "*", api_ops_not_found, 1, 0};

/* Whether `path` is the API's: its first segment is that of a route (v1,
 * healthz, readyz, metrics, .well-known). Such a path is never an app's, so an
 * unknown /v1/x stays the API's 404 and never becomes a page. */
static int api_path(const char *path)
{
    if (path[0] != '/')
        return 1;
    size_t len = strcspn(path + 1, "/");
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        const char *first = ROUTES[i].path + 1;
        if (strcspn(first, "/") == len && strncmp(first, path + 1, len) == 0)
            return 1;
    }
    return 0;
}

/* Whether `path` (no query) matches a route pattern, ":name" matching one segment. */
static int path_matches(const char *pattern, const char *path)
{
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++, path++;
        size_t plen = strcspn(pattern, "/"), len = strcspn(path, "/");
        if (*pattern == ':' ? len == 0 : (plen != len || strncmp(pattern, path, len) != 0))
            return 0;
        pattern += plen, path += len;
    }
    if (*path == '/' && path[1] == '\0')
        path++;
    return *pattern == '\0' && *path == '\0';
}

void api_ops_not_found(api_ctx *ctx)
{
    char allow[64] = "";
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        if (path_matches(ROUTES[i].path, ctx->req->url_path) && strlen(allow) + strlen(ROUTES[i].method) + 3 < sizeof allow) {
            if (allow[0])
                strcat(allow, ", ");
            strcat(allow, ROUTES[i].method);
        }
    }
    if (allow[0]) {
        u_map_put(ctx->resp->map_header, "Allow", allow);
        api_problem(ctx, 405, "This resource does not support that method; see the Allow header.");
        return;
    }
    crm_error_set(CRM_ENOTFOUND, "There is no such route.");
    api_fail(ctx, CRM_ENOTFOUND);
}

/* A request id unique across threads and restarts without a system call per
 * request: a random prefix drawn once per thread, then a counter. */
static void new_request_id(char *out, size_t size)
{
    static _Thread_local char prefix[24];
    static _Thread_local unsigned long counter;
    if (!prefix[0])
        crm_random_token(prefix, sizeof prefix, 9);
    snprintf(out, size, "%s-%lx", prefix, ++counter);
}

void api_request_id(char *out, size_t size, const char *given)
{
    size_t n = given ? strlen(given) : 0;
    if (n > 0 && n < size && strspn(given, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == n)
        memcpy(out, given, n + 1);
    else
        new_request_id(out, size);
}

static void request_id(api_ctx *ctx)
{
    api_request_id(ctx->request_id, sizeof ctx->request_id, api_header(ctx, "X-Request-Id"));
}

/* The caller of a route that needs a token: its signature and claims, then
 * whether they still hold (crm_identity_caller: the user exists in that tenant,
 * is active, has that role and version), which gives the role every check of
 * the request uses. Returns 0, CRM_EAUTH or a db error (503 while it is down). */
static int authenticate(api_ctx *ctx)
{
    const char *auth = api_header(ctx, "Authorization");
    crm_claims claims;
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return crm_error_set(CRM_EAUTH, "An access token is required: send Authorization: Bearer <token>.");
    int rc = crm_token_verify(&claims, api_cfg.identity.keys, api_cfg.identity.issuer, api_cfg.identity.audience,
                              auth + 7);
    if (rc < 0)
        return rc;
    return crm_identity_caller(&ctx->who, crm_db_thread(), &api_cfg.identity, &claims);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dispatch(const struct _u_request *req, struct _u_response *resp, void *user_data)
{
    const api_route *route = user_data;
    if (route == &NOT_FOUND && req->url_path && !api_path(req->url_path)) {
        const api_route *app = api_static_route(req->url_path);
        if (app)
            route = app;
    }
    api_ctx ctx = {.route = route, .req = req, .resp = resp};
    double started = now_seconds();
    crm_error_clear();
    crm_capacity_serving(req->client_address, req->client_address ? sizeof *req->client_address : 0);
    request_id(&ctx);
    int rc = route->public ? 0 : authenticate(&ctx);
    if (rc < 0) {
        api_fail(&ctx, rc);
    } else {
        /* Expensive work is shared out by tenant and user (nobody on public routes). */
        crm_capacity_caller(ctx.who.tenant_id, ctx.who.user_id);
        if (route->uses_db) {
            ctx.db = crm_db_thread();
            /* For nobody too: the thread's previous request must not lend its caller. */
            crm_db_set_caller(ctx.db, &ctx.who);
        }
        route->handler(&ctx);
    }
    u_map_put(resp->map_header, "X-Request-Id", ctx.request_id);
    api_response_headers(resp);
    double elapsed = now_seconds() - started;
    api_metrics_record((int)resp->status, elapsed);
    api_log_request(&(api_log_entry){.request_id = ctx.request_id, .tenant = ctx.who.tenant_id, .user = ctx.who.user_id,
                                     .method = req->http_verb, .route = route->path, .status = (long)resp->status,
                                     .seconds = elapsed});
    crm_error_clear();
    return U_CALLBACK_COMPLETE;
}

int api_routes_register(struct _u_instance *instance)
{
    for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
        /* Literal paths win over patterns: /v1/customers/duplicates before /v1/customers/:id. */
        unsigned priority = strchr(ROUTES[i].path, ':') ? 1 : 0;
        if (ulfius_add_endpoint_by_val(instance, ROUTES[i].method, NULL, ROUTES[i].path, priority, dispatch,
                                       (void *)&ROUTES[i]) != U_OK)
            return -1;
    }
    return ulfius_set_default_endpoint(instance, dispatch, (void *)&NOT_FOUND) == U_OK ? 0 : -1;
}
