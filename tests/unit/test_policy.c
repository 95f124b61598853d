/*
 * NAME
 *	test_policy - the policy module: who may send, owners, tags,
 *	number rules, noise, schedules and rendering
 * DESCRIPTION
 *	The libmilter callbacks are tested through the milter protocol
 *	(tests/milter) and real Postfix (tests/e2e); this suite covers
 *	what they are built on, with cases a whole-mail test cannot reach
 *	cheaply: address forms, network matching, Authentication-Results
 *	parsing, noise headers, dates, and the tag against an HMAC-SHA256
 *	vector computed outside this code (Python's hmac module).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/policy.h"

static struct conf *
load(const char *extra)
{
	char text[2048], *errors = NULL;
	struct conf *c;

	snprintf(text, sizeof(text),
		 "SmsDomains sms.example.com, txt.example.com\n"
		 "TagSecret 0123456789abcdef-test-secret\n"
		 "DefaultSender +12025550100\n"
		 "TrustedNetworks 127.0.0.0/8, 10.1.0.0/16, 2001:db8::/32\n"
		 "%s",
		 extra);
	c = conf_load_string("t.conf", text, &errors);
	if (!c)
		fail_msg("%s", errors);
	return c;
}

static void
tag_vector(void **state)
{
	char tag[POLICY_TAG_LEN + 1];

	/* python3: hmac.new(key, b"alice@example.com\0+12025550143\0"
	   b"+12025550100", sha256), first 60 bits in base32 */
	policy_tag("0123456789abcdef-test-secret", "alice@example.com",
		   "+12025550143", "+12025550100", tag);
	assert_string_equal(tag, "aobqrbeyrjfd");
	assert_true(policy_tag_ok("0123456789abcdef-test-secret",
				  "alice@example.com", "+12025550143",
				  "+12025550100", "AOBQRBEYRJFD"));
	assert_false(policy_tag_ok("0123456789abcdef-test-secret",
				   "bob@example.com", "+12025550143",
				   "+12025550100", tag));
	assert_false(policy_tag_ok("0123456789abcdef-test-secret",
				   "alice@example.com", "+12025550144",
				   "+12025550100", tag));
	assert_false(policy_tag_ok("another-secret-of-some-length",
				   "alice@example.com", "+12025550143",
				   "+12025550100", tag));
	assert_false(policy_tag_ok("0123456789abcdef-test-secret",
				   "alice@example.com", "+12025550143",
				   "+12025550100", "aobqrbeyrjf"));
}

static void
parse_rcpt(void **state)
{
	struct conf *c = load("");
	struct policy_rcpt r;

	assert_true(policy_parse_rcpt(c, "<12025550143@SMS.Example.com>", &r));
	assert_string_equal(r.local, "12025550143");
	assert_string_equal(r.domain, "sms.example.com");
	assert_string_equal(r.tag, "");
	assert_true(r.number);

	assert_true(policy_parse_rcpt(c, "<+12025550143@sms.example.com>", &r));
	assert_string_equal(r.local, "+12025550143");
	assert_true(r.number);

	assert_true(policy_parse_rcpt(
	    c, "12025550143+k7q2abcdefgh@txt.example.com", &r));
	assert_string_equal(r.local, "12025550143");
	assert_string_equal(r.tag, "k7q2abcdefgh");

	assert_true(policy_parse_rcpt(c, "<202.555.0143@sms.example.com>", &r));
	assert_true(r.number);

	assert_true(policy_parse_rcpt(c, "<Alice@sms.example.com>", &r));
	assert_string_equal(r.local, "alice");
	assert_false(r.number);

	assert_false(policy_parse_rcpt(c, "<bob@example.org>", &r));
	assert_false(policy_parse_rcpt(c, "<bob@sms.example.com.evil>", &r));
	assert_false(policy_parse_rcpt(c, "<@sms.example.com>", &r));
	assert_false(policy_parse_rcpt(c, "<>", &r));

	{
		char longaddr[400];

		memset(longaddr, '1', 300);
		strcpy(longaddr + 300, "@sms.example.com");
		assert_true(policy_parse_rcpt(c, longaddr, &r));
		assert_true(r.too_long);
	}
	conf_free(&c);
}

static void
sender_check(void **state)
{
	struct conf *c = load("AllowedSenders @example.com\n");
	struct policy_verdict v;
	struct policy_client cl = {"", "127.0.0.1", "<alice@example.com>"};

	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.client_addr = "10.1.200.3";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.client_addr = "10.2.0.1";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	assert_string_equal(v.code, "550");
	assert_string_equal(v.xcode, "5.7.1");
	cl.client_addr = "IPv6:2001:db8::25";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.client_addr = "::ffff:127.0.0.9";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.client_addr = "2001:db9::1";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	cl.client_addr = "not an address";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	cl.client_addr = NULL;
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);

	/* SASL counts, but the allow-list still narrows */
	cl.auth_authen = "alice";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.envelope_from = "<eve@elsewhere.example>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	assert_non_null(strstr(v.text, "eve@elsewhere.example is not allowed"));
	conf_free(&c);

	/* AuthenticatedSenders no: SASL alone is not enough */
	c = load("AuthenticatedSenders no\n");
	cl = (struct policy_client){"alice", "192.0.2.1", "<a@example.com>"};
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	conf_free(&c);

	/* DMARC: undecided at RCPT when configured */
	c = load("AuthservId mail.example.com\nDmarcDomains partner.example\n");
	cl = (struct policy_client){"", "192.0.2.1", "<pat@partner.example>"};
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_DMARC);
	cl.envelope_from = "<>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	conf_free(&c);
}

static void
dmarc(void **state)
{
	struct conf *c = load("AuthservId mail.example.com\n"
			      "DmarcDomains partner.example\n");

	assert_true(policy_dmarc_pass(
	    c,
	    " mail.example.com; dkim=pass header.d=partner.example;"
	    " dmarc=pass (p=reject dis=none) header.from=partner.example",
	    "partner.example"));
	assert_true(policy_dmarc_pass(
	    c, "Mail.Example.Com 1; dmarc=pass header.from=Partner.Example",
	    "partner.example"));
	assert_true(policy_dmarc_pass(
	    c,
	    "mail.example.com;\n\tspf=pass smtp.mailfrom=partner.example;\n"
	    "\tdmarc=pass (comment (nested)) header.from=partner.example",
	    "partner.example"));
	assert_false(policy_dmarc_pass(
	    c, "mail.example.com; dmarc=fail header.from=partner.example",
	    "partner.example"));
	assert_false(policy_dmarc_pass(
	    c, "evil.example; dmarc=pass header.from=partner.example",
	    "partner.example"));
	assert_false(policy_dmarc_pass(
	    c, "mail.example.com.evil; dmarc=pass header.from=partner.example",
	    "partner.example"));
	assert_false(policy_dmarc_pass(
	    c, "mail.example.com; dmarc=pass header.from=other.example",
	    "partner.example"));
	assert_false(policy_dmarc_pass(
	    c, "mail.example.com; dmarc=pass header.from=other.example",
	    "other.example"));
	assert_false(policy_dmarc_pass(c, "mail.example.com; dkim=pass",
				       "partner.example"));
	assert_false(policy_dmarc_pass(c, "", "partner.example"));
	conf_free(&c);
}

static void
owners(void **state)
{
	struct conf *c =
	    load("OwnerAliases a.smith@example.com=alice@example.com\n"
		 "SenderNumbers alice@example.com=+12025550101\n");
	char o[256];

	policy_owner(c, "<A.Smith@Example.com>", o, sizeof(o));
	assert_string_equal(o, "alice@example.com");
	policy_owner(c, "<bob@example.com>", o, sizeof(o));
	assert_string_equal(o, "bob@example.com");
	assert_string_equal(policy_sender_number(c, "alice@example.com"),
			    "+12025550101");
	assert_string_equal(policy_sender_number(c, "bob@example.com"),
			    "+12025550100");
	conf_free(&c);
}

static void
noise(void **state)
{
	const char *why = NULL;

	assert_true(policy_noise("Auto-Submitted", " auto-replied", &why));
	assert_non_null(why);
	assert_true(policy_noise("auto-submitted", "auto-notified; x=1", &why));
	assert_false(policy_noise("Auto-Submitted", "auto-generated", &why));
	assert_false(policy_noise("Auto-Submitted", "no", &why));
	assert_true(policy_noise("Precedence", "bulk", &why));
	assert_true(policy_noise("PRECEDENCE", " JUNK", &why));
	assert_true(policy_noise("Precedence", "list", &why));
	assert_false(policy_noise("Precedence", "first-class", &why));
	assert_true(policy_noise("X-SMS-From", "+12025550143", &why));
	assert_false(policy_noise("Subject", "auto-replied", &why));
}

static void
schedule(void **state)
{
	const int64_t now = 1795565000; /* 2026-11-25 00:03:20 UTC */
	struct policy_verdict v;
	int64_t due;

	assert_true(
	    policy_schedule("2026-11-26T00:00:00Z", now, 14 * 86400, &due, &v));
	assert_int_equal(due, 1795651200);
	assert_true(policy_schedule("2026-11-26 01:00:00+01:00", now,
				    14 * 86400, &due, &v));
	assert_int_equal(due, 1795651200);
	assert_true(policy_schedule("Thu, 26 Nov 2026 00:00:00 +0000", now,
				    14 * 86400, &due, &v));
	assert_int_equal(due, 1795651200);
	/* under an hour past: now */
	assert_true(
	    policy_schedule("2026-11-24T23:30:00Z", now, 14 * 86400, &due, &v));
	assert_int_equal(due, 0);
	assert_false(
	    policy_schedule("2026-11-24T20:00:00Z", now, 14 * 86400, &due, &v));
	assert_string_equal(v.xcode, "5.7.1");
	assert_false(
	    policy_schedule("2026-12-25T00:00:00Z", now, 14 * 86400, &due, &v));
	assert_non_null(strstr(v.text, "14 days"));
	assert_false(policy_schedule("soon", now, 14 * 86400, &due, &v));
	assert_false(policy_schedule("", now, 14 * 86400, &due, &v));
	assert_false(
	    policy_schedule("2026-13-45T99:00:00Z", now, 14 * 86400, &due, &v));
}

static void
render(void **state)
{
	static const char mail[] =
	    "From: Alice <alice@example.com>\r\n"
	    "Subject: Lunch\r\n"
	    "Message-ID: <r1@example.com>\r\n\r\n"
	    "Noon at the usual place?\r\n\r\n"
	    "On Mon, Nov 23, 2026 at 9:00 AM Bob <bob@example.com> wrote:\r\n"
	    "> Lunch tomorrow?\r\n";
	struct policy_render_opts o;
	struct policy_verdict v;
	struct policy_text t;
	struct mp_message *m;
	struct mp_error err;

	assert_int_equal(mp_parse(mail, sizeof(mail) - 1, NULL, &m, &err),
			 MP_OK);
	policy_render_opts(NULL, &o);
	assert_true(policy_render(m, &o, false, &t, &v));
	assert_string_equal(t.plan->text, "Lunch: Noon at the usual place?");
	assert_int_equal(t.plan->nparts, 1);
	policy_text_free(&t);
	assert_true(policy_render(m, &o, true, &t, &v));
	assert_string_equal(t.plan->text, "Noon at the usual place?");
	policy_text_free(&t);

	o.plan.cap = 1;
	o.plan.reject_long = true;
	o.reply_template = "{body} {body} {body} {body} {body} {body} {body}";
	assert_false(policy_render(m, &o, true, &t, &v));
	assert_string_equal(v.code, "552");
	assert_string_equal(v.xcode, "5.3.4");
	assert_null(t.text);
	o.plan.reject_long = false;
	assert_true(policy_render(m, &o, true, &t, &v));
	assert_true(t.truncated);
	assert_int_equal(t.plan->nparts, 1);
	policy_text_free(&t);
	mp_message_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tag_vector),   cmocka_unit_test(parse_rcpt),
	    cmocka_unit_test(sender_check), cmocka_unit_test(dmarc),
	    cmocka_unit_test(owners),	    cmocka_unit_test(noise),
	    cmocka_unit_test(schedule),	    cmocka_unit_test(render),
	};

	mp_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
