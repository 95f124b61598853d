/*
 * NAME
 *	test_sms_inbound - data coding, user data and text of inbound parts
 * DESCRIPTION
 *	Every alphabet a data_coding names, user data headers good and
 *	bad, packed septets after a header's fill bits, NULs that must
 *	not end a text, and sets whose parts come out of order or in
 *	different alphabets.
 */
#include <string.h>

#include "sms/sms.h"
#include "tests/unit/test_sms.h"

/* decode_ud - parse and decode user data; returns sms_ud_parse's code */
static int
decode_ud(const struct sms_ud *ud, struct sms_inpart *p, char *out,
	  size_t outsz, size_t *len_r, struct sms_decoded *info)
{
	struct sms_error err;
	int rc = sms_ud_parse(ud, p, &err);

	assert_int_equal(sms_inpart_decode(p, out, outsz, len_r, info), SMS_OK);
	return rc;
}

static void
dcs_alphabets(void **state)
{
	static const struct {
		uint8_t dc;
		enum sms_alphabet a;
		int cls;
		bool compressed;
	} t[] = {
	    /* SMPP 3.4's own values */
	    {0x00, SMS_ALPHA_GSM7, -1, false},
	    {0x01, SMS_ALPHA_LATIN1, -1, false},
	    {0x02, SMS_ALPHA_8BIT, -1, false},
	    {0x03, SMS_ALPHA_LATIN1, -1, false},
	    {0x04, SMS_ALPHA_8BIT, -1, false},
	    {0x06, SMS_ALPHA_8BIT, -1, false},
	    {0x08, SMS_ALPHA_UCS2, -1, false},
	    {0x0C, SMS_ALPHA_GSM7, -1, false},
	    /* TS 23.038 general data coding, with the class bit */
	    {0x10, SMS_ALPHA_GSM7, 0, false},
	    {0x11, SMS_ALPHA_GSM7, 1, false},
	    {0x15, SMS_ALPHA_8BIT, 1, false},
	    {0x16, SMS_ALPHA_8BIT, 2, false},
	    {0x18, SMS_ALPHA_UCS2, 0, false},
	    {0x1B, SMS_ALPHA_UCS2, 3, false},
	    {0x1C, SMS_ALPHA_GSM7, 0, false}, /* reserved alphabet */
	    {0x24, SMS_ALPHA_8BIT, -1, true}, /* compressed */
	    {0x3A, SMS_ALPHA_8BIT, 2, true},
	    /* automatic deletion */
	    {0x48, SMS_ALPHA_UCS2, -1, false},
	    {0x52, SMS_ALPHA_GSM7, 2, false},
	    {0x44, SMS_ALPHA_8BIT, -1, false},
	    /* reserved groups, message waiting */
	    {0x80, SMS_ALPHA_GSM7, -1, false},
	    {0xB8, SMS_ALPHA_GSM7, -1, false},
	    {0xC0, SMS_ALPHA_GSM7, -1, false},
	    {0xD8, SMS_ALPHA_GSM7, -1, false},
	    {0xE0, SMS_ALPHA_UCS2, -1, false},
	    {0xEB, SMS_ALPHA_UCS2, -1, false},
	    /* data coding / message class */
	    {0xF0, SMS_ALPHA_GSM7, 0, false},
	    {0xF1, SMS_ALPHA_GSM7, 1, false},
	    {0xF3, SMS_ALPHA_GSM7, 3, false},
	    {0xF4, SMS_ALPHA_8BIT, 0, false},
	    {0xF6, SMS_ALPHA_8BIT, 2, false},
	};
	struct sms_dcs d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sms_dcs_parse(t[i].dc, &d);
		if (d.alphabet != t[i].a || d.msg_class != t[i].cls ||
		    d.compressed != t[i].compressed)
			fail_msg("dc 0x%02X: alphabet %d class %d compressed "
				 "%d, want %d %d %d",
				 t[i].dc, d.alphabet, d.msg_class, d.compressed,
				 t[i].a, t[i].cls, t[i].compressed);
	}
}

static void
each_alphabet(void **state)
{
	/* "@1 €" in GSM: '@' is 0x00, not a NUL */
	static const uint8_t gsm[] = {0x00, '1', ' ', 0x1B, 0x65, 0x11};
	static const uint8_t latin1[] = {'c', 'a', 'f', 0xE9};
	static const uint8_t ucs2[] = {0x04, 0x1F, 0xD8, 0x3D, 0xDE, 0x00};
	struct sms_ud ud = {gsm, sizeof(gsm), 0, false, false, 0};
	struct sms_inpart p;
	struct sms_decoded info;
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "@1 \u20AC_");
	assert_int_equal(n, strlen("@1 \u20AC_"));
	assert_int_equal(info.nul, 0);

	ud = (struct sms_ud){latin1, sizeof(latin1), 3, false, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "caf\u00E9");
	ud.dc = 0xF4; /* 8-bit data: its octets as Latin-1 */
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_int_equal(p.dcs.alphabet, SMS_ALPHA_8BIT);
	assert_string_equal(out, "caf\u00E9");
	ud.dc = 0x00; /* the same octets as GSM: 0xE9 is 0x69 'i' */
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "cafi");

	ud = (struct sms_ud){ucs2, sizeof(ucs2), 8, false, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "\u041F\U0001F600");
	assert_int_equal(info.bad, 0);
	ud.dc = 0x18; /* UCS-2, class 0 */
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "\u041F\U0001F600");
	assert_int_equal(p.dcs.msg_class, 0);
	ud.len = 5; /* half a surrogate pair and an odd octet */
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "\u041F\uFFFD\uFFFD");
	assert_int_equal(info.bad, 2);
}

static void
nul_keeps_the_rest(void **state)
{
	static const uint8_t ucs2[] = {0, 'H', 0, 'i', 0, 0, 0, 't', 0, 'o'};
	static const uint8_t octets[] = {'H', 'i', 0, 't', 'o', 0};
	/* the UCS-2 one as part 1 of 2 after a concatenation header */
	static const uint8_t udh_ucs2[] = {0x05, 0x00, 0x03, 0x07, 0x02, 0x01,
					   0,	 'H',  0,    0,	   0,	 '!'};
	struct sms_ud ud = {ucs2, sizeof(ucs2), 8, false, false, 0};
	struct sms_inpart p;
	struct sms_decoded info;
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "Hito");
	assert_int_equal(n, 4);
	assert_int_equal(info.nul, 1);

	ud = (struct sms_ud){octets, sizeof(octets), 4, false, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "Hito");
	assert_int_equal(info.nul, 2);
	ud.dc = 3; /* Latin-1 */
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "Hito");

	ud = (struct sms_ud){udh_ucs2, sizeof(udh_ucs2), 8, true, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_true(p.udh.concat_ok);
	assert_int_equal(p.udh.concat.total, 2);
	assert_string_equal(out, "H!");
	assert_int_equal(info.nul, 1);
}

static void
headers(void **state)
{
	/* 16-bit reference after 16-bit ports, then a text */
	static const uint8_t ports16[] = {0x0C, 0x05, 0x04, 0x0B, 0x84,
					  0x23, 0xF0, 0x08, 0x04, 0xAB,
					  0xCD, 0x03, 0x03, 'o',  'k'};
	/* 8-bit ports, an unknown element, then 8-bit concatenation */
	static const uint8_t ports8[] = {0x0C, 0x04, 0x02, 0x10, 0x20,
					 0x70, 0x01, 0xFF, 0x00, 0x03,
					 0xFE, 0x04, 0x01, 'y',	 'o'};
	/* two concatenation elements: the last counts */
	static const uint8_t twice[] = {0x0A, 0x00, 0x03, 0x01, 0x02, 0x01,
					0x00, 0x03, 0x09, 0x05, 0x04, 'z'};
	/* an empty header */
	static const uint8_t empty[] = {0x00, 'e'};
	struct sms_ud ud = {ports16, sizeof(ports16), 0, true, false, 0};
	struct sms_inpart p;
	struct sms_decoded info;
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_int_equal(p.udh.len, 13);
	assert_true(p.udh.port_ok);
	assert_int_equal(p.udh.dst_port, 0x0B84);
	assert_int_equal(p.udh.src_port, 0x23F0);
	assert_true(p.udh.concat_ok);
	assert_true(p.udh.concat.ref16);
	assert_int_equal(p.udh.concat.ref, 0xABCD);
	assert_int_equal(p.udh.concat.total, 3);
	assert_int_equal(p.udh.concat.seq, 3);
	assert_string_equal(out, "ok");

	ud = (struct sms_ud){ports8, sizeof(ports8), 0, true, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_int_equal(p.udh.dst_port, 0x10);
	assert_int_equal(p.udh.src_port, 0x20);
	assert_false(p.udh.concat.ref16);
	assert_int_equal(p.udh.concat.ref, 0xFE);
	assert_int_equal(p.udh.concat.total, 4);
	assert_int_equal(p.udh.concat.seq, 1);
	assert_string_equal(out, "yo");

	ud = (struct sms_ud){twice, sizeof(twice), 0, true, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_int_equal(p.udh.concat.ref, 9);
	assert_int_equal(p.udh.concat.total, 5);
	assert_int_equal(p.udh.concat.seq, 4);
	assert_string_equal(out, "z");

	ud = (struct sms_ud){empty, sizeof(empty), 0, true, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_int_equal(p.udh.len, 1);
	assert_false(p.udh.concat_ok);
	assert_false(p.udh.port_ok);
	assert_string_equal(out, "e");

	/* no UDHI: the same octets are all text */
	ud = (struct sms_ud){empty, sizeof(empty), 0, false, false, 0};
	assert_int_equal(decode_ud(&ud, &p, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_int_equal(p.udh.len, 0);
	assert_string_equal(out, "@e");
}

static void
bad_headers(void **state)
{
	static const struct {
		uint8_t ud[12];
		size_t len;
		const char *why;
		const char *text; /* what is left to read */
	} t[] = {
	    /* the length octet overruns the data: all of it is text */
	    {{0x09, 0x00, 0x03, 0x01, 'a'},
	     5,
	     "exceeds",
	     "\u00C7@\u00A5\u00A3a"},
	    /* a truncated element: skipped as the length octet says */
	    {{0x01, 0x00, 'b'}, 3, "truncated", "b"},
	    {{0x03, 0x00, 0x03, 0x01, 'c'}, 5, "overruns", "c"},
	    {{0x04, 0x00, 0x02, 0x01, 0x02, 'd'}, 6, "length 2", "d"},
	    {{0x05, 0x00, 0x03, 0x01, 0x02, 0x00, 'e'}, 7, "part 0", "e"},
	    {{0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 'f'}, 7, "part 3 of 2", "f"},
	    {{0x06, 0x08, 0x03, 0x01, 0x02, 0x01, 0x00, 'g'},
	     8,
	     "length 3",
	     "g"},
	    {{0x04, 0x05, 0x02, 0x01, 0x02, 'h'}, 6, "port element", "h"},
	    {{0x05, 0x04, 0x03, 0x01, 0x02, 0x03, 'i'}, 7, "port element", "i"},
	    {{0}, 0, "missing", ""},
	};
	struct sms_ud ud = {NULL, 0, 0, true, false, 0};
	struct sms_inpart p;
	struct sms_error err;
	char out[64];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ud.data = t[i].ud;
		ud.len = t[i].len;
		assert_int_equal(sms_ud_parse(&ud, &p, &err), SMS_EINVAL);
		if (!strstr(err.msg, t[i].why))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg,
				 t[i].why);
		assert_false(p.udh.concat_ok);
		assert_false(p.udh.port_ok);
		assert_int_equal(
		    sms_inpart_decode(&p, out, sizeof(out), &n, NULL), SMS_OK);
		if (strcmp(out, t[i].text))
			fail_msg("case %zu: text \"%s\", want \"%s\"", i, out,
				 t[i].text);
	}
}

/* pack_ud - a header of h octets, then text packed after its fill bits */
static size_t
pack_ud(const uint8_t *hdr, size_t h, const char *text, uint8_t *ud,
	size_t *septets_r)
{
	uint8_t sept[200];
	size_t n;

	assert_int_equal(
	    sms_gsm_encode(text, strlen(text), sept, sizeof(sept), &n, NULL),
	    SMS_OK);
	if (h > 0)
		memcpy(ud, hdr, h);
	*septets_r = n;
	return h +
	       sms_gsm_pack(sept, n, h ? sms_udh_fill_bits(h) : 0, ud + h, 160);
}

static void
fill_bits(void **state)
{
	static const uint8_t concat8[] = {0x05, 0x00, 0x03, 0x01, 0x02, 0x02},
			     concat16[] = {0x06, 0x08, 0x04, 0x01,
					   0x02, 0x02, 0x01},
			     port8[] = {0x04, 0x04, 0x02, 0x10, 0x20};
	static const struct {
		const uint8_t *hdr;
		size_t h;
		unsigned fill;
	} t[] = {
	    {NULL, 0, 0}, {concat8, 6, 1}, {concat16, 7, 0}, {port8, 5, 2}};
	const char *text = "Fill bits {ok} \u20AC";
	uint8_t ud[200];
	struct sms_inpart p;
	struct sms_decoded info;
	struct sms_error err;
	char out[200];
	size_t i, n, len, sept;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sms_ud u;

		len = pack_ud(t[i].hdr, t[i].h, text, ud, &sept);
		u = (struct sms_ud){ud, len, 0, t[i].h > 0, true, 0};
		assert_int_equal(decode_ud(&u, &p, out, sizeof(out), &n, &info),
				 SMS_OK);
		assert_int_equal(p.fill_bits, t[i].fill);
		assert_int_equal(p.septets, sept);
		if (strcmp(out, text))
			fail_msg("header %zu: \"%s\"", i, out);
		/* with TP-UDL: header septets and text septets */
		u.udl = (unsigned)((t[i].h * 8 + t[i].fill) / 7 + sept);
		assert_int_equal(decode_ud(&u, &p, out, sizeof(out), &n, &info),
				 SMS_OK);
		assert_string_equal(out, text);
		u.udl--;
		assert_int_equal(decode_ud(&u, &p, out, sizeof(out), &n, &info),
				 SMS_OK);
		/* the escape of the euro sign alone: a space */
		assert_string_equal(out, "Fill bits {ok}  ");
		/* a UDL the octets do not hold */
		u.udl += 9;
		assert_int_equal(sms_ud_parse(&u, &p, &err), SMS_EINVAL);
		assert_non_null(strstr(err.msg, "do not hold"));
		assert_int_equal(p.len, 0);
	}

	/* seven spare bits: a CR there pads, zero bits would read '@' */
	len = pack_ud(NULL, 0, "1234567\r", ud, &sept);
	assert_int_equal(len, 7);
	{
		struct sms_ud u = {ud, len, 0, false, true, 0};

		assert_int_equal(decode_ud(&u, &p, out, sizeof(out), &n, &info),
				 SMS_OK);
		assert_string_equal(out, "1234567");
		u.udl = 8; /* TP-UDL says the CR is text */
		assert_int_equal(decode_ud(&u, &p, out, sizeof(out), &n, &info),
				 SMS_OK);
		assert_string_equal(out, "1234567\r");
	}
	/* eight characters that end on the octet boundary keep a CR
	   before the last */
	len = pack_ud(NULL, 0, "123456\r8", ud, &sept);
	{
		struct sms_ud u = {ud, len, 0, false, true, 0};

		assert_int_equal(decode_ud(&u, &p, out, sizeof(out), &n, &info),
				 SMS_OK);
		assert_string_equal(out, "123456\r8");
	}
	/* packed is for GSM only: UCS-2 stays octets */
	{
		static const uint8_t u2[] = {0x00, 'A'};
		struct sms_ud u = {u2, 2, 8, false, true, 0};

		assert_int_equal(decode_ud(&u, &p, out, sizeof(out), &n, &info),
				 SMS_OK);
		assert_false(p.packed);
		assert_string_equal(out, "A");
	}
	/* more than a TPDU holds */
	{
		struct sms_ud u = {ud, 141, 0, false, true, 0};

		assert_int_equal(sms_ud_parse(&u, &p, &err), SMS_EINVAL);
	}
}

static void
join_mixed_alphabets(void **state)
{
	/* part 1 GSM "Hello ", part 2 UCS-2 "\u041C\u0438\u0440!" */
	static const uint8_t gsm[] = {'H', 'e', 'l', 'l', 'o', ' '};
	static const uint8_t ucs2[] = {0x04, 0x1C, 0x04, 0x38, 0x04,
				       0x40, 0x00, 0x00, 0x00, '!'};
	struct sms_text_part parts[] = {
	    {2, SMS_ALPHA_UCS2, ucs2, sizeof(ucs2)},
	    {1, SMS_ALPHA_GSM7, gsm, sizeof(gsm)},
	};
	struct sms_decoded info;
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(
	    sms_text_join(parts, 2, 2, out, sizeof(out), &n, &info), SMS_OK);
	assert_string_equal(out, "Hello \u041C\u0438\u0440!");
	assert_int_equal(n, strlen(out));
	assert_int_equal(info.nul, 1);
	assert_int_equal(info.missing, 0);
	/* sorted in place */
	assert_int_equal(parts[0].seq, 1);
	assert_int_equal(parts[1].seq, 2);

	/* Latin-1 then GSM: "\u00E9" then "@" */
	{
		static const uint8_t l1[] = {0xE9}, g[] = {0x00};
		struct sms_text_part q[] = {
		    {1, SMS_ALPHA_LATIN1, l1, 1},
		    {2, SMS_ALPHA_GSM7, g, 1},
		};

		assert_int_equal(
		    sms_text_join(q, 2, 2, out, sizeof(out), &n, &info),
		    SMS_OK);
		assert_string_equal(out, "\u00E9@");
	}
}

static void
join_order_and_gaps(void **state)
{
	struct sms_text_part parts[] = {
	    {3, SMS_ALPHA_GSM7, (const uint8_t *)"C", 1},
	    {5, SMS_ALPHA_GSM7, (const uint8_t *)"E", 1},
	    {1, SMS_ALPHA_GSM7, (const uint8_t *)"A", 1},
	    {3, SMS_ALPHA_GSM7, (const uint8_t *)"X", 1}, /* a repeat */
	    {9, SMS_ALPHA_GSM7, (const uint8_t *)"Z", 1}, /* not of 5 */
	    {0, SMS_ALPHA_GSM7, (const uint8_t *)"Y", 1},
	};
	struct sms_decoded info;
	char out[256];
	size_t n;

	(void)state;
	assert_int_equal(
	    sms_text_join(parts, 6, 5, out, sizeof(out), &n, &info), SMS_OK);
	assert_string_equal(out, "A[part 2 of 5 missing]C[part 4 of 5 "
				 "missing]E");
	assert_int_equal(info.missing, 2);

	/* trailing parts missing */
	assert_int_equal(
	    sms_text_join(parts, 1, 7, out, sizeof(out), &n, &info), SMS_OK);
	assert_string_equal(out, "[part 1 of 7 missing][part 2 of 7 missing]"
				 "[part 3 of 7 missing][part 4 of 7 missing]"
				 "[part 5 of 7 missing][part 6 of 7 missing]"
				 "[part 7 of 7 missing]");
	assert_int_equal(info.missing, 7);

	/* out of order, reversed */
	{
		struct sms_text_part q[] = {
		    {3, SMS_ALPHA_LATIN1, (const uint8_t *)"three", 5},
		    {2, SMS_ALPHA_LATIN1, (const uint8_t *)"two ", 4},
		    {1, SMS_ALPHA_LATIN1, (const uint8_t *)"one ", 4},
		};

		assert_int_equal(
		    sms_text_join(q, 3, 3, out, sizeof(out), &n, &info),
		    SMS_OK);
		assert_string_equal(out, "one two three");
	}
}

static void
join_split_characters(void **state)
{
	/* a surrogate pair and a GSM escape split between two parts */
	static const uint8_t u1[] = {0x00, 'a', 0xD8, 0x3D},
			     u2[] = {0xDE, 0x00, 0x00, 'b'};
	static const uint8_t g1[] = {'x', 0x1B}, g2[] = {0x65, 'y'};
	static const uint8_t odd1[] = {0x00, 'a', 0x00}, odd2[] = {'b'};
	struct sms_text_part ucs[] = {{1, SMS_ALPHA_UCS2, u1, 4},
				      {2, SMS_ALPHA_UCS2, u2, 4}};
	struct sms_text_part gsm[] = {{2, SMS_ALPHA_GSM7, g2, 2},
				      {1, SMS_ALPHA_GSM7, g1, 2}};
	struct sms_text_part odd[] = {{1, SMS_ALPHA_UCS2, odd1, 3},
				      {2, SMS_ALPHA_UCS2, odd2, 1}};
	struct sms_text_part gapped[] = {{1, SMS_ALPHA_UCS2, u1, 4},
					 {3, SMS_ALPHA_UCS2, u2, 4}};
	struct sms_text_part mixed[] = {{1, SMS_ALPHA_UCS2, u1, 4},
					{2, SMS_ALPHA_GSM7, g2, 2}};
	struct sms_decoded info;
	char out[128];
	size_t n;

	(void)state;
	assert_int_equal(sms_text_join(ucs, 2, 2, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "a\U0001F600b");
	assert_int_equal(info.bad, 0);
	assert_int_equal(sms_text_join(gsm, 2, 2, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "x\u20ACy");
	assert_int_equal(sms_text_join(odd, 2, 2, out, sizeof(out), &n, &info),
			 SMS_OK);
	assert_string_equal(out, "ab");
	/* not across a missing part, nor into another alphabet */
	assert_int_equal(
	    sms_text_join(gapped, 2, 3, out, sizeof(out), &n, &info), SMS_OK);
	assert_string_equal(out, "a\uFFFD[part 2 of 3 missing]\uFFFDb");
	assert_int_equal(info.bad, 2);
	assert_int_equal(
	    sms_text_join(mixed, 2, 2, out, sizeof(out), &n, &info), SMS_OK);
	assert_string_equal(out, "a\uFFFDey");
	assert_int_equal(info.bad, 1);
}

static void
buffer_sizes(void **state)
{
	static const uint8_t ucs2[] = {0x20, 0xAC, 0x00, 0x00, 0x20, 0xAC};
	struct sms_ud ud = {ucs2, sizeof(ucs2), 8, false, false, 0};
	struct sms_text_part parts[] = {{2, SMS_ALPHA_UCS2, ucs2, 6}};
	struct sms_inpart p;
	char out[64];
	size_t need, n;

	(void)state;
	assert_int_equal(sms_ud_parse(&ud, &p, NULL), SMS_OK);
	assert_int_equal(sms_inpart_decode(&p, NULL, 0, &need, NULL),
			 SMS_ESPACE);
	assert_int_equal(need, 6);
	assert_true(need + 1 <= SMS_INPUT_UTF8_MAX(sizeof(ucs2)));
	assert_int_equal(sms_inpart_decode(&p, out, need, &n, NULL),
			 SMS_ESPACE);
	assert_string_equal(out, "");
	assert_int_equal(sms_inpart_decode(&p, out, need + 1, &n, NULL),
			 SMS_OK);
	assert_string_equal(out, "\u20AC\u20AC");

	assert_int_equal(sms_text_join(parts, 1, 2, NULL, 0, &need, NULL),
			 SMS_ESPACE);
	assert_int_equal(need, strlen("[part 1 of 2 missing]\u20AC\u20AC"));
	assert_int_equal(sms_text_join(parts, 1, 2, out, need, &n, NULL),
			 SMS_ESPACE);
	assert_int_equal(sms_text_join(parts, 1, 2, out, need + 1, &n, NULL),
			 SMS_OK);
	assert_string_equal(out, "[part 1 of 2 missing]\u20AC\u20AC");
}

int
test_sms_inbound(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dcs_alphabets),
	    cmocka_unit_test(each_alphabet),
	    cmocka_unit_test(nul_keeps_the_rest),
	    cmocka_unit_test(headers),
	    cmocka_unit_test(bad_headers),
	    cmocka_unit_test(fill_bits),
	    cmocka_unit_test(join_mixed_alphabets),
	    cmocka_unit_test(join_order_and_gaps),
	    cmocka_unit_test(join_split_characters),
	    cmocka_unit_test(buffer_sizes),
	};

	return cmocka_run_group_tests_name("sms inbound", tests, NULL, NULL);
}
