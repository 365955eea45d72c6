/* log.c: JSON log lines, every value escaped, so that what a client sent (a
 * method, a path) or a database message stays one value. */
#include "crm/log.h"

#include <stdio.h>
#include <string.h>

/* Kept free at the end of every line for "}\n" and the NUL. */
#define TAIL 3

/* Bytes in the well-formed UTF-8 sequence at p (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0 when p does not start one. */
static size_t utf8_sequence(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3 : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : 0;
    if (n == 0)
        return 0;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (p[0] == 0xE0)
        lo = 0xA0;
    else if (p[0] == 0xED)
        hi = 0x9F;
    else if (p[0] == 0xF0)
        lo = 0x90;
    else if (p[0] == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Append `value` as a JSON string literal at text[*at..end): returns 0, or -1
 * (nothing written) when not even the two quotes fit. */
static int quote(char *text, size_t *at, size_t end, const char *value)
{
    size_t n = *at;
    if (end < n + 2)
        return -1;
    end--; /* the closing quote */
    text[n++] = '"';
    const unsigned char *p = (const unsigned char *)(value ? value : "");
    while (*p) {
        char piece[8];
        size_t take = 1, len;
        if (*p == '"' || *p == '\\') {
            piece[0] = '\\', piece[1] = (char)*p, len = 2;
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            piece[0] = '\\', piece[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't', len = 2;
        } else if (*p < 0x20 || *p == 0x7F) {
            len = (size_t)snprintf(piece, sizeof piece, "\\u%04x", *p);
        } else if ((take = utf8_sequence(p)) > 0) {
            memcpy(piece, p, take), len = take;
        } else {
            memcpy(piece, "\\ufffd", 6), len = 6, take = 1;
        }
        if (len > end - n)
            break;
        memcpy(text + n, piece, len);
        n += len;
        p += take;
    }
    text[n++] = '"';
    *at = n;
    return 0;
}

/* Start member `name`: `{` or `,`, the quoted name and `:`, leaving at least
 * `room` bytes for its value. Returns 0, or -1 with the line unchanged. */
static int member(crm_log_line *line, const char *name, size_t room)
{
    size_t at = line->len, end = sizeof line->text - TAIL;
    if (at >= end)
        return -1;
    line->text[at++] = line->len == 0 ? '{' : ',';
    if (quote(line->text, &at, end - room, name) < 0 || at + 1 + room > end)
        return -1;
    line->text[at++] = ':';
    line->len = at;
    return 0;
}

void crm_log_string(crm_log_line *line, const char *name, const char *value)
{
    size_t start = line->len;
    if (member(line, name, 2) < 0 || quote(line->text, &line->len, sizeof line->text - TAIL, value) < 0)
        line->len = start;
}

void crm_log_number(crm_log_line *line, const char *name, double value, int decimals)
{
    char number[64];
    size_t n = (size_t)snprintf(number, sizeof number, "%.*f", decimals, value);
    size_t start = line->len;
    if (n >= sizeof number || member(line, name, n) < 0) {
        line->len = start;
        return;
    }
    memcpy(line->text + line->len, number, n);
    line->len += n;
}

void crm_log_write(crm_log_line *line, FILE *to)
{
    if (line->len == 0)
        line->text[line->len++] = '{';
    memcpy(line->text + line->len, "}\n", TAIL);
    fputs(line->text, to);
}
