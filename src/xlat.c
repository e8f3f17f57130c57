#include "xlat.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlat_table.h"

static int compare_set_name(const void *key, const void *element)
{
    return strcmp(key, ((const struct xlat_index_entry *)element)->name);
}

const struct xlat *xlat_find(const struct arch *arch, const char *set)
{
    if (arch->index >= XLAT_ABI_COUNT)
        return NULL;
    const struct xlat_index_entry *e = bsearch(set, xlat_index, xlat_index_count,
                                               sizeof *xlat_index, compare_set_name);
    return e ? e->abi[arch->index] : NULL;
}

struct keyed_key {
    const char *family;
    uint64_t key;
};

static int compare_keyed(const void *key, const void *element)
{
    const struct keyed_key *k = key;
    const struct xlat_keyed_entry *e = element;
    int c = strcmp(k->family, e->family);
    if (c != 0)
        return c;
    return k->key < e->key ? -1 : k->key > e->key;
}

const struct xlat *xlat_find_keyed(const struct arch *arch, const char *family, uint64_t key)
{
    if (arch->index >= XLAT_ABI_COUNT)
        return NULL;
    struct keyed_key k = { family, key };
    const struct xlat_keyed_entry *e = bsearch(&k, xlat_keyed, xlat_keyed_count,
                                               sizeof *xlat_keyed, compare_keyed);
    return e ? e->abi[arch->index] : NULL;
}

static uint64_t width_mask(const struct xlat *x)
{
    return x->bits >= 64 ? UINT64_MAX : ((uint64_t)1 << x->bits) - 1;
}

/* The entry of a value part (sorted by value, each value once) equal to v. */
static const struct xlat_entry *find_value(const struct xlat_part *p, uint64_t v)
{
    size_t lo = 0, hi = p->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->entries[mid].value < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->count && p->entries[lo].value == v ? &p->entries[lo] : NULL;
}

const char *xlat_value_name(const struct xlat *x, uint64_t v)
{
    v &= width_mask(x);
    for (unsigned i = 0; i < x->nparts; i++) {
        const struct xlat_part *p = &x->parts[i];
        if (p->kind == XLAT_FLAGS) {
            for (uint32_t j = 0; j < p->count; j++)
                if (p->entries[j].value == v)
                    return p->entries[j].name;
        } else if ((v & ~p->mask) == 0 && p->kind != XLAT_NUMBER && p->kind != XLAT_SIGNAL) {
            const struct xlat_entry *e = find_value(p, v);
            if (e)
                return e->name;
        }
    }
    return NULL;
}

/* strace's names of signals: the C library's, and SIGRTMIN, SIGRT_1...
 * above them (the C library names none). */
static const char *signal_name(uint64_t sig)
{
    static char names[65][16];
    if (sig == 0 || sig >= sizeof names / sizeof names[0])
        return NULL;
    if (names[sig][0] == '\0') {
        const char *abbrev = sig < 32 ? sigabbrev_np((int)sig) : NULL;
        if (abbrev)
            snprintf(names[sig], sizeof names[sig], "SIG%s", abbrev);
        else if (sig == 32)
            snprintf(names[sig], sizeof names[sig], "SIGRTMIN");
        else if (sig > 32)
            snprintf(names[sig], sizeof names[sig], "SIGRT_%u", (unsigned)sig - 32);
        else
            return NULL;
    }
    return names[sig];
}

struct items {
    struct xlat_item *at;
    size_t n;
    uint8_t bits;
};

static void add_name(struct items *it, const char *name, uint64_t value)
{
    if (it->n < XLAT_MAX_ITEMS)
        it->at[it->n++] = (struct xlat_item){ .kind = XLAT_ITEM_NAME, .name = name, .value = value };
}

static void add_number(struct items *it, uint64_t value, uint8_t format, const char *comment)
{
    if (it->n < XLAT_MAX_ITEMS)
        it->at[it->n++] = (struct xlat_item){ .kind = XLAT_ITEM_NUMBER, .value = value,
                                              .format = format, .bits = it->bits,
                                              .comment = comment };
}

/* strace's printflags: each entry whose bits are all set, in order; the
 * bits left in hex, with the unknown comment when nothing had a name; for
 * 0 the name of a 0 entry, when nothing came before. */
static void add_flags(struct items *it, const struct xlat_part *p, uint64_t bits)
{
    if (bits == 0) {
        if (it->n == 0)
            for (uint32_t i = 0; i < p->count; i++)
                if (p->entries[i].value == 0) {
                    add_name(it, p->entries[i].name, 0);
                    break;
                }
        return;
    }
    bool named = false;
    for (uint32_t i = 0; i < p->count && bits != 0; i++) {
        uint64_t v = p->entries[i].value;
        if (v != 0 && (bits & v) == v) {
            add_name(it, p->entries[i].name, v);
            bits &= ~v;
            named = true;
        }
    }
    if (bits != 0)
        add_number(it, bits, XLAT_HEX, named ? NULL : p->unknown);
}

size_t xlat_decompose(const struct xlat *x, uint64_t v, struct xlat_item *items)
{
    struct items it = { .at = items, .bits = x->bits };
    v &= width_mask(x);
    const uint64_t whole = v;
    for (unsigned i = 0; i < x->nparts; i++) {
        const struct xlat_part *p = &x->parts[i];
        const uint64_t bits = v & p->mask;
        const struct xlat_entry *e;
        switch (p->kind) {
        case XLAT_FLAGS:
            add_flags(&it, p, bits);
            break;
        case XLAT_VALUE:
            e = find_value(p, bits);
            if (e && p->verbose)
                add_number(&it, bits, p->format, e->name);
            else if (e)
                add_name(&it, e->name, bits);
            else
                add_number(&it, bits, p->format, p->unknown);
            break;
        case XLAT_KNOWN:
            e = find_value(p, bits);
            if (e == NULL)
                continue; /* its bits are the next part's */
            add_name(&it, e->name, bits);
            break;
        case XLAT_KNOWN_ELSE_RAW:
            if (bits == 0)
                continue;
            e = find_value(p, bits);
            if (e == NULL) {
                it.n = 0;
                add_number(&it, whole, p->format, NULL);
                return it.n;
            }
            add_name(&it, e->name, bits);
            break;
        case XLAT_SHIFT:
            if (bits != 0 && it.n < XLAT_MAX_ITEMS) {
                e = find_value(p, bits >> p->shift);
                items[it.n++] = (struct xlat_item){ .kind = XLAT_ITEM_SHIFT, .value = bits >> p->shift,
                                                    .name = e ? e->name : NULL,
                                                    .shift_name = p->shift_name };
            }
            break;
        case XLAT_NUMBER:
            add_number(&it, bits, p->format, NULL);
            break;
        case XLAT_SIGNAL:
            if (bits != 0) {
                const char *name = signal_name(bits);
                if (name)
                    add_name(&it, name, bits);
                else
                    add_number(&it, bits, XLAT_DEC, NULL);
            }
            break;
        }
        v &= ~p->mask;
    }
    if (v != 0)
        add_number(&it, v, XLAT_HEX, NULL); /* bits no part reads */
    return it.n;
}

/* Text appended to a bounded buffer; len counts what did not fit too. */
struct out {
    char *buf;
    size_t size, len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->size ? o->size - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static void put_item(struct out *o, const struct xlat_item *item)
{
    switch (item->kind) {
    case XLAT_ITEM_NAME:
        put(o, "%s", item->name);
        break;
    case XLAT_ITEM_NUMBER:
        switch (item->format) {
        case XLAT_DEC:
            if (item->bits == 32)
                put(o, "%" PRId32, (int32_t)(uint32_t)item->value);
            else
                put(o, "%" PRId64, (int64_t)item->value);
            break;
        case XLAT_UNSIGNED:
            put(o, "%" PRIu64, item->value);
            break;
        case XLAT_OCTAL:
            put(o, "%#03" PRIo64, item->value);
            break;
        default:
            put(o, "%#" PRIx64, item->value);
            break;
        }
        if (item->comment && item->comment[0])
            put(o, " /* %s */", item->comment);
        break;
    case XLAT_ITEM_SHIFT:
        if (item->name)
            put(o, "%s<<%s", item->name, item->shift_name);
        else
            put(o, "%" PRIu64 "<<%s", item->value, item->shift_name);
        break;
    }
}

static void terminate(const struct out *o)
{
    if (o->size > 0)
        o->buf[o->len < o->size ? o->len : o->size - 1] = '\0';
}

size_t xlat_format_item(const struct xlat_item *item, char *out, size_t outsz)
{
    struct out o = { out, outsz, 0 };
    put_item(&o, item);
    terminate(&o);
    return o.len;
}

size_t xlat_format(const struct xlat *x, uint64_t v, char *out, size_t outsz)
{
    struct xlat_item items[XLAT_MAX_ITEMS];
    size_t n = xlat_decompose(x, v, items);
    struct out o = { out, outsz, 0 };
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put(&o, "|");
        put_item(&o, &items[i]);
    }
    if (n == 0 && !x->zero_is_empty)
        put(&o, "0");
    terminate(&o);
    return o.len;
}

size_t xlat_ioctl_names(const struct arch *arch, uint32_t code, const char **names, size_t max)
{
    size_t lo = 0, hi = xlat_ioctl_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (xlat_ioctls[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    for (size_t i = lo; i < xlat_ioctl_count && xlat_ioctls[i].code == code; i++)
        if (xlat_ioctls[i].abis & (1u << arch->index)) {
            if (n < max)
                names[n] = xlat_ioctl_names_text + xlat_ioctls[i].name;
            n++;
        }
    return n;
}

/* Linux's generic ioctl request layout (x86's). */
#define IOC_NRBITS 8
#define IOC_TYPEBITS 8
#define IOC_SIZEBITS 14
#define IOC_TYPESHIFT IOC_NRBITS
#define IOC_SIZESHIFT (IOC_TYPESHIFT + IOC_TYPEBITS)
#define IOC_DIRSHIFT (IOC_SIZESHIFT + IOC_SIZEBITS)

size_t xlat_format_ioctl(const struct arch *arch, uint32_t code, char *out, size_t outsz)
{
    struct out o = { out, outsz, 0 };
    const char *names[8];
    size_t n = xlat_ioctl_names(arch, code, names, sizeof names / sizeof names[0]);
    if (n > sizeof names / sizeof names[0])
        n = sizeof names / sizeof names[0];
    for (size_t i = 0; i < n; i++)
        put(&o, "%s%s", i ? " or " : "", names[i]);
    if (n == 0) {
        char dir[64];
        const struct xlat *dirs = xlat_find(arch, "ioctl_dir");
        xlat_format(dirs, code >> IOC_DIRSHIFT, dir, sizeof dir);
        put(&o, "_IOC(%s, %#x, %#x, %#x)", dir, (code >> IOC_TYPESHIFT) & ((1u << IOC_TYPEBITS) - 1),
            code & ((1u << IOC_NRBITS) - 1), (code >> IOC_SIZESHIFT) & ((1u << IOC_SIZEBITS) - 1));
    }
    terminate(&o);
    return o.len;
}
