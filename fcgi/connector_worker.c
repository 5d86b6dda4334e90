/* connector_worker.c: main of connector-worker: read the configuration, then drain the outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "worker.h"

#ifndef SYSCONF_FILE
#define SYSCONF_FILE "/etc/teams-connector/connector.conf"
#endif

extern char **environ;

static void
usage(void)
{
	fprintf(stderr, "usage: connector-worker [-t] [-c connector.conf]\n"
	    "  Sends the cards of the delivery outbox to Teams webhooks until SIGTERM.\n"
	    "  -c FILE  configuration file (default $" CONFIG_ENV_FILE " or " SYSCONF_FILE ")\n"
	    "  -t       check the configuration and exit\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	const char *path = getenv(CONFIG_ENV_FILE);
	char err[512];
	int ch, rc, check_only = 0;

	while ((ch = getopt(argc, argv, "c:th")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check_only = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (path == NULL || *path == '\0')
		path = SYSCONF_FILE;
	config_init(&cfg);
	if (!config_load_file(&cfg, path, environ, err, sizeof(err))) {
		fprintf(stderr, "connector-worker: configuration: %s\n", err);
		return 78;
	}
	if (check_only) {
		printf("connector-worker: %s: configuration OK\n", path);
		config_free(&cfg);
		return 0;
	}
	if (log_open(cfg.log_file, cfg.log_level) != 0) {
		fprintf(stderr, "connector-worker: key 'log_file': cannot open %s\n", cfg.log_file);
		config_free(&cfg);
		return 78;
	}
	rc = worker_run(&cfg);
	config_free(&cfg);
	return rc;
}
