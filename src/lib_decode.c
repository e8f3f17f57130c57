#include "lib_decode.h"

#include <lauxlib.h>
#include <stdlib.h>

#include "lua_sink.h"

static const char state_key = 'D';

static int state_gc(lua_State *L)
{
    struct decoding *d = lua_touserdata(L, 1);
    dtext_free(&d->text);
    return 0;
}

void decoding_push(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &state_key) == LUA_TUSERDATA)
        return;
    lua_pop(L, 1);
    struct decoding *d = lua_newuserdatauv(L, sizeof *d, 0);
    d->opts = (struct decode_opts){ .string_limit = DECODE_STRING_LIMIT };
    dtext_init(&d->text);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, state_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &state_key);
    lsink_open(L);
}

struct decoding *decoding_state(lua_State *L)
{
    decoding_push(L);
    struct decoding *d = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return d;
}

static void push_options(lua_State *L, const struct decode_opts *o)
{
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, o->string_limit);
    lua_setfield(L, -2, "string_limit");
    lua_pushboolean(L, o->fd_paths);
    lua_setfield(L, -2, "fd_paths");
    lua_pushboolean(L, o->verbose);
    lua_setfield(L, -2, "verbose");
}

/* wt.decode_options([t]): sets what t has of string_limit (strace -s),
 * fd_paths (-y) and verbose (-v) for sc:format and sc:decode; returns
 * the options as they were. */
static int wt_decode_options(lua_State *L)
{
    struct decoding *d = decoding_state(L);
    push_options(L, &d->opts);
    if (lua_isnoneornil(L, 1))
        return 1;
    luaL_checktype(L, 1, LUA_TTABLE);
    struct decode_opts o = d->opts;
    if (lua_getfield(L, 1, "string_limit") != LUA_TNIL) {
        lua_Integer n = luaL_checkinteger(L, -1);
        luaL_argcheck(L, n >= 0 && n <= 1 << 20, 1, "string_limit must be 0..1048576");
        o.string_limit = (unsigned)n;
    }
    if (lua_getfield(L, 1, "fd_paths") != LUA_TNIL)
        o.fd_paths = lua_toboolean(L, -1);
    if (lua_getfield(L, 1, "verbose") != LUA_TNIL)
        o.verbose = lua_toboolean(L, -1);
    lua_pop(L, 3);
    d->opts = o;
    return 1;
}

void lib_decode_register(lua_State *L)
{
    static const luaL_Reg functions[] = {
        { "decode_options", wt_decode_options },
        { NULL, NULL },
    };
    luaL_setfuncs(L, functions, 0);
}
