/* crc32.h: CRC-32 (ISO-HDLC, as in ZIP and PNG) for the app package writer and the PNG checker. */
#ifndef CONNECTOR_CRC32_H
#define CONNECTOR_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC: start with crc32_update(0, ...), feed the previous result for more data. */
uint32_t	crc32_update(uint32_t crc, const void *, size_t);

#endif
