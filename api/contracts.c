/* contracts.c: HTTP handlers for contracts (sales orders) and their state
 * changes (activate, complete, cancel). */
#include "api.h"
#include "crm/contract.h"

void api_contracts_list(api_ctx *ctx) { api_list(ctx, crm_contract_list); }
/* JSON, or with Accept: application/pdf or text/csv the printable document. */
void api_contracts_get(api_ctx *ctx) { api_get_printable(ctx, crm_contract_get, "contract"); }
void api_contracts_create(api_ctx *ctx) { api_create(ctx, "/v1/contracts", crm_contract_create); }
void api_contracts_update(api_ctx *ctx) { api_update(ctx, crm_contract_update); }
void api_contracts_delete(api_ctx *ctx) { api_delete(ctx, crm_contract_delete); }
void api_contracts_activate(api_ctx *ctx) { api_transition(ctx, crm_contract_act, "activate"); }
void api_contracts_complete(api_ctx *ctx) { api_transition(ctx, crm_contract_act, "complete"); }
void api_contracts_cancel(api_ctx *ctx) { api_transition(ctx, crm_contract_act, "cancel"); }
