/* test_log.c: a log line is one JSON object whatever its values hold: quotes,
 * backslashes, control characters, bytes that are not UTF-8, and more than
 * fits in a line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "crm/log.h"

/* The line as written, parsed; the caller frees it. Fails the test unless
 * it is exactly one JSON object followed by one newline. */
static json_t *written(crm_log_line *line)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    crm_log_write(line, out);
    fclose(out);
    assert_true(size > 0 && size <= CRM_LOG_LINE_MAX);
    assert_int_equal(text[size - 1], '\n');
    assert_null(memchr(text, '\n', size - 1));
    json_error_t error;
    json_t *parsed = json_loadb(text, size - 1, JSON_REJECT_DUPLICATES, &error);
    if (!parsed)
        fail_msg("not one JSON object: %s (%s)", text, error.text);
    free(text);
    assert_true(json_is_object(parsed));
    return parsed;
}

static void test_log_forged_members_stay_one_value(void **state)
{
    (void)state;
    const char *method = "X\",\"level\":\"error\",\"msg\":\"admin";
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "level", "info");
    crm_log_string(&line, "method", method);
    crm_log_string(&line, "path", "/a\\\",\"b");
    crm_log_number(&line, "status", 200, 0);
    crm_log_number(&line, "duration_ms", 1.25, 3);
    json_t *entry = written(&line);
    assert_int_equal(json_object_size(entry), 5);
    assert_string_equal(json_string_value(json_object_get(entry, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(entry, "method")), method);
    assert_string_equal(json_string_value(json_object_get(entry, "path")), "/a\\\",\"b");
    assert_int_equal(json_integer_value(json_object_get(entry, "status")), 200);
    assert_true(json_real_value(json_object_get(entry, "duration_ms")) == 1.25);
    json_decref(entry);
}

static void test_log_control_characters_and_bad_utf8_are_escaped(void **state)
{
    (void)state;
    crm_log_line line = CRM_LOG_LINE_INIT;
    crm_log_string(&line, "a", "line\nbreak\r\ttab\x01\x1b[31m\x7f");
    crm_log_string(&line, "b", "caf\xc3\xa9 \xe4\xb8\x8a\xe6\xb5\xb7 \xf0\x9f\x98\x80");
    crm_log_string(&line, "c", "\xff\xc0\xae\xed\xa0\x80x\xe4\xb8");
    crm_log_string(&line, "d", NULL);
    /* Raw control characters never reach the line. */
    for (size_t i = 0; i < line.len; i++)
        assert_true((unsigned char)line.text[i] >= 0x20 && line.text[i] != 0x7f);
    json_t *entry = written(&line);
    assert_string_equal(json_string_value(json_object_get(entry, "a")), "line\nbreak\r\ttab\x01\x1b[31m\x7f");
    assert_string_equal(json_string_value(json_object_get(entry, "b")), "caf\xc3\xa9 \xe4\xb8\x8a\xe6\xb5\xb7 \xf0\x9f\x98\x80");
    /* Each byte that starts no well-formed sequence is one U+FFFD. */
    const char *fffd = "\xef\xbf\xbd";
    char want[64];
    snprintf(want, sizeof want, "%s%s%s%s%s%sx%s%s", fffd, fffd, fffd, fffd, fffd, fffd, fffd, fffd);
    assert_string_equal(json_string_value(json_object_get(entry, "c")), want);
    assert_string_equal(json_string_value(json_object_get(entry, "d")), "");
    json_decref(entry);
}

static void test_log_overlong_values_are_cut_and_the_line_stays_json(void **state)
{
    (void)state;
    char *quotes = malloc(3 * CRM_LOG_LINE_MAX);
    assert_non_null(quotes);
    /* Each '"' takes two bytes escaped; a cut inside an escape would break the line. */
    memset(quotes, '"', 3 * CRM_LOG_LINE_MAX - 1);
    quotes[3 * CRM_LOG_LINE_MAX - 1] = '\0';
    for (size_t pad = 0; pad < 8; pad++) {
        crm_log_line line = CRM_LOG_LINE_INIT;
        char name[16];
        snprintf(name, sizeof name, "p%.*s", (int)pad, "xxxxxxxx");
        crm_log_string(&line, name, "start");
        crm_log_string(&line, "big", quotes);
        crm_log_string(&line, "after", "dropped");
        crm_log_number(&line, "status", 500, 0);
        json_t *entry = written(&line);
        assert_string_equal(json_string_value(json_object_get(entry, name)), "start");
        const char *big = json_string_value(json_object_get(entry, "big"));
        assert_non_null(big);
        assert_true(strlen(big) > CRM_LOG_LINE_MAX / 2 - 48); /* nearly the whole line */
        assert_int_equal(strspn(big, "\""), strlen(big));
        assert_null(json_object_get(entry, "after"));
        json_decref(entry);
    }
    free(quotes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_forged_members_stay_one_value),
        cmocka_unit_test(test_log_control_characters_and_bad_utf8_are_escaped),
        cmocka_unit_test(test_log_overlong_values_are_cut_and_the_line_stays_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
