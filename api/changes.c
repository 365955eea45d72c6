/* changes.c: HTTP handler for the change feed, GET /v1/changes, from which a
 * device keeps its offline copy of what it may see. */
#include "api.h"
#include "crm/changes.h"

void api_changes_list(api_ctx *ctx) { api_list(ctx, crm_changes_list); }
