/*
 * NAME
 *	plan - decide encoding and segments of a text
 * DESCRIPTION
 *	sms_plan_new() decodes UTF-8 (strictly, or replacing bad
 *	sequences), normalises to NFC, decides between GSM 7-bit (with or
 *	without smart encoding) and UCS-2, and fills segments greedily so
 *	that none ends inside an escape sequence or a surrogate pair: each
 *	character is placed whole. Greedy filling in order is optimal for
 *	this packing, so fewer segments are impossible.
 *
 *	NFC runs only over stretches that need it: a code point below
 *	U+0300, or one without decomposition, combining class or
 *	composition role, can neither change nor change its neighbours,
 *	so plain text skips utf8proc altogether.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "sms/sms_int.h"

/* Decoded text: code points and the input byte offset of each. */
struct cps {
	uint32_t *cp;
	size_t *off;
	size_t n;
};

/* How the text is sent. */
struct mode {
	enum sms_encoding enc;
	bool expand; /* apply smart replacements */
	bool ref16;
};

/* Sizes computed by a first pass. */
struct sizes {
	unsigned length; /* septets or units */
	unsigned parts;	 /* segments */
	size_t nchars;	 /* code points sent */
	size_t text_len; /* UTF-8 bytes sent */
};

/* sms_opts_init - default options */
void
sms_opts_init(struct sms_opts *opts)
{
	opts->smart = true;
	opts->replace_invalid = false;
	opts->ref16 = false;
}

/* nfc_inert - cp is unchanged by NFC and never combines with what precedes */
static bool
nfc_inert(uint32_t cp)
{
	const utf8proc_property_t *p;

	if (cp < 0x300)
		return true;
	if ((cp >= 0x1100 && cp < 0x1200) || (cp >= 0xAC00 && cp <= 0xD7A3))
		return false; /* Hangul composes algorithmically */
	p = utf8proc_get_property((utf8proc_int32_t)cp);
	return p->combining_class == 0 && p->decomp_seqindex == UINT16_MAX &&
	       p->comb_index == UINT16_MAX;
}

/* decode - UTF-8 to code points; sets *nfc_r when NFC may change them */
static int
decode(const char *text, size_t len, bool replace, struct cps *out, bool *nfc_r,
       unsigned *invalid_r, struct sms_error *err)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t pos = 0, n = 0;
	bool nfc = false;
	unsigned invalid = 0;

	while (pos < len) {
		size_t at = pos;
		int32_t cp;

		if (s[pos] < 0x80) {
			out->cp[n] = s[pos++];
			out->off[n++] = at;
			continue;
		}
		cp = utf8_next(s, len, &pos);
		if (cp < 0) {
			if (!replace)
				return sms_fail(err, SMS_EUTF8, at,
						"invalid UTF-8 at byte %zu "
						"(0x%02X)",
						at, s[at]);
			cp = SMS_REPLACEMENT;
			invalid++;
		}
		if (!nfc && !nfc_inert((uint32_t)cp))
			nfc = true;
		out->cp[n] = (uint32_t)cp;
		out->off[n++] = at;
	}
	out->n = n;
	*nfc_r = nfc;
	*invalid_r = invalid;
	return SMS_OK;
}

/*
 * normalise - NFC, stretch by stretch
 *
 * A stretch starts at an inert code point and takes the non-inert ones
 * after it; stretches normalise independently. Output code points carry
 * the offset of their stretch. Returns SMS_OK or SMS_ENOMEM.
 */
static int
normalise(const struct cps *in, struct cps *out, struct sms_error *err)
{
	size_t i = 0, n = 0, cap = in->n + 16, bufcap = 64;
	utf8proc_int32_t *buf;
	char *u8;
	int rc = SMS_OK;

	out->cp = malloc(cap * sizeof(*out->cp));
	out->off = malloc(cap * sizeof(*out->off));
	buf = malloc(bufcap * sizeof(*buf));
	u8 = malloc(4 * in->n + 1);
	if (!out->cp || !out->off || !buf || !u8) {
		rc = sms_fail(err, SMS_ENOMEM, 0, "out of memory");
		goto done;
	}
	while (i < in->n) {
		size_t j = i + 1, ulen = 0, k;
		utf8proc_ssize_t m;

		while (j < in->n && !nfc_inert(in->cp[j]))
			j++;
		if (j == i + 1 && nfc_inert(in->cp[i])) {
			m = 1;
			buf[0] = (utf8proc_int32_t)in->cp[i];
		} else {
			for (k = i; k < j; k++)
				ulen += utf8_put(in->cp[k], u8 + ulen);
			for (;;) {
				m = utf8proc_decompose(
				    (const utf8proc_uint8_t *)u8,
				    (utf8proc_ssize_t)ulen, buf,
				    (utf8proc_ssize_t)bufcap,
				    UTF8PROC_STABLE | UTF8PROC_COMPOSE);
				if (m < 0 || (size_t)m <= bufcap)
					break;
				free(buf);
				bufcap = (size_t)m;
				buf = malloc(bufcap * sizeof(*buf));
				if (!buf) {
					rc = sms_fail(err, SMS_ENOMEM, 0,
						      "out of memory");
					goto done;
				}
			}
			if (m < 0) { /* cannot happen: input is valid */
				rc = sms_fail(err, SMS_EUTF8, in->off[i],
					      "cannot normalise at byte %zu",
					      in->off[i]);
				goto done;
			}
			m = utf8proc_normalize_utf32(
			    buf, m, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		}
		if (n + (size_t)m > cap) {
			uint32_t *ncp;
			size_t *noff;

			cap = 2 * (n + (size_t)m);
			ncp = realloc(out->cp, cap * sizeof(*ncp));
			if (ncp)
				out->cp = ncp;
			noff = realloc(out->off, cap * sizeof(*noff));
			if (noff)
				out->off = noff;
			if (!ncp || !noff) {
				rc = sms_fail(err, SMS_ENOMEM, 0,
					      "out of memory");
				goto done;
			}
		}
		for (k = 0; k < (size_t)m; k++) {
			out->cp[n] = (uint32_t)buf[k];
			out->off[n++] = in->off[i];
		}
		i = j;
	}
	out->n = n;
done:
	free(buf);
	free(u8);
	return rc;
}

/*
 * choose - pick the encoding of a decoded text
 *
 * Sets *forced_r to the number of characters that keep it from GSM
 * (those neither GSM nor smart-mappable) and *nongsm_r to those not GSM.
 */
static struct mode
choose(const uint32_t *cp, size_t n, const struct sms_opts *o,
       unsigned *nongsm_r, unsigned *forced_r)
{
	struct mode m = {SMS_GSM7, false, o->ref16};
	unsigned nongsm = 0, forced = 0;
	uint32_t rep[3];
	size_t i;

	for (i = 0; i < n; i++) {
		if (sms_gsm_cost(cp[i]) != 0)
			continue;
		nongsm++;
		if (!o->smart || smart_map(cp[i], rep) < 0)
			forced++;
	}
	if (forced > 0)
		m.enc = SMS_UCS2;
	else if (nongsm > 0)
		m.expand = true;
	*nongsm_r = nongsm;
	*forced_r = forced;
	return m;
}

/* Iterator over the characters as sent: smart replacements expanded. */
struct sent_it {
	const uint32_t *cp;
	size_t n, j;
	bool expand;
	uint32_t rep[3];
	int nrep, irep;
};

/* sent_next - next character as sent and its source index; false at end */
static bool
sent_next(struct sent_it *it, uint32_t *cp_r, size_t *src_r)
{
	while (it->irep >= it->nrep) {
		uint32_t c;

		if (it->j >= it->n)
			return false;
		c = it->cp[it->j++];
		it->irep = 0;
		if (it->expand && sms_gsm_cost(c) == 0) {
			it->nrep = smart_map(c, it->rep);
		} else {
			it->rep[0] = c;
			it->nrep = 1;
		}
	}
	*cp_r = it->rep[it->irep++];
	*src_r = it->j - 1;
	return true;
}

/* char_cost - septets or UTF-16 units of one character */
static unsigned
char_cost(uint32_t cp, enum sms_encoding enc)
{
	if (enc == SMS_GSM7)
		return sms_gsm_cost(cp);
	return cp > 0xFFFF ? 2 : 1;
}

/* limits - single and per-part capacity of an encoding */
static void
limits(const struct mode *m, unsigned *single_r, unsigned *per_r)
{
	if (m->enc == SMS_GSM7) {
		*single_r = SMS_SINGLE_SEPTETS;
		*per_r = m->ref16 ? SMS_CONCAT16_SEPTETS : SMS_CONCAT8_SEPTETS;
	} else {
		*single_r = SMS_SINGLE_UNITS;
		*per_r = m->ref16 ? SMS_CONCAT16_UNITS : SMS_CONCAT8_UNITS;
	}
}

/* measure - first pass: length, segments and sizes of the text as sent */
static void
measure(const uint32_t *cp, size_t n, const struct mode *m, struct sizes *s)
{
	struct sent_it it = {cp, n, 0, m->expand, {0}, 0, 0};
	unsigned single, per, fill = 0, parts = 1;
	uint32_t c;
	size_t src;

	limits(m, &single, &per);
	memset(s, 0, sizeof(*s));
	while (sent_next(&it, &c, &src)) {
		unsigned cost = char_cost(c, m->enc);

		if (fill + cost > per) {
			parts++;
			fill = 0;
		}
		fill += cost;
		s->length += cost;
		s->nchars++;
		s->text_len += utf8_len(c);
	}
	s->parts = s->length <= single ? 1 : parts;
}

/* plan_build - second pass: allocate the plan and fill it */
static struct sms_plan *
plan_build(const struct cps *src, size_t in_len, const struct mode *m,
	   const struct sms_opts *o, unsigned nforced, struct sms_error *err)
{
	struct sizes s;
	struct sent_it it = {src->cp, src->n, 0, m->expand, {0}, 0, 0};
	struct sms_plan *p;
	struct sms_part *parts;
	struct sms_forced *forced;
	uint32_t *chars, c, rep[3];
	char *text;
	unsigned single, per, fill = 0, k = 0, f = 0;
	size_t si, ci = 0, w = 0;

	measure(src->cp, src->n, m, &s);
	p = malloc(sizeof(*p) + s.parts * sizeof(*parts) +
		   nforced * sizeof(*forced) + s.nchars * sizeof(*chars) +
		   s.text_len + 1);
	if (!p) {
		sms_fail(err, SMS_ENOMEM, 0, "out of memory");
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	parts = (struct sms_part *)(p + 1);
	forced = (struct sms_forced *)(parts + s.parts);
	chars = (uint32_t *)(forced + nforced);
	text = (char *)(chars + s.nchars);

	limits(m, &single, &per);
	if (s.parts == 1)
		per = single;
	memset(parts, 0, s.parts * sizeof(*parts));
	while (sent_next(&it, &c, &si)) {
		unsigned cost = char_cost(c, m->enc);

		if (fill + cost > per) {
			parts[k].len = w - parts[k].off;
			parts[k].count = (unsigned)ci - parts[k].first;
			parts[k].length = fill;
			k++;
			parts[k].off = w;
			parts[k].first = (unsigned)ci;
			parts[k].in_off = src->off[si];
			fill = 0;
		}
		fill += cost;
		chars[ci++] = c;
		w += utf8_put(c, text + w);
	}
	parts[k].len = w - parts[k].off;
	parts[k].count = (unsigned)ci - parts[k].first;
	parts[k].length = fill;
	text[w] = '\0';
	for (k = 0; k < s.parts; k++)
		parts[k].in_len =
		    (k + 1 < s.parts ? parts[k + 1].in_off : in_len) -
		    parts[k].in_off;
	for (si = 0; si < src->n && f < nforced; si++) {
		c = src->cp[si];
		if (sms_gsm_cost(c) == 0 &&
		    (!o->smart || smart_map(c, rep) < 0))
			forced[f++] = (struct sms_forced){c, src->off[si]};
	}

	p->encoding = m->enc;
	p->length = s.length;
	p->nparts = s.parts;
	p->parts = parts;
	p->nforced = nforced;
	p->forced = forced;
	p->text = text;
	p->text_len = w;
	p->chars = chars;
	p->nchars = (unsigned)ci;
	return p;
}

/* Stack room for short texts, so they need one allocation only. */
#define STACK_CPS 512

/* A decoded, normalised text and what holds it. */
struct loaded {
	struct cps c;
	struct cps nfc; /* heap arrays when normalised */
	uint32_t *hcp;	/* heap arrays for long input */
	size_t *hoff;
	unsigned invalid;
};

/*
 * load - decode and normalise text into l->c
 *
 * Uses the caller's arrays (STACK_CPS entries) for short texts; what it
 * allocates, unload() frees, also after a failure.
 */
static int
load(const char *text, size_t len, const struct sms_opts *o, uint32_t *scp,
     size_t *soff, struct loaded *l, struct sms_error *err)
{
	bool nfc = false;
	int rc;

	memset(l, 0, sizeof(*l));
	if (len > STACK_CPS) {
		l->hcp = malloc(len * sizeof(*l->hcp));
		l->hoff = malloc(len * sizeof(*l->hoff));
		if (!l->hcp || !l->hoff)
			return sms_fail(err, SMS_ENOMEM, 0, "out of memory");
		scp = l->hcp;
		soff = l->hoff;
	}
	l->c.cp = scp;
	l->c.off = soff;
	rc = decode(text, len, o->replace_invalid, &l->c, &nfc, &l->invalid,
		    err);
	if (rc != SMS_OK || !nfc)
		return rc;
	rc = normalise(&l->c, &l->nfc, err);
	if (rc == SMS_OK)
		l->c = l->nfc;
	return rc;
}

/* unload - free what load allocated */
static void
unload(struct loaded *l)
{
	free(l->nfc.cp);
	free(l->nfc.off);
	free(l->hcp);
	free(l->hoff);
}

/* sms_plan_new - decide encoding and segments of a UTF-8 text */
struct sms_plan *
sms_plan_new(const char *text, size_t len, const struct sms_opts *opts,
	     struct sms_error *err)
{
	struct sms_opts defaults;
	uint32_t scp[STACK_CPS];
	size_t soff[STACK_CPS];
	struct loaded l;
	struct sms_plan *p = NULL;
	struct mode m;
	unsigned nongsm, nforced;

	if (!opts) {
		sms_opts_init(&defaults);
		opts = &defaults;
	}
	if (load(text, len, opts, scp, soff, &l, err) != SMS_OK)
		goto done;
	m = choose(l.c.cp, l.c.n, opts, &nongsm, &nforced);
	p = plan_build(&l.c, len, &m, opts, nforced, err);
	if (!p)
		goto done;
	p->invalid = l.invalid;
	if (m.expand) {
		struct mode plain = {SMS_UCS2, false, opts->ref16};
		struct sizes s;

		measure(l.c.cp, l.c.n, &plain, &s);
		p->smart_replaced = nongsm;
		p->smart_saved = s.parts - p->nparts;
	}
done:
	unload(&l);
	return p;
}

/* sms_plan_free - free a plan and set *plan to NULL */
void
sms_plan_free(struct sms_plan **plan)
{
	free(*plan);
	*plan = NULL;
}

/* parts_of - segments prefix[0..k) followed by marker would take */
static unsigned
parts_of(const struct cps *text, size_t k, const struct cps *marker,
	 const struct sms_opts *o, uint32_t *scratch)
{
	struct mode m;
	struct sizes s;
	unsigned nongsm, nforced;

	memcpy(scratch, text->cp, k * sizeof(*scratch));
	memcpy(scratch + k, marker->cp, marker->n * sizeof(*scratch));
	m = choose(scratch, k + marker->n, o, &nongsm, &nforced);
	measure(scratch, k + marker->n, &m, &s);
	return s.parts;
}

/* is_space - white space to trim before the marker */
static bool
is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\n' || cp == '\r' || cp == '\t' ||
	       cp == 0xA0 || cp == 0x3000;
}

/* sms_plan_truncate - plan a text cut to at most max_parts segments */
struct sms_plan *
sms_plan_truncate(const char *text, size_t len, const struct sms_opts *opts,
		  unsigned max_parts, const char *marker, struct sms_error *err)
{
	struct sms_opts defaults;
	struct sms_plan *p;
	struct loaded lt, lm;
	uint32_t scp[STACK_CPS], mcp[STACK_CPS];
	size_t soff[STACK_CPS], moff[STACK_CPS];
	size_t lo, hi, k, mlen = strlen(marker), w;
	uint32_t *scratch = NULL;
	unsigned char *brk = NULL;
	char *cut = NULL;
	utf8proc_int32_t state = 0;

	if (!opts) {
		sms_opts_init(&defaults);
		opts = &defaults;
	}
	if (max_parts == 0) {
		sms_fail(err, SMS_EINVAL, 0, "segment cap must be at least 1");
		return NULL;
	}
	p = sms_plan_new(text, len, opts, err);
	if (!p || p->nparts <= max_parts)
		return p;
	sms_plan_free(&p);

	memset(&lm, 0, sizeof(lm));
	if (load(text, len, opts, scp, soff, &lt, err) != SMS_OK ||
	    load(marker, mlen, opts, mcp, moff, &lm, err) != SMS_OK)
		goto done;
	scratch = malloc((lt.c.n + lm.c.n + 1) * sizeof(*scratch));
	brk = malloc(lt.c.n + 1);
	cut = malloc(4 * (lt.c.n + lm.c.n) + 1);
	if (!scratch || !brk || !cut) {
		sms_fail(err, SMS_ENOMEM, 0, "out of memory");
		goto done;
	}
	/* brk[k]: a cut before character k keeps graphemes whole */
	brk[0] = 1;
	for (k = 1; k < lt.c.n; k++)
		brk[k] = utf8proc_grapheme_break_stateful(
		    (utf8proc_int32_t)lt.c.cp[k - 1],
		    (utf8proc_int32_t)lt.c.cp[k], &state);
	if (parts_of(&lt.c, 0, &lm.c, opts, scratch) > max_parts) {
		sms_fail(err, SMS_EINVAL, 0,
			 "the truncation marker alone exceeds %u segments",
			 max_parts);
		goto done;
	}
	/* largest k that fits: fits(lo) holds, fits(hi) does not */
	lo = 0;
	hi = lt.c.n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (parts_of(&lt.c, mid, &lm.c, opts, scratch) <= max_parts)
			lo = mid;
		else
			hi = mid;
	}
	k = lo;
	while (k > 0 && !brk[k])
		k--;
	while (k > 0 && is_space(lt.c.cp[k - 1]))
		k--;
	w = 0;
	for (lo = 0; lo < k; lo++)
		w += utf8_put(lt.c.cp[lo], cut + w);
	memcpy(cut + w, marker, mlen);
	w += mlen;
	p = sms_plan_new(cut, w, opts, err);
done:
	unload(&lt);
	unload(&lm);
	free(scratch);
	free(brk);
	free(cut);
	return p;
}

/* sms_plan_encode_part - encode one segment: septets or UTF-16BE */
int
sms_plan_encode_part(const struct sms_plan *plan, unsigned part, uint8_t *out,
		     size_t outsz, size_t *len_r)
{
	const struct sms_part *pt;
	size_t i, n = 0;

	if (part >= plan->nparts)
		return SMS_EINVAL;
	pt = &plan->parts[part];
	for (i = pt->first; i < pt->first + pt->count; i++) {
		uint32_t c = plan->chars[i];
		unsigned need;

		if (plan->encoding == SMS_GSM7)
			need = sms_gsm_cost(c);
		else
			need = c > 0xFFFF ? 4 : 2;

		if (n + need > outsz)
			return SMS_ESPACE;
		if (plan->encoding == SMS_GSM7)
			n += gsm_put(gsm_code(c), out + n);
		else
			n += utf16_put(c, out + n);
	}
	*len_r = n;
	return SMS_OK;
}
