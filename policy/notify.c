/*
 * NAME
 *	notify - which delivery reports a sender asked for
 * DESCRIPTION
 *	RFC 3461's NOTIFY: "NEVER", or any of SUCCESS, FAILURE and DELAY
 *	separated by commas. The milter reads it from a RCPT's ESMTP
 *	arguments, "smsctl send --notify" from its command line, and both
 *	read it here.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"

/* policy_notify - a NOTIFY list as STORE_NOTIFY_* bits */
int
policy_notify(const char *s, unsigned *bits_r)
{
	static const struct {
		const char *word;
		unsigned bit;
	} words[] = {{"NEVER", STORE_NOTIFY_NEVER},
		     {"SUCCESS", STORE_NOTIFY_SUCCESS},
		     {"FAILURE", STORE_NOTIFY_FAILURE},
		     {"DELAY", STORE_NOTIFY_DELAY}};
	unsigned bits = 0, i;
	size_t n;

	*bits_r = 0;
	for (;;) {
		n = strcspn(s, ",");
		for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strlen(words[i].word) == n &&
			    strncasecmp(s, words[i].word, n) == 0)
				break;
		if (i == sizeof(words) / sizeof(words[0]))
			return -1;
		bits |= words[i].bit;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	if ((bits & STORE_NOTIFY_NEVER) && bits != STORE_NOTIFY_NEVER)
		return -1;
	*bits_r = bits;
	return 0;
}
