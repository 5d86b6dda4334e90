/* connector_fcgi.c: main of connector-fcgi: read the configuration, then serve FastCGI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "fcgi_server.h"
#include "log.h"

#ifndef SYSCONF_FILE
#define SYSCONF_FILE "/etc/teams-connector/connector.conf"
#endif

extern char **environ;

static void
usage(void)
{
	fprintf(stderr, "usage: connector-fcgi [-t] [-c connector.conf]\n"
	    "  Serves FastCGI on standard input; start it with spawn-fcgi.\n"
	    "  -c FILE  configuration file (default $" CONFIG_ENV_FILE " or " SYSCONF_FILE ")\n"
	    "  -t       check the configuration and exit\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct app app;
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
		fprintf(stderr, "connector-fcgi: configuration: %s\n", err);
		return 78;	/* EX_CONFIG */
	}
	if (!app_init(&app, &cfg, err, sizeof(err))) {
		fprintf(stderr, "connector-fcgi: %s\n", err);
		config_free(&cfg);
		return 78;
	}
	if (check_only) {
		app_free(&app);
		printf("connector-fcgi: %s: configuration OK\n", path);
		config_free(&cfg);
		return 0;
	}
	if (log_open(cfg.log_file, cfg.log_level) != 0) {
		fprintf(stderr, "connector-fcgi: key 'log_file': cannot open %s\n", cfg.log_file);
		return 78;
	}
	if (!fcgi_stdin_is_socket()) {
		fprintf(stderr, "connector-fcgi: standard input is not a FastCGI socket: "
		    "start it with spawn-fcgi\n");
		log_line(LOG_ERROR, "standard input is not a FastCGI socket", NULL);
		app_free(&app);
		config_free(&cfg);
		return 2;
	}
	rc = fcgi_serve(&app, cfg.threads);
	app_free(&app);
	config_free(&cfg);
	return rc;
}
