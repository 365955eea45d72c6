/* test_db.c: the database funnel against the real, migrated test PostgreSQL.
 * Not run by ctest (that runs before PostgreSQL starts) but by scripts/test.sh,
 * with CRM_TEST_DB the application role's conninfo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crm/db.h"
#include "crm/error.h"

static const char *app_conninfo;

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
    free(stmts);
    free(names);
    free(sqls);
}

int main(void)
{
    app_conninfo = getenv("CRM_TEST_DB");
    if (!app_conninfo) {
        fprintf(stderr, "test_db: set CRM_TEST_DB to the conninfo of a migrated database\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_db_prepares_any_number_of_statements, connect_app, disconnect),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    crm_error_clear();
    return failed;
}
