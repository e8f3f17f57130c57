/* Signals to wtlua while it runs a command: passed on to the command (sent
 * by a process) or not (a terminal's Ctrl-C, which reached the command
 * already), a second one kills, the report always comes out; and errors
 * and runaway loops in hooks.  Fixture: stress.
 *
 * This program is a child subreaper, so that processes of a killed
 * command tree come back to it and can be checked. */
#include "e2e.h"

#include <sys/prctl.h>
#include <sys/ioctl.h>

#define RUN_MS 10000

#define HOOKS_OFF "wtlua: hooks disabled; the command runs to its end without them\n"

/* SIGTERM, SIGHUP and SIGINT from a process reach the command, which dies
 * of it: its status is wtlua's (128+N), and the report comes out.  The
 * HUP case stops at every syscall's exit too. */
static void test_signal_passed_on_command_dies(void **state)
{
    struct e2e *t = *state;
    const int sigs[] = { SIGTERM, SIGHUP, SIGINT };
    for (size_t i = 0; i < 3; i++) {
        rmdir(e2e_path(t, "go"));
        unlink(e2e_path(t, "ready"));
        if (sigs[i] == SIGHUP)
            e2e_wtlua_start(t, -1, "-e",
                            "local n = 0\n"
                            "function on_return(sc) n = n + 1 end\n"
                            "function on_end() print(n > 0) end\n",
                            e2e_fixture("stress"), "wait-signal", t->dir);
        else
            e2e_wtlua_start(t, -1, e2e_fixture("stress"), "wait-signal", t->dir);
        e2e_await_path(t, "ready");
        kill(t->pid, sigs[i]);
        e2e_finish(t, RUN_MS, NULL);
        e2e_assert_status(t, 128 + sigs[i]);
        assert_string_equal(t->err, "");
        e2e_assert_report(t, sigs[i] == SIGHUP ? "true\n" : e2e_paths(t, "ready"));
    }
}

/* A command that ignores SIGTERM runs on to its end; then the report. */
static void test_sigterm_ignored_command_runs_to_its_end(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua_start(t, -1, e2e_fixture("stress"), "ignore", t->dir, "15");
    e2e_await_path(t, "ready");
    kill(t->pid, SIGTERM);
    e2e_await_path(t, "ignored"); /* passed on, and ignored */
    assert_true(e2e_running(t));
    assert_false(e2e_exists(e2e_path(t, "done")));
    e2e_mark(t, "go");
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "ready", "done"));
}

/* A signal wtlua was started with ignored (nohup's SIGHUP) stays ignored,
 * as it would for the command alone: two of them, which wtlua would
 * otherwise answer by killing the command, change nothing. */
static void test_signal_ignored_at_start_stays_ignored(void **state)
{
    struct e2e *t = *state;
    struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
    sigaction(SIGHUP, &ignore, &old);
    e2e_wtlua_start(t, -1, e2e_fixture("stress"), "ignore", t->dir, "1");
    sigaction(SIGHUP, &old, NULL);
    e2e_await_path(t, "ready");
    kill(t->pid, SIGHUP);
    e2e_wait_signal_taken(t->pid, SIGHUP); /* two pending SIGHUPs would be one */
    kill(t->pid, SIGHUP);
    e2e_wait_signal_taken(t->pid, SIGHUP);
    /* Caught, the first SIGHUP would have been passed on (the directory
     * ignored) and the second would have killed the command. */
    e2e_let_nothing_happen(200);
    assert_true(e2e_running(t));
    assert_false(e2e_exists(e2e_path(t, "ignored")));
    e2e_mark(t, "go");
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "ready", "done"));
}

/* "PPid:" of a process, 0 when it cannot be read. */
static int parent_of(int pid)
{
    return atoi(e2e_proc_status(pid, "PPid"));
}

/* A command and its child both ignore SIGINT: the first SIGINT leaves
 * them running, the second kills both (128+9), the report comes out, and
 * neither is left: the command was reaped by wtlua, the orphaned child
 * came back to this subreaper, killed. */
static void test_second_sigint_kills_the_tree(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua_start(t, -1, e2e_fixture("stress"), "ignore-tree", t->dir);
    e2e_await_path(t, "parent-ready");
    int child = (int)e2e_await_number(t, "child-ready");
    assert_true(child > 0);
    int root = parent_of(child);
    assert_int_equal(parent_of(root), t->pid);

    kill(t->pid, SIGINT);
    e2e_await_path(t, "parent-ignored");
    e2e_await_path(t, "child-ignored");
    assert_true(e2e_running(t));
    assert_int_equal(kill(child, 0), 0);
    kill(t->pid, SIGINT);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 128 + SIGKILL);
    assert_string_equal(t->err, "");
    e2e_assert_report_unordered(t, e2e_paths(t, "parent-ready", "child-ready"));

    assert_true(kill(root, 0) < 0 && errno == ESRCH);
    int status = 0;
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r != child)
        fail_msg("the command's child %d was not reaped here (waitpid: %d, %s)", child, (int)r,
                 strerror(errno));
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* ---- a terminal's Ctrl-C ---- */

/* Starts wtlua like e2e_wtlua_start but as the leader of a new session
 * whose controlling terminal is a pty; returns the pty's master side. */
static int start_in_pty(struct e2e *t, const char *const args[])
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
        fail_msg("pty: %s", strerror(errno));
    const char *slave = e2e_str("%s", ptsname(master));
    const char *argv[E2E_MAX_ARGS];
    e2e_wtlua_argv(t, argv, args);
    if (e2e_fork_run(t, argv) == 0) {
        if (setsid() < 0)
            _exit(124);
        int fd = open(slave, O_RDWR); /* the session's controlling terminal */
        if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0 || dup2(fd, 0) < 0)
            _exit(124);
        close(fd);
        e2e_exec_child(t, argv);
    }
    return master;
}

/* Ctrl-C on the terminal reaches wtlua and the command together; wtlua
 * does not send the command a second SIGINT, and one Ctrl-C kills
 * nothing: the command counts exactly one. */
static void test_terminal_ctrl_c_not_passed_on_again(void **state)
{
    struct e2e *t = *state;
    int master = start_in_pty(t, (const char *const[]){ e2e_fixture("stress"), "count-int",
                                                         t->dir, NULL });
    e2e_await_path(t, "ready");
    if (write(master, "\003", 1) != 1)
        fail_msg("write to the pty: %s", strerror(errno));
    e2e_await_path(t, "got-int");
    e2e_wait_signal_taken(t->pid, SIGINT);
    /* The command waits 200 ms more after go, for a SIGINT wtlua would
     * wrongly send it again. */
    e2e_mark(t, "go");
    e2e_finish(t, RUN_MS, NULL);
    close(master);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_file(e2e_path(t, "ints"), "1");
    e2e_assert_report(t, e2e_paths(t, "ready", "ints"));
}

/* ---- errors and runaway loops in hooks ---- */

/* The hook fails at the first write-open, the deepest of a vfork chain:
 * message, traceback, "hooks disabled"; no hook runs again (on_end
 * neither); the whole chain still completes; 125. */
static void test_hook_error_command_completes(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "hook.lua"),
              "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
              "function on_return(sc)\n"
              "  print('return', sc.ret >= 0)\n"
              "  error('boom')\n"
              "end\n"
              "function on_end() print('end') end\n",
              0644);
    e2e_wtlua(t, "hook.lua", e2e_fixture("stress"), "vfork-chain", t->dir, "5");
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: hook.lua:4: boom\n"
                                "stack traceback:\n"
                                "\t[C]: in function 'error'\n"
                                "\thook.lua:4: in function 'on_return'\n" HOOKS_OFF);
    e2e_assert_report(t, "return\ttrue\n");
    for (int i = 0; i <= 5; i++)
        assert_true(e2e_exists(e2e_path(t, e2e_str("vfork-%d", i))));
}

/* The runaway hooks' first line: it makes the file in-hook, the sign that
 * the hook runs (on the same line as the print, so that the loops stay on
 * the lines the tracebacks name). */
#define HOOK_BEGINS "  print('enter') io.open('in-hook', 'w'):close()\n"

static const char *const loop_script =
    "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
    "function on_enter(sc)\n"
    HOOK_BEGINS
    "  while true do end\n"
    "end\n"
    "function on_end() print('end') end\n";

/* Sleeps until the monotonic clock is between ms and ms+20 milliseconds
 * into a second. */
static void align_to(long ms)
{
    while (e2e_now_ms() % 1000 < ms || e2e_now_ms() % 1000 >= ms + 20)
        e2e_sleep_ms(1);
}

/* The hook loops forever at the command's first write-open; a SIGINT
 * 1.5 s after it began (about `phase` ms into a second) ends it with
 * "interrupted"; the command, which ignores SIGINT, completes; hooks stay
 * off, so on_end does not run; 125. */
static void check_runaway(struct e2e *t, long phase, const char *script, const char *err)
{
    e2e_write(e2e_path(t, "hook.lua"), script, 0644);
    e2e_wtlua_start(t, -1, "hook.lua", e2e_fixture("stress"), "hook-loop", t->dir);
    e2e_await_path(t, "waiting");
    align_to(phase);
    e2e_mark(t, "go");
    e2e_await_path(t, "in-hook");
    long started = e2e_now_ms();
    /* Not an order but the length under test: only a hook that has run
     * for over a second is interrupted. */
    e2e_sleep_ms(1500);
    kill(t->pid, SIGINT);
    long end = e2e_now_ms() + 3000;
    while (e2e_running(t) && e2e_now_ms() < end)
        e2e_sleep_ms(5);
    bool stuck = e2e_running(t);
    if (stuck)
        kill(t->pid, SIGINT); /* the second one forces it */
    e2e_finish(t, RUN_MS, NULL);
    if (stuck)
        fail_msg("a SIGINT %ld ms into the hook (which began %ld ms into a second) did not "
                 "interrupt it; stderr after a second SIGINT:\n%s",
                 1500L, started % 1000, t->err);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, err);
    e2e_assert_report(t, "enter\n");
    assert_true(e2e_exists(e2e_path(t, "first")));
    assert_true(e2e_exists(e2e_path(t, "second")));
}

static void check_runaway_hook(struct e2e *t, long phase)
{
    check_runaway(t, phase, loop_script,
                  "wtlua: interrupted\n"
                  "stack traceback:\n"
                  "\thook.lua:4: in function 'on_enter'\n" HOOKS_OFF);
}

/* A pcall in the hook cannot swallow the interrupt: it is raised again at
 * the next instruction until the hook has returned. */
static void test_runaway_hook_in_pcall(void **state)
{
    check_runaway(*state, 100,
                  "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
                  "function on_enter(sc)\n"
                  HOOK_BEGINS
                  "  while true do pcall(function() while true do end end) end\n"
                  "end\n"
                  "function on_end() print('end') end\n",
                  "wtlua: interrupted\n"
                  "stack traceback:\n"
                  "\thook.lua:4: in function 'on_enter'\n" HOOKS_OFF);
}

/* The interrupt reaches a coroutine created before any hook ran (Lua's
 * hooks are per coroutine), and then the hook that resumed it. */
static void test_runaway_hook_in_coroutine(void **state)
{
    check_runaway(*state, 100,
                  "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
                  "local co = coroutine.create(function() while true do end end)\n"
                  "function on_enter(sc)\n"
                  HOOK_BEGINS
                  "  while true do coroutine.resume(co) end\n"
                  "end\n"
                  "function on_end() print('end') end\n",
                  "wtlua: interrupted\n"
                  "stack traceback:\n"
                  "\thook.lua:5: in function 'on_enter'\n" HOOKS_OFF);
}

static void test_runaway_hook_interrupted_early_in_a_second(void **state)
{
    check_runaway_hook(*state, 100);
}

static void test_runaway_hook_interrupted_late_in_a_second(void **state)
{
    check_runaway_hook(*state, 600);
}

/* A SIGINT before the hook has run for a second leaves it running; the
 * second one interrupts it at once and kills the command, which gets no
 * further than its first write-open. */
static void test_runaway_hook_second_sigint(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "hook.lua"), loop_script, 0644);
    e2e_wtlua_start(t, -1, "hook.lua", e2e_fixture("stress"), "hook-loop", t->dir);
    e2e_await_path(t, "waiting");
    e2e_mark(t, "go");
    e2e_await_path(t, "in-hook");
    kill(t->pid, SIGINT);
    e2e_wait_signal_taken(t->pid, SIGINT);
    /* Had it ended the hook, the command would run to its end. */
    e2e_let_nothing_happen(300);
    assert_true(e2e_running(t));
    kill(t->pid, SIGINT);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: interrupted\n"
                                "stack traceback:\n"
                                "\thook.lua:4: in function 'on_enter'\n" HOOKS_OFF);
    e2e_assert_report(t, "enter\n");
    assert_false(e2e_exists(e2e_path(t, "second")));
}

int main(void)
{
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("prctl");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        e2e_test(test_signal_passed_on_command_dies),
        e2e_test(test_sigterm_ignored_command_runs_to_its_end),
        e2e_test(test_signal_ignored_at_start_stays_ignored),
        e2e_test(test_second_sigint_kills_the_tree),
        e2e_test(test_terminal_ctrl_c_not_passed_on_again),
        e2e_test(test_hook_error_command_completes),
        e2e_test(test_runaway_hook_interrupted_early_in_a_second),
        e2e_test(test_runaway_hook_interrupted_late_in_a_second),
        e2e_test(test_runaway_hook_second_sigint),
        e2e_test(test_runaway_hook_in_pcall),
        e2e_test(test_runaway_hook_in_coroutine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
