/*
 * NAME
 *	inbound - texts from phones: de-duplication, reassembly, record
 * DESCRIPTION
 *	The state the gateway keeps between texts: which provider ids it
 *	has seen (providers retry) and the parts of long texts that have
 *	come so far (kept in the store, so a restart loses none). Then a
 *	whole text is recorded in its thread: recording it, remembering
 *	the provider's id and queueing its mail are one transaction, so
 *	a provider that sends a text again finds it seen, and a crash
 *	loses neither the text nor its mail.
 *
 *	Texts answered on a link that may have lost the answer are
 *	remembered by fingerprint until the carrier proves it had the
 *	answer (store_unconfirmed_*): one that comes again on another
 *	link is the carrier's resend, not a new text.
 */
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

/* store_inbound_seen - remember a provider id */
int
store_inbound_seen(struct store *s, const char *provider,
		   const char *provider_id, int64_t now,
		   struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_SEEN_ADD, err);
	sq_bind_text(st, 1, provider);
	sq_bind_text(st, 2, provider_id);
	sq_bind_int64(st, 3, now);
	rc = store_insert(s, st, "recording an inbound id", err);
	if (rc == STORE_EDUP)
		return store_set_error(err, STORE_EDUP,
				       "%s message %s was seen already",
				       provider, provider_id);
	return rc;
}

/* bind_set - the (phone, ref, total) of a reassembly set */
static void
bind_set(sq *st, const char *phone, unsigned ref, unsigned total)
{
	sq_bind_text(st, 1, phone);
	sq_bind_int(st, 2, (int)ref);
	sq_bind_int(st, 3, (int)total);
}

/*
 * lock_set - the lock of a reassembly set until the transaction ends:
 * parts put and a set taken by gateways on several hosts, one after
 * the other
 */
static int
lock_set(struct store *s, const char *phone, unsigned ref, unsigned total,
	 struct store_error *err)
{
	char set[96];

	snprintf(set, sizeof(set), "%s/%u/%u", phone, ref, total);
	return store_lock(s, "reassembly", set, err);
}

/* store_reasm_put - keep one part */
int
store_reasm_put(struct store *s, const char *phone, unsigned ref,
		unsigned total, unsigned seq, const void *data, size_t len,
		int64_t now, unsigned *have_r, struct store_error *err)
{
	sq *st;
	int rc, put;

	if (seq < 1 || seq > total)
		return store_set_error(err, STORE_EPERM,
				       "part %u of %u is out of range", seq,
				       total);
	/* two gateways given two parts at once: one counts after the other */
	rc = lock_set(s, phone, ref, total, err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_REASM_ADD, err);
	bind_set(st, phone, ref, total);
	sq_bind_int(st, 4, (int)seq);
	sq_bind_blob(st, 5, data, len);
	sq_bind_int64(st, 6, now);
	put = store_insert(s, st, "keeping a part", err);
	if (put != STORE_OK && put != STORE_EDUP)
		return put;
	NEED(st, s, ST_REASM_COUNT, err);
	bind_set(st, phone, ref, total);
	rc = store_step(st);
	*have_r = rc == SQ_ROW ? (unsigned)sq_column_int(st, 0) : 0;
	sq_reset(st);
	if (rc != SQ_ROW)
		return store_fail_db(s, "counting parts", err);
	if (put == STORE_EDUP)
		return store_set_error(err, STORE_EDUP,
				       "part %u of %u came twice", seq, total);
	return STORE_OK;
}

/* fill_part - a struct store_part from a row of ST_REASM_GET */
static void
fill_part(sq *st, void *p)
{
	struct store_part *x = p;
	const void *blob = sq_column_blob(st, 1);

	x->seq = (unsigned)sq_column_int(st, 0);
	x->len = (size_t)sq_column_bytes(st, 1);
	x->data = malloc(x->len + 1);
	if (x->data && x->len)
		memcpy(x->data, blob, x->len);
}

/* store_parts_free - free parts */
void
store_parts_free(struct store_part **p, unsigned n)
{
	store_rows_free(*p, sizeof(**p), offsetof(struct store_part, data), n);
	*p = NULL;
}

/* store_reasm_take - remove a set's parts and return them */
int
store_reasm_take(struct store *s, const char *phone, unsigned ref,
		 unsigned total, struct store_part **parts_r, unsigned *n_r,
		 struct store_error *err)
{
	sq *st;
	int rc = store_begin(s, err);

	if (rc != STORE_OK)
		return rc;
	/* two sweeps at once: the second finds the set taken */
	if ((rc = lock_set(s, phone, ref, total, err)) != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	st = stmt(s, ST_REASM_GET, err);
	if (!st) {
		store_rollback(s);
		return err ? err->status : STORE_EPERM;
	}
	bind_set(st, phone, ref, total);
	rc = store_rows_owned(s, st, sizeof(**parts_r), fill_part,
			      offsetof(struct store_part, data),
			      (void **)parts_r, n_r, err);
	if (rc == STORE_OK && (st = stmt(s, ST_REASM_DEL, err)) != NULL) {
		bind_set(st, phone, ref, total);
		rc = store_exec(s, st, "removing parts", err);
	} else if (rc == STORE_OK) {
		rc = err ? err->status : STORE_EPERM;
	}
	if (rc == STORE_OK)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	if (rc != STORE_OK) {
		store_parts_free(parts_r, *n_r);
		*n_r = 0;
	}
	return rc;
}

/* fill_set - a struct store_reasm_set from a row of ST_REASM_STALE */
static void
fill_set(sq *st, void *p)
{
	struct store_reasm_set *x = p;

	copy_text(st, 0, x->phone, sizeof(x->phone));
	x->ref = (unsigned)sq_column_int(st, 1);
	x->total = (unsigned)sq_column_int(st, 2);
	x->have = (unsigned)sq_column_int(st, 3);
	x->first = sq_column_int64(st, 4);
}

/* store_reasm_stale - sets waiting since before `before` */
int
store_reasm_stale(struct store *s, int64_t before,
		  struct store_reasm_set **sets_r, unsigned *n_r,
		  struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_REASM_STALE, err);
	sq_bind_int64(st, 1, before);
	return store_rows(s, st, sizeof(**sets_r), fill_set, (void **)sets_r,
			  n_r, err);
}

/* add_in_unit - the body of store_inbound_add */
static int
add_in_unit(struct store *s, const struct store_inbound *in, int64_t now,
	    int64_t *id_r, int64_t *mail_id_r, struct store_error *err)
{
	char sid[STORE_SID_LEN + 1];
	sq *st;
	int rc;

	if (in->provider && in->provider_id && in->provider_id[0]) {
		rc = store_inbound_seen(s, in->provider, in->provider_id, now,
					err);
		if (rc != STORE_OK)
			return rc;
	}
	NEED(st, s, ST_MSG_IN_INSERT, err);
	sq_bind_int64(st, 1, in->thread_id);
	sq_bind_text(st, 2, in->message_id);
	sq_bind_text(st, 3, in->text);
	sq_bind_int(st, 4, in->encoding);
	sq_bind_int(st, 5, (int)in->segments);
	sq_bind_text(st, 6, in->provider_id);
	sq_bind_int64(st, 7, now);
	if (!store_sid_new("SM", sid))
		return store_set_error(err, STORE_ETEMP,
				       "no random bytes for a message id");
	sq_bind_text(st, 8, sid);
	rc = store_exec(s, st, "recording an inbound text", err);
	if (rc != STORE_OK)
		return rc;
	*id_r = sq_last_id(s);
	rc = store_event(s, *id_r, now, STORE_RECEIVED, in->provider, err);
	if (rc != STORE_OK)
		return rc;
	rc = store_thread_touch(s, in->thread_id, in->message_id, now, err);
	if (rc != STORE_OK || !in->mail.data)
		return rc;
	return store_mail_enqueue(s, in->mail.from, in->mail.rcpt,
				  in->mail.data, in->mail.len, now, mail_id_r,
				  err);
}

/* store_inbound_add - record a text from a phone and queue its mail */
int
store_inbound_add(struct store *s, const struct store_inbound *in, int64_t now,
		  int64_t *id_r, int64_t *mail_id_r, struct store_error *err)
{
	int64_t id = 0, mail_id = 0;
	int rc = store_unit_begin(s, err);

	if (rc != STORE_OK)
		return rc;
	rc = add_in_unit(s, in, now, &id, &mail_id, err);
	if (rc != STORE_OK) {
		store_unit_end(s, false, NULL);
		return rc;
	}
	rc = store_unit_end(s, true, err);
	if (rc == STORE_OK) {
		if (id_r)
			*id_r = id;
		if (mail_id_r)
			*mail_id_r = mail_id;
	}
	return rc;
}

/* store_unconfirmed_add - remember a text answered on session at mark */
int
store_unconfirmed_add(struct store *s, const char *fp, const char *session,
		      uint64_t mark, int64_t now, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_UNCONF_ADD, err);
	sq_bind_text(st, 1, fp);
	sq_bind_text(st, 2, session);
	sq_bind_int64(st, 3, (int64_t)mark);
	sq_bind_int64(st, 4, now);
	return store_exec(s, st, "recording an unconfirmed answer", err);
}

/* store_unconfirmed_take - move a matching text of another session here */
int
store_unconfirmed_take(struct store *s, const char *fp, const char *session,
		       uint64_t mark, int64_t since, int64_t now, bool *found_r,
		       struct store_error *err)
{
	sq *st;
	int rc;

	*found_r = false;
	NEED(st, s, ST_UNCONF_TAKE, err);
	sq_bind_text(st, 1, fp);
	sq_bind_text(st, 2, session);
	sq_bind_int64(st, 3, (int64_t)mark);
	sq_bind_int64(st, 4, now);
	sq_bind_int64(st, 5, since);
	rc = store_exec(s, st, "looking for a text sent again", err);
	if (rc == STORE_OK)
		*found_r = sq_changes(s) > 0;
	return rc;
}

/* store_unconfirmed_confirm - forget what session answered before mark */
int
store_unconfirmed_confirm(struct store *s, const char *session, uint64_t mark,
			  struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_UNCONF_CONFIRM, err);
	sq_bind_text(st, 1, session);
	sq_bind_int64(st, 2, (int64_t)mark);
	return store_exec(s, st, "forgetting confirmed answers", err);
}

/* store_unconfirmed_purge - forget texts answered before `before` */
int
store_unconfirmed_purge(struct store *s, int64_t before,
			struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_UNCONF_PURGE, err);
	sq_bind_int64(st, 1, before);
	return store_exec(s, st, "forgetting old unconfirmed answers", err);
}

/* store_inbox_put - keep a text in the inbox */
int
store_inbox_put(struct store *s, const struct store_raw *m,
		struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_INBOX_PUT, err);
	sq_bind_int64(st, 1, m->at);
	sq_bind_text(st, 2, m->from);
	sq_bind_text(st, 3, m->to);
	sq_bind_int(st, 4, m->data_coding);
	sq_bind_int(st, 5, (int)m->esm_class);
	/* "" for none: a NULL blob would break NOT NULL */
	sq_bind_blob_ref(st, 6, m->ud_len ? (const void *)m->ud : "",
			 m->ud_len);
	return store_exec(s, st, "keeping a text in the inbox", err);
}

/* fill_raw - a struct store_raw from a row of ST_INBOX_GET */
static void
fill_raw(sq *st, void *p)
{
	struct store_raw *x = p;
	size_t n = (size_t)sq_column_bytes(st, 6);

	x->id = sq_column_int64(st, 0);
	x->at = sq_column_int64(st, 1);
	copy_text(st, 2, x->from, sizeof(x->from));
	copy_text(st, 3, x->to, sizeof(x->to));
	x->data_coding = sq_column_int(st, 4);
	x->esm_class = (unsigned)sq_column_int(st, 5);
	x->ud_len = n;
	x->ud = malloc(n ? n : 1);
	if (x->ud && n)
		memcpy(x->ud, sq_column_blob(st, 6), n);
}

/* store_inbox_get - up to max texts after id `after` */
int
store_inbox_get(struct store *s, int64_t after, unsigned max,
		struct store_raw **v_r, unsigned *n_r, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_INBOX_GET, err);
	sq_bind_int64(st, 1, after);
	sq_bind_int64(st, 2, max);
	return store_rows_owned(s, st, sizeof(**v_r), fill_raw,
				offsetof(struct store_raw, ud), (void **)v_r,
				n_r, err);
}

/* store_raws_free - free what store_inbox_get gave */
void
store_raws_free(struct store_raw *v, unsigned n)
{
	store_rows_free(v, sizeof(*v), offsetof(struct store_raw, ud), n);
}

/* store_inbox_drop - forget the texts up to id upto */
int
store_inbox_drop(struct store *s, int64_t upto, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_INBOX_DROP, err);
	sq_bind_int64(st, 1, upto);
	return store_exec(s, st, "forgetting mailed texts of the inbox", err);
}

/* store_inbox_name - the inbox's name for itself, made at first use */
int
store_inbox_name(struct store *s, char name[33], struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_INBOX_NAME_GET, err);
	rc = store_step(st);
	if (rc == SQ_ROW)
		copy_text(st, 0, name, 33);
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc != SQ_DONE)
		return store_fail_db(s, "reading the inbox's name", err);
	if (!ut_random_hex("", 16, name, 33))
		return store_set_error(err, STORE_ETEMP,
				       "no random bytes for the inbox's name");
	NEED(st, s, ST_INBOX_NAME_SET, err);
	sq_bind_text(st, 1, name);
	return store_exec(s, st, "naming the inbox", err);
}

/* store_inbox_done - the last text of inbox `name` mailed */
int
store_inbox_done(struct store *s, const char *name, int64_t *last_r,
		 struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_INBOX_DONE_GET, err);
	sq_bind_text(st, 1, name);
	rc = store_step(st);
	*last_r = rc == SQ_ROW ? sq_column_int64(st, 0) : 0;
	sq_reset(st);
	return rc == SQ_ROW || rc == SQ_DONE
		   ? STORE_OK
		   : store_fail_db(s, "reading how far the inbox was mailed",
				   err);
}

/* store_inbox_done_set - with the mail of texts up to last */
int
store_inbox_done_set(struct store *s, const char *name, int64_t last,
		     struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_INBOX_DONE_SET, err);
	sq_bind_text(st, 1, name);
	sq_bind_int64(st, 2, last);
	return store_exec(s, st, "recording how far the inbox was mailed", err);
}

/* store_inbox_count - the texts the inbox holds, the oldest's, held */
int
store_inbox_count(struct store *s, unsigned *n_r, int64_t *oldest_r,
		  unsigned *held_r, struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_INBOX_COUNT, err);
	rc = store_step(st);
	*n_r = rc == SQ_ROW ? (unsigned)sq_column_int64(st, 0) : 0;
	*oldest_r = rc == SQ_ROW ? sq_column_int64(st, 1) : 0;
	*held_r = rc == SQ_ROW ? (unsigned)sq_column_int64(st, 2) : 0;
	sq_reset(st);
	return rc == SQ_ROW
		   ? STORE_OK
		   : store_fail_db(s, "counting the inbox's texts", err);
}

/* hold_in_unit - the body of store_inbox_hold */
static int
hold_in_unit(struct store *s, int64_t id, const char *reason,
	     struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_INBOX_HOLD, err);
	sq_bind_int64(st, 1, id);
	sq_bind_text(st, 2, reason);
	rc = store_exec(s, st, "setting a text of the inbox aside", err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_INBOX_DROP_ONE, err);
	sq_bind_int64(st, 1, id);
	return store_exec(s, st, "setting a text of the inbox aside", err);
}

/* store_inbox_hold - move text id aside, with reason, in one unit */
int
store_inbox_hold(struct store *s, int64_t id, const char *reason,
		 struct store_error *err)
{
	int rc = store_unit_begin(s, err);

	if (rc != STORE_OK)
		return rc;
	rc = hold_in_unit(s, id, reason, err);
	if (rc != STORE_OK) {
		store_unit_end(s, false, NULL);
		return rc;
	}
	return store_unit_end(s, true, err);
}

/* unhold_in_unit - the body of store_inbox_unhold */
static int
unhold_in_unit(struct store *s, struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_INBOX_UNHOLD, err);
	rc = store_exec(s, st, "taking back the texts set aside", err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_INBOX_HELD_DEL, err);
	return store_exec(s, st, "taking back the texts set aside", err);
}

/* store_inbox_unhold - the texts set aside back in the inbox */
int
store_inbox_unhold(struct store *s, unsigned *n_r, struct store_error *err)
{
	unsigned held = 0, n;
	int64_t oldest;
	int rc = store_inbox_count(s, &n, &oldest, &held, err);

	*n_r = 0;
	if (rc != STORE_OK || held == 0)
		return rc;
	if ((rc = store_unit_begin(s, err)) != STORE_OK)
		return rc;
	if ((rc = unhold_in_unit(s, err)) != STORE_OK) {
		store_unit_end(s, false, NULL);
		return rc;
	}
	rc = store_unit_end(s, true, err);
	if (rc == STORE_OK)
		*n_r = held;
	return rc;
}
