/* test_document.c: PDF and CSV rendering of business documents; the PDFs are
 * read back with poppler's pdftotext, as a user copying the text would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crm/document.h"
#include "crm/error.h"

static const char *CUSTOMER = "上海华联贸易有限公司";

static int have_tool(const char *name)
{
    char command[128];
    snprintf(command, sizeof command, "command -v %s >/dev/null 2>&1", name);
    return system(command) == 0;
}

/* pdftotext -layout of `pdf`; the text is the caller's. */
static char *pdf_text(const unsigned char *pdf, size_t len)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/crm-test-document-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, pdf, len), (ssize_t)len);
    close(fd);
    char command[600];
    snprintf(command, sizeof command, "pdftotext -enc UTF-8 -layout '%s' -", path);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t cap = 1 << 16, used = 0, n;
    char *text = malloc(cap);
    while ((n = fread(text + used, 1, cap - used - 1, pipe)) > 0) {
        used += n;
        if (cap - used < 4096)
            text = realloc(text, cap *= 2);
    }
    text[used] = '\0';
    assert_int_equal(pclose(pipe), 0);
    unlink(path);
    return text;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

static json_t *quotation(size_t nlines)
{
    json_t *lines = json_array();
    for (size_t i = 0; i < nlines; i++) {
        char description[64];
        snprintf(description, sizeof description, "螺栓 第%zu批", i + 1);
        json_array_append_new(lines, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "line_no",
                                               (int)i + 1, "description", i == 0 ? "工业润滑油（桶装）" : description,
                                               "quantity", "100.000", "unit", "件", "unit_price", "100.0000",
                                               "discount_percent", "0.0000", "tax_rate", "13.0000", "net", "10000.00",
                                               "tax", "1300.00", "gross", "11300.00"));
    }
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "id",
                     "5a0c1d3e-0000-4000-8000-000000000001", "number", "Q-2026-000042", "revision", 1, "status",
                     "sent", "customer_name", CUSTOMER, "currency", "CNY", "valid_until", "2026-03-31", "notes",
                     "价格含运费。Prices include delivery.", "lines", lines, "net_total", "10000.00", "tax_total",
                     "1300.00", "gross_total", nlines == 1 ? "11300.00" : "1356000.00");
}

static void test_document_pdf_has_extractable_chinese_text(void **state)
{
    (void)state;
    if (!have_tool("pdftotext"))
        skip();
    json_t *doc = quotation(1);
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(crm_document_pdf(&pdf, &len, "quotation", doc), 0);
    assert_true(len > 1000);
    assert_memory_equal(pdf, "%PDF-", 5);
    char *text = pdf_text(pdf, len);
    assert_non_null(strstr(text, CUSTOMER));
    assert_non_null(strstr(text, "Q-2026-000042"));
    assert_non_null(strstr(text, "11300.00"));
    assert_non_null(strstr(text, "报价单"));
    assert_non_null(strstr(text, "工业润滑油（桶装）"));
    assert_non_null(strstr(text, "2026-03-31"));
    assert_non_null(strstr(text, "Unit price"));
    assert_non_null(strstr(text, "Page 1 of 1"));
    free(text);
    free(pdf);
    json_decref(doc);
}

static void test_document_pdf_long_table_breaks_pages_and_repeats_header(void **state)
{
    (void)state;
    if (!have_tool("pdftotext"))
        skip();
    json_t *doc = quotation(120);
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(crm_document_pdf(&pdf, &len, "quotation", doc), 0);
    char *text = pdf_text(pdf, len);
    size_t pages = count(text, "\f");
    assert_true(pages >= 2);
    /* The table header is on every page with lines, and every page is numbered. */
    assert_true(count(text, "Description") >= pages);
    char last[32];
    snprintf(last, sizeof last, "Page %zu of %zu", pages, pages);
    assert_non_null(strstr(text, last));
    assert_non_null(strstr(text, "第120批"));
    assert_non_null(strstr(text, "1356000.00"));
    free(text);
    free(pdf);
    json_decref(doc);
}

static void test_document_pdf_delivery_note_shows_only_its_columns(void **state)
{
    (void)state;
    if (!have_tool("pdftotext"))
        skip();
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "number", "S-2026-000007", "customer_name",
                            CUSTOMER, "shipping_date", "2026-02-14", "tracking_no", "SF1234567890", "lines",
                            "description", "工业润滑油", "quantity", "2.500", "unit", "吨");
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(crm_document_pdf(&pdf, &len, "delivery note", doc), 0);
    char *text = pdf_text(pdf, len);
    assert_non_null(strstr(text, "送货单"));
    assert_non_null(strstr(text, "S-2026-000007"));
    assert_non_null(strstr(text, "2026-02-14"));
    assert_non_null(strstr(text, "SF1234567890"));
    assert_non_null(strstr(text, "2.500"));
    assert_null(strstr(text, "Unit price"));
    assert_null(strstr(text, "Gross"));
    free(text);
    free(pdf);
    json_decref(doc);
}

static void test_document_pdf_contract_shows_payment_plan(void **state)
{
    (void)state;
    if (!have_tool("pdftotext"))
        skip();
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:[], s:s, s:[{s:i, s:s, s:s}, {s:i, s:s, s:s}]}", "number",
                            "C-2026-000003", "customer_name", CUSTOMER, "signed_on", "2026-01-05", "delivery_due",
                            "2026-02-01", "lines", "gross_total", "3000.00", "installments", "seq", 1, "due_date",
                            "2026-01-31", "amount", "1000.00", "seq", 2, "due_date", "2026-03-31", "amount",
                            "2000.00");
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(crm_document_pdf(&pdf, &len, "contract", doc), 0);
    char *text = pdf_text(pdf, len);
    assert_non_null(strstr(text, "销售合同"));
    assert_non_null(strstr(text, "付款计划"));
    assert_non_null(strstr(text, "2026-03-31"));
    assert_non_null(strstr(text, "2000.00"));
    assert_non_null(strstr(text, "3000.00"));
    free(text);
    free(pdf);
    json_decref(doc);
}

static void test_document_pdf_refuses_unknown_kind(void **state)
{
    (void)state;
    json_t *doc = json_object();
    unsigned char *pdf = NULL;
    size_t len = 0;
    assert_int_equal(crm_document_pdf(&pdf, &len, "invoice", doc), CRM_EINVALID);
    assert_null(pdf);
    json_t *array = json_array();
    assert_int_equal(crm_document_pdf(&pdf, &len, "quotation", array), CRM_EINVALID);
    json_decref(array);
    json_decref(doc);
}

static void test_document_csv_is_excel_friendly(void **state)
{
    (void)state;
    json_t *doc = json_pack("{s:s, s:[{s:i, s:s, s:s, s:s, s:s, s:s}, {s:i, s:s, s:s, s:s, s:s, s:s}]}", "number",
                            "Q-2026-000042", "lines", "line_no", 1, "description", "钢管, 50mm \"A\" grade",
                            "quantity", "0.333", "unit", "米", "unit_price", "12.1250", "gross", "4.04", "line_no", 2,
                            "description", "=HYPERLINK(\"x\")", "quantity", "1.000", "unit", "件", "unit_price",
                            "-1.0000", "gross", "-1.00");
    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(crm_document_csv(&csv, &len, doc), 0);
    assert_int_equal(strlen(csv), len);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    const char *expected = "\xEF\xBB\xBF"
                           "#,Description,Quantity,Unit,Unit price,Gross\r\n"
                           "1,\"钢管, 50mm \"\"A\"\" grade\",0.333,米,12.1250,4.04\r\n"
                           "2,\"'=HYPERLINK(\"\"x\"\")\",1.000,件,-1.0000,-1.00\r\n";
    assert_string_equal(csv, expected);
    free(csv);
    json_decref(doc);
}

static void test_document_csv_of_delivery_note_and_of_no_lines(void **state)
{
    (void)state;
    json_t *doc = json_pack("{s:[{s:s, s:s, s:s}]}", "lines", "description", "润滑油", "quantity", "2.500", "unit",
                            "吨");
    char *csv = NULL;
    size_t len = 0;
    assert_int_equal(crm_document_csv(&csv, &len, doc), 0);
    assert_string_equal(csv, "\xEF\xBB\xBF#,Description,Quantity,Unit\r\n1,润滑油,2.500,吨\r\n");
    free(csv);
    json_decref(doc);

    doc = json_object();
    assert_int_equal(crm_document_csv(&csv, &len, doc), 0);
    assert_string_equal(csv, "\xEF\xBB\xBF#\r\n");
    free(csv);
    json_decref(doc);
}

static int shutdown_renderer(void **state)
{
    (void)state;
    crm_document_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_pdf_has_extractable_chinese_text),
        cmocka_unit_test(test_document_pdf_long_table_breaks_pages_and_repeats_header),
        cmocka_unit_test(test_document_pdf_delivery_note_shows_only_its_columns),
        cmocka_unit_test(test_document_pdf_contract_shows_payment_plan),
        cmocka_unit_test(test_document_pdf_refuses_unknown_kind),
        cmocka_unit_test(test_document_csv_is_excel_friendly),
        cmocka_unit_test(test_document_csv_of_delivery_note_and_of_no_lines),
    };
    return cmocka_run_group_tests(tests, NULL, shutdown_renderer);
}
