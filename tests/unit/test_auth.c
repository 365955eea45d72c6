/* test_auth.c: unit tests of lib/auth.c and lib/password.c — signing keys and
 * JWKS, access token issue/verify (and the attacks it must refuse), passwords. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <argon2.h>
#include <dirent.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crm/auth.h"
#include "crm/error.h"

#define ISS "https://crm.test"
#define AUD "crm-api"
#define SUB "3f1c2a9e-7b4d-4c1e-9a6f-2d8e5b7c0a11"
#define TID "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"

typedef struct ctx {
    char dir[256];
    crm_keys *keys;
    char *private_pem;
    char *public_pem;
} ctx;

/* ---- helpers ------------------------------------------------------------ */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1))) {
        if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        } else {
            buf[size] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static void make_temp_dir(char *out, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, size, "%s/crm-test-auth-XXXXXX", base && *base ? base : "/tmp");
    assert_non_null(mkdtemp(out));
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    if (!d)
        return;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    char path[512];
    assert_non_null(c);
    make_temp_dir(c->dir, sizeof c->dir);
    assert_int_equal(crm_keys_load_or_create(&c->keys, c->dir), 0);
    snprintf(path, sizeof path, "%s/private.pem", c->dir);
    assert_non_null(c->private_pem = slurp(path));
    snprintf(path, sizeof path, "%s/public.pem", c->dir);
    assert_non_null(c->public_pem = slurp(path));
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    crm_keys_free(c->keys);
    free(c->private_pem);
    free(c->public_pem);
    remove_dir(c->dir);
    free(c);
    return 0;
}

static void b64url(char *out, const void *in, size_t len)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *s = in;
    size_t i;
    char *o = out;
    for (i = 0; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
        *o++ = a[v >> 18 & 63], *o++ = a[v >> 12 & 63], *o++ = a[v >> 6 & 63], *o++ = a[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)s[i] << 16;
        *o++ = a[v >> 18 & 63], *o++ = a[v >> 12 & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
        *o++ = a[v >> 18 & 63], *o++ = a[v >> 12 & 63], *o++ = a[v >> 6 & 63];
    }
    *o = '\0';
}

/* The claims our server would put in a token, valid for an hour; tests edit them. */
static json_t *good_grants(void)
{
    long now = (long)time(NULL);
    json_t *g = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "iss", ISS, "aud", AUD, "sub",
                          SUB, "tid", TID, "role", "sales", "typ", "access", "jti", "test-jti", "iat",
                          (json_int_t)now, "nbf", (json_int_t)now, "exp", (json_int_t)(now + 3600));
    assert_non_null(g);
    return g;
}

/* Sign `grants` (stolen) with libjwt using `alg` and `key`, kid header `kid`. */
static char *sign_with(jwt_alg_t alg, const char *key, const char *kid, json_t *grants)
{
    jwt_t *jwt = NULL;
    char *text = json_dumps(grants, JSON_COMPACT), *token;
    assert_non_null(text);
    assert_int_equal(jwt_new(&jwt), 0);
    assert_int_equal(jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)strlen(key)), 0);
    if (kid)
        assert_int_equal(jwt_add_header(jwt, "kid", kid), 0);
    assert_int_equal(jwt_add_grants_json(jwt, text), 0);
    token = jwt_encode_str(jwt);
    assert_non_null(token);
    jwt_free(jwt);
    free(text);
    json_decref(grants);
    return token;
}

static char *sign_ours(ctx *c, json_t *grants)
{
    return sign_with(JWT_ALG_RS256, c->private_pem, crm_keys_kid(c->keys), grants);
}

static int verify(ctx *c, const char *token)
{
    crm_claims claims;
    return crm_token_verify(&claims, c->keys, ISS, AUD, token);
}

static crm_claims sample_claims(void)
{
    crm_claims claims;
    memset(&claims, 0, sizeof claims);
    strcpy(claims.sub, SUB);
    strcpy(claims.tid, TID);
    strcpy(claims.role, "manager");
    return claims;
}

static char *issue(ctx *c, long ttl)
{
    crm_claims claims = sample_claims();
    char *token = NULL;
    assert_int_equal(crm_token_issue(&token, c->keys, ISS, AUD, &claims, ttl), 0);
    assert_non_null(token);
    return token;
}

/* ---- tokens ------------------------------------------------------------- */

static void test_auth_token_round_trip(void **state)
{
    ctx *c = *state;
    long before = (long)time(NULL);
    char *token = issue(c, 900);
    crm_claims out;

    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, token), 0);
    assert_string_equal(out.sub, SUB);
    assert_string_equal(out.tid, TID);
    assert_string_equal(out.role, "manager");
    assert_in_range(out.exp, before + 900, (long)time(NULL) + 900);
    /* again, now from the per-thread cache */
    memset(&out, 0, sizeof out);
    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, token), 0);
    assert_string_equal(out.sub, SUB);
    assert_string_equal(out.role, "manager");
    free(token);
}

static void test_auth_token_header_has_kid_and_rs256(void **state)
{
    ctx *c = *state;
    char *token = issue(c, 900);
    jwt_t *jwt = NULL;

    assert_int_equal(jwt_decode(&jwt, token, (const unsigned char *)c->public_pem, (int)strlen(c->public_pem)),
                     0);
    assert_int_equal(jwt_get_alg(jwt), JWT_ALG_RS256);
    assert_string_equal(jwt_get_header(jwt, "kid"), crm_keys_kid(c->keys));
    assert_string_equal(jwt_get_grant(jwt, "typ"), "access");
    assert_string_equal(jwt_get_grant(jwt, "iss"), ISS);
    assert_string_equal(jwt_get_grant(jwt, "aud"), AUD);
    assert_non_null(jwt_get_grant(jwt, "jti"));
    assert_int_equal(jwt_get_grant_int(jwt, "nbf"), jwt_get_grant_int(jwt, "iat"));
    assert_int_equal(jwt_get_grant_int(jwt, "exp") - jwt_get_grant_int(jwt, "iat"), 900);
    jwt_free(jwt);
    free(token);
}

static void test_auth_token_jti_differs(void **state)
{
    ctx *c = *state;
    char *a = issue(c, 900), *b = issue(c, 900);
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

static void test_auth_token_tampered_signature(void **state)
{
    ctx *c = *state;
    char *token = issue(c, 900);
    char *sig = strrchr(token, '.') + 1;
    size_t mid = strlen(sig) / 2;

    sig[mid] = sig[mid] == 'A' ? 'B' : 'A';
    assert_int_equal(verify(c, token), CRM_EAUTH);
    assert_int_equal(crm_error_last()->code, CRM_EAUTH);
    free(token);
}

static size_t unb64url(unsigned char *out, const char *in, size_t len)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        const char *p = strchr(a, in[i]);
        assert_non_null(p);
        acc = acc << 6 | (unsigned)(p - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

/* The genuine token is verified (and cached) first; a forged copy that differs
 * only in the payload, has the same length and the same signature must still fail. */
static void test_auth_token_tampered_payload(void **state)
{
    ctx *c = *state;
    char *token = issue(c, 900); /* role "manager" */
    char *first_dot = strchr(token, '.'), *last_dot = strrchr(token, '.');
    unsigned char payload_json[2048];
    char payload[2048], forged[8192], *role;
    size_t n;

    assert_int_equal(verify(c, token), 0);
    n = unb64url(payload_json, first_dot + 1, (size_t)(last_dot - first_dot - 1));
    payload_json[n] = '\0';
    assert_non_null(role = strstr((char *)payload_json, "\"manager\""));
    memcpy(role, "\"finance\"", 9); /* same length */
    b64url(payload, payload_json, n);
    snprintf(forged, sizeof forged, "%.*s.%s%s", (int)(first_dot - token), token, payload, last_dot);
    assert_int_equal(strlen(forged), strlen(token));
    assert_int_equal(verify(c, forged), CRM_EAUTH);
    free(token);
}

static void test_auth_token_alg_none(void **state)
{
    ctx *c = *state;
    char header_json[128], header[256], payload[2048], token[4096];
    json_t *grants = good_grants();
    char *payload_json = json_dumps(grants, JSON_COMPACT);

    snprintf(header_json, sizeof header_json, "{\"alg\":\"none\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
             crm_keys_kid(c->keys));
    b64url(header, header_json, strlen(header_json));
    b64url(payload, payload_json, strlen(payload_json));
    snprintf(token, sizeof token, "%s.%s.", header, payload);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    /* with a bogus signature part too, and with "None" */
    snprintf(token, sizeof token, "%s.%s.AAAA", header, payload);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    snprintf(header_json, sizeof header_json, "{\"alg\":\"None\",\"kid\":\"%s\"}", crm_keys_kid(c->keys));
    b64url(header, header_json, strlen(header_json));
    snprintf(token, sizeof token, "%s.%s.", header, payload);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    free(payload_json);
    json_decref(grants);
}

static void test_auth_token_hs256_with_public_key(void **state)
{
    ctx *c = *state;
    char *token = sign_with(JWT_ALG_HS256, c->public_pem, crm_keys_kid(c->keys), good_grants());
    jwt_t *jwt = NULL;

    /* the attack works against a naive libjwt caller ... */
    assert_int_equal(jwt_decode(&jwt, token, (const unsigned char *)c->public_pem, (int)strlen(c->public_pem)),
                     0);
    jwt_free(jwt);
    /* ... but not against us */
    assert_int_equal(verify(c, token), CRM_EAUTH);
    free(token);
}

static void test_auth_token_other_rsa_alg(void **state)
{
    ctx *c = *state;
    char *token = sign_with(JWT_ALG_RS512, c->private_pem, crm_keys_kid(c->keys), good_grants());
    assert_int_equal(verify(c, token), CRM_EAUTH);
    free(token);
}

static void test_auth_token_wrong_kid(void **state)
{
    ctx *c = *state;
    char *token = sign_with(JWT_ALG_RS256, c->private_pem, "0000000000000000", good_grants());
    char *no_kid = sign_with(JWT_ALG_RS256, c->private_pem, NULL, good_grants());
    assert_int_equal(verify(c, token), CRM_EAUTH);
    assert_int_equal(verify(c, no_kid), CRM_EAUTH);
    free(token);
    free(no_kid);
}

static void test_auth_token_other_key(void **state)
{
    ctx *c = *state;
    char dir[256];
    crm_keys *other = NULL;
    crm_claims claims = sample_claims(), out;
    char *token = NULL;

    make_temp_dir(dir, sizeof dir);
    assert_int_equal(crm_keys_load_or_create(&other, dir), 0);
    assert_string_not_equal(crm_keys_kid(other), crm_keys_kid(c->keys));
    assert_int_equal(crm_token_issue(&token, other, ISS, AUD, &claims, 900), 0);
    assert_int_equal(crm_token_verify(&out, other, ISS, AUD, token), 0); /* cached for `other` */
    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, token), CRM_EAUTH);
    free(token);
    crm_keys_free(other);
    remove_dir(dir);
}

static void test_auth_token_expired(void **state)
{
    ctx *c = *state;
    json_t *grants = good_grants();
    long now = (long)time(NULL);
    json_object_set_new(grants, "iat", json_integer(now - 7200));
    json_object_set_new(grants, "nbf", json_integer(now - 7200));
    json_object_set_new(grants, "exp", json_integer(now - 1));
    char *token = sign_ours(c, grants);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    assert_non_null(strstr(crm_error_last()->detail, "expired"));
    free(token);
}

static void test_auth_token_cached_until_expiry_only(void **state)
{
    ctx *c = *state;
    /* Two seconds, not one: a one-second token issued just before a second
     * ticks over is already expired when first checked. */
    char *token = issue(c, 2);
    crm_claims out;

    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, token), 0);
    while ((long)time(NULL) < out.exp)
        usleep(50 * 1000);
    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, token), CRM_EAUTH);
    free(token);
}

static void test_auth_token_nbf_future(void **state)
{
    ctx *c = *state;
    json_t *grants = good_grants();
    json_object_set_new(grants, "nbf", json_integer((long)time(NULL) + 600));
    char *token = sign_ours(c, grants);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    free(token);
}

static void test_auth_token_wrong_issuer(void **state)
{
    ctx *c = *state;
    json_t *grants = good_grants();
    json_object_set_new(grants, "iss", json_string("https://evil.test"));
    char *token = sign_ours(c, grants), *ours = issue(c, 900);
    crm_claims out;

    assert_int_equal(verify(c, token), CRM_EAUTH);
    /* a cached token must not pass a check against another issuer either */
    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, ours), 0);
    assert_int_equal(crm_token_verify(&out, c->keys, "https://other.test", AUD, ours), CRM_EAUTH);
    free(token);
    free(ours);
}

static void test_auth_token_wrong_audience(void **state)
{
    ctx *c = *state;
    json_t *grants = good_grants();
    json_object_set_new(grants, "aud", json_string("another-api"));
    char *token = sign_ours(c, grants), *ours = issue(c, 900);
    crm_claims out;

    assert_int_equal(verify(c, token), CRM_EAUTH);
    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, ours), 0);
    assert_int_equal(crm_token_verify(&out, c->keys, ISS, "another-api", ours), CRM_EAUTH);
    free(token);
    free(ours);
}

static void test_auth_token_typ_refresh(void **state)
{
    ctx *c = *state;
    json_t *grants = good_grants();
    json_object_set_new(grants, "typ", json_string("refresh"));
    char *token = sign_ours(c, grants);
    json_t *untyped = good_grants();
    json_object_del(untyped, "typ");
    char *no_typ = sign_ours(c, untyped);

    assert_int_equal(verify(c, token), CRM_EAUTH);
    assert_int_equal(verify(c, no_typ), CRM_EAUTH);
    free(token);
    free(no_typ);
}

static void test_auth_token_missing_claims(void **state)
{
    ctx *c = *state;
    const char *required[] = {"sub", "tid", "role", "exp", "nbf", "iss", "aud"};

    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        json_t *grants = good_grants();
        json_object_del(grants, required[i]);
        char *token = sign_ours(c, grants);
        assert_int_equal(verify(c, token), CRM_EAUTH);
        free(token);
    }
}

static void test_auth_token_badly_typed_claims(void **state)
{
    ctx *c = *state;
    json_t *grants = good_grants();
    json_object_set_new(grants, "exp", json_string("99999999999"));
    char *token = sign_ours(c, grants);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    free(token);

    grants = good_grants();
    json_object_set_new(grants, "sub", json_integer(42));
    token = sign_ours(c, grants);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    free(token);

    grants = good_grants(); /* longer than crm_claims.role holds */
    json_object_set_new(grants, "role", json_string("administrator-of-everything"));
    token = sign_ours(c, grants);
    assert_int_equal(verify(c, token), CRM_EAUTH);
    free(token);
}

static void test_auth_token_garbage(void **state)
{
    ctx *c = *state;
    const char *inputs[] = {"", "abc", "a.b.c", "..", "....", "eyJhbGciOiJSUzI1NiJ9..", "e30.e30.e30", "!!!.???.###"};
    char *long_token = malloc(9001);
    crm_claims out;

    for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++)
        assert_int_equal(verify(c, inputs[i]), CRM_EAUTH);
    assert_int_equal(crm_token_verify(&out, c->keys, ISS, AUD, NULL), CRM_EAUTH);
    memset(long_token, 'a', 9000);
    long_token[9000] = '\0';
    assert_int_equal(verify(c, long_token), CRM_EAUTH);
    assert_non_null(strstr(crm_error_last()->detail, "too long"));
    free(long_token);
}

typedef struct verify_job {
    ctx *c;
    const char *token;
    int failures;
} verify_job;

static void *verify_many(void *arg)
{
    verify_job *job = arg;
    crm_claims out;
    for (int i = 0; i < 200; i++)
        if (crm_token_verify(&out, job->c->keys, ISS, AUD, job->token) != 0 || strcmp(out.tid, TID) != 0)
            job->failures++;
    return NULL;
}

static void test_auth_token_verify_from_threads(void **state)
{
    ctx *c = *state;
    char *token = issue(c, 900);
    pthread_t threads[4];
    verify_job jobs[4];

    for (int i = 0; i < 4; i++) {
        jobs[i] = (verify_job){c, token, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, verify_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
    free(token);
}

/* ---- keys and JWKS ------------------------------------------------------ */

static void test_auth_keys_persisted(void **state)
{
    ctx *c = *state;
    crm_keys *again = NULL;
    char path[512];
    struct stat st;

    assert_int_equal(crm_keys_load_or_create(&again, c->dir), 0);
    assert_string_equal(crm_keys_kid(again), crm_keys_kid(c->keys));
    assert_string_equal(crm_keys_jwks(again), crm_keys_jwks(c->keys));
    /* a token from one load verifies with the other */
    char *token = issue(c, 900);
    crm_claims out;
    assert_int_equal(crm_token_verify(&out, again, ISS, AUD, token), 0);
    free(token);
    crm_keys_free(again);

    snprintf(path, sizeof path, "%s/private.pem", c->dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(c->dir, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
    assert_non_null(strstr(c->public_pem, "BEGIN PUBLIC KEY"));
}

static void test_auth_keys_creates_missing_dir(void **state)
{
    char base[256], dir[300], path[400];
    crm_keys *keys = NULL;
    struct stat st;
    (void)state;

    make_temp_dir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/keys", base);
    assert_int_equal(crm_keys_load_or_create(&keys, dir), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/public.pem", dir);
    assert_int_equal(stat(path, &st), 0);
    crm_keys_free(keys);
    remove_dir(dir);
    rmdir(base);
}

static void test_auth_keys_refuses_garbage(void **state)
{
    char dir[256], path[400];
    crm_keys *keys = NULL;
    FILE *f;
    (void)state;

    make_temp_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/private.pem", dir);
    assert_non_null(f = fopen(path, "w"));
    fputs("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    assert_int_equal(crm_keys_load_or_create(&keys, dir), CRM_ERROR);
    assert_null(keys);
    remove_dir(dir);
}

static void test_auth_keys_kid_is_der_digest(void **state)
{
    ctx *c = *state;
    BIO *bio = BIO_new_mem_buf(c->public_pem, -1);
    EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    unsigned char *der = NULL;
    int der_len;
    char digest[65];

    assert_non_null(pkey);
    der_len = i2d_PUBKEY(pkey, &der);
    assert_true(der_len > 0);
    crm_sha256_hex(digest, der, (size_t)der_len);
    digest[16] = '\0';
    assert_string_equal(crm_keys_kid(c->keys), digest);
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
}

static void test_auth_jwks(void **state)
{
    ctx *c = *state;
    json_error_t jerr;
    json_t *jwks = json_loads(crm_keys_jwks(c->keys), 0, &jerr), *keys, *key;
    BIO *bio = BIO_new_mem_buf(c->public_pem, -1);
    EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIGNUM *n = NULL;
    unsigned char bin[512];
    char n_b64[1024];
    int len;

    assert_non_null(jwks);
    keys = json_object_get(jwks, "keys");
    assert_true(json_is_array(keys));
    assert_int_equal(json_array_size(keys), 1);
    key = json_array_get(keys, 0);
    assert_string_equal(json_string_value(json_object_get(key, "kty")), "RSA");
    assert_string_equal(json_string_value(json_object_get(key, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(key, "use")), "sig");
    assert_string_equal(json_string_value(json_object_get(key, "kid")), crm_keys_kid(c->keys));
    assert_string_equal(json_string_value(json_object_get(key, "e")), "AQAB");
    /* n is the modulus of the key in public.pem */
    assert_non_null(pkey);
    assert_int_equal(EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    len = BN_bn2bin(n, bin);
    assert_int_equal(len, 256);
    b64url(n_b64, bin, (size_t)len);
    assert_string_equal(json_string_value(json_object_get(key, "n")), n_b64);
    BN_free(n);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    json_decref(jwks);
}

/* ---- passwords ---------------------------------------------------------- */

static void test_auth_password_hash_verify(void **state)
{
    char *hash = NULL, *hash2 = NULL;
    int rehash = -1;
    (void)state;

    assert_int_equal(crm_password_hash(&hash, "correct horse battery staple"), 0);
    assert_non_null(hash);
    assert_true(strncmp(hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_int_equal(crm_password_verify(&rehash, hash, "correct horse battery staple"), 0);
    assert_int_equal(rehash, 0);
    /* salted: the same password hashes differently */
    assert_int_equal(crm_password_hash(&hash2, "correct horse battery staple"), 0);
    assert_string_not_equal(hash, hash2);
    free(hash);
    free(hash2);
}

static void test_auth_password_mismatch(void **state)
{
    char *hash = NULL;
    int rehash = -1;
    (void)state;

    assert_int_equal(crm_password_hash(&hash, "s3cret!"), 0);
    assert_int_equal(crm_password_verify(&rehash, hash, "s3cret"), CRM_EAUTH);
    assert_int_equal(crm_password_verify(&rehash, hash, ""), CRM_EAUTH);
    assert_int_equal(crm_password_verify(&rehash, hash, "S3cret!"), CRM_EAUTH);
    free(hash);
}

static void test_auth_password_needs_rehash(void **state)
{
    unsigned char salt[16] = "0123456789abcdef";
    char encoded[256];
    int rehash = -1;
    (void)state;

    assert_int_equal(argon2id_hash_encoded(1, 8192, 1, "hunter22", 8, salt, sizeof salt, 32, encoded, sizeof encoded),
                     ARGON2_OK);
    assert_int_equal(crm_password_verify(&rehash, encoded, "hunter22"), 0);
    assert_int_equal(rehash, 1);
    assert_int_equal(crm_password_verify(&rehash, encoded, "hunter23"), CRM_EAUTH);

    /* same costs but argon2i */
    assert_int_equal(argon2i_hash_encoded(2, 19456, 1, "hunter22", 8, salt, sizeof salt, 32, encoded, sizeof encoded),
                     ARGON2_OK);
    rehash = -1;
    assert_int_equal(crm_password_verify(&rehash, encoded, "hunter22"), 0);
    assert_int_equal(rehash, 1);

    /* current costs, current type, but a short hash */
    assert_int_equal(argon2id_hash_encoded(2, 19456, 1, "hunter22", 8, salt, sizeof salt, 16, encoded, sizeof encoded),
                     ARGON2_OK);
    rehash = -1;
    assert_int_equal(crm_password_verify(&rehash, encoded, "hunter22"), 0);
    assert_int_equal(rehash, 1);
}

static void test_auth_password_malformed_hash(void **state)
{
    const char *bad[] = {
        "",
        "plaintext",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0",
        "$argon2id$v=19$m=4294967295,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=4000000,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=-1,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$c2Fs!HNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
        "$argon2x$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
        "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
    };
    int rehash = -1;
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = crm_password_verify(&rehash, bad[i], "password");
        assert_true(rc == CRM_ERROR || rc == CRM_EAUTH);
        assert_int_equal(rehash, 0);
    }
    /* absurd costs are refused before argon2 tries to allocate them */
    assert_int_equal(crm_password_verify(&rehash, bad[6], "password"), CRM_ERROR);
    assert_non_null(strstr(crm_error_last()->detail, "malformed"));
    assert_int_equal(crm_password_verify(&rehash, bad[7], "password"), CRM_ERROR);
    assert_non_null(strstr(crm_error_last()->detail, "malformed"));
}

static void *hash_one(void *arg)
{
    char *hash = NULL;
    int rehash, rc;
    int *ok = arg;
    struct timespec pause = {0, 10 * 1000000L};
    /* More threads than the hashing cap: the extra ones are refused at once
     * (CRM_EUNAVAILABLE) and try again, as a client told Retry-After would. */
    while ((rc = crm_password_hash(&hash, "parallel")) == CRM_EUNAVAILABLE)
        nanosleep(&pause, NULL);
    if (rc == 0)
        while ((rc = crm_password_verify(&rehash, hash, "parallel")) == CRM_EUNAVAILABLE)
            nanosleep(&pause, NULL);
    *ok = rc == 0;
    free(hash);
    crm_error_clear();
    return NULL;
}

static void test_auth_password_from_threads(void **state)
{
    pthread_t threads[4];
    int ok[4] = {0};
    (void)state;

    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, hash_one, &ok[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_true(ok[i]);
    }
}

/* ---- random and sha256 -------------------------------------------------- */

static void test_auth_random_token(void **state)
{
    char a[64], b[64], small[8];
    (void)state;

    assert_int_equal(crm_random_token(a, sizeof a, 32), 0);
    assert_int_equal(crm_random_token(b, sizeof b, 32), 0);
    assert_int_equal(strlen(a), 43);
    assert_int_equal(strlen(b), 43);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
    assert_string_not_equal(a, b);
    assert_int_equal(crm_random_token(a, sizeof a, 16), 0);
    assert_int_equal(strlen(a), 22);
    assert_int_equal(crm_random_token(small, sizeof small, 32), CRM_ERROR);
}

static void test_auth_sha256_known_vector(void **state)
{
    char hex[65];
    (void)state;

    crm_sha256_hex(hex, "abc", 3);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crm_sha256_hex(hex, "", 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_token_round_trip),
        cmocka_unit_test(test_auth_token_header_has_kid_and_rs256),
        cmocka_unit_test(test_auth_token_jti_differs),
        cmocka_unit_test(test_auth_token_tampered_signature),
        cmocka_unit_test(test_auth_token_tampered_payload),
        cmocka_unit_test(test_auth_token_alg_none),
        cmocka_unit_test(test_auth_token_hs256_with_public_key),
        cmocka_unit_test(test_auth_token_other_rsa_alg),
        cmocka_unit_test(test_auth_token_wrong_kid),
        cmocka_unit_test(test_auth_token_other_key),
        cmocka_unit_test(test_auth_token_expired),
        cmocka_unit_test(test_auth_token_cached_until_expiry_only),
        cmocka_unit_test(test_auth_token_nbf_future),
        cmocka_unit_test(test_auth_token_wrong_issuer),
        cmocka_unit_test(test_auth_token_wrong_audience),
        cmocka_unit_test(test_auth_token_typ_refresh),
        cmocka_unit_test(test_auth_token_missing_claims),
        cmocka_unit_test(test_auth_token_badly_typed_claims),
        cmocka_unit_test(test_auth_token_garbage),
        cmocka_unit_test(test_auth_token_verify_from_threads),
        cmocka_unit_test(test_auth_keys_persisted),
        cmocka_unit_test(test_auth_keys_creates_missing_dir),
        cmocka_unit_test(test_auth_keys_refuses_garbage),
        cmocka_unit_test(test_auth_keys_kid_is_der_digest),
        cmocka_unit_test(test_auth_jwks),
        cmocka_unit_test(test_auth_password_hash_verify),
        cmocka_unit_test(test_auth_password_mismatch),
        cmocka_unit_test(test_auth_password_needs_rehash),
        cmocka_unit_test(test_auth_password_malformed_hash),
        cmocka_unit_test(test_auth_password_from_threads),
        cmocka_unit_test(test_auth_random_token),
        cmocka_unit_test(test_auth_sha256_known_vector),
    };
    /* one key pair for the whole group: RSA generation is slow */
    return cmocka_run_group_tests(tests, setup, teardown);
}
