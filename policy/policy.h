/*
 * NAME
 *	policy - the site's rules, one copy for every entry point
 * SUMMARY
 *	#include "policy/policy.h"
 * DESCRIPTION
 *	What smsmilter, smsgw and smsctl decide, as plain functions over
 *	the configuration and the store, so that every way in (a mail,
 *	"smsctl send", a text from a phone) meets the same rules: which
 *	recipients are phones (policy_parse_rcpt), who may text
 *	(policy_sender_check, policy_dmarc_pass), who owns a thread and
 *	what its tag is (policy_owner, policy_sender_number, policy_tag),
 *	whether a phone and an owner may have another text
 *	(policy_phone_ok, policy_quota_ok), which mail is never texted
 *	(policy_noise), when a scheduled text is due (policy_schedule),
 *	what a mail becomes as text (policy_render), and which URLs hear
 *	of a text from a phone or a receipt, with what, and where hooks
 *	may not go (policy_hooks_inbound, policy_hook_url_ok).
 *
 *	Below milter/, gateway/ and tools/; above store/ and everything
 *	under it. No daemon code, no sockets, no logging.
 * DIAGNOSTICS
 *	Functions that can refuse fill a struct policy_verdict: an SMTP
 *	reply code, an enhanced status code and a sentence for the sender.
 */
#ifndef POLICY_POLICY_H
#define POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "mailparse/mailparse.h"
#include "sms/sms.h"
#include "store/store.h"

/* A refusal: "550", "5.7.1", "the sentence". code "" means accepted. */
struct policy_verdict {
	char code[4];
	char xcode[8];
	char text[240];
};

/*
 * policy_refuse - fill v (control characters in the sentence become
 * spaces: it may quote a header); returns false (for "return
 * policy_refuse()")
 */
bool policy_refuse(struct policy_verdict *v, const char *code,
		   const char *xcode, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An SMS recipient address, split. */
struct policy_rcpt {
	char local[128];  /* the local part, without a +tag */
	char tag[33];	  /* the +tag of a reply address, or "" */
	char domain[128]; /* the SMS domain, lowercase */
	bool number;	  /* local looks like a phone number */
	bool too_long;	  /* local part or tag too long: refuse it */
};

/*
 * policy_parse_rcpt - whether addr ("<x@y>" or "x@y") is in one of the
 * SMS domains, and its parts. Returns true for an SMS recipient.
 */
bool policy_parse_rcpt(const struct conf *c, const char *addr,
		       struct policy_rcpt *r);

/* policy_bare_addr - addr without <> and spaces, lowercase, into out */
void policy_bare_addr(const char *addr, char *out, size_t size);

/* Who is sending, as the MTA told the milter. */
struct policy_client {
	const char *auth_authen; /* {auth_authen}, or NULL/"" */
	const char *client_addr; /* {client_addr}, or NULL */
	const char *envelope_from;
};

enum policy_auth {
	POLICY_AUTH_NO,	   /* refused: v says why */
	POLICY_AUTH_YES,   /* authenticated or trusted */
	POLICY_AUTH_DMARC, /* only if the mail passes DMARC (decide at EOM) */
};

/*
 * policy_sender_check - may this client text at all? SASL (when
 * AuthenticatedSenders), a TrustedNetworks address, or, when AuthservId
 * and DmarcDomains are set, possibly DMARC; AllowedSenders narrows each.
 */
enum policy_auth policy_sender_check(const struct conf *c,
				     const struct policy_client *cl,
				     struct policy_verdict *v);

/* What this site's Authentication-Results headers say of DMARC. */
enum policy_dmarc {
	POLICY_DMARC_NONE, /* not ours (another authserv-id), or no dmarc= */
	POLICY_DMARC_PASS, /* dmarc=pass with header.from the From domain */
	POLICY_DMARC_FAIL, /* ours, and any other dmarc result or domain */
};

/*
 * policy_ar_ours - Authentication-Results value ar claims AuthservId:
 * its authserv-id (after CFWS; RFC 8601) is ours in any case, or ours
 * stands as a word anywhere before its first ';' (then policy_dmarc
 * says it fails unless it is the clean form)
 */
bool policy_ar_ours(const struct conf *c, const char *ar);

/*
 * policy_dmarc - what Authentication-Results value ar says of DMARC for
 * from_domain, which must be one of DmarcDomains to pass. A mail passes
 * when one of its headers of ours passes and none fails: Postfix must
 * strip the ones a client brings (header_checks, INSTALL).
 */
enum policy_dmarc policy_dmarc(const struct conf *c, const char *ar,
			       const char *from_domain);

/* policy_dmarc_pass - policy_dmarc() is POLICY_DMARC_PASS */
bool policy_dmarc_pass(const struct conf *c, const char *ar,
		       const char *from_domain);

/*
 * policy_account - the billing account of sender addr (a thread owner,
 * as usage counts it), as BillingAccounts names it: the address's own
 * pair, else its @domain's, else addr itself (an account of its own).
 */
void policy_account(const struct conf *c, const char *addr, char *out,
		    size_t size);

/* policy_owner - the owner mailbox of addr: OwnerAliases applied, lowercase */
void policy_owner(const struct conf *c, const char *addr, char *out,
		  size_t size);

/* policy_sender_number - the number owner texts from ("" when none) */
const char *policy_sender_number(const struct conf *c, const char *owner);

/* policy_pooled - owner texts from SenderPool (it has no SenderNumbers) */
bool policy_pooled(const struct conf *c, const char *owner);

/* ---- sender.c: which of our numbers a text leaves from ---- */

enum policy_from {
	POLICY_FROM_NONE,  /* refused: the verdict says why */
	POLICY_FROM_FIXED, /* the number given */
	POLICY_FROM_POOL,  /* a SenderPool lease (policy_pool_sender) */
};

/* policy_sender_numbers - owner's SenderNumbers, default first; how many */
size_t policy_sender_numbers(const struct conf *c, const char *owner,
			     const char **out, size_t max);

/*
 * policy_sender_for - the number a text from owner to phone leaves
 * from: wanted (X-SMS-Sender, smsctl send --from) when it is one of
 * owner's SenderNumbers (or DefaultSender for an owner with none; any
 * valid sender when operator), else owner's first SenderNumbers, else
 * the pool, else DefaultSender; a sender name to a number under
 * SenderNameDeniedPrefixes gives way to a real number or the pool.
 * out (40 bytes) gets the number when POLICY_FROM_FIXED.
 */
enum policy_from policy_sender_for(const struct conf *c, const char *owner,
				   const char *wanted, bool operator,
				   const char * phone, char out[40],
				   struct policy_verdict *v);

/* ---- pool.c: numbers leased from SenderPool ---- */

/* the most numbers one SenderPoolGroups group may have */
#define POLICY_POOL_MAX 64

/*
 * policy_pool_opts - the store's pool options for owner: its group's
 * numbers in SenderPoolGroups (put in buf), else SenderPool
 */
void policy_pool_opts(const struct conf *c, const char *owner,
		      struct store_pool_opts *o,
		      const char *buf[POLICY_POOL_MAX]);

/* policy_pool_for - owner has a pool (its group's, or SenderPool) */
bool policy_pool_for(const struct conf *c, const char *owner);

/* policy_pool_number - number belongs to a pool (any group's) */
bool policy_pool_number(const struct conf *c, const char *number);

/*
 * policy_pool_check - at RCPT: true when owner has a live lease with
 * phone or phone has room for one more (or PoolExhausted recycle);
 * else v says why (452 4.5.3 or 550 5.5.3; 451 4.3.0 when the store
 * failed, err says how)
 */
bool policy_pool_check(const struct conf *c, struct store *st,
		       const char *owner, const char *phone, int64_t now,
		       struct policy_verdict *v, struct store_error *err);

/*
 * policy_pool_sender - at end of message: owner's number with phone,
 * its lease taken or renewed; false with v as policy_pool_check
 */
bool policy_pool_sender(const struct conf *c, struct store *st,
			const char *owner, const char *phone, int64_t now,
			char number[40], struct policy_verdict *v,
			struct store_error *err);

/*
 * policy_store_down - refuse with 451 4.3.0: the queue is not
 * available; err (may be NULL) named in the sentence, for callers
 * that show it (smsctl, the send API's log), not where it goes to an
 * SMTP client (the caller logs why)
 */
bool policy_store_down(struct policy_verdict *v, const struct store_error *err);

/*
 * policy_optout_ok - phone has opted out of neither the site nor sender
 * (NULL: the site only); else 550 5.7.1 saying which (*out_r true), or
 * 451 4.3.0 when the store fails
 */
bool policy_optout_ok(struct store *st, const char *phone, const char *sender,
		      bool *out_r, struct policy_verdict *v,
		      struct store_error *err);

/*
 * policy_phone_ok - may phone get a text now? Refuses with 550 5.7.1
 * when it opted out (*out_r true), 450 4.7.1 over RecipientRateLimit
 * (saying when to retry), 451 4.3.0 when the store fails (err says
 * why). The milter at RCPT and "smsctl send" both ask it. sender is
 * the number the text leaves from, when known (OptOutScope number:
 * a phone out of that number only; NULL checks the site's opt-out).
 */
bool policy_phone_ok(const struct conf *c, struct store *st, const char *phone,
		     const char *sender, int64_t now, bool *out_r,
		     struct policy_verdict *v, struct store_error *err);

/*
 * policy_quota_ok - may owner send `segments` more this month? Past
 * MonthlySegmentQuota refuses with 550 5.7.1 and when the quota resets
 * (OverQuotaPolicy reject), or 452 4.7.1 and when to retry (hold);
 * 451 4.3.0 when the store fails
 */
bool policy_quota_ok(const struct conf *c, struct store *st, const char *owner,
		     unsigned segments, int64_t now, struct policy_verdict *v,
		     struct store_error *err);

/* policy_trusted - whether addr ("127.0.0.1", "::1") is in TrustedNetworks */
bool policy_trusted(const struct conf *c, const char *addr);

/*
 * policy_number_owner - the mailbox that gets texts to our number
 * (E.164) that belong to no thread: NumberOwners, else Postmaster
 */
const char *policy_number_owner(const struct conf *c, const char *number);

/*
 * policy_forward_target - the phone ForwardNumbers forwards texts to
 * our number (E.164) to, or NULL
 */
const char *policy_forward_target(const struct conf *c, const char *number);

/* Which rules a number must meet. */
enum policy_use {
	POLICY_TEXTED, /* a phone we would text: every rule of the site */
	POLICY_ANY,    /* a number that texts us, or is only shown */
};

/*
 * policy_phone_rules - the number rules of c for use: DefaultCountry
 * for national numbers, and for POLICY_TEXTED AllowedCountries and
 * DeniedAreaCodes too. Every entry point builds its rules here.
 */
void policy_phone_rules(const struct conf *c, enum policy_use use,
			struct sms_phone_rules *r);

/*
 * policy_number - the E.164 form of in, a phone someone wants to text
 * (name: what the sender called it, a contact's name, or NULL), into
 * e164_r; refuses with 550 5.1.1 when the site does not text it
 * (country, area code), when it is a sender name (no phone: it cannot
 * receive texts) or a short code not in TextableShortCodes (one in it
 * is the short code's digits in e164_r), and 550 5.1.3 when it is no
 * phone number.
 */
bool policy_number(const struct conf *c, const char *in, const char *name,
		   char e164_r[20], struct policy_verdict *v);

/*
 * policy_sender - the address a text's sender (in, as the carrier
 * wrote it) is known by, into out: a phone's E.164 ("+12025550143"), a
 * short code's digits ("32665"), a sender name in upper case with "_"
 * for each space ("AMAZON", "AMAZON_PAY"); refuses (550 5.1.3) what is
 * none of these. Only a phone number starts with "+".
 */
bool policy_sender(const struct conf *c, const char *in, char out[20],
		   struct policy_verdict *v);

/*
 * policy_sender_name - whether local (an address's local part, any
 * case, "_" for a space) is shaped as a sender name; its form as
 * policy_sender writes it into canon_r
 */
bool policy_sender_name(const char *local, char canon_r[20]);

/*
 * policy_display - e164 as people write it ("+1 202-555-0143"), for
 * replies and mail; a short code as it is, a sender name with spaces
 * for its "_"
 */
void policy_display(const char *e164, char *out, size_t size);

/*
 * policy_notify - the DSN NOTIFY list s ("NEVER", or SUCCESS, FAILURE
 * and DELAY separated by commas, any case; RFC 3461) as STORE_NOTIFY_*
 * bits into *bits_r; -1 for anything else, NEVER with another, or ""
 */
int policy_notify(const char *s, unsigned *bits_r);

/* The most threads one text from a phone may go to. */
#define POLICY_ROUTE_MAX 8

/* Where a text from a phone goes. */
struct policy_route {
	struct store_thread
	    threads[POLICY_ROUTE_MAX]; /* the first records it */
	unsigned n;
	bool ambiguous; /* several owners texted the phone lately */
	char owners[POLICY_ROUTE_MAX][256]; /* they, most recent first */
	unsigned nowners;
	char note[600]; /* what the mail says about the way it went, or "" */
};

/*
 * policy_route - the thread(s) a text from phone to our number goes
 * to: the one its "#tag" names, else the most recently active one of
 * (phone, our), else a new one of the number's owner. When several
 * owners texted phone from our within LeaseDuration and the text names
 * no thread, it is ambiguous: it goes to the number's owner, or with
 * AmbiguousAnswers all to each of them (r->owners). A text to a
 * SenderPool number goes, when it names no thread, to the conversation
 * holding that number with phone (renewed); after the lease expired, to
 * its last owner within LeaseGrace and to the number's owner after
 * that, r->note saying so. Threads are opened as needed.
 */
int policy_route(const struct conf *c, struct store *st, const char *phone,
		 const char *our, const char *text, int64_t now,
		 struct policy_route *r, struct store_error *err);

/* Keywords a phone may text. */
enum policy_keyword {
	POLICY_KW_NONE,
	POLICY_KW_STOP,	 /* one of StopWords: opt out */
	POLICY_KW_START, /* one of StartWords: opt back in */
	POLICY_KW_HELP,	 /* one of HelpWords */
};

/*
 * policy_keyword - which keyword the whole of text is (any case, runs
 * of space as one); *word_r is the configured word it matched
 */
enum policy_keyword policy_keyword(const struct conf *c, const char *text,
				   const char **word_r);

/*
 * policy_keyword_answer_ok - *ok_r: phone may get the answer to keyword
 * k now (KeywordAnswerLimit per phone and keyword), and then it is
 * counted; STORE_OK or the store's error
 */
int policy_keyword_answer_ok(const struct conf *c, struct store *st,
			     const char *phone, enum policy_keyword k,
			     int64_t now, bool *ok_r, struct store_error *err);

/* policy_utc_time - t as "2026-12-01 00:00 UTC" */
void policy_utc_time(int64_t t, char *out, size_t size);

/* Thread tags: 12 base32 letters, 60 bits of HMAC-SHA256. */
#define POLICY_TAG_LEN 12

/*
 * policy_tag - the tag of the thread (owner, phone, sender), keyed
 * with secret; out has room for POLICY_TAG_LEN + 1
 */
void policy_tag(const char *secret, const char *owner, const char *phone,
		const char *sender, char *out);

/* policy_tag_ok - tag is that thread's tag (compared in constant time) */
bool policy_tag_ok(const char *secret, const char *owner, const char *phone,
		   const char *sender, const char *tag);

/*
 * policy_tag_in_text - a "#tag" of a tag's shape in a text from a phone
 * (any case; not inside a longer word), lowercased into tag_r
 */
bool policy_tag_in_text(const char *text, char tag_r[POLICY_TAG_LEN + 1]);

/*
 * policy_idem_key - the idempotency key of a text queued from a mail
 * (mail_id: from policy_mail_id) into out: the
 * same mail delivered again to the same phone gives the same key and
 * is queued once; the same Message-ID with another text or from
 * another owner is another text
 */
void policy_idem_key(const char *mail_id, const char *owner, const char *phone,
		     const char *text, char *out, size_t size);

/* The length of a text's fingerprint: 128 bits of SHA-256, in hex. */
#define POLICY_FP_LEN 32

/*
 * policy_text_fingerprint - the fingerprint of a text from a phone as
 * the carrier sent it (sender and recipient as written, esm_class,
 * data_coding, user data with its header): a carrier sending the same
 * PDU again gives the same one
 */
void policy_text_fingerprint(const char *from, const char *to,
			     unsigned esm_class, unsigned data_coding,
			     const uint8_t *ud, size_t len,
			     char out[POLICY_FP_LEN + 1]);

/*
 * policy_mail_id - what names a mail for policy_idem_key. Its
 * Message-ID when its sender gave one. Without one the MTA's retry of
 * the same mail (after a reply lost to a crash) comes with a new queue
 * id, and from Postfix with a new Message-ID the MTA made of it
 * ("20261203162216.4528BA92045@host": one holding the queue id is taken
 * as the MTA's, not the sender's): then the mail is named by the
 * IdempotencyWindow (window seconds) that now falls in, into cur, and
 * the window before, into prev, so that a retry within window seconds
 * is the same text (with the owner, phone and words in the key) and
 * the same words more than twice window apart are another. window 0:
 * the queue id, prev "". Both of size bytes.
 */
void policy_mail_id(const char *message_id, const char *qid, long long window,
		    int64_t now, char *cur, char *prev, size_t size);

/*
 * Failed reply tags are counted per sender and client (TagFailureLimit;
 * who is the SASL login, else the envelope sender) and per client
 * alone (TagFailureClientLimit, the ceiling for a flood that changes
 * its sender): policy_tag_failures_ok refuses with 450 4.7.1 a sender
 * or client already at its limit, before a tag is checked;
 * policy_tag_failed counts one more failure and says whether that
 * reached a limit (450 4.7.1) or the tag is just not the sender's own
 * (550 5.7.1, naming addr). Both 451 4.3.0 when the store fails (err
 * says why).
 */
bool policy_tag_failures_ok(const struct conf *c, struct store *st,
			    const char *who, const char *client, int64_t now,
			    struct policy_verdict *v, struct store_error *err);
bool policy_tag_failed(const struct conf *c, struct store *st, const char *who,
		       const char *client, const char *addr, int64_t now,
		       struct policy_verdict *v, struct store_error *err);

/*
 * policy_noise - whether a header marks mail that is never texted:
 * Auto-Submitted other than no and auto-generated (vacation replies),
 * Precedence junk, list or bulk, and what smsmilter or smsgw made
 * (X-SMS-From, X-SMS-Report). Sets *why to a short reason.
 */
bool policy_noise(const char *name, const char *value, const char **why);

/*
 * policy_schedule - the due time a schedule header value asks for
 * (RFC 5322 date, or ISO 8601 "2026-11-25T10:00:00Z" / "+01:00"):
 * *due_r is 0 for now. Refuses (550 5.7.1) a date that cannot be read,
 * more than max_ahead seconds ahead, or over an hour past.
 */
bool policy_schedule(const char *value, int64_t now, int64_t max_ahead,
		     int64_t *due_r, struct policy_verdict *v);

/* What the configuration says about planning a text. */
struct policy_plan_opts {
	bool smart;	    /* SmartEncoding */
	bool reject_long;   /* LongMessagePolicy reject, else truncate */
	unsigned cap;	    /* SegmentCap */
	const char *marker; /* TruncationMarker */
};

/* policy_plan_opts - the options c gives (c may be NULL: defaults) */
void policy_plan_opts(const struct conf *c, struct policy_plan_opts *o);

/*
 * policy_plan - text planned as the configuration says: smart encoding,
 * then the segment cap (cut with the marker, *truncated_r set; or
 * refused with 552 5.3.4). Every way a text is queued plans it here,
 * and what is queued is plan->text, the text as sent. Returns the plan
 * (sms_plan_free it), or NULL with v set (554 5.6.0 for a text that
 * cannot be planned, 451 4.3.0 out of memory).
 */
struct sms_plan *policy_plan(const struct policy_plan_opts *o, const char *text,
			     bool *truncated_r, struct policy_verdict *v);

/*
 * policy_plan_queued - the plan of a queued text, for sending: the same
 * encoding and segments as when it was queued (text is already the
 * text as sent, so nothing is mapped again). encoding is what the store
 * recorded (0 GSM-7, 8 UCS-2). Returns NULL with err set when the text
 * cannot be planned; *same_r is false when the plan's encoding differs
 * from the recorded one (a text queued by an older version).
 */
struct sms_plan *policy_plan_queued(const char *text, int encoding,
				    bool *same_r, struct sms_error *err);

/*
 * policy_plan_links - body, a line break and links (one a line),
 * planned as policy_plan() plans: under the truncate policy a text over
 * the cap is cut in its body (with the marker; the whole body when the
 * links need all the room), never in a link: 552 5.3.4 when the links
 * alone do not fit. *kept_r: the body's code points sent.
 */
struct sms_plan *policy_plan_links(const struct policy_plan_opts *o,
				   const char *body, const char *links,
				   bool *truncated_r, size_t *kept_r,
				   struct policy_verdict *v);

/* What the configuration says about rendering a mail. */
struct policy_render_opts {
	const char *new_thread_template, *reply_template;
	struct sms_phone_rules rules; /* to read a voicemail's caller */
	struct policy_plan_opts plan;
	const char *const *disclaimers; /* NULL-terminated, or NULL */
	const char *links; /* the attachments' links (policy_media_links),
			      one a line, to end the text; NULL: none */
	unsigned mms;	   /* pictures sent as MMS, a segment each */
};

/* policy_render_opts - the options c gives (c may be NULL: defaults) */
void policy_render_opts(const struct conf *c, struct policy_render_opts *o);

/* A mail rendered as text. */
struct policy_text {
	char *text;		  /* malloc'd: the text before planning */
	struct sms_plan *plan;	  /* encoding, segments, the text as sent */
	bool voicemail;		  /* a PBX voicemail notice */
	bool truncated;		  /* cut to the cap */
	unsigned left_out;	  /* attachments not sent (no links) */
	size_t chars, chars_sent; /* characters before and after a cut */
	size_t links_len;  /* the links' bytes at the end of plan->text */
	unsigned mms;	   /* pictures sent with it as MMS */
	unsigned segments; /* billed: the text's (0 when it has no words
			      and no links, only pictures), one a picture */
};

/*
 * policy_render - the text a parsed mail becomes: a voicemail notice as
 * "Voicemail from +1 202-555-0143 (0:42): ...", else the visible words
 * through the new-thread or reply template; planned with smart encoding
 * and the segment cap. With o->links (MediaBaseUrl set) the text ends
 * with them, a line each, and they are billed as the characters they
 * are (a mail of attachments alone becomes its links); the cap cuts the
 * words, never a link. Without, attachments are not sent: no
 * placeholder goes into the text, t->left_out counts them and
 * policy_left_out() says so in words; they are not billed. Returns
 * true, or false with v set (552 5.3.4 over the cap under the reject
 * policy, 554 5.6.0 a mail with no words to send, 451 4.3.0 out of
 * memory). Free t with policy_text_clear().
 */
bool policy_render(const struct mp_message *m,
		   const struct policy_render_opts *o, bool reply,
		   struct policy_text *t, struct policy_verdict *v);

/* policy_text_clear - free what policy_render filled */
void policy_text_clear(struct policy_text *t);

/*
 * policy_left_out - what of mail m does not reach the phone, as one
 * sentence for the sender: "2 attachments (photo.jpg, report.pdf) were
 * not sent: this site cannot send pictures or files yet", and, when t
 * was cut to the segment cap, "the text was cut to 3 SMS segments, this
 * site's limit: 450 of its 1000 characters were sent". Writes "" when
 * nothing was left out; returns whether something was.
 */
bool policy_left_out(const struct mp_message *m, const struct policy_text *t,
		     char *out, size_t size);

/* ---- send.c: queue one text from an owner to a phone ---- */

/*
 * policy_allowed_sender - owner may send texts at all (AllowedSenders);
 * false with 550 5.7.1
 */
bool policy_allowed_sender(const struct conf *c, const char *owner,
			   struct policy_verdict *v);

/*
 * policy_schedule_at - the due time of a text asked for at Unix time t:
 * *due_r 0 for now (t up to an hour past); refuses (550 5.7.1) more
 * than max_ahead ahead or over an hour past
 */
bool policy_schedule_at(int64_t t, int64_t now, int64_t max_ahead,
			int64_t *due_r, struct policy_verdict *v);

/* A text to queue. */
struct policy_send {
	const char *owner;	 /* who sends, policy_owner() applied */
	const char *to;		 /* a phone as given: E.164, national */
	const char *from;	 /* NULL or "": the owner's number or pool */
	bool any_from;		 /* an operator: from may be any valid sender */
	const char *text;	 /* UTF-8 */
	const char *subject;	 /* the thread's subject, or NULL */
	int64_t due;		 /* 0: now (policy_schedule_at) */
	unsigned notify;	 /* STORE_NOTIFY_*; 0: never */
	const char *idem_key;	 /* the same key again queues nothing;
				    NULL: a new one */
	const char *external_id; /* the sender's own id, or NULL */
	const char *opts;	 /* answers and receipts: JSON, or NULL */
};

/* What was queued. */
struct policy_sent {
	int64_t id, thread;
	char phone[20];		      /* E.164 */
	char from[40];		      /* the number it leaves from */
	char sid[STORE_SID_LEN + 1];  /* its public id; "" when dup */
	char tag[POLICY_TAG_LEN + 1]; /* the thread's tag */
	unsigned segments;
	enum sms_encoding encoding;
	bool truncated; /* cut to SegmentCap (LongMessagePolicy truncate) */
	bool pooled;	/* from is a SenderPool lease */
	bool dup;	/* idem_key was queued before: id is that text */
};

/* Which rule refused a text. */
enum policy_send_why {
	POLICY_SEND_NOT_ALLOWED, /* AllowedSenders */
	POLICY_SEND_BAD_NUMBER,	 /* not a phone we may text */
	POLICY_SEND_BAD_FROM,	 /* a From that is no number or name */
	POLICY_SEND_FROM_DENIED, /* a From the owner may not use */
	POLICY_SEND_NO_NUMBER,	 /* the pool has no number for the phone */
	POLICY_SEND_BAD_TEXT,	 /* empty, too long, not plannable */
	POLICY_SEND_OPTED_OUT,	 /* the phone replied STOP */
	POLICY_SEND_RATE,	 /* RecipientRateLimit, OverQuotaPolicy hold */
	POLICY_SEND_QUOTA,	 /* MonthlySegmentQuota */
	POLICY_SEND_KEY_REUSED,	 /* idem_key queued another text before */
	POLICY_SEND_STORE,	 /* the store failed: try again */
};

/*
 * policy_send - queue rq as the milter would a mail to rq->to: the
 * number rules, the number it leaves from (policy_sender_for, a pool
 * lease taken), the plan, opt-outs, the rate and the quota, then
 * store_enqueue. True with out filled (out->dup: rq->idem_key was
 * queued before for the same phone and text, and out->id is that
 * text; for another, POLICY_SEND_KEY_REUSED); false with v and *why_r
 * (may be NULL) saying which rule refused. One unit of the store (a
 * savepoint of the caller's, inside one): a refusal writes nothing,
 * not even the pool lease taken before the last checks.
 */
bool policy_send(const struct conf *c, struct store *s,
		 const struct policy_send *rq, int64_t now,
		 struct policy_sent *out, struct policy_verdict *v,
		 enum policy_send_why *why_r);

/* policy_send_why_name - "opted_out", "over_quota", ... (stable) */
const char *policy_send_why_name(enum policy_send_why w);

/* ---- apikey.c: keys of the send API ---- */

/* A token: the prefix and 40 base32 letters (a-z, 2-7), 200 bits. */
#define POLICY_APIKEY_PREFIX "smk_"
#define POLICY_APIKEY_LEN    44
/* its hint: the first 8 letters after the prefix */
#define POLICY_APIKEY_HINT_LEN 8
/* its hash: SHA-256, in hex */
#define POLICY_APIKEY_HASH_LEN 64

/*
 * policy_apikey_new - a new token from getrandom(2) (ut_random), its
 * hash (what the store keeps) and its hint (what people see). Returns
 * 0, or -1 with errno set when no random bytes could be had.
 */
int policy_apikey_new(char token_r[POLICY_APIKEY_LEN + 1],
		      char hash_r[POLICY_APIKEY_HASH_LEN + 1],
		      char hint_r[POLICY_APIKEY_HINT_LEN + 1]);

/* policy_apikey_hash - the hex SHA-256 of token, as the store keeps it */
void policy_apikey_hash(const char *token,
			char hash_r[POLICY_APIKEY_HASH_LEN + 1]);

/*
 * A cache of the keys found in the store lately (by the hash of their
 * token), shared by threads: see policy_apikey_auth.
 */
struct policy_apikeys;

/* policy_apikeys_new - an empty cache; NULL when memory ran out */
struct policy_apikeys *policy_apikeys_new(void);

/* policy_apikeys_free - free a cache; set *ks to NULL */
void policy_apikeys_free(struct policy_apikeys **ks);

/*
 * policy_apikey_auth - the owner of the key an HTTP request names in
 * its Authorization header value ("Bearer TOKEN", the scheme in any
 * case; NULL when there was none): owner_r (policy_owner of the key's
 * owner) and *key_id_r, and its use recorded (store_apikey_used). The
 * key acts as that owner: every other rule applies to the owner as to
 * a mail's sender. Refuses with 550 5.7.8 a missing or malformed
 * header and a token that is unknown or revoked (the send API answers
 * 401), 451 4.3.0 when the store failed (err says why). No sentence
 * quotes a token, only the hint of one. With a cache ks (NULL: none),
 * a key found in the store less than ApiKeyCacheTime seconds before
 * now is taken from it, the store not read (nor its use recorded): a
 * key revoked is refused at most that long after.
 */
bool policy_apikey_auth(const struct conf *c, struct store *st,
			struct policy_apikeys *ks, const char *authorization,
			int64_t now, char owner_r[256], int64_t *key_id_r,
			struct policy_verdict *v, struct store_error *err);
/* ---- hook.c: event hooks ---- */

struct sockaddr;

#define POLICY_EVENT_RECEIVED "message.received"
#define POLICY_EVENT_RECEIPT  "message.receipt"

/*
 * A URL given with a text for its events (seed 001's WebhookUri and
 * DeliveryReceiptWebhookUri). method: "POST" (signed JSON, the
 * default when NULL or ""), "FORM" (a form POST of the same fields) or
 * "GET" (the URL as a template: {ID} {TIMESTAMP} {FROM} {TO} {MESSAGE}
 * {STATUS} {CODE} {HOOKID} replaced, URL-encoded; none there: the
 * fields appended as a query); "+OK" after any of them ("GET+OK"):
 * only a body of "ok" is success.
 */
struct policy_hook_target {
	const char *url;
	const char *method;
};

/*
 * policy_hook_url_ok - whether a hook may go to url: http or https, a
 * host, no userinfo, and, unless HookAllowPrivate, no address of the
 * host loopback, private (RFC 1918, fc00::/7), link-local, CGNAT,
 * 192.0.0.0/24, 198.18.0.0/15, unspecified, multicast, reserved,
 * 64:ff9b:1::/48, 6to4 (2002::/16), an IPv4-mapped, -compatible,
 * NAT64 or 6to4 form of one, or an address of a local interface (a
 * name is resolved with getaddrinfo, which may block). False with v
 * set: 550 5.7.1 refused, 451 4.4.3 a name that does not resolve now.
 */
bool policy_hook_url_ok(const struct conf *c, const char *url,
			struct policy_verdict *v);

/*
 * policy_hook_url_seen - policy_hook_url_ok() without looking the name
 * up (a request must not wait for DNS): the syntax, an address written
 * in the URL, and localhost; a name is checked again, resolved, as
 * each hook connects
 */
bool policy_hook_url_seen(const struct conf *c, const char *url,
			  struct policy_verdict *v);

/*
 * policy_addr_private - what kind of address sa is when hooks may not
 * go there ("a loopback", "a private (RFC 1918)", "this host's own
 * (a local interface's)"...), else NULL: the deliverer's check of each
 * address it connects to
 */
const char *policy_addr_private(const struct sockaddr *sa);

/* The size of "t=UNIX,v1=" and 64 hex digits, with its NUL. */
#define POLICY_HOOK_SIG_SIZE 96

/*
 * policy_hook_sign - the X-Smsmilter-Signature of a try at time t:
 * "t=T,v1=HEX", HEX the HMAC-SHA256 with key secret of T, ".", and the
 * len bytes of body (for a GET, the URL requested)
 */
void policy_hook_sign(const char *secret, int64_t t, const void *body,
		      size_t len, char out[POLICY_HOOK_SIG_SIZE]);

#define POLICY_HOOK_KEY_SIZE 65
/*
 * policy_hook_owner_key - the key that signs the hooks whose URL an
 * owner gave with a text (the send API), in place of HookSecret: hex
 * HMAC-SHA256(HookSecret, "owner:" owner); one owner's key cannot sign
 * for another or for the site (smsctl hooks key)
 */
void policy_hook_owner_key(const char *secret, const char *owner,
			   char out[POLICY_HOOK_KEY_SIZE]);

/*
 * policy_hooks_inbound - queue the message.received hooks of text
 * msg_id (from a phone to our number to), in the caller's unit of s:
 * one to per_text (may be NULL; one whose URL or method is bad is left
 * out) and one to each InboundHook of to or *, the same URL and method
 * once. Each has a hid of its own; the body (or the GET URL) is made
 * now. STORE_OK, or the store's error.
 */
int policy_hooks_inbound(const struct conf *c, struct store *s,
			 const struct policy_hook_target *per_text,
			 const char *owner, int64_t msg_id, const char *from,
			 const char *to, const char *text, int64_t now,
			 struct store_error *err);

/*
 * policy_hooks_receipt - as policy_hooks_inbound, for the final receipt
 * of text msg_id (from our number to a phone; status "delivered",
 * "failed" or "expired", code the carrier's), to per_text and each
 * ReceiptHook of from or *; sid and external_id may be NULL
 */
int policy_hooks_receipt(const struct conf *c, struct store *s,
			 const struct policy_hook_target *per_text,
			 const char *owner, int64_t msg_id, const char *sid,
			 const char *external_id, const char *from,
			 const char *to, const char *status, const char *code,
			 int64_t now, struct store_error *err);

/* ---- media.c: signed URLs of hosted files, and serving them ---- */

#define POLICY_MEDIA_ID_LEN   STORE_MEDIA_ID_LEN
#define POLICY_MEDIA_SIG_LEN  12 /* base32 letters: 60 bits */
#define POLICY_MEDIA_NAME_MAX 12 /* the name at a link's end */
/* the longest link: base, "/m/", id, expiry, signature, name */
#define POLICY_MEDIA_URL_MAX 512
#define POLICY_MMS_MAX                                                         \
	10 /* pictures a text carries as MMS; the rest are links */

/*
 * policy_media_url - the link of file mid (named filename, of
 * content_type) until expires: base/m/MID/EXPIRES/SIG/NAME, SIG signed
 * with a key derived from secret (TagSecret). false when it does not
 * fit in out (size bytes).
 */
bool policy_media_url(const char *secret, const char *base, const char *mid,
		      int64_t expires, const char *filename,
		      const char *content_type, char *out, size_t size);

/*
 * policy_media_name - filename (its last path segment) as the end of a
 * link: letters, digits, - and _, cut to keep an extension of at most 5
 * (from content_type when the name has none), at most
 * POLICY_MEDIA_NAME_MAX characters; "file" when nothing is left
 */
void policy_media_name(const char *filename, const char *content_type,
		       char out[POLICY_MEDIA_NAME_MAX + 1]);

/*
 * policy_media_check - path is /m/MID/EXPIRES/SIG or /m/MID/EXPIRES/SIG/
 * NAME (any NAME) with SIG the signature of MID and EXPIRES, and now is
 * before EXPIRES: true, with the file's public id in mid_r and EXPIRES
 * in *expires_r. Anything else (forged, altered, expired, malformed) is
 * false, one answer for all.
 */
bool policy_media_check(const char *secret, const char *path, int64_t now,
			char mid_r[POLICY_MEDIA_ID_LEN + 1],
			int64_t *expires_r);

enum policy_range {
	POLICY_RANGE_NONE,	    /* no range asked, or one not served: all */
	POLICY_RANGE_OK,	    /* bytes *first_r to *last_r (206) */
	POLICY_RANGE_UNSATISFIABLE, /* none of the file (416) */
};

/*
 * policy_media_range - the Range header h (NULL: none) against a file
 * of size bytes: one range "bytes=A-B", "bytes=A-" or "bytes=-N";
 * several ranges, another unit or bad syntax are answered with the
 * whole file (RFC 9110 14.2)
 */
enum policy_range policy_media_range(const char *h, int64_t size,
				     int64_t *first_r, int64_t *last_r);

/*
 * policy_media_type - the Content-Type a file stored as stored is served
 * with, into out (size bytes): pictures (JPEG, PNG, GIF, WebP, BMP,
 * HEIC), PDF and audio as they are, shown inline (*inline_r); anything
 * else (HTML, SVG, scripts, unknown) as application/octet-stream, an
 * attachment
 */
void policy_media_type(const char *stored, char *out, size_t size,
		       bool *inline_r);

/*
 * policy_media_disposition - "inline" or "attachment", with the file's
 * name as filename="ASCII" and filename*=UTF-8''PERCENT (RFC 6266, RFC
 * 8187), quotes, backslashes, slashes and controls never through
 */
void policy_media_disposition(bool inline_, const char *filename, char *out,
			      size_t size);

/* The files of one mail to keep, and the links its texts end with. */
struct policy_media_set {
	unsigned n;			      /* 0: none (or hosting off) */
	char (*mid)[POLICY_MEDIA_ID_LEN + 1]; /* their public ids */
	struct store_media_out *files;	      /* n, for store_enqueue_jobs;
						 they point into the mail */
	char *links;			      /* "URL\nURL", or NULL */
	char *mms;     /* links of the pictures sent as MMS, one a line */
	unsigned nmms; /* how many: each billed as a segment */
};

/*
 * policy_media_links - with MediaBaseUrl set, each attachment of m (of
 * owner) as a file to keep until now + MediaLifetime, with a new
 * public id, and the links to them in set->links, one a line; but
 * with Transport http a JPEG, PNG or GIF of at most MmsMaxBytes goes
 * as MMS: its link in set->mms (the provider's MediaUrl), not in the
 * text, and set->nmms counts it; nothing
 * when MediaBaseUrl is unset or m has no attachment. Refuses (552
 * 5.3.4) more than MediaMaxFiles attachments or one over MediaMaxBytes;
 * 451 4.3.0 out of memory. The files point into m: m must outlive
 * them. Free with policy_media_set_clear().
 */
bool policy_media_links(const struct conf *c, const struct mp_message *m,
			const char *owner, int64_t now,
			struct policy_media_set *set, struct policy_verdict *v);

/* policy_media_set_clear - free what policy_media_links filled */
void policy_media_set_clear(struct policy_media_set *set);

#endif /* POLICY_POLICY_H */
