/*
 * fuzz_frames: captured frames → meter → acct, against a model.
 *
 * The input is a sequence of records, each a 9-byte header and a body:
 *
 *   [1 selector][2 caplen LE][2 len LE][4 time delta LE, signed, µs][caplen bytes]
 *
 * selector bits 0-1: the network (of 4); bit 7: every network ticks after
 * the record, at the clock plus (selector >> 2 & 7) × 100 ms (the wall
 * clock runs ahead of capture timestamps); bit 6: a control record instead
 * of a frame, what the daemon does besides counting frames; with
 * v = selector >> 2 & 7 (a vNIC) and arg = len & 0x3fff, by len >> 14:
 *   0, 3  vNIC v moves to network arg % 5 (4: none), as the lifecycle
 *         does when its tap changes bridges;
 *   1     vNIC v's VM powers up: its vNICs' counters restart (lifecycle's
 *         power_up);
 *   2     the capture of the network reports arg frames lost.
 * The clock moves by the delta first (backwards too); a frame is stamped
 * with it. A body shorter than caplen is cut to what is left.
 *
 * The inventory is rebuilt for each input from one configuration parsed
 * once. After every record the counters are compared with a model kept
 * here from DESIGN §1 (network totals, every vNIC's sent and received,
 * where each vNIC sits), and no vNIC counter may have gone down but
 * through a power-up. At the end each network's 60 history columns must
 * hold exactly what acct.h says: a frame counts in its second unless that
 * second was closed already (by a later frame, or a tick more than the
 * grace after its end), then in the second being collected; a clock stepped
 * back behind that second relabels the columns and keeps them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "conf.h"
#include "fuzz.h"
#include "inventory.h"
#include "log.h"
#include "mac.h"
#include "meter.h"

#define NNETS 4
#define MAX_VNICS 8
#define HEADER_BYTES 9
#define BASE_USEC (INT64_C(1700000000) * 1000000)

static const char conf_text[] =
	"network lan0 br0\n"
	"network lan1 br1\n"
	"network dmz br2\n"
	"network lab br3\n"
	"vm web01 uuid=8a3c2f4e-1b2d-4c5e-9f60-7a8b9c0d1e2f\n"
	"vnic web01 52:54:00:00:00:01 vnet0\n"
	"vnic web01 52:54:00:00:00:02\n"
	"vm db01\n"
	"vnic db01 52:54:00:00:00:03\n"
	"vnic db01 52:54:00:00:00:04 vnet3\n"
	"vm edge01\n"
	"vnic edge01 02:00:00:00:00:05\n"
	"vm idle01\n";

struct counts {
	uint64_t bytes, packets;
};

static void add(struct counts *c, uint32_t len)
{
	c->bytes += len;
	c->packets++;
}

static bool same(struct counts m, struct acct_counts a)
{
	return m.bytes == a.bytes && m.packets == a.packets;
}

static bool not_less(struct acct_counts now, struct acct_counts before)
{
	return now.bytes >= before.bytes && now.packets >= before.packets;
}

/* What the counters must say, computed here from the frames fed. */
struct model {
	struct counts carried[NNETS];
	uint64_t malformed[NNETS];
	uint64_t drops[NNETS];
	struct counts sent[MAX_VNICS], received[MAX_VNICS];
	struct acct_counts last_sent[MAX_VNICS], last_received[MAX_VNICS];
	int net_of[MAX_VNICS]; /* -1: none */
};

/* The history as acct.h describes it, per network. */
struct clock_model {
	bool started;
	int64_t cur;   /* the second being collected */
	int64_t shift; /* seconds the columns were relabelled back, in all */
};

/* A frame counted in the history: its second is sec - (the network's
 * shift at the end - its shift then). */
struct stamped {
	int net;
	int64_t sec;
	uint32_t len;
};

static struct conf *conf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	conf = fuzz_fixed_conf("fuzz_frames", conf_text);
	return 0;
}

static int64_t floor_sec(int64_t usec)
{
	int64_t s = usec / 1000000;
	return usec % 1000000 < 0 ? s - 1 : s;
}

static int find_vnic(struct inv_vnic *const *vnics, int n, const uint8_t mac[MAC_LEN])
{
	for (int i = 0; i < n; i++)
		if (!memcmp(vnics[i]->mac, mac, MAC_LEN))
			return i;
	return -1;
}

static void check_counters(struct inventory *inv, struct inv_net *const *nets,
			   struct inv_vnic *const *vnics, int nvnics, struct model *m)
{
	for (int n = 0; n < NNETS; n++) {
		const struct acct_net *a = &nets[n]->acct;
		CHECK(same(m->carried[n], a->carried));
		CHECK(a->malformed == m->malformed[n]);
		CHECK(a->capture_drops == m->drops[n]);
		CHECK(a->group.packets <= a->carried.packets && a->group.bytes <= a->carried.bytes);
		uint64_t col[ACCT_HISTORY_SECONDS], sum = 0;
		int64_t end_sec;
		acct_net_history(a, col, &end_sec);
		for (int k = 0; k < ACCT_HISTORY_SECONDS; k++) {
			CHECK(col[k] <= a->carried.bytes);
			sum += col[k];
		}
		CHECK(sum <= a->carried.bytes);
		CHECK(acct_net_rate(a) == col[0]);
	}
	for (int v = 0; v < nvnics; v++) {
		struct acct_counts s = acct_port_sent(&vnics[v]->acct);
		struct acct_counts r = acct_port_received(&vnics[v]->acct);
		CHECK(same(m->sent[v], s));
		CHECK(same(m->received[v], r));
		CHECK(not_less(s, m->last_sent[v]));
		CHECK(not_less(r, m->last_received[v]));
		m->last_sent[v] = s;
		m->last_received[v] = r;
		struct inv_net *want = m->net_of[v] < 0 ? NULL : nets[m->net_of[v]];
		CHECK(vnics[v]->net == want);
		CHECK(vnics[v]->acct.net == (want ? &want->acct : NULL));
	}
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		const struct inv_vm *vm = inventory_vm(inv, i);
		struct acct_counts s = { 0, 0 }, r = { 0, 0 };
		for (size_t j = 0; j < vm->nvnics; j++) {
			struct acct_counts vs = acct_port_sent(&vm->vnics[j].acct);
			struct acct_counts vr = acct_port_received(&vm->vnics[j].acct);
			s.bytes += vs.bytes;
			s.packets += vs.packets;
			r.bytes += vr.bytes;
			r.packets += vr.packets;
		}
		struct acct_counts vs = inventory_vm_sent(vm), vr = inventory_vm_received(vm);
		CHECK(vs.bytes == s.bytes && vs.packets == s.packets);
		CHECK(vr.bytes == r.bytes && vr.packets == r.packets);
	}
}

static void model_frame(struct clock_model *c, int64_t ts_sec)
{
	if (!c->started || ts_sec > c->cur)
		c->cur = ts_sec;
	c->started = true;
}

static void model_tick(struct clock_model *c, int64_t now_usec)
{
	int64_t now_sec = floor_sec(now_usec);
	int64_t closable = floor_sec(now_usec - ACCT_CLOSE_GRACE_USEC);
	if (!c->started) {
		c->cur = now_sec;
		c->started = true;
	} else if (now_sec < c->cur) {
		c->shift += c->cur - now_sec;
		c->cur = now_sec;
	} else if (closable > c->cur) {
		c->cur = closable;
	}
}

/* Column k holds the frames counted in second end - k. */
static void check_history(struct inv_net *const *nets, const struct clock_model *clock,
			  const struct stamped *frames, size_t nframes)
{
	for (int n = 0; n < NNETS; n++) {
		uint64_t col[ACCT_HISTORY_SECONDS], want[ACCT_HISTORY_SECONDS] = { 0 };
		int64_t end_sec;
		acct_net_history(&nets[n]->acct, col, &end_sec);
		CHECK(end_sec == (clock[n].started ? clock[n].cur : 0));
		for (size_t i = 0; i < nframes; i++) {
			if (frames[i].net != n)
				continue;
			int64_t k = end_sec - (frames[i].sec - clock[n].shift);
			CHECK(k >= 0);
			if (k >= 1 && k <= ACCT_HISTORY_SECONDS)
				want[k - 1] += frames[i].len;
		}
		for (int k = 0; k < ACCT_HISTORY_SECONDS; k++)
			CHECK(col[k] == want[k]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory *inv = inventory_new(conf, 0);
	if (!inv)
		return 0;
	CHECK(inventory_net_count(inv) == NNETS);
	struct inv_net *nets[NNETS];
	for (int n = 0; n < NNETS; n++)
		nets[n] = inventory_net(inv, (size_t)n);
	struct inv_vnic *vnics[MAX_VNICS];
	int nvnics = 0;
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		/* Running, as the VMs whose frames a host carries: a down VM's
		 * sent frames are held for its next life instead (test_acct,
		 * test_meter and lifecycle.sh check that rule). */
		vm->state = VM_RUNNING;
		for (size_t j = 0; j < vm->nvnics; j++) {
			CHECK(nvnics < MAX_VNICS);
			vnics[nvnics++] = &vm->vnics[j];
		}
	}

	struct model m;
	memset(&m, 0, sizeof m);
	for (int v = 0; v < nvnics; v++)
		m.net_of[v] = -1;
	/* The taps the lifecycle would have seen plugged in. */
	static const struct {
		const char *ifname;
		int net;
	} plugged[] = { { "vnet0", 0 }, { "vnet3", 1 } };
	for (size_t i = 0; i < sizeof plugged / sizeof *plugged; i++) {
		struct inv_vnic *vnic = inventory_vnic_by_ifname(inv, plugged[i].ifname);
		CHECK(vnic);
		inventory_vnic_attach(vnic, nets[plugged[i].net]);
		m.net_of[find_vnic(vnics, nvnics, vnic->mac)] = plugged[i].net;
	}

	struct stamped *frames = malloc((size / HEADER_BYTES + 1) * sizeof *frames);
	if (!frames) {
		inventory_free(inv);
		return 0;
	}
	size_t nframes = 0;
	struct clock_model clock[NNETS];
	memset(clock, 0, sizeof clock);
	int64_t now_usec = BASE_USEC;

	size_t off = 0;
	while (size - off >= HEADER_BYTES) {
		const uint8_t *h = data + off;
		uint8_t sel = h[0];
		uint32_t caplen = (uint32_t)h[1] | (uint32_t)h[2] << 8;
		uint32_t len = (uint32_t)h[3] | (uint32_t)h[4] << 8;
		int32_t delta = (int32_t)((uint32_t)h[5] | (uint32_t)h[6] << 8 |
					  (uint32_t)h[7] << 16 | (uint32_t)h[8] << 24);
		off += HEADER_BYTES;
		if (caplen > size - off)
			caplen = (uint32_t)(size - off);
		const uint8_t *body = data + off;
		off += caplen;

		now_usec += delta;
		int n = sel & 3;

		if (sel & 0x40) {
			int v = (sel >> 2 & 7) % nvnics;
			uint32_t arg = len & 0x3fff;
			switch (len >> 14) {
			case 1: {
				struct inv_vm *vm = vnics[v]->vm;
				for (size_t j = 0; j < vm->nvnics; j++)
					acct_port_reset(&vm->vnics[j].acct);
				for (int w = 0; w < nvnics; w++) {
					if (vnics[w]->vm != vm)
						continue;
					m.sent[w] = m.received[w] = (struct counts){ 0, 0 };
					m.last_sent[w] = m.last_received[w] = (struct acct_counts){ 0, 0 };
				}
				break;
			}
			case 2:
				acct_count_drops(&nets[n]->acct, arg);
				m.drops[n] += arg;
				break;
			default: {
				int to = (int)(arg % (NNETS + 1));
				inventory_vnic_attach(vnics[v], to == NNETS ? NULL : nets[to]);
				m.net_of[v] = to == NNETS ? -1 : to;
				break;
			}
			}
		} else {
			/* Its own allocation, so reading past caplen is caught
			 * (ASan's malloc(0) gives a pointer nothing may read). */
			uint8_t *frame = malloc(caplen);
			if (!frame)
				break;
			if (caplen)
				memcpy(frame, body, caplen);
			int64_t ts_sec = floor_sec(now_usec);
			meter_frame(inv, nets[n], now_usec, frame, caplen, len);

			add(&m.carried[n], len);
			model_frame(&clock[n], ts_sec);
			frames[nframes++] = (struct stamped){ n, clock[n].cur + clock[n].shift, len };
			if (caplen < 2 * MAC_LEN || len < 2 * MAC_LEN) {
				m.malformed[n]++;
			} else {
				int src = find_vnic(vnics, nvnics, frame + MAC_LEN);
				bool group = mac_is_group(frame);
				int dst = group ? -1 : find_vnic(vnics, nvnics, frame);
				if (src >= 0) {
					add(&m.sent[src], len);
					if (m.net_of[src] < 0 && !*vnics[src]->ifname)
						m.net_of[src] = n;
				}
				if (group) {
					for (int v = 0; v < nvnics; v++)
						if (v != src && m.net_of[v] == n)
							add(&m.received[v], len);
				} else if (dst >= 0) {
					add(&m.received[dst], len);
				}
			}
			free(frame);
		}
		if (sel & 0x80) {
			int64_t tick_usec = now_usec + (sel >> 2 & 7) * 100000;
			for (int k = 0; k < NNETS; k++) {
				acct_net_tick(&nets[k]->acct, tick_usec);
				model_tick(&clock[k], tick_usec);
			}
		}
		check_counters(inv, nets, vnics, nvnics, &m);
	}
	check_history(nets, clock, frames, nframes);

	free(frames);
	inventory_free(inv);
	return 0;
}
