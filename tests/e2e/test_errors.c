/* wtlua's own failures: bad command lines, commands that cannot run,
 * broken scripts and failing hooks; and --help, --version. */
#include "e2e.h"

/* stderr must be exactly one line "wtlua: ..." containing `part`. */
static void assert_one_line_error(const struct e2e *t, const char *part)
{
    const char *err = t->err;
    if (strncmp(err, "wtlua: ", 7) != 0 || !strchr(err, '\n') || strchr(err, '\n')[1] != '\0' ||
        !strstr(err, part))
        fail_msg("expected one line 'wtlua: ...%s...', got:\n%s", part, err);
}

/* stderr's first line (or lines) must be exactly `line`. */
static void assert_first_line(const struct e2e *t, const char *line)
{
    size_t len = strlen(line);
    if (strncmp(t->err, line, len) != 0 || t->err[len] != '\n')
        fail_msg("expected a first line '%s', got:\n%s", line, t->err);
}

static void test_missing_command(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "-o", t->report);
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "missing command");
    e2e_run(t, "-e", "print(1)");
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "missing command");
    e2e_write(e2e_path(t, "ok.lua"), "print(1)\n", 0644);
    e2e_run(t, "ok.lua");
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "missing command");
    e2e_run(t, "ok.lua", "--");
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "missing command");
}

static void test_unknown_option(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "--bogus", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "--bogus");
    e2e_run(t, "-Z", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "-Z");
    assert_false(e2e_exists(e2e_path(t, "parent")));
    assert_string_equal(t->out, "");
}

static void test_option_needs_argument(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "-o");
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "-o");
}

static void test_bad_spin_value(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "--spin=5ms", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "invalid --spin '5ms'");
    assert_false(e2e_exists(e2e_path(t, "parent")));
}

/* Options stop at the command: its own options are left alone. */
static void test_options_after_command_belong_to_it(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "--", "/bin/sh", "-c", "echo \"$1\" > out", "sh", "--bogus");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_file(e2e_path(t, "out"), "--bogus\n");
    e2e_assert_report(t, e2e_paths(t, "out"));
}

static void test_command_not_found(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "/nonexistent/cmd");
    e2e_assert_status(t, 127);
    assert_string_equal(t->err, "wtlua: /nonexistent/cmd: No such file or directory\n");
    e2e_assert_report(t, "");
    e2e_wtlua(t, "wtlua-no-such-command");
    e2e_assert_status(t, 127);
    assert_string_equal(t->err, "wtlua: wtlua-no-such-command: No such file or directory\n");
}

static void test_command_not_executable(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "noexec"), "#!/bin/sh\necho ran > ran\n", 0644);
    e2e_wtlua(t, "./noexec");
    e2e_assert_status(t, 126);
    assert_string_equal(t->err, "wtlua: ./noexec: Permission denied\n");
    assert_false(e2e_exists(e2e_path(t, "ran")));
    e2e_wtlua(t, t->dir);
    e2e_assert_status(t, 126);
    assert_string_equal(t->err, e2e_str("wtlua: %s: Is a directory\n", t->dir));
}

/* Found and executable, but the kernel refuses it: the failed execve in
 * the traced child is reported the same way. */
static void test_exec_fails_in_child(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "bad-interp"), "#!/nonexistent/interp\n", 0755);
    e2e_wtlua(t, "./bad-interp");
    e2e_assert_status(t, 127);
    assert_string_equal(t->err, "wtlua: ./bad-interp: No such file or directory\n");
    e2e_assert_report(t, "");
    e2e_write(e2e_path(t, "garbage"), "\x01\x02 not a program\n", 0755);
    e2e_wtlua(t, "./garbage");
    e2e_assert_status(t, 126);
    assert_string_equal(t->err, "wtlua: ./garbage: Exec format error\n");
    e2e_assert_report(t, "");
}

/* A syntax error is reported before anything runs: the command would
 * have created DIR/parent. */
static void test_script_syntax_error(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "broken.lua"), "local x = 1\nif then end\n", 0644);
    e2e_wtlua(t, "broken.lua", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: broken.lua:2: unexpected symbol near 'then'\n");
    assert_false(e2e_exists(e2e_path(t, "parent")));
    e2e_assert_report(t, "");

    const char *abs = e2e_path(t, "broken.lua");
    e2e_wtlua(t, abs, e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, e2e_str("wtlua: %s:2: unexpected symbol near 'then'\n", abs));
    assert_false(e2e_exists(e2e_path(t, "parent")));

    e2e_wtlua(t, "-e", "if then", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: -e:1: unexpected symbol near 'then'\n");
    assert_false(e2e_exists(e2e_path(t, "parent")));
}

static void test_script_missing(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "nope.lua", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_one_line_error(t, "nope.lua");
    assert_false(e2e_exists(e2e_path(t, "parent")));
}

/* A runtime error in the main chunk: nothing runs either. */
static void test_script_runtime_error(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "rt.lua"), "local x = 1\nerror('boom')\n", 0644);
    e2e_wtlua(t, "rt.lua", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: rt.lua:2: boom");
    assert_false(e2e_exists(e2e_path(t, "parent")));
    e2e_assert_report(t, "");

    e2e_wtlua(t, "-e", "local t = nil\nreturn t.field", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: -e:2: attempt to index a nil value (local 't')");
    assert_false(e2e_exists(e2e_path(t, "parent")));

    /* error values that are not strings, with the traceback all errors get */
    e2e_wtlua(t, "-e", "error(setmetatable({}, { __tostring = function() return 'mine' end }))",
              "true");
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: mine\nstack traceback:");
    e2e_wtlua(t, "-e", "error({})", "true");
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: (error object is a table value)\nstack traceback:");
}

/* A declaration the filter cannot take is the user's mistake: one line
 * naming the script's own line (never prelude.lua), with a suggestion for
 * a misspelt syscall; the command is not started. */
static void check_declaration_error(struct e2e *t, const char *script, const char *expected)
{
    e2e_write(e2e_path(t, "decl.lua"), script, 0644);
    e2e_wtlua(t, "decl.lua", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, expected);
    assert_false(e2e_exists(e2e_path(t, "parent")));
}

static void test_bad_trace_declaration(void **state)
{
    struct e2e *t = *state;
    check_declaration_error(t, "-- a comment\nwt.trace { 'opnat' }\n",
                            "wtlua: decl.lua:2: wt.trace: unknown syscall 'opnat' "
                            "(did you mean 'openat'?)\n");
    check_declaration_error(t, "wt.trace { 'no_such_syscall' }\n",
                            "wtlua: decl.lua:1: wt.trace: unknown syscall 'no_such_syscall'\n");
    check_declaration_error(t, "wt.trace { openat = { flgs = 3 } }\n",
                            "wtlua: decl.lua:1: wt.trace: openat has no argument named 'flgs' "
                            "(its arguments: dfd, filename, flags, mode)\n");
    check_declaration_error(t, "wt.trace { openat = { flags = '3' } }\n",
                            "wtlua: decl.lua:1: wt.trace: openat: a condition must be an integer "
                            "or wt.eq/any/all/...(), not string\n");
    check_declaration_error(t, "wt.trace { close = { fd = wt.ge(1.5) } }\n",
                            "wtlua: decl.lua:1: wt.ge: integer expected\n");
    /* refused when the filter is built, after the main chunk */
    check_declaration_error(t, "\n\nwt.trace { openat = { flags = wt.any(0x1ff), "
                               "mode = wt.any(0xff) } }\n",
                            "wtlua: decl.lua:3: wt.trace: openat: conditions expand to more than "
                            "64 filter rules\n");
    check_declaration_error(t, "wt.trace { close = { fd = { wt.ge(1), wt.le(5) } } }\n",
                            "wtlua: decl.lua:1: wt.trace: close: argument 1: only mask conditions "
                            "(any, all, none, masked) can be combined\n");
}

/* Declarations are read once, after the main chunk: wt.trace in a hook is
 * an error, not a silent no-op. */
static void test_trace_in_hook_is_an_error(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "function on_exec() wt.trace { 'openat' } end", e2e_fixture("openers"),
              "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: -e:1: wt.trace: declarations are read once, after the "
                                "main chunk: call wt.trace there, not in a hook\n"
                                "wtlua: hooks disabled; the command runs to its end without them\n");
    assert_true(e2e_exists(e2e_path(t, "parent")));
}

/* wt.error: one line, no traceback, in the main chunk (the command is not
 * started) and in a hook (hooks off); level 0 gives no position. */
static void test_wt_error_is_one_line(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "\nwt.error('no config file')", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: -e:2: no config file\n");
    assert_false(e2e_exists(e2e_path(t, "parent")));
    e2e_wtlua(t, "-e", "function on_exit(p) wt.error('gave up', 0) end", e2e_fixture("openers"),
              "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: gave up\n"
                                "wtlua: hooks disabled; the command runs to its end without them\n");
    assert_true(e2e_exists(e2e_path(t, "parent")));
}

static void test_report_file_cannot_be_created(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "-o", "/nonexistent/dir/report", e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: /nonexistent/dir/report: No such file or directory\n");
    assert_false(e2e_exists(e2e_path(t, "parent")));
}

/* A report that cannot be written is a wtlua error even when the command
 * failed too: the user would otherwise take the missing lines for none. */
static void check_report_write_fails(struct e2e *t, const char *code, const char *command)
{
    e2e_run(t, "-o", "/dev/full", "-e", code, command);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: /dev/full: No space left on device; the rest of the "
                                "report is lost, the command runs on\n");
}

/* Whether /dev/full is there and is the device that is always full. */
static bool have_full_device(void)
{
    int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool full = write(fd, "x", 1) < 0 && errno == ENOSPC;
    close(fd);
    return full;
}

static void test_report_file_cannot_be_written(void **state)
{
    if (!have_full_device())
        skip();
    const char *one_line = "function on_end() print('lost') end";
    check_report_write_fails(*state, one_line, "true");
    check_report_write_fails(*state, one_line, "false");
    /* A line that fills the stream's buffer exactly: glibc drops it and
     * closes the stream without an error. */
    check_report_write_fails(*state, "function on_end() print(('x'):rep(4095)) print('') end",
                             "true");
}

/* An error in a hook: wtlua says where, stops calling hooks (on_end
 * included), lets the command finish, and exits 125 whatever the
 * command's own status. */

/* Prints a count at each write-open, fails at the one numbered `fail_at`. */
static void write_failing_hook(const struct e2e *t, int fail_at)
{
    e2e_write(e2e_path(t, "hook.lua"),
              e2e_str("wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
                      "local n = 0\n"
                      "function on_enter(sc)\n"
                      "  n = n + 1\n"
                      "  print(n)\n"
                      "  if n == %d then error('hook boom') end\n"
                      "end\n"
                      "function on_end() print('end') end\n",
                      fail_at),
              0644);
}

static void test_error_in_hook(void **state)
{
    struct e2e *t = *state;
    write_failing_hook(t, 2);
    e2e_wtlua(t, "hook.lua", e2e_fixture("openers"), "fork", t->dir);
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: hook.lua:6: hook boom");
    e2e_assert_report(t, "1\n2\n");
    assert_true(e2e_exists(e2e_path(t, "fork-parent")));
    assert_true(e2e_exists(e2e_path(t, "fork-child")));
    assert_true(e2e_exists(e2e_path(t, "fork-after")));
}

/* The hook fails at the command's only write-open, which still happens. */
static void test_error_in_hook_command_completes(void **state)
{
    struct e2e *t = *state;
    write_failing_hook(t, 1);
    e2e_wtlua(t, "hook.lua", e2e_fixture("openers"), "exit", t->dir, "7");
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: hook.lua:6: hook boom");
    e2e_assert_report(t, "1\n");
    assert_true(e2e_exists(e2e_path(t, "before-exit")));
}

static void test_error_in_process_hook(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "function on_exit(p)\n  error('exit hook')\nend",
              e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: -e:2: exit hook");
    assert_true(e2e_exists(e2e_path(t, "parent")));
}

static void test_error_in_on_end(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "function on_end()\n  print('ending')\n  error('late')\nend",
              e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 125);
    assert_first_line(t, "wtlua: -e:3: late");
    e2e_assert_report(t, "ending\n");
    assert_true(e2e_exists(e2e_path(t, "parent")));
}

static void test_help(void **state)
{
    struct e2e *t = *state;
    e2e_run(t, "--help");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_true(strncmp(t->out, "Usage: wtlua ", 13) == 0);
    char *long_help = strdup(t->out);
    e2e_run(t, "-h");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, long_help);
    free(long_help);
}

/* --version prints the version the scripts see as wt.version. */
static void test_version(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "print(wt.version)", "/bin/true");
    e2e_assert_status(t, 0);
    char *version = e2e_read(t->report);
    assert_non_null(version);
    assert_true(strlen(version) > 1);
    e2e_run(t, "--version");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_string_equal(t->out, e2e_str("wtlua %s", version));
    free(version);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_missing_command),
        e2e_test(test_unknown_option),
        e2e_test(test_bad_spin_value),
        e2e_test(test_option_needs_argument),
        e2e_test(test_options_after_command_belong_to_it),
        e2e_test(test_command_not_found),
        e2e_test(test_command_not_executable),
        e2e_test(test_exec_fails_in_child),
        e2e_test(test_script_syntax_error),
        e2e_test(test_script_missing),
        e2e_test(test_script_runtime_error),
        e2e_test(test_bad_trace_declaration),
        e2e_test(test_report_file_cannot_be_created),
        e2e_test(test_report_file_cannot_be_written),
        e2e_test(test_error_in_hook),
        e2e_test(test_error_in_hook_command_completes),
        e2e_test(test_error_in_process_hook),
        e2e_test(test_error_in_on_end),
        e2e_test(test_trace_in_hook_is_an_error),
        e2e_test(test_wt_error_is_one_line),
        e2e_test(test_help),
        e2e_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
