/* identity.h: tenants, sign-up, sign-in (password and refresh-token grants),
 * refresh-token rotation with family revocation, the rate limits of sign-in
 * and sign-up, a user's own password change, and who a token stands for. */
#ifndef CRM_IDENTITY_H
#define CRM_IDENTITY_H

#include <jansson.h>

#include "crm/auth.h"
#include "crm/db.h"

typedef struct crm_identity_config {
    const crm_keys *keys;
    const char *issuer;
    const char *audience;
    long access_ttl;     /* seconds, at most 900; also the longest exp - iat accepted */
    long refresh_ttl;    /* seconds */
    int attempts_per_minute;         /* sign-ins per client address and account */
    int address_attempts_per_minute; /* sign-ins per client address, over all accounts */
    int signups_per_hour;            /* sign-ups per client address */
} crm_identity_config;

/* crm_identity_signup: create a tenant (slug derived from `organization`) and its
 * first admin from `body` {organization, name, email, password} sent from client
 * address `client`; return the response JSON (tenant, user, tokens). The
 * password must pass crm_password_check; at most cfg->signups_per_hour sign-ups
 * per address. Returns 0, CRM_EINVALID, CRM_ERATELIMIT (Retry-After set),
 * CRM_EUNAVAILABLE or a db error; *out is the caller's. */
int crm_identity_signup(char **out, crm_db *db, const crm_identity_config *cfg, const json_t *body,
                        const char *client);

/* crm_identity_token: the OAuth-shaped token endpoint for `body` (grant_type
 * password or refresh_token) from client address `client`. Password grants are
 * limited per address and account (cfg->attempts_per_minute) and per address
 * over all accounts (cfg->address_attempts_per_minute); the tenant and e-mail
 * address are normalised (crm_identity_normalize_email) for the lookup and the
 * limit alike. Returns 0 with the token response JSON, CRM_EAUTH (invalid
 * grant), CRM_EINVALID, CRM_ERATELIMIT (Retry-After set) or a db error; *out is
 * the caller's. */
int crm_identity_token(char **out, crm_db *db, const crm_identity_config *cfg, const json_t *body,
                       const char *client);

/* crm_identity_revoke: revoke the family of the refresh token in `body`; a
 * well-formed but unknown token is ignored (RFC 7009), a body its schema
 * refuses (a malformed token, a token_type_hint other than refresh_token) is
 * CRM_EINVALID naming the field. Returns 0, CRM_EINVALID or a db error. */
int crm_identity_revoke(crm_db *db, const json_t *body);

/* crm_identity_caller: who the verified claims of an access token stand for
 * now. The token must live no longer than cfg->access_ttl (exp - iat), not be
 * issued in the future, and name (sub, tid) a user of that tenant who is
 * active, has the token's role and the token's version (`ver`: a new password,
 * a deactivation or a role change moves it on). What the database says of a
 * user is kept for at most 2 seconds per process, so that most requests cost
 * no extra round trip. *out gets the tenant, the user and the role from the
 * database. Returns 0, CRM_EAUTH (detail says why) or a db error. Thread-safe. */
int crm_identity_caller(crm_caller *out, crm_db *db, const crm_identity_config *cfg, const crm_claims *claims);

/* crm_identity_forget: drop what this process keeps of (tenant, user), after a
 * change of their standing, so that its own next request reads it anew. */
void crm_identity_forget(const char *tenant, const char *user);

/* crm_identity_change_password: the caller changes their own password with
 * `body` {current_password, new_password}. The current one must match (else
 * CRM_EINVALID naming current_password; guesses count per user like sign-in
 * attempts), the new one pass crm_password_check (naming new_password). Revokes
 * every refresh token and every access token of the user, and answers the token
 * response JSON of a new sign-in. Returns 0, CRM_EINVALID, CRM_ERATELIMIT,
 * CRM_EUNAVAILABLE, CRM_EAUTH or a db error; *out is the caller's. */
int crm_identity_change_password(char **out, crm_db *db, const crm_identity_config *cfg, const crm_caller *who,
                                 const json_t *body);

/* crm_identity_normalize_email: the one form of an e-mail address (or another
 * name a person types, such as a tenant's slug) that is stored, looked up and
 * counted: NFKC, then full case folding, then NFKC. Returns 0, CRM_EINVALID
 * (not UTF-8) or CRM_ERROR; *out is the caller's (free()). */
int crm_identity_normalize_email(char **out, const char *email);

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
