/* contact_record.h: what happened with a customer — calls, emails, IM, visits,
 * meetings — and when to follow up. Who may see or change a record follows its
 * customer; writing one keeps the customer's last/next contact current. */
#ifndef CRM_CONTACT_RECORD_H
#define CRM_CONTACT_RECORD_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a contact record a request may send, and the server's (read-only). */
extern const crm_field crm_contact_record_fields[];

/* The kinds of contact, and the list's filters: customer_id, kind, owner_id,
 * occurred_since (occurred_at >= it), occurred_before (<), updated_since. */
extern const char *const crm_contact_record_kinds[];
extern const crm_field crm_contact_record_filters[];

/* crm_contact_record_list: a page of the records of visible customers matching
 * the query's filters, oldest first (created_at, id), as the list envelope JSON.
 * With query->parent_id set, the records of that customer only, and CRM_ENOTFOUND when
 * the caller may not see it. Returns 0, CRM_ENOTFOUND, CRM_EINVALID (bad filter
 * or page) or a db error; *out is the caller's (free()). */
int crm_contact_record_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_contact_record_get: one record whose customer is visible. Returns 0,
 * CRM_ENOTFOUND or a db error; out->json is the caller's (crm_doc_free). */
int crm_contact_record_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_contact_record_create: validate `body` and record a contact with a visible
 * customer, owned by the caller; in the same statement the customer's last and
 * next contact are updated (and a dormant customer becomes active). The customer
 * is query->parent_id (from the path; body.customer_id, if given, must be the
 * same) or, when that is NULL, body.customer_id (required then). Runs inside the
 * caller's transaction. Returns 0, CRM_EINVALID (including a contact_id that is
 * not a contact of the customer), CRM_EFORBIDDEN (role may not write),
 * CRM_ENOTFOUND (customer not visible), CRM_ECONFLICT (id taken) or a db error. */
int crm_contact_record_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query,
                              const json_t *body);

/* crm_contact_record_update: JSON merge patch at `version` (location is replaced
 * as a whole). Returns 0, CRM_EINVALID, CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE
 * or a db error. */
int crm_contact_record_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                              const json_t *patch);

/* crm_contact_record_delete: soft-delete (tombstone) at `version`; the customer's
 * last/next contact are recomputed without it. Returns 0, CRM_EFORBIDDEN,
 * CRM_ENOTFOUND, CRM_ESTALE or a db error. */
int crm_contact_record_delete(crm_db *db, const crm_caller *who, const char *id, long version);

#endif
