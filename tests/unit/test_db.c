/* test_db.c: the database funnel against the real, migrated test PostgreSQL:
 * any number of prepared statements, the caller scoped to each transaction,
 * reconnecting only outside a transaction, and a schema ahead of the binary.
 * Not run by ctest (that runs before PostgreSQL starts) but by scripts/test.sh,
 * with CRM_TEST_DB the application role's conninfo and CRM_TEST_OWNER_DB the
 * owner's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crm/db.h"
#include "crm/error.h"
#include "crm/identity.h"
#include "crm/migrate.h"

static const char *app_conninfo, *owner_conninfo;

/* Two tenants, each with its admin, made once for every test. */
typedef struct tenant {
    char slug[64];
    crm_caller who;
} tenant;
static tenant A, B;
static const crm_caller NOBODY;

static const crm_stmt LOOKUP = {"test_db_lookup", "SELECT tenant_lookup($1)"};
static const crm_stmt ADMIN = {"test_db_admin", "SELECT id FROM users WHERE tenant_id = $1"};
/* No tenant filter: what row-level security lets through is all there is. */
static const crm_stmt USERS = {
    "test_db_users", "SELECT count(*), coalesce(min(tenant_id::text), '') FROM users"};
static const crm_stmt SETTINGS = {
    "test_db_settings",
    "SELECT coalesce(current_setting('app.tenant_id', true), ''), coalesce(current_setting('app.user_id', true), '')"};
static const crm_stmt SESSION_TENANT = {"test_db_session_tenant", "SELECT set_config('app.tenant_id', $1, false)"};
static const crm_stmt BACKEND = {"test_db_backend", "SELECT pg_backend_pid()"};
static const crm_stmt TERMINATE = {"test_db_terminate", "SELECT pg_terminate_backend($1::int)"};
static const crm_stmt ALIVE = {"test_db_alive", "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int"};
static const crm_stmt FUTURE = {
    "test_db_future",
    "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_from_a_newer_binary.sql', 'x')"};
static const crm_stmt FORGET = {"test_db_forget", "DELETE FROM schema_migrations WHERE version = $1::int"};
static const crm_stmt EDIT = {"test_db_edit", "UPDATE schema_migrations SET checksum = 'x' WHERE version = 1"};
static const crm_stmt FORGET_LAST = {
    "test_db_forget_last", "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"};

/* Run `stmt` and return a copy of row 0, column `col` (the caller frees it). */
static char *value_of(crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params, int col)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, stmt, nparams, params);
    if (rc < 0)
        fail_msg("%s failed (%d): %s", stmt->name, rc, crm_error_last()->detail);
    assert_int_equal(PQntuples(res), 1);
    char *value = strdup(PQgetvalue(res, 0, col));
    PQclear(res);
    return value;
}

/* The users row-level security shows: their count, and their tenant. */
static void assert_sees(crm_db *db, const tenant *t)
{
    PGresult *res = NULL;
    assert_int_equal(crm_db_run(&res, db, &USERS, 0, NULL), 0);
    assert_string_equal(PQgetvalue(res, 0, 0), t ? "1" : "0");
    assert_string_equal(PQgetvalue(res, 0, 1), t ? t->who.tenant_id : "");
    PQclear(res);
}

/* app.tenant_id and app.user_id as a statement for nobody finds them: empty. */
static void assert_settings_empty(crm_db *db)
{
    PGresult *res = NULL;
    assert_int_equal(crm_db_run(&res, db, &SETTINGS, 0, NULL), 0);
    assert_string_equal(PQgetvalue(res, 0, 0), "");
    assert_string_equal(PQgetvalue(res, 0, 1), "");
    PQclear(res);
}

static void make_tenant(crm_db *db, tenant *t, const char *label)
{
    snprintf(t->slug, sizeof t->slug, "db-test-%s-%ld-%ld", label, (long)getpid(), (long)time(NULL));
    char email[128];
    snprintf(email, sizeof email, "admin@%s.example", t->slug);
    int existed = 1;
    int rc = crm_identity_create_tenant(db, t->slug, t->slug, email, "a long enough password", "Admin", &existed);
    if (rc < 0)
        fail_msg("create tenant %s: %s", t->slug, crm_error_last()->detail);
    assert_int_equal(existed, 0);
    const char *slug[] = {t->slug};
    char *id = value_of(db, &LOOKUP, 1, slug, 0);
    snprintf(t->who.tenant_id, sizeof t->who.tenant_id, "%s", id);
    crm_db_set_caller(db, &t->who);
    const char *tid[] = {id};
    char *user = value_of(db, &ADMIN, 1, tid, 0);
    snprintf(t->who.user_id, sizeof t->who.user_id, "%s", user);
    snprintf(t->who.role, sizeof t->who.role, "admin");
    crm_db_set_caller(db, &NOBODY);
    free(id);
    free(user);
}

static int make_tenants(void **state)
{
    (void)state;
    crm_db *db = NULL;
    if (crm_db_open(&db, app_conninfo) < 0) {
        fprintf(stderr, "test_db: cannot connect: %s\n", crm_error_last()->detail);
        return -1;
    }
    make_tenant(db, &A, "a");
    make_tenant(db, &B, "b");
    crm_db_close(db);
    return 0;
}

/* Every test gets a connection of its own: a session nothing else touched. */
static int connect_app(void **state)
{
    crm_error_clear();
    crm_db *db = NULL;
    if (crm_db_open(&db, app_conninfo) < 0)
        return -1;
    *state = db;
    return 0;
}

static int connect_owner(void **state)
{
    crm_error_clear();
    crm_db *db = NULL;
    if (crm_db_open(&db, owner_conninfo) < 0)
        return -1;
    *state = db;
    return 0;
}

static int disconnect(void **state)
{
    crm_db_close(*state);
    crm_error_clear();
    return 0;
}

/* More statements than the 256 slots of the old fixed table, each run twice on
 * one connection: the second round finds every one still prepared. */
static void test_db_prepares_any_number_of_statements(void **state)
{
    crm_db *db = *state;
    enum { COUNT = 600 };
    crm_stmt *stmts = calloc(COUNT, sizeof *stmts);
    char (*names)[32] = calloc(COUNT, sizeof *names);
    char (*sqls)[48] = calloc(COUNT, sizeof *sqls);
    assert_non_null(stmts);
    assert_non_null(names);
    assert_non_null(sqls);
    for (int i = 0; i < COUNT; i++) {
        snprintf(names[i], sizeof names[i], "test_db_many_%d", i);
        snprintf(sqls[i], sizeof sqls[i], "SELECT $1::int + %d", i);
        stmts[i] = (crm_stmt){names[i], sqls[i]};
    }
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < COUNT; i++) {
            char param[16], want[16];
            snprintf(param, sizeof param, "%d", round);
            snprintf(want, sizeof want, "%d", i + round);
            const char *params[] = {param};
            PGresult *res = NULL;
            int rc = crm_db_run(&res, db, &stmts[i], 1, params);
            if (rc < 0)
                fail_msg("round %d, statement %d: %s (SQLSTATE %s)", round, i, crm_error_last()->detail,
                         crm_db_sqlstate(db));
            assert_string_equal(PQgetvalue(res, 0, 0), want);
            PQclear(res);
        }
    }
    /* The statements of libcrm itself are still there. */
    crm_db_set_caller(db, &A.who);
    assert_sees(db, &A);
    free(stmts);
    free(names);
    free(sqls);
}

/* Requests of different tenants one after another on one connection, in and
 * out of transactions: each sees its own tenant and none sees a previous one. */
static void test_db_caller_does_not_outlive_its_request(void **state)
{
    crm_db *db = *state;
    for (int i = 0; i < 2; i++) {
        crm_db_set_caller(db, &A.who);
        assert_sees(db, &A);
        assert_sees(db, &A); /* a second statement of the request: still A */
        crm_db_set_caller(db, &B.who);
        assert_sees(db, &B);
        crm_db_set_caller(db, &NOBODY);
        assert_sees(db, NULL);
        assert_settings_empty(db);
    }

    /* A transaction that commits, one that rolls back, one that never ran a statement. */
    crm_db_set_caller(db, &A.who);
    assert_int_equal(crm_db_begin(db), 0);
    assert_sees(db, &A);
    assert_int_equal(crm_db_commit(db), 0);
    crm_db_set_caller(db, &NOBODY);
    assert_sees(db, NULL);
    assert_settings_empty(db);

    crm_db_set_caller(db, &B.who);
    assert_int_equal(crm_db_begin(db), 0);
    assert_sees(db, &B);
    crm_db_rollback(db);
    crm_db_set_caller(db, &NOBODY);
    assert_sees(db, NULL);
    assert_settings_empty(db);

    crm_db_set_caller(db, &A.who);
    assert_int_equal(crm_db_begin(db), 0);
    assert_int_equal(crm_db_commit(db), 0);
    crm_db_set_caller(db, &NOBODY);
    assert_sees(db, NULL);

    /* Plain SQL (simple protocol, outside the pipeline) acts for the caller too. */
    PGresult *res = NULL;
    crm_db_set_caller(db, &B.who);
    assert_int_equal(crm_db_exec(&res, db, "SELECT count(*) FROM users"), 0);
    assert_string_equal(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    crm_db_set_caller(db, &NOBODY);
    assert_int_equal(crm_db_exec(&res, db, "SELECT count(*) FROM users"), 0);
    assert_string_equal(PQgetvalue(res, 0, 0), "0");
    PQclear(res);
    assert_settings_empty(db);

    /* The caller changes inside a transaction (sign-up creates the tenant it
     * then acts for): the change applies to the rest of the transaction only. */
    assert_int_equal(crm_db_begin(db), 0);
    assert_sees(db, NULL);
    crm_db_set_caller(db, &A.who);
    assert_sees(db, &A);
    crm_db_set_caller(db, &B.who);
    assert_sees(db, &B);
    crm_db_set_caller(db, &NOBODY);
    assert_sees(db, NULL);
    assert_int_equal(crm_db_commit(db), 0);
    assert_sees(db, NULL);
    assert_settings_empty(db);
}

/* Behind pgbouncer in transaction mode the server session our next transaction
 * lands on may have been used by another client, which left its own session
 * setting there (simulated here by setting it on our session): the funnel must
 * not trust what it believes the session holds, and A must still see only A. */
static void test_db_caller_does_not_trust_the_session(void **state)
{
    crm_db *db = *state;
    crm_db_set_caller(db, &A.who);
    assert_sees(db, &A);
    const char *other[] = {B.who.tenant_id};
    char *set = value_of(db, &SESSION_TENANT, 1, other, 0);
    free(set);
    crm_db_set_caller(db, &A.who); /* the next request, A's again */
    assert_sees(db, &A);
    assert_int_equal(crm_db_begin(db), 0);
    assert_sees(db, &A);
    assert_int_equal(crm_db_commit(db), 0);
}

/* The backend behind `db`, ended by the server as when it restarts. */
static void terminate(crm_db *db, crm_db *killer)
{
    char *pid = value_of(db, &BACKEND, 0, NULL, 0);
    const char *params[] = {pid};
    char *done = value_of(killer, &TERMINATE, 1, params, 0);
    assert_string_equal(done, "t");
    free(done);
    for (int i = 0;; i++) {
        char *alive = value_of(killer, &ALIVE, 1, params, 0);
        int gone = strcmp(alive, "0") == 0;
        free(alive);
        if (gone)
            break;
        assert_true(i < 500); /* 5 s */
        usleep(10000);
    }
    free(pid);
}

/* A connection lost while no transaction had reached the server is replaced
 * and the statement runs; one lost inside a transaction is never reused: every
 * statement fails until the caller rolls back. */
static void test_db_reconnects_only_outside_a_transaction(void **state)
{
    crm_db *db = *state, *killer = NULL;
    assert_int_equal(crm_db_open(&killer, app_conninfo), 0);
    crm_db_set_caller(db, &A.who);

    unsigned long before = crm_db_reconnects();
    terminate(db, killer);
    assert_sees(db, &A);
    assert_int_equal(crm_db_reconnects(), before + 1);

    /* Begun but nothing sent yet: BEGIN travels with the first statement, so
     * retrying that loses nothing. */
    terminate(db, killer);
    assert_int_equal(crm_db_begin(db), 0);
    assert_sees(db, &A);
    assert_int_equal(crm_db_commit(db), 0);

    assert_int_equal(crm_db_begin(db), 0);
    assert_sees(db, &A);
    terminate(db, killer);
    PGresult *res = NULL;
    assert_int_equal(crm_db_run(&res, db, &USERS, 0, NULL), CRM_EUNAVAILABLE);
    assert_int_equal(crm_db_run(&res, db, &USERS, 0, NULL), CRM_EUNAVAILABLE);
    assert_true(crm_error_last()->retry_after > 0);
    crm_db_rollback(db);
    assert_sees(db, &A);

    crm_db_close(killer);
}

/* The database's record against the binary's migrations: a version the binary
 * does not know (a newer binary migrated the database) is refused, like one
 * missing, edited or not yet applied; each change is rolled back. */
static void test_db_migrate_check_refuses_a_database_ahead(void **state)
{
    crm_db *db = *state;
    assert_int_equal(crm_migrate_check(db), 0);

    assert_int_equal(crm_db_begin(db), 0);
    assert_int_equal(crm_db_run(NULL, db, &FUTURE, 0, NULL), 0);
    assert_int_equal(crm_migrate_check(db), CRM_ECONFLICT);
    assert_non_null(strstr(crm_error_last()->detail, "ahead"));
    assert_non_null(strstr(crm_error_last()->detail, "9999_from_a_newer_binary.sql"));
    crm_db_rollback(db);
    assert_int_equal(crm_migrate_check(db), 0);

    static const struct {
        const crm_stmt *stmt;
        const char *version, *says;
    } CHANGES[] = {
        {&FORGET, "2", "Migration 0002_contact_records.sql is missing"},
        {&EDIT, NULL, "Migration 0001_foundation.sql was edited"},
        {&FORGET_LAST, NULL, "The database is behind"},
    };
    for (size_t i = 0; i < sizeof CHANGES / sizeof CHANGES[0]; i++) {
        const char *params[] = {CHANGES[i].version};
        assert_int_equal(crm_db_begin(db), 0);
        assert_int_equal(crm_db_run(NULL, db, CHANGES[i].stmt, CHANGES[i].version ? 1 : 0, params), 0);
        assert_int_equal(crm_migrate_check(db), CRM_ECONFLICT);
        if (!strstr(crm_error_last()->detail, CHANGES[i].says))
            fail_msg("expected \"%s\" in: %s", CHANGES[i].says, crm_error_last()->detail);
        crm_db_rollback(db);
    }
    assert_int_equal(crm_migrate_check(db), 0);
}

int main(void)
{
    app_conninfo = getenv("CRM_TEST_DB");
    owner_conninfo = getenv("CRM_TEST_OWNER_DB");
    if (!app_conninfo || !owner_conninfo) {
        fprintf(stderr, "test_db: set CRM_TEST_DB and CRM_TEST_OWNER_DB to the conninfo of a migrated database\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_db_prepares_any_number_of_statements, connect_app, disconnect),
        cmocka_unit_test_setup_teardown(test_db_caller_does_not_outlive_its_request, connect_app, disconnect),
        cmocka_unit_test_setup_teardown(test_db_caller_does_not_trust_the_session, connect_app, disconnect),
        cmocka_unit_test_setup_teardown(test_db_reconnects_only_outside_a_transaction, connect_app, disconnect),
        cmocka_unit_test_setup_teardown(test_db_migrate_check_refuses_a_database_ahead, connect_owner, disconnect),
    };
    int failed = cmocka_run_group_tests(tests, make_tenants, NULL);
    crm_error_clear();
    return failed;
}
