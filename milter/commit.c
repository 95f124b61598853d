/*
 * NAME
 *	commit - group commit of the milter's enqueues
 * DESCRIPTION
 *	Every SMTP session that queues texts waits for an fsync. One
 *	writer thread owns the write connection: a session puts its job
 *	on the list and sleeps; the writer takes all the jobs waiting,
 *	runs them in one transaction (store_enqueue_jobs: a savepoint
 *	each, so one bad job fails alone), and wakes their sessions.
 *	While it commits, new jobs gather for the next round, so the
 *	number of fsyncs per second stays the disk's while the number of
 *	messages grows with the number of sessions.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "milter/milter_int.h"
#include "util/util.h"

#define BATCH_MAX 256

struct pending {
	struct store_job *job;
	bool done;
	struct pending *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;
static struct pending *head, **tail = &head;
static bool stopping, running;
static pthread_t writer;
static struct store *wstore;

/* writer_main - take what waits, commit it, wake the waiters */
static void *
writer_main(void *arg)
{
	struct store_job *jobs = calloc(BATCH_MAX, sizeof(*jobs));
	struct pending *batch[BATCH_MAX];
	struct store_error err;
	struct timespec t0, t1;
	unsigned n, i;
	bool ok;

	pthread_mutex_lock(&mu);
	for (;;) {
		while (!head && !stopping)
			pthread_cond_wait(&work, &mu);
		if (!head && stopping)
			break;
		for (n = 0; head && n < BATCH_MAX; n++) {
			batch[n] = head;
			head = head->next;
		}
		if (!head)
			tail = &head;
		pthread_mutex_unlock(&mu);

		for (i = 0; i < n; i++)
			jobs[i] = *batch[i]->job;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ok = store_enqueue_jobs(wstore, jobs, n, (int64_t)time(NULL),
					&err) == STORE_OK;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		metrics_commit((double)(t1.tv_sec - t0.tv_sec) +
			       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		if (!ok)
			ut_log(LOG_ERR,
			       "store: commit of %u messages failed: "
			       "%s",
			       n, err.msg);
		else
			ut_log(LOG_DEBUG, "store: committed %u messages", n);

		pthread_mutex_lock(&mu);
		for (i = 0; i < n; i++) {
			batch[i]->job->status = jobs[i].status;
			batch[i]->job->err = jobs[i].err;
			batch[i]->done = true;
		}
		pthread_cond_broadcast(&finished);
	}
	pthread_mutex_unlock(&mu);
	free(jobs);
	return arg;
}

/* commit_start - open the write connection and start the writer */
int
commit_start(const char *db, enum store_sync sync, struct store_error *err)
{
	wstore = store_open(db, sync, err);
	if (!wstore)
		return -1;
	stopping = false;
	if (pthread_create(&writer, NULL, writer_main, NULL) != 0) {
		store_close(&wstore);
		snprintf(err->msg, sizeof(err->msg), "cannot start a thread");
		return -1;
	}
	running = true;
	return 0;
}

/* commit_run - hand a job to the writer and wait for its commit */
int
commit_run(struct store_job *job)
{
	struct pending p = {job, false, NULL};

	pthread_mutex_lock(&mu);
	if (!running || stopping) {
		pthread_mutex_unlock(&mu);
		job->status = STORE_ETEMP;
		snprintf(job->err.msg, sizeof(job->err.msg),
			 "smsmilter is stopping");
		return job->status;
	}
	*tail = &p;
	tail = &p.next;
	pthread_cond_signal(&work);
	while (!p.done)
		pthread_cond_wait(&finished, &mu);
	pthread_mutex_unlock(&mu);
	return job->status;
}

/* commit_stop - drain and stop */
void
commit_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_signal(&work);
	pthread_mutex_unlock(&mu);
	pthread_join(writer, NULL);
	running = false;
	store_close(&wstore);
}
