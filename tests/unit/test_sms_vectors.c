/*
 * NAME
 *	test_sms_vectors - agree with the independent segment vectors
 * DESCRIPTION
 *	Reads ../shared/vectors/segments.jsonl (or $SMS_VECTORS): each line
 *	gives a text and the encoding, length, segments and part lengths
 *	that 3GPP TS 23.038/23.040 give it (where the npm peers disagree
 *	with the rules, the line says so and the rules win). Every line
 *	must agree. Skips, saying so, when the file is absent.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms/sms.h"
#include "tests/unit/test_sms.h"

/* check_line - compare one vector; returns 0 or 1 (printed mismatch) */
static int
check_line(json_t *v, size_t lineno)
{
	const char *name = json_string_value(json_object_get(v, "name"));
	json_t *text = json_object_get(v, "text");
	json_t *lens = json_object_get(v, "part_lengths");
	struct sms_opts o;
	struct sms_error err;
	struct sms_plan *p;
	size_t i;
	int bad = 0;

	sms_opts_init(&o);
	o.smart = false; /* vectors are texts as sent */
	p = sms_plan_new(json_string_value(text), json_string_length(text), &o,
			 &err);
	if (!p) {
		print_error("line %zu %s: %s\n", lineno, name, err.msg);
		return 1;
	}
	if (strcmp(sms_encoding_name(p->encoding),
		   json_string_value(json_object_get(v, "encoding"))) != 0 ||
	    p->length != json_integer_value(json_object_get(v, "length")) ||
	    p->nparts != json_integer_value(json_object_get(v, "segments")) ||
	    p->nparts != json_array_size(lens))
		bad = 1;
	for (i = 0; !bad && i < p->nparts; i++)
		if (p->parts[i].length !=
		    json_integer_value(json_array_get(lens, i)))
			bad = 1;
	if (bad)
		print_error("line %zu %s: got %s length %u segments %u\n",
			    lineno, name, sms_encoding_name(p->encoding),
			    p->length, p->nparts);
	sms_plan_free(&p);
	return bad;
}

static void
vectors_agree(void **state)
{
	const char *path = getenv("SMS_VECTORS");
	char line[65536];
	size_t lineno = 0, checked = 0, bad = 0;
	FILE *fp;

	(void)state;
	if (!path)
		path = "../shared/vectors/segments.jsonl";
	fp = fopen(path, "r");
	if (!fp) {
		print_message("skip: %s not found (set SMS_VECTORS)\n", path);
		skip();
	}
	while (fgets(line, sizeof(line), fp)) {
		json_error_t jerr;
		json_t *v;

		lineno++;
		if (line[0] == '\n')
			continue;
		v = json_loads(line, 0, &jerr);
		if (!v)
			fail_msg("%s:%zu: %s", path, lineno, jerr.text);
		bad += (size_t)check_line(v, lineno);
		checked++;
		json_decref(v);
	}
	fclose(fp);
	print_message("vectors: %zu checked, %zu disagree\n", checked, bad);
	assert_true(checked >= 100);
	assert_int_equal(bad, 0);
}

int
test_sms_vectors(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vectors_agree),
	};

	return cmocka_run_group_tests_name("sms vectors", tests, NULL, NULL);
}
