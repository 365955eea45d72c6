/* quotations.c: HTTP handlers for quotations: CRUD and the send, accept and
 * reject transitions. */
#include "api.h"
#include "crm/quotation.h"

#include <stdlib.h>

void api_quotations_list(api_ctx *ctx)
{
    crm_page page;
    api_page(ctx, &page);
    crm_quotation_filter filter = {.customer_id = api_query(ctx, "customer_id"), .status = api_query(ctx, "status"),
                                   .owner_id = api_query(ctx, "owner_id"),
                                   .updated_since = api_query(ctx, "updated_since")};
    char *body = NULL;
    int rc = crm_quotation_list(&body, ctx->db, &ctx->who, &filter, &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

/* JSON, or with Accept: application/pdf or text/csv the printable document. */
void api_quotations_get(api_ctx *ctx) { api_get_printable(ctx, crm_quotation_get, "quotation"); }

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_quotation_create(out, ctx->db, &ctx->who, body);
}

void api_quotations_create(api_ctx *ctx) { api_create(ctx, "/v1/quotations", create); }

static int update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_quotation_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_quotations_update(api_ctx *ctx) { api_update(ctx, update); }

static int remove_one(api_ctx *ctx, const char *id, long version)
{
    return crm_quotation_delete(ctx->db, &ctx->who, id, version);
}

void api_quotations_delete(api_ctx *ctx) { api_delete(ctx, remove_one); }

/* A transition takes no body: the id, one transaction, 200 with the quotation. */
static void act(api_ctx *ctx, crm_quotation_action action)
{
    const char *id;
    crm_doc doc = {0};
    int rc;
    if (api_path_id(ctx, "id", &id) < 0)
        return;
    if ((rc = crm_db_begin(ctx->db)) < 0 || (rc = crm_quotation_act(&doc, ctx->db, &ctx->who, id, action)) < 0 ||
        (rc = crm_db_commit(ctx->db)) < 0) {
        crm_db_rollback(ctx->db);
        api_fail(ctx, rc);
    } else {
        api_reply_doc(ctx, 200, &doc, NULL);
    }
    crm_doc_free(&doc);
}

void api_quotations_send(api_ctx *ctx) { act(ctx, CRM_QUOTATION_SEND); }
void api_quotations_accept(api_ctx *ctx) { act(ctx, CRM_QUOTATION_ACCEPT); }
void api_quotations_reject(api_ctx *ctx) { act(ctx, CRM_QUOTATION_REJECT); }
