/* log_syslog.c: the syslog(3) door of the logger (journald reads it), apart because <syslog.h> names clash. */
#include <stddef.h>
#include <syslog.h>

#include "log_syslog.h"

void
log_syslog_open(void)
{
	/* NULL ident: the program's own name, so each daemon is told apart in the journal. */
	openlog(NULL, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_syslog_write(int severity, const char *line)
{
	static const int priority[] = { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR };

	if (severity < 0 || severity > 3)
		severity = 3;
	syslog(priority[severity], "%s", line);
}
