/* What wtlua's own children (the command, and a script's io.popen and
 * os.execute) inherit from it: the descriptors and signal dispositions
 * wtlua itself was started with, and nothing the script or wtlua opened
 * or changed since.  A file a script opens (/etc/shadow, as root) must not
 * reach the command it traces. */
#ifndef WTLUA_INHERIT_H
#define WTLUA_INHERIT_H

/* Records the descriptors open now, then ignores SIGPIPE (a report whose
 * reader has gone must not kill wtlua, and with it the command).  Call
 * first thing in main. */
void inherit_init(void);

/* In wtlua, right before a fork: every descriptor opened since
 * inherit_init becomes close-on-exec. */
void inherit_prepare_fork(void);

/* In the child, right after fork: SIGPIPE as wtlua found it. */
void inherit_restore_signals(void);

#endif
