/* idempotency.h: Idempotency-Key for POST. The first response is stored in the
 * same transaction as the write and replayed byte for byte for 24 hours. */
#ifndef CRM_IDEMPOTENCY_H
#define CRM_IDEMPOTENCY_H

#include <jansson.h>

#include "crm/db.h"

typedef struct crm_replay {
    int status;
    char *body;     /* owned */
    char *location; /* owned, may be NULL */
} crm_replay;

/* crm_idem_begin: inside an open transaction, claim `key` of the caller for a
 * request whose body hashes to `request_hash`. Returns 0 when the caller should
 * perform the write, 1 with *out filled when an earlier response must be replayed,
 * CRM_ECONFLICT while another request with the key is in flight, CRM_EINVALID
 * (field Idempotency-Key) when the key was used with another body, or a db error. */
int crm_idem_begin(crm_replay *out, crm_db *db, const crm_caller *who, const char *key, const char *request_hash);

/* crm_idem_finish: record the response for `key` (same transaction as the write). */
int crm_idem_finish(crm_db *db, const crm_caller *who, const char *key, const char *request_hash, int status,
                    const char *body, const char *location);

/* crm_replay_free: release a replay's strings; accepts NULL. */
void crm_replay_free(crm_replay *replay);

#endif
