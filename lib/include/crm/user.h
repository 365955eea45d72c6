/* user.h: the people of a tenant (users, with roles) and their teams. */
#ifndef CRM_USER_H
#define CRM_USER_H

#include <jansson.h>

#include "crm/db.h"
#include "crm/resource.h"
#include "crm/validate.h"

/* The members of a user and of a team a request may send, and the server's. */
extern const crm_field crm_user_fields[];
extern const crm_field crm_team_fields[];

/* The users list's filters: role, team_id, active. */
extern const crm_field crm_user_filters[];

/* crm_user_list: admin and managers list users. Returns 0, CRM_EFORBIDDEN, CRM_EINVALID or a db error. */
int crm_user_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);
/* crm_user_get: admin/manager any user, others themselves only (else CRM_ENOTFOUND). */
int crm_user_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);
/* crm_user_create: admin adds a user {email, name, role, password, team_id?}.
 * Returns 0, CRM_EFORBIDDEN, CRM_EINVALID, CRM_ECONFLICT (email taken) or a db error. */
int crm_user_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);
/* crm_user_update: admin changes name/role/team_id/active/password (a user may change
 * their own name and password). Deactivating revokes the user's refresh tokens.
 * Returns 0, CRM_EFORBIDDEN, CRM_EINVALID, CRM_ENOTFOUND, CRM_ESTALE, CRM_ECONFLICT or a db error. */
int crm_user_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version, const json_t *patch);
/* crm_user_deactivate: DELETE = deactivate at `version`. Same returns as update. */
int crm_user_deactivate(crm_db *db, const crm_caller *who, const char *id, long version);

int crm_team_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);
int crm_team_get(crm_doc *out, crm_db *db, const crm_caller *who, const char *id);
/* crm_team_create / update / delete: admin only; the leader must be an active manager (422 leader_id). */
int crm_team_create(crm_doc *out, crm_db *db, const crm_caller *who, const crm_query *query, const json_t *body);
int crm_team_update(crm_doc *out, crm_db *db, const crm_caller *who, const char *id, long version, const json_t *patch);
int crm_team_delete(crm_db *db, const crm_caller *who, const char *id, long version);

/* crm_audit_list: admin reads the audit trail, newest first, filtered by
 * crm_audit_filters (entity, entity_id, actor_id, action). Returns 0,
 * CRM_EFORBIDDEN, CRM_EINVALID or a db error. */
extern const crm_field crm_audit_filters[];
int crm_audit_list(char **out, crm_db *db, const crm_caller *who, crm_query *query);

#endif
