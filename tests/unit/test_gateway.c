/*
 * NAME
 *	test_gateway - the gateway's parts that need no peer: the form
 *	codec and receipts
 * DESCRIPTION
 *	The form codec on values with NULs, broken escapes and too many
 *	fields; the carriers' status words as store states; and
 *	receipt_record() over a store in memory: each outcome, and a
 *	text's last receipt queueing its sender's delivery report. The
 *	webhooks and the runner themselves are tested against real peers
 *	in tests/gateway/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "conf/conf.h"
#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "store/store.h"
#include "util/util.h"

#define NOW 1700000000

/* form_decode_cases - percent, plus, and escapes that are not ones */
static void
form_decode_cases(void **state)
{
	static const struct {
		const char *in, *out;
		size_t len;
	} cases[] = {
	    {"a+b%2Bc", "a b+c", 5},
	    {"%41%6a", "Aj", 2},
	    {"100%", "100%", 4},
	    {"%4", "%4", 2},
	    {"%zz%4", "%zz%4", 5},
	    {"a%00b", "a\0b", 3},
	    {"", "", 0},
	};
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n =
		    webhook_form_decode(cases[i].in, strlen(cases[i].in), out);

		assert_int_equal(n, cases[i].len);
		assert_memory_equal(out, cases[i].out, n);
		assert_int_equal(out[n], '\0');
	}
}

/* form_fields - names, values with NULs, empty and missing values */
static void
form_fields(void **state)
{
	struct form f = {0};
	const char *q = "From=%2B1202&&text=a%00b&empty=&bare&From=again";
	size_t len = 99;

	(void)state;
	assert_true(form_parse(&f, q, strlen(q)));
	assert_int_equal(f.n, 5);
	assert_string_equal(form_get(&f, "From", NULL), "+1202");
	assert_non_null(form_get(&f, "text", &len));
	assert_int_equal(len, 3);
	assert_memory_equal(form_get(&f, "text", NULL), "a\0b", 3);
	assert_string_equal(form_get(&f, "empty", &len), "");
	assert_int_equal(len, 0);
	assert_string_equal(form_get(&f, "bare", NULL), "");
	assert_null(form_get(&f, "nope", NULL));
	form_clear(&f);
	assert_int_equal(f.n, 0);
}

/* form_too_many - FIELDS_MAX fields are taken, one more is refused */
static void
form_too_many(void **state)
{
	char q[FIELDS_MAX * 8 + 16];
	struct form f = {0};
	size_t n = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < FIELDS_MAX; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "f%u=x&", i);
	assert_true(form_parse(&f, q, n));
	assert_int_equal(f.n, FIELDS_MAX);
	form_clear(&f);
	snprintf(q + n, sizeof(q) - n, "over=1");
	assert_false(form_parse(&f, q, strlen(q)));
	form_clear(&f);
}

/* form_utf8 - what form_utf8_ok() keeps as text */
static void
form_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		bool ok;
	} cases[] = {
	    {"plain", 5, true},
	    {"caf\xc3\xa9", 5, true},
	    {"\xf0\x9f\x98\x80", 4, true},
	    {"caf\xe9", 4, false},	    /* Latin-1 */
	    {"a\0b", 3, false},		    /* a NUL */
	    {"\xc0\xaf", 2, false},	    /* overlong */
	    {"\xed\xa0\x80", 3, false},	    /* a surrogate */
	    {"\xf4\x90\x80\x80", 4, false}, /* over U+10FFFF */
	    {"\xe2\x82", 2, false},	    /* cut short */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(form_utf8_ok((const unsigned char *)cases[i].s,
					      cases[i].len),
				 cases[i].ok);
}

/* status_words - each carrier's words as store states */
static void
status_words(void **state)
{
	static const struct {
		char kind; /* s SMPP stat, t Twilio status, k Kannel status */
		const char *word;
		enum store_state st;
	} cases[] = {
	    {'s', "DELIVRD", STORE_DELIVERED},
	    {'s', "EXPIRED", STORE_EXPIRED},
	    {'s', "ENROUTE", STORE_SUBMITTED},
	    {'s', "ACCEPTD", STORE_SUBMITTED},
	    {'s', "UNDELIV", STORE_FAILED},
	    {'s', "REJECTD", STORE_FAILED},
	    {'s', "DELETED", STORE_FAILED},
	    {'s', "UNKNOWN", STORE_FAILED},
	    {'s', "", STORE_FAILED},
	    {'t', "delivered", STORE_DELIVERED},
	    {'t', "read", STORE_DELIVERED},
	    {'t', "undelivered", STORE_FAILED},
	    {'t', "failed", STORE_FAILED},
	    {'t', "queued", STORE_SUBMITTED},
	    {'t', "sent", STORE_SUBMITTED},
	    {'t', "DELIVERED", STORE_SUBMITTED},
	    {'k', "1", STORE_DELIVERED},
	    {'k', "2", STORE_FAILED},
	    {'k', "16", STORE_FAILED},
	    {'k', "4", STORE_SUBMITTED},
	    {'k', "8", STORE_SUBMITTED},
	    {'k', "3", STORE_SUBMITTED},
	    {'k', "x", STORE_SUBMITTED},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *w = cases[i].word;
		enum store_state st =
		    cases[i].kind == 's' ? receipt_smpp_state(w)
		    : cases[i].kind == 't'
			? receipt_twilio_state(w)
			: receipt_smpp_state(receipt_kannel_stat(w));

		if (st != cases[i].st)
			fail_msg("%c %s: %s, not %s", cases[i].kind, w,
				 store_state_name(st),
				 store_state_name(cases[i].st));
	}
	assert_string_equal(receipt_kannel_stat("1"), "DELIVRD");
	assert_string_equal(receipt_kannel_stat("2"), "UNDELIV");
	assert_string_equal(receipt_kannel_stat("16"), "REJECTD");
}

/* A store in memory with one two-part text submitted as p-1, p-2. */
struct fixture {
	struct conf *c;
	struct store *s;
	int64_t id;
};

static int
setup(void **state)
{
	struct store_outbound o = {
	    .owner = "alice@example.com",
	    .phone = "+12025550143",
	    .sender = "+12025550100",
	    .tag = "aobqrbeyrjfd",
	    .envelope_from = "alice@example.com",
	    .message_id = "<m1@example.com>",
	    .notify = STORE_NOTIFY_SUCCESS | STORE_NOTIFY_FAILURE,
	    .text = "Two parts, to be reported on.",
	    .segments = 2,
	};
	const char *ids[2] = {"p-1", "p-2"};
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_claim *cl = NULL;
	struct store_error err;
	char *errors = NULL;
	int64_t thread;
	unsigned n = 0;

	assert_non_null(f);
	ut_log_level(-1);
	f->c = conf_load_string("test.conf",
				"SmsDomains sms.example.com\n"
				"TagSecret 0123456789abcdef-test-secret\n"
				"DefaultSender +12025550100\n",
				&errors);
	if (!f->c)
		fail_msg("conf: %s", errors);
	f->s = store_open(":memory:", STORE_SYNC_OFF, &err);
	if (!f->s)
		fail_msg("store: %s", err.msg);
	assert_int_equal(store_enqueue(f->s, &o, NOW, &f->id, &thread, &err),
			 STORE_OK);
	assert_int_equal(store_claim(f->s, "test", NOW, 60, 1, &cl, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(
	    store_submitted(f->s, f->id, "test", ids, 2, NOW, &err), STORE_OK);
	store_claims_free(&cl, n);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(&f->s);
	conf_free(&f->c);
	free(f);
	return 0;
}

/* mails - how many mails are queued for SMTP (report_queue() stamps
   them with the clock's time) */
static unsigned
mails(struct store *s)
{
	struct store_mail *m = NULL;
	struct store_error err;
	unsigned n = 0;

	assert_int_equal(store_mail_claim(s, "count", (int64_t)time(NULL) + 1,
					  1, 16, &m, &n, &err),
			 STORE_OK);
	store_mails_free(&m, n);
	return n;
}

/* text_state - the state of the fixture's text */
static enum store_state
text_state(const struct fixture *f)
{
	struct store_receipt r;
	struct store_error err;
	enum store_state st;

	assert_int_equal(store_report(f->s, f->id, &r, &err), STORE_OK);
	st = r.state;
	store_receipt_clear(&r);
	return st;
}

/* receipt_outcomes - each outcome, and the report on the last part */
static void
receipt_outcomes(void **state)
{
	struct fixture *f = *state;
	struct store_error err;
	struct receipt r = {.code = "ENROUTE", .reason = "on its way"};

	r.smsc_id = "p-1";
	r.state = receipt_smpp_state(r.code);
	assert_int_equal(receipt_record(f->c, f->s, NULL, &r, NOW, &err),
			 RECEIPT_NOT_FINAL);
	r.smsc_id = "nobody";
	r.code = "DELIVRD";
	r.state = receipt_smpp_state(r.code);
	err.msg[0] = '\0';
	assert_int_equal(receipt_record(f->c, f->s, NULL, &r, NOW, &err),
			 RECEIPT_UNKNOWN);
	assert_true(err.msg[0] != '\0');
	r.smsc_id = "p-1";
	assert_int_equal(receipt_record(f->c, f->s, NULL, &r, NOW, &err),
			 RECEIPT_RECORDED);
	assert_int_equal(text_state(f), STORE_SUBMITTED);
	assert_int_equal(mails(f->s), 0);
	r.smsc_id = "p-2";
	r.err = "000";
	assert_int_equal(receipt_record(f->c, f->s, NULL, &r, NOW, &err),
			 RECEIPT_RECORDED);
	assert_int_equal(text_state(f), STORE_DELIVERED);
	assert_int_equal(mails(f->s), 1); /* NOTIFY=SUCCESS: reported */
}

/* receipt_failed - a failed part fails the text and reports it */
static void
receipt_failed(void **state)
{
	struct fixture *f = *state;
	struct store_error err;
	struct receipt r = {
	    .smsc_id = "p-1",
	    .state = receipt_twilio_state("undelivered"),
	    .code = "30003",
	    .reason = "undelivered",
	};

	assert_int_equal(receipt_record(f->c, f->s, NULL, &r, NOW, &err),
			 RECEIPT_RECORDED);
	r.smsc_id = "p-2";
	r.state = receipt_twilio_state("delivered");
	assert_int_equal(receipt_record(f->c, f->s, NULL, &r, NOW, &err),
			 RECEIPT_RECORDED);
	assert_int_equal(text_state(f), STORE_FAILED);
	assert_int_equal(mails(f->s), 1);
}

/* report_mail - the one mail queued for SMTP, as a string (malloc'd) */
static char *
report_mail(struct store *s)
{
	struct store_mail *m = NULL;
	struct store_error err;
	unsigned n = 0;
	char *out;

	/* leased for 10 minutes: a slow run (valgrind) does not see it due
	   again at the next report_mail */
	assert_int_equal(store_mail_claim(s, "one", (int64_t)time(NULL) + 1,
					  600, 16, &m, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	out = strndup((const char *)m[0].data, m[0].len);
	store_mails_free(&m, n);
	assert_non_null(out);
	return out;
}

/*
 * report_envid_ret - issue 18 (12): smsgw's report names the envelope
 * id only when the sender gave ENVID= (never the Message-ID), and
 * returns what was kept as RET= asked
 */
static void
report_envid_ret(void **state)
{
	struct fixture *f = *state;
	static const char hdrs[] = "Subject: kept\r\nMessage-ID: "
				   "<m2@example.com>\r\n\r\n";
	struct store_outbound o = {
	    .owner = "alice@example.com",
	    .phone = "+12025550144",
	    .sender = "+12025550100",
	    .tag = "bobqrbeyrjfd",
	    .envelope_from = "alice@example.com",
	    .message_id = "m2@example.com",
	    .notify = STORE_NOTIFY_FAILURE,
	    .text = "With an envelope id.",
	    .segments = 1,
	    .envid = "env-42",
	    .ret = STORE_RET_HDRS,
	    .returned = hdrs,
	    .returned_len = sizeof(hdrs) - 1,
	};
	struct store_error err;
	int64_t id, thread;
	char *mail, *part;

	/* the fixture's text: no ENVID given, none named */
	assert_true(
	    report_queue(f->c, f->s, f->id, false, 0, 2, "30003", NULL));
	mail = report_mail(f->s);
	assert_null(strstr(mail, "Original-Envelope-Id"));
	assert_null(strstr(mail, "rfc822-headers"));
	free(mail);

	assert_int_equal(store_enqueue(f->s, &o, NOW, &id, &thread, &err),
			 STORE_OK);
	assert_true(report_queue(f->c, f->s, id, false, 0, 1, "30003", NULL));
	mail = report_mail(f->s);
	assert_non_null(strstr(mail, "Original-Envelope-Id: env-42\r\n"));
	part = strstr(mail, "Content-Type: text/rfc822-headers");
	assert_non_null(part);
	assert_non_null(strstr(part, "Subject: kept"));
	free(mail);
}

/*
 * jsonw_as_jansson - the API's answers written by jsonw are what
 * jansson's compact, ASCII-only dump wrote: each kind of character,
 * nesting, numbers; bytes that are not UTF-8 become U+FFFD
 */
static void
jsonw_as_jansson(void **state)
{
	static const char *const valid[] = {
	    "",
	    "plain text",
	    "quote\" back\\slash /",
	    "\b\f\n\r\t\x01\x1f\x7f ~",
	    "\xc3\xa9 \xc3\xbc \xc3\x9f",	      /* é ü ß */
	    "\xe2\x82\xac \xe4\xb8\xad \xef\xbf\xbf", /* € 中 U+FFFF */
	    "\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",      /* 😀 U+10FFFF */
	};
	static const struct {
		const char *in, *out;
	} invalid[] = {
	    {"a\xff"
	     "b",
	     "\"a\\uFFFDb\""},
	    {"\xc0\xaf", "\"\\uFFFD\\uFFFD\""},	 /* overlong */
	    {"\xed\xa0\x80", "\"\\uFFFD\""},	 /* a surrogate */
	    {"x\xe2\x82", "\"x\\uFFFD\""},	 /* cut short */
	    {"\xf4\x90\x80\x80", "\"\\uFFFD\""}, /* beyond U+10FFFF */
	};
	struct jw w = {0};
	size_t i, n;
	char *text, *want;
	json_t *j;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		memset(&w, 0, sizeof(w));
		jw_open(&w, NULL, '{');
		jw_str(&w, valid[i], valid[i]);
		jw_close(&w, '}');
		text = jw_end(&w, &n);
		j = json_pack("{s:s}", valid[i], valid[i]);
		assert_non_null(j);
		want = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		assert_non_null(text);
		assert_int_equal(n, strlen(want) + 1);
		assert_memory_equal(text, want, n - 1);
		assert_int_equal(text[n - 1], '\n');
		free(want);
		free(text);
		json_decref(j);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		memset(&w, 0, sizeof(w));
		jw_str(&w, NULL, invalid[i].in);
		text = jw_end(&w, &n);
		assert_non_null(text);
		assert_int_equal(n, strlen(invalid[i].out) + 1);
		assert_memory_equal(text, invalid[i].out, n - 1);
		free(text);
	}
	memset(&w, 0, sizeof(w));
	jw_open(&w, NULL, '{');
	jw_open(&w, "Messages", '[');
	jw_open(&w, NULL, '{');
	jw_int(&w, "Segments", 3);
	jw_int(&w, "Created", -1800000000123LL);
	jw_close(&w, '}');
	jw_open(&w, NULL, '{');
	jw_null(&w, "Schedule");
	jw_close(&w, '}');
	jw_close(&w, ']');
	jw_open(&w, "Empty", '[');
	jw_close(&w, ']');
	jw_true(&w, "Truncated");
	jw_str(&w, "None", NULL);
	jw_close(&w, '}');
	text = jw_end(&w, &n);
	assert_string_equal(text, "{\"Messages\":[{\"Segments\":3,\"Created\":"
				  "-1800000000123},{\"Schedule\":null}],"
				  "\"Empty\":[],\"Truncated\":true,"
				  "\"None\":null}\n");
	assert_int_equal(n, strlen(text));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(form_decode_cases),
	    cmocka_unit_test(form_fields),
	    cmocka_unit_test(form_too_many),
	    cmocka_unit_test(form_utf8),
	    cmocka_unit_test(status_words),
	    cmocka_unit_test(jsonw_as_jansson),
	    cmocka_unit_test_setup_teardown(receipt_outcomes, setup, teardown),
	    cmocka_unit_test_setup_teardown(receipt_failed, setup, teardown),
	    cmocka_unit_test_setup_teardown(report_envid_ret, setup, teardown),
	};

	mp_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
