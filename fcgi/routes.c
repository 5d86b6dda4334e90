/* routes.c: the route table (method + path -> handler) and the shared application state. */
#include "app.h"

#include <stdio.h>

const struct route app_routes[] = {
	{ "GET",  "/healthz",	BODY_NONE, handle_healthz },
	{ "GET",  "/readyz",	BODY_NONE, handle_readyz },
};
const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);

void
app_init(struct app *app, const struct config *cfg)
{
	app->cfg = cfg;
	snprintf(app->retry_after, sizeof(app->retry_after), "%ld", cfg->retry_after);
}
