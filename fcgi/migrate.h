/* migrate.h: the numbered SQL files of sql/migrations, read and checksummed. */
#ifndef CONNECTOR_MIGRATE_H
#define CONNECTOR_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

struct migration {
	long   version;
	char  *name;		/* file name, e.g. 0001_configurations.sql */
	char  *sql;
	char   checksum[65];	/* SHA-256 of the file, hex */
};

struct migration_set {
	struct migration *items;	/* sorted by version */
	size_t            n;
};

/* NNNN_lowercase_name.sql -> version; false for any other name. */
bool	migration_name_version(const char *name, long *version);
/* Reads every migration file of dir; false with a message on a bad name, a duplicate
 * version, an unreadable file or invalid UTF-8. Other files (README...) are ignored. */
bool	migration_set_load(struct migration_set *, const char *dir, char *err, size_t errlen);
void	migration_set_free(struct migration_set *);

#endif
