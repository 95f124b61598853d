/*
 * NAME
 *	scan - first pass of the planner
 * DESCRIPTION
 *	scan() validates a UTF-8 text, decides whether NFC might change
 *	it, and fills segments greedily. While the text may still be GSM,
 *	it fills GSM segments with smart replacements expanded (writing
 *	the text as sent) and only counts UTF-16 units: every character
 *	there is one, so UCS-2's segments follow from the count. Once a
 *	character forces UCS-2, only UCS-2 is filled, from that character
 *	on when what came before fits the first segment, else from the
 *	start.
 *
 *	Runs of GSM or ASCII bytes are found 16 bytes at a time with SSE2
 *	(the x86-64 baseline); the scalar loops give the same answers and
 *	are what other machines, or a build with -DSMS_SCALAR, use. In
 *	UCS-2, whole 16-byte blocks are validated and counted at once
 *	(ucs2_block) when no character in them needs NFC's look: first
 *	bytes below 0xCC, the NFC_CLEAN_LEAD ranges and the clean parts
 *	of E0 (Devanagari), E2 and EF, as in Latin, Cyrillic, CJK, Hindi,
 *	emoji. After a block that does need it (combining marks, say), a
 *	stretch goes character by character, where runs of 2-byte and of
 *	3-byte characters have loops of their own. The text as sent is
 *	copied only from the first smart replacement on: before it, it is
 *	the input.
 *	tests/unit/test_sms_fast.c checks all of this against a model.
 */
#include <string.h>

#include "sms/sms_int.h"

/*
 * Septets of single-byte characters in GSM: 1, 2 (extension table) or
 * 0 (not GSM, or not ASCII: the start of a longer sequence).
 */
const unsigned char sms_gsm_ascii[256] = {
    ['\n'] = 1, ['\f'] = 2, ['\r'] = 1, [' '] = 1,  ['!'] = 1,	['"'] = 1,
    ['#'] = 1,	['$'] = 1,  ['%'] = 1,	['&'] = 1,  ['\''] = 1, ['('] = 1,
    [')'] = 1,	['*'] = 1,  ['+'] = 1,	[','] = 1,  ['-'] = 1,	['.'] = 1,
    ['/'] = 1,	['0'] = 1,  ['1'] = 1,	['2'] = 1,  ['3'] = 1,	['4'] = 1,
    ['5'] = 1,	['6'] = 1,  ['7'] = 1,	['8'] = 1,  ['9'] = 1,	[':'] = 1,
    [';'] = 1,	['<'] = 1,  ['='] = 1,	['>'] = 1,  ['?'] = 1,	['@'] = 1,
    ['A'] = 1,	['B'] = 1,  ['C'] = 1,	['D'] = 1,  ['E'] = 1,	['F'] = 1,
    ['G'] = 1,	['H'] = 1,  ['I'] = 1,	['J'] = 1,  ['K'] = 1,	['L'] = 1,
    ['M'] = 1,	['N'] = 1,  ['O'] = 1,	['P'] = 1,  ['Q'] = 1,	['R'] = 1,
    ['S'] = 1,	['T'] = 1,  ['U'] = 1,	['V'] = 1,  ['W'] = 1,	['X'] = 1,
    ['Y'] = 1,	['Z'] = 1,  ['['] = 2,	['\\'] = 2, [']'] = 2,	['^'] = 2,
    ['_'] = 1,	['a'] = 1,  ['b'] = 1,	['c'] = 1,  ['d'] = 1,	['e'] = 1,
    ['f'] = 1,	['g'] = 1,  ['h'] = 1,	['i'] = 1,  ['j'] = 1,	['k'] = 1,
    ['l'] = 1,	['m'] = 1,  ['n'] = 1,	['o'] = 1,  ['p'] = 1,	['q'] = 1,
    ['r'] = 1,	['s'] = 1,  ['t'] = 1,	['u'] = 1,  ['v'] = 1,	['w'] = 1,
    ['x'] = 1,	['y'] = 1,  ['z'] = 1,	['{'] = 2,  ['|'] = 2,	['}'] = 2,
    ['~'] = 2,
};

#if defined(__SSE2__) && !defined(SMS_SCALAR)
#include <emmintrin.h>
#define SCAN_SSE2 1
#endif

#ifdef SCAN_SSE2
/* ascii_mask - bit i set when byte i of the 16 at p is not ASCII */
static inline unsigned
ascii_mask(const unsigned char *p)
{
	return (unsigned)_mm_movemask_epi8(
	    _mm_loadu_si128((const __m128i *)(const void *)p));
}

/*
 * gsm_mask - bit i set when byte i of the 16 at p is not in
 * sms_gsm_ascii; the extension characters among them in *ext_r
 */
static inline unsigned
gsm_mask(const unsigned char *p, unsigned *ext_r)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i up = _mm_or_si128(v, _mm_set1_epi8(0x20));
	/* 0x20-0x7E but the backquote, then \n \f \r */
	__m128i ok = _mm_andnot_si128(
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('`')),
	    _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(0x1F)),
			  _mm_cmplt_epi8(v, _mm_set1_epi8(0x7F))));
	__m128i ff = _mm_cmpeq_epi8(v, _mm_set1_epi8('\f'));
	/* [ \ ] ^ and { | } ~: 0x7B-0x7E once 0x20 is set */
	__m128i ext = _mm_and_si128(_mm_cmpgt_epi8(up, _mm_set1_epi8(0x7A)),
				    _mm_cmplt_epi8(up, _mm_set1_epi8(0x7F)));

	ok = _mm_or_si128(ok,
			  _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
				       _mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
	ok = _mm_or_si128(ok, ff);
	*ext_r = (unsigned)_mm_movemask_epi8(_mm_or_si128(ext, ff));
	return ~(unsigned)_mm_movemask_epi8(ok) & 0xFFFF;
}

/* bytes_in - bytes of v in lo..hi (0x80 <= lo <= hi < 0xFF) set */
static inline __m128i
bytes_in(__m128i v, int lo, int hi)
{
	/* signed, 0x80-0xFF are below ASCII and in their own order */
	__m128i below = _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1)));

	if (lo == 0x80)
		return below;
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
			     below);
}

/*
 * ones - bits set in m (without relying on a popcount instruction);
 * mostly 0, as most runs have no extension characters
 */
static inline unsigned
ones(uint32_t m)
{
	if (m == 0)
		return 0;
	m = m - ((m >> 1) & 0x55555555u);
	m = (m & 0x33333333u) + ((m >> 2) & 0x33333333u);
	m = (m + (m >> 4)) & 0x0F0F0F0Fu;
	return (m * 0x01010101u) >> 24;
}

/* One block of UTF-8 as ucs2_block() sees it; bit i is byte pos + i. */
struct block {
	unsigned n;	  /* bytes of whole characters, from pos */
	unsigned lead;	  /* first bytes of characters */
	unsigned four;	  /* first bytes of 4-byte characters */
	unsigned suspect; /* first bytes NFC must look at (not with nfc) */
	unsigned e0;	  /* first bytes E0 (Devanagari among them) */
};

/*
 * clean_e2_ef - first bytes E2 and EF of characters NFC_CLEAN_E2 and
 * NFC_CLEAN_EF (sms_int.h) say NFC leaves alone, by their second and
 * third bytes: punctuation, symbols and emoji parts, variation
 * selectors, fullwidth forms
 */
static inline __m128i
clean_e2_ef(__m128i v)
{
	__m128i b2 = _mm_srli_si128(v, 1), b3 = _mm_srli_si128(v, 2);
	__m128i e2 = _mm_or_si128(
	    _mm_or_si128(
		_mm_and_si128(_mm_cmpeq_epi8(b2, _mm_set1_epi8((char)0x80)),
			      bytes_in(b3, 0x82, 0xBF)),
		bytes_in(b2, 0x85, 0x8B)),
	    _mm_or_si128(bytes_in(b2, 0x8D, 0xAA), bytes_in(b2, 0xB8, 0xBF)));
	__m128i ef = _mm_or_si128(
	    _mm_or_si128(
		_mm_and_si128(_mm_cmpeq_epi8(b2, _mm_set1_epi8((char)0xB8)),
			      bytes_in(b3, 0x80, 0x9F)),
		bytes_in(b2, 0x80, 0xA3)),
	    _mm_or_si128(bytes_in(b2, 0xAE, 0xB7), bytes_in(b2, 0xB9, 0xBF)));

	return _mm_or_si128(
	    _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE2)), e2),
	    _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xEF)), ef));
}

/*
 * clean_e0 - first bytes E0 of the Devanagari characters
 * NFC_CLEAN_DEVANAGARI (sms_int.h) lets through
 */
static inline __m128i
clean_e0(__m128i v)
{
	__m128i b2 = _mm_srli_si128(v, 1), b3 = _mm_srli_si128(v, 2);
	__m128i a4 = _mm_cmpeq_epi8(b2, _mm_set1_epi8((char)0xA4));
	__m128i a5 = _mm_cmpeq_epi8(b2, _mm_set1_epi8((char)0xA5));
	__m128i bad = _mm_or_si128(
	    _mm_and_si128(a4, _mm_cmpeq_epi8(b3, _mm_set1_epi8((char)0xBC))),
	    _mm_and_si128(a5, _mm_or_si128(bytes_in(b3, 0x91, 0x94),
					   bytes_in(b3, 0x98, 0x9F))));

	return _mm_andnot_si128(
	    bad, _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE0)),
			       _mm_or_si128(a4, a5)));
}

/* movemask - bit i set when byte i + back of the compare r is true */
#define MOVEMASK(r, back) ((unsigned)_mm_movemask_epi8(r) >> (back))

/*
 * ucs2_block - the whole characters among the 16 bytes at t + pos - back
 * from byte back on (pos <= len - 16 + back), when they are valid UTF-8
 *
 * Fills b and returns b->n: 0 when a character in the block is not
 * valid UTF-8 (the per-character path says how), else the bytes before
 * a character the block does not end. With nfc, suspects are not
 * looked for: NFC is needed anyway. ASCII, and ASCII with characters
 * below U+0300, take the shortest ways.
 */
static inline unsigned
ucs2_block(const unsigned char *t, size_t pos, unsigned back, bool nfc,
	   struct block *b)
{
	__m128i v =
	    _mm_loadu_si128((const __m128i *)(const void *)(t + pos - back));
	unsigned w = 16 - back, all = (2u << (w - 1)) - 1;
	unsigned hi = MOVEMASK(v, back), cont, c2, high, l2, l3, l4, e0, f0, f5;
	unsigned end = 1u << (w - 1), keep, want, odd, x_e0;

	b->four = b->suspect = b->e0 = 0;
	if (hi == 0) {
		b->lead = all;
		return b->n = w;
	}
	cont = MOVEMASK(_mm_cmplt_epi8(v, _mm_set1_epi8((char)0xC0)), back);
	c2 = MOVEMASK(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xC1)), back) & hi;
	/* first bytes of U+0300 on (and F5-FF) */
	high =
	    MOVEMASK(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xCB)), back) & hi;
	/* first bytes of 3- and 4-byte characters (and F5-FF) */
	e0 = high == 0 ? 0
		       : MOVEMASK(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xDF)),
				  back) &
			     hi;
	if (e0 == 0) {
		/* 1- and 2-byte characters only, as in Latin or Cyrillic */
		end &= c2;
		b->n = end ? (unsigned)__builtin_ctz(end) : w;
		if (((hi & ~cont & ~c2) | (c2 << 1 ^ cont)) & all)
			return b->n = 0; /* C0, C1, or continuations amiss */
		keep = (1u << b->n) - 1;
		b->lead = ~cont & keep;
		odd = x_e0 = 0;
	} else {
		f0 = MOVEMASK(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xEF)),
			      back) &
		     hi;
		f5 = MOVEMASK(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)0xF4)),
			      back) &
		     hi;
		l2 = c2 & ~e0;
		l3 = e0 & ~f0;
		l4 = f0 & ~f5;
		/* a character the block does not end: up to it */
		end = (l2 & end) | (l3 & (end | end >> 1)) |
		      (l4 & (end | end >> 1 | end >> 2));
		b->n = end ? (unsigned)__builtin_ctz(end) : w;
		keep = (1u << b->n) - 1;
		want = (l2 | l3 | l4) << 1 | (l3 | l4) << 2 | l4 << 3;
		if (((hi & ~cont & ~c2) | f5 | (want ^ cont)) & all)
			return b->n = 0; /* C0, C1, F5-FF, or continuations */
		b->lead = ~cont & keep;
		/* first bytes whose second byte has a narrower range */
		x_e0 = MOVEMASK(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE0)),
				back);
		odd = MOVEMASK(
		    _mm_or_si128(
			_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xED)),
			_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xF0)),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xF4)))),
		    back);
		b->four = l4 & keep;
		b->e0 = x_e0 & keep;
	}
	if (high == 0)
		return b->n;
	if ((x_e0 | odd) & keep) {
		/* E0 A0+, ED -9F, F0 90+, F4 -8F: the second byte's range */
		__m128i nx = _mm_srli_si128(v, 1);
		__m128i bad = _mm_and_si128(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xE0)),
		    _mm_cmplt_epi8(nx, _mm_set1_epi8((char)0xA0)));

		if (odd & keep)
			bad = _mm_or_si128(
			    _mm_or_si128(
				bad, _mm_and_si128(
					 _mm_cmpeq_epi8(
					     v, _mm_set1_epi8((char)0xED)),
					 _mm_cmpgt_epi8(
					     nx, _mm_set1_epi8((char)0x9F)))),
			    _mm_or_si128(
				_mm_and_si128(
				    _mm_cmpeq_epi8(v,
						   _mm_set1_epi8((char)0xF0)),
				    _mm_cmplt_epi8(nx,
						   _mm_set1_epi8((char)0x90))),
				_mm_and_si128(
				    _mm_cmpeq_epi8(v,
						   _mm_set1_epi8((char)0xF4)),
				    _mm_cmpgt_epi8(
					nx, _mm_set1_epi8((char)0x8F)))));
		if (MOVEMASK(bad, back) & keep)
			return b->n = 0;
	}
	if (!nfc) {
		/* first bytes of U+0300 on, but where NFC leaves them */
		unsigned sus = high & keep;

		/* Devanagari first: a Hindi block needs no other look */
		if (sus & x_e0)
			sus &= ~MOVEMASK(clean_e0(v), back);
		if (sus != 0) {
			__m128i clean =
			    _mm_or_si128(bytes_in(v, NFC_CLEAN_LEAD1),
					 bytes_in(v, NFC_CLEAN_LEAD2));

			if (e0 != 0) /* F0 9F: NFC_INERT_RANGE */
				clean = _mm_or_si128(
				    _mm_or_si128(
					clean,
					_mm_or_si128(
					    bytes_in(v, NFC_CLEAN_LEAD3),
					    bytes_in(v, NFC_CLEAN_LEAD4))),
				    _mm_and_si128(
					_mm_cmpeq_epi8(
					    v, _mm_set1_epi8((char)0xF0)),
					_mm_cmpeq_epi8(
					    _mm_srli_si128(v, 1),
					    _mm_set1_epi8((char)0x9F))));
			sus &= ~MOVEMASK(clean, back);
		}
		if (sus != 0)
			sus &= ~MOVEMASK(clean_e2_ef(v), back);
		b->suspect = sus;
	}
	return b->n;
}

#endif

/*
 * ascii_run - how many bytes from t[pos] on (len in all) are ASCII
 *
 * With SSE2, 16 bytes at a time; the last block of a text of 16 bytes
 * or more is the one ending at len, its bytes before pos shifted out.
 */
static inline size_t
ascii_run(const unsigned char *t, size_t pos, size_t len)
{
	size_t at = pos;
#ifdef SCAN_SSE2
	unsigned m;

	for (; pos + 16 <= len; pos += 16)
		if ((m = ascii_mask(t + pos)) != 0)
			return pos - at + (unsigned)__builtin_ctz(m);
	if (pos < len && len >= 16) {
		m = ascii_mask(t + len - 16) >> (16 - (len - pos));
		return m ? pos - at + (unsigned)__builtin_ctz(m) : len - at;
	}
#endif
	while (pos < len && t[pos] < 0x80)
		pos++;
	return pos - at;
}

/*
 * gsm_run - how many bytes from t[pos] on (len in all) are in
 * sms_gsm_ascii; how many of them are extension characters in *ext_r
 */
static inline size_t
gsm_run(const unsigned char *t, size_t pos, size_t len, unsigned *ext_r)
{
	size_t at = pos;
	unsigned ext = 0, c;
#ifdef SCAN_SSE2
	unsigned bad, e, k;

	for (; pos + 16 <= len; pos += 16) {
		bad = gsm_mask(t + pos, &e);
		if (bad != 0) {
			k = (unsigned)__builtin_ctz(bad);
			*ext_r = ext + ones(e & ((1u << k) - 1));
			return pos - at + k;
		}
		ext += ones(e);
	}
	if (pos < len && len >= 16) {
		unsigned back = 16 - (unsigned)(len - pos);

		bad = gsm_mask(t + len - 16, &e) >> back;
		k = bad ? (unsigned)__builtin_ctz(bad) : (unsigned)(len - pos);
		*ext_r = ext + ones((e >> back) & ((1u << k) - 1));
		return pos - at + k;
	}
#endif
	while (pos < len && (c = sms_gsm_ascii[t[pos]]) != 0) {
		ext += c - 1;
		pos++;
	}
	*ext_r = ext;
	return pos - at;
}

/*
 * copy_run - copy the n bytes at t[pos] (len in all) to out, which has
 * room for len - pos bytes: one 16-byte move when that fits
 */
static inline void
copy_run(char *out, const unsigned char *t, size_t pos, size_t n, size_t len)
{
#ifdef SCAN_SSE2
	if (n <= 16 && len - pos >= 16) {
		_mm_storeu_si128(
		    (__m128i *)(void *)out,
		    _mm_loadu_si128((const __m128i *)(const void *)(t + pos)));
		return;
	}
#endif
	memcpy(out, t + pos, n);
}

/*
 * fill_bound - the segment ends with used septets or units; the next
 * starts at input byte at and output byte out
 */
static inline void
fill_bound(struct fill *f, size_t at, size_t out, unsigned used)
{
	if (f->parts <= SCAN_BOUNDS) {
		f->b[f->parts - 1].at = at;
		f->b[f->parts - 1].out = out;
		f->b[f->parts - 1].used = used;
	}
	f->parts++;
}

/* fill_add - place a character of the given cost (input at, output out) */
static inline void
fill_add(struct fill *f, unsigned cost, size_t at, size_t out)
{
	if (f->cur + cost > f->per) {
		fill_bound(f, at, out, f->cur);
		f->cur = 0;
	}
	f->cur += cost;
	f->length += cost;
}

/*
 * fill_run - place n one-byte characters of cost 1, the first at input
 * byte at and output byte out
 */
static inline void
fill_run(struct fill *f, unsigned n, size_t at, size_t out)
{
	unsigned room;

	f->length += n;
	if (f->cur + n <= f->per) {
		f->cur += n;
		return;
	}
	room = f->per - f->cur;
	at += room;
	out += room;
	n -= room;
	fill_bound(f, at, out, f->per);
	while (n > f->per) {
		at += f->per;
		out += f->per;
		n -= f->per;
		fill_bound(f, at, out, f->per);
	}
	f->cur = n;
}

/* fill_parts - segments: one when the text fits a single one */
unsigned
fill_parts(const struct fill *f, enum sms_encoding enc)
{
	unsigned single =
	    enc == SMS_GSM7 ? SMS_SINGLE_SEPTETS : SMS_SINGLE_UNITS;

	return f->length <= single ? 1 : f->parts;
}

/*
 * scan_nongsm - account a character outside the GSM tables, at input
 * byte at of t
 *
 * The first replacement starts the text as sent: up to it, that is
 * the input itself, which is copied then and not before.
 */
static inline void
scan_nongsm(struct scan *s, const unsigned char *t, uint32_t cp, size_t at,
	    bool smart)
{
	const char *rep = smart ? smart_map(cp) : NULL;

	s->nongsm++;
	if (!rep) {
		s->is_ucs2 = true;
		return;
	}
	if (!s->copy) {
		memcpy(s->out, t, s->gsm_bytes); /* gsm_bytes == at so far */
		s->copy = true;
	}
	for (; *rep; rep++) {
		fill_add(&s->gsm, sms_gsm_ascii[(unsigned char)*rep], at,
			 s->gsm_bytes);
		s->out[s->gsm_bytes++] = *rep;
	}
}

/*
 * scan_char - decode a multi-byte character; -1 on invalid UTF-8 when
 * not replacing (err filled)
 */
static inline __attribute__((always_inline)) int32_t
scan_char(const unsigned char *t, size_t len, size_t *pos,
	  const struct sms_opts *o, struct scan *s, unsigned *last_ccc,
	  struct sms_error *err)
{
	size_t at = *pos;
	uint32_t cp;
	unsigned n = utf8_fast(t + at, len - at, &cp);
	int32_t c;

	if (n > 0) {
		*pos = at + n;
		if (!s->nfc)
			s->nfc = nfc_check(cp, last_ccc);
		return (int32_t)cp;
	}
	c = utf8_next(t, len, pos);
	if (c >= 0) /* cannot happen: utf8_fast takes every valid one */
		return c;
	if (!o->replace_invalid) {
		sms_fail(err, SMS_EUTF8, at,
			 "invalid UTF-8 at byte %zu (0x%02X)", at, t[at]);
		return -1;
	}
	s->invalid++;
	s->nfc = true; /* the normalised copy holds U+FFFD */
	return SMS_REPLACEMENT;
}

/* scan_init - an empty scan */
static void
scan_init(struct scan *s, const struct sms_opts *o)
{
	s->gsm.length = s->gsm.cur = s->ucs2.length = s->ucs2.cur = 0;
	s->gsm.parts = s->ucs2.parts = 1;
	s->gsm.per = o->ref16 ? SMS_CONCAT16_SEPTETS : SMS_CONCAT8_SEPTETS;
	s->ucs2.per = o->ref16 ? SMS_CONCAT16_UNITS : SMS_CONCAT8_UNITS;
	s->nongsm = s->invalid = 0;
	s->gsm_bytes = 0;
	s->nfc = s->is_ucs2 = s->copy = false;
}

/*
 * bmp_nfc - nfc_check() of a BMP code point in a run, the previous
 * combining class in *last_ccc; sets *nfc when NFC might change the
 * text. The common case touches no memory.
 */
static inline void
bmp_nfc(uint32_t cp, unsigned *last_ccc, bool *nfc)
{
	unsigned ccc;

	if (*nfc)
		return;
	if (!NFC_BIT(sms_nfc_quick, cp)) {
		*last_ccc = 0;
		return;
	}
	ccc = *last_ccc;
	if (nfc_check(cp, &ccc))
		*nfc = true;
	*last_ccc = ccc;
}

#ifdef SCAN_SSE2
/*
 * block_ccc - the combining class of the last character of a clean
 * block ending before t[end]: 0, or the virama's
 */
static inline unsigned
block_ccc(const unsigned char *t, size_t end, const struct block *b)
{
	return b->e0 != 0 && end >= 3 && t[end - 1] == 0x8D &&
		       t[end - 2] == 0xA5 && t[end - 3] == 0xE0
		   ? NFC_VIRAMA_CCC
		   : 0;
}

/*
 * block_fill - place the characters of a block at t + pos in UCS-2
 * segments; the segment in use and the length in *cur and *length
 */
static inline void
block_fill(struct fill *f, const struct block *b, size_t pos, unsigned *cur,
	   unsigned *length)
{
	unsigned units = ones(b->lead | b->four << 16), m, i, cost;

	*length += units;
	if (*cur + units <= f->per) {
		*cur += units;
		return;
	}
	for (m = b->lead; m != 0; m &= m - 1) {
		i = (unsigned)__builtin_ctz(m);
		cost = 1 + (b->four >> i & 1);
		if (*cur + cost > f->per) {
			fill_bound(f, pos + i, pos + i, *cur);
			*cur = 0;
		}
		*cur += cost;
	}
}
#endif

/*
 * SCALAR_STRETCH - bytes the UCS-2 scan takes character by character
 * after a block it cannot take whole: one with characters NFC must
 * look at (scripts with marks, where such blocks come in a row), or
 * with invalid UTF-8
 */
#define SCALAR_STRETCH 256

/*
 * scan_ucs2 - the rest of the first pass once the text is UCS-2
 *
 * Only UCS-2 is filled now: code points, NFC check and segments. The
 * fill state stays in registers.
 */
static int
scan_ucs2(const unsigned char *t, size_t len, size_t pos,
	  const struct sms_opts *o, struct scan *s, unsigned last_ccc,
	  struct sms_error *err)
{
	struct fill *f = &s->ucs2;
	unsigned cur = f->cur, length = f->length, per = f->per, n;
	bool nfc = s->nfc;
	uint32_t cp;
	size_t scalar = 0; /* up to here, character by character */

	while (pos < len) {
		size_t at = pos;
		unsigned units = 1;
		int32_t c;

#ifdef SCAN_SSE2
		if (len >= 16 && pos >= scalar &&
		    (nfc || last_ccc <= NFC_VIRAMA_CCC)) {
			/* 16 bytes at a time; the last block ends at len */
			struct block b;
			unsigned back =
			    pos + 16 <= len ? 0 : (unsigned)(pos + 16 - len);

			if (ucs2_block(t, pos, back, nfc, &b) == 0 ||
			    b.suspect != 0) {
				/* invalid, or marks may be near: scalar */
				scalar = pos + SCALAR_STRETCH;
			} else {
				if (!nfc)
					last_ccc = block_ccc(t, pos + b.n, &b);
				block_fill(f, &b, pos, &cur, &length);
				pos += b.n;
				continue;
			}
		}
#endif
		if (t[pos] < 0x80) {
			n = (unsigned)ascii_run(t, pos, len);
			f->cur = cur;
			f->length = length;
			fill_run(f, n, at, at);
			cur = f->cur;
			length = f->length;
			last_ccc = 0;
			pos += n;
			continue;
		}
		if (t[pos] < 0xE0 && t[pos] >= 0xC2) {
			/* a run of 2-byte characters, one unit each */
			while (pos + 1 < len && (t[pos + 1] & 0xC0) == 0x80) {
				cp = (t[pos] & 0x1Fu) << 6 |
				     (t[pos + 1] & 0x3Fu);
				bmp_nfc(cp, &last_ccc, &nfc);
				if (cur == per) {
					fill_bound(f, pos, pos, cur);
					cur = 0;
				}
				cur++;
				length++;
				pos += 2;
				if (pos >= len || t[pos] < 0xC2 ||
				    t[pos] >= 0xE0)
					break;
			}
			if (pos > at) {
				s->nfc = nfc;
				continue;
			}
		} else if (t[pos] < 0xF0 && t[pos] >= 0xE0) {
			/* a run of 3-byte characters, one unit each */
			while (pos + 2 < len && (t[pos + 1] & 0xC0) == 0x80 &&
			       (t[pos + 2] & 0xC0) == 0x80) {
				cp = (t[pos] & 0x0Fu) << 12 |
				     (t[pos + 1] & 0x3Fu) << 6 |
				     (t[pos + 2] & 0x3Fu);
				if (cp < 0x800 ||
				    (cp >= 0xD800 && cp <= 0xDFFF))
					break; /* overlong or surrogate */
				bmp_nfc(cp, &last_ccc, &nfc);
				if (cur == per) {
					fill_bound(f, pos, pos, cur);
					cur = 0;
				}
				cur++;
				length++;
				pos += 3;
				if (pos >= len || t[pos] < 0xE0 ||
				    t[pos] >= 0xF0)
					break;
			}
			if (pos > at) {
				s->nfc = nfc;
				continue;
			}
		}
		if ((n = utf8_fast(t + pos, len - pos, &cp)) != 0) {
			pos += n;
			units = n == 4 ? 2 : 1;
			if (!nfc && nfc_check(cp, &last_ccc))
				nfc = s->nfc = true;
		} else {
			c = scan_char(t, len, &pos, o, s, &last_ccc, err);
			if (c < 0)
				return SMS_EUTF8;
			nfc = s->nfc;
		}
		if (cur + units > per) {
			fill_bound(f, at, at, cur);
			cur = 0;
		}
		cur += units;
		length += units;
	}
	f->cur = cur;
	f->length = length;
	return SMS_OK;
}

/*
 * scan - first pass; SMS_EUTF8 on invalid UTF-8 unless replacing
 *
 * While the text may still be GSM, both encodings are filled; once a
 * character forces UCS-2, scan_ucs2() takes over.
 */
int
scan(const char *text, size_t len, const struct sms_opts *o, struct scan *s,
     struct sms_error *err)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t pos = 0;
	unsigned last_ccc = 0;
	struct fill *f;

	scan_init(s, o);
	while (pos < len) {
		size_t at = pos, w = s->gsm_bytes;
		unsigned cost = sms_gsm_ascii[t[pos]];
		int32_t c;
		int code;

		if (cost) { /* a run of GSM ASCII characters */
			unsigned ext;
			size_t n = gsm_run(t, pos, len, &ext);
			unsigned sum = (unsigned)n + ext;

			if (s->copy) /* w <= pos: out has room */
				copy_run(s->out + w, t, pos, n, len);
			if (ext == 0) {
				fill_run(&s->gsm, (unsigned)n, pos, w);
			} else if (s->gsm.cur + sum <= s->gsm.per) {
				s->gsm.cur += sum;
				s->gsm.length += sum;
			} else {
				/* by character until the rest fits */
				size_t k;

				for (k = 0; k < n; k++) {
					cost = sms_gsm_ascii[t[pos + k]];
					fill_add(&s->gsm, cost, pos + k, w + k);
					sum -= cost;
					if (s->gsm.cur + sum <= s->gsm.per) {
						s->gsm.cur += sum;
						s->gsm.length += sum;
						break;
					}
				}
			}
			s->ucs2.length += (unsigned)n;
			s->gsm_bytes += n;
			last_ccc = 0;
			pos += n;
			continue;
		}
		if (t[pos] < 0x80) {
			pos++;
			last_ccc = 0;
			s->ucs2.length++;
			c = t[at];
		} else if (len - pos >= 3 && t[pos] == 0xE2 &&
			   t[pos + 1] == 0x80 && t[pos + 2] >= 0x82 &&
			   t[pos + 2] <= 0xBF) {
			/*
			 * U+2002-203F: quotes, dashes, spaces, the ellipsis.
			 * Valid UTF-8, not GSM, and left alone by NFC
			 * (NFC_CLEAN_E2).
			 */
			c = 0x2000 | (t[pos + 2] & 0x3F);
			pos += 3;
			last_ccc = 0;
			s->ucs2.length++;
		} else {
			c = scan_char(t, len, &pos, o, s, &last_ccc, err);
			if (c < 0)
				return SMS_EUTF8;
			s->ucs2.length++;
			code = gsm_code((uint32_t)c);
			if (code >= 0) {
				fill_add(&s->gsm, code & 0x100 ? 2 : 1, at, w);
				s->gsm_bytes += pos - at;
				while (s->copy && at < pos)
					s->out[w++] = (char)t[at++];
				continue;
			}
		}
		scan_nongsm(s, t, (uint32_t)c, at, o->smart);
		if (s->is_ucs2) {
			/*
			 * UCS-2 from here when what came before fits the
			 * first segment (each a unit); else from the start,
			 * invalid bytes counted again
			 */
			unsigned units = c > 0xFFFF ? 2 : 1;

			f = &s->ucs2;
			if (f->length - 1 + units <= f->per) {
				f->cur = f->length += units - 1;
				return scan_ucs2(t, len, pos, o, s, last_ccc,
						 err);
			}
			f->length = 0;
			s->invalid = 0;
			return scan_ucs2(t, len, 0, o, s, 0, err);
		}
	}
	/* GSM: every character so far is one UTF-16 unit */
	f = &s->ucs2;
	f->parts = f->length == 0 ? 1 : (f->length + f->per - 1) / f->per;
	f->cur = f->length - (f->parts - 1) * f->per;
	return SMS_OK;
}
