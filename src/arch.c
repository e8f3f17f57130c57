#include "arch.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
static const struct arch arches[] = {
    { SCMP_ARCH_X86_64, "x86_64", 0 },
    { SCMP_ARCH_X86, "i386", 1 },
};
#else
/* Built elsewhere, wtlua would compile but misreport: lib_wt.c's open
 * flags hold x86 values (O_LARGEFILE is 0100000, what i386 tracees pass). */
#error "wtlua is built and tested on x86_64 only: its open-flag table holds x86 values (O_LARGEFILE). To port it, add this architecture's rows here and its flag values, and have CI build and test it."
#endif

#define ARCH_COUNT (sizeof arches / sizeof arches[0])

/* libseccomp returns a fresh malloc'd name per lookup; the stop path must
 * not allocate, so each name is looked up once and kept. */
static char *name_cache[ARCH_COUNT][ARCH_MAX_NR];

const struct arch *arch_all(size_t *count)
{
    *count = ARCH_COUNT;
    return arches;
}

const struct arch *arch_from_audit(uint32_t audit)
{
    for (size_t i = 0; i < ARCH_COUNT; i++)
        if (arches[i].audit == audit)
            return &arches[i];
    return NULL;
}

const struct arch *arch_from_name(const char *name)
{
    for (size_t i = 0; i < ARCH_COUNT; i++)
        if (strcmp(arches[i].name, name) == 0)
            return &arches[i];
    return NULL;
}

static char *lookup_name(const struct arch *arch, long nr)
{
    char *name = seccomp_syscall_resolve_num_arch(arch->audit, (int)nr);
    if (name)
        return name;
    char fallback[32];
    snprintf(fallback, sizeof fallback, "syscall_%ld", nr);
    return strdup(fallback);
}

const char *arch_syscall_name(const struct arch *arch, long nr)
{
    if (nr >= 0 && nr < ARCH_MAX_NR) {
        char **slot = &name_cache[arch->index][nr];
        if (!*slot)
            *slot = lookup_name(arch, nr);
        return *slot ? *slot : "syscall_unknown";
    }
    /* Out-of-table numbers (x32, garbage) are rare: one shared buffer. */
    static char outside[32];
    snprintf(outside, sizeof outside, "syscall_%ld", nr);
    return outside;
}

int arch_syscall_nr(const struct arch *arch, const char *name)
{
    int nr = seccomp_syscall_resolve_name_arch(arch->audit, name);
    if (nr == __NR_SCMP_ERROR)
        return -1;
    if (nr >= 0)
        return nr;
    /* A pseudo number: libseccomp names the socket and ipc calls of i386
     * by their socketcall(2)/ipc(2) form, but the kernel also has them as
     * direct syscalls (connect is 362 since Linux 4.3), which programs
     * that do not go through socketcall make.  Those are found by number. */
    for (long direct = 0; direct < ARCH_MAX_NR; direct++)
        if (strcmp(arch_syscall_name(arch, direct), name) == 0)
            return (int)direct;
    return -1;
}
