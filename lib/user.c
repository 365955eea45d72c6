/* user.c: users and teams of a tenant, and the admin's view of the audit trail. */
#include "crm/user.h"
#include "crm/auth.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ROLES[] = {"admin", "manager", "sales", "assistant", "finance", "service", NULL};

static const crm_field USER_FIELDS[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"email", CRM_T_EMAIL, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 254, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {"role", CRM_T_ENUM, CRM_F_REQUIRED, 0, 0, 0, ROLES},
    {"password", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {"team_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"active", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_field TEAM_FIELDS[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {"leader_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_stmt USER_GET = {
    "user_get", "SELECT u.id, u.version, user_json(u) FROM users u WHERE u.tenant_id = $1 AND u.id = $2"};
static const crm_stmt USER_PROBE = {
    "user_probe", "SELECT 1 FROM users u WHERE u.tenant_id = $1 AND u.id = $2 AND ($3 = $3 AND $4 = $4)"};
static const crm_stmt USER_LIST = {
    "user_list",
    CRM_SQL_ENVELOPE("user_json(r)", "$7")
    "SELECT u AS r, u.created_at, u.id FROM users u WHERE u.tenant_id = $1"
    " AND ($2::text IS NULL OR u.role = $2) AND ($3::uuid IS NULL OR u.team_id = $3)"
    " AND ($4::boolean IS NULL OR u.active = $4)"
    CRM_SQL_AFTER("u", "$5", "$6")
    " ORDER BY u.created_at, u.id LIMIT $7) page"};
static const crm_stmt USER_CREATE = {
    "user_create",
    "INSERT INTO users (tenant_id, id, email, name, role, team_id, password_hash)"
    " SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()), b->>'email', b->>'name', b->>'role',"
    " (b->>'team_id')::uuid, $3 FROM (SELECT $2::jsonb AS b) body"
    " RETURNING id, version, user_json(users)"};
static const crm_stmt USER_UPDATE = {
    "user_update",
    "UPDATE users u SET name = CASE WHEN p ? 'name' THEN p->>'name' ELSE u.name END,"
    " role = CASE WHEN p ? 'role' THEN p->>'role' ELSE u.role END,"
    " team_id = CASE WHEN p ? 'team_id' THEN (p->>'team_id')::uuid ELSE u.team_id END,"
    " active = CASE WHEN p ? 'active' THEN (p->>'active')::boolean ELSE u.active END,"
    " password_hash = coalesce($4, u.password_hash)"
    " FROM (SELECT $3::jsonb AS p) patch WHERE u.tenant_id = $1 AND u.id = $2 AND u.version = $5::int"
    " RETURNING u.id, u.version, user_json(u), u.active"};
static const crm_stmt USER_REVOKE = {
    "user_revoke_tokens",
    "UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL"};

static const crm_stmt TEAM_GET = {
    "team_get",
    "SELECT t.id, t.version, team_json(t) FROM teams t WHERE t.tenant_id = $1 AND t.id = $2 AND t.deleted_at IS NULL"};
static const crm_stmt TEAM_PROBE = {
    "team_probe",
    "SELECT 1 FROM teams t WHERE t.tenant_id = $1 AND t.id = $2 AND t.deleted_at IS NULL AND ($3 = $3 AND $4 = $4)"};
static const crm_stmt TEAM_LIST = {
    "team_list",
    CRM_SQL_ENVELOPE("team_json(r)", "$4")
    "SELECT t AS r, t.created_at, t.id FROM teams t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL"
    CRM_SQL_AFTER("t", "$2", "$3")
    " ORDER BY t.created_at, t.id LIMIT $4) page"};
static const crm_stmt TEAM_CREATE = {
    "team_create",
    "INSERT INTO teams (tenant_id, id, name, leader_id)"
    " SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()), b->>'name', (b->>'leader_id')::uuid"
    " FROM (SELECT $2::jsonb AS b) body RETURNING id, version, team_json(teams)"};
static const crm_stmt TEAM_UPDATE = {
    "team_update",
    "UPDATE teams t SET name = CASE WHEN p ? 'name' THEN p->>'name' ELSE t.name END,"
    " leader_id = CASE WHEN p ? 'leader_id' THEN (p->>'leader_id')::uuid ELSE t.leader_id END"
    " FROM (SELECT $3::jsonb AS p) patch"
    " WHERE t.tenant_id = $1 AND t.id = $2 AND t.deleted_at IS NULL AND t.version = $4::int"
    " RETURNING t.id, t.version, team_json(t)"};
static const crm_stmt TEAM_DELETE = {
    "team_delete",
    "UPDATE teams t SET deleted_at = now() WHERE t.tenant_id = $1 AND t.id = $2 AND t.deleted_at IS NULL"
    " AND t.version = $3::int RETURNING t.id"};
static const crm_stmt LEADER_CHECK = {
    "team_leader_check", "SELECT 1 FROM users WHERE tenant_id = $1 AND id = $2 AND role = 'manager' AND active"};
static const crm_stmt TEAM_EXISTS = {
    "team_exists", "SELECT 1 FROM teams WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL"};

static int is_admin(const crm_caller *who) { return strcmp(who->role, "admin") == 0; }

/* A row of `stmt` (tenant, id) exists → 0; else a field error on `field`. */
static int exists_or_field(crm_db *db, const crm_stmt *stmt, const char *tenant, const char *id, const char *field,
                           const char *message)
{
    const char *params[] = {tenant, id};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, stmt, 2, params);
    if (rc < 0)
        return rc;
    if (PQntuples(res) == 0)
        rc = crm_error_field(field, "invalid", "%s", message);
    PQclear(res);
    return rc;
}

int crm_user_list(char **out, crm_db *db, const crm_caller *who, const crm_user_filter *filter, crm_page *page)
{
    if (!is_admin(who) && strcmp(who->role, "manager") != 0)
        return crm_error_set(CRM_EFORBIDDEN, "Only admins and managers may list users.");
    int rc = crm_page_prepare(page);
    const char *role = filter->role && *filter->role ? filter->role : NULL;
    const char *team = filter->team_id && *filter->team_id ? filter->team_id : NULL;
    const char *active = filter->active && *filter->active ? filter->active : NULL;
    if (role && !crm_role_valid(role))
        rc = crm_error_field("role", "enum", "Must be a role.");
    if (team && !crm_valid_uuid(team))
        rc = crm_error_field("team_id", "format", "Must be a UUID.");
    if (active && strcmp(active, "true") != 0 && strcmp(active, "false") != 0)
        rc = crm_error_field("active", "format", "Must be true or false.");
    if (rc < 0)
        return rc;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    const char *params[] = {who->tenant_id, role, team, active, page->after_ts[0] ? page->after_ts : NULL,
                            page->after_id[0] ? page->after_id : NULL, limit};
    return crm_run_json(out, db, &USER_LIST, 7, params);
}

int crm_user_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    if (!is_admin(who) && strcmp(who->role, "manager") != 0 && strcmp(who->user_id, id) != 0)
        return crm_error_set(CRM_ENOTFOUND, "The user does not exist or is not visible to you.");
    const char *params[] = {who->tenant_id, id};
    return crm_run_doc(out, db, &USER_GET, 2, params);
}

static int check_password(const char *password)
{
    if (password && crm_utf8_length(password) < 10)
        return crm_error_field("password", "too_short", "Must be at least 10 characters.");
    return 0;
}

int crm_user_create(crm_doc *out, crm_db *db, const crm_caller *who, const json_t *body)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may add users.");
    int rc = crm_validate(body, USER_FIELDS, CRM_CREATE);
    const char *password = json_string_value(json_object_get(body, "password"));
    if (check_password(password) < 0)
        rc = CRM_EINVALID;
    if (rc < 0)
        return rc;
    const char *team = json_string_value(json_object_get(body, "team_id"));
    if (team && (rc = exists_or_field(db, &TEAM_EXISTS, who->tenant_id, team, "team_id", "Must be a team of your organization.")) < 0)
        return rc;
    char *hash = NULL, *text = NULL;
    if ((rc = crm_password_hash(&hash, password)) < 0)
        return rc;
    json_t *copy = json_deep_copy(body);
    json_object_del(copy, "password");
    text = copy ? json_dumps(copy, JSON_COMPACT) : NULL;
    json_decref(copy);
    if (!text) {
        free(hash);
        return crm_error_set(CRM_ERROR, "Out of memory.");
    }
    const char *params[] = {who->tenant_id, text, hash};
    rc = crm_run_doc(out, db, &USER_CREATE, 3, params);
    if (rc == CRM_ECONFLICT)
        rc = crm_error_set(CRM_ECONFLICT, "A user with this email (or id) already exists in your organization.");
    free(text);
    free(hash);
    return rc;
}

static int user_write(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version, const json_t *patch)
{
    const char *password = json_string_value(json_object_get(patch, "password"));
    const char *team = json_string_value(json_object_get(patch, "team_id"));
    int rc = 0;
    if (team && (rc = exists_or_field(db, &TEAM_EXISTS, who->tenant_id, team, "team_id", "Must be a team of your organization.")) < 0)
        return rc;
    if (strcmp(id, who->user_id) == 0 && json_is_false(json_object_get(patch, "active")))
        return crm_error_set(CRM_ECONFLICT, "You cannot deactivate yourself; ask another admin.");
    char *hash = NULL;
    if (password && (rc = crm_password_hash(&hash, password)) < 0)
        return rc;
    json_t *copy = json_deep_copy(patch);
    json_object_del(copy, "password");
    char *text = copy ? json_dumps(copy, JSON_COMPACT) : NULL;
    json_decref(copy);
    if (!text) {
        free(hash);
        return crm_error_set(CRM_ERROR, "Out of memory.");
    }
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, text, hash, ver};
    PGresult *res = NULL;
    rc = crm_db_run(&res, db, &USER_UPDATE, 5, params);
    free(text);
    free(hash);
    if (rc < 0)
        return rc;
    if (PQntuples(res) == 0) {
        const char *probe[] = {who->tenant_id, id, who->user_id, who->role};
        rc = crm_stale_or_missing(db, &USER_PROBE, probe);
    } else {
        int active = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
        if (out)
            rc = crm_doc_take(out, res);
        const char *revoke[] = {who->tenant_id, id};
        if (rc == 0 && (!active || password))
            rc = crm_db_run(NULL, db, &USER_REVOKE, 2, revoke);
    }
    PQclear(res);
    return rc;
}

int crm_user_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version, const json_t *patch)
{
    int rc = crm_validate(patch, USER_FIELDS, CRM_PATCH);
    if (rc < 0)
        return rc;
    if (!is_admin(who)) {
        /* Anyone may rename themselves or change their own password; nothing else. */
        const char *key;
        json_t *value;
        if (strcmp(id, who->user_id) != 0)
            return crm_error_set(strcmp(who->role, "manager") == 0 ? CRM_EFORBIDDEN : CRM_ENOTFOUND,
                                 "Only admins may change other users.");
        json_object_foreach((json_t *)patch, key, value)
        {
            if (strcmp(key, "name") != 0 && strcmp(key, "password") != 0)
                return crm_error_set(CRM_EFORBIDDEN, "Only admins may change %s.", key);
        }
    }
    if (check_password(json_string_value(json_object_get(patch, "password"))) < 0)
        return CRM_EINVALID;
    return user_write(out, db, who, id, version, patch);
}

int crm_user_deactivate(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may deactivate users.");
    json_t *patch = json_pack("{s:b}", "active", 0);
    if (!patch)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    crm_doc doc = {0};
    int rc = user_write(&doc, db, who, id, version, patch);
    crm_doc_free(&doc);
    json_decref(patch);
    return rc;
}

int crm_team_list(char **out, crm_db *db, const crm_caller *who, crm_page *page)
{
    int rc = crm_page_prepare(page);
    if (rc < 0)
        return rc;
    char limit[16];
    snprintf(limit, sizeof limit, "%d", page->limit);
    const char *params[] = {who->tenant_id, page->after_ts[0] ? page->after_ts : NULL,
                            page->after_id[0] ? page->after_id : NULL, limit};
    return crm_run_json(out, db, &TEAM_LIST, 4, params);
}

int crm_team_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    const char *params[] = {who->tenant_id, id};
    return crm_run_doc(out, db, &TEAM_GET, 2, params);
}

static int check_leader(crm_db *db, const crm_caller *who, const json_t *body)
{
    const char *leader = json_string_value(json_object_get(body, "leader_id"));
    if (!leader)
        return 0;
    return exists_or_field(db, &LEADER_CHECK, who->tenant_id, leader, "leader_id",
                           "Must be an active user with the manager role.");
}

int crm_team_create(crm_doc *out, crm_db *db, const crm_caller *who, const json_t *body)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may create teams.");
    int rc = crm_validate(body, TEAM_FIELDS, CRM_CREATE);
    if (rc < 0 || (rc = check_leader(db, who, body)) < 0)
        return rc;
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    const char *params[] = {who->tenant_id, text};
    rc = crm_run_doc(out, db, &TEAM_CREATE, 2, params);
    free(text);
    if (rc == CRM_ECONFLICT)
        rc = crm_error_set(CRM_ECONFLICT, "A team with this id already exists.");
    return rc;
}

int crm_team_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version, const json_t *patch)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may change teams.");
    int rc = crm_validate(patch, TEAM_FIELDS, CRM_PATCH);
    if (rc < 0 || (rc = check_leader(db, who, patch)) < 0)
        return rc;
    char *text = json_dumps(patch, JSON_COMPACT);
    if (!text)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, text, ver};
    PGresult *res = NULL;
    rc = crm_db_run(&res, db, &TEAM_UPDATE, 4, params);
    free(text);
    if (rc < 0)
        return rc;
    const char *probe[] = {who->tenant_id, id, who->user_id, who->role};
    rc = PQntuples(res) == 0 ? crm_stale_or_missing(db, &TEAM_PROBE, probe) : crm_doc_take(out, res);
    PQclear(res);
    return rc;
}

int crm_team_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may delete teams.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, ver};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &TEAM_DELETE, 3, params);
    if (rc < 0)
        return rc;
    const char *probe[] = {who->tenant_id, id, who->user_id, who->role};
    if (PQntuples(res) == 0)
        rc = crm_stale_or_missing(db, &TEAM_PROBE, probe);
    PQclear(res);
    return rc;
}

/* Audit entries page newest first by id; the cursor is the last id seen. */
static const crm_stmt AUDIT_LIST = {
    "audit_list",
    "SELECT json_build_object('data', coalesce(json_agg(audit_json(a) ORDER BY a.id DESC), '[]'),"
    " 'next_cursor', CASE WHEN count(*) = $7::int THEN min(a.id)::text END)"
    " FROM (SELECT * FROM audit_log a WHERE a.tenant_id = $1"
    " AND ($2::text IS NULL OR a.entity = $2) AND ($3::uuid IS NULL OR a.entity_id = $3)"
    " AND ($4::uuid IS NULL OR a.actor_id = $4) AND ($5::text IS NULL OR a.action = $5)"
    " AND ($6::bigint IS NULL OR a.id < $6) ORDER BY a.id DESC LIMIT $7::int) a"};

int crm_audit_list(char **out, crm_db *db, const crm_caller *who, const crm_audit_filter *filter, int limit,
                   const char *cursor)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may read the audit log.");
    int rc = 0;
    const char *entity = filter->entity && *filter->entity ? filter->entity : NULL;
    const char *entity_id = filter->entity_id && *filter->entity_id ? filter->entity_id : NULL;
    const char *actor = filter->actor_id && *filter->actor_id ? filter->actor_id : NULL;
    const char *action = filter->action && *filter->action ? filter->action : NULL;
    cursor = cursor && *cursor ? cursor : NULL;
    if (limit < 1 || limit > 200)
        rc = crm_error_field("limit", "range", "Must be between 1 and 200.");
    if (entity_id && !crm_valid_uuid(entity_id))
        rc = crm_error_field("entity_id", "format", "Must be a UUID.");
    if (actor && !crm_valid_uuid(actor))
        rc = crm_error_field("actor_id", "format", "Must be a UUID.");
    if (entity && strlen(entity) > 64)
        rc = crm_error_field("entity", "too_long", "Must be at most 64 characters.");
    if (action && strcmp(action, "create") != 0 && strcmp(action, "update") != 0 && strcmp(action, "delete") != 0 &&
        strcmp(action, "read") != 0)
        rc = crm_error_field("action", "enum", "Must be one of create, update, delete, read.");
    if (cursor && (strspn(cursor, "0123456789") != strlen(cursor) || strlen(cursor) > 18))
        rc = crm_error_field("cursor", "format", "Is not a cursor this server returned.");
    if (rc < 0)
        return rc;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {who->tenant_id, entity, entity_id, actor, action, cursor, lim};
    return crm_run_json(out, db, &AUDIT_LIST, 7, params);
}
