/*
 * NAME
 *	inbound - data coding and user data of texts from phones
 * DESCRIPTION
 *	What a data_coding octet says (SMPP 3.4 5.2.19 for 0-15, the
 *	coding groups of 3GPP TS 23.038 4 above), and user data taken
 *	apart: the header (udh.c), and the text after it, octets or
 *	septets packed after the header's fill bits. decode.c makes the
 *	text UTF-8.
 */
#include <string.h>

#include "sms/sms_int.h"

#define TPDU_UD_MAX 140 /* octets of TP-User-Data */

/* general - an alphabet of the general data coding groups (bits 3-2) */
static enum sms_alphabet
general(uint8_t dc)
{
	switch ((dc >> 2) & 3) {
	case 1: return SMS_ALPHA_8BIT;
	case 2: return SMS_ALPHA_UCS2;
	default: return SMS_ALPHA_GSM7; /* 0, and 3: reserved */
	}
}

/* sms_dcs_parse - the alphabet and message class of a data_coding */
void
sms_dcs_parse(uint8_t dc, struct sms_dcs *dcs_r)
{
	memset(dcs_r, 0, sizeof(*dcs_r));
	dcs_r->msg_class = -1;
	if (dc < 0x10) { /* SMPP's own values */
		switch (dc) {
		case 0: dcs_r->alphabet = SMS_ALPHA_GSM7; break;
		case 1: /* IA5: ASCII, a part of Latin-1 */
		case 3: dcs_r->alphabet = SMS_ALPHA_LATIN1; break;
		case 8: dcs_r->alphabet = SMS_ALPHA_UCS2; break;
		case 11: /* reserved */
		case 12:
		case 15: dcs_r->alphabet = SMS_ALPHA_GSM7; break;
		default: /* octets: binary, JIS, Cyrillic, Hebrew, ... */
			dcs_r->alphabet = SMS_ALPHA_8BIT;
			break;
		}
		return;
	}
	switch (dc >> 4) {
	case 0x1: /* general data coding (0x0: SMPP's, above) */
	case 0x2:
	case 0x3:
	case 0x4: /* automatic deletion: the same bits */
	case 0x5:
	case 0x6:
	case 0x7:
		dcs_r->alphabet = general(dc);
		if (dc & 0x10)
			dcs_r->msg_class = dc & 3;
		if (dc & 0x20) {
			dcs_r->compressed = true;
			dcs_r->alphabet = SMS_ALPHA_8BIT;
		}
		break;
	case 0xE: /* message waiting, store, UCS-2 */
		dcs_r->alphabet = SMS_ALPHA_UCS2;
		break;
	case 0xF: /* data coding / message class */
		dcs_r->alphabet = (dc & 0x04) ? SMS_ALPHA_8BIT : SMS_ALPHA_GSM7;
		dcs_r->msg_class = dc & 3;
		break;
	default: /* 8-B reserved, C-D message waiting: GSM */
		dcs_r->alphabet = SMS_ALPHA_GSM7;
		break;
	}
}

/* septets - where packed septets of ud start and how many there are */
static int
septets(const struct sms_ud *ud, size_t hdr, struct sms_inpart *p,
	struct sms_error *err)
{
	size_t bits = ud->len * 8, start, n;

	p->packed = true;
	p->fill_bits = hdr ? sms_udh_fill_bits(hdr) : 0;
	start = hdr * 8 + p->fill_bits; /* a whole number of septets */
	if (ud->len > TPDU_UD_MAX || start > bits)
		goto bad;
	if (ud->udl) {
		if (ud->udl < start / 7 || (size_t)ud->udl * 7 > bits)
			goto bad;
		n = ud->udl - start / 7;
	} else {
		n = (bits - start) / 7;
		/* a CR in seven spare bits pads (TS 23.038 6.1.2.3.1) */
		if (n > 0 && start + n * 7 == bits &&
		    ud->data[ud->len - 1] >> 1 == '\r')
			n--; /* the last septet: the octet's top 7 bits */
	}
	p->septets = n;
	return SMS_OK;
bad:
	p->len = 0;
	p->fill_bits = 0;
	p->septets = 0;
	return sms_fail(err, SMS_EINVAL, hdr,
			"%zu octets of packed user data do not hold %u "
			"septets after a %zu-octet header",
			ud->len, ud->udl, hdr);
}

/* sms_ud_parse - data coding, header and text of one part */
int
sms_ud_parse(const struct sms_ud *ud, struct sms_inpart *p_r,
	     struct sms_error *err)
{
	struct sms_error herr;
	size_t hdr = 0;
	int rc = SMS_OK;

	memset(p_r, 0, sizeof(*p_r));
	sms_dcs_parse(ud->dc, &p_r->dcs);
	if (ud->udhi) {
		rc = sms_udh_parse(ud->data, ud->len, &p_r->udh, &herr);
		if (rc == SMS_OK) {
			hdr = p_r->udh.len;
		} else {
			memset(&p_r->udh, 0, sizeof(p_r->udh));
			if (err)
				*err = herr;
			/* skip the header as its length octet says */
			if (ud->len > 0 && (size_t)ud->data[0] + 1 <= ud->len)
				hdr = (size_t)ud->data[0] + 1;
		}
	}
	p_r->body = ud->len ? ud->data + hdr : ud->data;
	p_r->len = ud->len - hdr;
	if (ud->packed && p_r->dcs.alphabet == SMS_ALPHA_GSM7) {
		int prc = septets(ud, hdr, p_r, err);

		if (rc == SMS_OK)
			rc = prc;
	}
	return rc;
}
