/* password.c: argon2id password hashing and verification, with a cap on how
 * many hashes run at once so a burst of logins cannot exhaust CPU and memory
 * nor hold up the other requests of the threads it lands on; and which new
 * passwords are accepted at all (length and a dictionary of guessable ones). */
#include "crm/auth.h"
#include "crm/capacity.h"
#include "crm/error.h"
#include "crm/validate.h"

#include <argon2.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <pwquality.h>
#include <stdint.h>
#include <stdio.h>
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

/* ---- which passwords are accepted --------------------------------------- */

/* NIST SP 800-63B §5.1.1.2: at least a minimum length, no composition rules,
 * and never one that is commonly used, expected or compromised. libpwquality
 * over cracklib's dictionary (Debian's cracklib-runtime builds it from its word
 * lists, which hold the common passwords too) refuses dictionary words and
 * their usual manglings (password123, princess123), runs and sequences
 * (1234567890, abcdefghij), too few different characters (aaaaaaaaaa, ten
 * spaces, abcabcabcabc) and the user's own name. Its settings are set here,
 * every one of them, and never read from the system's pwquality.conf: the
 * server's rule does not change with the machine it runs on. */
#define PW_MIN_CHARS 10

static pwquality_settings_t *quality;
static char quality_failure[160];
static pthread_once_t quality_once = PTHREAD_ONCE_INIT;
/* cracklib keeps state of its own between calls: one check at a time. */
static pthread_mutex_t quality_lock = PTHREAD_MUTEX_INITIALIZER;

static void quality_init(void)
{
    static const int settings[][2] = {
        {PWQ_SETTING_MIN_LENGTH, 6}, /* its least; PW_MIN_CHARS, in characters, is checked before */
        {PWQ_SETTING_DIG_CREDIT, 0},       {PWQ_SETTING_UP_CREDIT, 0},    {PWQ_SETTING_LOW_CREDIT, 0},
        {PWQ_SETTING_OTH_CREDIT, 0},       {PWQ_SETTING_MIN_CLASS, 0},    {PWQ_SETTING_MAX_REPEAT, 0},
        {PWQ_SETTING_MAX_CLASS_REPEAT, 0}, {PWQ_SETTING_MAX_SEQUENCE, 0}, {PWQ_SETTING_DIFF_OK, 1},
        {PWQ_SETTING_DICT_CHECK, 1},       {PWQ_SETTING_USER_CHECK, 1},   {PWQ_SETTING_GECOS_CHECK, 0},
        {PWQ_SETTING_ENFORCING, 1},
    };
    pwquality_settings_t *pwq = pwquality_default_settings();
    if (!pwq) {
        snprintf(quality_failure, sizeof quality_failure, "out of memory");
        return;
    }
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (pwquality_set_int_value(pwq, settings[i][0], settings[i][1]) != 0) {
            snprintf(quality_failure, sizeof quality_failure, "libpwquality refused setting %d", settings[i][0]);
            pwquality_free_settings(pwq);
            return;
        }
    /* A password no dictionary holds: refused only when the dictionary cannot be read. */
    void *aux = NULL;
    int rc = pwquality_check(pwq, "vexing quartz 7 lemon drift", NULL, NULL, &aux);
    if (rc < 0) {
        char reason[PWQ_MAX_ERROR_MESSAGE_LEN];
        snprintf(quality_failure, sizeof quality_failure, "%s (is cracklib-runtime installed?)",
                 pwquality_strerror(reason, sizeof reason, rc, aux));
        pwquality_free_settings(pwq);
        return;
    }
    quality = pwq;
}

int crm_password_policy_ready(void)
{
    pthread_once(&quality_once, quality_init);
    if (!quality)
        return crm_error_set(CRM_ERROR, "New passwords cannot be checked: %s.", quality_failure);
    return 0;
}

/* The reason libpwquality gives, as the tail of our message: "it is based on
 * a dictionary word" out of "The password fails the dictionary check - it is
 * based on a dictionary word", "is a palindrome" out of "The password is a palindrome". */
static const char *reason_tail(const char *reason)
{
    const char *dash = strstr(reason, " - ");
    if (dash)
        return dash + 3;
    if (strncmp(reason, "The password ", 13) == 0)
        return reason + 13;
    return reason;
}

int crm_password_check(const char *field, const char *password, const char *email, const char *old_password)
{
    long chars = crm_utf8_length(password);
    if (chars < PW_MIN_CHARS)
        return crm_error_field(field, "too_short", "Must be at least %d characters.", PW_MIN_CHARS);
    int rc = crm_password_policy_ready();
    if (rc < 0)
        return rc;
    /* The address's local part stands for the user's name ("ada" of ada@acme.test). */
    char user[64] = "";
    if (email) {
        size_t n = strcspn(email, "@");
        snprintf(user, sizeof user, "%.*s", (int)(n < sizeof user ? n : sizeof user - 1), email);
    }
    void *aux = NULL;
    pthread_mutex_lock(&quality_lock);
    int score = pwquality_check(quality, password, old_password, user[0] ? user : NULL, &aux);
    char reason[PWQ_MAX_ERROR_MESSAGE_LEN] = "", buf[PWQ_MAX_ERROR_MESSAGE_LEN];
    /* It may answer a message of its own rather than fill buf. */
    if (score < 0)
        snprintf(reason, sizeof reason, "%s", pwquality_strerror(buf, sizeof buf, score, aux));
    pthread_mutex_unlock(&quality_lock);
    if (score >= 0)
        return 0;
    if (score == PWQ_ERROR_SAME_PASSWORD || score == PWQ_ERROR_TOO_SIMILAR || score == PWQ_ERROR_CASE_CHANGES_ONLY ||
        score == PWQ_ERROR_ROTATED)
        return crm_error_field(field, "reused", "Must differ from your current password.");
    if (score == PWQ_ERROR_MEM_ALLOC || score == PWQ_ERROR_FATAL_FAILURE)
        return crm_error_set(CRM_ERROR, "The password could not be checked: %s.", reason);
    char tail[PWQ_MAX_ERROR_MESSAGE_LEN];
    snprintf(tail, sizeof tail, "%s", reason_tail(reason));
    size_t len = strlen(tail);
    while (len > 0 && (tail[len - 1] == '.' || isspace((unsigned char)tail[len - 1])))
        tail[--len] = '\0';
    return crm_error_field(field, "weak",
                           "Is too easy to guess (%s): choose a longer phrase, for example a few unrelated words.",
                           tail);
}
