/* auth.h: the signing keys, access tokens (RS256 JWT), password hashing and
 * the small crypto helpers the identity module needs. No HTTP, no SQL here. */
#ifndef CRM_AUTH_H
#define CRM_AUTH_H

#include <stddef.h>

typedef struct crm_keys crm_keys;

/* Claims the server puts in, and reads back from, an access token. */
typedef struct crm_claims {
    char sub[37];  /* user id (uuid) */
    char tid[37];  /* tenant id (uuid) */
    char role[16]; /* admin|manager|sales|assistant|finance|service */
    long ver;      /* the user's auth_version when the token was issued */
    long iat;      /* issued at, seconds since the epoch (read back; issuing sets it) */
    long exp;      /* expiry, seconds since the epoch */
} crm_claims;

/* crm_keys_load_or_create: load the RSA key pair kept in `dir` (created with
 * mode 0700 if missing), generating a 2048-bit pair on first use: private.pem
 * (PKCS#8, mode 0600) is the source of truth, public.pem is rewritten from it.
 * Several processes may start at once on one empty dir: they end up with one key.
 * Returns 0 or CRM_ERROR. On success *out is the caller's (crm_keys_free). */
int crm_keys_load_or_create(crm_keys **out, const char *dir);

/* crm_keys_free: release the keys; accepts NULL. */
void crm_keys_free(crm_keys *keys);

/* crm_keys_jwks: the JSON Web Key Set text of the public key(s). Borrowed. */
const char *crm_keys_jwks(const crm_keys *keys);

/* crm_keys_kid: the key id written in every token header: the first 16 hex
 * digits of the SHA-256 of the DER public key. Borrowed. */
const char *crm_keys_kid(const crm_keys *keys);

/* crm_token_issue: sign an access token for `claims` (sub, tid, role, ver) valid
 * `ttl` seconds from now (iat = nbf = now, exp = now + ttl, typ = "access", iss,
 * aud, kid header).
 * Returns 0 or CRM_ERROR; *out is the caller's (free()). */
int crm_token_issue(char **out, const crm_keys *keys, const char *issuer, const char *audience,
                    const crm_claims *claims, long ttl);

/* crm_token_verify: check `token` is an RS256 JWT signed by our key, with our kid,
 * iss and aud, typ "access", nbf <= now < exp, numeric iat and ver, and string
 * sub, tid and role that fit crm_claims; fill *out. Whether the claims still
 * hold (the user exists, is active, has that role and version) is
 * crm_identity_caller's to check. Tokens over 8 KiB are refused unread. Verified tokens
 * are kept in a small per-thread cache (whole token compared, per key set, issuer
 * and audience) until their expiry, so a repeated token costs no RSA.
 * Returns 0 or CRM_EAUTH (detail says why). */
int crm_token_verify(crm_claims *out, const crm_keys *keys, const char *issuer,
                     const char *audience, const char *token);

/* crm_password_hash: argon2id (m = 19 MiB, t = 2, p = 1) encoded hash of `password`.
 * At most a few hashes run at once (CPU and memory cap); beyond that the call
 * is refused at once, never queued (capacity.h).
 * Returns 0, CRM_EUNAVAILABLE (Retry-After set) or CRM_ERROR; *out is the caller's (free()). */
int crm_password_hash(char **out, const char *password);

/* crm_password_verify: check `password` against an encoded argon2 hash (argon2id;
 * argon2i/argon2d are accepted and flagged for rehash). Shares the hashing cap.
 * Returns 0 on a match, CRM_EAUTH on a mismatch, CRM_EUNAVAILABLE (Retry-After
 * set) when the cap is full, CRM_ERROR for a malformed or absurd (cost) stored
 * hash. On a match *needs_rehash is set when the hash used other parameters
 * than the current ones; otherwise it is 0. */
int crm_password_verify(int *needs_rehash, const char *encoded, const char *password);

/* crm_password_hold: take a place under the hashing cap for the calling thread
 * ahead of a hash or verify, so that a request the cap would refuse is refused
 * before its other work (a sign-in's attempt count, its lookups); the hashes and
 * verifies of the thread until crm_password_release() use that place.
 * Returns 0 or CRM_EUNAVAILABLE (Retry-After set). */
int crm_password_hold(void);
void crm_password_release(void);

/* crm_password_check: whether `password` may become a user's password (NIST SP
 * 800-63B): at least 10 characters, not a dictionary word or a common password
 * or a mangling of one, not a run, a sequence or a repetition, not the user's
 * name (the local part of `email`, may be NULL), and different from
 * `old_password` (may be NULL). No composition rules. Returns 0, CRM_EINVALID
 * naming `field` (codes too_short, weak, reused, saying why), or CRM_ERROR when
 * the dictionary cannot be read. Thread-safe (one check at a time). */
int crm_password_check(const char *field, const char *password, const char *email, const char *old_password);

/* crm_password_policy_ready: whether crm_password_check can work (its
 * dictionary is readable), for a server to find out when it starts.
 * Returns 0 or CRM_ERROR saying what is missing. */
int crm_password_policy_ready(void);

/* crm_random_token: `nbytes` (1..1024) random bytes from the OS CSPRNG, base64url
 * encoded without padding into `out` (size at least 4 * nbytes / 3 + 4; the text is
 * ceil(4 * nbytes / 3) characters). Returns 0 or CRM_ERROR. */
int crm_random_token(char *out, size_t out_size, size_t nbytes);

/* crm_base64url_decode: strict base64url decode (no padding) of `len` chars of
 * `in` into `out` (room for at least 3 * len / 4 bytes). Returns the decoded
 * length, or -1 on a character outside the alphabet or an impossible length. */
long crm_base64url_decode(unsigned char *out, const char *in, size_t len);

/* crm_sha256_hex: lowercase hex SHA-256 of `len` bytes at `data` into out[65].
 * Cannot fail short of a broken crypto library, in which case it aborts. */
void crm_sha256_hex(char out[65], const void *data, size_t len);

#endif
