/*
 * NAME
 *	fetch - HTTP requests to many URLs at once, for event hooks
 * DESCRIPTION
 *	smsgw's hook thread hands each hook to tp_fetch_start and takes
 *	what became of it from tp_fetch_wait: up to max requests run at
 *	once on libcurl's multi interface, each with its own timeout.
 *	The URLs come from the site's configuration and from whoever
 *	sends a text with a callback URL, so the requests are kept
 *	narrow: http and https only, no redirects followed, no proxy
 *	from the environment, and every address a connection is about to
 *	be made to is shown to the caller's check first (libcurl's
 *	CURLOPT_OPENSOCKETFUNCTION), so that a name that resolves to a
 *	private address at connect time is refused however it resolved
 *	before. Only the start of an answer is kept, and no more than
 *	64 KiB of it is read.
 *
 *	A request for a file (inbound media: max_bytes set) keeps the
 *	whole answer up to max_bytes and stops reading past it (or at
 *	once when its Content-Length says more); it may be limited to
 *	https and to a list of hosts, checked on the URL as libcurl
 *	parses it (the parsed URL is what is fetched), and may carry
 *	basic authentication. Redirects are never followed: an answer
 *	3xx is an answer like any other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "transport/transport.h"

#define READ_MAX (64 * 1024) /* the most of an answer read */

/* One request under way. */
struct req {
	CURL *easy;
	struct curl_slist *headers;
	void *tag;
	tp_addr_check check;
	char body[TP_FETCH_BODY_MAX + 1];
	size_t len, total;
	bool cut;	   /* the answer went on too long: stopped reading */
	char refused[160]; /* why check refused an address, or "" */
	char errbuf[CURL_ERROR_SIZE];
	CURLU *url;	     /* the URL as parsed and checked */
	size_t max_bytes;    /* a file: keep it all, up to this */
	unsigned char *data; /* the file so far */
	size_t dlen, dcap;
	bool too_big;		 /* over max_bytes: stopped */
	struct req *prev, *next; /* those under way */
};

struct tp_fetch {
	CURLM *multi;
	unsigned max, n;
	tp_addr_check check;
	struct req *reqs; /* under way */
};

/*
 * keep - the start of the answer; the rest is read and dropped, up to
 * READ_MAX in all, where reading stops (the status stands)
 */
static size_t
keep(char *data, size_t size, size_t nmemb, void *arg)
{
	struct req *r = arg;
	size_t n = size * nmemb, room = TP_FETCH_BODY_MAX - r->len;

	r->total += n;
	if (r->max_bytes) {
		if (n > r->max_bytes - r->dlen) {
			r->too_big = true;
			return 0;
		}
		if (r->dlen + n > r->dcap) {
			size_t cap = r->dcap ? r->dcap : 16384;
			unsigned char *d;

			while (cap < r->dlen + n)
				cap *= 2;
			if (cap > r->max_bytes)
				cap = r->max_bytes;
			if (!(d = realloc(r->data, cap)))
				return 0;
			r->data = d;
			r->dcap = cap;
		}
		memcpy(r->data + r->dlen, data, n);
		r->dlen += n;
	} else if (r->total > READ_MAX) {
		r->cut = true;
		return 0;
	}

	if (room > n)
		room = n;
	memcpy(r->body + r->len, data, room);
	r->len += room;
	r->body[r->len] = '\0';
	return n;
}

/* open_socket - a socket for address, if the check lets it be reached */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *address)
{
	struct req *r = arg;
	const char *why;

	(void)purpose;
	if (r->check && (why = r->check(&address->addr))) {
		char host[INET6_ADDRSTRLEN] = "?";
		const struct sockaddr *sa = &address->addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(
			    AF_INET,
			    &((const struct sockaddr_in *)(const void *)sa)
				 ->sin_addr,
			    host, sizeof(host));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(
			    AF_INET6,
			    &((const struct sockaddr_in6 *)(const void *)sa)
				 ->sin6_addr,
			    host, sizeof(host));
		snprintf(r->refused, sizeof(r->refused), "%s is %s address",
			 host, why);
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

/* tp_fetch_new - a set of up to max requests at once */
struct tp_fetch *
tp_fetch_new(unsigned max, tp_addr_check check, struct tp_error *err)
{
	struct tp_fetch *f = calloc(1, sizeof(*f));

	/* counted: paired with tp_fetch_free's cleanup */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (!f || !(f->multi = curl_multi_init())) {
		free(f);
		curl_global_cleanup();
		err->status = TP_ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	f->max = max ? max : 1;
	f->check = check;
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)f->max);
	return f;
}

/* req_free - free a request that is not (any more) in the multi */
static void
req_free(struct req *r)
{
	if (!r)
		return;
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	curl_url_cleanup(r->url);
	free(r->data);
	free(r);
}

/* parse - url parsed by libcurl, an http or https URL; NULL with err */
static CURLU *
parse(const char *url, char **scheme_r, char **host_r, struct tp_error *err)
{
	CURLU *u = curl_url();

	*scheme_r = *host_r = NULL;
	if (!u) {
		err->status = TP_ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, scheme_r, 0) != CURLUE_OK ||
	    (strcmp(*scheme_r, "http") && strcmp(*scheme_r, "https")) ||
	    curl_url_get(u, CURLUPART_HOST, host_r, 0) != CURLUE_OK) {
		curl_free(*scheme_r);
		curl_free(*host_r);
		*scheme_r = *host_r = NULL;
		curl_url_cleanup(u);
		err->status = TP_EPERM;
		snprintf(err->msg, sizeof(err->msg),
			 "not an http or https URL");
		return NULL;
	}
	return u;
}

/* host_copy - a host as libcurl gives it, lowercased, no brackets */
static void
host_copy(const char *h, char *out, size_t size)
{
	size_t n = strlen(h), i;

	if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
		h++, n -= 2;
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
	out[n] = '\0';
}

/* tp_url_host - the host of an http or https URL */
int
tp_url_host(const char *url, char *host, size_t size, bool *https_r,
	    struct tp_error *err)
{
	char *scheme, *h;
	CURLU *u = parse(url, &scheme, &h, err);

	if (!u)
		return err->status;
	host_copy(h, host, size);
	if (https_r)
		*https_r = !strcmp(scheme, "https");
	curl_free(scheme);
	curl_free(h);
	curl_url_cleanup(u);
	return TP_OK;
}

/*
 * checked - rq's URL, parsed, when rq allows it (https_only, hosts; no
 * user or password in it); NULL with err
 */
static CURLU *
checked(const struct tp_fetch_request *rq, struct tp_error *err)
{
	char *scheme, *h, *user = NULL, host[256];
	CURLU *u = parse(rq->url, &scheme, &h, err);
	size_t i;
	bool ok = true;

	if (!u)
		return NULL;
	host_copy(h, host, sizeof(host));
	if (rq->https_only && strcmp(scheme, "https")) {
		snprintf(err->msg, sizeof(err->msg),
			 "the URL is http, not https");
		ok = false;
	} else if (rq->hosts) {
		curl_url_get(u, CURLUPART_USER, &user, 0);
		for (i = 0; rq->hosts[i]; i++)
			if (!strcasecmp(rq->hosts[i], host))
				break;
		if (user) {
			snprintf(err->msg, sizeof(err->msg),
				 "the URL carries a user name");
			ok = false;
		} else if (!rq->hosts[i]) {
			snprintf(err->msg, sizeof(err->msg),
				 "%.200s is not a host allowed", host);
			ok = false;
		}
	}
	curl_free(user);
	curl_free(scheme);
	curl_free(h);
	if (!ok) {
		curl_url_cleanup(u);
		err->status = TP_EPERM;
		return NULL;
	}
	return u;
}

/* tp_fetch_start - send a request */
int
tp_fetch_start(struct tp_fetch *f, const struct tp_fetch_request *rq,
	       struct tp_error *err)
{
	struct req *r;
	CURL *c;
	size_t i;

	if (f->n >= f->max) {
		err->status = TP_EBUSY;
		snprintf(err->msg, sizeof(err->msg), "%u requests under way",
			 f->n);
		return TP_EBUSY;
	}
	if (!(r = calloc(1, sizeof(*r))))
		goto nomem;
	if ((rq->https_only || rq->hosts) && !(r->url = checked(rq, err))) {
		req_free(r);
		return err->status;
	}
	if (!(r->easy = c = curl_easy_init()))
		goto nomem;
	r->tag = rq->tag;
	r->check = rq->check ? rq->check : f->check;
	for (i = 0; rq->headers && rq->headers[i]; i++) {
		struct curl_slist *l =
		    curl_slist_append(r->headers, rq->headers[i]);

		if (!l)
			goto nomem;
		r->headers = l;
	}
	if (r->url)
		curl_easy_setopt(c, CURLOPT_CURLU, r->url);
	else
		curl_easy_setopt(c, CURLOPT_URL, rq->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
			 rq->https_only ? "https" : "http,https");
	if (rq->max_bytes) {
		r->max_bytes = rq->max_bytes;
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
				 (curl_off_t)rq->max_bytes);
	}
	if (rq->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, rq->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
				 rq->password ? rq->password : "");
	}
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT,
			 (long)(rq->timeout ? rq->timeout : 10));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(c, CURLOPT_PRIVATE, r);
	if (rq->method && !strcmp(rq->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)rq->len);
		curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS,
				 rq->body ? rq->body : "");
	}
	if (curl_multi_add_handle(f->multi, c) != CURLM_OK)
		goto nomem;
	r->next = f->reqs;
	if (f->reqs)
		f->reqs->prev = r;
	f->reqs = r;
	f->n++;
	return TP_OK;
nomem:
	req_free(r);
	err->status = TP_ENOMEM;
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return TP_ENOMEM;
}

/* tp_fetch_inflight - requests under way */
unsigned
tp_fetch_inflight(const struct tp_fetch *f)
{
	return f->n;
}

/* unlink_req - r is no longer under way */
static void
unlink_req(struct tp_fetch *f, struct req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		f->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

/* done - the result of the finished request of msg, into res */
static void
done(struct tp_fetch *f, CURLMsg *msg, struct tp_fetch_result *res)
{
	struct req *r = NULL;
	long status = 0;
	char *ctype = NULL;
	CURLcode rc = msg->data.result;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
	curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(msg->easy_handle, CURLINFO_CONTENT_TYPE, &ctype);
	memset(res, 0, sizeof(*res));
	res->tag = r->tag;
	if (ctype)
		snprintf(res->content_type, sizeof(res->content_type), "%s",
			 ctype);
	if (status >= 300 && status < 400) {
		char *loc = NULL;

		curl_easy_getinfo(msg->easy_handle, CURLINFO_REDIRECT_URL,
				  &loc);
		if (loc && strlen(loc) < sizeof(res->location))
			memcpy(res->location, loc, strlen(loc) + 1);
	}
	res->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
	res->too_big = r->too_big || rc == CURLE_FILESIZE_EXCEEDED;
	if (res->too_big) {
		res->status = status;
		snprintf(res->error, sizeof(res->error),
			 "larger than %zu bytes", r->max_bytes);
	} else if (rc == CURLE_OK ||
		   (rc == CURLE_WRITE_ERROR && r->cut && status)) {
		res->status = status;
		if (r->max_bytes && rc == CURLE_OK) {
			res->data = r->data; /* the caller's now */
			res->data_len = r->dlen;
			r->data = NULL;
		}
	} else if (r->refused[0]) {
		res->refused = true;
		snprintf(res->error, sizeof(res->error), "refused: %s",
			 r->refused);
	} else {
		snprintf(res->error, sizeof(res->error), "%s",
			 r->errbuf[0] ? r->errbuf
				      : curl_easy_strerror(msg->data.result));
	}
	memcpy(res->body, r->body, r->len + 1);
	res->len = r->len;
	curl_multi_remove_handle(f->multi, msg->easy_handle);
	unlink_req(f, r);
	req_free(r);
	f->n--;
}

/* next - a finished request into res: 1, or 0 */
static int
next(struct tp_fetch *f, struct tp_fetch_result *res)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(f->multi, &left)))
		if (msg->msg == CURLMSG_DONE) {
			done(f, msg, res);
			return 1;
		}
	return 0;
}

/* tp_fetch_wait - run up to timeout_ms until a request is done */
int
tp_fetch_wait(struct tp_fetch *f, int timeout_ms, struct tp_fetch_result *res)
{
	int running;

	if (next(f, res))
		return 1;
	curl_multi_perform(f->multi, &running);
	if (next(f, res))
		return 1;
	curl_multi_poll(f->multi, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(f->multi, &running);
	return next(f, res);
}

/* tp_fetch_wakeup - make tp_fetch_wait return */
void
tp_fetch_wakeup(struct tp_fetch *f)
{
	curl_multi_wakeup(f->multi);
}

/* tp_fetch_free - abandon the requests, free */
void
tp_fetch_free(struct tp_fetch **fp)
{
	struct tp_fetch *f = *fp;
	struct req *r, *next_r;

	if (!f)
		return;
	for (r = f->reqs; r; r = next_r) {
		next_r = r->next;
		curl_multi_remove_handle(f->multi, r->easy);
		req_free(r);
	}
	curl_multi_cleanup(f->multi);
	curl_global_cleanup();
	free(f);
	*fp = NULL;
}
