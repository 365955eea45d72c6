/* changes.c: HTTP handler for the change feed, GET /v1/changes, from which a
 * device keeps its offline copy of customers, contacts and contact records. */
#include "api.h"
#include "crm/changes.h"

#include <stdlib.h>

void api_changes_list(api_ctx *ctx)
{
    crm_page page;
    char *body = NULL;
    api_page(ctx, &page);
    if (!api_query(ctx, "limit"))
        page.limit = CRM_CHANGES_LIMIT_DEFAULT;
    int rc = crm_changes_list(&body, ctx->db, &ctx->who, page.cursor, page.limit);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}
