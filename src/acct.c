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

/* Group frames of the current network the vNIC received since attaching. */
static struct acct_counts port_group_share(const struct acct_port *port)
{
	struct acct_counts share = { 0, 0 };
	if (port->net) {
		share.bytes = port->net->group.bytes - port->group_base.bytes -
			      port->group_sent_own.bytes;
		share.packets = port->net->group.packets - port->group_base.packets -
				port->group_sent_own.packets;
	}
	return share;
}

void acct_port_attach(struct acct_port *port, struct acct_net *net)
{
	if (port->net == net)
		return;
	struct acct_counts share = port_group_share(port);
	port->rx_carried.bytes += share.bytes;
	port->rx_carried.packets += share.packets;
	port->net = net;
	memset(&port->group_sent_own, 0, sizeof port->group_sent_own);
	if (net)
		port->group_base = net->group;
}

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

uint64_t acct_net_drops(const struct acct_net *net) { return net->capture_drops; }
