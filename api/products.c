/* products.c: HTTP handlers for the product catalogue. */
#include "api.h"
#include "crm/product.h"

#include <stdlib.h>

void api_products_list(api_ctx *ctx)
{
    crm_page page;
    api_page(ctx, &page);
    crm_product_filter filter = {.q = api_query(ctx, "q"), .active = api_query(ctx, "active"),
                                 .updated_since = api_query(ctx, "updated_since")};
    char *body = NULL;
    int rc = crm_product_list(&body, ctx->db, &ctx->who, &filter, &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

void api_products_get(api_ctx *ctx) { api_get(ctx, crm_product_get); }

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_product_create(out, ctx->db, &ctx->who, body);
}

void api_products_create(api_ctx *ctx) { api_create(ctx, "/v1/products", create); }

static int update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_product_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_products_update(api_ctx *ctx) { api_update(ctx, update); }

static int remove_one(api_ctx *ctx, const char *id, long version)
{
    return crm_product_delete(ctx->db, &ctx->who, id, version);
}

void api_products_delete(api_ctx *ctx) { api_delete(ctx, remove_one); }
