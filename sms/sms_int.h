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
int32_t utf8_next(const unsigned char *s, size_t len, size_t *pos);

/* utf8_put - write cp as UTF-8 to out (room for 4); returns bytes */
size_t utf8_put(uint32_t cp, char *out);

/* utf8_len - bytes cp takes in UTF-8 */
size_t utf8_len(uint32_t cp);

/*
 * gsm_code - GSM code of cp: 0x00-0x7F basic, 0x100|code for the
 * extension table (preceded by ESC on the wire), -1 when not GSM
 */
int gsm_code(uint32_t cp);

/* gsm_put - write a gsm_code() result as septets; returns 1 or 2 */
size_t gsm_put(int code, uint8_t *out);

/* utf16_put - write cp as UTF-16BE (room for 4); returns octets */
size_t utf16_put(uint32_t cp, uint8_t *out);

/*
 * smart_map - the GSM replacement for a non-GSM code point
 *
 * Returns the number of replacement characters (0-3) and writes them to
 * out, or -1 when there is no replacement.
 */
int smart_map(uint32_t cp, uint32_t out[3]);

/* sms_fail - fill err (may be NULL) and return status */
int sms_fail(struct sms_error *err, enum sms_status status, size_t offset,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif /* SMS_SMS_INT_H */
