#include "readers.h"

#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memory.h"
#include "paths.h"
#include "procfs.h"
#include "source.h"

/* One buffer for every read, grown to the largest and reused: reading a
 * path costs no allocation.  It lives in a userdata in the registry, so
 * that closing the state frees it. */
struct scratch {
    char *buf;
    size_t size;
};

static const char scratch_key = 'R';
/* pids already warned about as unreadable */
static const char warned_key = 'W';

static int scratch_gc(lua_State *L)
{
    struct scratch *s = lua_touserdata(L, 1);
    free(s->buf);
    s->buf = NULL;
    return 0;
}

void readers_open(lua_State *L)
{
    struct scratch *s = lua_newuserdatauv(L, sizeof *s, 0);
    s->buf = NULL;
    s->size = 0;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, scratch_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &scratch_key);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &warned_key);
}

static char *scratch(lua_State *L, size_t size)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &scratch_key);
    struct scratch *s = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (size > s->size) {
        char *buf = realloc(s->buf, size);
        if (!buf)
            luaL_error(L, "out of memory");
        s->buf = buf;
        s->size = size;
    }
    return s->buf;
}

size_t readers_check_cap(lua_State *L, int idx, size_t dflt)
{
    lua_Integer cap = luaL_optinteger(L, idx, (lua_Integer)dflt);
    luaL_argcheck(L, cap > 0 && cap <= READ_CAP_MAX, idx, "size must be 1..1048576");
    return (size_t)cap;
}

int readers_push_error(lua_State *L, int err)
{
    luaL_pushfail(L);
    lua_pushstring(L, err == SOURCE_ENOTCAPTURED ? path_strerror(-err) : strerror(err));
    return 2;
}

/* A tracee whose memory or descriptors the kernel keeps from wtlua: say
 * so once per process, since every read of it will fail. */
static void warn_unreadable(lua_State *L, pid_t pid)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &warned_key);
    bool warned = lua_rawgeti(L, -1, pid) != LUA_TNIL;
    lua_pop(L, 1);
    if (!warned) {
        lua_pushboolean(L, 1);
        lua_rawseti(L, -2, pid);
        char comm[16] = "?";
        procfs_comm(pid, comm);
        fprintf(stderr, "wtlua: cannot read process %d (%s): it is not dumpable (it set "
                        "PR_SET_DUMPABLE to 0, or runs a program it may not read) and wtlua is "
                        "not privileged; what it passes by pointer stays unknown\n",
                (int)pid, comm);
    }
    lua_pop(L, 1);
}

/* nil, message for a read of pid that failed with err.  A memory read
 * of a tracee the kernel keeps from us fails as a bad address would (the
 * fallback, PTRACE_PEEKDATA, says EIO): its /proc directory then belongs
 * to root, where a dumpable process's belongs to its owner. */
static int read_failed(lua_State *L, pid_t pid, int err)
{
    if (err == EFAULT && geteuid() != 0 && !procfs_owned_by_us(pid))
        err = EPERM;
    if (err == EPERM || err == EACCES)
        warn_unreadable(L, pid);
    return readers_push_error(L, err);
}

int readers_push_string(lua_State *L, pid_t pid, uint64_t addr, size_t cap)
{
    if (addr == 0)
        return readers_push_error(L, EFAULT);
    char *buf = scratch(L, cap + 1);
    bool truncated;
    ssize_t n = mem_read_string(pid, addr, buf, cap, &truncated);
    if (n < 0)
        return read_failed(L, pid, (int)-n);
    lua_pushlstring(L, buf, (size_t)n);
    if (!truncated)
        return 1;
    lua_pushliteral(L, "truncated");
    return 2;
}

int readers_push_bytes(lua_State *L, pid_t pid, uint64_t addr, lua_Integer len, int len_arg)
{
    luaL_argcheck(L, len >= 0 && len <= READ_CAP_MAX, len_arg, "length must be 0..1048576");
    if (len == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    char *buf = scratch(L, (size_t)len);
    ssize_t n = mem_read(pid, addr, buf, (size_t)len);
    if (n < 0)
        return read_failed(L, pid, (int)-n);
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

int readers_push_resolved(lua_State *L, pid_t tid, int64_t dirfd, const char *path)
{
    char *buf = scratch(L, PATH_MAX);
    int rc = path_resolve(tid, dirfd, path, buf, PATH_MAX);
    if (rc < 0)
        return push_path_error(L, rc);
    lua_pushstring(L, buf);
    return 1;
}

int readers_push_path(lua_State *L, pid_t tid, int64_t dirfd, uint64_t addr)
{
    if (addr == 0)
        return readers_push_error(L, EFAULT);
    char *buf = scratch(L, 2 * PATH_MAX + 1);
    char *raw = buf + PATH_MAX;
    bool truncated;
    ssize_t n = mem_read_string(tid, addr, raw, PATH_MAX, &truncated);
    if (n < 0)
        return read_failed(L, tid, (int)-n);
    if (truncated) /* no NUL in PATH_MAX bytes, or unreadable before one */
        return readers_push_error(L, n == PATH_MAX ? ENAMETOOLONG : EFAULT);
    int rc = path_resolve(tid, dirfd, raw, buf, PATH_MAX);
    if (rc < 0)
        return push_path_error(L, rc);
    lua_pushstring(L, buf);
    return 1;
}

int readers_push_fd_path(lua_State *L, pid_t tid, int64_t fd)
{
    if (fd < 0 || fd > INT32_MAX)
        return readers_push_error(L, EBADF);
    char link[32], *buf = scratch(L, PATH_MAX);
    snprintf(link, sizeof link, "fd/%d", (int)fd);
    enum path_kind kind;
    int rc = path_read_link(tid, link, buf, PATH_MAX, &kind);
    if (rc == -ENOENT) /* no such descriptor (a gone task is ESRCH) */
        rc = -EBADF;
    if (rc == -EACCES || rc == -EPERM)
        return read_failed(L, tid, -rc);
    if (rc < 0)
        return push_path_error(L, rc);
    lua_pushstring(L, buf);
    if (kind != PATH_DELETED)
        return 1;
    lua_pushliteral(L, "deleted");
    return 2;
}
