/*
 * NAME
 *	webhook - smsgw's HTTP server for the webhooks and /metrics
 * DESCRIPTION
 *	One libmicrohttpd thread with a store connection of its own
 *	listens on WebhookListen (and, when set, on MetricsListen for
 *	GET /metrics alone). It gathers each request, refusing bodies
 *	over 64 KiB (413), and hands it, apart from HTTP, to
 *	webhook_handle() (providers.c), one at a time, so that the
 *	configuration can be swapped between two requests.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "gateway/gateway_int.h"
#include "util/util.h"

#define BODY_MAX (64 * 1024)

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

/* The server. */
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

/* on_uri - a new request: its context, with a copy of the URI */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct ctx *x = calloc(1, sizeof(*x));

	if (x)
		x->uri = strdup(uri);
	return x;
}

/* on_done - the request is over: free its context */
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

/* reply - queue an answer of status with a copy of body */
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

/*
 * on_request - gather a request's body (at most BODY_MAX), then answer
 * it with webhook_handle(), one request at a time
 */
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

/* webhook_set_conf - swap the configuration between requests */
void
webhook_set_conf(struct webhook *w, const struct conf *c)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->c = c;
	pthread_mutex_unlock(&w->mu);
}

/* webhook_stop - stop the listeners, close the store, free */
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
