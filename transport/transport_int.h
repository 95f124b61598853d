/*
 * NAME
 *	transport_int - what the transports share inside transport/
 * DESCRIPTION
 *	Each transport embeds a struct transport as its first member and
 *	points it at its table of operations; transport.c dispatches the
 *	public tp_* calls through that table. The web transports (http.c,
 *	kannel.c) share web.c, a window of HTTP requests on curl's multi
 *	interface: they build each request and read each answer; web.c
 *	sends, times out, retries with backoff and reports.
 */
#ifndef TRANSPORT_TRANSPORT_INT_H
#define TRANSPORT_TRANSPORT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "transport/transport.h"

struct tp_ops {
	const char *name; /* "smpp", "http", "kannel": for log lines */
	bool whole_texts; /* takes whole texts, splits them itself */
	int (*submit)(struct transport *t, const struct tp_part *p,
		      struct tp_error *err);
	unsigned (*room)(const struct transport *t);
	unsigned (*inflight)(const struct transport *t);
	int (*poll)(struct transport *t, int timeout_ms, struct tp_event *ev,
		    unsigned max, unsigned *n_r);
	void (*ack)(struct transport *t, const struct tp_event *e,
		    enum tp_answer a);
	void (*watch)(struct transport *t, int fd);
	void (*close)(struct transport *t);	     /* frees t */
	uint64_t (*mark)(const struct transport *t); /* NULL: 0 */
	void (*flush)(struct transport *t); /* NULL: ack writes at once */
};

/* The part every transport begins with. */
struct transport {
	const struct tp_ops *ops;
};

/* tp_fail - set err (when given) and return status */
int tp_fail(struct tp_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A request a web transport built for one part: web.c frees it. */
struct web_req {
	char *url;	      /* the whole URL, query included */
	char *body;	      /* a form to POST, or NULL to GET */
	const char *user;     /* basic authentication, or NULL */
	const char *password; /* borrowed from the transport */
};

/* What became of a request, as the web transport reads the answer. */
enum web_verdict {
	WEB_TAKEN,    /* e->smsc_id set */
	WEB_REJECTED, /* for good: e->code, e->reason set */
	WEB_RETRY,    /* for now: e->code, e->reason set */
};

struct web_kind {
	const char *name;
	/* build - the request for part p (its strings malloc'd) */
	int (*build)(void *ctx, const struct tp_part *p, struct web_req *rq,
		     struct tp_error *err);
	/*
	 * answer - read an HTTP answer to the request for e->msg_id,
	 * e->seq; a reason set with WEB_TAKEN is logged (TP_EV_NOTE)
	 */
	enum web_verdict (*answer)(void *ctx, long status, const char *body,
				   size_t len, struct tp_event *e);
	void (*free_ctx)(void *ctx);
};

/* How many requests at once, and how long each may take. */
struct web_limits {
	unsigned window;
	unsigned timeout; /* seconds for a whole request */
	unsigned tries;	  /* sends of a part before TP_EV_RETRY */
};

/*
 * web_open - a transport that sends each part as an HTTP request built
 * by kind; ctx is the kind's, freed with it (also on failure)
 */
struct transport *web_open(const struct web_kind *kind, void *ctx,
			   const struct web_limits *lim, struct tp_error *err);

/* web_escape - s percent-encoded for a URL or a form; malloc'd or NULL */
char *web_escape(const char *s);

#endif /* TRANSPORT_TRANSPORT_INT_H */
