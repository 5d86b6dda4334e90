/* netcheck.c: the address rules of the SSRF guard, checked at connect time by the sender. */
#include "netcheck.h"

#include <netinet/in.h>
#include <string.h>

#include "config.h"

static bool
in_prefix(const unsigned char *addr, const unsigned char *net, int bits)
{
	int full = bits / 8, rest = bits % 8;

	if (memcmp(addr, net, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((addr[full] ^ net[full]) & (0xff << (8 - rest))) == 0;
}

static bool
v4_public(const unsigned char *a)
{
	static const struct {
		unsigned char net[4];
		int           bits;
	} blocked[] = {
		{ { 0, 0, 0, 0 }, 8 },		/* this network */
		{ { 10, 0, 0, 0 }, 8 },		/* private */
		{ { 100, 64, 0, 0 }, 10 },	/* CGNAT */
		{ { 127, 0, 0, 0 }, 8 },	/* loopback */
		{ { 169, 254, 0, 0 }, 16 },	/* link-local, cloud metadata */
		{ { 172, 16, 0, 0 }, 12 },	/* private */
		{ { 192, 0, 0, 0 }, 24 },	/* IETF protocol assignments */
		{ { 192, 0, 2, 0 }, 24 },	/* documentation */
		{ { 192, 168, 0, 0 }, 16 },	/* private */
		{ { 198, 18, 0, 0 }, 15 },	/* benchmarking */
		{ { 198, 51, 100, 0 }, 24 },	/* documentation */
		{ { 203, 0, 113, 0 }, 24 },	/* documentation */
		{ { 224, 0, 0, 0 }, 4 },	/* multicast */
		{ { 240, 0, 0, 0 }, 4 },	/* reserved, broadcast */
	};
	size_t i;

	for (i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
		if (in_prefix(a, blocked[i].net, blocked[i].bits))
			return false;
	return true;
}

static bool
v6_public(const unsigned char *a)
{
	static const unsigned char zero[16] = { 0 };
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const unsigned char ula[1] = { 0xfc }, ll[2] = { 0xfe, 0x80 }, mc[1] = { 0xff };
	static const unsigned char doc[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return false;	/* unspecified, loopback */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return v4_public(a + 12);
	if (memcmp(a, zero, 12) == 0)
		return false;	/* IPv4-compatible (deprecated) */
	if (in_prefix(a, ula, 7) || in_prefix(a, ll, 10) || in_prefix(a, mc, 8) ||
	    in_prefix(a, doc, 32))
		return false;
	return true;
}

bool
address_allowed(const struct sockaddr *sa, socklen_t len, const struct config *cfg)
{
	const unsigned char *a;
	size_t i;
	int family;

	if (len < (socklen_t)sizeof(sa_family_t))
		return false;	/* too short to hold even the family */
	family = sa->sa_family;

	if (family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	else
		return false;
	for (i = 0; cfg != NULL && i < cfg->nallowed_addrs; i++)
		if (cfg->allowed_addrs[i].family == family &&
		    in_prefix(a, cfg->allowed_addrs[i].addr, cfg->allowed_addrs[i].prefix))
			return true;
	return family == AF_INET ? v4_public(a) : v6_public(a);
}
