/* Unit tests for src/uring.c: the stops it adds to an interest (which
 * mmaps are ring mmaps, on which ABI) and the names of the operations.
 * Reading real rings is tested end to end (tests/e2e/test_uring.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "uring.h"

static const struct arch *x64, *x32;

static int find_arches(void **state)
{
    (void)state;
    x64 = arch_from_name("x86_64");
    x32 = arch_from_name("i386");
    return x64 && x32 ? 0 : -1;
}

/* mmap(NULL, 4096, prot, flags, fd, offset)'s arguments. */
static bool mmap_stops(const struct interest *in, uint64_t prot, uint64_t flags, uint64_t fd,
                       uint64_t offset)
{
    uint64_t args[6] = { 0, 4096, prot, flags, fd, offset };
    return interest_match(in, x64, SYS_mmap, args);
}

static void test_rules(void **state)
{
    (void)state;
    struct interest in;
    char err[256];
    interest_init(&in, false, false);
    assert_int_equal(uring_add_rules(&in, err, sizeof err), 0);

    assert_int_equal(interest_flags(&in, x64, SYS_io_uring_setup),
                     NR_TRACED | NR_ALWAYS | NR_EXIT);
    assert_int_equal(interest_flags(&in, x64, SYS_io_uring_enter),
                     NR_TRACED | NR_ALWAYS | NR_EXIT);
    assert_int_equal(interest_flags(&in, x64, SYS_mmap), NR_TRACED | NR_EXIT);
    /* i386 tracees' rings are not followed: no stop there */
    assert_int_equal(interest_flags(&in, x32, 425 /* io_uring_setup */), 0);
    assert_int_equal(interest_flags(&in, x32, 426 /* io_uring_enter */), 0);

    const uint64_t rw = PROT_READ | PROT_WRITE, shared = MAP_SHARED | MAP_POPULATE;
    assert_true(mmap_stops(&in, rw, shared, 3, IORING_OFF_SQ_RING));
    assert_true(mmap_stops(&in, rw, shared, 3, IORING_OFF_CQ_RING));
    assert_true(mmap_stops(&in, rw, shared, 3, IORING_OFF_SQES));
    assert_true(mmap_stops(&in, rw, MAP_SHARED_VALIDATE, 3, IORING_OFF_SQES));
    /* glibc's gconv-modules.cache, a library, anonymous memory, another offset */
    assert_false(mmap_stops(&in, PROT_READ, MAP_SHARED, 3, 0));
    assert_false(mmap_stops(&in, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_DENYWRITE, 3, 0));
    assert_false(mmap_stops(&in, rw, MAP_SHARED | MAP_ANONYMOUS, (uint64_t)-1, 0));
    assert_false(mmap_stops(&in, rw, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0));
    assert_false(mmap_stops(&in, rw, MAP_SHARED, 3, 0x1000));
    interest_free(&in);
}

static void test_op_names(void **state)
{
    (void)state;
    assert_string_equal(uring_op_name(IORING_OP_NOP), "nop");
    assert_string_equal(uring_op_name(IORING_OP_OPENAT), "openat");
    assert_string_equal(uring_op_name(IORING_OP_OPENAT2), "openat2");
    assert_string_equal(uring_op_name(IORING_OP_READ_FIXED), "read_fixed");
    assert_string_equal(uring_op_name(IORING_OP_LAST - 1), "sendmsg_zc");
    assert_null(uring_op_name(IORING_OP_LAST));
    assert_null(uring_op_name(255));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_op_names),
    };
    return cmocka_run_group_tests(tests, find_arches, NULL);
}
