/* The layout of the generated syscall table (sysent_table.c), shared by
 * it and sysent.c only. */
#ifndef WTLUA_SYSENT_TABLE_H
#define WTLUA_SYSENT_TABLE_H

#include <stdint.h>

#include "sysent.h"

/* Every distinct entry, once: ABIs share the entries they agree on. */
extern const struct sysent sysent_entries[];

struct sysent_abi {
    uint32_t audit;             /* AUDIT_ARCH_* */
    uint32_t nr_mask, nr_bits;  /* its numbers n have n & nr_mask == nr_bits (x32: bit 30 set) */
    const uint16_t *by_nr;      /* [n & ~nr_mask]: entry index + 1, 0 for none */
    uint32_t nr_count;
    const uint16_t *by_name;    /* entry indexes, sorted by name (strcmp) */
    uint32_t name_count;
};
extern const struct sysent_abi sysent_abis[];
extern const unsigned sysent_abi_count;

/* A multiplexer (i386's socketcall and ipc) and its sub-calls. */
struct sysent_mux {
    uint16_t entry;             /* the multiplexer's entry index */
    const uint16_t *calls;      /* [call]: entry index + 1, 0 for none */
    uint32_t call_count;
};
extern const struct sysent_mux sysent_muxes[];
extern const unsigned sysent_mux_count;

#endif
