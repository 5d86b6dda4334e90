/* connector_worker.c: main of connector-worker: read the configuration, then drain the outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "worker.h"

int
main(int argc, char *argv[])
{
	struct config cfg;
	bool check_only;
	int rc;

	if ((rc = cli_load("connector-worker", "Sends the cards of the delivery outbox to Teams "
	    "webhooks until SIGTERM.", argc, argv, &cfg, &check_only)) >= 0)
		return rc;
	if (check_only) {
		printf("connector-worker: configuration OK\n");
		config_free(&cfg);
		return 0;
	}
	if (log_open(cfg.log_file, cfg.log_level) != 0) {
		fprintf(stderr, "connector-worker: key 'log_file': cannot open %s\n", cfg.log_file);
		config_free(&cfg);
		return EXIT_CONFIG;
	}
	rc = worker_run(&cfg);
	config_free(&cfg);
	return rc;
}
