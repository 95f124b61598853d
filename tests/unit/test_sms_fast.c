/*
 * NAME
 *	test_sms_fast - the planner's block fast paths against a model
 * DESCRIPTION
 *	The first pass (sms/scan.c) takes 16 bytes at a time where it can.
 *	These tests put characters of every kind (GSM, extension, smart,
 *	forcing UCS-2, beyond the BMP, combining, invalid) at every byte
 *	position around block edges, in fillers of 1- to 4-byte
 *	characters, and compare the plan with a plain model written here
 *	character by character, and normalisation with utf8proc. Build
 *	with -DSMS_SCALAR to run the same tests on the scalar path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "sms/sms.h"
#include "tests/unit/test_sms.h"

/* A character of known behaviour. */
struct piece {
	const char *s;	   /* UTF-8 */
	unsigned units;	   /* UTF-16 units */
	unsigned gsm;	   /* septets in GSM, 0: not GSM */
	const char *smart; /* replacement when not GSM, NULL: forces UCS-2 */
};

static const struct piece pieces[] = {
    {"a", 1, 1, NULL},
    {" ", 1, 1, NULL},
    {"{", 1, 2, NULL},
    {"~", 1, 2, NULL},
    {"\f", 1, 2, NULL},
    {"\n", 1, 1, NULL},
    {"`", 1, 0, NULL},
    {"\x01", 1, 0, NULL},
    {"\x7f", 1, 0, NULL},
    {"\t", 1, 0, " "},
    {"\xc3\xa9", 1, 1, NULL},	      /* e acute */
    {"\xce\xa9", 1, 1, NULL},	      /* capital omega */
    {"\xe2\x82\xac", 1, 2, NULL},     /* euro sign */
    {"\xc2\xa0", 1, 0, " "},	      /* no-break space */
    {"\xc2\xad", 1, 0, ""},	      /* soft hyphen */
    {"\xe2\x80\x99", 1, 0, "'"},      /* right single quote */
    {"\xe2\x80\xa6", 1, 0, "..."},    /* ellipsis */
    {"\xef\xbb\xbf", 1, 0, ""},	      /* byte order mark */
    {"\xc3\xb4", 1, 0, NULL},	      /* o circumflex */
    {"\xd0\xb4", 1, 0, NULL},	      /* Cyrillic de */
    {"\xe4\xb8\xad", 1, 0, NULL},     /* CJK */
    {"\xe0\xa4\x95", 1, 0, NULL},     /* Devanagari ka */
    {"\xf0\x9f\x98\x80", 2, 0, NULL}, /* emoji */
    {"\xf0\x90\x80\x80", 2, 0, NULL}, /* Linear B, not an emoji */
    {"\xf0\x9f\x87\xba", 2, 0, NULL}, /* regional indicator U */
    {"\xe2\x80\x8d", 1, 0, NULL},     /* zero width joiner */
    {"\xd7\x90", 1, 0, NULL},	      /* Hebrew alef: not a clean lead */
};
#define NPIECES (sizeof(pieces) / sizeof(pieces[0]))

/* Fillers: indexes into pieces of 1- to 4-byte characters. */
static const unsigned fillers[] = {0, 1, 10, 12, 19, 20, 21, 22};
#define NFILLERS (sizeof(fillers) / sizeof(fillers[0]))

#define MAXCH 400

/* A text as a sequence of pieces. */
struct text {
	unsigned n, idx[MAXCH];
	char s[MAXCH * 4 + 1];
	size_t len;
};

/* text_reset - an empty text */
static void
text_reset(struct text *t)
{
	t->n = 0;
	t->len = 0;
	t->s[0] = '\0';
}

/* text_add - append count copies of piece i */
static void
text_add(struct text *t, unsigned i, unsigned count)
{
	while (count-- > 0) {
		size_t l = strlen(pieces[i].s);

		assert_true(t->n < MAXCH);
		t->idx[t->n++] = i;
		memcpy(t->s + t->len, pieces[i].s, l);
		t->len += l;
		t->s[t->len] = '\0';
	}
}

/* One unit of the model: output bytes, cost, input offset. */
struct unit {
	size_t out, out_len, in;
	unsigned cost;
};

/*
 * model_parts - greedy segments of units; writes each part's first
 * unit to first and returns the number of parts
 */
static unsigned
model_parts(const struct unit *u, unsigned n, unsigned single, unsigned per,
	    unsigned *first, unsigned *length, unsigned *total_r)
{
	unsigned total = 0, cur = 0, parts = 1, i;

	for (i = 0; i < n; i++)
		total += u[i].cost;
	*total_r = total;
	first[0] = 0;
	if (total <= single) {
		length[0] = total;
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (cur + u[i].cost > per) {
			length[parts - 1] = cur;
			first[parts++] = i;
			cur = 0;
		}
		cur += u[i].cost;
	}
	length[parts - 1] = cur;
	return parts;
}

/* check_text - plan t and compare with the model */
static void
check_text(const struct text *t)
{
	static struct unit gu[MAXCH * 3], uu[MAXCH];
	static char out[MAXCH * 4 + 1];
	unsigned gfirst[MAXCH + 1], glen[MAXCH + 1];
	unsigned ufirst[MAXCH + 1], ulen[MAXCH + 1];
	unsigned ng = 0, nu = 0, smart = 0, gparts, uparts, gtotal, utotal;
	unsigned parts, *first, *length, k;
	size_t in = 0, w = 0, olen;
	struct unit *u;
	bool forced = false;
	struct sms_error err;
	struct sms_plan *p;
	unsigned i;

	for (i = 0; i < t->n; i++) {
		const struct piece *pc = &pieces[t->idx[i]];
		size_t l = strlen(pc->s);

		uu[nu++] = (struct unit){in, l, in, pc->units};
		if (pc->gsm) {
			memcpy(out + w, pc->s, l);
			gu[ng++] = (struct unit){w, l, in, pc->gsm};
			w += l;
		} else if (pc->smart) {
			const char *r;

			smart++;
			for (r = pc->smart; *r; r++) {
				out[w] = *r;
				gu[ng++] = (struct unit){w, 1, in,
							 *r == '~' ? 2u : 1u};
				w++;
			}
		} else {
			forced = true;
		}
		in += l;
	}
	out[w] = '\0';
	uparts = model_parts(uu, nu, SMS_SINGLE_UNITS, SMS_CONCAT8_UNITS,
			     ufirst, ulen, &utotal);
	gparts = model_parts(gu, ng, SMS_SINGLE_SEPTETS, SMS_CONCAT8_SEPTETS,
			     gfirst, glen, &gtotal);

	p = sms_plan_new(t->s, t->len, NULL, &err);
	if (!p)
		fail_msg("plan of \"%s\" failed: %s", t->s, err.msg);
	if (forced) {
		assert_int_equal(p->encoding, SMS_UCS2);
		assert_int_equal(p->length, utotal);
		assert_int_equal(p->nparts, uparts);
		assert_int_equal(p->text_len, t->len);
		assert_memory_equal(p->text, t->s, t->len);
		assert_int_equal(p->smart_replaced, 0);
		parts = uparts, first = ufirst, length = ulen, u = uu;
		olen = t->len;
	} else {
		assert_int_equal(p->encoding, SMS_GSM7);
		assert_int_equal(p->length, gtotal);
		assert_int_equal(p->nparts, gparts);
		assert_int_equal(p->text_len, w);
		assert_string_equal(p->text, out);
		assert_int_equal(p->smart_replaced, smart);
		assert_int_equal(p->smart_saved, smart ? uparts - gparts : 0);
		parts = gparts, first = gfirst, length = glen, u = gu;
		olen = w;
	}
	assert_int_equal(p->invalid, 0);
	for (k = 0; k < parts; k++) {
		const struct sms_part *pt = &p->parts[k];
		size_t off = k == 0 ? 0 : u[first[k]].out;
		size_t end = k + 1 < parts ? u[first[k + 1]].out : olen;
		size_t ioff = k == 0 ? 0 : u[first[k]].in;
		size_t iend = k + 1 < parts ? u[first[k + 1]].in : t->len;

		assert_int_equal(pt->off, off);
		assert_int_equal(pt->len, end - off);
		assert_int_equal(pt->in_off, ioff);
		assert_int_equal(pt->in_len, iend - ioff);
		assert_int_equal(pt->length, length[k]);
	}
	sms_plan_free(&p);
}

/* Filler lengths before a character: every edge of the first blocks. */
static const unsigned heads[] = {
    0,	1,  2,	3,  4,	5,  6,	7,  8,	9,  10,	 11,  12,  13,	14,  15, 16,
    17, 18, 19, 20, 21, 29, 30, 31, 32, 33, 34,	 35,  47,  48,	49,  63, 64,
    65, 66, 67, 68, 69, 70, 71, 79, 80, 81, 152, 153, 154, 159, 160, 161};
#define NHEADS (sizeof(heads) / sizeof(heads[0]))
static const unsigned tails[] = {0, 1, 2, 3, 14, 15, 16, 17, 40};
#define NTAILS (sizeof(tails) / sizeof(tails[0]))

static void
one_character_everywhere(void **state)
{
	unsigned f, i, h, tl;
	struct text *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	for (f = 0; f < NFILLERS; f++)
		for (i = 0; i < NPIECES; i++)
			for (h = 0; h < NHEADS; h++)
				for (tl = 0; tl < NTAILS; tl++) {
					text_reset(t);
					text_add(t, fillers[f], heads[h]);
					text_add(t, i, 1);
					text_add(t, fillers[f], tails[tl]);
					check_text(t);
				}
	free(t);
}

static void
two_characters_everywhere(void **state)
{
	/* a smart or GSM character, then one that may force UCS-2 */
	static const unsigned first[] = {2, 9, 12, 15, 16, 17};
	static const unsigned second[] = {6, 8, 18, 19, 21, 22, 2, 16};
	unsigned f, a, b, h, gap;
	struct text *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	for (f = 0; f < 2; f++)
		for (a = 0; a < sizeof(first) / sizeof(first[0]); a++)
			for (b = 0; b < sizeof(second) / sizeof(second[0]); b++)
				for (h = 0; h < 40; h++)
					for (gap = 0; gap < 36; gap += 5) {
						text_reset(t);
						text_add(t, fillers[f], h);
						text_add(t, first[a], 1);
						text_add(t, fillers[f], gap);
						text_add(t, second[b], 1);
						text_add(t, fillers[f], 20);
						check_text(t);
					}
	free(t);
}

static void
long_mixed_texts(void **state)
{
	/* words of every kind, long enough for many parts */
	unsigned seed = 1, n, i;
	struct text *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	for (n = 0; n < 400; n++) {
		unsigned kind = n % NPIECES;

		text_reset(t);
		for (i = 0; i < 40 + n % 300 && t->n + 8 < MAXCH; i++) {
			seed = seed * 1103515245u + 12345u;
			text_add(t, (seed >> 16) % 3 ? 0 : kind,
				 1 + (seed >> 20) % 7);
			text_add(t, 1, 1);
		}
		check_text(t);
	}
	free(t);
}

/* Invalid sequences and how many U+FFFD each becomes. */
static const struct {
	const char *s;
	unsigned bad;
} invalid[] = {
    {"\xff", 1},
    {"\x80", 1},
    {"\xc0\x80", 2},
    {"\xc1\xbf", 2},
    {"\xe0\x80\x80", 3},
    {"\xed\xa0\x80", 3},
    {"\xf4\x90\x80\x80", 4},
    {"\xf5\x80", 2},
    {"\xe4\xb8", 1},
    {"\xf0\x9f\x98", 1},
    {"\xc3", 1},
    {"\xe0\xa0", 1},
};

static void
invalid_everywhere(void **state)
{
	unsigned f, i, h, tl;
	struct text *t = malloc(sizeof(*t));
	char *buf = malloc(MAXCH * 4 + 64), *fixed = malloc(MAXCH * 8 + 64);

	(void)state;
	assert_non_null(t);
	assert_non_null(buf);
	assert_non_null(fixed);
	for (f = 0; f < NFILLERS; f++)
		for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
			for (h = 0; h < 170; h += 1 + h / 20)
				for (tl = 0; tl < NTAILS; tl++) {
					struct sms_opts o;
					struct sms_error err;
					struct sms_plan *p, *q;
					size_t hl, il = strlen(invalid[i].s), k,
						   len, fl;

					text_reset(t);
					text_add(t, fillers[f], h);
					hl = t->len;
					text_add(t, fillers[f], tails[tl]);
					len = t->len + il;
					memcpy(buf, t->s, hl);
					memcpy(buf + hl, invalid[i].s, il);
					memcpy(buf + hl + il, t->s + hl,
					       t->len - hl);
					/* strict: the offset of the sequence */
					p = sms_plan_new(buf, len, NULL, &err);
					assert_null(p);
					assert_int_equal(err.status, SMS_EUTF8);
					assert_int_equal(err.offset, hl);
					/* replacing: as if U+FFFD were there */
					sms_opts_init(&o);
					o.replace_invalid = true;
					p = sms_plan_new(buf, len, &o, &err);
					assert_non_null(p);
					assert_int_equal(p->invalid,
							 invalid[i].bad);
					memcpy(fixed, t->s, hl);
					fl = hl;
					for (k = 0; k < invalid[i].bad; k++) {
						memcpy(fixed + fl,
						       "\xef\xbf\xbd", 3);
						fl += 3;
					}
					memcpy(fixed + fl, t->s + hl,
					       t->len - hl);
					fl += t->len - hl;
					q = sms_plan_new(fixed, fl, NULL, &err);
					assert_non_null(q);
					assert_int_equal(p->encoding,
							 q->encoding);
					assert_int_equal(p->length, q->length);
					assert_int_equal(p->nparts, q->nparts);
					assert_int_equal(p->text_len,
							 q->text_len);
					assert_memory_equal(p->text, q->text,
							    q->text_len);
					for (k = 0; k < p->nparts; k++) {
						assert_int_equal(
						    p->parts[k].off,
						    q->parts[k].off);
						assert_int_equal(
						    p->parts[k].len,
						    q->parts[k].len);
					}
					sms_plan_free(&p);
					sms_plan_free(&q);
				}
	free(t);
	free(buf);
	free(fixed);
}

/* Sequences NFC changes, or leaves alone, whatever their position. */
static const char *const nfc_cases[] = {
    "e\xcc\x81",	 /* e + combining acute: composes */
    "a\xcc\x81\xcc\x96", /* acute (230) before grave below (220) */
    "a\xcc\x96\xcc\x81", /* in canonical order: unchanged */
    "\xe2\x84\xab",	 /* angstrom sign: singleton */
    "\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4", /* Devanagari with virama */
    "\xe0\xa4\x95\xe0\xa4\xbc",		    /* ka + nukta */
    "\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xbc", /* virama, nukta: reordered */
    "\xe0\xa5\x8d\xe0\xa5\x8d\xe0\xa4\xa4", /* two viramas: unchanged */
    "\xe0\xa5\x91\xe0\xa5\x8d",		    /* stress sign (230), virama */
    "\xe0\xa5\x8d\xe0\xa5\x91",		    /* virama, stress sign */
    "\xe0\xa5\x8d\xcc\x81\xe0\xa4\xbc",	    /* virama, acute, nukta */
    "\xe0\xa5\x98",			    /* qa: letter with nukta */
    "\xcc\x81\xe0\xa5\x8d",		    /* acute (230), virama */
    "\xe0\xa5\x8d\xcc\xb4",		    /* virama, tilde overlay (1) */
    "\xe1\x84\x80\xe1\x85\xa1",		    /* Hangul L + V jamo */
    "\xf0\x9d\x85\x9e",			    /* musical half note */
    "\xcc\x81",				    /* lone combining acute */
    "\xd0\xb4\xe2\x80\x80",		    /* de, en quad: singleton */
    "\xd0\xb4\xe2\x80\x81\xe2\x80\x82",	    /* em quad, en space */
    "\xe2\x83\x97",			    /* combining vector */
    "\xef\xb8\x8f\xef\xb8\xa0\xcc\x96",	    /* VS16, half mark, grave below */
    "\xef\xa4\x80",			    /* CJK compatibility ideograph */
    "\xef\xbc\x8c\xe2\x80\x9c",		    /* fullwidth comma, quote */
};

/*
 * nfc_at - the text [first] filler*h CASE filler*tail (first < 0: none)
 * is planned as utf8proc normalises it; t and buf are scratch
 */
static void
nfc_at(struct text *t, char *buf, int first, unsigned filler, unsigned h,
       const char *c, unsigned tail)
{
	struct sms_error err;
	struct sms_plan *p;
	size_t hl, cl = strlen(c);
	utf8proc_uint8_t *want;

	text_reset(t);
	if (first >= 0)
		text_add(t, (unsigned)first, 1);
	text_add(t, filler, h);
	hl = t->len;
	text_add(t, filler, tail);
	memcpy(buf, t->s, hl);
	memcpy(buf + hl, c, cl);
	memcpy(buf + hl + cl, t->s + hl, t->len - hl + 1);
	want = utf8proc_NFC((const utf8proc_uint8_t *)buf);
	assert_non_null(want);
	p = sms_plan_new(buf, t->len + cl, NULL, &err);
	assert_non_null(p);
	assert_string_equal(p->text, (char *)want);
	free(want);
	sms_plan_free(&p);
}

#define NCASES (sizeof(nfc_cases) / sizeof(nfc_cases[0]))

static void
nfc_everywhere(void **state)
{
	unsigned f, i, h, tl;
	struct text *t = malloc(sizeof(*t));
	char *buf = malloc(MAXCH * 4 + 64);

	(void)state;
	assert_non_null(t);
	assert_non_null(buf);
	for (f = 0; f < NFILLERS; f++)
		for (i = 0; i < NCASES; i++)
			for (h = 0; h < 40; h++)
				for (tl = 0; tl < NTAILS; tl++)
					nfc_at(t, buf, -1, fillers[f], h,
					       nfc_cases[i], tails[tl]);
	free(t);
	free(buf);
}

/*
 * After a block with characters NFC must look at, UCS-2 goes character
 * by character for a stretch, then 16 bytes at a time again: NFC cases
 * on both sides of where it switches back, in clean scripts.
 */
static void
nfc_after_stretch(void **state)
{
	static const unsigned clean[] = {10, 19, 20, 22};
	unsigned f, i, h;
	struct text *t = malloc(sizeof(*t));
	char *buf = malloc(MAXCH * 4 + 64);

	(void)state;
	assert_non_null(t);
	assert_non_null(buf);
	for (f = 0; f < sizeof(clean) / sizeof(clean[0]); f++)
		for (i = 0; i < NCASES; i++)
			for (h = 0; h < 200; h += 1 + h / 40)
				nfc_at(t, buf, 26 /* alef: a suspect */,
				       clean[f], h, nfc_cases[i], 20);
	free(t);
	free(buf);
}

/*
 * Where a stretch character by character ends, the next block must
 * know the class of the mark before it: NFC cases at every byte around
 * the end of a stretch started at the text's first byte.
 */
static void
marks_at_stretch_end(void **state)
{
	unsigned i, h;
	struct text *t = malloc(sizeof(*t));
	char *buf = malloc(MAXCH * 4 + 64);

	(void)state;
	assert_non_null(t);
	assert_non_null(buf);
	for (i = 0; i < NCASES; i++)
		for (h = 230; h < 290; h++)
			nfc_at(t, buf, 26 /* alef: a suspect */, 0, h,
			       nfc_cases[i], 20);
	free(t);
	free(buf);
}

int
test_sms_fast(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_character_everywhere),
	    cmocka_unit_test(two_characters_everywhere),
	    cmocka_unit_test(long_mixed_texts),
	    cmocka_unit_test(invalid_everywhere),
	    cmocka_unit_test(nfc_everywhere),
	    cmocka_unit_test(nfc_after_stretch),
	    cmocka_unit_test(marks_at_stretch_end),
	};

	return cmocka_run_group_tests_name("sms fast paths", tests, NULL, NULL);
}
