/* products.c: HTTP handlers for the product catalogue. */
#include "api.h"
#include "crm/product.h"

void api_products_list(api_ctx *ctx) { api_list(ctx, crm_product_list); }
void api_products_get(api_ctx *ctx) { api_get(ctx, crm_product_get); }
void api_products_create(api_ctx *ctx) { api_create(ctx, "/v1/products", crm_product_create); }
void api_products_update(api_ctx *ctx) { api_update(ctx, crm_product_update); }
void api_products_delete(api_ctx *ctx) { api_delete(ctx, crm_product_delete); }
