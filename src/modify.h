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

#endif
