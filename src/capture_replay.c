/* Replaying a capture: events are read in id order (the order they
 * happened); a syscall's return, whose exit_id places it among them, is
 * held back until its turn.  Reads are looked up in the capture's reads
 * table, for the event whose hook runs, when a reader asks. */
#include "capture_replay.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch.h"
#include "capture.h"
#include "modify.h"
#include "source.h"

/* A read the capture kept, loaded for the event being replayed. */
struct kept_read {
    enum capture_what what;
    bool at_exit;
    pid_t pid;
    uint64_t addr, size;
    int64_t result;
    unsigned flags;
    char *text;             /* LINK, PATH: the link or path asked for */
    char *data;             /* NUL-terminated */
    size_t len;
};

/* What /proc said of a task: its name and its program. */
struct task_info {
    pid_t tid;
    char comm[16];
    char *exe;
};

/* A syscall whose return comes later among the events. */
struct held_return {
    int64_t exit_id;
    int64_t id;             /* its entry's: the reads are kept under it */
    struct syscall_event ev;
};

struct capture_reader {
    sqlite3 *db;
    const char *path;
    bool complete;
    int64_t now;                /* the time of the event replayed */
    int64_t realtime_offset;    /* wall clock at monotonic 0 */
    sqlite3_stmt *reads_of;
    struct tracee_source source;
    int64_t event;              /* the event whose hook runs */
    bool at_exit;
    int64_t loaded;             /* the event whose reads are in `reads` */
    struct kept_read *reads;
    size_t nreads, reads_cap;
    struct task_info *tasks;
    size_t ntasks, tasks_cap;
    struct held_return *held;   /* in exit_id order: a few at a time */
    size_t nheld, held_cap;
    int64_t *tick_due;          /* wt.every: each function's next time */
};

/* ---- opening ---- */

static sqlite3_int64 meta_int(sqlite3 *db, const char *key, bool *found, int *rc)
{
    sqlite3_stmt *st;
    *found = false;
    *rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
    if (*rc != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_int64 value = 0;
    *rc = sqlite3_step(st);
    if (*rc == SQLITE_ROW) {
        *found = true;
        value = sqlite3_column_int64(st, 0);
        *rc = SQLITE_OK;
    } else if (*rc == SQLITE_DONE) {
        *rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return value;
}

static ssize_t replay_read(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len);
static ssize_t replay_read_string(void *ctx, pid_t pid, uint64_t addr, char *buf, size_t cap,
                                  bool *truncated);
static int replay_read_link(void *ctx, pid_t tid, const char *link, char *out, size_t outsz,
                            enum path_kind *kind);
static int replay_resolve(void *ctx, pid_t tid, int64_t dirfd, const char *path, char *out,
                          size_t outsz);
static int replay_comm(void *ctx, pid_t tid, char out[16]);
static ssize_t replay_exe(void *ctx, pid_t pid, char *out, size_t outsz);

static int64_t replay_now(void *ctx)
{
    return ((struct capture_reader *)ctx)->now;
}

static int64_t replay_realtime(void *ctx)
{
    struct capture_reader *r = ctx;
    return r->realtime_offset + r->now;
}

struct capture_reader *capture_open(const char *path, char *err, size_t errsz)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errsz, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct capture_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    r->path = path;
    r->loaded = -1;
    /* Read-write when allowed: a capture cut short mid-batch has a
     * journal that SQLite rolls back on opening. */
    int rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY) {
        sqlite3_close(r->db);
        rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL);
    }
    bool found = false;
    sqlite3_int64 version = 0;
    if (rc == SQLITE_OK)
        version = meta_int(r->db, "schema_version", &found, &rc);
    if (rc != SQLITE_OK || !found) {
        snprintf(err, errsz, "%s: %s (%s)", path,
                 rc == SQLITE_CORRUPT ? "corrupt capture" : "not a wtlua capture",
                 rc != SQLITE_OK && r->db ? sqlite3_errmsg(r->db) : "no schema_version");
    } else if (version > CAPTURE_SCHEMA_VERSION || version < 1) {
        snprintf(err, errsz, "%s: capture schema version %lld; this wtlua reads version %d "
                             "and older (a newer wtlua wrote it)",
                 path, (long long)version, CAPTURE_SCHEMA_VERSION);
        rc = SQLITE_ERROR;
    } else {
        r->complete = meta_int(r->db, "complete", &found, &rc) == 1;
        if (rc == SQLITE_OK)
            r->now = meta_int(r->db, "started", &found, &rc);
        if (rc == SQLITE_OK)
            r->realtime_offset = meta_int(r->db, "realtime_offset", &found, &rc);
        if (rc == SQLITE_OK)
            rc = sqlite3_prepare_v2(r->db,
                                    "SELECT at_exit, what, pid, addr, arg, size, result, flags,"
                                    " data FROM reads WHERE event = ? ORDER BY n",
                                    -1, &r->reads_of, NULL);
        if (rc != SQLITE_OK)
            snprintf(err, errsz, "%s: corrupt capture (%s)", path, sqlite3_errmsg(r->db));
    }
    if (rc != SQLITE_OK) {
        capture_close_reader(r);
        return NULL;
    }
    r->source = (struct tracee_source){ r, replay_read, replay_read_string, replay_read_link,
                                        replay_resolve, replay_comm, replay_exe, replay_now,
                                        replay_realtime, true };
    tracee_source = &r->source;
    return r;
}

bool capture_truncated(const struct capture_reader *r)
{
    return !r->complete;
}

/* ---- the reads of one event ---- */

static void free_reads(struct capture_reader *r)
{
    for (size_t i = 0; i < r->nreads; i++) {
        free(r->reads[i].text);
        free(r->reads[i].data);
    }
    r->nreads = 0;
}

static char *copy_column(sqlite3_stmt *st, int col, size_t *len)
{
    const void *bytes = sqlite3_column_blob(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    if (len)
        *len = n;
    if (!bytes && sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    char *copy = malloc(n + 1);
    if (copy) {
        if (n) /* an empty value has no bytes to copy: bytes is NULL */
            memcpy(copy, bytes, n);
        copy[n] = '\0';
    }
    return copy;
}

static enum capture_what what_of(const char *name)
{
    static const char *const names[CAPTURE_WHAT_COUNT] = { "bytes", "string", "link", "path" };
    for (int i = 0; i < CAPTURE_WHAT_COUNT; i++)
        if (name && strcmp(name, names[i]) == 0)
            return (enum capture_what)i;
    return CAPTURE_WHAT_COUNT;
}

/* Loads the current event's reads, once per event. */
static void load_reads(struct capture_reader *r)
{
    if (r->loaded == r->event)
        return;
    free_reads(r);
    r->loaded = r->event;
    sqlite3_stmt *st = r->reads_of;
    sqlite3_bind_int64(st, 1, r->event);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (r->nreads == r->reads_cap) {
            size_t cap = r->reads_cap ? 2 * r->reads_cap : 16;
            struct kept_read *more = realloc(r->reads, cap * sizeof *more);
            if (!more)
                break;
            r->reads = more;
            r->reads_cap = cap;
        }
        struct kept_read *k = &r->reads[r->nreads];
        k->at_exit = sqlite3_column_int(st, 0);
        k->what = what_of((const char *)sqlite3_column_text(st, 1));
        k->pid = sqlite3_column_int(st, 2);
        k->addr = (uint64_t)sqlite3_column_int64(st, 3);
        k->text = copy_column(st, 4, NULL);
        k->size = (uint64_t)sqlite3_column_int64(st, 5);
        k->result = sqlite3_column_int64(st, 6);
        k->flags = (unsigned)sqlite3_column_int(st, 7);
        k->data = copy_column(st, 8, &k->len);
        if (k->what != CAPTURE_WHAT_COUNT)
            r->nreads++;
        else {
            free(k->text);
            free(k->data);
        }
    }
    sqlite3_reset(st);
}

/* The reads that may answer now, best first: the stop's own, then (at a
 * return) the entry's, for memory the call did not change. */
static bool usable(const struct capture_reader *r, const struct kept_read *k, bool own_stop)
{
    return own_stop ? k->at_exit == r->at_exit : r->at_exit && !k->at_exit;
}

/* Copies [addr, addr+len) when a kept read holds all of it: bytes, or a
 * string with its NUL. */
static bool covered(const struct kept_read *k, uint64_t addr, size_t len, void *buf)
{
    if (k->result < 0 || !k->data || (k->what != CAPTURE_BYTES && k->what != CAPTURE_STRING))
        return false;
    size_t have = k->len + (k->what == CAPTURE_STRING && !(k->flags & CAPTURE_TRUNCATED));
    if (addr < k->addr || addr - k->addr > have || len > have - (addr - k->addr))
        return false;
    memcpy(buf, k->data + (addr - k->addr), len); /* data has its NUL */
    return true;
}

static ssize_t replay_read(void *ctx, pid_t pid, uint64_t addr, void *buf, size_t len)
{
    struct capture_reader *r = ctx;
    load_reads(r);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->nreads; i++) {
            const struct kept_read *k = &r->reads[i];
            if (k->pid != pid || !usable(r, k, pass == 0))
                continue;
            if (covered(k, addr, len, buf))
                return (ssize_t)len;
            /* the same read, which came back short or failed */
            if (k->what == CAPTURE_BYTES && k->addr == addr && len >= k->size) {
                if (k->result <= 0)
                    return k->result;
                /* a result larger than the data kept: a garbled capture */
                if (!k->data || (uint64_t)k->result > k->len || (uint64_t)k->result > len)
                    return -SOURCE_ENOTCAPTURED;
                memcpy(buf, k->data, (size_t)k->result);
                return k->result;
            }
        }
    }
    return -SOURCE_ENOTCAPTURED;
}

static ssize_t replay_read_string(void *ctx, pid_t pid, uint64_t addr, char *buf, size_t cap,
                                  bool *truncated)
{
    struct capture_reader *r = ctx;
    load_reads(r);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->nreads; i++) {
            const struct kept_read *k = &r->reads[i];
            if (k->pid != pid || k->addr != addr || k->what != CAPTURE_STRING
                || !usable(r, k, pass == 0))
                continue;
            if (k->result < 0)
                return k->result;
            bool cut = k->flags & CAPTURE_TRUNCATED;
            /* a string kept whole answers any cap; a cut one, caps up to
             * what it holds (the tracee's memory ended there, or its cap) */
            if (cut && k->len == k->size && k->len < cap)
                continue;
            size_t n = k->len < cap ? k->len : cap;
            if (n)
                memcpy(buf, k->data, n);
            buf[n] = '\0';
            *truncated = cut || k->len >= cap;
            return (ssize_t)n;
        }
    }
    return -SOURCE_ENOTCAPTURED;
}

/* The kept text read of tid (a /proc link read, or a path resolved from
 * *dirfd when dirfd is not NULL) whose key is text, as usable() prefers. */
static const struct kept_read *kept_text(struct capture_reader *r, pid_t tid,
                                         enum capture_what what, const int64_t *dirfd,
                                         const char *text)
{
    load_reads(r);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->nreads; i++) {
            const struct kept_read *k = &r->reads[i];
            if (k->pid == tid && k->what == what && (!dirfd || (int64_t)k->addr == *dirfd) &&
                k->text && strcmp(k->text, text) == 0 && usable(r, k, pass == 0))
                return k;
        }
    return NULL;
}

/* Copies a kept text read's result into out: 0, or its -errno. */
static int copy_kept_text(const struct kept_read *k, char *out, size_t outsz)
{
    if (!k)
        return -SOURCE_ENOTCAPTURED;
    if (k->result < 0)
        return (int)k->result;
    if (!k->data)
        return -SOURCE_ENOTCAPTURED;
    if (k->len >= outsz)
        return -ENAMETOOLONG;
    memcpy(out, k->data, k->len + 1);
    return 0;
}

static int replay_read_link(void *ctx, pid_t tid, const char *link, char *out, size_t outsz,
                            enum path_kind *kind)
{
    const struct kept_read *k = kept_text(ctx, tid, CAPTURE_LINK, NULL, link);
    int rc = copy_kept_text(k, out, outsz);
    if (rc == 0)
        *kind = k->flags & CAPTURE_DELETED ? PATH_DELETED
              : k->flags & CAPTURE_NOT_FILE ? PATH_NOT_FILE : PATH_FILE;
    return rc;
}

static int replay_resolve(void *ctx, pid_t tid, int64_t dirfd, const char *path, char *out,
                          size_t outsz)
{
    return copy_kept_text(kept_text(ctx, tid, CAPTURE_PATH, &dirfd, path), out, outsz);
}

/* ---- names and programs, as the spawn and exec events kept them ---- */

static struct task_info *task_info(struct capture_reader *r, pid_t tid, bool add)
{
    for (size_t i = 0; i < r->ntasks; i++)
        if (r->tasks[i].tid == tid)
            return &r->tasks[i];
    if (!add)
        return NULL;
    if (r->ntasks == r->tasks_cap) {
        size_t cap = r->tasks_cap ? 2 * r->tasks_cap : 64;
        struct task_info *more = realloc(r->tasks, cap * sizeof *more);
        if (!more)
            return NULL;
        r->tasks = more;
        r->tasks_cap = cap;
    }
    struct task_info *t = &r->tasks[r->ntasks++];
    memset(t, 0, sizeof *t);
    t->tid = tid;
    return t;
}

static int replay_comm(void *ctx, pid_t tid, char out[16])
{
    const struct task_info *t = task_info(ctx, tid, false);
    if (!t || !t->comm[0])
        return t ? -SOURCE_ENOTCAPTURED : -ESRCH;
    memcpy(out, t->comm, 16);
    return 0;
}

static ssize_t replay_exe(void *ctx, pid_t pid, char *out, size_t outsz)
{
    const struct task_info *t = task_info(ctx, pid, false);
    if (!t || !t->exe)
        return t ? -SOURCE_ENOTCAPTURED : -ESRCH;
    size_t n = strlen(t->exe);
    if (n >= outsz)
        return -ENAMETOOLONG;
    memcpy(out, t->exe, n + 1);
    return (ssize_t)n;
}

/* A task starts as its creator is (a fork runs the same program); its own
 * name, when the spawn event kept it. */
static void task_spawned(struct capture_reader *r, const struct task_event *ev, const char *comm,
                         const char *exe)
{
    struct task_info *t = task_info(r, ev->tid, true);
    if (!t)
        return;
    const struct task_info *creator = task_info(r, ev->thread ? ev->pid : ev->ppid, false);
    if (creator) {
        memcpy(t->comm, creator->comm, sizeof t->comm);
        free(t->exe);
        t->exe = creator->exe ? strdup(creator->exe) : NULL;
    }
    if (comm)
        snprintf(t->comm, sizeof t->comm, "%s", comm);
    if (exe) {
        free(t->exe);
        t->exe = strdup(exe);
    }
}

static void task_execed(struct capture_reader *r, const struct task_event *ev, const char *comm)
{
    struct task_info *t = task_info(r, ev->pid, true);
    if (!t)
        return;
    if (comm)
        snprintf(t->comm, sizeof t->comm, "%s", comm);
    free(t->exe);
    t->exe = ev->exe ? strdup(ev->exe) : NULL;
}

/* ---- the events ---- */

enum {
    COL_ID, COL_KIND, COL_PID, COL_TID, COL_TIME, COL_ARCH, COL_NR, COL_ARG1,
    COL_SP = COL_ARG1 + 6, COL_RET, COL_EXIT_ID, COL_EXIT_TIME, COL_INJECTED, COL_PPID, COL_THREAD,
    COL_ATTACHED, COL_OLD_TID, COL_EXE, COL_ARGV, COL_COMM, COL_STATUS, COL_SIGNAL, COL_CODE,
    COL_SENDER, COL_SENDER_UID,
};

static const char events_sql[] =
    "SELECT id, kind, pid, tid, time, arch, nr, arg1, arg2, arg3, arg4, arg5, arg6, sp, ret,"
    " exit_id, exit_time, injected, ppid, thread, attached, old_tid, exe, argv, comm, status,"
    " signal, code, sender, sender_uid FROM events ORDER BY id";

/* The capture's clock moves on to t: the wt.every functions due before it
 * run first, at their own times, from the first event on, as the stop loop
 * runs them from its start. */
static void advance_clock(struct capture_reader *r, const struct tracer_hooks *hooks, int64_t t)
{
    if (hooks->tick && !r->tick_due && (r->tick_due = calloc(hooks->nperiods, sizeof *r->tick_due)))
        for (unsigned id = 0; id < hooks->nperiods; id++)
            r->tick_due[id] = t + (int64_t)hooks->periods[id];
    for (;;) {
        unsigned next = 0;
        for (unsigned id = 1; r->tick_due && id < hooks->nperiods; id++)
            if (r->tick_due[id] < r->tick_due[next])
                next = id;
        if (!r->tick_due || r->tick_due[next] > t)
            break;
        r->now = r->tick_due[next];
        r->tick_due[next] += (int64_t)hooks->periods[next];
        hooks->tick(hooks->ctx, next);
    }
    r->now = t;
}

/* Runs the hook of one syscall stop, with readers served from its reads. */
static void syscall_stop(struct capture_reader *r, const struct interest *in,
                         const struct tracer_hooks *hooks, struct syscall_event *ev,
                         int64_t id)
{
    advance_clock(r, hooks, (int64_t)(ev->at_exit ? ev->exit_ns : ev->enter_ns));
    unsigned flags = interest_flags(in, ev->arch, ev->nr);
    if (!interest_match(in, ev->arch, ev->nr, ev->args))
        return;
    void (*hook)(void *, struct syscall_event *) =
        ev->at_exit ? ((flags & NR_EXIT) ? hooks->exit : NULL) : hooks->enter;
    if (!hook)
        return;
    r->event = id;
    r->at_exit = ev->at_exit;
    hook(hooks->ctx, ev);
    change_clear(&ev->change); /* the capture is what happened: nothing changes it */
}

/* Runs the returns held back whose turn came before event id. */
static void returns_before(struct capture_reader *r, const struct interest *in,
                           const struct tracer_hooks *hooks, int64_t id)
{
    size_t done = 0;
    while (done < r->nheld && r->held[done].exit_id < id) {
        struct held_return *h = &r->held[done++];
        syscall_stop(r, in, hooks, &h->ev, h->id);
    }
    if (done) {
        memmove(r->held, r->held + done, (r->nheld - done) * sizeof *r->held);
        r->nheld -= done;
    }
}

static int hold_return(struct capture_reader *r, int64_t id, int64_t exit_id,
                       const struct syscall_event *ev)
{
    if (r->nheld == r->held_cap) {
        size_t cap = r->held_cap ? 2 * r->held_cap : 16;
        struct held_return *more = realloc(r->held, cap * sizeof *more);
        if (!more)
            return -1;
        r->held = more;
        r->held_cap = cap;
    }
    size_t at = r->nheld;
    while (at > 0 && r->held[at - 1].exit_id > exit_id)
        at--;
    memmove(r->held + at + 1, r->held + at, (r->nheld - at) * sizeof *r->held);
    r->held[at].exit_id = exit_id;
    r->held[at].id = id;
    r->held[at].ev = *ev;
    r->nheld++;
    return 0;
}

static int replay_syscall(struct capture_reader *r, sqlite3_stmt *st, const struct interest *in,
                          const struct tracer_hooks *hooks)
{
    struct syscall_event ev;
    memset(&ev, 0, sizeof ev);
    ev.pid = sqlite3_column_int(st, COL_PID);
    ev.tid = sqlite3_column_int(st, COL_TID);
    ev.arch = arch_from_name((const char *)sqlite3_column_text(st, COL_ARCH));
    if (!ev.arch)
        return -1;
    ev.nr = (long)sqlite3_column_int64(st, COL_NR);
    for (int i = 0; i < 6; i++)
        ev.args[i] = (uint64_t)sqlite3_column_int64(st, COL_ARG1 + i);
    ev.sp = (uint64_t)sqlite3_column_int64(st, COL_SP);
    ev.enter_ns = (uint64_t)sqlite3_column_int64(st, COL_TIME);
    int64_t id = sqlite3_column_int64(st, COL_ID);
    syscall_stop(r, in, hooks, &ev, id);
    if (sqlite3_column_type(st, COL_EXIT_ID) == SQLITE_NULL)
        return 0; /* it never returned */
    ev.at_exit = true;
    ev.ret = sqlite3_column_int64(st, COL_RET);
    ev.is_error = modify_is_error(ev.ret);
    ev.exit_ns = (uint64_t)sqlite3_column_int64(st, COL_EXIT_TIME);
    ev.injected = sqlite3_column_int(st, COL_INJECTED);
    return hold_return(r, id, sqlite3_column_int64(st, COL_EXIT_ID), &ev);
}

static void replay_task(struct capture_reader *r, sqlite3_stmt *st, const char *kind,
                        const struct tracer_hooks *hooks)
{
    struct task_event ev;
    memset(&ev, 0, sizeof ev);
    ev.pid = sqlite3_column_int(st, COL_PID);
    ev.tid = sqlite3_column_int(st, COL_TID);
    const char *comm = (const char *)sqlite3_column_text(st, COL_COMM);
    if (strcmp(kind, "spawn") == 0) {
        ev.ppid = sqlite3_column_int(st, COL_PPID);
        ev.thread = sqlite3_column_int(st, COL_THREAD);
        ev.attached = sqlite3_column_int(st, COL_ATTACHED);
        task_spawned(r, &ev, comm, (const char *)sqlite3_column_text(st, COL_EXE));
        if (hooks->spawn)
            hooks->spawn(hooks->ctx, &ev);
    } else if (strcmp(kind, "exec") == 0) {
        ev.old_tid = sqlite3_column_int(st, COL_OLD_TID);
        ev.exe = (const char *)sqlite3_column_text(st, COL_EXE);
        ev.argv = sqlite3_column_blob(st, COL_ARGV);
        ev.argv_len = (size_t)sqlite3_column_bytes(st, COL_ARGV);
        if (!ev.argv)
            ev.argv = "";
        task_execed(r, &ev, comm);
        hooks->exec(hooks->ctx, &ev);
    } else if (strcmp(kind, "exit") == 0) {
        ev.status = sqlite3_column_int(st, COL_STATUS);
        hooks->gone(hooks->ctx, &ev);
    }
}

static void replay_signal(sqlite3_stmt *st, const struct tracer_hooks *hooks)
{
    if (!hooks->signal)
        return;
    struct signal_event ev = {
        .pid = sqlite3_column_int(st, COL_PID), .tid = sqlite3_column_int(st, COL_TID),
        .signal = sqlite3_column_int(st, COL_SIGNAL), .code = sqlite3_column_int(st, COL_CODE),
        .sender = sqlite3_column_int(st, COL_SENDER),
        .sender_uid = (uid_t)sqlite3_column_int64(st, COL_SENDER_UID),
    };
    hooks->signal(hooks->ctx, &ev);
}

int capture_replay(struct capture_reader *r, const struct interest *in,
                   const struct tracer_hooks *hooks, char *err, size_t errsz)
{
    sqlite3_stmt *st;
    int64_t id = 0;
    int rc = sqlite3_prepare_v2(r->db, events_sql, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        id = sqlite3_column_int64(st, COL_ID);
        returns_before(r, in, hooks, id);
        const char *kind = (const char *)sqlite3_column_text(st, COL_KIND);
        if (kind && strcmp(kind, "syscall") != 0) {
            advance_clock(r, hooks, sqlite3_column_int64(st, COL_TIME));
            r->event = id; /* a task's or signal's hook reads nothing kept */
            r->at_exit = false;
        }
        if (!kind) {
            rc = SQLITE_CORRUPT;
        } else if (strcmp(kind, "syscall") == 0) {
            if (replay_syscall(r, st, in, hooks) < 0)
                rc = SQLITE_CORRUPT;
        } else if (strcmp(kind, "signal") == 0) {
            replay_signal(st, hooks);
        } else {
            replay_task(r, st, kind, hooks);
        }
    }
    if (rc == SQLITE_DONE)
        returns_before(r, in, hooks, INT64_MAX);
    if (rc == SQLITE_CORRUPT && sqlite3_errcode(r->db) != SQLITE_CORRUPT)
        snprintf(err, errsz, "%s: corrupt capture (event %lld is none that wtlua writes)",
                 r->path, (long long)id);
    else if (rc != SQLITE_DONE)
        snprintf(err, errsz, "%s: corrupt capture (%s)", r->path, sqlite3_errmsg(r->db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

void capture_close_reader(struct capture_reader *r)
{
    if (!r)
        return;
    if (tracee_source == &r->source)
        tracee_source = NULL;
    free_reads(r);
    free(r->reads);
    for (size_t i = 0; i < r->ntasks; i++)
        free(r->tasks[i].exe);
    free(r->tasks);
    free(r->held);
    free(r->tick_due);
    sqlite3_finalize(r->reads_of);
    sqlite3_close(r->db);
    free(r);
}
