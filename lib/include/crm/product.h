/* product.h: the product catalogue — what can be quoted, with its unit, unit
 * price and tax rate. Everyone in a tenant reads it; admins, managers and
 * assistants maintain it. */
#ifndef CRM_PRODUCT_H
#define CRM_PRODUCT_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a product a request may send, and the server's (read-only). */
extern const crm_field crm_product_fields[];

/* The list's filters: q (fuzzy name or sku), active, updated_since. */
extern const crm_field crm_product_filters[];

/* crm_product_list: a page of live products matching the query's filters, oldest first
 * (created_at, id), as the list envelope JSON. Returns 0, CRM_EINVALID (bad
 * filter or page) or a db error; *out is the caller's (free()). */
int crm_product_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_product_get: one live product. Returns 0, CRM_ENOTFOUND or a db error;
 * out->json is the caller's (crm_doc_free). */
int crm_product_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_product_create: validate `body` and add a product. Returns 0,
 * CRM_EINVALID, CRM_EFORBIDDEN (role), CRM_ECONFLICT (sku or id taken) or a db error. */
int crm_product_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);

/* crm_product_update: JSON merge patch at `version`. Returns 0, CRM_EINVALID,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE, CRM_ECONFLICT (sku) or a db error. */
int crm_product_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                       const json_t *patch);

/* crm_product_delete: soft-delete at `version` (quotation lines keep their
 * copy of its name and price). Returns 0, CRM_EFORBIDDEN, CRM_ENOTFOUND,
 * CRM_ESTALE or a db error. */
int crm_product_delete(crm_db *db, const crm_caller *who, const char *id, long version);


#endif
