/*
 * NAME
 *	nfc - Unicode normalisation form C, only where it is needed
 * DESCRIPTION
 *	nfc_check() (sms_int.h) is a quick check in the spirit of UAX #15:
 *	code point by code point, it says whether NFC might change the text.
 *	In the BMP two bitmaps generated from utf8proc at build time decide
 *	(gen_nfc_table.c); combining marks are checked for canonical order
 *	and code points beyond the BMP conservatively (nfc_check_other).
 *	Plain text never reaches utf8proc's normaliser.
 *
 *	nfc_normalise() normalises a whole text, stretch by stretch: a
 *	stretch starts at an inert code point (one that neither changes
 *	nor interacts with what precedes it) and takes the non-inert ones
 *	after it. Beside the text it returns, it needs room for one
 *	stretch at a time, never for each byte or code point of the text.
 *	A stretch is decomposed by utf8proc code point by code point, put
 *	in canonical order here (by counting: utf8proc_decompose() swaps
 *	neighbours, in time the square of a run of marks), and composed
 *	by utf8proc.
 *	nfc_map_parts() takes offsets in the normalised text back to the
 *	stretches of the input they came from, going through the stretches
 *	again: callers report positions in the input, and only a few.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "sms/sms_int.h"

#define NFC_OPTIONS (UTF8PROC_STABLE | UTF8PROC_COMPOSE)

/* canonical - cp has a canonical decomposition */
static bool
canonical(const utf8proc_property_t *p)
{
	return p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0;
}

/* nfc_check_other - nfc_check() for code points outside the fast ranges */
bool
nfc_check_other(uint32_t cp, unsigned *last_ccc)
{
	const utf8proc_property_t *p;
	unsigned ccc;

	if (cp >= 0x1160 && cp < 0x1200)
		return true; /* Hangul V and T jamo compose with what precedes
			      */
	p = utf8proc_get_property((utf8proc_int32_t)cp);
	ccc = (unsigned)p->combining_class;
	if (ccc != 0 && ccc < *last_ccc)
		return true;
	*last_ccc = ccc;
	if (p->comb_index != UINT16_MAX && p->comb_index >= 0x8000)
		return true; /* can be the second of a composition */
	return canonical(p) && !(cp >= 0xAC00 && cp <= 0xD7A3);
}

/* inert - cp neither changes under NFC nor combines with what precedes */
static bool
inert(uint32_t cp)
{
	const utf8proc_property_t *p;

	if (cp < 0x300)
		return true;
	if ((cp >= 0x1100 && cp < 0x1200) || (cp >= 0xAC00 && cp <= 0xD7A3))
		return false;
	p = utf8proc_get_property((utf8proc_int32_t)cp);
	return p->combining_class == 0 && p->decomp_seqindex == UINT16_MAX &&
	       p->comb_index == UINT16_MAX;
}

/* One stretch at a time, as NFC sees it. */
struct stretch {
	const unsigned char *s;
	size_t len;
	size_t at;	       /* where the stretch starts in s */
	size_t pos;	       /* where the next one starts */
	utf8proc_int32_t *buf; /* its NFC: n code points */
	size_t bufcap;
	utf8proc_int32_t *tmp; /* for order() */
	size_t tmpcap;
	utf8proc_ssize_t n;
};

/* grow32 - room for want code points in *b (*cap of them); 0 or -1 */
static int
grow32(utf8proc_int32_t **b, size_t *cap, size_t want)
{
	utf8proc_int32_t *more;
	size_t c = *cap ? *cap : 64;

	if (want <= *cap)
		return 0;
	while (c < want)
		c *= 2;
	more = realloc(*b, c * sizeof(**b));
	if (!more)
		return -1;
	*b = more;
	*cap = c;
	return 0;
}

/* cp_at - the code point at s[*pos], U+FFFD for an invalid sequence */
static uint32_t
cp_at(const struct stretch *st, size_t *pos)
{
	int32_t c = utf8_next(st->s, st->len, pos);

	return c < 0 ? SMS_REPLACEMENT : (uint32_t)c;
}

/* decompose - append the canonical decomposition of cp; 0 or -1 */
static int
decompose(struct stretch *st, size_t *n, uint32_t cp)
{
	utf8proc_ssize_t m = 4; /* the longest there is */
	int bound = 0;		/* unused without UTF8PROC_CHARBOUND */

	for (;;) {
		if (grow32(&st->buf, &st->bufcap, *n + (size_t)m) != 0)
			return -1;
		m = utf8proc_decompose_char((utf8proc_int32_t)cp, st->buf + *n,
					    (utf8proc_ssize_t)(st->bufcap - *n),
					    NFC_OPTIONS, &bound);
		if (m < 0) { /* cannot happen: cp is valid */
			st->buf[*n] = (utf8proc_int32_t)cp;
			m = 1;
		}
		if ((size_t)m <= st->bufcap - *n) {
			*n += (size_t)m;
			return 0;
		}
	}
}

/* ccc - the canonical combining class of cp */
static unsigned
ccc(utf8proc_int32_t cp)
{
	return (unsigned)utf8proc_get_property(cp)->combining_class;
}

/*
 * order - the canonical ordering of the n code points in st->buf:
 * each run of marks (of a class other than 0) sorted by class, keeping
 * the order of those of one class, as utf8proc_decompose() does; but
 * by counting, not by swapping neighbours, which takes time in the
 * square of a run (a mail of marks of two classes by turns); 0 or -1
 */
static int
order(struct stretch *st, size_t n)
{
	utf8proc_int32_t *b = st->buf;
	size_t i = 0, j, k, at[257];
	unsigned c, prev;
	bool sorted;

	while (i < n) {
		if (ccc(b[i]) == 0) {
			i++;
			continue;
		}
		sorted = true;
		prev = 0;
		for (j = i; j < n && (c = ccc(b[j])) != 0; j++) {
			sorted &= c >= prev;
			prev = c;
		}
		if (!sorted) {
			if (grow32(&st->tmp, &st->tmpcap, j - i) != 0)
				return -1;
			memset(at, 0, sizeof(at));
			for (k = i; k < j; k++)
				at[ccc(b[k]) + 1]++;
			for (c = 1; c < 257; c++)
				at[c] += at[c - 1]; /* where class c goes */
			for (k = i; k < j; k++)
				st->tmp[at[ccc(b[k])]++] = b[k];
			memcpy(b + i, st->tmp, (j - i) * sizeof(*b));
		}
		i = j;
	}
	return 0;
}

/*
 * stretch_next - the NFC of the next stretch in st->buf (st->n code
 * points); 1, 0 when there is none, or SMS_ENOMEM (err filled)
 */
static int
stretch_next(struct stretch *st, struct sms_error *err)
{
	size_t n = 0, next;

	if (st->pos >= st->len)
		return 0;
	st->at = st->pos;
	if (decompose(st, &n, cp_at(st, &st->pos)) != 0)
		goto nomem;
	while (st->pos < st->len) {
		uint32_t cp;

		next = st->pos;
		cp = cp_at(st, &next);
		if (inert(cp))
			break;
		if (decompose(st, &n, cp) != 0)
			goto nomem;
		st->pos = next;
	}
	if (order(st, n) != 0)
		goto nomem;
	st->n =
	    utf8proc_normalize_utf32(st->buf, (utf8proc_ssize_t)n, NFC_OPTIONS);
	return 1;
nomem:
	return sms_fail(err, SMS_ENOMEM, 0, "out of memory");
}

/* stretch_free - free the room stretch_next() took */
static void
stretch_free(struct stretch *st)
{
	free(st->buf);
	free(st->tmp);
}

/* nfc_normalise - NFC of text, invalid sequences as U+FFFD */
int
nfc_normalise(const char *text, size_t len, char **out_r, size_t *len_r,
	      struct sms_error *err)
{
	struct stretch st = {.s = (const unsigned char *)text, .len = len};
	size_t cap = len + 16, n = 0, k;
	char *out = malloc(cap);
	int rc;

	if (!out)
		return sms_fail(err, SMS_ENOMEM, 0, "out of memory");
	while ((rc = stretch_next(&st, err)) == 1)
		for (k = 0; k < (size_t)st.n; k++) {
			if (n + 5 > cap) { /* a code point and the NUL */
				char *more = realloc(out, 2 * cap);

				if (!more) {
					rc = sms_fail(err, SMS_ENOMEM, 0,
						      "out of memory");
					goto done;
				}
				out = more;
				cap *= 2;
			}
			n += utf8_put((uint32_t)st.buf[k], out + n);
		}
done:
	stretch_free(&st);
	if (rc != 0) {
		free(out);
		return rc;
	}
	out[n] = '\0';
	*out_r = out;
	*len_r = n;
	return SMS_OK;
}

/* nfc_map_parts - the parts' offsets in the NFC of text, back in text */
int
nfc_map_parts(const char *text, size_t len, struct sms_part *parts,
	      unsigned nparts, struct sms_error *err)
{
	struct stretch st = {.s = (const unsigned char *)text, .len = len};
	size_t out = 0, k;
	unsigned i = 0;
	int rc = 0;

	while (i < nparts && (rc = stretch_next(&st, err)) == 1) {
		for (k = 0; k < (size_t)st.n; k++)
			out += utf8_len((uint32_t)st.buf[k]);
		while (i < nparts && parts[i].in_off < out)
			parts[i++].in_off = st.at;
	}
	stretch_free(&st);
	if (rc < 0)
		return rc;
	for (; i < nparts; i++)
		parts[i].in_off = len; /* the end of the text */
	return SMS_OK;
}
