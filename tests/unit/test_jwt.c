/* test_jwt.c: RS256 token checks (every refusal reason), JWKS parsing and base64 beneath them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "jwt.h"
#include "tap.h"
#include "util.h"
#include "whsign.h"

#define NOW   ((time_t)1800000000)
#define ISS   "https://substrate.office.com/sts/"
#define AUD   "https://connector.example.com"
#define APPID "48af08dc-f6d2-435f-b2a7-069abd99c086"

static EVP_PKEY *key_a, *key_b, *key_small;

static char *
b64url(const void *p, size_t n)
{
	char *s = xmalloc(b64_encoded_len(n) + 1);

	b64_encode(p, n, true, s);
	return s;
}

static char *
bn_b64url(EVP_PKEY *k, const char *name)
{
	BIGNUM *bn = NULL;
	unsigned char raw[1024];
	int n;
	char *s;

	EVP_PKEY_get_bn_param(k, name, &bn);
	n = BN_bn2bin(bn, raw);
	s = b64url(raw, (size_t)n);
	BN_free(bn);
	return s;
}

/* A JWKS entry for k; extra is spliced in (e.g. ,"use":"enc"). */
static void
jwk(struct buf *b, EVP_PKEY *k, const char *kid, const char *extra)
{
	char *n = bn_b64url(k, OSSL_PKEY_PARAM_RSA_N), *e = bn_b64url(k, OSSL_PKEY_PARAM_RSA_E);

	buf_printf(b, "{\"kty\":\"RSA\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"%s}", kid, n, e,
	    extra);
	free(n);
	free(e);
}

/* header.claims signed with k (RS256), or with HMAC over hmac_key (HS256), or unsigned. */
static char *
token(const char *header, const char *claims, EVP_PKEY *k, const char *hmac_key)
{
	char *h = b64url(header, strlen(header)), *c = b64url(claims, strlen(claims)), *s;
	unsigned char sig[1024];
	size_t siglen = 0;
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "%s.%s", h, c);
	if (k != NULL) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		siglen = sizeof(sig);
		if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
		    EVP_DigestSign(md, sig, &siglen, (unsigned char *)b.data, b.len) != 1)
			fatal("signing failed");
		EVP_MD_CTX_free(md);
	} else if (hmac_key != NULL) {
		unsigned int l = 0;

		HMAC(EVP_sha256(), hmac_key, (int)strlen(hmac_key), (unsigned char *)b.data, b.len,
		    sig, &l);
		siglen = l;
	}
	s = b64url(sig, siglen);
	buf_printf(&b, ".%s", s);
	free(h);
	free(c);
	free(s);
	return b.data;
}

static char *
claims(const char *iss, const char *aud, long exp, long nbf, const char *appid)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "{\"iss\":\"%s\",\"aud\":\"%s\",\"exp\":%ld,\"nbf\":%ld,\"iat\":%ld,"
	    "\"sub\":\"11111111-2222-3333-4444-555555555555\",\"tid\":\"tenant-1\"", iss, aud,
	    exp, nbf, nbf);
	if (appid != NULL)
		buf_printf(&b, ",\"appid\":\"%s\"", appid);
	buf_puts(&b, "}");
	return b.data;
}

static const struct jwt_expect expect_action = {
	.issuer = ISS, .audience = AUD, .appid = APPID, .user_claim = "sub", .skew = 60,
	.now = NOW,
};

static enum jwt_result
check(const struct jwks *set, char *tok, const struct jwt_expect *want)
{
	struct jwt_claims c;
	enum jwt_result r = jwt_verify(set, tok, strlen(tok), want, &c);

	free(tok);
	return r;
}

#define RS(hdr, cl) token((hdr), (cl), key_a, NULL)
#define HDR_A "{\"alg\":\"RS256\",\"kid\":\"a\",\"typ\":\"JWT\"}"

static void
test_base64(void)
{
	unsigned char out[64];
	char enc[64];
	size_t n;

	ok(b64_decode("aGk", 3, true, out, &n) && n == 2 && memcmp(out, "hi", 2) == 0,
	    "base64url without padding decodes");
	ok(!b64_decode("aGk=", 4, true, out, &n), "base64url refuses padding");
	ok(b64_decode("aGk=", 4, false, out, &n) && n == 2, "base64 with padding decodes");
	ok(!b64_decode("aGk", 3, false, out, &n), "base64 refuses a missing pad");
	ok(!b64_decode("aGl", 3, true, out, &n), "non-zero unused bits are refused");
	ok(!b64_decode("a", 1, true, out, &n), "one character is no byte");
	ok(!b64_decode("a+b/", 4, true, out, &n), "the standard alphabet is not base64url");
	ok(!b64_decode("a-b_", 4, false, out, &n), "the url alphabet is not base64");
	ok(!b64_decode("aG k", 4, false, out, &n), "whitespace is refused");
	ok(!b64_decode("a=Gk", 4, false, out, &n), "padding only at the end");
	is_int((long)b64_encode((const unsigned char *)"\xfb\xff", 2, true, enc), 3,
	    "encode: url, no padding");
	is_str(enc, "-_8", "  ...with - and _");
	b64_encode((const unsigned char *)"\xfb\xff", 2, false, enc);
	is_str(enc, "+/8=", "encode: standard with padding");
	b64_encode((const unsigned char *)"abc", 3, false, enc);
	is_str(enc, "YWJj", "encode: a whole group");
	b64_encode((const unsigned char *)"", 0, false, enc);
	is_str(enc, "", "encode: nothing");
}

static struct jwks *
set_of(const char *doc)
{
	char err[256];
	struct jwks *s = jwks_parse(doc, strlen(doc), err, sizeof(err));

	if (s == NULL)
		printf("# %s\n", err);
	return s;
}

#define NO_KID "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}"

static void
test_jwks(void)
{
	struct buf b;
	struct jwks *s;
	char err[256];

	buf_init(&b);
	buf_puts(&b, "{\"keys\":[");
	jwk(&b, key_a, "a", "");
	buf_puts(&b, ",");
	jwk(&b, key_b, "enc", ",\"use\":\"enc\"");
	buf_puts(&b, ",{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\"}]}");
	s = set_of(b.data);
	ok(s != NULL && jwks_count(s) == 1, "JWKS: the RSA signing key is kept, enc and EC skipped");
	jwks_free(s);

	buf_reset(&b);
	buf_puts(&b, "{\"keys\":[");
	jwk(&b, key_a, "a", "");
	buf_puts(&b, ",");
	jwk(&b, key_b, "a", "");
	buf_puts(&b, "]}");
	ok(jwks_parse(b.data, b.len, err, sizeof(err)) == NULL && strstr(err, "twice") != NULL,
	    "JWKS: a kid used twice is an error");

	buf_reset(&b);
	buf_puts(&b, "{\"keys\":[");
	jwk(&b, key_small, "s", "");
	buf_puts(&b, "]}");
	ok(jwks_parse(b.data, b.len, err, sizeof(err)) == NULL && strstr(err, "2048") != NULL,
	    "JWKS: a 1024-bit key is refused");
	ok(jwks_parse("{\"keys\":{}}", 11, err, sizeof(err)) == NULL, "JWKS: keys not an array");
	ok(jwks_parse("[]", 2, err, sizeof(err)) == NULL, "JWKS: not an object");
	ok(jwks_parse("{\"keys\":[]} x", 13, err, sizeof(err)) == NULL, "JWKS: trailing bytes");
	ok(jwks_parse("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"n\":\"!!\",\"e\":\"AQAB\"}]}", 54,
	    err, sizeof(err)) == NULL, "JWKS: n not base64url");
	ok(jwks_parse(NO_KID, strlen(NO_KID), err, sizeof(err)) == NULL && strstr(err, "kid") != NULL,
	    "JWKS: a key without kid");
	s = set_of("{\"keys\":[]}");
	ok(s != NULL && jwks_count(s) == 0, "JWKS: an empty set loads (every token refused)");
	jwks_free(s);
	ok(jwks_load("/nonexistent/jwks.json", err, sizeof(err)) == NULL &&
	    strstr(err, "/nonexistent/jwks.json") != NULL, "JWKS: a missing file names itself");
	buf_free(&b);
}

#define NO_KEYS_TOKEN "eyJhbGciOiJSUzI1NiIsImtpZCI6ImEifQ.e30.AA"

static void
test_verify(void)
{
	struct jwt_expect want = expect_action;
	struct jwt_claims c;
	struct jwks *set;
	struct buf b;
	char *t, *cl;

	buf_init(&b);
	buf_puts(&b, "{\"keys\":[");
	jwk(&b, key_a, "a", ",\"use\":\"sig\",\"alg\":\"RS256\"");
	buf_puts(&b, "]}");
	set = set_of(b.data);

	cl = claims(ISS, AUD, NOW + 300, NOW - 10, APPID);
	t = RS(HDR_A, cl);
	is_int(jwt_verify(set, t, strlen(t), &want, &c), JWT_OK, "a valid token passes");
	is_str(c.user, "11111111-2222-3333-4444-555555555555", "  ...and names its user (sub)");
	is_str(c.tid, "tenant-1", "  ...and its tenant");
	t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
	is_int(jwt_verify(set, t, strlen(t), &want, &c), JWT_SIGNATURE, "a changed signature");
	is_str(c.user, "", "  ...leaves no claims behind");
	free(t);
	is_int(check(set, token(HDR_A, cl, key_b, NULL), &want), JWT_SIGNATURE,
	    "signed by another key with the same kid");
	is_int(check(set, token("{\"alg\":\"none\",\"kid\":\"a\"}", cl, NULL, NULL), &want),
	    JWT_ALGORITHM, "alg none");
	is_int(check(set, token("{\"alg\":\"HS256\",\"kid\":\"a\"}", cl, NULL, b.data), &want),
	    JWT_ALGORITHM, "HS256 keyed with the public key");
	is_int(check(set, RS("{\"alg\":\"RS512\",\"kid\":\"a\"}", cl), &want), JWT_ALGORITHM,
	    "another RSA algorithm");
	is_int(check(set, RS("{\"kid\":\"a\"}", cl), &want), JWT_ALGORITHM, "no alg");
	is_int(check(set, RS("{\"alg\":\"RS256\",\"kid\":\"a\",\"crit\":[\"x\"]}", cl), &want),
	    JWT_ALGORITHM, "crit is not understood");
	is_int(check(set, RS("{\"alg\":\"RS256\"}", cl), &want), JWT_KEY, "no kid");
	is_int(check(set, RS("{\"alg\":\"RS256\",\"kid\":\"zz\"}", cl), &want), JWT_KEY,
	    "an unknown kid");
	is_int(check(set, RS("{\"alg\":\"RS256\",\"kid\":7}", cl), &want), JWT_KEY,
	    "a kid that is not a string");
	free(cl);

	cl = claims(ISS, AUD, NOW - 61, NOW - 600, APPID);
	is_int(check(set, RS(HDR_A, cl), &want), JWT_EXPIRED, "expired beyond the skew");
	free(cl);
	cl = claims(ISS, AUD, NOW - 30, NOW - 600, APPID);
	is_int(check(set, RS(HDR_A, cl), &want), JWT_OK, "expired within the skew passes");
	free(cl);
	cl = claims(ISS, AUD, NOW + 600, NOW + 61, APPID);
	is_int(check(set, RS(HDR_A, cl), &want), JWT_NOT_YET_VALID, "not yet valid (nbf)");
	free(cl);
	is_int(check(set, RS(HDR_A, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"u\","
	    "\"appid\":\"" APPID "\"}"), &want), JWT_EXPIRED, "no exp");
	is_int(check(set, RS(HDR_A, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"sub\":\"u\","
	    "\"exp\":\"1900000000\",\"appid\":\"" APPID "\"}"), &want), JWT_EXPIRED,
	    "exp as a string");
	cl = claims("https://evil.example/sts/", AUD, NOW + 300, NOW, APPID);
	is_int(check(set, RS(HDR_A, cl), &want), JWT_ISSUER, "another issuer");
	free(cl);
	cl = claims(ISS, "https://other.example.com", NOW + 300, NOW, APPID);
	is_int(check(set, RS(HDR_A, cl), &want), JWT_AUDIENCE, "another audience");
	free(cl);
	cl = claims(ISS, AUD, NOW + 300, NOW, "00000000-0000-0000-0000-000000000000");
	is_int(check(set, RS(HDR_A, cl), &want), JWT_APPID, "another app id");
	free(cl);
	cl = claims(ISS, AUD, NOW + 300, NOW, NULL);
	is_int(check(set, RS(HDR_A, cl), &want), JWT_APPID, "no app id");
	want.appid = NULL;
	is_int(check(set, RS(HDR_A, cl), &want), JWT_OK, "  ...passes when none is expected");
	free(cl);
	want = expect_action;
	is_int(check(set, RS(HDR_A, "{\"iss\":\"" ISS "\",\"aud\":[\"x\",\"" AUD "\"],"
	    "\"exp\":1800000300,\"appid\":\"" APPID "\",\"sub\":\"u\"}"), &want), JWT_OK,
	    "aud as an array holding ours");
	is_int(check(set, RS(HDR_A, "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	    "\"exp\":1800000300,\"appid\":\"" APPID "\"}"), &want), JWT_USER, "no sub");

	/* A tenant's issuer, as sign-in tokens have. */
	want.issuer = "https://login.microsoftonline.com/{tenantid}/v2.0";
	want.appid = NULL;
	want.user_claim = "oid";
	is_int(check(set, RS(HDR_A, "{\"iss\":\"https://login.microsoftonline.com/t1/v2.0\","
	    "\"tid\":\"t1\",\"aud\":\"" AUD "\",\"exp\":1800000300,\"oid\":\"o\"}"), &want), JWT_OK,
	    "tenant issuer with the token's tid");
	is_int(check(set, RS(HDR_A, "{\"iss\":\"https://login.microsoftonline.com/t2/v2.0\","
	    "\"tid\":\"t1\",\"aud\":\"" AUD "\",\"exp\":1800000300,\"oid\":\"o\"}"), &want),
	    JWT_ISSUER, "tenant issuer of another tenant than tid");
	is_int(check(set, RS(HDR_A, "{\"iss\":\"https://login.microsoftonline.com/t1/v2.0\","
	    "\"aud\":\"" AUD "\",\"exp\":1800000300,\"oid\":\"o\"}"), &want), JWT_ISSUER,
	    "tenant issuer without tid");
	want = expect_action;

	is_int(jwt_verify(set, "", 0, &want, &c), JWT_MALFORMED, "an empty token");
	is_int(jwt_verify(set, "garbage", 7, &want, &c), JWT_MALFORMED, "garbage");
	is_int(jwt_verify(set, "a.b.c.d", 7, &want, &c), JWT_MALFORMED, "four parts");
	is_int(jwt_verify(set, "e30.e30.", 8, &want, &c), JWT_ALGORITHM, "{}.{}. has no alg");
	is_int(jwt_verify(set, "W10.e30.AA", 10, &want, &c), JWT_MALFORMED,
	    "a header that is an array");
	is_int(jwt_verify(set, "e30 .e30.AA", 11, &want, &c), JWT_MALFORMED, "a space inside");
	is_int(jwt_verify(NULL, NO_KEYS_TOKEN, strlen(NO_KEYS_TOKEN), &want, &c),
	    JWT_KEY, "no keys at all: every kid is unknown");
	t = xmalloc(JWT_MAX_BYTES + 2);
	memset(t, 'A', JWT_MAX_BYTES + 1);
	t[JWT_MAX_BYTES + 1] = '\0';
	is_int(jwt_verify(set, t, strlen(t), &want, &c), JWT_MALFORMED, "too long");
	free(t);
	ok(strlen(jwt_result_str(JWT_AUDIENCE)) > 0, "every result has words");
	jwks_free(set);
	buf_free(&b);
}

static void
test_keyring(void)
{
	char path[] = "/tmp/test_jwt_XXXXXX", err[256];
	struct jwt_claims c;
	struct keyring *kr;
	struct buf b;
	size_t n = 0;
	char *t, *cl;
	FILE *f;
	int fd;

	buf_init(&b);
	buf_puts(&b, "{\"keys\":[");
	jwk(&b, key_a, "a", "");
	buf_puts(&b, "]}");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(b.data, f);
	fclose(f);
	kr = keyring_open(path, err, sizeof(err));
	ok(kr != NULL, "keyring opens a JWKS file");
	cl = claims(ISS, AUD, NOW + 300, NOW, APPID);
	t = token("{\"alg\":\"RS256\",\"kid\":\"b\"}", cl, key_b, NULL);
	is_int(keyring_verify(kr, t, strlen(t), &expect_action, &c), JWT_KEY,
	    "key b is not known yet");
	buf_reset(&b);
	buf_puts(&b, "{\"keys\":[");
	jwk(&b, key_b, "b", "");
	buf_puts(&b, "]}");
	f = fopen(path, "w");
	fputs(b.data, f);
	fclose(f);
	ok(keyring_reload(kr, &n, err, sizeof(err)) && n == 1, "reload reads the new file");
	is_int(keyring_verify(kr, t, strlen(t), &expect_action, &c), JWT_OK, "  ...key b verifies");
	f = fopen(path, "w");
	fputs("{not json", f);
	fclose(f);
	ok(!keyring_reload(kr, &n, err, sizeof(err)), "a broken file is not loaded");
	is_int(keyring_verify(kr, t, strlen(t), &expect_action, &c), JWT_OK,
	    "  ...and the keys loaded before stay");
	free(t);
	free(cl);
	keyring_free(kr);
	unlink(path);
	buf_free(&b);
}

/* The Standard Webhooks specification's example, so owners' stock verifiers accept ours. */
static void
test_whsign(void)
{
	char sig[WHSIGN_MAX];

	ok(whsign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
	    1614265330, "{\"test\": 2432232314}", 20, sig), "whsign signs");
	is_str(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    "  ...the specification's example signature");
	ok(!whsign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}", 2, sig),
	    "a secret without whsec_ is refused");
	ok(!whsign("whsec_not base64", "m", 1, "{}", 2, sig), "a secret that is not base64");
}

int
main(void)
{
	key_a = EVP_RSA_gen(2048);
	key_b = EVP_RSA_gen(2048);
	key_small = EVP_RSA_gen(1024);
	if (key_a == NULL || key_b == NULL || key_small == NULL)
		fatal("RSA key generation failed");
	test_base64();
	test_jwks();
	test_verify();
	test_keyring();
	test_whsign();
	EVP_PKEY_free(key_a);
	EVP_PKEY_free(key_b);
	EVP_PKEY_free(key_small);
	return done_testing();
}
