/*
 * NAME
 *	test_sms_udh - concatenation UDH and reassembly
 */
#include <string.h>

#include "sms/sms.h"
#include "tests/unit/test_sms.h"

static void
build_and_parse(void **state)
{
	static const uint8_t want8[] = {0x05, 0x00, 0x03, 0x42, 0x03, 0x02},
			     want16[] = {0x06, 0x08, 0x04, 0x12,
					 0x34, 0x03, 0x02};
	struct sms_concat c8 = {0x42, 3, 2, false}, c16 = {0x1234, 3, 2, true};
	struct sms_udh u;
	uint8_t out[16];

	(void)state;
	assert_int_equal(sms_udh_build(&c8, out, sizeof(out)), 6);
	assert_memory_equal(out, want8, 6);
	assert_int_equal(sms_udh_parse(out, 6, &u, NULL), SMS_OK);
	assert_true(u.concat_ok);
	assert_int_equal(u.len, 6);
	assert_int_equal(u.concat.ref, 0x42);
	assert_int_equal(u.concat.total, 3);
	assert_int_equal(u.concat.seq, 2);
	assert_false(u.concat.ref16);

	assert_int_equal(sms_udh_build(&c16, out, sizeof(out)), 7);
	assert_memory_equal(out, want16, 7);
	assert_int_equal(sms_udh_parse(out, 7, &u, NULL), SMS_OK);
	assert_int_equal(u.concat.ref, 0x1234);
	assert_true(u.concat.ref16);
	assert_int_equal(sms_udh_fill_bits(7), 0);

	/* bad fields and short buffers */
	c8.seq = 4;
	assert_int_equal(sms_udh_build(&c8, out, sizeof(out)), 0);
	c8.seq = 1;
	c8.ref = 256;
	assert_int_equal(sms_udh_build(&c8, out, sizeof(out)), 0);
	assert_int_equal(sms_udh_build(&c16, out, 6), 0);
}

static void
parse_with_other_elements(void **state)
{
	/* application port addressing (IEI 0x05) before the concat element */
	static const uint8_t ud[] = {0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0,
				     0x00, 0x03, 0x07, 0x02, 0x01, 'h',	 'i'};
	struct sms_udh u;

	(void)state;
	assert_int_equal(sms_udh_parse(ud, sizeof(ud), &u, NULL), SMS_OK);
	assert_int_equal(u.len, 12);
	assert_true(u.concat_ok);
	assert_int_equal(u.concat.ref, 7);
	assert_int_equal(u.concat.seq, 1);
}

static void
parse_rejects(void **state)
{
	static const struct {
		uint8_t ud[8];
		size_t len;
		const char *why;
	} bad[] = {
	    {{0x05, 0x00, 0x03, 0x01}, 4, "exceeds"},
	    {{0x01, 0x00}, 2, "truncated"},
	    {{0x03, 0x00, 0x03, 0x01}, 4, "overruns"},
	    {{0x04, 0x00, 0x02, 0x01, 0x02}, 5, "length 2"},
	    {{0x05, 0x00, 0x03, 0x01, 0x02, 0x00}, 6, "part 0 of 2"},
	    {{0x05, 0x00, 0x03, 0x01, 0x02, 0x03}, 6, "part 3 of 2"},
	    {{0x05, 0x00, 0x03, 0x01, 0x00, 0x01}, 6, "part 1 of 0"},
	    {{0}, 0, "missing"},
	};
	struct sms_error err;
	struct sms_udh u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sms_udh_parse(bad[i].ud, bad[i].len, &u, &err),
				 SMS_EINVAL);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg,
				 bad[i].why);
	}
}

static void
reassembly(void **state)
{
	struct sms_concat c = {9, 3, 0, false};
	struct sms_reasm r;
	struct sms_error err;
	uint8_t out[32];
	unsigned missing[4];
	size_t n;

	(void)state;
	sms_reasm_init(&r, &c);
	c.seq = 3;
	assert_int_equal(sms_reasm_add(&r, &c, (const uint8_t *)"ghi", 3, &err),
			 SMS_REASM_ADDED);
	c.seq = 1;
	assert_int_equal(sms_reasm_add(&r, &c, (const uint8_t *)"abc", 3, &err),
			 SMS_REASM_ADDED);
	assert_int_equal(sms_reasm_add(&r, &c, (const uint8_t *)"abc", 3, &err),
			 SMS_REASM_DUPLICATE);
	assert_int_equal(sms_reasm_add(&r, &c, (const uint8_t *)"abX", 3, &err),
			 SMS_EINVAL);
	assert_non_null(strstr(err.msg, "different"));
	assert_int_equal(sms_reasm_missing(&r, missing, 4), 1);
	assert_int_equal(missing[0], 2);
	assert_int_equal(sms_reasm_join(&r, out, sizeof(out), &n), SMS_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "abcghi", 6);

	/* another message's part */
	c.ref = 10;
	c.seq = 2;
	assert_int_equal(sms_reasm_add(&r, &c, (const uint8_t *)"def", 3, &err),
			 SMS_EINVAL);
	c.ref = 9;
	c.seq = 4;
	assert_int_equal(sms_reasm_add(&r, &c, (const uint8_t *)"def", 3, &err),
			 SMS_EINVAL);
	c.seq = 2;
	assert_int_equal(sms_reasm_add(&r, &c, (const uint8_t *)"def", 3, &err),
			 SMS_REASM_COMPLETE);
	assert_int_equal(sms_reasm_missing(&r, missing, 4), 0);
	assert_int_equal(sms_reasm_join(&r, out, sizeof(out), &n), SMS_OK);
	assert_memory_equal(out, "abcdefghi", 9);
	assert_int_equal(sms_reasm_join(&r, out, 8, &n), SMS_ESPACE);
}

static void
split_and_reassemble(void **state)
{
	/* plan -> UDH + packed septets per part -> parse -> reassemble */
	struct sms_plan *p;
	struct sms_reasm r;
	uint8_t ud[20][160], sept[200];
	size_t udl[20], n, i;
	char text[2000];
	char src[700];

	(void)state;
	for (i = 0; i < 600; i++)
		src[i] = (char)('a' + i % 26);
	memcpy(src + 600, "{end}", 6);
	p = sms_plan_new(src, strlen(src), NULL, NULL);
	assert_non_null(p);
	assert_int_equal(p->nparts, 4);
	for (i = 0; i < p->nparts; i++) {
		struct sms_concat c = {200, p->nparts, (unsigned)i + 1, false};
		size_t h = sms_udh_build(&c, ud[i], sizeof(ud[i]));

		assert_int_equal(sms_plan_encode_part(p, (unsigned)i, sept,
						      sizeof(sept), &n),
				 SMS_OK);
		udl[i] = h + sms_gsm_pack(sept, n, sms_udh_fill_bits(h),
					  ud[i] + h, sizeof(ud[i]) - h);
		assert_true(udl[i] <= 140);
	}
	/* deliver in reverse order, with part 2 twice */
	for (i = p->nparts; i-- > 0;) {
		struct sms_udh u;
		int rc;

		assert_int_equal(sms_udh_parse(ud[i], udl[i], &u, NULL),
				 SMS_OK);
		if (i == p->nparts - 1)
			sms_reasm_init(&r, &u.concat);
		rc = sms_reasm_add(&r, &u.concat, ud[i], udl[i], NULL);
		assert_true(rc == SMS_REASM_ADDED || rc == SMS_REASM_COMPLETE);
		if (i == 1)
			assert_int_equal(
			    sms_reasm_add(&r, &u.concat, ud[i], udl[i], NULL),
			    SMS_REASM_DUPLICATE);
	}
	assert_int_equal(r.have, p->nparts);
	/* decode each stored part in order */
	n = 0;
	for (i = 0; i < p->nparts; i++) {
		struct sms_udh u;
		size_t m;

		assert_int_equal(
		    sms_udh_parse(r.part[i].data, r.part[i].len, &u, NULL),
		    SMS_OK);
		assert_int_equal(sms_gsm_unpack(r.part[i].data + u.len,
						r.part[i].len - u.len,
						sms_udh_fill_bits(u.len),
						p->parts[i].length, sept,
						sizeof(sept)),
				 SMS_OK);
		assert_int_equal(sms_gsm_decode(sept, p->parts[i].length,
						text + n, sizeof(text) - n, &m),
				 SMS_OK);
		n += m;
	}
	assert_int_equal(n, strlen(src));
	assert_memory_equal(text, src, n);
	sms_plan_free(&p);
}

int
test_sms_udh(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(build_and_parse),
	    cmocka_unit_test(parse_with_other_elements),
	    cmocka_unit_test(parse_rejects),
	    cmocka_unit_test(reassembly),
	    cmocka_unit_test(split_and_reassemble),
	};

	return cmocka_run_group_tests_name("sms udh", tests, NULL, NULL);
}
