/*
 * NAME
 *	mailparse - mail in, SMS text out
 * SUMMARY
 *	#include "mailparse/mailparse.h"
 * DESCRIPTION
 *	mp_parse() reads a raw RFC 5322 message (CRLF or LF) with gmime:
 *	the decoded subject, From, Message-ID, In-Reply-To, References, a
 *	thread tag ("[#tag]" in the subject), the best text part (text/plain
 *	from an alternative, else HTML made into text), decoded from any
 *	charset (a body that is not what it says is taken as UTF-8 when
 *	it is valid UTF-8, else as Windows-1252), format=flowed unwrapped,
 *	and the attachments. mp_visible_text() then keeps only the new
 *	words of a reply: no quoted text, no quote headers in the common
 *	languages, no signatures or mobile footers.
 *
 *	Call mp_init() once, before any thread uses the module.
 * DIAGNOSTICS
 *	MP_OK, or a negative enum mp_status with a sentence in the
 *	struct mp_error given.
 */
#ifndef MAILPARSE_MAILPARSE_H
#define MAILPARSE_MAILPARSE_H

#include <stdbool.h>
#include <stddef.h>

enum mp_status {
	MP_OK = 0,
	MP_ETOOBIG = -1, /* over the size or depth limit */
	MP_EPARSE = -2,	 /* not a message at all */
	MP_ENOMEM = -3,
};

struct mp_error {
	enum mp_status status;
	char msg[256];
};

/* Limits and options; mp_opts_init() sets the defaults. */
struct mp_opts {
	size_t max_size;		/* bytes (default 10 MiB) */
	unsigned max_depth;		/* MIME nesting (default 20) */
	const char *const *disclaimers; /* NULL-terminated line starts */
	bool attachment_data;		/* decode attachments (default);
					   false: only their sizes, data
					   NULL */
	bool keep_html;			/* keep the HTML a body came from
					   (default); false: html "" */
};

/*
 * mp_opts_init - 10 MiB, depth 20, no disclaimer patterns, attachments
 * decoded, HTML kept
 */
void mp_opts_init(struct mp_opts *o);

/* mp_init - initialise gmime; once per process */
void mp_init(void);

/* An attachment: a part that is not the body. */
struct mp_attachment {
	char *content_type; /* "image/png" */
	char *filename;	    /* "" when none */
	size_t size;	    /* decoded bytes */
	bool image;
	unsigned char *data; /* the decoded bytes (NULL when the options
				did not ask for them) */
};

/* A parsed message. Strings are UTF-8 and never NULL ("" when absent). */
struct mp_message {
	char *subject;
	char *from_addr, *from_name;
	char *message_id;  /* without <> */
	char *in_reply_to; /* the first id, without <> */
	char **references; /* without <>, oldest first */
	size_t nreferences;
	char *tag;	/* the last "[#tag]" in the subject, else a recipient
			   "<number>+tag@", or "" */
	char *body;	/* the chosen text, decoded, flowed text unwrapped,
			   LF line ends */
	bool body_html; /* the body came from HTML ... */
	bool body_undecodable; /* the body part had words that its
				  Content-Transfer-Encoding did not decode */
	char *html;	       /* ... this HTML, decoded ("" otherwise, or when
				  the options did not keep it) */
	struct mp_attachment *attachments;
	size_t nattachments;
};

/*
 * mp_parse - parse a raw message
 *
 * Returns MP_OK with *msg_r (free with mp_message_free), or an error.
 */
int mp_parse(const char *raw, size_t len, const struct mp_opts *opts,
	     struct mp_message **msg_r, struct mp_error *err);

/* mp_message_free - free a parsed message; set *m to NULL */
void mp_message_free(struct mp_message **m);

/*
 * mp_html_to_text - HTML to plain text: no script, style or head; block
 * elements end lines; list items become "- " lines; blockquotes become
 * "> " lines; entities decoded; links as "text (url)" when the text is
 * not the url. Returns a malloc'd string, or NULL when out of memory.
 */
char *mp_html_to_text(const char *html, size_t len);

/*
 * mp_visible_text - the new words of a reply: quoted blocks, quote
 * headers ("On ... wrote:" and its equivalents), forwarded originals,
 * signatures, mobile footers, the sender's own sign-off (when sender,
 * the From display name, is given) and lines starting with one of the
 * disclaimers (may be NULL) removed, blank runs collapsed. Never empty
 * when the input had words: then the input, tidied, is returned.
 * Returns a malloc'd string, or NULL when out of memory.
 */
char *mp_visible_text(const char *text, const char *sender,
		      const char *const *disclaimers);

/* A voicemail notice from a PBX. */
struct mp_voicemail {
	char caller[64];      /* the caller's number as the PBX gave it */
	char caller_name[64]; /* "" when none */
	char duration[16];    /* "0:42" */
	char *transcription;  /* malloc'd; "" when none */
};

/*
 * mp_voicemail - recognise a PBX's voicemail notice in a body: Asterisk
 * app_voicemail's default text, FreePBX's, and a "Transcription:"
 * section as transcription add-ons write it. Returns true and fills vm
 * (free vm->transcription) when it is one.
 */
bool mp_voicemail(const char *body, struct mp_voicemail *vm);

/* mp_blank - s has no words: white space only ("" too) */
bool mp_blank(const char *s);

/*
 * mp_template - expand {subject}, {body} and {from} in tmpl; a
 * placeholder that expands to nothing takes the separator after it
 * (": ", " - ") with it. Returns a malloc'd string, or NULL.
 */
char *mp_template(const char *tmpl, const char *subject, const char *body,
		  const char *from);

/*
 * mp_parse_date - an RFC 5322 date ("Wed, 25 Nov 2026 10:00:00 +0100")
 * or ISO 8601 ("2026-11-25T10:00:00Z", "2026-11-25 10:00:00+01:00") as
 * seconds since the epoch. Returns false when it is neither.
 */
bool mp_parse_date(const char *s, long long *t_r);

/*
 * mp_to_utf8 - bytes in charset (may be NULL or unknown) as UTF-8:
 * valid UTF-8 stays, a BOM goes, and what cannot be decoded is read as
 * Windows-1252. Returns a malloc'd string, or NULL when out of memory.
 */
char *mp_to_utf8(const char *bytes, size_t len, const char *charset);

/* A picture or file that came with an inbound text (MMS). */
struct mp_media {
	const char *content_type;  /* "image/jpeg" */
	const char *filename;	   /* may be NULL */
	const unsigned char *data; /* the bytes, or NULL when only ... */
	size_t size;
	const char *url; /* ... a link is known */
};

/* What an inbound SMS becomes as mail. Strings may come from a phone. */
struct mp_sms_mail {
	const char *phone;	   /* "+12025550143" */
	const char *phone_display; /* "+1 202-555-0143" (phone when NULL) */
	const char *contact_name;  /* the owner's name for it, or NULL */
	const char *our_number;	   /* the number it was sent to, or NULL */
	const char *sms_domain;	   /* "sms.example.com" */
	const char *to;		   /* the owner's mailbox */
	const char *tag;	   /* the thread tag, or NULL */
	const char *last_subject;  /* the thread's subject, NULL when new */
	const char *message_id;	   /* without <>: mp_new_message_id() */
	const char *in_reply_to;   /* the thread's last id, or NULL */
	const char *const *references;
	size_t nreferences;
	const char
	    *text; /* the SMS text, UTF-8 (a voicemail's transcription) */
	const char *voicemail; /* a voicemail's duration ("0:42"), or NULL */
	unsigned segments;
	const struct mp_media *media;
	size_t nmedia;
	long long date;	  /* seconds since the epoch; 0: now */
	bool fetch_media; /* mark the linked media to be fetched */
	/*
	 * ... without the provider's credentials: the links did not come
	 * through a signed webhook (a voicemail system's recording)
	 */
	bool fetch_anonymous;
};

/*
 * mp_compose_sms - the email for an inbound SMS: From "name (+1 ...)"
 * <digits@domain>, Reply-To <digits+tag@domain>, Subject "SMS from name
 * [#tag]" or "Re: <last subject> [#tag]", the ids, Auto-Submitted and
 * X-SMS-From/To/Thread/Segments; for a voicemail (the recording among
 * the media) Subject "Voicemail from name (0:42) [#tag]" and
 * X-SMS-Voicemail; text/plain; charset=utf-8 in
 * quoted-printable; media with bytes attached (multipart/mixed), media
 * with only a URL as "[image: url]" lines. CRLF line ends. With
 * fetch_media, each linked http or https URL (printable, at most
 * MP_MEDIA_URL_MAX) is also named in a header MP_MEDIA_HEADER ("TYPE
 * URL", and "anonymous" after them with fetch_anonymous), for
 * mp_media_wanted() and mp_media_resolve() to replace the
 * link by the file before the mail goes. Returns MP_OK with a malloc'd
 * *out, or MP_EPARSE when an address or id is not a plain atom, with a
 * sentence in err.
 */
int mp_compose_sms(const struct mp_sms_mail *in, char **out, size_t *len,
		   struct mp_error *err);

/* ---- media.c: the links of a mail from a phone made attachments ---- */

#define MP_MEDIA_HEADER	 "X-SMS-Media-Fetch" /* never leaves smsgw */
#define MP_MEDIA_URL_MAX 1000
#define MP_MEDIA_MAX	 10 /* links a mail may wait for */

/* A link a mail waits for. */
struct mp_media_link {
	char content_type[101]; /* as the provider declared it */
	char url[MP_MEDIA_URL_MAX + 1];
	bool anonymous; /* fetched without the provider's credentials */
};

/* What became of a link: the file, or why not. */
struct mp_media_result {
	const unsigned char *data; /* the file, or NULL when ... */
	size_t size;
	const char *content_type; /* the file's type; NULL: the link's */
	const char *filename;	  /* mp_media_filename() */
	const char *note;	  /* ... not attached, why (a phrase) */
};

/*
 * mp_media_wanted - the links (up to max) mail names in MP_MEDIA_HEADER
 * headers, in order, into links; *n_r 0 when none
 */
void mp_media_wanted(const char *mail, size_t len, struct mp_media_link *links,
		     size_t max, size_t *n_r);

/*
 * mp_media_resolve - mail (made by mp_compose_sms with fetch_media)
 * with its MP_MEDIA_HEADER headers gone and, for each link, res[i]'s
 * file attached and its "[image: url]" line made "[image attached:
 * name]", or the line kept with "(not attached: note)" under it.
 * Returns MP_OK with a malloc'd *out (CRLF), or an error.
 */
int mp_media_resolve(const char *mail, size_t len,
		     const struct mp_media_link *links,
		     const struct mp_media_result *res, size_t n, char **out,
		     size_t *out_len, struct mp_error *err);

/*
 * mp_media_filename - a name for the file of type content_type, the
 * k-th (from 1) of the mail: "image1.jpg", "recording1.mp3"
 */
void mp_media_filename(const char *content_type, unsigned k, char *out,
		       size_t size);

/* A delivery report to tell the sender of an SMS about. */
struct mp_dsn {
	const char *from;	/* "postmaster@example.com" */
	const char *to;		/* who sent the text */
	const char *sms_domain; /* Reporting-MTA and recipient domain */
	const char *phone, *phone_display;
	const char *text; /* the text that was sent */
	bool delivered;
	unsigned parts_done, parts_total;
	const char *carrier_code; /* "30008", "UNDELIV", or NULL */
	const char *reason;	  /* why it was never sent (a milter refusal,
				     "the text would take 12 segments ..."), or
				     NULL */
	const char *status;	  /* its enhanced status code ("5.3.4"), or NULL
				     for 5.0.0 */
	const char *message_id;	  /* this report's id, without <> */
	const char *original_id;  /* the mail the text came from (its
				     Message-ID, for References), or NULL */
	const char *envid;	  /* ESMTP ENVID= the sender gave, decoded,
				     or NULL: Original-Envelope-Id only then
				     (RFC 3464 section 2.2.1) */
	const char *returned;	  /* the mail's header block, or the whole
				     mail when returned_full; NULL: none */
	size_t returned_len;
	bool returned_full; /* RET=FULL and the mail was kept whole */
	long long date;	    /* 0: now */
	/* taken by the carrier, then no receipt (reason says how long):
	   Action relayed, Status 2.0.0, the outcome not known */
	bool unknown;
};

/*
 * mp_compose_dsn - an RFC 3464 multipart/report; report-type=
 * delivery-status: a plain-words part (recipient, the text, the
 * carrier's code and what it means, or "delivered, 3/3 parts") and a
 * message/delivery-status part (Action, Status 2.0.0 or 5.0.0,
 * Diagnostic-Code "X-SMS; code meaning", Original-Envelope-Id when the
 * sender gave ENVID=) and, when in->returned is set, the returned part:
 * message/rfc822 for a mail kept whole (RET=FULL), else
 * text/rfc822-headers. Returns as mp_compose_sms().
 */
int mp_compose_dsn(const struct mp_dsn *in, char **out, size_t *len,
		   struct mp_error *err);

/* The most of a mail kept to return whole in a report (RET=FULL). */
#define MP_RETURN_FULL_MAX 65536

/*
 * mp_returned - what of raw (a whole mail, len bytes) a report returns,
 * as RFC 3461 RET asks: ret_full and len <= MP_RETURN_FULL_MAX, the
 * whole mail (*full_r true); otherwise its header block, up to the
 * blank line. Returns the length of the prefix of raw to keep.
 */
size_t mp_returned(const char *raw, size_t len, bool ret_full, bool *full_r);

/* A notice to the sender of a mail that was texted, but not whole. */
struct mp_notice {
	const char *from, *to;	 /* MAILER-DAEMON@domain, the sender */
	const char *phones;	 /* "+1 202-555-0143, +1 202-555-0144" */
	const char *subject;	 /* the mail's, or "" */
	const char *notice;	 /* what the phones did not get, a sentence */
	const char *text;	 /* the text as sent, or NULL */
	const char *message_id;	 /* this notice's id, without <> */
	const char *original_id; /* the mail's Message-ID, or NULL */
	long long date;		 /* 0: now */
	const char *title;	 /* the Subject; NULL: "Texted, but not..." */
	const char *lead;	 /* the first paragraph; NULL: "Your mail..." */
};

/*
 * mp_compose_notice - a plain mail (Auto-Submitted: auto-replied,
 * X-SMS-Report: notice, X-SMS-Notice: the sentence) telling the sender
 * what of the mail was not texted, and the text as sent. Returns as
 * mp_compose_sms().
 */
int mp_compose_notice(const struct mp_notice *in, char **out, size_t *len,
		      struct mp_error *err);

/* mp_carrier_error - plain words for a carrier's error code, or NULL */
const char *mp_carrier_error(const char *code);

/*
 * mp_new_message_id - "<26 base32 characters>@domain" without the <>,
 * 128 random bits from getrandom(). Returns MP_OK, or MP_EPARSE for a
 * bad domain, MP_ETOOBIG when buf is short.
 */
int mp_new_message_id(const char *domain, char *buf, size_t size);

/* Thread tags as mail carries them (mailparse/tag.c). */
#define MP_TAG_MIN 6
#define MP_TAG_MAX 32

/* mp_tag_span - how many tag letters (a-z, A-Z, 2-7) s starts with */
size_t mp_tag_span(const char *s);

/*
 * mp_tag_at - the length of the tag s starts with (MP_TAG_MIN to
 * MP_TAG_MAX letters) when the character end follows it, else 0
 */
size_t mp_tag_at(const char *s, char end);

/*
 * mp_subject_tag - the tag in the last "[#tag]" of subject (where
 * smsgw puts it, after whatever a name or an older subject brought):
 * a pointer into subject and its length in *len_r, or NULL
 */
const char *mp_subject_tag(const char *subject, size_t *len_r);

/*
 * mp_subject_untag - remove every tag mark ("[#" and 1 to MP_TAG_MAX
 * letters or digits, "]"), and the spaces before it, from s
 */
void mp_subject_untag(char *s);

#endif /* MAILPARSE_MAILPARSE_H */
