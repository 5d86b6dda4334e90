/* pngmake.h: builds small real PNGs in memory for the unit tests (stored zlib, blank pixels). */
#ifndef CONNECTOR_PNGMAKE_H
#define CONNECTOR_PNGMAKE_H

#include <stdint.h>
#include <string.h>

#include "crc32.h"
#include "util.h"

static inline void
pm_be32(struct buf *b, uint32_t v)
{
	unsigned char be[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	    (unsigned char)(v >> 8), (unsigned char)v };

	buf_append(b, be, 4);
}

static inline void
pm_chunk(struct buf *b, const char *type, const void *data, size_t len)
{
	size_t start;

	pm_be32(b, (uint32_t)len);
	start = b->len;
	buf_append(b, type, 4);
	buf_append(b, data, len);
	pm_be32(b, crc32_update(0, b->data + start, len + 4));
}

/* Signature and IHDR. */
static inline void
pm_begin(struct buf *b, uint32_t w, uint32_t h, int depth, int color_type, int interlace)
{
	unsigned char ihdr[13];
	struct buf tmp;

	buf_append(b, "\x89PNG\r\n\x1a\n", 8);
	buf_init(&tmp);
	pm_be32(&tmp, w);
	pm_be32(&tmp, h);
	memcpy(ihdr, tmp.data, 8);
	buf_free(&tmp);
	ihdr[8] = (unsigned char)depth;
	ihdr[9] = (unsigned char)color_type;
	ihdr[10] = 0;
	ihdr[11] = 0;
	ihdr[12] = (unsigned char)interlace;
	pm_chunk(b, "IHDR", ihdr, sizeof(ihdr));
}

/* One IDAT of all-zero scanlines as a zlib stream of stored blocks, so any decoder reads it. */
static inline void
pm_pixels(struct buf *b, uint32_t w, uint32_t h, int depth, int color_type)
{
	static const int channels[7] = { 1, 0, 3, 1, 2, 0, 4 };
	size_t row = 1 + ((size_t)w * (size_t)channels[color_type] * (size_t)depth + 7) / 8;
	size_t raw = row * h, left = raw;
	struct buf z;

	buf_init(&z);
	buf_append(&z, "\x78\x01", 2);
	do {
		size_t n = left > 65535 ? 65535 : left;
		unsigned char hdr[5] = { (unsigned char)(left == n), (unsigned char)n,
		    (unsigned char)(n >> 8), (unsigned char)~n, (unsigned char)(~n >> 8) };
		unsigned char zero[4096] = { 0 };
		size_t k;

		buf_append(&z, hdr, 5);
		for (k = 0; k < n; k += sizeof(zero))
			buf_append(&z, zero, n - k < sizeof(zero) ? n - k : sizeof(zero));
		left -= n;
	} while (left > 0);
	/* Adler-32 of zero bytes: A stays 1, B gains 1 a byte. */
	pm_be32(&z, (uint32_t)(raw % 65521) << 16 | 1);
	pm_chunk(b, "IDAT", z.data, z.len);
	buf_free(&z);
}

static inline void
pm_end(struct buf *b)
{
	pm_chunk(b, "IEND", "", 0);
}

/* A whole image: signature, IHDR, the given PLTE/tRNS as needed, pixels, IEND. */
static inline void
pm_image(struct buf *b, uint32_t w, uint32_t h, int depth, int color_type, int with_trns)
{
	static const unsigned char plte[6] = { 255, 255, 255, 0, 0, 0 };
	static const unsigned char trns_palette[1] = { 0 };
	static const unsigned char trns_rgb[6] = { 0 };

	buf_reset(b);
	pm_begin(b, w, h, depth, color_type, 0);
	if (color_type == 3)
		pm_chunk(b, "PLTE", plte, sizeof(plte));
	if (with_trns)
		pm_chunk(b, "tRNS", color_type == 3 ? trns_palette : trns_rgb,
		    color_type == 3 ? 1 : color_type == 2 ? 6 : 2);
	pm_pixels(b, w, h, depth, color_type);
	pm_end(b);
}

#endif
