/* Unit tests for src/xlat.c and the generated src/xlat_table.c: exact
 * text for known values of both ABIs, fields, unknown bits and values,
 * ioctl names; the same text as strace's own for the arguments of a run of
 * syscalls (this program, started again as "xlat-calls", is traced by
 * strace twice: with -X raw for the numbers and as usual for the text);
 * that every flag or value set the syscall table names has a table or a
 * reason not to; and the tables' consistency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "sysent.h"
#include "xlat.h"
#include "xlat_table.h"

static const char *self_path;

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

static const struct xlat *set_of(const struct arch *arch, const char *name)
{
    const struct xlat *x = xlat_find(arch, name);
    if (x == NULL)
        fail_msg("no set %s for %s", name, arch->name);
    return x;
}

/* xlat_format's text, in a buffer that lives until the next call. */
static const char *text(const struct arch *arch, const char *set, uint64_t v)
{
    static char out[1024];
    size_t n = xlat_format(set_of(arch, set), v, out, sizeof out);
    assert_int_equal(n, strlen(out));
    return out;
}

#define assert_text(arch, set, v, expected) assert_string_equal(text(arch, set, v), expected)

static void test_open_flags(void **state)
{
    (void)state;
    /* strace -e trace=openat sh -c 'echo > /tmp/x' on this machine prints
     * O_WRONLY|O_CREAT|O_TRUNC for dash's redirection; the others are
     * from strace's decoder (open.c): the access mode is a field. */
    assert_text(x86_64(), "open_flags", O_WRONLY | O_CREAT | O_TRUNC, "O_WRONLY|O_CREAT|O_TRUNC");
    assert_text(x86_64(), "open_flags", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
    assert_text(x86_64(), "open_flags", 0, "O_RDONLY");
    assert_text(x86_64(), "open_flags", O_RDONLY | O_CLOEXEC, "O_RDONLY|O_CLOEXEC");
    assert_text(x86_64(), "open_flags", 3, "O_ACCMODE");
    /* O_SYNC is two bits, one of them O_DSYNC: strace lists it first. */
    assert_text(x86_64(), "open_flags", O_RDWR | O_SYNC, "O_RDWR|O_SYNC");
    assert_text(x86_64(), "open_flags", O_RDWR | O_DSYNC, "O_RDWR|O_DSYNC");
    assert_text(x86_64(), "open_flags", O_RDWR | O_TMPFILE, "O_RDWR|O_TMPFILE");
    assert_text(x86_64(), "open_flags", O_RDWR | 0x40000000, "O_RDWR|0x40000000");
    /* The kernel's O_LARGEFILE (glibc's is 0 on x86_64), which i386
     * tracees pass; an int argument's high half is not read. */
    assert_text(i386(), "open_flags", 0100000, "O_RDONLY|O_LARGEFILE");
    assert_text(x86_64(), "open_flags", 0100000, "O_RDONLY|O_LARGEFILE");
    assert_text(x86_64(), "open_flags", 0xffffffff00000000 | O_WRONLY, "O_WRONLY");
    assert_text(x86_64(), "dup3_flags", O_CLOEXEC, "O_CLOEXEC");
    assert_text(x86_64(), "dup3_flags", 0, "0");
}

static void test_flags_and_unknown_bits(void **state)
{
    (void)state;
    assert_text(x86_64(), "mmap_prot", PROT_READ | PROT_WRITE, "PROT_READ|PROT_WRITE");
    assert_text(x86_64(), "mmap_prot", 0, "PROT_NONE");
    assert_text(x86_64(), "mmap_prot", PROT_READ | 0x10000000000, "PROT_READ|0x10000000000");
    assert_text(x86_64(), "mmap_prot", 0x10000000000, "0x10000000000 /* PROT_??? */");
    assert_text(x86_64(), "access_mode", 0, "F_OK");
    assert_text(x86_64(), "access_mode", R_OK | W_OK, "R_OK|W_OK");
    assert_text(x86_64(), "msg_flags", MSG_DONTWAIT | MSG_NOSIGNAL, "MSG_DONTWAIT|MSG_NOSIGNAL");
    assert_text(x86_64(), "msg_flags", 0, "0");
    assert_text(x86_64(), "wait_options", WNOHANG | __WALL, "WNOHANG|__WALL");
    assert_text(x86_64(), "unshare_flags", CLONE_FILES | 0x80000004, "CLONE_FILES|0x80000004");
    /* A flag word without a default prints 0 as nothing (termios's
     * c_iflag=). */
    assert_text(x86_64(), "termios_iflag", 0, "");
    assert_text(x86_64(), "termios_iflag", 0x500, "ICRNL|IXON");
    assert_text(x86_64(), "termios_lflag", 0x8a3b,
                "ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE");
}

static void test_fields(void **state)
{
    (void)state;
    /* mem.c: the type is a field, huge page sizes a shifted number. */
    assert_text(x86_64(), "mmap_flags", MAP_PRIVATE | MAP_ANONYMOUS, "MAP_PRIVATE|MAP_ANONYMOUS");
    assert_text(x86_64(), "mmap_flags", MAP_PRIVATE | MAP_ANONYMOUS | (21u << 26),
                "MAP_PRIVATE|MAP_ANONYMOUS|21<<MAP_HUGE_SHIFT");
    assert_text(x86_64(), "mmap_flags", MAP_ANONYMOUS, "MAP_FILE|MAP_ANONYMOUS");
    assert_text(x86_64(), "mmap_flags", MAP_ANONYMOUS | 0xe, "0xe /* MAP_??? */|MAP_ANONYMOUS");
    /* net.c: a known type, then flags; an unknown one goes with them. */
    assert_text(x86_64(), "socket_type", SOCK_STREAM | SOCK_CLOEXEC, "SOCK_STREAM|SOCK_CLOEXEC");
    assert_text(x86_64(), "socket_type", 0xe | SOCK_CLOEXEC, "SOCK_CLOEXEC|0xe");
    assert_text(x86_64(), "socket_type", 0xe, "0xe /* SOCK_??? */");
    assert_text(x86_64(), "socket_type", 0x100e, "0x100e /* SOCK_??? */");
    /* printmode.c: the type, the set-id bits, the permissions in octal. */
    assert_text(x86_64(), "file_mode", S_IFREG | 0644, "S_IFREG|0644");
    assert_text(x86_64(), "file_mode", S_IFDIR | S_ISVTX | 0777, "S_IFDIR|S_ISVTX|0777");
    assert_text(x86_64(), "file_mode", S_ISUID | 0755, "S_ISUID|0755");
    assert_text(x86_64(), "file_mode", 0644, "0644");
    assert_text(x86_64(), "file_mode", 0, "000");
    assert_text(x86_64(), "file_mode", 0170644, "0170644");
    /* ipc_msg.c: flags, then the permissions. */
    assert_text(x86_64(), "msgget_msgflg", 01000 | 0600, "IPC_CREAT|0600");
    assert_text(x86_64(), "msgget_msgflg", 0600, "0600");
    assert_text(x86_64(), "shmget_shmflg", 04000 | (21u << 26) | 0600,
                "SHM_HUGETLB|21<<SHM_HUGE_SHIFT|0600");
    assert_text(x86_64(), "msgctl_cmd", 0x100 | 2, "IPC_64|IPC_STAT");
    assert_text(x86_64(), "msgctl_cmd", 2, "IPC_STAT");
    /* clone.c: the exit signal in the low byte. */
    assert_text(x86_64(), "clone_flags", CLONE_VM | SIGCHLD, "CLONE_VM|SIGCHLD");
    assert_text(x86_64(), "clone_flags", SIGCHLD, "SIGCHLD");
    assert_text(x86_64(), "clone_flags", 0, "0");
    assert_text(x86_64(), "clone_flags", CLONE_THREAD | 40, "CLONE_THREAD|SIGRT_8");
    assert_text(x86_64(), "statx_flags", 0, "AT_STATX_SYNC_AS_STAT");
    assert_text(x86_64(), "statx_flags", AT_SYMLINK_NOFOLLOW, "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW");
    assert_text(x86_64(), "ipc_call", (1u << 16) | 12, "1<<16|MSGRCV");
    assert_text(x86_64(), "sched_policy", 0x40000000 | 1, "SCHED_RESET_ON_FORK|SCHED_FIFO");
    assert_text(x86_64(), "mount_flags", 0xc0ed0000 | 1, "MS_MGC_VAL|MS_RDONLY");
    assert_text(x86_64(), "mount_flags", 0, "0");
    assert_text(x86_64(), "mempolicy_mode", 2 | (1 << 15), "MPOL_BIND|MPOL_F_STATIC_NODES");
    /* term.c, as strace prints a terminal's TCGETS. */
    assert_text(x86_64(), "termios_oflag", 0x5, "NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR");
    assert_text(x86_64(), "termios_cflag", 0xbf, "B38400|CS8|CREAD");
    assert_text(x86_64(), "termios_cflag", 0xbf | (0xdu << 16), "B38400|B9600<<IBSHIFT|CS8|CREAD");
}

static void test_value_sets(void **state)
{
    (void)state;
    assert_text(x86_64(), "rlimit_resource", RLIMIT_NOFILE, "RLIMIT_NOFILE");
    assert_text(x86_64(), "rlimit_resource", 0x10, "0x10 /* RLIMIT_??? */");
    /* -1 sign-extended into a 64-bit register is the int -1. */
    assert_text(x86_64(), "rusage_who", 0xffffffffffffffff, "RUSAGE_CHILDREN");
    assert_text(x86_64(), "rusage_who", 0xffffffff, "RUSAGE_CHILDREN");
    assert_text(x86_64(), "whence", 3, "SEEK_DATA");
    assert_text(x86_64(), "clockid", 1, "CLOCK_MONOTONIC");
    assert_text(x86_64(), "futex_op", 128 | 1, "FUTEX_WAKE_PRIVATE");
    assert_text(x86_64(), "futex_op", 256 | 0, "FUTEX_WAIT|FUTEX_CLOCK_REALTIME");
    assert_text(x86_64(), "syslog_type", 0xffffffff, "-1 /* SYSLOG_ACTION_??? */");
    assert_text(x86_64(), "syslog_type", 10, "10 /* SYSLOG_ACTION_SIZE_BUFFER */");
    assert_text(x86_64(), "ipc_call", 99, "99");
    assert_text(x86_64(), "copy_file_range_flags", 0, "0");
    assert_text(x86_64(), "cachestat_flags", 0x10, "0x10");

    const struct xlat *x = set_of(x86_64(), "rlimit_resource");
    assert_string_equal(xlat_value_name(x, RLIMIT_NOFILE), "RLIMIT_NOFILE");
    assert_null(xlat_value_name(x, 0x10));
    assert_string_equal(xlat_value_name(set_of(x86_64(), "open_flags"), O_CLOEXEC), "O_CLOEXEC");
    assert_string_equal(xlat_value_name(set_of(x86_64(), "open_flags"), 0), "O_RDONLY");
    assert_string_equal(xlat_value_name(set_of(x86_64(), "mmap_prot"), 0), "PROT_NONE");
    assert_null(xlat_value_name(set_of(x86_64(), "mmap_prot"), 3));
    assert_null(xlat_find(x86_64(), "no_such_set"));
}

static void test_keyed_sets(void **state)
{
    (void)state;
    char out[64];
    const struct xlat *x = xlat_find_keyed(x86_64(), "getsockopt_name", SOL_SOCKET);
    assert_non_null(x);
    xlat_format(x, SO_TYPE, out, sizeof out);
    assert_string_equal(out, "SO_TYPE");
    x = xlat_find_keyed(x86_64(), "sockopt_name", 6 /* SOL_TCP */);
    assert_non_null(x);
    xlat_format(x, 1, out, sizeof out);
    assert_string_equal(out, "TCP_NODELAY");
    x = xlat_find_keyed(i386(), "socket_protocol", AF_INET);
    assert_non_null(x);
    xlat_format(x, 6, out, sizeof out);
    assert_string_equal(out, "IPPROTO_TCP");
    x = xlat_find_keyed(x86_64(), "siginfo_code", SIGCHLD);
    assert_non_null(x);
    xlat_format(x, 1, out, sizeof out);
    assert_string_equal(out, "CLD_EXITED");
    assert_null(xlat_find_keyed(x86_64(), "sockopt_name", 12345));
    assert_null(xlat_find_keyed(x86_64(), "no_such_family", SOL_SOCKET));
}

/* Where the ABIs' headers differ, so do the tables. */
static void test_abi_differences(void **state)
{
    (void)state;
    assert_text(x86_64(), "sigaction_handler", 0xffffffffffffffff, "SIG_ERR");
    assert_text(i386(), "sigaction_handler", 0xffffffff, "SIG_ERR");
    assert_ptr_not_equal(xlat_find(x86_64(), "sigaction_handler"), xlat_find(i386(), "sigaction_handler"));
    assert_ptr_equal(xlat_find(x86_64(), "open_flags"), xlat_find(i386(), "open_flags"));
    /* Only i386's uapi header has F_GETLK64; strace's fcntl.c names it on
     * x86_64 too (the kernel refuses it there). */
    assert_text(i386(), "fcntl_cmd", 12, "F_GETLK64");
    assert_text(x86_64(), "fcntl_cmd", 12, "F_GETLK64");
}

static const char *ioctl_text(const struct arch *arch, uint32_t code)
{
    static char out[256];
    size_t n = xlat_format_ioctl(arch, code, out, sizeof out);
    assert_int_equal(n, strlen(out));
    return out;
}

static void test_ioctls(void **state)
{
    (void)state;
    assert_string_equal(ioctl_text(x86_64(), 0x5401), "TCGETS");
    assert_string_equal(ioctl_text(i386(), 0x5401), "TCGETS");
    assert_string_equal(ioctl_text(x86_64(), 0x541b), "FIONREAD");
    assert_string_equal(ioctl_text(x86_64(), 0x5421), "FIONBIO");
    assert_string_equal(ioctl_text(x86_64(), 0x5413), "TIOCGWINSZ");
    assert_string_equal(ioctl_text(x86_64(), 0x8912), "SIOCGIFCONF");
    assert_string_equal(ioctl_text(x86_64(), 0x5403), "SNDCTL_TMR_STOP or TCSETSW");
    /* FS_IOC_GETFLAGS is _IOR('f', 1, long): its size is the ABI's (for
     * i386 strace lists the code by its other name only). */
    assert_string_equal(ioctl_text(x86_64(), 0x80086601), "FS_IOC_GETFLAGS");
    assert_string_equal(ioctl_text(x86_64(), 0x80046601), "FS_IOC32_GETFLAGS");
    assert_string_equal(ioctl_text(i386(), 0x80046601), "FS_IOC32_GETFLAGS");
    assert_string_equal(ioctl_text(i386(), 0x80086601), "_IOC(_IOC_READ, 0x66, 0x1, 0x8)");
    /* As strace 6.1 prints codes without a name. */
    assert_string_equal(ioctl_text(x86_64(), 0x80085499), "_IOC(_IOC_READ, 0x54, 0x99, 0x8)");
    assert_string_equal(ioctl_text(x86_64(), 0x5499), "_IOC(_IOC_NONE, 0x54, 0x99, 0)");
    assert_string_equal(ioctl_text(x86_64(), 0xc0105499), "_IOC(_IOC_READ|_IOC_WRITE, 0x54, 0x99, 0x10)");

    const char *names[4];
    assert_int_equal(xlat_ioctl_names(x86_64(), 0x5403, names, 4), 2);
    assert_string_equal(names[0], "SNDCTL_TMR_STOP");
    assert_string_equal(names[1], "TCSETSW");
    assert_int_equal(xlat_ioctl_names(x86_64(), 0x5403, names, 1), 2);
    assert_int_equal(xlat_ioctl_names(x86_64(), 0x80085499, names, 4), 0);
}

static void test_truncation(void **state)
{
    (void)state;
    char out[8];
    const struct xlat *x = set_of(x86_64(), "open_flags");
    size_t n = xlat_format(x, O_WRONLY | O_CREAT, out, sizeof out);
    assert_int_equal(n, strlen("O_WRONLY|O_CREAT"));
    assert_string_equal(out, "O_WRONL");
    assert_int_equal(xlat_format(x, O_WRONLY, NULL, 0), strlen("O_WRONLY"));
    struct xlat_item items[XLAT_MAX_ITEMS];
    /* Every bit a name or a number: the items never overflow. */
    assert_true(xlat_decompose(set_of(x86_64(), "mmap_prot"), UINT64_MAX, items) <= XLAT_MAX_ITEMS);
    assert_int_equal(xlat_decompose(set_of(x86_64(), "open_flags"), O_WRONLY | O_CREAT, items), 2);
    assert_int_equal(items[1].kind, XLAT_ITEM_NAME);
    assert_string_equal(items[1].name, "O_CREAT");
    assert_int_equal(items[1].value, O_CREAT);
}

/* The sets gen-sysent.py names that have no table here, and why. */
static const struct {
    const char *set, *why;
} no_table[] = {
    { "ioctl_cmd", "ioctl requests: xlat_format_ioctl" },
    { "sockopt_name", "depends on the level: the getsockopt_name, setsockopt_name and "
                      "sockopt_name families, keyed by level" },
    { "sigsuspend_mask", "a signal set (old sigset_t), not names of a list" },
};

/* The index of set in no_table, or its size. */
static size_t no_table_index(const char *set)
{
    size_t i = 0;
    while (i < sizeof no_table / sizeof no_table[0] && strcmp(no_table[i].set, set) != 0)
        i++;
    return i;
}

static void check_entry_sets(const struct arch *arch, const struct sysent *e, bool *used)
{
    for (unsigned i = 0; i < e->nargs; i++) {
        const struct sysent_arg *a = &e->args[i];
        if (a->kind != SYSENT_FLAGS && a->kind != SYSENT_ENUM)
            continue;
        size_t k = no_table_index(a->type);
        if (k < sizeof no_table / sizeof no_table[0]) {
            used[k] = true;
            assert_null(xlat_find(arch, a->type));
            continue;
        }
        if (xlat_find(arch, a->type) == NULL)
            fail_msg("%s: %s.%s names the set %s, which has no table", arch->name, e->name,
                     a->name, a->type);
    }
}

static void test_every_sysent_set_has_a_table(void **state)
{
    (void)state;
    bool used[sizeof no_table / sizeof no_table[0]] = { false };
    for (long nr = 0; nr < 1024; nr++) {
        const struct sysent *e = sysent_lookup(x86_64(), nr);
        if (e)
            check_entry_sets(x86_64(), e, used);
        e = sysent_lookup(x86_64(), 0x40000000L + nr); /* x32: x86_64's values */
        if (e)
            check_entry_sets(x86_64(), e, used);
        e = sysent_lookup(i386(), nr);
        if (e)
            check_entry_sets(i386(), e, used);
    }
    for (uint64_t call = 0; call < 32; call++) {
        const struct sysent *e = sysent_subcall(sysent_lookup(i386(), 102), call);
        if (e)
            check_entry_sets(i386(), e, used);
        e = sysent_subcall(sysent_lookup(i386(), 117), call);
        if (e)
            check_entry_sets(i386(), e, used);
    }
    /* The list names only sets the syscall table uses. */
    for (size_t k = 0; k < sizeof no_table / sizeof no_table[0]; k++)
        if (!used[k])
            fail_msg("no_table names %s, which no syscall argument has", no_table[k].set);
}

static void check_set(const struct xlat *x)
{
    assert_true(x->bits == 32 || x->bits == 64);
    assert_true(x->nparts > 0);
    uint64_t width = x->bits == 64 ? UINT64_MAX : 0xffffffff;
    for (unsigned i = 0; i < x->nparts; i++) {
        const struct xlat_part *p = &x->parts[i];
        assert_true(p->mask != 0 && (p->mask & ~width) == 0);
        assert_true((p->count == 0) == (p->entries == NULL));
        for (uint32_t j = 0; j < p->count; j++) {
            assert_true(p->entries[j].name[0] != '\0');
            assert_true((p->entries[j].value & ~width) == 0);
            /* value lists: strictly sorted, for the binary search */
            if (p->kind != XLAT_FLAGS && j > 0)
                assert_true(p->entries[j - 1].value < p->entries[j].value);
        }
        if (p->kind == XLAT_SHIFT)
            assert_true(p->shift_name != NULL && (p->mask >> p->shift & 1));
    }
}

static void test_tables_are_consistent(void **state)
{
    (void)state;
    assert_true(xlat_index_count > 200);
    for (size_t i = 0; i < xlat_index_count; i++) {
        if (i > 0)
            assert_true(strcmp(xlat_index[i - 1].name, xlat_index[i].name) < 0);
        for (unsigned a = 0; a < XLAT_ABI_COUNT; a++) {
            assert_string_equal(xlat_index[i].abi[a]->name, xlat_index[i].name);
            check_set(xlat_index[i].abi[a]);
        }
    }
    for (size_t i = 1; i < xlat_keyed_count; i++) {
        int c = strcmp(xlat_keyed[i - 1].family, xlat_keyed[i].family);
        assert_true(c < 0 || (c == 0 && xlat_keyed[i - 1].key < xlat_keyed[i].key));
    }
    assert_true(xlat_ioctl_count > 3000);
    for (size_t i = 1; i < xlat_ioctl_count; i++) {
        const struct xlat_ioctl *a = &xlat_ioctls[i - 1], *b = &xlat_ioctls[i];
        assert_true(a->code < b->code ||
                    (a->code == b->code && strcmp(xlat_ioctl_names_text + a->name,
                                                  xlat_ioctl_names_text + b->name) < 0));
        assert_true(b->abis >= 1 && b->abis <= 3);
    }
}


/* ---- strace as the oracle: the calls, made by this program started as
 * "xlat-calls" (a fork's clone, and syscall(2) with flags and values
 * strace names, with bits it does not, and with values it does not know;
 * each call's result does not matter), and which argument of which call is
 * compared with which set. */

#define CALL(...) ((void)syscall(__VA_ARGS__))

static int xlat_calls(void)
{
    /* Not mkdtemp: its getrandom calls vary from run to run. */
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/test_xlat.%d", (int)getpid());
    if (mkdir(dir, 0700) != 0)
        return 1;
    char path[80], fifo[80];
    snprintf(path, sizeof path, "%s/file", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    int word = 0;
    long addr = 0;
    struct timespec ts = { 0, 0 };
    char buf[4096];
    int fds[2], sv[2], one = 1;
    socklen_t len = sizeof one;

    CALL(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CALL(SYS_openat, AT_FDCWD, path, 0xffffffff00000000 | O_RDWR | O_APPEND | O_NOFOLLOW, 0);
    CALL(SYS_openat, AT_FDCWD, dir, O_RDWR | O_TMPFILE, 0600);
    CALL(SYS_openat, AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_SYNC | 0x40000000, 0);
    CALL(SYS_openat, AT_FDCWD, dir, O_ACCMODE | O_LARGEFILE, 0);
    int fd = open(path, O_RDWR);
    int null = open("/dev/null", O_RDWR);
    CALL(SYS_mknodat, AT_FDCWD, fifo, S_IFIFO | 0640, 0);
    CALL(SYS_mknodat, AT_FDCWD, dir, S_IFREG | S_ISUID | S_ISVTX | 0755, 0);
    CALL(SYS_mknodat, AT_FDCWD, dir, 0170644, 0);
    CALL(SYS_mknodat, AT_FDCWD, dir, 0644, 0);

    void *p = (void *)syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CALL(SYS_mmap, 0, 4096, PROT_READ | 0x10000000000, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CALL(SYS_mmap, 0, 4096, PROT_NONE, MAP_ANONYMOUS | 0xe, -1, 0);
    CALL(SYS_mmap, 0, 4096, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21u << 26), -1, 0);
    CALL(SYS_mprotect, p, 4096, PROT_READ | PROT_GROWSDOWN);
    CALL(SYS_madvise, p, 4096, MADV_DONTNEED);
    CALL(SYS_madvise, p, 4096, 14 /* MADV_HUGEPAGE, strace's second list */);
    CALL(SYS_madvise, p, 4096, 0x99);
    CALL(SYS_msync, p, 4096, MS_ASYNC | MS_INVALIDATE);
    CALL(SYS_mlock2, p, 4096, 1 /* MLOCK_ONFAULT */);
    CALL(SYS_mlockall, 0x100);

    CALL(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 6 /* IPPROTO_TCP */);
    CALL(SYS_socket, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    CALL(SYS_socket, AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */);
    CALL(SYS_socket, AF_INET, 0xe | SOCK_CLOEXEC, 0);
    CALL(SYS_socket, AF_INET, 0x100e, 0);
    CALL(SYS_socket, 99, SOCK_STREAM, 0);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    CALL(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET, 0, sv);
    CALL(SYS_getsockopt, tcp, SOL_SOCKET, SO_TYPE, &one, &len);
    CALL(SYS_setsockopt, tcp, 6 /* SOL_TCP */, 1 /* TCP_NODELAY */, &one, sizeof one);
    CALL(SYS_getsockopt, tcp, 0 /* SOL_IP */, 1 /* IP_TOS */, &one, &len);
    CALL(SYS_setsockopt, tcp, SOL_SOCKET, 26 /* SO_ATTACH_FILTER */, NULL, 0);
    CALL(SYS_sendto, sv[0], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
    CALL(SYS_recvfrom, sv[1], buf, 1, MSG_DONTWAIT | MSG_PEEK | 0x800000, NULL, NULL);
    CALL(SYS_shutdown, sv[0], SHUT_RDWR);
    CALL(SYS_accept4, -1, NULL, NULL, SOCK_NONBLOCK);

    CALL(SYS_lseek, fd, 0, SEEK_END);
    CALL(SYS_lseek, fd, 0, 9);
    CALL(SYS_fcntl, fd, F_GETFD);
    CALL(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 10);
    CALL(SYS_fcntl, fd, 0x7777);
    CALL(SYS_fcntl, fd, 12 /* F_GETLK64, which x86_64 does not have */, NULL);
    CALL(SYS_flock, fd, LOCK_EX | LOCK_NB);
    CALL(SYS_fallocate, fd, 1 /* FALLOC_FL_KEEP_SIZE */, 0, 4096);
    CALL(SYS_fadvise64, fd, 0, 0, 2 /* POSIX_FADV_SEQUENTIAL */);
    CALL(SYS_sync_file_range, fd, 0, 0, 3);
    CALL(SYS_tee, -1, -1, 0, 3);
    CALL(SYS_dup3, fd, 100, O_CLOEXEC);
    CALL(SYS_pipe2, fds, O_CLOEXEC | O_DIRECT);
    CALL(SYS_epoll_create1, EPOLL_CLOEXEC);
    CALL(SYS_eventfd2, 0, 02000000 | 04000 /* EFD_CLOEXEC|EFD_NONBLOCK */);
    int in = (int)syscall(SYS_inotify_init1, 04000 /* IN_NONBLOCK */);
    CALL(SYS_inotify_add_watch, in, "/", 0x1 | 0x1000000 /* IN_ACCESS|IN_ONLYDIR */);
    CALL(SYS_timerfd_create, CLOCK_BOOTTIME, 02000000 /* TFD_CLOEXEC */);
    CALL(SYS_close_range, 1000, 1001, 4 /* CLOSE_RANGE_CLOEXEC */);
    CALL(SYS_memfd_create, "x", 1 | 4 | (21u << 26) /* MFD_CLOEXEC|MFD_HUGETLB */);
    CALL(SYS_ioctl, null, 0x5401 /* TCGETS */, buf);
    CALL(SYS_ioctl, null, 0x541b /* FIONREAD */, buf);
    CALL(SYS_ioctl, null, 0x5403 /* TCSETSW */, NULL);
    CALL(SYS_ioctl, null, 0x8912 /* SIOCGIFCONF */, NULL);
    CALL(SYS_ioctl, null, 0x80086601 /* FS_IOC_GETFLAGS */, buf);
    CALL(SYS_ioctl, null, 0x80085499, NULL);
    CALL(SYS_ioctl, null, 0x5499, NULL);

    CALL(SYS_access, "/", R_OK | W_OK);
    CALL(SYS_access, "/", F_OK);
    CALL(SYS_faccessat2, AT_FDCWD, "/", X_OK, 0x200 /* AT_EACCESS */);
    CALL(SYS_unlinkat, AT_FDCWD, "/nonexistent", AT_REMOVEDIR);
    CALL(SYS_fchownat, AT_FDCWD, "/nonexistent", -1, -1, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
    CALL(SYS_linkat, AT_FDCWD, "/nonexistent", AT_FDCWD, "/nonexistent2", AT_SYMLINK_FOLLOW);
    CALL(SYS_newfstatat, AT_FDCWD, "/nonexistent", buf, AT_NO_AUTOMOUNT);
    CALL(SYS_utimensat, AT_FDCWD, "/nonexistent", NULL, AT_SYMLINK_NOFOLLOW);
    CALL(SYS_renameat2, AT_FDCWD, "/nonexistent", AT_FDCWD, "/nonexistent2", 1 /* RENAME_NOREPLACE */);
    CALL(SYS_statx, AT_FDCWD, "/nonexistent", AT_SYMLINK_NOFOLLOW | 0x2000, 0x3, buf);
    CALL(SYS_statx, AT_FDCWD, "/nonexistent", 0, 0xfff, buf);
    CALL(SYS_setxattr, "/nonexistent", "user.x", "", 0, 1 /* XATTR_CREATE */);
    CALL(SYS_mount, "none", "/nonexistent", "tmpfs", 0xc0ed0000 | 1 | 2, NULL);
    CALL(SYS_umount2, "/nonexistent", 2 | 8 /* MNT_DETACH|UMOUNT_NOFOLLOW */);
    CALL(SYS_swapon, "/nonexistent", 0x8000 | 7 /* SWAP_FLAG_PREFER */);
    CALL(SYS_fsopen, "nonexistentfs", 1 /* FSOPEN_CLOEXEC */);
    CALL(SYS_open_tree, AT_FDCWD, "/nonexistent", 1 | O_CLOEXEC /* OPEN_TREE_CLONE */);

    CALL(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, buf);
    CALL(SYS_prlimit64, 0, 0x10, NULL, buf);
    CALL(SYS_getrusage, RUSAGE_CHILDREN, buf);
    CALL(SYS_getrusage, 1 /* RUSAGE_THREAD */, buf);
    CALL(SYS_getpriority, PRIO_PGRP, 0);
    CALL(SYS_getitimer, 2 /* ITIMER_PROF */, buf);
    CALL(SYS_ioprio_get, 2 /* IOPRIO_WHO_PGRP */, 0);
    CALL(SYS_clock_gettime, CLOCK_MONOTONIC_RAW, &ts);
    CALL(SYS_clock_gettime, 42, &ts);
    CALL(SYS_clock_nanosleep, CLOCK_MONOTONIC, 1 /* TIMER_ABSTIME */, &ts, NULL);
    CALL(SYS_sched_get_priority_max, SCHED_FIFO);
    CALL(SYS_sched_get_priority_max, 99);
    struct sched_param param = { 0 };
    CALL(SYS_sched_setscheduler, 0, SCHED_OTHER | 0x40000000 /* SCHED_RESET_ON_FORK */, &param);
    CALL(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 8);
    CALL(SYS_rt_sigprocmask, 5, NULL, NULL, 8);
    CALL(SYS_futex, &word, 128 | 1 /* FUTEX_WAKE_PRIVATE */, 1, NULL, NULL, 0);
    CALL(SYS_futex, &word, 256 | 0 /* FUTEX_WAIT|FUTEX_CLOCK_REALTIME */, 1, NULL, NULL, 0);
    CALL(SYS_membarrier, 0 /* MEMBARRIER_CMD_QUERY */, 0);
    CALL(SYS_prctl, 3 /* PR_GET_DUMPABLE */, 0, 0, 0, 0);
    CALL(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &addr);
    CALL(SYS_set_mempolicy, 2 | (1 << 15) /* MPOL_BIND|MPOL_F_STATIC_NODES */, NULL, 0);
    CALL(SYS_set_mempolicy, 0 /* MPOL_DEFAULT */, NULL, 0);
    CALL(SYS_unshare, CLONE_FILES | 0x80000004);
    CALL(SYS_setns, -1, CLONE_NEWNET);
    CALL(SYS_fanotify_init, 4 | 1 | 2 /* FAN_CLASS_CONTENT|FAN_CLOEXEC|FAN_NONBLOCK */, O_RDWR | 0100000 /* the kernel's O_LARGEFILE */);
    CALL(SYS_pidfd_open, getpid(), 0);
    CALL(SYS_getrandom, buf, 4, 1 /* GRND_NONBLOCK */);
    CALL(SYS_pkey_alloc, 0, 2 /* PKEY_DISABLE_WRITE */);
    CALL(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
    CALL(SYS_msgget, 0x5eed0001, 02000 | 0600 /* IPC_EXCL */);
    CALL(SYS_semget, 0x5eed0002, 1, 0640);
    CALL(SYS_shmget, 0x5eed0003, 4096, 04000 | (21u << 26) | 0600 /* SHM_HUGETLB */);
    CALL(SYS_msgctl, -1, 2 /* IPC_STAT */, NULL);
    CALL(SYS_msgctl, -1, 0x100 | 2 /* IPC_64|IPC_STAT */, NULL);
    CALL(SYS_semctl, -1, 0, 0 /* IPC_RMID */, NULL);
    CALL(SYS_shmctl, -1, 14 /* SHM_STAT */, NULL);

    /* Struct fields. */
    struct sigaction sa = { .sa_handler = SIG_IGN, .sa_flags = SA_RESTART | SA_NODEFER };
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    struct stat st;
    fchmod(fd, 04711);
    fstatat(AT_FDCWD, path, &st, 0);
    fstatat(AT_FDCWD, fifo, &st, AT_SYMLINK_NOFOLLOW);
    CALL(SYS_statx, AT_FDCWD, "/", 0, 0xfff /* STATX_BASIC_STATS */, buf);
    struct statfs sfs;
    statfs("/", &sfs);
    statfs("/proc", &sfs);
    struct pollfd pfd = { .fd = fds[0], .events = POLLIN | POLLPRI | POLLRDHUP };
    poll(&pfd, 1, 0);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET | EPOLLONESHOT, .data.u64 = 1 };
    CALL(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, fds[0], &ev);
    CALL(SYS_epoll_ctl, ep, 7, fds[0], &ev);
    int pty = open("/dev/ptmx", O_RDWR | O_NOCTTY);
    CALL(SYS_ioctl, pty, 0x5401 /* TCGETS */, buf);

    pid_t child = fork(); /* a clone, with the exit signal in its flags */
    if (child == 0)
        _exit(0);
    CALL(SYS_wait4, child, NULL, __WALL, NULL);
    CALL(SYS_wait4, -1, NULL, WNOHANG | WUNTRACED, NULL);
    CALL(SYS_waitid, P_ALL, 0, buf, WEXITED | WNOHANG, NULL);

    unlink(fifo);
    unlink(path);
    rmdir(dir);
    return 0;
}

/* Which argument (0-based, as strace prints them), or which field of a
 * struct argument, is which set's.  A family's member is keyed by the value
 * of argument key; "ioctl" is an ioctl request. */
static const struct compared {
    const char *call;
    int arg;
    const char *set;
    int key;
    const char *field;
} compared[] = {
    { "openat", 2, "open_flags", -1, NULL },
    { "mknodat", 2, "file_mode", -1, NULL },
    { "mmap", 2, "mmap_prot", -1, NULL },
    { "mmap", 3, "mmap_flags", -1, NULL },
    { "mprotect", 2, "mmap_prot", -1, NULL },
    { "madvise", 2, "madvise_advice", -1, NULL },
    { "msync", 2, "msync_flags", -1, NULL },
    { "mlock2", 2, "mlock2_flags", -1, NULL },
    { "mlockall", 0, "mlockall_flags", -1, NULL },
    { "socket", 0, "address_family", -1, NULL },
    { "socket", 1, "socket_type", -1, NULL },
    { "socket", 2, "socket_protocol", 0, NULL },
    { "socketpair", 0, "address_family", -1, NULL },
    { "socketpair", 1, "socket_type", -1, NULL },
    { "getsockopt", 1, "sockopt_level", -1, NULL },
    { "getsockopt", 2, "getsockopt_name", 1, NULL },
    { "setsockopt", 1, "sockopt_level", -1, NULL },
    { "setsockopt", 2, "setsockopt_name", 1, NULL },
    { "sendto", 3, "msg_flags", -1, NULL },
    { "recvfrom", 3, "msg_flags", -1, NULL },
    { "shutdown", 1, "shutdown_how", -1, NULL },
    { "accept4", 3, "accept4_flags", -1, NULL },
    { "lseek", 2, "whence", -1, NULL },
    { "fcntl", 1, "fcntl_cmd", -1, NULL },
    { "flock", 1, "flock_cmd", -1, NULL },
    { "fallocate", 1, "fallocate_mode", -1, NULL },
    { "fadvise64", 3, "fadvise_advice", -1, NULL },
    { "sync_file_range", 3, "sync_file_range_flags", -1, NULL },
    { "tee", 3, "splice_flags", -1, NULL },
    { "dup3", 2, "dup3_flags", -1, NULL },
    { "pipe2", 1, "pipe2_flags", -1, NULL },
    { "epoll_create1", 0, "epoll_create1_flags", -1, NULL },
    { "eventfd2", 1, "eventfd2_flags", -1, NULL },
    { "inotify_init1", 0, "inotify_init1_flags", -1, NULL },
    { "inotify_add_watch", 2, "inotify_add_watch_mask", -1, NULL },
    { "timerfd_create", 0, "clockid", -1, NULL },
    { "timerfd_create", 1, "timerfd_create_flags", -1, NULL },
    { "close_range", 2, "close_range_flags", -1, NULL },
    { "memfd_create", 1, "memfd_create_flags", -1, NULL },
    { "ioctl", 1, "ioctl", -1, NULL },
    { "access", 1, "access_mode", -1, NULL },
    { "faccessat2", 2, "access_mode", -1, NULL },
    { "faccessat2", 3, "faccessat2_flags", -1, NULL },
    { "unlinkat", 2, "at_flags", -1, NULL },
    { "fchownat", 4, "at_flags", -1, NULL },
    { "linkat", 4, "at_flags", -1, NULL },
    { "newfstatat", 3, "at_flags", -1, NULL },
    { "utimensat", 3, "at_flags", -1, NULL },
    { "renameat2", 4, "renameat2_flags", -1, NULL },
    { "statx", 2, "statx_flags", -1, NULL },
    { "statx", 3, "statx_mask", -1, NULL },
    { "setxattr", 4, "xattr_flags", -1, NULL },
    { "mount", 3, "mount_flags", -1, NULL },
    { "umount2", 1, "umount2_flags", -1, NULL },
    { "swapon", 1, "swapon_swap_flags", -1, NULL },
    { "fsopen", 1, "fsopen_flags", -1, NULL },
    { "open_tree", 2, "open_tree_flags", -1, NULL },
    { "prlimit64", 1, "rlimit_resource", -1, NULL },
    { "getrusage", 0, "rusage_who", -1, NULL },
    { "getpriority", 0, "priority_which", -1, NULL },
    { "getitimer", 0, "itimer_which", -1, NULL },
    { "ioprio_get", 0, "ioprio_which", -1, NULL },
    { "clock_gettime", 0, "clockid", -1, NULL },
    { "clock_nanosleep", 0, "clockid", -1, NULL },
    { "clock_nanosleep", 1, "timer_flags", -1, NULL },
    { "sched_get_priority_max", 0, "sched_policy", -1, NULL },
    { "sched_setscheduler", 1, "sched_policy", -1, NULL },
    { "rt_sigprocmask", 0, "sigprocmask_how", -1, NULL },
    { "futex", 1, "futex_op", -1, NULL },
    { "membarrier", 0, "membarrier_cmd", -1, NULL },
    { "membarrier", 1, "membarrier_flags", -1, NULL },
    { "prctl", 0, "prctl_option", -1, NULL },
    { "arch_prctl", 0, "arch_prctl_option", -1, NULL },
    { "set_mempolicy", 0, "mempolicy_mode", -1, NULL },
    { "unshare", 0, "unshare_flags", -1, NULL },
    { "setns", 1, "setns_flags", -1, NULL },
    { "fanotify_init", 0, "fanotify_init_flags", -1, NULL },
    { "fanotify_init", 1, "open_flags", -1, NULL },
    { "pidfd_open", 1, "pidfd_open_flags", -1, NULL },
    { "getrandom", 2, "getrandom_flags", -1, NULL },
    { "pkey_alloc", 0, "pkey_alloc_flags", -1, NULL },
    { "pkey_alloc", 1, "pkey_access_rights", -1, NULL },
    { "syslog", 0, "syslog_type", -1, NULL },
    { "msgget", 1, "msgget_msgflg", -1, NULL },
    { "semget", 2, "semget_semflg", -1, NULL },
    { "shmget", 2, "shmget_shmflg", -1, NULL },
    { "msgctl", 1, "msgctl_cmd", -1, NULL },
    { "semctl", 2, "semctl_cmd", -1, NULL },
    { "shmctl", 1, "shmctl_cmd", -1, NULL },
    { "clone", 1, "clone_flags", -1, NULL },
    { "wait4", 2, "wait_options", -1, NULL },
    { "waitid", 0, "waitid_which", -1, NULL },
    { "waitid", 3, "wait_options", -1, NULL },
    { "rt_sigaction", 1, "sigaction_flags", -1, "sa_flags" },
    { "rt_sigaction", 1, "sigaction_handler", -1, "sa_handler" },
    { "newfstatat", 2, "file_mode", -1, "st_mode" },
    { "statx", 4, "file_mode", -1, "stx_mode" },
    { "statx", 4, "statx_mask", -1, "stx_mask" },
    { "statx", 4, "statx_attributes", -1, "stx_attributes" },
    { "statfs", 1, "statfs_type", -1, "f_type" },
    { "statfs", 1, "statfs_flags", -1, "f_flags" },
    { "poll", 0, "pollfd_events", -1, "events" },
    { "epoll_ctl", 1, "epoll_ctl_op", -1, NULL },
    { "epoll_ctl", 3, "epoll_event_events", -1, "events" },
    { "ioctl", 2, "termios_iflag", -1, "c_iflag" },
    { "ioctl", 2, "termios_oflag", -1, "c_oflag" },
    { "ioctl", 2, "termios_cflag", -1, "c_cflag" },
    { "ioctl", 2, "termios_lflag", -1, "c_lflag" },
};

#define MAX_ARGS 8
#define ARG_SIZE 2048

/* A line of strace's: the call's name and its arguments as printed
 * ("flags=" and the like taken off); false for other lines. */
static bool split_line(const char *line, char *name, size_t name_size, char args[][ARG_SIZE],
                       int *nargs)
{
    const char *open = strchr(line, '(');
    if (open == NULL || (size_t)(open - line) >= name_size)
        return false;
    memcpy(name, line, (size_t)(open - line));
    name[open - line] = '\0';
    *nargs = 0;
    int depth = 0;
    bool quoted = false;
    const char *start = open + 1;
    for (const char *c = start; *c; c++) {
        if (quoted) {
            if (*c == '\\' && c[1])
                c++;
            else if (*c == '"')
                quoted = false;
            continue;
        }
        if (*c == '"')
            quoted = true;
        else if (*c == '(' || *c == '[' || *c == '{')
            depth++;
        else if ((*c == ',' || *c == ')') && depth == 0) {
            if (*nargs < MAX_ARGS && (c > start || *c == ',' || *nargs > 0)) {
                const char *from = start;
                size_t n = (size_t)(c - from);
                for (size_t k = 0; k < n && (from[k] == '_' || (from[k] >= 'a' && from[k] <= 'z')); k++)
                    if (from[k + 1] == '=') { /* clone's "flags=..." */
                        from += k + 2;
                        n -= k + 2;
                        break;
                    }
                snprintf(args[*nargs], ARG_SIZE, "%.*s", (int)n, from);
                (*nargs)++;
            }
            if (*c == ')')
                return true;
            start = c + 2; /* after ", " */
            c++;
        } else if (*c == ')' || *c == ']' || *c == '}')
            depth--;
    }
    return false;
}

/* The text of field name in a struct (or an array of them) as strace
 * prints it: "S_IFREG|0644" of "{st_mode=S_IFREG|0644, st_size=0, ...}";
 * false when it is not there. */
static bool field_of(const char *arg, const char *name, char *out, size_t outsz)
{
    size_t len = strlen(name);
    for (const char *c = arg; *c; c++) {
        bool starts = c > arg && (c[-1] == '{' || (c[-1] == ' ' && c - 1 > arg && c[-2] == ','));
        if (!starts || strncmp(c, name, len) != 0 || c[len] != '=')
            continue;
        const char *from = c + len + 1, *end = from;
        for (int depth = 0; *end && !(depth == 0 && (*end == ',' || *end == '}' || *end == ']')); end++)
            depth += (*end == '{' || *end == '[' || *end == '(') - (*end == '}' || *end == ']' || *end == ')');
        snprintf(out, outsz, "%.*s", (int)(end - from), from);
        return true;
    }
    return false;
}

/* Runs this program as "xlat-calls" under strace with style (-X), writing
 * strace's lines to out. */
static void run_strace(const char *style, const char *out)
{
    char trace[1024] = "trace=";
    for (size_t i = 0; i < sizeof compared / sizeof compared[0]; i++)
        if (strstr(trace, compared[i].call) == NULL || i == 0 ||
            strcmp(compared[i].call, compared[i - 1].call) != 0) {
            strcat(trace, compared[i].call);
            strcat(trace, ",");
        }
    trace[strlen(trace) - 1] = '\0';
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* LeakSanitizer (check-asan) cannot run under ptrace. */
        char asan[1024];
        const char *old = getenv("ASAN_OPTIONS");
        snprintf(asan, sizeof asan, "%s%sdetect_leaks=0", old ? old : "", old ? ":" : "");
        setenv("ASAN_OPTIONS", asan, 1);
        execlp("strace", "strace", "-qq", "-e", "signal=none", "-X", style, "-e", trace, "-o", out,
               self_path, "xlat-calls", (char *)NULL);
        fprintf(stderr, "test_xlat: strace: %s (the test needs strace)\n", strerror(errno));
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("strace -X %s failed (status %#x)", style, status);
}

/* What we print for the argument a of a line whose arguments, as numbers,
 * are raw; NULL when the comparison has no set for them. */
/* A number as strace -X raw prints it: 0x80041, 0644, -1, in parts
 * (0x1|0x80000, 21<<26|0600), nothing for flags of 0, or followed by the name in a
 * comment where strace always adds it (syslog's type). */
static uint64_t raw_number(const struct compared *c, const char *s)
{
    uint64_t v = 0;
    if (*s == '\0')
        return 0;
    for (;;) {
        char *end;
        uint64_t part = strtoull(s, &end, 0);
        if (end != s && end[0] == '<' && end[1] == '<') /* shmget's 21<<26 */
            part <<= strtoull(end + 2, &end, 0);
        v |= part;
        if (end == s || (*end != '\0' && *end != '|' && *end != ' '))
            fail_msg("%s: argument %d is not a number with -X raw: %s", c->call, c->arg, s);
        if (*end == '\0' || *end == ' ')
            return v;
        s = end + 1;
    }
}

/* What xlat prints for the number strace -X raw printed as raw_value
 * (and for a family, raw_key as the key). */
static const char *ours(const struct compared *c, const char *raw_value, const char *raw_key,
                        char *out, size_t outsz)
{
    uint64_t v = raw_number(c, raw_value);
    if (strcmp(c->set, "ioctl") == 0) {
        xlat_format_ioctl(x86_64(), (uint32_t)v, out, outsz);
        return out;
    }
    const struct xlat *x;
    if (c->key >= 0) {
        uint64_t key = raw_number(c, raw_key);
        x = xlat_find_keyed(x86_64(), c->set, key);
        if (x == NULL && strstr(c->set, "sockopt_name"))
            x = xlat_find_keyed(x86_64(), "sockopt_name", key);
        if (x == NULL) { /* strace prints the number */
            snprintf(out, outsz, "%" PRIu64, v);
            return out;
        }
    } else {
        x = set_of(x86_64(), c->set);
    }
    xlat_format(x, v, out, outsz);
    return out;
}

/* Where strace 6.1, the strace these tests run, prints what strace 7.2's
 * decoders (which tools/xlat-sets follows) print differently. */
static const struct {
    const char *call;
    int arg;
    const char *text, *why;
} strace61[] = {
    { "sched_setscheduler", 1, "0x40000000 /* SCHED_??? */",
      "strace 7 names SCHED_RESET_ON_FORK (sched.c print_policy)" },
};

static bool strace61_differs(const struct compared *c, const char *text)
{
    for (size_t i = 0; i < sizeof strace61 / sizeof strace61[0]; i++)
        if (strcmp(strace61[i].call, c->call) == 0 && strace61[i].arg == c->arg &&
            strcmp(strace61[i].text, text) == 0)
            return true;
    return false;
}

static void test_same_text_as_strace(void **state)
{
    (void)state;
    char raw_path[] = "/tmp/test_xlat.raw.XXXXXX", text_path[] = "/tmp/test_xlat.text.XXXXXX";
    close(mkstemp(raw_path));
    close(mkstemp(text_path));
    run_strace("raw", raw_path);
    run_strace("abbrev", text_path);
    FILE *raw = fopen(raw_path, "r"), *txt = fopen(text_path, "r");
    assert_non_null(raw);
    assert_non_null(txt);
    char rline[8192], tline[8192], rname[64], tname[64];
    static char rargs[MAX_ARGS][ARG_SIZE], targs[MAX_ARGS][ARG_SIZE];
    int rn, tn, compared_args = 0, mismatches = 0;
    bool seen[sizeof compared / sizeof compared[0]] = { false };
    while (fgets(rline, sizeof rline, raw)) {
        if (!fgets(tline, sizeof tline, txt))
            fail_msg("strace -X raw printed more lines than strace: %s", rline);
        if (!split_line(rline, rname, sizeof rname, rargs, &rn) ||
            !split_line(tline, tname, sizeof tname, targs, &tn))
            fail_msg("cannot read strace's lines:\n%s%s", rline, tline);
        if (strcmp(rname, tname) != 0 || rn != tn)
            fail_msg("the two runs differ:\n%s%s", rline, tline);
        for (size_t i = 0; i < sizeof compared / sizeof compared[0]; i++) {
            const struct compared *c = &compared[i];
            if (strcmp(c->call, rname) != 0 || c->arg >= rn)
                continue;
            const char *raw_value = rargs[c->arg], *expected = targs[c->arg];
            char rfield[ARG_SIZE], tfield[ARG_SIZE];
            if (c->field) { /* not there when the call failed, or for another ioctl */
                if (!field_of(raw_value, c->field, rfield, sizeof rfield) ||
                    !field_of(expected, c->field, tfield, sizeof tfield))
                    continue;
                raw_value = rfield;
                expected = tfield;
            }
            char out[512];
            const char *got = ours(c, raw_value, c->key >= 0 ? rargs[c->key] : NULL, out, sizeof out);
            /* A handler other than SIG_DFL, SIG_IGN... is an address, which
             * differs between the runs (ASan installs handlers). */
            if (strcmp(c->set, "sigaction_handler") == 0 && strncmp(got, "SIG_", 4) != 0)
                continue;
            seen[i] = true;
            compared_args++;
            if (strcmp(got, expected) != 0 && !strace61_differs(c, expected)) {
                print_error("%s argument %d%s%s (%s): strace prints %s, xlat %s\n", rname, c->arg,
                            c->field ? " " : "", c->field ? c->field : "", c->set, expected, got);
                mismatches++;
            }
        }
    }
    fclose(raw);
    fclose(txt);
    unlink(raw_path);
    unlink(text_path);
    for (size_t i = 0; i < sizeof compared / sizeof compared[0]; i++)
        if (!seen[i])
            fail_msg("strace printed no %s call", compared[i].call);
    printf("compared %d arguments with strace's\n", compared_args);
    assert_true(compared_args > 150);
    assert_int_equal(mismatches, 0);
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc == 2 && strcmp(argv[1], "xlat-calls") == 0)
        return xlat_calls();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_flags),
        cmocka_unit_test(test_flags_and_unknown_bits),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_value_sets),
        cmocka_unit_test(test_keyed_sets),
        cmocka_unit_test(test_abi_differences),
        cmocka_unit_test(test_ioctls),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_every_sysent_set_has_a_table),
        cmocka_unit_test(test_tables_are_consistent),
        cmocka_unit_test(test_same_text_as_strace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
