/*
 * NAME
 *	schema_pg - the store's migrations on PostgreSQL (see schema_pg.c)
 * DESCRIPTION
 *	Inside store/ only; its two declarations belong in store_int.h
 *	once the PostgreSQL backend is wired in.
 */
#ifndef STORE_SCHEMA_PG_H
#define STORE_SCHEMA_PG_H

/* the first version of a PostgreSQL store: it is never at 1 to 7 */
#define STORE_PG_FIRST_VERSION 8

/* store_pg_schema_lock - SQL that starts a migrating transaction */
const char *store_pg_schema_lock(void);

/*
 * store_pg_schema_sql - the migrations from from_version to
 * STORE_SCHEMA_VERSION, in order, at *steps_r; returns how many (0 when
 * current), or -1 for a version no PostgreSQL store is at (1 to 7, or
 * newer than this smsmilter), *steps_r then untouched
 */
int store_pg_schema_sql(int from_version, const char *const **steps_r);

#endif
