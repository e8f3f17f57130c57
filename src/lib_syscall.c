#include "lib_syscall.h"

#include <fcntl.h>
#include <inttypes.h>
#include <lauxlib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "lib_decode.h"
#include "lua_sink.h"
#include "memory.h"
#include "paths.h"
#include "sysent.h"
#include "readers.h"
#include "taskinfo.h"
#include "unwind.h"

#define SYSCALL_META "wtlua.syscall"

/* The one event object's slot is the first upvalue of each of its
 * methods: a pointer comparison, where luaL_checkudata's registry lookup
 * was half the cost of reading a field. */
static struct syscall_event *check_event(lua_State *L)
{
    struct syscall_event **slot = lua_touserdata(L, lua_upvalueindex(1));
    if (lua_touserdata(L, 1) != slot)
        luaL_typeerror(L, 1, SYSCALL_META);
    if (!*slot)
        luaL_error(L, "syscall event used outside its hook");
    return *slot;
}

/* The 1-based index of the argument at idx: 1..6, or the name of one of
 * this syscall's arguments in the syscall table (sc:path("filename")). */
static unsigned check_arg(lua_State *L, const struct syscall_event *ev, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *name = lua_tostring(L, idx);
        const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
        int i = e ? sysent_arg_index(e, name) : -1;
        if (i < 0)
            luaL_argerror(L, idx, lua_pushfstring(L, "%s has no argument named '%s'",
                                                  arch_syscall_name(ev->arch, ev->nr), name));
        return (unsigned)i;
    }
    lua_Integer i = luaL_checkinteger(L, idx);
    luaL_argcheck(L, i >= 1 && i <= 6, idx, "argument index must be 1..6 or a name");
    return (unsigned)i;
}

/* The value the kernel takes from argument i (1-based): its C type's
 * width and sign (a caller may leave anything above an int's 32 bits), and
 * on i386 a 64-bit value from its two halves.  The raw register for a
 * syscall the table does not know. */
static lua_Integer arg_value(const struct syscall_event *ev, unsigned i)
{
    uint64_t raw = ev->args[i - 1];
    const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
    if (!e || i > e->nargs)
        return (lua_Integer)raw;
    const struct sysent_arg *a = &e->args[i - 1];
    if (a->hi)
        raw = (uint32_t)raw | ev->args[a->hi - 1] << 32;
    else if (a->size < 8) {
        unsigned bits = a->size * 8u;
        raw &= (UINT64_C(1) << bits) - 1;
        if (a->is_signed && (raw >> (bits - 1)))
            raw |= ~UINT64_C(0) << bits;
    }
    return (lua_Integer)raw;
}

/* sc:arg(i or name): an argument's value as the kernel reads it. */
static int sc_arg(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    lua_pushinteger(L, arg_value(ev, check_arg(L, ev, 2)));
    return 1;
}

static int sc_string(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    unsigned i = check_arg(L, ev, 2);
    return readers_push_string(L, ev->tid, ev->args[i - 1],
                               readers_check_cap(L, 3, READ_STRING_DEFAULT));
}

static int sc_bytes(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    unsigned i = check_arg(L, ev, 2);
    return readers_push_bytes(L, ev->tid, ev->args[i - 1], luaL_checkinteger(L, 3), 3);
}

/* The index of the syscall's first path argument, for sc:path(). */
static unsigned first_path_arg(lua_State *L, const struct syscall_event *ev)
{
    const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
    for (unsigned i = 0; e && i < e->nargs; i++)
        if (e->args[i].kind == SYSENT_PATH)
            return i + 1;
    return (unsigned)luaL_error(L, "sc:path(): %s takes no path; give the argument",
                                arch_syscall_name(ev->arch, ev->nr));
}

static int sc_path(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    unsigned i = lua_isnoneornil(L, 2) ? first_path_arg(L, ev) : check_arg(L, ev, 2);
    const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
    unsigned dirfd_arg = e && i <= e->nargs ? e->args[i - 1].dirfd : 0;
    int64_t dirfd = AT_FDCWD;
    if (dirfd_arg)
        dirfd = (int32_t)ev->args[dirfd_arg - 1]; /* an int in every ABI */
    return readers_push_path(L, ev->tid, dirfd, ev->args[i - 1]);
}

/* sc:fd_path(fd): what the calling thread's descriptor fd is now. */
static int sc_fd_path(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    return readers_push_fd_path(L, ev->tid, luaL_checkinteger(L, 2));
}

/* strace's column for the result (its -a default). */
#define RESULT_COLUMN 40

/* The entry text of sc:format: "name(args" as strace prints it at the
 * entry; then, after a NUL that the text never has, "+" when the exit has
 * more to show, and a value the exit needs (recvfrom's *addrlen). */
static void push_entry(lua_State *L, const struct syscall_event *ev, struct decoding *d)
{
    struct dtext *t = &d->text;
    struct decode_saved saved = { 0 };
    const char *name = decode_name(ev);
    dtext_reset(t, "", 0, false);
    dtext_append(t, name, strlen(name));
    dtext_append(t, "(", 1);
    bool more = decode_call(&t->sink, ev, &d->opts, DECODE_ENTRY, NULL, &saved);
    if (more || saved.has) {
        char trailer[32];
        int n = snprintf(trailer, sizeof trailer, "%c%s", '\0', more ? "+" : "");
        if (saved.has)
            n += snprintf(trailer + n, sizeof trailer - (size_t)n, "%" PRIu64, saved.value);
        dtext_append(t, trailer, (size_t)n);
    }
    lua_pushlstring(L, t->buf, t->len);
}

/* sc:format() at an entry: the entry text above (keep it for on_return).
 * sc:format([entry]) at an exit: the call, "openat(AT_FDCWD, \"/etc/passwd\",
 * O_RDONLY|O_CLOEXEC)", and its result, "3", completing the entry's text
 * (without one, all is read now).  sc:format(entry, prefix [, duration]):
 * strace's whole line instead, prefix first, the result at column 40, and
 * with duration the call's time, " <0.000123>". */
static int sc_format(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    struct decoding *d = lua_touserdata(L, lua_upvalueindex(2));
    struct dtext *t = &d->text;
    if (!ev->at_exit) {
        push_entry(L, ev, d);
        return 1;
    }
    size_t len = 0, plen = 0;
    const char *entry = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;
    if (!entry && !lua_isnoneornil(L, 2))
        return luaL_typeerror(L, 2, "string (what sc:format returned at the entry)");
    const char *prefix = luaL_optlstring(L, 3, NULL, &plen);
    struct decode_saved saved = { 0 };
    const char *paren = entry ? memchr(entry, '(', len) : NULL;
    if (paren) {
        size_t text = strnlen(entry, len);
        const char *trailer = entry + text + 1;
        if (text < len && *trailer == '+')
            trailer++;
        if (text < len && *trailer) {
            saved.has = true;
            saved.value = strtoull(trailer, NULL, 10);
        }
        dtext_reset(t, entry, text, (size_t)(paren - entry) + 1 < text);
    } else { /* no entry: all of the call now */
        const char *name = decode_name(ev);
        dtext_reset(t, "", 0, false);
        dtext_append(t, name, strlen(name));
        dtext_append(t, "(", 1);
    }
    struct decode_result res;
    decode_call(&t->sink, ev, &d->opts, paren ? DECODE_EXIT : DECODE_ALL, &res, &saved);
    dtext_append(t, ")", 1);
    char result[1024];
    size_t rlen = decode_result_text(ev, &res, &d->opts, result, sizeof result);
    if (!prefix) {
        lua_pushlstring(L, t->buf, t->len);
        lua_pushlstring(L, result, rlen);
        return 2;
    }
    static const char spaces[RESULT_COLUMN] = "                                        ";
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, prefix, plen);
    luaL_addlstring(&b, t->buf, t->len);
    luaL_addchar(&b, ' ');
    size_t column = plen + t->len + 1;
    if (column < RESULT_COLUMN)
        luaL_addlstring(&b, spaces, RESULT_COLUMN - column);
    luaL_addlstring(&b, "= ", 2);
    luaL_addlstring(&b, result, rlen);
    if (lua_toboolean(L, 4)) {
        uint64_t ns = ev->exit_ns - ev->enter_ns;
        char took[48];
        int n = snprintf(took, sizeof took, " <%" PRIu64 ".%06" PRIu64 ">", ns / 1000000000,
                         ns % 1000000000 / 1000);
        luaL_addlstring(&b, took, (size_t)n);
    }
    luaL_pushresult(&b);
    return 1;
}

/* sc:decode() at an entry: { name =, args = { <name> = value... } } with
 * the arguments known at the entry; sc:decode([entry]) at an exit: that
 * table completed with the rest, ret, error and aux. */
static int sc_decode(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    struct decoding *d = lua_touserdata(L, lua_upvalueindex(2));
    int entry = 0;
    if (ev->at_exit && !lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        entry = 2;
    }
    lsink_decode(L, ev, &d->opts, entry);
    return 1;
}

/* ---- changing the call (issue 14): recorded now, applied by the tracer
 * once the hook has returned (see modify.h) ---- */

static void check_stop(lua_State *L, const struct syscall_event *ev, bool at_exit,
                       const char *method)
{
    if (ev->at_exit != at_exit)
        luaL_error(L, "sc:%s: only in %s", method, at_exit ? "on_return" : "on_enter");
}

/* An errno given as a number (ENOSPC's 28) or a name ("ENOSPC"). */
static int check_errno(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *name = lua_tostring(L, idx);
        for (int e = 1; e < 4096; e++) {
            const char *known = strerrorname_np(e);
            if (known && strcmp(known, name) == 0)
                return e;
        }
        luaL_argerror(L, idx, lua_pushfstring(L, "no errno named '%s'", name));
    }
    lua_Integer e = luaL_checkinteger(L, idx);
    luaL_argcheck(L, e >= 1 && e <= 4095, idx, "an errno is 1..4095");
    return (int)e;
}

/* A signal given as a number or a name ("SIGUSR1"). */
static int check_signal(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *name = lua_tostring(L, idx);
        for (int sig = 1; sig < NSIG; sig++) {
            const char *abbrev = sigabbrev_np(sig);
            if (abbrev && strncmp(name, "SIG", 3) == 0 && strcmp(name + 3, abbrev) == 0)
                return sig;
        }
        luaL_argerror(L, idx, lua_pushfstring(L, "no signal named '%s'", name));
    }
    lua_Integer sig = luaL_checkinteger(L, idx);
    luaL_argcheck(L, sig >= 1 && sig < NSIG, idx, "not a signal number");
    return (int)sig;
}

/* sc:fail(errno): at entry the call is skipped and fails with errno; at
 * its return its result becomes -errno. */
static int sc_fail(lua_State *L)
{
    struct syscall_event *ev = check_event(L);
    ev->change.ret = -check_errno(L, 2);
    ev->change.what |= CHANGE_RETURN;
    return 0;
}

/* sc:set_return(value): the same with any result. */
static int sc_set_return(lua_State *L)
{
    struct syscall_event *ev = check_event(L);
    ev->change.ret = luaL_checkinteger(L, 2);
    ev->change.what |= CHANGE_RETURN;
    return 0;
}

/* Argument i (1-based) takes value: both registers of a 64-bit value
 * that i386 splits in two. */
static void set_arg(struct syscall_event *ev, unsigned i, uint64_t value)
{
    struct syscall_change *c = &ev->change;
    if (!(c->what & CHANGE_ARGS))
        memcpy(c->args, ev->args, sizeof c->args);
    c->what |= CHANGE_ARGS;
    const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
    unsigned hi = e && i <= e->nargs ? e->args[i - 1].hi : 0;
    c->args[i - 1] = hi ? (uint32_t)value : value;
    if (hi)
        c->args[hi - 1] = value >> 32;
}

/* sc:set_arg(i or name, value): the call runs with that argument. */
static int sc_set_arg(lua_State *L)
{
    struct syscall_event *ev = check_event(L);
    check_stop(L, ev, false, "set_arg");
    unsigned i = check_arg(L, ev, 2);
    set_arg(ev, i, (uint64_t)luaL_checkinteger(L, 3));
    return 0;
}

/* sc:set_string(i or name, s): the argument points to a copy of s (and a
 * NUL) placed below the thread's stack: true, or nil and a message. */
static int sc_set_string(lua_State *L)
{
    struct syscall_event *ev = check_event(L);
    check_stop(L, ev, false, "set_string");
    unsigned i = check_arg(L, ev, 2);
    size_t len;
    const char *text = luaL_checklstring(L, 3, &len);
    uint64_t addr;
    int rc = modify_scratch(ev->tid, len + 1, &ev->change.scratch_used, &addr);
    if (rc == 0)
        rc = mem_write(ev->tid, addr, text, len + 1);
    if (rc < 0)
        return readers_push_error(L, -rc);
    set_arg(ev, i, addr);
    lua_pushboolean(L, 1);
    return 1;
}

/* sc:delay(seconds): the thread waits this long before the call runs (at
 * the return: before it goes on), while every other tracee runs on. */
static int sc_delay(lua_State *L)
{
    struct syscall_event *ev = check_event(L);
    lua_Number seconds = luaL_checknumber(L, 2);
    luaL_argcheck(L, seconds >= 0 && seconds <= 86400, 2, "seconds must be 0..86400");
    ev->change.delay_ns = (uint64_t)(seconds * 1e9);
    ev->change.what |= CHANGE_DELAY;
    return 0;
}

/* sc:signal(sig): the thread gets sig (after the call, or interrupting it). */
static int sc_signal(lua_State *L)
{
    struct syscall_event *ev = check_event(L);
    ev->change.signal = check_signal(L, 2);
    ev->change.what |= CHANGE_SIGNAL;
    return 0;
}

/* Bytes of the structs a call fills that sc:write may rewrite (the stat
 * family's and getresuid's, for faking owners and modes): { type, x86_64
 * size, i386 size }. */
static const struct { const char *type; unsigned size64, size32; } out_structs[] = {
    { "stat", 144, 0 }, { "compat_stat", 0, 64 }, { "stat64", 0, 96 }, { "statx", 256, 256 },
    { "uid_t", 4, 4 },   { "gid_t", 4, 4 },   { "old_uid_t", 0, 2 }, { "old_gid_t", 0, 2 },
};

/* The size of the struct argument a of a call of arch fills, or 0. */
static unsigned out_struct_size(const struct arch *arch, const struct sysent_arg *a)
{
    if (a->kind != SYSENT_STRUCT || a->dir != SYSENT_OUT || !a->type)
        return 0;
    for (size_t k = 0; k < sizeof out_structs / sizeof out_structs[0]; k++)
        if (strcmp(a->type, out_structs[k].type) == 0)
            return strcmp(arch->name, "i386") == 0 ? out_structs[k].size32
                                                   : out_structs[k].size64;
    return 0;
}

/* The most sc:write may put into buffer argument i: what the call filled
 * (its result, for a read), its length argument, or the size of the
 * struct it fills. */
static bool buffer_room(const struct syscall_event *ev, unsigned i, uint64_t *room)
{
    const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
    if (!e || i > e->nargs)
        return false;
    unsigned size = out_struct_size(ev->arch, &e->args[i - 1]);
    if (size) {
        *room = size;
        return true;
    }
    if (!e->args[i - 1].len)
        return false;
    unsigned len = e->args[i - 1].len;
    if (len == SYSENT_LEN_RET)
        *room = ev->ret > 0 ? (uint64_t)ev->ret : 0;
    else
        *room = ev->args[len - 1];
    return true;
}

/* sc:write(i or name, bytes): at the return, bytes go into the buffer the
 * argument points to (what a read returned), cut to what the call filled:
 * the number of bytes that will be written. */
static int sc_write(lua_State *L)
{
    struct syscall_event *ev = check_event(L);
    check_stop(L, ev, true, "write");
    unsigned i = check_arg(L, ev, 2);
    size_t len;
    const char *bytes = luaL_checklstring(L, 3, &len);
    uint64_t room;
    if (!buffer_room(ev, i, &room))
        return luaL_error(L, "sc:write: %s's argument %d is not a buffer of known length",
                          arch_syscall_name(ev->arch, ev->nr), (int)i);
    struct syscall_change *c = &ev->change;
    luaL_argcheck(L, c->nwrites < CHANGE_MAX_WRITES, 2, "too many writes in one call");
    if (len > room)
        len = (size_t)room;
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return luaL_error(L, "out of memory");
    memcpy(copy, bytes, len);
    c->writes[c->nwrites++] = (struct change_write){ ev->args[i - 1], copy, len };
    c->what |= CHANGE_WRITE;
    lua_pushinteger(L, (lua_Integer)len);
    return 1;
}

/* sc:stack([max_frames]): the thread's call stack, innermost first. */
static int sc_stack(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    return unwind_push_stack(L, ev->pid, ev->tid, unwind_check_max_frames(L, 2));
}

static void push_arg(lua_State *L, const struct syscall_event *ev, unsigned i)
{
    lua_pushinteger(L, (lua_Integer)ev->args[i]);
}

/* The event's fields, by name.  A field is computed when read, so an event
 * costs nothing per field the script does not use.  The enum and the
 * names come from this one list, so every field has its name. */
#define SC_FIELDS(X)                                                                    \
    X(F_NR, "nr") X(F_NAME, "name") X(F_PID, "pid") X(F_TID, "tid") X(F_ARCH, "arch")  \
    X(F_ARGS, "args") X(F_EBX, "ebx") X(F_ECX, "ecx") X(F_EDX, "edx") X(F_RET, "ret") \
    X(F_ERRNO, "errno") X(F_TIME, "time") X(F_DURATION, "duration")                  \
    X(F_EXITING, "exiting") X(F_COMM, "comm") X(F_EXE, "exe") X(F_INJECTED, "injected")
#define SC_FIELD_ENUM(field, name) field,
#define SC_FIELD_NAME(field, name) name,
enum sc_field { SC_FIELDS(SC_FIELD_ENUM) };
static const char *const sc_field_names[] = { SC_FIELDS(SC_FIELD_NAME) };
#define SC_FIELD_COUNT (int)(sizeof sc_field_names / sizeof sc_field_names[0])

/* sc.args: one table, refilled on each read (the third upvalue). */
static void push_args(lua_State *L, const struct syscall_event *ev)
{
    lua_pushvalue(L, lua_upvalueindex(3));
    for (unsigned i = 0; i < 6; i++) {
        push_arg(L, ev, i);
        lua_rawseti(L, -2, i + 1);
    }
}

static void push_field(lua_State *L, const struct syscall_event *ev, enum sc_field field)
{
    switch (field) {
    case F_NR: lua_pushinteger(L, ev->nr); break;
    case F_NAME: lua_pushstring(L, arch_syscall_name(ev->arch, ev->nr)); break;
    case F_PID: lua_pushinteger(L, ev->pid); break;
    case F_TID: lua_pushinteger(L, ev->tid); break;
    case F_ARCH: lua_pushstring(L, ev->arch->name); break;
    case F_ARGS: push_args(L, ev); break;
    case F_EBX: push_arg(L, ev, 0); break;
    case F_ECX: push_arg(L, ev, 1); break;
    case F_EDX: push_arg(L, ev, 2); break;
    case F_RET:
        if (ev->at_exit)
            lua_pushinteger(L, ev->ret);
        else
            lua_pushnil(L);
        break;
    case F_ERRNO:
        if (ev->at_exit && ev->is_error)
            lua_pushinteger(L, -ev->ret);
        else
            lua_pushnil(L);
        break;
    case F_TIME: lua_pushinteger(L, (lua_Integer)ev->enter_ns); break;
    case F_DURATION:
        if (ev->at_exit)
            lua_pushinteger(L, (lua_Integer)(ev->exit_ns - ev->enter_ns));
        else
            lua_pushnil(L);
        break;
    case F_EXITING: lua_pushboolean(L, ev->at_exit); break;
    case F_INJECTED: lua_pushboolean(L, ev->at_exit && ev->injected); break;
    case F_COMM:
        if (taskinfo_push_comm(L, ev->tid) > 1)
            lua_pop(L, 1); /* nil, without the message */
        break;
    case F_EXE:
        if (taskinfo_push_exe(L, ev->pid) > 1)
            lua_pop(L, 1);
        break;
    }
}

/* The second upvalue maps each field name to its enum sc_field and each
 * method name to its function: one table lookup per read, where a chain
 * of strcmp cost a few hundred instructions. */
static int sc_index(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    lua_settop(L, 2);
    if (lua_rawget(L, lua_upvalueindex(2)) == LUA_TNUMBER)
        push_field(L, ev, (enum sc_field)lua_tointeger(L, -1));
    return 1; /* a field, a method, or nil */
}

static int sc_tostring(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    lua_pushfstring(L, "%s(%d) tid %d", arch_syscall_name(ev->arch, ev->nr), (int)ev->nr,
                    (int)ev->tid);
    return 1;
}

struct syscall_event **syscall_object_new(lua_State *L)
{
    struct syscall_event **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    luaL_newmetatable(L, SYSCALL_META);
    static const luaL_Reg methods[] = {
        { "string", sc_string }, { "bytes", sc_bytes }, { "path", sc_path },
        { "fd_path", sc_fd_path }, { "arg", sc_arg }, { "fail", sc_fail },
        { "set_return", sc_set_return }, { "set_arg", sc_set_arg },
        { "set_string", sc_set_string }, { "delay", sc_delay }, { "signal", sc_signal },
        { "write", sc_write }, { "stack", sc_stack }, { NULL, NULL },
    };
    lua_pushlightuserdata(L, slot);
    lua_createtable(L, 0, (int)(sizeof methods / sizeof methods[0]) + 1 + SC_FIELD_COUNT);
    lua_pushlightuserdata(L, slot);
    luaL_setfuncs(L, methods, 1);
    static const luaL_Reg decoders[] = {
        { "format", sc_format }, { "decode", sc_decode }, { NULL, NULL },
    };
    lua_pushlightuserdata(L, slot);
    decoding_push(L);
    luaL_setfuncs(L, decoders, 2);
    for (int f = 0; f < SC_FIELD_COUNT; f++) {
        lua_pushinteger(L, f);
        lua_setfield(L, -2, sc_field_names[f]);
    }
    lua_createtable(L, 6, 0);
    lua_pushcclosure(L, sc_index, 3);
    lua_setfield(L, -2, "__index");
    lua_pushlightuserdata(L, slot);
    lua_pushcclosure(L, sc_tostring, 1);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, -2);
    return slot;
}
