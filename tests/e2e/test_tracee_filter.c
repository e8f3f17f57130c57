/* A command with a seccomp filter of its own (tests/fixtures/own_filter),
 * which answers openat with SECCOMP_RET_TRACE and data 0x1234: without a
 * tracer the open fails with ENOSYS, and under wtlua it must too, on both
 * ABIs.  wtlua's own declarations are still applied to such a call: the
 * hooks see it where they match (its return is -ENOSYS), the default
 * script does not list a read-only open. */
#include "e2e.h"

static const char untraced_output[] = "unfiltered: 3\nfiltered: ENOSYS\n";

static void test_untraced(void **state)
{
    struct e2e *t = *state;
    const char *fixtures[] = { "own_filter", "own_filter-32" };
    for (size_t i = 0; i < 2; i++) {
        e2e_exec(t, (const char *[]){ e2e_fixture(fixtures[i]), e2e_path(t, fixtures[i]), NULL });
        e2e_assert_status(t, 0);
        assert_string_equal(t->out, untraced_output);
    }
}

static void default_script(struct e2e *t, const char *fixture)
{
    e2e_wtlua(t, e2e_fixture(fixture), e2e_path(t, "own"));
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_string_equal(t->out, untraced_output);
    e2e_assert_report(t, "");
}

static void test_default_script(void **state)
{
    default_script(*state, "own_filter");
}

static void test_default_script_i386(void **state)
{
    default_script(*state, "own_filter-32");
}

static const char hooks[] =
    "wt.trace { 'openat' }\n"
    "local seen = {}\n"
    "function on_enter(sc)\n"
    "  local path = sc:path(2)\n"
    "  if path and path:match('/own$') then seen[sc.tid] = true; print('enter', path) end\n"
    "end\n"
    "function on_return(sc)\n"
    "  if seen[sc.tid] then\n"
    "    seen[sc.tid] = nil\n"
    "    print('return', sc.ret, sc.errno and wt.errname(sc.errno) or '-')\n"
    "  end\n"
    "end\n";

/* The hooks see both opens; the filtered one returns -ENOSYS to the hook
 * and to the command.  As nobody, wtlua's filter needs no_new_privs. */
static void hooks_see_it(struct e2e *t, const char *fixture, bool as_nobody)
{
    const char *command = e2e_fixture(fixture), *file = e2e_path(t, "own");
    if (as_nobody)
        e2e_wtlua_nobody(t, "-e", hooks, command, file);
    else
        e2e_wtlua(t, "-e", hooks, command, file);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
    assert_string_equal(t->out, untraced_output);
    e2e_assert_report(t, e2e_str("enter\t%s/own\nreturn\t3\t-\n"
                                 "enter\t%s/own\nreturn\t-38\tENOSYS\n",
                                 t->dir, t->dir));
}

static void test_hooks(void **state)
{
    hooks_see_it(*state, "own_filter", false);
}

static void test_hooks_i386(void **state)
{
    hooks_see_it(*state, "own_filter-32", false);
}

static void test_hooks_unprivileged(void **state)
{
    hooks_see_it(*state, "own_filter", true);
}

/* Declarations that do not match the filtered open keep it from the hooks. */
static void test_hooks_not_matching(void **state)
{
    struct e2e *t = *state;
    e2e_wtlua(t, "-e",
              "wt.trace { openat = { flags = wt.any(O_WRONLY | O_RDWR) } }\n"
              "function on_enter(sc) print('enter', sc:path(2)) end\n"
              "function on_return(sc) print('return', sc.ret) end\n",
              e2e_fixture("own_filter"), e2e_path(t, "own"));
    e2e_assert_status(t, 0);
    assert_string_equal(t->out, untraced_output);
    e2e_assert_report(t, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_untraced),
        e2e_test(test_default_script),
        e2e_test(test_default_script_i386),
        e2e_test(test_hooks),
        e2e_test(test_hooks_i386),
        e2e_test(test_hooks_not_matching),
        e2e_test(test_hooks_unprivileged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
