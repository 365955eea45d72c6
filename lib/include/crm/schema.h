/* schema.h: the registry of every resource's field tables — what a request may
 * send, what the server owns, which filters a list reads — so that the one
 * definition in C can be compared with the OpenAPI contract and the SQL
 * CHECKs (tests/api/contract_tables.test.mjs) instead of drifting from them. */
#ifndef CRM_SCHEMA_H
#define CRM_SCHEMA_H

#include "crm/validate.h"

typedef struct crm_schema {
    const char *resource;   /* as in paths: "customers" */
    const char *list_path;  /* the list route whose query parameters are `filters`, or NULL */
    const char *input;      /* the OpenAPI schema of a create body ("Name" or "Name#member" for its items) */
    const char *patch;      /* of a PATCH body, or NULL */
    const char *table;      /* the PostgreSQL table the fields are stored in */
    const crm_field *fields;
    const crm_field *filters; /* or NULL */
} crm_schema;

/* Every resource, terminated by a {NULL} entry. */
extern const crm_schema crm_schemas[];

/* crm_schema_describe: the registry as JSON ({"resources": [...]}, each field
 * with its name, type, flags, limits and choices). Returns 0 or CRM_ERROR;
 * *out is the caller's (free()). */
int crm_schema_describe(char **out);

#endif
