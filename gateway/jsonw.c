/*
 * NAME
 *	jsonw - JSON written straight into a buffer
 * DESCRIPTION
 *	The send API answers most requests with Message resources. Built
 *	as jansson objects and dumped, each took two dozen allocations
 *	and more time than the rest of the answer; jw_* append them to a
 *	buffer as jansson's compact dump with JSON_ENSURE_ASCII writes
 *	them: no spaces, members in the order written, strings with \",
 *	\\, \b, \f, \n, \r, \t, and \uXXXX for the other controls and for
 *	everything beyond ASCII (a surrogate pair beyond the BMP). A byte
 *	that is not part of UTF-8 is written as \uFFFD (U+FFFD, the
 *	replacement character).
 */
#include <stdio.h>
#include <string.h>

#include "gateway/gateway_int.h"

/* utf8_next - the code point at *p (advanced), or -1: not UTF-8 */
static long
utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	unsigned n, i;
	long cp;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 1;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 2;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 3;
		cp = p[0] & 0x07;
	} else {
		*pp = p + 1;
		return -1;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) { /* also the final NUL */
			*pp = p + i;
			return -1;
		}
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*pp = p + n + 1;
	/* overlong, a surrogate, beyond Unicode */
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	return cp;
}

/* string - s as a JSON string, ASCII only */
static void
string(struct ut_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char seq[16];

	ut_buf_add(b, "\"", 1);
	while (*p) {
		const unsigned char *run = p;
		long cp;

		while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			ut_buf_add(b, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		cp = utf8_next(&p);
		switch (cp) {
		case '"': ut_buf_add(b, "\\\"", 2); continue;
		case '\\': ut_buf_add(b, "\\\\", 2); continue;
		case '\b': ut_buf_add(b, "\\b", 2); continue;
		case '\f': ut_buf_add(b, "\\f", 2); continue;
		case '\n': ut_buf_add(b, "\\n", 2); continue;
		case '\r': ut_buf_add(b, "\\r", 2); continue;
		case '\t': ut_buf_add(b, "\\t", 2); continue;
		case -1: cp = 0xfffd; break;
		default: break;
		}
		if (cp < 0x10000)
			snprintf(seq, sizeof(seq), "\\u%04X", (unsigned)cp);
		else {
			cp -= 0x10000;
			snprintf(seq, sizeof(seq), "\\u%04X\\u%04X",
				 (unsigned)(0xd800 | (cp >> 10 & 0x3ff)),
				 (unsigned)(0xdc00 | (cp & 0x3ff)));
		}
		ut_buf_add(b, seq, strlen(seq));
	}
	ut_buf_add(b, "\"", 1);
}

/* member - the comma before a value, and its key in an object */
static void
member(struct jw *w, const char *key)
{
	if (w->more[w->depth])
		ut_buf_add(&w->b, ",", 1);
	w->more[w->depth] = true;
	if (key) {
		string(&w->b, key);
		ut_buf_add(&w->b, ":", 1);
	}
}

/* jw_open - an object ('{') or an array ('['), as key's value */
void
jw_open(struct jw *w, const char *key, char bracket)
{
	member(w, key);
	ut_buf_add(&w->b, &bracket, 1);
	if (w->depth + 1 < JW_DEPTH)
		w->more[++w->depth] = false;
	else
		w->b.failed = 1; /* nested deeper than any answer is */
}

/* jw_close - the end of what jw_open began ('}' or ']') */
void
jw_close(struct jw *w, char bracket)
{
	ut_buf_add(&w->b, &bracket, 1);
	if (w->depth > 0)
		w->depth--;
}

/* jw_str - key's value a string, null for NULL */
void
jw_str(struct jw *w, const char *key, const char *s)
{
	member(w, key);
	if (s)
		string(&w->b, s);
	else
		ut_buf_add(&w->b, "null", 4);
}

/* jw_int - key's value a whole number */
void
jw_int(struct jw *w, const char *key, long long v)
{
	char num[24];

	member(w, key);
	snprintf(num, sizeof(num), "%lld", v);
	ut_buf_add(&w->b, num, strlen(num));
}

/* jw_null - key's value null */
void
jw_null(struct jw *w, const char *key)
{
	member(w, key);
	ut_buf_add(&w->b, "null", 4);
}

/* jw_true - key's value true */
void
jw_true(struct jw *w, const char *key)
{
	member(w, key);
	ut_buf_add(&w->b, "true", 4);
}

/* jw_end - the text and a newline, malloc'd (NULL: memory ran out) */
char *
jw_end(struct jw *w, size_t *len_r)
{
	ut_buf_add(&w->b, "\n", 1);
	if (w->b.failed) {
		ut_buf_clear(&w->b);
		*len_r = 0;
		return NULL;
	}
	*len_r = w->b.len;
	return ut_buf_steal(&w->b);
}
