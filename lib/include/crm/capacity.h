/* capacity.h: caps on expensive work (password hashing, PDF rendering) done on
 * the HTTP worker threads, which never make a caller wait for a turn. */
#ifndef CRM_CAPACITY_H
#define CRM_CAPACITY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Why nobody waits: each worker thread serves many connections, and while it
 * does an expensive job, or waits for its turn to, all of them wait. So:
 * - at most `max` jobs of a kind run at once; a job beyond that is refused at
 *   once (the HTTP edge answers 503 with Retry-After), never queued;
 * - a thread does not start an expensive job for a request that arrived while
 *   the thread's previous expensive job was still running: it refuses it the
 *   same way. A thread handed many such requests at once would otherwise run
 *   them back to back, and a request on another of its connections would wait
 *   behind all of them, not behind one. (A request sent after the previous
 *   answer, as a client's next step is, arrives after the job and goes on.)
 *
 * A cap is a static object initialised with CRM_CAPACITY_INIT and shared by
 * every thread; its functions are thread-safe. */
typedef struct crm_capacity {
    const char *busy_detail; /* the problem's detail when the cap refuses */
    int max;                 /* jobs at once */
    atomic_int busy;
} crm_capacity;

#define CRM_CAPACITY_INIT(max_jobs, detail) {(detail), (max_jobs), 0}

/* How long ago the request from `peer` (the bytes given to crm_capacity_serving)
 * arrived: 0 with *waited_us set, or -1 when that is not known. */
typedef int (*crm_capacity_arrival_fn)(int64_t *waited_us, const void *peer, size_t len);

/* crm_capacity_set_arrival: how to learn when a request arrived (the HTTP
 * layer knows its sockets); set once before serving. Without it, or when it
 * does not know, requests count as just arrived. */
void crm_capacity_set_arrival(crm_capacity_arrival_fn arrival);

/* crm_capacity_serving: tell the caps which request the calling thread now
 * works for, at the start of each request: up to 32 bytes that tell
 * connections apart (the peer's address and port), handed to the arrival
 * function. */
void crm_capacity_serving(const void *peer, size_t len);

/* crm_capacity_enter: take a place for one job, never waiting. Returns 0 (call
 * crm_capacity_leave() when the job is done), or CRM_EUNAVAILABLE with the
 * cap's detail and a Retry-After of one second recorded. A thread that holds a
 * place of `cap` already gets in at once (nested: each enter has its leave), so
 * a caller can take the place before the steps that lead up to the expensive
 * part, and be refused before any of them. */
int crm_capacity_enter(crm_capacity *cap);

/* crm_capacity_leave: give back the place taken by a successful crm_capacity_enter(). */
void crm_capacity_leave(crm_capacity *cap);

#endif
