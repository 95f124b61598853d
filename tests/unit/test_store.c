/*
 * NAME
 *	test_store - the SQLite store in one process: schema, queue, leases,
 *	history
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h" /* sq_exec: a rollback under a batch */

#define T0 1764000000 /* a fixed "now" */

struct fixture {
	char dir[64];
	char path[512];
	struct store *s;
};

/*
 * pg_uri - the PostgreSQL server the store's tests run on instead of
 * SQLite files (STORE_TEST_PG, a libpq URI, set by tests/store/
 * test_pg.sh), or NULL
 */
static const char *
pg_uri(void)
{
	const char *u = getenv("STORE_TEST_PG");

	return u && *u ? u : NULL;
}

/* server_sql - run SQL on the test server, or fail the test */
static void
server_sql(const char *sql)
{
	PGconn *c = PQconnectdb(pg_uri());
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("%s", PQerrorMessage(c));
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

/* sqlite_only - skip a test of what only SQLite files have */
#define sqlite_only()                                                          \
	do {                                                                   \
		if (pg_uri())                                                  \
			skip();                                                \
	} while (0)

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_error err;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	if (pg_uri()) { /* an empty database for each test */
		server_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
		snprintf(f->path, sizeof(f->path), "%s", pg_uri());
	}
	f->s = store_open(f->path, STORE_SYNC_NORMAL, &err);
	if (!f->s) {
		print_error("%s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	store_close(&f->s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* tag_for - a distinct tag per owner and phone (storage lives on) */
static const char *
tag_for(const char *owner, const char *phone)
{
	static char tags[16][80];
	static unsigned n;
	char t[80];
	unsigned i;

	snprintf(t, sizeof(t), "%s|%s", owner, phone);
	for (i = 0; i < n; i++)
		if (strcmp(tags[i], t) == 0)
			return tags[i];
	assert_true(n < 16);
	memcpy(tags[n], t, sizeof(t));
	return tags[n++];
}

/* outbound - a message to phone from owner, with an idempotency key */
static struct store_outbound
outbound(const char *owner, const char *phone, const char *text,
	 const char *idem)
{
	struct store_outbound m = {0};

	m.owner = owner;
	m.phone = phone;
	m.sender = "+12025550100";
	m.tag = tag_for(owner, phone);
	m.subject = "Hello";
	m.envelope_from = owner;
	m.queue_id = "4XyzQ1";
	m.message_id = "<a@example.com>";
	m.idem_key = idem;
	m.text = text;
	m.segments = 1;
	return m;
}

/* enqueue - enqueue or fail the test; returns the message id */
static int64_t
enqueue(struct store *s, const struct store_outbound *m, int64_t now)
{
	struct store_error err;
	int64_t id, thread;

	if (store_enqueue(s, m, now, &id, &thread, &err) != STORE_OK)
		fail_msg("enqueue: %s", err.msg);
	return id;
}

static void
schema_created(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_version(f->s), STORE_SCHEMA_VERSION);
	assert_int_equal(store_check(f->s, NULL), STORE_OK);
}

static void
migrate_from_each_version(void **state)
{
	/* rows as the code of version 1 wrote them */
	static const char v1_rows[] =
	    "INSERT INTO threads (owner, phone, sender, tag, created,"
	    " last_active) VALUES ('a@example.com', '+12025550143',"
	    " '+12025550100', 't1', 0, 0);"
	    "INSERT INTO messages (thread_id, direction, text, encoding,"
	    " segments, state, due, created, updated)"
	    " VALUES (1, 'out', 'kept', 0, 1, 0, 0, 0, 0);";
	struct fixture *f = *state;
	struct store_error err;
	struct store_counts c;
	char path[128];
	int v;

	sqlite_only();
	for (v = 0; v < STORE_SCHEMA_VERSION; v++) {
		struct store *s;
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/v%d.db", f->dir, v);
		s = store_open_version(path, STORE_SYNC_FULL, v, &err);
		assert_non_null(s);
		assert_int_equal(store_version(s), v);
		store_close(&s);
		if (v >= 1) {
			assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
			assert_int_equal(
			    sqlite3_exec(db, v1_rows, NULL, NULL, NULL),
			    SQLITE_OK);
			sqlite3_close(db);
		}
		s = store_open(path, STORE_SYNC_FULL, &err);
		if (!s)
			fail_msg("from v%d: %s", v, err.msg);
		assert_int_equal(store_version(s), STORE_SCHEMA_VERSION);
		assert_int_equal(store_counts(s, &c, &err), STORE_OK);
		assert_int_equal(c.n[STORE_QUEUED], v >= 1 ? 1 : 0);
		assert_int_equal(store_check(s, &err), STORE_OK);
		store_close(&s);
	}
}

static void
newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct store_error err;
	struct store *s;
	sqlite3 *db;
	char path[128];

	if (pg_uri()) { /* a server's schema from a later smsmilter */
		server_sql("UPDATE schema_version SET version = 99");
		s = store_open(f->path, STORE_SYNC_FULL, &err);
		assert_null(s);
		assert_int_equal(err.status, STORE_EPERM);
		assert_non_null(strstr(err.msg, "schema version 99"));
		assert_non_null(strstr(err.msg, "upgrade smsmilter"));
		assert_null(strstr(err.msg, "password"));
		{
			char back[64];

			snprintf(back, sizeof(back),
				 "UPDATE schema_version SET version = %d",
				 STORE_SCHEMA_VERSION);
			server_sql(back);
		}
		return;
	}
	snprintf(path, sizeof(path), "%s/new.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	s = store_open(path, STORE_SYNC_FULL, &err);
	assert_null(s);
	assert_int_equal(err.status, STORE_EPERM);
	assert_non_null(strstr(err.msg, "schema version 99"));
	assert_non_null(strstr(err.msg, "upgrade smsmilter"));

	/* not a database at all */
	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	{
		FILE *fp = fopen(path, "w");

		assert_non_null(fp);
		fputs("this is not an SQLite database, not at all, no.\n", fp);
		fclose(fp);
	}
	s = store_open(path, STORE_SYNC_FULL, &err);
	assert_null(s);
	assert_non_null(strstr(err.msg, path));
}

static void
enqueue_idempotent_and_threaded(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("a@example.com", "+12025550143", "hi", "idem-1");
	struct store_error err;
	int64_t id1, id2, t1, t2;

	assert_int_equal(store_enqueue(f->s, &m, T0, &id1, &t1, &err),
			 STORE_OK);
	/* the MTA retries the same mail: no second text */
	assert_int_equal(store_enqueue(f->s, &m, T0 + 5, &id2, &t2, &err),
			 STORE_EDUP);
	assert_int_equal(id1, id2);
	assert_int_equal(t1, t2);
	assert_non_null(strstr(err.msg, "already queued"));
	/* another mail in the same thread */
	m.idem_key = "idem-2";
	assert_int_equal(store_enqueue(f->s, &m, T0 + 6, &id2, &t2, &err),
			 STORE_OK);
	assert_int_not_equal(id1, id2);
	assert_int_equal(t1, t2);
	/* another phone: another thread */
	m = outbound("a@example.com", "+12025550144", "hi", "idem-3");
	assert_int_equal(store_enqueue(f->s, &m, T0, &id2, &t2, &err),
			 STORE_OK);
	assert_int_not_equal(t1, t2);
	/* missing fields */
	m.text = NULL;
	m.idem_key = "idem-4";
	assert_int_equal(store_enqueue(f->s, &m, T0, &id2, &t2, &err),
			 STORE_EPERM);
}

/*
 * claims_side_by_side - on PostgreSQL, a gateway in the middle of a
 * claim (its transaction open, its rows locked) holds up no other: a
 * second connection, whose statements time out after 2 s, claims the
 * other rows, queues and claims more, and the held rows stay held
 */
static void
claims_side_by_side(void **state)
{
	struct fixture *f = *state;
	struct store_claim *c1 = NULL, *c2 = NULL;
	struct store_error err;
	struct store *s2;
	char uri[600];
	unsigned n1, n2, i, k;

	if (!pg_uri())
		skip(); /* SQLite has one writer at a time, by design */
	for (i = 0; i < 6; i++) {
		char idem[16];
		struct store_outbound m;

		snprintf(idem, sizeof(idem), "side-%u", i);
		m = outbound("a@example.com", "+12025550143", "side", idem);
		enqueue(f->s, &m, T0);
	}
	snprintf(uri, sizeof(uri),
		 "%s%soptions=-c%%20statement_timeout%%3D2000", pg_uri(),
		 strchr(pg_uri(), '?') ? "&" : "?");
	s2 = store_open(uri, STORE_SYNC_NORMAL, &err);
	if (!s2)
		fail_msg("%s", err.msg);
	/* the first gateway: its claim of 2 made, not committed */
	assert_int_equal(store_batch_begin(f->s, &err), STORE_OK);
	assert_int_equal(store_claim(f->s, "gw1", T0, 60, 2, &c1, &n1, &err),
			 STORE_OK);
	assert_int_equal(n1, 2);
	/* the second claims the other four meanwhile, at once */
	if (store_claim(s2, "gw2", T0, 60, 10, &c2, &n2, &err) != STORE_OK)
		fail_msg("gw2 claim: %s", err.msg);
	assert_int_equal(n2, 4);
	for (i = 0; i < n2; i++)
		for (k = 0; k < n1; k++)
			assert_true(c2[i].id != c1[k].id);
	for (i = 0; i < n2; i++)
		assert_int_equal(
		    store_submitted(s2, c2[i].id, "gw2", NULL, 0, T0 + 1, &err),
		    STORE_OK);
	store_claims_free(&c2, n2);
	/* and queues and claims a new one */
	{
		struct store_outbound m =
		    outbound("b@example.com", "+12025550144", "more", "side-9");
		int64_t id, thread;

		if (store_enqueue(s2, &m, T0 + 2, &id, &thread, &err) !=
		    STORE_OK)
			fail_msg("gw2 enqueue: %s", err.msg);
	}
	assert_int_equal(store_claim(s2, "gw2", T0 + 2, 60, 10, &c2, &n2, &err),
			 STORE_OK);
	assert_int_equal(n2, 1);
	store_claims_free(&c2, n2);
	assert_int_equal(store_batch_end(f->s, &err), STORE_OK);
	/* the held two were never the second's */
	assert_int_equal(store_claim(s2, "gw2", T0 + 3, 60, 10, &c2, &n2, &err),
			 STORE_OK);
	assert_int_equal(n2, 0);
	store_claims_free(&c1, n1);
	store_close(&s2);
}

/*
 * server_lost - on PostgreSQL, a connection the server ended (a restart,
 * a fail-over) is made again at the next transaction, which goes
 * through; one lost in the middle of a transaction fails it (ETEMP),
 * keeps nothing of it, and the next one goes through
 */
static void
server_lost(void **state)
{
	static const char kill_all[] =
	    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	    " WHERE application_name = 'smsmilter'";
	struct fixture *f = *state;
	struct store_outbound m;
	struct store_counts c;
	struct store_error err;
	int64_t id, thread;

	if (!pg_uri())
		skip();
	m = outbound("a@example.com", "+12025550143", "one", "lost-1");
	enqueue(f->s, &m, T0);
	server_sql(kill_all);
	m = outbound("a@example.com", "+12025550143", "two", "lost-2");
	if (store_enqueue(f->s, &m, T0, &id, &thread, &err) != STORE_OK)
		fail_msg("after the server ended the connection: %s", err.msg);
	/* lost inside a batch: the batch fails, and keeps nothing */
	assert_int_equal(store_batch_begin(f->s, &err), STORE_OK);
	m = outbound("a@example.com", "+12025550143", "three", "lost-3");
	assert_int_equal(store_enqueue(f->s, &m, T0, &id, &thread, &err),
			 STORE_OK);
	server_sql(kill_all);
	m = outbound("a@example.com", "+12025550143", "four", "lost-4");
	assert_int_equal(store_enqueue(f->s, &m, T0, &id, &thread, &err),
			 STORE_ETEMP);
	assert_int_not_equal(store_batch_end(f->s, &err), STORE_OK);
	m = outbound("a@example.com", "+12025550143", "five", "lost-5");
	if (store_enqueue(f->s, &m, T0, &id, &thread, &err) != STORE_OK)
		fail_msg("after a lost batch: %s", err.msg);
	assert_int_equal(store_counts(f->s, &c, &err), STORE_OK);
	assert_int_equal(c.n[STORE_QUEUED], 3); /* one, two, five */
}

static void
claim_order_and_schedule(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("a@example.com", "+12025550143", "x", NULL);
	struct store_claim *c;
	struct store_error err;
	int64_t late, first, second;
	unsigned n;

	m.due = T0 + 100; /* scheduled */
	late = enqueue(f->s, &m, T0);
	m.due = 0;
	m.text = "first";
	first = enqueue(f->s, &m, T0 + 1);
	m.text = "second";
	second = enqueue(f->s, &m, T0 + 1);

	assert_int_equal(
	    store_claim(f->s, "gw1", T0 + 2, 600, 10, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(c[0].id, first);
	assert_int_equal(c[1].id, second);
	assert_string_equal(c[0].text, "first");
	assert_string_equal(c[0].phone, "+12025550143");
	assert_string_equal(c[0].sender, "+12025550100");
	assert_int_equal(c[0].attempts, 1);
	store_claims_free(&c, n);
	assert_null(c);

	/* the scheduled one only once due, and max is honoured */
	assert_int_equal(
	    store_claim(f->s, "gw1", T0 + 99, 60, 10, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(
	    store_claim(f->s, "gw1", T0 + 100, 60, 1, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].id, late);
	store_claims_free(&c, n);
}

static void
leases(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("a@example.com", "+12025550143", "x", NULL);
	static const char *const ids[] = {"smsc-1", "smsc-2"};
	struct store_claim *c;
	struct store_error err;
	char *events;
	int64_t id = enqueue(f->s, &m, T0);
	unsigned n;

	assert_int_equal(store_claim(f->s, "gw1", T0, 30, 10, &c, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	store_claims_free(&c, n);
	/* leased: nobody else gets it while the lease lasts */
	assert_int_equal(
	    store_claim(f->s, "gw2", T0 + 29, 30, 10, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	/* expired: reclaimed, counted as a second attempt */
	assert_int_equal(
	    store_claim(f->s, "gw2", T0 + 30, 30, 10, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].id, id);
	assert_int_equal(c[0].attempts, 2);
	store_claims_free(&c, n);
	/* the first gateway's lease is gone */
	assert_int_equal(
	    store_submitted(f->s, id, "gw1", ids, 2, T0 + 31, &err),
	    STORE_ELEASE);
	assert_non_null(strstr(err.msg, "not leased to us"));
	assert_int_equal(
	    store_retry(f->s, id, "gw1", T0 + 90, "x", "y", T0 + 31, &err),
	    STORE_ELEASE);
	/* the holder retries it: queued again, due later */
	assert_int_equal(store_retry(f->s, id, "gw2", T0 + 90, "88",
				     "throttled by the SMSC", T0 + 31, &err),
			 STORE_OK);
	assert_int_equal(
	    store_claim(f->s, "gw2", T0 + 89, 30, 10, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(
	    store_claim(f->s, "gw2", T0 + 90, 30, 10, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].attempts, 3);
	store_claims_free(&c, n);
	assert_int_equal(
	    store_submitted(f->s, id, "gw2", ids, 2, T0 + 91, &err), STORE_OK);
	/* done: not claimable, not completable twice */
	assert_int_equal(
	    store_claim(f->s, "gw2", T0 + 999, 30, 10, &c, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_fail(f->s, id, "gw2", "1", "x", T0 + 92, &err),
			 STORE_ELEASE);
	assert_int_equal(store_message_events(f->s, id, &events, &err),
			 STORE_OK);
	assert_string_equal(events, "1764000000 queued 4XyzQ1\n"
				    "1764000000 submitting gw1\n"
				    "1764000030 submitting gw2\n"
				    "1764000031 queued throttled by the SMSC\n"
				    "1764000090 submitting gw2\n"
				    "1764000091 submitted\n");
	free(events);
}

static void
fail_permanently(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("a@example.com", "+12025550143", "x", NULL);
	struct store_filter flt;
	struct store_message *msgs;
	struct store_claim *c;
	struct store_error err;
	int64_t id = enqueue(f->s, &m, T0);
	unsigned n;

	assert_int_equal(store_claim(f->s, "gw", T0, 30, 1, &c, &n, &err),
			 STORE_OK);
	store_claims_free(&c, n);
	assert_int_equal(store_fail(f->s, id, "gw", "0x0000000B",
				    "the number does not exist", T0 + 1, &err),
			 STORE_OK);
	store_filter_init(&flt);
	assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(msgs[0].state, STORE_FAILED);
	assert_string_equal(msgs[0].error, "0x0000000B");
	assert_string_equal(msgs[0].reason, "the number does not exist");
	store_messages_free(&msgs, n);
}

static void
history_filters(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m;
	struct store_filter flt;
	struct store_message *msgs;
	struct store_error err;
	unsigned n, total = 0;
	int64_t after = 0;
	int i;

	for (i = 0; i < 25; i++) {
		char text[64], idem[16];

		snprintf(text, sizeof(text), "message %d%s", i,
			 i == 7 ? " 100% off_sale" : "");
		snprintf(idem, sizeof(idem), "h%d", i);
		m = outbound(i % 2 ? "b@example.com" : "a@example.com",
			     i % 3 ? "+12025550143" : "+442079460958", text,
			     idem);
		enqueue(f->s, &m, T0 + i);
	}
	store_filter_init(&flt);
	flt.phone = "+442079460958";
	assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err), STORE_OK);
	assert_int_equal(n, 9); /* 0, 3, ..., 24 */
	store_messages_free(&msgs, n);

	store_filter_init(&flt);
	flt.owner = "b@example.com";
	flt.since = T0 + 10;
	flt.until = T0 + 20;
	assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err), STORE_OK);
	assert_int_equal(n, 5); /* 11, 13, 15, 17, 19 */
	assert_string_equal(msgs[0].text, "message 11");
	assert_string_equal(msgs[0].direction, "out");
	store_messages_free(&msgs, n);

	/* text substring: % and _ are literal */
	store_filter_init(&flt);
	flt.text = "100% off_";
	assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(msgs[0].text, "message 7 100% off_sale");
	store_messages_free(&msgs, n);
	flt.text = "1_0";
	assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err), STORE_OK);
	assert_int_equal(n, 0);

	/* hostile text is a value, not SQL */
	flt.text = "'; DROP TABLE messages; --";
	assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err), STORE_OK);
	assert_int_equal(n, 0);

	/* state and direction */
	store_filter_init(&flt);
	flt.state = STORE_QUEUED;
	flt.direction = "in";
	assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err), STORE_OK);
	assert_int_equal(n, 0);

	/* pages of 10 */
	store_filter_init(&flt);
	flt.limit = 10;
	do {
		flt.after_id = after;
		assert_int_equal(store_history(f->s, &flt, &msgs, &n, &err),
				 STORE_OK);
		if (n)
			after = msgs[n - 1].id;
		total += n;
		store_messages_free(&msgs, n);
	} while (n == 10);
	assert_int_equal(total, 25);
}

static void
delete_and_purge(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m;
	struct store_filter flt;
	struct store_claim *c;
	struct store_counts counts;
	struct store_error err;
	unsigned n, i;

	for (i = 0; i < 6; i++) {
		char idem[8];

		snprintf(idem, sizeof(idem), "d%u", i);
		m = outbound("a@example.com",
			     i < 3 ? "+12025550143" : "+12025550199", "x",
			     idem);
		enqueue(f->s, &m, T0 + i);
	}
	/* deleting everything needs a filter */
	store_filter_init(&flt);
	assert_int_equal(store_delete(f->s, &flt, &n, &err), STORE_EPERM);
	assert_non_null(strstr(err.msg, "refusing to delete everything"));
	flt.limit = 2; /* a limit is no filter */
	assert_int_equal(store_delete_count(f->s, &flt, &n, &err), STORE_EPERM);
	/* a count deletes nothing; a limit and the whole text bound it */
	flt.text = "x";
	flt.text_exact = true;
	assert_int_equal(store_delete_count(f->s, &flt, &n, &err), STORE_OK);
	assert_int_equal(n, 2);
	flt.limit = 0;
	assert_int_equal(store_delete_count(f->s, &flt, &n, &err), STORE_OK);
	assert_int_equal(n, 6);
	flt.text = "X"; /* exact is exact: no case folding */
	assert_int_equal(store_delete_count(f->s, &flt, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	flt.text_exact = false;
	assert_int_equal(store_delete_count(f->s, &flt, &n, &err), STORE_OK);
	assert_int_equal(n, 6);
	store_filter_init(&flt);
	flt.phone = "+12025550199";
	assert_int_equal(store_delete(f->s, &flt, &n, &err), STORE_OK);
	assert_int_equal(n, 3);

	/* purge removes finished messages only */
	assert_int_equal(store_claim(f->s, "gw", T0 + 10, 30, 2, &c, &n, &err),
			 STORE_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(store_submitted(f->s, c[i].id, "gw", NULL, 0,
						 T0 + 11, &err),
				 STORE_OK);
	store_claims_free(&c, n);
	assert_int_equal(store_purge(f->s, T0 + 100, &n, &err), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_counts(f->s, &counts, &err), STORE_OK);
	assert_int_equal(counts.n[STORE_QUEUED], 1);
	assert_int_equal(counts.n[STORE_SUBMITTED], 0);
	assert_int_equal(counts.oldest_due, T0 + 2);
	assert_int_equal(store_check(f->s, &err), STORE_OK);
}

static void
contacts_and_groups(void **state)
{
	struct fixture *f = *state;
	struct store_contact *contacts;
	struct store_group *groups;
	struct store_error err;
	char phone[20], (*numbers)[20], (*members)[65];
	unsigned n;

	assert_int_equal(
	    store_contact_add(f->s, "Alice", "+12025550143", T0, &err),
	    STORE_OK);
	assert_int_equal(
	    store_contact_add(f->s, "alice", "+12025550199", T0, &err),
	    STORE_EDUP);
	assert_non_null(strstr(err.msg, "exists already"));
	assert_int_equal(
	    store_contact_add(f->s, "bob", "+442079460958", T0, &err),
	    STORE_OK);
	assert_int_equal(store_contact_get(f->s, "ALICE", phone, &err),
			 STORE_OK);
	assert_string_equal(phone, "+12025550143");
	assert_int_equal(store_contact_get(f->s, "carol", phone, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_contacts(f->s, &contacts, &n, &err), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(contacts[0].name, "Alice");
	free(contacts);

	assert_int_equal(store_group_add(f->s, "OnCall", T0, &err), STORE_OK);
	assert_int_equal(store_group_add(f->s, "oncall", T0, &err), STORE_EDUP);
	assert_int_equal(
	    store_group_member(f->s, "oncall", "alice", true, &err), STORE_OK);
	assert_int_equal(store_group_member(f->s, "oncall", "bob", true, &err),
			 STORE_OK);
	assert_int_equal(
	    store_group_member(f->s, "oncall", "+12025550143", true, &err),
	    STORE_OK);
	assert_int_equal(
	    store_group_member(f->s, "oncall", "+16175550100", true, &err),
	    STORE_OK);
	assert_int_equal(
	    store_group_member(f->s, "oncall", "carol", true, &err),
	    STORE_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no contact \"carol\""));
	assert_int_equal(store_group_member(f->s, "ops", "bob", true, &err),
			 STORE_ENOTFOUND);
	/* alice and her number are one recipient */
	assert_int_equal(
	    store_group_numbers(f->s, "ONCALL", &numbers, &n, &err), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(numbers[0], "+12025550143");
	assert_string_equal(numbers[1], "+16175550100");
	assert_string_equal(numbers[2], "+442079460958");
	free(numbers);
	assert_int_equal(store_groups(f->s, &groups, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(groups[0].members, 4);
	free(groups);
	/* removing a contact removes it from groups */
	assert_int_equal(store_contact_rm(f->s, "bob", &err), STORE_OK);
	assert_int_equal(store_contact_rm(f->s, "bob", &err), STORE_ENOTFOUND);
	assert_int_equal(
	    store_group_members(f->s, "oncall", &members, &n, &err), STORE_OK);
	assert_int_equal(n, 3);
	free(members);
	assert_int_equal(
	    store_group_member(f->s, "oncall", "+16175550100", false, &err),
	    STORE_OK);
	assert_int_equal(
	    store_group_member(f->s, "oncall", "+16175550100", false, &err),
	    STORE_ENOTFOUND);
	assert_int_equal(store_group_rm(f->s, "oncall", &err), STORE_OK);
	assert_int_equal(store_group_rm(f->s, "oncall", &err), STORE_ENOTFOUND);
	assert_int_equal(store_check(f->s, &err), STORE_OK);
}

static void
optouts_usage_threads(void **state)
{
	struct fixture *f = *state;
	struct store_optout *o;
	struct store_usage *u;
	struct store_thread *t;
	struct store_error err;
	struct store_outbound m;
	char cycle[8];
	bool out;
	unsigned n;

	assert_int_equal(
	    store_optout_check(f->s, "+12025550143", NULL, &out, NULL, &err),
	    STORE_OK);
	assert_false(out);
	assert_int_equal(
	    store_optout_add(f->s, "+12025550143", NULL, "STOP", T0, &err),
	    STORE_OK);
	assert_int_equal(
	    store_optout_add(f->s, "+12025550143", NULL, "QUIT", T0 + 9, &err),
	    STORE_OK);
	assert_int_equal(
	    store_optout_check(f->s, "+12025550143", NULL, &out, NULL, &err),
	    STORE_OK);
	assert_true(out);
	assert_int_equal(store_optouts(f->s, &o, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(o[0].keyword, "STOP"); /* the first time stays */
	assert_int_equal(o[0].at, T0);
	free(o);
	assert_int_equal(store_optout_rm(f->s, "+12025550143", NULL, &err),
			 STORE_OK);
	assert_int_equal(store_optout_rm(f->s, "+12025550143", NULL, &err),
			 STORE_ENOTFOUND);
	/* OptOutScope number: out of one of our numbers only */
	{
		char scope[40];

		assert_int_equal(store_optout_add(f->s, "+12025550143",
						  "+12025550110", "STOP", T0,
						  &err),
				 STORE_OK);
		assert_int_equal(store_optout_check(f->s, "+12025550143", NULL,
						    &out, scope, &err),
				 STORE_OK);
		assert_false(out); /* the site's: not out */
		assert_int_equal(store_optout_check(f->s, "+12025550143",
						    "+12025550111", &out, scope,
						    &err),
				 STORE_OK);
		assert_false(out); /* another number of ours */
		assert_int_equal(store_optout_check(f->s, "+12025550143",
						    "+12025550110", &out, scope,
						    &err),
				 STORE_OK);
		assert_true(out);
		assert_string_equal(scope, "+12025550110");
		/* the site's too: "*" says so first */
		assert_int_equal(store_optout_add(f->s, "+12025550143", NULL,
						  "STOP", T0, &err),
				 STORE_OK);
		assert_int_equal(store_optout_check(f->s, "+12025550143",
						    "+12025550110", &out, scope,
						    &err),
				 STORE_OK);
		assert_string_equal(scope, "*");
		/* START to another number leaves that number's */
		assert_int_equal(
		    store_optout_rm(f->s, "+12025550143", "+12025550111", &err),
		    STORE_OK);
		assert_int_equal(store_optout_check(f->s, "+12025550143",
						    "+12025550110", &out, scope,
						    &err),
				 STORE_OK);
		assert_true(out);
		assert_string_equal(scope, "+12025550110");
		assert_int_equal(
		    store_optout_rm(f->s, "+12025550143", "+12025550110", &err),
		    STORE_OK);
		assert_int_equal(store_optout_check(f->s, "+12025550143",
						    "+12025550110", &out, scope,
						    &err),
				 STORE_OK);
		assert_false(out);
	}

	store_cycle(T0, cycle);
	assert_string_equal(cycle, "2025-11");
	m = outbound("a@example.com", "+12025550143", "x", "u1");
	m.segments = 3;
	enqueue(f->s, &m, T0);
	m.idem_key = "u2";
	m.segments = 2;
	enqueue(f->s, &m, T0 + 1);
	m = outbound("b@example.com", "+12025550143", "x", "u3");
	enqueue(f->s, &m, T0 + 86400 * 20); /* next month */
	assert_int_equal(store_usage(f->s, "2025-11", NULL, &u, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].sender, "a@example.com");
	assert_int_equal(u[0].messages, 2);
	assert_int_equal(u[0].segments, 5);
	free(u);
	assert_int_equal(store_usage(f->s, NULL, "b@example.com", &u, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].cycle, "2025-12");
	free(u);

	assert_int_equal(
	    store_threads(f->s, NULL, "+12025550143", 0, &t, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].owner, "b@example.com"); /* most recent */
	assert_int_equal(t[1].messages, 2);
	assert_string_equal(t[1].subject, "Hello");
	free(t);
	assert_int_equal(
	    store_threads(f->s, "c@example.com", NULL, 0, &t, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_null(t);
}

static void
rates_and_quota(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("a@example.com", "+12025550143", "x", "q1");
	struct store_error err;
	unsigned segments, i;
	int64_t retry;
	bool ok;

	/* 3 per hour: the fourth waits for the next window */
	for (i = 0; i < 3; i++) {
		assert_int_equal(store_rate_hit(f->s, "rcpt", "+12025550143",
						T0 + i, 3600, 3, &ok, &retry,
						&err),
				 STORE_OK);
		assert_true(ok);
	}
	assert_int_equal(store_rate_hit(f->s, "rcpt", "+12025550143", T0 + 5,
					3600, 3, &ok, &retry, &err),
			 STORE_OK);
	assert_false(ok);
	assert_int_equal(retry, T0 - T0 % 3600 + 3600);
	/* another key is not limited, and the next window starts afresh */
	assert_int_equal(store_rate_hit(f->s, "rcpt", "+12025550144", T0 + 5,
					3600, 3, &ok, &retry, &err),
			 STORE_OK);
	assert_true(ok);
	assert_int_equal(store_rate_hit(f->s, "rcpt", "+12025550143", retry,
					3600, 3, &ok, &retry, &err),
			 STORE_OK);
	assert_true(ok);
	assert_int_equal(
	    store_rate_hit(f->s, "rcpt", "x", T0, 0, 3, &ok, &retry, &err),
	    STORE_EPERM);

	m.segments = 4;
	enqueue(f->s, &m, T0);
	assert_int_equal(
	    store_usage_of(f->s, "a@example.com", T0 + 60, &segments, &err),
	    STORE_OK);
	assert_int_equal(segments, 4);
	assert_int_equal(
	    store_usage_of(f->s, "z@example.com", T0, &segments, &err),
	    STORE_OK);
	assert_int_equal(segments, 0);
}

/* texts from phones: routing, one transaction with their mail, units */
static void
inbound_routing(void **state)
{
	struct fixture *f = *state;
	struct store_outbound a =
	    outbound("alice@example.com", "+12025550143", "hi", "k1");
	struct store_outbound b =
	    outbound("bob@example.com", "+12025550143", "yo", "k2");
	struct store_thread t, t2;
	struct store_error err;
	struct store_mail *mails;
	struct store_inbound in = {0};
	char name[65];
	int64_t id, mail_id;
	unsigned n;

	enqueue(f->s, &a, T0);
	enqueue(f->s, &b, T0 + 5);
	/* no tag: the latest thread of (phone, our number), bob's */
	assert_int_equal(store_thread_find(f->s, NULL, "+12025550143",
					   "+12025550100", &t, &err),
			 STORE_OK);
	assert_string_equal(t.owner, "bob@example.com");
	assert_string_equal(t.last_message_id, "<a@example.com>");
	/* alice's tag wins over recency */
	assert_int_equal(store_thread_find(f->s, a.tag, "+12025550143",
					   "+12025550100", &t, &err),
			 STORE_OK);
	assert_string_equal(t.owner, "alice@example.com");
	/* a tag of another phone's thread is not this phone's */
	assert_int_equal(store_thread_find(f->s, a.tag, "+12025550199",
					   "+12025550100", &t2, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_thread_open(f->s, "carol@example.com",
					   "+12025550199", "+12025550100",
					   "tagcarol", T0, &t2, &err),
			 STORE_OK);
	assert_string_equal(t2.tag, "tagcarol");
	assert_int_equal(t2.messages, 0);

	in.thread_id = t.id;
	in.text = "see you";
	in.segments = 1;
	in.provider = "twilio";
	in.provider_id = "SM9";
	in.message_id = "in1@sms.example.com";
	in.mail.from = "12025550143@sms.example.com";
	in.mail.rcpt = "alice@example.com";
	in.mail.data = "Subject: x\r\n\r\nsee you\r\n";
	in.mail.len = strlen(in.mail.data);
	assert_int_equal(
	    store_inbound_add(f->s, &in, T0 + 9, &id, &mail_id, &err),
	    STORE_OK);
	assert_true(id > 0 && mail_id > 0);
	/* the provider sends it again: nothing more is recorded */
	assert_int_equal(
	    store_inbound_add(f->s, &in, T0 + 10, &id, &mail_id, &err),
	    STORE_EDUP);
	assert_int_equal(
	    store_mail_claim(f->s, "gw", T0 + 20, 60, 10, &mails, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(mails[0].rcpt, "alice@example.com");
	store_mails_free(&mails, n);
	assert_int_equal(store_thread_find(f->s, a.tag, "+12025550143",
					   "+12025550100", &t, &err),
			 STORE_OK);
	assert_string_equal(t.last_message_id, "in1@sms.example.com");
	assert_int_equal(t.messages, 2);

	/* a unit rolled back leaves nothing, also nested in a batch */
	assert_int_equal(store_batch_begin(f->s, &err), STORE_OK);
	assert_int_equal(store_unit_begin(f->s, &err), STORE_OK);
	assert_int_equal(
	    store_optout_add(f->s, "+12025550143", NULL, "STOP", T0, &err),
	    STORE_OK);
	assert_int_equal(store_unit_end(f->s, false, &err), STORE_OK);
	assert_int_equal(
	    store_contact_add(f->s, "Dan", "+12025550177", T0, &err), STORE_OK);
	assert_int_equal(store_batch_end(f->s, &err), STORE_OK);
	{
		bool out = true;

		assert_int_equal(store_optout_check(f->s, "+12025550143", NULL,
						    &out, NULL, &err),
				 STORE_OK);
		assert_false(out);
	}
	assert_int_equal(store_contact_of(f->s, "+12025550177", name, &err),
			 STORE_OK);
	assert_string_equal(name, "Dan");
	assert_int_equal(store_contact_of(f->s, "+12025550178", name, &err),
			 STORE_ENOTFOUND);
}

static void
inbound_state(void **state)
{
	struct fixture *f = *state;
	struct store_part *parts;
	struct store_reasm_set *sets;
	struct store_error err;
	unsigned have, n;

	assert_int_equal(store_inbound_seen(f->s, "twilio", "SM1", T0, &err),
			 STORE_OK);
	assert_int_equal(
	    store_inbound_seen(f->s, "twilio", "SM1", T0 + 1, &err),
	    STORE_EDUP);
	assert_non_null(strstr(err.msg, "seen already"));
	assert_int_equal(store_inbound_seen(f->s, "kannel", "SM1", T0, &err),
			 STORE_OK);

	/* parts out of order, one twice, kept across a reopen */
	assert_int_equal(store_reasm_put(f->s, "+12025550143", 7, 3, 3, "ccc",
					 3, T0, &have, &err),
			 STORE_OK);
	assert_int_equal(have, 1);
	assert_int_equal(store_reasm_put(f->s, "+12025550143", 7, 3, 1, "aaa",
					 3, T0 + 1, &have, &err),
			 STORE_OK);
	assert_int_equal(store_reasm_put(f->s, "+12025550143", 7, 3, 1, "aaa",
					 3, T0 + 2, &have, &err),
			 STORE_EDUP);
	assert_int_equal(have, 2);
	assert_int_equal(store_reasm_put(f->s, "+12025550143", 7, 3, 4, "x", 1,
					 T0, &have, &err),
			 STORE_EPERM);
	store_close(&f->s);
	f->s = store_open(f->path, STORE_SYNC_FULL, &err);
	assert_non_null(f->s);
	assert_int_equal(store_reasm_stale(f->s, T0 + 60, &sets, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sets[0].have, 2);
	assert_int_equal(sets[0].total, 3);
	assert_int_equal(sets[0].first, T0);
	free(sets);
	assert_int_equal(store_reasm_put(f->s, "+12025550143", 7, 3, 2, "bbb",
					 3, T0 + 3, &have, &err),
			 STORE_OK);
	assert_int_equal(have, 3);
	assert_int_equal(
	    store_reasm_take(f->s, "+12025550143", 7, 3, &parts, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(parts[0].data, "aaa", 3);
	assert_memory_equal(parts[1].data, "bbb", 3);
	assert_memory_equal(parts[2].data, "ccc", 3);
	store_parts_free(&parts, n);
	assert_int_equal(store_reasm_stale(f->s, T0 + 60, &sets, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 0);
}

/* in_text - a text from the phone into thread at `at`, or fail */
static void
in_text(struct store *s, int64_t thread, const char *text, int64_t at)
{
	struct store_inbound in = {
	    .thread_id = thread, .text = text, .segments = 1};
	struct store_error err;

	if (store_inbound_add(s, &in, at, NULL, NULL, &err) != STORE_OK)
		fail_msg("inbound: %s", err.msg);
}

/*
 * who texted a phone lately (store_recent_owners) and the options of
 * the newest text out (store_thread_opts), as the gateway routes a
 * text from it: only texts out count (a thread whose newest text is
 * one in still counts by its newest text out), not before `since`; the
 * most recent first, a tie in time going to the newest text; at most
 * max; the options of the newest text out that has any
 */
static void
recent_owners_and_opts(void **state)
{
	struct fixture *f = *state;
	const char *phone = "+12025550143";
	struct store_outbound m;
	struct store_thread t;
	struct store_error err;
	char owners[8][256], *opts = NULL;
	unsigned n;
	int64_t idb;

	/* alice texted at T0; bob at T0 + 5 and carol at T0 + 5 too
	   (carol's text the newer); dave long ago; eve only got texts */
	m = outbound("alice@example.com", phone, "a", "ro-a");
	m.opts = "{\"WebhookUri\": \"https://a.example/1\"}";
	enqueue(f->s, &m, T0);
	m = outbound("alice@example.com", phone, "a2", "ro-a2");
	enqueue(f->s, &m, T0);
	m = outbound("bob@example.com", phone, "b", "ro-b");
	idb = enqueue(f->s, &m, T0 + 5);
	m = outbound("carol@example.com", phone, "c", "ro-c");
	assert_true(enqueue(f->s, &m, T0 + 5) > idb);
	m = outbound("dave@example.com", phone, "d", "ro-d");
	enqueue(f->s, &m, T0 - 3600);
	assert_int_equal(store_thread_open(f->s, "eve@example.com", phone,
					   "+12025550100", "tageve", T0, &t,
					   &err),
			 STORE_OK);
	in_text(f->s, t.id, "to eve", T0 + 9);
	/* the phone answers alice after her texts: still hers by T0 */
	assert_int_equal(store_thread_find(f->s,
					   tag_for("alice@example.com", phone),
					   phone, "+12025550100", &t, &err),
			 STORE_OK);
	in_text(f->s, t.id, "to alice", T0 + 10);

	assert_int_equal(store_recent_owners(f->s, phone, "+12025550100",
					     T0 - 60, owners, 8, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(owners[0], "carol@example.com");
	assert_string_equal(owners[1], "bob@example.com");
	assert_string_equal(owners[2], "alice@example.com");
	/* at most max */
	assert_int_equal(store_recent_owners(f->s, phone, "+12025550100",
					     T0 - 60, owners, 2, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 2);
	/* since later: alice's texts are too old */
	assert_int_equal(store_recent_owners(f->s, phone, "+12025550100",
					     T0 + 1, owners, 8, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 2);
	/* another sender number: nobody */
	assert_int_equal(store_recent_owners(f->s, phone, "+12025550199",
					     T0 - 60, owners, 8, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 0);

	/* alice's newest text out has no options: the one before it has */
	assert_int_equal(store_thread_opts(f->s, t.id, T0 - 60, &opts, &err),
			 STORE_OK);
	assert_non_null(opts);
	assert_non_null(strstr(opts, "https://a.example/1"));
	free(opts);
	m = outbound("alice@example.com", phone, "a3", "ro-a3");
	m.opts = "{\"WebhookUri\": \"https://a.example/3\"}";
	enqueue(f->s, &m, T0 + 20);
	assert_int_equal(store_thread_opts(f->s, t.id, T0 - 60, &opts, &err),
			 STORE_OK);
	assert_non_null(opts);
	assert_non_null(strstr(opts, "https://a.example/3"));
	free(opts);
	/* none since later than all of them */
	assert_int_equal(store_thread_opts(f->s, t.id, T0 + 21, &opts, &err),
			 STORE_OK);
	assert_null(opts);
}

/*
 * a batch whose whole transaction SQLite rolled back (as it may on an
 * I/O error or a full disk: simulated by a ROLLBACK under the batch):
 * nothing more is written until the batch ends, not even in
 * transactions of their own (a statement, a unit, an operation's
 * savepoint: store_enqueue); every write says so (STORE_ETEMP, "rolled
 * the transaction back"); the end fails; the next batch works
 */
static void
batch_lost(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("a@example.com", "+12025550143", "lost", "lost-1");
	struct store_counts c;
	struct store_error err;
	int64_t id, thread;
	bool found;

	sqlite_only();
	assert_int_equal(store_batch_begin(f->s, &err), STORE_OK);
	assert_int_equal(store_unconfirmed_add(f->s, "fp1", "A", 5, T0, &err),
			 STORE_OK);
	assert_int_equal(sq_exec(f->s, "ROLLBACK"), SQ_OK);
	/* a write of its own, a unit, a savepoint: each refused */
	assert_int_equal(store_unconfirmed_add(f->s, "fp2", "A", 6, T0, &err),
			 STORE_ETEMP);
	assert_non_null(strstr(err.msg, "rolled the transaction back"));
	assert_int_equal(store_unit_begin(f->s, &err), STORE_ETEMP);
	assert_int_equal(store_unconfirmed_take(f->s, "fp1", "B", 1, T0 - 60,
						T0 + 1, &found, &err),
			 STORE_ETEMP);
	assert_int_equal(store_enqueue(f->s, &m, T0, &id, &thread, &err),
			 STORE_ETEMP);
	assert_int_equal(store_batch_end(f->s, &err), STORE_ETEMP);
	assert_non_null(strstr(err.msg, "rolled the transaction back"));
	assert_int_equal(store_counts(f->s, &c, &err), STORE_OK);
	assert_int_equal(c.n[STORE_QUEUED], 0);
	/* nothing of it stands; the next batch writes */
	assert_int_equal(store_batch_begin(f->s, &err), STORE_OK);
	assert_int_equal(store_unconfirmed_take(f->s, "fp1", "B", 1, T0 - 60,
						T0 + 1, &found, &err),
			 STORE_OK);
	assert_false(found);
	assert_int_equal(store_unconfirmed_take(f->s, "fp2", "B", 1, T0 - 60,
						T0 + 1, &found, &err),
			 STORE_OK);
	assert_false(found);
	assert_int_equal(store_unconfirmed_add(f->s, "fp3", "A", 7, T0, &err),
			 STORE_OK);
	assert_int_equal(store_batch_end(f->s, &err), STORE_OK);
	assert_int_equal(store_unconfirmed_take(f->s, "fp3", "B", 1, T0 - 60,
						T0 + 1, &found, &err),
			 STORE_OK);
	assert_true(found);
}

/*
 * inbox: texts kept in order with their bytes (NUL and all) and
 * addresses; read after an id, at most max; dropped up to an id; the
 * inbox's name made once and kept; how far an inbox was mailed, per
 * name, 0 before any and moved by a later record
 */
static void
inbox(void **state)
{
	struct fixture *f = *state;
	static const uint8_t ud[] = {'h', 'i', 0, 'x', 0xff};
	struct store_raw m = {
	    .at = T0,
	    .from = "12025550143",
	    .to = "12025550100",
	    .data_coding = 8,
	    .esm_class = 0x40,
	    .ud = (uint8_t *)ud,
	    .ud_len = sizeof(ud),
	};
	struct store_raw *v = NULL;
	struct store_error err;
	char name[33], again[33];
	unsigned n = 0, i;
	int64_t last = -1;

	for (i = 0; i < 3; i++) {
		m.at = T0 + i;
		m.ud_len = sizeof(ud) - i;
		assert_int_equal(store_inbox_put(f->s, &m, &err), STORE_OK);
	}
	m.ud_len = 0; /* no user data at all */
	assert_int_equal(store_inbox_put(f->s, &m, &err), STORE_OK);
	assert_int_equal(store_inbox_get(f->s, 0, 10, &v, &n, &err), STORE_OK);
	assert_int_equal(n, 4);
	for (i = 0; i < 3; i++) {
		assert_true(i == 0 || v[i].id > v[i - 1].id);
		assert_int_equal(v[i].at, T0 + i);
		assert_string_equal(v[i].from, "12025550143");
		assert_string_equal(v[i].to, "12025550100");
		assert_int_equal(v[i].data_coding, 8);
		assert_int_equal(v[i].esm_class, 0x40);
		assert_int_equal(v[i].ud_len, sizeof(ud) - i);
		assert_memory_equal(v[i].ud, ud, sizeof(ud) - i);
	}
	assert_int_equal(v[3].ud_len, 0);
	/* after the first, two at most */
	last = v[0].id;
	store_raws_free(v, n);
	assert_int_equal(store_inbox_get(f->s, last, 2, &v, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 2);
	assert_true(v[0].id > last);
	last = v[1].id;
	store_raws_free(v, n);
	/* dropped up to the third: one left */
	assert_int_equal(store_inbox_drop(f->s, last, &err), STORE_OK);
	assert_int_equal(store_inbox_get(f->s, 0, 10, &v, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_true(v[0].id > last);
	store_raws_free(v, n);
	/* a name, made once */
	assert_int_equal(store_inbox_name(f->s, name, &err), STORE_OK);
	assert_int_equal(strlen(name), 32);
	assert_int_equal(store_inbox_name(f->s, again, &err), STORE_OK);
	assert_string_equal(name, again);
	/* how far each inbox was mailed */
	assert_int_equal(store_inbox_done(f->s, name, &last, &err), STORE_OK);
	assert_int_equal(last, 0);
	assert_int_equal(store_inbox_done_set(f->s, name, 7, &err), STORE_OK);
	assert_int_equal(store_inbox_done_set(f->s, "other", 3, &err),
			 STORE_OK);
	assert_int_equal(store_inbox_done_set(f->s, name, 9, &err), STORE_OK);
	assert_int_equal(store_inbox_done(f->s, name, &last, &err), STORE_OK);
	assert_int_equal(last, 9);
	assert_int_equal(store_inbox_done(f->s, "other", &last, &err),
			 STORE_OK);
	assert_int_equal(last, 3);
	/* set aside: gone from the inbox, counted, back after the others */
	{
		unsigned held, back, k;
		int64_t oldest, keep;

		assert_int_equal(store_inbox_get(f->s, 0, 10, &v, &n, &err),
				 STORE_OK);
		assert_int_equal(n, 1);
		keep = v[0].id;
		store_raws_free(v, n);
		m.ud_len = 2;
		assert_int_equal(store_inbox_put(f->s, &m, &err), STORE_OK);
		assert_int_equal(store_inbox_hold(f->s, keep, "refused", &err),
				 STORE_OK);
		assert_int_equal(
		    store_inbox_count(f->s, &k, &oldest, &held, &err),
		    STORE_OK);
		assert_int_equal(k, 1);
		assert_int_equal(held, 1);
		assert_int_equal(store_inbox_unhold(f->s, &back, &err),
				 STORE_OK);
		assert_int_equal(back, 1);
		assert_int_equal(store_inbox_get(f->s, 0, 10, &v, &n, &err),
				 STORE_OK);
		assert_int_equal(n, 2);
		assert_int_equal(v[0].ud_len, 2); /* the one after it */
		assert_int_equal(v[1].ud_len, 0); /* then it, again */
		assert_true(v[1].id > v[0].id && v[1].id != keep);
		store_raws_free(v, n);
		assert_int_equal(
		    store_inbox_count(f->s, &k, &oldest, &held, &err),
		    STORE_OK);
		assert_int_equal(held, 0);
		assert_int_equal(store_inbox_unhold(f->s, &back, &err),
				 STORE_OK);
		assert_int_equal(back, 0);
	}
	/* in a batch rolled back: not recorded */
	assert_int_equal(store_batch_begin(f->s, &err), STORE_OK);
	assert_int_equal(store_inbox_done_set(f->s, name, 12, &err), STORE_OK);
	store_batch_abort(f->s);
	assert_int_equal(store_inbox_done(f->s, name, &last, &err), STORE_OK);
	assert_int_equal(last, 9);
}

/*
 * texts answered on a link that may have lost the answer: found only
 * from another session and within the window (then moved there),
 * forgotten when confirmed before their mark, or when old
 */
static void
unconfirmed_answers(void **state)
{
	struct fixture *f = *state;
	struct store_error err;
	bool found;

	assert_int_equal(store_unconfirmed_add(f->s, "fp1", "A", 5, T0, &err),
			 STORE_OK);
	assert_int_equal(store_unconfirmed_add(f->s, "fp2", "A", 6, T0, &err),
			 STORE_OK);
	/* the same session: a new text, not a resend */
	assert_int_equal(store_unconfirmed_take(f->s, "fp1", "A", 7, T0 - 60,
						T0 + 1, &found, &err),
			 STORE_OK);
	assert_false(found);
	/* another session, past the window: not a resend */
	assert_int_equal(store_unconfirmed_take(f->s, "fp1", "B", 2, T0 + 1,
						T0 + 2, &found, &err),
			 STORE_OK);
	assert_false(found);
	/* another session within it: a resend, now B's at mark 2 */
	assert_int_equal(store_unconfirmed_take(f->s, "fp1", "B", 2, T0 - 60,
						T0 + 2, &found, &err),
			 STORE_OK);
	assert_true(found);
	assert_int_equal(store_unconfirmed_take(f->s, "fp1", "C", 1, T0 - 60,
						T0 + 3, &found, &err),
			 STORE_OK);
	assert_true(found); /* B had not confirmed it: C may get it too */
	/* C confirms answers before mark 2: fp1 (mark 1) goes */
	assert_int_equal(store_unconfirmed_confirm(f->s, "C", 2, &err),
			 STORE_OK);
	assert_int_equal(store_unconfirmed_take(f->s, "fp1", "D", 1, T0 - 60,
						T0 + 4, &found, &err),
			 STORE_OK);
	assert_false(found);
	/* A confirms before its mark 6: fp2 (mark 6) stays */
	assert_int_equal(store_unconfirmed_confirm(f->s, "A", 6, &err),
			 STORE_OK);
	assert_int_equal(store_unconfirmed_purge(f->s, T0 - 1, &err), STORE_OK);
	assert_int_equal(store_unconfirmed_take(f->s, "fp2", "D", 1, T0 - 60,
						T0 + 5, &found, &err),
			 STORE_OK);
	assert_true(found);
	/* old rows are purged */
	assert_int_equal(store_unconfirmed_purge(f->s, T0 + 6, &err), STORE_OK);
	assert_int_equal(store_unconfirmed_take(f->s, "fp2", "E", 1, 0, T0 + 7,
						&found, &err),
			 STORE_OK);
	assert_false(found);
}

static void
mail_queue(void **state)
{
	struct fixture *f = *state;
	struct store_mail *m;
	struct store_error err;
	int64_t id, id2;
	unsigned n;

	assert_int_equal(store_mail_enqueue(f->s, "12025550143@sms.example.com",
					    "alice@example.com",
					    "Subject: hi\r\n\r\nhello\r\n", 22,
					    T0, &id, &err),
			 STORE_OK);
	assert_int_equal(store_mail_enqueue(f->s, "", "bob@example.com", "x", 1,
					    T0 + 1, &id2, &err),
			 STORE_OK);
	assert_int_equal(
	    store_mail_claim(f->s, "gw", T0 + 2, 60, 10, &m, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].id, id);
	assert_int_equal(m[0].len, 22);
	assert_memory_equal(m[0].data, "Subject: hi", 11);
	assert_string_equal(m[0].rcpt, "alice@example.com");
	assert_int_equal(m[0].attempts, 1);
	store_mails_free(&m, n);
	/* leased: not again until the lease ends */
	assert_int_equal(
	    store_mail_claim(f->s, "gw2", T0 + 3, 60, 10, &m, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_mail_retry(f->s, id, "gw", T0 + 100,
					  "451 4.3.0 try later", &err),
			 STORE_OK);
	assert_int_equal(store_mail_sent(f->s, id2, "gw2", &err), STORE_ELEASE);
	assert_int_equal(store_mail_sent(f->s, id2, "gw", &err), STORE_OK);
	assert_int_equal(
	    store_mail_claim(f->s, "gw", T0 + 100, 60, 10, &m, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].attempts, 2);
	store_mails_free(&m, n);
	assert_int_equal(
	    store_mail_fail(f->s, id, "gw", "550 5.1.1 no such user", &err),
	    STORE_OK);
	assert_int_equal(
	    store_mail_claim(f->s, "gw", T0 + 999, 60, 10, &m, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
}

static void
group_commit_jobs(void **state)
{
	struct fixture *f = *state;
	struct store_job_text a[2], b[1], c[1];
	struct store_mail_out mail = {"", "alice@example.com", "report", 6};
	struct store_job jobs[3];
	struct store_error err;
	long long count;
	int64_t retry;

	a[0].msg = outbound("alice@example.com", "+12025550143", "one", "j-1");
	a[1].msg = outbound("alice@example.com", "+12025550144", "two", "j-2");
	a[0].msg.rate_window = a[1].msg.rate_window = 3600;
	b[0].msg = outbound("bob@example.com", "+12025550145", NULL, "j-3");
	c[0].msg = outbound("alice@example.com", "+12025550143", "one", "j-1");
	jobs[0] = (struct store_job){
	    .texts = a, .ntexts = 2, .mails = &mail, .nmails = 1};
	jobs[1] = (struct store_job){
	    .texts = b, .ntexts = 1, .mails = &mail, .nmails = 1};
	/* (a re-delivery: its notice was queued with the first) */
	jobs[2] = (struct store_job){
	    .texts = c, .ntexts = 1, .mails = &mail, .nmails = 1};
	assert_int_equal(store_enqueue_jobs(f->s, jobs, 3, 1000, &err),
			 STORE_OK);
	/* the first job queued both texts and its report */
	assert_int_equal(jobs[0].status, STORE_OK);
	assert_false(a[0].dup);
	assert_false(a[1].dup);
	assert_true(a[1].id > a[0].id);
	/* the second failed alone: no text, and its report rolled back */
	assert_int_equal(jobs[1].status, STORE_EPERM);
	assert_non_null(strstr(jobs[1].err.msg, "required"));
	/* the third is the first one's text again */
	assert_int_equal(jobs[2].status, STORE_OK);
	assert_true(c[0].dup);
	assert_int_equal(c[0].id, a[0].id);
	{
		struct store_counts n;

		assert_int_equal(store_counts(f->s, &n, &err), STORE_OK);
		assert_int_equal(n.n[STORE_QUEUED], 2);
	}
	{
		struct store_mail *m;
		unsigned nm;

		assert_int_equal(
		    store_mail_claim(f->s, "t", 1000, 60, 10, &m, &nm, &err),
		    STORE_OK);
		assert_int_equal(nm, 1);
		store_mails_free(&m, nm);
	}
	/* counted in the rate window of each phone, read without counting */
	assert_int_equal(store_rate_count(f->s, "rcpt", "+12025550143", 1000,
					  3600, &count, &retry, &err),
			 STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(retry, 3600);
	assert_int_equal(store_rate_count(f->s, "rcpt", "+12025550143", 1000,
					  3600, &count, NULL, &err),
			 STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(store_rate_count(f->s, "rcpt", "+12025550143", 4000,
					  3600, &count, NULL, &err),
			 STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(
	    store_rate_count(f->s, "rcpt", "x", 1000, 0, &count, NULL, &err),
	    STORE_EPERM);
}

static void
receipts_and_release(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("alice@example.com", "+12025550143", "two parts", "r-1");
	const char *ids[2] = {"smsc-a", "smsc-b"};
	struct store_claim *c;
	struct store_receipt r;
	struct store_error err;
	unsigned n;
	int64_t id;

	m.segments = 2;
	m.notify = STORE_NOTIFY_SUCCESS;
	id = enqueue(f->s, &m, 100);
	assert_int_equal(store_claim(f->s, "gw", 101, 60, 10, &c, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	store_claims_free(&c, n);
	/* a crashed gateway's claim is given back to the same owner */
	assert_int_equal(store_release(f->s, "gw", &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_claim(f->s, "gw", 102, 60, 10, &c, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	store_claims_free(&c, n);
	assert_int_equal(store_submitted(f->s, id, "gw", ids, 2, 103, &err),
			 STORE_OK);

	/* the first part: delivered, the message waits for the second */
	assert_int_equal(store_receipt(f->s, "smsc-a", STORE_DELIVERED,
				       "DELIVRD", NULL, 104, &r, &err),
			 STORE_OK);
	assert_int_equal(r.msg_id, id);
	assert_false(r.final_now);
	assert_int_equal(r.state, STORE_SUBMITTED);
	assert_int_equal(r.parts_done, 1);
	assert_int_equal(r.parts_total, 2);
	store_receipt_clear(&r);
	/* the second fails: the message fails, with what a report needs */
	assert_int_equal(store_receipt(f->s, "smsc-b", STORE_FAILED, "UNDELIV",
				       "stat:UNDELIV err:001", 105, &r, &err),
			 STORE_OK);
	assert_true(r.final_now);
	assert_int_equal(r.state, STORE_FAILED);
	assert_int_equal(r.parts_done, 1);
	assert_int_equal(r.notify, STORE_NOTIFY_SUCCESS);
	assert_string_equal(r.phone, "+12025550143");
	assert_string_equal(r.envelope_from, "alice@example.com");
	assert_string_equal(r.text, "two parts");
	store_receipt_clear(&r);
	/* a repeated receipt changes nothing final */
	assert_int_equal(store_receipt(f->s, "smsc-b", STORE_FAILED, "UNDELIV",
				       NULL, 106, &r, &err),
			 STORE_OK);
	assert_false(r.final_now);
	store_receipt_clear(&r);
	assert_int_equal(store_receipt(f->s, "nope", STORE_DELIVERED, "DELIVRD",
				       NULL, 106, &r, &err),
			 STORE_ENOTFOUND);
	/* the SMSC uses "smsc-a" again for a new text: its receipt is the
	   new text's, and the old one stays as it was */
	{
		struct store_outbound m2 = outbound(
		    "alice@example.com", "+12025550144", "again", "r-2");
		struct store_outbound m3 = outbound(
		    "alice@example.com", "+12025550145", "and again", "r-3");
		const char *ids2[1] = {"smsc-a"};
		int64_t id2 = enqueue(f->s, &m2, 200), id3;

		assert_int_equal(
		    store_claim(f->s, "gw", 201, 60, 10, &c, &n, &err),
		    STORE_OK);
		assert_int_equal(n, 1);
		store_claims_free(&c, n);
		assert_int_equal(
		    store_submitted(f->s, id2, "gw", ids2, 1, 202, &err),
		    STORE_OK);
		/* and once more, while the second still waits */
		id3 = enqueue(f->s, &m3, 203);
		assert_int_equal(
		    store_claim(f->s, "gw", 204, 60, 10, &c, &n, &err),
		    STORE_OK);
		store_claims_free(&c, n);
		assert_int_equal(
		    store_submitted(f->s, id3, "gw", ids2, 1, 205, &err),
		    STORE_OK);
		/* the newest waiting one first, then the other waiting one */
		assert_int_equal(store_receipt(f->s, "smsc-a", STORE_DELIVERED,
					       "DELIVRD", NULL, 206, &r, &err),
				 STORE_OK);
		assert_int_equal(r.msg_id, id3);
		assert_true(r.final_now);
		store_receipt_clear(&r);
		assert_int_equal(store_receipt(f->s, "smsc-a", STORE_DELIVERED,
					       "DELIVRD", NULL, 207, &r, &err),
				 STORE_OK);
		assert_int_equal(r.msg_id, id2);
		assert_true(r.final_now);
		assert_int_equal(r.state, STORE_DELIVERED);
		store_receipt_clear(&r);
		/* the first text is as it was */
		assert_int_equal(store_report(f->s, id, &r, &err), STORE_OK);
		assert_int_equal(r.state, STORE_FAILED);
		store_receipt_clear(&r);
	}
	assert_int_equal(store_receipt(f->s, "smsc-a", STORE_QUEUED, "x", NULL,
				       106, &r, &err),
			 STORE_EPERM);
}

/* texts never receipted become unknown; a late receipt still decides */
static void
receipt_timeout(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m1 =
	    outbound("alice@example.com", "+12025550146", "old", "t-1");
	struct store_outbound m2 =
	    outbound("alice@example.com", "+12025550147", "new", "t-2");
	const char *a[1] = {"smsc-t1"}, *b[1] = {"smsc-t2"};
	struct store_claim *c = NULL;
	struct store_receipt r;
	struct store_error err;
	int64_t id1, id2, ids[4];
	unsigned n = 0;

	id1 = enqueue(f->s, &m1, 100);
	id2 = enqueue(f->s, &m2, 100);
	assert_int_equal(store_claim(f->s, "gw", 101, 60, 10, &c, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 2);
	store_claims_free(&c, n);
	assert_int_equal(store_submitted(f->s, id1, "gw", a, 1, 102, &err),
			 STORE_OK);
	assert_int_equal(store_submitted(f->s, id2, "gw", b, 1, 200, &err),
			 STORE_OK);
	/* only the one submitted before the cutoff */
	assert_int_equal(store_receipt_timeout(f->s, 150, 300, "no receipt", 4,
					       ids, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], id1);
	assert_int_equal(store_report(f->s, id1, &r, &err), STORE_OK);
	assert_int_equal(r.state, STORE_UNKNOWN);
	store_receipt_clear(&r);
	assert_int_equal(store_report(f->s, id2, &r, &err), STORE_OK);
	assert_int_equal(r.state, STORE_SUBMITTED);
	store_receipt_clear(&r);
	/* once only */
	assert_int_equal(store_receipt_timeout(f->s, 150, 301, "no receipt", 4,
					       ids, &n, &err),
			 STORE_OK);
	assert_int_equal(n, 0);
	/* a receipt after all: it decides the text */
	assert_int_equal(store_receipt(f->s, "smsc-t1", STORE_DELIVERED,
				       "DELIVRD", NULL, 400, &r, &err),
			 STORE_OK);
	assert_int_equal(r.msg_id, id1);
	assert_true(r.final_now);
	assert_int_equal(r.state, STORE_DELIVERED);
	store_receipt_clear(&r);
}

static const char *const pool_numbers[] = {"+12025550110", "+12025550111",
					   "+12025550112"};

/* pool_leases - one number per conversation, unique per phone, expiring */
static void
pool_leases(void **state)
{
	struct fixture *f = *state;
	struct store_pool_opts o = {pool_numbers, 3, 86400, 2, false, 0};
	struct store_pool_lease l, *all = NULL;
	struct store_error err;
	char a[40], b[40], c[40], again[40], evicted[256];
	const char *ph = "+12025550143";
	unsigned live, n;
	bool room;

	assert_int_equal(store_pool_take(f->s, "alice@example.com", ph, &o, T0,
					 a, evicted, &err),
			 STORE_OK);
	assert_string_equal(evicted, "");
	assert_int_equal(store_pool_take(f->s, "bob@example.com", ph, &o,
					 T0 + 1, b, NULL, &err),
			 STORE_OK);
	assert_string_not_equal(a, b); /* (phone, number): one conversation */
	/* alice again: her number, renewed */
	assert_int_equal(store_pool_take(f->s, "alice@example.com", ph, &o,
					 T0 + 100, again, NULL, &err),
			 STORE_OK);
	assert_string_equal(again, a);
	assert_int_equal(store_pool_find(f->s, ph, a, &l, &err), STORE_OK);
	assert_string_equal(l.owner, "alice@example.com");
	assert_int_equal(l.renewed, T0 + 100);
	/* another phone starts afresh */
	assert_int_equal(store_pool_take(f->s, "carol@example.com",
					 "+12025550144", &o, T0, c, NULL, &err),
			 STORE_OK);
	/* the phone has its 2 (MaxLeasesPerPhone): carol gets none */
	assert_int_equal(store_pool_room(f->s, "carol@example.com", ph, &o,
					 T0 + 200, &room, &live, &err),
			 STORE_OK);
	assert_false(room);
	assert_int_equal(live, 2);
	assert_int_equal(store_pool_take(f->s, "carol@example.com", ph, &o,
					 T0 + 200, c, NULL, &err),
			 STORE_EDUP);
	assert_string_equal(c, "");
	/* an owner holding one still has room */
	assert_int_equal(store_pool_room(f->s, "bob@example.com", ph, &o,
					 T0 + 200, &room, &live, &err),
			 STORE_OK);
	assert_true(room);
	/* recycle: the least recently renewed (bob's) goes to carol */
	o.recycle = true;
	assert_int_equal(store_pool_take(f->s, "carol@example.com", ph, &o,
					 T0 + 300, c, evicted, &err),
			 STORE_OK);
	assert_string_equal(c, b);
	assert_string_equal(evicted, "bob@example.com");
	o.recycle = false;
	/* bob's comes back after alice's and carol's expire */
	assert_int_equal(store_pool_take(f->s, "bob@example.com", ph, &o,
					 T0 + 300 + 86400, b, NULL, &err),
			 STORE_OK);
	/* bob never had a number carol holds live: any but hers was fine */
	assert_int_equal(
	    store_pool_leases(f->s, ph, NULL, NULL, T0 + 301, &all, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 1); /* only bob's is renewed since */
	assert_string_equal(all[0].owner, "bob@example.com");
	free(all);
	/* LeaseGrace: a number whose lease expired within it goes to no
	   one else (its answers still reach its last owner) */
	{
		struct store_pool_opts g = {pool_numbers, 2,	    86400, 5,
					    false,	  7 * 86400};
		const char *p2 = "+12025550150";
		char x[40], y[40], z[40];

		assert_int_equal(store_pool_take(f->s, "alice@example.com", p2,
						 &g, T0, x, NULL, &err),
				 STORE_OK);
		assert_int_equal(store_pool_take(f->s, "bob@example.com", p2,
						 &g, T0 + 2 * 86400, y, NULL,
						 &err),
				 STORE_OK);
		/* alice's expired a day ago: in its grace, not carol's */
		assert_int_equal(store_pool_take(f->s, "carol@example.com", p2,
						 &g, T0 + 2 * 86400 + 1, z,
						 NULL, &err),
				 STORE_EDUP);
		assert_int_equal(store_pool_room(f->s, "carol@example.com", p2,
						 &g, T0 + 2 * 86400 + 1, &room,
						 &live, &err),
				 STORE_OK);
		assert_false(room);
		assert_int_equal(live, 2);
		/* past the grace it is hers */
		assert_int_equal(store_pool_take(f->s, "carol@example.com", p2,
						 &g, T0 + 9 * 86400, z, NULL,
						 &err),
				 STORE_OK);
		assert_string_equal(z, x);
	}
	/* release */
	assert_int_equal(store_pool_release(f->s, ph, b, &err), STORE_OK);
	assert_int_equal(store_pool_release(f->s, ph, b, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_pool_find(f->s, ph, b, &l, &err),
			 STORE_ENOTFOUND);
}

/*
 * pool_two_processes - two processes leasing numbers for the same
 * phones at once never give two conversations one (phone, number)
 */
static void
pool_two_processes(void **state)
{
	struct fixture *f = *state;
	static const char *const ten[] = {
	    "+12025550120", "+12025550121", "+12025550122", "+12025550123",
	    "+12025550124", "+12025550125", "+12025550126", "+12025550127",
	    "+12025550128", "+12025550129"};
	struct store_pool_opts o = {ten, 10, 86400, 10, false, 0};
	/* 2 processes on a file, 4 on a server (STORE_PROCS says) */
	const char *env = getenv("STORE_PROCS");
	int procs = env ? atoi(env) : 2;
	char out[8][96];
	pid_t pid[8];
	int k, status, ph, i, per;

	if (procs < 2 || procs > 8)
		procs = 2;
	per = 10 / procs; /* owners a process: 10 numbers for them all */
	for (k = 0; k < procs; k++) {
		snprintf(out[k], sizeof(out[k]), "%s/pool.%d", f->dir, k);
		pid[k] = fork();
		assert_true(pid[k] >= 0);
		if (pid[k] == 0) {
			struct store_error err;
			struct store *s =
			    store_open(f->path, STORE_SYNC_NORMAL, &err);
			FILE *fp = fopen(out[k], "w");

			if (!s || !fp)
				_exit(2);
			for (ph = 0; ph < 20; ph++)
				for (i = 0; i < per; i++) {
					char owner[64], phone[40], num[40];

					snprintf(owner, sizeof(owner),
						 "p%d-%d@example.com", k, i);
					snprintf(phone, sizeof(phone),
						 "+1202555%04d", 1000 + ph);
					if (store_pool_take(s, owner, phone, &o,
							    T0, num, NULL,
							    &err) != STORE_OK)
						_exit(3);
					fprintf(fp, "%s %s %s\n", phone, num,
						owner);
				}
			fclose(fp);
			store_close(&s);
			_exit(0);
		}
	}
	for (k = 0; k < procs; k++) {
		assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	/* every conversation still holds the number it was given */
	for (k = 0; k < procs; k++) {
		char phone[40], num[40], owner[64];
		struct store_pool_lease l;
		struct store_error err;
		FILE *fp = fopen(out[k], "r");
		unsigned lines = 0;

		assert_non_null(fp);
		while (fscanf(fp, "%39s %39s %63s", phone, num, owner) == 3) {
			assert_int_equal(
			    store_pool_find(f->s, phone, num, &l, &err),
			    STORE_OK);
			assert_string_equal(l.owner, owner);
			lines++;
		}
		fclose(fp);
		assert_int_equal(lines, 20 * per);
	}
}

/*
 * report_envid_ret - issue 18 (12): what a delivery report needs about
 * ENVID= and RET= is kept with the text, and none when none was given
 */
static void
report_envid_ret(void **state)
{
	struct fixture *f = *state;
	struct store_outbound m =
	    outbound("alice@example.com", "+12025550143", "hi", "k-envid");
	static const char hdrs[] = "Subject: hi\r\n\r\n";
	struct store_receipt r;
	struct store_error err;
	int64_t id;

	m.envid = "QQ+123";
	m.ret = STORE_RET_HDRS;
	m.returned = hdrs;
	m.returned_len = sizeof(hdrs) - 1;
	id = enqueue(f->s, &m, T0);
	assert_int_equal(store_report(f->s, id, &r, &err), STORE_OK);
	assert_string_equal(r.envid, "QQ+123");
	assert_int_equal(r.ret, STORE_RET_HDRS);
	assert_int_equal(r.returned_len, sizeof(hdrs) - 1);
	assert_memory_equal(r.returned, hdrs, sizeof(hdrs) - 1);
	assert_false(r.returned_full);
	store_receipt_clear(&r);

	m = outbound("alice@example.com", "+12025550144", "hi", "k-none");
	id = enqueue(f->s, &m, T0);
	assert_int_equal(store_report(f->s, id, &r, &err), STORE_OK);
	assert_string_equal(r.envid, "");
	assert_int_equal(r.ret, STORE_RET_NONE);
	assert_null(r.returned);
	store_receipt_clear(&r);
}

/*
 * apikeys - issue 21: keys of the send API, found by the hash of their
 * token, listed by owner, revoked; last_used written once a minute
 */
static void
apikeys(void **state)
{
	struct fixture *f = *state;
	struct store_apikey k, *list = NULL;
	struct store_error err;
	int64_t a1, a2, b1, dup;
	unsigned n;
	sqlite3 *db;

	assert_int_equal(store_apikey_add(f->s, "alice@example.com", "deploy",
					  "hash-a1", "aaaaaaaa", T0, &a1, &err),
			 STORE_OK);
	assert_int_equal(store_apikey_add(f->s, "alice@example.com", NULL,
					  "hash-a2", "bbbbbbbb", T0 + 1, &a2,
					  &err),
			 STORE_OK);
	assert_int_equal(store_apikey_add(f->s, "bob@example.com", "cron",
					  "hash-b1", "cccccccc", T0 + 2, &b1,
					  &err),
			 STORE_OK);
	assert_true(a1 < a2 && a2 < b1);
	/* a hash is one key's */
	assert_int_equal(store_apikey_add(f->s, "bob@example.com", "",
					  "hash-a1", "aaaaaaaa", T0, &dup,
					  &err),
			 STORE_EDUP);
	assert_int_equal(store_apikey_add(f->s, "", "x", "hash-x", "xxxxxxxx",
					  T0, &dup, &err),
			 STORE_EPERM);

	/* found by hash, never by anything else */
	assert_int_equal(store_apikey_find(f->s, "hash-a1", &k, &err),
			 STORE_OK);
	assert_int_equal(k.id, a1);
	assert_string_equal(k.owner, "alice@example.com");
	assert_string_equal(k.name, "deploy");
	assert_string_equal(k.hint, "aaaaaaaa");
	assert_int_equal(k.created, T0);
	assert_int_equal(k.last_used, 0);
	assert_false(k.revoked);
	assert_int_equal(store_apikey_find(f->s, "aaaaaaaa", &k, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_apikey_find(f->s, "hash-a2", &k, &err),
			 STORE_OK);
	assert_string_equal(k.name, "");

	/* last_used: written, then not again within the minute */
	assert_int_equal(store_apikey_used(f->s, a1, T0 + 100, &err), STORE_OK);
	assert_int_equal(store_apikey_find(f->s, "hash-a1", &k, &err),
			 STORE_OK);
	assert_int_equal(k.last_used, T0 + 100);
	assert_int_equal(store_apikey_used(f->s, a1, T0 + 160, &err), STORE_OK);
	assert_int_equal(store_apikey_find(f->s, "hash-a1", &k, &err),
			 STORE_OK);
	assert_int_equal(k.last_used, T0 + 100);
	assert_int_equal(store_apikey_used(f->s, a1, T0 + 161, &err), STORE_OK);
	assert_int_equal(store_apikey_find(f->s, "hash-a1", &k, &err),
			 STORE_OK);
	assert_int_equal(k.last_used, T0 + 161);
	assert_int_equal(store_apikey_used(f->s, 9999, T0, &err),
			 STORE_ENOTFOUND);
	/* within the minute it takes no write lock: another connection
	   holding one does not hold it up */
	if (pg_uri())
		goto listed;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(store_apikey_used(f->s, a1, T0 + 200, &err), STORE_OK);
	assert_int_equal(store_apikey_find(f->s, "hash-a1", &k, &err),
			 STORE_OK);
	assert_int_equal(k.last_used, T0 + 161);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);

listed: /* listed by owner or all, by id, revoked ones too */
	assert_int_equal(store_apikeys(f->s, NULL, &list, &n, &err), STORE_OK);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, a1);
	assert_int_equal(list[2].id, b1);
	assert_string_equal(list[2].owner, "bob@example.com");
	free(list);
	assert_int_equal(
	    store_apikeys(f->s, "alice@example.com", &list, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[1].id, a2);
	assert_int_equal(list[0].last_used, T0 + 161);
	free(list);
	assert_int_equal(
	    store_apikeys(f->s, "carol@example.com", &list, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
	assert_null(list);

	/* revoked: by its owner only, once, and then not found */
	assert_int_equal(store_apikey_revoke(f->s, a1, "bob@example.com", &err),
			 STORE_ENOTFOUND);
	assert_non_null(strstr(err.msg, "bob@example.com has no live API key"));
	assert_int_equal(store_apikey_find(f->s, "hash-a1", &k, &err),
			 STORE_OK);
	assert_int_equal(
	    store_apikey_revoke(f->s, a1, "alice@example.com", &err), STORE_OK);
	assert_int_equal(store_apikey_find(f->s, "hash-a1", &k, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_apikey_revoke(f->s, a1, NULL, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_apikey_revoke(f->s, 9999, NULL, &err),
			 STORE_ENOTFOUND);
	assert_string_equal(err.msg, "no live API key 9999");
	assert_int_equal(store_apikey_revoke(f->s, b1, NULL, &err), STORE_OK);
	assert_int_equal(store_apikeys(f->s, NULL, &list, &n, &err), STORE_OK);
	assert_int_equal(n, 3);
	assert_true(list[0].revoked);
	assert_false(list[1].revoked);
	assert_true(list[2].revoked);
	free(list);
	/* a revoked key's hash is still taken */
	assert_int_equal(store_apikey_add(f->s, "bob@example.com", "",
					  "hash-a1", "aaaaaaaa", T0, &dup,
					  &err),
			 STORE_EDUP);
}

static void
state_names(void **state)
{
	int i;

	(void)state;
	for (i = STORE_QUEUED; i <= STORE_UNKNOWN; i++)
		assert_int_equal(
		    store_state_parse(store_state_name((enum store_state)i)),
		    i);
	assert_int_equal(store_state_parse("sent"), -1);
}

/*
 * sids_in_time_order: "SM" and 32 hex digits; one made later sorts
 * later (its first 12 digits are the time in milliseconds), and two
 * made in the same millisecond differ in their 80 random bits
 */
static void
sids_in_time_order(void **state)
{
	char a[STORE_SID_LEN + 1], b[STORE_SID_LEN + 1], c[STORE_SID_LEN + 1];
	struct timespec pause = {0, 3000000};
	size_t i;

	(void)state;
	assert_true(store_sid_new("SM", a));
	assert_true(store_sid_new("SM", b));
	nanosleep(&pause, NULL);
	assert_true(store_sid_new("ID", c));
	assert_int_equal(strlen(a), STORE_SID_LEN);
	assert_memory_equal(a, "SM", 2);
	assert_memory_equal(c, "ID", 2);
	for (i = 2; i < STORE_SID_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_string_not_equal(a, b);
	assert_string_not_equal(a + 14, b + 14); /* the random part */
	assert_true(strcmp(a + 2, c + 2) < 0);	 /* 3 ms later: later */
	assert_true(strcmp(b + 2, c + 2) < 0);
	assert_false(store_sid_new("S", a));
}

/* media: kept with a job's texts, read by range, listed, purged */
static void
media(void **state)
{
	struct fixture *f = *state;
	struct store_error err;
	struct store_job_text a[1] = {0}, b[1] = {0}, c[1] = {0};
	struct store_media_out files[2] = {0};
	struct store_job jobs[3];
	struct store_media m, *list;
	char mid[2][STORE_MEDIA_ID_LEN + 1], other[STORE_MEDIA_ID_LEN + 1];
	unsigned char png[300], buf[300];
	unsigned i, n;

	for (i = 0; i < sizeof(png); i++)
		png[i] = (unsigned char)(i * 7);
	assert_true(store_media_id_new(mid[0]));
	assert_true(store_media_id_new(mid[1]));
	assert_true(store_media_id_new(other));
	assert_int_equal(strlen(mid[0]), STORE_MEDIA_ID_LEN);
	assert_int_equal(strspn(mid[0], "abcdefghijklmnopqrstuvwxyz234567"),
			 STORE_MEDIA_ID_LEN);
	assert_string_not_equal(mid[0], mid[1]);
	files[0] = (struct store_media_out){.mid = mid[0],
					    .owner = "alice@example.com",
					    .filename = "photo.png",
					    .content_type = "image/png",
					    .data = png,
					    .len = sizeof(png),
					    .expires = 5000};
	files[1] = (struct store_media_out){.mid = mid[1],
					    .owner = "alice@example.com",
					    .filename = "report.pdf",
					    .content_type = "application/pdf",
					    .data = "%PDF-1.4\n",
					    .len = 9,
					    .expires = 9000};
	a[0].msg =
	    outbound("alice@example.com", "+12025550143", "see x", "m-1");
	b[0].msg =
	    outbound("alice@example.com", "+12025550144", "see y", "m-2");
	b[0].msg.tag = NULL; /* refused: its file is rolled back with it */
	c[0].msg = a[0].msg; /* the same mail again */
	jobs[0] = (struct store_job){
	    .texts = a, .ntexts = 1, .media = files, .nmedia = 2};
	jobs[1] = (struct store_job){.texts = b, .ntexts = 1};
	jobs[1].media =
	    (struct store_media_out[]){{.mid = other,
					.owner = "alice@example.com",
					.content_type = "text/plain",
					.data = "x",
					.len = 1,
					.expires = 5000}};
	jobs[1].nmedia = 1;
	jobs[2] = (struct store_job){
	    .texts = c, .ntexts = 1, .media = files, .nmedia = 2};
	assert_int_equal(store_enqueue_jobs(f->s, jobs, 3, 1000, &err),
			 STORE_OK);
	assert_int_equal(jobs[0].status, STORE_OK);
	assert_int_equal(jobs[1].status, STORE_EPERM);
	assert_int_equal(jobs[2].status, STORE_OK); /* a dup: files not again */
	assert_true(c[0].dup);
	assert_int_equal(store_media_get(f->s, other, &m, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_media_get(f->s, mid[0], &m, &err), STORE_OK);
	assert_string_equal(m.owner, "alice@example.com");
	assert_string_equal(m.filename, "photo.png");
	assert_string_equal(m.content_type, "image/png");
	assert_int_equal(m.size, sizeof(png));
	assert_int_equal(m.message_id, a[0].id);
	assert_int_equal(m.created, 1000);
	assert_int_equal(m.expires, 5000);
	/* the whole file, and a range of it */
	assert_int_equal(
	    store_media_read(f->s, m.id, 0, buf, sizeof(png), &err), STORE_OK);
	assert_memory_equal(buf, png, sizeof(png));
	assert_int_equal(store_media_read(f->s, m.id, 100, buf, 50, &err),
			 STORE_OK);
	assert_memory_equal(buf, png + 100, 50);
	assert_int_equal(store_media_read(f->s, m.id, 290, buf, 20, &err),
			 STORE_EPERM);
	assert_int_equal(store_media_read(f->s, m.id, 0, buf, 0, &err),
			 STORE_OK);
	/* the same public id twice */
	assert_int_equal(store_media_add(f->s, &files[0], 1000, NULL, &err),
			 STORE_EDUP);
	/* listed by owner */
	assert_int_equal(
	    store_media_list(f->s, "alice@example.com", &list, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[1].mid, mid[1]);
	assert_int_equal(list[1].size, 9);
	free(list);
	assert_int_equal(
	    store_media_list(f->s, "bob@example.com", &list, &n, &err),
	    STORE_OK);
	assert_int_equal(n, 0);
	free(list);
	/* deleted: by its owner only, when an owner is named */
	assert_int_equal(
	    store_media_delete(f->s, mid[1], "bob@example.com", &err),
	    STORE_ENOTFOUND);
	assert_int_equal(store_media_delete(f->s, mid[1], NULL, &err),
			 STORE_OK);
	assert_int_equal(store_media_delete(f->s, mid[1], NULL, &err),
			 STORE_ENOTFOUND);
	/* purged when expired, not before */
	assert_int_equal(store_media_purge(f->s, 4999, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_media_purge(f->s, 5000, &n, &err), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_media_get(f->s, mid[0], &m, &err),
			 STORE_ENOTFOUND);
	assert_int_equal(store_media_read(f->s, m.id, 0, buf, 1, &err),
			 STORE_ENOTFOUND);
}

/* A piece of committer_groups: enqueue m, keep it or not. */
struct cpiece {
	struct store_outbound m;
	char idem[32];
	bool keep;
	int64_t id;
};

/* cpiece_run - the piece on the writer's store */
static bool
cpiece_run(struct store *s, void *arg)
{
	struct cpiece *p = arg;
	struct store_error err;
	int64_t thread;

	if (store_enqueue(s, &p->m, T0, &p->id, &thread, &err) != STORE_OK)
		return false;
	return p->keep;
}

/* A thread of committer_groups: its pieces, one after the other. */
struct cthread {
	struct store_committer *g;
	struct cpiece *p;
	unsigned n;
	bool lazy;
	int failures;
};

/* cthread_main - hand each piece over and wait for its commit */
static void *
cthread_main(void *arg)
{
	struct cthread *t = arg;
	struct store_error err;
	unsigned i;

	for (i = 0; i < t->n; i++)
		if ((t->lazy ? store_committer_run_lazy : store_committer_run)(
			t->g, cpiece_run, &t->p[i], &err) != STORE_OK)
			t->failures++;
	return NULL;
}

/*
 * committer_groups - pieces from four threads, lazy (no sync of their
 * own) or not, each committed when its caller returns; a piece that
 * refuses is rolled back alone; work after the stop is refused
 */
static void
committer_groups(void **state)
{
	enum { THREADS = 4, EACH = 25 };
	struct fixture *f = *state;
	struct store_committer *g;
	struct cthread t[THREADS];
	pthread_t th[THREADS];
	struct cpiece *p = calloc(THREADS * EACH, sizeof(*p));
	struct store_message *m = NULL;
	struct store_filter fl;
	struct store_error err;
	unsigned i, n = 0, kept = 0;

	assert_non_null(p);
	g = store_committer_start(f->path, STORE_SYNC_FULL, NULL, NULL, &err);
	assert_non_null(g);
	for (i = 0; i < THREADS * EACH; i++) {
		snprintf(p[i].idem, sizeof(p[i].idem), "group-%u", i);
		p[i].m = outbound("a@example.com", "+12025550143", "grouped",
				  p[i].idem);
		p[i].keep = i % 5 != 3; /* a fifth refuse */
		kept += p[i].keep;
	}
	for (i = 0; i < THREADS; i++) {
		t[i] = (struct cthread){g, p + i * EACH, EACH, i % 2 == 1, 0};
		assert_int_equal(
		    pthread_create(&th[i], NULL, cthread_main, &t[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].failures, 0);
	}
	/* on the disk, from another connection: the kept ones only */
	store_filter_init(&fl);
	fl.text = "grouped";
	fl.text_exact = true;
	fl.limit = 1000;
	assert_int_equal(store_history(f->s, &fl, &m, &n, &err), STORE_OK);
	assert_int_equal(n, kept);
	store_messages_free(&m, n);
	for (i = 0; i < THREADS * EACH; i++) {
		if (!p[i].keep)
			continue;
		store_filter_init(&fl);
		fl.ids = &p[i].id;
		fl.nids = 1;
		assert_int_equal(store_history(f->s, &fl, &m, &n, &err),
				 STORE_OK);
		assert_int_equal(n, 1);
		store_messages_free(&m, n);
	}
	store_committer_stop(g);
	assert_int_equal(store_committer_run_lazy(g, cpiece_run, &p[0], &err),
			 STORE_ETEMP);
	store_committer_free(&g);
	assert_null(g);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(schema_created, setup, teardown),
	    cmocka_unit_test_setup_teardown(report_envid_ret, setup, teardown),
	    cmocka_unit_test(sids_in_time_order),
	    cmocka_unit_test_setup_teardown(migrate_from_each_version, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(newer_schema_refused, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(enqueue_idempotent_and_threaded,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(claim_order_and_schedule, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(leases, setup, teardown),
	    cmocka_unit_test_setup_teardown(claims_side_by_side, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(server_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(fail_permanently, setup, teardown),
	    cmocka_unit_test_setup_teardown(history_filters, setup, teardown),
	    cmocka_unit_test_setup_teardown(delete_and_purge, setup, teardown),
	    cmocka_unit_test_setup_teardown(contacts_and_groups, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(optouts_usage_threads, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(rates_and_quota, setup, teardown),
	    cmocka_unit_test_setup_teardown(inbound_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(batch_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(recent_owners_and_opts, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(inbox, setup, teardown),
	    cmocka_unit_test_setup_teardown(unconfirmed_answers, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(inbound_routing, setup, teardown),
	    cmocka_unit_test_setup_teardown(mail_queue, setup, teardown),
	    cmocka_unit_test_setup_teardown(group_commit_jobs, setup, teardown),
	    cmocka_unit_test_setup_teardown(receipts_and_release, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(pool_leases, setup, teardown),
	    cmocka_unit_test_setup_teardown(pool_two_processes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(receipt_timeout, setup, teardown),
	    cmocka_unit_test(state_names),
	    cmocka_unit_test_setup_teardown(apikeys, setup, teardown),
	    cmocka_unit_test_setup_teardown(media, setup, teardown),
	    cmocka_unit_test_setup_teardown(committer_groups, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
