/* db.c: the libpq funnel. Every statement of libcrm goes through crm_db_run or
 * crm_db_exec, which check status, capture the SQLSTATE, log and map errors. */
#include "crm/db.h"
#include "crm/error.h"
#include "crm/log.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PREPARED_MIN 256 /* initial size of a connection's set of prepared statements */
/* How long a worker's call waits for the database before it gives up, drops the
 * connection and answers 503: longer than the role's statement_timeout (5 s),
 * so only a server that stopped answering (frozen, or cut off without a reset)
 * reaches it, and the worker is free again instead of hanging with it. */
#define WORKER_WAIT_MS 10000

/* The transaction crm_db_begin asked for: begun lazily, so BEGIN travels with
 * the transaction's first statement. */
enum { TX_NONE, TX_PENDING, TX_OPEN };

struct crm_db {
    PGconn *conn;
    char *conninfo;
    /* The statements prepared on this connection: an open-addressing set of
     * pointers, its size a power of two, never more than half full. */
    const crm_stmt **prepared;
    size_t prepared_size, prepared_count;
    char tenant_id[37]; /* whom the next statements act for ("" = nobody) */
    char user_id[37];
    int tx;             /* TX_* */
    int tx_has_caller;  /* the open transaction carries tenant_id/user_id already */
    char sqlstate[6];
    int worker;           /* a worker's connection (crm_db_thread), serving requests */
    int wait_ms;          /* the longest a call waits for the server (0 = as long as it takes) */
    int64_t deadline_ms;  /* of the call under way (0 = none), on the monotonic clock */
    char statement_timeout[16]; /* sent with each statement ("" = the role's) */
    time_t last_attempt; /* last failed (re)connect attempt, to retry at most once a second */
    int connected_before; /* for counting reconnects */
};

static const crm_stmt BEGIN_TX = {"db_begin", "BEGIN"};
static const crm_stmt COMMIT_TX = {"db_commit", "COMMIT"};
/* Local to the transaction (SET LOCAL): nothing of one caller outlives it on a
 * connection that pgbouncer may hand to another client next. */
static const crm_stmt SET_CALLER = {
    "db_set_caller",
    "SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true)",
};
/* Local to the statement's implicit transaction, like the caller. */
static const crm_stmt SET_TIMEOUT = {"db_set_timeout", "SELECT set_config('statement_timeout', $1, true)"};

static char *shared_conninfo;
static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;
static atomic_ulong reconnects;

void crm_db_configure(const char *conninfo)
{
    free(shared_conninfo);
    shared_conninfo = strdup(conninfo ? conninfo : "");
}

unsigned long crm_db_reconnects(void) { return atomic_load(&reconnects); }

const char *crm_db_sqlstate(const crm_db *db) { return db->sqlstate; }

const char *crm_db_value(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    return PQgetvalue(res, row, col);
}

/* Fibonacci hashing of the address: statements are neighbouring static objects. */
static size_t stmt_hash(const crm_stmt *stmt)
{
    return (size_t)(((uint64_t)(uintptr_t)stmt * 0x9E3779B97F4A7C15u) >> 32);
}

static int is_prepared(const crm_db *db, const crm_stmt *stmt)
{
    size_t mask = db->prepared_size - 1;
    for (size_t i = stmt_hash(stmt) & mask; db->prepared[i]; i = (i + 1) & mask)
        if (db->prepared[i] == stmt)
            return 1;
    return 0;
}

static void add_prepared(crm_db *db, const crm_stmt *stmt)
{
    size_t mask = db->prepared_size - 1, i = stmt_hash(stmt) & mask;
    while (db->prepared[i] && db->prepared[i] != stmt)
        i = (i + 1) & mask;
    if (!db->prepared[i]) {
        assert(2 * (db->prepared_count + 1) <= db->prepared_size); /* reserve_prepared ran first */
        db->prepared[i] = stmt;
        db->prepared_count++;
    }
}

/* Make room for `more` statements, so that recording one the server has just
 * prepared cannot fail. Returns 0 or CRM_ERROR (out of memory). */
static int reserve_prepared(crm_db *db, size_t more)
{
    size_t size = db->prepared_size;
    while (2 * (db->prepared_count + more) > size)
        size *= 2;
    if (size == db->prepared_size)
        return 0;
    const crm_stmt **old = db->prepared;
    size_t old_size = db->prepared_size;
    db->prepared = calloc(size, sizeof *db->prepared);
    if (!db->prepared) {
        db->prepared = old;
        return crm_error_set(CRM_ERROR, "Out of memory.");
    }
    db->prepared_size = size;
    db->prepared_count = 0;
    for (size_t i = 0; i < old_size; i++)
        if (old[i])
            add_prepared(db, old[i]);
    free(old);
    return 0;
}

/* One JSON log line for a failed database call. */
static void log_failure(const char *level, const char *what, const char *stmt, const char *state,
                        const char *message)
{
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "level", level);
    crm_log_string(&line, "msg", what);
    crm_log_string(&line, "statement", stmt);
    crm_log_string(&line, "sqlstate", state);
    crm_log_string(&line, "detail", message);
    crm_log_write(&line, stderr);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start the clock of one call: it may wait for the server until its deadline. */
static void start_call(crm_db *db) { db->deadline_ms = db->wait_ms > 0 ? monotonic_ms() + db->wait_ms : 0; }

static int deadline_passed(const crm_db *db) { return db->deadline_ms && monotonic_ms() >= db->deadline_ms; }

/* Wait until `fd` is ready for `events` or the call's deadline passes: 1 ready
 * (or failed: libpq finds out and says), 0 past the deadline. */
static int wait_socket(const crm_db *db, int fd, short events)
{
    for (;;) {
        int timeout = -1;
        if (db->deadline_ms) {
            int64_t left = db->deadline_ms - monotonic_ms();
            if (left <= 0)
                return 0;
            timeout = left > 60000 ? 60000 : (int)left;
        }
        struct pollfd ready = {fd, events, 0};
        int n = poll(&ready, 1, timeout);
        if (n > 0 || (n < 0 && errno != EINTR))
            return 1;
        if (n == 0 && !db->deadline_ms)
            continue;
    }
}

static int unavailable(const char *detail)
{
    crm_error_retry_after(1);
    return crm_error_set(CRM_EUNAVAILABLE, "%s", detail);
}

static int connection_lost(const crm_db *db) { return !db->conn || PQstatus(db->conn) != CONNECTION_OK; }

/* Close a connection whose protocol state is unknown; the next call makes a new one. */
static void drop_connection(crm_db *db)
{
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
}

static int result_error(crm_db *db, PGresult *res, const char *what);

/* The server did not answer within the call's deadline: what it did is
 * unknown, so the connection goes (a new one is made on the next call). */
static int timed_out(crm_db *db, const char *what)
{
    char detail[96];
    snprintf(detail, sizeof detail, "no answer within %d ms", db->wait_ms);
    log_failure("error", "database did not answer in time", what, "", detail);
    drop_connection(db);
    db->last_attempt = time(NULL);
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", "");
    crm_error_retry_after(1);
    return crm_error_set(CRM_EUNAVAILABLE, "The database did not answer within %d ms.", db->wait_ms);
}

/* Block until the next PQgetResult can return without waiting past the
 * call's deadline. Returns 0, or CRM_EUNAVAILABLE when the deadline passed
 * (the connection is dropped). Without a deadline PQgetResult simply waits. */
static int await_result(crm_db *db, const char *what)
{
    if (!db->deadline_ms)
        return 0;
    while (PQisBusy(db->conn)) {
        if (!wait_socket(db, PQsocket(db->conn), POLLIN))
            return timed_out(db, what);
        if (!PQconsumeInput(db->conn))
            return 0; /* the connection failed: PQgetResult says how */
    }
    return 0;
}

/* A new connection, made without waiting past the call's deadline (a frozen
 * server accepts the socket and then never answers). Returns the connection,
 * bad or good, or NULL past the deadline. */
static PGconn *connect_within_deadline(crm_db *db)
{
    PGconn *conn = PQconnectStart(db->conninfo);
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (conn && PQstatus(conn) != CONNECTION_BAD && state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED) {
        if (!wait_socket(db, PQsocket(conn), state == PGRES_POLLING_READING ? POLLIN : POLLOUT)) {
            PQfinish(conn);
            return NULL;
        }
        state = PQconnectPoll(conn);
    }
    return conn;
}

/* The session settings every connection gets, within the call's deadline.
 * Returns 0 or a crm error (the connection is dropped). */
static int set_up_session(crm_db *db)
{
    /* Our statements take their tenant, caller and filters as parameters; a
     * custom plan per execution costs more to plan than to run (measured with
     * pgbench: a visibility-checked lookup ran at 9k/s with custom plans and
     * 19k/s with a generic one), so plan each statement once. A generic plan
     * cannot know how many rows the tenant has and estimates the cost of any
     * tenant's share of a big table; with JIT on, that estimate made PostgreSQL
     * compile every execution of a list (600 ms for a query that runs in
     * 0.2 ms) as soon as one tenant had 60,000 customers: no JIT for these
     * short statements. For the same reason a generic plan may think a
     * sequential scan cheaper than the tenant's index (the audit log's was
     * planned so next to a tenant of 30,000 rows); a sequential scan reads
     * every tenant's rows, which no request of one tenant may do, so a
     * worker's plans have none where an index can serve. */
    const char *setup = db->worker ? "SET plan_cache_mode = force_generic_plan; SET jit = off; SET enable_seqscan = off"
                                   : "SET plan_cache_mode = force_generic_plan; SET jit = off";
    if (!PQsendQuery(db->conn, setup)) {
        int rc = result_error(db, NULL, "connect");
        drop_connection(db);
        return rc;
    }
    int failed = 0;
    for (;;) {
        if (await_result(db, "connect") < 0)
            return CRM_EUNAVAILABLE;
        PGresult *res = PQgetResult(db->conn);
        if (!res)
            break;
        if (!failed && PQresultStatus(res) != PGRES_COMMAND_OK) {
            failed = 1;
            result_error(db, res, "connect");
        } else {
            PQclear(res);
        }
    }
    if (failed) {
        drop_connection(db);
        return crm_error_last()->code;
    }
    return 0;
}

/* Make sure the connection is usable; reconnect when it is not (failed attempts
 * are repeated at most once a second). A transaction that had reached the server
 * died with its connection: nothing runs on a new one until the caller has rolled
 * back. Returns 0 or CRM_EUNAVAILABLE. */
static int ensure_connected(crm_db *db)
{
    if (!connection_lost(db))
        return 0;
    if (db->tx == TX_OPEN)
        return unavailable("The connection to the database was lost during the transaction.");
    time_t now = time(NULL);
    if (db->conn && now == db->last_attempt)
        return unavailable("The database is unavailable.");
    /* A new connection has prepared nothing. PQfinish + connect rather than
     * PQreset: no state of the old connection (an interrupted pipeline) survives. */
    memset(db->prepared, 0, db->prepared_size * sizeof *db->prepared);
    db->prepared_count = 0;
    drop_connection(db);
    db->conn = connect_within_deadline(db);
    if (!db->conn) {
        db->last_attempt = now;
        char detail[64];
        snprintf(detail, sizeof detail, "no answer within %d ms", db->wait_ms);
        log_failure("error", "database connection failed", "connect", "", detail);
        return unavailable("The database is unavailable.");
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        db->last_attempt = now;
        log_failure("error", "database connection failed", "connect", "", PQerrorMessage(db->conn));
        return unavailable("The database is unavailable.");
    }
    if (set_up_session(db) < 0) {
        db->last_attempt = now;
        return unavailable("The database is unavailable.");
    }
    db->last_attempt = 0;
    if (db->connected_before)
        atomic_fetch_add(&reconnects, 1);
    db->connected_before = 1;
    return 0;
}

static crm_db *db_new(const char *conninfo)
{
    crm_db *db = calloc(1, sizeof *db);
    if (!db)
        return NULL;
    db->conninfo = strdup(conninfo ? conninfo : "");
    db->prepared = calloc(PREPARED_MIN, sizeof *db->prepared);
    db->prepared_size = PREPARED_MIN;
    if (!db->conninfo || !db->prepared) {
        crm_db_close(db);
        return NULL;
    }
    return db;
}

/* Each worker's connection is closed when its thread exits (the server joins
 * its workers on shutdown). */
static void close_thread_db(void *db) { crm_db_close(db); }

static void make_thread_key(void) { pthread_key_create(&thread_key, close_thread_db); }

crm_db *crm_db_thread(void)
{
    pthread_once(&thread_key_once, make_thread_key);
    crm_db *db = pthread_getspecific(thread_key);
    if (!db) {
        db = db_new(shared_conninfo);
        if (db) {
            db->worker = 1;
            db->wait_ms = WORKER_WAIT_MS;
        }
        pthread_setspecific(thread_key, db);
    }
    return db;
}

int crm_db_set_wait(crm_db *db, int ms)
{
    int previous = db->wait_ms;
    db->wait_ms = ms > 0 ? ms : 0;
    return previous;
}

void crm_db_set_statement_timeout(crm_db *db, int ms)
{
    if (ms > 0)
        snprintf(db->statement_timeout, sizeof db->statement_timeout, "%d", ms);
    else
        db->statement_timeout[0] = '\0';
}

int crm_db_open(crm_db **out, const char *conninfo)
{
    crm_db *db = db_new(conninfo);
    if (!db)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    start_call(db);
    int rc = ensure_connected(db);
    if (rc < 0) {
        crm_db_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void crm_db_close(crm_db *db)
{
    if (!db)
        return;
    if (db->conn)
        PQfinish(db->conn);
    free(db->prepared);
    free(db->conninfo);
    free(db);
}

/* Map a failed result to a crm error, keeping the SQLSTATE. Consumes res. */
static int result_error(crm_db *db, PGresult *res, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
    int code = CRM_ERROR;
    const char *detail = "The database could not complete the request.";
    if (connection_lost(db) || !state || strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
        code = CRM_EUNAVAILABLE;
        detail = "The database is unavailable.";
        crm_error_retry_after(1);
    } else if (strcmp(state, "57014") == 0) {
        /* statement_timeout (or a cancel): the database is overloaded or the
         * statement waited on a lock; nothing was done, so trying again later is right. */
        code = CRM_EUNAVAILABLE;
        detail = "The database took too long to answer; retry in a moment.";
        crm_error_retry_after(1);
    } else if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
        code = CRM_ECONFLICT;
        detail = "The request conflicts with the current state of the data.";
    } else if (strcmp(state, "23503") == 0 || strcmp(state, "23514") == 0 || strncmp(state, "22", 2) == 0) {
        code = CRM_EINVALID;
        detail = "A value is out of range or refers to something that does not exist.";
    } else if (strcmp(state, CRM_SQLSTATE_GONE) == 0) {
        /* Raised by our triggers: what the write hangs off was deleted (or merged away) meanwhile. */
        code = CRM_ENOTFOUND;
        detail = "The customer does not exist or is not visible to you.";
    }
    /* Never hand SQL text to clients; it goes to the log only. */
    log_failure(code == CRM_ERROR || code == CRM_EUNAVAILABLE ? "error" : "info", "sql failed", what,
                db->sqlstate, res ? PQresultErrorMessage(res) : db->conn ? PQerrorMessage(db->conn) : "");
    if (res)
        PQclear(res);
    return crm_error_set(code, "%s", detail);
}

static int result_ok(PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

static int has_caller(const crm_db *db) { return db->tenant_id[0] || db->user_id[0]; }

/* Whether the next statement needs the caller's settings in front of it: outside
 * a transaction every statement is a transaction of its own and needs them; inside
 * one, only until they were sent (or again after the caller changed). */
static int needs_caller(const crm_db *db) { return db->tx == TX_OPEN ? !db->tx_has_caller : has_caller(db); }

/* One statement of a pipeline with its parameters. */
typedef struct step {
    const crm_stmt *stmt;
    int nparams;
    const char *const *params;
} step;

/* One pipeline, one round trip: BEGIN while the asked-for transaction has not
 * started yet, the caller's settings when the transaction lacks them, then `stmt`
 * (when not NULL), each prepared first in the same pipeline if this connection
 * has not prepared it yet. Outside a transaction the pipeline is the statement's
 * implicit transaction: the settings end with it at the sync. Returns the result
 * of the last statement sent (the caller's, PQclear) or NULL with the crm error
 * of the first one that failed. */
static PGresult *pipeline(crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params)
{
    const char *caller[] = {db->tenant_id, db->user_id};
    const char *timeout[] = {db->statement_timeout};
    step steps[4];
    int n = 0;
    if (db->tx == TX_PENDING)
        steps[n++] = (step){&BEGIN_TX, 0, NULL};
    int with_caller = needs_caller(db);
    if (with_caller)
        steps[n++] = (step){&SET_CALLER, 2, caller};
    /* Outside a transaction only: there it ends with the statement's own. */
    if (stmt && db->statement_timeout[0] && db->tx == TX_NONE)
        steps[n++] = (step){&SET_TIMEOUT, 1, timeout};
    if (stmt)
        steps[n++] = (step){stmt, nparams, params};
    assert(n > 0);
    const char *what = steps[n - 1].stmt->name;
    if (reserve_prepared(db, (size_t)n) < 0)
        return NULL;

    struct {
        const crm_stmt *stmt;
        int prepare;
    } sent[2 * 4];
    int nsent = 0;
    int ok = PQenterPipelineMode(db->conn);
    for (int i = 0; ok && i < n; i++) {
        const crm_stmt *s = steps[i].stmt;
        if (!is_prepared(db, s) && (ok = PQsendPrepare(db->conn, s->name, s->sql, 0, NULL))) {
            sent[nsent].stmt = s;
            sent[nsent++].prepare = 1;
        }
        if (ok && (ok = PQsendQueryPrepared(db->conn, s->name, steps[i].nparams, steps[i].params, NULL, NULL, 0))) {
            sent[nsent].stmt = s;
            sent[nsent++].prepare = 0;
        }
    }
    if (ok)
        ok = PQpipelineSync(db->conn);
    if (!ok) {
        /* What reached the server is unknown: start again on a new connection. */
        result_error(db, NULL, what);
        drop_connection(db);
        return NULL;
    }

    PGresult *last = NULL;
    int failed = 0, began = 0, caller_set = 0;
    for (int k = 0; k < nsent && !connection_lost(db); k++) {
        if (await_result(db, sent[k].stmt->name) < 0) {
            failed = 1;
            break;
        }
        PGresult *res = PQgetResult(db->conn);
        if (!res) {
            /* A command without a result: libpq and the server are out of step. */
            if (!failed)
                result_error(db, NULL, sent[k].stmt->name);
            failed = 1;
            drop_connection(db);
            break;
        }
        if (failed || !result_ok(res)) {
            /* After the first failure the server skips the rest of the pipeline
             * (PGRES_PIPELINE_ABORTED); the first one says why. */
            if (failed)
                PQclear(res);
            else
                result_error(db, res, sent[k].stmt->name);
            failed = 1;
        } else if (sent[k].prepare) {
            add_prepared(db, sent[k].stmt);
            PQclear(res);
        } else {
            began |= sent[k].stmt == &BEGIN_TX;
            caller_set |= sent[k].stmt == &SET_CALLER;
            PQclear(last);
            last = res;
        }
        /* Each command's results end with a NULL. */
        for (PGresult *more;; PQclear(more)) {
            if (await_result(db, sent[k].stmt->name) < 0) {
                failed = 1;
                break;
            }
            if (!(more = PQgetResult(db->conn)))
                break;
        }
    }
    if (connection_lost(db)) {
        if (!failed)
            result_error(db, NULL, what);
        failed = 1;
    } else if (await_result(db, what) < 0) {
        failed = 1;
    } else {
        PGresult *sync = PQgetResult(db->conn);
        int synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (!synced || !PQexitPipelineMode(db->conn)) {
            if (!failed)
                result_error(db, NULL, what);
            failed = 1;
            drop_connection(db);
        }
    }
    if (began)
        db->tx = TX_OPEN;
    if (db->tx == TX_OPEN && (!with_caller || caller_set))
        db->tx_has_caller = 1;
    if (failed) {
        PQclear(last);
        return NULL;
    }
    return last;
}

/* Plain SQL goes by the simple protocol (a migration holds many statements), so
 * it cannot share a pipeline: the pending BEGIN and the caller's settings go
 * first, and outside a transaction a caller's SQL gets a transaction of its own
 * so that the settings stay local to it. */
static PGresult *exec_plain(crm_db *db, const char *sql)
{
    int own = db->tx == TX_NONE && has_caller(db);
    if (own)
        db->tx = TX_PENDING;
    if (db->tx == TX_PENDING || needs_caller(db)) {
        PGresult *res = pipeline(db, NULL, 0, NULL);
        if (!res) {
            if (own)
                crm_db_rollback(db);
            return NULL;
        }
        PQclear(res);
    }
    PGresult *res = PQexec(db->conn, sql);
    if (!res || !result_ok(res)) {
        result_error(db, res, "exec");
        res = NULL;
    }
    if (own) {
        if (res && crm_db_commit(db) < 0) {
            PQclear(res);
            res = NULL;
        }
        crm_db_rollback(db);
    }
    return res;
}

/* The funnel. A connection the server dropped while it sat idle (the database
 * restarted) is only noticed on its next use; when no transaction had reached
 * the server, nothing is lost by reconnecting and running the statement once more. */
static int execute(PGresult **out, crm_db *db, const crm_stmt *stmt, const char *sql, int nparams,
                   const char *const *params)
{
    start_call(db);
    int rc = ensure_connected(db);
    if (rc < 0)
        return rc;
    int retry = db->tx != TX_OPEN && PQtransactionStatus(db->conn) == PQTRANS_IDLE;
    PGresult *res = stmt ? pipeline(db, stmt, nparams, params) : exec_plain(db, sql);
    /* Not after the deadline: the server was not lost, it did not answer. */
    if (!res && retry && connection_lost(db) && db->tx != TX_OPEN && !deadline_passed(db)) {
        if ((rc = ensure_connected(db)) < 0)
            return rc;
        res = stmt ? pipeline(db, stmt, nparams, params) : exec_plain(db, sql);
    }
    if (!res)
        return crm_error_last()->code;
    db->sqlstate[0] = '\0';
    if (out)
        *out = res;
    else
        PQclear(res);
    return 0;
}

int crm_db_run(PGresult **out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params)
{
    return execute(out, db, stmt, NULL, nparams, params);
}

int crm_db_exec(PGresult **out, crm_db *db, const char *sql) { return execute(out, db, NULL, sql, 0, NULL); }

void crm_db_set_caller(crm_db *db, const crm_caller *who)
{
    const char *tenant = who ? who->tenant_id : "", *user = who ? who->user_id : "";
    if (strcmp(db->tenant_id, tenant) == 0 && strcmp(db->user_id, user) == 0)
        return;
    snprintf(db->tenant_id, sizeof db->tenant_id, "%s", tenant);
    snprintf(db->user_id, sizeof db->user_id, "%s", user);
    db->tx_has_caller = 0;
}

int crm_db_begin(crm_db *db)
{
    if (db->tx == TX_NONE) {
        db->tx = TX_PENDING;
        db->tx_has_caller = 0;
    }
    return 0;
}

int crm_db_commit(crm_db *db)
{
    if (db->tx != TX_OPEN) {
        db->tx = TX_NONE; /* nothing of it reached the server */
        return 0;
    }
    PGresult *res = NULL;
    int rc = execute(&res, db, &COMMIT_TX, NULL, 0, NULL);
    db->tx = TX_NONE;
    /* COMMIT of a transaction in which a statement failed answers ROLLBACK. */
    if (rc == 0 && strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = crm_error_set(CRM_ERROR, "The transaction was rolled back: a statement in it had failed.");
    PQclear(res);
    return rc;
}

void crm_db_rollback(crm_db *db)
{
    db->tx = TX_NONE;
    if (!connection_lost(db) && PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        PGresult *res = PQexec(db->conn, "ROLLBACK");
        PQclear(res);
    }
}
