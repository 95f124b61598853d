/*
 * NAME
 *	api - the send API: texts queued, read and cancelled over HTTP
 * DESCRIPTION
 *	api_handle() answers one request, apart from HTTP (the server is
 *	webhook.c, on ApiListen):
 *
 *	POST /v1/messages		queue a text (JSON or a form, with
 *					seed 001's field names)
 *	GET /v1/messages/SID		one text
 *	GET /v1/messages		texts, with history's filters
 *	DELETE /v1/messages/SID		cancel a text not yet sent
 *
 *	Every request carries "Authorization: Bearer TOKEN", an API key
 *	(smsctl apikey) that acts as its owner: a text is queued by
 *	policy_send() as that owner, so each rule of the milter holds,
 *	and an owner sees and cancels only its own texts (another's are
 *	404, as if they did not exist). Errors are JSON with a stable
 *	code (policy_send_why_name) and the sentence the milter would
 *	give; the status means what HTTP says. An Idempotency-Key makes
 *	a POST sent again answer with the first text, not queue another.
 *	smsgw-api(7) is the reference.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "gateway/gateway_int.h"
#include "policy/policy.h"
#include "util/util.h"

/*
 * A wake sent to the runner (WakeSocket) and not yet heard
 * (api_wake_heard): a text queued meanwhile needs no wake of its own,
 * the runner's claim after it sees it
 */
static atomic_bool wake_sent;

#define IDEM_KEY_MAX 200  /* the longest Idempotency-Key */
#define LIST_MAX     1000 /* the most texts one GET lists */
#define HOOK_URL_MAX 1000 /* the longest hook URL (a text keeps two) */
#define OPTS_MAX     3000 /* the answer options kept with a text */

/* The fields a POST may have (seed 001's names). */
enum field {
	F_FROM,
	F_TO,
	F_TEXT,
	F_SCHEDULE,
	F_RECEIPT,
	F_RECEIPT_URI,
	F_RECEIPT_METHOD,
	F_EXTERNAL_ID,
	F_FWD_SMS,
	F_FWD_FROM_SMS,
	F_FWD_EMAIL,
	F_FWD_FROM_EMAIL,
	F_HOOK_URI,
	F_HOOK_METHOD,
	F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "From",
    "To",
    "Text",
    "Schedule",
    "DeliveryReceipt",
    "DeliveryReceiptWebhookUri",
    "DeliveryReceiptWebhookMethod",
    "ExternalId",
    "ForwardToSms",
    "ForwardFromSms",
    "ForwardToEmail",
    "ForwardFromEmail",
    "WebhookUri",
    "WebhookMethod",
};

/* One request being answered. */
struct req {
	const struct conf *c;
	struct store *s;
	struct store_committer *g; /* queues the texts, or NULL: s does */
	const struct wh_request *rq;
	struct wh_answer *a;
	char owner[256];
	int64_t now;
};

/* reply_text - answer status with JSON text of n bytes (taken), or 500 */
static void
reply_text(struct req *k, unsigned status, char *text, size_t n)
{
	k->a->status = text ? status : 500;
	k->a->content_type = "application/json";
	if (text) {
		k->a->body = text;
		k->a->len = n;
	} else {
		k->a->body = strdup("{\"Error\":{\"Code\":\"error\"}}\n");
		k->a->len = k->a->body ? strlen(k->a->body) : 0;
	}
}

/* reply - answer status with the JSON j (taken) */
static void
reply(struct req *k, unsigned status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
	size_t n = text ? strlen(text) : 0;

	json_decref(j);
	if (text) {
		char *b = realloc(text, n + 2);

		if (b) {
			b[n] = '\n';
			b[n + 1] = '\0';
			text = b;
			n++;
		}
	}
	reply_text(k, status, text, n);
}

/* reply_jw - answer status with the JSON written in w */
static void
reply_jw(struct req *k, unsigned status, struct jw *w)
{
	size_t n;
	char *text = jw_end(w, &n);

	reply_text(k, status, text, n);
}

/*
 * utf8_clean - bytes of s that are not UTF-8 (a caller's field name
 * quoted, or cut by the quote) become '?', so that it is a JSON string
 */
static void
utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t n = *p < 0x80		 ? 1
			   : (*p & 0xe0) == 0xc0 ? 2
			   : (*p & 0xf0) == 0xe0 ? 3
			   : (*p & 0xf8) == 0xf0 ? 4
						 : 0;
		size_t i;

		for (i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
			;
		if (n == 0 || i < n ||
		    !form_utf8_ok(p, n)) { /* overlong, surrogates, range */
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

/* fail - answer status with error code and a sentence */
static void fail(struct req *k, unsigned status, const char *code,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
fail(struct req *k, unsigned status, const char *code, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	utf8_clean(text);
	reply(k, status,
	      json_pack("{s:{s:s,s:s,s:i}}", "Error", "Code", code, "Message",
			text, "Status", (int)status));
}

/* header - one more header on the answer */
static void
header(struct req *k, const char *name, const char *value)
{
	k->a->header = name;
	snprintf(k->a->header_value, sizeof(k->a->header_value), "%s", value);
}

/* refused - answer a policy_send refusal with its code and sentence */
static void
refused(struct req *k, enum policy_send_why w, const struct policy_verdict *v)
{
	unsigned status;

	switch (w) {
	case POLICY_SEND_BAD_NUMBER:
	case POLICY_SEND_BAD_FROM:
	case POLICY_SEND_BAD_TEXT: status = 400; break;
	case POLICY_SEND_NOT_ALLOWED:
	case POLICY_SEND_FROM_DENIED:
	case POLICY_SEND_OPTED_OUT: status = 403; break;
	case POLICY_SEND_KEY_REUSED: status = 422; break;
	case POLICY_SEND_RATE:
	case POLICY_SEND_QUOTA: status = 429; break;
	case POLICY_SEND_NO_NUMBER:
		status = v->code[0] == '4' ? 503 : 409;
		break;
	case POLICY_SEND_STORE:
	default: status = 503; break;
	}
	if (status == 429 || status == 503)
		header(k, "Retry-After", "60");
	fail(k, status, policy_send_why_name(w), "%s", v->text);
}

/* store_failed - the store could not answer: 503, try again */
static void
store_failed(struct req *k, const struct store_error *err)
{
	ut_log(LOG_ERR, "api: store: %s", err->msg);
	header(k, "Retry-After", "10");
	fail(k, 503, "unavailable", "the queue is not available: %s", err->msg);
}

/* str_or_null - key's value the string s, or null for "" */
static void
str_or_null(struct jw *w, const char *key, const char *s)
{
	if (*s)
		jw_str(w, key, s);
	else
		jw_null(w, key);
}

/*
 * resource - the Message resource of m as key's value (with
 * "Truncated": true when truncated)
 */
static void
resource(struct jw *w, const char *key, const struct store_message *m,
	 bool truncated)
{
	bool out = !strcmp(m->direction, "out");

	jw_open(w, key, '{');
	jw_str(w, "MessageSid", m->sid);
	jw_str(w, "Owner", m->owner);
	jw_str(w, "Direction", out ? "outbound" : "inbound");
	jw_str(w, "From", out ? m->sender : m->phone);
	jw_str(w, "To", out ? m->phone : m->sender);
	jw_str(w, "Text", m->text ? m->text : "");
	jw_str(w, "Status", store_state_name(m->state));
	jw_str(w, "Encoding", m->encoding == 8 ? "UCS-2" : "GSM-7");
	jw_int(w, "Segments", m->segments);
	str_or_null(w, "ExternalId", m->external_id);
	if (m->state == STORE_SCHEDULED)
		jw_int(w, "Schedule", m->due);
	else
		jw_null(w, "Schedule");
	jw_int(w, "Created", m->created);
	jw_int(w, "Updated", m->updated);
	str_or_null(w, "ErrorCode", m->error);
	str_or_null(w, "ErrorMessage", m->reason);
	if (truncated)
		jw_true(w, "Truncated");
	jw_close(w, '}');
}

/* message - answer status with {"Message": m} */
static void
message(struct req *k, unsigned status, const struct store_message *m,
	bool truncated)
{
	struct jw w = {0};

	jw_open(&w, NULL, '{');
	resource(&w, "Message", m, truncated);
	jw_close(&w, '}');
	reply_jw(k, status, &w);
}

/*
 * one - the text of owner k->owner matching f (by id or sid) into *m;
 * false when there is none (answered 404) or the store failed
 * (answered 503)
 */
static bool
one(struct req *k, struct store_filter *f, struct store_message **m,
    const char *what)
{
	struct store_error err;
	unsigned n = 0;

	f->owner = k->owner;
	f->limit = 1;
	if (store_history(k->s, f, m, &n, &err) != STORE_OK) {
		store_failed(k, &err);
		return false;
	}
	if (n == 0) {
		fail(k, 404, "not_found", "no text %s", what);
		return false;
	}
	return true;
}

/*
 * message_answer - answer status with {"Message": m}, the text id as
 * read (n is 1), which it frees
 */
static void
message_answer(struct req *k, unsigned status, struct store_message **m,
	       unsigned n, int64_t id, bool truncated)
{
	if (n != 1) {
		store_messages_free(m, n);
		fail(k, 500, "internal",
		     "text %lld was queued and is not "
		     "found",
		     (long long)id);
		return;
	}
	message(k, status, *m, truncated);
	store_messages_free(m, n);
}

/* message_reply - answer status with {"Message": text id}, read now */
static void
message_reply(struct req *k, unsigned status, int64_t id, bool truncated)
{
	struct store_message *m = NULL;
	struct store_filter f;
	char what[32];

	store_filter_init(&f);
	f.ids = &id;
	f.nids = 1;
	snprintf(what, sizeof(what), "%lld", (long long)id);
	if (one(k, &f, &m, what))
		message_answer(k, status, &m, 1, id, truncated);
}

/* One POST's work on the store: queue the text, read it back. */
struct piece {
	struct req *k;
	const struct policy_send *rq;
	bool ok; /* queued (or queued before: sent.dup) */
	struct policy_sent sent;
	struct policy_verdict v;
	enum policy_send_why w;
	struct store_message *m; /* the text as queued, n of them (1) */
	unsigned n;
};

/*
 * queue - policy_send and the text read back, in one transaction on s
 * (the committer's, with other requests): the answer is the text as
 * queued, before the runner can take it. True to keep it.
 */
static bool
queue(struct store *s, void *arg)
{
	struct piece *p = arg;
	struct store_filter f;
	struct store_error err;

	p->ok =
	    policy_send(p->k->c, s, p->rq, p->k->now, &p->sent, &p->v, &p->w);
	if (!p->ok)
		return false;
	store_filter_init(&f);
	f.ids = &p->sent.id;
	f.nids = 1;
	if (store_history(s, &f, &p->m, &p->n, &err) != STORE_OK) {
		policy_refuse(&p->v, "451", "4.3.0",
			      "the queue is not available: %s", err.msg);
		p->w = POLICY_SEND_STORE;
		p->ok = false;
		return false;
	}
	return true;
}

/* The fields of a POST, from JSON or a form. */
struct fields {
	const char *v[F_COUNT];
	char *own[F_COUNT]; /* copies made from JSON numbers and booleans */
	json_t *json;
	struct form form;
};

/* fields_clear - free what fields_read made */
static void
fields_clear(struct fields *fl)
{
	for (unsigned i = 0; i < F_COUNT; i++)
		free(fl->own[i]);
	json_decref(fl->json);
	form_clear(&fl->form);
}

/* field_of - the index of name, or -1 */
static int
field_of(const char *name)
{
	for (unsigned i = 0; i < F_COUNT; i++)
		if (!strcmp(field_names[i], name))
			return (int)i;
	return -1;
}

/*
 * fields_read - the request's fields; false when answered (400, 415):
 * not JSON or a form, a field we do not know, one twice, not UTF-8
 */
static bool
fields_read(struct req *k, struct fields *fl)
{
	const struct wh_request *rq = k->rq;
	const char *ct = rq->content_type ? rq->content_type : "";
	size_t ctlen = strcspn(ct, ";");

	while (ctlen > 0 && ct[ctlen - 1] == ' ')
		ctlen--;
	memset(fl, 0, sizeof(*fl));
	if (ctlen == 16 && !strncasecmp(ct, "application/json", 16)) {
		json_error_t je;
		const char *name;
		json_t *val;

		fl->json = json_loadb(rq->body, rq->body_len,
				      JSON_REJECT_DUPLICATES, &je);
		if (!json_is_object(fl->json)) {
			fail(k, 400, "bad_request",
			     "the body is not a JSON object: %s",
			     fl->json ? "another JSON value" : je.text);
			return false;
		}
		json_object_foreach(fl->json, name, val)
		{
			int i = field_of(name);
			char num[32];

			if (i < 0) {
				fail(k, 400, "unknown_field",
				     "there is no field %.60s (names are "
				     "case-sensitive: To, From, Text ...)",
				     name);
				return false;
			}
			if (json_is_string(val))
				fl->v[i] = json_string_value(val);
			else if (json_is_integer(val)) {
				snprintf(num, sizeof(num), "%lld",
					 (long long)json_integer_value(val));
				fl->v[i] = fl->own[i] = strdup(num);
			} else if (json_is_boolean(val))
				fl->v[i] = fl->own[i] = strdup(
				    json_is_true(val) ? "true" : "false");
			else if (json_is_null(val))
				continue;
			else {
				fail(k, 400, "bad_request",
				     "%s must be a string, a number or "
				     "true/false",
				     name);
				return false;
			}
			if (!fl->v[i]) {
				fail(k, 503, "unavailable", "out of memory");
				return false;
			}
		}
		return true;
	}
	if (ctlen == 33 &&
	    !strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
		if (!form_parse(&fl->form, rq->body, rq->body_len)) {
			fail(k, 400, "bad_request", "too many form fields");
			return false;
		}
		for (unsigned n = 0; n < fl->form.n; n++) {
			int i = field_of(fl->form.name[n]);

			if (i < 0) {
				fail(k, 400, "unknown_field",
				     "there is no field %.60s (names are "
				     "case-sensitive: To, From, Text ...)",
				     fl->form.name[n]);
				return false;
			}
			if (fl->v[i]) {
				fail(k, 400, "bad_request", "%s is given twice",
				     field_names[i]);
				return false;
			}
			if (!form_utf8_ok(
				(const unsigned char *)fl->form.value[n],
				fl->form.vlen[n])) {
				fail(k, 400, "bad_request",
				     "%s is not UTF-8 text", field_names[i]);
				return false;
			}
			fl->v[i] = fl->form.value[n];
		}
		return true;
	}
	fail(k, 415, "unsupported_media_type",
	     "send application/json or application/x-www-form-urlencoded");
	return false;
}

/*
 * address_ok - a plain mail address: local@domain, at most 254 bytes,
 * printable ASCII without spaces, quotes, angle brackets or separators
 * (it becomes an SMTP envelope address)
 */
static bool
address_ok(const char *e)
{
	const char *at = strrchr(e, '@');

	if (!at || at == e || !at[1] || strlen(e) > 254)
		return false;
	for (; *e; e++)
		if ((unsigned char)*e <= ' ' || (unsigned char)*e >= 0x7f ||
		    strchr("<>\",;()[]\\", *e))
			return false;
	return true;
}

/* boolean - "true"/"false" (any case, 1/0) into *b; false if neither */
static bool
boolean(const char *s, bool *b)
{
	if (!strcasecmp(s, "true") || !strcmp(s, "1"))
		*b = true;
	else if (!strcasecmp(s, "false") || !strcmp(s, "0"))
		*b = false;
	else
		return false;
	return true;
}

/* integer - a whole decimal number into *v; false if not one */
static bool
integer(const char *s, long long *v)
{
	char *end;

	if (!*s || (!isdigit((unsigned char)*s) && *s != '-'))
		return false;
	*v = strtoll(s, &end, 10);
	return *end == '\0';
}

/*
 * method_ok - a hook method the API takes: POST (signed JSON), FORM or
 * GET, each with "+OK" when only a body "ok" is success (seed 003)
 */
static bool
method_ok(const char *m)
{
	size_t n = strcspn(m, "+");

	if (m[n] && strcasecmp(m + n, "+OK") != 0)
		return false;
	return (n == 4 && !strncasecmp(m, "POST", 4)) ||
	       (n == 3 && !strncasecmp(m, "GET", 3)) ||
	       (n == 4 && !strncasecmp(m, "FORM", 4));
}

/*
 * hook_opt - put a hook target (uri, method) into o as name; false when
 * answered (400)
 */
static bool
hook_opt(struct req *k, json_t *o, const char *uri, const char *method,
	 const char *uri_name, const char *method_name)
{
	struct policy_verdict v;

	if (method && !uri) {
		fail(k, 400, "bad_request", "%s needs %s", method_name,
		     uri_name);
		return false;
	}
	if (!uri)
		return true;
	if (method && !method_ok(method)) {
		fail(k, 400, "bad_request",
		     "%s is POST (signed JSON), FORM or GET, with +OK when "
		     "only the answer ok is success; not %.20s",
		     method_name, method);
		return false;
	}
	if (strlen(uri) > HOOK_URL_MAX) {
		fail(k, 400, "invalid_webhook", "%s is longer than %d bytes",
		     uri_name, HOOK_URL_MAX);
		return false;
	}
	if (!policy_hook_url_seen(k->c, uri, &v)) {
		fail(k, 400, "invalid_webhook", "%s: %s", uri_name, v.text);
		return false;
	}
	json_object_set_new(o, uri_name, json_string(uri));
	json_object_set_new(o, method_name,
			    json_string(method ? method : "POST"));
	return true;
}

/*
 * options - the answer and receipt options of a POST as the JSON kept
 * with the text (NULL when none, *ok_r true); *ok_r false when answered
 */
static char *
options(struct req *k, const struct fields *fl, bool receipt, bool *ok_r)
{
	json_t *o = json_object();
	struct policy_verdict v;
	char *text = NULL, e164[20];

	*ok_r = false;
	if (!o) {
		fail(k, 503, "unavailable", "out of memory");
		return NULL;
	}
	if (receipt &&
	    !hook_opt(k, o, fl->v[F_RECEIPT_URI], fl->v[F_RECEIPT_METHOD],
		      "DeliveryReceiptWebhookUri",
		      "DeliveryReceiptWebhookMethod"))
		goto out;
	if (!hook_opt(k, o, fl->v[F_HOOK_URI], fl->v[F_HOOK_METHOD],
		      "WebhookUri", "WebhookMethod"))
		goto out;
	if (fl->v[F_FWD_SMS] && *fl->v[F_FWD_SMS]) {
		if (!policy_number(k->c, fl->v[F_FWD_SMS], NULL, e164, &v)) {
			fail(k, 400, "invalid_number", "ForwardToSms: %s",
			     v.text);
			goto out;
		}
		json_object_set_new(o, "ForwardToSms", json_string(e164));
	}
	if (fl->v[F_FWD_FROM_SMS] && *fl->v[F_FWD_FROM_SMS]) {
		char chosen[40];

		if (!json_object_get(o, "ForwardToSms")) {
			fail(k, 400, "bad_request",
			     "ForwardFromSms needs ForwardToSms");
			goto out;
		}
		if (policy_sender_for(k->c, k->owner, fl->v[F_FWD_FROM_SMS],
				      false, e164, chosen,
				      &v) != POLICY_FROM_FIXED) {
			fail(k, 403, "from_not_allowed", "ForwardFromSms: %s",
			     v.text);
			goto out;
		}
		json_object_set_new(o, "ForwardFromSms", json_string(chosen));
	}
	if (fl->v[F_FWD_EMAIL] && *fl->v[F_FWD_EMAIL]) {
		if (!address_ok(fl->v[F_FWD_EMAIL])) {
			fail(k, 400, "bad_request",
			     "ForwardToEmail is not a mail address");
			goto out;
		}
		json_object_set_new(o, "ForwardToEmail",
				    json_string(fl->v[F_FWD_EMAIL]));
	}
	if (fl->v[F_FWD_FROM_EMAIL] && *fl->v[F_FWD_FROM_EMAIL]) {
		char own[256];

		if (!json_object_get(o, "ForwardToEmail")) {
			fail(k, 400, "bad_request",
			     "ForwardFromEmail needs ForwardToEmail");
			goto out;
		}
		if (!address_ok(fl->v[F_FWD_FROM_EMAIL])) {
			fail(k, 400, "bad_request",
			     "ForwardFromEmail is not a mail address");
			goto out;
		}
		policy_owner(k->c, fl->v[F_FWD_FROM_EMAIL], own, sizeof(own));
		if (strcmp(own, k->owner) != 0) {
			fail(k, 403, "from_not_allowed",
			     "ForwardFromEmail: %s may send mail only as "
			     "itself",
			     k->owner);
			goto out;
		}
		json_object_set_new(o, "ForwardFromEmail",
				    json_string(fl->v[F_FWD_FROM_EMAIL]));
	}
	if (json_object_get(o, "ForwardToSms") && !fl->v[F_FWD_FROM_SMS] &&
	    (!fl->v[F_FROM] || !*fl->v[F_FROM]) &&
	    policy_pooled(k->c, k->owner)) {
		/* an answer to a forward must come back to the number it
		   left from, which a pool lease does not keep */
		fail(k, 409, "forward_needs_number",
		     "ForwardToSms needs a number of the owner's own "
		     "(SenderNumbers, or ForwardFromSms): a pool number "
		     "cannot forward");
		goto out;
	}
	*ok_r = true;
	if (json_object_size(o) > 0) {
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		if (!text) {
			*ok_r = false;
			fail(k, 503, "unavailable", "out of memory");
		} else if (strlen(text) > OPTS_MAX) { /* kept with the text */
			*ok_r = false;
			fail(k, 400, "bad_request",
			     "the hook and forwarding fields are longer than "
			     "%d bytes together",
			     OPTS_MAX);
			free(text);
			text = NULL;
		}
	}
out:
	json_decref(o);
	return text;
}

/* post - POST /v1/messages: queue a text */
static void
post(struct req *k)
{
	struct policy_send rq = {.owner = k->owner};
	struct policy_sent sent;
	struct policy_verdict v;
	struct store_error err;
	struct piece pc;
	struct fields fl;
	char idem[512], *opts = NULL;
	bool receipt = true, ok;
	const char *key = k->rq->idempotency_key;

	if (key) {
		size_t n = strlen(key);
		bool plain = n > 0 && n <= IDEM_KEY_MAX;

		for (size_t i = 0; plain && i < n; i++)
			plain = key[i] > ' ' && key[i] < 0x7f;
		if (!plain) {
			fail(k, 400, "bad_request",
			     "Idempotency-Key is 1 to %d printable "
			     "characters without spaces",
			     IDEM_KEY_MAX);
			return;
		}
		/* one owner's keys: another's same key is another text */
		snprintf(idem, sizeof(idem), "api/%s/%s", k->owner, key);
		rq.idem_key = idem;
	}
	if (!fields_read(k, &fl)) {
		fields_clear(&fl); /* what it read before it refused */
		return;
	}
	if (!fl.v[F_TO] || !*fl.v[F_TO] || !fl.v[F_TEXT]) {
		fail(k, 400, "bad_request", "%s is missing",
		     !fl.v[F_TO] || !*fl.v[F_TO] ? "To" : "Text");
		goto done;
	}
	if (fl.v[F_RECEIPT] && !boolean(fl.v[F_RECEIPT], &receipt)) {
		fail(k, 400, "bad_request", "DeliveryReceipt is true or false");
		goto done;
	}
	if (fl.v[F_EXTERNAL_ID] &&
	    strlen(fl.v[F_EXTERNAL_ID]) > STORE_EXTERNAL_ID_MAX) {
		fail(k, 400, "bad_request",
		     "ExternalId is longer than %d characters",
		     STORE_EXTERNAL_ID_MAX);
		goto done;
	}
	if (fl.v[F_SCHEDULE] && *fl.v[F_SCHEDULE]) {
		long long at;

		if (!integer(fl.v[F_SCHEDULE], &at)) {
			fail(k, 400, "invalid_schedule",
			     "Schedule is a Unix time in seconds");
			goto done;
		}
		if (!policy_schedule_at(at, k->now, k->c->max_schedule_ahead,
					&rq.due, &v)) {
			fail(k, 400, "invalid_schedule", "%s", v.text);
			goto done;
		}
	}
	opts = options(k, &fl, receipt, &ok);
	if (!ok)
		goto done;
	rq.to = fl.v[F_TO];
	rq.from = fl.v[F_FROM];
	rq.text = fl.v[F_TEXT];
	rq.external_id = fl.v[F_EXTERNAL_ID];
	rq.opts = opts;
	rq.notify = STORE_NOTIFY_NEVER; /* receipts go to hooks, not mail */
	pc = (struct piece){.k = k, .rq = &rq};
	if (!k->g)
		queue(k->s, &pc);
	else if (store_committer_run(k->g, queue, &pc, &err) != STORE_OK) {
		store_messages_free(&pc.m, pc.n);
		ut_log(LOG_ERR, "api: %s", err.msg);
		store_failed(k, &err);
		goto done;
	}
	if (!pc.ok) {
		if (pc.w == POLICY_SEND_STORE)
			ut_log(LOG_ERR, "api: %s", pc.v.text);
		refused(k, pc.w, &pc.v);
		goto done;
	}
	sent = pc.sent;
	message_answer(k, sent.dup ? 200 : 201, &pc.m, pc.n, sent.id,
		       sent.truncated);
	if (!sent.dup) {
		if (!atomic_exchange(&wake_sent, true))
			ut_wake(k->c->wake_socket);
		ut_log(LOG_INFO,
		       "api: %s queued text %lld (%s), %u segment%s, from %s",
		       k->owner, (long long)sent.id, sent.sid, sent.segments,
		       sent.segments == 1 ? "" : "s", sent.from);
	}
done:
	free(opts);
	fields_clear(&fl);
}

/* sid_ok - s looks like a text's public id */
static bool
sid_ok(const char *s)
{
	if (strlen(s) != STORE_SID_LEN || strncmp(s, "SM", 2) != 0)
		return false;
	for (s += 2; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

/* get_one - GET /v1/messages/SID */
static void
get_one(struct req *k, const char *sid)
{
	struct store_message *m = NULL;
	struct store_filter f;

	if (!sid_ok(sid)) {
		fail(k, 404, "not_found", "no text %.40s", sid);
		return;
	}
	store_filter_init(&f);
	f.sid = sid;
	if (!one(k, &f, &m, sid))
		return;
	message(k, 200, m, false);
	store_messages_free(&m, 1);
}

/* cancel - DELETE /v1/messages/SID */
static void
cancel(struct req *k, const char *sid)
{
	struct store_message *m = NULL;
	struct store_filter f;
	struct store_error err;
	enum store_state st;
	int64_t id;
	int rc;

	if (!sid_ok(sid)) {
		fail(k, 404, "not_found", "no text %.40s", sid);
		return;
	}
	store_filter_init(&f);
	f.sid = sid;
	f.direction = "out";
	if (!one(k, &f, &m, sid))
		return;
	id = m->id;
	store_messages_free(&m, 1);
	rc = store_cancel(k->s, id, k->owner, "cancelled through the API",
			  k->now, &st, &err);
	if (rc == STORE_ENOTFOUND)
		fail(k, 404, "not_found", "no text %s", sid);
	else if (rc == STORE_EPERM)
		fail(k, 409, "not_cancellable",
		     "the text is %s: only a text not yet sent can be "
		     "cancelled",
		     store_state_name(st));
	else if (rc != STORE_OK)
		store_failed(k, &err);
	else {
		ut_log(LOG_INFO, "api: %s cancelled text %lld (%s)", k->owner,
		       (long long)id, sid);
		message_reply(k, 200, id, false);
	}
}

/* list - GET /v1/messages?To=&From=&Status=&Direction=... */
static void
list(struct req *k)
{
	struct store_message *m = NULL;
	struct store_filter f;
	struct store_error err;
	struct form q = {0};
	struct policy_verdict v;
	unsigned n = 0, i;
	struct jw w = {0};
	char to[20], from[20];
	long long num;

	store_filter_init(&f);
	f.owner = k->owner;
	f.limit = 100;
	if (k->rq->query &&
	    !form_parse(&q, k->rq->query, strlen(k->rq->query))) {
		fail(k, 400, "bad_request", "too many query fields");
		goto done;
	}
	for (i = 0; i < q.n; i++) {
		const char *name = q.name[i], *val = q.value[i];

		if (!strcmp(name, "To") || !strcmp(name, "Phone")) {
			if (!policy_number(k->c, val, NULL, to, &v)) {
				fail(k, 400, "invalid_number", "%s: %s", name,
				     v.text);
				goto done;
			}
			f.phone = to;
		} else if (!strcmp(name, "From")) {
			snprintf(from, sizeof(from), "%s", val);
			f.sender = from;
		} else if (!strcmp(name, "Direction")) {
			if (strcmp(val, "outbound") && strcmp(val, "inbound")) {
				fail(k, 400, "bad_request",
				     "Direction is outbound or inbound");
				goto done;
			}
			f.direction = val[0] == 'o' ? "out" : "in";
		} else if (!strcmp(name, "Status")) {
			if ((f.state = store_state_parse(val)) < 0) {
				fail(k, 400, "bad_request",
				     "no status %.30s (queued, scheduled, "
				     "submitted, delivered, failed ...)",
				     val);
				goto done;
			}
		} else if (!strcmp(name, "ExternalId")) {
			f.external_id = val;
		} else if (!strcmp(name, "Text")) {
			f.text = val;
		} else if (!strcmp(name, "Since") || !strcmp(name, "Until") ||
			   !strcmp(name, "Limit") ||
			   !strcmp(name, "PageToken")) {
			if (!integer(val, &num) || num < 0) {
				fail(k, 400, "bad_request",
				     "%s is a whole number", name);
				goto done;
			}
			if (name[0] == 'S')
				f.since = num;
			else if (name[0] == 'U')
				f.until = num;
			else if (name[0] == 'P')
				f.after_id = num;
			else if (num < 1 || num > LIST_MAX) {
				fail(k, 400, "bad_request", "Limit is 1 to %d",
				     LIST_MAX);
				goto done;
			} else
				f.limit = (unsigned)num;
		} else {
			fail(k, 400, "unknown_field",
			     "no filter %.40s (To, From, Direction, Status, "
			     "ExternalId, Text, Since, Until, Limit, "
			     "PageToken)",
			     name);
			goto done;
		}
	}
	if (store_history(k->s, &f, &m, &n, &err) != STORE_OK) {
		store_failed(k, &err);
		goto done;
	}
	jw_open(&w, NULL, '{');
	jw_open(&w, "Messages", '[');
	for (i = 0; i < n; i++)
		resource(&w, NULL, &m[i], false);
	jw_close(&w, ']');
	if (n > 0 && n == f.limit) {
		/* a full page: the next one starts after its last text */
		char next[24];

		snprintf(next, sizeof(next), "%lld", (long long)m[n - 1].id);
		jw_str(&w, "NextPageToken", next);
	}
	jw_close(&w, '}');
	reply_jw(k, 200, &w);
	store_messages_free(&m, n);
done:
	form_clear(&q);
}

/* api_wake_heard - the runner is about to read its wakes and claim */
void
api_wake_heard(void)
{
	atomic_store(&wake_sent, false);
}

/* api_handle - answer one request of the send API */
void
api_handle(const struct conf *c, struct store *s, struct store_committer *g,
	   struct policy_apikeys *ks, const struct wh_request *rq,
	   struct wh_answer *a)
{
	struct req k = {.c = c, .s = s, .g = g, .rq = rq, .a = a};
	struct policy_verdict v;
	struct store_error err;
	const char *path = rq->path, *sid = NULL;
	int64_t key_id;

	memset(a, 0, sizeof(*a));
	k.now = (int64_t)time(NULL);
	if (!strncmp(path, "/v1/messages/", 13) && path[13])
		sid = path + 13;
	else if (strcmp(path, "/v1/messages") != 0) {
		fail(&k, 404, "not_found",
		     "no such resource: the API has /v1/messages");
		return;
	}
	if (!policy_apikey_auth(c, s, ks, rq->authorization, k.now, k.owner,
				&key_id, &v, &err)) {
		if (!strcmp(v.xcode, "4.3.0")) {
			store_failed(&k, &err);
			return;
		}
		ut_log(LOG_NOTICE, "api: %s: %s", rq->client, v.text);
		header(&k, "WWW-Authenticate", "Bearer realm=\"smsmilter\"");
		fail(&k, 401, "unauthorized", "%s", v.text);
		return;
	}
	if (!sid && !strcmp(rq->method, "POST"))
		post(&k);
	else if (!sid && !strcmp(rq->method, "GET"))
		list(&k);
	else if (sid && !strcmp(rq->method, "GET"))
		get_one(&k, sid);
	else if (sid && !strcmp(rq->method, "DELETE"))
		cancel(&k, sid);
	else {
		header(&k, "Allow", sid ? "GET, DELETE" : "GET, POST");
		fail(&k, 405, "method_not_allowed", "%s is not a method of %s",
		     rq->method, path);
	}
}
