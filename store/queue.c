/*
 * NAME
 *	queue - the durable outbound text queue with leases
 * DESCRIPTION
 *	store_enqueue() records the thread and the message in one
 *	transaction; store_claim() leases due messages to one gateway in
 *	another (lease.c), so that two gateways never hold the same
 *	message; the holder ends its lease with store_submitted(),
 *	store_retry() or store_fail(), and a gateway that restarts takes
 *	its leases back with store_release(). Every change of state is
 *	written to the events table in the same transaction.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"
#include "util/util.h"

static const char *const state_names[] = {
    "queued", "scheduled", "submitting", "submitted", "delivered",
    "failed", "expired",   "received",	 "unknown",   "cancelled",
};

/*
 * store_sid_new - "SM" and 32 hex digits: 12 of the time in
 * milliseconds, then 20 random (80 bits). Ids made later sort later,
 * so each new one goes at the end of the unique index on them: a
 * commit writes that index's last page, where ids of pure chance
 * wrote a page of it per text (five of the 23 pages a commit wrote
 * in a flood of texts from phones). What it tells, when a text was
 * made, the API says anyway; the 80 random bits keep it unguessable.
 */
bool
store_sid_new(const char *prefix, char sid[STORE_SID_LEN + 1])
{
	struct timespec ts;
	unsigned long long ms;
	char head[16];

	if (strlen(prefix) != 2 || clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return false;
	ms = (unsigned long long)ts.tv_sec * 1000 +
	     (unsigned long long)ts.tv_nsec / 1000000;
	snprintf(head, sizeof(head), "%s%012llx", prefix,
		 ms & 0xffffffffffffULL);
	return ut_random_hex(head, 10, sid, STORE_SID_LEN + 1);
}

/* store_state_name - "queued", "submitted", ... */
const char *
store_state_name(enum store_state st)
{
	if ((unsigned)st < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[st];
	return "unknown";
}

/* store_state_parse - the state called name, or -1 */
int
store_state_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(name, state_names[i]) == 0)
			return (int)i;
	return -1;
}

/* store_event - record that message id entered state */
int
store_event(struct store *s, int64_t id, int64_t at, enum store_state state,
	    const char *detail, struct store_error *err)
{
	sq *st = stmt(s, ST_EVENT_INSERT, err);

	if (!st)
		return err ? err->status : STORE_EPERM;
	sq_bind_int64(st, 1, id);
	sq_bind_int64(st, 2, at);
	sq_bind_int(st, 3, (int)state);
	sq_bind_text(st, 4, detail);
	if (store_step(st) != SQ_DONE)
		return store_fail_db(s, "recording an event", err);
	return STORE_OK;
}

/* enqueue_in_txn - the body of store_enqueue */
static int
enqueue_in_txn(struct store *s, const struct store_outbound *m, int64_t now,
	       int64_t *id_r, int64_t *thread_r, struct store_error *err)
{
	enum store_state state = m->due > now ? STORE_SCHEDULED : STORE_QUEUED;
	char sid[STORE_SID_LEN + 1];
	sq *st;
	int rc;

	for (int k = 0; k < 2; k++) {
		const char *key = k ? m->idem_key_prev : m->idem_key;

		if (!key || !m->idem_key)
			continue;
		st = stmt(s, ST_MSG_BY_IDEM, err);
		if (!st)
			return err ? err->status : STORE_EPERM;
		sq_bind_text(st, 1, key);
		rc = store_step(st);
		if (rc == SQ_ROW) {
			*id_r = sq_column_int64(st, 0);
			*thread_r = sq_column_int64(st, 1);
			sq_reset(st);
			return store_set_error(err, STORE_EDUP,
					       "already queued as message "
					       "%lld",
					       (long long)*id_r);
		}
		if (rc != SQ_DONE)
			return store_fail_db(s, "looking up the message", err);
	}
	if (m->mms && strlen(m->mms) > STORE_MMS_MAX)
		return store_set_error(err, STORE_EPERM,
				       "the links of a text's pictures are "
				       "over %d bytes",
				       STORE_MMS_MAX);
	rc = store_thread_upsert(s, m, now, thread_r, err);
	if (rc != STORE_OK)
		return rc;
	st = stmt(s, ST_MSG_INSERT, err);
	if (!st)
		return err ? err->status : STORE_EPERM;
	sq_bind_int64(st, 1, *thread_r);
	sq_bind_text(st, 2, m->envelope_from);
	sq_bind_text(st, 3, m->queue_id);
	sq_bind_text(st, 4, m->message_id);
	sq_bind_text(st, 5, m->idem_key);
	sq_bind_int(st, 6, (int)m->notify);
	sq_bind_text(st, 7, m->text);
	sq_bind_int(st, 8, m->encoding);
	sq_bind_int(st, 9, (int)m->segments);
	sq_bind_int(st, 10, (int)state);
	sq_bind_int64(st, 11, m->due > now ? m->due : now);
	sq_bind_int64(st, 12, now);
	sq_bind_text(st, 13, m->envid && *m->envid ? m->envid : NULL);
	sq_bind_int(st, 14, m->ret);
	if (m->returned && m->returned_len > 0)
		sq_bind_blob_ref(st, 15, m->returned, m->returned_len);
	else
		sq_bind_null(st, 15);
	sq_bind_int(st, 16, m->returned_full);
	if (m->sid && *m->sid)
		sq_bind_text(st, 17, m->sid);
	else if (store_sid_new("SM", sid))
		sq_bind_text(st, 17, sid);
	else
		return store_set_error(err, STORE_ETEMP,
				       "no random bytes for a message id");
	sq_bind_text(st, 18,
		     m->external_id && *m->external_id ? m->external_id : NULL);
	sq_bind_text(st, 19, m->opts && *m->opts ? m->opts : NULL);
	sq_bind_text(st, 20, m->mms && *m->mms ? m->mms : NULL);
	rc = store_insert(s, st, "queueing the message", err);
	sq_clear(st); /* the returned part was the caller's */
	if (rc == STORE_EDUP && m->idem_key) /* queued meanwhile, elsewhere */
		return enqueue_in_txn(s, m, now, id_r, thread_r, err);
	if (rc != STORE_OK)
		return rc;
	*id_r = sq_last_id(s);
	rc = store_usage_add(s, m->owner, m->segments, now, err);
	if (rc == STORE_OK && m->rate_window > 0)
		rc = store_rate_bump(s, "rcpt", m->phone, now, m->rate_window,
				     err);
	if (rc != STORE_OK)
		return rc;
	return store_event(s, *id_r, now, state, m->queue_id, err);
}

/* store_enqueue - record the thread and queue one message */
int
store_enqueue(struct store *s, const struct store_outbound *m, int64_t now,
	      int64_t *id_r, int64_t *thread_r, struct store_error *err)
{
	int rc;

	if (!m->owner || !m->phone || !m->sender || !m->tag || !m->text)
		return store_set_error(err, STORE_EPERM,
				       "owner, phone, sender, tag and text "
				       "are required");
	rc = store_begin(s, err);
	if (rc != STORE_OK)
		return rc;
	rc = enqueue_in_txn(s, m, now, id_r, thread_r, err);
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* savepoint - run one SAVEPOINT/RELEASE/ROLLBACK TO statement */
static int
savepoint(struct store *s, const char *q, struct store_error *err)
{
	if (store_tx(s, q) != SQ_OK)
		return store_fail_db(s, q, err);
	return STORE_OK;
}

/* job_in_txn - one job's texts, mails and media, in its savepoint */
static int
job_in_txn(struct store *s, struct store_job *j, int64_t now)
{
	int64_t thread, id;
	unsigned i, dups = 0;
	int rc;

	for (i = 0; i < j->ntexts; i++) {
		const struct store_outbound *m = &j->texts[i].msg;

		if (!m->owner || !m->phone || !m->sender || !m->tag || !m->text)
			return store_set_error(&j->err, STORE_EPERM,
					       "owner, phone, sender, tag and "
					       "text are required");
		rc = enqueue_in_txn(s, m, now, &j->texts[i].id, &thread,
				    &j->err);
		j->texts[i].dup = rc == STORE_EDUP;
		dups += j->texts[i].dup;
		if (rc != STORE_OK && rc != STORE_EDUP)
			return rc;
	}
	/* every text queued before: a re-delivery whose notices and reports
	   were committed with them */
	if (j->ntexts > 0 && dups == j->ntexts)
		return STORE_OK;
	for (i = 0; i < j->nmails; i++) {
		rc = store_mail_enqueue(s, j->mails[i].from, j->mails[i].rcpt,
					j->mails[i].data, j->mails[i].len, now,
					&id, &j->err);
		if (rc != STORE_OK)
			return rc;
	}
	for (i = 0; j->ntexts > 0 && i < j->nmedia; i++) {
		struct store_media_out f = j->media[i];

		f.message_id = j->ntexts > 0 ? j->texts[0].id : 0;
		rc = store_media_add(s, &f, now, NULL, &j->err);
		if (rc != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/* store_enqueue_jobs - many jobs, one transaction, a savepoint each */
int
store_enqueue_jobs(struct store *s, struct store_job *jobs, unsigned n,
		   int64_t now, struct store_error *err)
{
	unsigned i;
	int rc;

	for (i = 0; i < n; i++) {
		jobs[i].status = STORE_OK;
		jobs[i].err.status = STORE_OK;
		jobs[i].err.msg[0] = '\0';
	}
	rc = store_begin(s, err);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		rc = savepoint(s, "SAVEPOINT job", err);
		if (rc != STORE_OK)
			break;
		jobs[i].status = job_in_txn(s, &jobs[i], now);
		if (jobs[i].status == STORE_OK)
			rc = savepoint(s, "RELEASE job", err);
		else {
			rc = savepoint(s, "ROLLBACK TO job", err);
			if (rc == STORE_OK)
				rc = savepoint(s, "RELEASE job", err);
		}
	}
	if (rc == STORE_OK)
		rc = store_commit(s, err);
	else
		store_rollback(s);
	if (rc != STORE_OK)
		for (i = 0; i < n; i++) {
			jobs[i].status = rc;
			jobs[i].err = *err;
		}
	return rc;
}

/* fill_claim - a struct store_claim from a row of ST_CLAIM */
static void
fill_claim(sq *st, void *p)
{
	struct store_claim *x = p;

	x->id = sq_column_int64(st, 0);
	x->thread_id = sq_column_int64(st, 1);
	copy_text(st, 2, x->phone, sizeof(x->phone));
	copy_text(st, 3, x->sender, sizeof(x->sender));
	x->encoding = sq_column_int(st, 4);
	x->segments = (unsigned)sq_column_int(st, 5);
	x->attempts = (unsigned)sq_column_int(st, 6) + 1;
	x->notify = (unsigned)sq_column_int(st, 7);
	x->created = sq_column_int64(st, 8);
	x->text = dup_text(st, 9);
	copy_text(st, 10, x->mms, sizeof(x->mms));
}

/* claimed - record that message id is submitting, leased to holder */
static int
claimed(struct store *s, int64_t id, const char *holder, int64_t now,
	struct store_error *err)
{
	return store_event(s, id, now, STORE_SUBMITTING, holder, err);
}

/* The text queue's leases. */
static const struct store_queue texts = {
    .what = "message",
    .due = ST_CLAIM,
    .lease = ST_LEASE,
    .release = ST_RELEASE,
    .size = sizeof(struct store_claim),
    .id_at = offsetof(struct store_claim, id),
    .owned_at = offsetof(struct store_claim, text),
    .fill = fill_claim,
    .taken = claimed,
};

/* store_claim - lease up to max due messages to lease_owner */
int
store_claim(struct store *s, const char *lease_owner, int64_t now,
	    int64_t lease_seconds, unsigned max, struct store_claim **claims_r,
	    unsigned *n_r, struct store_error *err)
{
	return store_lease_claim(s, &texts, lease_owner, now, lease_seconds,
				 max, (void **)claims_r, n_r, err);
}

/* store_claims_free - free claims */
void
store_claims_free(struct store_claim **c, unsigned n)
{
	store_rows_free(*c, sizeof(**c), offsetof(struct store_claim, text), n);
	*c = NULL;
}

/*
 * finish - run a lease-ending statement (from store_lease_ending, bound
 * by the caller) and record the event, in the caller's transaction
 */
static int
finish(struct store *s, sq *st, int64_t id, int64_t now, enum store_state state,
       const char *detail, struct store_error *err)
{
	int rc = store_lease_end(s, &texts, st, id, err);

	return rc == STORE_OK ? store_event(s, id, now, state, detail, err)
			      : rc;
}

/* end_txn - commit when rc is STORE_OK, else roll back; returns rc */
static int
end_txn(struct store *s, int rc, struct store_error *err)
{
	if (rc == STORE_OK)
		return store_commit(s, err);
	store_rollback(s);
	return rc;
}

/* store_submitted - the SMSC took it */
int
store_submitted(struct store *s, int64_t id, const char *lease_owner,
		const char *const *smsc_ids, unsigned nids, int64_t now,
		struct store_error *err)
{
	sq *st;
	unsigned i;
	int rc = store_begin(s, err);

	if (rc != STORE_OK)
		return rc;
	st = store_lease_ending(s, ST_SUBMITTED, id, lease_owner, err);
	if (!st)
		return end_txn(s, err ? err->status : STORE_EPERM, err);
	sq_bind_int64(st, 3, now);
	rc = finish(s, st, id, now, STORE_SUBMITTED, NULL, err);
	for (i = 0; rc == STORE_OK && smsc_ids && i < nids; i++) {
		st = stmt(s, ST_SEGMENT_INSERT, err);
		if (!st) {
			rc = err ? err->status : STORE_EPERM;
			break;
		}
		sq_bind_int64(st, 1, id);
		sq_bind_int(st, 2, (int)i + 1);
		sq_bind_text(st, 3, smsc_ids[i]);
		sq_bind_int64(st, 4, now);
		if (store_step(st) != SQ_DONE)
			rc = store_fail_db(s, "recording SMSC ids", err);
	}
	return end_txn(s, rc, err);
}

/*
 * end_lease - store_retry and store_fail: back to queued at due, or
 * failed, keeping the error code and reason
 */
static int
end_lease(struct store *s, int64_t id, const char *lease_owner, bool retry,
	  int64_t due, const char *code, const char *reason, int64_t now,
	  struct store_error *err)
{
	sq *st;
	int rc = store_begin(s, err);

	if (rc != STORE_OK)
		return rc;
	st = store_lease_ending(s, retry ? ST_RETRY : ST_FAIL, id, lease_owner,
				err);
	if (!st)
		return end_txn(s, err ? err->status : STORE_EPERM, err);
	sq_bind_int64(st, 3, due);
	sq_bind_text(st, 4, code);
	sq_bind_text(st, 5, reason);
	sq_bind_int64(st, 6, now);
	return end_txn(s,
		       finish(s, st, id, now,
			      retry ? STORE_QUEUED : STORE_FAILED, reason, err),
		       err);
}

/* store_retry - back to queued, due at due */
int
store_retry(struct store *s, int64_t id, const char *lease_owner, int64_t due,
	    const char *code, const char *reason, int64_t now,
	    struct store_error *err)
{
	return end_lease(s, id, lease_owner, true, due, code, reason, now, err);
}

/* store_fail - given up */
int
store_fail(struct store *s, int64_t id, const char *lease_owner,
	   const char *code, const char *reason, int64_t now,
	   struct store_error *err)
{
	return end_lease(s, id, lease_owner, false, 0, code, reason, now, err);
}

/* store_release - give back every lease held by lease_owner */
int
store_release(struct store *s, const char *lease_owner, unsigned *n_r,
	      struct store_error *err)
{
	return store_lease_release(s, &texts, lease_owner, n_r, err);
}

/* cancel_in_txn - the body of store_cancel */
static int
cancel_in_txn(struct store *s, int64_t id, const char *owner,
	      const char *reason, int64_t now, enum store_state *state_r,
	      struct store_error *err)
{
	enum store_state state;
	char who[256], cycle[8];
	unsigned segments;
	int64_t created;
	sq *st;
	int rc;

	NEED(st, s, ST_MSG_CANCEL_OF, err);
	sq_bind_int64(st, 1, id);
	rc = store_step(st);
	if (rc != SQ_ROW) {
		sq_reset(st);
		if (rc != SQ_DONE)
			return store_fail_db(s, "looking up the text", err);
		return store_set_error(err, STORE_ENOTFOUND, "no text %lld",
				       (long long)id);
	}
	state = (enum store_state)sq_column_int(st, 0);
	copy_text(st, 1, who, sizeof(who));
	segments = (unsigned)sq_column_int(st, 2);
	created = sq_column_int64(st, 3);
	sq_reset(st);
	if (owner && strcmp(owner, who) != 0)
		return store_set_error(err, STORE_ENOTFOUND, "no text %lld",
				       (long long)id);
	if (state_r)
		*state_r = state;
	if (state != STORE_QUEUED && state != STORE_SCHEDULED)
		return store_set_error(err, STORE_EPERM,
				       "text %lld is %s: it can no longer be "
				       "cancelled",
				       (long long)id, store_state_name(state));
	NEED(st, s, ST_MSG_CANCEL, err);
	sq_bind_int64(st, 1, id);
	sq_bind_int64(st, 2, now);
	sq_bind_text(st, 3, reason);
	rc = store_exec(s, st, "cancelling the text", err);
	if (rc != STORE_OK)
		return rc;
	if (sq_changes(s) == 0) { /* a gateway (on another host) took it */
		if (state_r)
			*state_r = STORE_SUBMITTING;
		return store_set_error(err, STORE_EPERM,
				       "text %lld is %s: it can no longer be "
				       "cancelled",
				       (long long)id,
				       store_state_name(STORE_SUBMITTING));
	}
	NEED(st, s, ST_USAGE_SUB, err);
	store_cycle(created, cycle);
	sq_bind_text(st, 1, who);
	sq_bind_text(st, 2, cycle);
	sq_bind_int(st, 3, (int)segments);
	rc = store_exec(s, st, "giving back the usage", err);
	if (rc != STORE_OK)
		return rc;
	if (state_r)
		*state_r = STORE_CANCELLED;
	return store_event(s, id, now, STORE_CANCELLED, reason, err);
}

/* store_cancel - take back a text before it is sent */
int
store_cancel(struct store *s, int64_t id, const char *owner, const char *reason,
	     int64_t now, enum store_state *state_r, struct store_error *err)
{
	int rc = store_begin(s, err);

	if (rc != STORE_OK)
		return rc;
	rc = cancel_in_txn(s, id, owner, reason, now, state_r, err);
	if (rc == STORE_OK)
		return store_commit(s, err);
	store_rollback(s);
	return rc;
}

/* store_idem_find - the text queued with idem_key */
int
store_idem_find(struct store *s, const char *idem_key, int64_t *id_r,
		struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_MSG_BY_IDEM, err);
	sq_bind_text(st, 1, idem_key);
	rc = store_step(st);
	if (rc == SQ_ROW)
		*id_r = sq_column_int64(st, 0);
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc != SQ_DONE)
		return store_fail_db(s, "looking up the message", err);
	return store_set_error(err, STORE_ENOTFOUND, "no text with that key");
}
