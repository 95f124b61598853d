/*
 * NAME
 *	rcpt - the milter's decision for one SMS recipient, at RCPT
 * DESCRIPTION
 *	Every refusal the milter can give before the mail is sent is given
 *	here, by the policy module's rules: the address, the size, who may
 *	send, the number to text from, the wrong-tag limit, the phones the
 *	recipient names (a number, a contact or a group), a reply tag that
 *	must be the sender's own, opt-outs, the per-recipient rate and the
 *	owner's quota. The caller (callbacks.c) turns a refusal into the
 *	SMTP reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "milter/milter_int.h"
#include "util/util.h"

/* milter_store_down - log why the store failed; the 451 for it */
bool
milter_store_down(struct policy_verdict *v, const struct store_error *err)
{
	ut_log(LOG_ERR, "store: %s", err->msg);
	metrics_store_error();
	return policy_store_down(v, NULL);
}

/* one_phone - e's only phone */
static bool
one_phone(struct entry *e, const char *e164, struct policy_verdict *v)
{
	e->phones = malloc(sizeof(*e->phones));
	if (!e->phones)
		return policy_refuse(v, "451", "4.3.0", "out of memory");
	snprintf(e->phones[0], sizeof(e->phones[0]), "%s", e164);
	e->nphones = 1;
	return true;
}

/*
 * known_name - local, no contact or group, is the sender name of
 * texts that came here (a thread has it): then policy_number says
 * why it cannot be texted (*known_r), else the usual refusal stands
 */
static bool
known_name(struct store *st, const char *local, bool *known_r,
	   struct store_error *err)
{
	struct store_thread *t = NULL;
	char name[20];
	unsigned n = 0;
	int rc;

	*known_r = false;
	if (!policy_sender_name(local, name))
		return true;
	rc = store_threads(st, NULL, name, 1, &t, &n, err);
	free(t);
	*known_r = rc == STORE_OK && n > 0;
	return rc == STORE_OK;
}

/* resolve - the phones of a recipient: a number, a contact, a group */
static bool
resolve(const struct conf *c, struct store *st, const struct policy_rcpt *r,
	struct entry *e, struct policy_verdict *v)
{
	struct store_error err;
	char phone[20], e164[20];
	bool name;
	int rc;

	if (r->number)
		return policy_number(c, r->local, NULL, e164, v) &&
		       one_phone(e, e164, v);
	rc = store_contact_get(st, r->local, phone, &err);
	if (rc == STORE_OK)
		return policy_number(c, phone, r->local, e164, v) &&
		       one_phone(e, e164, v);
	if (rc != STORE_ENOTFOUND)
		return milter_store_down(v, &err);
	if (!known_name(st, r->local, &name, &err))
		return milter_store_down(v, &err);
	if (r->tag[0] && name) /* a reply to a sender name's text */
		return policy_number(c, r->local, NULL, e164, v);
	if (r->tag[0])
		return policy_refuse(v, "550", "5.1.1", "no contact called %s",
				     r->local);
	rc = store_group_numbers(st, r->local, &e->phones, &e->nphones, &err);
	if (rc == STORE_ENOTFOUND && name)
		return policy_number(c, r->local, NULL, e164, v);
	if (rc == STORE_ENOTFOUND)
		return policy_refuse(v, "550", "5.1.1",
				     "no contact or group called %s", r->local);
	if (rc != STORE_OK)
		return milter_store_down(v, &err);
	if (e->nphones == 0)
		return policy_refuse(v, "550", "5.1.1",
				     "the group %s has no members", r->local);
	snprintf(e->group, sizeof(e->group), "%s", r->local);
	return true;
}

/*
 * pool_tag_ok - tag is of owner's conversation with phone on a pool
 * number it holds or held
 */
static bool
pool_tag_ok(const struct conf *c, struct store *st, const char *owner,
	    const char *phone, const char *tag)
{
	struct store_pool_lease *l = NULL;
	struct store_error err;
	unsigned n = 0, i;
	bool ok = false;

	if (!policy_pooled(c, owner) ||
	    store_pool_leases(st, phone, owner, NULL, 0, &l, &n, &err) !=
		STORE_OK)
		return false;
	for (i = 0; i < n && !ok; i++)
		ok = policy_tag_ok(c->tag_secret, owner, phone, l[i].number,
				   tag);
	free(l);
	return ok;
}

/* numbers_tag_ok - tag is of owner's conversation on one of its numbers */
static bool
numbers_tag_ok(const struct conf *c, const char *owner, const char *phone,
	       const char *tag)
{
	const char *mine[16];
	size_t n = policy_sender_numbers(c, owner, mine, 16), i;

	for (i = 0; i < n; i++)
		if (policy_tag_ok(c->tag_secret, owner, phone, mine[i], tag))
			return true;
	return false;
}

/* tag_check - a +tag must be the sender's own thread's */
static bool
tag_check(const struct conf *c, struct store *st, const struct session *s,
	  const char *owner, const char *sender, const struct policy_rcpt *r,
	  struct entry *e, struct policy_verdict *v)
{
	struct store_error err;
	char addr[300];

	if ((*sender && policy_tag_ok(c->tag_secret, owner, e->phones[0],
				      sender, r->tag)) ||
	    numbers_tag_ok(c, owner, e->phones[0], r->tag) ||
	    pool_tag_ok(c, st, owner, e->phones[0], r->tag)) {
		snprintf(e->tag, sizeof(e->tag), "%s", r->tag);
		return true;
	}
	snprintf(addr, sizeof(addr), "%s@%s", r->local, r->domain);
	ut_log(LOG_WARNING,
	       "%s: bad reply tag: client=%s from=<%s> to=%s tag=%s", s->qid,
	       s->client, s->from, ut_log_mask(addr, addr, sizeof(addr)),
	       r->tag);
	snprintf(addr, sizeof(addr), "%s+%s@%s", r->local, r->tag, r->domain);
	if (!policy_tag_failed(c, st, s->auth[0] ? s->auth : s->from, s->client,
			       addr, (int64_t)time(NULL), v, &err) &&
	    !strcmp(v->xcode, "4.3.0"))
		ut_log(LOG_ERR, "store: %s", err.msg);
	return false;
}

/* skipped - note an opted-out member of a group, for the sender */
static void
skipped(struct entry *e, const char *phone)
{
	size_t n = strlen(e->optedout_list);
	char disp[40];

	e->optedout++;
	policy_display(phone, disp, sizeof(disp));
	if (n + strlen(disp) + 16 < sizeof(e->optedout_list))
		snprintf(e->optedout_list + n, sizeof(e->optedout_list) - n,
			 "%s%s", n ? ", " : "", disp);
	else if (!strstr(e->optedout_list, "..."))
		snprintf(e->optedout_list + n, sizeof(e->optedout_list) - n,
			 ", ...");
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
		struct policy_verdict ignored;
		char from[40];

		/* the number it would leave from, when known now */
		if (policy_sender_for(c, owner, NULL, false, e->phones[i], from,
				      &ignored) != POLICY_FROM_FIXED)
			from[0] = '\0';
		if (!policy_phone_ok(c, st, e->phones[i], from, now, &out, v,
				     &err)) {
			if (!out || !e->group[0]) {
				if (!strcmp(v->xcode, "4.3.0"))
					ut_log(LOG_ERR, "store: %s", err.msg);
				return false;
			}
			ut_log(LOG_INFO,
			       "%s: group %s: %s opted out, not texted", s->qid,
			       e->group, UT_LOG_PHONE(e->phones[i]));
			skipped(e, e->phones[i]);
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

/* pool_check - a pooled owner's phones each have a number for it */
static bool
pool_check(const struct conf *c, struct store *st, const char *owner,
	   const struct entry *e, struct policy_verdict *v)
{
	struct store_error err;
	int64_t now = (int64_t)time(NULL);
	unsigned i;

	if (!policy_pooled(c, owner))
		return true;
	for (i = 0; i < e->nphones; i++)
		if (!policy_pool_check(c, st, owner, e->phones[i], now, v,
				       &err)) {
			if (!strcmp(v->xcode, "4.3.0"))
				ut_log(LOG_ERR, "store: %s", err.msg);
			return false;
		}
	return true;
}

/* rcpt_check - every RCPT-time decision for one SMS recipient */
bool
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
	if (!*sender && !policy_pooled(c, owner))
		return policy_refuse(v, "451", "4.3.5",
				     "no number to text from is configured "
				     "for %s (DefaultSender, SenderNumbers)",
				     owner);
	st = reader_store(c->database, &err);
	if (!st)
		return milter_store_down(v, &err);
	if (r->tag[0] &&
	    !policy_tag_failures_ok(c, st, s->auth[0] ? s->auth : s->from,
				    s->client, (int64_t)time(NULL), v, &err)) {
		if (!strcmp(v->xcode, "4.3.0"))
			ut_log(LOG_ERR, "store: %s", err.msg);
		return false;
	}
	if (!resolve(c, st, r, e, v))
		return false;
	if (r->tag[0] && !tag_check(c, st, s, owner, sender, r, e, v))
		return false;
	if (!limits_check(c, st, s, owner, e, v))
		return false;
	return pool_check(c, st, owner, e, v);
}
