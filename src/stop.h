/* Decoding what waitpid reported for a tracee into the kind of stop, and
 * a syscall stop into a syscall_event (PTRACE_GET_SYSCALL_INFO). */
#ifndef WTLUA_STOP_H
#define WTLUA_STOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "modify.h"

enum stop_kind {
    STOP_EXITED,        /* WIFEXITED or WIFSIGNALED: the task is gone */
    STOP_SYSCALL,       /* syscall-entry or -exit stop (SIGTRAP|0x80) */
    STOP_SECCOMP,       /* PTRACE_EVENT_SECCOMP: entry of a filtered syscall */
    STOP_CHILD,         /* PTRACE_EVENT_FORK, _VFORK or _CLONE */
    STOP_EXEC,          /* PTRACE_EVENT_EXEC */
    STOP_GROUP,         /* job-control group-stop (seized tracee) */
    STOP_TRAP,          /* PTRACE_EVENT_STOP without a stop signal: a new
                           task's first stop, or PTRACE_INTERRUPT */
    STOP_OTHER_EVENT,   /* VFORK_DONE, EXIT: nothing to do */
    STOP_SIGNAL,        /* signal-delivery-stop: pass the signal on */
};

struct stop {
    enum stop_kind kind;
    int signal;         /* STOP_SIGNAL: the signal to deliver */
};

struct stop stop_decode(int wait_status);

struct syscall_event {
    pid_t pid, tid;                 /* thread group, thread */
    const struct arch *arch;
    long nr;
    uint64_t args[6];
    uint64_t sp;                    /* the stack pointer at the entry */
    int64_t ret;                    /* at exit */
    bool at_exit, is_error;
    uint32_t seccomp_data;          /* at a seccomp stop: the filter's
                                       SECCOMP_RET_DATA */
    uint64_t enter_ns, exit_ns;     /* CLOCK_MONOTONIC at the entry and
                                       exit stops (set by the tracer) */
    struct syscall_change change;   /* what the hook at this stop asked */
    bool injected;                  /* at exit: the result is a hook's, the
                                       kernel did not run the call */
    bool engine_only;               /* stopped for the engine's io_uring
                                       bookkeeping; the script's declarations
                                       do not want it */
};

enum syscall_op { SYSCALL_NONE, SYSCALL_ENTRY, SYSCALL_EXIT };

/* Reads the current syscall of a stopped tracee.  At an entry (or seccomp)
 * stop fills nr, arch and args; at an exit stop only ret and is_error.
 * Returns SYSCALL_NONE when the task is gone or the stop is not a syscall
 * stop, and also for an unknown arch (ev->arch stays NULL). */
enum syscall_op stop_syscall(pid_t tid, struct syscall_event *ev);

#endif
