/* The `wt` library: syscall, errno and signal names, readers for any
 * task's memory, the clock, escaping, and the constants scripts compare
 * arguments with. */
#ifndef WTLUA_LIB_WT_H
#define WTLUA_LIB_WT_H

#include <lua.h>
#include <stdbool.h>

int luaopen_wt(lua_State *L);

/* When the value at idx was raised by wt.error: pushes its message (one
 * line, shown without a traceback) and returns true. */
bool wt_plain_error_message(lua_State *L, int idx);

#endif
