/* render.h: a small mustache-like template engine; every value reaches HTML through an escaper. */
#ifndef CONNECTOR_RENDER_H
#define CONNECTOR_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct json_object;
struct template;

/*
 * Syntax: {{name}} writes a value HTML-escaped (safe in text and in quoted attributes);
 * {{#name}}...{{/name}} repeats for each element of an array, or once for a true value or an
 * object (whose members come into scope); {{^name}}...{{/name}} writes when the value is
 * missing, false, null, "" or []; {{! comment}}; {{.}} is the current element. There is no
 * raw output. Names are [A-Za-z0-9_-]+ and resolve from the innermost scope outwards.
 */
struct template	*template_parse(const char *text, size_t len, const char *name, char *err,
		    size_t errlen);
struct template	*template_load(const char *path, char *err, size_t errlen);
void		 template_free(struct template *);
/* Renders with data (an object) into out. */
void		 template_render(const struct template *, struct json_object *data, struct buf *out);
/*
 * The same with shared (an object) as the outermost scope under data: names not in data
 * resolve there. Rendering never writes to any object, so shared may be built once and read
 * by every thread at the same time.
 */
void		 template_render_shared(const struct template *, struct json_object *shared,
		    struct json_object *data, struct buf *out);

/* The escaper: & < > " ' and ` become entities; invalid UTF-8 never reaches it (checked). */
void		 html_escape(struct buf *, const char *, size_t);

#endif
