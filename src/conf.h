/*
 * conf: vsacctd.conf, parsed into plain values.
 *
 * Parsing is pure (conf_parse_buffer works on text in memory); only
 * conf_parse_file reads a file. Every error names file, line and token:
 * "FILE:LINE: TOKEN: what is wrong" ("FILE:LINE: what is wrong" when the
 * line has no token to blame). Lines whose token belongs to Net-SNMP
 * (agentXSocket, agentXPingInterval, …) are kept verbatim for the agent to
 * hand to Net-SNMP, if the caller's predicate says Net-SNMP knows the token.
 *
 * Lifecycle: conf_new → conf_parse_file / conf_parse_buffer (any number of
 * times: files add up) → read the fields → conf_free. A conf that failed to
 * parse is freed, never used: a reload keeps the configuration in force.
 */
#ifndef VS_CONF_H
#define VS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

#define CONF_NAME_MAX 255     /* vsVmName, vsNetName: DisplayString (SIZE (1..255)) */
#define CONF_IFNAME_MAX 15    /* Linux IFNAMSIZ less its NUL */
#define CONF_UUID_LEN 36
#define CONF_PATH_MAX 1024
#define CONF_LINE_MAX 1024    /* longer lines are refused, not truncated */
#define CONF_ERROR_MAX 1400

#define CONF_DEFAULT_CAPTURE_BUFFER (32u << 20)
/* libpcap builds the ring of 256 KiB blocks and the kernel fills one while
 * vsacctd reads another: fewer than four blocks lose frames under ordinary
 * traffic (measured: 256k lost 0.1-0.3% of 5 kpps, 1m none). */
#define CONF_MIN_CAPTURE_BUFFER (1u << 20)
#define CONF_MAX_CAPTURE_BUFFER (1u << 30)
#define CONF_DEFAULT_STATE_DIR "/var/lib/vsacct"
#define CONF_DEFAULT_SAVE_INTERVAL 60 /* seconds */
#define CONF_MAX_SOURCES 4
#define CONF_SOURCE_KIND_MAX 15

#define CONF_VLAN_MAX 4094 /* 802.1Q VIDs 1..4094 */

struct conf_network {
	char name[CONF_NAME_MAX + 1];
	char bridge[CONF_IFNAME_MAX + 1];
	/* 0: the whole bridge; 1..CONF_VLAN_MAX: the frames of that VLAN on
	 * the (VLAN-aware) bridge, counted as a network of their own. */
	uint16_t vlan;
};

struct conf_vm {
	char name[CONF_NAME_MAX + 1];
	char uuid[CONF_UUID_LEN + 1]; /* "" when not given */
	size_t n_vnics; /* its vNICs in conf->vnics (at most 65535) */
};

struct conf_vnic {
	size_t vm_index; /* of its VM in conf->vms */
	uint8_t mac[MAC_LEN];
	char ifname[CONF_IFNAME_MAX + 1]; /* "" when not given */
};

/* 'vm NAME pidfile=PATH': the VM's process, whose /proc accounting gives
 * its CPU, disk bytes and uptime when no discovery source reports them. */
struct conf_pidfile {
	size_t vm_index; /* of its VM in conf->vms */
	char path[CONF_PATH_MAX];
};

/* A discovery source: 'discover KIND [ARG] [run=DIR]'. */
struct conf_source {
	char kind[CONF_SOURCE_KIND_MAX + 1]; /* one of conf_source_kinds */
	char arg[CONF_PATH_MAX];             /* "" for the source's default */
	/* proxmox only: where qemu-server keeps its guests' pid files and
	 * QMP sockets; "" for the default. */
	char run_dir[CONF_PATH_MAX];
};

/* The kinds 'discover' takes, NULL-terminated: the words of the
 * configuration's language; each names a source of the sources table. */
extern const char *const conf_source_kinds[];

/* Parses "vlan=N" (N 1..CONF_VLAN_MAX). Returns 0, or -1. */
int conf_parse_vlan(const char *word, uint16_t *vlan);

/* A line for Net-SNMP's own configuration system: its words, single-spaced. */
struct conf_foreign {
	char *text;
	char file[CONF_PATH_MAX];
	unsigned line;
};

/* Whether Net-SNMP accepts a token (compared case-insensitively, as it does). */
typedef bool (*conf_foreign_fn)(const char *token);

struct conf_lookup;

/* countMethod: how networks are counted (DESIGN section 1). */
enum conf_count_method {
	CONF_COUNT_PCAP = 0, /* a libpcap capture per network: the default */
	CONF_COUNT_EBPF = 1, /* BPF programs on the bridges' ports */
};

/* bpfAttach: how the eBPF method's program is put on a port (tchook.h). */
enum conf_bpf_attach {
	CONF_BPF_ATTACH_AUTO = 0, /* a TCX link where the kernel has TCX, else tc */
	CONF_BPF_ATTACH_TC = 1,   /* a tc filter, after the port's other filters */
};

/* Where the eBPF method pins its maps by default (on the host's bpffs). */
#define CONF_DEFAULT_BPF_PIN_DIR "/sys/fs/bpf/vsacct"

/* Filled by the parser, whose lookup tables index vms and vnics: conf_find_vm
 * and the lines parsed later see only what the parser added. */
struct conf {
	/* Tokens not ours are kept for Net-SNMP when is_foreign says yes, and
	 * are errors otherwise (also while it is NULL, as conf_new leaves it). */
	conf_foreign_fn is_foreign;

	struct conf_network *networks;
	size_t n_networks;
	struct conf_vm *vms;
	size_t n_vms;
	struct conf_vnic *vnics;
	size_t n_vnics;
	struct conf_pidfile *pidfiles; /* the VMs that name one */
	size_t n_pidfiles;
	struct conf_foreign *foreign;
	size_t n_foreign;
	struct conf_lookup *lookup; /* lookup tables used while parsing */

	size_t capture_buffer; /* bytes of kernel ring per bridge */
	enum conf_count_method count_method;
	char bpf_pin_dir[CONF_PATH_MAX]; /* the eBPF method's maps are pinned here */
	enum conf_bpf_attach bpf_attach;
	char state_dir[CONF_PATH_MAX];   /* indexes and counters live here */
	unsigned save_interval;          /* seconds between saves of the counters */
	struct conf_source sources[CONF_MAX_SOURCES]; /* in the order given */
	size_t n_sources;
	char user[CONF_NAME_MAX + 1];    /* "" unless 'user': stay root */
};

struct conf_error {
	char msg[CONF_ERROR_MAX];
};

/* A conf holding the defaults. NULL when out of memory. */
struct conf *conf_new(void);
void conf_free(struct conf *conf);

/*
 * Parses one line (no newline), numbered lineno of file. Returns 0, or -1
 * with err filled. Comments start with '#' at the line's start or after
 * blanks.
 */
int conf_parse_line(struct conf *conf, const char *file, unsigned lineno,
		    const char *line, struct conf_error *err);

/* Parses len bytes of text as the lines of file. Stops at the first error. */
int conf_parse_buffer(struct conf *conf, const char *file, const char *text,
		      size_t len, struct conf_error *err);

/* Reads and parses a file. A file that cannot be read is an error too. */
int conf_parse_file(struct conf *conf, const char *path, struct conf_error *err);

/* The rules the configuration's words follow, for other sources of names
 * (discovery) to follow too: a name is 1..max visible ASCII characters; an
 * interface name is what the kernel accepts (dev_valid_name); a UUID is
 * 8-4-4-4-12 hex digits. */
bool conf_valid_name(const char *s, size_t max);
bool conf_valid_ifname(const char *s);
bool conf_valid_uuid(const char *s);

/* Looks a network or VM up by name; NULL when absent. A VM is found
 * through the lookup tables, in O(1) expected. */
const struct conf_network *conf_find_network(const struct conf *conf, const char *name);
const struct conf_vm *conf_find_vm(const struct conf *conf, const char *name);

#endif
