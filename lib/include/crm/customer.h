/* customer.h: customers, the records every salesperson owns one of — with the
 * ownership rules of DESIGN §1 applied to every read and write. */
#ifndef CRM_CUSTOMER_H
#define CRM_CUSTOMER_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a customer a request may send, and the server's (read-only). */
extern const crm_field crm_customer_fields[];

/* The most members a customer's custom fields may have (CustomFields'
 * maxProperties in the contract); their size is the `custom` field's max. */
#define CRM_CUSTOMER_CUSTOM_MEMBERS 200

/* The statuses of a customer, and the list's filters: status, owner_id,
 * category, region, tag, updated_since (q, the ranked search, besides them). */
extern const char *const crm_customer_statuses[];
extern const crm_field crm_customer_filters[];

/* crm_customer_log_read: record that `who` read customer `customer_id` (a
 * document naming it was printed, say), unless `who` owns it. Returns 0 or a db error. */
int crm_customer_log_read(crm_db *db, const crm_caller *who, const char *customer_id);

/* crm_customer_get: one customer visible to `who`; a read by anyone but the owner
 * is recorded in the audit log. Returns 0, CRM_ENOTFOUND or a db error; out->json is the caller's. */
int crm_customer_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_customer_list: a page of visible customers matching the query's filters,
 * as the list envelope JSON; with q=, ranked by similarity (crm_search_customers). Returns 0, CRM_EINVALID (bad filter or page) or a db error; *out is the caller's. */
int crm_customer_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_customer_create: validate `body` and insert a customer owned by the caller
 * (or by body.owner_id where the caller's role allows). Unless the query has confirm_duplicate=true, a
 * customer that looks like an existing one (crm_duplicate_check) is refused with
 * CRM_ECONFLICT and the candidates. Runs inside the caller's transaction.
 * Returns 0, CRM_EINVALID, CRM_EFORBIDDEN, CRM_ECONFLICT (duplicate, id taken) or a db error. */
int crm_customer_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_customer_update: apply a JSON merge patch when the stored version is `version`;
 * custom fields that would pass their limits once merged are CRM_EINVALID on `custom`.
 * Returns 0, CRM_EINVALID, CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE or a db error. */
int crm_customer_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                        const json_t *patch);

/* crm_customer_delete: soft-delete (tombstone) when the stored version is `version`.
 * Returns 0, CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE or a db error. */
int crm_customer_delete(crm_db *db, const crm_caller *who, const char *id, long version);

/* crm_customer_transfer: give the customer to body.owner_id (admin: any active user;
 * manager: self or a member of a team they lead). Returns 0, CRM_EINVALID,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND or a db error. */
int crm_customer_transfer(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body);

/* crm_owner_allowed: whether `who` may make `owner_id` the owner of a customer.
 * Returns 0, CRM_EFORBIDDEN, CRM_EINVALID (no such active user, field `field`) or a db error. */
int crm_owner_allowed(crm_db *db, const crm_caller *who, const char *owner_id, const char *field);

/* crm_customer_visible: 0 when customer `id` exists and `who` may see it,
 * CRM_ENOTFOUND when not, or a db error. */
int crm_customer_visible(crm_db *db, const crm_caller *who, const char *id);

#endif
