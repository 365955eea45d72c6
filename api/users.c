/* users.c: HTTP handlers for /v1/users, /v1/teams and the admin's /v1/audit-log. */
#include "api.h"
#include "crm/user.h"

#include <stdlib.h>

/* Takes the body by address: it is filled by the call in the rc argument. */
static void reply_list(api_ctx *ctx, int rc, char **body)
{
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, *body);
    free(*body);
}

void api_users_list(api_ctx *ctx)
{
    crm_page page;
    char *body = NULL;
    api_page(ctx, &page);
    crm_user_filter filter = {api_query(ctx, "role"), api_query(ctx, "team_id"), api_query(ctx, "active")};
    reply_list(ctx, crm_user_list(&body, ctx->db, &ctx->who, &filter, &page), &body);
}

void api_users_get(api_ctx *ctx) { api_get(ctx, crm_user_get); }

static int user_create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_user_create(out, ctx->db, &ctx->who, body);
}

void api_users_create(api_ctx *ctx) { api_create(ctx, "/v1/users", user_create); }

static int user_update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_user_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_users_update(api_ctx *ctx) { api_update(ctx, user_update); }

static int user_delete(api_ctx *ctx, const char *id, long version)
{
    return crm_user_deactivate(ctx->db, &ctx->who, id, version);
}

void api_users_delete(api_ctx *ctx) { api_delete(ctx, user_delete); }

void api_teams_list(api_ctx *ctx)
{
    crm_page page;
    char *body = NULL;
    api_page(ctx, &page);
    reply_list(ctx, crm_team_list(&body, ctx->db, &ctx->who, &page), &body);
}

void api_teams_get(api_ctx *ctx) { api_get(ctx, crm_team_get); }

static int team_create(crm_doc *out, api_ctx *ctx, const json_t *body)
{
    return crm_team_create(out, ctx->db, &ctx->who, body);
}

void api_teams_create(api_ctx *ctx) { api_create(ctx, "/v1/teams", team_create); }

static int team_update(crm_doc *out, api_ctx *ctx, const char *id, long version, const json_t *patch)
{
    return crm_team_update(out, ctx->db, &ctx->who, id, version, patch);
}

void api_teams_update(api_ctx *ctx) { api_update(ctx, team_update); }

static int team_delete(api_ctx *ctx, const char *id, long version)
{
    return crm_team_delete(ctx->db, &ctx->who, id, version);
}

void api_teams_delete(api_ctx *ctx) { api_delete(ctx, team_delete); }

void api_audit_list(api_ctx *ctx)
{
    crm_page page;
    char *body = NULL;
    api_page(ctx, &page);
    crm_audit_filter filter = {api_query(ctx, "entity"), api_query(ctx, "entity_id"), api_query(ctx, "actor_id"),
                               api_query(ctx, "action")};
    reply_list(ctx, crm_audit_list(&body, ctx->db, &ctx->who, &filter, page.limit, page.cursor), &body);
}
