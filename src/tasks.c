#include "tasks.h"

#include <stdlib.h>
#include <string.h>

/* Open addressing with linear probing; tid 0 marks a free slot and -1 a
 * removed one. */
enum { SLOT_FREE = 0, SLOT_REMOVED = -1 };

static size_t slot_of(const struct task_table *t, pid_t tid)
{
    return ((size_t)tid * 2654435761u) & (t->cap - 1);
}

struct task *tasks_find(struct task_table *t, pid_t tid)
{
    if (!t->cap)
        return NULL;
    for (size_t i = slot_of(t, tid);; i = (i + 1) & (t->cap - 1)) {
        if (t->slots[i].tid == tid)
            return &t->slots[i];
        if (t->slots[i].tid == SLOT_FREE)
            return NULL;
    }
}

static struct task *place(struct task_table *t, pid_t tid)
{
    size_t i = slot_of(t, tid);
    while (t->slots[i].tid > 0)
        i = (i + 1) & (t->cap - 1);
    if (t->slots[i].tid == SLOT_REMOVED)
        t->removed--;
    memset(&t->slots[i], 0, sizeof t->slots[i]);
    t->slots[i].tid = tid;
    t->used++;
    return &t->slots[i];
}

static int grow(struct task_table *t)
{
    size_t cap = t->cap ? t->cap : 64;
    while ((t->used + 1) * 2 > cap)
        cap *= 2;
    struct task *old = t->slots;
    size_t old_cap = t->cap;
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots) {
        t->slots = old;
        return -1;
    }
    t->cap = cap;
    t->used = t->removed = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].tid > 0)
            *place(t, old[i].tid) = old[i];
    free(old);
    return 0;
}

struct task *tasks_add(struct task_table *t, pid_t tid)
{
    if ((t->used + t->removed + 1) * 2 > t->cap && grow(t) < 0)
        return NULL;
    return place(t, tid);
}

void tasks_remove(struct task_table *t, struct task *task)
{
    task->tid = SLOT_REMOVED;
    t->used--;
    t->removed++;
}

size_t tasks_count(const struct task_table *t)
{
    return t->used;
}

void tasks_each(struct task_table *t, void (*fn)(struct task *, void *), void *arg)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].tid > 0)
            fn(&t->slots[i], arg);
}

void tasks_free(struct task_table *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}
