/* app.h: what every request may read, built once at start-up and never written after. */
#ifndef CONNECTOR_APP_H
#define CONNECTOR_APP_H

#include <stddef.h>

#include "config.h"
#include "http.h"

struct app {
	const struct config *cfg;
	char                 retry_after[24];	/* cfg->retry_after as a header value */
};

void	 app_init(struct app *, const struct config *);

/* The route table of connector-fcgi. */
extern const struct route	app_routes[];
extern const size_t		app_nroutes;

/* Handlers (one file per endpoint group). */
void	 handle_healthz(struct request *, struct response *);
void	 handle_readyz(struct request *, struct response *);

#endif
