#include "loop.h"

#include <errno.h>
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

int loop_run(struct engine *eng, const struct loop_client *client,
	     const volatile sig_atomic_t *stop)
{
	static struct pollfd fds[LOOP_MAX_FDS];
	int timeout_ms = engine_timers(eng, loop_mono_usec(), loop_real_usec());

	while (!*stop) {
		/* Descriptors are collected afresh each time round: a capture
		 * may have been reopened, the master reconnected on a new fd. */
		size_t ncap = engine_pollfds(eng, fds, LOOP_MAX_FDS);
		size_t nclient = client ? client->pollfds(client->ctx, fds + ncap,
							  LOOP_MAX_FDS - ncap, &timeout_ms)
					: 0;
		int rc = poll(fds, ncap + nclient, timeout_ms);
		if (rc < 0 && errno != EINTR) {
			log_warn("poll");
			return -1;
		}
		if (rc < 0) {
			for (size_t i = 0; i < ncap + nclient; i++)
				fds[i].revents = 0;
		}
		engine_handle(eng, fds, ncap);
		timeout_ms = engine_timers(eng, loop_mono_usec(), loop_real_usec());
		if (client)
			client->handle(client->ctx, fds + ncap, nclient);
	}
	return 0;
}
