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

/* One run of the openers fixture: the files the default script lists,
 * in order, and what else must (not) exist afterwards. */
struct listing {
    const char *fixture, *mode;
    const char *const listed[8];    /* names in DIR, escaped as the report escapes */
    const char *present, *absent;   /* a name that must exist, one that must not */
};

static void check_listing(void **state)
{
    struct e2e *t = *state;
    const struct listing *row = t->param;
    run_mode(t, row->fixture, row->mode);
    e2e_assert_report(t, row->listed[0] ? e2e_paths_v(t, row->listed) : "");
    if (row->present && !e2e_exists(e2e_path(t, row->present)))
        fail_msg("%s: %s does not exist", row->mode, row->present);
    if (row->absent && e2e_exists(e2e_path(t, row->absent)))
        fail_msg("%s: %s exists", row->mode, row->absent);
}

/* FIXTURE MODE, the names listed; LISTING_AND adds a name that must
 * exist and one that must not (NULL: no such check). */
#define LISTING(fixture, mode, ...) { fixture, mode, { __VA_ARGS__ }, NULL, NULL }
#define LISTING_AND(fixture, mode, present, absent, ...) \
    { fixture, mode, { __VA_ARGS__ }, present, absent }

static const struct listing listings[] = {
    LISTING("openers", "parent", "parent"),
    LISTING("openers", "raw-open", "raw-open"),
    LISTING("openers", "creat", "created"),
    LISTING("openers", "rdwr", "rdwr"),
    LISTING("openers", "append", "appended"),
    LISTING("openers", "dirfd", "sub/via-dirfd"),
    LISTING("openers", "chdir", "cwd/rel", "up-rel"),
    /* failed, read-only and O_PATH opens are not listed */
    LISTING_AND("openers", "failed", "exists", NULL),
    LISTING_AND("openers", "readonly", "existing", NULL),
    LISTING("openers", "opath"),
    /* O_RDONLY|O_TRUNC empties a file, O_RDONLY|O_CREAT makes one */
    LISTING("openers", "may-write", "ro-truncated", "ro-created"),
    LISTING("openers", "openat2", "openat2-w", "sub/openat2-rw"),
    LISTING_AND("openers", "newline", "new\nline", NULL, "new\\nline", "tab\\there",
                "back\\\\slash", "ctl\\x01x", "del\\x7f"),
    LISTING("openers", "twice", "twice"),
    LISTING("openers", "fork", "fork-parent", "fork-child", "fork-after"),
    LISTING("openers", "grandchild", "gc-root", "gc-grandchild", "gc-child", "gc-root-after"),
    LISTING("openers", "vfork-sh", "vfork-sh", "vfork-after"),
    LISTING("openers", "thread", "thread", "thread-after"),
    LISTING("openers", "thread-exec", "before-thread-exec", "exec-thread", "exec-target"),
    /* the kernel's name: through the symlink and "..", the file opened */
    LISTING_AND("openers", "symlink", "sub/via-link", "via-link", "sub/via-link"),
    /* a thread with its own working directory (unshare(CLONE_FS)) */
    LISTING("openers", "thread-cwd", "sub/thread-rel", "main-rel"),
    LISTING("openers", "signal-handled", "after-sigusr1"),
    LISTING("openers", "stop-cont", "continued", "stop-cont-after"),
    /* an open blocked on a FIFO while another thread rewrites the path
     * buffer, or changes the working directory: the file opened */
    LISTING_AND("openers", "fifo-buffer", NULL, "not-opened", "fifo"),
    LISTING_AND("openers", "fifo-cwd", NULL, "sub/fifo", "fifo"),
    /* 3000 opens of a buffer another thread keeps rewriting between
     * DIR/real and DIR/re/l: only what the kernel opened */
    LISTING("openers", "race", "real"),
    /* O_TMPFILE files, by the names linkat gives them; one never linked */
    LISTING("openers", "tmpfile", "tmp-via-proc", "tmp-via-fd"),
    /* /proc/self/fd/N/name */
    LISTING("openers", "procfd", "sub/procfd"),
    LISTING("openers-32", "thread-exec", "before-thread-exec", "exec-thread", "exec-target"),
    LISTING("openers-32", "may-write", "ro-truncated", "ro-created"),
    LISTING("openers-32", "race", "real"),
    LISTING("openers-32", "tmpfile", "tmp-via-proc", "tmp-via-fd"),
    LISTING("openers-32", "procfd", "sub/procfd"),
};

static void test_vfork_exec_self(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "vfork-exec", t->dir, e2e_fixture("openers"), "fork");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "fork-parent", "fork-child", "fork-after",
                                   "vfork-exec-after"));
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

/* The command exits 3 first; its child writes later and is followed. */
static void test_orphan_followed_to_its_end(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "orphan", t->dir);
    e2e_assert_status(t, 3);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "orphan-parent", "orphan-child"));
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

/* open_by_handle_at for writing is listed, by the kernel's name (the
 * fixture exits 77 without CAP_DAC_READ_SEARCH: skipped). */
static void test_open_by_handle(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_fixture("openers"), "by-handle", t->dir);
    if (t->status == 77)
        skip();
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "by-handle"));
}

/* Files listed and then renamed (installers' *.new files): the list is
 * what was opened, and a closing hint on stderr says where to look. */
static void test_renamed_files_hint(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "/bin/sh", "-c", "echo x > a.new && mv a.new a && echo y > b.new && "
              "mv b.new b && echo z > c");
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_paths(t, "a.new", "b.new", "c"));
    assert_string_equal(t->err, "wtlua: 2 of these files were renamed afterwards (as installers "
                                "do with *.new files); `wtlua -s files` shows the final names\n");
}

/* Without -o the report shares standard error with wtlua's own messages
 * (here a regular file, which stdio would block-buffer): the hint still
 * comes after the list. */
static void test_renamed_files_hint_after_report_on_stderr(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "/bin/sh", "-c", "echo x > a.new && mv a.new a && echo z > c");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, e2e_str("%s%s", e2e_paths(t, "a.new", "c"),
                                        "wtlua: 1 of these files was renamed afterwards (as "
                                        "installers do with *.new files); `wtlua -s files` "
                                        "shows the final names\n"));
}

/* The default script takes no arguments: an unknown one is refused. */
static void test_unknown_argument_refused(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-a", "under=/tmp", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: writes: unknown argument 'under' (see wtlua -s writes "
                                "--help)\n");
    assert_false(e2e_exists(e2e_path(t, "parent")));
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

/* -o - puts the report on standard output. */
static void test_report_on_stdout(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "-o", "-", e2e_fixture("openers"), "fork", t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, e2e_paths(t, "fork-parent", "fork-child", "fork-after"));
    assert_string_equal(t->err, "");
    assert_false(e2e_exists(e2e_path(t, "-")));
}

int main(void)
{
    static struct CMUnitTest tests[sizeof listings / sizeof listings[0] + 32];
    size_t n = 0;
    for (size_t i = 0; i < sizeof listings / sizeof listings[0]; i++) {
        const struct listing *row = &listings[i];
        char *label;
        if (asprintf(&label, "%s %s", row->fixture, row->mode) < 0)
            return 1;
        tests[n++] = (struct CMUnitTest)e2e_row(label, check_listing, row);
    }
    const struct CMUnitTest named[] = {
        e2e_test(test_vfork_exec_self),
        e2e_test(test_exit_status),
        e2e_test(test_killed_by_signal),
        e2e_test(test_orphan_followed_to_its_end),
        e2e_test(test_sigterm_passed_on),
        e2e_test(test_many_concurrent_writers),
        e2e_test(test_all_modes),
        e2e_test(test_all_modes_without_polling),
        e2e_test(test_all_modes_polling_long),
        e2e_test(test_all_modes_32bit),
        e2e_test(test_exec_32bit_from_64bit),
        e2e_test(test_open_by_handle),
        e2e_test(test_renamed_files_hint),
        e2e_test(test_renamed_files_hint_after_report_on_stderr),
        e2e_test(test_unknown_argument_refused),
        e2e_test(test_report_on_stderr),
        e2e_test(test_report_on_stdout),
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        tests[n++] = named[i];
    return _cmocka_run_group_tests("test_default", tests, n, NULL, NULL);
}
