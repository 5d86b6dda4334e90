/* card.c: turns a notification into the card a Teams webhook accepts, shrunk to the size limit. */
#include "card.h"

#include <string.h>

#include <json-c/json.h>

#include "sha256.h"

#define CARD_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* U+2713 CHECK MARK before the done message: the reader sees the click took. */
#define DONE_MARK "\xe2\x9c\x93 "

/*
 * Rough serialised cost of one fact beyond its name and value, and of the list holding
 * them; they only aim the first measurement of the fact search, so they need not be exact.
 */
#define FACT_OVERHEAD_GUESS 24
#define FACT_LIST_GUESS     30

struct severity_style {
	const char *name;
	const char *theme_color;	/* MessageCard themeColor */
	const char *text_color;		/* Adaptive Card TextBlock color */
};

/* The first entry is the default, for a missing or unknown severity. */
static const struct severity_style severity_styles[] = {
	{ "info",     "0076D7", "Accent" },
	{ "success",  "2EB886", "Good" },
	{ "warning",  "FFB900", "Warning" },
	{ "critical", "D13438", "Attention" },
};

/*
 * The members of a notification that make the card, borrowed from its json-c object, and the
 * parts no shrinking touches, built once for the kind and shared by every form tried.
 */
struct notice {
	struct json_object          *title;
	struct json_object          *text;	/* NULL when absent, empty or not a string */
	struct json_object          *url;	/* likewise */
	struct json_object          *facts;	/* the array, or NULL */
	size_t                       nfacts;	/* well-formed facts in it */
	const struct severity_style *style;
	struct json_object          *buttons;	/* owned: the rendered buttons, NULL when none */
	struct json_object          *done;	/* owned: the done message with its mark, or NULL */
};

/* What the shrinking searches vary: the length of the cut text, or the number of facts. */
enum search_over { OVER_TEXT, OVER_FACTS };

struct shrink {
	const struct notice *n;
	enum webhook_kind    kind;
	size_t               max_bytes;
	struct buf          *out;
	enum search_over     over;
	size_t               nfacts;	/* facts kept while the text is searched */
	struct json_object  *shortest;	/* the text while facts are searched */
	struct buf           scratch;	/* a cut text with its marker */
};

static struct json_object *
nonempty_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return NULL;
	return v;
}

/* A fact is used only when both its name and value are strings; others are skipped. */
static bool
fact_parts(struct json_object *fact, struct json_object **name, struct json_object **value)
{
	return json_object_is_type(fact, json_type_object) &&
	    json_object_object_get_ex(fact, "name", name) &&
	    json_object_is_type(*name, json_type_string) &&
	    json_object_object_get_ex(fact, "value", value) &&
	    json_object_is_type(*value, json_type_string);
}

static bool
notice_read(struct json_object *notification, struct notice *n)
{
	struct json_object *v;
	const char *severity;
	size_t i, len;

	memset(n, 0, sizeof(*n));
	if (!json_object_is_type(notification, json_type_object))
		return false;
	if ((n->title = nonempty_string(notification, "title")) == NULL)
		return false;
	n->text = nonempty_string(notification, "text");
	n->url = nonempty_string(notification, "url");
	if (json_object_object_get_ex(notification, "facts", &v) &&
	    json_object_is_type(v, json_type_array)) {
		n->facts = v;
		len = json_object_array_length(v);
		for (i = 0; i < len; i++) {
			struct json_object *name, *value;

			if (fact_parts(json_object_array_get_idx(v, i), &name, &value))
				n->nfacts++;
		}
	}
	n->style = &severity_styles[0];
	if ((v = nonempty_string(notification, "severity")) != NULL) {
		severity = json_object_get_string(v);
		for (i = 0; i < sizeof(severity_styles) / sizeof(severity_styles[0]); i++)
			if (strcmp(severity, severity_styles[i].name) == 0)
				n->style = &severity_styles[i];
	}
	return true;
}

static void
add_string(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* Shares a string of the notification by reference: copying a long text for every try is waste. */
static void
add_shared(struct json_object *o, const char *key, struct json_object *value)
{
	json_object_object_add(o, key, json_object_get(value));
}

static struct json_object *
array_of(struct json_object *element)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, element);
	return a;
}

/* The first `keep` well-formed facts, in order, with the name under name_key. */
static struct json_object *
facts_array(const struct notice *n, size_t keep, const char *name_key)
{
	struct json_object *a = json_object_new_array(), *f, *name, *value;
	size_t i, len = json_object_array_length(n->facts);

	for (i = 0; i < len && keep > 0; i++) {
		if (!fact_parts(json_object_array_get_idx(n->facts, i), &name, &value))
			continue;
		f = json_object_new_object();
		add_shared(f, name_key, name);
		add_shared(f, "value", value);
		json_object_array_add(a, f);
		keep--;
	}
	return a;
}

void
card_action_sig(const char *secret, const char *notification_id, const char *entity_id,
    const char *action_id, char out[65])
{
	unsigned char mac[32];
	struct buf msg;

	/* A fixed label and newlines (which none of the parts can hold) keep the fields apart. */
	buf_init(&msg);
	buf_printf(&msg, "card-action\n%s\n%s\n%s", notification_id, entity_id, action_id);
	hmac_sha256(secret, strlen(secret), msg.data, msg.len, mac);
	buf_free(&msg);
	hex_encode(mac, sizeof(mac), out);
}

/* The parts of one action a button needs; any missing one means the action is skipped. */
struct action_parts {
	bool                post;		/* httpPost; otherwise openUrl */
	struct json_object *name;
	struct json_object *url;	/* required for openUrl, optional for httpPost */
	struct json_object *id;		/* httpPost only */
	struct json_object *input_title;	/* NULL: no input */
	bool                multiline, required;
};

static bool
boolean_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
}

static bool
action_read(struct json_object *a, struct action_parts *p)
{
	struct json_object *type, *input;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(a, json_type_object) || (type = nonempty_string(a, "type")) == NULL)
		return false;
	p->name = nonempty_string(a, "name");
	p->url = nonempty_string(a, "url");
	if (strcmp(json_object_get_string(type), "openUrl") == 0)
		return p->name != NULL && p->url != NULL;
	if (strcmp(json_object_get_string(type), "httpPost") != 0)
		return false;
	p->post = true;
	p->id = nonempty_string(a, "id");
	if (json_object_object_get_ex(a, "input", &input) &&
	    json_object_is_type(input, json_type_object) &&
	    (p->input_title = nonempty_string(input, "title")) != NULL) {
		p->multiline = boolean_member(input, "multiline");
		p->required = boolean_member(input, "required");
	}
	return p->name != NULL && p->id != NULL;
}

static struct json_object *
open_uri(struct json_object *name, struct json_object *url)
{
	struct json_object *action = json_object_new_object(), *target = json_object_new_object();

	add_string(target, "os", "default");
	add_shared(target, "uri", url);
	add_string(action, "@type", "OpenUri");
	add_shared(action, "name", name);
	json_object_object_add(action, "targets", array_of(target));
	return action;
}

static struct json_object *
open_url(struct json_object *name, struct json_object *url)
{
	struct json_object *action = json_object_new_object();

	add_string(action, "type", "Action.OpenUrl");
	add_shared(action, "title", name);
	add_shared(action, "url", url);
	return action;
}

/*
 * The HttpPOST of an httpPost action: its body names the delivery (notification and channel)
 * and the button, signed so the Action handler can trust what comes back with a click.
 */
static struct json_object *
http_post(const struct card_ctx *ctx, const struct action_parts *p)
{
	struct json_object *action = json_object_new_object(), *body = json_object_new_object();
	const char *id = json_object_get_string(p->id);
	char sig[65];

	card_action_sig(ctx->secret, ctx->notification_id, ctx->entity_id, id, sig);
	add_string(body, "notificationId", ctx->notification_id);
	add_string(body, "entityId", ctx->entity_id);
	add_shared(body, "actionId", p->id);
	add_string(body, "sig", sig);
	if (p->input_title != NULL)
		add_string(body, "input", "{{input.value}}");
	add_string(action, "@type", "HttpPOST");
	add_shared(action, "name", p->name);
	add_string(action, "target", ctx->action_target);
	add_string(action, "body", json_object_to_json_string_ext(body, CARD_JSON_FLAGS));
	add_string(action, "bodyContentType", "application/json");
	json_object_put(body);
	return action;
}

/* An httpPost with an input: Teams opens the input under the card, then posts with it. */
static struct json_object *
action_card(const struct card_ctx *ctx, const struct action_parts *p)
{
	struct json_object *card = json_object_new_object(), *input = json_object_new_object();

	add_string(input, "@type", "TextInput");
	add_string(input, "id", "input");
	add_shared(input, "title", p->input_title);
	json_object_object_add(input, "isMultiline", json_object_new_boolean(p->multiline));
	json_object_object_add(input, "isRequired", json_object_new_boolean(p->required));
	add_string(card, "@type", "ActionCard");
	add_shared(card, "name", p->name);
	json_object_object_add(card, "inputs", array_of(input));
	json_object_object_add(card, "actions", array_of(http_post(ctx, p)));
	return card;
}

/*
 * The buttons for the kind into n->buttons (NULL when there are none): url's "Open" first,
 * then the actions in order, at most CARD_MAX_BUTTONS. False when an httpPost is to be
 * rendered but ctx lacks what its body needs.
 */
static bool
buttons_build(struct notice *n, struct json_object *notification, enum webhook_kind kind,
    const struct card_ctx *ctx)
{
	bool posts = ctx != NULL && ctx->done_message == NULL;
	struct json_object *actions, *open, *button;
	struct action_parts p;
	size_t i, len;

	n->buttons = json_object_new_array();
	if (n->url != NULL) {
		open = json_object_new_string("Open");
		json_object_array_add(n->buttons, kind == WEBHOOK_WORKFLOW ? open_url(open, n->url) :
		    open_uri(open, n->url));
		json_object_put(open);
	}
	if (json_object_object_get_ex(notification, "actions", &actions) &&
	    json_object_is_type(actions, json_type_array)) {
		len = json_object_array_length(actions);
		for (i = 0; i < len && json_object_array_length(n->buttons) < CARD_MAX_BUTTONS;
		    i++) {
			if (!action_read(json_object_array_get_idx(actions, i), &p))
				continue;
			if (!p.post)
				button = kind == WEBHOOK_WORKFLOW ? open_url(p.name, p.url) :
				    open_uri(p.name, p.url);
			else if (!posts)
				continue;
			else if (kind == WEBHOOK_WORKFLOW) {
				/* Workflows cannot post back: a link when there is one, else nothing. */
				if (p.url == NULL)
					continue;
				button = open_url(p.name, p.url);
			} else if (ctx->action_target == NULL || ctx->notification_id == NULL ||
			    ctx->entity_id == NULL || ctx->secret == NULL)
				return false;
			else
				button = p.input_title != NULL ? action_card(ctx, &p) :
				    http_post(ctx, &p);
			json_object_array_add(n->buttons, button);
		}
	}
	if (json_object_array_length(n->buttons) == 0) {
		json_object_put(n->buttons);
		n->buttons = NULL;
	}
	return true;
}

static struct json_object *
message_card(const struct notice *n, struct json_object *text, size_t nfacts)
{
	struct json_object *card = json_object_new_object(), *sections, *section;

	add_string(card, "@type", "MessageCard");
	add_string(card, "@context", "https://schema.org/extensions");
	add_shared(card, "summary", n->title);
	add_string(card, "themeColor", n->style->theme_color);
	add_shared(card, "title", n->title);
	if (text != NULL)
		add_shared(card, "text", text);
	if (nfacts > 0 || n->done != NULL) {
		sections = json_object_new_array();
		if (nfacts > 0) {
			section = json_object_new_object();
			json_object_object_add(section, "facts", facts_array(n, nfacts, "name"));
			json_object_array_add(sections, section);
		}
		if (n->done != NULL) {
			section = json_object_new_object();
			add_shared(section, "text", n->done);
			json_object_array_add(sections, section);
		}
		json_object_object_add(card, "sections", sections);
	}
	if (n->buttons != NULL)
		add_shared(card, "potentialAction", n->buttons);
	return card;
}

static struct json_object *
adaptive_message(const struct notice *n, struct json_object *text, size_t nfacts)
{
	struct json_object *message, *attachment, *content, *msteams, *body, *block;

	body = json_object_new_array();
	block = json_object_new_object();
	add_string(block, "type", "TextBlock");
	add_shared(block, "text", n->title);
	add_string(block, "weight", "Bolder");
	add_string(block, "size", "Medium");
	json_object_object_add(block, "wrap", json_object_new_boolean(1));
	add_string(block, "color", n->style->text_color);
	json_object_array_add(body, block);
	if (text != NULL) {
		block = json_object_new_object();
		add_string(block, "type", "TextBlock");
		add_shared(block, "text", text);
		json_object_object_add(block, "wrap", json_object_new_boolean(1));
		json_object_array_add(body, block);
	}
	if (nfacts > 0) {
		block = json_object_new_object();
		add_string(block, "type", "FactSet");
		json_object_object_add(block, "facts", facts_array(n, nfacts, "title"));
		json_object_array_add(body, block);
	}
	if (n->done != NULL) {
		block = json_object_new_object();
		add_string(block, "type", "TextBlock");
		add_shared(block, "text", n->done);
		json_object_object_add(block, "wrap", json_object_new_boolean(1));
		add_string(block, "color", "Good");
		json_object_array_add(body, block);
	}

	content = json_object_new_object();
	add_string(content, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
	add_string(content, "type", "AdaptiveCard");
	/* 1.4 is the newest version Workflows render. */
	add_string(content, "version", "1.4");
	msteams = json_object_new_object();
	add_string(msteams, "width", "Full");
	json_object_object_add(content, "msteams", msteams);
	json_object_object_add(content, "body", body);
	if (n->buttons != NULL)
		add_shared(content, "actions", n->buttons);

	attachment = json_object_new_object();
	add_string(attachment, "contentType", "application/vnd.microsoft.card.adaptive");
	/* Workflows expect the member, as JSON null. */
	json_object_object_add(attachment, "contentUrl", NULL);
	json_object_object_add(attachment, "content", content);
	message = json_object_new_object();
	add_string(message, "type", "message");
	json_object_object_add(message, "attachments", array_of(attachment));
	return message;
}

/*
 * Builds and serialises one form of the card; when it fits it becomes the answer in out. The
 * searches only try larger forms after a success, so the last form that fitted is the answer.
 */
static bool
try_form(struct shrink *s, struct json_object *text, size_t nfacts)
{
	struct json_object *card;
	const char *json;
	size_t len = 0;
	bool fits;

	card = s->kind == WEBHOOK_WORKFLOW ? adaptive_message(s->n, text, nfacts) :
	    message_card(s->n, text, nfacts);
	json = json_object_to_json_string_length(card, CARD_JSON_FLAGS, &len);
	fits = json != NULL && len <= s->max_bytes;
	if (fits) {
		buf_reset(s->out);
		buf_append(s->out, json, len);
	}
	json_object_put(card);
	return fits;
}

/* The card with the first `cut` bytes of the text followed by the marker. */
static bool
try_cut(struct shrink *s, size_t cut)
{
	struct json_object *text;
	bool fits;

	buf_reset(&s->scratch);
	buf_append(&s->scratch, json_object_get_string(s->n->text), cut);
	buf_puts(&s->scratch, CARD_CUT_MARKER);
	text = json_object_new_string_len(s->scratch.data, (int)s->scratch.len);
	fits = try_form(s, text, s->nfacts);
	json_object_put(text);
	return fits;
}

static bool
probe(struct shrink *s, size_t pos)
{
	return s->over == OVER_TEXT ? try_cut(s, pos) : try_form(s, s->shortest, pos);
}

static bool
utf8_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Positions the search may try: any fact count, but only text cuts between characters. */
static size_t
snap_down(const struct shrink *s, size_t pos)
{
	const unsigned char *t;
	size_t len;

	if (s->over == OVER_FACTS)
		return pos;
	t = (const unsigned char *)json_object_get_string(s->n->text);
	len = (size_t)json_object_get_string_len(s->n->text);
	if (pos >= len)
		return len;
	while (pos > 0 && utf8_continuation(t[pos]))
		pos--;
	return pos;
}

static size_t
step_up(const struct shrink *s, size_t pos)
{
	const unsigned char *t;
	size_t len;

	if (s->over == OVER_FACTS)
		return pos + 1;
	t = (const unsigned char *)json_object_get_string(s->n->text);
	len = (size_t)json_object_get_string_len(s->n->text);
	pos++;
	while (pos < len && utf8_continuation(t[pos]))
		pos++;
	return pos;
}

/* A position strictly between good and bad, at or below pos when possible; bad when none is. */
static size_t
inside(const struct shrink *s, size_t good, size_t bad, size_t pos)
{
	if (pos >= bad)
		pos = bad - 1;
	pos = snap_down(s, pos);
	if (pos <= good)
		pos = step_up(s, good);
	return pos < bad ? pos : bad;
}

/*
 * The largest position in [good, bad) whose form fits, when the form at good fits and the
 * one at bad does not. It starts at a hint and gallops away from it, so an accurate hint
 * costs two measurements and a poor one little more than a binary search.
 */
static size_t
search_longest(struct shrink *s, size_t good, size_t bad, size_t hint)
{
	size_t p, step;

	if ((p = inside(s, good, bad, hint)) == bad)
		return good;
	if (probe(s, p)) {
		good = p;
		for (step = 1; (p = inside(s, good, bad, good + step)) != bad; step *= 2) {
			if (!probe(s, p)) {
				bad = p;
				break;
			}
			good = p;
		}
	} else {
		bad = p;
		for (step = 1; bad - good > step; step *= 2) {
			if ((p = inside(s, good, bad, bad - step)) == bad)
				break;
			if (probe(s, p)) {
				good = p;
				break;
			}
			bad = p;
		}
	}
	while ((p = inside(s, good, bad, good + (bad - good) / 2)) != bad) {
		if (probe(s, p))
			good = p;
		else
			bad = p;
	}
	return good;
}

/* Serialised bytes of one byte of string content; only aims the searches. */
static size_t
escaped_size(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

static size_t
escaped_length(struct json_object *str)
{
	const unsigned char *p = (const unsigned char *)json_object_get_string(str);
	size_t i, len = (size_t)json_object_get_string_len(str), total = 0;

	for (i = 0; i < len; i++)
		total += escaped_size(p[i]);
	return total;
}

/* How many bytes of text would fill `room` serialised bytes. */
static size_t
text_hint(const struct shrink *s, size_t room)
{
	const unsigned char *t = (const unsigned char *)json_object_get_string(s->n->text);
	size_t i, len = (size_t)json_object_get_string_len(s->n->text), used = 0;

	for (i = 0; i < len; i++) {
		used += escaped_size(t[i]);
		if (used > room)
			break;
	}
	return i;
}

/* How many facts would fill `room` serialised bytes. */
static size_t
facts_hint(const struct shrink *s, size_t room)
{
	struct json_object *name, *value;
	size_t i, len = json_object_array_length(s->n->facts), kept = 0, used = FACT_LIST_GUESS;

	for (i = 0; i < len; i++) {
		if (!fact_parts(json_object_array_get_idx(s->n->facts, i), &name, &value))
			continue;
		used += escaped_length(name) + escaped_length(value) + FACT_OVERHEAD_GUESS;
		if (used > room)
			break;
		kept++;
	}
	return kept;
}

/*
 * Cuts the text to the longest prefix that fits with nfacts facts. When the marker alone is
 * already known to fit (it is the answer in out), it is not measured again.
 */
static bool
cut_text(struct shrink *s, size_t nfacts, bool marker_alone_known)
{
	s->over = OVER_TEXT;
	s->nfacts = nfacts;
	if (!marker_alone_known && !probe(s, 0))
		return false;
	(void)search_longest(s, 0, (size_t)json_object_get_string_len(s->n->text),
	    text_hint(s, s->max_bytes - s->out->len));
	return true;
}

/*
 * The whole card did not fit. The text goes first (facts are the structured part readers
 * scan for); when even its shortest form is too much, facts go from the end with the text
 * at its shortest, and then the room they left is given back to the text. The shortest
 * form is the marker alone, so a reader still sees that something was cut, or the text
 * itself when that is shorter.
 */
static bool
shrink_to_fit(struct shrink *s, struct card_fit *fit)
{
	const struct notice *n = s->n;
	bool text_can_shrink = n->text != NULL && s->shortest != n->text;
	size_t kept;

	if (text_can_shrink && cut_text(s, n->nfacts, false)) {
		fit->text_cut = true;
		return true;
	}
	if (n->nfacts == 0)
		return false;
	s->over = OVER_FACTS;
	if (!probe(s, 0))
		return false;
	kept = search_longest(s, 0, n->nfacts, facts_hint(s, s->max_bytes - s->out->len));
	fit->facts_dropped = n->nfacts - kept;
	if (!text_can_shrink || try_form(s, n->text, kept))
		return true;
	fit->text_cut = true;
	return cut_text(s, kept, true);
}

bool
card_build(struct json_object *notification, enum webhook_kind kind, size_t max_bytes,
    const struct card_ctx *ctx, struct buf *out, struct card_fit *fit)
{
	struct card_fit unused;
	struct notice n;
	struct shrink s;
	bool fits;

	if (fit == NULL)
		fit = &unused;
	fit->text_cut = false;
	fit->facts_dropped = 0;
	buf_reset(out);
	if (!notice_read(notification, &n))
		return false;
	if (!buttons_build(&n, notification, kind, ctx)) {
		json_object_put(n.buttons);
		return false;
	}
	if (ctx != NULL && ctx->done_message != NULL) {
		struct buf done;

		buf_init(&done);
		buf_printf(&done, DONE_MARK "%s", ctx->done_message);
		n.done = json_object_new_string_len(done.data, (int)done.len);
		buf_free(&done);
	}

	memset(&s, 0, sizeof(s));
	s.n = &n;
	s.kind = kind;
	s.max_bytes = max_bytes;
	s.out = out;
	buf_init(&s.scratch);
	/* The common case: the whole card fits, built and serialised once. */
	if (try_form(&s, n.text, n.nfacts)) {
		fits = true;
		goto done;
	}

	if (n.text != NULL)
		s.shortest = escaped_length(n.text) <= strlen(CARD_CUT_MARKER) ?
		    json_object_get(n.text) : json_object_new_string(CARD_CUT_MARKER);
	fits = shrink_to_fit(&s, fit);
	json_object_put(s.shortest);
done:
	buf_free(&s.scratch);
	json_object_put(n.buttons);
	json_object_put(n.done);
	if (!fits) {
		buf_reset(out);
		fit->text_cut = false;
		fit->facts_dropped = 0;
	}
	return fits;
}
