/* shipment.h: shipments made from a contract's lines (default: everything
 * that remains), pending → shipped → delivered, or cancelled, which gives the
 * quantities back. Never more than remains, even under concurrent creation. */
#ifndef CRM_SHIPMENT_H
#define CRM_SHIPMENT_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a shipment a request may send, and the server's (read-only). */
extern const crm_field crm_shipment_fields[];

/* The statuses of a shipment, and the list's filters (contract_id, customer_id, status). */
extern const char *const crm_shipment_statuses[];
extern const crm_field crm_shipment_filters[];

/* crm_shipment_list: a page of the shipments of visible customers, oldest first.
 * Returns 0, CRM_EINVALID or a db error; *out is the caller's (free()). */
int crm_shipment_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_shipment_get: one shipment whose customer is visible. Returns 0,
 * CRM_ENOTFOUND or a db error; out->json is the caller's (crm_doc_free). */
int crm_shipment_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_shipment_create: a pending shipment, numbered S-YYYY-NNNNNN, of an active
 * contract; the contract's lines are locked for the rest of the caller's
 * transaction. Returns 0, CRM_EINVALID (naming the field), CRM_EFORBIDDEN,
 * CRM_ECONFLICT (contract not active, more than remains, nothing remains) or
 * a db error. */
int crm_shipment_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_shipment_update: merge patch of a pending shipment (shipping_date,
 * warehouse, carrier, tracking_no) at `version`. Returns 0, CRM_EINVALID,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE, CRM_ECONFLICT or a db error. */
int crm_shipment_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                        const json_t *patch);

/* crm_shipment_act: "ship", "deliver" or "cancel". Returns 0, CRM_EFORBIDDEN,
 * CRM_ENOTFOUND, CRM_ECONFLICT (illegal transition) or a db error. */
int crm_shipment_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action);

#endif
