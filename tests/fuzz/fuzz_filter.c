/* libFuzzer target: turning trace declarations (struct rule) into the
 * interest (interest_add, interest_flags, interest_match) and into the
 * seccomp filter (filter_build), without loading it.
 *
 * Besides memory errors and UB, it checks the filter against the C check:
 * the filter is exported as BPF and run here, on seccomp_data built from
 * the rules' own values, and the engine's decision at a filtered stop
 * (stop when the filter says TRACE, then consult interest_match only where
 * NR_RECHECK is set; see syscall_stop in src/tracer.c) must be what
 * interest_match says: no missed syscall, no unwanted one.
 *
 * Input: byte 0 picks everything/want_exit and the number of rules; then
 * per rule a name (from a table, or raw bytes), flags and conditions with
 * raw argument indexes, operators, values and masks; the rest seeds the
 * choice of argument values to test.
 *
 * Environment: FUZZ_VERBOSE=1 prints each input's rules (to describe a
 * reproducer).
 *
 * This target found three libseccomp 2.5.4 bugs with syscalls that have
 * two or more seccomp rules and a ne/lt/le/gt/ge comparison (a hang in
 * seccomp_rule_add; lost matches with lt/le/gt/ge values on both sides of
 * 2^32; on i386, lost and extra matches); src/filter.c now keeps such
 * comparisons out of the filter (ranges_unsafe_in_filter).
 * tests/fuzz/regress/fuzz_filter/ holds one reproducer of each: run
 * build/fuzz/fuzzers/fuzz_filter FILE... */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "filter.h"

#define MAX_RULES 12
#define VECTORS 24          /* argument vectors tried per rule and arch */

#define check(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_filter: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* FUZZ_VERBOSE=1: print each input's rules (to describe a reproducer). */
static bool verbose;

/* ---- reading the input ---- */

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t byte(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static uint64_t u64(struct input *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | byte(in);
    return v;
}

/* Names on both ABIs, on one only, multiplexed ones (socketcall, ipc),
 * and ones on neither. */
static const char *const names[] = {
    "openat", "open", "creat", "openat2", "read", "write", "close", "execve",
    "execveat", "unlink", "unlinkat", "rename", "renameat2", "mkdir", "chdir",
    "clone", "clone3", "fork", "vfork", "exit_group", "getpid", "kill", "ioctl",
    "fcntl", "mmap", "truncate", "setuid", "socket", "connect", "accept",
    "accept4", "sendmsg", "recvfrom", "shmget", "semop", "msgsnd",
    "newfstatat", "arch_prctl", "socketcall", "ipc", "waitpid", "_llseek",
    "mmap2", "fstatat64", "fcntl64", "truncate64", "setuid32", "stat64",
    "restart_syscall", "sigreturn", "", "no_such_syscall", "syscall_42",
};
#define NNAMES (sizeof names / sizeof names[0])

/* Values that the filter narrows or widens on purpose. */
static const uint64_t specials[] = {
    0, 1, 2, 0x40, 0x241, 0x200000, 0x7fffffff, 0x80000000, 0xffffffff,
    0x100000000, (uint64_t)-1, (uint64_t)-100 /* AT_FDCWD */,
    (uint64_t)INT32_MIN, (uint64_t)INT32_MIN - 1, 0xffffff9c, 0x8000000000000000,
};
#define NSPECIALS (sizeof specials / sizeof specials[0])

static uint64_t value(struct input *in)
{
    uint8_t kind = byte(in);
    if (kind < 0x80)
        return specials[kind % NSPECIALS];
    if (kind < 0xc0)
        return (uint64_t)1 << (kind % 64);
    return u64(in);
}

static void read_rule(struct input *in, struct rule *r)
{
    memset(r, 0, sizeof *r);
    uint8_t pick = byte(in);
    if (pick < 0xe0) {
        snprintf(r->name, sizeof r->name, "%s", names[pick % NNAMES]);
    } else {
        /* Raw bytes; 64 or more leaves the name unterminated. */
        size_t len = byte(in) % 72;
        for (size_t i = 0; i < len && i < sizeof r->name; i++)
            r->name[i] = (char)byte(in);
    }
    uint8_t flags = byte(in);
    r->want_exit = flags & 1;
    r->ncond = (flags >> 1) & 7;   /* 7: more than RULE_MAX_CONDS */
    for (unsigned i = 0; i < r->ncond && i < RULE_MAX_CONDS; i++) {
        struct cond *c = &r->conds[i];
        uint8_t a = byte(in), op = byte(in);
        c->arg = a & 0x80 ? a & 0x7f : 1 + a % 6;
        c->op = (enum cond_op)((op & 0xf0) == 0xf0 ? op : op % 8);
        c->value = value(in);
        c->mask = value(in);
        /* Mostly well-formed masked(): value inside the mask. */
        if (c->op == COND_MASKED_EQ && !(op & 0x08))
            c->value &= c->mask;
    }
}

/* ---- a classic BPF interpreter, enough for seccomp filters ---- */

static uint32_t bpf_run(const struct sock_filter *prog, size_t len,
                        const struct seccomp_data *data)
{
    uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 };
    const uint8_t *d = (const uint8_t *)data;
    size_t pc = 0;
    for (;;) {
        check(pc < len, "BPF: pc %zu runs off a program of %zu", pc, len);
        const struct sock_filter *f = &prog[pc++];
        uint32_t k = f->k;
        uint32_t src = BPF_SRC(f->code) == BPF_X ? X : k;
        switch (BPF_CLASS(f->code)) {
        case BPF_LD:
        case BPF_LDX: {
            uint32_t v;
            switch (BPF_MODE(f->code)) {
            case BPF_ABS:
                check(BPF_CLASS(f->code) == BPF_LD && BPF_SIZE(f->code) == BPF_W &&
                      k % 4 == 0 && k + 4 <= sizeof *data, "BPF: bad load at %u", k);
                memcpy(&v, d + k, 4);
                break;
            case BPF_IMM: v = k; break;
            case BPF_MEM: check(k < BPF_MEMWORDS, "BPF: M[%u]", k); v = M[k]; break;
            case BPF_LEN: v = sizeof *data; break;
            default: check(0, "BPF: load mode %#x", f->code);
            }
            if (BPF_CLASS(f->code) == BPF_LD)
                A = v;
            else
                X = v;
            break;
        }
        case BPF_ST:
        case BPF_STX:
            check(k < BPF_MEMWORDS, "BPF: M[%u]", k);
            M[k] = BPF_CLASS(f->code) == BPF_ST ? A : X;
            break;
        case BPF_ALU:
            switch (BPF_OP(f->code)) {
            case BPF_ADD: A += src; break;
            case BPF_SUB: A -= src; break;
            case BPF_MUL: A *= src; break;
            case BPF_DIV: if (!src) return 0; A /= src; break;
            case BPF_MOD: if (!src) return 0; A %= src; break;
            case BPF_OR: A |= src; break;
            case BPF_AND: A &= src; break;
            case BPF_XOR: A ^= src; break;
            case BPF_LSH: A = src < 32 ? A << src : 0; break;
            case BPF_RSH: A = src < 32 ? A >> src : 0; break;
            case BPF_NEG: A = -A; break;
            default: check(0, "BPF: alu op %#x", f->code);
            }
            break;
        case BPF_JMP: {
            bool taken;
            switch (BPF_OP(f->code)) {
            case BPF_JA: pc += k; continue;
            case BPF_JEQ: taken = A == src; break;
            case BPF_JGT: taken = A > src; break;
            case BPF_JGE: taken = A >= src; break;
            case BPF_JSET: taken = (A & src) != 0; break;
            default: check(0, "BPF: jump op %#x", f->code); taken = false;
            }
            pc += taken ? f->jt : f->jf;
            break;
        }
        case BPF_RET:
            return BPF_RVAL(f->code) == BPF_A ? A : k;
        case BPF_MISC:
            if (BPF_MISCOP(f->code) == BPF_TAX)
                X = A;
            else
                A = X;
            break;
        default:
            check(0, "BPF: class %#x", f->code);
        }
    }
}

/* ---- the oracle ---- */

static int bpf_fd = -1;
static struct sock_filter *prog;
static size_t prog_cap;

static size_t export_bpf(void *ctx)
{
    check(ftruncate(bpf_fd, 0) == 0 && lseek(bpf_fd, 0, SEEK_SET) == 0, "memfd");
    int rc = seccomp_export_bpf(ctx, bpf_fd);
    check(rc == 0, "seccomp_export_bpf: %d", rc);
    off_t size = lseek(bpf_fd, 0, SEEK_CUR);
    check(size > 0 && size % sizeof *prog == 0, "BPF size %lld", (long long)size);
    if ((size_t)size > prog_cap * sizeof *prog) {
        prog_cap = (size_t)size / sizeof *prog;
        prog = realloc(prog, prog_cap * sizeof *prog);
        check(prog != NULL, "out of memory");
    }
    check(pread(bpf_fd, prog, (size_t)size, 0) == size, "pread");
    return (size_t)size / sizeof *prog;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Candidate values for one argument: around each value and mask the rules
 * compare it with, in zero- and sign-extended forms. */
#define MAX_CANDS 64
struct cands {
    size_t n;
    uint64_t v[MAX_CANDS];
};

static void cand_add(struct cands *c, uint64_t v)
{
    if (c->n < MAX_CANDS)
        c->v[c->n++] = v;
}

static void candidates(const struct interest *in, struct cands cands[6])
{
    for (int a = 0; a < 6; a++) {
        cands[a].n = 0;
        cand_add(&cands[a], 0);
        cand_add(&cands[a], (uint64_t)-1);
    }
    for (size_t r = 0; r < in->nrules; r++)
        for (unsigned i = 0; i < in->rules[r].ncond; i++) {
            const struct cond *c = &in->rules[r].conds[i];
            struct cands *cs = &cands[c->arg - 1];
            uint64_t v = c->value, m = c->mask;
            cand_add(cs, v);
            cand_add(cs, v + 1);
            cand_add(cs, v - 1);
            cand_add(cs, (uint32_t)v);
            cand_add(cs, (uint64_t)(int64_t)(int32_t)v);
            cand_add(cs, (uint32_t)v + 1);
            cand_add(cs, m);
            cand_add(cs, v | (m & ~(m - 1)));       /* plus mask's lowest bit */
            cand_add(cs, v & ~(m & ~(m - 1)));
            cand_add(cs, m & ~(uint64_t)0xffffffff);
        }
}

static uint64_t pick(const struct cands *c)
{
    uint64_t r = rng();
    uint64_t v = c->v[r % c->n];
    /* Now and then combine two candidates (several mask conditions). */
    if ((r >> 32) % 4 == 0)
        v |= c->v[(r >> 40) % c->n];
    return v;
}

static void print_rule(const struct rule *rule)
{
    fprintf(stderr, "  rule %.*s%s:", (int)sizeof rule->name, rule->name,
            rule->want_exit ? " (exit)" : "");
    for (unsigned i = 0; i < rule->ncond && i < RULE_MAX_CONDS; i++)
        fprintf(stderr, " [arg %u op %d value %#llx mask %#llx]", rule->conds[i].arg,
                (int)rule->conds[i].op, (unsigned long long)rule->conds[i].value,
                (unsigned long long)rule->conds[i].mask);
    fputc('\n', stderr);
}

static void check_one(const struct interest *in, const struct sock_filter *p, size_t len,
                      const struct arch *arch, long nr, const uint64_t args_in[6])
{
    bool wide = arch->audit & __AUDIT_ARCH_64BIT;
    struct seccomp_data data;
    memset(&data, 0, sizeof data);
    data.nr = (int)nr;
    data.arch = arch->audit;
    uint64_t args[6];
    for (int i = 0; i < 6; i++) {
        /* The kernel zero-extends a 32-bit task's arguments. */
        args[i] = wide ? args_in[i] : (uint32_t)args_in[i];
        data.args[i] = args[i];
    }
    uint32_t ret = bpf_run(p, len, &data);
    uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
    check(action == SECCOMP_RET_TRACE || action == SECCOMP_RET_ALLOW,
          "%s nr %ld: filter action %#x", arch->name, nr, ret);
    unsigned flags = interest_flags(in, arch, nr);
    bool want = interest_match(in, arch, nr, args);
    bool traced = action == SECCOMP_RET_TRACE;
    bool seen = traced && (flags & NR_TRACED) && (!(flags & NR_RECHECK) || want);
    if (seen != want) {
        fprintf(stderr, "fuzz_filter: %s nr %ld (%s) args %#llx %#llx %#llx %#llx %#llx %#llx: "
                "filter %s, flags %#x, interest_match %d\n",
                arch->name, nr, arch_syscall_name(arch, nr),
                (unsigned long long)args[0], (unsigned long long)args[1],
                (unsigned long long)args[2], (unsigned long long)args[3],
                (unsigned long long)args[4], (unsigned long long)args[5],
                traced ? "TRACE" : "ALLOW", flags, want);
        for (size_t r = 0; r < in->nrules; r++)
            print_rule(&in->rules[r]);
        abort();
    }
}

static void check_filter(const struct interest *in, void *ctx)
{
    size_t len = export_bpf(ctx);
    /* Over BPF_MAXINSNS the kernel refuses the filter, and wtlua stops at
     * every syscall instead (see read_child_reports): nothing to compare. */
    if (len > BPF_MAXINSNS)
        return;
    size_t narch;
    const struct arch *arches = arch_all(&narch);
    static const uint64_t zero[6];
    struct cands cands[6];
    candidates(in, cands);
    for (size_t a = 0; a < narch; a++) {
        const struct arch *arch = &arches[a];
        /* Every number with plain arguments: no syscall the script did not
         * name may be stopped at, none it named unconditionally missed. */
        for (long nr = 0; nr < 512; nr++)
            check_one(in, prog, len, arch, nr, zero);
        /* The named ones with arguments around the rules' values. */
        for (size_t r = 0; r < in->nrules; r++) {
            int nr = arch_syscall_nr(arch, in->rules[r].name);
            if (nr < 0)
                continue;
            for (int v = 0; v < VECTORS; v++) {
                uint64_t args[6];
                for (int i = 0; i < 6; i++)
                    args[i] = pick(&cands[i]);
                check_one(in, prog, len, arch, nr, args);
            }
        }
    }
    /* x32 calls and unknown ABIs run unseen, as documented in build_arch. */
    struct seccomp_data data;
    memset(&data, 0, sizeof data);
    data.arch = AUDIT_ARCH_X86_64;
    data.nr = 0x40000000 | 2;
    if (arches[0].audit == AUDIT_ARCH_X86_64)
        check((bpf_run(prog, len, &data) & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW,
              "x32 call not allowed");
    /* a foreign ABI */
    data.arch = arches[0].audit == AUDIT_ARCH_AARCH64 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_AARCH64;
    data.nr = 2;
    check((bpf_run(prog, len, &data) & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW,
          "foreign ABI not allowed");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    bpf_fd = memfd_create("fuzz_filter_bpf", MFD_CLOEXEC);
    if (bpf_fd < 0) {
        perror("memfd_create");
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input input = { data, size };
    uint8_t head = byte(&input);
    struct interest in;
    interest_init(&in, head & 1, head & 2);
    unsigned nrules = (head >> 2) % (MAX_RULES + 1);
    static uint8_t before[4][ARCH_MAX_NR];
    for (unsigned r = 0; r < nrules; r++) {
        struct rule rule;
        read_rule(&input, &rule);
        size_t narch, nrules_before = in.nrules;
        const struct arch *arches = arch_all(&narch);
        for (size_t a = 0; a < narch && a < 4; a++)
            for (long nr = 0; nr < ARCH_MAX_NR; nr++)
                before[a][nr] = (uint8_t)interest_flags(&in, &arches[a], nr);
        char err[128];
        memset(err, 'x', sizeof err);
        int added = interest_add(&in, &rule, err, sizeof err);
        if (verbose) {
            print_rule(&rule);
            fprintf(stderr, "    -> %s\n", added == 0 ? "added" : err);
        }
        if (added == 0) {
            check(in.nrules == nrules_before + 1, "rule not added");
        } else {
            /* A refused rule changes nothing, and says why. */
            check(memchr(err, '\0', sizeof err) && err[0], "no message");
            check(in.nrules == nrules_before, "refused rule added");
            for (size_t a = 0; a < narch && a < 4; a++)
                for (long nr = 0; nr < ARCH_MAX_NR; nr++)
                    check(before[a][nr] == interest_flags(&in, &arches[a], nr),
                          "refused rule changed the flags of %ld: %s", nr, err);
        }
    }
    /* The rest of the input seeds the argument values. */
    rng_state = 0x9e3779b97f4a7c15ULL;
    while (input.left)
        rng_state = (rng_state ^ byte(&input)) * 0x100000001b3ULL;
    if (!rng_state)
        rng_state = 1;

    void *ctx = NULL;
    int rc = filter_build(&in, &ctx);
    if (rc == 0) {
        check(ctx != NULL, "no filter");
        check_filter(&in, ctx);
        seccomp_release(ctx);
    } else {
        /* Only running out of memory, or libseccomp refusing what
         * interest_add accepted: report the latter. */
        check(rc == -ENOMEM, "filter_build: %d (%s)", rc, strerror(-rc));
        check(ctx == NULL, "filter on failure");
    }
    interest_free(&in);
    return 0;
}
