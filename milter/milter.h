/*
 * NAME
 *	milter - what smsmilter decides, apart from the libmilter glue
 * SUMMARY
 *	#include "milter/milter.h"
 * DESCRIPTION
 *	The policy of the milter as plain functions over the configuration
 *	and the store, so that smsctl and the tests use the very code the
 *	daemon runs: which recipients are phones (milter_parse_rcpt), who
 *	may text (milter_sender_check, milter_dmarc_pass), who owns a
 *	thread and what its tag is (milter_owner, milter_sender_number,
 *	milter_tag), whether a phone and an owner may have another text
 *	(milter_phone_ok, milter_quota_ok), which mail is never texted
 *(milter_noise), when a scheduled text is due (milter_schedule) and what a mail
 *becomes as text (milter_render).
 *
 *	The daemon itself (callbacks.c, commit.c, main.c) is smsmilter(8).
 * DIAGNOSTICS
 *	Functions that can refuse fill a struct milter_verdict: an SMTP
 *	reply code, an enhanced status code and a sentence for the sender.
 */
#ifndef MILTER_MILTER_H
#define MILTER_MILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "mailparse/mailparse.h"
#include "sms/sms.h"
#include "store/store.h"

/* A refusal: "550", "5.7.1", "the sentence". code "" means accepted. */
struct milter_verdict {
	char code[4];
	char xcode[8];
	char text[240];
};

/* milter_refuse - fill v; returns false (for "return milter_refuse()") */
bool milter_refuse(struct milter_verdict *v, const char *code,
		   const char *xcode, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An SMS recipient address, split. */
struct milter_rcpt {
	char local[128];  /* the local part, without a +tag */
	char tag[33];	  /* the +tag of a reply address, or "" */
	char domain[128]; /* the SMS domain, lowercase */
	bool number;	  /* local looks like a phone number */
	bool too_long;	  /* local part or tag too long: refuse it */
};

/*
 * milter_parse_rcpt - whether addr ("<x@y>" or "x@y") is in one of the
 * SMS domains, and its parts. Returns true for an SMS recipient.
 */
bool milter_parse_rcpt(const struct conf *c, const char *addr,
		       struct milter_rcpt *r);

/* milter_bare_addr - addr without <> and spaces, lowercase, into out */
void milter_bare_addr(const char *addr, char *out, size_t size);

/* Who is sending, as the MTA told the milter. */
struct milter_client {
	const char *auth_authen; /* {auth_authen}, or NULL/"" */
	const char *client_addr; /* {client_addr}, or NULL */
	const char *envelope_from;
};

enum milter_auth {
	MILTER_AUTH_NO,	   /* refused: v says why */
	MILTER_AUTH_YES,   /* authenticated or trusted */
	MILTER_AUTH_DMARC, /* only if the mail passes DMARC (decide at EOM) */
};

/*
 * milter_sender_check - may this client text at all? SASL (when
 * AuthenticatedSenders), a TrustedNetworks address, or, when AuthservId
 * and DmarcDomains are set, possibly DMARC; AllowedSenders narrows each.
 */
enum milter_auth milter_sender_check(const struct conf *c,
				     const struct milter_client *cl,
				     struct milter_verdict *v);

/*
 * milter_dmarc_pass - whether an Authentication-Results value was added
 * by AuthservId and says dmarc=pass for from_domain, which must be one
 * of DmarcDomains
 */
bool milter_dmarc_pass(const struct conf *c, const char *ar,
		       const char *from_domain);

/* milter_owner - the owner mailbox of addr: OwnerAliases applied, lowercase */
void milter_owner(const struct conf *c, const char *addr, char *out,
		  size_t size);

/* milter_sender_number - the number owner texts from ("" when none) */
const char *milter_sender_number(const struct conf *c, const char *owner);

/*
 * milter_phone_ok - may phone get a text now? Refuses with 550 5.7.1
 * when it opted out (*out_r true), 450 4.7.1 over RecipientRateLimit
 * (saying when to retry), 451 4.3.0 when the store fails (err says
 * why). The milter at RCPT and "smsctl send" both ask it.
 */
bool milter_phone_ok(const struct conf *c, struct store *st, const char *phone,
		     int64_t now, bool *out_r, struct milter_verdict *v,
		     struct store_error *err);

/*
 * milter_quota_ok - may owner send `segments` more this month? Refuses
 * with 452 4.7.1 (and when to retry) past MonthlySegmentQuota under
 * OverQuotaPolicy reject; 451 4.3.0 when the store fails
 */
bool milter_quota_ok(const struct conf *c, struct store *st, const char *owner,
		     unsigned segments, int64_t now, struct milter_verdict *v,
		     struct store_error *err);

/* milter_trusted - whether addr ("127.0.0.1", "::1") is in TrustedNetworks */
bool milter_trusted(const struct conf *c, const char *addr);

/*
 * milter_number_owner - the mailbox that gets texts to our number
 * (E.164) that belong to no thread: NumberOwners, else Postmaster
 */
const char *milter_number_owner(const struct conf *c, const char *number);

/* milter_utc_time - t as "2026-12-01 00:00 UTC" */
void milter_utc_time(int64_t t, char *out, size_t size);

/* Thread tags: 12 base32 letters, 60 bits of HMAC-SHA256. */
#define MILTER_TAG_LEN 12

/*
 * milter_tag - the tag of the thread (owner, phone, sender), keyed
 * with secret; out has room for MILTER_TAG_LEN + 1
 */
void milter_tag(const char *secret, const char *owner, const char *phone,
		const char *sender, char *out);

/* milter_tag_ok - tag is that thread's tag (compared in constant time) */
bool milter_tag_ok(const char *secret, const char *owner, const char *phone,
		   const char *sender, const char *tag);

/*
 * milter_noise - whether a header marks mail that is never texted:
 * Auto-Submitted other than no and auto-generated (vacation replies),
 * Precedence junk, list or bulk, and what smsmilter or smsgw made
 * (X-SMS-From, X-SMS-Report). Sets *why to a short reason.
 */
bool milter_noise(const char *name, const char *value, const char **why);

/*
 * milter_schedule - the due time a schedule header value asks for
 * (RFC 5322 date, or ISO 8601 "2026-11-25T10:00:00Z" / "+01:00"):
 * *due_r is 0 for now. Refuses (550 5.7.1) a date that cannot be read,
 * more than max_ahead seconds ahead, or over an hour past.
 */
bool milter_schedule(const char *value, int64_t now, int64_t max_ahead,
		     int64_t *due_r, struct milter_verdict *v);

/* What the configuration says about rendering. */
struct milter_render_opts {
	const char *new_thread_template, *reply_template;
	const char *marker, *country;
	bool smart, reject_long;
	unsigned cap;
	const char *const *disclaimers; /* NULL-terminated, or NULL */
};

/* milter_render_opts - the options c gives (c may be NULL: defaults) */
void milter_render_opts(const struct conf *c, struct milter_render_opts *o);

/* A mail rendered as text. */
struct milter_text {
	char *text;	       /* malloc'd: the text before planning */
	struct sms_plan *plan; /* encoding, segments, the text as sent */
	bool voicemail;	       /* a PBX voicemail notice */
	bool truncated;	       /* cut to the cap */
	unsigned images;       /* media items */
};

/*
 * milter_render - the text a parsed mail becomes: a voicemail notice as
 * "Voicemail from +1 202-555-0143 (0:42): ...", else the visible words
 * through the new-thread or reply template, links for files; planned
 * with smart encoding and the segment cap. Returns true, or false with
 * v set (552 5.3.4 over the cap under the reject policy, 451 4.3.0 out
 * of memory). Free t with milter_text_free().
 */
bool milter_render(const struct mp_message *m,
		   const struct milter_render_opts *o, bool reply,
		   struct milter_text *t, struct milter_verdict *v);

/* milter_text_free - free what milter_render filled */
void milter_text_free(struct milter_text *t);

/*
 * milter_nodelay_listeners - set TCP_NODELAY on every listening TCP
 * socket of the process (libmilter does not hand its socket out; on
 * Linux, accepted connections inherit the option, so libmilter's small
 * writes at end-of-message are not held back by Nagle's algorithm).
 * Returns how many sockets were set.
 */
int milter_nodelay_listeners(void);

#endif /* MILTER_MILTER_H */
