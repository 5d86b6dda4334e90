/* test_csrf.c: CSRF tokens (expiry window, tampering, malformed input) and the HMAC beneath them. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "csrf.h"
#include "sha256.h"
#include "tap.h"
#include "util.h"

#define SECRET "0123456789abcdef0123456789abcdef"
#define TTL    43200L
#define NOW    ((int64_t)1700000000)

/* A different character of the same class, so the change alone is what gets refused. */
static char
other_char(char c)
{
	if (c == '.')
		return 'a';
	if (c >= '0' && c <= '8')
		return (char)(c + 1);
	if (c == '9')
		return '0';
	return c == 'f' ? '0' : (char)(c + 1);
}

static void
hmac_hex(const void *key, size_t keylen, const char *msg, char hex[65])
{
	unsigned char mac[32];

	hmac_sha256(key, keylen, msg, strlen(msg), mac);
	hex_encode(mac, sizeof(mac), hex);
}

static void
test_hmac(void)
{
	unsigned char key[131];
	char hex[65];

	/* RFC 4231 test case 1: 20 bytes of 0x0b */
	memset(key, 0x0b, 20);
	hmac_hex(key, 20, "Hi There", hex);
	is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "HMAC-SHA256, RFC 4231 case 1");
	/* case 2: a short key */
	hmac_hex("Jefe", 4, "what do ya want for nothing?", hex);
	is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "HMAC-SHA256, RFC 4231 case 2");
	/* case 6: a key longer than the 64-byte block is hashed first */
	memset(key, 0xaa, sizeof(key));
	hmac_hex(key, sizeof(key), "Test Using Larger Than Block-Size Key - Hash Key First", hex);
	is_str(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "HMAC-SHA256, RFC 4231 case 6 (131-byte key)");
}

int
main(void)
{
	char tok[CSRF_TOKEN_LEN], tok2[CSRF_TOKEN_LEN], bad[CSRF_TOKEN_LEN + 64], want[32];
	size_t i, n, failures;

	test_hmac();

	ok(csrf_make(SECRET, NOW, TTL, tok), "a token is made");
	snprintf(want, sizeof(want), "%lld.", (long long)(NOW + TTL));
	ok(strncmp(tok, want, strlen(want)) == 0, "  ...starting with its expiry");
	n = strlen(tok);
	is_int((long)n, (long)(strlen(want) + 32 + 1 + 64), "  ...then 32 and 64 hex digits");
	ok(csrf_check(SECRET, NOW, TTL, tok), "a fresh token checks");
	ok(csrf_check(SECRET, NOW + TTL, TTL, tok), "  ...up to its expiry second");
	ok(csrf_check(SECRET, NOW + 60, TTL, tok), "  ...and a minute later");
	ok(!csrf_check("0123456789abcdef0123456789abcdeX", NOW, TTL, tok),
	    "another secret refuses it");
	ok(!csrf_check(SECRET, NOW + TTL + 1, TTL, tok), "an expired token is refused");
	ok(!csrf_check(SECRET, NOW, TTL - 1, tok),
	    "a token lasting longer than the ttl is refused");

	ok(csrf_make(SECRET, NOW + 1, TTL, tok2), "a token from a clock ahead is made");
	ok(!csrf_check(SECRET, NOW, TTL, tok2), "  ...and refused: its expiry lies too far ahead");

	ok(csrf_make(SECRET, NOW, TTL, tok2), "a second token is made at the same second");
	ok(strcmp(tok, tok2) != 0, "  ...and differs from the first (nonce)");
	ok(csrf_check(SECRET, NOW, TTL, tok2), "  ...and checks too");

	/* every single changed character must break it */
	failures = 0;
	for (i = 0; i < n; i++) {
		strcpy(bad, tok);
		bad[i] = other_char(bad[i]);
		if (csrf_check(SECRET, NOW, TTL, bad)) {
			failures++;
			printf("#   accepted with position %zu changed: %s\n", i, bad);
		}
	}
	is_int((long)failures, 0, "a change at any position is refused");
	strcpy(bad, tok);
	for (i = n - 64; i < n; i++)
		if (bad[i] >= 'a' && bad[i] <= 'f')
			bad[i] = (char)(bad[i] - 'a' + 'A');
	ok(strcmp(bad, tok) == 0 || !csrf_check(SECRET, NOW, TTL, bad),
	    "an upper-cased MAC is refused");

	/* malformed tokens */
	strcpy(bad, tok);
	bad[n - 1] = '\0';
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a token missing its last character is refused");
	strcpy(bad, tok);
	bad[strchr(tok, '.') - tok + 10] = '\0';
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a token cut in the nonce is refused");
	strcpy(bad, tok);
	strcat(bad, "0");
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a token with a character added is refused");
	ok(!csrf_check(SECRET, NOW, TTL, ""), "an empty token is refused");
	ok(!csrf_check(SECRET, NOW, TTL, NULL), "no token is refused");
	ok(!csrf_check(SECRET, NOW, TTL, "not-a-token"), "garbage is refused");
	ok(!csrf_check(SECRET, NOW, TTL, ".."), "bare dots are refused");
	snprintf(bad, sizeof(bad), ".%s", tok);
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a leading dot is refused");
	snprintf(bad, sizeof(bad), "%s.", tok);
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a trailing dot is refused");
	strcpy(bad, tok);
	bad[n - 10] = '.';
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a dot inside the MAC is refused");
	snprintf(bad, sizeof(bad), "-%s", tok);
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a negative expiry is refused");
	snprintf(bad, sizeof(bad), " %s", tok);
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a leading space is refused");
	snprintf(bad, sizeof(bad), "0%s", tok);
	ok(!csrf_check(SECRET, NOW, TTL, bad), "a leading zero (same expiry, other bytes) is refused");
	memset(bad, '1', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	ok(!csrf_check(SECRET, NOW, TTL, bad), "an overlong token is refused");
	memset(bad, '9', 20);
	snprintf(bad + 20, sizeof(bad) - 20, "%s", strchr(tok, '.'));
	ok(!csrf_check(SECRET, NOW, TTL, bad), "an expiry too large for a long is refused");

	return done_testing();
}
