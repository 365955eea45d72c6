/* test_validate.c: request-body validation and the format checks behind it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "crm/error.h"
#include "crm/resource.h"
#include "crm/validate.h"

static const char *const COLOURS[] = {"red", "green", NULL};
static const crm_field FIELDS[] = {
    {"id", CRM_T_UUID, CRM_F_NOPATCH, 0, 0, 0, NULL},
    {"name", CRM_T_STRING, CRM_F_REQUIRED, 0, 5, 0, NULL},
    {"colour", CRM_T_ENUM, CRM_F_NULLABLE, 0, 0, 0, COLOURS},
    {"amount", CRM_T_DECIMAL, CRM_F_NULLABLE, 0, 4, 2, NULL},
    {"days", CRM_T_INT, 0, 0, 10, 0, NULL},
    {"born", CRM_T_DATE, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"tags", CRM_T_STRINGS, 0, 2, 3, 0, NULL},
    {"owner", CRM_T_UUID, CRM_F_READONLY, 0, 0, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static int reset(void **state)
{
    (void)state;
    crm_error_clear();
    return 0;
}

/* The field named in the first recorded error, or "" when none. */
static const char *first_field(void)
{
    const crm_error *err = crm_error_last();
    return err->fields ? json_string_value(json_object_get(json_array_get(err->fields, 0), "field")) : "";
}

static const char *first_code(void)
{
    const crm_error *err = crm_error_last();
    return err->fields ? json_string_value(json_object_get(json_array_get(err->fields, 0), "code")) : "";
}

static int check_against(const char *body, const crm_field *fields, int mode)
{
    json_t *json = json_loads(body, 0, NULL);
    assert_non_null(json);
    int rc = crm_validate(json, fields, mode);
    json_decref(json);
    return rc;
}

static int check(const char *body, int mode) { return check_against(body, FIELDS, mode); }

static void test_validate_accepts_a_complete_body(void **state)
{
    (void)state;
    assert_int_equal(check("{\"name\":\"abc\",\"colour\":\"red\",\"amount\":\"12.50\",\"days\":3,"
                           "\"born\":\"2024-02-29\",\"tags\":[\"a\",\"b\"]}", CRM_CREATE), 0);
    assert_false(crm_error_has_fields());
}

static void test_validate_requires_required_fields_on_create_only(void **state)
{
    (void)state;
    assert_int_equal(check("{\"colour\":\"red\"}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "name");
    assert_string_equal(first_code(), "required");
    crm_error_clear();
    assert_int_equal(check("{\"colour\":\"red\"}", CRM_PATCH), 0);
}

static void test_validate_names_unknown_and_server_owned_fields(void **state)
{
    (void)state;
    assert_int_equal(check("{\"name\":\"a\",\"colur\":\"red\"}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "colur");
    assert_string_equal(first_code(), "unknown");
    crm_error_clear();
    assert_int_equal(check("{\"name\":\"a\",\"version\":2}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_code(), "read_only");
    crm_error_clear();
    assert_int_equal(check("{\"name\":\"a\",\"owner\":\"00000000-0000-0000-0000-000000000000\"}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "owner");
    crm_error_clear();
    assert_int_equal(check("{\"id\":\"00000000-0000-0000-0000-000000000000\"}", CRM_PATCH), CRM_EINVALID);
    assert_string_equal(first_code(), "read_only");
}

/* The names of a query string as sent, against FIELDS. */
static int check_names(const char *raw)
{
    crm_query query = {.raw = raw};
    return crm_validate_query_names(&query, FIELDS);
}

static void test_validate_query_names_refuses_parameters_not_in_the_table(void **state)
{
    (void)state;
    assert_int_equal(check_names(NULL), 0);
    assert_int_equal(check_names("name=a&colour=red&&days="), 0);
    /* Names are compared decoded, as the HTTP layer decodes them. */
    assert_int_equal(check_names("na%6De=a&col%6Fur"), 0);
    assert_int_equal(check_names("name=a&colur=red"), CRM_EINVALID);
    assert_string_equal(first_field(), "colur");
    assert_string_equal(first_code(), "unknown");
    crm_error_clear();
    /* A name that had to be decoded, or is not plain, is not echoed. */
    assert_int_equal(check_names("x%0Ay=1"), CRM_EINVALID);
    assert_string_equal(first_field(), "(query)");
    crm_error_clear();
    assert_int_equal(check_names("name+=a"), CRM_EINVALID);
}

static void test_validate_refuses_a_number_where_a_decimal_string_is_expected(void **state)
{
    (void)state;
    assert_int_equal(check("{\"name\":\"a\",\"amount\":12.5}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "amount");
    assert_string_equal(first_code(), "type");
}

static void test_validate_checks_lengths_enums_ranges_and_dates(void **state)
{
    (void)state;
    assert_int_equal(check("{\"name\":\"abcdef\"}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_code(), "too_long");
    crm_error_clear();
    /* five characters of Chinese text are five, not fifteen bytes' worth */
    assert_int_equal(check("{\"name\":\"上海华联贸\"}", CRM_CREATE), 0);
    assert_int_equal(check("{\"name\":\"a\",\"colour\":\"blue\"}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_code(), "enum");
    crm_error_clear();
    assert_int_equal(check("{\"name\":\"a\",\"days\":11}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_code(), "range");
    crm_error_clear();
    assert_int_equal(check("{\"name\":\"a\",\"born\":\"2023-02-29\"}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "born");
    crm_error_clear();
    assert_int_equal(check("{\"name\":\"a\",\"tags\":[\"a\",\"b\",\"c\"]}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "tags");
    crm_error_clear();
    assert_int_equal(check("{\"name\":null}", CRM_PATCH), CRM_EINVALID);
    crm_error_clear();
    assert_int_equal(check("{\"colour\":null}", CRM_PATCH), 0);
}

static void test_validate_refuses_a_non_object_body(void **state)
{
    (void)state;
    assert_int_equal(check("[1,2]", CRM_CREATE), CRM_EINVALID);
}

static void test_validate_decimal_formats(void **state)
{
    (void)state;
    assert_true(crm_valid_decimal("0", 4, 2, 0));
    assert_true(crm_valid_decimal("1234.56", 4, 2, 0));
    assert_false(crm_valid_decimal("12345", 4, 2, 0));
    assert_false(crm_valid_decimal("1.234", 4, 2, 0));
    assert_false(crm_valid_decimal("1.", 4, 2, 0));
    assert_false(crm_valid_decimal(".5", 4, 2, 0));
    assert_false(crm_valid_decimal("-1", 4, 2, 0));
    assert_true(crm_valid_decimal("-1", 4, 2, 1));
    assert_false(crm_valid_decimal("1e3", 4, 2, 0));
    assert_false(crm_valid_decimal("", 4, 2, 0));
}

static void test_validate_uuid_and_timestamp_formats(void **state)
{
    (void)state;
    assert_true(crm_valid_uuid("a784933f-308b-4c92-ac56-968f853fa184"));
    assert_false(crm_valid_uuid("a784933f308b4c92ac56968f853fa184"));
    assert_false(crm_valid_uuid("g784933f-308b-4c92-ac56-968f853fa184"));
    assert_true(crm_valid_timestamp("2026-11-23T12:25:36.828874Z"));
    assert_true(crm_valid_timestamp("2026-11-23T12:25:36+08:00"));
    assert_false(crm_valid_timestamp("2026-11-23"));
    assert_false(crm_valid_timestamp("2026-11-23T25:00:00Z"));
}

static void test_validate_cursor_round_trip_and_garbage(void **state)
{
    (void)state;
    char ts[40], id[37];
    /* base64url of "2026-11-23T12:25:37.758888Z|e8ed4b7d-eb12-4e5c-b2fc-32b4dd1394ff" */
    assert_int_equal(crm_cursor_decode("MjAyNi0xMS0yM1QxMjoyNTozNy43NTg4ODhafGU4ZWQ0YjdkLWViMTItNGU1Yy1iMmZjLTMyYjRkZDEzOTRmZg",
                                       ts, id), 0);
    assert_string_equal(ts, "2026-11-23T12:25:37.758888Z");
    assert_string_equal(id, "e8ed4b7d-eb12-4e5c-b2fc-32b4dd1394ff");
    assert_int_equal(crm_cursor_decode("not a cursor!", ts, id), CRM_EINVALID);
    assert_string_equal(first_field(), "cursor");
}

/* A check-in: a timestamp and a nested place, as contact records have. */
static const crm_field PLACE[] = {
    {"lat", CRM_T_NUMBER, CRM_F_REQUIRED, -90, 90, 0, NULL},
    {"lon", CRM_T_NUMBER, CRM_F_REQUIRED, -180, 180, 0, NULL},
    {"accuracy_m", CRM_T_NUMBER, CRM_F_NULLABLE, 0, 100000, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};
static const crm_field CHECKIN[] = {
    {"at", CRM_T_TIMESTAMP, 0, 0, 0, 0, NULL},
    {"next_at", CRM_T_TIMESTAMP, CRM_F_NULLABLE, 0, 0, 0, NULL},
    {"place", CRM_T_MEMBERS, CRM_F_NULLABLE, 0, 0, 0, PLACE},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static int check_in(const char *body, int mode)
{
    json_t *json = json_loads(body, 0, NULL);
    assert_non_null(json);
    int rc = crm_validate(json, CHECKIN, mode);
    json_decref(json);
    return rc;
}

static void test_validate_numbers_take_integers_and_fractions_within_bounds(void **state)
{
    (void)state;
    assert_int_equal(check_in("{\"place\":{\"lat\":31.230416,\"lon\":-180,\"accuracy_m\":12.5}}", CRM_CREATE), 0);
    assert_int_equal(check_in("{\"place\":{\"lat\":90,\"lon\":180,\"accuracy_m\":null}}", CRM_CREATE), 0);
    assert_int_equal(check_in("{\"place\":{\"lat\":90.000001,\"lon\":0}}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "place.lat");
    assert_string_equal(first_code(), "range");
    crm_error_clear();
    assert_int_equal(check_in("{\"place\":{\"lat\":0,\"lon\":-180.5}}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "place.lon");
    crm_error_clear();
    assert_int_equal(check_in("{\"place\":{\"lat\":\"31.2\",\"lon\":0}}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "place.lat");
    assert_string_equal(first_code(), "type");
    crm_error_clear();
    assert_int_equal(check_in("{\"place\":{\"lat\":0,\"lon\":0,\"accuracy_m\":-1}}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "place.accuracy_m");
}

static void test_validate_timestamps_are_rfc3339_strings(void **state)
{
    (void)state;
    assert_int_equal(check_in("{\"at\":\"2026-11-23T10:11:12Z\",\"next_at\":\"2026-11-24T09:00:00.5+08:00\"}", CRM_CREATE), 0);
    assert_int_equal(check_in("{\"next_at\":null}", CRM_PATCH), 0);
    assert_int_equal(check_in("{\"at\":1763892672}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "at");
    assert_string_equal(first_code(), "type");
    crm_error_clear();
    assert_int_equal(check_in("{\"at\":\"2026-11-23\"}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_code(), "format");
    crm_error_clear();
    assert_int_equal(check_in("{\"at\":\"2026-02-30T10:00:00Z\"}", CRM_CREATE), CRM_EINVALID);
    crm_error_clear();
    assert_int_equal(check_in("{\"at\":null}", CRM_PATCH), CRM_EINVALID);
    assert_string_equal(first_code(), "required");
    /* offsets PostgreSQL would refuse are refused here, naming the field */
    assert_true(crm_valid_timestamp("2026-11-23T10:11:12-15:59"));
    assert_false(crm_valid_timestamp("2026-11-23T10:11:12+16:00"));
    assert_false(crm_valid_timestamp("2026-11-23T10:11:12+05:60"));
}

static void test_validate_members_are_checked_and_named_with_their_parent(void **state)
{
    (void)state;
    assert_int_equal(check_in("{\"place\":null}", CRM_CREATE), 0);
    /* a nested object is replaced as a whole: its required members are required on PATCH too */
    assert_int_equal(check_in("{\"place\":{\"lat\":1}}", CRM_PATCH), CRM_EINVALID);
    assert_string_equal(first_field(), "place.lon");
    assert_string_equal(first_code(), "required");
    crm_error_clear();
    assert_int_equal(check_in("{\"place\":{\"lat\":1,\"lon\":2,\"alt\":3}}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "place.alt");
    assert_string_equal(first_code(), "unknown");
    crm_error_clear();
    assert_int_equal(check_in("{\"place\":[1,2]}", CRM_CREATE), CRM_EINVALID);
    assert_string_equal(first_field(), "place");
    assert_string_equal(first_code(), "type");
}

static const crm_field NAMED[] = {
    {"name", CRM_T_STRING, CRM_F_REQUIRED | CRM_F_NAME, 0, 50, 0, NULL},
    {"notes", CRM_T_STRING, CRM_F_NULLABLE, 0, 50, 0, NULL},
    {NULL, 0, 0, 0, 0, 0, NULL},
};

static int check_named(const char *body)
{
    crm_error_clear();
    return check_against(body, NAMED, CRM_CREATE);
}

/* A name that could pass for another is refused; visible text of any script is not. */
static void test_validate_names_refuse_invisible_and_direction_characters(void **state)
{
    (void)state;
    static const char *const accepted[] = {
        "{\"name\":\"Acme Ltd.\"}", "{\"name\":\"上海华东贸易有限公司\"}", "{\"name\":\"شركة النور\"}",
        "{\"name\":\"Café Müller\"}", "{\"name\":\"O'Brien & Søn\"}", "{\"name\":\"❤️ Flowers\"}",
    };
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        assert_int_equal(check_named(accepted[i]), 0);
    static const char *const refused[] = {
        "{\"name\":\"Acme\\u202Egnp.exe\"}", /* right-to-left override */
        "{\"name\":\"Ac\\u200Bme\"}",        /* zero-width space */
        "{\"name\":\"Ac\\u200Dme\"}",        /* zero-width joiner */
        "{\"name\":\"\\uFEFFAcme\"}",        /* byte-order mark */
        "{\"name\":\"Ac\\u00ADme\"}",        /* soft hyphen */
        "{\"name\":\"Acme\\u2066x\\u2069\"}", /* isolates */
        "{\"name\":\"Acme\\u061C\"}",        /* Arabic letter mark */
        "{\"name\":\"Acme\\nLtd\"}",         /* a second line */
        "{\"name\":\"Acme\\tLtd\"}",
        "{\"name\":\"Acme\\u0085\"}",        /* next line (C1) */
        "{\"name\":\"Acme\\u2028\"}",        /* line separator */
        "{\"name\":\"Acme\\uDB40\\uDC41\"}", /* tag letter A (U+E0041) */
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(check_named(refused[i]), CRM_EINVALID);
        assert_string_equal(first_field(), "name");
        assert_string_equal(first_code(), "format");
    }
    /* Free text that is not a name keeps them: a joiner belongs to many scripts' words. */
    assert_int_equal(check_named("{\"name\":\"Acme\",\"notes\":\"line one\\nline\\u200Dtwo\"}"), 0);
}

static void test_validate_page_limits(void **state)
{
    (void)state;
    crm_page page = {.limit = 201};
    assert_int_equal(crm_page_prepare(&page), CRM_EINVALID);
    assert_string_equal(first_field(), "limit");
    crm_error_clear();
    page.limit = 200;
    assert_int_equal(crm_page_prepare(&page), 0);
    page.limit = 0;
    assert_int_equal(crm_page_prepare(&page), CRM_EINVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_validate_accepts_a_complete_body, reset),
        cmocka_unit_test_setup(test_validate_requires_required_fields_on_create_only, reset),
        cmocka_unit_test_setup(test_validate_names_unknown_and_server_owned_fields, reset),
        cmocka_unit_test_setup(test_validate_query_names_refuses_parameters_not_in_the_table, reset),
        cmocka_unit_test_setup(test_validate_refuses_a_number_where_a_decimal_string_is_expected, reset),
        cmocka_unit_test_setup(test_validate_checks_lengths_enums_ranges_and_dates, reset),
        cmocka_unit_test_setup(test_validate_refuses_a_non_object_body, reset),
        cmocka_unit_test_setup(test_validate_decimal_formats, reset),
        cmocka_unit_test_setup(test_validate_uuid_and_timestamp_formats, reset),
        cmocka_unit_test_setup(test_validate_cursor_round_trip_and_garbage, reset),
        cmocka_unit_test_setup(test_validate_page_limits, reset),
        cmocka_unit_test_setup(test_validate_names_refuse_invisible_and_direction_characters, reset),
        cmocka_unit_test_setup(test_validate_numbers_take_integers_and_fractions_within_bounds, reset),
        cmocka_unit_test_setup(test_validate_timestamps_are_rfc3339_strings, reset),
        cmocka_unit_test_setup(test_validate_members_are_checked_and_named_with_their_parent, reset),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    crm_error_clear();
    return failed;
}
