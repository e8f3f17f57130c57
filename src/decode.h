/* Decoding a syscall's arguments and result as strace shows them.
 *
 * One set of decoders (decode*.c), two outputs: the decoders never print,
 * they hand each value to a sink.  The text sink here (dtext) writes
 * strace's syntax; lua_sink.c builds Lua tables from the same calls.  A
 * call is decoded in two halves, as strace does: at its entry the
 * arguments the kernel reads (they may change before the exit), at its
 * exit the ones it wrote and the result.  No Lua here, so that the
 * decoders can be tested on known bytes in C. */
#ifndef WTLUA_DECODE_H
#define WTLUA_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stop.h"

/* strace's default -s: bytes shown of a string or buffer. */
#define DECODE_STRING_LIMIT 32

struct decode_opts {
    unsigned string_limit;  /* strace -s */
    bool fd_paths;          /* strace -y: 3</etc/passwd> */
    bool verbose;           /* strace -v: whole structs, execve's envp */
};

/* dsink_ops.string's flags */
enum {
    DSTR_CUT = 1u << 0,     /* more bytes follow: strace's "..." after the quote */
    DSTR_HEX = 1u << 1,     /* every byte as \xNN (strace's QUOTE_FORCE_HEX) */
};

struct dsink;

/* What decoders emit.  Values at one level (the arguments, a struct's
 * fields, an array's elements) come one after another; the sink puts the
 * separators in. */
struct dsink_ops {
    /* The next value's name.  shown: the text shows "name=" (a struct
     * field; a named argument such as clone's flags=); else the name is
     * for structured output only (a positional argument). */
    void (*name)(struct dsink *, const char *name, bool shown);
    void (*begin)(struct dsink *, bool array);      /* { or [ */
    void (*end)(struct dsink *, bool more);         /* } or ]; more: "..." before it */
    void (*integer)(struct dsink *, int64_t v);
    void (*uinteger)(struct dsink *, uint64_t v);
    /* A value that is its text: AT_FDCWD, O_RDONLY|O_CLOEXEC, 0644. */
    void (*symbol)(struct dsink *, const char *text);
    /* A number that strace shows as text (8192*1024, 0x1f): text in text
     * output, the number in structured output. */
    void (*number_as)(struct dsink *, int64_t v, const char *text);
    /* A value that strace shows as an expression (inet_addr("127.0.0.1")):
     * text in text output, value in structured output. */
    void (*symbol_as)(struct dsink *, const char *text, const char *value);
    void (*pointer)(struct dsink *, uint64_t addr); /* NULL or 0x7ffe... */
    /* Bytes, quoted as strace quotes them (DSTR_* flags). */
    void (*string)(struct dsink *, const char *buf, size_t len, unsigned flags);
    /* A file descriptor; path (-y) is what it refers to, or NULL. */
    void (*fd)(struct dsink *, int64_t fd, const char *path, bool deleted);
    /* A remark on the value just emitted: strace's  / * 41 vars * /. */
    void (*comment)(struct dsink *, const char *text);
    /* The next value is what the kernel changed the last one to:
     * strace's "[16 => 8]", "{...} => {parent_tid=[42]}". */
    void (*changed)(struct dsink *);
};

struct dsink {
    const struct dsink_ops *ops;
};

/* Which part of a call to decode. */
enum decode_phase {
    DECODE_ENTRY,   /* at the entry: what strace prints at the entry */
    DECODE_EXIT,    /* at the exit: the rest, after an entry decoded earlier */
    DECODE_ALL,     /* at the exit, both (no entry was decoded) */
};

/* How the result shows. */
enum decode_rval {
    RVAL_DEC,       /* = 3 */
    RVAL_HEX,       /* = 0x7f3a... (addresses, flag words) */
    RVAL_OCT,       /* = 022 */
    RVAL_FD,        /* = 3, with -y 3</etc/passwd> */
    RVAL_NONE,      /* = ? (never returns: exit_group) */
};

/* What a decoder keeps from the entry for the exit, beyond the text: a
 * value the kernel overwrites (recvfrom's *addrlen). */
struct decode_saved {
    bool has;
    uint64_t value;
};

/* The result of a call, as its decoder found it at the exit. */
struct decode_result {
    enum decode_rval rval;
    char aux[512];          /* strace's auxstr: " (flags O_RDONLY)"..., or "" */
};

/* Decodes part of the call ev into out.  The result is set at an exit.
 * saved: filled at an entry, read at the exit (may be NULL).  Returns
 * whether the exit has more to show (at an entry: the call is not
 * complete yet). */
bool decode_call(struct dsink *out, const struct syscall_event *ev, const struct decode_opts *opts,
                 enum decode_phase phase, struct decode_result *res, struct decode_saved *saved);

/* The name strace shows for ev: a sub-call's own name on i386
 * (socketcall(SYS_SOCKET) is "socket"), else the syscall's. */
const char *decode_name(const struct syscall_event *ev);

/* The result as strace shows it after "= ": "3", "0x7f3a...", "-1 ENOENT
 * (No such file or directory)", "? ERESTARTSYS (To be restarted if
 * SA_RESTART is set)".  Returns its length (truncated to outsz - 1). */
size_t decode_result_text(const struct syscall_event *ev, const struct decode_result *res,
                          const struct decode_opts *opts, char *out, size_t outsz);

/* v in decimal into out (24 bytes at least); returns the length. */
size_t d_decimal(int64_t v, char *out);

/* errno's name as strace prints it (ENOENT; the kernel's own ERESTARTSYS
 * and the like), or NULL. */
const char *decode_errno_name(int64_t err);

/* ---- the text sink ---- */

#define DTEXT_DEPTH 16

struct dtext {
    struct dsink sink;
    char *buf;              /* NUL-terminated; NULL until first used */
    size_t len, cap;
    unsigned depth;         /* nesting below the argument list */
    uint32_t count[DTEXT_DEPTH + 1];   /* values so far at each level */
    bool array[DTEXT_DEPTH + 1];       /* the level is an array: ] closes it */
    bool named;             /* a shown name was just written: no separator */
    bool failed;            /* out of memory: the text is cut */
};

void dtext_init(struct dtext *t);
/* Empties t to continue after `prefix`, text written before (the entry's);
 * args: it ends in an argument, which the next one is separated from. */
void dtext_reset(struct dtext *t, const char *prefix, size_t len, bool args);
void dtext_append(struct dtext *t, const char *s, size_t len);
void dtext_free(struct dtext *t);

/* strace's string_quote: buf[0..len) between double quotes, with \t \n
 * \v \f \r \" \\ escapes and other unprintable bytes in octal (or all as
 * \xNN with DSTR_HEX); "..." after the closing quote with DSTR_CUT. */
void dtext_quote(struct dtext *t, const char *buf, size_t len, unsigned flags);

#endif
