/* receivables.c: HTTP handlers for receivables (opening balances, write-offs). */
#include "api.h"
#include "crm/receivable.h"

void api_receivables_list(api_ctx *ctx) { api_list(ctx, crm_receivable_list); }
void api_receivables_get(api_ctx *ctx) { api_get(ctx, crm_receivable_get); }
void api_receivables_create(api_ctx *ctx) { api_create(ctx, "/v1/receivables", crm_receivable_create); }
void api_receivables_write_off(api_ctx *ctx) { api_action(ctx, crm_receivable_write_off); }
