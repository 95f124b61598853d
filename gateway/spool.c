/*
 * NAME
 *	spool - texts from phones: answered once kept, mailed by a thread
 * DESCRIPTION
 *	A deliver_sm is answered once its text is on disk. The runner
 *	keeps it in the inbox (InboxFile, a SQLite file of this gateway's
 *	own: inbound_spool), commits and answers; what the text becomes
 *	(reassembly, keywords, routing, the mail and its hooks) is done
 *	here, on another thread and core, many texts a transaction of the
 *	store. The answers then wait for one small commit, not for the
 *	store's writers nor for the mail's composing, and the SMSC's
 *	window moves on.
 *
 *	The texts are mailed in the order they came. With each batch's
 *	mail the store records the last inbox id mailed (inbox_done,
 *	under the inbox's own random name, so that a new inbox file
 *	starts from its beginning); only then are the rows removed from
 *	the inbox. A crash between the two leaves rows the record says
 *	were mailed: they are skipped and removed at the next start. After
 *	a batch that failed (its commit's outcome unknown, as a PostgreSQL
 *	link lost in COMMIT) the record is read again before the next.
 *
 *	A text the store cannot take now (the server down, a full disk)
 *	stays, with those after it, and is tried again a second later. A
 *	text the store refuses SPOOL_TRIES times over SPOOL_SPAN seconds
 *	while it takes other writes (an owner's address the mail cannot carry, a
 *constraint) would hold every later text: it is set aside in the inbox
 *	(inbox_held, with the reason; smsctl queue counts it), logged, and
 *	the others go on; texts set aside are tried again every
 *	SPOOL_AGAIN seconds and when smsgw starts.
 *
 *	The configuration is swapped between batches (spool_set_conf).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gateway_int.h"
#include "util/util.h"

#define SPOOL_BATCH 64	/* texts a transaction of the store */
#define SPOOL_SWEEP 10	/* seconds between looks for stale parts */
#define SPOOL_TRIES 5	/* a text refused so often ... */
#define SPOOL_SPAN  30	/* ... and for so many seconds is set aside */
#define SPOOL_AGAIN 300 /* seconds between tries of those set aside */
#define SPOOL_LAST  5	/* seconds of mailing at stop; the rest later */
#define SPOOL_WAIT                                                             \
	20000 /* ms a successor waits for the inbox: the                       \
		 runner's 10 s, SPOOL_LAST, a margin */

struct spool {
	pthread_t thread;
	bool started;
	pthread_mutex_t mu; /* woken, stopping */
	pthread_cond_t cv;
	bool woken, stopping;
	pthread_mutex_t conf_mu; /* c: held while a batch runs */
	const struct conf *c;
	struct store *runner_in; /* the runner's connection (spool_inbox) */
	struct store *in;	 /* this thread's, to read and remove */
	struct store *s;	 /* the store: the mail */
	struct mailer *mailer;
	char name[33]; /* the inbox's name for itself */
	int64_t done;  /* the last inbox id mailed */
	bool reread;   /* a batch failed: read done again first */
	int64_t head;  /* the text the store refused last, how often, since */
	unsigned head_tries;
	int64_t head_since;
	int64_t again; /* when those set aside were last tried again */
	int64_t swept;
	int lock; /* InboxFile.lock, flock'ed: one gateway an inbox */
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/* reread - after a failed batch: how far the store says it got */
static bool
reread(struct spool *sp)
{
	struct store_error err;
	int64_t done;

	if (store_inbox_done(sp->s, sp->name, &done, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		return false;
	}
	sp->reread = false;
	if (done > sp->done) {
		sp->done = done; /* that commit did happen */
		if (store_inbox_drop(sp->in, done, &err) != STORE_OK)
			ut_log(LOG_WARNING, "inbox: %s", err.msg);
	}
	return true;
}

/*
 * hold - set text v aside, the store having refused it SPOOL_TRIES
 * times while it took other writes: moved to inbox_held in one
 * transaction of the inbox (nothing of the store: the batches read
 * past a row that is not there); false when it could not be (it
 * stays, and holds the others)
 */
static bool
hold(struct spool *sp, const struct store_raw *v)
{
	struct store_error err;
	char reason[160];

	snprintf(reason, sizeof(reason),
		 "the store refused it %u times (smsgw's log says why)",
		 sp->head_tries);
	if (store_inbox_hold(sp->in, v->id, reason, &err) != STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		return false;
	}
	ut_log(LOG_ERR,
	       "inbox: the text from %s that came at %lld was refused %u "
	       "times (above): set aside in the inbox (smsctl queue counts "
	       "it), tried again in 5 minutes or when smsgw starts; the "
	       "others go on",
	       UT_LOG_PHONE(v->from), (long long)v->at, sp->head_tries);
	sp->head = 0;
	sp->head_tries = 0;
	return true;
}

/*
 * batch - mail up to SPOOL_BATCH texts after sp->done in one
 * transaction; how many were taken (0: none waiting), -1 when one
 * could not be (store error: try again later)
 */
static int
batch(struct spool *sp, const struct conf *c)
{
	struct store_raw *v = NULL;
	struct store_error err;
	enum inbound_result res[SPOOL_BATCH];
	unsigned n = 0, i, taken = 0;
	int64_t last = sp->done;
	bool mailed = false, texted = false, hooked = false;
	int refused = -1; /* the text the store refused, if one was */

	if (sp->reread && !reread(sp))
		return -1;
	if (store_inbox_get(sp->in, sp->done, SPOOL_BATCH, &v, &n, &err) !=
	    STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		return -1;
	}
	if (n == 0)
		return 0;
	if (store_batch_begin(sp->s, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s; the inbox's %u texts wait", err.msg,
		       n);
		store_raws_free(v, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct inbound_did did = {0};
		struct inbound_sms m = {
		    .provider = "smpp",
		    .from = v[i].from,
		    .to = v[i].to,
		    .data_coding = v[i].data_coding,
		    .esm_class = (uint8_t)v[i].esm_class,
		    .ud = v[i].ud,
		    .ud_len = v[i].ud_len,
		    .did_r = &did,
		};

		res[i] = inbound_sms(c, sp->s, &m, v[i].at);
		if (res[i] == IN_TEMP) {
			refused = (int)i; /* it and those after it wait */
			break;
		}
		if (res[i] == IN_BAD) /* answered when it could be (a reload) */
			ut_log(LOG_ERR,
			       "inbox: text %lld, answered when it came, "
			       "cannot be mailed now (above): dropped",
			       (long long)v[i].id);
		last = v[i].id;
		taken++;
		mailed |= res[i] == IN_DONE;
		texted |= did.texted;
		hooked |= did.hooked;
	}
	/*
	 * the record, also when the first text was refused: a write that
	 * shows the store takes writes (then the refusal is the text's)
	 */
	if (store_inbox_done_set(sp->s, sp->name, last, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		store_batch_abort(sp->s);
		store_raws_free(v, n);
		return -1;
	}
	if (store_batch_end(sp->s, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s; the inbox's texts wait", err.msg);
		sp->reread = true; /* committed or not? the store says */
		store_raws_free(v, n);
		return -1;
	}
	for (i = 0; i < taken; i++)
		metrics_inbound(res[i]);
	if (taken > 0) {
		sp->done = last;
		/* the store's record says they are done */
		if (store_inbox_drop(sp->in, last, &err) != STORE_OK)
			ut_log(LOG_WARNING, "inbox: %s", err.msg);
	}
	if (mailed)
		mailer_wake(sp->mailer);
	if (hooked)
		hooks_wake();
	if (texted && c->wake_socket) /* a keyword's answer, a forward */
		ut_wake(c->wake_socket);
	if (refused >= 0) {
		/* the store took this batch's writes: is it this text? */
		if (v[refused].id != sp->head) {
			sp->head = v[refused].id;
			sp->head_tries = 0;
			sp->head_since = now_s();
		}
		if (taken == 0 && ++sp->head_tries >= SPOOL_TRIES &&
		    now_s() - sp->head_since >= SPOOL_SPAN &&
		    hold(sp, &v[refused]))
			taken++;
		else if (taken == 0) {
			store_raws_free(v, n);
			return -1;
		}
	}
	store_raws_free(v, n);
	return (int)taken;
}

/* stopping - whether spool_stop was called */
static bool
stopping(struct spool *sp)
{
	bool stop;

	pthread_mutex_lock(&sp->mu);
	stop = sp->stopping;
	pthread_mutex_unlock(&sp->mu);
	return stop;
}

/* again - the texts set aside, back in the inbox now and then */
static void
again(struct spool *sp)
{
	struct store_error err;
	unsigned back = 0;

	sp->again = now_s();
	if (store_inbox_unhold(sp->in, &back, &err) != STORE_OK)
		ut_log(LOG_ERR, "inbox: %s", err.msg);
	else if (back > 0)
		ut_log(LOG_NOTICE, "inbox: %u texts set aside are tried again",
		       back);
}

/*
 * run - the thread: wait for a wake or a second (a whole second after
 * a batch that could not be written: the store is not taken at each
 * new text), then batches until the inbox is empty, the configuration
 * held for one batch at a time; once it is empty, the stale sets
 * (their parts may have waited in it) and, every SPOOL_AGAIN, the
 * texts set aside. From the stop on, SPOOL_LAST seconds more of
 * batches; what is left is mailed at the next start.
 */
static void *
run(void *arg)
{
	struct spool *sp = arg;
	int64_t stop_at = 0;
	bool stuck = false;

	for (;;) {
		struct timespec until;
		int k = 0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_mutex_lock(&sp->mu);
		while ((stuck || !sp->woken) && !sp->stopping &&
		       pthread_cond_timedwait(&sp->cv, &sp->mu, &until) !=
			   ETIMEDOUT)
			;
		sp->woken = false;
		pthread_mutex_unlock(&sp->mu);
		do {
			if (!stop_at && stopping(sp))
				stop_at = now_s();
			if (stop_at && now_s() - stop_at >= SPOOL_LAST)
				break;
			pthread_mutex_lock(&sp->conf_mu);
			k = batch(sp, sp->c);
			pthread_mutex_unlock(&sp->conf_mu);
		} while (k > 0);
		if (stop_at)
			break;
		stuck = k < 0;
		if (k == 0 && now_s() - sp->swept >= SPOOL_SWEEP) {
			pthread_mutex_lock(&sp->conf_mu);
			sp->swept = now_s();
			if (inbound_sweep(sp->c, sp->s, sp->swept) > 0)
				mailer_wake(sp->mailer);
			pthread_mutex_unlock(&sp->conf_mu);
		}
		if (k == 0 && now_s() - sp->again >= SPOOL_AGAIN)
			again(sp);
	}
	return NULL;
}

/* discard - close and free what spool_open made */
static void
discard(struct spool *sp)
{
	store_close(&sp->runner_in);
	store_close(&sp->in);
	store_close(&sp->s);
	if (sp->lock >= 0)
		close(sp->lock);
	free(sp);
}

/*
 * claim - make the inbox this gateway's alone (a lock on PATH.lock,
 * held while it runs, holding its pid; a predecessor still mailing
 * at its stop is waited for, SPOOL_WAIT) and create it mode 0600 (the
 * texts are private)
 */
static bool
claim(struct spool *sp, const char *path)
{
	char lock[4200];
	long holder = 0;
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	sp->lock = ut_pid_lock(lock, SPOOL_WAIT, &holder);
	if (sp->lock < 0) {
		if (errno == EWOULDBLOCK)
			ut_log(LOG_ERR,
			       "InboxFile %s: another smsgw uses it (pid "
			       "%ld): each gateway needs an inbox of its own",
			       path, holder);
		else
			ut_log(LOG_ERR, "InboxFile %s: %s", lock,
			       strerror(errno));
		return false;
	}
	if (ut_pid_write(sp->lock, lock) != 0)
		return false;
	/* the file first, so that SQLite's -wal and -shm take its mode */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ut_log(LOG_ERR, "InboxFile %s: %s", path, strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

/* spool_open - the inbox (this gateway's alone) and the store */
struct spool *
spool_open(const struct conf *c)
{
	struct spool *sp = calloc(1, sizeof(*sp));
	struct store_error err;
	unsigned back = 0;
	char path[4096];

	if (!sp)
		return NULL;
	sp->lock = -1;
	conf_inbox_path(c, path, sizeof(path));
	sp->c = c;
	if (!claim(sp, path)) {
		discard(sp);
		return NULL;
	}
	/* synced as DatabaseSync says: the answers, and the texts set
	   aside, wait for it */
	sp->runner_in =
	    store_open(path, (enum store_sync)c->database_sync, &err);
	if (sp->runner_in)
		sp->in =
		    store_open(path, (enum store_sync)c->database_sync, &err);
	if (!sp->runner_in || !sp->in) {
		ut_log(LOG_ERR, "InboxFile: %s", err.msg);
		discard(sp);
		return NULL;
	}
	/* synced: the inbox's rows go once this says they were mailed */
	sp->s =
	    store_open(c->database, (enum store_sync)c->database_sync, &err);
	if (!sp->s) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		discard(sp);
		return NULL;
	}
	if (store_inbox_name(sp->in, sp->name, &err) != STORE_OK ||
	    store_inbox_done(sp->s, sp->name, &sp->done, &err) != STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		discard(sp);
		return NULL;
	}
	/* rows a crash left after their mail's commit */
	if (store_inbox_drop(sp->in, sp->done, &err) != STORE_OK)
		ut_log(LOG_WARNING, "inbox: %s", err.msg);
	if (store_inbox_unhold(sp->in, &back, &err) != STORE_OK)
		ut_log(LOG_ERR, "inbox: %s", err.msg);
	else if (back > 0)
		ut_log(LOG_NOTICE,
		       "inbox: %u texts set aside by an earlier run are "
		       "tried again",
		       back);
	sp->swept = sp->again = now_s();
	return sp;
}

/* spool_run - start the thread; what a previous run left goes at once */
bool
spool_run(struct spool *sp, struct mailer *m)
{
	sp->mailer = m;
	pthread_mutex_init(&sp->mu, NULL);
	pthread_mutex_init(&sp->conf_mu, NULL);
	pthread_cond_init(&sp->cv, NULL);
	sp->woken = true;
	if (pthread_create(&sp->thread, NULL, run, sp) != 0) {
		ut_log(LOG_ERR, "inbox: no thread");
		pthread_mutex_destroy(&sp->mu);
		pthread_mutex_destroy(&sp->conf_mu);
		pthread_cond_destroy(&sp->cv);
		return false;
	}
	sp->started = true;
	return true;
}

struct store *
spool_inbox(struct spool *sp)
{
	return sp ? sp->runner_in : NULL;
}

void
spool_wake(struct spool *sp)
{
	if (!sp || !sp->started)
		return;
	pthread_mutex_lock(&sp->mu);
	sp->woken = true;
	pthread_cond_signal(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
}

void
spool_set_conf(struct spool *sp, const struct conf *c)
{
	if (!sp)
		return;
	if (!sp->started) {
		sp->c = c;
		return;
	}
	pthread_mutex_lock(&sp->conf_mu);
	sp->c = c;
	pthread_mutex_unlock(&sp->conf_mu);
}

/* spool_stop - a last drain (SPOOL_LAST seconds), then stop and close */
void
spool_stop(struct spool **spp)
{
	struct spool *sp = *spp;

	if (!sp)
		return;
	if (sp->started) {
		pthread_mutex_lock(&sp->mu);
		sp->stopping = true;
		pthread_cond_signal(&sp->cv);
		pthread_mutex_unlock(&sp->mu);
		pthread_join(sp->thread, NULL);
		pthread_mutex_destroy(&sp->mu);
		pthread_mutex_destroy(&sp->conf_mu);
		pthread_cond_destroy(&sp->cv);
	}
	discard(sp);
	*spp = NULL;
}
