/* Call stacks of stopped tracee threads (sc:stack), unwound with elfutils'
 * libdwfl from the thread's registers and the modules' CFI, as strace -k
 * does.  What libdwfl knows of a process (its modules, their symbols and
 * debug information) is kept per process until it execs or exits. */
#ifndef WTLUA_UNWIND_H
#define WTLUA_UNWIND_H

#include <lua.h>
#include <sys/types.h>

/* The frames sc:stack returns when not told how many, and the most. */
#define UNWIND_FRAMES_DEFAULT 256
#define UNWIND_FRAMES_MAX 4096

/* Pushes the stack of thread tid of process pid, which must be in a
 * ptrace-stop, innermost frame first: a list of tables { pc, module, name,
 * offset, file, line } (each field where known), at most max_frames long.
 * Returns 1, or pushes nil and a message and returns 2. */
int unwind_push_stack(lua_State *L, pid_t pid, pid_t tid, int max_frames);

/* The optional max_frames argument at idx. */
int unwind_check_max_frames(lua_State *L, int idx);

/* t:stack([max_frames]) for an event table t with the pid and tid of a
 * thread stopped while its hook runs (on_signal's). */
int unwind_stack_method(lua_State *L);

/* Drops what is known of process pid's modules: at its exec and exit. */
void unwind_forget(lua_State *L, pid_t pid);

#endif
