/* capacity.c: caps on expensive work that refuse instead of queueing, and the
 * refusal of expensive work for requests that already waited behind some. */
#include "crm/capacity.h"
#include "crm/error.h"

#include <assert.h>
#include <string.h>
#include <time.h>

#define RETRY_AFTER_SECONDS 1
#define CAPS_PER_THREAD 4 /* kinds of capped work */
#define PEER_MAX 32
/* Arrival times come in clock ticks of the kernel (up to 10 ms): a request
 * counts as having waited behind the previous job only when it arrived this
 * much before that job ended. */
#define ARRIVAL_SLACK_US 20000

static crm_capacity_arrival_fn arrival;

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

static int *depth_of(const crm_capacity *cap)
{
    for (int i = 0; i < CAPS_PER_THREAD; i++) {
        if (held[i].cap == cap)
            return &held[i].depth;
        if (!held[i].cap) {
            held[i].cap = cap;
            return &held[i].depth;
        }
    }
    assert(!"more kinds of capped work than CAPS_PER_THREAD");
    return NULL;
}

static int refuse(const crm_capacity *cap)
{
    crm_error_set(CRM_EUNAVAILABLE, "%s", cap->busy_detail);
    crm_error_retry_after(RETRY_AFTER_SECONDS);
    return CRM_EUNAVAILABLE;
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
    int *depth = depth_of(cap);
    if (!depth)
        return refuse(cap);
    if (*depth > 0) {
        ++*depth; /* this thread holds a place already: the job goes on in it */
        return 0;
    }
    if (waited_behind_a_job(now_us()))
        return refuse(cap);
    if (atomic_fetch_add_explicit(&cap->busy, 1, memory_order_acquire) >= cap->max) {
        atomic_fetch_sub_explicit(&cap->busy, 1, memory_order_release);
        return refuse(cap);
    }
    *depth = 1;
    return 0;
}

void crm_capacity_leave(crm_capacity *cap)
{
    int *depth = depth_of(cap);
    assert(depth && *depth > 0);
    if (!depth || --*depth > 0)
        return;
    atomic_fetch_sub_explicit(&cap->busy, 1, memory_order_release);
    last_job_end_us = now_us();
}
