/* auth.h: bearer tokens on requests: card action clicks and signed-in Save/Remove. */
#ifndef CONNECTOR_AUTH_H
#define CONNECTOR_AUTH_H

#include <stdbool.h>

#include "http.h"
#include "jwt.h"

/*
 * The bearer token of the first of the CGI parameters named (e.g. HTTP_AUTHORIZATION) that
 * holds one ("Bearer <token>", scheme in any case); NULL when none does.
 */
const char	*auth_bearer_token(const struct request *, const char *const *params);

/*
 * Verifies the bearer token found in params against keys (NULL: none configured) and want;
 * on failure answers 401 with WWW-Authenticate and a problem naming header and the reason,
 * logs the reason (never the token), and returns false.
 */
bool		 auth_require(struct request *, struct response *, struct keyring *keys,
		    const char *const *params, const char *header, const struct jwt_expect *want,
		    struct jwt_claims *claims);

#endif
