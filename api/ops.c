/* ops.c: health, readiness, Prometheus metrics, the JWKS, the static ping and
 * nothing else (unknown routes are answered in routes.c). */
#include "api.h"
#include "crm/auth.h"
#include "crm/error.h"
#include "crm/migrate.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

static atomic_ulong by_status[600];
static atomic_ulong bucket_counts[NBUCKETS + 1];
static atomic_ulong duration_micros;

void api_metrics_record(int status, double seconds)
{
    if (status >= 100 && status < 600)
        atomic_fetch_add_explicit(&by_status[status], 1, memory_order_relaxed);
    size_t i = 0;
    while (i < NBUCKETS && seconds > BUCKETS[i])
        i++;
    atomic_fetch_add_explicit(&bucket_counts[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&duration_micros, (unsigned long)(seconds * 1e6), memory_order_relaxed);
}

void api_ops_healthz(api_ctx *ctx) { api_reply_json(ctx, 200, "{\"status\":\"ok\"}"); }

void api_ops_ping(api_ctx *ctx) { api_reply_json(ctx, 200, "{\"pong\":true}"); }

void api_ops_jwks(api_ctx *ctx)
{
    api_reply_json(ctx, 200, crm_keys_jwks(api_cfg.identity.keys));
    u_map_put(ctx->resp->map_header, "Cache-Control", "public, max-age=300");
}

/* How long readiness waits for the database: a probe that hangs with a frozen
 * database tells the load balancer nothing, so it answers 503 within a second. */
#define READY_WAIT_MS 500

void api_ops_readyz(api_ctx *ctx)
{
    int wait = crm_db_set_wait(ctx->db, READY_WAIT_MS);
    int rc = crm_migrate_check(ctx->db);
    crm_db_set_wait(ctx->db, wait);
    if (rc < 0) {
        /* A copy: the error being set is the one the detail is read from. */
        char detail[sizeof crm_error_last()->detail];
        snprintf(detail, sizeof detail, "%s", crm_error_last()->detail);
        crm_error_set(CRM_EUNAVAILABLE, "Not ready: %s", detail);
        crm_error_retry_after(1);
        api_fail(ctx, CRM_EUNAVAILABLE);
        return;
    }
    api_reply_json(ctx, 200, "{\"status\":\"ready\"}");
}

/* The exposition text, grown as it is written; `failed` once memory ran out. */
typedef struct exposition {
    char *text;
    size_t len, cap;
    int failed;
} exposition;

static void emit(exposition *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(exposition *out, const char *fmt, ...)
{
    while (!out->failed) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(out->text ? out->text + out->len : NULL, out->cap - out->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            out->failed = 1;
            return;
        }
        if ((size_t)n < out->cap - out->len) {
            out->len += (size_t)n;
            return;
        }
        size_t cap = out->cap ? out->cap : 4096;
        while (cap <= out->len + (size_t)n)
            cap *= 2;
        char *grown = realloc(out->text, cap);
        if (!grown) {
            out->failed = 1;
            return;
        }
        out->text = grown;
        out->cap = cap;
    }
}

void api_ops_metrics(api_ctx *ctx)
{
    exposition out = {0};
    emit(&out, "# HELP crm_http_requests_total HTTP requests answered, by status.\n"
               "# TYPE crm_http_requests_total counter\n");
    for (int s = 100; s < 600; s++) {
        unsigned long count = atomic_load_explicit(&by_status[s], memory_order_relaxed);
        if (count)
            emit(&out, "crm_http_requests_total{status=\"%d\"} %lu\n", s, count);
    }
    emit(&out, "# HELP crm_http_request_duration_seconds Time to answer a request.\n"
               "# TYPE crm_http_request_duration_seconds histogram\n");
    unsigned long cumulative = 0;
    for (size_t i = 0; i <= NBUCKETS; i++) {
        cumulative += atomic_load_explicit(&bucket_counts[i], memory_order_relaxed);
        if (i < NBUCKETS)
            emit(&out, "crm_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n", BUCKETS[i], cumulative);
        else
            emit(&out, "crm_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cumulative);
    }
    emit(&out,
         "crm_http_request_duration_seconds_sum %.6f\ncrm_http_request_duration_seconds_count %lu\n"
         "# HELP crm_db_reconnects_total Database connections re-established.\n"
         "# TYPE crm_db_reconnects_total counter\ncrm_db_reconnects_total %lu\n",
         (double)atomic_load(&duration_micros) / 1e6, cumulative, crm_db_reconnects());
    if (out.failed || ulfius_set_string_body_response(ctx->resp, 200, out.text) != U_OK)
        api_problem(ctx, 500, "Out of memory writing the metrics.");
    else
        u_map_put(ctx->resp->map_header, "Content-Type", "text/plain; version=0.0.4");
    free(out.text);
}
