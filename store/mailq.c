/*
 * NAME
 *	mailq - the outbound mail queue, with leases
 * DESCRIPTION
 *	Mail the gateway still has to hand to the SMTP relay: texts from
 *	phones made into mail, delivery reports, notices. Like a text, a
 *	due mail is leased to one gateway at a time (lease.c); the holder
 *	ends the lease with store_mail_sent() (the row goes),
 *	store_mail_retry() or store_mail_fail(), and a gateway that
 *	restarts takes its leases back with store_mail_release(). A
 *	failed mail stays, for store_mail_failed() (smsctl undelivered).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store_int.h"

/* store_mail_enqueue - queue a message for SMTP */
int
store_mail_enqueue(struct store *s, const char *from, const char *rcpt,
		   const void *data, size_t len, int64_t now, int64_t *id_r,
		   struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_MAIL_ADD, err);
	sq_bind_text(st, 1, from);
	sq_bind_text(st, 2, rcpt);
	sq_bind_blob(st, 3, data, len);
	sq_bind_int64(st, 4, now);
	rc = store_exec(s, st, "queueing mail", err);
	if (rc == STORE_OK)
		*id_r = sq_last_id(s);
	return rc;
}

/* fill_mail - a struct store_mail from a row of ST_MAIL_DUE */
static void
fill_mail(sq *st, void *p)
{
	struct store_mail *m = p;
	const void *blob = sq_column_blob(st, 4);

	m->id = sq_column_int64(st, 0);
	copy_text(st, 1, m->from, sizeof(m->from));
	copy_text(st, 2, m->rcpt, sizeof(m->rcpt));
	m->attempts = (unsigned)sq_column_int(st, 3) + 1;
	m->len = (size_t)sq_column_bytes(st, 4);
	m->data = malloc(m->len + 1);
	if (m->data && m->len)
		memcpy(m->data, blob, m->len);
}

/* store_mails_free - free claimed mails */
void
store_mails_free(struct store_mail **m, unsigned n)
{
	store_rows_free(*m, sizeof(**m), offsetof(struct store_mail, data), n);
	*m = NULL;
}

/* The mail queue's leases. */
static const struct store_queue mails = {
    .what = "mail",
    .due = ST_MAIL_DUE,
    .lease = ST_MAIL_LEASE,
    .release = ST_MAIL_RELEASE,
    .size = sizeof(struct store_mail),
    .id_at = offsetof(struct store_mail, id),
    .owned_at = offsetof(struct store_mail, data),
    .fill = fill_mail,
    .taken = NULL,
};

/* store_mail_claim - lease due mails */
int
store_mail_claim(struct store *s, const char *lease_owner, int64_t now,
		 int64_t lease_seconds, unsigned max,
		 struct store_mail **mails_r, unsigned *n_r,
		 struct store_error *err)
{
	return store_lease_claim(s, &mails, lease_owner, now, lease_seconds,
				 max, (void **)mails_r, n_r, err);
}

/* mail_end - end mail id's lease: sent, again at due, or failed */
static int
mail_end(struct store *s, enum stmt_id end, int64_t id, const char *owner,
	 int64_t due, const char *error, struct store_error *err)
{
	sq *st = store_lease_ending(s, end, id, owner, err);

	if (!st)
		return err ? err->status : STORE_EPERM;
	if (end == ST_MAIL_RETRY) {
		sq_bind_int64(st, 3, due);
		sq_bind_text(st, 4, error);
	} else if (end == ST_MAIL_FAIL) {
		sq_bind_text(st, 3, error);
	}
	return store_lease_end(s, &mails, st, id, err);
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

/* store_mail_rewrite - the leased mail id is now data (the lease stays) */
int
store_mail_rewrite(struct store *s, int64_t id, const char *lease_owner,
		   const void *data, size_t len, struct store_error *err)
{
	sq *st = store_lease_ending(s, ST_MAIL_REWRITE, id, lease_owner, err);

	if (!st)
		return err ? err->status : STORE_EPERM;
	sq_bind_blob(st, 3, data, len);
	return store_lease_end(s, &mails, st, id, err);
}

/* store_mail_release - give back the mail leased to lease_owner */
int
store_mail_release(struct store *s, const char *lease_owner,
		   struct store_error *err)
{
	return store_lease_release(s, &mails, lease_owner, NULL, err);
}

/* subject_of - the Subject header of the head of a message, or "" */
static void
subject_of(const char *data, size_t len, char *out, size_t size)
{
	size_t i = 0, n = 0;

	out[0] = '\0';
	while (i < len) {
		const char *line = data + i;
		size_t end = i;

		while (end < len && data[end] != '\n')
			end++;
		if (end == i || (end == i + 1 && data[i] == '\r'))
			return; /* the end of the head */
		if (end - i > 8 && !strncasecmp(line, "Subject:", 8)) {
			i += 8;
			while (i < end && (data[i] == ' ' || data[i] == '\t'))
				i++;
			while (i < end && data[i] != '\r' && n + 1 < size)
				out[n++] = data[i++];
			out[n] = '\0';
			return;
		}
		i = end + 1;
	}
}

/* fill_failed - a struct store_mail_failed from a row of ST_MAIL_FAILED */
static void
fill_failed(sq *st, void *p)
{
	struct store_mail_failed *m = p;

	m->id = sq_column_int64(st, 0);
	copy_text(st, 1, m->from, sizeof(m->from));
	copy_text(st, 2, m->rcpt, sizeof(m->rcpt));
	m->attempts = (unsigned)sq_column_int(st, 3);
	m->created = sq_column_int64(st, 4);
	copy_text(st, 5, m->error, sizeof(m->error));
	subject_of((const char *)sq_column_blob(st, 6),
		   (size_t)sq_column_bytes(st, 6), m->subject,
		   sizeof(m->subject));
}

/* store_mail_failed - the mails refused for good */
int
store_mail_failed(struct store *s, struct store_mail_failed **mails_r,
		  unsigned *n_r, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_MAIL_FAILED, err);
	return store_rows(s, st, sizeof(**mails_r), fill_failed,
			  (void **)mails_r, n_r, err);
}
