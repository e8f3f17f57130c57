/* Unit tests for src/paths.c: resolution as text against a task's root,
 * cwd or directory fd and through its /proc links, with the kernel's own
 * names of what a child opened as ground truth; chroots and namespaces;
 * reading /proc links; the existence test that never waits; and the table of
 * (dirfd, path) argument pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "paths.h"

/* The temp tree, by real path:
 *   B/dir/sub/          real directories
 *   B/target/inner/     real directories
 *   B/link -> target/inner
 *   B/dirlink -> dir
 *   B/file              a regular file */
static char B[256];
static int old_cwd = -1;

static void path_of(char *out, const char *rel)
{
    snprintf(out, PATH_MAX, "%s/%s", B, rel);
}

/* printf into one of a ring of static buffers: short-lived strings. */
static const char *fmt(const char *format, ...)
{
    static char bufs[8][PATH_MAX];
    static unsigned next;
    char *buf = bufs[next++ % 8];
    va_list ap;
    va_start(ap, format);
    vsnprintf(buf, PATH_MAX, format, ap);
    va_end(ap);
    return buf;
}

static int make_tree(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/wtlua-paths-XXXXXX";
    char real[PATH_MAX];
    if (!mkdtemp(tmpl) || !realpath(tmpl, real) || strlen(real) >= sizeof B)
        return -1;
    memcpy(B, real, strlen(real) + 1);
    static const char *const dirs[] = { "dir", "dir/sub", "target", "target/inner" };
    char p[PATH_MAX];
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        path_of(p, dirs[i]);
        if (mkdir(p, 0755) < 0)
            return -1;
    }
    path_of(p, "link");
    if (symlink("target/inner", p) < 0)
        return -1;
    path_of(p, "dirlink");
    if (symlink("dir", p) < 0)
        return -1;
    path_of(p, "file");
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    old_cwd = open(".", O_RDONLY | O_DIRECTORY);
    if (old_cwd < 0 || chdir(B) < 0)
        return -1;
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    if (old_cwd >= 0) {
        if (fchdir(old_cwd) < 0)
            return -1;
        close(old_cwd);
    }
    static const char *const files[] = { "link", "dirlink", "file" };
    static const char *const dirs[] = { "target/inner", "target", "dir/sub", "dir" };
    char p[PATH_MAX];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        path_of(p, files[i]);
        unlink(p);
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        path_of(p, dirs[i]);
        rmdir(p);
    }
    return rmdir(B);
}

/* ---- path_resolve: text only ---- */

/* path_resolve(tid, dirfd, path) gives want_rel: B/want_rel, B itself for
 * "", or an absolute path as it is. */
static void check_resolve(pid_t tid, int64_t dirfd, const char *path, const char *want_rel)
{
    char out[PATH_MAX], want[PATH_MAX];
    if (want_rel[0] == '/')
        snprintf(want, sizeof want, "%s", want_rel);
    else if (want_rel[0])
        path_of(want, want_rel);
    else
        snprintf(want, sizeof want, "%s", B);
    memset(out, '#', sizeof out);
    int rc = path_resolve(tid, dirfd, path, out, sizeof out);
    if (rc < 0)
        fail_msg("%s: %s", path, path_strerror(rc));
    assert_string_equal(out, want);
}

/* Each {path, want_rel} of a list ended by {NULL}, as check_resolve. */
struct resolve_case {
    const char *path, *want_rel;
};

static void check_resolve_cases(pid_t tid, int64_t dirfd, const struct resolve_case *cases)
{
    for (; cases->path; cases++)
        check_resolve(tid, dirfd, cases->path, cases->want_rel);
}

static void check_resolve_fails(pid_t tid, int64_t dirfd, const char *path, int want)
{
    char out[PATH_MAX];
    int rc = path_resolve(tid, dirfd, path, out, sizeof out);
    if (rc != want)
        fail_msg("%s: got %d (%s), want %d (%s)", path, rc, rc < 0 ? path_strerror(rc) : out,
                 want, path_strerror(want));
}

/* B's parent directory, and path under it. */
static const char *parent_of_b(const char *rest)
{
    static char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", B);
    *strrchr(buf, '/') = '\0';
    if (rest[0])
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "/%s", rest);
    else if (!buf[0])
        snprintf(buf, sizeof buf, "/");
    return buf;
}

static void test_resolve_slashes_and_dots(void **state)
{
    (void)state;
    static const struct resolve_case cases[] = {
        { "/", "/" },
        { "//", "/" },
        { "/.", "/" },
        { "/./.", "/" },
        { "//a///b", "/a/b" },
        { "/a/./b/.", "/a/b" },
        { "/a/b/", "/a/b" },
        { "/a/b/./", "/a/b" },
        { "/a/.../b", "/a/.../b" },
        { "/a/.b/..c/c../b.", "/a/.b/..c/c../b." },
        { "/.a", "/.a" },
        { "./dir//sub/", "dir/sub" },
        { ".", "" },
        { "", "" },
        { NULL, NULL },
    };
    check_resolve_cases(getpid(), AT_FDCWD, cases);
}

/* ".." at the root is the root. */
static void test_resolve_dotdot_at_root(void **state)
{
    (void)state;
    static const struct resolve_case cases[] = {
        { "/..", "/" },
        { "/../", "/" },
        { "/../..", "/" },
        { "/../a", "/a" },
        { "/./../a/", "/a" },
        { "//..//..//a", "/a" },
        { NULL, NULL },
    };
    check_resolve_cases(getpid(), AT_FDCWD, cases);
}

/* The base (the cwd's link text) has no symlink in it: ".." right after it
 * is its parent. */
static void test_resolve_dotdot_after_base_removed(void **state)
{
    (void)state;
    pid_t me = getpid();
    check_resolve(me, AT_FDCWD, "..", parent_of_b(""));
    check_resolve(me, AT_FDCWD, "../x", parent_of_b("x"));
    check_resolve(me, AT_FDCWD, "./.././x/", parent_of_b("x"));
    /* Never above the root, however many. */
    char many[PATH_MAX] = "";
    for (int i = 0; i < 64; i++)
        strcat(many, "../");
    strcat(many, "etc");
    check_resolve(me, AT_FDCWD, many, "/etc");
}

/* After a component of the tracee's string, ".." stays: that component may
 * be a symlink, and only asking the file system would tell.  It is not
 * asked (it may be served by a stopped tracee), so the rule holds for real
 * directories too. */
static void test_resolve_dotdot_after_path_component_kept(void **state)
{
    (void)state;
    static const struct resolve_case cases[] = {
        { "link/..", "link/.." },
        { "link/../y", "link/../y" },
        { "dirlink/sub/..", "dirlink/sub/.." },
        { "dir/..", "dir/.." },
        { "dir/sub/../x", "dir/sub/../x" },
        { "missing/../x", "missing/../x" },
        { "file/..", "file/.." },
        /* A kept ".." is a component of the string too. */
        { "link/../..", "link/../.." },
        { "/a/b/..", "/a/b/.." },
        { "/a/../..", "/a/../.." },
        /* Before the first such component they still go. */
        { "../../x/..", "/x/.." },
        { NULL, NULL },
    };
    check_resolve_cases(getpid(), AT_FDCWD, cases);
}

static void test_resolve_cwd_is_root(void **state)
{
    (void)state;
    assert_int_equal(chdir("/"), 0);
    char out[PATH_MAX];
    int rc = path_resolve(getpid(), AT_FDCWD, "etc//x", out, sizeof out);
    int rc2 = path_resolve(getpid(), AT_FDCWD, "", out + 100, sizeof out - 100);
    int rc3 = path_resolve(getpid(), AT_FDCWD, "..", out + 200, sizeof out - 200);
    assert_int_equal(chdir(B), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "/etc/x");
    assert_int_equal(rc2, 0);
    assert_string_equal(out + 100, "/");
    assert_int_equal(rc3, 0);
    assert_string_equal(out + 200, "/");
}

static void test_resolve_dirfd(void **state)
{
    (void)state;
    char p[PATH_MAX];
    path_of(p, "dir");
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    check_resolve(getpid(), fd, "sub/f", "dir/sub/f");
    check_resolve(getpid(), fd, "sub/../g", "dir/sub/../g");
    check_resolve(getpid(), fd, "..", "");
    check_resolve(getpid(), fd, "../file", "file");
    check_resolve(getpid(), fd, "", "dir");
    /* An fd opened through the symlink names the target. */
    path_of(p, "link");
    int lfd = open(p, O_RDONLY | O_DIRECTORY);
    assert_true(lfd >= 0);
    check_resolve(getpid(), lfd, "z", "target/inner/z");
    check_resolve(getpid(), lfd, "../z", "target/z");
    /* An O_PATH fd is a directory fd too. */
    int pfd = open(p, O_PATH | O_DIRECTORY);
    assert_true(pfd >= 0);
    check_resolve(getpid(), pfd, "z", "target/inner/z");
    /* The fd follows its directory when it is renamed. */
    char renamed[PATH_MAX];
    path_of(renamed, "dir-renamed");
    path_of(p, "dir");
    assert_int_equal(rename(p, renamed), 0);
    char out[PATH_MAX];
    int rc = path_resolve(getpid(), fd, "sub", out, sizeof out);
    assert_int_equal(rename(renamed, p), 0);
    assert_int_equal(rc, 0);
    char want[PATH_MAX];
    path_of(want, "dir-renamed/sub");
    assert_string_equal(out, want);
    close(pfd);
    close(lfd);
    close(fd);
}

static void test_resolve_absolute_ignores_dirfd(void **state)
{
    (void)state;
    char p[PATH_MAX];
    path_of(p, "dir");
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    check_resolve(getpid(), fd, "/etc//passwd", "/etc/passwd");
    check_resolve(getpid(), AT_FDCWD, "/a/./b/", "/a/b");
    check_resolve(getpid(), fd, "/", "/");
    close(fd);
    /* The kernel never looks at the dirfd of an absolute path, even a
     * bad one. */
    check_resolve(getpid(), 9999, "/etc/passwd", "/etc/passwd");
    check_resolve(getpid(), -5, "/x/.//y/", "/x/y");
    check_resolve(getpid(), INT64_C(1) << 40, "/z", "/z");
}

static void test_resolve_bad_dirfd(void **state)
{
    (void)state;
    pid_t me = getpid();
    check_resolve_fails(me, 9999, "x", -EBADF);
    check_resolve_fails(me, -1, "x", -EBADF);
    check_resolve_fails(me, -5, "x", -EBADF);
    check_resolve_fails(me, (int64_t)INT32_MAX + 1, "x", -EBADF);
    check_resolve_fails(me, INT64_MIN, "x", -EBADF);
    /* An fd that was open once. */
    int fd = open(B, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    close(fd);
    check_resolve_fails(me, fd, "x", -EBADF);
    check_resolve_fails(me, fd, "", -EBADF);
}

/* A dirfd that names no file (/proc calls a pipe "pipe:[N]", no path to
 * build on) gives ENOTDIR, as the kernel does.  A regular file's is not
 * told from a directory's: that would take asking the file system; the
 * call itself fails. */
static void test_resolve_dirfd_not_a_directory(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    check_resolve_fails(getpid(), p[0], "x", -ENOTDIR);
    check_resolve_fails(getpid(), p[0], "", -ENOTDIR);
    close(p[0]);
    close(p[1]);
    char file[PATH_MAX];
    path_of(file, "file");
    int fd = open(file, O_RDONLY);
    assert_true(fd >= 0);
    check_resolve(getpid(), fd, "x", "file/x");
    close(fd);
}

static void test_resolve_too_long(void **state)
{
    (void)state;
    size_t b = strlen(B);
    char out[PATH_MAX];
    /* B + "/file" + NUL needs b + 6 bytes. */
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "file", out, b + 5), -ENAMETOOLONG);
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "file", out, b + 6), 0);
    char want[PATH_MAX];
    path_of(want, "file");
    assert_string_equal(out, want);
    /* The base directory alone does not fit. */
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "", out, b), -ENAMETOOLONG);
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "", out, b + 1), 0);
    assert_string_equal(out, B);
    /* Absolute paths: the NUL must fit too. */
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "/abc", out, 4), -ENAMETOOLONG);
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "/abc", out, 5), 0);
    assert_string_equal(out, "/abc");
    /* A kept ".." needs its room. */
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "/a/..", out, 5), -ENAMETOOLONG);
    assert_int_equal(path_resolve(getpid(), AT_FDCWD, "/a/..", out, 6), 0);
    assert_string_equal(out, "/a/..");
}

/* Whatever the size, nothing is written past it. */
static void test_resolve_stays_in_bounds(void **state)
{
    (void)state;
    static const char *const inputs[] = { "a", "a/b", "/x/../y", "../q", "/proc/self/cwd/z", "" };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        for (size_t size = 1; size < strlen(B) + 24; size++) {
            char buf[PATH_MAX];
            memset(buf, 'Q', sizeof buf);
            int rc = path_resolve(getpid(), AT_FDCWD, inputs[i], buf, size);
            for (size_t j = size; j < sizeof buf; j++)
                if (buf[j] != 'Q')
                    fail_msg("%s, size %zu: byte %zu written", inputs[i], size, j);
            if (rc == 0 && strlen(buf) >= size)
                fail_msg("%s, size %zu: no NUL", inputs[i], size);
            if (rc != 0 && rc != -ENAMETOOLONG)
                fail_msg("%s, size %zu: %s", inputs[i], size, path_strerror(rc));
        }
    }
}

/* ---- other tasks: the kernel's own answer as ground truth ---- */

/* A child process to resolve paths for.  It runs setup (chdir, chroot...),
 * then opens each path it is sent with O_PATH and answers with the fd or
 * -errno: the kernel's name of what it opened, /proc/KID/fd/N, is what
 * path_resolve must give. */
struct kid {
    pid_t pid;
    int to, from;
};

/* Starts the kid; returns setup's result (not 0: the kid is stopped). */
static int kid_start(struct kid *k, int (*setup)(void))
{
    int down[2], up[2];
    assert_int_equal(pipe(down), 0);
    assert_int_equal(pipe(up), 0);
    fflush(NULL);
    k->pid = fork();
    assert_true(k->pid >= 0);
    if (k->pid == 0) {
        close(down[1]);
        close(up[0]);
        int rc = setup ? setup() : 0;
        if (write(up[1], &rc, sizeof rc) != sizeof rc || rc != 0)
            _exit(0);
        char path[PATH_MAX];
        ssize_t n;
        while ((n = read(down[0], path, sizeof path - 1)) > 0) {
            path[n] = '\0';
            int fd = open(path, O_PATH);
            int reply = fd >= 0 ? fd : -errno;
            if (write(up[1], &reply, sizeof reply) != sizeof reply)
                break;
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    k->to = down[1];
    k->from = up[0];
    int rc = -1;
    assert_int_equal(read(k->from, &rc, sizeof rc), sizeof rc);
    return rc;
}

static void kid_stop(struct kid *k)
{
    close(k->to);
    close(k->from);
    assert_int_equal(waitpid(k->pid, NULL, 0), k->pid);
}

static int kid_open(const struct kid *k, const char *path)
{
    size_t len = strlen(path);
    assert_int_equal(write(k->to, path, len), (ssize_t)len);
    int reply;
    assert_int_equal(read(k->from, &reply, sizeof reply), sizeof reply);
    return reply;
}

/* path_resolve names what the kernel opens for path in the kid. */
static void check_like_kernel(const struct kid *k, const char *path)
{
    int fd = kid_open(k, path);
    if (fd < 0)
        fail_msg("the kid cannot open %s: %s", path, strerror(-fd));
    char link[32], want[PATH_MAX], got[PATH_MAX];
    enum path_kind kind;
    snprintf(link, sizeof link, "fd/%d", fd);
    assert_int_equal(path_read_link(k->pid, link, want, sizeof want, &kind), 0);
    assert_int_equal(kind, PATH_FILE);
    int rc = path_resolve(k->pid, AT_FDCWD, path, got, sizeof got);
    if (rc < 0)
        fail_msg("%s: %s", path, path_strerror(rc));
    if (strcmp(got, want) != 0)
        fail_msg("%s: resolved to %s, the kernel opened %s", path, got, want);
}

/* Another process, with its own working directory: "x" is relative to
 * its cwd, and its /proc/self is itself, not the caller. */
static int in_dir_sub(void)
{
    return chdir("dir/sub") < 0 ? errno : 0;
}

static void test_resolve_other_process(void **state)
{
    (void)state;
    struct kid k;
    assert_int_equal(kid_start(&k, in_dir_sub), 0);
    check_resolve(k.pid, AT_FDCWD, "x", "dir/sub/x");
    check_resolve(k.pid, AT_FDCWD, "../../file", "file");
    check_like_kernel(&k, "../../file");
    check_like_kernel(&k, ".");
    check_like_kernel(&k, "/proc/self/cwd");
    check_like_kernel(&k, "/proc/self/cwd/..");
    check_like_kernel(&k, "/proc/thread-self/cwd/../../target");
    check_like_kernel(&k, fmt("/proc/%d/cwd/../..", (int)k.pid));
    check_resolve(k.pid, AT_FDCWD, "/proc/self/cwd/new", "dir/sub/new");
    check_resolve(getpid(), AT_FDCWD, "x", "x");
    check_resolve(getpid(), AT_FDCWD, "/proc/self/cwd/x", "x");
    kid_stop(&k);
}

/* The kid's fds 10 (B/target, a directory) and 11 (B/file). */
static int with_fds(void)
{
    char p[PATH_MAX];
    path_of(p, "target");
    int dir = open(p, O_RDONLY | O_DIRECTORY);
    path_of(p, "file");
    int file = open(p, O_RDONLY);
    if (dir < 0 || file < 0 || dup2(dir, 10) < 0 || dup2(file, 11) < 0)
        return errno;
    close(dir);
    close(file);
    return chdir("/") < 0 ? errno : 0;
}

/* /proc/self/fd/N, /proc/self/cwd, /proc/self/root: through the link's
 * text, which is canonical, so ".." right after it is removed. */
static void test_resolve_proc_self_links(void **state)
{
    (void)state;
    struct kid k;
    assert_int_equal(kid_start(&k, with_fds), 0);
    pid_t kid = k.pid;
    check_resolve(kid, AT_FDCWD, "/proc/self/fd/10/new", "target/new");
    check_resolve(kid, AT_FDCWD, "/proc/self/fd/10/../new", "new");
    check_resolve(kid, AT_FDCWD, "/proc/self/fd/10/inner/../new", "target/inner/../new");
    check_resolve(kid, AT_FDCWD, "/proc/thread-self/fd/10//./new", "target/new");
    check_resolve(kid, AT_FDCWD, fmt("/proc/%d/fd/10/new", (int)kid), "target/new");
    check_resolve(kid, AT_FDCWD, "proc/self/fd/10/new", "target/new"); /* its cwd is / */
    check_resolve(kid, AT_FDCWD, "/../proc/self/fd/10/new", "target/new");
    check_resolve(kid, AT_FDCWD, "/proc/self/root/etc/x", "/etc/x");
    check_like_kernel(&k, "/proc/self/fd/10");
    check_like_kernel(&k, "/proc/self/fd/10/inner");
    check_like_kernel(&k, "/proc/self/fd/10/..");
    check_like_kernel(&k, "/proc/self/fd/10/../dir/sub");
    check_like_kernel(&k, "/proc/self/fd/11");
    check_like_kernel(&k, "/proc/self/root/proc/self/fd/10/inner");
    check_like_kernel(&k, fmt("/proc/self/root%s/file", B));
    /* A file is not told from a directory (the call fails); a closed fd is
     * no entry. */
    check_resolve(kid, AT_FDCWD, "/proc/self/fd/11/x", "file/x");
    check_resolve_fails(kid, AT_FDCWD, "/proc/self/fd/99/x", -ENOENT);
    /* Not a link of its own: the task's directory as wtlua's /proc names
     * it, the rest as text. */
    check_resolve(kid, AT_FDCWD, "/proc/self/status", fmt("/proc/%d/status", (int)kid));
    check_resolve(kid, AT_FDCWD, "/proc/self/fd/x", fmt("/proc/%d/fd/x", (int)kid));
    check_resolve(kid, AT_FDCWD, "/proc/self", fmt("/proc/%d", (int)kid));
    check_resolve(kid, AT_FDCWD, "/proc/thread-self/fd", fmt("/proc/%d/fd", (int)kid));
    check_resolve(kid, AT_FDCWD, "/proc/selfish/cwd", "/proc/selfish/cwd");
    check_resolve(kid, AT_FDCWD, "/proc/0123/cwd", "/proc/0123/cwd");
    /* Only at the root: elsewhere "proc" is any name. */
    check_resolve(kid, AT_FDCWD, "/x/proc/self/cwd", "/x/proc/self/cwd");
    check_resolve(kid, AT_FDCWD, "/x/../proc/self/cwd", "/x/../proc/self/cwd");
    kid_stop(&k);
}

/* The link is the whole path and has no name: its own name, from wtlua's
 * /proc. */
static void test_resolve_proc_self_fd_without_name(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t me = getpid();
    check_resolve(me, AT_FDCWD, fmt("/proc/self/fd/%d", p[1]), fmt("/proc/%d/fd/%d", (int)me, p[1]));
    check_resolve_fails(me, AT_FDCWD, fmt("/proc/self/fd/%d/x", p[1]), -ENOTDIR);
    close(p[0]);
    close(p[1]);
    char file[PATH_MAX];
    path_of(file, "to-delete");
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(unlink(file), 0);
    check_resolve(me, AT_FDCWD, fmt("/proc/self/fd/%d", fd), fmt("/proc/%d/fd/%d", (int)me, fd));
    close(fd);
}

/* A thread with its own working directory (unshare(CLONE_FS)): relative
 * paths and /proc/thread-self are its own; /proc/self is the process's
 * (the leader's) as in the kernel. */
struct thread_cwd {
    pid_t tid;
    int ok;
    int ready[2], done[2];
};

static void *thread_main(void *arg)
{
    struct thread_cwd *t = arg;
    t->tid = gettid();
    t->ok = unshare(CLONE_FS) == 0 && chdir("target/inner") == 0;
    char c = 'x';
    if (write(t->ready[1], &c, 1) != 1)
        return NULL;
    while (read(t->done[0], &c, 1) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void test_resolve_thread_cwd(void **state)
{
    (void)state;
    struct thread_cwd t = { 0 };
    assert_int_equal(pipe(t.ready), 0);
    assert_int_equal(pipe(t.done), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, thread_main, &t), 0);
    char c;
    assert_int_equal(read(t.ready[0], &c, 1), 1);
    char out[3][PATH_MAX];
    int rc = path_resolve(t.tid, AT_FDCWD, "x", out[0], sizeof out[0]);
    int rc2 = path_resolve(t.tid, AT_FDCWD, "/proc/thread-self/cwd/x", out[1], sizeof out[1]);
    int rc3 = path_resolve(t.tid, AT_FDCWD, "/proc/self/cwd/x", out[2], sizeof out[2]);
    close(t.done[1]);
    pthread_join(th, NULL);
    close(t.done[0]);
    close(t.ready[0]);
    close(t.ready[1]);
    assert_true(t.ok);
    assert_int_equal(rc, 0);
    assert_int_equal(rc2, 0);
    assert_int_equal(rc3, 0);
    char want[PATH_MAX];
    path_of(want, "target/inner/x");
    assert_string_equal(out[0], want);
    assert_string_equal(out[1], want);
    path_of(want, "x");
    assert_string_equal(out[2], want);
    /* The main thread's cwd did not move. */
    check_resolve(getpid(), AT_FDCWD, "x", "x");
}

/* paths.h: "-ESRCH when the tracee is gone". */
static void test_resolve_gone_task(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t gone = fork();
    assert_true(gone >= 0);
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, NULL, 0), gone);
    check_resolve_fails(gone, AT_FDCWD, "x", -ESRCH);
    check_resolve_fails(gone, 3, "x", -ESRCH);
    check_resolve_fails(gone, AT_FDCWD, "/x", -ESRCH);
}

/* A working directory since removed: the kernel creates nothing there. */
static int in_removed_dir(void)
{
    char p[PATH_MAX];
    path_of(p, "gone");
    if (mkdir(p, 0755) < 0 || chdir(p) < 0 || rmdir(p) < 0)
        return errno;
    return 0;
}

static void test_resolve_deleted_cwd(void **state)
{
    (void)state;
    struct kid k;
    assert_int_equal(kid_start(&k, in_removed_dir), 0);
    check_resolve_fails(k.pid, AT_FDCWD, "x", -ENOENT);
    check_resolve_fails(k.pid, AT_FDCWD, "", -ENOENT);
    check_resolve_fails(k.pid, AT_FDCWD, "/proc/self/cwd/x", -ENOENT);
    check_resolve(k.pid, AT_FDCWD, "/proc/self/cwd", fmt("/proc/%d/cwd", (int)k.pid));
    check_resolve(k.pid, AT_FDCWD, "/x", "/x");
    kid_stop(&k);
}

/* ---- chroot ---- */

static int write_text(const char *file, const char *text)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* unshare(flags); for an ordinary user (EPERM), or with flags 0, in a
 * user namespace of its own where it is root (so that the files it makes
 * have an owner).  Returns 0, or -1 with errno set. */
static int unshare_as_needed(int flags)
{
    if (flags && unshare(flags) == 0)
        return 0;
    if (flags && errno != EPERM)
        return -1;
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWUSER | flags) < 0 || write_text("/proc/self/setgroups", "deny") < 0 ||
        write_text("/proc/self/uid_map", fmt("0 %d 1", (int)uid)) < 0 ||
        write_text("/proc/self/gid_map", fmt("0 %d 1", (int)gid)) < 0)
        return -1;
    return 0;
}

/* chroot needs CAP_SYS_CHROOT, which an ordinary user has in a user
 * namespace of its own.  Returns 0, or an errno. */
static int enter_chroot(const char *rel)
{
    char p[PATH_MAX];
    path_of(p, rel);
    if (chroot(p) < 0 && (errno != EPERM || unshare_as_needed(0) < 0 || chroot(p) < 0))
        return errno;
    return 0;
}

static int chroot_dir_cwd_sub(void)
{
    int rc = enter_chroot("dir");
    return rc ? rc : chdir("/sub") < 0 ? errno : 0;
}

/* Absolute paths are under the tracee's root, ".." never climbs above it,
 * and the result is the real file's name from wtlua's root. */
static void test_resolve_chroot(void **state)
{
    (void)state;
    struct kid k;
    int rc = kid_start(&k, chroot_dir_cwd_sub);
    if (rc != 0) {
        kid_stop(&k);
        print_message("chroot: %s\n", strerror(rc));
        skip();
    }
    char root[PATH_MAX];
    enum path_kind kind;
    assert_int_equal(path_read_link(k.pid, "root", root, sizeof root, &kind), 0);
    assert_string_equal(root, fmt("%s/dir", B));
    check_resolve(k.pid, AT_FDCWD, "/etc/passwd", "dir/etc/passwd");
    check_resolve(k.pid, AT_FDCWD, "/", "dir");
    check_resolve(k.pid, AT_FDCWD, "x", "dir/sub/x");
    check_resolve(k.pid, AT_FDCWD, "../../../x", "dir/x");
    check_resolve(k.pid, AT_FDCWD, "/../../etc/passwd", "dir/etc/passwd");
    check_resolve(k.pid, AT_FDCWD, "/sub/../x", "dir/sub/../x");
    check_resolve(k.pid, AT_FDCWD, "/proc/self/cwd/x", "dir/sub/x");
    check_resolve(k.pid, AT_FDCWD, "../proc/self/cwd/x", "dir/sub/x");
    check_resolve(k.pid, AT_FDCWD, "/proc/self/root/../etc", "dir/etc");
    check_like_kernel(&k, "/");
    check_like_kernel(&k, "/..");
    check_like_kernel(&k, "/../../sub");
    check_like_kernel(&k, ".");
    check_like_kernel(&k, "..");
    check_like_kernel(&k, "../../..");
    check_like_kernel(&k, "../../../sub");
    kid_stop(&k);
}

/* chroot without chdir: the cwd stays outside the root, and ".." from
 * there climbs past it (it never meets the root). */
static int chroot_dir_only(void)
{
    return enter_chroot("dir");
}

static void test_resolve_chroot_cwd_outside(void **state)
{
    (void)state;
    struct kid k;
    int rc = kid_start(&k, chroot_dir_only);
    if (rc != 0) {
        kid_stop(&k);
        skip();
    }
    check_resolve(k.pid, AT_FDCWD, "x", "x");
    check_resolve(k.pid, AT_FDCWD, "/x", "dir/x");
    check_resolve(k.pid, AT_FDCWD, "../y", parent_of_b("y"));
    check_like_kernel(&k, ".");
    check_like_kernel(&k, "..");
    check_like_kernel(&k, "file");
    check_like_kernel(&k, "/sub");
    kid_stop(&k);
}

/* ---- namespaces ---- */

/* Runs fn in a child and returns its exit status (256 + N: killed by N). */
static int child_status(int (*fn)(void))
{
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0)
        _exit(fn());
    assert_true(kid > 0);
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 256 + WTERMSIG(status);
}

#define SKIP_STATUS 77

/* A new PID namespace, entered by the process's next child. */
static int new_pid_namespace(void)
{
    return unshare_as_needed(CLONE_NEWPID);
}

/* Runs fn in a grandchild in a new PID namespace (pid 1 there); its status. */
static int in_new_pid_namespace(int (*fn)(void))
{
    if (new_pid_namespace() < 0)
        return SKIP_STATUS;
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0)
        _exit(fn());
    int status;
    if (kid < 0 || waitpid(kid, &status, 0) != kid)
        return 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

/* Runs fn in a grandchild in a new PID namespace and checks it returns 0
 * (skips when no namespace can be made). */
static int (*pid_namespace_fn)(void);

static int run_pid_namespace_fn(void)
{
    return in_new_pid_namespace(pid_namespace_fn);
}

static void check_in_new_pid_namespace(int (*fn)(void))
{
    pid_namespace_fn = fn;
    int status = child_status(run_pid_namespace_fn);
    if (status == SKIP_STATUS)
        skip();
    assert_int_equal(status, 0);
}

/* `unshare --pid --fork` without a new /proc: /proc shows the parent
 * namespace, where this process's pid (1) is init. */
static int resolve_with_foreign_proc(void)
{
    char out[PATH_MAX];
    enum path_kind kind;
    if (getpid() != 1)
        return 10;
    if (path_resolve(getpid(), AT_FDCWD, "x", out, sizeof out) != -PATH_EPROCNS)
        return 11;
    if (path_resolve(getpid(), AT_FDCWD, "/x", out, sizeof out) != -PATH_EPROCNS)
        return 12;
    if (path_read_link(getpid(), "cwd", out, sizeof out, &kind) != -PATH_EPROCNS)
        return 13;
    return 0;
}

static void test_resolve_foreign_pid_namespace(void **state)
{
    (void)state;
    check_in_new_pid_namespace(resolve_with_foreign_proc);
    assert_string_equal(path_strerror(-PATH_EPROCNS),
                        "/proc shows another PID namespace than wtlua's "
                        "(unshare --pid needs --mount-proc)");
    assert_string_equal(path_strerror(-ENOENT), strerror(ENOENT));
}

/* `unshare --pid --fork --mount-proc`: a /proc of its own namespace, and
 * all is well again; /proc/1 is itself. */
static int resolve_with_own_proc(void)
{
    if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return SKIP_STATUS;
    char out[PATH_MAX], want[PATH_MAX];
    path_of(want, "x");
    if (path_resolve(1, AT_FDCWD, "x", out, sizeof out) != 0 || strcmp(out, want) != 0)
        return 11;
    if (path_resolve(1, AT_FDCWD, "/proc/1/cwd/x", out, sizeof out) != 0 || strcmp(out, want) != 0)
        return 12;
    return 0;
}

static void test_resolve_pid_namespace_with_own_proc(void **state)
{
    (void)state;
    check_in_new_pid_namespace(resolve_with_own_proc);
}

/* A tracee in a PID namespace of its own (`unshare --pid --fork
 * --mount-proc` run under wtlua) numbers pids its own way: a number in its
 * /proc is not looked up in wtlua's. */
static int pid_namespace_kid(void)
{
    if (new_pid_namespace() < 0)
        return SKIP_STATUS;
    fflush(NULL);
    pid_t kid = fork();
    if (kid < 0)
        return 2;
    if (kid == 0) {
        char c;
        while (read(0, &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    /* Tell the test which pid the grandchild has, as the test sees it. */
    printf("%d\n", (int)kid);
    return 0;
}

static void test_resolve_tracee_in_own_pid_namespace(void **state)
{
    (void)state;
    int hold[2], report[2];
    assert_int_equal(pipe(hold), 0);
    assert_int_equal(pipe(report), 0);
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        dup2(hold[0], 0);
        dup2(report[1], 1);
        close(hold[1]);
        int rc = pid_namespace_kid();
        fflush(stdout);
        if (rc != 0)
            _exit(rc);
        while (wait(NULL) > 0 || errno == EINTR)
            ;
        _exit(0);
    }
    close(hold[0]);
    close(report[1]);
    char line[32] = "";
    ssize_t n = read(report[0], line, sizeof line - 1);
    pid_t inner = 0;
    if (n > 0) {
        line[n] = '\0';
        inner = (pid_t)atoi(line);
    }
    close(report[0]);
    if (inner > 0) {
        /* The grandchild is pid 1 in its namespace; the wtlua-side pid it
         * has is another number, and its "/proc/1" is not wtlua's. */
        check_resolve(inner, AT_FDCWD, "/proc/1/cwd/x", "/proc/1/cwd/x");
        check_resolve(inner, AT_FDCWD, "/proc/self/cwd/x", "x");
        check_resolve(inner, AT_FDCWD, fmt("/proc/%d/cwd/x", (int)inner),
                      fmt("/proc/%d/cwd/x", (int)inner));
    }
    close(hold[1]);
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS)
        skip();
    assert_true(inner > 0);
    assert_int_equal(status, 0);
}

/* A tracee in a mount namespace of its own (`unshare -m`) names files in
 * its tree: the same names as wtlua's for what it did not mount itself;
 * the kernel's own link texts say the same. */
static int own_mount_namespace(void)
{
    char p[PATH_MAX];
    path_of(p, "dir/sub");
    if (unshare_as_needed(CLONE_NEWNS) < 0)
        return SKIP_STATUS;
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tmpfs", p, "tmpfs", 0, NULL) < 0 || chdir(p) < 0)
        return errno;
    int fd = open("only-here", O_CREAT | O_WRONLY, 0644);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

static void test_resolve_own_mount_namespace(void **state)
{
    (void)state;
    struct kid k;
    int rc = kid_start(&k, own_mount_namespace);
    if (rc != 0) {
        kid_stop(&k);
        if (rc == SKIP_STATUS)
            skip();
        fail_msg("setup: %s", strerror(rc));
    }
    check_resolve(k.pid, AT_FDCWD, "only-here", "dir/sub/only-here");
    check_like_kernel(&k, "only-here");
    check_like_kernel(&k, fmt("%s/file", B));
    char p[PATH_MAX];
    path_of(p, "dir/sub/only-here");
    assert_int_equal(access(p, F_OK), -1);
    kid_stop(&k);
}

/* ---- path_read_link ---- */

static void check_link(pid_t tid, const char *link, const char *want, enum path_kind want_kind)
{
    char out[PATH_MAX];
    enum path_kind kind = -1;
    int rc = path_read_link(tid, link, out, sizeof out, &kind);
    if (rc < 0)
        fail_msg("%s: %s", link, path_strerror(rc));
    assert_string_equal(out, want);
    assert_int_equal(kind, want_kind);
}

static void test_read_link(void **state)
{
    (void)state;
    pid_t me = getpid();
    check_link(me, "cwd", B, PATH_FILE);
    check_link(me, "root", "/", PATH_FILE);
    char p[PATH_MAX];
    path_of(p, "file");
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    check_link(me, fmt("fd/%d", fd), p, PATH_FILE);
    close(fd);
    /* Deleted: " (deleted)" is cut and said. */
    path_of(p, "to-delete");
    fd = open(p, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(unlink(p), 0);
    check_link(me, fmt("fd/%d", fd), p, PATH_DELETED);
    close(fd);
    /* A live file whose name ends so reads as deleted: the text cannot
     * tell. */
    path_of(p, "live (deleted)");
    fd = open(p, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    path_of(p, "live");
    check_link(me, fmt("fd/%d", fd), p, PATH_DELETED);
    close(fd);
    path_of(p, "live (deleted)");
    assert_int_equal(unlink(p), 0);
    /* No file: the kernel's text as it is. */
    int pp[2];
    assert_int_equal(pipe(pp), 0);
    char out[PATH_MAX];
    enum path_kind kind;
    assert_int_equal(path_read_link(me, fmt("fd/%d", pp[0]), out, sizeof out, &kind), 0);
    assert_int_equal(kind, PATH_NOT_FILE);
    assert_memory_equal(out, "pipe:[", 6);
    close(pp[0]);
    close(pp[1]);
    /* Errors. */
    assert_int_equal(path_read_link(me, "fd/999", out, sizeof out, &kind), -ENOENT);
    assert_int_equal(path_read_link(me, "cwd", out, strlen(B), &kind), -ENAMETOOLONG);
    assert_int_equal(path_read_link(me, "cwd", out, strlen(B) + 1, &kind), 0);
    char huge[100];
    memset(huge, 'x', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    assert_int_equal(path_read_link(me, huge, out, sizeof out, &kind), -ENAMETOOLONG);
    fflush(NULL);
    pid_t gone = fork();
    assert_true(gone >= 0);
    if (gone == 0)
        _exit(0);
    assert_int_equal(waitpid(gone, NULL, 0), gone);
    assert_int_equal(path_read_link(gone, "cwd", out, sizeof out, &kind), -ESRCH);
}

/* ---- path_exists_nonblocking ---- */

/* Whether this kernel (or valgrind) has openat2 with RESOLVE_CACHED. */
static bool have_resolve_cached(void)
{
    struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_CACHED };
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
    if (fd >= 0)
        close(fd);
    return fd >= 0;
}

/* The answers are the same with RESOLVE_CACHED and, without it (valgrind,
 * old kernels), from stat(2), as no mount here is FUSE. */
static void test_exists_nonblocking(void **state)
{
    (void)state;
    struct stat st;
    char p[PATH_MAX];
    /* Looked up just now: the dentry cache answers, found or not. */
    static const char *const there[] = { "file", "link", "dir/sub/../sub", "dir/", "dirlink/sub" };
    for (size_t i = 0; i < sizeof there / sizeof there[0]; i++) {
        path_of(p, there[i]);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(path_exists_nonblocking(p), 1);
    }
    path_of(p, "missing");
    assert_int_equal(stat(p, &st), -1);
    assert_int_equal(path_exists_nonblocking(p), 0);
    /* Not in the cache (nothing looked these names up): the walk from the
     * deepest cached ancestor, on this (kernel) file system, answers. */
    static const char *const fresh[] = { "never-looked-up", "dir/never/looked-up",
                                         "file/never", "never-dir/", "dir/sub/../never" };
    for (size_t i = 0; i < sizeof fresh / sizeof fresh[0]; i++) {
        path_of(p, fmt("%s-%d", fresh[i], (int)getpid()));
        assert_int_equal(path_exists_nonblocking(p), 0);
    }
    path_of(p, fmt("made-%d", (int)getpid()));
    int fd = open(p, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(path_exists_nonblocking(p), 1);
    assert_int_equal(unlink(p), 0);
    assert_int_equal(path_exists_nonblocking(p), 0);
    assert_int_equal(path_exists_nonblocking("/"), 1);
    /* Through a /proc magic link: a walk into another mount, not made. */
    if (have_resolve_cached())
        assert_int_equal(path_exists_nonblocking("/proc/self/fd/0"), -EAGAIN);
}

/* ---- path_stat_nonblocking ---- */

/* The file's own stat, a symlink's with nofollow, a descriptor's file by
 * its /proc/PID/fd/N link; a missing one is -ENOENT. */
static void test_stat_nonblocking(void **state)
{
    (void)state;
    if (path_exists_nonblocking("/") == -ENOSYS) {
        print_message("skipped: no openat2 (a kernel before 5.6, or valgrind)\n");
        skip();
    }
    struct stat want, got;
    char p[PATH_MAX];
    path_of(p, "file");
    assert_int_equal(stat(p, &want), 0);
    assert_int_equal(path_stat_nonblocking(p, false, &got), 0);
    assert_int_equal(got.st_ino, want.st_ino);
    assert_int_equal(got.st_dev, want.st_dev);
    path_of(p, fmt("link-%d", (int)getpid()));
    assert_int_equal(symlink("file", p), 0);
    assert_int_equal(path_stat_nonblocking(p, false, &got), 0);
    assert_int_equal(got.st_ino, want.st_ino);
    assert_int_equal(path_stat_nonblocking(p, true, &got), 0);
    assert_true(S_ISLNK(got.st_mode));
    assert_int_equal(unlink(p), 0);
    path_of(p, "missing");
    assert_int_equal(path_stat_nonblocking(p, false, &got), -ENOENT);
    path_of(p, fmt("gone-%d", (int)getpid()));
    int fd = open(p, O_CREAT | O_RDWR, 0644);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &want), 0);
    assert_int_equal(unlink(p), 0); /* deleted, still open */
    assert_int_equal(path_stat_nonblocking(fmt("/proc/%d/fd/%d", (int)getpid(), fd), false, &got),
                     0);
    assert_int_equal(got.st_ino, want.st_ino);
    close(fd);
}

int main(void)
{
    alarm(60);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_slashes_and_dots),
        cmocka_unit_test(test_resolve_dotdot_at_root),
        cmocka_unit_test(test_resolve_dotdot_after_base_removed),
        cmocka_unit_test(test_resolve_dotdot_after_path_component_kept),
        cmocka_unit_test(test_resolve_cwd_is_root),
        cmocka_unit_test(test_resolve_dirfd),
        cmocka_unit_test(test_resolve_absolute_ignores_dirfd),
        cmocka_unit_test(test_resolve_bad_dirfd),
        cmocka_unit_test(test_resolve_dirfd_not_a_directory),
        cmocka_unit_test(test_resolve_too_long),
        cmocka_unit_test(test_resolve_stays_in_bounds),
        cmocka_unit_test(test_resolve_other_process),
        cmocka_unit_test(test_resolve_proc_self_links),
        cmocka_unit_test(test_resolve_proc_self_fd_without_name),
        cmocka_unit_test(test_resolve_thread_cwd),
        cmocka_unit_test(test_resolve_gone_task),
        cmocka_unit_test(test_resolve_deleted_cwd),
        cmocka_unit_test(test_resolve_chroot),
        cmocka_unit_test(test_resolve_chroot_cwd_outside),
        cmocka_unit_test(test_resolve_foreign_pid_namespace),
        cmocka_unit_test(test_resolve_pid_namespace_with_own_proc),
        cmocka_unit_test(test_resolve_tracee_in_own_pid_namespace),
        cmocka_unit_test(test_resolve_own_mount_namespace),
        cmocka_unit_test(test_read_link),
        cmocka_unit_test(test_exists_nonblocking),
        cmocka_unit_test(test_stat_nonblocking),
    };
    return cmocka_run_group_tests_name("paths", tests, make_tree, remove_tree);
}
