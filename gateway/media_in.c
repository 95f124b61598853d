/*
 * NAME
 *	media_in - photos from phones and voicemail recordings fetched into
 *	their mail before it goes
 * DESCRIPTION
 *	A text from a phone with pictures (the Twilio-style webhook's
 *	MediaUrlN) or a voicemail with a recording_url is stored with its
 *	mail before the webhook is answered, the files only linked and
 *	named in the mail's MP_MEDIA_HEADER headers (inbound.c). The
 *	mailer, having claimed such a mail, asks media_fill() for it:
 *	each file is fetched (tp_fetch, all of one mail at once) with
 *	HttpAccount and HttpToken as basic authentication, only from
 *	InboundMediaHosts (by default the host of HttpBaseUrl), over https
 *	unless InboundMediaAllowHttp, from no private address unless
 *	InboundMediaAllowPrivate (checked at connect), a redirect
 *	followed (up to HOPS_MAX) only to those hosts again and the
 *	credentials sent only to the link's own host, within
 *	InboundMediaTimeout and InboundMediaMaxBytes,
 *	and InboundMediaMaxTotal for them all. A file fetched is attached;
 *	one refused for good (a host not allowed, 4xx, too big) stays a
 *	link with a note saying why. When one failed in a way that may
 *	pass (no answer in time, no connection, 5xx, 408, 429), the mail
 *	waits in the store and is tried again, InboundMediaRetries times,
 *	InboundMediaRetryFirst later and twice as long each time after;
 *	then it goes with the note. The webhook's answer never waits for
 *	a file, and a gateway killed meanwhile finds the mail in the
 *	store again (mail leases): the text is mailed once.
 */
#include <stdint.h>
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

#define HOSTS_MAX 32
#define HOPS_MAX  3 /* redirects followed for one file */
/* more tries for a file the batch's budget cut (not its own fault) */
#define CUT_TRIES 3

struct media {
	struct tp_fetch *f;
	tp_addr_check check;	    /* f's */
	char *hosts[HOSTS_MAX + 1]; /* NULL-ended */
	char *user, *password;	    /* NULL: none */
	size_t max_bytes, max_total;
	unsigned timeout, retries;
	long long retry_first;
	bool https_only;
};

/* What became of one link. */
struct got {
	enum { G_WAIT, G_OK, G_FAIL, G_AGAIN } state;
	unsigned hops;
	char host[256]; /* the link's: only it sees the credentials */
	bool anonymous; /* no credentials at all (not a signed route's) */
	bool cut;	/* stopped by the batch's budget, not its timeout */
	unsigned char *data;
	size_t size;
	char type[101];
	char note[300];
};

/* media_free - free md (NULL is fine) */
void
media_free(struct media **mdp)
{
	struct media *md = *mdp;
	unsigned i;

	if (!md)
		return;
	tp_fetch_free(&md->f);
	for (i = 0; md->hosts[i]; i++)
		free(md->hosts[i]);
	free(md->user);
	free(md->password);
	free(md);
	*mdp = NULL;
}

/* media_new - what media_fill needs of c; NULL when out of memory */
struct media *
media_new(const struct conf *c)
{
	struct media *md = calloc(1, sizeof(*md));
	struct tp_error err;
	char host[256];
	size_t i, n = 0;

	if (!md)
		return NULL;
	md->max_bytes = (size_t)c->inbound_media_max_bytes;
	md->max_total = (size_t)c->inbound_media_max_total;
	md->timeout = (unsigned)c->inbound_media_timeout;
	md->retries = (unsigned)c->inbound_media_retries;
	md->retry_first = c->inbound_media_retry_first;
	md->https_only = !c->inbound_media_allow_http;
	for (i = 0; i < c->inbound_media_hosts.n && n < HOSTS_MAX; i++)
		if (!(md->hosts[n++] = strdup(c->inbound_media_hosts.v[i])))
			goto nomem;
	if (n == 0 && c->http_base_url && c->http_base_url[0] &&
	    tp_url_host(c->http_base_url, host, sizeof(host), NULL, &err) ==
		TP_OK &&
	    !(md->hosts[n++] = strdup(host)))
		goto nomem;
	if (c->http_account && c->http_account[0] &&
	    (!(md->user = strdup(c->http_account)) ||
	     !(md->password = strdup(c->http_token ? c->http_token : ""))))
		goto nomem;
	md->check = c->inbound_media_allow_private ? NULL : policy_addr_private;
	md->f = tp_fetch_new(MP_MEDIA_MAX, md->check, &err);
	if (!md->f)
		goto nomem;
	return md;
nomem:
	media_free(&md);
	return NULL;
}

/* bare_type - a Content-Type without its parameters, into out */
static void
bare_type(const char *ct, char *out, size_t size)
{
	size_t n = strcspn(ct, "; \t");

	if (n >= size)
		n = 0; /* too long to be a plain type: none */
	memcpy(out, ct, n);
	out[n] = '\0';
}

/* judge - what the answer res to a link means, into g */
static void
judge(const struct media *md, const struct tp_fetch_result *res, struct got *g)
{
	long st = res->status;

	if (res->too_big) {
		g->state = G_FAIL;
		snprintf(g->note, sizeof(g->note),
			 "it is larger than InboundMediaMaxBytes (%zu bytes)",
			 md->max_bytes);
	} else if (res->refused) {
		g->state = G_FAIL;
		snprintf(g->note, sizeof(g->note), "not fetched: %s",
			 res->error);
	} else if (st == 0) {
		g->state = G_AGAIN;
		snprintf(g->note, sizeof(g->note), "%s",
			 res->timed_out ? "no answer within InboundMediaTimeout"
					: res->error);
	} else if (st >= 200 && st < 300 && res->data && res->data_len) {
		g->state = G_OK;
		g->data = res->data; /* ours now */
		g->size = res->data_len;
		bare_type(res->content_type, g->type, sizeof(g->type));
	} else if (st >= 200 && st < 300) {
		g->state = G_FAIL;
		snprintf(g->note, sizeof(g->note), "the answer was empty");
	} else if (st >= 300 && st < 400) {
		g->state = G_FAIL;
		snprintf(g->note, sizeof(g->note),
			 "the provider answered %ld, a redirect without a "
			 "Location, or more than %d",
			 st, HOPS_MAX);
	} else if (st == 401 || st == 403) {
		g->state = G_FAIL;
		snprintf(g->note, sizeof(g->note),
			 "the provider refused our credentials (%ld)", st);
	} else if (st >= 500 || st == 408 || st == 429) {
		g->state = G_AGAIN;
		snprintf(g->note, sizeof(g->note), "the provider answered %ld",
			 st);
	} else {
		g->state = G_FAIL;
		snprintf(g->note, sizeof(g->note), "the provider answered %ld",
			 st);
	}
	if (g->state != G_OK)
		free(res->data);
}

/*
 * start - the request for file i at url (the link's, or where it
 * redirected to): the credentials only to the link's own host
 */
static int
start(struct media *md, size_t i, const char *url, struct got *g,
      struct tp_error *err)
{
	char host[256];
	bool same = tp_url_host(url, host, sizeof(host), NULL, err) == TP_OK &&
		    !strcmp(host, g->host);
	struct tp_fetch_request rq = {
	    .url = url,
	    .method = "GET",
	    .timeout = md->timeout,
	    .tag = (void *)(uintptr_t)(i + 1),
	    .max_bytes = md->max_bytes,
	    .user = same && !g->anonymous ? md->user : NULL,
	    .password = same && !g->anonymous ? md->password : NULL,
	    .https_only = md->https_only,
	    .hosts = (const char *const *)md->hosts,
	};

	return tp_fetch_start(md->f, &rq, err);
}

/* fetch - the links' files into got, all at once */
static void
fetch(struct media *md, const struct store_mail *mail,
      const struct mp_media_link *links, struct got *got, size_t n,
      time_t budget)
{
	struct tp_fetch_result res;
	struct tp_error err;
	size_t i, waiting = 0;
	time_t until = time(NULL) + (time_t)md->timeout * (HOPS_MAX + 1) + 10;

	if (until > budget) /* the batch's lease covers no more */
		until = budget;

	for (i = 0; i < n; i++) {
		struct got *g = &got[i];

		g->anonymous = links[i].anonymous;
		if (tp_url_host(links[i].url, g->host, sizeof(g->host), NULL,
				&err) != TP_OK)
			g->host[0] = '\0';
		if (md->max_bytes == 0) {
			g->state = G_FAIL;
			snprintf(g->note, sizeof(g->note),
				 "not fetched (InboundMediaMaxBytes is 0)");
		} else if (!md->hosts[0]) {
			g->state = G_FAIL;
			snprintf(g->note, sizeof(g->note),
				 "not fetched: no InboundMediaHosts (nor "
				 "HttpBaseUrl) name the provider's hosts");
		} else if (!md->f) {
			g->state = G_AGAIN;
			snprintf(g->note, sizeof(g->note), "out of memory");
		} else if (start(md, i, links[i].url, g, &err) == TP_OK) {
			g->state = G_WAIT;
			waiting++;
		} else if (err.status == TP_EPERM) {
			g->state = G_FAIL;
			snprintf(g->note, sizeof(g->note),
				 "not fetched: %.200s (InboundMediaHosts, "
				 "InboundMediaAllowHttp)",
				 err.msg);
		} else {
			g->state = G_AGAIN;
			snprintf(g->note, sizeof(g->note), "%s", err.msg);
		}
	}
	while (waiting > 0) {
		if (time(NULL) > until) {
			/* libcurl's timeout did not end them: abandoned */
			for (i = 0; i < n; i++)
				if (got[i].state == G_WAIT) {
					got[i].state = G_AGAIN;
					got[i].cut = until == budget;
					snprintf(got[i].note,
						 sizeof(got[i].note), "%s",
						 got[i].cut
						     ? "the batch's time for "
						       "fetching ran out"
						     : "no answer within "
						       "InboundMediaTimeout");
				}
			tp_fetch_free(&md->f);
			md->f = tp_fetch_new(MP_MEDIA_MAX, md->check, &err);
			break;
		}
		if (tp_fetch_wait(md->f, 1000, &res) != 1)
			continue;
		i = (size_t)(uintptr_t)res.tag - 1;
		if (i >= n || got[i].state != G_WAIT) {
			free(res.data);
			continue;
		}
		if (res.status >= 300 && res.status < 400 && res.location[0] &&
		    got[i].hops < HOPS_MAX) {
			/* followed only to InboundMediaHosts (start) */
			got[i].hops++;
			free(res.data);
			if (start(md, i, res.location, &got[i], &err) == TP_OK)
				continue;
			got[i].state = G_FAIL;
			snprintf(got[i].note, sizeof(got[i].note),
				 "the provider answered %ld, a redirect "
				 "not followed: %.200s",
				 res.status, err.msg);
		} else
			judge(md, &res, &got[i]);
		waiting--;
		ut_log(got[i].state == G_OK ? LOG_INFO : LOG_NOTICE,
		       "mail=%lld media=%zu status=%s%s%s%s",
		       (long long)mail->id, i + 1,
		       got[i].state == G_OK	? "fetched"
		       : got[i].state == G_FAIL ? "refused"
						: "deferred",
		       got[i].state == G_OK ? "" : " (",
		       got[i].state == G_OK ? "" : got[i].note,
		       got[i].state == G_OK ? "" : ")");
	}
}

/* media_fill - the mail's files fetched into it, or why not */
enum media_result
media_fill(struct media *md, const struct store_mail *mail, int64_t until,
	   char **out_r, size_t *len_r, int64_t *wait_r, char *why,
	   size_t whysize)
{
	struct mp_media_link *links = NULL;
	struct mp_media_result res[MP_MEDIA_MAX];
	struct got *got = NULL;
	char names[MP_MEDIA_MAX][40];
	struct mp_error merr;
	enum media_result r = MEDIA_AGAIN;
	size_t n = 0, i, total = 0;
	unsigned attached = 0;

	*out_r = NULL;
	*wait_r = 60;
	why[0] = '\0';
	if (!(links = calloc(MP_MEDIA_MAX, sizeof(*links))) ||
	    !(got = calloc(MP_MEDIA_MAX, sizeof(*got)))) {
		snprintf(why, whysize, "media: out of memory");
		goto out;
	}
	mp_media_wanted((const char *)mail->data, mail->len, links,
			MP_MEDIA_MAX, &n);
	if (n == 0) {
		r = MEDIA_NONE;
		goto out;
	}
	fetch(md, mail, links, got, n, (time_t)until);
	for (i = 0; i < n; i++)
		if (got[i].state == G_AGAIN &&
		    (mail->attempts <= md->retries ||
		     (got[i].cut &&
		      mail->attempts <= md->retries + CUT_TRIES))) {
			unsigned k = mail->attempts - 1;

			*wait_r = md->retry_first << (k < 12 ? k : 12);
			metrics_add(M_MEDIA_RETRIED);
			snprintf(why, whysize,
				 "media %zu of %zu: %s; trying again", i + 1, n,
				 got[i].note);
			goto out;
		}
	for (i = 0; i < n; i++) {
		struct got *g = &got[i];

		if (g->state == G_AGAIN) {
			size_t l = strlen(g->note);

			snprintf(g->note + l, sizeof(g->note) - l,
				 " (tried %u times)", mail->attempts);
			g->state = G_FAIL;
		}
		if (g->state == G_OK && g->size > md->max_total - total) {
			g->state = G_FAIL;
			free(g->data);
			g->data = NULL;
			snprintf(g->note, sizeof(g->note),
				 "the files of this text are larger than "
				 "InboundMediaMaxTotal (%zu bytes)",
				 md->max_total);
		}
		res[i] = (struct mp_media_result){.note = g->note};
		if (g->state != G_OK)
			continue;
		total += g->size;
		attached++;
		if (!g->type[0] || !strchr(g->type, '/') ||
		    !strcmp(g->type, "application/octet-stream"))
			snprintf(g->type, sizeof(g->type), "%s",
				 links[i].content_type);
		mp_media_filename(g->type, (unsigned)i + 1, names[i],
				  sizeof(names[i]));
		res[i] = (struct mp_media_result){
		    .data = g->data,
		    .size = g->size,
		    .content_type = g->type,
		    .filename = names[i],
		};
	}
	if (mp_media_resolve((const char *)mail->data, mail->len, links, res, n,
			     out_r, len_r, &merr) != MP_OK) {
		snprintf(why, whysize, "media: %s", merr.msg);
		goto out;
	}
	for (i = 0; i < n; i++)
		metrics_add(res[i].data ? M_MEDIA_ATTACHED
					: M_MEDIA_NOT_ATTACHED);
	ut_log(LOG_INFO, "mail=%lld media=%zu attached=%u", (long long)mail->id,
	       n, attached);
	r = MEDIA_READY;
out:
	for (i = 0; got && i < n; i++)
		free(got[i].data);
	free(got);
	free(links);
	return r;
}
