/*
 * NAME
 *	phone - E.164 phone numbers: parse, validate, format
 * DESCRIPTION
 *	Parses numbers as people write them (+1 (202) 555-0143,
 *	202.555.0143, 0044 20 7946 0958, 020 7946 0958 with a default
 *	country), normalises them to E.164 and validates them: NANP by
 *	its numbering rules (area code and exchange start with 2-9, no
 *	N11 service codes), other countries by calling code and the
 *	length of the national significant number. The region of a NANP
 *	number comes from its area code (Canada and the Caribbean have
 *	their own). Allowed countries and denied prefixes are policy
 *	inputs; a refusal by policy is SMS_EDENIED, a bad number
 *	SMS_EINVAL.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sms/sms_int.h"

/* A country calling code: region, national number lengths, trunk prefix. */
struct country {
	char iso[3];
	unsigned short cc;
	unsigned char min, max; /* national significant number digits */
	char trunk;		/* national trunk prefix digit, or 0 */
};

/*
 * Calling codes (ITU-T E.164 assignments), sorted by code. Where a code
 * is shared, the row names the main region. Lengths follow national
 * numbering plans; where a plan varies widely, the range is wide.
 */
/* clang-format off */
static const struct country countries[] = {
	{"US", 1, 10, 10, '1'},	 {"RU", 7, 10, 10, '8'},
	{"EG", 20, 8, 10, '0'},	 {"ZA", 27, 9, 9, '0'},
	{"GR", 30, 10, 10, 0},	 {"NL", 31, 9, 9, '0'},
	{"BE", 32, 8, 9, '0'},	 {"FR", 33, 9, 9, '0'},
	{"ES", 34, 9, 9, 0},	 {"HU", 36, 8, 9, '0'},
	{"IT", 39, 6, 11, 0},	 {"RO", 40, 9, 9, '0'},
	{"CH", 41, 9, 9, '0'},	 {"AT", 43, 4, 13, '0'},
	{"GB", 44, 9, 10, '0'},	 {"DK", 45, 8, 8, 0},
	{"SE", 46, 7, 10, '0'},	 {"NO", 47, 8, 8, 0},
	{"PL", 48, 9, 9, 0},	 {"DE", 49, 6, 13, '0'},
	{"PE", 51, 8, 9, '0'},	 {"MX", 52, 10, 10, 0},
	{"CU", 53, 6, 8, '0'},	 {"AR", 54, 10, 11, '0'},
	{"BR", 55, 10, 11, '0'}, {"CL", 56, 9, 9, 0},
	{"CO", 57, 8, 10, '0'},	 {"VE", 58, 10, 10, '0'},
	{"MY", 60, 8, 10, '0'},	 {"AU", 61, 9, 9, '0'},
	{"ID", 62, 8, 12, '0'},	 {"PH", 63, 8, 10, '0'},
	{"NZ", 64, 8, 10, '0'},	 {"SG", 65, 8, 8, 0},
	{"TH", 66, 8, 9, '0'},	 {"JP", 81, 9, 10, '0'},
	{"KR", 82, 8, 10, '0'},	 {"VN", 84, 9, 10, '0'},
	{"CN", 86, 10, 11, '0'}, {"TR", 90, 10, 10, '0'},
	{"IN", 91, 10, 10, '0'}, {"PK", 92, 9, 10, '0'},
	{"AF", 93, 9, 9, '0'},	 {"LK", 94, 9, 9, '0'},
	{"MM", 95, 7, 10, '0'},	 {"IR", 98, 10, 10, '0'},
	{"SS", 211, 9, 9, '0'},	 {"MA", 212, 9, 9, '0'},
	{"DZ", 213, 8, 9, '0'},	 {"TN", 216, 8, 8, 0},
	{"LY", 218, 8, 9, '0'},	 {"GM", 220, 7, 7, 0},
	{"SN", 221, 9, 9, 0},	 {"MR", 222, 8, 8, 0},
	{"ML", 223, 8, 8, 0},	 {"GN", 224, 8, 9, 0},
	{"CI", 225, 8, 10, 0},	 {"BF", 226, 8, 8, 0},
	{"NE", 227, 8, 8, 0},	 {"TG", 228, 8, 8, 0},
	{"BJ", 229, 8, 10, 0},	 {"MU", 230, 7, 8, 0},
	{"LR", 231, 7, 9, '0'},	 {"SL", 232, 8, 8, '0'},
	{"GH", 233, 9, 9, '0'},	 {"NG", 234, 8, 10, '0'},
	{"TD", 235, 8, 8, 0},	 {"CF", 236, 8, 8, 0},
	{"CM", 237, 8, 9, 0},	 {"CV", 238, 7, 7, 0},
	{"ST", 239, 7, 7, 0},	 {"GQ", 240, 9, 9, 0},
	{"GA", 241, 7, 8, 0},	 {"CG", 242, 9, 9, 0},
	{"CD", 243, 9, 9, '0'},	 {"AO", 244, 9, 9, 0},
	{"GW", 245, 7, 9, 0},	 {"IO", 246, 7, 7, 0},
	{"AC", 247, 5, 6, 0},	 {"SC", 248, 7, 7, 0},
	{"SD", 249, 9, 9, '0'},	 {"RW", 250, 9, 9, '0'},
	{"ET", 251, 9, 9, '0'},	 {"SO", 252, 7, 9, '0'},
	{"DJ", 253, 8, 8, 0},	 {"KE", 254, 9, 10, '0'},
	{"TZ", 255, 9, 9, '0'},	 {"UG", 256, 9, 9, '0'},
	{"BI", 257, 8, 8, 0},	 {"MZ", 258, 8, 9, 0},
	{"ZM", 260, 9, 9, '0'},	 {"MG", 261, 9, 9, '0'},
	{"RE", 262, 9, 9, '0'},	 {"ZW", 263, 8, 10, '0'},
	{"NA", 264, 8, 10, '0'}, {"MW", 265, 7, 9, '0'},
	{"LS", 266, 8, 8, 0},	 {"BW", 267, 7, 8, 0},
	{"SZ", 268, 8, 8, 0},	 {"KM", 269, 7, 7, 0},
	{"SH", 290, 4, 5, 0},	 {"ER", 291, 7, 7, '0'},
	{"AW", 297, 7, 7, 0},	 {"FO", 298, 6, 6, 0},
	{"GL", 299, 6, 6, 0},	 {"GI", 350, 8, 8, 0},
	{"PT", 351, 9, 9, 0},	 {"LU", 352, 4, 11, 0},
	{"IE", 353, 7, 9, '0'},	 {"IS", 354, 7, 9, 0},
	{"AL", 355, 8, 9, '0'},	 {"MT", 356, 8, 8, 0},
	{"CY", 357, 8, 8, 0},	 {"FI", 358, 5, 12, '0'},
	{"BG", 359, 7, 9, '0'},	 {"LT", 370, 8, 8, '8'},
	{"LV", 371, 8, 8, 0},	 {"EE", 372, 7, 8, 0},
	{"MD", 373, 8, 8, '0'},	 {"AM", 374, 8, 8, '0'},
	{"BY", 375, 9, 10, '8'}, {"AD", 376, 6, 9, 0},
	{"MC", 377, 8, 9, '0'},	 {"SM", 378, 6, 10, 0},
	{"VA", 379, 6, 11, 0},	 {"UA", 380, 9, 9, '0'},
	{"RS", 381, 8, 9, '0'},	 {"ME", 382, 8, 8, '0'},
	{"XK", 383, 8, 9, '0'},	 {"HR", 385, 8, 9, '0'},
	{"SI", 386, 8, 8, '0'},	 {"BA", 387, 8, 9, '0'},
	{"MK", 389, 8, 8, '0'},	 {"CZ", 420, 9, 9, 0},
	{"SK", 421, 9, 9, '0'},	 {"LI", 423, 7, 9, 0},
	{"FK", 500, 5, 5, 0},	 {"BZ", 501, 7, 7, 0},
	{"GT", 502, 8, 8, 0},	 {"SV", 503, 8, 8, 0},
	{"HN", 504, 8, 8, 0},	 {"NI", 505, 8, 8, 0},
	{"CR", 506, 8, 8, 0},	 {"PA", 507, 7, 8, 0},
	{"PM", 508, 6, 6, '0'},	 {"HT", 509, 8, 8, 0},
	{"GP", 590, 9, 9, '0'},	 {"BO", 591, 8, 8, '0'},
	{"GY", 592, 7, 7, 0},	 {"EC", 593, 8, 9, '0'},
	{"GF", 594, 9, 9, '0'},	 {"PY", 595, 9, 9, '0'},
	{"MQ", 596, 9, 9, '0'},	 {"SR", 597, 6, 7, 0},
	{"UY", 598, 8, 8, '0'},	 {"CW", 599, 7, 8, 0},
	{"TL", 670, 7, 8, 0},	 {"NF", 672, 5, 6, 0},
	{"BN", 673, 7, 7, 0},	 {"NR", 674, 7, 7, 0},
	{"PG", 675, 7, 8, 0},	 {"TO", 676, 5, 7, 0},
	{"SB", 677, 5, 7, 0},	 {"VU", 678, 5, 7, 0},
	{"FJ", 679, 7, 7, 0},	 {"PW", 680, 7, 7, 0},
	{"WF", 681, 6, 6, 0},	 {"CK", 682, 5, 5, 0},
	{"NU", 683, 4, 7, 0},	 {"WS", 685, 5, 7, 0},
	{"KI", 686, 5, 8, 0},	 {"NC", 687, 6, 6, 0},
	{"TV", 688, 5, 6, 0},	 {"PF", 689, 8, 8, 0},
	{"TK", 690, 4, 7, 0},	 {"FM", 691, 7, 7, 0},
	{"MH", 692, 7, 7, 0},	 {"KP", 850, 8, 10, '0'},
	{"HK", 852, 8, 8, 0},	 {"MO", 853, 8, 8, 0},
	{"KH", 855, 8, 9, '0'},	 {"LA", 856, 8, 10, '0'},
	{"BD", 880, 10, 10, '0'}, {"TW", 886, 8, 9, '0'},
	{"MV", 960, 7, 7, 0},	 {"LB", 961, 7, 8, '0'},
	{"JO", 962, 8, 9, '0'},	 {"SY", 963, 8, 9, '0'},
	{"IQ", 964, 8, 10, '0'}, {"KW", 965, 8, 8, 0},
	{"SA", 966, 8, 9, '0'},	 {"YE", 967, 7, 9, '0'},
	{"OM", 968, 8, 8, 0},	 {"PS", 970, 8, 9, '0'},
	{"AE", 971, 8, 9, '0'},	 {"IL", 972, 8, 9, '0'},
	{"BH", 973, 8, 8, 0},	 {"QA", 974, 7, 8, 0},
	{"BT", 975, 7, 8, 0},	 {"MN", 976, 8, 8, '0'},
	{"NP", 977, 8, 10, '0'}, {"TJ", 992, 9, 9, '8'},
	{"TM", 993, 8, 8, '8'},	 {"AZ", 994, 9, 9, '0'},
	{"GE", 995, 9, 9, '0'},	 {"KG", 996, 9, 9, '0'},
	{"UZ", 998, 9, 9, '8'},
};
#define NCOUNTRIES (sizeof(countries) / sizeof(countries[0]))

/* NANP area codes outside the United States, by region. */
static const struct {
	unsigned short npa;
	char iso[3];
} nanp_regions[] = {
	{204, "CA"}, {226, "CA"}, {236, "CA"}, {242, "BS"}, {246, "BB"},
	{249, "CA"}, {250, "CA"}, {257, "CA"}, {263, "CA"}, {264, "AI"},
	{268, "AG"}, {284, "VG"}, {289, "CA"}, {306, "CA"}, {343, "CA"},
	{345, "KY"}, {354, "CA"}, {365, "CA"}, {367, "CA"}, {368, "CA"},
	{382, "CA"}, {387, "CA"}, {403, "CA"}, {416, "CA"}, {418, "CA"},
	{428, "CA"}, {431, "CA"}, {437, "CA"}, {438, "CA"}, {441, "BM"},
	{450, "CA"}, {460, "CA"}, {468, "CA"}, {473, "GD"}, {474, "CA"},
	{506, "CA"}, {514, "CA"}, {519, "CA"}, {548, "CA"}, {579, "CA"},
	{581, "CA"}, {584, "CA"}, {587, "CA"}, {604, "CA"}, {613, "CA"},
	{639, "CA"}, {647, "CA"}, {649, "TC"}, {658, "JM"}, {664, "MS"},
	{672, "CA"}, {683, "CA"}, {705, "CA"}, {709, "CA"}, {721, "SX"},
	{742, "CA"}, {753, "CA"}, {758, "LC"}, {767, "DM"}, {778, "CA"},
	{780, "CA"}, {782, "CA"}, {784, "VC"}, {807, "CA"}, {809, "DO"},
	{819, "CA"}, {825, "CA"}, {829, "DO"}, {849, "DO"}, {867, "CA"},
	{868, "TT"}, {869, "KN"}, {873, "CA"}, {876, "JM"}, {879, "CA"},
	{902, "CA"}, {905, "CA"}, {942, "CA"},
};
/* clang-format on */

/* country_by_cc - the row for a calling code, or NULL */
static const struct country *
country_by_cc(unsigned cc)
{
	size_t lo = 0, hi = NCOUNTRIES;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (countries[mid].cc == cc)
			return &countries[mid];
		if (countries[mid].cc < cc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* nanp_region - ISO region of a NANP area code */
static const char *
nanp_region(unsigned npa)
{
	size_t i;

	for (i = 0; i < sizeof(nanp_regions) / sizeof(nanp_regions[0]); i++)
		if (nanp_regions[i].npa == npa)
			return nanp_regions[i].iso;
	return "US";
}

/* country_by_iso - the row whose calling code serves region iso, or NULL */
static const struct country *
country_by_iso(const char *iso)
{
	size_t i;

	if (!iso || strlen(iso) != 2)
		return NULL;
	for (i = 0; i < NCOUNTRIES; i++)
		if (toupper((unsigned char)iso[0]) == countries[i].iso[0] &&
		    toupper((unsigned char)iso[1]) == countries[i].iso[1])
			return &countries[i];
	for (i = 0; i < sizeof(nanp_regions) / sizeof(nanp_regions[0]); i++)
		if (toupper((unsigned char)iso[0]) == nanp_regions[i].iso[0] &&
		    toupper((unsigned char)iso[1]) == nanp_regions[i].iso[1])
			return &countries[0];
	return NULL;
}

/* sms_country_known - true when iso is a region this module knows */
bool
sms_country_known(const char *iso)
{
	return country_by_iso(iso) != NULL;
}

/* nanp_check - NANP rules for a 10-digit national number */
static int
nanp_check(const char *nsn, struct sms_error *err)
{
	if (strlen(nsn) != 10)
		return sms_fail(err, SMS_EINVAL, 0,
				"a North American number has 10 digits after "
				"the country code, not %zu",
				strlen(nsn));
	if (nsn[0] < '2')
		return sms_fail(err, SMS_EINVAL, 0,
				"area code %.3s cannot start with %c", nsn,
				nsn[0]);
	if (nsn[1] == '1' && nsn[2] == '1')
		return sms_fail(err, SMS_EINVAL, 0,
				"%.3s is a service code, not an area code",
				nsn);
	if (nsn[3] < '2')
		return sms_fail(err, SMS_EINVAL, 0,
				"exchange %.3s cannot start with %c", nsn + 3,
				nsn[3]);
	if (nsn[4] == '1' && nsn[5] == '1')
		return sms_fail(err, SMS_EINVAL, 0,
				"exchange %.3s is a service code", nsn + 3);
	return SMS_OK;
}

/*
 * split_cc - find the calling code at the start of digits
 *
 * Calling codes form a prefix code, so at most one of the 1-, 2- and
 * 3-digit prefixes is assigned.
 */
static const struct country *
split_cc(const char *digits)
{
	unsigned cc = 0;
	size_t i;

	for (i = 0; i < 3 && isdigit((unsigned char)digits[i]); i++) {
		const struct country *c;

		cc = cc * 10 + (unsigned)(digits[i] - '0');
		c = country_by_cc(cc);
		if (c)
			return c;
	}
	return NULL;
}

/* cc_digits - number of digits in a calling code */
static size_t
cc_digits(unsigned cc)
{
	return cc < 10 ? 1 : cc < 100 ? 2 : 3;
}

/* validate - check a national significant number for country c */
static int
validate(const struct country *c, const char *nsn, struct sms_error *err)
{
	size_t n = strlen(nsn);

	if (c->cc == 1)
		return nanp_check(nsn, err);
	if (n < c->min || n > c->max) {
		if (c->min == c->max)
			return sms_fail(err, SMS_EINVAL, 0,
					"a +%u (%s) number has %u digits after "
					"the country code, not %zu",
					c->cc, c->iso, c->min, n);
		return sms_fail(err, SMS_EINVAL, 0,
				"a +%u (%s) number has %u to %u digits after "
				"the country code, not %zu",
				c->cc, c->iso, c->min, c->max, n);
	}
	if (n + cc_digits(c->cc) > 15)
		return sms_fail(err, SMS_EINVAL, 0,
				"longer than the 15 digits E.164 allows");
	return SMS_OK;
}

/* region_of - ISO region of a valid number */
static void
region_of(const struct country *c, const char *nsn, char iso_r[3])
{
	const char *r = c->iso;

	if (c->cc == 1)
		r = nanp_region((unsigned)((nsn[0] - '0') * 100 +
					   (nsn[1] - '0') * 10 + nsn[2] - '0'));
	else if (c->cc == 7 && (nsn[0] == '6' || nsn[0] == '7'))
		r = "KZ";
	memcpy(iso_r, r, 3);
}

/* policy - allowed countries and denied prefixes */
static int
policy(const struct sms_phone_rules *rules, const struct sms_number *num,
       struct sms_error *err)
{
	const char *const *p;

	if (rules && rules->allowed) {
		for (p = rules->allowed; *p; p++)
			if (strcasecmp(*p, num->region) == 0)
				break;
		if (!*p)
			return sms_fail(err, SMS_EDENIED, 0,
					"%s numbers (%s) are not allowed here",
					num->region, num->e164);
	}
	for (p = rules ? rules->denied : NULL; p && *p; p++) {
		char pre[20];

		if ((*p)[0] == '+')
			snprintf(pre, sizeof(pre), "%s", *p);
		else
			snprintf(pre, sizeof(pre), "+1%s", *p);
		if (strncmp(num->e164, pre, strlen(pre)) == 0)
			return sms_fail(err, SMS_EDENIED, 0,
					"numbers starting %s cannot receive "
					"texts from here",
					pre);
	}
	return SMS_OK;
}

/*
 * clean - keep the digits of a number as people write it
 *
 * Sets *plus_r for a leading "+". Separators are spaces, dashes, dots,
 * slashes and parentheses; anything else is an error naming it.
 */
static int
clean(const char *in, char *digits, size_t size, bool *plus_r,
      struct sms_error *err)
{
	size_t i, n = 0;
	bool seen = false;

	*plus_r = false;
	for (i = 0; in[i]; i++) {
		unsigned char c = (unsigned char)in[i];

		if (isdigit(c)) {
			if (n + 1 >= size)
				return sms_fail(err, SMS_EINVAL, i,
						"too many digits for a phone "
						"number");
			digits[n++] = (char)c;
			seen = true;
		} else if (c == '+' && !seen && !*plus_r) {
			*plus_r = true;
		} else if (c == ' ' || c == '-' || c == '.' || c == '(' ||
			   c == ')' || c == '/' || c == '\t') {
			continue;
		} else if (isalpha(c)) {
			return sms_fail(err, SMS_EINVAL, i,
					"letters are not allowed in a phone "
					"number (\"%c\" at %zu)",
					c, i);
		} else if (c < 0x20 || c >= 0x7F) {
			return sms_fail(err, SMS_EINVAL, i,
					"unexpected byte 0x%02X at %zu in a "
					"phone number",
					c, i);
		} else {
			return sms_fail(err, SMS_EINVAL, i,
					"unexpected \"%c\" at %zu in a phone "
					"number",
					c, i);
		}
	}
	digits[n] = '\0';
	if (n == 0)
		return sms_fail(err, SMS_EINVAL, 0, "no digits in \"%s\"", in);
	return SMS_OK;
}

/* finish - validate nsn for c and fill the result */
static int
finish(const struct country *c, const char *nsn,
       const struct sms_phone_rules *rules, struct sms_number *num,
       struct sms_error *err)
{
	int rc = validate(c, nsn, err);
	char e164[48];

	if (rc != SMS_OK)
		return rc;
	/* validate() bounds it to 16 characters */
	snprintf(e164, sizeof(e164), "+%u%s", c->cc, nsn);
	memcpy(num->e164, e164, sizeof(num->e164) - 1);
	num->e164[sizeof(num->e164) - 1] = '\0';
	num->cc = c->cc;
	region_of(c, nsn, num->region);
	return policy(rules, num, err);
}

/* international - digits that start with a calling code */
static int
international(const char *digits, const struct sms_phone_rules *rules,
	      struct sms_number *num, struct sms_error *err)
{
	const struct country *c = split_cc(digits);

	if (!c)
		return sms_fail(err, SMS_EINVAL, 0,
				"no country calling code starts \"%.3s\"",
				digits);
	return finish(c, digits + cc_digits(c->cc), rules, num, err);
}

/* sms_phone_parse - parse, normalise and validate a phone number */
int
sms_phone_parse(const char *in, const struct sms_phone_rules *rules,
		struct sms_number *num_r, struct sms_error *err)
{
	char digits[20]; /* E.164 is 15 digits; access codes add 3 */
	const char *d = digits;
	const struct country *home = NULL;
	bool plus;
	int rc;

	memset(num_r, 0, sizeof(*num_r));
	rc = clean(in, digits, sizeof(digits), &plus, err);
	if (rc != SMS_OK)
		return rc;
	if (plus)
		return international(digits, rules, num_r, err);
	if (rules && rules->default_country) {
		home = country_by_iso(rules->default_country);
		if (!home)
			return sms_fail(err, SMS_EINVAL, 0,
					"unknown default country \"%s\"",
					rules->default_country);
	}
	/* international access codes: 00 (ITU), 011 (NANP) */
	if (strncmp(d, "00", 2) == 0 && d[2] != '0')
		return international(d + 2, rules, num_r, err);
	if (home && home->cc == 1 && strncmp(d, "011", 3) == 0)
		return international(d + 3, rules, num_r, err);
	if (home) {
		const char *nsn = d;
		struct sms_error nerr;

		if (home->trunk && d[0] == home->trunk)
			nsn = d + 1;
		rc = finish(home, nsn, rules, num_r, &nerr);
		if (rc == SMS_OK || rc == SMS_EDENIED || nsn == d + 1 ||
		    strlen(d) <= home->max) {
			if (rc != SMS_OK && err)
				*err = nerr;
			return rc;
		}
		/* too long for a national number: E.164 without "+" */
	}
	if (!home && strlen(d) < 11)
		return sms_fail(err, SMS_EINVAL, 0,
				"\"%s\" needs a country code (no default "
				"country is set)",
				in);
	return international(d, rules, num_r, err);
}

/* sms_phone_format - format an E.164 number for people */
int
sms_phone_format(const char *e164, char *out, size_t outsz)
{
	const struct country *c;
	const char *nsn;
	size_t n;
	int w;

	if (!e164 || e164[0] != '+' ||
	    strspn(e164 + 1, "0123456789") != strlen(e164 + 1))
		return SMS_EINVAL;
	c = split_cc(e164 + 1);
	if (!c)
		return SMS_EINVAL;
	nsn = e164 + 1 + cc_digits(c->cc);
	n = strlen(nsn);
	if (c->cc == 1 && n == 10)
		w = snprintf(out, outsz, "+1 %.3s-%.3s-%.4s", nsn, nsn + 3,
			     nsn + 6);
	else if (c->cc == 44 && n == 10 && nsn[0] == '2')
		w = snprintf(out, outsz, "+44 %.2s %.4s %.4s", nsn, nsn + 2,
			     nsn + 6);
	else if (c->cc == 44 && n == 10)
		w = snprintf(out, outsz, "+44 %.4s %.6s", nsn, nsn + 4);
	else if ((c->cc == 33 || c->cc == 262 || c->cc == 590) && n == 9)
		w = snprintf(out, outsz, "+%u %.1s %.2s %.2s %.2s %.2s", c->cc,
			     nsn, nsn + 1, nsn + 3, nsn + 5, nsn + 7);
	else if (c->cc == 61 && n == 9 && nsn[0] == '4')
		w = snprintf(out, outsz, "+61 %.3s %.3s %.3s", nsn, nsn + 3,
			     nsn + 6);
	else if (c->cc == 61 && n == 9)
		w = snprintf(out, outsz, "+61 %.1s %.4s %.4s", nsn, nsn + 1,
			     nsn + 5);
	else if (c->cc == 91 && n == 10)
		w = snprintf(out, outsz, "+91 %.5s %.5s", nsn, nsn + 5);
	else if (c->cc == 49 && n >= 10 && nsn[0] == '1')
		w = snprintf(out, outsz, "+49 %.3s %s", nsn, nsn + 3);
	else
		w = snprintf(out, outsz, "+%u %s", c->cc, nsn);
	return w < 0 || (size_t)w >= outsz ? SMS_ESPACE : SMS_OK;
}

/* sms_sender_classify - what kind of sender ID s is */
enum sms_sender_kind
sms_sender_classify(const char *s, struct sms_error *err)
{
	size_t n = strlen(s), i, digits = 0, letters = 0;

	if (n == 0) {
		sms_fail(err, SMS_EINVAL, 0, "empty sender ID");
		return SMS_SENDER_INVALID;
	}
	if (s[0] == '+') {
		for (i = 1; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				break;
		if (i == n && n >= 8 && n <= 16)
			return SMS_SENDER_E164;
		sms_fail(err, SMS_EINVAL, 0,
			 "\"%s\": an international sender is + and 7 to 15 "
			 "digits",
			 s);
		return SMS_SENDER_INVALID;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isdigit(c))
			digits++;
		else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
			letters++;
		else if (c != ' ') {
			sms_fail(err, SMS_EINVAL, i,
				 "\"%s\": a sender ID may hold only A-Z, a-z, "
				 "0-9 and space, not \"%c\"",
				 s, c);
			return SMS_SENDER_INVALID;
		}
	}
	if (digits == n && n >= 3 && n <= 8)
		return SMS_SENDER_SHORTCODE;
	if (digits == n && n > 8 && n <= 15)
		return SMS_SENDER_E164; /* E.164 written without + */
	if (letters == 0) {
		sms_fail(err, SMS_EINVAL, 0,
			 "\"%s\": an alphanumeric sender ID needs a letter", s);
		return SMS_SENDER_INVALID;
	}
	if (n > 11) {
		sms_fail(err, SMS_EINVAL, 0,
			 "\"%s\" is %zu characters; an alphanumeric sender ID "
			 "has at most 11",
			 s, n);
		return SMS_SENDER_INVALID;
	}
	if (s[0] == ' ' || s[n - 1] == ' ') {
		sms_fail(err, SMS_EINVAL, 0,
			 "\"%s\": a sender ID cannot start or end with a space",
			 s);
		return SMS_SENDER_INVALID;
	}
	return SMS_SENDER_ALPHA;
}
