/* migrate.c: forward-only schema migrations, applied in order inside
 * transactions and recorded with a checksum so edits are detected. */
#include "crm/migrate.h"
#include "crm/auth.h"
#include "crm/error.h"
#include "crm/resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const crm_stmt APPLIED = {
    "migrate_applied", "SELECT version, checksum, name FROM schema_migrations ORDER BY version"};
static const crm_stmt RECORD = {
    "migrate_record", "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1::int, $2, $3)"};

static int version_of(const char *name) { return atoi(name); }

/* A newer binary migrated the database: this one must not serve it (its SQL
 * may expect columns that are gone) nor migrate it further. */
static int ahead(const PGresult *applied, int row)
{
    return crm_error_set(CRM_ECONFLICT,
                         "The database is ahead of this binary: it has migration %s (version %s), which this "
                         "binary does not know; run a crm-server that includes it.",
                         PQgetvalue(applied, row, 2), PQgetvalue(applied, row, 0));
}

/* Compare the database's record with the binary's list, both in version order.
 * Refuses (CRM_ECONFLICT) a record that holds a version the binary does not
 * know (the database is ahead: a newer binary migrated it), lacks one that a
 * later applied version follows, or has another checksum. *pending gets the
 * index of the first migration not yet applied. */
static int compare(crm_db *db, int *pending)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &APPLIED, 0, NULL);
    if (rc < 0)
        return rc;
    int rows = PQntuples(res);
    int i = 0, row = 0;
    for (; crm_migrations[i].name && row < rows; i++, row++) {
        int version = version_of(crm_migrations[i].name), applied = atoi(PQgetvalue(res, row, 0));
        if (applied < version) {
            rc = ahead(res, row);
            goto done;
        }
        if (applied > version) {
            rc = crm_error_set(CRM_ECONFLICT, "Migration %s is missing from the database's record.",
                               crm_migrations[i].name);
            goto done;
        }
        char sum[65];
        crm_sha256_hex(sum, crm_migrations[i].sql, strlen(crm_migrations[i].sql));
        if (strcmp(PQgetvalue(res, row, 1), sum) != 0) {
            rc = crm_error_set(CRM_ECONFLICT, "Migration %s was edited after it was applied.",
                               crm_migrations[i].name);
            goto done;
        }
    }
    if (row < rows) {
        rc = ahead(res, row);
        goto done;
    }
    *pending = i;
done:
    PQclear(res);
    return rc;
}

/* SQL that C repeats: the reads inline CRM_SQL_VISIBLE (a function would be
 * run per row), the plpgsql write functions call customer_visible(), which a
 * migration defines (0009). After every migrate its body must be the macro's
 * text, whitespace aside; when they differ, migrate fails, naming both, so
 * a change of the macro cannot ship without a migration that redefines the
 * function. $1 is the expected body. */
static const crm_stmt DERIVED = {
    "migrate_derived",
    "SELECT regexp_replace(btrim(p.prosrc), '\\s+', ' ', 'g') = regexp_replace(btrim($1), '\\s+', ' ', 'g')"
    " FROM pg_proc p WHERE p.oid = to_regprocedure('customer_visible(uuid, uuid, text)')"};
static const char DERIVED_VISIBLE[] = "SELECT " CRM_SQL_VISIBLE("p_owner", "p_user", "p_role");

/* 0 when the database's customer_visible() is CRM_SQL_VISIBLE, CRM_ECONFLICT
 * when it differs or is missing, or a db error. */
static int derived_check(crm_db *db)
{
    PGresult *res = NULL;
    const char *params[] = {DERIVED_VISIBLE};
    int rc = crm_db_run(&res, db, &DERIVED, 1, params);
    if (rc < 0)
        return rc;
    if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "t") != 0)
        rc = crm_error_set(CRM_ECONFLICT, "customer_visible(uuid, uuid, text) in the database is not CRM_SQL_VISIBLE "
                                          "of lib/include/crm/resource.h; a migration must redefine it with the "
                                          "macro's text.");
    PQclear(res);
    return rc;
}

int crm_migrate_apply(crm_db *db, int *applied, void (*log)(const char *name))
{
    int rc = crm_db_exec(NULL, db,
                         "SET client_min_messages = warning;"
                         "CREATE TABLE IF NOT EXISTS schema_migrations ("
                         " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                         " applied_at timestamptz NOT NULL DEFAULT now());"
                         "GRANT SELECT ON schema_migrations TO crm_app;"
                         "SELECT pg_advisory_lock(7321001)");
    if (rc < 0)
        return rc;
    int pending = 0;
    *applied = 0;
    rc = compare(db, &pending);
    for (int i = pending; rc == 0 && crm_migrations[i].name; i++) {
        const crm_migration *m = &crm_migrations[i];
        char sum[65], version[16];
        crm_sha256_hex(sum, m->sql, strlen(m->sql));
        snprintf(version, sizeof version, "%d", version_of(m->name));
        const char *params[] = {version, m->name, sum};
        if ((rc = crm_db_begin(db)) < 0)
            break;
        if ((rc = crm_db_exec(NULL, db, m->sql)) < 0 || (rc = crm_db_run(NULL, db, &RECORD, 3, params)) < 0 ||
            (rc = crm_db_commit(db)) < 0) {
            crm_db_rollback(db);
            crm_error_set(rc, "Migration %s failed; see the log for the database's message.", m->name);
            break;
        }
        (*applied)++;
        if (log)
            log(m->name);
    }
    if (rc == 0)
        rc = derived_check(db);
    crm_db_exec(NULL, db, "SELECT pg_advisory_unlock(7321001)");
    return rc;
}

int crm_migrate_check(crm_db *db)
{
    int pending = 0;
    int rc = compare(db, &pending);
    if (rc < 0) {
        if (strcmp(crm_db_sqlstate(db), "42P01") == 0)
            return crm_error_set(CRM_ECONFLICT, "The database has no schema yet; run `crm-server migrate`.");
        return rc;
    }
    if (crm_migrations[pending].name)
        return crm_error_set(CRM_ECONFLICT, "The database is behind: migration %s is not applied; run `crm-server migrate`.",
                             crm_migrations[pending].name);
    return 0;
}
