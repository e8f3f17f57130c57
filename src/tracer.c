#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

volatile sig_atomic_t tracer_interrupts, tracer_last_signal;

/* What the child writes to the report pipe before exec (the filter could
 * not be installed) or instead of it (exec failed). */
struct child_report {
    int stage;
    int err;
};

enum {
    SEIZE_OPTIONS = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP,
};

void tracer_init(struct tracer *t, const struct interest *interest,
                 const struct tracer_hooks *hooks)
{
    memset(t, 0, sizeof *t);
    t->interest = interest;
    t->hooks = hooks;
    t->report_pipe = -1;
    /* No syscall hook: no filter needed, and no syscall ever stops. */
    t->filtered = true;
    t->base_resume = PTRACE_CONT;
}

static bool wants_syscalls(const struct tracer *t)
{
    return t->hooks->enter || t->hooks->exit;
}

static void fail(struct tracer *t, enum spawn_stage stage, int err)
{
    t->failed_stage = stage;
    t->failed_errno = err;
}

static void resume(pid_t tid, int how, int sig)
{
    /* ESRCH: the task died meanwhile (SIGKILL); its exit comes next. */
    ptrace(how, tid, NULL, (void *)(long)sig);
}

/* Reads the Tgid and PPid of a live task; -1 when it is gone or a zombie. */
static int read_task_status(pid_t tid, pid_t *tgid, pid_t *ppid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int alive = 1;
    *tgid = tid;
    *ppid = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "State:", 6) == 0)
            alive = !strpbrk(line + 6, "ZX");
        else if (strncmp(line, "Tgid:", 5) == 0)
            *tgid = (pid_t)atoi(line + 5);
        else if (strncmp(line, "PPid:", 5) == 0)
            *ppid = (pid_t)atoi(line + 5);
    }
    fclose(f);
    return alive ? 0 : -1;
}

/* Starts following a task we have not seen before, and tells the script. */
static struct task *adopt(struct tracer *t, pid_t tid)
{
    pid_t tgid, ppid;
    if (read_task_status(tid, &tgid, &ppid) < 0)
        return NULL;
    struct task *task = tasks_add(&t->tasks, tid);
    if (!task)
        return NULL;
    task->tgid = tgid;
    if (t->hooks->spawn) {
        struct task_event ev = { .pid = tgid, .tid = tid, .ppid = ppid, .thread = tgid != tid };
        t->hooks->spawn(t->hooks->ctx, &ev);
    }
    return task;
}

static void read_child_reports(struct tracer *t)
{
    struct child_report r;
    while (t->report_pipe >= 0 && read(t->report_pipe, &r, sizeof r) == sizeof r) {
        if (r.stage == SPAWN_FILTER) {
            fprintf(stderr, "wtlua: cannot install the seccomp filter (%s); "
                            "stopping at every syscall instead\n", strerror(r.err));
            t->filtered = false;
            t->base_resume = PTRACE_SYSCALL;
            t->filter_warning = true;
        } else {
            fail(t, (enum spawn_stage)r.stage, r.err);
        }
    }
}

static void task_gone(struct tracer *t, struct task *task, pid_t tid, int status)
{
    if (task) {
        if (t->hooks->gone) {
            struct task_event ev = { .pid = task->tgid, .tid = tid, .status = status };
            t->hooks->gone(t->hooks->ctx, &ev);
        }
        tasks_remove(&t->tasks, task);
    }
    if (tid == t->root) {
        t->root_status = status;
        if (!t->root_started)
            read_child_reports(t);
    }
}

static void child_event(struct tracer *t, pid_t parent)
{
    unsigned long child = 0;
    if (ptrace(PTRACE_GETEVENTMSG, parent, NULL, &child) < 0 || child == 0)
        return;
    /* The child's own first stop may have been reported first. */
    if (!tasks_find(&t->tasks, (pid_t)child))
        adopt(t, (pid_t)child);
}

static struct task *exec_event(struct tracer *t, struct task *task)
{
    unsigned long former = 0;
    ptrace(PTRACE_GETEVENTMSG, task->tid, NULL, &former);
    /* A non-leader thread exec'd: it now has the leader's tid, the leader
     * vanished without an exit report, and the old tid is gone too. */
    if (former && (pid_t)former != task->tid) {
        struct task *old = tasks_find(&t->tasks, (pid_t)former);
        if (old) {
            task->awaiting_exit = old->awaiting_exit;
            task->entry = old->entry;
            tasks_remove(&t->tasks, old);
        }
    }
    task->tgid = task->tid;
    if (task->tid == t->root && !t->root_started) {
        t->root_started = true;
        read_child_reports(t);
    }
    if (t->hooks->exec) {
        struct task_event ev = { .pid = task->tid, .tid = task->tid,
                                 .old_tid = former ? (pid_t)former : task->tid };
        t->hooks->exec(t->hooks->ctx, &ev);
    }
    return task;
}

/* A syscall entry, seccomp or exit stop; returns how to resume. */
static int syscall_stop(struct tracer *t, struct task *task, bool by_filter)
{
    struct syscall_event *ev = &task->entry;
    switch (stop_syscall(task->tid, ev)) {
    case SYSCALL_ENTRY: {
        ev->pid = task->tgid;
        ev->tid = task->tid;
        /* The filter has checked the arguments already; without one the
         * same declarations are checked here, before Lua is called. */
        bool wanted = by_filter || interest_match(t->interest, ev->arch, ev->nr, ev->args);
        task->awaiting_exit = false;
        if (!wanted)
            return t->base_resume;
        if (t->hooks->enter)
            t->hooks->enter(t->hooks->ctx, ev);
        task->awaiting_exit = t->hooks->exit &&
                              (interest_flags(t->interest, ev->arch, ev->nr) & NR_EXIT);
        return task->awaiting_exit ? PTRACE_SYSCALL : t->base_resume;
    }
    case SYSCALL_EXIT:
        if (task->awaiting_exit && t->hooks->exit)
            t->hooks->exit(t->hooks->ctx, ev);
        task->awaiting_exit = false;
        return t->base_resume;
    default:
        return task->awaiting_exit ? PTRACE_SYSCALL : t->base_resume;
    }
}

static void handle_stop(struct tracer *t, pid_t tid, int status)
{
    struct task *task = tasks_find(&t->tasks, tid);
    struct stop s = stop_decode(status);
    if (s.kind == STOP_EXITED) {
        task_gone(t, task, tid, status);
        return;
    }
    if (!task && !(task = adopt(t, tid))) {
        resume(tid, t->base_resume, 0);
        return;
    }
    int how = task->awaiting_exit ? PTRACE_SYSCALL : t->base_resume, sig = 0;
    switch (s.kind) {
    case STOP_SYSCALL:
    case STOP_SECCOMP:
        how = syscall_stop(t, task, s.kind == STOP_SECCOMP && t->filtered);
        break;
    case STOP_CHILD:
        child_event(t, tid);
        break;
    case STOP_EXEC:
        task = exec_event(t, task);
        how = task->awaiting_exit ? PTRACE_SYSCALL : t->base_resume;
        break;
    case STOP_GROUP:
        /* Stay stopped, as job control wants, but keep reporting. */
        how = PTRACE_LISTEN;
        break;
    case STOP_SIGNAL:
        sig = s.signal;
        break;
    default:
        break;
    }
    resume(task->tid, how, sig);
}

static void kill_task(struct task *task, void *arg)
{
    (void)arg;
    kill(task->tid, SIGKILL);
}

static void signal_task_group(struct task *task, void *arg)
{
    if (task->tid == task->tgid)
        kill(task->tgid, *(int *)arg);
}

/* First SIGINT/SIGTERM/SIGHUP: pass it on to the command (a terminal's
 * Ctrl-C has reached it already, kill(1) has not: sending it once more is
 * harmless) and keep tracing so the report is complete.  Second: kill. */
static void handle_interrupts(struct tracer *t, int *seen)
{
    if (tracer_interrupts == *seen)
        return;
    *seen = tracer_interrupts;
    int sig = tracer_last_signal;
    if (*seen >= 2)
        tasks_each(&t->tasks, kill_task, NULL);
    else if (t->root && tasks_find(&t->tasks, t->root))
        kill(t->root, sig);
    else
        tasks_each(&t->tasks, signal_task_group, &sig);
}

int tracer_run(struct tracer *t)
{
    int seen_interrupts = 0;
    for (;;) {
        handle_interrupts(t, &seen_interrupts);
        int status;
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: no tracee left */
        }
        handle_stop(t, tid, status);
    }
    return t->failed_stage == SPAWN_OK ? 0 : -1;
}

static _Noreturn void report_and_exit(int fd, enum spawn_stage stage, int err)
{
    struct child_report r = { stage, err };
    if (write(fd, &r, sizeof r) < 0) {
        /* nobody to tell */
    }
    _exit(127);
}

/* In the child: wait to be seized, install the filter, exec. */
static _Noreturn void run_child(struct tracer *t, int report_fd, const char *path,
                                char *const argv[])
{
    raise(SIGSTOP);
    if (t->filtered && wants_syscalls(t)) {
        const char *stage;
        int rc = filter_install(t->interest, &stage);
        if (rc < 0) {
            struct child_report r = { SPAWN_FILTER, -rc };
            if (write(report_fd, &r, sizeof r) < 0)
                _exit(127);
        }
    }
    execv(path, argv);
    report_and_exit(report_fd, SPAWN_EXEC, errno);
}

int tracer_spawn(struct tracer *t, const char *path, char *const argv[])
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fail(t, SPAWN_FORK, errno);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fail(t, SPAWN_FORK, errno);
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        run_child(t, fds[1], path, argv);
    }
    close(fds[1]);
    t->report_pipe = fds[0];
    fcntl(t->report_pipe, F_SETFL, O_NONBLOCK);

    int status;
    while (waitpid(pid, &status, WSTOPPED) < 0 && errno == EINTR)
        ;
    if (!WIFSTOPPED(status)) {
        fail(t, SPAWN_FORK, ECHILD);
        return -1;
    }
    /* Kill-on-exit: a command under our filter cannot run without us. */
    if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)(SEIZE_OPTIONS | PTRACE_O_EXITKILL)) < 0) {
        fail(t, SPAWN_SEIZE, errno);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    t->root = pid;
    if (!adopt(t, pid)) {
        fail(t, SPAWN_FORK, ENOMEM);
        kill(pid, SIGKILL);
        return -1;
    }
    kill(pid, SIGCONT);
    return 0;
}

void tracer_free(struct tracer *t)
{
    tasks_free(&t->tasks);
    if (t->report_pipe >= 0)
        close(t->report_pipe);
    t->report_pipe = -1;
}
