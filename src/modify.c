#include "modify.h"

#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#ifndef PTRACE_SET_SYSCALL_INFO
#define PTRACE_SET_SYSCALL_INFO 0x4212 /* Linux 6.16; newer than the libc headers */
#endif

/* The kernel's largest errno: a return value in [-MAX_ERRNO, -1] is an error. */
#define MAX_ERRNO 4095

static enum modify_method method = MODIFY_AUTO;
/* What MODIFY_AUTO found out with its first PTRACE_SET_SYSCALL_INFO. */
static enum { PROBE_NOT_YET, PROBE_HAS_INFO, PROBE_NO_INFO } probe;

void modify_set_method(enum modify_method m)
{
    method = m;
    probe = PROBE_NOT_YET;
}

static bool try_info(void)
{
    return method == MODIFY_INFO || (method == MODIFY_AUTO && probe != PROBE_NO_INFO);
}

/* One PTRACE_SET_SYSCALL_INFO.  Returns 0 or -errno, or 1 when MODIFY_AUTO
 * learns from it that the kernel lacks the request (EIO): the caller then
 * uses the registers, as every later call will. */
static int set_info(pid_t tid, struct __ptrace_syscall_info *info)
{
    if (ptrace(PTRACE_SET_SYSCALL_INFO, tid, (void *)sizeof *info, info) == 0) {
        probe = PROBE_HAS_INFO;
        return 0;
    }
    if (errno == EIO && method == MODIFY_AUTO && probe == PROBE_NOT_YET) {
        probe = PROBE_NO_INFO;
        return 1;
    }
    return -errno;
}

/* At an entry stop PTRACE_SET_SYSCALL_INFO takes op ENTRY, at a seccomp
 * stop op SECCOMP (the kernel refuses any other); both read info.entry. */
static struct __ptrace_syscall_info entry_info(bool seccomp_stop, long nr)
{
    struct __ptrace_syscall_info info = {
        .op = seccomp_stop ? PTRACE_SYSCALL_INFO_SECCOMP : PTRACE_SYSCALL_INFO_ENTRY,
    };
    info.entry.nr = (uint64_t)nr;
    return info;
}

/* ---- the registers ---- */

#if defined(__x86_64__)
/* A 64-bit tracer sees every tracee, i386 ones too, through the 64-bit
 * user_regs_struct: the syscall number in orig_rax (-1: skip), the
 * result in rax. */
#define REG_NR offsetof(struct user_regs_struct, orig_rax)
#define REG_RET offsetof(struct user_regs_struct, rax)

static void put_args(struct user_regs_struct *r, bool wide, const uint64_t a[6])
{
    if (wide) {
        r->rdi = a[0], r->rsi = a[1], r->rdx = a[2], r->r10 = a[3], r->r8 = a[4], r->r9 = a[5];
    } else {
        r->rbx = a[0], r->rcx = a[1], r->rdx = a[2], r->rsi = a[3], r->rdi = a[4], r->rbp = a[5];
    }
}
#else
#error "wtlua: add this architecture's syscall registers to src/modify.c"
#endif

static int poke_reg(pid_t tid, size_t offset, uint64_t value)
{
    return ptrace(PTRACE_POKEUSER, tid, (void *)offset, (void *)(uintptr_t)value) < 0 ? -errno : 0;
}

static int set_arg_regs(pid_t tid, bool wide, const uint64_t args[6])
{
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0)
        return -errno;
    put_args(&regs, wide, args);
    return ptrace(PTRACE_SETREGS, tid, NULL, &regs) < 0 ? -errno : 0;
}

/* ---- the operations ---- */

int modify_skip(pid_t tid, bool seccomp_stop)
{
    if (try_info()) {
        /* With nr -1 the kernel leaves the arguments (and so the result
         * register some arches share with one) alone. */
        struct __ptrace_syscall_info info = entry_info(seccomp_stop, -1);
        int rc = set_info(tid, &info);
        if (rc <= 0)
            return rc;
    }
    return poke_reg(tid, REG_NR, (uint64_t)-1);
}

int modify_set_args(pid_t tid, bool seccomp_stop, const struct arch *arch, long nr,
                    const uint64_t args[6])
{
    bool wide = arch->audit & __AUDIT_ARCH_64BIT;
    uint64_t fitted[6];
    for (int i = 0; i < 6; i++)
        fitted[i] = wide ? args[i] : (uint32_t)args[i];
    if (try_info()) {
        struct __ptrace_syscall_info info = entry_info(seccomp_stop, nr);
        for (int i = 0; i < 6; i++)
            info.entry.args[i] = fitted[i];
        int rc = set_info(tid, &info);
        if (rc <= 0)
            return rc;
    }
    return set_arg_regs(tid, wide, fitted);
}

bool modify_is_error(int64_t value)
{
    return value < 0 && value >= -MAX_ERRNO;
}

int modify_set_return(pid_t tid, int64_t value)
{
    if (try_info()) {
        struct __ptrace_syscall_info info = { .op = PTRACE_SYSCALL_INFO_EXIT };
        info.exit.rval = value;
        info.exit.is_error = modify_is_error(value);
        int rc = set_info(tid, &info);
        if (rc <= 0)
            return rc;
    }
    return poke_reg(tid, REG_RET, (uint64_t)value);
}

void change_clear(struct syscall_change *c)
{
    for (unsigned i = 0; i < c->nwrites; i++)
        free(c->writes[i].data);
    memset(c, 0, sizeof *c);
}

/* Bytes below the stack pointer left alone: x86_64's red zone. */
#define RED_ZONE 128

int modify_scratch(pid_t tid, size_t len, uint64_t *used, uint64_t *addr)
{
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0)
        return -errno;
    uint64_t take = (len + 15) & ~(uint64_t)15;
    uint64_t below = RED_ZONE + *used + take;
    if (regs.rsp < below + 4096) /* no stack there, or about to wrap */
        return -ENOSPC;
    *used += take;
    *addr = (regs.rsp - below) & ~(uint64_t)15;
    return 0;
}
