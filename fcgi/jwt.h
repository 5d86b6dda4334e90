/* jwt.h: verifies RS256 JSON Web Tokens against the keys of a JWKS file; the only door to OpenSSL. */
#ifndef CONNECTOR_JWT_H
#define CONNECTOR_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct jwks;
struct keyring;

/* Longest token looked at: real ones are 1-3 KB; anything longer is refused unread. */
#define JWT_MAX_BYTES 16384

/*
 * Parses a JWKS document ({"keys":[{"kty":"RSA","kid":..,"n":..,"e":..}, ...]}). Keys that
 * are not RSA signing keys (kty, use, alg) are skipped; an RSA key that is malformed or shorter
 * than 2048 bits, a duplicate kid, or a document that is not a JWKS is an error (NULL and err).
 */
struct jwks	*jwks_parse(const char *text, size_t len, char *err, size_t errlen);
struct jwks	*jwks_load(const char *path, char *err, size_t errlen);
size_t		 jwks_count(const struct jwks *);
void		 jwks_free(struct jwks *);

/* What a token must say. Strings are compared exactly. */
struct jwt_expect {
	const char  *issuer;	/* "{tenantid}" in it stands for the token's tid claim */
	const char  *audience;	/* aud (a string or an array) must hold it */
	const char  *appid;	/* NULL: not checked; else the appid (or azp) claim must equal it */
	const char  *user_claim; /* claim naming the user ("sub", "oid"); must be present */
	long         skew;	/* seconds of clock difference tolerated on exp, nbf, iat */
	time_t       now;
};

/* Why a token was refused; JWT_OK when it was not. */
enum jwt_result {
	JWT_OK,
	JWT_MALFORMED,		/* not three base64url parts of JSON objects, or too long */
	JWT_ALGORITHM,		/* alg is not RS256, or crit is present */
	JWT_KEY,		/* no kid, or no key with that kid */
	JWT_SIGNATURE,
	JWT_EXPIRED,		/* exp missing or past */
	JWT_NOT_YET_VALID,	/* nbf or iat in the future */
	JWT_ISSUER,
	JWT_AUDIENCE,
	JWT_APPID,
	JWT_USER,		/* the user claim is missing or not a string */
};
const char	*jwt_result_str(enum jwt_result);

/* The claims a caller uses, copied out (empty strings when absent). */
struct jwt_claims {
	char user[128];		/* the expect->user_claim value */
	char tid[64];
	char oid[64];
	char upn[128];		/* preferred_username or upn, for display only */
};

enum jwt_result	 jwt_verify(const struct jwks *, const char *token, size_t len,
		    const struct jwt_expect *, struct jwt_claims *);

/*
 * A JWKS file kept current for threads that verify while another reloads it (SIGHUP).
 * A reload that fails keeps the keys already loaded.
 */
struct keyring	*keyring_open(const char *path, char *err, size_t errlen);
bool		 keyring_reload(struct keyring *, size_t *nkeys, char *err, size_t errlen);
enum jwt_result	 keyring_verify(struct keyring *, const char *token, size_t len,
		    const struct jwt_expect *, struct jwt_claims *);
const char	*keyring_path(const struct keyring *);
void		 keyring_free(struct keyring *);

#endif
