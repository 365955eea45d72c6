/* validate.h: checking request bodies against a resource's field table before
 * anything reaches SQL: types, lengths, enums, decimal strings, dates,
 * unknown and server-owned fields. Errors name the field (crm_error_field). */
#ifndef CRM_VALIDATE_H
#define CRM_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

#include "crm/resource.h"

typedef enum crm_field_type {
    CRM_T_STRING,   /* max = maximum length in characters */
    CRM_T_ENUM,     /* choices = NULL-terminated list */
    CRM_T_DECIMAL,  /* decimal string; max = integer digits, scale = fraction digits */
    CRM_T_INT,      /* JSON integer in [min, max] */
    CRM_T_BOOL,
    CRM_T_UUID,
    CRM_T_DATE,     /* YYYY-MM-DD, a real calendar date */
    CRM_T_EMAIL,
    CRM_T_OBJECT,   /* any JSON object (custom fields); max = encoded size, min = most members
                       (0: any); its strings are text (no NUL or control characters) */
    CRM_T_STRINGS,  /* array of strings; max = length of each, min = max item count */
    CRM_T_NUMBER,   /* JSON number (integer or not) in [min, max] */
    CRM_T_TIMESTAMP, /* RFC 3339 date-time string (crm_valid_timestamp) */
    CRM_T_PERCENT,  /* decimal string from 0 to 100 with up to 4 fraction digits */
    CRM_T_CURRENCY, /* ISO 4217 code: three capital letters */
    CRM_T_MEMBERS,  /* JSON object checked against `choices`, replaced as a whole (its
                       required members are required on create and patch); errors
                       name "field.member" */
} crm_field_type;

enum {
    CRM_F_REQUIRED = 1 << 0,  /* must be present on create */
    CRM_F_NULLABLE = 1 << 1,  /* null allowed (clears the value) */
    CRM_F_READONLY = 1 << 2,  /* server-owned: never accepted */
    CRM_F_NOPATCH = 1 << 3,   /* accepted on create only */
    CRM_F_POSITIVE = 1 << 4,  /* CRM_T_DECIMAL: greater than zero */
    CRM_F_NAME = 1 << 5,      /* CRM_T_STRING that tells records apart (a customer's, a user's
                                 name): one line, and no character that is invisible or turns
                                 the text's direction, so that no name can be shown as another */
};

typedef struct crm_field {
    const char *name;
    crm_field_type type;
    unsigned flags;
    long min;
    long max;
    int scale;
    const void *choices; /* CRM_T_ENUM: a NULL-terminated const char *const[];
                            CRM_T_MEMBERS: the members' crm_field table */
} crm_field;

enum { CRM_CREATE = 0, CRM_PATCH = 1 };

/* crm_validate: check that `body` is an object whose members are all in `fields`
 * (terminated by a {NULL} entry) with valid values for `mode`. The fields version,
 * created_at, updated_at and deleted_at are always server-owned. Returns 0 or
 * CRM_EINVALID with one field error per problem. */
int crm_validate(const json_t *body, const crm_field *fields, int mode);

/* crm_validate_except: crm_validate of `body` without its members named in the
 * NULL-terminated `skip` (arrays checked item by item with crm_validate_items). */
int crm_validate_except(const json_t *body, const crm_field *fields, int mode, const char *const *skip);

/* crm_validate_items: `items` is an array of min..max objects, each valid for
 * `fields` on create; errors name "name[i].field". Returns 0 or CRM_EINVALID. */
int crm_validate_items(const json_t *items, const char *name, const crm_field *fields, size_t min, size_t max);

/* crm_validate_query: check the query parameters named in `filters` (the same
 * field tables as bodies; a CRM_T_BOOL parameter is "true" or "false"; an empty
 * value is refused, except for CRM_T_STRING filters that are not CRM_F_REQUIRED,
 * for which it is absent) and put
 * their values, in the table's order, into values[0..*n) (NULL = absent or
 * empty). Returns 0 or CRM_EINVALID with one field error per bad parameter. */
int crm_validate_query(const char **values, size_t cap, size_t *n, const crm_query *query, const crm_field *filters);

/* crm_validate_query_names: whether every parameter of the query string as
 * sent (query->raw; names percent-decoded) is one of `params` (a field
 * table): CRM_EINVALID with a field error, code "unknown", for each that is
 * not, so that a misspelt parameter is not silently ignored. Returns 0 or
 * CRM_EINVALID. */
int crm_validate_query_names(const crm_query *query, const crm_field *params);

/* crm_query_has_nul: whether parameter `name` of the query string as sent holds
 * an encoded NUL (%00), which decoding cuts the value short at. */
int crm_query_has_nul(const crm_query *query, const char *name);

/* crm_valid_uuid: whether `s` is a canonical textual UUID. */
int crm_valid_uuid(const char *s);

/* crm_valid_decimal: whether `s` is a decimal string with at most `digits` integer
 * and `scale` fraction digits (optional leading '-' when `negative` is set). */
int crm_valid_decimal(const char *s, int digits, int scale, int negative);

/* crm_valid_date: whether `s` is YYYY-MM-DD naming a real day. */
int crm_valid_date(const char *s);

/* crm_valid_timestamp: whether `s` is an RFC 3339 date-time (with offset or Z). */
int crm_valid_timestamp(const char *s);

/* crm_one_of: whether `s` is one of the NULL-terminated `list`. */
int crm_one_of(const char *s, const char *const *list);

/* crm_nonempty: `s` when it has characters, NULL when it is NULL or "" (how an
 * absent query parameter reaches SQL). */
const char *crm_nonempty(const char *s);

/* crm_blank: whether `s` is NULL, empty or only white space (an absent filter). */
int crm_blank(const char *s);

/* crm_utf8_length: number of characters of a UTF-8 string, or -1 if not valid UTF-8. */
long crm_utf8_length(const char *s);

/* crm_cursor_parts: split a list cursor (base64url of "<first>|<uuid>") into its
 * parts, without recording an error. Returns 0 or -1. */
int crm_cursor_parts(const char *cursor, char *first, size_t first_size, char id[37]);

/* crm_cursor_decode: split a list cursor (base64url of "timestamp|uuid") into its
 * parts. Returns 0 or CRM_EINVALID with a field error on `cursor`. */
int crm_cursor_decode(const char *cursor, char ts[40], char id[37]);

#endif
