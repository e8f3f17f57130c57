/* The syscall object `sc` that on_enter and on_return receive: one
 * userdata for the whole run, showing the event of the hook being called. */
#ifndef WTLUA_LIB_SYSCALL_H
#define WTLUA_LIB_SYSCALL_H

#include <lua.h>

#include "stop.h"

/* Creates the object and its metatable and leaves the object on the
 * stack.  Returns its slot: point it at the event before calling a hook,
 * and clear it after, so that a kept `sc` raises instead of showing
 * another call. */
struct syscall_event **syscall_object_new(lua_State *L);

#endif
