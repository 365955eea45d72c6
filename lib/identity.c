/* identity.c: sign-up, the token endpoint's two grants, refresh-token rotation
 * with reuse detection, revocation and the sign-in rate limit. */
#include "crm/identity.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/resource.h"
#include "crm/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const crm_stmt TENANT_CREATE = {"identity_tenant_create", "SELECT tenant_create($1, $2)"};
static const crm_stmt TENANT_LOOKUP = {"identity_tenant_lookup", "SELECT tenant_lookup($1)"};
static const crm_stmt TENANT_JSON = {
    "identity_tenant_json", "SELECT tenant_json(t) FROM tenants t WHERE t.id = $1"};
static const crm_stmt USER_INSERT = {
    "identity_user_insert",
    "INSERT INTO users (tenant_id, email, name, role, password_hash) VALUES ($1, $2, $3, $5, $4)"
    " RETURNING id, user_json(users)"};
static const crm_stmt USER_BY_EMAIL = {
    "identity_user_by_email",
    "SELECT id, role, active, password_hash FROM users WHERE tenant_id = $1 AND lower(email) = lower($2)"};
static const crm_stmt REHASH = {
    "identity_rehash", "UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2"};
static const crm_stmt REFRESH_INSERT = {
    "identity_refresh_insert",
    "INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_hash, expires_at)"
    " VALUES ($1, $2, coalesce($3::uuid, gen_random_uuid()), $4, now() + make_interval(secs => $5::int))"};
/* Rotate: mark the presented token used, once, atomically. */
static const crm_stmt REFRESH_ROTATE = {
    "identity_refresh_rotate",
    "UPDATE refresh_tokens r SET rotated_at = now() FROM users u"
    " WHERE r.tenant_id = $1 AND r.token_hash = $2 AND r.rotated_at IS NULL AND r.revoked_at IS NULL"
    " AND r.expires_at > now() AND u.tenant_id = r.tenant_id AND u.id = r.user_id AND u.active"
    " RETURNING r.user_id, r.family_id, u.role"};
/* Revoke the family of a token (reuse of a rotated token, or explicit revoke). */
static const crm_stmt FAMILY_REVOKE = {
    "identity_family_revoke",
    "UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND revoked_at IS NULL"
    " AND family_id = (SELECT family_id FROM refresh_tokens WHERE tenant_id = $1 AND token_hash = $2)"};
static const crm_stmt ATTEMPT = {
    "identity_attempt",
    "INSERT INTO auth_attempts AS a (key, window_start, attempts) VALUES ($1, now(), 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    " attempts = CASE WHEN a.window_start < now() - interval '1 minute' THEN 1 ELSE a.attempts + 1 END,"
    " window_start = CASE WHEN a.window_start < now() - interval '1 minute' THEN now() ELSE a.window_start END"
    " RETURNING attempts, greatest(1, ceil(extract(epoch FROM window_start + interval '1 minute' - now())))::int"};
static const crm_stmt ME = {
    "identity_me",
    "SELECT json_build_object('user', user_json(u), 'tenant', tenant_json(t))"
    " FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE u.tenant_id = $1 AND u.id = $2"};

static const crm_field SIGNUP_FIELDS[] = {
    {"organization", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 200, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 200, 0, NULL},
    {"email", CRM_T_EMAIL, CRM_F_REQUIRED, 0, 254, 0, NULL},
    {"password", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};
static const char *const GRANTS[] = {"password", "refresh_token", NULL};
static const crm_field PASSWORD_GRANT[] = {
    {"grant_type", CRM_T_ENUM, CRM_F_REQUIRED, 0, 0, 0, GRANTS},
    {"tenant", CRM_T_STRING, CRM_F_REQUIRED, 0, 63, 0, NULL},
    {"email", CRM_T_STRING, CRM_F_REQUIRED, 0, 254, 0, NULL},
    {"password", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};
static const crm_field REFRESH_GRANT[] = {
    {"grant_type", CRM_T_ENUM, CRM_F_REQUIRED, 0, 0, 0, GRANTS},
    {"refresh_token", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};
static const char *const HINTS[] = {"refresh_token", NULL};
static const crm_field REVOKE_FIELDS[] = {
    {"refresh_token", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {"token_type_hint", CRM_T_ENUM, 0, 0, 0, 0, HINTS},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* A body's refresh_token (valid for its field table) has the contract's
 * RefreshToken form: unreserved URL characters only. Whether it was ever
 * issued is another matter, which a malformed one does not get to ask. */
static int refresh_token_form(const json_t *body)
{
    const char *token = json_string_value(json_object_get(body, "refresh_token"));
    if (token && strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-") != strlen(token))
        return crm_error_field("refresh_token", "format", "Must be a refresh token: letters, digits and . _ ~ - only.");
    return 0;
}

static int invalid_grant(void) { return crm_error_set(CRM_EAUTH, "The credentials or the refresh token are not valid."); }

/* Refresh tokens are "<tenant id>.<secret>": the tenant tells which rows to
 * look in before anything is known about the caller. */
static int split_refresh(const char *token, char tenant[37], char hash[65])
{
    if (strlen(token) < 40 || token[36] != '.')
        return -1;
    memcpy(tenant, token, 36);
    tenant[36] = '\0';
    if (!crm_valid_uuid(tenant))
        return -1;
    crm_sha256_hex(hash, token, strlen(token));
    return 0;
}

/* Issue an access token and a new refresh token in `family` (NULL = new family),
 * and render the token response. */
static int issue(json_t **out, crm_db *db, const crm_identity_config *cfg, const char *tenant, const char *user,
                 const char *role, const char *family)
{
    crm_claims claims = {0};
    snprintf(claims.sub, sizeof claims.sub, "%s", user);
    snprintf(claims.tid, sizeof claims.tid, "%s", tenant);
    snprintf(claims.role, sizeof claims.role, "%s", role);
    char secret[64], refresh[128], hash[65], ttl[24];
    int rc = crm_random_token(secret, sizeof secret, 32);
    if (rc < 0)
        return rc;
    snprintf(refresh, sizeof refresh, "%s.%s", tenant, secret);
    crm_sha256_hex(hash, refresh, strlen(refresh));
    snprintf(ttl, sizeof ttl, "%ld", cfg->refresh_ttl);
    const char *params[] = {tenant, user, family, hash, ttl};
    if ((rc = crm_db_run(NULL, db, &REFRESH_INSERT, 5, params)) < 0)
        return rc;
    char *access = NULL;
    if ((rc = crm_token_issue(&access, cfg->keys, cfg->issuer, cfg->audience, &claims, cfg->access_ttl)) < 0)
        return rc;
    *out = json_pack("{s:s, s:s, s:I, s:s}", "access_token", access, "token_type", "Bearer", "expires_in",
                     (json_int_t)cfg->access_ttl, "refresh_token", refresh);
    free(access);
    return *out ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}

static void slug_of(char *out, size_t size, const char *organization)
{
    size_t n = 0;
    int dash = 0;
    for (const unsigned char *p = (const unsigned char *)organization; *p && n + 1 < size && n < 50; p++) {
        if (isalnum(*p) && *p < 0x80) {
            if (dash && n > 0)
                out[n++] = '-';
            dash = 0;
            out[n++] = (char)tolower(*p);
        } else {
            dash = 1;
        }
    }
    out[n] = '\0';
    if (n == 0)
        snprintf(out, size, "org");
}

static int set_tenant(crm_db *db, const char *tenant)
{
    crm_caller who = {0};
    snprintf(who.tenant_id, sizeof who.tenant_id, "%s", tenant);
    crm_db_set_caller(db, &who);
    return 0;
}

/* Add a user with `role` to `tenant` inside the open transaction; *user_json is the caller's. */
static int create_user(char **user_json, char user_id[37], crm_db *db, const char *tenant, const char *email,
                       const char *name, const char *password, const char *role)
{
    char *hash = NULL;
    int rc = crm_password_hash(&hash, password);
    if (rc < 0)
        return rc;
    const char *params[] = {tenant, email, name, hash, role};
    PGresult *res = NULL;
    rc = crm_db_run(&res, db, &USER_INSERT, 5, params);
    free(hash);
    if (rc < 0)
        return rc;
    snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
    *user_json = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    return *user_json ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}

int crm_identity_signup(char **out, crm_db *db, const crm_identity_config *cfg, const json_t *body)
{
    int rc = crm_validate(body, SIGNUP_FIELDS, CRM_CREATE);
    const char *password = json_string_value(json_object_get(body, "password"));
    if (password && crm_utf8_length(password) < 10)
        rc = crm_error_field("password", "too_short", "Must be at least 10 characters.");
    if (rc < 0)
        return rc;
    const char *organization = json_string_value(json_object_get(body, "organization"));
    char slug[64], tenant[37], user_id[37];
    slug_of(slug, sizeof slug, organization);
    char *user_json = NULL;
    json_t *tokens = NULL, *response = NULL;
    PGresult *res = NULL;
    /* The hashing place first: when the cap is full, refuse before creating anything. */
    if ((rc = crm_password_hold()) < 0)
        return rc;
    if ((rc = crm_db_begin(db)) < 0) {
        crm_password_release();
        return rc;
    }
    const char *tparams[] = {organization, slug};
    if ((rc = crm_db_run(&res, db, &TENANT_CREATE, 2, tparams)) < 0)
        goto done;
    snprintf(tenant, sizeof tenant, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    if ((rc = set_tenant(db, tenant)) < 0 ||
        (rc = create_user(&user_json, user_id, db, tenant, json_string_value(json_object_get(body, "email")),
                           json_string_value(json_object_get(body, "name")), password, "admin")) < 0 ||
        (rc = issue(&tokens, db, cfg, tenant, user_id, "admin", NULL)) < 0)
        goto done;
    const char *jparams[] = {tenant};
    if ((rc = crm_db_run(&res, db, &TENANT_JSON, 1, jparams)) < 0)
        goto done;
    json_t *tenant_doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL), *user_doc = json_loads(user_json, 0, NULL);
    response = tenant_doc && user_doc ? json_pack("{s:O, s:O}", "tenant", tenant_doc, "user", user_doc) : NULL;
    json_decref(tenant_doc);
    json_decref(user_doc);
    if (!response || json_object_update(response, tokens) < 0) {
        rc = crm_error_set(CRM_ERROR, "Out of memory building the sign-up answer.");
        goto done;
    }
    /* Rendered before the commit: once committed, the answer must not fail. */
    if (!(*out = json_dumps(response, JSON_COMPACT))) {
        rc = crm_error_set(CRM_ERROR, "Out of memory building the sign-up answer.");
        goto done;
    }
    if ((rc = crm_db_commit(db)) < 0) {
        free(*out);
        *out = NULL;
    }
done:
    if (rc < 0)
        crm_db_rollback(db);
    crm_password_release();
    PQclear(res);
    free(user_json);
    json_decref(tokens);
    json_decref(response);
    return rc;
}

int crm_identity_create_tenant(crm_db *db, const char *name, const char *slug, const char *email,
                               const char *password, const char *admin_name, int *existed)
{
    PGresult *res = NULL;
    const char *lp[] = {slug};
    *existed = 0;
    int rc = crm_db_run(&res, db, &TENANT_LOOKUP, 1, lp);
    if (rc < 0)
        return rc;
    *existed = !PQgetisnull(res, 0, 0);
    PQclear(res);
    if (*existed)
        return 0;
    char tenant[37], user_id[37];
    char *user_json = NULL;
    if ((rc = crm_db_begin(db)) < 0)
        return rc;
    const char *tparams[] = {name, slug};
    if ((rc = crm_db_run(&res, db, &TENANT_CREATE, 2, tparams)) < 0)
        goto done;
    snprintf(tenant, sizeof tenant, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if ((rc = set_tenant(db, tenant)) < 0 ||
        (rc = create_user(&user_json, user_id, db, tenant, email, admin_name, password, "admin")) < 0)
        goto done;
    rc = crm_db_commit(db);
done:
    if (rc < 0)
        crm_db_rollback(db);
    free(user_json);
    return rc;
}

static int rate_limit(crm_db *db, const crm_identity_config *cfg, const char *key)
{
    PGresult *res = NULL;
    const char *params[] = {key};
    int rc = crm_db_run(&res, db, &ATTEMPT, 1, params);
    if (rc < 0)
        return rc;
    int attempts = atoi(PQgetvalue(res, 0, 0)), wait = atoi(PQgetvalue(res, 0, 1));
    PQclear(res);
    if (attempts > cfg->attempts_per_minute) {
        crm_error_set(CRM_ERATELIMIT, "Too many sign-in attempts; wait before trying again.");
        crm_error_retry_after(wait);
        return CRM_ERATELIMIT;
    }
    return 0;
}

/* The password grant once the body is valid and a hashing place is held. */
static int sign_in(json_t **out, crm_db *db, const crm_identity_config *cfg, const json_t *body, const char *client)
{
    int rc;
    const char *slug = json_string_value(json_object_get(body, "tenant"));
    const char *email = json_string_value(json_object_get(body, "email"));
    const char *password = json_string_value(json_object_get(body, "password"));
    /* The key whole, never cut (a cut may split a character, which is no text
     * PostgreSQL takes); validated fields keep it under 1.5 KB. ASCII letters
     * only are folded: folding a byte of a multi-byte character breaks it. */
    if (!client)
        client = "";
    size_t size = strlen("password|||") + strlen(client) + strlen(slug) + strlen(email) + 1;
    char *key = malloc(size);
    if (!key)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    snprintf(key, size, "password|%s|%s|%s", client, slug, email);
    for (char *p = key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    rc = rate_limit(db, cfg, key);
    free(key);
    if (rc < 0)
        return rc;
    PGresult *res = NULL;
    const char *lp[] = {slug};
    if ((rc = crm_db_run(&res, db, &TENANT_LOOKUP, 1, lp)) < 0)
        return rc;
    char tenant[37] = "";
    if (!PQgetisnull(res, 0, 0))
        snprintf(tenant, sizeof tenant, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    char user[37] = "", role[16] = "", *stored = NULL;
    int active = 0;
    if (tenant[0]) {
        if ((rc = set_tenant(db, tenant)) < 0)
            return rc;
        const char *up[] = {tenant, email};
        if ((rc = crm_db_run(&res, db, &USER_BY_EMAIL, 2, up)) < 0)
            return rc;
        if (PQntuples(res) == 1) {
            snprintf(user, sizeof user, "%s", PQgetvalue(res, 0, 0));
            snprintf(role, sizeof role, "%s", PQgetvalue(res, 0, 1));
            active = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
            stored = strdup(PQgetvalue(res, 0, 3));
            if (!stored) {
                PQclear(res);
                return crm_error_set(CRM_ERROR, "Out of memory.");
            }
        }
        PQclear(res);
    }
    /* Verify against a throwaway hash when there is no such user, so that the
     * answer takes as long whether or not the account exists. */
    static const char *decoy = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                               "3pZ5BPnq3ZSgWBbd7XqLTd+8uUl9BV0lWwyp9N3A1XQ";
    int rehash = 0;
    int verified = crm_password_verify(&rehash, stored ? stored : decoy, password);
    free(stored);
    if (verified == CRM_EUNAVAILABLE)
        return verified; /* the hashing cap is full: 503, try again, nothing was learnt */
    if (verified != 0 || !user[0] || !active)
        return invalid_grant();
    if (rehash) {
        char *hash = NULL;
        if (crm_password_hash(&hash, password) == 0) {
            const char *rp[] = {tenant, user, hash};
            crm_db_run(NULL, db, &REHASH, 3, rp);
            free(hash);
        }
    }
    return issue(out, db, cfg, tenant, user, role, NULL);
}

static int password_grant(json_t **out, crm_db *db, const crm_identity_config *cfg, const json_t *body,
                          const char *client)
{
    int rc = crm_validate(body, PASSWORD_GRANT, CRM_CREATE);
    if (rc < 0)
        return rc;
    /* The hashing place first: when the cap is full the answer is 503 before
     * anything else, and the refused try does not count as a sign-in attempt. */
    if ((rc = crm_password_hold()) < 0)
        return rc;
    rc = sign_in(out, db, cfg, body, client);
    crm_password_release();
    return rc;
}

static int refresh_grant(json_t **out, crm_db *db, const crm_identity_config *cfg, const json_t *body)
{
    int rc = crm_validate(body, REFRESH_GRANT, CRM_CREATE);
    if (rc < 0 || (rc = refresh_token_form(body)) < 0)
        return rc;
    char tenant[37], hash[65];
    if (split_refresh(json_string_value(json_object_get(body, "refresh_token")), tenant, hash) < 0)
        return invalid_grant();
    if ((rc = set_tenant(db, tenant)) < 0 || (rc = crm_db_begin(db)) < 0)
        return rc;
    PGresult *res = NULL;
    const char *params[] = {tenant, hash};
    if ((rc = crm_db_run(&res, db, &REFRESH_ROTATE, 2, params)) < 0)
        goto done;
    if (PQntuples(res) == 0) {
        /* Unknown, expired, revoked, reused or its user deactivated: a reused
         * token means it leaked, so the whole family goes. */
        if ((rc = crm_db_run(NULL, db, &FAMILY_REVOKE, 2, params)) == 0 && (rc = crm_db_commit(db)) == 0)
            rc = invalid_grant();
        goto done;
    }
    char user[37], family[37], role[16];
    snprintf(user, sizeof user, "%s", PQgetvalue(res, 0, 0));
    snprintf(family, sizeof family, "%s", PQgetvalue(res, 0, 1));
    snprintf(role, sizeof role, "%s", PQgetvalue(res, 0, 2));
    if ((rc = issue(out, db, cfg, tenant, user, role, family)) == 0 && (rc = crm_db_commit(db)) < 0) {
        /* Not committed: the tokens just issued are void; release them. */
        json_decref(*out);
        *out = NULL;
    }
done:
    if (rc < 0 && rc != CRM_EAUTH)
        crm_db_rollback(db);
    PQclear(res);
    return rc;
}

int crm_identity_token(char **out, crm_db *db, const crm_identity_config *cfg, const json_t *body, const char *client)
{
    if (!json_is_object(body))
        return crm_error_field("", "type", "The body must be a JSON object.");
    const char *grant = json_string_value(json_object_get(body, "grant_type"));
    json_t *response = NULL;
    int rc;
    if (grant && strcmp(grant, "password") == 0)
        rc = password_grant(&response, db, cfg, body, client);
    else if (grant && strcmp(grant, "refresh_token") == 0)
        rc = refresh_grant(&response, db, cfg, body);
    else
        return crm_error_field("grant_type", grant ? "enum" : "required", "Must be password or refresh_token.");
    if (rc == 0 && !(*out = json_dumps(response, JSON_COMPACT)))
        rc = crm_error_set(CRM_ERROR, "Out of memory.");
    json_decref(response);
    return rc;
}

int crm_identity_revoke(crm_db *db, const json_t *body)
{
    int rc = crm_validate(body, REVOKE_FIELDS, CRM_CREATE);
    if (rc < 0 || (rc = refresh_token_form(body)) < 0)
        return rc;
    char tenant[37], hash[65];
    if (split_refresh(json_string_value(json_object_get(body, "refresh_token")), tenant, hash) < 0)
        return 0;
    if ((rc = set_tenant(db, tenant)) < 0)
        return rc;
    const char *params[] = {tenant, hash};
    return crm_db_run(NULL, db, &FAMILY_REVOKE, 2, params);
}

int crm_identity_me(char **out, crm_db *db, const crm_caller *who)
{
    const char *params[] = {who->tenant_id, who->user_id};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &ME, 2, params);
    if (rc < 0)
        return rc;
    rc = PQntuples(res) ? crm_json_take(out, res) : crm_error_set(CRM_ENOTFOUND, "Your user no longer exists.");
    PQclear(res);
    return rc;
}

int crm_identity_create_user(crm_db *db, const char *slug, const char *email, const char *password, const char *name,
                             const char *role)
{
    if (!crm_role_valid(role))
        return crm_error_set(CRM_EINVALID, "%s is not a role; use admin, manager, sales, assistant, finance or service.", role);
    if (crm_utf8_length(password) < 10)
        return crm_error_set(CRM_EINVALID, "The password must be at least 10 characters.");
    PGresult *res = NULL;
    const char *lp[] = {slug};
    int rc = crm_db_run(&res, db, &TENANT_LOOKUP, 1, lp);
    if (rc < 0)
        return rc;
    char tenant[37] = "", user_id[37];
    if (!PQgetisnull(res, 0, 0))
        snprintf(tenant, sizeof tenant, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!tenant[0])
        return crm_error_set(CRM_ENOTFOUND, "There is no tenant %s.", slug);
    char *user_json = NULL;
    if ((rc = set_tenant(db, tenant)) < 0)
        return rc;
    rc = create_user(&user_json, user_id, db, tenant, email, name, password, role);
    free(user_json);
    if (rc == CRM_ECONFLICT)
        return crm_error_set(CRM_ECONFLICT, "A user with the email %s exists in %s already.", email, slug);
    return rc;
}
