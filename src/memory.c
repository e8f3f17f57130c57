#include "memory.h"

#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "source.h"

const struct tracee_source *tracee_source;

static enum mem_method method = MEM_AUTO;
static size_t page_size;

void mem_set_method(enum mem_method m)
{
    method = m;
}

static size_t page(void)
{
    if (!page_size)
        page_size = (size_t)sysconf(_SC_PAGESIZE);
    return page_size;
}

/* Bytes from addr to the end of its page. */
static size_t to_page_end(uint64_t addr)
{
    return page() - (size_t)(addr & (page() - 1));
}

#define VM_IOV_MAX 64

/* The part of [addr, addr+len) that one read_vm call covers. */
static size_t vm_span(uint64_t addr, size_t len)
{
    size_t span = to_page_end(addr) + (VM_IOV_MAX - 1) * page();
    return span < len ? span : len;
}

/* One process_vm_readv call whose remote iovecs are split at page
 * boundaries, so a fault ends the copy at the last readable page instead
 * of failing the whole range.  len must not exceed vm_span(addr, len). */
static ssize_t read_vm(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    struct iovec local = { buf, len };
    struct iovec remote[VM_IOV_MAX];
    size_t n = 0, covered = 0;
    while (covered < len) {
        size_t chunk = to_page_end(addr + covered);
        if (chunk > len - covered)
            chunk = len - covered;
        remote[n].iov_base = (void *)(uintptr_t)(addr + covered);
        remote[n].iov_len = chunk;
        covered += chunk;
        n++;
    }
    ssize_t got = process_vm_readv(pid, &local, 1, remote, n, 0);
    return got < 0 ? -errno : got;
}

/* The original article's method: aligned words, one PTRACE_PEEKDATA each;
 * the first and last words are trimmed to the requested range. */
static ssize_t read_peek(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    const size_t word = sizeof(long);
    size_t done = 0;
    while (done < len) {
        uint64_t at = addr + done;
        uint64_t aligned = at & ~(uint64_t)(word - 1);
        size_t skip = (size_t)(at - aligned);
        errno = 0;
        long value = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)aligned, NULL);
        if (errno) {
            int err = errno == EIO ? EFAULT : errno;
            return done ? (ssize_t)done : -err;
        }
        size_t take = word - skip;
        if (take > len - done)
            take = len - done;
        memcpy((char *)buf + done, (char *)&value + skip, take);
        done += take;
    }
    return (ssize_t)done;
}

ssize_t mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
    if (tracee_source)
        return tracee_source->read(tracee_source->ctx, pid, addr, buf, len);
    if (method == MEM_PEEK)
        return read_peek(pid, addr, buf, len);
    size_t done = 0;
    while (done < len) {
        size_t want = vm_span(addr + done, len - done);
        ssize_t got = read_vm(pid, addr + done, (char *)buf + done, want);
        if ((got == -ENOSYS || got == -EPERM) && method == MEM_AUTO)
            got = read_peek(pid, addr + done, (char *)buf + done, want);
        if (got < 0)
            return done ? (ssize_t)done : got;
        done += (size_t)got;
        if ((size_t)got < want)
            break; /* the next page is not readable */
    }
    return (ssize_t)done;
}

ssize_t mem_read_string(pid_t pid, uint64_t addr, char *buf, size_t cap, bool *truncated)
{
    if (tracee_source)
        return tracee_source->read_string(tracee_source->ctx, pid, addr, buf, cap, truncated);
    size_t len = 0;
    *truncated = false;
    while (len < cap) {
        /* Never read past the current page: the next one may be unmapped
         * even though the string ends before it. */
        size_t chunk = to_page_end(addr + len);
        if (chunk > cap - len)
            chunk = cap - len;
        ssize_t got = mem_read(pid, addr + len, buf + len, chunk);
        if (got <= 0) {
            if (len == 0)
                return got ? got : -EFAULT;
            *truncated = true;
            break;
        }
        char *nul = memchr(buf + len, '\0', (size_t)got);
        if (nul)
            return (ssize_t)(nul - buf);
        len += (size_t)got;
        if ((size_t)got < chunk) {
            *truncated = true;
            break;
        }
    }
    if (len == cap)
        *truncated = true;
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Word by word with PTRACE_POKEDATA: the first and last words are read
 * first, so bytes around the range keep their values. */
static int write_poke(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
    const size_t word = sizeof(long);
    size_t done = 0;
    while (done < len) {
        uint64_t at = addr + done;
        uint64_t aligned = at & ~(uint64_t)(word - 1);
        size_t skip = (size_t)(at - aligned), take = word - skip;
        if (take > len - done)
            take = len - done;
        long value = 0;
        if (skip || take < word) {
            errno = 0;
            value = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)aligned, NULL);
            if (errno)
                return errno == EIO ? -EFAULT : -errno;
        }
        memcpy((char *)&value + skip, (const char *)buf + done, take);
        if (ptrace(PTRACE_POKEDATA, pid, (void *)(uintptr_t)aligned, (void *)value) < 0)
            return errno == EIO ? -EFAULT : -errno;
        done += take;
    }
    return 0;
}

int mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
    if (method != MEM_PEEK) {
        struct iovec local = { (void *)buf, len }, remote = { (void *)(uintptr_t)addr, len };
        ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
        if (n == (ssize_t)len)
            return 0;
        if (n >= 0)
            return -EFAULT;
        if (method == MEM_VM || (errno != ENOSYS && errno != EPERM))
            return -errno;
    }
    return write_poke(pid, addr, buf, len);
}
