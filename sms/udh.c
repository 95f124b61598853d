/*
 * NAME
 *	udh - user data header
 * DESCRIPTION
 *	Builds and parses the user data header of 3GPP TS 23.040 9.2.3.24
 *	with the concatenated short message element (IEI 0x00, 8-bit
 *	reference; IEI 0x08, 16-bit reference) and reads application port
 *	addressing (IEI 0x04, 8-bit; IEI 0x05, 16-bit). Putting the parts
 *	back together is inbound.c's.
 */
#include <string.h>

#include "sms/sms_int.h"

#define IEI_CONCAT8  0x00
#define IEI_CONCAT16 0x08
#define IEI_PORT8    0x04
#define IEI_PORT16   0x05

/* sms_udh_build - write a UDH holding one concatenation element */
size_t
sms_udh_build(const struct sms_concat *c, uint8_t *out, size_t outsz)
{
	size_t n = c->ref16 ? 7 : 6;

	if (outsz < n || c->total < 1 || c->total > SMS_MAX_PARTS ||
	    c->seq < 1 || c->seq > c->total ||
	    c->ref > (c->ref16 ? 0xFFFFu : 0xFFu))
		return 0;
	out[0] = (uint8_t)(n - 1); /* UDHL */
	if (c->ref16) {
		out[1] = IEI_CONCAT16;
		out[2] = 4;
		out[3] = (uint8_t)(c->ref >> 8);
		out[4] = (uint8_t)c->ref;
	} else {
		out[1] = IEI_CONCAT8;
		out[2] = 3;
		out[3] = (uint8_t)c->ref;
	}
	out[n - 2] = (uint8_t)c->total;
	out[n - 1] = (uint8_t)c->seq;
	return n;
}

/* sms_udh_parse - parse the UDH at the start of user data */
int
sms_udh_parse(const uint8_t *ud, size_t len, struct sms_udh *udh_r,
	      struct sms_error *err)
{
	size_t udhl, i;

	memset(udh_r, 0, sizeof(*udh_r));
	if (len < 1)
		return sms_fail(err, SMS_EINVAL, 0, "user data header missing");
	udhl = ud[0];
	if (udhl + 1 > len)
		return sms_fail(err, SMS_EINVAL, 0,
				"user data header length %zu exceeds the %zu "
				"octets of user data",
				udhl, len - 1);
	for (i = 1; i < udhl + 1;) {
		unsigned iei, iel;
		const uint8_t *v;

		if (i + 2 > udhl + 1)
			return sms_fail(err, SMS_EINVAL, i,
					"truncated information element at "
					"octet %zu",
					i);
		iei = ud[i];
		iel = ud[i + 1];
		v = ud + i + 2;
		if (i + 2 + iel > udhl + 1)
			return sms_fail(err, SMS_EINVAL, i,
					"information element 0x%02X at octet "
					"%zu overruns the header",
					iei, i);
		if (iei == IEI_CONCAT8 || iei == IEI_CONCAT16) {
			struct sms_concat c;
			unsigned want = iei == IEI_CONCAT8 ? 3 : 4;

			if (iel != want)
				return sms_fail(err, SMS_EINVAL, i,
						"concatenation element 0x%02X "
						"has length %u, not %u",
						iei, iel, want);
			c.ref16 = iei == IEI_CONCAT16;
			c.ref = c.ref16 ? (unsigned)v[0] << 8 | v[1] : v[0];
			c.total = v[want - 2];
			c.seq = v[want - 1];
			if (c.total == 0 || c.seq == 0 || c.seq > c.total)
				return sms_fail(err, SMS_EINVAL, i,
						"concatenation element says "
						"part %u of %u",
						c.seq, c.total);
			/* a repeated element: the last one counts */
			udh_r->concat = c;
			udh_r->concat_ok = true;
		} else if (iei == IEI_PORT8 || iei == IEI_PORT16) {
			unsigned want = iei == IEI_PORT8 ? 2 : 4;

			if (iel != want)
				return sms_fail(err, SMS_EINVAL, i,
						"port element 0x%02X has "
						"length %u, not %u",
						iei, iel, want);
			if (iei == IEI_PORT8) {
				udh_r->dst_port = v[0];
				udh_r->src_port = v[1];
			} else {
				udh_r->dst_port = (unsigned)v[0] << 8 | v[1];
				udh_r->src_port = (unsigned)v[2] << 8 | v[3];
			}
			udh_r->port_ok = true;
		}
		i += 2 + iel;
	}
	udh_r->len = udhl + 1;
	return SMS_OK;
}

/* sms_udh_fill_bits - fill bits after a UDH of udh_len octets */
unsigned
sms_udh_fill_bits(size_t udh_len)
{
	return (unsigned)((7 - (udh_len * 8) % 7) % 7);
}
