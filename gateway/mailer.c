/*
 * NAME
 *	mailer - the store's mail queue out over SMTP (libetpan)
 * DESCRIPTION
 *	Delivery reports the runner composes, and those the milter queued
 *	for refused texts, wait in the store's mail queue. A thread of
 *	its own (SMTP is blocking; the SMPP link must not wait for it)
 *	claims them with a lease, up to MAIL_BATCH at a time, and hands
 *	them to SmtpRelay in one session: EHLO, STARTTLS when SmtpTls
 *	asks, AUTH when SmtpUser is set, then for each MAIL FROM (null for
 *	reports), RCPT, DATA (RSET after a refusal; a new session after a
 *	broken one). A relay that is down or answers 4xx puts the mail
 *	back for MailRetryInterval; a 5xx fails it for good with the
 *	relay's words, and, in the same transaction, queues a mail to
 *	UndeliverableMailTo that says so and carries the one refused (a
 *	text from a phone whose owner's mailbox is refused reaches
 *	someone). The failed mail stays in the queue for smsctl
 *	undelivered. A mail to UndeliverableMailTo itself is never
 *	forwarded again: a refused fallback stays failed. Woken by
 *	mailer_wake() after the runner queues a mail, and every second;
 *	at once again while batches come full.
 *
 *	Before a batch goes, the photos and recordings its mails from
 *	phones link are fetched into them and stored so (media.c), or the
 *	mail is put back for later when a file may still come; a batch
 *	spends at most MEDIA_BUDGET on that, and the mails left wait for
 *	the next one.
 *
 *	Each mail's end (sent, again later, failed) is its own commit, so
 *	that a mailer killed after the relay took a mail sends it again
 *	at most once; this thread's store connection commits without
 *	waiting for the disk (synchronous NORMAL, whatever DatabaseSync
 *	says): what it writes only records that mail went out, and a
 *	system crash that loses the last of it can only make a mail go out
 *	twice, never lose one, while an fsync per mail capped the mail
 *	from phones at the disk's rate.
 *
 *	SmtpTls verify (and secure) checks the relay once the STARTTLS
 *	handshake is done and before another word is sent: libetpan is
 *	built with GnuTLS on Debian and cannot verify itself there
 *	(mailstream_ssl_set_server_certicate is "not implemented"), so
 *	the chain the relay presented (mailstream_get_certificate_chain)
 *	is verified here with GnuTLS against SmtpTlsCAFile, for a TLS
 *	server, and its first certificate must name SmtpTlsName or the
 *	SmtpRelay host (gnutls_x509_crt_check_hostname2: DNS names with
 *	RFC 6125 wildcards, addresses against iPAddress names). The
 *	handshake already proved the relay holds that certificate's key.
 *	A relay that fails is dropped before AUTH or MAIL, the subject,
 *	issuer and reason are logged, and the mail waits for the next try.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "util/util.h"

#define SMTP_TIMEOUT 30 /* seconds per SMTP command */
#define MAIL_BATCH   20
/* the seconds a batch may spend fetching its files (media_in.c), the
   fetch under way cut there, before the rest wait for the next */
#define MEDIA_BUDGET 600
/* a batch's lease outlives its slowest session (its fetching, then 4
   commands a mail, each up to SMTP_TIMEOUT), so another session never
   takes a mail still being sent; a run that dies leaves it to the
   next (runner.c) */
#define MAIL_LEASE (MEDIA_BUDGET + MAIL_BATCH * 4 * SMTP_TIMEOUT)
#define MAX_CHAIN  16 /* certificates of the relay looked at */

struct mailer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, woken;
	struct store *s;
	char owner[140];
	char host[256];
	unsigned port;
	int tls;       /* enum conf_tls */
	char *ca_file; /* SmtpTlsCAFile */
	char *name;    /* SmtpTlsName, else the relay's host */
	char user[128], password[128];
	long long retry;
	char fallback[320];  /* UndeliverableMailTo; "": none */
	char domain[256];    /* the first SmsDomains: From, Message-ID */
	struct media *media; /* photos and recordings fetched (media.c) */
	struct mailer *next; /* the other sessions (MailerSessions) */
};

/* is_address - whether name is an IPv4 or IPv6 address */
static bool
is_address(const char *name)
{
	unsigned char a[16];

	return inet_pton(AF_INET, name, a) == 1 ||
	       inet_pton(AF_INET6, name, a) == 1;
}

/* tls_setup - before the handshake: the server name (SNI), not for an
 * address (RFC 6066) */
static void
tls_setup(struct mailstream_ssl_context *ctx, void *data)
{
	const struct mailer *m = data;

	if (ctx && !is_address(m->name))
		mailstream_ssl_set_server_name(ctx, m->name);
}

/* describe - "subject <DN> issuer <DN>" of a certificate, into out,
 * control characters (the relay chose them) as "?" */
static void
describe(gnutls_x509_crt_t crt, char *out, size_t size)
{
	gnutls_datum_t subject = {NULL, 0}, issuer = {NULL, 0};
	char *p;

	gnutls_x509_crt_get_dn3(crt, &subject, 0);
	gnutls_x509_crt_get_issuer_dn3(crt, &issuer, 0);
	snprintf(out, size, "subject \"%s\" issuer \"%s\"",
		 subject.data ? (const char *)subject.data : "?",
		 issuer.data ? (const char *)issuer.data : "?");
	gnutls_free(subject.data);
	gnutls_free(issuer.data);
	for (p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* check_chain - certs[0..n) lead to a CA of m->ca_file and name
 * m->name; 0, or -1 with why */
static int
check_chain(const struct mailer *m, gnutls_x509_crt_t *certs, unsigned n,
	    char *why, size_t whysize)
{
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st purpose = {
	    .type = GNUTLS_DT_KEY_PURPOSE_OID,
	    .data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_SERVER,
	    .size = 0,
	};
	gnutls_datum_t reason = {NULL, 0};
	unsigned status = 0;
	char who[600];
	int rc = -1, r;

	describe(certs[0], who, sizeof(who));
	if ((r = gnutls_x509_trust_list_init(&tl, 0)) < 0) {
		snprintf(why, whysize, "TLS: %s", gnutls_strerror(r));
		return -1;
	}
	r = gnutls_x509_trust_list_add_trust_file(tl, m->ca_file, NULL,
						  GNUTLS_X509_FMT_PEM, 0, 0);
	if (r <= 0) {
		snprintf(
		    why, whysize,
		    "TLS: no CA certificate read from SmtpTlsCAFile %s%s%s",
		    m->ca_file, r < 0 ? ": " : "",
		    r < 0 ? gnutls_strerror(r) : "");
		goto out;
	}
	r = gnutls_x509_trust_list_verify_crt2(tl, certs, n, &purpose, 1, 0,
					       &status, NULL);
	if (r < 0) {
		snprintf(why, whysize, "TLS: relay certificate %s: %s", who,
			 gnutls_strerror(r));
		goto out;
	}
	if (status) {
		size_t len;

		gnutls_certificate_verification_status_print(
		    status, GNUTLS_CRT_X509, &reason, 0);
		len = reason.data ? strlen((const char *)reason.data) : 0;
		while (len > 0 && reason.data[len - 1] == ' ')
			reason.data[--len] = '\0';
		snprintf(why, whysize,
			 "TLS: relay certificate %s not verified with "
			 "SmtpTlsCAFile %s: %s",
			 who, m->ca_file,
			 len ? (const char *)reason.data : "?");
		gnutls_free(reason.data);
		goto out;
	}
	if (!gnutls_x509_crt_check_hostname2(certs[0], m->name, 0)) {
		snprintf(why, whysize,
			 "TLS: relay certificate %s does not name %s", who,
			 m->name);
		goto out;
	}
	rc = 0;
out:
	gnutls_x509_trust_list_deinit(tl, 1);
	return rc;
}

/* verify_relay - after STARTTLS: the relay's chain and name; 0, or -1
 * with why */
static int
verify_relay(const struct mailer *m, mailsmtp *smtp, char *why, size_t whysize)
{
	gnutls_x509_crt_t certs[MAX_CHAIN];
	unsigned char *leaf = NULL;
	carray *chain;
	unsigned n = 0, i;
	int rc = -1;

	/*
	 * The leaf first: libetpan 1.9.4's chain call returns an
	 * uninitialised pointer when the peer sent no certificate.
	 */
	if (mailstream_ssl_get_certificate(smtp->stream, &leaf) < 0) {
		free(leaf);
		snprintf(why, whysize,
			 "TLS: the relay presented no certificate");
		return -1;
	}
	free(leaf);
	chain = mailstream_get_certificate_chain(smtp->stream);
	if (!chain || carray_count(chain) == 0) {
		snprintf(why, whysize,
			 "TLS: the relay's certificates are gone");
		goto out;
	}
	for (i = 0; i < carray_count(chain) && n < MAX_CHAIN; i++) {
		const MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = {(unsigned char *)der->str,
				    (unsigned)der->len};

		if (gnutls_x509_crt_init(&certs[n]) < 0) {
			snprintf(why, whysize, "out of memory");
			goto out;
		}
		if (gnutls_x509_crt_import(certs[n++], &d,
					   GNUTLS_X509_FMT_DER) < 0) {
			snprintf(why, whysize,
				 "TLS: the relay's certificate %u is not "
				 "X.509",
				 i + 1);
			goto out;
		}
	}
	rc = check_chain(m, certs, n, why, whysize);
out:
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return rc;
}

/* relay_close - end a session with the relay (NULL is fine) */
static void
relay_close(mailsmtp **smtp)
{
	if (*smtp)
		mailsmtp_free(*smtp);
	*smtp = NULL;
}

/*
 * relay_open - a session with the relay, greeted, under TLS and logged
 * in as SmtpTls and SmtpUser ask; NULL with why set
 */
static mailsmtp *
relay_open(struct mailer *m, char *why, size_t whysize)
{
	mailsmtp *smtp = mailsmtp_new(0, NULL);
	int rc;

	if (!smtp) {
		snprintf(why, whysize, "out of memory");
		return NULL;
	}
	mailsmtp_set_timeout(smtp, SMTP_TIMEOUT);
	rc = mailsmtp_socket_connect(smtp, m->host, (uint16_t)m->port);
	if (rc != MAILSMTP_NO_ERROR) {
		snprintf(why, whysize, "cannot reach the relay %s:%u", m->host,
			 m->port);
		goto fail;
	}
	rc = mailesmtp_ehlo(smtp);
	if (rc == MAILSMTP_ERROR_NOT_IMPLEMENTED)
		rc = mailsmtp_helo(smtp);
	if (rc == MAILSMTP_NO_ERROR && m->tls != CONF_TLS_NONE) {
		if (smtp->esmtp & MAILSMTP_ESMTP_STARTTLS) {
			rc = mailsmtp_socket_starttls_with_callback(
			    smtp, tls_setup, m);
			if (rc != MAILSMTP_NO_ERROR) {
				snprintf(why, whysize,
					 "TLS: STARTTLS with the relay failed: "
					 "%s",
					 mailsmtp_strerror(rc));
				goto fail;
			}
			/* nothing more is said to a relay not verified */
			if (m->tls >= CONF_TLS_VERIFY &&
			    verify_relay(m, smtp, why, whysize) != 0)
				goto fail;
			rc = mailesmtp_ehlo(smtp);
		} else if (m->tls >= CONF_TLS_ENCRYPT) {
			snprintf(why, whysize,
				 "TLS: the relay offers no STARTTLS (SmtpTls "
				 "%s)",
				 m->tls == CONF_TLS_ENCRYPT  ? "encrypt"
				 : m->tls == CONF_TLS_VERIFY ? "verify"
							     : "secure");
			goto fail;
		}
	}
	if (rc == MAILSMTP_NO_ERROR && m->user[0])
		rc = mailsmtp_auth(smtp, m->user, m->password);
	if (rc == MAILSMTP_NO_ERROR)
		return smtp;
	snprintf(why, whysize, "the relay said: %d %s", smtp->response_code,
		 smtp->response ? smtp->response : "(nothing)");
fail:
	mailsmtp_free(smtp);
	return NULL;
}

/*
 * send_one - one mail through the relay, in the session *smtp (opened
 * when NULL, and kept for the next mail; closed and NULL when it can
 * take no more); 0 sent, 4 try later, 5 never
 */
static int
send_one(struct mailer *m, mailsmtp **smtp, const struct store_mail *mail,
	 char *why, size_t whysize)
{
	mailsmtp *t = *smtp;
	int rc, code;

	if (!t && !(t = *smtp = relay_open(m, why, whysize)))
		return 4;
	rc = mailsmtp_mail(t, mail->from);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_rcpt(t, mail->rcpt);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_data(t);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_data_message(t, (const char *)mail->data,
					   mail->len);
	if (rc == MAILSMTP_NO_ERROR)
		return 0;
	code = t->response_code;
	snprintf(why, whysize, "the relay said: %d %s", code,
		 t->response ? t->response : "(nothing)");
	/* one line: a multi-line answer's breaks become spaces */
	for (char *p = why; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	for (size_t n = strlen(why); n > 0 && why[n - 1] == ' ';)
		why[--n] = '\0';
	/*
	 * a refusal leaves the session usable once reset; anything else
	 * (the link broke, a timeout) ends it
	 */
	if (code < 400 || code >= 600 || mailsmtp_reset(t) != MAILSMTP_NO_ERROR)
		relay_close(smtp);
	return code >= 500 && code < 600 ? 5 : 4;
}

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

/*
 * run - claim, fetch the files the mails wait for, send (one session
 * with the relay for the batch), record; true when the batch was full
 * and more may be waiting
 */
static bool
run(struct mailer *m)
{
	struct store_mail *mails = NULL;
	struct store_error err;
	unsigned n = 0, i;
	char why[1024];
	bool ready[MAIL_BATCH];
	int64_t now = (int64_t)time(NULL);
	mailsmtp *smtp = NULL;

	if (store_mail_claim(m->s, m->owner, now, MAIL_LEASE, MAIL_BATCH,
			     &mails, &n, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: mail queue: %s", err.msg);
		return false;
	}
	for (i = 0; i < n; i++)
		ready[i] = (int64_t)time(NULL) - now < MEDIA_BUDGET
			       ? with_media(m, &mails[i], now + MEDIA_BUDGET)
			       : later(m, &mails[i]);
	for (i = 0; i < n; i++) {
		int kind;
		int rc;

		if (!ready[i])
			continue;
		kind = send_one(m, &smtp, &mails[i], why, sizeof(why));
		if (kind == 0) {
			rc = store_mail_sent(m->s, mails[i].id, m->owner, &err);
			metrics_add(M_MAIL_SENT);
			ut_log(LOG_INFO, "mail=%lld to=<%s> status=sent",
			       (long long)mails[i].id, mails[i].rcpt);
		} else if (kind == 5) {
			rc = refused(m, &mails[i], why, sizeof(why), &err);
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
	if (smtp)
		mailsmtp_quit(smtp);
	relay_close(&smtp);
	store_mails_free(&mails, n);
	return n == MAIL_BATCH;
}

static void *
mailer_main(void *arg)
{
	struct mailer *m = arg;
	struct timespec until;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		bool more;

		pthread_mutex_unlock(&m->mu);
		more = run(m);
		pthread_mutex_lock(&m->mu);
		if (m->stop)
			break;
		if (!m->woken && !more) {
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			pthread_cond_timedwait(&m->cv, &m->mu, &until);
		}
		m->woken = false;
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* discard - free a mailer whose thread is not running */
static void
discard(struct mailer *m)
{
	store_close(&m->s);
	media_free(&m->media);
	free(m->ca_file);
	free(m->name);
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
	m->ca_file = strdup(c->smtp_tls_ca_file);
	m->media = media_new(c);
	m->name =
	    strdup(c->smtp_tls_name && *c->smtp_tls_name ? c->smtp_tls_name
							 : c->smtp_relay.host);
	if (!m->ca_file || !m->name || !m->media) {
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
	snprintf(m->host, sizeof(m->host), "%s", c->smtp_relay.host);
	m->port = c->smtp_relay.port;
	m->tls = c->smtp_tls;
	snprintf(m->user, sizeof(m->user), "%s", c->smtp_user);
	snprintf(m->password, sizeof(m->password), "%s",
		 c->smtp_password ? c->smtp_password : "");
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

/* mailer_wake - there is mail to send: every session looks */
void
mailer_wake(struct mailer *m)
{
	for (; m; m = m->next) {
		pthread_mutex_lock(&m->mu);
		m->woken = true;
		pthread_cond_signal(&m->cv);
		pthread_mutex_unlock(&m->mu);
	}
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
