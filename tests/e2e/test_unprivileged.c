/* wtlua as an ordinary user (nobody, through setpriv; see e2e.h): the
 * seccomp filter loads (the tracee's /proc status says Seccomp: 2), with
 * PR_SET_NO_NEW_PRIVS set for it only where the kernel insists, so root's
 * commands keep it clear; reports and exit statuses are those of a root
 * run.  And where the filter cannot load, the warning names the step and
 * the errno. */
#include "e2e.h"

/* The status lines that show the filter and no_new_privs of the command. */
static const char status_cmd[] = "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status > status";

static void assert_owned_by_nobody(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        fail_msg("stat %s: %s", path, strerror(errno));
    assert_int_equal(st.st_uid, E2E_NOBODY);
}

/* The default script on a forking fixture, then a shell that records its
 * own filter state: every written file, the filter loaded (without it,
 * NoNewPrivs and Seccomp would both be 0), no warning. */
static void test_default_script(void **state)
{
    struct e2e *t = *state;
    const char *cmd = e2e_str("%s fork %s && %s", e2e_fixture("openers"), t->dir, status_cmd);
    e2e_wtlua_nobody(t, "/bin/sh", "-c", cmd);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "fork-parent", "fork-child", "fork-after", "status"));
    e2e_assert_file(e2e_path(t, "status"), "NoNewPrivs:\t1\nSeccomp:\t2\n");
    assert_owned_by_nobody(e2e_path(t, "fork-child"));
}

/* A process that made itself non-dumpable cannot be read by an ordinary
 * user: its two writes stay unknown, and one warning (not one per call)
 * says which process and why. */
static void test_undumpable_warned_once(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua_nobody(t, e2e_fixture("openers"), "undumpable", t->dir);
    e2e_assert_status(t, 0);
    e2e_assert_report(t, "");
    const char *why = "(openers): it is not dumpable (it set PR_SET_DUMPABLE to 0, or runs a "
                      "program it may not read) and wtlua is not privileged; what it passes by "
                      "pointer stays unknown\n";
    int pid = 0, end = 0;
    assert_int_equal(sscanf(t->err, "wtlua: cannot read process %d %n", &pid, &end), 1);
    assert_true(pid > 0);
    assert_string_equal(t->err + end, why);
    assert_true(e2e_exists(e2e_path(t, "undumpable-2")));
}

/* An i386 command, threads, and the command's own exit status. */
static void test_i386_threads_and_status(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua_nobody(t, e2e_fixture("openers-32"), "thread", t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "thread", "thread-after"));
    e2e_wtlua_nobody(t, e2e_fixture("openers"), "exit", t->dir, "7");
    e2e_assert_status(t, 7);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "before-exit"));
    e2e_wtlua_nobody(t, e2e_fixture("openers"), "signal", t->dir, "15");
    e2e_assert_status(t, 128 + 15);
    e2e_assert_report(t, e2e_paths(t, "before-signal"));
}

/* A bundled script with hooks at many syscalls. */
static void test_files_script(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "existing"), "before\n", 0644);
    e2e_write(e2e_path(t, "tomove"), "before\n", 0644);
    e2e_write(e2e_path(t, "todelete"), "before\n", 0644);
    e2e_wtlua_nobody(t, "-s", "files", "/bin/sh", "-c",
                     e2e_str("echo new > created; echo more >> existing; mv tomove moved; "
                             "mkdir dir; rm todelete; %s",
                             status_cmd));
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    const char *d = t->dir;
    e2e_assert_report(t, e2e_str("create  %s/created\n"
                                 "mkdir   %s/dir\n"
                                 "modify  %s/existing\n"
                                 "rename  %s/tomove -> %s/moved\n"
                                 "create  %s/status\n"
                                 "delete  %s/todelete\n",
                                 d, d, d, d, d, d, d));
    e2e_assert_file(e2e_path(t, "status"), "NoNewPrivs:\t1\nSeccomp:\t2\n");
}

/* strace's rule: root's command gets the filter without no_new_privs,
 * which would keep set-uid programs from working in the trace. */
static void test_root_keeps_new_privs(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "/bin/sh", "-c", status_cmd);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_file(e2e_path(t, "status"), "NoNewPrivs:\t0\nSeccomp:\t2\n");
}

/* A filter the kernel refuses (no room left in the per-process budget of
 * filter instructions): one warning naming the step and the errno, and
 * the command still traced, every syscall stopping, its files listed. */
static void test_filter_refused_is_named(void **state)
{
    struct e2e *t = *state;
    e2e_exec(t, (const char *[]){ e2e_fixture("seccomp_full"), e2e_env("WTLUA"), "-o", t->report,
                                  e2e_fixture("openers"), "fork", t->dir, NULL });
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "wtlua: cannot install the seccomp filter: load failed with "
                                "ENOMEM (Cannot allocate memory); stopping at every syscall "
                                "instead\n");
    e2e_assert_report(t, e2e_paths(t, "fork-parent", "fork-child", "fork-after"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_default_script),
        e2e_test(test_undumpable_warned_once),
        e2e_test(test_i386_threads_and_status),
        e2e_test(test_files_script),
        e2e_test(test_root_keeps_new_privs),
        e2e_test(test_filter_refused_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
