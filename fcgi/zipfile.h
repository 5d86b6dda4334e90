/* zipfile.h: builds a small ZIP archive in memory (stored entries, no compression, no ZIP64). */
#ifndef CONNECTOR_ZIPFILE_H
#define CONNECTOR_ZIPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "util.h"

struct zip_entry {
	char     *name;
	uint32_t  crc;
	uint32_t  size;
	uint32_t  offset;	/* of its local header */
};

struct zip_archive {
	struct buf        out;	/* local headers and data; zip_finish appends the directory */
	struct zip_entry *entries;
	size_t            nentries;
	uint16_t          dos_time, dos_date;
	bool              finished;
};

/* Every entry gets mtime (local time, as ZIP tools expect), clamped to 1980-2107. */
void	zip_init(struct zip_archive *, time_t mtime);
void	zip_free(struct zip_archive *);

/*
 * Adds a file. name is a relative path of printable ASCII without "..", a leading '/',
 * '\\' or duplicates; false with a reason otherwise, or when the archive would outgrow
 * what a ZIP without ZIP64 can describe.
 */
bool	zip_add(struct zip_archive *, const char *name, const void *data, size_t len,
	    const char **why);
/* Appends the central directory and its end record; out then holds the whole archive. */
bool	zip_finish(struct zip_archive *, const char **why);

/* MS-DOS date and time fields of a local time. */
void	zip_dos_datetime(time_t, uint16_t *dos_time, uint16_t *dos_date);

#endif
