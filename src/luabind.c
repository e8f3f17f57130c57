#include "luabind.h"

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
#include "memory.h"
#include "paths.h"
#include "version.h"

#define SYSCALL_META "wtlua.syscall"
#define STRING_CAP_DEFAULT 4096
#define READ_CAP_MAX (1u << 20)

enum hook { HOOK_ENTER, HOOK_RETURN, HOOK_SPAWN, HOOK_EXEC, HOOK_EXIT, HOOK_END, HOOK_COUNT };
static const char *const hook_names[HOOK_COUNT] = {
    "on_enter", "on_return", "on_spawn", "on_exec", "on_exit", "on_end",
};

struct script {
    lua_State *L;
    FILE *report;
    int report_errno;               /* why the first write to it failed, or 0 */
    int hook_refs[HOOK_COUNT];      /* LUA_NOREF where the script has none */
    int event_ref;                  /* the reused syscall userdata */
    int args_ref;                   /* the reused sc.args table */
    const struct syscall_event **event_slot;
    bool failed;
    volatile sig_atomic_t in_hook;
    volatile long hook_started_ms;  /* CLOCK_MONOTONIC_COARSE */
    char *scratch;                  /* reader buffer, grown to the largest read */
    size_t scratch_size;
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

static char *scratch(lua_State *L, size_t size)
{
    struct script *s = script_of(L);
    if (size > s->scratch_size) {
        char *buf = realloc(s->scratch, size);
        if (!buf)
            luaL_error(L, "out of memory");
        s->scratch = buf;
        s->scratch_size = size;
    }
    return s->scratch;
}

/* ---- readers shared by sc methods and the wt module ---- */

static size_t checked_cap(lua_State *L, int idx, size_t dflt)
{
    lua_Integer cap = luaL_optinteger(L, idx, (lua_Integer)dflt);
    luaL_argcheck(L, cap > 0 && cap <= READ_CAP_MAX, idx, "size must be 1..1048576");
    return (size_t)cap;
}

static int push_error(lua_State *L, int err)
{
    luaL_pushfail(L);
    lua_pushstring(L, strerror(err));
    return 2;
}

/* Pushes the string at addr: s; or s, "truncated"; or nil, message. */
static int push_string_at(lua_State *L, pid_t pid, uint64_t addr, size_t cap)
{
    if (addr == 0)
        return push_error(L, EFAULT);
    char *buf = scratch(L, cap + 1);
    bool truncated;
    ssize_t n = mem_read_string(pid, addr, buf, cap, &truncated);
    if (n < 0)
        return push_error(L, (int)-n);
    lua_pushlstring(L, buf, (size_t)n);
    if (!truncated)
        return 1;
    lua_pushliteral(L, "truncated");
    return 2;
}

/* len_arg: the Lua argument the length came from, for the error. */
static int push_bytes_at(lua_State *L, pid_t pid, uint64_t addr, lua_Integer len, int len_arg)
{
    luaL_argcheck(L, len >= 0 && len <= READ_CAP_MAX, len_arg, "length must be 0..1048576");
    if (len == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    char *buf = scratch(L, (size_t)len);
    ssize_t n = mem_read(pid, addr, buf, (size_t)len);
    if (n < 0)
        return push_error(L, (int)-n);
    lua_pushlstring(L, buf, (size_t)n);
    if (n == len)
        return 1;
    lua_pushliteral(L, "truncated");
    return 2;
}

/* rc: a negative result of paths.c, which has errors of its own. */
static int push_path_error(lua_State *L, int rc)
{
    luaL_pushfail(L);
    lua_pushstring(L, path_strerror(rc));
    return 2;
}

static int push_path_at(lua_State *L, pid_t tid, int64_t dirfd, uint64_t addr)
{
    if (addr == 0)
        return push_error(L, EFAULT);
    char *buf = scratch(L, 2 * PATH_MAX + 1);
    char *raw = buf + PATH_MAX;
    bool truncated;
    ssize_t n = mem_read_string(tid, addr, raw, PATH_MAX, &truncated);
    if (n < 0)
        return push_error(L, (int)-n);
    if (truncated) /* no NUL in PATH_MAX bytes, or unreadable before one */
        return push_error(L, n == PATH_MAX ? ENAMETOOLONG : EFAULT);
    int rc = path_resolve(tid, dirfd, raw, buf, PATH_MAX);
    if (rc < 0)
        return push_path_error(L, rc);
    lua_pushstring(L, buf);
    return 1;
}

/* ---- the syscall event object ---- */

/* The one event object's slot is the first upvalue of each of its
 * methods: a pointer comparison, where luaL_checkudata's registry lookup
 * was half the cost of reading a field. */
static const struct syscall_event *check_event(lua_State *L)
{
    const struct syscall_event **slot = lua_touserdata(L, lua_upvalueindex(1));
    if (lua_touserdata(L, 1) != slot)
        luaL_typeerror(L, 1, SYSCALL_META);
    if (!*slot)
        luaL_error(L, "syscall event used outside its hook");
    return *slot;
}

static unsigned check_arg_index(lua_State *L, int idx)
{
    lua_Integer i = luaL_checkinteger(L, idx);
    luaL_argcheck(L, i >= 1 && i <= 6, idx, "argument index must be 1..6");
    return (unsigned)i;
}

static int sc_string(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    unsigned i = check_arg_index(L, 2);
    return push_string_at(L, ev->tid, ev->args[i - 1], checked_cap(L, 3, STRING_CAP_DEFAULT));
}

static int sc_bytes(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    unsigned i = check_arg_index(L, 2);
    return push_bytes_at(L, ev->tid, ev->args[i - 1], luaL_checkinteger(L, 3), 3);
}

static int sc_path(lua_State *L)
{
    const struct syscall_event *ev = check_event(L);
    unsigned i = check_arg_index(L, 2);
    int dirfd_arg = path_dirfd_arg(arch_syscall_name(ev->arch, ev->nr), (int)i);
    int64_t dirfd = AT_FDCWD;
    if (dirfd_arg)
        dirfd = (int32_t)ev->args[dirfd_arg - 1]; /* an int in every ABI */
    return push_path_at(L, ev->tid, dirfd, ev->args[i - 1]);
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
    X(F_EXITING, "exiting")
#define SC_FIELD_ENUM(field, name) field,
#define SC_FIELD_NAME(field, name) name,
enum sc_field { SC_FIELDS(SC_FIELD_ENUM) };
static const char *const sc_field_names[] = { SC_FIELDS(SC_FIELD_NAME) };
#define SC_FIELD_COUNT (int)(sizeof sc_field_names / sizeof sc_field_names[0])

static void push_field(lua_State *L, const struct syscall_event *ev, enum sc_field field)
{
    switch (field) {
    case F_NR: lua_pushinteger(L, ev->nr); break;
    case F_NAME: lua_pushstring(L, arch_syscall_name(ev->arch, ev->nr)); break;
    case F_PID: lua_pushinteger(L, ev->pid); break;
    case F_TID: lua_pushinteger(L, ev->tid); break;
    case F_ARCH: lua_pushstring(L, ev->arch->name); break;
    case F_ARGS:
        lua_rawgeti(L, LUA_REGISTRYINDEX, script_of(L)->args_ref);
        for (unsigned i = 0; i < 6; i++) {
            push_arg(L, ev, i);
            lua_rawseti(L, -2, i + 1);
        }
        break;
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

static void create_event_object(lua_State *L, struct script *s)
{
    s->event_slot = lua_newuserdatauv(L, sizeof *s->event_slot, 0);
    *s->event_slot = NULL;
    luaL_newmetatable(L, SYSCALL_META);
    static const luaL_Reg methods[] = {
        { "string", sc_string }, { "bytes", sc_bytes }, { "path", sc_path }, { NULL, NULL },
    };
    lua_pushlightuserdata(L, s->event_slot);
    lua_createtable(L, 0, (int)(sizeof methods / sizeof methods[0]) - 1 + SC_FIELD_COUNT);
    lua_pushlightuserdata(L, s->event_slot);
    luaL_setfuncs(L, methods, 1);
    for (int f = 0; f < SC_FIELD_COUNT; f++) {
        lua_pushinteger(L, f);
        lua_setfield(L, -2, sc_field_names[f]);
    }
    lua_pushcclosure(L, sc_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pushlightuserdata(L, s->event_slot);
    lua_pushcclosure(L, sc_tostring, 1);
    lua_setfield(L, -2, "__tostring");
    lua_setmetatable(L, -2);
    s->event_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_createtable(L, 6, 0);
    s->args_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

/* ---- the wt module ---- */

static pid_t check_pid(lua_State *L, int idx)
{
    lua_Integer pid = luaL_checkinteger(L, idx);
    luaL_argcheck(L, pid > 0 && pid <= INT_MAX, idx, "not a pid");
    return (pid_t)pid;
}

static int wt_read_string(lua_State *L)
{
    return push_string_at(L, check_pid(L, 1), (uint64_t)luaL_checkinteger(L, 2),
                          checked_cap(L, 3, STRING_CAP_DEFAULT));
}

static int wt_read_bytes(lua_State *L)
{
    return push_bytes_at(L, check_pid(L, 1), (uint64_t)luaL_checkinteger(L, 2),
                         luaL_checkinteger(L, 3), 3);
}

static int wt_resolve_path(lua_State *L)
{
    pid_t pid = check_pid(L, 1);
    lua_Integer dirfd = luaL_checkinteger(L, 2);
    const char *path = luaL_checkstring(L, 3);
    char *buf = scratch(L, PATH_MAX);
    int rc = path_resolve(pid, dirfd, path, buf, PATH_MAX);
    if (rc < 0)
        return push_path_error(L, rc);
    lua_pushstring(L, buf);
    return 1;
}

static const struct arch *opt_arch(lua_State *L, int idx)
{
    size_t count;
    const char *name = luaL_optstring(L, idx, arch_all(&count)->name);
    const struct arch *arch = arch_from_name(name);
    if (!arch)
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown arch '%s'", name));
    return arch;
}

static int wt_syscall_name(lua_State *L)
{
    lua_Integer nr = luaL_checkinteger(L, 1);
    lua_pushstring(L, arch_syscall_name(opt_arch(L, 2), (long)nr));
    return 1;
}

static int wt_syscall_nr(lua_State *L)
{
    int nr = arch_syscall_nr(opt_arch(L, 2), luaL_checkstring(L, 1));
    if (nr < 0)
        luaL_pushfail(L);
    else
        lua_pushinteger(L, nr);
    return 1;
}

/* A plain cast of a number beyond an int would make 2^32 + 2 ENOENT. */
static bool fits_int(lua_Integer n)
{
    return n >= INT_MIN && n <= INT_MAX;
}

/* The integer argument as an int, or -1 (no error or signal has that
 * number) when it does not fit. */
static int int_or_minus_one(lua_State *L, int idx)
{
    lua_Integer n = luaL_checkinteger(L, idx);
    return fits_int(n) ? (int)n : -1;
}

static int wt_errname(lua_State *L)
{
    int err = int_or_minus_one(L, 1);
    const char *name = err > 0 ? strerrorname_np(err) : NULL; /* glibc names 0 "0" */
    if (name)
        lua_pushstring(L, name);
    else
        luaL_pushfail(L);
    return 1;
}

static int wt_strerror(lua_State *L)
{
    lua_Integer err = luaL_checkinteger(L, 1);
    if (fits_int(err))
        lua_pushstring(L, strerror((int)err));
    else
        lua_pushfstring(L, "Unknown error %I", (LUAI_UACINT)err);
    return 1;
}

static int wt_signame(lua_State *L)
{
    const char *abbrev = sigabbrev_np(int_or_minus_one(L, 1));
    if (abbrev)
        lua_pushfstring(L, "SIG%s", abbrev);
    else
        luaL_pushfail(L);
    return 1;
}

/* Nanoseconds on the monotonic clock. */
static int wt_now(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)monotonic_ns());
    return 1;
}

static bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == 0x7f || c == '\\';
}

/* c's two-character C escape, or NULL when it has none (\xNN then). */
static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '\r': return "\\r";
    default: return NULL;
    }
}

/* A string on one line: backslash, control bytes and DEL as C escapes.
 * In C because reports escape every line they print, and a Lua gsub took
 * about 14,000 instructions per path. */
static int wt_escape(lua_State *L)
{
    size_t len;
    const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &len);
    size_t plain = 0;
    while (plain < len && !needs_escape(s[plain]))
        plain++;
    if (plain == len) { /* the usual case: the string itself */
        lua_settop(L, 1);
        lua_tostring(L, 1); /* a number becomes its string */
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, (const char *)s, plain);
    for (size_t i = plain; i < len; i++) {
        const char *esc = short_escape(s[i]);
        char hex[5];
        if (!needs_escape(s[i])) {
            luaL_addchar(&b, (char)s[i]);
        } else if (esc) {
            luaL_addlstring(&b, esc, 2);
        } else {
            snprintf(hex, sizeof hex, "\\x%02x", s[i]);
            luaL_addlstring(&b, hex, 4);
        }
    }
    luaL_pushresult(&b);
    return 1;
}

/* Remembers why the first write to the report failed: glibc drops the
 * lines it could not write and may then close the stream without an
 * error, and errno is long gone by then. */
static void note_report_error(struct script *s)
{
    if (ferror(s->report) && !s->report_errno)
        s->report_errno = errno ? errno : EIO;
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
    note_report_error(s);
    return 0;
}

struct constant {
    const char *name;
    lua_Integer value;
};

/* Kernel values, the same on x86_64 and i386 (O_LARGEFILE is 0 in
 * x86_64 user space but 32-bit tracees pass the kernel's bit). */
static const struct constant constants[] = {
    { "O_RDONLY", O_RDONLY },       { "O_WRONLY", O_WRONLY },     { "O_RDWR", O_RDWR },
    { "O_ACCMODE", O_ACCMODE },     { "O_CREAT", O_CREAT },       { "O_EXCL", O_EXCL },
    { "O_NOCTTY", O_NOCTTY },       { "O_TRUNC", O_TRUNC },       { "O_APPEND", O_APPEND },
    { "O_NONBLOCK", O_NONBLOCK },   { "O_DSYNC", O_DSYNC },       { "O_ASYNC", O_ASYNC },
    { "O_DIRECT", O_DIRECT },       { "O_LARGEFILE", 0100000 },   { "O_DIRECTORY", O_DIRECTORY },
    { "O_NOFOLLOW", O_NOFOLLOW },   { "O_NOATIME", O_NOATIME },   { "O_CLOEXEC", O_CLOEXEC },
    { "O_SYNC", O_SYNC },           { "O_PATH", O_PATH },         { "O_TMPFILE", O_TMPFILE },
    { "AT_FDCWD", AT_FDCWD },       { "AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW },
    { "AT_REMOVEDIR", AT_REMOVEDIR }, { "AT_SYMLINK_FOLLOW", AT_SYMLINK_FOLLOW },
    { "AT_EMPTY_PATH", AT_EMPTY_PATH },
};

/* wt.errno.ENOENT == 2 and wt.signal.SIGKILL == 9, from the C library's
 * own name tables. */
static void push_name_tables(lua_State *L)
{
    lua_newtable(L);
    for (int e = 1; e < 4096; e++) {
        const char *name = strerrorname_np(e);
        if (name) {
            lua_pushinteger(L, e);
            lua_setfield(L, -2, name);
        }
    }
    lua_setfield(L, -2, "errno");
    lua_newtable(L);
    for (int sig = 1; sig < NSIG; sig++) {
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev) {
            lua_pushfstring(L, "SIG%s", abbrev);
            lua_pushinteger(L, sig);
            lua_settable(L, -3);
        }
    }
    lua_setfield(L, -2, "signal");
}

static int open_wt(lua_State *L)
{
    static const luaL_Reg functions[] = {
        { "read_string", wt_read_string }, { "read_bytes", wt_read_bytes },
        { "resolve_path", wt_resolve_path }, { "syscall_name", wt_syscall_name },
        { "syscall_nr", wt_syscall_nr },   { "errname", wt_errname },
        { "strerror", wt_strerror },       { "signame", wt_signame },
        { "now", wt_now },                 { "escape", wt_escape },
        { NULL, NULL },
    };
    luaL_newlib(L, functions);
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    push_name_tables(L);
    size_t count;
    const struct arch *arches = arch_all(&count);
    lua_createtable(L, (int)count, 0);
    for (size_t i = 0; i < count; i++) {
        lua_pushstring(L, arches[i].name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "arches");
    lua_pushliteral(L, WTLUA_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}

/* ---- running Lua code ---- */

static int traceback(lua_State *L)
{
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

/* Calls the function below nargs arguments with the traceback handler.
 * Returns 0, or -1 leaving the message on the stack. */
static int protected_call(struct script *s, int nargs)
{
    lua_State *L = s->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    s->hook_started_ms = coarse_ms();
    s->in_hook = 1;
    int rc = lua_pcall(L, nargs, 0, base);
    s->in_hook = 0;
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, base);
    return rc == LUA_OK ? 0 : -1;
}

static void copy_message(lua_State *L, char *err, size_t errsz)
{
    const char *msg = lua_tostring(L, -1);
    snprintf(err, errsz, "%s", msg ? msg : "unknown error");
    lua_pop(L, 1);
}

/* A hook failed: say so once, then leave the tracees alone. */
static void hook_failed(struct script *s, enum hook hook)
{
    const char *msg = lua_tostring(s->L, -1);
    fflush(s->report);
    note_report_error(s);
    fprintf(stderr, "wtlua: %s\n", msg ? msg : "error in hook");
    if (hook != HOOK_END)
        fputs("wtlua: hooks disabled; the command runs to its end without them\n", stderr);
    lua_pop(s->L, 1);
    s->failed = true;
}

static void call_event_hook(struct script *s, enum hook hook, const struct syscall_event *ev)
{
    if (s->failed)
        return;
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->hook_refs[hook]);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->event_ref);
    *s->event_slot = ev;
    if (protected_call(s, 1) < 0)
        hook_failed(s, hook);
    *s->event_slot = NULL;
}

static void hook_enter(void *ctx, const struct syscall_event *ev)
{
    call_event_hook(ctx, HOOK_ENTER, ev);
}

static void hook_return(void *ctx, const struct syscall_event *ev)
{
    call_event_hook(ctx, HOOK_RETURN, ev);
}

static void set_int(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

/* Reads a whole /proc file of pid into the scratch buffer (argv can be
 * megabytes long); returns its length, or -1. */
static ssize_t read_proc(lua_State *L, pid_t pid, const char *name, char **out)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t cap = 65536, len = 0;
    char *buf = scratch(L, cap);
    for (;;) {
        if (len == cap)
            buf = scratch(L, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    *out = buf;
    return (ssize_t)len;
}

static void set_exec_fields(lua_State *L, pid_t pid)
{
    char link[64], exe[PATH_MAX];
    snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(link, exe, sizeof exe - 1);
    if (n > 0) {
        lua_pushlstring(L, exe, (size_t)n);
        lua_setfield(L, -2, "exe");
    }
    char *buf;
    ssize_t len = read_proc(L, pid, "cmdline", &buf);
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
    if (s->failed)
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
        set_exec_fields(L, ev->pid);
    } else {
        set_exit_fields(L, ev->status);
    }
    if (protected_call(s, 1) < 0)
        hook_failed(s, hook);
}

static void hook_spawn(void *ctx, const struct task_event *ev)
{
    call_task_hook(ctx, HOOK_SPAWN, ev);
}

static void hook_exec(void *ctx, const struct task_event *ev)
{
    call_task_hook(ctx, HOOK_EXEC, ev);
}

static void hook_exit(void *ctx, const struct task_event *ev)
{
    call_task_hook(ctx, HOOK_EXIT, ev);
}

/* ---- life cycle ---- */

static int run_file(struct script *s, const char *path, char *err, size_t errsz)
{
    if (luaL_loadfile(s->L, path) != LUA_OK || protected_call(s, 0) < 0) {
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
    luaL_requiref(L, "wt", open_wt, 1);
    lua_pop(L, 1);
    lua_pushcfunction(L, wt_print);
    lua_setglobal(L, "print");
    create_event_object(L, s);

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

void script_set_args(struct script *s, char *const *args, size_t nargs, bool json)
{
    lua_State *L = s->L;
    lua_getglobal(L, "wt");
    lua_createtable(L, 0, (int)nargs);
    for (size_t i = 0; i < nargs; i++) {
        const char *eq = strchr(args[i], '=');
        if (eq) {
            lua_pushlstring(L, args[i], (size_t)(eq - args[i]));
            lua_pushstring(L, eq + 1);
        } else {
            lua_pushstring(L, args[i]);
            lua_pushboolean(L, 1);
        }
        lua_settable(L, -3);
    }
    lua_setfield(L, -2, "args");
    lua_pushboolean(L, json);
    lua_setfield(L, -2, "json");
    lua_pop(L, 1);
}

int script_load(struct script *s, const char *path, const char *code, char *err, size_t errsz)
{
    if (path)
        return run_file(s, path, err, errsz);
    if (luaL_loadbuffer(s->L, code, strlen(code), "=-e") != LUA_OK || protected_call(s, 0) < 0) {
        copy_message(s->L, err, errsz);
        return -1;
    }
    return 0;
}

static void resolve_hooks(struct script *s)
{
    for (int h = 0; h < HOOK_COUNT; h++) {
        if (s->hook_refs[h] != LUA_NOREF)
            continue;
        if (lua_getglobal(s->L, hook_names[h]) == LUA_TFUNCTION)
            s->hook_refs[h] = luaL_ref(s->L, LUA_REGISTRYINDEX);
        else
            lua_pop(s->L, 1);
    }
}

static int cond_op_from_name(const char *name)
{
    static const char *const names[] = {
        [COND_EQ] = "eq", [COND_NE] = "ne", [COND_LT] = "lt", [COND_LE] = "le",
        [COND_GT] = "gt", [COND_GE] = "ge", [COND_MASKED_EQ] = "masked", [COND_ANY_BITS] = "any",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

static lua_Integer int_field(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    lua_Integer v = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* One canonical entry made by wt.trace in the prelude:
 * { name = "openat", exit = bool, conds = { {arg=, op=, value=, mask=}... } } */
static int read_rule(lua_State *L, struct rule *rule, bool exit_hook, char *err, size_t errsz)
{
    memset(rule, 0, sizeof *rule);
    lua_getfield(L, -1, "name");
    snprintf(rule->name, sizeof rule->name, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    lua_pop(L, 1);
    lua_getfield(L, -1, "exit");
    rule->want_exit = exit_hook && lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "conds");
    lua_Integer n = luaL_len(L, -1);
    if (n > RULE_MAX_CONDS) {
        snprintf(err, errsz, "wt.trace: %s: more than %d conditions", rule->name, RULE_MAX_CONDS);
        lua_pop(L, 1);
        return -1;
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        struct cond *c = &rule->conds[rule->ncond++];
        c->arg = (unsigned)int_field(L, -1, "arg");
        c->value = (uint64_t)int_field(L, -1, "value");
        c->mask = (uint64_t)int_field(L, -1, "mask");
        lua_getfield(L, -1, "op");
        int op = lua_isstring(L, -1) ? cond_op_from_name(lua_tostring(L, -1)) : -1;
        lua_pop(L, 2);
        if (op < 0) {
            snprintf(err, errsz, "wt.trace: %s: unknown comparison", rule->name);
            lua_pop(L, 1);
            return -1;
        }
        c->op = (enum cond_op)op;
    }
    lua_pop(L, 1);
    return 0;
}

int script_interest(struct script *s, struct interest *in, char *err, size_t errsz)
{
    lua_State *L = s->L;
    resolve_hooks(s);
    bool exit_hook = s->hook_refs[HOOK_RETURN] != LUA_NOREF;
    lua_getglobal(L, "wt");
    lua_getfield(L, -1, "_declared");
    bool declared = lua_istable(L, -1);
    interest_init(in, !declared, exit_hook);
    int rc = 0;
    for (lua_Integer i = 1; declared && rc == 0 && i <= luaL_len(L, -1); i++) {
        struct rule rule;
        lua_rawgeti(L, -1, i);
        rc = read_rule(L, &rule, exit_hook, err, errsz);
        lua_pop(L, 1);
        if (rc == 0 && interest_add(in, &rule, err, errsz) < 0)
            rc = -1;
    }
    lua_pop(L, 2);
    return rc;
}

void script_hooks(struct script *s, struct tracer_hooks *hooks)
{
    resolve_hooks(s);
    memset(hooks, 0, sizeof *hooks);
    hooks->ctx = s;
    if (s->hook_refs[HOOK_ENTER] != LUA_NOREF)
        hooks->enter = hook_enter;
    if (s->hook_refs[HOOK_RETURN] != LUA_NOREF)
        hooks->exit = hook_return;
    if (s->hook_refs[HOOK_SPAWN] != LUA_NOREF)
        hooks->spawn = hook_spawn;
    if (s->hook_refs[HOOK_EXEC] != LUA_NOREF)
        hooks->exec = hook_exec;
    if (s->hook_refs[HOOK_EXIT] != LUA_NOREF)
        hooks->gone = hook_exit;
}

int script_finish(struct script *s)
{
    if (s->failed)
        return -1;
    if (s->hook_refs[HOOK_END] != LUA_NOREF) {
        lua_rawgeti(s->L, LUA_REGISTRYINDEX, s->hook_refs[HOOK_END]);
        if (protected_call(s, 0) < 0) {
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

int script_report_error(const struct script *s)
{
    return s->report_errno;
}

static void stop_running_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted");
}

void script_interrupt(struct script *s, bool force)
{
    if (!s || !s->in_hook)
        return;
    /* Like lua.c: the hook is the only thing a signal handler may set. */
    if (force || coarse_ms() - s->hook_started_ms > 1000)
        lua_sethook(s->L, stop_running_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void script_free(struct script *s)
{
    if (!s)
        return;
    lua_close(s->L);
    free(s->scratch);
    free(s);
}
