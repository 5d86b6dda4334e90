/* zipfile.c: the ZIP writer behind connectorctl package (layout per PKWARE's APPNOTE, sec. 4.3). */
#include "zipfile.h"

#include <stdlib.h>
#include <string.h>

#include "crc32.h"

#define SIG_LOCAL	0x04034b50u
#define SIG_CENTRAL	0x02014b50u
#define SIG_END		0x06054b50u
#define VERSION_NEEDED	10		/* 1.0: stored entries need nothing newer */
#define VERSION_MADE_BY	(3 << 8 | 20)	/* Unix, 2.0: so external attributes carry a mode */
#define UNIX_FILE_MODE	0100644u
#define MAX_ENTRIES	0xffffu
#define LOCAL_HEADER	30u
#define CENTRAL_HEADER	46u
#define END_RECORD	22u

static void
put16(struct buf *b, uint32_t v)
{
	unsigned char le[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	buf_append(b, le, 2);
}

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char le[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	buf_append(b, le, 4);
}

void
zip_dos_datetime(time_t t, uint16_t *dos_time, uint16_t *dos_date)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || tm.tm_year < 80) {
		/* DOS dates start in 1980: the earliest one stands in for anything older. */
		*dos_time = 0;
		*dos_date = (uint16_t)(1 << 5 | 1);
		return;
	}
	if (tm.tm_year > 207) {
		*dos_time = (uint16_t)(23 << 11 | 59 << 5 | 29);
		*dos_date = (uint16_t)(127 << 9 | 12 << 5 | 31);
		return;
	}
	*dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	*dos_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
}

void
zip_init(struct zip_archive *z, time_t mtime)
{
	memset(z, 0, sizeof(*z));
	buf_init(&z->out);
	zip_dos_datetime(mtime, &z->dos_time, &z->dos_date);
}

void
zip_free(struct zip_archive *z)
{
	size_t i;

	for (i = 0; i < z->nentries; i++)
		free(z->entries[i].name);
	free(z->entries);
	buf_free(&z->out);
	memset(z, 0, sizeof(*z));
}

static bool
name_valid(const struct zip_archive *z, const char *name, const char **why)
{
	size_t n = strlen(name), i;
	const char *seg, *slash;

	if (n == 0 || n > 255) {
		*why = "entry names are 1 to 255 characters";
		return false;
	}
	for (i = 0; i < n; i++)
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '\\') {
			*why = "entry names are printable ASCII without spaces or backslashes";
			return false;
		}
	if (name[0] == '/' || name[n - 1] == '/') {
		*why = "entry names are relative file paths";
		return false;
	}
	/* A ".." segment would let an unzipper write outside its target directory. */
	for (seg = name;; seg = slash + 1) {
		size_t seglen;

		slash = strchr(seg, '/');
		seglen = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
		if (seglen == 0 || strncmp(seg, ".", seglen) == 0 || strncmp(seg, "..", seglen) == 0) {
			*why = "entry names must not have empty, '.' or '..' segments";
			return false;
		}
		if (slash == NULL)
			break;
	}
	for (i = 0; i < z->nentries; i++)
		if (strcmp(z->entries[i].name, name) == 0) {
			*why = "entry names must be unique";
			return false;
		}
	return true;
}

/* The local header and data of an entry, and later its directory record, share these fields. */
static void
put_common(struct buf *b, const struct zip_archive *z, const struct zip_entry *e)
{
	put16(b, VERSION_NEEDED);
	put16(b, 0);			/* flags: sizes known up front, no data descriptor */
	put16(b, 0);			/* method: stored */
	put16(b, z->dos_time);
	put16(b, z->dos_date);
	put32(b, e->crc);
	put32(b, e->size);		/* compressed size */
	put32(b, e->size);		/* uncompressed size */
	put16(b, (uint32_t)strlen(e->name));
	put16(b, 0);			/* extra field length */
}

bool
zip_add(struct zip_archive *z, const char *name, const void *data, size_t len,
    const char **why)
{
	struct zip_entry e;
	size_t need;

	if (z->finished) {
		*why = "the archive is finished already";
		return false;
	}
	if (!name_valid(z, name, why))
		return false;
	if (z->nentries >= MAX_ENTRIES) {
		*why = "too many entries for a ZIP without ZIP64";
		return false;
	}
	/* Room for this entry and every directory record must stay below 4 GiB. */
	need = z->out.len + LOCAL_HEADER + strlen(name) + len;
	if (len > 0xfffffffeu || need > 0xfffffffeu - (z->nentries + 1) * (CENTRAL_HEADER + 255) -
	    END_RECORD) {
		*why = "too large for a ZIP without ZIP64";
		return false;
	}
	e.name = xstrdup(name);
	e.crc = crc32_update(0, data, len);
	e.size = (uint32_t)len;
	e.offset = (uint32_t)z->out.len;
	put32(&z->out, SIG_LOCAL);
	put_common(&z->out, z, &e);
	buf_append(&z->out, name, strlen(name));
	buf_append(&z->out, data, len);
	z->entries = xrealloc(z->entries, (z->nentries + 1) * sizeof(e));
	z->entries[z->nentries++] = e;
	return true;
}

bool
zip_finish(struct zip_archive *z, const char **why)
{
	uint32_t dir_offset = (uint32_t)z->out.len, dir_size;
	size_t i;

	if (z->finished) {
		*why = "the archive is finished already";
		return false;
	}
	for (i = 0; i < z->nentries; i++) {
		const struct zip_entry *e = &z->entries[i];

		put32(&z->out, SIG_CENTRAL);
		put16(&z->out, VERSION_MADE_BY);
		put_common(&z->out, z, e);
		put16(&z->out, 0);	/* comment length */
		put16(&z->out, 0);	/* disk number */
		put16(&z->out, 0);	/* internal attributes: binary */
		put32(&z->out, UNIX_FILE_MODE << 16);
		put32(&z->out, e->offset);
		buf_append(&z->out, e->name, strlen(e->name));
	}
	dir_size = (uint32_t)(z->out.len - dir_offset);
	put32(&z->out, SIG_END);
	put16(&z->out, 0);		/* this disk */
	put16(&z->out, 0);		/* disk with the directory */
	put16(&z->out, (uint32_t)z->nentries);
	put16(&z->out, (uint32_t)z->nentries);
	put32(&z->out, dir_size);
	put32(&z->out, dir_offset);
	put16(&z->out, 0);		/* archive comment length */
	z->finished = true;
	return true;
}
