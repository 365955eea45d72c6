/* identity.c: sign-up, the token endpoint's two grants, refresh-token rotation
 * with reuse detection, revocation, the sign-in and sign-up rate limits, a
 * user's own password change, and who an access token stands for now. */
#include "crm/identity.h"
#include "crm/error.h"
#include "crm/policy.h"
#include "crm/resource.h"
#include "crm/validate.h"

#include <ctype.h>
#include <glib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const crm_stmt TENANT_CREATE = {"identity_tenant_create", "SELECT tenant_create($1, $2)"};
static const crm_stmt TENANT_LOOKUP = {"identity_tenant_lookup", "SELECT tenant_lookup($1)"};
static const crm_stmt TENANT_JSON = {
    "identity_tenant_json", "SELECT tenant_json(t) FROM tenants t WHERE t.id = $1"};
static const crm_stmt USER_INSERT = {
    "identity_user_insert",
    "INSERT INTO users (tenant_id, email, name, role, password_hash) VALUES ($1, $2, $3, $5, $4)"
    " RETURNING id, user_json(users)"};
/* $2 is normalised (crm_identity_normalize_email), as stored addresses are. */
static const crm_stmt USER_BY_EMAIL = {
    "identity_user_by_email",
    "SELECT id, role, active, password_hash, auth_version FROM users WHERE tenant_id = $1 AND lower(email) = $2"};
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
    " RETURNING r.user_id, r.family_id, u.role, u.auth_version"};
/* Revoke the family of a token (reuse of a rotated token, or explicit revoke). */
static const crm_stmt FAMILY_REVOKE = {
    "identity_family_revoke",
    "UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 AND revoked_at IS NULL"
    " AND family_id = (SELECT family_id FROM refresh_tokens WHERE tenant_id = $1 AND token_hash = $2)"};
/* Count one attempt under each of the keys $1 and $2 (NULL: none) in windows
 * of $3 seconds; per key: whether it is $1, the attempts in its window, and
 * the seconds until the window ends. */
static const crm_stmt ATTEMPT = {
    "identity_attempt",
    "INSERT INTO auth_attempts AS a (key, window_start, attempts)"
    " SELECT k, now(), 1 FROM unnest(ARRAY[$1::text, $2::text]) k WHERE k IS NOT NULL"
    " ON CONFLICT (key) DO UPDATE SET"
    " attempts = CASE WHEN a.window_start < now() - make_interval(secs => $3::int) THEN 1 ELSE a.attempts + 1 END,"
    " window_start = CASE WHEN a.window_start < now() - make_interval(secs => $3::int) THEN now() ELSE a.window_start END"
    " RETURNING a.key = $1, attempts,"
    " greatest(1, ceil(extract(epoch FROM window_start + make_interval(secs => $3::int) - now())))::int"};
/* Who a token's user is now: what crm_identity_caller compares the claims with. */
static const crm_stmt STANDING = {
    "identity_standing", "SELECT role, active, auth_version FROM users WHERE tenant_id = $1 AND id = $2"};
/* The caller's password and row version, locked for their password change. */
static const crm_stmt OWN_SECRET = {
    "identity_own_secret",
    "SELECT password_hash, email, version FROM users WHERE tenant_id = $1 AND id = $2 AND active FOR UPDATE"};
/* A new password by the one way users change (migrations/0012 user_update):
 * it revokes the refresh tokens and moves auth_version on. */
static const crm_stmt OWN_PASSWORD = {
    "identity_own_password", "SELECT id, version, doc, outcome FROM user_update($1, $2, '{}', $3, $4)"};
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
static const crm_field PASSWORD_CHANGE[] = {
    {"current_password", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
    {"new_password", CRM_T_STRING, CRM_F_REQUIRED, 0, 200, 0, NULL},
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
                 const char *role, long version, const char *family)
{
    crm_claims claims = {0};
    snprintf(claims.sub, sizeof claims.sub, "%s", user);
    snprintf(claims.tid, sizeof claims.tid, "%s", tenant);
    snprintf(claims.role, sizeof claims.role, "%s", role);
    claims.ver = version;
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

int crm_identity_normalize_email(char **out, const char *email)
{
    *out = NULL;
    /* NFKC first (the KELVIN SIGN becomes K), then case folding, then NFKC once
     * more, since folding can leave a string that is not normalised. */
    gchar *nfkc = g_utf8_normalize(email, -1, G_NORMALIZE_NFKC);
    gchar *folded = nfkc ? g_utf8_casefold(nfkc, -1) : NULL;
    gchar *normal = folded ? g_utf8_normalize(folded, -1, G_NORMALIZE_NFKC) : NULL;
    if (normal)
        *out = strdup(normal);
    g_free(nfkc);
    g_free(folded);
    g_free(normal);
    if (!normal)
        return crm_error_field("email", "format", "Must be valid UTF-8 text.");
    return *out ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}

/* Add a user with `role` to `tenant` inside the open transaction, its address
 * normalised; *user_json is the caller's. */
static int create_user(char **user_json, char user_id[37], crm_db *db, const char *tenant, const char *email,
                       const char *name, const char *password, const char *role)
{
    char *hash = NULL, *address = NULL;
    int rc = crm_identity_normalize_email(&address, email);
    if (rc < 0 || (rc = crm_password_hash(&hash, password)) < 0) {
        free(address);
        return rc;
    }
    const char *params[] = {tenant, address, name, hash, role};
    PGresult *res = NULL;
    rc = crm_db_run(&res, db, &USER_INSERT, 5, params);
    free(hash);
    free(address);
    if (rc < 0)
        return rc;
    snprintf(user_id, 37, "%s", PQgetvalue(res, 0, 0));
    *user_json = strdup(PQgetvalue(res, 0, 1));
    PQclear(res);
    return *user_json ? 0 : crm_error_set(CRM_ERROR, "Out of memory.");
}

/* One rate limit: at most `max` attempts under `key` per window. */
typedef struct attempt_limit {
    const char *key;
    int max;
    const char *detail; /* the 429's detail */
} attempt_limit;

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define FNV_OFFSET 14695981039346656037ULL

static uint64_t text_hash(uint64_t h, const char *text)
{
    for (const char *p = text; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

/* Keys the database refused lately, kept until their window ends, so that a
 * flood from a refused address (password spraying) is answered 429 at once:
 * no round trip, no row lock on its attempts, no hashing place. Per process,
 * learnt from the database, which stays the one count for all servers. */
#define REFUSED_SLOTS 1024 /* power of two */

static struct {
    uint64_t key; /* 64-bit hash of the key */
    double until; /* monotonic seconds */
} refusals[REFUSED_SLOTS];
static pthread_mutex_t refusals_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether `limit` (may be NULL) was refused lately: CRM_ERATELIMIT with its
 * detail and Retry-After, or 0. */
static int refused_lately(const attempt_limit *limit, double now)
{
    if (!limit)
        return 0;
    uint64_t key = text_hash(FNV_OFFSET, limit->key);
    size_t slot = (size_t)(key ^ key >> 32) & (REFUSED_SLOTS - 1);
    pthread_mutex_lock(&refusals_lock);
    double left = refusals[slot].key == key ? refusals[slot].until - now : 0;
    pthread_mutex_unlock(&refusals_lock);
    if (left <= 0)
        return 0;
    crm_error_set(CRM_ERATELIMIT, "%s", limit->detail);
    crm_error_retry_after((int)left + 1);
    return CRM_ERATELIMIT;
}

static void remember_refusal(const attempt_limit *limit, int seconds)
{
    uint64_t key = text_hash(FNV_OFFSET, limit->key);
    size_t slot = (size_t)(key ^ key >> 32) & (REFUSED_SLOTS - 1);
    pthread_mutex_lock(&refusals_lock);
    refusals[slot].key = key;
    refusals[slot].until = monotonic_seconds() + seconds;
    pthread_mutex_unlock(&refusals_lock);
}

/* Refused without asking the database: `first` or `second` was refused lately.
 * Call before taking a hashing place. Returns 0 or CRM_ERATELIMIT. */
static int limited_lately(const attempt_limit *first, const attempt_limit *second)
{
    double now = monotonic_seconds();
    int rc = refused_lately(first, now);
    return rc < 0 ? rc : refused_lately(second, now);
}

/* Count an attempt under `first` and `second` (NULL: one key only) in windows
 * of `window` seconds, in one statement. Returns 0, CRM_ERATELIMIT (the detail
 * of the first limit passed, with its Retry-After; remembered for
 * limited_lately) or a db error. */
static int rate_limit(crm_db *db, const attempt_limit *first, const attempt_limit *second, int window)
{
    char seconds[16];
    snprintf(seconds, sizeof seconds, "%d", window);
    const char *params[] = {first->key, second ? second->key : NULL, seconds};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &ATTEMPT, 3, params);
    if (rc < 0)
        return rc;
    for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
        const attempt_limit *limit = strcmp(PQgetvalue(res, i, 0), "t") == 0 ? first : second;
        if (limit && atoi(PQgetvalue(res, i, 1)) > limit->max) {
            int wait = atoi(PQgetvalue(res, i, 2));
            rc = crm_error_set(CRM_ERATELIMIT, "%s", limit->detail);
            crm_error_retry_after(wait);
            remember_refusal(limit, wait);
        }
    }
    PQclear(res);
    return rc;
}

/* A rate-limit key "<kind>|<part>|<part>...": whole, never cut (a cut may split
 * a character, which is no text PostgreSQL takes). *out is the caller's. */
static int limit_key(char **out, const char *kind, const char *a, const char *b, const char *c)
{
    size_t size = strlen(kind) + strlen(a) + (b ? strlen(b) + 1 : 0) + (c ? strlen(c) + 1 : 0) + 2;
    if (!(*out = malloc(size)))
        return crm_error_set(CRM_ERROR, "Out of memory.");
    snprintf(*out, size, "%s|%s%s%s%s%s", kind, a, b ? "|" : "", b ? b : "", c ? "|" : "", c ? c : "");
    return 0;
}

int crm_identity_signup(char **out, crm_db *db, const crm_identity_config *cfg, const json_t *body, const char *client)
{
    int rc = crm_validate(body, SIGNUP_FIELDS, CRM_CREATE);
    if (rc < 0)
        return rc;
    const char *organization = json_string_value(json_object_get(body, "organization"));
    const char *email = json_string_value(json_object_get(body, "email"));
    const char *password = json_string_value(json_object_get(body, "password"));
    char slug[64], tenant[37], user_id[37];
    slug_of(slug, sizeof slug, organization);
    char *user_json = NULL, *key = NULL;
    json_t *tokens = NULL, *response = NULL;
    PGresult *res = NULL;
    /* An address refused lately is refused at once; then the hashing place:
     * when the cap is full, refuse before creating anything or counting the
     * try; then the address's sign-ups, before the password is looked at. */
    if ((rc = limit_key(&key, "signup", client ? client : "", NULL, NULL)) < 0)
        return rc;
    attempt_limit per_address = {key, cfg->signups_per_hour,
                                 "Too many organizations were signed up from your address; wait before trying again."};
    if ((rc = limited_lately(&per_address, NULL)) < 0 || (rc = crm_password_hold()) < 0) {
        free(key);
        return rc;
    }
    if ((rc = rate_limit(db, &per_address, NULL, 3600)) < 0 ||
        (rc = crm_password_check("password", password, email, NULL)) < 0 || (rc = crm_db_begin(db)) < 0)
        goto done;
    const char *tparams[] = {organization, slug};
    if ((rc = crm_db_run(&res, db, &TENANT_CREATE, 2, tparams)) < 0)
        goto done;
    snprintf(tenant, sizeof tenant, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    /* A new user's auth_version is 1 (migrations/0012). */
    if ((rc = set_tenant(db, tenant)) < 0 ||
        (rc = create_user(&user_json, user_id, db, tenant, email, json_string_value(json_object_get(body, "name")),
                          password, "admin")) < 0 ||
        (rc = issue(&tokens, db, cfg, tenant, user_id, "admin", 1, NULL)) < 0)
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
    free(key);
    free(user_json);
    json_decref(tokens);
    json_decref(response);
    return rc;
}

/* The checks the command line's accounts share with the API's: an address the
 * API would take, and a password it would take. */
static const crm_field CLI_ACCOUNT[] = {
    {"email", CRM_T_EMAIL, CRM_F_REQUIRED, 0, 254, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static int check_cli_account(const char *email, const char *password)
{
    json_t *body = json_pack("{s:s}", "email", email);
    int rc = body ? crm_validate(body, CLI_ACCOUNT, CRM_CREATE) : crm_error_set(CRM_ERROR, "Out of memory.");
    json_decref(body);
    if (rc == 0)
        rc = crm_password_check("password", password, email, NULL);
    if (rc == CRM_EINVALID) {
        const crm_error *err = crm_error_last();
        json_t *first = json_array_get(err->fields, 0);
        const char *field = json_string_value(json_object_get(first, "field"));
        const char *message = json_string_value(json_object_get(first, "message"));
        return crm_error_set(CRM_EINVALID, "The %s is not accepted: %s", field ? field : "account",
                             message ? message : "invalid.");
    }
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
    if ((rc = check_cli_account(email, password)) < 0)
        return rc;
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

/* The password grant once the body is valid. */
static int sign_in(json_t **out, crm_db *db, const crm_identity_config *cfg, const json_t *body, const char *client)
{
    int held = 0;
    const char *password = json_string_value(json_object_get(body, "password"));
    char *slug = NULL, *email = NULL, *account_key = NULL, *address_key = NULL, *stored = NULL;
    PGresult *res = NULL;
    if (!client)
        client = "";
    /* The tenant and the address as they are looked up, and counted: one
     * account has one key however its address is spelt (KELVIN SIGN for K,
     * full-width letters, capitals). */
    int rc = crm_identity_normalize_email(&slug, json_string_value(json_object_get(body, "tenant")));
    if (rc < 0 || (rc = crm_identity_normalize_email(&email, json_string_value(json_object_get(body, "email")))) < 0 ||
        (rc = limit_key(&account_key, "password", client, slug, email)) < 0 ||
        (rc = limit_key(&address_key, "address", client, NULL, NULL)) < 0)
        goto done;
    attempt_limit per_account = {account_key, cfg->attempts_per_minute,
                                 "Too many sign-in attempts; wait before trying again."};
    attempt_limit per_address = {address_key, cfg->address_attempts_per_minute,
                                 "Too many sign-in attempts from your address; wait before trying again."};
    /* A key refused lately is refused at once. Then the hashing place: when
     * the cap is full the answer is 503 before anything else, and the refused
     * try does not count as a sign-in attempt. */
    if ((rc = limited_lately(&per_account, &per_address)) < 0 || (rc = crm_password_hold()) < 0)
        goto done;
    held = 1;
    if ((rc = rate_limit(db, &per_account, &per_address, 60)) < 0)
        goto done;
    const char *lp[] = {slug};
    if ((rc = crm_db_run(&res, db, &TENANT_LOOKUP, 1, lp)) < 0)
        goto done;
    char tenant[37] = "";
    if (!PQgetisnull(res, 0, 0))
        snprintf(tenant, sizeof tenant, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    char user[37] = "", role[16] = "";
    long version = 0;
    int active = 0;
    if (tenant[0]) {
        if ((rc = set_tenant(db, tenant)) < 0)
            goto done;
        const char *up[] = {tenant, email};
        if ((rc = crm_db_run(&res, db, &USER_BY_EMAIL, 2, up)) < 0)
            goto done;
        if (PQntuples(res) == 1) {
            snprintf(user, sizeof user, "%s", PQgetvalue(res, 0, 0));
            snprintf(role, sizeof role, "%s", PQgetvalue(res, 0, 1));
            active = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
            version = strtol(PQgetvalue(res, 0, 4), NULL, 10);
            if (!(stored = strdup(PQgetvalue(res, 0, 3)))) {
                rc = crm_error_set(CRM_ERROR, "Out of memory.");
                goto done;
            }
        }
    }
    /* Verify against a throwaway hash when there is no such user, so that the
     * answer takes as long whether or not the account exists. */
    static const char *decoy = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$"
                               "3pZ5BPnq3ZSgWBbd7XqLTd+8uUl9BV0lWwyp9N3A1XQ";
    int rehash = 0;
    int verified = crm_password_verify(&rehash, stored ? stored : decoy, password);
    if (verified == CRM_EUNAVAILABLE) {
        rc = verified; /* the hashing cap is full: 503, try again, nothing was learnt */
        goto done;
    }
    if (verified != 0 || !user[0] || !active) {
        rc = invalid_grant();
        goto done;
    }
    if (rehash) {
        char *hash = NULL;
        if (crm_password_hash(&hash, password) == 0) {
            const char *rp[] = {tenant, user, hash};
            crm_db_run(NULL, db, &REHASH, 3, rp);
            free(hash);
        }
    }
    rc = issue(out, db, cfg, tenant, user, role, version, NULL);
done:
    if (held)
        crm_password_release();
    PQclear(res);
    free(slug);
    free(email);
    free(account_key);
    free(address_key);
    free(stored);
    return rc;
}

static int password_grant(json_t **out, crm_db *db, const crm_identity_config *cfg, const json_t *body,
                          const char *client)
{
    int rc = crm_validate(body, PASSWORD_GRANT, CRM_CREATE);
    return rc < 0 ? rc : sign_in(out, db, cfg, body, client);
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
    long version = strtol(PQgetvalue(res, 0, 3), NULL, 10);
    if ((rc = issue(out, db, cfg, tenant, user, role, version, family)) == 0 && (rc = crm_db_commit(db)) < 0) {
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
    int rc = check_cli_account(email, password);
    if (rc < 0)
        return rc;
    PGresult *res = NULL;
    const char *lp[] = {slug};
    if ((rc = crm_db_run(&res, db, &TENANT_LOOKUP, 1, lp)) < 0)
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

/* ---- who a token stands for now ------------------------------------------ */

/* What the database said of a user, kept for at most STANDING_SECONDS so that
 * a request costs no extra round trip: a deactivation, a new password or a
 * role change takes effect on every server within that bound. Direct-mapped,
 * shared by the worker threads under one lock held only to copy an entry. */
#define STANDING_SLOTS 2048 /* power of two */
#define STANDING_SECONDS 2.0
/* How far ahead of this server's clock a token's iat may be (another server's clock). */
#define CLOCK_SKEW_SECONDS 60

typedef struct standing {
    char tenant[37], user[37];
    char role[16];
    long version;
    int usable; /* the user exists in the tenant and is active */
    double read_at; /* monotonic seconds; 0 = empty slot */
} standing;

static standing standings[STANDING_SLOTS];
static pthread_mutex_t standings_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t standing_slot(const char *tenant, const char *user)
{
    uint64_t h = text_hash(text_hash(FNV_OFFSET, tenant), user);
    return (size_t)(h ^ h >> 32) & (STANDING_SLOTS - 1);
}

/* A fresh entry for (tenant, user) into *out: 1, or 0 when there is none. */
static int standing_cached(standing *out, const char *tenant, const char *user, double now)
{
    standing *slot = &standings[standing_slot(tenant, user)];
    pthread_mutex_lock(&standings_lock);
    int hit = slot->read_at > 0 && now - slot->read_at < STANDING_SECONDS && strcmp(slot->tenant, tenant) == 0 &&
              strcmp(slot->user, user) == 0;
    if (hit)
        *out = *slot;
    pthread_mutex_unlock(&standings_lock);
    return hit;
}

static void standing_store(const standing *entry)
{
    standing *slot = &standings[standing_slot(entry->tenant, entry->user)];
    pthread_mutex_lock(&standings_lock);
    *slot = *entry;
    pthread_mutex_unlock(&standings_lock);
}

void crm_identity_forget(const char *tenant, const char *user)
{
    standing *slot = &standings[standing_slot(tenant, user)];
    pthread_mutex_lock(&standings_lock);
    if (strcmp(slot->tenant, tenant) == 0 && strcmp(slot->user, user) == 0)
        slot->read_at = 0;
    pthread_mutex_unlock(&standings_lock);
}

static int standing_read(standing *out, crm_db *db, const char *tenant, const char *user, double now)
{
    memset(out, 0, sizeof *out);
    snprintf(out->tenant, sizeof out->tenant, "%s", tenant);
    snprintf(out->user, sizeof out->user, "%s", user);
    crm_caller who = {0};
    snprintf(who.tenant_id, sizeof who.tenant_id, "%s", tenant);
    snprintf(who.user_id, sizeof who.user_id, "%s", user);
    crm_db_set_caller(db, &who);
    const char *params[] = {tenant, user};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &STANDING, 2, params);
    if (rc < 0)
        return rc;
    if (PQntuples(res) == 1) {
        snprintf(out->role, sizeof out->role, "%s", PQgetvalue(res, 0, 0));
        out->usable = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
        out->version = strtol(PQgetvalue(res, 0, 2), NULL, 10);
    }
    PQclear(res);
    out->read_at = now;
    return 0;
}

int crm_identity_caller(crm_caller *out, crm_db *db, const crm_identity_config *cfg, const crm_claims *claims)
{
    memset(out, 0, sizeof *out);
    long now = (long)time(NULL);
    if (!crm_valid_uuid(claims->tid) || !crm_valid_uuid(claims->sub))
        return crm_error_set(CRM_EAUTH, "The access token does not name a user of an organization.");
    if (claims->iat > now + CLOCK_SKEW_SECONDS)
        return crm_error_set(CRM_EAUTH, "The access token says it was issued in the future.");
    if (claims->exp - claims->iat > cfg->access_ttl)
        return crm_error_set(CRM_EAUTH, "The access token lives longer than this server's access tokens (%ld s).",
                             cfg->access_ttl);
    double mono = monotonic_seconds();
    standing s;
    if (!standing_cached(&s, claims->tid, claims->sub, mono)) {
        int rc = standing_read(&s, db, claims->tid, claims->sub, mono);
        if (rc < 0)
            return rc;
        standing_store(&s);
    }
    if (!s.usable)
        return crm_error_set(CRM_EAUTH, "The access token's user does not exist or has been deactivated.");
    if (s.version != claims->ver || strcmp(s.role, claims->role) != 0)
        return crm_error_set(CRM_EAUTH, "The access token was issued before the user's password or role changed;"
                                        " sign in again or use the refresh token.");
    memcpy(out->tenant_id, s.tenant, sizeof out->tenant_id);
    memcpy(out->user_id, s.user, sizeof out->user_id);
    memcpy(out->role, s.role, sizeof out->role);
    return 0;
}

/* ---- a user's own password ---------------------------------------------- */

static const crm_outcome OWN_PASSWORD_OUTCOMES[] = {
    {NULL, 0, NULL, NULL, NULL},
};

/* The change once the body is valid, the attempt counted and a hashing place held. */
static int change_password(json_t **out, crm_db *db, const crm_identity_config *cfg, const crm_caller *who,
                           const char *current, const char *fresh)
{
    PGresult *res = NULL;
    char *hash = NULL, *email = NULL, version[24] = "";
    const char *params[] = {who->tenant_id, who->user_id};
    int rehash = 0, rc = crm_db_begin(db);
    if (rc < 0 || (rc = crm_db_run(&res, db, &OWN_SECRET, 2, params)) < 0)
        goto done;
    if (PQntuples(res) != 1) {
        rc = crm_error_set(CRM_EAUTH, "The access token's user does not exist or has been deactivated.");
        goto done;
    }
    if (!(email = strdup(PQgetvalue(res, 0, 1)))) {
        rc = crm_error_set(CRM_ERROR, "Out of memory.");
        goto done;
    }
    snprintf(version, sizeof version, "%s", PQgetvalue(res, 0, 2));
    /* The new password's rules first: they say nothing of the current one, and
     * a request wrong only there hears about that. */
    if ((rc = crm_password_check("new_password", fresh, email, current)) < 0)
        goto done;
    rc = crm_password_verify(&rehash, PQgetvalue(res, 0, 0), current);
    if (rc == CRM_EAUTH)
        rc = crm_error_field("current_password", "mismatch", "Is not your current password.");
    if (rc < 0 || (rc = crm_password_hash(&hash, fresh)) < 0)
        goto done;
    const char *write[] = {who->tenant_id, who->user_id, hash, version};
    if ((rc = crm_run_write(NULL, db, &OWN_PASSWORD, 4, write, OWN_PASSWORD_OUTCOMES)) < 0)
        goto done;
    PQclear(res);
    res = NULL;
    /* The version the change moved to, for the tokens this session goes on with. */
    if ((rc = crm_db_run(&res, db, &STANDING, 2, params)) < 0)
        goto done;
    if ((rc = issue(out, db, cfg, who->tenant_id, who->user_id, PQgetvalue(res, 0, 0),
                    strtol(PQgetvalue(res, 0, 2), NULL, 10), NULL)) < 0)
        goto done;
    if ((rc = crm_db_commit(db)) < 0) {
        json_decref(*out);
        *out = NULL;
        goto done;
    }
    crm_identity_forget(who->tenant_id, who->user_id);
done:
    if (rc < 0)
        crm_db_rollback(db);
    PQclear(res);
    free(hash);
    free(email);
    return rc;
}

int crm_identity_change_password(char **out, crm_db *db, const crm_identity_config *cfg, const crm_caller *who,
                                 const json_t *body)
{
    int rc = crm_validate(body, PASSWORD_CHANGE, CRM_CREATE);
    if (rc < 0)
        return rc;
    char *key = NULL;
    json_t *response = NULL;
    /* Guesses of the current password with a stolen access token are counted
     * like sign-in attempts, per user. */
    if ((rc = limit_key(&key, "password-change", who->tenant_id, who->user_id, NULL)) < 0)
        return rc;
    attempt_limit per_user = {key, cfg->attempts_per_minute,
                              "Too many attempts to change your password; wait before trying again."};
    if ((rc = limited_lately(&per_user, NULL)) < 0 || (rc = crm_password_hold()) < 0) {
        free(key);
        return rc;
    }
    if ((rc = rate_limit(db, &per_user, NULL, 60)) < 0)
        goto done;
    rc = change_password(&response, db, cfg, who, json_string_value(json_object_get(body, "current_password")),
                         json_string_value(json_object_get(body, "new_password")));
    if (rc == 0 && !(*out = json_dumps(response, JSON_COMPACT)))
        rc = crm_error_set(CRM_ERROR, "Out of memory.");
done:
    crm_password_release();
    free(key);
    json_decref(response);
    return rc;
}
