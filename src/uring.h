/* io_uring: the operations a tracee submits through its rings, which no
 * syscall stop shows.  Each ring is learnt from io_uring_setup's result
 * (its fd and the offsets in struct io_uring_params) and from the mmaps of
 * that fd at IORING_OFF_SQ_RING, IORING_OFF_CQ_RING and IORING_OFF_SQES.
 * At io_uring_enter's entry the submission queue entries between the
 * kernel's head and the tail are read from the tracee's memory, each once
 * (those a failed or short call left in the queue are not reported again by
 * the call that takes them); at each io_uring_enter stop the completion
 * queue is read for the results, matched to their operations by user_data.  No Lua here: the callbacks carry the
 * raw entries, and script.c makes hook calls of them. */
#ifndef WTLUA_URING_H
#define WTLUA_URING_H

#include <linux/io_uring.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"
#include "stop.h"

struct uring_submission {
    pid_t pid, tid;             /* the thread that entered io_uring_enter */
    int ring_fd;
    uint64_t serial;            /* names the operation until its last completion */
    struct io_uring_sqe sqe;    /* the first 64 bytes (an SQE128 entry has more) */
};

struct uring_completion {
    pid_t pid;
    uint64_t serial;            /* the submission's */
    uint64_t user_data;         /* the fields of struct io_uring_cqe */
    int32_t res;
    uint32_t flags;             /* IORING_CQE_F_MORE: further completions follow */
};

struct uring_callbacks {
    void *ctx;
    void (*submitted)(void *ctx, const struct uring_submission *sub);
    void (*completed)(void *ctx, const struct uring_completion *done);
    /* An operation whose completion will not be reported (its process
     * exec'd or exited, its ring was replaced, too many were pending). */
    void (*forgotten)(void *ctx, uint64_t serial);
};

struct uring;

/* NULL when out of memory. */
struct uring *uring_new(const struct uring_callbacks *cb);
void uring_free(struct uring *u);

/* Adds the stops the engine needs to in: io_uring_setup's and the ring
 * mmaps' returns, io_uring_enter's entry and return (x86_64 tracees).
 * Returns 0, or -1 with a message in err. */
int uring_add_rules(struct interest *in, char *err, size_t errsz);

/* Whether ev is one of those calls (by its number; the arguments decide
 * later whether it concerns a ring). */
bool uring_watches(const struct uring *u, const struct syscall_event *ev);

/* At the entry and the exit stop of a call uring_watches. */
void uring_entry(struct uring *u, const struct syscall_event *ev);
void uring_exit(struct uring *u, const struct syscall_event *ev);

/* The process exec'd or exited: its rings are gone. */
void uring_forget(struct uring *u, pid_t pid);

/* "openat" for IORING_OP_OPENAT (the kernel's name without its prefix, in
 * lower case), NULL for an opcode the headers wtlua was built with lack. */
const char *uring_op_name(unsigned opcode);

#endif
