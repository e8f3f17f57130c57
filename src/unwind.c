#include "unwind.h"

#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "source.h"

/* What a pc resolves to.  The strings belong to libdwfl's modules: valid
 * until the modules are reported again, when the cache is emptied. */
struct symbol {
    Dwarf_Addr pc;          /* 0: an empty slot */
    const char *module, *name, *dir, *file;
    GElf_Off offset;
    int line;
};

/* Resolving a pc searches the module's symbol table from its start each
 * time (dwfl_module_addrinfo): most of a stack's cost before this cache.
 * Direct-mapped: the pcs of a process's stacks are few. */
#define SYMBOL_CACHE_SIZE 512

/* What is kept of one process: a userdata under its pid in the registry's
 * cache table, whose __gc ends the Dwfl when the Lua state closes. */
struct process {
    Dwfl *dwfl;             /* NULL once ended */
    uint64_t maps_digest;   /* of /proc/PID/maps when the modules were read */
    struct symbol symbols[SYMBOL_CACHE_SIZE];
};

static const char cache_key = 'U';
#define PROCESS_META "wtlua.unwind"

/* Modules as /proc/PID/maps names them; debug information from the
 * modules themselves, /usr/lib/debug (build id and .gnu_debuglink). */
static const Dwfl_Callbacks proc_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

static void end_process(struct process *p)
{
    if (p->dwfl)
        dwfl_end(p->dwfl);
    p->dwfl = NULL;
}

static int process_gc(lua_State *L)
{
    end_process(luaL_checkudata(L, 1, PROCESS_META));
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
    if (luaL_newmetatable(L, PROCESS_META)) {
        lua_pushcfunction(L, process_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}

/* A digest (FNV-1a) of /proc/PID/maps, or 0 when it cannot be read: a pc
 * outside every module (JIT code, a bogus last frame) makes the modules be
 * read again only when the mappings changed. */
static uint64_t maps_digest(pid_t pid)
{
    char name[32], buf[16384];
    snprintf(name, sizeof name, "/proc/%d/maps", (int)pid);
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    uint64_t h = 14695981039346656037ull;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
    close(fd);
    return n < 0 ? 0 : h;
}

/* (Re)reads the process's modules from /proc/PID/maps; modules still
 * mapped where they were keep what libdwfl has loaded of them.  0, an
 * errno (reading /proc), or -1 (libdwfl's: dwfl_errmsg says). */
static int report_modules(struct process *p, pid_t pid)
{
    memset(p->symbols, 0, sizeof p->symbols);
    p->maps_digest = maps_digest(pid);
    dwfl_report_begin(p->dwfl);
    int rc = dwfl_linux_proc_report(p->dwfl, pid);
    if (rc == 0 && dwfl_report_end(p->dwfl, NULL, NULL) != 0)
        rc = -1;
    return rc;
}

/* Pushes report_modules' or libdwfl's failure as a message. */
static void push_modules_error(lua_State *L, pid_t pid, int rc)
{
    lua_pushfstring(L, "cannot read process %d's modules: %s", (int)pid,
                    rc > 0 ? strerror(rc) : dwfl_errmsg(-1));
}

/* The process's state, made and cached on first use: its modules, and its
 * threads' registers and memory through ptrace (the thread is already in
 * a ptrace-stop, so libdwfl neither attaches nor detaches).  NULL and a
 * message pushed on failure. */
static struct process *process_of(lua_State *L, pid_t pid)
{
    push_cache(L);
    if (lua_rawgeti(L, -1, pid) == LUA_TUSERDATA) {
        struct process *p = lua_touserdata(L, -1);
        lua_pop(L, 2);
        return p;
    }
    lua_pop(L, 1);
    struct process *p = lua_newuserdatauv(L, sizeof *p, 0);
    p->dwfl = NULL;
    luaL_setmetatable(L, PROCESS_META);
    p->dwfl = dwfl_begin(&proc_callbacks);
    int rc = p->dwfl ? report_modules(p, pid) : -1;
    if (rc == 0)
        rc = dwfl_linux_proc_attach(p->dwfl, pid, true);
    if (rc != 0) {
        push_modules_error(L, pid, rc);
        end_process(p);
        lua_replace(L, -3);
        lua_pop(L, 1);
        return NULL;
    }
    lua_rawseti(L, -2, pid);
    lua_pop(L, 1);
    return p;
}

void unwind_forget(lua_State *L, pid_t pid)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &cache_key) == LUA_TNIL) {
        lua_pop(L, 1);
        return;
    }
    if (lua_rawgeti(L, -1, pid) == LUA_TUSERDATA) {
        end_process(lua_touserdata(L, -1)); /* now, not at a collection: it holds files open */
        lua_pushnil(L);
        lua_rawseti(L, -3, pid);
    }
    lua_pop(L, 2);
}

/* ---- walking the frames ---- */

struct walk {
    lua_State *L;   /* the list of frames at the top */
    struct process *process;
    int max_frames;
    int count;
    bool unknown_pc; /* a pc outside every module libdwfl knows */
    bool may_refresh;
};

/* Module, symbol and source line of pc, in module mod. */
static const struct symbol *resolve(struct process *p, Dwfl_Module *mod, Dwarf_Addr pc)
{
    struct symbol *s = &p->symbols[(pc ^ (pc >> 9)) % SYMBOL_CACHE_SIZE];
    if (s->pc == pc)
        return s;
    *s = (struct symbol){ .pc = pc };
    s->module = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    GElf_Sym sym;
    s->name = dwfl_module_addrinfo(mod, pc, &s->offset, &sym, NULL, NULL, NULL);
    Dwfl_Line *line = dwfl_module_getsrc(mod, pc);
    s->file = line ? dwfl_lineinfo(line, NULL, &s->line, NULL, NULL, NULL) : NULL;
    /* A relative name is relative to the compilation's directory, when
     * that is known as an absolute path. */
    if (s->file && s->file[0] != '/') {
        s->dir = dwfl_line_comp_dir(line);
        if (s->dir && s->dir[0] != '/')
            s->dir = NULL;
    }
    return s;
}

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

static void push_frame(lua_State *L, struct process *p, Dwfl_Module *mod, Dwarf_Addr pc)
{
    lua_createtable(L, 0, 6);
    set_integer(L, "pc", (lua_Integer)pc);
    if (!mod)
        return;
    const struct symbol *s = resolve(p, mod, pc);
    set_string(L, "module", s->module);
    if (s->name) {
        set_string(L, "name", s->name);
        set_integer(L, "offset", (lua_Integer)s->offset);
    }
    if (s->file) {
        if (s->dir)
            lua_pushfstring(L, "%s/%s", s->dir, s->file);
        else
            lua_pushstring(L, s->file);
        lua_setfield(L, -2, "file");
        set_integer(L, "line", s->line);
    }
}

/* Called by libdwfl for each frame, innermost first.  A Lua error here
 * (only out of memory) would skip libdwfl's cleanup of the walk: a leak. */
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
    Dwfl_Module *mod = dwfl_addrmodule(w->process->dwfl, pc);
    if (!mod && w->may_refresh) {
        w->unknown_pc = true;
        return DWARF_CB_ABORT;
    }
    push_frame(w->L, w->process, mod, pc);
    lua_rawseti(w->L, -2, ++w->count);
    return w->count == w->max_frames ? DWARF_CB_ABORT : DWARF_CB_OK;
}

int unwind_push_stack(lua_State *L, pid_t pid, pid_t tid, int max_frames)
{
    if (tracee_source && tracee_source->replaying) { /* the pid is not the tracee's now */
        lua_pushnil(L);
        lua_pushstring(L, "not in the capture");
        return 2;
    }
    struct process *p = process_of(L, pid);
    if (!p) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    struct walk w = { L, p, max_frames, 0, false, true };
    lua_newtable(L);
    int rc = dwfl_getthread_frames(p->dwfl, tid, on_frame, &w);
    if (w.unknown_pc) {
        /* Modules mapped since the cache was made (dlopen): read the maps
         * again, when they changed, and walk again. */
        lua_pop(L, 1);
        uint64_t digest = maps_digest(pid);
        int reported = digest && digest == p->maps_digest ? 0 : report_modules(p, pid);
        if (reported != 0) {
            lua_pushnil(L);
            push_modules_error(L, pid, reported);
            return 2;
        }
        w = (struct walk){ L, p, max_frames, 0, false, false };
        lua_newtable(L);
        rc = dwfl_getthread_frames(p->dwfl, tid, on_frame, &w);
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
