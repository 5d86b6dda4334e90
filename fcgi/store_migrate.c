/* store_migrate.c: applies migration files, one transaction each, recorded with their checksums. */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "util.h"

/* Any fixed number: every connectorctl agrees on it, so two migrators never interleave. */
#define MIGRATE_LOCK_KEY "7283920147"

static const char create_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now());"
    "COMMENT ON TABLE schema_migrations IS"
    " 'Migrations applied by connectorctl migrate: one row per sql/migrations file.';"
    "COMMENT ON COLUMN schema_migrations.checksum IS"
    " 'SHA-256 of the file as applied; an edited file is refused.'";

struct applied {
	long  version;
	char *name;
	char  checksum[65];
	char *applied_at;
};

static bool
exec_ok(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		store_errmsg(PQresultErrorMessage(r), err, errlen);
	PQclear(r);
	return ok;
}

/* False with err empty when the table is simply not there yet. */
static bool
table_exists(PGconn *c, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, "SELECT to_regclass('schema_migrations') IS NOT NULL");
	bool yes = false;

	err[0] = '\0';
	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		yes = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	else
		store_errmsg(PQresultErrorMessage(r), err, errlen);
	PQclear(r);
	return yes;
}

static bool
load_applied(PGconn *c, struct applied **out, size_t *n, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, "SELECT version, name, checksum,"
	    " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
	    " FROM schema_migrations ORDER BY version");
	int i, rows;

	*out = NULL;
	*n = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		store_errmsg(PQresultErrorMessage(r), err, errlen);
		PQclear(r);
		return false;
	}
	rows = PQntuples(r);
	*out = xcalloc((size_t)rows + 1, sizeof(**out));
	for (i = 0; i < rows; i++) {
		struct applied *a = &(*out)[i];

		a->version = strtol(PQgetvalue(r, i, 0), NULL, 10);
		a->name = xstrdup(PQgetvalue(r, i, 1));
		snprintf(a->checksum, sizeof(a->checksum), "%s", PQgetvalue(r, i, 2));
		a->applied_at = xstrdup(PQgetvalue(r, i, 3));
	}
	*n = (size_t)rows;
	PQclear(r);
	return true;
}

static void
free_applied(struct applied *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].applied_at);
	}
	free(a);
}

static const struct migration *
find_file(const struct migration_set *set, long version)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->items[i].version == version)
			return &set->items[i];
	return NULL;
}

/* The applied rows must match the files: same name, same checksum, none missing, in order. */
static bool
check_history(const struct migration_set *set, const struct applied *a, size_t na,
    char *err, size_t errlen)
{
	long highest = 0;
	size_t i;

	for (i = 0; i < na; i++) {
		const struct migration *m = find_file(set, a[i].version);

		if (m == NULL) {
			snprintf(err, errlen, "migration %04ld (%s) is applied but has no file here: "
			    "is this an older release than the database?", a[i].version, a[i].name);
			return false;
		}
		if (strcmp(m->name, a[i].name) != 0) {
			snprintf(err, errlen, "migration %04ld was applied as %s but the file is now %s",
			    a[i].version, a[i].name, m->name);
			return false;
		}
		if (strcmp(m->checksum, a[i].checksum) != 0) {
			snprintf(err, errlen, "%s was edited after it was applied (checksum %.12s..., "
			    "applied %.12s...): add a new migration instead", m->name, m->checksum,
			    a[i].checksum);
			return false;
		}
		if (a[i].version > highest)
			highest = a[i].version;
	}
	for (i = 0; i < set->n; i++) {
		bool applied = false;
		size_t j;

		for (j = 0; j < na; j++)
			if (a[j].version == set->items[i].version)
				applied = true;
		if (!applied && set->items[i].version < highest) {
			snprintf(err, errlen, "%s is pending but a later migration is already applied: "
			    "migrations are applied in order", set->items[i].name);
			return false;
		}
	}
	return true;
}

/* Where the error is, as file:line, from the statement position PostgreSQL reports. */
static long
error_line(const PGresult *r, const char *sql)
{
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	long p, line = 1, i;

	if (pos == NULL || (p = strtol(pos, NULL, 10)) <= 0)
		return 0;
	/* The position counts characters, not bytes. */
	for (i = 0; *sql != '\0' && i < p - 1; sql++) {
		if (((unsigned char)*sql & 0xC0) != 0x80)
			i++;
		if (*sql == '\n')
			line++;
	}
	return line;
}

static bool
apply_one(PGconn *c, const struct migration *m, char *err, size_t errlen)
{
	char version[24];
	const char *params[3];
	PGresult *r;
	char msg[384];
	long line;

	if (!exec_ok(c, "BEGIN", err, errlen))
		return false;
	r = PQexec(c, m->sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		store_errmsg(PQresultErrorMessage(r), msg, sizeof(msg));
		line = error_line(r, m->sql);
		if (line > 0)
			snprintf(err, errlen, "%s:%ld: %s", m->name, line, msg);
		else
			snprintf(err, errlen, "%s: %s", m->name, msg);
		PQclear(r);
		PQclear(PQexec(c, "ROLLBACK"));
		return false;
	}
	PQclear(r);
	snprintf(version, sizeof(version), "%ld", m->version);
	params[0] = version;
	params[1] = m->name;
	params[2] = m->checksum;
	r = PQexecParams(c, "INSERT INTO schema_migrations (version, name, checksum)"
	    " VALUES ($1, $2, $3)", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		store_errmsg(PQresultErrorMessage(r), msg, sizeof(msg));
		snprintf(err, errlen, "%s: recording it: %s", m->name, msg);
		PQclear(r);
		PQclear(PQexec(c, "ROLLBACK"));
		return false;
	}
	PQclear(r);
	if (!exec_ok(c, "COMMIT", msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: commit: %s", m->name, msg);
		return false;
	}
	return true;
}

static bool
with_lock(struct store *s, const struct migration_set *set, FILE *out, bool apply,
    char *err, size_t errlen)
{
	PGconn *c = store_conn(s, err, errlen);
	struct applied *a = NULL;
	size_t na = 0, i, j, done = 0;
	bool ok = false;

	if (c == NULL)
		return false;
	/* Quiet the NOTICEs of "IF NOT EXISTS" on an existing table. */
	if (!exec_ok(c, "SET client_min_messages = warning", err, errlen))
		return false;
	if (!exec_ok(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, errlen))
		return false;
	if (apply) {
		if (!exec_ok(c, create_table, err, errlen))
			goto out;
	} else if (!table_exists(c, err, errlen)) {
		if (err[0] != '\0')
			goto out;
		goto listed;	/* a database never migrated: everything is pending */
	}
	if (!load_applied(c, &a, &na, err, errlen))
		goto out;
listed:
	if (!check_history(set, a, na, err, errlen)) {
		if (apply)
			goto out;
		/* status still lists what it can; the disagreement is reported after the list */
	}
	for (i = 0; i < set->n; i++) {
		const struct migration *m = &set->items[i];
		const struct applied *hit = NULL;

		for (j = 0; j < na; j++)
			if (a[j].version == m->version)
				hit = &a[j];
		if (!apply) {
			fprintf(out, "%-8s %04ld  %-40s %s\n", hit ? "applied" : "pending",
			    m->version, m->name, hit ? hit->applied_at : "-");
			continue;
		}
		if (hit != NULL)
			continue;
		if (!apply_one(c, m, err, errlen))
			goto out;
		fprintf(out, "applied  %s\n", m->name);
		done++;
	}
	if (!apply) {
		for (j = 0; j < na; j++)
			if (find_file(set, a[j].version) == NULL)
				fprintf(out, "%-8s %04ld  %-40s %s\n", "missing", a[j].version,
				    a[j].name, a[j].applied_at);
		ok = check_history(set, a, na, err, errlen);
		goto out;
	}
	fprintf(out, "%zu migration%s applied, %zu already up to date\n", done,
	    done == 1 ? "" : "s", na);
	ok = true;
out:
	free_applied(a, na);
	PQclear(PQexec(c, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")"));
	return ok;
}

bool
store_migrate_status(struct store *s, const struct migration_set *set, FILE *out, char *err,
    size_t errlen)
{
	return with_lock(s, set, out, false, err, errlen);
}

bool
store_migrate_apply(struct store *s, const struct migration_set *set, FILE *out, char *err,
    size_t errlen)
{
	return with_lock(s, set, out, true, err, errlen);
}
