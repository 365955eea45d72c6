/* changes.h: the change feed — every create, update and delete of customers
 * and of what hangs off them (the entities registered in feed_entities) the
 * caller may see, in an order that a device paging with the returned cursor
 * never misses a change. */
#ifndef CRM_CHANGES_H
#define CRM_CHANGES_H

#include "crm/db.h"
#include "crm/resource.h"

enum { CRM_CHANGES_LIMIT_DEFAULT = 100, CRM_CHANGES_LIMIT_MAX = 1000 };

/* crm_changes_cursor_decode: split a feed cursor (base64url of "xid:seq", both
 * decimal, as the feed hands them out) into its two numbers as decimal text.
 * Returns 0, or CRM_EINVALID with a field error on `cursor`. */
int crm_changes_cursor_decode(const char *cursor, char xid[24], char seq[24]);

/* crm_changes_list: the page of at most `limit` (1..200) changes after `cursor`
 * (NULL or "" = from the beginning) visible to `who`, as the JSON document
 * {"data": [{cursor, entity, id, op, data}], "next_cursor"} built by PostgreSQL.
 * Returns 0, CRM_EINVALID (limit or cursor) or a db error; *out is the caller's (free()). */
int crm_changes_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

#endif
