/*
 * NAME
 *	scan - first pass of the planner
 * DESCRIPTION
 *	scan() validates a UTF-8 text, decides whether NFC might change
 *	it, and fills segments greedily for both encodings at once: GSM
 *	with smart replacements expanded (writing the text as sent), and
 *	UCS-2. Once a character forces UCS-2, only UCS-2 is filled.
 *
 *	Runs of GSM or ASCII bytes are found 16 bytes at a time with SSE2
 *	(the x86-64 baseline); the scalar loops give the same answers and
 *	are what other machines, or a build with -DSMS_SCALAR, use. In
 *	UCS-2, runs of 2-byte and of 3-byte characters have loops of their
 *	own. The text as sent is copied only from the first smart
 *	replacement on: before it, it is the input.
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

/* bits - bits set in m: few, if any (extension characters are rare) */
static inline unsigned
bits(unsigned m)
{
	unsigned n = 0;

	for (; m != 0; m &= m - 1)
		n++;
	return n;
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
			*ext_r = ext + bits(e & ((1u << k) - 1));
			return pos - at + k;
		}
		ext += bits(e);
	}
	if (pos < len && len >= 16) {
		unsigned back = 16 - (unsigned)(len - pos);

		bad = gsm_mask(t + len - 16, &e) >> back;
		k = bad ? (unsigned)__builtin_ctz(bad) : (unsigned)(len - pos);
		*ext_r = ext + bits((e >> back) & ((1u << k) - 1));
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
static void
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

	while (pos < len) {
		size_t at = pos;
		unsigned units = 1;
		int32_t c;

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
				size_t k;

				for (k = 0; k < n; k++)
					fill_add(&s->gsm,
						 sms_gsm_ascii[t[pos + k]],
						 pos + k, w + k);
			}
			fill_run(&s->ucs2, (unsigned)n, pos, pos);
			s->gsm_bytes += n;
			last_ccc = 0;
			pos += n;
			continue;
		}
		if (t[pos] < 0x80) {
			pos++;
			last_ccc = 0;
			fill_add(&s->ucs2, 1, at, at);
			c = t[at];
		} else {
			c = scan_char(t, len, &pos, o, s, &last_ccc, err);
			if (c < 0)
				return SMS_EUTF8;
			fill_add(&s->ucs2, c > 0xFFFF ? 2 : 1, at, at);
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
		if (s->is_ucs2)
			return scan_ucs2(t, len, pos, o, s, last_ccc, err);
	}
	return SMS_OK;
}
