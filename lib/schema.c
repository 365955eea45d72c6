/* schema.c: the registry of field tables (crm/schema.h) and its description
 * as JSON, printed by `crm-server describe`. A new resource adds one row. */
#include "crm/schema.h"
#include "crm/contact.h"
#include "crm/contact_record.h"
#include "crm/contract.h"
#include "crm/payment.h"
#include "crm/receivable.h"
#include "crm/customer.h"
#include "crm/error.h"
#include "crm/product.h"
#include "crm/quotation.h"
#include "crm/report.h"
#include "crm/shipment.h"
#include "crm/tenant.h"
#include "crm/user.h"

#include <stdlib.h>

const crm_schema crm_schemas[] = {
    {"customers", "/v1/customers", "CustomerInput", "CustomerPatch", "customers", crm_customer_fields,
     crm_customer_filters},
    {"contacts", NULL, "ContactInput", "ContactPatch", "contacts", crm_contact_fields, NULL},
    {"contact-records", "/v1/contact-records", "ContactRecordInput", "ContactRecordPatch", "contact_records",
     crm_contact_record_fields, crm_contact_record_filters},
    {"products", "/v1/products", "ProductInput", "ProductPatch", "products", crm_product_fields, crm_product_filters},
    {"quotations", "/v1/quotations", "QuotationInput", "QuotationPatch", "quotations", crm_quotation_fields,
     crm_quotation_filters},
    {"quotation lines", NULL, "QuotationInput#lines", NULL, "quotation_lines", crm_document_line_fields, NULL},
    {"contracts", "/v1/contracts", "ContractInput", "ContractPatch", "contracts", crm_contract_fields,
     crm_contract_filters},
    {"contract lines", NULL, "ContractInput#lines", NULL, "contract_lines", crm_document_line_fields, NULL},
    {"shipments", "/v1/shipments", "ShipmentInput", "ShipmentPatch", "shipments", crm_shipment_fields,
     crm_shipment_filters},
    {"receivables", "/v1/receivables", "ReceivableInput", NULL, "receivables", crm_receivable_fields,
     crm_receivable_filters},
    {"payments", "/v1/payments", "PaymentInput", NULL, "payments", crm_payment_fields, crm_payment_filters},
    {"users", "/v1/users", "UserInput", "UserPatch", "users", crm_user_fields, crm_user_filters},
    {"teams", NULL, "TeamInput", "TeamPatch", "teams", crm_team_fields, NULL},
    {"tenant", NULL, NULL, "TenantSettingsPatch", "tenants", crm_tenant_fields, NULL},
    {"audit-log", "/v1/audit-log", NULL, NULL, "audit_log", NULL, crm_audit_filters},
    /* A report stores nothing: its parameters only, with the table its groups are users of. */
    {"reports/performance", "/v1/reports/performance", NULL, NULL, "users", NULL, crm_report_performance_params},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const TYPES[] = {
    [CRM_T_STRING] = "string",   [CRM_T_ENUM] = "enum",         [CRM_T_DECIMAL] = "decimal",
    [CRM_T_INT] = "integer",     [CRM_T_BOOL] = "boolean",      [CRM_T_UUID] = "uuid",
    [CRM_T_DATE] = "date",       [CRM_T_EMAIL] = "email",       [CRM_T_OBJECT] = "object",
    [CRM_T_STRINGS] = "strings", [CRM_T_NUMBER] = "number",     [CRM_T_TIMESTAMP] = "timestamp",
    [CRM_T_PERCENT] = "percent", [CRM_T_CURRENCY] = "currency", [CRM_T_MEMBERS] = "members",
};

static json_t *describe_fields(const crm_field *fields)
{
    json_t *list = json_array();
    for (const crm_field *f = fields; f && f->name; f++) {
        json_t *choices = json_array();
        if (f->type == CRM_T_ENUM)
            for (const char *const *c = f->choices; *c; c++)
                json_array_append_new(choices, json_string(*c));
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:I, s:I, s:i, s:o}", "name", f->name, "type",
                            TYPES[f->type], "required", (f->flags & CRM_F_REQUIRED) != 0, "nullable",
                            (f->flags & CRM_F_NULLABLE) != 0, "read_only", (f->flags & CRM_F_READONLY) != 0,
                            "create_only", (f->flags & CRM_F_NOPATCH) != 0, "min", (json_int_t)f->min, "max",
                            (json_int_t)f->max, "scale", f->scale, "choices", choices));
    }
    return list;
}

int crm_schema_describe(char **out)
{
    json_t *resources = json_array();
    for (const crm_schema *s = crm_schemas; s->resource; s++)
        json_array_append_new(resources,
                              json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:o, s:o}", "resource", s->resource, "list_path",
                                        s->list_path, "input", s->input, "patch", s->patch, "table", s->table,
                                        "fields", describe_fields(s->fields), "filters", describe_fields(s->filters)));
    json_t *doc = json_pack("{s:o}", "resources", resources);
    *out = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    return *out ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}
