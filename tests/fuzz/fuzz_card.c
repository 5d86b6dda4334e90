/* fuzz_card.c: fuzzes card building and shrinking for both webhook kinds at several size limits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "card.h"
#include "harness.h"
#include "http.h"
#include "util.h"

/* What the output card says, found where each kind puts it. */
struct seen {
	struct json_object *title;
	struct json_object *text;	/* NULL when the card has none */
	size_t              nfacts;
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
		return;
	}
	FZ_CHECK(type_is(card, "type", "message"));
	body = member(member(first(member(card, "attachments")), "content"), "body");
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

/* One card at one limit, checked against the notification and the card without a limit. */
static bool
check_build(struct json_object *n, enum webhook_kind kind, size_t max, const struct buf *full)
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
	ok = card_build(n, kind, max, &out, &fit);
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

#define NLIMITS 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *n;
	struct buf full;
	char err[256];
	size_t limits[NLIMITS], i, j, hash = 5381;
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
		if (check_build(n, (enum webhook_kind)k, SIZE_MAX, NULL))
			FZ_CHECK(card_build(n, (enum webhook_kind)k, SIZE_MAX, &full, NULL));
		else
			FZ_CHECK(nonempty(n, "title") == NULL);
		for (i = 0; i < NLIMITS; i++)
			fitted[i] = check_build(n, (enum webhook_kind)k, limits[i],
			    full.data != NULL ? &full : NULL);
		/* A larger limit never refuses what a smaller one took. */
		for (i = 0; i < NLIMITS; i++)
			for (j = 0; j < NLIMITS; j++)
				if (fitted[i] && limits[j] >= limits[i])
					FZ_CHECK(fitted[j]);
		buf_free(&full);
	}
	json_object_put(n);
	return 0;
}
