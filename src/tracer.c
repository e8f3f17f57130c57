#include "tracer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "children.h"
#include "clock.h"
#include "inherit.h"
#include "memory.h"
#include "modify.h"
#include "procfs.h"

/* Set by tracer_interrupt, in a signal handler: how many interrupting
 * signals came, the last one, and whether a process sent it. */
static volatile sig_atomic_t interrupts, last_signal, signal_from_process;
/* tracer_run is in its loop: only then does an interrupt need waking it. */
static volatile sig_atomic_t loop_running;

/* What the child writes to the report pipe before exec (the filter could
 * not be installed: step is the filter_step that failed) or instead of it
 * (exec failed). */
struct child_report {
    int stage;
    int step;
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
    t->root_resume = PTRACE_CONT;
}

/* Whether the command needs the filter (or, without one, syscall stops):
 * for the script's syscall hooks, or for its denials. */
static bool wants_syscalls(const struct tracer *t)
{
    return t->hooks->enter || t->hooks->exit || interest_denies(t->interest);
}

/* How a task without our filter is resumed between syscalls. */
static int unfiltered_resume(const struct tracer *t)
{
    return wants_syscalls(t) ? PTRACE_SYSCALL : PTRACE_CONT;
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

/* A new task runs the way its creator does: under the filter or not,
 * being detached or not. */
static void inherit(struct task *child, const struct task *creator, const struct tracer *t)
{
    if (creator) {
        child->resume = creator->resume;
        child->attached = creator->attached;
        child->detaching = creator->detaching;
    } else {
        /* Creator unknown: stop at every syscall, which never misses one
         * (a filtered task then reports some entries twice; see
         * syscall_stop).  Detach it only when nothing here is filtered. */
        child->resume = unfiltered_resume(t);
        child->attached = !t->root;
    }
}

/* What a new task is when /proc cannot say (wtlua out of memory or
 * descriptors): the creator's event tells a fork from a clone, and a clone
 * is most often a thread. */
static void guess_status(pid_t tid, const struct task *creator, int event,
                         struct proc_status *st)
{
    bool thread = creator && event == PTRACE_EVENT_CLONE;
    st->tgid = thread ? creator->tgid : tid;
    st->ppid = creator && !thread ? creator->tgid : 0;
    st->alive = true;
}

/* Starts following a task we have not seen before, and tells the script.
 * creator is the task whose fork/clone event (event) named it, when known.
 * Returns NULL only when the task is already gone. */
static struct task *adopt(struct tracer *t, pid_t tid, const struct task *creator, int event)
{
    struct proc_status st;
    int rc = procfs_status(tid, &st);
    if (rc == -ENOENT || rc == -ESRCH || (rc == 0 && !st.alive))
        return NULL;
    if (rc < 0) {
        guess_status(tid, creator, event, &st);
        fprintf(stderr, "wtlua: cannot read /proc/%d/status (%s); following it as %s %d\n",
                (int)tid, strerror(-rc), st.tgid == tid ? "process" : "a thread of", (int)st.tgid);
    }
    struct task *task = tasks_add(&t->tasks, tid);
    if (!task) {
        fprintf(stderr, "wtlua: out of memory: task %d runs on untraced\n", (int)tid);
        return NULL;
    }
    task->tgid = st.tgid;
    if (!creator)
        creator = tasks_find(&t->tasks, st.tgid != tid ? st.tgid : st.ppid);
    inherit(task, creator, t);
    if (t->hooks->spawn) {
        struct task_event ev = { .pid = st.tgid, .tid = tid, .ppid = st.ppid,
                                 .thread = st.tgid != tid };
        t->hooks->spawn(t->hooks->ctx, &ev);
    }
    return task;
}

static void read_child_reports(struct tracer *t, struct task *root)
{
    struct child_report r;
    while (t->report_pipe >= 0 && read(t->report_pipe, &r, sizeof r) == sizeof r) {
        if (r.stage == SPAWN_FILTER) {
            const char *name = strerrorname_np(r.err);
            fprintf(stderr, "wtlua: cannot install the seccomp filter: %s failed with %s (%s); "
                            "stopping at every syscall instead\n",
                    filter_step_name((enum filter_step)r.step), name ? name : "?",
                    strerror(r.err));
            t->root_resume = PTRACE_SYSCALL;
            if (root)
                root->resume = PTRACE_SYSCALL;
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
            read_child_reports(t, NULL);
    }
}

static void child_event(struct tracer *t, struct task *parent, int event)
{
    unsigned long id = 0;
    if (ptrace(PTRACE_GETEVENTMSG, parent->tid, NULL, &id) < 0 || id == 0)
        return;
    /* The child's own first stop may have been reported first. */
    struct task *child = tasks_find(&t->tasks, (pid_t)id);
    if (child)
        inherit(child, parent, t);
    else
        adopt(t, (pid_t)id, parent, event);
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
            task->in_syscall = old->in_syscall;
            task->exit_hook = old->exit_hook;
            task->entry = old->entry;
            task->entry.tid = task->tid;
            tasks_remove(&t->tasks, old);
        }
    }
    task->tgid = task->tid;
    if (task->tid == t->root && !t->root_started) {
        t->root_started = true;
        read_child_reports(t, task);
    }
    if (t->hooks->exec) {
        struct task_event ev = { .pid = task->tid, .tid = task->tid,
                                 .old_tid = former ? (pid_t)former : task->tid };
        t->hooks->exec(t->hooks->ctx, &ev);
    }
    return task;
}

/* A seccomp stop whose data is not ours: a tracee's own filter answered
 * SECCOMP_RET_TRACE, which without a tracer fails the syscall with ENOSYS. */
static bool own_filter_stop(const struct syscall_event *ev, bool seccomp_stop)
{
    return seccomp_stop && ev->seccomp_data != FILTER_TRACE_DATA;
}

static void warn_modify(pid_t tid, const char *what, int rc)
{
    if (rc != -ESRCH) /* gone: its exit comes next */
        fprintf(stderr, "wtlua: cannot %s a syscall of task %d: %s\n", what, (int)tid,
                strerror(-rc));
}

/* At a seccomp stop of the tracee's own filter: it gets what it would get
 * without wtlua, ENOSYS, set at the exit stop. */
static void skip_as_untraced(struct task *task)
{
    int rc = modify_skip(task->tid, true);
    if (rc < 0) {
        warn_modify(task->tid, "skip", rc);
        return;
    }
    task->skipped = true;
    task->skip_ret = -ENOSYS;
}

/* At the exit stop of a skipped syscall: its result. */
static void finish_skip(struct task *task, struct syscall_event *ev)
{
    int rc = modify_set_return(task->tid, task->skip_ret);
    if (rc < 0)
        warn_modify(task->tid, "set the result of", rc);
    ev->ret = task->skip_ret;
    ev->is_error = modify_is_error(task->skip_ret);
    task->skipped = false;
}

/* sc:delay: the thread stays stopped until a timer resumes it. */
static void hold(struct tracer *t, struct task *task, const struct syscall_change *c)
{
    struct timer resume = { monotonic_ns() + c->delay_ns, TIMER_RESUME, task->tid, 0 };
    if ((c->what & CHANGE_DELAY) && timers_add(&t->timers, resume) == 0)
        task->held_how = -1; /* set to the resume request by the caller */
}

/* A hook's changes at an entry stop (sc:set_arg, sc:fail, sc:signal,
 * sc:delay), applied now that it has returned without an error. */
static void apply_entry_change(struct tracer *t, struct task *task, bool seccomp_stop)
{
    struct syscall_event *ev = &task->entry;
    struct syscall_change *c = &ev->change;
    int rc = 0;
    if (c->what & CHANGE_ARGS) {
        rc = modify_set_args(task->tid, seccomp_stop, ev->arch, ev->nr, c->args);
        if (rc < 0)
            warn_modify(task->tid, "change the arguments of", rc);
    }
    if ((c->what & CHANGE_RETURN) && (rc = modify_skip(task->tid, seccomp_stop)) == 0) {
        task->skipped = true;
        task->skip_ret = c->ret;
        ev->injected = true;
    } else if (c->what & CHANGE_RETURN) {
        warn_modify(task->tid, "skip", rc);
    }
    if (c->what & CHANGE_SIGNAL)
        tgkill(task->tgid, task->tid, c->signal);
    hold(t, task, c);
    change_clear(c);
}

/* A hook's changes at an exit stop (sc:set_return, sc:fail, sc:write,
 * sc:signal, sc:delay). */
static void apply_exit_change(struct tracer *t, struct task *task)
{
    struct syscall_event *ev = &task->entry;
    struct syscall_change *c = &ev->change;
    int rc;
    if ((c->what & CHANGE_RETURN) && (rc = modify_set_return(task->tid, c->ret)) < 0)
        warn_modify(task->tid, "set the result of", rc);
    for (unsigned i = 0; i < c->nwrites; i++) {
        const struct change_write *w = &c->writes[i];
        if ((rc = mem_write(task->tid, w->addr, w->data, w->len)) < 0)
            warn_modify(task->tid, "write the buffer of", rc);
    }
    if (c->what & CHANGE_SIGNAL)
        tgkill(task->tgid, task->tid, c->signal);
    hold(t, task, c);
    change_clear(c);
}

/* A syscall entry, seccomp or exit stop; returns how to resume. */
static int syscall_stop(struct tracer *t, struct task *task, bool seccomp_stop)
{
    struct syscall_event *ev = &task->entry;
    bool by_filter = seccomp_stop && task->resume == PTRACE_CONT;
    switch (stop_syscall(task->tid, ev)) {
    case SYSCALL_ENTRY: {
        bool own_filter = own_filter_stop(ev, seccomp_stop);
        /* A task resumed with PTRACE_SYSCALL reports one entry twice when a
         * filter stops it (entry stop, then seccomp stop): handle it once.
         * A plain entry stop always starts a new syscall. */
        if (task->in_syscall && seccomp_stop) {
            if (own_filter)
                skip_as_untraced(task);
            return PTRACE_SYSCALL;
        }
        ev->pid = task->tgid;
        ev->tid = task->tid;
        /* Our filter has checked the arguments already; without it the
         * same declarations are checked here, before Lua is called.  At a
         * stop of the tracee's own filter what ours said is unknown: the
         * kernel reports the newest filter's data among equal actions. */
        unsigned flags = interest_flags(t->interest, ev->arch, ev->nr);
        /* NR_TRACED: the filter also stops at calls no rule names, such as
         * the socketcall(2) form libseccomp adds to i386's connect. */
        bool wanted =
            (by_filter && !own_filter && (flags & NR_TRACED) && !(flags & NR_RECHECK)) ||
            interest_match(t->interest, ev->arch, ev->nr, ev->args);
        ev->injected = false;
        /* Where the kernel did not deny a call it should (no filter: an
         * attached task, or one it failed to load; libseccomp letting a
         * stop rule for socketcall override a denial's companion rule),
         * wtlua does: the call fails, and no hook sees it. */
        int denied = interest_denied(t->interest, ev->arch, ev->nr, ev->args);
        if (denied) {
            ev->change.what = CHANGE_RETURN;
            ev->change.ret = -denied;
            wanted = false;
        }
        if (wanted)
            ev->enter_ns = monotonic_ns();
        if (wanted && t->hooks->enter)
            t->hooks->enter(t->hooks->ctx, ev);
        if (own_filter) { /* the call fails as without wtlua, unchanged */
            change_clear(&ev->change);
            skip_as_untraced(task);
        } else {
            apply_entry_change(t, task, seccomp_stop);
        }
        task->exit_hook = wanted && t->hooks->exit && (flags & NR_EXIT);
        task->in_syscall = task->exit_hook || task->skipped || task->resume == PTRACE_SYSCALL;
        return task->in_syscall ? PTRACE_SYSCALL : task->resume;
    }
    case SYSCALL_EXIT:
        if (task->skipped)
            finish_skip(task, ev);
        if (task->exit_hook) {
            ev->exit_ns = monotonic_ns();
            t->hooks->exit(t->hooks->ctx, ev);
            apply_exit_change(t, task);
        }
        task->in_syscall = task->exit_hook = false;
        return task->resume;
    default:
        return task->in_syscall ? PTRACE_SYSCALL : task->resume;
    }
}

/* A stop of the tracee's own filter where its task is let go: skipped, it
 * fails with ENOSYS, which x86 has in the result register at this stop. */
static void skip_before_detach(struct task *task)
{
    if (stop_syscall(task->tid, &task->entry) == SYSCALL_ENTRY &&
        own_filter_stop(&task->entry, true)) {
        int rc = modify_skip(task->tid, true);
        if (rc < 0)
            warn_modify(task->tid, "skip", rc);
    }
}

/* A task being detached stops for the last time: let it go, delivering
 * the signal it stopped for, or staying in its job-control stop. */
static void detach_now(struct tracer *t, struct task *task, struct stop s)
{
    ptrace(PTRACE_DETACH, task->tid, NULL, (void *)(long)(s.kind == STOP_SIGNAL ? s.signal : 0));
    tasks_remove(&t->tasks, task);
}

/* At a signal-delivery stop: whether the script lets the signal through. */
static bool deliver_signal(struct tracer *t, struct task *task, int sig)
{
    /* The SIGCONT tracer_spawn sends the command before its exec is
     * wtlua's own: no script needs to see it. */
    bool own = task->tid == t->root && !t->root_started && sig == SIGCONT;
    if (!t->hooks->signal || own)
        return true;
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (ptrace(PTRACE_GETSIGINFO, task->tid, NULL, &info) < 0)
        info.si_signo = sig;
    struct signal_event ev = { .pid = task->tgid, .tid = task->tid, .signal = sig,
                               .code = info.si_code };
    if (info.si_code <= 0) { /* kill, tgkill, sigqueue: a process sent it */
        ev.sender = info.si_pid;
        ev.sender_uid = info.si_uid;
    }
    return t->hooks->signal(t->hooks->ctx, &ev);
}

static void handle_stop(struct tracer *t, pid_t tid, int status)
{
    struct task *task = tasks_find(&t->tasks, tid);
    struct stop s = stop_decode(status);
    if (s.kind == STOP_EXITED) {
        if (task || !children_claim(tid, status))
            task_gone(t, task, tid, status);
        return;
    }
    if (!task && !(task = adopt(t, tid, NULL, 0))) {
        resume(tid, PTRACE_SYSCALL, s.kind == STOP_SIGNAL ? s.signal : 0);
        return;
    }
    if (task->detaching && s.kind != STOP_CHILD) {
        /* A return the script saw the entry of, or a skipped syscall's
         * result, is delivered first. */
        if (s.kind == STOP_SYSCALL && (task->exit_hook || task->skipped))
            syscall_stop(t, task, false);
        else if (s.kind == STOP_SECCOMP)
            skip_before_detach(task);
        detach_now(t, task, s);
        return;
    }
    int how = task->in_syscall ? PTRACE_SYSCALL : task->resume, sig = 0;
    switch (s.kind) {
    case STOP_SYSCALL:
    case STOP_SECCOMP:
        how = syscall_stop(t, task, s.kind == STOP_SECCOMP);
        break;
    case STOP_CHILD:
        child_event(t, task, (status >> 16) & 0xff);
        break;
    case STOP_EXEC:
        task = exec_event(t, task);
        how = task->in_syscall ? PTRACE_SYSCALL : task->resume;
        break;
    case STOP_GROUP:
        /* Stay stopped, as job control wants, but keep reporting. */
        how = PTRACE_LISTEN;
        break;
    case STOP_SIGNAL:
        sig = deliver_signal(t, task, s.signal) ? s.signal : 0;
        break;
    default:
        break;
    }
    if (task->held_how) { /* sc:delay: the timer resumes it */
        task->held_how = how;
        return;
    }
    resume(task->tid, how, sig);
}

/* Resumes the threads whose sc:delay is over, and calls the periodic
 * functions that are due (each again one period later; missed periods of
 * a slow one are skipped, not made up). */
static void run_timers(struct tracer *t)
{
    struct timer due;
    uint64_t now = monotonic_ns();
    while (timers_take_due(&t->timers, now, &due)) {
        if (due.kind == TIMER_TICK) {
            t->hooks->tick(t->hooks->ctx, due.id);
            uint64_t period = t->hooks->periods[due.id];
            now = monotonic_ns();
            due.deadline += period;
            if (due.deadline <= now)
                due.deadline = now + period;
            timers_add(&t->timers, due);
            continue;
        }
        struct task *task = tasks_find(&t->tasks, due.tid);
        if (task && task->held_how) { /* not killed meanwhile */
            resume(task->tid, task->held_how, 0);
            task->held_how = 0;
        }
    }
}

static void start_ticks(struct tracer *t)
{
    uint64_t now = monotonic_ns();
    for (unsigned id = 0; t->hooks->tick && id < t->hooks->nperiods; id++) {
        struct timer tick = { now + t->hooks->periods[id], TIMER_TICK, 0, id };
        if (timers_add(&t->timers, tick) < 0)
            fprintf(stderr, "wtlua: out of memory: periodic function %u not started\n", id + 1);
    }
}


static void kill_task(struct task *task, void *arg)
{
    (void)arg;
    if (!task->attached)
        kill(task->tid, SIGKILL);
}

/* Attached tasks are interrupted, and detached at the stop that follows. */
static void start_detach(struct task *task, void *arg)
{
    (void)arg;
    if (task->attached && !task->detaching) {
        task->detaching = true;
        if (task->held_how) { /* no stop will come while it is held: let it go on */
            resume(task->tid, task->held_how, 0);
            task->held_how = 0;
        } else {
            ptrace(PTRACE_INTERRUPT, task->tid, NULL, NULL);
        }
    }
}

static void signal_process(struct task *task, void *arg)
{
    if (!task->attached && task->tid == task->tgid)
        kill(task->tgid, *(int *)arg);
}

/* A signal that comes after tracer_run has checked for interrupts but
 * before it blocks in waitpid would only be seen at the next ptrace event,
 * which an idle tracee may never make.  So each interrupt arms a repeating
 * timer whose SIGALRM breaks the wait until the loop has seen the
 * interrupt; the stop path itself pays nothing for it. */
static void set_wake_timer(bool on)
{
    struct timeval period = { 0, on ? 20000 : 0 };
    struct itimerval it = { period, period };
    setitimer(ITIMER_REAL, &it, NULL); /* a plain syscall: async-signal-safe */
}

void tracer_set_interrupt_action(const struct sigaction *sa)
{
    static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction old;
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(signals[i], sa, NULL);
    }
}

int tracer_interrupt(int sig, bool from_process)
{
    last_signal = sig;
    signal_from_process = from_process;
    interrupts++;
    if (loop_running)
        set_wake_timer(true);
    return interrupts;
}

/* SIGINT, SIGTERM or SIGHUP reached wtlua.  Attached processes are
 * detached and run on untouched.  Our filtered command cannot run without
 * us, so each of its processes gets the signal, as from a terminal (whose
 * own Ctrl-C has reached them already), and we trace on until they are
 * gone; a second signal kills them. */
/* Returns whether there was an interrupt to handle. */
static bool handle_interrupts(struct tracer *t, int *seen)
{
    if (interrupts == *seen)
        return false;
    /* Disarmed before the count is read: a signal after this arms it again. */
    set_wake_timer(false);
    *seen = interrupts;
    int sig = last_signal;
    tasks_each(&t->tasks, start_detach, NULL);
    if (*seen >= 2)
        tasks_each(&t->tasks, kill_task, NULL);
    else if (signal_from_process)
        tasks_each(&t->tasks, signal_process, &sig);
    return true;
}

static void on_wake_timer(int sig)
{
    (void)sig;
}

int tracer_run(struct tracer *t)
{
    /* No SA_RESTART: the timer's signal makes a blocked waitpid fail with
     * EINTR, so that the loop looks at interrupts again. */
    struct sigaction sa = { .sa_handler = on_wake_timer };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    int seen_interrupts = 0;
    loop_running = 1;
    /* Until no tracee is left: a script's own children (io.popen) may
     * still be running, and are not waited for. */
    bool woken = false;
    start_ticks(t);
    while (tasks_count(&t->tasks) > 0) {
        bool interrupted = handle_interrupts(t, &seen_interrupts);
        run_timers(t);
        /* The interrupt timer shares ITIMER_REAL; a wake-up may have come
         * early for a deadline: then arm again. */
        timers_arm(&t->timers, interrupted || woken);
        int status;
        pid_t tid = waiter_wait(&t->waiter, &status, &interrupts, seen_interrupts);
        woken = tid < 0;
        if (tid < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: no tracee left */
        }
        handle_stop(t, tid, status);
    }
    loop_running = 0;
    set_wake_timer(false); /* its signal would break the report's writes */
    t->timers.armed = 0;
    return t->failed_stage == SPAWN_OK ? 0 : -1;
}

void tracer_detach_all(struct tracer *t)
{
    tasks_each(&t->tasks, start_detach, NULL);
    tasks_each(&t->tasks, kill_task, NULL);
    tracer_run(t);
}

/* ---- attaching (-p) ---- */

/* Says which restriction refused PTRACE_SEIZE and what to do about it. */
static void explain_attach_error(pid_t pid, int err, char *msg, size_t size)
{
    if (err == ESRCH) {
        snprintf(msg, size, "cannot attach to %d: no such process", (int)pid);
        return;
    }
    if (err != EPERM) {
        snprintf(msg, size, "cannot attach to %d: %s", (int)pid, strerror(err));
        return;
    }
    struct proc_status st;
    pid_t other = procfs_status(pid, &st) == 0 ? st.tracer : 0;
    long scope = procfs_read_long("/proc/sys/kernel/yama/ptrace_scope");
    if (other > 0) {
        char comm[16] = "?";
        procfs_comm(other, comm);
        snprintf(msg, size, "cannot attach to %d: already traced by process %d (%s); "
                 "only one tracer at a time, detach that one first", (int)pid, (int)other, comm);
    } else if (scope >= 3) {
        snprintf(msg, size, "cannot attach to %d: Yama ptrace_scope is 3, attaching is "
                 "disabled until reboot", (int)pid);
    } else if (scope >= 1) {
        snprintf(msg, size, "cannot attach to %d: Yama ptrace_scope is %ld, which allows "
                 "tracing only %s; run wtlua as root, or set "
                 "/proc/sys/kernel/yama/ptrace_scope to 0", (int)pid, scope,
                 scope == 1 ? "descendants" : "for root");
    } else {
        snprintf(msg, size, "cannot attach to %d: Operation not permitted (another user's "
                 "process, or a protected one); run wtlua as its owner or as root", (int)pid);
    }
}

static int seize_thread(struct tracer *t, pid_t pid, pid_t tid, char *err, size_t errsz)
{
    if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)(long)SEIZE_OPTIONS) < 0) {
        if (errno == ESRCH && tid != pid)
            return 0; /* the thread ended meanwhile */
        explain_attach_error(pid, errno, err, errsz);
        return -1;
    }
    struct task *task = tasks_add(&t->tasks, tid);
    if (!task) {
        snprintf(err, errsz, "cannot attach to %d: out of memory", (int)pid);
        ptrace(PTRACE_DETACH, tid, NULL, NULL);
        return -1;
    }
    task->tgid = pid;
    task->attached = true;
    task->resume = unfiltered_resume(t);
    /* A seized task runs on; stop it once so that its next resume can
     * ask for syscall stops. */
    if (wants_syscalls(t))
        ptrace(PTRACE_INTERRUPT, tid, NULL, NULL);
    if (t->hooks->spawn) {
        struct proc_status st;
        pid_t ppid = procfs_status(tid, &st) == 0 ? st.ppid : 0;
        struct task_event ev = { .pid = pid, .tid = tid, .ppid = ppid,
                                 .thread = tid != pid, .attached = true };
        t->hooks->spawn(t->hooks->ctx, &ev);
    }
    return 0;
}

struct attach_pass {
    struct tracer *tracer;
    pid_t pid;
    char *err;
    size_t errsz;
    bool added;     /* a thread not seen before was seized */
};

static int attach_thread(pid_t tid, void *arg)
{
    struct attach_pass *pass = arg;
    if (tasks_find(&pass->tracer->tasks, tid))
        return 0;
    if (seize_thread(pass->tracer, pass->pid, tid, pass->err, pass->errsz) < 0)
        return 1; /* stops the listing */
    pass->added = true;
    return 0;
}

int tracer_attach(struct tracer *t, pid_t pid, char *err, size_t errsz)
{
    /* -p with a thread's id means its process. */
    struct proc_status st;
    if (procfs_status(pid, &st) == 0)
        pid = st.tgid;
    struct attach_pass pass = { t, pid, err, errsz, true };
    /* Threads created while we attach show up in the next pass. */
    while (pass.added) {
        pass.added = false;
        int rc = procfs_each_thread(pid, attach_thread, &pass);
        if (rc > 0)
            return -1; /* attach_thread said why */
        if (rc < 0) {
            if (tasks_find(&t->tasks, pid))
                return 0; /* it exited while we attached */
            explain_attach_error(pid, ESRCH, err, errsz);
            return -1;
        }
    }
    return 0;
}

/* ---- spawning ---- */

static _Noreturn void report_and_exit(int fd, enum spawn_stage stage, int err)
{
    struct child_report r = { stage, 0, err };
    if (write(fd, &r, sizeof r) < 0) {
        /* nobody to tell */
    }
    _exit(127);
}

/* In the child: wait to be seized, install the filter, exec. */
static _Noreturn void run_child(struct tracer *t, int report_fd, const char *path,
                                char *const argv[])
{
    /* wtlua's handlers would swallow a Ctrl-C meant for the command before
     * its exec. */
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    tracer_set_interrupt_action(&dfl);
    inherit_restore_signals();
    raise(SIGSTOP);
    if (wants_syscalls(t)) {
        enum filter_step step;
        int rc = filter_install(t->interest, &step);
        if (rc < 0) {
            struct child_report r = { SPAWN_FILTER, (int)step, -rc };
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
    inherit_prepare_fork();
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
    struct task *root = tasks_add(&t->tasks, pid);
    if (!root) {
        fail(t, SPAWN_FORK, ENOMEM);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        return -1;
    }
    root->tgid = pid;
    root->resume = t->root_resume;
    if (t->hooks->spawn) {
        struct task_event ev = { .pid = pid, .tid = pid, .ppid = getpid() };
        t->hooks->spawn(t->hooks->ctx, &ev);
    }
    kill(pid, SIGCONT);
    return 0;
}

void tracer_free(struct tracer *t)
{
    tasks_free(&t->tasks);
    timers_free(&t->timers);
    if (t->report_pipe >= 0)
        close(t->report_pipe);
    t->report_pipe = -1;
}
