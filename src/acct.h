/*
 * acct: traffic counters and the per-network 60-second history.
 *
 * Pure bookkeeping: no I/O, no clock of its own (callers pass times), no
 * allocation. The structures' layouts are in this header only so that the
 * inventory can embed one per network and per vNIC: every other module
 * reads, saves and restores them through the functions below, and only
 * acct.c names their fields (tests/layer-check.sh refuses any other).
 *
 * Lifecycle of a network's counters: acct_net_init → acct_count_* per frame
 * and acct_net_tick on a timer → acct_net_history / totals when read.
 * A vNIC's: acct_port_init → acct_port_attach to the network it sits on
 * (again when it moves) → acct_count_frame credits it → acct_port_reset on
 * power-up.
 *
 * Cost per frame is O(1) whatever the number of vNICs: a broadcast or
 * multicast frame only adds to its network's group totals; each vNIC's share
 * is derived when read (network group total since the vNIC attached, minus
 * the group frames it sent itself).
 */
#ifndef VS_ACCT_H
#define VS_ACCT_H

#include <stdbool.h>
#include <stdint.h>

/* Columns of the history: completed seconds kept, column 1 the newest. */
#define ACCT_HISTORY_SECONDS 60

/* A second is closed by the timer only this long after it ended, so frames
 * the kernel still holds in a partly filled capture block (retired after the
 * capture timeout, see capture.h) land in their own second. */
#define ACCT_CLOSE_GRACE_USEC 300000

struct acct_counts {
	uint64_t bytes;
	uint64_t packets;
};

struct acct_net {
	struct acct_counts carried; /* every frame the network carried */
	struct acct_counts group;   /* broadcast and multicast among them */
	uint64_t malformed;         /* frames too short to attribute */
	uint64_t capture_drops;     /* frames the capture lost */
	/* ring[head] collects second cur_sec; the slots before it (going
	 * backwards, wrapping) hold cur_sec-1, cur_sec-2, ... */
	uint64_t ring[ACCT_HISTORY_SECONDS + 1];
	unsigned head;
	int64_t cur_sec;
	bool started; /* false until the first frame or tick sets cur_sec */
};

struct acct_port {
	struct acct_counts sent;
	struct acct_counts rx_unicast;     /* frames addressed to this vNIC */
	struct acct_counts rx_carried;     /* group share from networks left */
	struct acct_counts group_base;     /* net->group when attached or reset */
	struct acct_counts group_sent_own; /* group frames it sent on net since */
	struct acct_net *net;              /* where it receives group frames */
};

/* What is saved of a network's counters, to be restored at the next start. */
struct acct_net_saved {
	struct acct_counts carried;
	struct acct_counts group;
	uint64_t malformed;
	uint64_t drops;
};

/* What is saved of a vNIC's counters. */
struct acct_port_saved {
	struct acct_counts sent;
	struct acct_counts rx_unicast;
	struct acct_counts rx_carried;
	struct acct_counts group_base;
	struct acct_counts group_sent_own;
};

void acct_net_init(struct acct_net *net);

/*
 * Counts one frame of len bytes carried by net, captured at second ts_sec.
 * src: the vNIC whose MAC is the source, or NULL; dst: the vNIC whose MAC is
 * the destination, or NULL; group: the destination is broadcast/multicast
 * (then dst is ignored). A frame older than the second being collected (a
 * clock stepped back) is added to the current second.
 */
void acct_count_frame(struct acct_net *net, struct acct_port *src,
		      struct acct_port *dst, bool group, uint32_t len,
		      int64_t ts_sec);

/*
 * Counting in bulk: a method that counts in the kernel (ebpf) hands over
 * what a network carried since its previous call instead of frames. The
 * totals and the history are handed separately: acct_net_add_totals adds
 * carried (malformed frames included), its group frames and its malformed
 * frames; acct_net_add_second adds bytes carried in second sec to the
 * history (older than the second being collected: to the current one, as
 * acct_count_frame does), before acct_net_tick closes that second.
 */
void acct_net_add_totals(struct acct_net *net, struct acct_counts carried,
			 struct acct_counts group, uint64_t malformed);
void acct_net_add_second(struct acct_net *net, int64_t sec, uint64_t bytes);

/*
 * What a vNIC sent and what was addressed to it on net since the previous
 * call (bulk counting); group_sent: the broadcast and multicast frames among
 * those it sent, which its own share of net's group frames leaves out when
 * net is where it sits.
 */
void acct_port_add(struct acct_port *port, const struct acct_net *net, struct acct_counts sent,
		   struct acct_counts rx_unicast, struct acct_counts group_sent);

/* Counts a frame too short to carry addresses: network totals only. */
void acct_count_malformed(struct acct_net *net, uint32_t len, int64_t ts_sec);

/* Adds frames the capture reports lost. */
void acct_count_drops(struct acct_net *net, uint64_t drops);

/*
 * Advances the history to wall-clock time now_usec (µs since the epoch):
 * seconds that ended more than ACCT_CLOSE_GRACE_USEC ago are closed, as 0
 * when idle. If the clock went back behind the second being collected, the
 * history keeps its columns and collects from now on: nothing is lost or
 * moved.
 */
void acct_net_tick(struct acct_net *net, int64_t now_usec);

/*
 * Copies the completed seconds, newest first: out[0] is column 1. Sets
 * *end_sec to the end of column 1's second (the start of the second being
 * collected), or 0 before any frame or tick.
 */
void acct_net_history(const struct acct_net *net,
		      uint64_t out[ACCT_HISTORY_SECONDS], int64_t *end_sec);

/* Every frame the network carried, frames too short to attribute, frames
 * the capture lost. */
struct acct_counts acct_net_carried(const struct acct_net *net);
uint64_t acct_net_malformed(const struct acct_net *net);
uint64_t acct_net_drops(const struct acct_net *net);

/* The totals to save; restored (history untouched) by acct_net_restore.
 * Every vNIC attached to the network must then acct_port_rejoin it. */
void acct_net_save(const struct acct_net *net, struct acct_net_saved *out);
void acct_net_restore(struct acct_net *net, const struct acct_net_saved *saved);

/* Bytes of the last completed second (column 1). */
uint64_t acct_net_rate(const struct acct_net *net);

void acct_port_init(struct acct_port *port);

/* Zeroes the vNIC's counters (power-up, reset, restore), keeping its network. */
void acct_port_reset(struct acct_port *port);

/* Makes net (or NULL) the network whose group frames the vNIC receives;
 * what it received so far is kept. */
void acct_port_attach(struct acct_port *port, struct acct_net *net);

/* Its network's totals were restored: it receives its group frames from
 * now on, as if attached now, keeping what it received so far. */
void acct_port_rejoin(struct acct_port *port);

/*
 * Makes to carry on from's counters, receiving the group frames of net from
 * now on. net carries on from's network (a rebuilt inventory's, holding the
 * same totals), or is NULL: then from's network is gone and to keeps what it
 * gave.
 */
void acct_port_carry(struct acct_port *to, const struct acct_port *from, struct acct_net *net);

void acct_port_save(const struct acct_port *port, struct acct_port_saved *out);

/*
 * Restores a vNIC saved while on a network saved as was (NULL: on none).
 * net is that network restored (same totals), or NULL when it is gone: the
 * vNIC then keeps what was gave it. Either way it is then attached to net.
 */
void acct_port_restore(struct acct_port *port, const struct acct_port_saved *saved,
		       const struct acct_net_saved *was, struct acct_net *net);

/* The network whose group frames it receives, or NULL. */
const struct acct_net *acct_port_network(const struct acct_port *port);

/* Frames and bytes the vNIC sent. */
struct acct_counts acct_port_sent(const struct acct_port *port);

/* Frames and bytes the vNIC received: addressed to it, plus the group frames
 * of its network it did not send itself. */
struct acct_counts acct_port_received(const struct acct_port *port);

#endif
