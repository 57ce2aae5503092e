#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "log.h"

volatile sig_atomic_t daemon_stop;
volatile sig_atomic_t daemon_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		daemon_reload = 1;
	else
		daemon_stop = 1;
}

void daemon_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int daemon_detach(void)
{
	if (daemon(0, 0) < 0) {
		log_warn("cannot detach");
		return -1;
	}
	return 0;
}

int daemon_pidfile_write(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (fp) {
		long pid = 0;
		int got = fscanf(fp, "%ld", &pid);
		fclose(fp);
		if (got == 1 && pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0) {
			log_warnx("%s: vsacctd already runs as pid %ld", path, pid);
			return -1;
		}
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_warn("cannot write pid file %s", path);
		return -1;
	}
	dprintf(fd, "%ld\n", (long)getpid());
	close(fd);
	return 0;
}

void daemon_pidfile_remove(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove pid file %s", path);
}
