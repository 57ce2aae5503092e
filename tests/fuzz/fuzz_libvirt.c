/*
 * fuzz_libvirt: a libvirt <domain> document → libvirt_parse_record →
 * inventory_build.
 *
 * The input is what virDomainGetXMLDesc gives for one domain (virsh
 * dumpxml, live or --inactive). A record that parsed must hold what
 * libvirt.h promises (a valid name, a lower-case UUID or none, no state,
 * unicast MACs, device names the kernel could have, a bridge or a lower
 * device but not both); it is then merged, as discovery does, with a small
 * configuration that knows a VM of the seeds' name and one MAC, under
 * persisted indexes, and every interface must be found again in the
 * inventory. A refused document leaves the record zeroed and says why.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "indexes.h"
#include "inventory.h"
#include "libvirt_xml.h"
#include "log.h"
#include "mac.h"

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
	conf = fuzz_fixed_conf("fuzz_libvirt", conf_text);
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool ifname_ok(const char *s)
{
	return !*s || (fuzz_visible(s, CONF_IFNAME_MAX) && !strpbrk(s, "/:"));
}

static void check_record(const struct domain_record *rec)
{
	CHECK(fuzz_visible(rec->name, CONF_NAME_MAX));
	size_t ulen = strlen(rec->uuid);
	CHECK(ulen == 0 || ulen == CONF_UUID_LEN);
	for (size_t i = 0; i < ulen; i++)
		CHECK(rec->uuid[i] == '-' || (rec->uuid[i] >= '0' && rec->uuid[i] <= '9') ||
		      (rec->uuid[i] >= 'a' && rec->uuid[i] <= 'f'));
	CHECK(rec->state == DOMAIN_UNKNOWN && rec->runs == 0 && rec->pid == 0);
	CHECK(rec->nvnics <= DOMAIN_MAX_VNICS);
	for (size_t i = 0; i < rec->nvnics; i++) {
		const struct domain_vnic *f = &rec->vnics[i];
		CHECK(!mac_is_group(f->mac));
		CHECK(ifname_ok(f->ifname) && ifname_ok(f->bridge) && ifname_ok(f->lower));
		CHECK(!*f->bridge || !*f->lower);
	}
}

static void check_inventory(const struct domain_record *rec, struct inventory *inv)
{
	struct inv_vm *vm = inventory_vm_by_name(inv, rec->name);
	CHECK(vm && vm->discovered);
	for (size_t i = 0; i < rec->nvnics; i++) {
		const struct domain_vnic *f = &rec->vnics[i];
		struct inv_vnic *vnic = inventory_vnic_by_mac(inv, f->mac);
		/* A MAC the configuration gave another VM stays that VM's. */
		CHECK(vnic);
		if (vnic->vm != vm)
			CHECK(conf_find_vm(conf, vnic->vm->name) && strcmp(vnic->vm->name, rec->name));
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
	struct domain_record *rec = malloc(sizeof *rec);
	if (!rec)
		return 0;
	char err[256];
	if (libvirt_parse_record((const char *)data, size, rec, err, sizeof err) < 0) {
		_Static_assert(DOMAIN_UNKNOWN == 0, "a refused record is all zero");
		CHECK(all_zero(rec, sizeof *rec));
		CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
		free(rec);
		return 0;
	}
	check_record(rec);

	struct indexes *indexes = indexes_new();
	if (indexes) {
		const struct domain_record *recs[] = { rec };
		struct inventory_source src = {
			.conf = conf, .domains = recs, .ndomains = 1, .indexes = indexes
		};
		struct inventory *inv = inventory_build(&src, 0);
		if (inv) {
			check_inventory(rec, inv);
			inventory_free(inv);
		}
		indexes_free(indexes);
	}
	free(rec);
	return 0;
}
