/* users.c: HTTP handlers for /v1/users, /v1/teams and the admin's /v1/audit-log. */
#include "api.h"
#include "crm/user.h"

void api_users_list(api_ctx *ctx) { api_list(ctx, crm_user_list); }
void api_users_get(api_ctx *ctx) { api_get(ctx, crm_user_get); }
void api_users_create(api_ctx *ctx) { api_create(ctx, "/v1/users", crm_user_create); }
void api_users_update(api_ctx *ctx) { api_update(ctx, crm_user_update); }
void api_users_delete(api_ctx *ctx) { api_delete(ctx, crm_user_deactivate); }
void api_teams_list(api_ctx *ctx) { api_list(ctx, crm_team_list); }
void api_teams_get(api_ctx *ctx) { api_get(ctx, crm_team_get); }
void api_teams_create(api_ctx *ctx) { api_create(ctx, "/v1/teams", crm_team_create); }
void api_teams_update(api_ctx *ctx) { api_update(ctx, crm_team_update); }
void api_teams_delete(api_ctx *ctx) { api_delete(ctx, crm_team_delete); }
void api_audit_list(api_ctx *ctx) { api_list(ctx, crm_audit_list); }
