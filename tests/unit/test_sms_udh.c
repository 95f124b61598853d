/*
 * NAME
 *	test_sms_udh - user data header, and a long text split and joined
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
split_and_reassemble(void **state)
{
	/* plan -> UDH + packed septets per part -> parse -> reassemble */
	struct sms_plan *p;
	struct sms_text_part tp[21];
	struct sms_decoded info;
	uint8_t ud[20][160], sept[20][200];
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

		assert_int_equal(sms_plan_encode_part(p, (unsigned)i, sept[0],
						      sizeof(sept[0]), &n),
				 SMS_OK);
		udl[i] = h + sms_gsm_pack(sept[0], n, sms_udh_fill_bits(h),
					  ud[i] + h, sizeof(ud[i]) - h);
		assert_true(udl[i] <= 140);
	}
	/* parse each packed part, unpack its septets, deliver in reverse
	   order with part 2 twice, and join */
	for (i = 0; i < p->nparts; i++) {
		struct sms_ud u = {ud[i], udl[i], 0, true, true, 0};
		struct sms_inpart in;

		assert_int_equal(sms_ud_parse(&u, &in, NULL), SMS_OK);
		assert_true(in.udh.concat_ok);
		assert_int_equal(in.udh.concat.seq, i + 1);
		assert_int_equal(in.septets, p->parts[i].length);
		assert_int_equal(sms_gsm_unpack(in.body, in.len, in.fill_bits,
						in.septets, sept[i],
						sizeof(sept[i])),
				 SMS_OK);
		tp[p->nparts - 1 - i] = (struct sms_text_part){
		    in.udh.concat.seq, SMS_ALPHA_GSM7, sept[i], in.septets};
	}
	tp[p->nparts] = tp[p->nparts - 2];
	assert_int_equal(sms_text_join(tp, p->nparts + 1, p->nparts, text,
				       sizeof(text), &n, &info),
			 SMS_OK);
	assert_int_equal(n, strlen(src));
	assert_string_equal(text, src);
	assert_int_equal(info.missing, 0);
	sms_plan_free(&p);
}

int
test_sms_udh(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(build_and_parse),
	    cmocka_unit_test(parse_with_other_elements),
	    cmocka_unit_test(parse_rejects),
	    cmocka_unit_test(split_and_reassemble),
	};

	return cmocka_run_group_tests_name("sms udh", tests, NULL, NULL);
}
