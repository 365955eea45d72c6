/* test_accounts.c: the one form of an e-mail address, and which new passwords
 * are accepted (NIST SP 800-63B: length and a dictionary, no composition rules). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crm/auth.h"
#include "crm/error.h"
#include "crm/identity.h"

static void expect_normal(const char *given, const char *want)
{
    char *out = NULL;
    assert_int_equal(0, crm_identity_normalize_email(&out, given));
    assert_string_equal(want, out);
    free(out);
}

static void test_accounts_email_normal_form_folds_lookalikes_and_case(void **state)
{
    (void)state;
    expect_normal("kelvin@example.com", "kelvin@example.com");
    expect_normal("\xE2\x84\xAA" "elvin@Example.COM", "kelvin@example.com"); /* KELVIN SIGN U+212A */
    expect_normal("\xEF\xBD\x8B" "elvin@example.com", "kelvin@example.com"); /* FULLWIDTH k */
    expect_normal("STRASSE@x.de", "strasse@x.de");
    expect_normal("Stra\xC3\x9F" "e@x.de", "strasse@x.de"); /* sharp s folds to ss */
    char *out = NULL;
    assert_int_equal(CRM_EINVALID, crm_identity_normalize_email(&out, "bad\xFF@x.de"));
    assert_null(out);
    crm_error_clear();
}

static void expect_refused(const char *password, const char *code)
{
    assert_int_equal(CRM_EINVALID, crm_password_check("password", password, "zebulon@acme.test", NULL));
    const crm_error *err = crm_error_last();
    const char *got = json_string_value(json_object_get(json_array_get(err->fields, 0), "code"));
    assert_non_null(got);
    assert_string_equal(code, got);
    crm_error_clear();
}

static void test_accounts_guessable_passwords_are_refused(void **state)
{
    (void)state;
    expect_refused("short", "too_short");
    expect_refused("aaaaaaaaaa", "weak");
    expect_refused("1234567890", "weak");
    expect_refused("          ", "weak");
    expect_refused("password123", "weak");
    expect_refused("qwertyuiop", "weak");
    expect_refused("abcabcabcabc", "weak");
    expect_refused("zebulon-2026!", "weak"); /* the user's name */
}

static void test_accounts_phrases_pass_without_composition_rules(void **state)
{
    (void)state;
    assert_int_equal(0, crm_password_check("password", "copper kettle under rain", "ada@acme.test", NULL));
    assert_int_equal(0, crm_password_check("password", "vexingquartzlemondrift", NULL, NULL));
    assert_int_equal(0, crm_password_check("password", "上海华联贸易有限公司的新密码", NULL, NULL));
    /* The same as the current one is refused as reused. */
    assert_int_equal(CRM_EINVALID, crm_password_check("new_password", "copper kettle under rain", NULL,
                                                      "copper kettle under rain"));
    crm_error_clear();
}

static void *check_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        if (crm_password_check("password", "copper kettle under rain", NULL, NULL) != 0 ||
            crm_password_check("password", "password123", NULL, NULL) != CRM_EINVALID)
            return (void *)1;
        crm_error_clear();
    }
    return NULL;
}

static void test_accounts_password_checks_are_thread_safe(void **state)
{
    (void)state;
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(0, pthread_create(&threads[i], NULL, check_many, NULL));
    for (int i = 0; i < 4; i++) {
        void *failed = (void *)1;
        pthread_join(threads[i], &failed);
        assert_null(failed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts_email_normal_form_folds_lookalikes_and_case),
        cmocka_unit_test(test_accounts_guessable_passwords_are_refused),
        cmocka_unit_test(test_accounts_phrases_pass_without_composition_rules),
        cmocka_unit_test(test_accounts_password_checks_are_thread_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
