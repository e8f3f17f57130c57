/* Replaying a capture (wtlua -r): its events go to a script's hooks in
 * the order they happened, as the tracer would have called them for the
 * script's declarations, while a tracee_source answers the readers and
 * decoders from what the capture kept. */
#ifndef WTLUA_CAPTURE_REPLAY_H
#define WTLUA_CAPTURE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "filter.h"
#include "tracer.h"

struct capture_reader;

/* Opens path and checks that it is a capture this wtlua reads.  NULL with
 * a one-line message in err: not a capture, a newer schema, corrupt.
 * Until it is closed, the reader is the tracee_source: the readers, and
 * wt.now() and wt.realtime(), which follow the capture's clock (its start
 * before the first event, then each event's time). */
struct capture_reader *capture_open(const char *path, char *err, size_t errsz);

/* The capture has no end marker: wtlua was stopped before it ended it
 * (killed, out of disk); it holds the events up to its last commit. */
bool capture_truncated(const struct capture_reader *r);

/* Calls hooks for every event the script's interest selects.  Returns 0,
 * or -1 with a one-line message in err (the file is corrupt). */
int capture_replay(struct capture_reader *r, const struct interest *in,
                   const struct tracer_hooks *hooks, char *err, size_t errsz);

void capture_close_reader(struct capture_reader *r);

#endif
