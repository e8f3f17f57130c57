/* `make install`: the installed files, and an installed wtlua that finds
 * its prelude, helper modules and bundled scripts in PREFIX, not in the
 * source tree; `make uninstall`, which removes those and nothing else; and
 * the build's check of its libraries.  Each test builds wtlua afresh
 * (unoptimised, in the test's own build directory) with the tree's
 * Makefile, found through SRCROOT. */
#include "e2e.h"

/* DIR/fakebin holds an apt-get, apt, dpkg and dpkg-query that log their
 * call to DIR/fake-called and fail: the make runs find them first on PATH,
 * so building and installing must neither install packages nor need dpkg. */
static const char *fake_path(struct e2e *t)
{
    const char *bin = e2e_path(t, "fakebin");
    if (!e2e_exists(bin)) {
        if (mkdir(bin, 0755) < 0)
            fail_msg("mkdir %s: %s", bin, strerror(errno));
        static const char *const tools[] = { "apt-get", "apt", "dpkg", "dpkg-query" };
        for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
            e2e_write(e2e_str("%s/%s", bin, tools[i]),
                      e2e_str("#!/bin/sh\necho \"$0 $*\" >> '%s'\n"
                              "echo \"$0 called: make must not install packages\" >&2\nexit 1\n",
                              e2e_path(t, "fake-called")),
                      0755);
    }
    return e2e_str("PATH=%s:%s", bin, e2e_env("PATH"));
}

/* make -C SRCROOT B=DIR/build ... TARGET, with DATADIR in PREFIX/share/wtlua
 * unless given: what the parent make passes on (check-asan's DATADIR,
 * CFLAGS and LDFLAGS, in MAKEFLAGS and in the environment) must not reach
 * it.  Returns make's exit status. */
static int run_make(struct e2e *t, const char *target, const char *prefix, const char *datadir,
                    const char *destdir)
{
    const char *const argv[] = {
        "/usr/bin/env", "-u", "MAKEFLAGS", "-u", "MFLAGS", "-u", "MAKELEVEL", fake_path(t),
        "make", "-s", "-C", e2e_env("SRCROOT"),
        e2e_str("B=%s/build", t->dir), e2e_str("WTLUA_BIN=%s/build/wtlua", t->dir),
        "CFLAGS=-O0", "LDFLAGS=", e2e_str("PREFIX=%s", prefix),
        e2e_str("BINDIR=%s/bin", prefix),
        e2e_str("DATADIR=%s", datadir ? datadir : e2e_str("%s/share/wtlua", prefix)),
        e2e_str("MANDIR=%s/share/man/man1", prefix), e2e_str("DESTDIR=%s", destdir),
        target, NULL,
    };
    int status = e2e_exec(t, argv);
    char *called = e2e_read(e2e_path(t, "fake-called"));
    if (called)
        fail_msg("make %s ran package tools:\n%s", target, called);
    return status;
}

static void make_ok(struct e2e *t, const char *target, const char *prefix, const char *datadir,
                    const char *destdir)
{
    if (run_make(t, target, prefix, datadir, destdir) != 0)
        fail_msg("make %s exited %d:\n%s%s", target, t->status, t->out, t->err);
}

static void make_install(struct e2e *t, const char *prefix, const char *destdir)
{
    make_ok(t, "install", prefix, NULL, destdir);
}

/* Runs the installed binary from DIR (not from the tree). */
static int run_installed(struct e2e *t, const char *const args[])
{
    const char *argv[E2E_MAX_ARGS] = { e2e_str("%s/inst/bin/wtlua", t->dir) };
    e2e_argv(argv, 1, args);
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

/* Every name under a directory, relative, directories ending in "/", one
 * a line in sorted order (malloc'd). */
static char listing_buf[16384];
static size_t listing_root_len;

static int list_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    if (ftw->level == 0)
        return 0;
    size_t len = strlen(listing_buf);
    int n = snprintf(listing_buf + len, sizeof listing_buf - len, "%s%s\n",
                     path + listing_root_len + 1, flag == FTW_D ? "/" : "");
    return n < 0 || (size_t)n >= sizeof listing_buf - len ? -1 : 0;
}

static char *listing(const char *dir)
{
    listing_buf[0] = '\0';
    listing_root_len = strlen(dir);
    if (nftw(dir, list_one, 16, FTW_PHYS) != 0)
        fail_msg("cannot list %s", dir);
    return e2e_sorted_lines(listing_buf);
}

static void mkdirs(struct e2e *t, const char *const dirs[])
{
    for (size_t i = 0; dirs[i]; i++)
        if (mkdir(e2e_path(t, dirs[i]), 0755) < 0)
            fail_msg("mkdir %s: %s", dirs[i], strerror(errno));
}

/* A prefix that already holds other programs' files, as /usr/local does:
 * uninstall takes away what install added and nothing else (BINDIR and
 * MANDIR stay, as others' directories).  A script the user added to
 * DATADIR/scripts keeps that directory and DATADIR. */
static void test_uninstall_removes_what_install_added(void **state)
{
    struct e2e *t = *state;
    mkdirs(t, (const char *const[]){ "usr", "usr/bin", "usr/share", "usr/share/man",
                                     "usr/share/man/man1", NULL });
    e2e_write(e2e_path(t, "usr/bin/other"), "#!/bin/sh\n", 0755);
    e2e_write(e2e_path(t, "usr/share/man/man1/other.1"), ".TH OTHER 1\n", 0644);
    e2e_write(e2e_path(t, "usr/share/other.txt"), "not wtlua's\n", 0644);
    char *before = listing(e2e_path(t, "usr"));

    make_install(t, e2e_path(t, "usr"), "");
    assert_true(e2e_exists(e2e_path(t, "usr/share/wtlua/lua/wt/out.lua")));
    e2e_write(e2e_path(t, "usr/share/wtlua/scripts/mine.lua"), "-- the user's\n", 0644);
    make_ok(t, "uninstall", e2e_path(t, "usr"), NULL, "");

    char *after = listing(e2e_path(t, "usr"));
    char *expected = e2e_sorted_lines(e2e_str("%sshare/wtlua/\nshare/wtlua/scripts/\n"
                                              "share/wtlua/scripts/mine.lua\n", before));
    assert_string_equal(after, expected);
    free(before);
    free(after);
    free(expected);
}

/* DATADIR may be a directory others use too (DATADIR=/usr/share): its
 * other content, lua/ with other modules included, stays. */
static void test_uninstall_keeps_a_shared_datadir(void **state)
{
    struct e2e *t = *state;
    mkdirs(t, (const char *const[]){ "usr", "usr/bin", "usr/share", "usr/share/man",
                                     "usr/share/man/man1", "usr/share/lua", "usr/share/lua/5.4",
                                     "usr/share/doc", NULL });
    e2e_write(e2e_path(t, "usr/share/lua/5.4/other.lua"), "return {}\n", 0644);
    e2e_write(e2e_path(t, "usr/share/doc/README"), "not wtlua's\n", 0644);
    char *before = listing(e2e_path(t, "usr"));

    make_ok(t, "install", e2e_path(t, "usr"), e2e_path(t, "usr/share"), "");
    assert_true(e2e_exists(e2e_path(t, "usr/share/lua/prelude.lua")));
    make_ok(t, "uninstall", e2e_path(t, "usr"), e2e_path(t, "usr/share"), "");

    char *after = listing(e2e_path(t, "usr"));
    assert_string_equal(after, before);
    free(before);
    free(after);
}

/* A library pkg-config cannot find stops make before it compiles, with
 * one line naming the Debian package to install.  The pkg-config first on
 * PATH is the real one, except that it finds no lua5.4. */
static void test_missing_library_named_in_one_line(void **state)
{
    struct e2e *t = *state;
    fake_path(t);
    e2e_write(e2e_path(t, "fakebin/pkg-config"),
              e2e_str("#!/bin/sh\nfor a; do [ \"$a\" = lua5.4 ] && exit 1; done\n"
                      "PATH='%s' exec pkg-config \"$@\"\n", e2e_env("PATH")),
              0755);

    assert_int_equal(run_make(t, "all", e2e_path(t, "usr"), NULL, ""), 2);
    const char *line = "pkg-config cannot find lua5.4: install with "
                       "`sudo apt-get install liblua5.4-dev`";
    if (!strstr(t->err, line) || strchr(t->err, '\n') != t->err + strlen(t->err) - 1)
        fail_msg("expected one line with \"%s\", got:\n%s", line, t->err);
    assert_string_equal(t->out, "");
    assert_false(e2e_exists(e2e_path(t, "build/obj")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        e2e_test(test_installed_wtlua_runs_from_prefix),
        e2e_test(test_destdir_stages_every_file),
        e2e_test(test_uninstall_removes_what_install_added),
        e2e_test(test_uninstall_keeps_a_shared_datadir),
        e2e_test(test_missing_library_named_in_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
