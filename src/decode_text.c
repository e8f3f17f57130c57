/* The text sink: decoded values in strace's syntax. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static struct dtext *text_of(struct dsink *s)
{
    return (struct dtext *)s;
}

static bool grow(struct dtext *t, size_t more)
{
    if (t->failed)
        return false;
    if (t->len + more + 1 <= t->cap)
        return true;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *buf = realloc(t->buf, cap);
    if (!buf) {
        t->failed = true;
        return false;
    }
    t->buf = buf;
    t->cap = cap;
    return true;
}

void dtext_append(struct dtext *t, const char *s, size_t len)
{
    if (!grow(t, len))
        return;
    memcpy(t->buf + t->len, s, len);
    t->len += len;
    t->buf[t->len] = '\0';
}

static void append_str(struct dtext *t, const char *s)
{
    dtext_append(t, s, strlen(s));
}

/* ", " before every value but the first of its level. */
static void separate(struct dtext *t)
{
    if (t->named) {
        t->named = false;
        return;
    }
    if (t->count[t->depth]++)
        dtext_append(t, ", ", 2);
}

static void text_name(struct dsink *s, const char *name, bool shown)
{
    struct dtext *t = text_of(s);
    if (!shown)
        return;
    separate(t);
    append_str(t, name);
    dtext_append(t, "=", 1);
    t->named = true;
}

static void text_begin(struct dsink *s, bool array)
{
    struct dtext *t = text_of(s);
    separate(t);
    dtext_append(t, array ? "[" : "{", 1);
    if (t->depth < DTEXT_DEPTH) /* decoders nest far less */
        t->depth++;
    t->count[t->depth] = 0;
    t->array[t->depth] = array;
}

static void text_end(struct dsink *s, bool more)
{
    struct dtext *t = text_of(s);
    if (more) {
        /* strace: "{a=1, ...}", "[1, 2, ...]", and "[...]" alone */
        if (t->count[t->depth])
            dtext_append(t, ", ", 2);
        dtext_append(t, "...", 3);
    }
    dtext_append(t, t->array[t->depth] ? "]" : "}", 1);
    t->named = false;
    if (t->depth > 0)
        t->depth--;
}

static void text_integer(struct dsink *s, int64_t v)
{
    struct dtext *t = text_of(s);
    char num[24];
    separate(t);
    dtext_append(t, num, d_decimal(v, num));
}

static void text_uinteger(struct dsink *s, uint64_t v)
{
    struct dtext *t = text_of(s);
    char num[24];
    separate(t);
    dtext_append(t, num, (size_t)snprintf(num, sizeof num, "%" PRIu64, v));
}

static void text_symbol(struct dsink *s, const char *text)
{
    struct dtext *t = text_of(s);
    separate(t);
    append_str(t, text);
}

static void text_number_as(struct dsink *s, int64_t v, const char *text)
{
    (void)v;
    text_symbol(s, text);
}

static void text_symbol_as(struct dsink *s, const char *text, const char *value)
{
    (void)value;
    text_symbol(s, text);
}

static void text_pointer(struct dsink *s, uint64_t addr)
{
    struct dtext *t = text_of(s);
    char num[24];
    separate(t);
    if (addr == 0)
        dtext_append(t, "NULL", 4);
    else
        dtext_append(t, num, (size_t)snprintf(num, sizeof num, "%#" PRIx64, addr));
}

static void text_string(struct dsink *s, const char *buf, size_t len, unsigned flags)
{
    struct dtext *t = text_of(s);
    separate(t);
    dtext_quote(t, buf, len, flags);
}

static void quote(struct dtext *t, const char *buf, size_t len, unsigned flags);
#define QUOTE_BARE (1u << 8)

static void text_fd(struct dsink *s, int64_t fd, const char *path, bool deleted)
{
    struct dtext *t = text_of(s);
    char num[24];
    separate(t);
    dtext_append(t, num, (size_t)snprintf(num, sizeof num, "%" PRId64, fd));
    if (!path)
        return;
    /* strace's print_quoted_string_in_angle_brackets */
    dtext_append(t, "<", 1);
    quote(t, path, strlen(path), QUOTE_BARE);
    dtext_append(t, ">", 1);
    if (deleted)
        dtext_append(t, "(deleted)", 9);
}

static void text_comment(struct dsink *s, const char *text)
{
    struct dtext *t = text_of(s);
    dtext_append(t, " /* ", 4);
    append_str(t, text);
    dtext_append(t, " */", 3);
}

static void text_changed(struct dsink *s)
{
    struct dtext *t = text_of(s);
    dtext_append(t, " => ", 4);
    t->named = true;
}

static const struct dsink_ops text_ops = {
    .name = text_name,
    .begin = text_begin,
    .end = text_end,
    .integer = text_integer,
    .uinteger = text_uinteger,
    .symbol = text_symbol,
    .number_as = text_number_as,
    .symbol_as = text_symbol_as,
    .pointer = text_pointer,
    .string = text_string,
    .fd = text_fd,
    .comment = text_comment,
    .changed = text_changed,
};

void dtext_init(struct dtext *t)
{
    memset(t, 0, sizeof *t);
    t->sink.ops = &text_ops;
}

void dtext_reset(struct dtext *t, const char *prefix, size_t len, bool args)
{
    t->len = 0;
    t->depth = 0;
    t->named = false;
    t->failed = false;
    t->count[0] = args;
    if (grow(t, len)) {
        memcpy(t->buf, prefix, len);
        t->len = len;
        t->buf[len] = '\0';
    }
}

void dtext_free(struct dtext *t)
{
    free(t->buf);
    t->buf = NULL;
    t->len = t->cap = 0;
}

/* strace's sprint_byte_oct: \ooo when a digit follows, else the fewest digits. */
static char *octal(char *s, unsigned char c, bool full)
{
    if (full) {
        *s++ = (char)('0' + (c >> 6));
        *s++ = (char)('0' + ((c >> 3) & 7));
    } else if (c >> 3) {
        if (c >> 6)
            *s++ = (char)('0' + (c >> 6));
        *s++ = (char)('0' + ((c >> 3) & 7));
    }
    *s++ = (char)('0' + (c & 7));
    return s;
}

/* QUOTE_BARE: without the quotes, and with < and > in octal (-y's <path>). */
static void quote(struct dtext *t, const char *buf, size_t len, unsigned flags)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)buf;
    if (!grow(t, 4 * len + 5))
        return;
    char *s = t->buf + t->len;
    if (!(flags & QUOTE_BARE))
        *s++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        if (flags & DSTR_HEX) {
            *s++ = '\\';
            *s++ = 'x';
            *s++ = hex[c >> 4];
            *s++ = hex[c & 15];
            continue;
        }
        switch (c) {
        case '"': case '\\': *s++ = '\\'; *s++ = (char)c; break;
        case '\f': *s++ = '\\'; *s++ = 'f'; break;
        case '\n': *s++ = '\\'; *s++ = 'n'; break;
        case '\r': *s++ = '\\'; *s++ = 'r'; break;
        case '\t': *s++ = '\\'; *s++ = 't'; break;
        case '\v': *s++ = '\\'; *s++ = 'v'; break;
        default:
            if (c >= ' ' && c < 0x7f && !((flags & QUOTE_BARE) && (c == '<' || c == '>'))) {
                *s++ = (char)c;
            } else {
                *s++ = '\\';
                s = octal(s, c, i + 1 < len && u[i + 1] >= '0' && u[i + 1] <= '7');
            }
        }
    }
    if (!(flags & QUOTE_BARE))
        *s++ = '"';
    if (flags & DSTR_CUT) {
        memcpy(s, "...", 3);
        s += 3;
    }
    *s = '\0';
    t->len = (size_t)(s - t->buf);
}

void dtext_quote(struct dtext *t, const char *buf, size_t len, unsigned flags)
{
    quote(t, buf, len, flags & (DSTR_CUT | DSTR_HEX));
}
