/* auth.c: the RSA signing keys and their JWKS, RS256 access tokens (issue and
 * verify, with a per-thread cache of verified tokens), random tokens and SHA-256. */
#include "crm/auth.h"
#include "crm/error.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <jwt.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY_BITS 2048
#define TOKEN_MAX 8192        /* longer tokens are refused before any parsing */
#define TOKEN_HEADER_MAX 1024 /* base64url characters of the JOSE header */
#define CACHE_SLOTS 256       /* power of two */
#define RANDOM_MAX 1024       /* bytes per crm_random_token call */

struct crm_keys {
    char *private_pem; /* PKCS#8 PEM, what libjwt signs with */
    int private_pem_len;
    char *public_pem; /* SubjectPublicKeyInfo PEM, what libjwt verifies with */
    int public_pem_len;
    char *jwks;
    char kid[17];
    unsigned long serial; /* tells cache entries of different key sets apart */
};

static unsigned long keys_serial_next = 1; /* atomic */

/* ---- small helpers ------------------------------------------------------ */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding; out must hold (4 * len + 2) / 3 + 1 bytes. */
static void b64url_encode(char *out, const unsigned char *in, size_t len)
{
    size_t i = 0;
    char *o = out;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = b64url_alphabet[v >> 18 & 63];
        *o++ = b64url_alphabet[v >> 12 & 63];
        *o++ = b64url_alphabet[v >> 6 & 63];
        *o++ = b64url_alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = b64url_alphabet[v >> 18 & 63];
        *o++ = b64url_alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = b64url_alphabet[v >> 18 & 63];
        *o++ = b64url_alphabet[v >> 12 & 63];
        *o++ = b64url_alphabet[v >> 6 & 63];
    }
    *o = '\0';
}

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long crm_base64url_decode(unsigned char *out, const char *in, size_t len)
{
    uint32_t acc = 0;
    int bits = 0;
    long n = 0;
    if (len % 4 == 1)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

#define FNV_OFFSET 14695981039346656037ULL

void crm_sha256_hex(char out[65], const void *data, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int md_len = 0;
    /* A digest failing means the crypto library itself is broken; an empty or
     * partial hash would be worse than stopping (hashes are compared to find
     * refresh tokens), so this is treated like a failed assertion. */
    if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32) {
        fprintf(stderr, "crm_sha256_hex: SHA-256 failed\n");
        abort();
    }
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static int fill_random(unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return crm_error_errno(CRM_ERROR, errno, "getrandom failed");
        }
        got += (size_t)n;
    }
    return 0;
}

int crm_random_token(char *out, size_t out_size, size_t nbytes)
{
    unsigned char buf[RANDOM_MAX];
    int error = CRM_ERROR;

    if (nbytes == 0 || nbytes > RANDOM_MAX) {
        crm_error_set(CRM_ERROR, "random token of %zu bytes is out of range (1..%d)", nbytes, RANDOM_MAX);
        goto done;
    }
    if (out_size < (4 * nbytes + 2) / 3 + 1) {
        crm_error_set(CRM_ERROR, "buffer of %zu bytes too small for a %zu-byte random token", out_size,
                      nbytes);
        goto done;
    }
    if ((error = fill_random(buf, nbytes)) < 0)
        goto done;
    b64url_encode(out, buf, nbytes);
    error = 0;
done:
    OPENSSL_cleanse(buf, sizeof buf);
    return error;
}

/* ---- keys --------------------------------------------------------------- */

/* mkdir -p with mode 0700 for the directories it creates. */
static int make_dir(const char *dir)
{
    char path[PATH_MAX];
    struct stat st;
    size_t len = strlen(dir);

    if (len == 0 || len >= sizeof path)
        return crm_error_set(CRM_ERROR, "key directory name is empty or too long");
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return crm_error_errno(CRM_ERROR, errno, "cannot create directory %s", path);
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return crm_error_errno(CRM_ERROR, errno, "cannot create key directory %s", path);
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return crm_error_set(CRM_ERROR, "key directory %s is not a directory", path);
    return 0;
}

/* Read a whole small file. Returns 0, CRM_ENOTFOUND if it does not exist, or CRM_ERROR. */
static int read_file(char **out, size_t *out_len, const char *path)
{
    FILE *f = NULL;
    char *buf = NULL;
    long size;
    int error = CRM_ERROR;

    *out = NULL;
    if (!(f = fopen(path, "rb"))) {
        if (errno == ENOENT)
            error = CRM_ENOTFOUND;
        else
            crm_error_errno(CRM_ERROR, errno, "cannot open %s", path);
        goto done;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > 1 << 20 ||
        fseek(f, 0, SEEK_SET) != 0) {
        crm_error_set(CRM_ERROR, "cannot read %s (unreadable or too large)", path);
        goto done;
    }
    if (!(buf = malloc((size_t)size + 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        crm_error_set(CRM_ERROR, "cannot read %s", path);
        goto done;
    }
    buf[size] = '\0';
    *out = buf;
    *out_len = (size_t)size;
    buf = NULL;
    error = 0;
done:
    if (f)
        fclose(f);
    if (buf) {
        OPENSSL_cleanse(buf, (size_t)size);
        free(buf);
    }
    return error;
}

/* Write `len` bytes to a fresh temporary file next to `path` with `mode`,
 * flushed to disk. *tmp_out receives its name (caller unlinks/renames it). */
static int write_temp(char *tmp_out, size_t tmp_size, const char *path, const void *data, size_t len,
                      mode_t mode)
{
    char suffix[12];
    int fd = -1, error = CRM_ERROR;

    if ((error = crm_random_token(suffix, sizeof suffix, 6)) < 0)
        goto done;
    error = CRM_ERROR;
    if ((size_t)snprintf(tmp_out, tmp_size, "%s.%s.tmp", path, suffix) >= tmp_size) {
        crm_error_set(CRM_ERROR, "key file path %s is too long", path);
        goto done;
    }
    if ((fd = open(tmp_out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
        crm_error_errno(CRM_ERROR, errno, "cannot create %s", tmp_out);
        goto done;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, (const char *)data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            crm_error_errno(CRM_ERROR, errno, "cannot write %s", tmp_out);
            goto done;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        crm_error_errno(CRM_ERROR, errno, "cannot sync %s", tmp_out);
        goto done;
    }
    error = 0;
done:
    if (fd >= 0)
        close(fd);
    if (error < 0 && fd >= 0)
        unlink(tmp_out);
    return error;
}

/* PEM text of the private (PKCS#8) or public (SubjectPublicKeyInfo) key; malloc'd. */
static int pem_of(char **out, int *out_len, EVP_PKEY *pkey, int private_part)
{
    BIO *bio = NULL;
    char *mem;
    long len;
    int error = CRM_ERROR;

    *out = NULL;
    if (!(bio = BIO_new(BIO_s_mem())))
        goto done;
    if (private_part ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1
                     : PEM_write_bio_PUBKEY(bio, pkey) != 1)
        goto done;
    if ((len = BIO_get_mem_data(bio, &mem)) <= 0 || len > INT_MAX - 1 || !(*out = malloc((size_t)len + 1)))
        goto done;
    memcpy(*out, mem, (size_t)len);
    (*out)[len] = '\0';
    *out_len = (int)len;
    error = 0;
done:
    if (error < 0)
        crm_error_set(CRM_ERROR, "cannot encode the %s key as PEM", private_part ? "private" : "public");
    BIO_free_all(bio); /* OpenSSL clears a memory BIO's buffer when freeing it */
    return error;
}

/* Load dir/private.pem, or generate and store a new pair (another process
 * racing to do the same is fine: the first file linked into place wins). */
static int load_or_generate(EVP_PKEY **out, const char *dir)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    char *text = NULL, *pem = NULL;
    size_t text_len = 0;
    int pem_len = 0, tmp_made = 0, error;
    EVP_PKEY *pkey = NULL;
    BIO *bio = NULL;

    *out = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/private.pem", dir) >= sizeof path) {
        error = crm_error_set(CRM_ERROR, "key directory path %s is too long", dir);
        goto done;
    }
    error = read_file(&text, &text_len, path);
    if (error == CRM_ENOTFOUND) {
        if (!(pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)KEY_BITS))) {
            error = crm_error_set(CRM_ERROR, "RSA key generation failed");
            goto done;
        }
        if ((error = pem_of(&pem, &pem_len, pkey, 1)) < 0)
            goto done;
        if ((error = write_temp(tmp, sizeof tmp, path, pem, (size_t)pem_len, 0600)) < 0)
            goto done;
        tmp_made = 1;
        if (link(tmp, path) == 0) {
            error = 0;
            goto done;
        }
        if (errno != EEXIST) {
            error = crm_error_errno(CRM_ERROR, errno, "cannot install %s", path);
            goto done;
        }
        /* someone else created it meanwhile: use theirs */
        EVP_PKEY_free(pkey);
        pkey = NULL;
        error = read_file(&text, &text_len, path);
    }
    if (error < 0) {
        if (error == CRM_ENOTFOUND)
            error = crm_error_set(CRM_ERROR, "cannot read %s", path);
        goto done;
    }
    if (text_len > INT_MAX || !(bio = BIO_new_mem_buf(text, (int)text_len)) ||
        !(pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL))) {
        error = crm_error_set(CRM_ERROR, "%s does not hold a PEM private key", path);
        goto done;
    }
    if (!EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_get_bits(pkey) < KEY_BITS) {
        error = crm_error_set(CRM_ERROR, "%s is not an RSA key of at least %d bits", path, KEY_BITS);
        goto done;
    }
    error = 0;
done:
    if (tmp_made)
        unlink(tmp);
    BIO_free(bio);
    if (text) {
        OPENSSL_cleanse(text, text_len);
        free(text);
    }
    if (pem) {
        OPENSSL_cleanse(pem, (size_t)pem_len);
        free(pem);
    }
    if (error < 0) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    *out = pkey;
    return error;
}

/* Keep dir/public.pem equal to the public half of the private key. */
static int store_public(const char *dir, const char *pem, size_t pem_len)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    char *current = NULL;
    size_t current_len = 0;
    int error;

    if ((size_t)snprintf(path, sizeof path, "%s/public.pem", dir) >= sizeof path)
        return crm_error_set(CRM_ERROR, "key directory path %s is too long", dir);
    error = read_file(&current, &current_len, path);
    if (error == 0 && current_len == pem_len && memcmp(current, pem, pem_len) == 0)
        goto done;
    if (error < 0 && error != CRM_ENOTFOUND)
        goto done;
    if ((error = write_temp(tmp, sizeof tmp, path, pem, pem_len, 0644)) < 0)
        goto done;
    if (rename(tmp, path) != 0) {
        error = crm_error_errno(CRM_ERROR, errno, "cannot install %s", path);
        unlink(tmp);
        goto done;
    }
    error = 0;
done:
    free(current);
    return error;
}

static int bn_param_b64url(char **out, EVP_PKEY *pkey, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char *bin = NULL;
    int len, error = CRM_ERROR;

    *out = NULL;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1 || (len = BN_num_bytes(bn)) <= 0)
        goto done;
    if (!(bin = malloc((size_t)len)) || BN_bn2bin(bn, bin) != len)
        goto done;
    if (!(*out = malloc((4 * (size_t)len + 2) / 3 + 1)))
        goto done;
    b64url_encode(*out, bin, (size_t)len);
    error = 0;
done:
    if (error < 0)
        crm_error_set(CRM_ERROR, "cannot read RSA parameter %s", name);
    free(bin);
    BN_free(bn);
    return error;
}

static int make_kid_and_jwks(crm_keys *keys, EVP_PKEY *pkey)
{
    unsigned char *der = NULL;
    char digest[65], *n = NULL, *e = NULL;
    json_t *jwks = NULL;
    int der_len, error = CRM_ERROR;

    if ((der_len = i2d_PUBKEY(pkey, &der)) <= 0) {
        crm_error_set(CRM_ERROR, "cannot encode the public key as DER");
        goto done;
    }
    crm_sha256_hex(digest, der, (size_t)der_len);
    memcpy(keys->kid, digest, 16);
    keys->kid[16] = '\0';

    if ((error = bn_param_b64url(&n, pkey, OSSL_PKEY_PARAM_RSA_N)) < 0 ||
        (error = bn_param_b64url(&e, pkey, OSSL_PKEY_PARAM_RSA_E)) < 0)
        goto done;
    error = CRM_ERROR;
    jwks = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "RSA", "use", "sig", "alg",
                     "RS256", "kid", keys->kid, "n", n, "e", e);
    if (!jwks || !(keys->jwks = json_dumps(jwks, JSON_COMPACT))) {
        crm_error_set(CRM_ERROR, "cannot build the JWKS document");
        goto done;
    }
    error = 0;
done:
    OPENSSL_free(der);
    free(n);
    free(e);
    json_decref(jwks);
    return error;
}

int crm_keys_load_or_create(crm_keys **out, const char *dir)
{
    crm_keys *keys = NULL;
    EVP_PKEY *pkey = NULL;
    int error;

    *out = NULL;
    if ((error = make_dir(dir)) < 0)
        goto done;
    if ((error = load_or_generate(&pkey, dir)) < 0)
        goto done;
    error = CRM_ERROR;
    if (!(keys = calloc(1, sizeof *keys))) {
        crm_error_set(CRM_ERROR, "out of memory");
        goto done;
    }
    if ((error = pem_of(&keys->private_pem, &keys->private_pem_len, pkey, 1)) < 0 ||
        (error = pem_of(&keys->public_pem, &keys->public_pem_len, pkey, 0)) < 0 ||
        (error = store_public(dir, keys->public_pem, (size_t)keys->public_pem_len)) < 0 ||
        (error = make_kid_and_jwks(keys, pkey)) < 0)
        goto done;
    keys->serial = __atomic_fetch_add(&keys_serial_next, 1, __ATOMIC_RELAXED);
    *out = keys;
    keys = NULL;
    error = 0;
done:
    EVP_PKEY_free(pkey);
    crm_keys_free(keys);
    return error;
}

void crm_keys_free(crm_keys *keys)
{
    if (!keys)
        return;
    if (keys->private_pem) {
        OPENSSL_cleanse(keys->private_pem, (size_t)keys->private_pem_len);
        free(keys->private_pem);
    }
    free(keys->public_pem);
    free(keys->jwks);
    free(keys);
}

const char *crm_keys_jwks(const crm_keys *keys) { return keys->jwks; }

const char *crm_keys_kid(const crm_keys *keys) { return keys->kid; }

/* ---- issuing ------------------------------------------------------------ */

static int copy_claim(char *dst, size_t dst_size, const char *src)
{
    size_t len = src ? strnlen(src, dst_size) : 0;
    if (len == 0 || len >= dst_size)
        return -1;
    memcpy(dst, src, len + 1);
    return 0;
}

int crm_token_issue(char **out, const crm_keys *keys, const char *issuer, const char *audience,
                    const crm_claims *claims, long ttl)
{
    jwt_t *jwt = NULL;
    char jti[32];
    long now = (long)time(NULL);
    int error = CRM_ERROR;

    *out = NULL;
    if (!issuer || !*issuer || !audience || !*audience || !claims->sub[0] || !claims->tid[0] ||
        !claims->role[0] || ttl <= 0) {
        crm_error_set(CRM_ERROR, "cannot issue a token without issuer, audience, sub, tid, role and a positive ttl");
        goto done;
    }
    if ((error = crm_random_token(jti, sizeof jti, 16)) < 0)
        goto done;
    error = CRM_ERROR;
    if (jwt_new(&jwt) != 0 ||
        jwt_set_alg(jwt, JWT_ALG_RS256, (const unsigned char *)keys->private_pem, keys->private_pem_len) != 0 ||
        jwt_add_header(jwt, "kid", keys->kid) != 0 || jwt_add_grant(jwt, "iss", issuer) != 0 ||
        jwt_add_grant(jwt, "aud", audience) != 0 || jwt_add_grant(jwt, "sub", claims->sub) != 0 ||
        jwt_add_grant(jwt, "tid", claims->tid) != 0 || jwt_add_grant(jwt, "role", claims->role) != 0 ||
        jwt_add_grant(jwt, "typ", "access") != 0 || jwt_add_grant(jwt, "jti", jti) != 0 ||
        jwt_add_grant_int(jwt, "ver", claims->ver) != 0 ||
        jwt_add_grant_int(jwt, "iat", now) != 0 || jwt_add_grant_int(jwt, "nbf", now) != 0 ||
        jwt_add_grant_int(jwt, "exp", now + ttl) != 0) {
        crm_error_set(CRM_ERROR, "cannot build the access token");
        goto done;
    }
    if (!(*out = jwt_encode_str(jwt))) {
        crm_error_set(CRM_ERROR, "cannot sign the access token");
        goto done;
    }
    error = 0;
done:
    jwt_free(jwt);
    return error;
}

/* ---- verifying ---------------------------------------------------------- */

/* One direct-mapped slot of the per-thread cache of verified tokens. The whole
 * token is kept and compared, so a hit is exactly a token verified before. */
typedef struct cache_entry {
    char *token;
    size_t len, cap;
    unsigned long keys_serial; /* 0 = empty */
    uint64_t scope;            /* hash of the issuer and audience it was checked against */
    crm_claims claims;
} cache_entry;

static _Thread_local cache_entry *token_cache;
static pthread_key_t token_cache_key;
static pthread_once_t token_cache_once = PTHREAD_ONCE_INIT;
static int token_cache_key_ok;

static void token_cache_destroy(void *table)
{
    cache_entry *entries = table;
    for (int i = 0; i < CACHE_SLOTS; i++)
        free(entries[i].token);
    free(entries);
    token_cache = NULL;
}

static void token_cache_key_create(void)
{
    token_cache_key_ok = pthread_key_create(&token_cache_key, token_cache_destroy) == 0;
}

/* The calling thread's table, created on first use and freed when the thread
 * exits; NULL if memory is short (verification then just skips the cache). */
static cache_entry *token_cache_get(void)
{
    if (token_cache)
        return token_cache;
    pthread_once(&token_cache_once, token_cache_key_create);
    if (!token_cache_key_ok)
        return NULL;
    cache_entry *table = calloc(CACHE_SLOTS, sizeof *table);
    if (!table)
        return NULL;
    if (pthread_setspecific(token_cache_key, table) != 0) {
        free(table);
        return NULL;
    }
    return token_cache = table;
}

static size_t token_slot(const char *token, size_t len)
{
    /* The tail is the signature: for real tokens as good as random, and short. */
    size_t tail = len < 64 ? len : 64;
    uint64_t h = fnv1a(FNV_OFFSET ^ len, token + len - tail, tail);
    return (size_t)(h ^ h >> 32) & (CACHE_SLOTS - 1);
}

static uint64_t token_scope(const char *issuer, const char *audience)
{
    uint64_t h = fnv1a(FNV_OFFSET, issuer, strlen(issuer) + 1);
    return fnv1a(h, audience, strlen(audience) + 1);
}

static void cache_store(cache_entry *entry, const char *token, size_t len, unsigned long serial, uint64_t scope,
                        const crm_claims *claims)
{
    if (entry->cap < len) {
        char *grown = realloc(entry->token, len);
        if (!grown) {
            entry->keys_serial = 0;
            return;
        }
        entry->token = grown;
        entry->cap = len;
    }
    memcpy(entry->token, token, len);
    entry->len = len;
    entry->keys_serial = serial;
    entry->scope = scope;
    entry->claims = *claims;
}

/* Check the JOSE header before handing the token to libjwt, which would
 * otherwise pick the algorithm the token names (e.g. HS256 keyed with our public PEM). */
static int check_header(const crm_keys *keys, const char *token, size_t len)
{
    unsigned char raw[TOKEN_HEADER_MAX];
    const char *dot = memchr(token, '.', len);
    json_t *header = NULL;
    const char *alg, *kid, *typ;
    long raw_len;
    int error = CRM_EAUTH;

    if (!dot || dot == token || (size_t)(dot - token) > TOKEN_HEADER_MAX) {
        crm_error_set(CRM_EAUTH, "The access token is malformed.");
        goto done;
    }
    if ((raw_len = crm_base64url_decode(raw, token, (size_t)(dot - token))) <= 0 ||
        !(header = json_loadb((const char *)raw, (size_t)raw_len, JSON_REJECT_DUPLICATES, NULL)) ||
        !json_is_object(header)) {
        crm_error_set(CRM_EAUTH, "The access token header is malformed.");
        goto done;
    }
    alg = json_string_value(json_object_get(header, "alg"));
    kid = json_string_value(json_object_get(header, "kid"));
    typ = json_string_value(json_object_get(header, "typ"));
    if (!alg || strcmp(alg, "RS256") != 0) {
        crm_error_set(CRM_EAUTH, "The access token must be signed with RS256.");
        goto done;
    }
    if (!kid || strcmp(kid, keys->kid) != 0) {
        crm_error_set(CRM_EAUTH, "The access token was signed with an unknown key.");
        goto done;
    }
    if (json_object_get(header, "typ") && (!typ || strcmp(typ, "JWT") != 0)) {
        crm_error_set(CRM_EAUTH, "The access token header has an unexpected typ.");
        goto done;
    }
    if (json_object_get(header, "crit")) {
        crm_error_set(CRM_EAUTH, "The access token header has critical extensions.");
        goto done;
    }
    error = 0;
done:
    json_decref(header);
    return error;
}

static int grant_long(long *out, jwt_t *jwt, const char *name)
{
    errno = 0;
    *out = jwt_get_grant_int(jwt, name);
    return errno == 0 ? 0 : -1;
}

static int check_claims(crm_claims *out, jwt_t *jwt, const char *issuer, const char *audience, long now)
{
    const char *iss = jwt_get_grant(jwt, "iss");
    const char *aud = jwt_get_grant(jwt, "aud");
    const char *typ = jwt_get_grant(jwt, "typ");
    long exp, nbf, iat, ver;

    if (!iss || strcmp(iss, issuer) != 0)
        return crm_error_set(CRM_EAUTH, "The access token was issued by someone else.");
    if (!aud || strcmp(aud, audience) != 0)
        return crm_error_set(CRM_EAUTH, "The access token is meant for another audience.");
    if (!typ || strcmp(typ, "access") != 0)
        return crm_error_set(CRM_EAUTH, "The token is not an access token.");
    if (grant_long(&exp, jwt, "exp") < 0 || grant_long(&nbf, jwt, "nbf") < 0 || grant_long(&iat, jwt, "iat") < 0 ||
        grant_long(&ver, jwt, "ver") < 0)
        return crm_error_set(CRM_EAUTH, "The access token lacks a numeric exp, nbf, iat or ver.");
    if (now >= exp)
        return crm_error_set(CRM_EAUTH, "The access token has expired.");
    if (now < nbf)
        return crm_error_set(CRM_EAUTH, "The access token is not valid yet.");
    if (copy_claim(out->sub, sizeof out->sub, jwt_get_grant(jwt, "sub")) < 0 ||
        copy_claim(out->tid, sizeof out->tid, jwt_get_grant(jwt, "tid")) < 0 ||
        copy_claim(out->role, sizeof out->role, jwt_get_grant(jwt, "role")) < 0)
        return crm_error_set(CRM_EAUTH, "The access token lacks a valid sub, tid or role.");
    out->ver = ver;
    out->iat = iat;
    out->exp = exp;
    return 0;
}

/* Whether the (not yet verified) payload of `token` says it has expired, so
 * that an expired or replayed token is refused without an RSA verification.
 * Only ever used to refuse: acceptance still needs the full check. */
static int expired_before_verifying(const char *token, size_t len, long now)
{
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (!dot2 || dot2 - dot1 - 1 > 4096)
        return 0;
    unsigned char payload[3 * 4096 / 4 + 4];
    long n = crm_base64url_decode(payload, dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (n <= 0)
        return 0;
    json_t *claims = json_loadb((const char *)payload, (size_t)n, 0, NULL);
    json_t *exp = json_object_get(claims, "exp");
    int expired = json_is_integer(exp) && json_integer_value(exp) <= now;
    json_decref(claims);
    return expired;
}

int crm_token_verify(crm_claims *out, const crm_keys *keys, const char *issuer, const char *audience,
                     const char *token)
{
    jwt_t *jwt = NULL;
    crm_claims claims;
    cache_entry *table, *entry = NULL;
    uint64_t scope;
    size_t len;
    long now = (long)time(NULL);
    int error = CRM_EAUTH;

    memset(out, 0, sizeof *out);
    if (!token || (len = strnlen(token, TOKEN_MAX + 1)) == 0) {
        crm_error_set(CRM_EAUTH, "No access token was given.");
        goto done;
    }
    if (len > TOKEN_MAX) {
        crm_error_set(CRM_EAUTH, "The access token is too long.");
        goto done;
    }
    scope = token_scope(issuer, audience);
    if ((table = token_cache_get())) {
        entry = &table[token_slot(token, len)];
        if (entry->keys_serial == keys->serial && entry->scope == scope && entry->len == len &&
            now < entry->claims.exp && CRYPTO_memcmp(entry->token, token, len) == 0) {
            *out = entry->claims;
            error = 0;
            goto done;
        }
    }

    if ((error = check_header(keys, token, len)) < 0)
        goto done;
    error = CRM_EAUTH;
    if (expired_before_verifying(token, len, now)) {
        crm_error_set(CRM_EAUTH, "The access token has expired.");
        goto done;
    }
    /* keys->public_pem is never empty: an empty key would make libjwt skip the check */
    if (jwt_decode(&jwt, token, (const unsigned char *)keys->public_pem, keys->public_pem_len) != 0 || !jwt) {
        crm_error_set(CRM_EAUTH, "The access token signature is invalid.");
        goto done;
    }
    if (jwt_get_alg(jwt) != JWT_ALG_RS256) {
        crm_error_set(CRM_EAUTH, "The access token must be signed with RS256.");
        goto done;
    }
    {
        const char *kid = jwt_get_header(jwt, "kid");
        if (!kid || strcmp(kid, keys->kid) != 0) {
            crm_error_set(CRM_EAUTH, "The access token was signed with an unknown key.");
            goto done;
        }
    }
    memset(&claims, 0, sizeof claims);
    if ((error = check_claims(&claims, jwt, issuer, audience, now)) < 0)
        goto done;
    if (entry)
        cache_store(entry, token, len, keys->serial, scope, &claims);
    *out = claims;
    error = 0;
done:
    jwt_free(jwt);
    return error;
}
