/* Unit tests for src/arch.c: architecture lookup and syscall name/number
 * tables for x86_64 and its i386 compat ABI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/audit.h>

#include "arch.h"

static const struct arch *arch_x86_64(void)
{
    const struct arch *a = arch_from_name("x86_64");
    assert_non_null(a);
    return a;
}

static const struct arch *arch_i386(void)
{
    const struct arch *a = arch_from_name("i386");
    assert_non_null(a);
    return a;
}

static void test_arch_all_native_first(void **state)
{
    (void)state;
    size_t count = 0;
    const struct arch *all = arch_all(&count);
    assert_non_null(all);
    assert_int_equal(count, 2);
    assert_string_equal(all[0].name, "x86_64");
    assert_int_equal(all[0].audit, AUDIT_ARCH_X86_64);
    assert_int_equal(all[0].index, 0);
    assert_string_equal(all[1].name, "i386");
    assert_int_equal(all[1].audit, AUDIT_ARCH_I386);
    assert_int_equal(all[1].index, 1);
}

static void test_arch_from_audit(void **state)
{
    (void)state;
    size_t count;
    const struct arch *all = arch_all(&count);
    const struct arch *a = arch_from_audit(AUDIT_ARCH_X86_64);
    assert_ptr_equal(a, &all[0]);
    assert_string_equal(a->name, "x86_64");
    a = arch_from_audit(AUDIT_ARCH_I386);
    assert_ptr_equal(a, &all[1]);
    assert_string_equal(a->name, "i386");
    /* Not traceable by an x86_64 build. */
    assert_null(arch_from_audit(AUDIT_ARCH_AARCH64));
    assert_null(arch_from_audit(AUDIT_ARCH_ARM));
    assert_null(arch_from_audit(0));
    /* x86_64's machine number without the 64-bit flag is no arch. */
    assert_null(arch_from_audit(AUDIT_ARCH_X86_64 & ~__AUDIT_ARCH_64BIT));
}

static void test_arch_from_name(void **state)
{
    (void)state;
    assert_int_equal(arch_x86_64()->audit, AUDIT_ARCH_X86_64);
    assert_int_equal(arch_i386()->audit, AUDIT_ARCH_I386);
    assert_null(arch_from_name("aarch64"));
    assert_null(arch_from_name("x86"));
    assert_null(arch_from_name(""));
    assert_null(arch_from_name("X86_64"));
}

static void test_syscall_nr(void **state)
{
    (void)state;
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "openat"), 257);
    assert_int_equal(arch_syscall_nr(arch_i386(), "openat"), 295);
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "open"), 2);
    assert_int_equal(arch_syscall_nr(arch_i386(), "open"), 5);
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "read"), 0);
    assert_int_equal(arch_syscall_nr(arch_i386(), "read"), 3);
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "execve"), 59);
    assert_int_equal(arch_syscall_nr(arch_i386(), "execve"), 11);
    /* Calls that exist on one ABI only. */
    assert_int_equal(arch_syscall_nr(arch_i386(), "socketcall"), 102);
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "socketcall"), -1);
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "newfstatat"), 262);
    assert_int_equal(arch_syscall_nr(arch_i386(), "newfstatat"), -1);
    /* i386's socket and ipc calls: the direct syscalls (libseccomp gives
     * pseudo numbers for their socketcall/ipc forms); accept has none. */
    assert_int_equal(arch_syscall_nr(arch_i386(), "connect"), 362);
    assert_int_equal(arch_syscall_nr(arch_i386(), "socket"), 359);
    assert_int_equal(arch_syscall_nr(arch_i386(), "shmget"), 395);
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "connect"), 42);
    assert_int_equal(arch_syscall_nr(arch_i386(), "accept"), -1);
    /* Not a syscall at all. */
    assert_int_equal(arch_syscall_nr(arch_x86_64(), "no_such_syscall"), -1);
    assert_int_equal(arch_syscall_nr(arch_i386(), "no_such_syscall"), -1);
    assert_int_equal(arch_syscall_nr(arch_x86_64(), ""), -1);
}

static void test_syscall_name(void **state)
{
    (void)state;
    assert_string_equal(arch_syscall_name(arch_x86_64(), 257), "openat");
    assert_string_equal(arch_syscall_name(arch_i386(), 295), "openat");
    assert_string_equal(arch_syscall_name(arch_x86_64(), 2), "open");
    assert_string_equal(arch_syscall_name(arch_i386(), 5), "open");
    assert_string_equal(arch_syscall_name(arch_x86_64(), 0), "read");
    assert_string_equal(arch_syscall_name(arch_i386(), 3), "read");
    /* The same number names different calls on the two ABIs. */
    assert_string_equal(arch_syscall_name(arch_x86_64(), 295), "preadv");
    assert_string_equal(arch_syscall_name(arch_i386(), 257), "remap_file_pages");
}

static void test_syscall_name_roundtrip(void **state)
{
    (void)state;
    static const char *const names[] = {
        "openat", "open", "close", "write", "execve", "clone", "exit_group",
        "renameat2", "linkat", "unlinkat", "mkdirat", "statx",
    };
    const struct arch *arches[] = { arch_x86_64(), arch_i386() };
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            int nr = arch_syscall_nr(arches[a], names[i]);
            assert_true(nr >= 0);
            assert_string_equal(arch_syscall_name(arches[a], nr), names[i]);
        }
}

static void test_syscall_name_unknown(void **state)
{
    (void)state;
    /* In the cached range but not assigned. */
    assert_string_equal(arch_syscall_name(arch_x86_64(), 999), "syscall_999");
    assert_string_equal(arch_syscall_name(arch_i386(), 1000), "syscall_1000");
    assert_string_equal(arch_syscall_name(arch_x86_64(), ARCH_MAX_NR - 1), "syscall_1023");
    /* Outside the cache. */
    assert_string_equal(arch_syscall_name(arch_x86_64(), ARCH_MAX_NR), "syscall_1024");
    assert_string_equal(arch_syscall_name(arch_i386(), 5000), "syscall_5000");
    assert_string_equal(arch_syscall_name(arch_x86_64(), -1), "syscall_-1");
    assert_string_equal(arch_syscall_name(arch_x86_64(), 0x40000000L + 1), "syscall_1073741825");
}

static void test_syscall_name_is_cached(void **state)
{
    (void)state;
    const char *first = arch_syscall_name(arch_x86_64(), 257);
    const char *again = arch_syscall_name(arch_x86_64(), 257);
    assert_ptr_equal(first, again);
    const char *unknown = arch_syscall_name(arch_i386(), 999);
    assert_ptr_equal(unknown, arch_syscall_name(arch_i386(), 999));
    /* Other lookups do not disturb earlier results. */
    for (long nr = 0; nr < 400; nr++) {
        arch_syscall_name(arch_x86_64(), nr);
        arch_syscall_name(arch_i386(), nr);
    }
    assert_string_equal(first, "openat");
    assert_string_equal(unknown, "syscall_999");
}

/* arch.h promises the returned string "stays valid for the life of the
 * process"; that must hold for numbers outside the cached range too. */
/* Out-of-table numbers share one buffer (valid until the next such call,
 * as arch.h says), so hostile numbers cannot grow a cache; in-table names
 * are unaffected by it. */
static void test_syscall_name_outside_cache(void **state)
{
    (void)state;
    const char *openat = arch_syscall_name(arch_x86_64(), 257);
    assert_string_equal(arch_syscall_name(arch_x86_64(), 5000), "syscall_5000");
    assert_string_equal(arch_syscall_name(arch_x86_64(), 6000), "syscall_6000");
    assert_string_equal(arch_syscall_name(arch_x86_64(), -1), "syscall_-1");
    assert_string_equal(openat, "openat");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arch_all_native_first),
        cmocka_unit_test(test_arch_from_audit),
        cmocka_unit_test(test_arch_from_name),
        cmocka_unit_test(test_syscall_nr),
        cmocka_unit_test(test_syscall_name),
        cmocka_unit_test(test_syscall_name_roundtrip),
        cmocka_unit_test(test_syscall_name_unknown),
        cmocka_unit_test(test_syscall_name_is_cached),
        cmocka_unit_test(test_syscall_name_outside_cache),
    };
    return cmocka_run_group_tests_name("arch", tests, NULL, NULL);
}
