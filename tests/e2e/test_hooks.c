/* The hook API seen from scripts: syscall event fields and readers,
 * process hooks, print, and wt.trace declarations.  Expected values come
 * from the openers fixture's own record ("PID TID PPID FD" in each file it
 * writes), not from wtlua. */
#include "e2e.h"

/* Syscall numbers of the tracee's ABI. */
#define X86_64_OPENAT 257
#define X86_64_CREAT 85
#define I386_OPENAT 295
#define I386_CREAT 8

struct stamp {
    int pid, tid, ppid, fd;
};

/* The identity line openers wrote into DIR/name. */
static struct stamp read_stamp(const struct e2e *t, const char *name)
{
    struct stamp s;
    char *text = e2e_read(e2e_path(t, name));
    if (!text)
        fail_msg("%s was not written", name);
    if (sscanf(text, "%d %d %d %d", &s.pid, &s.tid, &s.ppid, &s.fd) != 4)
        fail_msg("%s: bad stamp '%s'", name, text);
    free(text);
    return s;
}

/* wtlua -o report SCRIPT openers MODE DIR, which must exit 0 quietly. */
static void run_script(struct e2e *t, const char *text, const char *fixture, const char *mode)
{
    e2e_wtlua(t, e2e_script(t, "hooks.lua", text), e2e_fixture(fixture), mode, t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
}

/* Every field of an openat through a dirfd, at entry and at return. */
static const char *const openat_fields =
    "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
    "local loaded, entered = wt.now()\n"
    "function on_enter(sc)\n"
    "  entered = wt.now()\n"
    "  print('enter', sc.name, sc.nr, sc.arch, sc.pid, sc.tid, sc.args[1],\n"
    "        sc.args[3] == O_WRONLY | O_CREAT | O_TRUNC, sc.args[4],\n"
    "        sc.ebx == sc.args[1], sc.ecx == sc.args[2], sc.edx == sc.args[3],\n"
    "        sc:string(2), sc:path(2), sc.ret, sc.errno, sc.exiting,\n"
    "        loaded <= sc.time and sc.time <= entered, sc.duration, sc.nosuch, sc[1])\n"
    "end\n"
    "function on_return(sc)\n"
    "  print('return', sc.name, sc.ret, sc.errno, sc.exiting, sc:path(2),\n"
    "        sc.duration >= 0 and entered <= sc.time + sc.duration\n"
    "          and sc.time + sc.duration <= wt.now(), tostring(sc))\n"
    "end\n";

static void check_openat_fields(struct e2e *t, const char *fixture, const char *arch, int nr)
{
    run_script(t, openat_fields, fixture, "dirfd");
    struct stamp s = read_stamp(t, "sub/via-dirfd");
    /* The fixture's dirfd is the descriptor opened just before. */
    const char *path = e2e_path(t, "sub/via-dirfd");
    e2e_assert_report(t, e2e_str("enter\topenat\t%d\t%s\t%d\t%d\t%d\ttrue\t420\ttrue\ttrue\ttrue\t"
                                 "via-dirfd\t%s\tnil\tnil\tfalse\ttrue\tnil\tnil\tnil\n"
                                 "return\topenat\t%d\tnil\ttrue\t%s\ttrue\topenat(%d) tid %d\n",
                                 nr, arch, s.pid, s.pid, s.fd - 1, path, s.fd, path, nr, s.tid));
}

static void test_syscall_fields(void **state)
{
    check_openat_fields(*state, "openers", "x86_64", X86_64_OPENAT);
}

static void test_syscall_fields_32bit(void **state)
{
    check_openat_fields(*state, "openers-32", "i386", I386_OPENAT);
}

/* Failed calls: ret is -errno, errno the positive number. */
static const char *const failures =
    "wt.trace { 'creat', openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
    "function on_return(sc)\n"
    "  local path = sc:path(sc.name == 'creat' and 1 or 2)\n"
    "  print(sc.name, sc.nr, sc.ret, sc.errno, wt.errname(sc.errno), path)\n"
    "end\n";

static void check_failures(struct e2e *t, const char *fixture, int openat_nr, int creat_nr)
{
    run_script(t, failures, fixture, "failed");
    e2e_assert_report(t, e2e_str("openat\t%d\t-2\t2\tENOENT\t%s\n"
                                 "openat\t%d\t-17\t17\tEEXIST\t%s\n"
                                 "creat\t%d\t-2\t2\tENOENT\t%s\n",
                                 openat_nr, e2e_path(t, "missing/file"), openat_nr,
                                 e2e_path(t, "exists"), creat_nr, e2e_path(t, "missing/created")));
}

static void test_return_errno(void **state)
{
    check_failures(*state, "openers", X86_64_OPENAT, X86_64_CREAT);
}

static void test_return_errno_32bit(void **state)
{
    check_failures(*state, "openers-32", I386_OPENAT, I386_CREAT);
}

/* sc:bytes and sc:string read the buffer of write(2), whole or capped. */
static void test_bytes_and_string(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { write = { fd = wt.ge(3) } }\n"
               "function on_enter(sc)\n"
               "  local s, cut = sc:string(2, 4)\n"
               "  local all = wt.escape(sc:bytes(2, sc.args[3]))\n"
               "  print(all, sc:bytes(2, 3), s, cut, #sc:bytes(2, 0))\n"
               "end\n",
               "openers", "fork");
    const char *names[] = { "fork-parent", "fork-child", "fork-after" };
    char expected[1024] = "";
    for (int i = 0; i < 3; i++) {
        struct stamp s = read_stamp(t, names[i]);
        char line[32];
        snprintf(line, sizeof line, "%d %d %d %d", s.pid, s.tid, s.ppid, s.fd);
        strcat(expected, e2e_str("%s\\n\t%.3s\t%.4s\ttruncated\t0\n", line, line, line));
    }
    e2e_assert_report(t, expected);
}

/* sc:path resolves against the thread's working directory after chdir. */
static void test_path_after_chdir(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
               "function on_enter(sc) print(sc:string(2), sc:path(2)) end\n",
               "openers", "chdir");
    e2e_assert_report(t, e2e_str("rel\t%s\n../up-rel\t%s\n", e2e_path(t, "cwd/rel"),
                                 e2e_path(t, "up-rel")));
}

/* A thread's syscalls carry the process id and the thread's own id. */
static void test_thread_ids(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
               "function on_enter(sc) print(sc.pid, sc.tid, sc:path(2)) end\n",
               "openers", "thread");
    struct stamp th = read_stamp(t, "thread"), main_thread = read_stamp(t, "thread-after");
    assert_int_equal(th.pid, main_thread.pid);
    assert_int_not_equal(th.tid, th.pid);
    e2e_assert_report(t, e2e_str("%d\t%d\t%s\n%d\t%d\t%s\n", th.pid, th.tid,
                                 e2e_path(t, "thread"), main_thread.pid, main_thread.tid,
                                 e2e_path(t, "thread-after")));
}

/* Prints every process event, one line each. */
static const char *const process_hooks =
    "local s = tostring\n"
    "function on_spawn(p)\n"
    "  if p.thread then print('spawn', p.pid, p.tid, 'thread')\n"
    "  else print('spawn', p.pid, p.tid, p.ppid, s(p.thread)) end\n"
    "end\n"
    "function on_exec(p)\n"
    "  print('exec', p.pid, p.tid, p.old_tid, p.exe, table.concat(p.argv, ' '))\n"
    "end\n"
    "function on_exit(p) print('exit', p.pid, p.tid, s(p.code), s(p.signal)) end\n"
    "function on_end() print('end') end\n";

/* The first two lines of every trace: the command is spawned (its parent
 * is wtlua), then it execs the fixture. */
static const char *start_lines(const struct e2e *t, int root, const char *fixture,
                               const char *mode)
{
    const char *exe = e2e_fixture(fixture);
    return e2e_str("spawn\t%d\t%d\t%d\tfalse\n"
                   "exec\t%d\t%d\t%d\t%s\t%s %s %s\n",
                   root, root, (int)t->pid, root, root, root, exe, exe, mode, t->dir);
}

static void test_process_hooks_grandchild(void **state)
{
    struct e2e *t = *state;
    run_script(t, process_hooks, "openers", "grandchild");
    struct stamp r = read_stamp(t, "gc-root"), c = read_stamp(t, "gc-child"),
                 g = read_stamp(t, "gc-grandchild");
    assert_int_equal(r.ppid, t->pid);
    assert_int_equal(c.ppid, r.pid);
    assert_int_equal(g.ppid, c.pid);
    e2e_assert_report(t, e2e_str("%s"
                                 "spawn\t%d\t%d\t%d\tfalse\n"
                                 "spawn\t%d\t%d\t%d\tfalse\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "end\n",
                                 start_lines(t, r.pid, "openers", "grandchild"),
                                 c.pid, c.pid, r.pid, g.pid, g.pid, c.pid,
                                 g.pid, g.pid, c.pid, c.pid, r.pid, r.pid));
}

static void test_process_hooks_thread(void **state)
{
    struct e2e *t = *state;
    run_script(t, process_hooks, "openers", "thread");
    struct stamp r = read_stamp(t, "thread-after"), th = read_stamp(t, "thread");
    e2e_assert_report(t, e2e_str("%s"
                                 "spawn\t%d\t%d\tthread\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "end\n",
                                 start_lines(t, r.pid, "openers", "thread"),
                                 r.pid, th.tid, r.pid, th.tid, r.pid, r.pid));
}

/* A non-leader thread execs: the exec is reported under the process id
 * with old_tid naming the thread; that thread id then is gone without an
 * exit of its own, and the process exits once. */
static void test_process_hooks_exec_from_thread(void **state)
{
    struct e2e *t = *state;
    run_script(t, process_hooks, "openers", "thread-exec");
    struct stamp r = read_stamp(t, "before-thread-exec"), th = read_stamp(t, "exec-thread"),
                 after = read_stamp(t, "exec-target");
    assert_int_equal(th.pid, r.pid);
    assert_int_not_equal(th.tid, r.pid);
    assert_int_equal(after.pid, r.pid);
    assert_int_equal(after.tid, r.pid);
    const char *exe = e2e_fixture("openers");
    e2e_assert_report(t, e2e_str("%s"
                                 "spawn\t%d\t%d\tthread\n"
                                 "exec\t%d\t%d\t%d\t%s\topeners exec-target %s\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "end\n",
                                 start_lines(t, r.pid, "openers", "thread-exec"),
                                 r.pid, th.tid, r.pid, r.pid, th.tid, exe, t->dir,
                                 r.pid, r.pid));
}

static void test_process_hooks_vfork_exec(void **state)
{
    struct e2e *t = *state;
    run_script(t, process_hooks, "openers", "vfork-sh");
    struct stamp r = read_stamp(t, "vfork-after");
    /* The shell's pid is not recorded: take it from the report's own
     * spawn line and check it everywhere else. */
    char *report = e2e_read(t->report);
    assert_non_null(report);
    int child = 0;
    const char *third = strchr(strchr(report, '\n') + 1, '\n') + 1;
    assert_int_equal(sscanf(third, "spawn\t%d\t", &child), 1);
    free(report);
    char shell[PATH_MAX];
    assert_non_null(realpath("/bin/sh", shell));
    e2e_assert_report(t, e2e_str("%s"
                                 "spawn\t%d\t%d\t%d\tfalse\n"
                                 "exec\t%d\t%d\t%d\t%s\tsh -c echo hi > \"$1\" sh %s\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "exit\t%d\t%d\t0\tnil\n"
                                 "end\n",
                                 start_lines(t, r.pid, "openers", "vfork-sh"),
                                 child, child, r.pid, child, child, child, shell,
                                 e2e_path(t, "vfork-sh"), child, child, r.pid, r.pid));
    assert_int_not_equal(child, r.pid);
}

static void test_process_hooks_exit_code(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_script(t, "hooks.lua", process_hooks), e2e_fixture("openers"), "exit",
              t->dir, "42");
    e2e_assert_status(t, 42);
    struct stamp r = read_stamp(t, "before-exit");
    const char *exe = e2e_fixture("openers");
    e2e_assert_report(t, e2e_str("spawn\t%d\t%d\t%d\tfalse\n"
                                 "exec\t%d\t%d\t%d\t%s\t%s exit %s 42\n"
                                 "exit\t%d\t%d\t42\tnil\n"
                                 "end\n",
                                 r.pid, r.pid, (int)t->pid, r.pid, r.pid, r.pid, exe, exe,
                                 t->dir, r.pid, r.pid));
}

static void test_process_hooks_signal(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, e2e_script(t, "hooks.lua", process_hooks), e2e_fixture("openers"), "signal",
              t->dir, "15");
    e2e_assert_status(t, 128 + SIGTERM);
    struct stamp r = read_stamp(t, "before-signal");
    const char *exe = e2e_fixture("openers");
    e2e_assert_report(t, e2e_str("spawn\t%d\t%d\t%d\tfalse\n"
                                 "exec\t%d\t%d\t%d\t%s\t%s signal %s 15\n"
                                 "exit\t%d\t%d\tnil\t15\n"
                                 "end\n",
                                 r.pid, r.pid, (int)t->pid, r.pid, r.pid, r.pid, exe, exe,
                                 t->dir, r.pid, r.pid));
}

/* After a non-leader thread's execve the caller has the leader's id:
 * the execve's return is reported for pid R, thread R (the thread's old
 * id no longer exists). */
static void test_exec_from_thread_return_ids(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { 'execve' }\n"
               "function on_enter(sc) print('enter', sc.pid, sc.tid) end\n"
               "function on_exec(p) print('exec', p.pid, p.tid, p.old_tid) end\n"
               "function on_return(sc) print('return', sc.pid, sc.tid, sc.ret) end\n",
               "openers", "thread-exec");
    int r = read_stamp(t, "before-thread-exec").pid, th = read_stamp(t, "exec-thread").tid;
    assert_int_not_equal(r, th);
    e2e_assert_report(t, e2e_str("enter\t%d\t%d\nexec\t%d\t%d\t%d\nreturn\t%d\t%d\t0\n"
                                 "enter\t%d\t%d\nexec\t%d\t%d\t%d\nreturn\t%d\t%d\t0\n",
                                 r, r, r, r, r, r, r, r, th, r, r, th, r, r));
}

/* What on_enter returns reaches on_return for the same call, per thread:
 * also across a non-leader thread's execve, whose return comes under the
 * process id. */
static void test_enter_value_reaches_return(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { 'execve', openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
               "function on_enter(sc)\n"
               "  if sc.name == 'execve' then return 'exec by ' .. sc.tid end\n"
               "  return sc:path(2)\n"
               "end\n"
               "function on_return(sc, entry)\n"
               "  print(sc.name, sc.tid, entry)\n"
               "end\n",
               "openers", "thread-exec");
    int r = read_stamp(t, "before-thread-exec").pid, th = read_stamp(t, "exec-thread").tid;
    e2e_assert_report(t, e2e_str("execve\t%d\texec by %d\n"
                                 "openat\t%d\t%s\n"
                                 "openat\t%d\t%s\n"
                                 "execve\t%d\texec by %d\n"
                                 "openat\t%d\t%s\n",
                                 r, r, r, e2e_path(t, "before-thread-exec"), th,
                                 e2e_path(t, "exec-thread"), r, th, r,
                                 e2e_path(t, "exec-target")));
}

/* on_exec gets the execve's on_enter value (which on_return gets too),
 * also when a non-leader thread exec'd and its id is gone. */
static void test_enter_value_reaches_exec(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { 'execve' }\n"
               "function on_enter(sc) return 'exec by ' .. sc.tid end\n"
               "function on_exec(p, entry) print('exec', p.pid, entry) end\n"
               "function on_return(sc, entry) print('return', sc.pid, entry) end\n",
               "openers", "thread-exec");
    int r = read_stamp(t, "before-thread-exec").pid, th = read_stamp(t, "exec-thread").tid;
    e2e_assert_report(t, e2e_str("exec\t%d\texec by %d\nreturn\t%d\texec by %d\n"
                                 "exec\t%d\texec by %d\nreturn\t%d\texec by %d\n",
                                 r, r, r, r, r, th, r, th));
}

/* A call a thread never returns from hands on_enter's value to on_exit:
 * the thread's exit and the process's exit_group.  A thread that ended
 * between calls gets nil. */
static void test_enter_value_reaches_exit(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { 'exit', 'exit_group' }\n"
               "function on_enter(sc) return sc.name .. ' by ' .. sc.tid end\n"
               "function on_exit(p, entry) print(p.tid, entry) end\n",
               "openers", "thread");
    struct stamp r = read_stamp(t, "thread-after"), th = read_stamp(t, "thread");
    e2e_assert_report(t, e2e_str("%d\texit by %d\n%d\texit_group by %d\n", th.tid, th.tid,
                                 r.pid, r.pid));
}

/* sc.comm, sc.exe and wt.comm name the program a task runs now: the
 * vforked child, named "openers" at its spawn, is "sh" once it has
 * exec'd the shell. */
static void test_comm_follows_exec(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
               "local spawns = 0\n"
               "function on_spawn(p)\n"
               "  spawns = spawns + 1\n" /* the first is wtlua's own child (under valgrind: memcheck) */
               "  if spawns > 1 then print('spawn', wt.comm(p.pid)) end\n"
               "end\n"
               "function on_enter(sc) print('open', sc.comm, sc.exe, wt.comm(sc.tid)) end\n",
               "openers", "vfork-sh");
    char shell[PATH_MAX], fixture[PATH_MAX];
    assert_non_null(realpath("/bin/sh", shell));
    assert_non_null(realpath(e2e_fixture("openers"), fixture));
    /* comm is the name exec'd (/bin/sh), exe the file it names */
    e2e_assert_report(t, e2e_str("spawn\topeners\n"
                                 "open\tsh\t%s\tsh\n"
                                 "open\topeners\t%s\topeners\n",
                                 shell, fixture));
}

/* p.argv is the whole argument list, however long (here about 110 KB). */
static void test_exec_long_argv(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "function on_exec(p)\n"
              "  if p.argv[1] == '/bin/true' then print(#p.argv, p.argv[2], p.argv[#p.argv]) end\n"
              "end\n",
              "/bin/sh", "-c", "set -- $(seq 1 20000); exec /bin/true \"$@\"");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, "20001\t1\t20000\n");
}

/* Arguments by name are looked up per ABI: clone's tls is its 5th
 * argument on x86_64 and its 4th on i386.  fork()'s clone passes tls 0
 * (and a child_tidptr), a thread's a TLS block: only fork's matches. */
static void check_named_argument_per_abi(struct e2e *t, const char *fixture)
{
    const char *script = "wt.trace { clone = { tls = 0 } }\n"
                         "function on_enter(sc) print(sc.name, sc:arg('tls'), sc.arch) end\n";
    const char *arch = strcmp(fixture, "openers") == 0 ? "x86_64" : "i386";
    run_script(t, script, fixture, "fork");
    e2e_assert_report(t, e2e_str("clone\t0\t%s\n", arch));
    run_script(t, script, fixture, "thread");
    e2e_assert_report(t, "");
}

static void test_named_argument_per_abi(void **state)
{
    check_named_argument_per_abi(*state, "openers");
}

static void test_named_argument_per_abi_32bit(void **state)
{
    check_named_argument_per_abi(*state, "openers-32");
}

/* A name one ABI's call does not have (i386's pread64 splits pos in two):
 * the rule applies where it can, and wtlua says where it cannot. */
static void test_named_argument_missing_on_one_abi(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "pos.lua"),
              "wt.trace { pread64 = { pos = 0 } }\n"
              "function on_enter(sc) print(sc.name) end\n", 0644);
    e2e_wtlua(t, "pos.lua", "/bin/true"); /* run in DIR: short_src is "pos.lua" */
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "wtlua: pos.lua:1: wt.trace: pread64: i386 has no argument "
                                "named 'pos'; the rule does not apply to i386 tracees\n");
}

/* sc:arg gives an argument by index or name as the kernel reads it: an
 * int's low 32 bits, signed (AT_FDCWD is -100, however it was passed);
 * the readers take names too; sc:path() reads the call's path. */
static void check_arguments_by_name(struct e2e *t, const char *fixture)
{
    run_script(t,
               "wt.trace { openat = { flags = wt.any(O_WRONLY) } }\n"
               "function on_enter(sc)\n"
               "  print(sc:arg('dfd'), sc:arg(1) == sc:arg('dfd'),\n"
               "        sc:arg('flags') == O_WRONLY | O_CREAT | O_TRUNC, sc:arg('mode'),\n"
               "        sc:path() == sc:path('filename'), sc:string('filename'),\n"
               "        pcall(function() return sc:arg('nosuch') end))\n"
               "end\n",
               fixture, "parent");
    e2e_assert_report(t, e2e_str("-100\ttrue\ttrue\t420\ttrue\t%s\tfalse\t"
                                 "%s:6: bad argument #1 to 'arg' (openat has no argument named "
                                 "'nosuch')\n", e2e_path(t, "parent"), e2e_path(t, "hooks.lua")));
}

static void test_arguments_by_name(void **state)
{
    check_arguments_by_name(*state, "openers");
}

static void test_arguments_by_name_32bit(void **state)
{
    check_arguments_by_name(*state, "openers-32");
}

/* A 64-bit value that i386 splits in two arguments comes back whole (and
 * a condition names an argument: ld.so's own pread64 calls read more). */
static void test_argument_split_on_i386(void **state)
{
    struct e2e *t = *state;
    const char *script = "wt.trace { pread64 = { count = 1 } }\n"
                         "function on_enter(sc)\n"
                         "  print(sc.arch, sc:arg(sc.arch == 'i386' and 'poslo' or 'pos'))\n"
                         "end\n";
    run_script(t, script, "openers", "pread-far");
    e2e_assert_report(t, "x86_64\t4294967301\n");
    run_script(t, script, "openers-32", "pread-far");
    e2e_assert_report(t, "i386\t4294967301\n");
}

/* "%network" declares the class, as strace's -e trace=%network. */
static void test_trace_class(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { '%network' }\n"
               "local seen = {}\n"
               "function on_enter(sc) seen[sc.name] = true end\n"
               "function on_end() print(seen.connect, seen.openat) end\n",
               "openers", "connect");
    e2e_assert_report(t, "true\tnil\n");
}

/* wt.every calls its function every interval while the command runs:
 * about 10 times at 100 ms during a 1 s sleep (loosely: a loaded machine
 * stretches intervals), 2 at 400 ms, alongside syscall hooks. */
static void test_every(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "wt.trace { 'nanosleep', 'clock_nanosleep' }\n"
              "local fast, slow, calls = 0, 0, 0\n"
              "wt.every('100ms', function() fast = fast + 1 end)\n"
              "wt.every(0.4, function() slow = slow + 1 end)\n"
              "function on_enter(sc) calls = calls + 1 end\n"
              "function on_end() print(fast, slow, calls) end\n",
              "/bin/sleep", "1");
    e2e_assert_status(t, 0);
    int fast = 0, slow = 0, calls = 0;
    char *report = e2e_read(t->report);
    assert_int_equal(sscanf(report, "%d\t%d\t%d", &fast, &slow, &calls), 3);
    free(report);
    if (fast < 6 || fast > 12 || slow < 1 || slow > 3 || calls != 1)
        fail_msg("%d ticks at 100 ms (6..12 expected), %d at 400 ms (1..3), %d sleeps (1)",
                 fast, slow, calls);
}

static void test_every_misused(void **state)
{
    struct e2e *t = *state;
    const char *cases[][2] = {
        { "wt.every('0.5ms', print)", "wt.every: interval must be a duration of 1ms or more" },
        { "wt.every('1s')", "wt.every: expected a function to call" },
        { "function on_exec() wt.every(1, print) end",
          "wt.every: declarations are read once, after the main chunk" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        e2e_wtlua(t, "-e", cases[i][0], "/bin/true");
        e2e_assert_status(t, 125);
        if (!strstr(t->err, cases[i][1]))
            fail_msg("expected '%s' in:\n%s", cases[i][1], t->err);
    }
}

/* on_signal sees a signal before its delivery (name, number, sender);
 * returning false suppresses it: the shell lives on. */
static void test_on_signal(void **state)
{
    struct e2e *t = *state;
    const char *command = "kill -USR1 $$; echo alive";
    e2e_wtlua(t, "-e",
              "function on_signal(s)\n"
              "  print(s.name, s.signal, s.sender == s.pid, s.tid == s.pid)\n"
              "  return false\n"
              "end\n",
              "/bin/sh", "-c", command);
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "alive\n");
    e2e_assert_report(t, "SIGUSR1\t10\ttrue\ttrue\n");
    e2e_wtlua(t, "-e", "function on_signal(s) print(s.name) end", "/bin/sh", "-c", command);
    e2e_assert_status(t, 128 + SIGUSR1);
    assert_string_equal(t->out, "");
    e2e_assert_report(t, "SIGUSR1\n");
}

/* A condition on dirfd with AT_FDCWD: C programs pass it as an int, so
 * the upper half of a 64-bit register is not part of the value. */
static void check_dirfd_condition(struct e2e *t, const char *fixture)
{
    const char *eq = "local w = wt.any(O_WRONLY | O_RDWR)\n"
                     "wt.trace { openat = { dfd = AT_FDCWD, flags = w } }\n"
                     "function on_enter(sc) print(sc:path(2)) end\n";
    const char *ne = "local w = wt.any(O_WRONLY | O_RDWR)\n"
                     "wt.trace { openat = { dfd = wt.ne(AT_FDCWD), flags = w } }\n"
                     "function on_enter(sc) print(sc:path(2)) end\n";
    run_script(t, eq, fixture, "parent");
    e2e_assert_report(t, e2e_paths(t, "parent"));
    run_script(t, eq, fixture, "dirfd");
    e2e_assert_report(t, "");
    run_script(t, ne, fixture, "parent");
    e2e_assert_report(t, "");
    run_script(t, ne, fixture, "dirfd");
    e2e_assert_report(t, e2e_paths(t, "sub/via-dirfd"));
}

static void test_trace_condition_dirfd_at_fdcwd(void **state)
{
    check_dirfd_condition(*state, "openers");
}

static void test_trace_condition_dirfd_at_fdcwd_32bit(void **state)
{
    check_dirfd_condition(*state, "openers-32");
}

/* print and wt.printf write to the -o file and nowhere else. */
static void test_print_goes_to_report(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "print('hello', 42, true, nil, 1.5)\n"
              "function on_end() wt.printf('%d-%s', 7, 'x') print() end\n",
              e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_string_equal(t->out, "");
    e2e_assert_report(t, "hello\t42\ttrue\tnil\t1.5\n7-x\n\n");
    assert_true(e2e_exists(e2e_path(t, "parent")));
}

/* "The syscall has not run yet": while on_enter runs, the file an
 * O_CREAT open is about to create does not exist, even when the hook
 * takes its time (200 ms here) and nothing else shares the process, so
 * that a script can ask at entry whether a file existed before (as
 * scripts/files.lua does to tell "create" from "modify"). */
static void test_entry_hook_runs_before_the_call(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "local w = { flags = wt.any(O_WRONLY | O_RDWR) }\n"
               "wt.trace { openat = w, open = w }\n"
               "local function exists(path)\n"
               "  local f = io.open(path) if f then f:close() end return f ~= nil\n"
               "end\n"
               "function on_enter(sc)\n"
               "  local path = sc:path(sc.name == 'openat' and 2 or 1)\n"
               "  local limit = wt.now() + 200 * 1000000\n"
               "  while not exists(path) and wt.now() < limit do end\n"
               "  print(path:match('[^/]*$'), exists(path))\n"
               "end\n"
               "function on_return(sc) print('returned', sc.ret >= 0) end\n",
               "openers", "fork");
    e2e_assert_report(t, "fork-parent\tfalse\nreturned\ttrue\n"
                         "fork-child\tfalse\nreturned\ttrue\n"
                         "fork-after\tfalse\nreturned\ttrue\n");
}

/* wt.escape of every byte value, in one string and one by one: the
 * C escapes for backslash, newline, tab and CR, \xNN for the other
 * control bytes and DEL, every other byte as it is. */
static void test_escape_every_byte(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "local all = {}\n"
              "for b = 0, 255 do all[#all + 1] = string.char(b) end\n"
              "local s = table.concat(all)\n"
              "print(wt.escape(s))\n"
              "local each = {}\n"
              "for b = 0, 255 do each[#each + 1] = wt.escape(string.char(b)) end\n"
              "print(table.concat(each) == wt.escape(s), wt.escape(''), wt.escape(12))\n",
              e2e_fixture("openers"), "parent", t->dir);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    char expected[2048], *p = expected;
    for (int b = 0; b < 256; b++) {
        if (b == '\\')
            p += sprintf(p, "\\\\");
        else if (b == '\n')
            p += sprintf(p, "\\n");
        else if (b == '\t')
            p += sprintf(p, "\\t");
        else if (b == '\r')
            p += sprintf(p, "\\r");
        else if (b < 0x20 || b == 0x7f)
            p += sprintf(p, "\\x%02x", b);
        else
            *p++ = (char)b;
    }
    strcpy(p, "\ntrue\t\t12\n");
    e2e_assert_report(t, expected);
}

/* Error and signal names: nil for numbers that have none, 0 and values
 * beyond an int included. */
static void test_error_and_signal_names(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "local big = (1 << 32) + 2\n"
              "print(wt.errname(2), wt.errname(0), wt.errname(-2), wt.errname(big),\n"
              "      wt.errname(-(1 << 32) + 2))\n"
              "print(wt.signame(9), wt.signame(0), wt.signame(big + 7), wt.signame(-big + 11))\n"
              "print(wt.strerror(13), wt.strerror(big))\n",
              "true");
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    e2e_assert_report(t, "ENOENT\tnil\tnil\tnil\tnil\n"
                         "SIGKILL\tnil\tnil\tnil\n"
                         "Permission denied\tUnknown error 4294967298\n");
}

/* Only the declared syscall reaches the hooks. */
static void test_trace_only_unlink(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { 'unlink' }\n"
               "function on_enter(sc) print('enter', sc.name, sc:path(1)) end\n"
               "function on_return(sc) print('return', sc.name, sc.ret) end\n",
               "openers", "unlink");
    e2e_assert_report(t, e2e_str("enter\tunlink\t%s\nreturn\tunlink\t0\n",
                                 e2e_path(t, "victim")));
    assert_false(e2e_exists(e2e_path(t, "victim")));
}

/* "connect" names the direct syscall on both ABIs (i386's is 362, which
 * libseccomp calls by its socketcall(2) form).  The socketcall form stops
 * too but reaches the hooks only when the script declares socketcall. */
static const char *const connect_script =
    "wt.trace { %s }\n"
    "function on_enter(sc) print(sc.arch, sc.name, sc.args[1]) end\n"
    "function on_return(sc) print(sc.name, sc.errno and wt.errname(sc.errno) or sc.ret) end\n";

static void test_trace_connect_by_name(void **state)
{
    struct e2e *t = *state;
    run_script(t, e2e_str(connect_script, "'connect'"), "openers", "connect");
    e2e_assert_report(t, "x86_64\tconnect\t3\nconnect\tENOENT\n");
}

static void test_trace_connect_by_name_32bit(void **state)
{
    struct e2e *t = *state;
    run_script(t, e2e_str(connect_script, "'connect'"), "openers-32", "connect");
    e2e_assert_report(t, "i386\tconnect\t3\nconnect\tENOENT\n");
    run_script(t, e2e_str(connect_script, "'connect', 'socketcall'"), "openers-32", "connect");
    e2e_assert_report(t, "i386\tconnect\t3\nconnect\tENOENT\n"
                         "i386\tsocketcall\t3\nsocketcall\tENOENT\n");
}

/* A condition on flags: read-only opens (the dynamic loader's, the
 * fixture's) never reach on_enter. */
static const char *const write_opens =
    "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
    "function on_enter(sc)\n"
    "  print(sc.name, sc:path(2), sc.args[3] & O_ACCMODE, sc.args[3] & O_PATH ~= 0)\n"
    "end\n";

static void test_trace_condition_read_only_never_seen(void **state)
{
    struct e2e *t = *state;
    run_script(t, write_opens, "openers", "dirfd");
    e2e_assert_report(t, e2e_str("openat\t%s\t1\tfalse\n", e2e_path(t, "sub/via-dirfd")));
    run_script(t, write_opens, "openers", "readonly");
    e2e_assert_report(t, "");
}

/* wt.any matches the access bits even with O_PATH set; wt.none excludes. */
static void test_trace_condition_opath(void **state)
{
    struct e2e *t = *state;
    run_script(t, write_opens, "openers", "opath");
    const char *existing = e2e_path(t, "existing");
    e2e_assert_report(t, e2e_str("openat\t%s\t1\ttrue\nopenat\t%s\t2\ttrue\n", existing,
                                 existing));
    run_script(t,
               "wt.trace { openat = { flags = { wt.any(O_WRONLY | O_RDWR), wt.none(O_PATH) } } }\n"
               "function on_enter(sc) print(sc.name, sc:path(2)) end\n",
               "openers", "opath");
    e2e_assert_report(t, "");
}

/* exit = false: on_return is not called for that syscall. */
static void test_trace_without_exit(void **state)
{
    struct e2e *t = *state;
    run_script(t,
               "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR), exit = false } }\n"
               "function on_enter(sc) print('enter', sc:path(2)) end\n"
               "function on_return(sc) print('return', sc:path(2)) end\n",
               "openers", "parent");
    e2e_assert_report(t, e2e_str("enter\t%s\n", e2e_path(t, "parent")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_syscall_fields),
        e2e_test(test_syscall_fields_32bit),
        e2e_test(test_return_errno),
        e2e_test(test_return_errno_32bit),
        e2e_test(test_bytes_and_string),
        e2e_test(test_escape_every_byte),
        e2e_test(test_error_and_signal_names),
        e2e_test(test_entry_hook_runs_before_the_call),
        e2e_test(test_path_after_chdir),
        e2e_test(test_thread_ids),
        e2e_test(test_process_hooks_grandchild),
        e2e_test(test_process_hooks_thread),
        e2e_test(test_process_hooks_exec_from_thread),
        e2e_test(test_process_hooks_vfork_exec),
        e2e_test(test_process_hooks_exit_code),
        e2e_test(test_process_hooks_signal),
        e2e_test(test_exec_from_thread_return_ids),
        e2e_test(test_exec_long_argv),
        e2e_test(test_enter_value_reaches_return),
        e2e_test(test_enter_value_reaches_exit),
        e2e_test(test_enter_value_reaches_exec),
        e2e_test(test_comm_follows_exec),
        e2e_test(test_print_goes_to_report),
        e2e_test(test_trace_only_unlink),
        e2e_test(test_trace_condition_read_only_never_seen),
        e2e_test(test_trace_condition_opath),
        e2e_test(test_trace_condition_dirfd_at_fdcwd),
        e2e_test(test_trace_condition_dirfd_at_fdcwd_32bit),
        e2e_test(test_trace_without_exit),
        e2e_test(test_named_argument_per_abi),
        e2e_test(test_arguments_by_name),
        e2e_test(test_arguments_by_name_32bit),
        e2e_test(test_argument_split_on_i386),
        e2e_test(test_trace_class),
        e2e_test(test_every),
        e2e_test(test_every_misused),
        e2e_test(test_on_signal),
        e2e_test(test_named_argument_per_abi_32bit),
        e2e_test(test_named_argument_missing_on_one_abi),
        e2e_test(test_trace_connect_by_name),
        e2e_test(test_trace_connect_by_name_32bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
