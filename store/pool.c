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
fill_lease(sq *st, void *p)
{
	struct store_pool_lease *l = p;

	copy_text(st, 0, l->phone, sizeof(l->phone));
	copy_text(st, 1, l->number, sizeof(l->number));
	copy_text(st, 2, l->owner, sizeof(l->owner));
	l->created = sq_column_int64(st, 3);
	l->renewed = sq_column_int64(st, 4);
}

/* fill_phone_row - number, owner and renewal of a row of ST_POOL_PHONE */
static void
fill_phone_row(sq *st, void *p)
{
	struct store_pool_lease *l = p;

	memset(l, 0, sizeof(*l));
	copy_text(st, 0, l->number, sizeof(l->number));
	copy_text(st, 1, l->owner, sizeof(l->owner));
	l->renewed = sq_column_int64(st, 2);
}

/* phone_rows - every row of phone; free() *rows */
static int
phone_rows(struct store *s, const char *phone, struct store_pool_lease **rows,
	   unsigned *n, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_POOL_PHONE, err);
	sq_bind_text(st, 1, phone);
	return store_rows(s, st, sizeof(**rows), fill_phone_row, (void **)rows,
			  n, err);
}

/* held - l's number still routes answers to its owner (LeaseGrace) */
static bool
held(const struct store_pool_opts *o, const struct store_pool_lease *l,
     int64_t now)
{
	return l->renewed > now - o->idle - o->grace;
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

/* The numbers a phone opted out of (OptOutScope number). */
struct blocked {
	char (*v)[40];
	unsigned n;
};

/* fill_scope - one opted-out number */
static void
fill_scope(sq *st, void *p)
{
	copy_text(st, 0, p, 40);
}

/* blocked_of - the numbers phone opted out of; free() b->v */
static int
blocked_of(struct store *s, const char *phone, struct blocked *b,
	   struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_OPTOUT_SCOPES, err);
	sq_bind_text(st, 1, phone);
	return store_rows(s, st, 40, fill_scope, (void **)&b->v, &b->n, err);
}

/* is_blocked - phone opted out of number */
static bool
is_blocked(const struct blocked *b, const char *number)
{
	unsigned i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->v[i], number) == 0)
			return true;
	return false;
}

/*
 * choose - the lease owner gets with phone; false when none is free. A
 * number the phone opted out of is never given to a conversation
 * afresh (a live lease on one stays: the caller's opt-out check refuses
 * it, saying why).
 */
static bool
choose(const struct store_pool_opts *o, const char *owner, const char *phone,
       const struct store_pool_lease *rows, unsigned n, const struct blocked *b,
       int64_t now, char number[40], char *evicted)
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
			   !is_blocked(b, rows[i].number) &&
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

			if (is_blocked(b, num))
				continue;
			r = row_of(rows, n, num);
			if (!r) {
				fresh = num;
				break;
			}
			/* a number in its grace answers to its last owner */
			if (!held(o, r, now) &&
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
		if (in_pool(o, rows[i].number) && held(o, &rows[i], now) &&
		    !is_blocked(b, rows[i].number) &&
		    (!best || rows[i].renewed < best->renewed))
			best = &rows[i];
	if (!best)
		return false;
	snprintf(number, 40, "%s", best->number);
	if (evicted)
		snprintf(evicted, 256, "%s", best->owner);
	return true;
}

/*
 * renewed_lately - owner's live lease with phone, when renewed within
 * RENEW_SLACK: its number, read only; STORE_ENOTFOUND otherwise
 */
static int
renewed_lately(struct store *s, const char *owner, const char *phone,
	       const struct store_pool_opts *o, int64_t now, char number_r[40],
	       struct store_error *err)
{
	struct store_pool_lease l = {0};
	sq *st;
	int rc;

	NEED(st, s, ST_POOL_MINE, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, owner);
	rc = store_step(st); /* the most recently renewed first */
	if (rc == SQ_ROW) {
		copy_text(st, 0, l.number, sizeof(l.number));
		l.renewed = sq_column_int64(st, 1);
	}
	sq_reset(st);
	if (rc != SQ_ROW && rc != SQ_DONE)
		return store_fail_db(s, "reading pool leases", err);
	if (rc != SQ_ROW || !in_pool(o, l.number) || !live(o, &l, now) ||
	    l.renewed < now - RENEW_SLACK)
		return STORE_ENOTFOUND;
	snprintf(number_r, 40, "%s", l.number);
	return STORE_OK;
}

/* put - lease (phone, number) to owner afresh, as of now */
static int
put(struct store *s, const char *phone, const char *number, const char *owner,
    int64_t now, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_POOL_PUT, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, number);
	sq_bind_text(st, 3, owner);
	sq_bind_int64(st, 4, now);
	return store_exec(s, st, "leasing a pool number", err);
}

/* store_pool_take - owner's number with phone, leased or renewed */
int
store_pool_take(struct store *s, const char *owner, const char *phone,
		const struct store_pool_opts *o, int64_t now, char number_r[40],
		char *evicted_r, struct store_error *err)
{
	struct store_pool_lease *rows = NULL;
	const struct store_pool_lease *had;
	struct blocked b = {NULL, 0};
	unsigned n = 0;
	bool ok, mine;
	int rc;

	number_r[0] = '\0';
	if (evicted_r)
		evicted_r[0] = '\0';
	if (o->n == 0)
		return store_set_error(err, STORE_EPERM, "the pool is empty");
	/* a live lease renewed within the minute: no write at all */
	if ((rc = renewed_lately(s, owner, phone, o, now, number_r, err)) !=
	    STORE_ENOTFOUND)
		return rc;
	if ((rc = store_begin(s, err)) != STORE_OK)
		return rc;
	if ((rc = store_lock(s, "pool", phone, err)) != STORE_OK ||
	    (rc = phone_rows(s, phone, &rows, &n, err)) != STORE_OK ||
	    (rc = blocked_of(s, phone, &b, err)) != STORE_OK)
		goto fail;
	ok = choose(o, owner, phone, rows, n, &b, now, number_r, evicted_r);
	free(b.v);
	b.v = NULL;
	if (!ok) {
		free(rows);
		store_rollback(s);
		return store_set_error(err, STORE_EDUP,
				       "no pool number is free for this phone");
	}
	had = row_of(rows, n, number_r);
	mine = had && strcmp(had->owner, owner) == 0 && live(o, had, now);
	free(rows);
	rows = NULL;
	rc = mine ? store_pool_renew(s, phone, number_r, now, err)
		  : put(s, phone, number_r, owner, now, err);
	if (rc != STORE_OK)
		goto fail;
	return store_commit(s, err);
fail:
	free(rows);
	free(b.v);
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
	struct blocked b = {NULL, 0};
	char number[40];
	unsigned n = 0, i;
	int rc;

	*room_r = false;
	*live_r = 0;
	if ((rc = phone_rows(s, phone, &rows, &n, err)) != STORE_OK)
		return rc;
	if ((rc = blocked_of(s, phone, &b, err)) != STORE_OK) {
		free(rows);
		return rc;
	}
	for (i = 0; i < n; i++) /* live, or within their grace */
		if (in_pool(o, rows[i].number) && held(o, &rows[i], now))
			(*live_r)++;
	*room_r =
	    o->n > 0 && choose(o, owner, phone, rows, n, &b, now, number, NULL);
	free(rows);
	free(b.v);
	return STORE_OK;
}

/* store_pool_find - the lease of (phone, number) */
int
store_pool_find(struct store *s, const char *phone, const char *number,
		struct store_pool_lease *l, struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_POOL_FIND, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, number);
	rc = store_step(st);
	if (rc == SQ_ROW)
		fill_lease(st, l);
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
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
	sq *st;

	NEED(st, s, ST_POOL_RENEW, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, number);
	sq_bind_int64(st, 3, now);
	return store_exec(s, st, "renewing a pool lease", err);
}

/* store_pool_leases - leases renewed since since, filtered */
int
store_pool_leases(struct store *s, const char *phone, const char *owner,
		  const char *number, int64_t since,
		  struct store_pool_lease **leases_r, unsigned *n_r,
		  struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_POOL_LIST, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, owner);
	sq_bind_text(st, 3, number);
	sq_bind_int64(st, 4, since);
	return store_rows(s, st, sizeof(**leases_r), fill_lease,
			  (void **)leases_r, n_r, err);
}

/* store_pool_release - end the lease of (phone, number) */
int
store_pool_release(struct store *s, const char *phone, const char *number,
		   struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_POOL_RELEASE, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, number);
	rc = store_exec(s, st, "releasing a pool lease", err);
	if (rc == STORE_OK && sq_changes(s) == 0)
		return store_set_error(err, STORE_ENOTFOUND,
				       "no lease of that number with that "
				       "phone");
	return rc;
}

/* stat_of - the entry of number in *v (added when new), or NULL */
static struct store_number_stat *
stat_of(struct store_number_stat **v, unsigned *n, const char *number)
{
	struct store_number_stat *bigger;
	unsigned i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].number, number) == 0)
			return &(*v)[i];
	if (!(bigger = realloc(*v, (*n + 1) * sizeof(**v))))
		return NULL;
	*v = bigger;
	memset(&(*v)[*n], 0, sizeof(**v));
	snprintf((*v)[*n].number, sizeof((*v)[*n].number), "%s", number);
	return &(*v)[(*n)++];
}

/* store_number_stats - traffic and live leases per number */
int
store_number_stats(struct store *s, int64_t since, int64_t live_since,
		   struct store_number_stat **stats_r, unsigned *n_r,
		   struct store_error *err)
{
	struct store_number_stat *x;
	sq *st;
	char number[40];
	int rc, pass;

	*stats_r = NULL;
	*n_r = 0;
	for (pass = 0; pass < 2; pass++) {
		NEED(st, s, pass ? ST_NUMBER_LEASES : ST_NUMBER_TRAFFIC, err);
		sq_bind_int64(st, 1, pass ? live_since : since);
		while ((rc = store_step(st)) == SQ_ROW) {
			copy_text(st, 0, number, sizeof(number));
			if (!(x = stat_of(stats_r, n_r, number))) {
				sq_reset(st);
				free(*stats_r);
				*stats_r = NULL;
				*n_r = 0;
				return store_set_error(err, STORE_ETEMP,
						       "out of memory");
			}
			if (pass)
				x->leases = (unsigned)sq_column_int(st, 1);
			else {
				x->out = (unsigned long)sq_column_int64(st, 1);
				x->in = (unsigned long)sq_column_int64(st, 2);
			}
		}
		if (rc != SQ_DONE) {
			rc = store_fail_db(s, "counting per number", err);
			sq_reset(st);
			free(*stats_r);
			*stats_r = NULL;
			*n_r = 0;
			return rc;
		}
		sq_reset(st);
	}
	return STORE_OK;
}
