/* png.c: a PNG header and chunk walker, enough to judge an app icon; pixels are never decoded. */
#include "png.h"

#include <stdio.h>
#include <string.h>

#include "crc32.h"

static const unsigned char png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool
chunk_type_valid(const unsigned char *t)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return false;
	return true;
}

/* The bit depths PNG allows for each colour type (ISO/IEC 15948, table 11.1). */
static bool
depth_allowed(int color_type, int depth)
{
	switch (color_type) {
	case PNG_GREY:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
	case PNG_PALETTE:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8;
	case PNG_RGB:
	case PNG_GREY_ALPHA:
	case PNG_RGBA:
		return depth == 8 || depth == 16;
	default:
		return false;
	}
}

static bool
fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return false;
}

static bool
parse_ihdr(const unsigned char *d, struct png_info *info, char *err, size_t errlen)
{
	memset(info, 0, sizeof(*info));
	info->width = be32(d);
	info->height = be32(d + 4);
	info->bit_depth = d[8];
	info->color_type = d[9];
	if (info->width == 0 || info->height == 0 || info->width > 0x7fffffffu ||
	    info->height > 0x7fffffffu)
		return fail(err, errlen, "not a valid PNG file (IHDR has a zero or oversized dimension)");
	if (info->color_type != PNG_GREY && info->color_type != PNG_RGB &&
	    info->color_type != PNG_PALETTE && info->color_type != PNG_GREY_ALPHA &&
	    info->color_type != PNG_RGBA)
		return fail(err, errlen, "not a valid PNG file (IHDR has an unknown colour type)");
	if (!depth_allowed(info->color_type, info->bit_depth))
		return fail(err, errlen,
		    "not a valid PNG file (IHDR bit depth does not fit its colour type)");
	if (d[10] != 0 || d[11] != 0 || d[12] > 1)
		return fail(err, errlen,
		    "not a valid PNG file (IHDR has an unknown compression, filter or interlace method)");
	info->interlaced = d[12] == 1;
	info->has_transparency = info->color_type == PNG_GREY_ALPHA || info->color_type == PNG_RGBA;
	return true;
}

bool
png_inspect(const void *data, size_t len, struct png_info *info, char *err, size_t errlen)
{
	const unsigned char *p = data;
	size_t pos = sizeof(png_signature);
	bool seen_plte = false, seen_idat = false, seen_trns = false;
	int nchunks = 0;

	if (len < sizeof(png_signature)) {
		if (len > 0 && memcmp(p, png_signature, len) == 0)
			return fail(err, errlen, "truncated PNG file (shorter than its signature)");
		return fail(err, errlen, "not a PNG file (no PNG signature)");
	}
	if (memcmp(p, png_signature, sizeof(png_signature)) != 0)
		return fail(err, errlen, "not a PNG file (no PNG signature)");
	for (;;) {
		const unsigned char *type, *body;
		uint32_t n;
		char name[5];

		if (len - pos < 12)
			return fail(err, errlen, nchunks == 0 ? "truncated PNG file (no IHDR chunk)" :
			    "truncated PNG file (ends before its IEND chunk)");
		n = be32(p + pos);
		type = p + pos + 4;
		body = p + pos + 8;
		if (!chunk_type_valid(type))
			return fail(err, errlen, "not a valid PNG file (a chunk has a malformed type)");
		memcpy(name, type, 4);
		name[4] = '\0';
		if (n > 0x7fffffffu) {
			snprintf(err, errlen, "not a valid PNG file (chunk %s has an oversized length)",
			    name);
			return false;
		}
		if (len - pos - 12 < n) {
			snprintf(err, errlen, "truncated PNG file (ends inside chunk %s)", name);
			return false;
		}
		if (crc32_update(0, type, (size_t)n + 4) != be32(body + n)) {
			snprintf(err, errlen, "corrupt PNG file (CRC mismatch in chunk %s)", name);
			return false;
		}
		if (nchunks++ == 0) {
			if (memcmp(name, "IHDR", 4) != 0 || n != 13)
				return fail(err, errlen,
				    "not a valid PNG file (the first chunk is not a 13-byte IHDR)");
			if (!parse_ihdr(body, info, err, errlen))
				return false;
		} else if (memcmp(name, "IHDR", 4) == 0) {
			return fail(err, errlen, "not a valid PNG file (a second IHDR chunk)");
		} else if (memcmp(name, "PLTE", 4) == 0) {
			if (seen_idat || seen_trns || n == 0 || n % 3 != 0 || n > 768 ||
			    info->color_type == PNG_GREY || info->color_type == PNG_GREY_ALPHA)
				return fail(err, errlen, "not a valid PNG file (misplaced or malformed PLTE)");
			seen_plte = true;
		} else if (memcmp(name, "tRNS", 4) == 0) {
			/* Only counts before the image data, where a decoder reads it. */
			if (!seen_idat && (info->color_type == PNG_GREY ||
			    info->color_type == PNG_RGB || info->color_type == PNG_PALETTE))
				info->has_transparency = true;
			seen_trns = true;
		} else if (memcmp(name, "IDAT", 4) == 0) {
			if (info->color_type == PNG_PALETTE && !seen_plte)
				return fail(err, errlen,
				    "not a valid PNG file (palette image without a PLTE chunk)");
			seen_idat = true;
		} else if (memcmp(name, "IEND", 4) == 0) {
			if (!seen_idat)
				return fail(err, errlen, "not a valid PNG file (no IDAT chunk)");
			if (n != 0)
				return fail(err, errlen, "not a valid PNG file (IEND is not empty)");
			return true;
		} else if (name[0] >= 'A' && name[0] <= 'Z') {
			/* An unknown critical chunk: decoders must refuse the image, so do we. */
			snprintf(err, errlen, "not a valid PNG file (unknown critical chunk %s)", name);
			return false;
		}
		pos += (size_t)n + 12;
	}
}
