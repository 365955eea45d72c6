/* report.h: reports — figures computed in PostgreSQL over a period, grouped,
 * for what the caller may see — and their rows as CSV. */
#ifndef CRM_REPORT_H
#define CRM_REPORT_H

#include <stddef.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The longest periods a report covers: 366 days grouped by owner or team,
 * 36 calendar months grouped by month. */
#define CRM_REPORT_MAX_DAYS 366
#define CRM_REPORT_MAX_MONTHS 36

/* The query parameters of the performance report, as crm_validate_query reads
 * them (from, to, group_by, owner_id, team_id). */
extern const crm_field crm_report_performance_params[];

/* crm_report_performance: GET /v1/reports/performance (crm_list_fn shape). The
 * query's from/to (inclusive dates, default the current month in the
 * tenant's time zone; missing one of them, the month of the other), group_by
 * (owner, team or month; default owner), owner_id and team_id; no other
 * parameter. Figures per group of the users the caller may see
 * (CRM_SQL_VISIBLE): new_customers, contact_records, visits, quotations_sent,
 * quotations_accepted, contracts_signed, contract_amount (the tenant's
 * default currency) and contracts_other_currency. *out is the answer's JSON
 * ({from, to, group_by, currency, timezone, data}). Expensive work: at most a
 * few at once on a server and the caller's share (crm/capacity.h), each with a
 * statement timeout of its own. Returns 0, CRM_EINVALID naming the parameter,
 * CRM_EUNAVAILABLE or CRM_ERATELIMIT (Retry-After set), or a db error. */
int crm_report_performance(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_report_csv: the `data` rows of a report's JSON answer (`json`, as a
 * report function gave it) as CSV, in the columns of its `group_by`: a UTF-8
 * byte order mark, a header line of the JSON member names, one line per row,
 * RFC 4180 quoting, CRLF line ends; a name starting with = + - @ is prefixed
 * with an apostrophe (crm_document_csv_rows). *name gets a file name for it,
 * "<report>-<from>-<to>.csv" (size bytes at most). Returns 0, or CRM_ERROR
 * when `json` is no report answer or memory runs out; *out (malloc'd, *len
 * bytes, NUL-terminated) is the caller's. */
int crm_report_csv(char **out, size_t *len, char *name, size_t size, const char *report, const char *json);

#endif
