/* Unit tests for src/paths.c: lexical clean-up that respects symlinks,
 * resolution against a task's cwd or directory fd, and the table of
 * (dirfd, path) argument pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* ---- path_normalize ---- */

static void check_norm(const char *in, const char *want)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", in);
    path_normalize(buf);
    assert_string_equal(buf, want);
}

/* Same, with B prefixed to both sides. */
static void check_norm_b(const char *in, const char *want)
{
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof a, "%s%s", B, in);
    snprintf(b, sizeof b, "%s%s", B, want);
    check_norm(a, b);
}

static void test_normalize_slashes_and_dots(void **state)
{
    (void)state;
    check_norm("/", "/");
    check_norm("//", "/");
    check_norm("///", "/");
    check_norm("/.", "/");
    check_norm("/./", "/");
    check_norm("/./.", "/");
    check_norm("//a///b", "/a/b");
    check_norm("/a/./b/.", "/a/b");
    check_norm("/a/b/", "/a/b");
    check_norm("/a/b//", "/a/b");
    check_norm("/a/b/./", "/a/b");
    check_norm("/a/.../b", "/a/.../b");
    check_norm("/a/.b/..c/c../b.", "/a/.b/..c/c../b.");
    check_norm("/.a", "/.a");
}

static void test_normalize_dotdot_at_root(void **state)
{
    (void)state;
    check_norm("/..", "/");
    check_norm("/../", "/");
    check_norm("/../..", "/");
    check_norm("/../a", "/a");
    check_norm("/./../a/", "/a");
    check_norm("//..//..//a", "/a");
}

static void test_normalize_dotdot_real_directory(void **state)
{
    (void)state;
    check_norm_b("/dir/..", "");
    check_norm_b("/dir/../", "");
    check_norm_b("/dir/../file", "/file");
    check_norm_b("//dir//..//file", "/file");
    check_norm_b("/dir/sub/..", "/dir");
    check_norm_b("/dir/sub/../..", "");
    check_norm_b("/dir/./sub/./..", "/dir");
    check_norm_b("/dir/sub/../sub/../../dir", "/dir");
    /* The real directory B itself. */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", B);
    *strrchr(parent, '/') = '\0';
    char in[PATH_MAX];
    snprintf(in, sizeof in, "%s/..", B);
    check_norm(in, parent);
}

static void test_normalize_dotdot_after_symlink_kept(void **state)
{
    (void)state;
    check_norm_b("/link/..", "/link/..");
    check_norm_b("/link/../", "/link/..");
    check_norm_b("/link/../x", "/link/../x");
    check_norm_b("/dirlink/..", "/dirlink/..");
    /* dirlink/sub is a real directory (reached through a link), so
     * dirlink/sub/.. is dirlink's target: "dirlink" names it. */
    check_norm_b("/dirlink/sub/..", "/dirlink");
    /* ".." after a kept ".." is kept too. */
    check_norm_b("/link/../..", "/link/../..");
    /* link/.. is target, which holds inner: inner/.. goes. */
    check_norm_b("/link/../inner/..", "/link/..");
    /* A real directory before the link still collapses. */
    check_norm_b("/dir/../link/..", "/link/..");
}

static void test_normalize_dotdot_not_a_directory(void **state)
{
    (void)state;
    /* Neither a regular file nor a missing name is a directory. */
    check_norm_b("/file/..", "/file/..");
    check_norm_b("/missing/..", "/missing/..");
    check_norm_b("/missing/../x", "/missing/../x");
    check_norm_b("/dir/missing/..", "/dir/missing/..");
}

/* ---- path_resolve ---- */

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
    assert_int_equal(path_resolve(tid, dirfd, path, out, sizeof out), 0);
    assert_string_equal(out, want);
}

static void test_resolve_cwd_relative(void **state)
{
    (void)state;
    pid_t me = getpid();
    check_resolve(me, AT_FDCWD, "file", "file");
    check_resolve(me, AT_FDCWD, "new-name", "new-name");
    check_resolve(me, AT_FDCWD, "./dir//sub/", "dir/sub");
    check_resolve(me, AT_FDCWD, "dir/sub/../x", "dir/x");
    check_resolve(me, AT_FDCWD, "link/../y", "link/../y");
    check_resolve(me, AT_FDCWD, ".", "");
    check_resolve(me, AT_FDCWD, "", "");
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", B);
    *strrchr(parent, '/') = '\0';
    check_resolve(me, AT_FDCWD, "..", parent);
}

static void test_resolve_cwd_is_root(void **state)
{
    (void)state;
    assert_int_equal(chdir("/"), 0);
    char out[PATH_MAX];
    int rc = path_resolve(getpid(), AT_FDCWD, "etc//x", out, sizeof out);
    int rc2 = path_resolve(getpid(), AT_FDCWD, "", out + 100, sizeof out - 100);
    assert_int_equal(chdir(B), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "/etc/x");
    assert_int_equal(rc2, 0);
    assert_string_equal(out + 100, "/");
}

static void test_resolve_dirfd(void **state)
{
    (void)state;
    char p[PATH_MAX];
    path_of(p, "dir");
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    check_resolve(getpid(), fd, "sub/f", "dir/sub/f");
    check_resolve(getpid(), fd, "sub/../g", "dir/g");
    check_resolve(getpid(), fd, "..", "");
    check_resolve(getpid(), fd, "", "dir");
    /* An fd opened through the symlink names the target. */
    path_of(p, "link");
    int lfd = open(p, O_RDONLY | O_DIRECTORY);
    assert_true(lfd >= 0);
    check_resolve(getpid(), lfd, "z", "target/inner/z");
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
    char out[PATH_MAX];
    assert_int_equal(path_resolve(getpid(), 9999, "x", out, sizeof out), -EBADF);
    assert_int_equal(path_resolve(getpid(), -1, "x", out, sizeof out), -EBADF);
    assert_int_equal(path_resolve(getpid(), -5, "x", out, sizeof out), -EBADF);
    assert_int_equal(path_resolve(getpid(), (int64_t)INT32_MAX + 1, "x", out, sizeof out), -EBADF);
    assert_int_equal(path_resolve(getpid(), INT64_MIN, "x", out, sizeof out), -EBADF);
    /* An fd that was open once. */
    int fd = open(B, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(path_resolve(getpid(), fd, "x", out, sizeof out), -EBADF);
}

/* Runs fn in a child, so that a crash fails only this test, and checks
 * that it exits with 0. */
static void in_child(int (*fn)(void))
{
    fflush(NULL);
    pid_t kid = fork();
    if (kid == 0) {
        static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        _exit(fn());
    }
    assert_true(kid > 0);
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    if (WIFSIGNALED(status))
        fail_msg("child killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A pipe is no directory: the kernel answers ENOTDIR.  /proc names it
 * "pipe:[N]", which is not an absolute path to build on. */
static int resolve_pipe_dirfd(void)
{
    int p[2];
    if (pipe(p) < 0)
        return 2;
    char out[PATH_MAX];
    int rc = path_resolve(getpid(), p[0], "x", out, sizeof out);
    return rc == -ENOTDIR ? 0 : 1;
}

static void test_resolve_dirfd_not_a_directory(void **state)
{
    (void)state;
    in_child(resolve_pipe_dirfd);
}

/* path_normalize is meant for absolute paths, but a relative one (such as
 * "pipe:[N]/x" above) must not make it write past the string: it may only
 * shrink it. */
static int normalize_relative(void)
{
    static const char *const inputs[] = { "a", "a/b", "pipe:[123]/x", "a/./b/../c/" };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char buf[256];
        memset(buf, 'Q', sizeof buf);
        size_t len = strlen(inputs[i]);
        memcpy(buf, inputs[i], len + 1);
        path_normalize(buf);
        if (memchr(buf, '\0', len + 1) == NULL)
            return 10 + (int)i;
        for (size_t j = len + 1; j < sizeof buf; j++)
            if (buf[j] != 'Q')
                return 20 + (int)i;
    }
    return 0;
}

static void test_normalize_relative_stays_in_bounds(void **state)
{
    (void)state;
    in_child(normalize_relative);
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
}

/* Another process, with its own working directory. */
static void test_resolve_other_process(void **state)
{
    (void)state;
    int ready[2], done[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(done), 0);
    fflush(NULL);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        close(ready[0]);
        close(done[1]);
        char c = chdir("dir/sub") == 0 ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        while (read(done[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(done[0]);
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    check_resolve(kid, AT_FDCWD, "x", "dir/sub/x");
    check_resolve(kid, AT_FDCWD, "../../file", "file");
    check_resolve(getpid(), AT_FDCWD, "x", "x");
    close(done[1]);
    close(ready[0]);
    assert_int_equal(waitpid(kid, NULL, 0), kid);
}

/* A thread that unshared its fs (CLONE_FS) has a cwd of its own. */
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
    char out[PATH_MAX];
    int rc = path_resolve(t.tid, AT_FDCWD, "x", out, sizeof out);
    close(t.done[1]);
    pthread_join(th, NULL);
    close(t.done[0]);
    close(t.ready[0]);
    close(t.ready[1]);
    assert_true(t.ok);
    assert_int_equal(rc, 0);
    char want[PATH_MAX];
    path_of(want, "target/inner/x");
    assert_string_equal(out, want);
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
    char out[PATH_MAX];
    assert_int_equal(path_resolve(gone, AT_FDCWD, "x", out, sizeof out), -ESRCH);
    assert_int_equal(path_resolve(gone, 3, "x", out, sizeof out), -ESRCH);
}

/* ---- path_dirfd_arg ---- */

static void test_dirfd_arg(void **state)
{
    (void)state;
    assert_int_equal(path_dirfd_arg("openat", 2), 1);
    assert_int_equal(path_dirfd_arg("openat", 1), 0);
    assert_int_equal(path_dirfd_arg("openat2", 2), 1);
    assert_int_equal(path_dirfd_arg("open", 1), 0);
    assert_int_equal(path_dirfd_arg("creat", 1), 0);
    assert_int_equal(path_dirfd_arg("stat", 1), 0);
    assert_int_equal(path_dirfd_arg("rename", 1), 0);
    assert_int_equal(path_dirfd_arg("rename", 2), 0);
    assert_int_equal(path_dirfd_arg("renameat", 2), 1);
    assert_int_equal(path_dirfd_arg("renameat", 4), 3);
    assert_int_equal(path_dirfd_arg("renameat", 3), 0);
    assert_int_equal(path_dirfd_arg("renameat2", 2), 1);
    assert_int_equal(path_dirfd_arg("renameat2", 4), 3);
    assert_int_equal(path_dirfd_arg("linkat", 2), 1);
    assert_int_equal(path_dirfd_arg("linkat", 4), 3);
    assert_int_equal(path_dirfd_arg("linkat", 1), 0);
    assert_int_equal(path_dirfd_arg("linkat", 3), 0);
    /* symlinkat's target (arg 1) is stored as given, not resolved. */
    assert_int_equal(path_dirfd_arg("symlinkat", 3), 2);
    assert_int_equal(path_dirfd_arg("symlinkat", 1), 0);
    assert_int_equal(path_dirfd_arg("unlinkat", 2), 1);
    assert_int_equal(path_dirfd_arg("mkdirat", 2), 1);
    assert_int_equal(path_dirfd_arg("newfstatat", 2), 1);
    assert_int_equal(path_dirfd_arg("fstatat64", 2), 1);
    assert_int_equal(path_dirfd_arg("statx", 2), 1);
    assert_int_equal(path_dirfd_arg("execveat", 2), 1);
    assert_int_equal(path_dirfd_arg("faccessat2", 2), 1);
    assert_int_equal(path_dirfd_arg("utimensat", 2), 1);
    assert_int_equal(path_dirfd_arg("move_mount", 2), 1);
    assert_int_equal(path_dirfd_arg("move_mount", 4), 3);
    assert_int_equal(path_dirfd_arg("fanotify_mark", 5), 4);
    /* Unknown names and indexes. */
    assert_int_equal(path_dirfd_arg("no_such_call", 2), 0);
    assert_int_equal(path_dirfd_arg("", 2), 0);
    assert_int_equal(path_dirfd_arg("openat", 0), 0);
    assert_int_equal(path_dirfd_arg("openat", 7), 0);
    assert_int_equal(path_dirfd_arg("OPENAT", 2), 0);
    assert_int_equal(path_dirfd_arg("openat_", 2), 0);
}

/* On i386 fanotify_mark's 64-bit mask takes two arguments, so the pair is
 * (dfd = 5, pathname = 6); arg 6 is unused on x86_64, so the table can
 * hold both. */
static void test_dirfd_arg_fanotify_mark_i386(void **state)
{
    (void)state;
    assert_int_equal(path_dirfd_arg("fanotify_mark", 6), 5);
}

int main(void)
{
    alarm(60);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_slashes_and_dots),
        cmocka_unit_test(test_normalize_dotdot_at_root),
        cmocka_unit_test(test_normalize_dotdot_real_directory),
        cmocka_unit_test(test_normalize_dotdot_after_symlink_kept),
        cmocka_unit_test(test_normalize_dotdot_not_a_directory),
        cmocka_unit_test(test_resolve_cwd_relative),
        cmocka_unit_test(test_resolve_cwd_is_root),
        cmocka_unit_test(test_resolve_dirfd),
        cmocka_unit_test(test_resolve_absolute_ignores_dirfd),
        cmocka_unit_test(test_resolve_bad_dirfd),
        cmocka_unit_test(test_resolve_dirfd_not_a_directory),
        cmocka_unit_test(test_normalize_relative_stays_in_bounds),
        cmocka_unit_test(test_resolve_too_long),
        cmocka_unit_test(test_resolve_other_process),
        cmocka_unit_test(test_resolve_thread_cwd),
        cmocka_unit_test(test_resolve_gone_task),
        cmocka_unit_test(test_dirfd_arg),
        cmocka_unit_test(test_dirfd_arg_fanotify_mark_i386),
    };
    return cmocka_run_group_tests_name("paths", tests, make_tree, remove_tree);
}
