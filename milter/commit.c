/*
 * NAME
 *	commit - group commit of the milter's enqueues
 * DESCRIPTION
 *	Every SMTP session that queues texts waits for an fsync. The
 *	sessions share one store group (store/committer.c): a session hands
 *	its job to the group's writer and sleeps; the writer runs all the
 *	jobs waiting in one transaction (a unit each, so one bad job fails
 *	alone) and wakes their sessions. The number of fsyncs per second
 *	stays the disk's while the number of messages grows with the
 *	number of sessions.
 */
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "milter/milter_int.h"
#include "util/util.h"

static struct store_committer *group;

/* seen - one group committed (or not): the metric and the log */
static void
seen(void *arg, unsigned n, double seconds, const struct store_error *err)
{
	(void)arg;
	metrics_commit(seconds);
	if (err)
		ut_log(LOG_ERR, "store: commit of %u messages failed: %s", n,
		       err->msg);
	else
		ut_log(LOG_DEBUG, "store: committed %u messages", n);
}

/* enqueue - one mail's job, in the group's transaction */
static bool
enqueue(struct store *s, void *arg)
{
	struct store_job *job = arg;
	struct store_error err;

	store_enqueue_jobs(s, job, 1, (int64_t)time(NULL), &err);
	return job->status == STORE_OK;
}

/* commit_start - open the write connection and start the writer */
int
commit_start(const char *db, enum store_sync sync, struct store_error *err)
{
	group = store_committer_start(db, sync, seen, NULL, err);
	return group ? 0 : -1;
}

/* commit_run - hand a job to the writer and wait for its commit */
int
commit_run(struct store_job *job)
{
	struct store_error err;
	int rc;

	if (!group) {
		job->status = STORE_ETEMP;
		snprintf(job->err.msg, sizeof(job->err.msg),
			 "smsmilter is stopping");
		return job->status;
	}
	rc = store_committer_run(group, enqueue, job, &err);
	if (rc != STORE_OK) {
		job->status = rc;
		job->err = err;
	}
	return job->status;
}

/*
 * commit_stop - drain and stop: a session still busy (the process exits
 * without waiting for it) is refused from now on; nothing is freed
 * under it
 */
void
commit_stop(void)
{
	store_committer_stop(group);
}
