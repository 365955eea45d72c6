/* test_capacity_share.c: fair caps hold one tenant and one user to their
 * share of expensive work (crm_capacity_share), of every fair kind together,
 * refusing beyond it with 429-shaped errors; other tenants and work for
 * nobody go on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crm/capacity.h"
#include "crm/error.h"

static crm_capacity search = CRM_CAPACITY_FAIR_INIT(8, "busy searching");
static crm_capacity pdf = CRM_CAPACITY_FAIR_INIT(8, "busy rendering");
static crm_capacity export = CRM_CAPACITY_FAIR_INIT(8, "busy exporting");
static crm_capacity hashing = CRM_CAPACITY_INIT(8, "busy hashing");

#define TENANT_A "aaaaaaaa-0000-4000-8000-000000000000"
#define TENANT_B "bbbbbbbb-0000-4000-8000-000000000000"
#define USER_1 "11111111-0000-4000-8000-000000000000"
#define USER_2 "22222222-0000-4000-8000-000000000000"
#define USER_3 "33333333-0000-4000-8000-000000000000"

static int reset(void **state)
{
    (void)state;
    crm_error_clear();
    crm_capacity_caller(NULL, NULL);
    crm_capacity_share(2, 1); /* two jobs per tenant, one per user */
    return 0;
}

static void assert_over_share(const char *says)
{
    assert_int_equal(crm_error_last()->code, CRM_ERATELIMIT);
    assert_int_equal(crm_error_last()->retry_after, 1);
    assert_non_null(strstr(crm_error_last()->detail, says));
    crm_error_clear();
}

static void test_capacity_share_one_user_one_job(void **state)
{
    (void)state;
    crm_capacity_caller(TENANT_A, USER_1);
    assert_int_equal(crm_capacity_enter(&search), 0);
    /* Another fair kind counts too; the same kind nested does not. */
    assert_int_equal(crm_capacity_enter(&pdf), CRM_ERATELIMIT);
    assert_over_share("You are running 1 expensive request");
    assert_int_equal(crm_capacity_enter(&search), 0);
    crm_capacity_leave(&search);
    /* Work that is not fair is not shared out. */
    assert_int_equal(crm_capacity_enter(&hashing), 0);
    crm_capacity_leave(&hashing);
    crm_capacity_leave(&search);
    assert_int_equal(crm_capacity_enter(&pdf), 0);
    crm_capacity_leave(&pdf);
}

static void test_capacity_share_one_tenant_two_jobs(void **state)
{
    (void)state;
    crm_capacity_caller(TENANT_A, USER_1);
    assert_int_equal(crm_capacity_enter(&search), 0);
    crm_capacity_caller(TENANT_A, USER_2);
    assert_int_equal(crm_capacity_enter(&pdf), 0);
    crm_capacity_caller(TENANT_A, USER_3);
    assert_int_equal(crm_capacity_enter(&export), CRM_ERATELIMIT);
    assert_over_share("Your organization is running 2 expensive requests");
    /* Another tenant is not held up by the first one's share. */
    crm_capacity_caller(TENANT_B, USER_3);
    assert_int_equal(crm_capacity_enter(&export), 0);
    crm_capacity_leave(&export);
    /* Nobody (a public route) has no share to keep. */
    crm_capacity_caller(NULL, NULL);
    assert_int_equal(crm_capacity_enter(&export), 0);
    crm_capacity_leave(&export);
    crm_capacity_leave(&pdf);
    crm_capacity_caller(TENANT_A, USER_3);
    assert_int_equal(crm_capacity_enter(&export), 0); /* a place given back is free again */
    crm_capacity_leave(&export);
    crm_capacity_leave(&search);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_capacity_share_one_user_one_job, reset),
        cmocka_unit_test_setup(test_capacity_share_one_tenant_two_jobs, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
