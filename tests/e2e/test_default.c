/* The default script against the openers fixture: exactly the files
 * opened for writing, each once, absolute, in order, escaped; and the
 * command's exit status passed through. */
#include "e2e.h"

/* wtlua -o DIR/report FIXTURE MODE DIR [extra]: exits 0, stderr empty. */
static void run_mode(struct e2e *t, const char *fixture, const char *mode)
{
    e2e_wtlua(t, e2e_fixture(fixture), mode, t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
}

static void test_parent(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "parent");
    e2e_assert_report(t, e2e_paths(t, "parent"));
}

static void test_raw_open_syscall(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "raw-open");
    e2e_assert_report(t, e2e_paths(t, "raw-open"));
}

static void test_creat(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "creat");
    e2e_assert_report(t, e2e_paths(t, "created"));
}

static void test_rdwr(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "rdwr");
    e2e_assert_report(t, e2e_paths(t, "rdwr"));
}

static void test_append(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "append");
    e2e_assert_report(t, e2e_paths(t, "appended"));
}

static void test_dirfd(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "dirfd");
    e2e_assert_report(t, e2e_paths(t, "sub/via-dirfd"));
}

static void test_chdir_relative(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "chdir");
    e2e_assert_report(t, e2e_paths(t, "cwd/rel", "up-rel"));
}

/* Failed, read-only and O_PATH opens are not listed: an empty report. */
static void test_failed_open_not_listed(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "failed");
    e2e_assert_report(t, "");
    assert_true(e2e_exists(e2e_path(t, "exists")));
}

static void test_readonly_not_listed(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "readonly");
    e2e_assert_report(t, "");
    assert_true(e2e_exists(e2e_path(t, "ro-created")));
}

static void test_opath_not_listed(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "opath");
    e2e_assert_report(t, "");
}

static void test_openat2(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "openat2");
    e2e_assert_report(t, e2e_paths(t, "openat2-w", "sub/openat2-rw"));
}

static void test_control_bytes_escaped(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "newline");
    e2e_assert_report(t, e2e_paths(t, "new\\nline", "tab\\there", "back\\\\slash", "ctl\\x01x",
                                   "del\\x7f"));
    assert_true(e2e_exists(e2e_path(t, "new\nline")));
}

static void test_same_file_listed_once(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "twice");
    e2e_assert_report(t, e2e_paths(t, "twice"));
}

static void test_fork(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "fork");
    e2e_assert_report(t, e2e_paths(t, "fork-parent", "fork-child", "fork-after"));
}

static void test_grandchild(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "grandchild");
    e2e_assert_report(t, e2e_paths(t, "gc-root", "gc-grandchild", "gc-child", "gc-root-after"));
}

static void test_vfork_exec_shell(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "vfork-sh");
    e2e_assert_report(t, e2e_paths(t, "vfork-sh", "vfork-after"));
    e2e_assert_file(e2e_path(t, "vfork-sh"), "hi\n");
}

static void test_vfork_exec_self(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "vfork-exec", t->dir, e2e_fixture("openers"), "fork");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "fork-parent", "fork-child", "fork-after",
                                   "vfork-exec-after"));
}

static void test_thread(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "thread");
    e2e_assert_report(t, e2e_paths(t, "thread", "thread-after"));
}

static void test_exec_from_thread(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "thread-exec");
    e2e_assert_report(t, e2e_paths(t, "before-thread-exec", "exec-thread", "exec-target"));
}

static void test_exit_status(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "exit", t->dir, "42");
    e2e_assert_status(t, 42);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "before-exit"));
}

static void test_killed_by_signal(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "signal", t->dir, "15");
    e2e_assert_status(t, 128 + SIGTERM);
    e2e_assert_report(t, e2e_paths(t, "before-signal"));
    e2e_wtlua(t, e2e_fixture("openers"), "signal", t->dir, "9");
    e2e_assert_status(t, 128 + SIGKILL);
    e2e_assert_report(t, e2e_paths(t, "before-signal"));
}

/* What `openers all` writes, in order. */
#define ALL_PATHS                                                                          \
    "parent", "raw-open", "created", "rdwr", "appended", "sub/via-dirfd", "openat2-w",     \
    "sub/openat2-rw", "new\\nline", "tab\\there", "back\\\\slash", "ctl\\x01x", "del\\x7f", \
    "twice", "fork-parent", "fork-child", "fork-after", "gc-root", "gc-grandchild",        \
    "gc-child", "gc-root-after", "vfork-sh", "vfork-after", "thread", "thread-after",      \
    "cwd/rel", "up-rel"

static void test_all_modes(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "all");
    e2e_assert_report(t, e2e_paths(t, ALL_PATHS));
}

/* An i386 tracee: the same opens, the same list. */
static void test_all_modes_32bit(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers-32", "all");
    e2e_assert_report(t, e2e_paths(t, ALL_PATHS));
}

/* One trace, both architectures: x86_64 vforks and execs the i386 build. */
static void test_exec_32bit_from_64bit(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "vfork-exec", t->dir, e2e_fixture("openers-32"), "all");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, ALL_PATHS, "vfork-exec-after"));
}

static void test_exec_from_thread_32bit(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers-32", "thread-exec");
    e2e_assert_report(t, e2e_paths(t, "before-thread-exec", "exec-thread", "exec-target"));
}

/* Without -o the report goes to standard error, and nothing else does. */
static void test_report_on_stderr(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, e2e_fixture("openers"), "fork", t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, e2e_paths(t, "fork-parent", "fork-child", "fork-after"));
    assert_string_equal(t->out, "");
    assert_false(e2e_exists(t->report));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_parent),
        e2e_test(test_raw_open_syscall),
        e2e_test(test_creat),
        e2e_test(test_rdwr),
        e2e_test(test_append),
        e2e_test(test_dirfd),
        e2e_test(test_chdir_relative),
        e2e_test(test_failed_open_not_listed),
        e2e_test(test_readonly_not_listed),
        e2e_test(test_opath_not_listed),
        e2e_test(test_openat2),
        e2e_test(test_control_bytes_escaped),
        e2e_test(test_same_file_listed_once),
        e2e_test(test_fork),
        e2e_test(test_grandchild),
        e2e_test(test_vfork_exec_shell),
        e2e_test(test_vfork_exec_self),
        e2e_test(test_thread),
        e2e_test(test_exec_from_thread),
        e2e_test(test_exit_status),
        e2e_test(test_killed_by_signal),
        e2e_test(test_all_modes),
        e2e_test(test_all_modes_32bit),
        e2e_test(test_exec_32bit_from_64bit),
        e2e_test(test_exec_from_thread_32bit),
        e2e_test(test_report_on_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
