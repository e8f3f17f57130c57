/* wtlua: wiring the command line, the script and the tracer together. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "capture_record.h"
#include "capture_replay.h"
#include "cli.h"
#include "clock.h"
#include "command.h"
#include "inherit.h"
#include "modify.h"
#include "procfs.h"
#include "report.h"
#include "script.h"
#include "script.h"
#include "tracer.h"
#include "version.h"

/* env(1)'s conventions for the tool's own failures. */
enum {
    EXIT_WTLUA_ERROR = 125,
    EXIT_NOT_EXECUTABLE = 126,
    EXIT_NOT_FOUND = 127,
};

static struct script *running_script;
/* When the script started (monotonic ns): a capture's start. */
static uint64_t started_ns;

static void on_signal(int sig, siginfo_t *info, void *context)
{
    (void)context;
    int count = tracer_interrupt(sig, info->si_code <= 0); /* SI_USER, SI_QUEUE, SI_TKILL */
    script_interrupt(running_script, count >= 2);
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: waitpid must see EINTR */
    sigemptyset(&sa.sa_mask);
    tracer_set_interrupt_action(&sa);
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
    if (procfs_readlink(0, "exe", exe, sizeof exe) > 0) {
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

/* WTLUA_MODIFY=regs or =info pins how hooks' changes reach the kernel
 * (the tests run both; the default picks PTRACE_SET_SYSCALL_INFO where the
 * kernel has it). */
static void choose_modify_method(void)
{
    const char *method = getenv("WTLUA_MODIFY");
    if (method && strcmp(method, "regs") == 0)
        modify_set_method(MODIFY_REGS);
    else if (method && strcmp(method, "info") == 0)
        modify_set_method(MODIFY_INFO);
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

/* Whether wtlua was started with sig ignored (a background job of a
 * script has SIGINT ignored): the interrupt handler was not installed. */
static bool started_ignoring(int sig)
{
    struct sigaction sa;
    return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

/* -p: attach to every listed process; on a failure, let go of the ones
 * already attached. */
static int attach_all(struct tracer *tracer, const struct cli *cli)
{
    if (cli->npids && started_ignoring(SIGINT))
        fprintf(stderr, "wtlua: SIGINT is ignored here (a background job?), so it will not "
                        "detach; SIGTERM (kill %d) will\n", (int)getpid());
    char err[512];
    for (size_t i = 0; i < cli->npids; i++) {
        if (tracer_attach(tracer, cli->pids[i], err, sizeof err) < 0) {
            die("%s", err);
            tracer_detach_all(tracer);
            return -1;
        }
    }
    return 0;
}

static int trace(const struct cli *cli, struct script *script)
{
    char program[PATH_MAX];
    if (cli->command) {
        int rc = command_find(cli->command[0], program, sizeof program);
        if (rc < 0)
            return not_runnable(cli->command[0], -rc);
    }

    char err[1024];
    struct interest interest;
    if (script_interest(script, cli->write_capture != NULL, &interest, err, sizeof err) < 0) {
        die("%s", err);
        interest_free(&interest);
        return EXIT_WTLUA_ERROR;
    }
    struct tracer_hooks hooks, script_own;
    script_hooks(script, &hooks);
    /* -w: the recorder's hooks run first, and call the script's */
    struct capture_writer *writer = NULL;
    struct capture_recorder *recorder = NULL;
    if (cli->write_capture) {
        script_own = hooks;
        writer = capture_create(cli->write_capture, cli->capture_size, cli->command,
                                started_ns, err, sizeof err);
        if (writer)
            recorder = capture_record_new(writer, cli->capture_size, &script_own, &hooks);
        if (!recorder) {
            die("%s", writer ? "out of memory" : err);
            if (writer)
                capture_close(writer, false);
            interest_free(&interest);
            return EXIT_WTLUA_ERROR;
        }
    }
    if (!hooks.enter && !hooks.exit) /* no stop wanted: the filter only denies */
        interest_keep_denials_only(&interest);
    if (cli->npids && interest_denies(&interest))
        fprintf(stderr, "wtlua: -p: an attached process runs without wtlua's filter, so wtlua "
                        "makes its wt.deny denials at a stop of every syscall; they end when "
                        "wtlua detaches\n");
    struct tracer tracer;
    tracer_init(&tracer, &interest, &hooks);
    waiter_init(&tracer.waiter, cli->spin_us);
    int status = EXIT_WTLUA_ERROR;
    if (attach_all(&tracer, cli) < 0) {
        /* said why */
    } else if (cli->command && tracer_spawn(&tracer, program, cli->command) < 0) {
        die("cannot start %s: %s", cli->command[0], strerror(tracer.failed_errno));
        tracer_detach_all(&tracer);
    } else if (tracer_run(&tracer) < 0) {
        status = not_runnable(cli->command[0], tracer.failed_errno);
    } else {
        status = cli->command ? exit_status_of(tracer.root_status) : 0;
        if (script_finish(script) < 0 || script_failed(script))
            status = EXIT_WTLUA_ERROR;
        int code;
        if (script_exit_requested(script, &code))
            status = code;
    }
    if (recorder) {
        capture_record_free(recorder);
        if (capture_close(writer, true) < 0) /* said why */
            status = EXIT_WTLUA_ERROR;
    }
    tracer_free(&tracer);
    interest_free(&interest);
    return status;
}

/* -r: the script's hooks over the capture reader (opened before the
 * script ran, whose clock and readers it serves) instead of a command. */
static int replay(const struct cli *cli, struct script *script, struct capture_reader *reader)
{
    char err[1024];
    struct interest interest;
    int status = EXIT_WTLUA_ERROR;
    if (script_interest(script, false, &interest, err, sizeof err) < 0) {
        die("%s", err);
    } else {
        struct tracer_hooks hooks;
        script_hooks(script, &hooks);
        if (capture_truncated(reader))
            fprintf(stderr, "wtlua: %s: the capture is truncated (wtlua was stopped before "
                            "it ended it); replaying the events it holds\n",
                    cli->read_capture);
        if (capture_replay(reader, &interest, &hooks, err, sizeof err) < 0) {
            die("%s", err);
        } else {
            status = script_finish(script) < 0 || script_failed(script) ? EXIT_WTLUA_ERROR : 0;
            int code;
            if (script_exit_requested(script, &code))
                status = code;
        }
    }
    interest_free(&interest);
    return status;
}

/* Bundled scripts start with a comment block: "-- NAME: what it does",
 * then their usage.  -l prints the first line of each, -s NAME --help all
 * of it. */
static int print_header(const char *path, bool first_line_only, FILE *out)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, f) && strncmp(line, "--", 2) == 0) {
        const char *text = line + 2 + (line[2] == ' ');
        fputs(text, out);
        if (first_line_only)
            break;
    }
    fclose(f);
    return 0;
}

static int list_scripts(const char *datadir)
{
    char pattern[PATH_MAX + 32];
    snprintf(pattern, sizeof pattern, "%s/scripts/*.lua", datadir);
    glob_t found;
    if (glob(pattern, 0, NULL, &found) != 0) {
        die("no bundled scripts in %s/scripts", datadir);
        return EXIT_WTLUA_ERROR;
    }
    for (size_t i = 0; i < found.gl_pathc; i++)
        print_header(found.gl_pathv[i], true, stdout);
    globfree(&found);
    return 0;
}

static int bundled_path(const char *datadir, const char *name, char *out, size_t outsz)
{
    if (strchr(name, '/') || snprintf(out, outsz, "%s/scripts/%s.lua", datadir, name) >= (int)outsz
        || access(out, R_OK) < 0) {
        die("no bundled script named '%s' (see wtlua -l)", name);
        return -1;
    }
    return 0;
}

/* The script to run: SCRIPT.lua, -s NAME, or the default one; NULL with
 * -e.  Returns -1 when a bundled name is unknown. */
static int choose_script(const struct cli *cli, const char *datadir, char *path, size_t size,
                         const char **chosen)
{
    *chosen = cli->script;
    if (cli->bundled) {
        if (bundled_path(datadir, cli->bundled, path, size) < 0)
            return -1;
        *chosen = path;
    } else if (!cli->script && !cli->code && cli->write_capture) {
        *chosen = NULL; /* record everything, and run no script */
    } else if (!cli->script && !cli->code) {
        snprintf(path, size, "%s/lua/default.lua", datadir);
        *chosen = path;
    }
    return 0;
}

static int run(const struct cli *cli, const char *datadir)
{
    char path[PATH_MAX + 64], err[4096];
    const char *script_path;
    if (choose_script(cli, datadir, path, sizeof path, &script_path) < 0)
        return EXIT_WTLUA_ERROR;
    if (cli->action == CLI_HELP) /* -s NAME --help */
        return print_header(script_path, false, stdout) < 0 ? EXIT_WTLUA_ERROR : 0;

    struct capture_reader *reader = NULL;
    if (cli->read_capture && !(reader = capture_open(cli->read_capture, err, sizeof err))) {
        die("%s", err);
        return EXIT_WTLUA_ERROR;
    }
    FILE *report = report_open(cli->output);
    if (!report) {
        capture_close_reader(reader);
        return EXIT_WTLUA_ERROR;
    }

    struct script *script = script_new(datadir, report, err, sizeof err);
    int status = EXIT_WTLUA_ERROR;
    if (script)
        script_set_args(script, cli->script_args, cli->nscript_args, cli->json);
    int code;
    started_ns = monotonic_ns();
    const char *script_code = cli->code ? cli->code : ""; /* -w without a script: none */
    if (!script || script_load(script, script_path, script_code, err, sizeof err) < 0) {
        if (script && script_exit_requested(script, &code))
            status = code; /* os.exit in the main chunk: nothing is started */
        else
            die("%s", err);
    } else {
        running_script = script;
        if (!reader) /* a replay has no tracee to let go: Ctrl-C just ends it */
            catch_signals();
        status = reader ? replay(cli, script, reader) : trace(cli, script);
        running_script = NULL;
    }
    script_free(script);
    capture_close_reader(reader);
    if (report_close(report) != 0) /* said when it happened */
        status = EXIT_WTLUA_ERROR;
    return status;
}

int main(int argc, char **argv)
{
    struct cli cli;
    char err[1024], datadir[PATH_MAX];
    int status = 0;
    inherit_init();
    procfs_init();
    choose_modify_method();
    find_datadir(datadir, sizeof datadir);
    if (cli_parse(argc, argv, &cli, err, sizeof err) < 0) {
        die("%s", err);
        status = EXIT_WTLUA_ERROR;
    } else if (cli.action == CLI_HELP && !cli.bundled) {
        cli_usage(stdout);
    } else if (cli.action == CLI_VERSION) {
        printf("wtlua %s\n", WTLUA_VERSION);
    } else if (cli.action == CLI_LIST) {
        status = list_scripts(datadir);
    } else {
        signal(SIGCHLD, SIG_DFL); /* an inherited SIG_IGN would reap tracees */
        status = run(&cli, datadir);
    }
    cli_free(&cli);
    return status;
}
