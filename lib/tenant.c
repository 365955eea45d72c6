/* tenant.c: tenant settings (name, time zone, default currency, dormant and
 * duplicate thresholds), the agenda, and the dormant sweep. */
#include "crm/tenant.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const crm_stmt GET = {
    "tenant_get", "SELECT t.id, t.version, tenant_settings_json(t) FROM tenants t WHERE t.id = $1"};
static const crm_stmt UPDATE = {
    "tenant_update",
    "UPDATE tenants t SET name = CASE WHEN p ? 'name' THEN p->>'name' ELSE t.name END,"
    " timezone = CASE WHEN p ? 'timezone' THEN p->>'timezone' ELSE t.timezone END,"
    " default_currency = CASE WHEN p ? 'default_currency' THEN p->>'default_currency' ELSE t.default_currency END,"
    " dormant_after_days = CASE WHEN p ? 'dormant_after_days' THEN (p->>'dormant_after_days')::int"
    "   ELSE t.dormant_after_days END,"
    " duplicate_threshold = CASE WHEN p ? 'duplicate_threshold' THEN (p->>'duplicate_threshold')::real"
    "   ELSE t.duplicate_threshold END"
    " FROM (SELECT $2::jsonb AS p) patch WHERE t.id = $1 AND t.version = $3::int"
    " RETURNING t.id, t.version, tenant_settings_json(t)"};
static const crm_stmt ZONE = {"tenant_zone_known", "SELECT 1 FROM pg_timezone_names WHERE name = $1"};
static const crm_stmt CURRENCY = {"tenant_currency_known", "SELECT 1 FROM currencies WHERE code = $1"};
static const crm_stmt PROBE = {
    "tenant_probe", "SELECT 1 FROM tenants WHERE id = $1 AND ($2::text = $2 AND $3::text = $3 AND $4::text = $4)"};

/* (tenant, day or NULL, user) → the agenda document. The items and the order
 * of their kinds come from the agenda_kinds registry (migration 0009). */
static const crm_stmt AGENDA = {
    "agenda_get",
    "SELECT json_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'timezone', t.timezone, 'user_id', $3::uuid,"
    " 'items', coalesce((SELECT json_agg(json_build_object('kind', i.kind, 'due', i.due, 'customer_id', i.customer_id,"
    "   'customer_name', i.customer_name, 'contact_id', i.contact_id, 'contact_name', i.contact_name,"
    "   'detail', i.detail) ORDER BY k.rank, i.due, i.customer_name)"
    "   FROM agenda_items($1, $3::uuid, d.day) i LEFT JOIN agenda_kinds k ON k.kind = i.kind), '[]'))"
    " FROM tenants t, LATERAL (SELECT coalesce($2::date, (now() AT TIME ZONE t.timezone)::date) AS day) d"
    " WHERE t.id = $1"};
/* (tenant, user, manager) → whether the user exists, and whether the manager leads their team. */
static const crm_stmt AGENDA_WHO = {
    "agenda_who",
    "SELECT EXISTS (SELECT 1 FROM users u JOIN teams t ON t.tenant_id = u.tenant_id AND t.id = u.team_id"
    " WHERE u.tenant_id = $1 AND u.id = $2 AND t.leader_id = $3 AND t.deleted_at IS NULL)"
    " FROM users WHERE tenant_id = $1 AND id = $2"};
static const crm_stmt SWEEP = {"tenant_sweep_dormant", "SELECT sweep_dormant_customers()"};

const crm_field crm_tenant_fields[] = {
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 200, 0, NULL},
    {"timezone", CRM_T_STRING, CRM_F_REQUIRED, 0, 64, 0, NULL},
    {"default_currency", CRM_T_STRING, CRM_F_REQUIRED, 0, 3, 0, NULL},
    {"dormant_after_days", CRM_T_INT, 0, 1, 3650, 0, NULL},
    {"duplicate_threshold", CRM_T_NUMBER, 0, 0, 1, 0, NULL},
    {"id", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {"slug", CRM_T_STRING, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

int crm_tenant_get(crm_doc *out, crm_db *db, const crm_caller *who)
{
    const char *params[] = {who->tenant_id};
    return crm_run_doc(out, db, &GET, 1, params);
}

int crm_tenant_update(crm_doc *out, crm_db *db, const crm_caller *who, long version, const json_t *patch)
{
    if (!crm_policy_allows(who->role, CRM_CAN_CHANGE_TENANT))
        return crm_error_set(CRM_EFORBIDDEN, "Only admins may change the organization's settings.");
    int rc = crm_validate(patch, crm_tenant_fields, CRM_PATCH);
    const json_t *threshold = json_object_get(patch, "duplicate_threshold");
    if (json_is_number(threshold) && rc == 0 && json_number_value(threshold) < 0.3)
        rc = crm_error_field("duplicate_threshold", "range", "Must be between 0.3 and 1.");
    const char *currency = json_string_value(json_object_get(patch, "default_currency"));
    if (currency && *currency && (strlen(currency) != 3 || strspn(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3))
        rc = crm_error_field("default_currency", "format", "Must be an ISO 4217 code such as CNY.");
    if (rc < 0)
        return rc;
    const char *zone = json_string_value(json_object_get(patch, "timezone"));
    PGresult *res = NULL;
    if (zone) {
        const char *zp[] = {zone};
        if ((rc = crm_db_run(&res, db, &ZONE, 1, zp)) < 0)
            return rc;
        int known = PQntuples(res) > 0;
        PQclear(res);
        if (!known)
            return crm_error_field("timezone", "enum", "Must be an IANA time zone such as Asia/Shanghai or Europe/Berlin.");
    }
    if (currency) {
        const char *cp[] = {currency};
        if ((rc = crm_db_run(&res, db, &CURRENCY, 1, cp)) < 0)
            return rc;
        int known = PQntuples(res) > 0;
        PQclear(res);
        if (!known)
            return crm_error_field("default_currency", "unknown", "Is not a currency this server knows (ISO 4217).");
    }
    char *text = NULL, ver[24];
    if ((rc = crm_json_text(&text, patch)) < 0)
        return rc;
    snprintf(ver, sizeof ver, "%ld", version);
    const char *params[] = {who->tenant_id, text, ver};
    rc = crm_run_conditional(out, db, &UPDATE, 3, params, NULL, &PROBE, who, who->tenant_id);
    free(text);
    return rc;
}

/* The days an agenda may be asked for: every date it shows (birthdays up to
 * six days ahead) must be a date of four-digit years, as the contract's dates
 * are. Compared as text: both are YYYY-MM-DD. */
#define AGENDA_FIRST_DAY "0001-01-01"
#define AGENDA_LAST_DAY "9999-12-25"

/* The agenda's parameters: the day (default today in the tenant's zone) and whose. */
static const crm_field AGENDA_PARAMS[] = {
    {"date", CRM_T_DATE, 0, 0, 0, 0, NULL},
    {"user_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

int crm_agenda_get(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    const char *values[2];
    size_t n;
    int rc = crm_validate_query(values, 2, &n, query, AGENDA_PARAMS);
    if (rc < 0)
        return rc;
    const char *date = values[0], *user_id = values[1];
    if (date && (strcmp(date, AGENDA_FIRST_DAY) < 0 || strcmp(date, AGENDA_LAST_DAY) > 0))
        return crm_error_field("date", "range", "Must be a day from " AGENDA_FIRST_DAY " to " AGENDA_LAST_DAY
                                                ": the agenda shows the six days after it.");
    const char *user = user_id ? user_id : who->user_id;
    PGresult *res = NULL;
    if (strcmp(user, who->user_id) != 0) {
        if (!crm_policy_allows(who->role, CRM_CAN_READ_USERS))
            return crm_error_set(CRM_EFORBIDDEN, "Only managers and admins may read another user's agenda.");
        const char *wp[] = {who->tenant_id, user, who->user_id};
        if ((rc = crm_db_run(&res, db, &AGENDA_WHO, 3, wp)) < 0)
            return rc;
        int exists = PQntuples(res) > 0, leads = exists && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
        if (!exists)
            return crm_error_set(CRM_ENOTFOUND, "There is no such user in your organization.");
        if (!leads && !crm_policy_allows(who->role, CRM_CAN_SEE_ALL_CUSTOMERS))
            return crm_error_set(CRM_EFORBIDDEN, "A manager may read the agenda of members of the teams they lead only.");
    }
    const char *params[] = {who->tenant_id, date, user};
    if ((rc = crm_db_run(&res, db, &AGENDA, 3, params)) < 0)
        return rc;
    rc = crm_json_take(out, res);
    PQclear(res);
    return rc;
}

int crm_tenant_sweep_dormant(crm_db *db, int *changed)
{
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &SWEEP, 0, NULL);
    if (rc < 0)
        return rc;
    *changed = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return 0;
}
