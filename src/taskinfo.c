#include "taskinfo.h"

#include <lauxlib.h>
#include <limits.h>

#include "procfs.h"
#include "readers.h"
#include "source.h"

/* Two registry tables: comm by tid, exe by pid. */
static const char comm_key = 'C', exe_key = 'E';

void taskinfo_open(lua_State *L)
{
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &comm_key);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &exe_key);
}

/* Pushes cache[id] when known and returns 1; else leaves the cache table
 * on the stack and returns 0. */
static int cached(lua_State *L, const char *key, pid_t id)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    if (lua_rawgeti(L, -1, id) != LUA_TNIL) {
        lua_remove(L, -2);
        return 1;
    }
    lua_pop(L, 1);
    return 0;
}

/* cache (at the top) [id] = the string below it; leaves the string. */
static int remember(lua_State *L, pid_t id)
{
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, id);
    lua_remove(L, -2);
    return 1;
}

int taskinfo_push_comm(lua_State *L, pid_t tid)
{
    if (cached(L, &comm_key, tid))
        return 1;
    char comm[16];
    int rc = tracee_source ? tracee_source->comm(tracee_source->ctx, tid, comm)
                           : procfs_comm(tid, comm);
    if (rc < 0) {
        lua_pop(L, 1);
        return readers_push_error(L, -rc);
    }
    lua_pushstring(L, comm);
    return remember(L, tid);
}

int taskinfo_push_exe(lua_State *L, pid_t pid)
{
    if (cached(L, &exe_key, pid))
        return 1;
    char exe[PATH_MAX];
    ssize_t n = tracee_source ? tracee_source->exe(tracee_source->ctx, pid, exe, sizeof exe)
                              : procfs_readlink(pid, "exe", exe, sizeof exe);
    if (n < 0) {
        lua_pop(L, 1);
        return readers_push_error(L, (int)-n);
    }
    lua_pushlstring(L, exe, (size_t)n);
    return remember(L, pid);
}

static void forget(lua_State *L, const char *key, pid_t id)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    lua_pushnil(L);
    lua_rawseti(L, -2, id);
    lua_pop(L, 1);
}

void taskinfo_forget(lua_State *L, pid_t tid)
{
    forget(L, &comm_key, tid);
    forget(L, &exe_key, tid);
}
