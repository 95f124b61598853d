/*
 * NAME
 *	lease - leases on the rows of a queue: taken, ended, given back
 * DESCRIPTION
 *	The texts (queue.c) and the mail (mailq.c) wait in queues whose
 *	rows a gateway leases before it sends them, so that two gateways
 *	never send the same row and a crashed gateway's rows come back
 *	when its leases run out. A struct store_queue names a queue's
 *	statements and row shape; the SQL of leases (LEASE_* in db.c) is
 *	the same for both.
 */
#include <stdio.h>

#include "store/store_int.h"

/* take - lease one row read by store_lease_claim, in its transaction */
static int
take(struct store *s, const struct store_queue *q, const void *row,
     const char *holder, int64_t now, int64_t until, struct store_error *err)
{
	int64_t id = *(const int64_t *)((const char *)row + q->id_at);
	char what[64];
	sq *st;
	int rc;

	NEED(st, s, q->lease, err);
	sq_bind_int64(st, 1, id);
	sq_bind_text(st, 2, holder);
	sq_bind_int64(st, 3, until);
	if (sq_param_count(st) >= 4)
		sq_bind_int64(st, 4, now);
	snprintf(what, sizeof(what), "leasing a %s", q->what);
	rc = store_exec(s, st, what, err);
	if (rc == STORE_OK && q->taken)
		rc = q->taken(s, id, holder, now, err);
	return rc;
}

/*
 * sync_level - run a PRAGMA synchronous, parsed each time: SQLite sets
 * the level when it prepares the statement, so a kept one would do it
 * once only
 */
static bool
sync_level(struct store *s, const char *pragma)
{
	return sq_exec(s, pragma) == SQ_OK;
}

/*
 * restore_sync - synchronous FULL again after a lazy claim; if SQLite
 * refuses, the store remembers, and its next transaction sets it
 * before it begins (or fails), so no commit is made at the lower level
 */
static void
restore_sync(struct store *s)
{
	s->sync_lowered = !sync_level(s, "PRAGMA synchronous = FULL");
}

/* store_lease_claim - lease up to max due rows of q to holder */
int
store_lease_claim(struct store *s, const struct store_queue *q,
		  const char *holder, int64_t now, int64_t seconds,
		  unsigned max, void **rows_r, unsigned *n_r,
		  struct store_error *err)
{
	sq *st;
	unsigned i;
	bool lazy;
	int rc;

	*rows_r = NULL;
	*n_r = 0;
	if (max == 0)
		return STORE_OK;
	/*
	 * A claim is not worth a disk sync: lost in a power cut, its rows
	 * are due again (as when its lease ends), and the next commit
	 * that syncs (WAL: in order) writes it down with its own
	 */
	lazy = !s->pg && s->sync == STORE_SYNC_FULL && sq_autocommit(s) &&
	       sync_level(s, "PRAGMA synchronous = NORMAL");
	rc = store_begin(s, err);
	if (rc != STORE_OK) {
		if (lazy)
			restore_sync(s);
		return rc;
	}
	/* (not on PostgreSQL: its server may fail, or fail over, on its
	   own, after the gateway sent what it claimed) */
	st = stmt(s, q->due, err);
	rc = st ? STORE_OK : (err ? err->status : STORE_EPERM);
	if (rc == STORE_OK) {
		sq_bind_int64(st, 1, now);
		sq_bind_int(st, 2, (int)max);
		rc = store_rows_owned(s, st, q->size, q->fill, q->owned_at,
				      rows_r, n_r, err);
	}
	for (i = 0; rc == STORE_OK && i < *n_r; i++)
		rc = take(s, q, (const char *)*rows_r + (size_t)i * q->size,
			  holder, now, now + seconds, err);
	if (rc == STORE_OK)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	if (lazy)
		restore_sync(s);
	if (rc != STORE_OK) {
		store_rows_free(*rows_r, q->size, q->owned_at, *n_r);
		*rows_r = NULL;
		*n_r = 0;
	}
	return rc;
}

/* store_lease_ending - a lease-ending statement with id and holder bound */
sq *
store_lease_ending(struct store *s, enum stmt_id end, int64_t id,
		   const char *holder, struct store_error *err)
{
	sq *st = stmt(s, end, err);

	if (st) {
		sq_bind_int64(st, 1, id);
		sq_bind_text(st, 2, holder);
	}
	return st;
}

/* store_lease_end - run it; STORE_ELEASE when the lease is not ours */
int
store_lease_end(struct store *s, const struct store_queue *q, sq *st,
		int64_t id, struct store_error *err)
{
	char what[64];
	int rc;

	snprintf(what, sizeof(what), "updating the %s", q->what);
	rc = store_exec(s, st, what, err);
	if (rc == STORE_OK && sq_changes(s) == 0)
		return store_set_error(err, STORE_ELEASE,
				       "%s %lld is not leased to us (any more)",
				       q->what, (long long)id);
	return rc;
}

/* store_lease_release - give back every lease holder has on q */
int
store_lease_release(struct store *s, const struct store_queue *q,
		    const char *holder, unsigned *n_r, struct store_error *err)
{
	char what[64];
	sq *st;
	int rc;

	if (n_r)
		*n_r = 0;
	NEED(st, s, q->release, err);
	sq_bind_text(st, 1, holder);
	snprintf(what, sizeof(what), "giving back %s leases", q->what);
	rc = store_exec(s, st, what, err);
	if (rc == STORE_OK && n_r)
		*n_r = (unsigned)sq_changes(s);
	return rc;
}

/* fill_holder - one lease holder's name */
static void
fill_holder(sq *st, void *p)
{
	copy_text(st, 0, p, STORE_HOLDER_MAX);
}

/* store_lease_holders - who holds leases on texts or mail, by prefix */
int
store_lease_holders(struct store *s, const char *prefix,
		    char (**holders_r)[STORE_HOLDER_MAX], unsigned *n_r,
		    struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_LEASE_HOLDERS, err);
	sq_bind_text(st, 1, prefix);
	return store_rows(s, st, STORE_HOLDER_MAX, fill_holder,
			  (void **)holders_r, n_r, err);
}
