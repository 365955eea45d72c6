/* duplicate.c: the duplicate guard (similar names, equal phones or emails,
 * whoever owns the other customer) and merging duplicates. */
#include "crm/duplicate.h"
#include "crm/customer.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/validate.h"

#include <stdlib.h>
#include <string.h>

static const crm_stmt FIND = {
    "duplicate_find",
    "SELECT coalesce(json_agg(json_build_object('id', d.id, 'name', d.name, 'owner_name', u.name)"
    " ORDER BY d.score DESC, d.id), '[]')"
    " FROM (SELECT c.id, c.name, c.owner_id,"
    "   greatest(CASE WHEN n.qn <> '' THEN similarity(c.name_norm, n.qn) ELSE 0 END,"
    "            CASE WHEN c.phone_norm = n.p OR c.email_norm = n.e THEN 1 ELSE 0 END) AS score"
    "   FROM customers c, tenants t,"
    "        (SELECT customer_name_norm(coalesce($2, '')) AS qn, phone_norm($3) AS p, email_norm($4) AS e) n"
    "  WHERE t.id = $1 AND c.tenant_id = $1 AND c.deleted_at IS NULL AND ($5::uuid IS NULL OR c.id <> $5::uuid)"
    "    AND ((n.qn <> '' AND c.name_norm % n.qn AND similarity(c.name_norm, n.qn) >= t.duplicate_threshold)"
    "         OR c.phone_norm = n.p OR c.email_norm = n.e)"
    "  ORDER BY score DESC, c.id LIMIT 10) d"
    " JOIN users u ON u.tenant_id = $1 AND u.id = d.owner_id"};

/* Move what hangs off the duplicate to the survivor. Later resources that hang
 * off a customer add their UPDATE here. */
static const crm_stmt MOVE_CONTACTS = {
    "duplicate_move_contacts",
    "UPDATE contacts SET customer_id = $2,"
    " is_primary = is_primary AND NOT EXISTS (SELECT 1 FROM contacts p WHERE p.tenant_id = $1 AND p.customer_id = $2"
    "   AND p.is_primary AND p.deleted_at IS NULL)"
    " WHERE tenant_id = $1 AND customer_id = $3 AND deleted_at IS NULL"};
static const crm_stmt MOVE_RECORDS = {
    "duplicate_move_contact_records",
    "UPDATE contact_records SET customer_id = $2 WHERE tenant_id = $1 AND customer_id = $3 AND deleted_at IS NULL"};
static const crm_stmt MOVE_QUOTATIONS = {
    "duplicate_move_quotations", "UPDATE quotations SET customer_id = $2 WHERE tenant_id = $1 AND customer_id = $3"};
/* A contract's owner is its customer's owner. */
static const crm_stmt MOVE_CONTRACTS = {
    "duplicate_move_contracts",
    "UPDATE contracts SET customer_id = $2,"
    " owner_id = (SELECT owner_id FROM customers WHERE tenant_id = $1 AND id = $2)"
    " WHERE tenant_id = $1 AND customer_id = $3"};
static const crm_stmt MOVE_SHIPMENTS = {
    "duplicate_move_shipments", "UPDATE shipments SET customer_id = $2 WHERE tenant_id = $1 AND customer_id = $3"};
static const crm_stmt FILL_SURVIVOR = {
    "duplicate_fill_survivor",
    "UPDATE customers s SET category = coalesce(s.category, d.category), industry = coalesce(s.industry, d.industry),"
    " region = coalesce(s.region, d.region), address = coalesce(s.address, d.address),"
    " phone = coalesce(s.phone, d.phone), email = coalesce(s.email, d.email), website = coalesce(s.website, d.website),"
    " source = coalesce(s.source, d.source), credit_limit = coalesce(s.credit_limit, d.credit_limit),"
    " payment_terms_days = coalesce(s.payment_terms_days, d.payment_terms_days),"
    " notes = CASE WHEN d.notes IS NULL THEN s.notes WHEN s.notes IS NULL THEN d.notes"
    "              ELSE s.notes || E'\\n\\n' || d.notes END,"
    " tags = ARRAY(SELECT DISTINCT t FROM unnest(s.tags || d.tags) t ORDER BY t),"
    " custom = d.custom || s.custom"
    " FROM customers d WHERE s.tenant_id = $1 AND s.id = $2 AND d.tenant_id = $1 AND d.id = $3"};
static const crm_stmt TOMBSTONE = {
    "duplicate_tombstone",
    "UPDATE customers SET deleted_at = now(), merged_into = $2 WHERE tenant_id = $1 AND id = $3 AND deleted_at IS NULL"};

int crm_duplicate_find(char **out, crm_db *db, const crm_caller *who, const char *name, const char *phone,
                       const char *email, const char *except_id)
{
    int rc = 0;
    if (name && crm_utf8_length(name) > 300)
        rc = crm_error_field("name", "too_long", "Must be at most 300 characters.");
    if (phone && strlen(phone) > 50)
        rc = crm_error_field("phone", "too_long", "Must be at most 50 characters.");
    if (email && strlen(email) > 254)
        rc = crm_error_field("email", "too_long", "Must be at most 254 characters.");
    if (rc < 0)
        return rc;
    const char *params[] = {who->tenant_id, name, phone, email, except_id};
    return crm_run_json(out, db, &FIND, 5, params);
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

int crm_duplicate_merge(crm_doc *out, crm_db *db, const crm_caller *who, const char *survivor_id, const json_t *body)
{
    int rc = crm_validate(body, MERGE_FIELDS, CRM_CREATE);
    if (rc < 0)
        return rc;
    const char *duplicate = json_string_value(json_object_get(body, "duplicate_id"));
    if (strcmp(duplicate, survivor_id) == 0)
        return crm_error_field("duplicate_id", "invalid", "Must be another customer than the one that stays.");
    if ((rc = crm_customer_visible(db, who, survivor_id)) < 0)
        return rc;
    if (!crm_policy_allows(who->role, CRM_CAN_ASSIGN_CUSTOMERS))
        return crm_error_set(CRM_EFORBIDDEN, "Only a manager or an admin may merge customers.");
    if (crm_customer_visible(db, who, duplicate) < 0)
        return crm_error_field("duplicate_id", "invalid", "Must be a customer you can see.");
    const char *params[] = {who->tenant_id, survivor_id, duplicate};
    if ((rc = crm_db_run(NULL, db, &MOVE_CONTACTS, 3, params)) < 0 ||
        (rc = crm_db_run(NULL, db, &MOVE_RECORDS, 3, params)) < 0 ||
        (rc = crm_db_run(NULL, db, &MOVE_QUOTATIONS, 3, params)) < 0 ||
        (rc = crm_db_run(NULL, db, &MOVE_CONTRACTS, 3, params)) < 0 ||
        (rc = crm_db_run(NULL, db, &MOVE_SHIPMENTS, 3, params)) < 0 ||
        (rc = crm_db_run(NULL, db, &FILL_SURVIVOR, 3, params)) < 0 ||
        (rc = crm_db_run(NULL, db, &TOMBSTONE, 3, params)) < 0)
        return rc;
    return crm_customer_get(out, db, who, survivor_id);
}

/* The look-up's parameters: any of a name, a phone, an email. */
static const crm_field LOOKUP[] = {
    {"name", CRM_T_STRING, 0, 0, 300, 0, NULL},
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
    if (rc < 0 || (rc = crm_duplicate_find(&candidates, db, who, values[0], values[1], values[2], NULL)) < 0)
        return rc;
    json_t *list = json_loads(candidates, 0, NULL);
    free(candidates);
    json_t *envelope = list ? json_pack("{s:o}", "candidates", list) : NULL;
    *out = envelope ? json_dumps(envelope, JSON_COMPACT) : NULL;
    json_decref(envelope);
    return *out ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}
