/* log_syslog.h: writing log lines to syslog (and so to the journal) instead of a file. */
#ifndef CONNECTOR_LOG_SYSLOG_H
#define CONNECTOR_LOG_SYSLOG_H

void	log_syslog_open(void);
/* severity: 0 debug, 1 info, 2 warn, 3 error (enum log_level's order). */
void	log_syslog_write(int severity, const char *line);

#endif
