/* The layout of the generated name tables (xlat_table.c), shared by it
 * and xlat.c only. */
#ifndef WTLUA_XLAT_TABLE_H
#define WTLUA_XLAT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "xlat.h"

/* The ABIs, in arch->index order: x86_64, i386. */
#define XLAT_ABI_COUNT 2

/* Every set by name (strcmp order); an ABI's pointer is shared with the
 * other's when their values agree. */
struct xlat_index_entry {
    const char *name;
    const struct xlat *abi[XLAT_ABI_COUNT];
};
extern const struct xlat_index_entry xlat_index[];
extern const size_t xlat_index_count;

/* The FAMILY@KEY sets, by family (strcmp order) then key value. */
struct xlat_keyed_entry {
    const char *family;
    uint64_t key;
    const struct xlat *abi[XLAT_ABI_COUNT];
};
extern const struct xlat_keyed_entry xlat_keyed[];
extern const size_t xlat_keyed_count;

/* Every ioctl request name, sorted by code then name; the names are at
 * offsets in one text, so that the table holds no pointers to relocate. */
struct xlat_ioctl {
    uint32_t code;
    uint32_t name;      /* offset in xlat_ioctl_names_text */
    uint8_t abis;       /* bit arch->index: the ABIs that have it */
};
extern const char xlat_ioctl_names_text[];
extern const struct xlat_ioctl xlat_ioctls[];
extern const size_t xlat_ioctl_count;

#endif
