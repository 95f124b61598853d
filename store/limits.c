/*
 * NAME
 *	limits - rate windows and usage per billing cycle
 * DESCRIPTION
 *	The counters behind rate limits (fixed windows per scope and key,
 *	old windows pruned as new ones fill) and behind quotas and smsctl
 *	usage (messages and segments per sender per calendar month, UTC,
 *	counted when a text is queued).
 */
#include <limits.h>
#include <stdio.h>
#include <time.h>

#include "store/store_int.h"

/* rate_in_txn - the body of store_rate_hit */
static int
rate_in_txn(struct store *s, const char *scope, const char *key, int64_t start,
	    int64_t window, long long limit, bool *allowed_r,
	    struct store_error *err)
{
	sq *st;
	long long count = 0;
	int rc;

	rc = store_lock(s, scope, key, err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_RATE_GET, err);
	sq_bind_text(st, 1, scope);
	sq_bind_text(st, 2, key);
	sq_bind_int64(st, 3, start);
	rc = store_step(st);
	if (rc == SQ_ROW)
		count = sq_column_int64(st, 0);
	sq_reset(st);
	if (rc != SQ_ROW && rc != SQ_DONE)
		return store_fail_db(s, "reading a rate counter", err);
	*allowed_r = count < limit;
	if (!*allowed_r)
		return STORE_OK;
	NEED(st, s, ST_RATE_BUMP, err);
	sq_bind_text(st, 1, scope);
	sq_bind_text(st, 2, key);
	sq_bind_int64(st, 3, start);
	rc = store_exec(s, st, "counting", err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_RATE_PRUNE, err);
	sq_bind_text(st, 1, scope);
	sq_bind_text(st, 2, key);
	sq_bind_int64(st, 3, start - window);
	return store_exec(s, st, "pruning rate counters", err);
}

/* store_rate_bump - count one event, inside the caller's transaction */
int
store_rate_bump(struct store *s, const char *scope, const char *key,
		int64_t now, int64_t window, struct store_error *err)
{
	bool allowed;

	return rate_in_txn(s, scope, key, now - now % window, window, LLONG_MAX,
			   &allowed, err);
}

/* store_rate_count - the count of the current window, read only */
int
store_rate_count(struct store *s, const char *scope, const char *key,
		 int64_t now, int64_t window, long long *count_r,
		 int64_t *retry_r, struct store_error *err)
{
	int64_t start = window > 0 ? now - now % window : now;
	sq *st;
	int rc;

	if (window <= 0)
		return store_set_error(err, STORE_EPERM,
				       "a rate window must be positive");
	/* read for a decision in the caller's transaction: held till then */
	rc = store_lock(s, scope, key, err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_RATE_GET, err);
	sq_bind_text(st, 1, scope);
	sq_bind_text(st, 2, key);
	sq_bind_int64(st, 3, start);
	rc = store_step(st);
	*count_r = rc == SQ_ROW ? sq_column_int64(st, 0) : 0;
	sq_reset(st);
	if (rc != SQ_ROW && rc != SQ_DONE)
		return store_fail_db(s, "reading a rate counter", err);
	if (retry_r)
		*retry_r = start + window;
	return STORE_OK;
}

/* store_rate_hit - count an event if the window has room */
int
store_rate_hit(struct store *s, const char *scope, const char *key, int64_t now,
	       int64_t window, long long limit, bool *allowed_r,
	       int64_t *retry_r, struct store_error *err)
{
	int64_t start = window > 0 ? now - now % window : now;
	int rc;

	if (window <= 0)
		return store_set_error(err, STORE_EPERM,
				       "a rate window must be positive");
	rc = store_begin(s, err);
	if (rc != STORE_OK)
		return rc;
	rc = rate_in_txn(s, scope, key, start, window, limit, allowed_r, err);
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	if (retry_r)
		*retry_r = start + window;
	return store_commit(s, err);
}

/* store_cycle - the billing cycle of time t: its UTC month */
void
store_cycle(int64_t t, char cycle_r[8])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(cycle_r, 8, "%04u-%02u",
		 (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)(tm.tm_mon + 1) % 100u);
}

/* fill_usage - a struct store_usage from a row of ST_USAGE */
static void
fill_usage(sq *st, void *p)
{
	struct store_usage *u = p;

	copy_text(st, 0, u->sender, sizeof(u->sender));
	copy_text(st, 1, u->cycle, sizeof(u->cycle));
	u->messages = (unsigned)sq_column_int(st, 2);
	u->segments = (unsigned)sq_column_int(st, 3);
}

/* store_usage - usage rows */
int
store_usage(struct store *s, const char *cycle, const char *sender,
	    struct store_usage **usage_r, unsigned *n_r,
	    struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_USAGE, err);
	sq_bind_text(st, 1, cycle);
	sq_bind_text(st, 2, sender);
	return store_rows(s, st, sizeof(**usage_r), fill_usage,
			  (void **)usage_r, n_r, err);
}

/* store_usage_of - segments sender queued in the cycle of now */
int
store_usage_of(struct store *s, const char *sender, int64_t now,
	       unsigned *segments_r, struct store_error *err)
{
	sq *st;
	char cycle[8];
	int rc;

	rc = store_lock(s, "usage", sender, err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_USAGE_OF, err);
	store_cycle(now, cycle);
	sq_bind_text(st, 1, sender);
	sq_bind_text(st, 2, cycle);
	rc = store_step(st);
	*segments_r = rc == SQ_ROW ? (unsigned)sq_column_int(st, 0) : 0;
	sq_reset(st);
	if (rc != SQ_ROW && rc != SQ_DONE)
		return store_fail_db(s, "reading usage", err);
	return STORE_OK;
}

/* store_usage_add - count a message of segments for sender this cycle */
int
store_usage_add(struct store *s, const char *sender, unsigned segments,
		int64_t now, struct store_error *err)
{
	sq *st = stmt(s, ST_USAGE_ADD, err);
	char cycle[8];

	if (!st)
		return err ? err->status : STORE_EPERM;
	store_cycle(now, cycle);
	sq_bind_text(st, 1, sender);
	sq_bind_text(st, 2, cycle);
	sq_bind_int(st, 3, (int)segments);
	return store_exec(s, st, "counting usage", err);
}
