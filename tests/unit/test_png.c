/* test_png.c: the PNG checker: sizes, depths, colour types, transparency, and broken files. */
#include <stdlib.h>
#include <string.h>

#include "png.h"
#include "pngmake.h"
#include "tap.h"

static struct png_info info;
static char err[160];

static int
inspect(const struct buf *b)
{
	err[0] = '\0';
	return png_inspect(b->data, b->len, &info, err, sizeof(err));
}

/* Re-signs chunk at offset off after a test changed its bytes, so only the change is judged. */
static void
resign(struct buf *b, size_t off)
{
	uint32_t n = (uint32_t)(unsigned char)b->data[off] << 24 |
	    (uint32_t)(unsigned char)b->data[off + 1] << 16 |
	    (uint32_t)(unsigned char)b->data[off + 2] << 8 | (unsigned char)b->data[off + 3];
	uint32_t crc = crc32_update(0, b->data + off + 4, n + 4);
	unsigned char *p = (unsigned char *)b->data + off + 8 + n;

	p[0] = (unsigned char)(crc >> 24);
	p[1] = (unsigned char)(crc >> 16);
	p[2] = (unsigned char)(crc >> 8);
	p[3] = (unsigned char)crc;
}

/* IHDR's fields start after the signature (8), its length (4) and type (4). */
#define IHDR_AT 8
#define IHDR_DATA 16

static void
expect_bad_ihdr(int byte, unsigned char value, const char *want, const char *name)
{
	struct buf b;

	buf_init(&b);
	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	b.data[IHDR_DATA + byte] = (char)value;
	resign(&b, IHDR_AT);
	ok(!inspect(&b), name);
	has_str(err, want, "  ...and says why");
	buf_free(&b);
}

int
main(void)
{
	struct buf b, c;
	size_t n, refused;
	int truncated_msgs;

	buf_init(&b);
	buf_init(&c);

	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	ok(inspect(&b), "an RGBA 32x32 image is a PNG");
	ok(info.width == 32 && info.height == 32, "  its size is read");
	is_int(info.bit_depth, 8, "  its bit depth is read");
	is_int(info.color_type, PNG_RGBA, "  its colour type is read");
	ok(info.has_transparency, "  RGBA has transparency");
	ok(!info.interlaced, "  not interlaced");

	pm_image(&b, 192, 192, 8, PNG_RGB, 0);
	ok(inspect(&b), "an RGB 192x192 image is a PNG");
	ok(info.width == 192 && info.height == 192, "  192x192");
	ok(!info.has_transparency, "  plain RGB has no transparency");

	pm_image(&b, 200, 100, 16, PNG_RGB, 0);
	ok(inspect(&b) && info.width == 200 && info.height == 100 && info.bit_depth == 16,
	    "a 16-bit RGB 200x100 image: width and height are not swapped");

	pm_image(&b, 32, 32, 8, PNG_RGB, 1);
	ok(inspect(&b) && info.has_transparency, "RGB with tRNS has transparency");

	pm_image(&b, 32, 32, 4, PNG_PALETTE, 1);
	ok(inspect(&b), "a 4-bit palette image with tRNS is a PNG");
	ok(info.has_transparency, "  palette + tRNS has transparency");
	pm_image(&b, 32, 32, 8, PNG_PALETTE, 0);
	ok(inspect(&b) && !info.has_transparency, "palette without tRNS has no transparency");

	pm_image(&b, 32, 32, 8, PNG_GREY_ALPHA, 0);
	ok(inspect(&b) && info.has_transparency && info.color_type == PNG_GREY_ALPHA,
	    "grey + alpha has transparency");
	pm_image(&b, 32, 32, 1, PNG_GREY, 0);
	ok(inspect(&b) && !info.has_transparency && info.bit_depth == 1,
	    "1-bit grey has no transparency");
	pm_image(&b, 32, 32, 16, PNG_GREY, 1);
	ok(inspect(&b) && info.has_transparency, "16-bit grey with tRNS has transparency");

	/* tRNS after the image data does not count: decoders have drawn the pixels by then. */
	buf_reset(&b);
	pm_begin(&b, 32, 32, 8, PNG_RGB, 0);
	pm_pixels(&b, 32, 32, 8, PNG_RGB);
	pm_chunk(&b, "tRNS", "\0\0\0\0\0\0", 6);
	pm_end(&b);
	ok(inspect(&b) && !info.has_transparency, "tRNS after IDAT gives no transparency");

	buf_reset(&b);
	pm_begin(&b, 32, 32, 8, PNG_RGBA, 1);
	pm_chunk(&b, "tEXt", "Comment\0made in a test", 22);
	pm_pixels(&b, 32, 32, 8, PNG_RGBA);
	pm_end(&b);
	ok(inspect(&b) && info.interlaced, "an interlaced image with an ancillary chunk is a PNG");

	/* Every cut of a good file is refused, with "truncated" once the signature is whole. */
	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	refused = 0;
	truncated_msgs = 1;
	for (n = 0; n < b.len; n++) {
		if (!png_inspect(b.data, n, &info, err, sizeof(err)))
			refused++;
		if (n > 0 && strstr(err, "truncated") == NULL)
			truncated_msgs = 0;
	}
	is_int((long)refused, (long)b.len, "every truncation of a good PNG is refused");
	ok(truncated_msgs, "  ...each one (but the empty file) as truncated");
	ok(!png_inspect(b.data, 0, &info, err, sizeof(err)), "an empty file is refused");

	buf_reset(&c);
	buf_puts(&c, "\xff\xd8\xff\xe0\0\x10JFIF\0 a JPEG, not a PNG at all");
	ok(!inspect(&c), "a JPEG is refused");
	has_str(err, "not a PNG file", "  ...as not a PNG");
	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	b.data[1] = 'p';
	ok(!inspect(&b), "a bad signature is refused");
	has_str(err, "no PNG signature", "  ...as such");
	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	b.data[7] = '\r';	/* what a text-mode transfer does */
	ok(!inspect(&b), "a signature mangled by a line-ending conversion is refused");

	expect_bad_ihdr(3, 0, "zero or oversized", "width 0 is refused");
	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	b.data[IHDR_DATA + 4] = (char)0x80;
	resign(&b, IHDR_AT);
	ok(!inspect(&b), "a height over 2^31-1 is refused");
	expect_bad_ihdr(9, 5, "unknown colour type", "colour type 5 is refused");
	expect_bad_ihdr(8, 3, "bit depth", "bit depth 3 is refused");
	expect_bad_ihdr(8, 4, "bit depth", "RGBA at 4 bits is refused");
	pm_image(&b, 32, 32, 16, PNG_PALETTE, 0);
	ok(!inspect(&b), "a 16-bit palette image is refused");
	has_str(err, "bit depth", "  ...for its bit depth");
	expect_bad_ihdr(10, 1, "compression", "an unknown compression method is refused");
	expect_bad_ihdr(11, 1, "filter", "an unknown filter method is refused");
	expect_bad_ihdr(12, 2, "interlace", "an unknown interlace method is refused");

	pm_image(&b, 32, 32, 8, PNG_RGBA, 0);
	b.data[IHDR_DATA + 12 + 4] ^= 1;	/* IHDR's CRC */
	ok(!inspect(&b), "a bad CRC is refused");
	has_str(err, "CRC mismatch in chunk IHDR", "  ...naming the chunk");

	buf_reset(&b);
	buf_append(&b, "\x89PNG\r\n\x1a\n", 8);
	pm_chunk(&b, "IHDR", "\0\0\0\x20\0\0\0\x20\x08\x06\0\0", 12);
	pm_pixels(&b, 32, 32, 8, PNG_RGBA);
	pm_end(&b);
	ok(!inspect(&b), "a 12-byte IHDR is refused");
	has_str(err, "13-byte IHDR", "  ...as such");

	buf_reset(&b);
	buf_append(&b, "\x89PNG\r\n\x1a\n", 8);
	pm_chunk(&b, "tEXt", "a\0b", 3);
	ok(!inspect(&b), "a file not starting with IHDR is refused");

	buf_reset(&b);
	pm_begin(&b, 32, 32, 8, PNG_PALETTE, 0);
	pm_pixels(&b, 32, 32, 8, PNG_PALETTE);
	pm_end(&b);
	ok(!inspect(&b), "a palette image without PLTE is refused");
	has_str(err, "PLTE", "  ...naming PLTE");

	buf_reset(&b);
	pm_begin(&b, 32, 32, 8, PNG_RGBA, 0);
	pm_end(&b);
	ok(!inspect(&b), "a PNG without IDAT is refused");

	buf_reset(&b);
	pm_begin(&b, 32, 32, 8, PNG_RGBA, 0);
	pm_chunk(&b, "ZZZZ", "x", 1);
	pm_pixels(&b, 32, 32, 8, PNG_RGBA);
	pm_end(&b);
	ok(!inspect(&b), "an unknown critical chunk is refused");
	has_str(err, "unknown critical chunk ZZZZ", "  ...naming it");

	buf_reset(&b);
	pm_begin(&b, 32, 32, 8, PNG_RGBA, 0);
	pm_chunk(&b, "I\x01N\x02", "", 0);
	ok(!inspect(&b), "a chunk type that is not four letters is refused");

	buf_free(&b);
	buf_free(&c);
	return done_testing();
}
