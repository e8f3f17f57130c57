/* Tracee memory and paths as Lua values: what sc:string, sc:bytes,
 * sc:path and the wt.read_* functions return.  Each pushes the value; the
 * value and "truncated" when only part of it could be read; or nil and a
 * message.  A bad address is never a Lua error: tracee memory is untrusted. */
#ifndef WTLUA_READERS_H
#define WTLUA_READERS_H

#include <lua.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Default and largest sizes of a read. */
#define READ_STRING_DEFAULT 4096
#define READ_CAP_MAX (1u << 20)

/* Sets up the buffer the readers share; call once per Lua state. */
void readers_open(lua_State *L);

/* The optional size argument at idx (1..READ_CAP_MAX), dflt when absent. */
size_t readers_check_cap(lua_State *L, int idx, size_t dflt);

/* Pushes nil and strerror(err); returns 2. */
int readers_push_error(lua_State *L, int err);

int readers_push_string(lua_State *L, pid_t pid, uint64_t addr, size_t cap);
/* len_arg: the Lua argument the length came from, for its error. */
int readers_push_bytes(lua_State *L, pid_t pid, uint64_t addr, lua_Integer len, int len_arg);
/* The path at addr, made absolute from dirfd (AT_FDCWD: the cwd). */
int readers_push_path(lua_State *L, pid_t tid, int64_t dirfd, uint64_t addr);
/* What descriptor fd of thread tid is, as the kernel names it (readlink of
 * /proc/TID/fd/FD): a path; "pipe:[N]", "socket:[N]", "anon_inode:[...]";
 * for a file no longer linked anywhere, its last path and "deleted". */
int readers_push_fd_path(lua_State *L, pid_t tid, int64_t fd);
/* The same for a path wtlua already has. */
int readers_push_resolved(lua_State *L, pid_t tid, int64_t dirfd, const char *path);

#endif
