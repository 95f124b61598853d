/*
 * NAME
 *	print - the effective configuration, the sample file, the man page
 * DESCRIPTION
 *	All three come from the key table, so they cannot drift from what
 *	the parser accepts. Secrets are always printed masked.
 */
#include <arpa/inet.h>
#include <string.h>

#include "conf/conf_int.h"

#define CFIELD(c, key, type)                                                   \
	((const type *)(const void *)((const char *)(c) + (key)->off))

/* A unit and how many of the base unit it holds. */
struct unit {
	long long n;
	char u;
};

/*
 * format_units - v in the largest unit of units[] that divides it,
 * else bare, followed by the base suffix (may be empty)
 */
static void
format_units(struct ut_buf *out, long long v, const struct unit *units,
	     size_t nunits, const char *base)
{
	size_t i;

	for (i = 0; i < nunits; i++) {
		if (v != 0 && v % units[i].n == 0) {
			ut_buf_printf(out, "%lld%c", v / units[i].n,
				      units[i].u);
			return;
		}
	}
	ut_buf_printf(out, "%lld%s", v, base);
}

/* conf_format_duration - seconds in the largest exact unit */
void
conf_format_duration(struct ut_buf *out, long long v)
{
	static const struct unit units[] = {
	    {604800, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}};

	format_units(out, v, units, sizeof(units) / sizeof(units[0]), "s");
}

/* conf_format_size - bytes in the largest exact unit */
void
conf_format_size(struct ut_buf *out, long long v)
{
	static const struct unit units[] = {
	    {1024LL * 1024 * 1024, 'G'}, {1024 * 1024, 'M'}, {1024, 'k'}};

	format_units(out, v, units, sizeof(units) / sizeof(units[0]), "");
}

/* conf_format_value - the field for key as it would be written */
void
conf_format_value(const struct conf *c, const struct conf_key *k,
		  struct ut_buf *out)
{
	size_t i;

	switch (k->type) {
	case CT_INT:
		ut_buf_printf(out, "%lld", *CFIELD(c, k, long long));
		break;
	case CT_DURATION:
		conf_format_duration(out, *CFIELD(c, k, long long));
		break;
	case CT_SIZE: conf_format_size(out, *CFIELD(c, k, long long)); break;
	case CT_BOOL:
		ut_buf_printf(out, "%s", *CFIELD(c, k, bool) ? "yes" : "no");
		break;
	case CT_ENUM:
		ut_buf_printf(out, "%s", k->choices[*CFIELD(c, k, int)]);
		break;
	case CT_DOMAINS:
	case CT_HOSTS:
	case CT_COUNTRIES:
	case CT_PREFIXES:
	case CT_SHORTCODES:
	case CT_NUMBERS:
	case CT_ADDRESSES:
	case CT_PHRASES: {
		const struct conf_list *l = CFIELD(c, k, struct conf_list);
		const char *sep = k->type == CT_PHRASES ? " | " : ", ";

		for (i = 0; i < l->n; i++)
			ut_buf_printf(out, "%s%s", i ? sep : "", l->v[i]);
		break;
	}
	case CT_NETWORKS: {
		const struct conf_nets *n = CFIELD(c, k, struct conf_nets);

		for (i = 0; i < n->n; i++) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(n->v[i].family, n->v[i].addr, a, sizeof(a));
			ut_buf_printf(out, "%s%s/%u", i ? ", " : "", a,
				      n->v[i].prefix);
		}
		break;
	}
	case CT_OWNER_NUMBERS:
	case CT_NUMBER_OWNERS:
	case CT_ALIASES:
	case CT_LOGINS:
	case CT_ACCOUNTS:
	case CT_GROUP_NUMBERS:
	case CT_NUMBER_PAIRS: {
		const struct conf_map *m = CFIELD(c, k, struct conf_map);

		for (i = 0; i < m->n; i++)
			ut_buf_printf(out, "%s%s=%s", i ? ", " : "",
				      m->v[i].key, m->v[i].value);
		break;
	}
	case CT_HOSTPORT: {
		const struct conf_hostport *hp =
		    CFIELD(c, k, struct conf_hostport);

		if (!hp->host || !hp->host[0])
			ut_buf_printf(out, "\"\""); /* none */
		else
			ut_buf_printf(
			    out, strchr(hp->host, ':') ? "[%s]:%u" : "%s:%u",
			    hp->host, hp->port);
		break;
	}
	case CT_HOOKS: {
		const struct conf_hooks *h = CFIELD(c, k, struct conf_hooks);

		for (i = 0; i < h->n; i++)
			ut_buf_printf(out, "%s%s %s %s%s", i ? "; " : "",
				      h->v[i].number, h->v[i].method,
				      h->v[i].url,
				      h->v[i].expect_ok ? " ok" : "");
		break;
	}
	case CT_RATE: {
		const struct conf_rate *r = CFIELD(c, k, struct conf_rate);

		ut_buf_printf(out, "%lld/", r->count);
		conf_format_duration(out, r->seconds);
		break;
	}
	case CT_DATABASE: { /* a URI's password never printed */
		char safe[1024];

		ut_pg_uri_safe(*CFIELD(c, k, const char *), safe, sizeof(safe));
		ut_buf_printf(out, "%s", safe);
		break;
	}
	case CT_SECRET:
	case CT_SECRET_FILE:
		if (*CFIELD(c, k, const char *) && **CFIELD(c, k, const char *))
			ut_buf_printf(out, "********");
		break;
	default: {
		const char *s = *CFIELD(c, k, const char *);

		if (s && (strpbrk(s, " \t#\"\\") || !*s))
			ut_buf_add(out, "\"", 1);
		for (; s && *s; s++) {
			if (*s == '"' || *s == '\\')
				ut_buf_add(out, "\\", 1);
			ut_buf_add(out, s, 1);
		}
		s = *CFIELD(c, k, const char *);
		if (s && (strpbrk(s, " \t#\"\\") || !*s))
			ut_buf_add(out, "\"", 1);
	}
	}
}

/* conf_print - every key with its effective value, secrets masked */
void
conf_print(const struct conf *c, FILE *fp)
{
	struct ut_buf b = {0};
	size_t i;

	fprintf(fp, "# effective configuration of %s\n", c->path);
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->type == CT_SECRET_FILE)
			continue; /* its twin prints the (masked) value */
		if (k->type == CT_HOOKS && CFIELD(c, k, struct conf_hooks)->n) {
			const struct conf_hooks *h =
			    CFIELD(c, k, struct conf_hooks);

			for (size_t j = 0; j < h->n; j++)
				fprintf(fp, "%s %s %s %s%s\n", k->name,
					h->v[j].number, h->v[j].method,
					h->v[j].url,
					h->v[j].expect_ok ? " ok" : "");
			continue;
		}
		b.len = 0;
		if (b.s)
			b.s[0] = '\0';
		conf_format_value(c, k, &b);
		fprintf(fp, "%s %s\n", k->name, b.len ? b.s : "\"\"");
	}
	ut_buf_clear(&b);
}

/* wrap - write text as comment lines of at most 72 columns */
static void
wrap(FILE *fp, const char *prefix, const char *text)
{
	size_t width = 72 - strlen(prefix);

	while (*text) {
		size_t n = strlen(text), cut = n;

		if (n > width) {
			cut = width;
			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = width;
		}
		fprintf(fp, "%s%.*s\n", prefix, (int)cut, text);
		text += cut;
		while (*text == ' ')
			text++;
	}
}

/* what ends a sample line that shows an example, not the default */
#define SAMPLE_EXAMPLE "# example"

/* conf_write_sample - the sample smsmilter.conf */
void
conf_write_sample(FILE *fp)
{
	const char *section = NULL;
	size_t i;

	fputs("# smsmilter.conf - configuration of smsmilter, smsgw and "
	      "smsctl\n"
	      "#\n"
	      "# Generated from the key table (conf/keys.c); see "
	      "smsmilter.conf(5).\n"
	      "# \"Key value\" per line; keys are case-insensitive; "
	      "\"#\" starts a comment.\n"
	      "#\n"
	      "# A commented-out \"#Key value\" line shows the key's default: "
	      "uncommenting\n"
	      "# it changes nothing. One that ends in \"" SAMPLE_EXAMPLE
	      "\" shows an example for a\n"
	      "# key that is unset by default: uncommenting it sets it. "
	      "Required keys\n"
	      "# are set to examples: change them.\n",
	      fp);
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		bool active = (k->flags & KEY_REQUIRED) && k->example;

		if (!section || strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(fp, "\n## %s\n", section);
		}
		fputs("\n", fp);
		wrap(fp, "# ", k->doc);
		if (active)
			fprintf(fp, "%s %s\n", k->name, k->example);
		else if (k->def && *k->def)
			fprintf(fp, "#%s %s\n", k->name, k->def);
		else if (k->example)
			fprintf(fp, "#%s %s  %s\n", k->name, k->example,
				SAMPLE_EXAMPLE);
		else
			fprintf(fp, "#%s\n", k->name);
	}
}

/* roff - write text with roff specials escaped */
static void
roff(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

/* conf_write_man_keys - the KEYS section of smsmilter.conf(5) */
void
conf_write_man_keys(FILE *fp)
{
	const char *section = NULL;
	size_t i;

	fputs(".\\\" Generated from conf/keys.c by smsctl config man-keys.\n",
	      fp);
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (!section || strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(fp, ".SS %s\n", section);
		}
		fprintf(fp, ".TP\n.B %s\n", k->name);
		roff(fp, k->doc);
		fputs("\n", fp);
		if (k->flags & KEY_REQUIRED)
			fputs(".br\nRequired.\n", fp);
		else if (k->def && *k->def) {
			fputs(".br\nDefault: ", fp);
			roff(fp, k->def);
			fputs("\n", fp);
		}
		if (k->example && (!k->def || strcmp(k->def, k->example))) {
			fputs(".br\nExample: ", fp);
			roff(fp, k->example);
			fputs("\n", fp);
		}
	}
}

/* conf_changed - which of keys differ between a and b, by name */
size_t
conf_changed(const struct conf *a, const struct conf *b,
	     const char *const *keys, char *out, size_t size)
{
	struct ut_buf x = {0}, y = {0};
	size_t i, k, n = 0, len = 0;

	if (size)
		out[0] = '\0';
	for (k = 0; keys[k]; k++)
		for (i = 0; i < conf_nkeys; i++) {
			const struct conf_key *key = &conf_keys[i];

			size_t kl = strlen(keys[k]);

			/* "Smpp*": every key that begins so */
			if (kl && keys[k][kl - 1] == '*'
				? strncasecmp(key->name, keys[k], kl - 1) != 0
				: strcasecmp(key->name, keys[k]) != 0)
				continue;
			if (key->type == CT_SECRET_FILE)
				continue; /* its twin says it */
			x.len = y.len = 0;
			if (x.s)
				x.s[0] = '\0';
			if (y.s)
				y.s[0] = '\0';
			conf_format_value(a, key, &x);
			conf_format_value(b, key, &y);
			if (strcmp(x.s ? x.s : "", y.s ? y.s : "") != 0) {
				if (len < size)
					len += (size_t)snprintf(
					    out + len, size - len, "%s%s",
					    n ? ", " : "", key->name);
				n++;
			}
		}
	ut_buf_clear(&x);
	ut_buf_clear(&y);
	return n;
}
