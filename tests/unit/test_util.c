/*
 * NAME
 *	test_util - util/: masking numbers for log lines
 * DESCRIPTION
 *	Below LOG_DEBUG a number keeps its first digit and its last two,
 *	however it is written (E.164, in an address, formatted with
 *	spaces, dashes, dots or brackets); dates and short numbers stay;
 *	at debug everything stays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <syslog.h>

#include "util/util.h"

static void
mask(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"+12025550143", "+1********43"},
	    {"12025550143@sms.example.com", "1********43@sms.example.com"},
	    {"+1 202-555-0143 has opted out", "+1 ***-***-**43 has opted out"},
	    {"202.555.0143@sms.example.com", "2**.***.**43@sms.example.com"},
	    {"+44 (20) 7946 0958", "+4* (**) **** **58"},
	    {"try again after 2026-12-03 14:00 UTC",
	     "try again after 2026-12-03 14:00 UTC"},
	    {"id=812 segments=2", "id=812 segments=2"},
	    {"32665", "32665"},
	    {"", ""},
	};
	char out[128];
	size_t i;

	ut_log_level(LOG_INFO);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(ut_log_mask(cases[i].in, out, sizeof(out)),
				    cases[i].out);
	/* in place */
	strcpy(out, "to=+12025550143");
	assert_string_equal(ut_log_mask(out, out, sizeof(out)),
			    "to=+1********43");
	/* at debug, whole */
	ut_log_level(LOG_DEBUG);
	assert_string_equal(ut_log_mask("+1 202-555-0143", out, sizeof(out)),
			    "+1 202-555-0143");
}

/* random_hex - a prefix and 2n lowercase hex digits, new each time */
static void
random_hex(void **state)
{
	char a[64], b[64], small[20];

	(void)state;
	assert_true(ut_random_hex("SM", 16, a, sizeof(a)));
	assert_true(ut_random_hex("SM", 16, b, sizeof(b)));
	assert_int_equal(strlen(a), 34);
	assert_memory_equal(a, "SM", 2);
	assert_int_equal(strspn(a + 2, "0123456789abcdef"), 32);
	assert_string_not_equal(a, b);
	/* exactly room for it, and one byte less */
	assert_true(ut_random_hex("", 8, small, 17));
	assert_int_equal(strlen(small), 16);
	assert_false(ut_random_hex("x", 8, small, 17));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mask),
	    cmocka_unit_test(random_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
