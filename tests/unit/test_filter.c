/* Unit tests for src/filter.c: building the interest from rules, the C
 * check used for tracees without a filter, and the seccomp filter itself.
 *
 * The filter is installed in forked children with no tracer: a syscall
 * the filter sends to the tracer (SCMP_ACT_TRACE) then fails with ENOSYS
 * without running, so "traced" is observable as -ENOSYS.  i386 calls are
 * made from the 64-bit child with int $0x80, which the kernel (and
 * seccomp) treats as the i386 ABI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <seccomp.h>

#include "filter.h"

#define NR64_OPENAT 257
#define NR32_OPENAT 295
#define NR64_OPEN 2
#define NR32_OPEN 5
#define NR32_GETPID 20
#define NR32_CLOSE 6

static const struct arch *x64, *x32;   /* x86_64 and i386 */

static int find_arches(void **state)
{
    (void)state;
    x64 = arch_from_name("x86_64");
    x32 = arch_from_name("i386");
    return x64 && x32 ? 0 : -1;
}

/* ---- building rules ---- */

static struct rule rule_of(const char *name)
{
    struct rule r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", name);
    return r;
}

static void add_cond(struct rule *r, unsigned arg, enum cond_op op, uint64_t value, uint64_t mask)
{
    assert_true(r->ncond < RULE_MAX_CONDS);
    r->conds[r->ncond++] = (struct cond){ arg, op, value, mask };
}

/* The prelude's helpers: any(m), all(m) = masked(m, m), none(m) = masked(m, 0). */
static void any_(struct rule *r, unsigned arg, uint64_t m) { add_cond(r, arg, COND_ANY_BITS, 0, m); }
static void all_(struct rule *r, unsigned arg, uint64_t m) { add_cond(r, arg, COND_MASKED_EQ, m, m); }
static void none_(struct rule *r, unsigned arg, uint64_t m) { add_cond(r, arg, COND_MASKED_EQ, 0, m); }

static void must_add(struct interest *in, const struct rule *r)
{
    char err[256] = "";
    int rc = interest_add(in, r, err, sizeof err);
    if (rc != 0)
        fail_msg("interest_add(%s) failed: %s", r->name, err);
}

/* Adding must fail with exactly this message and change nothing. */
static void must_refuse(const struct rule *r, const char *message)
{
    struct interest in;
    interest_init(&in, false, false);
    char err[256];
    memset(err, 0, sizeof err);
    assert_int_equal(interest_add(&in, r, err, sizeof err), -1);
    assert_string_equal(err, message);
    assert_int_equal(in.nrules, 0);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), 0);
    assert_int_equal(interest_flags(&in, x32, NR32_OPENAT), 0);
    interest_free(&in);
}

/* ---- interest_add ---- */

static void test_add_unknown_syscall(void **state)
{
    (void)state;
    struct rule r = rule_of("no_such_syscall");
    must_refuse(&r, "unknown syscall 'no_such_syscall'");
    r = rule_of("");
    must_refuse(&r, "unknown syscall ''");
}

static void test_add_name_not_terminated(void **state)
{
    (void)state;
    struct rule r = rule_of("openat");
    memset(r.name, 'a', sizeof r.name);
    must_refuse(&r, "syscall name too long");
}

static void test_add_arg_out_of_range(void **state)
{
    (void)state;
    struct rule r = rule_of("openat");
    add_cond(&r, 0, COND_EQ, 1, 0);
    must_refuse(&r, "openat: argument 0 out of range 1..6");
    r = rule_of("openat");
    add_cond(&r, 3, COND_EQ, 1, 0);
    add_cond(&r, 7, COND_EQ, 1, 0);
    must_refuse(&r, "openat: argument 7 out of range 1..6");
    /* 1 and 6 are fine. */
    r = rule_of("openat");
    add_cond(&r, 1, COND_EQ, 1, 0);
    add_cond(&r, 6, COND_EQ, 1, 0);
    struct interest in;
    interest_init(&in, false, false);
    must_add(&in, &r);
    interest_free(&in);
}

static void test_add_bad_operator_and_count(void **state)
{
    (void)state;
    struct rule r = rule_of("openat");
    add_cond(&r, 3, (enum cond_op)(COND_ANY_BITS + 1), 1, 1);
    must_refuse(&r, "openat: unknown comparison");
    r = rule_of("openat");
    r.ncond = RULE_MAX_CONDS + 1;
    must_refuse(&r, "openat: more than 6 conditions");
}

static void test_add_any_zero_mask(void **state)
{
    (void)state;
    struct rule r = rule_of("openat");
    any_(&r, 3, 0);
    must_refuse(&r, "openat: argument 3: any() needs a non-zero mask");
}

static void test_add_combinations(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, false, false);
    /* Mask conditions combine on one argument. */
    struct rule r = rule_of("openat");
    any_(&r, 3, O_WRONLY | O_RDWR);
    none_(&r, 3, O_PATH);
    all_(&r, 3, O_CLOEXEC);
    add_cond(&r, 3, COND_MASKED_EQ, O_APPEND, O_APPEND | O_TRUNC);
    must_add(&in, &r);
    /* Comparisons on different arguments combine. */
    r = rule_of("openat");
    add_cond(&r, 1, COND_EQ, 5, 0);
    add_cond(&r, 3, COND_LT, 5, 0);
    add_cond(&r, 4, COND_GE, 5, 0);
    must_add(&in, &r);
    assert_int_equal(in.nrules, 2);
    interest_free(&in);

    /* Two comparisons, or a comparison and a mask, on one argument do not. */
    const char *msg = "openat: argument 3: only mask conditions (any, all, none, masked) can be combined";
    r = rule_of("openat");
    add_cond(&r, 3, COND_EQ, 1, 0);
    add_cond(&r, 3, COND_LT, 5, 0);
    must_refuse(&r, msg);
    r = rule_of("openat");
    any_(&r, 3, O_WRONLY);
    add_cond(&r, 3, COND_NE, 0, 0);
    must_refuse(&r, msg);
    r = rule_of("openat");
    add_cond(&r, 1, COND_EQ, 1, 0);
    add_cond(&r, 3, COND_GT, 1, 0);
    add_cond(&r, 3, COND_MASKED_EQ, 0, 1);
    must_refuse(&r, msg);
}

static void test_add_too_many_alternatives(void **state)
{
    (void)state;
    /* 9 * 8 = 72 alternatives. */
    struct rule r = rule_of("openat");
    any_(&r, 3, 0x1ff);
    any_(&r, 4, 0xff);
    must_refuse(&r, "openat: conditions expand to more than 64 filter rules");
    /* 8 * 8 = 64 is the limit, and one 64-bit mask is 64 too. */
    struct interest in;
    interest_init(&in, false, false);
    r = rule_of("openat");
    any_(&r, 3, 0xff);
    any_(&r, 4, 0xff00);
    must_add(&in, &r);
    r = rule_of("openat");
    any_(&r, 3, UINT64_MAX);
    must_add(&in, &r);
    interest_free(&in);
}

static void test_add_many_rules(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, false, false);
    for (unsigned i = 0; i < 100; i++) {
        struct rule r = rule_of(i % 2 ? "openat" : "write");
        add_cond(&r, 1, COND_EQ, i, 0);
        must_add(&in, &r);
    }
    assert_int_equal(in.nrules, 100);
    for (unsigned i = 0; i < 100; i++) {
        assert_string_equal(in.rules[i].name, i % 2 ? "openat" : "write");
        assert_int_equal(in.rules[i].conds[0].value, i);
    }
    interest_free(&in);
    assert_int_equal(in.nrules, 0);
    assert_null(in.rules);
}

/* ---- interest_flags ---- */

static void test_flags(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, false, false);
    assert_false(in.everything);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), 0);

    struct rule r = rule_of("openat");
    any_(&r, 3, O_WRONLY);
    must_add(&in, &r);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), NR_TRACED);
    assert_int_equal(interest_flags(&in, x32, NR32_OPENAT), NR_TRACED);
    /* Numbers are per arch: x86_64's 295 is preadv, i386's 257 another call. */
    assert_int_equal(interest_flags(&in, x64, NR32_OPENAT), 0);
    assert_int_equal(interest_flags(&in, x32, NR64_OPENAT), 0);

    r = rule_of("openat");
    r.want_exit = true;
    none_(&r, 3, O_PATH);
    must_add(&in, &r);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), NR_TRACED | NR_EXIT);
    assert_int_equal(interest_flags(&in, x32, NR32_OPENAT), NR_TRACED | NR_EXIT);

    r = rule_of("open");
    must_add(&in, &r);
    assert_int_equal(interest_flags(&in, x64, NR64_OPEN), NR_TRACED | NR_ALWAYS);
    assert_int_equal(interest_flags(&in, x32, NR32_OPEN), NR_TRACED | NR_ALWAYS);
    r.want_exit = true;
    must_add(&in, &r);
    assert_int_equal(interest_flags(&in, x64, NR64_OPEN), NR_TRACED | NR_ALWAYS | NR_EXIT);

    /* Syscalls of one ABI only. */
    r = rule_of("socketcall");
    must_add(&in, &r);
    assert_int_equal(interest_flags(&in, x32, 102), NR_TRACED | NR_ALWAYS);
    assert_int_equal(interest_flags(&in, x64, 102), 0);
    r = rule_of("newfstatat");
    must_add(&in, &r);
    assert_int_equal(interest_flags(&in, x64, 262), NR_TRACED | NR_ALWAYS);
    assert_int_equal(interest_flags(&in, x32, 262), 0);

    /* Everything else, and numbers outside the table. */
    assert_int_equal(interest_flags(&in, x64, 0), 0);
    assert_int_equal(interest_flags(&in, x64, -1), 0);
    assert_int_equal(interest_flags(&in, x64, ARCH_MAX_NR), 0);
    assert_int_equal(interest_flags(&in, x32, 100000), 0);
    interest_free(&in);
}

static void test_flags_everything(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, true, false);
    assert_true(in.everything);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), NR_TRACED | NR_ALWAYS);
    assert_int_equal(interest_flags(&in, x32, 0), NR_TRACED | NR_ALWAYS);
    assert_int_equal(interest_flags(&in, x64, 5000), NR_TRACED | NR_ALWAYS);
    uint64_t args[6] = { 0 };
    assert_true(interest_match(&in, x64, 1, args));
    assert_true(interest_match(&in, x32, 5000, args));
    interest_free(&in);

    interest_init(&in, true, true);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), NR_TRACED | NR_ALWAYS | NR_EXIT);
    assert_int_equal(interest_flags(&in, x32, 3), NR_TRACED | NR_ALWAYS | NR_EXIT);
    interest_free(&in);

    /* A rule added on top of everything (the io_uring bookkeeping's) keeps
     * its exit stop; the other calls still stop at their entry only. */
    interest_init(&in, true, false);
    struct rule r = rule_of("openat");
    r.want_exit = true;
    must_add(&in, &r);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), NR_TRACED | NR_ALWAYS | NR_EXIT);
    assert_int_equal(interest_flags(&in, x64, NR64_OPEN), NR_TRACED | NR_ALWAYS);
    interest_free(&in);

    /* want_exit alone (declared interest) is not "everything". */
    interest_init(&in, false, true);
    assert_false(in.everything);
    assert_false(in.everything_exit);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT), 0);
    assert_false(interest_match(&in, x64, NR64_OPENAT, args));
    interest_free(&in);
}

/* ---- interest_match ---- */

static bool match3(const struct interest *in, const struct arch *arch, uint64_t arg3)
{
    uint64_t args[6] = { (uint64_t)(int64_t)AT_FDCWD, 0x1000, arg3, 0, 0, 0 };
    return interest_match(in, arch, arch == x64 ? NR64_OPENAT : NR32_OPENAT, args);
}

static bool match1(const struct interest *in, const struct arch *arch, uint64_t arg1)
{
    uint64_t args[6] = { arg1, 0, 0, 0, 0, 0 };
    return interest_match(in, arch, arch == x64 ? NR64_OPENAT : NR32_OPENAT, args);
}

static void one_rule(struct interest *in, struct rule *r)
{
    interest_init(in, false, false);
    must_add(in, r);
}

static void test_match_mask_ops(void **state)
{
    (void)state;
    const struct arch *arches[] = { x64, x32 };
    for (size_t a = 0; a < 2; a++) {
        const struct arch *arch = arches[a];
        struct interest in;
        struct rule r = rule_of("openat");
        any_(&r, 3, O_WRONLY | O_RDWR);
        one_rule(&in, &r);
        assert_false(match3(&in, arch, O_RDONLY));
        assert_true(match3(&in, arch, O_WRONLY));
        assert_true(match3(&in, arch, O_RDWR));
        assert_true(match3(&in, arch, O_WRONLY | O_CREAT | O_TRUNC));
        assert_false(match3(&in, arch, O_CREAT | O_CLOEXEC));
        interest_free(&in);

        r = rule_of("openat");
        all_(&r, 3, O_CREAT | O_EXCL);
        one_rule(&in, &r);
        assert_false(match3(&in, arch, O_CREAT));
        assert_false(match3(&in, arch, O_EXCL));
        assert_true(match3(&in, arch, O_CREAT | O_EXCL));
        assert_true(match3(&in, arch, O_CREAT | O_EXCL | O_WRONLY));
        interest_free(&in);

        r = rule_of("openat");
        none_(&r, 3, O_PATH | O_DIRECTORY);
        one_rule(&in, &r);
        assert_true(match3(&in, arch, O_RDONLY));
        assert_true(match3(&in, arch, O_WRONLY));
        assert_false(match3(&in, arch, O_PATH));
        assert_false(match3(&in, arch, O_DIRECTORY | O_RDONLY));
        interest_free(&in);

        r = rule_of("openat");
        add_cond(&r, 3, COND_MASKED_EQ, O_WRONLY, O_ACCMODE);
        one_rule(&in, &r);
        assert_true(match3(&in, arch, O_WRONLY | O_APPEND));
        assert_false(match3(&in, arch, O_RDWR));
        assert_false(match3(&in, arch, O_RDONLY));
        interest_free(&in);

        /* any + none on one argument: both must hold. */
        r = rule_of("openat");
        any_(&r, 3, O_WRONLY | O_RDWR);
        none_(&r, 3, O_PATH);
        one_rule(&in, &r);
        assert_true(match3(&in, arch, O_WRONLY));
        assert_true(match3(&in, arch, O_RDWR | O_CREAT));
        assert_false(match3(&in, arch, O_WRONLY | O_PATH));
        assert_false(match3(&in, arch, O_RDONLY));
        assert_false(match3(&in, arch, O_PATH));
        interest_free(&in);
    }
}

static void test_match_comparisons(void **state)
{
    (void)state;
    const struct arch *arches[] = { x64, x32 };
    for (size_t a = 0; a < 2; a++) {
        const struct arch *arch = arches[a];
        struct interest in;
        struct rule r = rule_of("openat");
        add_cond(&r, 1, COND_EQ, 7, 0);
        one_rule(&in, &r);
        assert_true(match1(&in, arch, 7));
        assert_false(match1(&in, arch, 6));
        assert_false(match1(&in, arch, 8));
        interest_free(&in);

        r = rule_of("openat");
        add_cond(&r, 1, COND_LT, 7, 0);
        one_rule(&in, &r);
        assert_true(match1(&in, arch, 0));
        assert_true(match1(&in, arch, 6));
        assert_false(match1(&in, arch, 7));
        interest_free(&in);

        r = rule_of("openat");
        add_cond(&r, 1, COND_GT, 7, 0);
        one_rule(&in, &r);
        assert_false(match1(&in, arch, 7));
        assert_true(match1(&in, arch, 8));
        interest_free(&in);

        r = rule_of("openat");
        add_cond(&r, 1, COND_NE, 7, 0);
        one_rule(&in, &r);
        assert_false(match1(&in, arch, 7));
        assert_true(match1(&in, arch, 8));
        interest_free(&in);

        r = rule_of("openat");
        add_cond(&r, 1, COND_LE, 7, 0);
        add_cond(&r, 2, COND_GE, 7, 0);
        one_rule(&in, &r);
        uint64_t args[6] = { 7, 7, 0, 0, 0, 0 };
        long nr = arch == x64 ? NR64_OPENAT : NR32_OPENAT;
        assert_true(interest_match(&in, arch, nr, args));
        args[1] = 6;
        assert_false(interest_match(&in, arch, nr, args));
        args[1] = 8;
        args[0] = 8;
        assert_false(interest_match(&in, arch, nr, args));
        interest_free(&in);
    }
}

/* On x86_64 all 64 bits count; on i386 only the low 32 bits exist. */
static void test_match_width(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    add_cond(&r, 1, COND_EQ, 5, 0);
    one_rule(&in, &r);
    assert_false(match1(&in, x64, 0x100000005ull));
    assert_true(match1(&in, x32, 0x100000005ull));
    interest_free(&in);

    /* eq() of a negative int compares the low 32 bits on both ABIs:
     * glibc passes AT_FDCWD zero-extended on x86_64 too. */
    r = rule_of("openat");
    add_cond(&r, 1, COND_EQ, (uint64_t)(int64_t)AT_FDCWD, 0);
    one_rule(&in, &r);
    assert_true(match1(&in, x32, (uint32_t)AT_FDCWD));
    assert_true(match1(&in, x64, (uint32_t)AT_FDCWD));
    assert_true(match1(&in, x64, (uint64_t)(int64_t)AT_FDCWD));
    assert_false(match1(&in, x64, (uint32_t)AT_FDCWD + 1));
    interest_free(&in);

    r = rule_of("openat");
    add_cond(&r, 1, COND_LT, 10, 0);
    one_rule(&in, &r);
    assert_false(match1(&in, x64, 0x100000003ull));
    assert_true(match1(&in, x32, 0x100000003ull));
    interest_free(&in);

    r = rule_of("openat");
    add_cond(&r, 1, COND_GT, 10, 0);
    one_rule(&in, &r);
    assert_true(match1(&in, x64, 0x100000003ull));
    assert_false(match1(&in, x32, 0x100000003ull));
    /* An i386 argument is a 32-bit value: never above UINT32_MAX. */
    interest_free(&in);
    r = rule_of("openat");
    add_cond(&r, 1, COND_GT, 0x100000000ull, 0);
    one_rule(&in, &r);
    assert_false(match1(&in, x32, 1));
    assert_false(match1(&in, x32, 0xffffffffull));
    assert_false(match1(&in, x64, 1));
    assert_true(match1(&in, x64, 0x100000001ull));
    interest_free(&in);

    r = rule_of("openat");
    any_(&r, 1, 1ull << 32);
    one_rule(&in, &r);
    assert_true(match1(&in, x64, 1ull << 32));
    assert_false(match1(&in, x32, 1ull << 32));
    assert_false(match1(&in, x32, 0xffffffffull));
    interest_free(&in);

    r = rule_of("openat");
    any_(&r, 1, (1ull << 32) | 1);
    one_rule(&in, &r);
    assert_false(match1(&in, x32, 2));
    assert_true(match1(&in, x32, 1));
    assert_false(match1(&in, x64, 2));
    interest_free(&in);

    r = rule_of("openat");
    none_(&r, 1, 1ull << 40);
    one_rule(&in, &r);
    assert_false(match1(&in, x64, 1ull << 40));
    assert_true(match1(&in, x32, 1ull << 40));
    interest_free(&in);
}

static void test_match_rules_are_alternatives(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, false, false);
    struct rule r = rule_of("openat");
    all_(&r, 3, O_CREAT);
    must_add(&in, &r);
    r = rule_of("openat");
    all_(&r, 3, O_TRUNC);
    must_add(&in, &r);
    /* A rule of another syscall does not count for openat. */
    r = rule_of("open");
    any_(&r, 2, O_APPEND);
    must_add(&in, &r);
    assert_true(match3(&in, x64, O_CREAT));
    assert_true(match3(&in, x64, O_TRUNC));
    assert_false(match3(&in, x64, O_APPEND));
    assert_false(match3(&in, x32, O_RDONLY));
    assert_true(match3(&in, x32, O_TRUNC | O_WRONLY));
    uint64_t args[6] = { 0x1000, O_APPEND, 0, 0, 0, 0 };
    assert_true(interest_match(&in, x64, NR64_OPEN, args));
    assert_true(interest_match(&in, x32, NR32_OPEN, args));
    args[1] = O_CREAT;
    assert_false(interest_match(&in, x64, NR64_OPEN, args));
    /* Not traced at all. */
    assert_false(interest_match(&in, x64, 0, args));
    assert_false(interest_match(&in, x64, -1, args));
    assert_false(interest_match(&in, x64, 5000, args));

    /* A rule without conditions wins over every other. */
    r = rule_of("openat");
    must_add(&in, &r);
    assert_true(match3(&in, x64, O_RDONLY));
    assert_true(match3(&in, x32, O_APPEND));
    interest_free(&in);
}

/* ---- filter_install in a child ---- */

struct call {
    bool i386;          /* via int $0x80 */
    uint64_t flags;     /* openat's third argument */
};

#define MAX_CALLS 64

struct shared {
    int install_rc;
    char stage[32];
    long result[MAX_CALLS]; /* 0 when the open worked, else -errno */
    long getpid64, getpid32;
};

static long int80(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "b"(a), "c"(b), "d"(c)
                     : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
    return ret;
}

static char *low_path; /* "/dev/null" below 4 GiB, for i386 calls */

static int map_low_path(void **state)
{
    if (find_arches(state) < 0)
        return -1;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                   -1, 0);
    if (p == MAP_FAILED || (uintptr_t)p > UINT32_MAX - 4096)
        return -1;
    low_path = p;
    strcpy(low_path, "/dev/null");
    return 0;
}

static long open_devnull(const struct call *c)
{
    if (c->i386) {
        long fd = (int)int80(NR32_OPENAT, (uint32_t)AT_FDCWD, (long)(uintptr_t)low_path,
                             (uint32_t)c->flags);
        if (fd >= 0)
            int80(NR32_CLOSE, fd, 0, 0);
        return fd < 0 ? fd : 0;
    }
    long fd = syscall(SYS_openat, (long)AT_FDCWD, low_path, (long)c->flags, 0L);
    if (fd < 0)
        return -errno;
    close((int)fd);
    return 0;
}

/* Forks a child that installs the filter for `in` and makes the calls;
 * returns the shared results (munmap them with release_shared). */
static struct shared *run_filtered(const struct interest *in, const struct call *calls,
                                   size_t ncalls)
{
    assert_true(ncalls <= MAX_CALLS);
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    sh->install_rc = 1;
    for (size_t i = 0; i < MAX_CALLS; i++)
        sh->result[i] = 12345;
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS, SIGABRT };
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        enum filter_step step;
        sh->install_rc = filter_install(in, &step);
        snprintf(sh->stage, sizeof sh->stage, "%s", filter_step_name(step));
        if (sh->install_rc == 0) {
            for (size_t i = 0; i < ncalls; i++)
                sh->result[i] = open_devnull(&calls[i]);
            errno = 0;
            sh->getpid64 = syscall(SYS_getpid) < 0 ? -errno : 0;
            sh->getpid32 = int80(NR32_GETPID, 0, 0, 0) < 0 ? -ENOSYS : 0;
        }
        /* With every syscall traced even exit fails; the child then dies
         * of SIGSEGV (glibc's _exit falls through to hlt), which is fine. */
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    return sh;
}

static void release_shared(struct shared *sh)
{
    munmap(sh, sizeof *sh);
}

#define OK 0L
#define TRACED ((long)-ENOSYS)

static void check_calls(const struct interest *in, const struct call *calls, const long *want,
                        size_t n)
{
    struct shared *sh = run_filtered(in, calls, n);
    if (sh->install_rc != 0)
        fail_msg("filter_install: %d (%s) at stage %s", sh->install_rc,
                 strerror(-sh->install_rc), sh->stage);
    for (size_t i = 0; i < n; i++) {
        if (sh->result[i] != want[i])
            fail_msg("call %zu (%s, flags %#llx): got %ld, want %ld", i,
                     calls[i].i386 ? "i386" : "x86_64", (unsigned long long)calls[i].flags,
                     sh->result[i], want[i]);
        /* The C check agrees with the filter. */
        bool traced = sh->result[i] == TRACED;
        if (match3(in, calls[i].i386 ? x32 : x64, calls[i].flags) != traced)
            fail_msg("call %zu (%s, flags %#llx): interest_match says %d, filter %d", i,
                     calls[i].i386 ? "i386" : "x86_64", (unsigned long long)calls[i].flags,
                     !traced, traced);
    }
    /* Untraced calls still work. */
    assert_int_equal(sh->getpid64, 0);
    assert_int_equal(sh->getpid32, 0);
    release_shared(sh);
}

static void test_install_any_wronly(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    any_(&r, 3, O_WRONLY);
    one_rule(&in, &r);
    const struct call calls[] = {
        { false, O_RDONLY }, { false, O_WRONLY }, { false, O_RDWR },
        { false, O_WRONLY | O_CLOEXEC }, { false, O_RDONLY | O_CLOEXEC },
        { true, O_RDONLY }, { true, O_WRONLY }, { true, O_RDWR },
        { true, O_WRONLY | O_APPEND }, { true, O_RDONLY | O_NONBLOCK },
    };
    const long want[] = {
        OK, TRACED, OK, TRACED, OK,
        OK, TRACED, OK, TRACED, OK,
    };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

static void test_install_any_with_none_on_one_arg(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    any_(&r, 3, O_WRONLY | O_RDWR);
    none_(&r, 3, O_PATH);
    one_rule(&in, &r);
    const struct call calls[] = {
        { false, O_RDONLY }, { false, O_WRONLY }, { false, O_RDWR },
        { false, O_WRONLY | O_PATH }, { false, O_RDWR | O_PATH }, { false, O_PATH },
        { false, O_WRONLY | O_CLOEXEC },
        { true, O_RDONLY }, { true, O_WRONLY }, { true, O_RDWR },
        { true, O_WRONLY | O_PATH }, { true, O_RDWR | O_PATH }, { true, O_PATH },
    };
    const long want[] = {
        OK, TRACED, TRACED, OK, OK, OK, TRACED,
        OK, TRACED, TRACED, OK, OK, OK,
    };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

static void test_install_all_and_alternatives(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, false, false);
    struct rule r = rule_of("openat");
    all_(&r, 3, O_WRONLY | O_APPEND);
    must_add(&in, &r);
    r = rule_of("openat");
    add_cond(&r, 3, COND_MASKED_EQ, O_RDWR, O_ACCMODE);
    none_(&r, 3, O_CLOEXEC);
    must_add(&in, &r);
    const struct call calls[] = {
        { false, O_WRONLY }, { false, O_WRONLY | O_APPEND }, { false, O_RDWR },
        { false, O_RDWR | O_CLOEXEC }, { false, O_RDONLY | O_APPEND },
        { true, O_WRONLY }, { true, O_WRONLY | O_APPEND }, { true, O_RDWR },
        { true, O_RDWR | O_CLOEXEC }, { true, O_RDONLY | O_APPEND },
    };
    const long want[] = {
        OK, TRACED, TRACED, OK, OK,
        OK, TRACED, TRACED, OK, OK,
    };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

/* A rule without conditions traps every openat, on both ABIs, and other
 * calls with the same number on the other ABI stay untraced. */
static void test_install_unconditional(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    one_rule(&in, &r);
    const struct call calls[] = {
        { false, O_RDONLY }, { false, O_WRONLY }, { true, O_RDONLY }, { true, O_PATH },
    };
    const long want[] = { TRACED, TRACED, TRACED, TRACED };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

/* Rules for calls that exist on one ABI only still build a filter. */
static void test_install_single_abi_calls(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, false, false);
    struct rule r = rule_of("socketcall");
    must_add(&in, &r);
    r = rule_of("newfstatat");
    must_add(&in, &r);
    r = rule_of("openat");
    all_(&r, 3, O_TRUNC);
    must_add(&in, &r);
    const struct call calls[] = {
        { false, O_RDONLY }, { false, O_WRONLY | O_TRUNC }, { true, O_RDONLY }, { true, O_WRONLY | O_TRUNC },
    };
    const long want[] = { OK, TRACED, OK, TRACED };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

/* x86_64 registers carry 64 bits: a bit above 31 in the flags argument is
 * seen by the filter (the kernel itself ignores it for openat). */
static void test_install_wide_argument(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    any_(&r, 3, 1ull << 33);
    one_rule(&in, &r);
    const struct call calls[] = {
        { false, O_RDONLY }, { false, (1ull << 33) | O_RDONLY }, { false, 1ull << 34 },
    };
    const long want[] = { OK, TRACED, OK };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

/* i386 has no bit 32: any(O_WRONLY | 1 << 32) is any(O_WRONLY) there, as
 * interest_match has it; the filter must not turn the missing bit into a
 * condition that always holds. */
static void test_install_i386_high_mask_bits(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    any_(&r, 3, (1ull << 32) | O_WRONLY);
    one_rule(&in, &r);
    const struct call calls[] = {
        { true, O_RDONLY }, { true, O_WRONLY }, { true, O_RDWR },
        { false, O_RDONLY }, { false, O_WRONLY }, { false, (1ull << 32) | O_RDONLY },
    };
    const long want[] = { OK, TRACED, OK, OK, TRACED, TRACED };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

/* masked(mask, value) is (arg & mask) == value (filter.h), so a value
 * with bits outside the mask never holds, in interest_match and in the
 * filter alike. */
/* (x & mask) == value with value bits outside the mask can never hold:
 * refused up front rather than filtered one way and matched another. */
static void test_masked_value_outside_mask_refused(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, false, false);
    struct rule r = rule_of("openat");
    add_cond(&r, 3, COND_MASKED_EQ, O_WRONLY | O_APPEND, O_WRONLY);
    char err[256];
    assert_int_equal(interest_add(&in, &r, err, sizeof err), -1);
    assert_string_equal(err, "openat: argument 3: masked() value has bits outside the mask");
    interest_free(&in);
}

/* Everything mode: every syscall of both ABIs goes to the tracer. */
static void test_install_everything(void **state)
{
    (void)state;
    struct interest in;
    interest_init(&in, true, false);
    const struct call calls[] = { { false, O_RDONLY }, { true, O_RDONLY } };
    struct shared *sh = run_filtered(&in, calls, 2);
    assert_int_equal(sh->install_rc, 0);
    assert_int_equal(sh->result[0], TRACED);
    assert_int_equal(sh->result[1], TRACED);
    assert_int_equal(sh->getpid64, -ENOSYS);
    assert_int_equal(sh->getpid32, -ENOSYS);
    release_shared(sh);
    interest_free(&in);
}

/* Nothing declared but rules that never match: nothing is traced. */
static void test_install_unsatisfiable(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    any_(&r, 3, O_WRONLY);
    none_(&r, 3, O_WRONLY);
    one_rule(&in, &r);
    const struct call calls[] = {
        { false, O_RDONLY }, { false, O_WRONLY }, { true, O_RDONLY }, { true, O_WRONLY },
    };
    const long want[] = { OK, OK, OK, OK };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

/* ---- no_new_privs ---- */

struct nnp_result {
    int rc;
    enum filter_step step;
    int no_new_privs;
};

/* filter_install in a child running as uid (and gid uid, no groups). */
static struct nnp_result install_as(uid_t uid)
{
    struct nnp_result *res = mmap(NULL, sizeof *res, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(res != MAP_FAILED);
    res->rc = 1;
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        if (uid != 0 && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
                         setresuid(uid, uid, uid) < 0))
            _exit(1);
        struct interest in;
        struct rule r = rule_of("openat");
        one_rule(&in, &r);
        res->rc = filter_install(&in, &res->step);
        res->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct nnp_result copy = *res;
    munmap(res, sizeof *res);
    return copy;
}

/* The kernel refuses an ordinary user's filter without no_new_privs
 * (EACCES, which libseccomp passes on only with SCMP_FLTATR_API_SYSRAWRC):
 * filter_install sets it for such a user, and only for such a user, so
 * set-uid programs keep working in root's traces. */
static void test_no_new_privs_only_when_needed(void **state)
{
    (void)state;
    struct nnp_result user = install_as(65534);
    if (user.rc != 0)
        fail_msg("as uid 65534: %s at %s", strerror(-user.rc), filter_step_name(user.step));
    assert_int_equal(user.no_new_privs, 1);
    struct nnp_result root = install_as(0);
    if (root.rc != 0)
        fail_msg("as root: %s at %s", strerror(-root.rc), filter_step_name(root.step));
    assert_int_equal(root.no_new_privs, 0);
}

/* Two rules with lt: libseccomp 2.5.4 lost "flags < 2^32" for flags 2.
 * Such comparisons stay out of the filter and are checked in C. */
static void two_lt_rules(struct interest *in)
{
    interest_init(in, false, false);
    struct rule below2 = rule_of("openat"), below4g = rule_of("openat");
    add_cond(&below2, 3, COND_LT, 2, 0);
    add_cond(&below4g, 3, COND_LT, 1ull << 32, 0);
    must_add(in, &below2);
    must_add(in, &below4g);
}

static void test_ranges_in_two_rules_checked_in_c(void **state)
{
    (void)state;
    struct interest in;
    struct rule r = rule_of("openat");
    add_cond(&r, 3, COND_LT, 2, 0);
    one_rule(&in, &r); /* one rule: its range is in the filter */
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT) & NR_RECHECK, 0);
    interest_free(&in);

    two_lt_rules(&in);
    assert_int_equal(interest_flags(&in, x64, NR64_OPENAT) & NR_RECHECK, NR_RECHECK);
    assert_int_equal(interest_flags(&in, x32, NR32_OPENAT) & NR_RECHECK, NR_RECHECK);
    assert_true(match3(&in, x64, O_RDWR));
    assert_false(match3(&in, x64, 1ull << 33));
    interest_free(&in);

    /* ge and the two alternatives of an any(): seccomp_rule_add looped
     * forever (the unit test's alarm fails it then). */
    r = rule_of("mmap");
    add_cond(&r, 1, COND_GE, 2, 0);
    any_(&r, 3, 1 | 1ull << 32);
    one_rule(&in, &r);
    assert_int_equal(interest_flags(&in, x64, 9 /* mmap */) & NR_RECHECK, NR_RECHECK);
    void *ctx;
    assert_int_equal(filter_build(&in, &ctx), 0);
    seccomp_release(ctx);
    interest_free(&in);
}

static void test_install_ranges_in_two_rules(void **state)
{
    (void)state;
    struct interest in;
    two_lt_rules(&in);
    const struct call calls[] = {
        { false, O_RDONLY }, { false, O_WRONLY }, { false, O_RDWR }, { false, O_WRONLY | O_CREAT },
        { true, O_RDONLY }, { true, O_RDWR }, { true, O_WRONLY | O_CREAT },
    };
    const long want[] = { TRACED, TRACED, TRACED, TRACED, TRACED, TRACED, TRACED };
    check_calls(&in, calls, want, sizeof calls / sizeof calls[0]);
    interest_free(&in);
}

int main(void)
{
    alarm(120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_unknown_syscall),
        cmocka_unit_test(test_add_name_not_terminated),
        cmocka_unit_test(test_add_arg_out_of_range),
        cmocka_unit_test(test_add_bad_operator_and_count),
        cmocka_unit_test(test_add_any_zero_mask),
        cmocka_unit_test(test_add_combinations),
        cmocka_unit_test(test_add_too_many_alternatives),
        cmocka_unit_test(test_add_many_rules),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_flags_everything),
        cmocka_unit_test(test_match_mask_ops),
        cmocka_unit_test(test_match_comparisons),
        cmocka_unit_test(test_match_width),
        cmocka_unit_test(test_match_rules_are_alternatives),
        cmocka_unit_test(test_install_any_wronly),
        cmocka_unit_test(test_install_any_with_none_on_one_arg),
        cmocka_unit_test(test_install_all_and_alternatives),
        cmocka_unit_test(test_install_unconditional),
        cmocka_unit_test(test_install_single_abi_calls),
        cmocka_unit_test(test_install_wide_argument),
        cmocka_unit_test(test_install_i386_high_mask_bits),
        cmocka_unit_test(test_masked_value_outside_mask_refused),
        cmocka_unit_test(test_install_everything),
        cmocka_unit_test(test_install_unsatisfiable),
        cmocka_unit_test(test_ranges_in_two_rules_checked_in_c),
        cmocka_unit_test(test_install_ranges_in_two_rules),
        cmocka_unit_test(test_no_new_privs_only_when_needed),
    };
    return cmocka_run_group_tests_name("filter", tests, map_low_path, NULL);
}
