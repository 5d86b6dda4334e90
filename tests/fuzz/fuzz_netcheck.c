/* fuzz_netcheck.c: fuzzes the SSRF guard with arbitrary socket address bytes and lengths. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "harness.h"
#include "netcheck.h"

/*
 * Input: the socket address itself; its length is the input's size, and the buffer holds
 * exactly that many bytes, as a caller passing (address, length) promises.
 */

static struct config cfg;
static bool loaded;

/* The IPv4 verdict for the address inside an IPv4-mapped or NAT64 IPv6 address. */
static bool
v4_verdict(const unsigned char *v4, const struct config *c)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	memcpy(&a.sin_addr, v4, 4);
	return address_allowed((const struct sockaddr *)&a, sizeof(a), c);
}

static void
check(const unsigned char *bytes, size_t len)
{
	const struct sockaddr *sa = (const struct sockaddr *)(const void *)bytes;
	bool plain = address_allowed(sa, (socklen_t)len, NULL);
	bool with_list = address_allowed(sa, (socklen_t)len, &cfg);
	sa_family_t family;
	const unsigned char *a;

	/* The allow-list only ever adds addresses. */
	if (plain)
		FZ_CHECK(with_list);
	if (len < sizeof(sa_family_t)) {
		FZ_CHECK(!plain && !with_list);
		return;
	}
	memcpy(&family, bytes, sizeof(family));
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		a = bytes + offsetof(struct sockaddr_in, sin_addr);
		/* Loopback, private and link-local (the metadata service) are never public. */
		if (a[0] == 127 || a[0] == 10 || a[0] == 0 || (a[0] == 169 && a[1] == 254) ||
		    (a[0] == 192 && a[1] == 168) || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    a[0] >= 224)
			FZ_CHECK(!plain);
		return;
	}
	if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

		a = bytes + offsetof(struct sockaddr_in6, sin6_addr);
		/* An IPv4 address inside IPv6 gets the IPv4 answer. */
		if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
			FZ_CHECK(plain == v4_verdict(a + 12, NULL));
		if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff)
			FZ_CHECK(!plain);
		return;
	}
	/* Any other family, or a length too short for its family, is refused. */
	FZ_CHECK(!plain && !with_list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *bytes;

	if (!loaded) {
		fz_load_config(&cfg, fz_config_text);
		loaded = true;
	}
	if (size > 512)
		return 0;
	bytes = malloc(size > 0 ? size : 1);
	if (bytes == NULL)
		abort();
	memcpy(bytes, data, size);
	/* An empty input still has a buffer, but none of its bytes belong to the address. */
	check(bytes, size);
	free(bytes);
	return 0;
}
