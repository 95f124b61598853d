/*
 * NAME
 *	providers - what providers and Kannel tell smsgw over HTTP
 * DESCRIPTION
 *	webhook_handle() answers one request, apart from HTTP (the
 *	server is webhook.c):
 *
 *	POST /twilio/sms	a text from a phone (From, To, Body,
 *				MessageSid, NumMedia, MediaUrlN): signed
 *	POST /twilio/status	a status callback (MessageSid,
 *				MessageStatus, ErrorCode): signed
 *	/kannel/mo		Kannel's get-url (from, to, text, coding,
 *				charset, id)
 *	/kannel/dlr		Kannel's dlr-url (id, status, answer)
 *	/voipms			a URL callback of the voip.ms kind (from,
 *				to, message, id); answers "ok"
 *	/voicemail		a voicemail transcription (caller, called,
 *				duration, transcription, recording_url, id)
 *	GET /metrics		the counters (metrics.c)
 *
 *	The Twilio routes need a valid X-Twilio-Signature (HMAC-SHA1 with
 *	HttpToken over the URL and the sorted POST parameters); the
 *	others a client in TrustedNetworks or WebhookUser's password. A
 *	request is answered only after what it says is recorded: a
 *	sender that sees an error sends it again, and duplicates are
 *	known by the provider's id. Other content types than a form are
 *	refused (415), wrong methods (405), missing fields (400), and bad
 *	signatures (403, logged).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "transport/transport.h"
#include "util/util.h"

#define MEDIA_MAX 10

/* same - constant-time comparison of two strings */
static bool
same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ (i < lb ? b[i] : 0));
	return d == 0;
}

/* answer - fill a with status and a copy of text */
static void
answer(struct wh_answer *a, unsigned status, const char *ctype,
       const char *text)
{
	a->status = status;
	a->content_type = ctype;
	a->body = strdup(text);
	a->len = a->body ? strlen(a->body) : 0;
}

/* One request being answered. */
struct call {
	const struct conf *c;
	struct store *s;
	struct mailer *m;
	const struct wh_request *rq;
	struct form args; /* query and body */
	struct form body; /* the body's alone (signed) */
	struct wh_answer *a;
};

/* signed_ok - the request carries HttpToken's Twilio signature */
static bool
signed_ok(struct call *k)
{
	const char *names[FIELDS_MAX], *values[FIELDS_MAX];
	char url[2048], base[1024], want[29];
	unsigned i;

	if (!k->c->http_token || !k->c->http_token[0] || !k->rq->signature)
		return false;
	webhook_base_url(k->c, base, sizeof(base));
	snprintf(url, sizeof(url), "%s%s%s%s", base, k->rq->path,
		 k->rq->query ? "?" : "", k->rq->query ? k->rq->query : "");
	for (i = 0; i < k->body.n; i++) {
		names[i] = k->body.name[i];
		values[i] = k->body.value[i];
	}
	tp_twilio_signature(k->c->http_token, url, names, values, k->body.n,
			    want);
	return same(want, k->rq->signature);
}

/* allowed - a client that may call the unsigned routes */
static bool
allowed(struct call *k)
{
	const struct conf *c = k->c;

	if (c->webhook_user && c->webhook_user[0] && k->rq->user &&
	    k->rq->password && c->webhook_password)
		return same(k->rq->user, c->webhook_user) &
		       same(k->rq->password, c->webhook_password);
	return policy_trusted(c, k->rq->client);
}

/* received - what inbound_sms() said, as an HTTP answer */
static void
received(struct call *k, enum inbound_result r, const char *ok_text,
	 const char *ok_type)
{
	metrics_inbound(r);
	if (r == IN_DONE)
		mailer_wake(k->m);
	switch (r) {
	case IN_DONE:
	case IN_PART:
	case IN_DUP:
	case IN_RESENT: answer(k->a, 200, ok_type, ok_text); break;
	case IN_BAD:
		answer(k->a, 400, "text/plain",
		       "the sender is no phone, short code or sender name\n");
		break;
	case IN_TEMP:
		answer(k->a, 503, "text/plain",
		       "not recorded now; send it again later\n");
		break;
	}
}

/* need - the field, or a 400 naming it */
static const char *
need(struct call *k, const char *name, size_t *len_r)
{
	const char *v = form_get(&k->args, name, len_r);

	if (!v || !v[0]) {
		char msg[96];

		snprintf(msg, sizeof(msg), "missing field: %s\n", name);
		answer(k->a, 400, "text/plain", msg);
		return NULL;
	}
	return v;
}

/* text_of - a webhook text as UTF-8: kept when valid, else Latin-1 */
static void
text_of(struct inbound_sms *m, const char *v, size_t len)
{
	if (form_utf8_ok((const unsigned char *)v, len))
		m->text = v;
	else {
		m->text = NULL;
		m->data_coding = 3;
		m->ud = (const uint8_t *)v;
		m->ud_len = len;
	}
}

/* twilio_sms - a text (or MMS) from a phone, by Twilio */
static void
twilio_sms(struct call *k)
{
	struct inbound_sms m = {.provider = "twilio"};
	struct mp_media media[MEDIA_MAX];
	const char *body, *nm, *seg;
	size_t blen = 0;
	unsigned i, n;

	if (!(m.from = need(k, "From", NULL)) ||
	    !(m.to = need(k, "To", NULL)) ||
	    !(m.provider_id = need(k, "MessageSid", NULL)))
		return;
	body = form_get(&k->args, "Body", &blen);
	text_of(&m, body ? body : "", blen);
	seg = form_get(&k->args, "NumSegments", NULL);
	m.segments = seg ? (unsigned)strtoul(seg, NULL, 10) : 1;
	if (m.segments == 0 || m.segments > 255)
		m.segments = 1;
	nm = form_get(&k->args, "NumMedia", NULL);
	n = nm ? (unsigned)strtoul(nm, NULL, 10) : 0;
	if (n > MEDIA_MAX) /* Twilio sends 10 at most: never loop for more */
		n = MEDIA_MAX;
	for (i = 0; i < n; i++) {
		char name[32];
		const char *url, *type;

		snprintf(name, sizeof(name), "MediaUrl%u", i);
		if (!(url = form_get(&k->args, name, NULL)) || !url[0])
			continue;
		snprintf(name, sizeof(name), "MediaContentType%u", i);
		type = form_get(&k->args, name, NULL);
		media[m.nmedia++] = (struct mp_media){
		    .content_type =
			type && type[0] ? type : "application/octet-stream",
		    .url = url,
		};
	}
	m.media = media;
	received(k, inbound_sms(k->c, k->s, &m, (int64_t)time(NULL)),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>\n",
		 "text/xml");
}

/*
 * answer_receipt - a provider's receipt r, recorded, as an HTTP answer: 200
 * when recorded or not final, 404 for an id no text has, 503 when the
 * store failed (the provider sends it again)
 */
static void
answer_receipt(struct call *k, const struct receipt *r)
{
	struct store_error err;

	switch (
	    receipt_record(k->c, k->s, k->m, r, (int64_t)time(NULL), &err)) {
	case RECEIPT_RECORDED:
	case RECEIPT_NOT_FINAL: answer(k->a, 200, "text/plain", "ok\n"); break;
	case RECEIPT_UNKNOWN:
		ut_log(LOG_WARNING, "status for %s: %s", r->smsc_id, err.msg);
		answer(k->a, 404, "text/plain", "no text has that id\n");
		break;
	case RECEIPT_STORE_FAILED:
		answer(k->a, 503, "text/plain", "not recorded now\n");
		break;
	}
}

/*
 * in_flight - the text that id ("<msg>-<seq>", as the http and kannel
 * transports put it in their status URLs) names is still being handed
 * to the provider: its answer, and with it the provider's id, is not
 * recorded yet
 */
static bool
in_flight(struct store *s, const char *id)
{
	struct store_receipt r;
	struct store_error err;
	char *end;
	long long msg = strtoll(id, &end, 10);
	bool busy;

	if (msg <= 0 || *end != '-' ||
	    store_report(s, (int64_t)msg, &r, &err) != STORE_OK)
		return false;
	busy = r.state == STORE_SUBMITTING;
	store_receipt_clear(&r);
	return busy;
}

/*
 * settle - wait up to 2 s while the text id names is in flight: a
 * provider can report on a text before the answer for it is recorded
 * (Kannel's fake SMSC reports at once; Twilio may call back first)
 */
static void
settle(struct call *k, const char *id)
{
	const struct timespec pause = {0, 50 * 1000 * 1000};
	unsigned i;

	if (!id)
		return;
	for (i = 0; i < 40 && in_flight(k->s, id); i++)
		nanosleep(&pause, NULL);
	if (i > 0)
		ut_log(LOG_DEBUG,
		       "status for %s: waited %u ms for its submission", id,
		       i * 50);
}

/* twilio_status - Twilio's status callback for a text we sent */
static void
twilio_status(struct call *k)
{
	const char *sid, *status, *code;
	struct receipt r;

	if (!(sid = need(k, "MessageSid", NULL)) ||
	    !(status = need(k, "MessageStatus", NULL)))
		return;
	code = form_get(&k->args, "ErrorCode", NULL);
	r = (struct receipt){
	    .smsc_id = sid,
	    .state = receipt_twilio_state(status),
	    .code = code && code[0] ? code : status,
	    .reason = status,
	};
	if (r.state != STORE_SUBMITTED)
		settle(k, form_get(&k->args, "id", NULL));
	answer_receipt(k, &r);
}

/* kannel_dlr - Kannel's delivery report (dlr-url) */
static void
kannel_dlr(struct call *k)
{
	const char *id, *status, *ans;
	struct receipt r;

	if (!(id = need(k, "id", NULL)) || !(status = need(k, "status", NULL)))
		return;
	settle(k, id);
	ans = form_get(&k->args, "answer", NULL);
	r = (struct receipt){
	    .smsc_id = id,
	    .code = receipt_kannel_stat(status),
	    .reason = ans && ans[0] ? ans : status,
	};
	r.state = receipt_smpp_state(r.code);
	answer_receipt(k, &r);
}

/* kannel_mo - a text from a phone, by Kannel's get-url */
static void
kannel_mo(struct call *k)
{
	struct inbound_sms m = {.provider = "kannel"};
	const char *text, *coding, *charset;
	size_t len = 0;

	if (!(m.from = need(k, "from", NULL)) || !(m.to = need(k, "to", NULL)))
		return;
	text = form_get(&k->args, "text", &len);
	coding = form_get(&k->args, "coding", NULL);
	charset = form_get(&k->args, "charset", NULL);
	m.provider_id = form_get(&k->args, "id", NULL);
	if (!text)
		text = "";
	/*
	 * What Kannel 1.4.5 sends for %b, %c and %C: GSM texts as UTF-8
	 * with coding=0, charset=UTF-8 (its SMSC links keep them so);
	 * UCS-2 as the UTF-16BE bytes with coding=2, charset=UTF-16BE,
	 * unless smsbox's mo-recode is on (then UTF-8 and coding=0); 8-bit
	 * data as it came, with coding=1 and the pseudo-charset 8-BIT: kept
	 * when it is UTF-8, else read as Latin-1.
	 */
	if ((coding && !strcmp(coding, "2")) ||
	    (charset && (!strcasecmp(charset, "UTF-16BE") ||
			 !strcasecmp(charset, "UCS-2")))) {
		m.data_coding = 8;
		m.ud = (const uint8_t *)text;
		m.ud_len = len;
		m.encoding = 8;
	} else if (charset && strcasecmp(charset, "UTF-8") &&
		   strcasecmp(charset, "8-BIT") &&
		   strcasecmp(charset, "ISO-8859-1") &&
		   strcasecmp(charset, "WINDOWS-1252")) {
		char *u = mp_to_utf8(text, len, charset);

		if (u) {
			m.text = u;
			received(k, inbound_sms(k->c, k->s, &m, time(NULL)), "",
				 "text/plain");
			free(u);
			return;
		}
		text_of(&m, text, len);
	} else
		text_of(&m, text, len);
	received(k, inbound_sms(k->c, k->s, &m, (int64_t)time(NULL)), "",
		 "text/plain");
}

/* voipms - a text from a phone, by a voip.ms-style URL callback */
static void
voipms(struct call *k)
{
	struct inbound_sms m = {.provider = "voipms"};
	enum inbound_result r;
	const char *text;
	size_t len = 0;

	if (!(m.from = need(k, "from", NULL)) || !(m.to = need(k, "to", NULL)))
		return;
	m.provider_id = form_get(&k->args, "id", NULL);
	text = form_get(&k->args, "message", &len);
	text_of(&m, text ? text : "", len);
	/* voip.ms sends again until it reads "ok": a text refused for
	   good is answered ok too (it is logged) */
	r = inbound_sms(k->c, k->s, &m, (int64_t)time(NULL));
	metrics_inbound(r);
	if (r == IN_TEMP) {
		answer(k->a, 503, "text/plain", "not recorded now\n");
		return;
	}
	if (r == IN_DONE)
		mailer_wake(k->m);
	answer(k->a, 200, "text/plain", "ok");
}

/* voicemail - a voicemail's transcription, mailed like a text */
static void
voicemail(struct call *k)
{
	struct inbound_sms m = {.provider = "voicemail"};
	struct mp_media rec;
	const char *dur, *text, *url;
	char d[16];
	size_t len = 0;
	unsigned long secs;

	if (!(m.from = need(k, "caller", NULL)) ||
	    !(m.to = need(k, "called", NULL)))
		return;
	m.provider_id = form_get(&k->args, "id", NULL);
	dur = form_get(&k->args, "duration", NULL);
	secs = dur ? strtoul(dur, NULL, 10) : 0;
	if (secs > 86400)
		secs = 86400;
	snprintf(d, sizeof(d), "%lu:%02lu", secs / 60, secs % 60);
	m.voicemail = d;
	text = form_get(&k->args, "transcription", &len);
	if (!text || !text[0])
		text = "(no transcription)", len = strlen(text);
	text_of(&m, text, len);
	url = form_get(&k->args, "recording_url", NULL);
	if (url && url[0]) {
		rec =
		    (struct mp_media){.content_type = "audio/mpeg", .url = url};
		m.media = &rec;
		m.nmedia = 1;
	}
	received(k, inbound_sms(k->c, k->s, &m, (int64_t)time(NULL)), "ok\n",
		 "text/plain");
}

/* webhook_handle - route, check, parse, act */
void
webhook_handle(const struct conf *c, struct store *s, struct mailer *m,
	       const char *transport, const struct wh_request *rq,
	       struct wh_answer *a)
{
	static const struct {
		const char *path;
		bool post_only, is_signed;
		void (*fn)(struct call *);
	} routes[] = {
	    {"/twilio/sms", true, true, twilio_sms},
	    {"/twilio/status", true, true, twilio_status},
	    {"/kannel/mo", false, false, kannel_mo},
	    {"/kannel/dlr", false, false, kannel_dlr},
	    {"/voipms", false, false, voipms},
	    {"/voicemail", false, false, voicemail},
	    {"/metrics", false, false, NULL},
	};
	struct call k = {.c = c, .s = s, .m = m, .rq = rq, .a = a};
	bool post = !strcmp(rq->method, "POST");
	unsigned i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(rq->path, routes[i].path))
			break;
	if (i == sizeof(routes) / sizeof(routes[0])) {
		answer(a, 404, "text/plain", "no such hook\n");
		goto out;
	}
	if ((routes[i].post_only && !post) ||
	    (!post && strcmp(rq->method, "GET"))) {
		answer(a, 405, "text/plain", "method not allowed\n");
		goto out;
	}
	if (post && rq->body_len > 0 &&
	    (!rq->content_type ||
	     strncasecmp(rq->content_type, "application/x-www-form-urlencoded",
			 33) ||
	     (rq->content_type[33] && rq->content_type[33] != ';'))) {
		answer(a, 415, "text/plain",
		       "send application/x-www-form-urlencoded\n");
		goto out;
	}
	if ((rq->query && !form_parse(&k.args, rq->query, strlen(rq->query))) ||
	    (post && (!form_parse(&k.body, rq->body, rq->body_len) ||
		      !form_parse(&k.args, rq->body, rq->body_len)))) {
		answer(a, 413, "text/plain", "too many fields\n");
		goto out;
	}
	if (routes[i].is_signed ? !signed_ok(&k) : !allowed(&k)) {
		ut_log(LOG_WARNING, "webhook %s from %s: %s; refused", rq->path,
		       rq->client ? rq->client : "?",
		       routes[i].is_signed ? "bad or missing X-Twilio-Signature"
					   : "not a trusted client");
		answer(a, 403, "text/plain", "forbidden\n");
		goto out;
	}
	if (routes[i].fn)
		routes[i].fn(&k);
	else if ((a->body = metrics_render(s, transport)) != NULL) {
		a->status = 200;
		a->content_type = "text/plain; version=0.0.4";
		a->len = strlen(a->body);
	} else
		answer(a, 500, "text/plain", "out of memory\n");
out:
	if (!a->body && !a->status)
		answer(a, 500, "text/plain", "out of memory\n");
	metrics_add(a->status < 300   ? M_WEBHOOK_OK
		    : a->status < 500 ? M_WEBHOOK_REFUSED
				      : M_WEBHOOK_ERROR);
	form_clear(&k.args);
	form_clear(&k.body);
}
