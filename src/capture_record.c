/* What a capture keeps of each event.  A syscall's entry and return are
 * decoded as `-s trace` decodes them, with --capture-size as the string
 * limit, while a recording tracee_source passes every read to the live
 * tracee and keeps what it answered: so a replay through `-s trace`
 * makes the same reads and gets the same answers.  Beyond the decoders,
 * from the signature table: each path argument whole and made absolute
 * (sc:path), each string argument whole (sc:string), and the file a
 * returned descriptor names (sc:fd_path(sc.ret)). */
#include "capture_record.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "memory.h"
#include "paths.h"
#include "procfs.h"
#include "readers.h"
#include "source.h"
#include "sysent.h"

/* A syscall between its entry and its return. */
struct pending {
    pid_t tid;
    int64_t id;
    struct syscall_event ev;    /* as at the entry */
    struct decode_saved saved;
    char *path;                 /* the first path argument, absolute */
};

/* A string already kept whole for this stop: not kept again. */
#define KEPT_STRINGS 16

struct capture_recorder {
    struct capture_writer *w;
    const struct tracer_hooks *script;
    struct decode_opts opts;
    struct tracee_source source;
    int64_t event;              /* the event reads belong to */
    bool at_exit;
    struct pending *pending;    /* a few threads at a time: a plain array */
    size_t npending, cap;
    struct { pid_t pid; uint64_t addr; } kept[KEPT_STRINGS];
    unsigned nkept;
    /* the last string read whole, for keep_arguments: a path the
     * decoder has read is not read again */
    pid_t last_pid;
    uint64_t last_addr;
    char last_string[PATH_MAX];
    char string[READ_STRING_DEFAULT + 1];   /* a string argument read whole */
    char *cmdline;              /* /proc/PID/cmdline at an exec */
    size_t cmdline_cap;
};

/* ---- the recording source: the live answer, kept ---- */

static void keep(struct capture_recorder *r, const struct capture_read *read)
{
    capture_put_read(r->w, r->event, read);
}

static ssize_t rec_read(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len)
{
    struct capture_recorder *r = ctx;
    tracee_source = NULL;
    ssize_t n = mem_read(pid, addr, buf, len);
    tracee_source = &r->source;
    struct capture_read read = { .what = CAPTURE_BYTES, .at_exit = r->at_exit, .pid = pid,
                                 .addr = addr, .size = len, .result = n,
                                 .data = n >= 0 ? buf : NULL, .len = n > 0 ? (size_t)n : 0 };
    keep(r, &read);
    return n;
}

static bool kept_whole(const struct capture_recorder *r, pid_t pid, uint64_t addr)
{
    for (unsigned i = 0; i < r->nkept; i++)
        if (r->kept[i].pid == pid && r->kept[i].addr == addr)
            return true;
    return false;
}

static ssize_t rec_read_string(void *ctx, pid_t pid, uint64_t addr, char *buf, size_t cap,
                               bool *truncated)
{
    struct capture_recorder *r = ctx;
    tracee_source = NULL;
    ssize_t n = mem_read_string(pid, addr, buf, cap, truncated);
    tracee_source = &r->source;
    if (n >= 0 && kept_whole(r, pid, addr))
        return n;
    struct capture_read read = { .what = CAPTURE_STRING, .at_exit = r->at_exit, .pid = pid,
                                 .addr = addr, .size = cap, .result = n,
                                 .flags = n >= 0 && *truncated ? CAPTURE_TRUNCATED : 0,
                                 .data = n >= 0 ? buf : NULL, .len = n > 0 ? (size_t)n : 0 };
    keep(r, &read);
    if (n >= 0 && !*truncated && r->nkept < KEPT_STRINGS) {
        r->kept[r->nkept].pid = pid;
        r->kept[r->nkept++].addr = addr;
    }
    if (n >= 0 && !*truncated && (size_t)n < sizeof r->last_string) {
        memcpy(r->last_string, buf, (size_t)n + 1);
        r->last_pid = pid;
        r->last_addr = addr;
    }
    return n;
}

static int rec_read_link(void *ctx, pid_t tid, const char *link, char *out, size_t outsz,
                         enum path_kind *kind)
{
    struct capture_recorder *r = ctx;
    tracee_source = NULL;
    int rc = path_read_link(tid, link, out, outsz, kind);
    tracee_source = &r->source;
    unsigned flags = rc < 0 ? 0 : *kind == PATH_DELETED ? CAPTURE_DELETED
                                : *kind == PATH_NOT_FILE ? CAPTURE_NOT_FILE : 0;
    struct capture_read read = { .what = CAPTURE_LINK, .at_exit = r->at_exit, .pid = tid,
                                 .text = link, .result = rc, .flags = flags,
                                 .data = rc == 0 ? out : NULL, .len = rc == 0 ? strlen(out) : 0 };
    keep(r, &read);
    return rc;
}

static int rec_resolve(void *ctx, pid_t tid, int64_t dirfd, const char *path, char *out,
                       size_t outsz)
{
    struct capture_recorder *r = ctx;
    tracee_source = NULL;
    int rc = path_resolve(tid, dirfd, path, out, outsz);
    tracee_source = &r->source;
    struct capture_read read = { .what = CAPTURE_PATH, .at_exit = r->at_exit, .pid = tid,
                                 .addr = (uint64_t)dirfd, .text = path, .result = rc,
                                 .data = rc == 0 ? out : NULL, .len = rc == 0 ? strlen(out) : 0 };
    keep(r, &read);
    return rc;
}

/* Names and programs are kept with spawn and exec events instead. */
static int rec_comm(void *ctx, pid_t tid, char out[16])
{
    (void)ctx;
    return procfs_comm(tid, out);
}

static ssize_t rec_exe(void *ctx, pid_t pid, char *out, size_t outsz)
{
    (void)ctx;
    return procfs_readlink(pid, "exe", out, outsz);
}

/* Reads from here on belong to event, at its entry or its return. */
static void reads_of(struct capture_recorder *r, int64_t event, bool at_exit)
{
    r->event = event;
    r->at_exit = at_exit;
    r->nkept = 0;
    r->last_pid = 0;
    tracee_source = &r->source;
}

/* ---- decoding into nothing: only the reads matter ---- */

static void null_name(struct dsink *s, const char *n, bool shown)
{
    (void)s, (void)n, (void)shown;
}
static void null_flag(struct dsink *s, bool b) { (void)s, (void)b; }
static void null_int(struct dsink *s, int64_t v) { (void)s, (void)v; }
static void null_uint(struct dsink *s, uint64_t v) { (void)s, (void)v; }
static void null_text(struct dsink *s, const char *t) { (void)s, (void)t; }
static void null_number_as(struct dsink *s, int64_t v, const char *t)
{
    (void)s, (void)v, (void)t;
}
static void null_symbol_as(struct dsink *s, const char *t, const char *v)
{
    (void)s, (void)t, (void)v;
}
static void null_string(struct dsink *s, const char *b, size_t n, unsigned f)
{
    (void)s, (void)b, (void)n, (void)f;
}
static void null_fd(struct dsink *s, int64_t fd, const char *p, bool d)
{
    (void)s, (void)fd, (void)p, (void)d;
}
static void null_changed(struct dsink *s) { (void)s; }

static const struct dsink_ops null_ops = {
    .name = null_name, .begin = null_flag, .end = null_flag, .integer = null_int,
    .uinteger = null_uint, .symbol = null_text, .number_as = null_number_as,
    .symbol_as = null_symbol_as, .pointer = null_uint, .string = null_string, .fd = null_fd,
    .comment = null_text, .changed = null_changed,
};
static struct dsink null_sink = { &null_ops };

/* ---- pending calls ---- */

static struct pending *find_pending(struct capture_recorder *r, pid_t tid)
{
    for (size_t i = 0; i < r->npending; i++)
        if (r->pending[i].tid == tid)
            return &r->pending[i];
    return NULL;
}

static struct pending *add_pending(struct capture_recorder *r, pid_t tid)
{
    struct pending *p = find_pending(r, tid);
    if (p) { /* a call whose return never came: kept without it */
        capture_put_syscall(r->w, p->id, 0, &p->ev, false, p->path);
        free(p->path);
    } else {
        if (r->npending == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 16;
            struct pending *more = realloc(r->pending, cap * sizeof *more);
            if (!more)
                return NULL;
            r->pending = more;
            r->cap = cap;
        }
        p = &r->pending[r->npending++];
    }
    memset(p, 0, sizeof *p);
    p->tid = tid;
    return p;
}

static void drop_pending(struct capture_recorder *r, struct pending *p)
{
    free(p->path);
    *p = r->pending[--r->npending];
}

/* ---- the hooks ---- */

/* The path and string arguments, whole: what sc:path and sc:string read. */
static void keep_arguments(struct capture_recorder *r, struct pending *p,
                           const struct syscall_event *ev)
{
    const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
    char raw[PATH_MAX + 1], absolute[PATH_MAX]; /* mem_read_string writes cap + 1 */
    const char *path;
    bool truncated;
    for (unsigned i = 0; e && i < e->nargs; i++) {
        const struct sysent_arg *a = &e->args[i];
        if (a->kind == SYSENT_STRING) {
            mem_read_string(ev->tid, ev->args[i], r->string, READ_STRING_DEFAULT, &truncated);
        } else if (a->kind == SYSENT_PATH && ev->args[i]) {
            if (r->last_pid == ev->tid && r->last_addr == ev->args[i]) {
                path = r->last_string;
            } else {
                ssize_t n = mem_read_string(ev->tid, ev->args[i], raw, PATH_MAX, &truncated);
                if (n < 0 || truncated)
                    continue;
                path = raw;
            }
            int64_t dirfd = a->dirfd ? (int32_t)ev->args[a->dirfd - 1] : AT_FDCWD;
            if (path_resolve(ev->tid, dirfd, path, absolute, sizeof absolute) == 0 && !p->path)
                p->path = strdup(absolute);
        }
    }
}

static void record_enter(void *ctx, struct syscall_event *ev)
{
    struct capture_recorder *r = ctx;
    struct pending *p = add_pending(r, ev->tid);
    int64_t id = capture_next_id(r->w);
    reads_of(r, id, false);
    if (p) {
        p->id = id;
        decode_call(&null_sink, ev, &r->opts, DECODE_ENTRY, NULL, &p->saved);
        keep_arguments(r, p, ev);
    }
    if (r->script->enter)
        r->script->enter(r->script->ctx, ev);
    tracee_source = NULL;
    if (p) /* the hook's changes are applied after it: not what it saw */
        p->ev = *ev;
}

static void record_exit(void *ctx, struct syscall_event *ev)
{
    struct capture_recorder *r = ctx;
    struct pending *p = find_pending(r, ev->tid);
    int64_t exit_id = capture_next_id(r->w);
    if (p) {
        reads_of(r, p->id, true);
        struct decode_result res;
        decode_call(&null_sink, ev, &r->opts, DECODE_EXIT, &res, &p->saved);
        if (res.rval == RVAL_FD && !ev->is_error && ev->ret >= 0) {
            char link[32], path[PATH_MAX];
            enum path_kind kind;
            snprintf(link, sizeof link, "fd/%d", (int)ev->ret);
            path_read_link(ev->tid, link, path, sizeof path, &kind);
        }
    }
    if (r->script->exit)
        r->script->exit(r->script->ctx, ev);
    tracee_source = NULL;
    if (p) {
        capture_put_syscall(r->w, p->id, exit_id, ev, true, p->path);
        drop_pending(r, p);
    }
}

static void record_spawn(void *ctx, const struct task_event *ev)
{
    struct capture_recorder *r = ctx;
    char comm[16], exe[PATH_MAX];
    bool named = procfs_comm(ev->tid, comm) == 0;
    /* an attached process will not be seen exec'ing: its program now */
    bool known = ev->attached && procfs_readlink(ev->pid, "exe", exe, sizeof exe) >= 0;
    capture_put_task(r->w, capture_next_id(r->w), "spawn", ev, known ? exe : NULL, NULL, 0,
                     named ? comm : NULL);
    if (r->script->spawn)
        r->script->spawn(r->script->ctx, ev);
}

static void record_exec(void *ctx, const struct task_event *ev)
{
    struct capture_recorder *r = ctx;
    struct task_event full = *ev;
    char exe[PATH_MAX], comm[16];
    ssize_t n = procfs_readlink(ev->pid, "exe", exe, sizeof exe);
    if (n >= 0)
        full.exe = exe;
    ssize_t len = procfs_read(ev->pid, "cmdline", &r->cmdline, &r->cmdline_cap);
    if (len >= 0) {
        full.argv = r->cmdline;
        full.argv_len = (size_t)len;
    }
    bool named = procfs_comm(ev->pid, comm) == 0;
    /* An execve from another thread returns in the leader's tid. */
    struct pending *p = ev->old_tid != ev->pid ? find_pending(r, ev->old_tid) : NULL;
    if (p) {
        struct pending *gone = find_pending(r, ev->pid);
        if (gone) {
            capture_put_syscall(r->w, gone->id, 0, &gone->ev, false, gone->path);
            drop_pending(r, gone);
            p = find_pending(r, ev->old_tid);
        }
        p->tid = p->ev.tid = ev->pid;
    }
    capture_put_task(r->w, capture_next_id(r->w), "exec", &full, full.exe, full.argv,
                     full.argv_len, named ? comm : NULL);
    r->script->exec(r->script->ctx, &full);
}

static void record_gone(void *ctx, const struct task_event *ev)
{
    struct capture_recorder *r = ctx;
    struct pending *p = find_pending(r, ev->tid);
    if (p) { /* it died in this call */
        capture_put_syscall(r->w, p->id, 0, &p->ev, false, p->path);
        drop_pending(r, p);
    }
    capture_put_task(r->w, capture_next_id(r->w), "exit", ev, NULL, NULL, 0, NULL);
    r->script->gone(r->script->ctx, ev);
}

/* wt.every's functions: the script's own, with its own ctx. */
static void record_tick(void *ctx, unsigned id)
{
    struct capture_recorder *r = ctx;
    r->script->tick(r->script->ctx, id);
}

static bool record_signal(void *ctx, const struct signal_event *ev)
{
    struct capture_recorder *r = ctx;
    int64_t id = capture_next_id(r->w);
    bool deliver = !r->script->signal || r->script->signal(r->script->ctx, ev);
    capture_put_signal(r->w, id, ev, deliver);
    return deliver;
}

struct capture_recorder *capture_record_new(struct capture_writer *w, unsigned capture_size,
                                            const struct tracer_hooks *script,
                                            struct tracer_hooks *hooks)
{
    struct capture_recorder *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->w = w;
    r->script = script;
    r->opts.string_limit = capture_size;
    r->source = (struct tracee_source){ .ctx = r, .read = rec_read,
                                        .read_string = rec_read_string,
                                        .read_link = rec_read_link, .resolve = rec_resolve,
                                        .comm = rec_comm, .exe = rec_exe };
    *hooks = *script;
    hooks->ctx = r;
    hooks->enter = record_enter;
    hooks->exit = record_exit;
    hooks->spawn = record_spawn;
    hooks->exec = record_exec;
    hooks->gone = record_gone;
    hooks->signal = record_signal;
    if (script->tick)
        hooks->tick = record_tick;
    return r;
}

void capture_record_free(struct capture_recorder *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->npending; i++) {
        capture_put_syscall(r->w, r->pending[i].id, 0, &r->pending[i].ev, false,
                            r->pending[i].path);
        free(r->pending[i].path);
    }
    free(r->pending);
    free(r->cmdline);
    free(r);
}
