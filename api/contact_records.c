/* contact_records.c: HTTP handlers for contact records, by id, across customers
 * and under one customer. */
#include "api.h"
#include "crm/contact_record.h"

#include <stdlib.h>

static void list(api_ctx *ctx, const char *customer)
{
    crm_page page;
    api_page(ctx, &page);
    crm_contact_record_filter filter = {
        .customer_id = api_query(ctx, "customer_id"), .kind = api_query(ctx, "kind"),
        .owner_id = api_query(ctx, "owner_id"), .occurred_since = api_query(ctx, "occurred_since"),
        .occurred_before = api_query(ctx, "occurred_before"), .updated_since = api_query(ctx, "updated_since")};
    char *body = NULL;
    int rc = crm_contact_record_list(&body, ctx->db, &ctx->who, customer, &filter, &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

void api_contact_records_list(api_ctx *ctx) { list(ctx, NULL); }

void api_contact_records_customer_list(api_ctx *ctx)
{
    const char *customer;
    if (api_path_id(ctx, "id", &customer) < 0)
        return;
    list(ctx, customer);
}

void api_contact_records_get(api_ctx *ctx) { api_get(ctx, crm_contact_record_get); }

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_contact_record_create(out, ctx->db, &ctx->who, NULL, body);
}

void api_contact_records_create(api_ctx *ctx) { api_create(ctx, "/v1/contact-records", create); }

/* Under /v1/customers/:id the path names the customer. */
static int create_for_customer(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_contact_record_create(out, ctx->db, &ctx->who, api_query(ctx, "id"), body);
}

void api_contact_records_customer_create(api_ctx *ctx)
{
    const char *customer;
    if (api_path_id(ctx, "id", &customer) < 0)
        return;
    api_create(ctx, "/v1/contact-records", create_for_customer);
}

static int update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_contact_record_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_contact_records_update(api_ctx *ctx) { api_update(ctx, update); }

static int remove_one(api_ctx *ctx, const char *id, long version)
{
    return crm_contact_record_delete(ctx->db, &ctx->who, id, version);
}

void api_contact_records_delete(api_ctx *ctx) { api_delete(ctx, remove_one); }
