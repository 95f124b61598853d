/*
 * NAME
 *	mailq - the outbound mail queue, with leases
 * DESCRIPTION
 *	Mail the gateway still has to hand to the SMTP relay: texts from
 *	phones made into mail, delivery reports, notices. Like the text
 *	queue, a due mail is leased to one gateway at a time; the holder
 *	ends the lease with store_mail_sent() (the row goes),
 *	store_mail_retry() or store_mail_fail(), and a gateway that
 *	restarts takes its leases back with store_mail_release().
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* store_mail_enqueue - queue a message for SMTP */
int
store_mail_enqueue(struct store *s, const char *from, const char *rcpt,
		   const void *data, size_t len, int64_t now, int64_t *id_r,
		   struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	NEED(st, s, ST_MAIL_ADD, err);
	bind_text(st, 1, from);
	bind_text(st, 2, rcpt);
	sqlite3_bind_blob(st, 3, len ? data : "", (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	rc = store_exec(s, st, "queueing mail", err);
	if (rc == STORE_OK)
		*id_r = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* fill_mail - a struct store_mail from a row of ST_MAIL_DUE */
static void
fill_mail(sqlite3_stmt *st, void *p)
{
	struct store_mail *m = p;
	const void *blob = sqlite3_column_blob(st, 4);

	m->id = sqlite3_column_int64(st, 0);
	copy_text(st, 1, m->from, sizeof(m->from));
	copy_text(st, 2, m->rcpt, sizeof(m->rcpt));
	m->attempts = (unsigned)sqlite3_column_int(st, 3) + 1;
	m->len = (size_t)sqlite3_column_bytes(st, 4);
	m->data = malloc(m->len + 1);
	if (m->data && m->len)
		memcpy(m->data, blob, m->len);
}

/* store_mails_free - free claimed mails */
void
store_mails_free(struct store_mail **m, unsigned n)
{
	unsigned i;

	if (!*m)
		return;
	for (i = 0; i < n; i++)
		free((*m)[i].data);
	free(*m);
	*m = NULL;
}

/* mail_lease - lease the rows read into *m */
static int
mail_lease(struct store *s, struct store_mail *m, unsigned n, const char *owner,
	   int64_t until, struct store_error *err)
{
	sqlite3_stmt *st;
	unsigned i;
	int rc = STORE_OK;

	for (i = 0; rc == STORE_OK && i < n; i++) {
		if (!m[i].data)
			return store_set_error(err, STORE_ETEMP,
					       "out of memory");
		NEED(st, s, ST_MAIL_LEASE, err);
		sqlite3_bind_int64(st, 1, m[i].id);
		bind_text(st, 2, owner);
		sqlite3_bind_int64(st, 3, until);
		rc = store_exec(s, st, "leasing mail", err);
	}
	return rc;
}

/* store_mail_claim - lease due mails */
int
store_mail_claim(struct store *s, const char *lease_owner, int64_t now,
		 int64_t lease_seconds, unsigned max,
		 struct store_mail **mails_r, unsigned *n_r,
		 struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	*mails_r = NULL;
	*n_r = 0;
	rc = store_begin(s, err);
	if (rc != STORE_OK)
		return rc;
	st = stmt(s, ST_MAIL_DUE, err);
	rc = st ? STORE_OK : (err ? err->status : STORE_EPERM);
	if (rc == STORE_OK) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int(st, 2, (int)max);
		rc = store_rows(s, st, sizeof(**mails_r), fill_mail,
				(void **)mails_r, n_r, err);
	}
	if (rc == STORE_OK)
		rc = mail_lease(s, *mails_r, *n_r, lease_owner,
				now + lease_seconds, err);
	if (rc == STORE_OK)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	if (rc != STORE_OK) {
		store_mails_free(mails_r, *n_r);
		*n_r = 0;
	}
	return rc;
}

/* mail_end - run a lease-ending statement on mail id */
static int
mail_end(struct store *s, enum stmt_id id_stmt, int64_t id, const char *owner,
	 int64_t due, const char *error, struct store_error *err)
{
	sqlite3_stmt *st;
	int rc;

	NEED(st, s, id_stmt, err);
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, owner);
	if (id_stmt == ST_MAIL_RETRY) {
		sqlite3_bind_int64(st, 3, due);
		bind_text(st, 4, error);
	} else if (id_stmt == ST_MAIL_FAIL) {
		bind_text(st, 3, error);
	}
	rc = store_exec(s, st, "updating mail", err);
	if (rc == STORE_OK && sqlite3_changes(s->db) == 0)
		return store_set_error(err, STORE_ELEASE,
				       "mail %lld is not leased to us (any "
				       "more)",
				       (long long)id);
	return rc;
}

/* store_mail_sent - the relay took it */
int
store_mail_sent(struct store *s, int64_t id, const char *lease_owner,
		struct store_error *err)
{
	return mail_end(s, ST_MAIL_SENT, id, lease_owner, 0, NULL, err);
}

/* store_mail_retry - again at due */
int
store_mail_retry(struct store *s, int64_t id, const char *lease_owner,
		 int64_t due, const char *error, struct store_error *err)
{
	return mail_end(s, ST_MAIL_RETRY, id, lease_owner, due, error, err);
}

/* store_mail_fail - given up */
int
store_mail_fail(struct store *s, int64_t id, const char *lease_owner,
		const char *error, struct store_error *err)
{
	return mail_end(s, ST_MAIL_FAIL, id, lease_owner, 0, error, err);
}

/* store_mail_release - give back the mail leased to lease_owner */
int
store_mail_release(struct store *s, const char *lease_owner,
		   struct store_error *err)
{
	sqlite3_stmt *st;

	NEED(st, s, ST_MAIL_RELEASE, err);
	bind_text(st, 1, lease_owner);
	return store_exec(s, st, "releasing mail", err);
}
