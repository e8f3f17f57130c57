/* Decoded syscalls as Lua tables: what sc:decode returns. */
#ifndef WTLUA_LUA_SINK_H
#define WTLUA_LUA_SINK_H

#include <lua.h>

#include "decode.h"

/* Sets up the sink's registry entries; once per Lua state. */
void lsink_open(lua_State *L);

/* Pushes ev decoded as { name =, args = { ... }, ret =, error =, aux = }.
 * At an entry: the name and the arguments known at the entry.  At an
 * exit: with entry (a stack index; 0 for none) the table the entry made,
 * completed; without, the whole call. */
void lsink_decode(lua_State *L, const struct syscall_event *ev, const struct decode_opts *opts,
                  int entry);

#endif
