/* changes.c: the change feed — the one statement that pages through the
 * changes table (filled by the triggers of migrations 0003 and 0009) for a caller. */
#include "crm/changes.h"
#include "crm/auth.h"
#include "crm/error.h"
#include "crm/resource.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VISIBLE(owner) CRM_SQL_VISIBLE(owner, "$2::uuid", "$3::text")

/*
 * (tenant, user, role, after xid, after seq, limit) → the page document.
 *
 * Never missing a change: `seq` is drawn when a row is written, but a row only
 * becomes visible when its transaction commits, so commits land out of `seq`
 * order and a reader that paged by `seq` alone could pass a position before a
 * lower one commits. Instead the feed is ordered by the writing transaction's
 * id (xid8, which never wraps) then seq, and hands out only rows whose xid is
 * below the xmin of this statement's snapshot. Every transaction with an id
 * below xmin has already finished: its rows are all visible now or never will
 * be. Any transaction still running, or starting later, has an id >= xmin and
 * so sorts after every position returned. Hence no row can ever appear behind
 * a cursor the feed has handed out. The price is latency, not correctness: a
 * long-open transaction anywhere in the cluster holds the feed back until it ends.
 *
 * What a row means for the caller: a customer change whose customer the caller
 * may now see (CRM_SQL_VISIBLE on its current owner) is an upsert of the
 * customer as it is now, or a delete once it is tombstoned. A transfer away
 * from what the caller can see (previous owner visible, new owner not) is a
 * delete: the device drops the customer and everything under it. Every other
 * entity follows its current customer; a tombstoned one, or one whose customer
 * is tombstoned, is a delete. Anything else is left out.
 *
 * A row with a later row of the same entity that every reader can already
 * see is left out (the later one renders the same current state), except a
 * customer's transfer. The page is the first `limit` rows left; an entity that
 * occurs several times in it is emitted once, at its last occurrence. next_cursor is the position of the last row, or
 * the request's own position when the page is empty.
 *
 * The entities are those of the feed_entities registry (migration 0009):
 * feed_rows is the union of their rows with their customer and rendering, so
 * an entity joins the feed by a row there, not by an edit here.
 */
static const crm_stmt LIST = {
    "changes_list",
    "WITH page AS ("
    " SELECT ch.xid, ch.seq, ch.entity, ch.entity_id, cu.owner_id AS customer_owner_id,"
    "  CASE WHEN NOT " VISIBLE("cu.owner_id") " OR cu.deleted_at IS NOT NULL THEN 'delete'"
    "   WHEN e.id IS NULL OR e.deleted_at IS NOT NULL THEN 'delete'"
    "   ELSE 'upsert' END AS op"
    " FROM changes ch"
    /* Steps of their own (OFFSET 0), so that the entity and then its customer
     * are looked up by key row by row: PostgreSQL does not turn a join
     * condition on columns of outer-joined tables into an index lookup, and
     * would hash the tenant's rows. Within feed_rows only the branch of the
     * row's entity runs (the others are cut by a one-time filter). */
    " LEFT JOIN LATERAL (SELECT r.id, r.customer_id, r.deleted_at FROM feed_rows r"
    "  WHERE r.entity = ch.entity AND r.tenant_id = ch.tenant_id AND r.id = ch.entity_id OFFSET 0) e ON true"
    " CROSS JOIN LATERAL (SELECT coalesce(e.customer_id, ch.customer_id) AS id OFFSET 0) cur"
    " JOIN customers cu ON cu.tenant_id = ch.tenant_id AND cu.id = cur.id"
    " WHERE ch.tenant_id = $1"
    "  AND (ch.xid, ch.seq) > ($4::xid8, $5::bigint)"
    "  AND ch.xid < (SELECT pg_snapshot_xmin(pg_current_snapshot()))"
    /* Superseded: a later change of the same entity, visible to every
     * reader, renders the same state and follows in the feed. Never a
     * customer's transfer: to whoever it took the customer from it is the
     * delete, and the changes after it are not theirs to see. */
    "  AND (ch.entity = 'customer' AND ch.prev_owner_id IS NOT NULL OR NOT EXISTS ("
    "   SELECT 1 FROM changes later WHERE later.tenant_id = ch.tenant_id AND later.entity = ch.entity"
    "    AND later.entity_id = ch.entity_id AND (later.xid, later.seq) > (ch.xid, ch.seq)"
    "    AND later.xid < (SELECT pg_snapshot_xmin(pg_current_snapshot()))))"
    "  AND (" VISIBLE("cu.owner_id")
    "   OR (ch.entity = 'customer' AND ch.prev_owner_id IS NOT NULL"
    "    AND " VISIBLE("ch.prev_owner_id") " AND NOT " VISIBLE("ch.owner_id") "))"
    " ORDER BY ch.xid, ch.seq LIMIT $6::int),"
    " items AS (SELECT *, row_number() OVER (PARTITION BY entity, entity_id ORDER BY xid DESC, seq DESC) AS nth"
    "  FROM page),"
    /* The customers the page sends whole are read by the device's user. */
    CRM_SQL_LOG_CUSTOMER_READS("(SELECT entity_id AS id, customer_owner_id AS owner_id FROM items"
                               " WHERE entity = 'customer' AND op = 'upsert' AND nth = 1)", "$1::uuid", "$2::uuid")
    /* Rendered last, and only what the page shows as an upsert. */
    " SELECT json_build_object("
    "  'data', coalesce(json_agg(json_build_object('cursor', change_cursor(xid, seq), 'entity', entity,"
    "   'id', entity_id, 'op', op, 'data', CASE WHEN op = 'upsert' THEN (SELECT r.doc FROM feed_rows r"
    "    WHERE r.entity = items.entity AND r.tenant_id = $1 AND r.id = items.entity_id) END)"
    "   ORDER BY xid, seq) FILTER (WHERE nth = 1), '[]'),"
    "  'next_cursor', coalesce((SELECT change_cursor(xid, seq) FROM items ORDER BY xid DESC, seq DESC LIMIT 1),"
    "   change_cursor($4::xid8, $5::bigint)))"
    " FROM items"};

/* Whether `s` (of `len` bytes) is a decimal number as PostgreSQL prints one:
 * no sign, no leading zero, at most `max` in value. */
static int canonical_number(const char *s, size_t len, unsigned long long max)
{
    if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
        return 0;
    char text[24];
    memcpy(text, s, len);
    text[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (text[i] < '0' || text[i] > '9')
            return 0;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    return errno == 0 && v <= max;
}

int crm_changes_cursor_decode(const char *cursor, char xid[24], char seq[24])
{
    char plain[64];
    size_t len = strlen(cursor);
    long decoded = len > 60 ? -1 : crm_base64url_decode((unsigned char *)plain, cursor, len);
    if (decoded < 0)
        return crm_error_field("cursor", "format", "Is not a cursor this feed returned.");
    size_t n = (size_t)decoded;
    plain[n] = '\0';
    const char *colon = memchr(plain, ':', n);
    if (!colon || strlen(plain) != n)
        return crm_error_field("cursor", "format", "Is not a cursor this feed returned.");
    size_t xlen = (size_t)(colon - plain), slen = n - xlen - 1;
    if (!canonical_number(plain, xlen, 18446744073709551615ULL) ||
        !canonical_number(colon + 1, slen, 9223372036854775807ULL))
        return crm_error_field("cursor", "format", "Is not a cursor this feed returned.");
    memcpy(xid, plain, xlen);
    xid[xlen] = '\0';
    memcpy(seq, colon + 1, slen);
    seq[slen] = '\0';
    return 0;
}

int crm_changes_list(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    char xid[24] = "0", seq[24] = "0", page_size[16]; /* (0, 0): before every change */
    const char *cursor = query->page.cursor;
    /* The feed pages by commit order with its own cursor, and larger pages by default. */
    int given = query->param && query->param(query->source, "limit");
    int limit = given ? query->page.limit : CRM_CHANGES_LIMIT_DEFAULT;
    int rc = 0;
    if (limit < 1 || limit > CRM_CHANGES_LIMIT_MAX)
        rc = crm_error_field("limit", "range", "Must be between 1 and %d.", CRM_CHANGES_LIMIT_MAX);
    /* The feed's own rule: an empty cursor starts from the beginning, as none does. */
    if (cursor && *cursor && crm_changes_cursor_decode(cursor, xid, seq) < 0)
        rc = CRM_EINVALID;
    if (rc < 0)
        return rc;
    snprintf(page_size, sizeof page_size, "%d", limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, xid, seq, page_size};
    return crm_run_json(out, db, &LIST, 6, params);
}
