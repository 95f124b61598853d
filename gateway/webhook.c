/*
 * NAME
 *	webhook - smsgw's HTTP server for the webhooks and /metrics
 * DESCRIPTION
 *	libmicrohttpd listens on WebhookListen with a pool of
 *	WebhookThreads threads (epoll where there is one), and, when set,
 *	on MetricsListen with one thread for GET /metrics alone. It
 *	gathers each request, refusing bodies over 64 KiB (413), and
 *	hands it, apart from HTTP, to webhook_handle() (providers.c) with
 *	a store connection of the handler's own: a pool holds one
 *	connection a thread, so a store is never used by two threads at
 *	once and a handler that waits (settle() in providers.c waits up
 *	to 2 s) holds up only its own thread's connections.
 *
 *	Slow clients: at most WebhookMaxConnections connections in all
 *	(split among the threads) and WebhookMaxPerClient from one
 *	address (libmicrohttpd closes one more at once), and a deadline
 *	for each whole request. libmicrohttpd's own timeout counts idle
 *	time only, and every byte restarts it; so each connection is
 *	noted when it starts (the connection notifier), its clock starts
 *	again when a request has been answered, and a sweeper thread
 *	shuts down, once a second, the sockets of those still sending a
 *	request after WebhookRequestTimeout. The shutdown(2) makes the
 *	connection's own thread read end-of-file and close it as any
 *	client that left: libmicrohttpd frees it in its own thread, and
 *	it tells the notifier before closing the socket, so the sweeper,
 *	under the same lock, never touches a socket number reused. A
 *	request whose body is all there and that is being answered is
 *	left alone.
 *
 *	The configuration is swapped between requests: a new one waits
 *	until no handler runs, and no handler starts meanwhile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gateway_int.h"
#include "policy/policy.h"
#include "util/util.h"

#define BODY_MAX (64 * 1024)
/*
 * a connection's memory: headers and the read buffer (a body is copied
 * out as it comes); the API's requests are small and many, and each
 * costs a zeroing of all of it
 */
#define POOL_WEBHOOK (128 * 1024)
#define POOL_API     (32 * 1024)
/* how long a start waits for a predecessor to leave its address: a
   stopping smsgw keeps serving until its last answer, 10 s at most */
#define TAKEOVER_MS 12000

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

/* A connection, from its start to its close (the deadline's clock). */
struct wconn {
	struct wconn *prev, *next;
	int fd;		  /* -1 once shut down */
	int64_t start_ms; /* when the request under way began */
	bool answering;	  /* the request is all in and being answered */
	char client[INET6_ADDRSTRLEN];
};

/* The server. */
struct webhook {
	struct MHD_Daemon *d, *metrics, *api;
	pthread_mutex_t mu;  /* all below */
	pthread_cond_t cv;   /* a store came back, a swap is over */
	pthread_cond_t tick; /* the sweeper's: stop */
	const struct conf *c;
	/*
	 * stores no handler has: [0] the webhooks' and /metrics', [1] the
	 * send API's and the media route's, so that a flood of API
	 * connections (a thread each) never makes a provider's webhook wait
	 */
	struct store **free[2];
	unsigned nfree[2], nstores;
	unsigned busy; /* handlers running */
	bool swapping; /* a new configuration waits for busy == 0 */
	struct wconn *conns;
	pthread_t sweeper;
	bool sweeping, stopping;
	struct mailer *m;
	char transport[16];
	struct store_committer *committer; /* the API's texts, runner's turns */
	struct policy_apikeys *keys;	   /* the API keys found lately */
};

/*
 * committed - a group of the send API's texts (and the queue runner's
 * turns): a failure logged
 */
static void
committed(void *arg, unsigned n, double seconds, const struct store_error *err)
{
	(void)arg;
	if (err)
		ut_log(LOG_ERR,
		       "store: commit of a group of %u (API texts, runner "
		       "turns) failed after %.3f s: %s",
		       n, seconds, err->msg);
}

/* client_of - the client's address of con as text ("" if unknown) */
static void
client_of(struct MHD_Connection *con, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	buf[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(
		    AF_INET,
		    &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
		    buf, (socklen_t)size);
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(
		    AF_INET6,
		    &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
		    buf, (socklen_t)size);
}

/* conn_of - what on_connection() noted of con, or NULL */
static struct wconn *
conn_of(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/*
 * on_connection - a connection starts (note its socket and the time)
 * or closes (forget it, before libmicrohttpd closes the socket)
 */
static void
on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
	      enum MHD_ConnectionNotificationCode code)
{
	struct webhook *w = cls;
	struct wconn *k = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		    con, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (!ci || !(k = calloc(1, sizeof(*k))))
			return; /* not swept: the idle timeout still holds */
		k->fd = ci->connect_fd;
		k->start_ms = ut_now_ms();
		client_of(con, k->client, sizeof(k->client));
		pthread_mutex_lock(&w->mu);
		k->next = w->conns;
		if (w->conns)
			w->conns->prev = k;
		w->conns = k;
		pthread_mutex_unlock(&w->mu);
		*socket_context = k;
		return;
	}
	if (!k)
		return;
	pthread_mutex_lock(&w->mu);
	if (k->prev)
		k->prev->next = k->next;
	else
		w->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	pthread_mutex_unlock(&w->mu);
	free(k);
	*socket_context = NULL;
}

/* mark - a request of con is all in (answering) or answered (not) */
static void
mark(struct webhook *w, struct MHD_Connection *con, bool answering)
{
	struct wconn *k = conn_of(con);

	if (!k)
		return;
	pthread_mutex_lock(&w->mu);
	k->answering = answering;
	if (!answering) /* the next request's clock starts now */
		k->start_ms = ut_now_ms();
	pthread_mutex_unlock(&w->mu);
}

/*
 * sweep - once a second, shut down the connections that have been
 * sending one request for longer than WebhookRequestTimeout
 */
static void *
sweep(void *arg)
{
	struct webhook *w = arg;
	struct timespec until;

	pthread_mutex_lock(&w->mu);
	while (!w->stopping) {
		int64_t now = ut_now_ms(),
			limit = w->c->webhook_request_timeout * 1000;
		unsigned closed = 0;
		char last[INET6_ADDRSTRLEN] = "";
		struct wconn *k;

		for (k = w->conns; k; k = k->next)
			if (k->fd >= 0 && !k->answering &&
			    now - k->start_ms >= limit) {
				shutdown(k->fd, SHUT_RDWR);
				k->fd = -1;
				closed++;
				memcpy(last, k->client, sizeof(last));
			}
		if (closed) { /* not under the lock */
			pthread_mutex_unlock(&w->mu);
			ut_log(LOG_INFO,
			       "webhooks: closed %u connection%s still sending "
			       "a request after %llds (the last from %s)",
			       closed, closed == 1 ? "" : "s",
			       (long long)(limit / 1000), last);
			pthread_mutex_lock(&w->mu);
			if (w->stopping)
				break;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&w->tick, &w->mu, &until);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* take - a store of the pool and the configuration, for one request */
static struct store *
take(struct webhook *w, bool api, const struct conf **c_r)
{
	struct store *s;

	pthread_mutex_lock(&w->mu);
	while (w->swapping || w->nfree[api] == 0)
		pthread_cond_wait(&w->cv, &w->mu);
	s = w->free[api][--w->nfree[api]];
	*c_r = w->c;
	w->busy++;
	pthread_mutex_unlock(&w->mu);
	return s;
}

/* give - the request is over: its store back to the pool */
static void
give(struct webhook *w, bool api, struct store *s)
{
	pthread_mutex_lock(&w->mu);
	w->free[api][w->nfree[api]++] = s;
	w->busy--;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

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

/*
 * on_done - the request is over: free its context; the connection's
 * next request has WebhookRequestTimeout from now
 */
static void
on_done(void *cls, struct MHD_Connection *con, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct ctx *x = *con_cls;

	mark(cls, con, false);

	if (x) {
		free(x->uri);
		free(x->body);
		free(x);
	}
	*con_cls = NULL;
}

static enum MHD_Result reply_with(struct MHD_Connection *con, unsigned status,
				  const char *ctype, char *body, size_t len,
				  const char *name, const char *value);

/* reply - queue an answer of status with a copy of body */
static enum MHD_Result
reply(struct MHD_Connection *con, unsigned status, const char *ctype,
      char *body, size_t len)
{
	return reply_with(con, status, ctype, body, len, NULL, NULL);
}

/* reply_with - reply(), with one more header when name is not NULL */
static enum MHD_Result
reply_with(struct MHD_Connection *con, unsigned status, const char *ctype,
	   char *body, size_t len, const char *name, const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, body ? body : (char *)"", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	if (name)
		MHD_add_response_header(r, name, value);
	rc = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* no_bytes - the body of a HEAD answer, never read */
static ssize_t
no_bytes(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* A file's bytes going out, MEDIA_INLINE_MAX at a time. */
struct stream {
	struct webhook *w;
	int64_t id, first;
};

/*
 * read_media - the next bytes of a streamed file, read with a store of
 * the API's pool taken for the read only (a slow reader holds none)
 */
static ssize_t
read_media(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	const struct conf *c;
	struct store_error err;
	struct store *s = take(st->w, true, &c);
	int rc = store_media_read(s, st->id, st->first + (int64_t)pos, buf, max,
				  &err);

	give(st->w, true, s);
	if (rc != STORE_OK) { /* deleted meanwhile, or the store failed */
		ut_log(LOG_NOTICE, "media: file %lld cut after %llu bytes: %s",
		       (long long)st->id, (unsigned long long)pos, err.msg);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	return (ssize_t)max;
}

/*
 * media_reply - a file's link (media.c) answered over HTTP; the body
 * is handed to libmicrohttpd (a->body becomes NULL), not copied, or
 * read as it goes (a->stream)
 */
static enum MHD_Result
media_reply(struct webhook *w, struct MHD_Connection *con,
	    struct media_answer *a, bool head)
{
	static char missing[] = "not found\n";
	struct MHD_Response *r;
	enum MHD_Result rc;
	char v[64];

	if (a->status == 404 || a->status == 405 || a->status == 503) {
		r = MHD_create_response_from_buffer(
		    a->status == 404 ? sizeof(missing) - 1 : 0, missing,
		    MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, "Content-Type", "text/plain");
		if (a->status == 405)
			MHD_add_response_header(r, "Allow", "GET, HEAD");
		if (a->status == 503)
			MHD_add_response_header(r, "Retry-After", "5");
	} else if (a->stream && !head) {
		struct stream *st = malloc(sizeof(*st));

		if (!st)
			return MHD_NO;
		*st = (struct stream){w, a->id, a->first};
		r = MHD_create_response_from_callback(a->len, MEDIA_INLINE_MAX,
						      read_media, st, free);
		if (!r) {
			free(st);
			return MHD_NO;
		}
	} else if (head || a->status == 304 || a->status == 416 || !a->body)
		r = a->status == 416 || a->status == 304
			? MHD_create_response_from_buffer(
			      0, missing, MHD_RESPMEM_PERSISTENT)
			: MHD_create_response_from_callback(
			      a->len, 4096, no_bytes, NULL, NULL);
	else {
		r = MHD_create_response_from_buffer(a->len, a->body,
						    MHD_RESPMEM_MUST_FREE);
		if (r)
			a->body = NULL; /* libmicrohttpd's to free now */
	}
	if (!r)
		return MHD_NO;
	if (a->status != 404 && a->status != 405 && a->status != 503) {
		if (a->status != 304 && a->status != 416) {
			MHD_add_response_header(r, "Content-Type",
						a->content_type);
			MHD_add_response_header(r, "Content-Disposition",
						a->disposition);
		}
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(r, "Accept-Ranges", "bytes");
		MHD_add_response_header(r, "ETag", a->etag);
		snprintf(v, sizeof(v), "private, max-age=%lld",
			 (long long)(a->max_age > 0 ? a->max_age : 0));
		MHD_add_response_header(r, "Cache-Control", v);
		if (a->content_range[0])
			MHD_add_response_header(r, "Content-Range",
						a->content_range);
	}
	rc = MHD_queue_response(con, a->status, r);
	MHD_destroy_response(r);
	return rc;
}

/*
 * serve - gather a request's body (at most BODY_MAX), then answer it
 * with webhook_handle(), or api_handle() when api, and a store of the
 * pool
 */
static enum MHD_Result
serve(struct webhook *w, struct MHD_Connection *con, const char *method,
      const char *upload, size_t *upload_size, void **con_cls, bool api)
{
	struct ctx *x = *con_cls;
	struct wh_request rq = {0};
	struct wh_answer a = {0};
	const struct conf *c;
	struct store *s;
	char client[INET6_ADDRSTRLEN], *user = NULL, *pass = NULL, *q;
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
	mark(w, con, true); /* all in: the deadline is met */
	if (x->too_big && api) {
		static char big[] = "{\"Error\":{\"Code\":\"too_large\","
				    "\"Message\":\"the body is over 64 KiB\","
				    "\"Status\":413}}\n";

		return reply(con, 413, "application/json", big,
			     sizeof(big) - 1);
	}
	if (x->too_big) {
		metrics_add(M_WEBHOOK_REFUSED);
		return reply(con, 413, "text/plain", "body over 64 KiB\n", 17);
	}
	if (!x->uri)
		return MHD_NO;
	if (api && strncmp(x->uri, "/m/", 3) == 0) {
		/* a file's link: its signature is the authority, not a key */
		struct media_answer ma;

		q = strchr(x->uri, '?');
		if (q)
			*q = '\0';
		s = take(w, true, &c);
		media_handle(
		    c, s, method, x->uri,
		    MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Range"),
		    MHD_lookup_connection_value(con, MHD_HEADER_KIND,
						"If-Range"),
		    MHD_lookup_connection_value(con, MHD_HEADER_KIND,
						"If-None-Match"),
		    (int64_t)time(NULL), &ma);
		give(w, true, s);
		rc = media_reply(w, con, &ma, strcmp(method, "HEAD") == 0);
		free(ma.body);
		return rc;
	}
	client_of(con, client, sizeof(client));
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
	    .authorization = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
							 "Authorization"),
	    .idempotency_key = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
							   "Idempotency-Key"),
	    .body = x->body ? x->body : "",
	    .body_len = x->len,
	};
	s = take(w, api, &c);
	if (api)
		api_handle(c, s, w->committer, w->keys, &rq, &a);
	else
		webhook_handle(c, s, w->m, w->transport, &rq, &a);
	give(w, api, s);
	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	rc = reply_with(con, a.status, a.content_type, a.body, a.len, a.header,
			a.header_value);
	free(a.body);
	return rc;
}

/* on_request - a request on WebhookListen */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *con, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_size, void **con_cls)
{
	return serve(cls, con, method, upload, upload_size, con_cls, false);
}

/* on_api - a request on ApiListen */
static enum MHD_Result
on_api(void *cls, struct MHD_Connection *con, const char *url,
       const char *method, const char *version, const char *upload,
       size_t *upload_size, void **con_cls)
{
	return serve(cls, con, method, upload, upload_size, con_cls, true);
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

/*
 * bind_free - 0 when sa can be bound now; else -1 with errno, after
 * waiting up to TAKEOVER_MS while it is in use (a smsgw restarted the
 * way INSTALL says starts while its predecessor still serves)
 */
static int
bind_free(const struct sockaddr *sa, socklen_t len, const char *what,
	  const struct conf_hostport *hp)
{
	struct timespec pause = {0, 100 * 1000 * 1000};
	unsigned waited = 0;
	int fd, one = 1, r, saved;

	for (;;) {
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		r = bind(fd, sa, len);
		saved = errno;
		close(fd);
		if (r == 0)
			return 0;
		if (saved != EADDRINUSE || waited >= TAKEOVER_MS) {
			errno = saved;
			return -1;
		}
		if (waited == 0)
			ut_log(LOG_NOTICE,
			       "%s %s:%u: in use; waiting up to %u s for it to "
			       "be free (a predecessor stopping)",
			       what, hp->host, hp->port, TAKEOVER_MS / 1000);
		nanosleep(&pause, NULL);
		waited += 100;
	}
}

/*
 * listen_on - an MHD daemon on hp with handler fn and threads threads,
 * pool bytes of memory a connection (its headers and what it reads;
 * libmicrohttpd zeroes all of it after each request on a kept-alive
 * connection), within the configuration's limits; NULL (logged)
 */
static struct MHD_Daemon *
listen_on(struct webhook *w, const struct conf_hostport *hp,
	  MHD_AccessHandlerCallback fn, unsigned threads, size_t pool,
	  const char *what)
{
	const struct conf *c = w->c;
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
	if (bind_free(sa, sa->sa_family == AF_INET6 ? sizeof(s6) : sizeof(s4),
		      what, hp) != 0) {
		ut_log(LOG_ERR, "%s %s:%u: cannot listen: %s", what, hp->host,
		       hp->port, strerror(errno));
		return NULL;
	}
	if (threads == 0) /* a thread a connection */
		flags |= MHD_USE_THREAD_PER_CONNECTION;
	else if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	/* MHD_OPTION_THREAD_POOL_SIZE 1 is a pool of one: the same */
	d = MHD_start_daemon(
	    flags, (uint16_t)hp->port, NULL, NULL, fn, w, MHD_OPTION_SOCK_ADDR,
	    sa, MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 1,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, w,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->webhook_max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)c->webhook_max_per_client, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)c->webhook_request_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_END);
	if (!d)
		ut_log(LOG_ERR, "%s %s:%u: cannot listen", what, hp->host,
		       hp->port);
	else
		ut_log(LOG_NOTICE,
		       "%s on %s:%u, %u thread%s, at most %lld connections, "
		       "%lld a client, %llds a request",
		       what, hp->host, hp->port, threads,
		       threads == 1 ? "" : "s", c->webhook_max_connections,
		       c->webhook_max_per_client, c->webhook_request_timeout);
	return d;
}

/* webhook_start - the server, with a store connection a thread */
struct webhook *
webhook_start(const struct conf *c, struct mailer *m, const char *transport)
{
	struct webhook *w = calloc(1, sizeof(*w));
	bool metrics = c->metrics_listen.host && c->metrics_listen.host[0];
	bool api = c->api_listen.host && c->api_listen.host[0];
	unsigned threads = (unsigned)c->webhook_threads, n, napi;
	struct store_error err;

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	{ /* the sweeper's tick: immune to changes of the wall clock */
		pthread_condattr_t a;

		pthread_condattr_init(&a);
		pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
		pthread_cond_init(&w->tick, &a);
		pthread_condattr_destroy(&a);
	}
	w->c = c;
	w->m = m;
	snprintf(w->transport, sizeof(w->transport), "%s", transport);
	/*
	 * a store for every webhook thread: a handler never waits for one;
	 * ApiThreads for the API's requests answered at once
	 */
	n = threads + (metrics ? 1 : 0);
	napi = api ? (unsigned)c->api_threads : 0;
	w->free[0] = calloc(n, sizeof(*w->free[0]));
	w->free[1] = calloc(napi ? napi : 1, sizeof(*w->free[1]));
	if (!w->free[0] || !w->free[1]) {
		webhook_stop(&w);
		return NULL;
	}
	while (w->nstores < n + napi) {
		struct store *s = store_open(
		    c->database, (enum store_sync)c->database_sync, &err);
		bool for_api = w->nstores >= n;

		if (!s) {
			ut_log(LOG_ERR, "webhooks: store: %s", err.msg);
			webhook_stop(&w);
			return NULL;
		}
		w->free[for_api][w->nfree[for_api]++] = s;
		w->nstores++;
	}
	if (pthread_create(&w->sweeper, NULL, sweep, w) != 0) {
		ut_log(LOG_ERR, "webhooks: cannot start a thread");
		webhook_stop(&w);
		return NULL;
	}
	w->sweeping = true;
	w->d = listen_on(w, &c->webhook_listen, on_request, threads,
			 POOL_WEBHOOK, "webhooks");
	if (metrics)
		w->metrics = listen_on(w, &c->metrics_listen, metrics_only, 1,
				       POOL_WEBHOOK, "metrics");
	if (api) {
		/* the texts of all API requests: one fsync per group */
		w->committer = store_committer_start(
		    c->database, (enum store_sync)c->database_sync, committed,
		    NULL, &err);
		if (!w->committer) {
			ut_log(LOG_ERR, "send API: store: %s", err.msg);
			webhook_stop(&w);
			return NULL;
		}
		w->keys = policy_apikeys_new();
		if (!w->keys) {
			ut_log(LOG_ERR, "send API: out of memory");
			webhook_stop(&w);
			return NULL;
		}
	}
	if (api)
		w->api = listen_on(w, &c->api_listen, on_api, 0, POOL_API,
				   "send API");
	if (!w->d || (metrics && !w->metrics) || (api && !w->api))
		webhook_stop(&w);
	return w;
}

/* webhook_committer - the send API's group commit, or NULL */
struct store_committer *
webhook_committer(const struct webhook *w)
{
	return w ? w->committer : NULL;
}

/* webhook_set_conf - swap the configuration between requests */
void
webhook_set_conf(struct webhook *w, const struct conf *c)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->swapping) /* one swap at a time (there is one caller) */
		pthread_cond_wait(&w->cv, &w->mu);
	w->swapping = true; /* no handler starts ... */
	while (w->busy > 0) /* ... and those running finish */
		pthread_cond_wait(&w->cv, &w->mu);
	w->c = c;
	w->swapping = false;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* webhook_stop - stop the listeners and the sweeper, close the stores */
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
	if (w->api)
		MHD_stop_daemon(w->api);
	if (w->sweeping) {
		pthread_mutex_lock(&w->mu);
		w->stopping = true;
		pthread_cond_signal(&w->tick);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->sweeper, NULL);
	}
	store_committer_free(&w->committer); /* no request is left */
	policy_apikeys_free(&w->keys);
	for (int k = 0; k < 2; k++) {	/* every store is back: the daemons */
		while (w->nfree[k] > 0) /* stopped */
			store_close(&w->free[k][--w->nfree[k]]);
		free(w->free[k]);
	}
	pthread_cond_destroy(&w->tick);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	*wp = NULL;
}
