/* guard.c: what stands between the network and ulfius. It checks each raw
 * request before libmicrohttpd reads its body (framing, sizes) and
 * refuses it in problem+json, closing the connection; it keeps a table of the
 * open connections to cap them per client address and in all, closing the
 * oldest idle ones first; and a janitor thread closes connections whose header
 * block or body arrives too slowly. */
#include "api.h"
#include "crm/capacity.h"
#include "crm/log.h"

#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received, which glibc's lacks */
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

/* Limits of one request: beyond them 414 or 431, before anything runs. They
 * must stay well inside API_GUARD_POOL_SIZE, or libmicrohttpd refuses first,
 * in HTML, or drops the request. */
#define MAX_URL 8192           /* bytes of the request target */
#define MAX_QUERY_PARAMS 100
#define MAX_HEADERS 100
#define MAX_HEADER_BYTES 32768 /* names and values together */

#define PEER_BUCKETS 1024
#define JANITOR_TICK_SECONDS 1
/* Open files beyond the connections: database connections (one per worker),
 * the listening and epoll sockets, keys, logs. */
#define RESERVED_FILES 64

enum conn_state {
    IDLE,    /* between requests, or before the first */
    HEADERS, /* a request's header block is arriving */
    BODY,    /* its body is arriving */
    BUSY,    /* being answered */
    CLOSING, /* closed by the guard; libmicrohttpd will notice */
};

/* The connections of one client address. */
typedef struct peer {
    struct peer *next; /* in its hash bucket */
    unsigned bucket;
    unsigned char addr[16];
    size_t addr_len;
    long count; /* its connections not CLOSING */
    long refs;  /* its connections in the table */
} peer;

typedef struct conn {
    struct conn *prev, *next; /* every connection, in accept order (table lock) */
    peer *peer;
    int fd;
    int counted;   /* still in its peer's count and the total (table lock) */
    int chunked;   /* the current request's body is chunked (its worker thread) */
    int refusal;   /* status the request line already earned, or 0 (its worker thread) */
    const char *refusal_detail;
    int draining; /* the body is read and dropped, then refused with 413 (its worker thread) */
    /* The state and when it began (µs, CLOCK_MONOTONIC), in one word so that
     * both change together: since << 3 | state (see pack()). */
    _Atomic uint64_t word;
    _Atomic uint64_t body_bytes;
    atomic_uint completed; /* requests answered */
    /* The janitor's own view (table lock): bytes the kernel had received and
     * requests answered at its last look at the connection idle. */
    uint64_t seen_bytes;
    unsigned seen_completed;
    int seen_idle;
} conn;

static struct {
    api_guard_config cfg;
    pthread_mutex_t lock;
    conn *head, *tail;
    long open; /* connections not CLOSING */
    peer *peers[PEER_BUCKETS];
    pthread_t janitor;
    pthread_cond_t wake;
    int started, stop;
    /* ulfius's access handler and its argument (see MHD_start_daemon below). */
    MHD_AccessHandlerCallback upstream;
    void *upstream_cls;
    atomic_ulong evicted, refused, timed_out;
    unsigned long reported[3]; /* the janitor's last report */
    char header_detail[96], body_detail[96];
} G = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t pack(int state, int64_t since_us) { return (uint64_t)since_us << 3 | (uint64_t)state; }
static int state_of(uint64_t word) { return (int)(word & 7); }
static int64_t since_of(uint64_t word) { return (int64_t)(word >> 3); }

/* ---- answers ------------------------------------------------------------ */

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    default: return "Service Unavailable";
    }
}

static void log_refusal(int status, const char *method, const char *detail, const char *request_id)
{
    api_metrics_record(status, 0);
    api_log_request(&(api_log_entry){.request_id = request_id, .tenant = "", .user = "", .method = method ? method : "",
                                     .route = "*", .status = status, .refused = detail});
}

/* Write a whole answer straight to the socket, for a connection libmicrohttpd
 * is not answering (it is reading a request, or has not started): never
 * blocking, best effort — the connection is shut down right after. */
static void send_raw(int fd, int status, const char *detail, const char *method)
{
    char request_id[65], head[512];
    api_request_id(request_id, sizeof request_id, NULL);
    char *body = api_problem_text(status, detail);
    size_t body_len = body ? strlen(body) : 0;
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\nX-Request-Id: %s\r\n%s",
                     status, reason(status), body_len, request_id, status == 503 ? "Retry-After: 1\r\n" : "");
    for (size_t i = 0; API_RESPONSE_HEADERS[i][0] && n > 0 && (size_t)n < sizeof head; i++)
        n += snprintf(head + n, sizeof head - (size_t)n, "%s: %s\r\n", API_RESPONSE_HEADERS[i][0],
                      API_RESPONSE_HEADERS[i][1]);
    if (n > 0 && (size_t)n + 2 < sizeof head) {
        memcpy(head + n, "\r\n", 2);
        struct iovec parts[2] = {{head, (size_t)n + 2}, {body, body_len}};
        struct msghdr msg = {.msg_iov = parts, .msg_iovlen = body ? 2 : 1};
        (void)sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    free(body);
    if (status != 503)
        log_refusal(status, method, detail, request_id);
}

/* Queue a refusal of the request whose header block libmicrohttpd just read,
 * with Connection: close: libmicrohttpd sends it, reads nothing more of the
 * connection (not even a body it announced) and closes it. */
static enum MHD_Result refuse(struct MHD_Connection *connection, int status, const char *detail, const char *method)
{
    char request_id[65];
    api_request_id(request_id, sizeof request_id, MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Request-Id"));
    char *body = api_problem_text(status, detail);
    struct MHD_Response *response =
        body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY) : NULL;
    free(body);
    if (!response)
        return MHD_NO; /* out of memory: libmicrohttpd closes the connection */
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/problem+json");
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_add_response_header(response, "X-Request-Id", request_id);
    for (size_t i = 0; API_RESPONSE_HEADERS[i][0]; i++)
        MHD_add_response_header(response, API_RESPONSE_HEADERS[i][0], API_RESPONSE_HEADERS[i][1]);
    enum MHD_Result queued = MHD_queue_response(connection, (unsigned)status, response);
    MHD_destroy_response(response);
    log_refusal(status, method, detail, request_id);
    return queued;
}

/* ---- the connection table ----------------------------------------------- */

static size_t address_of(const struct sockaddr *addr, const unsigned char **bytes)
{
    if (addr && addr->sa_family == AF_INET) {
        *bytes = (const unsigned char *)&((const struct sockaddr_in *)(const void *)addr)->sin_addr;
        return 4;
    }
    if (addr && addr->sa_family == AF_INET6) {
        *bytes = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr;
        return 16;
    }
    *bytes = (const unsigned char *)"";
    return 0;
}

/* The peer of `addr`, created with count 0 when new; NULL when out of memory. Table lock held. */
static peer *peer_of(const struct sockaddr *addr)
{
    const unsigned char *bytes;
    size_t len = address_of(addr, &bytes);
    unsigned hash = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ bytes[i]) * 16777619u;
    peer **bucket = &G.peers[hash % PEER_BUCKETS];
    for (peer *p = *bucket; p; p = p->next)
        if (p->addr_len == len && memcmp(p->addr, bytes, len) == 0)
            return p;
    peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    memcpy(p->addr, bytes, len);
    p->addr_len = len;
    p->bucket = hash % PEER_BUCKETS;
    p->next = *bucket;
    *bucket = p;
    return p;
}

/* Forget a peer once none of its connections is left. Table lock held. */
static void peer_release(peer *p)
{
    if (--p->refs > 0)
        return;
    for (peer **at = &G.peers[p->bucket]; *at; at = &(*at)->next)
        if (*at == p) {
            *at = p->next;
            free(p);
            return;
        }
}

/* Take a connection out of the counts once the guard has closed it, so that
 * the connection replacing it does not close another. Table lock held. */
static void uncount(conn *c)
{
    if (!c->counted)
        return;
    c->counted = 0;
    c->peer->count--;
    G.open--;
}

/* Move `c` from one of the states in `from` (a bit per state) to `to`, which
 * began at `since`; whether it did (not when the guard closed it meanwhile). */
static int advance(conn *c, unsigned from, int to, int64_t since)
{
    uint64_t word = atomic_load(&c->word);
    while (state_of(word) != CLOSING && (from & (1u << state_of(word))))
        if (atomic_compare_exchange_weak(&c->word, &word, pack(to, since)))
            return 1;
    return 0;
}

/* Move a connection from `from` to CLOSING; whether this call did. Table lock held. */
static int close_from(conn *c, int from)
{
    if (!advance(c, 1u << from, CLOSING, 0))
        return 0;
    uncount(c);
    return 1;
}

/* The connection idle the longest, of `of` only when given; NULL when none
 * is idle. Table lock held. */
static conn *oldest_idle(const peer *of, const conn *except)
{
    conn *oldest = NULL;
    int64_t since = INT64_MAX;
    for (conn *c = G.head; c; c = c->next)
        if (c != except && (!of || c->peer == of)) {
            uint64_t word = atomic_load(&c->word);
            if (state_of(word) == IDLE && since_of(word) < since) {
                oldest = c;
                since = since_of(word);
            }
        }
    return oldest;
}

/* Make room for the new connection `c` beyond a cap: close the oldest idle
 * connection (of its address, or of anyone), or else refuse `c` itself.
 * Table lock held. */
static void make_room(conn *c, const peer *of)
{
    for (;;) {
        conn *victim = oldest_idle(of, c);
        if (!victim) {
            if (close_from(c, IDLE)) {
                send_raw(c->fd, 503, "The server holds as many connections as it takes (from your address or in all); try again shortly.", NULL);
                shutdown(c->fd, SHUT_RDWR);
                atomic_fetch_add(&G.refused, 1);
            }
            return;
        }
        /* An idle keep-alive connection may be closed at any time (RFC 9112
         * §9.6); libmicrohttpd sees the end of it and closes it itself. */
        if (close_from(victim, IDLE)) {
            shutdown(victim->fd, SHUT_RDWR);
            atomic_fetch_add(&G.evicted, 1);
            return;
        }
    }
}

static void connection_started(conn *c, struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *addr = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    c->fd = fd ? fd->connect_fd : -1;
    atomic_init(&c->word, pack(IDLE, now_us()));
    c->seen_idle = 1; /* a fresh connection has received nothing: any byte starts a request */
    pthread_mutex_lock(&G.lock);
    c->peer = peer_of(addr ? addr->client_addr : NULL);
    if (!c->peer) {
        pthread_mutex_unlock(&G.lock);
        atomic_store(&c->word, pack(CLOSING, 0));
        shutdown(c->fd, SHUT_RDWR);
        return;
    }
    c->prev = G.tail;
    if (G.tail)
        G.tail->next = c;
    else
        G.head = c;
    G.tail = c;
    c->counted = 1;
    c->peer->refs++;
    c->peer->count++;
    G.open++;
    if (c->peer->count > G.cfg.max_per_address)
        make_room(c, c->peer);
    else if (G.open > G.cfg.max_connections)
        make_room(c, NULL);
    pthread_mutex_unlock(&G.lock);
}

static void connection_closed(conn *c)
{
    pthread_mutex_lock(&G.lock);
    if (c->peer) {
        uncount(c);
        if (c->prev)
            c->prev->next = c->next;
        else
            G.head = c->next;
        if (c->next)
            c->next->prev = c->prev;
        else
            G.tail = c->prev;
        peer_release(c->peer);
    }
    pthread_mutex_unlock(&G.lock);
    free(c);
}

/* libmicrohttpd calls this as each connection opens (after accept) and once
 * it is closed, before its socket is: so the table never holds a socket
 * number that another connection may have by now. */
void api_guard_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        conn *c = calloc(1, sizeof *c);
        *socket_context = c;
        if (c)
            connection_started(c, connection);
        else
            shutdown(MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD)->connect_fd, SHUT_RDWR);
    } else if (*socket_context) {
        connection_closed(*socket_context);
        *socket_context = NULL;
    }
}

static conn *conn_of(struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* ---- each request ------------------------------------------------------- */

/* The request whose line a worker thread has just read: its socket and its
 * peer as ulfius copies it (sizeof (struct sockaddr) bytes), so that
 * request_arrival() can tell when that request came in. */
static _Thread_local struct {
    int fd;
    unsigned char peer[sizeof(struct sockaddr)];
} arriving = {-1, {0}};

/* The capacity module's arrival function: how long ago the last byte of the
 * request from `peer` came in, as the kernel tells for its socket. */
static int request_arrival(int64_t *waited_us, const void *peer_bytes, size_t len)
{
    struct tcp_info info;
    socklen_t size = sizeof info;
    if (arriving.fd < 0 || len != sizeof arriving.peer || memcmp(peer_bytes, arriving.peer, len) != 0 ||
        getsockopt(arriving.fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0)
        return -1;
    *waited_us = (int64_t)info.tcpi_last_data_recv * 1000;
    return 0;
}

void *api_guard_uri(void *cls, const char *uri, struct MHD_Connection *connection)
{
    const union MHD_ConnectionInfo *fd = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *peer_info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    arriving.fd = fd && peer_info && peer_info->client_addr ? fd->connect_fd : -1;
    if (arriving.fd >= 0)
        memcpy(arriving.peer, peer_info->client_addr, sizeof arriving.peer);

    void *request = ulfius_uri_logger(cls, uri); /* ulfius keeps its own copy of the target */
    conn *c = conn_of(connection);
    if (!c)
        return request;
    /* The header block's deadline runs from here, unless the janitor saw the
     * request's first bytes arrive earlier. */
    advance(c, 1u << IDLE, HEADERS, now_us());
    c->refusal = 0;
    c->chunked = 0;
    c->draining = 0;
    size_t len = strlen(uri);
    char *query = strchr(uri, '?');
    size_t params = 0;
    for (const char *p = query; p; p = strchr(p + 1, '&'))
        params++;
    if (len > MAX_URL) {
        c->refusal = 414;
        c->refusal_detail = "The request target is longer than 8192 bytes.";
    } else if (params > MAX_QUERY_PARAMS) {
        c->refusal = 414;
        c->refusal_detail = "The query has more than 100 parameters.";
    }
    /* libmicrohttpd is about to split the query into parameters in its
     * connection memory, which a few hundred of them exhaust, and then it
     * neither answers nor closes: a request refused anyway keeps none. The
     * target lies in libmicrohttpd's own (writable) read buffer. */
    if (c->refusal && query)
        query[1] = '\0';
    return request;
}

/* What the header block says, as libmicrohttpd parsed it (repeated fields
 * included, each as sent). */
typedef struct header_scan {
    size_t count, bytes;
    int hosts, lengths, encodings, bad_name;
    const char *length;
    int codings, chunked, last_chunked; /* transfer codings, over all Transfer-Encoding fields */
} header_scan;

static int is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* The transfer codings of one Transfer-Encoding value, a comma-separated
 * list (RFC 9112 §6.1), in order. */
static void scan_codings(header_scan *scan, const char *value)
{
    for (const char *p = value; *p;) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, ","), name = len;
        if (len == 0)
            break;
        while (name > 0 && (p[name - 1] == ' ' || p[name - 1] == '\t'))
            name--;
        int chunked = name == 7 && strncasecmp(p, "chunked", 7) == 0;
        scan->codings++;
        scan->chunked += chunked;
        scan->last_chunked = chunked;
        p += len;
    }
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    header_scan *scan = cls;
    value = value ? value : "";
    scan->count++;
    scan->bytes += strlen(key) + strlen(value);
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        scan->bad_name |= !is_tchar(*p);
    scan->bad_name |= !*key;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        scan->hosts++;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        scan->lengths++;
        scan->length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        scan->encodings++;
        scan_codings(scan, value);
    }
    return MHD_YES;
}

static const char *too_large_detail(void)
{
    static _Thread_local char text[96];
    snprintf(text, sizeof text, "The body is larger than %zu bytes.", G.cfg.max_body);
    return text;
}

/* A body declared too large by at most this factor is read to its end and
 * dropped before the 413 goes out. Answered at once, the client may still be
 * sending when the connection closes, and the kernel then resets it: the
 * client sees a broken pipe instead of the answer. Anything larger is cut off
 * at once (reading it would cost more than the answer is worth), and so is
 * one whose client waits for 100 Continue before it sends the body. */
#define DRAIN_FACTOR 4

/* The refusal a header block earns (RFC 9112 §3.2, §6.1, §6.3; a declared
 * body over the limit, before any of it is read), or 0 with
 * *body set when it announces a body and *chunked when that is chunked. */
static int check_headers(struct MHD_Connection *connection, const char *version, const char **detail, int *body,
                         int *chunked)
{
    header_scan scan = {0};
    MHD_get_connection_values(connection, MHD_HEADER_KIND, scan_header, &scan);
    int http11 = strcmp(version, MHD_HTTP_VERSION_1_1) == 0;
    unsigned long long length = scan.length ? strtoull(scan.length, NULL, 10) : 0;
    *body = length > 0 || scan.encodings > 0;
    *chunked = scan.encodings > 0;
    if (scan.count > MAX_HEADERS)
        return *detail = "The request has more than 100 header fields.", 431;
    if (scan.bytes > MAX_HEADER_BYTES)
        return *detail = "The request's header fields are larger than 32768 bytes together.", 431;
    if (scan.bad_name)
        return *detail = "A header field name is empty or holds a character other than letters, digits and "
                         "!#$%&'*+-.^_`|~ (white space before its colon, for one).",
               400;
    if (http11 ? scan.hosts != 1 : scan.hosts > 1)
        return *detail = "An HTTP/1.1 request takes exactly one Host header field (HTTP/1.0 at most one).", 400;
    if (scan.encodings > 0) {
        if (!http11)
            return *detail = "An HTTP/1.0 request cannot use Transfer-Encoding.", 400;
        if (scan.lengths > 0)
            return *detail = "A request cannot have both Content-Length and Transfer-Encoding.", 400;
        if (!scan.last_chunked || scan.chunked > 1)
            return *detail = "The body's length cannot be told: Transfer-Encoding must end with chunked, once.", 400;
        if (scan.codings > 1)
            return *detail = "The only transfer coding the server implements is chunked.", 501;
    }
    if (scan.lengths > 1)
        return *detail = "A request takes at most one Content-Length.", 400;
    if (length > G.cfg.max_body) {
        *detail = too_large_detail();
        return 413;
    }
    return 0;
}

static unsigned long long declared_length(struct MHD_Connection *connection)
{
    const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return length ? strtoull(length, NULL, 10) : 0;
}

/* A client that waits for "100 Continue" has sent no byte of the body: its 413 can go at once. */
static int expects_continue(struct MHD_Connection *connection)
{
    const char *expect = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    return expect && strcasecmp(expect, "100-continue") == 0;
}

/* A piece of a body being drained: counted (the janitor's progress check) and dropped. */
static enum MHD_Result drop(size_t *upload_data_size, conn *c)
{
    atomic_fetch_add(&c->body_bytes, *upload_data_size);
    *upload_data_size = 0;
    return state_of(atomic_load(&c->word)) == CLOSING ? MHD_NO : MHD_YES;
}

/* libmicrohttpd's access handler in front of ulfius's. libmicrohttpd calls it
 * once the header block is read (ulfius's callback_first_iteration), before
 * any byte of the body; again with each piece of the body; and a last time
 * with none, when ulfius runs the route. */
static enum MHD_Result guard_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                    const char *version, const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    const struct connection_info_struct *request = *con_cls;
    conn *c = conn_of(connection);
    /* A body being drained never reaches ulfius (whose first-iteration mark so stays set). */
    if (c && c->draining) {
        if (*upload_data_size > 0)
            return drop(upload_data_size, c);
        if (!advance(c, 1u << BODY, BUSY, now_us()))
            return MHD_NO;
        return refuse(connection, 413, too_large_detail(), method);
    }
    if (c && request && request->callback_first_iteration) {
        const char *detail = c->refusal_detail;
        int status = c->refusal, body = 0;
        if (!status)
            status = check_headers(connection, version, &detail, &body, &c->chunked);
        c->draining = status == 413 && !c->chunked && !expects_continue(connection) &&
                      declared_length(connection) <= DRAIN_FACTOR * G.cfg.max_body;
        atomic_store(&c->body_bytes, 0);
        if (!advance(c, 1u << IDLE | 1u << HEADERS, c->draining ? BODY : status || !body ? BUSY : BODY, now_us()))
            return MHD_NO; /* the guard closed it meanwhile */
        if (c->draining)
            return drop(upload_data_size, c);
        if (status)
            return refuse(connection, status, detail, method);
    } else if (c && *upload_data_size > 0) {
        uint64_t bytes = atomic_fetch_add(&c->body_bytes, *upload_data_size) + *upload_data_size;
        if (state_of(atomic_load(&c->word)) == CLOSING)
            return MHD_NO;
        if (c->chunked && bytes > G.cfg.max_body) {
            /* A chunked body announces no length; past the limit it is cut
             * off here rather than read to its end (nothing can be answered
             * in the middle of a body). */
            pthread_mutex_lock(&G.lock);
            close_from(c, BODY);
            pthread_mutex_unlock(&G.lock);
            char request_id[65];
            api_request_id(request_id, sizeof request_id,
                           MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Request-Id"));
            log_refusal(413, method, "A chunked body grew past the body limit; the connection was closed.", request_id);
            return MHD_NO;
        }
    } else if (c && !advance(c, 1u << BODY | 1u << BUSY, BUSY, now_us())) {
        return MHD_NO;
    }
    return G.upstream(G.upstream_cls, connection, url, method, version, upload_data, upload_data_size, con_cls);
}

void api_guard_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    conn *c = conn_of(connection);
    if (c) {
        atomic_fetch_add(&c->completed, 1);
        advance(c, 1u << HEADERS | 1u << BODY | 1u << BUSY, IDLE, now_us());
    }
    mhd_request_completed(cls, connection, con_cls, toe);
}

/* Why this function exists: ulfius starts libmicrohttpd with its own access
 * handler, which is static in libulfius, and every check above must run
 * before it (and before libmicrohttpd reads a body). The executable's
 * definition of MHD_start_daemon takes precedence over libmicrohttpd's for
 * every caller, libulfius included (ELF symbol interposition; libulfius is
 * not linked with -Bsymbolic), so ulfius_start_framework_with_mhd_options()
 * lands here: we keep ulfius's handler and its argument, and start the daemon
 * with libmicrohttpd's MHD_start_daemon_va() and guard_access() in front. */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
    G.upstream = dh;
    G.upstream_cls = dh_cls;
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *daemon = MHD_start_daemon_va(flags, port, apc, apc_cls, guard_access, NULL, ap);
    va_end(ap);
    return daemon;
}

/* libmicrohttpd's own messages (MHD_OPTION_EXTERNAL_LOGGER), as JSON log
 * lines like every other. */
void api_guard_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    message[strcspn(message, "\n")] = '\0';
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "level", "warn");
    crm_log_string(&line, "msg", "libmicrohttpd");
    crm_log_string(&line, "detail", message);
    crm_log_write(&line, stderr);
}

/* ---- the janitor -------------------------------------------------------- */

static uint64_t bytes_received(int fd)
{
    struct tcp_info info;
    socklen_t size = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0 || size < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
        return 0;
    return info.tcpi_bytes_received;
}

static void expire(conn *c, int from, const char *detail)
{
    if (!close_from(c, from))
        return;
    send_raw(c->fd, 408, detail, NULL);
    shutdown(c->fd, SHUT_RDWR);
    atomic_fetch_add(&G.timed_out, 1);
}

/* One look at every connection. Table lock held. */
static void sweep(int64_t now)
{
    const int64_t header_us = (int64_t)G.cfg.header_timeout * 1000000;
    for (conn *c = G.head; c; c = c->next) {
        uint64_t word = atomic_load(&c->word);
        int state = state_of(word);
        int64_t since = since_of(word);
        if (state == IDLE) {
            /* A request begins with its first byte, not with its complete
             * request line: bytes received while idle (a request line sent
             * a byte at a time) start its header deadline. Seen at two
             * looks in a row, so the tail of the request just answered
             * never counts. */
            unsigned completed = atomic_load(&c->completed);
            uint64_t bytes = bytes_received(c->fd);
            if (c->seen_idle && completed == c->seen_completed && bytes > c->seen_bytes) {
                advance(c, 1u << IDLE, HEADERS, now);
            }
            c->seen_idle = 1, c->seen_completed = completed, c->seen_bytes = bytes;
            continue;
        }
        c->seen_idle = 0;
        if (state == HEADERS && now - since > header_us)
            expire(c, HEADERS, G.header_detail);
        else if (state == BODY &&
                 now - since > header_us + (int64_t)(atomic_load(&c->body_bytes) * 1000000 / (uint64_t)G.cfg.body_min_rate))
            expire(c, BODY, G.body_detail);
    }
}

/* One line a second at most about what the caps did, rather than one per connection. */
static void report(void)
{
    unsigned long now[3] = {atomic_load(&G.evicted), atomic_load(&G.refused), atomic_load(&G.timed_out)};
    if (now[0] == G.reported[0] && now[1] == G.reported[1] && now[2] == G.reported[2])
        return;
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "level", "warn");
    crm_log_string(&line, "msg", "connections closed by the guard");
    crm_log_number(&line, "idle_closed_for_new", (double)(now[0] - G.reported[0]), 0);
    crm_log_number(&line, "new_refused", (double)(now[1] - G.reported[1]), 0);
    crm_log_number(&line, "too_slow", (double)(now[2] - G.reported[2]), 0);
    pthread_mutex_lock(&G.lock);
    crm_log_number(&line, "open", (double)G.open, 0);
    pthread_mutex_unlock(&G.lock);
    crm_log_write(&line, stderr);
    for (int i = 0; i < 3; i++)
        G.reported[i] = now[i];
}

static void *janitor(void *arg)
{
    pthread_mutex_lock(&G.lock);
    while (!G.stop) {
        sweep(now_us());
        pthread_mutex_unlock(&G.lock);
        report();
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += JANITOR_TICK_SECONDS;
        pthread_mutex_lock(&G.lock);
        while (!G.stop && pthread_cond_timedwait(&G.wake, &G.lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&G.lock);
    return NULL;
}

int api_guard_start(const api_guard_config *cfg)
{
    G.cfg = *cfg;
    /* Room for every connection the caps allow: the soft limit of open files
     * raised to the hard one. */
    struct rlimit files;
    rlim_t need = (rlim_t)cfg->max_connections + RESERVED_FILES + (rlim_t)cfg->threads;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY && files.rlim_cur < need) {
        fprintf(stderr,
                "serve: CRM_MAX_CONNECTIONS=%ld needs %llu open files, but this process may open only %llu "
                "(ulimit -n): lower the setting or raise the limit.\n",
                cfg->max_connections, (unsigned long long)need, (unsigned long long)files.rlim_cur);
        return -1;
    }
    snprintf(G.header_detail, sizeof G.header_detail, "The request's header block did not arrive within %ld s.",
             cfg->header_timeout);
    snprintf(G.body_detail, sizeof G.body_detail, "The request's body arrived slower than %ld bytes per second.",
             cfg->body_min_rate);
    crm_capacity_set_arrival(request_arrival);
    G.stop = 0;
    if (pthread_create(&G.janitor, NULL, janitor, NULL) != 0) {
        fprintf(stderr, "serve: cannot start the connection janitor\n");
        return -1;
    }
    G.started = 1;
    return 0;
}

void api_guard_stop(void)
{
    if (!G.started)
        return;
    pthread_mutex_lock(&G.lock);
    G.stop = 1;
    pthread_cond_signal(&G.wake);
    pthread_mutex_unlock(&G.lock);
    pthread_join(G.janitor, NULL);
    G.started = 0;
    for (size_t b = 0; b < PEER_BUCKETS; b++)
        while (G.peers[b]) {
            peer *p = G.peers[b];
            G.peers[b] = p->next;
            free(p);
        }
}

unsigned api_guard_mhd_connection_limit(void)
{
    /* libmicrohttpd splits its limit among its worker threads, and a client
     * may land all its connections on one: each worker's share is our whole
     * cap, so that the caps above, not libmicrohttpd, decide. */
    return (unsigned)((G.cfg.max_connections + 16) * G.cfg.threads);
}
