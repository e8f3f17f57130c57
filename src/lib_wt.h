/* The `wt` library: syscall, errno and signal names, readers for any
 * task's memory, the clock, escaping, and the constants scripts compare
 * arguments with. */
#ifndef WTLUA_LIB_WT_H
#define WTLUA_LIB_WT_H

#include <lua.h>

int luaopen_wt(lua_State *L);

#endif
