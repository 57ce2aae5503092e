/*
 * daemon: the process's life: detaching, the pid file, signals.
 */
#ifndef VS_DAEMON_H
#define VS_DAEMON_H

#include <signal.h>

/* Set by the signal handlers; the loop reads them. */
extern volatile sig_atomic_t daemon_stop;   /* SIGTERM, SIGINT */
extern volatile sig_atomic_t daemon_reload; /* SIGHUP */

/* Installs handlers for SIGTERM, SIGINT and SIGHUP (interrupting poll, not
 * restarting it) and ignores SIGPIPE. */
void daemon_signals(void);

/* Detaches from the terminal (fork, setsid, stdio to /dev/null). Returns 0
 * in the daemon, -1 when it cannot. */
int daemon_detach(void);

/* Writes the pid file, refusing to if another live process holds it.
 * Returns 0 or -1 (logged). */
int daemon_pidfile_write(const char *path);
void daemon_pidfile_remove(const char *path);

#endif
