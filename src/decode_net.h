/* Socket addresses, iovecs and the socket calls (decode_net.c). */
#ifndef WTLUA_DECODE_NET_H
#define WTLUA_DECODE_NET_H

#include "decode_impl.h"

/* A sockaddr of len bytes at addr; returns its family, or -1 when only
 * the address could be shown. */
int d_sockaddr(struct dcall *c, uint64_t addr, int64_t len);
/* count iovecs at addr: [{iov_base="...", iov_len=5}, ...], showing up to
 * data_size bytes in all (UINT64_MAX: each whole); data false: the bases
 * as addresses. */
void d_iovecs(struct dcall *c, uint64_t addr, uint64_t count, uint64_t data_size, bool data);
/* The socket calls' and the vector I/O calls' entries, or NULL. */
const struct dspecial *dnet_special(const char *name);

#endif
