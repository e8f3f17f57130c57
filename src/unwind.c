#include "unwind.h"

#include <elfutils/libdwfl.h>
#include <lauxlib.h>
#include <stdbool.h>
#include <string.h>

/* Registry: pid -> a userdata holding that process's Dwfl (NULL once
 * ended), whose __gc ends it when the Lua state closes. */
static const char cache_key = 'U';
#define DWFL_META "wtlua.dwfl"

/* Modules as /proc/PID/maps names them; debug information from the
 * modules themselves, /usr/lib/debug (build id and .gnu_debuglink). */
static const Dwfl_Callbacks proc_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

static int dwfl_gc(lua_State *L)
{
    Dwfl **slot = luaL_checkudata(L, 1, DWFL_META);
    if (*slot)
        dwfl_end(*slot);
    *slot = NULL;
    return 0;
}

/* Pushes the cache table, creating it on first use. */
static void push_cache(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &cache_key) != LUA_TNIL)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &cache_key);
    if (luaL_newmetatable(L, DWFL_META)) {
        lua_pushcfunction(L, dwfl_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}

/* (Re)reads the process's modules from /proc/PID/maps; modules still
 * mapped where they were keep what libdwfl has loaded of them. */
static bool report_modules(Dwfl *dwfl, pid_t pid)
{
    dwfl_report_begin(dwfl);
    return dwfl_linux_proc_report(dwfl, pid) == 0 && dwfl_report_end(dwfl, NULL, NULL) == 0;
}

/* The process's Dwfl, made and cached on first use: its modules, and its
 * threads' registers and memory through ptrace (the thread is already in
 * a ptrace-stop, so libdwfl neither attaches nor detaches).  NULL and a
 * message pushed on failure. */
static Dwfl *process_dwfl(lua_State *L, pid_t pid)
{
    push_cache(L);
    if (lua_rawgeti(L, -1, pid) == LUA_TUSERDATA) {
        Dwfl *dwfl = *(Dwfl **)lua_touserdata(L, -1);
        lua_pop(L, 2);
        return dwfl;
    }
    lua_pop(L, 1);
    Dwfl **slot = lua_newuserdatauv(L, sizeof *slot, 0);
    *slot = NULL;
    luaL_setmetatable(L, DWFL_META);
    Dwfl *dwfl = dwfl_begin(&proc_callbacks);
    int rc = -1;
    if (dwfl && report_modules(dwfl, pid))
        rc = dwfl_linux_proc_attach(dwfl, pid, true);
    if (rc != 0) {
        const char *why = rc > 0 ? strerror(rc) : dwfl_errmsg(-1);
        lua_pop(L, 2);
        lua_pushfstring(L, "cannot read process %d's modules: %s", (int)pid, why);
        if (dwfl)
            dwfl_end(dwfl);
        return NULL;
    }
    *slot = dwfl;
    lua_rawseti(L, -2, pid);
    lua_pop(L, 1);
    return dwfl;
}

void unwind_forget(lua_State *L, pid_t pid)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &cache_key) == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (lua_rawgeti(L, -1, pid) == LUA_TUSERDATA) {
        Dwfl **slot = lua_touserdata(L, -1);
        dwfl_end(*slot); /* now, not at a collection: it holds files open */
        *slot = NULL;
        lua_pushnil(L);
        lua_rawseti(L, -3, pid);
    }
    lua_pop(L, 2);
}

/* ---- walking the frames ---- */

struct walk {
    lua_State *L;   /* the list of frames at the top */
    Dwfl *dwfl;
    int max_frames;
    int count;
    bool unknown_pc; /* a pc outside every module libdwfl knows */
    bool may_refresh;
};

static void set_integer(lua_State *L, const char *key, lua_Integer value)
{
    lua_pushinteger(L, value);
    lua_setfield(L, -2, key);
}

static void set_string(lua_State *L, const char *key, const char *value)
{
    if (value) {
        lua_pushstring(L, value);
        lua_setfield(L, -2, key);
    }
}

/* One frame's table: module, symbol and source line of pc. */
static void push_frame(lua_State *L, Dwfl_Module *mod, Dwarf_Addr pc)
{
    lua_createtable(L, 0, 6);
    set_integer(L, "pc", (lua_Integer)pc);
    if (!mod)
        return;
    set_string(L, "module", dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
    GElf_Off offset;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(mod, pc, &offset, &sym, NULL, NULL, NULL);
    if (name) {
        set_string(L, "name", name);
        set_integer(L, "offset", (lua_Integer)offset);
    }
    Dwfl_Line *line = dwfl_module_getsrc(mod, pc);
    int lineno;
    const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (file) {
        /* A relative name is relative to the compilation's directory,
         * when that is known as an absolute path. */
        const char *dir = file[0] != '/' ? dwfl_line_comp_dir(line) : NULL;
        if (dir && dir[0] == '/')
            lua_pushfstring(L, "%s/%s", dir, file);
        else
            lua_pushstring(L, file);
        lua_setfield(L, -2, "file");
        set_integer(L, "line", lineno);
    }
}

static int on_frame(Dwfl_Frame *frame, void *arg)
{
    struct walk *w = arg;
    Dwarf_Addr pc;
    bool activation;
    if (!dwfl_frame_pc(frame, &pc, &activation))
        return -1;
    /* A caller's pc is its return address: the call is the byte before. */
    if (!activation)
        pc--;
    Dwfl_Module *mod = dwfl_addrmodule(w->dwfl, pc);
    if (!mod && w->may_refresh) {
        w->unknown_pc = true;
        return DWARF_CB_ABORT;
    }
    push_frame(w->L, mod, pc);
    lua_rawseti(w->L, -2, ++w->count);
    return w->count == w->max_frames ? DWARF_CB_ABORT : DWARF_CB_OK;
}

int unwind_push_stack(lua_State *L, pid_t pid, pid_t tid, int max_frames)
{
    Dwfl *dwfl = process_dwfl(L, pid);
    if (!dwfl) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    struct walk w = { L, dwfl, max_frames, 0, false, true };
    lua_newtable(L);
    int rc = dwfl_getthread_frames(dwfl, tid, on_frame, &w);
    if (w.unknown_pc) {
        /* Modules mapped since the cache was made (dlopen): read the maps
         * again, once, and walk again. */
        lua_pop(L, 1);
        if (!report_modules(dwfl, pid)) {
            lua_pushnil(L);
            lua_pushfstring(L, "cannot read process %d's modules: %s", (int)pid,
                            dwfl_errmsg(-1));
            return 2;
        }
        w = (struct walk){ L, dwfl, max_frames, 0, false, false };
        lua_newtable(L);
        rc = dwfl_getthread_frames(dwfl, tid, on_frame, &w);
    }
    /* libdwfl may report the end of a stack as an error: an error only
     * counts when not even the first frame was found. */
    if (rc < 0 && w.count == 0) {
        lua_pop(L, 1);
        lua_pushnil(L);
        lua_pushstring(L, dwfl_errmsg(-1));
        return 2;
    }
    return 1;
}

int unwind_check_max_frames(lua_State *L, int idx)
{
    lua_Integer max = luaL_optinteger(L, idx, UNWIND_FRAMES_DEFAULT);
    luaL_argcheck(L, max >= 1 && max <= UNWIND_FRAMES_MAX, idx, "max_frames must be 1..4096");
    return (int)max;
}

int unwind_stack_method(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int max = unwind_check_max_frames(L, 2);
    lua_getfield(L, 1, "pid");
    lua_getfield(L, 1, "tid");
    pid_t pid = (pid_t)luaL_checkinteger(L, -2), tid = (pid_t)luaL_checkinteger(L, -1);
    lua_pop(L, 2);
    return unwind_push_stack(L, pid, tid, max);
}
