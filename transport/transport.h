/*
 * NAME
 *	transport - carrier links behind one small interface
 * SUMMARY
 *	#include "transport/transport.h"
 * DESCRIPTION
 *	A transport takes segments (tp_submit), and reports what became of
 *	them and what else the carrier said (tp_poll): a segment taken
 *	with the carrier's id, refused for good, to be tried again later;
 *	delivery receipts; texts from phones; the link going up or down.
 *	It owns its link: it connects, binds, keeps it alive, reconnects
 *	with backoff, and resends what was in flight when a link dropped,
 *	so that its caller only sees final outcomes.
 *
 *	No threads, no signals, no main: the caller polls, with a timeout.
 *	The SMPP 3.4 transport (smpp.c) speaks through Debian's libsmpp34.
 *	The HTTP transport (http.c) posts to a provider's REST API of the
 *	Twilio kind, and the Kannel transport (kannel.c) to a Kannel
 *	smsbox's sendsms; both through libcurl's multi interface, and
 *	both take whole texts (tp_whole_texts), which the far side
 *	splits. Their receipts and texts from phones come to the webhook
 *	server, not through tp_poll.
 *
 *	Beside the carriers, tp_fetch (fetch.c) makes the HTTP requests of
 *	smsgw's event hooks, many at once, each address vetted by the
 *	caller before a connection is made.
 * DIAGNOSTICS
 *	TP_OK, or a negative enum tp_status with a sentence in the struct
 *	tp_error given.
 */
#ifndef TRANSPORT_TRANSPORT_H
#define TRANSPORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tp_status {
	TP_OK = 0,
	TP_EBUSY = -1, /* not bound, or the window is full: poll first */
	TP_EPERM = -2, /* will not work (bad part, bad configuration) */
	TP_ENOMEM = -3,
};

struct tp_error {
	int status;
	char msg[256];
};

/* How concatenated texts are marked (SmppConcatenation). */
enum tp_concat { TP_CONCAT_UDH, TP_CONCAT_SAR, TP_CONCAT_PAYLOAD };

/* The longest message_payload a part may carry (libsmpp34's TLV size). */
#define TP_PAYLOAD_MAX 1024

/* What the SMPP transport needs from the configuration. */
struct tp_smpp_conf {
	const char *host;
	unsigned port;
	const char *system_id, *password, *system_type;
	bool split_bind; /* transmitter + receiver, else transceiver */
	int source_ton, source_npi; /* -1: from the sender's kind */
	int dest_ton, dest_npi;
	unsigned window;     /* submit_sm in flight */
	unsigned throughput; /* submit_sm per second, 0: no cap */
	enum tp_concat concat;
	unsigned enquire_link;	   /* seconds between enquire_link */
	unsigned reconnect_max;	   /* most seconds between reconnects */
	unsigned response_timeout; /* seconds to wait for a response before
				      the link is taken as dead */
	/* resets one unanswered part may cause before it is given up; 0:
	   never */
	unsigned poison_resets;
};

/* What the HTTP provider transport needs from the configuration. */
struct tp_http_conf {
	const char *base_url; /* "https://api.twilio.com" (a trailing
				 "/2010-04-01" is allowed) */
	const char *account, *token;
	const char *status_url; /* StatusCallback; NULL or "": none */
	unsigned window;	/* requests at once */
	unsigned timeout;	/* seconds for one request */
};

/* What the Kannel transport needs from the configuration. */
struct tp_kannel_conf {
	const char *url; /* sendsms: "http://127.0.0.1:13013/cgi-bin/sendsms" */
	const char *user, *password;
	const char *status_url; /* dlr-url base: {status_url}/kannel/dlr?... */
	unsigned dlr_mask;	/* 0: 31 */
	unsigned window;	/* requests at once */
	unsigned timeout;	/* seconds for one request */
};

/*
 * One segment (or, with message_payload, one whole text) to send; for
 * a transport that takes whole texts, the one part of a text.
 */
struct tp_part {
	int64_t msg_id;	 /* the caller's message id */
	unsigned seq;	 /* 1..total */
	unsigned total;	 /* segments of the message */
	unsigned ref;	 /* concatenation reference of the message */
	const char *src; /* sender: E.164, short code or alphanumeric */
	const char *dst; /* E.164 */
	int data_coding; /* 0 GSM-7 (unpacked septets), 8 UCS-2 */
	const uint8_t *data;
	size_t len;	   /* octets of data, without any UDH */
	bool receipt;	   /* ask for a delivery receipt */
	const char *text;  /* UTF-8 of the whole text, for transports that
			      take whole texts (else NULL) */
	const char *media; /* links of pictures to send with it as MMS, one
			      a line (the HTTP transport's MediaUrl), or
			      NULL */
};

enum tp_event_kind {
	TP_EV_SUBMITTED, /* the carrier took part seq of msg_id: smsc_id */
	TP_EV_REJECTED,	 /* refused for good: code, reason */
	TP_EV_RETRY,	 /* not taken for now (after the transport's own
			    retries): code, reason; try later */
	TP_EV_RECEIPT,	 /* a delivery receipt for smsc_id: stat, err */
	TP_EV_MO,	 /* a text from a phone: from, to, ud */
	TP_EV_LINK_UP,
	TP_EV_LINK_DOWN, /* reason */
	TP_EV_CONFIRMED, /* the carrier had our answers to texts given on
			    session before mark (tp_mark) */
	TP_EV_NOTE,	 /* something to log (a malformed PDU): reason */
};

struct tp_event {
	enum tp_event_kind kind;
	int64_t msg_id;
	unsigned seq;
	char smsc_id[66];
	char code[24];	  /* "ESME_RINVDSTADR", receipt "UNDELIV" */
	char err[8];	  /* receipt err: field */
	char reason[160]; /* for people */
	/*
	 * TP_EV_MO: the link it came on (one session per connection, new
	 * at each bind and each run); "" when the transport cannot tell
	 * whether the carrier had our answer. TP_EV_CONFIRMED: session
	 * and mark.
	 */
	char session[40];
	uint64_t mark;
	/* TP_EV_MO */
	char from[24], to[24];
	int data_coding;
	uint8_t esm_class;
	uint8_t ud[1100]; /* short_message or message_payload */
	size_t ud_len;
	/* TP_EV_RECEIPT, TP_EV_MO: to answer with tp_ack() */
	uint32_t ack_seq;
	unsigned ack_link;
};

struct transport;

/*
 * tp_smpp_open - an SMPP 3.4 transport; it connects on the first poll.
 * Returns NULL with err set on a bad configuration.
 */
struct transport *tp_smpp_open(const struct tp_smpp_conf *c,
			       struct tp_error *err);

/*
 * tp_http_open - a transport to a provider's REST API of the Twilio
 * kind: POST {base}/2010-04-01/Accounts/{account}/Messages.json with
 * To, From, Body and StatusCallback, basic authentication. Returns NULL
 * with err set on a bad configuration.
 */
struct transport *tp_http_open(const struct tp_http_conf *c,
			       struct tp_error *err);

/*
 * tp_kannel_open - a transport to Kannel's sendsms (GET). The part's
 * smsc_id is "<msg_id>-<seq>": the dlr-url carries it back. Returns
 * NULL with err set on a bad configuration.
 */
struct transport *tp_kannel_open(const struct tp_kannel_conf *c,
				 struct tp_error *err);

/*
 * tp_twilio_signature - the X-Twilio-Signature of a webhook request:
 * base64 of the HMAC-SHA1, keyed with token, of url followed by each
 * POST parameter's name and value, sorted by name (then value). out
 * gets 28 characters and a NUL.
 */
void tp_twilio_signature(const char *token, const char *url,
			 const char *const *names, const char *const *values,
			 size_t n, char out[29]);

/*
 * tp_whole_texts - whether t takes a whole text as one part (the far
 * side splits it): the caller then submits one part with text set
 */
bool tp_whole_texts(const struct transport *t);

/* tp_name - "smpp", "http" or "kannel", for log lines */
const char *tp_name(const struct transport *t);

/*
 * tp_submit - send one part, or queue it in the window. TP_EBUSY when
 * the link is not bound or the window is full; TP_EPERM for a part
 * that cannot be sent (with err saying why).
 */
int tp_submit(struct transport *t, const struct tp_part *p,
	      struct tp_error *err);

/* tp_room - how many more parts tp_submit takes now (0: poll first) */
unsigned tp_room(const struct transport *t);

/* tp_inflight - parts sent or waiting whose outcome is not known yet */
unsigned tp_inflight(const struct transport *t);

/*
 * tp_poll - do I/O for up to timeout_ms (0: what is ready now), then
 * return up to max events in ev; *n_r is how many
 */
int tp_poll(struct transport *t, int timeout_ms, struct tp_event *ev,
	    unsigned max, unsigned *n_r);

/* How a receipt or a text from a phone is answered. */
enum tp_answer {
	TP_LATER = 0, /* not recorded now: the carrier sends it again */
	TP_DONE = 1,  /* recorded, or nothing to record */
	TP_NEVER = 2, /* refused for good: it must not be sent again */
};

/*
 * tp_ack - answer a receipt or a text from a phone once it is recorded
 * (TP_DONE), ask the carrier to send it again later (TP_LATER), or
 * refuse it for good (TP_NEVER: over SMPP a permanent error, so that
 * the SMSC does not resend it forever). Until then it is not answered:
 * a gateway that dies before recording it gets it again, on the next
 * link. An answer for a link that is gone is dropped (the carrier will
 * send it again). Over SMPP the answers are queued, to go out in one
 * write at tp_flush (or the next tp_poll, or tp_close), before any
 * request queued after them.
 */
void tp_ack(struct transport *t, const struct tp_event *e, enum tp_answer a);

/* tp_flush - write the answers tp_ack queued (a batch's, in one write) */
void tp_flush(struct transport *t);

/*
 * tp_mark - the mark of an answer tp_ack gives now: how many requests
 * the transport has sent so far. A TP_EV_CONFIRMED for the answer's
 * session with a larger mark says the carrier had it (it answered a
 * request sent after it). Take it and answer with no tp_poll between.
 * 0 for a transport that does not confirm answers.
 */
uint64_t tp_mark(const struct transport *t);

/*
 * tp_watch - also wake tp_poll when fd is readable (-1: none); the
 * caller reads it
 */
void tp_watch(struct transport *t, int fd);

/* tp_close - unbind, close and free; sets *t to NULL */
void tp_close(struct transport **t);

/* ---- fetch.c: HTTP requests for event hooks (smsgw's hook thread) ---- */

struct sockaddr;
struct tp_fetch;

/*
 * An address check: NULL when a connection to sa may be made, else why
 * not (a phrase: "a loopback"); called for every address tried
 */
typedef const char *(*tp_addr_check)(const struct sockaddr *sa);

/* One request. */
struct tp_fetch_request {
	const char *url;
	const char *method;	    /* "GET" or "POST" */
	const char *const *headers; /* "Name: value", NULL-ended, or NULL */
	const void *body;	    /* POST: copied; may be NULL */
	size_t len;
	unsigned timeout;    /* seconds for all of it, connection included */
	void *tag;	     /* the caller's, given back with the result */
	tp_addr_check check; /* this request's, else tp_fetch_new's */
	/* for files (inbound media): 0, or keep the whole answer, up to
	   max_bytes, in the result's data (more: too_big, nothing kept) */
	size_t max_bytes;
	const char *user, *password; /* basic authentication, or NULL */
	bool https_only;	     /* refuse an http:// URL */
	const char *const *hosts;    /* NULL-ended: the only hosts, or NULL */
};

#define TP_FETCH_BODY_MAX 1024 /* the most of an answer kept */

/* What became of a request. */
struct tp_fetch_result {
	void *tag;
	long status; /* the HTTP status; 0: no answer (error says why) */
	char body[TP_FETCH_BODY_MAX + 1]; /* its start, NUL-terminated */
	size_t len;
	char error[256];
	bool refused; /* no answer since check refused the addresses */
	/* with max_bytes: the whole answer (malloc'd, the caller frees;
	   NULL when empty or too big), its type, and why it stopped */
	unsigned char *data;
	size_t data_len;
	char content_type[128]; /* the answer's Content-Type, or "" */
	char location[1024];	/* a 3xx's Location, absolute, or "" */
	bool too_big;		/* over max_bytes, said or seen */
	bool timed_out;		/* timeout passed before the end */
};

/*
 * tp_fetch_new - at most max requests under way at once; check (may be
 * NULL) vets every address before a connection. No redirects are
 * followed, no proxy is used, only http and https. NULL with err set.
 */
struct tp_fetch *tp_fetch_new(unsigned max, tp_addr_check check,
			      struct tp_error *err);

/*
 * tp_fetch_start - send rq; TP_EBUSY when max are under way (wait for
 * one first), TP_ENOMEM, TP_EPERM when the URL is not one rq allows
 * (https_only, hosts; err says why, nothing was sent)
 */
int tp_fetch_start(struct tp_fetch *f, const struct tp_fetch_request *rq,
		   struct tp_error *err);

/* tp_fetch_inflight - the requests under way */
unsigned tp_fetch_inflight(const struct tp_fetch *f);

/*
 * tp_fetch_wait - run the requests for up to timeout_ms, until one is
 * done: 1 with it in *res, 0 when none finished (or tp_fetch_wakeup
 * was called)
 */
int tp_fetch_wait(struct tp_fetch *f, int timeout_ms,
		  struct tp_fetch_result *res);

/* tp_fetch_wakeup - make a tp_fetch_wait return now (any thread) */
void tp_fetch_wakeup(struct tp_fetch *f);

/* tp_fetch_free - abandon what is under way, free; *f becomes NULL */
void tp_fetch_free(struct tp_fetch **f);

/*
 * tp_url_host - the host of an http or https URL, lowercased, IPv6
 * without brackets, into host; whether *https_r; TP_OK, or TP_EPERM
 * with err set (not such a URL)
 */
int tp_url_host(const char *url, char *host, size_t size, bool *https_r,
		struct tp_error *err);

#endif /* TRANSPORT_TRANSPORT_H */
