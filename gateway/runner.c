/*
 * NAME
 *	runner - the queue runner: store -> transport -> store
 * DESCRIPTION
 *	Due texts are claimed with a lease, checked against opt-outs once
 *	more (a STOP may have come after the milter queued them), planned
 *	(GSM-7 or UCS-2, segments) and handed to the transport part by
 *	part as its window has room. When every part is taken, the SMSC
 *	ids are recorded and the text is submitted; a part refused for
 *	good fails the text with the reason; a part the transport gave up
 *	on for now puts the text back with exponential backoff, until it
 *	is older than QueueLifetime. Receipts update segments, and so the
 *	text's outcome. A transport that takes whole texts (HTTP, Kannel)
 *	gets each text as one part with its UTF-8, and splits it itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gateway_int.h"
#include "util/util.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "sms/sms.h"

#define ACTIVE_MAX    512 /* texts claimed and not yet submitted in full */
#define LEASE_SECONDS 300
#define PARTS_MAX     255
#define SWEEP_SECONDS                                                          \
	10 /* how often long texts are checked for parts                       \
	      that never came */

/* A claimed text on its way out. */
struct active {
	struct store_claim c;
	uint8_t parts[PARTS_MAX][160]; /* encoded segments */
	size_t lens[PARTS_MAX];
	unsigned nparts, next, taken;
	int data_coding;
	unsigned ref;
	char (*ids)[66];
	bool failed;	 /* given up: ignore what else comes for it */
	int64_t sent_ms; /* when its first part went to the transport */
};

struct runner {
	const struct conf *c;
	struct store *s;
	struct transport *t;
	struct mailer *mailer;
	char owner[128];
	struct active *a[ACTIVE_MAX];
	unsigned na;
	bool more;     /* the last claim was full: more may be due */
	bool mailed;   /* this turn's batch queued mail: wake the mailer */
	int64_t swept; /* when inbound_sweep last ran */
	/* receipts and texts to answer once this turn's batch commits */
	struct tp_event *acks;
	enum tp_answer answers[32];
	unsigned nacks;
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/*
 * take_back - give back the leases of runs of this host that are gone:
 * a holder is "smsgw@host/PID" (its mail threads add "/mail..."); a run
 * still alive (stopping while its successor starts) keeps its own, and
 * what it does not finish it gives back itself, so nothing is sent by
 * both. *n_r counts the texts given back.
 */
static void
take_back(struct store *s, const char *owner, unsigned *n_r)
{
	char(*h)[STORE_HOLDER_MAX] = NULL;
	char prefix[STORE_HOLDER_MAX];
	const char *slash = strrchr(owner, '/');
	struct store_error err;
	unsigned n = 0, i, got;

	*n_r = 0;
	if (!slash)
		return;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - owner + 1),
		 owner);
	if (store_lease_holders(s, prefix, &h, &n, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		char *end;
		long pid = strtol(h[i] + strlen(prefix), &end, 10);

		if (end == h[i] + strlen(prefix) || (*end && *end != '/') ||
		    pid <= 0 || (pid_t)pid == getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* not a run's, ours, or still alive */
		if (store_release(s, h[i], &got, &err) != STORE_OK ||
		    store_mail_release(s, h[i], &err) != STORE_OK)
			ut_log(LOG_ERR, "store: %s", err.msg);
		else
			*n_r += got;
	}
	free(h);
}

/* runner_new - a runner; takes back the leases of runs that are gone */
struct runner *
runner_new(const struct conf *c, struct store *s, struct transport *t,
	   struct mailer *m, const char *lease_owner)
{
	struct runner *r = calloc(1, sizeof(*r));
	unsigned n = 0;

	if (!r || !(r->acks = calloc(32, sizeof(*r->acks)))) {
		free(r);
		return NULL;
	}
	r->c = c;
	r->s = s;
	r->t = t;
	r->mailer = m;
	snprintf(r->owner, sizeof(r->owner), "%s", lease_owner);
	take_back(s, lease_owner, &n);
	if (n)
		ut_log(LOG_NOTICE,
		       "took back %u texts a previous run had claimed", n);
	return r;
}

void
runner_set_conf(struct runner *r, const struct conf *c)
{
	r->c = c;
}

/* active_free - free a claimed text's entry; set *ap to NULL */
static void
active_free(struct active **ap)
{
	struct active *a = *ap;

	if (!a)
		return;
	free(a->c.text);
	free(a->ids);
	free(a);
	*ap = NULL;
}

/* drop - forget active text i */
static void
drop(struct runner *r, unsigned i)
{
	active_free(&r->a[i]);
	r->a[i] = r->a[--r->na];
}

/* find - the active text with id, or -1 */
static int
find(const struct runner *r, int64_t id)
{
	unsigned i;

	for (i = 0; i < r->na; i++)
		if (r->a[i]->c.id == id)
			return (int)i;
	return -1;
}

/* report - a delivery report for text id, as its sender asked */
static void
report(struct runner *r, int64_t id, bool delivered, unsigned done,
       unsigned total, const char *carrier, const char *reason)
{
	if (report_queue(r->c, r->s, id, delivered, done, total, carrier,
			 reason))
		mailer_wake(r->mailer);
}

/* give_up - fail text i for good */
static void
give_up(struct runner *r, unsigned i, const char *code, const char *reason)
{
	struct store_error err;
	struct active *a = r->a[i];

	if (store_fail(r->s, a->c.id, r->owner, code, reason, now_s(), &err) !=
	    STORE_OK)
		ut_log(LOG_ERR, "id=%lld: store: %s", (long long)a->c.id,
		       err.msg);
	else if (receipt_hooks_queue(r->c, r->s, a->c.id, STORE_FAILED, code,
				     now_s(), &err) != STORE_OK)
		ut_log(LOG_ERR, "id=%lld: store: hooks: %s", (long long)a->c.id,
		       err.msg);
	else
		hooks_wake();
	metrics_add(M_REJECTED);
	ut_log(LOG_NOTICE, "id=%lld to=%s status=failed code=%s reason=\"%s\"",
	       (long long)a->c.id, UT_LOG_PHONE(a->c.phone), code, reason);
	if (!strncmp(code, "ESME_", 5) || !strcmp(code, "generic_nack"))
		report(r, a->c.id, false, 0, a->nparts, code, NULL);
	else
		report(r, a->c.id, false, 0, a->nparts, NULL, reason);
	a->failed = true;
	if (a->taken >= a->next) /* none of its parts in flight */
		drop(r, i);
}

/* later - put text i back, with backoff, unless it is too old */
static void
later(struct runner *r, unsigned i, const char *code, const char *reason)
{
	struct active *a = r->a[i];
	struct store_error err;
	int64_t now = now_s(), wait;

	if (now - a->c.created > r->c->queue_lifetime) {
		give_up(r, i, "EXPIRED",
			"not taken by the carrier within QueueLifetime");
		return;
	}
	wait = 30LL << (a->c.attempts < 8 ? a->c.attempts : 8);
	if (wait > 3600)
		wait = 3600;
	if (store_retry(r->s, a->c.id, r->owner, now + wait, code, reason, now,
			&err) != STORE_OK)
		ut_log(LOG_ERR, "id=%lld: store: %s", (long long)a->c.id,
		       err.msg);
	metrics_add(M_DEFERRED);
	ut_log(LOG_INFO, "id=%lld to=%s status=deferred code=%s retry=%llds",
	       (long long)a->c.id, UT_LOG_PHONE(a->c.phone), code,
	       (long long)wait);
	a->failed = true;
}

/* plan - encode the parts of a claimed text */
static bool
plan(struct runner *r, struct active *a)
{
	struct sms_error serr;
	struct sms_plan *p;
	unsigned k;
	bool same;

	p = policy_plan_queued(a->c.text, a->c.encoding, &same, &serr);
	if (!p)
		return false;
	if (!same)
		ut_log(LOG_WARNING,
		       "id=%lld: queued as %s, sent as %s (queued by an "
		       "older version)",
		       (long long)a->c.id, a->c.encoding ? "UCS-2" : "GSM-7",
		       sms_encoding_name(p->encoding));
	if (a->c.mms[0] && r->c->transport != CONF_TP_HTTP)
		ut_log(LOG_WARNING,
		       "id=%lld: queued with pictures as MMS, which Transport "
		       "%s cannot send: the text goes without them",
		       (long long)a->c.id,
		       r->c->transport == CONF_TP_SMPP ? "smpp" : "kannel");
	a->nparts = p->nparts > PARTS_MAX ? PARTS_MAX : p->nparts;
	a->data_coding = p->encoding == SMS_UCS2 ? 8 : 0;
	if (tp_whole_texts(r->t)) {
		/* one part, the whole text: the far side splits it */
		sms_plan_free(&p);
		a->nparts = 1;
		a->lens[0] = 0;
		a->ids = calloc(1, sizeof(*a->ids));
		return a->ids != NULL;
	}
	for (k = 0; k < a->nparts; k++)
		if (sms_plan_encode_part(p, k, a->parts[k], sizeof(a->parts[k]),
					 &a->lens[k]) != SMS_OK) {
			sms_plan_free(&p);
			return false;
		}
	sms_plan_free(&p);
	if (r->c->smpp_concatenation == CONF_CONCAT_PAYLOAD && a->nparts > 1) {
		/* the whole text in one message_payload: the SMSC splits it */
		uint8_t *flat = &a->parts[0][0];
		size_t len = a->lens[0];

		for (k = 1; k < a->nparts; k++) {
			memmove(flat + len, a->parts[k], a->lens[k]);
			len += a->lens[k];
		}
		if (len > TP_PAYLOAD_MAX)
			return false;
		a->lens[0] = len;
		a->nparts = 1;
	}
	a->ids = calloc(a->nparts, sizeof(*a->ids));
	/*
	 * the text's own reference, the same at every resend and after a
	 * restart: a phone that has some parts joins the rest to them
	 */
	a->ref = (unsigned)(a->c.id & 0xFF);
	return a->ids != NULL;
}

/* claim - take due texts while there is room for their parts */
static void
claim(struct runner *r)
{
	struct store_claim *cl = NULL;
	struct store_error err;
	unsigned n = 0, i, room = tp_room(r->t);
	bool out;

	if (room == 0 || r->na >= ACTIVE_MAX / 2)
		return;
	r->more = false;
	if (store_claim(r->s, r->owner, now_s(), LEASE_SECONDS, room, &cl, &n,
			&err) != STORE_OK) {
		ut_log(LOG_ERR, "store: claim: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		struct active *a = calloc(1, sizeof(*a));

		if (!a)
			continue; /* store_claims_free frees its text */
		a->c = cl[i];
		cl[i].text = NULL; /* the entry's now */
		r->a[r->na++] = a;
		if (!(a->c.notify & STORE_MSG_KEYWORD) &&
		    store_optout_check(r->s, a->c.phone, a->c.sender, &out,
				       NULL, &err) == STORE_OK &&
		    out) {
			give_up(r, r->na - 1, "OPTOUT",
				"the phone opted out (replied STOP) after the "
				"text was queued");
			continue;
		}
		if (!plan(r, a))
			give_up(r, r->na - 1, "ENCODE",
				"the text cannot be encoded for SMS");
	}
	store_claims_free(&cl, n);
	r->more = n == room;
}

/* submit - hand parts to the transport while it has room */
static void
submit(struct runner *r)
{
	struct tp_error err;
	unsigned i;

	for (i = 0; i < r->na && tp_room(r->t) > 0; i++) {
		struct active *a = r->a[i];

		while (!a->failed && a->next < a->nparts) {
			struct tp_part p = {
			    .msg_id = a->c.id,
			    .seq = a->next + 1,
			    .total = a->nparts,
			    .ref = a->ref,
			    .src = a->c.sender,
			    .dst = a->c.phone,
			    .data_coding = a->data_coding,
			    .data = a->parts[a->next],
			    .len = a->lens[a->next],
			    .receipt = true,
			    .text = tp_whole_texts(r->t) ? a->c.text : NULL,
			    .media = a->c.mms[0] ? a->c.mms : NULL,
			};
			int rc = tp_submit(r->t, &p, &err);

			if (rc == TP_EBUSY)
				return;
			if (rc != TP_OK) {
				give_up(r, i, "SUBMIT", err.msg);
				break;
			}
			if (a->next++ == 0)
				a->sent_ms = ut_now_ms();
		}
	}
}

/* submitted - part seq of text id was taken */
static void
submitted(struct runner *r, const struct tp_event *e)
{
	int i = find(r, e->msg_id);
	struct active *a;
	struct store_error err;
	const char *ids[PARTS_MAX];
	unsigned k;

	if (i < 0)
		return;
	a = r->a[i];
	snprintf(a->ids[e->seq - 1], sizeof(a->ids[0]), "%s", e->smsc_id);
	a->taken++;
	if (a->failed) {
		if (a->taken >= a->next)
			drop(r, (unsigned)i);
		return;
	}
	if (a->taken < a->nparts)
		return;
	for (k = 0; k < a->nparts; k++)
		ids[k] = a->ids[k];
	if (store_submitted(r->s, a->c.id, r->owner, ids, a->nparts, now_s(),
			    &err) != STORE_OK)
		ut_log(LOG_ERR, "id=%lld: store: %s", (long long)a->c.id,
		       err.msg);
	else {
		metrics_add(M_SUBMITTED);
		metrics_latency((unsigned long)(ut_now_ms() - a->sent_ms));
		ut_log(LOG_INFO,
		       "id=%lld to=%s parts=%u encoding=%s smsc_id=%s "
		       "status=submitted",
		       (long long)a->c.id, UT_LOG_PHONE(a->c.phone), a->nparts,
		       a->data_coding ? "UCS-2" : "GSM-7", a->ids[0]);
	}
	drop(r, (unsigned)i);
}

/* ack - answer e once the turn's batch is committed */
static void
ack(struct runner *r, const struct tp_event *e, enum tp_answer a)
{
	if (r->nacks < 32) {
		r->acks[r->nacks] = *e;
		r->answers[r->nacks++] = a;
	}
}

/* going_out - smsc_id names a part of a text still going out */
static bool
going_out(const struct runner *r, const char *smsc_id)
{
	unsigned i, k;

	for (i = 0; i < r->na; i++)
		for (k = 0; k < r->a[i]->nparts; k++)
			if (!strcmp(r->a[i]->ids[k], smsc_id))
				return true;
	return false;
}

/*
 * receipt - a delivery receipt, answered once recorded; one for a
 * segment not recorded yet (its text's last part is still going out)
 * is answered "try later", and the SMSC sends it again
 */
static void
receipt(struct runner *r, const struct tp_event *e)
{
	struct receipt rc = {
	    .smsc_id = e->smsc_id,
	    .state = receipt_smpp_state(e->code),
	    .code = e->code,
	    .reason = e->reason,
	    .err = e->err,
	};
	struct store_error err;

	switch (receipt_record(r->c, r->s, r->mailer, &rc, now_s(), &err)) {
	case RECEIPT_RECORDED:
	case RECEIPT_NOT_FINAL: ack(r, e, TP_DONE); break;
	case RECEIPT_STORE_FAILED: ack(r, e, TP_LATER); break;
	case RECEIPT_UNKNOWN:
		if (going_out(r, e->smsc_id)) {
			ack(r, e, TP_LATER);
			break;
		}
		ut_log(LOG_WARNING, "receipt for %s: %s", e->smsc_id, err.msg);
		ack(r, e, TP_DONE);
		break;
	}
}

/*
 * mo - a text from a phone: answered once recorded and its mail
 * queued (or refused for good), else "try later"
 */
static void
mo(struct runner *r, const struct tp_event *e)
{
	struct inbound_did did = {0};
	struct inbound_sms m = {
	    .provider = "smpp",
	    .from = e->from,
	    .to = e->to,
	    .data_coding = e->data_coding,
	    .esm_class = e->esm_class,
	    .ud = e->ud,
	    .ud_len = e->ud_len,
	    /* answered before the next tp_poll: this is its mark */
	    .session = e->session[0] ? e->session : NULL,
	    .mark = tp_mark(r->t),
	    .did_r = &did,
	};
	enum inbound_result res = inbound_sms(r->c, r->s, &m, now_s());

	metrics_inbound(res);
	/* what cannot be read or routed is refused for good, not taken */
	ack(r, e,
	    res == IN_TEMP  ? TP_LATER
	    : res == IN_BAD ? TP_NEVER
			    : TP_DONE);
	if (res == IN_DONE) {
		r->mailed = true; /* once the batch is committed */
		/* a keyword's answer, a forward: sent without waiting */
		if (did.texted)
			r->more = true;
	}
}

/*
 * confirmed - the carrier had our answers to texts on a session: a
 * later resend of theirs is a new text (only a failed store matters)
 */
static void
confirmed(struct runner *r, const struct tp_event *e)
{
	struct store_error err;

	if (store_unconfirmed_confirm(r->s, e->session, e->mark, &err) !=
	    STORE_OK)
		ut_log(LOG_ERR, "store: %s", err.msg);
}

/* handle - one event from the transport */
static void
handle(struct runner *r, const struct tp_event *e)
{
	int i;

	switch (e->kind) {
	case TP_EV_SUBMITTED: submitted(r, e); break;
	case TP_EV_REJECTED:
	case TP_EV_RETRY:
		i = find(r, e->msg_id);
		if (i < 0)
			break;
		r->a[i]->taken++;
		if (!r->a[i]->failed) {
			if (e->kind == TP_EV_REJECTED)
				give_up(r, (unsigned)i, e->code, e->reason);
			else
				later(r, (unsigned)i, e->code, e->reason);
		}
		i = find(r, e->msg_id);
		if (i >= 0 && r->a[i]->failed &&
		    r->a[i]->taken >= r->a[i]->next)
			drop(r, (unsigned)i);
		break;
	case TP_EV_RECEIPT: receipt(r, e); break;
	case TP_EV_MO: mo(r, e); break;
	case TP_EV_CONFIRMED: confirmed(r, e); break;
	case TP_EV_LINK_UP:
		metrics_link(true);
		ut_log(LOG_NOTICE, "%s: %s", tp_name(r->t), e->reason);
		break;
	case TP_EV_LINK_DOWN:
		metrics_link(false);
		ut_log(LOG_WARNING, "%s: link down: %s", tp_name(r->t),
		       e->reason);
		break;
	case TP_EV_NOTE:
		ut_log(LOG_WARNING, "%s: %s", tp_name(r->t), e->reason);
		break;
	}
}

/* runner_step - one turn of the loop */
unsigned
runner_step(struct runner *r, int timeout_ms, bool claim_now, bool draining)
{
	struct tp_event ev[32];
	unsigned n, i;

	if (!draining && now_s() - r->swept >= SWEEP_SECONDS) {
		r->swept = now_s();
		if (inbound_sweep(r->c, r->s, r->swept) > 0)
			mailer_wake(r->mailer);
		receipt_timeouts(r->c, r->s, r->mailer, r->swept);
		media_purge(r->s, r->swept);
	}
	if (!draining && (claim_now || r->more))
		claim(r);
	submit(r);
	tp_poll(r->t, timeout_ms, ev, 32, &n);
	if (n > 0) {
		struct store_error err;
		bool batch = store_batch_begin(r->s, &err) == STORE_OK;
		bool ok = true;

		r->nacks = 0;
		for (i = 0; i < n; i++)
			handle(r, &ev[i]);
		if (batch && store_batch_end(r->s, &err) != STORE_OK) {
			ut_log(LOG_ERR, "store: %s", err.msg);
			ok = false; /* the SMSC sends its receipts again */
		}
		for (i = 0; i < r->nacks; i++)
			tp_ack(r->t, &r->acks[i],
			       ok ? r->answers[i] : TP_LATER);
		tp_flush(r->t); /* the answers first, in one write */
		/* the mailer finds the batch's mail only once committed */
		if (r->mailed && ok)
			mailer_wake(r->mailer);
		r->mailed = false;
	}
	submit(r);
	if (!draining && r->more)
		claim(r);
	return tp_inflight(r->t);
}

/* runner_stop - give back what was not submitted in full */
void
runner_stop(struct runner **rp)
{
	struct runner *r = *rp;
	struct store_error err;
	unsigned i;

	if (!r)
		return;
	for (i = 0; i < r->na; i++)
		if (!r->a[i]->failed &&
		    store_retry(r->s, r->a[i]->c.id, r->owner, now_s(),
				"STOPPED",
				"smsgw stopped before the text "
				"was submitted",
				now_s(), &err) != STORE_OK)
			ut_log(LOG_ERR, "id=%lld: store: %s",
			       (long long)r->a[i]->c.id, err.msg);
	for (i = 0; i < r->na; i++)
		active_free(&r->a[i]);
	free(r->acks);
	free(r);
	*rp = NULL;
}
