/* render.c: template parsing (once, at start-up) and rendering (per request) over json-c data. */
#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

enum node_kind { N_TEXT, N_VAR, N_SECTION, N_INVERTED };

struct node {
	enum node_kind  kind;
	const char     *text;	/* N_TEXT: points into the template's copy */
	size_t          len;
	char           *name;
	struct node    *children;	/* sections */
	size_t          nchildren;
};

struct template {
	char        *source;
	struct node  root;
};

#define MAX_DEPTH 16

static void
nodes_free(struct node *n)
{
	size_t i;

	for (i = 0; i < n->nchildren; i++)
		nodes_free(&n->children[i]);
	free(n->children);
	free(n->name);
}

void
template_free(struct template *t)
{
	if (t == NULL)
		return;
	nodes_free(&t->root);
	free(t->source);
	free(t);
}

static struct node *
add_child(struct node *parent, enum node_kind kind)
{
	struct node *n;

	parent->children = xrealloc(parent->children, (parent->nchildren + 1) * sizeof(*n));
	n = &parent->children[parent->nchildren++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	return n;
}

static bool
valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return false;
	if (n == 1 && s[0] == '.')
		return true;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static size_t
line_of(const char *start, const char *p)
{
	size_t line = 1;

	for (; start < p; start++)
		if (*start == '\n')
			line++;
	return line;
}

struct template *
template_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	struct template *t = xcalloc(1, sizeof(*t));
	struct node *stack[MAX_DEPTH + 1];
	const char *p, *end, *open, *close, *tag_start[MAX_DEPTH + 1];
	int depth = 0;

	if (!utf8_valid(text, len)) {
		snprintf(err, errlen, "%s: not valid UTF-8", name);
		free(t);
		return NULL;
	}
	t->source = xmalloc(len + 1);
	memcpy(t->source, text, len);
	t->source[len] = '\0';
	p = t->source;
	end = t->source + len;
	stack[0] = &t->root;
	tag_start[0] = p;
	while (p < end) {
		const char *inner, *inner_end;
		size_t n;
		char sigil;

		open = strstr(p, "{{");
		if (open == NULL)
			open = end;
		if (open > p) {
			struct node *tn = add_child(stack[depth], N_TEXT);

			tn->text = p;
			tn->len = (size_t)(open - p);
		}
		if (open == end)
			break;
		if ((close = strstr(open + 2, "}}")) == NULL) {
			snprintf(err, errlen, "%s:%zu: '{{' is never closed", name,
			    line_of(t->source, open));
			goto fail;
		}
		inner = open + 2;
		inner_end = close;
		while (inner < inner_end && *inner == ' ')
			inner++;
		while (inner_end > inner && inner_end[-1] == ' ')
			inner_end--;
		sigil = inner < inner_end ? *inner : '\0';
		p = close + 2;
		if (sigil == '!')
			continue;
		if (sigil == '#' || sigil == '^' || sigil == '/') {
			inner++;
			while (inner < inner_end && *inner == ' ')
				inner++;
		}
		n = (size_t)(inner_end - inner);
		if (!valid_name(inner, n)) {
			snprintf(err, errlen, "%s:%zu: bad tag '%.*s' (names are letters, digits, _ "
			    "and -; no raw output)", name, line_of(t->source, open),
			    (int)(close - open - 2), open + 2);
			goto fail;
		}
		if (sigil == '#' || sigil == '^') {
			struct node *sn;

			if (depth == MAX_DEPTH) {
				snprintf(err, errlen, "%s:%zu: sections nested too deep", name,
				    line_of(t->source, open));
				goto fail;
			}
			sn = add_child(stack[depth], sigil == '#' ? N_SECTION : N_INVERTED);
			sn->name = strndup(inner, n);
			if (sn->name == NULL)
				fatal("strndup");
			stack[++depth] = sn;
			tag_start[depth] = open;
		} else if (sigil == '/') {
			if (depth == 0) {
				snprintf(err, errlen, "%s:%zu: '{{/%.*s}}' closes nothing", name,
				    line_of(t->source, open), (int)n, inner);
				goto fail;
			}
			if (strlen(stack[depth]->name) != n ||
			    strncmp(stack[depth]->name, inner, n) != 0) {
				snprintf(err, errlen, "%s:%zu: '{{/%.*s}}' closes '%s' opened at line %zu",
				    name, line_of(t->source, open), (int)n, inner, stack[depth]->name,
				    line_of(t->source, tag_start[depth]));
				goto fail;
			}
			depth--;
		} else {
			struct node *vn = add_child(stack[depth], N_VAR);

			vn->name = strndup(inner, n);
			if (vn->name == NULL)
				fatal("strndup");
		}
	}
	if (depth != 0) {
		snprintf(err, errlen, "%s:%zu: section '%s' is never closed", name,
		    line_of(t->source, tag_start[depth]), stack[depth]->name);
		goto fail;
	}
	return t;
fail:
	template_free(t);
	return NULL;
}

struct template *
template_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;
	struct template *t;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b);
	buf_append(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	t = template_parse(b.data, b.len, path, err, errlen);
	buf_free(&b);
	return t;
}

void
html_escape(struct buf *out, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		const char *rep = NULL;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		case '`': rep = "&#96;"; break;
		default: break;
		}
		if (rep == NULL)
			continue;
		buf_append(out, s + run, i - run);
		buf_puts(out, rep);
		run = i + 1;
	}
	buf_append(out, s + run, n - run);
}

static struct json_object *
lookup(struct json_object **scopes, int nscopes, const char *name)
{
	struct json_object *v;
	int i;

	if (strcmp(name, ".") == 0)
		return scopes[nscopes - 1];
	for (i = nscopes - 1; i >= 0; i--)
		if (json_object_is_type(scopes[i], json_type_object) &&
		    json_object_object_get_ex(scopes[i], name, &v))
			return v;
	return NULL;
}

static bool
truthy(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return false;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_string:
		return json_object_get_string_len(v) > 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	default:
		return true;
	}
}

/*
 * Numbers and booleans as JSON writes them, without json_object_to_json_string: that one
 * writes a print buffer into the object, and shared data is read by many threads at once.
 */
static void
put_scalar(struct buf *out, struct json_object *v)
{
	char num[64];
	double d;

	switch (json_object_get_type(v)) {
	case json_type_boolean:
		buf_puts(out, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
		snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
		buf_puts(out, num);
		break;
	case json_type_double:
		/* The shortest of 15 or 17 digits that reads back the same: 0.1 stays 0.1. */
		d = json_object_get_double(v);
		snprintf(num, sizeof(num), "%.15g", d);
		if (strtod(num, NULL) != d)
			snprintf(num, sizeof(num), "%.17g", d);
		buf_puts(out, num);
		/* json-c marks a whole double as one: 2 is written 2.0 */
		if (strpbrk(num, ".eEin") == NULL)
			buf_puts(out, ".0");
		break;
	default:
		break;	/* objects and arrays write nothing */
	}
}

static void
render_nodes(const struct node *parent, struct json_object **scopes, int nscopes,
    struct buf *out)
{
	size_t i, k;

	for (i = 0; i < parent->nchildren; i++) {
		const struct node *n = &parent->children[i];
		struct json_object *v;

		switch (n->kind) {
		case N_TEXT:
			buf_append(out, n->text, n->len);
			break;
		case N_VAR:
			v = lookup(scopes, nscopes, n->name);
			if (v == NULL || json_object_is_type(v, json_type_null))
				break;
			if (json_object_is_type(v, json_type_string))
				html_escape(out, json_object_get_string(v),
				    (size_t)json_object_get_string_len(v));
			else
				put_scalar(out, v);
			break;
		case N_SECTION:
		case N_INVERTED:
			v = lookup(scopes, nscopes, n->name);
			if (n->kind == N_INVERTED) {
				if (v == NULL || !truthy(v))
					render_nodes(n, scopes, nscopes, out);
				break;
			}
			if (v == NULL || !truthy(v) || nscopes >= MAX_DEPTH * 2)
				break;
			if (json_object_is_type(v, json_type_array)) {
				for (k = 0; k < json_object_array_length(v); k++) {
					scopes[nscopes] = json_object_array_get_idx(v, k);
					render_nodes(n, scopes, nscopes + 1, out);
				}
			} else {
				scopes[nscopes] = v;
				render_nodes(n, scopes, nscopes + 1, out);
			}
			break;
		}
	}
}

void
template_render(const struct template *t, struct json_object *data, struct buf *out)
{
	struct json_object *scopes[MAX_DEPTH * 2 + 1];

	scopes[0] = data;
	render_nodes(&t->root, scopes, 1, out);
}

void
template_render_shared(const struct template *t, struct json_object *shared,
    struct json_object *data, struct buf *out)
{
	struct json_object *scopes[MAX_DEPTH * 2 + 2];

	scopes[0] = shared;
	scopes[1] = data;
	render_nodes(&t->root, scopes, 2, out);
}
