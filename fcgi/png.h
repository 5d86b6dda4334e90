/* png.h: what a PNG file's chunks say (size, depth, colour type, transparency), without decoding. */
#ifndef CONNECTOR_PNG_H
#define CONNECTOR_PNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum png_color_type {
	PNG_GREY = 0, PNG_RGB = 2, PNG_PALETTE = 3, PNG_GREY_ALPHA = 4, PNG_RGBA = 6
};

struct png_info {
	uint32_t width, height;
	int      bit_depth;
	int      color_type;		/* enum png_color_type */
	bool     interlaced;
	bool     has_transparency;	/* an alpha channel, or a tRNS chunk before the image data */
};

/*
 * Checks the signature, the IHDR chunk and the chunk structure up to IEND (lengths, CRCs,
 * order of IHDR, PLTE, tRNS, IDAT), then fills info. On failure returns false with a
 * one-line reason in err.
 */
bool	png_inspect(const void *data, size_t len, struct png_info *info, char *err, size_t errlen);

#endif
