/* validate.h: pure checks of client input (ids, webhook URLs, the Save and Remove bodies). */
#ifndef CONNECTOR_VALIDATE_H
#define CONNECTOR_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct config;
struct json_object;

enum webhook_kind { WEBHOOK_CONNECTOR, WEBHOOK_WORKFLOW };

/* What went wrong, for the problem answer: the field and a reason a person can act on. */
struct field_error {
	const char *field;
	char        reason[200];
	/* Holds the field's name when it came from the client or is a path ("actions[1].url"). */
	char        name[72];
};

/* 8-4-4-4-12 hex digits (any case); out (37 bytes), if given, gets the lower-case form. */
bool		 uuid_parse(const char *, char *out);
const char	*webhook_kind_name(enum webhook_kind);

/*
 * A webhook URL is a Teams or Workflows endpoint: https, no user info, no fragment, at most
 * 2048 printable ASCII characters, on *.webhook.office.com, outlook.office.com,
 * *.logic.azure.com or *.api.powerplatform.com, or on a configured extra host (which may
 * allow http). The kind comes from the host, or for extra hosts from the path
 * (/workflows/ means Workflows).
 */
bool		 webhook_url_check(const char *url, const struct config *, enum webhook_kind *,
		    const char **why);

struct save_input {
	char               entity_id[37];
	const char        *config_name;
	const char        *content_url;
	const char        *webhook_url;
	enum webhook_kind  kind;
	const char        *app_type;
	char               user_object_id[37];
	const char        *events[32];
	size_t             nevents;
};

struct remove_input {
	char        entity_id[37];
	const char *webhook_url;
};

/*
 * Teams shows at most 4 buttons (MessageCard potentialAction entries); the notification's url
 * renders one ("Open"), so actions[] may hold 4 entries, or 3 when url is given.
 */
#define NOTIFY_MAX_BUTTONS 4
#define ACTION_ID_MAX      64
#define ACTION_NAME_MAX    100
#define ACTION_TEXT_MAX    200	/* input.title and status */

/* A notification from the owning service, checked; payload holds the card content. */
struct notify_input {
	const char         *event;
	const char         *idempotency_key;
	char                entity_id[37];	/* empty when not given */
	/* {title, text?, facts?, url?, actions?, severity}: the caller puts it */
	struct json_object *payload;
};

/* The expected contentUrl for an entity: <public base>/Connector/Edit?entityId=<id>. */
char		*content_url_for(struct arena *, const struct config *, const char *entity_id);

bool		 validate_save(struct json_object *, const struct config *, struct arena *,
		    struct save_input *, struct field_error *);
bool		 validate_remove(struct json_object *, const struct config *, struct remove_input *,
		    struct field_error *);

/*
 * POST /api/v1/notifications: event (a configured category), title (1-256), text (at most
 * 20000), facts (at most 100 of {name 1-200, value at most 2000}), url (http or https, at most
 * 2048), actions (below), severity (info, success, warning, critical; default info),
 * idempotencyKey (1-200 of A-Z a-z 0-9 . _ : -), entityId (optional UUID). Unknown members are
 * refused, in actions too; a refusal inside actions names the path ("actions[1].url").
 *
 * actions: at most NOTIFY_MAX_BUTTONS entries, one fewer when url is given; each one of
 *   {type "openUrl", name 1-100, url (as url, required)}
 *   {type "httpPost", id (1-64 of A-Z a-z 0-9 _ -, unique in the notification), name 1-100,
 *    input? {title 1-200, multiline? bool, required? bool}, status? 1-200,
 *    updateCard? bool, url? (as url: where Workflows cards link instead)}
 * Names, titles and status must hold no control characters and not be blank. The payload
 * keeps them normalised: httpPost always has status (default "<name>: sent") and updateCard,
 * an input always has multiline and required; an empty actions array is left out.
 */
bool		 validate_notification(struct json_object *, const struct config *,
		    struct notify_input *, struct field_error *);

#endif
