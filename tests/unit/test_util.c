/*
 * NAME
 *	test_util - util/: masking numbers for log lines, and passwords of
 *	PostgreSQL URIs
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

/*
 * pg_uri - a PostgreSQL URI as messages show it: every password ("..."),
 * whatever it is made of, and the rest as it was; what libpq would
 * misread is said
 */
static void
pg_uri(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"postgresql://sms@db/sms", "postgresql://sms@db/sms"},
	    {"postgresql://sms:s3cret@db:5432/sms",
	     "postgresql://sms:...@db:5432/sms"},
	    {"postgres://sms:s3%40cret@db/sms", "postgres://sms:...@db/sms"},
	    {"postgresql://sms@db/sms?password=x1&sslmode=verify-full",
	     "postgresql://sms@db/sms?password=...&sslmode=verify-full"},
	    {"postgresql://sms@db/sms?sslmode=require&sslpassword=k&password=p",
	     "postgresql://sms@db/"
	     "sms?sslmode=require&sslpassword=...&password=..."},
	    {"postgresql://db/sms?passfile=/etc/smsmilter/pgpass",
	     "postgresql://db/sms?passfile=/etc/smsmilter/pgpass"},
	    {"postgresql://sms:p:w@db/sms", "postgresql://sms:...@db/sms"},
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ut_pg_uri_safe(cases[i].in, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
		assert_null(ut_pg_uri_bad(cases[i].in));
	}
	assert_true(ut_pg_uri("postgresql://db/sms"));
	assert_true(ut_pg_uri("postgres://db/sms"));
	assert_false(ut_pg_uri("/var/lib/smsmilter/smsmilter.db"));
	assert_false(ut_pg_uri("mysql://db/sms"));
	/* a raw @ in the password: libpq would take the rest for the host */
	assert_non_null(ut_pg_uri_bad("postgresql://sms:p@ss@db/sms"));
	assert_non_null(
	    strstr(ut_pg_uri_bad("postgresql://sms:p@ss@db/sms"), "%40"));
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
	    cmocka_unit_test(pg_uri),
	    cmocka_unit_test(random_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
