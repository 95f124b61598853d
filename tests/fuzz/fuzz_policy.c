/*
 * NAME
 *	fuzz_policy - libFuzzer target: the header and argument parsers
 *	an attacker feeds
 * DESCRIPTION
 *	The first input byte picks the parser (low 3 bits) and its options
 *	(high bits); the rest, up to a NUL, is the text:
 *
 *	0	policy_schedule (X-SMS-Schedule, Deferred-Delivery): an
 *		accepted date is due within [now - 1h, now + max_ahead]
 *		and is the date mp_parse_date reads; a refusal is 550
 *		5.7.1 with a sentence.
 *	1	policy_dmarc_pass, policy_dmarc and policy_ar_ours
 *		(Authentication-Results), which agree: never passes
 *		for a From domain outside DmarcDomains, nor when the
 *		value does not begin with AuthservId, nor without
 *		"dmarc=pass" and "header.from=<domain>" outside comments
 *		and quoted strings; never with anything put before it.
 *	2	policy_parse_rcpt and policy_bare_addr (RCPT TO): parts
 *		fit and end in NUL, the domain is lowercase and one of
 *		SmsDomains, local has no "+" of a tag, too_long says
 *		when local or tag would not fit. The same text as a
 *		deliver_sm's sender (policy_sender): a phone's E.164, a
 *		short code's 3 to 8 digits or a sender name of 1 to 11
 *		of A-Z, 0-9 and "_", which policy_number never texts
 *		(550 5.1.1); else 550 5.1.3.
 *	3	policy_notify (NOTIFY=): 0 bits on error, NEVER alone,
 *		and the same answer as a plain reading of RFC 3461.
 *	4	policy_noise (a "Name: value" header): only the loop
 *		guard headers mark noise, and the list and our own always.
 *	5	policy_sender_check (client address, SASL login, MAIL
 *		FROM): a refusal is 550 5.7.1; YES only for a login that
 *		may send as the sender (itself, or SenderLogins) or, with
 *		no login, a trusted address.
 *	6	mp_subject_tag, mp_subject_untag, mp_tag_at and
 *		policy_tag_in_text: untagging never lengthens a subject
 *		and leaves no mark that mp_subject_tag finds.
 *	7	policy_keyword (a text from a phone): the keyword is the
 *		one whose words the whole text is, in any case, runs of
 *		space as one.
 *
 *	Every verdict has a code, an enhanced code and a sentence without
 *	control characters (they would reach SMTP replies, reports and
 *	logs).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "tests/fuzz/fuzz.h"

#define NOW	 1795600800LL /* 2026-11-25 10:00:00 UTC */
#define AUTHSERV "mx.example.com"

static const char conf_text[] =
    "SmsDomains sms.example.com, Txt.Example.Org\n"
    "TagSecret 0123456789abcdef-fuzz-secret\n"
    "DefaultSender +12025550100\n"
    "Database /nonexistent/fuzz.db\n"
    "TrustedNetworks 127.0.0.0/8, 192.0.2.128/25, 2001:db8::/32\n"
    "AuthenticatedSenders yes\n"
    "AuthservId " AUTHSERV "\n"
    "DmarcDomains example.com, example.net\n"
    "SenderLogins @example.org=ops\n"
    "StopWords STOP|OPT OUT|arret\n";

static const char *const domains[] = {
    "example.com",
    "EXAMPLE.NET",
    "example.org",
    "evil.example",
    "",
    "example.com.evil.example",
};

static struct conf *conf;

static void
teardown(void)
{
	conf_free(&conf);
}

static void
setup(void)
{
	char *errors = NULL;

	conf = conf_load_string("fuzz.conf", conf_text, &errors);
	if (!conf) {
		fprintf(stderr, "fuzz_policy: %s\n", errors);
		abort();
	}
	atexit(teardown);
}

/* check_verdict - a refusal a person can read and SMTP can carry */
static void
check_verdict(const struct policy_verdict *v, const char *code,
	      const char *xcode)
{
	const char *p;

	CHECK(strlen(v->code) == 3 && (v->code[0] == '4' || v->code[0] == '5'));
	CHECK(strlen(v->xcode) >= 5 && v->xcode[0] == v->code[0]);
	if (code)
		CHECK(!strcmp(v->code, code) && !strcmp(v->xcode, xcode));
	CHECK(memchr(v->text, '\0', sizeof(v->text)) != NULL);
	CHECK(v->text[0] != '\0');
	for (p = v->text; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* schedule - policy_schedule against mp_parse_date and its bounds */
static void
schedule(unsigned opt, const char *s)
{
	static const long long aheads[] = {0, 3600, 30 * 86400LL,
					   365 * 86400LL};
	long long ahead = aheads[opt & 3], t = 0;
	struct policy_verdict v;
	int64_t due = -1;
	bool readable = mp_parse_date(s, &t);

	memset(&v, 0, sizeof(v));
	if (policy_schedule(s, NOW, ahead, &due, &v)) {
		CHECK(readable);
		CHECK(t >= NOW - 3600 && t <= NOW + ahead);
		CHECK(due == (t > NOW ? t : 0));
		CHECK(v.code[0] == '\0');
	} else {
		CHECK(due == 0);
		CHECK(!readable || t < NOW - 3600 || t > NOW + ahead);
		check_verdict(&v, "550", "5.7.1");
	}
}

/*
 * outside - mark the bytes of s outside comments and quoted strings
 * (RFC 5322 CFWS and quoted-string, with backslash quoting); out[i]
 * is true for such a byte
 */
static void
outside(const char *s, size_t n, bool *out)
{
	unsigned depth = 0;
	bool quoted = false;
	size_t i;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		out[i] = false;
		if ((quoted || depth) && ch == '\\' && i + 1 < n) {
			out[++i] = false;
		} else if (quoted) {
			quoted = ch != '"';
		} else if (ch == '(') {
			depth++;
		} else if (depth) {
			depth -= ch == ')';
		} else if (ch == '"') {
			quoted = true;
		} else {
			out[i] = true;
		}
	}
}

/* found_outside - needle (any case) starts at a byte marked outside */
static bool
found_outside(const char *s, const bool *out, const char *needle)
{
	size_t n = strlen(s), k = strlen(needle), i, j;

	for (i = 0; i + k <= n; i++) {
		if (!out[i] || strncasecmp(s + i, needle, k) != 0)
			continue;
		for (j = 0; j < k && out[i + j]; j++)
			;
		if (j == k)
			return true;
	}
	return false;
}

/* dmarc - policy_dmarc_pass never passes what is not ours */
static void
dmarc(unsigned opt, const char *ar)
{
	const char *dom = domains[opt % (sizeof(domains) / sizeof(*domains))];
	size_t n = strlen(ar);
	bool *out, pass = policy_dmarc_pass(conf, ar, dom);
	enum policy_dmarc d = policy_dmarc(conf, ar, dom);
	char *pre, want[128];

	CHECK(pass == (d == POLICY_DMARC_PASS));
	if (!policy_ar_ours(conf, ar))
		CHECK(d == POLICY_DMARC_NONE);
	if (!pass)
		return;
	CHECK(!strcasecmp(dom, "example.com") ||
	      !strcasecmp(dom, "example.net"));
	out = malloc(n + 1);
	pre = malloc(n + 2);
	CHECK(out && pre);
	outside(ar, n, out);
	CHECK(found_outside(ar, out, AUTHSERV));
	CHECK(found_outside(ar, out, "dmarc=pass"));
	snprintf(want, sizeof(want), "header.from=%s", dom);
	CHECK(found_outside(ar, out, want));
	/* what comes first is the authserv-id; "x" + ours is not ours */
	pre[0] = 'x';
	memcpy(pre + 1, ar, n + 1);
	CHECK(!policy_dmarc_pass(conf, pre, dom));
	free(pre);
	free(out);
}

/* in - s within the array of size bytes, NUL-terminated */
#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

/* text_sender - policy_sender's address of a sender; never texted if no phone
 */
static void
text_sender(const char *in)
{
	struct policy_verdict v;
	char out[20], e164[20];
	size_t n, i;

	memset(out, 0x5a, sizeof(out));
	if (!policy_sender(conf, in, out, &v)) {
		check_verdict(&v, "550", "5.1.3");
		CHECK(out[0] == '\0');
		return;
	}
	CHECK(TERMINATED(out));
	n = strlen(out);
	if (out[0] == '+') {
		CHECK(n >= 4 && strspn(out + 1, "0123456789") == n - 1);
		return;
	}
	CHECK(n >= 1 && n <= 11);
	for (i = 0; i < n; i++)
		CHECK(isdigit((unsigned char)out[i]) ||
		      (out[i] >= 'A' && out[i] <= 'Z') || out[i] == '_');
	CHECK(!policy_number(conf, out, NULL, e164, &v));
	check_verdict(&v, "550", "5.1.1");
}

/* rcpt - policy_parse_rcpt's parts, against policy_bare_addr */
static void
rcpt(const char *addr)
{
	char bare[512], *at;
	struct policy_rcpt r;
	size_t i;

	text_sender(addr);
	policy_bare_addr(addr, bare, sizeof(bare));
	for (i = 0; bare[i]; i++)
		CHECK(bare[i] != '<' && bare[i] != '>' &&
		      !isspace((unsigned char)bare[i]) &&
		      !isupper((unsigned char)bare[i]));
	policy_bare_addr(addr, bare, 1);
	CHECK(bare[0] == '\0');
	memset(&r, 0x5a, sizeof(r));
	if (!policy_parse_rcpt(conf, addr, &r)) {
		CHECK(!r.too_long && !r.local[0] && !r.tag[0] && !r.domain[0]);
		return;
	}
	CHECK(TERMINATED(r.local) && TERMINATED(r.tag) && TERMINATED(r.domain));
	CHECK(!strcmp(r.domain, "sms.example.com") ||
	      !strcmp(r.domain, "txt.example.org"));
	policy_bare_addr(addr, bare, sizeof(bare));
	at = strrchr(bare, '@');
	/* the domain, or the domain with a final dot */
	CHECK(at && !strncmp(at + 1, r.domain, strlen(r.domain)) &&
	      (!at[1 + strlen(r.domain)] ||
	       !strcmp(at + 1 + strlen(r.domain), ".")));
	*at = '\0';
	if (r.too_long) {
		/* "x+tag": the tag or local part would not fit */
		CHECK(strlen(bare) >= sizeof(r.local) ||
		      (strrchr(bare, '+') &&
		       strlen(strrchr(bare, '+') + 1) >= sizeof(r.tag)));
		return;
	}
	CHECK(r.local[0] != '\0');
	if (r.tag[0]) {
		CHECK(strlen(r.local) + 1 + strlen(r.tag) == strlen(bare));
		CHECK(!strncmp(bare, r.local, strlen(r.local)));
		CHECK(bare[strlen(r.local)] == '+');
		CHECK(!strchr(r.tag, '+'));
	} else {
		CHECK(!strcmp(r.local, bare) ||
		      (strlen(r.local) + 1 == strlen(bare) &&
		       bare[strlen(bare) - 1] == '+'));
	}
	if (r.number)
		CHECK(strpbrk(r.local, "0123456789") != NULL);
}

/* notify - policy_notify against a plain reading of RFC 3461 */
static void
notify(const char *s)
{
	static const char *const words[] = {"SUCCESS", "FAILURE", "DELAY",
					    "NEVER"};
	unsigned bits = 0xdead, want = 0, k;
	int rc = policy_notify(s, &bits);
	const char *p = s;
	bool ok = true;

	for (;;) {
		size_t n = strcspn(p, ",");

		for (k = 0; k < 4; k++)
			if (strlen(words[k]) == n &&
			    !strncasecmp(p, words[k], n))
				break;
		if (k == 4) {
			ok = false;
			break;
		}
		want |= 1u << k; /* STORE_NOTIFY_* in this order */
		if (!p[n])
			break;
		p += n + 1;
	}
	if (want & STORE_NOTIFY_NEVER && want != STORE_NOTIFY_NEVER)
		ok = false;
	if (rc != 0) {
		CHECK(rc == -1 && bits == 0 && !ok);
		return;
	}
	CHECK(ok && bits == want && bits != 0);
	CHECK(!(bits & STORE_NOTIFY_NEVER) || bits == STORE_NOTIFY_NEVER);
}

/* noise - a "Name: value" header */
static void
noise(const char *s)
{
	const char *colon = strchr(s, ':'), *why = NULL;
	char name[64];

	if (!colon || (size_t)(colon - s) >= sizeof(name))
		return;
	memcpy(name, s, (size_t)(colon - s));
	name[colon - s] = '\0';
	if (policy_noise(name, colon + 1, &why))
		CHECK(why && *why);
	else
		CHECK(why == NULL);
	/* marks whatever their value; the others depend on it */
	static const char *const always[] = {
	    "X-Autorespond",	"X-Auto-Response", "List-Id",
	    "List-Unsubscribe", "List-Post",	   "X-SMS-From",
	    "X-SMS-Report"};
	static const char *const valued[] = {"Auto-Submitted", "Precedence",
					     "X-Autoreply", "X-Autogenerated",
					     "X-Vacation"};
	bool known = false;
	size_t i;

	for (i = 0; i < sizeof(always) / sizeof(*always); i++)
		if (!strcasecmp(name, always[i])) {
			CHECK(why != NULL);
			known = true;
		}
	for (i = 0; i < sizeof(valued) / sizeof(*valued); i++)
		known = known || !strcasecmp(name, valued[i]);
	if (!known)
		CHECK(why == NULL);
}

/* sender - policy_sender_check: "client\nlogin\nfrom" */
static void
sender(const char *s)
{
	char *copy = strdup(s), *client, *login, *from, bare[256];
	const char *at;
	bool authed, may;
	struct policy_client cl;
	struct policy_verdict v;
	enum policy_auth a;

	CHECK(copy != NULL);
	client = copy;
	login = strchr(client, '\n');
	if (login)
		*login++ = '\0';
	from = login ? strchr(login, '\n') : NULL;
	if (from)
		*from++ = '\0';
	cl.client_addr = client;
	cl.auth_authen = login;
	cl.envelope_from = from ? from : "";
	memset(&v, 0, sizeof(v));
	a = policy_sender_check(conf, &cl, &v);
	if (a == POLICY_AUTH_NO)
		check_verdict(&v, "550", "5.7.1");
	else
		CHECK(v.code[0] == '\0');
	policy_bare_addr(cl.envelope_from, bare, sizeof(bare));
	authed = login && *login;
	at = strrchr(bare, '@');
	/* a login sends as itself, or as what SenderLogins pairs with it */
	may = authed && ((strchr(login, '@') && !strcasecmp(login, bare)) ||
			 (at && !strcasecmp(at + 1, "example.org") &&
			  !strcasecmp(login, "ops")));
	if (a == POLICY_AUTH_YES)
		CHECK(authed ? (!*bare || may) : policy_trusted(conf, client));
	if (authed && *bare && !may)
		CHECK(a == POLICY_AUTH_NO && strstr(v.text, "may not send as"));
	if (!authed && policy_trusted(conf, client))
		CHECK(a == POLICY_AUTH_YES);
	free(copy);
}

/* squash - s upper-cased, spaces around gone, runs of space one */
static void
squash(const char *s, char *out, size_t size)
{
	size_t n = 0;
	bool space = false;

	while (isspace((unsigned char)*s))
		s++;
	for (; *s && n + 1 < size; s++) {
		if (isspace((unsigned char)*s)) {
			space = true;
			continue;
		}
		if (space && n + 2 < size)
			out[n++] = ' ';
		space = false;
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
}

/* keyword - policy_keyword matches the whole text, squashed */
static void
keyword(const char *s)
{
	static const char *const stops[] = {"STOP", "OPT OUT", "ARRET"};
	static const char *const starts[] = {"START", "UNSTOP", "YES"};
	static const char *const helps[] = {"HELP", "INFO"};
	const char *w = NULL;
	char a[512], b[512];
	enum policy_keyword k = policy_keyword(conf, s, &w);
	enum policy_keyword want = POLICY_KW_NONE;
	size_t i;

	if (strlen(s) >= sizeof(a) - 1)
		return;
	squash(s, a, sizeof(a));
	for (i = 0; i < 3 && want == POLICY_KW_NONE; i++)
		if (!strcmp(a, stops[i]))
			want = POLICY_KW_STOP;
	for (i = 0; i < 3 && want == POLICY_KW_NONE; i++)
		if (!strcmp(a, starts[i]))
			want = POLICY_KW_START;
	for (i = 0; i < 2 && want == POLICY_KW_NONE; i++)
		if (!strcmp(a, helps[i]))
			want = POLICY_KW_HELP;
	CHECK(k == want);
	CHECK((k == POLICY_KW_NONE) == (w == NULL));
	if (w) {
		squash(w, b, sizeof(b));
		CHECK(!strcmp(a, b));
	}
}

/* tags - the subject tag readers and the text tag reader */
static void
tags(const char *s)
{
	char *copy = strdup(s), tag[POLICY_TAG_LEN + 1];
	const char *t;
	size_t len, n = strlen(s), k;

	CHECK(copy != NULL);
	t = mp_subject_tag(s, &len);
	if (t) {
		CHECK(t >= s + 2 && t + len < s + n + 1);
		CHECK(!strncmp(t - 2, "[#", 2) && t[len] == ']');
		CHECK(len >= MP_TAG_MIN && len <= MP_TAG_MAX);
		CHECK(mp_tag_at(t, ']') == len);
	} else {
		CHECK(len == 0);
	}
	k = mp_tag_at(s, '\0');
	CHECK(k == 0 || (k == n && k >= MP_TAG_MIN && k <= MP_TAG_MAX));
	mp_subject_untag(copy);
	CHECK(strlen(copy) <= n);
	CHECK(mp_subject_tag(copy, &len) == NULL && len == 0);
	if (policy_tag_in_text(s, tag)) {
		CHECK(strlen(tag) == POLICY_TAG_LEN);
		for (k = 0; k < POLICY_TAG_LEN; k++)
			CHECK(strchr("abcdefghijklmnopqrstuvwxyz234567",
				     tag[k]) != NULL);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > 4096)
		return 0;
	if (!conf)
		setup();
	s = malloc(size);
	CHECK(s != NULL);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] & 7) {
	case 0: schedule(data[0] >> 3, s); break;
	case 1: dmarc(data[0] >> 3, s); break;
	case 2: rcpt(s); break;
	case 3: notify(s); break;
	case 4: noise(s); break;
	case 5: sender(s); break;
	case 6: tags(s); break;
	case 7: keyword(s); break;
	}
	free(s);
	return 0;
}
