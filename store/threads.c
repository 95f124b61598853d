/*
 * NAME
 *	threads - conversations of (owner, phone, sender)
 * DESCRIPTION
 *	A thread is created or touched when a text is queued to a phone
 *	(store_thread_upsert) and when a text comes from one. A text from
 *	a phone goes to the thread its tag names (when that thread is the
 *	phone's), else to the phone's most recently active thread with the
 *	number it was sent to (store_thread_find), else to a new thread of
 *	the number's owner (store_thread_open).
 */
#include <string.h>

#include "store/store_int.h"

/* fill_thread - a struct store_thread from a row of THREAD_COLS */
static void
fill_thread(sq *st, void *p)
{
	struct store_thread *t = p;

	t->id = sq_column_int64(st, 0);
	copy_text(st, 1, t->owner, sizeof(t->owner));
	copy_text(st, 2, t->phone, sizeof(t->phone));
	copy_text(st, 3, t->sender, sizeof(t->sender));
	copy_text(st, 4, t->tag, sizeof(t->tag));
	copy_text(st, 5, t->subject, sizeof(t->subject));
	t->created = sq_column_int64(st, 6);
	t->last_active = sq_column_int64(st, 7);
	t->messages = (unsigned)sq_column_int(st, 8);
	copy_text(st, 9, t->last_message_id, sizeof(t->last_message_id));
}

/* one_thread - step st for one thread row into t */
static int
one_thread(struct store *s, sq *st, struct store_thread *t,
	   struct store_error *err)
{
	int rc = store_step(st);

	if (rc == SQ_ROW)
		fill_thread(st, t);
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND, "no such thread");
	return store_fail_db(s, "finding a thread", err);
}

/* store_thread_find - by tag, else the latest of (phone, sender) */
int
store_thread_find(struct store *s, const char *tag, const char *phone,
		  const char *sender, struct store_thread *t,
		  struct store_error *err)
{
	sq *st;
	int rc;

	if (tag && tag[0]) {
		NEED(st, s, ST_THREAD_BY_TAG, err);
		sq_bind_text(st, 1, tag);
		rc = one_thread(s, st, t, err);
		if (rc == STORE_OK && !strcmp(t->phone, phone))
			return STORE_OK;
		if (rc != STORE_OK && rc != STORE_ENOTFOUND)
			return rc;
	}
	NEED(st, s, ST_THREAD_LATEST, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, sender);
	return one_thread(s, st, t, err);
}

/* store_recent_owners - who texted phone from sender since since */
int
store_recent_owners(struct store *s, const char *phone, const char *sender,
		    int64_t since, char (*owners)[256], unsigned max,
		    unsigned *n_r, struct store_error *err)
{
	sq *st;
	int rc;

	*n_r = 0;
	NEED(st, s, ST_RECENT_OWNERS, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, sender);
	sq_bind_int64(st, 3, since);
	sq_bind_int(st, 4, (int)max);
	while ((rc = store_step(st)) == SQ_ROW && *n_r < max)
		copy_text(st, 0, owners[(*n_r)++], sizeof(owners[0]));
	sq_reset(st);
	if (rc != SQ_ROW && rc != SQ_DONE)
		return store_fail_db(s, "finding who texted the phone", err);
	return STORE_OK;
}

/* store_thread_open - find or create (owner, phone, sender) */
int
store_thread_open(struct store *s, const char *owner, const char *phone,
		  const char *sender, const char *tag, int64_t now,
		  struct store_thread *t, struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_THREAD_NEW, err);
	sq_bind_text(st, 1, owner);
	sq_bind_text(st, 2, phone);
	sq_bind_text(st, 3, sender);
	sq_bind_text(st, 4, tag);
	sq_bind_int64(st, 5, now);
	rc = store_exec(s, st, "creating a thread", err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_THREAD_OF, err);
	sq_bind_text(st, 1, owner);
	sq_bind_text(st, 2, phone);
	sq_bind_text(st, 3, sender);
	return one_thread(s, st, t, err);
}

/* store_threads - threads, most recently active first */
int
store_threads(struct store *s, const char *owner, const char *phone,
	      unsigned limit, struct store_thread **threads_r, unsigned *n_r,
	      struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_THREADS, err);
	sq_bind_text(st, 1, owner);
	sq_bind_text(st, 2, phone);
	sq_bind_int(st, 3, limit ? (int)limit : 100);
	return store_rows(s, st, sizeof(**threads_r), fill_thread,
			  (void **)threads_r, n_r, err);
}

/* store_thread_upsert - create or touch the thread of m; its id in *id_r */
int
store_thread_upsert(struct store *s, const struct store_outbound *m,
		    int64_t now, int64_t *id_r, struct store_error *err)
{
	sq *st = stmt(s, ST_THREAD_UPSERT, err);

	if (!st)
		return err ? err->status : STORE_EPERM;
	sq_bind_text(st, 1, m->owner);
	sq_bind_text(st, 2, m->phone);
	sq_bind_text(st, 3, m->sender);
	sq_bind_text(st, 4, m->tag);
	sq_bind_text(st, 5, m->subject);
	sq_bind_int64(st, 6, now);
	sq_bind_text(st, 7,
		     m->message_id && m->message_id[0] ? m->message_id : NULL);
	if (store_step(st) != SQ_DONE)
		return store_fail_db(s, "recording the thread", err);
	st = stmt(s, ST_THREAD_ID, err);
	if (!st)
		return err ? err->status : STORE_EPERM;
	sq_bind_text(st, 1, m->owner);
	sq_bind_text(st, 2, m->phone);
	sq_bind_text(st, 3, m->sender);
	if (store_step(st) != SQ_ROW)
		return store_fail_db(s, "finding the thread", err);
	*id_r = sq_column_int64(st, 0);
	sq_reset(st); /* a statement left on a row holds a snapshot */
	return STORE_OK;
}

/* store_thread_touch - message_id is thread id's newest mail, as of now */
int
store_thread_touch(struct store *s, int64_t id, const char *message_id,
		   int64_t now, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_THREAD_TOUCH, err);
	sq_bind_int64(st, 1, id);
	sq_bind_text(st, 2, message_id);
	sq_bind_int64(st, 3, now);
	return store_exec(s, st, "updating the thread", err);
}

/* store_thread_opts - the answer options of thread's newest text out */
int
store_thread_opts(struct store *s, int64_t thread, int64_t since, char **opts_r,
		  struct store_error *err)
{
	sq *st;
	int rc;

	*opts_r = NULL;
	NEED(st, s, ST_THREAD_OPTS, err);
	sq_bind_int64(st, 1, thread);
	sq_bind_int64(st, 2, since);
	rc = store_step(st);
	if (rc == SQ_ROW) {
		*opts_r = dup_text(st, 0);
		sq_reset(st);
		return *opts_r
			   ? STORE_OK
			   : store_set_error(err, STORE_ETEMP, "out of memory");
	}
	sq_reset(st);
	if (rc != SQ_DONE)
		return store_fail_db(s, "reading a thread's options", err);
	return STORE_OK;
}
