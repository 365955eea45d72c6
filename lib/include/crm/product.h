/* product.h: the product catalogue — what can be quoted, with its unit, unit
 * price and tax rate. Everyone in a tenant reads it; admins, managers and
 * assistants maintain it. */
#ifndef CRM_PRODUCT_H
#define CRM_PRODUCT_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"

typedef struct crm_product_filter {
    const char *q;             /* fuzzy text on name and sku; NULL or "" = any */
    const char *active;        /* "true" / "false"; NULL or "" = any */
    const char *updated_since; /* updated_at >= this instant */
} crm_product_filter;

/* crm_product_list: a page of live products matching `filter`, oldest first
 * (created_at, id), as the list envelope JSON. Returns 0, CRM_EINVALID (bad
 * filter or page) or a db error; *out is the caller's (free()). */
int crm_product_list(char **out, crm_db *db, const crm_caller *who, const crm_product_filter *filter, crm_page *page);

/* crm_product_get: one live product. Returns 0, CRM_ENOTFOUND or a db error;
 * out->json is the caller's (crm_doc_free). */
int crm_product_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);

/* crm_product_create: validate `body` and add a product. Returns 0,
 * CRM_EINVALID, CRM_EFORBIDDEN (role), CRM_ECONFLICT (sku or id taken) or a db error. */
int crm_product_create(crm_doc *out, crm_db *db, const crm_caller *who, const json_t *body);

/* crm_product_update: JSON merge patch at `version`. Returns 0, CRM_EINVALID,
 * CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ESTALE, CRM_ECONFLICT (sku) or a db error. */
int crm_product_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version,
                       const json_t *patch);

/* crm_product_delete: soft-delete at `version` (quotation lines keep their
 * copy of its name and price). Returns 0, CRM_EFORBIDDEN, CRM_ENOTFOUND,
 * CRM_ESTALE or a db error. */
int crm_product_delete(crm_db *db, const crm_caller *who, const char *id, long version);

/* crm_percent_valid: whether the decimal string `s` (already checked as a
 * decimal) is at most 100. */
int crm_percent_valid(const char *s);

#endif
