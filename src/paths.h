/* Turning a tracee's path argument into an absolute path, as the kernel
 * would resolve it: relative to a directory fd for the *at calls, to the
 * thread's working directory otherwise. */
#ifndef WTLUA_PATHS_H
#define WTLUA_PATHS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes the absolute form of path into out.  dirfd is the tracee's
 * directory fd (AT_FDCWD for the working directory).  Returns 0, or -errno
 * (-ENAMETOOLONG when out is too small, -ESRCH when the tracee is gone,
 * -EBADF for a closed dirfd, -ENOTDIR when it is not a directory). */
int path_resolve(pid_t tid, int64_t dirfd, const char *path, char *out, size_t outsz);

/* Cleans an absolute path in place (a relative one is left alone): repeated slashes and "." components go;
 * "dir/.." goes where dir is a real directory, not a symlink (the kernel
 * would follow the link first, so lexical removal would name another file). */
void path_normalize(char *path);

/* For syscall `name`, the 1-based argument holding the directory fd that
 * path argument `path_arg` is relative to, or 0 when it has none. */
int path_dirfd_arg(const char *name, int path_arg);

#endif
