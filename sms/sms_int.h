/*
 * NAME
 *	sms_int - helpers shared inside sms/
 * DESCRIPTION
 *	UTF-8 decoding and encoding, GSM table lookups, smart-encoding
 *	lookups and error filling. Not for use outside sms/.
 */
#ifndef SMS_SMS_INT_H
#define SMS_SMS_INT_H

#include <stdarg.h>

#include "sms/sms.h"

#define SMS_REPLACEMENT 0xFFFDu
#define GSM_ESC		0x1B

/*
 * utf8_next - decode one code point at s[*pos] (len bytes in all)
 *
 * Advances *pos. Returns the code point, or -1 for an invalid sequence
 * (overlong, surrogate, over U+10FFFF, truncated); then *pos is moved
 * past the maximal invalid prefix (at least one byte).
 */
/* utf8_next - decode one code point; -1 for an invalid sequence */
static inline int32_t
utf8_next(const unsigned char *s, size_t len, size_t *pos)
{
	size_t i = *pos;
	unsigned c = s[i], need, k;
	uint32_t cp, lo = 0x80, hi = 0xBF;

	if (c < 0x80) {
		*pos = i + 1;
		return (int32_t)c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		cp = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		cp = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* over U+10FFFF */
	} else {
		*pos = i + 1;
		return -1;
	}
	for (k = 1; k <= need; k++) {
		unsigned b;

		if (i + k >= len) {
			*pos = i + k;
			return -1;
		}
		b = s[i + k];
		if (b < lo || b > hi) {
			*pos = i + k;
			return -1;
		}
		lo = 0x80;
		hi = 0xBF;
		cp = (cp << 6) | (b & 0x3F);
	}
	*pos = i + need + 1;
	return (int32_t)cp;
}

/*
 * utf8_fast - decode a valid multi-byte sequence at s (avail bytes)
 *
 * Returns its length (2-4) with the code point in *cp_r, or 0 when the
 * sequence is not valid UTF-8; utf8_next() then tells exactly how.
 */
static inline unsigned
utf8_fast(const unsigned char *s, size_t avail, uint32_t *cp_r)
{
	unsigned b = s[0];
	uint32_t cp;

	if (b < 0xE0) {
		if (b < 0xC2 || avail < 2 || (s[1] & 0xC0) != 0x80)
			return 0;
		*cp_r = (b & 0x1Fu) << 6 | (s[1] & 0x3Fu);
		return 2;
	}
	if (b < 0xF0) {
		if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		cp = (b & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
		if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		*cp_r = cp;
		return 3;
	}
	if (b > 0xF4 || avail < 4 || (s[1] & 0xC0) != 0x80 ||
	    (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
		return 0;
	cp = (b & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 |
	     (s[3] & 0x3Fu);
	if (cp < 0x10000 || cp > 0x10FFFF)
		return 0;
	*cp_r = cp;
	return 4;
}

/* utf8_put - write cp as UTF-8 to out (room for 4); returns bytes */
size_t utf8_put(uint32_t cp, char *out);

/* utf8_len - bytes cp takes in UTF-8 */
size_t utf8_len(uint32_t cp);

/* Basic-table codes of Latin-1 code points, plus one (0: not GSM). */
extern const uint16_t sms_gsm_latin1[256];

/* gsm_code_other - gsm_code() above U+00FF */
int gsm_code_other(uint32_t cp);

/*
 * gsm_code - GSM code of cp: 0x00-0x7F basic, 0x100|code for the
 * extension table (preceded by ESC on the wire), -1 when not GSM
 */
static inline int
gsm_code(uint32_t cp)
{
	if (cp < 0x100)
		return (int)sms_gsm_latin1[cp] - 1;
	if (cp > 0x3A9 && cp != 0x20AC)
		return -1;
	return gsm_code_other(cp);
}

/* gsm_put - write a gsm_code() result as septets; returns 1 or 2 */
size_t gsm_put(int code, uint8_t *out);

/*
 * text_encode - UTF-8 to unpacked GSM septets (escapes as 0x1B xx) or
 * UTF-16BE; SMS_EUTF8, SMS_EINVAL (not GSM), SMS_ESPACE or SMS_OK
 */
int text_encode(const char *utf8, size_t len, enum sms_encoding enc,
		uint8_t *out, size_t outsz, size_t *len_r,
		struct sms_error *err);

/* utf16_put - write cp as UTF-16BE (room for 4); returns octets */
size_t utf16_put(uint32_t cp, uint8_t *out);

/* Replacements of U+2000-206F (General Punctuation), NULL: none. */
extern const char *const sms_smart_punct[0x70];

/* smart_map_other - smart_map() outside General Punctuation */
const char *smart_map_other(uint32_t cp);

/*
 * smart_map - the GSM replacement for a non-GSM code point
 *
 * Returns a string of 0-3 ASCII characters, all in the GSM tables, or
 * NULL when there is no replacement.
 */
static inline const char *
smart_map(uint32_t cp)
{
	if (cp - 0x2000 < 0x70)
		return sms_smart_punct[cp - 0x2000];
	return smart_map_other(cp);
}

/* nfc_check_other - nfc_check() outside the ranges it decides inline */
bool nfc_check_other(uint32_t cp, unsigned *last_ccc);

/*
 * NFC quick-check bitmaps of the BMP, generated at build time from
 * utf8proc by gen_nfc_table.c: bit cp of sms_nfc_change is set when NFC
 * might change text at cp, of sms_nfc_mark when cp has a combining class.
 */
extern const unsigned char sms_nfc_change[8192];
extern const unsigned char sms_nfc_mark[8192];
extern const unsigned char sms_nfc_quick[8192]; /* change | mark */

#define NFC_BIT(table, cp) ((table)[(cp) >> 3] & (1u << ((cp)&7)))

/*
 * NFC_INERT_RANGE - U+1F000-1FFFF (the F0 9F of UTF-8), emoji and
 * other symbols: combining class 0, no canonical decomposition, never
 * the second of a composition (the unit tests check this against
 * utf8proc)
 */
#define NFC_INERT_RANGE(cp) ((cp) >= 0x1F000 && (cp) <= 0x1FFFF)

/*
 * NFC_CLEAN_LEAD1-4 - ranges of UTF-8 first bytes (lo, hi) whose code
 * points are all clear in sms_nfc_quick, as are those of first bytes
 * below 0xCC (U+0000-02FF): Greek and Cyrillic, more Cyrillic and
 * Armenian, CJK ideographs, Hangul syllables and private use. The
 * first pass does not look at characters in them one by one; the unit
 * tests check them against the table.
 */
#define NFC_CLEAN_LEAD1 0xCF, 0xD1 /* U+03C0-047F */
#define NFC_CLEAN_LEAD2 0xD3, 0xD5 /* U+04C0-057F */
#define NFC_CLEAN_LEAD3 0xE4, 0xE9 /* U+4000-9FFF */
#define NFC_CLEAN_LEAD4 0xEB, 0xEE /* U+B000-EFFF */

/*
 * NFC_CLEAN_E2, NFC_CLEAN_EF - the same for characters of first byte
 * E2 and EF, by second byte b2 and third byte b3: U+2002-203F,
 * 2140-22FF, 2340-2ABF, 2E00-2FFF (punctuation, symbols, dingbats);
 * U+F000-F8FF, FB80-FDFF, FE00-FE1F, FE40-FFFF (variation selectors,
 * fullwidth forms)
 */
#define NFC_CLEAN_E2(b2, b3)                                                   \
	(((b2) == 0x80 && (b3) >= 0x82) || ((b2) >= 0x85 && (b2) <= 0x8B) ||   \
	 ((b2) >= 0x8D && (b2) <= 0xAA) || (b2) >= 0xB8)
#define NFC_CLEAN_EF(b2, b3)                                                   \
	(((b2) == 0xB8 && (b3) <= 0x9F) || (b2) <= 0xA3 ||                     \
	 ((b2) >= 0xAE && (b2) <= 0xB7) || (b2) >= 0xB9)

/*
 * NFC_CLEAN_DEVANAGARI - the same for Devanagari (first byte E0, second
 * A4 or A5): all but the nukta U+093C (E0 A4 BC), the stress signs
 * U+0951-0954 and the letters with nukta U+0958-095F (E0 A5 91-94,
 * 98-9F). One of them, the virama U+094D (E0 A5 8D), has combining
 * class NFC_VIRAMA_CCC and neither composes nor decomposes: it is
 * clean when what precedes it has a class of at most that, and what
 * follows it a class of 0 or at least that, which scan.c sees to.
 */
#define NFC_CLEAN_DEVANAGARI(b2, b3)                                           \
	(((b2) == 0xA4 && (b3) != 0xBC) ||                                     \
	 ((b2) == 0xA5 && !((b3) >= 0x91 && (b3) <= 0x94) &&                   \
	  !((b3) >= 0x98 && (b3) <= 0x9F)))
#define NFC_VIRAMA_CCC 9

/*
 * nfc_check - true when NFC might change the text at cp
 *
 * *last_ccc carries the previous combining class between calls; start
 * it at 0.
 */
static inline bool
nfc_check(uint32_t cp, unsigned *last_ccc)
{
	if (cp < 0x10000) {
		if (!NFC_BIT(sms_nfc_quick, cp)) {
			*last_ccc = 0;
			return false;
		}
		if (NFC_BIT(sms_nfc_change, cp))
			return true;
	} else if (NFC_INERT_RANGE(cp)) {
		*last_ccc = 0;
		return false;
	}
	return nfc_check_other(cp, last_ccc);
}

/*
 * nfc_normalise - NFC of a text, invalid UTF-8 replaced by U+FFFD
 *
 * Returns SMS_OK with *out_r (NUL-terminated UTF-8, *len_r bytes) for
 * the caller to free; or SMS_ENOMEM (err filled). Besides the result,
 * it takes room for one stretch of the text at a time.
 */
int nfc_normalise(const char *text, size_t len, char **out_r, size_t *len_r,
		  struct sms_error *err);

/*
 * nfc_map_parts - take the parts' in_off, offsets in ascending order
 * in the NFC of text (as nfc_normalise() gives it), back to text: each
 * becomes where the stretch of text that its byte came from starts;
 * one at the end of the NFC becomes len. Normalises text once more,
 * up to the last of them. SMS_OK, or SMS_ENOMEM (err filled).
 */
int nfc_map_parts(const char *text, size_t len, struct sms_part *parts,
		  unsigned nparts, struct sms_error *err);

/* Segment boundaries a scan records; more parts are found by walking. */
#define SCAN_BOUNDS 32

/* Greedy segment filling for one encoding. */
struct fill {
	unsigned length; /* septets or units in all */
	unsigned parts;	 /* segments, at the concatenated capacity */
	unsigned cur;	 /* used in the current segment */
	unsigned per;	 /* capacity of a concatenated segment */
	struct {
		size_t at;     /* input byte where segment k + 1 starts */
		size_t out;    /* the same in the text as sent */
		unsigned used; /* septets or units segment k holds */
	} b[SCAN_BOUNDS];
};

/* What the first pass (scan.c) learns. */
struct scan {
	struct fill gsm, ucs2;
	unsigned nongsm;  /* characters outside the GSM tables */
	unsigned invalid; /* invalid sequences (replaced by U+FFFD) */
	size_t gsm_bytes; /* UTF-8 bytes of the text as sent in GSM */
	bool nfc;	  /* NFC might change the text */
	bool is_ucs2;	  /* a character forced UCS-2 */
	bool copy;	  /* out holds the text as sent (see scan_nongsm) */
	char *out;	  /* the text as sent in GSM, once copy is set */
};

/*
 * Septets of single-byte characters in GSM: 1, 2 (extension table) or
 * 0 (not GSM, or not ASCII: the start of a longer sequence).
 */
extern const unsigned char sms_gsm_ascii[256];

/* fill_parts - segments: one when the text fits a single one */
unsigned fill_parts(const struct fill *f, enum sms_encoding enc);

/*
 * scan - first pass over a text; SMS_EUTF8 on invalid UTF-8 unless
 * opts->replace_invalid (err filled). s->out needs room for len bytes.
 */
int scan(const char *text, size_t len, const struct sms_opts *o, struct scan *s,
	 struct sms_error *err);

/* gsm_char - the code point of GSM code c, from the extension table
   when ext (0: none there) */
uint32_t gsm_char(unsigned c, bool ext);

/*
 * Text decoding (decode.c), shared by sms_gsm_decode, sms_ucs2_decode
 * and the inbound decoders: octets in, UTF-8 out, the length counted
 * on past the buffer so that a caller learns what it needs. A
 * character split between two feeds of one alphabet waits in pend.
 */
struct text_dec {
	char *out;
	size_t cap, len;     /* len may exceed cap: then SMS_ESPACE */
	enum sms_alphabet a; /* of the pending octets */
	uint8_t pend[3];     /* UCS-2: octets of an unfinished character;
				GSM: an escape */
	unsigned npend;
	bool keep_nul; /* U+0000 written (else dropped, counted) */
	struct sms_decoded info;
};

/* dec_init - start decoding into out (cap octets, may be NULL and 0) */
void dec_init(struct text_dec *d, char *out, size_t cap, bool keep_nul);

/* dec_feed - decode n octets of alphabet a (another alphabet than the
   last feed's ends the character that waits) */
void dec_feed(struct text_dec *d, enum sms_alphabet a, const uint8_t *b,
	      size_t n);

/* dec_flush - end a character left waiting (U+FFFD, or a space after
   a GSM escape) */
void dec_flush(struct text_dec *d);

/* dec_end - flush, NUL-terminate; SMS_OK or SMS_ESPACE, *len_r the
   length (needed) without the NUL */
int dec_end(struct text_dec *d, size_t *len_r);

/* sms_fail - fill err (may be NULL) and return status */
int sms_fail(struct sms_error *err, enum sms_status status, size_t offset,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* SMS_SMS_INT_H */
