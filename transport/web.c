/*
 * NAME
 *	web - a window of HTTP requests on libcurl's multi interface
 * DESCRIPTION
 *	The web transports (http.c, kannel.c) build one request a part
 *	and read each answer; this file does the rest. Parts wait in a
 *	window of slots: waiting (to be sent when their time comes) or
 *	sent (a request under way). tp_poll runs curl's multi interface
 *	for up to its timeout and wakes early for the watched fd.
 *
 *	An answer the kind reads as "not now" (429, 5xx) and a request
 *	that got no answer (refused, reset, timed out) wait with backoff
 *	(1, 2, 4... seconds) and are sent again, up to tries sends; then
 *	a TP_EV_RETRY hands the part back. A request that timed out may
 *	have been taken: sending it again may reach the phone twice,
 *	never zero times (as with SMPP). While the far side cannot be
 *	reached, the window takes one part at a time, to probe it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "transport/transport_int.h"

#define EVENTS_MAX  1024
#define ANSWER_MAX  (16 * 1024) /* more of an answer is not read */
#define BACKOFF_MAX 30

enum slot_state { FREE, WAITING, SENT };

struct slot {
	enum slot_state state;
	int64_t msg_id;
	unsigned seq;
	struct web_req rq;
	unsigned tries;
	double due; /* WAITING: not before */
	CURL *easy;
	char answer[ANSWER_MAX + 1];
	size_t answer_len;
	char errbuf[CURL_ERROR_SIZE];
};

struct web {
	struct transport tp; /* first: the operations */
	struct tp_ops ops;   /* web_ops, named after the kind */
	const struct web_kind *kind;
	void *ctx;
	struct web_limits lim;
	CURLM *multi;
	struct curl_slist *headers;
	struct slot *slots;
	int watch_fd;
	int up; /* -1: not known yet, 0: cannot be reached, 1: answers */
	struct tp_event *ev; /* a ring of events not yet polled */
	unsigned ev_head, ev_n;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* web_escape - percent-encode all but RFC 3986's unreserved characters */
char *
web_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return out;
}

/* event - a new event at the end of the ring (the oldest goes if full) */
static struct tp_event *
event(struct web *w, enum tp_event_kind kind)
{
	struct tp_event *e;

	if (w->ev_n == EVENTS_MAX) {
		w->ev_head = (w->ev_head + 1) % EVENTS_MAX;
		w->ev_n--;
	}
	e = &w->ev[(w->ev_head + w->ev_n++) % EVENTS_MAX];
	memset(e, 0, offsetof(struct tp_event, ud));
	e->kind = kind;
	return e;
}

static void
req_free(struct web_req *rq)
{
	free(rq->url);
	free(rq->body);
	memset(rq, 0, sizeof(*rq));
}

/* on_data - keep the start of an answer */
static size_t
on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct slot *s = arg;
	size_t n = size * nmemb, room = ANSWER_MAX - s->answer_len;

	memcpy(s->answer + s->answer_len, data, n < room ? n : room);
	s->answer_len += n < room ? n : room;
	return n;
}

/* start - send the request of a waiting slot */
static void
start(struct web *w, struct slot *s)
{
	CURL *c = s->easy;

	curl_easy_reset(c);
	s->answer_len = 0;
	s->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, s->rq.url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)w->lim.timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
			 (long)(w->lim.timeout < 10 ? w->lim.timeout : 10));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "smsgw");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(c, CURLOPT_PRIVATE, s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, w->headers);
	if (s->rq.body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, s->rq.body);
	if (s->rq.user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, s->rq.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
				 s->rq.password ? s->rq.password : "");
	}
	s->tries++;
	s->state = SENT;
	if (curl_multi_add_handle(w->multi, c) != CURLM_OK) {
		s->state = WAITING;
		s->due = now_s() + 1;
	}
}

/* settle - a slot's outcome as an event; the slot is free again */
static void
settle(struct web *w, struct slot *s, enum tp_event_kind kind,
       const struct tp_event *from)
{
	struct tp_event *e = event(w, kind);

	e->msg_id = s->msg_id;
	e->seq = s->seq;
	memcpy(e->smsc_id, from->smsc_id, sizeof(e->smsc_id));
	memcpy(e->code, from->code, sizeof(e->code));
	memcpy(e->reason, from->reason, sizeof(e->reason));
	req_free(&s->rq);
	s->state = FREE;
}

/* reach - note that the far side answers, or cannot be reached */
static void
reach(struct web *w, int up, const char *why)
{
	struct tp_event *e;

	if (w->up == up)
		return;
	w->up = up;
	e = event(w, up ? TP_EV_LINK_UP : TP_EV_LINK_DOWN);
	snprintf(e->reason, sizeof(e->reason), "%s", why);
}

/* done - a request ended: answered, or not */
static void
done(struct web *w, struct slot *s, CURLcode rc)
{
	struct tp_event e;
	enum web_verdict v;
	long status = 0;
	char why[160];

	memset(&e, 0, offsetof(struct tp_event, ud));
	e.msg_id = s->msg_id;
	e.seq = s->seq;
	if (rc != CURLE_OK) {
		snprintf(e.code, sizeof(e.code), "%s",
			 rc == CURLE_OPERATION_TIMEDOUT ? "TIMEOUT"
			 : rc == CURLE_COULDNT_CONNECT	? "CONNECT"
							: "NETWORK");
		snprintf(e.reason, sizeof(e.reason), "%s: %.150s",
			 w->kind->name,
			 s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		if (rc != CURLE_OPERATION_TIMEDOUT)
			reach(w, 0, e.reason);
		v = WEB_RETRY;
	} else {
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		snprintf(why, sizeof(why), "%s answers (HTTP %ld)",
			 w->kind->name, status);
		reach(w, 1, why);
		s->answer[s->answer_len] = '\0';
		v = w->kind->answer(w->ctx, status, s->answer, s->answer_len,
				    &e);
	}
	switch (v) {
	case WEB_TAKEN:
		if (e.reason[0]) /* taken, with something to say */
			snprintf(event(w, TP_EV_NOTE)->reason, sizeof(e.reason),
				 "%s", e.reason);
		settle(w, s, TP_EV_SUBMITTED, &e);
		break;
	case WEB_REJECTED: settle(w, s, TP_EV_REJECTED, &e); break;
	case WEB_RETRY:
		if (s->tries < w->lim.tries) {
			unsigned wait = 1u << (s->tries - 1);

			s->state = WAITING;
			s->due =
			    now_s() + (wait > BACKOFF_MAX ? BACKOFF_MAX : wait);
		} else {
			settle(w, s, TP_EV_RETRY, &e);
		}
		break;
	}
}

/* collect - the requests curl has finished */
static void
collect(struct web *w)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(w->multi, &left)) != NULL) {
		struct slot *s = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &s);
		curl_multi_remove_handle(w->multi, m->easy_handle);
		if (s)
			done(w, s, m->data.result);
	}
}

/* start_due - send the waiting parts whose time has come */
static void
start_due(struct web *w, double now)
{
	unsigned i;

	for (i = 0; i < w->lim.window; i++)
		if (w->slots[i].state == WAITING && w->slots[i].due <= now)
			start(w, &w->slots[i]);
}

static unsigned
web_inflight(const struct transport *t)
{
	const struct web *w = (const struct web *)t;
	unsigned i, n = 0;

	for (i = 0; i < w->lim.window; i++)
		n += w->slots[i].state != FREE;
	return n;
}

/* web_room - free slots; one at a time while the far side is away */
static unsigned
web_room(const struct transport *t)
{
	const struct web *w = (const struct web *)t;
	unsigned busy = web_inflight(t);

	if (w->up == 0)
		return busy == 0 ? 1 : 0;
	return w->lim.window - busy;
}

/* web_submit - build the part's request into a free slot */
static int
web_submit(struct transport *t, const struct tp_part *p, struct tp_error *err)
{
	struct web *w = (struct web *)t;
	struct slot *s = NULL;
	unsigned i;
	int rc;

	for (i = 0; i < w->lim.window && !s; i++)
		if (w->slots[i].state == FREE)
			s = &w->slots[i];
	if (!s)
		return tp_fail(err, TP_EBUSY, "the window is full");
	memset(&s->rq, 0, sizeof(s->rq));
	rc = w->kind->build(w->ctx, p, &s->rq, err);
	if (rc != TP_OK) {
		req_free(&s->rq);
		return rc;
	}
	s->msg_id = p->msg_id;
	s->seq = p->seq;
	s->tries = 0;
	s->due = 0;
	s->state = WAITING;
	return TP_OK;
}

/* web_poll - send what is due, run curl, then the events */
static int
web_poll(struct transport *t, int timeout_ms, struct tp_event *ev, unsigned max,
	 unsigned *n_r)
{
	struct web *w = (struct web *)t;
	struct curl_waitfd extra = {.fd = w->watch_fd,
				    .events = CURL_WAIT_POLLIN};
	double now = now_s();
	int running = 0, ms = timeout_ms;
	unsigned i, n = 0;

	start_due(w, now);
	curl_multi_perform(w->multi, &running);
	collect(w);
	if (w->ev_n == 0 && ms > 0) {
		for (i = 0; i < w->lim.window; i++) {
			double wait = w->slots[i].due - now;

			if (w->slots[i].state == WAITING && wait * 1000 < ms)
				ms = wait > 0 ? (int)(wait * 1000) + 1 : 0;
		}
		curl_multi_poll(w->multi, w->watch_fd >= 0 ? &extra : NULL,
				w->watch_fd >= 0 ? 1 : 0, ms, NULL);
		curl_multi_perform(w->multi, &running);
		collect(w);
	}
	while (n < max && w->ev_n > 0) {
		ev[n++] = w->ev[w->ev_head];
		w->ev_head = (w->ev_head + 1) % EVENTS_MAX;
		w->ev_n--;
	}
	*n_r = n;
	return TP_OK;
}

/* web_ack - receipts come through the webhook server: nothing to do */
static void
web_ack(struct transport *t, const struct tp_event *e, enum tp_answer a)
{
	(void)t, (void)e, (void)a;
}

static void
web_watch(struct transport *t, int fd)
{
	((struct web *)t)->watch_fd = fd;
}

/* web_close - stop what is under way and free */
static void
web_close(struct transport *t)
{
	struct web *w = (struct web *)t;
	unsigned i;

	for (i = 0; w->slots && i < w->lim.window; i++) {
		struct slot *s = &w->slots[i];

		if (s->state == SENT)
			curl_multi_remove_handle(w->multi, s->easy);
		if (s->easy)
			curl_easy_cleanup(s->easy);
		req_free(&s->rq);
	}
	if (w->multi)
		curl_multi_cleanup(w->multi);
	curl_slist_free_all(w->headers);
	if (w->kind->free_ctx)
		w->kind->free_ctx(w->ctx);
	free(w->slots);
	free(w->ev);
	free(w);
	curl_global_cleanup();
}

static const struct tp_ops web_ops = {
    .whole_texts = true,
    .submit = web_submit,
    .room = web_room,
    .inflight = web_inflight,
    .poll = web_poll,
    .ack = web_ack,
    .watch = web_watch,
    .close = web_close,
};

/* web_open - the window, the multi handle and an easy handle a slot */
struct transport *
web_open(const struct web_kind *kind, void *ctx, const struct web_limits *lim,
	 struct tp_error *err)
{
	struct web *w;
	unsigned i;
	bool ok;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		kind->free_ctx(ctx);
		tp_fail(err, TP_ENOMEM, "libcurl cannot start");
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		kind->free_ctx(ctx);
		curl_global_cleanup();
		tp_fail(err, TP_ENOMEM, "out of memory");
		return NULL;
	}
	w->ops = web_ops;
	w->ops.name = kind->name;
	w->tp.ops = &w->ops;
	w->kind = kind;
	w->ctx = ctx;
	w->lim = *lim;
	if (!w->lim.window)
		w->lim.window = 4;
	if (!w->lim.timeout)
		w->lim.timeout = 30;
	if (!w->lim.tries)
		w->lim.tries = 4;
	w->watch_fd = -1;
	w->up = -1;
	w->multi = curl_multi_init();
	/* no "Expect: 100-continue" wait before a form is sent */
	w->headers = curl_slist_append(NULL, "Expect:");
	w->slots = calloc(w->lim.window, sizeof(*w->slots));
	w->ev = calloc(EVENTS_MAX, sizeof(*w->ev));
	ok = w->multi && w->headers && w->slots && w->ev;
	for (i = 0; ok && i < w->lim.window; i++)
		ok = (w->slots[i].easy = curl_easy_init()) != NULL;
	if (!ok) {
		web_close(&w->tp);
		tp_fail(err, TP_ENOMEM, "out of memory");
		return NULL;
	}
	curl_multi_setopt(w->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)w->lim.window);
	return &w->tp;
}
