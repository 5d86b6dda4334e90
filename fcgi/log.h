/* log.h: one structured line (logfmt) per event on standard error or a file, safe across threads. */
#ifndef CONNECTOR_LOG_H
#define CONNECTOR_LOG_H

#include <stddef.h>

#include "config.h"

/* Opens the log file (append), keeps standard error when path is empty, or uses syslog(3)
 * (the journal under systemd) when path is "syslog". */
int	 log_open(const char *path, enum log_level min);
/* fmt yields "key=value ..." pairs; the line gets ts=, level= and msg= in front. */
void	 log_line(enum log_level, const char *msg, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Writes s as a logfmt value into out: bare when it is plain, else quoted with every
 * control, quote, backslash and non-ASCII byte escaped, cut at 200 bytes. Returns out.
 */
const char *log_value(const char *s, char *out, size_t outlen);

#endif
