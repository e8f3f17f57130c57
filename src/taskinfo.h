/* What a traced task is: its name (comm) and program (exe), read from
 * /proc when first asked and kept until the task execs or exits, so that a
 * name is never carried across an exec. */
#ifndef WTLUA_TASKINFO_H
#define WTLUA_TASKINFO_H

#include <lua.h>
#include <sys/types.h>

/* Sets up the caches; call once per Lua state. */
void taskinfo_open(lua_State *L);

/* Push the thread's name / the process's program path, or nil and a message. */
int taskinfo_push_comm(lua_State *L, pid_t tid);
int taskinfo_push_exe(lua_State *L, pid_t pid);

/* Drops what is known of tid (and of its process when tid is its first
 * thread): at exec and exit. */
void taskinfo_forget(lua_State *L, pid_t tid);

#endif
