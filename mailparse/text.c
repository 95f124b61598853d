/*
 * NAME
 *	text - charsets, flowed text, tidying, and the new words of a reply
 * DESCRIPTION
 *	mp_visible_text() walks the lines of a reply and ends the visible
 *	text at the first line that starts what is not new: a quoted line,
 *	a quote header ("On ... wrote:" in English, German, French,
 *	Spanish, Portuguese, Italian, Dutch, the Nordic languages, Polish,
 *	Russian and Japanese), an original-message separator, an Outlook
 *	header block (From:/Sent:/To:), a signature delimiter or a mobile
 *	footer. A reply written below the quote (bottom-posting) keeps its
 *	words: then only the quoted lines and their header are removed.
 */
#include <ctype.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/mailparse_int.h"
#include "util/util.h"

/* Windows-1252 0x80-0x9F; the rest is Latin-1. */
static const unsigned short cp1252[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

/* mp_valid_utf8 - n bytes are valid UTF-8 */
bool
mp_valid_utf8(const char *s, size_t n)
{
	return g_utf8_validate(s, (gssize)n, NULL);
}

/* windows_1252 - decode bytes as Windows-1252 */
static char *
windows_1252(const char *s, size_t n)
{
	struct ut_buf b = {0};
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned cp = c >= 0x80 && c < 0xA0 ? cp1252[c - 0x80] : c;
		char u[4];
		int k = g_unichar_to_utf8(cp, u);

		if (c == 0)
			continue; /* NUL never reaches a text */
		ut_buf_add(&b, u, (size_t)k);
	}
	if (b.failed) {
		ut_buf_clear(&b);
		return NULL;
	}
	return ut_buf_steal(&b);
}

/* is_utf8_name - charset names that mean UTF-8 or its ASCII subset */
static bool
is_utf8_name(const char *cs)
{
	return !cs || !*cs || !strcasecmp(cs, "utf-8") ||
	       !strcasecmp(cs, "utf8") || !strcasecmp(cs, "us-ascii") ||
	       !strcasecmp(cs, "ascii");
}

/* strip_nul - drop NUL bytes from a NUL-terminated result of length n */
static char *
strip_nul(char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (s[i])
			s[w++] = s[i];
	s[w] = '\0';
	return s;
}

/* eight_bit - some byte has its high bit set */
static bool
eight_bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] & 0x80)
			return true;
	return false;
}

/*
 * c1_controls - UTF-8 for U+0080-U+009F, which real text never holds:
 * bytes read wrongly once already; the declared charset decides then
 */
static bool
c1_controls(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if ((unsigned char)s[i] == 0xC2 &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9F)
			return true;
	return false;
}

/* copy_utf8 - valid UTF-8 as a new string without NUL bytes */
static char *
copy_utf8(const char *bytes, size_t len)
{
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	memcpy(out, bytes, len);
	out[len] = '\0';
	return strip_nul(out, len);
}

/*
 * mp_to_utf8 - bytes in a charset as UTF-8, with fallbacks: a BOM means
 * UTF-8; 8-bit text that is valid UTF-8 is UTF-8 whatever its label
 * says (mislabelled mail is common), unless it holds C1 controls;
 * otherwise the declared charset, and when that is unknown or does not
 * fit, Windows-1252
 */
char *
mp_to_utf8(const char *bytes, size_t len, const char *charset)
{
	if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0) {
		bytes += 3; /* a BOM says UTF-8, if what follows agrees */
		len -= 3;
		charset = "utf-8";
	}
	if (eight_bit(bytes, len) && mp_valid_utf8(bytes, len) &&
	    (is_utf8_name(charset) || !c1_controls(bytes, len)))
		return copy_utf8(bytes, len);
	if (!is_utf8_name(charset)) {
		const char *name = g_mime_charset_iconv_name(charset);
		gsize written = 0;
		char *g = g_convert(bytes, (gssize)len, "UTF-8", name, NULL,
				    &written, NULL);

		if (g) {
			char *out = copy_utf8(g, written);

			g_free(g);
			return out;
		}
	}
	if (mp_valid_utf8(bytes, len))
		return copy_utf8(bytes, len);
	return windows_1252(bytes, len);
}

/*
 * mp_to_utf8_take - mp_to_utf8 of a malloc'd buffer (len bytes and room
 * for a NUL), which it takes: text that is UTF-8 already stays where it
 * is, so that a large part costs no second copy
 */
char *
mp_to_utf8_take(char *bytes, size_t len, const char *charset)
{
	size_t skip = len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	const char *b = bytes + skip;
	size_t n = len - skip;
	char *out;

	/* what mp_to_utf8 copies as it is, and only that */
	if (mp_valid_utf8(b, n) && (skip || is_utf8_name(charset) ||
				    (eight_bit(b, n) && !c1_controls(b, n)))) {
		memmove(bytes, b, n);
		bytes[n] = '\0';
		return strip_nul(bytes, n);
	}
	out = mp_to_utf8(bytes, len, charset);
	free(bytes);
	return out;
}

/* mp_fail - fill err (may be NULL); returns status */
int
mp_fail(struct mp_error *err, enum mp_status status, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->status = status;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return status;
}

/* mp_tidy - normalise line ends, trailing and blank-line white space */
char *
mp_tidy(char *s)
{
	size_t r = 0, w = 0, line = 0, blanks = 0;

	if (!s)
		return NULL;
	while (s[r]) {
		if (s[r] == '\r' && s[r + 1] == '\n') {
			r++;
			continue;
		}
		if (s[r] == '\r' || s[r] == '\n') {
			while (w > line &&
			       (s[w - 1] == ' ' || s[w - 1] == '\t'))
				w--;
			if (w == line) { /* blank line */
				if (++blanks > 1 || w == 0) {
					r++;
					continue;
				}
			} else {
				blanks = 0;
			}
			s[w++] = '\n';
			line = w;
			r++;
			continue;
		}
		s[w++] = s[r++];
	}
	while (w > 0 && isspace((unsigned char)s[w - 1]))
		w--;
	s[w] = '\0';
	return s;
}

/* mp_unflow - undo format=flowed (RFC 3676) */
char *
mp_unflow(const char *s, bool delsp)
{
	struct ut_buf b = {0};
	const char *p = s;
	bool joining = false;
	unsigned prev = 0;

	while (*p) {
		size_t n = strcspn(p, "\n"), len = n, k = 0;
		unsigned depth = 0;
		bool flowed;

		if (len > 0 && p[len - 1] == '\r')
			len--;
		while (k < len && p[k] == '>') {
			depth++;
			k++;
		}
		if (k < len && p[k] == ' ')
			k++; /* stuffing, or the space after the marks */
		flowed = len > k && p[len - 1] == ' ' &&
			 !(len - k == 3 && strncmp(p + k, "-- ", 3) == 0);
		if (joining && depth != prev)
			ut_buf_add(&b, "\n", 1);
		if (!joining || depth != prev) {
			unsigned d;

			for (d = 0; d < depth; d++)
				ut_buf_add(&b, ">", 1);
			if (depth)
				ut_buf_add(&b, " ", 1);
		}
		ut_buf_add(&b, p + k, len - k - (flowed && delsp ? 1 : 0));
		if (!flowed)
			ut_buf_add(&b, "\n", 1);
		joining = flowed;
		prev = depth;
		p += n + (p[n] == '\n');
	}
	if (b.failed) {
		ut_buf_clear(&b);
		return NULL;
	}
	return ut_buf_steal(&b);
}

/* mp_parse_date - RFC 5322 or ISO 8601 date to epoch seconds */
bool
mp_parse_date(const char *s, long long *t_r)
{
	GDateTime *dt = NULL;
	char iso[64];
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
		     s[n - 1] == '\n'))
		n--;
	if (n == 0 || n >= sizeof(iso))
		return false;
	memcpy(iso, s, n);
	iso[n] = '\0';
	if (isdigit((unsigned char)iso[0]) && n >= 10 && iso[4] == '-') {
		GTimeZone *utc = g_time_zone_new_utc();

		if (iso[10] == ' ')
			iso[10] = 'T';
		dt = g_date_time_new_from_iso8601(iso, utc);
		g_time_zone_unref(utc);
	} else {
		dt = g_mime_utils_header_decode_date(iso);
	}
	if (!dt)
		return false;
	*t_r = (long long)g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return true;
}
