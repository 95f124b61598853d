/*
 * NAME
 *	scan - first pass of the planner
 * DESCRIPTION
 *	scan() validates a UTF-8 text, decides whether NFC might change
 *	it, and fills segments greedily for both encodings at once: GSM
 *	with smart replacements expanded (writing the text as sent), and
 *	UCS-2. Once a character forces UCS-2, only UCS-2 is filled.
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

/* scan_nongsm - account a character outside the GSM tables */
static void
scan_nongsm(struct scan *s, uint32_t cp, size_t at, bool smart)
{
	const char *rep = smart ? smart_map(cp) : NULL;

	s->nongsm++;
	if (!rep) {
		s->is_ucs2 = true;
		return;
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
	s->nfc = s->is_ucs2 = false;
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
			size_t r = pos + 1;

			while (r < len && t[r] < 0x80)
				r++;
			n = (unsigned)(r - at);
			f->cur = cur;
			f->length = length;
			fill_run(f, n, at, at);
			cur = f->cur;
			length = f->length;
			last_ccc = 0;
			pos = r;
			continue;
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
			size_t r = pos, n;
			unsigned sum = 0;

			while (r < len && (cost = sms_gsm_ascii[t[r]]) != 0) {
				sum += cost;
				r++;
			}
			n = r - pos;
			memcpy(s->out + w, t + pos, n);
			if (sum == n) {
				fill_run(&s->gsm, (unsigned)n, pos, w);
			} else if (s->gsm.cur + sum <= s->gsm.per) {
				s->gsm.cur += sum;
				s->gsm.length += sum;
			} else {
				size_t k;

				for (k = 0; k < n; k++)
					fill_add(&s->gsm, sms_gsm_ascii[t[pos + k]],
						 pos + k, w + k);
			}
			fill_run(&s->ucs2, (unsigned)n, pos, pos);
			s->gsm_bytes += n;
			last_ccc = 0;
			pos = r;
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
				memcpy(s->out + w, t + at, pos - at);
				s->gsm_bytes += pos - at;
				continue;
			}
		}
		scan_nongsm(s, (uint32_t)c, at, o->smart);
		if (s->is_ucs2)
			return scan_ucs2(t, len, pos, o, s, last_ccc, err);
	}
	return SMS_OK;
}
