/* The floor for the benchmark: `bare-tracer [-r] [-p] COMMAND [ARG...]` makes
 * exactly the ptrace stops wtlua's default script makes, and nothing else:
 * a seccomp filter stops write-opens (open/openat with O_WRONLY or O_RDWR
 * and without O_PATH, every creat and openat2), each is resumed with
 * PTRACE_SYSCALL to see its exit, and every task is followed.  No Lua, no
 * task table, no path resolution; with -r it also copies the path argument
 * out of the tracee (one process_vm_readv, as wtlua and strace do); with -p
 * it polls for the next stop as wtlua does by default (src/waiter.c: up to
 * 100 us of waitpid(WNOHANG) and sched_yield while stops come that fast).
 *
 * Per stop: wait4, PTRACE_GET_SYSCALL_INFO, the resume, and with -r one
 * process_vm_readv at an entry.  What wtlua adds over this is the cost of
 * its engine and of the script.  x86_64 tracees only (i386 ones run
 * unfiltered); built by tests/bench/run-bench. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

static int install_filter(void)
{
    /* Jump offsets count from the next instruction. */
    struct sock_filter f[] = {
        /*  0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        /*  1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 12),
        /*  2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /*  3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 2),
        /*  4 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
        /*  5 */ BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0),
        /*  6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_open, 0, 2),
        /*  7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
        /*  8 */ BPF_JUMP(BPF_JMP | BPF_JA, 2, 0, 0),
        /*  9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_creat, 3, 0),
        /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat2, 2, 3),
        /* 11 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_PATH, 2, 0),
        /* 12 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_WRONLY | O_RDWR, 0, 1),
        /* 13 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
        /* 14 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void read_path(pid_t pid, const struct __ptrace_syscall_info *info)
{
    static char buf[4096];
    unsigned long long nr = info->seccomp.nr;
    unsigned long long addr = info->seccomp.args[nr == __NR_openat || nr == __NR_openat2];
    /* Up to the end of the page, as wtlua and strace read strings. */
    size_t len = 4096 - (size_t)(addr & 4095);
    struct iovec local = { buf, len }, remote = { (void *)(unsigned long)addr, len };
    process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

#define SPIN_NS 100000

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* waitpid(-1, st, __WALL), polling first while the last wait was short. */
static pid_t wait_polling(int *st)
{
    static int fast;
    long long start = now_ns();
    pid_t pid = 0;
    while (fast && pid == 0 && now_ns() - start < SPIN_NS) {
        pid = waitpid(-1, st, __WALL | WNOHANG);
        if (pid == 0)
            sched_yield();
    }
    if (pid == 0)
        pid = waitpid(-1, st, __WALL);
    fast = now_ns() - start < SPIN_NS;
    return pid;
}

int main(int argc, char **argv)
{
    int read_paths = 0, poll = 0, first = 1;
    for (; first < argc; first++) {
        if (strcmp(argv[first], "-r") == 0)
            read_paths = 1;
        else if (strcmp(argv[first], "-p") == 0)
            poll = 1;
        else
            break;
    }
    char **cmd = argv + first;
    if (!*cmd || (*cmd)[0] == '-') {
        fprintf(stderr, "usage: bare-tracer [-r] [-p] COMMAND [ARG...]\n");
        return 2;
    }
    pid_t root = fork();
    if (root < 0)
        return 2;
    if (root == 0) {
        raise(SIGSTOP);
        if (install_filter() < 0) {
            perror("bare-tracer: seccomp");
            _exit(126);
        }
        execvp(cmd[0], cmd);
        perror(cmd[0]);
        _exit(127);
    }
    int st;
    waitpid(root, &st, WSTOPPED);
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |
                PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
                PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SEIZE, root, NULL, (void *)opts) < 0) {
        perror("bare-tracer: PTRACE_SEIZE");
        kill(root, SIGKILL);
        return 2;
    }
    kill(root, SIGCONT);
    int root_status = 0;
    for (;;) {
        pid_t pid = poll ? wait_polling(&st) : waitpid(-1, &st, __WALL);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (!WIFSTOPPED(st)) {
            if (pid == root)
                root_status = st;
            continue;
        }
        int sig = WSTOPSIG(st), event = (unsigned)st >> 16, how = PTRACE_CONT, inject = 0;
        struct __ptrace_syscall_info info;
        if (event == PTRACE_EVENT_SECCOMP) {
            ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info);
            if (read_paths)
                read_path(pid, &info);
            how = PTRACE_SYSCALL;
        } else if (event == 0 && sig == (SIGTRAP | 0x80)) {
            ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info);
        } else if (event == PTRACE_EVENT_STOP) {
            if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
                how = PTRACE_LISTEN;
        } else if (event == 0) {
            inject = sig;
        }
        ptrace(how, pid, NULL, (void *)(long)inject);
    }
    if (WIFSIGNALED(root_status))
        return 128 + WTERMSIG(root_status);
    return WEXITSTATUS(root_status);
}
