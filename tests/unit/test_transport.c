/*
 * NAME
 *	test_transport - what the transports compute without a peer: the
 *	webhook signature, URL escaping, configuration checks
 * DESCRIPTION
 *	The HTTP and Kannel transports themselves are tested against real
 *	peers in tests/gateway/test_http.sh and test_kannel.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport_int.h"

/*
 * Twilio's worked example ("Webhooks security", "Validating requests",
 * https://www.twilio.com/docs/usage/security#validating-requests):
 * auth token 12345, the URL https://mycompany.com/myapp.php?foo=1&bar=2
 * and the POST parameters CallSid=CA1234567890ABCDE,
 * Caller=+12349013030, Digits=1234, From=+12349013030,
 * To=+18005551212 give X-Twilio-Signature 0/KCTR6DLpKmkAf8muzZqo1nDgQ=.
 */
static void
twilio_documented_example(void **state)
{
	/* given out of order on purpose: the signature sorts them */
	const char *names[] = {"To", "From", "Digits", "CallSid", "Caller"};
	const char *values[] = {"+18005551212", "+12349013030", "1234",
				"CA1234567890ABCDE", "+12349013030"};
	char sig[29];

	(void)state;
	tp_twilio_signature("12345",
			    "https://mycompany.com/myapp.php?foo=1&bar=2",
			    names, values, 5, sig);
	assert_string_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");

	/* a changed parameter, URL or token gives another signature */
	values[2] = "9999";
	tp_twilio_signature("12345",
			    "https://mycompany.com/myapp.php?foo=1&bar=2",
			    names, values, 5, sig);
	assert_string_not_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
	values[2] = "1234";
	tp_twilio_signature("12345",
			    "https://mycompany.com/myapp.php?foo=1&bar=3",
			    names, values, 5, sig);
	assert_string_not_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
	tp_twilio_signature("12346",
			    "https://mycompany.com/myapp.php?foo=1&bar=2",
			    names, values, 5, sig);
	assert_string_not_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

/*
 * No parameters: the HMAC of the URL alone. The expected value is
 * HMAC-SHA1("12345", "https://mycompany.com/myapp.php?foo=1&bar=2")
 * in base64, computed with Python's hmac module.
 */
static void
url_alone_and_repeated_names(void **state)
{
	const char *n1[] = {"b", "a", "a"}, *v1[] = {"1", "2", "1"};
	const char *n2[] = {"a", "a", "b"}, *v2[] = {"1", "2", "1"};
	char s1[29], s2[29];

	(void)state;
	tp_twilio_signature("12345",
			    "https://mycompany.com/myapp.php?foo=1&bar=2", NULL,
			    NULL, 0, s1);
	assert_string_equal(s1, "zYQTYrRWXE7LtzbG4PfP7/bkkGo=");
	/* a name given twice: taken in the order of its values */
	tp_twilio_signature("t", "https://x.example/", n1, v1, 3, s1);
	tp_twilio_signature("t", "https://x.example/", n2, v2, 3, s2);
	assert_string_equal(s1, s2);
	assert_int_equal(strlen(s1), 28);
}

static void
escape(void **state)
{
	char *e;

	(void)state;
	e = web_escape("+1 202/555?x=y&z~._-é");
	assert_string_equal(e, "%2B1%20202%2F555%3Fx%3Dy%26z~._-%C3%A9");
	free(e);
}

static void
open_checks(void **state)
{
	struct tp_http_conf hc = {.base_url = "https://api.example.net",
				  .account = "AC1"};
	struct tp_kannel_conf kc = {.url = "ftp://x", .user = "u"};
	struct tp_error err = {0};
	struct transport *t;

	(void)state;
	assert_null(tp_http_open(&hc, &err)); /* no token */
	assert_int_equal(err.status, TP_EPERM);
	hc.token = "secret";
	t = tp_http_open(&hc, &err);
	assert_non_null(t);
	assert_true(tp_whole_texts(t));
	assert_string_equal(tp_name(t), "http");
	assert_int_equal(tp_inflight(t), 0);
	assert_true(tp_room(t) > 0);
	tp_close(&t);
	assert_null(t);

	assert_null(tp_kannel_open(&kc, &err)); /* not an http URL */
	assert_int_equal(err.status, TP_EPERM);
	kc.url = "http://127.0.0.1:1/cgi-bin/sendsms";
	t = tp_kannel_open(&kc, &err);
	assert_non_null(t);
	assert_string_equal(tp_name(t), "kannel");
	tp_close(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(twilio_documented_example),
	    cmocka_unit_test(url_alone_and_repeated_names),
	    cmocka_unit_test(escape),
	    cmocka_unit_test(open_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
