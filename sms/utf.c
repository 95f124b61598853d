/*
 * NAME
 *	utf - UTF-8 and UTF-16BE conversion, error filling
 * DESCRIPTION
 *	A strict UTF-8 decoder (RFC 3629: no overlongs, no surrogates,
 *	nothing over U+10FFFF) that reports the maximal invalid prefix as
 *	the Unicode standard recommends, and UTF-16BE in both directions.
 */
#include <stdio.h>

#include "sms/sms_int.h"

/* utf8_len - bytes cp takes in UTF-8 */
size_t
utf8_len(uint32_t cp)
{
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* utf8_put - write cp as UTF-8; returns bytes written */
size_t
utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* utf16_put - write cp as UTF-16BE (room for 4); returns octets */
size_t
utf16_put(uint32_t cp, uint8_t *out)
{
	if (cp > 0xFFFF) {
		uint32_t v = cp - 0x10000;
		unsigned hs = 0xD800 | (v >> 10), ls = 0xDC00 | (v & 0x3FF);

		out[0] = (uint8_t)(hs >> 8);
		out[1] = (uint8_t)hs;
		out[2] = (uint8_t)(ls >> 8);
		out[3] = (uint8_t)ls;
		return 4;
	}
	out[0] = (uint8_t)(cp >> 8);
	out[1] = (uint8_t)cp;
	return 2;
}

/* text_encode - UTF-8 to unpacked GSM septets or UTF-16BE */
int
text_encode(const char *utf8, size_t len, enum sms_encoding enc, uint8_t *out,
	    size_t outsz, size_t *len_r, struct sms_error *err)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t pos = 0, n = 0;

	while (pos < len) {
		size_t at = pos, need;
		int32_t cp = utf8_next(s, len, &pos);
		int code = 0;

		if (cp < 0)
			return sms_fail(err, SMS_EUTF8, at,
					"invalid UTF-8 at byte %zu", at);
		if (enc == SMS_GSM7) {
			code = gsm_code((uint32_t)cp);
			if (code < 0)
				return sms_fail(err, SMS_EINVAL, at,
						"U+%04X at byte %zu is not in "
						"the GSM alphabet",
						(unsigned)cp, at);
			need = code & 0x100 ? 2 : 1;
		} else {
			need = cp > 0xFFFF ? 4 : 2;
		}
		if (n + need > outsz)
			return sms_fail(err, SMS_ESPACE, at,
					"output buffer too small");
		if (enc == SMS_GSM7)
			n += gsm_put(code, out + n);
		else
			n += utf16_put((uint32_t)cp, out + n);
	}
	*len_r = n;
	return SMS_OK;
}

/* sms_ucs2_encode - UTF-8 to UTF-16BE */
int
sms_ucs2_encode(const char *utf8, size_t len, uint8_t *out, size_t outsz,
		size_t *len_r, struct sms_error *err)
{
	return text_encode(utf8, len, SMS_UCS2, out, outsz, len_r, err);
}

/* sms_ucs2_decode - UTF-16BE to NUL-terminated UTF-8 */
int
sms_ucs2_decode(const uint8_t *in, size_t len, char *out, size_t outsz,
		size_t *len_r, unsigned *bad_r)
{
	struct text_dec d;
	int rc;

	dec_init(&d, out, outsz, true);
	dec_feed(&d, SMS_ALPHA_UCS2, in, len);
	rc = dec_end(&d, len_r);
	if (bad_r)
		*bad_r = d.info.bad;
	return rc;
}

/* sms_fail - fill err (may be NULL) and return status */
int
sms_fail(struct sms_error *err, enum sms_status status, size_t offset,
	 const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->status = status;
		err->offset = offset;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return status;
}
