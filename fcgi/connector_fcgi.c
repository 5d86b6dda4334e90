/* connector_fcgi.c: main of connector-fcgi: read the configuration, then serve FastCGI (or supervise processes that do). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cli.h"
#include "config.h"
#include "fcgi_server.h"
#include "log.h"
#include "supervise.h"

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct app app;
	char err[512];
	bool check_only;
	int rc;

	if ((rc = cli_load("connector-fcgi", "Serves FastCGI on standard input; start it with "
	    "spawn-fcgi.", argc, argv, &cfg, &check_only)) >= 0)
		return rc;
	if (!app_init(&app, &cfg, err, sizeof(err))) {
		fprintf(stderr, "connector-fcgi: %s\n", err);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	if (check_only) {
		app_free(&app);
		printf("connector-fcgi: configuration OK\n");
		config_free(&cfg);
		return 0;
	}
	if (log_open(cfg.log_file, cfg.log_level) != 0) {
		fprintf(stderr, "connector-fcgi: key 'log_file': cannot open %s\n", cfg.log_file);
		return EXIT_CONFIG;
	}
	if (!fcgi_stdin_is_socket()) {
		fprintf(stderr, "connector-fcgi: standard input is not a FastCGI socket: "
		    "start it with spawn-fcgi\n");
		log_line(LOG_ERROR, "standard input is not a FastCGI socket", NULL);
		app_free(&app);
		config_free(&cfg);
		return 2;
	}
	/* Supervised: this process only keeps the children running; each child serves below. */
	if (cfg.processes > 1 && (rc = supervise(cfg.processes)) >= 0) {
		app_free(&app);
		config_free(&cfg);
		return rc;
	}
	rc = fcgi_serve(&app, cfg.threads);
	app_free(&app);
	config_free(&cfg);
	return rc;
}
