/* connectorctl.c: main of connectorctl, the operations tool (migrations, and more to come). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "migrate.h"
#include "store.h"

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
	if (path == NULL || *path == '\0')
		path = SYSCONF_FILE;
	config_init(&cfg);
	if (!config_load_file(&cfg, path, environ, err, sizeof(err))) {
		fprintf(stderr, "connectorctl: configuration: %s\n", err);
		return 78;
	}
	if (strcmp(argv[0], "migrate") == 0)
		rc = cmd_migrate(&cfg, argc, argv);
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
