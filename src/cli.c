#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "waiter.h"

enum { OPT_VERSION = 256, OPT_JSON, OPT_SPIN, OPT_CAPTURE_SIZE };

/* --spin's limit: a second of polling is already far past any use. */
#define MAX_SPIN_US 1000000

static const struct option long_options[] = {
    { "execute", required_argument, NULL, 'e' },
    { "script", required_argument, NULL, 's' },
    { "arg", required_argument, NULL, 'a' },
    { "pid", required_argument, NULL, 'p' },
    { "output", required_argument, NULL, 'o' },
    { "json", no_argument, NULL, OPT_JSON },
    { "spin", required_argument, NULL, OPT_SPIN },
    { "write", required_argument, NULL, 'w' },
    { "read", required_argument, NULL, 'r' },
    { "capture-size", required_argument, NULL, OPT_CAPTURE_SIZE },
    { "list", no_argument, NULL, 'l' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

void cli_usage(FILE *out)
{
    fputs("Usage: wtlua [OPTIONS] [SCRIPT.lua] [--] COMMAND [ARG...]\n"
          "       wtlua [OPTIONS] -s NAME|-e CODE [--] COMMAND [ARG...]\n"
          "       wtlua [OPTIONS] -p PID[,PID...] [SCRIPT.lua] [[--] COMMAND [ARG...]]\n"
          "       wtlua -r FILE [OPTIONS] [SCRIPT.lua | -s NAME | -e CODE]\n"
          "Runs COMMAND under ptrace, following every process and thread it creates,\n"
          "and hands its syscalls to the Lua hooks of a script.  Without a script it\n"
          "lists every file the command opened for writing.\n"
          "\n"
          "  -e, --execute=CODE   run CODE as the script\n"
          "  -s, --script=NAME    run the bundled script NAME (see -l); with --help,\n"
          "                       show that script's usage\n"
          "  -a, --arg=KEY=VALUE  pass an argument to the script (in wt.args)\n"
          "  -p, --pid=PID        attach to a running process and all its threads;\n"
          "                       repeatable, or a comma list\n"
          "  -o, --output=FILE    write the report (all that scripts print) to FILE\n"
          "                       instead of standard error; - for standard output\n"
          "      --json           bundled scripts write JSON lines\n"
          "      --spin=USEC      poll up to USEC microseconds for the next stop\n"
          "                       before sleeping, while stops come that fast\n"
          "                       (default 100; 0: always sleep)\n"
          "  -w, --write=FILE     record every syscall the script stops at (all\n"
          "                       without a script) into the capture FILE (SQLite)\n"
          "  -r, --read=FILE      run the script over the capture FILE instead of a\n"
          "                       command\n"
          "      --capture-size=N bytes of data buffers a capture keeps (default 32;\n"
          "                       paths and strings are kept whole)\n"
          "  -l, --list           list the bundled scripts\n"
          "  -h, --help           show this help\n"
          "      --version        show the version\n"
          "\n"
          "Exit status: the command's own, or 128+N when a signal N killed it; 0 after\n"
          "attaching; 125 for a wtlua error (bad option, broken script, error in a\n"
          "hook), 126 when COMMAND is not executable, 127 when it is not found.\n"
          "See wtlua(1) and docs/scripting.md.\n",
          out);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Adds the pids of "123" or "123,456". */
static int add_pids(struct cli *cli, const char *list, char *err, size_t errsz)
{
    const char *p = list;
    for (;;) {
        char *end;
        errno = 0;
        long pid = strtol(p, &end, 10);
        if (end == p || errno || pid <= 0 || pid > INT_MAX || (*end && *end != ',')) {
            snprintf(err, errsz, "invalid pid list '%s'", list);
            return -1;
        }
        pid_t *pids = realloc(cli->pids, (cli->npids + 1) * sizeof *pids);
        if (!pids) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
        cli->pids = pids;
        cli->pids[cli->npids++] = (pid_t)pid;
        if (!*end)
            return 0;
        p = end + 1;
    }
}

static int set_spin(struct cli *cli, const char *arg, char *err, size_t errsz)
{
    char *end;
    errno = 0;
    long us = strtol(arg, &end, 10);
    if (end == arg || *end || errno || us < 0 || us > MAX_SPIN_US) {
        snprintf(err, errsz, "invalid --spin '%s': give microseconds, 0 to %d", arg,
                 MAX_SPIN_US);
        return -1;
    }
    cli->spin_us = (unsigned)us;
    return 0;
}

/* The most --capture-size keeps of one buffer: what a reader returns. */
#define MAX_CAPTURE_SIZE (1u << 20)

static int set_capture_size(struct cli *cli, const char *arg, char *err, size_t errsz)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (end == arg || *end || errno || n < 0 || n > (long)MAX_CAPTURE_SIZE) {
        snprintf(err, errsz, "invalid --capture-size '%s': give bytes, 0 to %u", arg,
                 MAX_CAPTURE_SIZE);
        return -1;
    }
    cli->capture_size = (unsigned)n;
    return 0;
}

static int add_script_arg(struct cli *cli, char *arg, char *err, size_t errsz)
{
    if (!*arg || *arg == '=') {
        snprintf(err, errsz, "script argument '%s' needs a name: -a KEY=VALUE", arg);
        return -1;
    }
    char **args = realloc(cli->script_args, (cli->nscript_args + 1) * sizeof *args);
    if (!args) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    cli->script_args = args;
    cli->script_args[cli->nscript_args++] = arg;
    return 0;
}

static bool is_long_option(const char *name, size_t len)
{
    for (const struct option *o = long_options; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return true;
    return false;
}

/* getopt's optopt is a short option's letter, or for "--help=x" the
 * option's internal value: name the option as the user wrote it. */
static void unknown_option(const char *arg, int letter, char *err, size_t errsz)
{
    if (strncmp(arg, "--", 2) == 0) {
        size_t len = strcspn(arg + 2, "=");
        if (arg[2 + len] == '=' && is_long_option(arg + 2, len))
            snprintf(err, errsz, "option '--%.*s' takes no argument (try 'wtlua --help')",
                     (int)len, arg + 2);
        else
            snprintf(err, errsz, "unknown option '%s' (try 'wtlua --help')", arg);
    } else {
        snprintf(err, errsz, "unknown option '-%c' (try 'wtlua --help')", letter);
    }
}

/* Parses options from argv[first] on (0: from the start, re-initialising
 * getopt so that parsing can be repeated) up to the first operand. */
static int parse_options(int argc, char **argv, int first, struct cli *cli, char *err,
                         size_t errsz)
{
    optind = first;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:e:s:a:p:o:w:r:lh", long_options, NULL)) != -1) {
        switch (c) {
        case 'e': cli->code = optarg; break;
        case 's': cli->bundled = optarg; break;
        case 'o': cli->output = optarg; break;
        case 'w': cli->write_capture = optarg; break;
        case 'r': cli->read_capture = optarg; break;
        case OPT_CAPTURE_SIZE:
            if (set_capture_size(cli, optarg, err, errsz) < 0)
                return -1;
            break;
        case 'l': cli->action = CLI_LIST; break;
        case 'h': cli->action = CLI_HELP; break;
        case OPT_VERSION: cli->action = CLI_VERSION; break;
        case OPT_JSON: cli->json = true; break;
        case OPT_SPIN:
            if (set_spin(cli, optarg, err, errsz) < 0)
                return -1;
            break;
        case 'a':
            if (add_script_arg(cli, optarg, err, errsz) < 0)
                return -1;
            break;
        case 'p':
            if (add_pids(cli, optarg, err, errsz) < 0)
                return -1;
            break;
        case ':':
            snprintf(err, errsz, "option '%s' needs an argument", argv[optind - 1]);
            return -1;
        default:
            unknown_option(argv[optind - 1], optopt, err, errsz);
            return -1;
        }
    }
    return 0;
}

int cli_parse(int argc, char **argv, struct cli *cli, char *err, size_t errsz)
{
    memset(cli, 0, sizeof *cli);
    cli->spin_us = WAITER_DEFAULT_SPIN_US;
    cli->capture_size = CAPTURE_SIZE_DEFAULT;
    if (parse_options(argc, argv, 0, cli, err, errsz) < 0)
        return -1;
    int i = optind;
    bool after_dashes = i > 1 && strcmp(argv[i - 1], "--") == 0;
    /* Options may also follow the script: wtlua s.lua -p 42.  After "--"
     * comes the command, even one named x.lua. */
    if (!cli->code && !cli->bundled && !after_dashes && i < argc && ends_with(argv[i], ".lua")) {
        cli->script = argv[i];
        if (parse_options(argc, argv, i + 1, cli, err, errsz) < 0)
            return -1;
        i = optind;
    }
    if (cli->action != CLI_RUN)
        return 0;
    if (!!cli->code + !!cli->bundled + !!cli->script > 1) {
        snprintf(err, errsz, "give one script: SCRIPT.lua, -e CODE or -s NAME");
        return -1;
    }
    if (cli->read_capture && (cli->write_capture || cli->npids || i < argc)) {
        snprintf(err, errsz, "-r replays a capture: give no command, -p or -w with it");
        return -1;
    }
    if (i < argc)
        cli->command = argv + i;
    else if (!cli->npids && !cli->read_capture) {
        snprintf(err, errsz, "missing command (try 'wtlua --help')");
        return -1;
    }
    return 0;
}

void cli_free(struct cli *cli)
{
    free(cli->script_args);
    free(cli->pids);
    cli->script_args = NULL;
    cli->pids = NULL;
}
