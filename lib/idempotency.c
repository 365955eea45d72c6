/* idempotency.c: claim, replay and record Idempotency-Keys. A transaction-scoped
 * advisory lock on the key tells "in flight" (409) from "done" (replay). */
#include "crm/idempotency.h"
#include "crm/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const crm_stmt CLAIM = {
    "idem_claim",
    "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 0)),"
    " (SELECT json_build_array(k.request_hash, k.status, k.body, k.location) FROM idempotency_keys k"
    "   WHERE k.tenant_id = $1::uuid AND k.user_id = $2::uuid AND k.key = $3 AND k.created_at > now() - interval '24 hours')"};
static const crm_stmt RECORD = {
    "idem_record",
    "INSERT INTO idempotency_keys (tenant_id, user_id, key, request_hash, status, body, location)"
    " VALUES ($1, $2, $3, $4, $5::int, $6, $7)"
    " ON CONFLICT (tenant_id, user_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash,"
    " status = EXCLUDED.status, body = EXCLUDED.body, location = EXCLUDED.location, created_at = now()"};

void crm_replay_free(crm_replay *replay)
{
    if (!replay)
        return;
    free(replay->body);
    free(replay->location);
    replay->body = replay->location = NULL;
}

int crm_idem_begin(crm_replay *out, crm_db *db, const crm_caller *who, const char *key, const char *request_hash)
{
    size_t len = strlen(key);
    int printable = len > 0 && len <= 255;
    for (const char *p = key; printable && *p; p++)
        printable = *p >= 0x20 && *p <= 0x7E;
    if (!printable)
        return crm_error_field("Idempotency-Key", "format", "Must be 1 to 255 printable ASCII characters, such as a UUID.");
    const char *params[] = {who->tenant_id, who->user_id, key};
    PGresult *res = NULL;
    int rc = crm_db_run(&res, db, &CLAIM, 3, params);
    if (rc < 0)
        return rc;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        rc = crm_error_set(CRM_ECONFLICT, "A request with this Idempotency-Key is still being processed; retry shortly.");
        goto done;
    }
    if (PQgetisnull(res, 0, 1))
        goto done; /* rc = 0: first use */
    json_t *stored = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
    if (!stored) {
        rc = crm_error_set(CRM_ERROR, "A stored response could not be read.");
        goto done;
    }
    const char *stored_hash = json_string_value(json_array_get(stored, 0));
    const char *body = json_string_value(json_array_get(stored, 2));
    const char *location = json_string_value(json_array_get(stored, 3));
    if (!stored_hash || !body) {
        rc = crm_error_set(CRM_ERROR, "A stored response could not be read.");
    } else if (strcmp(stored_hash, request_hash) != 0) {
        rc = crm_error_field("Idempotency-Key", "reused", "Was already used with a different request body.");
    } else {
        out->status = (int)json_integer_value(json_array_get(stored, 1));
        out->body = strdup(body);
        out->location = location ? strdup(location) : NULL;
        if (!out->body || (location && !out->location)) {
            crm_replay_free(out);
            rc = crm_error_set(CRM_ERROR, "Out of memory.");
        } else {
            rc = 1;
        }
    }
    json_decref(stored);
done:
    PQclear(res);
    return rc;
}

int crm_idem_finish(crm_db *db, const crm_caller *who, const char *key, const char *request_hash, int status,
                    const char *body, const char *location)
{
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    const char *params[] = {who->tenant_id, who->user_id, key, request_hash, code, body, location};
    return crm_db_run(NULL, db, &RECORD, 7, params);
}
