/*
 * NAME
 *	number - the site's number rules, built in one place
 * DESCRIPTION
 *	A phone someone wants to text meets every rule of the site:
 *	DefaultCountry reads national numbers, AllowedCountries and
 *	DeniedAreaCodes say where texts may go. A number that texts us,
 *	or one only shown (a voicemail's caller), is read with
 *	DefaultCountry alone. The milter at RCPT, "smsctl send", the
 *	inbound path and the tools all take their rules from here, so
 *	that a number refused by one is refused by all, in the same
 *	words.
 */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"

/* policy_phone_rules - the rules of c for a use */
void
policy_phone_rules(const struct conf *c, enum policy_use use,
		   struct sms_phone_rules *r)
{
	*r =
	    (struct sms_phone_rules){c ? c->default_country : NULL, NULL, NULL};
	if (!c || use != POLICY_TEXTED)
		return;
	r->allowed = c->allowed_countries.n ? c->allowed_countries.v : NULL;
	r->denied = c->denied_prefixes.n ? c->denied_prefixes.v : NULL;
}

/* policy_number - a number to text, or the sentence refusing it */
bool
policy_number(const struct conf *c, const char *in, const char *name,
	      char e164_r[20], struct policy_verdict *v)
{
	struct sms_phone_rules rules;
	struct sms_number num;
	struct sms_error serr;
	char who[200];
	int rc;

	policy_phone_rules(c, POLICY_TEXTED, &rules);
	if (name && *name)
		snprintf(who, sizeof(who), "%s (%s)", name, in);
	else
		snprintf(who, sizeof(who), "%s", in);
	rc = sms_phone_parse(in, &rules, &num, &serr);
	if (rc == SMS_EDENIED)
		return policy_refuse(v, "550", "5.1.1",
				     "texts to %s are not allowed: %s", who,
				     serr.msg);
	if (rc != SMS_OK)
		return policy_refuse(v, "550", "5.1.3",
				     "%s is not a valid phone number: %s", who,
				     serr.msg);
	snprintf(e164_r, 20, "%s", num.e164);
	return true;
}

/* policy_display - "+1 202-555-0143" */
void
policy_display(const char *e164, char *out, size_t size)
{
	if (sms_phone_format(e164, out, size) != SMS_OK)
		snprintf(out, size, "%s", e164);
}
