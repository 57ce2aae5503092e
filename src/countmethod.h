/*
 * countmethod: the seam between the counting side and how networks are
 * counted (countMethod, DESIGN section 2). A method turns the inventory's
 * networks into counts in acct: per frame through meter (pcap: capset), or
 * per period from counters kept in the kernel (ebpf: ebpfcount). Nothing
 * above it knows which.
 *
 * Lifecycle: count_method_open(conf) → count_method_bind(inventory) after
 * every rebuild → per loop turn: count_method_fd polled, read_ready when it
 * is readable, count_method_tick every COUNTING_TICK_USEC (before the
 * history's seconds are closed) → count_method_drain before the counters
 * are read or the inventory is rebuilt → count_method_saved after each save
 * of the counters (count_method_restored once, after the first bind, when
 * the saved ones were restored) → count_method_stop, count_method_drain and
 * a last save when vsacctd stops → count_method_close.
 *
 * A method opened while vsacctd runs (countMethod changed, SIGHUP) takes
 * over from the running one at a whole second (countwindow.h): it is opened
 * with count_method_open_afresh, both count their own window until the
 * old one has everything before the cut, and the old one is retired.
 */
#ifndef VS_COUNTMETHOD_H
#define VS_COUNTMETHOD_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "countops.h"
#include "countwindow.h"
#include "hostif.h"
#include "inventory.h"

struct count_method;

/*
 * The method conf asks for, ready to bind. NULL with the reason in err when
 * it cannot count here (ebpf: not built in, no bpf file system, the kernel
 * refused the program), or when out of memory.
 */
struct count_method *count_method_open(const struct conf *conf, char *err, size_t errlen);
void count_method_close(struct count_method *m);

/* As count_method_open, for a method taking over from another: it counts
 * nothing until given a window, is held (below) until released, and ebpf
 * starts from fresh maps (what an earlier run left pinned in bpfPinDir
 * removed first: acct's counters, kept by the other method meanwhile, are
 * not the kernel's). */
struct count_method *count_method_open_afresh(const struct conf *conf, char *err, size_t errlen);

/* The frames m counts from now on: those of window's seconds. */
void count_method_window(struct count_method *m, struct count_window window);

/*
 * Held, m counts (the kernel keeps its frames or counts) but hands acct
 * nothing: no descriptor to poll, reads and drains do nothing, ticks do
 * upkeep only. A network's history takes frames in time order (acct.h): a
 * method taking over is held until the one before it handed over every
 * frame before the cut, and released then.
 */
void count_method_hold(struct count_method *m, bool held);

/* Closes m for good, once another method counts instead: ebpf detaches its
 * programs and removes its pins (as vsacctd -D), pcap closes its captures.
 * count_method_drain first, or what it holds is lost. */
void count_method_retire(struct count_method *m);

/* vsacctd stops, and m with it: what must happen before the last drain
 * (ebpf whose pins are gone detaches its programs, which count into maps no
 * later run finds, so that last read is whole). */
void count_method_stop(struct count_method *m);

/* "pcap" or "ebpf". */
const char *count_method_name(const struct count_method *m);

/* Follows inv's networks (conf gives the method's settings). Returns 0, or
 * -1 when out of memory (the method unchanged). */
int count_method_bind(struct count_method *m, struct inventory *inv, const struct conf *conf);

/* The descriptor to poll: readable when there is something to read; -1 if
 * none. */
int count_method_fd(struct count_method *m);
void count_method_read_ready(struct count_method *m);

/* Brings the counters up to what the kernel holds. */
void count_method_drain(struct count_method *m);

/* Host interface ifname changed; info is what the host says of it now. */
void count_method_link(struct count_method *m, const char *ifname,
		       const struct hostif_info *info, int64_t mono_usec);

/* The periodic work, at monotonic time mono_usec. */
void count_method_tick(struct count_method *m, int64_t mono_usec);

/* The counters were just saved. */
void count_method_saved(struct count_method *m);

/* The counters saved by the previous run were just restored (at start). */
void count_method_restored(struct count_method *m);

void count_method_on_loss(struct count_method *m, count_loss_fn fn, void *ctx);

/* The methods this build has, for vsacctd -V: "pcap, ebpf (libbpf 1.1)"
 * or "pcap (built without ebpf)". */
const char *count_method_builtin(void);

#endif
