/*
 * countwindow: which frames a counting method counts, by the wall-clock
 * second of each frame's timestamp. Switching countMethod (SIGHUP) hands
 * counting over at a whole second X: the old method counts [.., X), the new
 * one [X, ..). As X is a whole second, "the frame's time < X" is "its
 * second < X": a capture's microsecond or nanosecond timestamps and the
 * eBPF program's compare exactly, and each second of the history is owned
 * by one method alone.
 */
#ifndef VS_COUNTWINDOW_H
#define VS_COUNTWINDOW_H

#include <stdbool.h>
#include <stdint.h>

/* The seconds [from_sec, until_sec) since the epoch; 0 for no bound. */
struct count_window {
	int64_t from_sec;
	int64_t until_sec;
};

/* Counting everything. */
#define COUNT_WINDOW_ALL ((struct count_window){ 0, 0 })

/* Counting nothing yet (a method opened but not handed anything). */
#define COUNT_WINDOW_NONE ((struct count_window){ INT64_MAX, 0 })

static inline bool count_window_has(struct count_window w, int64_t sec)
{
	return sec >= w.from_sec && (!w.until_sec || sec < w.until_sec);
}

/* The second to cut at when the wall clock reads real_usec: the first whole
 * second at least lead_usec ahead, so that both methods hear of it before
 * any frame of that second is counted. */
int64_t count_window_cut(int64_t real_usec, int64_t lead_usec);

#endif
