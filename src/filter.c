#include "filter.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "sysent.h"

/* Rules whose ANY_BITS conditions expand beyond this are refused. */
#define MAX_ALTERNATIVES 64

/* A stop, marked as ours (see FILTER_TRACE_DATA). */
#define TRACE_ACTION SCMP_ACT_TRACE(FILTER_TRACE_DATA)

void interest_init(struct interest *in, bool everything, bool want_exit)
{
    memset(in, 0, sizeof *in);
    in->everything = everything;
    in->everything_exit = everything && want_exit;
}

void interest_free(struct interest *in)
{
    free(in->rules);
    for (size_t i = 0; i < sizeof in->nr_flags / sizeof in->nr_flags[0]; i++)
        free(in->nr_flags[i]);
    memset(in, 0, sizeof *in);
}

static unsigned popcount64(uint64_t x)
{
    return (unsigned)__builtin_popcountll(x);
}

static size_t alternatives(const struct rule *rule)
{
    size_t n = 1;
    for (unsigned i = 0; i < rule->ncond; i++)
        if (rule->conds[i].op == COND_ANY_BITS) {
            n *= popcount64(rule->conds[i].mask);
            if (n > MAX_ALTERNATIVES)
                return n;
        }
    return n;
}

/* -1..INT32_MIN: an int argument such as AT_FDCWD, which glibc passes
 * zero-extended on x86_64, so only its low 32 bits can be compared. */
static bool is_int32_negative(uint64_t value)
{
    int64_t v = (int64_t)value;
    return v < 0 && v >= INT32_MIN;
}

static bool is_mask_op(enum cond_op op)
{
    return op == COND_MASKED_EQ || op == COND_ANY_BITS;
}

/* ne/lt/le/gt/ge of a negative int cannot be put to the kernel, since the
 * register's upper half may or may not be its sign: the filter stops at
 * every such call and the condition is checked in C. */
static bool is_loose_in_filter(const struct cond *c)
{
    return is_int32_negative(c->value) && c->op != COND_EQ && !is_mask_op(c->op);
}

static bool needs_recheck(const struct rule *rule)
{
    for (unsigned i = 0; i < rule->ncond; i++)
        if (is_loose_in_filter(&rule->conds[i]))
            return true;
    return false;
}

static bool is_range_op(enum cond_op op)
{
    return op == COND_NE || op == COND_LT || op == COND_LE || op == COND_GT || op == COND_GE;
}

/* libseccomp 2.5.4 gets a syscall wrong when it has two or more seccomp
 * rules (two rules, or the alternatives of one any()) and one of them
 * has a ne/lt/le/gt/ge comparison: seccomp_rule_add can loop forever, or
 * the filter loses or adds matches (found by tests/fuzz/fuzz_filter.c).
 * For such a syscall those comparisons stay out of the filter, which then
 * stops at more calls, and are checked in C (NR_RECHECK). */
static bool ranges_unsafe_in_filter(const struct interest *in, const char *name)
{
    size_t seccomp_rules = 0;
    bool range = false;
    for (size_t r = 0; r < in->nrules; r++) {
        const struct rule *rule = &in->rules[r];
        if (strcmp(rule->name, name) != 0)
            continue;
        seccomp_rules += alternatives(rule);
        for (unsigned i = 0; i < rule->ncond; i++)
            range = range || is_range_op(rule->conds[i].op);
    }
    return seccomp_rules >= 2 && range;
}

/* libseccomp takes one comparison per argument and rule, so several mask
 * conditions on one argument are merged into one (see merge_masked); any
 * other condition must be alone on its argument. */
static int check_combinations(const struct rule *rule, char *err, size_t errsz)
{
    for (unsigned i = 0; i < rule->ncond; i++)
        for (unsigned j = i + 1; j < rule->ncond; j++) {
            const struct cond *a = &rule->conds[i], *b = &rule->conds[j];
            if (a->arg == b->arg && !(is_mask_op(a->op) && is_mask_op(b->op))) {
                snprintf(err, errsz, "%s: argument %u: only mask conditions "
                         "(any, all, none, masked) can be combined", rule->name, a->arg);
                return -1;
            }
        }
    return 0;
}

static int check_rule(const struct rule *rule, char *err, size_t errsz)
{
    if (rule->ncond > RULE_MAX_CONDS) {
        snprintf(err, errsz, "%s: more than %d conditions", rule->name, RULE_MAX_CONDS);
        return -1;
    }
    for (unsigned i = 0; i < rule->ncond; i++) {
        const struct cond *c = &rule->conds[i];
        if (c->arg < 1 || c->arg > 6) {
            snprintf(err, errsz, "%s: argument %u out of range 1..6", rule->name, c->arg);
            return -1;
        }
        if ((unsigned)c->op > COND_ANY_BITS) {
            snprintf(err, errsz, "%s: unknown comparison", rule->name);
            return -1;
        }
        if (c->op == COND_MASKED_EQ && (c->value & ~c->mask)) {
            snprintf(err, errsz, "%s: argument %u: masked() value has bits outside the mask",
                     rule->name, c->arg);
            return -1;
        }
        if (c->op == COND_ANY_BITS && c->mask == 0) {
            snprintf(err, errsz, "%s: argument %u: any() needs a non-zero mask", rule->name, c->arg);
            return -1;
        }
    }
    if (check_combinations(rule, err, errsz) < 0)
        return -1;
    if (alternatives(rule) > MAX_ALTERNATIVES) {
        snprintf(err, errsz, "%s: conditions expand to more than %d filter rules",
                 rule->name, MAX_ALTERNATIVES);
        return -1;
    }
    return 0;
}

static int append_rule(struct interest *in, const struct rule *rule)
{
    if (in->nrules == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 16;
        struct rule *rules = realloc(in->rules, cap * sizeof *rules);
        if (!rules)
            return -1;
        in->rules = rules;
        in->cap = cap;
    }
    in->rules[in->nrules++] = *rule;
    return 0;
}

/* A denial's range comparisons cannot be kept out of the filter and
 * checked in C (ranges_unsafe_in_filter): the call never stops. */
static bool denial_unsafe_in_filter(const struct interest *in, const char *name)
{
    if (!ranges_unsafe_in_filter(in, name))
        return false;
    for (size_t r = 0; r < in->nrules; r++) {
        const struct rule *rule = &in->rules[r];
        if (rule->deny && strcmp(rule->name, name) == 0)
            for (unsigned i = 0; i < rule->ncond; i++)
                if (is_range_op(rule->conds[i].op))
                    return true;
    }
    return false;
}

/* When name has a multiplexed form on arch (i386's socketcall, ipc),
 * flags the multiplexer: its stops are then checked for the denial. */
static void mark_multiplexer(struct interest *in, const struct arch *arch, const char *name)
{
    const struct sysent *e = sysent_by_name(arch, name);
    for (long nr = 0; e && nr < ARCH_MAX_NR; nr++) {
        const struct sysent *mux = sysent_lookup(arch, nr);
        for (uint64_t call = 0; mux && call < 64; call++)
            if (sysent_subcall(mux, call) == e) {
                in->nr_flags[arch->index][nr] |= NR_MULTIPLEXER;
                break;
            }
    }
}

static bool rule_applies(const struct rule *rule, const struct arch *arch)
{
    return !rule->arches || (rule->arches & (1u << arch->index));
}

int interest_add(struct interest *in, const struct rule *rule, char *err, size_t errsz)
{
    if (memchr(rule->name, '\0', sizeof rule->name) == NULL) {
        snprintf(err, errsz, "syscall name too long");
        return -1;
    }
    if (check_rule(rule, err, errsz) < 0)
        return -1;
    size_t count;
    const struct arch *arches = arch_all(&count);
    int nrs[sizeof in->nr_flags / sizeof in->nr_flags[0]];
    bool known = false;
    /* Everything that can fail comes first: a refused rule leaves no flags. */
    for (size_t a = 0; a < count; a++) {
        nrs[a] = rule_applies(rule, &arches[a]) ? arch_syscall_nr(&arches[a], rule->name) : -1;
        if (nrs[a] >= ARCH_MAX_NR)
            nrs[a] = -1;
        if (nrs[a] < 0)
            continue;
        known = true;
        if (!in->nr_flags[a] && !(in->nr_flags[a] = calloc(ARCH_MAX_NR, 1))) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
    }
    if (!known) {
        snprintf(err, errsz, "unknown syscall '%s'", rule->name);
        return -1;
    }
    if (rule->deny && needs_recheck(rule)) {
        snprintf(err, errsz, "%s: the kernel cannot make this comparison (ne, lt, le, gt or ge "
                 "of a negative int); a denial must be decided by the kernel", rule->name);
        return -1;
    }
    if (append_rule(in, rule) < 0) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    if (denial_unsafe_in_filter(in, rule->name)) {
        in->nrules--;
        snprintf(err, errsz, "%s: libseccomp 2.5.4 cannot combine a ne/lt/le/gt/ge comparison "
                 "in a denial with other rules for the same syscall", rule->name);
        return -1;
    }
    if (rule->deny) {
        for (size_t a = 0; a < count; a++) {
            if (nrs[a] < 0)
                continue;
            in->nr_flags[a][nrs[a]] |= NR_DENY;
            mark_multiplexer(in, &arches[a], rule->name);
        }
        return 0;
    }
    uint8_t add = NR_TRACED;
    if (rule->want_exit)
        add |= NR_EXIT;
    if (rule->ncond == 0)
        add |= NR_ALWAYS;
    /* With this rule added: it can make the syscall's earlier rules unsafe too. */
    if (needs_recheck(rule) || ranges_unsafe_in_filter(in, rule->name))
        add |= NR_RECHECK;
    for (size_t a = 0; a < count; a++)
        if (nrs[a] >= 0)
            in->nr_flags[a][nrs[a]] |= add;
    return 0;
}

unsigned interest_flags(const struct interest *in, const struct arch *arch, long nr)
{
    const uint8_t *flags = in->nr_flags[arch->index];
    unsigned own = flags && nr >= 0 && nr < ARCH_MAX_NR ? flags[nr] : 0;
    /* Everything stops; a rule added on top may still want the exit (the
     * io_uring bookkeeping's). */
    if (in->everything)
        return NR_TRACED | NR_ALWAYS | ((in->everything_exit ? NR_EXIT : 0) | (own & NR_EXIT));
    return own;
}

/* The semantics the filter implements (see narrow_cond, add_rule): a
 * 32-bit arch's arguments are zero-extended 32-bit values, and a
 * comparison with a negative int (AT_FDCWD) uses the low 32 bits as a
 * signed int, since callers pass such ints zero- or sign-extended. */
static bool cond_holds(const struct cond *c, const uint64_t args[6], bool wide)
{
    uint64_t arg = wide ? args[c->arg - 1] : (uint32_t)args[c->arg - 1];
    uint64_t value = c->value;
    if (is_int32_negative(value) && !is_mask_op(c->op)) {
        /* a negative int: its low 32 bits, signed */
        int32_t a = (int32_t)arg, v = (int32_t)value;
        switch (c->op) {
        case COND_EQ: return a == v;
        case COND_NE: return a != v;
        case COND_LT: return a < v;
        case COND_LE: return a <= v;
        case COND_GT: return a > v;
        default: return a >= v;
        }
    }
    switch (c->op) {
    case COND_EQ:
        return is_int32_negative(value) ? (uint32_t)arg == (uint32_t)value : arg == value;
    case COND_NE: return arg != value;
    case COND_LT: return arg < value;
    case COND_LE: return arg <= value;
    case COND_GT: return arg > value;
    case COND_GE: return arg >= value;
    case COND_MASKED_EQ: return (arg & c->mask) == value;
    case COND_ANY_BITS: return (arg & c->mask) != 0;
    }
    return false;
}

static bool arch_is_wide(const struct arch *arch)
{
    return arch->audit & __AUDIT_ARCH_64BIT;
}

/* The first rule for this call whose conditions hold: a denial (deny) or
 * a rule to stop at. */
static const struct rule *first_match(const struct interest *in, const struct arch *arch,
                                      long nr, const uint64_t args[6], bool deny)
{
    const char *name = arch_syscall_name(arch, nr);
    bool wide = arch_is_wide(arch);
    for (size_t r = 0; r < in->nrules; r++) {
        const struct rule *rule = &in->rules[r];
        if (!rule->deny != !deny || strcmp(rule->name, name) != 0 || !rule_applies(rule, arch))
            continue;
        bool all = true;
        for (unsigned i = 0; i < rule->ncond && all; i++)
            all = cond_holds(&rule->conds[i], args, wide);
        if (all)
            return rule;
    }
    return NULL;
}

bool interest_match(const struct interest *in, const struct arch *arch, long nr,
                    const uint64_t args[6])
{
    unsigned flags = interest_flags(in, arch, nr);
    if (!(flags & NR_TRACED))
        return false;
    if (flags & NR_ALWAYS)
        return true;
    return first_match(in, arch, nr, args, false) != NULL;
}

/* i386's socketcall(2) or ipc(2) form of a denied call (connect through
 * socketcall): libseccomp's companion rule checks only the call number,
 * its arguments being in memory; so does this.  The errno, or 0. */
static int denied_subcall(const struct interest *in, const struct arch *arch, long nr,
                          const uint64_t args[6])
{
    const struct sysent *sub = sysent_subcall(sysent_lookup(arch, nr), args[0]);
    for (size_t r = 0; sub && r < in->nrules; r++) {
        const struct rule *rule = &in->rules[r];
        if (rule->deny && rule_applies(rule, arch) && strcmp(rule->name, sub->name) == 0)
            return rule->deny;
    }
    return 0;
}

int interest_denied(const struct interest *in, const struct arch *arch, long nr,
                    const uint64_t args[6])
{
    const uint8_t *flags = in->nr_flags[arch->index];
    if (!flags || nr < 0 || nr >= ARCH_MAX_NR)
        return 0;
    if (!(flags[nr] & NR_DENY))
        return (flags[nr] & NR_MULTIPLEXER) ? denied_subcall(in, arch, nr, args) : 0;
    const struct rule *rule = first_match(in, arch, nr, args, true);
    return rule ? rule->deny : 0;
}

void interest_keep_denials_only(struct interest *in)
{
    size_t kept = 0;
    for (size_t r = 0; r < in->nrules; r++)
        if (in->rules[r].deny)
            in->rules[kept++] = in->rules[r];
    in->nrules = kept;
    in->everything = in->everything_exit = false;
    for (size_t a = 0; a < sizeof in->nr_flags / sizeof in->nr_flags[0]; a++)
        for (size_t nr = 0; in->nr_flags[a] && nr < ARCH_MAX_NR; nr++)
            in->nr_flags[a][nr] &= NR_DENY;
}

bool interest_denies(const struct interest *in)
{
    for (size_t r = 0; r < in->nrules; r++)
        if (in->rules[r].deny)
            return true;
    return false;
}

static const enum scmp_compare scmp_ops[] = {
    [COND_EQ] = SCMP_CMP_EQ, [COND_NE] = SCMP_CMP_NE, [COND_LT] = SCMP_CMP_LT,
    [COND_LE] = SCMP_CMP_LE, [COND_GT] = SCMP_CMP_GT, [COND_GE] = SCMP_CMP_GE,
    [COND_MASKED_EQ] = SCMP_CMP_MASKED_EQ, [COND_ANY_BITS] = SCMP_CMP_MASKED_EQ,
};

/* Folds (x & mask) == value into an earlier comparison of the same
 * argument.  Returns 1 when merged, 0 when there is none, -1 when the two
 * can never hold together. */
static int merge_masked(struct scmp_arg_cmp *cmp, size_t n, unsigned arg, uint64_t mask,
                        uint64_t value)
{
    for (size_t i = 0; i < n; i++) {
        if (cmp[i].arg != arg)
            continue;
        uint64_t overlap = cmp[i].datum_a & mask;
        if ((cmp[i].datum_b ^ value) & overlap)
            return -1;
        cmp[i].datum_a |= mask;
        cmp[i].datum_b |= value;
        return 1;
    }
    return 0;
}

enum { COND_DROP, COND_KEEP, COND_NEVER };

/* Fits one comparison (a: datum_a, b: datum_b) to what the kernel sees:
 * eq() of a negative int becomes a low-32-bit mask test; on a 32-bit arch,
 * where arguments have no high bits, a comparison with a value above
 * UINT32_MAX always or never holds.  Returns whether to keep the
 * comparison (*opp may change), drop it (always true) or drop the
 * alternative (never). */
static int narrow_cond(enum cond_op *opp, uint64_t *a, uint64_t *b, bool wide)
{
    enum cond_op op = *opp;
    if (!is_mask_op(op) && op != COND_EQ && is_int32_negative(*a))
        return COND_DROP; /* checked in C: see is_loose_in_filter */
    if (op == COND_EQ && is_int32_negative(*a)) {
        *opp = COND_MASKED_EQ;
        *b = (uint32_t)*a;
        *a = UINT32_MAX;
        return COND_KEEP;
    }
    if (wide)
        return COND_KEEP;
    if (op == COND_MASKED_EQ || op == COND_ANY_BITS) {
        if (*b > UINT32_MAX)
            return COND_NEVER;
        *a = (uint32_t)*a;
        return *a ? COND_KEEP : COND_DROP; /* (x & 0) == 0 */
    }
    if (*a <= UINT32_MAX)
        return COND_KEEP;
    return op == COND_NE || op == COND_LT || op == COND_LE ? COND_DROP : COND_NEVER;
}

/* Adds one seccomp rule per alternative: alternative k picks, for each
 * ANY_BITS condition, one of its bits (mixed-radix digits of k).  Without
 * ranges, ne/lt/le/gt/ge comparisons are left out (see
 * ranges_unsafe_in_filter). */
static int add_rule(scmp_filter_ctx ctx, int nr, const struct rule *rule, bool wide,
                    bool ranges)
{
    size_t total = alternatives(rule);
    for (size_t k = 0; k < total; k++) {
        struct scmp_arg_cmp cmp[RULE_MAX_CONDS];
        size_t n = 0, rest = k;
        bool satisfiable = true;
        for (unsigned i = 0; i < rule->ncond && satisfiable; i++) {
            const struct cond *c = &rule->conds[i];
            enum cond_op op = c->op;
            if (!ranges && is_range_op(op))
                continue;
            uint64_t a = c->value, b = 0;
            if (op == COND_MASKED_EQ) {
                a = c->mask;
                b = c->value;
            } else if (op == COND_ANY_BITS) {
                unsigned bits = popcount64(c->mask), pick = (unsigned)(rest % bits);
                rest /= bits;
                uint64_t m = c->mask;
                for (unsigned skip = 0; skip < pick; skip++)
                    m &= m - 1;
                a = b = m & -m;
            }
            int fit = narrow_cond(&op, &a, &b, wide);
            if (fit == COND_NEVER) {
                satisfiable = false;
                continue;
            }
            if (fit == COND_DROP)
                continue;
            int merged = is_mask_op(op) ? merge_masked(cmp, n, c->arg - 1, a, b) : 0;
            if (merged < 0)
                satisfiable = false;
            else if (merged == 0)
                cmp[n++] = (struct scmp_arg_cmp){ c->arg - 1, scmp_ops[op], a, b };
        }
        if (!satisfiable)
            continue;
        /* Not _exact: i386's socket and ipc calls then also stop in
         * their socketcall(2)/ipc(2) form, by call number only. */
        uint32_t action = rule->deny ? SCMP_ACT_ERRNO((uint32_t)rule->deny) : TRACE_ACTION;
        int rc = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, cmp);
        if (rc < 0 && rc != -EEXIST)
            return rc;
    }
    return 0;
}

/* A filter for one arch only, so numbers and argument widths are that
 * arch's own; the per-arch filters are merged afterwards. */
static int build_arch(const struct interest *in, const struct arch *arch, scmp_filter_ctx *out)
{
    scmp_filter_ctx ctx = seccomp_init(in->everything ? TRACE_ACTION : SCMP_ACT_ALLOW);
    if (!ctx)
        return -ENOMEM;
    int rc = 0;
    if (arch->audit != seccomp_arch_native()) {
        rc = seccomp_arch_add(ctx, arch->audit);
        if (rc == 0)
            rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
    }
    /* Unsupported ABIs (x32) run unseen rather than being killed. */
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    /* Denials first: libseccomp keeps the first of two rules with the same
     * comparisons (EEXIST), and a denial must not give way to a stop. */
    for (int denials = 1; denials >= 0; denials--)
        for (size_t r = 0; rc == 0 && r < in->nrules; r++) {
            const struct rule *rule = &in->rules[r];
            /* libseccomp takes numbers in the native arch's numbering (or its
             * pseudo numbers) and translates them for this ctx's arch. */
            if (!rule->deny != !denials || (!rule->deny && in->everything) ||
                !rule_applies(rule, arch) || arch_syscall_nr(arch, rule->name) < 0)
                continue;
            rc = add_rule(ctx, seccomp_syscall_resolve_name(rule->name), rule,
                          arch_is_wide(arch), !ranges_unsafe_in_filter(in, rule->name));
        }
    if (rc < 0) {
        seccomp_release(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

int filter_build(const struct interest *in, void **out)
{
    size_t count;
    const struct arch *arches = arch_all(&count);
    scmp_filter_ctx merged = NULL;
    int rc = 0;
    for (size_t a = 0; rc == 0 && a < count; a++) {
        scmp_filter_ctx ctx;
        rc = build_arch(in, &arches[a], &ctx);
        if (rc == 0 && merged) {
            rc = seccomp_merge(merged, ctx);
            if (rc < 0)
                seccomp_release(ctx);
        } else if (rc == 0) {
            merged = ctx;
        }
    }
    if (rc < 0 && merged)
        seccomp_release(merged);
    *out = rc < 0 ? NULL : merged;
    return rc;
}

const char *filter_step_name(enum filter_step step)
{
    static const char *const names[] = {
        [FILTER_BUILD] = "build", [FILTER_NO_NEW_PRIVS] = "no_new_privs", [FILTER_LOAD] = "load",
    };
    return names[step];
}

int filter_install(const struct interest *in, enum filter_step *step)
{
    scmp_filter_ctx ctx;
    *step = FILTER_BUILD;
    int rc = filter_build(in, &ctx);
    if (rc < 0)
        return rc;
    /* Without SYSRAWRC libseccomp turns every refusal of the kernel into
     * ECANCELED, and the EACCES below would never be seen.  With it, the
     * kernel's errno comes back, or EFAULT for one libseccomp does not
     * document (its _rc_filter). */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
    if (rc == 0) {
        *step = FILTER_LOAD;
        rc = seccomp_load(ctx);
    }
    /* Like strace: NO_NEW_PRIVS only when the kernel insists, since it
     * stops set-uid programs (sudo) from working in the trace. */
    if (rc == -EACCES) {
        *step = FILTER_NO_NEW_PRIVS;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
            rc = -errno;
        } else {
            *step = FILTER_LOAD;
            rc = seccomp_load(ctx);
        }
    }
    seccomp_release(ctx);
    return rc;
}
