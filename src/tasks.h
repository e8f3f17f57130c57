/* The table of traced threads, keyed by tid.  Lookups on the stop path
 * never allocate; a task is allocated when added and stays at its address
 * until removed. */
#ifndef WTLUA_TASKS_H
#define WTLUA_TASKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stop.h"

struct task {
    pid_t tid, tgid;
    int resume;                 /* PTRACE_CONT under our seccomp filter, else
                                   PTRACE_SYSCALL (attached, no filter) */
    bool attached;              /* seized with -p (or a child of one): no
                                   filter, so it can be detached */
    bool detaching;             /* detach at its next stop */
    bool in_syscall;            /* entry handled, its exit stop will come */
    bool exit_hook;             /* ...and the exit hook wants it */
    bool skipped;               /* ...and the kernel skips it: the exit stop
                                   sets its result, skip_ret */
    int64_t skip_ret;
    struct syscall_event entry; /* that syscall's entry, for the exit hook */
    int held_how;               /* held at a stop (sc:delay) until a timer
                                   resumes it this way; 0: not held */
};

struct task_table {
    struct task **slots;
    size_t cap, used, removed;
};

struct task *tasks_find(struct task_table *t, pid_t tid);
/* Adds tid (which must not be present); NULL when out of memory. */
struct task *tasks_add(struct task_table *t, pid_t tid);
/* Removes and frees task: pointers to it are dead afterwards. */
void tasks_remove(struct task_table *t, struct task *task);
size_t tasks_count(const struct task_table *t);
/* Calls fn on every task; fn must not add or remove tasks. */
void tasks_each(struct task_table *t, void (*fn)(struct task *, void *), void *arg);
void tasks_free(struct task_table *t);

#endif
