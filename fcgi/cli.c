/* cli.c: option parsing and configuration loading shared by connector-fcgi and connector-worker. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

#ifndef SYSCONF_FILE
#define SYSCONF_FILE "/etc/teams-connector/connector.conf"
#endif

extern char **environ;

int
cli_load(const char *prog, const char *summary, int argc, char **argv, struct config *cfg,
    bool *check_only)
{
	const char *path = getenv(CONFIG_ENV_FILE);
	char err[512];
	bool bad = false;
	int ch;

	*check_only = false;
	while ((ch = getopt(argc, argv, "c:th")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			*check_only = true;
			break;
		default:
			bad = true;
			break;
		}
	}
	if (bad || optind != argc) {
		fprintf(stderr, "usage: %s [-t] [-c connector.conf]\n  %s\n"
		    "  -c FILE  configuration file (default $" CONFIG_ENV_FILE " or "
		    SYSCONF_FILE ")\n  -t       check the configuration and exit\n", prog, summary);
		return 2;
	}
	if (path == NULL || *path == '\0')
		path = SYSCONF_FILE;
	config_init(cfg);
	if (!config_load_file(cfg, path, environ, err, sizeof(err))) {
		fprintf(stderr, "%s: configuration: %s\n", prog, err);
		config_free(cfg);
		return EXIT_CONFIG;
	}
	return -1;
}
