/* password.c: argon2id password hashing and verification, with a cap on how
 * many hashes run at once so a burst of logins cannot exhaust CPU and memory
 * nor hold up the other requests of the threads it lands on. */
#include "crm/auth.h"
#include "crm/capacity.h"
#include "crm/error.h"

#include <argon2.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* The current parameters (OWASP minimum for argon2id). */
#define PW_M_COST 19456 /* KiB */
#define PW_T_COST 2
#define PW_PARALLELISM 1
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32

/* Bounds on what a stored hash may ask for, so a corrupt row cannot make a
 * verify allocate gigabytes or spin for minutes. */
#define PW_M_COST_MAX (1u << 20) /* 1 GiB */
#define PW_T_COST_MAX 32u
#define PW_PARALLELISM_MAX 16u
#define PW_ENCODED_MAX 512

/* At most this many hashes or verifies at once; beyond it the caller is
 * refused at once (capacity.h says why nobody waits). */
static crm_capacity hashing =
    CRM_CAPACITY_INIT(2, "The server is busy checking other passwords; retry in a moment.");

int crm_password_hold(void) { return crm_capacity_enter(&hashing); }

void crm_password_release(void) { crm_capacity_leave(&hashing); }

/* The parameters written in an encoded hash "$argon2id$v=19$m=..,t=..,p=..$salt$hash". */
typedef struct pw_params {
    argon2_type type;
    unsigned version, m_cost, t_cost, parallelism;
    size_t salt_chars, hash_chars; /* unpadded base64 lengths */
} pw_params;

/* Parse a decimal number without sign, spaces or leading zeros; advances *p. */
static int parse_uint(unsigned *out, const char **p)
{
    const char *s = *p;
    unsigned long v = 0;
    if (*s < '0' || *s > '9' || (*s == '0' && s[1] >= '0' && s[1] <= '9'))
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    *out = (unsigned)v;
    *p = s;
    return 0;
}

static int expect(const char **p, const char *literal)
{
    size_t len = strlen(literal);
    if (strncmp(*p, literal, len) != 0)
        return -1;
    *p += len;
    return 0;
}

static size_t b64_run(const char **p)
{
    const char *s = *p;
    while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '+' ||
           *s == '/')
        s++;
    size_t n = (size_t)(s - *p);
    *p = s;
    return n;
}

static int parse_encoded(pw_params *out, const char *encoded)
{
    const char *p = encoded;

    if (strnlen(encoded, PW_ENCODED_MAX + 1) > PW_ENCODED_MAX)
        return -1;
    if (expect(&p, "$argon2id$") == 0)
        out->type = Argon2_id;
    else if (expect(&p, "$argon2i$") == 0)
        out->type = Argon2_i;
    else if (expect(&p, "$argon2d$") == 0)
        out->type = Argon2_d;
    else
        return -1;
    if (expect(&p, "v=") < 0 || parse_uint(&out->version, &p) < 0 || expect(&p, "$m=") < 0 ||
        parse_uint(&out->m_cost, &p) < 0 || expect(&p, ",t=") < 0 || parse_uint(&out->t_cost, &p) < 0 ||
        expect(&p, ",p=") < 0 || parse_uint(&out->parallelism, &p) < 0 || expect(&p, "$") < 0)
        return -1;
    out->salt_chars = b64_run(&p);
    if (expect(&p, "$") < 0)
        return -1;
    out->hash_chars = b64_run(&p);
    if (*p != '\0' || out->salt_chars % 4 == 1 || out->hash_chars % 4 == 1)
        return -1;
    if (out->version != ARGON2_VERSION_10 && out->version != ARGON2_VERSION_13)
        return -1;
    if (out->t_cost < 1 || out->t_cost > PW_T_COST_MAX || out->parallelism < 1 ||
        out->parallelism > PW_PARALLELISM_MAX || out->m_cost < 8 * out->parallelism ||
        out->m_cost > PW_M_COST_MAX)
        return -1;
    /* argon2 wants at least 8 bytes of salt and 4 of hash */
    if (out->salt_chars < 11 || out->hash_chars < 6)
        return -1;
    return 0;
}

static int is_current(const pw_params *params)
{
    return params->type == Argon2_id && params->version == ARGON2_VERSION_13 && params->m_cost == PW_M_COST &&
           params->t_cost == PW_T_COST && params->parallelism == PW_PARALLELISM &&
           params->salt_chars == (4 * PW_SALT_LEN + 2) / 3 && params->hash_chars == (4 * PW_HASH_LEN + 2) / 3;
}

int crm_password_hash(char **out, const char *password)
{
    unsigned char salt[PW_SALT_LEN];
    size_t encoded_len = argon2_encodedlen(PW_T_COST, PW_M_COST, PW_PARALLELISM, PW_SALT_LEN, PW_HASH_LEN,
                                           Argon2_id);
    size_t password_len = strlen(password), got = 0;
    char *encoded = NULL;
    int rc, error = CRM_ERROR;

    *out = NULL;
    if (password_len > ARGON2_MAX_PWD_LENGTH) {
        crm_error_set(CRM_ERROR, "password too long to hash");
        goto done;
    }
    while (got < sizeof salt) {
        ssize_t n = getrandom(salt + got, sizeof salt - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            crm_error_errno(CRM_ERROR, errno, "getrandom failed");
            goto done;
        }
        got += (size_t)n;
    }
    if (!(encoded = malloc(encoded_len))) {
        crm_error_set(CRM_ERROR, "out of memory");
        goto done;
    }
    if ((error = crm_capacity_enter(&hashing)) < 0)
        goto done;
    error = CRM_ERROR;
    rc = argon2id_hash_encoded(PW_T_COST, PW_M_COST, PW_PARALLELISM, password, password_len, salt, sizeof salt,
                               PW_HASH_LEN, encoded, encoded_len);
    crm_capacity_leave(&hashing);
    if (rc != ARGON2_OK) {
        crm_error_set(CRM_ERROR, "argon2id hashing failed: %s", argon2_error_message(rc));
        goto done;
    }
    *out = encoded;
    encoded = NULL;
    error = 0;
done:
    free(encoded);
    return error;
}

int crm_password_verify(int *needs_rehash, const char *encoded, const char *password)
{
    pw_params params;
    size_t password_len = strlen(password);
    int rc;

    *needs_rehash = 0;
    if (!encoded || parse_encoded(&params, encoded) < 0)
        return crm_error_set(CRM_ERROR, "The stored password hash is malformed.");
    if (password_len > ARGON2_MAX_PWD_LENGTH)
        return crm_error_set(CRM_EAUTH, "The credentials are not valid.");
    if ((rc = crm_capacity_enter(&hashing)) < 0)
        return rc;
    /* argon2_verify recomputes the hash and compares in constant time */
    rc = argon2_verify(encoded, password, password_len, params.type);
    crm_capacity_leave(&hashing);
    if (rc == ARGON2_VERIFY_MISMATCH)
        return crm_error_set(CRM_EAUTH, "The credentials are not valid.");
    if (rc != ARGON2_OK)
        return crm_error_set(CRM_ERROR, "argon2 verification failed: %s", argon2_error_message(rc));
    *needs_rehash = !is_current(&params);
    return 0;
}
