/* migrate.c: finds, orders, reads and checksums the migration files; no database here. */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "util.h"

bool
migration_name_version(const char *name, long *version)
{
	size_t n = strlen(name), i;
	long v = 0;

	if (n < 10 || strcmp(name + n - 4, ".sql") != 0 || name[4] != '_')
		return false;
	for (i = 0; i < 4; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (name[i] - '0');
	}
	for (i = 5; i < n - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_'))
			return false;
	if (v == 0)
		return false;
	*version = v;
	return true;
}

static int
by_version(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b);
	buf_append(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		fclose(f);
		buf_free(&b);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return b.data;
}

bool
migration_set_load(struct migration_set *set, const char *dir, char *err, size_t errlen)
{
	DIR *d;
	struct dirent *de;
	size_t cap = 0, i;

	set->items = NULL;
	set->n = 0;
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "migrations directory %s: %s", dir, strerror(errno));
		return false;
	}
	while ((de = readdir(d)) != NULL) {
		struct migration *m;
		char path[4096];
		size_t len;
		long v;

		if (strlen(de->d_name) < 4 || strcmp(de->d_name + strlen(de->d_name) - 4, ".sql") != 0)
			continue;
		if (!migration_name_version(de->d_name, &v)) {
			snprintf(err, errlen, "%s/%s: a migration is named NNNN_lowercase_name.sql",
			    dir, de->d_name);
			goto fail;
		}
		if (set->n == cap) {
			cap = cap ? cap * 2 : 16;
			set->items = xrealloc(set->items, cap * sizeof(*set->items));
		}
		m = &set->items[set->n];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path)) {
			snprintf(err, errlen, "%s: path too long", dir);
			goto fail;
		}
		if ((m->sql = read_file(path, &len)) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (!utf8_valid(m->sql, len)) {
			free(m->sql);
			snprintf(err, errlen, "%s: not valid UTF-8 (or holds a NUL byte)", path);
			goto fail;
		}
		m->version = v;
		m->name = xstrdup(de->d_name);
		sha256_hex(m->sql, len, m->checksum);
		set->n++;
	}
	closedir(d);
	d = NULL;
	qsort(set->items, set->n, sizeof(*set->items), by_version);
	for (i = 1; i < set->n; i++)
		if (set->items[i].version == set->items[i - 1].version) {
			snprintf(err, errlen, "%s and %s share version %04ld", set->items[i - 1].name,
			    set->items[i].name, set->items[i].version);
			goto fail;
		}
	return true;
fail:
	if (d != NULL)
		closedir(d);
	migration_set_free(set);
	return false;
}

void
migration_set_free(struct migration_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->items[i].name);
		free(set->items[i].sql);
	}
	free(set->items);
	set->items = NULL;
	set->n = 0;
}
