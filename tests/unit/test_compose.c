/*
 * NAME
 *	test_compose - inbound SMS as mail, delivery reports, and back
 * DESCRIPTION
 *	What mp_compose_sms() and mp_compose_dsn() write is read back with
 *	mp_parse() (the round trip: same text, tag and thread ids), and
 *	checked line by line: no line over 78 characters, no header that
 *	the text of an SMS could have made. The mail written without
 *	gmime (plain.c) is compared byte for byte with gmime's, over
 *	thousands of made-up texts from phones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailparse/compose_int.h"
#include "mailparse/mailparse.h"

/* header_end - where the header block of raw ends */
static const char *
header_end(const char *raw)
{
	const char *e = strstr(raw, "\r\n\r\n");

	assert_non_null(e);
	return e;
}

/* has_header - raw's top-level header block has a line starting name */
static bool
has_header(const char *raw, const char *line_start)
{
	const char *end = header_end(raw), *p = raw;
	size_t n = strlen(line_start);

	while (p < end) {
		if (!strncasecmp(p, line_start, n))
			return true;
		p = strstr(p, "\r\n");
		if (!p)
			break;
		p += 2;
	}
	return false;
}

/* body_is - the parsed body is text plus the line end MIME text ends in */
static void
assert_body_is(const char *body, const char *text)
{
	size_t n = strlen(text);

	assert_memory_equal(body, text, n);
	assert_true(body[n] == '\0' ||
		    (body[n] == '\n' && body[n + 1] == '\0'));
}

/*
 * lines_short - every line CRLF and under 79 characters, and every
 * RFC 2047 encoded-word at most 75
 */
static void
assert_lines_short(const char *raw)
{
	const char *p = raw, *nl, *w;

	while ((nl = strstr(p, "\r\n"))) {
		int n = (int)(nl - p);

		if (n > 78)
			fail_msg("line of %d: %.*s", n, n, p);
		assert_null(memchr(p, '\n', (size_t)n));
		assert_null(memchr(p, '\r', (size_t)n));
		p = nl + 2;
	}
	for (p = raw; (w = strstr(p, "=?")) != NULL; p = w + 2) {
		const char *e = strstr(w + 2, "?=");

		/* skip "=?" inside a word to its "?" "Q"/"B" "?" */
		if (e && e - w < 12)
			e = strstr(e + 2, "?=");
		if (e && e < strstr(w, "\r\n") && e + 2 - w > 75)
			fail_msg("encoded-word of %d: %.*s", (int)(e + 2 - w),
				 (int)(e + 2 - w), w);
	}
}

static void
sms_init(struct mp_sms_mail *in)
{
	memset(in, 0, sizeof(*in));
	in->phone = "+12025550143";
	in->phone_display = "+1 202-555-0143";
	in->our_number = "+12025550100";
	in->sms_domain = "sms.example.com";
	in->to = "alice@example.com";
	in->tag = "k7q2mx4zab";
	in->message_id = "abc123@sms.example.com";
	in->segments = 2;
	in->date = 1790000000;
}

static void
round_trip(void **state)
{
	static const char *refs[] = {"first@sms.example.com",
				     "second@mail.example.com"};
	struct mp_sms_mail in;
	struct mp_message *msg = NULL;
	struct mp_error err;
	char *raw, text[1200];
	size_t len;

	(void)state;
	/* non-ASCII, emoji, a very long word, a line that looks a header */
	snprintf(text, sizeof(text),
		 "Café at 5? 😀 Ça va.\nFrom: not a header\n%0400d\nbye", 7);
	sms_init(&in);
	in.text = text;
	in.contact_name = "Zoë Ångström";
	in.last_subject = "Re: RE: Lunch plans [#oldtag99]";
	in.in_reply_to = "second@mail.example.com";
	in.references = refs;
	in.nreferences = 2;
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_int_equal(len, strlen(raw));
	assert_lines_short(raw);
	assert_true(has_header(raw, "Auto-Submitted: auto-generated"));
	assert_true(has_header(raw, "X-SMS-From: +12025550143"));
	assert_true(has_header(raw, "X-SMS-To: +12025550100"));
	assert_true(has_header(raw, "X-SMS-Thread: k7q2mx4zab"));
	assert_true(has_header(raw, "X-SMS-Segments: 2"));
	assert_true(has_header(raw, "MIME-Version: 1.0"));
	assert_true(has_header(raw, "Date: "));
	assert_non_null(strstr(raw, "charset=utf-8"));
	assert_non_null(
	    strstr(raw, "Content-Transfer-Encoding: quoted-printable"));
	assert_non_null(
	    strstr(raw, "<12025550143+k7q2mx4zab@sms.example.com>"));
	assert_false(has_header(raw, "From: not a header"));

	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_body_is(msg->body, text);
	assert_string_equal(msg->tag, "k7q2mx4zab");
	assert_string_equal(msg->message_id, "abc123@sms.example.com");
	assert_string_equal(msg->in_reply_to, "second@mail.example.com");
	assert_int_equal(msg->nreferences, 2);
	assert_string_equal(msg->references[0], refs[0]);
	assert_string_equal(msg->references[1], refs[1]);
	assert_string_equal(msg->from_addr, "12025550143@sms.example.com");
	assert_string_equal(msg->from_name, "Zoë Ångström (+1 202-555-0143)");
	assert_string_equal(msg->subject, "Re: Lunch plans [#k7q2mx4zab]");
	assert_int_equal(msg->nattachments, 0);
	mp_message_free(&msg);
	free(raw);

	/* a new thread: "SMS from <number>" */
	sms_init(&in);
	in.text = "hello";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_string_equal(msg->subject,
			    "SMS from +1 202-555-0143 [#k7q2mx4zab]");
	assert_string_equal(msg->from_name, "+1 202-555-0143");
	assert_body_is(msg->body, "hello");
	assert_string_equal(msg->in_reply_to, "");
	mp_message_free(&msg);
	free(raw);

	/* a name that must be encoded, long enough for several words */
	sms_init(&in);
	in.text = "hi";
	in.contact_name = "Zoë Ångström-Øvergård, Ærøskøbing Ünïversïtät "
			  "Fakultät für Ökonomie";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_lines_short(raw);
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_string_equal(msg->subject,
			    "SMS from Zoë Ångström-Øvergård, Ærøskøbing "
			    "Ünïversïtät Fakultät für Ökonomie [#k7q2mx4zab]");
	assert_string_equal(msg->from_name,
			    "Zoë Ångström-Øvergård, Ærøskøbing Ünïversïtät "
			    "Fakultät für Ökonomie (+1 202-555-0143)");
	assert_string_equal(msg->from_addr, "12025550143@sms.example.com");
	mp_message_free(&msg);
	free(raw);
}

static void
no_injection(void **state)
{
	struct mp_sms_mail in;
	struct mp_message *msg = NULL;
	struct mp_error err;
	char *raw;
	size_t len;

	(void)state;
	sms_init(&in);
	in.contact_name = "Eve\r\nBcc: victim@example.net\r\n\r\nX-Evil: 1";
	in.last_subject = "Hi\nBcc: victim@example.net\x01\x7f";
	in.text = "line\r\n\r\nBcc: victim@example.net\r\n.\r\nQUIT\r\n";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_false(has_header(raw, "Bcc:"));
	assert_false(has_header(raw, "X-Evil:"));
	assert_lines_short(raw);
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_null(strpbrk(msg->subject, "\r\n\x01\x7f"));
	assert_null(strpbrk(msg->from_name, "\r\n"));
	/* the text stays the text (dot-stuffing is the SMTP client's) */
	assert_body_is(msg->body, "line\n\nBcc: victim@example.net\n.\nQUIT\n");
	assert_string_equal(msg->subject,
			    "Re: Hi Bcc: victim@example.net [#k7q2mx4zab]");
	mp_message_free(&msg);
	free(raw);

	/* a tag-like word in a name does not take the thread's place */
	sms_init(&in);
	in.text = "x";
	in.contact_name = "Shop [#abcdefgh]";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_string_equal(msg->tag, "k7q2mx4zab");
	mp_message_free(&msg);
	free(raw);

	/* ids, addresses and tags that are not plain atoms are refused */
	sms_init(&in);
	in.text = "x";
	in.message_id = "a>\r\nBcc: v@example.net";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_EPARSE);
	assert_null(raw);
	assert_non_null(strstr(err.msg, "plain"));
	sms_init(&in);
	in.text = "x";
	in.tag = "a b";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_EPARSE);
	sms_init(&in);
	in.text = "x";
	in.to = "alice@example.com, bob@example.com";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_EPARSE);
	sms_init(&in);
	in.text = "x";
	in.tag = "abcdefghabcdefghabcdefghabcdefgha"; /* 33 */
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_EPARSE);
	{
		char domain[241];

		memset(domain, 'a', sizeof(domain) - 1);
		domain[sizeof(domain) - 1] = '\0';
		domain[100] = '.';
		sms_init(&in);
		in.text = "x";
		in.sms_domain = domain;
		in.phone = "+1202555014323423423423423423423423423423423423"
			   "4234234234234234234234234";
		assert_int_equal(mp_compose_sms(&in, &raw, &len, &err),
				 MP_EPARSE);
		assert_non_null(strstr(err.msg, "over 300"));
	}
	/* a bad reference is left out, not written */
	{
		static const char *refs[] = {"ok@example.com", "bad>\nX: y"};

		sms_init(&in);
		in.text = "x";
		in.references = refs;
		in.nreferences = 2;
		assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
		assert_false(has_header(raw, "X: y"));
		assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
		assert_int_equal(msg->nreferences, 1);
		mp_message_free(&msg);
		free(raw);
	}
}

/* random_text - n random bytes, biased to CR, LF, NUL-free controls */
static void
random_text(char *buf, size_t n, unsigned *seed)
{
	static const char risky[] = "\r\n:<>\"=?\t\x7f\xc2\x85 Bcc";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned r = (unsigned)rand_r(seed);

		buf[i] = r % 3 ? risky[r % (sizeof(risky) - 1)]
			       : (char)(1 + r % 255);
	}
	buf[n] = '\0';
}

static void
random_fields(void **state)
{
	struct mp_sms_mail in;
	struct mp_message *msg = NULL;
	struct mp_error err;
	char name[80], subj[300], text[400], *raw;
	unsigned seed = 20261124;
	size_t len;
	int i;

	(void)state;
	for (i = 0; i < 1500; i++) {
		random_text(name, sizeof(name) - 1, &seed);
		random_text(subj, (size_t)rand_r(&seed) % (sizeof(subj) - 1),
			    &seed);
		random_text(text, (size_t)rand_r(&seed) % (sizeof(text) - 1),
			    &seed);
		sms_init(&in);
		in.contact_name = name;
		in.last_subject = i % 2 ? subj : NULL;
		in.text = text;
		assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
		assert_lines_short(raw);
		assert_false(has_header(raw, "Bcc"));
		assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
		assert_string_equal(msg->tag, "k7q2mx4zab");
		assert_string_equal(msg->message_id, "abc123@sms.example.com");
		assert_string_equal(msg->from_addr,
				    "12025550143@sms.example.com");
		assert_null(strpbrk(msg->subject, "\r\n"));
		mp_message_free(&msg);
		free(raw);
	}
}

static void
media(void **state)
{
	static const unsigned char png[] = {0x89, 'P',	'N', 'G', '\r', '\n',
					    0x1a, '\n', 0,   0,	  0,	13};
	struct mp_media md[2] = {
	    {.content_type = "image/png",
	     .filename = "cat.png",
	     .data = png,
	     .size = sizeof(png)},
	    {.content_type = "image/jpeg",
	     .url = "https://media.example.com/m/1.jpg"},
	};
	struct mp_sms_mail in;
	struct mp_message *msg = NULL;
	struct mp_error err;
	char *raw;
	size_t len;

	(void)state;
	sms_init(&in);
	in.text = "look";
	in.media = md;
	in.nmedia = 2;
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_lines_short(raw);
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_body_is(msg->body,
		       "look\n\n[image: https://media.example.com/m/1.jpg]");
	assert_int_equal(msg->nattachments, 1);
	assert_true(msg->attachments[0].image);
	assert_string_equal(msg->attachments[0].filename, "cat.png");
	assert_int_equal(msg->attachments[0].size, sizeof(png));
	assert_memory_equal(msg->attachments[0].data, png, sizeof(png));
	mp_message_free(&msg);
	free(raw);

	/* a content type that is not one plain type/subtype */
	md[0].content_type = "image/png\r\nX-Evil: 1";
	md[1].data = png;
	md[1].size = sizeof(png);
	md[1].content_type = "no-slash";
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_null(strstr(raw, "X-Evil"));
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_int_equal(msg->nattachments, 2);
	assert_string_equal(msg->attachments[0].content_type,
			    "application/octet-stream");
	assert_string_equal(msg->attachments[1].content_type,
			    "application/octet-stream");
	mp_message_free(&msg);
	free(raw);
}

/* media_fetched - links named for smsgw, then made attachments or notes */
static void
media_fetched(void **state)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', 1, 2, 3};
	struct mp_media md[3] = {
	    {.content_type = "image/jpeg",
	     .url = "https://m.example.com/1.jpg"},
	    {.content_type = "image/png",
	     .url = "https://m.example.com/a b.png"},
	    {.content_type = "image/gif", .url = "https://m.example.com/3.gif"},
	};
	struct mp_media_link links[MP_MEDIA_MAX];
	struct mp_media_result res[2] = {
	    {.data = png,
	     .size = sizeof(png),
	     .content_type = "image/png",
	     .filename = "image1.png"},
	    {.note = "the provider answered 404"},
	};
	struct mp_sms_mail in;
	struct mp_message *msg = NULL;
	struct mp_error err;
	char *raw, *out, name[40];
	size_t len, olen, n;

	(void)state;
	sms_init(&in);
	/* the phone typed the line its picture gets: that one stays */
	in.text = "see [image: https://m.example.com/1.jpg]";
	in.media = md;
	in.nmedia = 3;
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_null(strstr(raw, MP_MEDIA_HEADER));
	mp_media_wanted(raw, len, links, MP_MEDIA_MAX, &n);
	assert_int_equal(n, 0);
	free(raw);

	in.fetch_media = true;
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	mp_media_wanted(raw, len, links, MP_MEDIA_MAX, &n);
	assert_int_equal(n, 2); /* a URL with a space is only linked */
	assert_string_equal(links[0].url, "https://m.example.com/1.jpg");
	assert_string_equal(links[0].content_type, "image/jpeg");
	assert_string_equal(links[1].url, "https://m.example.com/3.gif");
	assert_string_equal(links[1].content_type, "image/gif");
	/* never more than asked for */
	mp_media_wanted(raw, len, links, 1, &n);
	assert_int_equal(n, 1);

	mp_media_wanted(raw, len, links, MP_MEDIA_MAX, &n);
	assert_int_equal(
	    mp_media_resolve(raw, len, links, res, 2, &out, &olen, &err),
	    MP_OK);
	assert_lines_short(out);
	assert_null(strstr(out, MP_MEDIA_HEADER));
	assert_int_equal(mp_parse(out, olen, NULL, &msg, &err), MP_OK);
	assert_string_equal(msg->message_id, "abc123@sms.example.com");
	assert_string_equal(msg->tag, "k7q2mx4zab");
	assert_body_is(msg->body, "see [image: https://m.example.com/1.jpg]\n\n"
				  "[image attached: image1.png]\n\n"
				  "[image: https://m.example.com/a b.png]\n\n"
				  "[image: https://m.example.com/3.gif]\n"
				  "(not attached: the provider answered 404)");
	assert_int_equal(msg->nattachments, 1);
	assert_string_equal(msg->attachments[0].content_type, "image/png");
	assert_string_equal(msg->attachments[0].filename, "image1.png");
	assert_int_equal(msg->attachments[0].size, sizeof(png));
	assert_memory_equal(msg->attachments[0].data, png, sizeof(png));
	mp_message_free(&msg);
	free(out);
	free(raw);

	mp_media_filename("image/jpeg", 1, name, sizeof(name));
	assert_string_equal(name, "image1.jpg");
	mp_media_filename("audio/mpeg", 1, name, sizeof(name));
	assert_string_equal(name, "recording1.mp3");
	mp_media_filename("application/x-what", 2, name, sizeof(name));
	assert_string_equal(name, "file2.bin");
}

static void
voicemail_mail(void **state)
{
	static const unsigned char wav[] = {'R', 'I', 'F', 'F', 4,   0,
					    0,	 0,   'W', 'A', 'V', 'E'};
	struct mp_media md = {.content_type = "audio/wav",
			      .filename = "voicemail.wav",
			      .data = wav,
			      .size = sizeof(wav)};
	struct mp_sms_mail in;
	struct mp_message *msg = NULL;
	struct mp_error err;
	char *raw;
	size_t len;

	(void)state;
	sms_init(&in);
	in.contact_name = "Bob";
	in.text = "Hi, it's Bob, call me back about Friday.";
	in.voicemail = "0:42\r\nBcc: x@example.net";
	in.media = &md;
	in.nmedia = 1;
	assert_int_equal(mp_compose_sms(&in, &raw, &len, &err), MP_OK);
	assert_lines_short(raw);
	assert_false(has_header(raw, "Bcc"));
	assert_true(
	    has_header(raw, "X-SMS-Voicemail: 0:42 Bcc: x@example.net"));
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_string_equal(msg->subject,
			    "Voicemail from Bob (0:42 Bcc: x@example.net) "
			    "[#k7q2mx4zab]");
	assert_body_is(msg->body, in.text);
	assert_int_equal(msg->nattachments, 1);
	assert_false(msg->attachments[0].image);
	assert_string_equal(msg->attachments[0].content_type, "audio/wav");
	assert_memory_equal(msg->attachments[0].data, wav, sizeof(wav));
	mp_message_free(&msg);
	free(raw);
}

/* a client's reply to a composed mail names its thread by the address */
static void
reply_by_address(void **state)
{
	static const char reply[] =
	    "From: Alice <alice@example.com>\r\n"
	    "To: \"Bob (+1 202-555-0143)\" "
	    "<12025550143+k7q2mx4zab@sms.example.com>\r\n"
	    "Cc: alice+newsletter@example.com\r\n"
	    "Subject: Re: dinner\r\n"
	    "Message-ID: <r1@example.com>\r\n"
	    "In-Reply-To: <abc123@sms.example.com>\r\n\r\n"
	    "Sure.\r\n";
	static const char other[] =
	    "From: Alice <alice@example.com>\r\n"
	    "To: alice+newsletter@example.com, 555+short@example.com\r\n"
	    "Subject: hello\r\n\r\nHi\r\n";
	struct mp_message *msg = NULL;
	struct mp_error err;

	(void)state;
	assert_int_equal(mp_parse(reply, sizeof(reply) - 1, NULL, &msg, &err),
			 MP_OK);
	assert_string_equal(msg->tag, "k7q2mx4zab");
	assert_string_equal(msg->in_reply_to, "abc123@sms.example.com");
	mp_message_free(&msg);
	assert_int_equal(mp_parse(other, sizeof(other) - 1, NULL, &msg, &err),
			 MP_OK);
	assert_string_equal(msg->tag, "");
	mp_message_free(&msg);

	/* folding between quoted words, and controls, never reach a value */
	{
		static const char folded[] =
		    "From: \"Ann [#x\"\r\n\t\"Lee\" <ann@example.com>\r\n"
		    "Subject: a\tb\r\n  c\r\n\r\nHi\r\n";

		assert_int_equal(
		    mp_parse(folded, sizeof(folded) - 1, NULL, &msg, &err),
		    MP_OK);
		assert_string_equal(msg->from_name, "Ann [#x Lee");
		assert_string_equal(msg->subject,
				    "a b  c"); /* RFC 5322 unfolding */
		mp_message_free(&msg);
	}
}

static void
dsn(void **state)
{
	struct mp_dsn in = {
	    .from = "postmaster@example.com",
	    .to = "alice@example.com",
	    .sms_domain = "sms.example.com",
	    .phone = "+12025550143",
	    .phone_display = "+1 202-555-0143",
	    .text = "Running late, start without me",
	    .parts_done = 1,
	    .parts_total = 3,
	    .carrier_code = "30008",
	    .message_id = "dsn1@sms.example.com",
	    .original_id = "orig@example.com",
	    .date = 1790000000,
	};
	struct mp_message *msg = NULL;
	struct mp_error err;
	char *raw;
	size_t len;

	(void)state;
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, &err), MP_OK);
	assert_lines_short(raw);
	assert_non_null(strstr(raw, "multipart/report"));
	assert_non_null(strstr(raw, "report-type=delivery-status"));
	assert_non_null(strstr(raw, "Content-Type: message/delivery-status"));
	assert_non_null(strstr(raw, "Reporting-MTA: dns; sms.example.com"));
	assert_non_null(strstr(
	    raw, "Final-Recipient: rfc822; 12025550143@sms.example.com"));
	assert_non_null(strstr(raw, "Action: failed"));
	assert_non_null(strstr(raw, "Status: 5.0.0"));
	assert_non_null(
	    strstr(raw, "Diagnostic-Code: X-SMS; 30008 unknown error"));
	assert_true(has_header(raw, "Auto-Submitted: auto-replied"));
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_non_null(strstr(msg->body, "was not delivered (1 of 3 parts"));
	assert_non_null(strstr(msg->body, "30008, unknown error"));
	assert_non_null(strstr(msg->body, "Running late, start without me"));
	assert_string_equal(msg->in_reply_to, "orig@example.com");
	assert_string_equal(msg->subject,
			    "Not delivered: text to +1 202-555-0143");
	mp_message_free(&msg);
	free(raw);

	in.carrier_code = "21617";
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, &err), MP_OK);
	assert_non_null(strstr(raw, "message too long"));
	free(raw);

	in.delivered = true;
	in.parts_done = 3;
	in.carrier_code = NULL;
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, &err), MP_OK);
	assert_non_null(strstr(raw, "Action: delivered"));
	assert_non_null(strstr(raw, "Status: 2.0.0"));
	assert_null(strstr(raw, "Diagnostic-Code"));
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_non_null(strstr(msg->body, "delivered, 3/3 parts"));
	mp_message_free(&msg);
	free(raw);

	assert_string_equal(mp_carrier_error("undeliv"),
			    "the carrier could not deliver it");
	assert_null(mp_carrier_error("99999"));
	in.to = "alice@example.com\r\nBcc: x@example.net";
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, &err), MP_EPARSE);
}

/*
 * dsn_envid_ret - issue 18 (12): Original-Envelope-Id only from ENVID=
 * (never the Message-ID), and the returned part as RET= asks
 */
static void
dsn_envid_ret(void **state)
{
	static const char mail[] = "From: alice@example.com\r\n"
				   "Subject: hello\r\n"
				   "Message-ID: <orig@example.com>\r\n"
				   "\r\n"
				   "the body of the mail\r\n";
	struct mp_dsn in = {
	    .from = "postmaster@example.com",
	    .to = "alice@example.com",
	    .sms_domain = "sms.example.com",
	    .phone = "+12025550143",
	    .text = "hello",
	    .parts_total = 1,
	    .reason = "552 5.3.4 too long",
	    .message_id = "dsn2@sms.example.com",
	    .original_id = "orig@example.com",
	    .date = 1790000000,
	};
	char *raw, *at;
	size_t len, n;
	bool full;

	(void)state;
	/* no ENVID, no returned part */
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, NULL), MP_OK);
	assert_null(strstr(raw, "Original-Envelope-Id"));
	assert_null(strstr(raw, "rfc822-headers"));
	assert_null(strstr(raw, "message/rfc822"));
	free(raw);

	/* ENVID, and the headers (RET=HDRS, or no RET) */
	n = mp_returned(mail, strlen(mail), false, &full);
	assert_false(full);
	assert_int_equal(n, strstr(mail, "\r\n\r\n") - mail + 2);
	in.envid = "QQ+123";
	in.returned = mail;
	in.returned_len = n;
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, NULL), MP_OK);
	assert_non_null(strstr(raw, "Original-Envelope-Id: QQ+123\r\n"));
	at = strstr(raw, "Content-Type: text/rfc822-headers");
	assert_non_null(at);
	assert_non_null(strstr(at, "Subject: hello"));
	assert_null(strstr(at, "the body of the mail"));
	assert_null(strstr(raw, "message/rfc822"));
	free(raw);

	/* RET=FULL: the whole mail */
	n = mp_returned(mail, strlen(mail), true, &full);
	assert_true(full);
	assert_int_equal(n, strlen(mail));
	in.returned_len = n;
	in.returned_full = true;
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, NULL), MP_OK);
	at = strstr(raw, "Content-Type: message/rfc822");
	assert_non_null(at);
	assert_non_null(strstr(at, "the body of the mail"));
	free(raw);

	/* an ENVID that would break the header line is left out */
	in.envid = "a\r\nBcc: x@example.net";
	assert_int_equal(mp_compose_dsn(&in, &raw, &len, NULL), MP_OK);
	assert_null(strstr(raw, "Original-Envelope-Id"));
	free(raw);
}

/* notice - a sender told what the phone did not get */
static void
notice(void **state)
{
	struct mp_notice in = {
	    .from = "MAILER-DAEMON@sms.example.com",
	    .to = "alice@example.com",
	    .phones = "+1 202-555-0143",
	    .subject = "files",
	    .notice = "2 attachments (a.jpg, b.pdf) were not sent: this site "
		      "cannot send pictures or files yet",
	    .text = "files: see attached",
	    .message_id = "n1@sms.example.com",
	    .original_id = "orig@example.com",
	    .date = 1790000000,
	};
	struct mp_message *msg = NULL;
	struct mp_error err;
	char *raw;
	size_t len;

	(void)state;
	assert_int_equal(mp_compose_notice(&in, &raw, &len, &err), MP_OK);
	assert_lines_short(raw);
	assert_true(has_header(raw, "Auto-Submitted: auto-replied"));
	assert_true(has_header(raw, "X-SMS-Report: notice"));
	assert_int_equal(mp_parse(raw, len, NULL, &msg, &err), MP_OK);
	assert_non_null(strstr(msg->body, "2 attachments (a.jpg, b.pdf) were "
					  "not sent"));
	assert_non_null(strstr(msg->body, "files: see attached"));
	assert_string_equal(msg->in_reply_to, "orig@example.com");
	mp_message_free(&msg);
	free(raw);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
message_ids(void **state)
{
	enum { N = 2000 };
	static char ids[N][64];
	char *p[N], buf[8];
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		assert_int_equal(mp_new_message_id("sms.example.com", ids[i],
						   sizeof(ids[i])),
				 MP_OK);
		assert_int_equal(strchr(ids[i], '@') - ids[i], 26);
		assert_string_equal(strchr(ids[i], '@'), "@sms.example.com");
		p[i] = ids[i];
	}
	qsort(p, N, sizeof(*p), cmp_str);
	for (i = 1; i < N; i++)
		assert_string_not_equal(p[i - 1], p[i]);
	assert_int_equal(mp_new_message_id("bad domain", ids[0], 64),
			 MP_EPARSE);
	assert_int_equal(mp_new_message_id("example.com", buf, sizeof(buf)),
			 MP_ETOOBIG);
}

/* next_rand - xorshift64: the same made-up fields on every run */
static unsigned
next_rand(uint64_t *x, unsigned n)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (unsigned)(*x % n);
}

/* made_up - len characters of set into b (size) */
static void
made_up(uint64_t *x, char *b, size_t size, const char *set, unsigned len)
{
	size_t n = 0, k = strlen(set);

	while (n < len && n + 1 < size)
		b[n++] = set[next_rand(x, (unsigned)k)];
	b[n] = '\0';
}

/*
 * plain_as_gmime - the mails mp_compose_sms writes without gmime are
 * gmime's, byte for byte: names, subjects, texts, ids, addresses and
 * dates made up (plain and not), both ways compared
 */
static void
plain_as_gmime(void **state)
{
	static const char *const names[] = {
	    "abc XYZ 019",
	    "0123456789 +-",
	    "abc+-.()\"",
	    "ab cd  ef\t",
	    "a\xc3\xa9 \xc3\xbc\xf0\x9f\x98\x80",
	    "=?abc?=",
	    "abcdefghijklmnopqrstuvwxyz"};
	static const char *const texts[] = {
	    "abc def\n",  "a=b c\r\n", "abc \t\n",
	    ".\n.abc\n",  "x",	       "\xc3\xa9\xf0\x9f\x98\x80 a",
	    "From abc\n", "-\n",       "\r"};
	static const char *const tos[] = {
	    "alice@example.com", "Alice_B+x@Example.COM",
	    "a.very.long.mailbox.name.of.someone@some.subdomain.example.com"};
	uint64_t x = 88172645463325252ULL;
	unsigned i, plain = 0;

	(void)state;
	for (i = 0; i < 4000; i++) {
		char name[100], subject[100], text[500], tag[16], irt[100];
		const char *refs[2] = {irt, "second@x.example"};
		struct mp_sms_mail in = {
		    .phone = next_rand(&x, 5) == 0 ? "SHORT1"
			     : next_rand(&x, 2)	   ? "+12025550143"
						   : "447700900123",
		    .phone_display =
			next_rand(&x, 2) ? "+1 202-555-0143" : NULL,
		    .our_number = next_rand(&x, 3) ? "+12025550100" : NULL,
		    .sms_domain = next_rand(&x, 6) == 0
				      ? "sms.a-rather-long-domain-name-for-"
					"texts.example.org"
				      : "sms.example.com",
		    .to = tos[next_rand(&x, 3)],
		    .message_id = "gcm6m7jj72qumtjeno7nn33leg@sms.example.com",
		    .references = refs,
		    .segments = next_rand(&x, 4),
		    .date = 1700000000LL + next_rand(&x, 100000000),
		    .voicemail = next_rand(&x, 10) == 0 ? "0:42" : NULL,
		};
		char *a = NULL, *b = NULL, *c = NULL;
		size_t alen = 0, blen = 0, clen = 0;
		struct mp_error err;

		made_up(&x, name, sizeof(name), names[next_rand(&x, 7)],
			next_rand(&x, 5) ? next_rand(&x, 20)
					 : next_rand(&x, 70));
		made_up(&x, subject, sizeof(subject), names[next_rand(&x, 7)],
			next_rand(&x, 4) ? next_rand(&x, 30)
					 : next_rand(&x, 90));
		made_up(&x, text, sizeof(text), texts[next_rand(&x, 9)],
			next_rand(&x, 3) ? next_rand(&x, 60)
					 : next_rand(&x, 400));
		made_up(&x, tag, sizeof(tag), "abcdefghijkmnpqrstuvwxyz2345",
			next_rand(&x, 4) ? 12 : 0);
		made_up(&x, irt, sizeof(irt), "abcdefghijkmnpqrstuvwxyz2345",
			next_rand(&x, 3) ? 26 + next_rand(&x, 40) : 0);
		if (irt[0])
			strcat(irt, "@sms.example.com");
		in.contact_name = next_rand(&x, 2) ? name : NULL;
		in.last_subject = next_rand(&x, 2) ? subject : NULL;
		in.tag = tag[0] ? tag : NULL;
		in.in_reply_to = irt[0] ? irt : NULL;
		in.nreferences = irt[0] ? 1 + (next_rand(&x, 4) == 0) : 0;
		in.text = text;
		assert_int_equal(mp_compose_sms(&in, &a, &alen, &err), MP_OK);
		assert_int_equal(mp_compose_sms_gmime(&in, &b, &blen, &err),
				 MP_OK);
		if (alen != blen || memcmp(a, b, alen))
			fail_msg("written without gmime:\n%s\ngmime:\n%s", a,
				 b);
		/* the common case: written without gmime, the same */
		if (!in.contact_name && in.phone_display && !in.last_subject &&
		    !in.in_reply_to && !in.voicemail && in.tag &&
		    !strcmp(in.phone, "+12025550143") &&
		    !strcmp(in.sms_domain, "sms.example.com")) {
			char subj[64], reply[80];

			snprintf(subj, sizeof(subj), "SMS from %s [#%s]",
				 in.phone_display, tag);
			snprintf(reply, sizeof(reply),
				 "12025550143+%s@sms.example.com", tag);
			assert_true(mp_plain_sms(&in, in.phone_display, subj,
						 "12025550143@sms.example.com",
						 reply, &c, &clen));
			assert_int_equal(clen, blen);
			assert_memory_equal(c, b, blen);
			free(c);
			plain++;
		}
		free(a);
		free(b);
	}
	assert_true(plain > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(no_injection),
	    cmocka_unit_test(media),
	    cmocka_unit_test(media_fetched),
	    cmocka_unit_test(dsn),
	    cmocka_unit_test(dsn_envid_ret),
	    cmocka_unit_test(notice),
	    cmocka_unit_test(message_ids),
	    cmocka_unit_test(random_fields),
	    cmocka_unit_test(voicemail_mail),
	    cmocka_unit_test(reply_by_address),
	    cmocka_unit_test(plain_as_gmime),
	};

	mp_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
