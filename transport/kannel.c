/*
 * NAME
 *	kannel - the Kannel transport: texts through a smsbox's sendsms
 * DESCRIPTION
 *	Each text is one GET of sendsms with username, password, from,
 *	to and the whole text in UTF-8 (charset=UTF-8; coding=2 when it
 *	needs UCS-2, else Kannel would send '?' for what GSM-7 lacks).
 *	Kannel splits a long text itself (its sendsms-user's
 *	max-messages and concatenation), with the UDH its SMSC link needs,
 *	and keeps one dlr-url for all of its parts.
 *
 *	The dlr-url is {status_url}/kannel/dlr?id=<msg_id>-<seq>&status=%d
 *	&answer=%A: Kannel fills in the report type and the SMSC's answer
 *	when it calls it. dlr-mask 31 asks for every report: delivered (1),
 *	failed (2), buffered (4), and the SMSC's own acceptance (8) or
 *	refusal (16), which is all a 202 from sendsms cannot tell (it only
 *	means smsbox queued the text). The id is ours, so it is also the
 *	smsc_id: the receipts find the text by it.
 *
 *	Answers: 2xx ("0: Accepted for delivery", "3: Queued for later
 *	delivery", which is also logged): taken; 429 and 5xx (503 "Temporal
 *failure"): not now; other 4xx (403 bad password or not routable, 400 missing
 *fields): refused for good, with Kannel's sentence.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport_int.h"

struct kannel {
	char *url, *user, *password, *status_url;
	unsigned dlr_mask;
};

static void
kannel_free(void *ctx)
{
	struct kannel *k = ctx;

	if (!k)
		return;
	free(k->url);
	free(k->user);
	free(k->password);
	free(k->status_url);
	free(k);
}

/* add - append &name=escaped(value) to a URL; false on ENOMEM */
static bool
add(char **url, const char *name, const char *value)
{
	char *v = web_escape(value), *n = NULL;
	size_t len = strlen(*url);

	if (v) {
		n = realloc(*url, len + strlen(name) + strlen(v) + 3);
		if (n) {
			sprintf(n + len, "%c%s=%s", strchr(n, '?') ? '&' : '?',
				name, v);
			*url = n;
		}
	}
	free(v);
	return n != NULL;
}

/* kannel_build - the sendsms URL for one whole text */
static int
kannel_build(void *ctx, const struct tp_part *p, struct web_req *rq,
	     struct tp_error *err)
{
	struct kannel *k = ctx;
	char dlr[1200], mask[16];
	bool ok;

	if (!p->text)
		return tp_fail(err, TP_EPERM,
			       "the Kannel transport sends whole texts: the "
			       "part has no text");
	ok = (rq->url = strdup(k->url)) != NULL &&
	     add(&rq->url, "username", k->user) &&
	     add(&rq->url, "password", k->password) &&
	     add(&rq->url, "from", p->src) && add(&rq->url, "to", p->dst) &&
	     add(&rq->url, "text", p->text) &&
	     add(&rq->url, "charset", "UTF-8");
	if (ok && p->data_coding == 8)
		ok = add(&rq->url, "coding", "2");
	if (ok && k->status_url && p->receipt) {
		snprintf(dlr, sizeof(dlr),
			 "%s/kannel/dlr?id=%" PRId64
			 "-%u&status=%%d&answer=%%A",
			 k->status_url, p->msg_id, p->seq);
		snprintf(mask, sizeof(mask), "%u", k->dlr_mask);
		ok = add(&rq->url, "dlr-mask", mask) &&
		     add(&rq->url, "dlr-url", dlr);
	}
	if (!ok)
		return tp_fail(err, TP_ENOMEM, "out of memory");
	return TP_OK;
}

/* kannel_answer - sendsms's status and sentence */
static enum web_verdict
kannel_answer(void *ctx, long status, const char *body, size_t len,
	      struct tp_event *e)
{
	size_t n = strcspn(body, "\r\n");

	(void)ctx, (void)len;
	if (status >= 200 && status < 300) {
		snprintf(e->smsc_id, sizeof(e->smsc_id), "%" PRId64 "-%u",
			 e->msg_id, e->seq);
		if (!strncmp(body, "3:", 2))
			snprintf(e->reason, sizeof(e->reason),
				 "Kannel took %s and queued it for later "
				 "delivery (\"%.*s\"): its SMSC link is down",
				 e->smsc_id, (int)(n > 60 ? 60 : n), body);
		return WEB_TAKEN;
	}
	snprintf(e->code, sizeof(e->code), "HTTP%ld", status);
	snprintf(e->reason, sizeof(e->reason), "Kannel answered HTTP %ld: %.*s",
		 status, (int)(n > 120 ? 120 : n), body);
	return status == 429 || status >= 500 ? WEB_RETRY : WEB_REJECTED;
}

static const struct web_kind kannel_kind = {
    .name = "kannel",
    .build = kannel_build,
    .answer = kannel_answer,
    .free_ctx = kannel_free,
};

/* tp_kannel_open - check the configuration, then a web transport */
struct transport *
tp_kannel_open(const struct tp_kannel_conf *c, struct tp_error *err)
{
	struct kannel *k;
	struct web_limits lim = {.window = c->window, .timeout = c->timeout};
	size_t sl;

	if (!c->url || strncmp(c->url, "http", 4) != 0 || !c->user ||
	    !*c->user) {
		tp_fail(err, TP_EPERM,
			"Kannel: the sendsms URL (http:// or https://) and a "
			"user are needed");
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k || !(k->url = strdup(c->url)) || !(k->user = strdup(c->user)) ||
	    !(k->password = strdup(c->password ? c->password : "")) ||
	    (c->status_url && *c->status_url &&
	     !(k->status_url = strdup(c->status_url)))) {
		kannel_free(k);
		tp_fail(err, TP_ENOMEM, "out of memory");
		return NULL;
	}
	if (k->status_url) {
		sl = strlen(k->status_url);
		while (sl > 0 && k->status_url[sl - 1] == '/')
			k->status_url[--sl] = '\0';
	}
	k->dlr_mask = c->dlr_mask ? c->dlr_mask : 31;
	return web_open(&kannel_kind, k, &lim, err);
}
