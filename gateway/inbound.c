/*
 * NAME
 *	inbound - texts from phones become mail in the right thread
 * DESCRIPTION
 *	A text comes from a transport (SMPP deliver_sm: user data with
 *	its coding and maybe a concatenation header) or from a webhook
 *	(UTF-8 already). Parts of a long text are kept in the store until
 *	the set is complete, or until ReassemblyTimeout, when what came
 *	is mailed with each missing part marked.
 *
 *	The whole trimmed text, in any case, may be a keyword: STOP and
 *	its synonyms opt the phone out (confirmed once), START and its
 *	synonyms opt it back in (only a phone that had opted out: "yes"
 *	is otherwise an answer), HELP and INFO get HelpText. The owner
 *	is told by mail either way.
 *
 *	The thread is the one a tag in the text names, else the phone's
 *	latest with the number it texted, else a new thread of the
 *	number's owner. The mail (mailparse) answers the thread's newest
 *	mail, and is queued with the text's record in one transaction.
 *
 *	A text that came over SMPP is kept first in the gateway's inbox
 *	(inbound_spool: answered once that is committed; spool.c mails it
 *	with inbound_sms), in the same transaction with its fingerprint,
 *	until the SMSC is seen to have had our answer
 *	(store_unconfirmed_*). When the link drops before that,
 *	the SMSC sends the text again on the next link: the same PDU
 *	from another session within ResendWindow is answered and not
 *	mailed again (a whole text, a part of a set still waiting, or a
 *	part of a set mailed already). The same words twice on one link
 *	are two texts, and two mails.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "sms/sms.h"
#include "util/util.h"

/* The parts of a set are kept as: their alphabet (enum sms_alphabet),
   the length of our number, our number, then the part's user data
   without its header. */
#define PART_HEAD 2

/* decoded - log what decoding dropped or replaced */
static void
decoded(const char *phone, const struct sms_decoded *info)
{
	if (info->nul || info->bad)
		ut_log(LOG_INFO, "from=%s nul=%u dropped bad=%u replaced",
		       UT_LOG_PHONE(phone), info->nul, info->bad);
}

/* text_of - a part's text as UTF-8 (malloc'd), or NULL */
static char *
text_of(const char *phone, const struct sms_inpart *p)
{
	struct sms_decoded info;
	size_t need;
	char *out;

	(void)sms_inpart_decode(p, NULL, 0, &need, NULL);
	if (!(out = malloc(need + 1)))
		return NULL;
	if (sms_inpart_decode(p, out, need + 1, &need, &info) != SMS_OK) {
		free(out);
		return NULL;
	}
	decoded(phone, &info);
	return out;
}

/* has_ctl - s holds a control character (CR, LF, NUL's kin) */
static bool
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* our_number - the number a text was sent to, as threads store it */
static void
our_number(const struct conf *c, const char *to, char out[40])
{
	struct sms_phone_rules rules;
	struct sms_number num;
	struct sms_error err;
	size_t n = 0;

	policy_phone_rules(c, POLICY_ANY, &rules);
	if (to && sms_phone_parse(to, &rules, &num, &err) == SMS_OK) {
		snprintf(out, 40, "%s", num.e164);
		return;
	}
	/* a short code or an alphanumeric: its safe characters */
	for (; to && *to && n < 39; to++)
		if (isalnum((unsigned char)*to))
			out[n++] = *to;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, 40, "%s", c->default_sender);
}

/* answer - queue a keyword's answer to the phone of thread t */
static int
answer(const struct conf *c, struct store *s, const struct store_thread *t,
       const char *text, int64_t now)
{
	struct policy_plan_opts po;
	struct policy_verdict v;
	struct store_error err;
	struct sms_plan *p;
	struct store_outbound m;
	int64_t id, thread;
	bool truncated;
	int rc;

	if (!text || !text[0])
		return STORE_OK;
	policy_plan_opts(c, &po);
	p = policy_plan(&po, text, &truncated, &v);
	if (!p) {
		ut_log(LOG_ERR, "keyword answer \"%s\": %s", text, v.text);
		return STORE_OK;
	}
	m = (struct store_outbound){
	    .owner = t->owner,
	    .phone = t->phone,
	    .sender = t->sender,
	    .tag = t->tag,
	    .text = p->text,
	    .encoding = p->encoding == SMS_UCS2 ? 8 : 0,
	    .segments = p->nparts,
	    .notify = STORE_MSG_KEYWORD,
	};
	rc = store_enqueue(s, &m, now, &id, &thread, &err);
	sms_plan_free(&p);
	if (rc != STORE_OK)
		ut_log(LOG_ERR, "to=%s keyword answer: store: %s",
		       UT_LOG_PHONE(t->phone), err.msg);
	else
		ut_log(LOG_INFO, "id=%lld to=%s keyword answer queued",
		       (long long)id, UT_LOG_PHONE(t->phone));
	return rc;
}

/*
 * reply_once - queue the answer to keyword k unless the phone had it
 * KeywordAnswerLimit times lately; *answered_r says whether it went
 */
static int
reply_once(const struct conf *c, struct store *s, const struct store_thread *t,
	   enum policy_keyword k, const char *text, int64_t now,
	   bool *answered_r)
{
	struct store_error err;
	bool ok;
	int rc;

	*answered_r = false;
	if (!text[0])
		return STORE_OK;
	rc = policy_keyword_answer_ok(c, s, t->phone, k, now, &ok, &err);
	if (rc != STORE_OK) {
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(t->phone),
		       err.msg);
		return rc;
	}
	if (!ok) {
		ut_log(LOG_INFO, "from=%s keyword answered lately: not again",
		       UT_LOG_PHONE(t->phone));
		return STORE_OK;
	}
	rc = answer(c, s, t, text, now);
	*answered_r = rc == STORE_OK;
	return rc;
}

/*
 * keyword - act on a keyword; note is what the owner's mail says about
 * it ("" when the text is no keyword)
 */
static int
keyword(const struct conf *c, struct store *s, const struct store_thread *t,
	const char *text, int64_t now, char *note, size_t notesz,
	bool *answered_r)
{
	const char *w;
	struct store_error err;
	char disp[40];
	bool out = false;
	enum policy_keyword k = policy_keyword(c, text, &w);
	int rc;

	/* what STOP and START apply to: the site, or the number texted */
	const char *scope =
	    c->optout_scope == CONF_OPTOUT_NUMBER ? t->sender : NULL;

	note[0] = '\0';
	*answered_r = false;
	if (k == POLICY_KW_NONE)
		return STORE_OK;
	if (t->phone[0] != '+') {
		/* a short code or a sender name: no opt-out, no answer */
		ut_log(LOG_INFO,
		       "from=%s keyword=%s: not a phone, not acted on",
		       t->phone, w);
		return STORE_OK;
	}
	policy_display(t->phone, disp, sizeof(disp));
	if ((rc = store_optout_check(s, t->phone, scope, &out, NULL, &err)) !=
	    STORE_OK)
		goto fail;
	if (k == POLICY_KW_STOP) {
		if ((rc = store_optout_add(s, t->phone, scope, w, now, &err)) !=
		    STORE_OK)
			goto fail;
		if (!out && (rc = reply_once(c, s, t, k, c->stop_text, now,
					     answered_r)) != STORE_OK)
			return rc;
		if (scope) {
			char ours[40];

			policy_display(scope, ours, sizeof(ours));
			snprintf(note, notesz,
				 "[%s texted %s to %s: it has opted out of "
				 "texts from that number (OptOutScope "
				 "number). Mail to it from %s is refused "
				 "until it texts %s to it; other numbers may "
				 "still text it.]",
				 disp, w, ours, ours,
				 c->start_words.n ? c->start_words.v[0]
						  : "START");
		} else if (c->start_words.n)
			snprintf(note, notesz,
				 "[%s texted %s: it has opted out. Mail to it "
				 "is refused until it texts %s.]",
				 disp, w, c->start_words.v[0]);
		else
			snprintf(note, notesz,
				 "[%s texted %s: it has opted out. Mail to it "
				 "is refused (no StartWords are set: smsctl "
				 "optout rm lets it in again).]",
				 disp, w);
		ut_log(LOG_NOTICE, "from=%s keyword=%s optout=yes",
		       UT_LOG_PHONE(t->phone), w);
	} else if (k == POLICY_KW_START && out) {
		rc = store_optout_rm(s, t->phone, scope, &err);
		if (rc != STORE_OK && rc != STORE_ENOTFOUND)
			goto fail;
		if ((rc = reply_once(c, s, t, k, c->start_text, now,
				     answered_r)) != STORE_OK)
			return rc;
		snprintf(note, notesz, "[%s texted %s: it gets texts again.]",
			 disp, w);
		ut_log(LOG_NOTICE, "from=%s keyword=%s optout=no",
		       UT_LOG_PHONE(t->phone), w);
	} else if (k == POLICY_KW_HELP) {
		if ((rc = reply_once(c, s, t, k, c->help_text, now,
				     answered_r)) != STORE_OK)
			return rc;
		snprintf(note, notesz, "[%s texted %s%s.]", disp, w,
			 *answered_r	    ? " and was sent HelpText"
			 : !c->help_text[0] ? "; HelpText is empty: no answer"
					    : "; HelpText was not sent again "
					      "(KeywordAnswerLimit)");
		ut_log(LOG_INFO, "from=%s keyword=%s", UT_LOG_PHONE(t->phone),
		       w);
	}
	return STORE_OK;
fail:
	ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(t->phone), err.msg);
	return rc;
}

/*
 * ambiguity - the note an ambiguous answer's mail carries: who texted
 * the phone from our number lately, and where the answer went
 */
static void
ambiguity(const struct conf *c, const struct policy_route *r, const char *disp,
	  const char *our, char *out, size_t size)
{
	char who[600] = "", ours[40];
	size_t n = 0;
	unsigned i;

	for (i = 0; i < r->nowners && n < sizeof(who); i++)
		n += (size_t)snprintf(who + n, sizeof(who) - n, "%s%s",
				      i == 0		    ? ""
				      : i + 1 == r->nowners ? " and "
							    : ", ",
				      r->owners[i]);
	policy_display(our, ours, sizeof(ours));
	snprintf(out, size,
		 "[This answer names no conversation, and %s all texted %s "
		 "from %s lately: it may be for any of them. %s]",
		 who, disp, ours,
		 c->ambiguous_answers == CONF_AMBIGUOUS_ALL
		     ? "Each of them got this copy."
		     : "It went to the number's owner: forward it to whoever "
		       "it is for.");
}

/*
 * mail_to - the mail of a text for thread t's owner; *mail_r is the
 * caller's (NULL and false when it cannot be made)
 */
static bool
mail_to(const struct conf *c, struct store *s, const struct inbound_sms *m,
	const struct store_thread *t, const char *phone, const char *our,
	const char *text, unsigned segments, int64_t now, char mid[128],
	char **mail_r, size_t *len_r)
{
	const char *domain = c->sms_domains.v[0];
	const char *refs[1] = {t->last_message_id};
	char disp[40], name[65];
	struct store_error err;
	struct mp_error merr;

	policy_display(phone, disp, sizeof(disp));
	if (store_contact_of(s, phone, name, &err) != STORE_OK)
		name[0] = '\0';
	*mail_r = NULL;
	if (mp_new_message_id(domain, mid, 128) != MP_OK)
		return false;
	{
		struct mp_sms_mail sm = {
		    .phone = phone,
		    .phone_display = disp,
		    .contact_name = name[0] ? name : NULL,
		    .our_number = our,
		    .sms_domain = domain,
		    .to = t->owner,
		    .tag = t->tag,
		    .last_subject = t->subject[0] ? t->subject : NULL,
		    .message_id = mid,
		    .in_reply_to =
			t->last_message_id[0] ? t->last_message_id : NULL,
		    .references = refs,
		    .nreferences = t->last_message_id[0] ? 1 : 0,
		    .text = text,
		    .voicemail = m->voicemail,
		    .segments = segments,
		    .media = m->media,
		    .nmedia = m->nmedia,
		    .date = now,
		    /* the files fetched before the mail goes (media.c) */
		    .fetch_media = c->inbound_media_max_bytes > 0,
		    /* the credentials only for links of the signed route */
		    .fetch_anonymous =
			!m->provider || strcmp(m->provider, "twilio") != 0,
		};

		if (mp_compose_sms(&sm, mail_r, len_r, &merr) != MP_OK) {
			ut_log(LOG_ERR, "from=%s owner=<%s>: no mail: %s",
			       UT_LOG_PHONE(phone), t->owner, merr.msg);
			*mail_r = NULL;
			return false;
		}
	}
	return true;
}

/*
 * mail_forward - a copy of the mail of a text to the address its
 * conversation's options name (ForwardToEmail), from ForwardFromEmail
 * (the envelope's; the phone's address by default)
 */
static int
mail_forward(const struct conf *c, struct store *s, const struct inbound_sms *m,
	     const struct store_thread *t, const char *phone, const char *our,
	     const char *body, unsigned segments, const char *opts, int64_t now)
{
	json_t *o = opts ? json_loads(opts, 0, NULL) : NULL;
	const char *to =
	    json_string_value(json_object_get(o, "ForwardToEmail"));
	const char *sender =
	    json_string_value(json_object_get(o, "ForwardFromEmail"));
	struct store_thread copy = *t;
	struct store_error err;
	char mid[128], from[64], *mail = NULL;
	size_t len;
	int64_t id;
	int rc = STORE_OK;

	if (!to) {
		json_decref(o);
		return STORE_OK;
	}
	snprintf(copy.owner, sizeof(copy.owner), "%s", to);
	snprintf(from, sizeof(from), "%s@%s", phone + (phone[0] == '+'),
		 c->sms_domains.v[0]);
	if (!mail_to(c, s, m, &copy, phone, our, body, segments, now, mid,
		     &mail, &len))
		rc = STORE_ETEMP;
	else if ((rc = store_mail_enqueue(s, sender ? sender : from, to, mail,
					  len, now, &id, &err)) != STORE_OK)
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(phone),
		       err.msg);
	else
		ut_log(LOG_INFO,
		       "from=%s to=%s: forwarded to <%s> as mail %lld",
		       UT_LOG_PHONE(phone), our, to, (long long)id);
	free(mail);
	json_decref(o);
	return rc;
}

/* deliver - a whole text: thread(s), keyword, mail(s), record */
static enum inbound_result
deliver(const struct conf *c, struct store *s, const struct inbound_sms *m,
	const char *phone, const char *our, const char *text, int encoding,
	unsigned segments, int64_t now)
{
	struct policy_route *r = calloc(1, sizeof(*r));
	struct store_error err;
	char note[300], amb[900], disp[40], mid[128], from[64], fwd[700] = "";
	char *body = NULL, *mail = NULL, *opts = NULL;
	struct policy_hook_target wh = {0};
	json_t *o = NULL;
	bool answered = false;
	enum inbound_result res = IN_TEMP;
	size_t len, n;
	int64_t id = 0, mail_id = 0, copy_id;
	unsigned i;
	int rc;

	if (!r)
		return IN_TEMP;
	switch (forward_back(c, s, phone, our, text, now)) {
	case FWD_NONE: break;
	case FWD_TEMP: goto out;
	case FWD_SENT:
		m->did_r->texted = true;
		/* not mailed: known by its id, so a resend is not sent on
		   again (IN_DUP rolls the unit back) */
		rc = m->provider && m->provider_id && m->provider_id[0]
			 ? store_inbound_seen(s, m->provider, m->provider_id,
					      now, &err)
			 : STORE_OK;
		res = rc == STORE_OK	 ? IN_DONE
		      : rc == STORE_EDUP ? IN_DUP
					 : IN_TEMP;
		goto out;
	}
	if (policy_route(c, s, phone, our, text, now, r, &err) != STORE_OK) {
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(phone),
		       err.msg);
		goto out;
	}
	if (keyword(c, s, &r->threads[0], text, now, note, sizeof(note),
		    &answered) != STORE_OK)
		goto out;
	/* what the conversation asked for its answers (the send API) */
	if (store_thread_opts(s, r->threads[0].id, now - c->lease_duration,
			      &opts, &err) != STORE_OK) {
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(phone),
		       err.msg);
		goto out;
	}
	if (!note[0] && forward_on(c, s, &r->threads[0], phone, our, text, opts,
				   now, fwd, sizeof(fwd)) != STORE_OK)
		goto out;
	if (answered || fwd[0])
		m->did_r->texted = true;
	if (opts && (o = json_loads(opts, 0, NULL)) != NULL) {
		wh.url = json_string_value(json_object_get(o, "WebhookUri"));
		wh.method =
		    json_string_value(json_object_get(o, "WebhookMethod"));
	}
	policy_display(phone, disp, sizeof(disp));
	amb[0] = '\0';
	if (r->ambiguous)
		ambiguity(c, r, disp, our, amb, sizeof(amb));
	n = strlen(text) + strlen(note) + strlen(amb) + strlen(r->note) +
	    strlen(fwd) + 9;
	if (!(body = malloc(n)))
		goto out;
	snprintf(body, n, "%s%s%s%s%s%s%s%s%s", text, note[0] ? "\n\n" : "",
		 note, amb[0] ? "\n\n" : "", amb, r->note[0] ? "\n\n" : "",
		 r->note, fwd[0] ? "\n\n" : "", fwd);
	snprintf(from, sizeof(from), "%s@%s", phone + (phone[0] == '+'),
		 c->sms_domains.v[0]);
	for (i = 0; i < r->n; i++) {
		const struct store_thread *t = &r->threads[i];

		if (!mail_to(c, s, m, t, phone, our, body, segments, now, mid,
			     &mail, &len))
			goto out;
		if (i == 0) {
			struct store_inbound in = {
			    .thread_id = t->id,
			    .text = text,
			    .encoding = encoding,
			    .segments = segments,
			    .provider = m->provider,
			    .provider_id = m->provider_id,
			    .message_id = mid,
			    .mail = {.from = from,
				     .rcpt = t->owner,
				     .data = mail,
				     .len = len},
			};

			rc =
			    store_inbound_add(s, &in, now, &id, &mail_id, &err);
			/* its event hooks, durable with it */
			if (rc == STORE_OK)
				rc = policy_hooks_inbound(
				    c, s, wh.url ? &wh : NULL, t->owner, id,
				    phone, our, text, now, &err);
			if (wh.url || c->inbound_hooks.n)
				m->did_r->hooked = true;
		} else {
			rc = store_mail_enqueue(s, from, t->owner, mail, len,
						now, &copy_id, &err);
		}
		free(mail);
		mail = NULL;
		if (rc == STORE_EDUP) {
			ut_log(LOG_INFO,
			       "from=%s %s id %s: seen before, not mailed "
			       "again",
			       UT_LOG_PHONE(phone), m->provider,
			       m->provider_id);
			res = IN_DUP;
			goto out;
		}
		if (rc != STORE_OK) {
			ut_log(LOG_ERR, "from=%s: store: %s",
			       UT_LOG_PHONE(phone), err.msg);
			goto out;
		}
		ut_log(LOG_INFO,
		       "id=%lld from=%s to=%s via=%s thread=%s owner=<%s> "
		       "mail=%lld status=received%s%s",
		       (long long)id, UT_LOG_PHONE(phone), our, m->provider,
		       t->tag, t->owner,
		       (long long)(i == 0 ? mail_id : copy_id),
		       answered ? " answered=yes" : "",
		       r->ambiguous ? " ambiguous=yes" : "");
	}
	if (!note[0] && mail_forward(c, s, m, &r->threads[0], phone, our, body,
				     segments, opts, now) != STORE_OK)
		goto out;
	res = IN_DONE;
out:
	json_decref(o);
	free(opts);
	free(body);
	free(r);
	return res;
}

/* assemble - the text of a set's parts, a marker for each missing one */
static char *
assemble(const char *phone, const struct store_part *p, unsigned n,
	 unsigned total, char *our, int *encoding_r)
{
	struct sms_text_part *tp = calloc(n ? n : 1, sizeof(*tp));
	struct sms_decoded info;
	size_t need;
	char *out = NULL;
	unsigned k;

	if (!tp)
		return NULL;
	*encoding_r = 0;
	our[0] = '\0';
	for (k = 0; k < n; k++) {
		size_t skip = p[k].len >= PART_HEAD
				  ? (size_t)PART_HEAD + p[k].data[1]
				  : p[k].len;

		if (skip > p[k].len)
			skip = p[k].len;
		if (k == 0 && skip > PART_HEAD) /* our number: the first's */
			snprintf(our, 40, "%.*s", (int)(skip - PART_HEAD),
				 (const char *)p[0].data + PART_HEAD);
		tp[k].seq = p[k].seq;
		/* each part in its own alphabet */
		tp[k].alphabet =
		    p[k].len >= PART_HEAD && p[k].data[0] <= SMS_ALPHA_8BIT
			? (enum sms_alphabet)p[k].data[0]
			: SMS_ALPHA_8BIT;
		tp[k].body = p[k].len ? p[k].data + skip : NULL;
		tp[k].len = p[k].len - skip;
		if (tp[k].alphabet == SMS_ALPHA_UCS2)
			*encoding_r = 8;
	}
	(void)sms_text_join(tp, n, total, NULL, 0, &need, NULL);
	if ((out = malloc(need + 1)) != NULL &&
	    sms_text_join(tp, n, total, out, need + 1, &need, &info) !=
		SMS_OK) {
		free(out);
		out = NULL;
	}
	if (out)
		decoded(phone, &info);
	free(tp);
	return out;
}

/* whole_set - take a set's parts and deliver them */
static enum inbound_result
whole_set(const struct conf *c, struct store *s, const struct inbound_sms *m,
	  const char *phone, unsigned ref, unsigned total, int64_t now)
{
	struct store_part *parts = NULL;
	struct store_error err;
	char our[40], *text;
	unsigned n = 0;
	int encoding = 0;
	enum inbound_result r;

	if (store_reasm_take(s, phone, ref, total, &parts, &n, &err) !=
	    STORE_OK) {
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(phone),
		       err.msg);
		return IN_TEMP;
	}
	if (n == 0)
		return IN_DUP; /* taken already */
	text = assemble(phone, parts, n, total, our, &encoding);
	store_parts_free(&parts, n);
	if (!text)
		return IN_TEMP;
	if (n < total)
		ut_log(LOG_WARNING,
		       "from=%s ref=%u: %u of %u parts came within "
		       "ReassemblyTimeout; mailing them",
		       UT_LOG_PHONE(phone), ref, n, total);
	r = deliver(c, s, m, phone, our, text, encoding, total, now);
	free(text);
	return r;
}

/* part - keep one part of a long text; deliver the set when whole */
static enum inbound_result
part(const struct conf *c, struct store *s, const struct inbound_sms *m,
     const char *phone, const char *our, const struct sms_inpart *p,
     int64_t now)
{
	const struct sms_concat *cc = &p->udh.concat;
	struct store_error err;
	size_t ol = strlen(our), n = p->len;
	uint8_t *blob = malloc(PART_HEAD + ol + n + 1);
	unsigned have = 0;
	int rc;

	if (!blob)
		return IN_TEMP;
	blob[0] = (uint8_t)p->dcs.alphabet;
	blob[1] = (uint8_t)ol;
	memcpy(blob + PART_HEAD, our, ol);
	if (n > 0)
		memcpy(blob + PART_HEAD + ol, p->body, n);
	rc = store_reasm_put(s, phone, cc->ref, cc->total, cc->seq, blob,
			     PART_HEAD + ol + n, now, &have, &err);
	free(blob);
	if (rc == STORE_EDUP)
		return IN_DUP;
	if (rc != STORE_OK) {
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(phone),
		       err.msg);
		return IN_TEMP;
	}
	if (have < cc->total) {
		ut_log(LOG_DEBUG, "from=%s ref=%u part %u of %u kept", phone,
		       cc->ref, cc->seq, cc->total);
		return IN_PART;
	}
	return whole_set(c, s, m, phone, cc->ref, cc->total, now);
}

/*
 * sender - whether m's addresses can be mailed (IN_DONE, the sender as
 * a phone, short code or name in from) or not, logged (IN_BAD)
 */
static enum inbound_result
sender(const struct conf *c, const struct inbound_sms *m, char from[20])
{
	struct policy_verdict v;

	if (m->from && (has_ctl(m->from) || (m->to && has_ctl(m->to)))) {
		ut_log(LOG_WARNING,
		       "a text via %s is refused: its sender or recipient "
		       "address holds control characters",
		       m->provider);
		return IN_BAD;
	}
	/* a phone, a short code or a sender name */
	if (!m->from || !policy_sender(c, m->from, from, &v)) {
		char quiet[sizeof(v.text)];

		/* the sentence quotes the sender: masked below debug */
		ut_log(LOG_WARNING, "a text via %s is not mailed: %s",
		       m->provider,
		       m->from ? ut_log_mask(v.text, quiet, sizeof(quiet))
			       : "it has no sender");
		return IN_BAD;
	}
	return IN_DONE;
}

/* receive - the body of inbound_sms, inside a unit */
static enum inbound_result
receive(const struct conf *c, struct store *s, const struct inbound_sms *m,
	int64_t now)
{
	struct sms_error serr;
	char from[20];
	struct sms_ud ud = {
	    .data = m->ud,
	    .len = m->ud_len,
	    .dc = (uint8_t)m->data_coding,
	    .udhi = (m->esm_class & 0x40) != 0,
	};
	struct sms_inpart p;
	char our[40], *text;
	enum inbound_result r;

	if (sender(c, m, from) != IN_DONE)
		return IN_BAD;
	our_number(c, m->to, our);
	if (m->text)
		return deliver(c, s, m, from, our, m->text, m->encoding,
			       m->segments ? m->segments : 1, now);
	if (sms_ud_parse(&ud, &p, &serr) != SMS_OK)
		ut_log(LOG_WARNING, "from=%s: bad user data header: %s",
		       UT_LOG_PHONE(from), serr.msg);
	if (p.udh.concat_ok && p.udh.concat.total > 1)
		return part(c, s, m, from, our, &p, now);
	if (!(text = text_of(from, &p)))
		return IN_TEMP;
	r = deliver(c, s, m, from, our, text,
		    p.dcs.alphabet == SMS_ALPHA_UCS2 ? 8 : 0, 1, now);
	free(text);
	return r;
}

/*
 * resent - whether m is the carrier sending again a text answered on
 * another link that dropped before it was seen to have our answer
 * (then that text is now unconfirmed on m's link)
 */
static enum inbound_result
resent(const struct conf *c, struct store *s, const struct inbound_sms *m,
       const char *fp, int64_t now)
{
	struct store_error err;
	bool found;

	if (store_unconfirmed_take(s, fp, m->session, m->mark,
				   now - c->resend_window, now, &found,
				   &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		return IN_TEMP;
	}
	if (!found)
		return IN_DONE;
	ut_log(LOG_NOTICE,
	       "from=%s via=%s: the same text came again on a new link (the "
	       "SMSC did not get our answer before the old link dropped): "
	       "answered, not mailed again",
	       m->from ? UT_LOG_PHONE(m->from) : "", m->provider);
	return IN_RESENT;
}

/* inbound_sms - a text from a phone, recorded and mailed, or not at all */
enum inbound_result
inbound_sms(const struct conf *c, struct store *s, const struct inbound_sms *in,
	    int64_t now)
{
	struct inbound_did did = {0};
	struct inbound_sms copy = *in; /* with a did_r of its own */
	const struct inbound_sms *m = &copy;
	struct store_error err;
	enum inbound_result r = IN_DONE;
	char fp[POLICY_FP_LEN + 1] = "";

	copy.did_r = &did;

	if (store_unit_begin(s, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		return IN_TEMP;
	}
	if (m->session && m->session[0] && !m->text && m->from && m->to) {
		policy_text_fingerprint(m->from, m->to, m->esm_class,
					(unsigned)m->data_coding, m->ud,
					m->ud_len, fp);
		r = resent(c, s, m, fp, now);
	}
	if (r == IN_DONE)
		r = receive(c, s, m, now);
	if (fp[0] && (r == IN_DONE || r == IN_PART) &&
	    store_unconfirmed_add(s, fp, m->session, m->mark, now, &err) !=
		STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		r = IN_TEMP;
	}
	/*
	 * only what was recorded is kept: a text sent again (IN_DUP) must
	 * not repeat its keyword's opt-out, answer or count
	 */
	if (store_unit_end(s, r == IN_DONE || r == IN_PART || r == IN_RESENT,
			   &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		return IN_TEMP;
	}
	if (r == IN_DONE && did.hooked)
		hooks_wake();
	if (in->did_r && (r == IN_DONE || r == IN_PART))
		*in->did_r = did;
	return r;
}

/*
 * inbound_spool - a text that came over SMPP, kept in the inbox (a
 * unit of its batch) with its fingerprint, to be mailed by the inbox
 * thread (inbound_sms there); the carrier's resend of a text answered
 * on a dropped link is answered and not kept again (IN_RESENT)
 */
enum inbound_result
inbound_spool(const struct conf *c, struct store *inbox,
	      const struct inbound_sms *m, int64_t now)
{
	struct store_raw raw = {
	    .at = now,
	    .data_coding = m->data_coding,
	    .esm_class = m->esm_class,
	    .ud = (uint8_t *)m->ud,
	    .ud_len = m->ud_len,
	};
	struct store_error err;
	enum inbound_result r;
	char fp[POLICY_FP_LEN + 1] = "", from[20];

	/* what can never be mailed is refused now, for good */
	if (sender(c, m, from) != IN_DONE)
		return IN_BAD;
	if (!m->to || strlen(m->from) >= sizeof(raw.from) ||
	    strlen(m->to) >= sizeof(raw.to)) {
		ut_log(LOG_WARNING, "a text via %s is refused: %s", m->provider,
		       m->to ? "an address longer than SMPP's"
			     : "it has no recipient address");
		return IN_BAD;
	}
	snprintf(raw.from, sizeof(raw.from), "%s", m->from);
	snprintf(raw.to, sizeof(raw.to), "%s", m->to);
	if (store_unit_begin(inbox, &err) != STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		return IN_TEMP;
	}
	r = IN_DONE;
	if (m->session && m->session[0]) {
		policy_text_fingerprint(m->from, m->to, m->esm_class,
					(unsigned)m->data_coding, m->ud,
					m->ud_len, fp);
		r = resent(c, inbox, m, fp, now);
	}
	if (r == IN_DONE && store_inbox_put(inbox, &raw, &err) != STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		r = IN_TEMP;
	}
	if (r == IN_DONE && fp[0] &&
	    store_unconfirmed_add(inbox, fp, m->session, m->mark, now, &err) !=
		STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		r = IN_TEMP;
	}
	if (store_unit_end(inbox, r == IN_DONE || r == IN_RESENT, &err) !=
	    STORE_OK) {
		ut_log(LOG_ERR, "inbox: %s", err.msg);
		return IN_TEMP;
	}
	return r;
}

/* inbound_purge - forget the unconfirmed texts older than ResendWindow */
void
inbound_purge(const struct conf *c, struct store *s, int64_t now)
{
	struct store_error err;

	if (store_unconfirmed_purge(s, now - c->resend_window, &err) !=
	    STORE_OK)
		ut_log(LOG_ERR, "store: %s", err.msg);
}

/* inbound_sweep - mail the sets that waited ReassemblyTimeout */
unsigned
inbound_sweep(const struct conf *c, struct store *s, int64_t now)
{
	struct store_reasm_set *sets = NULL;
	struct store_error err;
	unsigned n = 0, i, mailed = 0;
	struct inbound_did did = {0};
	struct inbound_sms m = {.provider = "smpp", .did_r = &did};

	if (store_reasm_stale(s, now - c->reassembly_timeout, &sets, &n,
			      &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		return 0;
	}
	for (i = 0; i < n; i++) {
		enum inbound_result r;

		if (store_unit_begin(s, &err) != STORE_OK)
			break;
		r = whole_set(c, s, &m, sets[i].phone, sets[i].ref,
			      sets[i].total, now);
		if (store_unit_end(s, r != IN_TEMP, &err) == STORE_OK &&
		    r == IN_DONE)
			mailed++;
	}
	if (did.hooked)
		hooks_wake();
	free(sets);
	return mailed;
}
