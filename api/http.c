/* http.c: the response and request helpers every handler uses, the mapping of
 * crm error codes to problem+json, and the create/update/delete pipelines. */
#include "api.h"
#include "crm/auth.h"
#include "crm/error.h"
#include "crm/idempotency.h"
#include "crm/log.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 32

const char *api_header(api_ctx *ctx, const char *name) { return u_map_get_case(ctx->req->map_header, name); }

const char *api_query(api_ctx *ctx, const char *name) { return u_map_get(ctx->req->map_url, name); }

void api_reply_json(api_ctx *ctx, int status, const char *body)
{
    ulfius_set_string_body_response(ctx->resp, (unsigned)status, body);
    u_map_put(ctx->resp->map_header, "Content-Type", "application/json");
}

void api_reply_empty(api_ctx *ctx, int status)
{
    ctx->resp->status = (unsigned)status;
}

const char *const API_RESPONSE_HEADERS[][2] = {
    {"Cache-Control", "no-store"},
    {"X-Content-Type-Options", "nosniff"},
    {NULL, NULL},
};

void api_response_headers(struct _u_response *resp)
{
    for (size_t i = 0; API_RESPONSE_HEADERS[i][0]; i++)
        if (!u_map_has_key_case(resp->map_header, API_RESPONSE_HEADERS[i][0]))
            u_map_put(resp->map_header, API_RESPONSE_HEADERS[i][0], API_RESPONSE_HEADERS[i][1]);
}

void api_log_request(const api_log_entry *entry)
{
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct tm tm;
    gmtime_r(&wall.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", wall.tv_nsec / 1000000);
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "ts", ts);
    crm_log_string(&line, "request_id", entry->request_id);
    crm_log_string(&line, "tenant", entry->tenant);
    crm_log_string(&line, "user", entry->user);
    crm_log_string(&line, "method", entry->method);
    crm_log_string(&line, "route", entry->route);
    crm_log_number(&line, "status", entry->status, 0);
    crm_log_number(&line, "duration_ms", entry->seconds * 1000.0, 3);
    if (entry->refused)
        crm_log_string(&line, "refused", entry->refused);
    crm_log_write(&line, stdout);
}

static void set_etag(api_ctx *ctx, long version)
{
    char etag[32];
    snprintf(etag, sizeof etag, "\"%ld\"", version);
    u_map_put(ctx->resp->map_header, "ETag", etag);
}

void api_reply_doc(api_ctx *ctx, int status, const crm_doc *doc, const char *location_prefix)
{
    api_reply_json(ctx, status, doc->json);
    set_etag(ctx, doc->version);
    if (location_prefix) {
        char location[256];
        snprintf(location, sizeof location, "%s/%s", location_prefix, doc->id);
        u_map_put(ctx->resp->map_header, "Location", location);
    }
}

static const struct {
    int code, status;
    const char *slug, *title;
} PROBLEMS[] = {
    {CRM_ENOTFOUND, 404, "not-found", "Not found"},
    {CRM_EINVALID, 422, "validation", "Invalid request"},
    {CRM_ECONFLICT, 409, "conflict", "Conflict"},
    {CRM_EFORBIDDEN, 403, "forbidden", "Forbidden"},
    {CRM_EUNAVAILABLE, 503, "unavailable", "Service unavailable"},
    {CRM_ESTALE, 412, "precondition-failed", "Precondition failed"},
    {CRM_EAUTH, 401, "unauthorized", "Unauthorized"},
    {CRM_ERATELIMIT, 429, "rate-limited", "Too many requests"},
    {CRM_EBADREQUEST, 400, "bad-request", "Bad request"},
    {CRM_ETOOLARGE, 413, "payload-too-large", "Payload too large"},
};

/* Statuses the HTTP layer answers itself, beyond the crm error codes above. */
static const struct {
    int status;
    const char *slug, *title;
} HTTP_PROBLEMS[] = {
    {405, "method-not-allowed", "Method not allowed"},
    {408, "request-timeout", "Request timeout"},
    {414, "uri-too-long", "URI too long"},
    {415, "unsupported-media-type", "Unsupported media type"},
    {431, "request-header-fields-too-large", "Request header fields too large"},
    {501, "not-implemented", "Not implemented"},
};

static char *problem_text(int status, const char *slug, const char *title, const char *detail, const json_t *fields,
                          const json_t *extra)
{
    char type[96];
    snprintf(type, sizeof type, "https://crm.example/problems/%s", slug);
    json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title", title, "status", status, "detail", detail);
    if (fields)
        json_object_set(body, "errors", (json_t *)fields);
    if (extra)
        json_object_update_missing(body, (json_t *)extra);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        /* A detail that is not text (or no memory): the same status and title, without the details. */
        char fallback[256];
        snprintf(fallback, sizeof fallback, "{\"type\":\"%s\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}", type,
                 title, status, title);
        text = strdup(fallback);
    }
    return text;
}

static void problem(api_ctx *ctx, int status, const char *slug, const char *title, const char *detail,
                    const json_t *fields, const json_t *extra)
{
    char *text = problem_text(status, slug, title, detail, fields, extra);
    ulfius_set_string_body_response(ctx->resp, (unsigned)status, text ? text : "");
    u_map_put(ctx->resp->map_header, "Content-Type", "application/problem+json");
    free(text);
}

void api_fail(api_ctx *ctx, int code)
{
    const crm_error *err = crm_error_last();
    if (err->code == code || code == CRM_EINVALID)
        code = err->code ? err->code : code;
    for (size_t i = 0; i < sizeof PROBLEMS / sizeof PROBLEMS[0]; i++) {
        if (PROBLEMS[i].code != code)
            continue;
        const char *detail = err->detail[0] ? err->detail : PROBLEMS[i].title;
        problem(ctx, PROBLEMS[i].status, err->extra && json_object_get(err->extra, "candidates") ? "duplicate" : PROBLEMS[i].slug,
                PROBLEMS[i].title, detail, err->fields, err->extra);
        if (code == CRM_EAUTH)
            u_map_put(ctx->resp->map_header, "WWW-Authenticate", "Bearer realm=\"crm\"");
        if (code == CRM_ERATELIMIT || code == CRM_EUNAVAILABLE) {
            char seconds[16];
            snprintf(seconds, sizeof seconds, "%d", err->retry_after > 0 ? err->retry_after : 1);
            u_map_put(ctx->resp->map_header, "Retry-After", seconds);
        }
        return;
    }
    problem(ctx, 500, "internal", "Internal error", "The server could not complete the request; it has been logged.", NULL, NULL);
}

/* The slug and title of a problem of `status`: 0, or -1 for a status no table knows. */
static int problem_kind(int status, const char **slug, const char **title)
{
    for (size_t i = 0; i < sizeof PROBLEMS / sizeof PROBLEMS[0]; i++)
        if (PROBLEMS[i].status == status) {
            *slug = PROBLEMS[i].slug, *title = PROBLEMS[i].title;
            return 0;
        }
    for (size_t i = 0; i < sizeof HTTP_PROBLEMS / sizeof HTTP_PROBLEMS[0]; i++)
        if (HTTP_PROBLEMS[i].status == status) {
            *slug = HTTP_PROBLEMS[i].slug, *title = HTTP_PROBLEMS[i].title;
            return 0;
        }
    *slug = "internal", *title = "Internal error";
    return -1;
}

void api_problem(api_ctx *ctx, int status, const char *detail)
{
    const char *slug, *title;
    problem_kind(status, &slug, &title);
    problem(ctx, status, slug, title, detail, NULL, NULL);
}

char *api_problem_text(int status, const char *detail)
{
    const char *slug, *title;
    problem_kind(status, &slug, &title);
    return problem_text(status, slug, title, detail, NULL, NULL);
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Whether `p` starts with `word`, case-insensitively; then *end is just past it. */
static int starts_with(const char *p, const char *word, const char **end)
{
    size_t n = strlen(word);
    if (strncasecmp(p, word, n) != 0)
        return 0;
    *end = p + n;
    return 1;
}

/* Whether the Content-Type `type` is a JSON body the API takes:
 * application/json, or with `patch` also application/merge-patch+json,
 * matched exactly (case aside), with no parameter but an optional charset=utf-8. */
static int json_media_type(const char *type, int patch)
{
    const char *p = skip_ows(type);
    if (!starts_with(p, "application/json", &p) && !(patch && starts_with(p, "application/merge-patch+json", &p)))
        return 0;
    /* Parameters (RFC 9110 §8.3.1): only a charset, and only UTF-8, which is
     * what JSON is (RFC 8259 §8.1); anything else is another media type. */
    for (p = skip_ows(p); *p == ';'; p = skip_ows(p)) {
        p = skip_ows(p + 1);
        if (!starts_with(p, "charset", &p) || *(p = skip_ows(p)) != '=')
            return 0;
        p = skip_ows(p + 1);
        int quoted = *p == '"';
        if (!starts_with(p + quoted, "utf-8", &p) || (quoted && *p++ != '"'))
            return 0;
    }
    return *p == '\0';
}

/* Nesting depth of a JSON text, counted outside strings, before parsing it, so
 * a deeply nested body is refused without recursing into it. */
static int too_deep(const char *text, size_t len)
{
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > MAX_DEPTH)
                return 1;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

/* Whether `v` is a real holding a whole number below 2^53, which an integer says exactly. */
static int whole_real(const json_t *v)
{
    double d = json_real_value(v);
    return json_is_real(v) && d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(json_int_t)d;
}

/* Reals of `v` (and within it) that are whole numbers below 2^53 become integers. */
static void whole_numbers_as_integers(json_t *v)
{
    const char *key;
    json_t *member;
    size_t i;
    json_object_foreach(v, key, member)
    {
        if (whole_real(member))
            json_object_set_new(v, key, json_integer((json_int_t)json_real_value(member)));
        else
            whole_numbers_as_integers(member);
    }
    json_array_foreach(v, i, member)
    {
        if (whole_real(member))
            json_array_set_new(v, i, json_integer((json_int_t)json_real_value(member)));
        else
            whole_numbers_as_integers(member);
    }
}

int api_body(api_ctx *ctx, json_t **out)
{
    size_t len = ctx->req->binary_body_length;
    if (len > api_cfg.max_body) {
        char detail[128];
        snprintf(detail, sizeof detail, "The body is larger than %zu bytes.", api_cfg.max_body);
        api_problem(ctx, 413, detail);
        return -1;
    }
    const char *type = api_header(ctx, "Content-Type");
    if (type && !json_media_type(type, strcmp(ctx->req->http_verb, "PATCH") == 0)) {
        api_problem(ctx, 415, "Send the body as application/json (or application/merge-patch+json with PATCH), in "
                              "UTF-8: a charset parameter, if any, must be utf-8.");
        /* Nothing parses a body of another kind (libmicrohttpd's form parser
         * is off: a multipart body is only bytes here), and nothing more is
         * taken from a client that sends one. */
        u_map_put(ctx->resp->map_header, "Connection", "close");
        return -1;
    }
    if (len == 0) {
        api_problem(ctx, 400, "The request needs a JSON body.");
        return -1;
    }
    if (too_deep(ctx->req->binary_body, len)) {
        api_problem(ctx, 400, "The JSON body is nested too deeply.");
        return -1;
    }
    json_error_t error;
    /* Any JSON text parses, so that valid JSON of the wrong shape is a 422, and
     * \u0000 inside a string parses, so that validation names its field. */
    const size_t flags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL;
    *out = json_loadb(ctx->req->binary_body, len, flags, &error);
    if (!*out && json_error_code(&error) == json_error_numeric_overflow) {
        /* An integer past 64 bits is JSON all the same (a custom field may
         * hold one): read every number as a real, then give the ones that are
         * whole and exact back as integers, so fields that take an integer
         * still see one. */
        if ((*out = json_loadb(ctx->req->binary_body, len, flags | JSON_DECODE_INT_AS_REAL, &error)))
            whole_numbers_as_integers(*out);
    }
    if (!*out) {
        /* The parser's message may quote a piece of the body: never echo it. */
        char detail[160];
        snprintf(detail, sizeof detail, "The body is not valid JSON (line %d, column %d).", error.line, error.column);
        api_problem(ctx, 400, detail);
        return -1;
    }
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        crm_error_field("", "type", "The body must be a JSON object.");
        api_fail(ctx, CRM_EINVALID);
        return -1;
    }
    return 0;
}

int api_if_match(api_ctx *ctx, long *version)
{
    const char *given = api_header(ctx, "If-Match");
    if (!given) {
        problem(ctx, 428, "precondition-required", "Precondition required",
                "Send If-Match with the ETag you last read, so concurrent changes are not lost.", NULL, NULL);
        return -1;
    }
    const char *p = given + strspn(given, " \t");
    size_t len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    if (len == 1 && *p == '*') {
        /* "Any current version" would write over changes the client never saw. */
        problem(ctx, 428, "precondition-required", "Precondition required",
                "If-Match: * does not protect against lost updates; send the ETag you last read instead.", NULL, NULL);
        return -1;
    }
    /* Strong comparison (RFC 9110 §13.1.1): only exactly the tag we send,
     * "<version>" with a version of 1 to 2^31 - 1 and no leading zero, can
     * match. A weak tag, a list, a number the database could never hold, or
     * anything else that is not such a tag cannot be the current version. */
    long v = 0;
    size_t digits = len >= 2 && p[0] == '"' && p[len - 1] == '"' ? len - 2 : 0;
    int valid = digits >= 1 && digits <= 10 && p[1] >= '1' && p[1] <= '9';
    for (size_t i = 1; valid && i <= digits; i++) {
        valid = p[i] >= '0' && p[i] <= '9';
        v = v * 10 + (p[i] - '0');
    }
    if (!valid || v > 2147483647L) {
        problem(ctx, 412, "precondition-failed", "Precondition failed",
                "If-Match does not match the current ETag (it takes the one strong ETag a GET answered, e.g. \"3\").",
                NULL, NULL);
        return -1;
    }
    *version = v;
    return 0;
}

int api_path_id(api_ctx *ctx, const char *name, const char **out)
{
    const char *id = api_query(ctx, name);
    /* The path as sent: "<uuid>%00" decodes to the uuid and must not pass for it. */
    const char *url = ctx->req->http_url ? ctx->req->http_url : "";
    size_t path_len = strcspn(url, "?");
    const char *nul = strstr(url, "%00");
    if (!crm_valid_uuid(id) || (nul && (size_t)(nul - url) < path_len)) {
        crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
        api_fail(ctx, CRM_ENOTFOUND);
        return -1;
    }
    *out = id;
    return 0;
}

static const char *url_param(const void *source, const char *name)
{
    return u_map_get(((const struct _u_request *)source)->map_url, name);
}

int api_request_query(api_ctx *ctx, crm_query *out)
{
    memset(out, 0, sizeof *out);
    if (strstr(ctx->route->path, "/:id/") && api_path_id(ctx, "id", &out->parent_id) < 0)
        return -1;
    out->param = url_param;
    out->source = ctx->req;
    out->page.limit = 50;
    out->page.cursor = api_query(ctx, "cursor");
    const char *limit = api_query(ctx, "limit");
    if (limit) {
        /* Only digits: anything else (" 5", "+5", "5x", "") reaches crm_page_prepare as 0, a 422 on limit. */
        size_t digits = strspn(limit, "0123456789");
        out->page.limit = digits > 0 && digits <= 6 && limit[digits] == '\0' ? atoi(limit) : 0;
    }
    /* As sent: a NUL (%00) in a parameter would cut its value short where it is decoded. */
    const char *query_string = ctx->req->http_url ? strchr(ctx->req->http_url, '?') : NULL;
    out->raw = query_string ? query_string + 1 : NULL;
    static const char *const PAGING[] = {"cursor", "limit"};
    for (int i = 0; i < 2; i++)
        if (crm_query_has_nul(out, PAGING[i])) {
            crm_error_field(PAGING[i], "format", "Must not contain NUL characters.");
            api_fail(ctx, CRM_EINVALID);
            return -1;
        }
    return 0;
}

void api_list(api_ctx *ctx, crm_list_fn list)
{
    crm_query query;
    char *body = NULL;
    if (api_request_query(ctx, &query) < 0)
        return;
    int rc = list(&body, ctx->db, &ctx->who, &query);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

/* Hash of what makes two POSTs "the same request": route and body bytes.
 * Returns 0, or CRM_ERROR when out of memory. */
static int request_hash(char out[65], api_ctx *ctx)
{
    size_t plen = strlen(ctx->req->url_path), blen = ctx->req->binary_body_length;
    char *buf = malloc(plen + 1 + blen);
    if (!buf)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    memcpy(buf, ctx->req->url_path, plen);
    buf[plen] = '\n';
    if (blen)
        memcpy(buf + plen + 1, ctx->req->binary_body, blen);
    crm_sha256_hex(out, buf, plen + 1 + blen);
    free(buf);
    return 0;
}

void api_create(api_ctx *ctx, const char *location_prefix, crm_create_fn create)
{
    json_t *body = NULL;
    crm_doc doc = {0};
    crm_replay replay = {0};
    crm_query query;
    char hash[65], location[256];
    const char *key = api_header(ctx, "Idempotency-Key");
    int rc;
    if (api_request_query(ctx, &query) < 0 || api_body(ctx, &body) < 0)
        return;
    if ((rc = crm_db_begin(ctx->db)) < 0)
        goto fail;
    if (key) {
        if ((rc = request_hash(hash, ctx)) < 0)
            goto fail;
        rc = crm_idem_begin(&replay, ctx->db, &ctx->who, key, hash);
        if (rc == 1) {
            crm_db_rollback(ctx->db);
            ulfius_set_string_body_response(ctx->resp, (unsigned)replay.status, replay.body);
            u_map_put(ctx->resp->map_header, "Content-Type", replay.status < 300 ? "application/json" : "application/problem+json");
            if (replay.location)
                u_map_put(ctx->resp->map_header, "Location", replay.location);
            /* Every number as a real: PostgreSQL writes the numbers of custom
             * fields out in full (1e20 as 21 digits), past jansson's integers. */
            json_t *stored = json_loads(replay.body, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, NULL);
            json_t *version = json_object_get(stored, "version");
            if (json_is_number(version))
                set_etag(ctx, (long)json_number_value(version));
            json_decref(stored);
            u_map_put(ctx->resp->map_header, "Idempotent-Replayed", "true");
            goto done;
        }
        if (rc < 0)
            goto fail;
    }
    if ((rc = create(&doc, ctx->db, &ctx->who, &query, body)) < 0)
        goto fail;
    snprintf(location, sizeof location, "%s/%s", location_prefix, doc.id);
    if (key && (rc = crm_idem_finish(ctx->db, &ctx->who, key, hash, 201, doc.json, location)) < 0)
        goto fail;
    if ((rc = crm_db_commit(ctx->db)) < 0)
        goto fail;
    api_reply_doc(ctx, 201, &doc, location_prefix);
    goto done;
fail:
    crm_db_rollback(ctx->db);
    api_fail(ctx, rc);
done:
    crm_replay_free(&replay);
    crm_doc_free(&doc);
    json_decref(body);
}

/* The tail every pipeline that changes one resource shares: one transaction
 * around the change, 200 with the document or the problem. */
static void change_and_reply(api_ctx *ctx, int rc, crm_doc *doc)
{
    if (rc >= 0)
        rc = crm_db_commit(ctx->db);
    if (rc < 0) {
        crm_db_rollback(ctx->db);
        api_fail(ctx, rc);
    } else {
        api_reply_doc(ctx, 200, doc, NULL);
    }
    crm_doc_free(doc);
}

void api_update(api_ctx *ctx, crm_update_fn update)
{
    const char *id;
    long version;
    json_t *patch = NULL;
    crm_doc doc = {0};
    int rc;
    if (api_path_id(ctx, "id", &id) < 0 || api_if_match(ctx, &version) < 0 || api_body(ctx, &patch) < 0)
        return;
    if ((rc = crm_db_begin(ctx->db)) >= 0)
        rc = update(&doc, ctx->db, &ctx->who, id, version, patch);
    change_and_reply(ctx, rc, &doc);
    json_decref(patch);
}

void api_get(api_ctx *ctx, crm_get_fn get)
{
    const char *id;
    crm_doc doc = {0};
    if (api_path_id(ctx, "id", &id) < 0)
        return;
    int rc = get(&doc, ctx->db, &ctx->who, id);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_doc(ctx, 200, &doc, NULL);
    crm_doc_free(&doc);
}

void api_transition(api_ctx *ctx, crm_act_fn act, const char *action)
{
    const char *id;
    crm_doc doc = {0};
    int rc;
    if (api_path_id(ctx, "id", &id) < 0)
        return;
    if ((rc = crm_db_begin(ctx->db)) >= 0)
        rc = act(&doc, ctx->db, &ctx->who, id, action);
    change_and_reply(ctx, rc, &doc);
}

void api_action(api_ctx *ctx, crm_action_fn act)
{
    const char *id;
    json_t *body = NULL;
    crm_doc doc = {0};
    int rc;
    if (api_path_id(ctx, "id", &id) < 0 || api_body(ctx, &body) < 0)
        return;
    if ((rc = crm_db_begin(ctx->db)) >= 0)
        rc = act(&doc, ctx->db, &ctx->who, id, body);
    change_and_reply(ctx, rc, &doc);
    json_decref(body);
}

void api_delete(api_ctx *ctx, crm_delete_fn remove)
{
    const char *id;
    long version;
    int rc;
    if (api_path_id(ctx, "id", &id) < 0 || api_if_match(ctx, &version) < 0)
        return;
    if ((rc = crm_db_begin(ctx->db)) < 0 || (rc = remove(ctx->db, &ctx->who, id, version)) < 0 || (rc = crm_db_commit(ctx->db)) < 0) {
        crm_db_rollback(ctx->db);
        api_fail(ctx, rc);
    } else {
        api_reply_empty(ctx, 204);
    }
}
