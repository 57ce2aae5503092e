/*
 * The set is rebuilt whole by capset_bind; each capture belongs to one
 * member (its sink's context), and the epoll set is brought in line with
 * the open captures' descriptors each time capset_fd is asked. A member
 * captures a bridge (its network's device) or, for a network counted by
 * port, one macvtap vNIC's device; a network's capture state and the one
 * port capture that counts its group frames are worked out again whenever
 * a capture's status may have changed (refresh), never per frame.
 */
#include "capset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "capture.h"
#include "log.h"
#include "meter.h"

struct capset_member {
	struct capset *cs;
	struct inv_net *net;
	struct inv_vnic *vnic; /* the vNIC whose device it captures; NULL: the bridge */
	bool counts_group;     /* the port capture counting the network's group frames */
	bool reports_loss;     /* the network's first member: it tells of losses */
	struct capture *cap;
	int polled_fd;         /* its descriptor in the epoll set; -1: none */
	unsigned polled_opens; /* capture_opens when it was added */
	uint64_t drops_told;   /* vsNetCaptureDrops at the last report */
	int64_t told_at_usec;  /* when that was; 0: never */
};

struct capset {
	struct inventory *inv;
	/* One per bridge network of the inventory, then one per macvtap vNIC
	 * with a host device, in the inventory's order. */
	struct capset_member *members;
	size_t n;
	int epoll_fd;
	bool ports_only; /* the bridges are counted by another method */
	struct count_window window; /* every capture's (capture_set_window) */
	capset_loss_fn on_loss;
	void *on_loss_ctx;
};

static void capset_sink(void *ctx, int64_t ts_usec, const uint8_t *bytes, uint32_t caplen,
			uint32_t len)
{
	struct capset_member *m = ctx;
	meter_frame(m->cs->inv, m->net, ts_usec, bytes, caplen, len);
}

/* A sink of its own: the bridges' frames pay nothing for the ports'. */
static void capset_port_sink(void *ctx, int64_t ts_usec, const uint8_t *bytes,
			     uint32_t caplen, uint32_t len)
{
	struct capset_member *m = ctx;
	meter_port_frame(m->cs->inv, m->net, m->vnic, m->counts_group, ts_usec, bytes, caplen, len);
}

static enum net_capture_state net_state(enum capture_status status)
{
	switch (status) {
	case CAPTURE_OPEN:
		return NET_CAPTURING;
	case CAPTURE_FAILED:
		return NET_FAILED;
	case CAPTURE_DOWN:
	case CAPTURE_EOF:
		break;
	}
	return NET_DOWN;
}

/* The device a member captures. */
static const char *member_dev(const struct capset_member *m)
{
	return m->vnic ? m->vnic->ifname : m->net->bridge;
}

/*
 * Every network's capture state from its members: a bridge's is its
 * capture's; a network counted by port is capturing while any of its
 * captures is open, down otherwise, and its first open capture counts its
 * group frames.
 */
static void refresh_members(struct capset *cs);

static void refresh(struct capset *cs)
{
	refresh_members(cs);
	/* A VLAN network is seen as its bridge is (down when not counted). */
	for (size_t i = 0; cs->inv && i < inventory_net_count(cs->inv); i++) {
		struct inv_net *net = inventory_net(cs->inv, i);
		if (net->vlan)
			net->capture_state = net->parent ? net->parent->capture_state : NET_DOWN;
	}
}

static void refresh_members(struct capset *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct capset_member *m = &cs->members[i];
		m->counts_group = false;
		m->net->capture_state = m->vnic ? NET_DOWN : net_state(capture_status(m->cap));
	}
	for (size_t i = 0; i < cs->n; i++) {
		struct capset_member *m = &cs->members[i];
		if (!m->vnic || capture_status(m->cap) != CAPTURE_OPEN ||
		    m->net->capture_state == NET_CAPTURING)
			continue;
		m->net->capture_state = NET_CAPTURING;
		m->counts_group = true;
	}
}

static void member_read(struct capset_member *m)
{
	enum capture_status was = capture_status(m->cap);
	capture_read(m->cap);
	if (!m->vnic)
		m->net->capture_state = net_state(capture_status(m->cap));
	else if (capture_status(m->cap) != was)
		refresh(m->cs);
}

struct capset *capset_new(void)
{
	struct capset *cs = calloc(1, sizeof *cs);
	if (!cs)
		return NULL;
	cs->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (cs->epoll_fd < 0) {
		log_warn("epoll");
		free(cs);
		return NULL;
	}
	return cs;
}

void capset_free(struct capset *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++)
		capture_free(cs->members[i].cap);
	free(cs->members);
	close(cs->epoll_fd);
	free(cs);
}

void capset_ports_only(struct capset *cs) { cs->ports_only = true; }

void capset_window(struct capset *cs, struct count_window window)
{
	cs->window = window;
	for (size_t i = 0; i < cs->n; i++)
		if (cs->members[i].cap)
			capture_set_window(cs->members[i].cap, window);
}

void capset_on_loss(struct capset *cs, capset_loss_fn fn, void *ctx)
{
	cs->on_loss = fn;
	cs->on_loss_ctx = ctx;
}

/* The member of the current set capturing device dev (a vNIC's when
 * port), or NULL. */
static struct capset_member *member_of(struct capset *cs, const char *dev, bool port)
{
	for (size_t k = 0; k < cs->n; k++) {
		struct capset_member *m = &cs->members[k];
		if (m->cap && (m->vnic != NULL) == port && !strcmp(member_dev(m), dev))
			return m;
	}
	return NULL;
}

/* The members inv calls for, filled in up to *n (at most max), without
 * captures. */
static size_t plan_members(struct capset *cs, struct inventory *inv,
			   struct capset_member *members, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < inventory_net_count(inv) && n < max; i++) {
		struct inv_net *net = inventory_net(inv, i);
		/* A VLAN's frames are its bridge's: the bridge's capture. */
		if (!net->by_port && !net->vlan && !cs->ports_only)
			members[n++] = (struct capset_member){ .cs = cs, .net = net, .polled_fd = -1 };
	}
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics && n < max; j++) {
			struct inv_vnic *vnic = &vm->vnics[j];
			if (vnic->home && vnic->home->by_port && *vnic->ifname)
				members[n++] = (struct capset_member){
					.cs = cs, .net = vnic->home, .vnic = vnic, .polled_fd = -1
				};
		}
	}
	return n;
}

/* Marks each network's first member as the one telling of its losses
 * (a network counted by port has several). */
static void elect_reporters(struct capset_member *members, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		members[i].reports_loss = true;
		for (size_t k = 0; k < i && members[i].vnic; k++)
			if (members[k].net == members[i].net) {
				members[i].reports_loss = false;
				break;
			}
	}
}

int capset_bind(struct capset *cs, struct inventory *inv, size_t buffer_bytes)
{
	size_t max = inventory_net_count(inv);
	for (size_t i = 0; i < inventory_vm_count(inv); i++)
		max += inventory_vm(inv, i)->nvnics;
	struct capset_member *members = calloc(max + 1, sizeof *members);
	if (!members)
		return -1;
	size_t n = plan_members(cs, inv, members, max);
	/* New captures first, so that running out of memory changes nothing. */
	for (size_t i = 0; i < n; i++) {
		struct capset_member *m = &members[i];
		bool port = m->vnic != NULL;
		if (member_of(cs, member_dev(m), port))
			continue;
		m->cap = capture_new_live(member_dev(m), buffer_bytes,
					  port ? capset_port_sink : capset_sink, m);
		if (!m->cap) {
			for (size_t k = 0; k < i; k++)
				capture_free(members[k].cap);
			free(members);
			return -1;
		}
		capture_set_window(m->cap, cs->window);
	}
	/* A device captured before keeps its handle: nothing is missed. */
	for (size_t i = 0; i < n; i++) {
		struct capset_member *m = &members[i];
		struct capset_member *old =
			m->cap ? NULL : member_of(cs, member_dev(m), m->vnic != NULL);
		if (old) {
			struct capset_member moved = *old;
			old->cap = NULL;
			moved.net = m->net;
			moved.vnic = m->vnic;
			*m = moved;
			capture_set_ctx(m->cap, m);
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = m };
			if (m->polled_fd >= 0)
				epoll_ctl(cs->epoll_fd, EPOLL_CTL_MOD, m->polled_fd, &ev);
		}
	}
	elect_reporters(members, n);
	for (size_t k = 0; k < cs->n; k++)
		capture_free(cs->members[k].cap);
	free(cs->members);
	cs->members = members;
	cs->n = n;
	cs->inv = inv;
	/* A network counted by port with no vNIC device known is down. */
	for (size_t i = 0; i < inventory_net_count(inv); i++)
		if (inventory_net(inv, i)->by_port)
			inventory_net(inv, i)->capture_state = NET_DOWN;
	refresh(cs);
	return 0;
}

/*
 * Keeps the epoll set equal to the open captures' descriptors. Removals go
 * first: a descriptor number freed by one capture and taken by another
 * since the last call is then added back for its new owner.
 */
static void sync_epoll(struct capset *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct capset_member *m = &cs->members[i];
		if (m->polled_fd >= 0 && (capture_fd(m->cap) != m->polled_fd ||
					  capture_opens(m->cap) != m->polled_opens)) {
			/* Fails harmlessly when the socket is closed: closing
			 * removed it. */
			epoll_ctl(cs->epoll_fd, EPOLL_CTL_DEL, m->polled_fd, NULL);
			m->polled_fd = -1;
		}
	}
	for (size_t i = 0; i < cs->n; i++) {
		struct capset_member *m = &cs->members[i];
		int fd = capture_fd(m->cap);
		if (fd < 0 || m->polled_fd >= 0)
			continue;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = m };
		if (epoll_ctl(cs->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno != EEXIST) {
			log_warn("epoll: capture on %s", member_dev(m));
			continue;
		}
		m->polled_fd = fd;
		m->polled_opens = capture_opens(m->cap);
	}
}

int capset_fd(struct capset *cs)
{
	sync_epoll(cs);
	return cs->epoll_fd;
}

/* Ready captures taken per epoll_wait: all of them on any real host. */
#define CAPSET_EPOLL_BATCH 64

void capset_read_ready(struct capset *cs)
{
	struct epoll_event ev[CAPSET_EPOLL_BATCH];
	int n = epoll_wait(cs->epoll_fd, ev, CAPSET_EPOLL_BATCH, 0);
	for (int e = 0; e < n; e++)
		member_read(ev[e].data.ptr);
}

void capset_drain(struct capset *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		member_read(&cs->members[i]);
}

void capset_link(struct capset *cs, const char *ifname, const struct hostif_info *info,
		 int64_t mono_usec)
{
	bool found = false;
	for (size_t i = 0; i < cs->n; i++) {
		struct capset_member *m = &cs->members[i];
		if (strcmp(member_dev(m), ifname))
			continue;
		capture_link(m->cap, info->exists, info->up, info->ifindex, mono_usec);
		found = true;
	}
	if (found)
		refresh(cs);
}

/* Tells of new capture losses, at most once a CAPSET_LOSS_QUIET_USEC per
 * network. */
static void check_loss(struct capset *cs, struct capset_member *m, int64_t mono_usec)
{
	uint64_t drops = acct_net_drops(&m->net->acct);
	if (!m->reports_loss || drops <= m->drops_told ||
	    (m->told_at_usec && mono_usec - m->told_at_usec < CAPSET_LOSS_QUIET_USEC))
		return;
	log_warnx("network %s: the capture lost %llu frames so far", m->net->name,
		  (unsigned long long)drops);
	m->drops_told = drops;
	m->told_at_usec = mono_usec;
	if (cs->on_loss)
		cs->on_loss(cs->on_loss_ctx, m->net);
}

void capset_tick(struct capset *cs, int64_t mono_usec)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct capset_member *m = &cs->members[i];
		capture_maintain(m->cap, mono_usec);
		acct_count_drops(&m->net->acct, capture_take_drops(m->cap));
	}
	refresh(cs);
	for (size_t i = 0; i < cs->n; i++)
		check_loss(cs, &cs->members[i], mono_usec);
}
