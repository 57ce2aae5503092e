/*
 * fuzz_frames: captured frames → meter → acct, against a model.
 *
 * The input is a sequence of records, each a 9-byte header and a body:
 *
 *   [1 selector][2 caplen LE][2 len LE][4 time delta LE, signed, µs][caplen bytes]
 *
 * selector bits 0-1: the network (of 4); bit 6: a control record, which
 * moves vNIC (selector >> 2 & 7) to network len % 5 (4: none), as the
 * lifecycle does when a tap changes bridges, instead of counting a frame;
 * bit 7: every network ticks after the record. The clock moves by the
 * delta first (backwards too); a frame is stamped with it. A body shorter
 * than caplen is cut to what is left.
 *
 * The inventory is rebuilt for each input from one configuration parsed
 * once. After every record the counters are compared with a model kept
 * here from DESIGN §1 (network totals, every vNIC's sent and received,
 * where each vNIC sits); at the end, when the clock never went back, each
 * network's 60 history columns must hold exactly the bytes of the frames
 * stamped in their second.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "conf.h"
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

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz_frames: %s:%d: check failed: %s\n",     \
				__FILE__, __LINE__, #cond);                           \
			abort();                                                      \
		}                                                                     \
	} while (0)

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
	struct counts sent[MAX_VNICS], received[MAX_VNICS];
	struct acct_counts last_sent[MAX_VNICS], last_received[MAX_VNICS];
	int net_of[MAX_VNICS]; /* -1: none */
};

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
	log_init("fuzz_frames", LOG_TO_NOTHING, NULL);
	struct conf_error err;
	conf = conf_new();
	if (!conf || conf_parse_buffer(conf, "fuzz_frames.conf", conf_text, strlen(conf_text),
				       &err) < 0) {
		fprintf(stderr, "fuzz_frames: configuration: %s\n", conf ? err.msg : "no memory");
		abort();
	}
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

/* With a clock that never went back, column k holds exactly the frames
 * stamped in second end_sec - k. */
static void check_history(struct inv_net *const *nets, const struct stamped *frames,
			  size_t nframes)
{
	for (int n = 0; n < NNETS; n++) {
		uint64_t col[ACCT_HISTORY_SECONDS], want[ACCT_HISTORY_SECONDS] = { 0 };
		int64_t end_sec;
		acct_net_history(&nets[n]->acct, col, &end_sec);
		for (size_t i = 0; i < nframes; i++) {
			if (frames[i].net != n)
				continue;
			CHECK(frames[i].sec <= end_sec); /* the second in progress at the latest */
			int64_t k = end_sec - frames[i].sec;
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
	bool went_back = false;
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
		went_back |= delta < 0;
		int n = sel & 3;

		if (sel & 0x40) {
			int v = (sel >> 2 & 7) % nvnics;
			int to = (int)(len % (NNETS + 1));
			inventory_vnic_attach(vnics[v], to == NNETS ? NULL : nets[to]);
			m.net_of[v] = to == NNETS ? -1 : to;
		} else {
			/* Its own allocation, so reading past caplen is caught. */
			uint8_t *frame = malloc(caplen ? caplen : 1);
			if (!frame)
				break;
			memcpy(frame, body, caplen);
			int64_t ts_sec = floor_sec(now_usec);
			meter_frame(inv, nets[n], ts_sec, frame, caplen, len);

			add(&m.carried[n], len);
			frames[nframes++] = (struct stamped){ n, ts_sec, len };
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
		if (sel & 0x80)
			for (int k = 0; k < NNETS; k++)
				acct_net_tick(&nets[k]->acct, now_usec);
		check_counters(inv, nets, vnics, nvnics, &m);
	}
	if (!went_back)
		check_history(nets, frames, nframes);

	free(frames);
	inventory_free(inv);
	return 0;
}
