/*
 * NAME
 *	mailer - the store's mail queue out over SMTP (libetpan)
 * DESCRIPTION
 *	Delivery reports the runner composes, and those the milter queued
 *	for refused texts, wait in the store's mail queue. Threads of
 *	their own (SMTP is blocking; the SMPP link must not wait for it),
 *	MailerSessions of them, claim them with a lease, up to MailBatch
 *	at a time, and hand each batch to SmtpRelay in the session the
 *	thread keeps (relay.c: pipelined where the relay offers it),
 *	closed after MAIL_IDLE seconds without mail. A relay that is down
 *	or answers 4xx puts the mail back for MailRetryInterval; a 5xx
 *	fails it for good with the relay's words, and, in the same
 *	transaction, queues a mail to UndeliverableMailTo that says so
 *	and carries the one refused (a text from a phone whose owner's
 *	mailbox is refused reaches someone). The failed mail stays in the
 *	queue for smsctl undelivered. A mail to UndeliverableMailTo itself
 *	is never forwarded again: a refused fallback stays failed. Woken
 *	by mailer_wake() after mail is queued (one idle thread, none when
 *	one is about to claim), a thread lets mail gather MAIL_GATHER_MS
 *	before it claims; it also looks every second, and at once again
 *	while batches come full.
 *
 *	Before a batch goes, the photos and recordings its mails from
 *	phones link are fetched into them and stored so (media.c), or the
 *	mail is put back for later when a file may still come; a batch
 *	spends at most MEDIA_BUDGET on that, and the mails left wait for
 *	the next one.
 *
 *	The ends of a batch's mails (sent, again later, failed) are one
 *	commit after the relay answered for the batch, so that a mailer
 *	killed after the relay took mails sends each again at most once;
 *	this thread's store connection commits without waiting for the
 *	disk (synchronous NORMAL, whatever DatabaseSync says): what it
 *	writes only records that mail went out, and a system crash that
 *	loses the last of it can only make a mail go out twice, never
 *	lose one, while an fsync per mail capped the mail from phones at
 *	the disk's rate.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "util/util.h"

#define SMTP_TIMEOUT 30 /* seconds per SMTP command (relay.c) */
#define MAIL_IDLE    5	/* seconds a session is kept without mail */
/* milliseconds a woken thread lets mail gather before it claims: a
   flood of texts from phones makes batches, not a claim per commit */
#define MAIL_GATHER_MS 10
/* the seconds a batch may spend fetching its files (media_in.c), the
   fetch under way cut there, before the rest wait for the next */
#define MEDIA_BUDGET 600
/* a batch's lease outlives its slowest session (its fetching, then 4
   commands a mail, each up to SMTP_TIMEOUT), so another session never
   takes a mail still being sent; a run that dies leaves it to the
   next (runner.c) */
#define MAIL_LEASE(batch) (MEDIA_BUDGET + 4 * SMTP_TIMEOUT * (batch))

struct mailer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, woken, busy;
	bool gathering; /* woken, letting mail gather before its claim */
	struct store *s;
	char owner[140];
	struct relay relay;
	struct relay_session *session; /* kept between batches, or NULL */
	long long retry;
	unsigned batch;		  /* MailBatch: mails claimed at once */
	struct relay_result *res; /* the relay's answers, batch of them */
	bool *ready;		  /* which mails go, batch of them */
	char fallback[320];	  /* UndeliverableMailTo; "": none */
	char domain[256];	  /* the first SmsDomains: From, Message-ID */
	struct media *media;	  /* photos and recordings fetched (media.c) */
	struct mailer *next;	  /* the other sessions (MailerSessions) */
};

/*
 * fallback_compose - a mail to m->fallback saying why mail was refused,
 * with it attached whole; malloc'd into *out_r, or -1
 */
static int
fallback_compose(const struct mailer *m, const struct store_mail *mail,
		 const char *why, char **out_r, size_t *len_r)
{
	char mid[128], bound[128], date[64], head[4096], *out;
	time_t now = time(NULL);
	struct tm tm;
	int n;

	if (mp_new_message_id(m->domain, mid, sizeof(mid)) != MP_OK)
		return -1;
	/* a boundary of the id's left part: RFC 2046 allows no "@" */
	snprintf(bound, sizeof(bound), "%.*s", (int)strcspn(mid, "@"), mid);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = snprintf(
	    head, sizeof(head),
	    "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: Undeliverable mail for <%.256s>\r\n"
	    "Date: %s\r\n"
	    "Message-ID: <%s>\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "X-SMS-Undeliverable-Mail: %lld\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"=_undeliverable_%s\"\r\n"
	    "\r\n"
	    "--=_undeliverable_%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "smsgw could not deliver the attached mail to <%.256s>:\r\n"
	    "\r\n"
	    "  %.1000s\r\n"
	    "\r\n"
	    "It is sent here (UndeliverableMailTo) instead, and stays in\r\n"
	    "smsgw's store: smsctl undelivered lists it.\r\n"
	    "\r\n"
	    "--=_undeliverable_%s\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Content-Disposition: attachment\r\n"
	    "\r\n",
	    m->domain, m->fallback, mail->rcpt, date, mid, (long long)mail->id,
	    bound, bound, mail->rcpt, why, bound);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	out = malloc((size_t)n + mail->len + 2 * sizeof(mid) + 16);
	if (!out)
		return -1;
	memcpy(out, head, (size_t)n);
	memcpy(out + n, mail->data, mail->len);
	*len_r = (size_t)n + mail->len;
	*len_r += (size_t)sprintf(
	    out + *len_r, "%s--=_undeliverable_%s--\r\n",
	    mail->len && mail->data[mail->len - 1] == '\n' ? "" : "\r\n",
	    bound);
	*out_r = out;
	return 0;
}

/*
 * refused - the relay refused mail for good (why): fail it and, unless
 * it went to the fallback already, queue the fallback mail with it, as
 * one unit; the rc of the store
 */
static int
refused(struct mailer *m, const struct store_mail *mail, char *why,
	size_t whysize, struct store_error *err)
{
	char *fb = NULL, note[128];
	size_t len = 0;
	int64_t fb_id = 0;
	int rc;

	if (!m->fallback[0] || !strcasecmp(mail->rcpt, m->fallback))
		return store_mail_fail(m->s, mail->id, m->owner, why, err);
	if (fallback_compose(m, mail, why, &fb, &len) != 0) {
		ut_log(LOG_ERR, "mail=%lld: no mail to %s: out of memory",
		       (long long)mail->id, m->fallback);
		return store_mail_fail(m->s, mail->id, m->owner, why, err);
	}
	if ((rc = store_unit_begin(m->s, err)) != STORE_OK)
		goto out;
	rc = store_mail_enqueue(m->s, "", m->fallback, fb, len,
				(int64_t)time(NULL), &fb_id, err);
	if (rc == STORE_OK) {
		snprintf(note, sizeof(note), "; sent to <%.80s> as mail %lld",
			 m->fallback, (long long)fb_id);
		if (strlen(why) + strlen(note) < whysize)
			strcat(why, note);
		rc = store_mail_fail(m->s, mail->id, m->owner, why, err);
	}
	if (store_unit_end(m->s, rc == STORE_OK, err) != STORE_OK &&
	    rc == STORE_OK)
		rc = err->status ? (int)err->status : STORE_ETEMP;
	if (rc == STORE_OK) {
		ut_log(LOG_NOTICE,
		       "mail=%lld to=<%s> status=undeliverable fallback=<%s> "
		       "mail=%lld",
		       (long long)mail->id, mail->rcpt, m->fallback,
		       (long long)fb_id);
	}
out:
	free(fb);
	return rc;
}

/*
 * with_media - whether mail may go now: the files it links fetched
 * into it (and stored so), or none wanted; false when it waits (put
 * back for later) or is no longer ours
 */
static bool
with_media(struct mailer *m, struct store_mail *mail, int64_t until)
{
	struct store_error err;
	char *out = NULL, why[512];
	size_t len = 0;
	int64_t wait;
	int rc;

	switch (media_fill(m->media, mail, until, &out, &len, &wait, why,
			   sizeof(why))) {
	case MEDIA_NONE: return true;
	case MEDIA_AGAIN:
		rc = store_mail_retry(m->s, mail->id, m->owner,
				      (int64_t)time(NULL) + wait, why, &err);
		metrics_add(M_MAIL_DEFERRED);
		ut_log(LOG_INFO,
		       "mail=%lld to=<%s> status=deferred retry=%llds (%s)",
		       (long long)mail->id, mail->rcpt, (long long)wait, why);
		if (rc != STORE_OK)
			ut_log(LOG_ERR, "store: mail %lld: %s",
			       (long long)mail->id, err.msg);
		return false;
	case MEDIA_READY: break;
	}
	/* stored before it goes: a crash now does not fetch them again */
	if (store_mail_rewrite(m->s, mail->id, m->owner, out, len, &err) !=
	    STORE_OK) {
		ut_log(LOG_ERR, "store: mail %lld: %s", (long long)mail->id,
		       err.msg);
		free(out);
		return false;
	}
	free(mail->data);
	mail->data = (unsigned char *)out;
	mail->len = len;
	return true;
}

/*
 * later - a mail of a batch whose fetching took MEDIA_BUDGET already:
 * one that waits for files goes back, due now, for the next batch (the
 * lease must outlast the batch); true for the others
 */
static bool
later(struct mailer *m, struct store_mail *mail)
{
	struct mp_media_link link;
	struct store_error err;
	size_t n = 0;

	mp_media_wanted((const char *)mail->data, mail->len, &link, 1, &n);
	if (n == 0)
		return true;
	if (store_mail_retry(m->s, mail->id, m->owner, (int64_t)time(NULL),
			     "its files are fetched with the next batch",
			     &err) != STORE_OK)
		ut_log(LOG_ERR, "store: mail %lld: %s", (long long)mail->id,
		       err.msg);
	return false;
}

/* end - record the end of a mail the relay answered for (res) */
static void
end(struct mailer *m, struct store_mail *mail, struct relay_result *res)
{
	struct store_error err;
	int rc;

	if (res->kind == 0) {
		rc = store_mail_sent(m->s, mail->id, m->owner, &err);
		metrics_add(M_MAIL_SENT);
		ut_log(LOG_INFO, "mail=%lld to=<%s> status=sent",
		       (long long)mail->id, mail->rcpt);
	} else if (res->kind == 5) {
		rc = refused(m, mail, res->why, sizeof(res->why), &err);
		metrics_add(M_MAIL_FAILED);
		ut_log(LOG_WARNING, "mail=%lld to=<%s> status=failed (%s)",
		       (long long)mail->id, mail->rcpt, res->why);
	} else {
		rc = store_mail_retry(m->s, mail->id, m->owner,
				      (int64_t)time(NULL) + m->retry, res->why,
				      &err);
		metrics_add(M_MAIL_DEFERRED);
		ut_log(LOG_INFO,
		       "mail=%lld to=<%s> status=deferred retry=%llds (%s)",
		       (long long)mail->id, mail->rcpt, m->retry, res->why);
	}
	if (rc != STORE_OK)
		ut_log(LOG_ERR, "store: mail %lld: %s", (long long)mail->id,
		       err.msg);
}

/*
 * run - claim, fetch the files the mails wait for, send (the thread's
 * session with the relay), record (one commit); how many were claimed
 */
static unsigned
run(struct mailer *m)
{
	struct store_mail *mails = NULL;
	struct relay_result *res = m->res;
	struct store_error err;
	unsigned n = 0, i;
	bool *ready = m->ready, unit;
	int64_t now = (int64_t)time(NULL);

	if (store_mail_claim(m->s, m->owner, now, MAIL_LEASE(m->batch),
			     m->batch, &mails, &n, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: mail queue: %s", err.msg);
		return 0;
	}
	for (i = 0; i < n; i++)
		ready[i] = (int64_t)time(NULL) - now < MEDIA_BUDGET
			       ? with_media(m, &mails[i], now + MEDIA_BUDGET)
			       : later(m, &mails[i]);
	for (i = 0; i < n && !ready[i]; i++)
		;
	if (i < n) /* none ready: no session for nothing */
		relay_send(&m->relay, &m->session, mails, ready, n, res);
	/* each end alone when the store cannot take them as one */
	unit = n > 0 && store_unit_begin(m->s, &err) == STORE_OK;
	for (i = 0; i < n; i++)
		if (ready[i])
			end(m, &mails[i], &res[i]);
	if (unit && store_unit_end(m->s, true, &err) != STORE_OK)
		ut_log(LOG_ERR,
		       "store: the ends of %u mails: %s (their leases "
		       "run out and they go again)",
		       n, err.msg);
	store_mails_free(&mails, n);
	return n;
}

/* mailer_main - run while mail comes; the session closed when idle */
static void *
mailer_main(void *arg)
{
	struct mailer *m = arg;
	struct timespec until;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		struct timespec gather = {0, MAIL_GATHER_MS * 1000000L};
		bool woken = m->woken;
		unsigned n;

		m->busy = true;
		m->woken = false;
		m->gathering = woken;
		pthread_mutex_unlock(&m->mu);
		if (woken) {
			nanosleep(&gather, NULL);
			pthread_mutex_lock(&m->mu);
			m->gathering = false;
			pthread_mutex_unlock(&m->mu);
		}
		n = run(m);
		if (n == 0 && m->session &&
		    relay_idle(m->session, time(NULL)) >= MAIL_IDLE)
			relay_close(&m->session, true);
		pthread_mutex_lock(&m->mu);
		m->busy = false;
		if (m->stop)
			break;
		if (!m->woken && n < m->batch) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&m->cv, &m->mu, &until);
		}
	}
	pthread_mutex_unlock(&m->mu);
	relay_close(&m->session, true);
	return NULL;
}

/* discard - free a mailer whose thread is not running */
static void
discard(struct mailer *m)
{
	store_close(&m->s);
	media_free(&m->media);
	free(m->res);
	free(m->ready);
	free(m->relay.ca_file);
	free(m->relay.name);
	free(m);
}

/* worker_start - mail thread k, with its own store connection */
static struct mailer *
worker_start(const struct conf *c, const char *lease_owner, unsigned k)
{
	struct mailer *m = calloc(1, sizeof(*m));
	struct store_error err;

	if (!m)
		return NULL;
	m->relay.ca_file = strdup(c->smtp_tls_ca_file);
	m->media = media_new(c);
	m->relay.name =
	    strdup(c->smtp_tls_name && *c->smtp_tls_name ? c->smtp_tls_name
							 : c->smtp_relay.host);
	m->batch = c->mail_batch > 0 ? (unsigned)c->mail_batch : 1;
	m->res = calloc(m->batch, sizeof(*m->res));
	m->ready = calloc(m->batch, sizeof(*m->ready));
	if (!m->relay.ca_file || !m->relay.name || !m->media || !m->res ||
	    !m->ready) {
		discard(m);
		return NULL;
	}
	/* no fsync per mail: see the top of this file */
	m->s = store_open(c->database, STORE_SYNC_NORMAL, &err);
	if (!m->s) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		discard(m);
		return NULL;
	}
	if (k == 0)
		snprintf(m->owner, sizeof(m->owner), "%s/mail", lease_owner);
	else
		snprintf(m->owner, sizeof(m->owner), "%s/mail.%u", lease_owner,
			 k);
	snprintf(m->relay.host, sizeof(m->relay.host), "%s",
		 c->smtp_relay.host);
	m->relay.port = c->smtp_relay.port;
	m->relay.tls = c->smtp_tls;
	snprintf(m->relay.user, sizeof(m->relay.user), "%s", c->smtp_user);
	snprintf(m->relay.password, sizeof(m->relay.password), "%s",
		 c->smtp_password ? c->smtp_password : "");
	m->relay.pipelining = c->smtp_pipelining;
	m->retry = c->mail_retry_interval;
	snprintf(m->fallback, sizeof(m->fallback), "%s",
		 c->undeliverable_mail_to ? c->undeliverable_mail_to : "");
	snprintf(m->domain, sizeof(m->domain), "%s", c->sms_domains.v[0]);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	/* mail a previous run was sending when it died goes out again */
	if (store_mail_release(m->s, m->owner, &err) != STORE_OK)
		ut_log(LOG_ERR, "store: %s", err.msg);
	if (pthread_create(&m->thread, NULL, mailer_main, m) != 0) {
		pthread_mutex_destroy(&m->mu);
		pthread_cond_destroy(&m->cv);
		discard(m);
		return NULL;
	}
	return m;
}

/* mailer_start - MailerSessions mail threads, each with its session */
struct mailer *
mailer_start(const struct conf *c, const char *lease_owner)
{
	struct mailer *first = NULL, **tail = &first;
	unsigned k,
	    n = c->mailer_sessions > 0 ? (unsigned)c->mailer_sessions : 1;

	for (k = 0; k < n; k++) {
		if (!(*tail = worker_start(c, lease_owner, k))) {
			if (k == 0)
				return NULL;
			ut_log(LOG_WARNING,
			       "mail out: %u of %u sessions started", k, n);
			break;
		}
		tail = &(*tail)->next;
	}
	return first;
}

/* wake - wake session m when idle (all: busy or not); whether it was */
static bool
wake(struct mailer *m, bool all)
{
	bool idle;

	pthread_mutex_lock(&m->mu);
	idle = !m->busy;
	if (idle || all) {
		m->woken = true;
		pthread_cond_signal(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	return idle;
}

/*
 * mailer_wake - there is mail to send: the first session about to
 * claim, else the first idle one, looks (one that finds its batch full
 * runs again at once); when every one is busy, each looks again after
 * its batch
 */
void
mailer_wake(struct mailer *m)
{
	struct mailer *k;
	bool gathering = false;

	for (k = m; k && !gathering; k = k->next) {
		pthread_mutex_lock(&k->mu);
		gathering = k->gathering;
		pthread_mutex_unlock(&k->mu);
	}
	if (gathering)
		return;
	for (k = m; k; k = k->next)
		if (wake(k, false))
			return;
	for (k = m; k; k = k->next)
		wake(k, true);
}

/* mailer_stop - finish the mails being sent, stop, free */
void
mailer_stop(struct mailer **mp)
{
	struct mailer *m, *next;

	for (m = *mp; m; m = m->next) {
		pthread_mutex_lock(&m->mu);
		m->stop = true;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
	}
	for (m = *mp; m; m = next) {
		next = m->next;
		pthread_join(m->thread, NULL);
		pthread_mutex_destroy(&m->mu);
		pthread_cond_destroy(&m->cv);
		discard(m);
	}
	*mp = NULL;
}
