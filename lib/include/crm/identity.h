/* identity.h: tenants, sign-up, sign-in (password and refresh-token grants),
 * refresh-token rotation with family revocation, and the token endpoint's rate limit. */
#ifndef CRM_IDENTITY_H
#define CRM_IDENTITY_H

#include <jansson.h>

#include "crm/auth.h"
#include "crm/db.h"

typedef struct crm_identity_config {
    const crm_keys *keys;
    const char *issuer;
    const char *audience;
    long access_ttl;     /* seconds, at most 900 */
    long refresh_ttl;    /* seconds */
    int attempts_per_minute;
} crm_identity_config;

/* crm_identity_signup: create a tenant (slug derived from `organization`) and its
 * first admin from `body` {organization, name, email, password}; return the
 * response JSON (tenant, user, tokens). Returns 0, CRM_EINVALID or a db error; *out is the caller's. */
int crm_identity_signup(char **out, crm_db *db, const crm_identity_config *cfg, const json_t *body);

/* crm_identity_token: the OAuth-shaped token endpoint for `body` (grant_type
 * password or refresh_token) from client address `client`. Returns 0 with the
 * token response JSON, CRM_EAUTH (invalid grant), CRM_EINVALID, CRM_ERATELIMIT
 * (Retry-After set) or a db error; *out is the caller's. */
int crm_identity_token(char **out, crm_db *db, const crm_identity_config *cfg, const json_t *body,
                       const char *client);

/* crm_identity_revoke: revoke the family of the refresh token in `body`; a
 * well-formed but unknown token is ignored (RFC 7009), a body its schema
 * refuses (a malformed token, a token_type_hint other than refresh_token) is
 * CRM_EINVALID naming the field. Returns 0, CRM_EINVALID or a db error. */
int crm_identity_revoke(crm_db *db, const json_t *body);

/* crm_identity_me: {user, tenant} of the caller. Returns 0, CRM_ENOTFOUND or a db error. */
int crm_identity_me(char **out, crm_db *db, const crm_caller *who);

/* crm_identity_create_tenant: create tenant `slug` with an admin unless the slug
 * exists (*existed = 1, nothing changed). For the command line. Returns 0 or a crm error. */
int crm_identity_create_tenant(crm_db *db, const char *name, const char *slug, const char *email,
                               const char *password, const char *admin_name, int *existed);

/* crm_identity_create_user: add a user with `role` to the tenant `slug` (command
 * line: a first manager, or an admin when the last one lost access). Returns 0,
 * CRM_ENOTFOUND (no such tenant), CRM_EINVALID, CRM_ECONFLICT (email taken) or a db error. */
int crm_identity_create_user(crm_db *db, const char *slug, const char *email, const char *password, const char *name,
                             const char *role);

#endif
