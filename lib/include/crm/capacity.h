/* capacity.h: caps on expensive work (password hashing, PDF rendering,
 * search) done on the HTTP worker threads, which never make a caller wait for
 * a turn, and the share of it one tenant and one user may have. */
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
 * Work done for a caller (a fair cap: search, documents; hashing comes
 * before anyone is known) is also shared out: one tenant runs at most so many
 * such jobs at once and one user so many (crm_capacity_share), of all fair
 * kinds together, so one organization's rush of searches and PDFs cannot take
 * the workers and the database's cores from the others. Beyond its share a
 * caller is refused with CRM_ERATELIMIT (429, Retry-After): its own load, not
 * the server's.
 *
 * A cap is a static object initialised with CRM_CAPACITY_INIT (or
 * CRM_CAPACITY_FAIR_INIT) and shared by every thread; its functions are
 * thread-safe. */
typedef struct crm_capacity {
    const char *busy_detail; /* the problem's detail when the cap refuses */
    int max;                 /* jobs at once */
    atomic_int busy;
    int fair;                /* also held to the caller's share */
} crm_capacity;

#define CRM_CAPACITY_INIT(max_jobs, detail) {(detail), (max_jobs), 0, 0}
#define CRM_CAPACITY_FAIR_INIT(max_jobs, detail) {(detail), (max_jobs), 0, 1}

/* The shares crm_capacity_share sets when nothing else is said: on the two
 * cores the server is measured on, one tenant running two searches at once
 * takes both, and another tenant's simple request waits for them. */
#define CRM_CAPACITY_PER_TENANT 1
#define CRM_CAPACITY_PER_USER 1

/* crm_capacity_share: how many fair jobs one tenant, and one user, may run at
 * once (each at least 1); set once before serving. */
void crm_capacity_share(int per_tenant, int per_user);

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

/* crm_capacity_caller: whom the calling thread's request is for (tenant and
 * user ids; NULL or "" for nobody, whose fair jobs only the caps bound), once
 * the request is authenticated and before any fair job. */
void crm_capacity_caller(const char *tenant_id, const char *user_id);

/* crm_capacity_enter: take a place for one job, never waiting. Returns 0 (call
 * crm_capacity_leave() when the job is done), CRM_EUNAVAILABLE with the cap's
 * detail, or (fair caps) CRM_ERATELIMIT when the caller's tenant or user runs
 * its share already; either with a Retry-After of one second recorded. A thread that holds a
 * place of `cap` already gets in at once (nested: each enter has its leave), so
 * a caller can take the place before the steps that lead up to the expensive
 * part, and be refused before any of them. */
int crm_capacity_enter(crm_capacity *cap);

/* crm_capacity_leave: give back the place taken by a successful crm_capacity_enter(). */
void crm_capacity_leave(crm_capacity *cap);

#endif
