/*
 * NAME
 *	sq - one prepared statement of either backend
 * DESCRIPTION
 *	The store's files speak SQL through these calls only: prepare,
 *	bind, step, read a column, reset. A statement is SQLite's (the
 *	embedded default) or PostgreSQL's (pg.c, when Database is a libpq
 *	URI); each call goes to the one it is. The calls keep SQLite's
 *	meaning (step gives a row or done; a reset keeps the bindings),
 *	which pg.c gives PostgreSQL's statements too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* sq_prepare - text prepared on the connection of s */
int
sq_prepare(struct store *s, const char *text, sq **st_r)
{
	sq *st = calloc(1, sizeof(*st));
	int rc;

	*st_r = NULL;
	if (!st)
		return SQLITE_NOMEM;
	st->s = s;
	if (s->pg)
		rc = pg_prepare(s->pg, text, &st->pg);
	else
		rc = sqlite3_prepare_v3(s->db, text, -1,
					SQLITE_PREPARE_PERSISTENT, &st->lite,
					NULL);
	if (rc != SQ_OK) {
		free(st);
		return rc;
	}
	*st_r = st;
	return SQ_OK;
}

/* sq_finalize - free st */
void
sq_finalize(sq *st)
{
	if (!st)
		return;
	if (st->pg)
		pg_finalize(st->pg);
	else
		sqlite3_finalize(st->lite);
	free(st);
}

/* sq_bind_int64 - bind an integer */
int
sq_bind_int64(sq *st, int i, int64_t v)
{
	char buf[24];
	int n;

	if (!st->pg)
		return sqlite3_bind_int64(st->lite, i, v);
	n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return pg_bind(st->pg, i, buf, (size_t)n, false, false);
}

/* sq_bind_int - bind an int */
int
sq_bind_int(sq *st, int i, int v)
{
	return sq_bind_int64(st, i, v);
}

/* sq_bind_null - bind NULL */
int
sq_bind_null(sq *st, int i)
{
	if (st->pg)
		return pg_bind(st->pg, i, NULL, 0, false, false);
	return sqlite3_bind_null(st->lite, i);
}

/* sq_bind_text - bind a string (copied), or NULL */
int
sq_bind_text(sq *st, int i, const char *v)
{
	if (!v)
		return sq_bind_null(st, i);
	if (st->pg)
		return pg_bind(st->pg, i, v, strlen(v), false, false);
	return sqlite3_bind_text(st->lite, i, v, -1, SQLITE_TRANSIENT);
}

/* sq_bind_blob - bind n bytes (copied) */
int
sq_bind_blob(sq *st, int i, const void *v, size_t n)
{
	if (st->pg)
		return pg_bind(st->pg, i, n ? v : "", n, true, false);
	return sqlite3_bind_blob64(st->lite, i, n ? v : "", n,
				   SQLITE_TRANSIENT);
}

/* sq_bind_blob_ref - bind n bytes, not copied */
int
sq_bind_blob_ref(sq *st, int i, const void *v, size_t n)
{
	if (st->pg)
		return pg_bind(st->pg, i, n ? v : "", n, true, true);
	return sqlite3_bind_blob64(st->lite, i, n ? v : "", n, SQLITE_STATIC);
}

/* sq_param - the index of a named parameter */
int
sq_param(sq *st, const char *name)
{
	if (st->pg)
		return pg_param(st->pg, name);
	return sqlite3_bind_parameter_index(st->lite, name);
}

/* sq_param_count - the number of parameters */
int
sq_param_count(sq *st)
{
	if (st->pg)
		return pg_param_count(st->pg);
	return sqlite3_bind_parameter_count(st->lite);
}

/* sq_step - run, or the next row */
int
sq_step(sq *st)
{
	if (st->pg)
		return pg_step(st->pg);
	return sqlite3_step(st->lite);
}

/* sq_reset - ready to run again */
void
sq_reset(sq *st)
{
	if (st->pg)
		pg_reset(st->pg);
	else
		sqlite3_reset(st->lite);
}

/* sq_clear - unbind */
void
sq_clear(sq *st)
{
	if (st->pg)
		pg_clear(st->pg);
	else
		sqlite3_clear_bindings(st->lite);
}

/* sq_column_int64 - column i as an integer */
int64_t
sq_column_int64(sq *st, int i)
{
	const char *v;

	if (!st->pg)
		return sqlite3_column_int64(st->lite, i);
	v = pg_value(st->pg, i, NULL);
	if (!v)
		return 0;
	if (v[0] == 't' && !v[1]) /* a boolean */
		return 1;
	return strtoll(v, NULL, 10);
}

/* sq_column_int - column i as an int */
int
sq_column_int(sq *st, int i)
{
	return (int)sq_column_int64(st, i);
}

/* sq_column_double - column i as a double */
double
sq_column_double(sq *st, int i)
{
	const char *v;

	if (!st->pg)
		return sqlite3_column_double(st->lite, i);
	v = pg_value(st->pg, i, NULL);
	return v ? strtod(v, NULL) : 0;
}

/* sq_column_text - column i as text, NULL for NULL */
const unsigned char *
sq_column_text(sq *st, int i)
{
	if (st->pg)
		return (const unsigned char *)pg_value(st->pg, i, NULL);
	return sqlite3_column_text(st->lite, i);
}

/* sq_column_blob - column i's bytes (sq_column_bytes of them) */
const void *
sq_column_blob(sq *st, int i)
{
	if (st->pg)
		return pg_value(st->pg, i, NULL);
	return sqlite3_column_blob(st->lite, i);
}

/* sq_column_bytes - the length of column i */
int
sq_column_bytes(sq *st, int i)
{
	int n = 0;

	if (!st->pg)
		return sqlite3_column_bytes(st->lite, i);
	pg_value(st->pg, i, &n);
	return n;
}

/* sq_column_null - column i is NULL */
bool
sq_column_null(sq *st, int i)
{
	if (st->pg)
		return pg_value(st->pg, i, NULL) == NULL;
	return sqlite3_column_type(st->lite, i) == SQLITE_NULL;
}

/* sq_column_count - the number of columns */
int
sq_column_count(sq *st)
{
	if (st->pg)
		return pg_column_count(st->pg);
	return sqlite3_column_count(st->lite);
}

/* sq_column_name - the name of column i */
const char *
sq_column_name(sq *st, int i)
{
	if (st->pg)
		return pg_column_name(st->pg, i);
	return sqlite3_column_name(st->lite, i);
}

/* sq_column_kind - what column i of the row holds */
enum sq_kind
sq_column_kind(sq *st, int i)
{
	if (st->pg)
		return pg_column_kind(st->pg, i);
	switch (sqlite3_column_type(st->lite, i)) {
	case SQLITE_INTEGER: return SQ_INT;
	case SQLITE_FLOAT: return SQ_REAL;
	case SQLITE_TEXT: return SQ_TEXT;
	case SQLITE_BLOB: return SQ_BLOB;
	default: return SQ_NULL;
	}
}

/* sq_sql - the text st was prepared from */
const char *
sq_sql(sq *st)
{
	if (st->pg)
		return pg_sql(st->pg);
	return sqlite3_sql(st->lite);
}

/* sq_changes - rows the last write changed */
int64_t
sq_changes(struct store *s)
{
	if (s->pg)
		return pg_changes(s->pg);
	return sqlite3_changes(s->db);
}

/* sq_last_id - the id the last INSERT gave its row */
int64_t
sq_last_id(struct store *s)
{
	sq *st;
	int64_t id = 0;

	if (!s->pg)
		return sqlite3_last_insert_rowid(s->db);
	st = stmt(s, ST_LAST_ID, NULL);
	if (st && sq_step(st) == SQ_ROW)
		id = sq_column_int64(st, 0);
	if (st)
		sq_reset(st);
	return id;
}

/* sq_autocommit - no transaction is open */
bool
sq_autocommit(struct store *s)
{
	if (s->pg)
		return pg_autocommit(s->pg);
	return sqlite3_get_autocommit(s->db) != 0;
}

/* sq_exec - run SQL text that returns no rows */
int
sq_exec(struct store *s, const char *text)
{
	if (s->pg)
		return pg_exec(s->pg, text);
	return sqlite3_exec(s->db, text, NULL, NULL, NULL);
}
