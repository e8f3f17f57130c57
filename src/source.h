/* Where the engine reads a tracee's state: its memory, its /proc links,
 * its name and program.  Normally the live tracee; a capture being
 * replayed (capture_replay.c) or being recorded (capture_record.c) sets a
 * source that answers (or also keeps) these reads instead.  The readers
 * and decoders never know which: this is the one seam between them. */
#ifndef WTLUA_SOURCE_H
#define WTLUA_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "paths.h"

/* A read a capture cannot answer: the memory or link was not kept.  Named
 * by path_strerror and the readers ("not in the capture"). */
#define SOURCE_ENOTCAPTURED 4200

/* Each member has the contract of the live function it stands in for
 * (mem_read, mem_read_string, path_read_link, path_resolve, procfs_comm,
 * procfs_readlink of "exe"); a replay also sets the clock scripts see. */
struct tracee_source {
    void *ctx;
    ssize_t (*read)(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len);
    ssize_t (*read_string)(void *ctx, pid_t pid, uint64_t addr, char *buf, size_t cap,
                           bool *truncated);
    int (*read_link)(void *ctx, pid_t tid, const char *link, char *out, size_t outsz,
                     enum path_kind *kind);
    int (*resolve)(void *ctx, pid_t tid, int64_t dirfd, const char *path, char *out,
                   size_t outsz);
    int (*comm)(void *ctx, pid_t tid, char out[16]);
    ssize_t (*exe)(void *ctx, pid_t pid, char *out, size_t outsz);
    /* wt.now() and wt.realtime(), in ns; NULL: the clocks of now */
    int64_t (*now)(void *ctx);
    int64_t (*realtime)(void *ctx);
    bool replaying;     /* no tracee exists: what the capture lacks is not
                           there to be read (a stack) */
};

/* The source in use; NULL: the live tracee.  Defined in memory.c. */
extern const struct tracee_source *tracee_source;

#endif
