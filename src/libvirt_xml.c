#include "libvirt_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* Options: no network, no DTD loading, no entity substitution (libvirt's
 * XML has no DOCTYPE; one that does is refused after parsing), and no
 * messages on stderr: the error is taken from the context instead. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR)

static void set_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool is_element(const xmlNode *n, const char *name)
{
	/* Our elements carry no namespace: a <name> from someone's metadata
	 * namespace is not the domain's name. */
	return n->type == XML_ELEMENT_NODE && n->ns == NULL &&
	       !strcmp((const char *)n->name, name);
}

static const xmlNode *first_child(const xmlNode *parent, const char *name)
{
	for (const xmlNode *n = parent->children; n; n = n->next)
		if (is_element(n, name))
			return n;
	return NULL;
}

static const xmlNode *next_sibling(const xmlNode *node, const char *name)
{
	for (const xmlNode *n = node->next; n; n = n->next)
		if (is_element(n, name))
			return n;
	return NULL;
}

/* An attribute's value (no namespace), or NULL. Read from the tree in
 * place, nothing to free: without a DTD (refused) an attribute's value is
 * one text node, character and predefined entity references resolved. */
static const char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		if (a->ns || strcmp((const char *)a->name, name) != 0)
			continue;
		if (!a->children)
			return "";
		if (a->children->type != XML_TEXT_NODE || !a->children->content)
			return NULL;
		return (const char *)a->children->content;
	}
	return NULL;
}

/* The element's text into out (size bytes). Returns 0, or -1 when it is
 * longer, or holds anything but text (elements, entity references). */
static int text(const xmlNode *n, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			return -1;
		size_t add = strlen((const char *)c->content);
		if (add >= size - len)
			return -1;
		memcpy(out + len, c->content, add + 1);
		len += add;
	}
	return 0;
}

/* vsVmName is a DisplayString, and the configuration's names follow the
 * same rule: libvirt allows more (spaces, UTF-8); such a domain is refused
 * with a message rather than renamed, as a rename could collide with
 * another VM's name. */

/* Copies a device name, or leaves "" when there is none or it could not be
 * a Linux network device (vhost-user port names, say): such a device is
 * nothing a capture or a link event could find anyway. */
static void copy_ifname(char dst[CONF_IFNAME_MAX + 1], const char *src)
{
	dst[0] = '\0';
	if (src && conf_valid_ifname(src))
		strcpy(dst, src);
}

/* An attribute of the interface's <source> when the interface is of the
 * given type, or NULL. The live XML shows the type an interface actually
 * got (a network's interface as 'bridge' or 'direct' when the network
 * hands out a host bridge or macvtap), so the type alone says where to
 * look: <source bridge=> for 'bridge' and 'network', <source dev=> for
 * 'direct'. */
static const char *source_attr(const xmlNode *iface, const char *const types[], const char *name)
{
	const char *type = attr(iface, "type");
	const xmlNode *source = first_child(iface, "source");
	if (!type || !source)
		return NULL;
	for (; *types; types++)
		if (!strcmp(type, *types))
			return attr(source, name);
	return NULL;
}

static int parse_iface(const xmlNode *iface, size_t k, struct domain_vnic *out, char *err,
		       size_t errlen)
{
	char buf[68];
	const xmlNode *mac = first_child(iface, "mac");
	const char *addr = mac ? attr(mac, "address") : NULL;
	if (!addr) {
		set_error(err, errlen, "interface %zu has no <mac address=>", k + 1);
		return -1;
	}
	/* libvirt refuses group addresses for a NIC; so do we: counting by
	 * source MAC would make no sense. */
	if (mac_parse(addr, out->mac) < 0 || mac_is_group(out->mac)) {
		set_error(err, errlen, "interface %zu: '%s' is not a unicast MAC address",
			  k + 1, log_printable(addr, buf));
		return -1;
	}
	const xmlNode *target = first_child(iface, "target");
	copy_ifname(out->ifname, target ? attr(target, "dev") : NULL);
	static const char *const bridged[] = { "bridge", "network", NULL };
	static const char *const macvtap[] = { "direct", NULL };
	copy_ifname(out->bridge, source_attr(iface, bridged, "bridge"));
	copy_ifname(out->lower, source_attr(iface, macvtap, "dev"));
	return 0;
}

/* The name, UUID and interfaces of a <domain> element, into rec (zeroed by
 * the caller). */
static int parse_definition(const xmlNode *domain, struct domain_record *rec, char *err,
			    size_t errlen)
{
	char buf[68];
	const xmlNode *name = first_child(domain, "name");
	char text_buf[CONF_NAME_MAX + 2];
	if (!name) {
		set_error(err, errlen, "the domain has no <name>");
		return -1;
	}
	if (text(name, text_buf, sizeof text_buf) < 0 || !conf_valid_name(text_buf, CONF_NAME_MAX)) {
		set_error(err, errlen,
			  "domain name '%s' is not 1 to %d visible ASCII characters without blanks",
			  log_printable(text_buf, buf), CONF_NAME_MAX);
		return -1;
	}
	strcpy(rec->name, text_buf);

	const xmlNode *uuid = first_child(domain, "uuid");
	if (uuid) {
		if (text(uuid, text_buf, sizeof text_buf) < 0 || !conf_valid_uuid(text_buf)) {
			set_error(err, errlen, "domain %s: '%s' is not a UUID", rec->name,
				  log_printable(text_buf, buf));
			return -1;
		}
		for (int i = 0; i < CONF_UUID_LEN; i++)
			rec->uuid[i] = (char)(text_buf[i] >= 'A' && text_buf[i] <= 'F'
						      ? text_buf[i] - 'A' + 'a'
						      : text_buf[i]);
		rec->uuid[CONF_UUID_LEN] = '\0';
	}

	const xmlNode *devices = first_child(domain, "devices");
	size_t extra = 0;
	for (const xmlNode *n = devices ? first_child(devices, "interface") : NULL; n;
	     n = next_sibling(n, "interface")) {
		if (rec->nvnics == DOMAIN_MAX_VNICS) {
			extra++;
			continue;
		}
		if (parse_iface(n, rec->nvnics, &rec->vnics[rec->nvnics], err, errlen) < 0) {
			/* Name the domain: the interface's message does not. */
			char inner[256];
			snprintf(inner, sizeof inner, "%s", err ? err : "");
			set_error(err, errlen, "domain %s: %s", rec->name, inner);
			return -1;
		}
		rec->nvnics++;
	}
	if (extra)
		log_warnx("domain %s: %zu interfaces beyond the first %d ignored", rec->name,
			  extra, DOMAIN_MAX_VNICS);
	return 0;
}

static void init_parser(void)
{
	/* One thread (DESIGN §2), so a flag is enough; xmlInitParser sets up
	 * libxml2's globals, which must happen before any parse. */
	static bool done;
	if (!done) {
		xmlInitParser();
		done = true;
	}
}

/* Parses a whole document into *doc (NULL on failure, with err set),
 * with the checks every document gets: its size, no NUL, well-formed, no
 * DOCTYPE. Returns its root element, or NULL. */
static const xmlNode *load(const char *xml, size_t len, xmlParserCtxtPtr ctxt, xmlDocPtr *doc,
			   char *err, size_t errlen)
{
	*doc = NULL;
	if (!xml || len == 0) {
		set_error(err, errlen, "empty");
		return NULL;
	}
	if (len > LIBVIRT_MAX_XML) {
		set_error(err, errlen, "larger than %u bytes", LIBVIRT_MAX_XML);
		return NULL;
	}
	/* libxml2 takes a NUL for the end of the text; no XML holds one. */
	if (memchr(xml, '\0', len)) {
		set_error(err, errlen, "holds a NUL byte: not XML");
		return NULL;
	}
	*doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, PARSE_OPTIONS);
	if (!*doc) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[256];
		snprintf(msg, sizeof msg, "%s", e && e->message ? e->message : "not XML");
		msg[strcspn(msg, "\n")] = '\0';
		if (e && e->line > 0)
			set_error(err, errlen, "not well-formed XML: line %d: %s", e->line, msg);
		else
			set_error(err, errlen, "not well-formed XML: %s", msg);
		return NULL;
	}
	/* libvirt never writes a DOCTYPE; refusing one leaves no entity to
	 * expand (billion laughs) or to fetch (external entities). */
	if ((*doc)->intSubset || (*doc)->extSubset) {
		set_error(err, errlen, "has a DOCTYPE, which libvirt never writes");
		return NULL;
	}
	const xmlNode *root = xmlDocGetRootElement(*doc);
	if (!root) {
		set_error(err, errlen, "no root element");
		return NULL;
	}
	return root;
}

int libvirt_parse_record(const char *xml, size_t len, struct domain_record *rec, char *err,
			 size_t errlen)
{
	memset(rec, 0, sizeof *rec);
	rec->state = DOMAIN_UNKNOWN;
	set_error(err, errlen, "%s", "");
	init_parser();
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		set_error(err, errlen, "out of memory");
		return -1;
	}
	int rc = -1;
	xmlDocPtr doc;
	const xmlNode *root = load(xml, len, ctxt, &doc, err, errlen);
	if (!root)
		goto out;
	if (!is_element(root, "domain")) {
		char buf[68];
		set_error(err, errlen, "the root element is <%s>, not <domain>",
			  log_printable((const char *)root->name, buf));
		goto out;
	}
	rc = parse_definition(root, rec, err, errlen);
out:
	if (rc < 0) {
		memset(rec, 0, sizeof *rec);
		rec->state = DOMAIN_UNKNOWN;
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}
