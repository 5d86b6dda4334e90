/* jwt.c: RS256 JSON Web Token verification with keys from a JWKS file (OpenSSL 3). */
#include "jwt.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "util.h"

/* A JWKS file larger than this is not one (Microsoft's are a few KB). */
#define JWKS_MAX_BYTES (1024 * 1024)
#define JWKS_MAX_KEYS 64
#define RSA_MIN_BITS 2048

struct jwk {
	char     *kid;
	EVP_PKEY *pkey;
};

struct jwks {
	struct jwk *keys;
	size_t      nkeys;
};

static const char *
str_member(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static BIGNUM *
b64url_bn(const char *s)
{
	size_t len = strlen(s), n;
	unsigned char *raw;
	BIGNUM *bn = NULL;

	if (len == 0 || len > 2048)
		return NULL;
	raw = xmalloc(b64_decoded_max(len));
	if (b64_decode(s, len, true, raw, &n) && n > 0)
		bn = BN_bin2bn(raw, (int)n, NULL);
	free(raw);
	return bn;
}

static EVP_PKEY *
rsa_key(const char *n64, const char *e64, char *err, size_t errlen)
{
	BIGNUM *n = b64url_bn(n64), *e = b64url_bn(e64);
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if (n == NULL || e == NULL) {
		snprintf(err, errlen, "n or e is not base64url");
		goto out;
	}
	if (BN_num_bits(n) < RSA_MIN_BITS) {
		snprintf(err, errlen, "the modulus has %d bits; at least %d are required",
		    BN_num_bits(n), RSA_MIN_BITS);
		goto out;
	}
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		snprintf(err, errlen, "not a usable RSA public key");
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

void
jwks_free(struct jwks *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nkeys; i++) {
		free(set->keys[i].kid);
		EVP_PKEY_free(set->keys[i].pkey);
	}
	free(set->keys);
	free(set);
}

size_t
jwks_count(const struct jwks *set)
{
	return set == NULL ? 0 : set->nkeys;
}

static bool
jwks_add(struct jwks *set, struct json_object *k, size_t idx, char *err, size_t errlen)
{
	const char *kty, *use, *alg, *kid, *n, *e;
	char why[128];
	EVP_PKEY *pkey;
	size_t i;

	if (!json_object_is_type(k, json_type_object)) {
		snprintf(err, errlen, "keys[%zu]: not an object", idx);
		return false;
	}
	kty = str_member(k, "kty");
	use = str_member(k, "use");
	alg = str_member(k, "alg");
	/* Encryption keys and other algorithms share JWKS files; they are not ours to use. */
	if (kty == NULL || strcmp(kty, "RSA") != 0 || (use != NULL && strcmp(use, "sig") != 0) ||
	    (alg != NULL && strcmp(alg, "RS256") != 0))
		return true;
	if ((kid = str_member(k, "kid")) == NULL || *kid == '\0' || strlen(kid) > 256) {
		snprintf(err, errlen, "keys[%zu]: kid is missing, empty or too long", idx);
		return false;
	}
	for (i = 0; i < set->nkeys; i++) {
		if (strcmp(set->keys[i].kid, kid) == 0) {
			snprintf(err, errlen, "keys[%zu]: kid is used twice", idx);
			return false;
		}
	}
	if (set->nkeys == JWKS_MAX_KEYS) {
		snprintf(err, errlen, "more than %d keys", JWKS_MAX_KEYS);
		return false;
	}
	if ((n = str_member(k, "n")) == NULL || (e = str_member(k, "e")) == NULL) {
		snprintf(err, errlen, "keys[%zu]: n or e is missing", idx);
		return false;
	}
	if ((pkey = rsa_key(n, e, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "keys[%zu]: %s", idx, why);
		return false;
	}
	set->keys = xrealloc(set->keys, (set->nkeys + 1) * sizeof(*set->keys));
	set->keys[set->nkeys].kid = xstrdup(kid);
	set->keys[set->nkeys].pkey = pkey;
	set->nkeys++;
	return true;
}

struct jwks *
jwks_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *doc, *keys;
	struct jwks *set;
	size_t i, n;

	if (len > JWKS_MAX_BYTES || !utf8_valid(text, len)) {
		snprintf(err, errlen, "not a JWKS document (too large or not UTF-8)");
		return NULL;
	}
	tok = json_tokener_new_ex(16);
	doc = json_tokener_parse_ex(tok, text, (int)len);
	if (doc == NULL || json_tokener_get_parse_end(tok) != len) {
		snprintf(err, errlen, "not JSON");
		json_object_put(doc);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "keys", &keys) ||
	    !json_object_is_type(keys, json_type_array)) {
		snprintf(err, errlen, "not a JWKS document: no \"keys\" array");
		json_object_put(doc);
		return NULL;
	}
	set = xcalloc(1, sizeof(*set));
	n = json_object_array_length(keys);
	for (i = 0; i < n; i++) {
		if (!jwks_add(set, json_object_array_get_idx(keys, i), i, err, errlen)) {
			jwks_free(set);
			json_object_put(doc);
			return NULL;
		}
	}
	json_object_put(doc);
	return set;
}

struct jwks *
jwks_load(const char *path, char *err, size_t errlen)
{
	struct jwks *set;
	struct buf b;
	char chunk[8192], why[256];
	size_t got;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len <= JWKS_MAX_BYTES)
		buf_append(&b, chunk, got);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	if ((set = jwks_parse(b.data, b.len, why, sizeof(why))) == NULL)
		snprintf(err, errlen, "%s: %s", path, why);
	buf_free(&b);
	return set;
}

const char *
jwt_result_str(enum jwt_result r)
{
	switch (r) {
	case JWT_OK:		return "valid";
	case JWT_MALFORMED:	return "the token is not a well-formed JWT";
	case JWT_ALGORITHM:	return "the token's algorithm is not RS256";
	case JWT_KEY:		return "the token's signing key is unknown";
	case JWT_SIGNATURE:	return "the token's signature does not verify";
	case JWT_EXPIRED:	return "the token has expired";
	case JWT_NOT_YET_VALID:	return "the token is not valid yet";
	case JWT_ISSUER:	return "the token's issuer is not accepted";
	case JWT_AUDIENCE:	return "the token is for another audience";
	case JWT_APPID:		return "the token was issued to another application";
	case JWT_USER:		return "the token names no user";
	}
	return "invalid token";
}

/* Decodes one base64url part holding a JSON object; NULL when it is anything else. */
static struct json_object *
part_object(const char *p, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;
	unsigned char *raw;
	size_t n;

	raw = xmalloc(b64_decoded_max(len) + 1);
	if (!b64_decode(p, len, true, raw, &n) || !utf8_valid((char *)raw, n)) {
		free(raw);
		return NULL;
	}
	tok = json_tokener_new_ex(16);
	o = json_tokener_parse_ex(tok, (char *)raw, (int)n);
	if (o != NULL && (json_tokener_get_parse_end(tok) != n ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	free(raw);
	return o;
}

/* A NumericDate claim: false when absent or not a number. */
static bool
num_claim(struct json_object *claims, const char *name, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(claims, name, &v))
		return false;
	if (json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return true;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);

		if (!(d > -1e15 && d < 1e15))
			return false;
		*out = (int64_t)d;
		return true;
	}
	return false;
}

static bool
audience_holds(struct json_object *claims, const char *want)
{
	struct json_object *aud, *v;
	size_t i, n;

	if (!json_object_object_get_ex(claims, "aud", &aud))
		return false;
	if (json_object_is_type(aud, json_type_string))
		return strcmp(json_object_get_string(aud), want) == 0;
	if (!json_object_is_type(aud, json_type_array))
		return false;
	n = json_object_array_length(aud);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(aud, i);
		if (json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), want) == 0)
			return true;
	}
	return false;
}

/* The issuer expected, with "{tenantid}" replaced by tid (which must then be a plain id). */
static bool
issuer_matches(const char *pattern, const char *iss, const char *tid)
{
	const char *at = strstr(pattern, "{tenantid}");
	size_t pre, tl, i;

	if (iss == NULL)
		return false;
	if (at == NULL)
		return strcmp(pattern, iss) == 0;
	if (tid == NULL || *tid == '\0' || strlen(tid) > 64)
		return false;
	for (i = 0; tid[i] != '\0'; i++) {
		if (!((tid[i] >= '0' && tid[i] <= '9') || (tid[i] >= 'a' && tid[i] <= 'z') ||
		    (tid[i] >= 'A' && tid[i] <= 'Z') || tid[i] == '-' || tid[i] == '.'))
			return false;
	}
	pre = (size_t)(at - pattern);
	tl = strlen(tid);
	return strncmp(iss, pattern, pre) == 0 && strncmp(iss + pre, tid, tl) == 0 &&
	    strcmp(iss + pre + tl, at + strlen("{tenantid}")) == 0;
}

static void
copy_claim(struct json_object *claims, const char *name, char *out, size_t outlen)
{
	const char *v = str_member(claims, name);

	out[0] = '\0';
	if (v != NULL && strlen(v) < outlen)
		memcpy(out, v, strlen(v) + 1);
}

static enum jwt_result
check_signature(const struct jwks *set, const char *kid, const char *signed_part,
    size_t signed_len, const char *sig64, size_t sig64_len)
{
	const struct jwk *key = NULL;
	unsigned char *sig;
	EVP_MD_CTX *md;
	size_t i, n;
	int ok;

	for (i = 0; set != NULL && i < set->nkeys; i++) {
		if (strcmp(set->keys[i].kid, kid) == 0) {
			key = &set->keys[i];
			break;
		}
	}
	if (key == NULL)
		return JWT_KEY;
	sig = xmalloc(b64_decoded_max(sig64_len) + 1);
	if (!b64_decode(sig64, sig64_len, true, sig, &n) ||
	    n != (size_t)EVP_PKEY_get_size(key->pkey)) {
		free(sig);
		return JWT_SIGNATURE;
	}
	md = EVP_MD_CTX_new();
	ok = md != NULL &&
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
	    EVP_DigestVerify(md, sig, n, (const unsigned char *)signed_part, signed_len) == 1;
	EVP_MD_CTX_free(md);
	free(sig);
	return ok ? JWT_OK : JWT_SIGNATURE;
}

enum jwt_result
jwt_verify(const struct jwks *set, const char *token, size_t len, const struct jwt_expect *want,
    struct jwt_claims *out)
{
	struct json_object *header = NULL, *claims = NULL, *crit;
	const char *dot1, *dot2, *alg, *kid, *tid, *appid;
	enum jwt_result r;
	int64_t t;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (token == NULL || len == 0 || len > JWT_MAX_BYTES)
		return JWT_MALFORMED;
	for (i = 0; i < len; i++) {
		char c = token[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.'))
			return JWT_MALFORMED;
	}
	if ((dot1 = memchr(token, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))) == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
		return JWT_MALFORMED;
	if ((header = part_object(token, (size_t)(dot1 - token))) == NULL ||
	    (claims = part_object(dot1 + 1, (size_t)(dot2 - dot1 - 1))) == NULL) {
		r = JWT_MALFORMED;
		goto out;
	}
	/* The algorithm is ours to choose, never the token's: RS256 or nothing. */
	alg = str_member(header, "alg");
	if (alg == NULL || strcmp(alg, "RS256") != 0 ||
	    json_object_object_get_ex(header, "crit", &crit)) {
		r = JWT_ALGORITHM;
		goto out;
	}
	if ((kid = str_member(header, "kid")) == NULL) {
		r = JWT_KEY;
		goto out;
	}
	if ((r = check_signature(set, kid, token, (size_t)(dot2 - token), dot2 + 1,
	    len - (size_t)(dot2 + 1 - token))) != JWT_OK)
		goto out;

	if (!num_claim(claims, "exp", &t) || t + want->skew <= (int64_t)want->now) {
		r = JWT_EXPIRED;
		goto out;
	}
	if ((num_claim(claims, "nbf", &t) && t - want->skew > (int64_t)want->now) ||
	    (num_claim(claims, "iat", &t) && t - want->skew > (int64_t)want->now)) {
		r = JWT_NOT_YET_VALID;
		goto out;
	}
	tid = str_member(claims, "tid");
	if (!issuer_matches(want->issuer, str_member(claims, "iss"), tid)) {
		r = JWT_ISSUER;
		goto out;
	}
	if (!audience_holds(claims, want->audience)) {
		r = JWT_AUDIENCE;
		goto out;
	}
	if (want->appid != NULL) {
		if ((appid = str_member(claims, "appid")) == NULL)
			appid = str_member(claims, "azp");
		if (appid == NULL || strcmp(appid, want->appid) != 0) {
			r = JWT_APPID;
			goto out;
		}
	}
	copy_claim(claims, want->user_claim, out->user, sizeof(out->user));
	if (out->user[0] == '\0') {
		r = JWT_USER;
		goto out;
	}
	copy_claim(claims, "tid", out->tid, sizeof(out->tid));
	copy_claim(claims, "oid", out->oid, sizeof(out->oid));
	copy_claim(claims, "preferred_username", out->upn, sizeof(out->upn));
	if (out->upn[0] == '\0')
		copy_claim(claims, "upn", out->upn, sizeof(out->upn));
	r = JWT_OK;
out:
	json_object_put(header);
	json_object_put(claims);
	if (r != JWT_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

struct keyring {
	pthread_rwlock_t  lock;
	char             *path;
	struct jwks      *keys;
};

struct keyring *
keyring_open(const char *path, char *err, size_t errlen)
{
	struct keyring *kr;
	struct jwks *keys;

	if ((keys = jwks_load(path, err, errlen)) == NULL)
		return NULL;
	kr = xcalloc(1, sizeof(*kr));
	if (pthread_rwlock_init(&kr->lock, NULL) != 0)
		fatal("pthread_rwlock_init");
	kr->path = xstrdup(path);
	kr->keys = keys;
	return kr;
}

bool
keyring_reload(struct keyring *kr, size_t *nkeys, char *err, size_t errlen)
{
	struct jwks *fresh, *old;

	/* Read and parse outside the lock: verifiers wait only for the pointer swap. */
	if ((fresh = jwks_load(kr->path, err, errlen)) == NULL)
		return false;
	pthread_rwlock_wrlock(&kr->lock);
	old = kr->keys;
	kr->keys = fresh;
	pthread_rwlock_unlock(&kr->lock);
	jwks_free(old);
	if (nkeys != NULL)
		*nkeys = jwks_count(fresh);
	return true;
}

enum jwt_result
keyring_verify(struct keyring *kr, const char *token, size_t len, const struct jwt_expect *want,
    struct jwt_claims *out)
{
	enum jwt_result r;

	pthread_rwlock_rdlock(&kr->lock);
	r = jwt_verify(kr->keys, token, len, want, out);
	pthread_rwlock_unlock(&kr->lock);
	return r;
}

const char *
keyring_path(const struct keyring *kr)
{
	return kr->path;
}

void
keyring_free(struct keyring *kr)
{
	if (kr == NULL)
		return;
	pthread_rwlock_destroy(&kr->lock);
	jwks_free(kr->keys);
	free(kr->path);
	free(kr);
}
