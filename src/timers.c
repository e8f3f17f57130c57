#include "timers.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "clock.h"

int timers_add(struct timers *q, struct timer timer)
{
    if (q->count == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        struct timer *items = realloc(q->items, cap * sizeof *items);
        if (!items)
            return -1;
        q->items = items;
        q->cap = cap;
    }
    q->items[q->count++] = timer;
    return 0;
}

bool timers_take_due(struct timers *q, uint64_t now, struct timer *due)
{
    for (size_t i = 0; i < q->count; i++)
        if (q->items[i].deadline <= now) {
            *due = q->items[i];
            q->items[i] = q->items[--q->count];
            return true;
        }
    return false;
}

void timers_arm(struct timers *q, bool force)
{
    uint64_t earliest = 0;
    for (size_t i = 0; i < q->count; i++)
        if (!earliest || q->items[i].deadline < earliest)
            earliest = q->items[i].deadline;
    if (earliest == q->armed && !force)
        return;
    q->armed = earliest;
    struct itimerval it;
    memset(&it, 0, sizeof it);
    if (earliest) {
        uint64_t now = monotonic_ns();
        uint64_t wait = earliest > now ? earliest - now : 1000; /* 0 would disarm */
        it.it_value.tv_sec = (time_t)(wait / 1000000000u);
        it.it_value.tv_usec = (suseconds_t)(wait % 1000000000u / 1000u);
        if (!it.it_value.tv_sec && !it.it_value.tv_usec)
            it.it_value.tv_usec = 1;
    }
    setitimer(ITIMER_REAL, &it, NULL);
}

void timers_free(struct timers *q)
{
    free(q->items);
    memset(q, 0, sizeof *q);
}
