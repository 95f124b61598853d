/*
 * NAME
 *	fuzz_compose - libFuzzer target: hostile SMS fields into mail
 * DESCRIPTION
 *	The input, cut at its first two NUL bytes, is a contact name, the
 *	thread's last subject and the text of an SMS. What mp_compose_sms()
 *	writes must have CRLF lines under 79 characters, only the headers
 *	compose writes, and read back (mp_parse) with the same tag, ids and
 *	From address; a text that is plain valid UTF-8 must come back as
 *	it went. What it writes without gmime (plain.c) must be what
 *	gmime writes, byte for byte.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "mailparse/compose_int.h"
#include "mailparse/mailparse.h"
#include "tests/fuzz/fuzz.h"

/* known_header - a header line compose may write */
static int
known_header(const char *line)
{
	static const char *const names[] = {
	    "Date:",	       "From:",
	    "Reply-To:",       "To:",
	    "Subject:",	       "Message-Id:",
	    "In-Reply-To:",    "References:",
	    "Auto-Submitted:", "X-SMS-From:",
	    "X-SMS-To:",       "X-SMS-Thread:",
	    "X-SMS-Segments:", "MIME-Version:",
	    "Content-Type:",   "Content-Transfer-Encoding:"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncasecmp(line, names[i], strlen(names[i])))
			return 1;
	return 0;
}

/* plain_text - valid UTF-8 that compose and parse keep byte for byte */
static int
plain_text(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!g_utf8_validate(s, -1, NULL) || strchr(s, '\r') ||
	    !strncmp(s, "\xEF\xBB\xBF", 3))
		return 0;
	for (; *u; u++)
		if (*u == 0xC2 && u[1] >= 0x80 && u[1] < 0xA0)
			return 0; /* C1 controls: read as Windows-1252 */
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *buf, *name, *subject, *text, *raw, *p, *nl, *end, *ref;
	struct mp_sms_mail in = {0};
	struct mp_message *m;
	struct mp_error err;
	size_t len, n, reflen;

	if (!ready) {
		mp_init();
		ready = 1;
	}
	if (size > 4096)
		return 0;
	buf = calloc(1, size + 3);
	CHECK(buf != NULL);
	memcpy(buf, data, size);
	name = buf;
	subject = name + strlen(name) + 1;
	text = subject <= buf + size ? subject + strlen(subject) + 1 : subject;
	if (subject > buf + size)
		subject = buf + size + 1;
	if (text > buf + size)
		text = buf + size + 1;

	in.phone = "+12025550143";
	in.phone_display = "+1 202-555-0143";
	in.our_number = "+12025550100";
	in.sms_domain = "sms.example.com";
	in.to = "alice@example.com";
	in.tag = "abcdefgh";
	in.message_id = "m1@sms.example.com";
	in.in_reply_to = "m0@sms.example.com";
	in.contact_name = name;
	in.last_subject = *subject ? subject : NULL;
	in.text = text;
	in.date = 1790000000;
	CHECK(mp_compose_sms(&in, &raw, &len, &err) == MP_OK);
	CHECK(len == strlen(raw));
	CHECK(mp_compose_sms_gmime(&in, &ref, &reflen, &err) == MP_OK);
	CHECK(reflen == len && memcmp(ref, raw, len) == 0);
	free(ref);
	end = strstr(raw, "\r\n\r\n");
	CHECK(end != NULL);
	for (p = raw; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2) {
		n = (size_t)(nl - p);
		CHECK(n <= 78);
		CHECK(!memchr(p, '\n', n) && !memchr(p, '\r', n));
		if (p <= end && n > 0 && p[0] != ' ' && p[0] != '\t')
			CHECK(known_header(p));
	}
	CHECK(mp_parse(raw, len, NULL, &m, &err) == MP_OK);
	CHECK(strcmp(m->tag, "abcdefgh") == 0);
	CHECK(strcmp(m->message_id, "m1@sms.example.com") == 0);
	CHECK(strcmp(m->in_reply_to, "m0@sms.example.com") == 0);
	CHECK(strcmp(m->from_addr, "12025550143@sms.example.com") == 0);
	CHECK(!strpbrk(m->subject, "\r\n") && !strpbrk(m->from_name, "\r\n"));
	if (plain_text(text)) {
		n = strlen(text);
		CHECK(strncmp(m->body, text, n) == 0);
		CHECK(m->body[n] == '\0' ||
		      (m->body[n] == '\n' && m->body[n + 1] == '\0'));
	}
	mp_message_free(&m);
	free(raw);
	free(buf);
	return 0;
}
