/* test_capacity.c: caps on expensive work refuse at once when full, let a
 * thread that holds a place nest, and refuse requests that waited behind a
 * thread's previous job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "crm/capacity.h"
#include "crm/error.h"

static int reset(void **state)
{
    (void)state;
    crm_error_clear();
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void assert_refused(const char *detail)
{
    assert_int_equal(crm_error_last()->code, CRM_EUNAVAILABLE);
    assert_int_equal(crm_error_last()->retry_after, 1);
    assert_string_equal(crm_error_last()->detail, detail);
}

/* A thread that takes a place and keeps it until told to leave. */
typedef struct holder {
    crm_capacity *cap;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int leave;
} holder;

static void *hold(void *arg)
{
    holder *h = arg;
    int rc = crm_capacity_enter(h->cap);
    pthread_mutex_lock(&h->lock);
    while (!h->leave)
        pthread_cond_wait(&h->changed, &h->lock);
    pthread_mutex_unlock(&h->lock);
    if (rc == 0)
        crm_capacity_leave(h->cap);
    crm_error_clear();
    return NULL;
}

static void test_capacity_refuses_at_once_when_full(void **state)
{
    (void)state;
    static crm_capacity cap = CRM_CAPACITY_INIT(2, "busy, try again");
    holder h = {.cap = &cap, .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, hold, &h), 0);
    for (int waited = 0; atomic_load(&cap.busy) < 2 && waited < 5000; waited++)
        sleep_ms(1);
    assert_int_equal(atomic_load(&cap.busy), 2); /* both holders are in */

    assert_int_equal(crm_capacity_enter(&cap), CRM_EUNAVAILABLE);
    assert_refused("busy, try again");

    pthread_mutex_lock(&h.lock);
    h.leave = 1;
    pthread_cond_broadcast(&h.changed);
    pthread_mutex_unlock(&h.lock);
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(atomic_load(&cap.busy), 0);

    crm_error_clear();
    assert_int_equal(crm_capacity_enter(&cap), 0);
    crm_capacity_leave(&cap);
}

static void test_capacity_nested_enter_uses_the_place_held(void **state)
{
    (void)state;
    static crm_capacity cap = CRM_CAPACITY_INIT(1, "busy");
    assert_int_equal(crm_capacity_enter(&cap), 0);
    assert_int_equal(crm_capacity_enter(&cap), 0); /* not refused although max is 1 */
    assert_int_equal(atomic_load(&cap.busy), 1);
    crm_capacity_leave(&cap);
    assert_int_equal(atomic_load(&cap.busy), 1);
    crm_capacity_leave(&cap);
    assert_int_equal(atomic_load(&cap.busy), 0);
}

/* The arrival function the test plays: the request from peer "late" came in
 * `fake_waited_us` ago; nothing is known about any other. */
static int64_t fake_waited_us;
static int fake_arrival(int64_t *waited_us, const void *peer, size_t len)
{
    if (len != 5 || memcmp(peer, "late", 5) != 0)
        return -1;
    *waited_us = fake_waited_us;
    return 0;
}

static void test_capacity_refuses_requests_that_waited_behind_a_job(void **state)
{
    (void)state;
    static crm_capacity cap = CRM_CAPACITY_INIT(4, "busy with others");
    static crm_capacity other = CRM_CAPACITY_INIT(4, "busy with other kinds of work");
    crm_capacity_set_arrival(fake_arrival);

    crm_capacity_serving("first", 6);
    assert_int_equal(crm_capacity_enter(&cap), 0);
    sleep_ms(300);
    crm_capacity_leave(&cap);

    /* A request that came in 200 ms ago, while that 300 ms job ran, waited
     * behind it: it is refused, whatever kind of work it wants... */
    crm_capacity_serving("late", 5);
    fake_waited_us = 200000;
    assert_int_equal(crm_capacity_enter(&cap), CRM_EUNAVAILABLE);
    assert_refused("busy with others");
    crm_error_clear();
    assert_int_equal(crm_capacity_enter(&other), CRM_EUNAVAILABLE);
    assert_refused("busy with other kinds of work");

    /* ...while one that came in after the job ended (the client's next step) goes on. */
    crm_error_clear();
    fake_waited_us = 0;
    assert_int_equal(crm_capacity_enter(&cap), 0);
    crm_capacity_leave(&cap);

    /* When the arrival is not known, the request counts as just arrived. */
    crm_capacity_serving("unknown", 8);
    assert_int_equal(crm_capacity_enter(&cap), 0);
    crm_capacity_leave(&cap);
    crm_capacity_set_arrival(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_capacity_refuses_at_once_when_full, reset),
        cmocka_unit_test_setup(test_capacity_nested_enter_uses_the_place_held, reset),
        cmocka_unit_test_setup(test_capacity_refuses_requests_that_waited_behind_a_job, reset),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    crm_error_clear();
    return failed;
}
