#include "mactable.h"

#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "bpf/count_maps.h"

static __u32 probe_pos(__u64 key, __u32 i)
{
	return (vsbpf_mac_home(key) + i) & (VSBPF_MAC_SLOTS - 1);
}

static __u64 slot_at(const struct mactable *t, __u32 pos)
{
	__u64 v = 0;
	return bpf_map_lookup_elem(t->slots_fd, &pos, &v) == 0 ? v : 0;
}

int mactable_find(const struct mactable *t, __u64 key)
{
	for (__u32 i = 0; i < VSBPF_MAC_PROBES; i++) {
		__u32 pos = probe_pos(key, i);
		__u64 v = slot_at(t, pos);
		if (!v)
			break;
		if (v == (key | VSBPF_MAC_SLOT_USED))
			return (int)pos;
	}
	return bpf_map_lookup_elem(t->hash_fd, &key, t->percpu) == 0 ? MACTABLE_HASHED
								     : MACTABLE_NONE;
}

/* A position near key's home that holds no key, or -1. */
static int free_pos(const struct mactable *t, __u64 key)
{
	for (__u32 i = 0; i < VSBPF_MAC_PROBES; i++) {
		__u32 pos = probe_pos(key, i);
		__u64 v = slot_at(t, pos);
		if (!v || v == VSBPF_MAC_SLOT_GONE)
			return (int)pos;
	}
	return -1;
}

int mactable_place(const struct mactable *t, __u64 key, volatile __u32 *hashed, bool *found)
{
	int where = mactable_find(t, key);
	*found = where != MACTABLE_NONE;
	if (*found)
		return where;
	memset(t->percpu, 0, (size_t)t->ncpus * sizeof(struct vsbpf_mac));
	int pos = free_pos(t, key);
	if (pos >= 0) {
		/* The counters zeroed before the key names them. */
		__u32 p = (__u32)pos;
		__u64 v = key | VSBPF_MAC_SLOT_USED;
		if (bpf_map_update_elem(t->counts_fd, &p, t->percpu, BPF_ANY) == 0 &&
		    bpf_map_update_elem(t->slots_fd, &p, &v, BPF_ANY) == 0)
			return pos;
	}
	if (!*hashed)
		*hashed = 1;
	return bpf_map_update_elem(t->hash_fd, &key, t->percpu, BPF_NOEXIST) == 0 ? MACTABLE_HASHED
										 : MACTABLE_NONE;
}

int mactable_read(const struct mactable *t, __u64 key, int where)
{
	__u32 pos = (__u32)where;
	return where >= 0 ? bpf_map_lookup_elem(t->counts_fd, &pos, t->percpu)
			  : bpf_map_lookup_elem(t->hash_fd, &key, t->percpu);
}

void mactable_forget(const struct mactable *t, __u64 key, int where)
{
	if (where >= 0) {
		__u32 pos = (__u32)where;
		__u64 gone = VSBPF_MAC_SLOT_GONE;
		bpf_map_update_elem(t->slots_fd, &pos, &gone, BPF_ANY);
	} else if (where == MACTABLE_HASHED) {
		bpf_map_delete_elem(t->hash_fd, &key);
	}
}

__u32 mactable_hashed(const struct mactable *t)
{
	__u64 key, next, *prev = NULL;
	__u32 n = 0;
	while (bpf_map_get_next_key(t->hash_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
	}
	return n;
}
