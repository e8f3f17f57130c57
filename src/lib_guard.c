#include "lib_guard.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"

static const char guard_key = 'G';
/* The error value os.exit raises: its address. */
static const char exit_error = 'X';

static struct guard *guard_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &guard_key);
    struct guard *g = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return g;
}

bool guard_is_exit(lua_State *L, int idx)
{
    return lua_touserdata(L, idx) == &exit_error;
}

/* The count hook of an interrupted or exiting Lua thread. */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct guard *g = guard_of(L);
    switch (g->stop) {
    case GUARD_INTERRUPT:
        luaL_error(L, "interrupted");
        break;
    case GUARD_EXIT:
        lua_pushlightuserdata(L, (void *)&exit_error);
        lua_error(L);
        break;
    default: /* a coroutine left with the hook from an earlier call */
        lua_sethook(L, NULL, 0, 0);
        break;
    }
}

static void arm(lua_State *L)
{
    lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
}

void guard_interrupt(struct guard *g)
{
    g->stop = GUARD_INTERRUPT;
    arm(g->running);
}

void guard_call_done(struct guard *g)
{
    g->stop = GUARD_RUN;
    g->running = g->main;
    lua_sethook(g->main, NULL, 0, 0);
}

/* ---- coroutines ---- */

/* lua_resume with the running thread tracked, and the stop hook carried
 * into the coroutine and back out of it. */
static int resume_tracked(lua_State *L, lua_State *co, int nargs, int *nresults)
{
    struct guard *g = guard_of(L);
    lua_State *caller = g->running;
    g->running = co;
    if (g->stop != GUARD_RUN)
        arm(co);
    int status = lua_resume(co, L, nargs, nresults);
    g->running = caller;
    if (g->stop != GUARD_RUN)
        arm(caller);
    return status;
}

/* lcorolib.c's auxresume: the coroutine's results, or -1 with the error
 * message on L's stack. */
static int resume(lua_State *L, lua_State *co, int narg)
{
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    if (lua_status(co) == LUA_OK && lua_gettop(co) == 0) {
        lua_pushliteral(L, "cannot resume dead coroutine");
        return -1;
    }
    lua_xmove(L, co, narg);
    int nres;
    int status = resume_tracked(L, co, narg, &nres);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int co_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int r = resume(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

/* lcorolib.c's auxwrap, through the tracked resume. */
static int wrapped(lua_State *L)
{
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = resume(L, co, lua_gettop(L));
    if (r >= 0)
        return r;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) { /* an error in the coroutine */
        status = lua_resetthread(co);
        lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int co_wrap(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, wrapped, 1);
    return 1;
}

/* ---- os.exit, os.execute, io.popen ---- */

/* Ends the script, not wtlua: no hook runs after it, the command runs on,
 * and wtlua exits with the status given once the command has ended. */
static int os_exit(lua_State *L)
{
    struct guard *g = guard_of(L);
    int code = lua_isboolean(L, 1) ? (lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE)
                                   : (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
    g->exit_requested = true;
    g->exit_code = code & 0xff;
    g->stop = GUARD_EXIT;
    arm(L);
    lua_pushlightuserdata(L, (void *)&exit_error);
    return lua_error(L);
}

static int os_execute(lua_State *L)
{
    const char *command = luaL_optstring(L, 1, NULL);
    if (!command) {
        lua_pushboolean(L, access("/bin/sh", X_OK) == 0);
        return 1;
    }
    int status;
    pid_t pid = children_spawn(command);
    if (pid < 0 || children_wait(pid, &status) < 0)
        return luaL_fileresult(L, 0, NULL);
    errno = 0; /* luaL_execresult takes a non-zero status with errno set as a failure */
    return luaL_execresult(L, status);
}

/* io.popen's files: which child each belongs to. */
static const char popen_pids_key = 'P';

static int popen_close(lua_State *L)
{
    luaL_Stream *p = luaL_checkudata(L, 1, LUA_FILEHANDLE);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &popen_pids_key);
    lua_rawgetp(L, -1, p);
    pid_t pid = (pid_t)lua_tointeger(L, -1);
    lua_pushnil(L);
    lua_rawsetp(L, -3, p);
    lua_pop(L, 2);
    fclose(p->f);
    int status;
    if (children_wait(pid, &status) < 0)
        return luaL_fileresult(L, 0, NULL);
    errno = 0; /* as in os_execute */
    return luaL_execresult(L, status);
}

static int io_popen(lua_State *L)
{
    const char *command = luaL_checkstring(L, 1);
    const char *mode = luaL_optstring(L, 2, "r");
    luaL_argcheck(L, (mode[0] == 'r' || mode[0] == 'w') && mode[1] == '\0', 2, "invalid mode");
    luaL_Stream *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->closef = NULL; /* a closed file until it is open */
    luaL_setmetatable(L, LUA_FILEHANDLE);
    int fd;
    pid_t pid = children_popen(command, mode[0] == 'w', &fd);
    if (pid < 0)
        return luaL_fileresult(L, 0, command);
    p->f = fdopen(fd, mode);
    if (!p->f) {
        int err = errno;
        close(fd);
        int status;
        children_wait(pid, &status);
        errno = err;
        return luaL_fileresult(L, 0, command);
    }
    p->closef = popen_close;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &popen_pids_key);
    lua_pushinteger(L, pid);
    lua_rawsetp(L, -2, p);
    lua_pop(L, 1);
    return 1;
}

/* ---- installing ---- */

static void replace(lua_State *L, const char *lib, const char *name, lua_CFunction fn)
{
    lua_getglobal(L, lib);
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/* Removes the "./..." templates from package[field], unless the user set
 * the path through the environment (then it is theirs). */
static void drop_current_dir(lua_State *L, const char *field, const char *env_new,
                             const char *env_old)
{
    if (getenv(env_new) || getenv(env_old))
        return;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, field);
    const char *path = lua_tostring(L, -1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    bool first = true;
    while (path && *path) {
        size_t len = strcspn(path, ";");
        if (len > 0 && strncmp(path, "./", 2) != 0) {
            if (!first)
                luaL_addchar(&b, ';');
            luaL_addlstring(&b, path, len);
            first = false;
        }
        path += len + (path[len] == ';');
    }
    luaL_pushresult(&b);
    lua_setfield(L, -3, field);
    lua_pop(L, 2);
}

void guard_open(lua_State *L, struct guard *g)
{
    g->main = L;
    g->running = L;
    g->stop = GUARD_RUN;
    g->exit_requested = false;
    lua_pushlightuserdata(L, g);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &guard_key);
    lua_newtable(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &popen_pids_key);
    replace(L, "coroutine", "resume", co_resume);
    replace(L, "coroutine", "wrap", co_wrap);
    replace(L, "os", "exit", os_exit);
    replace(L, "os", "execute", os_execute);
    replace(L, "io", "popen", io_popen);
    drop_current_dir(L, "path", "LUA_PATH" LUA_VERSUFFIX, "LUA_PATH");
    drop_current_dir(L, "cpath", "LUA_CPATH" LUA_VERSUFFIX, "LUA_CPATH");
}
