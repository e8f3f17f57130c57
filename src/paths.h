/* Turning a tracee's path argument into an absolute path, as the kernel
 * would resolve it: relative to a directory fd for the *at calls, to the
 * thread's working directory otherwise, under the thread's root.
 *
 * The one rule: nothing here may wait for a tracee.  A path names a file
 * on some file system, and a file system may be served by a process wtlua
 * has stopped (a traced FUSE daemon): a lookup or stat there would wait
 * for it forever.  So paths are resolved as text, from the texts of the
 * task's /proc/TID/{root,cwd,fd/N} links, which the kernel writes from its
 * own dentry cache without asking any file system. */
#ifndef WTLUA_PATHS_H
#define WTLUA_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The errors that have no errno.  Functions here return -errno or
 * -PATH_E*; path_strerror names either. */
enum {
    PATH_ENOPROC = 4096, /* no /proc/self: /proc not mounted, or another PID namespace's */
    PATH_EPROCNS,        /* /proc shows another PID namespace than wtlua's */
};

/* A one-line message for rc, a negative result of a function here. */
const char *path_strerror(int rc);

/* Writes the absolute form of path into out: the name of the file from
 * wtlua's root, the tracee's root (a chroot) included.  dirfd is the
 * tracee's directory fd (AT_FDCWD for the working directory).  ".." is
 * removed only after the components of a /proc link's text (which has no
 * symlink in it); after a component taken from path it stays (the
 * component may be a symlink, and only asking the file system would
 * tell).  "/proc/self/fd/N/x" and the like are read through the link.
 * Returns 0, or -ENAMETOOLONG (out too small), -ESRCH (the tracee is
 * gone), -EBADF (a closed dirfd), -ENOTDIR (the dirfd names no file: a
 * pipe, a socket), -ENOENT (the starting directory was deleted), -EACCES,
 * -PATH_ENOPROC or -PATH_EPROCNS.  A dirfd of a regular file gives a path
 * below it: telling a directory would take asking the file system. */
int path_resolve(pid_t tid, int64_t dirfd, const char *path, char *out, size_t outsz);

/* What a /proc/TID link's text names. */
enum path_kind {
    PATH_FILE,    /* a file, by its absolute name from wtlua's root */
    PATH_DELETED, /* the same for a file since deleted (the kernel's " (deleted)" is cut) */
    PATH_NOT_FILE, /* no name in a directory: "pipe:[N]", "socket:[N]", "anon_inode:[...]" */
};

/* Reads the link /proc/TID/<link> ("cwd", "root", "fd/N") into out, with
 * what kind of name it is: at a successful open's return, "fd/RET" is the
 * kernel's own name of the file opened.  A live file whose name ends in
 * " (deleted)" reads as PATH_DELETED: the text cannot tell them apart.
 * Returns 0, -ENOENT (no such fd), or an error as path_resolve's. */
int path_read_link(pid_t tid, const char *link, char *out, size_t outsz, enum path_kind *kind);

/* Whether something exists at path (absolute, from wtlua's root; a final
 * symlink is followed, as stat(2) does), without waiting for a process:
 * 1 or 0; -EAGAIN when telling would need a file system served by a
 * process (FUSE, whose daemon may be a stopped tracee) or a walk across
 * mounts out of the kernel's caches; another -errno (-EACCES: a directory
 * the tracer may not search).  Without openat2's RESOLVE_CACHED (a kernel
 * before 5.12, valgrind) it asks stat(2), unless some mount is served by a
 * process: then -EAGAIN. */
int path_exists_nonblocking(const char *path);

/* stat(2) of path (absolute, from wtlua's root; a final symlink followed
 * unless nofollow), found the same way without waiting for a process:
 * 0, -EAGAIN for a file a process serves (FUSE) or one out of reach
 * without a walk across mounts, or another -errno.  A /proc/PID/fd/N path
 * gives the descriptor's file. */
int path_stat_nonblocking(const char *path, bool nofollow, struct stat *st);

#endif
