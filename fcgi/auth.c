/* auth.c: finds a bearer token on a request, verifies it, and answers 401 when it fails. */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

const char *
auth_bearer_token(const struct request *req, const char *const *params)
{
	const char *v;

	for (; *params != NULL; params++) {
		if ((v = req_env(req, *params)) == NULL)
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (!ascii_nieq(v, "Bearer", 6) || (v[6] != ' ' && v[6] != '\t'))
			continue;
		v += 6;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '\0')
			return v;
	}
	return NULL;
}

bool
auth_require(struct request *req, struct response *resp, struct keyring *keys,
    const char *const *params, const char *header, const struct jwt_expect *want,
    struct jwt_claims *claims)
{
	const char *token = auth_bearer_token(req, params), *why;

	memset(claims, 0, sizeof(*claims));
	if (token == NULL) {
		why = "no bearer token was sent";
	} else if (keys == NULL) {
		why = "no signing keys are configured for this kind of token";
	} else {
		size_t len = strlen(token);
		enum jwt_result r;

		/* Trailing spaces are the header's, not the token's. */
		while (len > 0 && (token[len - 1] == ' ' || token[len - 1] == '\t'))
			len--;
		if ((r = keyring_verify(keys, token, len, want, claims)) == JWT_OK)
			return true;
		why = jwt_result_str(r);
	}
	log_line(LOG_WARN, "token refused", "rid=%s header=%s reason=\"%s\"", req->request_id,
	    header, why);
	resp_header(resp, "WWW-Authenticate", token == NULL ? "Bearer" :
	    "Bearer error=\"invalid_token\"");
	resp_problem(resp, req, 401, "unauthorized", "Unauthorized", header, "%s", why);
	return false;
}
