/* wt.decode_options, and the state sc:format and sc:decode share: the
 * options and a text buffer. */
#ifndef WTLUA_LIB_DECODE_H
#define WTLUA_LIB_DECODE_H

#include <lua.h>

#include "decode.h"

struct decoding {
    struct decode_opts opts;
    struct dtext text;      /* reused by every sc:format */
};

/* The state's userdata, created on first use; pushes nothing. */
struct decoding *decoding_state(lua_State *L);
/* Pushes the state's userdata (to keep as an upvalue). */
void decoding_push(lua_State *L);

/* Adds wt.decode_options to the table on the top of the stack. */
void lib_decode_register(lua_State *L);

#endif
