/* validate.c: field-table validation of request bodies and the small format
 * checks (uuid, decimal, date, timestamp, cursor) shared by every resource. */
#include "crm/validate.h"
#include "crm/auth.h"
#include "crm/error.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SERVER_OWNED[] = {"version", "created_at", "updated_at", "deleted_at", NULL};

int crm_valid_uuid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int crm_valid_decimal(const char *s, int digits, int scale, int negative)
{
    if (!s)
        return 0;
    if (*s == '-' && negative)
        s++;
    int n = 0;
    while (isdigit((unsigned char)*s)) {
        s++;
        n++;
    }
    if (n == 0 || n > digits)
        return 0;
    if (*s == '.') {
        s++;
        int f = 0;
        while (isdigit((unsigned char)*s)) {
            s++;
            f++;
        }
        if (f == 0 || f > scale)
            return 0;
    }
    return *s == '\0';
}

static int digits_at(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int valid_day(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

int crm_valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits_at(s, 4) || !digits_at(s + 5, 2) ||
        !digits_at(s + 8, 2))
        return 0;
    return valid_day(num(s, 4), num(s + 5, 2), num(s + 8, 2));
}

int crm_valid_timestamp(const char *s)
{
    if (!s || strlen(s) < 20 || strlen(s) > 40)
        return 0;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!crm_valid_date(date) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return 0;
    const char *t = s + 11;
    if (!digits_at(t, 2) || t[2] != ':' || !digits_at(t + 3, 2) || t[5] != ':' || !digits_at(t + 6, 2))
        return 0;
    if (num(t, 2) > 23 || num(t + 3, 2) > 59 || num(t + 6, 2) > 60)
        return 0;
    t += 8;
    if (*t == '.') {
        t++;
        if (!isdigit((unsigned char)*t))
            return 0;
        while (isdigit((unsigned char)*t))
            t++;
    }
    if (*t == 'Z' || *t == 'z')
        return t[1] == '\0';
    /* Offsets up to ±15:59, the most PostgreSQL accepts (real ones stop at ±14:00). */
    if ((*t == '+' || *t == '-') && digits_at(t + 1, 2) && t[3] == ':' && digits_at(t + 4, 2))
        return t[6] == '\0' && num(t + 1, 2) <= 15 && num(t + 4, 2) <= 59;
    return 0;
}

const char *crm_nonempty(const char *s) { return s && *s ? s : NULL; }

int crm_blank(const char *s)
{
    while (s && isspace((unsigned char)*s))
        s++;
    return !s || !*s;
}

long crm_utf8_length(const char *s)
{
    long n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int extra = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0)
            return -1;
        p++;
        for (int i = 0; i < extra; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return -1;
        n++;
    }
    return n;
}

static int valid_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || strlen(s) > 254)
        return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p) || (unsigned char)*p >= 0x80 ||
            strchr("\"(),:;<>[\\]", *p))
            return 0;
    const char *last = s + strlen(s) - 1;
    return *last != '.' && at[1] != '.';
}

int crm_one_of(const char *s, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* Whether a valid decimal string is zero ("0.000"). */
static int decimal_is_zero(const char *s)
{
    for (; *s; s++)
        if (*s >= '1' && *s <= '9')
            return 0;
    return 1;
}

/* Whether a valid decimal string is at most 100. */
static int percent_valid(const char *s)
{
    const char *dot = strchr(s, '.');
    size_t whole = dot ? (size_t)(dot - s) : strlen(s);
    while (whole > 1 && *s == '0')
        s++, whole--;
    if (whole < 3)
        return 1;
    if (whole > 3 || strncmp(s, "100", 3) != 0)
        return 0;
    for (const char *p = dot ? dot + 1 : ""; *p; p++)
        if (*p != '0')
            return 0;
    return 1;
}

static int valid_currency(const char *s)
{
    return strlen(s) == 3 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3;
}

/* "Must be one of a, b, c." for an enum's choices. */
static int enum_error(const char *name, const char *const *choices)
{
    char list[256] = "";
    size_t n = 0;
    for (const char *const *c = choices; c && *c && n + strlen(*c) + 3 < sizeof list; c++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *c);
    return crm_error_field(name, "enum", "Must be one of %s.", list);
}

/* Text a person could have typed: valid UTF-8 without control characters other
 * than tab, newline and carriage return. Returns 0 or records a format error. */
static int check_text(const char *name, const char *s, size_t bytes)
{
    if (strlen(s) != bytes)
        return crm_error_field(name, "format", "Must not contain NUL characters.");
    if (crm_utf8_length(s) < 0)
        return crm_error_field(name, "format", "Must be valid UTF-8 text.");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F)
            return crm_error_field(name, "format", "Must not contain control characters.");
    return 0;
}

/* The code point at *p (valid UTF-8, checked before), and *p moved past it. */
static unsigned long next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    int extra = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 : 3;
    unsigned long cp = extra == 0 ? *s : *s & (0x3F >> extra);
    for (int i = 1; i <= extra; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    *p = s + 1 + extra;
    return cp;
}

/* Characters a name may not hold: line breaks and tabs, and those that show
 * nothing or change the direction of what follows (Unicode's default-ignorable
 * and bidirectional formatting characters, variation selectors excepted), with
 * which "Acme" could be made to look like another customer's name. */
static const unsigned long NOT_IN_NAMES[][2] = {
    {0x09, 0x0D},       {0x80, 0x9F},       {0xAD, 0xAD},       {0x34F, 0x34F},     {0x61C, 0x61C},
    {0x115F, 0x1160},   {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x200B, 0x200F},   {0x2028, 0x202E},
    {0x2060, 0x206F},   {0x3164, 0x3164},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF9, 0xFFFB},
    {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE007F},
};

/* A name: text already checked by check_text, without NOT_IN_NAMES. */
static int check_name(const char *name, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned long cp = next_code_point(&p);
        for (size_t i = 0; i < sizeof NOT_IN_NAMES / sizeof NOT_IN_NAMES[0]; i++)
            if (cp >= NOT_IN_NAMES[i][0] && cp <= NOT_IN_NAMES[i][1])
                return crm_error_field(name, "format",
                                       "Must be one line of visible text: U+%04lX (a line break, tab, invisible or "
                                       "direction-changing character) is not accepted in names.",
                                       cp);
    }
    return 0;
}

/* The length and emptiness of text already checked by check_text. */
static int check_string(const crm_field *f, const char *name, const char *s)
{
    long len = crm_utf8_length(s);
    if (len > f->max)
        return crm_error_field(name, "too_long", "Must be at most %ld characters.", f->max);
    if ((f->flags & CRM_F_REQUIRED) && len == 0)
        return crm_error_field(name, "required", "Must not be empty.");
    return 0;
}

/* Every string in a free-form value (custom fields), named "name.member". */
static int check_free_text(const char *name, const json_t *v, int depth)
{
    char path[160];
    if (json_is_string(v))
        return check_text(name, json_string_value(v), json_string_length(v));
    if (depth > 8)
        return crm_error_field(name, "too_long", "Is nested too deeply.");
    int rc = 0;
    if (json_is_object(v)) {
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)v, key, member)
        {
            if (check_text(name, key, strlen(key)) < 0) {
                rc = CRM_EINVALID; /* named by its object: a field name is never other than text */
                continue;
            }
            snprintf(path, sizeof path, "%s.%s", name, key);
            if (check_free_text(path, member, depth + 1) < 0)
                rc = CRM_EINVALID;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach((json_t *)v, i, item)
        {
            snprintf(path, sizeof path, "%s[%zu]", name, i);
            if (check_free_text(path, item, depth + 1) < 0)
                rc = CRM_EINVALID;
        }
    }
    return rc;
}

static int validate_object(const json_t *body, const crm_field *fields, int mode, const char *prefix);

/* check_value: one value against its field; `name` is how errors name it. */
static int check_value(const crm_field *f, const char *name, const json_t *v)
{
    if (json_is_null(v)) {
        if (f->flags & (CRM_F_NULLABLE))
            return 0;
        return crm_error_field(name, "required", "Must not be null.");
    }
    switch (f->type) {
    case CRM_T_STRING:
    case CRM_T_EMAIL:
    case CRM_T_UUID:
    case CRM_T_DATE:
    case CRM_T_ENUM:
    case CRM_T_PERCENT:
    case CRM_T_CURRENCY:
    case CRM_T_DECIMAL: {
        if (!json_is_string(v))
            return crm_error_field(name, "type",
                                   f->type == CRM_T_DECIMAL || f->type == CRM_T_PERCENT ? "Must be a decimal string such as \"1234.50\", not a number."
                                                            : "Must be a string.");
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v))
            return crm_error_field(name, "format", "Must not contain NUL characters.");
        if (f->type == CRM_T_STRING || f->type == CRM_T_EMAIL)
            if (check_text(name, s, json_string_length(v)) < 0)
                return CRM_EINVALID;
        if (f->type == CRM_T_STRING && (f->flags & CRM_F_NAME) && check_name(name, s) < 0)
            return CRM_EINVALID;
        if (f->type == CRM_T_STRING)
            return check_string(f, name, s);
        if (f->type == CRM_T_EMAIL)
            return valid_email(s) ? 0 : crm_error_field(name, "format", "Must be an email address.");
        if (f->type == CRM_T_UUID)
            return crm_valid_uuid(s) ? 0 : crm_error_field(name, "format", "Must be a UUID.");
        if (f->type == CRM_T_DATE)
            return crm_valid_date(s) ? 0 : crm_error_field(name, "format", "Must be a date as YYYY-MM-DD.");
        if (f->type == CRM_T_ENUM)
            return crm_one_of(s, f->choices) ? 0 : enum_error(name, f->choices);
        if (f->type == CRM_T_CURRENCY)
            return valid_currency(s) ? 0 : crm_error_field(name, "format", "Must be an ISO 4217 code such as \"CNY\".");
        if (f->type == CRM_T_PERCENT && !crm_valid_decimal(s, 3, 4, 0))
            return crm_error_field(name, "format", "Must be a decimal percentage such as \"12.5\", at most 4 decimals.");
        if (f->type == CRM_T_PERCENT)
            return percent_valid(s) ? 0 : crm_error_field(name, "range", "Must be a percentage between 0 and 100.");
        if (!crm_valid_decimal(s, (int)f->max, f->scale, 0))
            return crm_error_field(name, "format",
                                   "Must be a non-negative decimal with at most %ld digits before and %d after the point.",
                                   f->max, f->scale);
        if ((f->flags & CRM_F_POSITIVE) && decimal_is_zero(s))
            return crm_error_field(name, "range", "Must be greater than 0.");
        return 0;
    }
    case CRM_T_INT:
        if (!json_is_integer(v))
            return crm_error_field(name, "type", "Must be an integer.");
        if (json_integer_value(v) < f->min || json_integer_value(v) > f->max)
            return crm_error_field(name, "range", "Must be between %ld and %ld.", f->min, f->max);
        return 0;
    case CRM_T_BOOL:
        return json_is_boolean(v) ? 0 : crm_error_field(name, "type", "Must be true or false.");
    case CRM_T_OBJECT: {
        if (!json_is_object(v))
            return crm_error_field(name, "type", "Must be a JSON object.");
        if (f->min > 0 && (long)json_object_size(v) > f->min)
            return crm_error_field(name, "too_long", "Must have at most %ld members.", f->min);
        if (check_free_text(name, v, 0) < 0)
            return CRM_EINVALID;
        char *text = json_dumps(v, JSON_COMPACT);
        if (!text)
            return crm_error_set(CRM_ERROR, "Out of memory.");
        size_t len = strlen(text);
        free(text);
        return (long)len <= f->max ? 0 : crm_error_field(name, "too_long", "Must encode to at most %ld bytes.", f->max);
    }
    case CRM_T_STRINGS: {
        if (!json_is_array(v))
            return crm_error_field(name, "type", "Must be an array of strings.");
        if ((long)json_array_size(v) > f->min)
            return crm_error_field(name, "too_long", "Must have at most %ld items.", f->min);
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item)
        {
            char at[160];
            snprintf(at, sizeof at, "%s[%zu]", name, i);
            if (!json_is_string(item))
                return crm_error_field(at, "type", "Must be a string.");
            if (check_text(at, json_string_value(item), json_string_length(item)) < 0)
                return CRM_EINVALID;
            if (json_string_length(item) == 0 || crm_utf8_length(json_string_value(item)) > f->max)
                return crm_error_field(at, json_string_length(item) ? "too_long" : "required",
                                       "Must be a non-empty string of at most %ld characters.", f->max);
        }
        return 0;
    }
    case CRM_T_NUMBER:
        if (!json_is_number(v))
            return crm_error_field(name, "type", "Must be a number.");
        if (json_number_value(v) < (double)f->min || json_number_value(v) > (double)f->max)
            return crm_error_field(name, "range", "Must be between %ld and %ld.", f->min, f->max);
        return 0;
    case CRM_T_TIMESTAMP:
        if (!json_is_string(v))
            return crm_error_field(name, "type", "Must be an RFC 3339 date-time string such as \"2026-11-23T10:11:12Z\".");
        return strlen(json_string_value(v)) == json_string_length(v) && crm_valid_timestamp(json_string_value(v))
                   ? 0
                   : crm_error_field(name, "format", "Must be an RFC 3339 date-time such as \"2026-11-23T10:11:12Z\".");
    case CRM_T_MEMBERS:
        if (!json_is_object(v))
            return crm_error_field(name, "type", "Must be a JSON object.");
        return validate_object(v, (const crm_field *)f->choices, CRM_CREATE, name);
    }
    return 0;
}

/* validate_object: the members of `body` against `fields`; with a `prefix` (the
 * enclosing field's name) errors name "prefix.member". */
static int validate_object(const json_t *body, const crm_field *fields, int mode, const char *prefix)
{
    if (!json_is_object(body))
        return crm_error_field("", "type", "The body must be a JSON object.");
    const char *key;
    const json_t *value;
    int rc = 0;
    json_object_foreach((json_t *)body, key, value)
    {
        char path[128];
        const char *name = key;
        if (prefix) {
            snprintf(path, sizeof path, "%s.%s", prefix, key);
            name = path;
        }
        const crm_field *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (crm_one_of(key, SERVER_OWNED) || (f->name && (f->flags & CRM_F_READONLY)) ||
            (f->name && mode == CRM_PATCH && (f->flags & CRM_F_NOPATCH))) {
            rc = crm_error_field(name, "read_only", "Is set by the server and cannot be written here.");
            continue;
        }
        if (!f->name) {
            rc = crm_error_field(name, "unknown", "Is not a field of this resource.");
            continue;
        }
        if (check_value(f, name, value) < 0)
            rc = CRM_EINVALID;
    }
    if (mode == CRM_CREATE) {
        for (const crm_field *f = fields; f->name; f++) {
            if ((f->flags & CRM_F_REQUIRED) && !json_object_get(body, f->name)) {
                char path[128];
                if (prefix)
                    snprintf(path, sizeof path, "%s.%s", prefix, f->name);
                rc = crm_error_field(prefix ? path : f->name, "required", "Is required.");
            }
        }
    }
    return rc;
}

int crm_validate(const json_t *body, const crm_field *fields, int mode)
{
    return validate_object(body, fields, mode, NULL);
}

int crm_validate_except(const json_t *body, const crm_field *fields, int mode, const char *const *skip)
{
    if (!json_is_object(body))
        return crm_validate(body, fields, mode);
    json_t *rest = json_copy((json_t *)body);
    if (!rest)
        return crm_error_set(CRM_ERROR, "Out of memory.");
    for (const char *const *k = skip; k && *k; k++)
        json_object_del(rest, *k);
    int rc = crm_validate(rest, fields, mode);
    json_decref(rest);
    return rc;
}

int crm_validate_items(const json_t *items, const char *name, const crm_field *fields, size_t min, size_t max)
{
    if (!json_is_array(items))
        return crm_error_field(name, "type", "Must be an array of objects.");
    size_t n = json_array_size(items);
    if (n < min)
        return crm_error_field(name, min == 1 ? "required" : "range", "Must have at least %zu item%s.", min,
                               min == 1 ? "" : "s");
    if (n > max)
        return crm_error_field(name, "too_long", "Must have at most %zu items.", max);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s[%zu]", name, i);
        const json_t *item = json_array_get(items, i);
        if (!json_is_object(item))
            rc = crm_error_field(prefix, "type", "Must be a JSON object.");
        else if (validate_object(item, fields, CRM_CREATE, prefix) < 0)
            rc = CRM_EINVALID;
    }
    return rc;
}

/* Whether parameter `name` of the raw query string holds an encoded NUL
 * (%00), which decoding would have cut the value short at. */
int crm_query_has_nul(const crm_query *query, const char *name)
{
    const char *raw = query ? query->raw : NULL;
    size_t len = strlen(name);
    for (const char *p = raw; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, len) != 0 || p[len] != '=')
            continue;
        const char *value = p + len + 1, *end = value + strcspn(value, "&");
        const char *nul = strstr(value, "%00");
        if (nul && nul < end)
            return 1;
    }
    return 0;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int crm_validate_query_names(const crm_query *query, const crm_field *params)
{
    int rc = 0;
    const char *raw = query ? query->raw : NULL;
    for (const char *p = raw; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        size_t len = strcspn(p, "&=");
        char name[128];
        size_t n = 0;
        /* Decoded as the HTTP layer decodes it: %XX and '+' for a space. */
        for (size_t i = 0; i < len && n < sizeof name - 1; i++) {
            int hi = i + 2 < len ? hex_value(p[i + 1]) : -1, lo = i + 2 < len ? hex_value(p[i + 2]) : -1;
            if (p[i] == '%' && hi >= 0 && lo >= 0) {
                name[n++] = (char)(hi * 16 + lo);
                i += 2;
            } else {
                name[n++] = p[i] == '+' ? ' ' : p[i];
            }
        }
        name[n] = '\0';
        if (len == 0)
            continue;
        const crm_field *f = params;
        while (f && f->name && strcmp(f->name, name) != 0)
            f++;
        if (!f || !f->name) {
            /* The name may be anything a client sent: show it only when it is short and plain. */
            int plain = n == len && n <= 64 && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
            rc = crm_error_field(plain ? name : "(query)", "unknown", "Is not a parameter of this operation.");
        }
    }
    return rc;
}

int crm_validate_query(const char **values, size_t cap, size_t *n, const crm_query *query, const crm_field *filters)
{
    int rc = 0;
    *n = 0;
    for (const crm_field *f = filters; f && f->name; f++) {
        assert(*n < cap);
        const char *raw = query && query->param ? query->param(query->source, f->name) : NULL;
        const char *s = crm_nonempty(raw);
        values[(*n)++] = s;
        /* An empty value is malformed for anything typed and for text that is
         * CRM_F_REQUIRED (leave the parameter out to match any); other text
         * given empty is no filter. */
        if (raw && crm_query_has_nul(query, f->name)) {
            rc = crm_error_field(f->name, "format", "Must not contain NUL characters.");
            continue;
        }
        if (raw && !*raw && (f->type != CRM_T_STRING || (f->flags & CRM_F_REQUIRED)))
            rc = crm_error_field(f->name, f->type == CRM_T_STRING ? "too_short" : "format",
                                 "Must not be empty; leave the parameter out to match any.");
        if (!s)
            continue;
        if (f->type == CRM_T_BOOL) {
            if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
                rc = crm_error_field(f->name, "format", "Must be true or false.");
            continue;
        }
        json_t *v = json_string(s);
        if (!v) {
            rc = crm_error_field(f->name, "format", "Must be valid UTF-8 text.");
            continue;
        }
        if (check_value(f, f->name, v) < 0)
            rc = CRM_EINVALID;
        json_decref(v);
    }
    return rc;
}

int crm_cursor_parts(const char *cursor, char *first, size_t first_size, char id[37])
{
    char plain[96];
    size_t len = strlen(cursor);
    if (len > 120)
        return -1;
    long n = crm_base64url_decode((unsigned char *)plain, cursor, len);
    if (n < 0)
        return -1;
    plain[n] = '\0';
    char *bar = strchr(plain, '|');
    if (!bar || (size_t)(bar - plain) >= first_size)
        return -1;
    *bar = '\0';
    if (!crm_valid_uuid(bar + 1))
        return -1;
    strcpy(first, plain);
    strcpy(id, bar + 1);
    return 0;
}

int crm_cursor_decode(const char *cursor, char ts[40], char id[37])
{
    if (crm_cursor_parts(cursor, ts, 40, id) < 0 || !crm_valid_timestamp(ts))
        return crm_error_field("cursor", "format", "Is not a cursor this server returned.");
    return 0;
}
