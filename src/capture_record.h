/* Recording a run into a capture (wtlua -w): hooks that the tracer calls
 * in place of the script's, which keep each event with the tracee state
 * its decoders read, and then call the script's own hooks, whose reads
 * are kept too. */
#ifndef WTLUA_CAPTURE_RECORD_H
#define WTLUA_CAPTURE_RECORD_H

#include "capture.h"
#include "tracer.h"

struct capture_recorder;

/* script: the script's hooks (kept, not copied).  Fills hooks with the
 * recorder's, which call script's.  NULL when out of memory. */
struct capture_recorder *capture_record_new(struct capture_writer *w, unsigned capture_size,
                                            const struct tracer_hooks *script,
                                            struct tracer_hooks *hooks);

/* Writes the calls still pending (their threads were never seen again). */
void capture_record_free(struct capture_recorder *r);

#endif
