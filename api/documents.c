/* documents.c: content negotiation for the printable documents: a GET of a
 * quotation, contract or shipment answers PDF or CSV when Accept prefers it,
 * a report CSV of its rows. */
#include "api.h"
#include "crm/customer.h"
#include "crm/document.h"
#include "crm/error.h"
#include "crm/report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { NEGOTIATED = 3 };
static const char *const MEDIA[NEGOTIATED] = {"application/json", "application/pdf", "text/csv"};

/* The q of each of MEDIA in an Accept header: each takes the q of its most
 * specific matching range (an exact type, then a whole type, then anything), 0
 * when none matches (RFC 9110 §12.5.1). */
static void accept_weights(const char *accept, double q[NEGOTIATED])
{
    int specificity[NEGOTIATED] = {0};
    for (int m = 0; m < NEGOTIATED; m++)
        q[m] = 0;
    const char *p = accept;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char item[256];
        if (n < sizeof item) {
            memcpy(item, p, n);
            item[n] = '\0';
            char *params = strchr(item, ';');
            double weight = 1;
            if (params) {
                *params++ = '\0';
                char *save = NULL;
                for (char *param = strtok_r(params, ";", &save); param; param = strtok_r(NULL, ";", &save)) {
                    while (isspace((unsigned char)*param))
                        param++;
                    if ((param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
                        weight = strtod(param + 2, NULL);
                }
            }
            if (weight < 0 || weight > 1)
                weight = 0;
            char *range = item;
            while (isspace((unsigned char)*range))
                range++;
            size_t len = strlen(range);
            while (len > 0 && isspace((unsigned char)range[len - 1]))
                range[--len] = '\0';
            for (int m = 0; m < NEGOTIATED; m++) {
                size_t type_len = (size_t)(strchr(MEDIA[m], '/') - MEDIA[m]);
                int level = 0;
                if (strcasecmp(range, MEDIA[m]) == 0)
                    level = 3;
                else if (len == type_len + 2 && strncasecmp(range, MEDIA[m], type_len + 1) == 0 && range[len - 1] == '*')
                    level = 2;
                else if (strcmp(range, "*/*") == 0)
                    level = 1;
                if (level > specificity[m]) {
                    specificity[m] = level;
                    q[m] = weight;
                }
            }
        }
        p = end ? end + 1 : NULL;
    }
}

/* 1 = PDF, 2 = CSV, 0 = JSON (also when there is no Accept, or a tie with JSON). */
static int preferred(api_ctx *ctx)
{
    const char *accept = api_header(ctx, "Accept");
    if (!accept)
        return 0;
    double q[NEGOTIATED];
    accept_weights(accept, q);
    int best = q[1] >= q[2] ? 1 : 2;
    return q[best] > 0 && q[best] > q[0] ? best : 0;
}

int api_wants_document(api_ctx *ctx)
{
    /* The representation depends on Accept, so caches must key on it. */
    u_map_put(ctx->resp->map_header, "Vary", "Accept");
    return preferred(ctx) != 0;
}

/* Whether the request's Accept prefers text/csv over JSON, for answers that
 * have no PDF (reports). */
static int prefers_csv(api_ctx *ctx)
{
    const char *accept = api_header(ctx, "Accept");
    double q[NEGOTIATED];
    if (!accept)
        return 0;
    accept_weights(accept, q);
    return q[2] > 0 && q[2] > q[0];
}

/* Answer 200 with `len` bytes of CSV, to be saved as file `name`. Returns 0
 * or CRM_ERROR (out of memory), having answered nothing. */
static int reply_csv(api_ctx *ctx, const char *csv, size_t len, const char *name)
{
    char disposition[192];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", name);
    if (ulfius_set_binary_body_response(ctx->resp, 200, csv, len) != U_OK)
        return crm_error_set(CRM_ERROR, "Out of memory answering the CSV.");
    u_map_put(ctx->resp->map_header, "Content-Type", "text/csv; charset=utf-8");
    u_map_put(ctx->resp->map_header, "Content-Disposition", disposition);
    return 0;
}

/* The document number made safe for a file name; "document" without one. */
static void file_name(char *out, size_t size, const json_t *doc, const char *extension)
{
    const char *number = json_string_value(json_object_get(doc, "number"));
    char base[96];
    size_t n = 0;
    for (const char *p = number ? number : ""; *p && n < sizeof base - 1; p++)
        base[n++] = (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.') ? *p : '_';
    base[n] = '\0';
    snprintf(out, size, "%s.%s", n ? base : "document", extension);
}

void api_document(api_ctx *ctx, const char *kind, const char *json)
{
    json_error_t error;
    json_t *doc = json_loads(json, JSON_DECODE_ANY, &error);
    unsigned char *pdf = NULL;
    char *csv = NULL;
    size_t len = 0;
    int format = preferred(ctx);
    int rc = CRM_ERROR;
    char name[128], disposition[192];
    u_map_put(ctx->resp->map_header, "Vary", "Accept");
    if (!json_is_object(doc)) {
        crm_error_set(CRM_ERROR, "document JSON unreadable: %s", error.text);
        goto done;
    }
    /* A printed document takes its customer's details out of the system. */
    const char *customer = json_string_value(json_object_get(doc, "customer_id"));
    if (customer && (rc = crm_customer_log_read(ctx->db, &ctx->who, customer)) < 0) {
        api_fail(ctx, rc);
        json_decref(doc);
        return;
    }
    if (format == 2) {
        if ((rc = crm_document_csv(&csv, &len, doc)) < 0)
            goto done;
        file_name(name, sizeof name, doc, "csv");
        if ((rc = reply_csv(ctx, csv, len, name)) < 0)
            goto done;
    } else {
        if ((rc = crm_document_pdf(&pdf, &len, kind, doc)) < 0)
            goto done;
        file_name(name, sizeof name, doc, "pdf");
        snprintf(disposition, sizeof disposition, "inline; filename=\"%s\"", name);
        if (ulfius_set_binary_body_response(ctx->resp, 200, (const char *)pdf, len) != U_OK) {
            rc = crm_error_set(CRM_ERROR, "Out of memory answering the PDF.");
            goto done;
        }
        u_map_put(ctx->resp->map_header, "Content-Type", "application/pdf");
        u_map_put(ctx->resp->map_header, "Content-Disposition", disposition);
    }
    /* Another representation of the same version: its own (weak) validator. */
    const json_t *version = json_object_get(doc, "version");
    if (json_is_integer(version)) {
        char etag[48];
        snprintf(etag, sizeof etag, "W/\"%" JSON_INTEGER_FORMAT "-%s\"", json_integer_value(version),
                 format == 2 ? "csv" : "pdf");
        u_map_put(ctx->resp->map_header, "ETag", etag);
    }
    rc = 0;
done:
    if (rc == CRM_EUNAVAILABLE || rc == CRM_ERATELIMIT) {
        api_fail(ctx, rc); /* every renderer is busy (503), or the caller's share is (429): Retry-After */
    } else if (rc < 0) {
        /* Any other refusal of a renderer is our bug (a bad kind or body), never the client's. */
        char detail[sizeof crm_error_last()->detail];
        snprintf(detail, sizeof detail, "%s", crm_error_last()->detail);
        crm_error_set(CRM_ERROR, "%s", detail);
        api_fail(ctx, CRM_ERROR);
    }
    free(pdf);
    free(csv);
    json_decref(doc);
}

void api_get_printable(api_ctx *ctx, crm_get_fn get, const char *kind)
{
    if (!api_wants_document(ctx)) {
        api_get(ctx, get);
        return;
    }
    const char *id;
    crm_doc doc = {0};
    if (api_path_id(ctx, "id", &id) < 0)
        return;
    /* A PDF is refused, when it is, before its document is read: a flood of
     * refused requests costs next to nothing. */
    int pdf = preferred(ctx) == 1;
    int rc = pdf ? crm_document_hold() : 0;
    int held = pdf && rc == 0;
    if (rc == 0)
        rc = get(&doc, ctx->db, &ctx->who, id);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_document(ctx, kind, doc.json);
    if (held)
        crm_document_release();
    crm_doc_free(&doc);
}

void api_report(api_ctx *ctx, crm_list_fn report, const char *name)
{
    crm_query query;
    char *body = NULL, *csv = NULL, file[128];
    size_t len = 0;
    if (api_request_query(ctx, &query) < 0)
        return;
    /* The representation depends on Accept, so caches must key on it. */
    u_map_put(ctx->resp->map_header, "Vary", "Accept");
    int rc = report(&body, ctx->db, &ctx->who, &query);
    if (rc == 0 && prefers_csv(ctx)) {
        if ((rc = crm_report_csv(&csv, &len, file, sizeof file, name, body)) == 0)
            rc = reply_csv(ctx, csv, len, file);
    } else if (rc == 0) {
        api_reply_json(ctx, 200, body);
    }
    if (rc < 0)
        api_fail(ctx, rc);
    free(csv);
    free(body);
}
