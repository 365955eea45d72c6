/* capacity.c: caps on expensive work that refuse instead of queueing, and the
 * refusal of expensive work for requests that already waited behind some. */
#include "crm/capacity.h"
#include "crm/error.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RETRY_AFTER_SECONDS 1
#define CAPS_PER_THREAD 8 /* kinds of capped work */
#define PEER_MAX 32
/* Arrival times come in clock ticks of the kernel (up to 10 ms): a request
 * counts as having waited behind the previous job only when it arrived this
 * much before that job ended. */
#define ARRIVAL_SLACK_US 20000

/* The fair jobs running now and whom for: no more than the fair caps' places
 * together (a handful), so counting a tenant's is a short scan. */
#define RUNNING_MAX 64

static crm_capacity_arrival_fn arrival;

static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char tenant_id[37];
    char user_id[37];
    int used;
} running[RUNNING_MAX];

static _Thread_local struct {
    char tenant_id[37];
    char user_id[37];
} caller;
static int per_tenant = CRM_CAPACITY_PER_TENANT, per_user = CRM_CAPACITY_PER_USER;

void crm_capacity_share(int tenant, int user)
{
    per_tenant = tenant > 0 ? tenant : 1;
    per_user = user > 0 ? user : 1;
}

/* Per thread: the request being served, when its last expensive job ended,
 * and how deep it is in nested enters of each cap. */
static _Thread_local struct {
    unsigned char bytes[PEER_MAX];
    size_t len;
} serving;
static _Thread_local int64_t last_job_end_us;
static _Thread_local struct {
    const crm_capacity *cap;
    int depth;
    int slot; /* in running[], for a fair cap; -1 when none */
} held[CAPS_PER_THREAD];

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void crm_capacity_set_arrival(crm_capacity_arrival_fn fn) { arrival = fn; }

void crm_capacity_serving(const void *peer, size_t len)
{
    serving.len = peer && len <= PEER_MAX ? len : 0;
    if (serving.len)
        memcpy(serving.bytes, peer, len);
}

void crm_capacity_caller(const char *tenant_id, const char *user_id)
{
    snprintf(caller.tenant_id, sizeof caller.tenant_id, "%s", tenant_id ? tenant_id : "");
    snprintf(caller.user_id, sizeof caller.user_id, "%s", user_id ? user_id : "");
}

/* This thread's entry for `cap`. */
static int held_index(const crm_capacity *cap)
{
    for (int i = 0; i < CAPS_PER_THREAD; i++) {
        if (held[i].cap == cap)
            return i;
        if (!held[i].cap) {
            held[i].cap = cap;
            held[i].slot = -1;
            return i;
        }
    }
    assert(!"more kinds of capped work than CAPS_PER_THREAD");
    return -1;
}

static int refuse(const crm_capacity *cap)
{
    crm_error_set(CRM_EUNAVAILABLE, "%s", cap->busy_detail);
    crm_error_retry_after(RETRY_AFTER_SECONDS);
    return CRM_EUNAVAILABLE;
}

/* Take a place in running[] for the caller, within its tenant's and its
 * user's shares. Returns the slot (-1 for nobody: no share to keep), or
 * CRM_ERATELIMIT. */
static int take_share(int *slot)
{
    *slot = -1;
    if (!caller.tenant_id[0])
        return 0;
    int tenant = 0, user = 0, free_slot = -1, rc = 0;
    pthread_mutex_lock(&running_lock);
    for (int i = 0; i < RUNNING_MAX; i++) {
        if (!running[i].used) {
            if (free_slot < 0)
                free_slot = i;
            continue;
        }
        tenant += strcmp(running[i].tenant_id, caller.tenant_id) == 0;
        user += strcmp(running[i].tenant_id, caller.tenant_id) == 0 && strcmp(running[i].user_id, caller.user_id) == 0;
    }
    if (user >= per_user)
        rc = crm_error_set(CRM_ERATELIMIT, "You are running %d expensive request%s (search, documents, reports) already; "
                           "send the next when one has finished.", user, user == 1 ? "" : "s");
    else if (tenant >= per_tenant)
        rc = crm_error_set(CRM_ERATELIMIT, "Your organization is running %d expensive request%s (search, documents, reports) "
                           "already; retry in a moment.", tenant, tenant == 1 ? "" : "s");
    else if (free_slot < 0)
        rc = crm_error_set(CRM_EUNAVAILABLE, "The server is busy with expensive requests; retry in a moment.");
    if (rc == 0) {
        memcpy(running[free_slot].tenant_id, caller.tenant_id, sizeof running[free_slot].tenant_id);
        memcpy(running[free_slot].user_id, caller.user_id, sizeof running[free_slot].user_id);
        running[free_slot].used = 1;
        *slot = free_slot;
    }
    pthread_mutex_unlock(&running_lock);
    if (rc < 0)
        crm_error_retry_after(RETRY_AFTER_SECONDS);
    return rc;
}

static void give_share(int slot)
{
    if (slot < 0)
        return;
    pthread_mutex_lock(&running_lock);
    running[slot].used = 0;
    pthread_mutex_unlock(&running_lock);
}

/* Whether the request being served arrived while this thread's last job ran. */
static int waited_behind_a_job(int64_t now)
{
    int64_t waited = 0;
    if (!last_job_end_us || !arrival || !serving.len || arrival(&waited, serving.bytes, serving.len) < 0)
        return 0;
    return now - waited < last_job_end_us - ARRIVAL_SLACK_US;
}

int crm_capacity_enter(crm_capacity *cap)
{
    int i = held_index(cap);
    if (i < 0)
        return refuse(cap);
    if (held[i].depth > 0) {
        held[i].depth++; /* this thread holds a place already: the job goes on in it */
        return 0;
    }
    if (waited_behind_a_job(now_us()))
        return refuse(cap);
    int slot = -1, rc;
    if (cap->fair && (rc = take_share(&slot)) < 0)
        return rc;
    if (atomic_fetch_add_explicit(&cap->busy, 1, memory_order_acquire) >= cap->max) {
        atomic_fetch_sub_explicit(&cap->busy, 1, memory_order_release);
        give_share(slot);
        return refuse(cap);
    }
    held[i].depth = 1;
    held[i].slot = slot;
    return 0;
}

void crm_capacity_leave(crm_capacity *cap)
{
    int i = held_index(cap);
    assert(i >= 0 && held[i].depth > 0);
    if (i < 0 || --held[i].depth > 0)
        return;
    give_share(held[i].slot);
    held[i].slot = -1;
    atomic_fetch_sub_explicit(&cap->busy, 1, memory_order_release);
    last_job_end_us = now_us();
}
