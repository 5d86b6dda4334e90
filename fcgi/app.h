/* app.h: what every request may read, built once at start-up and never written after. */
#ifndef CONNECTOR_APP_H
#define CONNECTOR_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "http.h"

struct json_object;
struct template;

struct app {
	const struct config *cfg;
	char                 retry_after[24];	/* cfg->retry_after as a header value */
	char                *page_csp;		/* Content-Security-Policy of HTML pages */
	struct template     *tpl_setup;
	struct template     *tpl_error;
	/* What the Setup page shows every visitor (base_url, categories none checked), built once. */
	struct json_object  *setup_shared;
};

/* Loads the templates; false with "file:line: reason" when one is broken. */
bool	 app_init(struct app *, const struct config *, char *err, size_t errlen);
void	 app_free(struct app *);

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

/* Shared answers: the database is down (503 + Retry-After), or failed (500, logged). */
void	 answer_unavailable(struct request *, struct response *, const char *err);
void	 answer_internal(struct request *, struct response *, const char *err);

#endif
