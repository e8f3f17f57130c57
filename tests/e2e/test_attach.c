/* Attaching with -p to processes this test started (not wtlua's children):
 * what they write while attached is listed; SIGINT, SIGTERM or SIGHUP to
 * wtlua detaches and it exits 0; afterwards they are neither traced nor
 * stopped and run on as before, signal handlers included.  Threads and
 * children made after attaching are followed; refusals are explained.
 * Fixture: `stress serve`, driven line by line through pipes. */
#include "e2e.h"

#include <dirent.h>
#include <poll.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#define RUN_MS 10000
#define REPLY_MS 5000

struct target {
    pid_t pid;
    int in, out;            /* its stdin (we write), its stdout (we read) */
};

/* Everything a test started, killed in teardown whatever happened. */
static struct target targets[4];
static size_t ntargets;
static pid_t strays[8];
static size_t nstrays;

/* A line from fd (without the newline), waiting at most REPLY_MS. */
static const char *read_reply(int fd)
{
    static char line[256];
    size_t len = 0;
    long end = e2e_now_ms() + REPLY_MS;
    while (len + 1 < sizeof line) {
        struct pollfd p = { fd, POLLIN, 0 };
        long left = end - e2e_now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            fail_msg("no reply within %d ms (the target is stopped or gone?)", REPLY_MS);
        ssize_t n = read(fd, line + len, 1);
        if (n <= 0)
            fail_msg("the target closed its output");
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    return line;
}

/* Sends one command line and returns the reply, which must start "ok". */
static const char *ask(const struct target *tg, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    line[n++] = '\n';
    if (write(tg->in, line, (size_t)n) != n)
        fail_msg("write to the target: %s", strerror(errno));
    const char *reply = read_reply(tg->out);
    if (strncmp(reply, "ok", 2) != 0)
        fail_msg("the target answered '%s'", reply);
    return reply;
}

/* Starts `FIXTURE serve DIR threads` as our child, in our process group,
 * and waits until it is ready. */
static struct target *start_target(const struct e2e *t, const char *fixture, int threads)
{
    if (ntargets == sizeof targets / sizeof targets[0])
        fail_msg("too many targets");
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
        fail_msg("pipe: %s", strerror(errno));
    const char *path = e2e_fixture(fixture), *count = e2e_str("%d", threads);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        if (chdir(t->dir) < 0 || dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
            _exit(124);
        execl(path, "stress", "serve", t->dir, count, (char *)NULL);
        _exit(124);
    }
    close(in[0]);
    close(out[1]);
    struct target *tg = &targets[ntargets++];
    *tg = (struct target){ pid, in[1], out[0] };
    const char *hello = read_reply(tg->out);
    if (strcmp(hello, "ok") != 0)
        fail_msg("the target said '%s'", hello);
    return tg;
}

/* The ids of pid's threads; returns how many. */
static size_t threads_of(pid_t pid, pid_t *tids, size_t max)
{
    DIR *d = opendir(e2e_str("/proc/%d/task", (int)pid));
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (atoi(e->d_name) > 0 && n < max)
            tids[n++] = atoi(e->d_name);
    if (d)
        closedir(d);
    return n;
}

/* Whether every thread of pid has TracerPid tracer. */
static bool all_traced_by(pid_t pid, pid_t tracer)
{
    pid_t tids[64];
    size_t n = threads_of(pid, tids, 64);
    for (size_t i = 0; i < n; i++)
        if (atoi(e2e_proc_status(tids[i], "TracerPid")) != tracer)
            return false;
    return n > 0;
}

/* Waits until wtlua has seized every thread of pid and waits for stops:
 * it has then asked each thread for a first stop, which comes before the
 * thread runs on (these are blocked in syscalls), and after which every
 * syscall is seen. */
static void wait_attached(const struct e2e *t, pid_t pid)
{
    long end = e2e_now_ms() + E2E_WAIT_MS;
    while (!all_traced_by(pid, t->pid) || e2e_blocked_syscall(t->pid) != SYS_wait4) {
        if (e2e_now_ms() > end || !e2e_running(t))
            fail_msg("wtlua did not attach to %d", (int)pid);
        e2e_sleep_ms(1);
    }
}

/* Every thread of pid: not traced, not stopped. */
static void assert_free(pid_t pid)
{
    pid_t tids[64];
    size_t n = threads_of(pid, tids, 64);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const char *state = e2e_proc_status(tids[i], "State");
        const char *tracer = e2e_proc_status(tids[i], "TracerPid");
        if (strcmp(tracer, "0") != 0 || state[0] == 't' || state[0] == 'T')
            fail_msg("thread %d of %d: State %s, TracerPid %s", (int)tids[i], (int)pid, state,
                     tracer);
    }
}

static int setup(void **state)
{
    ntargets = nstrays = 0;
    return e2e_setup(state);
}

static int teardown(void **state)
{
    for (size_t i = 0; i < nstrays; i++)
        kill(strays[i], SIGKILL);
    for (size_t i = 0; i < ntargets; i++) {
        if (targets[i].pid > 0) {
            kill(targets[i].pid, SIGKILL);
            waitpid(targets[i].pid, NULL, 0);
        }
        close(targets[i].in);
        close(targets[i].out);
    }
    return e2e_teardown(state);
}

#define attach_test(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* ---- attach, write, detach ---- */

/* Two worker threads and a ticking one: writes of the main thread, of
 * each worker, of a thread and a child made after attaching, and of the
 * SIGUSR1 handler are listed; nothing from before or after. */
static void check_attach_and_detach(struct e2e *t, const char *fixture)
{
    struct target *tg = start_target(t, fixture, 2);
    ask(tg, "w before");
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid));
    wait_attached(t, tg->pid);
    ask(tg, "w main");
    ask(tg, "t worker");
    ask(tg, "n new-thread");
    ask(tg, "f child");
    kill(tg->pid, SIGUSR1);
    e2e_await_path(t, "usr1-1.done");
    kill(t->pid, SIGINT);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report_unordered(t, e2e_paths(t, "main", "worker-0", "worker-1", "new-thread",
                                             "child", "usr1-1"));

    assert_free(tg->pid);
    ask(tg, "w after");
    ask(tg, "t after-worker");
    ask(tg, "f after-child");
    kill(tg->pid, SIGUSR1);
    e2e_await_path(t, "usr1-2.done");
    assert_true(e2e_exists(e2e_path(t, "after")));
    assert_true(e2e_exists(e2e_path(t, "after-worker-1")));
    assert_true(e2e_exists(e2e_path(t, "after-child")));
    assert_free(tg->pid);
}

static void test_attach_and_detach_on_sigint(void **state)
{
    check_attach_and_detach(*state, "stress");
}

static void test_attach_and_detach_32bit(void **state)
{
    check_attach_and_detach(*state, "stress-32");
}

/* -p A,B and -p A -p B: both processes' writes, both let go. */
static void test_attach_two_processes(void **state)
{
    struct e2e *t = *state;
    struct target *a = start_target(t, "stress", 1), *b = start_target(t, "stress", 1);
    for (int form = 0; form < 2; form++) {
        const char *pa = e2e_str("%d", (int)a->pid), *pb = e2e_str("%d", (int)b->pid);
        if (form == 0)
            e2e_wtlua_start(t, -1, "-p", e2e_str("%s,%s", pa, pb));
        else
            e2e_wtlua_start(t, -1, "-p", pa, "-p", pb);
        wait_attached(t, a->pid);
        wait_attached(t, b->pid);
        ask(a, "w a-%d", form);
        ask(b, "t b-%d", form);
        kill(t->pid, SIGTERM);
        e2e_finish(t, RUN_MS, NULL);
        e2e_assert_status(t, 0);
        assert_string_equal(t->err, "");
        e2e_assert_report_unordered(t, e2e_str("%s/a-%d\n%s/b-%d-0\n", t->dir, form, t->dir,
                                               form));
        assert_free(a->pid);
        assert_free(b->pid);
    }
    ask(a, "w a-after");
    ask(b, "w b-after");
}

/* Started with SIGINT ignored (a background job of a script), wtlua says
 * at once that SIGINT will not detach and SIGTERM will; SIGTERM does. */
static void test_attach_with_sigint_ignored(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1);
    struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
    sigaction(SIGINT, &ignore, &old);
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid));
    sigaction(SIGINT, &old, NULL);
    wait_attached(t, tg->pid);
    ask(tg, "w main");
    kill(t->pid, SIGINT);
    e2e_let_nothing_happen(200); /* a detach would end wtlua */
    assert_true(e2e_running(t));
    kill(t->pid, SIGTERM);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, e2e_str("wtlua: SIGINT is ignored here (a background job?), so "
                                        "it will not detach; SIGTERM (kill %d) will\n",
                                        (int)t->pid));
    e2e_assert_report(t, e2e_paths(t, "main"));
    assert_free(tg->pid);
}

/* A child forked after attaching that is still running at SIGINT is let
 * go too, not killed: it goes on to write its second file. */
static void test_attach_follows_new_children(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1);
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid));
    wait_attached(t, tg->pid);
    ask(tg, "f short");
    const char *reply = ask(tg, "F long");
    pid_t child = atoi(reply + 3);
    assert_true(child > 0);
    strays[nstrays++] = child;
    assert_int_equal(atoi(e2e_proc_status(child, "TracerPid")), t->pid);
    kill(t->pid, SIGHUP);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report_unordered(t, e2e_paths(t, "short", "long"));
    assert_free(tg->pid);
    assert_free(child);
    e2e_write(e2e_path(t, "long-go"), "", 0644);
    e2e_await_path(t, "long-after");
}

/* Detaching while a signal for the target is in flight: the signal is
 * not lost.  Ten rounds, by SIGINT, SIGTERM and SIGHUP in turn. */
static void test_detach_with_signal_in_flight(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 2);
    const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (int round = 1; round <= 10; round++) {
        e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid));
        wait_attached(t, tg->pid);
        kill(tg->pid, SIGUSR1);
        kill(t->pid, sigs[round % 3]);
        e2e_finish(t, RUN_MS, NULL);
        e2e_assert_status(t, 0);
        assert_string_equal(t->err, "");
        e2e_await_path(t, e2e_str("usr1-%d.done", round));
        assert_free(tg->pid);
        ask(tg, "w round-%d", round);
    }
}

/* A clone(CLONE_UNTRACED) child of an attached process escapes: it runs
 * with no filter (its open works) and is not reported. */
static void test_attach_clone_untraced_escapes(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1);
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid));
    wait_attached(t, tg->pid);
    assert_string_equal(ask(tg, "u escaped"), "ok 0");
    ask(tg, "w traced");
    kill(t->pid, SIGINT);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_paths(t, "traced"));
    assert_true(e2e_exists(e2e_path(t, "escaped")));
    assert_free(tg->pid);
}

/* -p with a command: both are traced.  The SIGINT detaches the attached
 * process at once and reaches the command, which ignores it and runs on,
 * traced, to its end; the status is the command's. */
static void test_attach_with_command(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1);
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        fail_msg("pipe: %s", strerror(errno));
    e2e_wtlua_start(t, in[0], "-p", e2e_str("%d", (int)tg->pid), "/bin/sh", "-c",
                    "trap '' INT; echo > cmd-file; read x; echo > cmd-after; exit 3");
    close(in[0]);
    wait_attached(t, tg->pid);
    e2e_await_path(t, "cmd-file");
    ask(tg, "w attached");
    kill(t->pid, SIGINT);
    long end = e2e_now_ms() + 3000;
    while (!all_traced_by(tg->pid, 0) && e2e_now_ms() < end)
        e2e_sleep_ms(1);
    assert_free(tg->pid);
    ask(tg, "w detached");
    assert_true(e2e_running(t));
    if (write(in[1], "\n", 1) != 1)
        fail_msg("write: %s", strerror(errno));
    close(in[1]);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 3);
    assert_string_equal(t->err, "");
    e2e_assert_report_unordered(t, e2e_paths(t, "cmd-file", "attached", "cmd-after"));
}

/* The attached process ends by itself: so does wtlua, with the report
 * and 0, without a signal. */
static void test_attached_process_exits(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 2);
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid));
    wait_attached(t, tg->pid);
    ask(tg, "w last");
    if (write(tg->in, "q\n", 2) != 2)
        fail_msg("write: %s", strerror(errno));
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_paths(t, "last"));
    int status;
    assert_int_equal(waitpid(tg->pid, &status, 0), tg->pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tg->pid = -1;
}

/* A process in a job-control stop when attached is still stopped after
 * the detach, and SIGCONT then resumes it. */
static void test_attach_to_stopped_process_stays_stopped(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1);
    kill(tg->pid, SIGSTOP);
    long end = e2e_now_ms() + 3000;
    while (e2e_proc_status(tg->pid, "State")[0] != 'T' && e2e_now_ms() < end)
        e2e_sleep_ms(1);
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid));
    wait_attached(t, tg->pid);
    kill(t->pid, SIGINT);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, "");
    /* The kernel wakes each detached thread to re-enter the stop, so a
     * thread may show R for a moment. */
    pid_t tids[64];
    size_t n = threads_of(tg->pid, tids, 64);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(e2e_proc_status(tids[i], "TracerPid"), "0");
        end = e2e_now_ms() + 2000;
        while (e2e_proc_status(tids[i], "State")[0] == 'R' && e2e_now_ms() < end)
            e2e_sleep_ms(1);
        assert_string_equal(e2e_proc_status(tids[i], "State"), "T (stopped)");
    }
    assert_int_equal(n, 3);
    kill(tg->pid, SIGCONT);
    ask(tg, "w resumed");
    assert_free(tg->pid);
}

/* An error in a hook while attached: hooks are off, the process stays
 * traced and runs on until a signal detaches it; on_end does not run;
 * 125. */
static void test_attach_hook_error(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1);
    e2e_wtlua_start(t, -1, "-e",
                    "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
                    "function on_enter(sc)\n"
                    "  error('boom')\n"
                    "end\n"
                    "function on_end() print('end') end\n",
                    "-p", e2e_str("%d", (int)tg->pid));
    wait_attached(t, tg->pid);
    ask(tg, "w one");
    ask(tg, "t two");
    assert_true(e2e_running(t));
    assert_true(all_traced_by(tg->pid, t->pid));
    kill(t->pid, SIGINT);
    e2e_finish(t, RUN_MS, NULL);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: -e:3: boom\n"
                                "stack traceback:\n"
                                "\t[C]: in function 'error'\n"
                                "\t-e:3: in function 'on_enter'\n"
                                "wtlua: hooks disabled; the command runs to its end without them\n");
    e2e_assert_report(t, "");
    assert_free(tg->pid);
    ask(tg, "w three");
    assert_true(e2e_exists(e2e_path(t, "one")));
    assert_true(e2e_exists(e2e_path(t, "two-0")));
}

/* State and syscall number of a thread ("t 257", "S 257"...). */
static const char *thread_activity(pid_t tid)
{
    return e2e_str("%c %ld", e2e_proc_status(tid, "State")[0], e2e_blocked_syscall(tid));
}

/* Waits until some thread of pid (other than skip) shows `activity`;
 * returns its id. */
static pid_t wait_activity(pid_t pid, pid_t skip, const char *activity)
{
    long end = e2e_now_ms() + 3000;
    for (;;) {
        pid_t tids[64];
        size_t n = threads_of(pid, tids, 64);
        for (size_t i = 0; i < n; i++)
            if (tids[i] != skip && strcmp(thread_activity(tids[i]), activity) == 0)
                return tids[i];
        if (e2e_now_ms() > end)
            fail_msg("no thread of %d reached '%s'", (int)pid, activity);
        e2e_sleep_ms(1);
    }
}

#define X86_64_OPENAT 257

/* An open the script saw enter, that has completed when the SIGINT comes
 * but whose return wtlua has not handled yet (it is busy in another
 * thread's hook): on_return still runs before the thread is let go, so
 * the file written while attached is listed.  Here a thread is blocked
 * opening a FIFO; the main thread's open of "slow" keeps wtlua in a hook
 * that says so (the file in-hook) and waits for the file go; meanwhile
 * this test opens the FIFO's other end, sends SIGINT, then writes go. */
static void test_detach_handles_returns_already_due(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1);
    if (mkfifo(e2e_path(t, "fifo"), 0644) < 0)
        fail_msg("mkfifo: %s", strerror(errno));
    e2e_write(e2e_path(t, "slow.lua"),
              "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
              "local pending = {}\n"
              "function on_enter(sc)\n"
              "  pending[sc.tid] = sc:path(2)\n"
              "  if pending[sc.tid]:match('/fifo$') then io.open('fifo-seen', 'w'):close() end\n"
              "  if pending[sc.tid]:match('/slow$') then\n"
              "    io.open('in-hook', 'w'):close()\n"
              "    local t = wt.now()\n"
              "    while not io.open('go') and wt.now() - t < 10e9 do end\n"
              "  end\n"
              "end\n"
              "function on_return(sc) print(pending[sc.tid], sc.ret >= 0) end\n",
              0644);
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)tg->pid), "slow.lua");
    wait_attached(t, tg->pid);
    ask(tg, "o fifo");
    /* The script must have seen the open of the fifo enter before the
     * other hook holds wtlua.  /proc alone is not proof: under load the
     * new thread read as "S 257" while wtlua was still at its
     * set_robust_list, and its openat entry then waited behind the hook. */
    e2e_await_path(t, "fifo-seen");
    pid_t opener = wait_activity(tg->pid, tg->pid, e2e_str("S %d", X86_64_OPENAT));
    if (write(tg->in, "w slow\n", 7) != 7)
        fail_msg("write: %s", strerror(errno));
    e2e_await_path(t, "in-hook");
    int reader = open(e2e_path(t, "fifo"), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (reader < 0)
        fail_msg("open fifo: %s", strerror(errno));
    long end = e2e_now_ms() + 3000;
    while (thread_activity(opener)[0] != 't' && e2e_now_ms() < end)
        e2e_sleep_ms(1); /* its open has returned: stopped at the exit */
    kill(t->pid, SIGINT);
    e2e_wait_signal_taken(t->pid, SIGINT); /* it reaches wtlua while the hook runs */
    e2e_write(e2e_path(t, "go"), "", 0644);
    e2e_finish(t, RUN_MS, NULL);
    close(reader);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_string_equal(read_reply(tg->out), "ok");
    e2e_assert_report_unordered(t, e2e_str("%s\ttrue\n%s\ttrue\n", e2e_path(t, "fifo"),
                                           e2e_path(t, "slow")));
    assert_free(tg->pid);
}

/* ---- refusals ---- */

static void test_attach_no_such_process(void **state)
{
    struct e2e *t = *state;
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    e2e_run(t, "-o", t->report, "-p", e2e_str("%d", (int)pid));
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, e2e_str("wtlua: cannot attach to %d: no such process\n", (int)pid));
}

/* This test traces the target itself first: EPERM, explained. */
static void test_attach_already_traced(void **state)
{
    struct e2e *t = *state;
    struct target *tg = start_target(t, "stress", 1), *other = start_target(t, "stress", 1);
    if (ptrace(PTRACE_SEIZE, tg->pid, NULL, NULL) < 0)
        fail_msg("PTRACE_SEIZE: %s", strerror(errno));
    char *comm = e2e_read("/proc/self/comm");
    assert_non_null(comm);
    comm[strcspn(comm, "\n")] = '\0';
    const char *expected = e2e_str("wtlua: cannot attach to %d: already traced by process %d "
                                   "(%s); only one tracer at a time, detach that one first\n",
                                   (int)tg->pid, (int)getpid(), comm);
    free(comm);
    e2e_run(t, "-o", t->report, "-p", e2e_str("%d", (int)tg->pid));
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, expected);
    assert_int_equal(atoi(e2e_proc_status(tg->pid, "TracerPid")), getpid());

    /* With a good pid first: that one is let go again. */
    e2e_run(t, "-o", t->report, "-p", e2e_str("%d,%d", (int)other->pid, (int)tg->pid));
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, expected);
    assert_free(other->pid);
    ask(other, "w still-running");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        attach_test(test_attach_and_detach_on_sigint),
        attach_test(test_attach_and_detach_32bit),
        attach_test(test_attach_two_processes),
        attach_test(test_attach_with_sigint_ignored),
        attach_test(test_attach_follows_new_children),
        attach_test(test_detach_with_signal_in_flight),
        attach_test(test_attach_clone_untraced_escapes),
        attach_test(test_attach_with_command),
        attach_test(test_detach_handles_returns_already_due),
        attach_test(test_attached_process_exits),
        attach_test(test_attach_hook_error),
        attach_test(test_attach_to_stopped_process_stays_stopped),
        attach_test(test_attach_no_such_process),
        attach_test(test_attach_already_traced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
