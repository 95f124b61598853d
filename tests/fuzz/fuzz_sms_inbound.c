/*
 * NAME
 *	fuzz_sms_inbound - libFuzzer target: inbound user data and sets
 * DESCRIPTION
 *	The first input byte is a data_coding, the second flags (0x01
 *	UDHI, 0x02 packed, 0x04 a TP-UDL in the third byte); the rest is
 *	user data. It is parsed (sms_ud_parse) and decoded
 *	(sms_inpart_decode), first asking the length, then into a buffer
 *	of exactly that size and one octet short. Then the data is cut
 *	into up to eight parts of a set, each with an alphabet and a seq
 *	taken from its first octet, and joined (sms_text_join).
 *
 *	Checks that the length asked is the length written, within
 *	SMS_INPUT_UTF8_MAX of the input, that the text is valid UTF-8
 *	without a NUL, that a header parsed whole lies inside the data,
 *	and that a join counts its missing parts right.
 */
#include <string.h>

#include "sms/sms.h"
#include "tests/fuzz/fuzz.h"

#define MAX_PARTS 8

/* valid_text - len octets of UTF-8 with no NUL and a NUL after them */
static void
valid_text(const char *s, size_t len)
{
	struct sms_plan *p;
	struct sms_opts o;

	CHECK(s[len] == '\0');
	CHECK(strlen(s) == len);
	sms_opts_init(&o);
	o.smart = false;
	p = sms_plan_new(s, len, &o, NULL); /* strict: invalid UTF-8 fails */
	CHECK(p != NULL);
	sms_plan_free(&p);
}

/* one_part - parse and decode the input as one part */
static void
one_part(const uint8_t *d, size_t n)
{
	static char out[SMS_INPUT_UTF8_MAX(65536)];
	struct sms_ud ud = {0};
	struct sms_inpart p;
	struct sms_decoded info;
	size_t need, len, hdr = 0;
	int rc;

	if (n < 3)
		return;
	ud.dc = d[0];
	ud.udhi = d[1] & 0x01;
	ud.packed = d[1] & 0x02;
	ud.udl = (d[1] & 0x04) ? d[2] : 0;
	ud.data = d + 3;
	ud.len = n - 3;
	rc = sms_ud_parse(&ud, &p, NULL);
	CHECK(rc == SMS_OK || rc == SMS_EINVAL);
	if (rc == SMS_OK && ud.udhi) {
		hdr = p.udh.len;
		CHECK(hdr >= 1 && hdr <= ud.len);
		CHECK(p.body == ud.data + hdr);
		if (p.udh.concat_ok)
			CHECK(p.udh.concat.seq >= 1 &&
			      p.udh.concat.seq <= p.udh.concat.total);
	}
	CHECK(p.len <= ud.len);
	if (p.packed)
		CHECK(p.septets <= SMS_SINGLE_SEPTETS &&
		      p.fill_bits + 7 * p.septets <= p.len * 8);
	CHECK(sms_inpart_decode(&p, NULL, 0, &need, NULL) == SMS_ESPACE);
	CHECK(need + 1 <= SMS_INPUT_UTF8_MAX(ud.len));
	CHECK(sms_inpart_decode(&p, out, need + 1, &len, &info) == SMS_OK);
	CHECK(len == need);
	valid_text(out, len);
	if (need > 0)
		CHECK(sms_inpart_decode(&p, out, need, &len, NULL) ==
		      SMS_ESPACE);
}

/* a_set - cut the input into parts of a set and join them */
static void
a_set(const uint8_t *d, size_t n)
{
	static char out[SMS_INPUT_UTF8_MAX(65536) + MAX_PARTS * 64];
	struct sms_text_part parts[MAX_PARTS];
	struct sms_decoded info;
	size_t k = 0, i, need, len, step;
	unsigned total, seen = 0;

	if (n < 2)
		return;
	total = d[0] % (MAX_PARTS + 2); /* 0 and total+1 are out of range */
	d++;
	n--;
	step = n / MAX_PARTS + 1;
	for (i = 0; i < n && k < MAX_PARTS; i += step, k++) {
		size_t m = n - i < step ? n - i : step;

		parts[k].seq = d[i] >> 4;
		parts[k].alphabet = (enum sms_alphabet)(d[i] & 3);
		parts[k].body = d + i + 1;
		parts[k].len = m - 1;
	}
	CHECK(sms_text_join(parts, k, total, NULL, 0, &need, NULL) ==
	      SMS_ESPACE);
	CHECK(sms_text_join(parts, k, total, out, sizeof(out), &len, &info) ==
	      SMS_OK);
	CHECK(len == need);
	valid_text(out, len);
	for (i = 0; i < k; i++) {
		CHECK(i == 0 || parts[i - 1].seq <= parts[i].seq);
		if (parts[i].seq >= 1 && parts[i].seq <= total)
			seen |= 1u << parts[i].seq;
	}
	for (i = 1; i <= total; i++)
		if (!(seen & 1u << i))
			info.missing--;
	CHECK(info.missing == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	one_part(data, size);
	a_set(data, size);
	return 0;
}
