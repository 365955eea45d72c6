/* error.h: the error codes every libcrm function returns and the thread-local
 * record of the last error (message and per-field validation errors). */
#ifndef CRM_ERROR_H
#define CRM_ERROR_H

#include <jansson.h>

/* Return codes. 0 is success; expected failures have their own code; anything
 * else is CRM_ERROR. The HTTP layer maps each to one status. */
enum {
    CRM_OK = 0,
    CRM_ERROR = -1,         /* unexpected: 500 */
    CRM_ENOTFOUND = -2,     /* absent or not visible: 404 */
    CRM_EINVALID = -3,      /* validation failed, field errors attached: 422 */
    CRM_ECONFLICT = -4,     /* duplicate or illegal state: 409 */
    CRM_EFORBIDDEN = -5,    /* role may not do this: 403 */
    CRM_EUNAVAILABLE = -6,  /* database down: 503 */
    CRM_ESTALE = -7,        /* If-Match did not match: 412 */
    CRM_EAUTH = -8,         /* bad credentials or token: 401 */
    CRM_ERATELIMIT = -9,    /* too many attempts: 429 */
    CRM_EBADREQUEST = -10,  /* malformed input: 400 */
    CRM_ETOOLARGE = -11,    /* body too large: 413 */
};

typedef struct crm_error {
    int code;
    char detail[512];
    json_t *fields; /* array of {field, code, message}, or NULL; owned by the record */
    int retry_after; /* seconds, for CRM_ERATELIMIT / CRM_EUNAVAILABLE; 0 = unset */
    json_t *extra;   /* further members of the problem (e.g. duplicate candidates), or NULL; owned */
} crm_error;

/* crm_error_set: record `code` with a printf-style detail for this thread,
 * replacing the previous record. Returns `code` so callers can `return crm_error_set(...)`. */
int crm_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* crm_error_errno: crm_error_set() with ": " and the system's message for
 * `errnum` (an errno value) appended; thread-safe, unlike strerror(). Returns `code`. */
int crm_error_errno(int code, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* crm_error_field: append one field error (field name, machine code such as
 * "required", human message) and set the code to CRM_EINVALID (or CRM_EBADREQUEST
 * if that is already the code). Returns CRM_EINVALID. */
int crm_error_field(const char *field, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* crm_error_last: the record for this thread; borrowed, valid until the next set/clear. */
const crm_error *crm_error_last(void);

/* crm_error_has_fields: whether field errors were recorded since the last clear. */
int crm_error_has_fields(void);

/* crm_error_clear: forget the record (done at the start of every request). */
void crm_error_clear(void);

/* crm_error_extra: attach a further member `name` to the problem the current
 * record becomes; steals `value` (jansson's convention). */
void crm_error_extra(const char *name, json_t *value);

/* crm_error_retry_after: attach a Retry-After hint (seconds) to the current record. */
void crm_error_retry_after(int seconds);

#endif
