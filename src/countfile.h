/*
 * countfile: the state file of what vsacctd counted, saved in the state
 * directory and read back at start, so that a restarted vsacctd continues
 * where it stopped.
 * The traffic of the time it was not running was not seen: the rows'
 * discontinuity times say so (they are the start of the new run).
 *
 * File format, one entry a line after "vsacct-counters 1":
 *   net NAME BRIDGE CARRIED_BYTES CARRIED_PACKETS GROUP_BYTES GROUP_PACKETS
 *       MALFORMED DROPS
 *   vnic VM MAC IFINDEX SENT_BYTES SENT_PACKETS UNICAST_RX_BYTES
 *       UNICAST_RX_PACKETS CARRIED_RX_BYTES CARRIED_RX_PACKETS
 *       GROUP_BASE_BYTES GROUP_BASE_PACKETS OWN_GROUP_BYTES
 *       OWN_GROUP_PACKETS NET
 * (each entry on one line; NET is the network's name or "-").
 */
#ifndef VS_COUNTFILE_H
#define VS_COUNTFILE_H

#include <stddef.h>

#include "inventory.h"

/* Writes every network's and vNIC's counters to path atomically. Returns
 * 0, or -1 with errno set (the previous file stays). */
int countfile_save(const struct inventory *inv, const char *path);

/*
 * Restores into inv what a saved file's text says: networks of the same
 * name and bridge, vNICs of the same VM and MAC — unless the vNIC's host
 * interface is not the one it had when saved (another ifindex, or there
 * then and absent now, or the reverse): the VM restarted, started or
 * stopped while vsacctd was away, and its counters rightly start at 0. Nothing is restored
 * from a text that does not parse whole: returns -1 with a message
 * "LINE: reason" in err (errlen bytes). Returns 0 otherwise.
 */
int countfile_restore(struct inventory *inv, const char *text, size_t len, char *err, size_t errlen);

/* Reads path and restores from it. A missing file restores nothing and is
 * no error. Returns 0, or -1 with "PATH:…" in err. */
int countfile_load(struct inventory *inv, const char *path, char *err, size_t errlen);

#endif
