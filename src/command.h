/* Finding the program to run, the way execvp(3) and the shell do, so that
 * "not found" and "not executable" are told apart before anything starts. */
#ifndef WTLUA_COMMAND_H
#define WTLUA_COMMAND_H

#include <stddef.h>

/* Writes the program's path into out.  Returns 0, -ENOENT (not found),
 * -EACCES (found, not executable) or -EISDIR (a directory, named with a
 * slash). */
int command_find(const char *name, char *out, size_t outsz);

#endif
