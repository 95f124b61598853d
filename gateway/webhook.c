/*
 * NAME
 *	webhook - what providers and Kannel tell smsgw over HTTP
 * DESCRIPTION
 *	One libmicrohttpd thread with a store connection of its own
 *	answers, on WebhookListen:
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
 *	known by the provider's id. Bodies over 64 KiB are refused (413),
 *	other content types than a form (415), wrong methods (405),
 *	missing fields (400), and bad signatures (403, logged).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
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

#define BODY_MAX   (64 * 1024)
#define FIELDS_MAX 64
#define MEDIA_MAX  10

/* A parsed application/x-www-form-urlencoded text (query or body). */
struct form {
	unsigned n;
	char *name[FIELDS_MAX], *value[FIELDS_MAX];
	size_t vlen[FIELDS_MAX]; /* values may hold NULs (Kannel's %b) */
	char *buf;
};

/* unhex - the value of a hex digit, or -1 */
static int
unhex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* webhook_form_decode - percent- and plus-decode [s, s+n) into out */
size_t
webhook_form_decode(const char *s, size_t n, char *out)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '+')
			out[len++] = ' ';
		else if (s[i] == '%' && i + 2 < n &&
			 (hi = unhex((unsigned char)s[i + 1])) >= 0 &&
			 (lo = unhex((unsigned char)s[i + 2])) >= 0) {
			out[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[len++] = s[i];
	}
	out[len] = '\0';
	return len;
}

/*
 * form_parse - add the fields of s (len bytes) to f; false when there
 * are more than FIELDS_MAX in all or memory ran out
 */
static bool
form_parse(struct form *f, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t end = i, eq;
		char *p;

		while (end < len && s[end] != '&')
			end++;
		if (end == i) {
			i++;
			continue;
		}
		if (f->n == FIELDS_MAX)
			return false;
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		if (!(p = malloc(end - i + 2)))
			return false;
		f->name[f->n] = p;
		webhook_form_decode(s + i, eq - i, p);
		f->value[f->n] = p + (eq - i) + 1;
		f->vlen[f->n] =
		    eq < end ? webhook_form_decode(s + eq + 1, end - eq - 1,
						   f->value[f->n])
			     : 0;
		if (eq >= end)
			f->value[f->n][0] = '\0';
		f->n++;
		i = end + 1;
	}
	return true;
}

static void
form_free(struct form *f)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		free(f->name[i]);
	f->n = 0;
}

/* form_get - the first value of name, or NULL; its length in *len_r */
static const char *
form_get(const struct form *f, const char *name, size_t *len_r)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->name[i], name)) {
			if (len_r)
				*len_r = f->vlen[i];
			return f->value[i];
		}
	return NULL;
}

/* utf8_ok - s (n bytes) is valid UTF-8 without NULs */
static bool
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, cp, k;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07;
		else
			return false;
		if (i + need >= n)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((need == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += need + 1;
	}
	return true;
}

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

/* webhook_base_url - the URL the far side uses for us, no final slash */
void
webhook_base_url(const struct conf *c, char *buf, size_t size)
{
	const char *h = c->webhook_listen.host;
	size_t n;

	if (c->webhook_public_url && *c->webhook_public_url)
		snprintf(buf, size, "%s", c->webhook_public_url);
	else
		snprintf(buf, size,
			 strchr(h, ':') ? "http://[%s]:%u" : "http://%s:%u", h,
			 c->webhook_listen.port);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
}

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
	case IN_DUP: answer(k->a, 200, ok_type, ok_text); break;
	case IN_BAD:
		answer(k->a, 400, "text/plain",
		       "the sender is not a phone number\n");
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
	if (utf8_ok((const unsigned char *)v, len))
		m->text = v;
	else {
		m->text = NULL;
		m->data_coding = 3;
		m->ud = (const uint8_t *)v;
		m->ud_len = len;
	}
}

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

/* receipt - a status for smsc_id: recorded, and reported when final */
static void
receipt(struct call *k, const char *smsc_id, enum store_state st,
	const char *code, const char *reason)
{
	struct store_receipt rr;
	struct store_error err;
	int rc;

	if (st == STORE_SUBMITTED) { /* not final: nothing to record */
		answer(k->a, 200, "text/plain", "ok\n");
		return;
	}
	rc = store_receipt(k->s, smsc_id, st, code, reason, (int64_t)time(NULL),
			   &rr, &err);
	if (rc == STORE_ENOTFOUND) {
		ut_log(LOG_WARNING, "status for %s: %s", smsc_id, err.msg);
		answer(k->a, 404, "text/plain", "no text has that id\n");
		return;
	}
	if (rc != STORE_OK) {
		ut_log(LOG_ERR, "status for %s: store: %s", smsc_id, err.msg);
		answer(k->a, 503, "text/plain", "not recorded now\n");
		return;
	}
	if (rr.final_now) {
		metrics_receipt(rr.state);
		ut_log(LOG_INFO, "id=%lld to=%s status=%s parts=%u/%u code=%s",
		       (long long)rr.msg_id, rr.phone,
		       store_state_name(rr.state), rr.parts_done,
		       rr.parts_total, code);
		if (report_queue(k->c, k->s, rr.msg_id,
				 rr.state == STORE_DELIVERED, rr.parts_done,
				 rr.parts_total, code, NULL))
			mailer_wake(k->m);
	}
	store_receipt_clear(&rr);
	answer(k->a, 200, "text/plain", "ok\n");
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

static void
twilio_status(struct call *k)
{
	const char *sid, *status, *code;
	enum store_state st = STORE_SUBMITTED;

	if (!(sid = need(k, "MessageSid", NULL)) ||
	    !(status = need(k, "MessageStatus", NULL)))
		return;
	code = form_get(&k->args, "ErrorCode", NULL);
	if (!strcmp(status, "delivered") || !strcmp(status, "read"))
		st = STORE_DELIVERED;
	else if (!strcmp(status, "undelivered") || !strcmp(status, "failed"))
		st = STORE_FAILED;
	if (st != STORE_SUBMITTED)
		settle(k, form_get(&k->args, "id", NULL));
	receipt(k, sid, st, code && code[0] ? code : status, status);
}

static void
kannel_dlr(struct call *k)
{
	const char *id, *status, *ans;
	enum store_state st = STORE_SUBMITTED;
	long v;

	if (!(id = need(k, "id", NULL)) || !(status = need(k, "status", NULL)))
		return;
	settle(k, id);
	ans = form_get(&k->args, "answer", NULL);
	v = strtol(status, NULL, 10);
	if (v == 1)
		st = STORE_DELIVERED;
	else if (v == 2 || v == 16)
		st = STORE_FAILED;
	receipt(k, id, st,
		v == 1	  ? "DELIVRD"
		: v == 16 ? "REJECTD"
			  : "UNDELIV",
		ans && ans[0] ? ans : status);
}

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
	form_free(&k.args);
	form_free(&k.body);
}

/*
 * The server.
 */
struct webhook {
	struct MHD_Daemon *d, *metrics;
	pthread_mutex_t mu;
	const struct conf *c;
	struct store *s;
	struct mailer *m;
	char transport[16];
};

/* What a connection has sent so far. */
struct ctx {
	bool started; /* the first call, with the headers, is over */
	char *uri;
	char *body;
	size_t len;
	bool too_big;
};

static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (x)
		x->uri = strdup(uri);
	return x;
}

static void
on_done(void *cls, struct MHD_Connection *con, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct ctx *x = *con_cls;

	if (x) {
		free(x->uri);
		free(x->body);
		free(x);
	}
	*con_cls = NULL;
}

static enum MHD_Result
reply(struct MHD_Connection *con, unsigned status, const char *ctype,
      char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, body ? body : (char *)"", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	rc = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *con, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_size, void **con_cls)
{
	struct webhook *w = cls;
	struct ctx *x = *con_cls;
	struct wh_request rq = {0};
	struct wh_answer a;
	const union MHD_ConnectionInfo *ci;
	char client[INET6_ADDRSTRLEN] = "", *user = NULL, *pass = NULL, *q;
	enum MHD_Result rc;

	if (!x)
		return MHD_NO;
	if (!x->started) { /* headers only: the body comes next */
		x->started = true;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!x->too_big && x->len + *upload_size <= BODY_MAX) {
			char *p = realloc(x->body, x->len + *upload_size + 1);

			if (!p)
				return MHD_NO;
			x->body = p;
			memcpy(x->body + x->len, upload, *upload_size);
			x->len += *upload_size;
			x->body[x->len] = '\0';
		} else
			x->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (x->too_big) {
		metrics_add(M_WEBHOOK_REFUSED);
		return reply(con, 413, "text/plain", "body over 64 KiB\n", 17);
	}
	if (!x->uri)
		return MHD_NO;
	ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)sa)->sin_addr,
				  client, sizeof(client));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)sa)->sin6_addr,
				  client, sizeof(client));
	}
	user = MHD_basic_auth_get_username_password(con, &pass);
	q = strchr(x->uri, '?');
	if (q)
		*q++ = '\0';
	rq = (struct wh_request){
	    .method = method,
	    .path = x->uri,
	    .query = q,
	    .content_type = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
							"Content-Type"),
	    .signature = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
						     "X-Twilio-Signature"),
	    .user = user,
	    .password = pass,
	    .client = client,
	    .body = x->body ? x->body : "",
	    .body_len = x->len,
	};
	pthread_mutex_lock(&w->mu);
	webhook_handle(w->c, w->s, w->m, w->transport, &rq, &a);
	pthread_mutex_unlock(&w->mu);
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	rc = reply(con, a.status, a.content_type, a.body, a.len);
	free(a.body);
	return rc;
}

/* metrics_only - the /metrics server on MetricsListen */
static enum MHD_Result
metrics_only(void *cls, struct MHD_Connection *con, const char *url,
	     const char *method, const char *version, const char *upload,
	     size_t *upload_size, void **con_cls)
{
	struct ctx *x = *con_cls;

	if (x && x->uri && strncmp(x->uri, "/metrics", 8))
		return reply(con, 404, "text/plain", "only /metrics here\n",
			     19);
	return on_request(cls, con, url, method, version, upload, upload_size,
			  con_cls);
}

/* listen_on - an MHD daemon on hp with handler fn; NULL (logged) */
static struct MHD_Daemon *
listen_on(struct webhook *w, const struct conf_hostport *hp,
	  MHD_AccessHandlerCallback fn, const char *what)
{
	struct sockaddr_in6 s6 = {0};
	struct sockaddr_in s4 = {0};
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	struct MHD_Daemon *d;

	if (inet_pton(AF_INET, hp->host, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		s4.sin_port = htons((uint16_t)hp->port);
		sa = (const struct sockaddr *)&s4;
	} else if (inet_pton(AF_INET6, hp->host, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((uint16_t)hp->port);
		sa = (const struct sockaddr *)&s6;
		flags |= MHD_USE_IPv6;
	} else {
		ut_log(LOG_ERR, "%s %s: not an IP address", what, hp->host);
		return NULL;
	}
	d = MHD_start_daemon(flags, (uint16_t)hp->port, NULL, NULL, fn, w,
			     MHD_OPTION_SOCK_ADDR, sa,
			     MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			     (size_t)(128 * 1024), MHD_OPTION_END);
	if (!d)
		ut_log(LOG_ERR, "%s %s:%u: cannot listen", what, hp->host,
		       hp->port);
	else
		ut_log(LOG_NOTICE, "%s on %s:%u", what, hp->host, hp->port);
	return d;
}

/* webhook_start - the server, with its own store connection */
struct webhook *
webhook_start(const struct conf *c, struct mailer *m, const char *transport)
{
	struct webhook *w = calloc(1, sizeof(*w));
	struct store_error err;

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	w->c = c;
	w->m = m;
	snprintf(w->transport, sizeof(w->transport), "%s", transport);
	w->s = store_open(c->database, (enum store_sync)c->database_sync, &err);
	if (!w->s) {
		ut_log(LOG_ERR, "webhooks: store %s: %s", c->database, err.msg);
		webhook_stop(&w);
		return NULL;
	}
	w->d = listen_on(w, &c->webhook_listen, on_request, "webhooks");
	if (c->metrics_listen.host && c->metrics_listen.host[0])
		w->metrics =
		    listen_on(w, &c->metrics_listen, metrics_only, "metrics");
	if (!w->d)
		webhook_stop(&w);
	return w;
}

void
webhook_set_conf(struct webhook *w, const struct conf *c)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->c = c;
	pthread_mutex_unlock(&w->mu);
}

void
webhook_stop(struct webhook **wp)
{
	struct webhook *w = *wp;

	if (!w)
		return;
	if (w->d)
		MHD_stop_daemon(w->d);
	if (w->metrics)
		MHD_stop_daemon(w->metrics);
	store_close(&w->s);
	pthread_mutex_destroy(&w->mu);
	free(w);
	*wp = NULL;
}
