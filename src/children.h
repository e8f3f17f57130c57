/* Processes a script starts (io.popen, os.execute): wtlua's own children,
 * not traced.  The stop loop waits for any child, so it may reap one of
 * them; their status is then kept here for the script's close. */
#ifndef WTLUA_CHILDREN_H
#define WTLUA_CHILDREN_H

#include <stdbool.h>
#include <sys/types.h>

/* Starts /bin/sh -c command with its standard input (child_reads) or
 * output connected to *fd, a close-on-exec pipe end of wtlua's.  Returns
 * the pid, or -1 with errno set. */
pid_t children_popen(const char *command, bool child_reads, int *fd);

/* Starts /bin/sh -c command with wtlua's own standard streams.  Returns
 * the pid, or -1 with errno set. */
pid_t children_spawn(const char *command);

/* The wait status of a script child, waiting for it if it has not been
 * reaped yet.  Returns 0, or -1 with errno set. */
int children_wait(pid_t pid, int *status);

/* The stop loop reaped pid, which it does not trace: keeps the status when
 * pid is a script child.  Returns whether it was one. */
bool children_claim(pid_t pid, int status);

#endif
