/*
 * NAME
 *	route - which conversation a text from a phone belongs to
 * DESCRIPTION
 *	A text that names its thread ("#tag") goes to that thread. One
 *	that does not goes to the conversation of the one owner who texted
 *	that phone from that number within LeaseDuration; when nobody did,
 *	to the most recently active thread of (phone, our number). When
 *	several owners did, nobody can tell whose answer it is, and it is
 *	ambiguous. An ambiguous answer goes to the number's
 *	owner (NumberOwners, else Postmaster) or, with AmbiguousAnswers
 *	all, to each of those owners; the caller says so in the mail. A
 *	text to a number nobody has used with the phone opens a thread for
 *	the number's owner.
 *
 *	A SenderPool number names its conversation with a phone: a text to
 *	one goes to the owner of that lease (renewing it) before any of
 *	the above but the tag; a lease expired less than LeaseGrace ago
 *	still does (the mail says it had expired), an older one gives way
 *	to the number's owner (the mail says so too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* open_for - the thread of owner with phone on our number */
static int
open_for(const struct conf *c, struct store *st, const char *owner,
	 const char *phone, const char *our, int64_t now,
	 struct store_thread *t, struct store_error *err)
{
	char tag[POLICY_TAG_LEN + 1];

	policy_tag(c->tag_secret, owner, phone, our, tag);
	return store_thread_open(st, owner, phone, our, tag, now, t, err);
}

/*
 * recent_owners - who texted phone from our within LeaseDuration, the
 * most recent first (a thread that only received texts is nobody's
 * conversation)
 */
static int
recent_owners(const struct conf *c, struct store *st, const char *phone,
	      const char *our, int64_t now, struct policy_route *r,
	      struct store_error *err)
{
	return store_recent_owners(st, phone, our, now - c->lease_duration,
				   r->owners, POLICY_ROUTE_MAX, &r->nowners,
				   err);
}

/*
 * by_lease - route by the lease of (phone, our); STORE_ENOTFOUND when
 * there never was one
 */
static int
by_lease(const struct conf *c, struct store *st, const char *phone,
	 const char *our, int64_t now, struct policy_route *r,
	 struct store_error *err)
{
	struct store_pool_lease l;
	const char *owner;
	char ours[40];
	long long idle;
	int rc;

	if ((rc = store_pool_find(st, phone, our, &l, err)) != STORE_OK)
		return rc;
	idle = (long long)(now - l.renewed);
	policy_display(our, ours, sizeof(ours));
	if (idle < c->lease_duration + c->lease_grace) {
		owner = l.owner;
		if (idle >= c->lease_duration)
			snprintf(r->note, sizeof(r->note),
				 "[%s was lent to this conversation until "
				 "%lld days without a text; it had been %lld "
				 "days, and the answer still came to you, "
				 "its last owner.]",
				 ours, c->lease_duration / 86400, idle / 86400);
		if ((rc = store_pool_renew(st, phone, our, now, err)) !=
		    STORE_OK)
			return rc;
	} else {
		owner = policy_number_owner(c, our);
		snprintf(r->note, sizeof(r->note),
			 "[This answer came to %s, which %s had with this "
			 "phone until %lld days ago, past LeaseGrace: it "
			 "went to the number's owner.]",
			 ours, l.owner, idle / 86400);
	}
	rc = open_for(c, st, owner, phone, our, now, &r->threads[0], err);
	r->n = rc == STORE_OK;
	return rc;
}

/* policy_route - the thread(s) a text from phone to our goes to */
int
policy_route(const struct conf *c, struct store *st, const char *phone,
	     const char *our, const char *text, int64_t now,
	     struct policy_route *r, struct store_error *err)
{
	char tag[POLICY_TAG_LEN + 1];
	unsigned i;
	int rc;

	memset(r, 0, sizeof(*r));
	if (policy_tag_in_text(text, tag)) {
		rc =
		    store_thread_find(st, tag, phone, our, &r->threads[0], err);
		if (rc == STORE_OK && strcmp(r->threads[0].tag, tag) == 0) {
			r->n = 1;
			return STORE_OK;
		}
		if (rc != STORE_OK && rc != STORE_ENOTFOUND)
			return rc;
	}
	if (policy_pool_number(c, our)) {
		rc = by_lease(c, st, phone, our, now, r, err);
		if (rc != STORE_ENOTFOUND)
			return rc;
	}
	rc = recent_owners(c, st, phone, our, now, r, err);
	if (rc != STORE_OK)
		return rc;
	if (r->nowners == 1) { /* the one who texted it lately */
		r->nowners = 0;
		rc = open_for(c, st, r->owners[0], phone, our, now,
			      &r->threads[0], err);
		r->n = rc == STORE_OK;
		return rc;
	}
	if (r->nowners == 0) { /* nobody lately: the last thread, else new */
		rc = store_thread_find(st, NULL, phone, our, &r->threads[0],
				       err);
		if (rc == STORE_ENOTFOUND)
			rc = open_for(c, st, policy_number_owner(c, our), phone,
				      our, now, &r->threads[0], err);
		r->n = rc == STORE_OK;
		return rc;
	}
	r->ambiguous = true;
	if (c->ambiguous_answers == CONF_AMBIGUOUS_ALL) {
		for (i = 0; i < r->nowners; i++) {
			rc = open_for(c, st, r->owners[i], phone, our, now,
				      &r->threads[i], err);
			if (rc != STORE_OK)
				return rc;
		}
		r->n = r->nowners;
		return STORE_OK;
	}
	rc = open_for(c, st, policy_number_owner(c, our), phone, our, now,
		      &r->threads[0], err);
	r->n = rc == STORE_OK;
	return rc;
}
