/* fuzz_csrf.c: fuzzes the CSRF token check with arbitrary tokens, and its round trip with make. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csrf.h"
#include "harness.h"
#include "sha256.h"
#include "util.h"

/* The seeds' tokens were made with this secret at NOW with TTL, so they check out. */
#define SECRET "0123456789abcdef0123456789abcdef"
#define NOW    1700000000LL
#define TTL    43200L

/* Independently of csrf_check: the token is "<expiry>.<32 hex>.<64 hex>" with a true MAC. */
static bool
really_valid(const char *token, int64_t now, long ttl)
{
	const char *dot1 = strchr(token, '.'), *dot2;
	unsigned char mac[32];
	char hex[65];
	long long expiry = 0;
	const char *p;

	if (dot1 == NULL || dot1 == token || (dot2 = strchr(dot1 + 1, '.')) == NULL)
		return false;
	for (p = token; p < dot1; p++) {
		if (*p < '0' || *p > '9' || expiry > 0x7fffffffffffLL / 10)
			return false;
		expiry = expiry * 10 + (*p - '0');
	}
	if (expiry > 0x7fffffffffffLL || expiry < now || expiry > now + ttl)
		return false;
	if (dot2 - dot1 - 1 != 32 || strlen(dot2 + 1) != 64)
		return false;
	hmac_sha256(SECRET, strlen(SECRET), token, (size_t)(dot2 - token), mac);
	hex_encode(mac, sizeof(mac), hex);
	return strcmp(hex, dot2 + 1) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *token = fz_strndup0(data, size);
	char made[CSRF_TOKEN_LEN];
	int64_t now;
	long ttl;
	size_t n, flip;

	/* A forged token must never pass: acceptance needs the real MAC, in time. */
	if (csrf_check(SECRET, NOW, TTL, token))
		FZ_CHECK(really_valid(token, NOW, TTL));
	if (csrf_check(SECRET, NOW + TTL + 1, TTL, token))
		FZ_CHECK(really_valid(token, NOW + TTL + 1, TTL));
	/* Another secret never accepts what this one signed. */
	FZ_CHECK(!csrf_check("fedcba9876543210fedcba9876543210", NOW, TTL, token) ||
	    !really_valid(token, NOW, TTL));

	/* Round trip at a time and lifetime taken from the input. */
	now = (int64_t)(size > 0 ? data[0] : 0) * 1000003 + NOW;
	ttl = 60 + (long)(size > 1 ? data[1] : 0) * 2400;
	FZ_CHECK(csrf_make(SECRET, now, ttl, made));
	n = strlen(made);
	FZ_CHECK(n < CSRF_TOKEN_LEN);
	FZ_CHECK(csrf_check(SECRET, now, ttl, made));
	FZ_CHECK(really_valid(made, now, ttl));
	FZ_CHECK(!csrf_check(SECRET, now + ttl + 1, ttl, made));
	/* Changing any one character of a good token spoils it. */
	flip = size > 2 ? data[2] % n : 0;
	made[flip] = made[flip] == '0' ? '1' : '0';
	if (csrf_check(SECRET, now, ttl, made))
		FZ_CHECK(really_valid(made, now, ttl));
	free(token);
	return 0;
}
