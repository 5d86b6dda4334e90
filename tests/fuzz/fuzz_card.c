/* fuzz_card.c: fuzzes card building, buttons and shrinking for both webhook kinds at several size limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "card.h"
#include "harness.h"
#include "http.h"
#include "util.h"

/* httpPost buttons are signed for this delivery; every card of one input uses it. */
static const struct card_ctx ctx = {
	.action_target = "https://connector.example.com/Connector/Action",
	.notification_id = "11111111-2222-4333-8444-555555555555",
	.entity_id = "0f8fad5b-d9cb-469f-a165-70867728950e",
	.secret = "0123456789abcdef0123456789abcdef",
};

/* What the output card says, found where each kind puts it. */
struct seen {
	struct json_object *title;
	struct json_object *text;	/* NULL when the card has none */
	size_t              nfacts;
	size_t              nbuttons;
};

static struct json_object *
member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static bool
type_is(struct json_object *o, const char *key, const char *want)
{
	struct json_object *v = member(o, key);

	return v != NULL && json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), want) == 0;
}

static struct json_object *
first(struct json_object *a)
{
	FZ_CHECK(a != NULL && json_object_is_type(a, json_type_array) &&
	    json_object_array_length(a) >= 1);
	return json_object_array_get_idx(a, 0);
}

static void
read_card(struct json_object *card, enum webhook_kind kind, struct seen *s)
{
	struct json_object *body, *block, *facts;
	size_t i, n;

	memset(s, 0, sizeof(*s));
	if (kind == WEBHOOK_CONNECTOR) {
		FZ_CHECK(type_is(card, "@type", "MessageCard"));
		s->title = member(card, "title");
		s->text = member(card, "text");
		if ((facts = member(card, "sections")) != NULL)
			s->nfacts = json_object_array_length(member(first(facts), "facts"));
		if ((facts = member(card, "potentialAction")) != NULL)
			s->nbuttons = json_object_array_length(facts);
		return;
	}
	FZ_CHECK(type_is(card, "type", "message"));
	body = member(member(first(member(card, "attachments")), "content"), "body");
	if ((facts = member(member(first(member(card, "attachments")), "content"), "actions")) !=
	    NULL)
		s->nbuttons = json_object_array_length(facts);
	s->title = member(first(body), "text");
	n = json_object_array_length(body);
	for (i = 1; i < n; i++) {
		block = json_object_array_get_idx(body, i);
		if (type_is(block, "type", "TextBlock"))
			s->text = member(block, "text");
		else if (type_is(block, "type", "FactSet"))
			s->nfacts = json_object_array_length(member(block, "facts"));
	}
}

static bool
same_string(struct json_object *a, struct json_object *b)
{
	return a != NULL && b != NULL && json_object_get_string_len(a) ==
	    json_object_get_string_len(b) && memcmp(json_object_get_string(a),
	    json_object_get_string(b), (size_t)json_object_get_string_len(a)) == 0;
}

static struct json_object *
nonempty(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key);

	return v != NULL && json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0 ? v : NULL;
}

/* Facts whose name and value are both strings: the only ones a card uses. */
static size_t
usable_facts(struct json_object *n)
{
	struct json_object *a = member(n, "facts"), *f, *name, *value;
	size_t i, len, count = 0;

	if (a == NULL || !json_object_is_type(a, json_type_array))
		return 0;
	len = json_object_array_length(a);
	for (i = 0; i < len; i++) {
		f = json_object_array_get_idx(a, i);
		if (json_object_is_type(f, json_type_object) && (name = member(f, "name")) != NULL &&
		    json_object_is_type(name, json_type_string) &&
		    (value = member(f, "value")) != NULL &&
		    json_object_is_type(value, json_type_string))
			count++;
	}
	return count;
}

/*
 * Every HttpPOST of a MessageCard (alone or inside an ActionCard) posts to the Action endpoint
 * a JSON body signed for this delivery and its button.
 */
static void
check_posts(struct json_object *buttons)
{
	struct json_object *b, *body, *id, *sig, *inner;
	char err[256], want[65];
	const char *text;
	size_t i, n = buttons != NULL ? json_object_array_length(buttons) : 0;

	FZ_CHECK(n <= CARD_MAX_BUTTONS);
	for (i = 0; i < n; i++) {
		b = json_object_array_get_idx(buttons, i);
		if (type_is(b, "@type", "ActionCard")) {
			inner = member(b, "actions");
			FZ_CHECK(inner != NULL && json_object_array_length(inner) == 1);
			b = first(inner);
		}
		if (!type_is(b, "@type", "HttpPOST"))
			continue;
		FZ_CHECK(type_is(b, "target", ctx.action_target));
		text = json_object_get_string(member(b, "body"));
		FZ_CHECK(text != NULL);
		body = json_parse_body(text, strlen(text), err, sizeof(err));
		FZ_CHECK(body != NULL);
		FZ_CHECK(type_is(body, "notificationId", ctx.notification_id));
		FZ_CHECK(type_is(body, "entityId", ctx.entity_id));
		id = member(body, "actionId");
		sig = member(body, "sig");
		FZ_CHECK(id != NULL && json_object_is_type(id, json_type_string) && sig != NULL);
		card_action_sig(ctx.secret, ctx.notification_id, ctx.entity_id,
		    json_object_get_string(id), want);
		FZ_CHECK(type_is(body, "sig", want));
		json_object_put(body);
	}
}

/* One card at one limit, checked against the notification and the card without a limit. */
static bool
check_build(struct json_object *n, enum webhook_kind kind, size_t max, const struct buf *full,
    size_t *nbuttons)
{
	static const char marker[] = CARD_CUT_MARKER;
	const size_t mlen = sizeof(marker) - 1;
	struct json_object *card, *title = nonempty(n, "title"), *text = nonempty(n, "text");
	struct card_fit fit;
	struct seen s;
	struct buf out;
	char err[256];
	bool ok;

	buf_init(&out);
	memset(&fit, 0xa5, sizeof(fit));
	ok = card_build(n, kind, max, &ctx, &out, &fit);
	if (!ok) {
		FZ_CHECK(out.len == 0 && !fit.text_cut && fit.facts_dropped == 0);
		/* Without a title there is no card; with one, only a limit refuses it. */
		FZ_CHECK(title == NULL || (full != NULL && full->len > max));
		buf_free(&out);
		return false;
	}
	FZ_CHECK(title != NULL);
	FZ_CHECK(out.len <= max && strlen(out.data) == out.len);
	card = json_parse_body(out.data, out.len, err, sizeof(err));
	if (card == NULL)
		fprintf(stderr, "card is not JSON (%s): %s\n", err, out.data);
	FZ_CHECK(card != NULL);
	if (full != NULL && full->len <= max) {
		/* It fitted whole: nothing may have been cut or dropped. */
		FZ_CHECK(!fit.text_cut && fit.facts_dropped == 0);
		FZ_CHECK(out.len == full->len && memcmp(out.data, full->data, out.len) == 0);
	}
	read_card(card, kind, &s);
	FZ_CHECK(same_string(s.title, title));
	/* Buttons are never dropped to fit: every card of an input has the same ones. */
	if (*nbuttons == SIZE_MAX)
		*nbuttons = s.nbuttons;
	FZ_CHECK(s.nbuttons == *nbuttons);
	if (kind == WEBHOOK_CONNECTOR)
		check_posts(member(card, "potentialAction"));
	FZ_CHECK(fit.facts_dropped <= usable_facts(n));
	FZ_CHECK(s.nfacts == usable_facts(n) - fit.facts_dropped);
	if (text == NULL)
		FZ_CHECK(s.text == NULL && !fit.text_cut);
	else if (!fit.text_cut)
		FZ_CHECK(same_string(s.text, text));
	else {
		/* A cut text is a prefix of the original, ending on a character, then the marker. */
		size_t len, keep;

		FZ_CHECK(s.text != NULL);
		len = (size_t)json_object_get_string_len(s.text);
		FZ_CHECK(len >= mlen && memcmp(json_object_get_string(s.text) + len - mlen, marker,
		    mlen) == 0);
		keep = len - mlen;
		FZ_CHECK(keep < (size_t)json_object_get_string_len(text));
		FZ_CHECK(memcmp(json_object_get_string(s.text), json_object_get_string(text),
		    keep) == 0);
	}
	json_object_put(card);
	buf_free(&out);
	return true;
}

/* A card built with c (done_message set, or NULL) posts nothing; a done card shows its message. */
static void
check_no_posts(struct json_object *n, enum webhook_kind kind, const struct card_ctx *c)
{
	struct json_object *card, *buttons, *b, *last;
	struct buf out;
	char err[256];
	size_t i, len;

	buf_init(&out);
	if (!card_build(n, kind, SIZE_MAX, c, &out, NULL)) {
		FZ_CHECK(nonempty(n, "title") == NULL);
		buf_free(&out);
		return;
	}
	card = json_parse_body(out.data, out.len, err, sizeof(err));
	FZ_CHECK(card != NULL);
	if (kind == WEBHOOK_CONNECTOR) {
		buttons = member(card, "potentialAction");
		len = buttons != NULL ? json_object_array_length(buttons) : 0;
		for (i = 0; i < len; i++) {
			b = json_object_array_get_idx(buttons, i);
			FZ_CHECK(type_is(b, "@type", "OpenUri"));
		}
		if (c != NULL) {
			buttons = member(card, "sections");
			FZ_CHECK(buttons != NULL && json_object_array_length(buttons) >= 1);
			last = json_object_array_get_idx(buttons, json_object_array_length(buttons) - 1);
			FZ_CHECK(type_is(last, "text", "\xe2\x9c\x93 Acknowledged \"by\" \xc3\xa9"));
		}
	} else if (c != NULL) {
		buttons = member(member(first(member(card, "attachments")), "content"), "body");
		len = json_object_array_length(buttons);
		last = json_object_array_get_idx(buttons, len - 1);
		FZ_CHECK(type_is(last, "text", "\xe2\x9c\x93 Acknowledged \"by\" \xc3\xa9"));
	}
	json_object_put(card);
	buf_free(&out);
}

#define NLIMITS 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *n;
	struct card_ctx done = ctx;
	struct buf full;
	char err[256];
	size_t limits[NLIMITS], i, j, hash = 5381, nbuttons;
	bool fitted[NLIMITS];
	int k;

	if ((n = json_parse_body((const char *)data, size, err, sizeof(err))) == NULL)
		return 0;
	/* One limit depends on the input, so the fuzzer can steer the cut to any point. */
	for (i = 0; i < size; i++)
		hash = hash * 33 + data[i];
	limits[0] = 0;
	limits[1] = 1;
	limits[2] = 160;
	limits[3] = 400;
	limits[4] = 100 + hash % 3000;
	limits[5] = 1500;
	limits[6] = 4000;
	limits[7] = CARD_MAX_BYTES;

	for (k = WEBHOOK_CONNECTOR; k <= WEBHOOK_WORKFLOW; k++) {
		buf_init(&full);
		nbuttons = SIZE_MAX;
		if (check_build(n, (enum webhook_kind)k, SIZE_MAX, NULL, &nbuttons))
			FZ_CHECK(card_build(n, (enum webhook_kind)k, SIZE_MAX, &ctx, &full, NULL));
		else
			FZ_CHECK(nonempty(n, "title") == NULL);
		for (i = 0; i < NLIMITS; i++)
			fitted[i] = check_build(n, (enum webhook_kind)k, limits[i],
			    full.data != NULL ? &full : NULL, &nbuttons);
		/* A larger limit never refuses what a smaller one took. */
		for (i = 0; i < NLIMITS; i++)
			for (j = 0; j < NLIMITS; j++)
				if (fitted[i] && limits[j] >= limits[i])
					FZ_CHECK(fitted[j]);
		/* After the click, or without a ctx: the same card less its httpPost buttons. */
		done.done_message = "Acknowledged \"by\" \xc3\xa9";
		check_no_posts(n, (enum webhook_kind)k, &done);
		check_no_posts(n, (enum webhook_kind)k, NULL);
		buf_free(&full);
	}
	json_object_put(n);
	return 0;
}
