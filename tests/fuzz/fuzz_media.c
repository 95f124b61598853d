/*
 * NAME
 *	fuzz_media - libFuzzer target: the media route (media_handle)
 * DESCRIPTION
 *	An input is up to MAX_RECORDS records separated by a line "--",
 *	each a request for a file's link. The first byte of a record
 *	says the method (bit 0: HEAD, else GET; bit 1: POST instead).
 *	Then lines: the path, the Range header, the If-Range header and
 *	the If-None-Match header (each empty: none).
 *
 *	The store is in memory with two files, alice's 1000-byte photo
 *	"aaaaaaaaaa" and bob's empty file "bbbbbbbbbb", both expiring at
 *	NOW + 3600; requests are answered at NOW, so the corpus keeps
 *	valid links (tests/fuzz/corpus/media was made for this secret
 *	and NOW).
 *
 *	Checks every answer: a status of the route's; 404 exactly when
 *	policy_media_check refuses the path (the one answer for every
 *	bad link); a 200 has the whole file, a 206 the bytes its
 *	Content-Range names, inside the file; HEAD no body; never
 *	text/html or a type outside policy_media_type's.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf/conf.h"
#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "store/store.h"
#include "tests/fuzz/fuzz.h"
#include "util/util.h"

#define MAX_RECORDS 8
#define NOW	    1767225600 /* 2026-01-01 */
#define SIZE	    1000

static const char conf_text[] = "SmsDomains sms.example.com\n"
				"TagSecret 0123456789abcdef-fuzz-secret\n"
				"DefaultSender +12025550100\n"
				"Database /nonexistent/fuzz.db\n"
				"MediaBaseUrl https://sms.example.com\n";

static struct conf *conf;
static struct store *store;
static unsigned char photo[SIZE];
static int64_t photo_id;

/* teardown - close what setup() opened */
static void
teardown(void)
{
	store_close(&store);
	conf_free(&conf);
}

/* setup - the configuration and the store with its two files, once */
static void
setup(void)
{
	struct store_media_out f = {.mid = "aaaaaaaaaa",
				    .owner = "alice@example.com",
				    .filename = "photo.jpg",
				    .content_type = "image/jpeg",
				    .data = photo,
				    .len = SIZE,
				    .expires = NOW + 3600};
	struct store_error err;
	char *errors = NULL;
	unsigned i;

	if (getenv("FUZZ_VERBOSE"))
		ut_log_open("fuzz_media", "mail", LOG_DEBUG, true);
	else
		ut_log_level(-1);
	conf = conf_load_string("fuzz.conf", conf_text, &errors);
	if (!conf) {
		fprintf(stderr, "fuzz_media: %s\n", errors);
		abort();
	}
	store = store_open(":memory:", STORE_SYNC_OFF, &err);
	CHECK(store != NULL);
	for (i = 0; i < SIZE; i++)
		photo[i] = (unsigned char)(i * 31 + 7);
	CHECK(store_media_add(store, &f, NOW, &photo_id, &err) == STORE_OK);
	f = (struct store_media_out){.mid = "bbbbbbbbbb",
				     .owner = "bob@example.com",
				     .filename = "<b>.html",
				     .content_type = "text/html",
				     .data = "",
				     .len = 0,
				     .expires = NOW + 3600};
	CHECK(store_media_add(store, &f, NOW, NULL, &err) == STORE_OK);
	atexit(teardown);
}

/* request - one record as a request, answered and checked */
static void
request(uint8_t b0, const uint8_t *p, const uint8_t *end)
{
	const char *method = b0 & 2 ? "POST" : b0 & 1 ? "HEAD" : "GET";
	char *path = fuzz_line(&p, end), *range = fuzz_line(&p, end);
	char *if_range = fuzz_line(&p, end), *inm = fuzz_line(&p, end);
	char mid[POLICY_MEDIA_ID_LEN + 1], type[96];
	struct media_answer a;
	int64_t exp, first, last, size;
	bool good, show;

	good = policy_media_check(conf->tag_secret, path, NOW, mid, &exp);
	media_handle(conf, store, method, path, range[0] ? range : NULL,
		     if_range[0] ? if_range : NULL, inm[0] ? inm : NULL, NOW,
		     &a);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s %s -> %u %s\n", method, path, a.status,
			a.content_range);
	CHECK(a.status == 200 || a.status == 206 || a.status == 304 ||
	      a.status == 404 || a.status == 405 || a.status == 416);
	CHECK((a.status == 404) == (!good || (strcmp(mid, "aaaaaaaaaa") &&
					      strcmp(mid, "bbbbbbbbbb"))));
	if (a.status == 200 || a.status == 206) {
		size = strcmp(mid, "aaaaaaaaaa") ? 0 : SIZE;
		CHECK(a.size == size);
		policy_media_type(size ? "image/jpeg" : "text/html", type,
				  sizeof(type), &show);
		CHECK(!strcmp(a.content_type, type));
		CHECK(strcmp(a.content_type, "text/html") != 0);
		CHECK((a.body != NULL) ==
		      (strcmp(method, "GET") == 0 && a.len));
		if (a.status == 200) {
			CHECK(a.len == (size_t)size);
			first = 0;
		} else {
			CHECK(sscanf(a.content_range,
				     "bytes %" SCNd64 "-%" SCNd64 "/%" SCNd64,
				     &first, &last, &exp) == 3);
			CHECK(exp == size && first <= last && last < size);
			CHECK(a.len == (size_t)(last - first + 1));
		}
		if (a.body)
			CHECK(!memcmp(a.body, photo + first, a.len));
	}
	if (a.status == 416)
		CHECK(!a.body);
	free(a.body);
	free(path);
	free(range);
	free(if_range);
	free(inm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *sep;
	unsigned n;

	if (!conf)
		setup();
	for (n = 0; n < MAX_RECORDS && p < end; n++) {
		const uint8_t *e;

		sep = fuzz_sep(p, end);
		e = sep ? sep : end;
		request(p[0], p + 1 < e ? p + 1 : e, e);
		p = sep ? sep + 4 : end;
	}
	return 0;
}
