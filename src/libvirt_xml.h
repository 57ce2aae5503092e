/*
 * libvirt_xml: what a libvirt <domain> document says of a domain, as a domain
 * record (domain.h).
 *
 * The document is what virDomainGetXMLDesc gives (virsh dumpxml): the live
 * definition of an active domain, the persistent one of an inactive
 * domain. Each interface has its MAC, its host-side device (<target dev=>,
 * live only), and where it is attached, shown in the live XML as the type
 * it actually got: type='bridge' (a host bridge, or a libvirt network
 * forwarding to one) and type='network' (a network with its own bridge)
 * name the bridge in <source bridge=>; type='direct' (macvtap, on its own
 * or through a network) names its lower device in <source dev=>. An
 * inactive definition names a network only, not yet its bridge.
 * Parsed with libxml2; no libvirt needed.
 */
#ifndef VS_LIBVIRT_XML_H
#define VS_LIBVIRT_XML_H

#include <stddef.h>

#include "domain.h"

/* A domain's XML is a few KiB; libvirt's RPC carries no string longer than
 * this (REMOTE_STRING_MAX), so nothing longer comes from libvirtd. */
#define LIBVIRT_MAX_XML (4u << 20)

/*
 * Parses a <domain> document into rec: name, UUID, and one vNIC per
 * interface (MAC, host device, bridge, and the lower device of a macvtap
 * one). Leaves state at DOMAIN_UNKNOWN, runs and pid at 0: the XML does
 * not hold them. Returns 0, or -1 with a message in err (errlen bytes) for
 * anything that is not a well-formed <domain> document of at most
 * LIBVIRT_MAX_XML bytes with a valid name: malformed XML, a DOCTYPE
 * (libvirt never writes one), another root element, a name or UUID or MAC
 * that is not valid (names follow vsacctd.conf's rule: 1..255 visible
 * ASCII characters, no blanks); nothing half-parsed is left in rec. No
 * I/O but a warning logged when a domain has more than DOMAIN_MAX_VNICS
 * interfaces (the first ones are kept).
 */
int libvirt_parse_record(const char *xml, size_t len, struct domain_record *rec, char *err,
			 size_t errlen);

#endif
