/* The end-to-end test harness: each test gets a fresh temp directory (its
 * cmocka state), runs the real wtlua binary there (fork/exec, no shell)
 * with the report sent to DIR/report via -o, and compares files exactly.
 *
 * Environment (set by `make e2e`): WTLUA, the wtlua binary; FIXTURES, the
 * directory of built fixture programs; SRCROOT, the source tree. */
#ifndef WTLUA_E2E_H
#define WTLUA_E2E_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* A wtlua run that takes longer than this is killed and fails the test. */
#define E2E_TIMEOUT_MS 20000

/* How long a test waits for a sign that something happened (a file a
 * fixture makes, a signal taken) before it fails: as long as a run may
 * take, because under valgrind on a loaded machine everything is slow
 * (wtlua took 4.6 s to start and attach there), and only a failing test
 * waits this long. */
#define E2E_WAIT_MS E2E_TIMEOUT_MS

/* The most arguments a run's argv holds, its NULL included. */
#define E2E_MAX_ARGS 64

struct e2e {
    char dir[PATH_MAX];     /* the fresh temp dir, canonical; wtlua's cwd */
    char report[PATH_MAX + 16]; /* DIR/report: where -o sends the report */
    int status;             /* the last run's exit status (256+N: killed by N) */
    pid_t pid;              /* the last run's wtlua pid */
    char command[PATH_MAX]; /* the last run's argv[0], for messages */
    char *out, *err;        /* the last run's own stdout and stderr */
    const void *param;      /* a table-driven test's row (e2e_row) */
};

/* printf into one of a ring of static buffers: short-lived strings for
 * paths and expected texts without bookkeeping. */
static inline const char *e2e_str(const char *fmt, ...)
{
    static char bufs[32][8192];
    static unsigned next;
    char *buf = bufs[next++ % 32];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof bufs[0], fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof bufs[0])
        fail_msg("e2e_str: string too long");
    return buf;
}

static inline const char *e2e_env(const char *name)
{
    const char *value = getenv(name);
    if (!value || !*value)
        fail_msg("%s is not set: run the tests with `make e2e`", name);
    return value;
}

/* The path of a built fixture ("openers", "openers-32"). */
static inline const char *e2e_fixture(const char *name)
{
    return e2e_str("%s/%s", e2e_env("FIXTURES"), name);
}

/* DIR/name. */
static inline const char *e2e_path(const struct e2e *t, const char *name)
{
    return e2e_str("%s/%s", t->dir, name);
}

/* The whole file, NUL-terminated (malloc'd), or NULL when it cannot be read. */
static inline char *e2e_read(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len <= 1) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    if (!buf)
        fail_msg("out of memory reading %s", path);
    buf[len] = '\0';
    return buf;
}

static inline void e2e_write(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        fail_msg("cannot write %s", path);
    close(fd);
    if (chmod(path, mode) < 0)
        fail_msg("chmod %s: %s", path, strerror(errno));
}

/* Writes a script to DIR/name and returns its path. */
static inline const char *e2e_script(const struct e2e *t, const char *name, const char *text)
{
    const char *path = e2e_path(t, name);
    e2e_write(path, text, 0644);
    return path;
}

static inline bool e2e_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* The file must exist and hold exactly `expected`; a failure is reported
 * at the caller's line. */
static inline void e2e_assert_file_at(const char *path, const char *expected, const char *file,
                                      int line)
{
    char *text = e2e_read(path);
    if (!text) {
        print_error("cannot read %s: %s\n", path, strerror(errno));
        _fail(file, line);
    }
    _assert_string_equal(text, expected, file, line);
    free(text);
}
#define e2e_assert_file(path, expected) e2e_assert_file_at((path), (expected), __FILE__, __LINE__)
#define e2e_assert_report(t, expected) e2e_assert_file((t)->report, (expected))

static inline int e2e_compare_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The text's lines in sorted order (malloc'd), for reports whose order
 * depends on scheduling. */
static inline char *e2e_sorted_lines(const char *text)
{
    size_t len = strlen(text), n = 0;
    char *copy = strdup(text), **lines = calloc(len + 1, sizeof *lines), *out = malloc(len + 2);
    if (!copy || !lines || !out)
        fail_msg("out of memory");
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        lines[n++] = line;
    qsort(lines, n, sizeof *lines, e2e_compare_lines);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(lines);
    free(copy);
    return out;
}

/* The report, its lines sorted, must equal `expected` (sorted too). */
static inline void e2e_assert_report_unordered_at(const struct e2e *t, const char *expected,
                                                  const char *file, int line)
{
    char *report = e2e_read(t->report);
    if (!report) {
        print_error("cannot read %s: %s\n", t->report, strerror(errno));
        _fail(file, line);
    }
    char *got = e2e_sorted_lines(report), *want = e2e_sorted_lines(expected);
    _assert_string_equal(got, want, file, line);
    free(got);
    free(want);
    free(report);
}
#define e2e_assert_report_unordered(t, expected) \
    e2e_assert_report_unordered_at((t), (expected), __FILE__, __LINE__)

/* The lines DIR/name for each name (names already escaped as the report
 * escapes them), as the default script prints them. */
static inline const char *e2e_paths_v(const struct e2e *t, const char *const names[])
{
    static char buf[8192];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; names[i]; i++) {
        int n = snprintf(buf + len, sizeof buf - len, "%s/%s\n", t->dir, names[i]);
        if (n < 0 || (size_t)n >= sizeof buf - len)
            fail_msg("e2e_paths: too long");
        len += (size_t)n;
    }
    return e2e_str("%s", buf);
}
#define e2e_paths(t, ...) e2e_paths_v((t), (const char *const[]){ __VA_ARGS__, NULL })

static inline void e2e_redirect(const char *path, int fd, int flags)
{
    int f = open(path, flags, 0644);
    if (f < 0 || dup2(f, fd) < 0)
        _exit(124);
    close(f);
}

/* argv[0..n-1] as they are, then args, then NULL; argv holds E2E_MAX_ARGS. */
static inline void e2e_argv(const char *argv[], size_t n, const char *const args[])
{
    for (size_t i = 0; args[i]; i++) {
        if (n + 1 >= E2E_MAX_ARGS)
            fail_msg("too many arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
}

/* argv = WTLUA -o DIR/report ARGS... */
static inline void e2e_wtlua_argv(const struct e2e *t, const char *argv[],
                                  const char *const args[])
{
    argv[0] = e2e_env("WTLUA");
    argv[1] = "-o";
    argv[2] = t->report;
    e2e_argv(argv, 3, args);
}

/* In a child about to become a run: cwd DIR, stdout and stderr into the
 * files e2e_finish reads, then argv (argv[0] a path). */
static inline _Noreturn void e2e_exec_child(const struct e2e *t, const char *const argv[])
{
    if (chdir(t->dir) < 0)
        _exit(124);
    e2e_redirect(e2e_path(t, ".stdout"), 1, O_WRONLY | O_CREAT | O_TRUNC);
    e2e_redirect(e2e_path(t, ".stderr"), 2, O_WRONLY | O_CREAT | O_TRUNC);
    execv(argv[0], (char *const *)argv);
    _exit(124);
}

/* Forks the child that will run argv: returns 0 in it, its pid (also in
 * t->pid) in this process. */
static inline pid_t e2e_fork_run(struct e2e *t, const char *const argv[])
{
    snprintf(t->command, sizeof t->command, "%s", argv[0]);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid > 0)
        t->pid = pid;
    return pid;
}

/* Starts argv (argv[0] a path) in DIR, in a process group of its own (so
 * that a timeout can kill the whole tree), with stdin from in_fd
 * (/dev/null when it is -1) and stdout, stderr captured; returns at once
 * with t->pid set.  Collect the run with e2e_finish. */
static inline pid_t e2e_start(struct e2e *t, int in_fd, const char *const argv[])
{
    pid_t pid = e2e_fork_run(t, argv);
    if (pid == 0) {
        setpgid(0, 0);
        if (in_fd < 0)
            e2e_redirect("/dev/null", 0, O_RDONLY);
        else if (dup2(in_fd, 0) < 0)
            _exit(124);
        e2e_exec_child(t, argv);
    }
    setpgid(pid, pid); /* before any kill(-pid) of ours, whoever runs first */
    return pid;
}

/* Defined with the runs in the background, below. */
static inline int e2e_finish(struct e2e *t, long timeout_ms, struct rusage *ru);

/* Runs argv (argv[0] a path) in DIR with stdin from /dev/null and stdout,
 * stderr captured into t->out, t->err.  Returns the exit status, 256+N
 * when a signal N killed it; a run past E2E_TIMEOUT_MS fails the test. */
static inline int e2e_exec(struct e2e *t, const char *const argv[])
{
    e2e_start(t, -1, argv);
    return e2e_finish(t, E2E_TIMEOUT_MS, NULL);
}

/* wtlua with these arguments, exactly. */
static inline int e2e_run_v(struct e2e *t, const char *const args[])
{
    const char *argv[E2E_MAX_ARGS] = { e2e_env("WTLUA") };
    e2e_argv(argv, 1, args);
    return e2e_exec(t, argv);
}

/* wtlua -o DIR/report with these arguments. */
static inline int e2e_wtlua_v(struct e2e *t, const char *const args[])
{
    const char *argv[E2E_MAX_ARGS];
    e2e_wtlua_argv(t, argv, args);
    return e2e_exec(t, argv);
}

#define e2e_run(t, ...) e2e_run_v((t), (const char *const[]){ __VA_ARGS__, NULL })
#define e2e_wtlua(t, ...) e2e_wtlua_v((t), (const char *const[]){ __VA_ARGS__, NULL })

/* Asserts the last run's exit status, showing its stderr when it differs. */
#define e2e_assert_status(t, expected)                                                   \
    do {                                                                                 \
        if ((t)->status != (expected))                                                   \
            fail_msg("wtlua exited %d, expected %d; its stderr:\n%s", (t)->status,       \
                     (expected), (t)->err ? (t)->err : "");                              \
    } while (0)

/* ---- cmocka setup and teardown: the fresh temp dir ---- */

static inline int e2e_setup(void **state)
{
    struct e2e *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    const char *tmp = getenv("TMPDIR");
    char templ[PATH_MAX];
    snprintf(templ, sizeof templ, "%s/wtlua-e2e-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(templ) || !realpath(templ, t->dir)) {
        free(t);
        return -1;
    }
    snprintf(t->report, sizeof t->report, "%s/report", t->dir);
    t->status = -1;
    t->param = *state;
    *state = t;
    return 0;
}

static inline int e2e_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 ? -1 : 0;
}

static inline int e2e_teardown(void **state)
{
    struct e2e *t = *state;
    int rc = nftw(t->dir, e2e_remove_one, 16, FTW_DEPTH | FTW_PHYS);
    free(t->out);
    free(t->err);
    free(t);
    return rc;
}

#define e2e_test(fn) cmocka_unit_test_setup_teardown(fn, e2e_setup, e2e_teardown)
/* One row of a table-driven test: fn gets the row as t->param. */
#define e2e_row(label, fn, row) \
    { (label), (fn), e2e_setup, e2e_teardown, (void *)(row) }

/* ---- runs in the background: signals to wtlua, attaching ---- */

/* Milliseconds on the monotonic clock. */
static inline long e2e_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static inline void e2e_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Gives what must not happen (wtlua ending, a command killed) the time
 * to show that it did.  A sleep, since nothing happening makes no sign to
 * wait for; what does happen is waited for by its sign (e2e_await_path,
 * e2e_wait_signal_taken), never by a sleep. */
static inline void e2e_let_nothing_happen(long ms)
{
    e2e_sleep_ms(ms);
}

/* Polls until path exists, for at most timeout_ms; returns whether it does. */
static inline bool e2e_wait_path(const char *path, long timeout_ms)
{
    long end = e2e_now_ms() + timeout_ms;
    while (!e2e_exists(path)) {
        if (e2e_now_ms() > end)
            return false;
        e2e_sleep_ms(1);
    }
    return true;
}

/* fail_msg at the caller's line: the waits below fail there. */
CMOCKA_PRINTF_ATTRIBUTE(3, 4)
static inline void e2e_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_error("ERROR: ");
    vprint_error(fmt, ap);
    print_error("\n");
    va_end(ap);
    _fail(file, line);
}

/* Waits for DIR/name, the sign a fixture or a script makes when it has
 * got somewhere; fails the test when it has not appeared in E2E_WAIT_MS. */
static inline void e2e_await_path_at(const struct e2e *t, const char *name, const char *file,
                                     int line)
{
    if (!e2e_wait_path(e2e_path(t, name), E2E_WAIT_MS))
        e2e_fail_at(file, line, "%s did not appear within %d ms", name, E2E_WAIT_MS);
}
#define e2e_await_path(t, name) e2e_await_path_at((t), (name), __FILE__, __LINE__)

/* Waits until DIR/name holds a number (a pid a fixture wrote) and returns
 * it.  The file is created before its one write: it must not be read
 * while empty. */
static inline long e2e_await_number_at(const struct e2e *t, const char *name, const char *file,
                                       int line)
{
    long end = e2e_now_ms() + E2E_WAIT_MS;
    for (;;) {
        char *text = e2e_read(e2e_path(t, name));
        char *tail = NULL;
        long n = text ? strtol(text, &tail, 10) : 0;
        bool whole = text && tail != text;
        free(text);
        if (whole)
            return n;
        if (e2e_now_ms() > end)
            e2e_fail_at(file, line, "%s did not get a number within %d ms", name, E2E_WAIT_MS);
        e2e_sleep_ms(1);
    }
}
#define e2e_await_number(t, name) e2e_await_number_at((t), (name), __FILE__, __LINE__)

/* Makes the directory DIR/name: the sign a fixture or a script waits for. */
static inline void e2e_mark(const struct e2e *t, const char *name)
{
    if (mkdir(e2e_path(t, name), 0755) < 0)
        fail_msg("mkdir %s: %s", name, strerror(errno));
}

/* A field of /proc/TID/status ("State", "PPid", "TracerPid"...) as text,
 * "" when it cannot be read (TID may be any thread's id). */
static inline const char *e2e_proc_status(pid_t tid, const char *field)
{
    char *text = e2e_read(e2e_str("/proc/%d/status", (int)tid));
    const char *key = e2e_str("\n%s:\t", field);
    const char *at = text ? strstr(text, key) : NULL;
    const char *value = at ? e2e_str("%.*s", (int)strcspn(at + strlen(key), "\n"),
                                     at + strlen(key))
                           : "";
    free(text);
    return value;
}

/* The syscall TID is blocked in (its number in TID's ABI), -1 when it is
 * running, in no syscall or gone. */
static inline long e2e_blocked_syscall(pid_t tid)
{
    char *text = e2e_read(e2e_str("/proc/%d/syscall", (int)tid));
    char *tail = NULL;
    long nr = text ? strtol(text, &tail, 10) : -1;
    bool number = text && tail != text && *tail == ' ';
    free(text);
    return number ? nr : -1;
}

/* Whether sig, sent to process pid, waits there to be taken. */
static inline bool e2e_signal_pending(pid_t pid, int sig)
{
    unsigned long long bit = 1ULL << (sig - 1);
    return (strtoull(e2e_proc_status(pid, "ShdPnd"), NULL, 16) & bit) ||
           (strtoull(e2e_proc_status(pid, "SigPnd"), NULL, 16) & bit);
}

/* After kill(pid, sig): waits until the process has taken the signal, so
 * that a handler of it has run (or runs before the process does anything
 * else) and the same signal sent again counts as a second one.  A signal
 * the process ignores is never pending: this returns at once. */
static inline void e2e_wait_signal_taken_at(pid_t pid, int sig, const char *file, int line)
{
    long end = e2e_now_ms() + E2E_WAIT_MS;
    while (e2e_signal_pending(pid, sig)) {
        if (e2e_now_ms() > end)
            e2e_fail_at(file, line, "process %d did not take signal %d within %d ms", (int)pid,
                        sig, E2E_WAIT_MS);
        e2e_sleep_ms(1);
    }
}
#define e2e_wait_signal_taken(pid, sig) \
    e2e_wait_signal_taken_at((pid), (sig), __FILE__, __LINE__)

/* Starts wtlua -o DIR/report ARGS in DIR the way e2e_wtlua runs it, but
 * returns at once with t->pid set; stdin comes from in_fd (/dev/null when
 * it is -1).  Collect the run with e2e_finish. */
static inline pid_t e2e_wtlua_start_v(struct e2e *t, int in_fd, const char *const args[])
{
    const char *argv[E2E_MAX_ARGS];
    e2e_wtlua_argv(t, argv, args);
    return e2e_start(t, in_fd, argv);
}
#define e2e_wtlua_start(t, in_fd, ...) \
    e2e_wtlua_start_v((t), (in_fd), (const char *const[]){ __VA_ARGS__, NULL })

/* Whether the run begun by e2e_wtlua_start is still going. */
static inline bool e2e_running(const struct e2e *t)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)t->pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0)
        return false;
    return info.si_pid == 0;
}

/* Waits for the run begun by e2e_wtlua_start for at most timeout_ms (then
 * kills its process group and fails the test) and collects it as
 * e2e_exec does: t->status, t->out, t->err.  ru, when not NULL, gets its
 * resource usage (wtlua's and that of the tracees it reaped). */
static inline int e2e_finish(struct e2e *t, long timeout_ms, struct rusage *ru)
{
    struct rusage usage;
    long end = e2e_now_ms() + timeout_ms;
    int status;
    for (;;) {
        pid_t r = wait4(t->pid, &status, WNOHANG, &usage);
        if (r == t->pid)
            break;
        if (r < 0 && errno != EINTR)
            fail_msg("wait4: %s", strerror(errno));
        if (e2e_now_ms() > end) {
            kill(-t->pid, SIGKILL);
            kill(t->pid, SIGKILL);
            waitpid(t->pid, &status, 0);
            fail_msg("%s did not finish within %ld ms", t->command, timeout_ms);
        }
        e2e_sleep_ms(1);
    }
    if (ru)
        *ru = usage;
    const char *out_path = e2e_path(t, ".stdout"), *err_path = e2e_path(t, ".stderr");
    free(t->out);
    free(t->err);
    t->out = e2e_read(out_path);
    t->err = e2e_read(err_path);
    if (!t->out || !t->err)
        fail_msg("cannot read the captured output");
    unlink(out_path);
    unlink(err_path);
    t->status = WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
    return t->status;
}

/* ---- runs as an ordinary user ---- */

/* The user the unprivileged tests run wtlua as (its group has the same
 * number): nobody, which exists on Debian and most other systems. */
#define E2E_NOBODY 65534

static inline int e2e_chown_one(const char *path, const struct stat *st, int flag,
                                struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return lchown(path, E2E_NOBODY, E2E_NOBODY) < 0 ? -1 : 0;
}

/* wtlua -o DIR/report ARGS as E2E_NOBODY, with no supplementary groups,
 * through setpriv(1) (util-linux); DIR and everything in it become that
 * user's first.  The tree wtlua runs from must be readable by others. */
static inline int e2e_wtlua_nobody_v(struct e2e *t, const char *const args[])
{
    if (nftw(t->dir, e2e_chown_one, 16, FTW_PHYS) < 0)
        fail_msg("chown %s: %s", t->dir, strerror(errno));
    const char *id = e2e_str("%d", E2E_NOBODY);
    const char *argv[E2E_MAX_ARGS] = { "/usr/bin/setpriv", e2e_str("--reuid=%s", id),
                                       e2e_str("--regid=%s", id), "--clear-groups",
                                       e2e_env("WTLUA"), "-o", t->report };
    e2e_argv(argv, 7, args);
    return e2e_exec(t, argv);
}
#define e2e_wtlua_nobody(t, ...) e2e_wtlua_nobody_v((t), (const char *const[]){ __VA_ARGS__, NULL })

#endif
