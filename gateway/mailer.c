/*
 * NAME
 *	mailer - the store's mail queue out over SMTP (libetpan)
 * DESCRIPTION
 *	Delivery reports the runner composes, and those the milter queued
 *	for refused texts, wait in the store's mail queue. A thread of
 *	its own (SMTP is blocking; the SMPP link must not wait for it)
 *	claims them with a lease and hands each to SmtpRelay: EHLO,
 *	STARTTLS when SmtpTls asks, AUTH when SmtpUser is set, MAIL FROM
 *	(null for reports), RCPT, DATA. A relay that is down or answers
 *	4xx puts the mail back for MailRetryInterval; a 5xx fails it for
 *	good with the relay's words. Woken by mailer_wake() after the
 *	runner queues a report, and every second.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "gateway/gateway_int.h"
#include "util/util.h"

#define SMTP_TIMEOUT 30 /* seconds per SMTP command */
#define MAIL_BATCH   20

struct mailer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, woken;
	struct store *s;
	char owner[140];
	char host[256];
	unsigned port;
	int tls; /* enum conf_tls */
	char user[128], password[128];
	long long retry;
};

/* send_one - one mail through the relay; 0 sent, 4 try later, 5 never */
static int
send_one(struct mailer *m, const struct store_mail *mail, char *why,
	 size_t whysize)
{
	mailsmtp *smtp = mailsmtp_new(0, NULL);
	int rc, kind = 4;

	if (!smtp) {
		snprintf(why, whysize, "out of memory");
		return 4;
	}
	mailsmtp_set_timeout(smtp, SMTP_TIMEOUT);
	rc = mailsmtp_socket_connect(smtp, m->host, (uint16_t)m->port);
	if (rc != MAILSMTP_NO_ERROR) {
		snprintf(why, whysize, "cannot reach the relay %s:%u", m->host,
			 m->port);
		goto out;
	}
	rc = mailesmtp_ehlo(smtp);
	if (rc == MAILSMTP_ERROR_NOT_IMPLEMENTED)
		rc = mailsmtp_helo(smtp);
	if (rc == MAILSMTP_NO_ERROR && m->tls != CONF_TLS_NO) {
		if (smtp->esmtp & MAILSMTP_ESMTP_STARTTLS) {
			rc = mailsmtp_socket_starttls(smtp);
			if (rc == MAILSMTP_NO_ERROR)
				rc = mailesmtp_ehlo(smtp);
		} else if (m->tls == CONF_TLS_REQUIRED) {
			snprintf(why, whysize,
				 "the relay offers no STARTTLS (SmtpTls "
				 "required)");
			goto out;
		}
	}
	if (rc == MAILSMTP_NO_ERROR && m->user[0])
		rc = mailsmtp_auth(smtp, m->user, m->password);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_mail(smtp, mail->from);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_rcpt(smtp, mail->rcpt);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_data(smtp);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_data_message(smtp, (const char *)mail->data,
					   mail->len);
	if (rc == MAILSMTP_NO_ERROR) {
		kind = 0;
		mailsmtp_quit(smtp);
		goto out;
	}
	snprintf(why, whysize, "the relay said: %d %s", smtp->response_code,
		 smtp->response ? smtp->response : "(nothing)");
	kind = smtp->response_code >= 500 && smtp->response_code < 600 ? 5 : 4;
out:
	mailsmtp_free(smtp);
	return kind;
}

/* run - claim, send, record */
static void
run(struct mailer *m)
{
	struct store_mail *mails = NULL;
	struct store_error err;
	unsigned n = 0, i;
	char why[300];
	int64_t now = (int64_t)time(NULL);

	if (store_mail_claim(m->s, m->owner, now, 300, MAIL_BATCH, &mails, &n,
			     &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: mail queue: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		int kind = send_one(m, &mails[i], why, sizeof(why));
		int rc;

		if (kind == 0) {
			rc = store_mail_sent(m->s, mails[i].id, m->owner, &err);
			metrics_add(M_MAIL_SENT);
			ut_log(LOG_INFO, "mail=%lld to=<%s> status=sent",
			       (long long)mails[i].id, mails[i].rcpt);
		} else if (kind == 5) {
			rc = store_mail_fail(m->s, mails[i].id, m->owner, why,
					     &err);
			metrics_add(M_MAIL_FAILED);
			ut_log(LOG_WARNING,
			       "mail=%lld to=<%s> status=failed (%s)",
			       (long long)mails[i].id, mails[i].rcpt, why);
		} else {
			rc = store_mail_retry(m->s, mails[i].id, m->owner,
					      (int64_t)time(NULL) + m->retry,
					      why, &err);
			metrics_add(M_MAIL_DEFERRED);
			ut_log(LOG_INFO,
			       "mail=%lld to=<%s> status=deferred retry=%llds "
			       "(%s)",
			       (long long)mails[i].id, mails[i].rcpt, m->retry,
			       why);
		}
		if (rc != STORE_OK)
			ut_log(LOG_ERR, "store: mail %lld: %s",
			       (long long)mails[i].id, err.msg);
	}
	store_mails_free(&mails, n);
}

static void *
mailer_main(void *arg)
{
	struct mailer *m = arg;
	struct timespec until;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		pthread_mutex_unlock(&m->mu);
		run(m);
		pthread_mutex_lock(&m->mu);
		if (m->stop)
			break;
		if (!m->woken) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&m->cv, &m->mu, &until);
		}
		m->woken = false;
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* mailer_start - the mail thread, with its own store connection */
struct mailer *
mailer_start(const struct conf *c, const char *lease_owner)
{
	struct mailer *m = calloc(1, sizeof(*m));
	struct store_error err;

	if (!m)
		return NULL;
	m->s = store_open(c->database, (enum store_sync)c->database_sync, &err);
	if (!m->s) {
		ut_log(LOG_ERR, "store %s: %s", c->database, err.msg);
		free(m);
		return NULL;
	}
	snprintf(m->owner, sizeof(m->owner), "%s/mail", lease_owner);
	snprintf(m->host, sizeof(m->host), "%s", c->smtp_relay.host);
	m->port = c->smtp_relay.port;
	m->tls = c->smtp_tls;
	snprintf(m->user, sizeof(m->user), "%s", c->smtp_user);
	snprintf(m->password, sizeof(m->password), "%s",
		 c->smtp_password ? c->smtp_password : "");
	m->retry = c->mail_retry_interval;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	/* mail a previous run was sending when it died goes out again */
	if (store_mail_release(m->s, m->owner, &err) != STORE_OK)
		ut_log(LOG_ERR, "store: %s", err.msg);
	if (pthread_create(&m->thread, NULL, mailer_main, m) != 0) {
		store_close(&m->s);
		free(m);
		return NULL;
	}
	return m;
}

/* mailer_wake - there is mail to send */
void
mailer_wake(struct mailer *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->woken = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

/* mailer_stop - finish the mail being sent, stop, free */
void
mailer_stop(struct mailer **mp)
{
	struct mailer *m = *mp;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	pthread_join(m->thread, NULL);
	store_close(&m->s);
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m);
	*mp = NULL;
}
