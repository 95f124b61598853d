/*
 * NAME
 *	sms - SMS text rules: codec, segmentation, UDH, numbers, sender IDs
 * SUMMARY
 *	#include "sms/sms.h"
 * DESCRIPTION
 *	Pure SMS logic after 3GPP TS 23.038 and 23.040: it decides how a
 *	UTF-8 text is sent (GSM 7-bit or UCS-2), how many segments it costs
 *	and where they split; it encodes and decodes GSM septets (unpacked
 *	and packed) and UTF-16BE; it builds and parses the user data
 *	header, reads the data coding of inbound texts and decodes them,
 *	one part or a set of parts; it parses, validates and formats
 *	phone numbers and checks alphanumeric sender IDs.
 *
 *	The module does no I/O and keeps no global state. It allocates only
 *	in functions named _new, whose results the caller frees with the
 *	matching _free; everything else works in caller-supplied buffers.
 * DIAGNOSTICS
 *	Functions return SMS_OK (0) or a negative enum sms_status and, when
 *	given a struct sms_error, fill it with the status, the byte offset
 *	where it applies and a sentence for people.
 */
#ifndef SMS_SMS_H
#define SMS_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status codes. */
enum sms_status {
	SMS_OK = 0,
	SMS_EUTF8 = -1,	  /* input is not valid UTF-8 (offset set) */
	SMS_ENOMEM = -2,  /* out of memory */
	SMS_ESPACE = -3,  /* caller's output buffer is too small */
	SMS_EINVAL = -4,  /* malformed input (message says what) */
	SMS_EDENIED = -5, /* valid, but refused by policy (country, prefix) */
};

/* Error details: status, byte offset (where meaningful), sentence. */
struct sms_error {
	enum sms_status status;
	size_t offset;
	char msg[160];
};

/* Data coding; the values are SMPP's data_coding. */
enum sms_encoding {
	SMS_GSM7 = 0,
	SMS_UCS2 = 8,
};

/* sms_encoding_name - "GSM-7" or "UCS-2" */
const char *sms_encoding_name(enum sms_encoding enc);

/*
 * Segment limits (3GPP TS 23.040 9.2.3.24.1): one segment holds 160
 * septets or 70 UTF-16 units; a concatenated one 153/67 with the 8-bit
 * reference UDH and 152/66 with the 16-bit one.
 */
#define SMS_SINGLE_SEPTETS   160
#define SMS_SINGLE_UNITS     70
#define SMS_CONCAT8_SEPTETS  153
#define SMS_CONCAT8_UNITS    67
#define SMS_CONCAT16_SEPTETS 152
#define SMS_CONCAT16_UNITS   66
#define SMS_MAX_PARTS	     255

/* Options of sms_plan_new(); sms_opts_init() sets the defaults. */
struct sms_opts {
	bool smart; /* map typographic characters to GSM (default on) */
	bool replace_invalid; /* invalid UTF-8 becomes U+FFFD (default off) */
	bool ref16;	      /* 16-bit concatenation reference (default off) */
};

/* sms_opts_init - default options: smart on, strict UTF-8, 8-bit ref */
void sms_opts_init(struct sms_opts *opts);

/* One segment of a plan. */
struct sms_part {
	size_t off, len;       /* byte range in plan->text */
	size_t in_off, in_len; /* byte range in the input text */
	unsigned length;       /* septets or UTF-16 units */
};

/*
 * The decision for one text. All fields are read-only; the arrays live
 * inside the plan and die with it.
 */
struct sms_plan {
	enum sms_encoding encoding;
	unsigned length;	      /* septets or UTF-16 units, as sent */
	unsigned nparts;	      /* segments; 1 for an empty text */
	const struct sms_part *parts; /* nparts entries */
	const char *text;	      /* text as sent: NFC, smart-mapped */
	size_t text_len;	      /* bytes, excluding the final NUL */
	bool smart;		      /* smart encoding was allowed */
	unsigned smart_replaced;      /* characters smart encoding replaced */
	unsigned smart_saved;	      /* segments smart encoding saved */
	unsigned invalid;	      /* invalid sequences replaced by U+FFFD */
};

/*
 * sms_plan_new - decide encoding and segments of a UTF-8 text
 *
 * The text (len bytes, NUL not needed) is normalised to NFC, smart-mapped
 * when opts->smart and that makes it GSM, and split into segments that
 * never end inside an escape sequence or a surrogate pair. opts may be
 * NULL for the defaults. Returns a plan the caller frees with
 * sms_plan_free(), or NULL with err filled (SMS_EUTF8 with the offset of
 * the first bad byte, or SMS_ENOMEM).
 */
struct sms_plan *sms_plan_new(const char *text, size_t len,
			      const struct sms_opts *opts,
			      struct sms_error *err);

/*
 * sms_plan_segments - the segments sms_plan_new() would plan text in,
 * without making the plan (no copy of the text unless smart encoding
 * or NFC changes it). Returns at least 1, or 0 with err filled as
 * sms_plan_new() fills it.
 */
unsigned sms_plan_segments(const char *text, size_t len,
			   const struct sms_opts *opts, struct sms_error *err);

/* sms_plan_free - free a plan and set *plan to NULL (NULL is fine) */
void sms_plan_free(struct sms_plan **plan);

/*
 * sms_plan_truncate - plan a text cut to at most max_parts segments
 *
 * When the text fits, this is sms_plan_new(). Otherwise the text is cut
 * at a character (grapheme) boundary and marker (UTF-8, may be "") is
 * appended, keeping as much text as fits in max_parts segments. The
 * result's offsets refer to the cut text (plan->text), not the input.
 * Returns NULL with err filled on bad input, or SMS_EINVAL when even
 * the marker alone does not fit.
 */
struct sms_plan *sms_plan_truncate(const char *text, size_t len,
				   const struct sms_opts *opts,
				   unsigned max_parts, const char *marker,
				   struct sms_error *err);

/* A character that forced UCS-2 and its byte offset in plan->text. */
struct sms_forced {
	uint32_t cp;
	size_t off;
};

/*
 * sms_plan_forced - the characters that forced UCS-2
 *
 * Writes up to max distinct ones to out, in order of first appearance,
 * with the byte offset of each one's first occurrence in plan->text
 * (the input's, unless NFC changed it), and their number to *listed_r.
 * *more_r (may be NULL) says whether other ones did not fit. Returns
 * how many characters in all forced UCS-2: 0 for a GSM plan.
 */
unsigned sms_plan_forced(const struct sms_plan *plan, struct sms_forced *out,
			 unsigned max, unsigned *listed_r, bool *more_r);

/*
 * sms_plan_encode_part - encode one segment for the wire
 *
 * GSM: unpacked septets, one per octet, escape sequences as 0x1B xx (as
 * SMPP sends them with data_coding 0). UCS-2: UTF-16BE. Writes at most
 * outsz octets to out and the count to *len_r. Returns SMS_OK,
 * SMS_EINVAL for a bad index, or SMS_ESPACE.
 */
int sms_plan_encode_part(const struct sms_plan *plan, unsigned part,
			 uint8_t *out, size_t outsz, size_t *len_r);

/*
 * GSM 7-bit default alphabet and extension table.
 */

/* sms_gsm_cost - septets the code point costs in GSM: 1, 2 or 0 (none) */
unsigned sms_gsm_cost(uint32_t cp);

/*
 * sms_gsm_encode - UTF-8 to unpacked GSM septets
 *
 * Every character must be in the GSM tables (else SMS_EINVAL with the
 * offset). Writes septets to out (at most outsz), count to *len_r.
 */
int sms_gsm_encode(const char *utf8, size_t len, uint8_t *out, size_t outsz,
		   size_t *len_r, struct sms_error *err);

/*
 * sms_gsm_decode - unpacked GSM septets to UTF-8
 *
 * Unknown escape sequences decode as the basic-table character and
 * ESC ESC or a trailing ESC as a space (3GPP TS 23.038 6.2.1.1). Octets
 * over 0x7F are taken modulo 128. Writes NUL-terminated UTF-8 to out
 * and its length to *len_r. Returns SMS_OK or SMS_ESPACE.
 */
int sms_gsm_decode(const uint8_t *septets, size_t n, char *out, size_t outsz,
		   size_t *len_r);

/*
 * sms_gsm_pack - pack n septets into octets (air-interface format)
 *
 * fill_bits (0-6) zero bits come first, as after a user data header.
 * Returns the octets written, or 0 if outsz is too small.
 */
size_t sms_gsm_pack(const uint8_t *septets, size_t n, unsigned fill_bits,
		    uint8_t *out, size_t outsz);

/*
 * sms_gsm_unpack - unpack n septets from packed octets
 *
 * Returns SMS_OK, or SMS_EINVAL when the octets hold fewer than n
 * septets, SMS_ESPACE when outsz < n.
 */
int sms_gsm_unpack(const uint8_t *octets, size_t len, unsigned fill_bits,
		   size_t n, uint8_t *out, size_t outsz);

/*
 * UTF-16BE (UCS-2 as handsets send it, surrogate pairs included).
 */

/* sms_ucs2_encode - UTF-8 to UTF-16BE; SMS_EUTF8, SMS_ESPACE or SMS_OK */
int sms_ucs2_encode(const char *utf8, size_t len, uint8_t *out, size_t outsz,
		    size_t *len_r, struct sms_error *err);

/*
 * sms_ucs2_decode - UTF-16BE to NUL-terminated UTF-8
 *
 * Unpaired surrogates and an odd final octet become U+FFFD; their count
 * goes to *bad_r (may be NULL). Returns SMS_OK or SMS_ESPACE.
 */
int sms_ucs2_decode(const uint8_t *in, size_t len, char *out, size_t outsz,
		    size_t *len_r, unsigned *bad_r);

/*
 * Concatenation user data header (3GPP TS 23.040 9.2.3.24.1 and .8).
 */
struct sms_concat {
	unsigned ref;	/* reference: 0-255, or 0-65535 with ref16 */
	unsigned total; /* parts in the message, 1-255 */
	unsigned seq;	/* this part, 1-total */
	bool ref16;	/* IEI 0x08 (16-bit reference) instead of 0x00 */
};

/* Parsed user data header. */
struct sms_udh {
	size_t len;	/* octets including the UDHL octet */
	bool concat_ok; /* a concatenation element was present */
	struct sms_concat concat;
	bool port_ok;		     /* application port addressing present */
	unsigned dst_port, src_port; /* IEI 0x04 (8-bit) or 0x05 (16-bit) */
};

/*
 * sms_udh_build - write a UDH holding one concatenation element
 *
 * Returns the octets written (6, or 7 with ref16) or 0 on a bad field
 * or short buffer.
 */
size_t sms_udh_build(const struct sms_concat *c, uint8_t *out, size_t outsz);

/*
 * sms_udh_parse - parse the UDH at the start of user data
 *
 * Checks every information element's length; a concatenation or port
 * element of the wrong length, or a concatenation element with total 0
 * or seq outside 1..total, is an error; other elements are skipped.
 * Where an element is repeated the last one counts. Returns SMS_OK or
 * SMS_EINVAL with the offset and what is wrong.
 */
int sms_udh_parse(const uint8_t *ud, size_t len, struct sms_udh *udh_r,
		  struct sms_error *err);

/* sms_udh_fill_bits - fill bits after a UDH of len octets in GSM packing */
unsigned sms_udh_fill_bits(size_t udh_len);

/*
 * Inbound texts (3GPP TS 23.038 4, 23.040 9.2.3.24; SMPP 3.4 5.2.19):
 * what a data_coding octet says, user data as a carrier gives it, and
 * the text of one part or of a set of parts, each part decoded with
 * its own alphabet. A NUL (U+0000 in UCS-2, 0x00 in Latin-1 and 8-bit
 * data; GSM's 0x00 is '@') never ends a text: it is dropped and
 * counted, and what follows it is kept.
 */

/* Alphabet of user data. The values are stable: smsgw keeps them with
   the parts of a set until the rest come. */
enum sms_alphabet {
	SMS_ALPHA_GSM7 = 0,   /* GSM 7-bit default alphabet */
	SMS_ALPHA_LATIN1 = 1, /* ISO 8859-1 (SMPP 3; SMPP 1, IA5/ASCII) */
	SMS_ALPHA_UCS2 = 2,   /* UTF-16BE */
	SMS_ALPHA_8BIT = 3,   /* 8-bit data, read as Latin-1 octets */
};

/* What a data_coding octet says. */
struct sms_dcs {
	enum sms_alphabet alphabet;
	int msg_class;	 /* message class 0-3, or -1: none given */
	bool compressed; /* TS 23.042 compression, not undone: 8-bit */
};

/*
 * sms_dcs_parse - the alphabet and message class of a data_coding
 *
 * Values 0-15 are SMPP's own (0 GSM, 1 IA5 and 3 Latin-1 as Latin-1,
 * 8 UCS-2, the octet and national codings as 8-bit); the rest follow
 * the coding groups of TS 23.038 4: general (00xx) and automatic
 * deletion (01xx) with their class bit, message waiting (1100-1110),
 * data coding/message class (1111); reserved alphabets and groups are
 * GSM, as the specification tells a receiver.
 */
void sms_dcs_parse(uint8_t dc, struct sms_dcs *dcs_r);

/* User data as a carrier gives it (borrowed by what parses it). */
struct sms_ud {
	const uint8_t *data; /* short_message or message_payload */
	size_t len;
	uint8_t dc;   /* data_coding */
	bool udhi;    /* starts with a header (esm_class 0x40, TP-UDHI) */
	bool packed;  /* GSM septets packed as in a TPDU (at most 140
			 octets), else one a octet as SMPP sends them */
	unsigned udl; /* packed: TP-UDL, septets with the header's; 0:
			 as many as the octets hold (a final CR that only
			 pads, TS 23.038 6.1.2.3.1, dropped) */
};

/* User data taken apart; body points into the sms_ud's data. */
struct sms_inpart {
	struct sms_dcs dcs;
	struct sms_udh udh;  /* udh.len 0: no header */
	const uint8_t *body; /* the text's octets after the header */
	size_t len;	     /* octets of body */
	bool packed;	     /* body is packed GSM septets ... */
	unsigned fill_bits;  /* ... after this many fill bits ... */
	size_t septets;	     /* ... this many of them */
};

/*
 * sms_ud_parse - data coding, header and text of one part
 *
 * Returns SMS_OK, or SMS_EINVAL with err saying what is wrong: a
 * malformed header (then *p_r still holds the data coding and, as body,
 * what follows the header as its length octet says, or all the data
 * when even that is wrong, with udh.concat_ok false: a caller may
 * still read it as one text), or packed septets the octets do not hold
 * (then the body is empty).
 */
int sms_ud_parse(const struct sms_ud *ud, struct sms_inpart *p_r,
		 struct sms_error *err);

/* What decoding met. */
struct sms_decoded {
	unsigned nul;	  /* NULs dropped */
	unsigned bad;	  /* broken UTF-16 (lone surrogate, odd octet)
			     replaced by U+FFFD */
	unsigned missing; /* parts of a set marked missing */
};

/*
 * sms_inpart_decode - the text of one part as NUL-terminated UTF-8
 *
 * Writes to out (outsz octets) and the length to *len_r; info_r (may
 * be NULL) says what was dropped or replaced. Returns SMS_OK, or
 * SMS_ESPACE with *len_r the length needed (plus one for the NUL):
 * out may be NULL with outsz 0 to ask. SMS_INPUT_UTF8_MAX(len) is
 * always enough.
 */
int sms_inpart_decode(const struct sms_inpart *p, char *out, size_t outsz,
		      size_t *len_r, struct sms_decoded *info_r);

/* UTF-8 octets, NUL included, that decoding n octets can take. */
#define SMS_INPUT_UTF8_MAX(n) ((n)*3 + 1)

/* One part of a set, as kept until the set is whole (borrowed data). */
struct sms_text_part {
	unsigned seq;		    /* 1..total */
	enum sms_alphabet alphabet; /* of its own data_coding */
	const uint8_t *body;	    /* text after the header; GSM as
				       unpacked septets (sms_gsm_unpack) */
	size_t len;
};

/*
 * sms_text_join - the text of a set's parts as NUL-terminated UTF-8
 *
 * Sorts parts (n of them) by seq in place and decodes each with its own
 * alphabet; a character split between consecutive parts of one
 * alphabet (a GSM escape, a surrogate pair) is put back together. Each
 * missing part of 1..total reads "[part N of TOTAL missing]"; a part
 * outside 1..total, or with the seq of one before it, is left out.
 * Output, info_r and returns as sms_inpart_decode().
 */
int sms_text_join(struct sms_text_part *parts, size_t n, unsigned total,
		  char *out, size_t outsz, size_t *len_r,
		  struct sms_decoded *info_r);

/*
 * Phone numbers (E.164).
 */

/* Policy and defaults for sms_phone_parse(). All fields may be NULL. */
struct sms_phone_rules {
	const char *default_country; /* ISO 3166 alpha-2 for national input */
	const char *const *allowed;  /* NULL-terminated ISO codes; NULL: all */
	const char *const *denied;   /* NULL-terminated prefixes: "+1684"
					(E.164) or "684" (NANP area code) */
};

/* A parsed number. */
struct sms_number {
	char e164[18];	/* "+" and up to 15 digits, NUL-terminated */
	unsigned cc;	/* country calling code */
	char region[3]; /* ISO 3166 alpha-2 of the number, e.g. "US" */
};

/*
 * sms_phone_parse - parse, normalise and validate a phone number
 *
 * Accepts +E.164, 00/011 international prefixes, national numbers in
 * rules->default_country (trunk prefix allowed) and the usual
 * separators: spaces, dashes, dots, parentheses. Returns SMS_OK,
 * SMS_EINVAL (not a valid number: the message says why) or SMS_EDENIED
 * (valid, but its country is not allowed or its prefix is denied).
 */
int sms_phone_parse(const char *in, const struct sms_phone_rules *rules,
		    struct sms_number *num_r, struct sms_error *err);

/*
 * sms_phone_format - format an E.164 number for people
 *
 * "+12025550143" becomes "+1 202-555-0143", "+442079460958"
 * "+44 20 7946 0958". Unknown layouts print "+CC rest". Returns
 * SMS_OK, SMS_EINVAL (not E.164) or SMS_ESPACE.
 */
int sms_phone_format(const char *e164, char *out, size_t outsz);

/* sms_country_known - true when iso is a region sms_phone_* knows */
bool sms_country_known(const char *iso);

/*
 * Sender IDs.
 */
enum sms_sender_kind {
	SMS_SENDER_INVALID = 0,
	SMS_SENDER_E164,      /* +digits: TON 1 (international), NPI 1 */
	SMS_SENDER_SHORTCODE, /* 3-8 digits: TON 3 (network specific) */
	SMS_SENDER_ALPHA,     /* alphanumeric: TON 5, NPI 0 */
};

/*
 * sms_sender_classify - what kind of sender ID s is
 *
 * Alphanumeric IDs are 1-11 characters of A-Z a-z 0-9 and space with at
 * least one letter. On SMS_SENDER_INVALID err says why.
 */
enum sms_sender_kind sms_sender_classify(const char *s, struct sms_error *err);

#endif /* SMS_SMS_H */
