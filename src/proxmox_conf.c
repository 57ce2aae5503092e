#include "proxmox_conf.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A value vsacct reads is short; longer ones (a description, a disk's
 * options) are only skipped, never copied. */
#define VALUE_MAX 512
#define KEY_MAX 64
/* Keys the parser remembers to refuse a second one: netN, and these. */
enum seen_key { SEEN_NAME, SEEN_SMBIOS, SEEN_VMSTATE, SEEN_COUNT };

struct span {
	const char *p;
	size_t n;
};

static int fail(struct proxmox_error *err, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct proxmox_error *err, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err->line = line;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static struct span trim(struct span s)
{
	while (s.n && isspace((unsigned char)s.p[0]))
		s.p++, s.n--;
	while (s.n && isspace((unsigned char)s.p[s.n - 1]))
		s.n--;
	return s;
}

/* Copies s into out (size bytes) when it fits. */
static bool span_copy(struct span s, char *out, size_t size)
{
	if (s.n >= size)
		return false;
	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	return true;
}

/* Proxmox's booleans (PVE::JSONSchema): 1/0, on/off, yes/no, true/false. */
static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return *out = true, 0;
		if (!strcasecmp(v, no[i]))
			return *out = false, 0;
	}
	return -1;
}

/* A decimal number lo..hi without sign or leading zero. */
static int parse_uint(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	if (!*v || (v[0] == '0' && v[1]) || strlen(v) > 10)
		return -1;
	unsigned long n = 0;
	for (const char *c = v; *c; c++) {
		if (!isdigit((unsigned char)*c))
			return -1;
		n = n * 10 + (unsigned long)(*c - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* QEMU's NIC models (qm.conf(5)): MODEL=MAC names one. */
static bool qemu_model(const char *s)
{
	static const char *const models[] = {
		"e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e",
		"i82551", "i82557b", "i82559er", "ne2k_isa", "ne2k_pci", "pcnet",
		"rtl8139", "virtio", "vmxnet3",
	};
	for (size_t i = 0; i < sizeof models / sizeof *models; i++)
		if (!strcmp(s, models[i]))
			return true;
	return false;
}

/* One netN value: comma-separated KEY=VALUE items (a QEMU NIC's first may
 * be a bare model). */
static int parse_nic(enum proxmox_kind kind, unsigned line, const char *value,
		     struct proxmox_nic *nic, struct proxmox_error *err)
{
	bool have_mac = false;
	char item[VALUE_MAX];
	const char *p = value;
	for (unsigned i = 0; *p; i++) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (!span_copy((struct span){ p, n }, item, sizeof item))
			return fail(err, line, "net%u: option too long", nic->n);
		p += n + (comma != NULL);
		char *eq = strchr(item, '=');
		const char *k = item, *v = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		if (!eq) {
			/* "virtio" alone: the model, whose MAC comes as macaddr=. */
			if (kind == PROXMOX_QEMU && i == 0 && qemu_model(item))
				continue;
			return fail(err, line, "net%u: '%.40s' is not KEY=VALUE", nic->n, item);
		}
		bool is_mac = kind == PROXMOX_QEMU ? !strcmp(k, "macaddr") || qemu_model(k)
						   : !strcmp(k, "hwaddr");
		unsigned long tag;
		if (is_mac) {
			if (have_mac)
				return fail(err, line, "net%u: two MAC addresses", nic->n);
			if (mac_parse(v, nic->mac) < 0)
				return fail(err, line, "net%u: '%.40s' is not a MAC address", nic->n, v);
			if (mac_is_group(nic->mac))
				return fail(err, line, "net%u: %s is a multicast address", nic->n, v);
			have_mac = true;
		} else if (!strcmp(k, "bridge")) {
			if (!conf_valid_ifname(v))
				return fail(err, line, "net%u: '%.40s' is not a bridge name", nic->n, v);
			strcpy(nic->bridge, v);
		} else if (!strcmp(k, "tag")) {
			if (parse_uint(v, 1, 4094, &tag) < 0)
				return fail(err, line, "net%u: tag '%.40s' is not a VLAN (1-4094)", nic->n, v);
			nic->tag = (uint16_t)tag;
		} else if (!strcmp(k, "firewall") || !strcmp(k, "link_down")) {
			bool *flag = k[0] == 'f' ? &nic->firewall : &nic->link_down;
			if (parse_bool(v, flag) < 0)
				return fail(err, line, "net%u: %s '%.40s' is not a boolean", nic->n, k, v);
		}
		/* model=, mtu=, rate=, ip=, …: Proxmox's, not vsacct's. */
	}
	if (!have_mac)
		return fail(err, line, "net%u: no MAC address (%s)", nic->n,
			    kind == PROXMOX_QEMU ? "MODEL=MAC or macaddr=" : "hwaddr=");
	return 0;
}

/* smbios1: the uuid= among its items. */
static int parse_smbios(unsigned line, const char *value, struct proxmox_guest *g,
			struct proxmox_error *err)
{
	for (const char *p = value; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n > 5 && !strncmp(p, "uuid=", 5)) {
			char uuid[CONF_UUID_LEN + 2];
			if (!span_copy((struct span){ p + 5, n - 5 }, uuid, sizeof uuid) ||
			    !conf_valid_uuid(uuid))
				return fail(err, line, "smbios1: uuid is not a UUID");
			for (int i = 0; uuid[i]; i++)
				g->uuid[i] = (char)tolower((unsigned char)uuid[i]);
			g->uuid[CONF_UUID_LEN] = '\0';
		}
		p += n + (comma != NULL);
	}
	return 0;
}

/* Keeps nics in netN order: the domain's vNICs keep theirs. */
static void insert_nic(struct proxmox_guest *g, const struct proxmox_nic *nic)
{
	size_t at = g->nnics;
	while (at && g->nics[at - 1].n > nic->n) {
		g->nics[at] = g->nics[at - 1];
		at--;
	}
	g->nics[at] = *nic;
	g->nnics++;
}

/* "key: value" of the current configuration. */
static int parse_entry(enum proxmox_kind kind, unsigned line, const char *key, const char *value,
		       struct proxmox_guest *g, bool seen[SEEN_COUNT], uint32_t *nets_seen,
		       struct proxmox_error *err)
{
	unsigned long n;
	if (!strncmp(key, "net", 3) && parse_uint(key + 3, 0, PROXMOX_MAX_NICS - 1, &n) == 0) {
		if (*nets_seen & (UINT32_C(1) << n))
			return fail(err, line, "%s given twice", key);
		*nets_seen |= UINT32_C(1) << n;
		struct proxmox_nic nic = { .n = (unsigned)n };
		if (parse_nic(kind, line, value, &nic, err) < 0)
			return -1;
		if (*nic.bridge)
			insert_nic(g, &nic);
		return 0;
	}
	const char *name_key = kind == PROXMOX_QEMU ? "name" : "hostname";
	enum seen_key which = !strcmp(key, name_key) ? SEEN_NAME
			      : kind == PROXMOX_QEMU && !strcmp(key, "smbios1") ? SEEN_SMBIOS
			      : kind == PROXMOX_QEMU && !strcmp(key, "vmstate") ? SEEN_VMSTATE
			      : SEEN_COUNT;
	if (which == SEEN_COUNT)
		return 0; /* Proxmox's own */
	if (seen[which])
		return fail(err, line, "%s given twice", key);
	seen[which] = true;
	switch (which) {
	case SEEN_NAME:
		if (!conf_valid_name(value, CONF_NAME_MAX))
			return fail(err, line, "%s: not a name (visible ASCII, 255 at most)", key);
		strcpy(g->name, value);
		return 0;
	case SEEN_SMBIOS:
		return parse_smbios(line, value, g, err);
	default:
		g->hibernated = true;
		return 0;
	}
}

/* Splits a line of the current configuration into key and value:
 * "key: value", and for a container also "lxc.key = value" (raw LXC
 * settings). The value is never empty. */
static int split_entry(enum proxmox_kind kind, unsigned line, struct span s, char key[KEY_MAX],
		       char value[VALUE_MAX], bool *long_value, struct proxmox_error *err)
{
	size_t k = 0;
	bool raw = kind == PROXMOX_LXC && s.n > 4 && !strncmp(s.p, "lxc.", 4);
	while (k < s.n && (islower((unsigned char)s.p[k]) || isdigit((unsigned char)s.p[k]) ||
			   s.p[k] == '_' || (raw && strchr(".-", s.p[k]))))
		k++;
	if (k == 0 || !islower((unsigned char)s.p[0]) || k >= KEY_MAX)
		return fail(err, line, "not a 'key: value' line");
	struct span rest = trim((struct span){ s.p + k, s.n - k });
	if (!rest.n || (rest.p[0] != ':' && !(raw && rest.p[0] == '=')))
		return fail(err, line, "not a 'key: value' line");
	memcpy(key, s.p, k);
	key[k] = '\0';
	struct span v = trim((struct span){ rest.p + 1, rest.n - 1 });
	if (!v.n && !raw)
		return fail(err, line, "%s: no value", key);
	*long_value = !span_copy(v, value, VALUE_MAX);
	if (*long_value)
		value[0] = '\0';
	return 0;
}

int proxmox_parse(enum proxmox_kind kind, const char *text, size_t len,
		  struct proxmox_guest *out, struct proxmox_error *err)
{
	memset(out, 0, sizeof *out);
	out->kind = kind;
	bool seen[SEEN_COUNT] = { false };
	uint32_t nets_seen = 0;
	unsigned line = 0;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		struct span s = trim((struct span){ text + at, n });
		at += n + 1;
		line++;
		if (memchr(s.p, '\0', s.n))
			return fail(err, line, "NUL byte in line");
		if (!s.n || s.p[0] == '#')
			continue; /* blank, or the description */
		if (s.p[0] == '[')
			break; /* a snapshot, [PENDING], [special:…]: not current */
		char key[KEY_MAX], value[VALUE_MAX];
		bool long_value = false;
		if (split_entry(kind, line, s, key, value, &long_value, err) < 0)
			return -1;
		if (!strncmp(key, "lxc.", 4))
			continue;
		/* Only values vsacct does not read may be long. */
		bool ours = !strncmp(key, "net", 3) || !strcmp(key, "name") ||
			    !strcmp(key, "hostname") || !strcmp(key, "smbios1");
		if (long_value && ours)
			return fail(err, line, "%s: value longer than %d characters", key, VALUE_MAX - 1);
		if (parse_entry(kind, line, key, value, out, seen, &nets_seen, err) < 0)
			return -1;
	}
	return 0;
}

int proxmox_vmid_of(const char *filename, uint32_t *vmid)
{
	const char *dot = strrchr(filename, '.');
	char digits[12];
	unsigned long n;
	if (!dot || strcmp(dot, ".conf") ||
	    !span_copy((struct span){ filename, (size_t)(dot - filename) }, digits, sizeof digits) ||
	    parse_uint(digits, PROXMOX_VMID_MIN, PROXMOX_VMID_MAX, &n) < 0)
		return -1;
	*vmid = (uint32_t)n;
	return 0;
}

int proxmox_ifname(enum proxmox_kind kind, uint32_t vmid, unsigned n,
		   char out[CONF_IFNAME_MAX + 1])
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%s%" PRIu32 "i%u", kind == PROXMOX_QEMU ? "tap" : "veth",
			   vmid, n);
	if (len < 0 || len > CONF_IFNAME_MAX)
		return -1;
	strcpy(out, buf);
	return 0;
}

int proxmox_row_name(uint32_t vmid, const struct proxmox_guest *g, char out[CONF_NAME_MAX + 1])
{
	char buf[CONF_NAME_MAX + 32];
	if (*g->name)
		snprintf(buf, sizeof buf, "%" PRIu32 "/%s", vmid, g->name);
	else
		snprintf(buf, sizeof buf, "%" PRIu32 "/%s%" PRIu32, vmid,
			 g->kind == PROXMOX_QEMU ? "VM" : "CT", vmid);
	if (!conf_valid_name(buf, CONF_NAME_MAX))
		return -1;
	strcpy(out, buf);
	return 0;
}
