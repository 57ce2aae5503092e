#include "countwindow.h"

#define USEC_PER_SEC 1000000

int64_t count_window_cut(int64_t real_usec, int64_t lead_usec)
{
	int64_t at = real_usec + lead_usec;
	return at / USEC_PER_SEC + (at % USEC_PER_SEC != 0);
}
