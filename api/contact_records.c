/* contact_records.c: HTTP handlers for contact records, by id, across customers
 * and under one customer (/v1/customers/{id}/contact-records). */
#include "api.h"
#include "crm/contact_record.h"

void api_contact_records_list(api_ctx *ctx) { api_list(ctx, crm_contact_record_list); }
void api_contact_records_customer_list(api_ctx *ctx) { api_list(ctx, crm_contact_record_list); }
void api_contact_records_get(api_ctx *ctx) { api_get(ctx, crm_contact_record_get); }
void api_contact_records_create(api_ctx *ctx) { api_create(ctx, "/v1/contact-records", crm_contact_record_create); }
void api_contact_records_customer_create(api_ctx *ctx)
{
    api_create(ctx, "/v1/contact-records", crm_contact_record_create);
}
void api_contact_records_update(api_ctx *ctx) { api_update(ctx, crm_contact_record_update); }
void api_contact_records_delete(api_ctx *ctx) { api_delete(ctx, crm_contact_record_delete); }
