/*
 * NAME
 *	history - search, count, delete and purge messages
 * DESCRIPTION
 *	The SMS message center: filters by time, phone, owner, direction,
 *	state, text and id, paginated by id. The WHERE clause is assembled
 *	from fixed fragments and every value is bound: no text from a
 *	filter ever becomes SQL.
 */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

/* store_filter_init - a filter that takes everything */
void
store_filter_init(struct store_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->state = -1;
}

/* like_pattern - %text% with LIKE's specials escaped by backslash */
static char *
like_pattern(const char *text)
{
	struct ut_buf b = {0};

	ut_buf_add(&b, "%", 1);
	for (; *text; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			ut_buf_add(&b, "\\", 1);
		ut_buf_add(&b, text, 1);
	}
	ut_buf_add(&b, "%", 1);
	if (b.failed) {
		ut_buf_clear(&b);
		return NULL;
	}
	return ut_buf_steal(&b);
}

/*
 * where - append the WHERE clause for f to q; returns the number of
 * conditions, or -1 when out of memory
 */
static int
where(struct ut_buf *q, const struct store_filter *f, bool pg)
{
	int n = 0;

#define COND(test, text)                                                       \
	do {                                                                   \
		if (test) {                                                    \
			ut_buf_printf(q, "%s%s", n++ ? " AND " : " WHERE ",    \
				      text);                                   \
		}                                                              \
	} while (0)
	COND(f->since, "m.created >= :since");
	COND(f->until, "m.created < :until");
	COND(f->phone, "t.phone = :phone");
	COND(f->owner, "t.owner = :owner");
	COND(f->sender, "t.sender = :sender");
	COND(f->direction, "m.direction = :direction");
	COND(f->state >= 0, "m.state = :state");
	/* SQLite's LIKE ignores the case of ASCII letters; ILIKE does */
	COND(f->text && !f->text_exact, pg ? "m.text ILIKE :text ESCAPE '\\'"
					   : "m.text LIKE :text ESCAPE '\\'");
	COND(f->text && f->text_exact, "m.text = :text");
	COND(f->after_id, "m.id > :after");
	COND(f->sid, "m.sid = :sid");
	COND(f->external_id, "m.external_id = :external_id");
	if (f->nids) {
		unsigned i;

		COND(1, "m.id IN (");
		for (i = 0; i < f->nids; i++)
			ut_buf_printf(q, "%s:id%u", i ? ", " : "", i);
		ut_buf_printf(q, ")");
	}
#undef COND
	return q->failed ? -1 : n;
}

/* bind_filter - bind f's values to the named parameters of st */
static int
bind_filter(sq *st, const struct store_filter *f)
{
	char *pattern = NULL;
	int i;

	if ((i = sq_param(st, ":since")))
		sq_bind_int64(st, i, f->since);
	if ((i = sq_param(st, ":until")))
		sq_bind_int64(st, i, f->until);
	if ((i = sq_param(st, ":phone")))
		sq_bind_text(st, i, f->phone);
	if ((i = sq_param(st, ":owner")))
		sq_bind_text(st, i, f->owner);
	if ((i = sq_param(st, ":sender")))
		sq_bind_text(st, i, f->sender);
	if ((i = sq_param(st, ":direction")))
		sq_bind_text(st, i, f->direction);
	if ((i = sq_param(st, ":state")))
		sq_bind_int(st, i, f->state);
	if ((i = sq_param(st, ":sid")))
		sq_bind_text(st, i, f->sid);
	if ((i = sq_param(st, ":external_id")))
		sq_bind_text(st, i, f->external_id);
	if ((i = sq_param(st, ":after")))
		sq_bind_int64(st, i, f->after_id);
	for (unsigned k = 0; k < f->nids; k++) {
		char name[16];

		snprintf(name, sizeof(name), ":id%u", k);
		if ((i = sq_param(st, name)))
			sq_bind_int64(st, i, f->ids[k]);
	}
	if ((i = sq_param(st, ":text")) && f->text_exact) {
		sq_bind_text(st, i, f->text);
	} else if (i) {
		pattern = like_pattern(f->text);
		if (!pattern)
			return -1;
		sq_bind_text(st, i, pattern);
		free(pattern);
	}
	return 0;
}

/* prepare_filtered - prepare head + WHERE(f) + tail, bound */
static int
prepare_filtered(struct store *s, const char *head,
		 const struct store_filter *f, const char *tail, sq **st_r,
		 int *nconds_r, struct store_error *err)
{
	struct ut_buf q = {0};
	int n;

	ut_buf_printf(&q, "%s", head);
	n = where(&q, f, s->pg != NULL);
	ut_buf_printf(&q, "%s", tail);
	if (n < 0 || q.failed) {
		ut_buf_clear(&q);
		return store_set_error(err, STORE_ETEMP, "out of memory");
	}
	*st_r = store_dyn_get(s, q.s, err);
	ut_buf_clear(&q);
	if (!*st_r)
		return err->status;
	if (bind_filter(*st_r, f) != 0) {
		store_dyn_put(s, *st_r);
		return store_set_error(err, STORE_ETEMP, "out of memory");
	}
	if (nconds_r)
		*nconds_r = n;
	return STORE_OK;
}

/* store_history - messages matching f, oldest first */
int
store_history(struct store *s, const struct store_filter *f,
	      struct store_message **msgs_r, unsigned *n_r,
	      struct store_error *err)
{
	unsigned limit = f->limit ? f->limit : 100, n = 0, cap;
	struct store_message *m;
	sq *st;
	int rc;

	*msgs_r = NULL;
	*n_r = 0;
	if (f->nids > 0 && f->nids < limit) /* no more rows than ids */
		limit = f->nids;
	rc = prepare_filtered(
	    s,
	    "SELECT m.id, m.thread_id, m.direction, t.owner, t.phone,"
	    " t.sender, m.state, m.segments, m.attempts, m.created, m.updated,"
	    " m.due, m.error, m.reason, m.text, m.sid, m.external_id,"
	    " m.encoding FROM messages m"
	    " JOIN threads t ON t.id = m.thread_id",
	    f, " ORDER BY m.id LIMIT :limit", &st, NULL, err);
	if (rc != STORE_OK)
		return rc;
	sq_bind_int(st, sq_param(st, ":limit"), (int)limit);
	/* room as rows come: a limit of 1000 is not 1000 rows */
	cap = limit < 16 ? limit : 16;
	m = calloc(cap, sizeof(*m));
	if (!m) {
		store_dyn_put(s, st);
		return store_set_error(err, STORE_ETEMP, "out of memory");
	}
	while ((rc = store_step(st)) == SQ_ROW && n < limit) {
		struct store_message *x;

		if (n == cap) {
			struct store_message *more =
			    realloc(m, 2 * cap * sizeof(*m));

			if (!more) {
				rc = SQ_NOMEM;
				break;
			}
			m = more;
			memset(m + cap, 0, cap * sizeof(*m));
			cap *= 2;
		}
		x = &m[n++];

		x->id = sq_column_int64(st, 0);
		x->thread_id = sq_column_int64(st, 1);
		copy_text(st, 2, x->direction, sizeof(x->direction));
		copy_text(st, 3, x->owner, sizeof(x->owner));
		copy_text(st, 4, x->phone, sizeof(x->phone));
		copy_text(st, 5, x->sender, sizeof(x->sender));
		x->state = (enum store_state)sq_column_int(st, 6);
		x->segments = (unsigned)sq_column_int(st, 7);
		x->attempts = (unsigned)sq_column_int(st, 8);
		x->created = sq_column_int64(st, 9);
		x->updated = sq_column_int64(st, 10);
		x->due = sq_column_int64(st, 11);
		copy_text(st, 12, x->error, sizeof(x->error));
		copy_text(st, 13, x->reason, sizeof(x->reason));
		copy_text(st, 15, x->sid, sizeof(x->sid));
		copy_text(st, 16, x->external_id, sizeof(x->external_id));
		x->encoding = sq_column_int(st, 17);
		x->text = dup_text(st, 14);
		if (!x->text) {
			rc = SQ_NOMEM;
			break;
		}
	}
	if (rc != SQ_DONE && rc != SQ_ROW) {
		rc = rc == SQ_NOMEM
			 ? store_set_error(err, STORE_ETEMP, "out of memory")
			 : store_fail_db(s, "searching", err);
		store_dyn_put(s, st);
		store_messages_free(&m, n);
		return rc;
	}
	store_dyn_put(s, st);
	if (n == 0)
		free(m);
	else
		*msgs_r = m;
	*n_r = n;
	return STORE_OK;
}

/* store_messages_free - free what store_history returned */
void
store_messages_free(struct store_message **m, unsigned n)
{
	store_rows_free(*m, sizeof(**m), offsetof(struct store_message, text),
			n);
	*m = NULL;
}

/*
 * prepare_selection - head + the ids of the messages f selects for a
 * delete, oldest first, at most f->limit (0: all); a filter that sets
 * no field is refused, so no delete ever takes everything by mistake
 */
static int
prepare_selection(struct store *s, const char *head,
		  const struct store_filter *f, sq **st_r,
		  struct store_error *err)
{
	struct ut_buf q = {0};
	int rc, nconds;

	ut_buf_printf(&q,
		      "%s (SELECT m.id FROM messages m JOIN threads t"
		      " ON t.id = m.thread_id",
		      head);
	if (q.failed)
		return store_set_error(err, STORE_ETEMP, "out of memory");
	rc = prepare_filtered(s, q.s, f, " ORDER BY m.id LIMIT :limit)", st_r,
			      &nconds, err);
	ut_buf_clear(&q);
	if (rc != STORE_OK)
		return rc;
	if (nconds == 0) {
		store_dyn_put(s, *st_r);
		return store_set_error(err, STORE_EPERM,
				       "refusing to delete everything: give a "
				       "filter, or purge by date");
	}
	if (f->limit)
		sq_bind_int64(*st_r, sq_param(*st_r, ":limit"),
			      (int64_t)f->limit);
	else if (!s->pg) /* no limit: SQLite's -1, PostgreSQL's NULL */
		sq_bind_int64(*st_r, sq_param(*st_r, ":limit"), -1);
	return STORE_OK;
}

/* store_delete - delete the messages matching f, at most f->limit */
int
store_delete(struct store *s, const struct store_filter *f, unsigned *n_r,
	     struct store_error *err)
{
	sq *st;
	int rc;

	*n_r = 0;
	rc = store_begin(s, err);
	if (rc != STORE_OK)
		return rc;
	rc = prepare_selection(s, "DELETE FROM messages WHERE id IN", f, &st,
			       err);
	if (rc == STORE_OK) {
		if (store_step(st) != SQ_DONE)
			rc = store_fail_db(s, "deleting", err);
		else
			*n_r = (unsigned)sq_changes(s);
		store_dyn_put(s, st);
	}
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* store_delete_count - how many messages store_delete(f) would delete */
int
store_delete_count(struct store *s, const struct store_filter *f, unsigned *n_r,
		   struct store_error *err)
{
	sq *st;
	int rc;

	*n_r = 0;
	rc = prepare_selection(s, "SELECT count(*) FROM messages WHERE id IN",
			       f, &st, err);
	if (rc != STORE_OK)
		return rc;
	if (store_step(st) == SQ_ROW)
		*n_r = (unsigned)sq_column_int64(st, 0);
	else
		rc = store_fail_db(s, "counting", err);
	store_dyn_put(s, st);
	return rc;
}

/* db_bytes - the database's size: pages times page size */
static int
db_bytes(struct store *s, int64_t *bytes_r, struct store_error *err)
{
	sq *st;
	int rc;

	if (sq_prepare(s,
		       s->pg ? "SELECT pg_database_size(current_database())"
			     : "SELECT page_count * page_size FROM"
			       " pragma_page_count(), pragma_page_size()",
		       &st) != SQ_OK)
		return store_fail_db(s, "measuring the database", err);
	rc = store_step(st);
	*bytes_r = rc == SQ_ROW ? sq_column_int64(st, 0) : 0;
	sq_finalize(st);
	if (rc != SQ_ROW)
		return store_fail_db(s, "measuring the database", err);
	return STORE_OK;
}

/* store_vacuum - VACUUM; the database's size before and after */
int
store_vacuum(struct store *s, int64_t *before_r, int64_t *after_r,
	     struct store_error *err)
{
	int rc;

	*before_r = *after_r = 0;
	rc = db_bytes(s, before_r, err);
	if (rc != STORE_OK)
		return rc;
	/* a server's VACUUM takes what it takes: no statement_timeout */
	if (s->pg && sq_exec(s, "SET statement_timeout = 0") != SQ_OK)
		return store_fail_db(s, "lifting statement_timeout", err);
	if (sq_exec(s, "VACUUM") != SQ_OK)
		return store_fail_db(s, "vacuuming", err);
	/* give the WAL's pages back to the file, and the file's end back */
	if (!s->pg)
		sq_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
	return db_bytes(s, after_r, err);
}

/* store_purge - delete finished messages created before `before` */
int
store_purge(struct store *s, int64_t before, unsigned *n_r,
	    struct store_error *err)
{
	sq *st;
	int rc = store_begin(s, err);

	*n_r = 0;
	if (rc != STORE_OK)
		return rc;
	st = stmt(s, ST_PURGE, err);
	if (!st) {
		store_rollback(s);
		return err ? err->status : STORE_EPERM;
	}
	sq_bind_int64(st, 1, before);
	if (store_step(st) != SQ_DONE) {
		rc = store_fail_db(s, "purging", err);
		store_rollback(s);
		return rc;
	}
	*n_r = (unsigned)sq_changes(s);
	return store_commit(s, err);
}

/* store_counts - how many messages are in each state */
int
store_counts(struct store *s, struct store_counts *c, struct store_error *err)
{
	sq *st = stmt(s, ST_COUNTS, err);
	int rc;

	memset(c, 0, sizeof(*c));
	if (!st)
		return err ? err->status : STORE_EPERM;
	while ((rc = store_step(st)) == SQ_ROW) {
		int state = sq_column_int(st, 0);

		if (state >= 0 && state <= STORE_STATE_LAST)
			c->n[state] = (unsigned)sq_column_int(st, 1);
	}
	if (rc != SQ_DONE)
		return store_fail_db(s, "counting", err);
	st = stmt(s, ST_OLDEST_DUE, err);
	if (!st)
		return err ? err->status : STORE_EPERM;
	if (store_step(st) == SQ_ROW)
		c->oldest_due = sq_column_int64(st, 0);
	sq_reset(st);
	return STORE_OK;
}

/* store_message_events - the states a message passed, as lines */
int
store_message_events(struct store *s, int64_t id, char **text_r,
		     struct store_error *err)
{
	sq *st = stmt(s, ST_EVENTS, err);
	struct ut_buf b = {0};
	int rc;

	*text_r = NULL;
	if (!st)
		return err ? err->status : STORE_EPERM;
	sq_bind_int64(st, 1, id);
	while ((rc = store_step(st)) == SQ_ROW) {
		const unsigned char *d = sq_column_text(st, 2);

		ut_buf_printf(
		    &b, "%lld %s%s%s\n", (long long)sq_column_int64(st, 0),
		    store_state_name((enum store_state)sq_column_int(st, 1)),
		    d ? " " : "", d ? (const char *)d : "");
	}
	sq_reset(st);
	if (rc != SQ_DONE) {
		ut_buf_clear(&b);
		return store_fail_db(s, "reading events", err);
	}
	if (b.failed) {
		ut_buf_clear(&b);
		return store_set_error(err, STORE_ETEMP, "out of memory");
	}
	*text_r = ut_buf_steal(&b);
	return STORE_OK;
}
