/* fuzz_jwt.c: fuzzes token verification (raw tokens, and tokens it signs over fuzzed JSON), JWKS parsing and base64. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "harness.h"
#include "jwt.h"
#include "util.h"

static EVP_PKEY *key;
static struct jwks *keys;

static const struct jwt_expect want = {
	.issuer = "https://login.microsoftonline.com/{tenantid}/v2.0",
	.audience = "https://connector.example.com", .appid = NULL, .user_claim = "sub",
	.skew = 60, .now = 1800000000,
};

/* One RSA key for the run, and the JWKS naming it "k": fuzzed claims get a real signature. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char raw[512];
	char n64[700], jwks[900], err[256];
	BIGNUM *n = NULL;
	int len;

	(void)argc;
	(void)argv;
	if ((key = EVP_RSA_gen(2048)) == NULL || !EVP_PKEY_get_bn_param(key, "n", &n))
		abort();
	len = BN_bn2bin(n, raw);
	BN_free(n);
	b64_encode(raw, (size_t)len, true, n64);
	snprintf(jwks, sizeof(jwks), "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}]}", n64);
	if ((keys = jwks_parse(jwks, strlen(jwks), err, sizeof(err))) == NULL)
		abort();
	return 0;
}

static char *
sign(const char *header, const char *claims)
{
	size_t hl = strlen(header), cl = strlen(claims), siglen = 512, off;
	char *tok = malloc(b64_encoded_len(hl) + b64_encoded_len(cl) + b64_encoded_len(512) + 4);
	unsigned char sig[512];
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (tok == NULL || md == NULL)
		abort();
	off = b64_encode((const unsigned char *)header, hl, true, tok);
	tok[off++] = '.';
	off += b64_encode((const unsigned char *)claims, cl, true, tok + off);
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (unsigned char *)tok, off) != 1)
		abort();
	EVP_MD_CTX_free(md);
	tok[off++] = '.';
	b64_encode(sig, siglen, true, tok + off);
	return tok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in;
	struct jwt_claims c;
	enum jwt_result r;
	unsigned mode;
	char err[256];

	fz_input_init(&in, data, size);
	mode = (unsigned)fz_take_uint(&in, 1) % 4;
	if (mode == 0) {
		/* A raw token. */
		size_t len;
		char *tok = fz_take_rest_exact(&in, &len);

		r = jwt_verify(keys, tok, len, &want, &c);
		FZ_CHECK(r != JWT_OK || c.user[0] != '\0');
		FZ_CHECK(r == JWT_OK || c.user[0] == '\0');
		free(tok);
	} else if (mode == 1) {
		/* Header and claims JSON under a true signature: only the claim checks decide. */
		char *header = fz_take_field(&in), *claims = fz_take_field(&in), *tok;

		tok = sign(header, claims);
		r = jwt_verify(keys, tok, strlen(tok), &want, &c);
		FZ_CHECK(r != JWT_OK || (strstr(header, "RS256") != NULL && c.user[0] != '\0'));
		FZ_CHECK(r != JWT_SIGNATURE);
		free(tok);
		free(header);
		free(claims);
	} else if (mode == 2) {
		/* A JWKS document. */
		size_t len;
		char *doc = fz_take_rest_exact(&in, &len);
		struct jwks *set = jwks_parse(doc, len, err, sizeof(err));

		FZ_CHECK(set != NULL || err[0] != '\0');
		jwks_free(set);
		free(doc);
	} else {
		/* base64 both ways: what decodes re-encodes to the same text. */
		size_t len, n;
		char *text = fz_take_rest_exact(&in, &len), *again;
		unsigned char *raw = malloc(b64_decoded_max(len) + 1);
		bool url = len % 2 == 0;

		if (raw == NULL)
			abort();
		if (b64_decode(text, len, url, raw, &n)) {
			again = malloc(b64_encoded_len(n) + 1);
			FZ_CHECK(again != NULL && b64_encode(raw, n, url, again) == len &&
			    memcmp(again, text, len) == 0);
			free(again);
		}
		free(raw);
		free(text);
	}
	return 0;
}
