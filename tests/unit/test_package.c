/* test_package.c: the app package keys, the manifest built from them, icon rules, the written ZIP. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "package.h"
#include "png.h"
#include "pngmake.h"
#include "tap.h"

#define APP_ID       "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
#define CONNECTOR_ID "A1B2C3D4-E5F6-4789-9ABC-DEF012345678"

static const char base[] =
    "database_url = dbname=x\n"
    "csrf_secret = 0123456789abcdef0123456789abcdef\n";

static const char package_keys[] =
    "app_id = " APP_ID "\n"
    "connector_id = " CONNECTOR_ID "\n"
    "app_name_short = Deploy Alerts\n"
    "app_name_full = Deploy Alerts for Contoso Engineering\n"
    "app_description_short = Deployment and incident notifications in your channel\n"
    "app_description_full = Posts a card to the channel for each deployment, incident or build.\n"
    "developer_name = Contoso\n"
    "developer_website_url = https://www.contoso.example/connector\n"
    "developer_privacy_url = https://www.contoso.example/privacy\n"
    "developer_terms_url = https://www.contoso.example:8443/terms?lang=en#top\n"
    "app_version = 2.10.0\n"
    "accent_color = #123abc\n";

static char dir[] = "/tmp/test_package.XXXXXX";

/* base + public_base_url + more: loads into c; false with err. */
static int
load(struct config *c, const char *origin, const char *more, char *err, size_t errlen)
{
	struct buf t;
	int r;

	buf_init(&t);
	buf_printf(&t, "%spublic_base_url = %s\n%s", base, origin, more);
	config_init(c);
	r = config_load_text(c, t.data, "pkg.conf", NULL, err, errlen);
	buf_free(&t);
	return r;
}

static const char *
jstr(struct json_object *o, const char *path)
{
	char copy[128], *save = NULL, *part;
	struct json_object *cur = o;

	snprintf(copy, sizeof(copy), "%s", path);
	for (part = strtok_r(copy, ".", &save); part != NULL; part = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(cur, json_type_array))
			cur = json_object_array_get_idx(cur, (size_t)atoi(part));
		else if (!json_object_object_get_ex(cur, part, &cur))
			return NULL;
		if (cur == NULL)
			return NULL;
	}
	return json_object_is_type(cur, json_type_string) ? json_object_get_string(cur) : NULL;
}

static void
check_manifest(void)
{
	struct config c;
	struct json_object *m, *v;
	char err[1024] = "", sso_keys[2048];

	ok(load(&c, "https://Connector.Example.com", package_keys, err, sizeof(err)),
	    "a configuration with every package key loads");
	m = package_manifest(&c, false, err, sizeof(err));
	ok(m != NULL, "the manifest is built");
	if (m == NULL) {
		printf("#   %s\n", err);
		config_free(&c);
		return;
	}
	is_str(jstr(m, "$schema"), PACKAGE_SCHEMA_URL, "$schema is the v1.17 schema");
	is_str(jstr(m, "manifestVersion"), "1.17", "manifestVersion 1.17");
	is_str(jstr(m, "version"), "2.10.0", "version is app_version");
	is_str(jstr(m, "id"), APP_ID, "id is app_id");
	is_str(jstr(m, "developer.name"), "Contoso", "developer.name");
	is_str(jstr(m, "developer.websiteUrl"), "https://www.contoso.example/connector",
	    "developer.websiteUrl");
	is_str(jstr(m, "developer.privacyUrl"), "https://www.contoso.example/privacy",
	    "developer.privacyUrl");
	is_str(jstr(m, "developer.termsOfUseUrl"),
	    "https://www.contoso.example:8443/terms?lang=en#top", "developer.termsOfUseUrl");
	is_str(jstr(m, "name.short"), "Deploy Alerts", "name.short");
	is_str(jstr(m, "name.full"), "Deploy Alerts for Contoso Engineering", "name.full");
	is_str(jstr(m, "description.short"),
	    "Deployment and incident notifications in your channel", "description.short");
	has_str(jstr(m, "description.full"), "each deployment", "description.full");
	is_str(jstr(m, "icons.color"), "color.png", "icons.color is the archive's color.png");
	is_str(jstr(m, "icons.outline"), "outline.png", "icons.outline is outline.png");
	is_str(jstr(m, "accentColor"), "#123abc", "accentColor");
	ok(json_object_object_get_ex(m, "connectors", &v) && json_object_array_length(v) == 1,
	    "one connector");
	is_str(jstr(m, "connectors.0.connectorId"), CONNECTOR_ID, "  its connectorId");
	is_str(jstr(m, "connectors.0.configurationUrl"),
	    "https://Connector.Example.com/Connector/Setup", "  its configurationUrl");
	ok(json_object_object_get_ex(m, "connectors", &v) &&
	    json_object_array_length(json_object_object_get(
	    json_object_array_get_idx(v, 0), "scopes")) == 1, "  one scope");
	is_str(jstr(m, "connectors.0.scopes.0"), "team", "  the team scope");
	ok(json_object_object_get_ex(m, "validDomains", &v) && json_object_array_length(v) == 1,
	    "one valid domain");
	is_str(jstr(m, "validDomains.0"), "connector.example.com", "  the host, lower case");
	ok(!json_object_object_get_ex(m, "permissions", NULL), "no permissions asked for");
	ok(!json_object_object_get_ex(m, "webApplicationInfo", NULL),
	    "no webApplicationInfo without sso_client_id");
	has_str(json_object_to_json_string_ext(m, JSON_C_TO_STRING_NOSLASHESCAPE),
	    "\"https://developer.microsoft.com/json-schemas/", "URLs are written without \\/");
	json_object_put(m);
	config_free(&c);

	ok(load(&c, "http://127.0.0.1:8080", package_keys, err, sizeof(err)), "an http origin loads");
	m = package_manifest(&c, false, err, sizeof(err));
	ok(m == NULL, "an http public_base_url is refused for a package");
	has_str(err, "key 'public_base_url' (http://127.0.0.1:8080) must be https://",
	    "  ...naming the key");
	m = package_manifest(&c, true, err, sizeof(err));
	ok(m != NULL, "...unless http is allowed for a local test");
	is_str(jstr(m, "validDomains.0"), "127.0.0.1:8080", "  then the domain keeps its port");
	is_str(jstr(m, "connectors.0.configurationUrl"), "http://127.0.0.1:8080/Connector/Setup",
	    "  and the configuration URL is http");
	json_object_put(m);
	config_free(&c);

	snprintf(sso_keys, sizeof(sso_keys), "%ssso_client_id = "
	    "6f1a3c2e-8d4b-4e7a-9c5d-2b3a4f5e6d7c\n", package_keys);
	ok(load(&c, "https://Connector.Example.com", sso_keys, err, sizeof(err)) &&
	    (m = package_manifest(&c, false, err, sizeof(err))) != NULL, "with sso_client_id");
	is_str(jstr(m, "webApplicationInfo.id"), "6f1a3c2e-8d4b-4e7a-9c5d-2b3a4f5e6d7c",
	    "  webApplicationInfo.id is the client id");
	is_str(jstr(m, "webApplicationInfo.resource"),
	    "api://connector.example.com/6f1a3c2e-8d4b-4e7a-9c5d-2b3a4f5e6d7c",
	    "  its resource is api://<host>/<client id>");
	json_object_put(m);
	config_free(&c);

	ok(load(&c, "https://Connector.example.com:443", package_keys, err, sizeof(err)) &&
	    (m = package_manifest(&c, false, err, sizeof(err))) != NULL, "an origin with :443 loads");
	is_str(jstr(m, "validDomains.0"), "connector.example.com", "  the domain drops the default port");
	json_object_put(m);
	config_free(&c);

	ok(load(&c, "https://a.example", "app_id = " APP_ID "\n", err, sizeof(err)),
	    "a configuration with only app_id loads");
	is_str(c.app_version, "1.0.0", "  app_version defaults to 1.0.0");
	is_str(c.accent_color, "#4F6BED", "  accent_color defaults to #4F6BED");
	has_str(c.icon_color, "color.png", "  icon_color defaults to the shipped icon");
	has_str(c.icon_outline, "outline.png", "  icon_outline defaults to the shipped icon");
	ok(package_manifest(&c, false, err, sizeof(err)) == NULL, "  but makes no manifest");
	has_str(err, "missing keys for the app package: connector_id, app_name_short, "
	    "app_description_short, app_description_full, developer_name, developer_website_url, "
	    "developer_privacy_url, developer_terms_url (", "  ...naming every missing key");
	ok(strstr(err, "app_id") == NULL && strstr(err, "app_name_full") == NULL,
	    "  ...and only those");
	ok(strchr(err, '\n') == NULL, "  ...in one line");
	config_free(&c);
}

/* package_keys with one line replaced (or dropped, when value is NULL). */
static char *
with_key(const char *key, const char *value)
{
	struct buf out;
	const char *line = package_keys, *nl;
	size_t klen = strlen(key);

	buf_init(&out);
	for (; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			if (value != NULL)
				buf_printf(&out, "%s = %s\n", key, value);
		} else
			buf_append(&out, line, (size_t)(nl - line + 1));
	}
	return out.data;
}

static void
expect_refused(const char *key, const char *value, const char *want, const char *name)
{
	struct config c;
	char err[1024] = "", *text = with_key(key, value), quoted[64];
	int loaded = load(&c, "https://a.example", text, err, sizeof(err));

	ok(!loaded, name);
	snprintf(quoted, sizeof(quoted), "key '%s'", key);
	has_str(err, quoted, "  ...naming the key");
	if (want != NULL)
		has_str(err, want, "  ...and why");
	config_free(&c);
	free(text);
}

static void
expect_missing(const char *key)
{
	struct config c;
	char err[1024] = "", *text = with_key(key, NULL), name[96];

	snprintf(name, sizeof(name), "without %s the package is refused, naming it", key);
	ok(load(&c, "https://a.example", text, err, sizeof(err)) &&
	    package_manifest(&c, false, err, sizeof(err)) == NULL &&
	    strstr(err, key) != NULL && strstr(err, "missing key for") != NULL, name);
	config_free(&c);
	free(text);
}

static void
check_keys(void)
{
	struct config c;
	char err[1024] = "", *text, long_text[4100];
	static const char *const needed[] = { "app_id", "connector_id", "app_name_short",
	    "app_description_short", "app_description_full", "developer_name",
	    "developer_website_url", "developer_privacy_url", "developer_terms_url" };
	char *env_bad[] = { "CONNECTOR_APP_ID=not-a-guid", NULL };
	size_t i;
	struct json_object *m;

	expect_refused("app_id", "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f", "must be a GUID",
	    "an app_id one digit short is refused");
	expect_refused("app_id", "{0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0}", "GUID",
	    "an app_id in braces is refused");
	expect_refused("app_id", "0f1e2d3c4b5a497887 96a5b4c3d2e1f0", "GUID",
	    "an app_id without dashes is refused");
	expect_refused("app_id", "0g1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0", "GUID",
	    "an app_id with a non-hex digit is refused");
	expect_refused("connector_id", "connector", "GUID", "a malformed connector_id is refused");
	expect_refused("app_name_short", "A name of thirty-one characters", "1 to 30 characters",
	    "a 31-character short name is refused");
	memset(long_text, 'x', 101);
	long_text[101] = '\0';
	expect_refused("app_name_full", long_text, "1 to 100", "a 101-character full name is refused");
	long_text[81] = '\0';
	expect_refused("app_description_short", long_text, "1 to 80",
	    "an 81-character short description is refused");
	memset(long_text, 'y', 4001);
	long_text[4001] = '\0';
	expect_refused("app_description_full", long_text, "1 to 4000",
	    "a 4001-character full description is refused");
	expect_refused("developer_name", "A developer name of 33 characters",
	    "1 to 32", "a 33-character developer name is refused");
	expect_refused("developer_name", "Contoso\x01", "control characters",
	    "a control character is refused");
	expect_refused("developer_website_url", "http://www.contoso.example", "https://",
	    "an http website URL is refused");
	expect_refused("developer_privacy_url", "HTTP://www.contoso.example/privacy",
	    "plain http:// is refused", "an HTTP privacy URL is refused as http");
	expect_refused("developer_terms_url", "ftp://contoso.example/terms", "https://",
	    "an ftp terms URL is refused");
	expect_refused("developer_terms_url", "https://", "no host", "a URL without a host is refused");
	expect_refused("developer_terms_url", "https://contoso.example/a b", "spaces",
	    "a URL with a space is refused");
	expect_refused("developer_terms_url", "https://user@contoso.example/", NULL,
	    "a URL with user information is refused");
	expect_refused("app_version", "1.0", "MAJOR.MINOR.PATCH", "a two-part version is refused");
	expect_refused("app_version", "01.0.0", "MAJOR.MINOR.PATCH", "a leading zero is refused");
	expect_refused("app_version", "1.0.0-beta", "MAJOR.MINOR.PATCH", "a pre-release is refused");
	expect_refused("app_version", "", "MAJOR.MINOR.PATCH", "an empty version is refused");
	expect_refused("accent_color", "4F6BED", "#RRGGBB", "a colour without # is refused");
	expect_refused("accent_color", "#FFF", "#RRGGBB", "a three-digit colour is refused");
	expect_refused("accent_color", "#4F6BEZ", "#RRGGBB", "a colour with a non-hex digit is refused");

	{
		struct buf t;

		buf_init(&t);
		buf_printf(&t, "%spublic_base_url = https://a.example\n%s", base, package_keys);
		config_init(&c);
		ok(!config_load_text(&c, t.data, "pkg.conf", env_bad, err, sizeof(err)),
		    "a malformed CONNECTOR_APP_ID in the environment is refused");
		has_str(err, "CONNECTOR_APP_ID: key 'app_id'", "  ...naming it");
		config_free(&c);
		buf_free(&t);
	}

	text = with_key("app_name_short", "\xc3\x89v\xc3\xa9nements de d\xc3\xa9ploiement 1234");
	ok(load(&c, "https://a.example", text, err, sizeof(err)),
	    "a 30-character name with accents (more bytes than characters) is accepted");
	config_free(&c);
	free(text);

	text = with_key("app_name_full", NULL);
	ok(load(&c, "https://a.example", text, err, sizeof(err)) &&
	    (m = package_manifest(&c, false, err, sizeof(err))) != NULL,
	    "without app_name_full the package is made");
	if (m != NULL) {
		is_str(jstr(m, "name.full"), "Deploy Alerts", "  name.full is the short name");
		json_object_put(m);
	}
	config_free(&c);
	free(text);

	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		expect_missing(needed[i]);
	text = with_key("icon_outline", NULL);
	{
		struct buf t;

		buf_init(&t);
		buf_printf(&t, "%sicon_outline =\n", text);
		ok(load(&c, "https://a.example", t.data, err, sizeof(err)) &&
		    package_manifest(&c, false, err, sizeof(err)) == NULL &&
		    strstr(err, "icon_outline") != NULL, "an empty icon_outline is a missing key");
		buf_free(&t);
	}
	config_free(&c);
	free(text);
}

static void
check_icons(void)
{
	struct buf b;
	char err[512];

	buf_init(&b);
	pm_image(&b, 192, 192, 8, PNG_RGB, 0);
	ok(package_check_icon("icon_color", "c.png", b.data, b.len, err, sizeof(err)),
	    "a 192x192 RGB colour icon is fine");
	pm_image(&b, 96, 96, 8, PNG_RGB, 0);
	ok(!package_check_icon("icon_color", "c.png", b.data, b.len, err, sizeof(err)),
	    "a 96x96 colour icon is refused");
	has_str(err, "key 'icon_color' (c.png): the icon must be 192x192 pixels, this one is 96x96",
	    "  ...naming the key, the file and both sizes");
	pm_image(&b, 192, 191, 8, PNG_RGBA, 0);
	ok(!package_check_icon("icon_color", "c.png", b.data, b.len, err, sizeof(err)),
	    "a 192x191 colour icon is refused");
	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	ok(package_check_icon("icon_outline", "o.png", b.data, b.len, err, sizeof(err)),
	    "a 32x32 RGBA outline icon is fine");
	pm_image(&b, 32, 32, 8, PNG_PALETTE, 1);
	ok(package_check_icon("icon_outline", "o.png", b.data, b.len, err, sizeof(err)),
	    "a 32x32 palette outline icon with tRNS is fine");
	pm_image(&b, 32, 32, 8, PNG_RGB, 0);
	ok(!package_check_icon("icon_outline", "o.png", b.data, b.len, err, sizeof(err)),
	    "an outline icon without transparency is refused");
	has_str(err, "key 'icon_outline' (o.png): the outline icon must be white on a transparent",
	    "  ...naming the key");
	pm_image(&b, 192, 192, 8, PNG_RGBA, 0);
	ok(!package_check_icon("icon_outline", "o.png", b.data, b.len, err, sizeof(err)),
	    "a 192x192 outline icon is refused");
	has_str(err, "must be 32x32", "  ...for its size");
	ok(!package_check_icon("icon_color", "c.png", "GIF89a", 6, err, sizeof(err)),
	    "a GIF is refused");
	has_str(err, "key 'icon_color' (c.png): not a PNG", "  ...as not a PNG, naming the key");
	buf_free(&b);
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void
check_write(void)
{
	struct config c;
	struct buf b, text, path;
	char err[1024] = "", out[256], tmp[300], color[256], outline[256], bad[256], head[4] = "";
	FILE *f;

	snprintf(color, sizeof(color), "%s/color.png", dir);
	snprintf(outline, sizeof(outline), "%s/outline.png", dir);
	snprintf(bad, sizeof(bad), "%s/bad.png", dir);
	snprintf(out, sizeof(out), "%s/app.zip", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", out);
	buf_init(&b);
	pm_image(&b, 192, 192, 8, PNG_RGB, 0);
	write_file(color, b.data, b.len);
	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	write_file(outline, b.data, b.len);
	pm_image(&b, 32, 32, 8, PNG_RGB, 0);
	write_file(bad, b.data, b.len);

	buf_init(&text);
	buf_printf(&text, "%sicon_color = %s\nicon_outline = %s\n", package_keys, color, outline);
	ok(load(&c, "https://a.example", text.data, err, sizeof(err)), "icons named by path load");
	is_int(package_write(&c, out, false, 0, err, sizeof(err)), PACKAGE_OK, "the package is written");
	ok(exists(out) && !exists(tmp), "  to the file named, with no .tmp left");
	if ((f = fopen(out, "rb")) != NULL) {
		if (fread(head, 1, 4, f) != 4)
			head[0] = '\0';
		fclose(f);
	}
	ok(memcmp(head, "PK\x03\x04", 4) == 0, "  it is a ZIP archive");
	is_int(package_write(&c, out, false, 0, err, sizeof(err)), PACKAGE_OK,
	    "writing it again replaces it");
	is_int(package_write(&c, NULL, false, 0, err, sizeof(err)), PACKAGE_BAD_OUT,
	    "no output file is refused");
	is_int(package_write(&c, "/tmp/.zip", false, 0, err, sizeof(err)), PACKAGE_BAD_OUT,
	    "an output file named just .zip is refused");
	is_int(package_write(&c, "/tmp/app.json", false, 0, err, sizeof(err)), PACKAGE_BAD_OUT,
	    "an output file not ending in .zip is refused");
	has_str(err, "--out", "  ...naming --out");
	config_free(&c);

	buf_init(&path);
	buf_printf(&path, "%s/fresh.zip", dir);
	buf_reset(&text);
	buf_printf(&text, "%sicon_color = %s\nicon_outline = %s\n", package_keys, color, bad);
	ok(load(&c, "https://a.example", text.data, err, sizeof(err)), "a bad outline icon loads");
	is_int(package_write(&c, path.data, false, 0, err, sizeof(err)), PACKAGE_BAD_CONFIG,
	    "...but is refused when packaging");
	has_str(err, "icon_outline", "  ...naming icon_outline");
	ok(!exists(path.data), "  no archive is left behind");
	is_int(package_write(&c, out, false, 0, err, sizeof(err)), PACKAGE_BAD_CONFIG,
	    "refused over an existing package");
	ok(exists(out) && !exists(tmp), "  the existing package stays, no .tmp appears");
	config_free(&c);

	buf_reset(&text);
	buf_printf(&text, "%sicon_color = %s/none.png\nicon_outline = %s\n", package_keys, dir,
	    outline);
	ok(load(&c, "https://a.example", text.data, err, sizeof(err)) &&
	    package_write(&c, path.data, false, 0, err, sizeof(err)) == PACKAGE_BAD_CONFIG,
	    "a missing icon file is refused");
	has_str(err, "key 'icon_color'", "  ...naming icon_color");
	has_str(err, "No such file", "  ...and why");
	buf_reset(&path);
	buf_printf(&path, "%s/no/such/dir/app.zip", dir);
	is_int(package_write(&c, path.data, false, 0, err, sizeof(err)), PACKAGE_BAD_CONFIG,
	    "icons are checked before the output directory");
	config_free(&c);

	buf_reset(&text);
	buf_printf(&text, "%sicon_color = %s\nicon_outline = %s\n", package_keys, color, outline);
	ok(load(&c, "https://a.example", text.data, err, sizeof(err)) &&
	    package_write(&c, path.data, false, 0, err, sizeof(err)) == PACKAGE_IO_ERROR,
	    "an output directory that does not exist is an I/O error");
	has_str(err, "--out", "  ...naming --out");
	config_free(&c);

	unlink(out);
	unlink(color);
	unlink(outline);
	unlink(bad);
	buf_free(&path);
	buf_free(&text);
	buf_free(&b);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	check_manifest();
	check_keys();
	check_icons();
	check_write();
	rmdir(dir);
	return done_testing();
}
