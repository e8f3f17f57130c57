/* Unit tests for src/sysent.c and the generated src/sysent_table.c: exact
 * signatures of representative syscalls on x86_64 and i386, classes against
 * strace's, coverage of every name libseccomp knows, and the table's
 * internal consistency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "sysent.h"

#define X32_SYSCALL_BIT 0x40000000L

static const struct arch *x86_64(void)
{
    const struct arch *a = arch_from_name("x86_64");
    assert_non_null(a);
    return a;
}

static const struct arch *i386(void)
{
    const struct arch *a = arch_from_name("i386");
    assert_non_null(a);
    return a;
}

/* An entry as one line, the way tools/gen-sysent.py --list writes it, with
 * argument references as 1-based indexes:
 *   name(arg:kind[type,dir,dirfd=N,len=N|ret,hi=N], ...) */
static const char *signature(const struct sysent *e)
{
    static const char *const dirs[] = { "", "in", "out", "inout" };
    static char out[1024];
    size_t n = (size_t)snprintf(out, sizeof out, "%s(", e->name);
    for (unsigned i = 0; i < e->nargs; i++) {
        const struct sysent_arg *a = &e->args[i];
        char extra[256] = "";
        size_t x = 0;
        if (a->type)
            x += (size_t)snprintf(extra + x, sizeof extra - x, ",%s", a->type);
        if (a->dir)
            x += (size_t)snprintf(extra + x, sizeof extra - x, ",%s", dirs[a->dir]);
        if (a->dirfd)
            x += (size_t)snprintf(extra + x, sizeof extra - x, ",dirfd=%u", a->dirfd);
        if (a->len == SYSENT_LEN_RET)
            x += (size_t)snprintf(extra + x, sizeof extra - x, ",len=ret");
        else if (a->len)
            x += (size_t)snprintf(extra + x, sizeof extra - x, ",len=%u", a->len);
        if (a->hi)
            x += (size_t)snprintf(extra + x, sizeof extra - x, ",hi=%u", a->hi);
        if (x) { /* ",a,b" becomes "[a,b]" */
            extra[0] = '[';
            snprintf(extra + x, sizeof extra - x, "]");
        }
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s:%s%s", i ? ", " : "", a->name,
                              sysent_kind_name(a->kind), extra);
    }
    snprintf(out + n, sizeof out - n, ")");
    return out;
}

/* The entry of name, looked up the way the engine does: libseccomp's number. */
static const struct sysent *by_number(const struct arch *arch, const char *name)
{
    int nr = arch_syscall_nr(arch, name);
    assert_true(nr >= 0);
    const struct sysent *e = sysent_lookup(arch, nr);
    assert_non_null(e);
    assert_string_equal(e->name, name);
    assert_ptr_equal(sysent_by_name(arch, name), e);
    return e;
}

static void expect_signature(const struct arch *arch, const char *name, const char *want)
{
    assert_string_equal(signature(by_number(arch, name)), want);
}

static void expect_both(const char *name, const char *want)
{
    expect_signature(x86_64(), name, want);
    expect_signature(i386(), name, want);
}

static void test_paths_and_dirfds(void **state)
{
    (void)state;
    expect_both("openat",
                "openat(dfd:dirfd, filename:path[dirfd=1], flags:flags[open_flags], mode:mode)");
    expect_both("renameat2", "renameat2(olddfd:dirfd, oldname:path[dirfd=1], newdfd:dirfd, "
                             "newname:path[dirfd=3], flags:flags[renameat2_flags])");
    /* the link's target is text, not a file name relative to anything */
    expect_both("symlinkat", "symlinkat(oldname:string, newdfd:dirfd, newname:path[dirfd=2])");
    expect_both("statx", "statx(dfd:dirfd, filename:path[dirfd=1], flags:flags[statx_flags], "
                         "mask:flags[statx_mask], buffer:struct[statx,out])");
    expect_both("execve",
                "execve(filename:path, argv:array[string,in], envp:array[string,in])");
    expect_signature(x86_64(), "fanotify_mark",
                     "fanotify_mark(fanotify_fd:fd, flags:flags[fanotify_mark_flags], "
                     "mask:flags[fanotify_mark_mask], dfd:dirfd, pathname:path[dirfd=4])");
    /* i386 passes the 64-bit mask in two registers */
    expect_signature(i386(), "fanotify_mark",
                     "fanotify_mark(fanotify_fd:fd, flags:flags[fanotify_mark_flags], "
                     "mask_lo:flags[fanotify_mark_mask,hi=4], mask_hi:high32, dfd:dirfd, "
                     "pathname:path[dirfd=5])");
}

static void test_buffers(void **state)
{
    (void)state;
    expect_both("read", "read(fd:fd, buf:buffer[out,len=ret], count:size)");
    expect_both("write", "write(fd:fd, buf:buffer[in,len=3], count:size)");
    expect_both("ioctl", "ioctl(fd:fd, cmd:enum[ioctl_cmd], arg:ptr)");
    expect_signature(x86_64(), "pread64",
                     "pread64(fd:fd, buf:buffer[out,len=ret], count:size, pos:offset)");
    /* i386 splits the offset in two registers, low half first */
    expect_signature(i386(), "pread64", "pread64(fd:fd, buf:buffer[out,len=ret], count:size, "
                                        "poslo:offset[hi=5], poshi:high32)");
    expect_signature(i386(), "_llseek",
                     "_llseek(fd:fd, offset_high:high32, offset_low:offset[hi=2], "
                     "result:struct[loff_t,out], whence:enum[whence])");
}

static void test_memory_and_processes(void **state)
{
    (void)state;
    expect_signature(x86_64(), "mmap",
                     "mmap(addr:ptr, len:size, prot:flags[mmap_prot], flags:flags[mmap_flags], "
                     "fd:fd, off:offset)");
    expect_signature(i386(), "mmap", "mmap(arg:struct[mmap_arg_struct32,in])");
    expect_signature(i386(), "mmap2",
                     "mmap2(addr:ptr, len:size, prot:flags[mmap_prot], flags:flags[mmap_flags], "
                     "fd:fd, pgoff:offset[pages])");
    assert_null(sysent_by_name(x86_64(), "mmap2"));
    /* i386 has tls before child_tidptr (CONFIG_CLONE_BACKWARDS) */
    expect_signature(x86_64(), "clone",
                     "clone(clone_flags:flags[clone_flags], newsp:ptr, "
                     "parent_tidptr:struct[int,out], child_tidptr:struct[int,out], tls:ptr)");
    expect_signature(i386(), "clone",
                     "clone(clone_flags:flags[clone_flags], newsp:ptr, "
                     "parent_tidptr:struct[int,out], tls:ptr, child_tidptr:struct[int,out])");
}

static void test_i386_sockets(void **state)
{
    (void)state;
    const char *connect = "connect(fd:fd, uservaddr:struct[sockaddr,in,len=3], addrlen:size)";
    expect_both("connect", connect);
    const struct sysent *direct = sysent_lookup(i386(), 362);
    assert_non_null(direct);
    assert_string_equal(direct->name, "connect");
    assert_ptr_equal(sysent_by_name(i386(), "connect"), direct);

    const struct sysent *mux = sysent_lookup(i386(), 102);
    assert_non_null(mux);
    assert_string_equal(signature(mux),
                        "socketcall(call:enum[socketcall_call], args:array[u32,in])");
    assert_null(sysent_by_name(x86_64(), "socketcall"));
    /* a sub-call is the direct syscall; SYS_CONNECT is 3 */
    assert_ptr_equal(sysent_subcall(mux, 3), direct);
    assert_null(sysent_subcall(mux, 0));
    assert_null(sysent_subcall(mux, 21));
    assert_null(sysent_subcall(direct, 3));
    /* accept has no syscall of its own on i386 */
    const struct sysent *accept = sysent_subcall(mux, 5);
    assert_non_null(accept);
    assert_ptr_equal(sysent_by_name(i386(), "accept"), accept);
    assert_true(accept->flags & SYSENT_F_SUBCALL);
    assert_string_equal(signature(accept),
                        "accept(fd:fd, upeer_sockaddr:struct[sockaddr,out,len=3], "
                        "upeer_addrlen:struct[int,inout])");
    assert_int_equal(arch_syscall_nr(i386(), "accept"), -1);
}

static void test_i386_ipc(void **state)
{
    (void)state;
    const struct sysent *ipc = by_number(i386(), "ipc");
    assert_string_equal(signature(ipc), "ipc(call:enum[ipc_call], first:int, second:int, "
                                        "third:uint, ptr:ptr, fifth:uint)");
    /* ipc's arguments after call, named after what the kernel does with
     * them; the version in call's high bits does not matter */
    const struct sysent *semop = sysent_subcall(ipc, 1);
    assert_non_null(semop);
    assert_ptr_equal(sysent_subcall(ipc, 1 | 1 << 16), semop);
    assert_ptr_equal(sysent_by_name(i386(), "semop"), semop);
    assert_string_equal(signature(semop), "semop(semid:int, nsops:uint, third:uint, "
                                          "tsops:array[sembuf,in,len=2])");
    const struct sysent *shmdt = sysent_subcall(ipc, 22);
    assert_non_null(shmdt);
    assert_string_equal(signature(shmdt), "shmdt(first:int, second:int, third:uint, shmaddr:ptr)");
    /* msgsnd has a syscall of its own, which by_name gives */
    const struct sysent *msgsnd = sysent_subcall(ipc, 11);
    assert_non_null(msgsnd);
    assert_true(msgsnd->flags & SYSENT_F_SUBCALL);
    assert_ptr_equal(sysent_by_name(i386(), "msgsnd"), sysent_lookup(i386(), 400));
    assert_ptr_not_equal(msgsnd, sysent_lookup(i386(), 400));
    assert_null(sysent_subcall(ipc, 5));
}

struct membership {
    const char *arch, *syscall, *classes;
};

/* From strace 7.2's src/linux/{x86_64,i386}/syscallent.h. */
static const struct membership strace_classes[] = {
    { "x86_64", "open", "%file %desc" },
    { "x86_64", "openat", "%file %desc" },
    { "x86_64", "execve", "%file %process" },
    { "x86_64", "stat", "%file %stat %%stat" },
    { "x86_64", "lstat", "%file %lstat %%stat" },
    { "x86_64", "fstat", "%desc %fstat %%stat" },
    { "x86_64", "newfstatat", "%file %desc %fstat %%stat" },
    { "x86_64", "statx", "%file %desc %fstat %%stat" },
    { "x86_64", "getcwd", "%file" },
    { "x86_64", "chdir", "%file" },
    { "x86_64", "read", "%desc" },
    { "x86_64", "write", "%desc" },
    { "x86_64", "pipe2", "%desc" },
    { "x86_64", "mmap", "%desc %memory" },
    { "x86_64", "socket", "%network" },
    { "x86_64", "connect", "%network" },
    { "x86_64", "sendfile", "%desc %network" },
    { "x86_64", "clone", "%process" },
    { "x86_64", "exit_group", "%process" },
    { "x86_64", "kill", "%process %signal" },
    { "x86_64", "wait4", "%process" },
    { "x86_64", "rt_sigaction", "%signal" },
    { "x86_64", "signalfd4", "%desc %signal" },
    { "x86_64", "shmget", "%ipc" },
    { "x86_64", "semop", "%ipc" },
    { "x86_64", "brk", "%memory" },
    { "x86_64", "getuid", "%creds %pure" },
    { "x86_64", "setresuid", "%creds" },
    { "x86_64", "prctl", "%creds" },
    { "x86_64", "clock_gettime", "%clock" },
    { "x86_64", "gettimeofday", "%clock" },
    { "x86_64", "statfs", "%file %statfs %%statfs" },
    { "x86_64", "fstatfs", "%desc %fstatfs %%statfs" },
    { "x86_64", "ustat", "%%statfs" },
    { "x86_64", "getpid", "%pure" },
    { "x86_64", "fanotify_mark", "%file %desc" },
    { "x86_64", "sched_yield", "" },
    { "i386", "stat64", "%file %stat %%stat" },
    { "i386", "oldstat", "%file %stat %%stat" },
    { "i386", "fstatat64", "%file %desc %fstat %%stat" },
    { "i386", "statfs64", "%file %statfs %%statfs" },
    { "i386", "socketcall", "%desc" },
    { "i386", "ipc", "%ipc" },
    { "i386", "connect", "%network" },
    { "i386", "mmap2", "%desc %memory" },
    { "i386", "_llseek", "%desc" },
};

static const char *const class_order[] = {
    "%file", "%desc", "%network", "%process", "%signal", "%ipc", "%memory", "%creds",
    "%clock", "%stat", "%lstat", "%fstat", "%%stat", "%statfs", "%fstatfs", "%%statfs", "%pure",
};

static const char *class_list(uint32_t classes)
{
    static char out[256];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof class_order / sizeof class_order[0]; i++)
        if (classes & sysent_class_from_name(class_order[i]))
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? " " : "", class_order[i]);
    return out;
}

static void test_classes_match_strace(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof strace_classes / sizeof strace_classes[0]; i++) {
        const struct membership *m = &strace_classes[i];
        const struct sysent *e = by_number(arch_from_name(m->arch), m->syscall);
        char got[300];
        snprintf(got, sizeof got, "%s %s: %s", m->arch, m->syscall, class_list(e->classes));
        char want[300];
        snprintf(want, sizeof want, "%s %s: %s", m->arch, m->syscall, m->classes);
        assert_string_equal(got, want);
    }
}

static void test_class_names(void **state)
{
    (void)state;
    assert_int_equal(sysent_class_from_name("%file"), SYSENT_CLASS_FILE);
    assert_int_equal(sysent_class_from_name("file"), SYSENT_CLASS_FILE);
    assert_int_equal(sysent_class_from_name("%FILE"), SYSENT_CLASS_FILE);
    assert_int_equal(sysent_class_from_name("%net"), SYSENT_CLASS_NETWORK);
    assert_int_equal(sysent_class_from_name("network"), SYSENT_CLASS_NETWORK);
    assert_int_equal(sysent_class_from_name("%stat"), SYSENT_CLASS_STAT);
    assert_int_equal(sysent_class_from_name("%%stat"), SYSENT_CLASS_STAT_LIKE);
    assert_int_equal(sysent_class_from_name("%%statfs"), SYSENT_CLASS_STATFS_LIKE);
    assert_int_equal(sysent_class_from_name("%pure"), SYSENT_CLASS_PURE);
    /* strace takes these only with the % */
    assert_int_equal(sysent_class_from_name("stat"), 0);
    assert_int_equal(sysent_class_from_name("creds"), 0);
    assert_int_equal(sysent_class_from_name("%files"), 0);
    assert_int_equal(sysent_class_from_name(""), 0);
    assert_int_equal(sysent_class_from_name("%"), 0);
    /* every class a bit of its own */
    uint32_t all = 0;
    for (size_t i = 0; i < sizeof class_order / sizeof class_order[0]; i++) {
        uint32_t bit = sysent_class_from_name(class_order[i]);
        assert_int_not_equal(bit, 0);
        assert_int_equal(all & bit, 0);
        all |= bit;
    }
}

static void test_arg_index(void **state)
{
    (void)state;
    const struct sysent *e = by_number(x86_64(), "openat");
    assert_int_equal(sysent_arg_index(e, "dfd"), 1);
    assert_int_equal(sysent_arg_index(e, "mode"), 4);
    assert_int_equal(sysent_arg_index(e, "pathname"), -1);
    assert_int_equal(sysent_arg_index(by_number(x86_64(), "getpid"), "fd"), -1);
    assert_string_equal(sysent_kind_name(SYSENT_DIRFD), "dirfd");
    assert_string_equal(sysent_kind_name(SYSENT_KIND_COUNT), "?");
}

static void test_lookup_out_of_range(void **state)
{
    (void)state;
    assert_null(sysent_lookup(x86_64(), -1));
    assert_null(sysent_lookup(x86_64(), 1023));
    assert_null(sysent_lookup(x86_64(), 400));  /* a hole between 335 and 424 */
    assert_null(sysent_lookup(i386(), 222));    /* unused on i386 */
    assert_null(sysent_lookup(i386(), 1L << 40));
    assert_null(sysent_lookup(i386(), X32_SYSCALL_BIT));
    assert_null(sysent_by_name(x86_64(), "no_such_call"));
    assert_null(sysent_by_name(x86_64(), ""));
}

/* x32 shares x86_64's audit arch; its numbers have bit 30 set. */
static void test_x32(void **state)
{
    (void)state;
    const struct sysent *read = sysent_lookup(x86_64(), X32_SYSCALL_BIT + 0);
    assert_non_null(read);
    assert_ptr_equal(read, sysent_lookup(x86_64(), 0));
    /* 16 is x86_64's ioctl only: x32's is 514, with compat arguments */
    assert_null(sysent_lookup(x86_64(), X32_SYSCALL_BIT + 16));
    const struct sysent *ioctl = sysent_lookup(x86_64(), X32_SYSCALL_BIT + 514);
    assert_non_null(ioctl);
    assert_string_equal(ioctl->name, "ioctl");
    assert_null(sysent_lookup(x86_64(), 514));
    const struct sysent *recvmsg = sysent_lookup(x86_64(), X32_SYSCALL_BIT + 519);
    assert_non_null(recvmsg);
    assert_string_equal(signature(recvmsg), "recvmsg(fd:fd, msg:struct[compat_msghdr,inout], "
                                            "flags:flags[msg_flags])");
}

/* The names libseccomp knows (the engine's names) and ours agree, number
 * by number; what libseccomp does not know yet is reported. */
static void check_against_libseccomp(const struct arch *arch, uint32_t scmp_arch, long base)
{
    int known = 0;
    for (long nr = 0; nr < 1024; nr++) {
        char *name = seccomp_syscall_resolve_num_arch(scmp_arch, (int)(base + nr));
        const struct sysent *e = sysent_lookup(arch, base + nr);
        if (name) {
            if (e == NULL)
                fail_msg("%s %ld %s: libseccomp names it, no entry", arch->name, nr, name);
            assert_string_equal(e->name, name);
            known++;
        }
        free(name);
    }
    assert_true(known > 300);
}

static void test_every_libseccomp_name_has_an_entry(void **state)
{
    (void)state;
    check_against_libseccomp(x86_64(), SCMP_ARCH_X86_64, 0);
    check_against_libseccomp(x86_64(), SCMP_ARCH_X32, X32_SYSCALL_BIT);
    check_against_libseccomp(i386(), SCMP_ARCH_X86, 0);
    /* i386's socket and ipc calls by libseccomp's pseudo numbers, -100 -
     * SYS_* and -200 - the ipc call */
    const struct sysent *socketcall = sysent_lookup(i386(), 102);
    const struct sysent *ipc = sysent_lookup(i386(), 117);
    int pseudo = 0;
    for (int nr = -1; nr > -300; nr--) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, nr);
        if (name == NULL)
            continue;
        const struct sysent *e = sysent_by_name(i386(), name);
        if (e == NULL)
            fail_msg("i386 %s (%d): no entry", name, nr);
        const struct sysent *sub = sysent_subcall(nr > -200 ? socketcall : ipc,
                                                  (uint64_t)(nr > -200 ? -100 - nr : -200 - nr));
        assert_non_null(sub);
        assert_string_equal(sub->name, name);
        assert_true(e == sub || arch_syscall_nr(i386(), name) >= 0);
        pseudo++;
        free(name);
    }
    assert_int_equal(pseudo, 20 + 12);
}

static void check_entry(const struct sysent *e)
{
    assert_true(e->nargs <= SYSENT_MAX_ARGS);
    if (e->flags & SYSENT_F_NOSIG)
        assert_int_equal(e->nargs, 0);
    for (unsigned i = 0; i < e->nargs; i++) {
        const struct sysent_arg *a = &e->args[i];
        assert_non_null(a->name);
        assert_true(a->kind < SYSENT_KIND_COUNT);
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(e->args[j].name, a->name);
        if (a->kind == SYSENT_PATH && a->dirfd) {
            assert_true(a->dirfd <= e->nargs);
            assert_int_equal(e->args[a->dirfd - 1].kind, SYSENT_DIRFD);
        } else {
            assert_int_equal(a->dirfd, 0);
        }
        if (a->len && a->len != SYSENT_LEN_RET) {
            assert_true(a->len <= e->nargs && a->len != i + 1);
            uint8_t k = e->args[a->len - 1].kind;
            assert_true(k == SYSENT_SIZE || k == SYSENT_UINT || k == SYSENT_INT ||
                        k == SYSENT_STRUCT);
        }
        if (a->len)
            assert_true(a->kind == SYSENT_BUFFER || a->kind == SYSENT_ARRAY ||
                        a->kind == SYSENT_STRUCT);
        if (a->hi) {
            assert_true(a->hi <= e->nargs);
            assert_int_equal(e->args[a->hi - 1].kind, SYSENT_HIGH32);
        }
        if (a->kind == SYSENT_FLAGS || a->kind == SYSENT_ENUM || a->kind == SYSENT_STRUCT ||
            a->kind == SYSENT_ARRAY)
            assert_non_null(a->type);
        if (a->kind == SYSENT_STRUCT || a->kind == SYSENT_ARRAY || a->kind == SYSENT_BUFFER)
            assert_int_not_equal(a->dir, SYSENT_NODIR);
        else
            assert_int_equal(a->dir, SYSENT_NODIR);
    }
}

static void test_table_is_consistent(void **state)
{
    (void)state;
    const long bases[] = { 0, X32_SYSCALL_BIT };
    int entries = 0;
    for (size_t b = 0; b < 2; b++)
        for (long nr = 0; nr < 1024; nr++) {
            const struct sysent *e = sysent_lookup(x86_64(), bases[b] + nr);
            if (e) {
                check_entry(e);
                entries++;
            }
        }
    for (long nr = 0; nr < 1024; nr++) {
        const struct sysent *e = sysent_lookup(i386(), nr);
        if (e) {
            check_entry(e);
            entries++;
        }
    }
    for (uint64_t call = 0; call < 32; call++) {
        const struct sysent *e = sysent_subcall(sysent_lookup(i386(), 102), call);
        if (e)
            check_entry(e);
        e = sysent_subcall(sysent_lookup(i386(), 117), call);
        if (e)
            check_entry(e);
    }
    assert_true(entries > 1000);
}

/* The dirfd of path argument `path` of call (1-based; 0: none). */
static int dirfd_of(const struct arch *arch, const char *call, int path)
{
    const struct sysent *e = sysent_by_name(arch, call);
    assert_non_null(e);
    assert_true(path >= 1 && path <= e->nargs);
    assert_int_equal(e->args[path - 1].kind, SYSENT_PATH);
    return e->args[path - 1].dirfd;
}

/* Every (dirfd, path) pair sc:path resolves by, against the man pages. */
static void test_dirfd_pairs(void **state)
{
    (void)state;
    const struct arch *x = x86_64();
    assert_int_equal(dirfd_of(x, "openat", 2), 1);
    assert_int_equal(dirfd_of(x, "openat2", 2), 1);
    assert_int_equal(dirfd_of(x, "open", 1), 0);
    assert_int_equal(dirfd_of(x, "creat", 1), 0);
    assert_int_equal(dirfd_of(x, "rename", 1), 0);
    assert_int_equal(dirfd_of(x, "rename", 2), 0);
    assert_int_equal(dirfd_of(x, "renameat", 2), 1);
    assert_int_equal(dirfd_of(x, "renameat", 4), 3);
    assert_int_equal(dirfd_of(x, "renameat2", 2), 1);
    assert_int_equal(dirfd_of(x, "renameat2", 4), 3);
    assert_int_equal(dirfd_of(x, "linkat", 2), 1);
    assert_int_equal(dirfd_of(x, "linkat", 4), 3);
    assert_int_equal(dirfd_of(x, "symlinkat", 3), 2);
    assert_int_equal(dirfd_of(x, "unlinkat", 2), 1);
    assert_int_equal(dirfd_of(x, "mkdirat", 2), 1);
    assert_int_equal(dirfd_of(x, "newfstatat", 2), 1);
    assert_int_equal(dirfd_of(x, "statx", 2), 1);
    assert_int_equal(dirfd_of(x, "execveat", 2), 1);
    assert_int_equal(dirfd_of(x, "faccessat2", 2), 1);
    assert_int_equal(dirfd_of(x, "utimensat", 2), 1);
    assert_int_equal(dirfd_of(x, "move_mount", 2), 1);
    assert_int_equal(dirfd_of(x, "move_mount", 4), 3);
    assert_int_equal(dirfd_of(x, "fanotify_mark", 5), 4);
    assert_int_equal(dirfd_of(i386(), "fstatat64", 2), 1);
    /* i386 passes fanotify_mark's 64-bit mask in two arguments */
    assert_int_equal(dirfd_of(i386(), "fanotify_mark", 6), 5);
}

/* What the kernel reads of each register: an int's low 32 bits, signed. */
static void check_width(const struct arch *arch, const char *call, const char *arg, int size,
                        bool is_signed)
{
    const struct sysent *e = sysent_by_name(arch, call);
    assert_non_null(e);
    int i = sysent_arg_index(e, arg);
    assert_true(i > 0);
    if (e->args[i - 1].size != size || e->args[i - 1].is_signed != is_signed)
        fail_msg("%s %s %s: %d bytes %s, expected %d %s", arch->name, call, arg,
                 e->args[i - 1].size, e->args[i - 1].is_signed ? "signed" : "unsigned", size,
                 is_signed ? "signed" : "unsigned");
}

static void test_argument_widths(void **state)
{
    (void)state;
    check_width(x86_64(), "openat", "dfd", 4, true);
    check_width(x86_64(), "openat", "filename", 8, false);
    check_width(x86_64(), "openat", "flags", 4, true);
    check_width(x86_64(), "openat", "mode", 2, false);
    check_width(x86_64(), "close", "fd", 4, false);
    check_width(x86_64(), "lseek", "offset", 8, true);
    check_width(x86_64(), "mmap", "len", 8, false);
    check_width(x86_64(), "kill", "pid", 4, true);
    check_width(x86_64(), "clone", "clone_flags", 8, false);
    check_width(i386(), "openat", "filename", 4, false);
    check_width(i386(), "read", "count", 4, false);
    check_width(i386(), "lseek", "offset", 4, true);
    check_width(i386(), "chown", "user", 2, false);
    check_width(i386(), "chown32", "user", 4, false);
}

/* Scripts name arguments once for every ABI (sc:arg, wt.trace): where
 * i386's call takes the same arguments as x86_64's (no split 64-bit value,
 * no other layout), it names them the same. */
static void test_argument_names_agree_across_abis(void **state)
{
    (void)state;
    int compared = 0;
    for (long nr = 0; nr < 1024; nr++) {
        const struct sysent *native = sysent_lookup(x86_64(), nr);
        const struct sysent *compat = native ? sysent_by_name(i386(), native->name) : NULL;
        if (!compat || compat->nargs != native->nargs)
            continue;
        int common = 0;
        for (int i = 0; i < native->nargs; i++)
            for (int j = 0; j < compat->nargs; j++)
                common += strcmp(native->args[i].name, compat->args[j].name) == 0;
        if (common == 0 && native->nargs > 0)
            continue; /* another layout altogether (i386's old mmap, select) */
        for (int i = 0; i < native->nargs; i++)
            if (sysent_arg_index(compat, native->args[i].name) < 0)
                fail_msg("%s: i386 has no argument named %s", native->name,
                         native->args[i].name);
        compared++;
    }
    assert_true(compared > 250);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_and_dirfds),
        cmocka_unit_test(test_buffers),
        cmocka_unit_test(test_memory_and_processes),
        cmocka_unit_test(test_i386_sockets),
        cmocka_unit_test(test_i386_ipc),
        cmocka_unit_test(test_classes_match_strace),
        cmocka_unit_test(test_class_names),
        cmocka_unit_test(test_arg_index),
        cmocka_unit_test(test_lookup_out_of_range),
        cmocka_unit_test(test_x32),
        cmocka_unit_test(test_every_libseccomp_name_has_an_entry),
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_argument_names_agree_across_abis),
        cmocka_unit_test(test_argument_widths),
        cmocka_unit_test(test_dirfd_pairs),
    };
    return cmocka_run_group_tests_name("sysent", tests, NULL, NULL);
}
