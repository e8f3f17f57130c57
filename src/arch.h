/* Everything that differs between the architectures a tracee may run as.
 * Adding one (aarch64 with its arm compat) means adding rows in arch.c. */
#ifndef WTLUA_ARCH_H
#define WTLUA_ARCH_H

#include <stddef.h>
#include <stdint.h>

/* Names and numbers of syscalls above this are not cached. */
#define ARCH_MAX_NR 1024

struct arch {
    uint32_t audit;     /* AUDIT_ARCH_* value, equal to libseccomp's SCMP_ARCH_* */
    const char *name;   /* "x86_64", "i386" */
    unsigned index;     /* position in arch_all() */
};

/* The architectures this build can trace: the native one first. */
const struct arch *arch_all(size_t *count);
const struct arch *arch_from_audit(uint32_t audit);
const struct arch *arch_from_name(const char *name);

/* Syscall name for nr, "syscall_NNN" when the table has none.  Names of
 * numbers below ARCH_MAX_NR stay valid for the life of the process; the
 * name of a number outside (x32, garbage) only until the next such call,
 * so that hostile numbers cannot grow a cache. */
const char *arch_syscall_name(const struct arch *arch, long nr);
/* Syscall number for name, or -1 when that arch has no such call. */
int arch_syscall_nr(const struct arch *arch, const char *name);

#endif
