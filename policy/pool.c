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
#include <string.h>
#include <syslog.h>

#include "policy/policy.h"
#include "util/util.h"

/* policy_pool_opts - the store's options from the configuration */
void
policy_pool_opts(const struct conf *c, struct store_pool_opts *o)
{
	*o = (struct store_pool_opts){
	    .numbers = c->sender_pool.v,
	    .n = c->sender_pool.n,
	    .idle = c->lease_duration,
	    .max = (unsigned)c->max_leases_per_phone,
	    .recycle = c->pool_exhausted == CONF_POOL_RECYCLE,
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
	struct store_pool_opts o;
	unsigned nlive = 0;
	bool room = false;

	policy_pool_opts(c, &o);
	if (store_pool_room(st, owner, phone, &o, now, &room, &nlive, err) !=
	    STORE_OK)
		return policy_refuse(v, "451", "4.3.0",
				     "the message store is not available");
	return room || full(c, phone, nlive, v);
}

/* policy_pool_sender - owner's number with phone, leased now */
bool
policy_pool_sender(const struct conf *c, struct store *st, const char *owner,
		   const char *phone, int64_t now, char number[40],
		   struct policy_verdict *v, struct store_error *err)
{
	struct store_pool_opts o;
	char evicted[256];
	bool room;
	unsigned nlive = 0;
	int rc;

	policy_pool_opts(c, &o);
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
	if (evicted[0])
		ut_log(LOG_NOTICE,
		       "pool: %s with %s moved to <%s>: the phone had no "
		       "number left (PoolExhausted recycle); <%s> lost it",
		       number, UT_LOG_PHONE(phone), owner, evicted);
	return true;
}
