/*
 * NAME
 *	callbacks - smsmilter's libmilter callbacks
 * DESCRIPTION
 *	negotiate	asks for only what is needed: no connect, HELO,
 *			unknown or end-of-header events; no replies to
 *			MAIL, headers and body chunks; the macros
 *			{auth_authen}, {client_addr} and {i} at MAIL.
 *	envfrom		starts a transaction: sender, SIZE=, macros.
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

/* An accepted SMS recipient. */
struct entry {
	char *addr;	    /* as the MTA gave it, for smfi_delrcpt */
	char group[128];    /* a group's name, or "" */
	char tag[33];	    /* a verified reply tag, or "" */
	char (*phones)[20]; /* E.164 numbers */
	unsigned nphones;
	unsigned notify;	 /* STORE_NOTIFY_* */
	bool dmarc;		 /* allowed only if the mail passes DMARC */
	struct policy_verdict v; /* set when refused after RCPT */
};

/* One SMTP connection; its transaction state is reset at MAIL. */
struct session {
	struct conf_ref *cf;
	unsigned long pflags; /* protocol flags the MTA granted */
	bool in_txn;
	char qid[32];
	char from[256]; /* envelope sender, bare; "" for <> */
	char auth[128];
	char client[64];
	long long size; /* ESMTP SIZE=, or 0 */
	struct entry *rcpts;
	unsigned nrcpts, cap;
	unsigned others; /* recipients that are not phones */
	const char *noise;
	char *ar;	/* the first Authentication-Results of ours */
	char *schedule; /* X-SMS-Schedule or Deferred-Delivery */
	struct ut_buf raw;
	bool too_big;
	bool in_body;
};

static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned active;

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

static void
active_add(int d)
{
	pthread_mutex_lock(&active_mu);
	active = (unsigned)((int)active + d);
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
	free(s->ar);
	free(s->schedule);
	ut_buf_free(&s->raw);
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

/* reply - send a verdict: TEMPFAIL for 4xx, REJECT for 5xx */
static sfsistat
reply(SMFICTX *ctx, const struct policy_verdict *v)
{
	char text[256];

	safe_text(v->text, text, sizeof(text));
	if (smfi_setreply(ctx, (char *)v->code, (char *)v->xcode, text) !=
	    MI_SUCCESS)
		ut_log(LOG_WARNING, "cannot set the reply %s %s %s", v->code,
		       v->xcode, text);
	return v->code[0] == '4' ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* store_verdict - the reply for a store that failed */
static bool
store_down(struct policy_verdict *v, const struct store_error *err)
{
	ut_log(LOG_ERR, "store: %s", err->msg);
	return policy_refuse(v, "451", "4.3.0",
			     "the text queue is not available; try again "
			     "later");
}

/* display - "+1 202-555-0143" for logs and replies */
static void
display(const char *e164, char *out, size_t size)
{
	if (sms_phone_format(e164, out, size) != SMS_OK)
		snprintf(out, size, "%s", e164);
}

/* phone_rules - the number rules of c */
static void
phone_rules(const struct conf *c, struct sms_phone_rules *r)
{
	r->default_country = c->default_country;
	r->allowed = c->allowed_countries.n ? c->allowed_countries.v : NULL;
	r->denied = c->denied_prefixes.n ? c->denied_prefixes.v : NULL;
}

/* resolve - the phones of a recipient: a number, a contact, a group */
static bool
resolve(const struct conf *c, struct store *st, const struct policy_rcpt *r,
	struct entry *e, struct policy_verdict *v)
{
	struct sms_phone_rules rules;
	struct sms_number num;
	struct sms_error serr;
	struct store_error err;
	char phone[20];
	int rc;

	phone_rules(c, &rules);
	if (r->number) {
		rc = sms_phone_parse(r->local, &rules, &num, &serr);
		if (rc == SMS_EDENIED)
			return policy_refuse(v, "550", "5.1.1",
					     "texts to %s are not allowed: %s",
					     r->local, serr.msg);
		if (rc != SMS_OK)
			return policy_refuse(v, "550", "5.1.3",
					     "%s is not a valid phone number: "
					     "%s",
					     r->local, serr.msg);
		snprintf(phone, sizeof(phone), "%s", num.e164);
	} else {
		rc = store_contact_get(st, r->local, phone, &err);
		if (rc == STORE_ENOTFOUND) {
			if (r->tag[0])
				return policy_refuse(v, "550", "5.1.1",
						     "no contact called %s",
						     r->local);
			rc = store_group_numbers(st, r->local, &e->phones,
						 &e->nphones, &err);
			if (rc == STORE_ENOTFOUND)
				return policy_refuse(v, "550", "5.1.1",
						     "no contact or group "
						     "called %s",
						     r->local);
			if (rc != STORE_OK)
				return store_down(v, &err);
			if (e->nphones == 0)
				return policy_refuse(v, "550", "5.1.1",
						     "the group %s has no "
						     "members",
						     r->local);
			snprintf(e->group, sizeof(e->group), "%s", r->local);
			return true;
		}
		if (rc != STORE_OK)
			return store_down(v, &err);
		rc = sms_phone_parse(phone, &rules, &num, &serr);
		if (rc != SMS_OK)
			return policy_refuse(v, "550", "5.1.1",
					     "texts to %s (%s) are not "
					     "allowed: %s",
					     r->local, phone, serr.msg);
	}
	e->phones = malloc(sizeof(*e->phones));
	if (!e->phones)
		return policy_refuse(v, "451", "4.3.0", "out of memory");
	memcpy(e->phones[0], num.e164, sizeof(e->phones[0]));
	e->nphones = 1;
	return true;
}

/* tag_check - a +tag must be the sender's own thread's */
static bool
tag_check(const struct conf *c, struct store *st, const struct session *s,
	  const char *owner, const char *sender, const struct policy_rcpt *r,
	  struct entry *e, struct policy_verdict *v)
{
	struct store_error err;
	char when[32];
	int64_t retry = 0, now = (int64_t)time(NULL);
	bool allowed = true;

	if (policy_tag_ok(c->tag_secret, owner, e->phones[0], sender, r->tag)) {
		snprintf(e->tag, sizeof(e->tag), "%s", r->tag);
		return true;
	}
	ut_log(LOG_WARNING,
	       "%s: bad reply tag: client=%s from=<%s> to=%s@%s tag=%s", s->qid,
	       s->client, s->from, r->local, r->domain, r->tag);
	if (c->tag_failure_limit.count > 0 &&
	    store_rate_hit(
		st, "tagfail", s->client, now, c->tag_failure_limit.seconds,
		c->tag_failure_limit.count, &allowed, &retry, &err) != STORE_OK)
		return store_down(v, &err);
	if (!allowed) {
		policy_utc_time(retry, when, sizeof(when));
		return policy_refuse(v, "450", "4.7.1",
				     "too many wrong reply addresses from "
				     "%s; try again after %s",
				     s->client, when);
	}
	return policy_refuse(v, "550", "5.7.1",
			     "the reply address %s+%s@%s is not one of your "
			     "conversations",
			     r->local, r->tag, r->domain);
}

/*
 * limits_check - opt-outs and the per-recipient rate of each phone (a
 * group skips its opted-out members), then the owner's quota (at
 * least one more segment)
 */
static bool
limits_check(const struct conf *c, struct store *st, const struct session *s,
	     const char *owner, struct entry *e, struct policy_verdict *v)
{
	struct store_error err;
	int64_t now = (int64_t)time(NULL);
	unsigned i, kept = 0;
	bool out;

	for (i = 0; i < e->nphones; i++) {
		if (!policy_phone_ok(c, st, e->phones[i], now, &out, v, &err)) {
			if (!out || !e->group[0]) {
				if (!strcmp(v->xcode, "4.3.0"))
					ut_log(LOG_ERR, "store: %s", err.msg);
				return false;
			}
			ut_log(LOG_INFO,
			       "%s: group %s: %s opted out, not texted", s->qid,
			       e->group, e->phones[i]);
			continue;
		}
		memmove(e->phones[kept++], e->phones[i], sizeof(e->phones[0]));
	}
	e->nphones = kept;
	if (kept == 0)
		return policy_refuse(v, "550", "5.7.1",
				     "every member of the group %s has opted "
				     "out of texts",
				     e->group);
	if (!policy_quota_ok(c, st, owner, 1, now, v, &err)) {
		if (!strcmp(v->xcode, "4.3.0"))
			ut_log(LOG_ERR, "store: %s", err.msg);
		return false;
	}
	return true;
}

/* rcpt_check - every RCPT-time decision for one SMS recipient */
static bool
rcpt_check(struct session *s, const struct policy_rcpt *r, struct entry *e,
	   struct policy_verdict *v)
{
	const struct conf *c = s->cf->conf;
	struct policy_client cl = {s->auth, s->client, s->from};
	struct store_error err;
	struct store *st;
	char owner[256];
	const char *sender;
	enum policy_auth auth;
	int64_t retry;
	long long fails;

	if (r->too_long)
		return policy_refuse(v, "550", "5.1.3",
				     "the address is too long for a phone, "
				     "contact or group");
	if (s->size > c->max_message_size)
		return policy_refuse(v, "552", "5.3.4",
				     "the mail is %lld bytes, more than the "
				     "%lld that can go to a phone",
				     s->size, c->max_message_size);
	auth = policy_sender_check(c, &cl, v);
	if (auth == POLICY_AUTH_NO)
		return false;
	e->dmarc = auth == POLICY_AUTH_DMARC;
	policy_owner(c, s->from, owner, sizeof(owner));
	sender = policy_sender_number(c, owner);
	if (!*sender)
		return policy_refuse(v, "451", "4.3.5",
				     "no number to text from is configured "
				     "for %s (DefaultSender, SenderNumbers)",
				     owner);
	st = reader_store(c->database, &err);
	if (!st)
		return store_down(v, &err);
	if (r->tag[0] && c->tag_failure_limit.count > 0) {
		if (store_rate_count(st, "tagfail", s->client,
				     (int64_t)time(NULL),
				     c->tag_failure_limit.seconds, &fails,
				     &retry, &err) != STORE_OK)
			return store_down(v, &err);
		if (fails >= c->tag_failure_limit.count) {
			char when[32];

			policy_utc_time(retry, when, sizeof(when));
			return policy_refuse(v, "450", "4.7.1",
					     "too many wrong reply addresses "
					     "from %s; try again after %s",
					     s->client, when);
		}
	}
	if (!resolve(c, st, r, e, v))
		return false;
	if (r->tag[0] && !tag_check(c, st, s, owner, sender, r, e, v))
		return false;
	return limits_check(c, st, s, owner, e, v);
}

/* esmtp_notify - the NOTIFY= of a RCPT's parameters */
static unsigned
esmtp_notify(char **argv)
{
	unsigned bits = 0;
	char *p, *tok, *save = NULL;

	for (; argv && *argv; argv++) {
		if (strncasecmp(*argv, "NOTIFY=", 7) != 0)
			continue;
		p = strdup(*argv + 7);
		for (tok = p ? strtok_r(p, ",", &save) : NULL; tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (!strcasecmp(tok, "SUCCESS"))
				bits |= STORE_NOTIFY_SUCCESS;
			else if (!strcasecmp(tok, "FAILURE"))
				bits |= STORE_NOTIFY_FAILURE;
			else if (!strcasecmp(tok, "DELAY"))
				bits |= STORE_NOTIFY_DELAY;
			else if (!strcasecmp(tok, "NEVER"))
				bits |= STORE_NOTIFY_NEVER;
		}
		free(p);
	}
	return bits ? bits : STORE_NOTIFY_FAILURE;
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

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct session *s = session_of(ctx);
	char **a;

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
	for (a = argv + 1; *a; a++)
		if (strncasecmp(*a, "SIZE=", 5) == 0)
			s->size = atoll(*a + 5);
	return noreply(s, SMFIP_NR_MAIL);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct session *s = smfi_getpriv(ctx);
	struct policy_verdict v;
	struct policy_rcpt r;
	struct entry e = {0};

	if (!s || !s->cf)
		return SMFIS_TEMPFAIL;
	if (!policy_parse_rcpt(s->cf->conf, argv[0], &r)) {
		s->others++;
		return SMFIS_CONTINUE;
	}
	e.notify = esmtp_notify(argv + 1);
	if (s->from[0] && !rcpt_check(s, &r, &e, &v)) {
		free(e.phones);
		ut_log(LOG_NOTICE,
		       "%s: reject: RCPT from %s: %s %s %s; "
		       "from=<%s> to=<%s@%s>",
		       s->qid, s->client[0] ? s->client : "local", v.code,
		       v.xcode, v.text, s->from, r.local, r.domain);
		return reply(ctx, &v);
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
		ut_buf_free(&s->raw);
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
	if (!s->noise && policy_noise(name, value, &why))
		s->noise = why;
	if (!s->ar && strcasecmp(name, "Authentication-Results") == 0 &&
	    *c->authserv_id) {
		char id[256];

		policy_bare_addr(value, id, sizeof(id));
		if (strncasecmp(value + strspn(value, " \t"), c->authserv_id,
				strlen(c->authserv_id)) == 0)
			s->ar = strdup(value);
	}
	if (!s->schedule && (strcasecmp(name, "X-SMS-Schedule") == 0 ||
			     strcasecmp(name, "Deferred-Delivery") == 0))
		s->schedule = strdup(value);
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

	if (!s || !s->cf)
		return SMFIS_TEMPFAIL;
	if (!s->in_body) {
		s->in_body = true;
		collect(s, "\r\n", 2); /* the line between header and body */
	}
	collect(s, (const char *)chunk, len);
	return noreply(s, SMFIP_NR_BODY);
}

/* The work of one end-of-message. */
struct eom {
	struct session *s;
	const struct conf *c;
	struct mp_message *m;
	char owner[256];
	const char *sender;
	int64_t due;
	struct policy_text text[2]; /* new thread, reply */
	bool rendered[2];
	struct policy_verdict all; /* refuses every recipient, if set */
};

/* render_once - the text of kind reply (0 new, 1 reply), made once */
static const struct policy_text *
render_once(struct eom *w, bool reply_kind, struct policy_verdict *v)
{
	struct policy_render_opts o;
	int k = reply_kind ? 1 : 0;

	if (!w->rendered[k]) {
		policy_render_opts(w->c, &o);
		if (!policy_render(w->m, &o, reply_kind, &w->text[k], v))
			return NULL;
		w->rendered[k] = true;
	}
	return &w->text[k];
}

/* mail_checks - what refuses every SMS recipient of the mail at once */
static void
mail_checks(struct eom *w)
{
	struct session *s = w->s;
	struct mp_opts o;
	struct mp_error err;

	if (s->too_big) {
		policy_refuse(&w->all, "552", "5.3.4",
			      "the mail is over the %lld bytes that can go "
			      "to a phone",
			      w->c->max_message_size);
		return;
	}
	mp_opts_init(&o);
	o.max_size = (size_t)w->c->max_message_size;
	o.max_depth = (unsigned)w->c->max_mime_depth;
	o.disclaimers = w->c->disclaimer_lines.v;
	if (s->raw.failed) {
		policy_refuse(&w->all, "451", "4.3.0",
			      "out of memory while reading the mail");
		return;
	}
	if (mp_parse(s->raw.s ? s->raw.s : "", s->raw.len, &o, &w->m, &err) !=
	    MP_OK) {
		policy_refuse(&w->all, err.status == MP_ETOOBIG ? "552" : "554",
			      err.status == MP_ETOOBIG ? "5.3.4" : "5.6.0",
			      "%s", err.msg);
		return;
	}
	if (s->schedule)
		policy_schedule(s->schedule, (int64_t)time(NULL),
				w->c->max_schedule_ahead, &w->due, &w->all);
}

/* dmarc_ok - a recipient allowed only through DMARC passes it */
static bool
dmarc_ok(struct eom *w, struct policy_verdict *v)
{
	const char *at = strrchr(w->m->from_addr, '@');
	char from_owner[256];

	policy_owner(w->c, w->m->from_addr, from_owner, sizeof(from_owner));
	if (w->s->ar && at && policy_dmarc_pass(w->c, w->s->ar, at + 1) &&
	    strcmp(from_owner, w->owner) == 0)
		return true;
	return policy_refuse(v, "550", "5.7.1",
			     "%s may not send text messages: the mail did "
			     "not pass DMARC for a trusted domain",
			     w->s->from);
}

/*
 * answers_us - the mail answers one that smsgw made from a text: its
 * In-Reply-To or References names a Message-ID in an SMS domain
 */
static bool
answers_us(const struct eom *w)
{
	const struct conf_list *d = &w->c->sms_domains;
	size_t i, j, n;

	for (i = 0; i < d->n; i++) {
		n = strlen(d->v[i]);
		for (j = 0; j <= w->m->nreferences; j++) {
			const char *id = j < w->m->nreferences
					     ? w->m->references[j]
					     : w->m->in_reply_to;
			const char *at = strrchr(id, '@');

			if (at && strlen(at + 1) == n &&
			    strcasecmp(at + 1, d->v[i]) == 0)
				return true;
		}
	}
	return false;
}

/* add_outbounds - one message per phone of entry e */
static bool
add_outbounds(struct eom *w, const struct entry *e, struct store_outbound *out,
	      unsigned *n, char (*tags)[16], char (*keys)[300],
	      struct policy_verdict *v)
{
	const struct policy_text *t;
	unsigned i;

	for (i = 0; i < e->nphones; i++) {
		struct store_outbound *o = &out[*n];
		bool is_reply;

		policy_tag(w->c->tag_secret, w->owner, e->phones[i], w->sender,
			   tags[*n]);
		is_reply = e->tag[0] ||
			   (w->m->tag[0] && !strcasecmp(w->m->tag, tags[*n])) ||
			   answers_us(w);
		t = render_once(w, is_reply, v);
		if (!t)
			return false;
		if (w->m->message_id[0])
			snprintf(keys[*n], sizeof(keys[0]), "%s|%s",
				 w->m->message_id, e->phones[i]);
		else
			snprintf(keys[*n], sizeof(keys[0]), "%s|%s", w->s->qid,
				 e->phones[i]);
		*o = (struct store_outbound){
		    .owner = w->owner,
		    .phone = e->phones[i],
		    .sender = w->sender,
		    .tag = tags[*n],
		    .subject = w->m->subject,
		    .envelope_from = w->s->from,
		    .queue_id = w->s->qid,
		    .message_id = w->m->message_id,
		    .idem_key = keys[*n],
		    .notify = e->notify,
		    .text = t->plan->text,
		    .encoding = t->plan->encoding == SMS_UCS2 ? 8 : 0,
		    .segments = t->plan->nparts + t->images,
		    .due = w->due,
		    .rate_window = w->c->recipient_rate.count > 0
				       ? w->c->recipient_rate.seconds
				       : 0,
		};
		(*n)++;
	}
	return true;
}

/* dsn_for - the report to the sender for a refused recipient */
static bool
dsn_for(struct eom *w, const struct entry *e, struct store_mail_out *mo,
	char **buf)
{
	char id[128], reason[300], from[300], disp[40];
	const char *phone = e->nphones ? e->phones[0] : "";
	struct mp_error err;
	struct mp_dsn d;
	size_t len;

	if (!w->s->from[0] || (e->notify & STORE_NOTIFY_NEVER))
		return false;
	snprintf(from, sizeof(from), "MAILER-DAEMON@%s",
		 w->c->sms_domains.v[0]);
	snprintf(reason, sizeof(reason), "%s %s %s", e->v.code, e->v.xcode,
		 e->v.text);
	if (mp_new_message_id(w->c->sms_domains.v[0], id, sizeof(id)) != MP_OK)
		return false;
	if (*phone)
		display(phone, disp, sizeof(disp));
	else
		policy_bare_addr(e->addr, disp, sizeof(disp));
	d = (struct mp_dsn){
	    .from = from,
	    .to = w->s->from,
	    .sms_domain = w->c->sms_domains.v[0],
	    .phone = *phone ? phone : "unknown",
	    .phone_display = disp,
	    .text = w->text[0].plan ? w->text[0].plan->text
		    : w->m	    ? w->m->body
				    : "",
	    .reason = reason,
	    .status = e->v.xcode,
	    .message_id = id,
	    .original_id =
		w->m && w->m->message_id[0] ? w->m->message_id : NULL,
	};
	if (mp_compose_dsn(&d, buf, &len, &err) != MP_OK) {
		ut_log(LOG_WARNING, "%s: no report for %s: %s", w->s->qid,
		       e->addr, err.msg);
		return false;
	}
	*mo = (struct store_mail_out){"", w->s->from, *buf, len};
	return true;
}

/* drop_all - noise: remove every SMS recipient, text nothing */
static sfsistat
drop_all(SMFICTX *ctx, struct session *s, const char *why)
{
	unsigned i;

	for (i = 0; i < s->nrcpts; i++) {
		smfi_delrcpt(ctx, s->rcpts[i].addr);
		ut_log(LOG_INFO, "%s: to=%s status=dropped (%s)", s->qid,
		       s->rcpts[i].addr, why);
	}
	return s->others ? SMFIS_CONTINUE : SMFIS_DISCARD;
}

/* eom_free - what an end-of-message made */
static void
eom_free(struct eom *w)
{
	policy_text_free(&w->text[0]);
	policy_text_free(&w->text[1]);
	mp_message_free(&w->m);
}

/* queue_and_remove - commit, then remove the recipients; the reply */
static sfsistat
finish(SMFICTX *ctx, struct eom *w, struct store_job *job, unsigned nmsgs,
       char (*tags)[16])
{
	struct session *s = w->s;
	char hdr[200], disp[40];
	unsigned i, j, k = 0, failed = 0;
	struct policy_verdict v;

	if (commit_run(job) != STORE_OK) {
		store_down(&v, &job->err);
		return reply(ctx, &v);
	}
	for (i = 0; i < s->nrcpts; i++) {
		const struct entry *e = &s->rcpts[i];

		if (smfi_delrcpt(ctx, e->addr) != MI_SUCCESS)
			ut_log(LOG_ERR, "%s: cannot remove %s", s->qid,
			       e->addr);
		if (e->v.code[0]) {
			failed++;
			ut_log(LOG_NOTICE,
			       "%s: to=%s status=refused (%s %s %s)", s->qid,
			       e->addr, e->v.code, e->v.xcode, e->v.text);
			continue;
		}
		for (j = 0; j < e->nphones; j++, k++) {
			const struct store_outbound *o = &job->msgs[k];

			ut_log(LOG_INFO,
			       "%s: to=%s segments=%u encoding=%s thread=%s "
			       "id=%lld status=%s",
			       s->qid, o->phone, o->segments,
			       o->encoding ? "UCS-2" : "GSM-7", tags[k],
			       (long long)job->ids[k],
			       job->dups[k] ? "duplicate"
			       : o->due	    ? "scheduled"
					    : "queued");
			if (s->others) {
				display(o->phone, disp, sizeof(disp));
				snprintf(hdr, sizeof(hdr),
					 "%s id=%lld segments=%u%s", o->phone,
					 (long long)job->ids[k], o->segments,
					 job->dups[k] ? " duplicate" : "");
				smfi_addheader(ctx, "X-SMS-Queued", hdr);
			}
		}
	}
	(void)nmsgs;
	if (k > 0)
		wake_gateway(w->c->wake_socket);
	return s->others ? SMFIS_CONTINUE : SMFIS_DISCARD;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct session *s = smfi_getpriv(ctx);
	struct eom w = {0};
	struct store_outbound *out = NULL;
	struct store_mail_out *mails = NULL;
	char(*tags)[16] = NULL, (*keys)[300] = NULL, **bufs = NULL;
	int64_t *ids = NULL;
	bool *dups = NULL;
	unsigned i, nphones = 0, n = 0, nmails = 0, ok = 0;
	struct store_job job;
	sfsistat rc = SMFIS_TEMPFAIL;
	const char *qid;

	if (!s || !s->cf)
		return SMFIS_TEMPFAIL;
	qid = macro(ctx, "i");
	if (*qid)
		snprintf(s->qid, sizeof(s->qid), "%s", qid);
	if (s->nrcpts == 0)
		goto done_continue;
	if (!s->from[0] || s->noise) {
		rc = drop_all(ctx, s, s->from[0] ? s->noise : "null sender");
		goto out;
	}
	w.s = s;
	w.c = s->cf->conf;
	policy_owner(w.c, s->from, w.owner, sizeof(w.owner));
	w.sender = policy_sender_number(w.c, w.owner);
	mail_checks(&w);
	for (i = 0; i < s->nrcpts; i++)
		nphones += s->rcpts[i].nphones;
	out = calloc(nphones + 1, sizeof(*out));
	tags = calloc(nphones + 1, sizeof(*tags));
	keys = calloc(nphones + 1, sizeof(*keys));
	ids = calloc(nphones + 1, sizeof(*ids));
	dups = calloc(nphones + 1, sizeof(*dups));
	mails = calloc(s->nrcpts, sizeof(*mails));
	bufs = calloc(s->nrcpts, sizeof(*bufs));
	if (!out || !tags || !keys || !ids || !dups || !mails || !bufs)
		goto out;
	for (i = 0; i < s->nrcpts; i++) {
		struct entry *e = &s->rcpts[i];

		if (w.all.code[0])
			e->v = w.all;
		else if (e->dmarc && !dmarc_ok(&w, &e->v))
			;
		else if (add_outbounds(&w, e, out, &n, tags, keys, &e->v))
			ok++;
	}
	if (ok == 0 && s->others == 0) {
		rc = reply(ctx, &s->rcpts[0].v);
		ut_log(LOG_NOTICE, "%s: reject: %s %s %s; from=<%s>", s->qid,
		       s->rcpts[0].v.code, s->rcpts[0].v.xcode,
		       s->rcpts[0].v.text, s->from);
		goto out;
	}
	for (i = 0; i < s->nrcpts; i++)
		if (s->rcpts[i].v.code[0] &&
		    dsn_for(&w, &s->rcpts[i], &mails[nmails], &bufs[nmails]))
			nmails++;
	job = (struct store_job){out, n, mails, nmails, ids, dups, 0, {0}};
	rc = finish(ctx, &w, &job, n, tags);
	goto out;
done_continue:
	rc = SMFIS_CONTINUE;
out:
	if (bufs)
		for (i = 0; i < nmails; i++)
			free(bufs[i]);
	free(bufs);
	free(mails);
	free(out);
	free(tags);
	free(keys);
	free(ids);
	free(dups);
	eom_free(&w);
	txn_reset(s);
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

/* wake_gateway - tell smsgw there is work; a lost wake-up only delays */
void
wake_gateway(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sun.sun_path))
		return;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, "w", 1, 0, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
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
