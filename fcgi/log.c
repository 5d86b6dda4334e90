/* log.c: logfmt lines written with one write(2) each, so lines from threads and processes never mix. */
#include "log.h"
#include "log_syslog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = 2;
static bool log_to_syslog;
static enum log_level log_min = LOG_INFO;

int
log_open(const char *path, enum log_level min)
{
	log_min = min;
	if (path == NULL || *path == '\0') {
		log_fd = 2;
		return 0;
	}
	if (strcmp(path, "syslog") == 0) {
		log_syslog_open();
		log_to_syslog = true;
		return 0;
	}
	if ((log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		log_fd = 2;
		return -1;
	}
	return 0;
}

const char *
log_value(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	bool plain = *s != '\0';
	size_t o = 0, limit;

	if (outlen < 8) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	for (p = (const unsigned char *)s; *p != '\0' && plain; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '=' || *p == '\\')
			plain = false;
	limit = outlen - 6;	/* room for an escape, the closing quote and NUL */
	if (limit > 200)
		limit = 200;
	if (!plain)
		out[o++] = '"';
	for (p = (const unsigned char *)s; *p != '\0' && o < limit; p++) {
		if (*p < ' ' || *p >= 0x7f || *p == '"' || *p == '\\') {
			out[o++] = '\\';
			if (*p == '"' || *p == '\\')
				out[o++] = (char)*p;
			else {
				out[o++] = 'x';
				out[o++] = hex[*p >> 4];
				out[o++] = hex[*p & 0xf];
			}
		} else
			out[o++] = (char)*p;
	}
	if (*p != '\0' && o + 3 < outlen) {
		out[o++] = '.';
		out[o++] = '.';
	}
	if (!plain)
		out[o++] = '"';
	out[o] = '\0';
	return out;
}

/*
 * Writes "ts=YYYY-MM-DDTHH:MM:SS.mmmZ" into out (at least 29 bytes) and returns its length.
 * Each thread keeps the text of the last second it formatted: a busy process logs many lines
 * a second, and gmtime_r plus snprintf for each was a measurable part of a request.
 */
static int
format_ts(char *out)
{
	static _Thread_local time_t last_sec = (time_t)-1;
	static _Thread_local char last[32];	/* "ts=YYYY-MM-DDTHH:MM:SS" (22 bytes) */
	struct timespec ts;
	struct tm tm;
	long ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(last, sizeof(last), "ts=%04d-%02d-%02dT%02d:%02d:%02d",
		    (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
		    tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
		last_sec = ts.tv_sec;
	}
	memcpy(out, last, 22);
	ms = ts.tv_nsec / 1000000;
	out[22] = '.';
	out[23] = (char)('0' + ms / 100);
	out[24] = (char)('0' + ms / 10 % 10);
	out[25] = (char)('0' + ms % 10);
	out[26] = 'Z';
	return 27;
}

/* Appends s at line + n, within cap bytes; the new length. */
static int
put(char *line, int n, int cap, const char *s)
{
	size_t len = strlen(s);

	if (len > (size_t)(cap - n))
		len = (size_t)(cap - n);
	memcpy(line + n, s, len);
	return n + (int)len;
}

void
log_line(enum log_level level, const char *msg, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char line[2048], mbuf[256];
	va_list ap;
	int n, m;
	const int cap = (int)sizeof(line) - 2;	/* room for the newline (or NUL) */

	if (level < log_min)
		return;
	n = format_ts(line);
	n = put(line, n, cap, " level=");
	n = put(line, n, cap, names[level]);
	n = put(line, n, cap, " msg=");
	n = put(line, n, cap, log_value(msg, mbuf, sizeof(mbuf)));
	if (fmt != NULL && *fmt != '\0') {
		line[n++] = ' ';
		va_start(ap, fmt);
		m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
		va_end(ap);
		if (m > 0)
			n += m;
		if (n > cap)
			n = cap;
	}
	if (log_to_syslog) {
		/* syslog stamps the time itself; the rest of the line stays as it is. */
		line[n] = '\0';
		log_syslog_write((int)level, strchr(line, ' ') + 1);
		return;
	}
	line[n++] = '\n';
	while (write(log_fd, line, (size_t)n) < 0 && errno == EINTR)
		;
}
