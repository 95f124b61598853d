/*
 * NAME
 *	route - which thread a text from a phone belongs to, and its record
 * DESCRIPTION
 *	A text from a phone goes to the thread its tag names (when that
 *	thread is the phone's), else to the phone's most recently active
 *	thread with the number it was sent to, else to a new thread of
 *	the number's owner. Recording it, remembering the provider's id
 *	and queueing its mail are one transaction: a provider that sends
 *	a text again finds it seen, and a crash loses neither the text
 *	nor its mail.
 */
#include <string.h>

#include "store/store_int.h"

/* one_thread - step st for one thread row into t */
static int
one_thread(struct store *s, sqlite3_stmt *st, struct store_thread *t,
	   struct store_error *err)
{
	int rc = store_step(st);

	if (rc == SQLITE_ROW)
		store_fill_thread(st, t);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return store_set_error(err, STORE_ENOTFOUND, "no such thread");
	return store_fail_db(s, "finding a thread", err);
}

/* store_thread_find - by tag, else the latest of (phone, sender) */
int
store_thread_find(struct store *s, const char *tag, const char *phone,
		  const char *sender, struct store_thread *t,
		  struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (tag && tag[0]) {
		NEED(st, s, ST_THREAD_BY_TAG, err);
		bind_text(st, 1, tag);
		rc = one_thread(s, st, t, err);
		if (rc == STORE_OK && !strcmp(t->phone, phone))
			return STORE_OK;
		if (rc != STORE_OK && rc != STORE_ENOTFOUND)
			return rc;
	}
	NEED(st, s, ST_THREAD_LATEST, err);
	bind_text(st, 1, phone);
	bind_text(st, 2, sender);
	return one_thread(s, st, t, err);
}

/* store_thread_open - find or create (owner, phone, sender) */
int
store_thread_open(struct store *s, const char *owner, const char *phone,
		  const char *sender, const char *tag, int64_t now,
		  struct store_thread *t, struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	NEED(st, s, ST_THREAD_NEW, err);
	bind_text(st, 1, owner);
	bind_text(st, 2, phone);
	bind_text(st, 3, sender);
	bind_text(st, 4, tag);
	sqlite3_bind_int64(st, 5, now);
	rc = store_exec(s, st, "creating a thread", err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_THREAD_OF, err);
	bind_text(st, 1, owner);
	bind_text(st, 2, phone);
	bind_text(st, 3, sender);
	return one_thread(s, st, t, err);
}

/* add_in_unit - the body of store_inbound_add */
static int
add_in_unit(struct store *s, const struct store_inbound *in, int64_t now,
	    int64_t *id_r, int64_t *mail_id_r, struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (in->provider && in->provider_id && in->provider_id[0]) {
		rc = store_inbound_seen(s, in->provider, in->provider_id, now,
					err);
		if (rc != STORE_OK)
			return rc;
	}
	NEED(st, s, ST_MSG_IN_INSERT, err);
	sqlite3_bind_int64(st, 1, in->thread_id);
	bind_text(st, 2, in->message_id);
	bind_text(st, 3, in->text);
	sqlite3_bind_int(st, 4, in->encoding);
	sqlite3_bind_int(st, 5, (int)in->segments);
	bind_text(st, 6, in->provider_id);
	sqlite3_bind_int64(st, 7, now);
	rc = store_exec(s, st, "recording an inbound text", err);
	if (rc != STORE_OK)
		return rc;
	*id_r = sqlite3_last_insert_rowid(s->db);
	rc = store_event(s, *id_r, now, STORE_RECEIVED, in->provider, err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_THREAD_TOUCH, err);
	sqlite3_bind_int64(st, 1, in->thread_id);
	bind_text(st, 2, in->message_id);
	sqlite3_bind_int64(st, 3, now);
	rc = store_exec(s, st, "updating the thread", err);
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

/* store_contact_of - the name a phone has in the contacts */
int
store_contact_of(struct store *s, const char *phone, char name_r[65],
		 struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	NEED(st, s, ST_CONTACT_OF, err);
	bind_text(st, 1, phone);
	rc = store_step(st);
	if (rc == SQLITE_ROW)
		copy_text(st, 0, name_r, 65);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return store_set_error(err, STORE_ENOTFOUND,
				       "%s is not a contact", phone);
	return store_fail_db(s, "finding a contact", err);
}
