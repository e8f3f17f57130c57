/* io_uring: operations submitted through a ring (the uring_writer
 * fixture, liburing) reach on_uring and on_uring_complete with their
 * fields and results; the default script and `files` list what they write
 * and change; an SQPOLL ring is named once as not traceable; and strace,
 * which sees syscalls only, misses them. */
#include "e2e.h"

/* The fixture's status when io_uring is disabled or missing here. */
#define NO_IO_URING 77

static void skip_without_io_uring(const struct e2e *t)
{
    if (t->status == NO_IO_URING)
        skip();
}

/* The fixture's ops mode: DIR/a.txt (openat), b.txt (openat by dirfd,
 * then renamed to sub/b2.txt), c.txt (openat2, then unlinked), hard and
 * link (linkat, symlinkat) and the directory sub. */
static void run_ops(struct e2e *t, const char *const args[])
{
    const char *argv[E2E_MAX_ARGS];
    size_t n = 0;
    argv[n++] = e2e_env("WTLUA");
    argv[n++] = "-o";
    argv[n++] = t->report;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n++] = e2e_fixture("uring_writer");
    argv[n++] = t->dir;
    argv[n] = NULL;
    e2e_exec(t, argv);
    skip_without_io_uring(t);
    e2e_assert_status(t, 0);
}

#define RUN_OPS(t, ...) run_ops((t), (const char *const[]){ __VA_ARGS__, NULL })

static void default_lists_files_opened_through_io_uring(void **state)
{
    struct e2e *t = *state;
    run_ops(t, (const char *const[]){ NULL });
    assert_string_equal(t->err, "");
    /* not the read-only open of a.txt, not the failed missing/d.txt */
    e2e_assert_report(t, e2e_paths(t, "a.txt", "b.txt", "c.txt"));
}

/* Each completion as the fixture prints its own: name, user_data, the
 * path as given ("-" for none), result. */
static void completions_match_what_the_program_got(void **state)
{
    struct e2e *t = *state;
    RUN_OPS(t, "-e", "function on_uring_complete(op) wt.printf('%s %d %s %d', op.name, "
                     "op.user_data, op.path or '-', op.res) end");
    assert_string_equal(t->err, "");
    assert_int_equal(strlen(t->out) > 0, 1);
    e2e_assert_report_unordered(t, t->out);
}

/* The decoded fields at submission, and the result fields after. */
static void fields_are_decoded_by_opcode(void **state)
{
    struct e2e *t = *state;
    const char *script =
        "local function show(v) return v == nil and '-' or tostring(v) end\n"
        "function on_uring(op)\n"
        "  op.seen = ('%s ud=%d pid=%s ring=%s dirfd=%s path=%s flags=%s mode=%s dirfd2=%s "
        "path2=%s target=%s'):format(op.name, op.user_data, show(op.pid == op.tid), "
        "show(op.ring >= 3), op.dirfd == AT_FDCWD and 'AT_FDCWD' or show(op.dirfd and "
        "op.dirfd >= 3), show(op.path and op.path:gsub('.*/', '')), ('%o'):format(op.flags), "
        "op.mode and ('%o'):format(op.mode) or '-', show(op.dirfd2 and op.dirfd2 == op.dirfd), "
        "show(op.path2), show(op.target))\n"
        "end\n"
        "function on_uring_complete(op)\n"
        "  print(op.seen, 'res=' .. (op.res >= 0 and 'ok' or wt.errname(op.errno)), op.more)\n"
        "end\n";
    RUN_OPS(t, e2e_script(t, "fields.lua", script));
    assert_string_equal(t->err, "");
    /* flags in octal: O_CLOEXEC 02000000, O_CREAT 0100, O_TRUNC 01000,
     * O_EXCL 0200, O_WRONLY 1, O_RDWR 2; openat2's from struct open_how */
    e2e_assert_report_unordered(t,
        "openat ud=1 pid=true ring=true dirfd=AT_FDCWD path=a.txt flags=2001101 mode=644 "
        "dirfd2=- path2=- target=-\tres=ok\tfalse\n"
        "write ud=2 pid=true ring=true dirfd=- path=- flags=0 mode=- dirfd2=- path2=- "
        "target=-\tres=ok\tfalse\n"
        "close ud=3 pid=true ring=true dirfd=- path=- flags=0 mode=- dirfd2=- path2=- "
        "target=-\tres=ok\tfalse\n"
        "openat ud=4 pid=true ring=true dirfd=true path=b.txt flags=2000102 mode=600 "
        "dirfd2=- path2=- target=-\tres=ok\tfalse\n"
        "openat ud=5 pid=true ring=true dirfd=AT_FDCWD path=a.txt flags=2000000 mode=0 "
        "dirfd2=- path2=- target=-\tres=ok\tfalse\n"
        "openat2 ud=6 pid=true ring=true dirfd=true path=c.txt flags=2000301 mode=640 "
        "dirfd2=- path2=- target=-\tres=ok\tfalse\n"
        "openat ud=7 pid=true ring=true dirfd=AT_FDCWD path=d.txt flags=2000101 mode=644 "
        "dirfd2=- path2=- target=-\tres=ENOENT\tfalse\n"
        "mkdirat ud=8 pid=true ring=true dirfd=true path=sub flags=0 mode=755 dirfd2=- "
        "path2=- target=-\tres=ok\tfalse\n"
        "renameat ud=9 pid=true ring=true dirfd=true path=b.txt flags=0 mode=- dirfd2=true "
        "path2=sub/b2.txt target=-\tres=ok\tfalse\n"
        "symlinkat ud=10 pid=true ring=true dirfd=true path=link flags=0 mode=- dirfd2=- "
        "path2=- target=a.txt\tres=ok\tfalse\n"
        "linkat ud=11 pid=true ring=true dirfd=true path=a.txt flags=0 mode=- dirfd2=true "
        "path2=hard target=-\tres=ok\tfalse\n"
        "unlinkat ud=12 pid=true ring=true dirfd=true path=c.txt flags=0 mode=- dirfd2=- "
        "path2=- target=-\tres=ok\tfalse\n");
}

/* The io_uring stops are the engine's: on_enter and on_return still get
 * only the calls the script declared. */
static void syscall_hooks_see_only_declared_calls(void **state)
{
    struct e2e *t = *state;
    RUN_OPS(t, "-e", "wt.trace { 'io_uring_setup', 'exit_group' } local ops = 0 "
                     "function on_enter(sc) print(sc.name) end "
                     "function on_return(sc) print('return ' .. sc.name) end "
                     "function on_uring() ops = ops + 1 end "
                     "function on_end() print(ops .. ' operations') end");
    assert_string_equal(t->err, "");
    e2e_assert_report(t, "io_uring_setup\nreturn io_uring_setup\nexit_group\n12 operations\n");
}

/* A script that stops at every syscall (nothing declared) still gets the
 * io_uring_enter return stops, where the last operation's result is seen. */
static void completions_reach_a_script_seeing_every_call(void **state)
{
    struct e2e *t = *state;
    RUN_OPS(t, "-e", "local calls = 0 function on_enter() calls = calls + 1 end "
                     "function on_uring_complete(op) wt.printf('%s %d %s %d', op.name, "
                     "op.user_data, op.path or '-', op.res) end");
    assert_string_equal(t->err, "");
    e2e_assert_report_unordered(t, t->out);
}

static void files_lists_changes_made_through_io_uring(void **state)
{
    struct e2e *t = *state;
    RUN_OPS(t, "-s", "files", "-a", e2e_str("under=%s", t->dir), "--");
    assert_string_equal(t->err, "");
    e2e_assert_report(t, e2e_str("create  %1$s/a.txt\n"
                                 "link    %1$s/hard -> %1$s/a.txt\n"
                                 "symlink %1$s/link -> a.txt\n"
                                 "mkdir   %1$s/sub\n"
                                 "create  %1$s/sub/b2.txt\n", t->dir));
}

/* Entries a call leaves in the queue (it failed, or stopped at an entry
 * that failed) are reported once, when a later call submits them, and
 * each completes once: nothing is left pending. */
static void entries_left_in_the_queue_are_reported_once(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "local open = 0 "
                       "function on_uring(op) print('submit', op.name, op.user_data) "
                       "open = open + 1 end "
                       "function on_uring_complete(op) print('complete', op.name, op.user_data, "
                       "op.res) open = open - 1 end "
                       "function on_end() print(open .. ' pending') end",
              e2e_fixture("uring_writer"), "retry", t->dir);
    skip_without_io_uring(t);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_string_equal(t->out, "42 0\n43 -22\n44 0\n");
    e2e_assert_report(t, "submit\tnop\t42\n"
                         "complete\tnop\t42\t0\n"
                         "submit\top_255\t43\n"
                         "submit\tnop\t44\n"
                         "complete\top_255\t43\t-22\n"
                         "complete\tnop\t44\t0\n"
                         "0 pending\n");
}

/* Two SQPOLL rings in one process: one warning line, naming it; nothing
 * reported, since no syscall submits. */
static void sqpoll_ring_is_named_once(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "function on_uring(op) print(op.name) end", e2e_fixture("uring_writer"),
              "sqpoll", t->dir);
    skip_without_io_uring(t);
    e2e_assert_status(t, 0);
    int pid = 0;
    if (sscanf(t->out, "pid %d", &pid) != 1)
        fail_msg("no pid from the fixture: %s", t->out);
    assert_string_equal(t->err, e2e_str("wtlua: process %d submits io_uring operations through "
                                        "a kernel thread (IORING_SETUP_SQPOLL), without a "
                                        "syscall: they cannot be traced\n", pid));
    e2e_assert_report(t, "");
    assert_true(e2e_exists(e2e_path(t, "sqpoll2.txt")));
}

static const char *strace_path(void)
{
    static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/local/bin", NULL };
    for (size_t i = 0; dirs[i]; i++) {
        const char *p = e2e_str("%s/strace", dirs[i]);
        if (access(p, X_OK) == 0)
            return p;
    }
    return NULL;
}

/* strace -f -e trace=openat sees the program's own opens (its libraries,
 * the directory it opens with openat(2)) but none of the files it opens
 * through io_uring. */
static void strace_misses_them(void **state)
{
    struct e2e *t = *state;
    const char *strace = strace_path();
    if (!strace)
        skip();
    const char *log = e2e_path(t, "strace.log");
    const char *argv[] = { strace, "-f", "-e", "trace=openat", "-o", log,
                           e2e_fixture("uring_writer"), t->dir, NULL };
    e2e_exec(t, argv);
    skip_without_io_uring(t);
    assert_int_equal(t->status, 0);
    assert_true(e2e_exists(e2e_path(t, "a.txt")));
    char *text = e2e_read(log);
    assert_non_null(text);
    if (!strstr(text, e2e_str("openat(AT_FDCWD, \"%s\", O_RDONLY|O_CLOEXEC|O_DIRECTORY)", t->dir)))
        fail_msg("strace did not see the directory opened:\n%s", text);
    static const char *const names[] = { "a.txt", "b.txt", "c.txt", "d.txt" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strstr(text, names[i]))
            fail_msg("strace saw %s opened:\n%s", names[i], text);
    free(text);
}

/* A script that stops at syscalls but follows no ring is told, once, that
 * what goes through the ring is not in its report; one that stops at no
 * syscall (execs) does not stop at io_uring_setup either. */
static void unfollowed_ring_is_named_once(void **state)
{
    struct e2e *t = *state;
    RUN_OPS(t, "-s", "opens", "-a", "write");
    int pid = 0, end = 0;
    assert_int_equal(sscanf(t->err, "wtlua: process %d %n", &pid, &end), 1);
    assert_string_equal(t->err + end, "(uring_writer) set up an io_uring: what it submits "
                                      "through the ring is not seen by this script (no "
                                      "on_uring hook; writes and files have one)\n");
    RUN_OPS(t, "-s", "execs");
    assert_string_equal(t->err, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(default_lists_files_opened_through_io_uring),
        e2e_test(completions_match_what_the_program_got),
        e2e_test(fields_are_decoded_by_opcode),
        e2e_test(syscall_hooks_see_only_declared_calls),
        e2e_test(completions_reach_a_script_seeing_every_call),
        e2e_test(files_lists_changes_made_through_io_uring),
        e2e_test(entries_left_in_the_queue_are_reported_once),
        e2e_test(sqpoll_ring_is_named_once),
        e2e_test(unfollowed_ring_is_named_once),
        e2e_test(strace_misses_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
