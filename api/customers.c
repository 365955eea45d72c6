/* customers.c: HTTP handlers for /v1/customers, their transfer, the duplicate
 * guard's look-up and merging duplicates. */
#include "api.h"
#include "crm/customer.h"
#include "crm/duplicate.h"

void api_customers_list(api_ctx *ctx) { api_list(ctx, crm_customer_list); }
void api_customers_get(api_ctx *ctx) { api_get(ctx, crm_customer_get); }
/* ?confirm_duplicate=true creates past the duplicate guard. */
void api_customers_create(api_ctx *ctx) { api_create(ctx, "/v1/customers", crm_customer_create); }
void api_customers_update(api_ctx *ctx) { api_update(ctx, crm_customer_update); }
void api_customers_delete(api_ctx *ctx) { api_delete(ctx, crm_customer_delete); }
void api_customers_transfer(api_ctx *ctx) { api_action(ctx, crm_customer_transfer); }
void api_customers_duplicates(api_ctx *ctx) { api_list(ctx, crm_duplicate_list); }
void api_customers_merge(api_ctx *ctx) { api_action(ctx, crm_duplicate_merge); }
