/*
 * NAME
 *	test_transport - what the transports compute without a peer: the
 *	webhook signature, URL escaping, configuration checks; tp_fetch
 *	against a one-request server on loopback
 * DESCRIPTION
 *	The HTTP and Kannel transports themselves are tested against real
 *	peers in tests/gateway/test_http.sh and test_kannel.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* refuse_all - an address check that refuses everything */
static const char *
refuse_all(const struct sockaddr *sa)
{
	(void)sa;
	return "a forbidden";
}

/* fetch_one - run rq through a new tp_fetch with check to its result */
static void
fetch_one(tp_addr_check check, const struct tp_fetch_request *rq,
	  struct tp_fetch_result *res)
{
	struct tp_error err;
	struct tp_fetch *f = tp_fetch_new(2, check, &err);
	int i;

	assert_non_null(f);
	assert_int_equal(tp_fetch_start(f, rq, &err), TP_OK);
	assert_int_equal(tp_fetch_inflight(f), 1);
	for (i = 0; i < 100; i++)
		if (tp_fetch_wait(f, 100, res) == 1)
			break;
	assert_true(i < 100);
	assert_int_equal(tp_fetch_inflight(f), 0);
	tp_fetch_free(&f);
	assert_null(f);
}

/* the check sees every address before a connection is made */
static void
fetch_refused(void **state)
{
	struct tp_fetch_request rq = {.url = "http://localhost:9/x",
				      .method = "GET",
				      .timeout = 5,
				      .tag = &rq};
	struct tp_fetch_result res;

	(void)state;
	fetch_one(refuse_all, &rq, &res);
	assert_ptr_equal(res.tag, &rq);
	assert_true(res.refused);
	assert_int_equal(res.status, 0);
	assert_non_null(strstr(res.error, "is a forbidden address"));
}

/* A one-request HTTP server on loopback for fetch_no_redirect. */
struct one {
	int fd;
	char req[4096];
	const char *answer; /* NULL: a redirect */
	size_t alen;
};

static void *
serve_one(void *arg)
{
	struct one *o = arg;
	static const char answer[] =
	    "HTTP/1.1 302 Found\r\n"
	    "Location: http://127.0.0.1:1/elsewhere\r\n"
	    "Content-Length: 7\r\n"
	    "Connection: close\r\n\r\nmoved\r\n";
	int c = accept(o->fd, NULL, NULL);
	size_t n = 0;
	ssize_t r;

	while (c >= 0 && n < sizeof(o->req) - 1 &&
	       (r = read(c, o->req + n, sizeof(o->req) - 1 - n)) > 0) {
		n += (size_t)r;
		o->req[n] = '\0';
		if (strstr(o->req, "\r\n\r\n") && strstr(o->req, "hello"))
			break;
	}
	if (c >= 0) {
		const char *a = o->answer ? o->answer : answer;
		size_t len = o->answer ? o->alen : sizeof(answer) - 1, done = 0;

		while (done < len &&
		       (r = send(c, a + done, len - done, MSG_NOSIGNAL)) > 0)
			done += (size_t)r;
		close(c);
	}
	return NULL;
}

/* a POST with its headers and body; a redirect is not followed (or,
 * given a struct one in *state, that answer instead) */
static void
fetch_no_redirect(void **state)
{
	struct one *op = *state ? *state : NULL, o = {0};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	const char *headers[] = {"X-Test: 1", "Content-Type: text/plain", NULL};
	struct tp_fetch_request rq = {.method = "POST",
				      .headers = headers,
				      .body = "hello",
				      .len = 5,
				      .timeout = 5};
	struct tp_fetch_result res;
	char url[64];
	pthread_t t;

	if (op) {
		o.answer = op->answer;
		o.alen = op->alen;
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	o.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(o.fd >= 0);
	assert_int_equal(bind(o.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(o.fd, 1), 0);
	getsockname(o.fd, (struct sockaddr *)&sin, &len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook",
		 (unsigned)ntohs(sin.sin_port));
	rq.url = url;
	assert_int_equal(pthread_create(&t, NULL, serve_one, &o), 0);
	fetch_one(NULL, &rq, &res);
	pthread_join(t, NULL);
	close(o.fd);
	assert_false(res.refused);
	if (op) {
		/* a long answer: its start kept, reading stopped at 64 KiB */
		assert_int_equal(res.status, 200);
		assert_int_equal(res.len, TP_FETCH_BODY_MAX);
		assert_int_equal(res.body[0], 'x');
		assert_int_equal(strlen(res.body), TP_FETCH_BODY_MAX);
	} else {
		assert_int_equal(res.status, 302);
		assert_string_equal(res.body, "moved\r\n");
	}
	assert_non_null(strstr(o.req, "POST /hook HTTP/1.1\r\n"));
	assert_non_null(strstr(o.req, "X-Test: 1\r\n"));
	assert_non_null(strstr(o.req, "\r\n\r\nhello"));
}

/* an answer of 1 MB: the first KiB kept, the status stands */
static void
fetch_long_answer(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Length: 1000000\r\n\r\n";
	struct one o = {0};
	char *a = malloc(sizeof(head) - 1 + 1000000);
	void *st = &o;

	(void)state;
	assert_non_null(a);
	memcpy(a, head, sizeof(head) - 1);
	memset(a + sizeof(head) - 1, 'x', 1000000);
	o.answer = a;
	o.alen = sizeof(head) - 1 + 1000000;
	fetch_no_redirect(&st);
	free(a);
}

/* fetch_answer - POST "hello" as rq to a server answering a (len) */
static void
fetch_answer(const char *a, size_t alen, struct tp_fetch_request *rq,
	     struct tp_fetch_result *res)
{
	struct one o = {.answer = a, .alen = alen};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	char url[64];
	pthread_t t;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	o.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(o.fd >= 0);
	assert_int_equal(bind(o.fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(o.fd, 1), 0);
	getsockname(o.fd, (struct sockaddr *)&sin, &len);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/f",
		 (unsigned)ntohs(sin.sin_port));
	rq->url = url;
	rq->method = "POST";
	rq->body = "hello";
	rq->len = 5;
	rq->timeout = 5;
	assert_int_equal(pthread_create(&t, NULL, serve_one, &o), 0);
	fetch_one(NULL, rq, res);
	pthread_join(t, NULL);
	close(o.fd);
	assert_non_null(strstr(o.req, "POST /f HTTP/1.1\r\n"));
}

/* files: kept whole up to max_bytes, with the type; past it, nothing */
static void
fetch_file(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
				   "Content-Type: image/png; x=1\r\n"
				   "Connection: close\r\n\r\n"; /* no length */
	char *a = malloc(sizeof(head) - 1 + 100000);
	size_t alen = sizeof(head) - 1 + 100000, i;
	struct tp_fetch_request rq = {
	    .max_bytes = 100000, .user = "AC1", .password = "tok"};
	struct tp_fetch_result res;

	(void)state;
	assert_non_null(a);
	memcpy(a, head, sizeof(head) - 1);
	for (i = 0; i < 100000; i++)
		a[sizeof(head) - 1 + i] = (char)(i * 7);
	fetch_answer(a, alen, &rq, &res);
	assert_int_equal(res.status, 200);
	assert_false(res.too_big);
	assert_int_equal(res.data_len, 100000);
	assert_memory_equal(res.data, a + sizeof(head) - 1, 100000);
	assert_string_equal(res.content_type, "image/png; x=1");
	free(res.data);

	/* one byte over, with no Content-Length to say so first */
	rq.max_bytes = 99999;
	fetch_answer(a, alen, &rq, &res);
	assert_true(res.too_big);
	assert_null(res.data);
	assert_non_null(strstr(res.error, "larger than 99999 bytes"));
	free(a);
}

/* the URL of a file: hosts and https checked before anything is sent */
static void
fetch_file_url(void **state)
{
	static const char *const hosts[] = {"api.twilio.com", "::1", NULL};
	static const struct {
		const char *url;
		bool https_only;
		const char *why; /* NULL: allowed */
	} cases[] = {
	    {"https://evil.example/x", false, "evil.example is not a host"},
	    {"https://api.twilio.com.evil.example/x", false, "is not a host"},
	    {"https://API.Twilio.com/x", true, NULL},
	    {"http://api.twilio.com/x", true, "the URL is http, not https"},
	    {"http://api.twilio.com/x", false, NULL},
	    {"https://AC1:tok@api.twilio.com/x", false, "carries a user"},
	    {"ftp://api.twilio.com/x", false, "not an http or https URL"},
	    {"api.twilio.com/x", false, "not an http or https URL"},
	    {"http://[::1]:9/x", false, NULL},
	};
	struct tp_error err;
	struct tp_fetch *f = tp_fetch_new(20, refuse_all, &err);
	char host[256];
	bool https = false;
	size_t i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_fetch_request rq = {.url = cases[i].url,
					      .method = "GET",
					      .timeout = 1,
					      .max_bytes = 10,
					      .https_only = cases[i].https_only,
					      .hosts = hosts};
		int rc = tp_fetch_start(f, &rq, &err);

		if (cases[i].why) {
			assert_int_equal(rc, TP_EPERM);
			if (!strstr(err.msg, cases[i].why))
				fail_msg("%s: %s", cases[i].url, err.msg);
		} else {
			assert_int_equal(rc, TP_OK);
		}
	}
	tp_fetch_free(&f);
	assert_int_equal(tp_url_host("https://API.Twilio.com:443/a?b", host,
				     sizeof(host), &https, &err),
			 TP_OK);
	assert_string_equal(host, "api.twilio.com");
	assert_true(https);
	assert_int_equal(
	    tp_url_host("http://[::1]:8/x", host, sizeof(host), &https, &err),
	    TP_OK);
	assert_string_equal(host, "::1");
	assert_false(https);
	assert_int_equal(
	    tp_url_host("gopher://x/", host, sizeof(host), NULL, &err),
	    TP_EPERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(twilio_documented_example),
	    cmocka_unit_test(url_alone_and_repeated_names),
	    cmocka_unit_test(escape),
	    cmocka_unit_test(open_checks),
	    cmocka_unit_test(fetch_refused),
	    cmocka_unit_test(fetch_no_redirect),
	    cmocka_unit_test(fetch_file),
	    cmocka_unit_test(fetch_file_url),
	    cmocka_unit_test(fetch_long_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
