#include "waiter.h"

#include <errno.h>
#include <sched.h>
#include <sys/wait.h>

#include "clock.h"

/* Each ptrace stop wakes the tracer and, when it resumes the tracee, the
 * tracee: two cross-CPU wake-ups, which are much of what a stop costs
 * (more on a virtual machine, where a sleeping CPU is a halted one).  A
 * tracer polling with WNOHANG sees the next stop without the first.  So
 * after a wait that ended within the budget, the next one polls (yielding
 * the CPU between polls, in case the tracee shares it) for up to the budget
 * before it blocks.  A wait that outlasts the budget turns polling off
 * until a wait ends within it again: sparse stops cost next to no CPU. */

static unsigned usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) < 0)
        return 1;
    return (unsigned)CPU_COUNT(&set);
}

void waiter_init(struct waiter *w, unsigned spin_us)
{
    w->spin_ns = usable_cpus() >= 2 ? (uint64_t)spin_us * 1000 : 0;
    w->spin_next = false;
}

/* Polls until a task has news or the budget is spent (0 then), or an
 * interrupt came (-1, EINTR). */
static pid_t poll_until(uint64_t deadline, int *status, const volatile sig_atomic_t *interrupts,
                        sig_atomic_t seen)
{
    for (;;) {
        pid_t tid = waitpid(-1, status, __WALL | WNOHANG);
        if (tid == 0 && *interrupts != seen) {
            errno = EINTR;
            return -1;
        }
        if (tid != 0 || monotonic_ns() >= deadline)
            return tid;
        sched_yield();
    }
}

pid_t waiter_wait(struct waiter *w, int *status, const volatile sig_atomic_t *interrupts,
                  sig_atomic_t seen)
{
    if (!w->spin_ns)
        return waitpid(-1, status, __WALL);
    uint64_t start = monotonic_ns();
    pid_t tid = 0;
    if (w->spin_next)
        tid = poll_until(start + w->spin_ns, status, interrupts, seen);
    if (tid == 0)
        tid = waitpid(-1, status, __WALL);
    w->spin_next = monotonic_ns() - start < w->spin_ns;
    return tid;
}
