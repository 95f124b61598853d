/*
 * NAME
 *	http - the HTTP provider transport: a REST API of the Twilio kind
 * DESCRIPTION
 *	Each text is one form POST to {base}/2010-04-01/Accounts/
 *	{account}/Messages.json (To, From, Body in UTF-8, a MediaUrl for
 *	each picture of an MMS, StatusCallback with ?id=<msg_id>-<seq>)
 *	with the account and token as basic authentication; the provider
 *	splits it. The JSON answer (jansson) tells what became of it:
 *	2xx with a "sid": taken, the sid is the id its status callbacks
 *	carry; 429 and 5xx: not now; other answers (4xx with {"code",
 *	"message"}): refused for good, with the provider's code and words.
 *	web.c sends, retries and times out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "transport/transport_int.h"

#define API_VERSION "/2010-04-01"

struct http {
	char *url; /* the Messages.json resource */
	char *account, *token, *status_url;
};

static void
http_free(void *ctx)
{
	struct http *h = ctx;

	if (!h)
		return;
	free(h->url);
	free(h->account);
	free(h->token);
	free(h->status_url);
	free(h);
}

/* form_add - append name=value (escaped) to a form; false on ENOMEM */
static bool
form_add(char **form, const char *name, const char *value)
{
	char *v = web_escape(value), *n = NULL;
	size_t len = *form ? strlen(*form) : 0;

	if (v) {
		n = realloc(*form, len + strlen(name) + strlen(v) + 3);
		if (n) {
			sprintf(n + len, "%s%s=%s", len ? "&" : "", name, v);
			*form = n;
		}
	}
	free(v);
	return n != NULL;
}

/* http_build - the form for one whole text */
static int
http_build(void *ctx, const struct tp_part *p, struct web_req *rq,
	   struct tp_error *err)
{
	struct http *h = ctx;
	const char *q, *nl = NULL;
	bool ok;

	if (!p->text)
		return tp_fail(err, TP_EPERM,
			       "the HTTP transport sends whole texts: the "
			       "part has no text");
	ok = form_add(&rq->body, "To", p->dst) &&
	     form_add(&rq->body, "From", p->src) &&
	     form_add(&rq->body, "Body", p->text);
	/* MMS: each picture's link as a MediaUrl; the provider fetches it */
	for (q = p->media; ok && q && *q; q = nl ? nl + 1 : q + strlen(q)) {
		char url[2048];
		size_t n;

		nl = strchr(q, '\n');
		n = nl ? (size_t)(nl - q) : strlen(q);
		if (n == 0 || n >= sizeof(url))
			continue;
		memcpy(url, q, n);
		url[n] = '\0';
		ok = form_add(&rq->body, "MediaUrl", url);
	}
	if (ok && h->status_url && p->receipt) {
		/* our id in the callback lets smsgw wait for a status that
		   comes before the answer naming the provider's id */
		char cb[2048];

		snprintf(cb, sizeof(cb), "%s?id=%lld-%u", h->status_url,
			 (long long)p->msg_id, p->seq);
		ok = form_add(&rq->body, "StatusCallback", cb);
	}
	if (ok)
		ok = (rq->url = strdup(h->url)) != NULL;
	if (!ok)
		return tp_fail(err, TP_ENOMEM, "out of memory");
	rq->user = h->account;
	rq->password = h->token;
	return TP_OK;
}

/* http_answer - the provider's JSON answer */
static enum web_verdict
http_answer(void *ctx, long status, const char *body, size_t len,
	    struct tp_event *e)
{
	json_t *root = json_loadb(body, len, 0, NULL), *v;
	const char *msg = NULL, *sid = NULL;
	enum web_verdict verdict;

	(void)ctx;
	if (json_is_object(root)) {
		sid = json_string_value(json_object_get(root, "sid"));
		msg = json_string_value(json_object_get(root, "message"));
		v = json_object_get(root, "code");
		if (json_is_integer(v))
			snprintf(e->code, sizeof(e->code),
				 "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
		else if (json_is_string(v))
			snprintf(e->code, sizeof(e->code), "%s",
				 json_string_value(v));
	}
	if (status >= 200 && status < 300) {
		/* taken, even without a sid: sending again would repeat it */
		snprintf(e->smsc_id, sizeof(e->smsc_id), "%s", sid ? sid : "");
		e->code[0] = '\0';
		verdict = WEB_TAKEN;
	} else {
		verdict =
		    status == 429 || status >= 500 ? WEB_RETRY : WEB_REJECTED;
		if (!e->code[0])
			snprintf(e->code, sizeof(e->code), "HTTP%ld", status);
		snprintf(e->reason, sizeof(e->reason),
			 "the provider answered HTTP %ld: %s", status,
			 msg ? msg : "(no message)");
	}
	json_decref(root);
	return verdict;
}

static const struct web_kind http_kind = {
    .name = "http",
    .build = http_build,
    .answer = http_answer,
    .free_ctx = http_free,
};

/* tp_http_open - check the configuration, then a web transport */
struct transport *
tp_http_open(const struct tp_http_conf *c, struct tp_error *err)
{
	struct http *h;
	const char *acc = c->account ? c->account : "";
	size_t blen;
	char *a;
	struct web_limits lim = {.window = c->window, .timeout = c->timeout};

	if (!c->base_url || strncmp(c->base_url, "http", 4) != 0 || !*acc ||
	    !c->token || !*c->token) {
		tp_fail(err, TP_EPERM,
			"HTTP: a base URL (http:// or https://), an account "
			"and a token are needed");
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	a = web_escape(acc);
	blen = strlen(c->base_url);
	while (blen > 0 && c->base_url[blen - 1] == '/')
		blen--;
	/* the base may name the API version itself */
	if (blen >= strlen(API_VERSION) &&
	    !strncmp(c->base_url + blen - strlen(API_VERSION), API_VERSION,
		     strlen(API_VERSION)))
		blen -= strlen(API_VERSION);
	if (h && a && (h->url = malloc(blen + strlen(a) + 64)) != NULL)
		sprintf(h->url, "%.*s" API_VERSION "/Accounts/%s/Messages.json",
			(int)blen, c->base_url, a);
	free(a);
	if (!h || !h->url || !(h->account = strdup(acc)) ||
	    !(h->token = strdup(c->token)) ||
	    (c->status_url && *c->status_url &&
	     !(h->status_url = strdup(c->status_url)))) {
		http_free(h);
		tp_fail(err, TP_ENOMEM, "out of memory");
		return NULL;
	}
	return web_open(&http_kind, h, &lim, err);
}
