/* contracts.c: HTTP handlers for contracts (sales orders) and their state
 * changes (activate, complete, cancel). */
#include "api.h"
#include "crm/contract.h"

#include <stdlib.h>

/* A state change: the path's id, one transaction, 200 with the resource. No body. */
typedef int (*transition_fn)(crm_doc *out, api_ctx *ctx, const char *id);

static void transition(api_ctx *ctx, transition_fn act)
{
    const char *id;
    crm_doc doc = {0};
    int rc;
    if (api_path_id(ctx, "id", &id) < 0)
        return;
    if ((rc = crm_db_begin(ctx->db)) < 0 || (rc = act(&doc, ctx, id)) < 0 || (rc = crm_db_commit(ctx->db)) < 0) {
        crm_db_rollback(ctx->db);
        api_fail(ctx, rc);
    } else {
        api_reply_doc(ctx, 200, &doc, NULL);
    }
    crm_doc_free(&doc);
}

void api_contracts_list(api_ctx *ctx)
{
    crm_page page;
    api_page(ctx, &page);
    crm_contract_filter filter = {.customer_id = api_query(ctx, "customer_id"), .status = api_query(ctx, "status"),
                                  .owner_id = api_query(ctx, "owner_id")};
    char *body = NULL;
    int rc = crm_contract_list(&body, ctx->db, &ctx->who, &filter, &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

/* GET by id: JSON, or with Accept: application/pdf or text/csv the printable document. */
void api_contracts_get(api_ctx *ctx) { api_get_printable(ctx, crm_contract_get, "contract"); }

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_contract_create(out, ctx->db, &ctx->who, body);
}

void api_contracts_create(api_ctx *ctx) { api_create(ctx, "/v1/contracts", create); }

static int update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_contract_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_contracts_update(api_ctx *ctx) { api_update(ctx, update); }

static int remove_one(api_ctx *ctx, const char *id, long version)
{
    return crm_contract_delete(ctx->db, &ctx->who, id, version);
}

void api_contracts_delete(api_ctx *ctx) { api_delete(ctx, remove_one); }

static int activate(crm_doc *out, api_ctx *ctx, const char *id)
{
    return crm_contract_act(out, ctx->db, &ctx->who, id, "activate");
}

static int complete(crm_doc *out, api_ctx *ctx, const char *id)
{
    return crm_contract_act(out, ctx->db, &ctx->who, id, "complete");
}

static int cancel(crm_doc *out, api_ctx *ctx, const char *id)
{
    return crm_contract_act(out, ctx->db, &ctx->who, id, "cancel");
}

void api_contracts_activate(api_ctx *ctx) { transition(ctx, activate); }
void api_contracts_complete(api_ctx *ctx) { transition(ctx, complete); }
void api_contracts_cancel(api_ctx *ctx) { transition(ctx, cancel); }
