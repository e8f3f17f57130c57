/* `make install`: the installed files, and an installed wtlua that finds
 * its prelude, helper modules and bundled scripts in PREFIX, not in the
 * source tree.  Each test builds wtlua afresh (unoptimised, in the test's
 * own build directory) with the tree's Makefile, found through SRCROOT. */
#include "e2e.h"

/* make -C SRCROOT B=DIR/build ... install: what the parent make passes
 * on (check-asan's DATADIR, CFLAGS and LDFLAGS, in MAKEFLAGS and in the
 * environment) must not reach it. */
static void make_install(struct e2e *t, const char *prefix, const char *destdir)
{
    const char *const argv[] = {
        "/usr/bin/env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u", "MAKELEVEL",
        "make", "-s", "-C", e2e_env("SRCROOT"),
        e2e_str("B=%s/build", t->dir), e2e_str("WTLUA_BIN=%s/build/wtlua", t->dir),
        "CFLAGS=-O0", "LDFLAGS=", e2e_str("PREFIX=%s", prefix),
        e2e_str("BINDIR=%s/bin", prefix), e2e_str("DATADIR=%s/share/wtlua", prefix),
        e2e_str("MANDIR=%s/share/man/man1", prefix), e2e_str("DESTDIR=%s", destdir),
        "install", NULL,
    };
    if (e2e_exec(t, argv) != 0)
        fail_msg("make install exited %d:\n%s%s", t->status, t->out, t->err);
}

/* Runs the installed binary from DIR (not from the tree). */
static int run_installed(struct e2e *t, const char *const args[])
{
    const char *argv[16] = { e2e_str("%s/inst/bin/wtlua", t->dir) };
    size_t n = 1;
    while (args[n - 1] && n + 1 < sizeof argv / sizeof argv[0]) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    return e2e_exec(t, argv);
}

#define installed(t, ...) run_installed((t), (const char *const[]){ __VA_ARGS__, NULL })

static void test_installed_wtlua_runs_from_prefix(void **state)
{
    struct e2e *t = *state;
    make_install(t, e2e_path(t, "inst"), "");

    /* The default script (lua/default.lua, lua/prelude.lua). */
    installed(t, "-o", t->report, "/bin/sh", "-c", "echo a > written");
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_paths(t, "written"));

    /* A bundled script that needs the helper modules of lua/wt/. */
    installed(t, "-o", t->report, "-s", "files", "--", "/bin/sh", "-c", "mkdir made");
    e2e_assert_status(t, 0);
    e2e_assert_report(t, e2e_str("mkdir   %s", e2e_paths(t, "made")));

    installed(t, "-l");
    e2e_assert_status(t, 0);
    assert_non_null(strstr(t->out, "\nwrites: "));

    assert_true(e2e_exists(e2e_path(t, "inst/share/man/man1/wtlua.1")));
}

/* DESTDIR stages the files; PREFIX alone names where they will live. */
static void test_destdir_stages_every_file(void **state)
{
    struct e2e *t = *state;
    make_install(t, "/opt/wtlua", e2e_path(t, "stage"));
    static const char *const files[] = {
        "bin/wtlua", "share/man/man1/wtlua.1", "share/wtlua/lua/prelude.lua",
        "share/wtlua/lua/default.lua", "share/wtlua/lua/wt/out.lua",
        "share/wtlua/lua/wt/agg.lua", "share/wtlua/scripts/writes.lua",
        "share/wtlua/scripts/timeline.lua",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (!e2e_exists(e2e_path(t, e2e_str("stage/opt/wtlua/%s", files[i]))))
            fail_msg("not installed: %s", files[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_installed_wtlua_runs_from_prefix),
        e2e_test(test_destdir_stages_every_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
