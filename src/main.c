/* wtlua: wiring the command line, the script and the tracer together. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "command.h"
#include "luabind.h"
#include "tracer.h"
#include "version.h"

/* env(1)'s conventions for the tool's own failures. */
enum {
    EXIT_WTLUA_ERROR = 125,
    EXIT_NOT_EXECUTABLE = 126,
    EXIT_NOT_FOUND = 127,
};

static struct script *running_script;

static void on_signal(int sig)
{
    tracer_last_signal = sig;
    tracer_interrupts++;
    script_interrupt(running_script);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: waitpid must return EINTR so the loop sees it. */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wtlua: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The tree (or installed data directory) that holds lua/ and scripts/:
 * next to the binary when that has lua/prelude.lua, else the compiled-in
 * installation directory. */
static void find_datadir(char *out, size_t outsz)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char probe[PATH_MAX + 32];
            snprintf(probe, sizeof probe, "%s/lua/prelude.lua", exe);
            if (access(probe, R_OK) == 0) {
                snprintf(out, outsz, "%s", exe);
                return;
            }
        }
    }
    snprintf(out, outsz, "%s", WTLUA_DATADIR);
}

static FILE *open_report(const char *path)
{
    if (path) {
        FILE *f = fopen(path, "we");
        if (!f)
            die("%s: %s", path, strerror(errno));
        return f;
    }
    /* A stream of its own on stderr, line-buffered: one write per line. */
    int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        die("%s: %s", "standard error", strerror(errno));
        return NULL;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

static int exit_status_of(int wait_status)
{
    if (WIFSIGNALED(wait_status))
        return 128 + WTERMSIG(wait_status);
    return WEXITSTATUS(wait_status);
}

static int not_runnable(const char *name, int err)
{
    die("%s: %s", name, strerror(err));
    return err == ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
}

static int trace(struct cli *cli, struct script *script)
{
    char program[PATH_MAX];
    int rc = command_find(cli->command[0], program, sizeof program);
    if (rc < 0)
        return not_runnable(cli->command[0], -rc);

    char err[1024];
    struct interest interest;
    if (script_interest(script, &interest, err, sizeof err) < 0) {
        die("%s", err);
        interest_free(&interest);
        return EXIT_WTLUA_ERROR;
    }
    struct tracer_hooks hooks;
    script_hooks(script, &hooks);
    struct tracer tracer;
    tracer_init(&tracer, &interest, &hooks);
    int status = EXIT_WTLUA_ERROR;
    if (tracer_spawn(&tracer, program, cli->command) < 0) {
        die("cannot start %s: %s", cli->command[0], strerror(tracer.failed_errno));
    } else if (tracer_run(&tracer) < 0) {
        status = not_runnable(cli->command[0], tracer.failed_errno);
    } else {
        status = exit_status_of(tracer.root_status);
        if (script_finish(script) < 0)
            status = EXIT_WTLUA_ERROR;
    }
    tracer_free(&tracer);
    interest_free(&interest);
    return status;
}

int main(int argc, char **argv)
{
    struct cli cli;
    char err[4096];
    if (cli_parse(argc, argv, &cli, err, sizeof err) < 0) {
        die("%s", err);
        return EXIT_WTLUA_ERROR;
    }
    if (cli.action == CLI_HELP) {
        cli_usage(stdout);
        return 0;
    }
    if (cli.action == CLI_VERSION) {
        printf("wtlua %s\n", WTLUA_VERSION);
        return 0;
    }
    signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would reap tracees */

    FILE *report = open_report(cli.output);
    if (!report)
        return EXIT_WTLUA_ERROR;
    char datadir[PATH_MAX], default_script[PATH_MAX + 32];
    find_datadir(datadir, sizeof datadir);
    struct script *script = script_new(datadir, report, err, sizeof err);
    const char *path = cli.script;
    if (!path && !cli.code) {
        snprintf(default_script, sizeof default_script, "%s/lua/default.lua", datadir);
        path = default_script;
    }
    int status = EXIT_WTLUA_ERROR;
    if (!script || script_load(script, path, cli.code, err, sizeof err) < 0) {
        die("%s", err);
    } else {
        running_script = script;
        catch_signals();
        status = trace(&cli, script);
        running_script = NULL;
    }
    script_free(script);
    if (fclose(report) != 0 && status == 0) {
        die("%s: %s", cli.output ? cli.output : "report", strerror(errno));
        status = EXIT_WTLUA_ERROR;
    }
    return status;
}
