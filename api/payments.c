/* payments.c: HTTP handlers for payments received, their allocations and reversals. */
#include "api.h"
#include "crm/payment.h"

void api_payments_list(api_ctx *ctx) { api_list(ctx, crm_payment_list); }
void api_payments_get(api_ctx *ctx) { api_get(ctx, crm_payment_get); }
void api_payments_create(api_ctx *ctx) { api_create(ctx, "/v1/payments", crm_payment_create); }
void api_payments_allocate(api_ctx *ctx) { api_action(ctx, crm_payment_allocate); }
void api_payments_reverse(api_ctx *ctx) { api_action(ctx, crm_payment_reverse); }
