/*
 * NAME
 *	fuzz_mailparse - libFuzzer target: any bytes as a mail message
 * DESCRIPTION
 *	mp_parse() with small limits, then the reply cleaner over the body,
 *	with and without a sender name. Checks that every string it gives
 *	is valid UTF-8 and that the cleaner never empties a body that had
 *	words.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mailparse/mailparse.h"
#include "tests/fuzz/fuzz.h"

/* has_words - some letter or digit */
static int
has_words(const char *s)
{
	for (; *s; s++)
		if (g_ascii_isalnum(*s) || (unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct mp_opts o;
	struct mp_message *m;
	struct mp_error err;
	char *v;
	size_t i;

	if (!ready) {
		mp_init();
		ready = 1;
	}
	mp_opts_init(&o);
	o.max_size = 1 << 20;
	o.max_depth = 8;
	if (mp_parse((const char *)data, size, &o, &m, &err) != MP_OK) {
		CHECK(err.msg[0] != '\0');
		return 0;
	}
	CHECK(g_utf8_validate(m->body, -1, NULL));
	CHECK(g_utf8_validate(m->subject, -1, NULL));
	CHECK(g_utf8_validate(m->html, -1, NULL));
	for (i = 0; i < m->nattachments; i++)
		CHECK(m->attachments[i].data != NULL);
	v = mp_visible_text(m->body, NULL, NULL);
	CHECK(v != NULL);
	CHECK(g_utf8_validate(v, -1, NULL));
	if (has_words(m->body))
		CHECK(has_words(v));
	free(v);
	v = mp_visible_text(m->body, m->from_name, NULL);
	CHECK(v != NULL);
	free(v);
	mp_message_free(&m);
	return 0;
}
