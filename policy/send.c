/*
 * NAME
 *	send - queue one text from an owner to a phone, every rule applied
 * DESCRIPTION
 *	The one way a text that is not a mail is queued: smsctl send, the
 *	send API and forwarding all come here, so that each rule of the
 *	milter (who may text, the number rules, the number a text leaves
 *	from, opt-outs, the recipient rate, the owner's quota, the
 *	segment cap) holds for them unchanged. A refusal says which rule
 *	(enum policy_send_why) besides the sentence, for the API's codes,
 *	and leaves nothing in the store: each text is one unit of it.
 */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "sms/sms.h"

/* why - set *why_r (may be NULL) and return false */
static bool
why(enum policy_send_why *why_r, enum policy_send_why w)
{
	if (why_r)
		*why_r = w;
	return false;
}

/*
 * first_is - text id went to phone with text: a request sent again,
 * not another one under the same key (err->status STORE_OK when the
 * store could tell)
 */
static bool
first_is(struct store *s, int64_t id, const char *phone, const char *text,
	 struct store_error *err)
{
	struct store_message *m = NULL;
	struct store_filter f;
	unsigned n = 0;
	bool same;

	store_filter_init(&f);
	f.ids = &id;
	f.nids = 1;
	err->status = STORE_OK;
	if (store_history(s, &f, &m, &n, err) != STORE_OK)
		return false;
	same = n == 1 && !strcmp(m[0].phone, phone) && !strcmp(m[0].text, text);
	store_messages_free(&m, n);
	return same;
}

/* again - the key's first text: out says so */
static bool
again(struct policy_sent *out, int64_t id)
{
	out->id = id;
	out->dup = true;
	out->sid[0] = '\0';
	return true;
}

/* reused - the key queued another text */
static bool
reused(struct policy_verdict *v, enum policy_send_why *why_r)
{
	policy_refuse(v, "550", "5.7.1",
		      "that idempotency key was used for another text");
	return why(why_r, POLICY_SEND_KEY_REUSED);
}

/* policy_schedule_at - when a text asked for at t (Unix time) is due */
bool
policy_schedule_at(int64_t t, int64_t now, int64_t max_ahead, int64_t *due_r,
		   struct policy_verdict *v)
{
	*due_r = 0;
	if (t > now + max_ahead)
		return policy_refuse(v, "550", "5.7.1",
				     "the schedule date is more than %lld "
				     "days ahead",
				     (long long)(max_ahead / 86400));
	if (t < now - 3600)
		return policy_refuse(v, "550", "5.7.1",
				     "the schedule date is more than an hour "
				     "in the past");
	*due_r = t > now ? t : 0;
	return true;
}

/* send_one - plan, check and queue one text, in the unit of policy_send */
static bool
send_one(const struct conf *c, struct store *s, const struct policy_send *rq,
	 int64_t now, struct policy_sent *out, struct policy_verdict *v,
	 enum policy_send_why *why_r)
{
	struct policy_plan_opts po;
	struct store_error err;
	struct sms_error serr;
	struct sms_plan *p = NULL;
	const char *from = rq->from && *rq->from ? rq->from : NULL;
	char tag[POLICY_TAG_LEN + 1], idem[40], sid[STORE_SID_LEN + 1];
	const char *key = rq->idem_key && *rq->idem_key ? rq->idem_key : NULL;
	bool truncated = false, opted_out = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!policy_allowed_sender(c, rq->owner, v))
		return why(why_r, POLICY_SEND_NOT_ALLOWED);
	if (!policy_number(c, rq->to, NULL, out->phone, v))
		return why(why_r, POLICY_SEND_BAD_NUMBER);
	if (from && sms_sender_classify(from, &serr) == SMS_SENDER_INVALID) {
		policy_refuse(v, "550", "5.1.7", "the sender %.40s: %s", from,
			      serr.msg);
		return why(why_r, POLICY_SEND_BAD_FROM);
	}
	policy_plan_opts(c, &po);
	p = policy_plan(&po, rq->text ? rq->text : "", &truncated, v);
	if (!p)
		return why(why_r, !strcmp(v->xcode, "4.3.0")
				      ? POLICY_SEND_STORE
				      : POLICY_SEND_BAD_TEXT);
	if (p->nparts == 0 || !*p->text) {
		sms_plan_free(&p);
		policy_refuse(v, "550", "5.6.0", "the text is empty");
		return why(why_r, POLICY_SEND_BAD_TEXT);
	}
	/* the same key again: the first text, checked and queued before */
	if (key) {
		int64_t first;

		rc = store_idem_find(s, key, &first, &err);
		if (rc == STORE_OK) {
			bool same =
			    first_is(s, first, out->phone, p->text, &err);

			sms_plan_free(&p);
			return same ? again(out, first)
			       : err.status != STORE_OK
				   ? policy_store_down(v, &err)
				   : reused(v, why_r);
		}
		if (rc != STORE_ENOTFOUND) {
			sms_plan_free(&p);
			return policy_store_down(v, &err);
		}
	}
	switch (policy_sender_for(c, rq->owner, from, rq->any_from, out->phone,
				  out->from, v)) {
	case POLICY_FROM_NONE:
		sms_plan_free(&p);
		return why(why_r, POLICY_SEND_FROM_DENIED);
	case POLICY_FROM_FIXED: break;
	case POLICY_FROM_POOL:
		/* the conversation's pool number, leased now */
		if (!policy_pool_sender(c, s, rq->owner, out->phone, now,
					out->from, v, &err)) {
			sms_plan_free(&p);
			return !strcmp(v->xcode, "4.3.0")
				   ? policy_store_down(v, &err)
				   : why(why_r, POLICY_SEND_NO_NUMBER);
		}
		out->pooled = true;
		break;
	}
	if (!policy_phone_ok(c, s, out->phone, out->from, now, &opted_out, v,
			     &err) ||
	    !policy_quota_ok(c, s, rq->owner, p->nparts, now, v, &err)) {
		sms_plan_free(&p);
		if (!strcmp(v->xcode, "4.3.0"))
			return policy_store_down(v, &err); /* with its reason */
		if (opted_out)
			return why(why_r, POLICY_SEND_OPTED_OUT);
		return why(why_r, v->code[0] == '4' ? POLICY_SEND_RATE
						    : POLICY_SEND_QUOTA);
	}
	policy_tag(c->tag_secret, rq->owner, out->phone, out->from, tag);
	if (!key && store_sid_new("ID", idem))
		key = idem;
	if (!key) {
		sms_plan_free(&p);
		policy_refuse(v, "451", "4.3.0", "no random bytes for an id");
		return why(why_r, POLICY_SEND_STORE);
	}
	if (!store_sid_new("SM", sid)) {
		sms_plan_free(&p);
		policy_refuse(v, "451", "4.3.0", "no random bytes for an id");
		return why(why_r, POLICY_SEND_STORE);
	}
	{
		struct store_outbound m = {
		    .owner = rq->owner,
		    .phone = out->phone,
		    .sender = out->from,
		    .tag = tag,
		    .subject = rq->subject,
		    .envelope_from = rq->owner,
		    .idem_key = key,
		    .notify = rq->notify ? rq->notify : STORE_NOTIFY_NEVER,
		    .text = p->text,
		    .encoding = p->encoding == SMS_UCS2 ? 8 : 0,
		    .segments = p->nparts,
		    .due = rq->due,
		    .rate_window = c->recipient_rate.count > 0
				       ? c->recipient_rate.seconds
				       : 0,
		    .external_id = rq->external_id,
		    .opts = rq->opts,
		    .sid = sid,
		};

		rc = store_enqueue(s, &m, now, &out->id, &out->thread, &err);
	}
	out->segments = p->nparts;
	out->encoding = p->encoding;
	out->truncated = truncated;
	snprintf(out->tag, sizeof(out->tag), "%s", tag);
	snprintf(out->sid, sizeof(out->sid), "%s", sid);
	if (rc == STORE_EDUP) { /* queued meanwhile under the same key */
		bool same = first_is(s, out->id, out->phone, p->text, &err);

		sms_plan_free(&p);
		return same			? again(out, out->id)
		       : err.status != STORE_OK ? policy_store_down(v, &err)
						: reused(v, why_r);
	}
	sms_plan_free(&p);
	if (rc != STORE_OK)
		return policy_store_down(v, &err);
	return true;
}

/*
 * policy_send - send_one in a unit of the store: what a refused text
 * wrote (the pool lease taken before the opt-out, rate and quota
 * checks, a lease recycled from another owner and its notice) is
 * rolled back; inside the caller's unit, a savepoint of it
 */
bool
policy_send(const struct conf *c, struct store *s, const struct policy_send *rq,
	    int64_t now, struct policy_sent *out, struct policy_verdict *v,
	    enum policy_send_why *why_r)
{
	struct store_error err;
	bool ok;

	if (store_unit_begin(s, &err) != STORE_OK) {
		memset(out, 0, sizeof(*out));
		why(why_r, POLICY_SEND_STORE);
		return policy_store_down(v, &err);
	}
	ok = send_one(c, s, rq, now, out, v, why_r);
	if (!ok && !strcmp(v->xcode, "4.3.0"))
		why(why_r, POLICY_SEND_STORE); /* the store, or no randomness */
	if (store_unit_end(s, ok, &err) != STORE_OK && ok) {
		memset(out, 0, sizeof(*out));
		why(why_r, POLICY_SEND_STORE);
		return policy_store_down(v, &err);
	}
	return ok;
}

/* policy_send_why_name - the stable name of a refusal, for the API */
const char *
policy_send_why_name(enum policy_send_why w)
{
	switch (w) {
	case POLICY_SEND_NOT_ALLOWED: return "sender_not_allowed";
	case POLICY_SEND_BAD_NUMBER: return "invalid_number";
	case POLICY_SEND_BAD_FROM: return "invalid_from";
	case POLICY_SEND_FROM_DENIED: return "from_not_allowed";
	case POLICY_SEND_KEY_REUSED: return "idempotency_key_reused";
	case POLICY_SEND_NO_NUMBER: return "no_number_available";
	case POLICY_SEND_BAD_TEXT: return "invalid_text";
	case POLICY_SEND_OPTED_OUT: return "opted_out";
	case POLICY_SEND_RATE: return "rate_limited";
	case POLICY_SEND_QUOTA: return "over_quota";
	case POLICY_SEND_STORE: return "unavailable";
	}
	return "error";
}
