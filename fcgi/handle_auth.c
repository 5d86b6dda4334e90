/* handle_auth.c: the sign-in popup pages (/Connector/Auth/Start and /Connector/Auth/End). */
#include "app.h"

#include <json-c/json.h>

#include "util.h"

/* Azure AD's authorize endpoint for any tenant: the user's own tenant answers. */
#define AUTHORITY "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize"

static bool
sign_in_enabled(struct request *req, struct response *resp)
{
	if (req->app->cfg->sso_enabled)
		return true;
	resp_problem(resp, req, 404, "not-found", "Not found", NULL,
	    "sign-in is not enabled on this service (key 'sso_enabled')");
	return false;
}

void
handle_auth_start(struct request *req, struct response *resp)
{
	const struct config *cfg = req->app->cfg;
	struct json_object *d;
	struct buf redirect;

	if (!sign_in_enabled(req, resp))
		return;
	d = json_object_new_object();
	req_keep_json(req, d);
	buf_init(&redirect);
	buf_printf(&redirect, "%s/Connector/Auth/End", cfg->public_base_url);
	json_object_object_add(d, "client_id", json_object_new_string(cfg->sso_client_id));
	json_object_object_add(d, "authority", json_object_new_string(AUTHORITY));
	json_object_object_add(d, "redirect_uri", json_object_new_string(redirect.data));
	buf_free(&redirect);
	send_page(req, resp, 200, req->app->tpl_auth_start, NULL, d);
}

void
handle_auth_end(struct request *req, struct response *resp)
{
	struct json_object *d;

	if (!sign_in_enabled(req, resp))
		return;
	d = json_object_new_object();
	req_keep_json(req, d);
	send_page(req, resp, 200, req->app->tpl_auth_end, NULL, d);
}
