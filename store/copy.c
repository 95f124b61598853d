/*
 * NAME
 *	copy - every row of one store into another (SQLite <-> PostgreSQL)
 * DESCRIPTION
 *	store_copy moves a site from one backend to the other: both stores
 *	open at the same schema version, the target empty. Each table is
 *	read in full and written in one transaction of the target, the
 *	columns both sides have (PostgreSQL's tables without a rowid in
 *	SQLite have an id column of their own); ids are kept, and the
 *	target's identity sequences are moved past them. Then each table
 *	is checked row for row: the count, and a sum of a hash of every
 *	row, which does not depend on the order rows come in, are the same
 *	on both sides, or the copy is reported failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

/* Every table, parents before the tables that refer to them. */
static const char *const tables[] = {
    "threads",	     "messages",
    "segments",	     "events",
    "inbound_seen",  "reassembly",
    "rate_counters", "optouts",
    "usage",	     "contacts",
    "groups",	     "group_members",
    "mail_queue",    "inbound_unconfirmed",
    "pool_leases",   "api_keys",
    "hooks",	     "forwards",
    "media",	     "inbox",
    "inbox_name",    "inbox_done",
    "inbox_held",
};

#define NTABLES (sizeof(tables) / sizeof(tables[0]))
#define MAXCOLS 64

/* One table's columns that both stores have. */
struct cols {
	unsigned n;
	char *name[MAXCOLS];
};

/* cols_free - free the names */
static void
cols_free(struct cols *c)
{
	while (c->n > 0)
		free(c->name[--c->n]);
}

/*
 * columns_of - the names of table's columns in s, into names (n of
 * them, malloc'd); a store status
 */
static int
columns_of(struct store *s, const char *table, struct cols *c,
	   struct store_error *err)
{
	char q[128];
	sq *st;
	int i, n;

	snprintf(q, sizeof(q), "SELECT * FROM %s LIMIT 0", table);
	if (sq_prepare(s, q, &st) != SQ_OK)
		return store_fail_db(s, "reading a table's columns", err);
	if (store_step(st) != SQ_DONE) {
		sq_finalize(st);
		return store_fail_db(s, "reading a table's columns", err);
	}
	n = sq_column_count(st);
	c->n = 0;
	if (n > MAXCOLS) {
		sq_finalize(st);
		return store_set_error(err, STORE_EPERM,
				       "table %s has %d columns: a copy takes "
				       "up to %d",
				       table, n, MAXCOLS);
	}
	for (i = 0; i < n; i++)
		if (!(c->name[c->n++] = strdup(sq_column_name(st, i)))) {
			sq_finalize(st);
			cols_free(c);
			return store_set_error(err, STORE_ETEMP,
					       "out of memory");
		}
	sq_finalize(st);
	return STORE_OK;
}

/* common - the columns of a that b has too */
static void
common(struct cols *a, const struct cols *b)
{
	unsigned i, j, k = 0;

	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n && strcmp(a->name[i], b->name[j]); j++)
			;
		if (j < b->n)
			a->name[k++] = a->name[i];
		else
			free(a->name[i]);
	}
	a->n = k;
}

/* fnv - FNV-1a over n bytes of p, on from h */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= 1099511628211ULL;
	}
	return h;
}

/*
 * row_hash - a hash of the current row of st: each value with its kind
 * and length, integers as decimal text, so that SQLite's and
 * PostgreSQL's rows of the same values hash the same
 */
static uint64_t
row_hash(sq *st, unsigned n)
{
	uint64_t h = 14695981039346656037ULL;
	unsigned i;

	for (i = 0; i < n; i++) {
		enum sq_kind k = sq_column_kind(st, (int)i);
		char num[32];
		const void *p = num;
		size_t len = 0;
		unsigned char tag = (unsigned char)k;

		switch (k) {
		case SQ_NULL: break;
		case SQ_INT:
			len = (size_t)snprintf(
			    num, sizeof(num), "%lld",
			    (long long)sq_column_int64(st, (int)i));
			break;
		case SQ_REAL:
			len = (size_t)snprintf(num, sizeof(num), "%.17g",
					       sq_column_double(st, (int)i));
			break;
		case SQ_TEXT:
		case SQ_BLOB:
			p = sq_column_blob(st, (int)i);
			len = (size_t)sq_column_bytes(st, (int)i);
			tag = SQ_TEXT; /* a text kept as a blob is the same */
			break;
		}
		h = fnv(h, &tag, 1);
		h = fnv(h, &len, sizeof(len));
		if (len)
			h = fnv(h, p, len);
	}
	return h;
}

/* select_of - SELECT the columns of c FROM table, into q */
static void
select_of(struct ut_buf *q, const char *table, const struct cols *c)
{
	unsigned i;

	ut_buf_printf(q, "SELECT ");
	for (i = 0; i < c->n; i++)
		ut_buf_printf(q, "%s\"%s\"", i ? ", " : "", c->name[i]);
	ut_buf_printf(q, " FROM %s", table);
}

/*
 * digest - the rows of table in s (columns c): how many, and the sum of
 * their hashes
 */
static int
digest(struct store *s, const char *table, const struct cols *c,
       uint64_t *count_r, uint64_t *sum_r, struct store_error *err)
{
	struct ut_buf q = {0};
	sq *st;
	int rc;

	*count_r = *sum_r = 0;
	select_of(&q, table, c);
	if (q.failed) {
		ut_buf_clear(&q);
		return store_set_error(err, STORE_ETEMP, "out of memory");
	}
	rc = sq_prepare(s, q.s, &st);
	ut_buf_clear(&q);
	if (rc != SQ_OK)
		return store_fail_db(s, "checking a table", err);
	while ((rc = store_step(st)) == SQ_ROW) {
		++*count_r;
		*sum_r += row_hash(st, c->n);
	}
	sq_finalize(st);
	if (rc != SQ_DONE)
		return store_fail_db(s, "checking a table", err);
	return STORE_OK;
}

/* bind_value - column i of from's row as parameter i + 1 of to */
static void
bind_value(sq *from, sq *to, int i)
{
	switch (sq_column_kind(from, i)) {
	case SQ_NULL: sq_bind_null(to, i + 1); break;
	case SQ_INT: sq_bind_int64(to, i + 1, sq_column_int64(from, i)); break;
	case SQ_REAL:
	case SQ_TEXT:
		sq_bind_text(to, i + 1, (const char *)sq_column_text(from, i));
		break;
	case SQ_BLOB:
		sq_bind_blob_ref(to, i + 1, sq_column_blob(from, i),
				 (size_t)sq_column_bytes(from, i));
		break;
	}
}

/* copy_table - every row of table from one store to the other */
static int
copy_table(struct store *from, struct store *to, const char *table,
	   const struct cols *c, uint64_t *rows_r, struct store_error *err)
{
	struct ut_buf q = {0}, ins = {0};
	sq *get = NULL, *put = NULL;
	unsigned i;
	int rc;

	*rows_r = 0;
	select_of(&q, table, c);
	ut_buf_printf(&ins, "INSERT INTO %s (", table);
	for (i = 0; i < c->n; i++)
		ut_buf_printf(&ins, "%s\"%s\"", i ? ", " : "", c->name[i]);
	/* keep the ids: an identity column takes them only when told */
	ut_buf_printf(&ins, ")%s VALUES (",
		      to->pg ? " OVERRIDING SYSTEM VALUE" : "");
	for (i = 0; i < c->n; i++)
		ut_buf_printf(&ins, "%s?%u", i ? ", " : "", i + 1);
	ut_buf_printf(&ins, ")");
	if (q.failed || ins.failed) {
		rc = store_set_error(err, STORE_ETEMP, "out of memory");
		goto out;
	}
	if (sq_prepare(from, q.s, &get) != SQ_OK) {
		rc = store_fail_db(from, "reading a table", err);
		goto out;
	}
	if (sq_prepare(to, ins.s, &put) != SQ_OK) {
		rc = store_fail_db(to, "writing a table", err);
		goto out;
	}
	while ((rc = store_step(get)) == SQ_ROW) {
		for (i = 0; i < c->n; i++)
			bind_value(get, put, (int)i);
		rc = store_step(put);
		sq_reset(put);
		sq_clear(put);
		if (rc != SQ_DONE) {
			rc = store_fail_db(to, "writing a row", err);
			goto out;
		}
		++*rows_r;
	}
	rc = rc == SQ_DONE ? STORE_OK : store_fail_db(from, "reading", err);
out:
	sq_finalize(get);
	sq_finalize(put);
	ut_buf_clear(&q);
	ut_buf_clear(&ins);
	return rc;
}

/* empty - the target's table has no row (else STORE_EPERM, saying so) */
static int
empty(struct store *s, const char *table, struct store_error *err)
{
	char q[128];
	sq *st;
	int rc;

	snprintf(q, sizeof(q), "SELECT 1 FROM %s LIMIT 1", table);
	if (sq_prepare(s, q, &st) != SQ_OK)
		return store_fail_db(s, "reading the target", err);
	rc = store_step(st);
	sq_finalize(st);
	if (rc == SQ_ROW)
		return store_set_error(err, STORE_EPERM,
				       "%s: table %s has rows already: copy "
				       "into an empty store",
				       s->path, table);
	return rc == SQ_DONE ? STORE_OK
			     : store_fail_db(s, "reading the target", err);
}

/* sequences - PostgreSQL's identity sequences past the ids copied */
static int
sequences(struct store *s, struct store_error *err)
{
	/* a DO block cannot be prepared: the simple protocol runs it */
	static const char bump[] =
	    "DO $$ DECLARE r record; m bigint; BEGIN"
	    " FOR r IN SELECT table_name, column_name"
	    " FROM information_schema.columns WHERE table_schema ="
	    " current_schema() AND is_identity = 'YES' LOOP"
	    " EXECUTE format('SELECT max(%I) FROM %I', r.column_name,"
	    " r.table_name) INTO m;"
	    " IF m IS NOT NULL THEN PERFORM setval(pg_get_serial_sequence("
	    "quote_ident(r.table_name), r.column_name), m); END IF;"
	    " END LOOP; END $$";

	if (s->pg && sq_exec(s, bump) != SQ_OK)
		return store_fail_db(s, "moving the id sequences", err);
	return STORE_OK;
}

/* store_copy - every row of from into to, checked */
int
store_copy(struct store *from, struct store *to,
	   void (*said)(void *arg, const char *table, uint64_t rows), void *arg,
	   struct store_error *err)
{
	struct cols c[NTABLES];
	uint64_t n1, s1, n2, s2, rows;
	unsigned t;
	int rc = STORE_OK;

	memset(c, 0, sizeof(c));
	/* whole tables are read and checked: no statement_timeout */
	if ((from->pg && sq_exec(from, "SET statement_timeout = 0") != SQ_OK) ||
	    (to->pg && sq_exec(to, "SET statement_timeout = 0") != SQ_OK))
		return store_fail_db(from->pg ? from : to,
				     "lifting statement_timeout", err);
	if (store_version(from) != store_version(to))
		return store_set_error(err, STORE_EPERM,
				       "%s is at schema version %d and %s at "
				       "%d: open both with this smsctl",
				       from->path, store_version(from),
				       to->path, store_version(to));
	for (t = 0; t < NTABLES && rc == STORE_OK; t++) {
		struct cols other = {0};

		rc = empty(to, tables[t], err);
		if (rc == STORE_OK)
			rc = columns_of(from, tables[t], &c[t], err);
		if (rc == STORE_OK)
			rc = columns_of(to, tables[t], &other, err);
		if (rc == STORE_OK)
			common(&c[t], &other);
		cols_free(&other);
	}
	if (rc == STORE_OK)
		rc = store_begin(to, err);
	if (rc != STORE_OK)
		goto out;
	for (t = 0; t < NTABLES && rc == STORE_OK; t++)
		rc = copy_table(from, to, tables[t], &c[t], &rows, err);
	if (rc == STORE_OK)
		rc = sequences(to, err);
	if (rc == STORE_OK)
		rc = store_commit(to, err);
	else
		store_rollback(to);
	/* row for row: the same rows on both sides */
	for (t = 0; t < NTABLES && rc == STORE_OK; t++) {
		rc = digest(from, tables[t], &c[t], &n1, &s1, err);
		if (rc == STORE_OK)
			rc = digest(to, tables[t], &c[t], &n2, &s2, err);
		if (rc == STORE_OK && (n1 != n2 || s1 != s2))
			rc = store_set_error(err, STORE_EPERM,
					     "table %s: %llu rows in %s, %llu "
					     "in %s%s",
					     tables[t], (unsigned long long)n1,
					     from->path, (unsigned long long)n2,
					     to->path,
					     n1 == n2 ? ", not the same" : "");
		if (rc == STORE_OK && said)
			said(arg, tables[t], n1);
	}
out:
	for (t = 0; t < NTABLES; t++)
		cols_free(&c[t]);
	return rc;
}
