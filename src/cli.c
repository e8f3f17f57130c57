#include "cli.h"

#include <getopt.h>
#include <string.h>

static const struct option long_options[] = {
    { "execute", required_argument, NULL, 'e' },
    { "output", required_argument, NULL, 'o' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

void cli_usage(FILE *out)
{
    fputs("Usage: wtlua [OPTIONS] [SCRIPT.lua] [--] COMMAND [ARG...]\n"
          "       wtlua -e 'LUA CODE' [OPTIONS] [--] COMMAND [ARG...]\n"
          "Runs COMMAND under ptrace, following every process and thread it creates,\n"
          "and hands its syscalls to the Lua hooks of SCRIPT.lua.  Without a script it\n"
          "lists every file the command opened for writing.\n"
          "\n"
          "  -e, --execute=CODE   run CODE as the script\n"
          "  -o, --output=FILE    write the report (all that scripts print) to FILE\n"
          "                       instead of standard error\n"
          "  -h, --help           show this help\n"
          "      --version        show the version\n"
          "\n"
          "Exit status: the command's own, or 128+N when a signal N killed it;\n"
          "125 for a wtlua error (bad option, broken script), 126 when COMMAND is not\n"
          "executable, 127 when it is not found.  See wtlua(1) and docs/scripting.md.\n",
          out);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cli_parse(int argc, char **argv, struct cli *cli, char *err, size_t errsz)
{
    memset(cli, 0, sizeof *cli);
    optind = 0; /* glibc: full re-initialisation, so parsing can be repeated */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:e:o:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'e': cli->code = optarg; break;
        case 'o': cli->output = optarg; break;
        case 'h': cli->action = CLI_HELP; return 0;
        case 'V': cli->action = CLI_VERSION; return 0;
        case ':':
            snprintf(err, errsz, "option '%s' needs an argument", argv[optind - 1]);
            return -1;
        default:
            if (optopt)
                snprintf(err, errsz, "unknown option '-%c' (try 'wtlua --help')", optopt);
            else
                snprintf(err, errsz, "unknown option '%s' (try 'wtlua --help')", argv[optind - 1]);
            return -1;
        }
    }
    int i = optind;
    if (!cli->code && i < argc && ends_with(argv[i], ".lua")) {
        cli->script = argv[i++];
        if (i < argc && strcmp(argv[i], "--") == 0)
            i++;
    }
    if (i >= argc) {
        snprintf(err, errsz, "missing command (try 'wtlua --help')");
        return -1;
    }
    cli->command = argv + i;
    return 0;
}
