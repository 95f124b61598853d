/*
 * NAME
 *	conf - read smsmilter.conf into an immutable struct conf
 * DESCRIPTION
 *	Lines are "Key value"; the value runs to the end of the line or to
 *	a "#" after white space, or is quoted. Every problem is reported,
 *	not only the first: unknown keys (with a suggestion), keys set
 *	twice, bad values, missing required keys, secrets where others
 *	could read them, and settings that contradict each other.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <strings.h>
#include <sys/stat.h>

#include "conf/conf_int.h"

#define MAX_FILE (1024 * 1024)

/* The configuration and the arena that holds it. */
struct conf_impl {
	struct conf c; /* first: a struct conf * is a struct conf_impl * */
	struct ut_arena *arena;
	unsigned *lines; /* the line each key was set on, 0: not set */
};

/* distance - edit distance of two key names, case-insensitive */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, row[64], prev, tmp;

	if (lb >= 64 || la >= 64)
		return 64;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);

			tmp = row[j];
			row[j] = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1
							     : row[j - 1] + 1;
			if (prev + cost < row[j])
				row[j] = prev + cost;
			prev = tmp;
		}
	}
	return row[lb];
}

/* find_key - the key called name, or NULL with *near_r a suggestion */
static const struct conf_key *
find_key(const char *name, const struct conf_key **near_r)
{
	size_t i, best = 64, d;

	*near_r = NULL;
	for (i = 0; i < conf_nkeys; i++) {
		if (strcasecmp(name, conf_keys[i].name) == 0)
			return &conf_keys[i];
		d = distance(name, conf_keys[i].name);
		if (d < best) {
			best = d;
			*near_r = &conf_keys[i];
		}
	}
	if (best > 2 && !(best <= 3 && strlen(name) >= 10))
		*near_r = NULL;
	return NULL;
}

/* twin - the other key that sets the same field (X and XFile), or NULL */
static const struct conf_key *
twin(const struct conf_key *k)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (&conf_keys[i] != k && conf_keys[i].off == k->off)
			return &conf_keys[i];
	return NULL;
}

/*
 * value_of - the value part of a line, unquoted, into out (arena)
 *
 * Returns 0, or -1 with the error reported.
 */
static int
value_of(struct conf_ctx *ctx, const char *p, char **out)
{
	struct ut_buf b = {0};
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			ut_buf_add(&b, p, 1);
		}
		if (*p != '"') {
			conf_error(ctx, "unterminated quoted value");
			ut_buf_clear(&b);
			return -1;
		}
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (*p && *p != '#') {
			conf_error(ctx, "text after the closing quote: \"%s\"",
				   p);
			ut_buf_clear(&b);
			return -1;
		}
		*out = ut_arena_strdup(ctx->arena, b.s ? b.s : "");
		ut_buf_clear(&b);
		return *out ? 0 : -1;
	}
	for (n = 0; p[n]; n++)
		if (p[n] == '#' && n > 0 &&
		    (p[n - 1] == ' ' || p[n - 1] == '\t'))
			break;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	*out = ut_arena_strndup(ctx->arena, p, n);
	return *out ? 0 : -1;
}

/* parse_line - one line; seen[] keeps where each key was set */
static void
parse_line(struct conf_ctx *ctx, struct conf *c, const char *line,
	   unsigned *seen)
{
	const struct conf_key *k, *near;
	const char *p = line, *name;
	char key[64];
	char *value;
	size_t n;

	ctx->key = NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return;
	for (n = 0; p[n]; n++) {
		unsigned char ch = (unsigned char)p[n];

		if (ch < 0x20 && ch != '\t') {
			conf_error(ctx, "control character 0x%02X in line", ch);
			return;
		}
	}
	name = p;
	n = 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	if (n == 0 || n >= sizeof(key) ||
	    (p[n] && p[n] != ' ' && p[n] != '\t')) {
		conf_error(ctx, "expected \"Key value\", got \"%s\"", line);
		return;
	}
	memcpy(key, name, n);
	key[n] = '\0';
	k = find_key(key, &near);
	if (!k) {
		if (near)
			conf_error(ctx,
				   "unknown key \"%s\" (did you mean \"%s\"?)",
				   key, near->name);
		else
			conf_error(ctx, "unknown key \"%s\"", key);
		return;
	}
	ctx->key = k;
	if (seen[k - conf_keys] && !(k->flags & KEY_REPEAT)) {
		conf_error(ctx, "set twice (first on line %u)",
			   seen[k - conf_keys]);
		return;
	}
	if (!seen[k - conf_keys])
		seen[k - conf_keys] = ctx->line;
	if (value_of(ctx, p + n, &value) != 0)
		return;
	conf_parse_value(ctx, c, value);
}

/* check_keys - twins set at once, required keys missing */
static void
check_keys(struct conf_ctx *ctx, const unsigned *seen)
{
	size_t i;

	ctx->line = 0;
	ctx->key = NULL;
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i], *t = twin(k);
		size_t ti = t ? (size_t)(t - conf_keys) : 0;

		if (t && i < ti && seen[i] && seen[ti])
			conf_error(ctx,
				   "set either %s (line %u) or %s (line %u), "
				   "not both",
				   k->name, seen[i], t->name, seen[ti]);
		if ((k->flags & KEY_REQUIRED) && !seen[i] && !(t && seen[ti]) &&
		    (!t || i < ti))
			conf_error(ctx, "%s is required%s%s%s", k->name,
				   t ? " (or " : "", t ? t->name : "",
				   t ? ")" : "");
	}
}

/* line_of - the line the key called name was set on, 0: not set */
static unsigned
line_of(const unsigned *seen, const char *name)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (strcasecmp(conf_keys[i].name, name) == 0)
			return seen[i];
	return 0;
}

/*
 * at - the next problem is reported on the line of key a, else of key
 * b (its twin, or the other key of a pair), else on none
 */
static void
at(struct conf_ctx *ctx, const unsigned *seen, const char *a, const char *b)
{
	ctx->key = NULL;
	ctx->line = line_of(seen, a);
	if (!ctx->line && b)
		ctx->line = line_of(seen, b);
}

/* need - report a key the transport needs when it is empty */
static void
need(struct conf_ctx *ctx, const char *value, const char *name, const char *why)
{
	if (!value || !*value)
		conf_error(ctx, "%s is required %s", name, why);
}

/*
 * check_values - what a single value cannot tell, each problem on the
 * line of the key it is about (seen[]), or of the other key of a pair
 */
static void
check_values(struct conf_ctx *ctx, const struct conf *c, const unsigned *seen)
{
	at(ctx, seen, "TagSecret", "TagSecretFile");
	if (c->tag_secret && strlen(c->tag_secret) < 16)
		conf_error(ctx,
			   "the tag secret is %zu characters; use at least 16 "
			   "(e.g. head -c 24 /dev/urandom | base64)",
			   strlen(c->tag_secret));
	at(ctx, seen, "Transport", NULL);
	switch (c->transport) {
	case CONF_TP_SMPP:
		need(ctx, c->smpp_system_id, "SmppSystemId",
		     "with Transport smpp");
		break;
	case CONF_TP_HTTP:
		need(ctx, c->http_base_url, "HttpBaseUrl",
		     "with Transport http");
		need(ctx, c->http_account, "HttpAccount",
		     "with Transport http");
		need(ctx, c->http_token, "HttpToken (or HttpTokenFile)",
		     "with Transport http");
		break;
	case CONF_TP_KANNEL:
		need(ctx, c->kannel_url, "KannelUrl", "with Transport kannel");
		need(ctx, c->kannel_user, "KannelUser",
		     "with Transport kannel");
		need(ctx, c->kannel_password,
		     "KannelPassword (or KannelPasswordFile)",
		     "with Transport kannel");
		break;
	}
	at(ctx, seen, "SmppSystemId", NULL);
	if (c->smpp_system_id && strlen(c->smpp_system_id) > 15)
		conf_error(ctx, "SmppSystemId: at most 15 characters in SMPP "
				"3.4");
	at(ctx, seen, "SmppPassword", "SmppPasswordFile");
	if (c->smpp_password && strlen(c->smpp_password) > 8)
		conf_error(ctx,
			   "SmppPassword: at most 8 characters in SMPP 3.4");
	at(ctx, seen, "SmppSystemType", NULL);
	if (c->smpp_system_type && strlen(c->smpp_system_type) > 12)
		conf_error(ctx, "SmppSystemType: at most 12 characters in SMPP "
				"3.4");
	at(ctx, seen, "WebhookMaxConnections", "WebhookThreads");
	if (c->webhook_max_connections < c->webhook_threads)
		conf_error(ctx,
			   "WebhookMaxConnections (%lld) is fewer than "
			   "WebhookThreads (%lld): each thread needs a "
			   "connection",
			   c->webhook_max_connections, c->webhook_threads);
	at(ctx, seen, "WebhookMaxPerClient", "WebhookMaxConnections");
	if (c->webhook_max_per_client > c->webhook_max_connections)
		conf_error(ctx,
			   "WebhookMaxPerClient (%lld) is over "
			   "WebhookMaxConnections (%lld)",
			   c->webhook_max_per_client,
			   c->webhook_max_connections);
	if (c->hook_retry_first > c->hook_retry_interval)
		conf_error(ctx,
			   "HookRetryFirst (%llds) is longer than "
			   "HookRetryInterval (%llds)",
			   c->hook_retry_first, c->hook_retry_interval);
	if (!c->hook_secret && (c->inbound_hooks.n || c->receipt_hooks.n))
		conf_warning(ctx, "event hooks are configured but HookSecret "
				  "is not: their POSTs go unsigned");
	at(ctx, seen, "MediaBaseUrl", NULL);
	if (c->media_base_url && strpbrk(c->media_base_url, "?#"))
		conf_error(ctx, "MediaBaseUrl: a URL without ? or #: links are "
				"made by adding /m/... to it");
	if (c->media_base_url && *c->media_base_url &&
	    (!c->api_listen.host || !*c->api_listen.host))
		conf_warning(ctx, "MediaBaseUrl is set but ApiListen is not: "
				  "no smsgw of this configuration serves the "
				  "links texts carry");
	at(ctx, seen, "SmtpUser", NULL);
	if (c->smtp_user && *c->smtp_user && !c->smtp_password)
		conf_error(ctx, "SmtpUser is set but SmtpPassword (or "
				"SmtpPasswordFile) is not");
	at(ctx, seen, "AuthservId", NULL);
	if (*c->authserv_id)
		conf_warning(ctx,
			     "AuthservId %s: Postfix must drop the "
			     "Authentication-Results headers that claim %s "
			     "from clients before any milter reads them "
			     "(header_checks, INSTALL section 3), or anyone "
			     "can claim a DMARC pass",
			     c->authserv_id, c->authserv_id);
}

/* parse - the whole text; returns the conf, or NULL with errors */
static struct conf *
parse(const char *name, const char *text, int file_mode, char **errors_r)
{
	struct conf_impl *ci = calloc(1, sizeof(*ci));
	struct ut_buf errors = {0}, warnings = {0};
	struct conf_ctx ctx = {0};
	unsigned *seen = calloc(conf_nkeys, sizeof(*seen));
	struct conf *c;
	const char *p = text;
	size_t i;

	*errors_r = NULL;
	if (!ci || !seen || !(ci->arena = ut_arena_new())) {
		free(ci);
		free(seen);
		*errors_r = strdup("out of memory\n");
		return NULL;
	}
	c = &ci->c;
	ctx.arena = ci->arena;
	ctx.errors = &errors;
	ctx.warnings = &warnings;
	ctx.file = name;
	c->path = ut_arena_strdup(ci->arena, name);
	while (*p) {
		size_t n = strcspn(p, "\n");
		char *line = ut_arena_strndup(ci->arena, p, n);

		ctx.line++;
		if (line && n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (line)
			parse_line(&ctx, c, line, seen);
		p += n + (p[n] == '\n');
	}
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *t = twin(&conf_keys[i]);

		if (seen[i] || !conf_keys[i].def || (t && seen[t - conf_keys]))
			continue;
		ctx.line = 0;
		ctx.key = &conf_keys[i];
		conf_parse_value(&ctx, c, conf_keys[i].def);
	}
	check_keys(&ctx, seen);
	if (!errors.len)
		check_values(&ctx, c, seen);
	if (ctx.inline_secret && file_mode >= 0 && (file_mode & 0077)) {
		ctx.line = 0;
		ctx.key = NULL;
		conf_error(&ctx,
			   "holds a secret but is %s by group or others (mode "
			   "%04o): chmod 600 %s, or move the secret to a "
			   "...File key",
			   file_mode & 0044 ? "readable" : "writable",
			   (unsigned)file_mode, name);
	}
	ci->lines = ut_arena_alloc(ci->arena, conf_nkeys * sizeof(*seen));
	if (ci->lines)
		memcpy(ci->lines, seen, conf_nkeys * sizeof(*seen));
	free(seen);
	if (errors.len || errors.failed) {
		*errors_r = errors.failed ? strdup("out of memory\n")
					  : ut_buf_steal(&errors);
		ut_buf_clear(&errors);
		ut_buf_clear(&warnings);
		conf_free(&c);
		return NULL;
	}
	if (warnings.len && !warnings.failed)
		c->warnings = ut_arena_strdup(ci->arena, warnings.s);
	ut_buf_clear(&warnings);
	return c;
}

/* conf_key_line - the line the key called name was set on; 0: not */
unsigned
conf_key_line(const struct conf *c, const char *name)
{
	const struct conf_impl *ci = (const struct conf_impl *)c;

	return ci->lines ? line_of(ci->lines, name) : 0;
}

/* conf_syslog_level - LogLevel as LOG_ERR ... LOG_DEBUG */
int
conf_syslog_level(const struct conf *c)
{
	static const int levels[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
				     LOG_DEBUG};

	return levels[c->log_level];
}

/* conf_load_string - conf_load() on text in memory */
struct conf *
conf_load_string(const char *name, const char *text, char **errors_r)
{
	return parse(name, text, -1, errors_r);
}

/* conf_load - read and check a configuration file */
struct conf *
conf_load(const char *path, char **errors_r)
{
	struct ut_buf text = {0};
	struct stat st;
	struct conf *c;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (!fp || fstat(fileno(fp), &st) != 0) {
		struct ut_buf e = {0};

		ut_buf_printf(&e, "%s: cannot open: %s\n", path,
			      strerror(errno));
		if (fp)
			fclose(fp);
		*errors_r = ut_buf_steal(&e);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 &&
	       text.len <= MAX_FILE)
		ut_buf_add(&text, chunk, n);
	if (ferror(fp) || text.len > MAX_FILE || text.failed ||
	    (text.s && strlen(text.s) != text.len)) {
		struct ut_buf e = {0};

		ut_buf_printf(&e, "%s: %s\n", path,
			      ferror(fp)	    ? "read error"
			      : text.len > MAX_FILE ? "larger than 1 MiB"
			      : text.failed	    ? "out of memory"
						    : "holds a NUL byte");
		fclose(fp);
		ut_buf_clear(&text);
		*errors_r = ut_buf_steal(&e);
		return NULL;
	}
	fclose(fp);
	c = parse(path, text.s ? text.s : "", (int)(st.st_mode & 07777),
		  errors_r);
	ut_buf_clear(&text);
	return c;
}

/* conf_free - free a configuration and set *c to NULL */
void
conf_free(struct conf **c)
{
	struct conf_impl *ci = (struct conf_impl *)*c;

	if (!ci)
		return;
	ut_arena_free(&ci->arena);
	free(ci);
	*c = NULL;
}

/* conf_inbox_path - InboxFile, else the store's name, else the default */
void
conf_inbox_path(const struct conf *c, char *out, size_t size)
{
	size_t n;

	if (c->inbox_file && *c->inbox_file) {
		snprintf(out, size, "%s", c->inbox_file);
		return;
	}
	if (!c->database || c->database[0] != '/') { /* PostgreSQL */
		snprintf(out, size, "/var/lib/smsmilter/smsgw-inbox.db");
		return;
	}
	/* /var/lib/smsmilter/smsmilter.db: .../smsmilter-inbox.db */
	n = strlen(c->database);
	if (n > 3 && strcmp(c->database + n - 3, ".db") == 0)
		n -= 3;
	snprintf(out, size, "%.*s-inbox.db", (int)n, c->database);
}
