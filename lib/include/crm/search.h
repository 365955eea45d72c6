/* search.h: fuzzy search (q=) over customers and contact persons by name,
 * phone and email, ranked by similarity, backed by trigram indexes. Works for
 * Chinese names as for Latin ones (the database's locale keeps CJK characters
 * in trigrams). Pages by (score, id). */
#ifndef CRM_SEARCH_H
#define CRM_SEARCH_H

#include "crm/customer.h"
#include "crm/db.h"
#include "crm/resource.h"

/* crm_search_customers: visible customers matching `q` and the values of
 * crm_customer_filters (in that table's order, NULL = any), best match first;
 * the page's cursor is the ranked one. Returns 0, CRM_EINVALID or a db error; *out is the
 * list envelope JSON (the caller's). */
int crm_search_customers(char **out, crm_db *db, const crm_caller *who, const char *q, const char *const *filters,
                         const crm_page *page);

/* crm_search_contacts: contact persons of visible customers, best match for
 * the query's `q` first, or all of them in creation order without one. Returns
 * 0, CRM_EINVALID or a db error; *out is the list envelope JSON (the caller's). */
int crm_search_contacts(char **out, crm_db *db, const crm_caller *who, crm_query *query);

#endif
