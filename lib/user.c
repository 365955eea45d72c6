/* user.c: users and teams of a tenant, and the admin's view of the audit trail. */
#include "crm/user.h"
#include "crm/auth.h"
#include "crm/error.h"
#include "crm/identity.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ROLES[] = {"admin", "manager", "sales", "assistant", "finance", "service", NULL};

const crm_field crm_user_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"email", CRM_T_EMAIL, CRM_F_REQUIRED | CRM_F_NOPATCH, 0, 254, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 200, 0, NULL},
    {"role", CRM_T_ENUM, CRM_F_REQUIRED, 0, 0, 0, ROLES},
    {"password", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {"team_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"active", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

const crm_field crm_team_fields[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 200, 0, NULL},
    {"leader_id", CRM_T_UUID, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const crm_stmt USER_GET = {
    "user_get", "SELECT u.id, u.version, user_json(u) FROM users u WHERE u.tenant_id = $1 AND u.id = $2"};
static const crm_stmt USER_LIST = {
    "user_list",
    CRM_SQL_ENVELOPE("user_json(r)", "$9")
    "SELECT u AS r, u.created_at, u.id FROM users u WHERE u.tenant_id = $1 AND $2::uuid IS NOT NULL"
    " AND $3::text IS NOT NULL"
    " AND ($4::text IS NULL OR u.role = $4) AND ($5::uuid IS NULL OR u.team_id = $5)"
    " AND ($6::boolean IS NULL OR u.active = $6)"
    CRM_SQL_AFTER("u", "$7", "$8")
    " ORDER BY u.created_at, u.id LIMIT $9) page"};
static const crm_stmt USER_CREATE = {
    "user_create",
    "INSERT INTO users (tenant_id, id, email, name, role, team_id, password_hash)"
    " SELECT $1, coalesce((b->>'id')::uuid, gen_random_uuid()), b->>'email', b->>'name', b->>'role',"
    " (b->>'team_id')::uuid, $3 FROM (SELECT $2::jsonb AS b) body"
    " RETURNING id, version, user_json(users)"};
/* The one way a user changes (migrations/0012): the last active admin is kept,
 * and a new password, a deactivation or another role revokes what was issued. */
static const crm_stmt USER_UPDATE = {
    "user_update", "SELECT id, version, doc, outcome FROM user_update($1, $2, $3, $4, $5)"};
static const crm_outcome USER_OUTCOMES[] = {
    {"last_admin:", CRM_ECONFLICT, "%s",
     "This user is the organization's last active admin; make another user admin first.", "last_admin"},
    {NULL, 0, NULL, NULL, NULL},
};

static const crm_stmt TEAM_GET = {
    "team_get",
    "SELECT t.id, t.version, team_json(t) FROM teams t WHERE t.tenant_id = $1 AND t.id = $2 AND t.deleted_at IS NULL"};
static const crm_stmt TEAM_PROBE = {
    "team_probe",
    "SELECT 1 FROM teams t WHERE t.tenant_id = $1 AND t.id = $2 AND t.deleted_at IS NULL AND ($3 = $3 AND $4 = $4)"};
static const crm_stmt TEAM_LIST = {
    "team_list",
    CRM_SQL_ENVELOPE("team_json(r)", "$6")
    "SELECT t AS r, t.created_at, t.id FROM teams t WHERE t.tenant_id = $1 AND t.deleted_at IS NULL"
    " AND $2::uuid IS NOT NULL AND $3::text IS NOT NULL"
    CRM_SQL_AFTER("t", "$4", "$5")
    " ORDER BY t.created_at, t.id LIMIT $6) page"};
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

static int is_admin(const crm_caller *who) { return crm_policy_allows(who->role, CRM_CAN_MANAGE_USERS); }

const crm_field crm_user_filters[] = {
    {"role", CRM_T_ENUM, 0, 0, 0, 0, crm_roles},
    {"team_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"active", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static const char *const AUDIT_ACTIONS[] = {"create", "update", "delete", "read", NULL};

/* entity: a table the audit log records, which the database knows (every table
 * with an audit_row() trigger), so a table registered later is filterable too. */
const crm_field crm_audit_filters[] = {
    {"entity", CRM_T_STRING, CRM_F_REQUIRED, 0, 64, 0, NULL},
    {"entity_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"actor_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"action", CRM_T_ENUM, 0, 0, 0, 0, AUDIT_ACTIONS},
    {"since", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {"before", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

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

int crm_user_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    if (!crm_policy_allows(who->role, CRM_CAN_READ_USERS))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins and managers may list users.");
    return crm_run_list(out, db, who, &USER_LIST, crm_user_filters, query);
}

int crm_user_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id)
{
    if (!crm_policy_allows(who->role, CRM_CAN_READ_USERS) && strcmp(who->user_id, id) != 0)
        return crm_error_set(CRM_ENOTFOUND, "The user does not exist or is not visible to you.");
    const char *params[] = {who->tenant_id, id};
    return crm_run_doc(out, db, &USER_GET, 2, params);
}

int crm_user_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    (void)query;
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may add users.");
    int rc = crm_validate(body, crm_user_fields, CRM_CREATE);
    if (rc < 0)
        return rc;
    const char *password = json_string_value(json_object_get(body, "password"));
    const char *email = json_string_value(json_object_get(body, "email"));
    if ((rc = crm_password_check("password", password, email, NULL)) < 0)
        return rc;
    const char *team = json_string_value(json_object_get(body, "team_id"));
    if (team && (rc = exists_or_field(db, &TEAM_EXISTS, who->tenant_id, team, "team_id", "Must be a team of your organization.")) < 0)
        return rc;
    char *hash = NULL, *text = NULL, *address = NULL;
    if ((rc = crm_identity_normalize_email(&address, email)) < 0)
        return rc;
    if ((rc = crm_password_hash(&hash, password)) < 0) {
        free(address);
        return rc;
    }
    /* Stored as it is looked up: the address normalised, the password only hashed. */
    json_t *copy = json_deep_copy(body);
    json_object_del(copy, "password");
    if (copy && json_object_set_new(copy, "email", json_string(address)) < 0)
        json_decref(copy), copy = NULL;
    text = copy ? json_dumps(copy, JSON_COMPACT) : NULL;
    json_decref(copy);
    free(address);
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
    rc = crm_run_write(out, db, &USER_UPDATE, 5, params, USER_OUTCOMES);
    free(text);
    free(hash);
    if (rc == 0)
        crm_identity_forget(who->tenant_id, id);
    return rc;
}

int crm_user_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version, const json_t *patch)
{
    int rc = crm_validate(patch, crm_user_fields, CRM_PATCH);
    if (rc < 0)
        return rc;
    if (!is_admin(who)) {
        /* Anyone may rename themselves; nothing else (their own password: below). */
        const char *key;
        json_t *value;
        if (strcmp(id, who->user_id) != 0)
            return crm_error_set(crm_policy_allows(who->role, CRM_CAN_READ_USERS) ? CRM_EFORBIDDEN : CRM_ENOTFOUND,
                                 "Only admins may change other users.");
        json_object_foreach((json_t *)patch, key, value)
        {
            if (strcmp(key, "name") != 0 && strcmp(key, "password") != 0)
                return crm_error_set(CRM_EFORBIDDEN, "Only admins may change %s.", key);
        }
    }
    const char *password = json_string_value(json_object_get(patch, "password"));
    if (password && strcmp(id, who->user_id) == 0)
        return crm_error_field("password", "current_password_required",
                               "Change your own password with POST /v1/me/password, which asks for the current one.");
    /* An admin's reset of someone else's password: the rules of a new password,
     * without the user's name (their own change at /v1/me/password has it). */
    if (password && (rc = crm_password_check("password", password, NULL, NULL)) < 0)
        return rc;
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

int crm_team_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    return crm_run_list(out, db, who, &TEAM_LIST, NULL, query);
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

static const crm_outcome TEAM_OUTCOMES[] = {
    {NULL, 0, NULL, NULL, NULL},
};

int crm_team_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version, const json_t *patch)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may change teams.");
    char *text = NULL, ver[24];
    int rc = crm_validate(patch, crm_team_fields, CRM_PATCH);
    if (rc < 0 || (rc = check_leader(db, who, patch)) < 0 || (rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, text, ver};
    rc = crm_run_conditional(out, db, &TEAM_UPDATE, 4, params, TEAM_OUTCOMES, &TEAM_PROBE, who, id);
    free(text);
    return rc;
}

int crm_team_delete(crm_db *db, const crm_caller *who, const char *id, long version)
{
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may delete teams.");
    char ver[24];
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, id, ver};
    return crm_run_conditional(NULL, db, &TEAM_DELETE, 3, params, TEAM_OUTCOMES, &TEAM_PROBE, who, id);
}

int crm_team_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body)
{
    (void)query;
    if (!is_admin(who))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may create teams.");
    char *text = NULL;
    int rc = crm_validate(body, crm_team_fields, CRM_CREATE);
    if (rc < 0 || (rc = check_leader(db, who, body)) < 0 || (rc = crm_json_text(&text, body)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, text};
    rc = crm_run_write(out, db, &TEAM_CREATE, 2, params, TEAM_OUTCOMES);
    free(text);
    return rc;
}

/* Audit entries page newest first by id; the cursor is the last id seen;
 * `since` and `before` bound the moment of the change (at >= since, at <
 * before). No row when `entity` names no audited table. */
static const crm_stmt AUDIT_LIST = {
    "audit_list",
    "SELECT json_build_object('data', coalesce(json_agg(audit_json(a) ORDER BY a.id DESC), '[]'),"
    " 'next_cursor', CASE WHEN count(*) = $7::int THEN min(a.id)::text END)"
    " FROM (SELECT * FROM audit_log a WHERE a.tenant_id = $1"
    " AND ($2::text IS NULL OR a.entity = $2)"
    " AND ($3::uuid IS NULL OR a.entity_id = $3 OR $3 = ANY (a.entity_ids))"
    " AND ($4::uuid IS NULL OR a.actor_id = $4) AND ($5::text IS NULL OR a.action = $5)"
    " AND ($8::timestamptz IS NULL OR a.at >= $8) AND ($9::timestamptz IS NULL OR a.at < $9)"
    " AND ($6::bigint IS NULL OR a.id < $6) ORDER BY a.id DESC LIMIT $7::int) a"
    " HAVING $2::text IS NULL OR EXISTS (SELECT 1 FROM pg_trigger tr"
    "   WHERE tr.tgrelid = to_regclass('public.' || quote_ident($2)) AND tr.tgfoid = 'audit_row'::regproc)"};

int crm_audit_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    if (!crm_policy_allows(who->role, CRM_CAN_READ_AUDIT))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may read the audit log.");
    const char *values[6];
    size_t n;
    int rc = crm_validate_query(values, 6, &n, query, crm_audit_filters);
    /* The log pages newest first by its id: the cursor is the last id seen. */
    const char *cursor = query->page.cursor;
    if (query->page.limit < 1 || query->page.limit > 200)
        rc = crm_error_field("limit", "range", "Must be between 1 and 200.");
    if (cursor && (!*cursor || strspn(cursor, "0123456789") != strlen(cursor) || strlen(cursor) > 18))
        rc = crm_error_field("cursor", "format", "Is not a cursor this server returned.");
    if (rc < 0)
        return rc;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", query->page.limit);
    const char *params[] = {who->tenant_id, values[0], values[1], values[2], values[3], cursor, lim, values[4], values[5]};
    PGresult *res = NULL;
    if ((rc = crm_db_run(&res, db, &AUDIT_LIST, 9, params)) < 0)
        return rc;
    rc = PQntuples(res) == 0 ? crm_error_field("entity", "enum", "Is not a table the audit log records (see the API's AuditEntity).")
                             : crm_json_take(out, res);
    PQclear(res);
    return rc;
}
