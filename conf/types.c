/*
 * NAME
 *	types - parse and print the value of each key type
 * DESCRIPTION
 *	conf_parse_value() checks a value against its key's type and
 *	stores it in struct conf; conf_format_value() writes it back the
 *	way it would be written in the file. Errors name what was expected
 *	and what was found.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_int.h"
#include "sms/sms.h"

#define FIELD(c, key, type) ((type *)(void *)((char *)(c) + (key)->off))

#define MAX_SECRET 4096

/* report - "FILE:LINE: KEY: " then the message, into out */
static void
report(struct conf_ctx *ctx, struct ut_buf *out, const char *what,
       const char *fmt, va_list ap)
{
	ut_buf_printf(out, "%s", ctx->file);
	if (ctx->line)
		ut_buf_printf(out, ":%u", ctx->line);
	ut_buf_printf(out, ": ");
	if (ctx->key)
		ut_buf_printf(out, "%s: ", ctx->key->name);
	ut_buf_printf(out, "%s", what);
	ut_buf_vprintf(out, fmt, ap);
	ut_buf_add(out, "\n", 1);
}

/* conf_error - report "FILE:LINE: KEY: message" */
void
conf_error(struct conf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ctx, ctx->errors, "", fmt, ap);
	va_end(ap);
}

/* conf_warning - note "FILE:LINE: KEY: warning: message" */
void
conf_warning(struct conf_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->warnings)
		return;
	va_start(ap, fmt);
	report(ctx, ctx->warnings, "warning: ", fmt, ap);
	va_end(ap);
}

/* parse_enum - one of the key's choices, or an old word for one */
static int
parse_enum(struct conf_ctx *ctx, int *field, const char *text)
{
	const struct conf_key *k = ctx->key;
	struct ut_buf b = {0};
	size_t i, j;

	for (i = 0; k->choices[i]; i++) {
		if (!strcasecmp(text, k->choices[i])) {
			*field = (int)i;
			return 0;
		}
	}
	for (j = 0; j < conf_naliases; j++) {
		const struct conf_alias *a = &conf_aliases[j];

		if (strcasecmp(a->key, k->name) || strcasecmp(a->word, text))
			continue;
		for (i = 0; k->choices[i]; i++) {
			if (strcmp(a->choice, k->choices[i]))
				continue;
			*field = (int)i;
			if (a->warning)
				conf_warning(ctx,
					     "\"%s\" is read as \"%s\": %s",
					     a->word, a->choice, a->warning);
			return 0;
		}
	}
	for (i = 0; k->choices[i]; i++)
		ut_buf_printf(&b, "%s%s", i ? ", " : "", k->choices[i]);
	conf_error(ctx, "expected one of %s; got \"%s\"", b.s ? b.s : "", text);
	ut_buf_clear(&b);
	return -1;
}

/* nomem - report an allocation failure; returns -1 */
static int
nomem(struct conf_ctx *ctx)
{
	conf_error(ctx, "out of memory");
	return -1;
}

/* parse_ll - a whole decimal number; 0 or -1 */
static int
parse_ll(const char *s, long long *v_r)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v_r = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* parse_duration - 30s, 10m, 2h, 14d, 1w, 1h30m, or seconds; 0 or -1 */
static int
parse_duration(const char *s, long long *v_r)
{
	long long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		long long n = 0, unit;
		const char *start = s;

		while (isdigit((unsigned char)*s)) {
			if (n > 1000000000LL)
				return -1;
			n = n * 10 + (*s++ - '0');
		}
		if (s == start)
			return -1;
		switch (*s) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 604800; break;
		case '\0':
			if (total != 0)
				return -1; /* "1h30": a bare number only alone
					    */
			unit = 1;
			break;
		default: return -1;
		}
		if (*s)
			s++;
		total += n * unit;
	}
	*v_r = total;
	return 0;
}

/* parse_size - 512, 64k, 10M, 1G; 0 or -1 */
static int
parse_size(const char *s, long long *v_r)
{
	long long n = 0, unit = 1;
	const char *start = s;

	while (isdigit((unsigned char)*s)) {
		if (n > 1000000000000LL)
			return -1;
		n = n * 10 + (*s++ - '0');
	}
	if (s == start)
		return -1;
	switch (*s) {
	case '\0': break;
	case 'k':
	case 'K':
		unit = 1024;
		s++;
		break;
	case 'm':
	case 'M':
		unit = 1024 * 1024;
		s++;
		break;
	case 'g':
	case 'G':
		unit = 1024LL * 1024 * 1024;
		s++;
		break;
	default: return -1;
	}
	if (*s == 'b' || *s == 'B')
		s++;
	if (*s)
		return -1;
	*v_r = n * unit;
	return 0;
}

/* valid_host - a host name or IPv4 address (no brackets) */
static bool
valid_host(const char *h)
{
	size_t n = strlen(h), label = 0, i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if ((label == 0 && c == '-') || ++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && h[n - 1] != '-';
}

/* valid_local - the local part of an address (dot-atom) */
static bool
valid_local(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && !strchr("!#$%&'*+-/=?^_`{|}~.", c))
			return false;
		if (c == '.' && s[i + 1] == '.')
			return false;
	}
	return true;
}

/* valid_address - user@domain, or @domain when domain_ok */
static bool
valid_address(const char *a, bool domain_ok)
{
	const char *at = strrchr(a, '@');

	if (!at || !valid_host(at + 1) || !strchr(at + 1, '.'))
		return false;
	if (at == a)
		return domain_ok;
	return valid_local(a, (size_t)(at - a));
}

/* valid_login - a SASL login: printable, no space, comma or = */
static bool
valid_login(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ',' || *s == '=' ||
		    *s == 0x7f)
			return false;
	return true;
}

/* lower - lower-case s in place; returns it */
static char *
lower(char *s)
{
	char *p;

	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

/*
 * split - items separated by sep, trimmed, NULL after the last; NULL
 * on error (reported)
 */
static char **
split(struct conf_ctx *ctx, const char *text, int sep, size_t *n_r)
{
	size_t n = 1, i = 0;
	const char *p;
	char **v;

	for (p = text; *p; p++)
		n += *p == sep;
	v = ut_arena_alloc(ctx->arena, (n + 1) * sizeof(*v));
	if (!v) {
		nomem(ctx);
		return NULL;
	}
	for (p = text;;) {
		const char *end = strchr(p, sep), *s = p;
		size_t len;

		if (!end)
			end = p + strlen(p);
		while (s < end && isspace((unsigned char)*s))
			s++;
		len = (size_t)(end - s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		if (len == 0) {
			conf_error(ctx, "empty item in list \"%s\"", text);
			return NULL;
		}
		v[i] = ut_arena_strndup(ctx->arena, s, len);
		if (!v[i]) {
			nomem(ctx);
			return NULL;
		}
		i++;
		if (!*end)
			break;
		p = end + 1;
	}
	v[i] = NULL;
	*n_r = i;
	return v;
}

/* parse_net - address[/prefix] into *net; 0 or -1 (reported) */
static int
parse_net(struct conf_ctx *ctx, const char *item, struct conf_net *net)
{
	char addr[64];
	const char *slash = strchr(item, '/');
	size_t alen = slash ? (size_t)(slash - item) : strlen(item);
	unsigned max, i;
	long long prefix;

	if (alen >= sizeof(addr))
		goto bad;
	memcpy(addr, item, alen);
	addr[alen] = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, addr, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		goto bad;
	}
	prefix = max;
	if (slash &&
	    (parse_ll(slash + 1, &prefix) != 0 || prefix < 0 || prefix > max)) {
		conf_error(ctx, "\"%s\": prefix length must be 0-%u", item,
			   max);
		return -1;
	}
	net->prefix = (unsigned)prefix;
	for (i = net->prefix; i < max; i++) {
		if (net->addr[i / 8] & (0x80 >> (i % 8))) {
			conf_error(ctx,
				   "\"%s\" has bits set after the /%u prefix",
				   item, net->prefix);
			return -1;
		}
	}
	return 0;
bad:
	conf_error(ctx,
		   "expected an IPv4 or IPv6 address with an optional "
		   "/prefix, got \"%s\"",
		   item);
	return -1;
}

/* parse_number - an international number for a map; E.164 or NULL */
static const char *
parse_number(struct conf_ctx *ctx, const char *s)
{
	struct sms_number num;
	struct sms_error err;

	if (sms_phone_parse(s, NULL, &num, &err) != SMS_OK) {
		conf_error(ctx, "\"%s\": %s", s, err.msg);
		return NULL;
	}
	return ut_arena_strdup(ctx->arena, num.e164);
}

/* parse_sender_value - a number (as E.164) or a sender name, or NULL */
static const char *
parse_sender_value(struct conf_ctx *ctx, const char *s)
{
	struct sms_error err;

	switch (sms_sender_classify(s, &err)) {
	case SMS_SENDER_ALPHA: return ut_arena_strdup(ctx->arena, s);
	case SMS_SENDER_INVALID:
		if (s[0] != '+' && !isdigit((unsigned char)s[0])) {
			conf_error(ctx, "%s", err.msg);
			return NULL;
		}
		break;
	default: break;
	}
	return parse_number(ctx, s);
}

/* parse_map - key=value items of the given kinds */
static int
parse_map(struct conf_ctx *ctx, struct conf_map *m, const char *text)
{
	enum conf_type t = ctx->key->type;
	struct conf_pair *v;
	char **items;
	size_t n = 0, i;

	if (!*text) {
		m->n = 0;
		m->v = NULL;
		return 0;
	}
	items = split(ctx, text, ',', &n);
	if (!items)
		return -1;
	v = ut_arena_alloc(ctx->arena, n * sizeof(*v));
	if (!v)
		return nomem(ctx);
	for (i = 0; i < n; i++) {
		char *eq = strchr(items[i], '='), *a, *b;

		if (!eq) {
			conf_error(ctx, "expected key=value, got \"%s\"",
				   items[i]);
			return -1;
		}
		*eq = '\0';
		a = items[i];
		b = eq + 1;
		while (*b && isspace((unsigned char)*b))
			b++;
		for (eq = a + strlen(a);
		     eq > a && isspace((unsigned char)eq[-1]);)
			*--eq = '\0';
		if (t == CT_NUMBER_OWNERS) {
			v[i].key = parse_number(ctx, a);
			v[i].value = lower(b);
			a = b;
		} else if (t == CT_NUMBER_PAIRS) {
			if (!(v[i].key = parse_number(ctx, a)) ||
			    !(v[i].value = parse_number(ctx, b)))
				return -1;
			continue;
		} else if (t == CT_GROUP_NUMBERS) {
			if (!valid_address(a, true)) {
				conf_error(ctx,
					   "\"%s\" is not a mail address or "
					   "@domain",
					   a);
				return -1;
			}
			v[i].key = lower(a);
			if (!(v[i].value = parse_number(ctx, b)))
				return -1;
			continue;
		} else if (t == CT_LOGINS || t == CT_ACCOUNTS) {
			if (!valid_address(a, true)) {
				conf_error(ctx,
					   "\"%s\" is not a mail address or "
					   "@domain",
					   a);
				return -1;
			}
			if (!valid_login(b)) {
				conf_error(ctx,
					   "\"%s\" is not %s name "
					   "(no spaces, commas or =)",
					   b,
					   t == CT_LOGINS ? "a login"
							  : "an account");
				return -1;
			}
			v[i].key = lower(a);
			v[i].value = lower(b);
			continue;
		} else {
			v[i].key = lower(a);
			v[i].value = t == CT_OWNER_NUMBERS
					 ? parse_sender_value(ctx, b)
					 : lower(b);
			if (t == CT_ALIASES && !valid_address(b, false)) {
				conf_error(ctx, "\"%s\" is not a mail address",
					   b);
				return -1;
			}
		}
		if (!v[i].key || !v[i].value)
			return -1;
		if (!valid_address(a, false)) {
			conf_error(ctx, "\"%s\" is not a mail address", a);
			return -1;
		}
	}
	m->n = n;
	m->v = v;
	return 0;
}

/* parse_list - list types other than networks and maps */
static int
parse_list(struct conf_ctx *ctx, struct conf_list *l, const char *text)
{
	enum conf_type t = ctx->key->type;
	char **items;
	size_t n = 0, i;

	l->n = 0;
	l->v = NULL;
	if (!*text)
		return 0;
	items = split(ctx, text, t == CT_PHRASES ? '|' : ',', &n);
	if (!items)
		return -1;
	for (i = 0; i < n; i++) {
		char *s = items[i];
		size_t k;

		switch (t) {
		case CT_DOMAINS:
			if (!valid_host(lower(s)) ||
			    isdigit((unsigned char)s[strlen(s) - 1])) {
				conf_error(ctx, "\"%s\" is not a domain name",
					   s);
				return -1;
			}
			break;
		case CT_HOSTS: {
			unsigned char a6[16];
			size_t len = strlen(s);

			if (len > 2 && s[0] == '[' && s[len - 1] == ']') {
				memmove(s, s + 1, len - 2);
				s[len - 2] = '\0';
			}
			if (!valid_host(lower(s)) &&
			    inet_pton(AF_INET6, s, a6) != 1) {
				conf_error(ctx,
					   "\"%s\" is not a host name or "
					   "address",
					   s);
				return -1;
			}
			break;
		}
		case CT_COUNTRIES:
			for (k = 0; s[k]; k++)
				s[k] = (char)toupper((unsigned char)s[k]);
			if (!sms_country_known(s)) {
				conf_error(ctx,
					   "\"%s\" is not an ISO 3166 country "
					   "code this version knows",
					   s);
				return -1;
			}
			break;
		case CT_PREFIXES:
			k = strspn(s + (s[0] == '+'), "0123456789");
			if (s[0] == '+' ? (k < 1 || k > 14 || s[k + 1])
					: (k != 3 || s[3] || s[0] < '2')) {
				conf_error(ctx,
					   "expected a North American area "
					   "code (684) or an E.164 prefix "
					   "(+1684), got \"%s\"",
					   s);
				return -1;
			}
			break;
		case CT_SHORTCODES:
			k = strspn(s, "0123456789");
			if (s[k] || k < 3 || k > 8) {
				conf_error(ctx,
					   "expected a short code (3 to 8 "
					   "digits), got \"%s\"",
					   s);
				return -1;
			}
			break;
		case CT_NUMBERS:
			if (!(items[i] = (char *)parse_number(ctx, s)))
				return -1;
			break;
		case CT_ADDRESSES:
			if (!valid_address(lower(s), true)) {
				conf_error(ctx,
					   "expected user@domain or @domain, "
					   "got \"%s\"",
					   s);
				return -1;
			}
			break;
		default: break;
		}
	}
	l->n = n;
	l->v = (const char *const *)items;
	return 0;
}

/* parse_nets - a list of networks */
static int
parse_nets(struct conf_ctx *ctx, struct conf_nets *nets, const char *text)
{
	struct conf_net *v;
	char **items;
	size_t n = 0, i;

	nets->n = 0;
	nets->v = NULL;
	if (!*text)
		return 0;
	items = split(ctx, text, ',', &n);
	if (!items)
		return -1;
	v = ut_arena_alloc(ctx->arena, n * sizeof(*v));
	if (!v)
		return nomem(ctx);
	for (i = 0; i < n; i++)
		if (parse_net(ctx, items[i], &v[i]) != 0)
			return -1;
	nets->n = n;
	nets->v = v;
	return 0;
}

/* parse_hostport - host:port or [v6]:port */
static int
parse_hostport(struct conf_ctx *ctx, struct conf_hostport *hp, const char *text)
{
	const char *colon = strrchr(text, ':');
	char host[256];
	long long port;
	size_t hl;

	if (!*text) { /* none */
		hp->host = "";
		hp->port = 0;
		return 0;
	}
	if (!colon || parse_ll(colon + 1, &port) != 0 || port < 1 ||
	    port > 65535)
		goto bad;
	hl = (size_t)(colon - text);
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, text, hl);
	host[hl] = '\0';
	if (host[0] == '[') {
		unsigned char a[16];

		if (hl < 3 || host[hl - 1] != ']')
			goto bad;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, a) != 1)
			goto bad;
		memmove(host, host + 1, hl - 1);
	} else if (!valid_host(host)) {
		goto bad;
	}
	hp->host = ut_arena_strdup(ctx->arena, host);
	hp->port = (unsigned)port;
	return hp->host ? 0 : nomem(ctx);
bad:
	conf_error(ctx,
		   "expected host:port (or [IPv6]:port, port 1-65535), got "
		   "\"%s\"",
		   text);
	return -1;
}

/*
 * socket_host - the host of inet:PORT@HOST as libmilter reads it: a
 * name, an address, or an address in brackets ([192.0.2.1] for inet,
 * [2001:db8::1] for inet6)
 */
static bool
socket_host(const char *h, bool inet6)
{
	unsigned char a[16];
	char inside[64];
	size_t n = strlen(h);

	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']' || n - 2 >= sizeof(inside))
			return false;
		memcpy(inside, h + 1, n - 2);
		inside[n - 2] = '\0';
		return inet_pton(inet6 ? AF_INET6 : AF_INET, inside, a) == 1;
	}
	return valid_host(h) || inet_pton(AF_INET6, h, a) == 1;
}

/*
 * parse_socket - unix:/path, local:/path, a bare /path (libmilter's
 * forms all), inet:PORT@HOST, inet6:PORT@HOST
 */
static int
parse_socket(struct conf_ctx *ctx, const char *text)
{
	const char *rest, *at;
	long long port;
	char num[8];
	size_t n;

	if (text[0] == '/' && strlen(text) < 108)
		return 0;
	if (strncmp(text, "unix:", 5) == 0 || strncmp(text, "local:", 6) == 0) {
		rest = strchr(text, ':') + 1;
		if (rest[0] == '/' && strlen(rest) < 108)
			return 0;
	} else if (strncmp(text, "inet:", 5) == 0 ||
		   strncmp(text, "inet6:", 6) == 0) {
		rest = strchr(text, ':') + 1;
		at = strchr(rest, '@');
		n = at ? (size_t)(at - rest) : strlen(rest);
		if (n > 0 && n < sizeof(num)) {
			memcpy(num, rest, n);
			num[n] = '\0';
			if (parse_ll(num, &port) == 0 && port >= 1 &&
			    port <= 65535 &&
			    (!at || socket_host(at + 1, text[4] == '6')))
				return 0;
		}
	}
	conf_error(ctx,
		   "expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST "
		   "(HOST a name, an address or [an address]), got \"%s\"",
		   text);
	return -1;
}

/* parse_template - text with known placeholders and {body} */
static int
parse_template(struct conf_ctx *ctx, const char *text)
{
	static const char *const known[] = {"{subject}", "{body}", "{from}"};
	const char *p = text;
	bool body = false;

	while ((p = strchr(p, '{')) != NULL) {
		size_t i, n = strcspn(p, "}") + 1;

		for (i = 0; i < 3; i++)
			if (strlen(known[i]) == n &&
			    strncmp(p, known[i], n) == 0)
				break;
		if (i == 3) {
			conf_error(ctx,
				   "unknown placeholder \"%.*s\" (known: "
				   "{subject}, {body}, {from})",
				   (int)(p[n - 1] == '}' ? n : n - 1), p);
			return -1;
		}
		body |= i == 1;
		p += n;
	}
	if (!body) {
		conf_error(ctx,
			   "\"%s\" has no {body}: the mail's text would be "
			   "lost",
			   text);
		return -1;
	}
	return 0;
}

/* read_secret - the first line of a file only its owner may read */
static const char *
read_secret(struct conf_ctx *ctx, const char *path)
{
	char buf[MAX_SECRET + 2];
	struct stat st;
	ssize_t n;
	size_t len;
	int fd;

	if (path[0] != '/') {
		conf_error(ctx, "expected an absolute path, got \"%s\"", path);
		return NULL;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		conf_error(ctx, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		conf_error(ctx, "%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_mode & 0077) {
		conf_error(ctx,
			   "%s is %s by group or others (mode %04o); a "
			   "secret must be readable by its owner only: chmod "
			   "600 %s",
			   path, st.st_mode & 0044 ? "readable" : "writable",
			   (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		conf_error(ctx, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	if (len > MAX_SECRET) {
		conf_error(ctx, "%s: the secret is longer than %d bytes", path,
			   MAX_SECRET);
		return NULL;
	}
	if (len == 0) {
		conf_error(ctx, "%s is empty", path);
		return NULL;
	}
	return ut_arena_strndup(ctx->arena, buf, len);
}

/* parse_scalar - the types stored as one string */
static int
parse_scalar(struct conf_ctx *ctx, const char **field, const char *text)
{
	const struct conf_key *k = ctx->key;
	const char *v = text;
	struct sms_error err;
	long long n;
	size_t i;

	switch (k->type) {
	case CT_PATH:
		if (!*text && !k->def) { /* an optional path: none */
			*field = NULL;
			return 0;
		}
		if (text[0] != '/') {
			conf_error(ctx, "expected an absolute path, got \"%s\"",
				   text);
			return -1;
		}
		break;
	case CT_DATABASE:
		if (text[0] != '/' && !ut_pg_uri(text)) {
			conf_error(ctx,
				   "expected an absolute path (a SQLite file) "
				   "or a postgresql:// URI, got \"%s\"",
				   text);
			return -1;
		}
		if (ut_pg_uri(text) && ut_pg_uri_bad(text)) {
			conf_error(ctx, "the URI: %s", ut_pg_uri_bad(text));
			return -1;
		}
		break;
	case CT_SECRET: ctx->inline_secret = true; break;
	case CT_SECRET_FILE:
		v = read_secret(ctx, text);
		if (!v)
			return -1;
		*field = v;
		return 0;
	case CT_SOCKET:
		if (parse_socket(ctx, text) != 0)
			return -1;
		break;
	case CT_COUNTRY:
		if (strlen(text) != 2 || !sms_country_known(text)) {
			conf_error(ctx,
				   "\"%s\" is not an ISO 3166 country code "
				   "this version knows",
				   text);
			return -1;
		}
		break;
	case CT_SENDER:
		if (!*text)
			break;
		switch (sms_sender_classify(text, &err)) {
		case SMS_SENDER_INVALID:
			conf_error(ctx, "%s", err.msg);
			return -1;
		case SMS_SENDER_E164:
			v = parse_number(ctx, text);
			if (!v)
				return -1;
			*field = v;
			return 0;
		default: break;
		}
		break;
	case CT_TEMPLATE:
		if (parse_template(ctx, text) != 0)
			return -1;
		break;
	case CT_DECIMAL:
		i = strspn(text, "0123456789");
		if (i == 0 ||
		    (text[i] == '.' &&
		     (strspn(text + i + 1, "0123456789") !=
			  strlen(text + i + 1) ||
		      strlen(text + i + 1) < 1 || strlen(text + i + 1) > 4)) ||
		    (text[i] && text[i] != '.')) {
			conf_error(ctx,
				   "expected an amount such as 14.95 (up to "
				   "4 decimals), got \"%s\"",
				   text);
			return -1;
		}
		break;
	case CT_URL:
		if (!*text)
			break;
		i = strncmp(text, "https://", 8) == 0  ? 8
		    : strncmp(text, "http://", 7) == 0 ? 7
						       : 0;
		if (i == 0 || !text[i] || text[i] == '/' ||
		    strpbrk(text, " \t\"<>\\^`{|}")) {
			conf_error(ctx,
				   "expected an http:// or https:// URL, got "
				   "\"%s\"",
				   text);
			return -1;
		}
		break;
	case CT_FACILITY:
		if (strcmp(text, "mail") && strcmp(text, "daemon") &&
		    strcmp(text, "user") &&
		    !(strncmp(text, "local", 5) == 0 && text[5] >= '0' &&
		      text[5] <= '7' && !text[6])) {
			conf_error(ctx,
				   "expected mail, daemon, user or "
				   "local0-local7, got \"%s\"",
				   text);
			return -1;
		}
		break;
	case CT_NAME:
		n = (long long)strspn(text, "abcdefghijklmnopqrstuvwxyz"
					    "0123456789_-:.");
		if (!*text || text[n] || isdigit((unsigned char)text[0]) ||
		    text[0] == '-' || strlen(text) > 65) {
			conf_error(ctx,
				   "expected user or user:group, got \"%s\"",
				   text);
			return -1;
		}
		break;
	default: break;
	}
	*field = ut_arena_strdup(ctx->arena, v);
	return *field ? 0 : nomem(ctx);
}

/* conf_hook_url_syntax - a URL a hook may have, by its syntax alone */
bool
conf_hook_url_syntax(const char *url, char *why, size_t size)
{
	size_t skip = strncasecmp(url, "https://", 8) == 0  ? 8
		      : strncasecmp(url, "http://", 7) == 0 ? 7
							    : 0;
	size_t host = skip ? strcspn(url + skip, "/?#") : 0;
	const char *p;

	if (!skip) {
		snprintf(why, size,
			 "\"%.80s\" is not an http:// or https:// "
			 "URL",
			 url);
		return false;
	}
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' ||
		    *p == '\\' || *p == '<' || *p == '>') {
			snprintf(why, size,
				 "the URL holds a space, a control character "
				 "or one of \" \\ < >");
			return false;
		}
	if (memchr(url + skip, '@', host)) {
		snprintf(why, size,
			 "the URL names a user or password (@): "
			 "not allowed in a hook's URL");
		return false;
	}
	if (host == 0 || url[skip] == ':' || memchr(url + skip, '{', host)) {
		snprintf(why, size, "the URL \"%.80s\" has no host", url);
		return false;
	}
	return true;
}

/*
 * parse_hooks - one line of InboundHook or ReceiptHook, "NUMBER|*
 * METHOD URL [ok]", added to the key's list ("" sets none)
 */
static int
parse_hooks(struct conf_ctx *ctx, struct conf_hooks *h, const char *text)
{
	static const char *const methods[] = {"POST", "FORM", "GET", NULL};
	char *words[5], *copy, *save = NULL, why[200];
	struct conf_hook *v, one = {0};
	size_t n = 0, i;

	if (!*text)
		return 0;
	if (!(copy = ut_arena_strdup(ctx->arena, text)))
		return nomem(ctx);
	for (char *w = strtok_r(copy, " \t", &save); w && n < 5;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	if (n < 3 || n > 4 || (n == 4 && strcasecmp(words[3], "ok") != 0)) {
		conf_error(ctx, "expected NUMBER|* METHOD URL [ok], got \"%s\"",
			   text);
		return -1;
	}
	if (strcmp(words[0], "*") == 0)
		one.number = "*";
	else if (!(one.number = parse_number(ctx, words[0])))
		return -1;
	for (i = 0; methods[i]; i++)
		if (!strcasecmp(words[1], methods[i]))
			one.method = methods[i];
	if (!one.method) {
		conf_error(ctx,
			   "method \"%s\": expected POST (signed JSON), FORM "
			   "(a form POST) or GET (the URL as a template)",
			   words[1]);
		return -1;
	}
	if (!conf_hook_url_syntax(words[2], why, sizeof(why))) {
		conf_error(ctx, "%s", why);
		return -1;
	}
	if (strlen(words[2]) > 2048) {
		conf_error(ctx, "the URL is %zu bytes; at most 2048",
			   strlen(words[2]));
		return -1;
	}
	one.url = words[2];
	one.expect_ok = n == 4;
	v = ut_arena_alloc(ctx->arena, (h->n + 1) * sizeof(*v));
	if (!v)
		return nomem(ctx);
	if (h->n)
		memcpy(v, h->v, h->n * sizeof(*v));
	v[h->n] = one;
	h->v = v;
	h->n++;
	return 0;
}

/* parse_number_key - CT_INT, CT_DURATION, CT_SIZE within bounds */
static int
parse_number_key(struct conf_ctx *ctx, long long *field, const char *text)
{
	const struct conf_key *k = ctx->key;
	struct ut_buf lo = {0}, hi = {0};
	long long v;

	if ((k->type == CT_INT && parse_ll(text, &v) != 0) ||
	    (k->type == CT_INT && (v < k->min || v > k->max))) {
		conf_error(ctx, "expected a number %lld-%lld, got \"%s\"",
			   k->min, k->max, text);
		return -1;
	}
	if (k->type == CT_DURATION && parse_duration(text, &v) != 0) {
		conf_error(ctx,
			   "expected a duration such as 30s, 10m, 2h or 14d, "
			   "got \"%s\"",
			   text);
		return -1;
	}
	if (k->type == CT_SIZE && parse_size(text, &v) != 0) {
		conf_error(ctx,
			   "expected a size such as 512, 64k or 10M, got "
			   "\"%s\"",
			   text);
		return -1;
	}
	if (v >= k->min && v <= k->max) {
		*field = v;
		return 0;
	}
	if (k->type == CT_DURATION) {
		conf_format_duration(&lo, k->min);
		conf_format_duration(&hi, k->max);
	} else {
		conf_format_size(&lo, k->min);
		conf_format_size(&hi, k->max);
	}
	conf_error(ctx, "%s is out of range (%s to %s)", text,
		   lo.s ? lo.s : "?", hi.s ? hi.s : "?");
	ut_buf_clear(&lo);
	ut_buf_clear(&hi);
	return -1;
}

/* conf_parse_value - check text and store it in c */
int
conf_parse_value(struct conf_ctx *ctx, struct conf *c, const char *text)
{
	const struct conf_key *k = ctx->key;

	switch (k->type) {
	case CT_INT:
	case CT_DURATION:
	case CT_SIZE:
		return parse_number_key(ctx, FIELD(c, k, long long), text);
	case CT_BOOL:
		if (!strcasecmp(text, "yes") || !strcasecmp(text, "true") ||
		    !strcasecmp(text, "on") || !strcmp(text, "1")) {
			*FIELD(c, k, bool) = true;
			return 0;
		}
		if (!strcasecmp(text, "no") || !strcasecmp(text, "false") ||
		    !strcasecmp(text, "off") || !strcmp(text, "0")) {
			*FIELD(c, k, bool) = false;
			return 0;
		}
		conf_error(ctx, "expected yes or no, got \"%s\"", text);
		return -1;
	case CT_ENUM: return parse_enum(ctx, FIELD(c, k, int), text);
	case CT_DOMAINS:
	case CT_HOSTS:
	case CT_COUNTRIES:
	case CT_PREFIXES:
	case CT_SHORTCODES:
	case CT_NUMBERS:
	case CT_ADDRESSES:
	case CT_PHRASES:
		return parse_list(ctx, FIELD(c, k, struct conf_list), text);
	case CT_NETWORKS:
		return parse_nets(ctx, FIELD(c, k, struct conf_nets), text);
	case CT_OWNER_NUMBERS:
	case CT_NUMBER_OWNERS:
	case CT_ALIASES:
	case CT_LOGINS:
	case CT_ACCOUNTS:
	case CT_GROUP_NUMBERS:
	case CT_NUMBER_PAIRS:
		return parse_map(ctx, FIELD(c, k, struct conf_map), text);
	case CT_HOSTPORT:
		return parse_hostport(ctx, FIELD(c, k, struct conf_hostport),
				      text);
	case CT_HOOKS:
		return parse_hooks(ctx, FIELD(c, k, struct conf_hooks), text);
	case CT_RATE: {
		struct conf_rate *r = FIELD(c, k, struct conf_rate);
		const char *slash = strchr(text, '/');
		char num[24];
		size_t n = slash ? (size_t)(slash - text) : 0;

		if (slash && n > 0 && n < sizeof(num)) {
			memcpy(num, text, n);
			num[n] = '\0';
			if (parse_ll(num, &r->count) == 0 && r->count >= 0 &&
			    parse_duration(slash + 1, &r->seconds) == 0 &&
			    r->seconds > 0)
				return 0;
		}
		conf_error(ctx,
			   "expected COUNT/DURATION such as 30/1h, got "
			   "\"%s\"",
			   text);
		return -1;
	}
	default: return parse_scalar(ctx, FIELD(c, k, const char *), text);
	}
}
