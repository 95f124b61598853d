/*
 * NAME
 *	plan - decide encoding and segments of a text
 * DESCRIPTION
 *	sms_plan_new() works on the UTF-8 bytes in two passes. The first
 *	(scan.c) validates, decides whether NFC might change anything, and
 *	fills segments greedily for both encodings at once: GSM with smart
 *	replacements expanded, and UCS-2. Greedy filling in order, placing
 *	every character whole, is optimal here, and it never ends a segment
 *	inside an escape sequence or a surrogate pair. The second pass
 *	(fill) allocates the plan at its exact size and records the
 *	segments of the chosen encoding, the text as sent, and the
 *	characters that forced UCS-2. Text that NFC would change is
 *	normalised first (nfc.c); the segments' offsets in the input are
 *	then found by going through it again (nfc_map_parts), not from a
 *	map of every byte.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "sms/sms_int.h"

/* sms_opts_init - default options */
void
sms_opts_init(struct sms_opts *opts)
{
	opts->smart = true;
	opts->replace_invalid = false;
	opts->ref16 = false;
}

/* forces - cp has neither a GSM code nor (with smart) a replacement */
static inline bool
forces(uint32_t cp, bool smart)
{
	return gsm_code(cp) < 0 && (!smart || !smart_map(cp));
}

/* encoding_of - the encoding a scanned text is sent in */
static enum sms_encoding
encoding_of(const struct scan *s)
{
	return s->is_ucs2 ? SMS_UCS2 : SMS_GSM7;
}

/* parts_of - segments a scanned text takes */
static unsigned
parts_of(const struct scan *s)
{
	enum sms_encoding enc = encoding_of(s);

	return fill_parts(enc == SMS_GSM7 ? &s->gsm : &s->ucs2, enc);
}

/* next_cost - decode the character at *pos, advance, return its cost */
static inline unsigned
next_cost(const unsigned char *t, size_t len, size_t *pos, bool gsm)
{
	uint32_t c;

	if (t[*pos] < 0x80)
		return gsm ? sms_gsm_ascii[t[(*pos)++]] : ((*pos)++, 1);
	c = (uint32_t)utf8_next(t, len, pos);
	if (gsm)
		return sms_gsm_cost(c);
	return c > 0xFFFF ? 2 : 1;
}

/*
 * split - find segment boundaries of a text sent as it is
 *
 * text is valid UTF-8.
 */
static void
split(const char *text, size_t len, bool gsm, unsigned per,
      struct sms_part *parts)
{
	const unsigned char *t = (const unsigned char *)text;
	unsigned used = 0, k = 0;
	size_t pos = 0;

	while (pos < len) {
		size_t at = pos;
		unsigned cost = next_cost(t, len, &pos, gsm);

		if (used + cost > per) {
			parts[k].len = at - parts[k].off;
			parts[k].length = used;
			k++;
			parts[k].off = at;
			parts[k].in_off = at;
			used = 0;
		}
		used += cost;
	}
	parts[k].len = len - parts[k].off;
	parts[k].length = used;
}

/* Output position of rewrite(): segment being filled and bytes written. */
struct cursor {
	struct sms_part *parts;
	unsigned per, used, k;
	size_t w;
};

/* cursor_place - account a character of cost from input byte at */
static inline void
cursor_place(struct cursor *c, unsigned cost, size_t at)
{
	if (c->used + cost > c->per) {
		c->parts[c->k].len = c->w - c->parts[c->k].off;
		c->parts[c->k].length = c->used;
		c->k++;
		c->parts[c->k].off = c->w;
		c->parts[c->k].in_off = at;
		c->used = 0;
	}
	c->used += cost;
}

/*
 * rewrite - write the text with smart replacements, finding boundaries
 *
 * Every character outside the GSM tables has a replacement here (else
 * the plan would be UCS-2). Returns the bytes written to out.
 */
static size_t
rewrite(const char *text, size_t len, unsigned per, struct sms_part *parts,
	char *out)
{
	const unsigned char *t = (const unsigned char *)text;
	struct cursor c = {parts, per, 0, 0, 0};
	size_t pos = 0;

	while (pos < len) {
		size_t at = pos;
		unsigned cost = sms_gsm_ascii[t[pos]];
		const char *rep;
		uint32_t cp = 0;

		if (cost == 1) { /* a run of plain characters, in chunks */
			size_t r = pos + 1;

			while (r < len && sms_gsm_ascii[t[r]] == 1)
				r++;
			while (pos < r) {
				size_t take;

				cursor_place(&c, 1, pos);
				take = r - pos - 1;
				if (take > c.per - c.used)
					take = c.per - c.used;
				c.used += (unsigned)take;
				take++;
				memcpy(out + c.w, t + pos, take);
				c.w += take;
				pos += take;
			}
			continue;
		}
		if (cost) { /* extension character */
			cursor_place(&c, cost, at);
			out[c.w++] = (char)t[pos++];
			continue;
		}
		if (t[pos] < 0x80)
			cp = t[pos++];
		else
			pos += utf8_fast(t + pos, len - pos, &cp); /* valid */
		cost = sms_gsm_cost(cp);
		if (cost) { /* GSM beyond ASCII: copy its bytes */
			cursor_place(&c, cost, at);
			while (at < pos)
				out[c.w++] = (char)t[at++];
			continue;
		}
		for (rep = smart_map(cp); *rep; rep++) {
			cursor_place(&c, sms_gsm_ascii[(unsigned char)*rep],
				     at);
			out[c.w++] = *rep;
		}
	}
	parts[c.k].len = c.w - parts[c.k].off;
	parts[c.k].length = c.used;
	return c.w;
}

/*
 * plan_make - allocate a plan of the exact size and fill it
 *
 * text is the input (in_len bytes), or its NFC when nfc_of is not
 * NULL: then nfc_of is the input.
 */
static struct sms_plan *
plan_make(const char *text, size_t len, const char *nfc_of, size_t in_len,
	  bool smart_opt, const struct scan *s, struct sms_error *err)
{
	enum sms_encoding enc = encoding_of(s);
	const struct fill *f = enc == SMS_GSM7 ? &s->gsm : &s->ucs2;
	unsigned nparts = parts_of(s), i;
	bool smart = enc == SMS_GSM7 && s->nongsm > 0;
	size_t bytes = smart ? s->gsm_bytes : len, k;
	struct sms_plan *p;
	struct sms_part *parts;
	char *out;
	unsigned per;

	p = malloc(sizeof(*p) + nparts * sizeof(*parts) + bytes + 1);
	if (!p) {
		sms_fail(err, SMS_ENOMEM, 0, "out of memory");
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	parts = (struct sms_part *)(p + 1);
	out = (char *)(parts + nparts);
	memset(parts, 0, nparts * sizeof(*parts));
	p->encoding = enc;
	p->length = f->length;
	p->nparts = nparts;
	p->parts = parts;
	p->text = out;
	p->invalid = s->invalid;
	p->smart = smart_opt;
	if (smart) {
		p->smart_replaced = s->nongsm;
		p->smart_saved = fill_parts(&s->ucs2, SMS_UCS2) - nparts;
	}
	if (nparts == 1)
		per = enc == SMS_GSM7 ? SMS_SINGLE_SEPTETS : SMS_SINGLE_UNITS;
	else
		per = f->per;
	if (smart && nparts <= SCAN_BOUNDS) {
		/* scan wrote the text as sent and its boundaries */
		for (i = 0; i + 1 < nparts; i++) {
			parts[i].length = f->b[i].used;
			parts[i + 1].off = f->b[i].out;
			parts[i + 1].in_off = f->b[i].at;
		}
		parts[i].length = nparts == 1 ? f->length : f->cur;
		for (i = 0; i < nparts; i++)
			parts[i].len =
			    (i + 1 < nparts ? parts[i + 1].off : s->gsm_bytes) -
			    parts[i].off;
		memcpy(out, s->out, s->gsm_bytes);
		p->text_len = s->gsm_bytes;
	} else if (smart) {
		p->text_len = rewrite(text, len, per, parts, out);
	} else {
		if (nparts == 1) {
			parts[0].length = f->length;
		} else if (nparts <= SCAN_BOUNDS) {
			for (i = 0; i + 1 < nparts; i++) {
				parts[i].length = f->b[i].used;
				parts[i + 1].off = f->b[i].at;
				parts[i + 1].in_off = f->b[i].at;
			}
			parts[i].length = f->cur;
		} else {
			split(text, len, enc == SMS_GSM7, per, parts);
		}
		for (i = 0; i < nparts; i++)
			parts[i].len =
			    (i + 1 < nparts ? parts[i + 1].off : len) -
			    parts[i].off;
		memcpy(out, text, len);
		p->text_len = len;
	}
	out[p->text_len] = '\0';
	if (nfc_of && nparts > 1 &&
	    nfc_map_parts(nfc_of, in_len, parts + 1, nparts - 1, err) != 0) {
		free(p);
		return NULL;
	}
	for (k = 0; k < nparts; k++)
		parts[k].in_len =
		    (k + 1 < nparts ? parts[k + 1].in_off : in_len) -
		    parts[k].in_off;
	return p;
}

/* Scan output kept on the stack up to this size. */
#define STACK_OUT 1024

/* A text made ready to plan: scanned, normalised when needed. */
struct prepared {
	const char *t;	/* the text to plan */
	size_t len;	/* its length */
	char *own;	/* the normalised copy, when there is one */
	char *heap_out; /* scan output too large for the stack */
	struct scan s;
	char stack_out[STACK_OUT];
};

/* out_room - point the scan's output at room for len bytes */
static int
out_room(struct prepared *pr, size_t len, struct sms_error *err)
{
	if (len < STACK_OUT) {
		pr->s.out = pr->stack_out;
		return SMS_OK;
	}
	free(pr->heap_out);
	pr->heap_out = malloc(len + 1);
	if (!pr->heap_out)
		return sms_fail(err, SMS_ENOMEM, 0, "out of memory");
	pr->s.out = pr->heap_out;
	return SMS_OK;
}

/*
 * prepare - scan a text, normalising it first when NFC would change it
 *
 * The scan's output holds at most as many bytes as its input (smart
 * replacements are never longer than what they replace). Free with
 * prepared_free, also after a failure.
 */
static int
prepare(const char *text, size_t len, const struct sms_opts *o,
	struct prepared *pr, struct sms_error *err)
{
	unsigned invalid;
	int rc;

	pr->t = text;
	pr->len = len;
	pr->own = NULL;
	pr->heap_out = NULL;
	rc = out_room(pr, len, err);
	if (rc == SMS_OK)
		rc = scan(text, len, o, &pr->s, err);
	if (rc != SMS_OK || !pr->s.nfc)
		return rc;
	invalid = pr->s.invalid;
	rc = nfc_normalise(text, len, &pr->own, &pr->len, err);
	if (rc == SMS_OK && pr->len > len)
		rc = out_room(pr, pr->len, err);
	if (rc != SMS_OK)
		return rc;
	pr->t = pr->own;
	rc = scan(pr->t, pr->len, o, &pr->s, err);
	pr->s.invalid = invalid;
	return rc;
}

/* prepared_free - free what prepare allocated */
static void
prepared_free(struct prepared *pr)
{
	free(pr->own);
	free(pr->heap_out);
}

/* sms_plan_new - decide encoding and segments of a UTF-8 text */
struct sms_plan *
sms_plan_new(const char *text, size_t len, const struct sms_opts *opts,
	     struct sms_error *err)
{
	struct sms_opts defaults;
	struct sms_plan *p = NULL;
	struct prepared pr;

	if (!opts) {
		sms_opts_init(&defaults);
		opts = &defaults;
	}
	if (prepare(text, len, opts, &pr, err) == SMS_OK)
		p = plan_make(pr.t, pr.len, pr.own ? text : NULL, len,
			      opts->smart, &pr.s, err);
	prepared_free(&pr);
	return p;
}

/* sms_plan_segments - the segments of a text, not planned */
unsigned
sms_plan_segments(const char *text, size_t len, const struct sms_opts *opts,
		  struct sms_error *err)
{
	struct sms_opts defaults;
	struct prepared pr;
	unsigned n = 0;

	if (!opts) {
		sms_opts_init(&defaults);
		opts = &defaults;
	}
	if (prepare(text, len, opts, &pr, err) == SMS_OK)
		n = parts_of(&pr.s);
	prepared_free(&pr);
	return n;
}

/* sms_plan_free - free a plan and set *plan to NULL */
void
sms_plan_free(struct sms_plan **plan)
{
	free(*plan);
	*plan = NULL;
}

/*
 * cut_points - byte offsets where a cut keeps graphemes whole
 *
 * Returns how many were written to cuts (room for len + 1), starting
 * with 0.
 */
static size_t
cut_points(const char *text, size_t len, size_t *cuts)
{
	const unsigned char *t = (const unsigned char *)text;
	utf8proc_int32_t state = 0, prev = -1;
	size_t pos = 0, n = 0;

	while (pos < len) {
		size_t at = pos;
		int32_t c = utf8_next(t, len, &pos);

		if (c < 0)
			c = SMS_REPLACEMENT;
		if (prev < 0 ||
		    utf8proc_grapheme_break_stateful(prev, c, &state))
			cuts[n++] = at;
		prev = c;
	}
	return n;
}

/* probe - segments of text[0..cut) followed by the marker */
static unsigned
probe(const char *t, size_t cut, const char *m, size_t ml,
      const struct sms_opts *o, char *buf, char *out)
{
	struct scan s;

	memcpy(buf, t, cut);
	memcpy(buf + cut, m, ml);
	s.out = out;
	if (scan(buf, cut + ml, o, &s, NULL) != SMS_OK)
		return UINT32_MAX;
	return parts_of(&s);
}

/*
 * prefix_end - where a text may be cut for truncation to max_parts: a
 * byte offset past the first 2 * max_parts * SMS_SINGLE_SEPTETS + 16
 * characters, before an ASCII character (which neither NFC nor a
 * grapheme joins to what comes before it, so that the prefix plans and
 * cuts exactly as the start of the whole text does); len when there is
 * none
 */
static size_t
prefix_end(const char *text, size_t len, unsigned max_parts)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t want = 2 * (size_t)max_parts * SMS_SINGLE_SEPTETS + 16, n = 0;
	size_t i;

	for (i = 0; i < len && n < want; i++)
		n += (t[i] & 0xC0) != 0x80; /* a character starts here */
	while (i < len && t[i] >= 0x80)
		i++;
	return i;
}

/* sms_plan_truncate - plan a text cut to at most max_parts segments */
struct sms_plan *
sms_plan_truncate(const char *text, size_t len, const struct sms_opts *opts,
		  unsigned max_parts, const char *marker, struct sms_error *err)
{
	struct sms_opts defaults;
	struct sms_plan *p = NULL;
	struct prepared *pt = NULL, *pm = NULL;
	char *buf = NULL, *out = NULL;
	size_t *cuts = NULL, n, lo, hi, cut, tl, ml;
	const char *t, *m;

	if (!opts) {
		sms_opts_init(&defaults);
		opts = &defaults;
	}
	if (max_parts == 0) {
		sms_fail(err, SMS_EINVAL, 0, "segment cap must be at least 1");
		return NULL;
	}
	pt = calloc(1, sizeof(*pt));
	pm = calloc(1, sizeof(*pm));
	if (!pt || !pm) {
		sms_fail(err, SMS_ENOMEM, 0, "out of memory");
		goto done;
	}
	if (prepare(text, len, opts, pt, err) != SMS_OK)
		goto done;
	if (parts_of(&pt->s) <= max_parts) {
		p = plan_make(pt->t, pt->len, pt->own ? text : NULL, len,
			      opts->smart, &pt->s, err);
		goto done;
	}
	if (prepare(marker, strlen(marker), opts, pm, err) != SMS_OK)
		goto done;
	/*
	 * What is kept fits in max_parts segments, so a long text is
	 * searched only in a prefix long enough that it cannot fit (else,
	 * characters that cost nothing being possible, in all of it): the
	 * work and the memory stay a few times the segments, not the text
	 */
	for (cut = prefix_end(text, len, max_parts);; cut = len) {
		if (cut < len) {
			prepared_free(pt);
			if (prepare(text, cut, opts, pt, err) != SMS_OK)
				goto done;
		}
		t = pt->t;
		tl = pt->len;
		m = pm->t;
		ml = pm->len;
		buf = malloc(tl + ml + 1);
		out = malloc(tl + ml + 1);
		cuts = malloc((tl + 1) * sizeof(*cuts));
		if (!buf || !out || !cuts) {
			sms_fail(err, SMS_ENOMEM, 0, "out of memory");
			goto done;
		}
		if (cut == len ||
		    probe(t, tl, m, ml, opts, buf, out) > max_parts)
			break;
		/* the prefix fits after all: search the whole text */
		free(buf);
		free(out);
		free(cuts);
		buf = out = NULL;
		cuts = NULL;
		prepared_free(pt);
		if (prepare(text, len, opts, pt, err) != SMS_OK)
			goto done;
	}
	n = cut_points(t, tl, cuts);
	if (probe(t, 0, m, ml, opts, buf, out) > max_parts) {
		sms_fail(err, SMS_EINVAL, 0,
			 "the truncation marker alone exceeds %u segments",
			 max_parts);
		goto done;
	}
	/* the largest cut that fits: cuts[lo] fits, cuts[hi] (or all) not */
	lo = 0;
	hi = n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (probe(t, cuts[mid], m, ml, opts, buf, out) <= max_parts)
			lo = mid;
		else
			hi = mid;
	}
	cut = cuts[lo];
	while (cut > 0 && (t[cut - 1] == ' ' || t[cut - 1] == '\n' ||
			   t[cut - 1] == '\r' || t[cut - 1] == '\t'))
		cut--;
	memcpy(buf, t, cut);
	memcpy(buf + cut, m, ml);
	p = sms_plan_new(buf, cut + ml, opts, err);
done:
	if (pt)
		prepared_free(pt);
	if (pm)
		prepared_free(pm);
	free(pt);
	free(pm);
	free(buf);
	free(out);
	free(cuts);
	return p;
}

/* sms_plan_forced - the characters that forced UCS-2 */
unsigned
sms_plan_forced(const struct sms_plan *plan, struct sms_forced *out,
		unsigned max, unsigned *listed_r, bool *more_r)
{
	const unsigned char *t = (const unsigned char *)plan->text;
	size_t pos = 0, len = plan->text_len;
	unsigned total = 0, n = 0, i;
	bool more = false;

	while (plan->encoding == SMS_UCS2 && pos < len) {
		size_t at = pos;
		uint32_t c = (uint32_t)utf8_next(t, len, &pos);

		if (!forces(c, plan->smart))
			continue;
		total++;
		for (i = 0; i < n; i++)
			if (out[i].cp == c)
				break;
		if (i < n)
			continue;
		if (n < max)
			out[n++] = (struct sms_forced){c, at};
		else
			more = true;
	}
	*listed_r = n;
	if (more_r)
		*more_r = more;
	return total;
}

/* sms_plan_encode_part - encode one segment: septets or UTF-16BE */
int
sms_plan_encode_part(const struct sms_plan *plan, unsigned part, uint8_t *out,
		     size_t outsz, size_t *len_r)
{
	const struct sms_part *pt;

	if (part >= plan->nparts)
		return SMS_EINVAL;
	pt = &plan->parts[part];
	return text_encode(plan->text + pt->off, pt->len, plan->encoding, out,
			   outsz, len_r, NULL);
}
