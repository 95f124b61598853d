/*
 * NAME
 *	syncer - a connection's commits made durable by another thread
 * DESCRIPTION
 *	With DatabaseSync full, SQLite waits for an fsync of its
 *	write-ahead log at each commit, on the committing thread. A
 *	caller that can hold its answers instead (smsgw's SMPP runner:
 *	a deliver_sm is answered once its text is on disk) gives that
 *	wait to a thread of its own: the connection commits with
 *	synchronous NORMAL (the log is written, not synced; SQLite still
 *	syncs it before a checkpoint copies it into the database, and
 *	the database after), each commit takes a ticket
 *	(store_syncer_commit), and the thread fdatasyncs the log. A
 *	ticket is durable once a sync that began after its commit has
 *	returned (store_syncer_done); the caller meanwhile goes on with
 *	its next batch, and one sync covers every commit made while the
 *	last one ran. A pipe is readable when a sync ends, for the
 *	caller's poll. A sync that fails is never trusted again (the
 *	kernel may have dropped the pages it could not write): every
 *	ticket from then on is reported failed, until the process is
 *	restarted. The log is opened by name; when SQLite makes a new
 *	one (its file replaced), the thread opens the new one.
 *	PostgreSQL, and DatabaseSync normal or off, need none
 *	(store_syncer_start gives NULL).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

struct store_syncer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* to the thread: a ticket is asked */
	pthread_cond_t done_cv; /* from the thread: a sync ended */
	bool running;		/* the thread was started */
	char *wal;	/* the write-ahead log's path */
	int fd;		/* the log, open; -1: not yet */
	int pipe[2];	/* [0] readable when a sync ended */
	uint64_t given; /* tickets given (the caller's thread only) */
	uint64_t asked; /* the newest ticket asked to be synced */
	uint64_t synced; /* every ticket up to this one is settled */
	bool failed;	 /* a sync failed: no ticket is durable */
	bool stop;
	char why[200]; /* why it failed */
};

/* wal_open - (re)open the log when it is not the file of that name */
static int
wal_open(struct store_syncer *y, char *why, size_t len)
{
	struct stat by_name, open_one;

	if (stat(y->wal, &by_name) != 0) {
		snprintf(why, len, "%s: %s", y->wal, strerror(errno));
		return -1;
	}
	if (y->fd >= 0 && fstat(y->fd, &open_one) == 0 &&
	    open_one.st_ino == by_name.st_ino &&
	    open_one.st_dev == by_name.st_dev)
		return 0;
	if (y->fd >= 0)
		close(y->fd);
	y->fd = open(y->wal, O_RDWR | O_CLOEXEC);
	if (y->fd < 0) {
		snprintf(why, len, "%s: %s", y->wal, strerror(errno));
		return -1;
	}
	return 0;
}

/* sync_wal - fdatasync the log: 0, or -1 with why */
static int
sync_wal(struct store_syncer *y, char *why, size_t len)
{
	if (wal_open(y, why, len) != 0)
		return -1;
	if (fdatasync(y->fd) != 0) {
		snprintf(why, len, "syncing %s: %s", y->wal, strerror(errno));
		return -1;
	}
	return 0;
}

/* run - the thread: sync while tickets wait */
static void *
run(void *arg)
{
	struct store_syncer *y = arg;
	char why[sizeof(y->why)];

	pthread_mutex_lock(&y->mu);
	for (;;) {
		uint64_t target;
		int rc = 0;

		while (!y->stop && y->asked == y->synced)
			pthread_cond_wait(&y->cv, &y->mu);
		if (y->asked == y->synced)
			break; /* stopping, nothing left */
		target = y->asked;
		if (!y->failed) {
			pthread_mutex_unlock(&y->mu);
			rc = sync_wal(y, why, sizeof(why));
			pthread_mutex_lock(&y->mu);
		}
		if (rc != 0 && !y->failed) {
			y->failed = true;
			snprintf(y->why, sizeof(y->why), "%s", why);
		}
		y->synced = target;
		pthread_cond_broadcast(&y->done_cv);
		/* a full pipe already says so */
		(void)!write(y->pipe[1], "", 1);
	}
	pthread_mutex_unlock(&y->mu);
	return NULL;
}

/* store_syncer_start - commits on s without their sync, and the thread */
int
store_syncer_start(struct store *s, struct store_syncer **y_r,
		   struct store_error *err)
{
	struct store_syncer *y;
	const char *name, *wal;
	char why[200];
	int k;

	*y_r = NULL;
	if (s->pg || s->sync != STORE_SYNC_FULL)
		return STORE_OK; /* its commits wait for their own sync */
	name = sqlite3_db_filename(s->db, "main");
	wal = name && name[0] ? sqlite3_filename_wal(name) : NULL;
	y = calloc(1, sizeof(*y));
	if (!y || !wal || !(y->wal = strdup(wal))) {
		free(y);
		return store_set_error(err, STORE_ETEMP,
				       wal ? "out of memory"
					   : "the store has no file");
	}
	y->fd = -1;
	y->pipe[0] = y->pipe[1] = -1;
	if (wal_open(y, why, sizeof(why)) != 0 ||
	    (pipe(y->pipe) != 0 &&
	     snprintf(why, sizeof(why), "pipe: %s", strerror(errno)) > 0)) {
		store_syncer_stop(&y);
		return store_set_error(err, STORE_ETEMP, "%s", why);
	}
	for (k = 0; k < 2; k++) {
		fcntl(y->pipe[k], F_SETFD, FD_CLOEXEC);
		fcntl(y->pipe[k], F_SETFL, O_NONBLOCK);
	}
	pthread_mutex_init(&y->mu, NULL);
	pthread_cond_init(&y->cv, NULL);
	pthread_cond_init(&y->done_cv, NULL);
	if (pthread_create(&y->thread, NULL, run, y) != 0) {
		store_syncer_stop(&y);
		return store_set_error(err, STORE_ETEMP,
				       "cannot start the sync thread");
	}
	y->running = true;
	if (sq_exec(s, "PRAGMA synchronous = NORMAL") != SQ_OK) {
		store_syncer_stop(&y);
		return store_fail_db(s, "setting synchronous NORMAL", err);
	}
	s->sync = STORE_SYNC_NORMAL; /* and so no lazy claim of its own */
	*y_r = y;
	return STORE_OK;
}

/* store_syncer_next - the ticket the next commit will take */
uint64_t
store_syncer_next(const struct store_syncer *y)
{
	return y->given + 1;
}

/* store_syncer_commit - a commit was made: its ticket, its sync asked */
uint64_t
store_syncer_commit(struct store_syncer *y)
{
	pthread_mutex_lock(&y->mu);
	y->asked = ++y->given;
	pthread_cond_signal(&y->cv);
	pthread_mutex_unlock(&y->mu);
	return y->given;
}

/* store_syncer_done - every ticket up to the one returned is settled */
uint64_t
store_syncer_done(struct store_syncer *y, bool *failed_r, char *why,
		  size_t len)
{
	char drain[64];
	uint64_t done;

	while (read(y->pipe[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&y->mu);
	done = y->synced;
	*failed_r = y->failed;
	if (why && len)
		snprintf(why, len, "%s", y->why);
	pthread_mutex_unlock(&y->mu);
	return done;
}

/* store_syncer_wait - wait until ticket is settled */
void
store_syncer_wait(struct store_syncer *y, uint64_t ticket)
{
	pthread_mutex_lock(&y->mu);
	while (y->synced < ticket)
		pthread_cond_wait(&y->done_cv, &y->mu);
	pthread_mutex_unlock(&y->mu);
}

/* store_syncer_fd - readable when a sync ended */
int
store_syncer_fd(const struct store_syncer *y)
{
	return y->pipe[0];
}

/* store_syncer_stop - stop the thread once what was asked is synced */
void
store_syncer_stop(struct store_syncer **yp)
{
	struct store_syncer *y = *yp;
	int k;

	if (!y)
		return;
	if (y->running) {
		pthread_mutex_lock(&y->mu);
		y->stop = true;
		pthread_cond_signal(&y->cv);
		pthread_mutex_unlock(&y->mu);
		pthread_join(y->thread, NULL);
	}
	if (y->wal && y->pipe[0] >= 0) { /* they were made */
		pthread_mutex_destroy(&y->mu);
		pthread_cond_destroy(&y->cv);
		pthread_cond_destroy(&y->done_cv);
	}
	if (y->fd >= 0)
		close(y->fd);
	for (k = 0; k < 2; k++)
		if (y->pipe[k] >= 0)
			close(y->pipe[k]);
	free(y->wal);
	free(y);
	*yp = NULL;
}
