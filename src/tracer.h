/* Process control: starting the command, following every task it creates,
 * and turning ptrace stops into hook calls. */
#ifndef WTLUA_TRACER_H
#define WTLUA_TRACER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "filter.h"
#include "stop.h"
#include "tasks.h"
#include "timers.h"
#include "waiter.h"

struct task_event {
    pid_t pid, tid;         /* thread group, thread */
    pid_t ppid;             /* parent process (spawn); 0 when unknown */
    pid_t old_tid;          /* exec: the thread that called execve */
    bool thread;            /* spawn: a new thread of an existing process */
    bool attached;          /* spawn: an existing task we attached to (-p) */
    int status;             /* exit: the wait status */
    /* exec: the program and its arguments (NUL-separated, as in
     * /proc/PID/cmdline) when the caller has them (a capture); NULL: the
     * hook reads them from /proc */
    const char *exe, *argv;
    size_t argv_len;
};

struct signal_event {
    pid_t pid, tid;         /* the thread it is delivered to */
    int signal;
    int code;               /* si_code: <= 0 when a process sent it */
    pid_t sender;           /* si_pid, for a signal a process sent; else 0 */
    uid_t sender_uid;
};

/* What the script handles; a NULL member means no such hook, and the
 * engine then skips the work that hook would need. */
struct tracer_hooks {
    void *ctx;
    /* ev->change: what the hook asks to change in the call (see modify.h) */
    void (*enter)(void *ctx, struct syscall_event *ev);
    void (*exit)(void *ctx, struct syscall_event *ev);
    void (*spawn)(void *ctx, const struct task_event *ev);
    void (*exec)(void *ctx, const struct task_event *ev);
    void (*gone)(void *ctx, const struct task_event *ev);
    /* A signal is about to be delivered to a tracee: returns false to
     * suppress it. */
    bool (*signal)(void *ctx, const struct signal_event *ev);
    /* Periodic function id is due: called every periods[id] ns from the
     * start of the run, while tracees are left. */
    void (*tick)(void *ctx, unsigned id);
    const uint64_t *periods;
    unsigned nperiods;
};

/* Why starting the command failed: in which step, with which errno. */
enum spawn_stage { SPAWN_OK, SPAWN_FORK, SPAWN_SEIZE, SPAWN_FILTER, SPAWN_EXEC };

struct tracer {
    const struct interest *interest;
    const struct tracer_hooks *hooks;
    struct task_table tasks;
    struct waiter waiter;   /* zeroed by tracer_init: never polls; the
                               caller sets the budget with waiter_init */
    struct timers timers;   /* threads a hook holds back (sc:delay) */
    int root_resume;        /* the spawned command's resume request: CONT
                               under the filter, SYSCALL when it failed */
    pid_t root;             /* the spawned command, 0 when only attaching */
    bool root_started;      /* its exec succeeded */
    int root_status;        /* its wait status once it is gone */
    int report_pipe;        /* read end: the child's word on filter and exec */
    enum spawn_stage failed_stage;
    int failed_errno;
};

void tracer_init(struct tracer *t, const struct interest *interest,
                 const struct tracer_hooks *hooks);

/* Starts path with argv under the tracer, stopped until tracer_run.
 * Returns 0, or -1 with t->failed_stage and t->failed_errno set. */
int tracer_spawn(struct tracer *t, const char *path, char *const argv[]);

/* Attaches to every thread of a running process (-p).  Returns 0, or -1
 * with a one-line explanation in err (EPERM: which restriction, and what
 * to do about it). */
int tracer_attach(struct tracer *t, pid_t pid, char *err, size_t errsz);

/* Lets every attached task go (they run on untouched), kills the spawned
 * ones, and waits until all are released: when starting fails half-way. */
void tracer_detach_all(struct tracer *t);

/* Runs until no tracee is left.  Returns 0, or -1 when the command could
 * not be started (failed_stage/failed_errno say why). */
int tracer_run(struct tracer *t);

/* Sets sa as the action of each signal that interrupts a run (SIGINT,
 * SIGTERM, SIGHUP), except those ignored (nohup, a background job): they
 * stay ignored, for wtlua and, through exec, for the command.  wtlua's
 * handler for them calls tracer_interrupt; the spawned command gets them
 * back at their default action before its exec. */
void tracer_set_interrupt_action(const struct sigaction *sa);

/* From wtlua's signal handler (async-signal-safe): signal sig came, from a
 * process (kill(1)) or not (a terminal, whose signal reaches the command's
 * process group by itself).  Returns how many have come so far. */
int tracer_interrupt(int sig, bool from_process);

void tracer_free(struct tracer *t);

#endif
