/*
 * libvirt: what libvirt's domain XML says of a domain.
 *
 * Two documents hold the same <domain> definition:
 * - the XML libvirt's API gives (virDomainGetXMLDesc: the live definition
 *   of an active domain, the persistent one of an inactive domain);
 * - the status file libvirt's QEMU driver keeps per running domain in its
 *   runtime directory (/run/libvirt/qemu/NAME.xml): a <domstatus state=
 *   reason= pid=> element wrapping the live <domain>.
 * In it each interface has its MAC, its host-side device (<target dev=>)
 * and its bridge (<source bridge=>; for type='network' the status file
 * names the network's bridge in <actual><source bridge=>, the live XML as
 * <source network= bridge=>); a macvtap interface (type='direct', or a
 * network whose actual type is direct) names its lower device in
 * <source dev=>. Parsed with libxml2, no libvirt needed.
 */
#ifndef VS_LIBVIRT_H
#define VS_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "domain.h"
#include "mac.h"

#define LIBVIRT_MAX_IFACES 64 /* more are ignored (logged) */
/* A status file is tens of KiB; anything near this is not one. */
#define LIBVIRT_MAX_STATUS (4u << 20)

enum libvirt_state {
	LIBVIRT_RUNNING,
	LIBVIRT_PAUSED,
	LIBVIRT_OTHER, /* blocked, shutdown in progress, crashed, pmsuspended… */
};

struct libvirt_iface {
	uint8_t mac[MAC_LEN];
	char target[CONF_IFNAME_MAX + 1]; /* host-side device, "" if none */
	char bridge[CONF_IFNAME_MAX + 1]; /* "" if not on a bridge */
};

struct libvirt_domain {
	char name[CONF_NAME_MAX + 1];
	char uuid[CONF_UUID_LEN + 1]; /* lower case, "" if absent */
	enum libvirt_state state;
	/* The domain (re)started from nothing: booted, restored from a saved
	 * state or from a snapshot — its counters restart. */
	bool fresh_start;
	struct libvirt_iface ifaces[LIBVIRT_MAX_IFACES];
	size_t nifaces;
};

/*
 * Parses one status file's text. Returns 0, or -1 with a message in err
 * (errlen bytes) for anything that is not a well-formed status file with a
 * valid domain name: malformed XML, no <domstatus>, a name or UUID or MAC
 * that is not valid (names follow vsacctd.conf's rule: 1..255 visible
 * ASCII characters, no blanks). No I/O but a warning logged when a domain
 * has more than LIBVIRT_MAX_IFACES interfaces.
 */
int libvirt_parse_status(const char *xml, size_t len, struct libvirt_domain *dom,
			 char *err, size_t errlen);

/*
 * Parses a <domain> document (virDomainGetXMLDesc's, live or inactive) or
 * a status file's <domstatus> into rec: name, UUID, and one vNIC per
 * interface (MAC, host device, bridge, and the lower device of a macvtap
 * one), plus the pid of a status file (0 otherwise). Leaves state at
 * DOMAIN_UNKNOWN and runs at 0: the XML does not hold them (a status
 * file's state is libvirt_parse_status' business). Returns 0, or -1 with
 * a message in err, on the same grounds as libvirt_parse_status (the root
 * may be either element); nothing half-parsed is left in rec. Logs a
 * warning when a domain has more than DOMAIN_MAX_VNICS interfaces.
 */
int libvirt_parse_record(const char *xml, size_t len, struct domain_record *rec, char *err,
			 size_t errlen);

#endif
