#include "lib_uring.h"

#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "memory.h"
#include "readers.h"

static void set_int(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

/* op[key] = the string at addr in the tracee, when it can be read. */
static void set_string(lua_State *L, pid_t tid, const char *key, uint64_t addr)
{
    int n = readers_push_string(L, tid, addr, READ_STRING_DEFAULT);
    lua_pop(L, n - 1);
    if (lua_isstring(L, -1))
        lua_setfield(L, -2, key);
    else
        lua_pop(L, 1);
}

/* flags, mode and resolve from the struct open_how an OPENAT2 entry points
 * to (len: its size as the program gave it). */
static void set_open_how(lua_State *L, pid_t tid, const struct io_uring_sqe *sqe)
{
    struct open_how how;
    memset(&how, 0, sizeof how);
    size_t len = sqe->len < sizeof how ? sqe->len : sizeof how;
    if (len == 0 || mem_read(tid, sqe->addr2, &how, len) != (ssize_t)len)
        return;
    set_int(L, "flags", (lua_Integer)how.flags);
    set_int(L, "mode", (lua_Integer)how.mode);
    set_int(L, "resolve", (lua_Integer)how.resolve);
}

/* The fields of the operations on paths, named as in the syscalls'
 * descriptions: the path the kernel copies at submission, relative to
 * dirfd; a second one (rename, link) relative to dirfd2. */
static void set_path_fields(lua_State *L, pid_t tid, const struct io_uring_sqe *sqe)
{
    switch (sqe->opcode) {
    case IORING_OP_OPENAT:
    case IORING_OP_OPENAT2:
    case IORING_OP_STATX:
    case IORING_OP_UNLINKAT:
    case IORING_OP_MKDIRAT:
    case IORING_OP_RENAMEAT:
    case IORING_OP_LINKAT:
        set_int(L, "dirfd", sqe->fd);
        set_string(L, tid, "path", sqe->addr);
        break;
    case IORING_OP_SYMLINKAT: /* the link is made at path, pointing to target */
        set_int(L, "dirfd", sqe->fd);
        set_string(L, tid, "target", sqe->addr);
        set_string(L, tid, "path", sqe->addr2);
        break;
    default:
        return;
    }
    switch (sqe->opcode) {
    case IORING_OP_OPENAT:
    case IORING_OP_MKDIRAT:
        set_int(L, "mode", sqe->len);
        break;
    case IORING_OP_OPENAT2:
        set_open_how(L, tid, sqe);
        break;
    case IORING_OP_STATX:
        set_int(L, "mask", sqe->len);
        break;
    case IORING_OP_RENAMEAT:
    case IORING_OP_LINKAT:
        set_int(L, "dirfd2", (int32_t)sqe->len);
        set_string(L, tid, "path2", sqe->addr2);
        break;
    }
}

void lib_uring_push_op(lua_State *L, const struct uring_submission *sub)
{
    const struct io_uring_sqe *sqe = &sub->sqe;
    lua_createtable(L, 0, 20);
    set_int(L, "pid", sub->pid);
    set_int(L, "tid", sub->tid);
    set_int(L, "ring", sub->ring_fd);
    set_int(L, "opcode", sqe->opcode);
    const char *name = uring_op_name(sqe->opcode);
    if (name)
        lua_pushstring(L, name);
    else
        lua_pushfstring(L, "op_%d", (int)sqe->opcode);
    lua_setfield(L, -2, "name");
    set_int(L, "user_data", (lua_Integer)sqe->user_data);
    set_int(L, "sqe_flags", sqe->flags);
    set_int(L, "fd", sqe->fd);
    set_int(L, "off", (lua_Integer)sqe->off);
    set_int(L, "addr", (lua_Integer)sqe->addr);
    set_int(L, "len", sqe->len);
    set_int(L, "flags", sqe->rw_flags); /* the op's own: open_flags, msg_flags... */
    bool by_slot = sqe->opcode == IORING_OP_OPENAT || sqe->opcode == IORING_OP_OPENAT2 ||
                   sqe->opcode == IORING_OP_CLOSE;
    if (by_slot && sqe->file_index) /* a slot of the registered files, not an fd */
        set_int(L, "file_index", sqe->file_index);
    set_path_fields(L, sub->tid, sqe);
}

void lib_uring_set_result(lua_State *L, int idx, const struct uring_completion *done)
{
    idx = lua_absindex(L, idx);
    lua_pushinteger(L, done->res);
    lua_setfield(L, idx, "res");
    if (done->res < 0) {
        lua_pushinteger(L, -done->res);
        lua_setfield(L, idx, "errno");
    }
    lua_pushinteger(L, done->flags);
    lua_setfield(L, idx, "cqe_flags");
    lua_pushboolean(L, done->flags & IORING_CQE_F_MORE);
    lua_setfield(L, idx, "more");
}
