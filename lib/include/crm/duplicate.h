/* duplicate.h: one owner per customer — finding customers that are probably
 * the same as one being typed (similar name, same phone or email, across all
 * owners), and merging a duplicate into the customer that stays. */
#ifndef CRM_DUPLICATE_H
#define CRM_DUPLICATE_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"

/* crm_duplicate_find: customers of the tenant, whoever owns them, whose
 * normalised name is at least the tenant's threshold similar to `name`, or whose
 * normalised phone or email equals `phone` / `email` (any may be NULL), except
 * `except_id`. *out is a JSON array of {id, name, owner_name}, best first, at most
 * ten (the caller's, free()). Bounded whatever the tenant holds: the
 * candidates are found as a search's are (crm/search.h). Returns 0,
 * CRM_EINVALID or a db error. */
int crm_duplicate_find(char **out, crm_db *db, const crm_caller *who, const char *name, const char *phone,
                       const char *email, const char *except_id);

/* crm_duplicate_list: crm_duplicate_find for the query's name, phone and email
 * (GET /v1/customers/duplicates), as {"candidates": [...]}; checked while
 * typing, so a search by the caps (crm_search_hold). Returns 0, CRM_EINVALID,
 * CRM_ERATELIMIT, CRM_EUNAVAILABLE or a db error; *out is the caller's. */
int crm_duplicate_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_duplicate_check: for a customer about to be created from `body`: 0 when no
 * candidate exists, else CRM_ECONFLICT with the candidates attached to the error
 * (crm_error_extra "candidates"). */
int crm_duplicate_check(crm_db *db, const crm_caller *who, const json_t *body);

/* crm_duplicate_merge: merge customer body.duplicate_id into `survivor_id`:
 * everything registered as hanging off a customer (customer_children: contact
 * persons, contact records, quotations, contracts, shipments) moves to the
 * survivor, empty fields of the survivor are filled from it, notes are
 * joined, tags united, custom fields merged, and the duplicate is tombstoned
 * with merged_into set. Admin or manager, both customers live and visible once
 * both are locked, so of two concurrent merges of one pair the second finds its
 * survivor gone (CRM_ENOTFOUND). A merge whose joined notes, tags or custom
 * fields would pass what a customer may hold is refused with CRM_ECONFLICT
 * naming the field, and changes nothing. Runs in the caller's transaction.
 * Returns 0, CRM_EINVALID, CRM_EFORBIDDEN, CRM_ENOTFOUND, CRM_ECONFLICT or a
 * db error; out is the survivor after the merge. */
int crm_duplicate_merge(crm_doc *out, crm_db *db, const crm_caller *who, const char *survivor_id, const json_t *body);

#endif
