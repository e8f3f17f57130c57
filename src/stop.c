#include "stop.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static bool is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

struct stop stop_decode(int status)
{
    struct stop s = { STOP_SIGNAL, 0 };
    if (!WIFSTOPPED(status)) {
        s.kind = STOP_EXITED;
        return s;
    }
    int sig = WSTOPSIG(status);
    switch ((unsigned)status >> 16) {
    case 0:
        if (sig == (SIGTRAP | 0x80))
            s.kind = STOP_SYSCALL;
        else
            s.signal = sig;
        break;
    case PTRACE_EVENT_SECCOMP:
        s.kind = STOP_SECCOMP;
        break;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
        s.kind = STOP_CHILD;
        break;
    case PTRACE_EVENT_EXEC:
        s.kind = STOP_EXEC;
        break;
    case PTRACE_EVENT_STOP:
        s.kind = is_stop_signal(sig) ? STOP_GROUP : STOP_TRAP;
        break;
    default:
        s.kind = STOP_OTHER_EVENT;
        break;
    }
    return s;
}

enum syscall_op stop_syscall(pid_t tid, struct syscall_event *ev)
{
    struct __ptrace_syscall_info info = { 0 }; /* filled by the kernel; tools cannot tell */
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof info, &info) <= 0)
        return SYSCALL_NONE;
    switch (info.op) {
    case PTRACE_SYSCALL_INFO_ENTRY:
        ev->arch = arch_from_audit(info.arch);
        ev->nr = (long)info.entry.nr;
        for (int i = 0; i < 6; i++)
            ev->args[i] = info.entry.args[i];
        ev->sp = info.stack_pointer;
        ev->at_exit = false;
        return ev->arch ? SYSCALL_ENTRY : SYSCALL_NONE;
    case PTRACE_SYSCALL_INFO_SECCOMP:
        ev->arch = arch_from_audit(info.arch);
        ev->nr = (long)info.seccomp.nr;
        for (int i = 0; i < 6; i++)
            ev->args[i] = info.seccomp.args[i];
        ev->seccomp_data = info.seccomp.ret_data;
        ev->sp = info.stack_pointer;
        ev->at_exit = false;
        return ev->arch ? SYSCALL_ENTRY : SYSCALL_NONE;
    case PTRACE_SYSCALL_INFO_EXIT:
        ev->ret = info.exit.rval;
        ev->is_error = info.exit.is_error;
        ev->at_exit = true;
        return SYSCALL_EXIT;
    default:
        return SYSCALL_NONE;
    }
}
