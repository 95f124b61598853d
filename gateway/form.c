/*
 * NAME
 *	form - the application/x-www-form-urlencoded codec of the webhooks
 * DESCRIPTION
 *	Providers and Kannel call the webhooks with their fields in a
 *	query string or a form body. A value is percent- and
 *	plus-decoded and may hold any byte, NULs too (Kannel's %b): its
 *	length is kept beside it, and form_utf8_ok() tells whether it
 *	is text as it stands. At most FIELDS_MAX fields are taken.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"

/* unhex - the value of a hex digit, or -1 */
static int
unhex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* webhook_form_decode - percent- and plus-decode [s, s+n) into out */
size_t
webhook_form_decode(const char *s, size_t n, char *out)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '+')
			out[len++] = ' ';
		else if (s[i] == '%' && i + 2 < n &&
			 (hi = unhex((unsigned char)s[i + 1])) >= 0 &&
			 (lo = unhex((unsigned char)s[i + 2])) >= 0) {
			out[len++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[len++] = s[i];
	}
	out[len] = '\0';
	return len;
}

/*
 * form_parse - add the fields of s (len bytes) to f; false when there
 * are more than FIELDS_MAX in all or memory ran out
 */
bool
form_parse(struct form *f, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t end = i, eq;
		char *p;

		while (end < len && s[end] != '&')
			end++;
		if (end == i) {
			i++;
			continue;
		}
		if (f->n == FIELDS_MAX)
			return false;
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		if (!(p = malloc(end - i + 2)))
			return false;
		f->name[f->n] = p;
		webhook_form_decode(s + i, eq - i, p);
		f->value[f->n] = p + (eq - i) + 1;
		f->vlen[f->n] =
		    eq < end ? webhook_form_decode(s + eq + 1, end - eq - 1,
						   f->value[f->n])
			     : 0;
		if (eq >= end)
			f->value[f->n][0] = '\0';
		f->n++;
		i = end + 1;
	}
	return true;
}

/* form_clear - free the fields of f; f is empty again */
void
form_clear(struct form *f)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		free(f->name[i]);
	f->n = 0;
}

/* form_get - the first value of name, or NULL; its length in *len_r */
const char *
form_get(const struct form *f, const char *name, size_t *len_r)
{
	unsigned i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->name[i], name)) {
			if (len_r)
				*len_r = f->vlen[i];
			return f->value[i];
		}
	return NULL;
}

/* form_utf8_ok - s (n bytes) is valid UTF-8 without NULs */
bool
form_utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, cp, k;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07;
		else
			return false;
		if (i + need >= n)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((need == 2 &&
		     (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return false;
		i += need + 1;
	}
	return true;
}
