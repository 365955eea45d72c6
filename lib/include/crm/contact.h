/* contact.h: contact persons (business cards) of a customer. Whoever may see
 * the customer sees its contacts; whoever may change it may change them. */
#ifndef CRM_CONTACT_H
#define CRM_CONTACT_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a contact a request may send, and the server's (read-only). */
extern const crm_field crm_contact_fields[];

/* crm_contact_list: a page of the contacts of the customer query->parent_id.
 * Returns 0, CRM_ENOTFOUND (customer not visible), CRM_EINVALID or a db error; *out is the caller's. */
int crm_contact_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_contact_get: one contact whose customer is visible. Returns 0, CRM_ENOTFOUND or a db error. */
int crm_contact_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_contact_create: add a contact to the customer query->parent_id; is_primary true clears it on the
 * customer's other contacts. Returns 0, CRM_EINVALID, CRM_EFORBIDDEN, CRM_ENOTFOUND,
 * CRM_ECONFLICT (id taken) or a db error. */
int crm_contact_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_contact_update: JSON merge patch at `version`. Returns 0, CRM_EINVALID,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE or a db error. */
int crm_contact_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                       const json_t *patch);

/* crm_contact_delete: soft-delete at `version`. Returns 0, CRM_EFORBIDDEN,
 * CRM_ENOTFOUND, CRM_ESTALE or a db error. */
int crm_contact_delete(crm_db *db, const crm_caller *who, const char *id, long version);

#endif
