/*
 * NAME
 *	committer - group commit: the work of many threads in one transaction
 * DESCRIPTION
 *	Every SMTP session or API request that writes waits for an
 *	fsync. One writer thread owns a write connection: a caller puts
 *	its work (a function and its argument) on the list and sleeps;
 *	the writer takes all the work waiting, runs each piece in a unit
 *	of one transaction (a savepoint: a piece that fails or refuses
 *	is rolled back alone) and commits once, then wakes the callers.
 *	While it commits, new work gathers for the next round, so the
 *	fsyncs per second stay the disk's while the writes per second
 *	grow with the number of callers. A piece's reads and its writes
 *	are one transaction, so a check (a quota, a rate) and the write
 *	it allows cannot be split by another writer. A group of lazy
 *	pieces only (store_committer_run_lazy: a claim, lost in a power
 *	cut, is due again) commits without a disk sync: the next group
 *	that syncs writes it down too (WAL: in order).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

#define GROUP_MAX 256

struct piece {
	store_committer_fn fn;
	void *arg;
	int status;
	struct store_error err;
	bool done;
	bool lazy;	   /* needs no disk sync of its own */
	pthread_cond_t cv; /* its caller waits on it: woken alone */
	struct piece *next;
};

struct store_committer {
	pthread_mutex_t mu;
	pthread_cond_t work, finished;
	struct piece *head, **tail;
	bool stopping, stopped;
	unsigned callers; /* threads inside store_committer_run */
	pthread_t writer;
	struct store *s;
	store_committer_seen seen;
	void *seen_arg;
};

/* seconds_since - seconds from t0 to now */
static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* run_batch - the pieces in one transaction; each one's status set */
static void
run_batch(struct store_committer *g, struct piece **batch, unsigned n)
{
	struct store_error err;
	struct timespec t0;
	unsigned i;
	/* not on PostgreSQL: its server may fail on its own (lease.c) */
	bool lazy = !g->s->pg && g->s->sync == STORE_SYNC_FULL;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; lazy && i < n; i++)
		lazy = batch[i]->lazy;
	/* parsed each time: a kept statement sets the level once only */
	lazy = lazy && sq_exec(g->s, "PRAGMA synchronous = NORMAL") == SQ_OK;
	rc = store_batch_begin(g->s, &err);
	for (i = 0; rc == STORE_OK && i < n; i++) {
		struct piece *p = batch[i];
		bool keep;

		p->status = store_unit_begin(g->s, &p->err);
		if (p->status == STORE_OK) {
			keep = p->fn(g->s, p->arg);
			p->status = store_unit_end(g->s, keep, &p->err);
		}
		/*
		 * SQLite rolled the whole transaction back (an I/O error, a
		 * full disk): what the pieces before did is gone, and the
		 * next could not write; store_batch_end says so to all
		 */
		if (store_batch_lost(g->s))
			break;
	}
	if (rc == STORE_OK)
		rc = store_batch_end(g->s, &err);
	if (lazy) /* else the next transaction restores it (store_begin) */
		g->s->sync_lowered =
		    sq_exec(g->s, "PRAGMA synchronous = FULL") != SQ_OK;
	if (rc != STORE_OK)
		for (i = 0; i < n; i++) {
			batch[i]->status = rc;
			batch[i]->err = err;
		}
	if (g->seen)
		g->seen(g->seen_arg, n, seconds_since(&t0),
			rc == STORE_OK ? NULL : &err);
}

/* writer_main - take what waits, run it, wake the waiters */
static void *
writer_main(void *arg)
{
	struct store_committer *g = arg;
	struct piece *batch[GROUP_MAX];
	unsigned n, i;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		while (!g->head && !g->stopping)
			pthread_cond_wait(&g->work, &g->mu);
		if (!g->head)
			break;
		for (n = 0; g->head && n < GROUP_MAX; n++) {
			batch[n] = g->head;
			g->head = g->head->next;
		}
		if (!g->head)
			g->tail = &g->head;
		pthread_mutex_unlock(&g->mu);
		run_batch(g, batch, n);
		pthread_mutex_lock(&g->mu);
		for (i = 0; i < n; i++) { /* its caller alone: the next wait */
			batch[i]->done = true;
			pthread_cond_signal(&batch[i]->cv);
		}
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* store_committer_start - open the write connection, start the writer */
struct store_committer *
store_committer_start(const char *path, enum store_sync sync,
		      store_committer_seen seen, void *seen_arg,
		      struct store_error *err)
{
	struct store_committer *g = calloc(1, sizeof(*g));

	if (!g) {
		store_set_error(err, STORE_ETEMP, "out of memory");
		return NULL;
	}
	g->s = store_open(path, sync, err);
	if (!g->s) {
		free(g);
		return NULL;
	}
	/* (its savepoints' sub-journal in memory: store_open's pragmas) */
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->finished, NULL);
	g->tail = &g->head;
	g->seen = seen;
	g->seen_arg = seen_arg;
	if (pthread_create(&g->writer, NULL, writer_main, g) != 0) {
		store_close(&g->s);
		pthread_cond_destroy(&g->finished);
		pthread_cond_destroy(&g->work);
		pthread_mutex_destroy(&g->mu);
		free(g);
		store_set_error(err, STORE_ETEMP, "cannot start a thread");
		return NULL;
	}
	return g;
}

/* run - fn(store, arg) in the next group; wait for its commit */
static int
run(struct store_committer *g, store_committer_fn fn, void *arg, bool lazy,
    struct store_error *err)
{
	struct piece p = {
	    .fn = fn, .arg = arg, .status = STORE_OK, .lazy = lazy};

	pthread_mutex_lock(&g->mu);
	if (g->stopping) {
		pthread_mutex_unlock(&g->mu);
		return store_set_error(err, STORE_ETEMP,
				       "the store is closing");
	}
	g->callers++;
	pthread_cond_init(&p.cv, NULL);
	*g->tail = &p;
	g->tail = &p.next;
	pthread_cond_signal(&g->work);
	while (!p.done)
		pthread_cond_wait(&p.cv, &g->mu);
	if (--g->callers == 0 && g->stopping)
		pthread_cond_broadcast(&g->finished); /* store_committer_free */
	pthread_mutex_unlock(&g->mu);
	pthread_cond_destroy(&p.cv);
	if (p.status != STORE_OK)
		*err = p.err;
	return p.status;
}

/* store_committer_run - fn(store, arg) in the next group; wait for its commit
 */
int
store_committer_run(struct store_committer *g, store_committer_fn fn, void *arg,
		    struct store_error *err)
{
	return run(g, fn, arg, false, err);
}

/* store_committer_run_lazy - as store_committer_run, no sync of its own */
int
store_committer_run_lazy(struct store_committer *g, store_committer_fn fn,
			 void *arg, struct store_error *err)
{
	return run(g, fn, arg, true, err);
}

/*
 * store_committer_stop - run the work waiting, stop the writer, close
 * its connection; later calls are refused (ETEMP). Safe while other
 * threads still call store_committer_run; does not free.
 */
void
store_committer_stop(struct store_committer *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	if (g->stopped) {
		pthread_mutex_unlock(&g->mu);
		return;
	}
	g->stopping = g->stopped = true;
	pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->writer, NULL);
	store_close(&g->s);
}

/* store_committer_free - stop, wait for the callers to leave, free */
void
store_committer_free(struct store_committer **gp)
{
	struct store_committer *g = *gp;

	if (!g)
		return;
	store_committer_stop(g);
	pthread_mutex_lock(&g->mu);
	while (g->callers > 0)
		pthread_cond_wait(&g->finished, &g->mu);
	pthread_mutex_unlock(&g->mu);
	pthread_cond_destroy(&g->finished);
	pthread_cond_destroy(&g->work);
	pthread_mutex_destroy(&g->mu);
	free(g);
	*gp = NULL;
}
