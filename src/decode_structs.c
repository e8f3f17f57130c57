/* Decoders of the objects syscalls point to, by C type name, as strace
 * prints them.  Layouts are read from raw bytes at fixed offsets: the
 * tracee may be x86_64 or i386, whose structs differ. */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "decode_impl.h"

/* Little-endian fields of a raw struct. */
static uint64_t get(const unsigned char *b, size_t off, size_t size)
{
    uint64_t v = 0;
    memcpy(&v, b + off, size);
    return v;
}

static int64_t get_signed(const unsigned char *b, size_t off, size_t size)
{
    uint64_t v = get(b, off, size);
    if (size < 8 && v >> (size * 8 - 1))
        v |= ~(uint64_t)0 << (size * 8);
    return (int64_t)v;
}

static void field_int(struct dcall *c, const char *name, int64_t v)
{
    d_field(c, name);
    d_int(c, v);
}

static void field_uint(struct dcall *c, const char *name, uint64_t v)
{
    d_field(c, name);
    d_uint(c, v);
}

/* ---- times ---- */

/* strace's sprinttime_nsec: "2023-11-14T22:13:20.123456789+0000". */
static bool time_text(int64_t sec, uint64_t frac, unsigned width, char *buf, size_t size)
{
    if (sec == 0 && frac == 0)
        return false;
    time_t t = (time_t)sec;
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return false;
    size_t pos = strftime(buf, size, "%FT%T", &tm);
    if (!pos)
        return false;
    if (frac)
        pos += (size_t)snprintf(buf + pos, size - pos, ".%0*" PRIu64, (int)width, frac);
    return strftime(buf + pos, size - pos, "%z", &tm) > 0;
}

static void timespec_fields(struct dcall *c, int64_t sec, uint64_t nsec)
{
    d_begin(c, false);
    field_int(c, "tv_sec", sec);
    field_uint(c, "tv_nsec", nsec);
    d_end(c, false);
}

/* struct __kernel_timespec: 64-bit on every ABI. */
static void kernel_timespec(struct dcall *c, uint64_t addr)
{
    unsigned char b[16];
    if (d_fetch(c, addr, b, sizeof b))
        timespec_fields(c, get_signed(b, 0, 8), get(b, 8, 8));
}

/* struct timespec of the ABI (old_timespec32 on i386). */
static void timespec(struct dcall *c, uint64_t addr)
{
    if (!c->compat) {
        kernel_timespec(c, addr);
        return;
    }
    unsigned char b[8];
    if (d_fetch(c, addr, b, sizeof b))
        timespec_fields(c, get_signed(b, 0, 4), get(b, 4, 4));
}

static void timeval_fields(struct dcall *c, int64_t sec, uint64_t usec)
{
    d_begin(c, false);
    field_int(c, "tv_sec", sec);
    field_uint(c, "tv_usec", usec);
    d_end(c, false);
}

static void timeval(struct dcall *c, uint64_t addr)
{
    unsigned w = d_wordsize(c);
    unsigned char b[16];
    if (d_fetch(c, addr, b, 2 * w))
        timeval_fields(c, get_signed(b, 0, w), get(b, w, w));
}

/* ---- stat ---- */

struct stat_fields {
    uint64_t dev, ino, mode, nlink, uid, gid, rdev, size, blksize, blocks;
    int64_t atime, mtime, ctime;
    uint64_t atime_ns, mtime_ns, ctime_ns;
};

static void dev_text(uint64_t dev, char *buf, size_t size)
{
    /* strace's print_dev_t: makedev(%#x, %#x) */
    snprintf(buf, size, "makedev(%#x, %#x)", major(dev), minor(dev));
}

static void field_dev(struct dcall *c, const char *name, uint64_t dev)
{
    char text[48];
    dev_text(dev, text, sizeof text);
    d_field(c, name);
    d_numtext(c, (int64_t)dev, text);
}

static void field_time(struct dcall *c, const char *name, const char *nsec_name, int64_t sec,
                       uint64_t nsec)
{
    char text[64];
    field_int(c, name, sec);
    if (time_text(sec, nsec, 9, text, sizeof text))
        d_comment(c, text);
    field_uint(c, nsec_name, nsec);
}

static void stat_print(struct dcall *c, const struct stat_fields *st)
{
    bool verbose = c->opts->verbose;
    d_begin(c, false);
    if (verbose) {
        field_dev(c, "st_dev", st->dev);
        field_uint(c, "st_ino", st->ino);
    }
    d_field(c, "st_mode");
    d_mode_type(c, st->mode);
    if (verbose) {
        field_uint(c, "st_nlink", st->nlink);
        field_uint(c, "st_uid", st->uid);
        field_uint(c, "st_gid", st->gid);
        field_uint(c, "st_blksize", st->blksize);
        field_uint(c, "st_blocks", st->blocks);
    }
    if (S_ISCHR(st->mode) || S_ISBLK(st->mode))
        field_dev(c, "st_rdev", st->rdev);
    else
        field_uint(c, "st_size", st->size);
    if (verbose) {
        field_time(c, "st_atime", "st_atime_nsec", st->atime, st->atime_ns);
        field_time(c, "st_mtime", "st_mtime_nsec", st->mtime, st->mtime_ns);
        field_time(c, "st_ctime", "st_ctime_nsec", st->ctime, st->ctime_ns);
    }
    d_end(c, !verbose);
}

/* x86_64's struct stat */
static void stat_64(struct dcall *c, uint64_t addr)
{
    unsigned char b[144];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    struct stat_fields st = {
        .dev = get(b, 0, 8), .ino = get(b, 8, 8), .nlink = get(b, 16, 8),
        .mode = get(b, 24, 4), .uid = get(b, 28, 4), .gid = get(b, 32, 4),
        .rdev = get(b, 40, 8), .size = get(b, 48, 8), .blksize = get(b, 56, 8),
        .blocks = get(b, 64, 8), .atime = get_signed(b, 72, 8), .atime_ns = get(b, 80, 8),
        .mtime = get_signed(b, 88, 8), .mtime_ns = get(b, 96, 8),
        .ctime = get_signed(b, 104, 8), .ctime_ns = get(b, 112, 8),
    };
    stat_print(c, &st);
}

/* i386's struct stat64 (4-byte aligned 64-bit fields) */
static void stat64_32(struct dcall *c, uint64_t addr)
{
    unsigned char b[96];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    struct stat_fields st = {
        .dev = get(b, 0, 8), .mode = get(b, 16, 4), .nlink = get(b, 20, 4),
        .uid = get(b, 24, 4), .gid = get(b, 28, 4), .rdev = get(b, 32, 8),
        .size = get(b, 44, 8), .blksize = get(b, 52, 4), .blocks = get(b, 56, 8),
        .atime = get_signed(b, 64, 4), .atime_ns = get(b, 68, 4),
        .mtime = get_signed(b, 72, 4), .mtime_ns = get(b, 76, 4),
        .ctime = get_signed(b, 80, 4), .ctime_ns = get(b, 84, 4), .ino = get(b, 88, 8),
    };
    stat_print(c, &st);
}

/* i386's struct stat (compat_stat) */
static void stat_32(struct dcall *c, uint64_t addr)
{
    unsigned char b[64];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    struct stat_fields st = {
        .dev = get(b, 0, 4), .ino = get(b, 4, 4), .mode = get(b, 8, 2),
        .nlink = get(b, 10, 2), .uid = get(b, 12, 2), .gid = get(b, 14, 2),
        .rdev = get(b, 16, 4), .size = get(b, 20, 4), .blksize = get(b, 24, 4),
        .blocks = get(b, 28, 4), .atime = get_signed(b, 32, 4), .atime_ns = get(b, 36, 4),
        .mtime = get_signed(b, 40, 4), .mtime_ns = get(b, 44, 4),
        .ctime = get_signed(b, 48, 4), .ctime_ns = get(b, 52, 4),
    };
    stat_print(c, &st);
}

static void stat_abi(struct dcall *c, uint64_t addr)
{
    (c->compat ? stat_32 : stat_64)(c, addr);
}

/* ---- statx ---- */

static void statx_time(struct dcall *c, const char *name, const unsigned char *b, size_t off)
{
    int64_t sec = get_signed(b, off, 8);
    uint64_t nsec = get(b, off + 8, 4);
    char text[64];
    d_field(c, name);
    d_begin(c, false);
    field_int(c, "tv_sec", sec);
    field_uint(c, "tv_nsec", nsec);
    d_end(c, false);
    if (time_text(sec, nsec, 9, text, sizeof text))
        d_comment(c, text);
}

static void statx_struct(struct dcall *c, uint64_t addr)
{
    unsigned char b[256];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    bool verbose = c->opts->verbose;
    uint64_t mask = get(b, 0, 4);
    d_begin(c, false);
    d_field(c, "stx_mask");
    d_xlat(c, "statx_mask", mask);
    if (verbose)
        field_uint(c, "stx_blksize", get(b, 4, 4));
    d_field(c, "stx_attributes");
    d_xlat(c, "statx_attributes", get(b, 8, 8));
    if (verbose) {
        if (mask & STATX_NLINK)
            field_uint(c, "stx_nlink", get(b, 16, 4));
        if (mask & STATX_UID)
            field_uint(c, "stx_uid", get(b, 20, 4));
        if (mask & STATX_GID)
            field_uint(c, "stx_gid", get(b, 24, 4));
    }
    if (mask & (STATX_TYPE | STATX_MODE)) {
        d_field(c, "stx_mode");
        d_mode_type(c, get(b, 28, 2));
    }
    if (verbose && mask & STATX_INO)
        field_uint(c, "stx_ino", get(b, 32, 8));
    if (mask & STATX_SIZE)
        field_uint(c, "stx_size", get(b, 40, 8));
    if (verbose) {
        if (mask & STATX_BLOCKS)
            field_uint(c, "stx_blocks", get(b, 48, 8));
        d_field(c, "stx_attributes_mask");
        d_xlat(c, "statx_attributes", get(b, 56, 8));
        if (mask & STATX_ATIME)
            statx_time(c, "stx_atime", b, 64);
        if (mask & STATX_BTIME)
            statx_time(c, "stx_btime", b, 80);
        if (mask & STATX_CTIME)
            statx_time(c, "stx_ctime", b, 96);
        if (mask & STATX_MTIME)
            statx_time(c, "stx_mtime", b, 112);
        field_uint(c, "stx_rdev_major", get(b, 128, 4));
        field_uint(c, "stx_rdev_minor", get(b, 132, 4));
        field_uint(c, "stx_dev_major", get(b, 136, 4));
        field_uint(c, "stx_dev_minor", get(b, 140, 4));
        if (mask & STATX_MNT_ID) {
            d_field(c, "stx_mnt_id");
            d_hex(c, get(b, 144, 8));
        }
    }
    d_end(c, !verbose);
}

/* ---- limits, system information ---- */

/* strace's print_rlim64_t / print_rlim32_t */
static void rlim_value(struct dcall *c, uint64_t lim, bool wide)
{
    char text[32];
    if (lim == (wide ? UINT64_MAX : UINT32_MAX)) {
        d_sym(c, wide ? "RLIM64_INFINITY" : "RLIM_INFINITY");
    } else if (lim > 1024 && lim % 1024 == 0) {
        snprintf(text, sizeof text, "%" PRIu64 "*1024", lim / 1024);
        d_numtext(c, (int64_t)lim, text);
    } else {
        d_uint(c, lim);
    }
}

static void rlimit_pair(struct dcall *c, uint64_t addr, unsigned size)
{
    unsigned char b[16];
    if (!d_fetch(c, addr, b, 2 * size))
        return;
    d_begin(c, false);
    d_field(c, "rlim_cur");
    rlim_value(c, get(b, 0, size), size == 8);
    d_field(c, "rlim_max");
    rlim_value(c, get(b, size, size), size == 8);
    d_end(c, false);
}

static void rlimit64(struct dcall *c, uint64_t addr)
{
    rlimit_pair(c, addr, 8);
}

static void rlimit_abi(struct dcall *c, uint64_t addr)
{
    rlimit_pair(c, addr, d_wordsize(c));
}

static void new_utsname(struct dcall *c, uint64_t addr)
{
    static const char *const names[] = { "sysname", "nodename", "release", "version", "machine",
                                         "domainname" };
    char b[6 * 65];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    unsigned shown = c->opts->verbose ? 6 : 2;
    d_begin(c, false);
    for (unsigned i = 0; i < shown; i++) {
        d_field(c, names[i]);
        c->out->ops->string(c->out, b + 65 * i, strnlen(b + 65 * i, 65), 0);
    }
    d_end(c, shown < 6);
}

static void sysinfo(struct dcall *c, uint64_t addr)
{
    unsigned w = d_wordsize(c);
    unsigned char b[112];
    /* long uptime; ulong loads[3]; ulong totalram, freeram, sharedram,
     * bufferram, totalswap, freeswap; u16 procs, pad; ulong totalhigh,
     * freehigh; u32 mem_unit */
    size_t procs = 10 * w, high = procs + w; /* procs and its pad take a word */
    if (!d_fetch(c, addr, b, high + 2 * w + 4))
        return;
    static const char *const rams[] = { "totalram", "freeram", "sharedram", "bufferram",
                                        "totalswap", "freeswap" };
    d_begin(c, false);
    field_int(c, "uptime", get_signed(b, 0, w));
    d_field(c, "loads");
    d_begin(c, true);
    for (unsigned i = 0; i < 3; i++)
        d_uint(c, get(b, (1 + i) * w, w));
    d_end(c, false);
    for (unsigned i = 0; i < 6; i++)
        field_uint(c, rams[i], get(b, (4 + i) * w, w));
    field_uint(c, "procs", get(b, procs, 2));
    field_uint(c, "totalhigh", get(b, high, w));
    field_uint(c, "freehigh", get(b, high + w, w));
    field_uint(c, "mem_unit", get(b, high + 2 * w, 4));
    d_end(c, false);
}

static void rusage(struct dcall *c, uint64_t addr)
{
    static const char *const longs[] = { "ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss",
                                         "ru_minflt", "ru_majflt", "ru_nswap", "ru_inblock",
                                         "ru_oublock", "ru_msgsnd", "ru_msgrcv", "ru_nsignals",
                                         "ru_nvcsw", "ru_nivcsw" };
    unsigned w = d_wordsize(c);
    unsigned char b[18 * 8];
    if (!d_fetch(c, addr, b, 18 * w))
        return;
    d_begin(c, false);
    d_field(c, "ru_utime");
    timeval_fields(c, get_signed(b, 0, w), get(b, w, w));
    d_field(c, "ru_stime");
    timeval_fields(c, get_signed(b, 2 * w, w), get(b, 3 * w, w));
    unsigned shown = c->opts->verbose ? 14 : 6;
    for (unsigned i = 0; i < shown; i++)
        field_int(c, longs[i], get_signed(b, (4 + i) * w, w));
    d_end(c, shown < 14);
}

/* ---- signals ---- */

/* strace's signal names: the C library's, but SIGIO (not SIGPOLL) for 29,
 * SIGRTMIN for 32 and SIGRT_n above. */
const char *d_signal_abbrev(int sig, char *buf, size_t size)
{
    if (sig == SIGIO)
        return "IO";
    if (sig == 32)
        return "RTMIN";
    if (sig > 32 && sig <= 64) {
        snprintf(buf, size, "RT_%d", sig - 32);
        return buf;
    }
    return sig > 0 ? sigabbrev_np(sig) : NULL;
}

/* strace's sprintsigmask_n: [INT PIPE], ~[RTMIN RT_1] when 2/3 are set. */
void d_sigset_text(const void *set, unsigned bytes, char *out, size_t size)
{
    unsigned words = (bytes + 3) / 4, bits = 0;
    uint32_t mask[16] = { 0 };
    memcpy(mask, set, bytes);
    for (unsigned i = 0; i < words; i++)
        bits += (unsigned)__builtin_popcount(mask[i]);
    size_t len = 0;
    if (bits >= words * 32 * 2 / 3) {
        for (unsigned i = 0; i < words; i++)
            mask[i] = ~mask[i];
        out[len++] = '~';
    }
    char sep = '[';
    for (unsigned i = 0; i < words * 32 && len + 16 < size; i++) {
        if (!(mask[i / 32] & (1u << (i % 32))))
            continue;
        char buf[16];
        const char *name = d_signal_abbrev((int)i + 1, buf, sizeof buf);
        out[len++] = sep;
        if (name)
            len += (size_t)snprintf(out + len, size - len, "%s", name);
        else
            len += (size_t)snprintf(out + len, size - len, "%u", i + 1);
        sep = ' ';
    }
    if (sep == '[')
        out[len++] = '[';
    out[len++] = ']';
    out[len] = '\0';
}

void d_sigset(struct dcall *c, uint64_t addr, uint64_t len)
{
    unsigned char b[64];
    char text[512];
    /* strace's print_sigset_addr_len: a word to NSIG_BYTES (8) bytes */
    if (len < d_wordsize(c) || len > 8) {
        d_ptr(c, addr);
        return;
    }
    if (!d_fetch(c, addr, b, (size_t)len))
        return;
    d_sigset_text(b, (unsigned)len, text, sizeof text);
    d_sym(c, text);
}

/* struct sigaction as the kernel takes it (rt_sigaction): handler, flags,
 * restorer, mask. */
static void kernel_sigaction(struct dcall *c, uint64_t addr)
{
    unsigned w = d_wordsize(c);
    unsigned char b[32];
    if (!d_fetch(c, addr, b, 3 * w + 8))
        return;
    uint64_t handler = get(b, 0, w), flags = get(b, w, w), restorer = get(b, 2 * w, w);
    char text[512];
    d_begin(c, false);
    d_field(c, "sa_handler");
    const struct xlat *handlers = xlat_find(c->ev->arch, "sigaction_handler");
    const char *name = handlers ? xlat_value_name(handlers, handler) : NULL;
    if (name) /* SIG_DFL, SIG_IGN */
        d_sym(c, name);
    else
        d_ptr(c, handler);
    d_field(c, "sa_mask");
    d_sigset_text(b + 3 * w, 8, text, sizeof text);
    d_sym(c, text);
    d_field(c, "sa_flags");
    d_xlat(c, "sigaction_flags", flags);
    if (flags & 0x04000000) { /* SA_RESTORER */
        d_field(c, "sa_restorer");
        d_ptr(c, restorer);
    }
    d_end(c, false);
}

/* ---- descriptors, polling ---- */

/* int *: [3] (strace's printnum_int) */
static void int_ptr(struct dcall *c, uint64_t addr)
{
    unsigned char b[4];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    d_begin(c, true);
    d_int(c, get_signed(b, 0, 4));
    d_end(c, false);
}

/* int[2] of descriptors: pipe's [3, 4] */
static void fd_pair(struct dcall *c, uint64_t addr)
{
    unsigned char b[8];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    d_begin(c, true);
    d_fd(c, get_signed(b, 0, 4));
    d_fd(c, get_signed(b, 4, 4));
    d_end(c, false);
}

static void open_how(struct dcall *c, uint64_t addr)
{
    unsigned char b[24];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    uint64_t flags = get(b, 0, 8), mode = get(b, 8, 8);
    d_begin(c, false);
    d_field(c, "flags");
    d_xlat(c, "openat2_flags", flags);
    if (flags & (O_CREAT | 020000000 /* the kernel's __O_TMPFILE */) || mode) {
        d_field(c, "mode");
        d_mode(c, mode);
    }
    d_field(c, "resolve");
    d_xlat(c, "open_how_resolve", get(b, 16, 8));
    d_end(c, false);
}

static void sched_param(struct dcall *c, uint64_t addr)
{
    unsigned char b[4];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    d_begin(c, false);
    field_int(c, "sched_priority", get_signed(b, 0, 4));
    d_end(c, false);
}

/* i386's struct user_desc (set_thread_area, clone's tls) */
static void user_desc(struct dcall *c, uint64_t addr)
{
    unsigned char b[16];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    uint32_t bits = (uint32_t)get(b, 12, 4);
    char text[24];
    static const struct {
        const char *name;
        unsigned shift, width;
    } fields[] = {
        { "seg_32bit", 0, 1 }, { "contents", 1, 2 }, { "read_exec_only", 3, 1 },
        { "limit_in_pages", 4, 1 }, { "seg_not_present", 5, 1 }, { "useable", 6, 1 },
    };
    d_begin(c, false);
    field_int(c, "entry_number", (int32_t)get(b, 0, 4));
    snprintf(text, sizeof text, "%#08" PRIx64, get(b, 4, 4));
    d_field(c, "base_addr");
    d_numtext(c, (int64_t)get(b, 4, 4), text);
    snprintf(text, sizeof text, "%#08" PRIx64, get(b, 8, 4) & 0xfffff);
    d_field(c, "limit");
    d_numtext(c, (int64_t)(get(b, 8, 4) & 0xfffff), text);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        field_uint(c, fields[i].name, (bits >> fields[i].shift) & ((1u << fields[i].width) - 1));
    d_end(c, false);
}

/* a 64-bit integer the kernel reads or writes: [10] */
static void int64_ptr(struct dcall *c, uint64_t addr)
{
    unsigned char b[8];
    if (!d_fetch(c, addr, b, sizeof b))
        return;
    d_begin(c, true);
    d_int(c, get_signed(b, 0, 8));
    d_end(c, false);
}

/* ---- the registry ---- */

static struct {
    const char *type;
    dstruct_fn fn;
} registry[] = {
    { "__kernel_old_timeval", timeval },
    { "__kernel_timespec", kernel_timespec },
    { "compat_rlimit", rlimit_abi },
    { "compat_rusage", rusage },
    { "compat_sigaction", kernel_sigaction },
    { "compat_stat", stat_32 },
    { "compat_sysinfo", sysinfo },
    { "int", int_ptr },
    { "int[2]", fd_pair },
    { "loff_t", int64_ptr },
    { "new_utsname", new_utsname },
    { "old_timespec32", timespec },
    { "old_timeval32", timeval },
    { "open_how", open_how },
    { "rlimit", rlimit_abi },
    { "rlimit64", rlimit64 },
    { "rusage", rusage },
    { "sched_param", sched_param },
    { "sigaction", kernel_sigaction },
    { "stat", stat_abi },
    { "stat64", stat64_32 },
    { "statx", statx_struct },
    { "sysinfo", sysinfo },
    { "user_desc", user_desc },
};

dstruct_fn dstruct_find(const char *type)
{
    static bool sorted;
    const void *found = d_lookup(type, registry, sizeof registry / sizeof registry[0],
                                 sizeof registry[0], &sorted);
    return found ? ((const __typeof__(registry[0]) *)found)->fn : NULL;
}
