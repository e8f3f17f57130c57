/* Unit tests for src/modify.c against real tracees: the own_filter fixture
 * (its x86_64 and i386 builds, from FIXTURES), under PTRACE_TRACEME, opens
 * a file read-only before and after loading a seccomp filter of its own
 * that answers openat with SECCOMP_RET_TRACE, and prints what each open
 * returned.  Each test changes one of those opens at its entry, seccomp or
 * exit stop and compares what the fixture printed, for every method
 * (PTRACE_SET_SYSCALL_INFO, the registers, the automatic choice) and both
 * ABIs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memory.h"
#include "modify.h"
#include "stop.h"

static const char *const fixtures[] = { "own_filter", "own_filter-32" };
static const enum modify_method methods[] = { MODIFY_INFO, MODIFY_REGS, MODIFY_AUTO };
static const char *const method_names[] = {
    [MODIFY_AUTO] = "auto", [MODIFY_INFO] = "info", [MODIFY_REGS] = "regs",
};
/* Whether this kernel has PTRACE_SET_SYSCALL_INFO (Linux 6.16). */
static bool have_info;

struct tracee {
    pid_t pid;
    int out;                    /* the read end of its standard output */
    char dir[PATH_MAX];         /* a fresh temp dir */
    char file[PATH_MAX + 8];    /* DIR/own, which the fixture creates */
    const char *label;          /* "FIXTURE/METHOD", for messages */
    struct syscall_event ev;    /* the open at its last stop */
};

/* Starts the fixture, stopped at its exec.  seccomp_stops: the tracee's
 * filter stops it (PTRACE_O_TRACESECCOMP); without, the kernel fails the
 * filtered open with ENOSYS by itself.  Returns 0 or -1. */
static int spawn(struct tracee *t, const char *fixture, bool seccomp_stops)
{
    char path[PATH_MAX];
    const char *dir = getenv("FIXTURES");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", fixture);
    snprintf(t->dir, sizeof t->dir, "%s/wtlua-modify-XXXXXX", P_tmpdir);
    int fds[2];
    if (!mkdtemp(t->dir) || pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    snprintf(t->file, sizeof t->file, "%s/own", t->dir);
    fflush(NULL);
    t->pid = fork();
    if (t->pid == 0) {
        if (dup2(fds[1], 1) < 0 || ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
            _exit(124);
        execl(path, fixture, t->file, (char *)NULL);
        _exit(124);
    }
    close(fds[1]);
    t->out = fds[0];
    int status;
    long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL |
                   (seccomp_stops ? PTRACE_O_TRACESECCOMP : 0);
    if (t->pid < 0 || waitpid(t->pid, &status, 0) != t->pid || !WIFSTOPPED(status) ||
        WSTOPSIG(status) != SIGTRAP || ptrace(PTRACE_SETOPTIONS, t->pid, NULL, (void *)options) < 0)
        return -1;
    return 0;
}

static bool is_open_of_file(struct tracee *t)
{
    if (strcmp(arch_syscall_name(t->ev.arch, t->ev.nr), "openat") != 0)
        return false;
    char path[PATH_MAX];
    bool truncated;
    return mem_read_string(t->pid, t->ev.args[1], path, sizeof path - 1, &truncated) >= 0 &&
           strcmp(path, t->file) == 0;
}

/* Resumes the tracee with how (PTRACE_SYSCALL or PTRACE_CONT) until a
 * syscall stop of the kind wanted: an entry or seccomp stop of an open of
 * t->file, or (want == SYSCALL_EXIT) the next exit stop.  Returns 1 at a
 * seccomp stop, 0 at another, -1 when the tracee ended first. */
static int advance(struct tracee *t, int how, enum syscall_op want)
{
    for (int sig = 0;;) {
        int status;
        if (ptrace(how, t->pid, NULL, (void *)(long)sig) < 0 ||
            waitpid(t->pid, &status, 0) != t->pid)
            return -1;
        struct stop s = stop_decode(status);
        if (s.kind == STOP_EXITED)
            return -1;
        sig = s.kind == STOP_SIGNAL ? s.signal : 0;
        if (s.kind != STOP_SYSCALL && s.kind != STOP_SECCOMP)
            continue;
        enum syscall_op op = stop_syscall(t->pid, &t->ev);
        if (op == want && (want == SYSCALL_EXIT || is_open_of_file(t)))
            return s.kind == STOP_SECCOMP;
    }
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Lets the tracee go, waits for it and returns all it printed (malloc'd),
 * or NULL when it did not exit 0. */
static char *collect(struct tracee *t)
{
    int status;
    if (ptrace(PTRACE_DETACH, t->pid, NULL, NULL) < 0 || waitpid(t->pid, &status, 0) != t->pid)
        return NULL;
    char *text = calloc(1, 4096);
    size_t len = 0;
    ssize_t n;
    while (text && (n = read(t->out, text + len, 4095 - len)) > 0)
        len += (size_t)n;
    close(t->out);
    nftw(t->dir, remove_one, 4, FTW_DEPTH | FTW_PHYS);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static bool printed(struct tracee *t, const char *unfiltered, const char *filtered, char **got)
{
    char want[256];
    snprintf(want, sizeof want, "unfiltered: %s\nfiltered: %s\n", unfiltered, filtered);
    *got = collect(t);
    return *got && strcmp(*got, want) == 0;
}

/* ---- the same, as cmocka assertions ---- */

static void start(struct tracee *t, const char *fixture, bool seccomp_stops)
{
    if (!getenv("FIXTURES"))
        fail_msg("FIXTURES is not set: run the tests with `make unit`");
    if (spawn(t, fixture, seccomp_stops) < 0)
        fail_msg("%s: cannot start it stopped at its exec: %s", fixture, strerror(errno));
}

/* Returns whether the stop is a seccomp stop. */
static bool resume_to(struct tracee *t, int how, enum syscall_op want)
{
    int rc = advance(t, how, want);
    if (rc < 0)
        fail_msg("%s: ended before the stop the test wanted", t->label);
    return rc == 1;
}

static void assert_printed(struct tracee *t, const char *unfiltered, const char *filtered)
{
    char *got;
    if (!printed(t, unfiltered, filtered, &got))
        fail_msg("%s printed\n%s\ninstead of\nunfiltered: %s\nfiltered: %s", t->label,
                 got ? got : "(nothing: it failed)", unfiltered, filtered);
    free(got);
}

static void must(struct tracee *t, const char *what, int rc)
{
    if (rc != 0)
        fail_msg("%s: %s: %s", t->label, what, strerror(-rc));
}

/* Runs one change (check) for every method and ABI. */
static void for_each_way(void (*check)(struct tracee *t, const char *fixture))
{
    for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
        if (methods[m] == MODIFY_INFO && !have_info) {
            fprintf(stderr, "PTRACE_SET_SYSCALL_INFO is not in this kernel (6.16+): "
                            "skipping its runs\n");
            continue;
        }
        for (size_t f = 0; f < 2; f++) {
            modify_set_method(methods[m]);
            char label[64];
            snprintf(label, sizeof label, "%s/%s", fixtures[f], method_names[methods[m]]);
            struct tracee t = { .label = label };
            check(&t, fixtures[f]);
        }
    }
    modify_set_method(MODIFY_AUTO);
}

/* ---- at the entry stop ---- */

static void skip_with_error(struct tracee *t, const char *fixture)
{
    start(t, fixture, false);
    assert_false(resume_to(t, PTRACE_SYSCALL, SYSCALL_ENTRY));
    must(t, "skip", modify_skip(t->pid, false));
    resume_to(t, PTRACE_SYSCALL, SYSCALL_EXIT);
    must(t, "set_return", modify_set_return(t->pid, -EXDEV));
    assert_int_equal(stop_syscall(t->pid, &t->ev), SYSCALL_EXIT); /* what the kernel now has */
    assert_int_equal(t->ev.ret, -EXDEV);
    assert_true(t->ev.is_error);
    assert_printed(t, "EXDEV", "ENOSYS");
}

static void test_skip_with_error(void **state)
{
    (void)state;
    for_each_way(skip_with_error);
}

static void skip_with_value(struct tracee *t, const char *fixture)
{
    start(t, fixture, false);
    resume_to(t, PTRACE_SYSCALL, SYSCALL_ENTRY);
    must(t, "skip", modify_skip(t->pid, false));
    resume_to(t, PTRACE_SYSCALL, SYSCALL_EXIT);
    must(t, "set_return", modify_set_return(t->pid, 4242));
    assert_printed(t, "4242", "ENOSYS");
}

static void test_skip_with_value(void **state)
{
    (void)state;
    for_each_way(skip_with_value);
}

/* Without a result set, a skipped syscall returns -ENOSYS on x86. */
static void skip_alone(struct tracee *t, const char *fixture)
{
    start(t, fixture, false);
    resume_to(t, PTRACE_SYSCALL, SYSCALL_ENTRY);
    must(t, "skip", modify_skip(t->pid, false));
    assert_printed(t, "ENOSYS", "ENOSYS");
}

static void test_skip_alone(void **state)
{
    (void)state;
    for_each_way(skip_alone);
}

/* Sets the flags' O_DIRECTORY (the same bit on both ABIs) and values in
 * the arguments openat does not read; the kernel then reports them all,
 * an i386 tracee's as their low 32 bits. */
static void change_args(struct tracee *t, bool seccomp_stop)
{
    uint64_t args[6] = { t->ev.args[0], t->ev.args[1], t->ev.args[2] | O_DIRECTORY,
                         0xabcd000000001111, 0x2222, 0x3333 };
    must(t, "set_args", modify_set_args(t->pid, seccomp_stop, t->ev.arch, t->ev.nr, args));
    if (strcmp(t->ev.arch->name, "i386") == 0)
        args[3] = 0x1111;
    struct syscall_event now;
    assert_int_equal(stop_syscall(t->pid, &now), SYSCALL_ENTRY);
    assert_int_equal(now.nr, t->ev.nr);
    for (int i = 0; i < 6; i++)
        if (now.args[i] != args[i])
            fail_msg("%s: argument %d is %#llx, not %#llx", t->label, i + 1,
                     (unsigned long long)now.args[i], (unsigned long long)args[i]);
}

static void set_args_at_entry(struct tracee *t, const char *fixture)
{
    start(t, fixture, false);
    resume_to(t, PTRACE_SYSCALL, SYSCALL_ENTRY);
    change_args(t, false);
    assert_printed(t, "ENOTDIR", "ENOSYS");
}

static void test_set_args_at_entry(void **state)
{
    (void)state;
    for_each_way(set_args_at_entry);
}

/* ---- at the exit stop of a syscall that ran ---- */

static void set_return_after_run(struct tracee *t, const char *fixture)
{
    start(t, fixture, false);
    resume_to(t, PTRACE_SYSCALL, SYSCALL_ENTRY);
    resume_to(t, PTRACE_SYSCALL, SYSCALL_EXIT);
    assert_int_equal(t->ev.ret, 3); /* it did open */
    must(t, "set_return", modify_set_return(t->pid, -EPERM));
    assert_printed(t, "EPERM", "ENOSYS");
}

static void test_set_return_after_run(void **state)
{
    (void)state;
    for_each_way(set_return_after_run);
}

/* ---- at the seccomp stop of the tracee's own filter ---- */

static void skip_at_seccomp_stop(struct tracee *t, const char *fixture)
{
    start(t, fixture, true);
    assert_true(resume_to(t, PTRACE_CONT, SYSCALL_ENTRY));
    assert_int_equal(t->ev.seccomp_data, 0x1234);
    must(t, "skip", modify_skip(t->pid, true));
    resume_to(t, PTRACE_SYSCALL, SYSCALL_EXIT);
    must(t, "set_return", modify_set_return(t->pid, -EXDEV));
    assert_printed(t, "3", "EXDEV");
}

static void test_skip_at_seccomp_stop(void **state)
{
    (void)state;
    for_each_way(skip_at_seccomp_stop);
}

/* Skipped at the seccomp stop and let go there: ENOSYS, as without a
 * tracer (let go without the skip, the open would run). */
static void skip_then_detach(struct tracee *t, const char *fixture)
{
    start(t, fixture, true);
    resume_to(t, PTRACE_CONT, SYSCALL_ENTRY);
    must(t, "skip", modify_skip(t->pid, true));
    assert_printed(t, "3", "ENOSYS");
}

static void test_skip_then_detach(void **state)
{
    (void)state;
    for_each_way(skip_then_detach);
    struct tracee t = { .label = "own_filter, not skipped" };
    start(&t, "own_filter", true);
    resume_to(&t, PTRACE_CONT, SYSCALL_ENTRY);
    assert_printed(&t, "3", "3");
}

static void set_args_at_seccomp_stop(struct tracee *t, const char *fixture)
{
    start(t, fixture, true);
    resume_to(t, PTRACE_CONT, SYSCALL_ENTRY);
    change_args(t, true);
    assert_printed(t, "3", "ENOTDIR");
}

static void test_set_args_at_seccomp_stop(void **state)
{
    (void)state;
    for_each_way(set_args_at_seccomp_stop);
}

/* ---- MODIFY_AUTO without PTRACE_SET_SYSCALL_INFO ---- */

#ifndef PTRACE_SET_SYSCALL_INFO
#define PTRACE_SET_SYSCALL_INFO 0x4212
#endif

/* In a helper process where a seccomp filter fails PTRACE_SET_SYSCALL_INFO
 * with EIO, as a kernel before 6.16 does: MODIFY_INFO fails, and
 * MODIFY_AUTO, having seen that, works through the registers.  It traces a
 * child of its own; it returns the number of the first failed check. */
static int no_info_helper(const char *fixture)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    /* The i386 tracee inherits the filter: other arches are allowed. */
    bool loaded = ctx && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
                  seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW) == 0 &&
                  seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EIO), SCMP_SYS(ptrace), 1,
                                   SCMP_A0(SCMP_CMP_EQ, PTRACE_SET_SYSCALL_INFO)) == 0 &&
                  seccomp_load(ctx) == 0;
    seccomp_release(ctx);
    if (!loaded)
        return 2;
    struct tracee t = { .label = fixture };
    if (spawn(&t, fixture, false) < 0 || advance(&t, PTRACE_SYSCALL, SYSCALL_ENTRY) != 0)
        return 3;
    modify_set_method(MODIFY_INFO);
    if (modify_skip(t.pid, false) != -EIO)
        return 4;
    modify_set_method(MODIFY_AUTO);
    if (modify_skip(t.pid, false) != 0)
        return 5;
    if (advance(&t, PTRACE_SYSCALL, SYSCALL_EXIT) != 0)
        return 6;
    if (modify_set_return(t.pid, -EXDEV) != 0)
        return 7;
    char *got;
    bool ok = printed(&t, "EXDEV", "ENOSYS", &got);
    free(got);
    return ok ? 0 : 8;
}

static void test_auto_without_set_syscall_info(void **state)
{
    (void)state;
    for (size_t f = 0; f < 2; f++) {
        fflush(NULL);
        pid_t helper = fork();
        assert_true(helper >= 0);
        if (helper == 0)
            _exit(no_info_helper(fixtures[f]));
        int status;
        assert_int_equal(waitpid(helper, &status, 0), helper);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("%s: check %d failed (status %#x)", fixtures[f],
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, status);
    }
}

/* Whether PTRACE_SET_SYSCALL_INFO works here: one skip through it. */
static int probe_info(void **state)
{
    (void)state;
    struct tracee t = { .label = "probe" };
    start(&t, "own_filter", false);
    resume_to(&t, PTRACE_SYSCALL, SYSCALL_ENTRY);
    modify_set_method(MODIFY_INFO);
    int rc = modify_skip(t.pid, false);
    modify_set_method(MODIFY_AUTO);
    if (rc != 0 && rc != -EIO)
        fail_msg("PTRACE_SET_SYSCALL_INFO: %s", strerror(-rc));
    have_info = rc == 0;
    free(collect(&t));
    return 0;
}

int main(void)
{
    alarm(120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip_with_error),
        cmocka_unit_test(test_skip_with_value),
        cmocka_unit_test(test_skip_alone),
        cmocka_unit_test(test_set_args_at_entry),
        cmocka_unit_test(test_set_return_after_run),
        cmocka_unit_test(test_skip_at_seccomp_stop),
        cmocka_unit_test(test_skip_then_detach),
        cmocka_unit_test(test_set_args_at_seccomp_stop),
        cmocka_unit_test(test_auto_without_set_syscall_info),
    };
    return cmocka_run_group_tests_name("modify", tests, probe_info, NULL);
}
