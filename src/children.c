#include "children.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inherit.h"

/* Few children at a time: a short list, searched linearly. */
struct child {
    pid_t pid;
    bool reaped;
    int status;
};

static struct child *children;
static size_t nchildren, cap;

static struct child *find(pid_t pid)
{
    for (size_t i = 0; i < nchildren; i++)
        if (children[i].pid == pid)
            return &children[i];
    return NULL;
}

static int add(pid_t pid)
{
    if (nchildren == cap) {
        size_t bigger = cap ? cap * 2 : 8;
        struct child *grown = realloc(children, bigger * sizeof *grown);
        if (!grown)
            return -1;
        children = grown;
        cap = bigger;
    }
    children[nchildren++] = (struct child){ pid, false, 0 };
    return 0;
}

static void drop(struct child *c)
{
    *c = children[--nchildren];
}

/* In the child: the shell, with fd (or -1) as its stdin or stdout. */
static _Noreturn void run_shell(const char *command, int fd, int target)
{
    inherit_restore_signals();
    if (fd == target)
        fcntl(fd, F_SETFD, 0); /* keep it across the exec */
    else if (fd >= 0 && dup2(fd, target) < 0) /* the copy is not close-on-exec */
        _exit(127);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
}

static pid_t start(const char *command, int fd, int target)
{
    inherit_prepare_fork();
    pid_t pid = fork();
    if (pid == 0)
        run_shell(command, fd, target);
    if (pid > 0 && add(pid) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        errno = ENOMEM;
        return -1;
    }
    return pid;
}

pid_t children_popen(const char *command, bool child_reads, int *fd)
{
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0)
        return -1;
    int mine = child_reads ? ends[1] : ends[0], theirs = child_reads ? ends[0] : ends[1];
    /* dup2 in the child clears close-on-exec on the copy it makes. */
    pid_t pid = start(command, theirs, child_reads ? STDIN_FILENO : STDOUT_FILENO);
    int err = errno;
    close(theirs);
    if (pid < 0) {
        close(mine);
        errno = err;
        return -1;
    }
    *fd = mine;
    return pid;
}

pid_t children_spawn(const char *command)
{
    return start(command, -1, -1);
}

int children_wait(pid_t pid, int *status)
{
    struct child *c = find(pid);
    if (c && c->reaped) {
        *status = c->status;
        drop(c);
        return 0;
    }
    pid_t got;
    while ((got = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    if (c)
        drop(c);
    return got < 0 ? -1 : 0;
}

bool children_claim(pid_t pid, int status)
{
    struct child *c = find(pid);
    if (!c)
        return false;
    c->reaped = true;
    c->status = status;
    return true;
}
