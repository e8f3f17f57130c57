/* Waiting for the next tracee stop: blocking in waitpid, or, while stops
 * come fast, polling for it first. */
#ifndef WTLUA_WAITER_H
#define WTLUA_WAITER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The polling budget wtlua uses unless --spin says otherwise. */
#define WAITER_DEFAULT_SPIN_US 100

struct waiter {
    uint64_t spin_ns;       /* how long to poll before blocking; 0: never poll */
    bool spin_next;         /* the last wait ended within spin_ns */
};

/* spin_us microseconds of polling, or none when wtlua can run on only one
 * CPU (the tracee could not run while we poll). */
void waiter_init(struct waiter *w, unsigned spin_us);

/* waitpid(-1, status, __WALL), with the same results.  Polling also ends,
 * with EINTR as a blocked waitpid would, as soon as *interrupts (a signal
 * handler's count) differs from seen. */
pid_t waiter_wait(struct waiter *w, int *status, const volatile sig_atomic_t *interrupts,
                  sig_atomic_t seen);

#endif
