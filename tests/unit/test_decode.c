/* Unit tests for the decoders (src/decode*.c, src/lua_sink.c) against
 * known bytes.  The "tracee" is this process: the bytes sit in a buffer
 * below 4 GiB (MAP_32BIT), so that i386 calls can point at them too, and
 * the decoders read them with process_vm_readv, as they read a tracee's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode.h"
#include "lua_sink.h"

static char *mem;          /* the test's "tracee memory" (below 4 GiB) */
static size_t used;
#define MEM_SIZE (1 << 20)

static struct decode_opts opts = { .string_limit = DECODE_STRING_LIMIT };

/* A copy of len bytes in mem: their address as the tracee passes it. */
static uint64_t put(const void *data, size_t len)
{
    size_t at = (used + 15) & ~(size_t)15;
    assert_true(at + len <= MEM_SIZE);
    memcpy(mem + at, data, len);
    used = at + len;
    return (uint64_t)(uintptr_t)(mem + at);
}

static uint64_t put_str(const char *s)
{
    return put(s, strlen(s) + 1);
}

/* An address that cannot be read: the PROT_NONE page after mem (kept
 * mapped, so that nothing else is placed there). */
static uint64_t unmapped;

static struct syscall_event event(const char *arch_name, const char *name, uint64_t a0,
                                  uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct syscall_event ev = { .pid = getpid(), .tid = getpid() };
    ev.arch = arch_from_name(arch_name);
    assert_non_null(ev.arch);
    int nr = arch_syscall_nr(ev.arch, name);
    if (nr < 0)
        fail_msg("no syscall %s on %s", name, arch_name);
    ev.nr = nr;
    uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
    memcpy(ev.args, args, sizeof args);
    return ev;
}

#define EV(name, ...) event("x86_64", name, __VA_ARGS__)
#define EV32(name, ...) event("i386", name, __VA_ARGS__)

static char text[8192];

/* strace's line for ev returning ret (negative: -errno): "name(args) = ret". */
static const char *line(struct syscall_event ev, int64_t ret)
{
    struct dtext t;
    struct decode_result res;
    char result[1024];
    ev.at_exit = true;
    ev.is_error = ret < 0 && ret > -4096;
    ev.ret = ret;
    dtext_init(&t);
    dtext_reset(&t, "", 0, false);
    decode_call(&t.sink, &ev, &opts, DECODE_ALL, &res, NULL);
    decode_result_text(&ev, &res, &opts, result, sizeof result);
    snprintf(text, sizeof text, "%s(%s) = %s", decode_name(&ev), t.buf ? t.buf : "", result);
    dtext_free(&t);
    return text;
}

/* The same decoded in two halves: the entry's text, then the exit's. */
static const char *split_line(struct syscall_event ev, int64_t ret, char *entry, size_t entrysz)
{
    struct dtext t;
    struct decode_result res;
    struct decode_saved saved = { 0 };
    char result[1024];
    dtext_init(&t);
    dtext_reset(&t, "", 0, false);
    decode_call(&t.sink, &ev, &opts, DECODE_ENTRY, NULL, &saved);
    snprintf(entry, entrysz, "%s", t.buf ? t.buf : "");
    ev.at_exit = true;
    ev.is_error = ret < 0;
    ev.ret = ret;
    dtext_reset(&t, entry, strlen(entry), entry[0] != '\0');
    decode_call(&t.sink, &ev, &opts, DECODE_EXIT, &res, &saved);
    decode_result_text(&ev, &res, &opts, result, sizeof result);
    snprintf(text, sizeof text, "%s(%s) = %s", decode_name(&ev), t.buf ? t.buf : "", result);
    dtext_free(&t);
    return text;
}

static int setup(void **state)
{
    (void)state;
    used = 0;
    opts = (struct decode_opts){ .string_limit = DECODE_STRING_LIMIT };
    return 0;
}

/* ---- quoting ---- */

static const char *quoted(const char *buf, size_t len, unsigned flags)
{
    struct dtext t;
    dtext_init(&t);
    dtext_quote(&t, buf, len, flags);
    snprintf(text, sizeof text, "%s", t.buf);
    dtext_free(&t);
    return text;
}

static void test_quote_escapes(void **state)
{
    (void)state;
    static const char s[] = "a\tb\nc\vd\fe\rf\"g\\h";
    assert_string_equal(quoted(s, sizeof s - 1, 0), "\"a\\tb\\nc\\vd\\fe\\rf\\\"g\\\\h\"");
}

static void test_quote_octal_takes_three_digits_before_a_digit(void **state)
{
    (void)state;
    /* \0 alone, \0 before '1' in three digits, \177, \377, \33 */
    static const char s[] = "\0x\0001\177\377\033[";
    assert_string_equal(quoted(s, sizeof s - 1, 0), "\"\\0x\\0001\\177\\377\\33[\"");
}

static void test_quote_hex_and_cut(void **state)
{
    (void)state;
    assert_string_equal(quoted("\x01\xab", 2, DSTR_HEX), "\"\\x01\\xab\"");
    assert_string_equal(quoted("abc", 3, DSTR_CUT), "\"abc\"...");
}

/* ---- strings, paths, buffers ---- */

static void test_path_is_shown_whole(void **state)
{
    (void)state;
    char path[200];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    char want[300];
    snprintf(want, sizeof want, "chdir(\"%s\") = 0", path);
    assert_string_equal(line(EV("chdir", put_str(path), 0, 0, 0, 0, 0), 0), want);
    assert_string_equal(line(EV("chdir", 0, 0, 0, 0, 0, 0), -14),
                         "chdir(NULL) = -1 EFAULT (Bad address)");
}

static void test_unreadable_pointer_is_shown_as_address(void **state)
{
    (void)state;
    char want[64];
    snprintf(want, sizeof want, "chdir(%#llx) = -1 EFAULT (Bad address)",
             (unsigned long long)unmapped);
    assert_string_equal(line(EV("chdir", unmapped, 0, 0, 0, 0, 0), -14), want);
}

static void test_buffer_is_cut_at_the_string_limit(void **state)
{
    (void)state;
    const char *s32 = "0123456789abcdef0123456789ABCDEF", *s33 = "0123456789abcdef0123456789ABCDEFx";
    assert_string_equal(line(EV("write", 1, put(s32, 32), 32, 0, 0, 0), 32),
                         "write(1, \"0123456789abcdef0123456789ABCDEF\", 32) = 32");
    assert_string_equal(line(EV("write", 1, put(s33, 33), 33, 0, 0, 0), 33),
                         "write(1, \"0123456789abcdef0123456789ABCDEF\"..., 33) = 33");
    opts.string_limit = 4;
    assert_string_equal(line(EV("write", 1, put(s33, 33), 33, 0, 0, 0), 33),
                         "write(1, \"0123\"..., 33) = 33");
}

static void test_read_shows_what_was_read_at_the_exit(void **state)
{
    (void)state;
    char entry[256], want[128];
    uint64_t buf = put("hello\0garbage", 13);
    assert_string_equal(split_line(EV("read", 3, buf, 100, 0, 0, 0), 5, entry, sizeof entry),
                        "read(3, \"hello\", 100) = 5");
    assert_string_equal(entry, "3");
    snprintf(want, sizeof want, "read(3, %#llx, 100) = -1 EBADF (Bad file descriptor)",
             (unsigned long long)buf);
    assert_string_equal(split_line(EV("read", 3, buf, 100, 0, 0, 0), -9, entry, sizeof entry),
                        want);
}

/* ---- files ---- */

static void test_openat_shows_the_mode_only_when_it_creates(void **state)
{
    (void)state;
    uint64_t path = put_str("/etc/passwd");
    assert_string_equal(line(EV("openat", (uint64_t)AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0777, 0, 0), 3),
                        "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3");
    assert_string_equal(line(EV("openat", 5, path, O_WRONLY | O_CREAT | O_TRUNC, 0640, 0, 0), -2),
                        "openat(5, \"/etc/passwd\", O_WRONLY|O_CREAT|O_TRUNC, 0640) = "
                        "-1 ENOENT (No such file or directory)");
    /* O_DIRECTORY alone is not O_TMPFILE, which includes it */
    assert_string_equal(line(EV("open", path, O_RDONLY | O_DIRECTORY, 0, 0, 0, 0), 3),
                        "open(\"/etc/passwd\", O_RDONLY|O_DIRECTORY) = 3");
    assert_string_equal(line(EV("open", path, O_RDWR | O_TMPFILE, 0600, 0, 0, 0), 3),
                        "open(\"/etc/passwd\", O_RDWR|O_TMPFILE, 0600) = 3");
}

static void test_stat_abbreviated_and_verbose(void **state)
{
    (void)state;
    struct stat st = { 0 };
    st.st_mode = S_IFREG | 0644;
    st.st_size = 45195;
    st.st_dev = makedev(8, 1);
    st.st_ino = 1234;
    st.st_nlink = 1;
    st.st_blksize = 4096;
    st.st_blocks = 96;
    uint64_t buf = put(&st, sizeof st), path = put_str("");
    assert_string_equal(line(EV("newfstatat", 3, path, buf, AT_EMPTY_PATH, 0, 0), 0),
                        "newfstatat(3, \"\", {st_mode=S_IFREG|0644, st_size=45195, ...}, "
                        "AT_EMPTY_PATH) = 0");
    st.st_mode = S_IFCHR | S_ISUID | 0666;
    st.st_rdev = makedev(1, 3);
    buf = put(&st, sizeof st);
    assert_string_equal(line(EV("fstat", 1, buf, 0, 0, 0, 0), 0),
                        "fstat(1, {st_mode=S_IFCHR|S_ISUID|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0");
    opts.verbose = true;
    assert_string_equal(line(EV("fstat", 1, buf, 0, 0, 0, 0), 0),
                        "fstat(1, {st_dev=makedev(0x8, 0x1), st_ino=1234, "
                        "st_mode=S_IFCHR|S_ISUID|0666, st_nlink=1, st_uid=0, st_gid=0, "
                        "st_blksize=4096, st_blocks=96, st_rdev=makedev(0x1, 0x3), st_atime=0, "
                        "st_atime_nsec=0, st_mtime=0, st_mtime_nsec=0, st_ctime=0, "
                        "st_ctime_nsec=0}) = 0");
}

/* i386's struct stat64: 4-byte aligned 64-bit fields */
static void test_stat64_of_i386(void **state)
{
    (void)state;
    unsigned char b[96] = { 0 };
    uint32_t mode = S_IFDIR | 0755;
    uint64_t size = 4096;
    memcpy(b + 16, &mode, 4);
    memcpy(b + 44, &size, 8);
    uint64_t buf = put(b, sizeof b);
    assert_string_equal(line(EV32("fstat64", 3, buf, 0, 0, 0, 0), 0),
                        "fstat64(3, {st_mode=S_IFDIR|0755, st_size=4096, ...}) = 0");
}

static void test_getdents64_counts_entries(void **state)
{
    (void)state;
    unsigned char b[64] = { 0 };
    uint16_t reclen = 24;
    memcpy(b + 16, &reclen, 2);
    memcpy(b + 24 + 16, &reclen, 2);
    uint64_t buf = put(b, sizeof b);
    char want[128];
    snprintf(want, sizeof want, "getdents64(3, %#llx /* 2 entries */, 32768) = 48",
             (unsigned long long)buf);
    assert_string_equal(line(EV("getdents64", 3, buf, 32768, 0, 0, 0), 48), want);
}

/* ---- memory, processes ---- */

static void test_mmap_flags_offset_and_result(void **state)
{
    (void)state;
    assert_string_equal(line(EV("mmap", 0x7f0000001000, 110592, PROT_READ | PROT_EXEC,
                                MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, 3, 0x7000),
                             0x7f0000001000),
                        "mmap(0x7f0000001000, 110592, PROT_READ|PROT_EXEC, "
                        "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x7000) = 0x7f0000001000");
    assert_string_equal(line(EV("mmap", 0, 8192, PROT_NONE, MAP_SHARED | MAP_ANONYMOUS,
                                (uint32_t)-1, 0), -12),
                        "mmap(NULL, 8192, PROT_NONE, MAP_SHARED|MAP_ANONYMOUS, -1, 0) = "
                        "-1 ENOMEM (Cannot allocate memory)");
    /* mmap2's offset is in pages */
    assert_string_equal(line(EV32("mmap2", 0, 4096, PROT_READ, MAP_PRIVATE, 3, 2), 0xf7ee8000),
                        "mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0x2000) = 0xf7ee8000");
    assert_string_equal(line(EV("brk", 0, 0, 0, 0, 0, 0), 0x55550000),
                        "brk(NULL) = 0x55550000");
}

static void test_execve_argv_and_environment_count(void **state)
{
    (void)state;
    uint64_t args[3] = { put_str("ls"), put_str("a string that is longer than thirty-two bytes"), 0 };
    uint64_t env[4] = { put_str("A=1"), put_str("B=2"), put_str("C=3"), 0 };
    uint64_t argv = put(args, sizeof args), envp = put(env, sizeof env);
    char want[256];
    snprintf(want, sizeof want,
             "execve(\"/bin/ls\", [\"ls\", \"a string that is longer than thi\"...], %#llx "
             "/* 3 vars */) = 0", (unsigned long long)envp);
    assert_string_equal(line(EV("execve", put_str("/bin/ls"), argv, envp, 0, 0, 0), 0), want);
    /* i386: 4-byte pointers */
    uint32_t args32[2] = { (uint32_t)put_str("sh"), 0 }, env32[2] = { (uint32_t)put_str("X=y"), 0 };
    uint64_t envp32 = put(env32, sizeof env32);
    snprintf(want, sizeof want, "execve(\"/bin/sh\", [\"sh\"], %#llx /* 1 var */) = 0",
             (unsigned long long)envp32);
    assert_string_equal(line(EV32("execve", put_str("/bin/sh"), put(args32, sizeof args32),
                                  envp32, 0, 0, 0), 0), want);
}

static void test_wait4_status(void **state)
{
    (void)state;
    int exited = W_EXITCODE(3, 0), killed = SIGKILL | WCOREFLAG;
    uint64_t a = put(&exited, 4), b = put(&killed, 4);
    assert_string_equal(line(EV("wait4", (uint64_t)-1, a, 0, 0, 0, 0), 42),
                        "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 42");
    assert_string_equal(line(EV("wait4", 42, b, WNOHANG, 0, 0, 0), 42),
                        "wait4(42, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL && WCOREDUMP(s)}], "
                        "WNOHANG, NULL) = 42");
    char want[128];
    snprintf(want, sizeof want, "wait4(-1, %#llx, WNOHANG, NULL) = 0", (unsigned long long)a);
    assert_string_equal(line(EV("wait4", (uint64_t)-1, a, WNOHANG, 0, 0, 0), 0), want);
}

static void test_clone_names_its_arguments(void **state)
{
    (void)state;
    assert_string_equal(line(EV("clone", CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0), 7),
                        "clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|SIGCHLD) = 7");
    assert_string_equal(line(EV("clone", CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD,
                                0, 0, 0x7f00aa10, 0, 0), 7),
                        "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|"
                        "SIGCHLD, child_tidptr=0x7f00aa10) = 7");
}

static void test_prlimit64_limits(void **state)
{
    (void)state;
    uint64_t lim[2] = { 8192 * 1024, UINT64_MAX };
    uint64_t buf = put(lim, sizeof lim);
    char want[256];
    assert_string_equal(line(EV("prlimit64", 0, RLIMIT_STACK, 0, buf, 0, 0), 0),
                        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, "
                        "rlim_max=RLIM64_INFINITY}) = 0");
    snprintf(want, sizeof want, "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=8192*1024, "
             "rlim_max=RLIM64_INFINITY}, %#llx) = -1 EPERM (Operation not permitted)",
             (unsigned long long)buf);
    assert_string_equal(line(EV("prlimit64", 0, RLIMIT_NOFILE, buf, buf, 0, 0), -1), want);
}

/* ---- signals ---- */

static void test_sigaction_and_sigsets(void **state)
{
    (void)state;
    /* the kernel's struct sigaction: handler, flags, restorer, mask */
    uint64_t act[4] = { 0x55550000, 0x04000000 | SA_RESTART, 0x7f000050, 0 };
    act[3] = 1ull << (SIGINT - 1) | 1ull << (SIGTERM - 1);
    uint64_t buf = put(act, sizeof act);
    assert_string_equal(line(EV("rt_sigaction", SIGINT, buf, 0, 8, 0, 0), 0),
                        "rt_sigaction(SIGINT, {sa_handler=0x55550000, sa_mask=[INT TERM], "
                        "sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f000050}, NULL, 8) = 0");
    /* all but 32 and 33: strace names what is missing */
    uint64_t full = ~(3ull << 31);
    assert_string_equal(line(EV("rt_sigprocmask", SIG_BLOCK, put(&full, 8), 0, 8, 0, 0), 0),
                        "rt_sigprocmask(SIG_BLOCK, ~[RTMIN RT_1], NULL, 8) = 0");
    uint64_t none = 0, io = 1ull << (SIGIO - 1) | 1ull << (40 - 1);
    assert_string_equal(line(EV("rt_sigprocmask", SIG_SETMASK, put(&io, 8), put(&none, 8), 8, 0, 0), 0),
                        "rt_sigprocmask(SIG_SETMASK, [IO RT_8], [], 8) = 0");
    assert_string_equal(line(EV("kill", 42, SIGUSR1, 0, 0, 0, 0), 0), "kill(42, SIGUSR1) = 0");
}

/* arrays of integers: the elements, as many as the length argument says */
static void test_int_arrays(void **state)
{
    (void)state;
    uint32_t groups[3] = { 0, 27, 1000 };
    uint64_t buf = put(groups, sizeof groups);
    assert_string_equal(line(EV("setgroups", 3, buf, 0, 0, 0, 0), 0), "setgroups(3, [0, 27, 1000]) = 0");
    assert_string_equal(line(EV("getgroups", 3, buf, 0, 0, 0, 0), 2), "getgroups(3, [0, 27]) = 2");
    opts.string_limit = 1;
    assert_string_equal(line(EV("setgroups", 3, buf, 0, 0, 0, 0), 0), "setgroups(3, [0, ...]) = 0");
    uint16_t old[2] = { 5, 6 };
    assert_string_equal(line(EV32("setgroups", 2, put(old, sizeof old), 0, 0, 0, 0), 0),
                        "setgroups(2, [5, ...]) = 0");
}

/* ---- descriptors, sockets ---- */

static void test_fcntl_results(void **state)
{
    (void)state;
    assert_string_equal(line(EV("fcntl", 3, F_GETFL, 0, 0, 0, 0), 0x8002),
                        "fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)");
    assert_string_equal(line(EV("fcntl", 3, F_GETFD, 0, 0, 0, 0), 1),
                        "fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)");
    assert_string_equal(line(EV("fcntl", 3, F_SETFD, FD_CLOEXEC, 0, 0, 0), 0),
                        "fcntl(3, F_SETFD, FD_CLOEXEC) = 0");
    assert_string_equal(line(EV("fcntl", 3, 0x7777, 5, 0, 0, 0), -22),
                        "fcntl(3, 0x7777 /* F_??? */, 0x5) = -1 EINVAL (Invalid argument)");
}

static void test_poll_shows_returned_events_after_the_result(void **state)
{
    (void)state;
    struct pollfd fds[2] = { { 3, POLLIN, POLLIN }, { 4, POLLOUT, 0 } };
    uint64_t buf = put(fds, sizeof fds);
    assert_string_equal(line(EV("poll", buf, 2, 100, 0, 0, 0), 1),
                        "poll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, 100) = 1 "
                        "([{fd=3, revents=POLLIN}])");
    assert_string_equal(line(EV("poll", buf, 2, 0, 0, 0, 0), 0),
                        "poll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, 0) = 0 (Timeout)");
}

static void test_sockaddrs(void **state)
{
    (void)state;
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(53) };
    inet_pton(AF_INET, "127.0.0.53", &in.sin_addr);
    assert_string_equal(line(EV("connect", 3, put(&in, sizeof in), sizeof in, 0, 0, 0), 0),
                        "connect(3, {sa_family=AF_INET, sin_port=htons(53), "
                        "sin_addr=inet_addr(\"127.0.0.53\")}, 16) = 0");
    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
    inet_pton(AF_INET6, "::1", &in6.sin6_addr);
    assert_string_equal(line(EV("bind", 3, put(&in6, sizeof in6), sizeof in6, 0, 0, 0), 0),
                        "bind(3, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), "
                        "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28) = 0");
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    strcpy(un.sun_path + 1, "abstract");
    assert_string_equal(line(EV("connect", 3, put(&un, sizeof un), 2 + 9, 0, 0, 0), 0),
                        "connect(3, {sa_family=AF_UNIX, sun_path=@\"abstract\"}, 11) = 0");
    strcpy(un.sun_path, "/run/sock");
    assert_string_equal(line(EV("connect", 3, put(&un, sizeof un), sizeof un, 0, 0, 0), 0),
                        "connect(3, {sa_family=AF_UNIX, sun_path=\"/run/sock\"}, 110) = 0");
    assert_string_equal(line(EV("socket", AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP, 0, 0, 0), 3),
                        "socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3");
}

/* recvfrom's *addrlen is read at the entry and shown changed at the exit */
static void test_recvfrom_keeps_the_length_from_the_entry(void **state)
{
    (void)state;
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(9) };
    uint32_t len = 128;
    uint64_t addr = put(&in, sizeof in), plen = put(&len, 4), buf = put("hi", 2);
    char entry[256];
    struct syscall_event ev = EV("recvfrom", 3, buf, 64, 0, addr, plen);
    /* the kernel writes the length between the entry and the exit */
    struct dtext t;
    struct decode_saved saved = { 0 };
    dtext_init(&t);
    dtext_reset(&t, "", 0, false);
    decode_call(&t.sink, &ev, &opts, DECODE_ENTRY, NULL, &saved);
    assert_true(saved.has);
    assert_int_equal(saved.value, 128);
    dtext_free(&t);
    *(uint32_t *)(uintptr_t)plen = sizeof in;
    assert_string_equal(split_line(ev, 2, entry, sizeof entry),
                        "recvfrom(3, \"hi\", 64, 0, {sa_family=AF_INET, sin_port=htons(9), "
                        "sin_addr=inet_addr(\"0.0.0.0\")}, [16]) = 2");
}

static void test_fd_paths(void **state)
{
    (void)state;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    opts.fd_paths = true;
    char want[128];
    snprintf(want, sizeof want, "close(%d</dev/null>) = 0", fd);
    assert_string_equal(line(EV("close", (uint64_t)fd, 0, 0, 0, 0, 0), 0), want);
    snprintf(want, sizeof want, "dup(%d</dev/null>) = %d</dev/null>", fd, fd);
    assert_string_equal(line(EV("dup", (uint64_t)fd, 0, 0, 0, 0, 0), fd), want);
    close(fd);
}

/* ---- results ---- */

static void test_results(void **state)
{
    (void)state;
    assert_string_equal(line(EV("getpid", 0, 0, 0, 0, 0, 0), 42), "getpid() = 42");
    assert_string_equal(line(EV("exit_group", 0, 0, 0, 0, 0, 0), 0), "exit_group(0) = ?");
    assert_string_equal(line(EV("umask", 022, 0, 0, 0, 0, 0), 077), "umask(022) = 077");
    assert_string_equal(line(EV("pause", 0, 0, 0, 0, 0, 0), -514),
                        "pause() = ? ERESTARTNOHAND (To be restarted if no handler)");
    assert_string_equal(line(EV("getpid", 0, 0, 0, 0, 0, 0), -512),
                        "getpid() = ? ERESTARTSYS (To be restarted if SA_RESTART is set)");
    assert_string_equal(line(EV("ioctl", 1, 0x5401, 0, 0, 0, 0), -524),
                        "ioctl(1, TCGETS, NULL) = -1 ENOTSUPP (Unknown error 524)");
}

/* i386's socketcall shows its sub-call, with the arguments it points to */
static void test_socketcall_of_i386(void **state)
{
    (void)state;
    uint32_t args[3] = { AF_UNIX, SOCK_DGRAM, 0 };
    assert_string_equal(line(EV32("socketcall", 1 /* SYS_SOCKET */, put(args, sizeof args),
                                  0, 0, 0, 0), 3),
                        "socket(AF_UNIX, SOCK_DGRAM, 0) = 3");
}

/* ---- the Lua sink ---- */

/* Pushes what sc:decode gives for ev returning ret, in two halves. */
static void decode_in_lua(lua_State *L, struct syscall_event ev, int64_t ret)
{
    lsink_open(L);
    lsink_decode(L, &ev, &opts, 0);
    ev.at_exit = true;
    ev.is_error = ret < 0;
    ev.ret = ret;
    lsink_decode(L, &ev, &opts, lua_gettop(L));
    lua_remove(L, -2);
}

/* The value at path ("args.statbuf.st_size") of the table on the stack's top, as text. */
static const char *field(lua_State *L, const char *path)
{
    char copy[128];
    snprintf(copy, sizeof copy, "%s", path);
    lua_pushvalue(L, -1);
    for (char *save, *key = strtok_r(copy, ".", &save); key; key = strtok_r(NULL, ".", &save)) {
        if (lua_type(L, -1) != LUA_TTABLE) {
            lua_pop(L, 1);
            return "(not a table)";
        }
        char *end;
        long index = strtol(key, &end, 10);
        if (*end == '\0')
            lua_rawgeti(L, -1, index);
        else
            lua_getfield(L, -1, key);
        lua_remove(L, -2);
    }
    if (lua_isinteger(L, -1))
        snprintf(text, sizeof text, "%lld", (long long)lua_tointeger(L, -1));
    else if (lua_isstring(L, -1))
        snprintf(text, sizeof text, "%s", lua_tostring(L, -1));
    else
        snprintf(text, sizeof text, "(%s)", luaL_typename(L, -1));
    lua_pop(L, 1);
    return text;
}

/* The keys of a table's __order, joined: "name,args,ret". */
static const char *order(lua_State *L, const char *path)
{
    char buf[512] = "";
    lua_pushvalue(L, -1);
    char copy[128];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *save, *key = strtok_r(copy, ".", &save); key; key = strtok_r(NULL, ".", &save)) {
        lua_getfield(L, -1, key);
        lua_remove(L, -2);
    }
    if (lua_getmetatable(L, -1) && lua_getfield(L, -1, "__order") == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
            strcat(buf, i > 1 ? "," : "");
            strcat(buf, lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 3);
    }
    lua_pop(L, 1);
    snprintf(text, sizeof text, "%s", buf);
    return text;
}

static void test_lua_tables(void **state)
{
    (void)state;
    lua_State *L = luaL_newstate();
    struct stat st = { .st_mode = S_IFREG | 0600, .st_size = 7 };
    decode_in_lua(L, EV("newfstatat", (uint64_t)AT_FDCWD, put_str("f"), put(&st, sizeof st),
                        AT_SYMLINK_NOFOLLOW, 0, 0), 0);
    assert_string_equal(field(L, "name"), "newfstatat");
    assert_string_equal(order(L, "args"), "dfd,filename,statbuf,flag");
    assert_string_equal(field(L, "args.dfd"), "AT_FDCWD");
    assert_string_equal(field(L, "args.filename"), "f");
    assert_string_equal(field(L, "args.statbuf.st_mode"), "S_IFREG|0600");
    assert_string_equal(field(L, "args.statbuf.st_size"), "7");
    assert_string_equal(order(L, "args.statbuf"), "st_mode,st_size");
    assert_string_equal(field(L, "args.flag"), "AT_SYMLINK_NOFOLLOW");
    assert_string_equal(field(L, "ret"), "0");
    lua_settop(L, 0);

    uint64_t lim[2] = { 8192 * 1024, 100 };
    uint64_t buf = put(lim, sizeof lim);
    char addr[32];
    snprintf(addr, sizeof addr, "%#llx", (unsigned long long)buf);
    decode_in_lua(L, EV("prlimit64", 0, RLIMIT_STACK, buf, buf, 0, 0), -1);
    assert_string_equal(field(L, "args.new_rlim.rlim_cur"), "8388608");
    assert_string_equal(field(L, "args.new_rlim.rlim_max"), "100");
    assert_string_equal(field(L, "args.old_rlim"), addr); /* failed: not written */
    assert_string_equal(field(L, "ret"), "-1");
    assert_string_equal(field(L, "error"), "EPERM");
    lua_settop(L, 0);

    uint64_t args[3] = { put_str("ls"), put_str("-l"), 0 };
    decode_in_lua(L, EV("execve", put_str("/bin/ls"), put(args, sizeof args), 0, 0, 0, 0), 0);
    assert_string_equal(field(L, "args.argv.1"), "ls");
    assert_string_equal(field(L, "args.argv.2"), "-l");
    lua_settop(L, 0);

    decode_in_lua(L, EV("mmap", 0, 4096, PROT_READ, MAP_PRIVATE, 3, 0), 0x7f0000000000);
    assert_string_equal(field(L, "ret"), "0x7f0000000000");
    assert_string_equal(field(L, "args.fd"), "3");
    lua_close(L);
}

int main(void)
{
    mem = mmap(NULL, MEM_SIZE + 4096, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (mem == MAP_FAILED)
        return 1;
    mprotect(mem + MEM_SIZE, 4096, PROT_NONE);
    unmapped = (uint64_t)(uintptr_t)(mem + MEM_SIZE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_quote_escapes, setup),
        cmocka_unit_test_setup(test_quote_octal_takes_three_digits_before_a_digit, setup),
        cmocka_unit_test_setup(test_quote_hex_and_cut, setup),
        cmocka_unit_test_setup(test_path_is_shown_whole, setup),
        cmocka_unit_test_setup(test_unreadable_pointer_is_shown_as_address, setup),
        cmocka_unit_test_setup(test_buffer_is_cut_at_the_string_limit, setup),
        cmocka_unit_test_setup(test_read_shows_what_was_read_at_the_exit, setup),
        cmocka_unit_test_setup(test_openat_shows_the_mode_only_when_it_creates, setup),
        cmocka_unit_test_setup(test_stat_abbreviated_and_verbose, setup),
        cmocka_unit_test_setup(test_stat64_of_i386, setup),
        cmocka_unit_test_setup(test_getdents64_counts_entries, setup),
        cmocka_unit_test_setup(test_mmap_flags_offset_and_result, setup),
        cmocka_unit_test_setup(test_execve_argv_and_environment_count, setup),
        cmocka_unit_test_setup(test_wait4_status, setup),
        cmocka_unit_test_setup(test_clone_names_its_arguments, setup),
        cmocka_unit_test_setup(test_prlimit64_limits, setup),
        cmocka_unit_test_setup(test_sigaction_and_sigsets, setup),
        cmocka_unit_test_setup(test_int_arrays, setup),
        cmocka_unit_test_setup(test_fcntl_results, setup),
        cmocka_unit_test_setup(test_poll_shows_returned_events_after_the_result, setup),
        cmocka_unit_test_setup(test_sockaddrs, setup),
        cmocka_unit_test_setup(test_recvfrom_keeps_the_length_from_the_entry, setup),
        cmocka_unit_test_setup(test_fd_paths, setup),
        cmocka_unit_test_setup(test_results, setup),
        cmocka_unit_test_setup(test_socketcall_of_i386, setup),
        cmocka_unit_test_setup(test_lua_tables, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
