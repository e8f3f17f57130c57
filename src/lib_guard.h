/* The parts of Lua's standard library that wtlua replaces, so that a
 * script cannot harm the command or outrun an interrupt: os.exit ends the
 * script, not wtlua (and so not the command); io.popen and os.execute
 * children are wtlua's own, kept apart from the tracees; coroutine.resume
 * and coroutine.wrap keep track of the Lua thread that runs, so that an
 * interrupt reaches it; and package.path and package.cpath leave out the
 * current directory, so that --json never loads a ./cjson.lua. */
#ifndef WTLUA_LIB_GUARD_H
#define WTLUA_LIB_GUARD_H

#include <lua.h>
#include <signal.h>
#include <stdbool.h>

enum guard_stop {
    GUARD_RUN,          /* nothing asked */
    GUARD_INTERRUPT,    /* raise "interrupted" until the hook returns */
    GUARD_EXIT,         /* os.exit was called: unwind until the hook returns */
};

struct guard {
    lua_State *main;
    lua_State *volatile running;        /* the Lua thread running now */
    volatile sig_atomic_t stop;         /* enum guard_stop */
    bool exit_requested;                /* os.exit was called ... */
    int exit_code;                      /* ... with this status */
};

/* Installs the replacements in L; g must live as long as L. */
void guard_open(lua_State *L, struct guard *g);

/* Async-signal-safe: makes the running Lua code raise "interrupted" at its
 * next instruction, and again at every instruction until the protected
 * call returns (a pcall in the script cannot swallow it). */
void guard_interrupt(struct guard *g);

/* After a protected call returns: nothing more is raised. */
void guard_call_done(struct guard *g);

/* Whether the value at idx is the error os.exit raises. */
bool guard_is_exit(lua_State *L, int idx);

#endif
