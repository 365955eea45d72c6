/* reports.c: HTTP handlers for /v1/reports: figures over a period, as JSON or
 * CSV. */
#include "api.h"
#include "crm/report.h"

void api_reports_performance(api_ctx *ctx) { api_report(ctx, crm_report_performance, "performance"); }
