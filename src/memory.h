/* Reading a stopped tracee's memory.  Tracee memory is untrusted: every
 * reader is bounded by its caller's buffer and reports bad addresses as
 * errors, never by crashing. */
#ifndef WTLUA_MEMORY_H
#define WTLUA_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum mem_method {
    MEM_AUTO,   /* process_vm_readv, PTRACE_PEEKDATA where that is refused */
    MEM_VM,     /* process_vm_readv only */
    MEM_PEEK,   /* PTRACE_PEEKDATA only (needs a ptrace-stopped tracee) */
};

/* For tests: pin one method.  MEM_AUTO is the default. */
void mem_set_method(enum mem_method method);

/* Copies up to len bytes from addr.  Returns the number of bytes copied
 * (short when an unmapped page is reached) or -errno when not even the
 * first byte is readable. */
ssize_t mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Copies the NUL-terminated string at addr into buf (size cap + 1) and
 * terminates it.  Returns its length, or -errno.  *truncated is set when
 * cap bytes were read without a NUL or the string runs into unreadable
 * memory after at least one byte. */
ssize_t mem_read_string(pid_t pid, uint64_t addr, char *buf, size_t cap, bool *truncated);

/* Copies len bytes from buf to addr in the tracee (for a hook's change to
 * a syscall: a new string argument, what a read returns).  Returns 0, or
 * -errno when some byte could not be written (then an unknown part was). */
int mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len);

#endif
