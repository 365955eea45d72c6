/* duplicate.c: the duplicate guard (similar names, equal phones or emails,
 * whoever owns the other customer) and merging duplicates. */
#include "crm/duplicate.h"
#include "crm/customer.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/search.h"
#include "crm/validate.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* (tenant, name, phone, email, except id, user). The candidates are bounded
 * whatever the tenant holds, as a search's are (crm/search.h): the customers
 * with a term starting with a prefix of the name (at most 600 in all), and
 * those with the same phone or email (their indexes); of them the 200 that
 * match most prefixes are compared by trigram similarity. */
static const crm_stmt FIND = {
    "duplicate_find",
    "WITH n AS (SELECT customer_name_norm(coalesce($2, '')) AS qn, phone_norm($3) AS p, email_norm($4) AS e),"
    CRM_SQL_SEARCH_PREFIXES("$2") ","
    " candidate AS (SELECT id, max(hits) AS hits FROM ("
    CRM_SQL_TERM_HITS("customer", "(SELECT greatest(10, 600 / greatest(count(*), 1)) FROM prefix)")
    "   UNION ALL SELECT c.id, 1000 FROM customers c, n"
    "     WHERE c.tenant_id = $1 AND c.phone_norm = n.p AND c.deleted_at IS NULL"
    "   UNION ALL SELECT c.id, 1000 FROM customers c, n"
    "     WHERE c.tenant_id = $1 AND c.email_norm = n.e AND c.deleted_at IS NULL) found GROUP BY id),"
    " d AS (SELECT c.id, c.name, c.owner_id,"
    "   greatest(CASE WHEN n.qn <> '' THEN similarity(c.name_norm, n.qn) ELSE 0 END,"
    "            CASE WHEN c.phone_norm = n.p OR c.email_norm = n.e THEN 1 ELSE 0 END) AS score"
    "   FROM (SELECT c.* FROM candidate, LATERAL (SELECT c.* FROM customers c WHERE c.tenant_id = $1"
    "       AND c.id = candidate.id AND c.deleted_at IS NULL AND ($5::uuid IS NULL OR c.id <> $5::uuid) OFFSET 0) c"
    "     ORDER BY candidate.hits DESC, c.id LIMIT 200) c, tenants t, n"
    "  WHERE t.id = $1"
    "    AND ((n.qn <> '' AND c.name_norm % n.qn AND similarity(c.name_norm, n.qn) >= t.duplicate_threshold)"
    "         OR c.phone_norm = n.p OR c.email_norm = n.e)"
    "  ORDER BY score DESC, c.id LIMIT 10),"
    CRM_SQL_LOG_CUSTOMER_READS("d", "$1::uuid", "$6::uuid")
    " SELECT coalesce(json_agg(json_build_object('id', d.id, 'name', d.name, 'owner_name', u.name)"
    " ORDER BY d.score DESC, d.id), '[]')"
    " FROM d JOIN users u ON u.tenant_id = $1 AND u.id = d.owner_id"};

/* (tenant, user, role, may merge, survivor, duplicate, the limits of notes,
 * tags, custom members and custom bytes) → the outcome of customer_merge()
 * (migration 0009): both customers locked in id order and checked after the
 * lock, the joined notes, tags and custom fields held to the limits of a
 * request, every child registered in customer_children moved to the
 * survivor, the survivor's empty fields filled, the duplicate tombstoned. One
 * statement, so no child kind can be left behind here. */
static const crm_stmt MERGE = {
    "duplicate_merge", "SELECT customer_merge($1, $2, $3, $4::boolean, $5, $6, $7::int, $8::int, $9::int, $10::int)"};

int crm_duplicate_find(char **out, crm_db *db, const crm_caller *who, const char *name, const char *phone,
                       const char *email, const char *except_id)
{
    int rc = 0;
    if (name && crm_utf8_length(name) > 300)
        rc = crm_error_field("name", "too_long", "Must be at most 300 characters.");
    if (phone && crm_utf8_length(phone) > 50)
        rc = crm_error_field("phone", "too_long", "Must be at most 50 characters.");
    if (email && crm_utf8_length(email) > 254)
        rc = crm_error_field("email", "too_long", "Must be at most 254 characters.");
    if (rc < 0)
        return rc;
    const char *params[] = {who->tenant_id, name, phone, email, except_id, who->user_id};
    return crm_run_json(out, db, &FIND, 6, params);
}

int crm_duplicate_check(crm_db *db, const crm_caller *who, const json_t *body)
{
    char *found = NULL;
    int rc = crm_duplicate_find(&found, db, who, json_string_value(json_object_get(body, "name")),
                                json_string_value(json_object_get(body, "phone")),
                                json_string_value(json_object_get(body, "email")), NULL);
    if (rc < 0)
        return rc;
    json_t *candidates = json_loads(found, 0, NULL);
    free(found);
    if (!json_array_size(candidates)) {
        json_decref(candidates);
        return 0;
    }
    crm_error_set(CRM_ECONFLICT, "This customer looks like %zu existing one%s; check the candidates, or send "
                                 "confirm_duplicate=true to create it anyway.",
                  json_array_size(candidates), json_array_size(candidates) == 1 ? "" : "s");
    crm_error_extra("candidates", candidates);
    return CRM_ECONFLICT;
}

static const crm_field MERGE_FIELDS[] = {
    {"duplicate_id", CRM_T_UUID, CRM_F_REQUIRED, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* The limit the customer's field table gives the field `name`: its length
 * (for custom its encoded size), or for tags, an array, its item count. */
static long customer_limit(const char *name)
{
    for (const crm_field *f = crm_customer_fields; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f->type == CRM_T_STRINGS ? f->min : f->max;
    assert(!"a customer field the merge limits");
    return 0;
}

static const crm_outcome MERGE_OUTCOMES[] = {
    {"missing", CRM_ENOTFOUND, NULL, "The customer does not exist or is not visible to you.", NULL},
    {"forbidden", CRM_EFORBIDDEN, NULL, "Only a manager or an admin may merge customers.", NULL},
    {"duplicate", CRM_EINVALID, "duplicate_id", "Must be a customer you can see.", NULL},
    {NULL, 0, NULL, NULL, NULL},
};

int crm_duplicate_merge(crm_doc *out, crm_db *db, const crm_caller *who, const char *survivor_id, const json_t *body)
{
    int rc = crm_validate(body, MERGE_FIELDS, CRM_CREATE);
    if (rc < 0)
        return rc;
    const char *duplicate = json_string_value(json_object_get(body, "duplicate_id"));
    if (strcmp(duplicate, survivor_id) == 0)
        return crm_error_field("duplicate_id", "invalid", "Must be another customer than the one that stays.");
    /* What the survivor ends up with is held to what a request may write. */
    char notes[24], tags[24], members[24], bytes[24];
    snprintf(notes, sizeof notes, "%ld", customer_limit("notes"));
    snprintf(tags, sizeof tags, "%ld", customer_limit("tags"));
    snprintf(members, sizeof members, "%d", CRM_CUSTOMER_CUSTOM_MEMBERS);
    snprintf(bytes, sizeof bytes, "%ld", customer_limit("custom"));
    const char *params[] = {who->tenant_id, who->user_id, who->role,
                            crm_policy_flag(who->role, CRM_CAN_ASSIGN_CUSTOMERS), survivor_id, duplicate,
                            notes, tags, members, bytes};
    PGresult *res = NULL;
    if ((rc = crm_db_run(&res, db, &MERGE, 10, params)) < 0)
        return rc;
    const char *outcome = PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "missing";
    if (strcmp(outcome, "ok") != 0)
        rc = crm_refuse(outcome, MERGE_OUTCOMES);
    PQclear(res);
    if (rc < 0)
        return rc;
    return crm_customer_get(out, db, who, survivor_id);
}

/* The look-up's parameters: any of a name, a phone, an email. */
static const crm_field LOOKUP[] = {
    {"name", CRM_T_STRING, CRM_F_REQUIRED, 0, 300, 0, NULL},
    {"phone", CRM_T_STRING, 0, 0, 50, 0, NULL},
    {"email", CRM_T_STRING, 0, 0, 254, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

int crm_duplicate_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    const char *values[3];
    size_t n;
    char *candidates = NULL;
    int rc = crm_validate_query(values, 3, &n, query, LOOKUP);
    /* Checked while typing, like a search: expensive work, held to its share. */
    if (rc < 0 || (rc = crm_search_hold()) < 0)
        return rc;
    rc = crm_duplicate_find(&candidates, db, who, values[0], values[1], values[2], NULL);
    crm_search_release();
    if (rc < 0)
        return rc;
    json_t *list = json_loads(candidates, 0, NULL);
    free(candidates);
    json_t *envelope = list ? json_pack("{s:o}", "candidates", list) : NULL;
    *out = envelope ? json_dumps(envelope, JSON_COMPACT) : NULL;
    json_decref(envelope);
    return *out ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}
