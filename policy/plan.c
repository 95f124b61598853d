/*
 * NAME
 *	plan - one way to plan a text from the configuration
 * DESCRIPTION
 *	A text is planned once, when it is queued, with the site's
 *	options: SmartEncoding, then SegmentCap under LongMessagePolicy
 *	(cut with TruncationMarker, or refused). The queue keeps the text
 *	as planned (plan->text: NFC, smart-mapped where that was done),
 *	its encoding and its segments, and that is what is billed. When
 *	smsgw sends it, policy_plan_queued plans that stored text again
 *	without mapping anything, which gives the same encoding and the
 *	same septets or units: what the store says, what was billed and
 *	what the phone gets are one thing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* policy_plan_opts - SmartEncoding, SegmentCap and its policy */
void
policy_plan_opts(const struct conf *c, struct policy_plan_opts *o)
{
	*o = (struct policy_plan_opts){true, false, 10, "..."};
	if (!c)
		return;
	o->smart = c->smart_encoding;
	o->reject_long = c->long_message_policy == CONF_LONG_REJECT;
	o->cap = (unsigned)c->segment_cap;
	o->marker = c->truncation_marker;
}

/*
 * policy_plan - plan text with the site's options; a text over the cap
 * is only counted before it is cut or refused, never planned whole (a
 * mail of megabytes would be copied into a plan that is thrown away)
 */
struct sms_plan *
policy_plan(const struct policy_plan_opts *o, const char *text,
	    bool *truncated_r, struct policy_verdict *v)
{
	struct sms_error serr;
	struct sms_opts so;
	struct sms_plan *p = NULL;
	size_t len = strlen(text);
	unsigned parts;

	*truncated_r = false;
	sms_opts_init(&so);
	so.smart = o->smart;
	so.replace_invalid = true;
	parts = sms_plan_segments(text, len, &so, &serr);
	if (parts > o->cap) {
		if (o->reject_long) {
			policy_refuse(v, "552", "5.3.4",
				      "the text would take %u SMS segments, "
				      "more than the limit of %u; shorten "
				      "the text",
				      parts, o->cap);
			return NULL;
		}
		p = sms_plan_truncate(text, len, &so, o->cap, o->marker, &serr);
		*truncated_r = p != NULL;
	} else if (parts > 0) {
		p = sms_plan_new(text, len, &so, &serr);
	}
	if (!p) {
		if (serr.status == SMS_ENOMEM)
			policy_refuse(v, "451", "4.3.0",
				      "out of memory while planning the text");
		else
			policy_refuse(v, "554", "5.6.0",
				      "the text cannot be sent: %s", serr.msg);
	}
	return p;
}

/* policy_plan_queued - a queued text planned again, unchanged */
struct sms_plan *
policy_plan_queued(const char *text, int encoding, bool *same_r,
		   struct sms_error *err)
{
	struct sms_opts so;
	struct sms_plan *p;
	enum sms_encoding want = encoding == 8 ? SMS_UCS2 : SMS_GSM7;

	sms_opts_init(&so);
	so.smart = false; /* mapped, if at all, when it was planned */
	so.replace_invalid = true;
	p = sms_plan_new(text, strlen(text), &so, err);
	if (p && p->encoding != want && want == SMS_GSM7) {
		/*
		 * Queued before texts were stored as planned: the text
		 * kept typographic characters that smart encoding had
		 * made GSM-7 when it was billed.
		 */
		sms_plan_free(&p);
		so.smart = true;
		p = sms_plan_new(text, strlen(text), &so, err);
	}
	*same_r = p && p->encoding == want;
	return p;
}

/* cut_at - the byte offset of code point k of s (its length past the end) */
static size_t
cut_at(const char *s, size_t len, size_t k)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == k)
			return i;
	return len;
}

/* with_links - body's first cut bytes, marker and links, in buf */
static size_t
with_links(char *buf, const char *body, size_t cut, const char *marker,
	   const char *links)
{
	size_t n = 0, m = marker ? strlen(marker) : 0;

	memcpy(buf, body, cut);
	n = cut;
	if (cut > 0) {
		if (m)
			memcpy(buf + n, marker, m);
		n += m;
		buf[n++] = '\n';
	}
	strcpy(buf + n, links);
	return n + strlen(links);
}

/*
 * policy_plan_links - body then links, planned: a text over the cap is
 * cut in its body, never in a link
 */
struct sms_plan *
policy_plan_links(const struct policy_plan_opts *o, const char *body,
		  const char *links, bool *truncated_r, size_t *kept_r,
		  struct policy_verdict *v)
{
	size_t blen = strlen(body), llen = strlen(links), lo, hi, mid, n;
	size_t mlen = o->marker ? strlen(o->marker) : 0;
	char *buf = malloc(blen + mlen + llen + 2);
	struct sms_plan *p = NULL;
	struct sms_error serr;
	struct sms_opts so;
	unsigned parts;

	*truncated_r = false;
	*kept_r = 0;
	if (!buf) {
		policy_refuse(v, "451", "4.3.0",
			      "out of memory while planning the text");
		return NULL;
	}
	snprintf(buf, blen + mlen + llen + 2, "%s%s%s", body, blen ? "\n" : "",
		 links);
	sms_opts_init(&so);
	so.smart = o->smart;
	so.replace_invalid = true;
	lo = 0;
	hi = 0;
	for (n = 0; n < blen; n++)
		hi += ((unsigned char)body[n] & 0xc0) != 0x80;
	parts = sms_plan_segments(buf, strlen(buf), &so, &serr);
	if (parts <= o->cap || o->reject_long) {
		p = policy_plan(o, buf, truncated_r, v);
		free(buf);
		*kept_r = hi;
		return p;
	}
	/* the most code points of the body that fit with the links */
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		n = with_links(buf, body, cut_at(body, blen, mid), o->marker,
			       links);
		parts = sms_plan_segments(buf, n, &so, &serr);
		if (parts > 0 && parts <= o->cap)
			lo = mid;
		else
			hi = mid - 1;
	}
	n = with_links(buf, body, cut_at(body, blen, lo), o->marker, links);
	parts = sms_plan_segments(buf, n, &so, &serr);
	if (parts == 0 || parts > o->cap) {
		free(buf);
		policy_refuse(v, "552", "5.3.4",
			      "the links to the attachments alone take %u SMS "
			      "segments, more than the limit of %u; send "
			      "fewer files",
			      parts, o->cap);
		return NULL;
	}
	p = sms_plan_new(buf, n, &so, &serr);
	free(buf);
	if (!p)
		policy_refuse(v, "451", "4.3.0",
			      "out of memory while planning the text");
	*truncated_r = p != NULL;
	*kept_r = lo;
	return p;
}
