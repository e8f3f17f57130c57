/* Changing what syscalls do, from Lua: sc:fail, sc:set_return, sc:set_arg,
 * sc:set_string, sc:delay, sc:signal, sc:write, and wt.deny.  Each test
 * runs on x86_64 and i386 tracees, and through both ways of changing a
 * stopped syscall (PTRACE_SET_SYSCALL_INFO and the registers:
 * WTLUA_MODIFY).  Fixture: changes (its output is what the program saw). */
#include "e2e.h"

static const char *const methods[] = { "info", "regs" };
static const char *const fixtures[] = { "changes", "changes-32" };

/* Runs f(t, fixture) for each fixture build and each method. */
static void each_way(struct e2e *t, void (*f)(struct e2e *, const char *))
{
    for (size_t m = 0; m < 2; m++) {
        setenv("WTLUA_MODIFY", methods[m], 1);
        for (size_t i = 0; i < 2; i++) {
            print_message("(%s, WTLUA_MODIFY=%s)\n", fixtures[i], methods[m]);
            f(t, e2e_fixture(fixtures[i]));
        }
    }
    unsetenv("WTLUA_MODIFY");
}

/* The third write to the file fails with ENOSPC, and only that one; the
 * program says so, and on_return sees the injected result. */
static void third_write_fails(struct e2e *t, const char *fixture)
{
    const char *out = e2e_path(t, "out");
    e2e_wtlua(t, "-e",
              "wt.trace { write = { fd = wt.ge(3) } }\n"
              "local n = 0\n"
              "function on_enter(sc)\n"
              "  n = n + 1\n"
              "  if n == 3 then sc:fail('ENOSPC') end\n"
              "end\n"
              "function on_return(sc) print(sc.ret, sc.errno, sc.injected) end\n",
              fixture, "writes", out, "5");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "write 3: ENOSPC\n");
    e2e_assert_report(t, "7\tnil\tfalse\n7\tnil\tfalse\n-28\t28\ttrue\n7\tnil\tfalse\n"
                         "7\tnil\tfalse\n");
    e2e_assert_file(out, "line 1\nline 2\nline 4\nline 5\n");
}

static void test_third_write_fails(void **state)
{
    each_way(*state, third_write_fails);
}

/* A hook that raises after asking for a change changes nothing. */
static void failed_hook_changes_nothing(struct e2e *t, const char *fixture)
{
    const char *out = e2e_path(t, "out");
    e2e_wtlua(t, "-e",
              "wt.trace { write = { fd = wt.ge(3) } }\n"
              "function on_enter(sc) sc:fail('ENOSPC') error('boom', 0) end\n",
              fixture, "writes", out, "2");
    e2e_assert_status(t, 125);
    assert_string_equal(t->out, "");
    e2e_assert_file(out, "line 1\nline 2\n");
}

static void test_failed_hook_changes_nothing(void **state)
{
    each_way(*state, failed_hook_changes_nothing);
}

/* At the return: the result replaced (getuid says 0), and the data a
 * read returned rewritten within what it read. */
static void results_replaced(struct e2e *t, const char *fixture)
{
    e2e_wtlua(t, "-e",
              "wt.trace { 'getuid', 'getuid32' }\n"
              "function on_return(sc) sc:set_return(0) end\n",
              fixture, "uid");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, e2e_str("0 %d\n", (int)geteuid()));
    e2e_write(e2e_path(t, "in"), "hello world\n", 0644);
    e2e_wtlua(t, "-e",
              "wt.trace { read = { fd = wt.ge(3) } }\n"
              "function on_return(sc)\n"
              "  if (sc:fd_path(sc:arg('fd')) or ''):match('/in$') then\n"
              "    print(sc:write('buf', 'HELLO'), sc:write('buf', ('x'):rep(100)))\n"
              "  end\n"
              "end\n",
              fixture, "read", e2e_path(t, "in"));
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "xxxxxxxxxxxx");
    e2e_assert_report(t, "5\t12\n");
}

static void test_results_replaced(void **state)
{
    each_way(*state, results_replaced);
}

/* sc:set_string: cat's open of one file opens another. */
static void path_rewritten(struct e2e *t, const char *fixture)
{
    e2e_write(e2e_path(t, "asked"), "asked for\n", 0644);
    e2e_write(e2e_path(t, "given"), "given instead\n", 0644);
    e2e_wtlua(t, "-e",
              "wt.trace { 'open', 'openat' }\n"
              "function on_enter(sc)\n"
              "  local p = sc:path()\n"
              "  if p and p:match('/asked$') then\n"
              "    print(sc:set_string('filename', p:gsub('asked$', 'given')))\n"
              "  end\n"
              "end\n",
              fixture, "read", e2e_path(t, "asked"));
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "given instead\n");
    e2e_assert_report(t, "true\n");
}

static void test_path_rewritten(void **state)
{
    each_way(*state, path_rewritten);
}

/* sc:set_arg: the write's length argument cut to 2 bytes. */
static void argument_changed(struct e2e *t, const char *fixture)
{
    const char *out = e2e_path(t, "out");
    e2e_wtlua(t, "-e",
              "wt.trace { write = { fd = wt.ge(3) } }\n"
              "function on_enter(sc) sc:set_arg('count', 2) end\n",
              fixture, "writes", out, "2");
    e2e_assert_status(t, 0);
    e2e_assert_file(out, "lili");
}

static void test_argument_changed(void **state)
{
    each_way(*state, argument_changed);
}

/* wt.deny: the kernel fails connect with EACCES; no connect stops (the
 * hook that would count them sees none).  A stop rule for all of i386's
 * socketcall overrides the denial's socketcall companion in libseccomp:
 * then wtlua denies it at the stop, and no hook sees it either. */
static void connect_denied(struct e2e *t, const char *fixture)
{
    const char *count = "local stops = 0\n"
                        "function on_enter(sc)\n"
                        "  if sc.name == 'connect' or sc.name == 'socketcall' and sc.args[1] == 3\n"
                        "  then stops = stops + 1 end\n"
                        "end\n"
                        "function on_end() print('stops', stops) end\n";
    e2e_wtlua(t, "-e", e2e_str("wt.deny { 'connect', errno = 'EACCES' }\n"
                               "wt.trace { 'connect' }\n%s", count),
              fixture, "connect");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "connect: EACCES\n");
    e2e_assert_report(t, "stops\t0\n");
    e2e_wtlua(t, "-e", e2e_str("wt.deny { 'connect', errno = 'EACCES' }\n"
                               "wt.trace { 'connect', 'socketcall' }\n%s", count),
              fixture, "connect");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "connect: EACCES\n");
    e2e_assert_report(t, "stops\t0\n");
}

static void test_connect_denied(void **state)
{
    each_way(*state, connect_denied);
}

/* A script with denials and no hook: a filter of denials only, and no
 * stop at all; the command's other calls run as usual. */
static void test_denials_alone(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e", "wt.deny { 'connect' }", e2e_fixture("changes"), "connect");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "connect: EPERM\n");
    assert_string_equal(t->err, "");
    const char *out = e2e_path(t, "out");
    e2e_wtlua(t, "-e", "wt.deny { write = { fd = wt.ge(3), count = 8 }, errno = 'EDQUOT' }",
              e2e_fixture("changes"), "writes", out, "10");
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, "write 10: EDQUOT\n");
    e2e_assert_file(out, "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\n"
                         "line 9\n");
}

/* sc:delay holds only its thread: the other keeps napping meanwhile. */
static void only_its_thread_waits(struct e2e *t, const char *fixture)
{
    e2e_wtlua(t, "-e",
              "wt.trace { 'getppid' }\n"
              "function on_enter(sc) sc:delay(0.5) end\n",
              fixture, "held");
    e2e_assert_status(t, 0);
    int held = -1, naps = -1;
    if (sscanf(t->out, "held: %d\nnaps: %d\n", &held, &naps) != 2)
        fail_msg("unexpected output: %s", t->out);
    if (held < 450 || naps < 10)
        fail_msg("held %d ms (at least 450 expected), the other thread napped %d times "
                 "(at least 10 expected)", held, naps);
}

static void test_only_its_thread_waits(void **state)
{
    each_way(*state, only_its_thread_waits);
}

/* Misuse is an error in the script. */
static void test_changes_misused(void **state)
{
    struct e2e *t = *state;
    const char *cases[][2] = {
        { "function on_return(sc) sc:set_arg(1, 0) end", "sc:set_arg: only in on_enter" },
        { "function on_enter(sc) sc:write(2, 'x') end", "sc:write: only in on_return" },
        { "function on_enter(sc) sc:fail('ENOTANERRNO') end", "no errno named 'ENOTANERRNO'" },
        { "function on_enter(sc) sc:signal('SIGNOPE') end", "no signal named 'SIGNOPE'" },
        { "function on_enter(sc) sc:delay(-1) end", "seconds must be 0..86400" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        e2e_wtlua(t, "-e", e2e_str("wt.trace { 'write' }\n%s", cases[i][0]),
                  e2e_fixture("changes"), "writes", e2e_path(t, "out"), "1");
        e2e_assert_status(t, 125);
        if (!strstr(t->err, cases[i][1]))
            fail_msg("expected '%s' in:\n%s", cases[i][1], t->err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_third_write_fails),
        e2e_test(test_failed_hook_changes_nothing),
        e2e_test(test_results_replaced),
        e2e_test(test_path_rewritten),
        e2e_test(test_argument_changed),
        e2e_test(test_connect_denied),
        e2e_test(test_denials_alone),
        e2e_test(test_only_its_thread_waits),
        e2e_test(test_changes_misused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
