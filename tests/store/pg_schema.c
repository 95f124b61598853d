/*
 * NAME
 *	pg_schema - the PostgreSQL migrations, and a SQLite store to
 *	compare them with, for tests/store/test_pg_schema.sh
 * SYNOPSIS
 *	pg_schema lock
 *	pg_schema versions
 *	pg_schema steps FROM
 *	pg_schema sqlite FILE
 * DESCRIPTION
 *	lock prints store_pg_schema_lock()'s SQL; versions prints
 *	STORE_SCHEMA_VERSION and STORE_PG_FIRST_VERSION; steps prints how many
 *	steps store_pg_schema_sql(FROM) has on its first line, then each
 *	step followed by a line "-- end of step" (exit 1 for -1); sqlite
 *	makes FILE a SQLite store at STORE_SCHEMA_VERSION through the
 *	store's API, as every program does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/schema_pg.h"
#include "store/store.h"

/* usage - the synopsis, exit 2 */
static int
usage(void)
{
	fprintf(stderr, "usage: pg_schema lock | versions | steps FROM | "
			"sqlite FILE\n");
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "lock") == 0) {
		printf("%s\n", store_pg_schema_lock());
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "versions") == 0) {
		printf("%d %d\n", STORE_SCHEMA_VERSION, STORE_PG_FIRST_VERSION);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "steps") == 0) {
		const char *const *steps;
		int n = store_pg_schema_sql(atoi(argv[2]), &steps);

		printf("%d\n", n);
		for (int i = 0; i < n; i++)
			printf("%s\n-- end of step\n", steps[i]);
		return n < 0;
	}
	if (argc == 3 && strcmp(argv[1], "sqlite") == 0) {
		struct store_error err;
		struct store *s = store_open(argv[2], STORE_SYNC_OFF, &err);

		if (!s) {
			fprintf(stderr, "pg_schema: %s\n", err.msg);
			return 1;
		}
		store_close(&s);
		return 0;
	}
	return usage();
}
