/* test_zipfile.c: CRC-32 vectors, DOS dates, and the layout of the ZIP archives zipfile.c writes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crc32.h"
#include "tap.h"
#include "zipfile.h"

static uint32_t
le16(const char *p)
{
	return (uint32_t)(unsigned char)p[0] | (uint32_t)(unsigned char)p[1] << 8;
}

static uint32_t
le32(const char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static time_t
local_time(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void
check_crc(void)
{
	const char *fox = "The quick brown fox jumps over the lazy dog";

	is_int(crc32_update(0, "123456789", 9), 0xcbf43926L, "CRC-32 of \"123456789\" is cbf43926");
	is_int(crc32_update(0, "", 0), 0, "CRC-32 of nothing is 0");
	is_int(crc32_update(0, "a", 1), 0xe8b7be43L, "CRC-32 of \"a\" is e8b7be43");
	is_int(crc32_update(0, fox, strlen(fox)), 0x414fa339L, "CRC-32 of the fox is 414fa339");
	is_int(crc32_update(crc32_update(0, fox, 10), fox + 10, strlen(fox) - 10), 0x414fa339L,
	    "CRC-32 continued over two pieces is the same");
}

static void
check_dos_datetime(void)
{
	uint16_t t, d;

	zip_dos_datetime(local_time(2024, 3, 15, 13, 45, 58), &t, &d);
	is_int(t, 13 << 11 | 45 << 5 | 29, "DOS time of 13:45:58 (seconds halved)");
	is_int(d, 44 << 9 | 3 << 5 | 15, "DOS date of 2024-03-15 (years from 1980)");
	zip_dos_datetime(local_time(2024, 3, 15, 13, 45, 59), &t, &d);
	is_int(t & 31, 29, "odd seconds round down");
	zip_dos_datetime(local_time(1980, 1, 1, 0, 0, 0), &t, &d);
	ok(t == 0 && d == (1 << 5 | 1), "1980-01-01 00:00:00 is the smallest DOS date");
	zip_dos_datetime(local_time(1975, 6, 1, 12, 0, 0), &t, &d);
	ok(t == 0 && d == (1 << 5 | 1), "earlier times become 1980-01-01");
}

/* Reads the archive the way an unzipper does: end record, directory, then each local header. */
static void
check_layout(void)
{
	static const char *const names[] = { "manifest.json", "color.png", "dir/empty.txt" };
	static const char *const bodies[] = { "{\"id\":\"x\"}\n", "\x89PNG not really", "" };
	struct zip_archive z;
	const char *why = NULL, *a, *end, *cd;
	size_t i, len;
	uint16_t t, d;
	time_t when = local_time(2025, 11, 27, 10, 30, 0);
	int dir_ok = 1, local_ok = 1, data_ok = 1, mode_ok = 1, date_ok = 1;

	zip_dos_datetime(when, &t, &d);
	zip_init(&z, when);
	for (i = 0; i < 3; i++)
		ok(zip_add(&z, names[i], bodies[i], strlen(bodies[i]), &why), names[i]);
	ok(zip_finish(&z, &why), "the archive is finished");
	a = z.out.data;
	len = z.out.len;
	end = a + len - 22;
	is_int(le32(end), 0x06054b50L, "it ends with an end-of-central-directory record");
	is_int(le16(end + 8), 3, "  three entries on this disk");
	is_int(le16(end + 10), 3, "  three entries in all");
	is_int(le16(end + 20), 0, "  no comment");
	is_int((long)(le32(end + 16) + le32(end + 12)), (long)(len - 22),
	    "  the directory ends where the end record starts");
	cd = a + le32(end + 16);
	for (i = 0; i < 3; i++) {
		size_t nlen = strlen(names[i]), blen = strlen(bodies[i]);
		const char *lh;

		if (le32(cd) != 0x02014b50u || le16(cd + 10) != 0 || le16(cd + 28) != nlen ||
		    memcmp(cd + 46, names[i], nlen) != 0 ||
		    le32(cd + 16) != crc32_update(0, bodies[i], blen) ||
		    le32(cd + 20) != blen || le32(cd + 24) != blen)
			dir_ok = 0;
		if (le32(cd + 38) >> 16 != 0100644u || le16(cd + 4) >> 8 != 3)
			mode_ok = 0;
		if (le16(cd + 12) != t || le16(cd + 14) != d)
			date_ok = 0;
		lh = a + le32(cd + 42);
		if (le32(lh) != 0x04034b50u || le16(lh + 4) != 10 || le16(lh + 8) != 0 ||
		    le32(lh + 14) != le32(cd + 16) || le32(lh + 18) != blen ||
		    le16(lh + 26) != nlen || le16(lh + 28) != 0 || memcmp(lh + 30, names[i], nlen) != 0)
			local_ok = 0;
		if (memcmp(lh + 30 + nlen, bodies[i], blen) != 0)
			data_ok = 0;
		cd += 46 + nlen;
	}
	ok(dir_ok, "directory records: stored, name, CRC-32 and sizes right");
	ok(local_ok, "local headers: version 1.0, stored, same CRC, sizes and name");
	ok(data_ok, "each entry's bytes follow its local header as they were");
	ok(mode_ok, "entries are Unix files with mode 0644");
	ok(date_ok, "entries carry the DOS date and time given");
	ok(!zip_add(&z, "late.txt", "x", 1, &why), "nothing is added after finishing");
	zip_free(&z);

	zip_init(&z, when);
	ok(zip_finish(&z, &why) && z.out.len == 22, "an empty archive is just its 22-byte end record");
	zip_free(&z);
}

static void
check_names(void)
{
	static const char *const bad[] = { "", "/etc/passwd", "..", "../up", "a/../b", "a/..",
	    "./a", "a//b", "dir/", "back\\slash", "sp ace", "tab\there", "caf\xc3\xa9" };
	struct zip_archive z;
	const char *why = NULL;
	size_t i;
	int refused = 1;
	char name[300];

	zip_init(&z, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (zip_add(&z, bad[i], "x", 1, &why)) {
			printf("# accepted \"%s\"\n", bad[i]);
			refused = 0;
		}
	ok(refused, "absolute, '..', empty-segment, backslash, space and non-ASCII names refused");
	ok(zip_add(&z, "a..b/c.d", "x", 1, &why), "dots inside a segment are fine");
	ok(!zip_add(&z, "a..b/c.d", "y", 1, &why), "a name given twice is refused");
	has_str(why, "unique", "  ...as not unique");
	memset(name, 'n', 256);
	name[256] = '\0';
	ok(!zip_add(&z, name, "x", 1, &why), "a 256-character name is refused");
	zip_free(&z);
}

int
main(void)
{
	/* DOS dates are local time: pin the zone so the expected fields do not depend on the host. */
	setenv("TZ", "UTC", 1);
	tzset();
	check_crc();
	check_dos_datetime();
	check_layout();
	check_names();
	return done_testing();
}
