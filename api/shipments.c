/* shipments.c: HTTP handlers for shipments and their state changes (ship,
 * deliver, cancel). */
#include "api.h"
#include "crm/shipment.h"

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

void api_shipments_list(api_ctx *ctx)
{
    crm_page page;
    api_page(ctx, &page);
    crm_shipment_filter filter = {.contract_id = api_query(ctx, "contract_id"),
                                  .customer_id = api_query(ctx, "customer_id"), .status = api_query(ctx, "status")};
    char *body = NULL;
    int rc = crm_shipment_list(&body, ctx->db, &ctx->who, &filter, &page);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, body);
    free(body);
}

/* GET by id: JSON, or with Accept: application/pdf or text/csv the printable document. */
void api_shipments_get(api_ctx *ctx) { api_get_printable(ctx, crm_shipment_get, "delivery note"); }

static int create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_shipment_create(out, ctx->db, &ctx->who, body);
}

void api_shipments_create(api_ctx *ctx) { api_create(ctx, "/v1/shipments", create); }

static int update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_shipment_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_shipments_update(api_ctx *ctx) { api_update(ctx, update); }

static int ship(crm_doc *out, api_ctx *ctx, const char *id) { return crm_shipment_act(out, ctx->db, &ctx->who, id, "ship"); }

static int deliver(crm_doc *out, api_ctx *ctx, const char *id)
{
    return crm_shipment_act(out, ctx->db, &ctx->who, id, "deliver");
}

static int cancel(crm_doc *out, api_ctx *ctx, const char *id)
{
    return crm_shipment_act(out, ctx->db, &ctx->who, id, "cancel");
}

void api_shipments_ship(api_ctx *ctx) { transition(ctx, ship); }
void api_shipments_deliver(api_ctx *ctx) { transition(ctx, deliver); }
void api_shipments_cancel(api_ctx *ctx) { transition(ctx, cancel); }
