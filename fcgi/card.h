/* card.h: builds the card a Teams webhook receives from a notification; pure, no I/O. */
#ifndef CONNECTOR_CARD_H
#define CONNECTOR_CARD_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"
#include "validate.h"

struct json_object;

/* Teams refuses messages over 28 KB; we stay under with room for HTTP framing. */
#define CARD_MAX_BYTES 28000

/* What shrinking did to make the card fit, for the caller to log or report. */
struct card_fit {
	bool   text_cut;	/* the text was cut and ends with CARD_CUT_MARKER */
	size_t facts_dropped;	/* facts removed from the end */
};

#define CARD_CUT_MARKER " \xe2\x80\xa6 [truncated]"

/* Teams shows at most this many buttons on a card; more are never rendered. */
#define CARD_MAX_BUTTONS 4

/* Where httpPost buttons post to and what ties a click to one delivery; NULL: render no httpPost buttons. */
struct card_ctx {
	const char *action_target;	/* <public_base_url>/Connector/Action */
	const char *notification_id;	/* uuid text */
	const char *entity_id;		/* uuid text: the configuration (channel) this card goes to */
	const char *secret;		/* the configured csrf_secret, keys the binding signature */
	/*
	 * Non-NULL: render the "after the click" version: no httpPost buttons, and this
	 * message shown after a check mark (U+2713), as a last section or TextBlock.
	 */
	const char *done_message;
};

/*
 * Builds the payload for a webhook of the given kind from a notification object (the
 * validated ingest body: title, text, facts[{name,value}], url, actions[], severity; only title
 * is required): a MessageCard for connector webhooks, an Adaptive Card 1.4 in the
 * {"type":"message","attachments":[...]} envelope for Workflows.
 *
 * Buttons: url renders "Open" first, then actions in order, at most CARD_MAX_BUTTONS in all.
 * MessageCard: openUrl is an OpenUri; httpPost is an HttpPOST to ctx->action_target, or an
 * ActionCard with one TextInput (id "input") and that HttpPOST when it has an input. The
 * HttpPOST body is the JSON text {"notificationId","entityId","actionId","sig"} (sig from
 * card_action_sig) plus "input":"{{input.value}}" with an input; Teams substitutes what the
 * user typed, and may not JSON-escape it, so the Action handler must expect a broken body.
 * Adaptive Card: openUrl is an Action.OpenUrl; httpPost is an Action.OpenUrl to its url when
 * it has one, else left out, since Workflows cannot post back (no Action.Submit). With ctx
 * NULL, or with ctx->done_message, no httpPost button is rendered in either format; when ctx
 * is given without done_message and an httpPost button is to be rendered, action_target,
 * notification_id, entity_id and secret must all be set, or the result is false. Malformed
 * actions (not the validated shape) are skipped.
 *
 * Size: if the serialised card is larger than max_bytes, the text is cut (at a UTF-8 boundary,
 * with CARD_CUT_MARKER) and then facts are dropped from the end until it fits, then as much
 * text as fits is restored. Buttons and the done message are never dropped to fit: they are
 * few and bounded by validation (4 buttons of at most 100-character names and 2048-byte URLs),
 * and a card whose buttons vanished would silently lose what the reader is asked to do. The
 * smallest form is the title with the marker alone as text (or the text itself if shorter),
 * no facts, and every button; when even that does not fit, out is empty and the result false.
 * facts_dropped counts usable facts only (facts whose name or value is not a string are
 * skipped).
 */
bool	card_build(struct json_object *notification, enum webhook_kind, size_t max_bytes,
	    const struct card_ctx *ctx, struct buf *out, struct card_fit *fit);

/*
 * Hex HMAC-SHA256 (64 chars + NUL) over
 * "card-action\n<notification_id>\n<entity_id>\n<action_id>", keyed by secret: proves a
 * click's body came from a card we rendered for that channel. Every argument is non-NULL.
 */
void	card_action_sig(const char *secret, const char *notification_id, const char *entity_id,
	    const char *action_id, char out[65]);

#endif
