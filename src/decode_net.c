/* Sockets: addresses of every family strace decodes here (AF_UNIX,
 * AF_INET, AF_INET6, AF_NETLINK; others as raw bytes), and the socket
 * calls, as strace shows them.  Also the iovec arrays of readv, writev
 * and msghdr, with their data. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "decode_impl.h"
#include "decode_net.h"

/* ---- addresses ---- */

static void inet_address(struct dcall *c, int af, const void *addr, const char *field)
{
    char text[INET6_ADDRSTRLEN], expr[INET6_ADDRSTRLEN + 64];
    if (af == AF_INET6)
        d_unshown_field(c, field);
    else
        d_field(c, field);
    if (!inet_ntop(af, addr, text, sizeof text)) {
        c->out->ops->string(c->out, addr, af == AF_INET ? 4 : 16, DSTR_HEX);
        return;
    }
    if (af == AF_INET)
        snprintf(expr, sizeof expr, "inet_addr(\"%s\")", text);
    else
        snprintf(expr, sizeof expr, "inet_pton(AF_INET6, \"%s\", &%s)", text, field);
    d_symtext(c, expr, text);
}

static void net_port(struct dcall *c, const char *field, uint16_t port)
{
    char text[24];
    snprintf(text, sizeof text, "htons(%u)", ntohs(port));
    d_field(c, field);
    d_numtext(c, ntohs(port), text);
}

/* The bytes of a sockaddr_storage (len of them valid, the rest zero). */
static void sockaddr_print(struct dcall *c, const unsigned char *b, int len)
{
    uint16_t family;
    memcpy(&family, b, sizeof family);
    d_begin(c, false);
    d_field(c, "sa_family");
    d_xlat(c, "address_family", family);
    if (len <= 2) {
        d_end(c, false);
        return;
    }
    if (family == AF_UNIX) {
        const struct sockaddr_un *un = (const void *)b;
        int path_len = (len > (int)sizeof *un ? (int)sizeof *un : len) - 2;
        d_field(c, "sun_path");
        if (un->sun_path[0]) {
            size_t n = strnlen(un->sun_path, (size_t)path_len);
            c->out->ops->string(c->out, un->sun_path, n, 0);
        } else { /* abstract: @"name" */
            struct dtext t;
            dtext_init(&t);
            dtext_append(&t, "@", 1);
            dtext_quote(&t, un->sun_path + 1, (size_t)(path_len - 1), 0);
            char value[sizeof un->sun_path + 1];
            value[0] = '@';
            memcpy(value + 1, un->sun_path + 1, (size_t)(path_len - 1));
            value[path_len] = '\0';
            d_symtext(c, t.buf ? t.buf : "@", value);
            dtext_free(&t);
        }
    } else if (family == AF_INET && len >= (int)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const void *)b;
        net_port(c, "sin_port", in->sin_port);
        inet_address(c, AF_INET, &in->sin_addr, "sin_addr");
    } else if (family == AF_INET6 && len >= 24) {
        const struct sockaddr_in6 *in6 = (const void *)b;
        char text[32];
        net_port(c, "sin6_port", in6->sin6_port);
        snprintf(text, sizeof text, "htonl(%u)", ntohl(in6->sin6_flowinfo));
        d_field(c, "sin6_flowinfo");
        d_numtext(c, ntohl(in6->sin6_flowinfo), text);
        inet_address(c, AF_INET6, &in6->sin6_addr, "sin6_addr");
        if (len > 24) {
            d_field(c, "sin6_scope_id");
            d_uint(c, in6->sin6_scope_id);
        }
    } else if (family == AF_NETLINK && len >= (int)sizeof(struct sockaddr_nl)) {
        const struct sockaddr_nl *nl = (const void *)b;
        char text[24];
        if (nl->nl_pad) {
            d_field(c, "nl_pad");
            d_hex(c, nl->nl_pad);
        }
        d_field(c, "nl_pid");
        d_int(c, (int32_t)nl->nl_pid);
        snprintf(text, sizeof text, "%#08x", nl->nl_groups);
        d_field(c, "nl_groups");
        d_numtext(c, nl->nl_groups, text);
    } else {
        d_field(c, "sa_data");
        c->out->ops->string(c->out, (const char *)b + 2, (size_t)len - 2, 0);
    }
    d_end(c, false);
}

int d_sockaddr(struct dcall *c, uint64_t addr, int64_t len)
{
    unsigned char b[sizeof(struct sockaddr_storage) + 1] = { 0 };
    if (len < 2) {
        d_ptr(c, addr);
        return -1;
    }
    if (len > (int64_t)sizeof(struct sockaddr_storage))
        len = sizeof(struct sockaddr_storage);
    if (!d_fetch(c, addr, b, (size_t)len))
        return -1;
    sockaddr_print(c, b, (int)len);
    uint16_t family;
    memcpy(&family, b, sizeof family);
    return family;
}

/* [16] or [16 => 8]: a socklen_t the kernel changed. */
static void len_change(struct dcall *c, int64_t before, int64_t after)
{
    char text[48];
    if (before == after)
        snprintf(text, sizeof text, "[%" PRId64 "]", after);
    else
        snprintf(text, sizeof text, "[%" PRId64 " => %" PRId64 "]", before, after);
    d_numtext(c, after, text);
}

/* ---- iovecs ---- */

void d_iovecs(struct dcall *c, uint64_t addr, uint64_t count, uint64_t data_size, bool data)
{
    unsigned w = d_wordsize(c);
    if (!addr) {
        d_ptr(c, 0);
        return;
    }
    d_begin(c, true);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t base, len;
        if (!d_read_word(c, addr + i * 2 * w, &base) ||
            !d_read_word(c, addr + i * 2 * w + w, &len)) {
            if (i == 0) { /* strace shows the address alone: the [ was not yet opened */
                d_end(c, false);
                return;
            }
            char where[32];
            snprintf(where, sizeof where, "%#" PRIx64, addr + i * 2 * w);
            d_sym(c, "...");
            d_comment(c, where);
            break;
        }
        if (!c->opts->verbose && i >= c->opts->string_limit) {
            d_end(c, true);
            return;
        }
        uint64_t shown = len < data_size ? len : data_size;
        if (data_size != UINT64_MAX)
            data_size -= shown;
        d_begin(c, false);
        d_field(c, "iov_base");
        if (data)
            d_buf(c, base, shown, 0);
        else
            d_ptr(c, base);
        d_field(c, "iov_len");
        d_uint(c, len);
        d_end(c, false);
    }
    d_end(c, false);
}

static int dec_writev(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    d_arg(c, 0);
    d_argname(c, 1);
    d_iovecs(c, c->args[1], c->args[2], UINT64_MAX, true);
    d_arg(c, 2);
    return DEC_DONE;
}

static int dec_readv(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_arg(c, 0);
        return DEC_MORE;
    }
    d_argname(c, 1);
    d_iovecs(c, c->args[1], c->args[2], d_failed(c) ? 0 : (uint64_t)d_ret(c), !d_failed(c));
    d_arg(c, 2);
    return DEC_DONE;
}

static int dec_pwritev(struct dcall *c)
{
    dec_writev(c);
    if (!d_exiting(c))
        d_args(c, 3, c->ent->nargs);
    return DEC_DONE;
}

static int dec_preadv(struct dcall *c)
{
    if (dec_readv(c) == DEC_MORE)
        return DEC_MORE;
    d_args(c, 3, c->ent->nargs);
    return DEC_DONE;
}

/* ---- socket calls ---- */

static int dec_socket(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    uint64_t domain = (uint32_t)c->args[0], proto = (uint32_t)c->args[2];
    d_argname(c, 0);
    d_xlat(c, "address_family", domain);
    d_argname(c, 1);
    d_xlat(c, "socket_type", c->args[1]);
    d_argname(c, 2);
    d_xlat_keyed(c, "socket_protocol", domain, proto);
    return DEC_DONE;
}

static int dec_socketpair(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_xlat(c, "address_family", c->args[0]);
        d_argname(c, 1);
        d_xlat(c, "socket_type", c->args[1]);
        d_argname(c, 2);
        d_uint(c, (uint32_t)c->args[2]);
        return DEC_MORE;
    }
    d_arg(c, 3);
    return DEC_DONE;
}

/* connect, bind: fd, address, its length */
static int dec_connect(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    d_arg(c, 0);
    d_argname(c, 1);
    d_sockaddr(c, c->args[1], (int32_t)c->args[2]);
    d_argname(c, 2);
    d_int(c, (int32_t)c->args[2]);
    return DEC_DONE;
}

/* The socklen_t at addr, as strace's fetch_socklen. */
static bool socklen(struct dcall *c, uint64_t addr, uint64_t len_addr, int32_t *len)
{
    return addr && len_addr && d_read(c, len_addr, len, sizeof *len);
}

/* accept, accept4, getsockname, getpeername: fd, address, [len => len] */
static int sockname(struct dcall *c)
{
    uint64_t addr = c->args[1], len_addr = c->args[2], kept;
    int32_t ulen, rlen;
    if (!d_exiting(c)) {
        d_arg(c, 0);
        if (socklen(c, addr, len_addr, &ulen)) {
            d_save(c, (uint32_t)ulen);
            return DEC_MORE;
        }
        d_argname(c, 1);
        d_ptr(c, addr);
        d_argname(c, 2);
        d_ptr(c, len_addr);
        return DEC_DONE;
    }
    if (!d_saved(c, &kept))
        return DEC_DONE; /* all was shown at the entry */
    ulen = (int32_t)kept;
    d_argname(c, 1);
    if (d_failed(c) || !d_read(c, len_addr, &rlen, sizeof rlen)) {
        d_ptr(c, addr);
        d_argname(c, 2);
        len_change(c, ulen, ulen);
    } else {
        d_sockaddr(c, addr, ulen > rlen ? rlen : ulen);
        d_argname(c, 2);
        len_change(c, ulen, rlen);
    }
    return DEC_DONE;
}

static int dec_sockname(struct dcall *c)
{
    return sockname(c);
}

static int dec_accept4(struct dcall *c)
{
    uint64_t kept;
    bool at_exit = d_exiting(c) && d_saved(c, &kept);
    int rc = sockname(c);
    if (d_exiting(c) ? at_exit : rc == DEC_DONE) { /* after the address, wherever it went */
        d_argname(c, 3);
        d_xlat(c, "accept4_flags", c->args[3]);
    }
    return rc;
}

/* strace decodes a netlink socket's messages; wtlua shows their bytes */
static void sock_buffer(struct dcall *c, uint64_t addr, uint64_t len)
{
    d_buf(c, addr, len, 0);
}

static int dec_sendto(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    d_arg(c, 0);
    d_argname(c, 1);
    sock_buffer(c, c->args[1], c->args[2]);
    d_arg(c, 2);
    d_argname(c, 3);
    d_xlat(c, "msg_flags", c->args[3]);
    d_argname(c, 4);
    d_sockaddr(c, c->args[4], (int32_t)c->args[5]);
    d_argname(c, 5);
    d_int(c, (int32_t)c->args[5]);
    return DEC_DONE;
}

static int dec_recvfrom(struct dcall *c)
{
    uint64_t addr = c->args[4], len_addr = c->args[5], kept;
    int32_t ulen, rlen;
    if (!d_exiting(c)) {
        d_arg(c, 0);
        if (socklen(c, addr, len_addr, &ulen))
            d_save(c, (uint32_t)ulen);
        return DEC_MORE;
    }
    d_argname(c, 1);
    if (d_failed(c)) {
        d_ptr(c, c->args[1]);
    } else {
        uint64_t got = (uint64_t)d_ret(c);
        sock_buffer(c, c->args[1], got < c->args[2] ? got : c->args[2]);
    }
    d_arg(c, 2);
    d_argname(c, 3);
    d_xlat(c, "msg_flags", c->args[3]);
    ulen = d_saved(c, &kept) ? (int32_t)kept : 0;
    if (!socklen(c, addr, len_addr, &rlen)) {
        d_argname(c, 4);
        d_ptr(c, addr);
        d_argname(c, 5);
        d_ptr(c, len_addr);
    } else if (d_failed(c)) {
        d_argname(c, 4);
        d_ptr(c, addr);
        d_argname(c, 5);
        len_change(c, ulen, ulen);
    } else {
        d_argname(c, 4);
        d_sockaddr(c, addr, ulen > rlen ? rlen : ulen);
        d_argname(c, 5);
        len_change(c, ulen, rlen);
    }
    return DEC_DONE;
}

/* struct msghdr (user_msghdr): name, namelen, iov, iovlen, control,
 * controllen, flags; x86_64 and i386 layouts. */
static void msghdr(struct dcall *c, uint64_t addr, const int32_t *user_namelen, uint64_t data_size)
{
    unsigned w = d_wordsize(c);
    unsigned char b[56];
    if (!d_fetch(c, addr, b, 7 * w))
        return;
    uint64_t name = 0, iov = 0, iovlen = 0, control = 0, controllen = 0;
    uint32_t namelen, flags;
    memcpy(&name, b, w);
    memcpy(&namelen, b + w, 4);
    memcpy(&iov, b + 2 * w, w);
    memcpy(&iovlen, b + 3 * w, w);
    memcpy(&control, b + 4 * w, w);
    memcpy(&controllen, b + 5 * w, w);
    memcpy(&flags, b + 6 * w, 4);
    int32_t shown_len = user_namelen && (int32_t)namelen > *user_namelen ? *user_namelen
                                                                         : (int32_t)namelen;
    d_begin(c, false);
    d_field(c, "msg_name");
    d_sockaddr(c, name, shown_len);
    d_field(c, "msg_namelen");
    if (user_namelen && *user_namelen != (int32_t)namelen)
        len_change(c, *user_namelen, (int32_t)namelen);
    else
        d_int(c, (int32_t)namelen);
    d_field(c, "msg_iov");
    d_iovecs(c, iov, iovlen, data_size, true);
    d_field(c, "msg_iovlen");
    d_uint(c, iovlen);
    if (controllen) {
        d_field(c, "msg_control");
        d_ptr(c, control);
    }
    d_field(c, "msg_controllen");
    d_uint(c, controllen);
    d_field(c, "msg_flags");
    d_xlat(c, "msghdr_flags", flags);
    d_end(c, false);
}

static int dec_sendmsg(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    d_arg(c, 0);
    d_argname(c, 1);
    msghdr(c, c->args[1], NULL, UINT64_MAX);
    d_argname(c, 2);
    d_xlat(c, "msg_flags", c->args[2]);
    return DEC_DONE;
}

static int dec_recvmsg(struct dcall *c)
{
    uint64_t kept;
    int32_t namelen;
    unsigned w = d_wordsize(c);
    if (!d_exiting(c)) {
        d_arg(c, 0);
        if (c->args[1] && d_read(c, c->args[1] + w, &namelen, sizeof namelen)) {
            d_save(c, (uint32_t)namelen);
            return DEC_MORE;
        }
        d_argname(c, 1);
        d_ptr(c, c->args[1]);
        d_argname(c, 2);
        d_xlat(c, "msg_flags", c->args[2]);
        return DEC_DONE;
    }
    if (!d_saved(c, &kept))
        return DEC_DONE;
    namelen = (int32_t)kept;
    d_argname(c, 1);
    if (d_failed(c)) {
        d_begin(c, false);
        d_field(c, "msg_namelen");
        d_int(c, namelen);
        d_end(c, false);
    } else {
        msghdr(c, c->args[1], &namelen, (uint64_t)d_ret(c));
    }
    d_argname(c, 2);
    d_xlat(c, "msg_flags", c->args[2]);
    return DEC_DONE;
}

static int dec_setsockopt(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    uint32_t level = (uint32_t)c->args[1];
    d_arg(c, 0);
    d_argname(c, 1);
    d_xlat(c, "sockopt_level", level);
    d_argname(c, 2);
    d_xlat_keyed(c, "setsockopt_name", level, (uint32_t)c->args[2]);
    d_argname(c, 3);
    int32_t len = (int32_t)c->args[4], v;
    if (len == 4 && d_fetch(c, c->args[3], &v, sizeof v)) {
        d_begin(c, true);
        d_int(c, v);
        d_end(c, false);
    } else if (len != 4) {
        d_buf(c, c->args[3], (uint64_t)(len < 0 ? 0 : len), 0);
    }
    d_argname(c, 4);
    d_int(c, len);
    return DEC_DONE;
}

static struct dspecial registry[] = {
    { "accept", dec_sockname, RVAL_FD },
    { "accept4", dec_accept4, RVAL_FD },
    { "bind", dec_connect, RVAL_DEC },
    { "connect", dec_connect, RVAL_DEC },
    { "getpeername", dec_sockname, RVAL_DEC },
    { "getsockname", dec_sockname, RVAL_DEC },
    { "preadv", dec_preadv, RVAL_DEC },
    { "pwritev", dec_pwritev, RVAL_DEC },
    { "readv", dec_readv, RVAL_DEC },
    { "recvfrom", dec_recvfrom, RVAL_DEC },
    { "recvmsg", dec_recvmsg, RVAL_DEC },
    { "sendmsg", dec_sendmsg, RVAL_DEC },
    { "sendto", dec_sendto, RVAL_DEC },
    { "setsockopt", dec_setsockopt, RVAL_DEC },
    { "socket", dec_socket, RVAL_FD },
    { "socketpair", dec_socketpair, RVAL_DEC },
    { "writev", dec_writev, RVAL_DEC },
};

const struct dspecial *dnet_special(const char *name)
{
    static bool sorted;
    return d_lookup(name, registry, sizeof registry / sizeof registry[0], sizeof registry[0],
                    &sorted);
}
