/* Changing a stopped tracee's syscall: skipping it, setting its result,
 * setting its arguments.  Each call works at the stop it names, on a
 * tracee in that stop, through PTRACE_SET_SYSCALL_INFO (Linux 6.16) where
 * the kernel has it and through the registers otherwise. */
#ifndef WTLUA_MODIFY_H
#define WTLUA_MODIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"

/* What the hooks asked to change in the syscall a task is stopped at
 * (sc:fail, sc:set_arg, sc:delay...): recorded while the hook runs, and
 * applied by the tracer once the hook has returned, so that a hook that
 * raises an error changes nothing (change_clear). */
enum {
    CHANGE_RETURN = 1,  /* at entry: skip the call; either stop: result `ret` */
    CHANGE_ARGS = 2,    /* at entry: run it with `args` */
    CHANGE_DELAY = 4,   /* at entry: hold the thread `delay_ns` first */
    CHANGE_SIGNAL = 8,  /* send `signal` to the thread */
    CHANGE_WRITE = 16,  /* at exit: copy `writes` into its memory */
};

#define CHANGE_MAX_WRITES 6

struct change_write {
    uint64_t addr;
    char *data;         /* malloc'd */
    size_t len;
};

struct syscall_change {
    unsigned what;      /* CHANGE_* */
    int64_t ret;        /* -errno for an error */
    uint64_t args[6];
    uint64_t delay_ns;
    int signal;
    unsigned nwrites;
    struct change_write writes[CHANGE_MAX_WRITES];
    uint64_t scratch_used; /* bytes below the stack taken by new strings */
};

/* Forgets every change (and frees what the writes hold). */
void change_clear(struct syscall_change *c);

enum modify_method {
    MODIFY_AUTO,    /* PTRACE_SET_SYSCALL_INFO; the registers where the
                       first try shows the kernel lacks it (EIO) */
    MODIFY_INFO,    /* PTRACE_SET_SYSCALL_INFO only */
    MODIFY_REGS,    /* the registers only (orig_rax, rax, the arguments') */
};

/* For tests: pin one method.  MODIFY_AUTO (the default) probes again. */
void modify_set_method(enum modify_method method);

/* At a syscall-entry stop, or a seccomp stop when seccomp_stop: the kernel
 * does not run the syscall.  Its result is what the exit stop sets
 * (modify_set_return), so resume with PTRACE_SYSCALL to reach it; left
 * alone it is -ENOSYS on x86.  Returns 0 or -errno. */
int modify_skip(pid_t tid, bool seccomp_stop);

/* At an entry or seccomp stop of syscall nr, of ABI arch: the syscall runs
 * with these arguments (an i386 one takes their low 32 bits).  Returns 0
 * or -errno. */
int modify_set_args(pid_t tid, bool seccomp_stop, const struct arch *arch, long nr,
                    const uint64_t args[6]);

/* Whether a syscall's result is an error (-errno), as the kernel tells. */
bool modify_is_error(int64_t value);

/* At a syscall-exit stop: the syscall returns value (-errno for an error,
 * as the kernel has it).  Returns 0 or -errno. */
int modify_set_return(pid_t tid, int64_t value);

/* Where a new string argument of len bytes can go in a tracee stopped in
 * a syscall: below its stack pointer and the 128-byte red zone (x86_64
 * leaf functions keep data there; i386 gets the same margin), below what
 * this stop already took (*used, updated).  A thread in a syscall uses no
 * stack below that; the kernel reads such arguments when the call starts.
 * Returns 0 with *addr, or -errno. */
int modify_scratch(pid_t tid, size_t len, uint64_t *used, uint64_t *addr);

#endif
