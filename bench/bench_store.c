/*
 * NAME
 *	bench_store - enqueue and claim rates of the SQLite store
 * SYNOPSIS
 *	bench_store DIR [SECONDS [URI]]
 * DESCRIPTION
 *	In a fresh database under DIR: enqueues for SECONDS (default 2)
 *	with synchronous FULL, then NORMAL (one transaction per message,
 *	as the milter does), then claims what was queued in batches of 10
 *	and marks each submitted (as the gateway does). Prints
 *	"bench: store_enqueue_full N msg/s", "bench: store_enqueue_normal",
 *	"bench: store_claim", "bench: lease_assign_per_s" (a new
 *	SenderPool lease: the RCPT check and the take, as the milter does),
 *	"bench: route_long_thread_per_s" (who texted a phone lately and
 *	the options of the last text to it, as the gateway asks for each
 *	text from the phone, when its one thread holds 10,000 texts each
 *	way: a figure that falls with the thread's length when the whole
 *	thread, or all its recent texts out, are read).
 *	With URI (an empty PostgreSQL database), the same enqueue (each
 *	commit durable) and claim there: "bench: pg_store_enqueue",
 *	"bench: pg_store_claim".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

/* now - monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* enqueue_rate - messages per second for secs */
static double
enqueue_rate(const char *path, enum store_sync sync, double secs)
{
	struct store_error err;
	struct store *s = store_open(path, sync, &err);
	double t0 = now(), el;
	unsigned long n = 0;
	char idem[32];

	if (!s) {
		fprintf(stderr, "bench_store: %s\n", err.msg);
		exit(1);
	}
	do {
		struct store_outbound m = {0};
		int64_t id, thread;

		snprintf(idem, sizeof(idem), "%d-%lu", (int)sync, n);
		m.owner = "alice@example.com";
		m.phone = n % 2 ? "+12025550143" : "+12025550144";
		m.sender = "+12025550100";
		m.tag = n % 2 ? "tagaaaaaaa" : "tagbbbbbbb";
		m.subject = "Re: dinner";
		m.queue_id = "4XyzQ1";
		m.message_id = "<bench@example.com>";
		m.idem_key = idem;
		m.text = "See you at 7 at the usual place, bring the tickets!";
		m.segments = 1;
		if (store_enqueue(s, &m, (int64_t)time(NULL), &id, &thread,
				  &err) != STORE_OK) {
			fprintf(stderr, "bench_store: %s\n", err.msg);
			exit(1);
		}
		n++;
		el = now() - t0;
	} while (el < secs);
	store_close(&s);
	return (double)n / el;
}

/* claim_rate - messages claimed and marked submitted per second */
static double
claim_rate(const char *path)
{
	struct store_error err;
	struct store *s = store_open(path, STORE_SYNC_FULL, &err);
	double t0 = now();
	unsigned long n = 0;
	unsigned got, i;

	if (!s) {
		fprintf(stderr, "bench_store: %s\n", err.msg);
		exit(1);
	}
	do {
		struct store_claim *c;

		if (store_claim(s, "bench", (int64_t)time(NULL) + 1, 300, 10,
				&c, &got, &err) != STORE_OK) {
			fprintf(stderr, "bench_store: %s\n", err.msg);
			exit(1);
		}
		for (i = 0; i < got; i++)
			store_submitted(s, c[i].id, "bench", NULL, 0,
					(int64_t)time(NULL), &err);
		store_claims_free(&c, got);
		n += got;
	} while (got > 0);
	store_close(&s);
	return (double)n / (now() - t0);
}

/*
 * lease_rate - SenderPool leases taken per second, each for a new
 * conversation (owner, phone) as a first mail to a phone does: the
 * room check RCPT makes and the lease end of message takes
 */
static double
lease_rate(const char *path, double secs)
{
	static const char *const pool[] = {"+12025550110", "+12025550111",
					   "+12025550112"};
	struct store_pool_opts o = {pool, 3, 30 * 86400, 5, false, 0};
	struct store_error err;
	struct store *s = store_open(path, STORE_SYNC_NORMAL, &err);
	double t0 = now();
	unsigned long n = 0;

	if (!s) {
		fprintf(stderr, "bench_store: %s\n", err.msg);
		exit(1);
	}
	while (now() - t0 < secs) {
		char phone[40], owner[64], number[40];
		unsigned live;
		bool room;

		snprintf(phone, sizeof(phone), "+1202%07lu", 2000000 + n / 3);
		snprintf(owner, sizeof(owner), "u%lu@example.com", n % 3);
		if (store_pool_room(s, owner, phone, &o, (int64_t)time(NULL),
				    &room, &live, &err) != STORE_OK ||
		    !room ||
		    store_pool_take(s, owner, phone, &o, (int64_t)time(NULL),
				    number, NULL, &err) != STORE_OK) {
			fprintf(stderr, "bench_store: lease: %s\n", err.msg);
			exit(1);
		}
		n++;
	}
	store_close(&s);
	return (double)n / (now() - t0);
}

/*
 * route_rate - store_recent_owners and store_thread_opts calls (a pair
 * a lookup) per second for secs, on a thread of 10,000 texts each way
 */
static double
route_rate(const char *path, double secs)
{
	struct store_error err;
	struct store *s = store_open(path, STORE_SYNC_OFF, &err);
	struct store_thread t;
	int64_t at = (int64_t)time(NULL) - 3600;
	char owners[8][256];
	unsigned n = 0, got;
	double t0;

	if (!s ||
	    store_thread_open(s, "alice@example.com", "+12025550188",
			      "+12025550100", "benchtag0001", at, &t,
			      &err) != STORE_OK ||
	    store_batch_begin(s, &err) != STORE_OK) {
		fprintf(stderr, "bench_store: route: %s\n", err.msg);
		exit(1);
	}
	for (n = 0; n < 10000; n++) {
		struct store_inbound in = {
		    .thread_id = t.id, .text = "an answer", .segments = 1};
		struct store_outbound m = {.owner = "alice@example.com",
					   .phone = "+12025550188",
					   .sender = "+12025550100",
					   .tag = "benchtag0001",
					   .text = "a question",
					   .segments = 1};
		char idem[32];
		int64_t id, thread;

		snprintf(idem, sizeof(idem), "route-%u", n);
		m.idem_key = idem;
		if (store_inbound_add(s, &in, at + n / 10, NULL, NULL, &err) !=
			STORE_OK ||
		    store_enqueue(s, &m, at + n / 10, &id, &thread, &err) !=
			STORE_OK) {
			fprintf(stderr, "bench_store: route: %s\n", err.msg);
			exit(1);
		}
	}
	if (store_batch_end(s, &err) != STORE_OK) {
		fprintf(stderr, "bench_store: route: %s\n", err.msg);
		exit(1);
	}
	t0 = now();
	for (n = 0; now() - t0 < secs; n++) {
		char *opts = NULL;

		if (store_recent_owners(s, "+12025550188", "+12025550100",
					at - 86400, owners, 8, &got,
					&err) != STORE_OK ||
		    got != 1 ||
		    store_thread_opts(s, t.id, at - 86400, &opts, &err) !=
			STORE_OK) {
			fprintf(stderr, "bench_store: route: %s\n",
				got != 1 ? "not the one owner" : err.msg);
			exit(1);
		}
		free(opts);
	}
	store_close(&s);
	return (double)n / (now() - t0);
}

int
main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 2, full, normal, claim, lease;
	double route;
	char path[512];

	if (argc < 2) {
		fprintf(stderr, "usage: bench_store DIR [SECONDS [URI]]\n");
		return 2;
	}
	if (argc > 3) { /* PostgreSQL: the same two figures */
		full = enqueue_rate(argv[3], STORE_SYNC_FULL, secs);
		claim = claim_rate(argv[3]);
		printf("bench: pg_store_enqueue %.0f msg/s\n", full);
		printf("bench: pg_store_claim %.0f msg/s\n", claim);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/bench.db", argv[1]);
	unlink(path);
	full = enqueue_rate(path, STORE_SYNC_FULL, secs);
	normal = enqueue_rate(path, STORE_SYNC_NORMAL, secs);
	claim = claim_rate(path);
	lease = lease_rate(path, secs);
	route = route_rate(path, secs);
	printf("bench: store_enqueue_full %.0f msg/s\n", full);
	printf("bench: store_enqueue_normal %.0f msg/s\n", normal);
	printf("bench: store_claim %.0f msg/s\n", claim);
	printf("bench: lease_assign_per_s %.0f leases/s\n", lease);
	printf("bench: route_long_thread_per_s %.0f lookups/s\n", route);
	return 0;
}
