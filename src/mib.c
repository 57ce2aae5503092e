#include "mib.h"


#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

const oid mib_root[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 5005 };
const size_t mib_root_len = sizeof mib_root / sizeof mib_root[0];

/* Columns of vsVmTable, vsVnicTable, vsNetTable (DESIGN §3). */
enum { VM_NAME = 2, VM_UUID, VM_STATE, VM_BYTES_SENT, VM_BYTES_RECEIVED,
       VM_PACKETS_SENT, VM_PACKETS_RECEIVED, VM_DISCONTINUITY, VM_VNIC_COUNT };
enum { VNIC_MAC = 2, VNIC_NET_INDEX, VNIC_IFNAME, VNIC_BYTES_SENT,
       VNIC_BYTES_RECEIVED, VNIC_PACKETS_SENT, VNIC_PACKETS_RECEIVED };
enum { NET_NAME = 2, NET_BRIDGE, NET_CAPTURE_STATE, NET_BYTES_SENT,
       NET_PACKETS_SENT, NET_RATE, NET_DROPS, NET_DISCONTINUITY };
enum { GEN_VM_COUNT = 1, GEN_NET_COUNT, GEN_HISTORY_SECONDS, GEN_VERSION };
#define HISTORY_END_TIME (ACCT_HISTORY_SECONDS + 1)

struct mib {
	mib_clock_fn clock;
	struct mib_clock now; /* of the request being answered */
	struct inv_vm **vms;  /* index order */
	size_t nvms;
	struct inv_vnic **vnics; /* (VM index, vNIC index) order */
	size_t nvnics;
	/* The rows' indexes side by side: a lookup's binary search reads
	 * these, not VMs and vNICs scattered over the heap. */
	uint32_t *vm_keys;         /* vms[row]->index */
	uint32_t (*vnic_keys)[2];  /* VM index, vNIC index of vnics[row] */
	struct inv_net **nets;
	size_t nnets;
	struct mibtable tables[MIB_NTABLES];
};

/* root.sub…, sub_len sub-identifiers long: the OID of an object. */
static size_t mib_oid(oid *out, const oid *sub, size_t sub_len)
{
	memcpy(out, mib_root, mib_root_len * sizeof(oid));
	memcpy(out + mib_root_len, sub, sub_len * sizeof(oid));
	return mib_root_len + sub_len;
}

uint32_t mib_timestamp(const struct mib_clock *now, int64_t event_usec)
{
	if (event_usec > now->mono_usec)
		event_usec = now->mono_usec;
	if (event_usec <= now->start_usec)
		return 0;
	/* TimeTicks wrap at 2^32, as sysUpTime does. */
	return (uint32_t)((event_usec - now->start_usec) / 10000);
}

static void set_counter64(netsnmp_variable_list *vb, uint64_t value)
{
	struct counter64 c = { .high = value >> 32, .low = value & 0xffffffffu };
	snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof c);
}

static void set_u32(netsnmp_variable_list *vb, u_char type, uint32_t value)
{
	u_long v = value;
	snmp_set_var_typed_value(vb, type, &v, sizeof v);
}

static void set_int(netsnmp_variable_list *vb, long value)
{
	snmp_set_var_typed_value(vb, ASN_INTEGER, &value, sizeof value);
}

static void set_string(netsnmp_variable_list *vb, const char *s)
{
	snmp_set_var_typed_value(vb, ASN_OCTET_STR, s, strlen(s));
}

static void mib_prepare(void *ctx)
{
	struct mib *mib = ctx;
	mib->clock(&mib->now);
}

/* --- vsAcctGeneral: one row, index 0 --- */

static size_t one_row(void *ctx) { return 1; }
static void zero_index(void *ctx, size_t row, oid *out) { out[0] = 0; }

static int general_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct mib *mib = ctx;
	switch (column) {
	case GEN_VM_COUNT: set_u32(vb, ASN_GAUGE, (uint32_t)mib->nvms); return 0;
	case GEN_NET_COUNT: set_u32(vb, ASN_GAUGE, (uint32_t)mib->nnets); return 0;
	case GEN_HISTORY_SECONDS: set_u32(vb, ASN_UNSIGNED, ACCT_HISTORY_SECONDS); return 0;
	case GEN_VERSION: set_string(vb, "vsacctd " VSACCT_VERSION); return 0;
	}
	return -1;
}

/* --- vsVmTable --- */

static size_t vm_rows(void *ctx) { return ((struct mib *)ctx)->nvms; }

static void vm_index(void *ctx, size_t row, oid *out)
{
	out[0] = ((struct mib *)ctx)->vm_keys[row];
}

static int vm_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct mib *mib = ctx;
	const struct inv_vm *vm = mib->vms[row];
	/* Counters of a VM that is not running have no instance. */
	if (column >= VM_BYTES_SENT && column <= VM_PACKETS_RECEIVED &&
	    !lifecycle_counts_visible(vm))
		return -1;
	switch (column) {
	case VM_NAME: set_string(vb, vm->name); return 0;
	case VM_UUID: set_string(vb, vm->uuid); return 0;
	case VM_STATE: set_int(vb, vm->state); return 0;
	case VM_BYTES_SENT: set_counter64(vb, inventory_vm_sent(vm).bytes); return 0;
	case VM_BYTES_RECEIVED: set_counter64(vb, inventory_vm_received(vm).bytes); return 0;
	case VM_PACKETS_SENT: set_counter64(vb, inventory_vm_sent(vm).packets); return 0;
	case VM_PACKETS_RECEIVED: set_counter64(vb, inventory_vm_received(vm).packets); return 0;
	case VM_DISCONTINUITY:
		set_u32(vb, ASN_TIMETICKS, mib_timestamp(&mib->now, vm->discontinuity_usec));
		return 0;
	case VM_VNIC_COUNT: set_u32(vb, ASN_GAUGE, (uint32_t)vm->nvnics); return 0;
	}
	return -1;
}

/* --- vsVnicTable --- */

static size_t vnic_rows(void *ctx) { return ((struct mib *)ctx)->nvnics; }

static void vnic_index(void *ctx, size_t row, oid *out)
{
	const uint32_t *key = ((struct mib *)ctx)->vnic_keys[row];
	out[0] = key[0];
	out[1] = key[1];
}

static int vnic_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	const struct inv_vnic *vnic = ((struct mib *)ctx)->vnics[row];
	if (column >= VNIC_BYTES_SENT && column <= VNIC_PACKETS_RECEIVED &&
	    !lifecycle_counts_visible(vnic->vm))
		return -1;
	switch (column) {
	case VNIC_MAC:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, vnic->mac, MAC_LEN);
		return 0;
	case VNIC_NET_INDEX: set_u32(vb, ASN_UNSIGNED, vnic->net ? vnic->net->index : 0); return 0;
	case VNIC_IFNAME: set_string(vb, vnic->ifname); return 0;
	case VNIC_BYTES_SENT: set_counter64(vb, acct_port_sent(&vnic->acct).bytes); return 0;
	case VNIC_BYTES_RECEIVED: set_counter64(vb, acct_port_received(&vnic->acct).bytes); return 0;
	case VNIC_PACKETS_SENT: set_counter64(vb, acct_port_sent(&vnic->acct).packets); return 0;
	case VNIC_PACKETS_RECEIVED: set_counter64(vb, acct_port_received(&vnic->acct).packets); return 0;
	}
	return -1;
}

/* --- vsNetTable and vsNetHistoryTable (same rows) --- */

static size_t net_rows(void *ctx) { return ((struct mib *)ctx)->nnets; }

static void net_index(void *ctx, size_t row, oid *out)
{
	out[0] = ((struct mib *)ctx)->nets[row]->index;
}

static int net_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct mib *mib = ctx;
	const struct inv_net *net = mib->nets[row];
	switch (column) {
	case NET_NAME: set_string(vb, net->name); return 0;
	case NET_BRIDGE: set_string(vb, net->bridge); return 0;
	case NET_CAPTURE_STATE: set_int(vb, net->capture_state); return 0;
	case NET_BYTES_SENT: set_counter64(vb, acct_net_carried(&net->acct).bytes); return 0;
	case NET_PACKETS_SENT: set_counter64(vb, acct_net_carried(&net->acct).packets); return 0;
	case NET_RATE: set_counter64(vb, acct_net_rate(&net->acct)); return 0;
	case NET_DROPS: set_counter64(vb, acct_net_drops(&net->acct)); return 0;
	case NET_DISCONTINUITY:
		set_u32(vb, ASN_TIMETICKS, mib_timestamp(&mib->now, net->discontinuity_usec));
		return 0;
	}
	return -1;
}

static int history_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct mib *mib = ctx;
	const struct inv_net *net = mib->nets[row];
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_history(&net->acct, h, &end_sec);
	if (column >= 1 && column <= ACCT_HISTORY_SECONDS) {
		set_counter64(vb, h[column - 1]);
		return 0;
	}
	if (column == HISTORY_END_TIME) {
		/* The end of column 1's second, moved onto the monotonic clock
		 * the TimeStamps are computed on. */
		int64_t end_mono = end_sec * 1000000 - mib->now.real_offset_usec;
		set_u32(vb, ASN_TIMETICKS, end_sec ? mib_timestamp(&mib->now, end_mono) : 0);
		return 0;
	}
	return -1;
}

static void define_table(struct mib *mib, enum mib_table_id id, const char *name,
			 const oid *sub, size_t sub_len, unsigned min_col, unsigned max_col,
			 size_t index_len, size_t (*rows)(void *), void (*index)(void *, size_t, oid *),
			 int (*value)(void *, size_t, unsigned, netsnmp_variable_list *))
{
	struct mibtable *t = &mib->tables[id];
	t->name = name;
	t->entry_len = mib_oid(t->entry, sub, sub_len);
	t->min_column = min_col;
	t->max_column = max_col;
	t->index_len = index_len;
	t->ctx = mib;
	t->prepare = mib_prepare;
	t->rows = rows;
	t->index = index;
	t->value = value;
}

struct mib *mib_new(struct inventory *inv, mib_clock_fn clock)
{
	struct mib *mib = calloc(1, sizeof *mib);
	if (!mib)
		return NULL;
	mib->clock = clock;
	static const oid general[] = { 1, 1 }, vm[] = { 1, 2, 1 }, vnic[] = { 1, 3, 1 },
			 net[] = { 1, 4, 1 }, history[] = { 1, 5, 1 };
	define_table(mib, MIB_SCALARS, "vsAcctGeneral", general, 2, GEN_VM_COUNT, GEN_VERSION,
		     1, one_row, zero_index, general_value);
	define_table(mib, MIB_VM, "vsVmTable", vm, 3, VM_NAME, VM_VNIC_COUNT,
		     1, vm_rows, vm_index, vm_value);
	define_table(mib, MIB_VNIC, "vsVnicTable", vnic, 3, VNIC_MAC, VNIC_PACKETS_RECEIVED,
		     2, vnic_rows, vnic_index, vnic_value);
	define_table(mib, MIB_NET, "vsNetTable", net, 3, NET_NAME, NET_DISCONTINUITY,
		     1, net_rows, net_index, net_value);
	define_table(mib, MIB_HISTORY, "vsNetHistoryTable", history, 3, 1, HISTORY_END_TIME,
		     1, net_rows, net_index, history_value);
	if (mib_refresh(mib, inv) < 0) {
		mib_free(mib);
		return NULL;
	}
	return mib;
}

void mib_free(struct mib *mib)
{
	if (!mib)
		return;
	free(mib->vms);
	free(mib->vnics);
	free(mib->nets);
	free(mib->vm_keys);
	free(mib->vnic_keys);
	free(mib);
}

static int by_vm_index(const void *a, const void *b)
{
	const struct inv_vm *x = *(struct inv_vm *const *)a, *y = *(struct inv_vm *const *)b;
	return (x->index > y->index) - (x->index < y->index);
}

static int by_vnic_index(const void *a, const void *b)
{
	const struct inv_vnic *x = *(struct inv_vnic *const *)a, *y = *(struct inv_vnic *const *)b;
	if (x->vm->index != y->vm->index)
		return (x->vm->index > y->vm->index) - (x->vm->index < y->vm->index);
	return (x->index > y->index) - (x->index < y->index);
}

static int by_net_index(const void *a, const void *b)
{
	const struct inv_net *x = *(struct inv_net *const *)a, *y = *(struct inv_net *const *)b;
	return (x->index > y->index) - (x->index < y->index);
}

int mib_refresh(struct mib *mib, struct inventory *inv)
{
	size_t nvms = inventory_vm_count(inv), nnets = inventory_net_count(inv), nvnics = 0;
	for (size_t i = 0; i < nvms; i++)
		nvnics += inventory_vm(inv, i)->nvnics;
	struct inv_vm **vms = calloc(nvms + 1, sizeof *vms);
	struct inv_vnic **vnics = calloc(nvnics + 1, sizeof *vnics);
	struct inv_net **nets = calloc(nnets + 1, sizeof *nets);
	uint32_t *vm_keys = calloc(nvms + 1, sizeof *vm_keys);
	uint32_t(*vnic_keys)[2] = calloc(nvnics + 1, sizeof *vnic_keys);
	if (!vms || !vnics || !nets || !vm_keys || !vnic_keys) {
		free(vms);
		free(vnics);
		free(nets);
		free(vm_keys);
		free(vnic_keys);
		return -1;
	}
	size_t k = 0;
	for (size_t i = 0; i < nvms; i++) {
		struct inv_vm *vm = vms[i] = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics; j++)
			vnics[k++] = &vm->vnics[j];
	}
	for (size_t i = 0; i < nnets; i++)
		nets[i] = inventory_net(inv, i);
	qsort(vms, nvms, sizeof *vms, by_vm_index);
	qsort(vnics, nvnics, sizeof *vnics, by_vnic_index);
	qsort(nets, nnets, sizeof *nets, by_net_index);
	for (size_t i = 0; i < nvms; i++)
		vm_keys[i] = vms[i]->index;
	for (size_t i = 0; i < nvnics; i++) {
		vnic_keys[i][0] = vnics[i]->vm->index;
		vnic_keys[i][1] = vnics[i]->index;
	}
	free(mib->vms);
	free(mib->vnics);
	free(mib->nets);
	free(mib->vm_keys);
	free(mib->vnic_keys);
	mib->vm_keys = vm_keys;
	mib->vnic_keys = vnic_keys;
	mib->vms = vms;
	mib->nvms = nvms;
	mib->vnics = vnics;
	mib->nvnics = nvnics;
	mib->nets = nets;
	mib->nnets = nnets;
	return 0;
}

struct mibtable *mib_table(struct mib *mib, enum mib_table_id id)
{
	return &mib->tables[id];
}

/* snmpTrapOID.0 = root.0.number, then the two objects' instances. */
static netsnmp_variable_list *notification(oid number, const oid *first, u_char first_type,
					   const void *first_value, size_t first_len,
					   const oid *second, u_char second_type,
					   const void *second_value, size_t second_len)
{
	static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	const oid which[] = { 0, number };
	oid trap[MAX_OID_LEN];
	size_t trap_len = mib_oid(trap, which, 2);
	size_t len = mib_root_len + 5;
	netsnmp_variable_list *vars = NULL;
	if (!snmp_varlist_add_variable(&vars, snmp_trap_oid, OID_LENGTH(snmp_trap_oid), ASN_OBJECT_ID,
				       trap, trap_len * sizeof(oid)) ||
	    !snmp_varlist_add_variable(&vars, first, len, first_type, first_value, first_len) ||
	    !snmp_varlist_add_variable(&vars, second, len, second_type, second_value, second_len)) {
		snmp_free_varbind(vars);
		return NULL;
	}
	return vars;
}

netsnmp_variable_list *mib_vm_state_change(const struct inv_vm *vm)
{
	/* vsVmName.i and vsVmState.i */
	const oid name_sub[] = { 1, 2, 1, VM_NAME, vm->index }, state_sub[] = { 1, 2, 1, VM_STATE, vm->index };
	oid name[MAX_OID_LEN], state[MAX_OID_LEN];
	mib_oid(name, name_sub, 5);
	mib_oid(state, state_sub, 5);
	long value = vm->state;
	return notification(1, name, ASN_OCTET_STR, vm->name, strlen(vm->name),
			    state, ASN_INTEGER, &value, sizeof value);
}

netsnmp_variable_list *mib_capture_loss(const struct inv_net *net)
{
	/* vsNetName.i and vsNetCaptureDrops.i */
	const oid name_sub[] = { 1, 4, 1, NET_NAME, net->index }, drops_sub[] = { 1, 4, 1, NET_DROPS, net->index };
	oid name[MAX_OID_LEN], drops[MAX_OID_LEN];
	mib_oid(name, name_sub, 5);
	mib_oid(drops, drops_sub, 5);
	uint64_t d = acct_net_drops(&net->acct);
	struct counter64 c = { .high = d >> 32, .low = d & 0xffffffffu };
	return notification(2, name, ASN_OCTET_STR, net->name, strlen(net->name),
			    drops, ASN_COUNTER64, &c, sizeof c);
}

int mib_register(struct mib *mib)
{
	for (int i = 0; i < MIB_NTABLES; i++)
		if (mibtable_register(&mib->tables[i]) < 0)
			return -1;
	return 0;
}
