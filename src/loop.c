#include "loop.h"

#include <errno.h>

#include "clock.h"
#include "log.h"

/* Descriptors polled at most: a few per client; the captures share one. */
#define LOOP_MAX_FDS 1024
#define LOOP_MAX_CLIENTS 8

/* Turns in a row in which only the bursty clients are polled. */
#define LOOP_CLIENT_BURST 4

static bool any_ready(const struct pollfd *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i].revents)
			return true;
	return false;
}

int loop_run(const struct loop_client *clients, size_t n, const volatile sig_atomic_t *stop)
{
	static struct pollfd fds[LOOP_MAX_FDS];
	size_t first[LOOP_MAX_CLIENTS], count[LOOP_MAX_CLIENTS];
	/* After a bursty client had work, the next turns poll the bursty
	 * clients alone, without waiting; the bound keeps the others served
	 * under a stream of requests. */
	unsigned burst = 0;

	if (n > LOOP_MAX_CLIENTS)
		n = LOOP_MAX_CLIENTS;
	while (!*stop) {
		/* Descriptors are collected afresh each time round: a capture
		 * may have been reopened, the master reconnected on a new fd. */
		size_t nfds = 0;
		int wait_ms = -1;
		for (size_t c = 0; c < n; c++) {
			first[c] = nfds;
			count[c] = 0;
			if (burst && !clients[c].bursty)
				continue;
			count[c] = clients[c].pollfds(clients[c].ctx, fds + nfds, LOOP_MAX_FDS - nfds,
						      &wait_ms);
			nfds += count[c];
		}
		int rc = poll(fds, nfds, burst ? 0 : wait_ms);
		if (rc < 0 && errno != EINTR) {
			log_warn("poll");
			return -1;
		}
		if (rc < 0)
			for (size_t i = 0; i < nfds; i++)
				fds[i].revents = 0;
		if (burst && rc <= 0) {
			burst = 0; /* nothing more: back to the whole loop */
			continue;
		}
		bool busy = false;
		for (size_t c = 0; c < n; c++) {
			if (burst && !clients[c].bursty)
				continue;
			struct loop_now now = { clock_mono_usec(), clock_real_usec() };
			clients[c].handle(clients[c].ctx, fds + first[c], count[c], &now);
			busy |= clients[c].bursty && any_ready(fds + first[c], count[c]);
		}
		burst = busy && burst < LOOP_CLIENT_BURST ? burst + 1 : 0;
	}
	return 0;
}
