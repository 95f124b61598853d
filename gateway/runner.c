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
 *
 *	A turn's writes (the events' records, and the claim that follows)
 *	are one transaction. With a committer (the send API's group
 *	commit, runner_set_committer), they are one piece of its next
 *	group: one writer and one fsync for the API's texts and the
 *	runner's records together. The transport is answered, and newly
 *	claimed texts are submitted, only once that commit is done. A
 *	group whose transaction never began (the server down) leaves the
 *	turn to the runner's own connection, so that no event goes
 *	unhandled. The record of a text the SMSC took waits in memory
 *	until a commit holds it, and its parts count against the window
 *	until then (room()): a kill -9 sends at most a window again.
 *
 *	With a spool (runner_set_spool: SMPP), texts from phones and what
 *	confirms their answers go to the inbox's own transaction first,
 *	committed and answered at once (inbound_spool, spool.c); the rest
 *	of the turn then goes to the store as above, its answers after it.
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

#define ACTIVE_MAX 512 /* texts claimed and not yet submitted in full */
#define PARTS_MAX  255
#define SWEEP_SECONDS                                                          \
	10 /* how often long texts are checked for parts                       \
	      that never came */

/* A claimed text on its way out. */
struct active {
	struct store_claim c;
	uint8_t (*parts)[160]; /* encoded segments, nparts of them */
	size_t *lens;
	unsigned nparts, next, taken;
	int data_coding;
	unsigned ref;
	char (*ids)[66];
	bool failed;	 /* given up: ignore what else comes for it */
	bool fresh;	 /* claimed in a turn not yet committed */
	int64_t sent_ms; /* when its first part went to the transport */
};

struct runner {
	const struct conf *c;
	struct store *s;   /* written on: the committer's during a turn */
	struct store *own; /* the runner's own connection */
	struct store_committer *g; /* the group commit, or NULL */
	struct spool *spool;	   /* texts from phones: kept, then mailed */
	struct store *inbox;	   /* the spool's inbox, or NULL */
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
	/* texts the SMSC took whose record is not yet in the store */
	struct done *done;
	unsigned ndone, cap_done;
};

/*
 * A text submitted in full whose record (state submitted, the SMSC's
 * ids) waits to be written: kept until a commit holds it, so that a
 * store that is down for a while (a PostgreSQL server restarting) does
 * not make its lease run out and the text go out again.
 */
struct done {
	int64_t id;
	unsigned nparts;
	char **ids;	/* the SMSC's message ids, one a part */
	char phone[24]; /* for the log line */
	int data_coding;
	int64_t sent_ms;
	bool written; /* in the open batch, not committed yet */
};

/* done_free - free the ids of d */
static void
done_free(struct done *d)
{
	unsigned k;

	for (k = 0; k < d->nparts; k++)
		free(d->ids[k]);
	free(d->ids);
}

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
	r->s = r->own = s;
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

/*
 * runner_set_spool - texts from phones kept in sp's inbox and answered
 * once it is committed (inbound_spool); sp mails them
 */
void
runner_set_spool(struct runner *r, struct spool *sp)
{
	r->spool = sp;
	r->inbox = spool_inbox(sp);
}

/* runner_set_committer - write each turn as a piece of g's groups */
void
runner_set_committer(struct runner *r, struct store_committer *g)
{
	r->g = g;
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
	free(a->parts);
	free(a->lens);
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
	bool hooked = false;

	if (store_fail(r->s, a->c.id, r->owner, code, reason, now_s(), &err) !=
	    STORE_OK)
		ut_log(LOG_ERR, "id=%lld: store: %s", (long long)a->c.id,
		       err.msg);
	else if (receipt_hooks_queue(r->c, r->s, a->c.id, STORE_FAILED, code,
				     now_s(), &hooked, &err) != STORE_OK)
		ut_log(LOG_ERR, "id=%lld: store: hooks: %s", (long long)a->c.id,
		       err.msg);
	else if (hooked)
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
	/* as many as there are parts (a claim is up to a window of them) */
	k = a->nparts > 0 ? a->nparts : 1;
	a->parts = malloc(k * sizeof(*a->parts));
	a->lens = calloc(k, sizeof(*a->lens));
	if (!a->parts || !a->lens) {
		sms_plan_free(&p);
		return false;
	}
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

/*
 * room - parts that may go out now: the transport's room, less the
 * parts of texts the SMSC took whose record no commit holds yet. Parts
 * in flight and those stay within the window together, and so does
 * what a kill -9 can send twice (with, for a text of several parts
 * being taken, its parts already taken: a record is written once
 * every part is, or a text longer than the window could never go).
 */
static unsigned
room(const struct runner *r)
{
	unsigned n = tp_room(r->t), risk = 0, i;

	for (i = 0; i < r->ndone; i++)
		risk += r->done[i].nparts;
	return n > risk ? n - risk : 0;
}

/* claimable - the transport has room and the runner space for texts */
static bool
claimable(const struct runner *r)
{
	return room(r) > 0 && r->na < ACTIVE_MAX / 2;
}

/* claim - take due texts while there is room for their parts */
static void
claim(struct runner *r)
{
	struct store_claim *cl = NULL;
	struct store_error err;
	unsigned n = 0, i, max = room(r);
	bool out;

	if (!claimable(r))
		return;
	r->more = false;
	if (store_claim(r->s, r->owner, now_s(), r->c->claim_lease, max, &cl,
			&n, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: claim: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		struct active *a = calloc(1, sizeof(*a));

		if (!a)
			continue; /* store_claims_free frees its text */
		a->c = cl[i];
		a->fresh = true;
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
	r->more = n == max;
}

/* submit - hand parts to the transport while it has room */
static void
submit(struct runner *r)
{
	struct tp_error err;
	unsigned i;

	for (i = 0; i < r->na && room(r) > 0; i++) {
		struct active *a = r->a[i];

		while (!a->failed && a->next < a->nparts && room(r) > 0) {
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

/* keep_done - a's record, to be written with this turn's batch */
static bool
keep_done(struct runner *r, const struct active *a)
{
	struct done *d;
	unsigned k;

	if (r->ndone == r->cap_done) {
		unsigned cap = r->cap_done ? 2 * r->cap_done : 32;
		struct done *more = realloc(r->done, cap * sizeof(*more));

		if (!more)
			return false;
		r->done = more;
		r->cap_done = cap;
	}
	d = &r->done[r->ndone];
	memset(d, 0, sizeof(*d));
	d->ids = calloc(a->nparts, sizeof(*d->ids));
	if (!d->ids)
		return false;
	d->nparts = a->nparts;
	for (k = 0; k < a->nparts; k++)
		if (!(d->ids[k] = strdup(a->ids[k]))) {
			done_free(d);
			return false;
		}
	d->id = a->c.id;
	snprintf(d->phone, sizeof(d->phone), "%s", a->c.phone);
	d->data_coding = a->data_coding;
	d->sent_ms = a->sent_ms;
	r->ndone++;
	return true;
}

/*
 * write_done - write the records that wait (in the open batch, if any):
 * false when the store failed (they wait for the next turn); a record
 * whose lease is no longer ours is dropped, said
 */
static bool
write_done(struct runner *r)
{
	struct store_error err;
	unsigned i;

	for (i = 0; i < r->ndone; i++) {
		struct done *d = &r->done[i];
		int rc;

		if (d->written)
			continue;
		rc = store_submitted(r->s, d->id, r->owner,
				     (const char *const *)d->ids, d->nparts,
				     now_s(), &err);
		if (rc == STORE_OK || rc == STORE_ELEASE) {
			if (rc == STORE_ELEASE)
				ut_log(LOG_WARNING, "id=%lld: store: %s",
				       (long long)d->id, err.msg);
			d->written = true;
			continue;
		}
		ut_log(LOG_ERR,
		       "id=%lld: store: %s; its record waits (%u texts)",
		       (long long)d->id, err.msg, r->ndone);
		return false;
	}
	return true;
}

/* done_committed - the batch holding the written records committed */
static void
done_committed(struct runner *r, bool ok)
{
	unsigned i, k = 0;

	for (i = 0; i < r->ndone; i++) {
		struct done *d = &r->done[i];

		if (!d->written) {
			r->done[k++] = *d;
			continue;
		}
		if (!ok) { /* rolled back: to be written again */
			d->written = false;
			r->done[k++] = *d;
			continue;
		}
		metrics_add(M_SUBMITTED);
		metrics_latency((unsigned long)(ut_now_ms() - d->sent_ms));
		ut_log(LOG_INFO,
		       "id=%lld to=%s parts=%u encoding=%s smsc_id=%s "
		       "status=submitted",
		       (long long)d->id, UT_LOG_PHONE(d->phone), d->nparts,
		       d->data_coding ? "UCS-2" : "GSM-7", d->ids[0]);
		done_free(d);
	}
	r->ndone = k;
}

/* done_waiting - a record waits that the store did not take */
static bool
done_waiting(const struct runner *r)
{
	unsigned i;

	for (i = 0; i < r->ndone; i++)
		if (!r->done[i].written)
			return true;
	return false;
}

/* flush_done - write the records that wait, in a transaction */
static void
flush_done(struct runner *r)
{
	struct store_error err;
	bool ok;

	if (store_unit_begin(r->s, &err) != STORE_OK)
		return; /* still down: said when the records were kept */
	ok = write_done(r);
	ok = store_unit_end(r->s, ok, &err) == STORE_OK && ok;
	done_committed(r, ok);
	if (ok)
		ut_log(LOG_NOTICE, "store: back; the records that waited are "
				   "written");
}

/* submitted - part seq of text id was taken */
static void
submitted(struct runner *r, const struct tp_event *e)
{
	int i = find(r, e->msg_id);
	struct active *a;

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
	if (!keep_done(r, a))
		ut_log(LOG_ERR,
		       "id=%lld: out of memory: its record is lost, and it "
		       "will be sent again when its lease ends",
		       (long long)a->c.id);
	else /* now: a receipt in the same turn looks for its SMSC ids */
		write_done(r);
	drop(r, (unsigned)i);
}

/* ack - answer e once the turn's batch (or the inbox's) is committed */
static void
ack(struct runner *r, const struct tp_event *e, enum tp_answer a)
{
	if (r->nacks < 32) {
		r->acks[r->nacks] = *e;
		r->answers[r->nacks++] = a;
	}
}

/* answer_all - the answers waiting, "try later" unless ok; sent now */
static void
answer_all(struct runner *r, bool ok)
{
	unsigned i;

	for (i = 0; i < r->nacks; i++)
		tp_ack(r->t, &r->acks[i], ok ? r->answers[i] : TP_LATER);
	r->nacks = 0;
	tp_flush(r->t); /* the answers first, in one write */
}

/*
 * going_out - smsc_id names a part of a text still going out, or of one
 * whose record waits to be written (r->done)
 */
static bool
going_out(const struct runner *r, const char *smsc_id)
{
	unsigned i, k;

	for (i = 0; i < r->na; i++)
		for (k = 0; k < r->a[i]->nparts; k++)
			if (!strcmp(r->a[i]->ids[k], smsc_id))
				return true;
	for (i = 0; i < r->ndone; i++)
		for (k = 0; k < r->done[i].nparts; k++)
			if (!strcmp(r->done[i].ids[k], smsc_id))
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
 * mo_of - the text from a phone e carries, as inbound_sms and
 * inbound_spool take it; answered before the next tp_poll, so the
 * transport's mark now is its answer's
 */
static struct inbound_sms
mo_of(struct runner *r, const struct tp_event *e)
{
	struct inbound_sms m = {
	    .provider = "smpp",
	    .from = e->from,
	    .to = e->to,
	    .data_coding = e->data_coding,
	    .esm_class = e->esm_class,
	    .ud = e->ud,
	    .ud_len = e->ud_len,
	    .session = e->session[0] ? e->session : NULL,
	    .mark = tp_mark(r->t),
	};

	return m;
}

/* answer_of - what a text from a phone is answered, by what became of it */
static enum tp_answer
answer_of(enum inbound_result res)
{
	/* what cannot be read or routed is refused for good, not taken */
	return res == IN_TEMP ? TP_LATER : res == IN_BAD ? TP_NEVER : TP_DONE;
}

/*
 * mo - a text from a phone (no spool): answered once recorded and its
 * mail queued (or refused for good), else "try later"
 */
static void
mo(struct runner *r, const struct tp_event *e)
{
	struct inbound_did did = {0};
	struct inbound_sms m = mo_of(r, e);
	enum inbound_result res;

	m.did_r = &did;
	res = inbound_sms(r->c, r->s, &m, now_s());
	metrics_inbound(res);
	ack(r, e, answer_of(res));
	if (res == IN_DONE) {
		r->mailed = true; /* once the batch is committed */
		/* a keyword's answer, a forward: sent without waiting */
		if (did.texted)
			r->more = true;
	}
}

/*
 * mo_spool - a text from a phone kept in the inbox: answered once the
 * inbox's batch is committed (or refused for good), else "try later"
 */
static enum inbound_result
mo_spool(struct runner *r, const struct tp_event *e)
{
	struct inbound_sms m = mo_of(r, e);
	enum inbound_result res = inbound_spool(r->c, r->inbox, &m, now_s());

	ack(r, e, answer_of(res));
	return res;
}

/*
 * confirmed - the carrier had our answers to texts on a session: a
 * later resend of theirs is a new text (only a failed store matters)
 */
static void
confirmed(struct runner *r, const struct tp_event *e)
{
	struct store_error err;

	if (store_unconfirmed_confirm(r->inbox ? r->inbox : r->s, e->session,
				      e->mark, &err) != STORE_OK)
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

/*
 * inbox_turn - the turn's texts from phones, and what confirms their
 * answers, in one transaction of the inbox (marked in inboxed):
 * committed (synced), then answered at once, before the store's part
 * of the turn (the requests that queues are written at the next poll)
 */
static void
inbox_turn(struct runner *r, const struct tp_event *ev, unsigned n,
	   bool inboxed[32])
{
	enum inbound_result res[32];
	struct store_error err;
	bool open = false, ok = true, any = false, kept = false;
	unsigned i;

	for (i = 0; i < n && i < 32; i++) {
		if (ev[i].kind != TP_EV_MO && ev[i].kind != TP_EV_CONFIRMED)
			continue;
		inboxed[i] = any = true;
		if (!open && ok &&
		    !(open = store_batch_begin(r->inbox, &err) == STORE_OK)) {
			ut_log(LOG_ERR, "inbox: %s", err.msg);
			ok = false;
		}
		if (ev[i].kind == TP_EV_CONFIRMED) {
			if (ok)
				confirmed(r, &ev[i]);
		} else if (ok)
			res[i] = mo_spool(r, &ev[i]);
		else /* kept nowhere: sent again */
			ack(r, &ev[i], TP_LATER);
	}
	if (open && store_batch_end(r->inbox, &err) != STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		ok = false;
	}
	for (i = 0; i < n && i < 32; i++) {
		if (!inboxed[i])
			continue;
		if (ev[i].kind == TP_EV_CONFIRMED) {
			if (!ok) /* it comes once: again, outside a batch */
				confirmed(r, &ev[i]);
		} else if (!ok)
			metrics_inbound(IN_TEMP);
		else if (res[i] == IN_DONE) /* counted once mailed */
			kept = true;
		else
			metrics_inbound(res[i]);
	}
	if (kept)
		spool_wake(r->spool);
	if (any)
		answer_all(r, ok);
}

/* A turn's writes: the events to record, then a claim if one is due. */
struct turn {
	struct runner *r;
	const struct tp_event *ev;
	unsigned n;
	const bool *inboxed; /* events handled on the inbox already */
	bool claim;	     /* claim now */
	bool draining;	     /* claim nothing, even if more is due */
	bool ran;	     /* turn_write was called */
};

/* turn_write - record the events, submit, claim; on the store s */
static bool
turn_write(struct store *s, void *arg)
{
	struct turn *u = arg;
	struct runner *r = u->r;
	unsigned i;

	u->ran = true;
	r->s = s;
	write_done(r); /* the records that wait, first */
	for (i = 0; i < u->n; i++)
		if (!u->inboxed[i])
			handle(r, &u->ev[i]);
	if (u->n > 0)
		submit(r); /* texts claimed in earlier turns: committed */
	if (!u->draining && (u->claim || r->more) && !done_waiting(r))
		claim(r);
	r->s = r->own;
	return true;
}

/*
 * turn - the events and the claim in one transaction (the committer's
 * group, or a batch of the runner's own); the events answered once it
 * is committed, "try later" if it failed
 */
static void
turn(struct runner *r, const struct tp_event *ev, unsigned n, bool claim_now,
     bool draining)
{
	bool inboxed[32] = {false};
	struct turn u = {r, ev, n, inboxed, claim_now, draining, false};
	struct store_error err;
	bool ok = true, store_part;
	unsigned i, nmain = 0;

	r->nacks = 0;
	if (r->inbox)
		inbox_turn(r, ev, n, inboxed);
	for (i = 0; i < n && i < 32; i++)
		nmain += !inboxed[i];
	/* nothing for the store (only the inbox's events): no commit */
	store_part =
	    nmain > 0 || r->ndone > 0 || (!draining && (claim_now || r->more));
	if (store_part && r->g) {
		/* a claim alone needs no disk sync (store_lease_claim) */
		if ((nmain > 0 || r->ndone > 0 ? store_committer_run
					       : store_committer_run_lazy)(
			r->g, turn_write, &u, &err) != STORE_OK) {
			ut_log(u.ran ? LOG_ERR : LOG_WARNING,
			       u.ran ? "store: %s"
				     : "store: %s; the turn goes on the "
				       "runner's own connection",
			       err.msg);
			ok = false; /* the SMSC sends its receipts again */
		}
	}
	/*
	 * no committer, or its transaction never began (the server is
	 * down): the turn on the runner's own connection, so that a text
	 * the SMSC took keeps its record and every event its answer
	 */
	if (store_part && !u.ran) {
		/* the events in one batch; a claim alone is its own */
		bool batch =
		    nmain > 0 && store_batch_begin(r->s, &err) == STORE_OK;

		turn_write(r->s, &u);
		ok = !batch || store_batch_end(r->s, &err) == STORE_OK;
		if (!ok)
			ut_log(LOG_ERR, "store: %s", err.msg);
	}
	done_committed(r, ok);
	for (i = r->na; i-- > 0;) {
		/* a claim that was not committed: the texts are not ours */
		if (r->a[i]->fresh && !ok)
			drop(r, i);
		else
			r->a[i]->fresh = false;
	}
	answer_all(r, ok);
	/* the mailer finds the turn's mail only once committed */
	if (r->mailed && ok)
		mailer_wake(r->mailer);
	r->mailed = false;
}

/* runner_step - one turn of the loop */
unsigned
runner_step(struct runner *r, int timeout_ms, bool claim_now, bool draining)
{
	struct tp_event ev[32];
	unsigned n;

	if (!draining && now_s() - r->swept >= SWEEP_SECONDS) {
		r->swept = now_s();
		/* with a spool, its thread mails the stale sets */
		inbound_purge(r->c, r->inbox ? r->inbox : r->s, r->swept);
		if (!r->spool && inbound_sweep(r->c, r->s, r->swept) > 0)
			mailer_wake(r->mailer);
		receipt_timeouts(r->c, r->s, r->mailer, r->swept);
		media_purge(r->s, r->swept);
	}
	/* records that wait are written first (turn_write), and no claim
	   is made while they cannot be */
	if (r->ndone > 0 ||
	    (!draining && (claim_now || r->more) && claimable(r)))
		turn(r, NULL, 0,
		     !draining && claimable(r) && (claim_now || r->more),
		     draining);
	submit(r);
	tp_poll(r->t, timeout_ms, ev, 32, &n);
	if (n > 0 || r->ndone > 0 || (!draining && r->more && claimable(r)))
		turn(r, ev, n, false, draining);
	submit(r);
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
	if (r->ndone > 0)
		flush_done(r);
	if (r->ndone > 0)
		ut_log(LOG_ERR,
		       "%u texts the SMSC took have no record in the store: "
		       "each goes out again when its lease ends",
		       r->ndone);
	for (i = 0; i < r->ndone; i++)
		done_free(&r->done[i]);
	free(r->done);
	free(r->acks);
	free(r);
	*rp = NULL;
}
