#include "countfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "lines.h"

#define HEADER "vsacct-counters 1"
#define MAX_FILE (256u << 20)
#define LINE_MAX_LEN 1024
#define NET_FIELDS 9  /* net NAME BRIDGE + 6 numbers */
#define VNIC_FIELDS 15 /* vnic VM MAC IFINDEX + 10 numbers + NET */

static int write_net(FILE *fp, const struct inv_net *net)
{
	struct acct_net_saved a;
	acct_net_save(&net->acct, &a);
	return fprintf(fp, "net %s %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		       net->name, net->bridge, a.carried.bytes, a.carried.packets, a.group.bytes,
		       a.group.packets, a.malformed, a.drops) < 0 ? -1 : 0;
}

static int write_vnic(FILE *fp, const struct inv_vnic *v)
{
	struct acct_port_saved saved;
	const struct acct_port_saved *p = &saved;
	acct_port_save(&v->acct, &saved);
	char mac[MAC_STRLEN];
	return fprintf(fp, "vnic %s %s %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		       " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\n",
		       v->vm->name, mac_format(v->mac, mac), v->host_ifindex, p->sent.bytes,
		       p->sent.packets, p->rx_unicast.bytes, p->rx_unicast.packets, p->rx_carried.bytes,
		       p->rx_carried.packets, p->group_base.bytes, p->group_base.packets,
		       p->group_sent_own.bytes, p->group_sent_own.packets,
		       v->net ? v->net->name : "-") < 0 ? -1 : 0;
}

static int write_all(FILE *fp, void *ctx)
{
	const struct inventory *inv = ctx;
	if (fprintf(fp, "%s\n", HEADER) < 0)
		return -1;
	for (size_t i = 0; i < inventory_net_count(inv); i++)
		if (write_net(fp, inventory_net(inv, i)) < 0)
			return -1;
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		const struct inv_vm *vm = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics; j++)
			if (write_vnic(fp, &vm->vnics[j]) < 0)
				return -1;
	}
	return 0;
}

int countfile_save(const struct inventory *inv, const char *path)
{
	return fileio_write_atomic(path, write_all, (void *)inv);
}

/* --- reading: parse all, then apply, so a bad file changes nothing --- */

struct saved_net {
	char name[CONF_NAME_MAX + 1];
	char bridge[CONF_IFNAME_MAX + 1];
	struct acct_net_saved acct;
};

struct saved_vnic {
	char vm[CONF_NAME_MAX + 1];
	uint8_t mac[MAC_LEN];
	int ifindex;
	struct acct_port_saved port;
	char net[CONF_NAME_MAX + 1]; /* "" for none */
};

struct saved {
	struct saved_net *nets;
	size_t nnets;
	struct saved_vnic *vnics;
	size_t nvnics;
};

static int parse_u64(const char *s, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno)
		return -1;
	*out = v;
	return 0;
}

static int parse_numbers(char **words, int n, uint64_t *out)
{
	for (int i = 0; i < n; i++)
		if (parse_u64(words[i], &out[i]) < 0)
			return -1;
	return 0;
}

static int copy_word(char *dst, size_t size, const char *word)
{
	size_t n = strlen(word);
	if (n == 0 || n >= size)
		return -1;
	memcpy(dst, word, n + 1);
	return 0;
}

static const char *parse_line(struct saved *s, char *line)
{
	char *words[VNIC_FIELDS];
	int n = lines_words(line, " ", '\0', words, VNIC_FIELDS);
	if (n > VNIC_FIELDS)
		return "too many fields";
	uint64_t v[10];
	if (n == NET_FIELDS && !strcmp(words[0], "net")) {
		struct saved_net *net = &s->nets[s->nnets];
		if (copy_word(net->name, sizeof net->name, words[1]) < 0 ||
		    copy_word(net->bridge, sizeof net->bridge, words[2]) < 0)
			return "bad name or bridge";
		if (parse_numbers(words + 3, 6, v) < 0)
			return "bad number";
		net->acct = (struct acct_net_saved){ { v[0], v[1] }, { v[2], v[3] }, v[4], v[5] };
		s->nnets++;
		return NULL;
	}
	if (n == VNIC_FIELDS && !strcmp(words[0], "vnic")) {
		struct saved_vnic *vn = &s->vnics[s->nvnics];
		uint64_t ifindex;
		if (copy_word(vn->vm, sizeof vn->vm, words[1]) < 0 || mac_parse(words[2], vn->mac) < 0)
			return "bad VM name or MAC";
		if ((words[3][0] == '-' ? -1 : parse_u64(words[3], &ifindex)) < 0 || ifindex > INT32_MAX)
			return "bad ifindex";
		if (parse_numbers(words + 4, 10, v) < 0)
			return "bad number";
		vn->ifindex = (int)ifindex;
		vn->port = (struct acct_port_saved){ { v[0], v[1] }, { v[2], v[3] }, { v[4], v[5] },
						     { v[6], v[7] }, { v[8], v[9] } };
		if (strcmp(words[14], "-") && copy_word(vn->net, sizeof vn->net, words[14]) < 0)
			return "bad network name";
		s->nvnics++;
		return NULL;
	}
	return "not a net or vnic entry";
}

static int parse(struct saved *s, const char *text, size_t len, char *err, size_t errlen)
{
	/* Each entry is a line: the line count bounds the arrays. */
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	s->nets = calloc(lines, sizeof *s->nets);
	s->vnics = calloc(lines, sizeof *s->vnics);
	if (!s->nets || !s->vnics) {
		snprintf(err, errlen, "0: out of memory");
		return -1;
	}
	char buf[LINE_MAX_LEN + 1];
	struct lines lr;
	lines_init(&lr, text, len, buf, LINE_MAX_LEN, 0);
	char *line;
	enum lines_result r;
	while ((r = lines_next(&lr, &line)) != LINES_END) {
		const char *why;
		if (r == LINES_TOO_LONG)
			why = "line too long";
		else if (r == LINES_NUL)
			why = "NUL byte";
		else if (lr.number == 1)
			why = strcmp(line, HEADER) ? "not a vsacct counters file" : NULL;
		else
			why = parse_line(s, line);
		if (why) {
			snprintf(err, errlen, "%u: %s", lr.number, why);
			return -1;
		}
	}
	if (lr.number == 0) {
		snprintf(err, errlen, "1: empty file");
		return -1;
	}
	return 0;
}

static const struct saved_net *saved_net(const struct saved *s, const char *name)
{
	for (size_t i = 0; i < s->nnets; i++)
		if (!strcmp(s->nets[i].name, name))
			return &s->nets[i];
	return NULL;
}

/* The network of inv a saved vNIC's network was restored into, or NULL. */
static struct inv_net *restored_net(const struct inventory *inv, const struct saved *s,
				    const char *name)
{
	const struct saved_net *sn = *name ? saved_net(s, name) : NULL;
	struct inv_net *net = sn ? inventory_net_by_name(inv, name) : NULL;
	return net && !strcmp(net->bridge, sn->bridge) ? net : NULL;
}

static void apply(struct inventory *inv, const struct saved *s)
{
	for (size_t i = 0; i < s->nnets; i++) {
		struct inv_net *net = restored_net(inv, s, s->nets[i].name);
		if (!net)
			continue;
		acct_net_restore(&net->acct, &s->nets[i].acct);
	}
	/* The networks' group totals jumped: every vNIC on one of them joins
	 * it afresh, as if attached now; the saved ones are restored below. */
	for (size_t i = 0; i < inventory_vm_count(inv); i++) {
		struct inv_vm *vm = inventory_vm(inv, i);
		for (size_t j = 0; j < vm->nvnics; j++)
			acct_port_rejoin(&vm->vnics[j].acct);
	}
	for (size_t i = 0; i < s->nvnics; i++) {
		const struct saved_vnic *sv = &s->vnics[i];
		struct inv_vnic *vnic = inventory_vnic_by_mac(inv, sv->mac);
		if (!vnic || strcmp(vnic->vm->name, sv->vm))
			continue;
		/* Its host interface is not the one it had at the save: the
		 * VM restarted while we were away (or started, or stopped),
		 * whatever its state then. Its counters rightly start at 0. */
		if (sv->ifindex != vnic->host_ifindex)
			continue;
		struct inv_net *net = restored_net(inv, s, sv->net);
		const struct saved_net *was = *sv->net ? saved_net(s, sv->net) : NULL;
		acct_port_restore(&vnic->acct, &sv->port, was ? &was->acct : NULL,
				  net ? &net->acct : NULL);
	}
}

int countfile_restore(struct inventory *inv, const char *text, size_t len, char *err, size_t errlen)
{
	struct saved s = { 0 };
	int rc = parse(&s, text, len, err, errlen);
	if (rc == 0)
		apply(inv, &s);
	free(s.nets);
	free(s.vnics);
	return rc;
}

int countfile_load(struct inventory *inv, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	if (fileio_read(path, MAX_FILE, &text, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char why[256];
	int rc = countfile_restore(inv, text, len, why, sizeof why);
	free(text);
	if (rc < 0)
		snprintf(err, errlen, "%s:%s", path, why);
	return rc;
}
