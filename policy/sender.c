/*
 * NAME
 *	sender - which of our numbers a text leaves from
 * DESCRIPTION
 *	An owner's SenderNumbers (it may have several: the first is its
 *	default, and a mail picks another with X-SMS-Sender, checked
 *	against them), else a lease from SenderPool, else DefaultSender.
 *	A sender name (alphanumeric ID) is used only where phones take
 *	one: to a number under SenderNameDeniedPrefixes (+1: the US and
 *	Canada) the owner's first real number goes instead, else a pool
 *	number, else DefaultSender when it is a number; with none of
 *	those the text is refused, saying why.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"

/* owner_numbers - the SenderNumbers of owner, in order; how many */
static size_t
owner_numbers(const struct conf *c, const char *owner, const char **out,
	      size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < c->sender_numbers.n && n < max; i++)
		if (strcasecmp(c->sender_numbers.v[i].key, owner) == 0)
			out[n++] = c->sender_numbers.v[i].value;
	return n;
}

/* name_denied - phone is where sender names are not taken */
static bool
name_denied(const struct conf *c, const char *phone)
{
	char prefix[24];
	size_t i;

	for (i = 0; i < c->sender_name_denied.n; i++) {
		const char *p = c->sender_name_denied.v[i];

		/* an E.164 prefix, or a North American area code */
		snprintf(prefix, sizeof(prefix), "%s%s",
			 p[0] == '+' ? "" : "+1", p);
		if (strncmp(phone, prefix, strlen(prefix)) == 0)
			return true;
	}
	return false;
}

/* is_name - s is a sender name, not a number */
static bool
is_name(const char *s)
{
	struct sms_error err;

	return sms_sender_classify(s, &err) == SMS_SENDER_ALPHA;
}

/* list - the numbers as "a, b and c" */
static void
list(const char **v, size_t n, char *out, size_t size)
{
	size_t i, k = 0;

	out[0] = '\0';
	for (i = 0; i < n && k < size; i++)
		k += (size_t)snprintf(out + k, size - k, "%s%s",
				      i == 0	   ? ""
				      : i + 1 == n ? " and "
						   : ", ",
				      v[i]);
}

/* policy_sender_numbers - owner's SenderNumbers; how many */
size_t
policy_sender_numbers(const struct conf *c, const char *owner, const char **out,
		      size_t max)
{
	return owner_numbers(c, owner, out, max);
}

/* policy_sender_for - the number a text from owner to phone leaves from */
enum policy_from
policy_sender_for(const struct conf *c, const char *owner, const char *wanted,
		  bool operator, const char * phone, char out[40],
		  struct policy_verdict *v)
{
	const char *mine[16], *pick = NULL;
	size_t n = owner_numbers(c, owner, mine, 16), i;
	char have[300];
	struct sms_number num;
	struct sms_error err;
	char want[40];

	out[0] = '\0';
	if (wanted && *wanted) {
		/* a number as its E.164, a name as it is written */
		struct sms_phone_rules rules;

		policy_phone_rules(c, POLICY_ANY, &rules);
		if (sms_phone_parse(wanted, &rules, &num, &err) == SMS_OK)
			snprintf(want, sizeof(want), "%s", num.e164);
		else if (is_name(wanted))
			snprintf(want, sizeof(want), "%s", wanted);
		else {
			policy_refuse(v, "550", "5.5.4",
				      "X-SMS-Sender \"%.40s\" is neither a "
				      "number nor a sender name",
				      wanted);
			return POLICY_FROM_NONE;
		}
		for (i = 0; i < n && !pick; i++)
			if (strcasecmp(mine[i], want) == 0)
				pick = mine[i];
		if (!pick && n == 0 && strcasecmp(want, c->default_sender) == 0)
			pick = c->default_sender;
		if (!pick && policy_pool_number(c, want)) {
			/* the pool lends it: naming it could take another
			   conversation's number with that phone */
			policy_refuse(v, "550", "5.7.1",
				      "%s is a SenderPool number: the pool "
				      "lends it to one conversation per phone "
				      "(smsctl leases)",
				      want);
			return POLICY_FROM_NONE;
		}
		if (!pick && operator)
			pick = want;
		if (!pick) {
			list(mine, n, have, sizeof(have));
			policy_refuse(
			    v, "550", "5.7.1", "%s may not text from %s: %s%s",
			    owner, want, n ? "its numbers are " : "",
			    n			      ? have
			    : policy_pooled(c, owner) ? "the number is "
							"chosen per "
							"conversation "
							"(SenderPool)"
			    : c->default_sender[0]
				? "it texts from DefaultSender"
				: "no number is configured for it");
			return POLICY_FROM_NONE;
		}
	} else if (n > 0) {
		pick = mine[0];
	} else if (policy_pooled(c, owner)) {
		return POLICY_FROM_POOL;
	} else {
		pick = c->default_sender;
	}
	if (!*pick) {
		policy_refuse(v, "451", "4.3.5",
			      "no number to text from is configured for %s "
			      "(DefaultSender, SenderNumbers)",
			      owner);
		return POLICY_FROM_NONE;
	}
	if (is_name(pick) && name_denied(c, phone)) {
		const char *instead = NULL;

		for (i = 0; i < n && !instead; i++)
			if (!is_name(mine[i]))
				instead = mine[i];
		if (!instead && policy_pool_for(c, owner))
			return POLICY_FROM_POOL;
		if (!instead && c->default_sender[0] &&
		    !is_name(c->default_sender))
			instead = c->default_sender;
		if (!instead) {
			policy_refuse(v, "550", "5.5.3",
				      "%s is a sender name, which phones "
				      "there do not accept "
				      "(SenderNameDeniedPrefixes), and "
				      "there is no number to text from "
				      "instead (SenderNumbers, SenderPool)",
				      pick);
			return POLICY_FROM_NONE;
		}
		pick = instead;
	}
	snprintf(out, 40, "%s", pick);
	return POLICY_FROM_FIXED;
}
