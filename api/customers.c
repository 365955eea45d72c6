/* customers.c: HTTP handlers for /v1/customers and their transfer. */
#include "api.h"
#include "crm/customer.h"
#include "crm/duplicate.h"

#include <stdlib.h>
#include <string.h>

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

void api_customers_get(api_ctx *ctx) { api_get(ctx, crm_customer_get); }

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    const char *confirm = api_query(ctx, "confirm_duplicate");
    return crm_customer_create(out, ctx->db, &ctx->who, body, confirm && strcmp(confirm, "true") == 0);
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

static int transfer(crm_doc *out, api_ctx *ctx, const char *id, const json_t *body)
{
    return crm_customer_transfer(out, ctx->db, &ctx->who, id, body);
}

void api_customers_transfer(api_ctx *ctx) { api_action(ctx, transfer); }

void api_customers_duplicates(api_ctx *ctx)
{
    char *candidates = NULL, *body = NULL;
    const char *name = api_query(ctx, "name"), *phone = api_query(ctx, "phone"), *email = api_query(ctx, "email");
    int rc = crm_duplicate_find(&candidates, ctx->db, &ctx->who, name && *name ? name : NULL,
                                phone && *phone ? phone : NULL, email && *email ? email : NULL, NULL);
    if (rc < 0) {
        api_fail(ctx, rc);
        return;
    }
    size_t size = strlen(candidates) + 32;
    body = malloc(size);
    snprintf(body, size, "{\"candidates\":%s}", candidates);
    api_reply_json(ctx, 200, body);
    free(body);
    free(candidates);
}

static int merge(crm_doc *out, api_ctx *ctx, const char *id, const json_t *body)
{
    return crm_duplicate_merge(out, ctx->db, &ctx->who, id, body);
}

void api_customers_merge(api_ctx *ctx) { api_action(ctx, merge); }
