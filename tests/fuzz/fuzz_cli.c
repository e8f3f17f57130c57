/* libFuzzer target: command-line parsing (cli_parse, cli_free).
 *
 * The input is the argument list after argv[0], NUL-separated; each
 * argument is a malloc'd copy of exactly its length, so that reading past
 * one, or keeping a pointer into argv after it is freed, is caught by
 * ASan.  The result is checked against what cli.h promises. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_ARGS 64

#define check(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "fuzz_cli: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* A string the parse result points at must be one of the arguments (or a
 * part of one, from its '=' on: --output=FILE). */
static void check_in_argv(const char *s, char **argv, int argc)
{
    if (!s)
        return;
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]);
        if (s >= argv[i] && s <= argv[i] + len) {
            check(strlen(s) == (size_t)(argv[i] + len - s));
            return;
        }
    }
    check(!"points outside argv");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the size of the error buffer: messages must be
     * cut, not overflow, and stay NUL-terminated. */
    size_t errsz = 256;
    if (size > 0) {
        errsz = data[0] < 0x80 ? 1 + data[0] % 48 : 256;
        data++;
        size--;
    }
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = strdup("wtlua");
    size_t start = 0;
    for (size_t i = 0; i <= size && argc <= MAX_ARGS; i++) {
        if (i == size || data[i] == '\0') {
            if (i == size && start == size && size > 0)
                break; /* a trailing NUL ends the last argument */
            char *arg = malloc(i - start + 1);
            memcpy(arg, data + start, i - start);
            arg[i - start] = '\0';
            argv[argc++] = arg;
            start = i + 1;
        }
    }
    if (size == 0)
        free(argv[--argc]); /* no input: no arguments at all */
    argv[argc] = NULL;

    char *err = malloc(errsz);
    memset(err, 'x', errsz);
    struct cli cli;
    int rc = cli_parse(argc, argv, &cli, err, errsz);
    check(rc == 0 || rc == -1);
    if (rc < 0) {
        check(memchr(err, '\0', errsz) != NULL);
        check(err[0] != '\0' || errsz == 1);
    } else {
        check_in_argv(cli.script, argv, argc);
        check_in_argv(cli.bundled, argv, argc);
        check_in_argv(cli.code, argv, argc);
        check_in_argv(cli.output, argv, argc);
        for (size_t i = 0; i < cli.nscript_args; i++) {
            check_in_argv(cli.script_args[i], argv, argc);
            check(cli.script_args[i][0] != '\0' && cli.script_args[i][0] != '=');
        }
        for (size_t i = 0; i < cli.npids; i++)
            check(cli.pids[i] > 0);
        if (cli.command) {
            check(cli.command > argv && cli.command < argv + argc);
            for (char **c = cli.command; *c; c++)
                check_in_argv(*c, argv, argc);
        }
        if (cli.action == CLI_RUN) {
            check(cli.command || cli.npids > 0);
            check(!(cli.code && cli.bundled));
        }
    }
    cli_free(&cli);
    check(cli.script_args == NULL && cli.pids == NULL);
    free(err);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return 0;
}
