/* search.h: fuzzy search (q=) over customers and contact persons by name,
 * phone and email, bounded by design: candidates come from the words of the
 * tenant's names, emails and phones by prefix (an index that leads with
 * tenant_id), at most a few hundred of them plus the caller's most recent
 * rows, and only those are ranked by trigram similarity. Works for Chinese
 * names as for Latin ones. Pages by (score, id). A search is expensive work
 * (crm/capacity.h): a few run at once, per tenant and per user fewer, and
 * each statement has a second at most. */
#ifndef CRM_SEARCH_H
#define CRM_SEARCH_H

#include "crm/customer.h"
#include "crm/db.h"
#include "crm/resource.h"

/* The longest query, in characters, and the most words in it. */
#define CRM_SEARCH_MAX_CHARS 64
#define CRM_SEARCH_MAX_WORDS 8

/* SQL of finding candidates by their terms (migrations/0011), for statements
 * whose $1 is the tenant. CRM_SQL_SEARCH_PREFIXES: a CTE `prefix` of the
 * prefixes text `q` (an SQL expression) looks for. CRM_SQL_TERM_HITS: (id,
 * hits), the rows of `entity` with a term that starts with one of them, at
 * most `per_prefix` for each in the order of the tenant-leading index, and
 * how many of the prefixes each matched. */
#define CRM_SQL_SEARCH_PREFIXES(q) " prefix AS (SELECT p COLLATE \"C\" AS p FROM search_prefixes(" q ") p)"
#define CRM_SQL_TERM_HITS(entity, per_prefix)                                                                \
    " SELECT t.id, count(*) AS hits FROM prefix CROSS JOIN LATERAL (SELECT st.id FROM search_terms st"       \
    "   WHERE st.tenant_id = $1 AND st.entity = '" entity "' AND st.term >= prefix.p"                         \
    "   AND st.term < prefix.p || U&'\\+10FFFF' ORDER BY st.term, st.id LIMIT " per_prefix ") t GROUP BY t.id"

/* crm_search_hold: take a search's place (expensive work, crm/capacity.h)
 * for work that is searching by another name; crm_search_release() gives it
 * back. Returns 0, CRM_ERATELIMIT or CRM_EUNAVAILABLE (Retry-After set). */
int crm_search_hold(void);
void crm_search_release(void);

/* crm_search_customers: visible customers matching `q` and the values of
 * crm_customer_filters (in that table's order, NULL = any), best match first;
 * the page's cursor is the ranked one. Returns 0, CRM_EINVALID (q with more
 * than CRM_SEARCH_MAX_WORDS words, a bad page), CRM_ERATELIMIT (the caller's
 * tenant or user runs its share of expensive requests already),
 * CRM_EUNAVAILABLE (the server's searches are all busy, or the search took
 * too long; with Retry-After) or a db error; *out is the list envelope JSON
 * (the caller's). */
int crm_search_customers(char **out, crm_db *db, const crm_caller *who, const char *q, const char *const *filters,
                         const crm_page *page);

/* crm_search_contacts: contact persons of visible customers, best match for
 * the query's `q` first (as crm_search_customers, with its errors), or all of
 * them in creation order without one. Returns 0, an error as above or a db
 * error; *out is the list envelope JSON (the caller's). */
int crm_search_contacts(char **out, crm_db *db, const crm_caller *who, crm_query *query);

#endif
