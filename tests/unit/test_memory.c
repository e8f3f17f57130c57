/* Unit tests for src/memory.c against a real, ptrace-stopped child.
 *
 * The parent maps and fills a region before forking, so the child has the
 * same data at the same addresses; the child then stops under ptrace
 * (PTRACE_TRACEME + SIGSTOP) and the tests read its copy.  Every test runs
 * once per method: MEM_VM, MEM_PEEK and MEM_AUTO. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memory.h"

/* Layout of the region, in pages. */
enum {
    PG_CROSS = 0,       /* 0,1: mapped; unaligned and page-crossing strings */
    PG_END_HOLE = 2,    /* mapped; its last byte is a NUL */
    PG_HOLE1 = 3,       /* unmapped */
    PG_RUN_HOLE = 4,    /* mapped; the tail has no NUL */
    PG_HOLE2 = 5,       /* unmapped */
    PG_END_NONE = 6,    /* mapped; its last byte is a NUL */
    PG_NONE1 = 7,       /* PROT_NONE */
    PG_RUN_NONE = 8,    /* mapped; the tail has no NUL */
    PG_NONE2 = 9,       /* PROT_NONE */
    PG_BIG = 10,        /* 10..109: 100 mapped pages of pattern */
    BIG_PAGES = 100,
    PG_HOLE3 = PG_BIG + BIG_PAGES,  /* unmapped */
    PG_NONE3 = PG_HOLE3 + 1,        /* PROT_NONE, with mapped pages after */
    PG_AFTER = PG_NONE3 + 1,
    REGION_PAGES = PG_AFTER + 1,
};

#define TAIL 200            /* NUL-free bytes at the end of the RUN pages */
#define LONG_LEN 3000       /* a long string on PG_CROSS */
#define LONG_OFF 600

static size_t P;            /* page size */
static char *R;             /* the region (same address in the child) */
static pid_t child;

static uint64_t at(size_t page, size_t off)
{
    return (uint64_t)(uintptr_t)(R + page * P + off);
}

static char *local(size_t page, size_t off)
{
    return R + page * P + off;
}

static char pat(size_t i)
{
    return (char)('a' + (i * 7 + i / 26) % 26);
}

/* Unaligned strings: at word offset k (1..7) of a 64-byte slot, a string
 * of 5 * k + 3 bytes, so ends fall at every word offset too. */
static uint64_t unaligned_addr(unsigned k)
{
    return at(PG_CROSS, 64 * k + k);
}

static size_t unaligned_len(unsigned k)
{
    return 5 * k + 3;
}

/* A string straddling pages 0 and 1: starts 37 bytes before the boundary. */
#define CROSS_LEN 100
#define CROSS_BEFORE 37

static void fill_region(void)
{
    memset(R, 0, REGION_PAGES * P);
    for (unsigned k = 1; k <= 7; k++) {
        char *s = R + (unaligned_addr(k) - at(0, 0));
        for (size_t i = 0; i < unaligned_len(k); i++)
            s[i] = pat(i + k);
        s[unaligned_len(k)] = '\0';
    }
    char *s = local(PG_CROSS + 1, 0) - CROSS_BEFORE;
    for (size_t i = 0; i < CROSS_LEN; i++)
        s[i] = pat(i);
    s[CROSS_LEN] = '\0';
    s = local(PG_CROSS, LONG_OFF);
    for (size_t i = 0; i < LONG_LEN; i++)
        s[i] = pat(i + 3);
    s[LONG_LEN] = '\0';
    /* END pages: text up to a NUL in the very last byte. */
    const size_t end_pages[] = { PG_END_HOLE, PG_END_NONE };
    for (size_t e = 0; e < 2; e++) {
        char *pg = local(end_pages[e], 0);
        for (size_t i = 0; i < P - 1; i++)
            pg[i] = pat(i);
        pg[P - 1] = '\0';
    }
    /* RUN pages: a NUL, then TAIL bytes of text up to the page end. */
    const size_t run_pages[] = { PG_RUN_HOLE, PG_RUN_NONE };
    for (size_t r = 0; r < 2; r++) {
        char *pg = local(run_pages[r], 0);
        for (size_t i = 0; i < P; i++)
            pg[i] = pat(i);
        pg[P - TAIL - 1] = '\0';
    }
    /* Text in the PROT_NONE pages: a reader that does see them would
     * return more, not stop at an innocent NUL. */
    memset(local(PG_NONE1, 0), 'N', P);
    memset(local(PG_NONE2, 0), 'N', P);
    memset(local(PG_NONE3, 0), 'N', P);
    for (size_t i = 0; i < BIG_PAGES * P; i++)
        local(PG_BIG, 0)[i] = pat(i);
    memset(local(PG_AFTER, 0), 'A', P);
}

static int setup_child(void **state)
{
    (void)state;
    P = (size_t)sysconf(_SC_PAGESIZE);
    void *r = mmap(NULL, REGION_PAGES * P, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return -1;
    R = r;
    fill_region();
    if (mprotect(local(PG_NONE1, 0), P, PROT_NONE) < 0 ||
        mprotect(local(PG_NONE2, 0), P, PROT_NONE) < 0 ||
        mprotect(local(PG_NONE3, 0), P, PROT_NONE) < 0)
        return -1;
    /* The holes go last, right before the fork, so nothing fills them. */
    if (munmap(local(PG_HOLE1, 0), P) < 0 || munmap(local(PG_HOLE2, 0), P) < 0 ||
        munmap(local(PG_HOLE3, 0), P) < 0)
        return -1;
    fflush(NULL);
    child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        raise(SIGSTOP);
        for (;;)
            pause();
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
        return -1;
    return 0;
}

static int teardown_child(void **state)
{
    (void)state;
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        child = 0;
    }
    mem_set_method(MEM_AUTO);
    return 0;
}

/* Reads the string at addr with cap and checks length, bytes, NUL and the
 * truncation flag. */
static void check_string(uint64_t addr, size_t cap, const char *want, size_t want_len,
                          bool want_truncated)
{
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    memset(buf, '#', cap + 1);
    bool truncated = !want_truncated;
    ssize_t n = mem_read_string(child, addr, buf, cap, &truncated);
    assert_int_equal(n, (ssize_t)want_len);
    assert_memory_equal(buf, want, want_len);
    assert_int_equal(buf[want_len], '\0');
    assert_int_equal(truncated, want_truncated);
    free(buf);
}

static void check_string_error(uint64_t addr, size_t cap, ssize_t err)
{
    char buf[64];
    bool truncated = true;
    ssize_t n = mem_read_string(child, addr, buf, cap < sizeof buf ? cap : sizeof buf - 1,
                                &truncated);
    assert_int_equal(n, err);
}

/* ---- the tests, each run with every method ---- */

static void unaligned_strings(void)
{
    for (unsigned k = 1; k <= 7; k++) {
        uint64_t addr = unaligned_addr(k);
        assert_int_equal(addr % 8, k);
        const char *want = R + (addr - at(0, 0));
        check_string(addr, 64, want, unaligned_len(k), false);
        /* A cap that ends inside a word. */
        check_string(addr, 3, want, 3, true);
        /* One byte in: every suffix is a string too. */
        check_string(addr + 1, 64, want + 1, unaligned_len(k) - 1, false);
        /* The empty string at the NUL itself. */
        check_string(addr + unaligned_len(k), 64, "", 0, false);
    }
}

static void cap_equal_and_above_length(void)
{
    uint64_t addr = unaligned_addr(5);
    const char *want = R + (addr - at(0, 0));
    size_t len = unaligned_len(5);
    /* cap = len + 1 sees the NUL; cap = len is, as memory.h documents,
     * "cap bytes read without a NUL": truncated. */
    check_string(addr, len + 1, want, len, false);
    check_string(addr, len, want, len, true);
    check_string(addr, len - 1, want, len - 1, true);
}

static void cap_zero(void)
{
    char buf[1] = { '#' };
    bool truncated = false;
    assert_int_equal(mem_read_string(child, unaligned_addr(1), buf, 0, &truncated), 0);
    assert_int_equal(buf[0], '\0');
    assert_true(truncated);
}

static void string_crosses_into_mapped_page(void)
{
    uint64_t addr = at(PG_CROSS + 1, 0) - CROSS_BEFORE;
    const char *want = local(PG_CROSS + 1, 0) - CROSS_BEFORE;
    check_string(addr, 4096, want, CROSS_LEN, false);
    /* From every offset within a word of the boundary. */
    for (unsigned d = 0; d < 9; d++)
        check_string(addr + d, 256, want + d, CROSS_LEN - d, false);
    /* Truncated by cap exactly at the page boundary and one past it. */
    check_string(addr, CROSS_BEFORE, want, CROSS_BEFORE, true);
    check_string(addr, CROSS_BEFORE + 1, want, CROSS_BEFORE + 1, true);
}

static void long_string_and_cap(void)
{
    uint64_t addr = at(PG_CROSS, LONG_OFF);
    const char *want = local(PG_CROSS, LONG_OFF);
    check_string(addr, 100, want, 100, true);
    check_string(addr, 1, want, 1, true);
    check_string(addr, LONG_LEN + 1, want, LONG_LEN, false);
    check_string(addr, 65536, want, LONG_LEN, false);
}

static void ends_exactly_at_page_end(size_t page)
{
    const char *pg = local(page, 0);
    const size_t lens[] = { 0, 1, 7, 8, 9, 15, 16, 100, 1000, P - 1 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t start = P - 1 - lens[i];
        check_string(at(page, start), P, pg + start, lens[i], false);
    }
}

static void ends_at_page_end_before_hole(void)
{
    ends_exactly_at_page_end(PG_END_HOLE);
}

static void ends_at_page_end_before_prot_none(void)
{
    ends_exactly_at_page_end(PG_END_NONE);
}

static void runs_into_unreadable(size_t page)
{
    const char *pg = local(page, 0);
    /* From the start of the NUL-free tail, and from unaligned points in it. */
    const size_t lens[] = { TAIL, TAIL - 1, TAIL - 3, 13, 8, 1 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t start = P - lens[i];
        check_string(at(page, start), 4096, pg + start, lens[i], true);
    }
    /* A cap reaching exactly to the page end: cap bytes without a NUL. */
    check_string(at(page, P - TAIL), TAIL, pg + P - TAIL, TAIL, true);
    /* A cap below the readable part still wins. */
    check_string(at(page, P - TAIL), 10, pg + P - TAIL, 10, true);
}

static void runs_into_hole(void)
{
    runs_into_unreadable(PG_RUN_HOLE);
}

static void runs_into_prot_none(void)
{
    runs_into_unreadable(PG_RUN_NONE);
}

static void string_bad_addresses(void)
{
    check_string_error(0, 16, -EFAULT);
    check_string_error(8, 16, -EFAULT);
    check_string_error(at(PG_HOLE1, 0), 16, -EFAULT);
    check_string_error(at(PG_HOLE1, 5), 16, -EFAULT);
    check_string_error(0xffffffffff600000ull, 16, -EFAULT);   /* vsyscall */
    check_string_error(0xffff800000000000ull, 16, -EFAULT);   /* kernel */
    check_string_error(0x0000800000000000ull, 16, -EFAULT);   /* past user space */
    check_string_error(0xfffffffffffffff8ull, 16, -EFAULT);   /* wraps around */
}

static void read_plain(void)
{
    char buf[300];
    const char *want = local(PG_CROSS, LONG_OFF);
    for (unsigned off = 0; off < 8; off++) {
        memset(buf, '#', sizeof buf);
        assert_int_equal(mem_read(child, at(PG_CROSS, LONG_OFF + off), buf, 13), 13);
        assert_memory_equal(buf, want + off, 13);
        assert_int_equal(buf[13], '#'); /* nothing written past len */
    }
    /* Across the page boundary, NULs included. */
    assert_int_equal(mem_read(child, at(PG_CROSS + 1, 0) - 150, buf, 300), 300);
    assert_memory_equal(buf, local(PG_CROSS + 1, 0) - 150, 300);
}

static void read_zero_length(void)
{
    char buf[4] = "###";
    assert_int_equal(mem_read(child, at(PG_CROSS, 3), buf, 0), 0);
    assert_int_equal(mem_read(child, 0, buf, 0), 0);
    assert_int_equal(mem_read(child, 0xffff800000000000ull, buf, 0), 0);
    assert_string_equal(buf, "###");
}

static void read_prefix_before_unreadable(size_t page, size_t next_page)
{
    char buf[300];
    for (size_t before = 1; before <= 9; before++) {
        memset(buf, '#', sizeof buf);
        ssize_t n = mem_read(child, at(next_page, 0) - before, buf, 300);
        assert_int_equal(n, (ssize_t)before);
        assert_memory_equal(buf, local(page, P - before), before);
    }
    /* The whole page, and three pages from its start. */
    char *big = malloc(3 * P);
    assert_non_null(big);
    assert_int_equal(mem_read(child, at(page, 0), big, P), (ssize_t)P);
    assert_memory_equal(big, local(page, 0), P);
    memset(big, '#', 3 * P);
    assert_int_equal(mem_read(child, at(page, 0), big, 3 * P), (ssize_t)P);
    assert_memory_equal(big, local(page, 0), P);
    assert_int_equal(big[P], '#');
    free(big);
}

static void read_into_hole(void)
{
    read_prefix_before_unreadable(PG_END_HOLE, PG_HOLE1);
}

static void read_into_prot_none(void)
{
    read_prefix_before_unreadable(PG_END_NONE, PG_NONE1);
}

/* PROT_NONE pages are unreadable for process_vm_readv (MEM_VM, MEM_AUTO).
 * PTRACE_PEEKDATA reads them anyway (the kernel reads with FOLL_FORCE, as
 * for a debugger), so MEM_PEEK has its own test below. */
static void prot_none_unreadable(void)
{
    char buf[64];
    assert_int_equal(mem_read(child, at(PG_NONE1, 0), buf, 8), -EFAULT);
    assert_int_equal(mem_read(child, at(PG_NONE3, P - 4), buf, 64), -EFAULT);
    check_string_error(at(PG_NONE1, 0), 16, -EFAULT);
    check_string_error(at(PG_NONE1, 9), 16, -EFAULT);
}

static void read_bad_addresses(void)
{
    char buf[64];
    assert_int_equal(mem_read(child, 0, buf, 8), -EFAULT);
    assert_int_equal(mem_read(child, 1, buf, 8), -EFAULT);
    assert_int_equal(mem_read(child, at(PG_HOLE1, 0), buf, 8), -EFAULT);
    /* Unreadable first page, readable second: still nothing. */
    assert_int_equal(mem_read(child, at(PG_HOLE3, P - 4), buf, 64), -EFAULT);
    assert_int_equal(mem_read(child, 0xffffffffff600000ull, buf, 8), -EFAULT);
    assert_int_equal(mem_read(child, 0xffff800000000000ull, buf, 8), -EFAULT);
    assert_int_equal(mem_read(child, 0x0000800000000000ull, buf, 8), -EFAULT);
    assert_int_equal(mem_read(child, 0xfffffffffffffff8ull, buf, 16), -EFAULT);
}

/* More than 64 pages: process_vm_readv is called in several pieces. */
static void read_many_pages(void)
{
    size_t len = BIG_PAGES * P;
    char *buf = malloc(len + P);
    assert_non_null(buf);
    memset(buf, '#', len + P);
    assert_int_equal(mem_read(child, at(PG_BIG, 0), buf, len), (ssize_t)len);
    assert_memory_equal(buf, local(PG_BIG, 0), len);
    assert_int_equal(buf[len], '#');

    /* Unaligned start, 65 and 64 pages plus a bit. */
    memset(buf, '#', len + P);
    assert_int_equal(mem_read(child, at(PG_BIG, 3), buf, 65 * P), (ssize_t)(65 * P));
    assert_memory_equal(buf, local(PG_BIG, 3), 65 * P);
    assert_int_equal(mem_read(child, at(PG_BIG, P - 1), buf, 64 * P + 2), (ssize_t)(64 * P + 2));
    assert_memory_equal(buf, local(PG_BIG, P - 1), 64 * P + 2);

    /* Running off the end of the 100 pages into the hole after them. */
    memset(buf, '#', len + P);
    assert_int_equal(mem_read(child, at(PG_BIG, 5), buf, len + P), (ssize_t)(len - 5));
    assert_memory_equal(buf, local(PG_BIG, 5), len - 5);
    /* The hole is hit in the second process_vm_readv piece. */
    assert_int_equal(mem_read(child, at(PG_BIG + 30, 0), buf, 80 * P), (ssize_t)(70 * P));
    assert_memory_equal(buf, local(PG_BIG + 30, 0), 70 * P);
    /* The first piece (64 pages) ends exactly at the hole, so the second
     * piece fails outright: the 64 pages read so far are the answer. */
    assert_int_equal(mem_read(child, at(PG_BIG + 36, 0), buf, 80 * P), (ssize_t)(64 * P));
    assert_memory_equal(buf, local(PG_BIG + 36, 0), 64 * P);
    assert_int_equal(mem_read(child, at(PG_BIG + 36, 100), buf, 80 * P), (ssize_t)(64 * P - 100));
    assert_memory_equal(buf, local(PG_BIG + 36, 100), 64 * P - 100);
    free(buf);
}

/* A string in the middle of the 100 pages, longer than 64 pages. */
static void string_over_many_pages(void)
{
    /* The big pages have no NUL: the read stops at the hole after them. */
    size_t len = BIG_PAGES * P - 7;
    check_string(at(PG_BIG, 7), len + 100, local(PG_BIG, 7), len, true);
    check_string(at(PG_BIG, 7), 70 * P, local(PG_BIG, 7), 70 * P, true);
}

static void read_gone_process(void)
{
    pid_t gone = fork();
    assert_true(gone >= 0);
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, NULL, 0), gone);
    char buf[8];
    bool truncated;
    assert_int_equal(mem_read(gone, at(PG_CROSS, LONG_OFF), buf, 8), -ESRCH);
    assert_int_equal(mem_read_string(gone, at(PG_CROSS, LONG_OFF), buf, 7, &truncated), -ESRCH);
}

/* ---- one cmocka test per (case, method) ---- */

#define METHOD_TESTS(fn)                                                         \
    static void fn##_vm(void **s) { (void)s; mem_set_method(MEM_VM); fn(); }     \
    static void fn##_peek(void **s) { (void)s; mem_set_method(MEM_PEEK); fn(); } \
    static void fn##_auto(void **s) { (void)s; mem_set_method(MEM_AUTO); fn(); }

#define ALL_METHODS(X)                  \
    X(unaligned_strings)                \
    X(cap_equal_and_above_length)       \
    X(cap_zero)                         \
    X(string_crosses_into_mapped_page)  \
    X(long_string_and_cap)              \
    X(ends_at_page_end_before_hole)     \
    X(runs_into_hole)                   \
    X(string_bad_addresses)             \
    X(read_plain)                       \
    X(read_zero_length)                 \
    X(read_into_hole)                   \
    X(read_bad_addresses)               \
    X(read_many_pages)                  \
    X(string_over_many_pages)           \
    X(read_gone_process)

/* Cases where the method decides whether a PROT_NONE page is readable. */
#define VM_METHODS(X)                   \
    X(ends_at_page_end_before_prot_none) \
    X(runs_into_prot_none)              \
    X(read_into_prot_none)              \
    X(prot_none_unreadable)

#define VM_METHOD_TESTS(fn)                                                      \
    static void fn##_vm(void **s) { (void)s; mem_set_method(MEM_VM); fn(); }     \
    static void fn##_auto(void **s) { (void)s; mem_set_method(MEM_AUTO); fn(); }

ALL_METHODS(METHOD_TESTS)
VM_METHODS(VM_METHOD_TESTS)

/* MEM_PEEK sees through PROT_NONE: documents the difference to MEM_VM. */
static void test_peek_reads_prot_none(void **state)
{
    (void)state;
    mem_set_method(MEM_PEEK);
    char buf[64];
    assert_int_equal(mem_read(child, at(PG_NONE1, 0), buf, 8), 8);
    assert_memory_equal(buf, "NNNNNNNN", 8);
    /* The string ends at the NUL in PG_END_NONE's last byte either way. */
    check_string(at(PG_END_NONE, P - 9), 64, local(PG_END_NONE, P - 9), 8, false);
    mem_set_method(MEM_AUTO);
}

/* ---- MEM_AUTO's fallback to PTRACE_PEEKDATA ---- */

/* In a helper process, with process_vm_readv refused by a seccomp filter
 * (errno `refusal`), MEM_VM must fail and MEM_AUTO must still read through
 * PTRACE_PEEKDATA.  The helper traces its own stopped child; it reports
 * the first failed check as its exit code. */
static int fallback_helper(int refusal)
{
    static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    pid_t tracee = fork();
    if (tracee < 0)
        return 2;
    if (tracee == 0) {
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        raise(SIGSTOP);
        _exit(0);
    }
    int status, rc = 0;
    if (waitpid(tracee, &status, 0) != tracee || !WIFSTOPPED(status))
        return 3;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(refusal), SCMP_SYS(process_vm_readv), 0) < 0 ||
        seccomp_load(ctx) < 0)
        return 4;
    char buf[TAIL + 64];
    bool truncated = false;
    const char *want = local(PG_RUN_HOLE, P - TAIL);

    mem_set_method(MEM_VM);
    if (mem_read(tracee, at(PG_RUN_HOLE, P - TAIL), buf, 8) != -refusal)
        rc = 10;
    else if (mem_read_string(tracee, at(PG_RUN_HOLE, P - TAIL), buf, 64, &truncated) != -refusal)
        rc = 11;

    mem_set_method(MEM_AUTO);
    if (rc)
        ;
    else if (mem_read(tracee, at(PG_RUN_HOLE, P - TAIL) + 3, buf, 64) != 64 ||
             memcmp(buf, want + 3, 64) != 0)
        rc = 20;
    else if (mem_read(tracee, at(PG_RUN_HOLE, P - TAIL), buf, TAIL + 64) != TAIL ||
             memcmp(buf, want, TAIL) != 0)
        rc = 21;
    else if (mem_read_string(tracee, at(PG_RUN_HOLE, P - TAIL + 1), buf, TAIL + 32,
                             &truncated) != TAIL - 1 || !truncated ||
             memcmp(buf, want + 1, TAIL - 1) != 0 || buf[TAIL - 1] != '\0')
        rc = 22;
    else if (mem_read_string(tracee, unaligned_addr(3), buf, 64, &truncated) !=
                 (ssize_t)unaligned_len(3) || truncated)
        rc = 23;
    else if (mem_read(tracee, 0, buf, 8) != -EFAULT)
        rc = 24;
    else if (mem_read(tracee, at(PG_HOLE1, 0), buf, 8) != -EFAULT)
        rc = 25;
    kill(tracee, SIGKILL);
    waitpid(tracee, NULL, 0);
    return rc;
}

static void check_fallback(int refusal)
{
    fflush(NULL);
    pid_t helper = fork();
    assert_true(helper >= 0);
    if (helper == 0)
        _exit(fallback_helper(refusal));
    int status;
    assert_int_equal(waitpid(helper, &status, 0), helper);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_auto_falls_back_on_eperm(void **state)
{
    (void)state;
    check_fallback(EPERM);
}

static void test_auto_falls_back_on_enosys(void **state)
{
    (void)state;
    check_fallback(ENOSYS);
}

/* Other errors are not a reason to try PEEKDATA: a child that is not
 * stopped under ptrace is readable with MEM_VM and MEM_AUTO only. */
static void test_unstopped_child(void **state)
{
    (void)state;
    fflush(NULL);
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t running = fork();
    assert_true(running >= 0);
    if (running == 0) {
        close(pipefd[1]);
        char c;
        while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(pipefd[0]);
    char buf[32];
    bool truncated;
    const char *want = local(PG_CROSS, LONG_OFF);
    mem_set_method(MEM_VM);
    assert_int_equal(mem_read(running, at(PG_CROSS, LONG_OFF), buf, 32), 32);
    assert_memory_equal(buf, want, 32);
    mem_set_method(MEM_AUTO);
    assert_int_equal(mem_read_string(running, at(PG_CROSS, LONG_OFF), buf, 31, &truncated), 31);
    assert_memory_equal(buf, want, 31);
    assert_true(truncated);
    mem_set_method(MEM_PEEK);
    assert_int_equal(mem_read(running, at(PG_CROSS, LONG_OFF), buf, 8), -ESRCH);
    mem_set_method(MEM_AUTO);
    close(pipefd[1]);
    assert_int_equal(waitpid(running, NULL, 0), running);
}

#define METHOD_ENTRIES(fn) \
    cmocka_unit_test(fn##_vm), cmocka_unit_test(fn##_peek), cmocka_unit_test(fn##_auto),
#define VM_METHOD_ENTRIES(fn) cmocka_unit_test(fn##_vm), cmocka_unit_test(fn##_auto),

int main(void)
{
    alarm(120);
    const struct CMUnitTest tests[] = {
        ALL_METHODS(METHOD_ENTRIES)
        VM_METHODS(VM_METHOD_ENTRIES)
        cmocka_unit_test(test_peek_reads_prot_none),
        cmocka_unit_test(test_auto_falls_back_on_eperm),
        cmocka_unit_test(test_auto_falls_back_on_enosys),
        cmocka_unit_test(test_unstopped_child),
    };
    return cmocka_run_group_tests_name("memory", tests, setup_child, teardown_child);
}
