#include "uring.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memory.h"

/* Operations submitted and not yet completed, per ring, beyond which the
 * oldest is forgotten (an operation with IOSQE_CQE_SKIP_SUCCESS that
 * succeeded never completes): a multiple of the completion queue's size. */
#define PENDING_PER_CQ_ENTRY 4
/* The kernel's largest queues (IORING_MAX_CQ_ENTRIES): bigger sizes read
 * from the tracee are not believed. */
#define MAX_ENTRIES 65536u
/* Set-up flags newer than the headers wtlua is built with may change the
 * ring's layout (IORING_SETUP_NO_SQARRAY drops the index array): a ring
 * with one is not read. */
#define KNOWN_SETUP_FLAGS ((IORING_SETUP_DEFER_TASKRUN << 1) - 1)
/* Completions read with one process_vm_readv. */
#define CQE_BATCH 64
/* A ring's shared memory (heads, tails, index array, and with
 * IORING_FEAT_SINGLE_MMAP the completions) or its SQE array up to this size
 * is read whole, with one process_vm_readv per stop, rather than field by
 * field (five to eight reads at an io_uring_enter). */
#define SNAPSHOT_MAX 16384

struct pending {
    uint64_t user_data, serial;
};

struct ring {
    pid_t pid;
    int fd;
    bool untraced;                 /* SQPOLL, or a layout wtlua does not know */
    struct io_uring_params params; /* as io_uring_setup filled it */
    uint64_t sq_ring, cq_ring, sqes; /* where the ring is mapped; 0: not yet */
    uint32_t cq_seen;              /* the completion queue's tail as last read */
    /* The submission queue's position up to which entries were reported:
     * those a call left in the queue (it failed, or stopped at an entry that
     * failed) are submitted by a later call, and reported only once. */
    uint32_t sq_reported;
    struct pending *pending;       /* oldest first */
    size_t npending, cap;
};

/* Warnings said once per process. */
enum warning { WARN_SQPOLL = 1, WARN_REGISTERED = 2, WARN_UNKNOWN = 4, WARN_LAYOUT = 8 };

struct warned {
    pid_t pid;
    unsigned what;
};

/* A copy of [addr, addr + len) of the tracee's memory, taken at this stop. */
struct snapshot {
    uint64_t addr;
    size_t len;
    unsigned char buf[SNAPSHOT_MAX];
};

struct uring {
    struct uring_callbacks cb;
    struct snapshot ring_copy, sqes_copy;
    const struct arch *arch;       /* the tracees whose rings are read */
    int nr_setup, nr_enter, nr_mmap;
    struct ring *rings;
    size_t nrings, cap;
    struct warned *warned;
    size_t nwarned, warned_cap;
    uint64_t next_serial;
};

/* The kernel's names, from the headers' own identifiers. */
#define OP(name) [IORING_OP_##name] = #name
static const char *const op_names_upper[IORING_OP_LAST] = {
    OP(NOP), OP(READV), OP(WRITEV), OP(FSYNC), OP(READ_FIXED), OP(WRITE_FIXED),
    OP(POLL_ADD), OP(POLL_REMOVE), OP(SYNC_FILE_RANGE), OP(SENDMSG), OP(RECVMSG),
    OP(TIMEOUT), OP(TIMEOUT_REMOVE), OP(ACCEPT), OP(ASYNC_CANCEL), OP(LINK_TIMEOUT),
    OP(CONNECT), OP(FALLOCATE), OP(OPENAT), OP(CLOSE), OP(FILES_UPDATE), OP(STATX),
    OP(READ), OP(WRITE), OP(FADVISE), OP(MADVISE), OP(SEND), OP(RECV), OP(OPENAT2),
    OP(EPOLL_CTL), OP(SPLICE), OP(PROVIDE_BUFFERS), OP(REMOVE_BUFFERS), OP(TEE),
    OP(SHUTDOWN), OP(RENAMEAT), OP(UNLINKAT), OP(MKDIRAT), OP(SYMLINKAT), OP(LINKAT),
    OP(MSG_RING), OP(FSETXATTR), OP(SETXATTR), OP(FGETXATTR), OP(GETXATTR), OP(SOCKET),
    OP(URING_CMD), OP(SEND_ZC), OP(SENDMSG_ZC),
};
#undef OP

const char *uring_op_name(unsigned opcode)
{
    static char lower[IORING_OP_LAST][24];
    if (opcode >= IORING_OP_LAST || !op_names_upper[opcode])
        return NULL;
    if (!lower[opcode][0])
        for (size_t i = 0; op_names_upper[opcode][i] && i + 1 < sizeof lower[0]; i++)
            lower[opcode][i] = (char)tolower((unsigned char)op_names_upper[opcode][i]);
    return lower[opcode];
}

struct uring *uring_new(const struct uring_callbacks *cb)
{
    struct uring *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    size_t count;
    u->cb = *cb;
    u->arch = &arch_all(&count)[0];
    u->nr_setup = arch_syscall_nr(u->arch, "io_uring_setup");
    u->nr_enter = arch_syscall_nr(u->arch, "io_uring_enter");
    u->nr_mmap = arch_syscall_nr(u->arch, "mmap");
    return u;
}

static void drop_pending(struct uring *u, struct ring *r, size_t i)
{
    u->cb.forgotten(u->cb.ctx, r->pending[i].serial);
    memmove(&r->pending[i], &r->pending[i + 1], (r->npending - i - 1) * sizeof r->pending[0]);
    r->npending--;
}

static void remove_ring(struct uring *u, size_t i)
{
    struct ring *r = &u->rings[i];
    while (r->npending)
        drop_pending(u, r, r->npending - 1);
    free(r->pending);
    u->rings[i] = u->rings[--u->nrings];
}

void uring_free(struct uring *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->nrings; i++)
        free(u->rings[i].pending);
    free(u->rings);
    free(u->warned);
    free(u);
}

/* The ring mmaps: writable (the program writes the tails and entries),
 * shared, not anonymous, at one of the ring offsets.  Read-only shared
 * mappings of files (glibc's gconv-modules.cache, in every process that
 * converts text) do not stop. */
static int add_mmap_rule(struct interest *in, uint8_t arches, uint64_t offset, char *err,
                         size_t errsz)
{
    struct rule rule = { .name = "mmap", .want_exit = true, .arches = arches, .ncond = 4,
                         .conds = {
                             { .arg = 3, .op = COND_ANY_BITS, .mask = PROT_WRITE },
                             { .arg = 4, .op = COND_ANY_BITS, .mask = MAP_SHARED },
                             { .arg = 4, .op = COND_MASKED_EQ, .mask = MAP_ANONYMOUS },
                             { .arg = 6, .op = COND_EQ, .value = offset },
                         } };
    return interest_add(in, &rule, err, errsz);
}

int uring_add_rules(struct interest *in, char *err, size_t errsz)
{
    size_t count;
    uint8_t native = (uint8_t)(1u << arch_all(&count)[0].index);
    struct rule setup = { .name = "io_uring_setup", .want_exit = true, .arches = native };
    struct rule enter = { .name = "io_uring_enter", .want_exit = true, .arches = native };
    if (interest_add(in, &setup, err, errsz) < 0 || interest_add(in, &enter, err, errsz) < 0)
        return -1;
    static const uint64_t offsets[] = { IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES };
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++)
        if (add_mmap_rule(in, native, offsets[i], err, errsz) < 0)
            return -1;
    return 0;
}

bool uring_watches(const struct uring *u, const struct syscall_event *ev)
{
    return ev->arch == u->arch &&
           (ev->nr == u->nr_enter || ev->nr == u->nr_mmap || ev->nr == u->nr_setup);
}

static struct ring *find_ring(struct uring *u, pid_t pid, int fd, size_t *index)
{
    for (size_t i = 0; i < u->nrings; i++)
        if (u->rings[i].pid == pid && u->rings[i].fd == fd) {
            if (index)
                *index = i;
            return &u->rings[i];
        }
    return NULL;
}

/* Says why a process's operations are not seen, once per process. */
static void warn_once(struct uring *u, pid_t pid, enum warning what, int fd)
{
    size_t i = 0;
    while (i < u->nwarned && u->warned[i].pid != pid)
        i++;
    if (i < u->nwarned && (u->warned[i].what & what))
        return;
    if (i == u->nwarned) {
        if (u->nwarned == u->warned_cap) {
            size_t cap = u->warned_cap ? u->warned_cap * 2 : 8;
            struct warned *w = realloc(u->warned, cap * sizeof *w);
            if (!w)
                return;
            u->warned = w;
            u->warned_cap = cap;
        }
        u->warned[u->nwarned++] = (struct warned){ pid, 0 };
    }
    u->warned[i].what |= what;
    if (what == WARN_SQPOLL)
        fprintf(stderr, "wtlua: process %d submits io_uring operations through a kernel thread "
                        "(IORING_SETUP_SQPOLL), without a syscall: they cannot be traced\n",
                (int)pid);
    else if (what == WARN_REGISTERED)
        fprintf(stderr, "wtlua: process %d enters an io_uring by its registered index "
                        "(IORING_ENTER_REGISTERED_RING): its operations cannot be traced\n",
                (int)pid);
    else if (what == WARN_LAYOUT)
        fprintf(stderr, "wtlua: process %d set up an io_uring (fd %d) with flags this wtlua "
                        "does not know: its operations cannot be traced\n", (int)pid, fd);
    else
        fprintf(stderr, "wtlua: process %d submits to an io_uring (fd %d) whose set-up or "
                        "mmap wtlua did not see: its operations cannot be traced\n",
                (int)pid, fd);
}

static bool is_power_of_two(uint32_t n)
{
    return n && !(n & (n - 1)) && n <= MAX_ENTRIES;
}

/* io_uring_setup returned a ring's fd: its params say where things are in
 * the memory the mmaps will show. */
static void ring_set_up(struct uring *u, const struct syscall_event *ev)
{
    struct io_uring_params params;
    if (ev->is_error ||
        mem_read(ev->tid, ev->args[1], &params, sizeof params) != (ssize_t)sizeof params)
        return;
    int fd = (int)ev->ret;
    size_t old;
    if (find_ring(u, ev->pid, fd, &old)) /* that fd was another ring, closed since */
        remove_ring(u, old);
    if (!is_power_of_two(params.sq_entries) || !is_power_of_two(params.cq_entries))
        return;
    if (u->nrings == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 4;
        struct ring *rings = realloc(u->rings, cap * sizeof *rings);
        if (!rings)
            return;
        u->rings = rings;
        u->cap = cap;
    }
    struct ring *r = &u->rings[u->nrings++];
    *r = (struct ring){ .pid = ev->pid, .fd = fd, .params = params };
    if (params.flags & IORING_SETUP_SQPOLL)
        warn_once(u, ev->pid, WARN_SQPOLL, fd);
    else if (params.flags & ~KNOWN_SETUP_FLAGS)
        warn_once(u, ev->pid, WARN_LAYOUT, fd);
    r->untraced = params.flags & (IORING_SETUP_SQPOLL | ~KNOWN_SETUP_FLAGS);
}

static void ring_mapped(struct uring *u, const struct syscall_event *ev)
{
    struct ring *r = find_ring(u, ev->pid, (int)ev->args[4], NULL);
    if (ev->is_error || !r)
        return;
    uint64_t at = (uint64_t)ev->ret;
    switch (ev->args[5]) {
    case IORING_OFF_SQ_RING:
        r->sq_ring = at;
        if (r->params.features & IORING_FEAT_SINGLE_MMAP) /* one mapping for both */
            r->cq_ring = at;
        break;
    case IORING_OFF_CQ_RING:
        r->cq_ring = at;
        break;
    case IORING_OFF_SQES:
        r->sqes = at;
        break;
    }
}

/* Takes a snapshot of len bytes at addr, when that is small enough; an
 * empty one otherwise, or when the read fails. */
static void snapshot_take(struct snapshot *snap, pid_t tid, uint64_t addr, size_t len)
{
    snap->addr = addr;
    snap->len = 0;
    if (addr && len <= sizeof snap->buf && mem_read(tid, addr, snap->buf, len) == (ssize_t)len)
        snap->len = len;
}

/* len bytes at addr: from the snapshot where it holds them, else read. */
static bool snapshot_read(const struct snapshot *snap, pid_t tid, uint64_t addr, void *out,
                          size_t len)
{
    uint64_t at = addr - snap->addr;
    if (addr >= snap->addr && at <= snap->len && len <= snap->len - at) {
        memcpy(out, snap->buf + at, len);
        return true;
    }
    return mem_read(tid, addr, out, len) == (ssize_t)len;
}

static bool read_u32(const struct snapshot *snap, pid_t tid, uint64_t addr, uint32_t *value)
{
    return snapshot_read(snap, tid, addr, value, sizeof *value);
}

static size_t cqe_size(const struct ring *r)
{
    return (r->params.flags & IORING_SETUP_CQE32) ? 2 * sizeof(struct io_uring_cqe)
                                                  : sizeof(struct io_uring_cqe);
}

static size_t sqe_size(const struct ring *r)
{
    return (r->params.flags & IORING_SETUP_SQE128) ? 2 * sizeof(struct io_uring_sqe)
                                                   : sizeof(struct io_uring_sqe);
}

/* The ring's shared memory as one snapshot: the submission ring's fields
 * and index array, and the completion ring when it is the same mapping. */
static void snapshot_ring(struct uring *u, const struct ring *r, pid_t tid)
{
    size_t len = r->params.sq_off.array + (size_t)r->params.sq_entries * sizeof(uint32_t);
    size_t cq_len = r->params.cq_off.cqes + r->params.cq_entries * cqe_size(r);
    if (r->cq_ring == r->sq_ring && cq_len > len)
        len = cq_len;
    snapshot_take(&u->ring_copy, tid, r->sq_ring, len);
}

static void add_pending(struct uring *u, struct ring *r, uint64_t user_data, uint64_t serial)
{
    if (r->npending >= (size_t)r->params.cq_entries * PENDING_PER_CQ_ENTRY)
        drop_pending(u, r, 0);
    if (r->npending == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct pending *p = realloc(r->pending, cap * sizeof *p);
        if (!p)
            return;
        r->pending = p;
        r->cap = cap;
    }
    r->pending[r->npending++] = (struct pending){ user_data, serial };
}

/* The completions the kernel posted since the last look, each matched to
 * the oldest pending operation with its user_data.  Slots more than a
 * queue's length behind the tail may hold newer completions already: those
 * older ones are lost. */
static void read_completions(struct uring *u, struct ring *r, pid_t tid)
{
    uint32_t tail;
    if (!r->cq_ring || !read_u32(&u->ring_copy, tid, r->cq_ring + r->params.cq_off.tail, &tail))
        return;
    uint32_t entries = r->params.cq_entries, mask = entries - 1;
    size_t size = cqe_size(r);
    uint32_t pos = tail - r->cq_seen > entries ? tail - entries : r->cq_seen;
    r->cq_seen = tail;
    unsigned char buf[CQE_BATCH * 2 * sizeof(struct io_uring_cqe)];
    while (pos != tail) {
        uint32_t n = tail - pos, slot = pos & mask;
        if (n > CQE_BATCH)
            n = CQE_BATCH;
        if (n > entries - slot) /* not across the end of the array */
            n = entries - slot;
        if (!snapshot_read(&u->ring_copy, tid, r->cq_ring + r->params.cq_off.cqes + slot * size,
                           buf, n * size))
            return;
        for (uint32_t i = 0; i < n; i++) {
            struct io_uring_cqe cqe;
            memcpy(&cqe, buf + i * size, sizeof cqe);
            for (size_t p = 0; p < r->npending; p++) {
                if (r->pending[p].user_data != cqe.user_data)
                    continue;
                struct uring_completion done = { .pid = r->pid, .serial = r->pending[p].serial,
                                                 .user_data = cqe.user_data, .res = cqe.res,
                                                 .flags = cqe.flags };
                if (!(cqe.flags & IORING_CQE_F_MORE)) { /* its last */
                    memmove(&r->pending[p], &r->pending[p + 1],
                            (r->npending - p - 1) * sizeof r->pending[0]);
                    r->npending--;
                }
                u->cb.completed(u->cb.ctx, &done);
                break;
            }
        }
        pos += n;
    }
}

/* The entries io_uring_enter is about to submit: to_submit of those
 * between the kernel's head and the tail, in order, each through the index
 * array into the SQE array (an index out of range the kernel drops).  They
 * are reported here, before the kernel runs them (a hook may look at what
 * they will change), except those an earlier call was offered and left. */
static void read_submissions(struct uring *u, struct ring *r, pid_t tid, uint32_t to_submit)
{
    const struct io_sqring_offsets *off = &r->params.sq_off;
    uint32_t head, tail;
    if (!read_u32(&u->ring_copy, tid, r->sq_ring + off->head, &head) ||
        !read_u32(&u->ring_copy, tid, r->sq_ring + off->tail, &tail))
        return;
    uint32_t entries = r->params.sq_entries, mask = entries - 1, n = tail - head;
    if (n > to_submit)
        n = to_submit;
    if (n > entries)
        n = entries;
    uint32_t reported = r->sq_reported - head;
    if (reported > entries) /* behind the head: all of them are new */
        reported = 0;
    if (reported >= n)
        return;
    r->sq_reported = head + n;
    size_t size = sqe_size(r);
    snapshot_take(&u->sqes_copy, tid, r->sqes, entries * size);
    for (uint32_t i = reported; i < n; i++) {
        uint32_t index;
        struct uring_submission sub = { .pid = r->pid, .tid = tid, .ring_fd = r->fd };
        uint64_t slot = r->sq_ring + off->array + ((head + i) & mask) * sizeof index;
        if (!read_u32(&u->ring_copy, tid, slot, &index))
            return;
        if (index >= entries)
            continue;
        if (!snapshot_read(&u->sqes_copy, tid, r->sqes + index * size, &sub.sqe, sizeof sub.sqe))
            return;
        sub.serial = ++u->next_serial;
        add_pending(u, r, sub.sqe.user_data, sub.serial);
        u->cb.submitted(u->cb.ctx, &sub);
    }
}

/* io_uring_enter(fd, to_submit, min_complete, flags, ...). */
static struct ring *entered_ring(struct uring *u, const struct syscall_event *ev)
{
    int fd = (int)ev->args[0];
    if (ev->args[3] & IORING_ENTER_REGISTERED_RING) {
        warn_once(u, ev->pid, WARN_REGISTERED, fd);
        return NULL;
    }
    struct ring *r = find_ring(u, ev->pid, fd, NULL);
    bool submits = (uint32_t)ev->args[1] > 0;
    if (r && r->untraced)
        return NULL;
    if ((!r || !r->sq_ring || !r->sqes) && submits) {
        warn_once(u, ev->pid, WARN_UNKNOWN, fd);
        return NULL;
    }
    return r;
}

void uring_entry(struct uring *u, const struct syscall_event *ev)
{
    if (ev->nr != u->nr_enter)
        return;
    struct ring *r = entered_ring(u, ev);
    if (!r)
        return;
    snapshot_ring(u, r, ev->tid);
    /* Completions first: they may belong to entries this call submits
     * again under the same user_data. */
    read_completions(u, r, ev->tid);
    if (r->sq_ring && r->sqes)
        read_submissions(u, r, ev->tid, (uint32_t)ev->args[1]);
}

void uring_exit(struct uring *u, const struct syscall_event *ev)
{
    if (ev->nr == u->nr_setup) {
        ring_set_up(u, ev);
    } else if (ev->nr == u->nr_mmap) {
        ring_mapped(u, ev);
    } else {
        struct ring *r = find_ring(u, ev->pid, (int)ev->args[0], NULL);
        if (r && !r->untraced && !(ev->args[3] & IORING_ENTER_REGISTERED_RING)) {
            snapshot_ring(u, r, ev->tid);
            read_completions(u, r, ev->tid);
        }
    }
}

void uring_forget(struct uring *u, pid_t pid)
{
    for (size_t i = u->nrings; i-- > 0;)
        if (u->rings[i].pid == pid)
            remove_ring(u, i);
    for (size_t i = u->nwarned; i-- > 0;)
        if (u->warned[i].pid == pid)
            u->warned[i] = u->warned[--u->nwarned];
}
