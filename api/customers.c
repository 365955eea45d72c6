/* customers.c: HTTP handlers for /v1/customers and their transfer. */
#include "api.h"
#include "crm/customer.h"

#include <stdlib.h>

void api_customers_list(api_ctx *ctx)
{
    crm_page page;
    api_page(ctx, &page);
    crm_customer_filter filter = {
        .status = api_query(ctx, "status"), .owner_id = api_query(ctx, "owner_id"),
        .category = api_query(ctx, "category"), .region = api_query(ctx, "region"), .tag = api_query(ctx, "tag"),
        .updated_since = api_query(ctx, "updated_since"), .q = api_query(ctx, "q")};
    char *body = NULL;
    int rc = crm_customer_list(&body, ctx->db, &ctx->who, &filter, &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

void api_customers_get(api_ctx *ctx)
{
    const char *id;
    crm_doc doc = {0};
    if (api_path_id(ctx, "id", &id) < 0)
        return;
    int rc = crm_customer_get(&doc, ctx->db, &ctx->who, id);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_doc(ctx, 200, &doc, NULL);
    crm_doc_free(&doc);
}

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_customer_create(out, ctx->db, &ctx->who, body);
}

void api_customers_create(api_ctx *ctx) { api_create(ctx, "/v1/customers", create); }

static int update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_customer_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_customers_update(api_ctx *ctx) { api_update(ctx, update); }

static int remove_one(api_ctx *ctx, const char *id, long version)
{
    return crm_customer_delete(ctx->db, &ctx->who, id, version);
}

void api_customers_delete(api_ctx *ctx) { api_delete(ctx, remove_one); }

void api_customers_transfer(api_ctx *ctx)
{
    const char *id;
    json_t *body = NULL;
    crm_doc doc = {0};
    if (api_path_id(ctx, "id", &id) < 0 || api_body(ctx, &body) < 0)
        return;
    int rc = crm_db_begin(ctx->db);
    if (rc == 0 && (rc = crm_customer_transfer(&doc, ctx->db, &ctx->who, id, body)) == 0)
        rc = crm_db_commit(ctx->db);
    if (rc < 0) {
        crm_db_rollback(ctx->db);
        api_fail(ctx, rc);
    } else {
        api_reply_doc(ctx, 200, &doc, NULL);
    }
    crm_doc_free(&doc);
    json_decref(body);
}
