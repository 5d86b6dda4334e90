/* tap.h: a few TAP helpers for the unit tests (plan at the end, diagnostics on failure). */
#ifndef CONNECTOR_TAP_H
#define CONNECTOR_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *name)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), (name))

static inline int
is_int(long got, long want, const char *name)
{
	int r = tap_ok(got == want, name);

	if (!r)
		printf("#   got %ld, want %ld\n", got, want);
	return r;
}

static inline int
is_str(const char *got, const char *want, const char *name)
{
	int r = tap_ok(got != NULL && want != NULL ? strcmp(got, want) == 0 : got == want, name);

	if (!r)
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
	return r;
}

static inline int
has_str(const char *hay, const char *needle, const char *name)
{
	int r = tap_ok(hay != NULL && strstr(hay, needle) != NULL, name);

	if (!r)
		printf("#   \"%s\" does not contain \"%s\"\n", hay ? hay : "(null)", needle);
	return r;
}

static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif
