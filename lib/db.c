/* db.c: the libpq funnel. Every statement of libcrm goes through crm_db_run or
 * crm_db_exec, which check status, capture the SQLSTATE, log and map errors. */
#include "crm/db.h"
#include "crm/error.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PREPARED_MIN 256 /* initial size of a connection's set of prepared statements */

struct crm_db {
    PGconn *conn;
    char *conninfo;
    /* The statements prepared on this connection: an open-addressing set of
     * pointers, its size a power of two, never more than half full. */
    const crm_stmt **prepared;
    size_t prepared_size, prepared_count;
    char tenant_id[37];  /* what the session is known to have set */
    char user_id[37];
    char want_tenant[37]; /* what the caller asked for, re-applied after a reconnect */
    char want_user[37];
    char sqlstate[6];
    time_t last_attempt; /* last (re)connect attempt, to try at most once a second */
};

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

static void forget_session(crm_db *db)
{
    memset(db->prepared, 0, db->prepared_size * sizeof *db->prepared);
    db->prepared_count = 0;
    db->tenant_id[0] = '\0';
    db->user_id[0] = '\0';
}

/* One JSON log line for a failed database call; the message is escaped. */
static void log_failure(const char *level, const char *what, const char *stmt, const char *state,
                        const char *message)
{
    char line[1024];
    size_t n = (size_t)snprintf(line, sizeof line,
                                "{\"level\":\"%s\",\"msg\":\"%s\",\"statement\":\"%s\",\"sqlstate\":\"%s\",\"detail\":\"",
                                level, what, stmt, state);
    for (const char *p = message; p && *p && n + 8 < sizeof line; p++) {
        if (*p == '"' || *p == '\\')
            line[n++] = '\\';
        line[n++] = (*p == '\n' || *p == '\t') ? ' ' : *p;
    }
    snprintf(line + n, sizeof line - n, "\"}\n");
    fputs(line, stderr);
}

/* Make sure the connection is usable; reconnect (at most once a second) when it
 * is not. Returns 0 or CRM_EUNAVAILABLE. */
static int ensure_connected(crm_db *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
        return 0;
    time_t now = time(NULL);
    if (db->conn && now == db->last_attempt) {
        crm_error_retry_after(1);
        return crm_error_set(CRM_EUNAVAILABLE, "The database is unavailable.");
    }
    db->last_attempt = now;
    forget_session(db);
    if (db->conn) {
        PQreset(db->conn);
        atomic_fetch_add(&reconnects, 1);
    } else {
        db->conn = PQconnectdb(db->conninfo);
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        log_failure("error", "database connection failed", "connect", "", PQerrorMessage(db->conn));
        crm_error_retry_after(1);
        return crm_error_set(CRM_EUNAVAILABLE, "The database is unavailable.");
    }
    /* Our statements take their tenant, caller and filters as parameters; a
     * custom plan per execution costs more to plan than to run (measured with
     * pgbench: a visibility-checked lookup ran at 9k/s with custom plans and
     * 19k/s with a generic one), so plan each statement once. */
    PGresult *res = PQexec(db->conn, "SET plan_cache_mode = force_generic_plan");
    PQclear(res);
    if (db->want_tenant[0] || db->want_user[0]) {
        const char *params[] = {db->want_tenant, db->want_user};
        res = PQexecParams(db->conn,
                           "SELECT set_config('app.tenant_id', $1, false), set_config('app.user_id', $2, false)", 2,
                           NULL, params, NULL, NULL, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK) {
            memcpy(db->tenant_id, db->want_tenant, sizeof db->tenant_id);
            memcpy(db->user_id, db->want_user, sizeof db->user_id);
        }
        PQclear(res);
    }
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
        pthread_setspecific(thread_key, db);
    }
    return db;
}

int crm_db_open(crm_db **out, const char *conninfo)
{
    crm_db *db = db_new(conninfo);
    if (!db)
        return crm_error_set(CRM_ERROR, "Out of memory.");
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
    if (PQstatus(db->conn) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0) {
        code = CRM_EUNAVAILABLE;
        detail = "The database is unavailable.";
        crm_error_retry_after(1);
    } else if (strcmp(state, "23505") == 0 || strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) {
        code = CRM_ECONFLICT;
        detail = "The request conflicts with the current state of the data.";
    } else if (strcmp(state, "23503") == 0 || strcmp(state, "23514") == 0 || strncmp(state, "22", 2) == 0) {
        code = CRM_EINVALID;
        detail = "A value is out of range or refers to something that does not exist.";
    } else if (strcmp(state, "57014") == 0) {
        detail = "The database took too long to answer.";
    }
    /* Never hand SQL text to clients; it goes to the log only. */
    log_failure(code == CRM_ERROR || code == CRM_EUNAVAILABLE ? "error" : "info", "sql failed", what,
                db->sqlstate, res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn));
    if (res)
        PQclear(res);
    return crm_error_set(code, "%s", detail);
}

static int result_ok(PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
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

static int ensure_prepared(crm_db *db, const crm_stmt *stmt)
{
    if (is_prepared(db, stmt))
        return 0;
    int rc = reserve_prepared(db, 1);
    if (rc < 0)
        return rc;
    PGresult *res = PQprepare(db->conn, stmt->name, stmt->sql, 0, NULL);
    if (!res || !result_ok(res))
        return result_error(db, res, stmt->name);
    PQclear(res);
    add_prepared(db, stmt);
    return 0;
}

/* Run `stmt` (prepared) or `sql` (plain) once. Returns the result or NULL with
 * the crm error recorded. */
static PGresult *execute_once(crm_db *db, const crm_stmt *stmt, const char *sql, int nparams,
                              const char *const *params)
{
    if (stmt && ensure_prepared(db, stmt) < 0)
        return NULL;
    PGresult *res = stmt ? PQexecPrepared(db->conn, stmt->name, nparams, params, NULL, NULL, 0) : PQexec(db->conn, sql);
    if (res && result_ok(res)) {
        db->sqlstate[0] = '\0';
        return res;
    }
    result_error(db, res, stmt ? stmt->name : "exec");
    return NULL;
}

/* The funnel. A connection the server dropped while it sat idle (the database
 * restarted) is only noticed on its next use; when no transaction was open,
 * nothing is lost by reconnecting and running the statement once more. */
static int execute(PGresult **out, crm_db *db, const crm_stmt *stmt, const char *sql, int nparams,
                   const char *const *params)
{
    int rc = ensure_connected(db);
    if (rc < 0)
        return rc;
    int was_idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
    PGresult *res = execute_once(db, stmt, sql, nparams, params);
    if (!res && was_idle && PQstatus(db->conn) == CONNECTION_BAD) {
        db->last_attempt = 0;
        if ((rc = ensure_connected(db)) < 0)
            return rc;
        res = execute_once(db, stmt, sql, nparams, params);
    }
    if (!res)
        return crm_error_last()->code;
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

static const crm_stmt SET_CALLER = {
    "db_set_caller",
    "SELECT set_config('app.tenant_id', $1, false), set_config('app.user_id', $2, false)",
};

int crm_db_set_caller(crm_db *db, const crm_caller *who)
{
    int rc = ensure_connected(db);
    if (rc < 0)
        return rc;
    /* Session settings made inside a transaction vanish on rollback, so only
     * trust the cache when no transaction is open. */
    int idle = PQtransactionStatus(db->conn) == PQTRANS_IDLE;
    memcpy(db->want_tenant, who->tenant_id, sizeof db->want_tenant);
    memcpy(db->want_user, who->user_id, sizeof db->want_user);
    if (idle && strcmp(db->tenant_id, who->tenant_id) == 0 && strcmp(db->user_id, who->user_id) == 0)
        return 0;
    const char *params[] = {who->tenant_id, who->user_id};
    rc = crm_db_run(NULL, db, &SET_CALLER, 2, params);
    if (rc < 0)
        return rc;
    if (idle) {
        memcpy(db->tenant_id, who->tenant_id, sizeof db->tenant_id);
        memcpy(db->user_id, who->user_id, sizeof db->user_id);
    } else {
        /* Set inside a transaction: it survives a commit but not a rollback,
         * so the session's value is unknown until the next idle set. */
        db->tenant_id[0] = db->user_id[0] = '\1';
        db->tenant_id[1] = db->user_id[1] = '\0';
    }
    return 0;
}

int crm_db_begin(crm_db *db) { return crm_db_exec(NULL, db, "BEGIN"); }

int crm_db_commit(crm_db *db) { return crm_db_exec(NULL, db, "COMMIT"); }

void crm_db_rollback(crm_db *db)
{
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK &&
        PQtransactionStatus(db->conn) != PQTRANS_IDLE) {
        PGresult *res = PQexec(db->conn, "ROLLBACK");
        PQclear(res);
    }
}
