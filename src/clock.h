/*
 * clock: the two clocks vsacctd reads, in microseconds. The loop reads them
 * once per turn and hands the times down; pure modules take times as
 * arguments and never read a clock.
 */
#ifndef VS_CLOCK_H
#define VS_CLOCK_H

#include <stdint.h>

/* Monotonic: intervals, timers, discontinuity instants. */
int64_t clock_mono_usec(void);

/* Wall clock (µs since the epoch): the seconds of the history. */
int64_t clock_real_usec(void);

#endif
