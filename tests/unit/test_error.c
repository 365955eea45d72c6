/* test_error.c: crm_error_errno records the system's message for an errno
 * value (thread-safe, unlike strerror) after the caller's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "crm/error.h"

static int reset(void **state)
{
    (void)state;
    crm_error_clear();
    return 0;
}

static void test_error_errno_appends_the_system_message(void **state)
{
    (void)state;
    assert_int_equal(crm_error_errno(CRM_ERROR, ENOENT, "cannot open %s", "keys/private.pem"), CRM_ERROR);
    assert_int_equal(crm_error_last()->code, CRM_ERROR);
    assert_string_equal(crm_error_last()->detail, "cannot open keys/private.pem: No such file or directory");

    char long_name[600];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    crm_error_errno(CRM_ERROR, EACCES, "cannot open %s", long_name);
    assert_int_equal(strlen(crm_error_last()->detail), sizeof crm_error_last()->detail - 1);

    crm_error_errno(CRM_ERROR, 99999, "odd");
    assert_non_null(strstr(crm_error_last()->detail, "odd: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_error_errno_appends_the_system_message, reset),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    crm_error_clear();
    return failed;
}
