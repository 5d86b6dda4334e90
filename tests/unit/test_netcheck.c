/* test_netcheck.c: the SSRF guard refuses inward addresses and allows public and listed ones. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "config.h"
#include "netcheck.h"
#include "tap.h"

static bool
allowed(const char *ip, const struct config *cfg)
{
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;

	memset(&v4, 0, sizeof(v4));
	memset(&v6, 0, sizeof(v6));
	if (inet_pton(AF_INET, ip, &v4.sin_addr) == 1) {
		v4.sin_family = AF_INET;
		return address_allowed((struct sockaddr *)&v4, sizeof(v4), cfg);
	}
	if (inet_pton(AF_INET6, ip, &v6.sin6_addr) == 1) {
		v6.sin6_family = AF_INET6;
		return address_allowed((struct sockaddr *)&v6, sizeof(v6), cfg);
	}
	return false;
}

int
main(void)
{
	static const char *const refused[] = { "127.0.0.1", "127.1.2.3", "10.0.0.1", "10.255.255.255",
	    "172.16.0.1", "172.31.255.254", "192.168.1.1", "169.254.169.254", "169.254.0.1",
	    "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.1.1.1",
	    "240.0.0.1", "255.255.255.255", "192.0.0.8", "198.18.0.1", "198.19.255.255",
	    "192.0.2.1", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
	    "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",
	    "64:ff9b::7f00:1", "::127.0.0.1", "2001:db8::1", NULL };
	static const char *const public[] = { "52.112.0.1", "13.107.6.171", "8.8.8.8",
	    "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "192.169.0.1",
	    "169.253.255.255", "198.17.255.255", "198.20.0.1", "2603:1063::1",
	    "::ffff:52.112.0.1", "64:ff9b::3470:1", NULL };
	const char *const *p;
	struct config cfg;
	char err[256], name[80];
	struct sockaddr sa;

	for (p = refused; *p != NULL; p++) {
		snprintf(name, sizeof(name), "%s is refused", *p);
		ok(!allowed(*p, NULL), name);
	}
	for (p = public; *p != NULL; p++) {
		snprintf(name, sizeof(name), "%s is allowed", *p);
		ok(allowed(*p, NULL), name);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	ok(!address_allowed(&sa, sizeof(sa), NULL), "a unix socket address is refused");
	sa.sa_family = AF_INET;
	ok(!address_allowed(&sa, 1, NULL), "an address too short for its family is refused");
	ok(!address_allowed(&sa, 0, NULL), "an empty address is refused");

	config_init(&cfg);
	ok(config_load_text(&cfg, "database_url = x\npublic_base_url = http://a.example\n"
	    "csrf_secret = 0123456789abcdef0123456789abcdef\n"
	    "webhook_allowed_addresses = 127.0.0.1, 10.1.0.0/16, fd00::/8\n", "t.conf", NULL, err,
	    sizeof(err)), "a configuration with allowed addresses loads");
	ok(allowed("127.0.0.1", &cfg), "a listed address is allowed");
	ok(!allowed("127.0.0.2", &cfg), "its neighbour is not");
	ok(allowed("10.1.200.3", &cfg), "an address inside a listed range is allowed");
	ok(!allowed("10.2.0.1", &cfg), "one outside it is not");
	ok(allowed("fd00::5", &cfg), "an IPv6 range works");
	ok(!allowed("169.254.169.254", &cfg), "metadata stays refused");
	config_free(&cfg);
	config_init(&cfg);
	ok(!config_load_text(&cfg, "database_url = x\npublic_base_url = http://a.example\n"
	    "csrf_secret = 0123456789abcdef0123456789abcdef\n"
	    "webhook_allowed_addresses = 10.0.0.0/33\n", "t.conf", NULL, err, sizeof(err)),
	    "a prefix over 32 for IPv4 is refused");
	has_str(err, "webhook_allowed_addresses", "  ...naming the key");
	config_free(&cfg);
	return done_testing();
}
