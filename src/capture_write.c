/* Writing a capture: prepared statements, run from the stop loop inside
 * one large transaction that is committed every CAPTURE_BATCH events or
 * CAPTURE_BATCH_NS, so that the tracees wait for no disk write of their
 * own, and a wtlua killed at any moment leaves a file readable up to its
 * last commit (SQLite's rollback journal undoes the half-written batch
 * when the file is next opened). */
#include "capture.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "clock.h"
#include "decode.h"
#include "version.h"

#define CAPTURE_BATCH 20000
#define CAPTURE_BATCH_NS 500000000ull
#define CAPTURE_BUSY_MS 1000
#define CAPTURE_CREATE_BUSY_MS 10000

/* The schema, version CAPTURE_SCHEMA_VERSION (docs/captures.md). */
static const char schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, pid INTEGER, tid INTEGER, time INTEGER,"
    " arch TEXT, nr INTEGER, name TEXT,"
    " arg1 INTEGER, arg2 INTEGER, arg3 INTEGER, arg4 INTEGER, arg5 INTEGER, arg6 INTEGER,"
    " sp INTEGER,"
    " ret INTEGER, error TEXT, exit_id INTEGER, exit_time INTEGER, injected INTEGER,"
    " path TEXT, ppid INTEGER, thread INTEGER, attached INTEGER, old_tid INTEGER,"
    " exe TEXT, argv BLOB, command TEXT, comm TEXT, status INTEGER,"
    " signal INTEGER, code INTEGER, sender INTEGER, sender_uid INTEGER, delivered INTEGER);"
    "CREATE TABLE reads("
    " event INTEGER NOT NULL, n INTEGER NOT NULL, at_exit INTEGER NOT NULL,"
    " what TEXT NOT NULL, pid INTEGER, addr INTEGER, arg TEXT, size INTEGER,"
    " result INTEGER, flags INTEGER, data BLOB, PRIMARY KEY(event, n)) WITHOUT ROWID;";

enum { PUT_SYSCALL, PUT_TASK, PUT_SIGNAL, PUT_READ, PUT_COUNT };

static const char *const put_sql[PUT_COUNT] = {
    [PUT_SYSCALL] = "INSERT INTO events(id, kind, pid, tid, time, arch, nr, name, arg1, arg2,"
                    " arg3, arg4, arg5, arg6, sp, ret, error, exit_id, exit_time, injected, path)"
                    " VALUES(?,'syscall',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [PUT_TASK] = "INSERT INTO events(id, kind, pid, tid, time, ppid, thread, attached, old_tid,"
                 " exe, argv, command, comm, status) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [PUT_SIGNAL] = "INSERT INTO events(id, kind, pid, tid, time, signal, code, sender,"
                   " sender_uid, delivered) VALUES(?,'signal',?,?,?,?,?,?,?,?)",
    [PUT_READ] = "INSERT INTO reads VALUES(?,?,?,?,?,?,?,?,?,?,?)",
};

static const char *const what_names[CAPTURE_WHAT_COUNT] = {
    [CAPTURE_BYTES] = "bytes", [CAPTURE_STRING] = "string",
    [CAPTURE_LINK] = "link", [CAPTURE_PATH] = "path",
};

struct capture_writer {
    sqlite3 *db;
    sqlite3_stmt *put[PUT_COUNT];
    int64_t next_id;
    int64_t reads;          /* reads kept so far: their n */
    unsigned pending;       /* rows since the last commit */
    uint64_t batch_start;
    bool failed;            /* said so once; the trace goes on without it */
};

static void fail_once(struct capture_writer *w, const char *what)
{
    if (!w->failed)
        fprintf(stderr, "wtlua: capture: %s: %s; the rest of the run is not captured\n", what,
                sqlite3_errmsg(w->db));
    w->failed = true;
}

static int exec_sql(struct capture_writer *w, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    if (!w->failed)
        fprintf(stderr, "wtlua: capture: %s\n", msg ? msg : sqlite3_errmsg(w->db));
    sqlite3_free(msg);
    w->failed = true;
    return -1;
}

static void put_meta(struct capture_writer *w, const char *key, const char *text, int64_t num)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(w->db, "INSERT OR REPLACE INTO meta VALUES(?, ?)", -1, &st, NULL)
        != SQLITE_OK) {
        fail_once(w, "meta");
        return;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, 2, num);
    if (sqlite3_step(st) != SQLITE_DONE)
        fail_once(w, "meta");
    sqlite3_finalize(st);
}

/* The command as one line, for people reading the meta table. */
static char *join_words(char *const *words)
{
    size_t len = 1;
    for (char *const *p = words; p && *p; p++)
        len += strlen(*p) + 1;
    char *line = calloc(1, len);
    for (char *const *p = words; line && p && *p; p++) {
        if (p != words)
            strcat(line, " ");
        strcat(line, *p);
    }
    return line;
}

static void begin_batch(struct capture_writer *w)
{
    exec_sql(w, "BEGIN");
    w->pending = 0;
    w->batch_start = monotonic_ns();
}

struct capture_writer *capture_create(const char *path, unsigned capture_size,
                                      char *const *command, uint64_t started, char *err,
                                      size_t errsz)
{
    if (unlink(path) < 0 && errno != ENOENT) {
        snprintf(err, errsz, "cannot replace %s: %s", path, strerror(errno));
        return NULL;
    }
    struct capture_writer *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    /* synchronous=OFF: a commit must survive wtlua's death, which the
     * page cache gives, not the machine's, which fsync would. */
    /* made before any tracee runs, so it may wait out readers of the file
     * (a sqlite3 already watching for it); then never again until the end */
    if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
            != SQLITE_OK
        || sqlite3_busy_timeout(w->db, CAPTURE_CREATE_BUSY_MS) != SQLITE_OK
        || sqlite3_exec(w->db, "PRAGMA journal_mode=TRUNCATE; PRAGMA synchronous=OFF;", NULL,
                        NULL, NULL) != SQLITE_OK
        || sqlite3_exec(w->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errsz, "cannot create the capture %s: %s", path,
                 w->db ? sqlite3_errmsg(w->db) : "out of memory");
        sqlite3_close(w->db);
        free(w);
        return NULL;
    }
    for (int i = 0; i < PUT_COUNT; i++) {
        if (sqlite3_prepare_v3(w->db, put_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->put[i],
                               NULL) != SQLITE_OK) {
            snprintf(err, errsz, "capture %s: %s", path, sqlite3_errmsg(w->db));
            for (int j = 0; j < i; j++)
                sqlite3_finalize(w->put[j]);
            sqlite3_close(w->db);
            free(w);
            return NULL;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char *line = join_words(command);
    put_meta(w, "schema_version", NULL, CAPTURE_SCHEMA_VERSION);
    put_meta(w, "wtlua_version", WTLUA_VERSION, 0);
    put_meta(w, "capture_size", NULL, capture_size);
    put_meta(w, "command", line ? line : "", 0);
    put_meta(w, "started", NULL, (int64_t)started);
    /* wall-clock time of monotonic 0, as trace's -a t options compute it */
    put_meta(w, "realtime_offset", NULL,
             (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)monotonic_ns());
    free(line);
    begin_batch(w);
    sqlite3_busy_timeout(w->db, 0);
    return w;
}

/* A reader of the file (sqlite3 on a capture being written, perhaps a
 * tracee) can hold the commit back: SQLite's busy timeout stays 0 while
 * tracees run, since waiting in the stop loop would wait for a tracee, and
 * the batch grows until the next try instead. */
static void commit_batch(struct capture_writer *w)
{
    int rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_BUSY) {
        w->batch_start = monotonic_ns();
        return;
    }
    if (rc != SQLITE_OK)
        fail_once(w, "commit");
    begin_batch(w);
}

int64_t capture_next_id(struct capture_writer *w)
{
    return ++w->next_id;
}

/* One row written: commit the batch when it is big or old enough. */
static void step(struct capture_writer *w, sqlite3_stmt *st, const char *what)
{
    if (!w->failed && sqlite3_step(st) != SQLITE_DONE)
        fail_once(w, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    /* monotonic_ns is a vDSO call: cheap enough for every row */
    if (++w->pending >= CAPTURE_BATCH || monotonic_ns() - w->batch_start >= CAPTURE_BATCH_NS)
        commit_batch(w);
}

static void bind_opt_text(sqlite3_stmt *st, int col, const char *text)
{
    if (text)
        sqlite3_bind_text(st, col, text, -1, SQLITE_STATIC);
}

void capture_put_syscall(struct capture_writer *w, int64_t id, int64_t exit_id,
                         const struct syscall_event *ev, bool returned, const char *path)
{
    sqlite3_stmt *st = w->put[PUT_SYSCALL];
    int c = 1;
    sqlite3_bind_int64(st, c++, id);
    sqlite3_bind_int(st, c++, ev->pid);
    sqlite3_bind_int(st, c++, ev->tid);
    sqlite3_bind_int64(st, c++, (int64_t)ev->enter_ns);
    sqlite3_bind_text(st, c++, ev->arch->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, c++, ev->nr);
    sqlite3_bind_text(st, c++, arch_syscall_name(ev->arch, ev->nr), -1, SQLITE_TRANSIENT);
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, c++, (int64_t)ev->args[i]);
    sqlite3_bind_int64(st, c++, (int64_t)ev->sp);
    if (returned) {
        sqlite3_bind_int64(st, c, ev->ret);
        if (ev->is_error)
            bind_opt_text(st, c + 1, decode_errno_name(-ev->ret));
        sqlite3_bind_int64(st, c + 2, exit_id);
        sqlite3_bind_int64(st, c + 3, (int64_t)ev->exit_ns);
        sqlite3_bind_int(st, c + 4, ev->injected);
    }
    bind_opt_text(st, c + 5, path);
    step(w, st, "syscall");
}

void capture_put_task(struct capture_writer *w, int64_t id, const char *kind,
                      const struct task_event *ev, const char *exe, const char *argv,
                      size_t argv_len, const char *comm)
{
    sqlite3_stmt *st = w->put[PUT_TASK];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, ev->pid);
    sqlite3_bind_int(st, 4, ev->tid);
    sqlite3_bind_int64(st, 5, (int64_t)monotonic_ns());
    if (strcmp(kind, "spawn") == 0) {
        if (ev->ppid)
            sqlite3_bind_int(st, 6, ev->ppid);
        sqlite3_bind_int(st, 7, ev->thread);
        sqlite3_bind_int(st, 8, ev->attached);
        bind_opt_text(st, 10, exe);
        bind_opt_text(st, 13, comm);
    } else if (strcmp(kind, "exec") == 0) {
        sqlite3_bind_int(st, 9, ev->old_tid);
        bind_opt_text(st, 10, exe);
        char *line = NULL;
        if (argv) {
            sqlite3_bind_blob(st, 11, argv, (int)argv_len, SQLITE_STATIC);
            /* the words joined by spaces, for people */
            line = malloc(argv_len + 1);
            if (line) {
                for (size_t i = 0; i < argv_len; i++)
                    line[i] = argv[i] ? argv[i] : ' ';
                line[argv_len && !argv[argv_len - 1] ? argv_len - 1 : argv_len] = '\0';
                sqlite3_bind_text(st, 12, line, -1, SQLITE_TRANSIENT);
            }
        }
        bind_opt_text(st, 13, comm);
        free(line);
    } else {
        sqlite3_bind_int(st, 14, ev->status);
    }
    step(w, st, kind);
}

void capture_put_signal(struct capture_writer *w, int64_t id, const struct signal_event *ev,
                        bool delivered)
{
    sqlite3_stmt *st = w->put[PUT_SIGNAL];
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, ev->pid);
    sqlite3_bind_int(st, 3, ev->tid);
    sqlite3_bind_int64(st, 4, (int64_t)monotonic_ns());
    sqlite3_bind_int(st, 5, ev->signal);
    sqlite3_bind_int(st, 6, ev->code);
    if (ev->sender) {
        sqlite3_bind_int(st, 7, ev->sender);
        sqlite3_bind_int64(st, 8, ev->sender_uid);
    }
    sqlite3_bind_int(st, 9, delivered);
    step(w, st, "signal");
}

void capture_put_read(struct capture_writer *w, int64_t event, const struct capture_read *r)
{
    sqlite3_stmt *st = w->put[PUT_READ];
    sqlite3_bind_int64(st, 1, event);
    sqlite3_bind_int64(st, 2, ++w->reads);
    sqlite3_bind_int(st, 3, r->at_exit);
    sqlite3_bind_text(st, 4, what_names[r->what], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, r->pid);
    sqlite3_bind_int64(st, 6, (int64_t)r->addr);
    bind_opt_text(st, 7, r->text);
    sqlite3_bind_int64(st, 8, (int64_t)r->size);
    sqlite3_bind_int64(st, 9, r->result);
    sqlite3_bind_int(st, 10, (int)r->flags);
    if (r->data && r->what == CAPTURE_BYTES)
        sqlite3_bind_blob(st, 11, r->data, (int)r->len, SQLITE_STATIC);
    else if (r->data) /* text, so that SQL shows paths and strings as such */
        sqlite3_bind_text(st, 11, r->data, (int)r->len, SQLITE_STATIC);
    step(w, st, "read");
}

int capture_close(struct capture_writer *w, bool complete)
{
    if (complete) {
        put_meta(w, "events", NULL, w->next_id);
        put_meta(w, "complete", NULL, 1);
    }
    /* the last batch waits out readers a while: the tracees are gone */
    sqlite3_busy_timeout(w->db, CAPTURE_BUSY_MS);
    int rc = SQLITE_BUSY;
    for (int tries = 0; rc == SQLITE_BUSY && tries < 10; tries++)
        rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        fail_once(w, "commit");
    for (int i = 0; i < PUT_COUNT; i++)
        sqlite3_finalize(w->put[i]);
    rc = w->failed ? -1 : 0;
    if (sqlite3_close(w->db) != SQLITE_OK) {
        fprintf(stderr, "wtlua: capture: %s\n", sqlite3_errmsg(w->db));
        rc = -1;
    }
    free(w);
    return rc;
}
