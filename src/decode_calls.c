/* The syscalls whose arguments strace shows otherwise than their kinds
 * say: a decoder each, in the shape of strace's own (entering: the
 * arguments the kernel reads; exiting: the rest), keyed by name. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "decode_impl.h"
#include "decode_net.h"

static int64_t arg_int(const struct dcall *c, unsigned i)
{
    return (int32_t)c->args[i];
}

static void set_rval(struct dcall *c, enum decode_rval rval)
{
    if (c->res)
        c->res->rval = rval;
}

/* ---- strace's printargs: every argument in hex, for the calls it does
 * not decode ---- */

static int raw_hex(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    for (unsigned i = 0; i < c->ent->nargs; i++) {
        d_argname(c, i);
        d_hex(c, c->args[i]);
    }
    return DEC_DONE;
}

static int raw_dec(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    for (unsigned i = 0; i < c->ent->nargs; i++) {
        d_argname(c, i);
        d_int(c, arg_int(c, i));
    }
    return DEC_DONE;
}

static int raw_udec(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    for (unsigned i = 0; i < c->ent->nargs; i++) {
        d_argname(c, i);
        d_uint(c, (uint32_t)c->args[i]);
    }
    return DEC_DONE;
}

/* ---- results ---- */

/* ---- files ---- */

/* The kernel's __O_TMPFILE bit (the C library's includes O_DIRECTORY). */
#define KERNEL_O_TMPFILE 020000000

static void open_tail(struct dcall *c, unsigned flags_arg)
{
    uint64_t flags = c->args[flags_arg];
    d_argname(c, flags_arg);
    d_xlat(c, "open_flags", flags);
    if (flags & (O_CREAT | KERNEL_O_TMPFILE)) {
        d_argname(c, flags_arg + 1);
        d_mode(c, c->args[flags_arg + 1]);
    }
}

static int dec_open(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    d_argname(c, 0);
    d_path(c, c->args[0]);
    open_tail(c, 1);
    return DEC_DONE;
}

static int dec_openat(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    d_argname(c, 0);
    d_dirfd(c, c->args[0]);
    d_argname(c, 1);
    d_path(c, c->args[1]);
    open_tail(c, 2);
    return DEC_DONE;
}

/* readlink's buffer holds no NUL: its length is the result */
static int readlink_at(struct dcall *c, unsigned path)
{
    if (!d_exiting(c)) {
        d_args(c, 0, path + 1);
        return DEC_MORE;
    }
    d_argname(c, path + 1);
    if (d_failed(c))
        d_ptr(c, c->args[path + 1]);
    else
        d_buf(c, c->args[path + 1], (uint64_t)d_ret(c), 0);
    d_arg(c, path + 2);
    return DEC_DONE;
}

static int dec_readlink(struct dcall *c)
{
    return readlink_at(c, 0);
}

static int dec_readlinkat(struct dcall *c)
{
    return readlink_at(c, 1);
}

static int dec_getcwd(struct dcall *c)
{
    if (!d_exiting(c))
        return DEC_MORE;
    d_argname(c, 0);
    if (d_failed(c)) {
        d_ptr(c, c->args[0]);
    } else {
        /* strace's printpathn(buf, ret - 1) */
        uint64_t n = (uint64_t)d_ret(c);
        char path[PATH_MAX];
        if (n == 0 || n > sizeof path || !d_read(c, c->args[0], path, n)) {
            d_ptr(c, c->args[0]);
        } else {
            size_t len = strnlen(path, n - 1);
            c->out->ops->string(c->out, path, len, len == n - 1 && path[len] ? DSTR_CUT : 0);
        }
    }
    d_arg(c, 1);
    return DEC_DONE;
}

/* getdents64's buffer: its address and the number of entries in it */
static int dec_getdents64(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_arg(c, 0);
        return DEC_MORE;
    }
    uint64_t addr = c->args[1], len = (uint64_t)d_ret(c);
    d_argname(c, 1);
    d_ptr(c, addr);
    if (!d_failed(c) && len <= (uint32_t)c->args[2]) {
        unsigned count = 0;
        uint64_t at = 0;
        /* linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name */
        while (len - at >= 19) {
            uint16_t reclen;
            if (!d_read(c, addr + at + 16, &reclen, sizeof reclen))
                break;
            count++;
            if (reclen < 19 || reclen > len - at)
                break;
            at += reclen;
        }
        char text[48];
        snprintf(text, sizeof text, "%u%s entries", count, at < len ? "+" : "");
        d_comment(c, text);
    }
    d_arg(c, 2);
    return DEC_DONE;
}

static int dec_umask(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_mode(c, c->args[0]);
    }
    return DEC_DONE;
}

/* ---- descriptors ---- */

static int dec_fcntl(struct dcall *c)
{
    unsigned cmd = (uint32_t)c->args[1];
    uint64_t arg = c->args[2];
    char text[512];
    if (!d_exiting(c)) {
        d_arg(c, 0);
        d_argname(c, 1);
        d_xlat(c, "fcntl_cmd", cmd);
    }
    switch (cmd) {
    case F_SETFD:
        if (d_exiting(c))
            return DEC_DONE;
        d_argname(c, 2);
        d_xlat(c, "fcntl_fd_flags", arg);
        return DEC_DONE;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        set_rval(c, RVAL_FD);
        /* fall through */
    case F_SETOWN:
    case F_SETPIPE_SZ:
        if (!d_exiting(c)) {
            d_argname(c, 2);
            d_int(c, (int32_t)arg);
        }
        return DEC_DONE;
    case F_SETFL:
        if (!d_exiting(c)) {
            d_argname(c, 2);
            d_xlat(c, "open_flags", arg);
        }
        return DEC_DONE;
    case F_SETSIG:
        if (!d_exiting(c)) {
            d_argname(c, 2);
            d_signal(c, (int32_t)arg);
        }
        return DEC_DONE;
    case F_GETFD:
        if (!d_exiting(c))
            return DEC_MORE;
        if (!d_failed(c) && d_ret(c) != 0) {
            set_rval(c, RVAL_HEX);
            d_aux(c, "flags %s", d_xlat_text(c, "fcntl_fd_flags", (uint64_t)d_ret(c), text,
                                             sizeof text));
        }
        return DEC_DONE;
    case F_GETFL:
        if (!d_exiting(c))
            return DEC_MORE;
        if (!d_failed(c)) {
            set_rval(c, RVAL_HEX);
            d_aux(c, "flags %s", d_xlat_text(c, "open_flags", (uint64_t)d_ret(c), text,
                                             sizeof text));
        }
        return DEC_DONE;
    case F_GETOWN:
    case F_GETPIPE_SZ:
        return DEC_DONE;
    case F_GETSIG:
        return DEC_DONE;
    default:
        if (!d_exiting(c)) {
            d_argname(c, 2);
            d_hex(c, arg);
        }
        return DEC_DONE;
    }
}

static int dec_ioctl(struct dcall *c)
{
    unsigned code = (uint32_t)c->args[1];
    uint64_t arg = c->args[2];
    if (!d_exiting(c)) {
        d_arg(c, 0);
        d_argname(c, 1);
        char text[256];
        xlat_format_ioctl(c->ev->arch, code, text, sizeof text);
        d_sym(c, text);
    }
    /* the requests that fill their struct are shown at the exit */
    bool at_exit = code == TCGETS || code == TIOCGWINSZ || code == TIOCGPGRP || code == FIONREAD;
    if (at_exit != d_exiting(c))
        return at_exit ? DEC_MORE : DEC_DONE;
    d_argname(c, 2);
    switch (code) {
    case TCGETS:
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        d_struct(c, "termios", arg);
        break;
    case TIOCGWINSZ:
    case TIOCSWINSZ:
        d_struct(c, "winsize", arg);
        break;
    case TIOCGPGRP:
    case TIOCSPGRP:
    case FIONREAD:
        d_struct(c, "int", arg);
        break;
    case FICLONE:
        d_int(c, (int32_t)arg);
        break;
    default:
        d_hex(c, arg);
        break;
    }
    return DEC_DONE;
}

static int dec_lseek(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_arg(c, 0);
        d_argname(c, 1);
        d_int(c, c->compat ? (int32_t)c->args[1] : (int64_t)c->args[1]);
        d_argname(c, 2);
        d_xlat(c, "whence", c->args[2]);
    }
    return DEC_DONE;
}

/* i386's _llseek(fd, offset_high, offset_low, result, whence) */
static int dec_llseek(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_arg(c, 0);
        d_argname(c, 1);
        d_int(c, (int64_t)(c->args[1] << 32 | (uint32_t)c->args[2]));
        return DEC_MORE;
    }
    d_argname(c, 3);
    if (d_failed(c))
        d_ptr(c, c->args[3]);
    else
        d_struct(c, "loff_t", c->args[3]);
    d_argname(c, 4);
    d_xlat(c, "whence", c->args[4]);
    return DEC_DONE;
}

/* ---- memory ---- */

static void mmap_args(struct dcall *c, uint64_t offset)
{
    d_argname(c, 0);
    d_ptr(c, c->args[0]);
    d_argname(c, 1);
    d_uint(c, c->args[1]);
    d_arg(c, 2);
    d_argname(c, 3);
    d_xlat(c, "mmap_flags", c->args[3]); /* the mapping type, the flags, the page size */
    d_argname(c, 4);
    d_fd(c, c->args[4]);
    d_argname(c, 5);
    d_hex(c, offset);
}

static int dec_mmap(struct dcall *c)
{
    if (!d_exiting(c))
        mmap_args(c, c->args[5]);
    return DEC_DONE;
}

static int dec_mmap2(struct dcall *c)
{
    if (!d_exiting(c))
        mmap_args(c, c->args[5] * 4096);
    return DEC_DONE;
}

static int dec_mremap(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    d_args(c, 0, 4);
    if ((c->args[3] & (MREMAP_MAYMOVE | MREMAP_FIXED)) == (MREMAP_MAYMOVE | MREMAP_FIXED))
        d_arg(c, 4);
    return DEC_DONE;
}

static int dec_arch_prctl(struct dcall *c)
{
    unsigned option = (uint32_t)c->args[0];
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_xlat(c, "arch_prctl_option", option);
    }
    switch (option) {
    case 0x1003: /* ARCH_GET_FS */
    case 0x1004: /* ARCH_GET_GS */
        if (!d_exiting(c))
            return DEC_MORE;
        d_argname(c, 1);
        {
            uint64_t v;
            if (d_failed(c) || !d_read_word(c, c->args[1], &v)) {
                d_ptr(c, c->args[1]);
            } else {
                d_begin(c, true);
                d_ptr(c, v);
                d_end(c, false);
            }
        }
        return DEC_DONE;
    case 0x1011: /* ARCH_GET_CPUID */
        return DEC_DONE;
    default:
        if (!d_exiting(c)) {
            d_argname(c, 1);
            d_hex(c, c->args[1]);
        }
        return DEC_DONE;
    }
}

/* i386's TLS: the descriptor, and the entry the kernel chose */
static int dec_set_thread_area(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_struct(c, "user_desc", c->args[0]);
        return DEC_MORE;
    }
    uint32_t entry;
    if (!d_failed(c) && c->args[0] && d_read(c, c->args[0], &entry, sizeof entry))
        d_aux(c, "entry_number=%u", entry);
    return DEC_DONE;
}

/* ---- processes ---- */

/* execve's argv: ["ls", "/"], each string cut at -s, at most -s of them */
static void string_array(struct dcall *c, uint64_t addr)
{
    uint64_t word;
    if (!addr || !d_read_word(c, addr, &word)) {
        d_ptr(c, addr);
        return;
    }
    unsigned w = d_wordsize(c), limit = c->opts->string_limit;
    d_begin(c, true);
    for (unsigned n = 0; word; n++) {
        if (!c->opts->verbose && n >= limit) {
            d_end(c, true);
            return;
        }
        d_str(c, word);
        if (!d_read_word(c, addr + (uint64_t)(n + 1) * w, &word)) {
            char where[32];
            snprintf(where, sizeof where, "%#" PRIx64, addr + (uint64_t)(n + 1) * w);
            d_sym(c, "...");
            d_comment(c, where);
            break;
        }
    }
    d_end(c, false);
}

/* envp: its address and the number of strings: 0x7ffe... / * 41 vars * / */
static void string_count(struct dcall *c, uint64_t addr)
{
    unsigned w = d_wordsize(c), n = 0;
    uint64_t word = 1;
    d_ptr(c, addr);
    if (!addr)
        return;
    for (; word; n++)
        if (!d_read_word(c, addr + (uint64_t)n * w, &word)) {
            if (n == 0)
                return;
            break;
        }
    char text[48];
    n--;
    snprintf(text, sizeof text, "%u var%s", n, n == 1 ? "" : "s");
    d_comment(c, text);
}

static void exec_args(struct dcall *c, unsigned first)
{
    d_argname(c, first);
    d_path(c, c->args[first]);
    d_argname(c, first + 1);
    string_array(c, c->args[first + 1]);
    d_argname(c, first + 2);
    if (c->opts->verbose)
        string_array(c, c->args[first + 2]);
    else
        string_count(c, c->args[first + 2]);
}

static int dec_execve(struct dcall *c)
{
    if (!d_exiting(c))
        exec_args(c, 0);
    return DEC_DONE;
}

static int dec_execveat(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_dirfd(c, c->args[0]);
        exec_args(c, 1);
        d_argname(c, 4);
        d_xlat(c, "execveat_flags", c->args[4]);
    }
    return DEC_DONE;
}

/* strace's printstatus: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}] */
static void wait_status(struct dcall *c, int status)
{
    char text[160], sig[16];
    size_t len;
    if (WIFSTOPPED(status)) {
        int s = WSTOPSIG(status);
        const char *name = d_signal_abbrev(s & 0x7f, sig, sizeof sig);
        len = (size_t)snprintf(text, sizeof text, "[{WIFSTOPPED(s) && WSTOPSIG(s) == SIG%s%s}",
                               name ? name : "?", s & 0x80 ? " | 0x80" : "");
        status &= ~W_STOPCODE(s);
    } else if (WIFSIGNALED(status)) {
        const char *name = d_signal_abbrev(WTERMSIG(status), sig, sizeof sig);
        len = (size_t)snprintf(text, sizeof text, "[{WIFSIGNALED(s) && WTERMSIG(s) == SIG%s%s}",
                               name ? name : "?", WCOREDUMP(status) ? " && WCOREDUMP(s)" : "");
        status &= ~(W_EXITCODE(0, WTERMSIG(status)) | WCOREFLAG);
    } else if (WIFEXITED(status)) {
        len = (size_t)snprintf(text, sizeof text, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d}",
                               WEXITSTATUS(status));
        status &= ~W_EXITCODE(WEXITSTATUS(status), 0);
    } else if (WIFCONTINUED(status)) {
        len = (size_t)snprintf(text, sizeof text, "[{WIFCONTINUED(s)}");
        status &= ~0xffff;
    } else {
        snprintf(text, sizeof text, "[%#x]", (unsigned)status);
        d_sym(c, text);
        return;
    }
    if (status)
        len += (size_t)snprintf(text + len, sizeof text - len, "|%#x", (unsigned)status);
    snprintf(text + len, sizeof text - len, "]");
    d_sym(c, text);
}

static int dec_wait4(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_int(c, arg_int(c, 0));
        return DEC_MORE;
    }
    d_argname(c, 1);
    int32_t status;
    if (d_ret(c) == 0 || d_failed(c))
        d_ptr(c, c->args[1]);
    else if (d_fetch(c, c->args[1], &status, sizeof status))
        wait_status(c, status);
    d_argname(c, 2);
    d_xlat(c, "wait_options", c->args[2]);
    if (c->ent->nargs > 3) {
        d_argname(c, 3);
        if (d_ret(c) > 0)
            d_struct(c, c->compat ? "compat_rusage" : "rusage", c->args[3]);
        else
            d_ptr(c, c->args[3]);
    }
    return DEC_DONE;
}

/* strace shows clone's arguments by name: child_stack=, flags=... */
static int dec_clone(struct dcall *c)
{
    uint64_t raw = c->args[0], flags = raw & ~(uint64_t)CSIGNAL;
    /* argument order: x86_64 (flags, stack, ptid, ctid, tls); i386 (flags,
     * stack, ptid, tls, ctid) */
    unsigned tls = c->compat ? 3 : 4, ctid = c->compat ? 4 : 3;
    if (!d_exiting(c)) {
        d_field(c, "child_stack");
        d_ptr(c, c->args[1]);
        d_field(c, "flags");
        d_xlat(c, "clone_flags", raw); /* the flags, then the exit signal */
        if (!(flags & (CLONE_PARENT_SETTID | CLONE_PIDFD | CLONE_CHILD_SETTID |
                       CLONE_CHILD_CLEARTID | CLONE_SETTLS)))
            return DEC_DONE;
        return DEC_MORE;
    }
    if (flags & (CLONE_PARENT_SETTID | CLONE_PIDFD)) {
        int32_t v;
        d_field(c, "parent_tid");
        if (d_fetch(c, c->args[2], &v, sizeof v)) {
            d_begin(c, true);
            if (flags & CLONE_PARENT_SETTID)
                d_int(c, v);
            else
                d_fd(c, v);
            d_end(c, false);
        }
    }
    if (flags & CLONE_SETTLS) {
        d_field(c, "tls");
        if (c->compat)
            d_struct(c, "user_desc", c->args[tls]);
        else
            d_ptr(c, c->args[tls]);
    }
    if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) {
        d_field(c, "child_tidptr");
        d_ptr(c, c->args[ctid]);
    }
    return DEC_DONE;
}

#ifndef CLONE_INTO_CGROUP /* Linux 5.7; not in every C library's sched.h */
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static void field_addr(struct dcall *c, const char *name, uint64_t v)
{
    d_field(c, name);
    d_ptr(c, v);
}

/* struct clone_args: what strace shows of it at the entry, and the
 * parent's copy of the new tid at the exit */
static int dec_clone3(struct dcall *c)
{
    uint64_t a[11] = { 0 }, addr = c->args[0], size = c->args[1];
    size_t fetch = size < sizeof a ? (size_t)size : sizeof a;
    if (!d_exiting(c)) {
        d_argname(c, 0);
        if (fetch < 64) { /* up to tls */
            d_ptr(c, addr);
        } else if (d_fetch(c, addr, a, fetch)) {
            uint64_t flags = a[0];
            d_begin(c, false);
            d_field(c, "flags");
            d_xlat(c, "clone3_flags", flags);
            if (flags & CLONE_PIDFD)
                field_addr(c, "pidfd", a[1]);
            if (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
                field_addr(c, "child_tid", a[2]);
            if (flags & CLONE_PARENT_SETTID)
                field_addr(c, "parent_tid", a[3]);
            d_field(c, "exit_signal");
            if (a[4] < INT_MAX)
                d_signal(c, (int64_t)a[4]);
            else
                d_uint(c, a[4]);
            field_addr(c, "stack", a[5]);
            d_field(c, "stack_size");
            d_hex(c, a[6]);
            if (flags & CLONE_SETTLS) {
                d_field(c, "tls");
                if (c->compat)
                    d_struct(c, "user_desc", a[7]);
                else
                    d_ptr(c, a[7]);
            }
            if (a[8] || a[9]) {
                field_addr(c, "set_tid", a[8]);
                d_field(c, "set_tid_size");
                d_uint(c, a[9]);
            }
            if (fetch > 80 && (a[10] || flags & CLONE_INTO_CGROUP)) {
                d_field(c, "cgroup");
                d_uint(c, a[10]);
            }
            d_end(c, false);
            if (flags & (CLONE_PIDFD | CLONE_PARENT_SETTID))
                return DEC_MORE;
        }
        d_arg(c, 1);
        return DEC_DONE;
    }
    if (!d_failed(c) && d_read(c, addr, a, fetch) && a[0] & (CLONE_PIDFD | CLONE_PARENT_SETTID)) {
        int32_t v;
        c->out->ops->changed(c->out);
        d_begin(c, false);
        if (a[0] & CLONE_PIDFD) {
            d_field(c, "pidfd");
            if (d_fetch(c, a[1], &v, sizeof v)) {
                d_begin(c, true);
                d_fd(c, v);
                d_end(c, false);
            }
        }
        if (a[0] & CLONE_PARENT_SETTID) {
            d_field(c, "parent_tid");
            if (d_fetch(c, a[3], &v, sizeof v)) {
                d_begin(c, true);
                d_int(c, v);
                d_end(c, false);
            }
        }
        d_end(c, false);
    }
    d_arg(c, 1);
    return DEC_DONE;
}

/* ---- signals ---- */

static int dec_rt_sigprocmask(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_xlat(c, "sigprocmask_how", c->args[0]);
        d_argname(c, 1);
        d_sigset(c, c->args[1], c->args[3]);
        return DEC_MORE;
    }
    d_argname(c, 2);
    d_sigset(c, c->args[2], c->args[3]);
    d_arg(c, 3);
    return DEC_DONE;
}

/* The mask a signal handler's return restores, from the signal frame on
 * the stack (strace: the frame is a word below sp; the mask is in its
 * ucontext). */
static int dec_rt_sigreturn(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    uint64_t sp = c->ev->sp;
    /* x86_64: 8 (pretcode) + offsetof(ucontext_t, uc_sigmask) 296 from
     * sp - 8; i386: 16 + sizeof(siginfo_t) 128 + 108 from sp - 4 */
    uint64_t mask = c->compat ? sp - 4 + 16 + 128 + 108 : sp - 8 + 8 + 296;
    d_begin(c, false);
    d_field(c, "mask");
    d_sigset(c, mask, 8);
    d_end(c, false);
    return DEC_DONE;
}

/* i386's old sigreturn: the mask is in the sigcontext at sp (oldmask) and
 * after the FPU state (extramask), as strace reads it */
static int dec_sigreturn(struct dcall *c)
{
    uint32_t mask[2];
    if (d_exiting(c) || !c->compat)
        return DEC_DONE;
    d_begin(c, false);
    d_field(c, "mask");
    if (d_read(c, c->ev->sp + 20 * 4, &mask[0], 4) &&
        d_read(c, c->ev->sp + (20 + 2 + 156) * 4, &mask[1], 4)) {
        char text[512];
        d_sigset_text(mask, sizeof mask, text, sizeof text);
        d_sym(c, text);
    } else {
        d_ptr(c, c->ev->sp);
    }
    d_end(c, false);
    return DEC_DONE;
}

/* ---- time, synchronisation ---- */

static int dec_futex(struct dcall *c)
{
    if (d_exiting(c))
        return DEC_DONE;
    unsigned op = (uint32_t)c->args[1], cmd = op & 127;
    uint32_t val = (uint32_t)c->args[2], val2 = (uint32_t)c->args[3], val3 = (uint32_t)c->args[5];
    const char *ts = c->compat && strcmp(c->ent->name, "futex_time64") != 0 ? "old_timespec32"
                                                                          : "__kernel_timespec";
    d_argname(c, 0);
    d_ptr(c, c->args[0]);
    d_argname(c, 1);
    d_xlat(c, "futex_op", op);
    switch (cmd) {
    case FUTEX_WAIT:
        d_argname(c, 2);
        d_uint(c, val);
        d_argname(c, 3);
        d_struct(c, ts, c->args[3]);
        break;
    case FUTEX_LOCK_PI:
    case 13: /* FUTEX_LOCK_PI2 */
        d_argname(c, 3);
        d_struct(c, ts, c->args[3]);
        break;
    case FUTEX_WAIT_BITSET:
        d_argname(c, 2);
        d_uint(c, val);
        d_argname(c, 3);
        d_struct(c, ts, c->args[3]);
        d_argname(c, 5);
        d_xlat(c, "futex_wait_mask", val3);
        break;
    case FUTEX_WAKE_BITSET:
        d_argname(c, 2);
        d_uint(c, val);
        d_argname(c, 5);
        d_xlat(c, "futex_wait_mask", val3);
        break;
    case FUTEX_REQUEUE:
        d_argname(c, 2);
        d_uint(c, val);
        d_argname(c, 3);
        d_uint(c, val2);
        d_argname(c, 4);
        d_ptr(c, c->args[4]);
        break;
    case FUTEX_CMP_REQUEUE:
    case FUTEX_CMP_REQUEUE_PI:
        d_argname(c, 2);
        d_uint(c, val);
        d_argname(c, 3);
        d_uint(c, val2);
        d_argname(c, 4);
        d_ptr(c, c->args[4]);
        d_argname(c, 5);
        d_uint(c, val3);
        break;
    case FUTEX_WAIT_REQUEUE_PI:
        d_argname(c, 2);
        d_uint(c, val);
        d_argname(c, 3);
        d_struct(c, ts, c->args[3]);
        d_argname(c, 4);
        d_ptr(c, c->args[4]);
        break;
    case FUTEX_WAKE:
    case FUTEX_FD:
        d_argname(c, 2);
        d_uint(c, val);
        break;
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI:
        break;
    default:
        d_argname(c, 2);
        d_uint(c, val);
        d_argname(c, 3);
        d_ptr(c, c->args[3]);
        d_argname(c, 4);
        d_ptr(c, c->args[4]);
        d_argname(c, 5);
        d_hex(c, val3);
        break;
    }
    return DEC_DONE;
}

/* A call a signal interrupted, to be restarted: the kernel's ERESTART*. */
static bool restarting(const struct dcall *c)
{
    return d_failed(c) && -d_ret(c) >= 512 && -d_ret(c) <= 516;
}

/* nanosleep's remaining time is only written when a signal interrupted it */
static void remaining(struct dcall *c, unsigned rem, bool written)
{
    d_argname(c, rem);
    if (written)
        d_struct(c, c->ent->args[rem].type, c->args[rem]);
    else
        d_ptr(c, c->args[rem]);
}

static int dec_nanosleep(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_arg(c, 0);
        return DEC_MORE;
    }
    remaining(c, 1, restarting(c));
    return DEC_DONE;
}

static int dec_clock_nanosleep(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_args(c, 0, 3);
        return DEC_MORE;
    }
    remaining(c, 3, !c->args[1] && restarting(c));
    return DEC_DONE;
}

/* poll's fds: [{fd=3, events=POLLIN}, ...] at the entry; the returned
 * events after the result: ([{fd=3, revents=POLLIN}]) */
static void pollfds(struct dcall *c, uint64_t addr, unsigned nfds)
{
    unsigned char b[8];
    if (!addr) {
        d_ptr(c, 0);
        return;
    }
    d_begin(c, true);
    if (nfds == 0) {
        d_end(c, false);
        return;
    }
    for (unsigned i = 0; i < nfds; i++) {
        if (!c->opts->verbose && i >= c->opts->string_limit) {
            d_end(c, true);
            return;
        }
        if (!d_read(c, addr + 8u * i, b, sizeof b)) {
            char where[32];
            if (i == 0) { /* strace shows the address alone */
                d_end(c, false);
                break;
            }
            snprintf(where, sizeof where, "%#" PRIx64, addr + 8u * i);
            d_sym(c, "...");
            d_comment(c, where);
            break;
        }
        int32_t fd;
        uint16_t events;
        memcpy(&fd, b, 4);
        memcpy(&events, b + 4, 2);
        d_begin(c, false);
        d_field(c, "fd");
        d_fd(c, fd);
        if (fd >= 0) {
            d_field(c, "events");
            d_xlat(c, "pollfd_events", events);
        }
        d_end(c, false);
    }
    d_end(c, false);
}

static void poll_revents(struct dcall *c, uint64_t addr, unsigned nfds)
{
    if (d_failed(c))
        return;
    if (d_ret(c) == 0) {
        d_aux(c, "Timeout");
        return;
    }
    unsigned printed = 0;
    bool any = false;
    char flags[256];
    for (unsigned i = 0; addr && i < nfds; i++) {
        unsigned char b[8];
        if (!d_read(c, addr + 8u * i, b, sizeof b)) {
            d_aux(c, "%s%#" PRIx64, any ? ", " : "[", addr + 8u * i);
            any = true;
            break;
        }
        int32_t fd;
        uint16_t revents;
        memcpy(&fd, b, 4);
        memcpy(&revents, b + 6, 2);
        if (!revents)
            continue;
        d_aux(c, "%s", any ? ", " : "[");
        any = true;
        if (!c->opts->verbose && printed >= c->opts->string_limit) {
            d_aux(c, "...");
            break;
        }
        d_aux(c, "{fd=%d, revents=%s}", fd,
              d_xlat_text(c, "pollfd_events", revents, flags, sizeof flags));
        printed++;
    }
    if (any)
        d_aux(c, "]");
}

static int dec_poll(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        pollfds(c, c->args[0], (uint32_t)c->args[1]);
        d_args(c, 1, 3);
        return DEC_MORE;
    }
    poll_revents(c, c->args[0], (uint32_t)c->args[1]);
    return DEC_DONE;
}

static int dec_ppoll(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        pollfds(c, c->args[0], (uint32_t)c->args[1]);
        d_arg(c, 1);
        d_arg(c, 2);
        d_argname(c, 3);
        d_sigset(c, c->args[3], c->args[4]);
        d_arg(c, 4);
        return DEC_MORE;
    }
    poll_revents(c, c->args[0], (uint32_t)c->args[1]);
    /* strace adds the time left: ", left {tv_sec=..., tv_nsec=...}" */
    if (!d_failed(c) && d_ret(c) > 0 && c->args[2]) {
        struct dtext t;
        struct dsink *saved = c->out;
        dtext_init(&t);
        c->out = &t.sink;
        d_arg(c, 2);
        c->out = saved;
        if (t.buf)
            d_aux(c, "%sleft %s", c->res && c->res->aux[0] ? ", " : "", t.buf);
        dtext_free(&t);
    }
    return DEC_DONE;
}

static int dec_sched_getaffinity(struct dcall *c)
{
    if (!d_exiting(c)) {
        d_argname(c, 0);
        d_int(c, arg_int(c, 0));
        d_arg(c, 1);
        return DEC_MORE;
    }
    d_argname(c, 2);
    uint64_t addr = c->args[2], len = d_failed(c) ? 0 : (uint64_t)d_ret(c);
    unsigned char mask[1024];
    if (d_failed(c) || !addr) {
        d_ptr(c, addr);
        return DEC_DONE;
    }
    if (len > sizeof mask)
        len = sizeof mask;
    if (!d_fetch(c, addr, mask, (size_t)len))
        return DEC_DONE;
    char text[4096];
    size_t at = 0;
    text[at++] = '[';
    for (uint64_t bit = 0; bit < len * 8 && at + 12 < sizeof text; bit++)
        if (mask[bit / 8] & (1u << (bit % 8)))
            at += (size_t)snprintf(text + at, sizeof text - at, "%s%" PRIu64,
                                   at > 1 ? " " : "", bit);
    text[at++] = ']';
    text[at] = '\0';
    d_sym(c, text);
    return DEC_DONE;
}

static int dec_getrandom(struct dcall *c)
{
    if (!d_exiting(c))
        return DEC_MORE;
    d_argname(c, 0);
    if (d_failed(c))
        d_ptr(c, c->args[0]);
    else
        d_buf(c, c->args[0], (uint64_t)d_ret(c), DSTR_HEX);
    d_arg(c, 1);
    d_arg(c, 2);
    return DEC_DONE;
}

/* ---- the registry ---- */

static struct dspecial registry[] = {
    /* NULL: the generic decoder */
    { "_llseek", dec_llseek, RVAL_DEC },
    { "alarm", raw_udec, RVAL_DEC },
    { "arch_prctl", dec_arch_prctl, RVAL_DEC },
    { "brk", NULL, RVAL_HEX },
    { "clock_nanosleep", dec_clock_nanosleep, RVAL_DEC },
    { "clock_nanosleep_time64", dec_clock_nanosleep, RVAL_DEC },
    { "clone", dec_clone, RVAL_DEC },
    { "clone3", dec_clone3, RVAL_DEC },
    { "creat", NULL, RVAL_FD },
    { "dup", NULL, RVAL_FD },
    { "dup2", NULL, RVAL_FD },
    { "dup3", NULL, RVAL_FD },
    { "epoll_create", NULL, RVAL_FD },
    { "epoll_create1", NULL, RVAL_FD },
    { "eventfd", NULL, RVAL_FD },
    { "eventfd2", NULL, RVAL_FD },
    { "execve", dec_execve, RVAL_DEC },
    { "execveat", dec_execveat, RVAL_DEC },
    { "exit", raw_dec, RVAL_NONE },
    { "exit_group", NULL, RVAL_NONE },
    { "fcntl", dec_fcntl, RVAL_DEC },
    { "fcntl64", dec_fcntl, RVAL_DEC },
    { "futex", dec_futex, RVAL_DEC },
    { "futex_time64", dec_futex, RVAL_DEC },
    { "getcwd", dec_getcwd, RVAL_DEC },
    { "getdents64", dec_getdents64, RVAL_DEC },
    { "getrandom", dec_getrandom, RVAL_DEC },
    { "inotify_init", NULL, RVAL_FD },
    { "inotify_init1", NULL, RVAL_FD },
    { "ioctl", dec_ioctl, RVAL_DEC },
    { "lseek", dec_lseek, RVAL_DEC },
    { "memfd_create", NULL, RVAL_FD },
    { "mmap", dec_mmap, RVAL_HEX },
    { "mmap2", dec_mmap2, RVAL_HEX },
    { "mremap", dec_mremap, RVAL_HEX },
    { "munlockall", raw_hex, RVAL_DEC },
    { "nanosleep", dec_nanosleep, RVAL_DEC },
    { "nice", raw_dec, RVAL_DEC },
    { "open", dec_open, RVAL_FD },
    { "openat", dec_openat, RVAL_FD },
    { "openat2", NULL, RVAL_FD },
    { "pause", raw_hex, RVAL_DEC },
    { "pidfd_open", NULL, RVAL_FD },
    { "poll", dec_poll, RVAL_DEC },
    { "ppoll", dec_ppoll, RVAL_DEC },
    { "ppoll_time64", dec_ppoll, RVAL_DEC },
    { "readlink", dec_readlink, RVAL_DEC },
    { "readlinkat", dec_readlinkat, RVAL_DEC },
    { "rseq", raw_hex, RVAL_DEC },
    { "rt_sigprocmask", dec_rt_sigprocmask, RVAL_DEC },
    { "rt_sigreturn", dec_rt_sigreturn, RVAL_DEC },
    { "sched_getaffinity", dec_sched_getaffinity, RVAL_DEC },
    { "sched_yield", raw_hex, RVAL_DEC },
    { "set_thread_area", dec_set_thread_area, RVAL_DEC },
    { "set_tid_address", raw_hex, RVAL_DEC },
    { "setpgrp", raw_dec, RVAL_DEC },
    { "setsid", raw_hex, RVAL_DEC },
    { "shmat", NULL, RVAL_HEX },
    { "signalfd", NULL, RVAL_FD },
    { "signalfd4", NULL, RVAL_FD },
    { "sigreturn", dec_sigreturn, RVAL_DEC },
    { "sync", raw_hex, RVAL_DEC },
    { "timerfd_create", NULL, RVAL_FD },
    { "umask", dec_umask, RVAL_OCT },
    { "userfaultfd", NULL, RVAL_FD },
    { "vhangup", raw_hex, RVAL_DEC },
    { "wait4", dec_wait4, RVAL_DEC },
};

const struct dspecial *dcall_special(const char *name)
{
    const struct dspecial *net = dnet_special(name);
    if (net)
        return net;
    static bool sorted;
    return d_lookup(name, registry, sizeof registry / sizeof registry[0], sizeof registry[0],
                    &sorted);
}
