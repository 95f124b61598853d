/*
 * NAME
 *	delivery - receipts per segment, the message's outcome, reports
 * DESCRIPTION
 *	A receipt names a segment by the SMSC's id. The segment takes the
 *	receipt's state; once every segment of the message has a final
 *	state, the message becomes delivered (all delivered), expired (the
 *	others expired) or failed, in the same transaction, and the
 *	caller learns that this receipt decided it, with what it needs
 *	for a delivery report. A text no receipt decided within a time
 *	becomes unknown (store_receipt_timeout); a receipt that comes
 *	later still decides it.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* tally - segments of message id: all, delivered, failed, expired */
static int
tally(struct store *s, int64_t id, unsigned n[4], struct store_error *err)
{
	sq *st;
	int i;

	NEED(st, s, ST_SEG_TALLY, err);
	sq_bind_int64(st, 1, id);
	if (store_step(st) != SQ_ROW)
		return store_fail_db(s, "counting segments", err);
	for (i = 0; i < 4; i++)
		n[i] = (unsigned)sq_column_int(st, i);
	sq_reset(st);
	return STORE_OK;
}

/* report - what a delivery report needs about message id */
static int
report(struct store *s, struct store_receipt *r, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_MSG_REPORT, err);
	sq_bind_int64(st, 1, r->msg_id);
	if (store_step(st) != SQ_ROW)
		return store_fail_db(s, "reading the message", err);
	copy_text(st, 0, r->envelope_from, sizeof(r->envelope_from));
	r->notify = (unsigned)sq_column_int(st, 1);
	r->text = dup_text(st, 2);
	copy_text(st, 3, r->message_id, sizeof(r->message_id));
	copy_text(st, 4, r->owner, sizeof(r->owner));
	copy_text(st, 5, r->phone, sizeof(r->phone));
	r->state = (enum store_state)sq_column_int(st, 6);
	copy_text(st, 7, r->envid, sizeof(r->envid));
	r->ret = sq_column_int(st, 8);
	r->returned_len = (size_t)sq_column_bytes(st, 9);
	if (r->returned_len > 0) {
		r->returned = malloc(r->returned_len + 1);
		if (r->returned) {
			memcpy(r->returned, sq_column_blob(st, 9),
			       r->returned_len);
			r->returned[r->returned_len] = '\0';
		}
	}
	r->returned_full = sq_column_int(st, 10) != 0;
	sq_reset(st);
	return r->text && (r->returned_len == 0 || r->returned)
		   ? STORE_OK
		   : store_set_error(err, STORE_ETEMP, "out of memory");
}

/* receipt_in_txn - the body of store_receipt */
static int
receipt_in_txn(struct store *s, const char *smsc_id, enum store_state seg,
	       const char *code, const char *reason, int64_t now,
	       struct store_receipt *r, struct store_error *err)
{
	sq *st;
	unsigned n[4];
	char key[24];
	int rc, seq;

	NEED(st, s, ST_SEG_FIND, err);
	sq_bind_text(st, 1, smsc_id);
	rc = store_step(st);
	if (rc != SQ_ROW) {
		sq_reset(st);
		if (rc == SQ_DONE)
			return store_set_error(err, STORE_ENOTFOUND,
					       "no segment has the SMSC id %s",
					       smsc_id);
		return store_fail_db(s, "finding the segment", err);
	}
	r->msg_id = sq_column_int64(st, 0);
	seq = sq_column_int(st, 1);
	sq_reset(st);
	/* two gateways given two parts' receipts at once: one counts after
	   the other, so that one of them sees the text whole */
	snprintf(key, sizeof(key), "%lld", (long long)r->msg_id);
	rc = store_lock(s, "receipt", key, err);
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, ST_SEG_SET, err);
	sq_bind_int64(st, 1, r->msg_id);
	sq_bind_int(st, 2, seq);
	sq_bind_int(st, 3, (int)seg);
	sq_bind_text(st, 4, code);
	sq_bind_int64(st, 5, now);
	rc = store_exec(s, st, "recording the receipt", err);
	if (rc == STORE_OK)
		rc = tally(s, r->msg_id, n, err);
	if (rc != STORE_OK)
		return rc;
	r->parts_total = n[0];
	r->parts_done = n[1];
	if (n[1] + n[2] + n[3] == n[0]) {
		enum store_state final = n[1] == n[0]	 ? STORE_DELIVERED
					 : n[3] && !n[2] ? STORE_EXPIRED
							 : STORE_FAILED;

		NEED(st, s, ST_MSG_DONE, err);
		sq_bind_int64(st, 1, r->msg_id);
		sq_bind_int(st, 2, (int) final);
		sq_bind_text(st, 3, final == STORE_DELIVERED ? NULL : code);
		sq_bind_text(st, 4, final == STORE_DELIVERED ? NULL : reason);
		sq_bind_int64(st, 5, now);
		if (store_step(st) != SQ_DONE)
			return store_fail_db(s, "finishing the message", err);
		r->final_now = sq_changes(s) > 0;
		if (r->final_now) {
			rc = store_event(s, r->msg_id, now, final, code, err);
			if (rc != STORE_OK)
				return rc;
		}
	}
	return report(s, r, err);
}

/* store_receipt - a delivery receipt for one segment */
int
store_receipt(struct store *s, const char *smsc_id, enum store_state seg,
	      const char *code, const char *reason, int64_t now,
	      struct store_receipt *r, struct store_error *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (seg != STORE_DELIVERED && seg != STORE_FAILED &&
	    seg != STORE_EXPIRED && seg != STORE_SUBMITTED)
		return store_set_error(err, STORE_EPERM,
				       "a receipt says delivered, failed, "
				       "expired or submitted");
	rc = store_begin(s, err);
	if (rc != STORE_OK)
		return rc;
	rc = receipt_in_txn(s, smsc_id, seg, code, reason, now, r, err);
	if (rc != STORE_OK) {
		store_rollback(s);
		store_receipt_clear(r);
		return rc;
	}
	rc = store_commit(s, err);
	if (rc != STORE_OK)
		store_receipt_clear(r);
	return rc;
}

/* store_receipt_clear - free the text a receipt result holds */
void
store_receipt_clear(struct store_receipt *r)
{
	free(r->text);
	r->text = NULL;
	free(r->returned);
	r->returned = NULL;
}

/* store_report - what a delivery report needs about message id */
int
store_report(struct store *s, int64_t id, struct store_receipt *r,
	     struct store_error *err)
{
	memset(r, 0, sizeof(*r));
	r->msg_id = id;
	return report(s, r, err);
}

/* store_receipt_timeout - texts with no receipt since cutoff: unknown */
int
store_receipt_timeout(struct store *s, int64_t cutoff, int64_t now,
		      const char *reason, unsigned max, int64_t *ids,
		      unsigned *n_r, struct store_error *err)
{
	sq *st;
	unsigned n = 0, i, kept = 0;
	int rc;

	*n_r = 0;
	if ((rc = store_unit_begin(s, err)) != STORE_OK)
		return rc;
	if (!(st = stmt(s, ST_MSG_NO_RECEIPT, err))) {
		rc = err ? err->status : STORE_EPERM;
		goto out;
	}
	sq_bind_int64(st, 1, cutoff);
	sq_bind_int(st, 2, (int)max);
	while (n < max && (rc = store_step(st)) == SQ_ROW)
		ids[n++] = sq_column_int64(st, 0);
	sq_reset(st);
	if (rc != SQ_ROW && rc != SQ_DONE) {
		rc = store_fail_db(s, "finding texts without receipts", err);
		goto out;
	}
	rc = STORE_OK;
	for (i = 0; i < n && rc == STORE_OK; i++) {
		if (!(st = stmt(s, ST_MSG_UNKNOWN, err))) {
			rc = err ? err->status : STORE_EPERM;
			break;
		}
		sq_bind_int64(st, 1, ids[i]);
		sq_bind_text(st, 2, reason);
		sq_bind_int64(st, 3, now);
		rc = store_exec(s, st, "marking a text unknown", err);
		/* none changed: another gateway's sweep, or a receipt, was
		   first; only those this sweep marked are told */
		if (rc == STORE_OK && sq_changes(s) > 0) {
			ids[kept++] = ids[i];
			rc = store_event(s, ids[i], now, STORE_UNKNOWN,
					 "NO_RECEIPT", err);
		}
	}
	n = kept;
out:
	if (store_unit_end(s, rc == STORE_OK, err) != STORE_OK &&
	    rc == STORE_OK)
		rc = err ? (int)err->status : STORE_ETEMP;
	if (rc == STORE_OK)
		*n_r = n;
	return rc;
}
