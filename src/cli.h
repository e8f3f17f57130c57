/* Command-line parsing: what wtlua was asked to do. */
#ifndef WTLUA_CLI_H
#define WTLUA_CLI_H

#include <stddef.h>
#include <stdio.h>

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION };

struct cli {
    enum cli_action action;
    const char *script;     /* SCRIPT.lua operand, or NULL */
    const char *code;       /* -e CODE, or NULL */
    const char *output;     /* -o FILE, or NULL for stderr */
    char **command;         /* NULL-terminated argv of the command */
};

/* Parses argv.  Returns 0, or -1 with a one-line message in err. */
int cli_parse(int argc, char **argv, struct cli *cli, char *err, size_t errsz);

void cli_usage(FILE *out);

#endif
