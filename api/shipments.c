/* shipments.c: HTTP handlers for shipments and their state changes (ship,
 * deliver, cancel). */
#include "api.h"
#include "crm/shipment.h"

void api_shipments_list(api_ctx *ctx) { api_list(ctx, crm_shipment_list); }
/* JSON, or with Accept: application/pdf or text/csv the printable document. */
void api_shipments_get(api_ctx *ctx) { api_get_printable(ctx, crm_shipment_get, "delivery note"); }
void api_shipments_create(api_ctx *ctx) { api_create(ctx, "/v1/shipments", crm_shipment_create); }
void api_shipments_update(api_ctx *ctx) { api_update(ctx, crm_shipment_update); }
void api_shipments_ship(api_ctx *ctx) { api_transition(ctx, crm_shipment_act, "ship"); }
void api_shipments_deliver(api_ctx *ctx) { api_transition(ctx, crm_shipment_act, "deliver"); }
void api_shipments_cancel(api_ctx *ctx) { api_transition(ctx, crm_shipment_act, "cancel"); }
