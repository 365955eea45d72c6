/* test_changes.c: the change feed's cursor — what it accepts and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crm/changes.h"
#include "crm/error.h"

static int reset(void **state)
{
    (void)state;
    crm_error_clear();
    return 0;
}

static const char *first_field(void)
{
    const crm_error *err = crm_error_last();
    return err->fields ? json_string_value(json_object_get(json_array_get(err->fields, 0), "field")) : "";
}

/* Base64url without padding, as the feed (PostgreSQL's change_cursor()) writes it. */
static void b64url(char *out, const char *plain)
{
    static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t len = strlen(plain), n = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned char)plain[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)plain[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)plain[i + 2];
        out[n++] = ALPHABET[(v >> 18) & 63];
        out[n++] = ALPHABET[(v >> 12) & 63];
        if (i + 1 < len)
            out[n++] = ALPHABET[(v >> 6) & 63];
        if (i + 2 < len)
            out[n++] = ALPHABET[v & 63];
    }
    out[n] = '\0';
}

static void test_changes_cursor_decodes_what_the_feed_writes(void **state)
{
    (void)state;
    char xid[24], seq[24];
    /* "734:1" as PostgreSQL encodes it. */
    assert_int_equal(crm_changes_cursor_decode("NzM0OjE", xid, seq), 0);
    assert_string_equal(xid, "734");
    assert_string_equal(seq, "1");

    char cursor[128];
    b64url(cursor, "18446744073709551615:9223372036854775807");
    assert_int_equal(crm_changes_cursor_decode(cursor, xid, seq), 0);
    assert_string_equal(xid, "18446744073709551615");
    assert_string_equal(seq, "9223372036854775807");

    b64url(cursor, "0:0");
    assert_int_equal(crm_changes_cursor_decode(cursor, xid, seq), 0);
    assert_string_equal(xid, "0");
    assert_string_equal(seq, "0");
}

static void test_changes_cursor_refuses_anything_else(void **state)
{
    (void)state;
    static const char *const PLAIN[] = {
        "", ":", "1", "1:", ":1", "1:2:3", "x:1", "1:x", "01:2", "1:02", "-1:2", "1:-2", "+1:2", " 1:2",
        "18446744073709551616:1", "1:9223372036854775808", "99999999999999999999999:1",
        "2026-11-23T10:11:12.123456Z|0b7c4f0e-9f5e-4a7e-9d1e-1f0e2d3c4b5a",
    };
    char cursor[160], xid[24] = "unchanged", seq[24] = "unchanged";
    for (size_t i = 0; i < sizeof PLAIN / sizeof PLAIN[0]; i++) {
        crm_error_clear();
        b64url(cursor, PLAIN[i]);
        if (!*cursor)
            strcpy(cursor, "=");
        assert_int_equal(crm_changes_cursor_decode(cursor, xid, seq), CRM_EINVALID);
        assert_string_equal(first_field(), "cursor");
    }
    static const char *const RAW[] = {
        "abc",          /* leaves 2 bits over that are not zero */
        "NzM0OjE=",     /* padding is not part of the format */
        "NzM0OjE+",     /* standard, not url-safe, alphabet */
        "NzM0O jE",     /* a space */
        "NzM0OjEA",     /* a trailing NUL byte once decoded */
        "NzM0OjExA",    /* 6 bits over: not a whole number of bytes */
        "MTox" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* too long */
    };
    for (size_t i = 0; i < sizeof RAW / sizeof RAW[0]; i++) {
        crm_error_clear();
        assert_int_equal(crm_changes_cursor_decode(RAW[i], xid, seq), CRM_EINVALID);
        assert_string_equal(first_field(), "cursor");
    }
    assert_string_equal(xid, "unchanged");
    assert_string_equal(seq, "unchanged");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_changes_cursor_decodes_what_the_feed_writes, reset),
        cmocka_unit_test_setup(test_changes_cursor_refuses_anything_else, reset),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    crm_error_clear();
    return failed;
}
