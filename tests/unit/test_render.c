/* test_render.c: the template engine: escaping, sections, scopes, and parse errors naming file:line. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "render.h"
#include "tap.h"
#include "util.h"

/* The last render's output; kept until the next render so results can be compared in place. */
static struct buf out;

/* Parses tpl, renders it over the JSON text data; returns the output or "(parse error)". */
static const char *
render(const char *tpl, const char *data)
{
	struct template *t;
	struct json_object *d;
	char err[256];

	buf_free(&out);
	buf_init(&out);
	buf_append(&out, "", 0);
	t = template_parse(tpl, strlen(tpl), "t.html", err, sizeof(err));
	if (t == NULL)
		return "(parse error)";
	d = json_tokener_parse(data);
	template_render(t, d, &out);
	json_object_put(d);
	template_free(t);
	return out.data;
}

/* Renders tpl over data (JSON text) with shared (JSON text) as the outermost scope. */
static const char *
render_shared(const char *tpl, const char *shared, const char *data)
{
	struct template *t;
	struct json_object *sh, *d;
	char err[256];

	buf_free(&out);
	buf_init(&out);
	buf_append(&out, "", 0);
	t = template_parse(tpl, strlen(tpl), "t.html", err, sizeof(err));
	if (t == NULL)
		return "(parse error)";
	sh = json_tokener_parse(shared);
	d = json_tokener_parse(data);
	template_render_shared(t, sh, d, &out);
	json_object_put(d);
	json_object_put(sh);
	template_free(t);
	return out.data;
}

/* Parse must fail; returns the message (static) so the caller can check file:line and reason. */
static const char *
parse_error(const char *tpl, size_t len)
{
	static char err[256];
	struct template *t;

	err[0] = '\0';
	t = template_parse(tpl, len, "t.html", err, sizeof(err));
	if (t != NULL) {
		template_free(t);
		return "(parsed)";
	}
	return err;
}

static void
expect_parse_error(const char *tpl, const char *want, const char *name)
{
	has_str(parse_error(tpl, strlen(tpl)), want, name);
}

/* n nested sections {{#a}} around "x" (malloc'd), to probe the nesting limit. */
static char *
nested(int n)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_puts(&b, "{{#a}}");
	buf_puts(&b, "x");
	for (i = 0; i < n; i++)
		buf_puts(&b, "{{/a}}");
	return b.data;
}

int
main(void)
{
	struct buf b, want;
	char *s;
	int i;

	/* escaping: every character that could end an attribute or open markup */
	is_str(render("<p>{{v}}</p>", "{\"v\":\"&<>\\\"'`\"}"),
	    "<p>&amp;&lt;&gt;&quot;&#39;&#96;</p>", "& < > \" ' ` are all escaped");
	is_str(render("<a title=\"{{v}}\">", "{\"v\":\"\\\" onmouseover=\\\"x\"}"),
	    "<a title=\"&quot; onmouseover=&quot;x\">", "a value cannot leave a quoted attribute");
	is_str(render("{{v}}", "{\"v\":\"&amp;\"}"), "&amp;amp;", "an entity in data is escaped again");
	is_str(render("{{ v }}", "{\"v\":\"spaced\"}"), "spaced", "spaces inside a tag are allowed");
	is_str(render("{{v}}", "{\"v\":\"caf\\u00e9 \\u2713\"}"), "caf\xc3\xa9 \xe2\x9c\x93",
	    "UTF-8 passes through untouched");

	/* sections over arrays of objects, with names found in outer scopes */
	is_str(render("{{#teams}}[{{name}}:{{#members}}{{who}}@{{name}}/{{org}};{{/members}}]"
	    "{{/teams}}",
	    "{\"org\":\"contoso\",\"teams\":[{\"name\":\"ops\",\"members\":[{\"who\":\"ann\"},"
	    "{\"who\":\"bo\",\"name\":\"own\"}]},{\"name\":\"dev\",\"members\":[]}]}"),
	    "[ops:ann@ops/contoso;bo@own/contoso;][dev:]",
	    "nested sections: inner names shadow, missing ones come from outer scopes");
	is_str(render("{{#o}}{{k}}{{/o}}", "{\"o\":{\"k\":\"in\"},\"k\":\"out\"}"), "in",
	    "an object section brings its members into scope");
	is_str(render("{{#t}}yes{{/t}}", "{\"t\":true}"), "yes", "a true section renders once");
	is_str(render("{{#s}}<{{s}}>{{/s}}", "{\"s\":\"a&b\"}"), "<a&amp;b>",
	    "a non-empty string section renders once");
	is_str(render("{{#f}}no{{/f}}{{#n}}no{{/n}}{{#m}}no{{/m}}{{#e}}no{{/e}}{{#z}}no{{/z}}",
	    "{\"f\":false,\"n\":null,\"e\":\"\",\"z\":[]}"), "",
	    "false, null, missing, \"\" and [] sections render nothing");

	/* inverted sections */
	is_str(render("{{^m}}missing{{/m}}", "{}"), "missing", "inverted: missing renders");
	is_str(render("{{^f}}false{{/f}}", "{\"f\":false}"), "false", "inverted: false renders");
	is_str(render("{{^n}}null{{/n}}", "{\"n\":null}"), "null", "inverted: null renders");
	is_str(render("{{^e}}empty{{/e}}", "{\"e\":\"\"}"), "empty", "inverted: \"\" renders");
	is_str(render("{{^z}}none{{/z}}", "{\"z\":[]}"), "none", "inverted: [] renders");
	is_str(render("{{^t}}x{{/t}}{{^s}}x{{/s}}{{^a}}x{{/a}}", "{\"t\":true,\"s\":\"v\",\"a\":[0]}"),
	    "", "inverted: true, a string and a non-empty array render nothing");

	/* {{.}}, comments, numbers, booleans, missing names */
	is_str(render("{{#l}}<li>{{.}}</li>{{/l}}", "{\"l\":[\"a\",\"<b>\",\"c\"]}"),
	    "<li>a</li><li>&lt;b&gt;</li><li>c</li>", "{{.}} writes each string, escaped");
	is_str(render("a{{! a note for authors }}b{{!x}}c", "{}"), "abc", "comments write nothing");
	is_str(render("{{n}} {{neg}} {{zero}}", "{\"n\":42,\"neg\":-7,\"zero\":0}"), "42 -7 0",
	    "integers are written");
	is_str(render("{{t}}/{{f}}", "{\"t\":true,\"f\":false}"), "true/false",
	    "booleans are written");
	is_str(render("[{{nothing}}][{{n}}]", "{\"n\":null}"), "[][]",
	    "a missing or null name writes nothing");
	is_str(render("[{{o}}][{{a}}]", "{\"o\":{\"x\":1},\"a\":[1]}"), "[][]",
	    "an object or array variable writes nothing");
	is_str(render("no tags at all\n", "{}"), "no tags at all\n", "plain text is kept");
	is_str(render("a } b }} c", "{}"), "a } b }} c", "stray closing braces are text");

	/* nesting at the limit still works */
	s = nested(16);
	is_str(render(s, "{\"a\":true}"), "x", "16 nested sections parse and render");
	free(s);

	/* parse errors name the file and the line */
	expect_parse_error("ok\n\nhere {{oops\n", "t.html:3: '{{' is never closed",
	    "an unclosed {{ is refused at its line");
	expect_parse_error("a\n{{#s}}\nb\n{{v}}\n", "t.html:2: section 's' is never closed",
	    "an unclosed section is refused at the line it opened");
	expect_parse_error("{{#outer}}\n{{#inner}}\n{{/outer}}\n",
	    "t.html:3: '{{/outer}}' closes 'inner' opened at line 2",
	    "a mismatched close names both sections and lines");
	expect_parse_error("text\n{{/s}}\n", "t.html:2: '{{/s}}' closes nothing",
	    "a close with nothing open is refused");
	expect_parse_error("x\n{{&raw}}", "t.html:2: bad tag '&raw'", "{{&raw}} is refused");
	has_str(parse_error("{{&raw}}", 8), "no raw output", "  ...saying there is no raw output");
	expect_parse_error("{{{triple}}}", "t.html:1: bad tag", "{{{triple}}} is refused");
	expect_parse_error("{{}}", "t.html:1: bad tag", "an empty tag is refused");
	expect_parse_error("{{#}}x{{/}}", "t.html:1: bad tag", "a section without a name is refused");
	expect_parse_error("{{a.b}}", "bad tag", "a dotted name is refused");
	expect_parse_error("{{a b}}", "bad tag", "a name with a space is refused");
	expect_parse_error("{{>partial}}", "bad tag", "a partial is refused");
	s = nested(17);
	expect_parse_error(s, "t.html:1: sections nested too deep", "17 nested sections are refused");
	free(s);
	has_str(parse_error("ok \xff", 4), "t.html: not valid UTF-8", "invalid UTF-8 is refused");
	has_str(parse_error("a\xc3", 2), "UTF-8", "a cut UTF-8 sequence is refused");
	has_str(parse_error("a\0{{b}}", 7), "UTF-8", "a NUL inside the template is refused");

	/* html_escape directly */
	buf_init(&b);
	buf_append(&b, "", 0);
	html_escape(&b, "plain text, no specials: 100% fine.", 35);
	is_str(b.data, "plain text, no specials: 100% fine.", "no specials: unchanged");
	buf_reset(&b);
	buf_append(&b, "", 0);
	html_escape(&b, "", 0);
	is_str(b.data, "", "an empty string stays empty");
	buf_reset(&b);
	buf_append(&b, "", 0);
	html_escape(&b, "a<b>c", 3);
	is_str(b.data, "a&lt;b", "only the given length is escaped");

	/* many specials, at both ends and side by side, across a long input */
	buf_reset(&b);
	buf_init(&want);
	for (i = 0; i < 5000; i++) {
		buf_puts(&b, "<x&y>\"'`z");
		buf_puts(&want, "&lt;x&amp;y&gt;&quot;&#39;&#96;z");
	}
	s = xstrdup(b.data);
	buf_reset(&b);
	buf_append(&b, "", 0);
	html_escape(&b, s, strlen(s));
	is_int((long)b.len, (long)want.len, "a long text escapes to the expected length");
	ok(strcmp(b.data, want.data) == 0, "  ...and the expected bytes");
	free(s);
	buf_free(&want);
	buf_free(&b);

	buf_free(&out);
	is_str(render("{{d}}", "{\"d\":1.5}"), "1.5", "a decimal number is printed");
	is_str(render("{{d}} {{big}} {{t}}", "{\"d\":2.0,\"big\":9007199254740993,\"t\":0.1}"),
	    "2.0 9007199254740993 0.1",
	    "a whole decimal keeps its .0, 0.1 stays short; a 64-bit integer is written whole");

	/* shared data: the outermost scope, under the request's own */
	is_str(render_shared("{{a}} {{b}} {{#l}}{{x}}{{#t}}!{{/t}}{{/l}}",
	    "{\"a\":\"shared\",\"b\":\"<b>\",\"l\":[{\"x\":1,\"t\":true},{\"x\":\"y\"}]}",
	    "{\"a\":\"own\"}"), "own &lt;b&gt; 1!y",
	    "shared: the request's data first, then the shared, escaped alike");
	is_str(render_shared("[{{a}}]{{^a}}none{{/a}}", "{}", "{}"), "[]none",
	    "shared: a name in neither is missing");
	return done_testing();
}
