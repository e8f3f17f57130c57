/* Unit tests for src/cli.c: command-line parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "waiter.h"

/* argv for "wtlua ARGS..." and its argc. */
#define ARGV(...) ((char *[]){ "wtlua", __VA_ARGS__, NULL })
#define ARGC(v) ((int)(sizeof(v) / sizeof(v[0])) - 1)

static struct cli cli;
static char err[256];

/* Parses and expects success.  The argv arrays are compound literals in
 * the calling block, so cli.command stays valid there. */
static void parse_ok(int argc, char **argv)
{
    cli_free(&cli);
    memset(err, 0, sizeof err);
    if (cli_parse(argc, argv, &cli, err, sizeof err) != 0)
        fail_msg("cli_parse failed: %s", err);
}

/* Parses and expects this exact message. */
static void parse_err(const char *message, int argc, char **argv)
{
    cli_free(&cli);
    memset(err, 0, sizeof err);
    assert_int_equal(cli_parse(argc, argv, &cli, err, sizeof err), -1);
    assert_string_equal(err, message);
}

#define PARSE_OK(...) parse_ok(ARGC(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))
#define PARSE_ERR(message, ...) parse_err(message, ARGC(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

static int reset(void **state)
{
    (void)state;
    memset(&cli, 0, sizeof cli);
    return 0;
}

static int release(void **state)
{
    (void)state;
    cli_free(&cli);
    return 0;
}

/* command must be exactly these words. */
static void check_command(const char *const *want, size_t n)
{
    assert_non_null(cli.command);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(cli.command[i]);
        assert_string_equal(cli.command[i], want[i]);
    }
    assert_null(cli.command[n]);
}

#define COMMAND(...)                                                           \
    check_command((const char *const[]){ __VA_ARGS__ },                        \
                  sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static void test_plain_command(void **state)
{
    (void)state;
    PARSE_OK("make", "-j4", "install");
    assert_int_equal(cli.action, CLI_RUN);
    assert_null(cli.script);
    assert_null(cli.code);
    assert_null(cli.bundled);
    assert_null(cli.output);
    assert_false(cli.json);
    assert_int_equal(cli.spin_us, WAITER_DEFAULT_SPIN_US);
    assert_int_equal(cli.npids, 0);
    assert_int_equal(cli.nscript_args, 0);
    COMMAND("make", "-j4", "install");
}

static void test_script_operand(void **state)
{
    (void)state;
    PARSE_OK("s.lua", "cmd", "a");
    assert_string_equal(cli.script, "s.lua");
    COMMAND("cmd", "a");

    PARSE_OK("dir/trace-opens.lua", "cmd");
    assert_string_equal(cli.script, "dir/trace-opens.lua");
    COMMAND("cmd");

    /* Only the first operand can be the script. */
    PARSE_OK("cmd", "x.lua");
    assert_null(cli.script);
    COMMAND("cmd", "x.lua");
    PARSE_OK("s.lua", "t.lua");
    assert_string_equal(cli.script, "s.lua");
    COMMAND("t.lua");

    /* Only names ending in exactly ".lua". */
    PARSE_OK("s.luac", "cmd");
    assert_null(cli.script);
    COMMAND("s.luac", "cmd");
    PARSE_OK("s.LUA", "cmd");
    assert_null(cli.script);
    COMMAND("s.LUA", "cmd");
    PARSE_OK("lua", "cmd");
    assert_null(cli.script);
    COMMAND("lua", "cmd");
}

static void test_double_dash(void **state)
{
    (void)state;
    /* Options after -- belong to the command. */
    PARSE_OK("--", "cmd", "-x");
    assert_null(cli.script);
    assert_null(cli.output);
    COMMAND("cmd", "-x");
    PARSE_OK("--", "cmd", "-o", "file", "--help");
    assert_int_equal(cli.action, CLI_RUN);
    assert_null(cli.output);
    COMMAND("cmd", "-o", "file", "--help");

    /* After the script. */
    PARSE_OK("s.lua", "--", "cmd", "-x");
    assert_string_equal(cli.script, "s.lua");
    COMMAND("cmd", "-x");
    /* Only one -- is eaten. */
    PARSE_OK("s.lua", "--", "--", "cmd");
    COMMAND("--", "cmd");
    PARSE_OK("-o", "out", "--", "cmd");
    assert_string_equal(cli.output, "out");
    COMMAND("cmd");

    /* Options stop at the first operand, -- or not. */
    PARSE_OK("s.lua", "cmd", "-o", "x", "--", "y");
    assert_null(cli.output);
    COMMAND("cmd", "-o", "x", "--", "y");
    PARSE_OK("cmd", "--help");
    assert_int_equal(cli.action, CLI_RUN);
    COMMAND("cmd", "--help");
}

static void test_execute(void **state)
{
    (void)state;
    PARSE_OK("-e", "print(1)", "cmd");
    assert_string_equal(cli.code, "print(1)");
    assert_null(cli.script);
    COMMAND("cmd");

    /* With -e, an operand ending in .lua is the command. */
    PARSE_OK("-e", "x = 1", "x.lua", "y.lua");
    assert_string_equal(cli.code, "x = 1");
    assert_null(cli.script);
    COMMAND("x.lua", "y.lua");
    PARSE_OK("-e", "x = 1", "--", "run.lua");
    assert_null(cli.script);
    COMMAND("run.lua");

    PARSE_OK("--execute=a()", "cmd");
    assert_string_equal(cli.code, "a()");
    PARSE_OK("--execute", "b()", "cmd");
    assert_string_equal(cli.code, "b()");
    PARSE_OK("-ec()", "cmd");
    assert_string_equal(cli.code, "c()");
    /* The last one wins. */
    PARSE_OK("-e", "first", "-e", "second", "cmd");
    assert_string_equal(cli.code, "second");
}

static void test_output(void **state)
{
    (void)state;
    PARSE_OK("-o", "FILE", "cmd");
    assert_string_equal(cli.output, "FILE");
    COMMAND("cmd");
    PARSE_OK("--output=FILE2", "s.lua", "cmd");
    assert_string_equal(cli.output, "FILE2");
    assert_string_equal(cli.script, "s.lua");
    COMMAND("cmd");
    PARSE_OK("--output", "FILE3", "cmd");
    assert_string_equal(cli.output, "FILE3");
    PARSE_OK("-oFILE4", "cmd");
    assert_string_equal(cli.output, "FILE4");
    /* An option's argument is no script operand. */
    PARSE_OK("-o", "report.lua", "cmd");
    assert_string_equal(cli.output, "report.lua");
    assert_null(cli.script);
    COMMAND("cmd");
    /* "-" is a valid file name here. */
    PARSE_OK("-o", "-", "cmd");
    assert_string_equal(cli.output, "-");
}

static void test_help_version_list(void **state)
{
    (void)state;
    /* No command needed. */
    PARSE_OK("-h");
    assert_int_equal(cli.action, CLI_HELP);
    PARSE_OK("--help");
    assert_int_equal(cli.action, CLI_HELP);
    PARSE_OK("-o", "x", "--help", "cmd");
    assert_int_equal(cli.action, CLI_HELP);
    PARSE_OK("--version");
    assert_int_equal(cli.action, CLI_VERSION);
    PARSE_OK("--version", "cmd");
    assert_int_equal(cli.action, CLI_VERSION);
    PARSE_OK("-l");
    assert_int_equal(cli.action, CLI_LIST);
    PARSE_OK("--list");
    assert_int_equal(cli.action, CLI_LIST);
    /* Unique prefixes of long options work. */
    PARSE_OK("--vers");
    assert_int_equal(cli.action, CLI_VERSION);
    PARSE_OK("--he");
    assert_int_equal(cli.action, CLI_HELP);
    /* -V is not --version. */
    PARSE_ERR("unknown option '-V' (try 'wtlua --help')", "-V");
}

static void test_missing_command(void **state)
{
    (void)state;
    const char *msg = "missing command (try 'wtlua --help')";
    char *argv[] = { "wtlua", NULL };
    cli_free(&cli);
    assert_int_equal(cli_parse(1, argv, &cli, err, sizeof err), -1);
    assert_string_equal(err, msg);
    PARSE_ERR(msg, "s.lua");
    PARSE_ERR(msg, "s.lua", "--");
    PARSE_ERR(msg, "--");
    PARSE_ERR(msg, "-o", "file");
    PARSE_ERR(msg, "-e", "print(1)");
    PARSE_ERR(msg, "-o", "file", "s.lua", "--");
}

static void test_unknown_option(void **state)
{
    (void)state;
    PARSE_ERR("unknown option '-z' (try 'wtlua --help')", "-z", "cmd");
    PARSE_ERR("unknown option '-z' (try 'wtlua --help')", "-o", "f", "-z", "cmd");
    PARSE_ERR("unknown option '--bogus' (try 'wtlua --help')", "--bogus", "cmd");
    PARSE_ERR("unknown option '--bogus=1' (try 'wtlua --help')", "--bogus=1", "cmd");
    PARSE_ERR("unknown option '-x' (try 'wtlua --help')", "-lx");
    /* A long option after a short one that failed earlier in this process
     * must not inherit its optopt. */
    PARSE_ERR("unknown option '-q' (try 'wtlua --help')", "-q");
    PARSE_ERR("unknown option '--nope' (try 'wtlua --help')", "--nope");
}

/* A long option that takes no argument, given one: the message must name
 * the option as typed, not a short option that does not exist. */
static void check_names_long_option(const char *arg, const char *name)
{
    char *argv[] = { "wtlua", (char *)arg, "cmd", NULL };
    cli_free(&cli);
    memset(err, 0, sizeof err);
    assert_int_equal(cli_parse(3, argv, &cli, err, sizeof err), -1);
    char *hint = strstr(err, " (try 'wtlua --help')");
    if (!hint)
        fail_msg("message for '%s' lacks the hint: \"%s\"", arg, err);
    *hint = '\0';
    if (!strstr(err, name))
        fail_msg("message for '%s' does not name %s: \"%s\"", arg, name, err);
}

static void test_long_option_with_unwanted_argument(void **state)
{
    (void)state;
    check_names_long_option("--help=x", "--help");
    check_names_long_option("--version=1", "--version");
    check_names_long_option("--json=yes", "--json");
    check_names_long_option("--list=all", "--list");
}

static void test_missing_option_argument(void **state)
{
    (void)state;
    PARSE_ERR("option '-o' needs an argument", "-o");
    PARSE_ERR("option '--output' needs an argument", "--output");
    PARSE_ERR("option '-e' needs an argument", "-e");
    PARSE_ERR("option '--execute' needs an argument", "--execute");
    PARSE_ERR("option '-s' needs an argument", "-s");
    PARSE_ERR("option '-a' needs an argument", "-a");
    PARSE_ERR("option '-p' needs an argument", "-p");
    PARSE_ERR("option '-o' needs an argument", "-e", "x", "-o");
    /* "-o" followed by something is that something's argument. */
    PARSE_OK("-o", "-e", "cmd");
    assert_string_equal(cli.output, "-e");
    assert_null(cli.code);
}

static void test_bundled_and_script_args(void **state)
{
    (void)state;
    PARSE_OK("-s", "opens", "cmd");
    assert_string_equal(cli.bundled, "opens");
    assert_null(cli.script);
    COMMAND("cmd");
    /* With -s, a .lua operand is the command. */
    PARSE_OK("--script=opens", "run.lua");
    assert_string_equal(cli.bundled, "opens");
    assert_null(cli.script);
    COMMAND("run.lua");
    PARSE_ERR("give one script: SCRIPT.lua, -e CODE or -s NAME", "-e", "x", "-s", "opens", "cmd");

    PARSE_OK("-a", "k=v", "--arg=mode=fast", "-a", "flag", "s.lua", "cmd");
    assert_int_equal(cli.nscript_args, 3);
    assert_string_equal(cli.script_args[0], "k=v");
    assert_string_equal(cli.script_args[1], "mode=fast");
    assert_string_equal(cli.script_args[2], "flag");
    assert_string_equal(cli.script, "s.lua");
    PARSE_ERR("script argument '=v' needs a name: -a KEY=VALUE", "-a", "=v", "cmd");
    PARSE_ERR("script argument '' needs a name: -a KEY=VALUE", "-a", "", "cmd");

    PARSE_OK("--json", "cmd");
    assert_true(cli.json);
}

static void test_spin(void **state)
{
    (void)state;
    PARSE_OK("--spin=0", "cmd");
    assert_int_equal(cli.spin_us, 0);
    COMMAND("cmd");
    PARSE_OK("--spin", "250", "s.lua", "--spin=1000000", "cmd");
    assert_int_equal(cli.spin_us, 1000000);
    assert_string_equal(cli.script, "s.lua");

    static const char *const bad[] = { "", "x", "-1", "1000001", "12us", "99999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = { "wtlua", "--spin", (char *)bad[i], "cmd", NULL };
        char want[96];
        snprintf(want, sizeof want, "invalid --spin '%s': give microseconds, 0 to 1000000", bad[i]);
        cli_free(&cli);
        assert_int_equal(cli_parse(4, argv, &cli, err, sizeof err), -1);
        assert_string_equal(err, want);
    }
    PARSE_ERR("option '--spin' needs an argument", "--spin");
}

static void test_pids(void **state)
{
    (void)state;
    PARSE_OK("-p", "12,34", "--pid=56", "-p78");
    assert_int_equal(cli.npids, 4);
    assert_int_equal(cli.pids[0], 12);
    assert_int_equal(cli.pids[1], 34);
    assert_int_equal(cli.pids[2], 56);
    assert_int_equal(cli.pids[3], 78);
    /* Attaching needs no command. */
    assert_null(cli.command);
    PARSE_OK("-p", "2147483647");
    assert_int_equal(cli.pids[0], 2147483647);

    static const char *const bad[] = { "x", "0", "-1", "1,", ",1", "1,,2", "12x", "", "2147483648",
                                       "1 2" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = { "wtlua", "-p", (char *)bad[i], NULL };
        char want[64];
        snprintf(want, sizeof want, "invalid pid list '%s'", bad[i]);
        cli_free(&cli);
        assert_int_equal(cli_parse(3, argv, &cli, err, sizeof err), -1);
        assert_string_equal(err, want);
    }
}

/* The usage line "wtlua [OPTIONS] [SCRIPT.lua] -p PID[,PID...]" puts -p
 * after the script. */
static void test_pid_after_script(void **state)
{
    (void)state;
    PARSE_OK("s.lua", "-p", "42");
    assert_string_equal(cli.script, "s.lua");
    assert_int_equal(cli.npids, 1);
    assert_int_equal(cli.pids[0], 42);
    assert_null(cli.command);
}

/* Every parse starts from scratch: nothing carries over from an earlier
 * one, not even getopt's position inside a group of short options. */
static void test_repeated_parsing(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        PARSE_OK("-o", "a", "-e", "code", "cmd1", "x");
        assert_string_equal(cli.output, "a");
        assert_string_equal(cli.code, "code");
        COMMAND("cmd1", "x");

        PARSE_OK("s.lua", "cmd2");
        assert_null(cli.output);
        assert_null(cli.code);
        assert_string_equal(cli.script, "s.lua");
        COMMAND("cmd2");

        /* Stops in the middle of "-lz". */
        PARSE_ERR("unknown option '-z' (try 'wtlua --help')", "-lz", "cmd");

        PARSE_OK("-l");
        assert_int_equal(cli.action, CLI_LIST);

        /* Stops before the "l" of "-zl": the next parse must not see it. */
        PARSE_ERR("unknown option '-z' (try 'wtlua --help')", "-zl", "cmd");

        PARSE_OK("--", "cmd3");
        assert_int_equal(cli.action, CLI_RUN);
        assert_null(cli.script);
        COMMAND("cmd3");

        PARSE_ERR("option '-o' needs an argument", "-o");

        PARSE_OK("-p", "9", "-a", "k=v");
        assert_int_equal(cli.npids, 1);
        assert_int_equal(cli.nscript_args, 1);

        PARSE_OK("cmd4");
        assert_int_equal(cli.npids, 0);
        assert_int_equal(cli.nscript_args, 0);
        assert_null(cli.pids);
        assert_null(cli.script_args);
        COMMAND("cmd4");
    }
}

static void test_usage_text(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    cli_usage(f);
    fclose(f);
    assert_non_null(text);
    assert_true(strncmp(text, "Usage: wtlua ", 13) == 0);
    static const char *const mentioned[] = { "--execute", "--output", "--help", "--version",
                                             "--script", "--arg", "--pid", "--json", "--list",
                                             "--spin" };
    for (size_t i = 0; i < sizeof mentioned / sizeof mentioned[0]; i++)
        if (!strstr(text, mentioned[i]))
            fail_msg("usage does not mention %s", mentioned[i]);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_command, reset, release),
        cmocka_unit_test_setup_teardown(test_script_operand, reset, release),
        cmocka_unit_test_setup_teardown(test_double_dash, reset, release),
        cmocka_unit_test_setup_teardown(test_execute, reset, release),
        cmocka_unit_test_setup_teardown(test_output, reset, release),
        cmocka_unit_test_setup_teardown(test_help_version_list, reset, release),
        cmocka_unit_test_setup_teardown(test_missing_command, reset, release),
        cmocka_unit_test_setup_teardown(test_unknown_option, reset, release),
        cmocka_unit_test_setup_teardown(test_long_option_with_unwanted_argument, reset, release),
        cmocka_unit_test_setup_teardown(test_missing_option_argument, reset, release),
        cmocka_unit_test_setup_teardown(test_bundled_and_script_args, reset, release),
        cmocka_unit_test_setup_teardown(test_spin, reset, release),
        cmocka_unit_test_setup_teardown(test_pids, reset, release),
        cmocka_unit_test_setup_teardown(test_pid_after_script, reset, release),
        cmocka_unit_test_setup_teardown(test_repeated_parsing, reset, release),
        cmocka_unit_test_setup_teardown(test_usage_text, reset, release),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
