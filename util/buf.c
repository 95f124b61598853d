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

/* ut_pg_uri_safe - uri without its passwords */
void
ut_pg_uri_safe(const char *uri, char *out, size_t n)
{
	const char *user = strstr(uri, "://"), *at, *colon, *pw;
	struct ut_buf b = {0};

	user = user ? user + 3 : uri;
	at = strchr(user, '@');
	colon = at ? memchr(user, ':', (size_t)(at - user)) : NULL;
	if (colon) { /* user:password@ */
		ut_buf_add(&b, uri, (size_t)(colon - uri));
		ut_buf_add(&b, ":...", 4);
		uri = at;
	}
	pw = strstr(uri, "password=");
	while (pw && pw > uri && pw[-1] != '?' && pw[-1] != '&')
		pw = strstr(pw + 1, "password=");
	if (pw) {
		const char *end = strchr(pw, '&');

		ut_buf_add(&b, uri, (size_t)(pw - uri));
		ut_buf_add(&b, "password=...", 12);
		uri = end ? end : pw + strlen(pw);
	}
	ut_buf_add(&b, uri, strlen(uri));
	snprintf(out, n, "%s", b.failed || !b.s ? "" : b.s);
	ut_buf_clear(&b);
}
