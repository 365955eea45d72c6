/* payment.h: payments received, allocated to receivables of the same
 * customer and currency; what is not allocated is the customer's credit,
 * allocatable later. Never changed in their amounts nor deleted: a reversal
 * undoes a payment and all its allocations at once and keeps both visible. */
#ifndef CRM_PAYMENT_H
#define CRM_PAYMENT_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a payment a request may send, and the server's (read-only). */
extern const crm_field crm_payment_fields[];

/* The methods and statuses of a payment, and the list's filters
 * (customer_id, method, status, received_after, received_before). */
extern const char *const crm_payment_methods[];
extern const char *const crm_payment_statuses[];
extern const crm_field crm_payment_filters[];

/* crm_payment_list: a page of the payments of visible customers, oldest first.
 * Returns 0, CRM_EINVALID or a db error; *out is the caller's (free()). */
int crm_payment_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_payment_get: one payment whose customer is visible. Returns 0,
 * CRM_ENOTFOUND or a db error; out->json is the caller's (crm_doc_free). */
int crm_payment_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_payment_create: a payment received with its allocations (may be none);
 * finance and admin only. Returns 0, CRM_EINVALID (naming the field),
 * CRM_EFORBIDDEN, CRM_ECONFLICT (an allocation larger than what is open or
 * unallocated, id taken) or a db error. */
int crm_payment_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_payment_allocate: more of a payment's credit allocated,
 * {"allocations": [{receivable_id, amount}]}. Errors as crm_payment_create,
 * and CRM_ENOTFOUND, CRM_ECONFLICT for a reversed payment. */
int crm_payment_allocate(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body);

/* crm_payment_reverse: the payment and all its allocations reversed,
 * {"reason"}. Returns 0, CRM_EINVALID, CRM_EFORBIDDEN, CRM_ENOTFOUND,
 * CRM_ECONFLICT (reversed already) or a db error. */
int crm_payment_reverse(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body);

#endif
