/* The report: the stream print() writes to, the -o file or standard error.
 * Writing it can never harm the command: a write interrupted by a signal
 * is retried, and a report that cannot be written (its reader gone, a full
 * disk) ends there with one message while tracing goes on. */
#ifndef WTLUA_REPORT_H
#define WTLUA_REPORT_H

#include <stdio.h>

/* Opens the report: path; "-" for standard output; standard error when
 * path is NULL (a descriptor of its own, either way).  NULL with a message on standard error when
 * the file cannot be created. */
FILE *report_open(const char *path);

/* Flushes and closes it.  Returns the errno of the first write that failed
 * (the rest of the report was lost), or 0. */
int report_close(FILE *report);

#endif
