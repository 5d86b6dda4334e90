/* sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA256: migration checksums, CSRF tokens, key hashes. */
#ifndef CONNECTOR_SHA256_H
#define CONNECTOR_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t      h[8];
	uint64_t      len;
	unsigned char block[64];
	size_t        used;
};

void	sha256_init(struct sha256 *);
void	sha256_update(struct sha256 *, const void *, size_t);
void	sha256_final(struct sha256 *, unsigned char out[32]);
/* HMAC-SHA256 (RFC 2104). */
void	hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
	    unsigned char out[32]);
/*
 * HMAC-SHA256 with the key's two padded blocks hashed once: a key used for many messages
 * (the CSRF secret) then costs two compressions a short message instead of four.
 */
struct hmac_sha256_key {
	struct sha256 inner, outer;
};
void	hmac_sha256_key_init(struct hmac_sha256_key *, const void *key, size_t keylen);
void	hmac_sha256_keyed(const struct hmac_sha256_key *, const void *msg, size_t msglen,
	    unsigned char out[32]);
/* Hex digest of a buffer into out (65 bytes). */
void	sha256_hex(const void *, size_t, char out[65]);

#endif
