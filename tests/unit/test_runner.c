/*
 * NAME
 *	test_runner - smsgw's queue runner, state by state
 * DESCRIPTION
 *	The runner (gateway/runner.c) between a real SQLite store and a
 *	scripted transport: a carrier cannot run here, and the state
 *	machine is the runner's, not the link's (the real SMPP, HTTP and
 *	Kannel links are tested against real peers in tests/gateway).
 *	The transport takes parts into a window and answers them as the
 *	test says: taken (with an SMSC id), refused for good, or "try
 *	later"; it hands out receipts and records every answer the
 *	runner gives.
 *
 *	Each case starts from a queued text and checks the store's state
 *	after each turn: queued -> submitting -> submitted -> delivered;
 *	a refusal fails the text with the carrier's code; a deferral puts
 *	it back with a due time in the future and one more attempt; a
 *	text past QueueLifetime fails EXPIRED; an opt-out after queueing
 *	fails it unsent; a receipt for a part still going out is answered
 *	"later", one for an unknown id "done"; a stop gives back what was
 *	claimed and not sent in full. The parts the transport gets are
 *	the plan the store recorded: encoding and segments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "transport/transport_int.h"

/* What the scripted carrier does with a part it is given. */
enum answer { TAKE, REFUSE, LATER, SILENT };

struct fake {
	struct transport base;
	unsigned window;
	enum answer answer;
	bool whole;
	struct tp_part parts[64];
	uint8_t data[64][160];
	char texts[64][200]; /* the whole text, for whole_texts */
	unsigned nparts;
	unsigned inflight;
	struct tp_event pending[64]; /* handed out at the next poll */
	unsigned npending;
	struct tp_event acked[64];
	enum tp_answer answers[64];
	unsigned nacked;
	uint64_t mark; /* requests "sent" so far: tp_mark */
	/* when set: the most parts the SMSC had whose record no commit
	   held, read on this other connection at each submit */
	struct store *check;
	unsigned most_at_risk;
};

/* committed - texts whose record (submitted or later) a commit holds */
static unsigned
committed(struct store *s)
{
	struct store_filter flt;
	struct store_message *m = NULL;
	struct store_error err;
	unsigned n = 0, i, k = 0;

	store_filter_init(&flt);
	flt.limit = 1000;
	assert_int_equal(store_history(s, &flt, &m, &n, &err), STORE_OK);
	for (i = 0; i < n; i++)
		k += m[i].state == STORE_SUBMITTED ||
		     m[i].state == STORE_DELIVERED;
	store_messages_free(&m, n);
	return k;
}

static void
push(struct fake *f, struct tp_event e)
{
	assert_true(f->npending < 64);
	f->pending[f->npending++] = e;
}

static int
fake_submit(struct transport *t, const struct tp_part *p, struct tp_error *err)
{
	struct fake *f = (struct fake *)t;
	struct tp_event e = {.msg_id = p->msg_id, .seq = p->seq};

	if (f->inflight >= f->window)
		return TP_EBUSY;
	assert_true(f->nparts < 64);
	assert_true(p->len <= sizeof(f->data[0]));
	f->parts[f->nparts] = *p;
	memcpy(f->data[f->nparts], p->data, p->len);
	f->parts[f->nparts].data = f->data[f->nparts];
	snprintf(f->texts[f->nparts], sizeof(f->texts[0]), "%s",
		 p->text ? p->text : "");
	f->parts[f->nparts].text = f->texts[f->nparts];
	f->nparts++;
	f->inflight++;
	if (f->check) { /* texts of two parts (within_window) */
		unsigned risk = f->nparts - 2 * committed(f->check);

		if (risk > f->most_at_risk)
			f->most_at_risk = risk;
	}
	switch (f->answer) {
	case TAKE:
		e.kind = TP_EV_SUBMITTED;
		snprintf(e.smsc_id, sizeof(e.smsc_id), "S%lld-%u",
			 (long long)p->msg_id, p->seq);
		break;
	case REFUSE:
		e.kind = TP_EV_REJECTED;
		snprintf(e.code, sizeof(e.code), "ESME_RINVDSTADR");
		snprintf(e.reason, sizeof(e.reason), "no such number");
		break;
	case LATER:
		e.kind = TP_EV_RETRY;
		snprintf(e.code, sizeof(e.code), "ESME_RTHROTTLED");
		snprintf(e.reason, sizeof(e.reason), "throttled");
		break;
	case SILENT: return TP_OK;
	}
	push(f, e);
	return TP_OK;
}

static unsigned
fake_room(const struct transport *t)
{
	const struct fake *f = (const struct fake *)t;

	return f->inflight < f->window ? f->window - f->inflight : 0;
}

static unsigned
fake_inflight(const struct transport *t)
{
	return ((const struct fake *)t)->inflight;
}

static int
fake_poll(struct transport *t, int timeout_ms, struct tp_event *ev,
	  unsigned max, unsigned *n_r)
{
	struct fake *f = (struct fake *)t;
	unsigned n = f->npending < max ? f->npending : max, i;

	for (i = 0; i < n; i++) {
		ev[i] = f->pending[i];
		if (ev[i].kind <= TP_EV_RETRY && f->inflight > 0)
			f->inflight--;
	}
	memmove(f->pending, f->pending + n,
		(f->npending - n) * sizeof(f->pending[0]));
	f->npending -= n;
	*n_r = n;
	return TP_OK;
}

static void
fake_ack(struct transport *t, const struct tp_event *e, enum tp_answer a)
{
	struct fake *f = (struct fake *)t;

	assert_true(f->nacked < 64);
	f->acked[f->nacked] = *e;
	f->answers[f->nacked++] = a;
}

static void
fake_watch(struct transport *t, int fd)
{
}

static void
fake_close(struct transport *t)
{
}

static uint64_t
fake_mark(const struct transport *t)
{
	return ((const struct fake *)t)->mark;
}

/* no flush: fake_ack answers at once */
static const struct tp_ops fake_ops = {
    "fake",   false,	  fake_submit, fake_room, fake_inflight, fake_poll,
    fake_ack, fake_watch, fake_close,  fake_mark, NULL,
};
static const struct tp_ops fake_whole_ops = {
    "fake",   true,	  fake_submit, fake_room, fake_inflight, fake_poll,
    fake_ack, fake_watch, fake_close,  fake_mark, NULL,
};

struct fixture {
	char dir[64], db[96];
	struct conf *c;
	struct store *s;
	struct fake f;
	struct runner *r;
};

static int
setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	char text[512], *errors = NULL;
	struct store_error err;

	assert_non_null(x);
	snprintf(x->dir, sizeof(x->dir), "/tmp/test_runner.XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->db, sizeof(x->db), "%s/store.db", x->dir);
	snprintf(text, sizeof(text),
		 "SmsDomains sms.example.com\n"
		 "TagSecret 0123456789abcdef-test-secret\n"
		 "DefaultSender +12025550100\n"
		 "Database %s\n"
		 "QueueLifetime 1h\n",
		 x->db);
	x->c = conf_load_string("t.conf", text, &errors);
	if (!x->c)
		fail_msg("%s", errors);
	x->s = store_open(x->db, STORE_SYNC_OFF, &err);
	assert_non_null(x->s);
	x->f.base.ops = &fake_ops;
	x->f.window = 10;
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *x = *state;
	char path[128];

	runner_stop(&x->r);
	store_close(&x->s);
	conf_free(&x->c);
	snprintf(path, sizeof(path), "%s-wal", x->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", x->db);
	unlink(path);
	unlink(x->db);
	rmdir(x->dir);
	free(x);
	return 0;
}

/* queue - text to phone as the milter would (SmartEncoding smart) */
static int64_t
queue(struct fixture *x, const char *phone, const char *text, bool smart,
      int64_t created)
{
	struct policy_plan_opts o;
	struct policy_verdict v;
	struct store_error err;
	struct sms_plan *p;
	int64_t id, thread;
	bool truncated;
	char key[64], tag[POLICY_TAG_LEN + 1];

	policy_plan_opts(x->c, &o);
	o.smart = smart;
	p = policy_plan(&o, text, &truncated, &v);
	assert_non_null(p);
	snprintf(key, sizeof(key), "k-%s-%lld", phone, (long long)created);
	policy_tag(x->c->tag_secret, "alice@example.com", phone, "+12025550100",
		   tag);
	{
		struct store_outbound m = {
		    .owner = "alice@example.com",
		    .phone = phone,
		    .sender = "+12025550100",
		    .tag = tag,
		    .envelope_from = "alice@example.com",
		    .idem_key = key,
		    .notify = STORE_NOTIFY_NEVER,
		    .text = p->text,
		    .encoding = p->encoding == SMS_UCS2 ? 8 : 0,
		    .segments = p->nparts,
		};

		assert_int_equal(
		    store_enqueue(x->s, &m, created, &id, &thread, &err),
		    STORE_OK);
	}
	sms_plan_free(&p);
	return id;
}

/* message - message id as history shows it */
static struct store_message
message(struct fixture *x, int64_t id)
{
	struct store_filter f;
	struct store_message *m = NULL, out;
	struct store_error err;
	unsigned n = 0, i;

	store_filter_init(&f);
	f.limit = 1000;
	assert_int_equal(store_history(x->s, &f, &m, &n, &err), STORE_OK);
	for (i = 0; i < n && m[i].id != id; i++)
		;
	assert_true(i < n);
	out = m[i];
	out.text = NULL;
	store_messages_free(&m, n);
	return out;
}

/* turns - n turns of the runner, claiming at the first */
static void
turns(struct fixture *x, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		runner_step(x->r, 0, i == 0, false);
}

static void
start(struct fixture *x)
{
	x->r = runner_new(x->c, x->s, &x->f.base, NULL, "test-gw");
	assert_non_null(x->r);
}

/* a text goes out part by part, is submitted, then delivered */
static void
delivered(void **state)
{
	struct fixture *x = *state;
	char text[300];
	int64_t id;
	struct tp_event e = {.kind = TP_EV_RECEIPT};
	unsigned k;

	memset(text, 'a', 200);
	text[200] = '\0';
	id = queue(x, "+12025550143", text, true, (int64_t)time(NULL));
	assert_int_equal(message(x, id).state, STORE_QUEUED);
	x->f.answer = SILENT;
	start(x);
	turns(x, 1);
	/* both parts handed over, neither taken: the text is claimed */
	assert_int_equal(x->f.nparts, 2);
	assert_int_equal(message(x, id).state, STORE_SUBMITTING);
	for (k = 0; k < 2; k++) {
		assert_int_equal(x->f.parts[k].msg_id, id);
		assert_int_equal(x->f.parts[k].seq, k + 1);
		assert_int_equal(x->f.parts[k].total, 2);
		assert_int_equal(x->f.parts[k].data_coding, 0);
		assert_true(x->f.parts[k].receipt);
		assert_int_equal(x->f.parts[k].ref, x->f.parts[0].ref);
	}
	assert_int_equal(x->f.parts[0].len, 153);
	assert_int_equal(x->f.parts[1].len, 47);
	/* the first part taken: still submitting; the second: submitted */
	push(&x->f, (struct tp_event){.kind = TP_EV_SUBMITTED,
				      .msg_id = id,
				      .seq = 1,
				      .smsc_id = "S1"});
	turns(x, 1);
	assert_int_equal(message(x, id).state, STORE_SUBMITTING);
	push(&x->f, (struct tp_event){.kind = TP_EV_SUBMITTED,
				      .msg_id = id,
				      .seq = 2,
				      .smsc_id = "S2"});
	turns(x, 1);
	assert_int_equal(message(x, id).state, STORE_SUBMITTED);
	/* one receipt: still submitted; both: delivered */
	snprintf(e.smsc_id, sizeof(e.smsc_id), "S1");
	snprintf(e.code, sizeof(e.code), "DELIVRD");
	push(&x->f, e);
	turns(x, 1);
	assert_int_equal(message(x, id).state, STORE_SUBMITTED);
	snprintf(e.smsc_id, sizeof(e.smsc_id), "S2");
	push(&x->f, e);
	turns(x, 1);
	assert_int_equal(message(x, id).state, STORE_DELIVERED);
	assert_int_equal(x->f.nacked, 2);
	assert_int_equal(x->f.answers[0], TP_DONE);
	assert_int_equal(x->f.answers[1], TP_DONE);
	/* nothing sent twice */
	assert_int_equal(x->f.nparts, 2);
}

/* the plan the store recorded is the plan sent, smart or not */
static void
as_queued(void **state)
{
	struct fixture *x = *state;
	int64_t a, b;

	x->f.answer = TAKE;
	a = queue(x, "+12025550143", "It’s done — see you", false,
		  (int64_t)time(NULL));
	b = queue(x, "+12025550144", "It’s done — see you", true,
		  (int64_t)time(NULL));
	start(x);
	turns(x, 3);
	assert_int_equal(x->f.nparts, 2);
	assert_int_equal(message(x, a).state, STORE_SUBMITTED);
	assert_int_equal(message(x, b).state, STORE_SUBMITTED);
	/* SmartEncoding no: UCS-2, 19 units; yes: GSM-7, 19 septets */
	assert_int_equal(x->f.parts[0].msg_id, a);
	assert_int_equal(x->f.parts[0].data_coding, 8);
	assert_int_equal(x->f.parts[0].len, 38);
	assert_memory_equal(x->f.parts[0].data + 4, "\x20\x19", 2);
	assert_int_equal(x->f.parts[1].data_coding, 0);
	assert_int_equal(x->f.parts[1].len, 19);
	assert_memory_equal(x->f.parts[1].data, "It's done - see you", 19);
}

/*
 * texts the SMSC took whose record no commit holds, and parts in
 * flight, stay within the window together: a kill -9 at any moment
 * sends at most a window again (the window is not refilled by parts
 * whose texts' records are still being written)
 */
static void
within_window(void **state)
{
	struct fixture *x = *state;
	struct store_error err;
	char phone[16], text[200];
	unsigned i;

	/* 20 texts of two parts: a claim of a window's texts has more
	   parts than the window, and the rest go in later turns */
	memset(text, 'w', 180);
	text[180] = '\0';
	x->f.answer = TAKE;
	for (i = 0; i < 20; i++) {
		snprintf(phone, sizeof(phone), "+120255501%02u", i);
		queue(x, phone, text, true, (int64_t)time(NULL));
	}
	x->f.check = store_open(x->db, STORE_SYNC_OFF, &err);
	assert_non_null(x->f.check);
	start(x);
	for (i = 0; i < 60 && committed(x->f.check) < 20; i++)
		runner_step(x->r, 0, true, false);
	assert_int_equal(committed(x->f.check), 20);
	assert_int_equal(x->f.nparts, 40); /* each part once */
	/* a window went out before the first record: all of it at risk */
	assert_int_equal(x->f.most_at_risk, x->f.window);
	store_close(&x->f.check);
}

/* a transport that takes whole texts gets the text as queued */
static void
whole_texts(void **state)
{
	struct fixture *x = *state;
	int64_t id;

	x->f.base.ops = &fake_whole_ops;
	x->f.answer = TAKE;
	id = queue(x, "+12025550143", "It’s done — see you", true,
		   (int64_t)time(NULL));
	start(x);
	turns(x, 2);
	assert_int_equal(x->f.nparts, 1);
	assert_int_equal(x->f.parts[0].total, 1);
	assert_string_equal(x->f.parts[0].text, "It's done - see you");
	assert_int_equal(message(x, id).state, STORE_SUBMITTED);
}

/* a refusal for good fails the text with the carrier's code */
static void
refused(void **state)
{
	struct fixture *x = *state;
	struct store_message m;
	int64_t id;

	x->f.answer = REFUSE;
	id = queue(x, "+12025550143", "hello", true, (int64_t)time(NULL));
	start(x);
	turns(x, 2);
	m = message(x, id);
	assert_int_equal(m.state, STORE_FAILED);
	assert_string_equal(m.error, "ESME_RINVDSTADR");
	/* and it is not sent again */
	turns(x, 3);
	assert_int_equal(x->f.nparts, 1);
}

/* "try later" puts it back, due later, one attempt more */
static void
deferred(void **state)
{
	struct fixture *x = *state;
	struct store_message m;
	int64_t id, now = (int64_t)time(NULL);

	x->f.answer = LATER;
	id = queue(x, "+12025550143", "hello", true, now);
	start(x);
	turns(x, 2);
	m = message(x, id);
	assert_int_equal(m.state, STORE_QUEUED);
	assert_int_equal(m.attempts, 1);
	assert_true(m.due >= now + 30);
	assert_string_equal(m.error, "ESME_RTHROTTLED");
	/* not claimed again before it is due */
	turns(x, 3);
	assert_int_equal(x->f.nparts, 1);
}

/* a text older than QueueLifetime that is deferred fails EXPIRED */
static void
expired(void **state)
{
	struct fixture *x = *state;
	struct store_message m;
	int64_t id;

	x->f.answer = LATER;
	id =
	    queue(x, "+12025550143", "hello", true, (int64_t)time(NULL) - 7200);
	start(x);
	turns(x, 2);
	m = message(x, id);
	assert_int_equal(m.state, STORE_FAILED);
	assert_string_equal(m.error, "EXPIRED");
}

/*
 * a turn the group commit refuses (its transaction never began: the
 * server down, the committer stopped) still handles its events, on the
 * runner's own connection: the SMSC's answer is recorded, a receipt
 * answered, nothing dropped to be sent again when the lease ends
 */
static void
committer_down(void **state)
{
	struct fixture *x = *state;
	struct tp_event e = {.kind = TP_EV_RECEIPT, .code = "DELIVRD"};
	struct store_committer *g;
	struct store_error err;
	int64_t id;

	x->f.answer = SILENT;
	id = queue(x, "+12025550143", "through the group", true,
		   (int64_t)time(NULL));
	g = store_committer_start(x->db, STORE_SYNC_OFF, NULL, NULL, &err);
	assert_non_null(g);
	start(x);
	runner_set_committer(x->r, g);
	turns(x, 1); /* claimed in the committer's group, handed over */
	assert_int_equal(x->f.nparts, 1);
	assert_int_equal(message(x, id).state, STORE_SUBMITTING);
	store_committer_stop(g); /* every piece refused from now on */
	push(&x->f, (struct tp_event){.kind = TP_EV_SUBMITTED,
				      .msg_id = id,
				      .seq = 1,
				      .smsc_id = "G1"});
	turns(x, 1);
	assert_int_equal(message(x, id).state, STORE_SUBMITTED);
	snprintf(e.smsc_id, sizeof(e.smsc_id), "G1");
	push(&x->f, e);
	turns(x, 1);
	assert_int_equal(message(x, id).state, STORE_DELIVERED);
	assert_int_equal(x->f.nacked, 1);
	assert_int_equal(x->f.answers[0], TP_DONE);
	assert_int_equal(x->f.nparts, 1); /* sent once */
	runner_stop(&x->r);
	store_committer_free(&g);
}

/* a STOP that came after the text was queued: failed, never sent */
static void
opted_out(void **state)
{
	struct fixture *x = *state;
	struct store_error err;
	struct store_message m;
	int64_t id;

	x->f.answer = TAKE;
	id = queue(x, "+12025550143", "hello", true, (int64_t)time(NULL));
	assert_int_equal(store_optout_add(x->s, "+12025550143", NULL, "STOP",
					  (int64_t)time(NULL), &err),
			 STORE_OK);
	start(x);
	turns(x, 2);
	m = message(x, id);
	assert_int_equal(m.state, STORE_FAILED);
	assert_string_equal(m.error, "OPTOUT");
	assert_int_equal(x->f.nparts, 0);
}

/*
 * receipts: one for a part still going out is "later" (the SMSC sends
 * it again), one for an id nobody has is done with
 */
static void
receipts(void **state)
{
	struct fixture *x = *state;
	struct tp_event e = {.kind = TP_EV_RECEIPT, .code = "DELIVRD"};
	char text[300];
	int64_t id;

	memset(text, 'b', 200);
	text[200] = '\0';
	x->f.answer = SILENT;
	id = queue(x, "+12025550143", text, true, (int64_t)time(NULL));
	start(x);
	turns(x, 1);
	push(&x->f, (struct tp_event){.kind = TP_EV_SUBMITTED,
				      .msg_id = id,
				      .seq = 1,
				      .smsc_id = "S1"});
	snprintf(e.smsc_id, sizeof(e.smsc_id), "S1");
	push(&x->f, e);
	snprintf(e.smsc_id, sizeof(e.smsc_id), "NOBODY");
	push(&x->f, e);
	turns(x, 1);
	assert_int_equal(x->f.nacked, 2);
	assert_string_equal(x->f.acked[0].smsc_id, "S1");
	assert_int_equal(x->f.answers[0], TP_LATER);
	assert_string_equal(x->f.acked[1].smsc_id, "NOBODY");
	assert_int_equal(x->f.answers[1], TP_DONE);
	assert_int_equal(message(x, id).state, STORE_SUBMITTING);
}

/* a stop gives back what was claimed and not sent in full */
static void
stopped(void **state)
{
	struct fixture *x = *state;
	struct store_message m;
	int64_t id;

	x->f.answer = SILENT;
	x->f.window = 0; /* nothing can go out */
	id = queue(x, "+12025550143", "hello", true, (int64_t)time(NULL));
	start(x);
	x->f.window = 1;
	turns(x, 1);
	assert_int_equal(message(x, id).state, STORE_SUBMITTING);
	runner_stop(&x->r);
	m = message(x, id);
	assert_int_equal(m.state, STORE_QUEUED);
	assert_string_equal(m.error, "STOPPED");
	/* a new runner sends it */
	x->f.answer = TAKE;
	x->f.inflight = 0;
	x->f.nparts = 0;
	start(x);
	turns(x, 2);
	assert_int_equal(x->f.nparts, 1);
	assert_int_equal(message(x, id).state, STORE_SUBMITTED);
}

/* texts from phones: recorded is done, unreadable is refused for good */
static void
texts_from_phones(void **state)
{
	struct fixture *x = *state;
	struct tp_event e = {.kind = TP_EV_MO, .to = "12025550100"};

	start(x);
	snprintf(e.from, sizeof(e.from), "12025550143");
	memcpy(e.ud, "hello", 5);
	e.ud_len = 5;
	e.ack_seq = 7;
	push(&x->f, e);
	snprintf(e.from, sizeof(e.from), "1202555\r\n0143");
	e.ack_seq = 8;
	push(&x->f, e);
	turns(x, 1);
	assert_int_equal(x->f.nacked, 2);
	assert_int_equal(x->f.acked[0].ack_seq, 7);
	assert_int_equal(x->f.answers[0], TP_DONE);
	assert_int_equal(x->f.acked[1].ack_seq, 8);
	assert_int_equal(x->f.answers[1], TP_NEVER);
}

/*
 * a long text keeps its concatenation reference when it is sent again
 * (after a stop, by another runner): the phone joins the parts it has
 */
static void
same_reference(void **state)
{
	struct fixture *x = *state;
	char text[300];
	int64_t id;
	unsigned first;

	memset(text, 'c', 200);
	text[200] = '\0';
	id = queue(x, "+12025550143", text, true, (int64_t)time(NULL));
	x->f.answer = SILENT;
	x->f.window = 1;
	start(x);
	turns(x, 1);
	assert_int_equal(x->f.nparts, 1); /* part 1 only */
	assert_int_equal(x->f.parts[0].msg_id, id);
	first = x->f.parts[0].ref;
	runner_stop(&x->r);
	/* another run, where an older text is claimed before it */
	queue(x, "+12025550140", "an older one", true,
	      (int64_t)time(NULL) - 10);
	x->f.answer = TAKE;
	x->f.inflight = 0;
	x->f.window = 10;
	start(x);
	turns(x, 2);
	assert_int_equal(x->f.nparts, 1 + 3);
	assert_int_not_equal(x->f.parts[1].msg_id, id); /* the older one */
	assert_int_equal(x->f.parts[2].msg_id, id);
	assert_int_equal(x->f.parts[2].ref, first);
	assert_int_equal(x->f.parts[3].ref, first);
	assert_int_equal(x->f.parts[3].seq, 2);
	assert_int_equal(message(x, id).state, STORE_SUBMITTED);
}

/* texts_in - texts from phones recorded (each has its mail queued) */
static unsigned
texts_in(struct fixture *x)
{
	struct store_filter f;
	struct store_message *m = NULL;
	struct store_error err;
	unsigned n = 0, i, in = 0;

	store_filter_init(&f);
	f.limit = 1000;
	assert_int_equal(store_history(x->s, &f, &m, &n, &err), STORE_OK);
	for (i = 0; i < n; i++)
		in += !strcmp(m[i].direction, "in");
	store_messages_free(&m, n);
	return in;
}

/* mo_on - a deliver_sm of text (hex user data when udh) on session */
static void
mo_on(struct fixture *x, const char *session, const char *text, bool udh,
      uint32_t seq)
{
	struct tp_event e = {.kind = TP_EV_MO, .to = "12025550100"};
	size_t n = strlen(text), i;

	snprintf(e.from, sizeof(e.from), "12025550143");
	snprintf(e.session, sizeof(e.session), "%s", session);
	if (udh) {
		e.esm_class = 0x40;
		for (i = 0; i < n / 2; i++)
			sscanf(text + 2 * i, "%2hhx", &e.ud[i]);
		e.ud_len = n / 2;
	} else {
		memcpy(e.ud, text, n);
		e.ud_len = n;
	}
	e.ack_seq = seq;
	push(&x->f, e);
}

/* confirm_on - the carrier answered a request sent at mark on session */
static void
confirm_on(struct fixture *x, const char *session, uint64_t mark)
{
	struct tp_event e = {.kind = TP_EV_CONFIRMED, .mark = mark};

	snprintf(e.session, sizeof(e.session), "%s", session);
	push(&x->f, e);
}

/*
 * a text, a two-part set and the last part of a set, each answered on
 * a link that dropped before the carrier was seen to have the answer,
 * then sent again on the next link: each is mailed once, and every
 * resend is answered "done"; the same words twice on one link are two
 * texts, and a text sent again after its answer was confirmed is new
 */
static void
resent_texts(void **state)
{
	struct fixture *x = *state;
	unsigned k;

	start(x);
	/* link A answers a text and a set, then drops */
	x->f.mark = 5;
	mo_on(x, "A", "hello", false, 1);
	mo_on(x, "A", "0500037702016869", true, 2);	      /* "hi" 1/2 */
	mo_on(x, "A", "05000377020220746865726521", true, 3); /* 2/2 */
	turns(x, 1);
	assert_int_equal(texts_in(x), 2);
	/* link B: the SMSC sends all three again */
	x->f.mark = 9;
	mo_on(x, "B", "hello", false, 1);
	mo_on(x, "B", "0500037702016869", true, 2);
	mo_on(x, "B", "05000377020220746865726521", true, 3);
	turns(x, 1);
	assert_int_equal(texts_in(x), 2);
	for (k = 0; k < x->f.nacked; k++)
		assert_int_equal(x->f.answers[k], TP_DONE);
	/* link B drops too: link C gets the last part again, still once */
	x->f.mark = 12;
	mo_on(x, "C", "05000377020220746865726521", true, 4);
	turns(x, 1);
	assert_int_equal(texts_in(x), 2);
	/* C confirms: the same words now are a new text */
	confirm_on(x, "C", 13);
	turns(x, 1);
	x->f.mark = 14;
	mo_on(x, "D", "05000377020220746865726521", true, 5);
	turns(x, 1);
	assert_int_equal(texts_in(x), 2); /* part 2 of 2 kept, waiting */
	/* the same words twice on one link: two texts */
	mo_on(x, "D", "again", false, 6);
	mo_on(x, "D", "again", false, 7);
	turns(x, 1);
	assert_int_equal(texts_in(x), 4);
	/* B confirmed what it answered: "hello" on a new link is new */
	confirm_on(x, "B", 10);
	mo_on(x, "E", "hello", false, 8);
	turns(x, 1);
	assert_int_equal(texts_in(x), 5);
}

/* mail_from - whether a queued mail's envelope is from `from` */
static bool
mail_from(struct fixture *x, const char *from, const char *has)
{
	struct store_mail *m = NULL;
	struct store_error err;
	unsigned n = 0, i;
	bool found = false;

	assert_int_equal(store_mail_claim(x->s, "t", (int64_t)time(NULL), 1,
					  100, &m, &n, &err),
			 STORE_OK);
	for (i = 0; i < n; i++) {
		char *text = strndup((const char *)m[i].data, m[i].len);

		assert_non_null(text);
		if (!strcmp(m[i].from, from) && strstr(text, has))
			found = true;
		free(text);
	}
	store_mails_free(&m, n);
	assert_int_equal(store_mail_release(x->s, "t", &err), STORE_OK);
	return found;
}

/*
 * texts from a short code and a sender name are mailed from them at
 * the SMS domain; a keyword from one is not acted on (no answer is
 * queued to what cannot receive texts); a sender with a control
 * character stays refused for good
 */
static void
short_codes_and_names(void **state)
{
	struct fixture *x = *state;
	struct tp_event e = {.kind = TP_EV_MO, .to = "12025550100"};
	unsigned k;

	start(x);
	snprintf(e.from, sizeof(e.from), "32665");
	memcpy(e.ud, "Your code is 1234", 17);
	e.ud_len = 17;
	e.ack_seq = 1;
	push(&x->f, e);
	snprintf(e.from, sizeof(e.from), "Amazon Pay");
	memcpy(e.ud, "Paid", 4);
	e.ud_len = 4;
	e.ack_seq = 2;
	push(&x->f, e);
	snprintf(e.from, sizeof(e.from), "AMAZON");
	memcpy(e.ud, "HELP", 4);
	e.ack_seq = 3;
	push(&x->f, e);
	snprintf(e.from, sizeof(e.from), "AMA\tZON");
	e.ack_seq = 4;
	push(&x->f, e);
	turns(x, 2);
	assert_int_equal(x->f.nacked, 4);
	for (k = 0; k < 3; k++)
		assert_int_equal(x->f.answers[k], TP_DONE);
	assert_int_equal(x->f.answers[3], TP_NEVER);
	assert_int_equal(texts_in(x), 3);
	assert_true(mail_from(x, "32665@sms.example.com", "Your code is 1234"));
	assert_true(mail_from(x, "32665@sms.example.com",
			      "From: 32665 <32665@sms.example.com>"));
	assert_true(mail_from(x, "AMAZON_PAY@sms.example.com", "Paid"));
	assert_true(mail_from(x, "AMAZON_PAY@sms.example.com",
			      "From: AMAZON PAY <AMAZON_PAY@sms.example.com>"));
	assert_true(mail_from(x, "AMAZON@sms.example.com", "HELP"));
	assert_int_equal(x->f.nparts, 0); /* no answer to HELP went out */
}

/*
 * take_back_dead_runs - a new run takes back the leases of a run of
 * this host that is gone, not those of one still alive (a predecessor
 * finishing while its successor starts: taking them would send twice)
 */
static void
take_back_dead_runs(void **state)
{
	struct fixture *x = *state;
	struct store_claim *c = NULL;
	struct store_error err;
	char dead[64], alive[64], ours[64];
	unsigned n = 0;
	pid_t child;
	int64_t a, b;

	/* a pid that is gone: a child that has exited and been reaped */
	child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	snprintf(dead, sizeof(dead), "smsgw@test/%ld", (long)child);
	snprintf(alive, sizeof(alive), "smsgw@test/%ld", (long)getppid());
	snprintf(ours, sizeof(ours), "smsgw@test/%ld", (long)getpid());
	a = queue(x, "+12025550143", "held by a dead run", true,
		  (int64_t)time(NULL));
	assert_int_equal(
	    store_claim(x->s, dead, (int64_t)time(NULL), 300, 1, &c, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	store_claims_free(&c, n);
	b = queue(x, "+12025550144", "held by a live run", true,
		  (int64_t)time(NULL));
	assert_int_equal(
	    store_claim(x->s, alive, (int64_t)time(NULL), 300, 1, &c, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	store_claims_free(&c, n);
	x->r = runner_new(x->c, x->s, &x->f.base, NULL, ours);
	assert_non_null(x->r);
	assert_int_equal(message(x, a).state, STORE_QUEUED);
	assert_int_equal(message(x, b).state, STORE_SUBMITTING);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(delivered, setup, teardown),
	    cmocka_unit_test_setup_teardown(as_queued, setup, teardown),
	    cmocka_unit_test_setup_teardown(whole_texts, setup, teardown),
	    cmocka_unit_test_setup_teardown(within_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(committer_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(deferred, setup, teardown),
	    cmocka_unit_test_setup_teardown(expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(opted_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(receipts, setup, teardown),
	    cmocka_unit_test_setup_teardown(stopped, setup, teardown),
	    cmocka_unit_test_setup_teardown(texts_from_phones, setup, teardown),
	    cmocka_unit_test_setup_teardown(same_reference, setup, teardown),
	    cmocka_unit_test_setup_teardown(resent_texts, setup, teardown),
	    cmocka_unit_test_setup_teardown(take_back_dead_runs, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(short_codes_and_names, setup,
					    teardown),
	};

	mp_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
