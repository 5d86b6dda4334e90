/* harness.h: what every harness shares: invariant checks, input splitting, a test config. */
#ifndef CONNECTOR_FUZZ_HARNESS_H
#define CONNECTOR_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* An invariant broke: abort so libFuzzer records the input, and say which one. */
#define FZ_CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond,	\
		    __FILE__, __LINE__);					\
		abort();							\
	}									\
} while (0)

/* Reads the input front to back; past the end every read yields zeros and empty strings. */
struct fz_input {
	const uint8_t *p;
	size_t         left;
};

static inline void
fz_input_init(struct fz_input *in, const uint8_t *data, size_t size)
{
	in->p = data;
	in->left = size;
}

static inline uint64_t
fz_take_uint(struct fz_input *in, size_t nbytes)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < nbytes && in->left > 0; i++, in->p++, in->left--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static inline double
fz_take_double(struct fz_input *in)
{
	uint64_t bits = fz_take_uint(in, 8);
	double d;

	/* Raw bits, so NaN, infinities and denormals all come up. */
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* A malloc'd NUL-terminated copy of the bytes up to the next NUL (consumed) or the end. */
static inline char *
fz_take_field(struct fz_input *in)
{
	const uint8_t *nul = memchr(in->p, '\0', in->left);
	size_t n = nul != NULL ? (size_t)(nul - in->p) : in->left;
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, in->p, n);
	s[n] = '\0';
	in->p += n;
	in->left -= n;
	if (nul != NULL) {
		in->p++;
		in->left--;
	}
	return s;
}

/* The rest of the input in a buffer of exactly its size, so reading one byte past it is caught. */
static inline char *
fz_take_rest_exact(struct fz_input *in, size_t *len)
{
	char *s = malloc(in->left > 0 ? in->left : 1);

	if (s == NULL)
		abort();
	memcpy(s, in->p, in->left);
	*len = in->left;
	in->p += in->left;
	in->left = 0;
	return s;
}

/* A NUL-terminated copy of raw bytes (an embedded NUL ends the string, as in C callers). */
static inline char *
fz_strndup0(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * The service as the end-to-end tests run it: three categories, one plain-http extra host on a
 * port, one https extra host on any port, and the local sink's addresses allowed.
 */
static const char fz_config_text[] =
    "database_url = host=/tmp dbname=connector\n"
    "public_base_url = https://connector.example.com\n"
    "csrf_secret = 0123456789abcdef0123456789abcdef\n"
    "event_categories = deployments:Deployments, incidents:Incidents, builds:Builds\n"
    "webhook_extra_hosts = http://127.0.0.1:8081, sink.test\n"
    "webhook_allowed_addresses = 127.0.0.1, 10.1.0.0/16, ::1, fd00::/8\n";

/* The deployed service: Teams hosts only, nothing private allowed. */
static const char fz_config_plain_text[] =
    "database_url = host=/tmp dbname=connector\n"
    "public_base_url = https://connector.example.com\n"
    "csrf_secret = 0123456789abcdef0123456789abcdef\n";

/* Loaded once per process and kept: a harness input must not change it. */
static inline void
fz_load_config(struct config *c, const char *text)
{
	char err[256] = "";

	config_init(c);
	if (!config_load_text(c, text, "fuzz.conf", NULL, err, sizeof(err))) {
		fprintf(stderr, "fuzz configuration refused: %s\n", err);
		abort();
	}
}

/* A NUL-terminated string of at most cap bytes: checks the terminator lies inside the buffer. */
static inline bool
fz_terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

#endif
