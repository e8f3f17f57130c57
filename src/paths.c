#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dirfd_pair {
    const char *syscall;
    int path_arg, dirfd_arg;
};

/* Every syscall that takes a (dirfd, path) pair. */
static const struct dirfd_pair dirfd_pairs[] = {
    { "openat", 2, 1 },        { "openat2", 2, 1 },     { "mkdirat", 2, 1 },
    { "mknodat", 2, 1 },       { "fchownat", 2, 1 },    { "futimesat", 2, 1 },
    { "newfstatat", 2, 1 },    { "fstatat64", 2, 1 },   { "unlinkat", 2, 1 },
    { "renameat", 2, 1 },      { "renameat", 4, 3 },    { "renameat2", 2, 1 },
    { "renameat2", 4, 3 },     { "linkat", 2, 1 },      { "linkat", 4, 3 },
    { "symlinkat", 3, 2 },     { "readlinkat", 2, 1 },  { "fchmodat", 2, 1 },
    { "fchmodat2", 2, 1 },     { "faccessat", 2, 1 },   { "faccessat2", 2, 1 },
    { "utimensat", 2, 1 },     { "utimensat_time64", 2, 1 },
    { "execveat", 2, 1 },      { "name_to_handle_at", 2, 1 },
    { "statx", 2, 1 },         { "open_tree", 2, 1 },   { "move_mount", 2, 1 },
    { "move_mount", 4, 3 },    { "mount_setattr", 2, 1 }, { "fspick", 2, 1 },
    { "fanotify_mark", 5, 4 }, { "setxattrat", 2, 1 },  { "getxattrat", 2, 1 },
    { "listxattrat", 2, 1 },   { "removexattrat", 2, 1 },
    /* i386 passes fanotify_mark's 64-bit mask in two slots */
    { "fanotify_mark", 6, 5 },
};

int path_dirfd_arg(const char *name, int path_arg)
{
    for (size_t i = 0; i < sizeof dirfd_pairs / sizeof dirfd_pairs[0]; i++)
        if (dirfd_pairs[i].path_arg == path_arg && strcmp(dirfd_pairs[i].syscall, name) == 0)
            return dirfd_pairs[i].dirfd_arg;
    return 0;
}

static int task_gone_or(pid_t tid, int err)
{
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/%d", (int)tid);
    return access(dir, F_OK) < 0 ? -ESRCH : err;
}

/* The directory a relative path starts from, read from /proc.  A dirfd
 * that is not a directory (a file, a pipe: "pipe:[N]") gives -ENOTDIR, as
 * the kernel would. */
static int base_directory(pid_t tid, int64_t dirfd, char *out, size_t outsz)
{
    char link[64];
    if (dirfd == AT_FDCWD)
        snprintf(link, sizeof link, "/proc/%d/cwd", (int)tid);
    else if (dirfd >= 0 && dirfd <= INT32_MAX)
        snprintf(link, sizeof link, "/proc/%d/fd/%d", (int)tid, (int)dirfd);
    else
        return -EBADF;
    ssize_t n = readlink(link, out, outsz);
    if (n < 0)
        return task_gone_or(tid, errno == ENOENT && dirfd != AT_FDCWD ? -EBADF : -errno);
    if ((size_t)n >= outsz)
        return -ENAMETOOLONG;
    out[n] = '\0';
    struct stat st;
    if (out[0] != '/' || (dirfd != AT_FDCWD && (stat(link, &st) < 0 || !S_ISDIR(st.st_mode))))
        return -ENOTDIR;
    return 0;
}

int path_resolve(pid_t tid, int64_t dirfd, const char *path, char *out, size_t outsz)
{
    size_t len = strlen(path);
    if (path[0] == '/') {
        if (len >= outsz)
            return -ENAMETOOLONG;
        memcpy(out, path, len + 1);
    } else {
        int rc = base_directory(tid, dirfd, out, outsz);
        if (rc < 0)
            return rc;
        size_t base = strlen(out);
        if (len > 0) {
            if (base + 1 + len >= outsz)
                return -ENAMETOOLONG;
            out[base] = '/';
            memcpy(out + base + 1, path, len + 1);
        }
    }
    path_normalize(out);
    return 0;
}

static bool is_real_directory(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void path_normalize(char *path)
{
    if (path[0] != '/')
        return; /* only absolute paths; cleaning never lengthens them */
    /* out is where the cleaned path ends; components are copied down. */
    char *out = path, *in = path;
    while (*in) {
        while (*in == '/')
            in++;
        char *end = strchrnul(in, '/');
        size_t len = (size_t)(end - in);
        if (len == 0 || (len == 1 && in[0] == '.')) {
            /* nothing to keep */
        } else if (len == 2 && in[0] == '.' && in[1] == '.' && out > path) {
            *out = '\0';
            char *last = strrchr(path, '/');
            bool parent_is_dotdot = strcmp(last + 1, "..") == 0;
            if (!parent_is_dotdot && is_real_directory(path)) {
                out = last;
            } else {
                memcpy(out, "/..", 3);
                out += 3;
            }
        } else if (len == 2 && in[0] == '.' && in[1] == '.') {
            /* "/.." is "/" */
        } else {
            *out++ = '/';
            memmove(out, in, len);
            out += len;
        }
        in = end;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}
