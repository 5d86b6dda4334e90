/* test_migrate.c: migration file names, ordering, checksums, and refusal of bad sets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate.h"
#include "sha256.h"
#include "tap.h"

static char dir[64];

static void
put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void
rm(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

int
main(void)
{
	struct migration_set set;
	char err[256], hex[65];
	long v;

	ok(migration_name_version("0001_configurations.sql", &v) && v == 1, "0001_x.sql is version 1");
	ok(migration_name_version("0120_a_b_2.sql", &v) && v == 120, "0120 is version 120");
	ok(!migration_name_version("001_x.sql", &v), "three digits are refused");
	ok(!migration_name_version("0001_X.sql", &v), "upper case is refused");
	ok(!migration_name_version("0001-x.sql", &v), "a dash is refused");
	ok(!migration_name_version("0000_x.sql", &v), "version zero is refused");
	ok(!migration_name_version("0001_.sql", &v), "an empty name is refused");

	snprintf(dir, sizeof(dir), "/tmp/test_migrate.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	put("0002_second.sql", "SELECT 2;\n");
	put("0001_first.sql", "SELECT 1;\n");
	put("README", "not a migration\n");
	ok(migration_set_load(&set, dir, err, sizeof(err)), "a directory of migrations loads");
	is_int((long)set.n, 2, "  two files (others ignored)");
	is_str(set.items[0].name, "0001_first.sql", "  sorted by version");
	sha256_hex("SELECT 1;\n", 10, hex);
	is_str(set.items[0].checksum, hex, "  checksummed with SHA-256 of the bytes");
	migration_set_free(&set);

	put("0002_again.sql", "SELECT 3;\n");
	ok(!migration_set_load(&set, dir, err, sizeof(err)), "two files with one version are refused");
	has_str(err, "share version 0002", "  ...saying so");
	rm("0002_again.sql");
	put("0003_Bad.sql", "SELECT 3;\n");
	ok(!migration_set_load(&set, dir, err, sizeof(err)), "a badly named .sql file is refused");
	has_str(err, "0003_Bad.sql", "  ...naming it");
	rm("0003_Bad.sql");
	put("0003_latin.sql", "SELECT '\xe9';\n");
	ok(!migration_set_load(&set, dir, err, sizeof(err)), "a file that is not UTF-8 is refused");
	rm("0003_latin.sql");
	ok(!migration_set_load(&set, "/nonexistent", err, sizeof(err)), "a missing directory fails");
	has_str(err, "/nonexistent", "  ...naming it");

	rm("0001_first.sql");
	rm("0002_second.sql");
	rm("README");
	rmdir(dir);
	return done_testing();
}
