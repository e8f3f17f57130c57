/* The table on_uring and on_uring_complete get for one io_uring operation:
 * the submission queue entry's fields, decoded by opcode (paths read from
 * the tracee at submission, as the kernel reads them), and its result. */
#ifndef WTLUA_LIB_URING_H
#define WTLUA_LIB_URING_H

#include <lua.h>

#include "uring.h"

/* Pushes a new table for the operation sub submitted. */
void lib_uring_push_op(lua_State *L, const struct uring_submission *sub);

/* Sets the completion's fields (res, errno, cqe_flags, more) in the table
 * at idx. */
void lib_uring_set_result(lua_State *L, int idx, const struct uring_completion *done);

#endif
