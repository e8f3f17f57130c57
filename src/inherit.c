#include "inherit.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

/* The descriptors open at start (a jobserver's pipe, a redirection such
 * as 3<file): sorted, they are few. */
static int *inherited;
static size_t ninherited;
static bool sigpipe_was_ignored;

static bool was_inherited(int fd)
{
    for (size_t i = 0; i < ninherited; i++)
        if (inherited[i] == fd)
            return true;
    return false;
}

/* Calls fn on each open descriptor but the listing's own. */
static void each_fd(void (*fn)(int fd))
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int own = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end == '\0' && end != e->d_name && fd != own)
            fn((int)fd);
    }
    closedir(d);
}

static void record(int fd)
{
    int *grown = realloc(inherited, (ninherited + 1) * sizeof *grown);
    if (grown) {
        inherited = grown;
        inherited[ninherited++] = fd;
    }
}

void inherit_init(void)
{
    each_fd(record);
    struct sigaction old;
    sigpipe_was_ignored = sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_IGN;
    signal(SIGPIPE, SIG_IGN);
}

static void keep_from_children(int fd)
{
    if (was_inherited(fd))
        return;
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && !(flags & FD_CLOEXEC))
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

void inherit_prepare_fork(void)
{
    each_fd(keep_from_children);
}

void inherit_restore_signals(void)
{
    if (!sigpipe_was_ignored)
        signal(SIGPIPE, SIG_DFL);
}
