/*
 * mib_oids: VS-ACCOUNTING-MIB's numbers (DESIGN §3), written here once.
 *
 * Plain C with no Net-SNMP type, so that it can be read by:
 *   - src/mib.c, which serves the objects;
 *   - tests/test_mib.c, whose expected walk is built from these names;
 *   - tests/gen-oids.c, which the build runs to write tests/lib/oids.sh
 *     (OID_<name>=<numeric OID> for every object, for the shell suites);
 *   - tests/mib-check.sh, which checks every name below against the MIB
 *     file (mib/VS-ACCOUNTING-MIB.txt) through snmptranslate.
 *
 * Two kinds of names, each spelt after the MIB's descriptor:
 *   MIB_<node>  an inner node's OID relative to the root, as a list of
 *               sub-identifiers for an array initialiser: { MIB_vsVmEntry };
 *   MIB_<leaf>  a leaf's number under its parent (a column in its entry, a
 *               scalar in vsAcctGeneral, a notification), an enum
 *               constant: { MIB_vsVmEntry, MIB_vsVmName, i } is vsVmName.i
 *               relative to the root.
 * MIB_NODES and MIB_LEAVES list every name with its parent: whoever needs
 * all of them (the generator, the check) walks these lists, so an object
 * added here reaches the shell and the check without another edit.
 */
#ifndef VS_MIB_OIDS_H
#define VS_MIB_OIDS_H

/* vsAccountingMIB: netSnmpPlaypen 5005 (NET-SNMP-MIB), a placeholder until
 * a Private Enterprise Number is registered. The only place the root is
 * written in C. */
#define MIB_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 5005

/* --- inner nodes, relative to the root ----------------------------------- */

#define MIB_vsAcctNotifications 0
#define MIB_vsAcctObjects 1
#define MIB_vsAcctConformance 2
#define MIB_vsAcctGeneral MIB_vsAcctObjects, 1
#define MIB_vsVmTable MIB_vsAcctObjects, 2
#define MIB_vsVmEntry MIB_vsVmTable, 1
#define MIB_vsVnicTable MIB_vsAcctObjects, 3
#define MIB_vsVnicEntry MIB_vsVnicTable, 1
#define MIB_vsNetTable MIB_vsAcctObjects, 4
#define MIB_vsNetEntry MIB_vsNetTable, 1
#define MIB_vsNetHistoryTable MIB_vsAcctObjects, 5
#define MIB_vsNetHistoryEntry MIB_vsNetHistoryTable, 1
#define MIB_vsNetSeriesHistoryTable MIB_vsAcctObjects, 6
#define MIB_vsNetSeriesHistoryEntry MIB_vsNetSeriesHistoryTable, 1
#define MIB_vsVmHistoryTable MIB_vsAcctObjects, 7
#define MIB_vsVmHistoryEntry MIB_vsVmHistoryTable, 1

/* X(name) for every inner node above, in tree order. */
#define MIB_NODES(X)                                                       \
	X(vsAcctNotifications)                                             \
	X(vsAcctObjects)                                                   \
	X(vsAcctGeneral)                                                   \
	X(vsVmTable)                                                       \
	X(vsVmEntry)                                                       \
	X(vsVnicTable)                                                     \
	X(vsVnicEntry)                                                     \
	X(vsNetTable)                                                      \
	X(vsNetEntry)                                                      \
	X(vsNetHistoryTable)                                               \
	X(vsNetHistoryEntry)                                               \
	X(vsNetSeriesHistoryTable)                                         \
	X(vsNetSeriesHistoryEntry)                                         \
	X(vsVmHistoryTable)                                                \
	X(vsVmHistoryEntry)                                                \
	X(vsAcctConformance)

/* --- vsNetHistoryEntry's numbered columns -------------------------------- */

/* Columns vsNetBytesSentSec1 … vsNetBytesSentSec<MIB_HISTORY_SECONDS>:
 * column N holds the N-th most recent completed second. */
#define MIB_HISTORY_SECONDS 60
#define MIB_HISTORY_FIRST 1 /* vsNetBytesSentSec1's column */
#define MIB_HISTORY_PREFIX "vsNetBytesSentSec"

/* Every history table's numbered columns, column N the N-th most recent
 * completed second, as X(entry, prefix of the columns' names). */
#define MIB_HISTORY_TABLES(X)                                              \
	X(vsNetHistoryEntry, "vsNetBytesSentSec")                          \
	X(vsNetSeriesHistoryEntry, "vsNetSeriesSec")                       \
	X(vsVmHistoryEntry, "vsVmSeriesSec")

/* vsNetSeries: a network's series (acct's enum acct_series + 1);
 * bytesDropped(5) is not served: the kernel counts no dropped bytes. */
#define MIB_NET_SERIES_BYTES_DROPPED 5
#define MIB_NET_SERIES_MAX 6
/* vsVmSeries: netBytesSent(1), netBytesReceived(2), cpuUtilization(3). */
#define MIB_VM_SERIES_MAX 3

/* --- leaves: X(parent, name, number) ------------------------------------- */

#define MIB_LEAVES(X)                                                      \
	/* notifications */                                                \
	X(vsAcctNotifications, vsVmStateChange, 1)                         \
	X(vsAcctNotifications, vsNetCaptureLoss, 2)                        \
	/* scalars (instance .0) */                                        \
	X(vsAcctGeneral, vsAcctVmCount, 1)                                 \
	X(vsAcctGeneral, vsAcctNetCount, 2)                                \
	X(vsAcctGeneral, vsAcctHistorySeconds, 3)                          \
	X(vsAcctGeneral, vsAcctSoftwareVersion, 4)                         \
	/* vsVmTable, INDEX { vsVmIndex } */                               \
	X(vsVmEntry, vsVmIndex, 1)                                         \
	X(vsVmEntry, vsVmName, 2)                                          \
	X(vsVmEntry, vsVmUuid, 3)                                          \
	X(vsVmEntry, vsVmState, 4)                                         \
	X(vsVmEntry, vsVmNetBytesSent, 5)                                  \
	X(vsVmEntry, vsVmNetBytesReceived, 6)                              \
	X(vsVmEntry, vsVmNetPacketsSent, 7)                                \
	X(vsVmEntry, vsVmNetPacketsReceived, 8)                            \
	X(vsVmEntry, vsVmDiscontinuityTime, 9)                             \
	X(vsVmEntry, vsVmVnicCount, 10)                                    \
	X(vsVmEntry, vsVmDiskBytesRead, 11)                                \
	X(vsVmEntry, vsVmDiskBytesWritten, 12)                             \
	X(vsVmEntry, vsVmDiskReadOps, 13)                                  \
	X(vsVmEntry, vsVmDiskWriteOps, 14)                                 \
	X(vsVmEntry, vsVmCpuUtilization, 15)                               \
	X(vsVmEntry, vsVmCpuTime, 16)                                      \
	X(vsVmEntry, vsVmUpTime, 17)                                       \
	/* vsVnicTable, INDEX { vsVmIndex, vsVnicIndex } */                \
	X(vsVnicEntry, vsVnicIndex, 1)                                     \
	X(vsVnicEntry, vsVnicMacAddress, 2)                                \
	X(vsVnicEntry, vsVnicNetIndex, 3)                                  \
	X(vsVnicEntry, vsVnicIfName, 4)                                    \
	X(vsVnicEntry, vsVnicBytesSent, 5)                                 \
	X(vsVnicEntry, vsVnicBytesReceived, 6)                             \
	X(vsVnicEntry, vsVnicPacketsSent, 7)                               \
	X(vsVnicEntry, vsVnicPacketsReceived, 8)                           \
	/* vsNetTable, INDEX { vsNetIndex } */                             \
	X(vsNetEntry, vsNetIndex, 1)                                       \
	X(vsNetEntry, vsNetName, 2)                                        \
	X(vsNetEntry, vsNetBridge, 3)                                      \
	X(vsNetEntry, vsNetCaptureState, 4)                                \
	X(vsNetEntry, vsNetBytesSent, 5)                                   \
	X(vsNetEntry, vsNetPacketsSent, 6)                                 \
	X(vsNetEntry, vsNetBytesSentRate, 7)                               \
	X(vsNetEntry, vsNetCaptureDrops, 8)                                \
	X(vsNetEntry, vsNetDiscontinuityTime, 9)                           \
	X(vsNetEntry, vsNetBytesReceived, 10)                              \
	X(vsNetEntry, vsNetPacketsReceived, 11)                            \
	X(vsNetEntry, vsNetPacketsDropped, 12)                             \
	X(vsNetEntry, vsNetPacketsSentRate, 13)                            \
	X(vsNetEntry, vsNetBytesReceivedRate, 14)                          \
	X(vsNetEntry, vsNetPacketsReceivedRate, 15)                        \
	X(vsNetEntry, vsNetPacketsDroppedRate, 16)                         \
	X(vsNetEntry, vsNetVlanId, 17)                                     \
	/* vsNetHistoryTable, AUGMENTS { vsNetEntry }: after the seconds */ \
	X(vsNetHistoryEntry, vsNetHistoryEndTime,                          \
	  MIB_HISTORY_FIRST + MIB_HISTORY_SECONDS)                         \
	/* vsNetSeriesHistoryTable, INDEX { vsNetIndex, vsNetSeries } */   \
	X(vsNetSeriesHistoryEntry, vsNetSeriesEndTime,                     \
	  MIB_HISTORY_FIRST + MIB_HISTORY_SECONDS)                         \
	X(vsNetSeriesHistoryEntry, vsNetSeries,                            \
	  MIB_HISTORY_FIRST + MIB_HISTORY_SECONDS + 1)                     \
	/* vsVmHistoryTable, INDEX { vsVmIndex, vsVmSeries } */            \
	X(vsVmHistoryEntry, vsVmSeriesEndTime,                             \
	  MIB_HISTORY_FIRST + MIB_HISTORY_SECONDS)                         \
	X(vsVmHistoryEntry, vsVmSeries,                                    \
	  MIB_HISTORY_FIRST + MIB_HISTORY_SECONDS + 1)

#define MIB_LEAF_CONSTANT(parent, name, number) MIB_##name = (number),
enum { MIB_LEAVES(MIB_LEAF_CONSTANT) };
#undef MIB_LEAF_CONSTANT

#endif
