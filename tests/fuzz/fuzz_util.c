/* fuzz_util.c: fuzzes the UTF-8 checker against a decoder written here, and log_value's escaping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "log.h"
#include "util.h"

/*
 * A second opinion on strict UTF-8: decode each sequence to its code point, then refuse NUL,
 * overlong forms, surrogates and anything above U+10FFFF. Counts code points in *count.
 */
static bool
decodes(const unsigned char *s, size_t n, size_t *count)
{
	static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t i = 0, k, j;
	uint32_t cp;

	*count = 0;
	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80)
			k = 1, cp = c;
		else if ((c & 0xe0) == 0xc0)
			k = 2, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			k = 3, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			k = 4, cp = c & 0x07;
		else
			return false;
		if (n - i < k)
			return false;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp == 0 || (k > 1 && cp < least[k]) || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return false;
		i += k;
		(*count)++;
	}
	return true;
}

/* Undoes log_value's escaping; false when the output is not something it could write. */
static bool
unescape(const char *out, char *raw, size_t *rawlen, bool *cut)
{
	size_t n = strlen(out), i, o = 0;
	bool quoted = n >= 2 && out[0] == '"' && out[n - 1] == '"';

	if (quoted) {
		out++;
		n -= 2;
	}
	*cut = n >= 2 && out[n - 2] == '.' && out[n - 1] == '.';
	for (i = 0; i < n; i++) {
		if (out[i] != '\\') {
			raw[o++] = out[i];
			continue;
		}
		if (!quoted || i + 1 >= n)
			return false;
		if (out[i + 1] == '"' || out[i + 1] == '\\') {
			raw[o++] = out[++i];
		} else if (out[i + 1] == 'x' && i + 3 < n) {
			unsigned v;

			if (sscanf(out + i + 2, "%2x", &v) != 1)
				return false;
			raw[o++] = (char)v;
			i += 3;
		} else
			return false;
	}
	*rawlen = o;
	return true;
}

static void
check_log_value(const char *s, size_t outlen)
{
	char *out = malloc(outlen > 0 ? outlen : 1), raw[256];
	size_t rawlen, n = strlen(s);
	const char *p;
	bool cut;

	log_value(s, out, outlen);
	if (outlen == 0) {
		free(out);
		return;
	}
	FZ_CHECK(fz_terminated(out, outlen));
	if (outlen < 8) {
		FZ_CHECK(out[0] == '\0');
		free(out);
		return;
	}
	/* One logfmt value: printable ASCII, nothing that could forge another field or line. */
	for (p = out; *p != '\0'; p++)
		FZ_CHECK(*p >= 0x20 && *p < 0x7f);
	FZ_CHECK(strlen(out) <= 210);
	FZ_CHECK(unescape(out, raw, &rawlen, &cut));
	/* It says a prefix of the value: all of it, or a cut marked with "..". */
	if (rawlen <= n && memcmp(raw, s, rawlen) == 0)
		;
	else
		FZ_CHECK(cut && rawlen - 2 < n && memcmp(raw, s, rawlen - 2) == 0);
	if (n > 0 && n < 100 && outlen >= 256 && strcspn(s, " \"=\\") == n) {
		bool plain = true;

		for (p = s; *p != '\0'; p++)
			if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
				plain = false;
		/* A short plain value is written as it is. */
		if (plain)
			FZ_CHECK(strcmp(out, s) == 0);
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t outlens[] = { 0, 1, 7, 8, 9, 10, 12, 16, 32, 64, 206, 207, 256 };
	size_t count, i;
	bool valid = decodes(data, size, &count);
	char *s;

	/* The bytes exactly, so a look past the end is caught. */
	char *exact = malloc(size > 0 ? size : 1);

	if (exact == NULL)
		abort();
	memcpy(exact, data, size);
	FZ_CHECK(utf8_valid(exact, size) == valid);
	if (valid)
		FZ_CHECK(utf8_length(exact, size) == count);
	free(exact);

	s = fz_strndup0(data, size);
	for (i = 0; i < sizeof(outlens) / sizeof(outlens[0]); i++)
		check_log_value(s, outlens[i]);
	free(s);
	return 0;
}
