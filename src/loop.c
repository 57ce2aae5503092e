#include "loop.h"

#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "log.h"

/* Descriptors polled at most: one per bridge plus the agent's few. */
#define LOOP_MAX_FDS 1024

static int64_t clock_usec(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t loop_mono_usec(void) { return clock_usec(CLOCK_MONOTONIC); }
int64_t loop_real_usec(void) { return clock_usec(CLOCK_REALTIME); }

/* Turns in a row in which only the client is polled (below). */
#define LOOP_CLIENT_BURST 4

static bool any_ready(const struct pollfd *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i].revents)
			return true;
	return false;
}

int loop_run(struct engine *eng, const struct loop_client *client,
	     const volatile sig_atomic_t *stop)
{
	static struct pollfd fds[LOOP_MAX_FDS];
	int timeout_ms = engine_timers(eng, loop_mono_usec(), loop_real_usec());
	/* After the client had work, the next turns poll its descriptors
	 * alone, without waiting: Net-SNMP passes each request through an
	 * internal pipe twice, so the agent is readable again at once, and
	 * the engine has nothing new that soon. The bound keeps captures and
	 * timers served under a stream of requests. */
	unsigned burst = 0;

	while (!*stop) {
		/* Descriptors are collected afresh each time round: a capture
		 * may have been reopened, the master reconnected on a new fd. */
		size_t ncap = burst ? 0 : engine_pollfds(eng, fds, LOOP_MAX_FDS);
		int wait_ms = timeout_ms;
		size_t nclient = client ? client->pollfds(client->ctx, fds + ncap,
							  LOOP_MAX_FDS - ncap, &wait_ms)
					: 0;
		int rc = poll(fds, ncap + nclient, burst ? 0 : wait_ms);
		if (rc < 0 && errno != EINTR) {
			log_warn("poll");
			return -1;
		}
		if (rc < 0) {
			for (size_t i = 0; i < ncap + nclient; i++)
				fds[i].revents = 0;
		}
		if (burst && rc <= 0) {
			burst = 0; /* nothing more: back to the whole loop */
			continue;
		}
		if (!burst) {
			engine_handle(eng, fds, ncap);
			timeout_ms = engine_timers(eng, loop_mono_usec(), loop_real_usec());
		}
		if (client)
			client->handle(client->ctx, fds + ncap, nclient);
		burst = any_ready(fds + ncap, nclient) && burst < LOOP_CLIENT_BURST ? burst + 1 : 0;
	}
	return 0;
}
