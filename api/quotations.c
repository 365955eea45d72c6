/* quotations.c: HTTP handlers for quotations: CRUD and the send, accept and
 * reject transitions. */
#include "api.h"
#include "crm/quotation.h"

void api_quotations_list(api_ctx *ctx) { api_list(ctx, crm_quotation_list); }
/* JSON, or with Accept: application/pdf or text/csv the printable document. */
void api_quotations_get(api_ctx *ctx) { api_get_printable(ctx, crm_quotation_get, "quotation"); }
void api_quotations_create(api_ctx *ctx) { api_create(ctx, "/v1/quotations", crm_quotation_create); }
void api_quotations_update(api_ctx *ctx) { api_update(ctx, crm_quotation_update); }
void api_quotations_delete(api_ctx *ctx) { api_delete(ctx, crm_quotation_delete); }
void api_quotations_send(api_ctx *ctx) { api_transition(ctx, crm_quotation_act, "send"); }
void api_quotations_accept(api_ctx *ctx) { api_transition(ctx, crm_quotation_act, "accept"); }
void api_quotations_reject(api_ctx *ctx) { api_transition(ctx, crm_quotation_act, "reject"); }
