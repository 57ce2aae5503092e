#include "acct.h"

#include <string.h>

#define RING_SLOTS ACCT_RING_SLOTS
#define USEC_PER_SEC 1000000

static inline void counts_add(struct acct_counts *c, uint64_t bytes)
{
	c->bytes += bytes;
	c->packets++;
}

void acct_net_init(struct acct_net *net)
{
	memset(net, 0, sizeof *net);
}

/* --- rings: width values per second, slots[RING_SLOTS][width] --- */

/* Moves the collecting slot forward to second sec, zeroing the seconds
 * skipped over: they carried nothing. */
static void ring_advance(struct acct_ring *r, uint64_t *slots, unsigned width, int64_t sec)
{
	if (!r->started) {
		r->started = true;
		r->cur_sec = sec;
		return;
	}
	int64_t steps = sec - r->cur_sec;
	if (steps <= 0)
		return;
	if (steps >= RING_SLOTS) {
		memset(slots, 0, RING_SLOTS * width * sizeof *slots);
		r->head = 0;
	} else {
		for (int64_t i = 0; i < steps; i++) {
			r->head = (r->head + 1) % RING_SLOTS;
			memset(slots + r->head * width, 0, width * sizeof *slots);
		}
	}
	r->cur_sec = sec;
}

/* The slot holding second sec, or -1 when the ring does not hold it. */
static int ring_slot(const struct acct_ring *r, int64_t sec)
{
	if (!r->started || sec > r->cur_sec || sec <= r->cur_sec - RING_SLOTS)
		return -1;
	return (int)((r->head + RING_SLOTS - (unsigned)(r->cur_sec - sec)) % RING_SLOTS);
}

/* A network's ring moved on to second sec, and the kernel drops waiting
 * for their second (acct_count_kernel_drops) put in it once it holds it. */
static void net_advance(struct acct_net *net, int64_t sec)
{
	ring_advance(&net->clock, &net->ring[0][0], ACCT_NET_RING_WIDTH, sec);
	if (!net->drops_waiting || net->drops_waiting_sec > net->clock.cur_sec)
		return;
	int slot = ring_slot(&net->clock, net->drops_waiting_sec);
	net->ring[slot < 0 ? net->clock.head : (unsigned)slot][ACCT_PACKETS_DROPPED] +=
		net->drops_waiting;
	net->drops_waiting = 0;
}

/* A network's ring: frames of one capture arrive in time order, so a frame
 * from a later second closes the current one; an earlier second can only
 * be a clock step back, counted in the current second. */
static uint64_t *net_second(struct acct_net *net, int64_t ts_sec)
{
	if (!net->clock.started || ts_sec > net->clock.cur_sec)
		net_advance(net, ts_sec);
	return net->ring[net->clock.head];
}

/* Columns of a VM's ring. */
#define VM_CPU 3
#define VM_SENT 0
#define VM_RX_UNICAST 1
#define VM_GROUP_OWN 2

/* A VM's ring: its vNICs' captures and its samples write seconds in no
 * common order; a second it no longer holds is dropped. */
static void vm_add(struct acct_vm *vm, int64_t sec, unsigned which, uint64_t value)
{
	struct acct_vm_history *h = vm ? vm->hist : NULL;
	if (!h)
		return;
	if (!h->clock.started || sec > h->clock.cur_sec)
		ring_advance(&h->clock, &h->ring[0][0], ACCT_VM_RING_WIDTH, sec);
	/* The frame path's case, without a division. */
	int slot = sec == h->clock.cur_sec ? (int)h->clock.head : ring_slot(&h->clock, sec);
	if (slot >= 0 && which == VM_CPU)
		h->ring[slot][which] = value; /* one sample per second */
	else if (slot >= 0)
		h->ring[slot][which] += value;
}

#define NET_GROUP_BYTES ACCT_NET_SERIES

/* A frame in net's totals and second, and for its unicast destination: what
 * every frame counts, whether its sender's share is counted now or held. */
static void count_on_net(struct acct_net *net, bool own, struct acct_port *dst, bool group,
			 uint32_t len, int64_t ts_sec)
{
	uint64_t *sec = net_second(net, ts_sec);
	counts_add(&net->carried, len);
	sec[ACCT_BYTES_SENT] += len;
	sec[ACCT_PACKETS_SENT]++;
	if (!own) {
		counts_add(&net->received, len);
		sec[ACCT_BYTES_RECEIVED] += len;
		sec[ACCT_PACKETS_RECEIVED]++;
	}
	if (group) {
		counts_add(&net->group, len);
		sec[NET_GROUP_BYTES] += len;
	} else if (dst) {
		counts_add(&dst->rx_unicast, len);
		vm_add(dst->vm, ts_sec, VM_RX_UNICAST, len);
	}
}

void acct_count_frame(struct acct_net *net, struct acct_port *src,
		      struct acct_port *dst, bool group, uint32_t len,
		      int64_t ts_sec)
{
	bool own = src && src->net == net;
	count_on_net(net, own, dst, group, len, ts_sec);
	if (src) {
		counts_add(&src->sent, len);
		vm_add(src->vm, ts_sec, VM_SENT, len);
	}
	if (group && own) {
		counts_add(&src->group_sent_own, len);
		vm_add(src->vm, ts_sec, VM_GROUP_OWN, len);
	}
}

void acct_count_frame_held(struct acct_net *net, struct acct_port *src, struct acct_port *dst,
			   bool group, uint32_t len, int64_t ts_sec, int64_t mono_sec)
{
	/* The network's view, as for any frame; nothing for src yet. */
	bool own = src->net == net;
	count_on_net(net, own, dst, group, len, ts_sec);
	if (group && own) /* its own broadcast: no share of its, held or not */
		counts_add(&src->group_sent_own, len);
	if (!src->held)
		return;
	struct acct_held_second *h = &src->held->slots[(uint64_t)ts_sec % (ACCT_HELD_SECONDS + 1)];
	if (ts_sec < h->sec)
		return; /* a clock step back: older than what the window keeps */
	if (ts_sec != h->sec)
		*h = (struct acct_held_second){ .sec = ts_sec, .mono_sec = mono_sec };
	counts_add(&h->sent, len);
	if (group && own)
		counts_add(&h->group_sent, len);
}

void acct_count_malformed(struct acct_net *net, uint32_t len, int64_t ts_sec)
{
	uint64_t *sec = net_second(net, ts_sec);
	counts_add(&net->carried, len);
	counts_add(&net->received, len);
	sec[ACCT_BYTES_SENT] += len;
	sec[ACCT_PACKETS_SENT]++;
	sec[ACCT_BYTES_RECEIVED] += len;
	sec[ACCT_PACKETS_RECEIVED]++;
	net->malformed++;
}

static inline void counts_sum(struct acct_counts *c, struct acct_counts d)
{
	c->bytes += d.bytes;
	c->packets += d.packets;
}

void acct_net_add_totals(struct acct_net *net, struct acct_counts carried,
			 struct acct_counts group, struct acct_counts received, uint64_t malformed)
{
	counts_sum(&net->carried, carried);
	counts_sum(&net->group, group);
	counts_sum(&net->received, received);
	net->malformed += malformed;
}

void acct_net_add_second(struct acct_net *net, int64_t sec, const struct acct_net_second *add)
{
	uint64_t *slot = net_second(net, sec);
	slot[ACCT_BYTES_SENT] += add->carried.bytes;
	slot[ACCT_PACKETS_SENT] += add->carried.packets;
	slot[ACCT_BYTES_RECEIVED] += add->received.bytes;
	slot[ACCT_PACKETS_RECEIVED] += add->received.packets;
	slot[NET_GROUP_BYTES] += add->group_bytes;
}

void acct_port_add(struct acct_port *port, const struct acct_net *net, struct acct_counts sent,
		   struct acct_counts rx_unicast, struct acct_counts group_sent)
{
	counts_sum(&port->sent, sent);
	counts_sum(&port->rx_unicast, rx_unicast);
	if (port->net && port->net == net)
		counts_sum(&port->group_sent_own, group_sent);
}

void acct_port_add_second(struct acct_port *port, const struct acct_net *net, int64_t sec,
			  const struct acct_port_second *add)
{
	if (add->sent)
		vm_add(port->vm, sec, VM_SENT, add->sent);
	if (add->rx_unicast)
		vm_add(port->vm, sec, VM_RX_UNICAST, add->rx_unicast);
	if (add->group_sent && port->net && port->net == net)
		vm_add(port->vm, sec, VM_GROUP_OWN, add->group_sent);
}

void acct_count_drops(struct acct_net *net, uint64_t drops)
{
	net->capture_drops += drops;
}

void acct_count_kernel_drops(struct acct_net *net, uint64_t packets, int64_t now_usec)
{
	if (!packets)
		return;
	net->dropped.packets += packets;
	int64_t sec = now_usec / USEC_PER_SEC;
	if (net->clock.started && sec > net->clock.cur_sec) {
		net->drops_waiting += packets;
		net->drops_waiting_sec = sec;
		return;
	}
	net_second(net, sec)[ACCT_PACKETS_DROPPED] += packets;
}

void acct_net_tick(struct acct_net *net, int64_t now_usec)
{
	int64_t now_sec = now_usec / USEC_PER_SEC;
	int64_t closable_sec = (now_usec - ACCT_CLOSE_GRACE_USEC) / USEC_PER_SEC;

	if (!net->clock.started) {
		net_advance(net, now_sec);
	} else if (now_sec < net->clock.cur_sec) {
		/* Every timestamp seen so far was at or before the clock's
		 * reading then, so the clock stepped back: relabel the
		 * collecting slot, keep every column. */
		net->clock.cur_sec = now_sec;
	} else if (closable_sec > net->clock.cur_sec) {
		net_advance(net, closable_sec);
	}
}

void acct_net_series_history(const struct acct_net *net, enum acct_series series,
			     uint64_t out[ACCT_HISTORY_SECONDS], int64_t *end_sec)
{
	unsigned slot = net->clock.head;
	for (unsigned i = 0; i < ACCT_HISTORY_SECONDS; i++) {
		slot = (slot + RING_SLOTS - 1) % RING_SLOTS;
		out[i] = net->ring[slot][series];
	}
	*end_sec = net->clock.started ? net->clock.cur_sec : 0;
}

void acct_net_history(const struct acct_net *net,
		      uint64_t out[ACCT_HISTORY_SECONDS], int64_t *end_sec)
{
	acct_net_series_history(net, ACCT_BYTES_SENT, out, end_sec);
}

uint64_t acct_net_series_rate(const struct acct_net *net, enum acct_series series)
{
	return net->ring[(net->clock.head + RING_SLOTS - 1) % RING_SLOTS][series];
}

uint64_t acct_net_rate(const struct acct_net *net)
{
	return acct_net_series_rate(net, ACCT_BYTES_SENT);
}

struct acct_counts acct_net_received(const struct acct_net *net) { return net->received; }
struct acct_counts acct_net_dropped(const struct acct_net *net) { return net->dropped; }

void acct_net_group_seconds(const struct acct_net *net, int64_t end_sec,
			    uint64_t out[ACCT_HISTORY_SECONDS])
{
	for (unsigned i = 0; i < ACCT_HISTORY_SECONDS; i++) {
		int slot = ring_slot(&net->clock, end_sec - 1 - (int64_t)i);
		out[i] = slot < 0 ? 0 : net->ring[slot][NET_GROUP_BYTES];
	}
}

/* --- a VM --- */

void acct_vm_init(struct acct_vm *vm, struct acct_vm_history *hist)
{
	memset(vm, 0, sizeof *vm);
	vm->hist = hist; /* left untouched until the VM counts */
}

void acct_vm_carry(struct acct_vm *vm, const struct acct_vm *from)
{
	struct acct_vm_history *mine = vm->hist;
	*vm = *from;
	vm->hist = mine;
	/* Only a history that was written is copied: the others' pages stay
	 * untouched. */
	if (mine && from->hist && from->hist->clock.started)
		*mine = *from->hist;
}

void acct_vm_restart(struct acct_vm *vm, bool same_process, int64_t now_usec)
{
	if (same_process && vm->sampled) {
		vm->base = vm->last;
	} else {
		memset(&vm->base, 0, sizeof vm->base);
		/* The next sample starts a new process's totals: no rate
		 * across the two. */
		vm->sampled = false;
		memset(&vm->last, 0, sizeof vm->last);
	}
	vm->has_rate = false;
	vm->restart_usec = now_usec;
	if (vm->hist && vm->hist->clock.started)
		memset(vm->hist, 0, sizeof *vm->hist);
}

static bool went_back(const struct acct_usage *now, const struct acct_usage *was)
{
	return now->cpu_time < was->cpu_time || now->rd_bytes < was->rd_bytes ||
	       now->wr_bytes < was->wr_bytes || now->rd_ops < was->rd_ops || now->wr_ops < was->wr_ops;
}

void acct_vm_sample(struct acct_vm *vm, const struct acct_usage *u, unsigned host_cpus,
		    int64_t now_usec)
{
	if (vm->sampled && now_usec == vm->last_usec)
		return; /* this reading again */
	if (vm->sampled && went_back(u, &vm->last)) {
		memset(&vm->base, 0, sizeof vm->base);
		vm->sampled = false;
	}
	if (vm->sampled && now_usec > vm->last_usec && host_cpus) {
		uint64_t used = u->cpu_time - vm->last.cpu_time;
		uint64_t capacity = (uint64_t)(now_usec - vm->last_usec) * 1000u * host_cpus;
		uint64_t percent = (used * 100 + capacity / 2) / capacity;
		vm->cpu_percent = percent > 100 ? 100 : (unsigned)percent;
		vm->has_rate = true;
		int64_t middle = vm->last_usec + (now_usec - vm->last_usec) / 2;
		vm_add(vm, middle / USEC_PER_SEC, VM_CPU, vm->cpu_percent);
	}
	vm->last = *u;
	vm->last_usec = now_usec;
	vm->sampled = true;
}

bool acct_vm_has_usage(const struct acct_vm *vm) { return vm->sampled; }

struct acct_usage acct_vm_usage(const struct acct_vm *vm)
{
	return (struct acct_usage){
		.cpu_time = vm->last.cpu_time - vm->base.cpu_time,
		.rd_bytes = vm->last.rd_bytes - vm->base.rd_bytes,
		.wr_bytes = vm->last.wr_bytes - vm->base.wr_bytes,
		.rd_ops = vm->last.rd_ops - vm->base.rd_ops,
		.wr_ops = vm->last.wr_ops - vm->base.wr_ops,
		.no_ops = vm->last.no_ops,
	};
}

bool acct_vm_cpu_percent(const struct acct_vm *vm, unsigned *percent)
{
	*percent = vm->cpu_percent;
	return vm->has_rate;
}

void acct_vm_seconds(const struct acct_vm *vm, enum acct_vm_series series, int64_t end_sec,
		     int64_t since_sec, uint64_t out[ACCT_HISTORY_SECONDS],
		     uint64_t own_group[ACCT_HISTORY_SECONDS])
{
	const struct acct_vm_history *h = vm->hist;
	for (unsigned i = 0; i < ACCT_HISTORY_SECONDS; i++) {
		int64_t sec = end_sec - 1 - (int64_t)i;
		int slot = h && sec >= since_sec ? ring_slot(&h->clock, sec) : -1;
		if (own_group)
			own_group[i] = slot < 0 ? 0 : h->ring[slot][VM_GROUP_OWN];
		if (slot < 0)
			out[i] = 0;
		else
			out[i] = h->ring[slot][series == ACCT_VM_CPU	      ? VM_CPU
					       : series == ACCT_VM_BYTES_SENT ? VM_SENT
									: VM_RX_UNICAST];
	}
}

int64_t acct_vm_restart_usec(const struct acct_vm *vm) { return vm->restart_usec; }

void acct_port_set_vm(struct acct_port *port, struct acct_vm *vm) { port->vm = vm; }

void acct_port_init(struct acct_port *port)
{
	memset(port, 0, sizeof *port);
}

void acct_port_reset(struct acct_port *port)
{
	struct acct_net *net = port->net;
	struct acct_vm *vm = port->vm;
	struct acct_held *held = port->held;
	acct_port_init(port);
	port->net = net;
	port->vm = vm;
	port->held = held;
	if (net)
		port->group_base = net->group;
}

void acct_port_set_held(struct acct_port *port, struct acct_held *held) { port->held = held; }

/* Whether a held block has a second in it: an untouched one stays so. */
static bool holds_any(const struct acct_held *held)
{
	for (unsigned i = 0; held && i < ACCT_HELD_SECONDS + 1; i++)
		if (held->slots[i].sec)
			return true;
	return false;
}

void acct_port_add_held(struct acct_port *port, struct acct_counts sent,
			struct acct_counts group_sent)
{
	counts_sum(&port->sent, sent);
	/* Those group frames are in the network's totals already, and so in
	 * group_base since the reset: its share, group - group_base -
	 * group_sent_own, must not move. */
	counts_sum(&port->group_sent_own, group_sent);
	port->group_base.bytes -= group_sent.bytes;
	port->group_base.packets -= group_sent.packets;
}

void acct_port_hand_over(struct acct_port *port, int64_t from_mono_sec)
{
	if (!holds_any(port->held))
		return;
	for (unsigned i = 0; i < ACCT_HELD_SECONDS + 1; i++) {
		const struct acct_held_second *h = &port->held->slots[i];
		if (!h->sec || h->mono_sec < from_mono_sec)
			continue;
		acct_port_add_held(port, h->sent, h->group_sent);
		vm_add(port->vm, h->sec, VM_SENT, h->sent.bytes);
		if (h->group_sent.bytes)
			vm_add(port->vm, h->sec, VM_GROUP_OWN, h->group_sent.bytes);
	}
	memset(port->held, 0, sizeof *port->held);
}

/* The vNIC's share of a network whose group totals are group: what it
 * received of them since it attached, less what it sent itself. The one
 * place this arithmetic is done. */
static struct acct_counts group_share(const struct acct_port *port, struct acct_counts group)
{
	return (struct acct_counts){
		.bytes = group.bytes - port->group_base.bytes - port->group_sent_own.bytes,
		.packets = group.packets - port->group_base.packets - port->group_sent_own.packets,
	};
}

/* Group frames of the current network the vNIC received since attaching. */
static struct acct_counts port_group_share(const struct acct_port *port)
{
	return port->net ? group_share(port, port->net->group) : (struct acct_counts){ 0, 0 };
}

/* Moves the share of a network it leaves, whose totals are group, into
 * what it received. */
static void keep_share(struct acct_port *port, struct acct_counts group)
{
	struct acct_counts share = group_share(port, group);
	port->rx_carried.bytes += share.bytes;
	port->rx_carried.packets += share.packets;
}

void acct_port_attach(struct acct_port *port, struct acct_net *net)
{
	if (port->net == net)
		return;
	if (port->net)
		keep_share(port, port->net->group);
	port->net = net;
	memset(&port->group_sent_own, 0, sizeof port->group_sent_own);
	if (net)
		port->group_base = net->group;
}

const struct acct_net *acct_port_network(const struct acct_port *port) { return port->net; }

struct acct_counts acct_port_sent(const struct acct_port *port)
{
	return port->sent;
}

struct acct_counts acct_port_received(const struct acct_port *port)
{
	struct acct_counts share = port_group_share(port);
	struct acct_counts rx = {
		.bytes = port->rx_unicast.bytes + port->rx_carried.bytes + share.bytes,
		.packets = port->rx_unicast.packets + port->rx_carried.packets + share.packets,
	};
	return rx;
}

struct acct_counts acct_net_carried(const struct acct_net *net) { return net->carried; }
uint64_t acct_net_malformed(const struct acct_net *net) { return net->malformed; }
uint64_t acct_net_drops(const struct acct_net *net) { return net->capture_drops; }

void acct_net_save(const struct acct_net *net, struct acct_net_saved *out)
{
	*out = (struct acct_net_saved){ net->carried, net->group, net->malformed, net->capture_drops };
}

void acct_net_restore(struct acct_net *net, const struct acct_net_saved *saved)
{
	net->carried = saved->carried;
	net->group = saved->group;
	net->malformed = saved->malformed;
	net->capture_drops = saved->drops;
}

void acct_port_rejoin(struct acct_port *port)
{
	if (!port->net)
		return;
	port->group_base = port->net->group;
	memset(&port->group_sent_own, 0, sizeof port->group_sent_own);
}

void acct_port_carry(struct acct_port *to, const struct acct_port *from, struct acct_net *net)
{
	struct acct_vm *vm = to->vm;
	struct acct_held *held = to->held;
	*to = *from;
	to->vm = vm;
	to->held = held;
	if (held && holds_any(from->held))
		*held = *from->held;
	if (from->net && !net)
		keep_share(to, from->net->group);
	to->net = net;
}

void acct_port_save(const struct acct_port *port, struct acct_port_saved *out)
{
	*out = (struct acct_port_saved){ port->sent, port->rx_unicast, port->rx_carried,
					 port->group_base, port->group_sent_own };
}

void acct_port_restore(struct acct_port *port, const struct acct_port_saved *saved,
		       const struct acct_net_saved *was, struct acct_net *net)
{
	struct acct_net *now = port->net;
	*port = (struct acct_port){ .sent = saved->sent, .rx_unicast = saved->rx_unicast,
				    .rx_carried = saved->rx_carried, .group_base = saved->group_base,
				    .group_sent_own = saved->group_sent_own, .net = net,
				    .vm = port->vm, .held = port->held };
	if (was && !net)
		keep_share(port, was->group);
	/* Where it sits now, which may be elsewhere. */
	if (now != net || !net)
		acct_port_attach(port, now);
}
