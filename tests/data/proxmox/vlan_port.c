/*
 * vlan_port: an access port of a VLAN-aware Linux bridge (bridge vlan add
 * dev PORT vid VID pvid untagged), for kernels built without
 * CONFIG_BRIDGE_VLAN_FILTERING, where a bridge cannot be VLAN-aware.
 *
 * Two tc programs on the port (clsact), built with -DVID=N:
 * - ingress (guest → bridge): an untagged frame gets tag VID, as the
 *   kernel bridge gives the port's PVID to what enters it; a tagged one is
 *   dropped (an access port carries no other VLAN). Attached first (prio
 *   1), it lets the frame on to the port's other filters;
 * - egress (bridge → guest): a frame of VLAN VID leaves untagged; any other
 *   is dropped, as the bridge forwards a VLAN's frames only to its ports.
 * The tag is the skb's own (hardware-offload form), as the bridge keeps it:
 * a capture on the bridge shows it, the port's counters never count it.
 * Used by tests/integration/proxmox.sh only.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

static long (*skb_vlan_push)(struct __sk_buff *skb, __u16 proto, __u16 tci) =
	(void *)BPF_FUNC_skb_vlan_push;
static long (*skb_vlan_pop)(struct __sk_buff *skb) = (void *)BPF_FUNC_skb_vlan_pop;

__attribute__((section("ingress"), used)) int port_ingress(struct __sk_buff *skb)
{
	if (skb->vlan_present)
		return TC_ACT_SHOT;
	/* Tagged, the frame goes on to the port's next filter (vsacctd's
	 * counting program, which thus sees the tag the bridge would give it,
	 * as with the kernel's VLAN filtering it reads the port's PVID). */
	return skb_vlan_push(skb, __builtin_bswap16(ETH_P_8021Q), VID) ? TC_ACT_SHOT : TC_ACT_UNSPEC;
}

__attribute__((section("egress"), used)) int port_egress(struct __sk_buff *skb)
{
	if (!skb->vlan_present || (skb->vlan_tci & 0x0fff) != VID)
		return TC_ACT_SHOT;
	return skb_vlan_pop(skb) ? TC_ACT_SHOT : TC_ACT_OK;
}

char vlan_port_license[] __attribute__((section("license"), used)) = "GPL";
