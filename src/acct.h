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
 *
 * A network keeps six series (bytes and packets sent, received, dropped),
 * each as a total and a 60-second history. Sent: every frame it carried.
 * Received: the frames among them that did not come from a vNIC sitting on
 * it (from its uplinks and the host), decided per frame by the source MAC.
 * Dropped: what the kernel counted as dropped on its device and ports, fed
 * as per-second deltas by the host side (acct_count_kernel_drops); the
 * kernel counts no bytes of a dropped frame, so that series stays 0.
 *
 * A VM's (acct_vm): its hypervisor's CPU and disk totals since its last
 * power-up, sampled at most once a second (acct_vm_sample), the CPU
 * utilization of the last sample, and a 60-second history of its network
 * bytes and CPU utilization. The history lives in a block the owner
 * allocates (acct_vm_init), written only once the VM counts: an idle VM's
 * pages are never touched.
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

/* A network's series, in vsNetSeries order (value = series + 1). */
enum acct_series {
	ACCT_BYTES_SENT,
	ACCT_PACKETS_SENT,
	ACCT_BYTES_RECEIVED,
	ACCT_PACKETS_RECEIVED,
	ACCT_BYTES_DROPPED, /* always 0: the kernel counts no dropped bytes */
	ACCT_PACKETS_DROPPED,
	ACCT_NET_SERIES
};

/* A VM's series, in vsVmSeries order (value = series + 1). */
enum acct_vm_series {
	ACCT_VM_BYTES_SENT,
	ACCT_VM_BYTES_RECEIVED,
	ACCT_VM_CPU, /* percent of the host's CPU capacity */
	ACCT_VM_SERIES
};

/* Which second each slot of a ring holds: slot head collects second
 * cur_sec, the slots before it (going backwards, wrapping) cur_sec-1, … */
struct acct_ring {
	unsigned head;
	int64_t cur_sec;
	bool started; /* false until the first write or tick sets cur_sec */
};

#define ACCT_RING_SLOTS (ACCT_HISTORY_SECONDS + 1)
/* The network's series, plus its group bytes (a VM's received history is
 * derived from them as its received total is). */
#define ACCT_NET_RING_WIDTH (ACCT_NET_SERIES + 1)
/* A VM's: bytes sent, unicast bytes received, group bytes it sent itself,
 * CPU utilization. */
#define ACCT_VM_RING_WIDTH 4

struct acct_net {
	struct acct_counts carried; /* every frame the network carried */
	struct acct_counts group;   /* broadcast and multicast among them */
	struct acct_counts received; /* those not sent by its own vNICs */
	struct acct_counts dropped;  /* what the kernel dropped (packets only) */
	uint64_t malformed;         /* frames too short to attribute */
	uint64_t capture_drops;     /* frames the capture lost */
	uint64_t ring[ACCT_RING_SLOTS][ACCT_NET_RING_WIDTH];
	struct acct_ring clock;
	uint64_t drops_waiting;      /* kernel drops of a second not collected yet */
	int64_t drops_waiting_sec;
};

/* A hypervisor's totals for one VM, as it reports them. */
struct acct_usage {
	uint64_t cpu_time; /* nanoseconds of CPU, every vCPU and the emulator */
	uint64_t rd_bytes, wr_bytes, rd_ops, wr_ops; /* every disk */
	bool no_ops; /* the source counts no disk operations (/proc) */
};

/* A VM's 60-second history (allocated by the VM's owner, zeroed). */
struct acct_vm_history {
	uint64_t ring[ACCT_RING_SLOTS][ACCT_VM_RING_WIDTH];
	struct acct_ring clock;
};

struct acct_vm {
	struct acct_usage base;  /* the totals at its last power-up */
	struct acct_usage last;  /* the last sample */
	int64_t last_usec;       /* wall-clock time of the last sample */
	bool sampled;            /* a sample came since vsacctd started */
	bool has_rate;           /* cpu_percent holds a measured second */
	bool reset_pending;      /* a reset: the next sample rebases if none came */
	unsigned cpu_percent;
	int64_t restart_usec;    /* monotonic clock at its last power-up, or 0 */
	struct acct_vm_history *hist; /* NULL: no history kept */
};

/*
 * What a vNIC whose VM is down (off or saved) sends is held, not counted as
 * its sent: a restored guest's new tap joins its bridge, and the guest
 * sends, before the source says it runs (DESIGN §1). At the power-up that
 * restarts its counters, what was held in the last ACCT_HELD_SECONDS is
 * handed to the new life; older frames stay counted on the network only.
 * Why 5: a restore's tap joins its bridge a second or two before libvirt
 * tells of it; a MAC that sent from elsewhere for hours while its VM was
 * down must not bring those hours into its next life.
 */
#define ACCT_HELD_SECONDS 5

/* What a down VM's vNIC sent (acct_count_frame_held), by second: second
 * sec in slot sec % slots, the newest ACCT_HELD_SECONDS + 1 of them (the
 * window and the partial second it starts in). A block the owner
 * allocates (zeroed), written only once its vNIC holds a frame: the
 * vNICs of VMs that never go down leave its pages untouched. */
struct acct_held {
	struct acct_held_second {
		int64_t sec;      /* wall clock; 0: the slot is empty */
		int64_t mono_sec; /* the same second on the monotonic clock */
		struct acct_counts sent;
		struct acct_counts group_sent; /* the group frames among them, on its network */
	} slots[ACCT_HELD_SECONDS + 1];
};

struct acct_port {
	struct acct_counts sent;
	struct acct_counts rx_unicast;     /* frames addressed to this vNIC */
	struct acct_counts rx_carried;     /* group share from networks left */
	struct acct_counts group_base;     /* net->group when attached or reset */
	struct acct_counts group_sent_own; /* group frames it sent on net since */
	struct acct_net *net;              /* where it receives group frames */
	struct acct_vm *vm;                /* its VM's history, or NULL */
	struct acct_held *held;            /* what it holds; NULL: it holds nothing */
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
 * The same for a frame whose source src is a vNIC of a VM that is down:
 * counted on net and for dst as acct_count_frame does, and a group frame
 * of src's network is left out of src's received as ever, but held for src
 * (not in its sent nor its VM's history) with its second ts_sec, which is
 * mono_sec on the monotonic clock, until acct_port_hand_over. A second
 * older than the one held in its slot is dropped for src, as is every
 * frame of a src with no held block.
 */
void acct_count_frame_held(struct acct_net *net, struct acct_port *src, struct acct_port *dst,
			   bool group, uint32_t len, int64_t ts_sec, int64_t mono_sec);

/*
 * Counting in bulk: a method that counts in the kernel (ebpf) hands over
 * what a network carried since its previous call instead of frames. The
 * totals and the seconds are handed separately: acct_net_add_totals adds
 * carried (malformed frames included), its group frames, those it
 * received and its malformed frames; acct_net_add_second adds what it
 * carried in second sec to the history (older than the second being
 * collected: to the current one, as acct_count_frame does), before
 * acct_net_tick closes that second.
 */
struct acct_net_second {
	struct acct_counts carried;
	struct acct_counts received;
	uint64_t group_bytes; /* its vNICs' received history derives from them */
};
void acct_net_add_totals(struct acct_net *net, struct acct_counts carried,
			 struct acct_counts group, struct acct_counts received, uint64_t malformed);
void acct_net_add_second(struct acct_net *net, int64_t sec, const struct acct_net_second *add);

/*
 * What a vNIC sent and what was addressed to it on net since the previous
 * call (bulk counting); group_sent: the broadcast and multicast frames among
 * those it sent, which its own share of net's group frames leaves out when
 * net is where it sits.
 */
void acct_port_add(struct acct_port *port, const struct acct_net *net, struct acct_counts sent,
		   struct acct_counts rx_unicast, struct acct_counts group_sent);

/* A vNIC's bytes of one second on net, for its VM's history (bulk
 * counting; acct_count_frame's rule: group_sent only where it sits). */
struct acct_port_second {
	uint64_t sent;
	uint64_t rx_unicast;
	uint64_t group_sent;
};
void acct_port_add_second(struct acct_port *port, const struct acct_net *net, int64_t sec,
			  const struct acct_port_second *add);

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

/* The same for any series: history (newest first) and last second. */
void acct_net_series_history(const struct acct_net *net, enum acct_series series,
			     uint64_t out[ACCT_HISTORY_SECONDS], int64_t *end_sec);
uint64_t acct_net_series_rate(const struct acct_net *net, enum acct_series series);

/* Frames (not sent by its own vNICs) and kernel drops, since it started. */
struct acct_counts acct_net_received(const struct acct_net *net);
struct acct_counts acct_net_dropped(const struct acct_net *net);

/* Adds packets the kernel counted dropped on the network's device or
 * ports since the last call; they belong to the second of now_usec (wall
 * clock), and wait for the history to collect it rather than close the
 * second before ahead of its grace (its late frames would land in now's). */
void acct_count_kernel_drops(struct acct_net *net, uint64_t packets, int64_t now_usec);

/* The network's group bytes in the seconds end_sec-1 … end_sec-60 (out[0]
 * the newest; 0 for seconds it does not hold). */
void acct_net_group_seconds(const struct acct_net *net, int64_t end_sec,
			    uint64_t out[ACCT_HISTORY_SECONDS]);

/* --- a VM --- */

/* hist: its history block (zeroed), or NULL for none. */
void acct_vm_init(struct acct_vm *vm, struct acct_vm_history *hist);

/* Makes from's totals and history vm's (a rebuilt inventory); vm keeps its
 * own history block. */
void acct_vm_carry(struct acct_vm *vm, const struct acct_vm *from);

/*
 * A power-up at monotonic now_usec: the totals restart from the next
 * sample, the history empties. same_process: a reset, the hypervisor's
 * totals go on (the last sample is the new base); otherwise a new process
 * whose totals start at 0.
 */
void acct_vm_restart(struct acct_vm *vm, bool same_process, int64_t now_usec);

/*
 * A sample of the hypervisor's totals at wall-clock now_usec, host_cpus
 * CPUs on the host. The CPU utilization is the CPU time used since the
 * previous sample over the time passed times host_cpus, in percent; it
 * goes to the history's second that holds the middle of that interval.
 * Totals that went back mean a new process: they count from 0. A second
 * sample with the same now_usec is the same reading: ignored.
 */
void acct_vm_sample(struct acct_vm *vm, const struct acct_usage *u, unsigned host_cpus,
		    int64_t now_usec);

/* Whether a source gave samples: without, the columns have no value. */
bool acct_vm_has_usage(const struct acct_vm *vm);

/* The totals since the last power-up. */
struct acct_usage acct_vm_usage(const struct acct_vm *vm);

/* CPU utilization of the last measured second (0..100); false if none. */
bool acct_vm_cpu_percent(const struct acct_vm *vm, unsigned *percent);

/* A series' values in the seconds end_sec-1 … end_sec-60, newest first,
 * 0 before second since_sec: ACCT_VM_CPU and ACCT_VM_BYTES_SENT as kept;
 * ACCT_VM_BYTES_RECEIVED only the unicast part (the owner adds its
 * networks' group seconds, less own_group). own_group may be NULL. */
void acct_vm_seconds(const struct acct_vm *vm, enum acct_vm_series series, int64_t end_sec,
		     int64_t since_sec, uint64_t out[ACCT_HISTORY_SECONDS],
		     uint64_t own_group[ACCT_HISTORY_SECONDS]);

/* Monotonic time of its last power-up, 0 if none was seen. */
int64_t acct_vm_restart_usec(const struct acct_vm *vm);

/* Makes vm the VM whose history the vNIC's frames go to (NULL: none). */
void acct_port_set_vm(struct acct_port *port, struct acct_vm *vm);

/* Makes held (zeroed, the owner's) where the vNIC holds what it sends while
 * its VM is down (NULL: it does not, those frames count on the network
 * only). */
void acct_port_set_held(struct acct_port *port, struct acct_held *held);

void acct_port_init(struct acct_port *port);

/* Zeroes the vNIC's counters (power-up, reset, restore), keeping its network
 * and what it holds. */
void acct_port_reset(struct acct_port *port);

/*
 * Its VM powered up: what it held in the monotonic seconds from_mono_sec on
 * becomes what it sent (and its VM's history of those seconds); the rest
 * is forgotten. Its share of its network's group frames stays what it was:
 * those frames were in the network's totals before the power-up's reset.
 */
void acct_port_hand_over(struct acct_port *port, int64_t from_mono_sec);

/*
 * The same for bulk counting (ebpf), which keeps what was held itself:
 * sent and group_sent (its broadcast and multicast frames among them, on
 * its network) are added to what it sent, its group share unchanged.
 */
void acct_port_add_held(struct acct_port *port, struct acct_counts sent,
			struct acct_counts group_sent);

/* Makes net (or NULL) the network whose group frames the vNIC receives;
 * what it received so far is kept. */
void acct_port_attach(struct acct_port *port, struct acct_net *net);

/* Its network's totals were restored: it receives its group frames from
 * now on, as if attached now, keeping what it received so far. */
void acct_port_rejoin(struct acct_port *port);

/*
 * Makes to carry on from's counters and what it holds (in its own held
 * block), receiving the group frames of net from now on. net carries on
 * from's network (a rebuilt inventory's, holding the same totals), or is
 * NULL: then from's network is gone and to keeps what it gave.
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
