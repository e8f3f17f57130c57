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

/* "sub/../twice" is another name: the ".." after a name the tracee gave
 * stays (docs/scripting.md, sc:path). */
static void test_same_file_listed_once(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "twice");
    e2e_assert_report(t, e2e_paths(t, "twice", "sub/../twice"));
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

/* The kernel follows the link before "..": the path stays as opened
 * rather than being shortened to a file that was not opened. */
static void test_symlink_then_dotdot(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "symlink");
    e2e_assert_report(t, e2e_paths(t, "link/../via-link"));
    assert_true(e2e_exists(e2e_path(t, "sub/via-link")));
    assert_false(e2e_exists(e2e_path(t, "via-link")));
}

/* A thread with its own working directory (unshare(CLONE_FS)). */
static void test_thread_own_cwd(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "thread-cwd");
    e2e_assert_report(t, e2e_paths(t, "sub/thread-rel", "main-rel"));
}

/* The command exits 3 first; its child writes later and is followed. */
static void test_orphan_followed_to_its_end(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "orphan", t->dir);
    e2e_assert_status(t, 3);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "orphan-parent", "orphan-child"));
}

static void test_caught_signal_delivered(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "signal-handled");
    e2e_assert_report(t, e2e_paths(t, "after-sigusr1"));
}

static void test_stopped_and_continued_child(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "stop-cont");
    e2e_assert_report(t, e2e_paths(t, "continued", "stop-cont-after"));
}

/* SIGTERM sent to wtlua reaches the command, whose handler writes a file
 * and exits 5: that file is in the report and 5 is the status. */
static void test_sigterm_passed_on(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "term-tracer", t->dir);
    e2e_assert_status(t, 5);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "before-term", "got-term"));
}

/* 16 threads and 16 processes writing at once: all 80 files, once each. */
static void test_many_concurrent_writers(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "many");
    char expected[8192] = "";
    for (int i = 0; i < 16; i++) {
        strcat(expected, e2e_str("%s/p%02d\n", t->dir, i));
        for (int j = 0; j < 4; j++)
            strcat(expected, e2e_str("%s/t%02d-%d\n", t->dir, i, j));
    }
    e2e_assert_report_unordered(t, expected);
}

/* An open that blocks (a FIFO waiting for its reader) while another
 * thread rewrites the path buffer: the file opened is the one named at
 * entry, DIR/fifo; DIR/not-opened was never opened. */
static void test_path_taken_at_entry_buffer_rewritten(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "fifo-buffer");
    e2e_assert_report(t, e2e_paths(t, "fifo"));
    assert_false(e2e_exists(e2e_path(t, "not-opened")));
}

/* The same with a relative name while another thread changes the shared
 * working directory: DIR/fifo was opened, DIR/sub/fifo does not exist. */
static void test_path_taken_at_entry_cwd_changed(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "fifo-cwd");
    e2e_assert_report(t, e2e_paths(t, "fifo"));
    assert_false(e2e_exists(e2e_path(t, "sub/fifo")));
}

/* What `openers all` writes, in order. */
#define ALL_PATHS                                                                          \
    "parent", "raw-open", "created", "rdwr", "appended", "sub/via-dirfd", "openat2-w",     \
    "sub/openat2-rw", "new\\nline", "tab\\there", "back\\\\slash", "ctl\\x01x", "del\\x7f", \
    "twice", "sub/../twice", "fork-parent", "fork-child", "fork-after", "gc-root",         \
    "gc-grandchild", "gc-child", "gc-root-after", "vfork-sh", "vfork-after", "thread",     \
    "thread-after", "cwd/rel", "up-rel"

static void test_all_modes(void **state)
{
    struct e2e *t = *state;
    run_mode(t, "openers", "all");
    e2e_assert_report(t, e2e_paths(t, ALL_PATHS));
}

/* The same trace whether wtlua always sleeps between stops (--spin=0) or
 * polls for up to a second, the whole run, before it sleeps. */
static void check_all_modes_with(struct e2e *t, const char *spin_option)
{
    e2e_wtlua(t, spin_option, e2e_fixture("openers"), "all", t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, ALL_PATHS));
}

static void test_all_modes_without_polling(void **state)
{
    check_all_modes_with(*state, "--spin=0");
}

static void test_all_modes_polling_long(void **state)
{
    check_all_modes_with(*state, "--spin=1000000");
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
        e2e_test(test_symlink_then_dotdot),
        e2e_test(test_thread_own_cwd),
        e2e_test(test_orphan_followed_to_its_end),
        e2e_test(test_caught_signal_delivered),
        e2e_test(test_stopped_and_continued_child),
        e2e_test(test_sigterm_passed_on),
        e2e_test(test_many_concurrent_writers),
        e2e_test(test_path_taken_at_entry_buffer_rewritten),
        e2e_test(test_path_taken_at_entry_cwd_changed),
        e2e_test(test_all_modes),
        e2e_test(test_all_modes_without_polling),
        e2e_test(test_all_modes_polling_long),
        e2e_test(test_all_modes_32bit),
        e2e_test(test_exec_32bit_from_64bit),
        e2e_test(test_exec_from_thread_32bit),
        e2e_test(test_report_on_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
