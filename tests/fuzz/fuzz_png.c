/* fuzz_png.c: fuzzes the PNG chunk walker that judges the app package's icons. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "png.h"

static const unsigned char signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static bool
depth_ok(int type, int depth)
{
	switch (type) {
	case PNG_GREY:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
	case PNG_PALETTE:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8;
	case PNG_RGB: case PNG_GREY_ALPHA: case PNG_RGBA:
		return depth == 8 || depth == 16;
	default:
		return false;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Error buffers of several sizes: a reason must be cut, never overflow. */
	static const size_t errlens[] = { 256, 16, 1 };
	struct png_info info, again;
	char err[256];
	size_t i;
	bool ok;

	memset(err, 0, sizeof(err));
	ok = png_inspect(data, size, &info, err, sizeof(err));
	if (ok) {
		FZ_CHECK(size >= 8 + 25 + 12 && memcmp(data, signature, 8) == 0);
		FZ_CHECK(memcmp(data + 12, "IHDR", 4) == 0);
		FZ_CHECK(info.width >= 1 && info.width <= 0x7fffffffu);
		FZ_CHECK(info.height >= 1 && info.height <= 0x7fffffffu);
		FZ_CHECK(depth_ok(info.color_type, info.bit_depth));
		if (info.color_type == PNG_GREY_ALPHA || info.color_type == PNG_RGBA)
			FZ_CHECK(info.has_transparency);
	} else
		FZ_CHECK(err[0] != '\0' && fz_terminated(err, sizeof(err)));
	/* The answer does not depend on the room given for the reason. */
	for (i = 1; i < sizeof(errlens) / sizeof(errlens[0]); i++) {
		char *small = malloc(errlens[i]);

		if (small == NULL)
			abort();
		FZ_CHECK(png_inspect(data, size, &again, small, errlens[i]) == ok);
		if (!ok)
			FZ_CHECK(fz_terminated(small, errlens[i]));
		else
			FZ_CHECK(memcmp(&again, &info, sizeof(info)) == 0);
		free(small);
	}
	return 0;
}
