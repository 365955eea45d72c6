/* quotation.h: quotations — priced offers to a customer, numbered Q-YYYY-NNNNNN
 * without gaps, moving draft → sent → accepted | rejected (expired when a sent
 * one passes valid_until). Every amount is computed by PostgreSQL from the
 * lines (migrations/0005); who may see one follows its customer. */
#ifndef CRM_QUOTATION_H
#define CRM_QUOTATION_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a quotation a request may send, and the server's (read-only). */
extern const crm_field crm_quotation_fields[];

#define CRM_QUOTATION_MAX_LINES 500

/* The statuses a quotation reads as (NULL-terminated). */
extern const char *const crm_quotation_statuses[];
/* The list's filters: customer_id, status, owner_id, updated_since. */
extern const crm_field crm_quotation_filters[];
/* One line of a quotation or contract in a request, and what the server owns of it. */
extern const crm_field crm_document_line_fields[];

/* crm_quotation_validate_lines: `lines` is 1..500 line objects; with
 * `required_prices`, a line without a product_id needs a description and a
 * unit_price. Errors name "lines[i].field". Returns 0 or CRM_EINVALID. */
int crm_quotation_validate_lines(const json_t *lines, int required_prices);

/* crm_quotation_list: a page of the quotations of visible customers matching
 * the query's filters, oldest first (created_at, id), as the list envelope JSON
 * (each with its lines). Returns 0, CRM_EINVALID or a db error; *out is the caller's. */
int crm_quotation_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_quotation_get: one quotation (any revision) whose customer is visible.
 * Returns 0, CRM_ENOTFOUND or a db error; out->json is the caller's. */
int crm_quotation_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_quotation_create: validate `body`, price its lines and store a draft with
 * the tenant's next number, owned by the caller. Runs inside the caller's
 * transaction (the number is given back if it rolls back). Returns 0,
 * CRM_EINVALID, CRM_EFORBIDDEN, CRM_ENOTFOUND (customer not visible),
 * CRM_ECONFLICT (id taken) or a db error. */
int crm_quotation_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_quotation_update: JSON merge patch at `version` (`lines`, when given,
 * replaces every line). A draft changes in place; a sent (or expired) one gets
 * a new draft revision with the same number, and the old row is marked
 * superseded — *out is then the new revision. Returns 0, CRM_EINVALID,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE, CRM_ECONFLICT (accepted,
 * rejected or superseded) or a db error. */
int crm_quotation_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                         const json_t *patch);

/* crm_quotation_delete: soft-delete a draft at `version`; a deleted draft
 * revision hands the sent state back to the revision it superseded. Returns 0,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE, CRM_ECONFLICT (not a draft) or a db error. */
int crm_quotation_delete(crm_db *db, const crm_caller *who, const char *id, long version);

/* crm_quotation_act: `action` "send" (draft → sent), "accept" (sent → accepted)
 * or "reject" (sent or expired → rejected). Returns 0, CRM_EFORBIDDEN,
 * CRM_ENOTFOUND, CRM_ECONFLICT (illegal from the current status) or a db error. */
int crm_quotation_act(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, const char *action);

#endif
