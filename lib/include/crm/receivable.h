/* receivable.h: what customers owe and by when — one receivable per
 * installment of an active contract, or an opening balance carried over from
 * an earlier system. Paid by the allocations of payments (crm/payment.h);
 * what is left open can be written off. */
#ifndef CRM_RECEIVABLE_H
#define CRM_RECEIVABLE_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of an opening balance a request may send, and the server's (read-only). */
extern const crm_field crm_receivable_fields[];

/* The statuses (open, paid, written_off) and the list's filters (customer_id,
 * contract_id, owner_id, status, due_before, due_after, overdue). */
extern const char *const crm_receivable_statuses[];
extern const crm_field crm_receivable_filters[];

/* crm_receivable_list: a page of the receivables of visible customers, oldest
 * first. Returns 0, CRM_EINVALID or a db error; *out is the caller's (free()). */
int crm_receivable_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_receivable_get: one receivable whose customer is visible. Returns 0,
 * CRM_ENOTFOUND or a db error; out->json is the caller's (crm_doc_free). */
int crm_receivable_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_receivable_create: an opening balance (no contract), finance and admin
 * only. Returns 0, CRM_EINVALID (naming the field), CRM_EFORBIDDEN,
 * CRM_ECONFLICT (id taken) or a db error. */
int crm_receivable_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_receivable_write_off: what is open of a receivable written off, with
 * {"reason"}; finance and admin only, audited. Returns 0, CRM_EINVALID,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ECONFLICT (not open) or a db error. */
int crm_receivable_write_off(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const json_t *body);

#endif
