/*
 * NAME
 *	mailparse_int - helpers shared inside mailparse/
 */
#ifndef MAILPARSE_MAILPARSE_INT_H
#define MAILPARSE_MAILPARSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "mailparse/mailparse.h"

/*
 * mp_tidy - CRLF to LF, trailing white space off every line, runs of
 * blank lines made one, blank lines at both ends gone; takes s (malloc'd)
 * and returns it, or NULL when s is NULL
 */
char *mp_tidy(char *s);

/* mp_fail - fill err (may be NULL) with status and a sentence; returns status
 */
int mp_fail(struct mp_error *err, enum mp_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* mp_u8_len - bytes of the UTF-8 sequence that lead byte c starts */
static inline size_t
mp_u8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
}

/* mp_valid_utf8 - n bytes are valid UTF-8 */
bool mp_valid_utf8(const char *s, size_t n);

/*
 * mp_to_utf8_take - mp_to_utf8() of bytes, a malloc'd buffer of len
 * bytes with room for a NUL after them, which it takes (frees, or
 * returns converted in place). Returns a malloc'd string, or NULL.
 */
char *mp_to_utf8_take(char *bytes, size_t len, const char *charset);

/*
 * mp_unflow - undo RFC 3676 format=flowed: lines ending in a space
 * join the next (delsp: dropping that space); space-stuffing removed;
 * quoted lines join only lines of the same depth. Returns malloc'd.
 */
char *mp_unflow(const char *s, bool delsp);

#endif /* MAILPARSE_MAILPARSE_INT_H */
