/*
 * NAME
 *	test_store_procs - the store shared by processes: claims under
 *	contention, and a writer killed mid-stream
 * DESCRIPTION
 *	Two processes (not threads) enqueue and claim for
 *	$STORE_STRESS_SECONDS (default 10): every message must be claimed
 *	exactly once, and no error may surface. Then a writer is killed
 *	with SIGKILL while it commits: the file must open cleanly and hold
 *	every message whose commit had returned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define MAX_IDS 2000000

#define MAX_PROCS 8

static char dir[64], path[512];

/*
 * setup - a file in a new directory, or, when STORE_TEST_PG names a
 * PostgreSQL server (tests/store/test_pg.sh), that server emptied
 */
static int
setup(void **state)
{
	const char *pg = getenv("STORE_TEST_PG");

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_store_procs.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/s.db", dir);
	if (pg && *pg) {
		PGconn *c = PQconnectdb(pg);
		PGresult *r;
		int ok;

		r = PQexec(c,
			   "SET client_min_messages = warning;"
			   " DROP SCHEMA public CASCADE; CREATE SCHEMA public");
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			print_error("%s: %s", pg, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		if (!ok)
			return -1;
		snprintf(path, sizeof(path), "%s", pg);
	}
	return 0;
}

/* nprocs - the workers at once: STORE_PROCS (2 by default) */
static int
nprocs(void)
{
	const char *env = getenv("STORE_PROCS");
	int n = env ? atoi(env) : 2;

	return n < 2 ? 2 : n > MAX_PROCS ? MAX_PROCS : n;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (getenv("KEEP"))
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* now - wall-clock seconds */
static int64_t
now(void)
{
	return (int64_t)time(NULL);
}

/* worker - enqueue and claim until the deadline; exit status: errors */
static void
worker(int n, int seconds, FILE *out)
{
	struct store_error err;
	struct store *s = store_open(path, STORE_SYNC_FULL, &err);
	time_t end = time(NULL) + seconds;
	char owner[32], idem[64];
	unsigned long i = 0, errors = 0;

	if (!s) {
		fprintf(out, "ERR open: %s\n", err.msg);
		_exit(1);
	}
	snprintf(owner, sizeof(owner), "worker-%d-%d", n, (int)getpid());
	while (time(NULL) < end) {
		struct store_outbound m = {0};
		struct store_claim *c;
		char tag[32], sender[40];
		int64_t id, thread;
		unsigned k, got;

		snprintf(idem, sizeof(idem), "w%d-%lu", n, i);
		snprintf(tag, sizeof(tag), "t%d", n);
		snprintf(sender, sizeof(sender), "w%d@example.com", n);
		m.owner = sender;
		m.phone = "+12025550143";
		m.sender = "+12025550100";
		m.tag = tag;
		m.idem_key = idem;
		m.text = "stress";
		m.segments = 1;
		if (store_enqueue(s, &m, now(), &id, &thread, &err) !=
		    STORE_OK) {
			fprintf(out, "ERR enqueue: %s\n", err.msg);
			errors++;
		}
		i++;
		if (store_claim(s, owner, now(), 600, 4, &c, &got, &err) !=
		    STORE_OK) {
			fprintf(out, "ERR claim: %s\n", err.msg);
			errors++;
			continue;
		}
		for (k = 0; k < got; k++) {
			fprintf(out, "%lld\n", (long long)c[k].id);
			if (store_submitted(s, c[k].id, owner, NULL, 0, now(),
					    &err) != STORE_OK) {
				fprintf(out, "ERR submitted: %s\n", err.msg);
				errors++;
			}
		}
		store_claims_free(&c, got);
	}
	fprintf(out, "ENQUEUED %lu\n", i);
	fflush(out);
	store_close(&s);
	_exit(errors ? 1 : 0);
}

/* read_claims - count claims per id from a worker's file */
static unsigned long
read_claims(const char *file, unsigned char *seen, unsigned long *enq,
	    unsigned long *errors)
{
	FILE *fp = fopen(file, "r");
	char line[512];
	unsigned long n = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		long long id;

		if (strncmp(line, "ERR", 3) == 0) {
			print_error("%s", line);
			(*errors)++;
		} else if (sscanf(line, "ENQUEUED %lu", enq) == 1) {
			continue;
		} else if (sscanf(line, "%lld", &id) == 1 && id > 0 &&
			   id < MAX_IDS) {
			seen[id]++;
			n++;
		}
	}
	fclose(fp);
	return n;
}

static void
two_processes_claim_once(void **state)
{
	const char *env = getenv("STORE_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 10, i, status;
	unsigned char *seen;
	unsigned long claimed = 0, enq[MAX_PROCS] = {0}, errors = 0, total = 0,
		      dup = 0, enqueued = 0;
	struct store_counts counts;
	struct store_error err;
	struct store *s;
	pid_t pid[MAX_PROCS];
	char file[MAX_PROCS][128];
	int procs = nprocs();

	(void)state;
	/* create the schema first, as the daemons' start-up does */
	s = store_open(path, STORE_SYNC_FULL, &err);
	assert_non_null(s);
	store_close(&s);
	for (i = 0; i < procs; i++) {
		snprintf(file[i], sizeof(file[i]), "%s/claims.%d", dir, i);
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0) {
			FILE *out = fopen(file[i], "w");

			if (!out)
				_exit(2);
			setvbuf(out, NULL, _IOLBF, 0);
			worker(i, seconds, out);
		}
	}
	for (i = 0; i < procs; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			print_error("worker %d: status %d\n", i, status);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	seen = calloc(MAX_IDS, 1); /* after the fork: not the workers' */
	assert_non_null(seen);
	for (i = 0; i < procs; i++) {
		claimed += read_claims(file[i], seen, &enq[i], &errors);
		assert_true(enq[i] > 0);
		enqueued += enq[i];
	}
	/* what the workers left queued: claimed now, by us */
	s = store_open(path, STORE_SYNC_FULL, &err);
	assert_non_null(s);
	for (;;) {
		struct store_claim *c;
		unsigned got, k;

		assert_int_equal(
		    store_claim(s, "drain", now(), 600, 100, &c, &got, &err),
		    STORE_OK);
		for (k = 0; k < got; k++)
			seen[c[k].id]++;
		claimed += got;
		store_claims_free(&c, got);
		if (got == 0)
			break;
	}
	assert_int_equal(store_counts(s, &counts, &err), STORE_OK);
	assert_int_equal(store_check(s, &err), STORE_OK);
	store_close(&s);
	for (i = 0; i < MAX_IDS; i++) {
		total += seen[i] > 0;
		dup += seen[i] > 1;
	}
	print_message("stress: %d processes, %d s, enqueued %lu, claimed %lu, "
		      "distinct %lu, claimed twice %lu, errors %lu\n",
		      procs, seconds, enqueued, claimed, total, dup, errors);
	assert_int_equal(errors, 0);
	assert_int_equal(dup, 0);
	assert_int_equal(total, enqueued);
	assert_int_equal(claimed, enqueued);
	assert_int_equal(counts.n[STORE_SUBMITTED] + counts.n[STORE_SUBMITTING],
			 enqueued);
	free(seen);
}

static void
sigkill_loses_nothing(void **state)
{
	int fds[2], status;
	unsigned long reported = 0, found = 0, i;
	long long *ids;
	unsigned char *present;
	struct store_filter f;
	struct store_message *msgs;
	struct store_error err;
	struct store *s;
	unsigned n;
	pid_t pid;
	FILE *in;
	char line[64];
	struct timespec pause = {1, 500000000L};

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *w;
		unsigned long k = 0;

		close(fds[0]);
		w = store_open(path, STORE_SYNC_FULL, &err);
		if (!w)
			_exit(1);
		for (;;) {
			struct store_outbound m = {0};
			int64_t id, thread;
			char idem[32], msg[32];
			int len;

			snprintf(idem, sizeof(idem), "k%lu", k++);
			m.owner = "a@example.com";
			m.phone = "+12025550143";
			m.sender = "+12025550100";
			m.tag = "tag";
			m.idem_key = idem;
			m.text = "before the kill";
			m.segments = 1;
			if (store_enqueue(w, &m, now(), &id, &thread, &err) !=
			    STORE_OK)
				_exit(1);
			/* only now is it committed: report it */
			len =
			    snprintf(msg, sizeof(msg), "%lld\n", (long long)id);
			if (write(fds[1], msg, (size_t)len) != len)
				_exit(1);
		}
	}
	close(fds[1]);
	ids = calloc(MAX_IDS, sizeof(*ids));
	present = calloc(MAX_IDS, 1);
	assert_non_null(ids);
	assert_non_null(present);
	nanosleep(&pause, NULL);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	in = fdopen(fds[0], "r");
	assert_non_null(in);
	while (fgets(line, sizeof(line), in) && reported < MAX_IDS)
		if (sscanf(line, "%lld", &ids[reported]) == 1)
			reported++;
	fclose(in);

	s = store_open(path, STORE_SYNC_FULL, &err);
	if (!s)
		fail_msg("reopen after SIGKILL: %s", err.msg);
	assert_int_equal(store_check(s, &err), STORE_OK);
	store_filter_init(&f);
	f.limit = 1000;
	do {
		assert_int_equal(store_history(s, &f, &msgs, &n, &err),
				 STORE_OK);
		for (i = 0; i < n; i++)
			if (msgs[i].id < MAX_IDS)
				present[msgs[i].id] = 1;
		if (n)
			f.after_id = msgs[n - 1].id;
		store_messages_free(&msgs, n);
	} while (n == 1000);
	store_close(&s);
	for (i = 0; i < reported; i++)
		found += present[ids[i]];
	print_message("sigkill: %lu commits reported before the kill, %lu "
		      "found after\n",
		      reported, found);
	assert_true(reported > 0);
	assert_int_equal(found, reported);
	free(ids);
	free(present);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(two_processes_claim_once, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(sigkill_loses_nothing, setup,
					    teardown),
	};

	return cmocka_run_group_tests_name("store processes", tests, NULL,
					   NULL);
}
