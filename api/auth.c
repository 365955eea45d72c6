/* auth.c: HTTP handlers for sign-up, the token endpoint, revocation, /v1/me and
 * the caller's own password change. */
#include "api.h"
#include "crm/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static void client_address(api_ctx *ctx, char *out, size_t size)
{
    out[0] = '\0';
    const struct sockaddr *sa = ctx->req->client_address;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

/* An answer that carries tokens (`response`, freed here) or the problem of
 * `rc`; never cached either way. */
static void reply_tokens(api_ctx *ctx, int rc, int status, char *response)
{
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, status, response);
    u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
    free(response);
}

void api_auth_signup(api_ctx *ctx)
{
    json_t *body = NULL;
    char *response = NULL;
    if (!api_cfg.signup) {
        crm_error_set(CRM_EFORBIDDEN, "Sign-up is disabled on this server; ask an administrator for an account.");
        api_fail(ctx, CRM_EFORBIDDEN);
        return;
    }
    if (api_body(ctx, &body) < 0)
        return;
    char client[64];
    client_address(ctx, client, sizeof client);
    int rc = crm_identity_signup(&response, ctx->db, &api_cfg.identity, body, client);
    reply_tokens(ctx, rc, 201, response);
    json_decref(body);
}

void api_auth_token(api_ctx *ctx)
{
    json_t *body = NULL;
    char *response = NULL, client[64];
    if (api_body(ctx, &body) < 0)
        return;
    client_address(ctx, client, sizeof client);
    int rc = crm_identity_token(&response, ctx->db, &api_cfg.identity, body, client);
    if (rc == CRM_EAUTH) {
        /* OAuth's invalid_grant, as problem+json. */
        api_fail(ctx, rc);
        ulfius_set_string_body_response(ctx->resp, 401,
                                        "{\"type\":\"https://crm.example/problems/invalid-grant\",\"title\":\"Invalid grant\","
                                        "\"status\":401,\"detail\":\"The credentials or the refresh token are not valid.\"}");
    } else if (rc < 0) {
        api_fail(ctx, rc);
    } else {
        api_reply_json(ctx, 200, response);
    }
    u_map_put(ctx->resp->map_header, "Cache-Control", "no-store");
    free(response);
    json_decref(body);
}

void api_auth_revoke(api_ctx *ctx)
{
    json_t *body = NULL;
    if (api_body(ctx, &body) < 0)
        return;
    int rc = crm_identity_revoke(ctx->db, body);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_empty(ctx, 204);
    json_decref(body);
}

void api_auth_password(api_ctx *ctx)
{
    json_t *body = NULL;
    char *response = NULL;
    if (api_body(ctx, &body) < 0)
        return;
    int rc = crm_identity_change_password(&response, ctx->db, &api_cfg.identity, &ctx->who, body);
    reply_tokens(ctx, rc, 200, response);
    json_decref(body);
}

void api_auth_me(api_ctx *ctx)
{
    char *response = NULL;
    int rc = crm_identity_me(&response, ctx->db, &ctx->who);
    if (rc < 0)
        api_fail(ctx, rc);
    else
        api_reply_json(ctx, 200, response);
    free(response);
}
