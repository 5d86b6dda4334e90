/* app.h: what every request may read, built once at start-up and never written after. */
#ifndef CONNECTOR_APP_H
#define CONNECTOR_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "http.h"

struct json_object;
struct template;
struct keyring;

struct app {
	const struct config *cfg;
	char                 retry_after[24];	/* cfg->retry_after as a header value */
	char                *page_csp;		/* Content-Security-Policy of HTML pages */
	struct template     *tpl_setup;
	struct template     *tpl_error;
	struct template     *tpl_auth_start;
	struct template     *tpl_auth_end;
	struct keyring      *action_keys;	/* NULL: action_jwks_file not set */
	struct keyring      *sso_keys;		/* NULL: sso_jwks_file not set */
	/* What the Setup page shows every visitor (base_url, categories none checked), built once. */
	struct json_object  *setup_shared;
};

/* Loads the templates; false with "file:line: reason" when one is broken. */
bool	 app_init(struct app *, const struct config *, char *err, size_t errlen);
void	 app_free(struct app *);
/* Reads the JWKS files again (SIGHUP); a file that fails keeps its old keys. Logs either way. */
void	 app_reload_keys(const struct app *);

/* The page's categories (id, label, checked) as a new array; events are the checked ids. */
struct json_object	*page_categories(const struct config *, const char *const *events,
			    size_t nevents);

/* The route table of connector-fcgi. */
extern const struct route	app_routes[];
extern const size_t		app_nroutes;

/* Handlers (one file per endpoint group). */
void	 handle_healthz(struct request *, struct response *);
void	 handle_readyz(struct request *, struct response *);
void	 handle_setup(struct request *, struct response *);
void	 handle_edit(struct request *, struct response *);
void	 handle_save(struct request *, struct response *);
void	 handle_remove(struct request *, struct response *);
void	 handle_notify(struct request *, struct response *);
void	 handle_metrics(struct request *, struct response *);
void	 handle_action(struct request *, struct response *);
void	 handle_auth_start(struct request *, struct response *);
void	 handle_auth_end(struct request *, struct response *);

/* An HTML page with the page security headers (CSP); shared (or NULL) as render.h says. */
struct json_object;
void	 send_page(struct request *, struct response *, int status, const struct template *,
	    struct json_object *shared, struct json_object *data);

/* Shared answers: the database is down (503 + Retry-After), or failed (500, logged). */
void	 answer_unavailable(struct request *, struct response *, const char *err);
void	 answer_internal(struct request *, struct response *, const char *err);

#endif
