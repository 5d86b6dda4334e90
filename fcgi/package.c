/* package.c: connectorctl package: checks app keys and icons, writes manifest.json and the ZIP. */
#include "package.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "png.h"
#include "util.h"
#include "zipfile.h"

#define OFF(f) offsetof(struct config, f)

/* The keys a package cannot do without, in the order a configuration file lists them. */
static const struct {
	const char *name;
	size_t      off;
} needed_keys[] = {
	{ "app_id",			OFF(app_id) },
	{ "connector_id",		OFF(connector_id) },
	{ "app_name_short",		OFF(app_name_short) },
	{ "app_description_short",	OFF(app_description_short) },
	{ "app_description_full",	OFF(app_description_full) },
	{ "developer_name",		OFF(developer_name) },
	{ "developer_website_url",	OFF(developer_website_url) },
	{ "developer_privacy_url",	OFF(developer_privacy_url) },
	{ "developer_terms_url",	OFF(developer_terms_url) },
	{ "app_version",		OFF(app_version) },
	{ "accent_color",		OFF(accent_color) },
	{ "icon_color",			OFF(icon_color) },
	{ "icon_outline",		OFF(icon_outline) },
};

static const char *
field(const struct config *c, size_t off)
{
	const char *v = *(char *const *)((const char *)c + off);

	return v != NULL ? v : "";
}

static bool
check_needed_keys(const struct config *c, char *err, size_t errlen)
{
	struct buf missing;
	size_t i, n = 0;

	buf_init(&missing);
	for (i = 0; i < sizeof(needed_keys) / sizeof(needed_keys[0]); i++)
		if (*field(c, needed_keys[i].off) == '\0')
			buf_printf(&missing, "%s%s", n++ > 0 ? ", " : "", needed_keys[i].name);
	if (n > 0)
		snprintf(err, errlen, "missing key%s for the app package: %s (set %s in the "
		    "configuration file or as " CONFIG_ENV_PREFIX "<KEY IN UPPER CASE>)",
		    n > 1 ? "s" : "", missing.data, n > 1 ? "them" : "it");
	buf_free(&missing);
	return n == 0;
}

/* host[:port] of an origin, lower case, without the scheme's default port: a validDomains entry. */
static char *
origin_authority(const char *origin)
{
	const char *sep = strstr(origin, "://");
	char *a = xstrdup(sep != NULL ? sep + 3 : origin), *p;
	const char *default_port = ascii_nieq(origin, "https://", 8) ? ":443" : ":80";
	size_t n = strlen(a);

	for (p = a; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (n > strlen(default_port) && strcmp(a + n - strlen(default_port), default_port) == 0)
		a[n - strlen(default_port)] = '\0';
	return a;
}

static void
add_string(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

struct json_object *
package_manifest(const struct config *c, bool allow_http, char *err, size_t errlen)
{
	struct json_object *m, *o, *connector, *list;
	struct buf url;
	char *authority;

	if (!check_needed_keys(c, err, errlen))
		return NULL;
	if (c->public_base_url == NULL ||
	    (!allow_http && !ascii_nieq(c->public_base_url, "https://", 8))) {
		snprintf(err, errlen, "key 'public_base_url' (%s) must be https:// for an app "
		    "package: Teams opens the configuration page only over https "
		    "(--allow-http permits http for a local test)",
		    c->public_base_url != NULL ? c->public_base_url : "not set");
		return NULL;
	}
	m = json_object_new_object();
	add_string(m, "$schema", PACKAGE_SCHEMA_URL);
	add_string(m, "manifestVersion", PACKAGE_MANIFEST_VERSION);
	add_string(m, "version", c->app_version);
	add_string(m, "id", c->app_id);

	o = json_object_new_object();
	add_string(o, "name", c->developer_name);
	add_string(o, "websiteUrl", c->developer_website_url);
	add_string(o, "privacyUrl", c->developer_privacy_url);
	add_string(o, "termsOfUseUrl", c->developer_terms_url);
	json_object_object_add(m, "developer", o);

	/* The schema wants a full name too; the short one stands in when none is set. */
	o = json_object_new_object();
	add_string(o, "short", c->app_name_short);
	add_string(o, "full", *field(c, OFF(app_name_full)) != '\0' ? c->app_name_full :
	    c->app_name_short);
	json_object_object_add(m, "name", o);

	o = json_object_new_object();
	add_string(o, "short", c->app_description_short);
	add_string(o, "full", c->app_description_full);
	json_object_object_add(m, "description", o);

	o = json_object_new_object();
	add_string(o, "color", "color.png");
	add_string(o, "outline", "outline.png");
	json_object_object_add(m, "icons", o);
	add_string(m, "accentColor", c->accent_color);

	buf_init(&url);
	buf_printf(&url, "%s%s", c->public_base_url, PACKAGE_SETUP_PATH);
	connector = json_object_new_object();
	add_string(connector, "connectorId", c->connector_id);
	add_string(connector, "configurationUrl", url.data);
	list = json_object_new_array();
	json_object_array_add(list, json_object_new_string("team"));
	json_object_object_add(connector, "scopes", list);
	list = json_object_new_array();
	json_object_array_add(list, connector);
	json_object_object_add(m, "connectors", list);
	buf_free(&url);

	/* The configuration page is served from here; Teams loads it only from a valid domain. */
	authority = origin_authority(c->public_base_url);
	list = json_object_new_array();
	json_object_array_add(list, json_object_new_string(authority));
	json_object_object_add(m, "validDomains", list);

	/* With a sign-in app registration, Teams issues its SSO tokens silently for this resource. */
	if (c->sso_client_id != NULL && *c->sso_client_id != '\0') {
		buf_init(&url);
		buf_printf(&url, "api://%s/%s", authority, c->sso_client_id);
		o = json_object_new_object();
		add_string(o, "id", c->sso_client_id);
		add_string(o, "resource", url.data);
		json_object_object_add(m, "webApplicationInfo", o);
		buf_free(&url);
	}
	free(authority);
	return m;
}

bool
package_check_icon(const char *key, const char *path, const void *png, size_t len, char *err,
    size_t errlen)
{
	bool outline = strcmp(key, "icon_outline") == 0;
	unsigned want = outline ? PACKAGE_OUTLINE_ICON_SIZE : PACKAGE_COLOR_ICON_SIZE;
	struct png_info info;
	char why[160];

	if (!png_inspect(png, len, &info, why, sizeof(why))) {
		snprintf(err, errlen, "key '%s' (%s): %s", key, path, why);
		return false;
	}
	if (info.width != want || info.height != want) {
		snprintf(err, errlen, "key '%s' (%s): the icon must be %ux%u pixels, this one is "
		    "%lux%lu", key, path, want, want, (unsigned long)info.width,
		    (unsigned long)info.height);
		return false;
	}
	if (outline && !info.has_transparency) {
		snprintf(err, errlen, "key '%s' (%s): the outline icon must be white on a "
		    "transparent background, and this PNG has no transparency (no alpha channel, "
		    "no tRNS chunk)", key, path);
		return false;
	}
	return true;
}

/* Reads an icon named by a key, the message naming the key. */
static bool
read_icon(const char *key, const char *path, struct buf *b, char *err, size_t errlen)
{
	FILE *f;
	char chunk[8192];
	size_t n;
	bool ok = true;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "key '%s' (%s): %s", key, path, strerror(errno));
		return false;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(b, chunk, n);
		if (b->len > (size_t)PACKAGE_ICON_MAX_BYTES) {
			snprintf(err, errlen, "key '%s' (%s): larger than %ld bytes, too large for "
			    "an icon", key, path, PACKAGE_ICON_MAX_BYTES);
			ok = false;
			break;
		}
	}
	if (ok && ferror(f)) {
		snprintf(err, errlen, "key '%s' (%s): %s", key, path, strerror(errno));
		ok = false;
	}
	fclose(f);
	return ok && package_check_icon(key, path, b->data, b->len, err, errlen);
}

static bool
ends_with_zip(const char *path)
{
	size_t n = strlen(path);
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	return n > 4 && strlen(base) > 4 && ascii_ieq(path + n - 4, ".zip");
}

/* Writes all of data to tmp, flushed to disk, then renames it to path; tmp never outlives us. */
static bool
write_atomically(const char *path, const void *data, size_t len, char *err, size_t errlen)
{
	struct buf tmp;
	const char *p = data;
	int fd, saved;
	bool ok = false;

	buf_init(&tmp);
	buf_printf(&tmp, "%s.tmp", path);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "--out %s: cannot create %s: %s", path, tmp.data,
		    strerror(errno));
		buf_free(&tmp);
		return false;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.data, path) != 0)
		goto fail;
	ok = true;
	buf_free(&tmp);
	return ok;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp.data);
	snprintf(err, errlen, "--out %s: cannot write it: %s", path, strerror(saved));
	buf_free(&tmp);
	return false;
}

enum package_result
package_write(const struct config *c, const char *out_path, bool allow_http, time_t mtime,
    char *err, size_t errlen)
{
	struct json_object *manifest;
	struct buf color, outline, text;
	struct zip_archive zip;
	enum package_result res = PACKAGE_BAD_CONFIG;
	const char *why;

	if (out_path == NULL || !ends_with_zip(out_path)) {
		snprintf(err, errlen, "--out must name the package file to write, ending in .zip "
		    "(Teams uploads only .zip files)");
		return PACKAGE_BAD_OUT;
	}
	if ((manifest = package_manifest(c, allow_http, err, errlen)) == NULL)
		return PACKAGE_BAD_CONFIG;
	buf_init(&color);
	buf_init(&outline);
	buf_init(&text);
	zip_init(&zip, mtime);
	if (!read_icon("icon_color", c->icon_color, &color, err, errlen) ||
	    !read_icon("icon_outline", c->icon_outline, &outline, err, errlen))
		goto out;
	buf_puts(&text, json_object_to_json_string_ext(manifest,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_putc(&text, '\n');
	if (!zip_add(&zip, "manifest.json", text.data, text.len, &why) ||
	    !zip_add(&zip, "color.png", color.data, color.len, &why) ||
	    !zip_add(&zip, "outline.png", outline.data, outline.len, &why) ||
	    !zip_finish(&zip, &why)) {
		snprintf(err, errlen, "cannot build the archive: %s", why);
		res = PACKAGE_IO_ERROR;
		goto out;
	}
	res = write_atomically(out_path, zip.out.data, zip.out.len, err, errlen) ? PACKAGE_OK :
	    PACKAGE_IO_ERROR;
out:
	zip_free(&zip);
	buf_free(&text);
	buf_free(&outline);
	buf_free(&color);
	json_object_put(manifest);
	return res;
}
