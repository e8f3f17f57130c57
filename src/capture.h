/* Captures: a run's events in an SQLite file (wtlua -w), replayed through
 * any script later (wtlua -r).  The schema is in docs/captures.md; this
 * is what the writer (capture_write.c) and the reader (capture_replay.c)
 * agree on. */
#ifndef WTLUA_CAPTURE_H
#define WTLUA_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stop.h"
#include "tracer.h"

/* The schema this build writes, and the newest it reads. */
#define CAPTURE_SCHEMA_VERSION 1
/* --capture-size's default: strace's -s. */
#define CAPTURE_SIZE_DEFAULT 32

/* What one read of tracee state was: memory.c's two readers, paths.c's
 * two, and the name and program of a task. */
enum capture_what {
    CAPTURE_BYTES,      /* mem_read: addr, size asked */
    CAPTURE_STRING,     /* mem_read_string: addr, cap */
    CAPTURE_LINK,       /* path_read_link: text = "fd/3", "cwd" */
    CAPTURE_PATH,       /* path_resolve: addr = dirfd, text = the path given */
    CAPTURE_WHAT_COUNT
};

/* capture_read.flags */
enum {
    CAPTURE_TRUNCATED = 1u << 0,   /* a string: read_string's *truncated */
    CAPTURE_DELETED = 1u << 1,     /* a link: PATH_DELETED */
    CAPTURE_NOT_FILE = 1u << 2,    /* a link: PATH_NOT_FILE */
};

/* One read made while an event's hooks or decoders ran, and its answer. */
struct capture_read {
    enum capture_what what;
    bool at_exit;           /* made at the return (else at the entry) */
    pid_t pid;
    uint64_t addr;          /* BYTES, STRING: the address; PATH: the dirfd */
    const char *text;       /* LINK, PATH: the link or the path given */
    uint64_t size;          /* BYTES: bytes asked; STRING: the cap */
    int64_t result;         /* bytes read (BYTES, STRING), 0, or -errno */
    unsigned flags;
    const void *data;       /* what was read: bytes, a string, a path */
    size_t len;
};

/* ---- writing ---- */

struct capture_writer;

/* Creates path (replacing a file there) with the schema and the meta rows.
 * started: when the run started (monotonic ns), the time a replay's
 * wt.now() gives before the first event.  NULL with a one-line message in
 * err. */
struct capture_writer *capture_create(const char *path, unsigned capture_size,
                                      char *const *command, uint64_t started, char *err,
                                      size_t errsz);

/* The next event's id: ids give the order the events happened in, a
 * syscall's return being an event of its own for that order. */
int64_t capture_next_id(struct capture_writer *w);

/* A syscall, at its return (returned) or when its thread died in it.
 * path: its first path argument made absolute, or NULL. */
void capture_put_syscall(struct capture_writer *w, int64_t id, int64_t exit_id,
                         const struct syscall_event *ev, bool returned, const char *path);
/* kind: "spawn", "exec", "exit".  spawn: comm, and exe for an attached
 * process; exec: exe, argv (NUL-separated, as /proc/PID/cmdline) and
 * comm; NULL when unknown. */
void capture_put_task(struct capture_writer *w, int64_t id, const char *kind,
                      const struct task_event *ev, const char *exe, const char *argv,
                      size_t argv_len, const char *comm);
void capture_put_signal(struct capture_writer *w, int64_t id, const struct signal_event *ev,
                        bool delivered);
void capture_put_read(struct capture_writer *w, int64_t event, const struct capture_read *r);

/* Commits what is pending and, when complete, writes the end marker (a
 * capture without it was cut short).  Returns 0, or -1 after saying why
 * on stderr. */
int capture_close(struct capture_writer *w, bool complete);

#endif
