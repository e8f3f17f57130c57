#include "tasks.h"

#include <stdlib.h>
#include <string.h>

/* Open addressing with linear probing over pointers to tasks allocated
 * one by one, so a task's address stays valid while the table grows (the
 * stop path keeps pointers to a parent while adding its child). */
static struct task removed_marker;
#define REMOVED (&removed_marker)

static size_t slot_of(const struct task_table *t, pid_t tid)
{
    return ((size_t)tid * 2654435761u) & (t->cap - 1);
}

struct task *tasks_find(struct task_table *t, pid_t tid)
{
    if (!t->cap)
        return NULL;
    for (size_t i = slot_of(t, tid);; i = (i + 1) & (t->cap - 1)) {
        struct task *task = t->slots[i];
        if (!task)
            return NULL;
        if (task != REMOVED && task->tid == tid)
            return task;
    }
}

static void place(struct task_table *t, struct task *task)
{
    size_t i = slot_of(t, task->tid);
    while (t->slots[i] && t->slots[i] != REMOVED)
        i = (i + 1) & (t->cap - 1);
    if (t->slots[i] == REMOVED)
        t->removed--;
    t->slots[i] = task;
    t->used++;
}

static int grow(struct task_table *t)
{
    size_t cap = t->cap ? t->cap : 64;
    while ((t->used + 1) * 2 > cap)
        cap *= 2;
    struct task **old = t->slots;
    size_t old_cap = t->cap;
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots) {
        t->slots = old;
        return -1;
    }
    t->cap = cap;
    t->used = t->removed = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] && old[i] != REMOVED)
            place(t, old[i]);
    free(old);
    return 0;
}

struct task *tasks_add(struct task_table *t, pid_t tid)
{
    if ((t->used + t->removed + 1) * 2 > t->cap && grow(t) < 0)
        return NULL;
    struct task *task = calloc(1, sizeof *task);
    if (!task)
        return NULL;
    task->tid = tid;
    place(t, task);
    return task;
}

void tasks_remove(struct task_table *t, struct task *task)
{
    for (size_t i = slot_of(t, task->tid);; i = (i + 1) & (t->cap - 1)) {
        if (t->slots[i] == task) {
            t->slots[i] = REMOVED;
            break;
        }
    }
    free(task);
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
        if (t->slots[i] && t->slots[i] != REMOVED)
            fn(t->slots[i], arg);
}

void tasks_free(struct task_table *t)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] && t->slots[i] != REMOVED)
            free(t->slots[i]);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
