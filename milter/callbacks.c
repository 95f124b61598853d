/*
 * NAME
 *	callbacks - smsmilter's libmilter callbacks
 * DESCRIPTION
 *	negotiate	asks for only what is needed: no connect, HELO,
 *			unknown or end-of-header events; no replies to
 *			MAIL, headers and body chunks; the macros
 *			{auth_authen}, {client_addr} and {i} at MAIL.
 *	envfrom		starts a transaction: sender, SIZE=, ENVID= and
 *			RET= (RFC 3461, for the reports), macros.
 *	envrcpt		decides for each SMS recipient now (see
 *			rcpt_check); others are counted and left alone.
 *	data		accepts mail with no SMS recipient, so that its
 *			headers and body never cross the milter.
 *	header, body	collect the mail up to MaxMessageSize.
 *	eom		renders the text, queues one message per phone in
 *			one group commit, then removes the SMS
 *			recipients (discarding the mail when none is
 *			left) or tempfails with nothing removed.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "milter/milter_int.h"
#include "util/util.h"

static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned active;	      /* transactions open (MAIL seen, not ended) */
static unsigned in_eom;	      /* end-of-message jobs running */
static struct timespec heard; /* when the MTA last said anything */

/* sessions_active - transactions in progress */
unsigned
sessions_active(void)
{
	unsigned n;

	pthread_mutex_lock(&active_mu);
	n = active;
	pthread_mutex_unlock(&active_mu);
	return n;
}

/* sessions_busy - transactions worth waiting for at a stop; milter_int.h */
unsigned
sessions_busy(unsigned idle_ms)
{
	struct timespec now;
	long long ms;
	unsigned n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&active_mu);
	ms = (long long)(now.tv_sec - heard.tv_sec) * 1000 +
	     (now.tv_nsec - heard.tv_nsec) / 1000000;
	n = in_eom + (ms < (long long)idle_ms ? active + 1 : 0);
	pthread_mutex_unlock(&active_mu);
	return n;
}

static void
active_add(int d)
{
	pthread_mutex_lock(&active_mu);
	active = (unsigned)((int)active + d);
	pthread_mutex_unlock(&active_mu);
}

/* heard_now - the MTA said something (a stop waits while it talks) */
static void
heard_now(int eom)
{
	pthread_mutex_lock(&active_mu);
	clock_gettime(CLOCK_MONOTONIC, &heard);
	in_eom = (unsigned)((int)in_eom + eom);
	pthread_mutex_unlock(&active_mu);
}

/* txn_reset - forget the transaction (not the connection) */
static void
txn_reset(struct session *s)
{
	unsigned i;

	for (i = 0; i < s->nrcpts; i++) {
		free(s->rcpts[i].addr);
		free(s->rcpts[i].phones);
	}
	free(s->rcpts);
	for (i = 0; i < s->nar; i++)
		free(s->ar[i]);
	free(s->schedule);
	free(s->want_sender);
	ut_buf_clear(&s->raw);
	if (s->cf)
		conf_release(s->cf);
	if (s->in_txn)
		active_add(-1);
	{
		unsigned long pf = s->pflags;

		memset(s, 0, sizeof(*s));
		s->pflags = pf;
	}
}

/* safe_text - a reply text libmilter and SMTP accept: printable, no % */
static void
safe_text(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		unsigned char ch = (unsigned char)*in;

		out[n++] = ch == '%'		       ? '#'
			   : (ch < 0x20 || ch == 0x7f) ? ' '
						       : (char)ch;
	}
	out[n] = '\0';
}

/* milter_reply - send a verdict: TEMPFAIL for 4xx, REJECT for 5xx */
sfsistat
milter_reply(SMFICTX *ctx, const struct policy_verdict *v)
{
	char text[256];

	safe_text(v->text, text, sizeof(text));
	metrics_refusal(v->code, v->xcode);
	if (smfi_setreply(ctx, (char *)v->code, (char *)v->xcode, text) !=
	    MI_SUCCESS)
		ut_log(LOG_WARNING, "cannot set the reply %s %s %s", v->code,
		       v->xcode, text);
	return v->code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/*
 * esmtp_notify - the NOTIFY= of a RCPT's parameters (FAILURE when
 * absent or unreadable, as RFC 3461 has it)
 */
static unsigned
esmtp_notify(char **argv)
{
	unsigned bits;

	for (; argv && *argv; argv++)
		if (strncasecmp(*argv, "NOTIFY=", 7) == 0 &&
		    policy_notify(*argv + 7, &bits) == 0)
			return bits;
	return STORE_NOTIFY_FAILURE;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	     unsigned long f3, unsigned long *pf0, unsigned long *pf1,
	     unsigned long *pf2, unsigned long *pf3)
{
	struct session *s = calloc(1, sizeof(*s));
	unsigned long want = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN |
			     SMFIP_NOEOH | SMFIP_NR_MAIL | SMFIP_NR_HDR |
			     SMFIP_NR_BODY;

	heard_now(0);
	if (!s)
		return SMFIS_TEMPFAIL;
	*pf0 = f0 & (SMFIF_DELRCPT | SMFIF_ADDHDRS | SMFIF_SETSYMLIST);
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	s->pflags = *pf1;
	smfi_setpriv(ctx, s);
	if (*pf0 & SMFIF_SETSYMLIST) {
		smfi_setsymlist(ctx, SMFIM_ENVFROM,
				"{auth_authen} {client_addr} {i}");
		smfi_setsymlist(ctx, SMFIM_EOM, "{i}");
	}
	return SMFIS_CONTINUE;
}

/* session_of - the connection's state (made here if negotiate was not) */
static struct session *
session_of(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (s)
			smfi_setpriv(ctx, s);
	}
	return s;
}

/* noreply - the answer for a stage the MTA may not want answered */
static sfsistat
noreply(const struct session *s, unsigned long flag)
{
	return (s->pflags & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* macro - a macro's value, or "" */
static const char *
macro(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	return v ? v : "";
}

/*
 * xtext_decode - an ESMTP ENVID= value (RFC 3461 xtext: "+HH" for a
 * byte) decoded into out; "" when it is not xtext or decodes to
 * something other than printable ASCII, or does not fit
 */
static void
xtext_decode(const char *in, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *h, *l;
	size_t n = 0;
	int c;

	for (; *in; in++) {
		c = (unsigned char)*in;
		if (c == '+') {
			if (!in[1] || !in[2] || !(h = strchr(hex, in[1])) ||
			    !(l = strchr(hex, in[2])))
				break;
			c = (int)((h - hex) * 16 + (l - hex));
			in += 2;
		}
		if (c < 0x20 || c > 0x7e || n + 1 >= size)
			break;
		out[n++] = (char)c;
	}
	out[*in ? 0 : n] = '\0';
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = session_of(ctx);
	char **a;

	heard_now(0);
	if (!s)
		return SMFIS_TEMPFAIL;
	txn_reset(s);
	s->cf = conf_acquire();
	s->in_txn = true;
	active_add(1);
	policy_bare_addr(argv[0], s->from, sizeof(s->from));
	snprintf(s->qid, sizeof(s->qid), "%s", macro(ctx, "i"));
	if (!s->qid[0])
		snprintf(s->qid, sizeof(s->qid), "NOQUEUE");
	snprintf(s->auth, sizeof(s->auth), "%s", macro(ctx, "{auth_authen}"));
	snprintf(s->client, sizeof(s->client), "%s",
		 macro(ctx, "{client_addr}"));
	for (a = argv + 1; *a; a++) {
		if (strncasecmp(*a, "SIZE=", 5) == 0)
			s->size = atoll(*a + 5);
		else if (strncasecmp(*a, "ENVID=", 6) == 0)
			xtext_decode(*a + 6, s->envid, sizeof(s->envid));
		else if (strcasecmp(*a, "RET=HDRS") == 0)
			s->ret = STORE_RET_HDRS;
		else if (strcasecmp(*a, "RET=FULL") == 0)
			s->ret = STORE_RET_FULL;
	}
	return noreply(s, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct session *s = smfi_getpriv(ctx);
	struct policy_verdict v;
	struct policy_rcpt r;
	struct entry e = {0};

	heard_now(0);
	if (!s || !s->cf)
		return SMFIS_TEMPFAIL;
	if (!policy_parse_rcpt(s->cf->conf, argv[0], &r)) {
		s->others++;
		return SMFIS_CONTINUE;
	}
	e.notify = esmtp_notify(argv + 1);
	if (s->from[0] && !rcpt_check(s, &r, &e, &v)) {
		char text[sizeof(v.text)], to[300];

		free(e.phones);
		snprintf(to, sizeof(to), "%s@%s", r.local, r.domain);
		ut_log(LOG_NOTICE,
		       "%s: reject: RCPT from %s: %s %s %s; from=<%s> to=<%s>",
		       s->qid, s->client[0] ? s->client : "local", v.code,
		       v.xcode, ut_log_mask(v.text, text, sizeof(text)),
		       s->from, ut_log_mask(to, to, sizeof(to)));
		return milter_reply(ctx, &v);
	}
	if (s->nrcpts == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 4;
		struct entry *n = realloc(s->rcpts, cap * sizeof(*n));

		if (!n) {
			free(e.phones);
			return SMFIS_TEMPFAIL;
		}
		s->rcpts = n;
		s->cap = cap;
	}
	e.addr = strdup(argv[0]);
	if (!e.addr) {
		free(e.phones);
		return SMFIS_TEMPFAIL;
	}
	s->rcpts[s->nrcpts++] = e;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_data(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	heard_now(0);
	if (s && s->nrcpts == 0) {
		txn_reset(s);
		return SMFIS_ACCEPT; /* no phone: the rest never comes here */
	}
	return SMFIS_CONTINUE;
}

/* collect - append to the raw mail, up to the limit */
static void
collect(struct session *s, const char *p, size_t n)
{
	if (s->too_big)
		return;
	if (s->raw.len + n > (size_t)s->cf->conf->max_message_size) {
		s->too_big = true;
		ut_buf_clear(&s->raw);
		return;
	}
	ut_buf_add(&s->raw, p, n);
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct session *s = smfi_getpriv(ctx);
	const struct conf *c;
	const char *why;

	if (!s || !s->cf)
		return SMFIS_TEMPFAIL;
	c = s->cf->conf;
	if (!s->noise && policy_noise(name, value, &why)) {
		s->noise = why;
		s->noise_ours = strncasecmp(name, "X-SMS-", 6) == 0;
	}
	if (strcasecmp(name, "Authentication-Results") == 0 &&
	    policy_ar_ours(c, value)) {
		if (s->nar < sizeof(s->ar) / sizeof(s->ar[0]))
			s->ar[s->nar++] = strdup(value);
		else
			s->ar_overflow = true;
	}
	if (!s->schedule && (strcasecmp(name, "X-SMS-Schedule") == 0 ||
			     strcasecmp(name, "Deferred-Delivery") == 0))
		s->schedule = strdup(value);
	if (!s->want_sender && strcasecmp(name, "X-SMS-Sender") == 0)
		s->want_sender = strdup(value);
	collect(s, name, strlen(name));
	collect(s, ": ", 2);
	collect(s, value, strlen(value));
	collect(s, "\r\n", 2);
	return noreply(s, SMFIP_NR_HDR);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct session *s = smfi_getpriv(ctx);

	heard_now(0);
	if (!s || !s->cf)
		return SMFIS_TEMPFAIL;
	if (!s->in_body) {
		s->in_body = true;
		collect(s, "\r\n", 2); /* the line between header and body */
	}
	collect(s, (const char *)chunk, len);
	return noreply(s, SMFIP_NR_BODY);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);
	const char *qid;
	sfsistat rc;

	if (!s || !s->cf)
		return SMFIS_TEMPFAIL;
	heard_now(1);
	qid = macro(ctx, "i");
	if (*qid)
		snprintf(s->qid, sizeof(s->qid), "%s", qid);
	rc = eom_run(ctx, s);
	txn_reset(s);
	heard_now(-1);
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	if (s)
		txn_reset(s);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);

	if (s) {
		txn_reset(s);
		free(s);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = "smsmilter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_DELRCPT | SMFIF_ADDHDRS | SMFIF_SETSYMLIST,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_data = cb_data,
    .xxfi_negotiate = cb_negotiate,
};
