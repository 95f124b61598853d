/*
 * NAME
 *	apikeys - keys of the send API
 * DESCRIPTION
 *	One row per key: its owner, a label, the hex SHA-256 of its token
 *	(the token itself is never stored), a hint, and when it was made
 *	and last used. A revoked key keeps its row, for the record, and
 *	is found no more.
 *
 *	Every request of the API finds its key by hash and says it was
 *	used. That second step writes only when the stored time is over a
 *	minute old: a key in steady use costs a read per request, which
 *	never waits for the write lock, and a write a minute.
 */
#include <string.h>

#include "store/store_int.h"

/* fill_apikey - a struct store_apikey from APIKEY_COLS (db.c) */
static void
fill_apikey(sq *st, void *p)
{
	struct store_apikey *k = p;

	k->id = sq_column_int64(st, 0);
	copy_text(st, 1, k->owner, sizeof(k->owner));
	copy_text(st, 2, k->name, sizeof(k->name));
	copy_text(st, 3, k->hint, sizeof(k->hint));
	k->created = sq_column_int64(st, 4);
	k->last_used = sq_column_int64(st, 5);
	k->revoked = sq_column_int64(st, 6) != 0;
}

/* store_apikey_add - a new key */
int
store_apikey_add(struct store *s, const char *owner, const char *name,
		 const char *hash, const char *hint, int64_t now, int64_t *id_r,
		 struct store_error *err)
{
	sq *st;
	int rc;

	if (!owner || !*owner || !hash || !*hash || !hint)
		return store_set_error(err, STORE_EPERM,
				       "an API key needs an owner, a hash "
				       "and a hint");
	NEED(st, s, ST_APIKEY_ADD, err);
	sq_bind_text(st, 1, owner);
	sq_bind_text(st, 2, name);
	sq_bind_text(st, 3, hash);
	sq_bind_text(st, 4, hint);
	sq_bind_int64(st, 5, now);
	rc = store_insert(s, st, "adding an API key", err);
	if (rc == STORE_EDUP)
		return store_set_error(err, STORE_EDUP,
				       "an API key with that token exists "
				       "already");
	if (rc == STORE_OK)
		*id_r = sq_last_id(s);
	return rc;
}

/* store_apikey_find - the live key of a token's hash */
int
store_apikey_find(struct store *s, const char *hash, struct store_apikey *k,
		  struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_APIKEY_FIND, err);
	sq_bind_text(st, 1, hash);
	rc = store_step(st);
	if (rc == SQ_ROW) {
		memset(k, 0, sizeof(*k));
		fill_apikey(st, k);
	}
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND,
				       "no such API key, or it was revoked");
	return store_fail_db(s, "finding an API key", err);
}

/* store_apikey_used - record a use, at most once a minute */
int
store_apikey_used(struct store *s, int64_t id, int64_t now,
		  struct store_error *err)
{
	sq *st;
	int64_t last = 0;
	int rc;

	/* a read first: within the minute, no write lock at all */
	NEED(st, s, ST_APIKEY_LAST_USED, err);
	sq_bind_int64(st, 1, id);
	rc = store_step(st);
	if (rc == SQ_ROW)
		last = sq_column_int64(st, 0);
	sq_reset(st);
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND, "no API key %lld",
				       (long long)id);
	if (rc != SQ_ROW)
		return store_fail_db(s, "reading an API key", err);
	if (last >= now - STORE_APIKEY_SLACK)
		return STORE_OK;
	/* the same test again: another process may have written it */
	NEED(st, s, ST_APIKEY_USED, err);
	sq_bind_int64(st, 1, id);
	sq_bind_int64(st, 2, now);
	sq_bind_int64(st, 3, now - STORE_APIKEY_SLACK);
	return store_exec(s, st, "recording the use of an API key", err);
}

/* store_apikeys - the keys of owner, or everyone's */
int
store_apikeys(struct store *s, const char *owner, struct store_apikey **keys_r,
	      unsigned *n_r, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_APIKEYS, err);
	sq_bind_text(st, 1, owner);
	return store_rows(s, st, sizeof(**keys_r), fill_apikey, (void **)keys_r,
			  n_r, err);
}

/* store_apikey_revoke - a live key revoked */
int
store_apikey_revoke(struct store *s, int64_t id, const char *owner,
		    struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_APIKEY_REVOKE, err);
	sq_bind_int64(st, 1, id);
	sq_bind_text(st, 2, owner);
	rc = store_exec(s, st, "revoking an API key", err);
	if (rc != STORE_OK || sq_changes(s) > 0)
		return rc;
	if (owner)
		return store_set_error(err, STORE_ENOTFOUND,
				       "%s has no live API key %lld", owner,
				       (long long)id);
	return store_set_error(err, STORE_ENOTFOUND, "no live API key %lld",
			       (long long)id);
}
