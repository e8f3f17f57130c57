/* Nothing a script or its report does may harm the traced command: a
 * report whose reader has gone, a signal in the middle of a report write,
 * a file the script opened, SIGPIPE as wtlua sets it. */
#include "e2e.h"

#include <sys/syscall.h>

#define RUN_MS 15000

/* A shell loop writing f1..f30, exec'ing /bin/true in between. */
static const char *const thirty_files =
    "for i in $(seq 1 30); do echo x > f$i; /bin/true; done";

static void assert_thirty_files(const struct e2e *t)
{
    for (int i = 1; i <= 30; i++)
        if (!e2e_exists(e2e_path(t, e2e_str("f%d", i))))
            fail_msg("f%d was not written: the command did not run to its end", i);
}

/* `wtlua -s execs ... | head -1`: the reader goes after one line.  The
 * command runs to its end, wtlua says once that the report is lost and
 * exits 125. */
static void test_report_reader_gone_command_runs_on(void **state)
{
    struct e2e *t = *state;
    char fifo[PATH_MAX + 8];
    snprintf(fifo, sizeof fifo, "%s/fifo", t->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    e2e_wtlua_start(t, -1, "-o", fifo, "-s", "execs", "sh", "-c", thirty_files);
    FILE *reader = fopen(fifo, "re");
    assert_non_null(reader);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, reader));
    fclose(reader);
    e2e_finish(t, RUN_MS, NULL);
    assert_thirty_files(t);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, e2e_str("wtlua: %s: Broken pipe; the rest of the report is "
                                        "lost, the command runs on\n", fifo));
}

/* Whether pid is blocked in write(2) (on a full pipe). */
static bool in_write(int pid)
{
    return e2e_blocked_syscall(pid) == SYS_write;
}

/* A SIGTERM while the report blocks on a slow reader: the interrupted
 * write is finished, no line is lost. */
static void test_report_write_survives_signal(void **state)
{
    struct e2e *t = *state;
    const char *fifo = e2e_path(t, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    e2e_wtlua_start(t, -1, "-o", fifo, "-e",
                    "function on_end() for i = 1, 2000 do print(i, ('x'):rep(100)) end end",
                    "true");
    int fd = open(fifo, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    long end = e2e_now_ms() + RUN_MS;
    while (!in_write(t->pid) && e2e_now_ms() < end)
        e2e_sleep_ms(1);
    assert_true(in_write(t->pid));
    kill(t->pid, SIGTERM);
    e2e_wait_signal_taken(t->pid, SIGTERM); /* the write is interrupted */
    FILE *reader = fdopen(fd, "r");
    char line[256];
    int lines = 0, last = 0;
    while (fgets(line, sizeof line, reader)) {
        lines++;
        last = atoi(line);
    }
    fclose(reader);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_int_equal(lines, 2000);
    assert_int_equal(last, 2000);
}

/* A file the script opens never reaches the command; a descriptor wtlua
 * was started with (here 7) does. */
static void test_script_files_not_inherited(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "secret"), "s3cret\n", 0600);
    e2e_write(e2e_path(t, "given"), "given to the command\n", 0644);
    const char *argv[] = {
        "/bin/sh", "-c",
        "exec 7<given; exec \"$0\" -o report -e 'secret = io.open(\"secret\")' sh -c "
        "'cat <&7; for fd in /proc/self/fd/*; do readlink $fd; done'",
        e2e_env("WTLUA"), NULL,
    };
    e2e_exec(t, argv);
    e2e_assert_status(t, 0);
    assert_non_null(strstr(t->out, "given to the command\n"));
    assert_non_null(strstr(t->out, e2e_path(t, "given")));
    if (strstr(t->out, "secret"))
        fail_msg("the script's file reached the command:\n%s", t->out);
}

/* wtlua ignores SIGPIPE for itself; the command gets it as wtlua was
 * given it: at its default action (the shell dies, 128+13), or ignored. */
static void test_sigpipe_as_given(void **state)
{
    struct e2e *t = *state;
    const char *die_by_pipe = "kill -PIPE $$; echo alive";
    e2e_wtlua(t, "-e", "", "sh", "-c", die_by_pipe);
    e2e_assert_status(t, 128 + SIGPIPE);
    assert_string_equal(t->out, "");
    struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
    sigaction(SIGPIPE, &ignore, &old);
    e2e_wtlua(t, "-e", "", "sh", "-c", die_by_pipe);
    sigaction(SIGPIPE, &old, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "alive\n");
}

/* ---- os.exit ends the script, not the command ---- */

/* os.exit in a hook: no hook runs after it (on_end neither), the command
 * runs to its end, and wtlua exits with the status given. */
static void test_os_exit_in_hook_command_runs_on(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
              "local n = 0\n"
              "function on_enter(sc)\n"
              "  n = n + 1\n"
              "  print(n)\n"
              "  if n == 3 then os.exit(7) end\n"
              "end\n"
              "function on_end() print('end') end\n",
              "sh", "-c", thirty_files);
    e2e_assert_status(t, 7);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, "1\n2\n3\n");
    assert_thirty_files(t);
}

/* A pcall or a coroutine around os.exit does not stop it. */
static void test_os_exit_cannot_be_caught(void **state)
{
    struct e2e *t = *state;
    const char *scripts[] = {
        "function on_exec() pcall(os.exit, 5) print('after pcall') end",
        "function on_exec() coroutine.wrap(function() os.exit(5) end)() print('after') end",
        "local co = coroutine.create(function() os.exit(5) end)\n"
        "function on_exec() print(coroutine.resume(co)) print('after') end",
    };
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
        e2e_wtlua(t, "-e", scripts[i], "sh", "-c", "echo x > done");
        e2e_assert_status(t, 5);
        assert_string_equal(t->err, "");
        e2e_assert_report(t, "");
        assert_true(e2e_exists(e2e_path(t, "done")));
        unlink(e2e_path(t, "done"));
    }
}

/* os.exit in the main chunk: the command is never started; in on_end:
 * the status given (true: 0) instead of the command's. */
static void test_os_exit_before_and_after(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "print('main') os.exit(3)", "sh", "-c", "echo x > ran");
    e2e_assert_status(t, 3);
    e2e_assert_report(t, "main\n");
    assert_false(e2e_exists(e2e_path(t, "ran")));
    e2e_wtlua(t, "-e", "function on_end() print('end') os.exit(true) end", "false");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, "end\n");
}

/* ---- a script's own children ---- */

/* io.popen and os.execute work as in Lua, their statuses included, while
 * the stop loop reaps around them: a popen child that outlives the
 * command is not waited for by the loop, and is still there for its close. */
static void test_script_children(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "local early = io.popen('echo early; exit 3')\n"
              "local late = io.popen('sleep 0.5; echo late')\n"
              "local sink = io.popen('cat > sink', 'w')\n"
              "function on_exec() sink:write('to the sink\\n') end\n"
              "function on_end()\n"
              "  print(early:read('l'), early:close())\n"
              "  print(late:read('l'), late:close())\n"
              "  print(sink:close())\n"
              "  print(os.execute('exit 4'))\n"
              "  print(os.execute('kill -TERM $$'))\n"
              "  print(os.execute())\n"
              "end\n",
              e2e_fixture("stress"), "vfork-chain", t->dir, "3");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, "early\tnil\texit\t3\n"
                         "late\ttrue\texit\t0\n"
                         "true\texit\t0\n"
                         "nil\texit\t4\n"
                         "nil\tsignal\t15\n"
                         "true\n");
    e2e_assert_file(e2e_path(t, "sink"), "to the sink\nto the sink\nto the sink\n"
                                         "to the sink\n");
}

/* A ./cjson.lua in the current directory is never loaded by --json (nor
 * anything else from there by a bundled module). */
static void test_current_directory_not_in_module_path(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "cjson.lua"), "io.open('pwned', 'w'):close() return {}\n", 0644);
    e2e_wtlua(t, "--json", "-s", "opens", "sh", "-c", "echo x > out");
    e2e_assert_status(t, 0);
    assert_false(e2e_exists(e2e_path(t, "pwned")));
    char *report = e2e_read(t->report);
    assert_non_null(strstr(report, e2e_str("\"path\":\"%s\"", e2e_path(t, "out"))));
    free(report);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_report_reader_gone_command_runs_on),
        e2e_test(test_report_write_survives_signal),
        e2e_test(test_script_files_not_inherited),
        e2e_test(test_sigpipe_as_given),
        e2e_test(test_os_exit_in_hook_command_runs_on),
        e2e_test(test_os_exit_cannot_be_caught),
        e2e_test(test_os_exit_before_and_after),
        e2e_test(test_script_children),
        e2e_test(test_current_directory_not_in_module_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
