/* The script's declarations (what wt.trace compiled, wt._declared) read
 * into the engine's struct interest. */
#ifndef WTLUA_DECLARE_H
#define WTLUA_DECLARE_H

#include <lua.h>
#include <stdbool.h>
#include <stddef.h>

#include "filter.h"

/* Reads the declarations below the top of the stack (wt._declared; nil:
 * nothing declared, every syscall) and the denials at the top (wt._denied,
 * or nil) into in, which this initialises; exit_hook: the script has
 * on_return.  Returns 0, or -1 with a one-line message naming the
 * declaration's position in err. */
int declare_read(lua_State *L, bool exit_hook, struct interest *in, char *err, size_t errsz);

#endif
