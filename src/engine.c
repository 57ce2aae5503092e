#include "engine.h"

#include <stdlib.h>

#include "capture.h"
#include "hostif.h"
#include "lifecycle.h"
#include "log.h"
#include "meter.h"

struct engine_net {
	struct engine *eng;
	struct inv_net *net;
	struct capture *cap;
};

struct engine {
	struct inventory *inv;
	struct engine_net *nets; /* one per inventory network, same order */
	size_t nnets;
	int64_t next_hostif_usec;
	struct hostif_info *obs; /* scratch for the largest VM's vNICs */
};

static void engine_sink(void *ctx, int64_t ts_sec, const uint8_t *bytes,
			uint32_t caplen, uint32_t len)
{
	struct engine_net *en = ctx;
	meter_frame(en->eng->inv, en->net, ts_sec, bytes, caplen, len);
}

struct engine *engine_new(struct inventory *inv, size_t capture_buffer)
{
	struct engine *eng = calloc(1, sizeof *eng);
	if (!eng)
		return NULL;
	eng->inv = inv;
	eng->nnets = inventory_net_count(inv);
	size_t max_vnics = 1;
	for (size_t i = 0; i < inventory_vm_count(inv); i++)
		if (inventory_vm(inv, i)->nvnics > max_vnics)
			max_vnics = inventory_vm(inv, i)->nvnics;
	eng->obs = calloc(max_vnics, sizeof *eng->obs);
	eng->nets = calloc(eng->nnets ? eng->nnets : 1, sizeof *eng->nets);
	if (!eng->obs || !eng->nets)
		goto fail;
	for (size_t i = 0; i < eng->nnets; i++) {
		struct engine_net *en = &eng->nets[i];
		en->eng = eng;
		en->net = inventory_net(inv, i);
		en->cap = capture_new_live(en->net->bridge, capture_buffer, engine_sink, en);
		if (!en->cap)
			goto fail;
	}
	return eng;
fail:
	engine_free(eng);
	return NULL;
}

void engine_free(struct engine *eng)
{
	if (!eng)
		return;
	for (size_t i = 0; eng->nets && i < eng->nnets; i++)
		capture_free(eng->nets[i].cap);
	free(eng->nets);
	free(eng->obs);
	free(eng);
}

size_t engine_pollfds(struct engine *eng, struct pollfd *fds, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < eng->nnets && n < max; i++) {
		int fd = capture_fd(eng->nets[i].cap);
		if (fd >= 0)
			fds[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	return n;
}

static void engine_read(struct engine_net *en)
{
	capture_read(en->cap);
	en->net->capture_state = (enum net_capture_state)capture_status(en->cap);
}

void engine_handle(struct engine *eng, const struct pollfd *fds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		for (size_t i = 0; i < eng->nnets; i++)
			if (capture_fd(eng->nets[i].cap) == fds[k].fd)
				engine_read(&eng->nets[i]);
	}
}

void engine_drain(struct engine *eng)
{
	for (size_t i = 0; i < eng->nnets; i++)
		engine_read(&eng->nets[i]);
}

static void engine_follow_hostifs(struct engine *eng, int64_t mono_usec)
{
	for (size_t i = 0; i < inventory_vm_count(eng->inv); i++) {
		struct inv_vm *vm = inventory_vm(eng->inv, i);
		for (size_t j = 0; j < vm->nvnics; j++)
			if (*vm->vnics[j].ifname &&
			    hostif_lookup(vm->vnics[j].ifname, &eng->obs[j]) < 0)
				log_warn("cannot read the state of %s", vm->vnics[j].ifname);
		enum vm_state before = vm->state;
		if (lifecycle_apply(eng->inv, vm, eng->obs, mono_usec))
			log_info("VM %s: %s → %s", vm->name, before == VM_RUNNING ? "running" : "not running",
				 vm->state == VM_RUNNING ? "running" : "off");
	}
}

int engine_timers(struct engine *eng, int64_t mono_usec, int64_t real_usec)
{
	if (mono_usec >= eng->next_hostif_usec) {
		engine_follow_hostifs(eng, mono_usec);
		eng->next_hostif_usec = mono_usec + ENGINE_HOSTIF_USEC;
	}
	for (size_t i = 0; i < eng->nnets; i++) {
		struct engine_net *en = &eng->nets[i];
		capture_maintain(en->cap, mono_usec);
		acct_count_drops(&en->net->acct, capture_take_drops(en->cap));
		acct_net_tick(&en->net->acct, real_usec);
		en->net->capture_state = (enum net_capture_state)capture_status(en->cap);
	}
	return ENGINE_TICK_USEC / 1000;
}
