/* contacts.c: HTTP handlers for contact persons, under a customer and by id,
 * and the search across every visible customer's contacts. */
#include "api.h"
#include "crm/contact.h"
#include "crm/search.h"

void api_contacts_list(api_ctx *ctx) { api_list(ctx, crm_contact_list); }
void api_contacts_get(api_ctx *ctx) { api_get(ctx, crm_contact_get); }
void api_contacts_create(api_ctx *ctx) { api_create(ctx, "/v1/contacts", crm_contact_create); }
void api_contacts_update(api_ctx *ctx) { api_update(ctx, crm_contact_update); }
void api_contacts_delete(api_ctx *ctx) { api_delete(ctx, crm_contact_delete); }
void api_contacts_search(api_ctx *ctx) { api_list(ctx, crm_search_contacts); }
