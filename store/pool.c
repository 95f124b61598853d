/*
 * NAME
 *	pool - leases of SenderPool numbers
 * DESCRIPTION
 *	One row per (phone, number): who holds it and when it was last
 *	renewed. Taking a lease reads the phone's rows and writes one in
 *	one IMMEDIATE transaction, so two processes leasing for the same
 *	phone at once are serialized by the database and never give two
 *	live conversations the same pair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* a lease renewed this recently is not written again (seconds) */
#define RENEW_SLACK 60

/* in_pool - number is one of the pool's */
static bool
in_pool(const struct store_pool_opts *o, const char *number)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->numbers[i], number) == 0)
			return true;
	return false;
}

/* fill_lease - a struct store_pool_lease from a row */
static void
fill_lease(sqlite3_stmt *st, void *p)
{
	struct store_pool_lease *l = p;

	copy_text(st, 0, l->phone, sizeof(l->phone));
	copy_text(st, 1, l->number, sizeof(l->number));
	copy_text(st, 2, l->owner, sizeof(l->owner));
	l->created = sqlite3_column_int64(st, 3);
	l->renewed = sqlite3_column_int64(st, 4);
}

/* fill_phone_row - number, owner and renewal of a row of ST_POOL_PHONE */
static void
fill_phone_row(sqlite3_stmt *st, void *p)
{
	struct store_pool_lease *l = p;

	memset(l, 0, sizeof(*l));
	copy_text(st, 0, l->number, sizeof(l->number));
	copy_text(st, 1, l->owner, sizeof(l->owner));
	l->renewed = sqlite3_column_int64(st, 2);
}

/* phone_rows - every row of phone; free() *rows */
static int
phone_rows(struct store *s, const char *phone, struct store_pool_lease **rows,
	   unsigned *n, struct store_error *err)
{
	sqlite3_stmt *st;

	NEED(st, s, ST_POOL_PHONE, err);
	bind_text(st, 1, phone);
	return store_rows(s, st, sizeof(**rows), fill_phone_row, (void **)rows,
			  n, err);
}

/* live - l is live at now */
static bool
live(const struct store_pool_opts *o, const struct store_pool_lease *l,
     int64_t now)
{
	return l->renewed > now - o->idle;
}

/* row_of - the row of number among rows, or NULL */
static const struct store_pool_lease *
row_of(const struct store_pool_lease *rows, unsigned n, const char *number)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].number, number) == 0)
			return &rows[i];
	return NULL;
}

/* choose - the lease owner gets with phone; false when none is free */
static bool
choose(const struct store_pool_opts *o, const char *owner, const char *phone,
       const struct store_pool_lease *rows, unsigned n, int64_t now,
       char number[40], char *evicted)
{
	const struct store_pool_lease *mine = NULL, *best = NULL, *r;
	unsigned nlive = 0, i;
	size_t k, start = 0;
	const char *fresh = NULL;

	for (i = 0; i < n; i++) {
		if (!in_pool(o, rows[i].number))
			continue;
		if (live(o, &rows[i], now)) {
			nlive++;
			if (strcmp(rows[i].owner, owner) == 0) {
				snprintf(number, 40, "%s", rows[i].number);
				return true;
			}
		} else if (strcmp(rows[i].owner, owner) == 0 &&
			   (!mine || rows[i].renewed > mine->renewed)) {
			mine = &rows[i];
		}
	}
	if (nlive < o->max) {
		if (mine) { /* the number this conversation had last */
			snprintf(number, 40, "%s", mine->number);
			return true;
		}
		/* spread phones over the pool: start where phone hashes */
		for (k = 0; phone[k]; k++)
			start = start * 31 + (unsigned char)phone[k];
		for (k = 0; k < o->n; k++) {
			const char *num = o->numbers[(start + k) % o->n];

			r = row_of(rows, n, num);
			if (!r) {
				fresh = num;
				break;
			}
			if (!live(o, r, now) &&
			    (!best || r->renewed < best->renewed))
				best = r;
		}
		if (fresh || best) {
			snprintf(number, 40, "%s",
				 fresh ? fresh : best->number);
			return true;
		}
	}
	if (!o->recycle)
		return false;
	for (i = 0; i < n; i++)
		if (in_pool(o, rows[i].number) && live(o, &rows[i], now) &&
		    (!best || rows[i].renewed < best->renewed))
			best = &rows[i];
	if (!best)
		return false;
	snprintf(number, 40, "%s", best->number);
	if (evicted)
		snprintf(evicted, 256, "%s", best->owner);
	return true;
}

/* store_pool_take - owner's number with phone, leased or renewed */
int
store_pool_take(struct store *s, const char *owner, const char *phone,
		const struct store_pool_opts *o, int64_t now, char number_r[40],
		char *evicted_r, struct store_error *err)
{
	struct store_pool_lease *rows = NULL;
	const struct store_pool_lease *had;
	sqlite3_stmt *st;
	unsigned n = 0, i;
	int rc;

	number_r[0] = '\0';
	if (evicted_r)
		evicted_r[0] = '\0';
	if (o->n == 0)
		return store_set_error(err, STORE_EPERM, "the pool is empty");
	/* a live lease renewed within the minute: no write at all */
	if ((rc = phone_rows(s, phone, &rows, &n, err)) != STORE_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].owner, owner) == 0 &&
		    in_pool(o, rows[i].number) && live(o, &rows[i], now) &&
		    rows[i].renewed >= now - RENEW_SLACK) {
			snprintf(number_r, 40, "%s", rows[i].number);
			free(rows);
			return STORE_OK;
		}
	free(rows);
	rows = NULL;
	n = 0;
	if ((rc = store_begin(s, err)) != STORE_OK)
		return rc;
	if ((rc = phone_rows(s, phone, &rows, &n, err)) != STORE_OK)
		goto fail;
	if (!choose(o, owner, phone, rows, n, now, number_r, evicted_r)) {
		free(rows);
		store_rollback(s);
		return store_set_error(err, STORE_EDUP,
				       "no pool number is free for this phone");
	}
	had = row_of(rows, n, number_r);
	if (had && strcmp(had->owner, owner) == 0 && live(o, had, now)) {
		if (!(st = stmt(s, ST_POOL_RENEW, err))) {
			rc = err->status;
			goto fail;
		}
		bind_text(st, 1, phone);
		bind_text(st, 2, number_r);
		sqlite3_bind_int64(st, 3, now);
	} else {
		if (!(st = stmt(s, ST_POOL_PUT, err))) {
			rc = err->status;
			goto fail;
		}
		bind_text(st, 1, phone);
		bind_text(st, 2, number_r);
		bind_text(st, 3, owner);
		sqlite3_bind_int64(st, 4, now);
	}
	free(rows);
	rows = NULL;
	if ((rc = store_exec(s, st, "leasing a pool number", err)) != STORE_OK)
		goto fail;
	return store_commit(s, err);
fail:
	free(rows);
	store_rollback(s);
	number_r[0] = '\0';
	return rc;
}

/* store_pool_room - may owner text phone from the pool */
int
store_pool_room(struct store *s, const char *owner, const char *phone,
		const struct store_pool_opts *o, int64_t now, bool *room_r,
		unsigned *live_r, struct store_error *err)
{
	struct store_pool_lease *rows = NULL;
	char number[40];
	unsigned n = 0, i;
	int rc;

	*room_r = false;
	*live_r = 0;
	if ((rc = phone_rows(s, phone, &rows, &n, err)) != STORE_OK)
		return rc;
	for (i = 0; i < n; i++)
		if (in_pool(o, rows[i].number) && live(o, &rows[i], now))
			(*live_r)++;
	*room_r =
	    o->n > 0 && choose(o, owner, phone, rows, n, now, number, NULL);
	free(rows);
	return STORE_OK;
}

/* store_pool_find - the lease of (phone, number) */
int
store_pool_find(struct store *s, const char *phone, const char *number,
		struct store_pool_lease *l, struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	NEED(st, s, ST_POOL_FIND, err);
	bind_text(st, 1, phone);
	bind_text(st, 2, number);
	rc = store_step(st);
	if (rc == SQLITE_ROW)
		fill_lease(st, l);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return store_set_error(err, STORE_ENOTFOUND,
				       "no lease of that number with that "
				       "phone");
	return store_fail_db(s, "reading a pool lease", err);
}

/* store_pool_renew - renew (phone, number) */
int
store_pool_renew(struct store *s, const char *phone, const char *number,
		 int64_t now, struct store_error *err)
{
	sqlite3_stmt *st;

	NEED(st, s, ST_POOL_RENEW, err);
	bind_text(st, 1, phone);
	bind_text(st, 2, number);
	sqlite3_bind_int64(st, 3, now);
	return store_exec(s, st, "renewing a pool lease", err);
}

/* store_pool_leases - leases renewed since since, filtered */
int
store_pool_leases(struct store *s, const char *phone, const char *owner,
		  const char *number, int64_t since,
		  struct store_pool_lease **leases_r, unsigned *n_r,
		  struct store_error *err)
{
	sqlite3_stmt *st;

	NEED(st, s, ST_POOL_LIST, err);
	bind_text(st, 1, phone);
	bind_text(st, 2, owner);
	bind_text(st, 3, number);
	sqlite3_bind_int64(st, 4, since);
	return store_rows(s, st, sizeof(**leases_r), fill_lease,
			  (void **)leases_r, n_r, err);
}

/* store_pool_release - end the lease of (phone, number) */
int
store_pool_release(struct store *s, const char *phone, const char *number,
		   struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	NEED(st, s, ST_POOL_RELEASE, err);
	bind_text(st, 1, phone);
	bind_text(st, 2, number);
	rc = store_exec(s, st, "releasing a pool lease", err);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		return store_set_error(err, STORE_ENOTFOUND,
				       "no lease of that number with that "
				       "phone");
	return rc;
}
