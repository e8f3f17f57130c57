#include "lib_wt.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "arch.h"
#include "clock.h"
#include "lib_decode.h"
#include "paths.h"
#include "readers.h"
#include "source.h"
#include "sysent.h"
#include "taskinfo.h"
#include "version.h"

static pid_t check_pid(lua_State *L, int idx)
{
    lua_Integer pid = luaL_checkinteger(L, idx);
    luaL_argcheck(L, pid > 0 && pid <= INT_MAX, idx, "not a pid");
    return (pid_t)pid;
}

static int wt_read_string(lua_State *L)
{
    return readers_push_string(L, check_pid(L, 1), (uint64_t)luaL_checkinteger(L, 2),
                               readers_check_cap(L, 3, READ_STRING_DEFAULT));
}

static int wt_read_bytes(lua_State *L)
{
    return readers_push_bytes(L, check_pid(L, 1), (uint64_t)luaL_checkinteger(L, 2),
                              luaL_checkinteger(L, 3), 3);
}

static int wt_resolve_path(lua_State *L)
{
    pid_t pid = check_pid(L, 1);
    lua_Integer dirfd = luaL_checkinteger(L, 2);
    return readers_push_resolved(L, pid, dirfd, luaL_checkstring(L, 3));
}

static int wt_fd_path(lua_State *L)
{
    pid_t pid = check_pid(L, 1);
    return readers_push_fd_path(L, pid, luaL_checkinteger(L, 2));
}

/* wt.exists(path): whether something exists at an absolute path (a final
 * symlink followed), without ever waiting for a process: true or false,
 * or nil and a reason when telling would need a file system a process
 * serves (FUSE, whose daemon may be a stopped tracee). */
static int wt_exists(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    luaL_argcheck(L, path[0] == '/', 1, "an absolute path");
    int rc = path_exists_nonblocking(path);
    if (rc >= 0) {
        lua_pushboolean(L, rc);
        return 1;
    }
    luaL_pushfail(L);
    lua_pushstring(L, rc == -EAGAIN ? "unknown without waiting for a file system's process"
                                    : strerror(-rc));
    return 2;
}

/* wt.stat(path [, nofollow]): { dev, major, minor, ino, mode, nlink, uid, gid }
 * of the file at path (absolute, from wtlua's root; a final symlink
 * followed unless nofollow), or nil and a message; never waiting for a
 * process, as wt.exists. */
static int wt_stat(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    luaL_argcheck(L, path[0] == '/', 1, "an absolute path");
    struct stat st;
    int rc = path_stat_nonblocking(path, lua_toboolean(L, 2), &st);
    if (rc < 0) {
        luaL_pushfail(L);
        lua_pushstring(L, rc == -EAGAIN ? "unknown without waiting for a file system's process"
                                        : strerror(-rc));
        return 2;
    }
    lua_createtable(L, 0, 8);
    const struct { const char *name; lua_Integer value; } fields[] = {
        { "dev", (lua_Integer)st.st_dev }, { "major", major(st.st_dev) },
        { "minor", minor(st.st_dev) },     { "ino", (lua_Integer)st.st_ino },
        { "mode", st.st_mode },            { "nlink", (lua_Integer)st.st_nlink },
        { "uid", st.st_uid },              { "gid", st.st_gid },
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        lua_pushinteger(L, fields[i].value);
        lua_setfield(L, -2, fields[i].name);
    }
    return 1;
}

static int wt_comm(lua_State *L)
{
    return taskinfo_push_comm(L, check_pid(L, 1));
}

static int wt_exe(lua_State *L)
{
    return taskinfo_push_exe(L, check_pid(L, 1));
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

/* The names of the classes a syscall is in, as strace writes them. */
static void push_classes(lua_State *L, uint32_t classes)
{
    static const char *const names[] = {
        "%file", "%desc", "%network", "%process", "%signal", "%ipc", "%memory", "%creds",
        "%clock", "%stat", "%lstat", "%fstat", "%%stat", "%statfs", "%fstatfs", "%%statfs",
        "%pure",
    };
    lua_createtable(L, 0, 0);
    int n = 0;
    for (unsigned bit = 0; bit < sizeof names / sizeof names[0]; bit++)
        if (classes & (1u << bit)) {
            lua_pushstring(L, names[bit]);
            lua_rawseti(L, -2, ++n);
        }
}

/* wt.signature(name [, arch]): what the syscall takes, from the syscall
 * table: { name=, args = { {name=, kind=, type=}... }, classes = {...} },
 * or nil when that ABI has no such call. */
static int wt_signature(lua_State *L)
{
    const struct sysent *e = sysent_by_name(opt_arch(L, 2), luaL_checkstring(L, 1));
    if (!e) {
        luaL_pushfail(L);
        return 1;
    }
    lua_createtable(L, 0, 3);
    lua_pushstring(L, e->name);
    lua_setfield(L, -2, "name");
    lua_createtable(L, e->nargs, 0);
    for (unsigned i = 0; i < e->nargs; i++) {
        const struct sysent_arg *a = &e->args[i];
        lua_createtable(L, 0, 3);
        lua_pushstring(L, a->name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, sysent_kind_name(a->kind));
        lua_setfield(L, -2, "kind");
        if (a->type) {
            lua_pushstring(L, a->type);
            lua_setfield(L, -2, "type");
        }
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "args");
    push_classes(L, e->classes);
    lua_setfield(L, -2, "classes");
    return 1;
}

/* wt.syscalls_in(class): the names of the syscalls in a class ("%file"),
 * on any ABI this build traces, sorted; nil for an unknown class. */
static int wt_syscalls_in(lua_State *L)
{
    uint32_t class = sysent_class_from_name(luaL_checkstring(L, 1));
    if (!class) {
        luaL_pushfail(L);
        return 1;
    }
    size_t count;
    const struct arch *arches = arch_all(&count);
    lua_newtable(L); /* the set, by name */
    for (size_t a = 0; a < count; a++)
        for (long nr = 0; nr < ARCH_MAX_NR; nr++) {
            const struct sysent *e = sysent_lookup(&arches[a], nr);
            /* by the name the engine knows the number by (libseccomp's) */
            if (e && (e->classes & class) && arch_syscall_nr(&arches[a], e->name) == nr) {
                lua_pushboolean(L, 1);
                lua_setfield(L, -2, e->name);
            }
        }
    lua_newtable(L);
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, ++n);
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, -3);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
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
    if (tracee_source && tracee_source->now)
        lua_pushinteger(L, tracee_source->now(tracee_source->ctx));
    else
        lua_pushinteger(L, (lua_Integer)monotonic_ns());
    return 1;
}

/* Nanoseconds since the epoch (CLOCK_REALTIME): timestamps for people;
 * durations use wt.now. */
static int wt_realtime(lua_State *L)
{
    if (tracee_source && tracee_source->realtime) {
        lua_pushinteger(L, tracee_source->realtime(tracee_source->ctx));
        return 1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000000000 + ts.tv_nsec);
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

/* wt.error's values: a message wtlua prints as one line, without a
 * traceback (a usage error, a bad declaration: the user's mistake, not
 * the script's bug). */
#define PLAIN_ERROR_META "wtlua.error"

static int plain_error_tostring(lua_State *L)
{
    lua_getfield(L, 1, "message");
    return 1;
}

bool wt_plain_error_message(lua_State *L, int idx)
{
    if (!luaL_testudata(L, idx, PLAIN_ERROR_META))
        return false;
    lua_getiuservalue(L, idx, 1);
    return true;
}

/* wt.error(message [, level]): raises message, with the position of the
 * code at level (as error() does; 0: none) in front. */
static int wt_error(lua_State *L)
{
    luaL_checkstring(L, 1);
    int level = (int)luaL_optinteger(L, 2, 1);
    lua_settop(L, 1);
    if (level > 0) {
        luaL_where(L, level);
        lua_insert(L, 1);
        lua_concat(L, 2);
    }
    lua_newuserdatauv(L, 0, 1);
    lua_insert(L, 1);
    lua_setiuservalue(L, 1, 1);
    luaL_setmetatable(L, PLAIN_ERROR_META);
    return lua_error(L);
}

static void create_plain_error_meta(lua_State *L)
{
    luaL_newmetatable(L, PLAIN_ERROR_META);
    lua_pushcfunction(L, plain_error_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}

int luaopen_wt(lua_State *L)
{
    static const luaL_Reg functions[] = {
        { "read_string", wt_read_string }, { "read_bytes", wt_read_bytes },
        { "resolve_path", wt_resolve_path }, { "syscall_name", wt_syscall_name },
        { "syscall_nr", wt_syscall_nr },   { "errname", wt_errname },
        { "strerror", wt_strerror },       { "signame", wt_signame },
        { "now", wt_now },                 { "escape", wt_escape },
        { "realtime", wt_realtime },
        { "comm", wt_comm },               { "exe", wt_exe },
        { "error", wt_error },             { "fd_path", wt_fd_path },
        { "signature", wt_signature },     { "syscalls_in", wt_syscalls_in },
        { "exists", wt_exists },          { "stat", wt_stat },
        { NULL, NULL },
    };
    create_plain_error_meta(L);
    luaL_newlib(L, functions);
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        lua_pushinteger(L, constants[i].value);
        lua_setfield(L, -2, constants[i].name);
    }
    push_name_tables(L);
    lib_decode_register(L);
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
