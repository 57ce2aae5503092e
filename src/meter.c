#include "meter.h"

#include "decode.h"
#include "lifecycle.h"

#define USEC_PER_SEC 1000000

/* The monotonic second of a frame captured at wall-clock ts_usec, when its
 * VM holds what it sends and it came after the VM went down (a frame of the
 * old life the capture hands over late stays its own); -1 otherwise. */
static int64_t held_mono_sec(const struct inventory *inv, const struct inv_vnic *src,
			     int64_t ts_usec)
{
	if (!src || !lifecycle_holds_sent(src->vm))
		return -1;
	int64_t mono_usec = ts_usec - inventory_real_offset(inv);
	return mono_usec >= src->vm->down_usec ? mono_usec / USEC_PER_SEC : -1;
}

/* Counts a decoded frame sent by src (or an unknown MAC) on net. */
static void count(struct inventory *inv, struct inv_net *net, struct inv_vnic *src,
		  const struct decoded_frame *f, bool group, int64_t ts_usec)
{
	struct inv_vnic *dst = group ? NULL : inventory_vnic_by_mac(inv, f->dst);
	int64_t held = held_mono_sec(inv, src, ts_usec);
	int64_t ts_sec = ts_usec / USEC_PER_SEC;
	if (held >= 0)
		acct_count_frame_held(&net->acct, &src->acct, dst ? &dst->acct : NULL, group,
				      f->len, ts_sec, held);
	else
		acct_count_frame(&net->acct, src ? &src->acct : NULL, dst ? &dst->acct : NULL,
				 group, f->len, ts_sec);
}

/* A frame of a VLAN that is a network of its own: counted there whole,
 * and in its bridge's totals; without the tag, which the bridge added at
 * the sender's port and removes at the receiver's. */
static struct inv_net *vlan_of(struct inv_net *net, struct decoded_frame *f, int64_t ts_sec)
{
	struct inv_net *vlan = f->vlan && net->vlans ? net->vlans[f->vlan] : NULL;
	if (!vlan)
		return net;
	f->len -= DECODE_VLAN_TAG_BYTES;
	/* Its bridge's totals only: the bridge's group frames are the ones
	 * its untagged ports receive. */
	acct_count_frame(&net->acct, NULL, NULL, false, f->len, ts_sec);
	return vlan;
}

void meter_frame(struct inventory *inv, struct inv_net *net, int64_t ts_usec,
		 const uint8_t *bytes, uint32_t caplen, uint32_t len)
{
	int64_t ts_sec = ts_usec / USEC_PER_SEC;
	struct decoded_frame f;
	if (decode_frame(bytes, caplen, len, &f) < 0) {
		acct_count_malformed(&net->acct, len, ts_sec);
		return;
	}
	net = vlan_of(net, &f, ts_sec);
	struct inv_vnic *src = inventory_vnic_by_mac(inv, f.src);
	bool group = mac_is_group(f.dst);
	if (src && !src->net && !*src->ifname)
		inventory_vnic_attach(src, net);
	count(inv, net, src, &f, group, ts_usec);
}

void meter_port_frame(struct inventory *inv, struct inv_net *net, struct inv_vnic *vnic,
		      bool counts_group, int64_t ts_usec, const uint8_t *bytes,
		      uint32_t caplen, uint32_t len)
{
	int64_t ts_sec = ts_usec / USEC_PER_SEC;
	struct decoded_frame f;
	if (decode_frame(bytes, caplen, len, &f) < 0) {
		/* Seen at this port only: no other capture counts it. */
		acct_count_malformed(&net->acct, len, ts_sec);
		return;
	}
	struct inv_vnic *src = inventory_vnic_by_mac(inv, f.src);
	bool group = mac_is_group(f.dst);
	/* A neighbour's frame: its own capture counts it once. */
	if (src != vnic && src && src->net == net)
		return;
	/* From outside, a group frame reaches every guest: counted once. */
	if (src != vnic && group && !counts_group)
		return;
	count(inv, net, src, &f, group, ts_usec);
}
