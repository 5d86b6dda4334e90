/* cli.h: what the daemons' mains share: the -c and -t options and the configuration they name. */
#ifndef CONNECTOR_CLI_H
#define CONNECTOR_CLI_H

#include <stdbool.h>

struct config;

/* EX_CONFIG from sysexits.h: the exit status of a bad configuration. */
#define EXIT_CONFIG 78

/*
 * Parses [-t] [-c FILE] and loads the configuration: FILE, else $CONNECTOR_CONFIG, else the
 * installed default, with environment overrides. Returns -1 to go on, or the exit status to
 * end with (2 for usage, EXIT_CONFIG for a bad configuration, with the reason on stderr).
 */
int	cli_load(const char *prog, const char *summary, int argc, char **argv,
	    struct config *, bool *check_only);

#endif
