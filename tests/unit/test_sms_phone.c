/*
 * NAME
 *	test_sms_phone - phone numbers and sender IDs
 */
#include <string.h>

#include "sms/sms.h"
#include "tests/unit/test_sms.h"

static void
accepts(void **state)
{
	static const struct {
		const char *in, *country, *e164, *region;
	} ok[] = {
	    {"+12025550143", "US", "+12025550143", "US"},
	    {"12025550143", "US", "+12025550143", "US"},
	    {"2025550143", "US", "+12025550143", "US"},
	    {"(202) 555-0143", "US", "+12025550143", "US"},
	    {"202.555.0143", "US", "+12025550143", "US"},
	    {"+1 202-555-0143", NULL, "+12025550143", "US"},
	    {"12025550143", NULL, "+12025550143", "US"},
	    {"011 44 20 7946 0958", "US", "+442079460958", "GB"},
	    {"+1 416 555 0100", "US", "+14165550100", "CA"},
	    {"+1 876 555 0123", NULL, "+18765550123", "JM"},
	    {"+44 20 7946 0958", "US", "+442079460958", "GB"},
	    {"020 7946 0958", "GB", "+442079460958", "GB"},
	    {"0044 20 7946 0958", "DE", "+442079460958", "GB"},
	    {"442079460958", "GB", "+442079460958", "GB"},
	    {"+49 30 12345678", NULL, "+493012345678", "DE"},
	    {"+49 151 23456789", NULL, "+4915123456789", "DE"},
	    {"030 12345678", "DE", "+493012345678", "DE"},
	    {"+61 4 1234 5678", NULL, "+61412345678", "AU"},
	    {"0412 345 678", "AU", "+61412345678", "AU"},
	    {"+33 1 23 45 67 89", NULL, "+33123456789", "FR"},
	    {"06 12 34 56 78", "FR", "+33612345678", "FR"},
	    {"+91 98765 43210", NULL, "+919876543210", "IN"},
	    {"+7 701 123 4567", NULL, "+77011234567", "KZ"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sms_phone_rules r = {ok[i].country, NULL, NULL};
		struct sms_number num;
		struct sms_error err;

		if (sms_phone_parse(ok[i].in, &r, &num, &err) != SMS_OK)
			fail_msg("\"%s\": %s", ok[i].in, err.msg);
		assert_string_equal(num.e164, ok[i].e164);
		assert_string_equal(num.region, ok[i].region);
	}
}

static void
rejects(void **state)
{
	static const struct {
		const char *in, *country, *why;
	} bad[] = {
	    {"+1 102 555 0143", NULL, "area code 102 cannot start with 1"},
	    {"+1 011 555 0143", NULL, "cannot start with 0"},
	    {"+1 911 555 0143", NULL, "911 is a service code"},
	    {"+1 202 155 0143", NULL, "exchange 155 cannot start with 1"},
	    {"+1 202 411 0143", NULL, "exchange 411 is a service code"},
	    {"+1 202 555 014", NULL, "10 digits"},
	    {"+1 202 555 01433", NULL, "10 digits"},
	    {"555 0143", "US", "10 digits"},
	    {"+44 20 7946", NULL, "+44 (GB) number has 9 to 10 digits"},
	    {"+33 1 23 45 67", NULL, "+33 (FR) number has 9 digits"},
	    {"+49 30", NULL, "+49 (DE)"},
	    {"+61 4 1234 567", NULL, "+61 (AU) number has 9 digits"},
	    {"+91 98765 4321", NULL, "+91 (IN) number has 10 digits"},
	    {"202-555-CALL", "US", "letters"},
	    {"202_555_0143", "US", "unexpected \"_\""},
	    {"", "US", "no digits"},
	    {"+", "US", "no digits"},
	    {"+999 1234 5678", NULL, "no country calling code"},
	    {"2025550143", NULL, "needs a country code"},
	    {"2025550143", "ZZ", "unknown default country"},
	    {"+1 2025550143 5", NULL, "10 digits"},
	    {"12345678901234567890123456789012345678", NULL, "too many"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sms_phone_rules r = {bad[i].country, NULL, NULL};
		struct sms_number num;
		struct sms_error err;
		int rc = sms_phone_parse(bad[i].in, &r, &num, &err);

		if (rc != SMS_EINVAL)
			fail_msg("\"%s\" gave %d, not SMS_EINVAL", bad[i].in,
				 rc);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in,
				 err.msg, bad[i].why);
	}
}

static void
policy(void **state)
{
	static const char *const allowed[] = {"US", "CA", NULL};
	static const char *const denied[] = {"684", "+1809", NULL};
	struct sms_phone_rules r = {"US", allowed, denied};
	struct sms_number num;
	struct sms_error err;

	(void)state;
	assert_int_equal(sms_phone_parse("+1 416 555 0100", &r, &num, &err),
			 SMS_OK);
	assert_int_equal(sms_phone_parse("+44 20 7946 0958", &r, &num, &err),
			 SMS_EDENIED);
	assert_non_null(strstr(err.msg, "GB numbers"));
	assert_int_equal(sms_phone_parse("+1 876 555 0123", &r, &num, &err),
			 SMS_EDENIED);
	assert_non_null(strstr(err.msg, "JM"));
	/* 684 (American Samoa) is a US region but denied by area code */
	assert_int_equal(sms_phone_parse("684 555 0123", &r, &num, &err),
			 SMS_EDENIED);
	assert_non_null(strstr(err.msg, "+1684"));
	r.allowed = NULL;
	assert_int_equal(sms_phone_parse("+1 809 555 0123", &r, &num, &err),
			 SMS_EDENIED);
	assert_int_equal(sms_phone_parse("+1 829 555 0123", &r, &num, &err),
			 SMS_OK);
	assert_string_equal(num.region, "DO");
	assert_true(sms_country_known("us"));
	assert_true(sms_country_known("JM"));
	assert_false(sms_country_known("ZZ"));
}

static void
format(void **state)
{
	static const struct {
		const char *e164, *out;
	} f[] = {
	    {"+12025550143", "+1 202-555-0143"},
	    {"+442079460958", "+44 20 7946 0958"},
	    {"+447700900123", "+44 7700 900123"},
	    {"+33123456789", "+33 1 23 45 67 89"},
	    {"+61412345678", "+61 412 345 678"},
	    {"+61212345678", "+61 2 1234 5678"},
	    {"+919876543210", "+91 98765 43210"},
	    {"+4915123456789", "+49 151 23456789"},
	    {"+493012345678", "+49 3012345678"},
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		assert_int_equal(sms_phone_format(f[i].e164, out, sizeof(out)),
				 SMS_OK);
		assert_string_equal(out, f[i].out);
	}
	assert_int_equal(sms_phone_format("12025550143", out, sizeof(out)),
			 SMS_EINVAL);
	assert_int_equal(sms_phone_format("+1202x550143", out, sizeof(out)),
			 SMS_EINVAL);
	assert_int_equal(sms_phone_format("+12025550143", out, 8), SMS_ESPACE);
}

static void
sender_ids(void **state)
{
	static const struct {
		const char *s;
		enum sms_sender_kind kind;
	} ids[] = {
	    {"MyShop", SMS_SENDER_ALPHA},
	    {"A", SMS_SENDER_ALPHA},
	    {"ABCDEFGHIJK", SMS_SENDER_ALPHA},
	    {"Shop 24", SMS_SENDER_ALPHA},
	    {"24x7", SMS_SENDER_ALPHA},
	    {"+12025550143", SMS_SENDER_E164},
	    {"12025550143", SMS_SENDER_E164},
	    {"12345", SMS_SENDER_SHORTCODE},
	    {"ABCDEFGHIJKL", SMS_SENDER_INVALID},
	    {"My-Shop", SMS_SENDER_INVALID},
	    {"", SMS_SENDER_INVALID},
	    {"12", SMS_SENDER_INVALID},
	    {"Caf\xc3\xa9", SMS_SENDER_INVALID},
	    {" Shop", SMS_SENDER_INVALID},
	    {"+1202", SMS_SENDER_INVALID},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct sms_error err = {0};
		enum sms_sender_kind k = sms_sender_classify(ids[i].s, &err);

		if (k != ids[i].kind)
			fail_msg("\"%s\": kind %d, want %d (%s)", ids[i].s, k,
				 ids[i].kind, err.msg);
		if (k == SMS_SENDER_INVALID)
			assert_true(err.msg[0] != '\0');
	}
}

int
test_sms_phone(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accepts),	  cmocka_unit_test(rejects),
	    cmocka_unit_test(policy),	  cmocka_unit_test(format),
	    cmocka_unit_test(sender_ids),
	};

	return cmocka_run_group_tests_name("sms phone", tests, NULL, NULL);
}
