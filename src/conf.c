#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "hashidx.h"
#include "lines.h"

#define MAX_WORDS 8
#define MAX_VNICS_PER_VM 65535 /* vsVnicIndex is 1..65535 */

/* Positions in conf->vms and conf->vnics, so that a line's checks cost
 * O(1), not a scan of the lines before it. Only vNICs with an interface
 * name are in vnic_by_ifname. */
struct conf_lookup {
	struct hashidx vm_by_name, vnic_by_mac, vnic_by_ifname;
};

struct line_ctx {
	const char *file;
	unsigned lineno;
	const char *token;
	struct conf_error *err;
};

static int fail(const struct line_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(const struct line_ctx *ctx, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	/* Precisions keep the message within CONF_ERROR_MAX. */
	snprintf(ctx->err->msg, sizeof ctx->err->msg, "%.900s:%u: %.64s%s%s",
		 ctx->file, ctx->lineno, ctx->token, *ctx->token ? ": " : "", why);
	return -1;
}

struct conf *conf_new(void)
{
	struct conf *conf = calloc(1, sizeof *conf);
	if (!conf || !(conf->lookup = calloc(1, sizeof *conf->lookup))) {
		free(conf);
		return NULL;
	}
	conf->capture_buffer = CONF_DEFAULT_CAPTURE_BUFFER;
	strcpy(conf->state_dir, CONF_DEFAULT_STATE_DIR);
	conf->save_interval = CONF_DEFAULT_SAVE_INTERVAL;
	strcpy(conf->bpf_pin_dir, CONF_DEFAULT_BPF_PIN_DIR);
	return conf;
}

void conf_free(struct conf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->n_foreign; i++)
		free(conf->foreign[i].text);
	free(conf->foreign);
	free(conf->networks);
	free(conf->vms);
	free(conf->vnics);
	free(conf->pidfiles);
	if (conf->lookup) {
		hashidx_free(&conf->lookup->vm_by_name);
		hashidx_free(&conf->lookup->vnic_by_mac);
		hashidx_free(&conf->lookup->vnic_by_ifname);
		free(conf->lookup);
	}
	free(conf);
}

/* Appends one zeroed element to a growing array; NULL when out of memory. */
static void *array_push(void *arrayp, size_t *count, size_t size)
{
	void **array = arrayp;
	size_t n = *count;
	/* Grow at powers of two so n pushes cost O(n). */
	if ((n & (n - 1)) == 0) {
		void *grown = realloc(*array, (n ? 2 * n : 1) * size);
		if (!grown)
			return NULL;
		*array = grown;
	}
	void *slot = (char *)*array + n * size;
	memset(slot, 0, size);
	*count = n + 1;
	return slot;
}

bool conf_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

bool conf_valid_ifname(const char *s)
{
	if (!conf_valid_name(s, CONF_IFNAME_MAX) || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return strpbrk(s, "/:") == NULL;
}

bool conf_valid_uuid(const char *s)
{
	if (strlen(s) != CONF_UUID_LEN)
		return false;
	for (int i = 0; i < CONF_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* Where VM name (of the given hash) is in conf->vms; HASHIDX_NONE if absent. */
static size_t find_vm(const struct conf *conf, const char *name, uint64_t hash)
{
	const struct hashidx *idx = &conf->lookup->vm_by_name;
	struct hashidx_iter it;
	for (size_t i = hashidx_first(idx, hash, &it); i != HASHIDX_NONE; i = hashidx_next(idx, &it))
		if (!strcmp(conf->vms[i].name, name))
			return i;
	return HASHIDX_NONE;
}

/* Where the vNIC with mac is in conf->vnics; HASHIDX_NONE if none. */
static size_t find_vnic_mac(const struct conf *conf, const uint8_t mac[MAC_LEN], uint64_t hash)
{
	const struct hashidx *idx = &conf->lookup->vnic_by_mac;
	struct hashidx_iter it;
	for (size_t i = hashidx_first(idx, hash, &it); i != HASHIDX_NONE; i = hashidx_next(idx, &it))
		if (!memcmp(conf->vnics[i].mac, mac, MAC_LEN))
			return i;
	return HASHIDX_NONE;
}

/* Where the vNIC named ifname is in conf->vnics; HASHIDX_NONE if none. */
static size_t find_vnic_ifname(const struct conf *conf, const char *ifname, uint64_t hash)
{
	const struct hashidx *idx = &conf->lookup->vnic_by_ifname;
	struct hashidx_iter it;
	for (size_t i = hashidx_first(idx, hash, &it); i != HASHIDX_NONE; i = hashidx_next(idx, &it))
		if (!strcmp(conf->vnics[i].ifname, ifname))
			return i;
	return HASHIDX_NONE;
}

static int want_args(const struct line_ctx *ctx, int nargs, int min, int max,
		     const char *usage)
{
	if (nargs < min || nargs > max)
		return fail(ctx, "%s arguments; usage: %s",
			    nargs < min ? "missing" : "too many", usage);
	return 0;
}

int conf_parse_vlan(const char *word, uint16_t *vlan)
{
	if (strncasecmp(word, "vlan=", 5) != 0)
		return -1;
	const char *digits = word + 5;
	char *end;
	errno = 0;
	unsigned long n = strtoul(digits, &end, 10);
	if (!isdigit((unsigned char)digits[0]) || digits[0] == '0' || *end || errno || n > CONF_VLAN_MAX)
		return -1;
	*vlan = (uint16_t)n;
	return 0;
}

static int parse_network(struct conf *conf, const struct line_ctx *ctx,
			 char **args, int nargs)
{
	if (want_args(ctx, nargs, 2, 3, "network NAME BRIDGE [vlan=N]") < 0)
		return -1;
	if (!conf_valid_name(args[0], CONF_NAME_MAX))
		return fail(ctx, "'%.64s' is not a valid network name", args[0]);
	if (!conf_valid_ifname(args[1]))
		return fail(ctx, "'%.64s' is not a valid bridge interface name", args[1]);
	uint16_t vlan = 0;
	if (nargs == 3 && conf_parse_vlan(args[2], &vlan) < 0)
		return fail(ctx, "'%.64s' is not vlan=N (N from 1 to %d)", args[2], CONF_VLAN_MAX);
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct conf_network *other = &conf->networks[i];
		if (!strcmp(other->name, args[0]))
			return fail(ctx, "network '%.64s' is already defined", args[0]);
		if (!strcmp(other->bridge, args[1]) && other->vlan == vlan) {
			if (vlan)
				return fail(ctx, "VLAN %u of bridge '%s' already belongs to network '%.64s'",
					    vlan, args[1], other->name);
			return fail(ctx, "bridge '%s' already belongs to network '%.64s'",
				    args[1], other->name);
		}
	}
	struct conf_network *net = array_push(&conf->networks, &conf->n_networks, sizeof *net);
	if (!net)
		return fail(ctx, "out of memory");
	strcpy(net->name, args[0]);
	strcpy(net->bridge, args[1]);
	net->vlan = vlan;
	return 0;
}

static int parse_vm(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 3, "vm NAME [uuid=UUID] [pidfile=PATH]") < 0)
		return -1;
	if (!conf_valid_name(args[0], CONF_NAME_MAX))
		return fail(ctx, "'%.64s' is not a valid VM name", args[0]);
	uint64_t hash = hashidx_string(args[0]);
	if (find_vm(conf, args[0], hash) != HASHIDX_NONE)
		return fail(ctx, "VM '%.64s' is already defined", args[0]);
	const char *uuid = "", *pidfile = NULL;
	for (int i = 1; i < nargs; i++) {
		if (!strncasecmp(args[i], "uuid=", 5) && !*uuid) {
			uuid = args[i] + 5;
			if (!conf_valid_uuid(uuid))
				return fail(ctx, "'%.64s' is not a UUID (8-4-4-4-12 hex digits)", uuid);
		} else if (!strncasecmp(args[i], "pidfile=", 8) && !pidfile) {
			pidfile = args[i] + 8;
			if (*pidfile != '/' || strlen(pidfile) >= CONF_PATH_MAX)
				return fail(ctx, "'%.64s' is not an absolute path", pidfile);
		} else {
			return fail(ctx, "unknown option '%.64s'; usage: vm NAME [uuid=UUID] [pidfile=PATH]",
				    args[i]);
		}
	}
	struct conf_pidfile *pf = NULL;
	if (pidfile && !(pf = array_push(&conf->pidfiles, &conf->n_pidfiles, sizeof *pf)))
		return fail(ctx, "out of memory");
	struct hashidx *by_name = &conf->lookup->vm_by_name;
	struct conf_vm *vm;
	if (hashidx_reserve(by_name, by_name->n + 1) < 0 ||
	    !(vm = array_push(&conf->vms, &conf->n_vms, sizeof *vm)))
		return fail(ctx, "out of memory");
	strcpy(vm->name, args[0]);
	for (int i = 0; uuid[i]; i++)
		vm->uuid[i] = (char)tolower((unsigned char)uuid[i]);
	if (pf) {
		pf->vm_index = conf->n_vms - 1;
		strcpy(pf->path, pidfile);
	}
	hashidx_add(by_name, hash, conf->n_vms - 1);
	return 0;
}

static int parse_vnic(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 2, 3, "vnic VM MAC [HOST-IFNAME]") < 0)
		return -1;
	size_t vm = find_vm(conf, args[0], hashidx_string(args[0]));
	if (vm == HASHIDX_NONE)
		return fail(ctx, "VM '%.64s' is not defined (a 'vm' line must come first)", args[0]);
	uint8_t mac[MAC_LEN];
	if (mac_parse(args[1], mac) < 0)
		return fail(ctx, "'%.64s' is not a MAC address", args[1]);
	if (mac_is_group(mac))
		return fail(ctx, "'%s' is a multicast address, not a vNIC's", args[1]);
	const char *ifname = nargs == 3 ? args[2] : "";
	if (*ifname && !conf_valid_ifname(ifname))
		return fail(ctx, "'%.64s' is not a valid interface name", ifname);
	/* When the MAC and the name clash with different vNICs, the earlier is
	 * blamed (HASHIDX_NONE is the greatest size_t), the MAC when they are
	 * one: the error a scan in line order would give. */
	struct conf_lookup *lk = conf->lookup;
	uint64_t mac_hash = mac_key(mac), ifname_hash = *ifname ? hashidx_string(ifname) : 0;
	size_t same_mac = find_vnic_mac(conf, mac, mac_hash);
	size_t same_ifname = *ifname ? find_vnic_ifname(conf, ifname, ifname_hash) : HASHIDX_NONE;
	if (same_mac != HASHIDX_NONE && same_mac <= same_ifname)
		return fail(ctx, "MAC %s already belongs to VM '%.64s'", args[1],
			    conf->vms[conf->vnics[same_mac].vm_index].name);
	if (same_ifname != HASHIDX_NONE)
		return fail(ctx, "interface '%s' already belongs to VM '%.64s'", ifname,
			    conf->vms[conf->vnics[same_ifname].vm_index].name);
	if (conf->vms[vm].n_vnics >= MAX_VNICS_PER_VM)
		return fail(ctx, "VM '%.64s' has %d vNICs already", args[0], MAX_VNICS_PER_VM);
	struct conf_vnic *vnic;
	if (hashidx_reserve(&lk->vnic_by_mac, lk->vnic_by_mac.n + 1) < 0 ||
	    (*ifname && hashidx_reserve(&lk->vnic_by_ifname, lk->vnic_by_ifname.n + 1) < 0) ||
	    !(vnic = array_push(&conf->vnics, &conf->n_vnics, sizeof *vnic)))
		return fail(ctx, "out of memory");
	vnic->vm_index = vm;
	memcpy(vnic->mac, mac, MAC_LEN);
	strcpy(vnic->ifname, ifname);
	conf->vms[vm].n_vnics++;
	hashidx_add(&lk->vnic_by_mac, mac_hash, conf->n_vnics - 1);
	if (*ifname)
		hashidx_add(&lk->vnic_by_ifname, ifname_hash, conf->n_vnics - 1);
	return 0;
}

/* SIZE: a byte count with an optional k, m or g suffix (powers of 1024). */
static int parse_capture_buffer(struct conf *conf, const struct line_ctx *ctx,
				char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 1, "captureBuffer SIZE[k|m|g]") < 0)
		return -1;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(args[0], &end, 10);
	unsigned shift = 0;
	if (*end && !end[1]) {
		switch (tolower((unsigned char)*end)) {
		case 'k': shift = 10; end++; break;
		case 'm': shift = 20; end++; break;
		case 'g': shift = 30; end++; break;
		}
	}
	if (!isdigit((unsigned char)args[0][0]) || *end || errno || n > (CONF_MAX_CAPTURE_BUFFER >> shift))
		return fail(ctx, "'%.64s' is not a size up to 1g", args[0]);
	n <<= shift;
	if (n < CONF_MIN_CAPTURE_BUFFER)
		return fail(ctx, "'%.64s' is smaller than 1m", args[0]);
	conf->capture_buffer = (size_t)n;
	return 0;
}

/* An absolute path without blanks (the line's words are blank-separated). */
static int parse_path(const struct line_ctx *ctx, const char *arg, char out[CONF_PATH_MAX],
		      const char *what)
{
	if (arg[0] != '/' || strlen(arg) >= CONF_PATH_MAX)
		return fail(ctx, "'%.64s' is not an absolute path to %s", arg, what);
	strcpy(out, arg);
	return 0;
}

static int parse_state_dir(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 1, "stateDir DIR") < 0)
		return -1;
	return parse_path(ctx, args[0], conf->state_dir, "a directory");
}

static int parse_save_interval(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 1, "saveInterval SECONDS") < 0)
		return -1;
	char *end;
	errno = 0;
	unsigned long n = strtoul(args[0], &end, 10);
	if (args[0][0] < '0' || args[0][0] > '9' || *end || errno || n < 1 || n > 86400)
		return fail(ctx, "'%.64s' is not a number of seconds from 1 to 86400", args[0]);
	conf->save_interval = (unsigned)n;
	return 0;
}

static int parse_count_method(struct conf *conf, const struct line_ctx *ctx, char **args,
			      int nargs)
{
	if (want_args(ctx, nargs, 1, 1, "countMethod pcap|ebpf") < 0)
		return -1;
	if (!strcmp(args[0], "pcap"))
		conf->count_method = CONF_COUNT_PCAP;
	else if (!strcmp(args[0], "ebpf"))
		conf->count_method = CONF_COUNT_EBPF;
	else
		return fail(ctx, "'%.64s' is not a counting method (pcap or ebpf)", args[0]);
	return 0;
}

static int parse_bpf_pin_dir(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 1, "bpfPinDir DIR") < 0)
		return -1;
	return parse_path(ctx, args[0], conf->bpf_pin_dir, "a directory on a bpf file system");
}

static int parse_bpf_attach(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 1, "bpfAttach auto|tc") < 0)
		return -1;
	if (!strcmp(args[0], "auto"))
		conf->bpf_attach = CONF_BPF_ATTACH_AUTO;
	else if (!strcmp(args[0], "tc"))
		conf->bpf_attach = CONF_BPF_ATTACH_TC;
	else
		return fail(ctx, "'%.64s' is not a way to attach (auto or tc)", args[0]);
	return 0;
}

static int parse_user(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 1, "user USER") < 0)
		return -1;
	if (!conf_valid_name(args[0], 32))
		return fail(ctx, "'%.64s' is not a user name", args[0]);
	strcpy(conf->user, args[0]);
	return 0;
}

const char *const conf_source_kinds[] = { "libvirt", "proxmox", NULL };

static bool known_source(const char *kind)
{
	for (size_t i = 0; conf_source_kinds[i]; i++)
		if (!strcmp(conf_source_kinds[i], kind))
			return true;
	return false;
}

/* The argument's meaning (a URI, a directory) is the source's to check
 * when it starts. */
static int parse_discover(struct conf *conf, const struct line_ctx *ctx, char **args, int nargs)
{
	if (want_args(ctx, nargs, 1, 3, "discover KIND [ARG] [run=DIR]") < 0)
		return -1;
	if (!known_source(args[0])) {
		char known[64] = "";
		for (size_t i = 0; conf_source_kinds[i]; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
				 i ? ", " : "", conf_source_kinds[i]);
		return fail(ctx, "unknown discovery source '%.64s' (known: %s)", args[0], known);
	}
	for (size_t i = 0; i < conf->n_sources; i++)
		if (!strcmp(conf->sources[i].kind, args[0]))
			return fail(ctx, "discovery source '%s' given twice", args[0]);
	if (conf->n_sources == CONF_MAX_SOURCES)
		return fail(ctx, "more than %d discovery sources", CONF_MAX_SOURCES);
	/* run=DIR: where Proxmox VE's qemu-server keeps its run-time files. */
	bool proxmox = !strcmp(args[0], "proxmox");
	if (!proxmox && want_args(ctx, nargs, 1, 2, "discover KIND [ARG]") < 0)
		return -1;
	const char *arg = "", *run = "";
	for (int i = 1; i < nargs; i++) {
		if (proxmox && !strncmp(args[i], "run=", 4) && !*run)
			run = args[i] + 4;
		else if (i == 1)
			arg = args[i];
		else
			return fail(ctx, "unknown option '%.64s'; usage: discover %s", args[i],
				    proxmox ? "proxmox [DIR] [run=DIR]" : "KIND [ARG]");
	}
	if (strlen(arg) >= CONF_PATH_MAX)
		return fail(ctx, "argument longer than %d characters", CONF_PATH_MAX - 1);
	struct conf_source *src = &conf->sources[conf->n_sources];
	if (*run && parse_path(ctx, run, src->run_dir, "a directory") < 0)
		return -1;
	if (proxmox && *arg && parse_path(ctx, arg, src->arg, "a directory") < 0)
		return -1;
	conf->n_sources++;
	snprintf(src->kind, sizeof src->kind, "%s", args[0]);
	snprintf(src->arg, sizeof src->arg, "%s", arg);
	return 0;
}

static int keep_foreign(struct conf *conf, const struct line_ctx *ctx, const char *text)
{
	struct conf_foreign *f = array_push(&conf->foreign, &conf->n_foreign, sizeof *f);
	if (!f || !(f->text = strdup(text))) {
		if (f)
			conf->n_foreign--;
		return fail(ctx, "out of memory");
	}
	snprintf(f->file, sizeof f->file, "%s", ctx->file);
	f->line = ctx->lineno;
	return 0;
}

static const struct {
	const char *token;
	int (*parse)(struct conf *, const struct line_ctx *, char **, int);
} conf_tokens[] = {
	{ "network", parse_network },
	{ "vm", parse_vm },
	{ "vnic", parse_vnic },
	{ "captureBuffer", parse_capture_buffer },
	{ "stateDir", parse_state_dir },
	{ "saveInterval", parse_save_interval },
	{ "countMethod", parse_count_method },
	{ "bpfPinDir", parse_bpf_pin_dir },
	{ "bpfAttach", parse_bpf_attach },
	{ "user", parse_user },
	{ "discover", parse_discover },
};

/* One line's words, split in place: the token and its arguments. */
static int parse_words(struct conf *conf, struct line_ctx *ctx, char *line)
{
	char *words[MAX_WORDS];
	int nwords = lines_words(line, " \t\r", '#', words, MAX_WORDS);
	if (nwords > MAX_WORDS) {
		ctx->token = words[0];
		return fail(ctx, "too many words");
	}
	if (nwords == 0)
		return 0;

	ctx->token = words[0];
	for (size_t i = 0; i < sizeof conf_tokens / sizeof conf_tokens[0]; i++)
		if (!strcasecmp(words[0], conf_tokens[i].token))
			return conf_tokens[i].parse(conf, ctx, words + 1, nwords - 1);

	if (conf->is_foreign && conf->is_foreign(words[0])) {
		/* Net-SNMP gets the words alone: no comment, no CR. */
		char joined[CONF_LINE_MAX + 1] = "";
		for (int i = 0; i < nwords; i++) {
			if (i)
				strcat(joined, " ");
			strcat(joined, words[i]);
		}
		return keep_foreign(conf, ctx, joined);
	}
	return fail(ctx, "unknown token");
}

int conf_parse_line(struct conf *conf, const char *file, unsigned lineno,
		    const char *line, struct conf_error *err)
{
	struct line_ctx ctx = { file, lineno, "", err };
	size_t len = strlen(line);
	if (len > CONF_LINE_MAX)
		return fail(&ctx, "line longer than %d characters", CONF_LINE_MAX);
	char buf[CONF_LINE_MAX + 1];
	memcpy(buf, line, len + 1);
	return parse_words(conf, &ctx, buf);
}

int conf_parse_buffer(struct conf *conf, const char *file, const char *text,
		      size_t len, struct conf_error *err)
{
	char buf[CONF_LINE_MAX + 1];
	struct lines lr;
	lines_init(&lr, text, len, buf, CONF_LINE_MAX, LINES_CRLF);
	char *line;
	enum lines_result r;
	while ((r = lines_next(&lr, &line)) != LINES_END) {
		struct line_ctx ctx = { file, lr.number, "", err };
		if (r == LINES_TOO_LONG)
			return fail(&ctx, "line longer than %d characters", CONF_LINE_MAX);
		if (r == LINES_NUL)
			return fail(&ctx, "NUL byte in line");
		if (parse_words(conf, &ctx, line) < 0)
			return -1;
	}
	return 0;
}

int conf_parse_file(struct conf *conf, const char *path, struct conf_error *err)
{
	struct line_ctx ctx = { path, 0, "", err };
	char *text;
	size_t len;
	/* A configuration is lines of at most CONF_LINE_MAX: 64 MiB is plenty
	 * for 100,000 VMs and keeps a wrong path from eating memory. */
	if (fileio_read(path, 64u << 20, &text, &len) < 0)
		return fail(&ctx, "cannot %s: %s", errno == ENOENT || errno == EACCES ? "open" : "read",
			    strerror(errno));
	int rc = conf_parse_buffer(conf, path, text, len, err);
	free(text);
	return rc;
}

const struct conf_network *conf_find_network(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->n_networks; i++)
		if (!strcmp(conf->networks[i].name, name))
			return &conf->networks[i];
	return NULL;
}

const struct conf_vm *conf_find_vm(const struct conf *conf, const char *name)
{
	size_t i = find_vm(conf, name, hashidx_string(name));
	return i == HASHIDX_NONE ? NULL : &conf->vms[i];
}
