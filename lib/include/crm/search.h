/* search.h: fuzzy search (q=) over customers and contact persons by name,
 * phone and email, ranked by similarity, backed by trigram indexes. Works for
 * Chinese names as for Latin ones (the database's locale keeps CJK characters
 * in trigrams). Pages by (score, id). */
#ifndef CRM_SEARCH_H
#define CRM_SEARCH_H

#include "crm/customer.h"
#include "crm/db.h"
#include "crm/resource.h"

/* crm_search_customers: visible customers matching filter->q (and the other
 * filters), best match first. Returns 0, CRM_EINVALID or a db error; *out is the
 * list envelope JSON (the caller's). */
int crm_search_customers(char **out, crm_db *db, const crm_caller *who, const crm_customer_filter *filter,
                         int limit, const char *cursor);

/* crm_search_contacts: contact persons of visible customers, best match for `q`
 * first, or all of them in creation order when q is NULL. */
int crm_search_contacts(char **out, crm_db *db, const crm_caller *who, const char *q, crm_page *page);

#endif
