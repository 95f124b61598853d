/*
 * NAME
 *	fuzz_webhook - libFuzzer target: smsgw's webhooks and inbound texts
 * DESCRIPTION
 *	An input is up to MAX_RECORDS records separated by a line "--".
 *	The first byte of a record picks what it is (low 3 bits) and how:
 *
 *	0-6	a request to /twilio/sms, /twilio/status, /kannel/mo,
 *		/kannel/dlr, /voipms, /voicemail or /metrics, passed to
 *		webhook_handle(). Then lines: the query (empty: none),
 *		the Content-Type, the X-Twilio-Signature, "user:password"
 *		(empty: no basic auth); the rest is the body. Flags:
 *		0x08 GET (else POST), 0x10 an untrusted client (else
 *		127.0.0.1), 0x20 sign the request with HttpToken (Twilio
 *		routes) or use WebhookUser's password (the others),
 *		0x40 method PUT, 0x80 a path with a slash added.
 *	7	user data from a phone, passed to inbound_sms(): a
 *		data_coding byte, an esm_class byte, a sender (index into
 *		a few numbers, so that parts of a set meet), our number
 *		(index), a provider id byte (0: none), then the user data.
 *		Flag 0x08: then sweep the sets older than
 *		ReassemblyTimeout.
 *
 *	The store is in memory, opened once with two submitted texts
 *	whose SMSC ids ("1-1", "1-2", "SM21", "SM22") status callbacks
 *	can name. Each input runs in a unit of its own that is rolled
 *	back after it (what it does nests as savepoints, as in the
 *	runner's batches), so that every input meets the same store and
 *	a crash replays from its input alone.
 *
 *	Checks every answer (status, body, length), that a request the
 *	harness did not authorize is refused, and that one it authorized
 *	is not refused for that. With FUZZ_VERBOSE set in the
 *	environment, logs to stderr and prints each answer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "conf/conf.h"
#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "store/store.h"
#include "tests/fuzz/fuzz.h"
#include "transport/transport.h"
#include "util/util.h"

#define MAX_RECORDS 16
#define PUBLIC_URL  "https://gw.example.com/hooks"
#define TOKEN	    "tok-webhook-fuzz-1"
#define HOOK_USER   "hook"
#define HOOK_PASS   "hookpw-fuzz-1"

static const char conf_text[] =
    "SmsDomains sms.example.com\n"
    "TagSecret 0123456789abcdef-fuzz-secret\n"
    "DefaultSender +12025550100\n"
    "Database /nonexistent/fuzz.db\n" /* never opened: see fresh_store */
    "TrustedNetworks 127.0.0.1/32\n"
    "NumberOwners +12025550100=alice@example.com, "
    "+12025550101=bob@example.com\n"
    "ReassemblyTimeout 5m\n"
    "WebhookPublicUrl " PUBLIC_URL "\n"
    "HttpToken " TOKEN "\n"
    "WebhookUser " HOOK_USER "\n"
    "WebhookPassword " HOOK_PASS "\n";

static const char *const routes[] = {
    "/twilio/sms", "/twilio/status", "/kannel/mo", "/kannel/dlr",
    "/voipms",	   "/voicemail",     "/metrics",
};
static const char *const froms[] = {
    "+12025550143",
    "+12025550144",
    "12025550145",
    "+447700900123",
    "+33612345678",
    "not-a-number",
    "",
    "+1",
};
static const char *const tos[] = {
    "+12025550100",
    "+12025550101",
    "12025550100",
    "+12025550199",
    "12345",
    "ACME",
    "",
};

static struct conf *conf;
static struct store *store;
static bool verbose; /* FUZZ_VERBOSE set: print each answer */

/* sent - queue a two-part text and record it submitted with ids */
static void
sent(struct store *s, const char *id1, const char *id2, int64_t now)
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
	const char *ids[2] = {id1, id2};
	struct store_claim *cl = NULL;
	struct store_error err;
	int64_t id, thread;
	unsigned n = 0;

	CHECK(store_enqueue(s, &o, now, &id, &thread, &err) == STORE_OK);
	CHECK(store_claim(s, "fuzz", now, 60, 1, &cl, &n, &err) == STORE_OK);
	CHECK(n == 1 && cl[0].id == id);
	CHECK(store_submitted(s, id, "fuzz", ids, 2, now, &err) == STORE_OK);
	store_claims_free(&cl, n);
}

/* fresh_store - a new store in memory with two submitted texts */
static void
fresh_store(int64_t now)
{
	struct store_error err;

	store = store_open(":memory:", STORE_SYNC_OFF, &err);
	if (!store) {
		fprintf(stderr, "fuzz_webhook: store: %s\n", err.msg);
		abort();
	}
	sent(store, "1-1", "1-2", now);
	sent(store, "SM21", "SM22", now);
}

/* teardown - free what setup made, so that nothing is left at exit */
static void
teardown(void)
{
	store_close(&store);
	conf_free(&conf);
}

/* setup - the configuration and gmime, once per process */
static void
setup(void)
{
	char *errors = NULL;

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		ut_log_open("fuzz_webhook", "mail", LOG_DEBUG, true);
	else
		ut_log_level(-1); /* no syslog: nothing to see, and slow */
	mp_init();
	conf = conf_load_string("fuzz.conf", conf_text, &errors);
	if (!conf) {
		fprintf(stderr, "fuzz_webhook: %s\n", errors);
		abort();
	}
	fresh_store((int64_t)time(NULL));
	atexit(teardown);
}

/*
 * sign - the X-Twilio-Signature of a POST of body to path?query, the
 * way Twilio computes it (decoded body fields); false when the body
 * has more fields than the webhook takes
 */
static bool
sign(const char *path, const char *query, const char *body, size_t len,
     char sig[29])
{
	struct form f = {0};
	char url[2048];
	bool ok = form_parse(&f, body, len);

	if (ok) {
		snprintf(url, sizeof(url), "%s%s%s%s", PUBLIC_URL, path,
			 query ? "?" : "", query ? query : "");
		tp_twilio_signature(TOKEN, url, (const char *const *)f.name,
				    (const char *const *)f.value, f.n, sig);
	}
	form_clear(&f);
	return ok;
}

/* request - one record as a webhook request, answered and checked */
static void
request(uint8_t b0, const uint8_t *p, const uint8_t *end)
{
	unsigned route = b0 & 7;
	bool is_signed = route < 2, untrusted = b0 & 0x10, ours = b0 & 0x20;
	char *query = fuzz_line(&p, end), *ctype = fuzz_line(&p, end);
	char *sig = fuzz_line(&p, end), *auth = fuzz_line(&p, end);
	char path[32], good[29], *colon = strchr(auth, ':');
	size_t blen = (size_t)(end - p);
	char *body = malloc(blen ? blen : 1); /* no NUL: len bytes only */
	struct wh_request rq = {
	    .method = b0 & 0x40	  ? "PUT"
		      : b0 & 0x08 ? "GET"
				  : "POST",
	    .path = path,
	    .query = query[0] ? query : NULL,
	    .content_type = ctype[0] ? ctype : NULL,
	    .signature = sig[0] ? sig : NULL,
	    .client = untrusted ? "192.0.2.7" : "127.0.0.1",
	    .body = body,
	    .body_len = blen,
	};
	struct wh_answer a;
	bool authorized;

	CHECK(body != NULL);
	memcpy(body, p, blen);
	snprintf(path, sizeof(path), "%s%s", routes[route],
		 b0 & 0x80 ? "/" : "");
	if (colon) {
		*colon = '\0';
		rq.user = auth;
		rq.password = colon + 1;
	}
	if (is_signed && ours && sign(path, rq.query, body, blen, good))
		rq.signature = good;
	else if (!is_signed && ours) {
		rq.user = HOOK_USER;
		rq.password = HOOK_PASS;
	}
	if (is_signed)
		authorized = rq.signature == good;
	else if (rq.user)
		authorized = !strcmp(rq.user, HOOK_USER) &&
			     !strcmp(rq.password, HOOK_PASS);
	else
		authorized = !untrusted;

	webhook_handle(conf, store, NULL, "smpp", &rq, &a);
	if (verbose)
		fprintf(stderr, "%s %s -> %u %.*s\n", rq.method, path, a.status,
			(int)(a.len < 60 ? a.len : 60), a.body ? a.body : "");

	CHECK(a.status >= 200 && a.status <= 599);
	CHECK(a.content_type != NULL);
	CHECK(a.body != NULL);
	CHECK(a.len == strlen(a.body));
	if (b0 & 0x80)
		CHECK(a.status == 404);
	else if (!authorized)
		CHECK(a.status >= 400);
	else
		CHECK(a.status != 403);
	free(a.body);
	free(body);
	free(query);
	free(ctype);
	free(sig);
	free(auth);
}

/* mo - one record as user data from a phone */
static void
mo(uint8_t b0, const uint8_t *p, const uint8_t *end)
{
	uint8_t h[5] = {0};
	char id[16];
	size_t i, n;
	uint8_t *ud;
	struct inbound_sms m = {.provider = "smpp"};
	enum inbound_result r;
	int64_t now = (int64_t)time(NULL);

	for (i = 0; i < sizeof(h) && p < end; i++)
		h[i] = *p++;
	n = (size_t)(end - p);
	ud = malloc(n ? n : 1);
	CHECK(ud != NULL);
	memcpy(ud, p, n);
	snprintf(id, sizeof(id), "smpp-%u", h[4]);
	m.data_coding = h[0];
	m.esm_class = h[1];
	m.from = froms[h[2] % (sizeof(froms) / sizeof(froms[0]))];
	m.to = tos[h[3] % (sizeof(tos) / sizeof(tos[0]))];
	m.provider_id = h[4] ? id : NULL;
	m.ud = ud;
	m.ud_len = n;
	r = inbound_sms(conf, store, &m, now);
	CHECK(r >= IN_DONE && r <= IN_TEMP);
	if (verbose)
		fprintf(stderr, "mo from=%s dc=%u esm=%u -> %d\n", m.from, h[0],
			h[1], (int)r);
	CHECK(r != IN_TEMP); /* a store in memory has no bad days */
	if (b0 & 0x08)
		inbound_sweep(conf, store, now + conf->reassembly_timeout + 1);
	free(ud);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct store_error err;
	unsigned k;

	if (!conf)
		setup();
	CHECK(store_unit_begin(store, &err) == STORE_OK);
	for (k = 0; k < MAX_RECORDS && p < end; k++) {
		const uint8_t *next = fuzz_sep(p, end);
		const uint8_t *rend = next ? next : end;

		if (p == rend)
			; /* an empty record */
		else if ((*p & 7) == 7)
			mo(*p, p + 1, rend);
		else
			request(*p, p + 1, rend);
		if (!next)
			break;
		p = next + 4;
	}
	CHECK(store_unit_end(store, false, &err) == STORE_OK);
	return 0;
}
