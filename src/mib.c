#include "mib.h"

#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "mib_oids.h"

const oid mib_root[] = { MIB_ROOT };
const size_t mib_root_len = sizeof mib_root / sizeof mib_root[0];

/* The MIB's history columns are acct's ring, second for second. */
_Static_assert(MIB_HISTORY_SECONDS == ACCT_HISTORY_SECONDS,
	       "vsNetHistoryTable has one column per second of acct's history");
#define HISTORY_LAST (MIB_HISTORY_FIRST + MIB_HISTORY_SECONDS - 1)
_Static_assert(MIB_NET_SERIES_MAX == ACCT_NET_SERIES && MIB_VM_SERIES_MAX == ACCT_VM_SERIES,
	       "vsNetSeries and vsVmSeries number acct's series from 1");

/* vsNetSeries values served: every series but bytesDropped, which the
 * kernel does not count. */
static const unsigned net_series[] = { 1, 2, 3, 4, 6 };
#define NET_SERIES_SERVED (sizeof net_series / sizeof net_series[0])
#define USEC_PER_SEC 1000000

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
	case MIB_vsAcctVmCount: set_u32(vb, ASN_GAUGE, (uint32_t)mib->nvms); return 0;
	case MIB_vsAcctNetCount: set_u32(vb, ASN_GAUGE, (uint32_t)mib->nnets); return 0;
	case MIB_vsAcctHistorySeconds: set_u32(vb, ASN_UNSIGNED, ACCT_HISTORY_SECONDS); return 0;
	case MIB_vsAcctSoftwareVersion: set_string(vb, "vsacctd " VSACCT_VERSION); return 0;
	}
	return -1;
}

/* --- vsVmTable --- */

/* The columns from the hypervisor's accounting: no instance while the VM
 * is off or saved, nor without a source that reports them. */
static int vm_usage_value(const struct mib *mib, const struct inv_vm *vm, unsigned column,
			  netsnmp_variable_list *vb)
{
	if (!lifecycle_counts_visible(vm))
		return -1;
	if (column == MIB_vsVmUpTime) {
		if (!vm->powerup_usec || vm->powerup_usec > mib->now.mono_usec)
			return -1;
		set_u32(vb, ASN_UNSIGNED,
			(uint32_t)((mib->now.mono_usec - vm->powerup_usec) / USEC_PER_SEC));
		return 0;
	}
	if (!acct_vm_has_usage(&vm->acct))
		return -1;
	struct acct_usage u = acct_vm_usage(&vm->acct);
	unsigned percent;
	switch (column) {
	case MIB_vsVmDiskBytesRead: set_counter64(vb, u.rd_bytes); return 0;
	case MIB_vsVmDiskBytesWritten: set_counter64(vb, u.wr_bytes); return 0;
	case MIB_vsVmDiskReadOps:
		if (u.no_ops)
			return -1;
		set_counter64(vb, u.rd_ops);
		return 0;
	case MIB_vsVmDiskWriteOps:
		if (u.no_ops)
			return -1;
		set_counter64(vb, u.wr_ops);
		return 0;
	case MIB_vsVmCpuTime: set_counter64(vb, u.cpu_time); return 0;
	case MIB_vsVmCpuUtilization:
		if (!acct_vm_cpu_percent(&vm->acct, &percent))
			return -1;
		set_u32(vb, ASN_GAUGE, percent);
		return 0;
	}
	return -1;
}

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
	if (column >= MIB_vsVmNetBytesSent && column <= MIB_vsVmNetPacketsReceived &&
	    !lifecycle_counts_visible(vm))
		return -1;
	switch (column) {
	case MIB_vsVmName: set_string(vb, vm->name); return 0;
	case MIB_vsVmUuid: set_string(vb, vm->uuid); return 0;
	case MIB_vsVmState: set_int(vb, vm->state); return 0;
	case MIB_vsVmNetBytesSent: set_counter64(vb, inventory_vm_sent(vm).bytes); return 0;
	case MIB_vsVmNetBytesReceived: set_counter64(vb, inventory_vm_received(vm).bytes); return 0;
	case MIB_vsVmNetPacketsSent: set_counter64(vb, inventory_vm_sent(vm).packets); return 0;
	case MIB_vsVmNetPacketsReceived: set_counter64(vb, inventory_vm_received(vm).packets); return 0;
	case MIB_vsVmDiscontinuityTime:
		set_u32(vb, ASN_TIMETICKS, mib_timestamp(&mib->now, vm->discontinuity_usec));
		return 0;
	case MIB_vsVmVnicCount: set_u32(vb, ASN_GAUGE, (uint32_t)vm->nvnics); return 0;
	}
	return vm_usage_value(mib, vm, column, vb);
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
	if (column >= MIB_vsVnicBytesSent && column <= MIB_vsVnicPacketsReceived &&
	    !lifecycle_counts_visible(vnic->vm))
		return -1;
	switch (column) {
	case MIB_vsVnicMacAddress:
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, vnic->mac, MAC_LEN);
		return 0;
	case MIB_vsVnicNetIndex: set_u32(vb, ASN_UNSIGNED, vnic->net ? vnic->net->index : 0); return 0;
	case MIB_vsVnicIfName: set_string(vb, vnic->ifname); return 0;
	case MIB_vsVnicBytesSent: set_counter64(vb, acct_port_sent(&vnic->acct).bytes); return 0;
	case MIB_vsVnicBytesReceived: set_counter64(vb, acct_port_received(&vnic->acct).bytes); return 0;
	case MIB_vsVnicPacketsSent: set_counter64(vb, acct_port_sent(&vnic->acct).packets); return 0;
	case MIB_vsVnicPacketsReceived: set_counter64(vb, acct_port_received(&vnic->acct).packets); return 0;
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
	case MIB_vsNetName: set_string(vb, net->name); return 0;
	case MIB_vsNetBridge: set_string(vb, net->bridge); return 0;
	case MIB_vsNetVlanId: set_u32(vb, ASN_UNSIGNED, net->vlan); return 0;
	case MIB_vsNetCaptureState: set_int(vb, net->capture_state); return 0;
	case MIB_vsNetBytesSent: set_counter64(vb, acct_net_carried(&net->acct).bytes); return 0;
	case MIB_vsNetPacketsSent: set_counter64(vb, acct_net_carried(&net->acct).packets); return 0;
	case MIB_vsNetBytesSentRate: set_counter64(vb, acct_net_rate(&net->acct)); return 0;
	case MIB_vsNetCaptureDrops: set_counter64(vb, acct_net_drops(&net->acct)); return 0;
	case MIB_vsNetDiscontinuityTime:
		set_u32(vb, ASN_TIMETICKS, mib_timestamp(&mib->now, net->discontinuity_usec));
		return 0;
	case MIB_vsNetBytesReceived: set_counter64(vb, acct_net_received(&net->acct).bytes); return 0;
	case MIB_vsNetPacketsReceived: set_counter64(vb, acct_net_received(&net->acct).packets); return 0;
	case MIB_vsNetPacketsDropped: set_counter64(vb, acct_net_dropped(&net->acct).packets); return 0;
	case MIB_vsNetPacketsSentRate:
		set_counter64(vb, acct_net_series_rate(&net->acct, ACCT_PACKETS_SENT));
		return 0;
	case MIB_vsNetBytesReceivedRate:
		set_counter64(vb, acct_net_series_rate(&net->acct, ACCT_BYTES_RECEIVED));
		return 0;
	case MIB_vsNetPacketsReceivedRate:
		set_counter64(vb, acct_net_series_rate(&net->acct, ACCT_PACKETS_RECEIVED));
		return 0;
	case MIB_vsNetPacketsDroppedRate:
		set_counter64(vb, acct_net_series_rate(&net->acct, ACCT_PACKETS_DROPPED));
		return 0;
	}
	return -1;
}

/* A history row's column: one of its seconds h (newest first), or the end
 * of column 1's second (end_column). */
static int seconds_value(const struct mib *mib, const uint64_t h[ACCT_HISTORY_SECONDS],
			 int64_t end_sec, unsigned column, unsigned end_column,
			 netsnmp_variable_list *vb)
{
	if (column >= MIB_HISTORY_FIRST && column <= HISTORY_LAST) {
		set_counter64(vb, h[column - MIB_HISTORY_FIRST]);
		return 0;
	}
	if (column == end_column) {
		/* The end of column 1's second, moved onto the monotonic clock
		 * the TimeStamps are computed on. */
		int64_t end_mono = end_sec * USEC_PER_SEC - mib->now.real_offset_usec;
		set_u32(vb, ASN_TIMETICKS, end_sec ? mib_timestamp(&mib->now, end_mono) : 0);
		return 0;
	}
	return -1;
}

static int history_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct mib *mib = ctx;
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_history(&mib->nets[row]->acct, h, &end_sec);
	return seconds_value(mib, h, end_sec, column, MIB_vsNetHistoryEndTime, vb);
}

/* --- vsNetSeriesHistoryTable: NET_SERIES_SERVED rows per network --- */

static size_t net_series_rows(void *ctx) { return ((struct mib *)ctx)->nnets * NET_SERIES_SERVED; }

static void net_series_index(void *ctx, size_t row, oid *out)
{
	out[0] = ((struct mib *)ctx)->nets[row / NET_SERIES_SERVED]->index;
	out[1] = net_series[row % NET_SERIES_SERVED];
}

static int net_series_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct mib *mib = ctx;
	uint64_t h[ACCT_HISTORY_SECONDS];
	int64_t end_sec;
	acct_net_series_history(&mib->nets[row / NET_SERIES_SERVED]->acct,
				(enum acct_series)(net_series[row % NET_SERIES_SERVED] - 1), h, &end_sec);
	return seconds_value(mib, h, end_sec, column, MIB_vsNetSeriesEndTime, vb);
}

/* --- vsVmHistoryTable: ACCT_VM_SERIES rows per VM --- */

static size_t vm_history_rows(void *ctx) { return ((struct mib *)ctx)->nvms * ACCT_VM_SERIES; }

static void vm_history_index(void *ctx, size_t row, oid *out)
{
	out[0] = ((struct mib *)ctx)->vm_keys[row / ACCT_VM_SERIES];
	out[1] = row % ACCT_VM_SERIES + 1;
}

static int vm_history_value(void *ctx, size_t row, unsigned column, netsnmp_variable_list *vb)
{
	struct mib *mib = ctx;
	const struct inv_vm *vm = mib->vms[row / ACCT_VM_SERIES];
	enum acct_vm_series series = (enum acct_vm_series)(row % ACCT_VM_SERIES);
	if (!lifecycle_counts_visible(vm) || (series == ACCT_VM_CPU && !acct_vm_has_usage(&vm->acct)))
		return -1;
	/* The last second every network has closed, as the request's clock
	 * says: one second for every column of every row of the request. */
	int64_t end_sec = (mib->now.mono_usec + mib->now.real_offset_usec - ACCT_CLOSE_GRACE_USEC) /
			  USEC_PER_SEC;
	uint64_t h[ACCT_HISTORY_SECONDS];
	inventory_vm_history(vm, series, end_sec, mib->now.real_offset_usec, h);
	return seconds_value(mib, h, end_sec, column, MIB_vsVmSeriesEndTime, vb);
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
	static const oid general[] = { MIB_vsAcctGeneral }, vm[] = { MIB_vsVmEntry },
			 vnic[] = { MIB_vsVnicEntry }, net[] = { MIB_vsNetEntry },
			 history[] = { MIB_vsNetHistoryEntry },
			 series[] = { MIB_vsNetSeriesHistoryEntry }, vm_history[] = { MIB_vsVmHistoryEntry };
	/* From the first accessible column to the last: the indexes are
	 * not-accessible. */
	define_table(mib, MIB_SCALARS, "vsAcctGeneral", general, OID_LENGTH(general),
		     MIB_vsAcctVmCount, MIB_vsAcctSoftwareVersion, 1, one_row, zero_index, general_value);
	define_table(mib, MIB_VM, "vsVmTable", vm, OID_LENGTH(vm), MIB_vsVmName, MIB_vsVmUpTime,
		     1, vm_rows, vm_index, vm_value);
	define_table(mib, MIB_VNIC, "vsVnicTable", vnic, OID_LENGTH(vnic), MIB_vsVnicMacAddress,
		     MIB_vsVnicPacketsReceived, 2, vnic_rows, vnic_index, vnic_value);
	define_table(mib, MIB_NET, "vsNetTable", net, OID_LENGTH(net), MIB_vsNetName,
		     MIB_vsNetVlanId, 1, net_rows, net_index, net_value);
	define_table(mib, MIB_HISTORY, "vsNetHistoryTable", history, OID_LENGTH(history),
		     MIB_HISTORY_FIRST, MIB_vsNetHistoryEndTime, 1, net_rows, net_index, history_value);
	define_table(mib, MIB_NET_SERIES, "vsNetSeriesHistoryTable", series, OID_LENGTH(series),
		     MIB_HISTORY_FIRST, MIB_vsNetSeriesEndTime, 2, net_series_rows, net_series_index,
		     net_series_value);
	define_table(mib, MIB_VM_HISTORY, "vsVmHistoryTable", vm_history, OID_LENGTH(vm_history),
		     MIB_HISTORY_FIRST, MIB_vsVmSeriesEndTime, 2, vm_history_rows, vm_history_index,
		     vm_history_value);
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

/* snmpTrapOID.0 = root.0.number, then the two objects' instances (their
 * OIDs under the root, sub_len sub-identifiers each). */
static netsnmp_variable_list *notification(oid number, const oid *first_sub, u_char first_type,
					   const void *first_value, size_t first_len,
					   const oid *second_sub, u_char second_type,
					   const void *second_value, size_t second_len,
					   size_t sub_len)
{
	static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	const oid which[] = { MIB_vsAcctNotifications, number };
	oid trap[MAX_OID_LEN], first[MAX_OID_LEN], second[MAX_OID_LEN];
	size_t trap_len = mib_oid(trap, which, OID_LENGTH(which));
	size_t len = mib_oid(first, first_sub, sub_len);
	mib_oid(second, second_sub, sub_len);
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
	const oid name[] = { MIB_vsVmEntry, MIB_vsVmName, vm->index },
		  state[] = { MIB_vsVmEntry, MIB_vsVmState, vm->index };
	long value = vm->state;
	return notification(MIB_vsVmStateChange, name, ASN_OCTET_STR, vm->name, strlen(vm->name),
			    state, ASN_INTEGER, &value, sizeof value, OID_LENGTH(name));
}

netsnmp_variable_list *mib_capture_loss(const struct inv_net *net)
{
	/* vsNetName.i and vsNetCaptureDrops.i */
	const oid name[] = { MIB_vsNetEntry, MIB_vsNetName, net->index },
		  drops[] = { MIB_vsNetEntry, MIB_vsNetCaptureDrops, net->index };
	uint64_t d = acct_net_drops(&net->acct);
	struct counter64 c = { .high = d >> 32, .low = d & 0xffffffffu };
	return notification(MIB_vsNetCaptureLoss, name, ASN_OCTET_STR, net->name, strlen(net->name),
			    drops, ASN_COUNTER64, &c, sizeof c, OID_LENGTH(name));
}

int mib_register(struct mib *mib)
{
	for (int i = 0; i < MIB_NTABLES; i++)
		if (mibtable_register(&mib->tables[i]) < 0)
			return -1;
	return 0;
}
