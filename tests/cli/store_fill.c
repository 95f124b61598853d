/*
 * NAME
 *	store_fill - put known messages in a store, for smsctl's tests
 * SYNOPSIS
 *	store_fill DATABASE
 * DESCRIPTION
 *	Through the store API, as the milter and the gateway would:
 *	20 messages from alice@example.com to +12025550143 (2 segments
 *	each, the first 10 submitted, one failed), 5 from bob@example.com
 *	to +442079460958 (one segment; one says "100% off"), all created
 *	2026-11-02, and one scheduled for 2026-12-24.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

#define T0 1762041600 /* 2025-11-02 00:00 UTC: fixed, for stable output */

int
main(int argc, char **argv)
{
	struct store_error err;
	struct store *s;
	struct store_claim *c;
	unsigned n, i;
	int k;

	if (argc != 2) {
		fprintf(stderr, "usage: store_fill DATABASE\n");
		return 2;
	}
	s = store_open(argv[1], STORE_SYNC_NORMAL, &err);
	if (!s) {
		fprintf(stderr, "store_fill: %s\n", err.msg);
		return 1;
	}
	for (k = 0; k < 26; k++) {
		struct store_outbound m = {0};
		char idem[16], text[64];
		int64_t id, thread;

		snprintf(idem, sizeof(idem), "fill-%d", k);
		snprintf(text, sizeof(text), "%s %d",
			 k == 22 ? "100% off today, message" : "message", k);
		m.owner = k < 20 ? "alice@example.com" : "bob@example.com";
		m.phone = k < 20 ? "+12025550143" : "+442079460958";
		m.sender = "+12025550100";
		m.tag = k < 20 ? "aaaaaaaaaa" : "bbbbbbbbbb";
		m.subject = "Dinner";
		m.idem_key = idem;
		m.text = text;
		m.segments = k < 20 ? 2 : 1;
		if (k == 25)
			m.due = 1766534400; /* 2025-12-24 */
		if (store_enqueue(s, &m, T0 + k * 60, &id, &thread, &err) !=
		    STORE_OK) {
			fprintf(stderr, "store_fill: %s\n", err.msg);
			return 1;
		}
	}
	if (store_claim(s, "fill", T0 + 3600, 600, 11, &c, &n, &err) !=
	    STORE_OK) {
		fprintf(stderr, "store_fill: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (i == 10)
			store_fail(s, c[i].id, "fill", "0x0000000B",
				   "the number does not exist", T0 + 3601,
				   &err);
		else
			store_submitted(s, c[i].id, "fill", NULL, 0, T0 + 3601,
					&err);
	}
	store_claims_free(&c, n);
	store_close(&s);
	return 0;
}
