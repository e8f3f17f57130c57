/* The one clock wtlua measures with: wt.now(), the syscall timestamps and
 * the waiter's budget all read it. */
#ifndef WTLUA_CLOCK_H
#define WTLUA_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on the monotonic clock (a vDSO call, no syscall). */
static inline uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
