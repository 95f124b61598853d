/*
 * NAME
 *	receipt - what a carrier says became of a text, from any carrier
 * DESCRIPTION
 *	An SMPP deliver_sm receipt (the runner), a Twilio status callback
 *	and a Kannel delivery report (the webhooks) each name a text, or
 *	a part of one, by the carrier's id and say how it went in words
 *	of their own. Here those words become a store state, and
 *	receipt_record() records the receipt, counts and logs the text's
 *	outcome when the receipt decides it, and queues the sender's
 *	delivery report. What to answer the carrier is the caller's:
 *	each protocol says it in its own way.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "gateway/gateway_int.h"
#include "policy/policy.h"
#include "util/util.h"

/* A carrier's word for how a text went. */
struct word {
	const char *word;
	enum store_state state;
};

/* SMPP receipt stat words (SMPP 3.4 appendix B) */
static const struct word smpp_words[] = {
    {"DELIVRD", STORE_DELIVERED},
    {"EXPIRED", STORE_EXPIRED},
    {"ENROUTE", STORE_SUBMITTED},
    {"ACCEPTD", STORE_SUBMITTED},
};

/* Twilio's MessageStatus words */
static const struct word twilio_words[] = {
    {"delivered", STORE_DELIVERED},
    {"read", STORE_DELIVERED},
    {"undelivered", STORE_FAILED},
    {"failed", STORE_FAILED},
};

/* lookup - the state word means among the n words, else other */
static enum store_state
lookup(const struct word *w, size_t n, const char *word, enum store_state other)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(w[i].word, word))
			return w[i].state;
	return other;
}

/* receipt_smpp_state - the store state an SMPP stat word means */
enum store_state
receipt_smpp_state(const char *stat)
{
	/* UNDELIV, REJECTD, DELETED, UNKNOWN and the rest: failed */
	return lookup(smpp_words, sizeof(smpp_words) / sizeof(smpp_words[0]),
		      stat, STORE_FAILED);
}

/* receipt_twilio_state - the store state a Twilio MessageStatus means */
enum store_state
receipt_twilio_state(const char *status)
{
	/* queued, sending, sent, accepted and the rest: on the way */
	return lookup(twilio_words,
		      sizeof(twilio_words) / sizeof(twilio_words[0]), status,
		      STORE_SUBMITTED);
}

/* receipt_kannel_stat - the SMPP stat word for a Kannel DLR status */
const char *
receipt_kannel_stat(const char *status)
{
	switch (strtol(status, NULL, 10)) {
	case 1: return "DELIVRD";  /* delivered to the phone */
	case 2: return "UNDELIV";  /* failed on the way to the phone */
	case 16: return "REJECTD"; /* the SMSC refused it */
	default: return "ENROUTE"; /* 4 buffered, 8 SMSC ack: on the way */
	}
}

/* receipt_hooks_queue - queue the message.receipt hooks of text id */
int
receipt_hooks_queue(const struct conf *c, struct store *s, int64_t id,
		    enum store_state state, const char *code, int64_t now,
		    bool *queued_r, struct store_error *err)
{
	struct store_hook_msg m;
	struct policy_hook_target t = {0};
	json_t *o;
	int rc;

	*queued_r = false;
	rc = store_hook_msg(s, id, &m, err);
	if (rc != STORE_OK)
		return rc == STORE_ENOTFOUND ? STORE_OK : rc;
	/* the text's own target (the send API's DeliveryReceiptWebhookUri) */
	o = m.opts[0] ? json_loads(m.opts, 0, NULL) : NULL;
	t.url =
	    json_string_value(json_object_get(o, "DeliveryReceiptWebhookUri"));
	t.method = json_string_value(
	    json_object_get(o, "DeliveryReceiptWebhookMethod"));
	if (!t.url && !c->receipt_hooks.n) {
		json_decref(o);
		return STORE_OK;
	}
	rc = policy_hooks_receipt(c, s, t.url ? &t : NULL, m.owner, id, m.sid,
				  m.external_id, m.sender, m.phone,
				  store_state_name(state), code, now, err);
	json_decref(o);
	*queued_r = rc == STORE_OK;
	return rc;
}

/* receipt_record - record r; count, log and report a text it decided */
enum receipt_outcome
receipt_record(const struct conf *c, struct store *s, struct mailer *m,
	       const struct receipt *r, int64_t now, struct store_error *err)
{
	struct store_receipt rr;
	bool hooked = false;
	int rc;

	if (r->state == STORE_SUBMITTED) /* not final: nothing to record */
		return RECEIPT_NOT_FINAL;
	/* the receipt and its event hooks, together */
	rc = store_unit_begin(s, err);
	if (rc == STORE_OK) {
		rc = store_receipt(s, r->smsc_id, r->state, r->code, r->reason,
				   now, &rr, err);
		if (rc == STORE_OK && rr.final_now)
			rc = receipt_hooks_queue(c, s, rr.msg_id, rr.state,
						 r->code, now, &hooked, err);
		if (rc == STORE_OK)
			rc = store_unit_end(s, true, err);
		else
			store_unit_end(s, false, NULL);
		if (rc == STORE_OK && hooked)
			hooks_wake();
		else if (rc != STORE_OK && rc != STORE_ENOTFOUND)
			store_receipt_clear(&rr);
	}
	if (rc == STORE_ENOTFOUND)
		return RECEIPT_UNKNOWN;
	if (rc != STORE_OK) {
		ut_log(LOG_ERR, "receipt for %s: store: %s", r->smsc_id,
		       err->msg);
		return RECEIPT_STORE_FAILED;
	}
	if (rr.final_now) {
		metrics_receipt(rr.state);
		ut_log(
		    LOG_INFO, "id=%lld to=%s status=%s parts=%u/%u code=%s%s%s",
		    (long long)rr.msg_id, UT_LOG_PHONE(rr.phone),
		    store_state_name(rr.state), rr.parts_done, rr.parts_total,
		    r->code, r->err ? " err=" : "", r->err ? r->err : "");
		if (report_queue(c, s, rr.msg_id, rr.state == STORE_DELIVERED,
				 rr.parts_done, rr.parts_total, r->code, NULL))
			mailer_wake(m);
	}
	store_receipt_clear(&rr);
	return RECEIPT_RECORDED;
}

/* span - seconds as "2d", "6h", "90m" or "45s": the largest whole unit */
static void
span(long long sec, char *out, size_t size)
{
	static const struct {
		long long n;
		char unit;
	} units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
	size_t i = 0;

	while (sec % units[i].n)
		i++;
	snprintf(out, size, "%lld%c", sec / units[i].n, units[i].unit);
}

/* receipt_timeouts - texts never receipted within ReceiptTimeout */
unsigned
receipt_timeouts(const struct conf *c, struct store *s, struct mailer *m,
		 int64_t now)
{
	int64_t ids[64];
	struct store_error err;
	char reason[160], within[32];
	unsigned n = 0, i;
	bool woke = false, hooked;

	if (c->receipt_timeout <= 0)
		return 0;
	span(c->receipt_timeout, within, sizeof(within));
	snprintf(reason, sizeof(reason),
		 "no delivery receipt within %s (ReceiptTimeout)", within);
	if (store_receipt_timeout(s, now - c->receipt_timeout, now, reason, 64,
				  ids, &n, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: receipts: %s", err.msg);
		return 0;
	}
	for (i = 0; i < n; i++) {
		ut_log(LOG_NOTICE,
		       "id=%lld status=unknown code=NO_RECEIPT reason=\"%s\"",
		       (long long)ids[i], reason);
		woke |= report_unknown(c, s, ids[i], reason);
		if (receipt_hooks_queue(c, s, ids[i], STORE_UNKNOWN,
					"NO_RECEIPT", now, &hooked,
					&err) != STORE_OK)
			ut_log(LOG_ERR, "id=%lld: store: hooks: %s",
			       (long long)ids[i], err.msg);
		else if (hooked)
			hooks_wake();
	}
	if (woke)
		mailer_wake(m);
	return n;
}
