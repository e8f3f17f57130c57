#include "declare.h"

#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "sysent.h"

static int cond_op_from_name(const char *name)
{
    static const char *const names[] = {
        [COND_EQ] = "eq", [COND_NE] = "ne", [COND_LT] = "lt", [COND_LE] = "le",
        [COND_GT] = "gt", [COND_GE] = "ge", [COND_MASKED_EQ] = "masked", [COND_ANY_BITS] = "any",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

static lua_Integer int_field(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    lua_Integer v = lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* One entry made by wt.trace in the prelude, at the top of the stack:
 * { name = "openat", exit = bool, where = "x.lua:3",
 *   conds = { {arg = N or argname = "flags", op =, value =, mask =}... } }.
 * argnames[i] is condition i's argument name (kept alive by the entry), or
 * NULL where it gave an index. */
static int read_rule(lua_State *L, struct rule *rule, const char *argnames[], bool exit_hook,
                     char *err, size_t errsz)
{
    memset(rule, 0, sizeof *rule);
    lua_getfield(L, -1, "name");
    snprintf(rule->name, sizeof rule->name, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    lua_pop(L, 1);
    lua_getfield(L, -1, "exit");
    rule->want_exit = exit_hook && lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "conds");
    lua_Integer n = luaL_len(L, -1);
    if (n > RULE_MAX_CONDS) {
        snprintf(err, errsz, "%s: more than %d conditions", rule->name, RULE_MAX_CONDS);
        lua_pop(L, 1);
        return -1;
    }
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        struct cond *c = &rule->conds[rule->ncond];
        c->arg = (unsigned)int_field(L, -1, "arg");
        c->value = (uint64_t)int_field(L, -1, "value");
        c->mask = (uint64_t)int_field(L, -1, "mask");
        lua_getfield(L, -1, "argname");
        argnames[rule->ncond++] = lua_tostring(L, -1);
        lua_getfield(L, -2, "op");
        int op = lua_isstring(L, -1) ? cond_op_from_name(lua_tostring(L, -1)) : -1;
        lua_pop(L, 3);
        if (op < 0) {
            snprintf(err, errsz, "%s: unknown comparison", rule->name);
            lua_pop(L, 1);
            return -1;
        }
        c->op = (enum cond_op)op;
    }
    lua_pop(L, 1);
    return 0;
}

/* "dfd, filename, flags, mode": what the syscall's arguments are called. */
static void list_args(const struct sysent *e, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < e->nargs && len < outsz; i++)
        len += (size_t)snprintf(out + len, outsz - len, "%s%s", i ? ", " : "", e->args[i].name);
}

/* The most ABIs a build traces (struct interest's nr_flags). */
#define MAX_ARCHES 4

/* Sets the conditions' argument indexes for arch a from their names.
 * Returns 0, or the 1-based number of the condition whose name this ABI's
 * syscall lacks. */
static unsigned resolve_names(const struct sysent *e, const char *const argnames[],
                              unsigned ncond, unsigned index[])
{
    for (unsigned i = 0; i < ncond; i++) {
        if (!argnames[i])
            continue;
        int at = sysent_arg_index(e, argnames[i]);
        if (at < 0)
            return i + 1;
        index[i] = (unsigned)at;
    }
    return 0;
}

/* Adds rule, whose conditions may name their arguments: the names are
 * looked up per ABI, and ABIs that number them alike share one rule.  An
 * ABI whose syscall lacks a name gets no rule, and a warning. */
static int add_named(struct interest *in, struct rule *rule, const char *const argnames[],
                     const char *where, char *err, size_t errsz)
{
    size_t count;
    const struct arch *arches = arch_all(&count);
    unsigned index[MAX_ARCHES][RULE_MAX_CONDS] = { { 0 } };
    bool usable[MAX_ARCHES] = { false };
    unsigned missing[MAX_ARCHES] = { 0 };
    const struct sysent *any = NULL;
    bool resolved = false;
    for (size_t a = 0; a < count && a < MAX_ARCHES; a++) {
        const struct sysent *e = sysent_by_name(&arches[a], rule->name);
        if (!e)
            continue;
        missing[a] = resolve_names(e, argnames, rule->ncond, index[a]);
        usable[a] = missing[a] == 0;
        resolved = resolved || usable[a];
        if (!any)
            any = e;
    }
    for (size_t a = 0; resolved && a < count && a < MAX_ARCHES; a++)
        if (missing[a]) /* known elsewhere: this ABI splits it, or lays it out otherwise */
            fprintf(stderr, "wtlua: %s%swt.trace: %s: %s has no argument named '%s'; the rule "
                            "does not apply to %s tracees\n", where ? where : "",
                    where ? ": " : "", rule->name, arches[a].name, argnames[missing[a] - 1],
                    arches[a].name);
    bool done[MAX_ARCHES] = { false };
    for (size_t a = 0; a < count && a < MAX_ARCHES; a++) {
        if (!usable[a] || done[a])
            continue;
        rule->arches = 0;
        for (size_t b = a; b < count && b < MAX_ARCHES; b++)
            if (usable[b] && memcmp(index[a], index[b], sizeof index[a]) == 0) {
                rule->arches |= (uint8_t)(1u << b);
                done[b] = true;
            }
        for (unsigned i = 0; i < rule->ncond; i++)
            if (argnames[i])
                rule->conds[i].arg = index[a][i];
        if (interest_add(in, rule, err, errsz) < 0)
            return -1;
    }
    if (resolved)
        return 0;
    if (!any) {
        snprintf(err, errsz, "unknown syscall '%s'", rule->name);
        return -1;
    }
    char names[256];
    list_args(any, names, sizeof names);
    unsigned lacking = resolve_names(any, argnames, rule->ncond, index[0]);
    snprintf(err, errsz, "%s has no argument named '%s' (its arguments: %s)", rule->name,
             argnames[lacking - 1], names);
    return -1;
}

static bool names_arguments(const char *const argnames[], unsigned ncond)
{
    for (unsigned i = 0; i < ncond; i++)
        if (argnames[i])
            return true;
    return false;
}

/* Adds the rules of the list at the top of the stack. */
static int read_list(lua_State *L, bool exit_hook, struct interest *in, char *err, size_t errsz)
{
    int rc = 0;
    for (lua_Integer i = 1; rc == 0 && i <= luaL_len(L, -1); i++) {
        struct rule rule;
        const char *argnames[RULE_MAX_CONDS];
        lua_rawgeti(L, -1, i);
        lua_getfield(L, -1, "where");
        const char *where = lua_tostring(L, -1);
        lua_insert(L, -2); /* kept below the entry while it is read */
        rc = read_rule(L, &rule, argnames, exit_hook, err, errsz);
        if (rc == 0)
            rule.deny = (int)int_field(L, -1, "deny");
        if (rc == 0 && names_arguments(argnames, rule.ncond))
            rc = add_named(in, &rule, argnames, where, err, errsz);
        else if (rc == 0)
            rc = interest_add(in, &rule, err, errsz);
        if (rc < 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", err);
            snprintf(err, errsz, "%s%s%s: %s", where ? where : "", where ? ": " : "",
                     rule.deny ? "wt.deny" : "wt.trace", msg);
        }
        lua_pop(L, 2);
    }
    return rc;
}

int declare_read(lua_State *L, bool exit_hook, struct interest *in, char *err, size_t errsz)
{
    interest_init(in, !lua_istable(L, -2), exit_hook);
    int rc = 0;
    if (lua_istable(L, -2)) {
        lua_pushvalue(L, -2);
        rc = read_list(L, exit_hook, in, err, errsz);
        lua_pop(L, 1);
    }
    if (rc == 0 && lua_istable(L, -1))
        rc = read_list(L, false, in, err, errsz);
    return rc;
}
