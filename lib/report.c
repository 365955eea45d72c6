/* report.c: reports — each one statement that computes its figures in
 * PostgreSQL (exact numeric) for the users the caller may see — and their CSV. */
#include "crm/report.h"
#include "crm/capacity.h"
#include "crm/document.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reports read a period's rows, not a bounded page: expensive work, like a
 * search (capacity.h says why nobody waits). */
static crm_capacity reporting = CRM_CAPACITY_FAIR_INIT(2, "The server is busy with other reports; retry in a moment.");
/* Every report over 100,000 customers answers within 2 s; one that takes
 * longer than this is refused (503), not waited for. */
#define REPORT_TIMEOUT_MS 3000

/* The days a report may cover: four-digit years, as the contract's dates are. */
#define FIRST_DAY "0001-01-01"
#define LAST_DAY "9999-12-31"

static const char *const GROUPS[] = {"owner", "team", "month", NULL};

const crm_field crm_report_performance_params[] = {
    {"from", CRM_T_DATE, 0, 0, 0, 0, NULL},
    {"to", CRM_T_DATE, 0, 0, 0, 0, NULL},
    {"group_by", CRM_T_ENUM, 0, 0, 0, 0, GROUPS},
    {"owner_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"team_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* The facts a performance report counts, one row each, with the user they are
 * attributed to and their day in the tenant's time zone (columns: user_id,
 * day, new_customers, contact_records, visits, quotations_sent,
 * quotations_accepted, contracts_signed, amount, other_currency):
 * - a customer created in the period, to its owner;
 * - a contact record that occurred in the period, to the user who recorded it
 *   (its owner_id), a visit also as a visit;
 * - a quotation number first sent in the period (the earliest sent_at of its
 *   revisions: a revision sent again counts no more; revision 1 always is the
 *   first, as a revision is made only from a sent one), to the owner of that
 *   revision; one accepted in the period (decided_at), to its owner;
 * - a contract signed in the period (signed_on) that is in force — active or
 *   completed: a draft is not signed yet, a cancelled one no longer counts —
 *   to its owner, its gross total in the amount when in the tenant's default
 *   currency, otherwise counted in other_currency.
 * Children of a deleted customer are out of sight with it, as CRM_SQL_CUSTOMER_OF
 * puts them; here by SQL_LIVE, which looks the tenant's few deleted customers
 * up once instead of each row's customer (a year of a tenant of 100,000
 * customers counts 200,000 rows: 0.5 s of lookups). */
#define SQL_LIVE(child) " WHERE " child ".customer_id NOT IN (SELECT id FROM gone)"
#define SQL_FACTS                                                                                            \
    " SELECT c.owner_id AS user_id, (c.created_at AT TIME ZONE p.tz)::date AS day, 1 AS new_customers,"        \
    "   0 AS contact_records, 0 AS visits, 0 AS quotations_sent, 0 AS quotations_accepted,"                      \
    "   0 AS contracts_signed, NULL::numeric AS amount, 0 AS other_currency"                                     \
    "   FROM p JOIN customers c ON c.tenant_id = $1 AND c.deleted_at IS NULL"                                    \
    "   AND c.created_at >= p.t0 AND c.created_at < p.t1 AND c.owner_id = ANY (p.users)"                         \
    " UNION ALL SELECT r.owner_id, (r.occurred_at AT TIME ZONE p.tz)::date, 0, 1, (r.kind = 'visit')::int,"      \
    "   0, 0, 0, NULL, 0"                                                                                        \
    "   FROM p JOIN contact_records r ON r.tenant_id = $1 AND r.deleted_at IS NULL"                              \
    "   AND r.occurred_at >= p.t0 AND r.occurred_at < p.t1 AND r.owner_id = ANY (p.users)"                       \
    SQL_LIVE("r")                                                                                            \
    " UNION ALL SELECT q.owner_id, (q.sent_at AT TIME ZONE p.tz)::date, 0, 0, 0, 1, 0, 0, NULL, 0"               \
    "   FROM p JOIN quotations q ON q.tenant_id = $1 AND q.deleted_at IS NULL"                                   \
    "   AND q.sent_at >= p.t0 AND q.sent_at < p.t1 AND q.owner_id = ANY (p.users)" SQL_LIVE("q")                 \
    "   AND (q.revision = 1 OR NOT EXISTS (SELECT 1 FROM quotations e WHERE e.tenant_id = q.tenant_id"           \
    "     AND e.number = q.number AND e.deleted_at IS NULL AND e.sent_at < q.sent_at))"                          \
    " UNION ALL SELECT q.owner_id, (q.decided_at AT TIME ZONE p.tz)::date, 0, 0, 0, 0, 1, 0, NULL, 0"            \
    "   FROM p JOIN quotations q ON q.tenant_id = $1 AND q.deleted_at IS NULL AND q.status = 'accepted'"         \
    "   AND q.decided_at >= p.t0 AND q.decided_at < p.t1 AND q.owner_id = ANY (p.users)" SQL_LIVE("q")           \
    " UNION ALL SELECT k.owner_id, k.signed_on, 0, 0, 0, 0, 0, 1,"                                               \
    "   CASE WHEN k.currency = p.currency THEN k.gross_total END, (k.currency <> p.currency)::int"               \
    "   FROM p JOIN contracts k ON k.tenant_id = $1 AND k.deleted_at IS NULL"                                    \
    "   AND k.status IN ('active', 'completed') AND k.signed_on BETWEEN p.d0 AND p.d1"                           \
    "   AND k.owner_id = ANY (p.users)" SQL_LIVE("k")

/* One group's figures, for json_build_object. */
#define SQL_FIGURES                                                                                          \
    "'new_customers', g.new_customers, 'contact_records', g.contact_records, 'visits', g.visits,"             \
    " 'quotations_sent', g.quotations_sent, 'quotations_accepted', g.quotations_accepted,"                    \
    " 'contracts_signed', g.contracts_signed, 'contract_amount', money_text(g.amount, p.currency),"           \
    " 'contracts_other_currency', g.other_currency"

/* (tenant, user, role, from, to, group_by, owner_id, team_id) → the report.
 * The period: from/to, or the month of the one given, or the current month in
 * the tenant's time zone. The users counted (`scope`): those the caller may
 * see (CRM_SQL_VISIBLE, as for the customers they own), narrowed by owner_id
 * and team_id. A group appears when it has something to count; the caller's
 * own group (and with owner_id, that user's) always does, and grouped by
 * month every month of the period does — unless the filters leave no user
 * the caller may see, which answers no row at all. */
static const crm_stmt PERFORMANCE = {
    "report_performance",
    "WITH t AS (SELECT t.timezone AS tz, t.default_currency AS currency,"
    "   (now() AT TIME ZONE t.timezone)::date AS today FROM tenants t WHERE t.id = $1),"
    " m AS (SELECT t.*, coalesce($4::date, $5::date, t.today) AS base0, coalesce($5::date, $4::date, t.today) AS base1"
    "   FROM t),"
    " d AS (SELECT m.*, coalesce($4::date, m.base1 - (extract(day FROM m.base1)::int - 1)) AS d0,"
    "   coalesce($5::date, (m.base0 - (extract(day FROM m.base0)::int - 1) + interval '1 month')::date - 1) AS d1"
    "   FROM m),"
    " scope AS (SELECT u.id, u.team_id FROM users u WHERE u.tenant_id = $1"
    "   AND " CRM_SQL_VISIBLE("u.id", "$2::uuid", "$3::text")
    "   AND ($7::uuid IS NULL OR u.id = $7::uuid) AND ($8::uuid IS NULL OR u.team_id = $8::uuid)),"
    /* The period's instants and the users, as values of one row that every
     * branch of the facts filters on: each reads the period's rows of its
     * index once, whoever it is for. */
    " p AS (SELECT d.*, d.d0::timestamp AT TIME ZONE d.tz AS t0, (d.d1 + 1)::timestamp AT TIME ZONE d.tz AS t1,"
    "   ARRAY(SELECT id FROM scope) AS users FROM d),"
    " gone AS (SELECT c.id FROM customers c WHERE c.tenant_id = $1 AND c.deleted_at IS NOT NULL),"
    " facts AS (" SQL_FACTS "),"
    /* Summed per user (and month) first: the few sums, not the facts, meet their groups. */
    " per_user AS (SELECT user_id, CASE WHEN $6::text = 'month' THEN date_trunc('month', day::timestamp) END AS month_key,"
    "   sum(new_customers) AS new_customers, sum(contact_records) AS contact_records, sum(visits) AS visits,"
    "   sum(quotations_sent) AS quotations_sent, sum(quotations_accepted) AS quotations_accepted,"
    "   sum(contracts_signed) AS contracts_signed, sum(amount) AS amount, sum(other_currency) AS other_currency"
    "   FROM facts GROUP BY 1, 2),"
    " keyed AS (SELECT CASE WHEN $6::text = 'owner' THEN s.id END AS owner_key,"
    "   CASE WHEN $6::text = 'team' THEN s.team_id END AS team_key, f.month_key, f.new_customers,"
    "   f.contact_records, f.visits, f.quotations_sent, f.quotations_accepted, f.contracts_signed, f.amount,"
    "   f.other_currency FROM per_user f JOIN scope s ON s.id = f.user_id"
    "   UNION ALL SELECT CASE WHEN $6::text = 'owner' THEN s.id END, CASE WHEN $6::text = 'team' THEN s.team_id END,"
    "   NULL, 0, 0, 0, 0, 0, 0, NULL, 0 FROM scope s"
    "   WHERE $6::text IN ('owner', 'team') AND (s.id = $2::uuid OR ($6::text = 'owner' AND s.id = $7::uuid))"
    "   UNION ALL SELECT NULL, NULL, gs.month, 0, 0, 0, 0, 0, 0, NULL, 0 FROM p,"
    "   generate_series(date_trunc('month', p.d0::timestamp), p.d1::timestamp, interval '1 month') gs (month)"
    "   WHERE $6::text = 'month' AND cardinality(p.users) > 0),"
    " g AS (SELECT owner_key, team_key, month_key, sum(new_customers) AS new_customers,"
    "   sum(contact_records) AS contact_records, sum(visits) AS visits, sum(quotations_sent) AS quotations_sent,"
    "   sum(quotations_accepted) AS quotations_accepted, sum(contracts_signed) AS contracts_signed,"
    "   coalesce(sum(amount), 0) AS amount, sum(other_currency) AS other_currency"
    "   FROM keyed GROUP BY owner_key, team_key, month_key)"
    " SELECT json_build_object('from', to_char(p.d0, 'YYYY-MM-DD'), 'to', to_char(p.d1, 'YYYY-MM-DD'),"
    "   'group_by', $6::text, 'currency', p.currency, 'timezone', p.tz,"
    "   'data', coalesce((SELECT json_agg(CASE $6::text"
    "     WHEN 'owner' THEN json_build_object('owner_id', g.owner_key, 'owner_name', u.name, " SQL_FIGURES ")"
    "     WHEN 'team' THEN json_build_object('team_id', g.team_key, 'team_name', tm.name, " SQL_FIGURES ")"
    "     ELSE json_build_object('month', to_char(g.month_key, 'YYYY-MM'), " SQL_FIGURES ") END"
    "     ORDER BY coalesce(u.name, tm.name), g.owner_key, g.team_key NULLS LAST, g.month_key)"
    "   FROM g LEFT JOIN users u ON u.tenant_id = $1 AND u.id = g.owner_key"
    "   LEFT JOIN teams tm ON tm.tenant_id = $1 AND tm.id = g.team_key), '[]'))"
    " FROM p"};

/* The days from 0001-01-01 to the valid date `s` (YYYY-MM-DD). */
static long day_number(const char *s)
{
    long y = strtol(s, NULL, 10), m = strtol(s + 5, NULL, 10), d = strtol(s + 8, NULL, 10);
    /* Days before the month, counting March as the year's first (leap day last). */
    if (m <= 2)
        y--, m += 12;
    return 365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + d;
}

static long month_number(const char *s) { return strtol(s, NULL, 10) * 12 + strtol(s + 5, NULL, 10); }

/* The period's checks, once its parameters are valid dates (or absent). */
static int check_period(const char *from, const char *to, const char *group_by)
{
    int rc = 0;
    if (from && (strcmp(from, FIRST_DAY) < 0 || strcmp(from, LAST_DAY) > 0))
        rc = crm_error_field("from", "range", "Must be a day from " FIRST_DAY " to " LAST_DAY ".");
    if (to && (strcmp(to, FIRST_DAY) < 0 || strcmp(to, LAST_DAY) > 0))
        rc = crm_error_field("to", "range", "Must be a day from " FIRST_DAY " to " LAST_DAY ".");
    if (rc < 0 || !from || !to)
        return rc;
    if (strcmp(to, from) < 0)
        return crm_error_field("to", "range", "Must be the same day as from or later (both days are included).");
    if (strcmp(group_by, "month") == 0) {
        if (month_number(to) - month_number(from) + 1 > CRM_REPORT_MAX_MONTHS)
            return crm_error_field("to", "range", "Grouped by month, a report covers at most %d months.",
                                   CRM_REPORT_MAX_MONTHS);
    } else if (day_number(to) - day_number(from) + 1 > CRM_REPORT_MAX_DAYS) {
        return crm_error_field("to", "range",
                               "Grouped by %s, a report covers at most %d days; group by month for longer periods.",
                               group_by, CRM_REPORT_MAX_DAYS);
    }
    return 0;
}

int crm_report_performance(char **out, crm_db *db, const crm_caller *who, crm_query *query)
{
    const char *values[5];
    size_t n;
    int rc = crm_validate_query_names(query, crm_report_performance_params);
    if (crm_validate_query(values, 5, &n, query, crm_report_performance_params) < 0)
        rc = CRM_EINVALID;
    if (rc < 0)
        return rc;
    const char *from = values[0], *to = values[1], *group_by = values[2] ? values[2] : "owner";
    if ((rc = check_period(from, to, group_by)) < 0)
        return rc;
    if ((rc = crm_capacity_enter(&reporting)) < 0)
        return rc;
    const char *params[] = {who->tenant_id, who->user_id, who->role, from, to, group_by, values[3], values[4]};
    crm_db_set_statement_timeout(db, REPORT_TIMEOUT_MS);
    rc = crm_run_json(out, db, &PERFORMANCE, 8, params);
    crm_db_set_statement_timeout(db, 0);
    crm_capacity_leave(&reporting);
    return rc;
}

/* The CSV columns of each grouping: the JSON members of its rows. */
#define FIGURE_COLUMNS                                                                                       \
    {"new_customers", 0}, {"contact_records", 0}, {"visits", 0}, {"quotations_sent", 0},                     \
        {"quotations_accepted", 0}, {"contracts_signed", 0}, {"contract_amount", 0},                         \
        {"contracts_other_currency", 0}, {NULL, 0}
static const crm_csv_column BY_OWNER[] = {{"owner_id", 0}, {"owner_name", 1}, FIGURE_COLUMNS};
static const crm_csv_column BY_TEAM[] = {{"team_id", 0}, {"team_name", 1}, FIGURE_COLUMNS};
static const crm_csv_column BY_MONTH[] = {{"month", 0}, FIGURE_COLUMNS};

static const struct {
    const char *group_by;
    const crm_csv_column *columns;
} CSV_COLUMNS[] = {{"owner", BY_OWNER}, {"team", BY_TEAM}, {"month", BY_MONTH}};

int crm_report_csv(char **out, size_t *len, char *name, size_t size, const char *report, const char *json)
{
    json_t *doc = json_loads(json, 0, NULL);
    const char *group_by = json_string_value(json_object_get(doc, "group_by"));
    const char *from = json_string_value(json_object_get(doc, "from"));
    const char *to = json_string_value(json_object_get(doc, "to"));
    const crm_csv_column *columns = NULL;
    for (size_t i = 0; group_by && i < sizeof CSV_COLUMNS / sizeof CSV_COLUMNS[0]; i++)
        if (strcmp(CSV_COLUMNS[i].group_by, group_by) == 0)
            columns = CSV_COLUMNS[i].columns;
    int rc;
    if (!columns || !from || !to || !json_is_array(json_object_get(doc, "data"))) {
        rc = crm_error_set(CRM_ERROR, "The report's answer is unreadable.");
    } else {
        /* from and to are dates the database wrote: safe in a file name. */
        snprintf(name, size, "%s-%s-%s.csv", report, from, to);
        rc = crm_document_csv_rows(out, len, json_object_get(doc, "data"), columns);
    }
    json_decref(doc);
    return rc;
}
