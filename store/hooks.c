/*
 * NAME
 *	hooks - event hooks to URLs: a queue with leases
 * DESCRIPTION
 *	A text from a phone or a final receipt becomes one row of hooks
 *	per URL that wants it, queued in the caller's unit so that it is
 *	as durable as the text. The gateway's hook thread leases due rows
 *	(lease.c) and ends each lease: delivered, pending again later, or
 *	given up. Unlike the text and mail queues, a leased hook stays in
 *	state 0 (pending): the lease is lease_owner with lease_until in
 *	the future, so that the state says only what became of the event.
 *	Each hook has a hid, "EV" and 32 hex digits from getrandom(), the
 *	id the receiver sees on every try.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "store/store_int.h"

/* store_hook_hid - "EV" and 32 hex digits of randomness into hid */
int
store_hook_hid(char hid[STORE_HID_SIZE], struct store_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	size_t got = 0, i;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0)
			return store_set_error(err, STORE_ETEMP,
					       "getrandom failed");
		got += (size_t)n;
	}
	hid[0] = 'E';
	hid[1] = 'V';
	for (i = 0; i < sizeof(r); i++) {
		hid[2 + 2 * i] = hex[r[i] >> 4];
		hid[3 + 2 * i] = hex[r[i] & 15];
	}
	hid[STORE_HID_SIZE - 1] = '\0';
	return STORE_OK;
}

/* store_hook_add - queue a hook */
int
store_hook_add(struct store *s, const struct store_hook_out *h, int64_t now,
	       int64_t *id_r, char hid_r[STORE_HID_SIZE],
	       struct store_error *err)
{
	char hid[STORE_HID_SIZE];
	sq *st;
	int rc;

	if (!h->owner || !h->event || !h->url || !h->method)
		return store_set_error(err, STORE_EPERM,
				       "a hook needs an owner, an event, a URL "
				       "and a method");
	if (strlen(h->url) > STORE_URL_MAX)
		return store_set_error(err, STORE_EPERM,
				       "a hook URL of %zu bytes is over %d",
				       strlen(h->url), STORE_URL_MAX);
	if (h->hid && strlen(h->hid) == STORE_HID_SIZE - 1)
		memcpy(hid, h->hid, STORE_HID_SIZE);
	else if ((rc = store_hook_hid(hid, err)) != STORE_OK)
		return rc;
	NEED(st, s, ST_HOOK_ADD, err);
	sq_bind_text(st, 1, hid);
	sq_bind_text(st, 2, h->owner);
	sq_bind_text(st, 3, h->event);
	if (h->message_id)
		sq_bind_int64(st, 4, h->message_id);
	sq_bind_text(st, 5, h->url);
	sq_bind_text(st, 6, h->method);
	sq_bind_text(st, 7, h->content_type);
	if (h->body)
		sq_bind_blob(st, 8, h->body, h->len);
	sq_bind_int(st, 9, h->expect_ok ? 1 : 0);
	sq_bind_int64(st, 10, now);
	sq_bind_int(st, 11, h->per_text ? 1 : 0);
	rc = store_exec(s, st, "queueing a hook", err);
	if (rc != STORE_OK)
		return rc;
	if (id_r)
		*id_r = sq_last_id(s);
	if (hid_r)
		memcpy(hid_r, hid, STORE_HID_SIZE);
	return STORE_OK;
}

/* fill_hook - a struct store_hook from a row of HOOK_COLS */
static void
fill_hook(sq *st, void *p)
{
	struct store_hook *h = p;
	const void *blob = sq_column_blob(st, 15);

	h->id = sq_column_int64(st, 0);
	copy_text(st, 1, h->hid, sizeof(h->hid));
	copy_text(st, 2, h->owner, sizeof(h->owner));
	copy_text(st, 3, h->event, sizeof(h->event));
	h->message_id = sq_column_int64(st, 4);
	copy_text(st, 5, h->url, sizeof(h->url));
	copy_text(st, 6, h->method, sizeof(h->method));
	copy_text(st, 7, h->content_type, sizeof(h->content_type));
	h->expect_ok = sq_column_int(st, 8) != 0;
	h->attempts = (unsigned)sq_column_int(st, 9);
	h->created = sq_column_int64(st, 10);
	h->state = (enum store_hook_state)sq_column_int(st, 11);
	h->due = sq_column_int64(st, 12);
	h->updated = sq_column_int64(st, 13);
	copy_text(st, 14, h->last_error, sizeof(h->last_error));
	h->per_text = sq_column_int(st, 16) != 0;
	h->len = (size_t)sq_column_bytes(st, 15);
	h->body = malloc(h->len + 1);
	if (h->body) {
		if (h->len)
			memcpy(h->body, blob, h->len);
		h->body[h->len] = '\0';
	}
}

/* The hook queue's leases. */
static const struct store_queue hooks = {
    .what = "hook",
    .due = ST_HOOK_DUE,
    .lease = ST_HOOK_LEASE,
    .release = ST_HOOK_RELEASE,
    .size = sizeof(struct store_hook),
    .id_at = offsetof(struct store_hook, id),
    .owned_at = offsetof(struct store_hook, body),
    .fill = fill_hook,
    .taken = NULL,
};

/* store_hook_claim - lease due hooks */
int
store_hook_claim(struct store *s, const char *holder, int64_t now,
		 int64_t lease_seconds, unsigned max,
		 struct store_hook **hooks_r, unsigned *n_r,
		 struct store_error *err)
{
	unsigned i;
	int rc = store_lease_claim(s, &hooks, holder, now, lease_seconds, max,
				   (void **)hooks_r, n_r, err);

	/* the rows were read before their leases counted this try */
	for (i = 0; rc == STORE_OK && i < *n_r; i++)
		(*hooks_r)[i].attempts++;
	return rc;
}

/* store_hooks_free - free hooks */
void
store_hooks_free(struct store_hook **h, unsigned n)
{
	store_rows_free(*h, sizeof(**h), offsetof(struct store_hook, body), n);
	*h = NULL;
}

/* hook_end - end hook id's lease with statement end */
static int
hook_end(struct store *s, enum stmt_id end, int64_t id, const char *holder,
	 int64_t due, const char *error, int64_t now, struct store_error *err)
{
	sq *st = store_lease_ending(s, end, id, holder, err);

	if (!st)
		return err ? err->status : STORE_EPERM;
	switch (end) {
	case ST_HOOK_DONE: sq_bind_int64(st, 3, now); break;
	case ST_HOOK_RETRY:
		sq_bind_int64(st, 3, due);
		sq_bind_text(st, 4, error);
		sq_bind_int64(st, 5, now);
		break;
	default:
		sq_bind_text(st, 3, error);
		sq_bind_int64(st, 4, now);
		break;
	}
	return store_lease_end(s, &hooks, st, id, err);
}

/* store_hook_done - delivered */
int
store_hook_done(struct store *s, int64_t id, const char *holder, int64_t now,
		struct store_error *err)
{
	return hook_end(s, ST_HOOK_DONE, id, holder, 0, NULL, now, err);
}

/* store_hook_retry - pending again at due */
int
store_hook_retry(struct store *s, int64_t id, const char *holder, int64_t due,
		 const char *error, int64_t now, struct store_error *err)
{
	return hook_end(s, ST_HOOK_RETRY, id, holder, due, error, now, err);
}

/* store_hook_fail - given up */
int
store_hook_fail(struct store *s, int64_t id, const char *holder,
		const char *error, int64_t now, struct store_error *err)
{
	return hook_end(s, ST_HOOK_FAIL, id, holder, 0, error, now, err);
}

/* store_hook_release - give back the hooks leased to holder */
int
store_hook_release(struct store *s, const char *holder, unsigned *n_r,
		   struct store_error *err)
{
	return store_lease_release(s, &hooks, holder, n_r, err);
}

/* fill_holder - one lease holder's name */
static void
fill_holder(sq *st, void *p)
{
	copy_text(st, 0, p, STORE_HOLDER_MAX);
}

/* store_hook_holders - who holds hook leases, by prefix */
int
store_hook_holders(struct store *s, const char *prefix,
		   char (**holders_r)[STORE_HOLDER_MAX], unsigned *n_r,
		   struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_HOOK_HOLDERS, err);
	sq_bind_text(st, 1, prefix);
	return store_rows(s, st, STORE_HOLDER_MAX, fill_holder,
			  (void **)holders_r, n_r, err);
}

/* store_hooks - hooks of a state, newest first */
int
store_hooks(struct store *s, int state, unsigned limit,
	    struct store_hook **hooks_r, unsigned *n_r, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_HOOKS, err);
	sq_bind_int(st, 1, state);
	if (limit)
		sq_bind_int64(st, 2, (int64_t)limit);
	else if (!s->pg) /* no limit: SQLite's -1, PostgreSQL's NULL */
		sq_bind_int64(st, 2, -1);
	return store_rows_owned(s, st, sizeof(**hooks_r), fill_hook,
				offsetof(struct store_hook, body),
				(void **)hooks_r, n_r, err);
}

/* store_hook_retry_now - hook id is due now */
int
store_hook_retry_now(struct store *s, int64_t id, int64_t now,
		     struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_HOOK_RETRY_NOW, err);
	sq_bind_int64(st, 1, id);
	sq_bind_int64(st, 2, now);
	rc = store_exec(s, st, "retrying a hook", err);
	if (rc == STORE_OK && sq_changes(s) == 0)
		return store_set_error(err, STORE_ENOTFOUND,
				       "no hook %lld waits or was given up",
				       (long long)id);
	return rc;
}

/* store_hook_msg - what a hook says about text id */
int
store_hook_msg(struct store *s, int64_t id, struct store_hook_msg *m,
	       struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_HOOK_MSG, err);
	sq_bind_int64(st, 1, id);
	rc = store_step(st);
	if (rc == SQ_ROW) {
		copy_text(st, 0, m->owner, sizeof(m->owner));
		copy_text(st, 1, m->phone, sizeof(m->phone));
		copy_text(st, 2, m->sender, sizeof(m->sender));
		copy_text(st, 3, m->sid, sizeof(m->sid));
		copy_text(st, 4, m->external_id, sizeof(m->external_id));
		copy_text(st, 5, m->opts, sizeof(m->opts));
	}
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND, "no text %lld",
				       (long long)id);
	return store_fail_db(s, "reading a text", err);
}
