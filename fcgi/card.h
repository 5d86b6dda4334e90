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

/*
 * Builds the payload for a webhook of the given kind from a notification object (the
 * validated ingest body: title, text, facts[{name,value}], url, severity; only title is
 * required): a MessageCard for connector webhooks, an Adaptive Card 1.4 in the
 * {"type":"message","attachments":[...]} envelope for Workflows. If the serialised card is
 * larger than max_bytes, the text is cut (at a UTF-8 boundary, with CARD_CUT_MARKER) and then
 * facts are dropped from the end until it fits, then as much text as fits is restored. The
 * smallest form is the title with the marker alone as text (or the text itself if shorter) and
 * no facts; when even that does not fit, out is empty and the result false. facts_dropped
 * counts usable facts only (facts whose name or value is not a string are skipped).
 */
bool	card_build(struct json_object *notification, enum webhook_kind, size_t max_bytes,
	    struct buf *out, struct card_fit *fit);

#endif
