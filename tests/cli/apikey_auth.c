/*
 * NAME
 *	apikey_auth - check an Authorization header, for smsctl's tests
 * SYNOPSIS
 *	apikey_auth CONFIG [HEADER]
 * DESCRIPTION
 *	Opens the store of configuration CONFIG and checks HEADER (an
 *	Authorization header's value; none when left out) with
 *	policy_apikey_auth, as the send API does: prints "OWNER KEY_ID"
 *	and exits 0, or prints the verdict "CODE XCODE SENTENCE" and
 *	exits 1. Exits 2 for bad usage, 3 when CONFIG or its store
 *	cannot be opened.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "policy/policy.h"
#include "store/store.h"

int
main(int argc, char **argv)
{
	struct policy_verdict v;
	struct store_error err;
	struct store *st;
	struct conf *c;
	char owner[256], *errors;
	int64_t id;
	int rc;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: apikey_auth CONFIG [HEADER]\n");
		return 2;
	}
	if (!(c = conf_load(argv[1], &errors))) {
		fputs(errors, stderr);
		free(errors);
		return 3;
	}
	if (!(st = store_open(c->database, STORE_SYNC_NORMAL, &err))) {
		fprintf(stderr, "apikey_auth: %s\n", err.msg);
		conf_free(&c);
		return 3;
	}
	if (policy_apikey_auth(c, st, NULL, argc == 3 ? argv[2] : NULL,
			       (int64_t)time(NULL), owner, &id, &v, &err)) {
		printf("%s %lld\n", owner, (long long)id);
		rc = 0;
	} else {
		printf("%s %s %s\n", v.code, v.xcode, v.text);
		if (!strcmp(v.xcode, "4.3.0"))
			fprintf(stderr, "apikey_auth: %s\n", err.msg);
		rc = 1;
	}
	store_close(&st);
	conf_free(&c);
	return rc;
}
