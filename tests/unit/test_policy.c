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
#include "util/util.h"

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

	/* the domain written absolute, with its final dot */
	assert_true(policy_parse_rcpt(c, "<12025550143@sms.example.com.>", &r));
	assert_string_equal(r.domain, "sms.example.com");
	assert_false(
	    policy_parse_rcpt(c, "<12025550143@sms.example.com..>", &r));
	assert_false(policy_parse_rcpt(c, "<12025550143@.>", &r));

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
	cl.auth_authen = "alice@example.com";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.auth_authen = "eve@elsewhere.example";
	cl.envelope_from = "<eve@elsewhere.example>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	assert_non_null(strstr(v.text, "eve@elsewhere.example is not allowed"));
	conf_free(&c);

	/* a login sends only as itself, its aliases and SenderLogins */
	c = load("OwnerAliases a.smith@example.com=alice@example.com\n"
		 "SenderLogins support@example.com=alice, @ops.example=Ops\n");
	cl = (struct policy_client){"bob@example.com", "192.0.2.1",
				    "<alice@example.com>"};
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	assert_string_equal(v.code, "550");
	assert_string_equal(v.xcode, "5.7.1");
	assert_string_equal(v.text, "the login bob@example.com may not send "
				    "as alice@example.com (SenderLogins)");
	cl.client_addr = "127.0.0.1"; /* trusted, but logged in as bob */
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	cl.auth_authen = ""; /* trusted, no login: as before */
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.auth_authen = "Alice@Example.COM";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.envelope_from = "<a.smith@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.envelope_from = "<support@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	cl.auth_authen = "alice";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.envelope_from = "<alice@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	cl.auth_authen = "ops";
	cl.envelope_from = "<desk@ops.example>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.envelope_from = "<desk@sub.ops.example>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	/* an alias's login may not send as its owner */
	cl.auth_authen = "a.smith@example.com";
	cl.envelope_from = "<alice@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	cl.envelope_from = "<a.smith@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	/* a bare login is nobody's address without LoginDomain */
	cl.auth_authen = "bob";
	cl.envelope_from = "<bob@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	conf_free(&c);
	c = load("LoginDomain example.com\n");
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_YES);
	cl.envelope_from = "<alice@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
	cl.auth_authen = "bob>";
	cl.envelope_from = "<bob@example.com>";
	assert_int_equal(policy_sender_check(c, &cl, &v), POLICY_AUTH_NO);
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
	/* a ';' in a comment or a quoted string starts no result */
	assert_false(
	    policy_dmarc_pass(c,
			      "mail.example.com; dkim=fail (x; dmarc=pass "
			      "header.from=partner.example )",
			      "partner.example"));
	assert_false(policy_dmarc_pass(
	    c,
	    "mail.example.com; spf=pass smtp.mailfrom=\"x; dmarc=pass "
	    "header.from=partner.example \"@evil.example",
	    "partner.example"));
	assert_false(policy_dmarc_pass(
	    c, "mail.example.com; dmarc=pass header.from=\"partner.example\"",
	    "partner.example"));
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
	/* folded, with comments (RFC 5322 CFWS) */
	assert_true(policy_noise("Auto-Submitted", "\r\n AUTO-REPLIED", &why));
	assert_true(
	    policy_noise("Auto-Submitted", " (ooo)\n\tauto-replied", &why));
	assert_false(policy_noise("Auto-Submitted", " (x)\r\n no", &why));
	assert_false(
	    policy_noise("Auto-Submitted", "\r\n auto-generated", &why));
	/* vacation responders and list managers */
	assert_true(policy_noise("X-Autoreply", "yes", &why));
	assert_false(policy_noise("X-Autoreply", "no", &why));
	assert_true(policy_noise("x-autorespond", "", &why));
	assert_true(policy_noise("X-Auto-Response", "anything", &why));
	assert_true(policy_noise("X-Autogenerated", "Reply", &why));
	assert_false(policy_noise("X-Autogenerated", "Forward", &why));
	assert_true(policy_noise("List-Id", "<ops.lists.example.com>", &why));
	assert_string_equal(why, "List-Id (mailing list traffic)");
	assert_true(policy_noise("List-Unsubscribe", "<mailto:x@y>", &why));
	assert_true(policy_noise("List-Post", "NO", &why));
	assert_true(policy_noise("Precedence", "auto_reply", &why));
	assert_false(policy_noise("Auto-Submitted", "", &why));
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
	/* the sentence quotes the header, but not its line breaks */
	assert_false(policy_schedule("soon\r\nX-Injected: yes", now, 14 * 86400,
				     &due, &v));
	assert_null(strpbrk(v.text, "\r\n"));
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
	policy_text_clear(&t);
	assert_true(policy_render(m, &o, true, &t, &v));
	assert_string_equal(t.plan->text, "Noon at the usual place?");
	policy_text_clear(&t);

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
	policy_text_clear(&t);
	mp_message_free(&m);
}

/* render_links - attachments' links end the text and count; the cap
   cuts the words, never a link */
static void
render_links(void **state)
{
	static const char mail[] =
	    "From: Alice <alice@example.com>\r\n"
	    "Subject: Menu\r\n"
	    "Message-ID: <l1@example.com>\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\n"
	    "Tonight's menu and a photo.\r\n"
	    "--b\r\nContent-Type: image/png\r\n"
	    "Content-Disposition: attachment; filename=\"a.png\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
	    "--b\r\nContent-Type: application/pdf\r\n"
	    "Content-Disposition: attachment; filename=\"menu.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
	    "--b--\r\n";
	static const char bare[] = "From: alice@example.com\r\n"
				   "Content-Type: image/png\r\n"
				   "Content-Transfer-Encoding: base64\r\n\r\n"
				   "iVBORw0KGgo=\r\n";
	struct conf *c = load("MediaBaseUrl https://sms.example.com\n"
			      "MediaMaxFiles 2\nMediaMaxBytes 100\n");
	struct policy_render_opts o;
	struct policy_media_set set;
	struct policy_verdict v;
	struct policy_text t;
	struct mp_message *m;
	struct mp_error err;
	char left[300], *nl;
	size_t n;

	(void)state;
	assert_int_equal(mp_parse(mail, sizeof(mail) - 1, NULL, &m, &err),
			 MP_OK);
	assert_int_equal(m->nattachments, 2);
	assert_true(
	    policy_media_links(c, m, "alice@example.com", 1000, &set, &v));
	assert_int_equal(set.n, 2);
	assert_string_equal(set.files[1].content_type, "application/pdf");
	assert_int_equal(set.files[1].len, 9);
	assert_memory_equal(set.files[1].data, "%PDF-1.4\n", 9);
	assert_int_equal(set.files[0].expires, 1000 + 30 * 86400);
	assert_string_equal(set.files[0].owner, "alice@example.com");
	nl = strchr(set.links, '\n');
	assert_non_null(nl);
	assert_int_equal(strncmp(set.links, "https://sms.example.com/m/", 26),
			 0);
	assert_non_null(strstr(nl, "/menu.pdf"));
	policy_render_opts(c, &o);
	o.links = set.links;
	assert_true(policy_render(m, &o, false, &t, &v));
	n = strlen(t.plan->text);
	assert_int_equal(t.links_len, strlen(set.links));
	assert_string_equal(t.plan->text + n - t.links_len, set.links);
	assert_int_equal(
	    strncmp(t.plan->text, "Menu: Tonight's menu and a photo.\n", 34),
	    0);
	assert_int_equal(t.plan->nparts, 2); /* 34 + two links of 66 and 69 */
	assert_int_equal(t.left_out, 0);
	assert_false(policy_left_out(m, &t, left, sizeof(left)));
	policy_text_clear(&t);
	/* a cap of one segment: the words are cut, the links stay whole */
	o.reply_template = "{body} {body} {body} {body} {body}";
	o.plan.cap = 1;
	assert_true(policy_render(m, &o, true, &t, &v));
	assert_true(t.truncated);
	assert_int_equal(t.plan->nparts, 1);
	n = strlen(t.plan->text);
	assert_string_equal(t.plan->text + n - t.links_len, set.links);
	assert_non_null(strstr(t.plan->text, "...\nhttps://"));
	assert_true(policy_left_out(m, &t, left, sizeof(left)));
	assert_non_null(strstr(left, "the text was cut to 1 SMS segments"));
	policy_text_clear(&t);
	/* links alone over the cap: refused, never cut */
	o.links = "https://sms.example.com/m/aaaaaaaaaa/1/bbbbbbbbbbbb/x\n"
		  "https://sms.example.com/m/aaaaaaaaaa/1/bbbbbbbbbbbb/y\n"
		  "https://sms.example.com/m/aaaaaaaaaa/1/bbbbbbbbbbbb/z";
	assert_false(policy_render(m, &o, true, &t, &v));
	assert_string_equal(v.xcode, "5.3.4");
	assert_non_null(strstr(v.text, "links to the attachments alone"));
	/* without links: left out, in words */
	o.links = NULL;
	o.plan.cap = 10;
	assert_true(policy_render(m, &o, false, &t, &v));
	assert_int_equal(t.left_out, 2);
	assert_true(policy_left_out(m, &t, left, sizeof(left)));
	assert_non_null(strstr(left, "2 attachments (a.png, menu.pdf)"));
	policy_text_clear(&t);
	policy_media_set_clear(&set);
	mp_message_free(&m);
	/* a picture alone: its link is the text */
	assert_int_equal(mp_parse(bare, sizeof(bare) - 1, NULL, &m, &err),
			 MP_OK);
	assert_true(
	    policy_media_links(c, m, "alice@example.com", 1000, &set, &v));
	o.links = set.links;
	assert_true(policy_render(m, &o, false, &t, &v));
	assert_string_equal(t.plan->text, set.links);
	policy_text_clear(&t);
	policy_media_set_clear(&set);
	mp_message_free(&m);
	/* limits: files and bytes */
	assert_int_equal(mp_parse(mail, sizeof(mail) - 1, NULL, &m, &err),
			 MP_OK);
	conf_free(&c);
	c = load("MediaBaseUrl https://sms.example.com\nMediaMaxFiles 1\n");
	assert_false(policy_media_links(c, m, "a@example.com", 1, &set, &v));
	assert_string_equal(v.code, "552");
	assert_non_null(strstr(v.text, "2 attachments, more than the 1"));
	conf_free(&c);
	c = load("MediaBaseUrl https://sms.example.com\nMediaMaxBytes 8\n");
	assert_false(policy_media_links(c, m, "a@example.com", 1, &set, &v));
	assert_non_null(strstr(v.text, "menu.pdf is 9 bytes, over the 8"));
	conf_free(&c);
	/* Transport http: the PNG goes as MMS, the PDF as a link */
	c = load("MediaBaseUrl https://sms.example.com\nTransport http\n"
		 "HttpBaseUrl https://api.example.com\nHttpAccount AC1\n"
		 "HttpToken t\n");
	assert_true(policy_media_links(c, m, "a@example.com", 1, &set, &v));
	assert_int_equal(set.n, 2);
	assert_int_equal(set.nmms, 1);
	assert_non_null(strstr(set.mms, "/a.png"));
	assert_null(strchr(set.mms, '\n'));
	assert_non_null(strstr(set.links, "/menu.pdf"));
	assert_null(strstr(set.links, "/a.png"));
	policy_render_opts(c, &o);
	o.links = set.links;
	o.mms = set.nmms;
	assert_true(policy_render(m, &o, false, &t, &v));
	assert_int_equal(t.plan->nparts, 1);
	assert_int_equal(t.segments, 2); /* the text, and a picture */
	assert_int_equal(t.left_out, 0);
	policy_text_clear(&t);
	policy_media_set_clear(&set);
	conf_free(&c);
	c = load("MediaBaseUrl https://sms.example.com\nTransport http\n"
		 "HttpBaseUrl https://api.example.com\nHttpAccount AC1\n"
		 "HttpToken t\nMmsMaxBytes 7\n"); /* the PNG is 8 bytes */
	assert_true(policy_media_links(c, m, "a@example.com", 1, &set, &v));
	assert_int_equal(set.nmms, 0);
	assert_null(set.mms);
	policy_media_set_clear(&set);
	conf_free(&c);
	mp_message_free(&m);
	/* a picture alone, as MMS: an empty text, one segment billed */
	assert_int_equal(mp_parse(bare, sizeof(bare) - 1, NULL, &m, &err),
			 MP_OK);
	c = load("MediaBaseUrl https://sms.example.com\nTransport http\n"
		 "HttpBaseUrl https://api.example.com\nHttpAccount AC1\n"
		 "HttpToken t\n");
	assert_true(policy_media_links(c, m, "a@example.com", 1, &set, &v));
	assert_int_equal(set.nmms, 1);
	assert_null(set.links);
	policy_render_opts(c, &o);
	o.links = set.links;
	o.mms = set.nmms;
	assert_true(policy_render(m, &o, false, &t, &v));
	assert_string_equal(t.plan->text, "");
	assert_int_equal(t.segments, 1);
	policy_text_clear(&t);
	policy_media_set_clear(&set);
	conf_free(&c);
	c = load("SegmentCap 3\n"); /* no MediaBaseUrl: nothing kept */
	assert_true(policy_media_links(c, m, "a@example.com", 1, &set, &v));
	assert_int_equal(set.n, 0);
	assert_null(set.links);
	conf_free(&c);
	mp_message_free(&m);
}

/* twelve pictures: ten go as MMS (the carrier's limit), two as links */
static void
media_mms_max(void **state)
{
	struct ut_buf b = {0};
	struct policy_media_set set;
	struct policy_verdict v;
	struct mp_message *m;
	struct mp_error err;
	struct conf *c =
	    load("MediaBaseUrl https://sms.example.com\nTransport http\n"
		 "HttpBaseUrl https://api.example.com\nHttpAccount AC1\n"
		 "HttpToken t\nMediaMaxFiles 20\n");
	unsigned i, lines = 1;
	const char *p;

	(void)state;
	ut_buf_printf(&b, "From: alice@example.com\r\nContent-Type: "
			  "multipart/mixed; boundary=b\r\n\r\n--b\r\n"
			  "Content-Type: text/plain\r\n\r\nhi\r\n");
	for (i = 0; i < 12; i++)
		ut_buf_printf(&b,
			      "--b\r\nContent-Type: image/png\r\n"
			      "Content-Disposition: attachment; "
			      "filename=p%u.png\r\n"
			      "Content-Transfer-Encoding: base64\r\n\r\n"
			      "iVBORw0KGgo=\r\n",
			      i);
	ut_buf_printf(&b, "--b--\r\n");
	assert_false(b.failed);
	assert_int_equal(mp_parse(b.s, b.len, NULL, &m, &err), MP_OK);
	assert_int_equal(m->nattachments, 12);
	assert_true(policy_media_links(c, m, "a@example.com", 1, &set, &v));
	assert_int_equal(set.n, 12);
	assert_int_equal(set.nmms, POLICY_MMS_MAX);
	assert_non_null(set.links);
	for (p = set.links; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 12 - POLICY_MMS_MAX);
	assert_true(strlen(set.mms) <= STORE_MMS_MAX);
	policy_media_set_clear(&set);
	mp_message_free(&m);
	ut_buf_clear(&b);
	conf_free(&c);
}

/* number rules: one builder, the same sentences for every entry point */
static void
numbers(void **state)
{
	struct conf *c = load("AllowedCountries US, CA, GB\n"
			      "DeniedAreaCodes 684\n");
	struct sms_phone_rules r;
	struct policy_verdict v;
	char e164[20];

	policy_phone_rules(c, POLICY_TEXTED, &r);
	assert_string_equal(r.default_country, "US");
	assert_non_null(r.allowed);
	assert_non_null(r.denied);
	policy_phone_rules(c, POLICY_ANY, &r);
	assert_null(r.allowed);
	assert_null(r.denied);

	assert_true(policy_number(c, "202.555.0143", NULL, e164, &v));
	assert_string_equal(e164, "+12025550143");
	assert_true(policy_number(c, "+442079460958", NULL, e164, &v));
	assert_string_equal(e164, "+442079460958");

	assert_false(policy_number(c, "16845550100", NULL, e164, &v));
	assert_string_equal(v.code, "550");
	assert_string_equal(v.xcode, "5.1.1");
	assert_string_equal(v.text, "texts to 16845550100 are not allowed: "
				    "numbers starting +1684 cannot receive "
				    "texts from here");
	assert_false(policy_number(c, "+33612345678", NULL, e164, &v));
	assert_string_equal(v.xcode, "5.1.1");
	assert_string_equal(v.text, "texts to +33612345678 are not allowed: "
				    "FR numbers (+33612345678) are not allowed "
				    "here");
	/* a contact is named with its number */
	assert_false(policy_number(c, "+16845550100", "pago", e164, &v));
	assert_non_null(strstr(v.text, "texts to pago (+16845550100) are not"));
	assert_false(policy_number(c, "12", NULL, e164, &v));
	assert_string_equal(v.xcode, "5.1.3");
	assert_non_null(strstr(v.text, "12 is not a valid phone number: "));
	conf_free(&c);

	/* without the rules, the same numbers are fine */
	c = load("");
	assert_true(policy_number(c, "16845550100", NULL, e164, &v));
	assert_true(policy_number(c, "+33612345678", NULL, e164, &v));
	conf_free(&c);
}

/*
 * short codes and sender names: their texts are mailed from them; a
 * sender name is never texted, a short code only when it is one of
 * TextableShortCodes
 */
static void
senders(void **state)
{
	struct conf *c = load("");
	struct policy_verdict v;
	char out[20];

	assert_true(policy_sender(c, "12025550143", out, &v));
	assert_string_equal(out, "+12025550143");
	assert_true(policy_sender(c, "32665", out, &v));
	assert_string_equal(out, "32665");
	assert_true(policy_sender(c, "AMAZON", out, &v));
	assert_string_equal(out, "AMAZON");
	assert_true(policy_sender(c, "Amazon Pay", out, &v));
	assert_string_equal(out, "AMAZON_PAY");
	assert_false(policy_sender(c, "AB-C", out, &v));
	assert_string_equal(v.xcode, "5.1.3");
	assert_false(policy_sender(c, "ABCDEFGHIJKL", out, &v)); /* 12 */
	assert_false(policy_sender(c, "12", out, &v));
	assert_false(policy_sender(c, "", out, &v));
	assert_false(policy_sender(c, " AB", out, &v));

	assert_true(policy_sender_name("amazon_pay", out));
	assert_string_equal(out, "AMAZON_PAY");
	assert_false(policy_sender_name("32665", out));
	assert_false(policy_sender_name("bob.smith", out));
	policy_display("AMAZON_PAY", out, sizeof(out));
	assert_string_equal(out, "AMAZON PAY");
	policy_display("32665", out, sizeof(out));
	assert_string_equal(out, "32665");

	/* mail to them: refused, saying why */
	assert_false(policy_number(c, "32665", NULL, out, &v));
	assert_string_equal(v.code, "550");
	assert_string_equal(v.xcode, "5.1.1");
	assert_non_null(strstr(v.text, "32665 is a short code: it cannot be "
				       "texted through this transport"));
	assert_false(policy_number(c, "amazon", NULL, out, &v));
	assert_string_equal(v.xcode, "5.1.1");
	assert_string_equal(v.text, "AMAZON is a sender name, not a phone: it "
				    "cannot receive texts");
	assert_false(policy_number(c, "Amazon_Pay", NULL, out, &v));
	assert_string_equal(v.text, "AMAZON_PAY is a sender name, not a phone: "
				    "it cannot receive texts");
	conf_free(&c);

	/* a short code the transport can text */
	c = load("TextableShortCodes 32665, 7890\n");
	assert_true(policy_number(c, "32665", NULL, out, &v));
	assert_string_equal(out, "32665");
	assert_false(policy_number(c, "32666", NULL, out, &v));
	assert_false(policy_number(c, "amazon", NULL, out, &v));
	conf_free(&c);
}

/* NOTIFY lists, as RFC 3461 writes them */
static void
notify(void **state)
{
	static const struct {
		const char *in;
		int rc;
		unsigned bits;
	} cases[] = {
	    {"NEVER", 0, STORE_NOTIFY_NEVER},
	    {"never", 0, STORE_NOTIFY_NEVER},
	    {"SUCCESS", 0, STORE_NOTIFY_SUCCESS},
	    {"success,FAILURE", 0, STORE_NOTIFY_SUCCESS | STORE_NOTIFY_FAILURE},
	    {"DELAY,FAILURE,SUCCESS", 0,
	     STORE_NOTIFY_SUCCESS | STORE_NOTIFY_FAILURE | STORE_NOTIFY_DELAY},
	    {"NEVER,SUCCESS", -1, 0},
	    {"", -1, 0},
	    {"SUCCESS,", -1, 0},
	    {",SUCCESS", -1, 0},
	    {"SUCCES", -1, 0},
	    {"SUCCESSFUL", -1, 0},
	    {"FAILURE DELAY", -1, 0},
	};
	unsigned i, bits;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bits = 99;
		assert_int_equal(policy_notify(cases[i].in, &bits),
				 cases[i].rc);
		assert_int_equal(bits, cases[i].bits);
	}
}

/* tags in subjects, addresses and texts: one reader */
static void
tag_syntax(void **state)
{
	char tag[POLICY_TAG_LEN + 1], s[128];
	const char *p;
	size_t n;

	p = mp_subject_tag("Re: Dinner [#old] [#abcdefghijkl] [#zz]", &n);
	assert_non_null(p);
	assert_int_equal(n, 12);
	assert_memory_equal(p, "abcdefghijkl", 12);
	/* the last well-formed one; not one with a 1, 8 or 9 */
	p = mp_subject_tag("[#abcdefgh] [#abcdefgh19]", &n);
	assert_memory_equal(p, "abcdefgh", n);
	assert_null(mp_subject_tag("no tag [#] [#ab] [#abcdefgh", &n));
	assert_int_equal(mp_tag_at("abcdef2@x", '@'), 7);
	assert_int_equal(mp_tag_at("abcde@x", '@'), 0);
	assert_int_equal(mp_tag_at("abcdefg+x", '@'), 0);

	snprintf(s, sizeof(s), "Re: Lunch [#oldtag99]  [#k7q2mx4zab] x");
	mp_subject_untag(s);
	assert_string_equal(s, "Re: Lunch x");
	snprintf(s, sizeof(s), "[# not a tag] [#]");
	mp_subject_untag(s);
	assert_string_equal(s, "[# not a tag] [#]");
	/* no mark is left that the removal of another one made */
	snprintf(s, sizeof(s), "Re: [#ab [#x]cdef] [[#y]#ghijkl]");
	mp_subject_untag(s);
	assert_string_equal(s, "Re:");

	assert_true(policy_tag_in_text("ok #AOBQRBEYRJFD thanks", tag));
	assert_string_equal(tag, "aobqrbeyrjfd");
	assert_true(policy_tag_in_text("#aobqrbeyrjfd", tag));
	assert_false(policy_tag_in_text("#aobqrbeyrjfdx", tag));
	assert_false(policy_tag_in_text("#aobqrbeyrjf", tag));
	assert_false(policy_tag_in_text("aobqrbeyrjfd", tag));
	assert_true(policy_tag_in_text("#1 then #aobqrbeyrjfd.", tag));
	assert_string_equal(tag, "aobqrbeyrjfd");
}

/*
 * one plan: what is queued (policy_plan) and what smsgw sends
 * (policy_plan_queued of the stored text and encoding) are the same
 * encoding, segments and bytes, with SmartEncoding yes and no
 */
static void
plan_as_queued(void **state)
{
	static const char *const texts[] = {
	    "It’s done — see you",
	    "Plain GSM text, nothing to map",
	    "“Quotes” and … an ellipsis, and an emoji 😀",
	    "Ünïcödé: Привет, мир — and more",
	    "€ costs two septets [each] {of} these ~ ^ | \\",
	    "A long one — "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "’ the end",
	};
	struct policy_plan_opts o;
	struct policy_verdict v;
	struct sms_error serr;
	struct sms_plan *q, *s;
	uint8_t a[400], b[400];
	size_t alen, blen;
	unsigned i, k, smart, ucs2_seen = 0, gsm_seen = 0;
	bool truncated, same;

	for (smart = 0; smart < 2; smart++) {
		for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			policy_plan_opts(NULL, &o);
			o.smart = smart;
			q = policy_plan(&o, texts[i], &truncated, &v);
			assert_non_null(q);
			s = policy_plan_queued(q->text,
					       q->encoding == SMS_UCS2 ? 8 : 0,
					       &same, &serr);
			assert_non_null(s);
			assert_true(same);
			assert_int_equal(s->encoding, q->encoding);
			assert_int_equal(s->nparts, q->nparts);
			assert_int_equal(s->length, q->length);
			for (k = 0; k < q->nparts; k++) {
				assert_int_equal(sms_plan_encode_part(
						     q, k, a, sizeof(a), &alen),
						 SMS_OK);
				assert_int_equal(sms_plan_encode_part(
						     s, k, b, sizeof(b), &blen),
						 SMS_OK);
				assert_int_equal(alen, blen);
				assert_memory_equal(a, b, alen);
			}
			ucs2_seen += q->encoding == SMS_UCS2;
			gsm_seen += q->encoding == SMS_GSM7;
			sms_plan_free(&s);
			sms_plan_free(&q);
		}
	}
	/* the first text is GSM-7 with smart encoding, UCS-2 without */
	policy_plan_opts(NULL, &o);
	q = policy_plan(&o, texts[0], &truncated, &v);
	assert_int_equal(q->encoding, SMS_GSM7);
	assert_string_equal(q->text, "It's done - see you");
	sms_plan_free(&q);
	o.smart = false;
	q = policy_plan(&o, texts[0], &truncated, &v);
	assert_int_equal(q->encoding, SMS_UCS2);
	assert_string_equal(q->text, texts[0]);
	sms_plan_free(&q);
	assert_true(ucs2_seen > 0 && gsm_seen > 0);

	/* queued by an older version: the unmapped text billed as GSM-7 */
	s = policy_plan_queued(texts[0], 0, &same, &serr);
	assert_true(same);
	assert_int_equal(s->encoding, SMS_GSM7);
	sms_plan_free(&s);
	/* and a recorded encoding that cannot be kept is said */
	s = policy_plan_queued("plain", 8, &same, &serr);
	assert_false(same);
	sms_plan_free(&s);

	/* the cap: cut with the marker, or refused in the same words */
	policy_plan_opts(NULL, &o);
	o.cap = 1;
	q = policy_plan(&o, texts[5], &truncated, &v);
	assert_true(truncated);
	assert_int_equal(q->nparts, 1);
	assert_non_null(strstr(q->text, "..."));
	sms_plan_free(&q);
	o.reject_long = true;
	assert_null(policy_plan(&o, texts[5], &truncated, &v));
	assert_string_equal(v.code, "552");
	assert_string_equal(v.text, "the text would take 2 SMS segments, more "
				    "than the limit of 1; shorten the text");
}

/* the site's options reach the plan */
static void
plan_opts(void **state)
{
	struct conf *c = load("SmartEncoding no\nSegmentCap 3\n"
			      "LongMessagePolicy reject\n"
			      "TruncationMarker [cut]\n");
	struct policy_plan_opts o;

	policy_plan_opts(c, &o);
	assert_false(o.smart);
	assert_int_equal(o.cap, 3);
	assert_true(o.reject_long);
	assert_string_equal(o.marker, "[cut]");
	conf_free(&c);
	policy_plan_opts(NULL, &o);
	assert_true(o.smart);
	assert_int_equal(o.cap, 10);
	assert_false(o.reject_long);
}

/* queue_out - owner texts phone from our at time t (store API) */
static void
queue_out(struct store *st, const struct conf *c, const char *owner,
	  const char *phone, const char *our, int64_t t)
{
	struct store_error err;
	char tag[POLICY_TAG_LEN + 1], key[128];
	int64_t id, thread;

	policy_tag(c->tag_secret, owner, phone, our, tag);
	snprintf(key, sizeof(key), "%s|%s|%lld", owner, phone, (long long)t);
	{
		struct store_outbound m = {
		    .owner = owner,
		    .phone = phone,
		    .sender = our,
		    .tag = tag,
		    .envelope_from = owner,
		    .idem_key = key,
		    .text = "hi",
		    .segments = 1,
		};

		assert_int_equal(store_enqueue(st, &m, t, &id, &thread, &err),
				 STORE_OK);
	}
}

/* answers on a shared number: tagged, recent, ambiguous, all */
static void
route(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", db[64], path[96];
	struct conf *c = load("LeaseDuration 1d\n"
			      "NumberOwners +12025550100=desk@example.com\n");
	struct policy_route *r = calloc(1, sizeof(*r));
	struct store_error err;
	struct store *st;
	char tag[POLICY_TAG_LEN + 1], text[64], owner[32];
	const int64_t now = 1800000000;
	const char *phone = "+12025550177", *our = "+12025550100";
	unsigned i;

	assert_non_null(r);
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/s.db", dir);
	st = store_open(db, STORE_SYNC_OFF, &err);
	assert_non_null(st);

	/* nobody texted it: a new thread of the number's owner */
	assert_int_equal(policy_route(c, st, phone, our, "hello", now, r, &err),
			 STORE_OK);
	assert_int_equal(r->n, 1);
	assert_false(r->ambiguous);
	assert_string_equal(r->threads[0].owner, "desk@example.com");

	/* alice two days ago (past LeaseDuration), bob now: bob's */
	queue_out(st, c, "alice@example.com", phone, our, now - 2 * 86400);
	queue_out(st, c, "bob@example.com", phone, our, now - 60);
	assert_int_equal(policy_route(c, st, phone, our, "hi", now, r, &err),
			 STORE_OK);
	assert_false(r->ambiguous);
	assert_string_equal(r->threads[0].owner, "bob@example.com");

	/* alice within it too: ambiguous, to the number's owner */
	queue_out(st, c, "alice@example.com", phone, our, now - 120);
	assert_int_equal(policy_route(c, st, phone, our, "hi", now, r, &err),
			 STORE_OK);
	assert_true(r->ambiguous);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->threads[0].owner, "desk@example.com");
	assert_int_equal(r->nowners, 2);
	assert_string_equal(r->owners[0], "bob@example.com");
	assert_string_equal(r->owners[1], "alice@example.com");
	/* another number's texts do not count */
	queue_out(st, c, "carol@example.com", phone, "+12025550199", now - 5);
	assert_int_equal(policy_route(c, st, phone, our, "hi", now, r, &err),
			 STORE_OK);
	assert_int_equal(r->nowners, 2);
	/* nine owners texted another phone: the eight most recent */
	for (i = 0; i < 9; i++) {
		snprintf(owner, sizeof(owner), "o%u@example.com", i);
		queue_out(st, c, owner, "+12025550178", our, now - 1000 + i);
	}
	assert_int_equal(
	    policy_route(c, st, "+12025550178", our, "hi", now, r, &err),
	    STORE_OK);
	assert_true(r->ambiguous);
	assert_int_equal(r->nowners, POLICY_ROUTE_MAX);
	assert_string_equal(r->owners[0], "o8@example.com");
	assert_string_equal(r->owners[POLICY_ROUTE_MAX - 1], "o1@example.com");

	/* a tag names the thread: alice's, not ambiguous */
	policy_tag(c->tag_secret, "alice@example.com", phone, our, tag);
	snprintf(text, sizeof(text), "yes #%s", tag);
	assert_int_equal(policy_route(c, st, phone, our, text, now, r, &err),
			 STORE_OK);
	assert_false(r->ambiguous);
	assert_string_equal(r->threads[0].owner, "alice@example.com");
	/* a tag of nobody's thread is no tag */
	assert_int_equal(
	    policy_route(c, st, phone, our, "#aaaaaaaaaaaa", now, r, &err),
	    STORE_OK);
	assert_true(r->ambiguous);
	conf_free(&c);

	/* AmbiguousAnswers all: each owner's own thread */
	c = load("LeaseDuration 1d\nAmbiguousAnswers all\n");
	assert_int_equal(policy_route(c, st, phone, our, "hi", now, r, &err),
			 STORE_OK);
	assert_true(r->ambiguous);
	assert_int_equal(r->n, 2);
	assert_string_equal(r->threads[0].owner, "bob@example.com");
	assert_string_equal(r->threads[1].owner, "alice@example.com");
	assert_string_equal(r->threads[1].sender, our);
	conf_free(&c);

	store_close(&st);
	free(r);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	unlink(db);
	rmdir(dir);
}

/* issue 18 (9): a mail's name for its idempotency key */
static void
mail_id(void **state)
{
	char cur[256], prev[256];

	(void)state;
	/* the sender's Message-ID */
	policy_mail_id("alert-1@example.com", "4528BA92045", 600, 1200, cur,
		       prev, sizeof(cur));
	assert_string_equal(cur, "alert-1@example.com");
	assert_string_equal(prev, "");
	/* one Postfix made of its queue id: the window, and the one before */
	policy_mail_id("20261203162216.4528BA92045@mail.example.com",
		       "4528BA92045", 600, 1250, cur, prev, sizeof(cur));
	assert_string_equal(cur, "no-message-id:600:2");
	assert_string_equal(prev, "no-message-id:600:1");
	/* none at all: the same */
	policy_mail_id("", "510A9A92045", 600, 1250, cur, prev, sizeof(cur));
	assert_string_equal(cur, "no-message-id:600:2");
	/* window 0: the queue id, as before */
	policy_mail_id("", "510A9A92045", 0, 1250, cur, prev, sizeof(cur));
	assert_string_equal(cur, "510A9A92045");
	assert_string_equal(prev, "");
}

/* sender_choice - which number a text leaves from */
static void
sender_choice(void **state)
{
	struct conf *c =
	    load("SenderNumbers dave@example.com=+12025550120, "
		 "dave@example.com=+12025550121, dave@example.com=Acme, "
		 "erin@example.com=Acme\n"
		 "SenderNameDeniedPrefixes +1\n");
	struct conf *pool = load("SenderPool +12025550110, +12025550111\n"
				 "SenderNumbers erin@example.com=Acme\n");
	struct policy_verdict v;
	char out[40];

	(void)state;
	/* several numbers: the first by default, another by X-SMS-Sender */
	assert_int_equal(policy_sender_for(c, "dave@example.com", NULL, false,
					   "+12025550143", out, &v),
			 POLICY_FROM_FIXED);
	assert_string_equal(out, "+12025550120");
	assert_int_equal(policy_sender_for(c, "dave@example.com",
					   "(202) 555-0121", false,
					   "+12025550143", out, &v),
			 POLICY_FROM_FIXED);
	assert_string_equal(out, "+12025550121");
	/* not one of dave's: refused, naming his */
	assert_int_equal(policy_sender_for(c, "dave@example.com",
					   "+12025550199", false,
					   "+12025550143", out, &v),
			 POLICY_FROM_NONE);
	assert_string_equal(v.code, "550");
	assert_non_null(strstr(v.text, "+12025550120, +12025550121 and Acme"));
	/* ... unless the operator asks (smsctl send --from) */
	assert_int_equal(policy_sender_for(c, "dave@example.com",
					   "+12025550199", true, "+12025550143",
					   out, &v),
			 POLICY_FROM_FIXED);
	assert_string_equal(out, "+12025550199");
	/* a sender name to +1: dave's first real number instead */
	assert_int_equal(policy_sender_for(c, "dave@example.com", "Acme", false,
					   "+12025550143", out, &v),
			 POLICY_FROM_FIXED);
	assert_string_equal(out, "+12025550120");
	/* ... kept where names are taken */
	assert_int_equal(policy_sender_for(c, "dave@example.com", "Acme", false,
					   "+447700900123", out, &v),
			 POLICY_FROM_FIXED);
	assert_string_equal(out, "Acme");
	/* erin has only the name: DefaultSender in the US */
	assert_int_equal(policy_sender_for(c, "erin@example.com", NULL, false,
					   "+12025550143", out, &v),
			 POLICY_FROM_FIXED);
	assert_string_equal(out, "+12025550100");
	/* ... the pool where there is one */
	assert_int_equal(policy_sender_for(pool, "erin@example.com", NULL,
					   false, "+12025550143", out, &v),
			 POLICY_FROM_POOL);
	/* someone without SenderNumbers: the pool, or DefaultSender */
	assert_int_equal(policy_sender_for(pool, "bob@example.com", NULL, false,
					   "+12025550143", out, &v),
			 POLICY_FROM_POOL);
	assert_int_equal(policy_sender_for(c, "bob@example.com", NULL, false,
					   "+12025550143", out, &v),
			 POLICY_FROM_FIXED);
	assert_string_equal(out, "+12025550100");
	/* ... nor the operator a pool number */
	assert_int_equal(policy_sender_for(pool, "erin@example.com",
					   "+12025550110", true, "+12025550143",
					   out, &v),
			 POLICY_FROM_NONE);
	assert_non_null(strstr(v.text, "is a SenderPool number"));
	/* a pooled owner cannot pick a number */
	assert_int_equal(policy_sender_for(pool, "bob@example.com",
					   "+12025550199", false,
					   "+12025550143", out, &v),
			 POLICY_FROM_NONE);
	assert_non_null(strstr(v.text, "chosen per conversation"));
	/* junk */
	assert_int_equal(policy_sender_for(c, "dave@example.com", "a\"b c",
					   false, "+12025550143", out, &v),
			 POLICY_FROM_NONE);
	assert_string_equal(v.xcode, "5.5.4");
	/* a group's pool: by address, else by domain, else SenderPool */
	{
		struct conf *g =
		    load("SenderPool +12025550110\n"
			 "SenderPoolGroups @sales.example.com=+12025550130, "
			 "@sales.example.com=+12025550131, "
			 "vip@sales.example.com=+12025550139\n");
		struct conf *only =
		    load("SenderPoolGroups @sales.example.com=+12025550130\n");
		const char *buf[POLICY_POOL_MAX];
		struct store_pool_opts o;

		policy_pool_opts(g, "frank@sales.example.com", &o, buf);
		assert_int_equal(o.n, 2);
		assert_string_equal(o.numbers[1], "+12025550131");
		policy_pool_opts(g, "vip@sales.example.com", &o, buf);
		assert_int_equal(o.n, 1);
		assert_string_equal(o.numbers[0], "+12025550139");
		policy_pool_opts(g, "bob@example.com", &o, buf);
		assert_int_equal(o.n, 1);
		assert_string_equal(o.numbers[0], "+12025550110");
		assert_true(policy_pool_number(g, "+12025550131"));
		assert_false(policy_pool_number(g, "+12025550100"));
		/* no SenderPool: only the group's members are pooled */
		assert_true(policy_pooled(only, "frank@sales.example.com"));
		assert_false(policy_pooled(only, "bob@example.com"));
		conf_free(&g);
		conf_free(&only);
	}
	conf_free(&c);
	conf_free(&pool);
}

/* policy_send: every rule, a stable reason for each refusal, and keys */
static void
send_rules(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", db[64];
	struct conf *c = load("SenderNumbers alice@example.com=+12025550101, "
			      "bob@example.com=+12025550102\n"
			      "AllowedSenders @example.com\n"
			      "MonthlySegmentQuota 7\n"
			      "SegmentCap 3\nLongMessagePolicy reject\n");
	struct policy_send rq = {
	    .owner = "alice@example.com", .to = "2025550143", .text = "Hello"};
	struct policy_sent out, again;
	struct policy_verdict v;
	struct store_error err;
	enum policy_send_why w;
	struct store_message *m = NULL;
	struct store_filter f;
	struct store *st;
	unsigned n;
	const int64_t now = 1800000000;
	int64_t due;
	char big[600];

	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/s.db", dir);
	st = store_open(db, STORE_SYNC_OFF, &err);
	assert_non_null(st);

	/* queued from the owner's number, with a public id */
	assert_true(policy_send(c, st, &rq, now, &out, &v, &w));
	assert_string_equal(out.phone, "+12025550143");
	assert_string_equal(out.from, "+12025550101");
	assert_int_equal(strlen(out.sid), STORE_SID_LEN);
	assert_false(out.dup);
	store_filter_init(&f);
	f.sid = out.sid;
	assert_int_equal(store_history(st, &f, &m, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, out.id);
	assert_string_equal(m[0].owner, "alice@example.com");
	store_messages_free(&m, n);

	/* each refusal names its rule */
#define REFUSED(why, field, value)                                             \
	do {                                                                   \
		struct policy_send r2 = rq;                                    \
		r2.field = value;                                              \
		assert_false(policy_send(c, st, &r2, now, &out, &v, &w));      \
		assert_int_equal(w, why);                                      \
	} while (0)
	REFUSED(POLICY_SEND_NOT_ALLOWED, owner, "eve@example.org");
	REFUSED(POLICY_SEND_BAD_NUMBER, to, "12345");
	REFUSED(POLICY_SEND_BAD_FROM, from, "+1-not-a-sender!");
	REFUSED(POLICY_SEND_FROM_DENIED, from, "+12025550102");
	REFUSED(POLICY_SEND_BAD_TEXT, text, "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	REFUSED(POLICY_SEND_BAD_TEXT, text, big);
	assert_string_equal(policy_send_why_name(POLICY_SEND_BAD_TEXT),
			    "invalid_text");
	assert_int_equal(
	    store_optout_add(st, "+12025550144", NULL, "STOP", now, &err),
	    STORE_OK);
	REFUSED(POLICY_SEND_OPTED_OUT, to, "+12025550144");
	assert_non_null(strstr(v.text, "opted out"));
	assert_string_equal(policy_send_why_name(POLICY_SEND_OPTED_OUT),
			    "opted_out");

	/* a key: the same text again is that text; another is refused */
	rq.idem_key = "api/alice@example.com/k1";
	assert_true(policy_send(c, st, &rq, now, &out, &v, &w));
	assert_true(policy_send(c, st, &rq, now + 5, &again, &v, &w));
	assert_true(again.dup);
	assert_int_equal(again.id, out.id);
	rq.text = "Something else";
	assert_false(policy_send(c, st, &rq, now, &again, &v, &w));
	assert_int_equal(w, POLICY_SEND_KEY_REUSED);
	rq.text = "Hello";
	rq.to = "+12025550145";
	assert_false(policy_send(c, st, &rq, now, &again, &v, &w));
	assert_int_equal(w, POLICY_SEND_KEY_REUSED);
	/* keys that differ late are two keys (none is cut short) */
	{
		char k1[300], k2[300];
		struct policy_sent o1, o2;

		memset(k1, 'k', sizeof(k1) - 2);
		k1[sizeof(k1) - 2] = 'A';
		k1[sizeof(k1) - 1] = '\0';
		memcpy(k2, k1, sizeof(k2));
		k2[sizeof(k2) - 2] = 'B';
		rq.to = "+12025550146";
		rq.idem_key = k1;
		assert_true(policy_send(c, st, &rq, now, &o1, &v, &w));
		rq.idem_key = k2;
		assert_true(policy_send(c, st, &rq, now, &o2, &v, &w));
		assert_false(o2.dup);
		assert_true(o1.id != o2.id);
	}
	rq.to = "2025550143";
	rq.idem_key = NULL;

	/* the quota: 7 segments a month, 4 used; a 3-segment text fits,
	   then nothing does, and cancelling gives the segments back */
	memset(big, 'y', 400);
	big[400] = '\0';
	rq.text = big;
	assert_true(policy_send(c, st, &rq, now, &out, &v, &w));
	assert_int_equal(out.segments, 3);
	rq.text = "one more";
	assert_false(policy_send(c, st, &rq, now, &again, &v, &w));
	assert_int_equal(w, POLICY_SEND_QUOTA);
	assert_int_equal(
	    store_cancel(st, out.id, "bob@example.com", "no", now, NULL, &err),
	    STORE_ENOTFOUND);
	assert_int_equal(store_cancel(st, out.id, "alice@example.com",
				      "changed my mind", now, NULL, &err),
			 STORE_OK);
	assert_true(policy_send(c, st, &rq, now, &again, &v, &w));

	/* a schedule: Unix time, 14 days ahead at most, an hour past */
	assert_true(policy_schedule_at(now + 3600, now, 14 * 86400, &due, &v));
	assert_int_equal(due, now + 3600);
	assert_true(policy_schedule_at(now - 1800, now, 14 * 86400, &due, &v));
	assert_int_equal(due, 0);
	assert_false(policy_schedule_at(now - 7200, now, 14 * 86400, &due, &v));
	assert_false(
	    policy_schedule_at(now + 15 * 86400, now, 14 * 86400, &due, &v));

	store_close(&st);
	unlink(db);
	rmdir(dir);
	conf_free(&c);
#undef REFUSED
}

/* leases - how many pool leases phone has (any owner, any number) */
static unsigned
leases(struct store *st, const char *phone)
{
	struct store_pool_lease *l = NULL;
	struct store_error err;
	unsigned n = 0;

	assert_int_equal(
	    store_pool_leases(st, phone, NULL, NULL, 0, &l, &n, &err),
	    STORE_OK);
	free(l);
	return n;
}

/*
 * send_no_lease - issue 21's review: a text refused after its pool
 * number was leased (opted out, over quota) leaves no lease, nor a
 * recycled one's notice, alone or inside the caller's unit
 */
static void
send_no_lease(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", db[64];
	struct conf *c = load("SenderPool +12025550110, +12025550111\n"
			      "AllowedSenders @example.com\n"
			      "MaxLeasesPerPhone 1\nPoolExhausted recycle\n"
			      "MonthlySegmentQuota 1\n");
	struct policy_send rq = {
	    .owner = "bob@example.com", .to = "+12025550144", .text = "Hello"};
	struct store_pool_lease l;
	struct policy_sent out;
	struct policy_verdict v;
	struct store_error err;
	enum policy_send_why w;
	struct store *st;
	const int64_t now = 1800000000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/s.db", dir);
	st = store_open(db, STORE_SYNC_OFF, &err);
	assert_non_null(st);
	assert_int_equal(
	    store_optout_add(st, "+12025550144", NULL, "STOP", now, &err),
	    STORE_OK);

	/* opted out: refused, and the phone has no lease */
	assert_false(policy_send(c, st, &rq, now, &out, &v, &w));
	assert_int_equal(w, POLICY_SEND_OPTED_OUT);
	assert_int_equal(leases(st, "+12025550144"), 0);
	/* ... nor inside a unit the caller rolls back (the send API) */
	assert_int_equal(store_unit_begin(st, &err), STORE_OK);
	assert_false(policy_send(c, st, &rq, now, &out, &v, &w));
	assert_int_equal(store_unit_end(st, false, &err), STORE_OK);
	assert_int_equal(leases(st, "+12025550144"), 0);

	/* a text sent keeps its lease, inside a unit committed too */
	rq.to = "+12025550143";
	assert_int_equal(store_unit_begin(st, &err), STORE_OK);
	assert_true(policy_send(c, st, &rq, now, &out, &v, &w));
	assert_true(out.pooled);
	assert_int_equal(store_unit_end(st, true, &err), STORE_OK);
	assert_int_equal(leases(st, "+12025550143"), 1);

	/* over quota: carol's text to bob's phone would recycle bob's
	   lease (MaxLeasesPerPhone 1); refused, bob keeps it */
	rq.owner = "carol@example.com";
	rq.to = "+12025550145";
	assert_true(policy_send(c, st, &rq, now, &out, &v, &w));
	rq.to = "+12025550143";
	assert_false(policy_send(c, st, &rq, now, &out, &v, &w));
	assert_int_equal(w, POLICY_SEND_QUOTA);
	assert_int_equal(leases(st, "+12025550143"), 1);
	{
		struct store_pool_lease *all = NULL;
		unsigned n = 0;

		assert_int_equal(store_pool_leases(st, "+12025550143", NULL,
						   NULL, 0, &all, &n, &err),
				 STORE_OK);
		assert_int_equal(n, 1);
		l = all[0];
		free(all);
	}
	assert_string_equal(l.owner, "bob@example.com");

	store_close(&st);
	snprintf(db, sizeof(db), "%s/s.db", dir);
	unlink(db);
	snprintf(db, sizeof(db), "%s/s.db-wal", dir);
	unlink(db);
	snprintf(db, sizeof(db), "%s/s.db-shm", dir);
	unlink(db);
	rmdir(dir);
	conf_free(&c);
}

/* store_down - one sentence for a store that failed, its reason or not */
static void
store_down(void **state)
{
	struct store_error err = {.status = STORE_ETEMP};
	struct policy_verdict v;

	(void)state;
	snprintf(err.msg, sizeof(err.msg), "database is locked");
	assert_false(policy_store_down(&v, &err));
	assert_string_equal(v.code, "451");
	assert_string_equal(v.xcode, "4.3.0");
	assert_string_equal(v.text, "the text queue is not available "
				    "(database is locked); try again later");
	/* where it goes to an SMTP client: no reason */
	assert_false(policy_store_down(&v, NULL));
	assert_string_equal(v.text,
			    "the text queue is not available; try again later");
}

/* file_has - the bytes of path (at most 1 MiB) hold s */
static bool
file_has(const char *path, const char *s)
{
	static char buf[1 << 20];
	size_t n, len = strlen(s), i;
	FILE *fp = fopen(path, "rb");

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (i = 0; i + len <= n; i++)
		if (memcmp(buf + i, s, len) == 0)
			return true;
	return false;
}

/*
 * apikeys - issue 21: a token, its hash and hint; a request's
 * Authorization header read as the key's owner, or refused in words
 */
static void
apikeys(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", db[64], path[96];
	struct conf *c =
	    load("OwnerAliases a.smith@example.com=alice@example.com\n");
	char token[POLICY_APIKEY_LEN + 1], other[POLICY_APIKEY_LEN + 1],
	    hash[POLICY_APIKEY_HASH_LEN + 1], hint[POLICY_APIKEY_HINT_LEN + 1],
	    h2[POLICY_APIKEY_HASH_LEN + 1], hint2[POLICY_APIKEY_HINT_LEN + 1],
	    header[128], owner[256];
	static const char *const refused[] = {
	    "",
	    "   ",
	    "Bearer",
	    "Bearer ",
	    "Basic YWxpY2U6c2VjcmV0",
	    "Bearer smk_tooshort",
	    "Bearer smk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    "Bearer abc_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "Bearerx smk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct policy_verdict v;
	struct store_apikey k;
	struct store_error err;
	struct store *st;
	int64_t id, bob, got;
	const int64_t now = 1800000000;
	size_t i;

	/* SHA-256 of "abc" (FIPS 180-2, B.1) */
	policy_apikey_hash("abc", hash);
	assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223"
				  "b00361a396177a9cb410ff61f20015ad");

	/* a token: smk_ and 40 base32 letters; its hint and its hash */
	assert_int_equal(policy_apikey_new(token, hash, hint), 0);
	assert_int_equal(strlen(token), POLICY_APIKEY_LEN);
	assert_memory_equal(token, "smk_", 4);
	assert_int_equal(strspn(token + 4, "abcdefghijklmnopqrstuvwxyz234567"),
			 40);
	assert_memory_equal(hint, token + 4, POLICY_APIKEY_HINT_LEN);
	assert_int_equal(strlen(hint), POLICY_APIKEY_HINT_LEN);
	policy_apikey_hash(token, h2);
	assert_string_equal(hash, h2);
	assert_int_equal(policy_apikey_new(other, h2, hint2), 0);
	assert_string_not_equal(token, other);
	assert_string_not_equal(hash, h2);

	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/s.db", dir);
	st = store_open(db, STORE_SYNC_OFF, &err);
	assert_non_null(st);
	/* an owner as a key made before its alias was configured */
	assert_int_equal(store_apikey_add(st, "a.smith@example.com", "deploy",
					  hash, hint, now - 3600, &id, &err),
			 STORE_OK);
	assert_int_equal(store_apikey_add(st, "bob@example.com", "", h2, hint2,
					  now - 3600, &bob, &err),
			 STORE_OK);

	/* the key acts as its owner, aliases applied; its use recorded */
	snprintf(header, sizeof(header), "Bearer %s", token);
	got = 0;
	assert_true(policy_apikey_auth(c, st, NULL, header, now, owner, &got,
				       &v, &err));
	assert_string_equal(owner, "alice@example.com");
	assert_int_equal(got, id);
	assert_int_equal(store_apikey_find(st, hash, &k, &err), STORE_OK);
	assert_int_equal(k.last_used, now);
	/* the scheme in any case, spaces and tabs around */
	snprintf(header, sizeof(header), "  bearer \t %s  ", token);
	assert_true(policy_apikey_auth(c, st, NULL, header, now + 1, owner,
				       &got, &v, &err));
	assert_int_equal(got, id);
	snprintf(header, sizeof(header), "BEARER %s", other);
	assert_true(policy_apikey_auth(c, st, NULL, header, now, owner, &got,
				       &v, &err));
	assert_string_equal(owner, "bob@example.com");
	assert_int_equal(got, bob);

	/* a token of the right shape that is nobody's: its hint only */
	snprintf(header, sizeof(header),
		 "Bearer smk_zzzzzzzz2222222222222222222222222222222a");
	assert_false(policy_apikey_auth(c, st, NULL, header, now, owner, &got,
					&v, &err));
	assert_string_equal(v.code, "550");
	assert_string_equal(v.xcode, "5.7.8");
	assert_string_equal(v.text, "the API key smk_zzzzzzzz... is not known "
				    "here or was revoked");
	assert_string_equal(owner, "");
	assert_int_equal(got, 0);

	/* no header, another scheme, no token, no token of ours */
	assert_false(
	    policy_apikey_auth(c, st, NULL, NULL, now, owner, &got, &v, &err));
	assert_string_equal(v.xcode, "5.7.8");
	assert_non_null(strstr(v.text, "no API key: send an API key as "
				       "\"Authorization: Bearer smk_...\""));
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_false(policy_apikey_auth(c, st, NULL, refused[i], now,
						owner, &got, &v, &err));
		assert_string_equal(v.code, "550");
		assert_string_equal(v.xcode, "5.7.8");
		assert_non_null(strstr(v.text, "Authorization: Bearer"));
	}
	/* a token with more after it, or without its scheme: refused, and
	   the sentence quotes no token */
	snprintf(header, sizeof(header), "Bearer %s x", token);
	assert_false(policy_apikey_auth(c, st, NULL, header, now, owner, &got,
					&v, &err));
	assert_null(strstr(v.text, token + 4));
	assert_false(
	    policy_apikey_auth(c, st, NULL, token, now, owner, &got, &v, &err));
	assert_string_equal(v.xcode, "5.7.8");
	assert_non_null(strstr(v.text, "the API key must follow \"Bearer \""));
	assert_null(strstr(v.text, token + 4));

	/* revoked: refused like an unknown one */
	assert_int_equal(store_apikey_revoke(st, id, NULL, &err), STORE_OK);
	snprintf(header, sizeof(header), "Bearer %s", token);
	assert_false(policy_apikey_auth(c, st, NULL, header, now, owner, &got,
					&v, &err));
	assert_string_equal(v.xcode, "5.7.8");
	assert_non_null(strstr(v.text, "is not known here or was revoked"));

	/* the store keeps the hash, never the token */
	store_close(&st);
	assert_true(file_has(db, h2));
	assert_false(file_has(db, token + 4));
	assert_false(file_has(db, other + 4));

	/* a store that cannot answer (no api_keys before schema 7): 451 */
	snprintf(path, sizeof(path), "%s/v6.db", dir);
	st = store_open_version(path, STORE_SYNC_OFF, 6, &err);
	assert_non_null(st);
	snprintf(header, sizeof(header), "Bearer %s", other);
	assert_false(policy_apikey_auth(c, st, NULL, header, now, owner, &got,
					&v, &err));
	assert_string_equal(v.code, "451");
	assert_string_equal(v.xcode, "4.3.0");
	assert_non_null(strstr(err.msg, "api_keys"));
	store_close(&st);

	conf_free(&c);
	unlink(path);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	unlink(db);
	rmdir(dir);
}

/*
 * apikey_cache - keys found lately are taken from the cache for
 * ApiKeyCacheTime seconds: a key revoked meanwhile is refused once
 * that time is over, never later; a token not found is not kept
 */
static void
apikey_cache(void **state)
{
	char dir[] = "/tmp/test_policy.XXXXXX", db[64], path[96];
	struct conf *c = load("ApiKeyCacheTime 5\n"),
		    *off = load("ApiKeyCacheTime 0\n");
	char token[POLICY_APIKEY_LEN + 1], hash[POLICY_APIKEY_HASH_LEN + 1],
	    hint[POLICY_APIKEY_HINT_LEN + 1], other[POLICY_APIKEY_LEN + 1],
	    h2[POLICY_APIKEY_HASH_LEN + 1], hint2[POLICY_APIKEY_HINT_LEN + 1],
	    header[128], h_other[128], owner[256];
	struct policy_apikeys *ks = policy_apikeys_new();
	struct policy_verdict v;
	struct store_error err;
	struct store *st;
	int64_t id, id2, got;
	const int64_t now = 1800000000;
	int64_t t;

	(void)state;
	assert_non_null(c);
	assert_non_null(off);
	assert_non_null(ks);
	assert_int_equal(c->api_key_cache_time, 5);
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/s.db", dir);
	st = store_open(db, STORE_SYNC_OFF, &err);
	assert_non_null(st);
	assert_int_equal(policy_apikey_new(token, hash, hint), 0);
	assert_int_equal(policy_apikey_new(other, h2, hint2), 0);
	assert_int_equal(store_apikey_add(st, "alice@example.com", "", hash,
					  hint, now - 60, &id, &err),
			 STORE_OK);
	snprintf(header, sizeof(header), "Bearer %s", token);
	snprintf(h_other, sizeof(h_other), "Bearer %s", other);

	/* found in the store at now, then revoked there */
	assert_true(
	    policy_apikey_auth(c, st, ks, header, now, owner, &got, &v, &err));
	assert_int_equal(got, id);
	assert_int_equal(store_apikey_revoke(st, id, NULL, &err), STORE_OK);
	/* without the cache, or with ApiKeyCacheTime 0: refused at once */
	assert_false(policy_apikey_auth(c, st, NULL, header, now, owner, &got,
					&v, &err));
	assert_false(policy_apikey_auth(off, st, ks, header, now, owner, &got,
					&v, &err));
	/* the cache trusts it for less than 5 s after it was found ... */
	for (t = now; t < now + 5; t++) {
		got = 0;
		assert_true(policy_apikey_auth(c, st, ks, header, t, owner,
					       &got, &v, &err));
		assert_string_equal(owner, "alice@example.com");
		assert_int_equal(got, id);
	}
	/* ... and from then on it is refused: the revocation's bound */
	assert_false(policy_apikey_auth(c, st, ks, header, now + 5, owner, &got,
					&v, &err));
	assert_string_equal(v.xcode, "5.7.8");
	assert_non_null(strstr(v.text, "is not known here or was revoked"));
	assert_false(policy_apikey_auth(c, st, ks, header, now + 1, owner, &got,
					&v, &err));

	/* a token not found is not kept: added, it works at once */
	assert_false(
	    policy_apikey_auth(c, st, ks, h_other, now, owner, &got, &v, &err));
	assert_int_equal(store_apikey_add(st, "bob@example.com", "", h2, hint2,
					  now, &id2, &err),
			 STORE_OK);
	assert_true(
	    policy_apikey_auth(c, st, ks, h_other, now, owner, &got, &v, &err));
	assert_int_equal(got, id2);
	/* a clock set back: what was found "later" is looked up again */
	assert_int_equal(store_apikey_revoke(st, id2, NULL, &err), STORE_OK);
	assert_false(policy_apikey_auth(c, st, ks, h_other, now - 1, owner,
					&got, &v, &err));

	/* more keys than the cache keeps: each still found */
	for (t = 0; t < 80; t++) {
		char tk[POLICY_APIKEY_LEN + 1], hh[POLICY_APIKEY_HASH_LEN + 1],
		    hn[POLICY_APIKEY_HINT_LEN + 1], hd[128];
		int64_t kid;

		assert_int_equal(policy_apikey_new(tk, hh, hn), 0);
		assert_int_equal(store_apikey_add(st, "carol@example.com", "",
						  hh, hn, now, &kid, &err),
				 STORE_OK);
		snprintf(hd, sizeof(hd), "Bearer %s", tk);
		assert_true(policy_apikey_auth(c, st, ks, hd, now + t / 10,
					       owner, &got, &v, &err));
		assert_int_equal(got, kid);
		assert_true(policy_apikey_auth(c, st, ks, hd, now + t / 10,
					       owner, &got, &v, &err));
		assert_int_equal(got, kid);
	}

	policy_apikeys_free(&ks);
	assert_null(ks);
	store_close(&st);
	conf_free(&c);
	conf_free(&off);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	unlink(db);
	rmdir(dir);
}

/* media_urls - signed links: made, checked, refused when touched */
static void
media_urls(void **state)
{
	const char *key = "0123456789abcdef-secret";
	char url[POLICY_MEDIA_URL_MAX], path[POLICY_MEDIA_URL_MAX];
	char mid[POLICY_MEDIA_ID_LEN + 1], name[POLICY_MEDIA_NAME_MAX + 1];
	int64_t exp, first, last;
	const char *p;
	char type[96], disp[512];
	bool show;
	size_t i;

	(void)state;
	/* a 25-character base: a link of about 70 */
	assert_true(policy_media_url(key, "https://sms.example.com/x/",
				     "abcdefgh23", 1767225600, "photo.jpg",
				     "image/jpeg", url, sizeof(url)));
	p = strstr(url, "/m/");
	assert_non_null(p);
	assert_int_equal(p - url, 25);
	assert_int_equal(strlen(url), 25 + 3 + 10 + 1 + 10 + 1 + 12 + 1 + 9);
	assert_true(strlen(url) <= 72);
	assert_true(policy_media_check(key, p, 1767225599, mid, &exp));
	assert_string_equal(mid, "abcdefgh23");
	assert_int_equal(exp, 1767225600);
	/* without the name, or another name: the same file */
	snprintf(path, sizeof(path), "%.*s", (int)(strrchr(p, '/') - p), p);
	assert_true(policy_media_check(key, path, 0, mid, &exp));
	snprintf(path + strlen(path), sizeof(path) - strlen(path), "/a.html");
	assert_true(policy_media_check(key, path, 0, mid, &exp));
	/* expired, another key, each character of id, expiry and signature
	   changed: all refused */
	assert_false(policy_media_check(key, p, 1767225600, mid, &exp));
	assert_false(policy_media_check("another", p, 0, mid, &exp));
	for (i = 3; p[i] && i < 3 + 10 + 1 + 10 + 1 + 12; i++) {
		if (p[i] == '/')
			continue;
		snprintf(path, sizeof(path), "%s", p);
		path[i] = path[i] == '2' ? '3' : '2';
		assert_false(policy_media_check(key, path, 0, mid, &exp));
	}
	snprintf(path, sizeof(path), "%s/more", p);
	assert_false(policy_media_check(key, path, 0, mid, &exp));
	assert_false(policy_media_check(key, "/m/", 0, mid, &exp));
	assert_false(
	    policy_media_check(key, "/m/abcdefgh23/0/x", 0, mid, &exp));
	/* names for links */
	policy_media_name("C:\\Users\\x\\Quarterly Report (final).PDF",
			  "application/pdf", name);
	assert_string_equal(name, "Quarterl.pdf");
	policy_media_name("", "image/png", name);
	assert_string_equal(name, "file.png");
	policy_media_name("../../etc/passwd", "text/plain", name);
	assert_string_equal(name, "passwd.txt");
	policy_media_name("\xc3\xa9t\xc3\xa9.jpg", "image/jpeg", name);
	assert_string_equal(name, "t.jpg");
	policy_media_name(".htaccess", "application/octet-stream", name);
	assert_string_equal(name, "htaccess");
	/* ranges */
	assert_int_equal(policy_media_range(NULL, 10, &first, &last),
			 POLICY_RANGE_NONE);
	assert_int_equal(policy_media_range("bytes=2-5", 10, &first, &last),
			 POLICY_RANGE_OK);
	assert_int_equal(first, 2);
	assert_int_equal(last, 5);
	assert_int_equal(policy_media_range("bytes=7-", 10, &first, &last),
			 POLICY_RANGE_OK);
	assert_int_equal(last, 9);
	assert_int_equal(policy_media_range("bytes=-3", 10, &first, &last),
			 POLICY_RANGE_OK);
	assert_int_equal(first, 7);
	assert_int_equal(policy_media_range("bytes=-30", 10, &first, &last),
			 POLICY_RANGE_OK);
	assert_int_equal(first, 0);
	assert_int_equal(policy_media_range("bytes=5-100", 10, &first, &last),
			 POLICY_RANGE_OK);
	assert_int_equal(last, 9);
	assert_int_equal(policy_media_range("bytes=10-", 10, &first, &last),
			 POLICY_RANGE_UNSATISFIABLE);
	assert_int_equal(policy_media_range("bytes=-0", 10, &first, &last),
			 POLICY_RANGE_UNSATISFIABLE);
	assert_int_equal(policy_media_range("bytes=0-1,4-5", 10, &first, &last),
			 POLICY_RANGE_NONE);
	assert_int_equal(policy_media_range("bytes=5-2", 10, &first, &last),
			 POLICY_RANGE_NONE);
	assert_int_equal(policy_media_range("items=0-1", 10, &first, &last),
			 POLICY_RANGE_NONE);
	assert_int_equal(policy_media_range("bytes=99999999999999999999-", 10,
					    &first, &last),
			 POLICY_RANGE_NONE);
	/* types: what a browser would run never goes inline */
	policy_media_type("image/PNG; name=x", type, sizeof(type), &show);
	assert_string_equal(type, "image/png");
	assert_true(show);
	policy_media_type("audio/x-wav", type, sizeof(type), &show);
	assert_true(show);
	policy_media_type("text/html", type, sizeof(type), &show);
	assert_string_equal(type, "application/octet-stream");
	assert_false(show);
	policy_media_type("image/svg+xml", type, sizeof(type), &show);
	assert_false(show);
	policy_media_type("audio/x\"<y", type, sizeof(type), &show);
	assert_false(show);
	policy_media_disposition(false, "a\"b\\c/d\r\n\xc3\xa9.pdf", disp,
				 sizeof(disp));
	assert_string_equal(disp, "attachment; filename=\"a_b_c_d___.pdf\"; "
				  "filename*=UTF-8''a%22b_c_d__%C3%A9.pdf");
	policy_media_disposition(true, "", disp, sizeof(disp));
	assert_string_equal(disp, "inline");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tag_vector),     cmocka_unit_test(parse_rcpt),
	    cmocka_unit_test(sender_check),   cmocka_unit_test(dmarc),
	    cmocka_unit_test(owners),	      cmocka_unit_test(noise),
	    cmocka_unit_test(schedule),	      cmocka_unit_test(render),
	    cmocka_unit_test(numbers),	      cmocka_unit_test(senders),
	    cmocka_unit_test(notify),	      cmocka_unit_test(tag_syntax),
	    cmocka_unit_test(plan_as_queued), cmocka_unit_test(plan_opts),
	    cmocka_unit_test(route),	      cmocka_unit_test(sender_choice),
	    cmocka_unit_test(mail_id),	      cmocka_unit_test(send_rules),
	    cmocka_unit_test(apikeys),	      cmocka_unit_test(apikey_cache),
	    cmocka_unit_test(send_no_lease),  cmocka_unit_test(store_down),
	    cmocka_unit_test(media_urls),     cmocka_unit_test(media_mms_max),
	    cmocka_unit_test(render_links),
	};

	mp_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
