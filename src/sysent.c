#include "sysent.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sysent_table.h"

static const struct sysent_abi *abi_of(const struct arch *arch, long nr)
{
    for (unsigned i = 0; i < sysent_abi_count; i++) {
        const struct sysent_abi *abi = &sysent_abis[i];
        if (abi->audit == arch->audit && ((unsigned long)nr & abi->nr_mask) == abi->nr_bits)
            return abi;
    }
    return NULL;
}

const struct sysent *sysent_lookup(const struct arch *arch, long nr)
{
    /* a negative nr fails the bound below, as its unsigned self */
    const struct sysent_abi *abi = abi_of(arch, nr);
    if (abi == NULL)
        return NULL;
    unsigned long index = (unsigned long)nr & ~(unsigned long)abi->nr_mask;
    if (index >= abi->nr_count || abi->by_nr[index] == 0)
        return NULL;
    return &sysent_entries[abi->by_nr[index] - 1];
}

static int compare_name(const void *key, const void *element)
{
    return strcmp(key, sysent_entries[*(const uint16_t *)element].name);
}

const struct sysent *sysent_by_name(const struct arch *arch, const char *name)
{
    const struct sysent_abi *abi = abi_of(arch, 0);
    if (abi == NULL)
        return NULL;
    const uint16_t *found = bsearch(name, abi->by_name, abi->name_count, sizeof *abi->by_name,
                                    compare_name);
    return found ? &sysent_entries[*found] : NULL;
}

const struct sysent *sysent_subcall(const struct sysent *e, uint64_t call)
{
    for (unsigned i = 0; i < sysent_mux_count; i++) {
        const struct sysent_mux *mux = &sysent_muxes[i];
        if (e != &sysent_entries[mux->entry])
            continue;
        call &= 0xffff; /* ipc: the version is in the high bits */
        if (call >= mux->call_count || mux->calls[call] == 0)
            return NULL;
        return &sysent_entries[mux->calls[call] - 1];
    }
    return NULL;
}

int sysent_arg_index(const struct sysent *e, const char *argname)
{
    for (unsigned i = 0; i < e->nargs; i++)
        if (strcmp(e->args[i].name, argname) == 0)
            return (int)i + 1;
    return -1;
}

/* strace's names (basic_filters.c), which it matches ignoring case. */
static const struct {
    const char *name;
    uint32_t bit;
} class_names[] = {
    { "%desc", SYSENT_CLASS_DESC },
    { "%file", SYSENT_CLASS_FILE },
    { "%memory", SYSENT_CLASS_MEMORY },
    { "%process", SYSENT_CLASS_PROCESS },
    { "%creds", SYSENT_CLASS_CREDS },
    { "%signal", SYSENT_CLASS_SIGNAL },
    { "%ipc", SYSENT_CLASS_IPC },
    { "%net", SYSENT_CLASS_NETWORK },
    { "%network", SYSENT_CLASS_NETWORK },
    { "%stat", SYSENT_CLASS_STAT },
    { "%lstat", SYSENT_CLASS_LSTAT },
    { "%fstat", SYSENT_CLASS_FSTAT },
    { "%%stat", SYSENT_CLASS_STAT_LIKE },
    { "%statfs", SYSENT_CLASS_STATFS },
    { "%fstatfs", SYSENT_CLASS_FSTATFS },
    { "%%statfs", SYSENT_CLASS_STATFS_LIKE },
    { "%pure", SYSENT_CLASS_PURE },
    { "%clock", SYSENT_CLASS_CLOCK },
    /* legacy names */
    { "desc", SYSENT_CLASS_DESC },
    { "file", SYSENT_CLASS_FILE },
    { "memory", SYSENT_CLASS_MEMORY },
    { "process", SYSENT_CLASS_PROCESS },
    { "signal", SYSENT_CLASS_SIGNAL },
    { "ipc", SYSENT_CLASS_IPC },
    { "network", SYSENT_CLASS_NETWORK },
};

uint32_t sysent_class_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof class_names / sizeof class_names[0]; i++)
        if (strcasecmp(class_names[i].name, name) == 0)
            return class_names[i].bit;
    return 0;
}

static const char *const kind_names[SYSENT_KIND_COUNT] = {
    [SYSENT_INT] = "int",       [SYSENT_UINT] = "uint",     [SYSENT_SIZE] = "size",
    [SYSENT_OFFSET] = "offset", [SYSENT_PTR] = "ptr",       [SYSENT_FD] = "fd",
    [SYSENT_DIRFD] = "dirfd",   [SYSENT_PATH] = "path",     [SYSENT_STRING] = "string",
    [SYSENT_BUFFER] = "buffer", [SYSENT_FLAGS] = "flags",   [SYSENT_ENUM] = "enum",
    [SYSENT_MODE] = "mode",     [SYSENT_PID] = "pid",       [SYSENT_UID] = "uid",
    [SYSENT_GID] = "gid",       [SYSENT_SIGNAL] = "signal", [SYSENT_STRUCT] = "struct",
    [SYSENT_ARRAY] = "array",   [SYSENT_HIGH32] = "high32",
};

const char *sysent_kind_name(unsigned kind)
{
    return kind < SYSENT_KIND_COUNT ? kind_names[kind] : "?";
}
