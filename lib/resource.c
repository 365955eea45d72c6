/* resource.c: helpers shared by every resource module: documents, pages, roles. */
#include "crm/resource.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void crm_doc_free(crm_doc *doc)
{
    if (!doc)
        return;
    free(doc->json);
    doc->json = NULL;
}

int crm_doc_take(crm_doc *out, const PGresult *res)
{
    if (PQntuples(res) < 1)
        return crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
    snprintf(out->id, sizeof out->id, "%s", PQgetvalue(res, 0, 0));
    out->version = strtol(PQgetvalue(res, 0, 1), NULL, 10);
    out->json = strdup(PQgetvalue(res, 0, 2));
    return out->json ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}

int crm_json_take(char **out, const PGresult *res)
{
    if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
        return crm_error_set(CRM_ERROR, "The database returned no document.");
    *out = strdup(PQgetvalue(res, 0, 0));
    return *out ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}

int crm_page_prepare(crm_page *page)
{
    int rc = 0;
    if (page->limit < 1 || page->limit > 200)
        rc = crm_error_field("limit", "range", "Must be between 1 and 200.");
    page->after_ts[0] = page->after_id[0] = '\0';
    if (page->cursor && *page->cursor && crm_cursor_decode(page->cursor, page->after_ts, page->after_id) < 0)
        rc = CRM_EINVALID;
    return rc;
}

int crm_run_doc(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, stmt, nparams, params);
    if (rc < 0)
        return rc;
    rc = crm_doc_take(out, res);
    PQclear(res);
    return rc;
}

int crm_run_json(char **out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, stmt, nparams, params);
    if (rc < 0)
        return rc;
    rc = crm_json_take(out, res);
    PQclear(res);
    return rc;
}

int crm_run_outcome(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params,
                    int (*refused)(const char *outcome))
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, stmt, nparams, params);
    if (rc < 0)
        return rc;
    const char *outcome = PQntuples(res) > 0 ? PQgetvalue(res, 0, 3) : "missing";
    if (strcmp(outcome, "ok") != 0)
        rc = refused(outcome);
    else if (out)
        rc = crm_doc_take(out, res);
    PQclear(res);
    return rc;
}

static const char *const ROLES[] = {"admin", "manager", "sales", "assistant", "finance", "service", NULL};

int crm_role_valid(const char *role)
{
    for (const char *const *r = ROLES; *r; r++)
        if (strcmp(*r, role) == 0)
            return 1;
    return 0;
}

int crm_role_writes_customers(const char *role)
{
    return strcmp(role, "admin") == 0 || strcmp(role, "manager") == 0 || strcmp(role, "sales") == 0;
}

int crm_stale_or_missing(crm_db *db, const crm_stmt *probe, const char *const *params)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, probe, 4, params);
    if (rc < 0)
        return rc;
    int found = PQntuples(res) > 0;
    PQclear(res);
    if (found)
        return crm_error_set(CRM_ESTALE, "The resource changed since you read it; read it again and retry with its current ETag.");
    return crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
}
