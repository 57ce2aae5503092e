#include "clock.h"

#include <time.h>

static int64_t clock_usec(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_usec(void) { return clock_usec(CLOCK_MONOTONIC); }
int64_t clock_real_usec(void) { return clock_usec(CLOCK_REALTIME); }
