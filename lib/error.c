/* error.c: the thread-local error record behind crm_error_set() and friends.
 * Each worker thread handles one request at a time, so one record a thread suffices. */
#include "crm/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local crm_error last;

/* Which strerror_r <string.h> declares depends on feature macros; this file
 * asks for none and relies on the XSI one, which returns an int. */
_Static_assert(_Generic(&strerror_r, int (*)(int, char *, size_t): 1, default: 0), "the XSI strerror_r is expected");

int crm_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    last.code = code;
    va_start(ap, fmt);
    vsnprintf(last.detail, sizeof last.detail, fmt, ap);
    va_end(ap);
    return code;
}

int crm_error_errno(int code, int errnum, const char *fmt, ...)
{
    va_list ap;
    last.code = code;
    va_start(ap, fmt);
    int n = vsnprintf(last.detail, sizeof last.detail, fmt, ap);
    va_end(ap);
    size_t used = n < 0 ? 0 : (size_t)n < sizeof last.detail ? (size_t)n : sizeof last.detail - 1;
    char message[256];
    /* The XSI strerror_r (this file does not ask for _GNU_SOURCE): 0 or an error number. */
    if (strerror_r(errnum, message, sizeof message) != 0)
        snprintf(message, sizeof message, "error %d", errnum);
    snprintf(last.detail + used, sizeof last.detail - used, ": %s", message);
    return code;
}

int crm_error_field(const char *field, const char *code, const char *fmt, ...)
{
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (!last.fields)
        last.fields = json_array();
    /* A body with thousands of bad members gets the first hundred named, each
     * name cut to 256 bytes on a character boundary. */
    size_t len = strlen(field);
    if (len > 256) {
        len = 256;
        while (len > 0 && ((unsigned char)field[len] & 0xC0) == 0x80)
            len--;
    }
    if (json_array_size(last.fields) < 100)
        json_array_append_new(last.fields,
                              json_pack("{s:s%, s:s, s:s}", "field", field, len, "code", code, "message", message));
    if (last.code != CRM_EBADREQUEST) {
        last.code = CRM_EINVALID;
        snprintf(last.detail, sizeof last.detail, "The request has invalid fields; see errors.");
    }
    return CRM_EINVALID;
}

const crm_error *crm_error_last(void) { return &last; }

int crm_error_has_fields(void) { return last.fields && json_array_size(last.fields) > 0; }

void crm_error_extra(const char *name, json_t *value)
{
    if (!last.extra)
        last.extra = json_object();
    json_object_set_new(last.extra, name, value);
}

void crm_error_clear(void)
{
    json_decref(last.extra);
    json_decref(last.fields);
    memset(&last, 0, sizeof last);
}

void crm_error_retry_after(int seconds) { last.retry_after = seconds; }
