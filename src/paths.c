#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"
#include "source.h"

#ifndef SYS_openat2
#define SYS_openat2 437 /* on x86_64, i386, arm and aarch64 alike */
#endif

const char *path_strerror(int rc)
{
    switch (-rc) {
    case PATH_ENOPROC:
        return "/proc has no entry for wtlua itself (not mounted, or another PID namespace's)";
    case PATH_EPROCNS:
        return "/proc shows another PID namespace than wtlua's (unshare --pid needs --mount-proc)";
    case SOURCE_ENOTCAPTURED:
        return "not in the capture";
    default:
        return strerror(-rc);
    }
}

/* ---- reading /proc ---- */

static int task_gone_or(pid_t tid, int err)
{
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/%d", (int)tid);
    return access(dir, F_OK) < 0 ? -ESRCH : err;
}

/* /proc/TID is the tracee TID only when wtlua's /proc shows wtlua's own PID
 * namespace, the one ptrace numbers tracees in.  After `unshare --pid
 * --fork` without a new /proc it shows the parent namespace, where TID is
 * another process: anything read there would be a guess.  The NSpid line
 * lists wtlua's pid in each namespace from /proc's down to its own: one
 * entry when they are the same.  Checked once per process. */
static int proc_check(void)
{
    static pid_t checked_pid;
    static int verdict;
    pid_t me = getpid();
    if (me == checked_pid)
        return verdict;
    char nspid[256];
    int rc = procfs_field("/proc/self/status", "NSpid", nspid, sizeof nspid);
    if (rc == -ENOENT)
        rc = -PATH_ENOPROC;
    else if (rc < 0)
        return rc; /* out of fds, say: not the answer, ask again */
    else if (strchr(nspid, '\t'))
        rc = -PATH_EPROCNS;
    verdict = rc;
    checked_pid = me;
    return verdict;
}

/* name = "/proc/TID/<link>". */
static int proc_name(char name[64], pid_t tid, const char *link)
{
    return (size_t)snprintf(name, 64, "/proc/%d/%s", (int)tid, link) >= 64 ? -ENAMETOOLONG : 0;
}

/* Reads /proc/TID/<link>: readlink of a /proc magic link never calls into
 * the file system that holds the target; the kernel writes the name from
 * its dentries (d_path). */
static int read_link(pid_t tid, const char *link, char *out, size_t outsz, enum path_kind *kind)
{
    char name[64];
    if (proc_name(name, tid, link) < 0)
        return -ENAMETOOLONG;
    ssize_t n = readlink(name, out, outsz);
    if (n < 0)
        return task_gone_or(tid, -errno);
    if ((size_t)n >= outsz)
        return -ENAMETOOLONG;
    out[n] = '\0';
    static const char deleted[] = " (deleted)";
    size_t cut = sizeof deleted - 1;
    if (out[0] != '/') {
        *kind = PATH_NOT_FILE;
    } else if ((size_t)n > cut && strcmp(out + n - cut, deleted) == 0) {
        out[n - cut] = '\0';
        *kind = PATH_DELETED;
    } else {
        *kind = PATH_FILE;
    }
    return 0;
}

int path_read_link(pid_t tid, const char *link, char *out, size_t outsz, enum path_kind *kind)
{
    if (tracee_source)
        return tracee_source->read_link(tracee_source->ctx, tid, link, out, outsz, kind);
    int rc = proc_check();
    return rc < 0 ? rc : read_link(tid, link, out, outsz, kind);
}

/* Whether TID numbers processes as wtlua does (the same PID namespace), so
 * that a number in its /proc is the same process in wtlua's. */
static int same_pid_namespace(pid_t tid)
{
    char mine[64], theirs[64];
    enum path_kind kind;
    int rc = read_link(getpid(), "ns/pid", mine, sizeof mine, &kind);
    if (rc == 0)
        rc = read_link(tid, "ns/pid", theirs, sizeof theirs, &kind);
    return rc < 0 ? rc : strcmp(mine, theirs) == 0;
}

static int task_tgid(pid_t tid, pid_t *tgid)
{
    char file[32], value[16];
    snprintf(file, sizeof file, "/proc/%d/status", (int)tid);
    int rc = procfs_field(file, "Tgid", value, sizeof value);
    if (rc < 0)
        return task_gone_or(tid, rc);
    *tgid = (pid_t)strtol(value, NULL, 10);
    return 0;
}

/* ---- resolving as text ---- */

/* The path being built in the caller's buffer: absolute, without a
 * trailing slash (but "/"). */
struct walk {
    pid_t tid;
    char *out;
    size_t len, size;
    char root[PATH_MAX]; /* the tracee's root: ".." stops there */
    size_t root_len;     /* 0 until it is read (one readlink, only when needed) */
    bool root_deleted;
    /* out holds a component taken from the tracee's path: it may be a
     * symlink, so a ".." after it can no longer be removed. */
    bool opaque;
};

static int set_out(struct walk *w, const char *text)
{
    size_t len = strlen(text);
    if (len >= w->size)
        return -ENAMETOOLONG;
    memcpy(w->out, text, len + 1);
    w->len = len;
    return 0;
}

static int append(struct walk *w, const char *comp, size_t len)
{
    size_t slash = w->len > 1;
    if (w->len + slash + len >= w->size)
        return -ENAMETOOLONG;
    if (slash)
        w->out[w->len++] = '/';
    memcpy(w->out + w->len, comp, len);
    w->len += len;
    w->out[w->len] = '\0';
    return 0;
}

static int read_root(struct walk *w)
{
    if (w->root_len)
        return 0;
    enum path_kind kind;
    int rc = read_link(w->tid, "root", w->root, sizeof w->root, &kind);
    if (rc < 0)
        return rc;
    w->root_len = strlen(w->root);
    w->root_deleted = kind != PATH_FILE;
    return 0;
}

/* 1 when the path so far is the tracee's root (or "/"), 0, or -errno. */
static int at_root(struct walk *w)
{
    if (w->len == 1)
        return 1;
    int rc = read_root(w);
    if (rc < 0)
        return rc;
    return w->len == w->root_len && memcmp(w->out, w->root, w->len) == 0;
}

/* The link text has no symlink in it, so its last component's ".." is its
 * parent directory, as the kernel would find it; the tracee's root is its
 * own parent. */
static int dotdot(struct walk *w)
{
    if (w->opaque)
        return append(w, "..", 2);
    int rc = at_root(w);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    char *slash = memrchr(w->out, '/', w->len);
    w->len = slash == w->out ? 1 : (size_t)(slash - w->out);
    w->out[w->len] = '\0';
    return 0;
}

/* Continues from the directory /proc/TASK/<link> names.  A link that names
 * no file gives -ENOTDIR and a deleted one -ENOENT, as the kernel would; a
 * missing one (a closed fd) gives `missing`.
 *
 * Whether an fd's file is a directory is not checked: the link's text
 * does not say, and any call that would tell may ask the file system:
 * stat does (FUSE sends a GETATTR that a stopped daemon never answers),
 * and even an open with O_PATH | O_DIRECTORY has NFS and 9p revalidate
 * the dentry with their server.  An fd of a regular file gives a path
 * below the file; the call itself fails with ENOTDIR. */
static int enter_link(struct walk *w, pid_t task, const char *link, int missing)
{
    char text[PATH_MAX];
    enum path_kind kind;
    int rc = read_link(task, link, text, sizeof text, &kind);
    if (rc < 0)
        return rc == -ENOENT ? missing : rc;
    if (kind != PATH_FILE)
        return kind == PATH_NOT_FILE ? -ENOTDIR : -ENOENT;
    w->opaque = false;
    return set_out(w, text);
}

/* The next component of *rest, skipping slashes; its length, 0 at the end. */
static size_t next_component(const char **rest, const char **comp)
{
    const char *s = *rest;
    while (*s == '/')
        s++;
    *comp = s;
    *rest = strchrnul(s, '/');
    return (size_t)(*rest - s);
}

static bool is(const char *comp, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(comp, word, len) == 0;
}

/* A pid as procfs spells it: digits, no leading zero. */
static pid_t pid_component(const char *comp, size_t len)
{
    if (len == 0 || len > 10 || (comp[0] == '0' && len > 1))
        return 0;
    long long n = 0;
    for (size_t i = 0; i < len; i++) {
        if (comp[i] < '0' || comp[i] > '9')
            return 0;
        n = n * 10 + (comp[i] - '0');
    }
    return n > 0 && n <= INT_MAX ? (pid_t)n : 0;
}

/* The tracee's path went through "/proc" at its root: the tracee's own
 * procfs (its root's /proc is taken to be one, as it is wherever
 * /proc/self can be opened at all).  A task of its own there ("self",
 * "thread-self", or a pid, when the tracee numbers pids as wtlua does) is
 * named as wtlua's /proc names it, and its cwd, root and fd/N links are
 * followed through their texts.  Consumes those components from *rest;
 * returns 1 when the path names no such task. */
static int proc_entry(struct walk *w, const char **rest)
{
    const char *after = *rest, *comp;
    size_t len = next_component(&after, &comp);
    pid_t task = 0;
    int rc = 0;
    if (is(comp, len, "self"))
        rc = task_tgid(w->tid, &task);
    else if (is(comp, len, "thread-self"))
        task = w->tid;
    else if ((task = pid_component(comp, len)) != 0 && (rc = same_pid_namespace(w->tid)) == 0)
        task = 0;
    if (rc < 0)
        return rc;
    if (task == 0)
        return 1;
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/%d", (int)task);
    w->opaque = false;
    if ((rc = set_out(w, dir)) < 0)
        return rc;
    *rest = after;
    /* cwd, root, fd/N */
    char link[32];
    len = next_component(&after, &comp);
    if (is(comp, len, "cwd") || is(comp, len, "root")) {
        snprintf(link, sizeof link, "%.*s", (int)len, comp);
    } else if (is(comp, len, "fd")) {
        len = next_component(&after, &comp);
        pid_t fd = pid_component(comp, len);
        if (fd == 0 && !is(comp, len, "0"))
            return 0;
        snprintf(link, sizeof link, "fd/%d", (int)fd);
    } else {
        return 0;
    }
    *rest = after;
    if (*after) /* more follows: the link is a directory to walk from */
        return enter_link(w, task, link, -ENOENT);
    /* The link is the whole path: the file it names.  One that has no
     * name (a pipe, a deleted file) keeps the link's own name. */
    char text[PATH_MAX];
    enum path_kind kind;
    if ((rc = read_link(task, link, text, sizeof text, &kind)) < 0)
        return rc;
    return kind == PATH_FILE ? set_out(w, text) : append(w, link, strlen(link));
}

int path_resolve(pid_t tid, int64_t dirfd, const char *path, char *out, size_t outsz)
{
    if (tracee_source)
        return tracee_source->resolve(tracee_source->ctx, tid, dirfd, path, out, outsz);
    if (path[0] != '/' && dirfd != AT_FDCWD && (dirfd < 0 || dirfd > INT32_MAX))
        return -EBADF;
    int rc = proc_check();
    if (rc < 0)
        return rc;
    struct walk w = { .tid = tid, .out = out, .size = outsz };
    if (path[0] == '/') {
        rc = read_root(&w);
        /* A root since deleted holds nothing (a chroot's directory removed) */
        if (rc == 0)
            rc = w.root_deleted ? -ENOENT : set_out(&w, w.root);
    } else if (dirfd == AT_FDCWD) {
        rc = enter_link(&w, tid, "cwd", -ENOENT);
    } else {
        char link[32];
        snprintf(link, sizeof link, "fd/%d", (int)dirfd);
        rc = enter_link(&w, tid, link, -EBADF);
    }
    const char *rest = path, *comp;
    size_t len;
    while (rc >= 0 && (len = next_component(&rest, &comp)) > 0) {
        if (is(comp, len, "."))
            continue;
        if (is(comp, len, "..")) {
            rc = dotdot(&w);
            continue;
        }
        if (!w.opaque && is(comp, len, "proc") && (rc = at_root(&w)) != 0) {
            if (rc < 0 || (rc = proc_entry(&w, &rest)) <= 0)
                continue; /* an error, or a task's entry followed */
        }
        rc = append(&w, comp, len);
        w.opaque = true;
    }
    return rc < 0 ? rc : 0;
}

/* ---- existence without waiting ---- */

/* An O_PATH descriptor of path (from dirfd), under these resolve flags,
 * or -errno. */
static int open_path_flags(int dirfd, const char *path, int flags, uint64_t resolve)
{
    struct open_how how = { .flags = (uint64_t)(O_PATH | O_CLOEXEC | flags), .resolve = resolve };
    int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd >= 0 ? fd : -errno;
}

static int open_path(int dirfd, const char *path, uint64_t resolve)
{
    return open_path_flags(dirfd, path, 0, resolve);
}

/* Whether a mountinfo line's file system type (after " - ") is served by
 * a process: fuse, fuseblk, fuse.NAME (not fusectl, the kernel's own). */
static bool type_served_by_process(const char *type)
{
    size_t len = strcspn(type, " ");
    return (len == 4 && strncmp(type, "fuse", 4) == 0) ||
           (len == 7 && strncmp(type, "fuseblk", 7) == 0) || strncmp(type, "fuse.", 5) == 0;
}

/* Whether the mount with id mnt_id (NULL: any mount) is served by a
 * process, which may be a tracee wtlua has stopped: 1 or 0 from
 * /proc/self/mountinfo, -ENOENT for an unknown id. */
static int mount_served_by_process(const char *mnt_id)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -errno;
    char *line = NULL;
    size_t cap = 0, id_len = mnt_id ? strlen(mnt_id) : 0;
    int rc = mnt_id ? -ENOENT : 0;
    while (getline(&line, &cap, f) > 0) {
        const char *type = strstr(line, " - ");
        if (!type)
            continue;
        bool served = type_served_by_process(type + 3);
        if (!mnt_id && served) {
            rc = 1;
            break;
        }
        if (mnt_id && strncmp(line, mnt_id, id_len) == 0 && line[id_len] == ' ') {
            rc = served;
            break;
        }
    }
    free(line);
    fclose(f);
    return rc;
}

/* The same for the file system fd is on: its mount's id comes from /proc,
 * so no file system is asked. */
static int served_by_process(int fd)
{
    char name[64], mnt_id[16];
    snprintf(name, sizeof name, "/proc/self/fdinfo/%d", fd);
    int rc = procfs_field(name, "mnt_id", mnt_id, sizeof mnt_id);
    return rc < 0 ? rc : mount_served_by_process(mnt_id);
}

/* Without openat2's RESOLVE_CACHED (kernels before 5.12, valgrind) a walk
 * cannot be kept out of file systems: stat is safe only when no mount is
 * served by a process; otherwise -EAGAIN. */
static int exists_by_stat(const char *path)
{
    int served = mount_served_by_process(NULL);
    if (served != 0)
        return served < 0 ? served : -EAGAIN;
    struct stat st;
    if (stat(path, &st) == 0)
        return 1;
    return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

/* An O_PATH descriptor of path (absolute; flags: O_NOFOLLOW or 0), found
 * without waiting for a process, or -errno (-ENOSYS, -EINVAL: no
 * RESOLVE_CACHED).  RESOLVE_CACHED makes the kernel walk the path in its
 * dentry cache only, calling no file system: where that is not enough (a
 * name not looked up lately, an entry FUSE wants revalidated) it fails with
 * EAGAIN instead.  Then the walk starts again from the deepest ancestor
 * that is cached: a mount point always is (the mount holds it), so the rest
 * of the path lies on that ancestor's file system, and RESOLVE_NO_XDEV
 * keeps the walk there (through symlinks too).  On a file system served by
 * a process that walk could wait for a stopped tracee: -EAGAIN instead. */
static int open_nonblocking(const char *path, int flags)
{
    int fd = open_path_flags(AT_FDCWD, path, flags, RESOLVE_CACHED);
    if (fd != -EAGAIN)
        return fd;
    char dir[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof dir)
        return -ENAMETOOLONG;
    memcpy(dir, path, len + 1);
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    int dirfd = -EAGAIN;
    const char *rest = NULL;
    while (dirfd == -EAGAIN) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            return -EAGAIN; /* no ancestor left in the cache */
        rest = path + (slash - dir) + 1;
        *slash = '\0';
        dirfd = open_path(AT_FDCWD, slash == dir ? "/" : dir, RESOLVE_CACHED);
    }
    if (dirfd < 0)
        return dirfd;
    int served = served_by_process(dirfd);
    fd = served < 0 ? served : served ? -EAGAIN : open_path_flags(dirfd, rest, flags, RESOLVE_NO_XDEV);
    close(dirfd);
    return fd == -EXDEV ? -EAGAIN : fd;
}

int path_exists_nonblocking(const char *path)
{
    int fd = open_nonblocking(path, 0);
    if (fd == -ENOSYS || fd == -EINVAL)
        return exists_by_stat(path);
    if (fd >= 0)
        close(fd);
    return fd >= 0 ? 1 : fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
}

int path_stat_nonblocking(const char *path, bool nofollow, struct stat *st)
{
    int flags = nofollow ? O_NOFOLLOW : 0;
    int fd = open_nonblocking(path, flags);
    if (fd == -ENOSYS || fd == -EINVAL) { /* as exists_by_stat */
        int served = mount_served_by_process(NULL);
        if (served != 0)
            return served < 0 ? served : -EAGAIN;
        return fstatat(AT_FDCWD, path, st, nofollow ? AT_SYMLINK_NOFOLLOW : 0) < 0 ? -errno : 0;
    }
    /* A descriptor's magic link (/proc/PID/fd/N) leads to its file with no
     * lookup in the file's own file system. */
    unsigned pid, n;
    char end;
    if (fd == -EAGAIN && sscanf(path, "/proc/%u/fd/%u%c", &pid, &n, &end) == 2)
        fd = open_path_flags(AT_FDCWD, path, 0, 0);
    if (fd < 0)
        return fd;
    int served = served_by_process(fd);
    int rc = served < 0 ? served : served ? -EAGAIN : fstat(fd, st) < 0 ? -errno : 0;
    close(fd);
    return rc;
}
