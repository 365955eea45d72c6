/* tenant.c: HTTP handlers for the organization's settings (/v1/tenant) and the
 * follow-up agenda (/v1/agenda). */
#include "api.h"
#include "crm/tenant.h"


void api_tenant_get(api_ctx *ctx)
{
    crm_doc doc = {0};
    int rc = crm_tenant_get(&doc, ctx->db, &ctx->who);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_doc(ctx, 200, &doc, NULL);
    crm_doc_free(&doc);
}

void api_tenant_update(api_ctx *ctx)
{
    long version;
    json_t *patch = NULL;
    crm_doc doc = {0};
    if (api_if_match(ctx, &version) < 0 || api_body(ctx, &patch) < 0)
        return;
    int rc = crm_tenant_update(&doc, ctx->db, &ctx->who, version, patch);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_doc(ctx, 200, &doc, NULL);
    crm_doc_free(&doc);
    json_decref(patch);
}

void api_agenda_get(api_ctx *ctx) { api_list(ctx, crm_agenda_get); }
