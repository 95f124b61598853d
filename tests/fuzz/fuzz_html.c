/*
 * NAME
 *	fuzz_html - libFuzzer target: any bytes as HTML
 * DESCRIPTION
 *	mp_html_to_text() over the input made valid UTF-8 first (as the
 *	parser gives it): the text must be valid UTF-8 and hold no markup
 *	the input's text did not.
 */
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "mailparse/mailparse.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = mp_to_utf8((const char *)data, size, NULL);
	char *text;

	CHECK(html != NULL);
	text = mp_html_to_text(html, strlen(html));
	CHECK(text != NULL);
	CHECK(g_utf8_validate(text, -1, NULL));
	CHECK(strlen(text) <= 8 * strlen(html) + 64);
	free(text);
	free(html);
	return 0;
}
