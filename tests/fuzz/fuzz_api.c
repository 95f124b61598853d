/*
 * NAME
 *	fuzz_api - libFuzzer target: the send API (api_handle)
 * DESCRIPTION
 *	An input is up to MAX_RECORDS records separated by a line "--",
 *	each a request to api_handle(). The first byte of a record says
 *	how: bits 0-1 the method (POST, GET, DELETE, PUT), bits 2-3 the
 *	key (none, alice's, bob's, the next line as the Authorization
 *	header), bit 4 JSON (else the next line is the Content-Type).
 *	Then lines: the path (with "?" and a query), the Idempotency-Key
 *	(empty: none); the rest is the body.
 *
 *	The store is in memory with a key for alice and one for bob and a
 *	scheduled text of each with a known sid (SM...01 alice's, SM...02
 *	bob's), so that inputs can name them. Each input runs in a unit
 *	rolled back after it, so every input meets the same store.
 *
 *	Checks every answer: a status HTTP has, JSON with a Message, a
 *	Messages list or an Error; 401 exactly when no valid key was
 *	given; and a key never sees another owner's text: every Message
 *	and every entry of Messages is its owner's.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "conf/conf.h"
#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "store/store.h"
#include "tests/fuzz/fuzz.h"
#include "util/util.h"

#define MAX_RECORDS 8
#define SID_ALICE   "SM00000000000000000000000000000001"
#define SID_BOB	    "SM00000000000000000000000000000002"

static const char conf_text[] =
    "SmsDomains sms.example.com\n"
    "TagSecret 0123456789abcdef-fuzz-secret\n"
    "DefaultSender +12025550100\n"
    "Database /nonexistent/fuzz.db\n" /* never opened: in memory */
    "SenderNumbers alice@example.com=+12025550101, "
    "bob@example.com=+12025550102\n"
    "MonthlySegmentQuota 100\n"
    "RecipientRateLimit 0/1h\n";

static const char *const methods[] = {"POST", "GET", "DELETE", "PUT"};
static const char *const owners[] = {NULL, "alice@example.com",
				     "bob@example.com"};
static char tokens[3][POLICY_APIKEY_LEN + 8];
static struct conf *conf;
static struct store *store;
static bool verbose;

/* scheduled - a text of owner, a day ahead, with a known sid */
static void
scheduled(const char *owner, const char *from, const char *sid, int64_t now)
{
	struct store_outbound o = {
	    .owner = owner,
	    .phone = "+12025550143",
	    .sender = from,
	    .tag = sid + 22, /* a thread's tag is unique */
	    .envelope_from = owner,
	    .idem_key = sid,
	    .text = "Tomorrow, then.",
	    .segments = 1,
	    .due = now + 86400,
	    .sid = sid,
	};
	struct store_error err;
	int64_t id, thread;

	CHECK(store_enqueue(store, &o, now, &id, &thread, &err) == STORE_OK);
}

/* key - an API key of owner; its "Authorization" value into auth */
static void
key(const char *owner, char *auth, size_t size)
{
	char token[POLICY_APIKEY_LEN + 1], hash[POLICY_APIKEY_HASH_LEN + 1];
	char hint[POLICY_APIKEY_HINT_LEN + 1];
	struct store_error err;
	int64_t id;

	CHECK(policy_apikey_new(token, hash, hint) == 0);
	CHECK(store_apikey_add(store, owner, "fuzz", hash, hint,
			       (int64_t)time(NULL), &id, &err) == STORE_OK);
	snprintf(auth, size, "Bearer %s", token);
}

/* teardown - free what setup made */
static void
teardown(void)
{
	store_close(&store);
	conf_free(&conf);
}

/* setup - the configuration, the store, the keys and texts, once */
static void
setup(void)
{
	int64_t now = (int64_t)time(NULL);
	struct store_error err;
	char *errors = NULL;

	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		ut_log_open("fuzz_api", "mail", LOG_DEBUG, true);
	else
		ut_log_level(-1);
	mp_init();
	conf = conf_load_string("fuzz.conf", conf_text, &errors);
	if (!conf) {
		fprintf(stderr, "fuzz_api: %s\n", errors);
		abort();
	}
	store = store_open(":memory:", STORE_SYNC_OFF, &err);
	CHECK(store != NULL);
	key("alice@example.com", tokens[1], sizeof(tokens[1]));
	key("bob@example.com", tokens[2], sizeof(tokens[2]));
	scheduled("alice@example.com", "+12025550101", SID_ALICE, now);
	scheduled("bob@example.com", "+12025550102", SID_BOB, now);
	atexit(teardown);
}

/* owner_is - the Owner of Message m is owner */
static bool
owner_is(json_t *m, const char *owner)
{
	const char *o = json_string_value(json_object_get(m, "Owner"));

	return o && !strcmp(o, owner);
}

/* owned - every Owner in the answer j is owner */
static bool
owned(json_t *j, const char *owner)
{
	json_t *m = json_object_get(j, "Message"), *x;
	size_t i;

	if (m && !owner_is(m, owner))
		return false;
	json_array_foreach(json_object_get(j, "Messages"), i, x)
	{
		if (!owner_is(x, owner))
			return false;
	}
	return true;
}

/* request - one record as an API request, answered and checked */
static void
request(uint8_t b0, const uint8_t *p, const uint8_t *end)
{
	unsigned who = (b0 >> 2) & 3;
	char *auth = who == 3 ? fuzz_line(&p, end) : NULL;
	char *ctype = b0 & 0x10 ? NULL : fuzz_line(&p, end);
	char *path = fuzz_line(&p, end), *idem = fuzz_line(&p, end), *q;
	size_t blen = (size_t)(end - p);
	char *body = malloc(blen + 1);
	struct wh_request rq = {0};
	struct wh_answer a;
	json_t *j;

	CHECK(body != NULL);
	memcpy(body, p, blen);
	body[blen] = '\0';
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';
	rq = (struct wh_request){
	    .method = methods[b0 & 3],
	    .path = path,
	    .query = q,
	    .content_type = ctype ? ctype : "application/json",
	    .client = "127.0.0.1",
	    .authorization = who == 3 ? auth
			     : who    ? tokens[who]
				      : NULL,
	    .idempotency_key = idem[0] ? idem : NULL,
	    .body = body,
	    .body_len = blen,
	};
	api_handle(conf, store, NULL, NULL, &rq, &a);
	if (verbose)
		fprintf(stderr, "%s %s -> %u %.*s\n", rq.method, path, a.status,
			(int)(a.len < 200 ? a.len : 200), a.body ? a.body : "");
	CHECK(a.status >= 200 && a.status <= 599);
	CHECK(a.status != 500); /* a store in memory never fails */
	CHECK(a.content_type && !strcmp(a.content_type, "application/json"));
	CHECK(a.body && a.len == strlen(a.body));
	j = json_loads(a.body, 0, NULL);
	CHECK(json_is_object(j));
	CHECK(json_object_get(j, "Message") || json_object_get(j, "Messages") ||
	      json_object_get(j, "Error"));
	if (who == 1 || who == 2) {
		CHECK(a.status != 401);
		CHECK(owned(j, owners[who]));
	} else if (who == 0)
		CHECK(a.status == 401 || a.status == 404);
	else if (a.status < 400) /* a forged header: only a real key */
		CHECK(strstr(auth, tokens[1] + 7) ||
		      strstr(auth, tokens[2] + 7));
	json_decref(j);
	free(a.body);
	free(body);
	free(auth);
	free(ctype);
	free(path);
	free(idem);
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

		if (p != rend)
			request(*p, p + 1, rend);
		if (!next)
			break;
		p = next + 4;
	}
	CHECK(store_unit_end(store, false, &err) == STORE_OK);
	return 0;
}
