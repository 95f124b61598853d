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
 *
 *	Not every sender is a phone: short codes (3 to 8 digits that are
 *	no number of DefaultCountry) and sender names (1 to 11 letters,
 *	digits and spaces, with a letter) text us too. Their texts are
 *	mailed from the short code or the name at the SMS domain (a name
 *	in upper case, "_" for each space: AMAZON@sms.example.com); mail
 *	to a sender name is refused, and to a short code unless it is
 *	one of TextableShortCodes.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/*
 * not_phone - what in is when it is no phone number: a short code
 * (its digits into canon) or a sender name ("_" read as a space; upper
 * case, "_" for each space into canon), else SMS_SENDER_INVALID
 */
static enum sms_sender_kind
not_phone(const char *in, char canon[20])
{
	char id[20];
	size_t n = strlen(in), i;
	enum sms_sender_kind k;

	if (n == 0 || n >= sizeof(id))
		return SMS_SENDER_INVALID;
	for (i = 0; i <= n; i++)
		id[i] = in[i] == '_' ? ' ' : in[i];
	k = sms_sender_classify(id, NULL);
	if (k != SMS_SENDER_SHORTCODE && k != SMS_SENDER_ALPHA)
		return SMS_SENDER_INVALID;
	for (i = 0; i <= n; i++)
		canon[i] =
		    id[i] == ' ' ? '_' : (char)toupper((unsigned char)id[i]);
	return k;
}

/* textable - short code is one of TextableShortCodes */
static bool
textable(const struct conf *c, const char *code)
{
	size_t i;

	for (i = 0; c && i < c->short_codes.n; i++)
		if (!strcmp(c->short_codes.v[i], code))
			return true;
	return false;
}

/* policy_sender - who texted us, as the address its texts come from */
bool
policy_sender(const struct conf *c, const char *in, char out[20],
	      struct policy_verdict *v)
{
	struct sms_phone_rules rules;
	struct sms_number num;
	struct sms_error serr;

	policy_phone_rules(c, POLICY_ANY, &rules);
	if (sms_phone_parse(in, &rules, &num, &serr) == SMS_OK) {
		snprintf(out, 20, "%s", num.e164);
		return true;
	}
	if (not_phone(in, out) != SMS_SENDER_INVALID)
		return true;
	out[0] = '\0';
	return policy_refuse(v, "550", "5.1.3",
			     "\"%.30s\" is no phone number (%s), short code "
			     "or sender name",
			     in, serr.msg);
}

/* policy_sender_name - local names a sender name; canon_r its form */
bool
policy_sender_name(const char *local, char canon_r[20])
{
	return not_phone(local, canon_r) == SMS_SENDER_ALPHA;
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
	if (rc != SMS_OK) {
		char canon[20];

		switch (not_phone(in, canon)) {
		case SMS_SENDER_SHORTCODE:
			if (textable(c, canon)) {
				snprintf(e164_r, 20, "%s", canon);
				return true;
			}
			return policy_refuse(v, "550", "5.1.1",
					     "%s is a short code: it cannot be "
					     "texted through this transport "
					     "(as a phone number: %s)",
					     who, serr.msg);
		case SMS_SENDER_ALPHA:
			if (!name || !*name)
				snprintf(who, sizeof(who), "%s", canon);
			return policy_refuse(
			    v, "550", "5.1.1",
			    "%s is a sender name, not a phone: "
			    "it cannot receive texts",
			    who);
		default: break;
		}
		return policy_refuse(v, "550", "5.1.3",
				     "%s is not a valid phone number: %s", who,
				     serr.msg);
	}
	snprintf(e164_r, 20, "%s", num.e164);
	return true;
}

/* policy_display - "+1 202-555-0143" */
void
policy_display(const char *e164, char *out, size_t size)
{
	size_t i;

	if (sms_phone_format(e164, out, size) == SMS_OK)
		return;
	/* a short code, or a sender name with "_" for its spaces */
	snprintf(out, size, "%s", e164);
	for (i = 0; e164[0] != '+' && out[i]; i++)
		if (out[i] == '_')
			out[i] = ' ';
}
