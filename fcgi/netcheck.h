/* netcheck.h: which resolved addresses the sender may connect to (SSRF guard); pure. */
#ifndef CONNECTOR_NETCHECK_H
#define CONNECTOR_NETCHECK_H

#include <stdbool.h>
#include <sys/socket.h>

struct config;

/*
 * False for loopback, private (RFC 1918, IPv6 ULA), link-local (and so cloud metadata
 * 169.254.169.254), CGNAT 100.64/10, "this network", benchmark, multicast and reserved
 * addresses, IPv4 inside IPv6 (mapped, NAT64) by the IPv4 rules, and any family but IPv4 and
 * IPv6; true for public addresses and for those in cfg->allowed_addrs.
 */
bool	address_allowed(const struct sockaddr *, socklen_t, const struct config *);

#endif
