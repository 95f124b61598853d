/*
 * NAME
 *	pool - which number a pooled conversation texts from
 * DESCRIPTION
 *	An owner that SenderNumbers names no number for texts from
 *	SenderPool when it is set: each (owner, phone) conversation gets a
 *	pool number that no other live conversation with that phone uses
 *	(store_pool_take), so that an answer to that number goes to that
 *	conversation. RCPT asks policy_pool_check whether the phone has
 *	room; end of message takes the lease (policy_pool_sender). A phone
 *	with no number left for a new conversation gets what
 *	PoolExhausted says: 452 4.5.3, 550 5.5.3, or the least recently
 *	active conversation's number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "util/util.h"

/*
 * group_numbers - the numbers of owner's group in SenderPoolGroups (by
 * address, else by @domain) into v; how many (0: SenderPool's)
 */
static size_t
group_numbers(const struct conf *c, const char *owner, const char **v,
	      size_t max)
{
	const char *at = strrchr(owner, '@');
	size_t i, n = 0;
	int pass;

	for (pass = 0; pass < 2 && n == 0; pass++)
		for (i = 0; i < c->sender_pool_groups.n && n < max; i++)
			if (strcasecmp(c->sender_pool_groups.v[i].key,
				       pass == 0 ? owner
				       : at	 ? at
						 : "") == 0)
				v[n++] = c->sender_pool_groups.v[i].value;
	return n;
}

/* policy_pool_opts - the store's options from the configuration */
void
policy_pool_opts(const struct conf *c, const char *owner,
		 struct store_pool_opts *o, const char *buf[POLICY_POOL_MAX])
{
	size_t n = group_numbers(c, owner, buf, POLICY_POOL_MAX);

	*o = (struct store_pool_opts){
	    .numbers = n ? buf : c->sender_pool.v,
	    .n = n ? n : c->sender_pool.n,
	    .idle = c->lease_duration,
	    .max = (unsigned)c->max_leases_per_phone,
	    .recycle = c->pool_exhausted == CONF_POOL_RECYCLE,
	    .grace = c->lease_grace,
	};
}

/* days - a duration in whole days, at least 1, for sentences */
static long long
days(long long seconds)
{
	return seconds < 86400 ? 1 : seconds / 86400;
}

/* full - the verdict for a phone with no pool number left */
static bool
full(const struct conf *c, const char *phone, unsigned nlive,
     struct policy_verdict *v)
{
	char disp[40];

	policy_display(phone, disp, sizeof(disp));
	if (c->pool_exhausted == CONF_POOL_REJECT)
		return policy_refuse(v, "550", "5.5.3",
				     "%s already has %u conversations here, "
				     "each on its own number "
				     "(MaxLeasesPerPhone %lld): write in "
				     "yours, or ask for more SenderPool "
				     "numbers",
				     disp, nlive, c->max_leases_per_phone);
	return policy_refuse(v, "452", "4.5.3",
			     "%s already has %u conversations here, each on "
			     "its own number (MaxLeasesPerPhone %lld): this "
			     "is tried again, and goes once one is %lld days "
			     "quiet",
			     disp, nlive, c->max_leases_per_phone,
			     days(c->lease_duration));
}

/* policy_pool_check - may owner start or go on texting phone */
bool
policy_pool_check(const struct conf *c, struct store *st, const char *owner,
		  const char *phone, int64_t now, struct policy_verdict *v,
		  struct store_error *err)
{
	const char *buf[POLICY_POOL_MAX];
	struct store_pool_opts o;
	unsigned nlive = 0;
	bool room = false;

	policy_pool_opts(c, owner, &o, buf);
	if (store_pool_room(st, owner, phone, &o, now, &room, &nlive, err) !=
	    STORE_OK)
		return policy_refuse(v, "451", "4.3.0",
				     "the message store is not available");
	return room || full(c, phone, nlive, v);
}

/*
 * tell_evicted - mail the owner whose lease of number with phone was
 * recycled that answers to it now go to someone else
 */
static void
tell_evicted(const struct conf *c, struct store *st, const char *evicted,
	     const char *phone, const char *number, int64_t now)
{
	const char *domain = c->sms_domains.v[0];
	char from[300], id[128], disp[40], ours[40], title[160], lead[600];
	struct mp_error merr;
	struct store_error err;
	char *mail = NULL;
	size_t len;
	int64_t mid;

	policy_display(phone, disp, sizeof(disp));
	policy_display(number, ours, sizeof(ours));
	snprintf(from, sizeof(from), "MAILER-DAEMON@%s", domain);
	snprintf(title, sizeof(title), "Your texts with %s moved off %s", disp,
		 ours);
	snprintf(lead, sizeof(lead),
		 "Your conversation with %s was on our number %s, quiet the "
		 "longest of that phone's conversations here. The phone had "
		 "no number left for a new one, so %s was given to it "
		 "(PoolExhausted recycle): the phone's answers to %s no "
		 "longer reach you. Your next mail to the phone takes "
		 "another number",
		 disp, ours, ours, ours);
	if (mp_new_message_id(domain, id, sizeof(id)) != MP_OK)
		return;
	{
		struct mp_notice nt = {
		    .from = from,
		    .to = evicted,
		    .phones = disp,
		    .subject = "",
		    .notice = "Nothing was lost: what was sent stays in your "
			      "mail and in smsctl history",
		    .message_id = id,
		    .date = now,
		    .title = title,
		    .lead = lead,
		};

		if (mp_compose_notice(&nt, &mail, &len, &merr) != MP_OK) {
			ut_log(LOG_WARNING, "pool: no notice to <%s>: %s",
			       evicted, merr.msg);
			return;
		}
	}
	if (store_mail_enqueue(st, "", evicted, mail, len, now, &mid, &err) !=
	    STORE_OK)
		ut_log(LOG_ERR, "pool: no notice to <%s>: store: %s", evicted,
		       err.msg);
	free(mail);
}

/* policy_pool_sender - owner's number with phone, leased now */
bool
policy_pool_sender(const struct conf *c, struct store *st, const char *owner,
		   const char *phone, int64_t now, char number[40],
		   struct policy_verdict *v, struct store_error *err)
{
	const char *buf[POLICY_POOL_MAX];
	struct store_pool_opts o;
	char evicted[256];
	bool room;
	unsigned nlive = 0;
	int rc;

	policy_pool_opts(c, owner, &o, buf);
	rc = store_pool_take(st, owner, phone, &o, now, number, evicted, err);
	if (rc == STORE_EDUP) {
		if (store_pool_room(st, owner, phone, &o, now, &room, &nlive,
				    err) != STORE_OK)
			nlive = 0;
		return full(c, phone, nlive, v);
	}
	if (rc != STORE_OK)
		return policy_refuse(v, "451", "4.3.0",
				     "the message store is not available");
	if (evicted[0]) {
		ut_log(LOG_NOTICE,
		       "pool: %s with %s moved to <%s>: the phone had no "
		       "number left (PoolExhausted recycle); <%s> is told",
		       number, UT_LOG_PHONE(phone), owner, evicted);
		tell_evicted(c, st, evicted, phone, number, now);
	}
	return true;
}

/* policy_pool_number - number is one of a pool's (any group's) */
bool
policy_pool_number(const struct conf *c, const char *number)
{
	size_t i;

	for (i = 0; i < c->sender_pool.n; i++)
		if (strcmp(c->sender_pool.v[i], number) == 0)
			return true;
	for (i = 0; i < c->sender_pool_groups.n; i++)
		if (strcmp(c->sender_pool_groups.v[i].value, number) == 0)
			return true;
	return false;
}

/* policy_pool_for - owner has a pool: its group's, or SenderPool */
bool
policy_pool_for(const struct conf *c, const char *owner)
{
	const char *buf[POLICY_POOL_MAX];

	return c->sender_pool.n > 0 ||
	       group_numbers(c, owner, buf, POLICY_POOL_MAX) > 0;
}
