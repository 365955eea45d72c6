/* resource.c: what every resource module shares: documents, pages, the list
 * runner and the write protocol with its table of refusals. */
#include "crm/resource.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <assert.h>
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
    if (page->cursor && crm_cursor_decode(page->cursor, page->after_ts, page->after_id) < 0)
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

const char *crm_query_param(const crm_query *query, const char *name)
{
    return query && query->param ? crm_nonempty(query->param(query->source, name)) : NULL;
}

int crm_run_list_values(char **out, crm_db *db, const crm_caller *who, const crm_stmt *stmt, size_t nfilters,
                        const char *const *values, const crm_page *page)
{
    enum { MAX_FILTERS = 16 };
    assert(nfilters <= MAX_FILTERS);
    const char *params[MAX_FILTERS + 6];
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    size_t n = 0;
    params[n++] = who->tenant_id;
    params[n++] = who->user_id;
    params[n++] = who->role;
    for (size_t i = 0; i < nfilters; i++)
        params[n++] = values[i];
    params[n++] = crm_nonempty(page->after_ts);
    params[n++] = crm_nonempty(page->after_id);
    params[n++] = limit;
    return crm_run_json(out, db, stmt, (int)n, params);
}

int crm_run_list(char **out, crm_db *db, const crm_caller *who, const crm_stmt *stmt, const crm_field *filters,
                 crm_query *query)
{
    const char *values[16];
    size_t n = 0;
    int rc = crm_page_prepare(&query->page);
    if (crm_validate_query(values, sizeof values / sizeof values[0], &n, query, filters) < 0)
        rc = CRM_EINVALID;
    if (rc < 0)
        return rc;
    return crm_run_list_values(out, db, who, stmt, n, values, &query->page);
}

/* Refusals every write may answer. */
static const crm_outcome COMMON[] = {
    {"missing", CRM_ENOTFOUND, NULL, "The resource does not exist or is not visible to you.", NULL},
    {"stale", CRM_ESTALE, NULL, "The resource changed since you read it; read it again and retry with its current ETag.", NULL},
    {"forbidden", CRM_EFORBIDDEN, NULL, "Your role may not do this.", NULL},
    {"state", CRM_ECONFLICT, NULL, "The resource's status does not allow this.", NULL},
    /* The same words whether or not the caller may see the record holding the
     * id: a create must not tell that an invisible record exists. */
    {"duplicate", CRM_ECONFLICT, "id",
     "This id cannot be used. Send the create without an id and one is assigned, or choose another UUID.", "duplicate"},
    {NULL, 0, NULL, NULL, NULL},
};

/* The entry for `name`: exact, or "prefix:" for a name that carries an index
 * after its colon. */
static const crm_outcome *find_outcome(const char *name, const crm_outcome *outcomes)
{
    const char *colon = strchr(name, ':');
    size_t len = colon ? (size_t)(colon - name) + 1 : strlen(name) + 1;
    for (int pass = 0; pass < 2; pass++)
        for (const crm_outcome *o = pass ? COMMON : outcomes; o && o->name; o++)
            if (colon ? strncmp(o->name, name, len) == 0 && o->name[len] == '\0' : strcmp(o->name, name) == 0)
                return o;
    return NULL;
}

/* `tmpl` with its "%s" replaced by `arg` (the refusal's argument), or as it is. */
static void fill(char *out, size_t size, const char *tmpl, const char *arg)
{
    const char *mark = strstr(tmpl, "%s");
    if (mark && arg)
        snprintf(out, size, "%.*s%s%s", (int)(mark - tmpl), tmpl, arg, mark + 2);
    else
        snprintf(out, size, "%s", tmpl);
}

/* The error of entry `o` for refusal `name`. A name may carry an argument after
 * its colon ("over:2", "state_send:accepted"): a line index or a status, which
 * fills the "%s" of the entry's field and message. */
static int outcome_error(const crm_outcome *o, const char *name)
{
    char field[96], message[512], arg[40];
    const char *colon = strchr(name, ':');
    int has_arg = colon && colon[1] && strlen(colon + 1) < sizeof arg &&
                  strspn(colon + 1, "abcdefghijklmnopqrstuvwxyz_0123456789") == strlen(colon + 1);
    if (has_arg)
        snprintf(arg, sizeof arg, "%s", colon + 1);
    fill(field, sizeof field, o->field ? o->field : "", has_arg ? arg : NULL);
    fill(message, sizeof message, o->message, has_arg ? arg : NULL);
    const char *code = o->field_code ? o->field_code : "invalid";
    if (o->field && o->code == CRM_EINVALID)
        return crm_error_field(field, code, "%s", message);
    if (o->field) {
        /* A conflict about one field: the message as the detail, and an errors entry. */
        crm_error_set(o->code, "%s: %s", field, message);
        crm_error_extra("errors", json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code, "message", message));
        return o->code;
    }
    return crm_error_set(o->code, "%s", message);
}

/* "problem:{field, code, message, status}": a refusal that names what it is about. */
static int problem_error(const char *text)
{
    json_t *p = json_loads(text, 0, NULL);
    const char *field = json_string_value(json_object_get(p, "field"));
    const char *code = json_string_value(json_object_get(p, "code"));
    const char *message = json_string_value(json_object_get(p, "message"));
    json_int_t status = json_integer_value(json_object_get(p, "status"));
    int rc;
    if (!p || !field || !message) {
        rc = crm_error_set(CRM_ERROR, "A write function answered an unreadable problem.");
    } else if (status == 409) {
        /* A conflict about one field: the problem's detail and an errors entry. */
        crm_error_set(CRM_ECONFLICT, "%s", message);
        crm_error_extra("errors", json_pack("[{s:s, s:s, s:s}]", "field", field, "code", code ? code : "invalid",
                                            "message", message));
        rc = CRM_ECONFLICT;
    } else {
        rc = crm_error_field(field, code ? code : "invalid", "%s", message);
    }
    json_decref(p);
    return rc;
}

int crm_refuse(const char *name, const crm_outcome *outcomes)
{
    if (strncmp(name, "problem:", 8) == 0)
        return problem_error(name + 8);
    const crm_outcome *o = find_outcome(name, outcomes);
    if (!o)
        return crm_error_set(CRM_ERROR, "A write function answered the unknown outcome %s.", name);
    return outcome_error(o, name);
}

int crm_run_write(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params,
                  const crm_outcome *outcomes)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, stmt, nparams, params);
    if (rc < 0) {
        /* The database's own last guards, in the words of the resource. */
        const char *state = crm_db_sqlstate(db);
        const crm_outcome *o = NULL;
        if (strcmp(state, "23505") == 0)
            o = find_outcome("duplicate", outcomes);
        else if (strcmp(state, "23514") == 0)
            o = find_outcome("check", outcomes);
        return o ? outcome_error(o, o->name) : rc;
    }
    const char *outcome = "missing";
    if (PQntuples(res) > 0)
        outcome = PQnfields(res) > 3 && !PQgetisnull(res, 0, 3) ? PQgetvalue(res, 0, 3) : "ok";
    if (strcmp(outcome, "ok") != 0)
        rc = crm_refuse(outcome, outcomes);
    else if (out)
        rc = crm_doc_take(out, res);
    PQclear(res);
    return rc;
}

int crm_run_conditional(crm_doc *out, crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params,
                        const crm_outcome *outcomes, const crm_stmt *probe, const crm_caller *who, const char *id)
{
    int rc = crm_run_write(out, db, stmt, nparams, params, outcomes);
    if (rc != CRM_ENOTFOUND)
        return rc;
    return crm_stale_or_missing(db, probe, who, id);
}

int crm_json_text(char **out, const json_t *body)
{
    *out = json_dumps(body, JSON_COMPACT);
    return *out ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}

/* Whether `probe` (tenant, id, user, role) finds the target: 1, 0, or a db error. */
static int probe_visible(crm_db *db, const crm_stmt *probe, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id, who->user_id, who->role};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, probe, 4, params);
    if (rc < 0)
        return rc;
    int visible = PQntuples(res) > 0;
    PQclear(res);
    return visible;
}

int crm_forbidden_or_missing(crm_db *db, const crm_stmt *probe, const crm_caller *who, const char *id,
                             const char *message)
{
    int visible = probe_visible(db, probe, who, id);
    if (visible < 0)
        return visible;
    if (!visible)
        return crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
    return crm_error_set(CRM_EFORBIDDEN, "%s", message);
}

int crm_stale_or_missing(crm_db *db, const crm_stmt *probe, const crm_caller *who, const char *id)
{
    int visible = probe_visible(db, probe, who, id);
    if (visible < 0)
        return visible;
    if (visible)
        return crm_error_set(CRM_ESTALE, "The resource changed since you read it; read it again and retry with its current ETag.");
    return crm_error_set(CRM_ENOTFOUND, "The resource does not exist or is not visible to you.");
}
