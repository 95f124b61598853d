/*
 * NAME
 *	gateway_int - smsgw's parts: the queue runner and its daemon
 * DESCRIPTION
 *	The runner moves texts from the store to a transport and the
 *	transport's answers back into the store. It is single-threaded:
 *	runner_step() claims, submits and handles events for one turn
 *	of the daemon's loop.
 */
#ifndef GATEWAY_GATEWAY_INT_H
#define GATEWAY_GATEWAY_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "store/store.h"
#include "transport/transport.h"
#include "util/util.h"

struct runner;
struct mailer;
struct mp_media;

/* A text from a phone, as a transport or a webhook gave it. */
struct inbound_sms {
	const char *provider;	 /* "smpp", "twilio", "kannel", "voipms" */
	const char *provider_id; /* the provider's id; NULL: none */
	const char *from, *to;	 /* as the carrier wrote them */
	/* the text in UTF-8 (webhooks) ... */
	const char *text;
	int encoding;	   /* 0 GSM-7, 8 UCS-2: as the phone sent it */
	unsigned segments; /* 0: 1 */
	/* ... or, when text is NULL, user data as SMPP carries it */
	int data_coding;
	uint8_t esm_class; /* 0x40: ud starts with a header */
	const uint8_t *ud;
	size_t ud_len;
	const struct mp_media *media; /* pictures of an MMS */
	size_t nmedia;
	const char *voicemail; /* a voicemail's duration, or NULL */
	/*
	 * the link's session and the mark of our answer (tp_mark), to
	 * know the carrier's resend of a text whose answer it may have
	 * lost; NULL: the transport cannot tell
	 */
	const char *session;
	uint64_t mark;
	/* what was queued with it, for the caller's wakes; NULL: the
	   caller does not ask */
	struct inbound_did *did_r;
};

/* What inbound_sms queued with a text besides its mail. */
struct inbound_did {
	bool texted; /* a text to a phone: a keyword's answer, a forward */
	bool hooked; /* event hooks (InboundHook, the thread's WebhookUri) */
};

enum inbound_result {
	IN_DONE,   /* recorded and mailed (a keyword answered too) */
	IN_PART,   /* one part of a long text kept; the rest to come */
	IN_DUP,	   /* had it already: the sender sent it again */
	IN_BAD,	   /* refused for good (logged): nothing to mail */
	IN_TEMP,   /* not recorded (store, memory): ask for it again */
	IN_RESENT, /* the carrier sent again a text answered on a link
		      that dropped: answered, not mailed again */
};

/*
 * inbound_sms - record a text from a phone, act on a keyword, and
 * queue its mail to the thread's owner, all or nothing (a unit of the
 * store). The caller wakes the mailer, and the runner when a text to
 * a phone was queued (m->did_r), on IN_DONE; inbound_sms wakes the
 * hook thread when hooks were queued.
 */
enum inbound_result inbound_sms(const struct conf *c, struct store *s,
				const struct inbound_sms *m, int64_t now);

/* What forward_back() did with a text. */
enum forward_result {
	FWD_NONE, /* not a forward target's answer: an ordinary text */
	FWD_SENT, /* sent on to the phone it answers (not mailed) */
	FWD_TEMP, /* the store failed: ask for the text again */
};

/*
 * forward_back - phone, texting our number, is a forward target of it
 * (ForwardNumbers, or a recent forward): its text goes to the phone it
 * names first, else to the last one forwarded to it (forward.c)
 */
enum forward_result forward_back(const struct conf *c, struct store *s,
				 const char *phone, const char *our,
				 const char *text, int64_t now);

/*
 * forward_on - forward a text from phone to our number, in thread t,
 * as ForwardNumbers and the thread's answer options (opts: JSON, may
 * be NULL) say; note (size bytes) gets what the owner's mail says of
 * it ("" when nothing was forwarded). STORE_OK, or the store's error.
 */
int forward_on(const struct conf *c, struct store *s,
	       const struct store_thread *t, const char *phone, const char *our,
	       const char *text, const char *opts, int64_t now, char *note,
	       size_t size);

/*
 * inbound_sweep - mail the long texts whose parts did not all come
 * within ReassemblyTimeout, each missing part marked; how many
 */
unsigned inbound_sweep(const struct conf *c, struct store *s, int64_t now);

/* inbound_purge - forget unconfirmed texts older than ResendWindow */
void inbound_purge(const struct conf *c, struct store *s, int64_t now);

/*
 * inbound_spool - a text that came over SMPP (m->ud, a session and
 * mark), answered once kept in inbox (a store on the gateway's inbox
 * file, in a batch): IN_DONE kept, to be mailed by the inbox thread
 * (spool.c); IN_RESENT the carrier's resend of a text answered on a
 * dropped link (answered, not kept); IN_BAD refused for good (logged:
 * its addresses); IN_TEMP not kept (ask for it again)
 */
enum inbound_result inbound_spool(const struct conf *c, struct store *inbox,
				  const struct inbound_sms *m, int64_t now);

/*
 * The inbox thread: mails the texts inbound_spool kept, in order, in
 * batches (inbound_sms, a transaction a batch), recording with them
 * how far the inbox was mailed; long texts whose parts did not all
 * come are mailed from here too (inbound_sweep).
 */
struct spool;

/*
 * spool_open - InboxFile, this gateway's alone (a predecessor still
 * stopping is waited for), opened twice (one connection is the
 * runner's), and the store; the texts an earlier run set aside back
 * in the inbox. NULL on error (logged).
 */
struct spool *spool_open(const struct conf *c);

/* spool_run - start the thread, which mails through m; false: none */
bool spool_run(struct spool *sp, struct mailer *m);

/* spool_inbox - the runner's connection to the inbox file */
struct store *spool_inbox(struct spool *sp);

/* spool_wake - texts were kept: mail them now */
void spool_wake(struct spool *sp);

/* spool_set_conf - a new configuration, between batches */
void spool_set_conf(struct spool *sp, const struct conf *c);

/* spool_stop - mail what the inbox holds (5 s at most), stop, close */
void spool_stop(struct spool **sp);

/* What a session with SmtpRelay needs of the config (relay.c). */
struct relay {
	char host[256];
	unsigned port;
	int tls;       /* enum conf_tls */
	char *ca_file; /* SmtpTlsCAFile */
	char *name;    /* SmtpTlsName, else the relay's host */
	char user[128], password[128];
	bool pipelining; /* SmtpPipelining: when the relay offers it */
};

#define RELAY_WHY 1024

/* The end of one mail handed to the relay. */
struct relay_result {
	int kind; /* 0 sent, 4 try later, 5 never */
	char why[RELAY_WHY];
};

struct relay_session;

/*
 * relay_send - the mails[i] with go[i] through the relay in session
 * *sp (opened when NULL, kept after unless it broke: then NULL), each
 * one's end in res[i]
 */
void relay_send(const struct relay *r, struct relay_session **sp,
		const struct store_mail *mails, const bool *go, unsigned n,
		struct relay_result *res);

/* relay_idle - seconds since session t last carried mail */
long long relay_idle(const struct relay_session *t, time_t now);

/* relay_close - end session *sp (QUIT first when quit); NULL after */
void relay_close(struct relay_session **sp, bool quit);

/*
 * mailer_start - a thread that sends the store's mail queue through
 * SmtpRelay (its own store connection); NULL on failure (logged)
 */
struct mailer *mailer_start(const struct conf *c, const char *lease_owner);

/* mailer_wake - mail was queued */
void mailer_wake(struct mailer *m);

/* mailer_stop - let the current mail finish, stop the thread, free */
void mailer_stop(struct mailer **m);

struct media;

/* media_new - inbound media fetching as c says; NULL: out of memory */
struct media *media_new(const struct conf *c);

/* What media_fill made of a claimed mail. */
enum media_result {
	MEDIA_NONE,  /* it waits for no file: send it as it is */
	MEDIA_READY, /* *out_r: the mail with the files, or notes */
	MEDIA_AGAIN, /* a file may come later: try in *wait_r s (why) */
};

/*
 * media_fill - the files mail links in its MP_MEDIA_HEADER headers
 * fetched and attached, or left links with a note (media_in.c), the
 * fetching cut at until (Unix time: the batch's budget; a file not in
 * by then may come later); *out_r is the caller's
 */
enum media_result media_fill(struct media *md, const struct store_mail *mail,
			     int64_t until, char **out_r, size_t *len_r,
			     int64_t *wait_r, char *why, size_t whysize);

/* media_free - free; *md becomes NULL */
void media_free(struct media **md);

struct hooks;

struct notify;

/*
 * notify_start - where Database is shared (PostgreSQL), a thread on a
 * connection of its own that wakes the runner (through WakeSocket),
 * mailer and the hook thread when any host adds to a queue; NULL when
 * the store is a file, or on failure (logged: the queues are polled)
 */
struct notify *notify_start(const struct conf *c, struct mailer *mailer);

/* notify_stop - stop the thread, free; *n becomes NULL */
void notify_stop(struct notify **n);

/*
 * hooks_start - the hook thread (hooks.c): event hooks out to their
 * URLs, HookConcurrency at once, leased as lease_owner + "/hooks" (with
 * its own store connection); it takes back the hook leases of this
 * host's runs that are gone; the owners' notices of hooks given up are
 * mailed through mailer. NULL on failure (logged).
 */
struct hooks *hooks_start(const struct conf *c, const char *lease_owner,
			  struct mailer *mailer);

/* hooks_wake - a hook was queued in this process: the thread looks now */
void hooks_wake(void);

/* hooks_stop - stop the thread, give back the hooks under way, free */
void hooks_stop(struct hooks **h);

/* What /metrics counts. */
enum metric {
	M_SUBMITTED,
	M_REJECTED,
	M_DEFERRED,
	M_RECEIPT_DELIVERED,
	M_RECEIPT_FAILED,
	M_RECEIPT_EXPIRED,
	M_INBOUND,
	M_INBOUND_PART,
	M_INBOUND_DUP,
	M_INBOUND_BAD,
	M_INBOUND_TEMP,
	M_MAIL_SENT,
	M_MAIL_FAILED,
	M_MAIL_DEFERRED,
	M_WEBHOOK_OK,
	M_WEBHOOK_REFUSED,
	M_WEBHOOK_ERROR,
	M_HOOK_DELIVERED,
	M_HOOK_RETRIED,
	M_HOOK_FAILED,
	M_MEDIA_ATTACHED,
	M_MEDIA_NOT_ATTACHED,
	M_MEDIA_RETRIED,
	M_COUNT
};

/* metrics_add - count one m (any thread) */
void metrics_add(enum metric m);

/* metrics_link - the carrier link is up or down */
void metrics_link(bool up);

/* metrics_latency - one text took ms from first part sent to last taken */
void metrics_latency(unsigned long ms);

/* metrics_receipt - count a text's final state from a receipt */
void metrics_receipt(enum store_state final);

/* metrics_inbound - count what inbound_sms() said */
void metrics_inbound(enum inbound_result r);

/*
 * metrics_render - the Prometheus text exposition: counters, the link,
 * the latency histogram and the queue by state (from s); malloc'd, or
 * NULL when memory ran out
 */
char *metrics_render(struct store *s, const char *transport);

struct webhook;

/*
 * webhook_start - the webhook server on WebhookListen (and /metrics,
 * also on MetricsListen when set): WebhookThreads threads, a store
 * connection for each, the connection limits and WebhookRequestTimeout;
 * NULL on failure (logged), also when an address stays in use for 12 s
 * (it waits that long for a predecessor to leave it). Texts it takes
 * are mailed through m.
 */
struct webhook *webhook_start(const struct conf *c, struct mailer *m,
			      const char *transport);

/*
 * webhook_base_url - where the far side reaches the webhooks:
 * WebhookPublicUrl, else http://WebhookListen; no final slash
 */
void webhook_base_url(const struct conf *c, char *buf, size_t size);

/*
 * webhook_set_conf - a new configuration, once no request is running
 * (none starts meanwhile); the old one is no longer used on return
 */
void webhook_set_conf(struct webhook *w, const struct conf *c);

/*
 * webhook_committer - the send API's group commit (NULL when there is
 * no ApiListen), which the queue runner shares; the webhook server's
 * until webhook_stop
 */
struct store_committer *webhook_committer(const struct webhook *w);

/* webhook_stop - finish the requests running, stop, free */
void webhook_stop(struct webhook **w);

/* A webhook request, apart from HTTP (for the server and the fuzzer). */
struct wh_request {
	const char *method; /* "GET", "POST" */
	const char *path;   /* without the query */
	const char *query;  /* the raw query string, or NULL */
	const char *content_type;
	const char *signature;	     /* X-Twilio-Signature, or NULL */
	const char *user, *password; /* HTTP basic auth, or NULL */
	const char *client;	     /* the client's address */
	const char *authorization;   /* the API's Authorization, or NULL */
	const char *idempotency_key; /* the API's Idempotency-Key, or NULL */
	const char *body;
	size_t body_len;
};

/* What to answer. */
struct wh_answer {
	unsigned status;
	const char *content_type;
	char *body; /* malloc'd or NULL */
	size_t len;
	/* one more header (Allow, Retry-After, WWW-Authenticate), or NULL */
	const char *header;
	char header_value[96];
};

#define JW_DEPTH 8 /* objects and arrays inside each other, at most */

/* A JSON text being written (jsonw.c). Zero-initialise before use. */
struct jw {
	struct ut_buf b;
	unsigned depth;
	bool more[JW_DEPTH]; /* a member was written at this depth */
};

/*
 * jw_open - an object ('{') or array ('[') as key's value (key NULL
 * at the top and in arrays); jw_close ends it with '}' or ']'
 */
void jw_open(struct jw *w, const char *key, char bracket);
void jw_close(struct jw *w, char bracket);

/* jw_str - key's value a string (escaped, ASCII only); NULL: null */
void jw_str(struct jw *w, const char *key, const char *s);

/* jw_int - key's value a whole number */
void jw_int(struct jw *w, const char *key, long long v);

/* jw_null, jw_true - key's value null, true */
void jw_null(struct jw *w, const char *key);
void jw_true(struct jw *w, const char *key);

/*
 * jw_end - the text written and a newline, the caller's to free, its
 * length in *len_r; NULL when memory ran out (w is cleared either way)
 */
char *jw_end(struct jw *w, size_t *len_r);

struct policy_apikeys;

/*
 * api_wake_heard - called by the runner's loop before it reads
 * WakeSocket and claims: a text the API queues from then on wakes it
 * again (until then, one wake stands for all the texts queued)
 */
void api_wake_heard(void);

/*
 * api_handle - answer one request of the send API (api.c): who calls
 * it (an API key, found in the cache ks when there, NULL: none), route,
 * act as the key's owner (store s), and fill a. A text is queued
 * through the committer g (group commit with the other requests), or
 * on s when g is NULL. A text queued wakes the runner through
 * WakeSocket, unless a wake it has not yet heard is on its way.
 */
void api_handle(const struct conf *c, struct store *s,
		struct store_committer *g, struct policy_apikeys *ks,
		const struct wh_request *rq, struct wh_answer *a);

/*
 * webhook_handle - answer one request: route, check who may call it,
 * parse, act (store s, mailer m may be NULL), and fill a
 */
void webhook_handle(const struct conf *c, struct store *s, struct mailer *m,
		    const char *transport, const struct wh_request *rq,
		    struct wh_answer *a);

/* What to answer for a file's link (media.c), apart from HTTP. */
struct media_answer {
	unsigned status; /* 200, 206, 304, 404, 405, 416, 503 */
	char content_type[96];
	char disposition[1024];
	char etag[48];
	char content_range[80]; /* 206 and 416, else "" */
	int64_t max_age;	/* seconds the link still works */
	int64_t size;		/* of the whole file */
	bool whole;		/* 200: the whole file */
	unsigned char *body;	/* malloc'd: len bytes (NULL for HEAD) */
	size_t len;		/* bytes answered (Content-Length) */
	/*
	 * a GET of more than MEDIA_INLINE_MAX bytes: body is NULL and the
	 * caller reads them as they go out, file id from byte first
	 * (store_media_read), so a slow reader holds no copy of the file
	 */
	bool stream;
	int64_t id, first;
};

#define MEDIA_INLINE_MAX (64 * 1024)

/*
 * media_handle - answer method (GET, HEAD) on path, a file's link, at
 * now, with the request's Range, If-Range and If-None-Match headers
 * (each may be NULL); only reads the store. The caller frees a->body,
 * or streams the bytes when a->stream.
 */
void media_handle(const struct conf *c, struct store *s, const char *method,
		  const char *path, const char *range, const char *if_range,
		  const char *if_none_match, int64_t now,
		  struct media_answer *a);

/* media_purge - delete the files whose lifetime ended (logged); how many */
unsigned media_purge(struct store *s, int64_t now);

#define FIELDS_MAX 64 /* the most fields a webhook request may have */

/* A parsed application/x-www-form-urlencoded text (query or body). */
struct form {
	unsigned n;
	char *name[FIELDS_MAX], *value[FIELDS_MAX];
	size_t vlen[FIELDS_MAX]; /* values may hold NULs (Kannel's %b) */
};

/*
 * webhook_form_decode - percent- and plus-decode the n bytes at s into
 * out (room for n + 1), NUL-terminated; returns the decoded length
 */
size_t webhook_form_decode(const char *s, size_t n, char *out);

/*
 * form_parse - add the fields of s (len bytes) to f (zeroed at first);
 * false when there are more than FIELDS_MAX in all or memory ran out
 * (what was added stays: form_clear() it)
 */
bool form_parse(struct form *f, const char *s, size_t len);

/* form_get - the first value of name, or NULL; its length in *len_r */
const char *form_get(const struct form *f, const char *name, size_t *len_r);

/* form_clear - free what form_parse() added; f is empty again */
void form_clear(struct form *f);

/* form_utf8_ok - the n bytes at s are valid UTF-8 without NULs */
bool form_utf8_ok(const unsigned char *s, size_t n);

/*
 * report_queue - queue a delivery report on text id for its sender, as
 * NOTIFY asked: on failure unless NEVER, on delivery with SUCCESS. A
 * carrier's code goes in carrier, a reason of ours in reason. True
 * when a mail was queued (wake the mailer).
 */
bool report_queue(const struct conf *c, struct store *s, int64_t id,
		  bool delivered, unsigned done, unsigned total,
		  const char *carrier, const char *reason);

/*
 * report_unknown - queue a report on text id, taken by the carrier and
 * never receipted (reason says so), unless its NOTIFY is NEVER; as
 * report_queue
 */
bool report_unknown(const struct conf *c, struct store *s, int64_t id,
		    const char *reason);

/* A receipt: what a carrier says became of a text or a part of one. */
struct receipt {
	const char *smsc_id;	/* the carrier's id for the text or part */
	enum store_state state; /* delivered, failed, expired; submitted:
				   still on the way */
	const char *code;	/* the carrier's code: "DELIVRD", "30003" */
	const char *reason;	/* the carrier's words, or NULL */
	const char *err;	/* an SMPP receipt's err: field, or NULL */
};

/* What receipt_record() did; each protocol answers it its own way. */
enum receipt_outcome {
	RECEIPT_RECORDED,     /* recorded (and reported, if it was final) */
	RECEIPT_NOT_FINAL,    /* still on the way: nothing to record */
	RECEIPT_UNKNOWN,      /* no text has smsc_id (not logged) */
	RECEIPT_STORE_FAILED, /* not recorded now (logged): ask again */
};

/*
 * receipt_record - record receipt r at now in store s; when it decides
 * its text, count and log the outcome and queue the sender's delivery
 * report (waking mailer m, which may be NULL). The store's message is
 * in *err on RECEIPT_UNKNOWN and RECEIPT_STORE_FAILED. Whether an
 * unknown id is worth a log line (or a part still going out) is the
 * caller's to say.
 */
enum receipt_outcome receipt_record(const struct conf *c, struct store *s,
				    struct mailer *m, const struct receipt *r,
				    int64_t now, struct store_error *err);

/*
 * receipt_timeouts - texts taken more than ReceiptTimeout ago with no
 * final receipt become unknown, each logged and reported (waking m);
 * how many
 */
unsigned receipt_timeouts(const struct conf *c, struct store *s,
			  struct mailer *m, int64_t now);

/*
 * receipt_hooks_queue - queue the message.receipt hooks of text id,
 * final in state with code (the carrier's, or ours: EXPIRED, OPTOUT,
 * NO_RECEIPT): its own DeliveryReceiptWebhookUri and the ReceiptHooks
 * of its number, in s's unit or batch; *queued_r true when there was
 * one to queue (hooks_wake is worth it), false when none
 */
int receipt_hooks_queue(const struct conf *c, struct store *s, int64_t id,
			enum store_state state, const char *code, int64_t now,
			bool *queued_r, struct store_error *err);

/* receipt_smpp_state - the state an SMPP stat word means (DELIVRD...) */
enum store_state receipt_smpp_state(const char *stat);

/* receipt_twilio_state - the state a Twilio MessageStatus means */
enum store_state receipt_twilio_state(const char *status);

/*
 * receipt_kannel_stat - the SMPP stat word for a Kannel dlr-url status
 * (%d: 1 delivered, 2 failed, 4 buffered, 8 SMSC ack, 16 SMSC reject)
 */
const char *receipt_kannel_stat(const char *status);

/*
 * runner_new - a runner over store s and transport t, leasing as
 * lease_owner, queueing delivery reports for mailer m; gives back the
 * leases a crashed run of the same owner left
 */
struct runner *runner_new(const struct conf *c, struct store *s,
			  struct transport *t, struct mailer *m,
			  const char *lease_owner);

/*
 * runner_step - one turn: claim due texts while the transport has
 * room (when claim_now, or while the last claim found more; never when
 * draining), submit their parts, wait up to timeout_ms for I/O, and
 * record what the transport reported. Returns the parts in flight.
 */
unsigned runner_step(struct runner *r, int timeout_ms, bool claim_now,
		     bool draining);

/*
 * runner_stop - give back the texts claimed but not yet submitted in
 * full, so the next run sends them; then free the runner
 */
void runner_stop(struct runner **r);

/* runner_set_conf - a new configuration (SIGHUP) */
void runner_set_conf(struct runner *r, const struct conf *c);

/*
 * runner_set_committer - write each turn (its events' records and its
 * claim) as one piece of g's groups, with the send API's texts; NULL:
 * in a transaction of the runner's own store. g must outlive the
 * runner's last step.
 */
void runner_set_committer(struct runner *r, struct store_committer *g);

/* runner_set_spool - texts from phones kept in sp's inbox (spool.c) */
void runner_set_spool(struct runner *r, struct spool *sp);

#endif /* GATEWAY_GATEWAY_INT_H */
