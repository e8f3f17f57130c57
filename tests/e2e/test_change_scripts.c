/* The bundled scripts that change syscalls: inject, chaos, sandbox and
 * fakeroot, on real tracees (the changes fixture, on x86_64 and i386, and
 * id, tar and sh), with exact outcomes: what the program saw, what the
 * files hold, what the report says. */
#include "e2e.h"

#include <sys/syscall.h>

static const char *const fixtures[] = { "changes", "changes-32" };

/* The JSON rows of the report, checked for a fragment each. */
static void assert_report_has(const struct e2e *t, const char *fragment)
{
    char *report = e2e_read(t->report);
    if (!report || !strstr(report, fragment))
        fail_msg("expected '%s' in the report:\n%s", fragment, report ? report : "(none)");
    free(report);
}

/* ---- inject ---- */

/* strace's example: the third write fails with ENOSPC, and only it; the
 * program reports it, and the report names the injection. */
static void test_inject_third_write(void **state)
{
    struct e2e *t = *state;
    for (size_t i = 0; i < 2; i++) {
        const char *out = e2e_path(t, "out");
        e2e_wtlua(t, "--json", "-s", "inject", "-a", "inject=write:error=ENOSPC:when=3",
                  e2e_fixture(fixtures[i]), "writes", out, "5");
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, "write 3: ENOSPC\n");
        e2e_assert_file(out, "line 1\nline 2\nline 4\nline 5\n");
        assert_report_has(t, e2e_str("\"syscall\":\"write\",\"n\":3,\"injected\":\"error=ENOSPC\","
                                     "\"path\":\"%s\"", out));
    }
}

/* when= in each of strace's forms, counted per syscall as strace does
 * (path= leaves out the program's own reports on standard output). */
static void test_inject_when(void **state)
{
    struct e2e *t = *state;
    const char *cases[][2] = {
        { "2+2", "write 2: EIO\nwrite 4: EIO\nwrite 6: EIO\n" },
        { "5+", "write 5: EIO\nwrite 6: EIO\n" },
        { "2..3", "write 2: EIO\nwrite 3: EIO\n" },
        { "1..5+2", "write 1: EIO\nwrite 3: EIO\nwrite 5: EIO\n" },
        { "4", "write 4: EIO\n" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        e2e_wtlua(t, "-s", "inject", "-a", e2e_str("inject=write:error=EIO:when=%s:path=*/out", cases[i][0]),
                  e2e_fixture(fixtures[i % 2]), "writes", e2e_path(t, "out"), "6");
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, cases[i][1]);
    }
}

/* path=: only the writes to the file that matches count and fail; two
 * rules, each with its own count. */
static void test_inject_path(void **state)
{
    struct e2e *t = *state;
    for (size_t i = 0; i < 2; i++) {
        const char *fx = e2e_fixture(fixtures[i]);
        e2e_wtlua(t, "-s", "inject", "-a", "inject=write:error=EIO:when=2:path=*/b.log",
                  "-a", "inject=%desc:error=EDQUOT:when=3:path=*/[c]",
                  "/bin/sh", "-c", e2e_str("%s writes a.log 3; %s writes b.log 3; "
                                           "%s writes c 3", fx, fx, fx));
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, "write 2: EIO\nwrite 3: EDQUOT\n");
        e2e_assert_file(e2e_path(t, "a.log"), "line 1\nline 2\nline 3\n");
        e2e_assert_file(e2e_path(t, "b.log"), "line 1\nline 3\n");
        e2e_assert_file(e2e_path(t, "c"), "line 1\nline 2\n");
    }
}

/* A process that waits for a byte on standard input, then writes. */
struct waiter {
    pid_t pid;
    int go;             /* the write end of its stdin */
    char *file;         /* what it writes */
    char *out;          /* its standard output */
};

static struct waiter start_waiter(const struct e2e *t, const char *fixture, const char *name)
{
    /* copies: e2e_path's buffers are reused */
    struct waiter w = { .file = strdup(e2e_path(t, name)),
                        .out = strdup(e2e_path(t, e2e_str("%s.out", name))) };
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        fail_msg("pipe: %s", strerror(errno));
    fflush(NULL);
    w.pid = fork();
    if (w.pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (w.pid == 0) {
        if (dup2(in[0], 0) < 0)
            _exit(124);
        e2e_redirect(w.out, 1, O_WRONLY | O_CREAT | O_TRUNC);
        execl(e2e_fixture(fixture), "changes", "wait-writes", w.file, "3", (char *)NULL);
        _exit(124);
    }
    close(in[0]);
    w.go = in[1];
    return w;
}

/* Waits until wtlua traces pid and waits for stops. */
static void wait_traced(const struct e2e *t, pid_t pid)
{
    long end = e2e_now_ms() + E2E_WAIT_MS;
    const char *tracer = e2e_str("%d", (int)t->pid);
    while (strcmp(e2e_proc_status(pid, "TracerPid"), tracer) != 0 ||
           e2e_blocked_syscall(t->pid) != SYS_wait4) {
        if (e2e_now_ms() > end || !e2e_running(t))
            fail_msg("wtlua did not attach to %d", (int)pid);
        e2e_sleep_ms(1);
    }
}

/* pid=: of two processes making the same calls, only the one named fails. */
static void test_inject_pid(void **state)
{
    struct e2e *t = *state;
    struct waiter a = start_waiter(t, "changes", "a"), b = start_waiter(t, "changes-32", "b");
    e2e_wtlua_start(t, -1, "-s", "inject", "-a",
                    e2e_str("inject=write:error=EIO:when=2:pid=%d", (int)a.pid), "-p",
                    e2e_str("%d,%d", (int)a.pid, (int)b.pid));
    wait_traced(t, a.pid);
    wait_traced(t, b.pid);
    int status;
    struct waiter *both[] = { &a, &b };
    for (size_t i = 0; i < 2; i++) {
        if (write(both[i]->go, "x", 1) != 1)
            fail_msg("write: %s", strerror(errno));
        close(both[i]->go);
        if (waitpid(both[i]->pid, &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            fail_msg("the writer %d failed: status %#x", (int)both[i]->pid, status);
    }
    kill(t->pid, SIGTERM);
    e2e_finish(t, E2E_TIMEOUT_MS, NULL);
    e2e_assert_status(t, 0);
    e2e_assert_file(a.out, "write 2: EIO\n");
    e2e_assert_file(a.file, "line 1\nline 3\n");
    e2e_assert_file(b.out, "");
    e2e_assert_file(b.file, "line 1\nline 2\nline 3\n");
    for (size_t i = 0; i < 2; i++) {
        free(both[i]->file);
        free(both[i]->out);
    }
}

/* signal=: the thread gets the signal at the chosen call; retval=: the
 * call is not made and returns the value. */
static void test_inject_signal_and_retval(void **state)
{
    struct e2e *t = *state;
    for (size_t i = 0; i < 2; i++) {
        const char *out = e2e_path(t, "out");
        e2e_wtlua(t, "-s", "inject", "-a", "inject=write:signal=SIGUSR1:when=2",
                  e2e_fixture(fixtures[i]), "writes", out, "3");
        e2e_assert_status(t, 128 + SIGUSR1);
        e2e_wtlua(t, "-s", "inject", "-a", "inject=write:retval=7:when=2:path=*/out",
                  e2e_fixture(fixtures[i]), "writes", out, "3");
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, "");
        e2e_assert_file(out, "line 1\nline 3\n");
    }
}

/* delay_enter= and delay_exit= hold only the thread that made the call:
 * the other keeps napping meanwhile. */
static void test_inject_delays(void **state)
{
    struct e2e *t = *state;
    const char *rules[] = { "inject=getppid:delay_enter=300ms", "inject=getppid:delay_exit=0.3s" };
    for (size_t i = 0; i < 2; i++) {
        e2e_wtlua(t, "-s", "inject", "-a", rules[i], e2e_fixture(fixtures[i]), "held");
        e2e_assert_status(t, 0);
        int held = -1, naps = -1;
        if (sscanf(t->out, "held: %d\nnaps: %d\n", &held, &naps) != 2)
            fail_msg("unexpected output: %s", t->out);
        if (held < 270 || naps < 5)
            fail_msg("%s: held %d ms (300 expected), the other thread napped %d times",
                     rules[i], held, naps);
    }
}

/* A rule that does not parse: one line naming the bad part, before the
 * command runs. */
static void test_inject_bad_rules(void **state)
{
    struct e2e *t = *state;
    const char *cases[][2] = {
        { "inject=write:error=ENOPE", "unknown errno 'ENOPE'" },
        { "inject=wirte:error=EIO", "unknown syscall or class 'wirte'" },
        { "inject=write:when=0:error=EIO", "when=0: expected" },
        { "inject=write:when=3..2:error=EIO", "when=3..2: expected" },
        { "inject=write:error=EIO:retval=0", "only one error= or retval=" },
        { "inject=write:sinal=SIGUSR1", "unknown key 'sinal'" },
        { "inject=write:when=2", "nothing to inject" },
        { "inject=write:poke_enter=@arg1=00:error=EIO", "poke_enter= is not supported" },
        { "injekt=write:error=EIO", "unknown argument 'injekt'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        e2e_wtlua(t, "-s", "inject", "-a", cases[i][0], "touch", "ran");
        e2e_assert_status(t, 125);
        if (!strstr(t->err, cases[i][1]) || strchr(t->err, '\n') != t->err + strlen(t->err) - 1)
            fail_msg("expected one line with '%s', got:\n%s", cases[i][1], t->err);
        assert_false(e2e_exists(e2e_path(t, "ran")));
    }
}

/* ---- chaos ---- */

/* The report without its PID and TID columns (they change run to run). */
static char *faults_of(const char *report)
{
    char *copy = strdup(report), *out = calloc(1, strlen(report) + 1);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        int skip = 0;
        if (sscanf(line, "%*d %*d %n", &skip) >= 0 && skip > 0)
            line += skip;
        strcat(out, line);
        strcat(out, "\n");
    }
    free(copy);
    return out;
}

/* The same seed injects the same faults into the same calls; replay=
 * repeats a report's faults, from text and from JSON. */
static void test_chaos_repeatable(void **state)
{
    struct e2e *t = *state;
    for (size_t i = 0; i < 2; i++) {
        const char *fx = e2e_fixture(fixtures[i]), *out = e2e_path(t, "out");
        const char *args[] = { "-s", "chaos", "-a", "syscalls=write", "-a", "rate=0.1",
                               "-a", "seed=7", fx, "writes", out, "100", NULL };
        e2e_wtlua_v(t, args);
        e2e_assert_status(t, 0);
        char *seen = strdup(t->out), *report = e2e_read(t->report), *faults = faults_of(report);
        assert_true(strlen(seen) > 0);
        assert_true(strncmp(report, "chaos: seed 7 rate 0.1\n", 23) == 0);
        e2e_wtlua_v(t, args);
        assert_string_equal(t->out, seen);
        char *again = e2e_read(t->report);
        char *faults_again = faults_of(again);
        assert_string_equal(faults_again, faults);
        rename(t->report, e2e_path(t, "first"));
        e2e_wtlua(t, "-s", "chaos", "-a", "replay=first", fx, "writes", out, "100");
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, seen);
        e2e_wtlua(t, "--json", "-s", "chaos", "-a", "syscalls=write", "-a", "rate=0.1", "-a",
                  "seed=7", fx, "writes", out, "100");
        assert_string_equal(t->out, seen);
        rename(t->report, e2e_path(t, "first.json"));
        e2e_wtlua(t, "-s", "chaos", "-a", "replay=first.json", fx, "writes", out, "100");
        assert_string_equal(t->out, seen);
        e2e_wtlua(t, "-s", "chaos", "-a", "syscalls=write", "-a", "rate=0.1", "-a", "seed=8", fx,
                  "writes", out, "100");
        assert_string_not_equal(t->out, seen);
        free(seen);
        free(report);
        free(faults);
        free(again);
        free(faults_again);
    }
}

/* The ERRNO column of a chaos report, one per line. */
static char *errnos_of(const char *report)
{
    char *copy = strdup(report), *out = calloc(1, strlen(report) + 1);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        char name[32];
        if (sscanf(line, "%*d %*d %*s %*s %*d %31s", name) == 1)
            strcat(strcat(out, name), "\n");
    }
    free(copy);
    return out;
}

/* errors= gives the errnos; each syscall's own otherwise (write's four). */
static void test_chaos_errors(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-s", "chaos", "-a", "syscalls=write", "-a", "rate=1", "-a", "errors=EROFS",
              e2e_fixture("changes"), "writes", e2e_path(t, "out"), "3");
    e2e_assert_status(t, 0);
    char *report = e2e_read(t->report), *names = errnos_of(report);
    /* three writes to the file, and the program's three reports of them */
    assert_string_equal(names, "EROFS\nEROFS\nEROFS\nEROFS\nEROFS\nEROFS\n");
    free(report);
    free(names);
    e2e_wtlua(t, "-s", "chaos", "-a", "syscalls=write", "-a", "rate=1", "-a", "seed=1",
              e2e_fixture("changes"), "writes", e2e_path(t, "out"), "20");
    report = e2e_read(t->report);
    names = errnos_of(report);
    int count = 0;
    for (char *line = strtok(names, "\n"); line; line = strtok(NULL, "\n"), count++)
        if (strcmp(line, "ENOSPC") && strcmp(line, "EIO") && strcmp(line, "EINTR") &&
            strcmp(line, "EDQUOT"))
            fail_msg("not an errno of write: %s", line);
    assert_int_equal(count, 40);
    free(report);
    free(names);
}

/* ---- sandbox ---- */

/* The network is refused by the kernel: the client's socket fails with
 * EACCES and neither socket nor connect ever stops. */
static void test_sandbox_network(void **state)
{
    struct e2e *t = *state;
    for (size_t i = 0; i < 2; i++) {
        e2e_wtlua(t, "-e",
                  e2e_str("dofile('%s/scripts/sandbox.lua')\n"
                          "wt.trace { 'socket', 'connect' }\n"
                          "local stops, check = 0, on_enter\n"
                          "function on_enter(sc)\n"
                          "  if sc.name == 'socket' or sc.name == 'connect' then\n"
                          "    stops = stops + 1\n"
                          "  else check(sc) end\n"
                          "end\n"
                          "function on_end() print('stops', stops) end\n",
                          e2e_env("SRCROOT")),
                  e2e_fixture(fixtures[i]), "connect");
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, "socket: EACCES\n");
        e2e_assert_report(t, "stops\t0\n");
        e2e_wtlua(t, "-s", "sandbox", "-a", "net", e2e_fixture(fixtures[i]), "connect");
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, "connect: ECONNREFUSED\n");
    }
}

/* Writes inside dir= go through; outside it they fail with EROFS and are
 * reported; without dir= nothing is writable. */
static void test_sandbox_writes(void **state)
{
    struct e2e *t = *state;
    mkdir(e2e_path(t, "inside"), 0755);
    for (size_t i = 0; i < 2; i++) {
        const char *fx = e2e_fixture(fixtures[i]);
        e2e_wtlua(t, "--json", "-s", "sandbox", "-a", "dir=inside", fx, "writes",
                  "inside/x", "1");
        e2e_assert_status(t, 0);
        e2e_assert_file(e2e_path(t, "inside/x"), "line 1\n");
        e2e_assert_report(t, "");
        e2e_wtlua(t, "--json", "-s", "sandbox", "-a", "dir=inside", fx, "writes",
                  "inside/../outside", "1");
        e2e_assert_status(t, 90);
        if (!strstr(t->err, "Read-only file system"))
            fail_msg("expected EROFS, got:\n%s", t->err);
        assert_false(e2e_exists(e2e_path(t, "outside")));
        assert_report_has(t, e2e_str("\"syscall\":\"openat\",\"errno\":\"EROFS\",\"path\":"
                                     "\"%s/inside/../outside\"", t->dir));
    }
    e2e_wtlua(t, "-s", "sandbox", "/bin/sh", "-c", "mkdir d; echo ok >/dev/null && echo ok");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "ok\n");
    assert_false(e2e_exists(e2e_path(t, "d")));
}

/* A write whose path wtlua cannot resolve (the working directory is
 * deeper than PATH_MAX) is refused, not let through unchecked. */
static void test_sandbox_unresolvable_path_refused(void **state)
{
    struct e2e *t = *state;
    enum { LEVELS = 22 }; /* 22 x 201 bytes: past PATH_MAX */
    char level[201];
    memset(level, 'd', 200);
    level[200] = '\0';
    int dirs[LEVELS + 1];
    dirs[0] = open(t->dir, O_RDONLY | O_DIRECTORY);
    for (int i = 0; i < LEVELS; i++) {
        assert_int_equal(mkdirat(dirs[i], level, 0755), 0);
        dirs[i + 1] = openat(dirs[i], level, O_RDONLY | O_DIRECTORY);
        assert_true(dirs[i + 1] >= 0);
    }
    e2e_wtlua(t, "-s", "sandbox", "-a", "dir=.", "/usr/bin/python3", "-c",
              e2e_str("import os\n"
                      "for _ in range(%d): os.chdir('%s')\n"
                      "try: open('escaped', 'w')\n"
                      "except OSError as e: print(e.strerror)\n",
                      LEVELS, level));
    bool escaped = faccessat(dirs[LEVELS], "escaped", F_OK, 0) == 0;
    if (escaped)
        unlinkat(dirs[LEVELS], "escaped", 0);
    for (int i = LEVELS; i > 0; i--) { /* the harness's removal stops at PATH_MAX */
        close(dirs[i]);
        unlinkat(dirs[i - 1], level, AT_REMOVEDIR);
    }
    close(dirs[0]);
    e2e_assert_status(t, 0);
    assert_false(escaped);
    assert_string_equal(t->out, "Read-only file system\n");
    assert_report_has(t, "EROFS  (a path wtlua cannot resolve)");
}

/* ---- fakeroot ---- */

/* As an ordinary user: id -u says 0, and so do getuid and getresuid. */
static void test_fakeroot_id(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua_nobody(t, "-s", "fakeroot", "id", "-u");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "0\n");
    e2e_wtlua_nobody(t, "-s", "fakeroot", e2e_fixture("changes-32"), "uid");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "0 0\n");
    /* setpriv -d reads them with getresuid and getresgid */
    e2e_wtlua_nobody(t, "-s", "fakeroot", "/usr/bin/setpriv", "-d");
    e2e_assert_status(t, 0);
    const char *ids = "uid: 0\neuid: 0\ngid: 0\negid: 0\n";
    if (strncmp(t->out, ids, strlen(ids)) != 0)
        fail_msg("expected root's ids, got:\n%s", t->out);
}

/* tar as an ordinary user builds an archive owned by root; a chown made
 * under fakeroot is what tar records. */
static void test_fakeroot_tar(void **state)
{
    struct e2e *t = *state;
    mkdir(e2e_path(t, "stage"), 0755);
    e2e_write(e2e_path(t, "stage/a"), "a\n", 0644);
    e2e_write(e2e_path(t, "stage/b"), "b\n", 0644);
    e2e_wtlua_nobody(t, "-s", "fakeroot", "/bin/sh", "-c",
                     "chown 4321:8765 stage/b && tar --sort=name -cf x.tar stage");
    e2e_assert_status(t, 0);
    e2e_exec(t, (const char *const[]){ "/bin/tar", "tvf", "x.tar", NULL });
    e2e_assert_status(t, 0);
    char owners[3][32];
    if (sscanf(t->out, "%*s %31s %*[^\n]\n%*s %31s %*[^\n]\n%*s %31s", owners[0], owners[1],
               owners[2]) != 3)
        fail_msg("unexpected listing:\n%s", t->out);
    assert_string_equal(owners[0], "root/root");
    assert_string_equal(owners[1], "root/root");
    assert_string_equal(owners[2], "4321/8765");
}

/* Every call of the stat family, on both ABIs, shows the owner and mode
 * chown and chmod gave; chmod of a file not the user's succeeds (faked). */
static void test_fakeroot_stat(void **state)
{
    struct e2e *t = *state;
    struct stat before, after;
    assert_int_equal(stat("/etc/passwd", &before), 0);
    e2e_write(e2e_path(t, "f"), "f\n", 0644);
    const char *calls[2][6] = { { "stat", "lstat", "fstat", "newfstatat", "statx" },
                                { "stat", "stat64", "lstat64", "fstat64", "fstatat64", "statx" } };
    for (size_t i = 0; i < 2; i++) {
        const char *fx = e2e_fixture(fixtures[i]);
        e2e_wtlua_nobody(t, "-s", "fakeroot", "/bin/sh", "-c",
                         e2e_str("%s stat f && chown 12:34 f && chmod 4711 f && %s stat f && "
                                 "chmod 600 /etc/passwd && %s stat /etc/passwd", fx, fx, fx));
        e2e_assert_status(t, 0);
        const char *shown[] = { "0 0 100644", "12 34 104711",
                                e2e_str("%d %d 100600", (int)before.st_uid, (int)before.st_gid) };
        char expected[1024] = "";
        for (size_t s = 0; s < 3; s++)
            for (size_t c = 0; c < 6 && calls[i][c]; c++)
                strcat(expected, e2e_str("%s: %s\n", calls[i][c], shown[s]));
        assert_string_equal(t->out, expected);
        chmod(e2e_path(t, "f"), 0644);
    }
    assert_int_equal(stat("/etc/passwd", &after), 0);
    assert_int_equal(after.st_mode, before.st_mode);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_inject_third_write),
        e2e_test(test_inject_when),
        e2e_test(test_inject_path),
        e2e_test(test_inject_pid),
        e2e_test(test_inject_signal_and_retval),
        e2e_test(test_inject_delays),
        e2e_test(test_inject_bad_rules),
        e2e_test(test_chaos_repeatable),
        e2e_test(test_chaos_errors),
        e2e_test(test_sandbox_network),
        e2e_test(test_sandbox_unresolvable_path_refused),
        e2e_test(test_sandbox_writes),
        e2e_test(test_fakeroot_id),
        e2e_test(test_fakeroot_tar),
        e2e_test(test_fakeroot_stat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
