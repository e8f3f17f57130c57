/* The default script on real programs: the shell, coreutils, make. */
#include "e2e.h"

#include <sys/time.h>

static void run_default(struct e2e *t, const char *const args[])
{
    e2e_wtlua_v(t, args);
    e2e_assert_status(t, 0);
    assert_string_equal(t->err, "");
}

#define run(t, ...) run_default((t), (const char *const[]){ __VA_ARGS__, NULL })

/* dash opens /dev/null for writing for `> /dev/null`: it is listed; the
 * directory, the read of f1 and cp's read of its source are not. */
static void test_shell_and_coreutils(void **state)
{
    struct e2e *t = *state;
    run(t, "/bin/sh", "-c", "echo a > f1; mkdir d; cp f1 d/f2; cat f1 > /dev/null");
    e2e_assert_report(t, e2e_str("%s%s", e2e_paths(t, "f1", "d/f2"), "/dev/null\n"));
    e2e_assert_file(e2e_path(t, "d/f2"), "a\n");
}

static void test_shell_pipeline(void **state)
{
    struct e2e *t = *state;
    run(t, "/bin/sh", "-c",
        "touch t1; echo x | tee t2 > /dev/null; dd if=/dev/zero of=t3 bs=1 count=1 2> /dev/null;"
        " echo y >> t1; cat t1 t2 > t4");
    e2e_assert_report(t, e2e_str("%s/dev/null\n%s", e2e_paths(t, "t1"),
                                 e2e_paths(t, "t2", "t3", "t4")));
    e2e_assert_file(e2e_path(t, "t4"), "y\nx\n");
}

/* The shell's cd: relative names follow it. */
static void test_shell_cd(void **state)
{
    struct e2e *t = *state;
    run(t, "/bin/sh", "-c", "mkdir sub && cd sub && echo i > inner && cd .. && echo o > outer"
                            " && (cd sub && echo j > ../sibling)");
    e2e_assert_report(t, e2e_paths(t, "sub/inner", "outer", "sibling"));
}

/* The working directory renamed under the shell, with no chdir: the
 * name is the directory's name at the time of the open. */
static void test_shell_cwd_renamed(void **state)
{
    struct e2e *t = *state;
    run(t, "/bin/sh", "-c", "mkdir a && cd a && echo 1 > f1 && mv ../a ../b && echo 2 > f2");
    e2e_assert_report(t, e2e_paths(t, "a/f1", "b/f2"));
}

/* Read-only and missing-directory redirections are not listed. */
static void test_shell_failed_and_read_only(void **state)
{
    struct e2e *t = *state;
    run(t, "/bin/sh", "-c", "echo a > ok; cat < ok > /dev/null; (echo b > nodir/x) 2> /dev/null;"
                            " test -w ok; true");
    e2e_assert_report(t, e2e_str("%s/dev/null\n", e2e_paths(t, "ok")));
}

static const char makefile[] =
    "all: out.txt log.txt\n"
    "out.txt: in.txt\n"
    "\tcp in.txt out.txt\n"
    "log.txt:\n"
    "\techo built > log.txt\n";

static void test_make(void **state)
{
    struct e2e *t = *state;
    e2e_write(e2e_path(t, "Makefile"), makefile, 0644);
    e2e_write(e2e_path(t, "in.txt"), "data\n", 0644);
    run(t, "make", "-s");
    e2e_assert_report(t, e2e_paths(t, "out.txt", "log.txt"));
    e2e_assert_file(e2e_path(t, "out.txt"), "data\n");

    /* Up to date: nothing is written. */
    run(t, "make", "-s");
    e2e_assert_report(t, "");

    /* An input newer than its target: only that target is rebuilt. */
    struct timeval earlier[2];
    gettimeofday(&earlier[0], NULL);
    earlier[0].tv_sec -= 100;
    earlier[1] = earlier[0];
    assert_int_equal(utimes(e2e_path(t, "out.txt"), earlier), 0);
    run(t, "make", "-s");
    e2e_assert_report(t, e2e_paths(t, "out.txt"));
}

/* Parallel jobs: every file is listed once, whatever the order. */
static void test_make_parallel(void **state)
{
    struct e2e *t = *state;
    char text[4096] = "all:";
    for (int i = 0; i < 8; i++)
        strcat(text, e2e_str(" o%d", i));
    strcat(text, "\n");
    for (int i = 0; i < 8; i++)
        strcat(text, e2e_str("o%d:\n\techo %d > $@ && echo %d >> shared\n", i, i, i));
    e2e_write(e2e_path(t, "Makefile"), text, 0644);
    run(t, "make", "-s", "-j4");
    e2e_assert_report_unordered(t, e2e_paths(t, "o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7",
                                             "shared"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_shell_and_coreutils),
        e2e_test(test_shell_pipeline),
        e2e_test(test_shell_cd),
        e2e_test(test_shell_cwd_renamed),
        e2e_test(test_shell_failed_and_read_only),
        e2e_test(test_make),
        e2e_test(test_make_parallel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
