/* handle_health.c: GET /healthz (the process answers) and GET /readyz (the database answers). */
#include "app.h"

#include <json-c/json.h>

#include "store.h"

void
handle_healthz(struct request *req, struct response *resp)
{
	struct json_object *o = json_object_new_object();

	(void)req;
	json_object_object_add(o, "status", json_object_new_string("ok"));
	resp_json(resp, 200, o);
	json_object_put(o);
}

void
handle_readyz(struct request *req, struct response *resp)
{
	struct json_object *o;
	char err[256];

	if (!store_ping(req->store, err, sizeof(err))) {
		answer_unavailable(req, resp, err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string("ready"));
	resp_json(resp, 200, o);
	json_object_put(o);
}
