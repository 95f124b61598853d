/*
 * NAME
 *	fuzz_sms_codec - libFuzzer target: UTF-8 -> plan -> encode -> decode
 * DESCRIPTION
 *	The first input byte picks options; the rest is the text. Checks
 *	that every plan is consistent (segment lengths add up, each within
 *	its limit) and that each segment's encoding decodes back to its
 *	text, both unpacked and packed after a UDH, and that a text sent
 *	as it is was normalised (NFC) exactly as utf8proc does. Also
 *	feeds the raw input to the UDH parser and both decoders.
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "sms/sms.h"
#include "tests/fuzz/fuzz.h"

/* raw_decoders - the inbound decoders must take any bytes */
static void
raw_decoders(const uint8_t *d, size_t n)
{
	static char out[4 * 4096 + 8];
	uint8_t sept[4096];
	struct sms_udh udh;
	size_t len;

	if (n > 4096)
		return;
	CHECK(sms_ucs2_decode(d, n, out, sizeof(out), &len, NULL) == SMS_OK);
	CHECK(sms_gsm_decode(d, n, out, sizeof(out), &len) == SMS_OK);
	(void)sms_udh_parse(d, n, &udh, NULL);
	if (n > 0 &&
	    sms_gsm_unpack(d, n, 0, n * 8 / 7, sept, sizeof(sept)) == SMS_OK)
		CHECK(sms_gsm_decode(sept, n * 8 / 7, out, sizeof(out), &len) ==
		      SMS_OK);
}

/* check_part - encode one part and decode it back to its text */
static void
check_part(const struct sms_plan *p, unsigned i)
{
	static uint8_t wire[1024], packed[1024], back[1024];
	static char text[4096];
	const struct sms_part *pt = &p->parts[i];
	struct sms_concat c = {7, p->nparts, i + 1, false};
	uint8_t udh[8];
	size_t n, m, pm, udhl;
	unsigned fill;

	CHECK(sms_plan_encode_part(p, i, wire, sizeof(wire), &n) == SMS_OK);
	if (p->encoding == SMS_GSM7) {
		CHECK(n == pt->length);
		CHECK(sms_gsm_decode(wire, n, text, sizeof(text), &m) ==
		      SMS_OK);
		/* a plan may have more parts than a UDH can number */
		udhl = sms_udh_build(&c, udh, sizeof(udh));
		CHECK(udhl == (p->nparts <= SMS_MAX_PARTS ? 6u : 0u));
		fill = sms_udh_fill_bits(6);
		pm = sms_gsm_pack(wire, n, fill, packed, sizeof(packed));
		CHECK(n == 0 || pm > 0);
		CHECK(sms_gsm_unpack(packed, pm, fill, n, back, sizeof(back)) ==
		      SMS_OK);
		CHECK(memcmp(back, wire, n) == 0);
	} else {
		CHECK(n == 2 * pt->length);
		CHECK(sms_ucs2_decode(wire, n, text, sizeof(text), &m, NULL) ==
		      SMS_OK);
	}
	CHECK(m == pt->len && memcmp(text, p->text + pt->off, m) == 0);
}

/*
 * check_nfc - a text sent as it is was normalised exactly as utf8proc
 * does it: the planner's quick checks missed nothing
 */
static void
check_nfc(const uint8_t *in, size_t n, const struct sms_plan *p)
{
	utf8proc_uint8_t *want = NULL;
	utf8proc_ssize_t m = utf8proc_map(in, (utf8proc_ssize_t)n, &want,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE);

	CHECK(m >= 0);
	CHECK((size_t)m == p->text_len &&
	      memcmp(want, p->text, p->text_len) == 0);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sms_opts o;
	struct sms_error err;
	struct sms_plan *p, *t;
	unsigned i, sum = 0, per, single;

	if (size < 1)
		return 0;
	raw_decoders(data + 1, size - 1);
	sms_opts_init(&o);
	o.smart = data[0] & 1;
	o.replace_invalid = data[0] & 2;
	o.ref16 = data[0] & 4;
	p = sms_plan_new((const char *)data + 1, size - 1, &o, &err);
	if (!p) {
		CHECK(err.status == SMS_EUTF8 && !o.replace_invalid);
		CHECK(err.offset < size - 1);
		return 0;
	}
	single = p->encoding == SMS_GSM7 ? 160 : 70;
	per = p->encoding == SMS_GSM7 ? (o.ref16 ? 152 : 153)
				      : (o.ref16 ? 66 : 67);
	for (i = 0; i < p->nparts; i++) {
		CHECK(p->parts[i].length <= (p->nparts == 1 ? single : per));
		sum += p->parts[i].length;
		check_part(p, i);
	}
	CHECK(sum == p->length);
	CHECK(strlen(p->text) <= p->text_len);
	if (p->invalid == 0 &&
	    (p->encoding == SMS_UCS2 || p->smart_replaced == 0))
		check_nfc(data + 1, size - 1, p);
	t = sms_plan_truncate((const char *)data + 1, size - 1, &o, 2, "...",
			      &err);
	CHECK(t != NULL);
	CHECK(t->nparts <= 2);
	sms_plan_free(&t);
	sms_plan_free(&p);
	return 0;
}
