/* The Lua sink: decoded values as nested Lua tables in the shape JSON
 * takes (wt.out encodes them): a struct is a table whose metatable's
 * __order lists its fields in order, an array a list, integers stay
 * integers, flags and symbols are their text, pointers "0x..." strings. */
#include "lua_sink.h"

#include <inttypes.h>
#include <lauxlib.h>
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>

#define LSINK_DEPTH 16

struct lsink {
    struct dsink sink;
    lua_State *L;
    int depth;                          /* containers open inside the arguments */
    int base;                           /* stack index of the arguments table */
    const char *key;                    /* the next value's name, or NULL */
    const char *last;                   /* the last value's name */
    char changed[64];                   /* its name + "_after", for the next value */
    const char *key_of[LSINK_DEPTH + 1]; /* the name each open container goes under */
    lua_Integer next[LSINK_DEPTH + 1];  /* arrays: the next index */
    bool array[LSINK_DEPTH + 1];
    int overflow;                       /* containers opened beyond LSINK_DEPTH: dropped */
};

/* The metatable that marks an empty list, so that it encodes as [] (wt.out
 * knows it by its __name). */
static const char array_mt_key = 'A';

static struct lsink *sink_of(struct dsink *s)
{
    return (struct lsink *)s;
}

/* Stores the value on top of the stack in the innermost container: the
 * container's table is at base + 2 * depth, its field order after it. */
static void put(struct lsink *s)
{
    lua_State *L = s->L;
    if (s->overflow) {
        lua_pop(L, 1);
        return;
    }
    int table = s->base + 2 * s->depth;
    if (s->array[s->depth]) {
        lua_rawseti(L, table, s->next[s->depth]++);
    } else {
        const char *key = s->key ? s->key : "?";
        lua_pushstring(L, key);
        lua_pushvalue(L, -1);
        lua_rawseti(L, table + 1, (lua_Integer)lua_rawlen(L, table + 1) + 1);
        lua_insert(L, -2);
        lua_rawset(L, table);
    }
    s->last = s->key;
    s->key = NULL;
}

static void l_name(struct dsink *d, const char *name, bool shown)
{
    (void)shown;
    sink_of(d)->key = name;
}

static void l_begin(struct dsink *d, bool array)
{
    struct lsink *s = sink_of(d);
    if (s->overflow || s->depth == LSINK_DEPTH) {
        s->overflow++;
        return;
    }
    lua_checkstack(s->L, 4);
    lua_newtable(s->L);
    if (array)
        lua_pushnil(s->L);
    else
        lua_newtable(s->L);
    s->key_of[++s->depth] = s->key;
    s->key = NULL;
    s->array[s->depth] = array;
    s->next[s->depth] = 1;
}

static void l_end(struct dsink *d, bool more)
{
    struct lsink *s = sink_of(d);
    lua_State *L = s->L;
    (void)more; /* what was left out is simply absent */
    if (s->overflow) {
        s->overflow--;
        return;
    }
    if (s->depth == 0)
        return;
    if (s->array[s->depth]) {
        lua_pop(L, 1);
        if (s->next[s->depth] == 1) {
            lua_rawgetp(L, LUA_REGISTRYINDEX, &array_mt_key);
            lua_setmetatable(L, -2);
        }
    } else {
        lua_createtable(L, 0, 1);
        lua_insert(L, -2);
        lua_setfield(L, -2, "__order");
        lua_setmetatable(L, -2);
    }
    s->key = s->key_of[s->depth--];
    put(s);
}

static void l_integer(struct dsink *d, int64_t v)
{
    lua_pushinteger(sink_of(d)->L, (lua_Integer)v);
    put(sink_of(d));
}

static void l_uinteger(struct dsink *d, uint64_t v)
{
    if (v <= INT64_MAX) {
        lua_pushinteger(sink_of(d)->L, (lua_Integer)v);
    } else { /* beyond Lua's integers: its decimal text */
        char text[24];
        snprintf(text, sizeof text, "%" PRIu64, v);
        lua_pushstring(sink_of(d)->L, text);
    }
    put(sink_of(d));
}

static void l_symbol(struct dsink *d, const char *text)
{
    lua_pushstring(sink_of(d)->L, text);
    put(sink_of(d));
}

static void l_number_as(struct dsink *d, int64_t v, const char *text)
{
    (void)text;
    l_integer(d, v);
}

static void l_symbol_as(struct dsink *d, const char *text, const char *value)
{
    (void)text;
    l_symbol(d, value);
}

static void l_pointer(struct dsink *d, uint64_t addr)
{
    char text[24];
    if (addr == 0)
        snprintf(text, sizeof text, "NULL");
    else
        snprintf(text, sizeof text, "%#" PRIx64, addr);
    l_symbol(d, text);
}

static void l_string(struct dsink *d, const char *buf, size_t len, unsigned flags)
{
    lua_State *L = sink_of(d)->L;
    lua_pushlstring(L, buf, len);
    if (flags & DSTR_CUT) {
        lua_pushliteral(L, "...");
        lua_concat(L, 2);
    }
    put(sink_of(d));
}

static void l_fd(struct dsink *d, int64_t fd, const char *path, bool deleted)
{
    struct lsink *s = sink_of(d);
    if (!path) {
        l_integer(d, fd);
        return;
    }
    /* -y: { fd = 3, path = "/etc/passwd", deleted = true } */
    l_begin(d, false);
    l_name(d, "fd", true);
    l_integer(d, fd);
    l_name(d, "path", true);
    l_symbol(d, path);
    if (deleted) {
        l_name(d, "deleted", true);
        lua_pushboolean(s->L, 1);
        put(s);
    }
    l_end(d, false);
}

static void l_comment(struct dsink *d, const char *text)
{
    (void)d;
    (void)text; /* strace's remarks (counts, dates) are for people */
}

/* What the kernel changed a value to goes under the value's name and
 * "_after": { addrlen = 128, addrlen_after = 16 }. */
static void l_changed(struct dsink *d)
{
    struct lsink *s = sink_of(d);
    snprintf(s->changed, sizeof s->changed, "%s_after", s->last ? s->last : "value");
    s->key = s->changed;
}

static const struct dsink_ops lua_ops = {
    .name = l_name,
    .begin = l_begin,
    .end = l_end,
    .integer = l_integer,
    .uinteger = l_uinteger,
    .symbol = l_symbol,
    .number_as = l_number_as,
    .symbol_as = l_symbol_as,
    .pointer = l_pointer,
    .string = l_string,
    .fd = l_fd,
    .comment = l_comment,
    .changed = l_changed,
};

void lsink_open(lua_State *L)
{
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "wt.out.array");
    lua_setfield(L, -2, "__name");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &array_mt_key);
}

/* The result's fields: ret (an integer; "0x..." for an address; absent
 * when the call never returns), error ("ENOENT"), aux (strace's text in
 * parentheses after the result). */
static void set_result(lua_State *L, const struct syscall_event *ev,
                       const struct decode_result *res)
{
    if (ev->is_error) {
        const char *name = decode_errno_name(-ev->ret);
        if (name)
            lua_pushstring(L, name);
        else
            lua_pushinteger(L, -ev->ret);
        lua_setfield(L, -2, "error");
        if (-ev->ret < 512 || -ev->ret > 516) { /* ERESTART*: the call did not return */
            lua_pushinteger(L, -1);
            lua_setfield(L, -2, "ret");
        }
    } else if (res->rval == RVAL_HEX) {
        char text[24];
        uint64_t v = ev->arch->audit == AUDIT_ARCH_I386 ? (uint32_t)ev->ret : (uint64_t)ev->ret;
        snprintf(text, sizeof text, "%#" PRIx64, v);
        lua_pushstring(L, text);
        lua_setfield(L, -2, "ret");
    } else if (res->rval != RVAL_NONE) {
        lua_pushinteger(L, ev->ret);
        lua_setfield(L, -2, "ret");
    }
    if (res->aux[0]) {
        lua_pushstring(L, res->aux);
        lua_setfield(L, -2, "aux");
    }
}

void lsink_decode(lua_State *L, const struct syscall_event *ev, const struct decode_opts *opts,
                  int entry)
{
    static const char *const order[] = { "name", "args", "ret", "error", "aux" };
    struct lsink s = { .sink.ops = &lua_ops, .L = L };
    struct decode_saved saved = { 0 };
    enum decode_phase phase;
    lua_checkstack(L, 2 * LSINK_DEPTH + 8);
    if (entry) {
        phase = DECODE_EXIT;
        lua_pushvalue(L, entry);
        if (lua_getfield(L, -1, "args") != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_setfield(L, -3, "args");
        }
        if (lua_getmetatable(L, -1)) {
            if (lua_getfield(L, -1, "__saved") == LUA_TNUMBER) {
                saved.has = true;
                saved.value = (uint64_t)lua_tointeger(L, -1);
            }
            lua_pop(L, 1);
            lua_getfield(L, -1, "__order");
            lua_remove(L, -2);
            if (!lua_istable(L, -1)) {
                lua_pop(L, 1);
                lua_newtable(L);
            }
        } else {
            lua_newtable(L);
        }
    } else {
        phase = ev->at_exit ? DECODE_ALL : DECODE_ENTRY;
        lua_createtable(L, 0, 5);
        lua_createtable(L, 0, 1);
        lua_createtable(L, 5, 0);
        for (int i = 0; i < 5; i++) {
            lua_pushstring(L, order[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setfield(L, -2, "__order");
        lua_setmetatable(L, -2);
        lua_pushstring(L, decode_name(ev));
        lua_setfield(L, -2, "name");
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, "args");
        lua_newtable(L);
    }
    /* stack: result, args, order */
    s.base = lua_gettop(L) - 1;
    struct decode_result res;
    decode_call(&s.sink, ev, opts, phase, ev->at_exit ? &res : NULL, &saved);
    while (s.depth > 0) /* a decoder that left a container open */
        l_end(&s.sink, false);
    lua_createtable(L, 0, 2);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__order");
    if (saved.has && !ev->at_exit) { /* for the exit, out of JSON's sight */
        lua_pushinteger(L, (lua_Integer)saved.value);
        lua_setfield(L, -2, "__saved");
    }
    lua_setmetatable(L, -2);
    lua_pop(L, 1); /* args */
    if (ev->at_exit)
        set_result(L, ev, &res);
}
