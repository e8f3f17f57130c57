/* Deadlines in the stop loop: a thread a hook holds back (sc:delay) is
 * resumed when its time comes, and a script's wt.every function is called,
 * while every other tracee runs on.  The loop sleeps in waitpid, which only
 * a signal wakes: before it blocks, the earliest deadline is armed as a
 * one-shot ITIMER_REAL, whose SIGALRM breaks the wait (the loop's handler
 * has no SA_RESTART). */
#ifndef WTLUA_TIMERS_H
#define WTLUA_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum timer_kind {
    TIMER_RESUME,           /* resume held thread `tid` */
    TIMER_TICK,             /* call the script's periodic function `id` */
};

struct timer {
    uint64_t deadline;      /* CLOCK_MONOTONIC ns */
    enum timer_kind kind;
    pid_t tid;
    unsigned id;
};

struct timers {
    struct timer *items;    /* unsorted: there are few */
    size_t count, cap;
    uint64_t armed;         /* the deadline the itimer is set for, 0: none */
};

/* Adds a timer.  Returns 0, or -1 when out of memory. */
int timers_add(struct timers *q, struct timer timer);

/* Takes one timer due at now (deadline <= now) into *due.  Returns whether
 * there was one. */
bool timers_take_due(struct timers *q, uint64_t now, struct timer *due);

/* Sets the one-shot ITIMER_REAL for the earliest deadline, if it is not
 * set for it already; force: it may have been changed meanwhile. */
void timers_arm(struct timers *q, bool force);

void timers_free(struct timers *q);

#endif
