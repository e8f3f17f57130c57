/* Reading /proc: every file wtlua reads about a task, in one place.  No
 * function keeps a descriptor open.  When wtlua has run out of descriptors
 * (a script holding many, a low `ulimit -n`), one kept in reserve is lent
 * for the read, so that following a new task never fails for that reason. */
#ifndef WTLUA_PROCFS_H
#define WTLUA_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Takes the reserve descriptor; call once at start, before the script runs. */
void procfs_init(void);

struct proc_status {
    pid_t tgid;     /* thread group (process) */
    pid_t ppid;     /* parent process */
    pid_t tracer;   /* tracing process, 0 when none */
    bool alive;     /* not a zombie or dead */
};

/* Parses /proc/TID/status.  Returns 0, or -errno. */
int procfs_status(pid_t tid, struct proc_status *st);

/* The value of "field:" in a /proc file of that form (status, fdinfo/N),
 * such as "/proc/self/status" and "NSpid", into out.  Returns 0, -ENOENT
 * when the file has no such field, or -errno. */
int procfs_field(const char *file, const char *field, char *out, size_t outsz);

/* Reads /proc/PID/NAME whole into *buf (malloc'd, grown as needed, *cap its
 * size; the contents are not NUL-terminated).  Returns the length, or -errno. */
ssize_t procfs_read(pid_t pid, const char *name, char **buf, size_t *cap);

/* The target of the link /proc/PID/NAME ("cwd", "exe", "fd/3"), NUL-terminated;
 * pid 0 is /proc/self.  Returns its length, -ENAMETOOLONG when it does not
 * fit, or -errno. */
ssize_t procfs_readlink(pid_t pid, const char *name, char *out, size_t outsz);

/* A thread's name (/proc/TID/comm, at most 15 bytes) into out (16 bytes).
 * Returns 0, or -errno. */
int procfs_comm(pid_t tid, char out[16]);

/* Whether /proc/PID/fd belongs to wtlua's user (not to root, as the
 * entries of a process that is not dumpable do). */
bool procfs_owned_by_us(pid_t pid);

/* The first integer in a file such as /proc/sys/kernel/yama/ptrace_scope,
 * or -1 when it cannot be read. */
long procfs_read_long(const char *path);

/* Calls fn(tid, arg) for each thread listed in /proc/PID/task, until fn
 * returns non-zero (which is returned).  Returns 0, or -errno when the
 * list cannot be read. */
int procfs_each_thread(pid_t pid, int (*fn)(pid_t tid, void *arg), void *arg);

#endif
