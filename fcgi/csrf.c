/* csrf.c: signs and checks CSRF tokens; any process holding the secret can check any token. */
#include "csrf.h"

#include <string.h>

#include "sha256.h"
#include "util.h"

/*
 * Each thread keeps the secret's HMAC key state from its last token: the secret never changes
 * while the process runs, and hashing its padded blocks again for every page was half the
 * HMAC's cost. The copy of the secret makes sure a different one is never signed with it.
 */
static _Thread_local char key_secret[256];
static _Thread_local struct hmac_sha256_key key_state;

static void
sign(const char *secret, const char *payload, size_t n, char hex[65])
{
	unsigned char mac[32];
	size_t len = strlen(secret);

	if (len < sizeof(key_secret)) {
		if (strcmp(key_secret, secret) != 0 || len == 0) {
			hmac_sha256_key_init(&key_state, secret, len);
			memcpy(key_secret, secret, len + 1);
		}
		hmac_sha256_keyed(&key_state, payload, n, mac);
	} else
		hmac_sha256(secret, len, payload, n, mac);
	hex_encode(mac, sizeof(mac), hex);
}

bool
csrf_make(const char *secret, int64_t now, long ttl, char out[CSRF_TOKEN_LEN])
{
	unsigned char nonce[16];
	char digits[24], mac[65];
	uint64_t expiry;
	int n = 0, d = 0;

	if (now < 0 || ttl < 0 || !random_bytes(nonce, sizeof(nonce)))
		return false;
	/* "<expiry>.<nonce hex>" by hand: snprintf was a visible part of serving the page. */
	expiry = (uint64_t)now + (uint64_t)ttl;
	do {
		digits[d++] = (char)('0' + expiry % 10);
		expiry /= 10;
	} while (expiry > 0 && d < (int)sizeof(digits));
	while (d > 0)
		out[n++] = digits[--d];
	out[n++] = '.';
	hex_encode(nonce, sizeof(nonce), out + n);
	n += 2 * (int)sizeof(nonce);
	sign(secret, out, (size_t)n, mac);
	out[n] = '.';
	memcpy(out + n + 1, mac, 65);
	return true;
}

bool
csrf_check(const char *secret, int64_t now, long ttl, const char *token)
{
	const char *dot1, *dot2;
	char payload[64], mac[65];
	long expiry;
	size_t plen;

	if (token == NULL || strlen(token) >= CSRF_TOKEN_LEN)
		return false;
	if ((dot1 = strchr(token, '.')) == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return false;
	plen = (size_t)(dot2 - token);
	if (plen >= sizeof(payload) || dot2 - dot1 - 1 != 32 || strlen(dot2 + 1) != 64)
		return false;
	memcpy(payload, token, plen);
	payload[plen] = '\0';
	payload[dot1 - token] = '\0';
	if (!parse_long(payload, 0, 0x7fffffffffffL, &expiry))
		return false;
	payload[dot1 - token] = '.';
	if (expiry < now || expiry > now + ttl)
		return false;
	sign(secret, payload, plen, mac);
	return ct_equal(mac, dot2 + 1, 64);
}
