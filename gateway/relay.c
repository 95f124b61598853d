/*
 * NAME
 *	relay - sessions with SmtpRelay (libetpan): opened, checked, kept
 * DESCRIPTION
 *	A session is opened with EHLO, STARTTLS when SmtpTls asks, AUTH
 *	when SmtpUser is set, and kept between batches of the mail queue
 *	(mailer.c closes it when idle). relay_send hands a batch over it:
 *	for each mail MAIL FROM (null for reports), RCPT, DATA, the
 *	message, and RSET after a refusal. Where the relay offers
 *	PIPELINING (RFC 2920), a mail costs one round trip: its MAIL,
 *	RCPT and DATA go in one write, and once the relay answers 354 its
 *	message goes in the next with the following mail's MAIL, RCPT and
 *	DATA (RFC 2920 lets message content begin a group), the answers
 *	read in the order of the commands. Otherwise each command waits
 *	for its answer. A kept session that proves closed before it
 *	answered anything is opened again once; a session that breaks
 *	mid-batch leaves the mails without an answer for later.
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
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>

#include "gateway/gateway_int.h"

#define SMTP_TIMEOUT 30 /* seconds per SMTP command */
#define MAX_CHAIN    16 /* certificates of the relay looked at */
#define NO_ANSWER    -1 /* a result's kind before the relay answered */

/* A session with the relay. */
struct relay_session {
	mailsmtp *smtp;
	bool pipelining; /* the relay offers PIPELINING */
	time_t used;	 /* when it last carried mail */
	char *out;	 /* commands and messages not yet written */
	size_t len, size;
	bool full; /* out could not grow */
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
	const struct relay *m = data;

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
check_chain(const struct relay *m, gnutls_x509_crt_t *certs, unsigned n,
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
verify_relay(const struct relay *m, mailsmtp *smtp, char *why, size_t whysize)
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

/*
 * session_open - a session with the relay, greeted, under TLS and logged
 * in as SmtpTls and SmtpUser ask; NULL with why set
 */
static mailsmtp *
session_open(const struct relay *m, char *why, size_t whysize)
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
			    smtp, tls_setup, (void *)m);
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

/* relay_close - end a session, with QUIT when quit (NULL is fine) */
void
relay_close(struct relay_session **sp, bool quit)
{
	struct relay_session *t = *sp;

	if (!t)
		return;
	if (quit && t->smtp)
		mailsmtp_quit(t->smtp);
	if (t->smtp)
		mailsmtp_free(t->smtp);
	free(t->out);
	free(t);
	*sp = NULL;
}

/* relay_idle - seconds since session t last carried mail */
long long
relay_idle(const struct relay_session *t, time_t now)
{
	return (long long)(now - t->used);
}

/* relay_open - a session with the relay; NULL with why set */
static struct relay_session *
relay_open(const struct relay *r, char *why, size_t whysize)
{
	struct relay_session *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(why, whysize, "out of memory");
		return NULL;
	}
	if (!(t->smtp = session_open(r, why, whysize))) {
		free(t);
		return NULL;
	}
	t->pipelining =
	    r->pipelining && (t->smtp->esmtp & MAILSMTP_ESMTP_PIPELINING) != 0;
	t->used = time(NULL);
	return t;
}

/* one_line - why as one line: line breaks spaces, no trailing space */
static void
one_line(char *why)
{
	size_t n;

	for (char *p = why; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	for (n = strlen(why); n > 0 && why[n - 1] == ' ';)
		why[--n] = '\0';
}

/* kind - what a final answer means: 0 taken, 5 never, 4 later */
static int
kind(int code)
{
	return code >= 200 && code < 300   ? 0
	       : code >= 500 && code < 600 ? 5
					   : 4;
}

/*
 * send_one - one mail through the session t, each command waiting for
 * its answer; 0 sent, 4 try later, 5 never, NO_ANSWER when the session
 * broke before the relay answered anything (t can take no more when
 * the result is not 0 or 5)
 */
static int
send_one(struct relay_session *t, const struct store_mail *mail, char *why,
	 size_t whysize, bool *usable_r)
{
	mailsmtp *smtp = t->smtp;
	int rc, code;
	bool answered = false;

	*usable_r = true;
	rc = mailsmtp_mail(smtp, mail->from);
	answered = smtp->response_code != 0;
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_rcpt(smtp, mail->rcpt);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_data(smtp);
	if (rc == MAILSMTP_NO_ERROR)
		rc = mailsmtp_data_message(smtp, (const char *)mail->data,
					   mail->len);
	if (rc == MAILSMTP_NO_ERROR)
		return 0;
	code = smtp->response_code;
	snprintf(why, whysize, "the relay said: %d %s", code,
		 smtp->response ? smtp->response : "(nothing)");
	one_line(why);
	/*
	 * a refusal leaves the session usable once reset; anything else
	 * (the link broke, a timeout) ends it
	 */
	if (code < 400 || code >= 600 ||
	    mailsmtp_reset(smtp) != MAILSMTP_NO_ERROR)
		*usable_r = false;
	if (!answered)
		return NO_ANSWER;
	return code >= 500 && code < 600 ? 5 : 4;
}

/* put - add len bytes to what goes in the next write */
static void
put(struct relay_session *t, const char *s, size_t len)
{
	if (t->len + len + 1 > t->size) {
		size_t size = (t->len + len + 1) * 2;
		char *p = realloc(t->out, size);

		if (!p) {
			t->full = true;
			return;
		}
		t->out = p;
		t->size = size;
	}
	memcpy(t->out + t->len, s, len);
	t->len += len;
}

/* put_command - add "VERB:<addr>" or "VERB" and CRLF */
static void
put_command(struct relay_session *t, const char *verb, const char *addr)
{
	put(t, verb, strlen(verb));
	if (addr) {
		put(t, ":<", 2);
		put(t, addr, strlen(addr));
		put(t, ">", 1);
	}
	put(t, "\r\n", 2);
}

/*
 * put_message - add a message as DATA sends it (as libetpan's
 * mailstream_send_data does): each line ended by CRLF, LF or CR ends in
 * CRLF, a line that begins with "." gets another, then "\r\n.\r\n"
 */
static void
put_message(struct relay_session *t, const unsigned char *data, size_t len)
{
	const char *p = (const char *)data, *end = p + len;

	while (p < end) {
		const char *e = p;

		if (*p == '.')
			put(t, ".", 1);
		while (e < end && *e != '\r' && *e != '\n')
			e++;
		put(t, p, (size_t)(e - p));
		if (e == end)
			break;
		put(t, "\r\n", 2);
		p = e + (*e == '\r' && e + 1 < end && e[1] == '\n' ? 2 : 1);
	}
	put(t, "\r\n.\r\n", 5);
}

/* flush - write what was put; -1 when the session broke */
static int
flush(struct relay_session *t)
{
	int rc = 0;

	if (t->full ||
	    (t->len && mailstream_write(t->smtp->stream, t->out, t->len) < 0) ||
	    mailstream_flush(t->smtp->stream) < 0)
		rc = -1;
	t->len = 0;
	t->full = false;
	return rc;
}

/*
 * answer - read one answer (its lines); its code, 0 when the session
 * broke; the words in why ("the relay said: CODE TEXT", one line)
 */
static int
answer(struct relay_session *t, char *why, size_t whysize)
{
	size_t n = 0;
	int code = 0;
	char *line;

	for (;;) {
		line = mailstream_read_line_remove_eol(t->smtp->stream,
						       t->smtp->line_buffer);
		if (!line || strlen(line) < 3 ||
		    !isdigit((unsigned char)line[0]) ||
		    !isdigit((unsigned char)line[1]) ||
		    !isdigit((unsigned char)line[2]))
			return 0;
		if (code == 0) {
			code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
			       (line[2] - '0');
			n = (size_t)snprintf(why, whysize, "the relay said: %d",
					     code);
		}
		if (n < whysize && line[3] && line[4])
			n += (size_t)snprintf(why + n, whysize - n, " %s",
					      line + 4);
		if (line[3] != '-')
			break;
	}
	one_line(why);
	return code;
}

/* envelope - add a mail's MAIL, RCPT and DATA */
static void
envelope(struct relay_session *t, const struct store_mail *mail)
{
	put_command(t, "MAIL FROM", mail->from);
	put_command(t, "RCPT TO", mail->rcpt);
	put_command(t, "DATA", NULL);
}

/* next - the first i at or after from with go[i], else n */
static unsigned
next(const bool *go, unsigned n, unsigned from)
{
	while (from < n && !go[from])
		from++;
	return from;
}

/*
 * pipelined - the batch over t in groups (see the top of this file);
 * false when the session broke, the mails without an answer left
 * NO_ANSWER; *answered_r says whether the relay answered anything
 */
static bool
pipelined(struct relay_session *t, const struct store_mail *mails,
	  const bool *go, unsigned n, struct relay_result *res,
	  bool *answered_r)
{
	unsigned i = next(go, n, 0), prev = n, k;
	bool rset = false;
	char words[3][RELAY_WHY], scratch[RELAY_WHY];
	int code[3];

	*answered_r = false;
	if (i < n)
		envelope(t, &mails[i]);
	while (t->len > 0) {
		if (flush(t) != 0)
			return false;
		if (rset) {
			if (!answer(t, scratch, sizeof(scratch)))
				return false;
			rset = false;
		}
		if (prev < n) {
			int end =
			    answer(t, res[prev].why, sizeof(res[prev].why));

			if (!end)
				return false;
			*answered_r = true;
			res[prev].kind = kind(end);
			prev = n;
		}
		if (i >= n)
			break;
		/* MAIL, RCPT, DATA: the first refused tells why */
		for (k = 0; k < 3; k++) {
			if (!(code[k] = answer(t, words[k], sizeof(words[k]))))
				return false;
			*answered_r = true;
		}
		if (code[0] / 100 == 2 && code[1] / 100 == 2 &&
		    code[2] == 354) {
			put_message(t, mails[i].data, mails[i].len);
			prev = i;
		} else if (code[2] == 354) {
			return false; /* DATA taken, a command refused */
		} else {
			k = code[0] / 100 != 2 ? 0 : code[1] / 100 != 2 ? 1 : 2;
			res[i].kind = kind(code[k]) ? kind(code[k]) : 4;
			memcpy(res[i].why, words[k], sizeof(res[i].why));
			put_command(t, "RSET", NULL);
			rset = true;
		}
		if ((i = next(go, n, i + 1)) < n)
			envelope(t, &mails[i]);
	}
	return true;
}

/*
 * relay_send - the mails[i] with go[i] over *sp (opened when NULL),
 * each one's end in res[i].kind: 0 sent, 4 try later, 5 never (and
 * res[i].why); *sp is NULL after when the session can take no more
 */
void
relay_send(const struct relay *r, struct relay_session **sp,
	   const struct store_mail *mails, const bool *go, unsigned n,
	   struct relay_result *res)
{
	bool fresh = *sp == NULL, answered = false, ok = true;
	char why[RELAY_WHY] = "";
	unsigned i;

	for (i = 0; i < n; i++) {
		res[i].kind = NO_ANSWER;
		res[i].why[0] = '\0';
	}
	for (;;) {
		if (!*sp) {
			if (!(*sp = relay_open(r, why, sizeof(why))))
				break;
			fresh = true;
		}
		if ((*sp)->pipelining) {
			ok = pipelined(*sp, mails, go, n, res, &answered);
		} else {
			for (i = next(go, n, 0); ok && i < n;
			     i = next(go, n, i + 1)) {
				res[i].kind =
				    send_one(*sp, &mails[i], res[i].why,
					     sizeof(res[i].why), &ok);
				if (res[i].kind != NO_ANSWER)
					answered = true;
				else
					ok = false;
			}
		}
		if (ok) {
			(*sp)->used = time(NULL);
			break;
		}
		relay_close(sp, false);
		/* a kept session the relay had closed: once more, anew */
		if (fresh || answered)
			break;
		for (i = 0; i < n; i++)
			res[i].kind = NO_ANSWER;
	}
	for (i = 0; i < n; i++)
		if (go[i] && res[i].kind == NO_ANSWER) {
			res[i].kind = 4;
			if (!*sp && why[0])
				snprintf(res[i].why, sizeof(res[i].why), "%s",
					 why);
			else if (!res[i].why[0] ||
				 !strncmp(res[i].why, "the relay said: 2",
					  17) ||
				 !strncmp(res[i].why, "the relay said: 3", 17))
				snprintf(res[i].why, sizeof(res[i].why),
					 "the connection to the relay broke");
		}
}
