/* Command-line parsing: what wtlua was asked to do. */
#ifndef WTLUA_CLI_H
#define WTLUA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_LIST };

struct cli {
    enum cli_action action;
    const char *script;     /* SCRIPT.lua operand, or NULL */
    const char *bundled;    /* -s NAME, or NULL */
    const char *code;       /* -e CODE, or NULL */
    const char *output;     /* -o FILE, or NULL for stderr */
    bool json;              /* --json */
    unsigned spin_us;       /* --spin, or the default */
    char **script_args;     /* -a KEY=VALUE, in order */
    size_t nscript_args;
    pid_t *pids;            /* -p PID[,PID...] */
    size_t npids;
    const char *write_capture;  /* -w FILE: record a capture, or NULL */
    const char *read_capture;   /* -r FILE: replay a capture, or NULL */
    unsigned capture_size;      /* --capture-size */
    char **command;         /* NULL-terminated argv of the command, or NULL
                               when only attaching */
};

/* Parses argv.  Returns 0, or -1 with a one-line message in err.  Call
 * cli_free afterwards in either case. */
int cli_parse(int argc, char **argv, struct cli *cli, char *err, size_t errsz);
void cli_free(struct cli *cli);

void cli_usage(FILE *out);

#endif
