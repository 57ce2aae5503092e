/*
 * count_clock: the counting program's clock globals, set as vsacctd
 * (ebpfcount) and the benchmark (bpfrun) set them: the wall clock's offset
 * from the monotonic one, for frames without a timestamp, and a jiffy's
 * length, which lets a frame far from its second's end skip the clock read
 * (count.bpf.c's frame_sec). User space only; needs the program's skeleton.
 */
#ifndef VS_BPF_COUNT_CLOCK_H
#define VS_BPF_COUNT_CLOCK_H

#include <time.h>

#include <count.skel.h>

static inline void count_clock_set(struct count_bpf *skel)
{
	const __s64 ns = 1000000000LL;
	struct timespec mono, real, tick;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	skel->bss->vs_clock_offset_ns =
		(real.tv_sec - mono.tv_sec) * ns + (real.tv_nsec - mono.tv_nsec);
	/* The coarse clocks' resolution is the tick. */
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &tick) == 0)
		skel->bss->vs_tick_ns = (__u64)(tick.tv_sec * ns + tick.tv_nsec);
}

#endif
