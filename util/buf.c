/*
 * NAME
 *	buf - growable strings
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* grow - room for n more bytes and the NUL; 0 or -1 */
static int
grow(struct ut_buf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->failed)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->failed = 1;
		return -1;
	}
	b->s = s;
	b->cap = cap;
	return 0;
}

/* ut_buf_add - append n bytes */
void
ut_buf_add(struct ut_buf *b, const char *s, size_t n)
{
	if (grow(b, n) != 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* ut_buf_vprintf - append formatted text from a va_list */
void
ut_buf_vprintf(struct ut_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || grow(b, (size_t)n) != 0)
		return;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* ut_buf_printf - append formatted text */
void
ut_buf_printf(struct ut_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ut_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* ut_buf_steal - the string, now the caller's; reset the buffer */
char *
ut_buf_steal(struct ut_buf *b)
{
	char *s = b->s ? b->s : strdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

/* ut_buf_clear - free the contents and reset the buffer */
void
ut_buf_clear(struct ut_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* ut_pg_uri - a libpq URI */
bool
ut_pg_uri(const char *s)
{
	return s && (!strncmp(s, "postgresql://", 13) ||
		     !strncmp(s, "postgres://", 11));
}

/*
 * ut_pg_uri_secrets - the spans of uri that are passwords: the one of
 * its user (user:PASSWORD@, up to the last @ before the host) and the
 * value of each query parameter whose name ends in "password"; at most
 * max, into off[] and len[]; their number
 */
unsigned
ut_pg_uri_secrets(const char *uri, size_t *off, size_t *len, unsigned max)
{
	const char *auth = strstr(uri, "://"), *end, *at = NULL, *p, *q;
	unsigned n = 0;

	auth = auth ? auth + 3 : uri;
	end = auth + strcspn(auth, "/?");
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	p = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (p && n < max) {
		off[n] = (size_t)(p + 1 - uri);
		len[n++] = (size_t)(at - p - 1);
	}
	for (q = strchr(end, '?'); q && *q && n < max; q += strcspn(q, "&")) {
		const char *key = ++q, *eq = strchr(key, '=');
		size_t klen;

		if (!eq || (size_t)(eq - key) > strcspn(key, "&"))
			continue;
		klen = (size_t)(eq - key);
		if (klen >= 8 && !strncmp(eq - 8, "password", 8)) {
			off[n] = (size_t)(eq + 1 - uri);
			len[n++] = strcspn(eq + 1, "&");
		}
	}
	return n;
}

/* ut_pg_uri_bad - why uri cannot be read safely, or NULL */
const char *
ut_pg_uri_bad(const char *uri)
{
	const char *auth = strstr(uri, "://"), *p;
	size_t end;
	unsigned ats = 0;

	auth = auth ? auth + 3 : uri;
	end = strcspn(auth, "/?");
	for (p = auth; p < auth + end; p++)
		ats += *p == '@';
	/* libpq splits at the first @: the rest of a password would be
	   read as the host, and said in its messages */
	if (ats > 1)
		return "its user part has more than one @: write an @ of the "
		       "password as %40 (better: keep the password in a "
		       "passfile)";
	return NULL;
}

/* ut_pg_uri_safe - uri with "..." for each password */
void
ut_pg_uri_safe(const char *uri, char *out, size_t n)
{
	size_t off[8], len[8], at = 0;
	unsigned k, m = ut_pg_uri_secrets(uri, off, len, 8);
	struct ut_buf b = {0};

	for (k = 0; k < m; k++) {
		ut_buf_add(&b, uri + at, off[k] - at);
		ut_buf_add(&b, "...", 3);
		at = off[k] + len[k];
	}
	ut_buf_add(&b, uri + at, strlen(uri + at));
	snprintf(out, n, "%s", b.failed || !b.s ? "" : b.s);
	ut_buf_clear(&b);
}
