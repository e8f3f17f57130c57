/* Unit tests for src/waiter.c: waiting for the next stop, polling first
 * while stops come fast.  The waits are for real children that exit at
 * once or after a pause. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "waiter.h"

#define MS 1000000ull

/* Linked with -Wl,--wrap=sched_yield (see the Makefile): the waiter's
 * polls that found nothing, each followed by a yield, are counted. */
static unsigned long yields;
int __real_sched_yield(void);
int __wrap_sched_yield(void)
{
    yields++;
    return __real_sched_yield();
}

/* No interrupt comes in most tests. */
static volatile sig_atomic_t no_interrupts;

/* A child that exits with code after sleeping ms milliseconds. */
static pid_t child_exiting(int code, unsigned ms)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct timespec pause = { ms / 1000, (long)(ms % 1000) * 1000000 };
        nanosleep(&pause, NULL);
        _exit(code);
    }
    return pid;
}

/* The wait returns that child with its status. */
static void wait_for_exit(struct waiter *w, pid_t pid, int code)
{
    int status = 0;
    assert_int_equal(waiter_wait(w, &status, &no_interrupts, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), code);
}

static void test_fast_waits_keep_polling_on(void **state)
{
    (void)state;
    struct waiter w = { .spin_ns = 5000 * MS };
    wait_for_exit(&w, child_exiting(7, 0), 7); /* blocks: no wait before */
    assert_true(w.spin_next);
    wait_for_exit(&w, child_exiting(0, 0), 0); /* polls */
    assert_true(w.spin_next);
}

static void test_slow_wait_turns_polling_off(void **state)
{
    (void)state;
    struct waiter w = { .spin_ns = 10 * MS, .spin_next = true };
    wait_for_exit(&w, child_exiting(3, 300), 3);
    assert_false(w.spin_next);
    w.spin_ns = 5000 * MS;
    wait_for_exit(&w, child_exiting(4, 0), 4);
    assert_true(w.spin_next);
}

/* Polling (a child 50 ms away: the first poll finds nothing) happens only
 * after a wait within the budget, and never without a budget. */
static void test_polls_only_when_on(void **state)
{
    (void)state;
    struct waiter w = { .spin_ns = 5000 * MS, .spin_next = true };
    yields = 0;
    wait_for_exit(&w, child_exiting(0, 50), 0);
    assert_true(yields > 0);

    w.spin_next = false;
    yields = 0;
    wait_for_exit(&w, child_exiting(0, 50), 0);
    assert_int_equal(yields, 0);

    w.spin_ns = 0;
    w.spin_next = true; /* no budget: never polls, whatever the last wait did */
    wait_for_exit(&w, child_exiting(0, 50), 0);
    assert_int_equal(yields, 0);
}

static volatile sig_atomic_t alarms;

static void count_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* A signal counted while polling ends the wait at once with EINTR, as it
 * would a blocked waitpid: wtlua's Ctrl-C must not wait for the budget. */
static void test_interrupt_ends_polling(void **state)
{
    (void)state;
    struct sigaction sa = { .sa_handler = count_alarm }, old;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval in_100ms = { { 0, 0 }, { 0, 100000 } };
    struct waiter w = { .spin_ns = 5000 * MS, .spin_next = true };
    pid_t pid = child_exiting(0, 2000);
    assert_int_equal(setitimer(ITIMER_REAL, &in_100ms, NULL), 0);
    int status;
    errno = 0;
    assert_int_equal(waiter_wait(&w, &status, &alarms, 0), -1);
    assert_int_equal(errno, EINTR);
    assert_int_equal(alarms, 1);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    sigaction(SIGALRM, &old, NULL);
}

static void test_no_children(void **state)
{
    (void)state;
    int status;
    struct waiter w = { .spin_ns = 10 * MS, .spin_next = true };
    errno = 0;
    assert_int_equal(waiter_wait(&w, &status, &no_interrupts, 0), -1);
    assert_int_equal(errno, ECHILD);
    w.spin_next = false;
    errno = 0;
    assert_int_equal(waiter_wait(&w, &status, &no_interrupts, 0), -1);
    assert_int_equal(errno, ECHILD);
}

/* With one usable CPU the tracee could not run while we poll. */
static void test_init_budget(void **state)
{
    (void)state;
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
    struct waiter w;
    waiter_init(&w, 0);
    assert_int_equal(w.spin_ns, 0);
    assert_false(w.spin_next);
    if (CPU_COUNT(&all) >= 2) {
        waiter_init(&w, 250);
        assert_int_equal(w.spin_ns, 250000);
    }
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &all)) {
            CPU_SET(cpu, &one);
            break;
        }
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    waiter_init(&w, 250);
    assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);
    assert_int_equal(w.spin_ns, 0);
}

int main(void)
{
    alarm(120); /* a wait that never ends fails the run */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_waits_keep_polling_on),
        cmocka_unit_test(test_slow_wait_turns_polling_off),
        cmocka_unit_test(test_polls_only_when_on),
        cmocka_unit_test(test_interrupt_ends_polling),
        cmocka_unit_test(test_no_children),
        cmocka_unit_test(test_init_budget),
    };
    return cmocka_run_group_tests_name("waiter", tests, NULL, NULL);
}
