/*
 * NAME
 *	tag - the syntax of thread tags in mail: one reader for all
 * DESCRIPTION
 *	A thread tag is written in base32 letters (a-z, 2-7; read in any
 *	case): "[#tag]" in a subject, "<number>+tag@domain" in an
 *	address, "#tag" in a text. smsmilter makes 12-letter tags
 *	(policy_tag); the reader takes 6 to 32 letters, so that the
 *	length stays a matter of policy. Subjects, addresses and texts are
 *	read here; policy/ makes and checks tags. When a subject is reused,
 *	every mark of the form "[#" letters or digits "]" goes, so that
 *	tags of another site or an older scheme do not pile up.
 */
#include <string.h>

#include "mailparse/mailparse.h"

/* mp_tag_span - the tag letters s starts with */
size_t
mp_tag_span(const char *s)
{
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
}

/* mp_tag_at - the length of the tag s starts with when end follows */
size_t
mp_tag_at(const char *s, char end)
{
	size_t n = mp_tag_span(s);

	return n >= MP_TAG_MIN && n <= MP_TAG_MAX && s[n] == end ? n : 0;
}

/* mp_subject_tag - the last "[#tag]" of a subject */
const char *
mp_subject_tag(const char *subject, size_t *len_r)
{
	const char *p = subject ? strstr(subject, "[#") : NULL, *tag = NULL;
	size_t n;

	*len_r = 0;
	for (; p; p = strstr(p + 2, "[#"))
		if ((n = mp_tag_at(p + 2, ']')) != 0) {
			tag = p + 2;
			*len_r = n;
		}
	return tag;
}

/* mp_subject_untag - s without its "[#tag]"s and the spaces before them */
void
mp_subject_untag(char *s)
{
	char *p = s, *end;
	size_t n;

	while ((p = strstr(p, "[#")) != NULL) {
		n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
		if (n == 0 || n > MP_TAG_MAX || p[2 + n] != ']') {
			p += 2;
			continue;
		}
		end = p + 2 + n + 1;
		while (p > s && p[-1] == ' ')
			p--;
		memmove(p, end, strlen(end) + 1);
		/* what is left may join into a mark: "[#ab[#x]cdef]" */
		p -= (size_t)(p - s) < 2 + MP_TAG_MAX ? (size_t)(p - s)
						      : 2 + MP_TAG_MAX;
	}
}
