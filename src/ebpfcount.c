/*
 * What is read and how it reaches acct. Each network of the inventory has a
 * slot in the kernel's maps (vs_netids keeps vsNetIndex → slot, so a
 * restarted vsacctd finds its slots); each known vNIC a key per slot it may
 * send on (its network's; every slot while it has none, as meter places a
 * vNIC on the first network it is seen sending on). For every slot and key
 * the module remembers what it has already handed acct ("fed"); a read adds
 * the difference. After each save of the counters, fed is written to the
 * pinned vs_fed_* maps: a vsacctd killed and started again restores the
 * saved counters and adds what the kernel counted since that save, so
 * nothing is lost and nothing counted twice.
 *
 * The history: each network's bins hold the bytes of one wall-clock second
 * each (count_maps.h); a read hands acct the bytes each second gained since
 * the previous read, oldest first, before acct_net_tick closes the second.
 */
#include "ebpfcount.h"

#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
/* The program's skeleton, which the build makes with bpftool. */
#include <count.skel.h>

#include "bpf/count_clock.h"
#include "bpf/count_maps.h"
#include "brvlan.h"
#include "capset.h"
#include "clock.h"
#include "fileio.h"
#include "lifecycle.h"
#include "log.h"
#include "mactable.h"
#include "tchook.h"

#define USEC_PER_SEC 1000000

/* A network's slot and what was handed acct from it. */
struct slot_state {
	struct inv_net *net;
	uint32_t slot;
	struct vsbpf_net_fed fed;
	int64_t fed_sec;         /* the newest second handed over (0: none yet) */
	struct acct_net_second fed_second; /* what of it was handed over */
	uint16_t vlan;           /* a VLAN's network: its VID, counted on ... */
	uint32_t parent_slot;    /* ... its bridge's network's ports */
	bool resumed;            /* found pinned at this run's first bind */
	bool fresh;              /* it starts counting at this bind: nothing to lose */
	bool lost;               /* a port forwarded frames before it was counted */
	bool busy, was_busy;     /* it carried frames at this read, the last */
	bool up;                 /* its bridge exists and is up */
	bool failed;             /* attaching to it failed */
};

/* The seconds of marks a held key keeps: the window, the second before it
 * (where it starts) and the one of the read that hands it over. */
#define HELD_MARKS (ACCT_HELD_SECONDS + 3)

/* A (MAC, slot) key of a vNIC and what was handed acct from it. */
struct key_state {
	uint64_t key;
	int where;                   /* its counters' place (mactable) */
	struct inv_vnic *vnic;
	struct slot_state *slot;
	struct vsbpf_mac_counts fed;
	int64_t fed_sec;             /* as a slot's */
	struct acct_port_second fed_second;
	bool resumed;                /* found pinned, with what was saved: */
	struct vsbpf_mac_fed saved;  /* until the counters are restored */
	bool lost;                   /* its host interface sent before it was counted */
	bool held;                   /* its sent held back at the last read (read_key) */
	/* While held: its totals at the last read in each recent second, the
	 * packets of the window handed over (the bins count bytes only). */
	struct held_mark {
		int64_t sec;
		uint64_t sent_packets, group_packets;
	} marks[HELD_MARKS];
};

/* An interface the program is attached to. */
struct attached {
	int ifindex;
	uint32_t slot;
	uint32_t pvid;
	bool egress; /* the bridge itself: what the host sends */
	bool seen;   /* found at the current rescan */
	bool linked; /* by a TCX link (tchook) */
};

struct ebpfcount {
	struct count_bpf *skel;
	char pin_dir[CONF_PATH_MAX];
	struct tchook hook;
	int ncpus;
	void *percpu;               /* one read of a per-CPU value, every CPU */
	struct inventory *inv;
	struct slot_state *slots;   /* one per bridge network of inv */
	size_t nslots;
	struct key_state *keys;     /* sorted by key */
	size_t nkeys;
	struct attached *att;
	size_t natt, att_cap;
	int64_t next_rescan_usec;
	bool keys_new;              /* bound since the last read: read them all */
	bool index_swept;           /* vs_port_index has this run's ports only */
	struct mactable macs;       /* where the keys' counters are */
	bool told_full;             /* vs_macs full: said once */
	bool told_hashed;           /* a key went to vs_macs: said once */
	struct capset *ports;       /* captures of macvtap networks */
};

/* --- Pins ------------------------------------------------------------------ */

static int map_fd(const struct bpf_map *map) { return bpf_map__fd(map); }

/* Points every map the object declares pinned (its counts; not its
 * globals or caches) at its pin in dir: loading then reuses what is
 * pinned, and pins what is not. */
static int set_pins(struct count_bpf *skel, const char *dir)
{
	struct bpf_map *map;
	bpf_object__for_each_map(map, skel->obj) {
		if (!bpf_map__pin_path(map))
			continue;
		char path[CONF_PATH_MAX + 64];
		snprintf(path, sizeof path, "%s/%s", dir, bpf_map__name(map));
		if (bpf_map__set_pin_path(map, path) < 0)
			return -1;
	}
	return 0;
}

/* The pin directory, made if absent; it must be on a bpf file system. */
static int check_pin_dir(const char *dir, char *err, size_t errlen)
{
	char parent[CONF_PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else
		strcpy(parent, "/");
	struct statfs fs;
	if (statfs(parent, &fs) < 0 || fs.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "countMethod ebpf: %s is not on a bpf file system "
			 "(mount -t bpf bpf %s, or set bpfPinDir)", dir, parent);
		return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "countMethod ebpf: %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* The maps a version before them did not have: vs_port_index (it holds
 * no counts, the first scan fills it) and the table of MACs (a pair, see
 * pins_present: the keys found in the hash count on there). */
static bool pin_optional(const struct count_bpf *skel, const struct bpf_map *map)
{
	return map == skel->maps.vs_port_index || map == skel->maps.vs_mac_slots ||
	       map == skel->maps.vs_mac_counts;
}

static bool pinned(const struct bpf_map *map)
{
	return access(bpf_map__pin_path(map), F_OK) == 0 || errno != ENOENT;
}

/* Whether every key saved in the pinned vs_fed_macs has its counters in
 * the pinned hash, as a version before the table of MACs kept them all:
 * the table's pins are then not missing, only new. */
static bool saved_keys_hashed(struct count_bpf *skel)
{
	int fed = bpf_obj_get(bpf_map__pin_path(skel->maps.vs_fed_macs));
	int hash = bpf_obj_get(bpf_map__pin_path(skel->maps.vs_macs));
	int ncpus = libbpf_num_possible_cpus();
	void *value = ncpus > 0 ? calloc((size_t)ncpus, sizeof(struct vsbpf_mac)) : NULL;
	bool all = true;
	if (fed >= 0 && hash >= 0 && value) {
		__u64 key, next, *prev = NULL;
		while (all && bpf_map_get_next_key(fed, prev, &next) == 0) {
			key = next;
			prev = &key;
			all = bpf_map_lookup_elem(hash, &key, value) == 0;
		}
	}
	free(value);
	if (fed >= 0)
		close(fed);
	if (hash >= 0)
		close(hash);
	return all;
}

/* How many of the *n maps that must be pinned together are pinned in
 * place now (as far as vsacctd can tell: run as a user (-u), it may not
 * look into the pin directory, and a pin it cannot see is not known to be
 * gone). The table of MACs is wanted unless neither of its maps is there
 * and the hash holds every saved key (pins of a version before it). */
static size_t pins_present(struct count_bpf *skel, size_t *n)
{
	struct bpf_map *map;
	size_t present = 0;
	*n = 0;
	bpf_object__for_each_map(map, skel->obj) {
		if (!bpf_map__pin_path(map) || pin_optional(skel, map))
			continue;
		(*n)++;
		present += pinned(map);
	}
	bool slots = pinned(skel->maps.vs_mac_slots), counts = pinned(skel->maps.vs_mac_counts);
	if (slots || counts || !saved_keys_hashed(skel)) {
		*n += 2;
		present += (size_t)slots + counts;
	}
	return present;
}

/*
 * Pins are reused whole or not at all: a map missing (removed by hand, a
 * half-finished removal) would pair the kernel's new counters with what was
 * handed acct from the old ones. The rest then goes too, counting starts
 * afresh and the restored rows' discontinuity times say so. The optional
 * maps alone may be missing (pins of a version without them).
 */
static void drop_partial_pins(struct count_bpf *skel)
{
	size_t n, present = pins_present(skel, &n);
	if (present == 0 || present == n)
		return;
	log_warnx("ebpf: %zu of the %zu pinned maps are missing: counting starts afresh "
		  "(a discontinuity)", n - present, n);
	struct bpf_map *map;
	bpf_object__for_each_map(map, skel->obj)
		if (bpf_map__pin_path(map))
			unlink(bpf_map__pin_path(map));
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own warnings, into our log at debug level: the reasons we
	 * report are in our messages. */
	if (level == LIBBPF_WARN) {
		char msg[512];
		vsnprintf(msg, sizeof msg, fmt, ap);
		msg[strcspn(msg, "\n")] = '\0';
		log_debug("libbpf: %s", msg);
	}
	return 0;
}

static struct count_bpf *load(const char *pin_dir, char *err, size_t errlen)
{
	libbpf_set_print(libbpf_quiet);
	if (check_pin_dir(pin_dir, err, errlen) < 0)
		return NULL;
	struct count_bpf *skel = count_bpf__open();
	if (!skel) {
		snprintf(err, errlen, "countMethod ebpf: cannot open the BPF object: %s", strerror(errno));
		return NULL;
	}
	int r = set_pins(skel, pin_dir);
	if (r == 0) {
		drop_partial_pins(skel);
		r = count_bpf__load(skel);
	}
	if (r < 0) {
		int e = errno;
		snprintf(err, errlen, "countMethod ebpf: the kernel refused the counting program or "
			 "its maps in %s: %s (needs BPF, per-CPU maps, tc clsact, CAP_BPF and "
			 "CAP_NET_ADMIN; maps pinned by another version must be removed with vsacctd -D)",
			 pin_dir, strerror(e));
		count_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/* --- Attaching ------------------------------------------------------------- */

static struct attached *attached_find(struct ebpfcount *e, int ifindex, bool egress)
{
	for (size_t i = 0; i < e->natt; i++)
		if (e->att[i].ifindex == ifindex && e->att[i].egress == egress)
			return &e->att[i];
	return NULL;
}

int ebpfcount_port_set(int ports_fd, int index_fd, __u32 ifindex, const struct vsbpf_port *port)
{
	bool indexed = ifindex < VSBPF_PORT_INDEX_MAX;
	struct vsbpf_port_entry entry = { 0 };
	if (!port) {
		if (indexed && bpf_map_update_elem(index_fd, &ifindex, &entry, BPF_ANY) < 0)
			return -1;
		if (bpf_map_delete_elem(ports_fd, &ifindex) < 0 && errno != ENOENT)
			return -1;
		return 0;
	}
	if (bpf_map_update_elem(ports_fd, &ifindex, port, BPF_ANY) < 0)
		return -1;
	entry = (struct vsbpf_port_entry){ port->slot, (__u16)port->pvid, 1 };
	if (indexed && bpf_map_update_elem(index_fd, &ifindex, &entry, BPF_ANY) < 0)
		return -1;
	return 0;
}

/* ifindex counted as port, or forgotten (NULL), in the program's maps. */
static int port_set(struct ebpfcount *e, int ifindex, const struct vsbpf_port *port)
{
	return ebpfcount_port_set(map_fd(e->skel->maps.vs_ports),
				  map_fd(e->skel->maps.vs_port_index), (__u32)ifindex, port);
}

/* The frames ifindex has passed to the bridge since it was created: what a
 * port received, or what the bridge itself sent (egress). */
static uint64_t if_frames(int ifindex, bool egress)
{
	char name[IF_NAMESIZE], path[96];
	unsigned long long n;
	if (!if_indextoname((unsigned)ifindex, name))
		return 0;
	snprintf(path, sizeof path, "/sys/class/net/%s/statistics/%s_packets", name,
		 egress ? "tx" : "rx");
	return fileio_read_number(path, &n) == 0 ? n : 0;
}

/*
 * A port that no program of ours watched while it already passed frames (it
 * joined its bridge while up, or while vsacctd was down): what it forwarded
 * until now went uncounted. Its network (and its VLANs' networks) and the VM
 * it belongs to lose that, marked by their discontinuity times moving (kept
 * at the restore, too). Nothing is lost on a network that starts counting
 * at this bind, nor of frames before this method's window (another
 * method's).
 */
static void mark_uncounted(struct ebpfcount *e, struct slot_state *s, int ifindex, bool egress)
{
	if (s->fresh || clock_real_usec() / USEC_PER_SEC < e->skel->bss->vs_count_from_sec ||
	    !if_frames(ifindex, egress))
		return;
	int64_t now_usec = clock_mono_usec();
	log_warnx("ebpf: network %s: interface %d passed frames before it was counted "
		  "(a discontinuity)", s->net->name, ifindex);
	for (size_t i = 0; i < e->nslots; i++) {
		struct slot_state *n = &e->slots[i];
		if ((n == s || n->parent_slot == s->slot) && !n->fresh) {
			n->net->discontinuity_usec = now_usec;
			n->lost = true;
		}
	}
	for (size_t i = 0; !egress && i < e->nkeys; i++) {
		struct key_state *k = &e->keys[i];
		if (k->vnic->host_ifindex == ifindex) {
			k->vnic->vm->discontinuity_usec = now_usec;
			k->lost = true;
		}
	}
}

/* Makes ifindex counted in slot: its map entry first, so that its first
 * frame after the filter is in place counts. */
static int port_add(struct ebpfcount *e, struct slot_state *s, int ifindex, bool egress,
		    uint32_t pvid)
{
	struct attached *a = attached_find(e, ifindex, egress);
	if (a && a->slot == s->slot && a->pvid == pvid &&
	    (!a->linked || tchook_linked(&e->hook, ifindex, egress))) {
		a->seen = true;
		return 0;
	}
	struct vsbpf_port val = { s->slot, pvid };
	if (port_set(e, ifindex, &val) < 0) {
		log_warn("ebpf: network %s: port %d", s->net->name, ifindex);
		return -1;
	}
	bool relinking = a && a->linked; /* its pin was removed: detached meanwhile */
	bool watched;
	int prog = bpf_program__fd(egress ? e->skel->progs.vs_count_egress : e->skel->progs.vs_count);
	int r = tchook_attach(&e->hook, ifindex, egress, prog, &watched);
	if (r < 0) {
		log_warnx("ebpf: network %s: cannot attach to interface %d: %s", s->net->name,
			  ifindex, strerror(-r));
		return -1;
	}
	if (!watched && (!a || relinking))
		mark_uncounted(e, s, ifindex, egress);
	if (!a) {
		if (e->natt == e->att_cap) {
			size_t cap = e->att_cap ? 2 * e->att_cap : 16;
			struct attached *n = realloc(e->att, cap * sizeof *n);
			if (!n)
				return -1;
			e->att = n;
			e->att_cap = cap;
		}
		a = &e->att[e->natt++];
	}
	*a = (struct attached){ ifindex, s->slot, pvid, egress, true,
				tchook_linked(&e->hook, ifindex, egress) };
	log_debug("ebpf: network %s: counting interface %d%s", s->net->name, ifindex,
		  egress ? " (the bridge's egress)" : "");
	return 0;
}

static bool bridge_up(const char *bridge)
{
	char path[64 + CONF_IFNAME_MAX];
	snprintf(path, sizeof path, "/sys/class/net/%s/flags", bridge);
	FILE *fp = fopen(path, "r");
	if (!fp)
		return false;
	unsigned flags = 0;
	bool ok = fscanf(fp, "%x", &flags) == 1;
	fclose(fp);
	return ok && (flags & IFF_UP);
}

/* Whether the bridge of slot s has a network for VLAN vid. */
static bool vlan_counted(const struct ebpfcount *e, const struct slot_state *s, uint32_t vid)
{
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i].vlan == vid && e->slots[i].parent_slot == s->slot)
			return true;
	return false;
}

/* The PVID of ifindex among pvids, when its VLAN is a network of s's
 * bridge (the program counts its untagged frames there); else 0. */
static uint32_t port_vlan(const struct ebpfcount *e, const struct slot_state *s,
			  const struct brvlan_pvid *pvids, int npvids, int ifindex)
{
	for (int i = 0; i < npvids; i++)
		if (pvids[i].ifindex == ifindex)
			return vlan_counted(e, s, pvids[i].pvid) ? pvids[i].pvid : 0;
	return 0;
}

/* The bridge of slot s and each of its ports, attached (marked seen),
 * with the VLAN their untagged frames belong to when the bridge has VLAN
 * networks. */
static void scan_bridge(struct ebpfcount *e, struct slot_state *s)
{
	const char *bridge = s->net->bridge;
	int ifindex = (int)if_nametoindex(bridge);
	s->up = ifindex > 0 && bridge_up(bridge);
	s->failed = false;
	if (!ifindex)
		return;
	struct brvlan_pvid pvids[VSBPF_PORTS_MAX / 8];
	int npvids = s->net->vlans ? brvlan_pvids(ifindex, pvids, sizeof pvids / sizeof *pvids) : 0;
	if (npvids < 0)
		npvids = 0;
	if (port_add(e, s, ifindex, true, port_vlan(e, s, pvids, npvids, ifindex)) < 0)
		s->failed = true;
	char path[64 + CONF_IFNAME_MAX];
	snprintf(path, sizeof path, "/sys/class/net/%s/brif", bridge);
	DIR *d = opendir(path);
	if (!d)
		return; /* not a bridge (yet): only what the host sends */
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		int port = (int)if_nametoindex(de->d_name);
		if (port > 0 && port_add(e, s, port, false, port_vlan(e, s, pvids, npvids, port)) < 0)
			s->failed = true;
	}
	closedir(d);
}

/*
 * vs_port_index's ports that this run does not count (a previous run left
 * them pinned; a version without the array, run meanwhile, forgot ports in
 * the hash only): forgotten once, after the first scan. Later, ports are
 * forgotten in both maps (port_set).
 */
static void sweep_port_index(struct ebpfcount *e)
{
	int fd = map_fd(e->skel->maps.vs_port_index);
	__u32 *keys = calloc(VSBPF_PORT_INDEX_MAX, sizeof *keys);
	struct vsbpf_port_entry *vals = calloc(VSBPF_PORT_INDEX_MAX, sizeof *vals);
	__u32 count = VSBPF_PORT_INDEX_MAX, out;
	if (!keys || !vals ||
	    (bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, NULL) < 0 && errno != ENOENT)) {
		log_warn("ebpf: reading vs_port_index");
		free(keys);
		free(vals);
		return; /* tried again at the next rescan */
	}
	for (__u32 i = 0; i < count; i++) {
		if (!vals[i].counted || attached_find(e, (int)keys[i], false) ||
		    attached_find(e, (int)keys[i], true))
			continue;
		struct vsbpf_port_entry none = { 0 };
		bpf_map_update_elem(fd, &keys[i], &none, BPF_ANY);
	}
	free(keys);
	free(vals);
	e->index_swept = true;
}

static bool port_wanted(void *ctx, int ifindex, bool egress)
{
	return attached_find(ctx, ifindex, egress) != NULL;
}

/* Every bridge listed again: new ports attached, gone ones forgotten, and
 * map entries nobody wants (a previous run's) removed. */
static void rescan(struct ebpfcount *e)
{
	for (size_t i = 0; i < e->natt; i++)
		e->att[i].seen = false;
	for (size_t i = 0; i < e->nslots; i++)
		if (!e->slots[i].vlan)
			scan_bridge(e, &e->slots[i]);
	int fd = map_fd(e->skel->maps.vs_ports);
	size_t kept = 0;
	for (size_t i = 0; i < e->natt; i++) {
		struct attached *a = &e->att[i];
		if (a->seen) {
			e->att[kept++] = *a;
			continue;
		}
		port_set(e, a->ifindex, NULL);
		tchook_detach(&e->hook, a->ifindex, a->egress);
	}
	e->natt = kept;
	__u32 key, next, *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		if (!attached_find(e, (int)key, false) && !attached_find(e, (int)key, true)) {
			port_set(e, (int)key, NULL);
			continue; /* deleting restarts nothing: go on from the start */
		}
		prev = &key;
	}
	if (!e->index_swept) {
		sweep_port_index(e);
		tchook_sweep(&e->hook, port_wanted, e);
	}
	for (size_t i = 0; i < e->nslots; i++) {
		struct slot_state *s = &e->slots[i];
		s->net->capture_state = s->failed ? NET_FAILED : s->up ? NET_CAPTURING : NET_DOWN;
	}
	/* A VLAN network is seen as its bridge is (capset's rule). */
	for (size_t i = 0; i < e->nslots; i++) {
		struct inv_net *net = e->slots[i].net;
		if (net->vlan)
			net->capture_state = net->parent ? net->parent->capture_state : NET_DOWN;
	}
}

/* --- Reading --------------------------------------------------------------- */

static void fed_add(struct vsbpf_counts *fed, struct vsbpf_counts now, struct acct_counts *delta)
{
	delta->bytes = now.bytes - fed->bytes;
	delta->packets = now.packets - fed->packets;
	*fed = now;
}

static void counts_sum(struct vsbpf_counts *to, const struct vsbpf_counts *c)
{
	to->bytes += c->bytes;
	to->packets += c->packets;
}

void ebpfcount_sum_net(const struct vsbpf_net *percpu, int ncpus, struct vsbpf_net *sum)
{
	memset(sum, 0, sizeof *sum);
	for (int c = 0; c < ncpus; c++) {
		counts_sum(&sum->carried, &percpu[c].carried);
		counts_sum(&sum->group, &percpu[c].group);
		counts_sum(&sum->malformed, &percpu[c].malformed);
		counts_sum(&sum->received, &percpu[c].received);
	}
}

void ebpfcount_net_second(const struct vsbpf_net *percpu, int ncpus, int64_t sec,
			  struct acct_net_second *out)
{
	memset(out, 0, sizeof *out);
	for (int c = 0; c < ncpus; c++) {
		const struct vsbpf_bin *b = &percpu[c].bins[(uint64_t)sec % VSBPF_BINS];
		if (b->sec != sec)
			continue;
		out->carried.bytes += b->bytes;
		out->carried.packets += b->packets;
		out->received.bytes += b->rx_bytes;
		out->received.packets += b->rx_packets;
		out->group_bytes += b->group_bytes;
	}
}

void ebpfcount_sum_mac(const struct vsbpf_mac *percpu, int ncpus, struct vsbpf_mac_counts *sum)
{
	memset(sum, 0, sizeof *sum);
	for (int c = 0; c < ncpus; c++) {
		counts_sum(&sum->sent, &percpu[c].total.sent);
		counts_sum(&sum->rx_unicast, &percpu[c].total.rx_unicast);
		counts_sum(&sum->group_sent, &percpu[c].total.group_sent);
	}
}

void ebpfcount_mac_second(const struct vsbpf_mac *percpu, int ncpus, int64_t sec,
			  struct acct_port_second *out)
{
	memset(out, 0, sizeof *out);
	for (int c = 0; c < ncpus; c++) {
		const struct vsbpf_mac_bin *b = &percpu[c].bins[(uint64_t)sec % VSBPF_MAC_BINS];
		if (b->sec != sec)
			continue;
		out->sent += b->sent;
		out->rx_unicast += b->rx_unicast;
		out->group_sent += b->group_sent;
	}
}

static uint64_t minus(uint64_t now, uint64_t had) { return now > had ? now - had : 0; }

/* The seconds since the previous read, oldest first: from the newest one
 * handed over, or (a reader back from a while away) where the kernel's
 * bins start. */
static int64_t first_second(int64_t fed_sec, int64_t now_sec, int bins)
{
	int64_t from = fed_sec ? fed_sec : now_sec - (ACCT_HISTORY_SECONDS - 1);
	return from < now_sec - (bins - 2) ? now_sec - (bins - 2) : from;
}

static void read_net(struct ebpfcount *e, struct slot_state *s, int64_t now_sec)
{
	__u32 key = s->slot;
	if (bpf_map_lookup_elem(map_fd(e->skel->maps.vs_nets), &key, e->percpu) < 0)
		return;
	struct vsbpf_net sum;
	ebpfcount_sum_net(e->percpu, e->ncpus, &sum);
	struct acct_counts carried, group, malformed, received;
	fed_add(&s->fed.carried, sum.carried, &carried);
	fed_add(&s->fed.group, sum.group, &group);
	fed_add(&s->fed.malformed, sum.malformed, &malformed);
	fed_add(&s->fed.received, sum.received, &received);
	acct_net_add_totals(&s->net->acct, carried, group, received, malformed.packets);
	s->was_busy = s->busy;
	s->busy = carried.packets != 0;
	for (int64_t sec = first_second(s->fed_sec, now_sec, VSBPF_BINS); sec <= now_sec; sec++) {
		struct acct_net_second now, add;
		ebpfcount_net_second(e->percpu, e->ncpus, sec, &now);
		const struct acct_net_second *had = sec == s->fed_sec ? &s->fed_second : NULL;
		add = now;
		if (had) {
			add.carried.bytes = minus(now.carried.bytes, had->carried.bytes);
			add.carried.packets = minus(now.carried.packets, had->carried.packets);
			add.received.bytes = minus(now.received.bytes, had->received.bytes);
			add.received.packets = minus(now.received.packets, had->received.packets);
			add.group_bytes = minus(now.group_bytes, had->group_bytes);
		}
		if (add.carried.packets || add.group_bytes)
			acct_net_add_second(&s->net->acct, sec, &add);
		if (sec == now_sec)
			s->fed_second = now;
	}
	s->fed_sec = now_sec;
}

/* Notes a held key's totals at a read in second now_sec. */
static void mark_held(struct key_state *k, const struct vsbpf_mac_counts *sum, int64_t now_sec)
{
	struct held_mark *m = &k->marks[(uint64_t)now_sec % HELD_MARKS];
	*m = (struct held_mark){ now_sec, sum->sent.packets, sum->group_sent.packets };
}

/* Its totals when second from began: at the last read before it, or where
 * the hold began (fed) when none was marked. */
static struct held_mark held_at(const struct key_state *k, int64_t from)
{
	struct held_mark at = { 0, k->fed.sent.packets, k->fed.group_sent.packets };
	for (unsigned i = 0; i < HELD_MARKS; i++)
		if (k->marks[i].sec < from && k->marks[i].sec > at.sec)
			at = k->marks[i];
	return at;
}

/*
 * The MAC of a VM that was down sent sum.sent since fed (held, lifecycle):
 * its counters restarted, so what it sent in the bins' seconds of the
 * window (ACCT_HELD_SECONDS before the restart, and none before the second
 * it went down) is handed to the new life, and the rest is forgotten (the
 * network counted it). Counting drains the method before it applies a
 * state change, so what was fed then is the old life's, fed_second the
 * part of that second's bin that came before the change. Its seconds are
 * then fed up to now (what was sent to it in the window's seconds too:
 * those before the restart are not shown, acct_vm_seconds' since).
 */
static void hand_over(struct ebpfcount *e, struct key_state *k, const struct vsbpf_mac_counts *sum,
		      int64_t now_sec)
{
	struct inv_vm *vm = k->vnic->vm;
	int64_t offset = inventory_real_offset(e->inv);
	int64_t from = (acct_vm_restart_usec(&vm->acct) + offset) / USEC_PER_SEC - ACCT_HELD_SECONDS;
	int64_t down_sec = (vm->down_usec + offset) / USEC_PER_SEC;
	if (from < down_sec)
		from = down_sec;
	if (from < k->fed_sec)
		from = k->fed_sec; /* the seconds before were handed over */
	if (from < now_sec - (VSBPF_MAC_BINS - 2))
		from = now_sec - (VSBPF_MAC_BINS - 2);
	struct acct_port_second window = { 0, 0, 0 };
	for (int64_t sec = from; sec <= now_sec; sec++) {
		struct acct_port_second now;
		ebpfcount_mac_second(e->percpu, e->ncpus, sec, &now);
		if (sec == k->fed_sec) {
			now.sent = minus(now.sent, k->fed_second.sent);
			now.rx_unicast = minus(now.rx_unicast, k->fed_second.rx_unicast);
			now.group_sent = minus(now.group_sent, k->fed_second.group_sent);
		}
		window.sent += now.sent;
		window.group_sent += now.group_sent;
		acct_port_add_second(&k->vnic->acct, &k->slot->net->acct, sec, &now);
	}
	/* Bytes by the bins' seconds; packets from the totals at the last
	 * read before the window, which is where it starts to a read's
	 * precision. */
	struct held_mark at = held_at(k, from);
	struct acct_counts held, group_held;
	fed_add(&k->fed.sent, sum->sent, &held);
	fed_add(&k->fed.group_sent, sum->group_sent, &group_held);
	memset(k->marks, 0, sizeof k->marks);
	struct acct_counts sent = { window.sent < held.bytes ? window.sent : held.bytes,
				    sum->sent.packets - at.sent_packets };
	struct acct_counts group_sent = {
		window.group_sent < group_held.bytes ? window.group_sent : group_held.bytes,
		sum->group_sent.packets - at.group_packets
	};
	if (!sent.bytes)
		sent.packets = 0; /* a read's precision, against the bins' none */
	if (!group_sent.bytes || k->slot->net != k->vnic->net)
		group_sent = (struct acct_counts){ 0, 0 }; /* none, or not its network's share */
	if (sent.packets && !k->vnic->net && !*k->vnic->ifname)
		inventory_vnic_attach(k->vnic, k->slot->net);
	acct_port_add_held(&k->vnic->acct, sent, group_sent);
	ebpfcount_mac_second(e->percpu, e->ncpus, now_sec, &k->fed_second);
	k->fed_sec = now_sec;
}

static void read_key(struct ebpfcount *e, struct key_state *k, int64_t now_sec)
{
	__u64 key = k->key;
	if (mactable_read(&e->macs, key, k->where) < 0)
		return;
	struct vsbpf_mac_counts sum;
	ebpfcount_sum_mac(e->percpu, e->ncpus, &sum);
	struct inv_vnic *v = k->vnic;
	struct acct_counts sent = { 0, 0 }, rx, group_sent = { 0, 0 };
	fed_add(&k->fed.rx_unicast, sum.rx_unicast, &rx);
	/* A VM that is down sends nothing: what its MAC sends is held, and
	 * the window before the restart of its counters handed over then (a
	 * restore's new tap sends before the source reports it). */
	bool held = lifecycle_holds_sent(v->vm);
	if (k->held && !held)
		hand_over(e, k, &sum, now_sec);
	else if (held)
		mark_held(k, &sum, now_sec);
	k->held = held;
	if (!held) {
		fed_add(&k->fed.sent, sum.sent, &sent);
		fed_add(&k->fed.group_sent, sum.group_sent, &group_sent);
	}
	/* As meter does: a vNIC with no host interface sits where it sends. */
	if (sent.packets && !v->net && !*v->ifname)
		inventory_vnic_attach(v, k->slot->net);
	if (sent.packets || rx.packets || group_sent.packets)
		acct_port_add(&v->acct, &k->slot->net->acct, sent, rx, group_sent);
	if (held)
		return; /* its seconds too, from fed_sec on */
	for (int64_t sec = first_second(k->fed_sec, now_sec, VSBPF_MAC_BINS); sec <= now_sec; sec++) {
		struct acct_port_second now, add;
		ebpfcount_mac_second(e->percpu, e->ncpus, sec, &now);
		add = now;
		if (sec == k->fed_sec) {
			add.sent = minus(now.sent, k->fed_second.sent);
			add.rx_unicast = minus(now.rx_unicast, k->fed_second.rx_unicast);
			add.group_sent = minus(now.group_sent, k->fed_second.group_sent);
		}
		acct_port_add_second(&v->acct, &k->slot->net->acct, sec, &add);
		if (sec == now_sec)
			k->fed_second = now;
	}
	k->fed_sec = now_sec;
}

/* The program's clock globals (count_clock.h), again at every tick: it
 * follows a stepped clock within a tick. */
static void set_clock(struct ebpfcount *e)
{
	count_clock_set(e->skel);
}

/*
 * Every network's totals, then the MACs' counters of the networks that
 * carried frames at this read or the last (all of them when whole): a MAC
 * counts a frame only after its network did, so an idle network's MACs
 * have not moved, and a frame counted on another CPU while the network was
 * read is caught by the next read. The reads of an idle host cost a system
 * call per network, whatever its number of vNICs.
 */
static void read_all(struct ebpfcount *e, bool whole)
{
	int64_t now_sec = clock_real_usec() / USEC_PER_SEC;
	for (size_t i = 0; i < e->nslots; i++)
		read_net(e, &e->slots[i], now_sec);
	whole = whole || e->keys_new;
	e->keys_new = false;
	for (size_t i = 0; i < e->nkeys; i++)
		if (whole || e->keys[i].slot->busy || e->keys[i].slot->was_busy || e->keys[i].held)
			read_key(e, &e->keys[i], now_sec);
}

/* --- Binding --------------------------------------------------------------- */

/* A fresh slot's counters and what was fed from it, zeroed. */
static void zero_slot(struct ebpfcount *e, uint32_t slot)
{
	__u32 key = slot;
	memset(e->percpu, 0, (size_t)e->ncpus * sizeof(struct vsbpf_net));
	bpf_map_update_elem(map_fd(e->skel->maps.vs_nets), &key, e->percpu, BPF_ANY);
	struct vsbpf_net_fed fed = { 0 };
	bpf_map_update_elem(map_fd(e->skel->maps.vs_fed_nets), &key, &fed, BPF_ANY);
}

/* The slot of the network numbered netindex: the pinned one, or a free one
 * (taken). *resumed: it was pinned. -1 when all are taken. */
static int slot_of(struct ebpfcount *e, uint32_t netindex, bool *resumed)
{
	int fd = map_fd(e->skel->maps.vs_netids);
	__u32 key = netindex, slot;
	*resumed = bpf_map_lookup_elem(fd, &key, &slot) == 0;
	if (*resumed)
		return (int)slot;
	bool used[VSBPF_NETS_MAX] = { false };
	__u32 k, next, *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		if (bpf_map_lookup_elem(fd, &k, &slot) == 0 && slot < VSBPF_NETS_MAX)
			used[slot] = true;
		prev = &k;
	}
	for (slot = 0; slot < VSBPF_NETS_MAX && used[slot]; slot++)
		;
	if (slot == VSBPF_NETS_MAX || bpf_map_update_elem(fd, &key, &slot, BPF_NOEXIST) < 0)
		return -1;
	zero_slot(e, slot);
	return (int)slot;
}

static struct slot_state *old_slot(struct ebpfcount *e, uint32_t slot)
{
	for (size_t i = 0; i < e->nslots; i++)
		if (e->slots[i].slot == slot)
			return &e->slots[i];
	return NULL;
}

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct key_state *)a)->key, y = ((const struct key_state *)b)->key;
	return x < y ? -1 : x > y;
}

static struct key_state *old_key(struct ebpfcount *e, uint64_t key)
{
	struct key_state probe = { .key = key };
	return e->keys ? bsearch(&probe, e->keys, e->nkeys, sizeof *e->keys, key_cmp) : NULL;
}

/* Where a key that is new to this run starts: what the last run handed
 * acct before its last save (the saved counters hold it), or 0 for a key
 * the kernel did not have yet. */
static void key_start(struct ebpfcount *e, struct key_state *k)
{
	__u64 key = k->key;
	bool found;
	memset(&k->fed, 0, sizeof k->fed);
	k->where = mactable_place(&e->macs, key, &e->skel->bss->vs_macs_hashed, &found);
	if (k->where == MACTABLE_NONE) {
		if (!e->told_full)
			log_warn("ebpf: some vNICs' MACs cannot be counted (%d MAC and network "
				 "pairs at most; a vNIC with no host interface takes one per network)",
				 VSBPF_MAC_SLOTS + VSBPF_MACS_MAX);
		e->told_full = true;
		return;
	}
	if (k->where == MACTABLE_HASHED && !found && !e->told_hashed) {
		log_info("ebpf: the table of vNICs' MACs has no room near some of them: they are "
			 "counted through a hash (a lookup more per frame)");
		e->told_hashed = true;
	}
	if (!found) {
		bpf_map_delete_elem(map_fd(e->skel->maps.vs_fed_macs), &key);
		return;
	}
	if (bpf_map_lookup_elem(map_fd(e->skel->maps.vs_fed_macs), &key, &k->saved) == 0) {
		k->fed = k->saved.counts;
		k->resumed = true;
	}
}

/* The VLAN networks' slots, each under its bridge's network's slot in
 * vs_vlans (entries of VLANs no longer counted removed after the new ones
 * are in: no frame of a kept VLAN goes uncounted meanwhile). */
static void set_vlans(struct ebpfcount *e, struct slot_state *slots, size_t n)
{
	int fd = map_fd(e->skel->maps.vs_vlans);
	for (size_t i = 0; i < n; i++) {
		struct slot_state *s = &slots[i];
		s->vlan = s->net->vlan;
		s->parent_slot = UINT32_MAX;
		for (size_t j = 0; s->vlan && j < n; j++)
			if (slots[j].net == s->net->parent)
				s->parent_slot = slots[j].slot;
		if (s->parent_slot == UINT32_MAX)
			continue;
		__u32 key = vsbpf_vlan_key(s->parent_slot, s->vlan), val = s->slot;
		if (bpf_map_update_elem(fd, &key, &val, BPF_ANY) < 0)
			log_warn("ebpf: network %s", s->net->name);
	}
	__u32 key, next, *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		bool wanted = false;
		for (size_t i = 0; i < n && !wanted; i++)
			wanted = slots[i].parent_slot != UINT32_MAX &&
				 key == vsbpf_vlan_key(slots[i].parent_slot, slots[i].vlan);
		if (!wanted) {
			bpf_map_delete_elem(fd, &key);
			continue; /* as in rescan: the walk goes on from prev */
		}
		prev = &key;
	}
}

static int ebpf_bind(void *impl, struct inventory *inv, const struct conf *conf)
{
	struct ebpfcount *e = impl;
	size_t nnets = inventory_net_count(inv), nvnics = 0;
	for (size_t i = 0; i < inventory_vm_count(inv); i++)
		nvnics += inventory_vm(inv, i)->nvnics;
	struct slot_state *slots = calloc(nnets + 1, sizeof *slots);
	struct key_state *keys = calloc(nvnics * (nnets + 1) + 1, sizeof *keys);
	if (!slots || !keys || capset_bind(e->ports, inv, conf->capture_buffer) < 0) {
		free(slots);
		free(keys);
		return -1;
	}
	size_t ns = 0;
	for (size_t i = 0; i < nnets; i++) {
		struct inv_net *net = inventory_net(inv, i);
		if (net->by_port)
			continue;
		bool resumed;
		int slot = slot_of(e, net->index, &resumed);
		if (slot < 0) {
			log_warnx("ebpf: network %s: no slot left (%d networks at most)", net->name,
				  VSBPF_NETS_MAX);
			net->capture_state = NET_FAILED;
			continue;
		}
		struct slot_state *s = &slots[ns++], *old = old_slot(e, (uint32_t)slot);
		*s = old ? *old : (struct slot_state){ .slot = (uint32_t)slot };
		s->net = net;
		s->fresh = !old && !resumed;
		if (!old && resumed) {
			__u32 key = (__u32)slot;
			s->resumed = bpf_map_lookup_elem(map_fd(e->skel->maps.vs_fed_nets), &key,
							 &s->fed) == 0;
			/* Received is not saved (it restarts with acct): all of
			 * the kernel's, which counted it since the slot began. */
			memset(&s->fed.received, 0, sizeof s->fed.received);
			log_info("ebpf: network %s: the kernel's counters resumed from %s", net->name,
				 e->pin_dir);
		}
	}
	set_vlans(e, slots, ns);
	size_t nk = 0;
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics; j++) {
			struct inv_vnic *v = &vm->vnics[j];
			if (v->home && v->home->by_port)
				continue; /* a macvtap vNIC: captured */
			for (size_t k = 0; k < ns; k++) {
				if (v->net && v->net != slots[k].net)
					continue;
				struct key_state *ks = &keys[nk++];
				ks->key = vsbpf_mac_key(v->mac, slots[k].slot);
				ks->vnic = v;
				ks->slot = &slots[k];
				struct key_state *old = old_key(e, ks->key);
				if (old) {
					ks->where = old->where;
					ks->fed = old->fed;
					ks->fed_sec = old->fed_sec;
					ks->fed_second = old->fed_second;
					ks->held = old->held;
					memcpy(ks->marks, old->marks, sizeof ks->marks);
				} else
					key_start(e, ks);
			}
		}
	}
	qsort(keys, nk, sizeof *keys, key_cmp);
	/* Keys of vNICs gone or moved: no longer counted (after the new ones
	 * are placed: none takes a position given up now, see mactable.h). */
	for (size_t i = 0; i < e->nkeys; i++) {
		struct key_state probe = { .key = e->keys[i].key };
		if (!bsearch(&probe, keys, nk, sizeof *keys, key_cmp)) {
			__u64 key = probe.key;
			mactable_forget(&e->macs, key, e->keys[i].where);
			bpf_map_delete_elem(map_fd(e->skel->maps.vs_fed_macs), &key);
		}
	}
	/* Before rescan attaches this run's program: keys pinned in the hash
	 * (by an earlier run or version) count on there. */
	e->skel->bss->vs_macs_hashed = mactable_hashed(&e->macs);
	free(e->slots);
	free(e->keys);
	e->slots = slots;
	e->nslots = ns;
	e->keys = keys;
	e->nkeys = nk;
	e->inv = inv;
	e->keys_new = true;
	rescan(e);
	for (size_t i = 0; i < ns; i++)
		slots[i].fresh = false;
	e->next_rescan_usec = clock_mono_usec() + EBPFCOUNT_RESCAN_USEC;
	return 0;
}

/* --- The method ------------------------------------------------------------ */

void *ebpfcount_open(const struct conf *conf, char *err, size_t errlen)
{
	struct ebpfcount *e = calloc(1, sizeof *e);
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(e->pin_dir, sizeof e->pin_dir, "%s", conf->bpf_pin_dir);
	e->ncpus = libbpf_num_possible_cpus();
	size_t value = sizeof(struct vsbpf_net) > sizeof(struct vsbpf_mac) ?
			       sizeof(struct vsbpf_net) : sizeof(struct vsbpf_mac);
	if (e->ncpus <= 0 || !(e->percpu = calloc((size_t)e->ncpus, value))) {
		snprintf(err, errlen, "countMethod ebpf: cannot size the per-CPU reads");
		free(e);
		return NULL;
	}
	e->ports = capset_new();
	e->skel = e->ports ? load(conf->bpf_pin_dir, err, errlen) : NULL;
	if (!e->skel || tchook_init(&e->hook, e->pin_dir, conf->bpf_attach == CONF_BPF_ATTACH_AUTO,
				    bpf_program__fd(e->skel->progs.vs_count), err, errlen) < 0) {
		if (e->skel)
			count_bpf__destroy(e->skel);
		capset_free(e->ports);
		free(e->percpu);
		free(e);
		return NULL;
	}
	capset_ports_only(e->ports);
	e->macs = (struct mactable){ map_fd(e->skel->maps.vs_mac_slots),
				     map_fd(e->skel->maps.vs_mac_counts),
				     map_fd(e->skel->maps.vs_macs), e->percpu, e->ncpus };
	set_clock(e);
	log_info("counting in the kernel (eBPF at %s, maps pinned in %s)",
		 e->hook.tcx ? "TCX links" : "tc filters", e->pin_dir);
	return e;
}

static void ebpf_close(void *impl)
{
	struct ebpfcount *e = impl;
	if (!e)
		return;
	/* The programs stay attached and the maps pinned: the kernel counts
	 * on until vsacctd is back (ebpfcount_remove ends that). */
	count_bpf__destroy(e->skel);
	capset_free(e->ports);
	free(e->slots);
	free(e->keys);
	free(e->att);
	free(e->percpu);
	free(e);
}

static int ebpf_fd(void *impl) { return capset_fd(((struct ebpfcount *)impl)->ports); }
static void ebpf_read_ready(void *impl) { capset_read_ready(((struct ebpfcount *)impl)->ports); }

static void ebpf_drain(void *impl)
{
	struct ebpfcount *e = impl;
	capset_drain(e->ports);
	read_all(e, true);
}

/* A link changed: a port joining or leaving one of our bridges, or a
 * bridge itself, is attached or forgotten now rather than at the next
 * rescan. */
static void ebpf_link(void *impl, const char *ifname, const struct hostif_info *info,
		      int64_t mono_usec)
{
	struct ebpfcount *e = impl;
	capset_link(e->ports, ifname, info, mono_usec);
	for (size_t i = 0; i < e->nslots; i++) {
		const char *bridge = e->slots[i].net->bridge;
		if (!strcmp(ifname, bridge) || !strcmp(info->master, bridge) ||
		    (info->ifindex && (attached_find(e, info->ifindex, false) ||
				       attached_find(e, info->ifindex, true))) || !info->exists) {
			rescan(e);
			return;
		}
	}
}

static void ebpf_tick(void *impl, int64_t mono_usec, bool read)
{
	struct ebpfcount *e = impl;
	capset_tick(e->ports, mono_usec);
	if (mono_usec >= e->next_rescan_usec) {
		e->next_rescan_usec = mono_usec + EBPFCOUNT_RESCAN_USEC;
		set_clock(e);
		rescan(e);
	}
	if (read)
		read_all(e, false);
}

/* What acct holds now is saved: what was handed it is written beside the
 * kernel's counters, for a restart to start from. */
static void ebpf_saved(void *impl)
{
	struct ebpfcount *e = impl;
	for (size_t i = 0; i < e->nslots; i++) {
		struct slot_state *s = &e->slots[i];
		__u32 key = s->slot;
		s->fed.discontinuity_usec = s->net->discontinuity_usec;
		bpf_map_update_elem(map_fd(e->skel->maps.vs_fed_nets), &key, &s->fed, BPF_ANY);
	}
	for (size_t i = 0; i < e->nkeys; i++) {
		const struct key_state *k = &e->keys[i];
		struct vsbpf_mac_fed fed = { k->fed, k->vnic->vm->discontinuity_usec,
					     k->vnic->host_ifindex };
		__u64 key = k->key;
		bpf_map_update_elem(map_fd(e->skel->maps.vs_fed_macs), &key, &fed, BPF_ANY);
	}
}

/*
 * The saved counters are restored: as the kernel counted on while vsacctd
 * was away, the rows' discontinuity times stay what they were, except for
 * a VM whose host interface changed meanwhile (it restarted: countfile
 * started it at 0, and its discontinuity is now) and rows that a port
 * counted only now lost frames of (mark_uncounted).
 */
static void ebpf_restored(void *impl)
{
	struct ebpfcount *e = impl;
	for (size_t i = 0; i < e->nslots; i++) {
		struct slot_state *s = &e->slots[i];
		if (s->resumed && !s->lost && s->fed.discontinuity_usec)
			s->net->discontinuity_usec = s->fed.discontinuity_usec;
		s->resumed = s->lost = false;
	}
	for (size_t i = 0; i < e->nkeys; i++) {
		struct key_state *k = &e->keys[i];
		if (k->resumed && !k->lost && k->saved.discontinuity_usec &&
		    k->saved.ifindex == k->vnic->host_ifindex)
			k->vnic->vm->discontinuity_usec = k->saved.discontinuity_usec;
		k->resumed = k->lost = false;
	}
}

static void ebpf_on_loss(void *impl, count_loss_fn fn, void *ctx)
{
	capset_on_loss(((struct ebpfcount *)impl)->ports, fn, ctx);
}

/* The program's gates (read by it at every frame), and the macvtap
 * networks' captures. */
static void ebpf_window(void *impl, struct count_window w)
{
	struct ebpfcount *e = impl;
	e->skel->bss->vs_count_from_sec = w.from_sec;
	e->skel->bss->vs_count_until_sec = w.until_sec;
	capset_window(e->ports, w);
}

/* A program run under way when its filter goes ends within microseconds:
 * a wait far above that. */
#define EBPFCOUNT_DETACH_SETTLE_USEC 10000

/*
 * vsacctd stops. With a pin removed (by hand), the next start cannot find
 * what the kernel counts from here: the programs are detached rather than
 * left counting into maps nobody reads, and the last read, once no frame
 * can be half counted (its network's share read, its MAC's not yet), saves
 * network and VM counters that agree.
 */
static void ebpf_stop(void *impl)
{
	struct ebpfcount *e = impl;
	size_t n, present = pins_present(e->skel, &n);
	if (present == n)
		return;
	for (size_t i = 0; i < e->natt; i++)
		tchook_detach(&e->hook, e->att[i].ifindex, e->att[i].egress);
	e->natt = 0;
	usleep(EBPFCOUNT_DETACH_SETTLE_USEC);
	log_warnx("ebpf: pinned maps missing from %s: programs detached at this stop, the next "
		  "start counts afresh (a discontinuity)", e->pin_dir);
}

/* Another method counts now: nothing is left attached or pinned. */
static void ebpf_retire(void *impl)
{
	struct ebpfcount *e = impl;
	for (size_t i = 0; i < e->natt; i++)
		tchook_detach(&e->hook, e->att[i].ifindex, e->att[i].egress);
	char err[CONF_PATH_MAX + 64];
	if (tchook_remove_links(e->pin_dir, err, sizeof err) < 0)
		log_warnx("ebpf: %s", err);
	struct bpf_map *map;
	bpf_object__for_each_map(map, e->skel->obj)
		if (bpf_map__pin_path(map) && bpf_map__unpin(map, NULL) < 0)
			log_warn("ebpf: %s", bpf_map__pin_path(map));
	if (rmdir(e->pin_dir) < 0 && errno != ENOENT)
		log_warn("ebpf: %s", e->pin_dir);
	log_info("ebpf: programs detached, maps in %s removed", e->pin_dir);
	ebpf_close(e);
}

const struct count_method_ops ebpfcount_ops = {
	"ebpf", ebpf_bind, ebpf_fd, ebpf_read_ready, ebpf_drain, ebpf_link,
	ebpf_tick, ebpf_saved, ebpf_restored, ebpf_on_loss, ebpf_window, ebpf_close,
	ebpf_retire, ebpf_stop,
};

int ebpfcount_remove(const struct conf *conf, char *err, size_t errlen)
{
	const char *dir = conf->bpf_pin_dir;
	char path[CONF_PATH_MAX + 64];
	libbpf_set_print(libbpf_quiet); /* a hook with nothing to detach is no news */
	struct tchook hook = { .tcx = false };
	tchook_links_dir(dir, hook.links_dir, sizeof hook.links_dir);
	snprintf(path, sizeof path, "%s/vs_ports", dir);
	int fd = bpf_obj_get(path);
	if (fd >= 0) {
		__u32 key, next, *prev = NULL;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			key = next;
			tchook_detach(&hook, (int)key, false);
			tchook_detach(&hook, (int)key, true);
			prev = &key;
		}
		close(fd);
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (tchook_remove_links(dir, err, errlen) < 0)
		return -1;
	static const char *const maps[] = { "vs_ports", "vs_port_index", "vs_vlans", "vs_nets",
					    "vs_mac_slots", "vs_mac_counts", "vs_macs", "vs_netids",
					    "vs_fed_nets", "vs_fed_macs" };
	for (size_t i = 0; i < sizeof maps / sizeof *maps; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, maps[i]);
		if (unlink(path) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (rmdir(dir) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}
