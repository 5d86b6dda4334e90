/* package.h: the Teams app package: manifest.json from the configuration, two icons, one ZIP. */
#ifndef CONNECTOR_PACKAGE_H
#define CONNECTOR_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "config.h"

#define PACKAGE_MANIFEST_VERSION "1.17"
#define PACKAGE_SCHEMA_URL \
	"https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
#define PACKAGE_SETUP_PATH "/Connector/Setup"

/* Teams' icon rules: a full-colour square, and a small white-on-transparent outline. */
#define PACKAGE_COLOR_ICON_SIZE   192
#define PACKAGE_OUTLINE_ICON_SIZE 32
#define PACKAGE_ICON_MAX_BYTES    (4L * 1024 * 1024)

enum package_result {
	PACKAGE_OK,
	PACKAGE_BAD_OUT,	/* no output file, or not a .zip */
	PACKAGE_BAD_CONFIG,	/* a key is missing or refused, an icon breaks the rules */
	PACKAGE_IO_ERROR,	/* the archive could not be written */
};

/*
 * The manifest for the configuration, or NULL with a one-line message in err: every missing
 * key named at once, or the key refused (public_base_url must be https unless allow_http).
 */
struct json_object *package_manifest(const struct config *, bool allow_http, char *err,
	    size_t errlen);

/*
 * Checks a PNG against the rules for the icon of config key `key` (icon_color or
 * icon_outline); the message names the key and `path`.
 */
bool	package_check_icon(const char *key, const char *path, const void *png, size_t len,
	    char *err, size_t errlen);

/*
 * Builds the manifest, reads and checks both icons, and writes the ZIP to out_path through
 * out_path.tmp and a rename, so that a failure leaves neither file behind. Entries carry mtime.
 */
enum package_result package_write(const struct config *, const char *out_path, bool allow_http,
	    time_t mtime, char *err, size_t errlen);

#endif
