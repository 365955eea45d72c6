/* test_policy.c: the role × permission table, and that the SQL visibility rule
 * agrees with it about who sees every customer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crm/policy.h"
#include "crm/resource.h"

static void test_policy_salespeople_work_their_customers_but_do_not_delete_or_reassign_them(void **state)
{
    (void)state;
    assert_true(crm_policy_allows("sales", CRM_CAN_WRITE_CUSTOMERS));
    assert_true(crm_policy_allows("sales", CRM_CAN_WRITE_ORDERS));
    assert_false(crm_policy_allows("sales", CRM_CAN_DELETE_CUSTOMERS));
    assert_false(crm_policy_allows("sales", CRM_CAN_ASSIGN_CUSTOMERS));
    assert_false(crm_policy_allows("sales", CRM_CAN_SEE_ALL_CUSTOMERS));
    assert_false(crm_policy_allows("sales", CRM_CAN_WRITE_PRODUCTS));
}

static void test_policy_back_office_reads_everything_and_writes_only_its_part(void **state)
{
    (void)state;
    static const char *const BACK_OFFICE[] = {"assistant", "finance", "service"};
    for (int i = 0; i < 3; i++) {
        assert_true(crm_policy_allows(BACK_OFFICE[i], CRM_CAN_SEE_ALL_CUSTOMERS));
        assert_false(crm_policy_allows(BACK_OFFICE[i], CRM_CAN_WRITE_CUSTOMERS));
        assert_false(crm_policy_allows(BACK_OFFICE[i], CRM_CAN_MANAGE_USERS));
    }
    assert_true(crm_policy_allows("assistant", CRM_CAN_WRITE_ORDERS));
    assert_true(crm_policy_allows("assistant", CRM_CAN_WRITE_PRODUCTS));
    assert_false(crm_policy_allows("finance", CRM_CAN_WRITE_ORDERS));
}

static void test_policy_only_admins_administer(void **state)
{
    (void)state;
    for (const char *const *r = crm_roles; *r; r++) {
        int admin = strcmp(*r, "admin") == 0;
        assert_int_equal(crm_policy_allows(*r, CRM_CAN_MANAGE_USERS), admin);
        assert_int_equal(crm_policy_allows(*r, CRM_CAN_CHANGE_TENANT), admin);
        assert_int_equal(crm_policy_allows(*r, CRM_CAN_READ_AUDIT), admin);
    }
    assert_true(crm_policy_allows("manager", CRM_CAN_READ_USERS));
    /* Money is finance's and the admin's to move, nobody else's. */
    for (const char *const *r = crm_roles; *r; r++)
        assert_int_equal(crm_policy_allows(*r, CRM_CAN_WRITE_MONEY),
                         strcmp(*r, "admin") == 0 || strcmp(*r, "finance") == 0);
}

static void test_policy_unknown_roles_and_permissions_allow_nothing(void **state)
{
    (void)state;
    for (int p = 0; p < CRM_PERMISSIONS; p++) {
        assert_false(crm_policy_allows("root", (crm_permission)p));
        assert_false(crm_policy_allows(NULL, (crm_permission)p));
        assert_non_null(crm_policy_name((crm_permission)p));
    }
    assert_false(crm_policy_allows("admin", CRM_PERMISSIONS));
    assert_null(crm_policy_name(CRM_PERMISSIONS));
    assert_false(crm_role_valid("Admin"));
    assert_true(crm_role_valid("service"));
    assert_string_equal(crm_policy_flag("manager", CRM_CAN_DELETE_CUSTOMERS), "t");
    assert_string_equal(crm_policy_flag("sales", CRM_CAN_DELETE_CUSTOMERS), "f");
}

/* The SQL rule names the roles that see every customer; they must be exactly
 * the roles the policy gives CRM_CAN_SEE_ALL_CUSTOMERS. */
static void test_policy_matches_the_sql_visibility_rule(void **state)
{
    (void)state;
    const char *rule = CRM_SQL_VISIBLE("o", "u", "r");
    const char *list = strstr(rule, "r IN (");
    assert_non_null(list);
    const char *end = strchr(list, ')');
    for (const char *const *r = crm_roles; *r; r++) {
        char quoted[24];
        snprintf(quoted, sizeof quoted, "'%s'", *r);
        const char *at = strstr(list, quoted);
        int in_rule = at && at < end;
        assert_int_equal(in_rule, crm_policy_allows(*r, CRM_CAN_SEE_ALL_CUSTOMERS));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_salespeople_work_their_customers_but_do_not_delete_or_reassign_them),
        cmocka_unit_test(test_policy_back_office_reads_everything_and_writes_only_its_part),
        cmocka_unit_test(test_policy_only_admins_administer),
        cmocka_unit_test(test_policy_unknown_roles_and_permissions_allow_nothing),
        cmocka_unit_test(test_policy_matches_the_sql_visibility_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
