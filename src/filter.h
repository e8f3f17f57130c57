/* What the script wants to see ("interest") and how it becomes a seccomp
 * filter for spawned commands, or a check in C for attached processes. */
#ifndef WTLUA_FILTER_H
#define WTLUA_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

enum cond_op {
    COND_EQ, COND_NE, COND_LT, COND_LE, COND_GT, COND_GE,
    COND_MASKED_EQ,   /* (arg & mask) == value */
    COND_ANY_BITS,    /* (arg & mask) != 0: one seccomp rule per bit */
};

struct cond {
    unsigned arg;       /* 1..6 */
    enum cond_op op;
    uint64_t value;
    uint64_t mask;      /* COND_MASKED_EQ and COND_ANY_BITS */
};

#define RULE_MAX_CONDS 6
#define SYSCALL_NAME_MAX 64

/* Stop at `name` when every condition holds (all of them: AND). */
struct rule {
    char name[SYSCALL_NAME_MAX];
    unsigned ncond;
    struct cond conds[RULE_MAX_CONDS];
    bool want_exit;     /* stop at this syscall's exit too */
    uint8_t arches;     /* the ABIs it applies to (bit arch->index), 0: all
                           (conditions on named arguments whose positions
                           differ between ABIs make one rule per ABI) */
    int deny;           /* wt.deny: the calls fail with this errno, in the
                           kernel, without a stop; 0: stop at them */
};

/* Per arch, per syscall number: what the engine does there. */
enum {
    NR_TRACED = 1,      /* some rule names it */
    NR_EXIT = 2,        /* some rule for it wants the exit stop */
    NR_ALWAYS = 4,      /* a rule for it has no conditions */
    NR_DENY = 16,       /* some wt.deny rule names it */
    NR_MULTIPLEXER = 32, /* socketcall/ipc carrying a denied call (i386) */
    NR_RECHECK = 8,     /* the filter stops at more than the rules want:
                           check them in C at its stops too */
};

struct interest {
    bool everything;    /* nothing declared: every syscall */
    bool everything_exit;
    size_t nrules, cap;
    struct rule *rules;
    uint8_t *nr_flags[4];    /* indexed by arch->index, then nr */
};

/* everything: no declaration was made; want_exit then applies to all. */
void interest_init(struct interest *in, bool everything, bool want_exit);
void interest_free(struct interest *in);
/* Adds a rule.  Returns 0, or -1 with a message in err (unknown syscall
 * on every arch, bad argument index, bad operator, too many alternatives). */
int interest_add(struct interest *in, const struct rule *rule, char *err, size_t errsz);

/* Stop flags for one syscall (0 when it is not wanted at all). */
unsigned interest_flags(const struct interest *in, const struct arch *arch, long nr);
/* Whether a syscall with these arguments is wanted: the check in C for
 * tracees without a filter.  Rules of other syscalls are not consulted. */
bool interest_match(const struct interest *in, const struct arch *arch, long nr,
                    const uint64_t args[6]);

/* The errno a wt.deny rule gives a call with these arguments, or 0: the
 * check in C for tracees without the filter, which wtlua then skips. */
int interest_denied(const struct interest *in, const struct arch *arch, long nr,
                    const uint64_t args[6]);

/* Whether some wt.deny rule was added. */
bool interest_denies(const struct interest *in);

/* Drops every rule but the denials: for a script with no syscall hook,
 * which needs a filter for its denials and no stop at all. */
void interest_keep_denials_only(struct interest *in);

/* Builds the seccomp filter for every arch into *ctx (a libseccomp
 * scmp_filter_ctx, released with seccomp_release).  Returns 0 or -errno. */
int filter_build(const struct interest *in, void **ctx);

/* The SECCOMP_RET_DATA of our filter's SECCOMP_RET_TRACE action ("wt").
 * A seccomp stop carrying any other value comes from a tracee's own
 * filter: without wtlua that syscall would fail with ENOSYS. */
#define FILTER_TRACE_DATA 0x7774

/* The steps of filter_install, for the message when one fails. */
enum filter_step { FILTER_BUILD, FILTER_NO_NEW_PRIVS, FILTER_LOAD };
/* "build", "no_new_privs", "load". */
const char *filter_step_name(enum filter_step step);

/* Builds the filter and loads it into the current process (the child,
 * right before exec), setting PR_SET_NO_NEW_PRIVS first only where the
 * kernel refuses the filter without it (EACCES: no CAP_SYS_ADMIN).
 * Returns 0 or -errno, the kernel's own errno for a refused load; *step
 * names the step that failed. */
int filter_install(const struct interest *in, enum filter_step *step);

#endif
