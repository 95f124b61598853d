/*
 * NAME
 *	eom - the milter's end-of-message job
 * DESCRIPTION
 *	A mail for phones, whole: parsed (mailparse), checked once for
 *	what refuses all its SMS recipients (size, a bad schedule date),
 *	rendered as a text for a new thread and, when needed, for a reply
 *	(policy_render), one text queued per phone and one delivery report
 *	per refused recipient, all in one group commit (commit.c). Only
 *	after the commit are the SMS recipients removed from the mail; if
 *	it fails, the mail is tempfailed with nothing removed, and the
 *	sender's MTA tries again.
 *
 *	The texts of the job are one array of struct store_job_text; the
 *	strings they point to (tags, idempotency keys, reports) live in
 *	one arena that dies with the job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "milter/milter_int.h"
#include "util/util.h"

/* The work of one end-of-message. */
struct eom {
	struct session *s;
	const struct conf *c;
	struct mp_message *m;
	char owner[256];
	int64_t due;
	struct policy_text text[2]; /* new thread, reply */
	bool rendered[2];
	struct policy_verdict all; /* refuses every recipient, if set */
	struct ut_arena *arena;	   /* what the texts and reports point to */
	struct store_job_text *texts;
	unsigned ntexts;
	struct store_mail_out *mails;
	unsigned nmails;
	char *returned; /* what a report returns (RFC 3461 RET): a copy,
			   since the raw mail goes once it is parsed */
	size_t returned_len;
	bool returned_full;
	struct policy_media_set media; /* attachments kept, their links */
	char notice[700];     /* what the phones did not get, for the sender */
	char notice_hdr[700]; /* the same without members' numbers, for
				 X-SMS-Notice on the copy others get */
};

/* render_once - the text of kind reply (0 new, 1 reply), made once */
static const struct policy_text *
render_once(struct eom *w, bool reply_kind, struct policy_verdict *v)
{
	struct policy_render_opts o;
	int k = reply_kind ? 1 : 0;

	if (!w->rendered[k]) {
		policy_render_opts(w->c, &o);
		o.links = w->media.links;
		o.mms = w->media.nmms;
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
	int rc;

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
	/* kept and linked with MediaBaseUrl; else only names and sizes */
	o.attachment_data = w->c->media_base_url && *w->c->media_base_url;
	o.keep_html = false;
	rc = mp_parse(s->raw.s ? s->raw.s : "", s->raw.len, &o, &w->m, &err);
	ut_buf_clear(&s->raw); /* what follows needs only the parsed mail */
	if (rc != MP_OK) {
		policy_refuse(&w->all, err.status == MP_ETOOBIG ? "552" : "554",
			      err.status == MP_ETOOBIG ? "5.3.4" : "5.6.0",
			      "%s", err.msg);
		return;
	}
	if (s->schedule &&
	    !policy_schedule(s->schedule, (int64_t)time(NULL),
			     w->c->max_schedule_ahead, &w->due, &w->all))
		return;
	/* the links live MediaLifetime from when the text goes */
	policy_media_links(w->c, w->m, w->owner,
			   w->due > (int64_t)time(NULL) ? w->due
							: (int64_t)time(NULL),
			   &w->media, &w->all);
}

/* dmarc_ok - a recipient allowed only through DMARC passes it */
static bool
dmarc_ok(struct eom *w, struct policy_verdict *v)
{
	const char *at = strrchr(w->m->from_addr, '@');
	char from_owner[256];
	unsigned i, pass = 0, fail = 0;

	for (i = 0; i < w->s->nar && at; i++) {
		enum policy_dmarc d = policy_dmarc(w->c, w->s->ar[i], at + 1);

		pass += d == POLICY_DMARC_PASS;
		fail += d == POLICY_DMARC_FAIL || !w->s->ar[i];
	}
	policy_owner(w->c, w->m->from_addr, from_owner, sizeof(from_owner));
	if (pass > 0 && fail == 0 && !w->s->ar_overflow &&
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

/*
 * sender_of - the number the owner's text to phone leaves from (in the
 * arena): its SenderNumbers (X-SMS-Sender picks one), a pool lease
 * taken now, or DefaultSender; NULL with v when there is none
 */
static const char *
sender_of(struct eom *w, const char *phone, struct policy_verdict *v)
{
	struct store_error err;
	struct store *st;
	char number[40], *copy;

	switch (policy_sender_for(w->c, w->owner, w->s->want_sender, false,
				  phone, number, v)) {
	case POLICY_FROM_NONE: return NULL;
	case POLICY_FROM_FIXED: goto copy;
	case POLICY_FROM_POOL: break;
	}
	if (!(st = reader_store(w->c->database, &err))) {
		milter_store_down(v, &err);
		return NULL;
	}
	if (!policy_pool_sender(w->c, st, w->owner, phone, (int64_t)time(NULL),
				number, v, &err)) {
		if (!strcmp(v->xcode, "4.3.0"))
			ut_log(LOG_ERR, "store: %s", err.msg);
		return NULL;
	}
copy:
	if (w->c->optout_scope == CONF_OPTOUT_NUMBER) {
		/* out of this number (RCPT knew no pool number yet) */
		bool out;

		if (!(st = reader_store(w->c->database, &err))) {
			milter_store_down(v, &err);
			return NULL;
		}
		if (!policy_optout_ok(st, phone, number, &out, v, &err)) {
			if (!out)
				ut_log(LOG_ERR, "store: %s", err.msg);
			return NULL;
		}
	}
	if (!(copy = ut_arena_strdup(w->arena, number)))
		policy_refuse(v, "451", "4.3.0", "out of memory");
	return copy;
}

/* add_texts - one text per phone of entry e */
static bool
add_texts(struct eom *w, const struct entry *e, struct policy_verdict *v)
{
	const struct policy_text *t;
	char tag[POLICY_TAG_LEN + 1], key[300], prev[300];
	char mail_id[256], mail_prev[256];
	const char *words;
	unsigned i, first = w->ntexts; /* all of e's phones, or none */

	for (i = 0; i < e->nphones; i++) {
		struct store_job_text *q = &w->texts[w->ntexts];
		const char *sender;
		bool is_reply;

		if (!(sender = sender_of(w, e->phones[i], v))) {
			w->ntexts = first;
			return false;
		}
		policy_tag(w->c->tag_secret, w->owner, e->phones[i], sender,
			   tag);
		is_reply = e->tag[0] ||
			   (w->m->tag[0] && !strcasecmp(w->m->tag, tag)) ||
			   answers_us(w);
		t = render_once(w, is_reply, v);
		if (!t) {
			w->ntexts = first;
			return false;
		}
		policy_mail_id(w->m->message_id, w->s->qid,
			       w->c->idempotency_window, (int64_t)time(NULL),
			       mail_id, mail_prev, sizeof(mail_id));
		/* the key is of the words: a mail delivered again gets new
		   links, and is the same text */
		words = ut_arena_strndup(w->arena, t->plan->text,
					 strlen(t->plan->text) - t->links_len);
		if (!words) {
			w->ntexts = first;
			return policy_refuse(v, "451", "4.3.0",
					     "out of memory");
		}
		policy_idem_key(mail_id, w->owner, e->phones[i], words, key,
				sizeof(key));
		if (mail_prev[0])
			policy_idem_key(mail_prev, w->owner, e->phones[i],
					words, prev, sizeof(prev));
		*q = (struct store_job_text){
		    .msg = {
			.owner = w->owner,
			.phone = e->phones[i],
			.sender = sender,
			.tag = ut_arena_strdup(w->arena, tag),
			.subject = w->m->subject,
			.envelope_from = w->s->from,
			.queue_id = w->s->qid,
			.message_id = w->m->message_id,
			.idem_key = ut_arena_strdup(w->arena, key),
			.idem_key_prev = mail_prev[0]
					     ? ut_arena_strdup(w->arena, prev)
					     : NULL,
			.notify = e->notify,
			.text = t->plan->text,
			.encoding = t->plan->encoding == SMS_UCS2 ? 8 : 0,
			.segments = t->segments,
			.mms = w->media.mms,
			.due = w->due,
			.rate_window = w->c->recipient_rate.count > 0
					   ? w->c->recipient_rate.seconds
					   : 0,
			.envid = w->s->envid,
			.ret = w->s->ret,
			.returned = w->returned,
			.returned_len = w->returned_len,
			.returned_full = w->returned_full,
		    }};
		if (!q->msg.tag || !q->msg.idem_key) {
			w->ntexts = first;
			return policy_refuse(v, "451", "4.3.0",
					     "out of memory");
		}
		w->ntexts++;
	}
	return true;
}

/*
 * to_sender - queue buf (a mail we made, malloc'd: freed here) to the
 * envelope sender with the texts, from the null sender
 */
static void
to_sender(struct eom *w, char *buf, size_t len)
{
	char *copy = ut_arena_strndup(w->arena, buf, len);

	free(buf);
	if (copy)
		w->mails[w->nmails++] =
		    (struct store_mail_out){"", w->s->from, copy, len};
}

/* add_report - the report to the sender for refused recipient e */
static void
add_report(struct eom *w, const struct entry *e)
{
	char id[128], reason[300], from[300], disp[40], *buf;
	const char *phone = e->nphones ? e->phones[0] : "";
	struct mp_error err;
	struct mp_dsn d;
	size_t len;

	if (!w->s->from[0] || (e->notify & STORE_NOTIFY_NEVER))
		return;
	snprintf(from, sizeof(from), "MAILER-DAEMON@%s",
		 w->c->sms_domains.v[0]);
	snprintf(reason, sizeof(reason), "%s %s %s", e->v.code, e->v.xcode,
		 e->v.text);
	if (mp_new_message_id(w->c->sms_domains.v[0], id, sizeof(id)) != MP_OK)
		return;
	if (*phone)
		policy_display(phone, disp, sizeof(disp));
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
	    .envid = w->s->envid,
	    .returned = w->returned,
	    .returned_len = w->returned_len,
	    .returned_full = w->returned_full,
	};
	if (mp_compose_dsn(&d, &buf, &len, &err) != MP_OK) {
		ut_log(LOG_WARNING, "%s: no report for %s: %s", w->s->qid,
		       ut_log_mask(e->addr, from, sizeof(from)), err.msg);
		return;
	}
	to_sender(w, buf, len);
}

/*
 * notice - what the phones did not get, as one sentence in w->notice:
 * attachments, a cut to the segment cap, opted-out members of a group
 */
static void
notice(struct eom *w)
{
	const struct policy_text *t = NULL;
	size_t n;
	unsigned i;

	for (i = 0; i < 2; i++)
		if (w->rendered[i] && (!t || w->text[i].truncated))
			t = &w->text[i];
	if (t)
		policy_left_out(w->m, t, w->notice, sizeof(w->notice));
	snprintf(w->notice_hdr, sizeof(w->notice_hdr), "%s", w->notice);
	for (i = 0; i < w->s->nrcpts; i++) {
		const struct entry *e = &w->s->rcpts[i];

		if (e->v.code[0] || e->optedout == 0)
			continue;
		n = strlen(w->notice);
		snprintf(w->notice + n, sizeof(w->notice) - n,
			 "%s%u member%s of the group %s (%s) opted out of "
			 "texts and %s not sent it",
			 n ? "; " : "", e->optedout,
			 e->optedout == 1 ? "" : "s", e->group,
			 e->optedout_list, e->optedout == 1 ? "was" : "were");
		/* the mail's other readers learn no member's number */
		n = strlen(w->notice_hdr);
		snprintf(w->notice_hdr + n, sizeof(w->notice_hdr) - n,
			 "%s%u member%s of the group %s opted out of texts "
			 "and %s not sent it",
			 n ? "; " : "", e->optedout,
			 e->optedout == 1 ? "" : "s", e->group,
			 e->optedout == 1 ? "was" : "were");
	}
}

/* add_notice - the notice mail to the sender, queued with the texts */
static void
add_notice(struct eom *w)
{
	char id[128], from[300], phones[200], disp[40], *buf;
	const struct policy_text *t =
	    w->rendered[0] ? &w->text[0] : &w->text[1];
	struct mp_notice nt;
	struct mp_error err;
	unsigned i, never = 0;
	size_t n = 0, len;

	for (i = 0; i < w->ntexts; i++)
		never += (w->texts[i].msg.notify & STORE_NOTIFY_NEVER) != 0;
	if (!w->s->from[0] || !w->notice[0] || w->ntexts == 0 ||
	    never == w->ntexts)
		return;
	phones[0] = '\0';
	for (i = 0; i < w->ntexts; i++) {
		policy_display(w->texts[i].msg.phone, disp, sizeof(disp));
		if (n + strlen(disp) + 8 >= sizeof(phones)) {
			snprintf(phones + n, sizeof(phones) - n, ", ...");
			break;
		}
		n += (size_t)snprintf(phones + n, sizeof(phones) - n, "%s%s",
				      n ? ", " : "", disp);
	}
	snprintf(from, sizeof(from), "MAILER-DAEMON@%s",
		 w->c->sms_domains.v[0]);
	if (mp_new_message_id(w->c->sms_domains.v[0], id, sizeof(id)) != MP_OK)
		return;
	nt = (struct mp_notice){
	    .from = from,
	    .to = w->s->from,
	    .phones = phones,
	    .subject = w->m->subject,
	    .notice = w->notice,
	    .text = t->plan ? t->plan->text : NULL,
	    .message_id = id,
	    .original_id = w->m->message_id[0] ? w->m->message_id : NULL,
	};
	if (mp_compose_notice(&nt, &buf, &len, &err) != MP_OK) {
		ut_log(LOG_WARNING, "%s: no notice to the sender: %s",
		       w->s->qid, err.msg);
		return;
	}
	to_sender(w, buf, len);
}

/*
 * drop_all - noise: remove every SMS recipient, text nothing. Mail
 * that only phones were to get is refused, so that its sender hears
 * (550 5.7.1); with mail recipients left, their copy says so
 * (X-SMS-Notice). A bounce (null sender) and mail smsgw made
 * (X-SMS-*) are dropped without a word: there is no one to tell, or
 * telling would loop.
 */
static sfsistat
drop_all(SMFICTX *ctx, struct session *s, const char *why)
{
	struct policy_verdict v;
	char to[300], hdr[300];
	bool tell = s->from[0] && !s->noise_ours;
	unsigned i;

	if (tell && s->others == 0) {
		policy_refuse(&v, "550", "5.7.1",
			      "no text was sent: mail with %s is never "
			      "texted",
			      why);
		ut_log(LOG_NOTICE, "%s: reject: %s %s %s; from=<%s>", s->qid,
		       v.code, v.xcode, v.text, s->from);
		return milter_reply(ctx, &v);
	}
	for (i = 0; i < s->nrcpts; i++) {
		smfi_delrcpt(ctx, s->rcpts[i].addr);
		ut_log(LOG_INFO, "%s: to=%s status=dropped (%s)", s->qid,
		       ut_log_mask(s->rcpts[i].addr, to, sizeof(to)), why);
	}
	if (tell) {
		snprintf(hdr, sizeof(hdr),
			 "not texted to %u SMS recipient%s: mail with %s is "
			 "never texted",
			 s->nrcpts, s->nrcpts == 1 ? "" : "s", why);
		smfi_addheader(ctx, "X-SMS-Notice", hdr);
	}
	return s->others ? SMFIS_CONTINUE : SMFIS_DISCARD;
}

/* finish - commit, then remove the recipients; the reply */
static sfsistat
finish(SMFICTX *ctx, struct eom *w)
{
	struct session *s = w->s;
	struct store_job job = {.texts = w->texts,
				.ntexts = w->ntexts,
				.mails = w->mails,
				.nmails = w->nmails,
				.media = w->media.files,
				.nmedia = w->media.n};
	char hdr[200], masked[300];
	unsigned i, j, k = 0;
	struct policy_verdict v;

	if (commit_run(&job) != STORE_OK) {
		milter_store_down(&v, &job.err);
		return milter_reply(ctx, &v);
	}
	for (i = 0; i < s->nrcpts; i++) {
		const struct entry *e = &s->rcpts[i];

		if (smfi_delrcpt(ctx, e->addr) != MI_SUCCESS)
			ut_log(LOG_ERR, "%s: cannot remove %s", s->qid,
			       ut_log_mask(e->addr, masked, sizeof(masked)));
		if (e->v.code[0]) {
			char to[300], text[sizeof(e->v.text)];

			ut_log(LOG_NOTICE,
			       "%s: to=%s status=refused (%s %s %s)", s->qid,
			       ut_log_mask(e->addr, to, sizeof(to)), e->v.code,
			       e->v.xcode,
			       ut_log_mask(e->v.text, text, sizeof(text)));
			continue;
		}
		for (j = 0; j < e->nphones; j++, k++) {
			const struct store_job_text *q = &job.texts[k];

			ut_log(LOG_INFO,
			       "%s: to=%s segments=%u encoding=%s thread=%s "
			       "id=%lld status=%s",
			       s->qid, UT_LOG_PHONE(q->msg.phone),
			       q->msg.segments,
			       q->msg.encoding ? "UCS-2" : "GSM-7", q->msg.tag,
			       (long long)q->id,
			       q->dup	    ? "duplicate"
			       : q->msg.due ? "scheduled"
					    : "queued");
			if (s->others) {
				snprintf(hdr, sizeof(hdr),
					 "%s id=%lld segments=%u%s",
					 q->msg.phone, (long long)q->id,
					 q->msg.segments,
					 q->dup ? " duplicate" : "");
				smfi_addheader(ctx, "X-SMS-Queued", hdr);
			}
		}
	}
	if (w->notice[0]) {
		char quiet[sizeof(w->notice)];

		ut_log(LOG_NOTICE, "%s: notice to=<%s>: %s", s->qid, s->from,
		       ut_log_mask(w->notice, quiet, sizeof(quiet)));
		if (s->others)
			smfi_addheader(ctx, "X-SMS-Notice", w->notice_hdr);
	}
	if (k > 0 && w->media.n > 0)
		ut_log(LOG_INFO,
		       "%s: media files=%u kept, linked from the text", s->qid,
		       w->media.n);
	if (k > 0)
		ut_wake(w->c->wake_socket);
	return s->others ? SMFIS_CONTINUE : SMFIS_DISCARD;
}

/* eom_job - the whole end-of-message of a transaction with phones */
static sfsistat
eom_job(SMFICTX *ctx, struct eom *w)
{
	struct session *s = w->s;
	unsigned i, nphones = 0, ok = 0;

	policy_owner(w->c, s->from, w->owner, sizeof(w->owner));
	if (s->raw.s && !s->raw.failed) {
		/* the header, or a mail of at most 64 KiB: small */
		w->returned_len =
		    mp_returned(s->raw.s, s->raw.len, s->ret == STORE_RET_FULL,
				&w->returned_full);
		if (!(w->returned = malloc(w->returned_len + 1)))
			return SMFIS_TEMPFAIL;
		memcpy(w->returned, s->raw.s, w->returned_len);
		w->returned[w->returned_len] = '\0';
	}
	mail_checks(w);
	for (i = 0; i < s->nrcpts; i++)
		nphones += s->rcpts[i].nphones;
	w->arena = ut_arena_new();
	w->texts = calloc(nphones + 1, sizeof(*w->texts));
	w->mails = calloc(s->nrcpts + 1, sizeof(*w->mails));
	if (!w->arena || !w->texts || !w->mails)
		return SMFIS_TEMPFAIL;
	for (i = 0; i < s->nrcpts; i++) {
		struct entry *e = &s->rcpts[i];

		if (w->all.code[0])
			e->v = w->all;
		else if ((!e->dmarc || dmarc_ok(w, &e->v)) &&
			 add_texts(w, e, &e->v))
			ok++;
	}
	if (ok == 0 && s->others == 0) {
		char text[sizeof(s->rcpts[0].v.text)];

		ut_log(LOG_NOTICE, "%s: reject: %s %s %s; from=<%s>", s->qid,
		       s->rcpts[0].v.code, s->rcpts[0].v.xcode,
		       ut_log_mask(s->rcpts[0].v.text, text, sizeof(text)),
		       s->from);
		return milter_reply(ctx, &s->rcpts[0].v);
	}
	for (i = 0; i < s->nrcpts; i++)
		if (s->rcpts[i].v.code[0])
			add_report(w, &s->rcpts[i]);
	notice(w);
	add_notice(w);
	return finish(ctx, w);
}

/* eom_run - end of message for session s: queue, then remove */
sfsistat
eom_run(SMFICTX *ctx, struct session *s)
{
	struct eom w = {.s = s, .c = s->cf->conf};
	sfsistat rc;

	if (s->nrcpts == 0)
		return SMFIS_CONTINUE;
	if (!s->from[0] || s->noise)
		return drop_all(ctx, s, s->noise ? s->noise : "null sender");
	rc = eom_job(ctx, &w);
	policy_text_clear(&w.text[0]);
	policy_text_clear(&w.text[1]);
	policy_media_set_clear(&w.media);
	mp_message_free(&w.m);
	free(w.returned);
	free(w.texts);
	free(w.mails);
	ut_arena_free(&w.arena);
	return rc;
}
