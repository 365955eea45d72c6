/* static.c: the built client apps (the office web app at /, the field-sales
 * app at /m/), served from folders the configuration names, with the SPA
 * fallback, immutable caching of hashed assets and a same-origin CSP. */
#include "api.h"
#include "crm/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The largest file served. A build's files are far smaller: a larger one is a
 * mistake in the folder, answered 500 rather than read into memory. */
#define MAX_FILE_BYTES (32L * 1024 * 1024)

const api_app API_APPS[API_APP_COUNT] = {
    /* Longest prefix first: the first that holds a path serves it. */
    {"/m/", "--mobile-dir", "CRM_MOBILE_DIR", "mobile app"},
    {"/", "--web-dir", "CRM_WEB_DIR", "web app"},
};

/* What the dispatcher runs and logs for each app's paths. */
static const api_route APP_ROUTES[API_APP_COUNT] = {
    {"GET", "/m/", api_static_get, 1, 0},
    {"GET", "/", api_static_get, 1, 0},
};

/* The real path of each app's folder while it is served, else NULL. Written
 * before the server starts, only read while it runs. */
static char *roots[API_APP_COUNT];

/* Only the app's own origin: no script, style, font, image or connection from
 * elsewhere, no plugin, no framing. Ant Design injects <style> elements at run
 * time (CSS-in-JS), which is why styles alone allow 'unsafe-inline'; scripts
 * never do. */
static const char *const APP_HEADERS[][2] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
     "font-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
     "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"},
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {NULL, NULL},
};

static const struct {
    const char *extension, *type;
} TYPES[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"ico", "image/x-icon"},
    {"json", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"txt", "text/plain; charset=utf-8"},
    {"map", "application/json"},
    {"wasm", "application/wasm"},
};

static const char *content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash + 1 : name, '.');
    for (size_t i = 0; dot && i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcasecmp(dot + 1, TYPES[i].extension) == 0)
            return TYPES[i].type;
    return "application/octet-stream";
}

static void log_app(const char *level, const api_app *app, const char *dir, const char *msg)
{
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "level", level);
    crm_log_string(&line, "msg", msg);
    crm_log_string(&line, "app", app->what);
    crm_log_string(&line, "prefix", app->prefix);
    crm_log_string(&line, "setting", app->env);
    if (dir)
        crm_log_string(&line, "dir", dir);
    crm_log_write(&line, stderr);
}

int api_static_mount(size_t index, const char *dir)
{
    const api_app *app = &API_APPS[index];
    free(roots[index]);
    roots[index] = NULL;
    if (!dir || !*dir) {
        log_app("info", app, NULL, "not serving this app: its setting is not set");
        return 0;
    }
    char *root = realpath(dir, NULL);
    char index_html[PATH_MAX];
    struct stat st;
    if (!root || (size_t)snprintf(index_html, sizeof index_html, "%s/index.html", root) >= sizeof index_html ||
        stat(index_html, &st) != 0 || !S_ISREG(st.st_mode)) {
        log_app("warn", app, dir, root ? "not serving this app: its folder has no index.html"
                                       : "not serving this app: its folder does not exist");
        free(root);
        return 0;
    }
    roots[index] = root;
    log_app("info", app, root, "serving this app");
    return 1;
}

void api_static_unmount_all(void)
{
    for (size_t i = 0; i < API_APP_COUNT; i++) {
        free(roots[i]);
        roots[i] = NULL;
    }
}

/* Whether `path` lies under `prefix` ("/m/" holds /m/ and below, and /m itself). */
static int under(const char *path, const char *prefix)
{
    size_t len = strlen(prefix);
    return strncmp(path, prefix, len) == 0 || (len > 1 && strncmp(path, prefix, len - 1) == 0 && path[len - 1] == '\0');
}

const api_route *api_static_route(const char *path)
{
    for (size_t i = 0; path && path[0] == '/' && i < API_APP_COUNT; i++)
        if (under(path, API_APPS[i].prefix))
            return roots[i] ? &APP_ROUTES[i] : NULL; /* an app that is off keeps its prefix */
    return NULL;
}

enum { PATH_OK, PATH_BAD, PATH_HIDDEN };

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Whether a segment of `path` ("/"-separated) starts with a dot; with
 * `dot_segments`, whether one is "." or "..". */
static int has_dot_segment(const char *path, int dot_segments)
{
    for (const char *s = path; *s; s += *s == '/') {
        size_t len = strcspn(s, "/");
        if (dot_segments ? (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.') : s[0] == '.')
            return 1;
        s += len;
    }
    return 0;
}

/* The path below the app's prefix as sent, percent-decoded into out[size].
 * PATH_BAD for a path no app uses and that only an attempt to leave the folder
 * sends: a "." or ".." segment, a backslash, a control character, an escaped
 * dot, slash, backslash or control character (the escape would hide a
 * segment from the check), a broken escape, or too long. PATH_HIDDEN when a
 * segment starts with a dot (dot-files are never served). */
static int decode_path(char *out, size_t size, const char *raw)
{
    size_t n = 0;
    for (const char *p = raw; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
            if (lo < 0)
                return PATH_BAD;
            c = (unsigned char)(hi << 4 | lo);
            if (c == '.' || c == '/')
                return PATH_BAD;
            p += 2;
        }
        if (c == '\\' || c < 0x20 || c == 0x7f || n + 1 >= size)
            return PATH_BAD;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    if (has_dot_segment(out, 1))
        return PATH_BAD;
    return has_dot_segment(out, 0) ? PATH_HIDDEN : PATH_OK;
}

/* A file about to be answered: its bytes and what the headers say of it. */
typedef struct app_file {
    char *bytes;
    size_t size;
    char etag[64];
    int gzip;    /* the bytes are the .gz beside the file */
    int has_gzip; /* a .gz lies beside the file: the answer varies with Accept-Encoding */
} app_file;

enum { FILE_OK, FILE_ABSENT, FILE_REFUSED, FILE_TOO_LARGE, FILE_ERROR };

/* Open `path` as a regular file that is no symbolic link: its descriptor with
 * *st filled, -2 when it is not such a file (absent, a folder, a link), -1
 * when it cannot be opened for another reason. */
static int open_regular(const char *path, struct stat *st)
{
    /* O_NONBLOCK: a FIFO someone left in the folder must not hang the worker. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == ENAMETOOLONG ? -2 : -1;
    int rc = fstat(fd, st) != 0 ? -1 : S_ISREG(st->st_mode) ? fd : -2;
    if (rc < 0)
        close(fd);
    return rc;
}

/* Read all `size` bytes of `fd` into *out (the caller's to free). */
static int read_all(char **out, int fd, size_t size)
{
    char *bytes = malloc(size ? size : 1);
    size_t got = 0;
    while (bytes && got < size) {
        ssize_t n = read(fd, bytes + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* an error, or the file shrank since fstat */
        got += (size_t)n;
    }
    if (!bytes || got < size) {
        free(bytes);
        return -1;
    }
    *out = bytes;
    return 0;
}

/* Load `rel` (decoded, checked by decode_path) of the folder `root` into *out,
 * the .gz beside it instead when `gzip` allows it. FILE_ABSENT when it is no
 * regular file (absent, a folder), FILE_REFUSED when it resolves outside the
 * folder or to a dot-file, FILE_TOO_LARGE past MAX_FILE_BYTES, FILE_ERROR
 * when it cannot be read. */
static int load_file(app_file *out, const char *root, const char *rel, int gzip)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path)
        return FILE_ABSENT;
    /* Symbolic links are resolved first and the result must still lie in the
     * folder: a link pointing out of it is refused, one within it is fine. */
    char *real = realpath(path, NULL);
    if (!real)
        return errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG ? FILE_ABSENT
               : errno == ELOOP                                          ? FILE_REFUSED
                                                                         : FILE_ERROR;
    size_t root_len = strcmp(root, "/") == 0 ? 0 : strlen(root); /* what precedes the '/' of a path inside */
    int rc = FILE_ERROR, fd = -1, gz_fd = -1;
    struct stat st, gz_st;
    char gz_path[PATH_MAX];
    if (strcmp(real, root) == 0) {
        rc = FILE_ABSENT; /* the folder itself */
        goto done;
    }
    if (strncmp(real, root, root_len) != 0 || real[root_len] != '/' || has_dot_segment(real + root_len + 1, 0)) {
        rc = FILE_REFUSED;
        goto done;
    }
    if ((fd = open_regular(real, &st)) < 0) {
        rc = fd == -2 ? FILE_ABSENT : FILE_ERROR;
        goto done;
    }
    /* The .gz beside it lies in the same folder; it is used only when it is a
     * regular file and no link. */
    if ((size_t)snprintf(gz_path, sizeof gz_path, "%s.gz", real) < sizeof gz_path &&
        (gz_fd = open_regular(gz_path, &gz_st)) >= 0) {
        out->has_gzip = 1;
        if (gzip) {
            close(fd);
            fd = gz_fd, st = gz_st, gz_fd = -1;
            out->gzip = 1;
        }
    }
    if (st.st_size > MAX_FILE_BYTES) {
        rc = FILE_TOO_LARGE;
        goto done;
    }
    if (read_all(&out->bytes, fd, (size_t)st.st_size) < 0)
        goto done;
    out->size = (size_t)st.st_size;
    /* Size and modification time tell one version of a file from another; the
     * gzip form is another representation, so another tag. */
    snprintf(out->etag, sizeof out->etag, "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec,
             out->gzip ? "-gz" : "");
    rc = FILE_OK;
done:
    if (fd >= 0)
        close(fd);
    if (gz_fd >= 0)
        close(gz_fd);
    free(real);
    return rc;
}

/* Whether a ";q=..." among `params` (up to `end`) gives a weight of 0. */
static int weight_zero(const char *params, const char *end)
{
    for (const char *p = params; p < end; p++) {
        if (*p != ';')
            continue;
        p += 1 + strspn(p + 1, " \t");
        if (end - p >= 2 && (*p == 'q' || *p == 'Q') && p[1] == '=') {
            p += 2;
            if (*p != '0')
                return 0;
            for (p++; p < end && (*p == '.' || *p == '0'); p++)
                ;
            return p == end || *p == ' ' || *p == '\t' || *p == ';';
        }
    }
    return 0;
}

/* Whether Accept-Encoding takes gzip (RFC 9110 §12.5.3): named (or x-gzip),
 * else through "*", with a weight above 0. */
static int accepts_gzip(const char *header)
{
    int named = -1, any = 0;
    for (const char *p = header ? header : ""; *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ","), name = strcspn(p, ";, \t");
        int taken = !weight_zero(p + name, p + len);
        if ((name == 4 && strncasecmp(p, "gzip", 4) == 0) || (name == 6 && strncasecmp(p, "x-gzip", 6) == 0))
            named = taken;
        else if (name == 1 && *p == '*')
            any = taken;
        p += len;
    }
    return named >= 0 ? named : any;
}

/* Whether If-None-Match names `etag` (weak comparison, RFC 9110 §13.1.2) or is "*". */
static int none_match(const char *header, const char *etag)
{
    size_t etag_len = strlen(etag);
    for (const char *p = header ? header : ""; *p;) {
        p += strspn(p, " \t,");
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        size_t len = strcspn(p, ", \t");
        if (len == etag_len && strncmp(p, etag, len) == 0)
            return 1;
        p += len;
    }
    return 0;
}

static void file_problem(api_ctx *ctx, int rc, const char *rel)
{
    if (rc == FILE_ABSENT || rc == FILE_REFUSED) {
        api_problem(ctx, 404, "There is no such file.");
        return;
    }
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "level", "error");
    crm_log_string(&line, "msg", rc == FILE_TOO_LARGE ? "app file too large to serve" : "app file unreadable");
    crm_log_string(&line, "file", rel);
    crm_log_write(&line, stderr);
    api_problem(ctx, 500, "The server could not read this file; it has been logged.");
}

void api_static_get(api_ctx *ctx)
{
    size_t app = (size_t)(ctx->route - APP_ROUTES);
    const char *root = roots[app];
    for (size_t i = 0; APP_HEADERS[i][0]; i++)
        u_map_put(ctx->resp->map_header, APP_HEADERS[i][0], APP_HEADERS[i][1]);
    if (strcmp(ctx->req->http_verb, "GET") != 0 && strcmp(ctx->req->http_verb, "HEAD") != 0) {
        u_map_put(ctx->resp->map_header, "Allow", "GET, HEAD");
        api_problem(ctx, 405, "The apps are only read: use GET or HEAD.");
        return;
    }
    const char *url = ctx->req->url_path;
    size_t prefix_len = strlen(API_APPS[app].prefix);
    char rel[PATH_MAX];
    int checked = decode_path(rel, sizeof rel, strlen(url) >= prefix_len ? url + prefix_len : "");
    if (checked == PATH_BAD) {
        api_problem(ctx, 400, "The path holds what no page of the apps does: a \".\" or \"..\" segment, a backslash, "
                              "a control character, a broken percent-escape, or an escaped dot or slash.");
        return;
    }
    if (checked == PATH_HIDDEN) {
        api_problem(ctx, 404, "There is no such file.");
        return;
    }
    int gzip = accepts_gzip(api_header(ctx, "Accept-Encoding"));
    app_file file = {0};
    const char *name = rel;
    int rc = load_file(&file, root, rel, gzip);
    /* Vite's content-hashed output: a name there is never reused for other
     * bytes, so it is kept for a year; one that is missing (a page still
     * holding the previous build) is a 404, never index.html taken for script. */
    int asset = strncmp(rel, "assets", 6) == 0 && (rel[6] == '/' || rel[6] == '\0');
    if (rc == FILE_ABSENT && !asset) {
        /* The SPA fallback: any other path is a route of the app. */
        name = "index.html";
        rc = load_file(&file, root, name, gzip);
    }
    if (rc != FILE_OK) {
        file_problem(ctx, rc, name);
        return;
    }
    u_map_put(ctx->resp->map_header, "Cache-Control", asset ? "public, max-age=31536000, immutable" : "no-cache");
    u_map_put(ctx->resp->map_header, "ETag", file.etag);
    if (file.has_gzip)
        u_map_put(ctx->resp->map_header, "Vary", "Accept-Encoding");
    if (none_match(api_header(ctx, "If-None-Match"), file.etag)) {
        api_reply_empty(ctx, 304);
    } else {
        u_map_put(ctx->resp->map_header, "Content-Type", content_type(name));
        if (file.gzip)
            u_map_put(ctx->resp->map_header, "Content-Encoding", "gzip");
        /* HEAD: libmicrohttpd sends the headers of this body (its length too) without it. */
        ulfius_set_binary_body_response(ctx->resp, 200, file.bytes, file.size);
    }
    free(file.bytes);
}
