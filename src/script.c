#include "script.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "declare.h"
#include "lib_guard.h"
#include "lib_syscall.h"
#include "lib_uring.h"
#include "lib_wt.h"
#include "procfs.h"
#include "readers.h"
#include "taskinfo.h"
#include "uring.h"
#include "unwind.h"


enum hook {
    HOOK_ENTER, HOOK_RETURN, HOOK_SPAWN, HOOK_EXEC, HOOK_EXIT, HOOK_SIGNAL, HOOK_END,
    HOOK_URING, HOOK_URING_COMPLETE,
    HOOK_TICK, /* a wt.every function: not a global */
    HOOK_COUNT
};
static const char *const hook_names[HOOK_TICK] = {
    "on_enter", "on_return", "on_spawn", "on_exec", "on_exit", "on_signal", "on_end",
    "on_uring", "on_uring_complete",
};

struct script {
    lua_State *L;
    FILE *report;
    int hook_refs[HOOK_COUNT];      /* LUA_NOREF where the script has none */
    int event_ref;                  /* the reused syscall userdata */
    int pending_ref;                /* tid -> what on_enter returned, until
                                       on_return gets it */
    struct syscall_event **event_slot;
    bool failed;
    struct guard guard;             /* os.exit, interrupts, children */
    volatile sig_atomic_t in_hook;
    volatile long hook_started_ms;  /* CLOCK_MONOTONIC_COARSE */
    char *proc_buf;                 /* /proc reads (argv can be megabytes) */
    size_t proc_cap;
    struct uring *uring;            /* with on_uring or on_uring_complete */
    struct interest own;            /* ...the script's own declarations,
                                       which the engine's io_uring stops
                                       are added to */
    int uring_ops_ref;              /* serial -> op table, until its last
                                       completion (on_uring_complete) */
    bool engine_stops;              /* own holds the declarations: the
                                       filter has the engine's stops too */
    long unfollowed_setup_nr[2];    /* per ABI (arch index): io_uring_setup's
                                       number where no hook follows the
                                       rings it makes, -1 elsewhere */
    bool unfollowed_warned;
    uint64_t *periods;              /* wt.every: each function's period (ns) */
    int *period_refs;               /* ... and the function */
    unsigned nperiods;
};

/* The script is reachable from C functions through this registry key. */
static const char script_key = 'S';

static struct script *script_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &script_key);
    struct script *s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return s;
}

static long coarse_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int wt_print(lua_State *L)
{
    struct script *s = script_of(L);
    FILE *out = s->report;
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *text = luaL_tolstring(L, i, &len);
        if (i > 1)
            fputc('\t', out);
        fwrite(text, 1, len, out);
        lua_pop(L, 1);
    }
    fputc('\n', out);
    return 0;
}

/* ---- running Lua code ---- */

static int traceback(lua_State *L)
{
    if (guard_is_exit(L, 1))
        return 1; /* os.exit: not an error to report */
    if (wt_plain_error_message(L, 1))
        return 1;
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Calls the function below nargs arguments with the traceback handler,
 * keeping nresults results.  Returns 0, or -1 leaving the message on the
 * stack. */
static int protected_call(struct script *s, int nargs, int nresults)
{
    lua_State *L = s->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    s->hook_started_ms = coarse_ms();
    s->in_hook = 1;
    int rc = lua_pcall(L, nargs, nresults, base);
    s->in_hook = 0;
    guard_call_done(&s->guard);
    lua_remove(L, base);
    return rc == LUA_OK ? 0 : -1;
}

static void copy_message(lua_State *L, char *err, size_t errsz)
{
    const char *msg = lua_tostring(L, -1);
    snprintf(err, errsz, "%s", msg ? msg : "unknown error");
    lua_pop(L, 1);
}

/* Whether hooks are off: after an error, or once the script called os.exit. */
static bool hooks_off(const struct script *s)
{
    return s->failed || s->guard.exit_requested;
}

/* A hook failed: say so once, then leave the tracees alone.  os.exit
 * ends the hooks the same way, silently. */
static void hook_failed(struct script *s, enum hook hook)
{
    if (s->guard.exit_requested) {
        lua_pop(s->L, 1);
        return;
    }
    const char *msg = lua_tostring(s->L, -1);
    fflush(s->report);
    fprintf(stderr, "wtlua: %s\n", msg ? msg : "error in hook");
    if (hook != HOOK_END)
        fputs("wtlua: hooks disabled; the command runs to its end without them\n", stderr);
    lua_pop(s->L, 1);
    s->failed = true;
}

/* pending[tid] = the value at the top of the stack (popped). */
static void set_pending(struct script *s, pid_t tid)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->pending_ref);
    lua_insert(L, -2);
    lua_rawseti(L, -2, tid);
    lua_pop(L, 1);
}

/* Pushes pending[tid], and with clear clears it. */
static void push_pending(struct script *s, pid_t tid, bool clear)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->pending_ref);
    lua_rawgeti(L, -1, tid);
    if (clear) {
        lua_pushnil(L);
        lua_rawseti(L, -3, tid);
    }
    lua_remove(L, -2);
}

static void take_pending(struct script *s, pid_t tid)
{
    push_pending(s, tid, true);
}

/* Calls on_enter(sc), keeping what it returns for on_return, or
 * on_return(sc, that value). */
static void call_event_hook(struct script *s, enum hook hook, struct syscall_event *ev)
{
    if (hooks_off(s))
        return;
    lua_State *L = s->L;
    bool enter = hook == HOOK_ENTER;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hook_refs[hook]);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->event_ref);
    if (!enter)
        take_pending(s, ev->tid);
    *s->event_slot = ev;
    if (protected_call(s, enter ? 1 : 2, enter ? 1 : 0) < 0) {
        hook_failed(s, hook);
        change_clear(&ev->change); /* a hook that failed changes nothing */
    } else if (enter) {
        set_pending(s, ev->tid);
    }
    *s->event_slot = NULL;
}

/* An io_uring_setup whose ring no hook will follow: stopped only to warn. */
static bool unfollowed_setup(const struct script *s, const struct syscall_event *ev)
{
    return s->engine_stops && ev->nr == s->unfollowed_setup_nr[ev->arch->index];
}

/* Once per run: what goes through a ring is not in the report. */
static void warn_unfollowed_ring(struct script *s, const struct syscall_event *ev)
{
    if (s->unfollowed_warned)
        return;
    s->unfollowed_warned = true;
    char comm[16] = "?";
    procfs_comm(ev->tid, comm);
    fprintf(stderr, "wtlua: process %d (%s) set up an io_uring: %s\n", (int)ev->pid, comm,
            s->uring ? "wtlua follows x86_64 rings only, so what it submits through this one "
                       "is not seen"
                     : "what it submits through the ring is not seen by this script (no "
                       "on_uring hook; writes and files have one)");
}

/* A call the engine stops at for itself (the io_uring bookkeeping) goes to
 * on_enter and on_return only where the script's own declarations want it. */
static void hook_enter(void *ctx, struct syscall_event *ev)
{
    struct script *s = ctx;
    ev->engine_only = false;
    bool uring_call = s->uring && uring_watches(s->uring, ev);
    if (uring_call && !hooks_off(s))
        uring_entry(s->uring, ev);
    if (uring_call || unfollowed_setup(s, ev))
        ev->engine_only = !interest_match(&s->own, ev->arch, ev->nr, ev->args);
    if (!ev->engine_only && s->hook_refs[HOOK_ENTER] != LUA_NOREF)
        call_event_hook(s, HOOK_ENTER, ev);
}

static void hook_return(void *ctx, struct syscall_event *ev)
{
    struct script *s = ctx;
    bool uring_call = s->uring && uring_watches(s->uring, ev);
    bool unfollowed = unfollowed_setup(s, ev);
    if (uring_call && !hooks_off(s))
        uring_exit(s->uring, ev);
    if (unfollowed && !ev->is_error)
        warn_unfollowed_ring(s, ev);
    if ((uring_call || unfollowed) &&
        (ev->engine_only || !(interest_flags(&s->own, ev->arch, ev->nr) & NR_EXIT)))
        return;
    if (s->hook_refs[HOOK_RETURN] != LUA_NOREF)
        call_event_hook(s, HOOK_RETURN, ev);
}

/* ---- io_uring operations ---- */

/* on_uring(op) at its submission; the same table, with the result, to
 * on_uring_complete(op) at each completion. */
static void uring_submitted(void *ctx, const struct uring_submission *sub)
{
    struct script *s = ctx;
    lua_State *L = s->L;
    if (hooks_off(s)) /* an earlier operation's hook failed */
        return;
    lib_uring_push_op(L, sub);
    if (s->hook_refs[HOOK_URING_COMPLETE] != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, s->uring_ops_ref);
        lua_pushvalue(L, -2);
        lua_rawseti(L, -2, (lua_Integer)sub->serial);
        lua_pop(L, 1);
    }
    if (s->hook_refs[HOOK_URING] == LUA_NOREF) {
        lua_pop(L, 1);
        return;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hook_refs[HOOK_URING]);
    lua_insert(L, -2);
    if (protected_call(s, 1, 0) < 0)
        hook_failed(s, HOOK_URING);
}

/* Pushes ops[serial] (nil when not kept), and clears it when forget. */
static void take_op(struct script *s, uint64_t serial, bool forget)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->uring_ops_ref);
    lua_rawgeti(L, -1, (lua_Integer)serial);
    if (forget) {
        lua_pushnil(L);
        lua_rawseti(L, -3, (lua_Integer)serial);
    }
    lua_remove(L, -2);
}

static void uring_completed(void *ctx, const struct uring_completion *done)
{
    struct script *s = ctx;
    lua_State *L = s->L;
    take_op(s, done->serial, !(done->flags & IORING_CQE_F_MORE));
    if (hooks_off(s) || !lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lib_uring_set_result(L, -1, done);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hook_refs[HOOK_URING_COMPLETE]);
    lua_insert(L, -2);
    if (protected_call(s, 1, 0) < 0)
        hook_failed(s, HOOK_URING_COMPLETE);
}

static void uring_forgotten(void *ctx, uint64_t serial)
{
    struct script *s = ctx;
    take_op(s, serial, true);
    lua_pop(s->L, 1);
}

static bool wants_uring(const struct script *s)
{
    return s->hook_refs[HOOK_URING] != LUA_NOREF || s->hook_refs[HOOK_URING_COMPLETE] != LUA_NOREF;
}

static bool has_syscall_hooks(const struct script *s)
{
    return s->hook_refs[HOOK_ENTER] != LUA_NOREF || s->hook_refs[HOOK_RETURN] != LUA_NOREF;
}

/* in holds the script's declarations: they move to s->own, and in gets
 * them again (only the denials when no on_enter or on_return would see a
 * call), for the engine's own stops to be added. */
static int keep_own_declarations(struct script *s, struct interest *in, char *err,
                                 size_t errsz)
{
    bool syscall_hooks = has_syscall_hooks(s);
    s->own = *in;
    s->engine_stops = true;
    interest_init(in, syscall_hooks && s->own.everything, s->own.everything_exit);
    for (size_t r = 0; r < s->own.nrules; r++)
        if ((syscall_hooks || s->own.rules[r].deny) &&
            interest_add(in, &s->own.rules[r], err, errsz) < 0)
            return -1;
    return 0;
}

/* The exit of io_uring_setup on each ABI whose rings no hook follows (all
 * of them without on_uring; i386 with it), to warn that the ring's
 * operations are not seen. */
static int add_unfollowed_setup_stops(struct script *s, struct interest *in, char *err,
                                      size_t errsz)
{
    size_t count;
    const struct arch *arches = arch_all(&count);
    struct rule setup = { .name = "io_uring_setup", .want_exit = true };
    for (size_t i = 0; i < count && i < sizeof s->unfollowed_setup_nr / sizeof(long); i++) {
        bool followed = s->uring && i == 0; /* the native ABI's */
        s->unfollowed_setup_nr[arches[i].index] =
            followed ? -1 : arch_syscall_nr(&arches[i], "io_uring_setup");
        if (!followed)
            setup.arches |= (uint8_t)(1u << arches[i].index);
    }
    return interest_add(in, &setup, err, errsz);
}

/* The stops of the io_uring bookkeeping. */
static int add_uring_stops(struct script *s, struct interest *in, char *err, size_t errsz)
{
    static const struct uring_callbacks callbacks = {
        .submitted = uring_submitted, .completed = uring_completed, .forgotten = uring_forgotten,
    };
    struct uring_callbacks cb = callbacks;
    cb.ctx = s;
    if (uring_add_rules(in, err, errsz) < 0)
        return -1;
    if (!(s->uring = uring_new(&cb))) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    lua_newtable(s->L);
    s->uring_ops_ref = luaL_ref(s->L, LUA_REGISTRYINDEX);
    return 0;
}

static void set_int(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

static void set_exec_fields(struct script *s, const struct task_event *ev)
{
    lua_State *L = s->L;
    if (ev->exe) {
        lua_pushstring(L, ev->exe);
        lua_setfield(L, -2, "exe");
    } else if (taskinfo_push_exe(L, ev->pid) == 1) {
        lua_setfield(L, -2, "exe");
    } else {
        lua_pop(L, 2);
    }
    ssize_t len = ev->argv ? (ssize_t)ev->argv_len
                           : procfs_read(ev->pid, "cmdline", &s->proc_buf, &s->proc_cap);
    const char *buf = ev->argv ? ev->argv : s->proc_buf;
    lua_newtable(L);
    for (ssize_t at = 0, i = 1; len > 0 && at < len; i++) {
        size_t part = strnlen(buf + at, (size_t)(len - at));
        lua_pushlstring(L, buf + at, part);
        lua_rawseti(L, -2, i);
        at += (ssize_t)part + 1;
    }
    lua_setfield(L, -2, "argv");
}

static void set_exit_fields(lua_State *L, int status)
{
    if (WIFEXITED(status)) {
        set_int(L, "code", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        set_int(L, "signal", WTERMSIG(status));
        lua_pushboolean(L, WCOREDUMP(status));
        lua_setfield(L, -2, "core_dumped");
    }
}

static void call_task_hook(struct script *s, enum hook hook, const struct task_event *ev)
{
    if (hooks_off(s))
        return;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hook_refs[hook]);
    lua_createtable(L, 0, 6);
    set_int(L, "pid", ev->pid);
    set_int(L, "tid", ev->tid);
    if (hook == HOOK_SPAWN) {
        if (ev->ppid)
            set_int(L, "ppid", ev->ppid);
        lua_pushboolean(L, ev->thread);
        lua_setfield(L, -2, "thread");
        lua_pushboolean(L, ev->attached);
        lua_setfield(L, -2, "attached");
    } else if (hook == HOOK_EXEC) {
        set_int(L, "old_tid", ev->old_tid);
        set_exec_fields(s, ev);
    } else {
        set_exit_fields(L, ev->status);
    }
    /* on_exit(p, entry): what on_enter returned for the call the thread
     * died in; on_exec(p, entry): for the execve (on_return gets it too) */
    if (hook == HOOK_EXIT)
        take_pending(s, ev->tid);
    else if (hook == HOOK_EXEC)
        push_pending(s, ev->pid, false);
    int nargs = hook == HOOK_SPAWN ? 1 : 2;
    if (protected_call(s, nargs, 0) < 0)
        hook_failed(s, hook);
}

/* s:stack(), the stopped thread's stack: a method, so that pairs(s) and a
 * JSON encoder see only the event's fields. */
static void set_signal_methods(lua_State *L)
{
    if (luaL_newmetatable(L, "wtlua.signal")) {
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, unwind_stack_method);
        lua_setfield(L, -2, "stack");
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
}

/* on_signal(s): its result false suppresses the signal. */
static bool hook_signal(void *ctx, const struct signal_event *ev)
{
    struct script *s = ctx;
    if (hooks_off(s))
        return true;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hook_refs[HOOK_SIGNAL]);
    lua_createtable(L, 0, 6);
    set_int(L, "pid", ev->pid);
    set_int(L, "tid", ev->tid);
    set_int(L, "signal", ev->signal);
    const char *abbrev = sigabbrev_np(ev->signal);
    if (abbrev) {
        lua_pushfstring(L, "SIG%s", abbrev);
        lua_setfield(L, -2, "name");
    }
    set_int(L, "code", ev->code);
    set_signal_methods(L);
    if (ev->sender) {
        set_int(L, "sender", ev->sender);
        set_int(L, "sender_uid", ev->sender_uid);
    }
    if (protected_call(s, 1, 1) < 0) {
        hook_failed(s, HOOK_SIGNAL);
        return true;
    }
    bool deliver = !(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
    lua_pop(L, 1);
    return deliver;
}

/* A wt.every function is due. */
static void hook_tick(void *ctx, unsigned id)
{
    struct script *s = ctx;
    if (hooks_off(s))
        return;
    lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->period_refs[id]);
    if (protected_call(s, 0, 0) < 0)
        hook_failed(s, HOOK_TICK);
}

static void hook_spawn(void *ctx, const struct task_event *ev)
{
    call_task_hook(ctx, HOOK_SPAWN, ev);
}

/* The engine's own bookkeeping runs whether or not the script has the
 * hook: names are never kept across an exec, a pending value moves with
 * the thread that exec'd, and nothing outlives its task. */
static void hook_exec(void *ctx, const struct task_event *ev)
{
    struct script *s = ctx;
    taskinfo_forget(s->L, ev->pid);
    if (s->uring)
        uring_forget(s->uring, ev->pid);
    unwind_forget(s->L, ev->pid);
    if (ev->old_tid != ev->pid) {
        taskinfo_forget(s->L, ev->old_tid);
        take_pending(s, ev->old_tid);
        set_pending(s, ev->pid);
    }
    if (s->hook_refs[HOOK_EXEC] != LUA_NOREF)
        call_task_hook(s, HOOK_EXEC, ev);
}

static void hook_exit(void *ctx, const struct task_event *ev)
{
    struct script *s = ctx;
    if (s->hook_refs[HOOK_EXIT] != LUA_NOREF)
        call_task_hook(s, HOOK_EXIT, ev); /* with the value of the call it died in */
    taskinfo_forget(s->L, ev->tid);
    if (s->uring && ev->tid == ev->pid) /* the leader is reported last */
        uring_forget(s->uring, ev->pid);
    if (ev->tid == ev->pid)
        unwind_forget(s->L, ev->pid);
    lua_pushnil(s->L);
    set_pending(s, ev->tid);
}

/* ---- life cycle ---- */

static int run_file(struct script *s, const char *path, char *err, size_t errsz)
{
    if (luaL_loadfile(s->L, path) != LUA_OK || protected_call(s, 0, 0) < 0) {
        copy_message(s->L, err, errsz);
        return -1;
    }
    return 0;
}

struct script *script_new(const char *datadir, FILE *report, char *err, size_t errsz)
{
    struct script *s = calloc(1, sizeof *s);
    lua_State *L = luaL_newstate();
    if (!s || !L) {
        snprintf(err, errsz, "cannot create the Lua state: out of memory");
        free(s);
        if (L)
            lua_close(L);
        return NULL;
    }
    s->L = L;
    s->report = report;
    for (int h = 0; h < HOOK_COUNT; h++)
        s->hook_refs[h] = LUA_NOREF;
    lua_pushlightuserdata(L, s);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &script_key);
    luaL_openlibs(L);
    guard_open(L, &s->guard);
    readers_open(L);
    taskinfo_open(L);
    luaL_requiref(L, "wt", luaopen_wt, 1);
    lua_pop(L, 1);
    lua_pushcfunction(L, wt_print);
    lua_setglobal(L, "print");
    s->event_slot = syscall_object_new(L);
    s->event_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    s->pending_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    /* Scripts can require the helper modules that ship in lua/. */
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/lua/?.lua;", datadir);
    lua_getfield(L, -2, "path");
    lua_concat(L, 2);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);

    char prelude[PATH_MAX];
    snprintf(prelude, sizeof prelude, "%s/lua/prelude.lua", datadir);
    if (run_file(s, prelude, err, errsz) < 0) {
        script_free(s);
        return NULL;
    }
    return s;
}

/* Pushes an -a argument's key and value: "KEY=VALUE", or KEY and true. */
static void push_arg(lua_State *L, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (eq) {
        lua_pushlstring(L, arg, (size_t)(eq - arg));
        lua_pushstring(L, eq + 1);
    } else {
        lua_pushstring(L, arg);
        lua_pushboolean(L, 1);
    }
}

void script_set_args(struct script *s, char *const *args, size_t nargs, bool json)
{
    lua_State *L = s->L;
    lua_getglobal(L, "wt");
    lua_createtable(L, 0, (int)nargs); /* wt.args: the last value of each key */
    lua_createtable(L, 0, (int)nargs); /* wt.args_all: every value, in order */
    for (size_t i = 0; i < nargs; i++) {
        push_arg(L, args[i]);
        lua_pushvalue(L, -2);
        lua_pushvalue(L, -2);
        lua_settable(L, -6);
        lua_pushvalue(L, -2);
        if (lua_rawget(L, -4) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -3);
            lua_pushvalue(L, -2);
            lua_rawset(L, -6);
        }
        lua_insert(L, -2);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 2);
    }
    lua_setfield(L, -3, "args_all");
    lua_setfield(L, -2, "args");
    lua_pushboolean(L, json);
    lua_setfield(L, -2, "json");
    lua_pop(L, 1);
}

int script_load(struct script *s, const char *path, const char *code, char *err, size_t errsz)
{
    if (path)
        return run_file(s, path, err, errsz);
    if (luaL_loadbuffer(s->L, code, strlen(code), "=-e") != LUA_OK || protected_call(s, 0, 0) < 0) {
        copy_message(s->L, err, errsz);
        return -1;
    }
    return 0;
}

static void resolve_hooks(struct script *s)
{
    for (int h = 0; h < HOOK_TICK; h++) {
        if (s->hook_refs[h] != LUA_NOREF)
            continue;
        if (lua_getglobal(s->L, hook_names[h]) == LUA_TFUNCTION)
            s->hook_refs[h] = luaL_ref(s->L, LUA_REGISTRYINDEX);
        else
            lua_pop(s->L, 1);
    }
}

/* wt._every, made by wt.every in the prelude: { {period = ns, fn = f}... },
 * read once, as the hooks are. */
static int read_periodic(struct script *s, char *err, size_t errsz)
{
    lua_State *L = s->L;
    lua_getglobal(L, "wt");
    lua_getfield(L, -1, "_every");
    lua_Integer n = lua_istable(L, -1) ? luaL_len(L, -1) : 0;
    if (n > 0) {
        s->periods = calloc((size_t)n, sizeof *s->periods);
        s->period_refs = calloc((size_t)n, sizeof *s->period_refs);
        if (!s->periods || !s->period_refs) {
            snprintf(err, errsz, "out of memory");
            lua_pop(L, 2);
            return -1;
        }
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_getfield(L, -1, "period");
        s->periods[s->nperiods] = (uint64_t)lua_tointeger(L, -1);
        lua_getfield(L, -2, "fn");
        s->period_refs[s->nperiods++] = luaL_ref(L, LUA_REGISTRYINDEX);
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
    return 0;
}

int script_interest(struct script *s, bool all_returns, struct interest *in, char *err,
                    size_t errsz)
{
    lua_State *L = s->L;
    resolve_hooks(s);
    lua_getglobal(L, "wt");
    lua_getfield(L, -1, "_declared");
    lua_getfield(L, -2, "_denied");
    bool want_exit = all_returns || s->hook_refs[HOOK_RETURN] != LUA_NOREF;
    int rc = declare_read(L, want_exit, in, err, errsz);
    lua_pop(L, 2);
    /* Scripts that stop at no syscall leave io_uring alone: under -p a
     * stop of the engine's would mean stopping at every syscall. */
    if (rc == 0 && (wants_uring(s) || has_syscall_hooks(s)))
        rc = keep_own_declarations(s, in, err, errsz);
    if (rc == 0 && wants_uring(s))
        rc = add_uring_stops(s, in, err, errsz);
    if (rc == 0 && s->engine_stops)
        rc = add_unfollowed_setup_stops(s, in, err, errsz);
    if (rc == 0)
        rc = read_periodic(s, err, errsz);
    /* Declarations are read now, once: wt.trace in a hook would do nothing. */
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "_sealed");
    lua_pop(L, 1);
    return rc;
}

void script_hooks(struct script *s, struct tracer_hooks *hooks)
{
    resolve_hooks(s);
    memset(hooks, 0, sizeof *hooks);
    hooks->ctx = s;
    if (s->hook_refs[HOOK_ENTER] != LUA_NOREF || s->engine_stops)
        hooks->enter = hook_enter;
    if (s->hook_refs[HOOK_RETURN] != LUA_NOREF || s->engine_stops)
        hooks->exit = hook_return;
    if (s->hook_refs[HOOK_SPAWN] != LUA_NOREF)
        hooks->spawn = hook_spawn;
    hooks->exec = hook_exec;
    hooks->gone = hook_exit;
    if (s->hook_refs[HOOK_SIGNAL] != LUA_NOREF)
        hooks->signal = hook_signal;
    if (s->nperiods) {
        hooks->tick = hook_tick;
        hooks->periods = s->periods;
        hooks->nperiods = s->nperiods;
    }
}


int script_finish(struct script *s)
{
    if (s->failed)
        return -1;
    if (s->guard.exit_requested)
        return 0;
    if (s->hook_refs[HOOK_END] != LUA_NOREF) {
        lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->hook_refs[HOOK_END]);
        if (protected_call(s, 0, 0) < 0) {
            hook_failed(s, HOOK_END);
            return -1;
        }
    }
    return 0;
}

bool script_failed(const struct script *s)
{
    return s->failed;
}

bool script_exit_requested(const struct script *s, int *code)
{
    *code = s->guard.exit_code;
    return s->guard.exit_requested;
}

void script_interrupt(struct script *s, bool force)
{
    if (!s || !s->in_hook)
        return;
    /* Like lua.c: the hook is the only thing a signal handler may set. */
    if (force || coarse_ms() - s->hook_started_ms > 1000)
        guard_interrupt(&s->guard);
}

void script_free(struct script *s)
{
    if (!s)
        return;
    lua_close(s->L);
    uring_free(s->uring);
    interest_free(&s->own);
    free(s->proc_buf);
    free(s->periods);
    free(s->period_refs);
    free(s);
}
