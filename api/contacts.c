/* contacts.c: HTTP handlers for contact persons, under a customer and by id. */
#include "api.h"
#include "crm/contact.h"
#include "crm/search.h"

#include <stdio.h>
#include <stdlib.h>

void api_contacts_list(api_ctx *ctx)
{
    const char *customer;
    crm_page page;
    char *body = NULL;
    if (api_path_id(ctx, "id", &customer) < 0)
        return;
    api_page(ctx, &page);
    int rc = crm_contact_list(&body, ctx->db, &ctx->who, customer, &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

void api_contacts_get(api_ctx *ctx) { api_get(ctx, crm_contact_get); }

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_contact_create(out, ctx->db, &ctx->who, api_query(ctx, "id"), body);
}

void api_contacts_create(api_ctx *ctx)
{
    const char *customer;
    if (api_path_id(ctx, "id", &customer) < 0)
        return;
    api_create(ctx, "/v1/contacts", create);
}

static int update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_contact_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_contacts_update(api_ctx *ctx) { api_update(ctx, update); }

static int remove_one(api_ctx *ctx, const char *id, long version)
{
    return crm_contact_delete(ctx->db, &ctx->who, id, version);
}

void api_contacts_delete(api_ctx *ctx) { api_delete(ctx, remove_one); }

void api_contacts_search(api_ctx *ctx)
{
    crm_page page;
    char *body = NULL;
    api_page(ctx, &page);
    int rc = crm_search_contacts(&body, ctx->db, &ctx->who, api_query(ctx, "q"), &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}
