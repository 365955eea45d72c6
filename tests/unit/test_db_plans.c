/* test_db_plans.c: one tenant never slows another. With a big tenant in the
 * database, every list, lookup and search of a small tenant is planned (the
 * generic plans the server uses) on indexes that lead with tenant_id, never a
 * scan of a big table, never JIT-compiled, and answers in milliseconds; and
 * the big tenant's own searches too.
 * Like test_db, run by scripts/test.sh on the migrated test database with
 * CRM_TEST_DB (application role) and CRM_TEST_OWNER_DB (owner role). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "crm/changes.h"
#include "crm/contact.h"
#include "crm/contact_record.h"
#include "crm/contract.h"
#include "crm/customer.h"
#include "crm/db.h"
#include "crm/duplicate.h"
#include "crm/error.h"
#include "crm/identity.h"
#include "crm/product.h"
#include "crm/quotation.h"
#include "crm/report.h"
#include "crm/search.h"
#include "crm/shipment.h"
#include "crm/tenant.h"
#include "crm/user.h"

/* The big tenant's share of each table it fills, and the small one's. */
#define BIG_ROWS 30000
#define SMALL_ROWS 6
/* The slowest a small tenant's list may be (median of several runs): the old
 * plans took 300-600 ms here, a list of a few rows takes well under 5 ms. */
#define SMALL_LIST_MS 50.0

static const char *app_conninfo, *owner_conninfo;
static crm_caller big, small;
static char small_customer[37];

/* Tables the big tenant fills: none of them may be scanned for the small one. */
static const char *const BIG_TABLES[] = {"customers", "contacts", "contact_records", "products", "audit_log",
                                         "changes", "search_terms", NULL};

static const crm_stmt LOOKUP = {"test_plans_lookup", "SELECT tenant_lookup($1)"};
static const crm_stmt ADMIN = {"test_plans_admin", "SELECT id FROM users WHERE tenant_id = $1"};
static const crm_stmt A_CUSTOMER = {"test_plans_customer", "SELECT id FROM customers WHERE tenant_id = $1 LIMIT 1"};
static const crm_stmt PREPARED = {
    "test_plans_prepared",
    "SELECT name, coalesce(array_length(parameter_types, 1), 0) FROM pg_prepared_statements"
    " WHERE name NOT LIKE 'test\\_plans\\_%' AND name NOT LIKE 'db\\_%' ORDER BY name"};
/* The index a plan names: whether its table is a tenant's and its first key tenant_id. */
static const crm_stmt INDEX_KEY = {
    "test_plans_index_key",
    "SELECT EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = i.indrelid AND t.attname = 'tenant_id'),"
    " coalesce((SELECT a.attname = 'tenant_id' FROM pg_attribute a WHERE a.attrelid = i.indrelid"
    "   AND a.attnum = i.indkey[0]), false)"
    " FROM pg_index i WHERE i.indexrelid = to_regclass($1)"};

static char *value_of(crm_db *db, const crm_stmt *stmt, int nparams, const char *const *params)
{
    PGresult *res = NULL;
    if (crm_db_run(&res, db, stmt, nparams, params) < 0)
        fail_msg("%s failed: %s", stmt->name, crm_error_last()->detail);
    assert_true(PQntuples(res) >= 1);
    char *value = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return value;
}

static void make_tenant(crm_db *db, crm_caller *who, const char *label)
{
    char slug[64], email[128];
    snprintf(slug, sizeof slug, "plans-%s-%ld-%ld", label, (long)getpid(), (long)time(NULL));
    snprintf(email, sizeof email, "admin@%s.example", slug);
    int existed = 1;
    if (crm_identity_create_tenant(db, slug, slug, email, "a long enough password", "Admin", &existed) < 0)
        fail_msg("create tenant %s: %s", slug, crm_error_last()->detail);
    const char *slugs[] = {slug};
    char *id = value_of(db, &LOOKUP, 1, slugs);
    memset(who, 0, sizeof *who);
    snprintf(who->tenant_id, sizeof who->tenant_id, "%s", id);
    crm_db_set_caller(db, who);
    const char *tid[] = {id};
    char *user = value_of(db, &ADMIN, 1, tid);
    snprintf(who->user_id, sizeof who->user_id, "%s", user);
    snprintf(who->role, sizeof who->role, "admin");
    crm_db_set_caller(db, NULL);
    free(id);
    free(user);
}

/* Fill `who`'s tenant with `n` of each: customers (all its admin's), contact
 * persons, contact records, products, their search terms, audit entries and
 * changes; in bulk, with the row triggers off (they would take minutes) and
 * their rows written by the same statements, none joining tables whose fresh
 * rows have no statistics yet. */
static void seed(crm_db *owner, const crm_caller *who, int n)
{
    char sql[4096];
    snprintf(sql, sizeof sql,
             "BEGIN;"
             "SELECT set_config('app.tenant_id', '%s', true);"
             "ALTER TABLE customers DISABLE TRIGGER USER; ALTER TABLE contacts DISABLE TRIGGER USER;"
             "ALTER TABLE contact_records DISABLE TRIGGER USER;"
             "INSERT INTO customers (tenant_id, name, owner_id, phone, email)"
             " SELECT current_tenant(), 'Customer ' || (ARRAY['Acme','Globex','Initech','Umbrella','Hooli','上海华联'])[1 + g %% 6]"
             "   || ' ' || g, '%s', '+86 21 ' || lpad(g::text, 8, '0'), 'c' || g || '@example.com'"
             " FROM generate_series(1, %d) g;"
             "INSERT INTO contacts (tenant_id, customer_id, name, mobile)"
             " SELECT tenant_id, id, 'Contact of ' || name, phone FROM customers WHERE tenant_id = current_tenant();"
             "INSERT INTO contact_records (tenant_id, customer_id, kind, subject, owner_id)"
             " SELECT tenant_id, id, 'call', 'Called', owner_id FROM customers WHERE tenant_id = current_tenant();"
             "INSERT INTO search_terms (tenant_id, entity, term, id)"
             " SELECT c.tenant_id, 'customer', t, c.id FROM customers c, search_terms_of(ARRAY[c.name, c.email], ARRAY[c.phone]) t"
             " WHERE c.tenant_id = current_tenant()"
             " UNION ALL SELECT c.tenant_id, 'contact', t, c.id FROM contacts c, search_terms_of(ARRAY[c.name], ARRAY[c.mobile]) t"
             " WHERE c.tenant_id = current_tenant();"
             "INSERT INTO audit_log (tenant_id, actor_id, entity, entity_id, action)"
             " SELECT tenant_id, owner_id, 'customers', id, 'create' FROM customers WHERE tenant_id = current_tenant()"
             " UNION ALL SELECT tenant_id, owner_id, 'contact_records', id, 'create' FROM contact_records"
             " WHERE tenant_id = current_tenant();"
             "INSERT INTO changes (tenant_id, entity, entity_id, customer_id, owner_id, op)"
             " SELECT tenant_id, 'customer', id, id, owner_id, 'upsert' FROM customers WHERE tenant_id = current_tenant()"
             " UNION ALL SELECT tenant_id, 'contact', id, customer_id, '%s', 'upsert' FROM contacts"
             " WHERE tenant_id = current_tenant();"
             "ALTER TABLE customers ENABLE TRIGGER USER; ALTER TABLE contacts ENABLE TRIGGER USER;"
             "ALTER TABLE contact_records ENABLE TRIGGER USER;"
             "INSERT INTO products (tenant_id, sku, name) SELECT current_tenant(), 'SKU-' || g, 'Product ' || g"
             " FROM generate_series(1, %d) g;"
             "COMMIT;"
             "ANALYZE customers, contacts, contact_records, products, audit_log, changes, search_terms;",
             who->tenant_id, who->user_id, n, who->user_id, n);
    if (crm_db_exec(NULL, owner, sql) < 0)
        fail_msg("seeding: %s", crm_error_last()->detail);
}

static int make_tenants(void **state)
{
    (void)state;
    crm_db *db = NULL, *owner = NULL;
    if (crm_db_open(&db, app_conninfo) < 0 || crm_db_open(&owner, owner_conninfo) < 0) {
        fprintf(stderr, "test_db_plans: cannot connect: %s\n", crm_error_last()->detail);
        crm_db_close(db);
        return -1;
    }
    make_tenant(db, &big, "big");
    make_tenant(db, &small, "small");
    seed(owner, &big, BIG_ROWS);
    seed(owner, &small, SMALL_ROWS);
    crm_db_set_caller(db, &small);
    const char *tid[] = {small.tenant_id};
    char *id = value_of(db, &A_CUSTOMER, 1, tid);
    snprintf(small_customer, sizeof small_customer, "%s", id);
    free(id);
    crm_db_close(owner);
    crm_db_close(db);
    return 0;
}

/* The query parameters of a request: pairs of name and value. */
typedef struct params {
    const char *pairs[8];
} params;

static const char *param_of(const void *source, const char *name)
{
    const params *p = source;
    for (int i = 0; p->pairs[i]; i += 2)
        if (strcmp(p->pairs[i], name) == 0)
            return p->pairs[i + 1];
    return NULL;
}

typedef struct list_case {
    const char *what;
    crm_list_fn list;
    int nested; /* under the small tenant's customer */
    params query;
} list_case;

static const list_case LISTS[] = {
    {"customers", crm_customer_list, 0, {{NULL}}},
    {"customers by status", crm_customer_list, 0, {{"status", "active", NULL}}},
    {"customers q=", crm_customer_list, 0, {{"q", "acme trading", NULL}}},
    {"customers q= phone", crm_customer_list, 0, {{"q", "21 0000 0001", NULL}}},
    {"contacts of a customer", crm_contact_list, 1, {{NULL}}},
    {"contacts", crm_search_contacts, 0, {{NULL}}},
    {"contacts q=", crm_search_contacts, 0, {{"q", "contact of acme", NULL}}},
    {"contact records", crm_contact_record_list, 0, {{NULL}}},
    {"contact records of a customer", crm_contact_record_list, 1, {{NULL}}},
    {"products", crm_product_list, 0, {{NULL}}},
    {"products q=", crm_product_list, 0, {{"q", "product 12", NULL}}},
    {"quotations", crm_quotation_list, 0, {{NULL}}},
    {"contracts", crm_contract_list, 0, {{NULL}}},
    {"shipments", crm_shipment_list, 0, {{NULL}}},
    {"users", crm_user_list, 0, {{NULL}}},
    {"teams", crm_team_list, 0, {{NULL}}},
    {"audit log", crm_audit_list, 0, {{NULL}}},
    {"changes", crm_changes_list, 0, {{NULL}}},
    {"agenda", crm_agenda_get, 0, {{NULL}}},
    {"performance report", crm_report_performance, 0, {{NULL}}},
    {"performance report by month", crm_report_performance, 0, {{"group_by", "month", NULL}}},
    {"duplicates", crm_duplicate_list, 0, {{"name", "Customer Acme 7", "phone", "+86 21 0000 0007", NULL}}},
};

static const crm_get_fn GETS[] = {crm_customer_get, crm_contact_get, crm_contact_record_get, crm_product_get,
                                  crm_quotation_get, crm_contract_get, crm_shipment_get, crm_user_get, crm_team_get};

/* Run one list as `who` (the small tenant's admin for a nested one); returns how long it took in ms. */
static double run_list(crm_db *db, const crm_caller *who, const list_case *c)
{
    crm_query query = {0};
    query.param = param_of;
    query.source = &c->query;
    query.page.limit = 50;
    query.parent_id = c->nested ? small_customer : NULL;
    char *out = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = c->list(&out, db, who, &query);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc < 0)
        fail_msg("list %s: %s", c->what, crm_error_last()->detail);
    free(out);
    crm_error_clear();
    return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

/* Every statement the calls above prepared on `db`, each with its parameter count. */
static PGresult *prepared(crm_db *db)
{
    PGresult *res = NULL;
    if (crm_db_run(&res, db, &PREPARED, 0, NULL) < 0)
        fail_msg("pg_prepared_statements: %s", crm_error_last()->detail);
    return res;
}

/* What is wrong with one plan node and its children, appended to `why`. */
static void check_node(crm_db *db, const json_t *node, char *why, size_t size)
{
    const char *type = json_string_value(json_object_get(node, "Node Type"));
    const char *relation = json_string_value(json_object_get(node, "Relation Name"));
    const char *index = json_string_value(json_object_get(node, "Index Name"));
    size_t used = strlen(why);
    if (type && relation && strcmp(type, "Seq Scan") == 0)
        for (const char *const *t = BIG_TABLES; *t; t++)
            if (strcmp(*t, relation) == 0)
                snprintf(why + used, size - used, " Seq Scan on %s;", relation);
    if (index) {
        const char *name[] = {index};
        PGresult *res = NULL;
        if (crm_db_run(&res, db, &INDEX_KEY, 1, name) < 0 || PQntuples(res) != 1)
            fail_msg("index %s: %s", index, crm_error_last()->detail);
        if (strcmp(PQgetvalue(res, 0, 0), "t") == 0 && strcmp(PQgetvalue(res, 0, 1), "t") != 0)
            snprintf(why + used, size - used, " index %s does not start with tenant_id;", index);
        PQclear(res);
    }
    const json_t *child;
    size_t i;
    json_array_foreach(json_object_get(node, "Plans"), i, child) check_node(db, child, why, size);
}

static void test_plans_of_a_small_tenant_use_tenant_indexes(void **state)
{
    (void)state;
    crm_db *db = crm_db_thread(); /* a worker's connection, set up as the server's */
    crm_db_set_caller(db, &small);
    for (size_t i = 0; i < sizeof LISTS / sizeof LISTS[0]; i++)
        run_list(db, &small, &LISTS[i]);
    for (size_t i = 0; i < sizeof GETS / sizeof GETS[0]; i++) {
        crm_doc doc = {0};
        GETS[i](&doc, db, &small, "00000000-0000-4000-8000-000000000000");
        crm_doc_free(&doc);
        crm_error_clear();
    }
    char *me = NULL;
    crm_identity_me(&me, db, &small);
    free(me);
    crm_doc tenant = {0};
    crm_tenant_get(&tenant, db, &small);
    crm_doc_free(&tenant);
    crm_error_clear();

    PGresult *stmts = prepared(db);
    int checked = 0, bad = 0;
    char report[8192] = "";
    for (int r = 0; r < PQntuples(stmts); r++) {
        const char *name = PQgetvalue(stmts, r, 0);
        int nparams = atoi(PQgetvalue(stmts, r, 1));
        /* A generic plan does not depend on the values: NULL for each parameter. */
        char sql[1024];
        size_t n = (size_t)snprintf(sql, sizeof sql, "EXPLAIN (FORMAT JSON) EXECUTE %s", name);
        for (int p = 0; p < nparams && n + 8 < sizeof sql; p++)
            n += (size_t)snprintf(sql + n, sizeof sql - n, "%sNULL", p ? ", " : "(");
        if (nparams)
            snprintf(sql + n, sizeof sql - n, ")");
        PGresult *res = NULL;
        if (crm_db_exec(&res, db, sql) < 0)
            fail_msg("%s: %s", sql, crm_error_last()->detail);
        json_error_t error;
        json_t *plan = json_loads(PQgetvalue(res, 0, 0), 0, &error);
        PQclear(res);
        assert_non_null(plan);
        const json_t *top = json_array_get(plan, 0);
        char why[1024] = "";
        check_node(db, json_object_get(top, "Plan"), why, sizeof why);
        if (json_object_get(top, "JIT"))
            snprintf(why + strlen(why), sizeof why - strlen(why), " JIT-compiled;");
        if (why[0]) {
            bad++;
            size_t used = strlen(report);
            snprintf(report + used, sizeof report - used, "\n  %s:%s", name, why);
        }
        checked++;
        json_decref(plan);
    }
    PQclear(stmts);
    printf("checked the plans of %d statements\n", checked);
    if (bad)
        fail_msg("%d statement(s) of a small tenant would read a big tenant's rows:%s", bad, report);
    assert_true(checked >= 25);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of several runs of list `c` as `who`, added to `report`. */
static double median_ms(crm_db *db, const crm_caller *who, const list_case *c, char *report, size_t size)
{
    enum { RUNS = 9 };
    double ms[RUNS];
    run_list(db, who, c); /* prepares it */
    for (int r = 0; r < RUNS; r++)
        ms[r] = run_list(db, who, c);
    qsort(ms, RUNS, sizeof ms[0], by_value);
    size_t used = strlen(report);
    snprintf(report + used, size - used, "  %-30s median %7.2f ms, max %7.2f ms\n", c->what, ms[RUNS / 2],
             ms[RUNS - 1]);
    return ms[RUNS / 2];
}

static void test_plans_small_tenant_lists_stay_fast(void **state)
{
    (void)state;
    crm_db *db = crm_db_thread();
    crm_db_set_caller(db, &small);
    char report[4096] = "";
    for (size_t i = 0; i < sizeof LISTS / sizeof LISTS[0]; i++)
        if (median_ms(db, &small, &LISTS[i], report, sizeof report) > SMALL_LIST_MS)
            fail_msg("%s of a small tenant was slow next to a tenant with %d rows:\n%s", LISTS[i].what, BIG_ROWS,
                     report);
    printf("%s", report);
}

/* Searches read a bounded number of rows: the big tenant's own are as quick
 * (they compared the query with each of its 30,000 names, products or
 * contacts: hundreds of milliseconds). */
static void test_plans_searches_of_the_big_tenant_stay_fast(void **state)
{
    (void)state;
    crm_db *db = crm_db_thread();
    crm_db_set_caller(db, &big);
    char report[4096] = "";
    for (size_t i = 0; i < sizeof LISTS / sizeof LISTS[0]; i++) {
        const list_case *c = &LISTS[i];
        if (c->nested || (!param_of(&c->query, "q") && !param_of(&c->query, "name")))
            continue;
        if (median_ms(db, &big, c, report, sizeof report) > SMALL_LIST_MS)
            fail_msg("%s in a tenant of %d rows was slow:\n%s", c->what, BIG_ROWS, report);
    }
    printf("%s", report);
}

int main(void)
{
    app_conninfo = getenv("CRM_TEST_DB");
    owner_conninfo = getenv("CRM_TEST_OWNER_DB");
    if (!app_conninfo || !owner_conninfo) {
        fprintf(stderr, "test_db_plans: set CRM_TEST_DB and CRM_TEST_OWNER_DB (scripts/test.sh does)\n");
        return 1;
    }
    crm_db_configure(app_conninfo);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plans_of_a_small_tenant_use_tenant_indexes),
        cmocka_unit_test(test_plans_small_tenant_lists_stay_fast),
        cmocka_unit_test(test_plans_searches_of_the_big_tenant_stay_fast),
    };
    return cmocka_run_group_tests(tests, make_tenants, NULL);
}
