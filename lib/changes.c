/* changes.c: the change feed — the one statement that pages through the
 * changes table (filled by the triggers of migration 0003) for a caller. */
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
 * delete: the device drops the customer and everything under it. Contacts,
 * contact records, quotations, contracts and shipments follow their current
 * customer; a tombstoned one, or one whose customer is tombstoned, is a
 * delete. Anything else is left out.
 *
 * The page is the first `limit` such rows; an entity that occurs several times
 * in it is emitted once, at its last occurrence (every occurrence would render
 * the same current state). next_cursor is the position of the last row, or
 * the request's own position when the page is empty.
 *
 * A later resource that hangs off a customer joins the feed with a trigger
 * `change_child('<entity>')` on its table, its name in the CHECK of
 * changes.entity, and a join and a render branch below.
 */
static const crm_stmt LIST = {
    "changes_list",
    "WITH page AS ("
    " SELECT ch.xid, ch.seq, ch.entity, ch.entity_id, cu, ct, cr, qu, ko, sh,"
    "  CASE WHEN NOT " VISIBLE("cu.owner_id") " OR cu.deleted_at IS NOT NULL THEN 'delete'"
    "   WHEN ch.entity = 'contact' AND (ct.id IS NULL OR ct.deleted_at IS NOT NULL) THEN 'delete'"
    "   WHEN ch.entity = 'contact_record' AND (cr.id IS NULL OR cr.deleted_at IS NOT NULL) THEN 'delete'"
    "   WHEN ch.entity = 'quotation' AND (qu.id IS NULL OR qu.deleted_at IS NOT NULL) THEN 'delete'"
    "   WHEN ch.entity = 'contract' AND (ko.id IS NULL OR ko.deleted_at IS NOT NULL) THEN 'delete'"
    "   WHEN ch.entity = 'shipment' AND (sh.id IS NULL OR sh.deleted_at IS NOT NULL) THEN 'delete'"
    "   ELSE 'upsert' END AS op"
    " FROM changes ch"
    " LEFT JOIN contacts ct ON ch.entity = 'contact' AND ct.tenant_id = ch.tenant_id AND ct.id = ch.entity_id"
    " LEFT JOIN contact_records cr ON ch.entity = 'contact_record' AND cr.tenant_id = ch.tenant_id"
    "  AND cr.id = ch.entity_id"
    " LEFT JOIN quotations qu ON ch.entity = 'quotation' AND qu.tenant_id = ch.tenant_id AND qu.id = ch.entity_id"
    " LEFT JOIN contracts ko ON ch.entity = 'contract' AND ko.tenant_id = ch.tenant_id AND ko.id = ch.entity_id"
    " LEFT JOIN shipments sh ON ch.entity = 'shipment' AND sh.tenant_id = ch.tenant_id AND sh.id = ch.entity_id"
    /* A separate step, so that the customer is looked up by its key row by row
     * (PostgreSQL does not turn a join condition on columns of outer-joined
     * tables into an index lookup, and would hash the tenant's customers). */
    " CROSS JOIN LATERAL (SELECT coalesce(ct.customer_id, cr.customer_id, qu.customer_id, ko.customer_id,"
    "  sh.customer_id, ch.customer_id) AS id OFFSET 0) cur"
    " JOIN customers cu ON cu.tenant_id = ch.tenant_id AND cu.id = cur.id"
    " WHERE ch.tenant_id = $1"
    "  AND (ch.xid, ch.seq) > ($4::xid8, $5::bigint)"
    "  AND ch.xid < (SELECT pg_snapshot_xmin(pg_current_snapshot()))"
    "  AND (" VISIBLE("cu.owner_id")
    "   OR (ch.entity = 'customer' AND ch.prev_owner_id IS NOT NULL"
    "    AND " VISIBLE("ch.prev_owner_id") " AND NOT " VISIBLE("ch.owner_id") "))"
    " ORDER BY ch.xid, ch.seq LIMIT $6::int),"
    " items AS (SELECT *, row_number() OVER (PARTITION BY entity, entity_id ORDER BY xid DESC, seq DESC) AS nth"
    "  FROM page)"
    " SELECT json_build_object("
    "  'data', coalesce(json_agg(json_build_object('cursor', change_cursor(xid, seq), 'entity', entity,"
    "   'id', entity_id, 'op', op, 'data', CASE WHEN op = 'upsert' THEN CASE entity"
    "    WHEN 'customer' THEN customer_json(cu) WHEN 'contact' THEN contact_json(ct)"
    "    WHEN 'quotation' THEN quotation_json(qu) WHEN 'contract' THEN contract_json(ko)"
    "    WHEN 'shipment' THEN shipment_json(sh)"
    "    ELSE contact_record_json(cr, cu) END END) ORDER BY xid, seq) FILTER (WHERE nth = 1), '[]'),"
    "  'next_cursor', coalesce((array_agg(change_cursor(xid, seq) ORDER BY xid DESC, seq DESC))[1],"
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
    if (cursor && *cursor && crm_changes_cursor_decode(cursor, xid, seq) < 0)
        rc = CRM_EINVALID;
    if (rc < 0)
        return rc;
    snprintf(page_size, sizeof page_size, "%d", limit);
    const char *params[] = {who->tenant_id, who->user_id, who->role, xid, seq, page_size};
    return crm_run_json(out, db, &LIST, 6, params);
}
