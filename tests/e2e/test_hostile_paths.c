/* Paths off the happy path, with the default script: a tracee in a chroot,
 * names through /proc/self/{fd,cwd}, ".." after a symlink, a /proc of
 * another PID namespace, and a FUSE file system whose daemon is itself
 * traced (a tracer that waits for that file system waits forever).  Each
 * runs as the suite's user and, where the suite runs as root, as an
 * ordinary user too.  Fixtures: in_chroot, fuse_memfs (skipped without
 * libfuse3 or /dev/fuse). */
#include "e2e.h"

#include <sys/mount.h>

/* A run that takes longer has hung; it is then ended by force. */
#define HANG_MS 10000

#define NOBODY 65534
#define SETPRIV "/usr/bin/setpriv"

/* ---- running as an ordinary user ---- */

static const char *suite_wtlua;

/* The ordinary-user variants.  As root: from here to the end of the test,
 * e2e_wtlua and e2e_wtlua_start run wtlua as uid NOBODY (through a setpriv
 * wrapper), with DIR open to it; returns true.  As anyone else: nothing
 * to change; false. */
static bool as_nobody(struct e2e *t)
{
    if (geteuid() != 0)
        return false;
    if (access(SETPRIV, X_OK) < 0)
        skip();
    if (chmod(t->dir, 0777) < 0)
        fail_msg("chmod %s: %s", t->dir, strerror(errno));
    /* `make check-valgrind` runs wtlua through tests/valgrind/wtlua, which
     * logs into VALGRIND_LOGS: nobody must be able to write there too. */
    const char *logs = getenv("VALGRIND_LOGS");
    if (logs && chmod(logs, 01777) < 0)
        fail_msg("chmod %s: %s", logs, strerror(errno));
    const char *wrapper = e2e_path(t, "wtlua-as-nobody");
    e2e_write(wrapper,
              e2e_str("#!/bin/sh\nexec " SETPRIV " --reuid=65534 --regid=65534 --clear-groups"
                      " %s \"$@\"\n", e2e_env("WTLUA")),
              0755);
    setenv("WTLUA", wrapper, 1);
    return true;
}

static int teardown(void **state)
{
    if (suite_wtlua)
        setenv("WTLUA", suite_wtlua, 1);
    return e2e_teardown(state);
}

#define test(fn) cmocka_unit_test_setup_teardown(fn, e2e_setup, teardown)

/* wtlua said nothing on stderr.  Run by an ordinary user it may warn that
 * its seccomp filter did not load (the trace is still whole, only slower:
 * libseccomp's -ECANCELED, issue 11's first item). */
static void assert_quiet(const struct e2e *t, bool nobody)
{
    if ((!nobody && geteuid() == 0) || !strstr(t->err, "cannot install the seccomp filter"))
        assert_string_equal(t->err, "");
}

/* ---- chroot ---- */

/* A tracee that enters DIR/jail and writes /etc/passwd there: the report
 * names DIR/jail/etc/passwd, never the host's /etc/passwd.  ".." stops at
 * the jail's root. */
static void check_chroot(struct e2e *t, bool nobody)
{
    static const char *const files[] = { "jail", "jail/etc" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (mkdir(e2e_path(t, files[i]), 0755) < 0)
            fail_msg("mkdir: %s", strerror(errno));
    e2e_write(e2e_path(t, "jail/etc/passwd"), "", 0666);
    e2e_write(e2e_path(t, "jail/etc/group"), "", 0666);
    e2e_write(e2e_path(t, "jail/top"), "", 0666);
    e2e_wtlua(t, e2e_fixture("in_chroot"), e2e_path(t, "jail"), "/etc", "/etc/passwd",
             "passwd", "../../../top", "/../etc/group");
    e2e_assert_status(t, 0);
    assert_quiet(t, nobody);
    e2e_assert_report(t, e2e_paths(t, "jail/etc/passwd", "jail/top", "jail/etc/group"));
    e2e_assert_file(e2e_path(t, "jail/etc/passwd"), "written in the jail as passwd\n");
    e2e_assert_file(e2e_path(t, "jail/top"), "written in the jail as ../../../top\n");
}

static void test_chroot(void **state)
{
    check_chroot(*state, false);
}

static void test_chroot_as_ordinary_user(void **state)
{
    struct e2e *t = *state;
    check_chroot(t, as_nobody(t));
}

/* ---- /proc/self links, symlinks and ".." ---- */

/* Names through the shell's own /proc/self/fd/3 (DIR/sub) and
 * /proc/self/cwd (DIR): the files they name, not the literal text. */
static void check_proc_self(struct e2e *t, bool nobody)
{
    e2e_wtlua(t, "/bin/sh", "-c",
             "mkdir sub && exec 3<sub && echo > /proc/self/fd/3/via-fd &&"
             " echo > /proc/self/cwd/via-cwd && echo > /proc/self/fd/3/../via-fd-up &&"
             " echo > /proc/$$/cwd/sub/via-pid && echo > /proc/thread-self/fd/3/sub-too");
    e2e_assert_status(t, 0);
    assert_quiet(t, nobody);
    e2e_assert_report(t, e2e_paths(t, "sub/via-fd", "via-cwd", "via-fd-up", "sub/via-pid",
                                   "sub/sub-too"));
    assert_true(e2e_exists(e2e_path(t, "sub/via-fd")));
    assert_true(e2e_exists(e2e_path(t, "via-fd-up")));
}

static void test_proc_self_links(void **state)
{
    check_proc_self(*state, false);
}

static void test_proc_self_links_as_ordinary_user(void **state)
{
    struct e2e *t = *state;
    check_proc_self(t, as_nobody(t));
}

/* "link/../x" with link a symlink: the kernel makes DIR/sub/x, so
 * sc:path dropping "link/.." would name a file never written.  ".."
 * after a name the tracee gave stays, for a real directory too
 * ("sub/../y"); right after the working directory's own name it goes
 * ("../DIRNAME/z").  The default script lists the kernel's names. */
static void test_dotdot_after_symlink(void **state)
{
    struct e2e *t = *state;
    const char *base = strrchr(t->dir, '/') + 1;
    const char *writes = e2e_str("mkdir -p sub/deeper && ln -s sub/deeper link && "
                                 "echo > link/../x && echo > sub/../y && echo > ../%s/z", base);
    e2e_wtlua(t, "-e",
              "wt.trace { openat = { flags = wt.any(O_WRONLY) } }\n"
              "function on_enter(sc) print(sc:path(2)) end\n",
              "/bin/sh", "-c", writes);
    e2e_assert_status(t, 0);
    assert_quiet(t, false);
    e2e_assert_report(t, e2e_paths(t, "link/../x", "sub/../y", "z"));
    assert_true(e2e_exists(e2e_path(t, "sub/x")));
    assert_false(e2e_exists(e2e_path(t, "x")));
    assert_true(e2e_exists(e2e_path(t, "y")));
    e2e_wtlua(t, "/bin/sh", "-c", writes);
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_paths(t, "sub/x", "y", "z"));
}

/* ---- PID namespaces ---- */

/* Prints sc:path of each write-open, or its error. */
static const char *const path_or_error =
    "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
    "function on_enter(sc)\n"
    "  local p, err = sc:path(2)\n"
    "  print(p or ('error: ' .. err))\n"
    "end\n";

/* wtlua under `unshare --pid --fork [--mount-proc]`: pid 1 of a new PID
 * namespace.  An ordinary user maps itself to root in a user namespace. */
static void run_in_pid_namespace(struct e2e *t, bool mount_proc)
{
    if (access("/usr/bin/unshare", X_OK) < 0)
        skip();
    const char *argv[24] = { "/usr/bin/unshare", "--pid", "--fork" };
    size_t n = 3;
    if (geteuid() != 0)
        argv[n++] = "--map-root-user";
    if (mount_proc)
        argv[n++] = "--mount-proc";
    const char *const rest[] = { e2e_env("WTLUA"), "-o", t->report, "-e", path_or_error,
                                 "/bin/sh", "-c", "echo > rel_file", NULL };
    for (size_t i = 0; rest[i]; i++)
        argv[n++] = rest[i];
    argv[n] = NULL;
    e2e_exec(t, argv);
    if (t->status == 1 && strstr(t->err, "unshare"))
        skip(); /* namespaces not permitted here */
    e2e_assert_status(t, 0);
    assert_quiet(t, false);
}

/* Without a new /proc, /proc/TID is another process than tracee TID (the
 * old code named "/rel_file", from pid 2's cwd: kthreadd's): the path is
 * not guessed, and the reason is given. */
static void test_foreign_pid_namespace_not_guessed(void **state)
{
    struct e2e *t = *state;
    run_in_pid_namespace(t, false);
    e2e_assert_report(t, "error: /proc shows another PID namespace than wtlua's "
                         "(unshare --pid needs --mount-proc)\n");
}

static void test_pid_namespace_with_own_proc(void **state)
{
    struct e2e *t = *state;
    run_in_pid_namespace(t, true);
    e2e_assert_report(t, e2e_paths(t, "rel_file"));
}

/* ---- FUSE ---- */

/* The mount's FUSE connection number (its device's minor), or -1 when
 * nothing is mounted at mnt: from mountinfo, which touches no file
 * system. */
static long fuse_connection(const char *mnt)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    char line[4096];
    long conn = -1;
    while (conn < 0 && fgets(line, sizeof line, f)) {
        unsigned major, minor;
        char point[PATH_MAX];
        if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, point) == 3 &&
            strcmp(point, mnt) == 0)
            conn = major == 0 ? (long)minor : -1;
    }
    fclose(f);
    return conn;
}

static bool wait_mounted(const char *mnt, long timeout_ms)
{
    long end = e2e_now_ms() + timeout_ms;
    while (fuse_connection(mnt) < 0) {
        if (e2e_now_ms() > end)
            return false;
        e2e_sleep_ms(5);
    }
    return true;
}

/* Runs argv to its end (a few seconds at most), output to /dev/null. */
static int run_quiet(const char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        e2e_redirect("/dev/null", 1, O_WRONLY);
        e2e_redirect("/dev/null", 2, O_WRONLY);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    for (long end = e2e_now_ms() + 5000; waitpid(pid, &status, WNOHANG) == 0;) {
        if (e2e_now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        e2e_sleep_ms(5);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Ends a FUSE mount without waiting for its daemon: aborts the connection
 * (as root, through the fusectl file system, mounted for the purpose when
 * it is not), then detaches the mount (umount2 MNT_DETACH, or fusermount3
 * -u -z as an ordinary user).  Anything blocked on it then fails with
 * ECONNABORTED instead of waiting. */
static void fuse_end(const char *mnt)
{
    long conn = fuse_connection(mnt);
    if (conn < 0)
        return;
    if (geteuid() != 0) {
        run_quiet((const char *const[]){ "/usr/bin/fusermount3", "-u", "-z", mnt, NULL });
        return;
    }
    const char *conns = "/sys/fs/fuse/connections";
    const char *abort_file = e2e_str("%s/%ld/abort", conns, conn);
    bool mounted_fusectl =
        access(abort_file, W_OK) < 0 && mount("fusectl", conns, "fusectl", 0, NULL) == 0;
    int fd = open(abort_file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "1", 1) != 1)
        print_message("cannot abort FUSE connection %ld: %s\n", conn, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (mounted_fusectl)
        umount2(conns, MNT_DETACH);
    umount2(mnt, MNT_DETACH);
}

/* Waits for the run started by e2e_wtlua_start.  When it has hung past
 * HANG_MS: ends the mount by force, kills the run's process group (and the
 * daemon, a child of the test, when it is not in it), collects them, and
 * fails the test. */
static void finish_or_rescue(struct e2e *t, const char *mnt, pid_t daemon)
{
    long end = e2e_now_ms() + HANG_MS;
    while (e2e_running(t) && e2e_now_ms() < end)
        e2e_sleep_ms(10);
    bool hung = e2e_running(t);
    if (hung) {
        fuse_end(mnt);
        kill(-t->pid, SIGKILL);
        if (daemon > 0)
            kill(daemon, SIGKILL);
    }
    e2e_finish(t, 5000, NULL);
    if (hung && daemon > 0)
        waitpid(daemon, NULL, 0);
    if (hung)
        fail_msg("wtlua hung on a FUSE mount served by its own tracee (stopped after %d ms;"
                 " the FUSE connection had to be aborted)", HANG_MS);
}

/* The FUSE test needs the fixture (libfuse3) and /dev/fuse. */
static void skip_without_fuse(void)
{
    if (access(e2e_fixture("fuse_memfs"), X_OK) < 0) {
        print_message("skipped: no fuse_memfs fixture (libfuse3-dev was missing at build)\n");
        skip();
    }
    if (access("/dev/fuse", F_OK) < 0) {
        print_message("skipped: no /dev/fuse\n");
        skip();
    }
}

/* Files written inside the mount by relative names with "..", and through
 * /proc/self/cwd; "x/../b" is where the old code's lstat of "x" asked the
 * daemon, stopped in wtlua, and never came back. */
#define FUSE_WRITES                                                                       \
    "cd mnt && mkdir sub && cd sub && mkdir x && echo a > ../a && echo b > x/../b &&"    \
    " echo c > /proc/self/cwd/c && echo d > /proc/self/cwd/../d && cat ../a b c ../d > e"
#define FUSE_REPORT "mnt/a", "mnt/sub/b", "mnt/sub/c", "mnt/d", "mnt/sub/e"
/* What the daemon was asked to create: where the kernel put them. */
#define FUSE_CREATED "create /a\ncreate /sub/b\ncreate /sub/c\ncreate /d\ncreate /sub/e\n"

static void check_fuse_result(struct e2e *t, const char *report)
{
    e2e_assert_status(t, 0);
    e2e_assert_report(t, report);
    char *journal = e2e_read(e2e_path(t, "journal"));
    assert_non_null(journal);
    char created[512] = "";
    for (char *line = strtok(journal, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "create ", 7) == 0 && strlen(created) + strlen(line) + 2 < sizeof created)
            strcat(strcat(created, line), "\n");
    free(journal);
    assert_string_equal(created, FUSE_CREATED);
}

/* A shell that starts the daemon on mnt (so that it is traced too), waits
 * for the mount, writes there, and ends the daemon. */
static const char *fuse_shell(const struct e2e *t, const char *mnt)
{
    return e2e_str(
        "set -e; mkdir mnt; %s %s %s & d=$!; trap 's=$?; kill $d; wait $d || :; exit $s' EXIT\n"
        "n=0; until grep -q ' %s ' /proc/self/mountinfo; do\n"
        "  n=$((n + 1)); [ $n -lt 500 ] || { echo not mounted >&2; exit 9; }; sleep 0.01\n"
        "done\n"
        FUSE_WRITES "\n",
        e2e_fixture("fuse_memfs"), mnt, e2e_path(t, "journal"), mnt);
}

/* wt.exists on a path in the mount, at the entry of an open there, while
 * the daemon waits for requests (any it got would stop it at its journal's
 * open): never a request, so never a hang, and "unknown" for an answer. */
static void test_fuse_exists_never_waits(void **state)
{
    struct e2e *t = *state;
    skip_without_fuse();
    if (geteuid() != 0) {
        print_message("skipped: mounting needs root here (see test_fuse_daemon_traced)\n");
        skip();
    }
    const char *mnt = e2e_path(t, "mnt");
    e2e_wtlua_start(t, -1, "-e",
                    e2e_str("wt.trace { openat = { flags = wt.any(O_WRONLY) } }\n"
                            "function on_enter(sc)\n"
                            "  local p = sc:path()\n"
                            "  if p and p:find('%s/', 1, true) == 1 then print(wt.exists(p)) end\n"
                            "end\n", mnt),
                    "/bin/sh", "-c", fuse_shell(t, mnt));
    finish_or_rescue(t, mnt, 0);
    fuse_end(mnt);
    if (t->status == 9) {
        print_message("skipped: cannot mount FUSE here: %s\n", t->err);
        skip();
    }
    e2e_assert_status(t, 0);
    const char *unknown = "nil\tunknown without waiting for a file system's process\n";
    e2e_assert_report(t, e2e_str("%s%s%s%s%s", unknown, unknown, unknown, unknown, unknown));
}

/* The daemon is started by the traced shell, so it is traced itself: each
 * request it serves stops it at its journal's open.  Mounting takes root
 * (a traced program runs fusermount3 without its set-uid bit). */
static void test_fuse_daemon_traced(void **state)
{
    struct e2e *t = *state;
    skip_without_fuse();
    if (geteuid() != 0) {
        print_message("skipped: mounting needs root here: a traced fusermount3 runs without"
                      " its set-uid bit (see test_fuse_daemon_attached_as_ordinary_user)\n");
        skip();
    }
    const char *mnt = e2e_path(t, "mnt");
    e2e_wtlua_start(t, -1, "/bin/sh", "-c", fuse_shell(t, mnt));
    finish_or_rescue(t, mnt, 0);
    fuse_end(mnt);
    if (t->status == 9) {
        print_message("skipped: cannot mount FUSE here: %s\n", t->err);
        skip();
    }
    assert_quiet(t, false);
    /* libfuse opens /dev/null until fds 0-2 are taken, then /dev/fuse. */
    check_fuse_result(t, e2e_str("/dev/null\n/dev/fuse\n%s", e2e_paths(t, "journal", FUSE_REPORT)));
}

/* As an ordinary user (fusermount3 cannot mount for a traced program): the
 * daemon mounts untraced, then wtlua attaches to it (-p) and runs the
 * shell; the attached daemon stops at every syscall. */
static void test_fuse_daemon_attached_as_ordinary_user(void **state)
{
    struct e2e *t = *state;
    skip_without_fuse();
    if (access("/usr/bin/fusermount3", X_OK) < 0) {
        print_message("skipped: no fusermount3\n");
        skip();
    }
    bool nobody = as_nobody(t);
    const char *mnt = e2e_path(t, "mnt");
    if (mkdir(mnt, 0755) < 0 || (nobody && chown(mnt, NOBODY, NOBODY) < 0))
        fail_msg("mkdir %s: %s", mnt, strerror(errno));
    fflush(NULL);
    pid_t daemon = fork();
    if (daemon < 0)
        fail_msg("fork: %s", strerror(errno));
    if (daemon == 0) {
        e2e_redirect(e2e_path(t, "daemon.err"), 2, O_WRONLY | O_CREAT | O_TRUNC);
        const char *const argv[] = { SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups",
                                     e2e_fixture("fuse_memfs"), mnt, e2e_path(t, "journal"),
                                     NULL };
        const char *const *run = nobody ? argv : argv + 4;
        execv(run[0], (char *const *)run);
        _exit(127);
    }
    if (!wait_mounted(mnt, 5000)) {
        kill(daemon, SIGKILL);
        waitpid(daemon, NULL, 0);
        char *err = e2e_read(e2e_path(t, "daemon.err"));
        print_message("skipped: an ordinary user cannot mount FUSE here: %s\n",
                      err ? err : "?");
        free(err);
        skip();
    }
    e2e_wtlua_start(t, -1, "-p", e2e_str("%d", (int)daemon), "/bin/sh", "-c",
                    e2e_str("trap 's=$?; kill %d; exit $s' EXIT; " FUSE_WRITES, (int)daemon));
    finish_or_rescue(t, mnt, daemon);
    fuse_end(mnt);
    waitpid(daemon, NULL, 0);
    check_fuse_result(t, e2e_paths(t, "journal", FUSE_REPORT));
}

int main(void)
{
    suite_wtlua = getenv("WTLUA");
    const struct CMUnitTest tests[] = {
        test(test_chroot),
        test(test_chroot_as_ordinary_user),
        test(test_proc_self_links),
        test(test_proc_self_links_as_ordinary_user),
        test(test_dotdot_after_symlink),
        test(test_foreign_pid_namespace_not_guessed),
        test(test_pid_namespace_with_own_proc),
        test(test_fuse_daemon_traced),
        test(test_fuse_exists_never_waits),
        test(test_fuse_daemon_attached_as_ordinary_user),
    };
    return cmocka_run_group_tests_name("hostile paths", tests, NULL, NULL);
}
