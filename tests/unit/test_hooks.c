/*
 * NAME
 *	test_hooks - event hooks: the store's queue with leases, the
 *	addresses refused, the payloads and templates, the signature
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"

#define T0 1764000000 /* a fixed "now" */

struct fixture {
	char dir[64];
	char path[96];
	struct store *s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_error err;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_hooks.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	f->s = store_open(f->path, STORE_SYNC_OFF, &err);
	if (!f->s) {
		print_error("%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(&f->s);
	unlink(f->path);
	snprintf(f->path, sizeof(f->path), "%s/s.db-wal", f->dir);
	unlink(f->path);
	snprintf(f->path, sizeof(f->path), "%s/s.db-shm", f->dir);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct conf *
load(const char *extra)
{
	char text[4096], *errors = NULL;
	struct conf *c;

	snprintf(text, sizeof(text),
		 "SmsDomains sms.example.com\n"
		 "TagSecret 0123456789abcdef-test-secret\n"
		 "%s",
		 extra);
	c = conf_load_string("t.conf", text, &errors);
	if (!c)
		fail_msg("%s", errors);
	return c;
}

/* add - queue a POST hook to url with body */
static int64_t
add(struct store *s, const char *url, const char *body, int64_t now,
    char hid[STORE_HID_SIZE])
{
	struct store_hook_out h = {
	    .owner = "alice@example.com",
	    .event = POLICY_EVENT_RECEIVED,
	    .message_id = 7,
	    .url = url,
	    .method = "POST",
	    .content_type = "application/json",
	    .body = body,
	    .len = strlen(body),
	};
	struct store_error err;
	int64_t id = 0;

	assert_int_equal(store_hook_add(s, &h, now, &id, hid, &err), STORE_OK);
	return id;
}

static void
hid_form(const char *hid)
{
	size_t i;

	assert_int_equal(strlen(hid), 34);
	assert_memory_equal(hid, "EV", 2);
	for (i = 2; i < 34; i++)
		assert_non_null(strchr("0123456789abcdef", hid[i]));
}

/* claim, lease, expiry, done, ELEASE; the hid the same on each try */
static void
queue_leases(void **state)
{
	struct fixture *f = *state;
	struct store_hook *h = NULL;
	struct store_error err;
	char hid1[STORE_HID_SIZE], hid2[STORE_HID_SIZE], hid3[STORE_HID_SIZE];
	unsigned n = 0;
	int64_t id1 = add(f->s, "https://a.example/1", "{\"n\":1}", T0, hid1);

	add(f->s, "https://a.example/2", "{\"n\":2}", T0, hid2);
	add(f->s, "https://a.example/3", "{\"n\":3}", T0 + 5, hid3);
	hid_form(hid1);
	assert_string_not_equal(hid1, hid2);

	/* not yet due */
	assert_int_equal(
	    store_hook_claim(f->s, "A", T0 - 1, 60, 10, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_hook_claim(f->s, "A", T0, 60, 10, &h, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(h[0].id, id1);
	assert_string_equal(h[0].hid, hid1);
	assert_int_equal(h[0].attempts, 1);
	assert_string_equal((char *)h[0].body, "{\"n\":1}");
	assert_int_equal(h[0].len, 7);
	assert_string_equal(h[0].url, "https://a.example/1");
	assert_string_equal(h[0].owner, "alice@example.com");
	assert_int_equal(h[0].message_id, 7);
	store_hooks_free(&h, n);
	assert_null(h);

	/* leased: B gets only the third, when due */
	assert_int_equal(
	    store_hook_claim(f->s, "B", T0 + 10, 60, 10, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].hid, hid3);
	store_hooks_free(&h, n);

	/* A's lease runs out: B takes the first, same hid, a second try */
	assert_int_equal(
	    store_hook_claim(f->s, "B", T0 + 61, 60, 1, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].id, id1);
	assert_string_equal(h[0].hid, hid1);
	assert_int_equal(h[0].attempts, 2);
	store_hooks_free(&h, n);
	assert_int_equal(store_hook_done(f->s, id1, "A", T0 + 62, &err),
			 STORE_ELEASE);
	assert_int_equal(store_hook_done(f->s, id1, "B", T0 + 62, &err),
			 STORE_OK);
	assert_int_equal(store_hook_done(f->s, id1, "B", T0 + 62, &err),
			 STORE_ELEASE);
	assert_int_equal(
	    store_hooks(f->s, STORE_HOOK_DELIVERED, 0, &h, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].state, STORE_HOOK_DELIVERED);
	store_hooks_free(&h, n);
}

/* retry later, fail, retry now, release, holders */
static void
queue_retry_fail(void **state)
{
	struct fixture *f = *state;
	struct store_hook *h = NULL;
	struct store_error err;
	char hid[STORE_HID_SIZE];
	char(*holders)[STORE_HOLDER_MAX] = NULL;
	unsigned n = 0, got = 0;
	int64_t id = add(f->s, "https://b.example/", "{}", T0, hid);

	assert_int_equal(
	    store_hook_claim(f->s, "smsgw@h/1/hooks", T0, 60, 5, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	store_hooks_free(&h, n);
	assert_int_equal(
	    store_hook_holders(f->s, "smsgw@h/", &holders, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(holders[0], "smsgw@h/1/hooks");
	free(holders);
	assert_int_equal(store_hook_retry(f->s, id, "smsgw@h/1/hooks", T0 + 30,
					  "HTTP 500: \"oops\"", T0, &err),
			 STORE_OK);
	assert_int_equal(
	    store_hook_claim(f->s, "C", T0 + 29, 60, 5, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_hooks(f->s, STORE_HOOK_PENDING, 0, &h, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].last_error, "HTTP 500: \"oops\"");
	assert_int_equal(h[0].due, T0 + 30);
	store_hooks_free(&h, n);

	/* taken again, then released by its holder: due at once */
	assert_int_equal(
	    store_hook_claim(f->s, "C", T0 + 30, 60, 5, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].attempts, 2);
	store_hooks_free(&h, n);
	assert_int_equal(store_hook_release(f->s, "C", &got, &err), STORE_OK);
	assert_int_equal(got, 1);
	assert_int_equal(
	    store_hook_claim(f->s, "D", T0 + 31, 60, 5, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].hid, hid);
	store_hooks_free(&h, n);

	/* given up: listed failed; retried now with a new lifetime */
	assert_int_equal(store_hook_fail(f->s, id, "C", "x", T0 + 32, &err),
			 STORE_ELEASE);
	assert_int_equal(
	    store_hook_fail(f->s, id, "D", "refused: 10.0.0.1", T0 + 32, &err),
	    STORE_OK);
	assert_int_equal(store_hooks(f->s, STORE_HOOK_FAILED, 0, &h, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].last_error, "refused: 10.0.0.1");
	store_hooks_free(&h, n);
	assert_int_equal(
	    store_hook_claim(f->s, "E", T0 + 100, 60, 5, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_hook_retry_now(f->s, id, T0 + 200, &err),
			 STORE_OK);
	assert_int_equal(
	    store_hook_claim(f->s, "E", T0 + 200, 60, 5, &h, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].created, T0 + 200);
	assert_string_equal(h[0].hid, hid);
	store_hooks_free(&h, n);
	assert_int_equal(store_hook_done(f->s, id, "E", T0 + 201, &err),
			 STORE_OK);
	assert_int_equal(store_hook_retry_now(f->s, id, T0 + 300, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_hook_retry_now(f->s, 999, T0 + 300, &err),
			 STORE_ENOTFOUND);
}

/* refused - url is refused by c, with a sentence naming what */
static void
refused(const struct conf *c, const char *url, const char *what)
{
	struct policy_verdict v;

	if (policy_hook_url_ok(c, url, &v))
		fail_msg("%s was allowed", url);
	if (!strstr(v.text, what))
		fail_msg("%s: \"%s\" does not say \"%s\"", url, v.text, what);
}

static void
allowed(const struct conf *c, const char *url)
{
	struct policy_verdict v;

	if (!policy_hook_url_ok(c, url, &v))
		fail_msg("%s was refused: %s", url, v.text);
}

static void
url_private(void **state)
{
	struct conf *c = load(""), *open = load("HookAllowPrivate yes\n");
	struct conf *site = load("HookAllowPrivate site\n");
	struct policy_verdict sv;

	(void)state;
	/* site: the site's own targets may be inside, a text's never */
	assert_true(policy_hook_url_ok(site, "http://127.0.0.1/x", &sv));
	assert_false(policy_hook_url_seen(site, "http://127.0.0.1/x", &sv));
	assert_false(policy_hook_url_seen(site, "http://localhost:8/x", &sv));
	assert_false(policy_hook_url_seen(site, "http://10.0.0.1/", &sv));
	assert_true(policy_hook_url_seen(open, "http://10.0.0.1/", &sv));
	assert_true(policy_hook_url_seen(c, "http://hooks.example.net/", &sv));
	conf_free(&site);
	refused(c, "http://127.0.0.1/x", "loopback");
	refused(c, "http://127.9.9.9:8080/x", "loopback");
	refused(c, "http://10.1.2.3/", "RFC 1918");
	refused(c, "http://172.16.0.1/", "RFC 1918");
	refused(c, "http://172.31.255.255/", "RFC 1918");
	refused(c, "http://192.168.1.1/", "RFC 1918");
	refused(c, "http://100.64.0.1/", "CGNAT");
	refused(c, "http://100.127.255.255/", "CGNAT");
	refused(c, "http://169.254.169.254/latest/meta-data", "link-local");
	refused(c, "http://0.0.0.0/", "unspecified");
	refused(c, "http://224.0.0.1/", "multicast");
	refused(c, "http://240.0.0.1/", "reserved");
	refused(c, "http://[::1]/", "loopback");
	refused(c, "http://[::]:80/", "unspecified");
	refused(c, "http://[fc00::1]/", "fc00::/7");
	refused(c, "http://[fd12:3456::1]/", "fc00::/7");
	refused(c, "http://[fe80::1]/", "link-local");
	refused(c, "http://[ff02::1]/", "multicast");
	refused(c, "http://[::ffff:127.0.0.1]/", "loopback");
	refused(c, "http://[::ffff:10.0.0.1]/", "RFC 1918");
	refused(c, "http://[::ffff:a9fe:a9fe]/", "link-local");
	refused(c, "http://[64:ff9b::7f00:1]/", "loopback");
	refused(c, "https://localhost:8443/hook", "loopback");
	allowed(c, "http://8.8.8.8/");
	allowed(c, "https://100.63.255.255/");
	allowed(c, "https://100.128.0.1/");
	allowed(c, "https://172.32.0.1/");
	allowed(c, "https://[2001:4860:4860::8888]:443/x");
	allowed(c, "https://[::ffff:8.8.8.8]/x");
	/* allowed with HookAllowPrivate yes, but never a bad URL */
	allowed(open, "http://127.0.0.1:8080/x");
	allowed(open, "http://[::1]/");
	refused(open, "http://u:p@127.0.0.1/", "user or password");
	conf_free(&c);
	conf_free(&open);
}

/* the ranges of issue 21's review: special, translated, 6to4 */
static void
url_special(void **state)
{
	struct conf *c = load(""), *open = load("HookAllowPrivate yes\n");
	struct policy_verdict v;

	(void)state;
	refused(c, "http://192.0.0.8/", "192.0.0.0/24");
	refused(c, "http://192.0.0.255/", "192.0.0.0/24");
	refused(c, "http://198.18.0.1/", "198.18.0.0/15");
	refused(c, "http://198.19.255.254/", "198.18.0.0/15");
	refused(c, "http://0.1.2.3/", "0.0.0.0/8");
	refused(c, "http://255.255.255.255/", "240.0.0.0/4");
	refused(c, "http://100.100.100.200/", "CGNAT");
	refused(c, "http://[64:ff9b:1::a00:1]/", "64:ff9b:1::/48");
	refused(c, "http://[64:ff9b:1:ffff::8.8.8.8]/", "64:ff9b:1::/48");
	/* 6to4: the IPv4 inside named when it is one refused */
	refused(c, "http://[2002:7f00:1::1]/", "loopback");
	refused(c, "http://[2002:a00:1::]/", "RFC 1918");
	refused(c, "http://[2002:a9fe:a9fe::1]/", "link-local");
	refused(c, "http://[2002:808:808::1]/", "2002::/16");
	/* the other IPv6 forms of a private IPv4 */
	refused(c, "http://[::ffff:0:10.1.2.3]/", "RFC 1918");
	refused(c, "http://[::ffff:0:7f00:1]/", "loopback");
	refused(c, "http://[::10.0.0.1]/", "RFC 1918");
	refused(c, "http://[::ffff:192.0.0.1]/", "192.0.0.0/24");
	refused(c, "http://[::ffff:198.18.1.1]/", "198.18.0.0/15");
	refused(c, "http://[64:ff9b::c612:101]/", "198.18.0.0/15");
	refused(c, "http://[64:ff9b::6440:1]/", "CGNAT");
	allowed(c, "http://192.0.1.1/");
	allowed(c, "http://198.17.255.255/");
	allowed(c, "http://198.20.0.1/");
	allowed(c, "http://[64:ff9b:2::1]/");
	allowed(c, "http://[64:ff9b::808:808]/");
	allowed(c, "http://[2003::1]/");
	/* seen (no lookup) refuses them alike; HookAllowPrivate yes not */
	assert_false(policy_hook_url_seen(c, "http://[2002:a00:1::]/", &v));
	assert_false(policy_hook_url_seen(c, "http://198.18.0.1/", &v));
	allowed(open, "http://198.18.0.1/");
	allowed(open, "http://[2002:a00:1::]/");
	conf_free(&c);
	conf_free(&open);
}

/* each address of a local interface, public or not, as literal */
static void
url_own(void **state)
{
	struct conf *c = load(""), *open = load("HookAllowPrivate yes\n");
	struct ifaddrs *ifs, *i;
	char url[128], host[INET6_ADDRSTRLEN];
	unsigned n = 0;

	(void)state;
	assert_int_equal(getifaddrs(&ifs), 0);
	for (i = ifs; i; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};

		if (!sa ||
		    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
			continue;
		if (sa->sa_family == AF_INET) {
			const struct sockaddr_in *s4 =
			    (const struct sockaddr_in *)(const void *)sa;

			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			snprintf(url, sizeof(url), "http://%s:8080/x", host);
			refused(c, url, "");
			/* and as ::ffff:a.b.c.d, and at connect */
			snprintf(url, sizeof(url), "http://[::ffff:%s]/", host);
			refused(c, url, "");
			assert_non_null(policy_addr_private(sa));
			s6.sin6_addr.s6_addr[10] = s6.sin6_addr.s6_addr[11] =
			    0xff;
			memcpy(s6.sin6_addr.s6_addr + 12, &s4->sin_addr, 4);
			assert_non_null(
			    policy_addr_private((const struct sockaddr *)&s6));
		} else {
			const struct sockaddr_in6 *a6 =
			    (const struct sockaddr_in6 *)(const void *)sa;

			if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr))
				continue; /* a scope would be needed */
			inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
			snprintf(url, sizeof(url), "http://[%s]/", host);
			refused(c, url, "");
			assert_non_null(policy_addr_private(sa));
		}
		allowed(open, url);
		n++;
	}
	freeifaddrs(ifs);
	assert_true(n > 0);
	conf_free(&c);
	conf_free(&open);
}

/* the tricks that make a URL's host look public */
static void
url_forged(void **state)
{
	struct conf *c = load("");

	(void)state;
	refused(c, "http://example.com@127.0.0.1/", "user or password");
	refused(c, "http://127.0.0.1#@example.com/", "loopback");
	refused(c, "http://127.0.0.1?@example.com/", "loopback");
	refused(c, "http://127.0.0.1\\@example.com/", "one of");
	refused(c, "http://0x7f.1/", "loopback");
	refused(c, "http://2130706433/", "loopback");
	refused(c, "http://127.1:80/", "loopback");
	refused(c, "http://017700000001/", "loopback");
	refused(c, "HTTP://[0:0:0:0:0:ffff:7f00:1]/", "loopback");
	refused(c, "http://[::127.0.0.1]/", "loopback");
	conf_free(&c);
}

static void
url_syntax(void **state)
{
	struct conf *c = load("");
	struct policy_verdict v;

	(void)state;
	refused(c, "http://user:pw@8.8.8.8/", "user or password");
	refused(c, "https://user@8.8.8.8/", "user or password");
	refused(c, "ftp://8.8.8.8/x", "http:// or https://");
	refused(c, "file:///etc/passwd", "http:// or https://");
	refused(c, "gopher://8.8.8.8/", "http:// or https://");
	refused(c, "javascript:alert(1)", "http:// or https://");
	refused(c, "http:///x", "no host");
	refused(c, "http://8.8.8.8/a b", "space");
	/* a name that does not resolve: try later */
	assert_false(policy_hook_url_ok(c, "http://nowhere.invalid/", &v));
	assert_string_equal(v.code, "451");
	conf_free(&c);
}

/* the hooks queued for a text from a phone */
static void
payloads(void **state)
{
	struct fixture *f = *state;
	struct conf *c = load(
	    "InboundHook * POST https://a.example/json\n"
	    "InboundHook +12025550100 FORM https://a.example/form\n"
	    "InboundHook +12025550100 GET https://a.example/cb?to={TO}&"
	    "from={FROM}&message={MESSAGE}&id={ID}&date={TIMESTAMP}&x={NOPE} "
	    "ok\n"
	    "InboundHook +12025550100 GET https://a.example/plain?k=v\n"
	    "InboundHook +12025550199 POST https://a.example/other\n"
	    "InboundHook +12025550100 POST https://a.example/json\n");
	struct policy_hook_target per = {"https://t.example/mine", "get+ok"},
				  bad = {"https://t.example/bad", "PUT"};
	struct store_hook *h = NULL;
	struct store_error err;
	unsigned n = 0, i;
	json_t *j;

	assert_int_equal(policy_hooks_inbound(c, f->s, &per, "bob@example.com",
					      42, "+12025550143",
					      "+12025550100", "Hi & bye ✓", T0,
					      &err),
			 STORE_OK);
	assert_int_equal(policy_hooks_inbound(c, f->s, &bad, "bob@example.com",
					      43, "+12025550143",
					      "+12025550177", "x", T0, &err),
			 STORE_OK);
	assert_int_equal(store_hooks(f->s, -1, 0, &h, &n, &err), STORE_OK);
	/* 5 for the first (json once), 1 for the second (bad left out) */
	assert_int_equal(n, 6);
	/* newest first: reverse */
	for (i = 0; i < n / 2; i++) {
		struct store_hook t = h[i];

		h[i] = h[n - 1 - i];
		h[n - 1 - i] = t;
	}
	/* the per-text target first: GET+OK, no placeholders: a query */
	assert_string_equal(h[0].method, "GET");
	assert_true(h[0].expect_ok);
	assert_int_equal(h[0].len, 0);
	{
		char want[512];

		snprintf(
		    want, sizeof(want),
		    "https://t.example/mine?id=%s&event=message.received&"
		    "timestamp=1764000000&MessageSid=42&From=%%2B12025550143&"
		    "To=%%2B12025550100&Text=Hi%%20%%26%%20bye%%20%%E2%%9C%%93",
		    h[0].hid);
		assert_string_equal(h[0].url, want);
	}
	/* the JSON */
	assert_string_equal(h[1].url, "https://a.example/json");
	assert_string_equal(h[1].method, "POST");
	assert_string_equal(h[1].content_type, "application/json");
	assert_false(h[1].expect_ok);
	j = json_loads((const char *)h[1].body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")),
			    h[1].hid);
	assert_string_equal(json_string_value(json_object_get(j, "event")),
			    "message.received");
	assert_int_equal(json_integer_value(json_object_get(j, "timestamp")),
			 T0);
	assert_string_equal(json_string_value(json_object_get(j, "From")),
			    "+12025550143");
	assert_string_equal(json_string_value(json_object_get(j, "To")),
			    "+12025550100");
	assert_string_equal(json_string_value(json_object_get(j, "Text")),
			    "Hi & bye ✓");
	assert_string_equal(json_string_value(json_object_get(j, "MessageSid")),
			    "42");
	assert_null(json_object_get(j, "Status"));
	json_decref(j);
	/* the form */
	assert_string_equal(h[2].content_type,
			    "application/x-www-form-urlencoded");
	assert_non_null(strstr((const char *)h[2].body,
			       "&From=%2B12025550143&To=%2B12025550100&"
			       "Text=Hi%20%26%20bye%20%E2%9C%93"));
	assert_memory_equal(h[2].body, "id=EV", 5);
	/* the template, URL-encoded; an unknown placeholder left */
	assert_true(h[3].expect_ok);
	assert_string_equal(
	    h[3].url, "https://a.example/cb?to=%2B12025550100&"
		      "from=%2B12025550143&message=Hi%20%26%20bye%20%E2%9C%93&"
		      "id=42&date=2025-11-24%2016%3A00%3A00&x={NOPE}");
	/* no placeholders: the fields appended with & */
	assert_memory_equal(h[4].url, "https://a.example/plain?k=v&id=EV", 33);
	/* every hook its own hid */
	for (i = 0; i < n; i++) {
		hid_form(h[i].hid);
		assert_int_equal(h[i].message_id, i < 5 ? 42 : 43);
		if (i)
			assert_string_not_equal(h[i].hid, h[i - 1].hid);
	}
	/* the second text: json only, its own */
	assert_string_equal(h[5].url, "https://a.example/json");
	store_hooks_free(&h, n);
	conf_free(&c);

	/* a text too long for a GET URL: the hook goes, its text cut */
	{
		struct conf *g =
		    load("InboundHook +12025550101 GET "
			 "https://a.example/long?m={MESSAGE}&id={ID}\n");
		char *big = malloc(12000);

		assert_non_null(big);
		for (i = 0; i < 11999; i++)
			big[i] = "!\"#"[i % 3]; /* 3 bytes each, encoded */
		big[11999] = '\0';
		assert_int_equal(
		    policy_hooks_inbound(g, f->s, NULL, "bob@example.com", 44,
					 "+12025550143", "+12025550101", big,
					 T0, &err),
		    STORE_OK);
		assert_int_equal(store_hooks(f->s, -1, 1, &h, &n, &err),
				 STORE_OK);
		assert_int_equal(n, 1);
		assert_int_equal(h[0].message_id, 44);
		assert_true(strlen(h[0].url) <= STORE_URL_MAX);
		assert_non_null(strstr(h[0].url, "...&id=44"));
		store_hooks_free(&h, n);
		free(big);
		conf_free(&g);
	}
}

static void
receipt_payload(void **state)
{
	struct fixture *f = *state;
	struct conf *c =
	    load("ReceiptHook +12025550100 POST "
		 "https://a.example/r\n"
		 "ReceiptHook * GET https://a.example/g?s={STATUS}&"
		 "c={CODE}&h={HOOKID}\n");
	struct store_hook *h = NULL;
	struct store_error err;
	unsigned n = 0;
	json_t *j;
	char want[200];

	assert_int_equal(
	    policy_hooks_receipt(c, f->s, NULL, "alice@example.com", 9,
				 "SM0123", "ext-1", "+12025550100",
				 "+12025550143", "failed", "UNDELIV", T0, &err),
	    STORE_OK);
	assert_int_equal(store_hooks(f->s, -1, 0, &h, &n, &err), STORE_OK);
	assert_int_equal(n, 2);
	j = json_loads((const char *)h[1].body, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "event")),
			    "message.receipt");
	assert_string_equal(json_string_value(json_object_get(j, "MessageSid")),
			    "SM0123");
	assert_string_equal(json_string_value(json_object_get(j, "Status")),
			    "failed");
	assert_string_equal(json_string_value(json_object_get(j, "Code")),
			    "UNDELIV");
	assert_string_equal(json_string_value(json_object_get(j, "ExternalId")),
			    "ext-1");
	assert_null(json_object_get(j, "Text"));
	json_decref(j);
	snprintf(want, sizeof(want),
		 "https://a.example/g?s=failed&c=UNDELIV&h=%s", h[0].hid);
	assert_string_equal(h[0].url, want);
	store_hooks_free(&h, n);
	conf_free(&c);
}

/* the signature against python3's hmac (values in the comments) */
static void
signature(void **state)
{
	char sig[POLICY_HOOK_SIG_SIZE];
	const char *body = "{\"id\":\"EVx\",\"event\":\"message.received\"}",
		   *url = "http://example.com/cb?from=%2B12025550143";

	(void)state;
	/* hmac.new(b"whsec_test_0123456789", b"1764000000." + body,
	   hashlib.sha256).hexdigest() */
	policy_hook_sign("whsec_test_0123456789", T0, body, strlen(body), sig);
	assert_string_equal(sig, "t=1764000000,v1=a8f8f2c9ba071b3a85347f0ec20c"
				 "a2459e0adb6107067f51b42bb678809313f6");
	/* a GET signs its URL */
	policy_hook_sign("whsec_test_0123456789", T0 + 1, url, strlen(url),
			 sig);
	assert_string_equal(sig, "t=1764000001,v1=238ca5149c9bd41129509b8bd598"
				 "498ccd0c0459039faa2481a816331e5a0eba");
}

/* the configuration's hook keys */
static void
conf_keys(void **state)
{
	struct conf *c = load("InboundHook * POST https://a.example/x\n"
			      "InboundHook +12025550100 GET https://a.example/"
			      "y?m={MESSAGE} ok\n"
			      "HookRetryFirst 10s\nHookLifetime 1h\n");
	char *errors = NULL;
	struct conf *bad;

	(void)state;
	assert_int_equal(c->inbound_hooks.n, 2);
	assert_string_equal(c->inbound_hooks.v[0].number, "*");
	assert_string_equal(c->inbound_hooks.v[1].number, "+12025550100");
	assert_string_equal(c->inbound_hooks.v[1].method, "GET");
	assert_true(c->inbound_hooks.v[1].expect_ok);
	assert_false(c->inbound_hooks.v[0].expect_ok);
	assert_int_equal(c->receipt_hooks.n, 0);
	assert_int_equal(c->hook_retry_first, 10);
	assert_int_equal(c->hook_retry_interval, 1800);
	assert_int_equal(c->hook_lifetime, 3600);
	assert_int_equal(c->hook_timeout, 10);
	assert_int_equal(c->hook_concurrency, 4);
	assert_false(c->hook_allow_private);
	assert_null(c->hook_secret);
	conf_free(&c);
	bad = conf_load_string("b.conf",
			       "SmsDomains sms.example.com\n"
			       "TagSecret 0123456789abcdef-test-secret\n"
			       "InboundHook * POST ftp://a.example/\n"
			       "ReceiptHook * PUT https://a.example/\n"
			       "ReceiptHook * GET https://u@a.example/\n"
			       "InboundHook 12 POST https://a.example/\n",
			       &errors);
	assert_null(bad);
	assert_non_null(strstr(errors, "b.conf:3: InboundHook"));
	assert_non_null(strstr(errors, "b.conf:4: ReceiptHook: method"));
	assert_non_null(strstr(errors, "b.conf:5: ReceiptHook"));
	assert_non_null(strstr(errors, "user or password"));
	assert_non_null(strstr(errors, "b.conf:6: InboundHook"));
	free(errors);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(queue_leases, setup, teardown),
	    cmocka_unit_test_setup_teardown(queue_retry_fail, setup, teardown),
	    cmocka_unit_test(url_private),
	    cmocka_unit_test(url_special),
	    cmocka_unit_test(url_own),
	    cmocka_unit_test(url_forged),
	    cmocka_unit_test(url_syntax),
	    cmocka_unit_test_setup_teardown(payloads, setup, teardown),
	    cmocka_unit_test_setup_teardown(receipt_payload, setup, teardown),
	    cmocka_unit_test(signature),
	    cmocka_unit_test(conf_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
