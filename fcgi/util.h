/* util.h: small helpers shared by every part: checked allocation, growable buffers, UTF-8, time. */
#ifndef CONNECTOR_UTIL_H
#define CONNECTOR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char   *data;
	size_t  len;
	size_t  cap;
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_append(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_putc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...) __attribute__((format(printf, 2, 3)));

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF, no NUL. */
bool	 utf8_valid(const char *, size_t);
/* Number of code points in valid UTF-8. */
size_t	 utf8_length(const char *, size_t);

/* Random bytes from the kernel, through a small per-thread pool; false if it could not. */
bool	 random_bytes(void *, size_t);
void	 hex_encode(const unsigned char *, size_t, char *out /* 2n+1 */);

/*
 * Base64 (RFC 4648): url = the URL-safe alphabet without padding (JWT), else the standard one
 * with padding. Decoding is strict: no whitespace, no stray padding, unused bits zero. out
 * needs b64_decoded_max(len) bytes (encode: b64_encoded_len(n) + 1, NUL-terminated).
 */
#define b64_decoded_max(len)	((len) / 4 * 3 + 3)
#define b64_encoded_len(n)	(((n) + 2) / 3 * 4)
bool	 b64_decode(const char *, size_t, bool url, unsigned char *out, size_t *outlen);
size_t	 b64_encode(const unsigned char *, size_t, bool url, char *out);

/* Wall clock and monotonic clock, milliseconds / microseconds. */
int64_t	 now_ms(void);
int64_t	 mono_us(void);

/* Case-insensitive ASCII comparisons (locale-free). */
bool	 ascii_ieq(const char *, const char *);
bool	 ascii_nieq(const char *, const char *, size_t);

/* Parses a whole decimal string into [min,max]; false on anything else. */
bool	 parse_long(const char *, long min, long max, long *out);

/* Constant-time comparison of equal-length secrets. */
bool	 ct_equal(const void *, const void *, size_t);

#endif
