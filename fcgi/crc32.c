/* crc32.c: bitwise CRC-32, reflected polynomial 0xEDB88320; no table since inputs are kilobytes. */
#include "crc32.h"

uint32_t
crc32_update(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;
	int bit;

	crc = ~crc;
	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}
