/*
 * fuzz_libvirt: a libvirt runtime status file → libvirt_parse_status →
 * inventory_build.
 *
 * The input is the text of one /run/libvirt/qemu/NAME.xml. A domain that
 * parsed must hold what libvirt.h promises (a valid name, a lower-case
 * UUID or none, unicast MACs, device names the kernel could have); it is
 * then merged, as discovery does, with a small configuration that knows a
 * VM of the seeds' name and one MAC, under persisted indexes, and every
 * interface must be found again in the inventory. A refused file leaves
 * the domain zeroed and says why.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "indexes.h"
#include "inventory.h"
#include "libvirt.h"
#include "log.h"
#include "mac.h"

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "fuzz_libvirt: %s:%d: check failed: %s\n",   \
				__FILE__, __LINE__, #cond);                          \
			abort();                                                     \
		}                                                                    \
	} while (0)

static const char conf_text[] =
	"network public br0\n"
	"vm web01\n"
	"vnic web01 52:54:00:aa:bb:cc tap-extra0\n"
	"vm other\n"
	"vnic other 52:54:00:00:00:99\n";

static struct conf *conf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_libvirt", LOG_TO_NOTHING, NULL);
	struct conf_error err;
	conf = conf_new();
	if (!conf || conf_parse_buffer(conf, "fuzz_libvirt.conf", conf_text, strlen(conf_text),
				       &err) < 0) {
		fprintf(stderr, "fuzz_libvirt: configuration: %s\n", conf ? err.msg : "no memory");
		abort();
	}
	return 0;
}

static bool visible(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void check_domain(const struct libvirt_domain *dom)
{
	CHECK(visible(dom->name, CONF_NAME_MAX));
	size_t ulen = strlen(dom->uuid);
	CHECK(ulen == 0 || ulen == CONF_UUID_LEN);
	for (size_t i = 0; i < ulen; i++)
		CHECK(dom->uuid[i] == '-' || (dom->uuid[i] >= '0' && dom->uuid[i] <= '9') ||
		      (dom->uuid[i] >= 'a' && dom->uuid[i] <= 'f'));
	CHECK(dom->state == LIBVIRT_RUNNING || dom->state == LIBVIRT_PAUSED ||
	      dom->state == LIBVIRT_OTHER);
	CHECK(!dom->fresh_start || dom->state == LIBVIRT_RUNNING);
	CHECK(dom->nifaces <= LIBVIRT_MAX_IFACES);
	for (size_t i = 0; i < dom->nifaces; i++) {
		const struct libvirt_iface *f = &dom->ifaces[i];
		CHECK(!mac_is_group(f->mac));
		CHECK(!*f->target || (visible(f->target, CONF_IFNAME_MAX) && !strpbrk(f->target, "/:")));
		CHECK(!*f->bridge || (visible(f->bridge, CONF_IFNAME_MAX) && !strpbrk(f->bridge, "/:")));
	}
}

static void check_inventory(const struct libvirt_domain *dom, struct inventory *inv)
{
	struct inv_vm *vm = inventory_vm_by_name(inv, dom->name);
	CHECK(vm && vm->discovered);
	for (size_t i = 0; i < dom->nifaces; i++) {
		const struct libvirt_iface *f = &dom->ifaces[i];
		struct inv_vnic *vnic = inventory_vnic_by_mac(inv, f->mac);
		/* A MAC the configuration gave another VM stays that VM's. */
		CHECK(vnic);
		if (vnic->vm != vm)
			CHECK(conf_find_vm(conf, vnic->vm->name) && strcmp(vnic->vm->name, dom->name));
		/* Its bridge is captured, unless a network already bears the
		 * bridge's name (refused, logged). */
		if (*f->bridge)
			CHECK(inventory_net_by_bridge(inv, f->bridge) ||
			      inventory_net_by_name(inv, f->bridge));
	}
	/* Indexes: unique VMs, unique vNICs within a VM, in range. */
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		struct inv_vm *a = inventory_vm(inv, i);
		CHECK(a->index >= 1 && a->index <= 2147483647u);
		for (size_t j = 0; j < i; j++)
			CHECK(inventory_vm(inv, j)->index != a->index);
		for (size_t k = 0; k < a->nvnics; k++) {
			CHECK(a->vnics[k].index >= 1 && a->vnics[k].index <= 65535);
			CHECK(inventory_vnic_by_mac(inv, a->vnics[k].mac) == &a->vnics[k]);
			for (size_t l = 0; l < k; l++)
				CHECK(a->vnics[l].index != a->vnics[k].index);
		}
	}
	for (size_t i = 0; i < inventory_net_count(inv); i++)
		for (size_t j = 0; j < i; j++)
			CHECK(inventory_net(inv, j)->index != inventory_net(inv, i)->index);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct libvirt_domain *dom = malloc(sizeof *dom);
	if (!dom)
		return 0;
	char err[256];
	if (libvirt_parse_status((const char *)data, size, dom, err, sizeof err) < 0) {
		CHECK(all_zero(dom, sizeof *dom));
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
		free(dom);
		return 0;
	}
	check_domain(dom);

	struct indexes *indexes = indexes_new();
	if (indexes) {
		const struct libvirt_domain *doms[] = { dom };
		struct inventory_source src = {
			.conf = conf, .domains = doms, .ndomains = 1, .indexes = indexes
		};
		struct inventory *inv = inventory_build(&src, 0);
		if (inv) {
			check_inventory(dom, inv);
			inventory_free(inv);
		}
		indexes_free(indexes);
	}
	free(dom);
	return 0;
}
