/*
 * mib: VS-ACCOUNTING-MIB's objects and their values, read from the
 * inventory. The MIB's numbers, the root included, come from mib_oids.h.
 *
 * Lifecycle: mib_new(inventory, clock) → mib_register (once, before the
 * agent connects) → mib_refresh after the inventory changes → mib_free.
 * Only reads the inventory and acct; never touches pcap or the loop.
 */
#ifndef VS_MIB_H
#define VS_MIB_H

#include <stddef.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "inventory.h"
#include "mibtable.h"

/* vsAccountingMIB: MIB_ROOT of mib_oids.h. */
extern const oid mib_root[];
extern const size_t mib_root_len;

/* The clocks of one request. TimeStamps are the master's sysUpTime
 * (hundredths of a second) at an event: the time since start_usec, the
 * monotonic instant the master's sysUpTime was 0. Computed from fixed
 * instants, a TimeStamp reads the same in every request until the event
 * happens again or the master restarts. */
struct mib_clock {
	int64_t start_usec;       /* monotonic clock at sysUpTime 0 */
	int64_t mono_usec;        /* monotonic clock now */
	int64_t real_offset_usec; /* wall clock minus monotonic clock */
};

/* Reads the clocks; the agent's version asks Net-SNMP for the start. */
typedef void (*mib_clock_fn)(struct mib_clock *now);

enum mib_table_id {
	MIB_SCALARS,   /* vsAcctGeneral */
	MIB_VM,        /* vsVmTable */
	MIB_VNIC,      /* vsVnicTable */
	MIB_NET,       /* vsNetTable */
	MIB_HISTORY,   /* vsNetHistoryTable */
	MIB_NET_SERIES, /* vsNetSeriesHistoryTable */
	MIB_VM_HISTORY, /* vsVmHistoryTable */
	MIB_NTABLES
};

struct mib;

/* NULL when out of memory. */
struct mib *mib_new(struct inventory *inv, mib_clock_fn clock);
void mib_free(struct mib *mib);

/* Rebuilds the index-ordered row lists from the inventory (after it
 * changed). Returns 0, or -1 when out of memory (the old lists stay). */
int mib_refresh(struct mib *mib, struct inventory *inv);

/* The table served for id: what tests query and mib_register registers. */
struct mibtable *mib_table(struct mib *mib, enum mib_table_id id);

/* The varbinds of vsVmStateChange for vm, snmpTrapOID.0 first (the agent
 * adds sysUpTime.0): to be freed with snmp_free_varbind. NULL when out of
 * memory. */
netsnmp_variable_list *mib_vm_state_change(const struct inv_vm *vm);

/* The varbinds of vsNetCaptureLoss for net, likewise. */
netsnmp_variable_list *mib_capture_loss(const struct inv_net *net);

/* Registers every table with the agent. Returns 0 or -1. */
int mib_register(struct mib *mib);

/* sysUpTime (centiseconds) at an event at monotonic time event_usec: 0 for
 * events before the master's sysUpTime began; an event after now (a clock
 * oddity) is taken as now. */
uint32_t mib_timestamp(const struct mib_clock *now, int64_t event_usec);

#endif
