/* db.h: the one funnel through which libcrm talks to PostgreSQL: a connection
 * per worker thread, named statements prepared once per connection, the caller
 * scoped to each transaction, SQLSTATEs mapped to crm error codes, and recovery
 * from a lost server. */
#ifndef CRM_DB_H
#define CRM_DB_H

#include <libpq-fe.h>

typedef struct crm_db crm_db;

/* Who is asking: given to the connection (crm_db_set_caller) before any
 * tenant-owned row is touched, and passed to every domain function. */
typedef struct crm_caller {
    char tenant_id[37];
    char user_id[37];
    char role[16];
} crm_caller;

/* A named SQL statement. Declare them `static const crm_stmt` next to the code
 * that owns them, each with a name of its own; the funnel prepares each once per
 * connection, in the round trip of its first use, however many there are. */
typedef struct crm_stmt {
    const char *name;
    const char *sql;
} crm_stmt;

/* crm_db_configure: the libpq conninfo every thread's connection uses. Call once
 * before serving; the string is copied. */
void crm_db_configure(const char *conninfo);

/* crm_db_thread: this thread's connection, connecting on first use. Never NULL;
 * a connection that cannot reach the server makes each call fail with
 * CRM_EUNAVAILABLE until the server is back. Owned by the thread. It serves
 * requests: its calls wait at most 10 s (crm_db_set_wait) and its plans use
 * an index wherever one serves (enable_seqscan off). */
crm_db *crm_db_thread(void);

/* crm_db_set_wait: the longest each following call on `db` waits for the
 * server, connecting included, in milliseconds (0: as long as it takes, the
 * default of crm_db_open; a worker's connection from crm_db_thread waits 10 s,
 * beyond the role's statement_timeout). A call that waits longer drops the
 * connection (the next call makes a new one) and fails with CRM_EUNAVAILABLE,
 * so a server that stopped answering cannot hold a thread. crm_db_exec is not
 * bound by it. Returns the previous wait. */
int crm_db_set_wait(crm_db *db, int ms);

/* crm_db_set_statement_timeout: each following statement run outside a
 * transaction may run at most `ms` milliseconds (statement_timeout, local to
 * the statement's own implicit transaction, sent in its pipeline: no extra
 * round trip); 0: the role's setting again. Inside a transaction it does not
 * apply. A statement that runs longer fails with CRM_EUNAVAILABLE (SQLSTATE
 * 57014) and a Retry-After. */
void crm_db_set_statement_timeout(crm_db *db, int ms);

/* crm_db_open: a connection of its own to `conninfo` (for commands such as
 * migrate). Returns 0 or CRM_EUNAVAILABLE; *out is the caller's (crm_db_close). */
int crm_db_open(crm_db **out, const char *conninfo);

/* crm_db_close: close and free a connection; accepts NULL. */
void crm_db_close(crm_db *db);

/* crm_db_set_caller: make the following statements act for `who` (tenant and
 * user; NULL or an empty tenant and user: for nobody) until the next call. Costs
 * no round trip: every transaction sets app.tenant_id and app.user_id locally
 * (set_config(..., true)) in the pipeline of its first statement, and a statement
 * outside a transaction in its own, so nothing of a caller stays on the session
 * (which pgbouncer in transaction mode shares between clients). Call it at the
 * start of every request, for nobody too. */
void crm_db_set_caller(crm_db *db, const crm_caller *who);

/* The SQLSTATE our triggers raise when a write would hang a live row off a
 * deleted customer (migrations/0010 change_child): answered as CRM_ENOTFOUND. */
#define CRM_SQLSTATE_GONE "CR404"

/* crm_db_run: execute `stmt` with `nparams` text parameters (NULL = SQL NULL),
 * for the caller of crm_db_set_caller, in one round trip. A connection found
 * broken is replaced and the statement retried once, unless a transaction had
 * reached the server (then CRM_EUNAVAILABLE until crm_db_rollback).
 * Returns 0 with *out the result (the caller's, PQclear) for tuples or commands;
 * otherwise a crm error: CRM_ECONFLICT (unique/serialization), CRM_EINVALID
 * (bad value/foreign key), CRM_EUNAVAILABLE (server gone or not answering in
 * time, statement timeout: with a Retry-After), CRM_ERROR. */
int crm_db_run(PGresult **out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params);

/* crm_db_exec: run plain SQL without parameters, possibly several statements
 * (DDL in migrations), by the simple protocol: one more round trip when a
 * transaction must be begun or the caller set first. Returns 0 or a crm error
 * like crm_db_run. *out may be NULL. */
int crm_db_exec(PGresult **out, crm_db *db, const char *sql);

/* crm_db_begin / crm_db_commit / crm_db_rollback: transaction control. begin
 * costs no round trip: BEGIN travels with the transaction's first statement.
 * commit fails (CRM_ERROR) when the server rolled back instead because a
 * statement had failed. rollback never fails (a lost connection has no
 * transaction left). */
int crm_db_begin(crm_db *db);
int crm_db_commit(crm_db *db);
void crm_db_rollback(crm_db *db);

/* crm_db_sqlstate: the SQLSTATE of the last failed call on this connection ("" if none). */
const char *crm_db_sqlstate(const crm_db *db);

/* crm_db_reconnects: how many times connections were re-established (for /metrics). */
unsigned long crm_db_reconnects(void);

/* crm_db_value: text of row `row`, column `col` of a result, or NULL if SQL NULL. Borrowed. */
const char *crm_db_value(const PGresult *res, int row, int col);

#endif
