/* tenant.h: the settings of the caller's organization (time zone, when a
 * customer counts as dormant, how similar names must be to count as duplicates),
 * and the agenda built on them. */
#ifndef CRM_TENANT_H
#define CRM_TENANT_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a tenant a request may send, and the server's (read-only). */
extern const crm_field crm_tenant_fields[];

/* crm_tenant_get: the caller's tenant with its settings. Returns 0 or a db error. */
int crm_tenant_get(crm_doc *out, crm_db *db, const crm_caller *who);

/* crm_tenant_update: admin changes name, timezone (IANA name), dormant_after_days
 * (1..3650) or duplicate_threshold (0.3..1) at `version`. Returns 0,
 * CRM_EFORBIDDEN, CRM_EINVALID, CRM_ESTALE or a db error. */
int crm_tenant_update(crm_doc *out, crm_db *db, const crm_caller *who, long version, const json_t *patch);

/* crm_agenda_get: the agenda of `user_id` (NULL = the caller) for `date`
 * (YYYY-MM-DD from 0001-01-01 to 9999-12-25, so that every date it shows has
 * four digits; NULL = today in the tenant's time zone): the items of every kind
 * registered in agenda_kinds (follow-ups due today, tomorrow and overdue,
 * birthdays of contact persons in the next seven days, deliveries due, dormant
 * customers), of that user's customers. A manager may ask for members of the
 * teams they lead, an admin for anyone. Returns 0, CRM_EINVALID, CRM_EFORBIDDEN,
 * CRM_ENOTFOUND or a db error; *out is the caller's. */
int crm_agenda_get(char **out, crm_db *db, const crm_caller *who, crm_query *query);

/* crm_tenant_sweep_dormant: mark customers of every tenant dormant that have not
 * been contacted for their tenant's number of calendar days, counted in its time
 * zone — the agenda's definition (customer_due_dormant() in SQL). *changed gets
 * how many. Returns 0 or a db error. */
int crm_tenant_sweep_dormant(crm_db *db, int *changed);

#endif
