/* test_resource.c: the write protocol's table of refusals and the query
 * parameters of lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crm/error.h"
#include "crm/resource.h"
#include "crm/validate.h"

static int reset(void **state)
{
    (void)state;
    crm_error_clear();
    return 0;
}

static const crm_outcome OUTCOMES[] = {
    {"forbidden", CRM_EFORBIDDEN, NULL, "Your role may not touch widgets.", NULL},
    {"colour", CRM_EINVALID, "colour", "Is not a colour of the catalogue.", "unknown"},
    {"line:", CRM_EINVALID, "lines[%s].part_id", "Must be a part of the widget.", NULL},
    {"over:", CRM_ECONFLICT, "lines[%s].quantity", "Asks for more than remains.", "range"},
    {"state_send:", CRM_ECONFLICT, NULL, "The widget is %s; only a draft can be sent.", NULL},
    {NULL, 0, NULL, NULL, NULL},
};

static const char *field_of(size_t i, const char *member)
{
    const crm_error *err = crm_error_last();
    const json_t *fields = err->fields ? err->fields : json_object_get(err->extra, "errors");
    return json_string_value(json_object_get(json_array_get(fields, i), member));
}

static void test_resource_common_refusals_and_a_module_override(void **state)
{
    (void)state;
    assert_int_equal(crm_refuse("missing", OUTCOMES), CRM_ENOTFOUND);
    assert_int_equal(crm_refuse("stale", OUTCOMES), CRM_ESTALE);
    assert_int_equal(crm_refuse("forbidden", OUTCOMES), CRM_EFORBIDDEN);
    assert_string_equal(crm_error_last()->detail, "Your role may not touch widgets.");
    assert_int_equal(crm_refuse("forbidden", NULL), CRM_EFORBIDDEN);
    assert_string_equal(crm_error_last()->detail, "Your role may not do this.");
}

static void test_resource_a_refusal_names_its_field_and_code(void **state)
{
    (void)state;
    assert_int_equal(crm_refuse("colour", OUTCOMES), CRM_EINVALID);
    assert_string_equal(field_of(0, "field"), "colour");
    assert_string_equal(field_of(0, "code"), "unknown");
}

static void test_resource_an_indexed_refusal_fills_in_the_line(void **state)
{
    (void)state;
    assert_int_equal(crm_refuse("line:3", OUTCOMES), CRM_EINVALID);
    assert_string_equal(field_of(0, "field"), "lines[3].part_id");
    crm_error_clear();
    assert_int_equal(crm_refuse("over:0", OUTCOMES), CRM_ECONFLICT);
    assert_string_equal(field_of(0, "field"), "lines[0].quantity");
    assert_string_equal(field_of(0, "code"), "range");
}

static void test_resource_a_state_refusal_says_the_status(void **state)
{
    (void)state;
    assert_int_equal(crm_refuse("state_send:accepted", OUTCOMES), CRM_ECONFLICT);
    assert_string_equal(crm_error_last()->detail, "The widget is accepted; only a draft can be sent.");
}

static void test_resource_a_problem_refusal_carries_its_own_field(void **state)
{
    (void)state;
    assert_int_equal(
        crm_refuse("problem:{\"field\":\"lines[1].unit_price\",\"code\":\"required\",\"message\":\"Is required.\"}", NULL),
        CRM_EINVALID);
    assert_string_equal(field_of(0, "field"), "lines[1].unit_price");
    assert_string_equal(field_of(0, "code"), "required");
}

static void test_resource_an_unknown_refusal_is_an_internal_error(void **state)
{
    (void)state;
    assert_int_equal(crm_refuse("no_such_rule", OUTCOMES), CRM_ERROR);
    assert_int_equal(crm_refuse("problem:not json", OUTCOMES), CRM_ERROR);
}

static const char *const SIZES[] = {"s", "m", "l", NULL};
static const crm_field FILTERS[] = {
    {"size", CRM_T_ENUM, 0, 0, 0, 0, SIZES},
    {"owner_id", CRM_T_UUID, 0, 0, 0, 0, NULL},
    {"since", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {"active", CRM_T_BOOL, 0, 0, 0, 0, NULL},
    {"q", CRM_T_STRING, 0, 0, 3, 0, NULL}, /* may be empty: no search */
    {NULL, 0, 0, 0, 0, 0, NULL},
};

/* A query string as pairs name, value, ..., NULL. */
static const char *lookup(const void *source, const char *name)
{
    for (const char *const *p = source; *p; p += 2)
        if (strcmp(*p, name) == 0)
            return p[1];
    return NULL;
}

static void test_resource_query_filters_are_checked_like_body_fields(void **state)
{
    (void)state;
    const char *good[] = {"size", "m", "active", "true", "q", "", NULL};
    crm_query query = {.param = lookup, .source = good};
    const char *values[5];
    size_t n = 0;
    assert_int_equal(crm_validate_query(values, 5, &n, &query, FILTERS), 0);
    assert_int_equal(n, 5);
    assert_string_equal(values[0], "m");
    assert_null(values[1]);
    assert_string_equal(values[3], "true");
    assert_null(values[4]); /* empty = absent */

    const char *bad[] = {"size", "xl", "owner_id", "nope", "since", "yesterday", "active", "yes", "q", "abcd", NULL};
    query.source = bad;
    assert_int_equal(crm_validate_query(values, 5, &n, &query, FILTERS), CRM_EINVALID);
    const char *expected[][2] = {{"size", "enum"}, {"owner_id", "format"}, {"since", "format"}, {"active", "format"},
                                 {"q", "too_long"}};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(field_of(i, "field"), expected[i][0]);
        assert_string_equal(field_of(i, "code"), expected[i][1]);
    }
    assert_non_null(strstr(field_of(0, "message"), "s, m, l"));

    /* An empty value of a filter that is not NULLABLE is malformed, not "any". */
    crm_error_clear();
    const char *empty[] = {"size", "", "owner_id", "", NULL};
    query.source = empty;
    assert_int_equal(crm_validate_query(values, 5, &n, &query, FILTERS), CRM_EINVALID);
    assert_string_equal(field_of(0, "field"), "size");
    assert_string_equal(field_of(1, "field"), "owner_id");
    assert_null(values[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_resource_common_refusals_and_a_module_override, reset),
        cmocka_unit_test_setup(test_resource_a_refusal_names_its_field_and_code, reset),
        cmocka_unit_test_setup(test_resource_an_indexed_refusal_fills_in_the_line, reset),
        cmocka_unit_test_setup(test_resource_a_state_refusal_says_the_status, reset),
        cmocka_unit_test_setup(test_resource_a_problem_refusal_carries_its_own_field, reset),
        cmocka_unit_test_setup(test_resource_an_unknown_refusal_is_an_internal_error, reset),
        cmocka_unit_test_setup(test_resource_query_filters_are_checked_like_body_fields, reset),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    crm_error_clear();
    return failed;
}
