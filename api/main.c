/* main.c: the crm-server command: `serve` (the API and the client apps), `migrate` and `create-tenant`.
 * Configuration comes from flags, then CRM_* environment variables, then defaults. */
#include "api.h"
#include "crm/auth.h"
#include "crm/capacity.h"
#include "crm/document.h"
#include "crm/error.h"
#include "crm/migrate.h"
#include "crm/schema.h"
#include "crm/tenant.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

api_config api_cfg;

/* A setting: the flag --name value if given, else $ENV, else the default. */
static const char *setting(int argc, char **argv, const char *flag, const char *env, const char *fallback)
{
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return argv[i + 1];
    const char *value = getenv(env);
    return value && *value ? value : fallback;
}

/* A whole-number setting from min to max: 0 with *out set, or -1 after saying
 * on stderr which setting is wrong (as given: the flag or the variable) and
 * what it takes. Nothing out of range is clamped or wrapped: a port of 70000
 * or a body limit of -1 is a mistake to report, not a value to guess at. */
static int numeric_setting(long *out, int argc, char **argv, const char *flag, const char *env, const char *fallback,
                           long min, long max)
{
    const char *value = setting(argc, argv, flag, env, fallback);
    int from_flag = 0;
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            from_flag = 1;
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    char *end = NULL;
    errno = 0;
    long v = *p >= '0' && *p <= '9' ? strtol(p, &end, 10) : 0;
    if (!end || end == p || *end != '\0' || errno == ERANGE || v < min || v > max) {
        fprintf(stderr, "serve: %s%s%s is not valid: it takes a whole number from %ld to %ld.\n",
                from_flag ? flag : env, from_flag ? " " : "=", value, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static void usage(void)
{
    fputs("usage: crm-server serve [--port N] [--bind ADDR] [--threads N] [--data-dir DIR] [--max-connections N]\n"
          "         [--max-connections-per-address N] [--header-timeout SECONDS] [--body-min-rate BYTES]\n"
          "         [--web-dir DIR] [--mobile-dir DIR]\n"
          "       crm-server migrate\n"
          "       crm-server create-tenant --name NAME --slug SLUG --admin-email EMAIL --admin-password PASSWORD"
          " [--admin-name NAME]\n"
          "       crm-server create-user --tenant SLUG --email EMAIL --password PASSWORD --name NAME [--role ROLE]\n"
          "       crm-server describe   (every resource's fields as JSON)\n"
          "environment: CRM_DATABASE_URL (application role), CRM_MIGRATE_URL (owner role), CRM_PORT, CRM_BIND,\n"
          "  CRM_THREADS, CRM_DATA_DIR, CRM_SIGNUP (1/0), CRM_ISSUER, CRM_TOKEN_RATE, CRM_ACCESS_TTL, CRM_MAX_BODY,\n"
          "  CRM_SWEEP_SECONDS, CRM_MAX_CONNECTIONS, CRM_MAX_CONNECTIONS_PER_ADDRESS, CRM_HEADER_TIMEOUT,\n"
          "  CRM_BODY_MIN_RATE, CRM_TENANT_JOBS, CRM_USER_JOBS, CRM_TOKEN_ADDRESS_RATE, CRM_SIGNUP_RATE,\n"
          "  CRM_WEB_DIR (the built web app, served at /), CRM_MOBILE_DIR (the built mobile app, at /m/)\n",
          stderr);
}

/* describe: the field tables of every resource as JSON (crm/schema.h), which
 * the tests compare with the OpenAPI contract and the database. */
static int cmd_describe(void)
{
    char *text = NULL;
    if (crm_schema_describe(&text) < 0) {
        fprintf(stderr, "describe: %s\n", crm_error_last()->detail);
        return 1;
    }
    puts(text);
    free(text);
    return 0;
}

static void print_applied(const char *name) { printf("applied %s\n", name); }

static int cmd_migrate(int argc, char **argv)
{
    const char *url = setting(argc, argv, "--database-url", "CRM_MIGRATE_URL", getenv("CRM_DATABASE_URL"));
    crm_db *db = NULL;
    int applied = 0;
    if (crm_db_open(&db, url ? url : "") < 0 || crm_migrate_apply(db, &applied, print_applied) < 0) {
        fprintf(stderr, "migrate: %s\n", crm_error_last()->detail);
        crm_db_close(db);
        return 1;
    }
    printf("database is current (%d migration%s applied now)\n", applied, applied == 1 ? "" : "s");
    crm_db_close(db);
    return 0;
}

static int cmd_create_tenant(int argc, char **argv)
{
    const char *url = setting(argc, argv, "--database-url", "CRM_DATABASE_URL", "");
    const char *name = setting(argc, argv, "--name", "CRM_TENANT_NAME", NULL);
    const char *slug = setting(argc, argv, "--slug", "CRM_TENANT_SLUG", NULL);
    const char *email = setting(argc, argv, "--admin-email", "CRM_ADMIN_EMAIL", NULL);
    const char *password = setting(argc, argv, "--admin-password", "CRM_ADMIN_PASSWORD", NULL);
    const char *admin = setting(argc, argv, "--admin-name", "CRM_ADMIN_NAME", "Administrator");
    if (!name || !slug || !email || !password) {
        usage();
        return 2;
    }
    crm_db *db = NULL;
    int existed = 0;
    if (crm_db_open(&db, url) < 0 || crm_identity_create_tenant(db, name, slug, email, password, admin, &existed) < 0) {
        fprintf(stderr, "create-tenant: %s\n", crm_error_last()->detail);
        crm_db_close(db);
        return 1;
    }
    printf(existed ? "tenant %s exists already; nothing changed\n" : "created tenant %s\n", slug);
    crm_db_close(db);
    return 0;
}

static int cmd_create_user(int argc, char **argv)
{
    const char *url = setting(argc, argv, "--database-url", "CRM_DATABASE_URL", "");
    const char *slug = setting(argc, argv, "--tenant", "CRM_TENANT_SLUG", NULL);
    const char *email = setting(argc, argv, "--email", "CRM_USER_EMAIL", NULL);
    const char *password = setting(argc, argv, "--password", "CRM_USER_PASSWORD", NULL);
    const char *name = setting(argc, argv, "--name", "CRM_USER_NAME", NULL);
    const char *role = setting(argc, argv, "--role", "CRM_USER_ROLE", "sales");
    if (!slug || !email || !password || !name) {
        usage();
        return 2;
    }
    crm_db *db = NULL;
    if (crm_db_open(&db, url) < 0 || crm_identity_create_user(db, slug, email, password, name, role) < 0) {
        fprintf(stderr, "create-user: %s\n", crm_error_last()->detail);
        crm_db_close(db);
        return 1;
    }
    printf("created %s user %s in tenant %s\n", role, email, slug);
    crm_db_close(db);
    return 0;
}

/* The dormant sweep: every `interval` seconds, customers not contacted for
 * their tenant's number of days become dormant. Its own connection; stopped
 * and joined on shutdown. Several servers may run it: the database lets one
 * sweep at a time. */
typedef struct sweeper {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    int interval;
    const char *url;
} sweeper;

static void *sweep_loop(void *arg)
{
    sweeper *sw = arg;
    crm_db *db = NULL;
    pthread_mutex_lock(&sw->lock);
    while (!sw->stop) {
        pthread_mutex_unlock(&sw->lock);
        int changed = 0;
        if ((db || crm_db_open(&db, sw->url) == 0) && crm_tenant_sweep_dormant(db, &changed) == 0 && changed > 0)
            fprintf(stderr, "{\"level\":\"info\",\"msg\":\"customers became dormant\",\"count\":%d}\n", changed);
        crm_error_clear();
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += sw->interval;
        pthread_mutex_lock(&sw->lock);
        while (!sw->stop && pthread_cond_timedwait(&sw->wake, &sw->lock, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&sw->lock);
    crm_db_close(db);
    return NULL;
}

static int cmd_serve(int argc, char **argv)
{
    const char *url = setting(argc, argv, "--database-url", "CRM_DATABASE_URL", "");
    const char *data_dir = setting(argc, argv, "--data-dir", "CRM_DATA_DIR", "data");
    char keys_dir[1024];
    if ((size_t)snprintf(keys_dir, sizeof keys_dir, "%s/keys", data_dir) >= sizeof keys_dir) {
        fprintf(stderr, "serve: the data directory name is too long (at most %zu bytes)\n", sizeof keys_dir - 6);
        return 2;
    }
    long port, threads, signup, max_body, access_ttl, token_rate, sweep_seconds, tenant_jobs, user_jobs;
    api_guard_config guard = {0};
    if (numeric_setting(&port, argc, argv, "--port", "CRM_PORT", "8080", 1, 65535) < 0 ||
        numeric_setting(&threads, argc, argv, "--threads", "CRM_THREADS", "4", 1, 256) < 0 ||
        numeric_setting(&signup, argc, argv, "--signup", "CRM_SIGNUP", "1", 0, 1) < 0 ||
        numeric_setting(&max_body, argc, argv, "--max-body", "CRM_MAX_BODY", "1048576", 1, 1L << 30) < 0 ||
        numeric_setting(&access_ttl, argc, argv, "--access-ttl", "CRM_ACCESS_TTL", "900", 1, 900) < 0 ||
        numeric_setting(&token_rate, argc, argv, "--token-rate", "CRM_TOKEN_RATE", "10", 1, 1000000) < 0 ||
        numeric_setting(&sweep_seconds, argc, argv, "--sweep-seconds", "CRM_SWEEP_SECONDS", "300", 1, 86400) < 0 ||
        numeric_setting(&guard.max_connections, argc, argv, "--max-connections", "CRM_MAX_CONNECTIONS", "4096", 1,
                        1000000) < 0 ||
        numeric_setting(&guard.max_per_address, argc, argv, "--max-connections-per-address",
                        "CRM_MAX_CONNECTIONS_PER_ADDRESS", "256", 1, 1000000) < 0 ||
        numeric_setting(&guard.header_timeout, argc, argv, "--header-timeout", "CRM_HEADER_TIMEOUT", "10", 1, 3600) < 0 ||
        numeric_setting(&guard.body_min_rate, argc, argv, "--body-min-rate", "CRM_BODY_MIN_RATE", "1024", 1, 1L << 30) < 0 ||
        numeric_setting(&tenant_jobs, argc, argv, "--tenant-jobs", "CRM_TENANT_JOBS", "1", 1, 64) < 0 ||
        numeric_setting(&user_jobs, argc, argv, "--user-jobs", "CRM_USER_JOBS", "1", 1, 64) < 0)
        return 2;
    crm_capacity_share((int)tenant_jobs, (int)user_jobs);
    api_cfg.bind = setting(argc, argv, "--bind", "CRM_BIND", "127.0.0.1");
    api_cfg.port = (unsigned)port;
    api_cfg.threads = (int)threads;
    api_cfg.signup = (int)signup;
    api_cfg.max_body = (size_t)max_body;
    api_cfg.identity.issuer = setting(argc, argv, "--issuer", "CRM_ISSUER", "crm");
    api_cfg.identity.audience = "crm-api";
    api_cfg.identity.access_ttl = access_ttl;
    api_cfg.identity.refresh_ttl = 30L * 24 * 3600;
    api_cfg.identity.attempts_per_minute = (int)token_rate;
    /* Over all accounts from one address (password spraying), and sign-ups. */
    long address_rate, signup_rate;
    if (numeric_setting(&address_rate, argc, argv, "--token-address-rate", "CRM_TOKEN_ADDRESS_RATE", "60", 1,
                        1000000) < 0 ||
        numeric_setting(&signup_rate, argc, argv, "--signup-rate", "CRM_SIGNUP_RATE", "10", 1, 1000000) < 0)
        return 2;
    api_cfg.identity.address_attempts_per_minute = (int)address_rate;
    api_cfg.identity.signups_per_hour = (int)signup_rate;
    if (crm_password_policy_ready() < 0) {
        fprintf(stderr, "serve: %s\n", crm_error_last()->detail);
        return 1;
    }

    crm_keys *keys = NULL;
    if (crm_keys_load_or_create(&keys, keys_dir) < 0) {
        fprintf(stderr, "serve: cannot load or create the signing keys in %s: %s\n", keys_dir, crm_error_last()->detail);
        return 1;
    }
    api_cfg.identity.keys = keys;

    /* Refuse a database that is behind or whose migrations were edited. */
    crm_db *check = NULL;
    if (crm_db_open(&check, url) < 0 || crm_migrate_check(check) < 0) {
        fprintf(stderr, "serve: %s\n", crm_error_last()->detail);
        crm_db_close(check);
        crm_keys_free(keys);
        return 1;
    }
    crm_db_close(check);
    crm_db_configure(url);

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)api_cfg.port)};
    if (inet_pton(AF_INET, api_cfg.bind, &addr.sin_addr) != 1) {
        fprintf(stderr, "serve: %s is not an IPv4 address\n", api_cfg.bind);
        return 1;
    }
    /* The client apps, before anything listens: their folders are only read afterwards. */
    for (size_t i = 0; i < API_APP_COUNT; i++)
        api_static_mount(i, setting(argc, argv, API_APPS[i].flag, API_APPS[i].env, NULL));
    struct _u_instance instance;
    if (ulfius_init_instance(&instance, api_cfg.port, &addr, NULL) != U_OK) {
        fprintf(stderr, "serve: cannot initialise the HTTP server\n");
        return 1;
    }
    /* One byte over the limit, so an oversized body is seen as such (ulfius
     * truncates at the limit) and refused with 413, never parsed truncated. */
    instance.max_post_body_size = api_cfg.max_body + 1;
    /* ulfius would silently drop a header or parameter whose value is not UTF-8
     * (an Idempotency-Key in Latin-1 then vanishes and a retry creates twice):
     * let every value through and refuse it where it is read. */
    instance.check_utf8 = 0;
    /* Bodies are JSON only: libmicrohttpd's form parser never sees one (a
     * multipart or form body is refused with 415 like any other non-JSON one). */
    instance.allowed_post_processor = 0;
    guard.max_body = api_cfg.max_body;
    guard.threads = api_cfg.threads;
    if (api_guard_start(&guard) < 0)
        return 1;
    if (api_routes_register(&instance) < 0) {
        fprintf(stderr, "serve: cannot register routes\n");
        api_guard_stop();
        return 1;
    }
    struct MHD_OptionItem options[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)api_guard_mhd_log, NULL}, /* first, or some go to stderr as is */
        {MHD_OPTION_THREAD_POOL_SIZE, api_cfg.threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, api_guard_mhd_connection_limit(), NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, API_GUARD_POOL_SIZE, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL},
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)api_guard_connection, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)api_guard_completed, NULL},  /* calls mhd_request_completed */
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)api_guard_uri, NULL},        /* calls ulfius_uri_logger */
        {MHD_OPTION_END, 0, NULL},
    };
    if (ulfius_start_framework_with_mhd_options(&instance, MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
                                                options) != U_OK) {
        fprintf(stderr, "serve: cannot listen on %s:%u\n", api_cfg.bind, api_cfg.port);
        ulfius_clean_instance(&instance);
        api_guard_stop();
        return 1;
    }
    sweeper sw = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .url = url,
                  .interval = (int)sweep_seconds};
    if (pthread_create(&sw.thread, NULL, sweep_loop, &sw) != 0) {
        fprintf(stderr, "serve: cannot start the dormant sweep\n");
        ulfius_stop_framework(&instance);
        ulfius_clean_instance(&instance);
        api_guard_stop();
        crm_keys_free(keys);
        return 1;
    }
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"serving\",\"address\":\"http://%s:%u\",\"threads\":%d}\n",
            api_cfg.bind, api_cfg.port, api_cfg.threads);

    int sig = 0;
    sigwait(&stop, &sig);
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"stopping\",\"signal\":%d}\n", sig);
    /* Stops accepting, lets the workers finish the requests they hold, then joins them. */
    ulfius_stop_framework(&instance);
    pthread_mutex_lock(&sw.lock);
    sw.stop = 1;
    pthread_cond_signal(&sw.wake);
    pthread_mutex_unlock(&sw.lock);
    pthread_join(sw.thread, NULL);
    api_guard_stop(); /* after libmicrohttpd, which closed every connection */
    ulfius_clean_instance(&instance);
    crm_keys_free(keys);
    crm_document_shutdown(); /* the workers that rendered have been joined */
    api_static_unmount_all();
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        usage();
        return 2;
    }
    if (strcmp(argv[1], "serve") == 0)
        return cmd_serve(argc, argv);
    if (strcmp(argv[1], "migrate") == 0)
        return cmd_migrate(argc, argv);
    if (strcmp(argv[1], "create-tenant") == 0)
        return cmd_create_tenant(argc, argv);
    if (strcmp(argv[1], "create-user") == 0)
        return cmd_create_user(argc, argv);
    if (strcmp(argv[1], "describe") == 0)
        return cmd_describe();
    usage();
    return 2;
}
