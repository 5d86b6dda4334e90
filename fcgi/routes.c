/* routes.c: the route table (method + path -> handler) and the shared application state. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jwt.h"
#include "log.h"
#include "render.h"
#include "util.h"

const struct route app_routes[] = {
	{ "GET",  "/healthz",		BODY_NONE, handle_healthz },
	{ "GET",  "/readyz",		BODY_NONE, handle_readyz },
	{ "GET",  "/Connector/Setup",	BODY_NONE, handle_setup },
	{ "GET",  "/Connector/Edit",	BODY_NONE, handle_edit },
	{ "POST", "/Connector/Save",	BODY_JSON, handle_save },
	{ "POST", "/Connector/Remove",	BODY_JSON, handle_remove },
	{ "POST", "/api/v1/notifications", BODY_JSON, handle_notify },
	{ "GET",  "/metrics",		BODY_NONE, handle_metrics },
	{ "POST", "/Connector/Action",	BODY_JSON_LATE, handle_action },
	{ "GET",  "/Connector/Auth/Start", BODY_NONE, handle_auth_start },
	{ "GET",  "/Connector/Auth/End", BODY_NONE, handle_auth_end },
};
const size_t app_nroutes = sizeof(app_routes) / sizeof(app_routes[0]);

static struct template *
load(const struct config *cfg, const char *file, char *err, size_t errlen)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->templates_dir, file) >= sizeof(path)) {
		snprintf(err, errlen, "key 'templates_dir': path too long");
		return NULL;
	}
	return template_load(path, err, errlen);
}

/* The categories as the page lists them; stored events check theirs (NULL on Setup). */
struct json_object *
page_categories(const struct config *cfg, const char *const *events, size_t nevents)
{
	struct json_object *cats = json_object_new_array();
	size_t i, j;

	for (i = 0; i < cfg->ncategories; i++) {
		struct json_object *c = json_object_new_object();
		bool checked = false;

		for (j = 0; j < nevents; j++)
			if (strcmp(events[j], cfg->categories[i].id) == 0)
				checked = true;
		json_object_object_add(c, "id", json_object_new_string(cfg->categories[i].id));
		json_object_object_add(c, "label", json_object_new_string(cfg->categories[i].label));
		json_object_object_add(c, "checked", json_object_new_boolean(checked));
		json_object_array_add(cats, c);
	}
	return cats;
}

/* A JWKS file named by a key, when it is set; a file that cannot be used stops start-up. */
static bool
open_keys(const char *path, const char *key, struct keyring **out, char *err, size_t errlen)
{
	char why[400];

	*out = NULL;
	if (*path == '\0')
		return true;
	if ((*out = keyring_open(path, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "key '%s': %s", key, why);
		return false;
	}
	return true;
}

bool
app_init(struct app *app, const struct config *cfg, char *err, size_t errlen)
{
	struct buf csp;

	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	snprintf(app->retry_after, sizeof(app->retry_after), "%ld", cfg->retry_after);
	/* Teams frames the page; the service's own origin frames it in the local Teams host. */
	buf_init(&csp);
	buf_printf(&csp, "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
	    "frame-ancestors 'self' %s teams.microsoft.com *.teams.microsoft.com *.skype.com",
	    cfg->public_base_url);
	app->page_csp = csp.data;
	/* Only the CSRF token differs between Setup pages: building the rest per request cost time. */
	app->setup_shared = json_object_new_object();
	json_object_object_add(app->setup_shared, "base_url",
	    json_object_new_string(cfg->public_base_url));
	json_object_object_add(app->setup_shared, "categories", page_categories(cfg, NULL, 0));
	/* The page asks Teams for a sign-in token only when the server will ask for one. */
	if (cfg->sso_enabled)
		json_object_object_add(app->setup_shared, "sso_client_id",
		    json_object_new_string(cfg->sso_client_id));
	if ((app->tpl_setup = load(cfg, "setup.html", err, errlen)) == NULL ||
	    (app->tpl_error = load(cfg, "error.html", err, errlen)) == NULL ||
	    (app->tpl_auth_start = load(cfg, "auth-start.html", err, errlen)) == NULL ||
	    (app->tpl_auth_end = load(cfg, "auth-end.html", err, errlen)) == NULL) {
		app_free(app);
		return false;
	}
	if (!open_keys(cfg->action_jwks_file, "action_jwks_file", &app->action_keys, err,
	    errlen) || !open_keys(cfg->sso_jwks_file, "sso_jwks_file", &app->sso_keys, err,
	    errlen)) {
		app_free(app);
		return false;
	}
	return true;
}

static void
reload_keys(struct keyring *kr, const char *key)
{
	char err[512], v[512];
	size_t n = 0;

	if (kr == NULL)
		return;
	if (keyring_reload(kr, &n, err, sizeof(err)))
		log_line(LOG_INFO, "keys reloaded", "key=%s keys=%zu", key, n);
	else
		log_line(LOG_ERROR, "keys not reloaded; the previous ones stay", "key=%s error=%s",
		    key, log_value(err, v, sizeof(v)));
}

void
app_reload_keys(const struct app *app)
{
	reload_keys(app->action_keys, "action_jwks_file");
	reload_keys(app->sso_keys, "sso_jwks_file");
}

void
app_free(struct app *app)
{
	template_free(app->tpl_setup);
	template_free(app->tpl_error);
	template_free(app->tpl_auth_start);
	template_free(app->tpl_auth_end);
	keyring_free(app->action_keys);
	keyring_free(app->sso_keys);
	app->action_keys = app->sso_keys = NULL;
	free(app->page_csp);
	json_object_put(app->setup_shared);
	app->setup_shared = NULL;
	app->tpl_setup = app->tpl_error = app->tpl_auth_start = app->tpl_auth_end = NULL;
	app->page_csp = NULL;
}

/* Renders an HTML page with the page security headers; shared (or NULL) as render.h says. */
void
send_page(struct request *req, struct response *resp, int status, const struct template *t,
    struct json_object *shared, struct json_object *data)
{
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
	resp_header(resp, "Content-Security-Policy", req->app->page_csp);
	buf_reset(&resp->body);
	if (shared != NULL)
		template_render_shared(t, shared, data, &resp->body);
	else
		template_render(t, data, &resp->body);
}

void
answer_unavailable(struct request *req, struct response *resp, const char *err)
{
	char v[256];

	log_line(LOG_WARN, "database unavailable", "rid=%s error=%s", req->request_id,
	    log_value(err, v, sizeof(v)));
	resp_header(resp, "Retry-After", req->app->retry_after);
	resp_problem(resp, req, 503, "database-unavailable", "Database unavailable", NULL,
	    "the database cannot be reached; retry later");
}

void
answer_internal(struct request *req, struct response *resp, const char *err)
{
	char v[256];

	/* Only the first line of a database error: later lines may quote the row's values. */
	log_line(LOG_ERROR, "internal error", "rid=%s error=%s", req->request_id,
	    log_value(err, v, sizeof(v)));
	resp_problem(resp, req, 500, "internal-error", "Internal error", NULL,
	    "the request could not be completed; it has been logged as %s", req->request_id);
}
