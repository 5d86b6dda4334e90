/* connectorctl.c: main of connectorctl, the operations tool (migrations, deliveries, package). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "jwt.h"
#include "migrate.h"
#include "notify.h"
#include "package.h"
#include "sender.h"
#include "store.h"
#include "util.h"
#include "validate.h"

#ifndef SYSCONF_FILE
#define SYSCONF_FILE "/etc/teams-connector/connector.conf"
#endif

extern char **environ;

static void
usage(FILE *out)
{
	fprintf(out, "usage: connectorctl [-c connector.conf] COMMAND\n"
	    "commands:\n"
	    "  migrate          apply pending SQL migrations, in order, each in one transaction\n"
	    "  migrate status   list applied and pending migrations\n"
	    "  check-config     read the configuration and report the first problem\n"
	    "  send --event E --title T --idempotency-key K [--text X] [--fact NAME=VALUE]...\n"
	    "       [--url U] [--severity info|success|warning|critical] [--entity ID]\n"
	    "       [--actions JSON]\n"
	    "                   post a notification, as POST /api/v1/notifications does\n"
	    "  deliveries [--state S] [--limit N]\n"
	    "                   list deliveries, newest first (webhook URLs redacted)\n"
	    "  deliveries replay ID | --dead | --since TIME\n"
	    "                   put deliveries back in the queue, due now\n"
	    "  package --out FILE.zip [--allow-http]\n"
	    "                   write the Teams app package (manifest.json and the two icons)\n"
	    "  jwks fetch URL --out FILE [--allow-http]\n"
	    "                   download token signing keys (a JWKS, or an OpenID configuration\n"
	    "                   naming one), check them and replace FILE; then SIGHUP\n"
	    "                   connector-fcgi (needs no configuration file)\n"
	    "The configuration file defaults to $" CONFIG_ENV_FILE " or " SYSCONF_FILE ".\n");
}

static int
cmd_migrate(const struct config *cfg, int argc, char **argv)
{
	struct migration_set set;
	struct store *st;
	char err[768];
	bool ok;

	if (argc > 1 && strcmp(argv[1], "status") != 0) {
		fprintf(stderr, "connectorctl: migrate: unknown argument '%s'\n", argv[1]);
		return 2;
	}
	if (argc > 2) {
		usage(stderr);
		return 2;
	}
	if (!migration_set_load(&set, cfg->migrations_dir, err, sizeof(err))) {
		fprintf(stderr, "connectorctl: %s\n", err);
		return 1;
	}
	st = store_new(cfg->database_url, cfg->db_connect_timeout, "connectorctl");
	if (argc > 1)
		ok = store_migrate_status(st, &set, stdout, err, sizeof(err));
	else
		ok = store_migrate_apply(st, &set, stdout, err, sizeof(err));
	if (!ok)
		fprintf(stderr, "connectorctl: migrate: %s\n", err);
	store_free(st);
	migration_set_free(&set);
	return ok ? 0 : 1;
}

static int
store_failure(const char *what, enum store_result res, const char *err)
{
	fprintf(stderr, "connectorctl: %s: %s%s\n", what,
	    res == STORE_UNAVAILABLE ? "database unavailable: " : "", err);
	return 1;
}

/* Builds the same JSON body the API takes, then goes through the same checks and statement. */
static int
cmd_send(const struct config *cfg, int argc, char **argv)
{
	struct json_object *body = json_object_new_object(), *facts = json_object_new_array();
	struct notify_input in;
	struct field_error fe;
	struct store *st;
	char id[37], err[256];
	long deliveries = 0;
	int i, rc = 1;

	for (i = 1; i < argc; i++) {
		static const struct { const char *opt, *key; } map[] = {
			{ "--event", "event" }, { "--title", "title" }, { "--text", "text" },
			{ "--url", "url" }, { "--severity", "severity" },
			{ "--idempotency-key", "idempotencyKey" }, { "--entity", "entityId" },
		};
		size_t k;
		bool known = false;

		if (i + 1 >= argc) {
			fprintf(stderr, "connectorctl: send: %s needs a value\n", argv[i]);
			goto out;
		}
		if (strcmp(argv[i], "--actions") == 0) {
			/* The API's actions[] as JSON; notify validation checks each member. */
			struct json_object *a = json_tokener_parse(argv[i + 1]);

			if (a == NULL) {
				fprintf(stderr, "connectorctl: send: --actions takes a JSON array\n");
				goto out;
			}
			json_object_object_add(body, "actions", a);
			i++;
			continue;
		}
		if (strcmp(argv[i], "--fact") == 0) {
			const char *eq = strchr(argv[i + 1], '=');
			struct json_object *f = json_object_new_object();

			if (eq == NULL) {
				json_object_put(f);
				fprintf(stderr, "connectorctl: send: --fact takes NAME=VALUE\n");
				goto out;
			}
			json_object_object_add(f, "name",
			    json_object_new_string_len(argv[i + 1], (int)(eq - argv[i + 1])));
			json_object_object_add(f, "value", json_object_new_string(eq + 1));
			json_object_array_add(facts, f);
			i++;
			continue;
		}
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (strcmp(argv[i], map[k].opt) == 0) {
				json_object_object_add(body, map[k].key,
				    json_object_new_string(argv[i + 1]));
				known = true;
			}
		if (!known) {
			fprintf(stderr, "connectorctl: send: unknown option %s\n", argv[i]);
			goto out;
		}
		i++;
	}
	if (json_object_array_length(facts) > 0)
		json_object_object_add(body, "facts", json_object_get(facts));
	if (!validate_notification(body, cfg, &in, &fe)) {
		fprintf(stderr, "connectorctl: send: %s\n", fe.reason);
		goto out;
	}
	st = store_new(cfg->database_url, cfg->db_connect_timeout, "connectorctl");
	switch (notify_submit(st, cfg, &in, id, &deliveries, err, sizeof(err))) {
	case NOTIFY_CREATED:
	case NOTIFY_REPLAYED:
		printf("{\"notificationId\":\"%s\",\"deliveries\":%ld}\n", id, deliveries);
		rc = 0;
		break;
	case NOTIFY_TOO_LARGE:
		fprintf(stderr, "connectorctl: send: the card cannot fit in 28 KB\n");
		break;
	case NOTIFY_UNKNOWN_ENTITY:
		fprintf(stderr, "connectorctl: send: no configuration %s\n", in.entity_id);
		break;
	case NOTIFY_KEY_REUSED:
		fprintf(stderr, "connectorctl: send: this idempotency key was used with a "
		    "different notification\n");
		break;
	default:
		fprintf(stderr, "connectorctl: send: database: %s\n", err);
		break;
	}
	json_object_put(in.payload);
	store_free(st);
out:
	json_object_put(facts);
	json_object_put(body);
	return rc;
}

static int
cmd_deliveries(const struct config *cfg, int argc, char **argv)
{
	static const char *const states[] = { "pending", "delivered", "failed", "dead",
	    "cancelled", NULL };
	const char *state = NULL, *const *sv;
	struct store *st;
	char err[256];
	long limit = 50, count = 0;
	enum store_result res;
	int i, rc = 0;

	st = store_new(cfg->database_url, cfg->db_connect_timeout, "connectorctl");
	if (argc > 1 && strcmp(argv[1], "replay") == 0) {
		enum replay_what what;
		const char *arg = NULL;
		char id[24];
		long n;

		if (argc == 3 && strcmp(argv[2], "--dead") == 0)
			what = REPLAY_DEAD;
		else if (argc == 4 && strcmp(argv[2], "--since") == 0) {
			what = REPLAY_SINCE;
			arg = argv[3];
		} else if (argc == 3 && parse_long(argv[2], 1, 0x7fffffffffffL, &n)) {
			what = REPLAY_ID;
			snprintf(id, sizeof(id), "%ld", n);
			arg = id;
		} else {
			fprintf(stderr, "connectorctl: deliveries replay ID | --dead | --since TIME\n");
			store_free(st);
			return 2;
		}
		res = store_deliveries_replay(st, what, arg, &count, err, sizeof(err));
		if (res != STORE_OK)
			rc = store_failure("deliveries replay", res, err);
		else
			printf("%ld deliver%s queued again\n", count, count == 1 ? "y" : "ies");
		if (rc == 0 && what == REPLAY_ID && count == 0) {
			fprintf(stderr, "connectorctl: delivery %s is pending already, or unknown, or "
			    "its configuration is disabled\n", arg);
			rc = 1;
		}
		store_free(st);
		return rc;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
			state = argv[++i];
			for (sv = states; *sv != NULL && strcmp(*sv, state) != 0; sv++)
				;
			if (*sv == NULL) {
				fprintf(stderr, "connectorctl: deliveries: --state is one of pending, "
				    "delivered, failed, dead, cancelled\n");
				store_free(st);
				return 2;
			}
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (!parse_long(argv[++i], 1, 100000, &limit)) {
				fprintf(stderr, "connectorctl: deliveries: --limit is 1 to 100000\n");
				store_free(st);
				return 2;
			}
		} else {
			fprintf(stderr, "connectorctl: deliveries: unknown argument %s\n", argv[i]);
			store_free(st);
			return 2;
		}
	}
	res = store_deliveries_list(st, state, limit, stdout, err, sizeof(err));
	if (res != STORE_OK)
		rc = store_failure("deliveries", res, err);
	store_free(st);
	return rc;
}

/* Needs no database: everything comes from the configuration and the icon files. */
static int
cmd_package(const struct config *cfg, int argc, char **argv)
{
	const char *out = NULL;
	bool allow_http = false;
	char err[1024];
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--allow-http") == 0)
			allow_http = true;
		else {
			fprintf(stderr, "connectorctl: package: unknown argument %s "
			    "(usage: package --out FILE.zip [--allow-http])\n", argv[i]);
			return 2;
		}
	}
	if (out == NULL) {
		fprintf(stderr, "connectorctl: package: --out FILE.zip is required\n");
		return 2;
	}
	switch (package_write(cfg, out, allow_http, time(NULL), err, sizeof(err))) {
	case PACKAGE_OK:
		printf("%s: Teams app package, manifest id %s, version %s\n", out, cfg->app_id,
		    cfg->app_version);
		return 0;
	case PACKAGE_BAD_OUT:
		fprintf(stderr, "connectorctl: package: %s\n", err);
		return 2;
	case PACKAGE_BAD_CONFIG:
		fprintf(stderr, "connectorctl: package: %s\n", err);
		return 78;
	default:
		fprintf(stderr, "connectorctl: package: %s\n", err);
		return 1;
	}
}

/* Replaces path with the bytes, through a temporary file and rename: readers never see half. */
static bool
write_atomically(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "path too long");
		return false;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%.400s: %s", tmp, strerror(errno));
		return false;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%.400s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return false;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

/* jwks fetch URL --out FILE [--allow-http]: an OpenID configuration is followed to jwks_uri. */
static int
cmd_jwks(int argc, char **argv)
{
	const char *url = NULL, *out = NULL;
	bool allow_http = false;
	struct json_object *doc, *uri;
	struct jwks *keys;
	char err[512], next[2048];
	struct buf body;
	int i, rc = 1;

	if (argc < 2 || strcmp(argv[1], "fetch") != 0) {
		fprintf(stderr, "connectorctl: usage: jwks fetch URL --out FILE [--allow-http]\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--allow-http") == 0)
			allow_http = true;
		else if (url == NULL && argv[i][0] != '-')
			url = argv[i];
		else {
			fprintf(stderr, "connectorctl: jwks fetch: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (url == NULL || out == NULL) {
		fprintf(stderr, "connectorctl: usage: jwks fetch URL --out FILE [--allow-http]\n");
		return 2;
	}
	buf_init(&body);
	if (!http_fetch(url, allow_http, 30, 1024 * 1024, &body, err, sizeof(err))) {
		fprintf(stderr, "connectorctl: jwks fetch: %s\n", err);
		goto out;
	}
	doc = json_tokener_parse(body.data);
	if (doc != NULL && json_object_object_get_ex(doc, "jwks_uri", &uri) &&
	    json_object_is_type(uri, json_type_string)) {
		snprintf(next, sizeof(next), "%s", json_object_get_string(uri));
		json_object_put(doc);
		printf("connectorctl: jwks fetch: following jwks_uri %s\n", next);
		if (!http_fetch(next, allow_http, 30, 1024 * 1024, &body, err, sizeof(err))) {
			fprintf(stderr, "connectorctl: jwks fetch: %s: %s\n", next, err);
			goto out;
		}
	} else {
		json_object_put(doc);
	}
	if ((keys = jwks_parse(body.data, body.len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "connectorctl: jwks fetch: not usable: %s (%s left as it was)\n",
		    err, out);
		goto out;
	}
	if (jwks_count(keys) == 0) {
		fprintf(stderr, "connectorctl: jwks fetch: no RSA signing keys in it (%s left as it "
		    "was)\n", out);
		jwks_free(keys);
		goto out;
	}
	if (!write_atomically(out, body.data, body.len, err, sizeof(err))) {
		fprintf(stderr, "connectorctl: jwks fetch: %s\n", err);
		jwks_free(keys);
		goto out;
	}
	printf("connectorctl: jwks fetch: %zu signing keys written to %s; send SIGHUP to "
	    "connector-fcgi to use them\n", jwks_count(keys), out);
	jwks_free(keys);
	rc = 0;
out:
	buf_free(&body);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	const char *path = getenv(CONFIG_ENV_FILE);
	char err[512];
	int ch, rc;

	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[0], "jwks") == 0)
		return cmd_jwks(argc, argv);
	if (path == NULL || *path == '\0')
		path = SYSCONF_FILE;
	config_init(&cfg);
	if (!config_load_file(&cfg, path, environ, err, sizeof(err))) {
		fprintf(stderr, "connectorctl: configuration: %s\n", err);
		return 78;
	}
	if (strcmp(argv[0], "migrate") == 0)
		rc = cmd_migrate(&cfg, argc, argv);
	else if (strcmp(argv[0], "send") == 0)
		rc = cmd_send(&cfg, argc, argv);
	else if (strcmp(argv[0], "deliveries") == 0)
		rc = cmd_deliveries(&cfg, argc, argv);
	else if (strcmp(argv[0], "package") == 0)
		rc = cmd_package(&cfg, argc, argv);
	else if (strcmp(argv[0], "check-config") == 0) {
		printf("%s: configuration OK\n", path);
		rc = 0;
	} else {
		fprintf(stderr, "connectorctl: unknown command '%s'\n", argv[0]);
		usage(stderr);
		rc = 2;
	}
	config_free(&cfg);
	return rc;
}
