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
 *	after it. It also maps every output byte to the input offset of
 *	its stretch, so that callers can report positions in the input.
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

/* Growable output: UTF-8 bytes and, per byte, the input offset. */
struct out {
	char *s;
	size_t *map;
	size_t n, cap;
};

/* out_put - append cp, mapped to input offset off */
static int
out_put(struct out *o, uint32_t cp, size_t off)
{
	size_t k, w;

	if (o->n + 4 >= o->cap) {
		size_t cap = 2 * o->cap + 16;
		char *s = realloc(o->s, cap);
		size_t *map;

		if (!s)
			return -1;
		o->s = s;
		map = realloc(o->map, (cap + 1) * sizeof(*map));
		if (!map)
			return -1;
		o->map = map;
		o->cap = cap;
	}
	w = utf8_put(cp, o->s + o->n);
	for (k = 0; k < w; k++)
		o->map[o->n + k] = off;
	o->n += w;
	return 0;
}

/* nfc_normalise - NFC of text, invalid sequences as U+FFFD, with map */
int
nfc_normalise(const char *text, size_t len, char **out_r, size_t *len_r,
	      size_t **map_r, struct sms_error *err)
{
	const unsigned char *s = (const unsigned char *)text;
	uint32_t *cp = malloc((len + 1) * sizeof(*cp));
	size_t *off = malloc((len + 1) * sizeof(*off));
	utf8proc_int32_t *buf = NULL;
	struct out o = {NULL, NULL, 0, 0};
	size_t n = 0, pos = 0, i = 0, bufcap = 0;
	char *u8 = malloc(4 * len + 4);
	int rc = SMS_ENOMEM;

	if (!cp || !off || !u8)
		goto done;
	while (pos < len) {
		int32_t c;

		off[n] = pos;
		c = utf8_next(s, len, &pos);
		cp[n++] = c < 0 ? SMS_REPLACEMENT : (uint32_t)c;
	}
	while (i < n) {
		size_t j = i + 1, ulen = 0, k;
		utf8proc_ssize_t m;

		while (j < n && !inert(cp[j]))
			j++;
		for (k = i; k < j; k++)
			ulen += utf8_put(cp[k], u8 + ulen);
		m = utf8proc_decompose((const utf8proc_uint8_t *)u8,
				       (utf8proc_ssize_t)ulen, buf,
				       (utf8proc_ssize_t)bufcap, NFC_OPTIONS);
		if (m > (utf8proc_ssize_t)bufcap) {
			free(buf);
			bufcap = (size_t)m + 16;
			buf = malloc(bufcap * sizeof(*buf));
			if (!buf)
				goto done;
			m = utf8proc_decompose((const utf8proc_uint8_t *)u8,
					       (utf8proc_ssize_t)ulen, buf,
					       (utf8proc_ssize_t)bufcap,
					       NFC_OPTIONS);
		}
		if (m < 0) { /* cannot happen: the input is valid */
			rc = sms_fail(err, SMS_EINVAL, off[i],
				      "cannot normalise at byte %zu", off[i]);
			goto done;
		}
		m = utf8proc_normalize_utf32(buf, m, NFC_OPTIONS);
		for (k = 0; k < (size_t)m; k++)
			if (out_put(&o, (uint32_t)buf[k], off[i]) != 0)
				goto done;
		i = j;
	}
	if (out_put(&o, 0, len) != 0)
		goto done;
	o.n--; /* keep the NUL out of the length, its map entry is len */
	*out_r = o.s;
	*len_r = o.n;
	*map_r = o.map;
	o.s = NULL;
	o.map = NULL;
	rc = SMS_OK;
done:
	if (rc == SMS_ENOMEM)
		sms_fail(err, SMS_ENOMEM, 0, "out of memory");
	free(cp);
	free(off);
	free(buf);
	free(u8);
	free(o.s);
	free(o.map);
	return rc;
}
