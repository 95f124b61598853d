/*
 * NAME
 *	decode - user data of each alphabet to UTF-8, one part or a set
 * DESCRIPTION
 *	One decoder for GSM septets (unpacked), Latin-1 and 8-bit octets
 *	and UTF-16BE, fed a part at a time: a character split between
 *	two feeds of one alphabet (a GSM escape and its character, the
 *	halves of a surrogate pair, an odd octet) waits for the next.
 *	It counts the length it needs past the caller's buffer, so a
 *	caller may ask first and allocate. For texts a NUL is dropped and
 *	counted, never the end of what follows; sms_ucs2_decode keeps it.
 *
 *	sms_text_join orders the parts of a set by seq and decodes each
 *	with its own alphabet, marking the missing ones.
 */
#include <stdio.h>
#include <string.h>

#include "sms/sms_int.h"

#define GAP_MAX 48 /* "[part 255 of 255 missing]" and then some */

/* dec_init - start decoding into out (cap octets, may be NULL and 0) */
void
dec_init(struct text_dec *d, char *out, size_t cap, bool keep_nul)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->cap = out ? cap : 0;
	d->keep_nul = keep_nul;
}

/* put - write code point cp, or count it when it does not fit */
static void
put(struct text_dec *d, uint32_t cp)
{
	size_t n = utf8_len(cp);

	if (cp == 0 && !d->keep_nul) {
		d->info.nul++;
		return;
	}
	if (d->len + n < d->cap) /* room for the NUL too */
		utf8_put(cp, d->out + d->len);
	d->len += n;
}

/* put_str - write ASCII text s */
static void
put_str(struct text_dec *d, const char *s)
{
	for (; *s; s++)
		put(d, (unsigned char)*s);
}

/* unit - the UTF-16 unit at p */
static unsigned
unit(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* ucs2_octet - take one UTF-16BE octet */
static void
ucs2_octet(struct text_dec *d, uint8_t b)
{
	unsigned u, l;

	if (d->npend < 3) {
		d->pend[d->npend++] = b;
		if (d->npend == 1 || d->npend == 3)
			return;
		u = unit(d->pend);
		if (u >= 0xD800 && u <= 0xDBFF)
			return; /* wait for its low half */
		d->npend = 0;
		if (u >= 0xDC00 && u <= 0xDFFF) {
			d->info.bad++;
			u = SMS_REPLACEMENT;
		}
		put(d, u);
		return;
	}
	/* a high surrogate and the two octets after it */
	u = unit(d->pend);
	l = (unsigned)d->pend[2] << 8 | b;
	d->npend = 0;
	if (l >= 0xDC00 && l <= 0xDFFF) {
		put(d, 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00));
		return;
	}
	d->info.bad++;
	put(d, SMS_REPLACEMENT);
	ucs2_octet(d, d->pend[2]);
	ucs2_octet(d, b);
}

/* dec_flush - end a character left waiting */
void
dec_flush(struct text_dec *d)
{
	if (d->npend == 0)
		return;
	if (d->a == SMS_ALPHA_GSM7) {
		put(d, ' '); /* a trailing escape */
	} else {
		/* a high surrogate, an odd octet, or both */
		unsigned k = d->npend == 3 ? 2 : 1;

		d->info.bad += k;
		while (k--)
			put(d, SMS_REPLACEMENT);
	}
	d->npend = 0;
}

/* dec_feed - decode n octets of alphabet a */
void
dec_feed(struct text_dec *d, enum sms_alphabet a, const uint8_t *b, size_t n)
{
	size_t i;

	if (a != d->a)
		dec_flush(d);
	d->a = a;
	for (i = 0; i < n; i++) {
		unsigned c = b[i];

		switch (a) {
		case SMS_ALPHA_GSM7:
			c &= 0x7F;
			if (d->npend) {
				d->npend = 0;
				/* ESC ESC is reserved: a space */
				put(d, c == GSM_ESC ? ' ' : gsm_char(c, true));
			} else if (c == GSM_ESC) {
				d->npend = 1;
			} else {
				put(d, gsm_char(c, false));
			}
			break;
		case SMS_ALPHA_UCS2: ucs2_octet(d, (uint8_t)c); break;
		case SMS_ALPHA_LATIN1:
		case SMS_ALPHA_8BIT:
		default: put(d, c); break;
		}
	}
}

/* dec_end - flush and NUL-terminate */
int
dec_end(struct text_dec *d, size_t *len_r)
{
	dec_flush(d);
	*len_r = d->len;
	if (d->len >= d->cap) {
		if (d->cap > 0)
			d->out[0] = '\0';
		return SMS_ESPACE;
	}
	d->out[d->len] = '\0';
	return SMS_OK;
}

/* done - end decoding for a public function */
static int
done(struct text_dec *d, size_t *len_r, struct sms_decoded *info_r)
{
	int rc = dec_end(d, len_r);

	if (info_r)
		*info_r = d->info;
	return rc;
}

/* sms_inpart_decode - the text of one part as NUL-terminated UTF-8 */
int
sms_inpart_decode(const struct sms_inpart *p, char *out, size_t outsz,
		  size_t *len_r, struct sms_decoded *info_r)
{
	struct text_dec d;

	dec_init(&d, out, outsz, false);
	if (p->packed) {
		uint8_t sept[SMS_SINGLE_SEPTETS];

		/* sms_ud_parse saw that the octets hold them */
		if (sms_gsm_unpack(p->body, p->len, p->fill_bits, p->septets,
				   sept, sizeof(sept)) == SMS_OK)
			dec_feed(&d, SMS_ALPHA_GSM7, sept, p->septets);
	} else {
		dec_feed(&d, p->dcs.alphabet, p->body, p->len);
	}
	return done(&d, len_r, info_r);
}

/* sort - order parts by seq, stably (insertion: no hidden allocation) */
static void
sort(struct sms_text_part *p, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct sms_text_part x = p[i];

		for (j = i; j > 0 && p[j - 1].seq > x.seq; j--)
			p[j] = p[j - 1];
		p[j] = x;
	}
}

/* gap - mark parts from..to of total missing */
static void
gap(struct text_dec *d, unsigned from, unsigned to, unsigned total)
{
	char s[GAP_MAX];

	dec_flush(d);
	for (; from <= to; from++) {
		snprintf(s, sizeof(s), "[part %u of %u missing]", from, total);
		put_str(d, s);
		d->info.missing++;
	}
}

/* sms_text_join - the text of a set's parts as NUL-terminated UTF-8 */
int
sms_text_join(struct sms_text_part *parts, size_t n, unsigned total, char *out,
	      size_t outsz, size_t *len_r, struct sms_decoded *info_r)
{
	struct text_dec d;
	unsigned next = 1; /* the seq wanted next */
	size_t i;

	dec_init(&d, out, outsz, false);
	sort(parts, n);
	for (i = 0; i < n; i++) {
		const struct sms_text_part *p = &parts[i];

		if (p->seq < next || p->seq > total)
			continue; /* a repeat, or not of this set */
		if (p->seq > next)
			gap(&d, next, p->seq - 1, total);
		dec_feed(&d, p->alphabet, p->body, p->len);
		next = p->seq + 1;
	}
	if (next <= total)
		gap(&d, next, total, total);
	return done(&d, len_r, info_r);
}
