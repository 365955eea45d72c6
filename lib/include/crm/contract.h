/* contract.h: contracts (sales orders): lines copied from an accepted
 * quotation or given directly, a payment plan of installments that sums exactly
 * to the gross total, and the states draft → active → completed | cancelled.
 * Who may see a contract follows its customer; money is computed in SQL. */
#ifndef CRM_CONTRACT_H
#define CRM_CONTRACT_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a contract a request may send, and the server's (read-only). */
extern const crm_field crm_contract_fields[];

/* The statuses of a contract, and the list's filters (customer_id, status, owner_id). */
extern const char *const crm_contract_statuses[];
extern const crm_field crm_contract_filters[];

/* crm_contract_list: a page of the contracts of visible customers, oldest first.
 * Returns 0, CRM_EINVALID (bad filter or page) or a db error; *out is the caller's. */
int crm_contract_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_contract_get: one contract whose customer is visible. Returns 0,
 * CRM_ENOTFOUND or a db error; out->json is the caller's (crm_doc_free). */
int crm_contract_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_contract_create: a draft contract, numbered C-YYYY-NNNNNN, either from an
 * accepted quotation ({"quotation_id"}) or with lines of its own. Runs inside
 * the caller's transaction (a refusal must be rolled back). Returns 0,
 * CRM_EINVALID (naming the field; installments that do not sum to the total),
 * CRM_EFORBIDDEN, CRM_ECONFLICT (quotation not accepted or converted already)
 * or a db error. */
int crm_contract_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_contract_update: merge patch of a draft contract at `version` (lines and
 * installments replace). Returns 0, CRM_EINVALID, CRM_EFORBIDDEN, CRM_ENOTFOUND,
 * CRM_ESTALE, CRM_ECONFLICT (not a draft) or a db error. */
int crm_contract_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                        const json_t *patch);

/* crm_contract_delete: soft-delete a draft contract at `version`. Same codes as update. */
int crm_contract_delete(crm_db *db, const crm_caller *who, const char *id, long version);

/* crm_contract_act: "activate", "complete" (every line fully shipped) or "cancel"
 * (nothing shipped). Returns 0, CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ECONFLICT (not
 * allowed in the current state) or a db error. */
int crm_contract_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action);

#endif
