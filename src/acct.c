#include "acct.h"

#include <string.h>

#define RING_SLOTS (ACCT_HISTORY_SECONDS + 1)
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

/* Moves the collecting slot forward to second sec, zeroing the seconds
 * skipped over: they carried nothing. */
static void ring_advance(struct acct_net *net, int64_t sec)
{
	if (!net->started) {
		net->started = true;
		net->cur_sec = sec;
		return;
	}
	int64_t steps = sec - net->cur_sec;
	if (steps <= 0)
		return;
	if (steps >= RING_SLOTS) {
		memset(net->ring, 0, sizeof net->ring);
		net->head = 0;
	} else {
		for (int64_t i = 0; i < steps; i++) {
			net->head = (net->head + 1) % RING_SLOTS;
			net->ring[net->head] = 0;
		}
	}
	net->cur_sec = sec;
}

static void ring_add(struct acct_net *net, int64_t ts_sec, uint32_t len)
{
	/* Frames of one capture arrive in time order, so a frame from a later
	 * second closes the current one; an earlier second can only be a clock
	 * step back, counted in the current second. */
	if (!net->started || ts_sec > net->cur_sec)
		ring_advance(net, ts_sec);
	net->ring[net->head] += len;
}

void acct_count_frame(struct acct_net *net, struct acct_port *src,
		      struct acct_port *dst, bool group, uint32_t len,
		      int64_t ts_sec)
{
	counts_add(&net->carried, len);
	ring_add(net, ts_sec, len);
	if (src)
		counts_add(&src->sent, len);
	if (group) {
		counts_add(&net->group, len);
		if (src && src->net == net)
			counts_add(&src->group_sent_own, len);
	} else if (dst) {
		counts_add(&dst->rx_unicast, len);
	}
}

void acct_count_malformed(struct acct_net *net, uint32_t len, int64_t ts_sec)
{
	counts_add(&net->carried, len);
	ring_add(net, ts_sec, len);
	net->malformed++;
}

static inline void counts_sum(struct acct_counts *c, struct acct_counts d)
{
	c->bytes += d.bytes;
	c->packets += d.packets;
}

void acct_net_add_totals(struct acct_net *net, struct acct_counts carried,
			 struct acct_counts group, uint64_t malformed)
{
	counts_sum(&net->carried, carried);
	counts_sum(&net->group, group);
	net->malformed += malformed;
}

void acct_net_add_second(struct acct_net *net, int64_t sec, uint64_t bytes)
{
	ring_add(net, sec, 0);
	net->ring[net->head] += bytes;
}

void acct_port_add(struct acct_port *port, const struct acct_net *net, struct acct_counts sent,
		   struct acct_counts rx_unicast, struct acct_counts group_sent)
{
	counts_sum(&port->sent, sent);
	counts_sum(&port->rx_unicast, rx_unicast);
	if (port->net && port->net == net)
		counts_sum(&port->group_sent_own, group_sent);
}

void acct_count_drops(struct acct_net *net, uint64_t drops)
{
	net->capture_drops += drops;
}

void acct_net_tick(struct acct_net *net, int64_t now_usec)
{
	int64_t now_sec = now_usec / USEC_PER_SEC;
	int64_t closable_sec = (now_usec - ACCT_CLOSE_GRACE_USEC) / USEC_PER_SEC;

	if (!net->started) {
		ring_advance(net, now_sec);
	} else if (now_sec < net->cur_sec) {
		/* Every timestamp seen so far was at or before the clock's
		 * reading then, so the clock stepped back: relabel the
		 * collecting slot, keep every column. */
		net->cur_sec = now_sec;
	} else if (closable_sec > net->cur_sec) {
		ring_advance(net, closable_sec);
	}
}

void acct_net_history(const struct acct_net *net,
		      uint64_t out[ACCT_HISTORY_SECONDS], int64_t *end_sec)
{
	unsigned slot = net->head;
	for (unsigned i = 0; i < ACCT_HISTORY_SECONDS; i++) {
		slot = (slot + RING_SLOTS - 1) % RING_SLOTS;
		out[i] = net->ring[slot];
	}
	*end_sec = net->started ? net->cur_sec : 0;
}

uint64_t acct_net_rate(const struct acct_net *net)
{
	return net->ring[(net->head + RING_SLOTS - 1) % RING_SLOTS];
}

void acct_port_init(struct acct_port *port)
{
	memset(port, 0, sizeof *port);
}

void acct_port_reset(struct acct_port *port)
{
	struct acct_net *net = port->net;
	acct_port_init(port);
	port->net = net;
	if (net)
		port->group_base = net->group;
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
	*to = *from;
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
	*port = (struct acct_port){ saved->sent, saved->rx_unicast, saved->rx_carried,
				    saved->group_base, saved->group_sent_own, net };
	if (was && !net)
		keep_share(port, was->group);
	/* Where it sits now, which may be elsewhere. */
	if (now != net || !net)
		acct_port_attach(port, now);
}
