/* The Lua side of the engine: the script's state, the `wt` module, the
 * reused syscall event object, and the hook calls. */
#ifndef WTLUA_LUABIND_H
#define WTLUA_LUABIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "filter.h"
#include "tracer.h"

struct script;

/* A Lua state with the wt module and the prelude from datadir/lua loaded;
 * print() writes to report.  NULL with a message in err on failure. */
struct script *script_new(const char *datadir, FILE *report, char *err, size_t errsz);

/* Makes -a KEY=VALUE arguments visible as wt.args (KEY without "=" is
 * true) and --json as wt.json, before the script is loaded. */
void script_set_args(struct script *s, char *const *args, size_t nargs, bool json);

/* Loads and runs the main chunk of a script file, or of code given with
 * -e when path is NULL.  Returns 0, or -1 with the error (and traceback
 * for runtime errors) in err. */
int script_load(struct script *s, const char *path, const char *code, char *err, size_t errsz);

/* The syscalls the script declared with wt.trace (all when none), with
 * the exit stop wanted where an on_return hook needs it, or everywhere
 * with all_returns (a capture keeps every result). */
int script_interest(struct script *s, bool all_returns, struct interest *in, char *err,
                    size_t errsz);

/* Fills hooks with the script's hook functions (NULL for each missing one). */
void script_hooks(struct script *s, struct tracer_hooks *hooks);

/* Runs on_end.  Returns 0, or -1 when it raised an error. */
int script_finish(struct script *s);

/* A hook raised an error: the hooks are off since. */
bool script_failed(const struct script *s);

/* The script called os.exit(code): hooks are off, the command runs on,
 * and wtlua exits with *code.  (os.exit in the main chunk makes
 * script_load fail; the command is then not started.) */
bool script_exit_requested(const struct script *s, int *code);

/* Async-signal-safe: makes a hook raise "interrupted" if it has been
 * running for over a second (a runaway loop), or at once with force. */
void script_interrupt(struct script *s, bool force);

void script_free(struct script *s);

#endif
