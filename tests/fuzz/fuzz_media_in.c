/*
 * NAME
 *	fuzz_media_in - libFuzzer target: hostile media links of an MMS
 *	through compose, mp_media_wanted and mp_media_resolve
 * DESCRIPTION
 *	The input, cut at its first three NUL bytes, is the text of an
 *	MMS, two media URLs (as a provider's webhook gives them) and a
 *	byte whose bits say which files came (the others get a note),
 *	of what type, and whether the text is also their file name.
 *	mp_compose_sms() with fetch_media must name exactly the fetchable
 *	URLs (http or https, printable, at most MP_MEDIA_URL_MAX), byte
 *	for byte, in order, and mp_media_wanted() give them back so;
 *	mp_media_resolve() must leave no MP_MEDIA_HEADER, keep the mail's
 *	ids and tag, attach exactly the files that came with their bytes,
 *	and keep its lines under 79 characters.
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/mailparse.h"
#include "tests/fuzz/fuzz.h"

/* fetchable - what compose may name in MP_MEDIA_HEADER */
static int
fetchable(const char *u)
{
	size_t n = strlen(u), i;

	if (n == 0 || n > MP_MEDIA_URL_MAX ||
	    (strncasecmp(u, "https://", 8) && strncasecmp(u, "http://", 7)))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *buf, *field[4], *raw, *out, *p, *nl;
	struct mp_sms_mail in = {0};
	struct mp_media media[2];
	struct mp_media_link links[MP_MEDIA_MAX];
	struct mp_media_result res[MP_MEDIA_MAX];
	struct mp_message *m;
	struct mp_error err;
	size_t len, olen, n, want = 0, i, k, attached = 0;
	unsigned flags;
	/* none of them a text part mp_parse could take for the body */
	static const char *const types[] = {
	    NULL, "image/png", "application/pdf", "image/png;\r\nBcc: x@y"};

	if (!ready) {
		mp_init();
		ready = 1;
	}
	if (size > 4096)
		return 0;
	buf = calloc(1, size + 5);
	CHECK(buf != NULL);
	memcpy(buf, data, size);
	field[0] = buf;
	for (i = 1; i < 4; i++) {
		field[i] = field[i - 1] + strlen(field[i - 1]) + 1;
		if (field[i] > buf + size)
			field[i] = buf + size + 1; /* "" */
	}
	flags = (unsigned char)field[3][0];
	for (i = 0; i < 2; i++)
		media[i] = (struct mp_media){
		    .content_type = i ? "audio/mpeg" : "image/jpeg",
		    .url = field[i + 1],
		};
	in.phone = "+12025550143";
	in.sms_domain = "sms.example.com";
	in.to = "alice@example.com";
	in.tag = "abcdefgh";
	in.message_id = "m1@sms.example.com";
	in.text = field[0];
	in.media = media;
	in.nmedia = 2;
	in.fetch_media = true;
	in.date = 1790000000;
	CHECK(mp_compose_sms(&in, &raw, &len, &err) == MP_OK);
	mp_media_wanted(raw, len, links, MP_MEDIA_MAX, &n);
	for (i = 0, k = 0; i < 2; i++) {
		if (!fetchable(media[i].url))
			continue;
		CHECK(k < n);
		CHECK(strcmp(links[k].url, media[i].url) == 0);
		k++;
	}
	CHECK(k == n);
	for (i = 0; i < n; i++) {
		bool came = (flags >> i) & 1;

		res[i] = (struct mp_media_result){
		    .data = came ? (const unsigned char *)links[i].url : NULL,
		    .size = came ? strlen(links[i].url) : 0,
		    .content_type = types[(flags >> 2) & 3],
		    .filename = (flags & 8) ? field[0] : "image1.jpg",
		    .note = field[0],
		};
		attached += came;
		want += came ? strlen(links[i].url) : 0;
	}
	if (n == 0) {
		free(raw);
		free(buf);
		return 0;
	}
	CHECK(mp_media_resolve(raw, len, links, res, n, &out, &olen, &err) ==
	      MP_OK);
	CHECK(olen == strlen(out));
	for (p = out; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
		CHECK((size_t)(nl - p) <= 78);
	/* none in the head (the text may hold the words) */
	p = strstr(out, "\r\n\r\n");
	CHECK(p != NULL);
	*p = '\0';
	CHECK(!strcasestr(out, "\n" MP_MEDIA_HEADER ":") &&
	      strncasecmp(out, MP_MEDIA_HEADER ":", strlen(MP_MEDIA_HEADER)));
	*p = '\r';
	CHECK(mp_parse(out, olen, NULL, &m, &err) == MP_OK);
	CHECK(strcmp(m->tag, "abcdefgh") == 0);
	CHECK(strcmp(m->message_id, "m1@sms.example.com") == 0);
	CHECK(m->nattachments == attached);
	for (i = 0, k = 0; i < m->nattachments; i++)
		k += m->attachments[i].size;
	CHECK(k == want);
	mp_message_free(&m);
	free(out);
	free(raw);
	free(buf);
	return 0;
}
