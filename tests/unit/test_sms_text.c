/*
 * NAME
 *	test_sms_text - plans, boundaries, smart encoding, GSM and UCS-2
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "sms/sms.h"
#include "sms/sms_int.h"
#include "tests/unit/test_sms.h"

#define SEED000                                                                \
	"Hi John, good morning! I sent you a pre-arrival email this morning "  \
	"with everything you need to know about Beach Bungalow cottage. "      \
	"Please read that thoroughly and let me know if you have any "         \
	"questions! "

/* rep - n copies of s followed by tail, in a static-free heap buffer */
static char *
rep(const char *head, const char *s, unsigned n, const char *tail)
{
	size_t hl = strlen(head), sl = strlen(s), tl = strlen(tail);
	char *out = malloc(hl + sl * n + tl + 1), *w = out;
	unsigned i;

	assert_non_null(out);
	memcpy(w, head, hl);
	w += hl;
	for (i = 0; i < n; i++, w += sl)
		memcpy(w, s, sl);
	memcpy(w, tail, tl + 1);
	return out;
}

/* plan - plan s with options (smart, ref16); fails the test on error */
static struct sms_plan *
plan(const char *s, bool smart, bool ref16)
{
	struct sms_opts o;
	struct sms_error err;
	struct sms_plan *p;

	sms_opts_init(&o);
	o.smart = smart;
	o.ref16 = ref16;
	p = sms_plan_new(s, strlen(s), &o, &err);
	if (!p)
		fail_msg("plan failed: %s", err.msg);
	return p;
}

/* check_shape - encoding, length and the length of each part */
static void
check_shape(const char *s, bool ref16, enum sms_encoding enc, unsigned length,
	    unsigned nparts, const unsigned *lens)
{
	struct sms_plan *p = plan(s, false, ref16);
	unsigned i, sum = 0;

	assert_int_equal(p->encoding, enc);
	assert_int_equal(p->length, length);
	assert_int_equal(p->nparts, nparts);
	for (i = 0; i < nparts; i++) {
		if (lens)
			assert_int_equal(p->parts[i].length, lens[i]);
		sum += p->parts[i].length;
	}
	assert_int_equal(sum, length);
	sms_plan_free(&p);
	assert_null(p);
}

static void
seed000_worked_example(void **state)
{
	struct sms_plan *p;
	struct sms_forced f[4];
	unsigned listed;
	bool more;

	(void)state;
	assert_int_equal(strlen(SEED000), 201);
	p = plan(SEED000, true, false);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_int_equal(p->length, 201);
	assert_int_equal(p->nparts, 2);
	assert_int_equal(p->parts[0].length, 153);
	assert_int_equal(p->parts[1].length, 48);
	assert_int_equal(sms_plan_forced(p, f, 4, &listed, &more), 0);
	assert_int_equal(listed, 0);
	sms_plan_free(&p);

	p = plan(SEED000 "\u2615\uFE0F", true, false);
	assert_int_equal(p->encoding, SMS_UCS2);
	assert_int_equal(p->length, 203);
	assert_int_equal(p->nparts, 4);
	assert_int_equal(sms_plan_forced(p, f, 4, &listed, &more), 2);
	assert_int_equal(listed, 2);
	assert_false(more);
	assert_int_equal(f[0].cp, 0x2615);
	assert_int_equal(f[0].off, 201);
	assert_int_equal(f[1].cp, 0xFE0F);
	assert_int_equal(f[1].off, 204);
	sms_plan_free(&p);
}

static void
accents(void **state)
{
	static const char *gsm[] = {"ñ", "à", "ö", "Ñ", "Ä", "É",
				    "ß", "Ç", "€", "Δ", "Ω"};
	static const struct {
		const char *s;
		uint32_t cp;
	} ucs2[] = {
	    {"á", 0xE1}, {"í", 0xED}, {"ú", 0xFA}, {"ç", 0xE7}, {"ô", 0xF4}};
	struct sms_forced f[4];
	unsigned listed;
	size_t i;
	char buf[32];

	(void)state;
	for (i = 0; i < sizeof(gsm) / sizeof(gsm[0]); i++) {
		struct sms_plan *p;

		snprintf(buf, sizeof(buf), "Se%sor", gsm[i]);
		p = plan(buf, true, false);
		assert_int_equal(p->encoding, SMS_GSM7);
		sms_plan_free(&p);
	}
	for (i = 0; i < sizeof(ucs2) / sizeof(ucs2[0]); i++) {
		struct sms_plan *p;

		snprintf(buf, sizeof(buf), "ab%s", ucs2[i].s);
		p = plan(buf, true, false);
		assert_int_equal(p->encoding, SMS_UCS2);
		assert_int_equal(sms_plan_forced(p, f, 4, &listed, NULL), 1);
		assert_int_equal(f[0].cp, ucs2[i].cp);
		assert_int_equal(f[0].off, 2);
		sms_plan_free(&p);
	}
}

static void
gsm_boundaries(void **state)
{
	static const unsigned l161[] = {153, 8}, l307[] = {153, 153, 1},
			      lesc[] = {152, 12}, l159e[] = {153, 8},
			      l16[] = {152, 9};
	char *s;

	(void)state;
	s = rep("", "a", 160, "");
	check_shape(s, false, SMS_GSM7, 160, 1, NULL);
	free(s);
	s = rep("", "a", 161, "");
	check_shape(s, false, SMS_GSM7, 161, 2, l161);
	free(s);
	s = rep("", "a", 306, "");
	check_shape(s, false, SMS_GSM7, 306, 2, NULL);
	free(s);
	s = rep("", "a", 307, "");
	check_shape(s, false, SMS_GSM7, 307, 3, l307);
	free(s);
	s = rep("", "a", 459, "");
	check_shape(s, false, SMS_GSM7, 459, 3, NULL);
	free(s);
	/* an escape that would straddle 152|153 moves whole to part 2 */
	s = rep("", "a", 152, "€aaaaaaaaaa");
	check_shape(s, false, SMS_GSM7, 164, 2, lesc);
	free(s);
	/* 158 + escape = 160 fits one; 159 + escape = 161 does not */
	s = rep("", "a", 158, "€");
	check_shape(s, false, SMS_GSM7, 160, 1, NULL);
	free(s);
	s = rep("", "a", 159, "€");
	check_shape(s, false, SMS_GSM7, 161, 2, l159e);
	free(s);
	/* 16-bit reference: 152 per part */
	s = rep("", "a", 161, "");
	check_shape(s, true, SMS_GSM7, 161, 2, l16);
	free(s);
}

static void
ucs2_boundaries(void **state)
{
	static const unsigned l71[] = {67, 4}, l135[] = {67, 67, 1},
			      lsur[] = {66, 7}, l66[] = {66, 5};
	char *s;

	(void)state;
	s = rep("á", "a", 69, "");
	check_shape(s, false, SMS_UCS2, 70, 1, NULL);
	free(s);
	s = rep("á", "a", 70, "");
	check_shape(s, false, SMS_UCS2, 71, 2, l71);
	free(s);
	s = rep("á", "a", 133, "");
	check_shape(s, false, SMS_UCS2, 134, 2, NULL);
	free(s);
	s = rep("á", "a", 134, "");
	check_shape(s, false, SMS_UCS2, 135, 3, l135);
	free(s);
	/* a surrogate pair that would straddle 66|67 moves to part 2 */
	s = rep("á", "a", 65, "😀aaaaa");
	check_shape(s, false, SMS_UCS2, 73, 2, lsur);
	free(s);
	/* 68 units + pair = 70 fits one segment */
	s = rep("á", "a", 67, "😀");
	check_shape(s, false, SMS_UCS2, 70, 1, NULL);
	free(s);
	s = rep("á", "a", 70, "");
	check_shape(s, true, SMS_UCS2, 71, 2, l66);
	free(s);
}

static void
many_parts(void **state)
{
	/* more parts than a scan records: boundaries found by walking */
	static const struct {
		const char *head, *unit, *tail;
		unsigned n;
		enum sms_encoding enc;
		unsigned per, last;
	} cases[] = {
	    {"", "a", "", 6000, SMS_GSM7, 153, 6000 - 39 * 153},
	    {"á", "a", "", 2999, SMS_UCS2, 67, 3000 - 44 * 67},
	    {"", "€", "", 3000, SMS_GSM7, 152, 6000 - 39 * 152},
	};
	size_t c;

	(void)state;
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *s = rep(cases[c].head, cases[c].unit, cases[c].n,
			      cases[c].tail);
		struct sms_plan *p = plan(s, true, false);
		size_t in = 0;
		unsigned i;

		assert_int_equal(p->encoding, cases[c].enc);
		assert_true(p->nparts > 32);
		for (i = 0; i < p->nparts; i++) {
			assert_int_equal(p->parts[i].length,
					 i + 1 < p->nparts ? cases[c].per
							   : cases[c].last);
			assert_int_equal(p->parts[i].off, p->parts[i].in_off);
			assert_int_equal(p->parts[i].in_off, in);
			in += p->parts[i].in_len;
		}
		assert_int_equal(in, strlen(s));
		sms_plan_free(&p);
		free(s);
	}
}

static void
no_part_splits_a_pair(void **state)
{
	struct sms_plan *p;
	uint8_t wire[200];
	size_t n;
	unsigned i;
	char *s = rep("", "😀", 100, "");

	(void)state;
	p = plan(s, false, false);
	assert_int_equal(p->length, 200);
	assert_int_equal(p->nparts, 4); /* 66 + 66 + 66 + 2 */
	for (i = 0; i < p->nparts; i++) {
		assert_int_equal(
		    sms_plan_encode_part(p, i, wire, sizeof(wire), &n), SMS_OK);
		assert_int_equal(n % 4, 0);
		assert_true(wire[n - 2] >= 0xDC && wire[n - 2] <= 0xDF);
	}
	sms_plan_free(&p);
	free(s);
}

static void
nfc(void **state)
{
	struct sms_plan *p;
	struct sms_forced f[4];
	unsigned listed;

	(void)state;
	p = plan("Cafe\u0301", true, false);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_int_equal(p->length, 4);
	assert_string_equal(p->text, "Café");
	sms_plan_free(&p);

	p = plan("xa\u0301", true, false);
	assert_int_equal(p->encoding, SMS_UCS2);
	assert_int_equal(p->length, 2);
	assert_int_equal(sms_plan_forced(p, f, 4, &listed, NULL), 1);
	assert_int_equal(f[0].cp, 0xE1);
	assert_int_equal(f[0].off, 1);
	sms_plan_free(&p);

	/* Hangul jamo compose to one syllable */
	p = plan("\u1100\u1161", true, false);
	assert_int_equal(p->length, 1);
	assert_string_equal(p->text, "\uAC00");
	sms_plan_free(&p);

	/* reordering of combining marks: the result is canonical */
	p = plan("a\u0323\u0302", true, false);
	assert_int_equal(p->length, 1);
	assert_string_equal(p->text, "\u1EAD");
	sms_plan_free(&p);
}

/* map_all - nfc_map_parts() of every offset 0..n of the NFC of text */
static size_t *
map_all(const char *text, size_t n)
{
	struct sms_part *parts = calloc(n + 1, sizeof(*parts));
	size_t *in = malloc((n + 1) * sizeof(*in)), k;
	struct sms_error err;

	assert_non_null(parts);
	assert_non_null(in);
	for (k = 0; k <= n; k++)
		parts[k].in_off = k;
	assert_int_equal(
	    nfc_map_parts(text, strlen(text), parts, (unsigned)n + 1, &err),
	    SMS_OK);
	for (k = 0; k <= n; k++)
		in[k] = parts[k].in_off;
	free(parts);
	return in;
}

/*
 * nfc_stretches - nfc_normalise() and nfc_map_parts(): each output
 * byte goes back to where its stretch starts, the end to the end;
 * invalid bytes become U+FFFD; the output may be longer than the
 * input, a stretch longer than any first guess
 */
static void
nfc_stretches(void **state)
{
	static const struct {
		const char *in, *out;
		size_t map[8];
	} t[] = {
	    {"ae\u0301b", "a\u00E9b", {0, 1, 1, 4, 5}},
	    {"\xff"
	     "e\u0301",
	     "\uFFFD\u00E9",
	     {0, 0, 0, 1, 1, 4}},
	    {"", "", {0}},
	    {"\u0958", "\u0915\u093C", {0, 0, 0, 0, 0, 0, 3}}, /* excluded */
	    {"\u1100\u1161x", "\uAC00x", {0, 0, 0, 6, 7}},
	};
	struct sms_error err;
	char *out, *s, *want;
	size_t n, i, k, *in;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(
		    nfc_normalise(t[i].in, strlen(t[i].in), &out, &n, &err),
		    SMS_OK);
		assert_string_equal(out, t[i].out);
		assert_int_equal(n, strlen(t[i].out));
		in = map_all(t[i].in, n);
		for (k = 0; k <= n; k++)
			assert_int_equal(in[k], t[i].map[k]);
		free(in);
		free(out);
	}
	/*
	 * longer than the input; one stretch of 400 marks of two classes
	 * by turns, and one of 1,200 of four (canonical order: by class,
	 * in the order they came within one)
	 */
	for (i = 0; i < 3; i++) {
		s = i == 0 ? rep("", "\u0958 ", 1000, "")
		    : i == 1
			? rep("a", "\u0323\u0301", 200, "b")
			: rep("o", "\u0301\u0327\u0345\u0323\u0313", 240, "b");
		want = (char *)utf8proc_NFC((const utf8proc_uint8_t *)s);
		assert_non_null(want);
		assert_int_equal(nfc_normalise(s, strlen(s), &out, &n, &err),
				 SMS_OK);
		assert_string_equal(out, want);
		in = map_all(s, n);
		for (k = 0; k < n; k++) {
			size_t from = k + 1 < n ? 0 : strlen(s) - 1;

			if (i == 0) /* 4 bytes become 7; a stretch is a
				       space and the character after it */
				from = k < 6 ? 0 : (k - 6) / 7 * 4 + 3;
			assert_int_equal(in[k], from);
		}
		assert_int_equal(in[n], strlen(s));
		free(in);
		free(out);
		free(want);
		free(s);
	}
}

static void
nfc_quick_check_table(void **state)
{
	uint32_t cp;
	unsigned last;

	(void)state;
	/*
	 * what the quick check passes is never the second of a
	 * composition, and beyond the BMP has no canonical decomposition
	 */
	for (cp = 0; cp < 0x20000; cp++) {
		const utf8proc_property_t *p =
		    utf8proc_get_property((utf8proc_int32_t)cp);

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		last = 0;
		if (nfc_check(cp, &last))
			continue;
		if (p->decomp_seqindex != UINT16_MAX &&
		    !(cp >= 0xAC00 && cp <= 0xD7A3))
			assert_true(p->decomp_type != 0 || cp < 0x10000);
		assert_true(p->comb_index == UINT16_MAX ||
			    p->comb_index < 0x8000);
	}
	/* the first bytes scan.c takes 16 at a time without a look */
	for (cp = 0x80; cp < 0x10000; cp++) {
		unsigned lead = cp < 0x800 ? 0xC0 | cp >> 6 : 0xE0 | cp >> 12;
		const unsigned ranges[][2] = {{NFC_CLEAN_LEAD1},
					      {NFC_CLEAN_LEAD2},
					      {NFC_CLEAN_LEAD3},
					      {NFC_CLEAN_LEAD4}};
		bool clean = lead < 0xCC;
		size_t r;

		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		for (r = 0; r < 4; r++)
			if (lead >= ranges[r][0] && lead <= ranges[r][1])
				clean = true;
		if (lead == 0xE2 &&
		    NFC_CLEAN_E2(0x80 | (cp >> 6 & 0x3F), 0x80 | (cp & 0x3F)))
			clean = true;
		if (lead == 0xEF &&
		    NFC_CLEAN_EF(0x80 | (cp >> 6 & 0x3F), 0x80 | (cp & 0x3F)))
			clean = true;
		if (lead == 0xE0 &&
		    NFC_CLEAN_DEVANAGARI(0x80 | (cp >> 6 & 0x3F),
					 0x80 | (cp & 0x3F))) {
			const utf8proc_property_t *p =
			    utf8proc_get_property((utf8proc_int32_t)cp);

			assert_true(cp >= 0x900 && cp <= 0x97F);
			if (cp == 0x94D) { /* the virama: a mark, inert else */
				assert_int_equal(p->combining_class,
						 NFC_VIRAMA_CCC);
				assert_true(p->decomp_seqindex == UINT16_MAX);
				assert_true(p->comb_index == UINT16_MAX);
				continue;
			}
			clean = true;
		}
		if (clean)
			assert_false(NFC_BIT(sms_nfc_quick, cp));
	}
	/* the inert range: starters NFC leaves alone, whatever surrounds */
	for (cp = 0x10000; cp <= 0x10FFFF; cp++) {
		const utf8proc_property_t *p =
		    utf8proc_get_property((utf8proc_int32_t)cp);

		if (!NFC_INERT_RANGE(cp))
			continue;
		assert_int_equal(p->combining_class, 0);
		assert_true(p->decomp_seqindex == UINT16_MAX ||
			    p->decomp_type != 0);
		assert_true(p->comb_index == UINT16_MAX);
	}
	/* and the ones it flags include the usual suspects */
	assert_true(nfc_check(0x0301, &last)); /* combining acute */
	assert_true(nfc_check(0x212B, &last)); /* angstrom sign */
	assert_true(nfc_check(0x1161, &last)); /* Hangul vowel jamo */
	assert_false(nfc_check(0x4E00, &last));
	assert_false(nfc_check(0x0438, &last)); /* Cyrillic i */
	assert_false(nfc_check(0x00E9, &last)); /* precomposed e acute */
	assert_true(nfc_check(0x0340, &last));	/* singleton */
	last = 230;
	assert_true(nfc_check(0x0323, &last)); /* dot below after acute */
}

static void
invalid_utf8(void **state)
{
	static const struct {
		const char *s;
		size_t off;
	} bad[] = {
	    {"abc\xff"
	     "def",
	     3},
	    {"ab\xe2\x82", 2},
	    {"\xc0\xaf", 0},
	    {"x\xed\xa0\x80", 1},
	    {"\xf4\x90\x80\x80", 0},
	    {"ok\x80", 2},
	};
	struct sms_error err;
	struct sms_opts o;
	struct sms_plan *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = sms_plan_new(bad[i].s, strlen(bad[i].s), NULL, &err);
		assert_null(p);
		assert_int_equal(err.status, SMS_EUTF8);
		assert_int_equal(err.offset, bad[i].off);
		assert_non_null(strstr(err.msg, "byte"));
	}
	sms_opts_init(&o);
	o.replace_invalid = true;
	p = sms_plan_new("abc\xff"
			 "def",
			 7, &o, &err);
	assert_non_null(p);
	assert_int_equal(p->invalid, 1);
	assert_string_equal(p->text, "abc\uFFFDdef");
	assert_int_equal(p->encoding, SMS_UCS2);
	sms_plan_free(&p);
}

static void
smart_encoding(void **state)
{
	struct sms_plan *p;
	struct sms_forced f[8];
	unsigned listed;
	bool more;
	char *s;

	(void)state;
	p = plan("It’s “fine” — really…", true, false);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_string_equal(p->text, "It's \"fine\" - really...");
	assert_int_equal(p->smart_replaced, 5);
	assert_int_equal(p->length, 23);
	assert_int_equal(p->parts[0].length, 23);
	assert_int_equal(p->parts[0].len, 23);
	assert_int_equal(p->smart_saved, 0);
	sms_plan_free(&p);

	p = plan("It’s “fine” — really…", false, false);
	assert_int_equal(p->encoding, SMS_UCS2);
	assert_int_equal(sms_plan_forced(p, f, 8, &listed, &more), 5);
	assert_int_equal(listed, 5);
	assert_false(more);
	assert_int_equal(f[4].cp, 0x2026);
	/* room for two: the first two, and word of the others */
	assert_int_equal(sms_plan_forced(p, f, 2, &listed, &more), 5);
	assert_int_equal(listed, 2);
	assert_true(more);
	assert_int_equal(f[1].cp, 0x201C);
	sms_plan_free(&p);

	p = plan("“a” “b” “c”", false, false);
	assert_int_equal(sms_plan_forced(p, f, 8, &listed, &more), 6);
	assert_int_equal(listed, 2);
	assert_false(more);
	sms_plan_free(&p);

	/* 100 characters: UCS-2 would take 2 segments, GSM 1 */
	s = rep("It’s", "x", 96, "");
	p = plan(s, true, false);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_int_equal(p->nparts, 1);
	assert_int_equal(p->smart_saved, 1);
	sms_plan_free(&p);
	free(s);

	/* an emoji keeps UCS-2; only it is reported, the quotes stay */
	p = plan("It’s ok \U0001F600", true, false);
	assert_int_equal(p->encoding, SMS_UCS2);
	assert_int_equal(sms_plan_forced(p, f, 8, &listed, &more), 1);
	assert_int_equal(f[0].cp, 0x1F600);
	assert_int_equal(f[0].off, 10);
	assert_string_equal(p->text, "It’s ok \U0001F600");
	assert_int_equal(p->smart_replaced, 0);
	sms_plan_free(&p);

	/* non-breaking and zero-width spaces, tab */
	p = plan("a\u00A0b\u200Bc\td", true, false);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_string_equal(p->text, "a bc d");
	sms_plan_free(&p);
}

static void
part_offsets(void **state)
{
	struct sms_plan *p;
	char *s = rep("", "ab€", 100, "");
	size_t in = 0;
	unsigned i;

	(void)state;
	p = plan(s, true, false);
	for (i = 0; i < p->nparts; i++) {
		assert_int_equal(p->parts[i].in_off, in);
		in += p->parts[i].in_len;
		assert_memory_equal(p->text + p->parts[i].off,
				    s + p->parts[i].in_off, p->parts[i].len);
	}
	assert_int_equal(in, strlen(s));
	sms_plan_free(&p);
	free(s);
}

static void
empty_text(void **state)
{
	struct sms_plan *p = plan("", true, false);

	(void)state;
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_int_equal(p->length, 0);
	assert_int_equal(p->nparts, 1);
	assert_int_equal(p->parts[0].length, 0);
	sms_plan_free(&p);
}

static void
gsm_tables_round_trip(void **state)
{
	struct sms_plan *p;
	uint8_t sept[300];
	char all[600], back[600];
	size_t n, m, w = 0;
	unsigned c;

	(void)state;
	/* every basic character but ESC, then every extension character */
	for (c = 0; c < 128; c++) {
		uint8_t one = (uint8_t)c;
		char u[8];

		if (c == 0x1B)
			continue;
		assert_int_equal(sms_gsm_decode(&one, 1, u, sizeof(u), &m),
				 SMS_OK);
		memcpy(all + w, u, m);
		w += m;
	}
	memcpy(all + w, "\f^{}\\[~]|€", 12);
	w += 12;
	all[w] = '\0';
	assert_int_equal(sms_gsm_encode(all, w, sept, sizeof(sept), &n, NULL),
			 SMS_OK);
	assert_int_equal(n, 127 + 2 * 10);
	for (c = 0; c < 127; c++)
		assert_int_equal(sept[c], c < 0x1B ? c : c + 1);
	assert_int_equal(sept[127], 0x1B);
	assert_int_equal(sept[128], 0x0A);
	assert_int_equal(sept[145], 0x1B);
	assert_int_equal(sept[146], 0x65);
	assert_int_equal(sms_gsm_decode(sept, n, back, sizeof(back), &m),
			 SMS_OK);
	assert_int_equal(m, w);
	assert_string_equal(back, all);
	p = plan(all, false, false);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_int_equal(p->length, 127 + 2 * 10);
	sms_plan_free(&p);
}

static void
gsm_decode_odd_escapes(void **state)
{
	static const uint8_t unknown[] = {0x1B, 0x41}, escesc[] = {0x1B, 0x1B},
			     trailing[] = {0x41, 0x1B}, high[] = {0xC1};
	char out[16];
	size_t n;

	(void)state;
	assert_int_equal(sms_gsm_decode(unknown, 2, out, sizeof(out), &n),
			 SMS_OK);
	assert_string_equal(out, "A");
	assert_int_equal(sms_gsm_decode(escesc, 2, out, sizeof(out), &n),
			 SMS_OK);
	assert_string_equal(out, " ");
	assert_int_equal(sms_gsm_decode(trailing, 2, out, sizeof(out), &n),
			 SMS_OK);
	assert_string_equal(out, "A ");
	assert_int_equal(sms_gsm_decode(high, 1, out, sizeof(out), &n), SMS_OK);
	assert_string_equal(out, "A");
	assert_int_equal(sms_gsm_decode(unknown, 2, out, 1, &n), SMS_ESPACE);
}

static void
gsm_encode_rejects(void **state)
{
	struct sms_error err;
	uint8_t out[8];
	size_t n;

	(void)state;
	assert_int_equal(
	    sms_gsm_encode("ab\u00E1", 4, out, sizeof(out), &n, &err),
	    SMS_EINVAL);
	assert_int_equal(err.offset, 2);
	assert_int_equal(
	    sms_gsm_encode("€€€€€", 15, out, sizeof(out), &n, &err),
	    SMS_ESPACE);
}

static void
pack_unpack(void **state)
{
	static const uint8_t hello_packed[] = {0xE8, 0x32, 0x9B, 0xFD, 0x46,
					       0x97, 0xD9, 0xEC, 0x37};
	uint8_t sept[16], packed[16], back[16];
	size_t n, m;
	unsigned fill;

	(void)state;
	assert_int_equal(
	    sms_gsm_encode("hellohello", 10, sept, sizeof(sept), &n, NULL),
	    SMS_OK);
	m = sms_gsm_pack(sept, n, 0, packed, sizeof(packed));
	assert_int_equal(m, sizeof(hello_packed));
	assert_memory_equal(packed, hello_packed, m);
	assert_int_equal(sms_gsm_unpack(packed, m, 0, n, back, sizeof(back)),
			 SMS_OK);
	assert_memory_equal(back, sept, n);

	/* after a 6-octet UDH one fill bit aligns the text */
	fill = sms_udh_fill_bits(6);
	assert_int_equal(fill, 1);
	m = sms_gsm_pack(sept, n, fill, packed, sizeof(packed));
	assert_int_equal(m, (1 + 7 * 10 + 7) / 8);
	assert_int_equal(packed[0] & 1, 0);
	assert_int_equal(sms_gsm_unpack(packed, m, fill, n, back, sizeof(back)),
			 SMS_OK);
	assert_memory_equal(back, sept, n);
	/* too few octets for the septets claimed */
	assert_int_equal(sms_gsm_unpack(packed, 2, fill, n, back, sizeof(back)),
			 SMS_EINVAL);
	assert_int_equal(sms_gsm_pack(sept, n, 0, packed, 3), 0);
}

static void
ucs2_codec(void **state)
{
	static const uint8_t smile[] = {0xD8, 0x3D, 0xDE, 0x00},
			     lone[] = {0x00, 0x41, 0xD8, 0x3D, 0x00, 0x42},
			     odd[] = {0x00, 0x41, 0x00};
	uint8_t out[16];
	char text[32];
	size_t n;
	unsigned bad;

	(void)state;
	assert_int_equal(
	    sms_ucs2_encode("\U0001F600", 4, out, sizeof(out), &n, NULL),
	    SMS_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, smile, 4);
	assert_int_equal(
	    sms_ucs2_decode(smile, 4, text, sizeof(text), &n, &bad), SMS_OK);
	assert_string_equal(text, "\U0001F600");
	assert_int_equal(bad, 0);
	assert_int_equal(sms_ucs2_decode(lone, 6, text, sizeof(text), &n, &bad),
			 SMS_OK);
	assert_string_equal(text, "A\uFFFDB");
	assert_int_equal(bad, 1);
	assert_int_equal(sms_ucs2_decode(odd, 3, text, sizeof(text), &n, &bad),
			 SMS_OK);
	assert_string_equal(text, "A\uFFFD");
	assert_int_equal(bad, 1);
}

static void
encode_parts(void **state)
{
	struct sms_plan *p;
	uint8_t wire[400];
	char text[400];
	size_t n, m;
	unsigned i;
	char *s = rep("", "x{", 100, "");

	(void)state;
	p = plan(s, true, false);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_int_equal(p->length, 300);
	for (i = 0; i < p->nparts; i++) {
		assert_int_equal(
		    sms_plan_encode_part(p, i, wire, sizeof(wire), &n), SMS_OK);
		assert_int_equal(n, p->parts[i].length);
		assert_int_equal(
		    sms_gsm_decode(wire, n, text, sizeof(text), &m), SMS_OK);
		assert_int_equal(m, p->parts[i].len);
		assert_memory_equal(text, p->text + p->parts[i].off, m);
	}
	assert_int_equal(sms_plan_encode_part(p, 0, wire, 10, &n), SMS_ESPACE);
	assert_int_equal(sms_plan_encode_part(p, p->nparts, wire, 10, &n),
			 SMS_EINVAL);
	sms_plan_free(&p);
	free(s);
}

static void
truncate_to_cap(void **state)
{
	struct sms_error err;
	struct sms_plan *p;
	char *s = rep("", "word ", 400, "");
	size_t tl;

	(void)state;
	p = sms_plan_truncate(s, strlen(s), NULL, 2, "…", &err);
	assert_non_null(p);
	assert_int_equal(p->encoding, SMS_GSM7);
	assert_int_equal(p->nparts, 2);
	assert_true(p->length <= 306 && p->length >= 300);
	tl = p->text_len;
	assert_string_equal(p->text + tl - 3, "...");
	assert_true(p->text[tl - 4] != ' ');
	sms_plan_free(&p);

	p = sms_plan_truncate(s, strlen(s), NULL, 1, "", &err);
	assert_int_equal(p->nparts, 1);
	assert_true(p->length >= 155 && p->length <= 160);
	sms_plan_free(&p);

	/* fits already: unchanged */
	p = sms_plan_truncate("short", 5, NULL, 1, "...", &err);
	assert_string_equal(p->text, "short");
	sms_plan_free(&p);

	/* never cuts inside an emoji ZWJ sequence */
	free(s);
	s = rep("", "👨‍👩‍👧", 40, "");
	p = sms_plan_truncate(s, strlen(s), NULL, 1, "", &err);
	assert_non_null(p);
	assert_int_equal(p->nparts, 1);
	assert_int_equal(p->length % 8, 0); /* whole families only */
	sms_plan_free(&p);

	p = sms_plan_truncate(s, strlen(s), NULL, 0, "", &err);
	assert_null(p);
	assert_int_equal(err.status, SMS_EINVAL);
	free(s);

	s = rep("", "m", 400, "");
	p = sms_plan_truncate("x", 1, NULL, 1, s, &err);
	assert_non_null(p); /* "x" fits: the marker is not needed */
	sms_plan_free(&p);
	p = sms_plan_truncate(s, strlen(s), NULL, 1, s, &err);
	assert_null(p);
	assert_int_equal(err.status, SMS_EINVAL);
	free(s);
}

/*
 * truncate_long_text - a text of megabytes is cut as its start alone
 * is (the search looks at a prefix only), also when characters that
 * cost nothing fill that prefix; its segments are counted without a plan
 */
static void
truncate_long_text(void **state)
{
	struct sms_error err;
	struct sms_plan *p, *q;
	char *big = rep("", "word ", 200000, "");
	char *small = rep("", "word ", 100, "");
	char *soft = rep("", "\u00AD", 5000, "then the words");
	const char *texts[] = {"",  "short", small,
			       big, soft,    "👨‍👩‍👧 x"};
	size_t i;

	(void)state;
	p = sms_plan_truncate(big, strlen(big), NULL, 2, "…", &err);
	q = sms_plan_truncate(small, strlen(small), NULL, 2, "…", &err);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(p->nparts, 2);
	assert_string_equal(p->text, q->text);
	sms_plan_free(&p);
	sms_plan_free(&q);

	/* soft hyphens cost nothing: the words after them still come */
	p = sms_plan_truncate(soft, strlen(soft), NULL, 1, "", &err);
	assert_non_null(p);
	assert_string_equal(p->text, "then the words");
	sms_plan_free(&p);

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		p = sms_plan_new(texts[i], strlen(texts[i]), NULL, &err);
		assert_non_null(p);
		assert_int_equal(
		    sms_plan_segments(texts[i], strlen(texts[i]), NULL, &err),
		    p->nparts);
		sms_plan_free(&p);
	}
	assert_int_equal(sms_plan_segments("\xff", 1, NULL, &err), 0);
	assert_int_equal(err.status, SMS_EUTF8);
	free(big);
	free(small);
	free(soft);
}

int
test_sms_text(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(seed000_worked_example),
	    cmocka_unit_test(accents),
	    cmocka_unit_test(gsm_boundaries),
	    cmocka_unit_test(ucs2_boundaries),
	    cmocka_unit_test(many_parts),
	    cmocka_unit_test(no_part_splits_a_pair),
	    cmocka_unit_test(nfc),
	    cmocka_unit_test(nfc_stretches),
	    cmocka_unit_test(nfc_quick_check_table),
	    cmocka_unit_test(invalid_utf8),
	    cmocka_unit_test(smart_encoding),
	    cmocka_unit_test(part_offsets),
	    cmocka_unit_test(empty_text),
	    cmocka_unit_test(gsm_tables_round_trip),
	    cmocka_unit_test(gsm_decode_odd_escapes),
	    cmocka_unit_test(gsm_encode_rejects),
	    cmocka_unit_test(pack_unpack),
	    cmocka_unit_test(ucs2_codec),
	    cmocka_unit_test(encode_parts),
	    cmocka_unit_test(truncate_to_cap),
	    cmocka_unit_test(truncate_long_text),
	};

	return cmocka_run_group_tests_name("sms text", tests, NULL, NULL);
}
