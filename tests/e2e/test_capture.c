/* Captures (-w, -r): a script replayed over a capture reports what it
 * reported live during the recording, byte for byte (pids and times are
 * the recorded ones); a capture of everything replays through a script
 * that was not there; the file answers SQL; a capture cut by SIGKILL is
 * read up to its last commit and said to be truncated; a file that is no
 * capture, or a newer one, is refused in one line with 125. */
#include "e2e.h"

/* A command whose every run does the same: files written, read, listed,
 * a child shell, a failing open. */
#define COMMAND                                                            \
    "echo a > f1; cat f1 > f2; cat f1 f2 >> f3; ls f1 f9 > /dev/null 2>&1; " \
    "sh -c 'echo b > f4'"

/* text with each line's leading time ("0.001234 ") made "T", and each
 * JSON "time":0.001234 made "time":T: times measured from when the script
 * loaded, which a replay knows only to within the loading's microseconds
 * (docs/captures.md). */
static char *without_times(char *text)
{
    char *out = malloc(strlen(text) + 1), *o = out;
    if (!out)
        fail_msg("out of memory");
    bool line_start = true;
    for (const char *p = text; *p;) {
        size_t digits = strspn(p, "0123456789.e-");
        if (line_start && digits > 2 && p[digits] == ' ' && memchr(p, '.', digits)) {
            *o++ = 'T';
            p += digits;
        } else if (strncmp(p, "\"time\":", 7) == 0) {
            memcpy(o, p, 7);
            o += 7;
            p += 7;
            p += strspn(p, "0123456789.e-");
            *o++ = 'T';
            if (!*p)
                break;
        }
        line_start = *p == '\n';
        *o++ = *p++;
    }
    *o = '\0';
    free(text);
    return out;
}

/* Runs wtlua ARGS and returns its report (malloc'd), asserting status 0. */
static char *report_of_v(struct e2e *t, const char *const args[])
{
    unlink(t->report);
    e2e_wtlua_v(t, args);
    e2e_assert_status(t, 0);
    char *report = e2e_read(t->report);
    if (!report)
        fail_msg("no report");
    return report;
}
#define report_of(t, ...) report_of_v((t), (const char *const[]){ __VA_ARGS__, NULL })

/* The sqlite3 shell's answer to sql on the capture at path. */
static const char *query(struct e2e *t, const char *path, const char *sql)
{
    const char *argv[] = { "/bin/sh", "-c", "exec sqlite3 -bail \"$0\" \"$1\"", path, sql, NULL };
    if (e2e_exec(t, argv) != 0)
        fail_msg("sqlite3 %s: %s", sql, t->err);
    return e2e_str("%s", t->out);
}

/* Each bundled script (and the default one), live under -w, then
 * replayed from that capture: the same report. */
static const char *const replayed_scripts[][6] = {
    { "DEFAULT" }, /* the default script, named: -w alone runs none */
    { "-s", "execs", "TIMES" },
    { "-s", "opens", "TIMES" },
    { "-s", "files" },
    { "-s", "syscount" },
    { "-s", "syscount", "-a", "per=comm" },
    { "-s", "trace" },
    { "-s", "trace", "-a", "T" },
    { "--json", "-s", "trace", "TIMES" },
};

static void test_replay_gives_the_live_report(void **state)
{
    struct e2e *t = *state;
    char cap[PATH_MAX + 16]; /* e2e_str's buffers are reused */
    snprintf(cap, sizeof cap, "%s/cap.db", t->dir);
    for (size_t i = 0; i < sizeof replayed_scripts / sizeof replayed_scripts[0]; i++) {
        const char *const *script = replayed_scripts[i];
        const char *live_args[E2E_MAX_ARGS] = { "-w", cap }, *replay_args[E2E_MAX_ARGS] = {
            "-r", cap };
        size_t n = 0;
        for (; n < 5 && script[n] && strcmp(script[n], "TIMES") != 0; n++)
            live_args[2 + n] = replay_args[2 + n] =
                strcmp(script[n], "DEFAULT") == 0
                    ? e2e_str("%s/lua/default.lua", e2e_env("SRCROOT")) : script[n];
        const char *const command[] = { "--", "/bin/sh", "-c", COMMAND, NULL };
        e2e_argv(live_args, 2 + n, command);
        replay_args[2 + n] = NULL;
        char *live = report_of_v(t, live_args);
        if (!*live)
            fail_msg("%s %s: empty live report", script[0], script[1] ? script[1] : "");
        char *replayed = report_of_v(t, replay_args);
        if (script[n]) { /* TIMES */
            live = without_times(live);
            replayed = without_times(replayed);
        }
        if (strcmp(live, replayed) != 0)
            fail_msg("%s %s: replay differs.\nlive:\n%s\nreplayed:\n%s",
                     script[0], script[1] ? script[1] : "",
                     live, replayed);
        assert_string_equal(t->err, "");
        free(live);
        free(replayed);
    }
}

/* -w without a script records every syscall and reports nothing; any
 * script replays over it. */
static void test_capture_of_everything(void **state)
{
    struct e2e *t = *state;
    char *live = report_of(t, "-w", "cap.db", "/bin/sh", "-c", COMMAND);
    assert_string_equal(live, "");
    char *files = report_of(t, "-r", "cap.db");
    assert_string_equal(files, e2e_str("%s/f1\n%s/f2\n%s/f3\n/dev/null\n%s/f4\n", t->dir,
                                       t->dir, t->dir, t->dir));
    char *execs = report_of(t, "-r", "cap.db", "-e",
                            "function on_exec(p) print(p.exe:match('[^/]*$'), #p.argv) end");
    assert_string_equal(execs, "dash\t3\ncat\t2\ncat\t3\nls\t3\ndash\t3\n");
    free(live);
    free(files);
    free(execs);
}

/* What a reader asks of memory the capture did not keep: nil and why. */
static void test_not_captured(void **state)
{
    struct e2e *t = *state;
    free(report_of(t, "-w", "cap.db", "/bin/sh", "-c", "cat /dev/null"));
    char *report = report_of(t, "-r", "cap.db", "-e",
                             "wt.trace { 'execve' }\n"
                             "function on_enter(sc) print(sc:bytes(1, 100000)) end");
    /* sh's execve of itself, and its exec of cat */
    assert_string_equal(report, "nil\tnot in the capture\nnil\tnot in the capture\n");
    free(report);
    /* nor a stack: the recorded pid is no longer the tracee's */
    report = report_of(t, "-r", "cap.db", "-e",
                       "wt.trace { 'execve' }\n"
                       "function on_enter(sc) print(sc:stack()) end");
    assert_string_equal(report, "nil\tnot in the capture\nnil\tnot in the capture\n");
    free(report);
}

/* What a tracee or a file may hand the capture code: a path argument
 * longer than PATH_MAX with no NUL in reach of the recorder, and a capture
 * whose kept read claims more bytes than it holds.  The replay reports the
 * read as not captured (check-asan would show an overrun). */
static void test_hostile_capture_inputs(void **state)
{
    struct e2e *t = *state;
    free(report_of(t, "-w", "cap.db", "/bin/sh", "-c",
                   "p=$(printf '%05000d' 0); true 2>/dev/null > \"$p\"; echo a > f1"));
    query(t, e2e_path(t, "cap.db"),
          "update reads set data = X'41', result = 200000 where what = 'bytes'");
    char *report = report_of(t, "-r", "cap.db", "-e",
                             "wt.trace { 'write' }\n"
                             "function on_enter(sc) print(sc:bytes(2, sc.args[3])) end");
    /* each write: nil and why, or the one byte kept; never 200000 */
    static const char not_kept[] = "nil\tnot in the capture\n";
    for (const char *line = report; *line; line = strchr(line, '\n') + 1)
        if (strncmp(line, not_kept, strlen(not_kept)) != 0 && strncmp(line, "A\n", 2) != 0)
            fail_msg("unexpected line in %s", report);
    assert_non_null(strstr(report, not_kept));
    free(report);
}

static void test_sql(void **state)
{
    struct e2e *t = *state;
    free(report_of(t, "-w", "cap.db", "/bin/sh", "-c", COMMAND));
    const char *cap = e2e_path(t, "cap.db");
    assert_string_equal(query(t, cap, "select value from meta where key in"
                                      " ('schema_version', 'complete', 'capture_size')"
                                      " order by key"),
                        "32\n1\n1\n");
    /* the files opened for writing, by the kernel's name */
    assert_string_equal(query(t, cap, e2e_str("select substr(path, %zu) from events"
                                              " where name = 'openat' and arg3 & 3 != 0"
                                              " and path like '%s/%%' order by id",
                                              strlen(t->dir) + 2, t->dir)),
                        "f1\nf2\nf3\nf4\n");
    assert_string_equal(query(t, cap, "select distinct error from events"
                                      " where path like '%/f9'"),
                        "ENOENT\n");
    assert_string_equal(query(t, cap, "select command from events where kind = 'exec'"
                                      " order by id"),
                        "/bin/sh -c " COMMAND "\ncat f1\ncat f1 f2\nls f1 f9\nsh -c echo b > f4\n");
    assert_string_equal(query(t, cap, "select kind, count(*) from events"
                                      " where kind != 'syscall' group by kind order by kind"),
                        "exec|5\nexit|5\nsignal|4\nspawn|5\n");
    /* write(1, "a\n", 2) of echo a: the buffer as kept */
    assert_string_equal(query(t, cap, "select quote(r.data) from events e join reads r"
                                      " on r.event = e.id where e.name = 'write'"
                                      " and r.what = 'bytes' order by e.id limit 1"),
                        "X'610A'\n");
}

/* wt.every functions run at their times on the capture's clock, the same
 * in every replay, over the same calls as live. */
static void test_every_on_the_capture_clock(void **state)
{
    struct e2e *t = *state;
    const char *script = "local n = 0 wt.every(0.5, function() print(n) n = 0 end) "
                         "function on_enter() n = n + 1 end function on_end() print(n) end";
    char *live = report_of(t, "-w", "cap.db", "-e", script, "/bin/sh", "-c",
                           "for i in 1 2 3 4 5 6; do sleep 0.2; done");
    char *replayed = report_of(t, "-r", "cap.db", "-e", script);
    char *again = report_of(t, "-r", "cap.db", "-e", script);
    assert_string_equal(again, replayed);
    /* the same calls, counted in ticks of the capture's own clock; which
     * tick a call just at a tick's time falls in live depends on how fast
     * the tracer was, and the last tick on when the command ended */
    long live_sum = 0, replay_sum = 0;
    int live_lines = 0, replay_lines = 0;
    for (char *p = live; *p; p = strchr(p, '\n') + 1, live_lines++)
        live_sum += strtol(p, NULL, 10);
    for (char *p = replayed; *p; p = strchr(p, '\n') + 1, replay_lines++)
        replay_sum += strtol(p, NULL, 10);
    assert_int_equal(replay_sum, live_sum);
    if (live_lines < 3 || replay_lines < 3)
        fail_msg("expected two ticks and the end, got:\n%s\nand replayed:\n%s", live, replayed);
    free(live);
    free(replayed);
    free(again);
}

/* --capture-size: data buffers are kept up to that many bytes (and the one
 * more the decoder reads to tell a longer buffer); replayed with a larger
 * limit, the buffer shows as its address, as unreadable memory does. */
static void test_capture_size(void **state)
{
    struct e2e *t = *state;
    const char *cap = e2e_path(t, "cap.db");
    free(report_of(t, "-w", cap, "--capture-size=8", "/bin/sh", "-c", "echo abcdefghijkl"));
    assert_string_equal(query(t, cap, "select quote(r.data) from events e join reads r"
                                      " on r.event = e.id where e.name = 'write'"),
                        "X'616263646566676869'\n");
    char *short_lines = report_of(t, "-r", cap, "-s", "trace", "-a", "trace=write", "-a", "s=8");
    if (!strstr(short_lines, "write(1, \"abcdefgh\"..., 13)       = 13\n"))
        fail_msg("no 8-byte write in:\n%s", short_lines);
    char *long_lines = report_of(t, "-r", cap, "-s", "trace", "-a", "trace=write");
    if (!strstr(long_lines, "write(1, 0x"))
        fail_msg("no write with its address in:\n%s", long_lines);
    free(short_lines);
    free(long_lines);
}

static void test_killed_capture_is_truncated(void **state)
{
    struct e2e *t = *state;
    const char *cap = e2e_path(t, "cap.db");
    e2e_wtlua_start(t, -1, "-w", cap, "/bin/sh", "-c", "while :; do : < /dev/null; done");
    /* wait for a committed batch (every half second while events come);
     * the sqlite3 shell would make the file if it did not exist yet */
    if (!e2e_wait_path(cap, E2E_WAIT_MS)) {
        kill(t->pid, SIGKILL); /* its command loops forever */
        e2e_finish(t, E2E_TIMEOUT_MS, NULL);
        fail_msg("no %s", cap);
    }
    long end = e2e_now_ms() + E2E_WAIT_MS;
    /* the probes run in a directory of their own: their output files
     * are not wtlua's */
    struct e2e probe = *t;
    probe.out = probe.err = NULL;
    if ((size_t)snprintf(probe.dir, sizeof probe.dir, "%s/probe", t->dir) >= sizeof probe.dir
        || mkdir(probe.dir, 0755) < 0)
        fail_msg("mkdir %s: %s", probe.dir, strerror(errno));
    for (;;) {
        const char *argv[] = { "/bin/sh", "-c",
                               "exec sqlite3 \"$0\" '.timeout 2000' "
                               "'select count(*) > 100 from events'",
                               cap, NULL };
        if (e2e_exec(&probe, argv) == 0 && strcmp(probe.out, "1\n") == 0)
            break;
        if (e2e_now_ms() > end) { /* wtlua's command loops forever: end it */
            kill(t->pid, SIGKILL);
            e2e_finish(t, E2E_TIMEOUT_MS, NULL);
            fail_msg("no committed events: %s", probe.err);
        }
        e2e_sleep_ms(50);
    }
    free(probe.out);
    free(probe.err);
    kill(t->pid, SIGKILL);
    e2e_finish(t, E2E_TIMEOUT_MS, NULL);
    assert_int_equal(t->status, 256 + SIGKILL);
    char *report = report_of(t, "-r", cap, "-e",
                             "local n = 0 function on_return() n = n + 1 end "
                             "function on_end() print(n > 100) end");
    assert_string_equal(report, "true\n");
    assert_string_equal(t->err, e2e_str("wtlua: %s: the capture is truncated (wtlua was "
                                        "stopped before it ended it); replaying the events "
                                        "it holds\n", cap));
    assert_string_equal(query(t, cap, "pragma integrity_check"), "ok\n");
    free(report);
}

static void test_not_a_capture(void **state)
{
    struct e2e *t = *state;
    const char *junk = e2e_path(t, "junk.db");
    e2e_write(junk, "this is no database, but it is long enough to look like a header.\n"
                    "this is no database, but it is long enough to look like a header.\n",
              0644);
    e2e_wtlua(t, "-r", junk);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err,
                        e2e_str("wtlua: %s: not a wtlua capture (file is not a database)\n", junk));

    const char *other = e2e_path(t, "other.db");
    query(t, other, "create table t(x); insert into t values(1)");
    e2e_wtlua(t, "-r", other);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err,
                        e2e_str("wtlua: %s: not a wtlua capture (no such table: meta)\n", other));

    const char *newer = e2e_path(t, "newer.db");
    query(t, newer, "create table meta(key text primary key, value);"
                    "insert into meta values('schema_version', 2)");
    e2e_wtlua(t, "-r", newer);
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, e2e_str("wtlua: %s: capture schema version 2; this wtlua reads "
                                        "version 1 and older (a newer wtlua wrote it)\n", newer));

    /* a capture whose pages after the first (the schema) are garbage */
    const char *broken = e2e_path(t, "broken.db");
    e2e_wtlua(t, "-w", broken, "/bin/sh", "-c", "cat /dev/null; cat /dev/null");
    e2e_assert_status(t, 0);
    struct stat st;
    int fd = open(broken, O_WRONLY);
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 8192)
        fail_msg("%s: too small", broken);
    char garbage[4096];
    memset(garbage, 0x55, sizeof garbage);
    for (off_t at = 4096; at < st.st_size; at += (off_t)sizeof garbage)
        if (pwrite(fd, garbage, sizeof garbage, at) != (ssize_t)sizeof garbage)
            fail_msg("pwrite: %s", strerror(errno));
    close(fd);
    e2e_wtlua(t, "-r", broken, "-e", "");
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, e2e_str("wtlua: %s: corrupt capture (database disk image is "
                                        "malformed)\n", broken));

    e2e_wtlua(t, "-r", e2e_path(t, "missing.db"));
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, e2e_str("wtlua: %s: No such file or directory\n",
                                        e2e_path(t, "missing.db")));

    e2e_wtlua(t, "-r", junk, "/bin/true");
    e2e_assert_status(t, 125);
    assert_string_equal(t->err, "wtlua: -r replays a capture: give no command, -p or -w with "
                                "it\n");
}

/* An i386 tracee: its arguments, paths and arch come back from the file. */
static void test_i386_capture(void **state)
{
    struct e2e *t = *state;
    const char *cap = e2e_path(t, "cap.db");
    char *live = report_of(t, "-w", cap, "-e",
                           "function on_return(sc) if sc.name == 'openat' and sc.ret >= 0 then "
                           "print(sc.arch, sc:path(), sc:fd_path(sc.ret), sc:arg('flags')) end end",
                           e2e_fixture("openers-32"), "dirfd", t->dir);
    char *replayed = report_of(t, "-r", cap, "-e",
                               "function on_return(sc) if sc.name == 'openat' and sc.ret >= 0 "
                               "then print(sc.arch, sc:path(), sc:fd_path(sc.ret), "
                               "sc:arg('flags')) end end");
    assert_string_equal(replayed, live);
    const char *want = e2e_str("i386\t%s/sub/via-dirfd\t%s/sub/via-dirfd\t%d\n", t->dir, t->dir,
                               O_WRONLY | O_CREAT | O_TRUNC);
    if (!strstr(replayed, want))
        fail_msg("no '%s' in:\n%s", want, replayed);
    char *trace = report_of(t, "-r", cap, "-s", "trace", "-a", "trace=openat");
    if (!strstr(trace, "openat(3, \"via-dirfd\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4\n"))
        fail_msg("no via-dirfd open in:\n%s", trace);
    free(live);
    free(replayed);
    free(trace);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_replay_gives_the_live_report),
        e2e_test(test_capture_of_everything),
        e2e_test(test_not_captured),
        e2e_test(test_hostile_capture_inputs),
        e2e_test(test_sql),
        e2e_test(test_capture_size),
        e2e_test(test_every_on_the_capture_clock),
        e2e_test(test_killed_capture_is_truncated),
        e2e_test(test_not_a_capture),
        e2e_test(test_i386_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
