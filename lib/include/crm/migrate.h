/* migrate.h: the schema migrations compiled into the binary, applying them,
 * and checking that a database is exactly at the binary's schema. */
#ifndef CRM_MIGRATE_H
#define CRM_MIGRATE_H

#include "crm/db.h"

typedef struct crm_migration {
    const char *name; /* file name, NNNN_what.sql; NULL ends the list */
    const char *sql;
} crm_migration;

/* The migrations in order, ending with {NULL, NULL} (generated at build time). */
extern const crm_migration crm_migrations[];

/* crm_migrate_apply: apply every pending migration, each in its own transaction,
 * recording name and SHA-256. Refuses (CRM_ECONFLICT) when an applied migration's
 * checksum differs from the binary's or the database is ahead of the binary.
 * Then checks that the SQL the C code repeats (customer_visible() =
 * CRM_SQL_VISIBLE) agrees. Prints one line per applied migration to
 * `log` when non-NULL. Returns 0 or a crm error. */
int crm_migrate_apply(crm_db *db, int *applied, void (*log)(const char *name));

/* crm_migrate_check: 0 when the database has exactly the binary's migrations,
 * unedited; CRM_ECONFLICT (detail says which) when it is behind, edited, or ahead
 * (it has a migration the binary does not know: a newer binary migrated it);
 * another crm error when the database cannot be read. */
int crm_migrate_check(crm_db *db);

#endif
