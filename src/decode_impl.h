/* What the decoders share (decode*.c only): the call being decoded and
 * the helpers that emit one value each, as strace's print functions do. */
#ifndef WTLUA_DECODE_IMPL_H
#define WTLUA_DECODE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "sysent.h"
#include "xlat.h"

struct dcall {
    struct dsink *out;
    const struct decode_opts *opts;
    const struct syscall_event *ev;
    const struct sysent *ent;       /* the (sub-)call's signature */
    uint64_t args[6];               /* its arguments, narrowed to the ABI's width */
    bool exiting;
    bool compat;                    /* a 32-bit ABI: 4-byte longs and pointers */
    bool sub;                       /* a sub-call of i386's socketcall or ipc */
    struct decode_result *res;      /* at an exit */
    struct decode_saved *saved;     /* kept from the entry, or NULL */
};

/* What a decoder returns: whether the call has more to show at its exit. */
enum { DEC_MORE = 0, DEC_DONE = 1 };

typedef int (*dcall_fn)(struct dcall *c);
/* What is special about a syscall: its own decoder (NULL: the generic
 * one) and how its result shows. */
struct dspecial {
    const char *name;
    dcall_fn fn;
    enum decode_rval rval;
};
/* The syscall's entry, or NULL: decoded by kinds, a decimal result
 * (decode_calls.c). */
const struct dspecial *dcall_special(const char *name);

/* A struct or array element's decoder: prints the object at addr (addr is
 * never 0 and was not yet read).  struct dcall gives the call. */
typedef void (*dstruct_fn)(struct dcall *c, uint64_t addr);
/* The decoder of C type `type` ("stat", "__kernel_timespec"), or NULL
 * (decode_structs.c). */
dstruct_fn dstruct_find(const char *type);

/* The generic decoder: arguments by kind, those the kernel fills at the
 * exit. */
int dcall_generic(struct dcall *c);

/* The element of table (count elements of size bytes, each starting with
 * its name, a const char *) named name, or NULL; the table is sorted on
 * the first lookup. */
const void *d_lookup(const char *name, void *table, size_t count, size_t size, bool *sorted);

/* ---- values ---- */

static inline bool d_exiting(const struct dcall *c) { return c->exiting; }
static inline unsigned d_wordsize(const struct dcall *c) { return c->compat ? 4 : 8; }
/* The call's return value (at its exit), and whether it failed. */
static inline int64_t d_ret(const struct dcall *c) { return c->ev->ret; }
static inline bool d_failed(const struct dcall *c) { return c->ev->is_error; }

/* The next value is argument i (0-based): its name for structured output. */
void d_argname(struct dcall *c, unsigned i);
/* The next value's shown name: a struct field ("st_mode="). */
void d_field(struct dcall *c, const char *name);
/* A field's name that strace's text leaves out (its value says it:
 * inet_pton(AF_INET6, "::1", &sin6_addr)). */
void d_unshown_field(struct dcall *c, const char *name);

void d_int(struct dcall *c, int64_t v);
void d_uint(struct dcall *c, uint64_t v);
void d_hex(struct dcall *c, uint64_t v);        /* 0x1f, 0 */
void d_ptr(struct dcall *c, uint64_t addr);     /* NULL, 0x... */
void d_sym(struct dcall *c, const char *text);
void d_numtext(struct dcall *c, int64_t v, const char *text);
void d_symtext(struct dcall *c, const char *text, const char *value);
/* A value to keep from the entry for the exit (false: none was kept). */
void d_save(struct dcall *c, uint64_t v);
bool d_saved(const struct dcall *c, uint64_t *v);
void d_comment(struct dcall *c, const char *text);
void d_begin(struct dcall *c, bool array);
void d_end(struct dcall *c, bool more);

/* v as the xlat set `set` shows it (xlat_format): flag names joined by
 * "|", a value's name, or the number with strace's comment on it. */
void d_xlat(struct dcall *c, const char *set, uint64_t v);
/* The same from the set of a family that key chooses
 * ("socket_protocol", AF_INET); the number when there is none. */
void d_xlat_keyed(struct dcall *c, const char *family, uint64_t key, uint64_t v);
/* The text of d_xlat into buf; returns buf. */
const char *d_xlat_text(const struct dcall *c, const char *set, uint64_t v, char *buf,
                        size_t size);

void d_fd(struct dcall *c, int64_t fd);
void d_dirfd(struct dcall *c, int64_t fd);
void d_mode(struct dcall *c, uint64_t mode);         /* 0644, as umode_t */
void d_mode_type(struct dcall *c, uint64_t mode);    /* S_IFREG|0644 */
void d_signal(struct dcall *c, int64_t sig);         /* SIGINT, or the number */
/* strace's name of signal sig without "SIG" (IO, RTMIN, RT_1), or NULL. */
const char *d_signal_abbrev(int sig, char *buf, size_t size);
/* The text of a sigset of bytes bytes: [INT PIPE], ~[RTMIN RT_1]. */
void d_sigset_text(const void *set, unsigned bytes, char *out, size_t size);
/* A sigset of len bytes at addr: [INT PIPE], ~[RTMIN RT_1]. */
void d_sigset(struct dcall *c, uint64_t addr, uint64_t len);

/* A NUL-terminated file name, whole (strace's printpath). */
void d_path(struct dcall *c, uint64_t addr);
/* A NUL-terminated string, up to the -s limit (printstr). */
void d_str(struct dcall *c, uint64_t addr);
/* len bytes, up to the -s limit (printstrn); flags: DSTR_HEX. */
void d_buf(struct dcall *c, uint64_t addr, uint64_t len, unsigned flags);

/* Reads len bytes at addr; false (nothing emitted) when not all could be. */
bool d_read(struct dcall *c, uint64_t addr, void *buf, size_t len);
/* strace's umove_or_printaddr: reads the object at addr, or emits NULL /
 * the address and returns false. */
bool d_fetch(struct dcall *c, uint64_t addr, void *buf, size_t len);
/* A pointer-sized word of the tracee's ABI at addr. */
bool d_read_word(struct dcall *c, uint64_t addr, uint64_t *word);

/* The object at addr of C type `type` (a struct pointer argument):
 * NULL, its decoder's output, or the address when the type has none. */
void d_struct(struct dcall *c, const char *type, uint64_t addr);

/* Argument i by its kind in the signature. */
void d_arg(struct dcall *c, unsigned i);
/* Arguments from..to-1, each named, by kind. */
void d_args(struct dcall *c, unsigned from, unsigned to);

/* Text into the result's auxiliary part, strace's " (...)" after it. */
void d_aux(struct dcall *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
