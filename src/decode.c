/* The decoding of a call: its decoder (its own, or the generic one that
 * follows the signature's kinds), the helpers that emit one value each,
 * and the result. */
#include "decode.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/audit.h>

#include "decode_impl.h"
#include "memory.h"
#include "paths.h"

/* ---- emitting ---- */

void d_argname(struct dcall *c, unsigned i)
{
    c->out->ops->name(c->out, i < c->ent->nargs ? c->ent->args[i].name : "?", false);
}

void d_field(struct dcall *c, const char *name)
{
    c->out->ops->name(c->out, name, true);
}

void d_unshown_field(struct dcall *c, const char *name)
{
    c->out->ops->name(c->out, name, false);
}

void d_int(struct dcall *c, int64_t v)
{
    c->out->ops->integer(c->out, v);
}

void d_uint(struct dcall *c, uint64_t v)
{
    c->out->ops->uinteger(c->out, v);
}

void d_hex(struct dcall *c, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%#" PRIx64, v);
    c->out->ops->number_as(c->out, (int64_t)v, text);
}

void d_ptr(struct dcall *c, uint64_t addr)
{
    c->out->ops->pointer(c->out, addr);
}

void d_sym(struct dcall *c, const char *text)
{
    c->out->ops->symbol(c->out, text);
}

void d_numtext(struct dcall *c, int64_t v, const char *text)
{
    c->out->ops->number_as(c->out, v, text);
}

void d_symtext(struct dcall *c, const char *text, const char *value)
{
    c->out->ops->symbol_as(c->out, text, value);
}

void d_save(struct dcall *c, uint64_t v)
{
    if (c->saved) {
        c->saved->has = true;
        c->saved->value = v;
    }
}

bool d_saved(const struct dcall *c, uint64_t *v)
{
    if (!c->saved || !c->saved->has)
        return false;
    *v = c->saved->value;
    return true;
}

void d_comment(struct dcall *c, const char *text)
{
    c->out->ops->comment(c->out, text);
}

void d_begin(struct dcall *c, bool array)
{
    c->out->ops->begin(c->out, array);
}

void d_end(struct dcall *c, bool more)
{
    c->out->ops->end(c->out, more);
}

void d_aux(struct dcall *c, const char *fmt, ...)
{
    if (!c->res)
        return;
    size_t len = strlen(c->res->aux);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->res->aux + len, sizeof c->res->aux - len, fmt, ap);
    va_end(ap);
}

const char *d_xlat_text(const struct dcall *c, const char *set, uint64_t v, char *buf,
                        size_t size)
{
    const struct xlat *x = xlat_find(c->ev->arch, set);
    if (x)
        xlat_format(x, v, buf, size);
    else
        snprintf(buf, size, "%#" PRIx64, v);
    return buf;
}

/* A set's text as a value: in structured output without strace's comment
 * on an unknown value ("0x10 / * RLIMIT_??? * /" is "0x10"). */
static void xlat_value(struct dcall *c, const char *text)
{
    const char *comment = strstr(text, " /* ");
    if (!comment) {
        d_sym(c, text);
        return;
    }
    char value[64];
    snprintf(value, sizeof value, "%.*s", (int)(comment - text), text);
    d_symtext(c, text, value);
}

void d_xlat(struct dcall *c, const char *set, uint64_t v)
{
    char text[512];
    xlat_value(c, d_xlat_text(c, set, v, text, sizeof text));
}

void d_xlat_keyed(struct dcall *c, const char *family, uint64_t key, uint64_t v)
{
    const struct xlat *x = xlat_find_keyed(c->ev->arch, family, key);
    char text[512];
    if (!x) {
        d_uint(c, v);
        return;
    }
    xlat_format(x, v, text, sizeof text);
    xlat_value(c, text);
}

/* -y: what fd is, from its /proc link. */
static void fd_with_path(struct dcall *c, int64_t fd)
{
    char path[PATH_MAX], link[32];
    enum path_kind kind;
    if (c->opts->fd_paths && fd >= 0 && fd <= INT_MAX) {
        snprintf(link, sizeof link, "fd/%d", (int)fd);
        if (path_read_link(c->ev->tid, link, path, sizeof path, &kind) == 0) {
            c->out->ops->fd(c->out, fd, path, kind == PATH_DELETED);
            return;
        }
    }
    c->out->ops->fd(c->out, fd, NULL, false);
}

void d_fd(struct dcall *c, int64_t fd)
{
    fd_with_path(c, (int32_t)fd);
}

void d_dirfd(struct dcall *c, int64_t fd)
{
    fd = (int32_t)fd;
    if (fd != AT_FDCWD) {
        fd_with_path(c, fd);
        return;
    }
    char path[PATH_MAX];
    enum path_kind kind;
    if (c->opts->fd_paths && path_read_link(c->ev->tid, "cwd", path, sizeof path, &kind) == 0) {
        /* strace -y: AT_FDCWD</cwd> */
        struct dtext t;
        dtext_init(&t);
        t.sink.ops->fd(&t.sink, 0, path, kind == PATH_DELETED);
        const char *bracket = t.buf ? strchr(t.buf, '<') : NULL;
        char text[PATH_MAX * 4 + 16];
        snprintf(text, sizeof text, "AT_FDCWD%s", bracket ? bracket : "");
        dtext_free(&t);
        d_sym(c, text);
        return;
    }
    d_sym(c, "AT_FDCWD");
}

void d_mode(struct dcall *c, uint64_t mode)
{
    char text[16];
    snprintf(text, sizeof text, "%#03" PRIo64, mode & 0xffff);
    d_sym(c, text);
}

void d_mode_type(struct dcall *c, uint64_t mode)
{
    d_xlat(c, "file_mode", mode);
}

void d_signal(struct dcall *c, int64_t sig)
{
    char buf[16], text[32];
    const char *abbrev = sig > 0 && sig < INT_MAX ? d_signal_abbrev((int)sig, buf, sizeof buf) : NULL;
    if (abbrev) {
        snprintf(text, sizeof text, "SIG%s", abbrev);
        d_sym(c, text);
    } else {
        d_int(c, sig);
    }
}

/* ---- numbers ---- */

size_t d_decimal(int64_t v, char *out)
{
    char digits[24];
    size_t n = 0, len = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        digits[n++] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = digits[--n];
    out[len] = '\0';
    return len;
}

/* ---- registries ---- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int compare_key(const void *key, const void *element)
{
    return strcmp(key, *(const char *const *)element);
}

const void *d_lookup(const char *name, void *table, size_t count, size_t size, bool *sorted)
{
    if (!*sorted) { /* written in the order that reads best */
        qsort(table, count, size, compare_names);
        *sorted = true;
    }
    return bsearch(name, table, count, size, compare_key);
}

/* ---- tracee memory ---- */

bool d_read(struct dcall *c, uint64_t addr, void *buf, size_t len)
{
    return len == 0 || mem_read(c->ev->tid, addr, buf, len) == (ssize_t)len;
}

bool d_fetch(struct dcall *c, uint64_t addr, void *buf, size_t len)
{
    if (addr && d_read(c, addr, buf, len))
        return true;
    d_ptr(c, addr);
    return false;
}

bool d_read_word(struct dcall *c, uint64_t addr, uint64_t *word)
{
    if (c->compat) {
        uint32_t w;
        if (!d_read(c, addr, &w, sizeof w))
            return false;
        *word = w;
        return true;
    }
    return d_read(c, addr, word, sizeof *word);
}

void d_path(struct dcall *c, uint64_t addr)
{
    char path[PATH_MAX];
    bool truncated;
    if (!addr) {
        d_ptr(c, 0);
        return;
    }
    ssize_t n = mem_read_string(c->ev->tid, addr, path, sizeof path - 1, &truncated);
    if (n < 0) {
        d_ptr(c, addr);
        return;
    }
    c->out->ops->string(c->out, path, (size_t)n, truncated ? DSTR_CUT : 0);
}

void d_str(struct dcall *c, uint64_t addr)
{
    unsigned limit = c->opts->string_limit;
    char buf[limit + 2];
    bool truncated;
    if (!addr) {
        d_ptr(c, 0);
        return;
    }
    ssize_t n = mem_read_string(c->ev->tid, addr, buf, limit + 1, &truncated);
    if (n < 0) {
        d_ptr(c, addr);
        return;
    }
    bool cut = (size_t)n > limit || (truncated && (size_t)n < limit + 1);
    c->out->ops->string(c->out, buf, (size_t)n > limit ? limit : (size_t)n, cut ? DSTR_CUT : 0);
}

void d_buf(struct dcall *c, uint64_t addr, uint64_t len, unsigned flags)
{
    unsigned limit = c->opts->string_limit;
    char buf[limit + 1];
    if (!addr) {
        d_ptr(c, 0);
        return;
    }
    /* strace reads one byte more than it shows, and shows the address
     * when not all of them can be read */
    size_t want = len > limit ? limit + 1 : (size_t)len;
    if (!d_read(c, addr, buf, want)) {
        d_ptr(c, addr);
        return;
    }
    size_t shown = want > limit ? limit : want;
    c->out->ops->string(c->out, buf, shown, flags | (len > limit ? DSTR_CUT : 0));
}

void d_struct(struct dcall *c, const char *type, uint64_t addr)
{
    dstruct_fn fn = type ? dstruct_find(type) : NULL;
    if (!addr || !fn)
        d_ptr(c, addr);
    else
        fn(c, addr);
}

/* ---- arguments by kind ---- */

/* The length of argument i's buffer: the argument `len` names, the value
 * it points to, or the return value. */
static bool arg_len(struct dcall *c, const struct sysent_arg *a, uint64_t *len)
{
    if (a->len == SYSENT_LEN_RET) {
        if (!c->exiting || d_failed(c))
            return false;
        *len = (uint64_t)d_ret(c);
        return true;
    }
    if (a->len == 0 || a->len > c->ent->nargs)
        return false;
    const struct sysent_arg *la = &c->ent->args[a->len - 1];
    uint64_t v = c->args[a->len - 1];
    if (la->kind == SYSENT_STRUCT) { /* through a pointer: socklen_t *addrlen */
        uint32_t n;
        if (!v || !d_read(c, v, &n, sizeof n))
            return false;
        v = n;
    }
    *len = v;
    return true;
}

/* The size of an integer element type of an array argument, or 0. */
static size_t int_element(const char *type)
{
    static const struct {
        const char *type;
        size_t size;
    } types[] = { { "int", 4 }, { "gid_t", 4 }, { "u32", 4 }, { "old_gid_t", 2 }, { "u64", 8 } };
    for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i].type) == 0)
            return types[i].size;
    return 0;
}

/* count integers at addr: [0, 1, 2], at most the string limit of them */
static void int_array(struct dcall *c, uint64_t addr, uint64_t count, size_t size)
{
    unsigned char b[8];
    if (!addr || (count && !d_read(c, addr, b, size))) {
        d_ptr(c, addr);
        return;
    }
    d_begin(c, true);
    for (uint64_t i = 0; i < count; i++) {
        if (!c->opts->verbose && i >= c->opts->string_limit) {
            d_end(c, true);
            return;
        }
        uint64_t v = 0;
        if (!d_read(c, addr + i * size, &v, size)) {
            d_end(c, true);
            return;
        }
        if (size == 2)
            d_uint(c, (uint16_t)v);
        else if (size == 4)
            d_int(c, (int32_t)v);
        else
            d_uint(c, v);
    }
    d_end(c, false);
}

void d_arg(struct dcall *c, unsigned i)
{
    const struct sysent_arg *a = &c->ent->args[i];
    uint64_t v = c->args[i];
    uint64_t len;
    d_argname(c, i);
    switch (a->kind) {
    case SYSENT_INT:
    case SYSENT_PID:
        d_int(c, (int64_t)v);
        break;
    case SYSENT_UID:
    case SYSENT_GID:
        /* strace: -1 for (uid_t)-1 */
        if ((uint32_t)v == UINT32_MAX)
            d_int(c, -1);
        else
            d_uint(c, (uint32_t)v);
        break;
    case SYSENT_UINT:
    case SYSENT_SIZE:
        d_uint(c, v);
        break;
    case SYSENT_OFFSET:
        d_int(c, (int64_t)v);
        break;
    case SYSENT_PTR:
    case SYSENT_HIGH32:
        d_ptr(c, v);
        break;
    case SYSENT_FD:
        d_fd(c, v);
        break;
    case SYSENT_DIRFD:
        d_dirfd(c, v);
        break;
    case SYSENT_PATH:
        d_path(c, v);
        break;
    case SYSENT_STRING:
        d_str(c, v);
        break;
    case SYSENT_BUFFER:
        if (a->dir == SYSENT_OUT && c->exiting && d_failed(c))
            d_ptr(c, v);
        else if (arg_len(c, a, &len))
            d_buf(c, v, len, 0);
        else
            d_ptr(c, v);
        break;
    case SYSENT_FLAGS:
    case SYSENT_ENUM:
        d_xlat(c, a->type, v);
        break;
    case SYSENT_MODE:
        d_mode(c, v);
        break;
    case SYSENT_SIGNAL:
        d_signal(c, (int64_t)v);
        break;
    case SYSENT_STRUCT:
        if (a->dir == SYSENT_OUT && d_failed(c))
            d_ptr(c, v);
        else
            d_struct(c, a->type, v);
        break;
    case SYSENT_ARRAY:
        if (int_element(a->type) && !(a->dir == SYSENT_OUT && d_failed(c)) && arg_len(c, a, &len))
            int_array(c, v, len, int_element(a->type));
        else
            d_ptr(c, v);
        break;
    default:
        d_ptr(c, v);
        break;
    }
}

void d_args(struct dcall *c, unsigned from, unsigned to)
{
    for (unsigned i = from; i < to && i < c->ent->nargs; i++)
        d_arg(c, i);
}

/* Whether strace shows argument a only at the exit: what the kernel fills. */
static bool shown_at_exit(const struct sysent_arg *a)
{
    if (a->dir == SYSENT_OUT)
        return true;
    return a->kind == SYSENT_BUFFER && a->len == SYSENT_LEN_RET;
}

/* The decoder of a call without its own: arguments up to the first that
 * the kernel fills at the entry, the rest at the exit. */
int dcall_generic(struct dcall *c)
{
    unsigned first_out = c->ent->nargs;
    for (unsigned i = 0; i < c->ent->nargs; i++) {
        if (c->ent->args[i].kind == SYSENT_HIGH32)
            continue;
        if (shown_at_exit(&c->ent->args[i])) {
            first_out = i;
            break;
        }
    }
    if (!c->exiting) {
        for (unsigned i = 0; i < first_out; i++)
            if (c->ent->args[i].kind != SYSENT_HIGH32)
                d_arg(c, i);
        return first_out == c->ent->nargs ? DEC_DONE : DEC_MORE;
    }
    for (unsigned i = first_out; i < c->ent->nargs; i++)
        if (c->ent->args[i].kind != SYSENT_HIGH32)
            d_arg(c, i);
    return DEC_DONE;
}

/* ---- the call ---- */

/* Fills c for ev: the (sub-)call's signature and its arguments. */
static void prepare(struct dcall *c, const struct syscall_event *ev)
{
    c->ent = sysent_lookup(ev->arch, ev->nr);
    c->compat = ev->arch->audit != AUDIT_ARCH_X86_64;
    for (unsigned i = 0; i < 6; i++)
        c->args[i] = c->compat ? (uint32_t)ev->args[i] : ev->args[i];
    const struct sysent *sub = c->ent ? sysent_subcall(c->ent, c->args[0]) : NULL;
    if (sub && strcmp(c->ent->name, "socketcall") == 0) {
        /* socketcall(call, args): the sub-call's arguments are u32s at args */
        uint32_t words[6] = { 0 };
        if (mem_read(ev->tid, c->args[1], words, sub->nargs * sizeof words[0]) ==
            (ssize_t)(sub->nargs * sizeof words[0])) {
            for (unsigned i = 0; i < 6; i++)
                c->args[i] = words[i];
            c->ent = sub;
            c->sub = true;
        }
    } else if (sub) {
        /* ipc(call, first, second, third, ptr, fifth) */
        for (unsigned i = 0; i < 5; i++)
            c->args[i] = c->args[i + 1];
        c->args[5] = 0;
        c->ent = sub;
        c->sub = true;
    }
    /* each argument as the kernel reads it: its C type's width and sign,
     * a 64-bit value whole from i386's two halves */
    uint64_t raw[6];
    memcpy(raw, c->args, sizeof raw);
    for (unsigned i = 0; c->ent && i < c->ent->nargs; i++) {
        const struct sysent_arg *a = &c->ent->args[i];
        if (a->hi) {
            c->args[i] = (uint32_t)raw[i] | raw[a->hi - 1] << 32;
        } else if (a->size && a->size < 8) {
            unsigned bits = a->size * 8u;
            c->args[i] = raw[i] & ((UINT64_C(1) << bits) - 1);
            if (a->is_signed && c->args[i] >> (bits - 1))
                c->args[i] |= ~UINT64_C(0) << bits;
        }
    }
}

static const struct sysent unknown_call = { .name = "?", .nargs = 6, .flags = SYSENT_F_NOSIG,
    .args = { { .name = "arg1", .kind = SYSENT_PTR }, { .name = "arg2", .kind = SYSENT_PTR },
              { .name = "arg3", .kind = SYSENT_PTR }, { .name = "arg4", .kind = SYSENT_PTR },
              { .name = "arg5", .kind = SYSENT_PTR }, { .name = "arg6", .kind = SYSENT_PTR } } };

const char *decode_name(const struct syscall_event *ev)
{
    const struct sysent *e = sysent_lookup(ev->arch, ev->nr);
    if (e && sysent_subcall(e, ev->args[0])) { /* socketcall, ipc */
        struct dcall c = { .ev = ev };
        prepare(&c, ev);
        if (c.sub)
            return c.ent->name;
    }
    return arch_syscall_name(ev->arch, ev->nr);
}

/* The special entry of a signature, cached by its address: looked up by
 * name once per syscall, where a search per call was a tenth of the cost. */
static const struct dspecial *special_of(const struct sysent *ent)
{
    static struct {
        const struct sysent *ent;
        const struct dspecial *special;
    } cache[512];
    size_t slot = ((uintptr_t)ent / sizeof *ent) % (sizeof cache / sizeof cache[0]);
    if (cache[slot].ent != ent) {
        cache[slot].ent = ent;
        cache[slot].special = dcall_special(ent->name);
    }
    return cache[slot].special;
}

static int run_decoder(struct dcall *c, const struct dspecial *special)
{
    return special && special->fn ? special->fn(c) : dcall_generic(c);
}

bool decode_call(struct dsink *out, const struct syscall_event *ev, const struct decode_opts *opts,
                 enum decode_phase phase, struct decode_result *res, struct decode_saved *saved)
{
    struct dcall c = { .out = out, .opts = opts, .ev = ev, .res = res, .saved = saved };
    if (saved && phase != DECODE_EXIT)
        saved->has = false;
    prepare(&c, ev);
    if (!c.ent || c.ent->flags & SYSENT_F_NOSIG)
        c.ent = &unknown_call;
    const struct dspecial *special = special_of(c.ent);
    if (res) {
        res->rval = special ? special->rval : RVAL_DEC;
        res->aux[0] = '\0';
    }
    if (phase != DECODE_EXIT) {
        c.exiting = false;
        if (run_decoder(&c, special) == DEC_DONE)
            return false;
    }
    if (phase == DECODE_ENTRY)
        return true;
    c.exiting = true;
    run_decoder(&c, special);
    return false;
}

/* ---- the result ---- */

/* The kernel's errnos that never reach user space as such, and so have no
 * name in the C library (include/linux/errno.h); strace names them. */
static const char *const kernel_errnos[] = {
    [512 - 512] = "ERESTARTSYS",   [513 - 512] = "ERESTARTNOINTR",
    [514 - 512] = "ERESTARTNOHAND", [515 - 512] = "ENOIOCTLCMD",
    [516 - 512] = "ERESTART_RESTARTBLOCK", [517 - 512] = "EPROBE_DEFER",
    [518 - 512] = "EOPENSTALE",    [519 - 512] = "ENOPARAM",
    [521 - 512] = "EBADHANDLE",    [522 - 512] = "ENOTSYNC",
    [523 - 512] = "EBADCOOKIE",    [524 - 512] = "ENOTSUPP",
    [525 - 512] = "ETOOSMALL",     [526 - 512] = "ESERVERFAULT",
    [527 - 512] = "EBADTYPE",      [528 - 512] = "EJUKEBOX",
    [529 - 512] = "EIOCBQUEUED",   [530 - 512] = "ERECALLCONFLICT",
};

const char *decode_errno_name(int64_t err)
{
    if (err >= 512 && err < 512 + (int64_t)(sizeof kernel_errnos / sizeof kernel_errnos[0]))
        return kernel_errnos[err - 512];
    if (err > 0 && err < 4096)
        return strerrorname_np((int)err);
    return NULL;
}

/* strace's texts for the restart errnos, which the tracee never sees. */
static const char *restart_text(int64_t err)
{
    switch (err) {
    case 512: return "? ERESTARTSYS (To be restarted if SA_RESTART is set)";
    case 513: return "? ERESTARTNOINTR (To be restarted)";
    case 514: return "? ERESTARTNOHAND (To be restarted if no handler)";
    case 516: return "? ERESTART_RESTARTBLOCK (Interrupted by signal)";
    default: return NULL;
    }
}

size_t decode_result_text(const struct syscall_event *ev, const struct decode_result *res,
                          const struct decode_opts *opts, char *out, size_t outsz)
{
    int n;
    if (res->rval == RVAL_DEC && !ev->is_error && !res->aux[0] && outsz >= 24) {
        /* the usual result, without snprintf's cost */
        int64_t v = ev->arch->audit != AUDIT_ARCH_X86_64 ? (int32_t)ev->ret : ev->ret;
        return d_decimal(v, out);
    }
    bool compat = ev->arch->audit != AUDIT_ARCH_X86_64;
    if (res->rval == RVAL_NONE) {
        n = snprintf(out, outsz, "?");
    } else if (ev->is_error) {
        int64_t err = -ev->ret;
        const char *name = decode_errno_name(err);
        const char *restart = restart_text(err);
        if (restart)
            n = snprintf(out, outsz, "%s", restart);
        else if (name)
            n = snprintf(out, outsz, "-1 %s (%s)", name, strerror((int)err));
        else
            n = snprintf(out, outsz, "-1 (errno %" PRId64 ")", err);
    } else {
        uint64_t v = compat ? (uint32_t)ev->ret : (uint64_t)ev->ret;
        switch (res->rval) {
        case RVAL_HEX: n = snprintf(out, outsz, "%#" PRIx64, v); break;
        case RVAL_OCT: n = snprintf(out, outsz, "%#03" PRIo64, v); break;
        case RVAL_FD:
            if (opts->fd_paths && ev->ret >= 0 && ev->ret <= INT_MAX) {
                struct dtext t;
                char path[PATH_MAX], link[32];
                enum path_kind kind;
                snprintf(link, sizeof link, "fd/%d", (int)ev->ret);
                dtext_init(&t);
                if (path_read_link(ev->tid, link, path, sizeof path, &kind) == 0)
                    t.sink.ops->fd(&t.sink, ev->ret, path, kind == PATH_DELETED);
                else
                    t.sink.ops->fd(&t.sink, ev->ret, NULL, false);
                n = snprintf(out, outsz, "%s", t.buf ? t.buf : "?");
                dtext_free(&t);
                break;
            }
            /* fall through */
        default:
            n = snprintf(out, outsz, "%" PRId64, compat ? (int64_t)(int32_t)ev->ret : ev->ret);
            break;
        }
    }
    if (n < 0)
        n = 0;
    size_t len = (size_t)n < outsz ? (size_t)n : outsz - 1;
    if (res->aux[0] && len + 1 < outsz)
        len += (size_t)snprintf(out + len, outsz - len, " (%s)", res->aux);
    return len < outsz ? len : outsz - 1;
}
