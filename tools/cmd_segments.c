/*
 * NAME
 *	cmd_segments - smsctl segments: the SMS segment calculator
 * SYNOPSIS
 *	smsctl segments [--no-smart] [--ref16] [--replace-invalid] [--json]
 *		[--link NAME]... [TEXT...]
 * DESCRIPTION
 *	Shows how a text is sent: encoding, length, segments with their
 *	text, the characters that forced UCS-2 and what smart encoding
 *	saved. Reads standard input when no TEXT is given (one final
 *	newline is dropped); several TEXT arguments are joined by spaces.
 *	Each --link NAME adds, on a line of its own, the link a file NAME
 *	would get from MediaBaseUrl (the configuration's; needed then), as
 *	the milter ends a text with its attachments' links.
 * DIAGNOSTICS
 *	Exit status 0; 2 for bad usage or invalid UTF-8 (naming the byte
 *	offset); 1 when out of memory or the input is over 1 MiB.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "policy/policy.h"
#include "sms/sms.h"
#include "tools/smsctl_int.h"

#define MAX_INPUT  (1024 * 1024)
#define MAX_FORCED 16 /* distinct characters that forced UCS-2 shown */
#define MAX_LINKS  16 /* --link NAME */

/* read_all - read a stream into a buffer; NULL on error or over MAX_INPUT */
static char *
read_all(FILE *fp, size_t *len_r)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *nb;

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, fp);

		n += got;
		if (n < cap) {
			if (ferror(fp))
				break;
			*len_r = n;
			return buf;
		}
		if (cap >= MAX_INPUT + 1)
			break;
		cap *= 2;
		nb = realloc(buf, cap);
		if (!nb)
			break;
		buf = nb;
	}
	free(buf);
	return NULL;
}

/* join_args - TEXT arguments joined by single spaces */
static char *
join_args(int argc, char **argv, size_t *len_r)
{
	size_t n = 0, w = 0;
	int i;
	char *s;

	for (i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	for (i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (i > 0)
			s[w++] = ' ';
		memcpy(s + w, argv[i], l);
		w += l;
	}
	s[w] = '\0';
	*len_r = w;
	return s;
}

/* put_escaped - print UTF-8 text with control characters escaped */
static void
put_escaped(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\f': fputs("\\f", stdout); break;
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		default:
			if (c < 0x20 || c == 0x7F)
				printf("\\x%02X", c);
			else
				putchar(c);
		}
	}
	putchar('"');
}

/* char_utf8 - one code point as a NUL-terminated UTF-8 string */
static void
char_utf8(uint32_t cp, char out[5])
{
	size_t n = 0;

	if (cp < 0x80) {
		out[n++] = (char)cp;
	} else if (cp < 0x800) {
		out[n++] = (char)(0xC0 | (cp >> 6));
		out[n++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[n++] = (char)(0xE0 | (cp >> 12));
		out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[n++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[n++] = (char)(0xF0 | (cp >> 18));
		out[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[n++] = (char)(0x80 | (cp & 0x3F));
	}
	out[n] = '\0';
}

/* print_text - the human-readable report */
static void
print_text(const struct sms_plan *p)
{
	const char *unit = p->encoding == SMS_GSM7 ? "septets" : "UTF-16 units";
	struct sms_forced forced[MAX_FORCED];
	unsigned i, total, listed;
	bool more;

	printf("encoding: %s\n", sms_encoding_name(p->encoding));
	printf("length: %u %s\n", p->length, unit);
	printf("segments: %u\n", p->nparts);
	for (i = 0; i < p->nparts; i++) {
		printf("part %u (%u %s): ", i + 1, p->parts[i].length, unit);
		put_escaped(p->text + p->parts[i].off, p->parts[i].len);
		putchar('\n');
	}
	total = sms_plan_forced(p, forced, MAX_FORCED, &listed, &more);
	if (total > 0) {
		printf("forced UCS-2:");
		for (i = 0; i < listed; i++) {
			char c[5];

			char_utf8(forced[i].cp, c);
			printf("%s U+%04X \"%s\" at byte %zu", i ? "," : "",
			       (unsigned)forced[i].cp,
			       forced[i].cp < 0x20 ? "" : c, forced[i].off);
		}
		if (more)
			printf(" and more");
		putchar('\n');
	}
	if (p->smart_replaced > 0)
		printf("smart encoding: replaced %u characters, saved %u "
		       "segments\n",
		       p->smart_replaced, p->smart_saved);
	if (p->invalid > 0)
		printf("invalid UTF-8: %u sequences replaced by U+FFFD\n",
		       p->invalid);
}

/* print_json - one object; scripts rely on the key names */
static int
print_json(const struct sms_plan *p)
{
	json_t *o = json_object(), *parts = json_array(),
	       *lengths = json_array(), *chars = json_array(),
	       *details = json_array();
	struct sms_forced forced[MAX_FORCED];
	unsigned i, total, listed;
	bool more;
	int rc;

	for (i = 0; i < p->nparts; i++) {
		json_array_append_new(
		    parts,
		    json_stringn(p->text + p->parts[i].off, p->parts[i].len));
		json_array_append_new(lengths,
				      json_integer(p->parts[i].length));
	}
	total = sms_plan_forced(p, forced, MAX_FORCED, &listed, &more);
	for (i = 0; i < listed; i++) {
		char c[5], u[12];

		char_utf8(forced[i].cp, c);
		snprintf(u, sizeof(u), "U+%04X", (unsigned)forced[i].cp);
		json_array_append_new(chars, json_string(c));
		json_array_append_new(details,
				      json_pack("{s:s, s:s, s:I}", "char", c,
						"codepoint", u, "offset",
						(json_int_t)forced[i].off));
	}
	json_object_set_new(o, "encoding",
			    json_string(sms_encoding_name(p->encoding)));
	json_object_set_new(o, "length", json_integer(p->length));
	json_object_set_new(
	    o, "unit",
	    json_string(p->encoding == SMS_GSM7 ? "septets" : "utf16_units"));
	json_object_set_new(o, "segments", json_integer(p->nparts));
	json_object_set_new(o, "parts", parts);
	json_object_set_new(o, "part_lengths", lengths);
	json_object_set_new(o, "ucs2_chars", chars);
	json_object_set_new(o, "ucs2_forced", details);
	json_object_set_new(o, "ucs2_more", json_boolean(more));
	json_object_set_new(o, "ucs2_count", json_integer(total));
	json_object_set_new(o, "smart_saved", json_integer(p->smart_saved));
	json_object_set_new(o, "smart_replaced",
			    json_integer(p->smart_replaced));
	json_object_set_new(o, "invalid_replaced", json_integer(p->invalid));
	json_object_set_new(o, "text", json_stringn(p->text, p->text_len));
	rc = json_dumpf(o, stdout, JSON_COMPACT) == 0 && putchar('\n') != EOF
		 ? 0
		 : 1;
	json_decref(o);
	return rc;
}

static void
segments_usage(FILE *fp)
{
	fprintf(fp, "usage: smsctl segments [--no-smart] [--ref16] "
		    "[--replace-invalid] [--json] [--link NAME]... "
		    "[TEXT...]\n");
}

/*
 * add_links - text (len bytes, malloc'd) with a line per name: the link
 * MediaBaseUrl gives a file of that name; NULL, said, on failure
 */
static char *
add_links(const struct smsctl *ctl, char *text, size_t *len,
	  const char *const *names, unsigned n)
{
	char *errors = NULL, mid[STORE_MEDIA_ID_LEN + 1];
	char url[POLICY_MEDIA_URL_MAX], *out;
	struct conf *c = conf_load(ctl->config, &errors);
	unsigned i;
	size_t k;

	if (!c) {
		fputs(errors ? errors : "", stderr);
		free(errors);
		free(text);
		return NULL;
	}
	if (!c->media_base_url || !*c->media_base_url) {
		fprintf(stderr,
			"smsctl segments: --link needs MediaBaseUrl in "
			"%s\n",
			ctl->config);
		conf_free(&c);
		free(text);
		return NULL;
	}
	out = realloc(text, *len + n * (POLICY_MEDIA_URL_MAX + 1) + 1);
	if (!out) {
		conf_free(&c);
		free(text);
		return NULL;
	}
	k = *len;
	for (i = 0; i < n; i++) {
		if (!store_media_id_new(mid) ||
		    !policy_media_url(c->tag_secret, c->media_base_url, mid,
				      (int64_t)time(NULL) + c->media_lifetime,
				      names[i], "", url, sizeof(url))) {
			fprintf(stderr, "smsctl segments: no link for %s\n",
				names[i]);
			conf_free(&c);
			free(out);
			return NULL;
		}
		k += (size_t)sprintf(out + k, "%s%s", k ? "\n" : "", url);
	}
	*len = k;
	conf_free(&c);
	return out;
}

/* cmd_segments - smsctl segments */
int
cmd_segments(const struct smsctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"no-smart", no_argument, NULL, 's'},
	    {"ref16", no_argument, NULL, 'r'},
	    {"replace-invalid", no_argument, NULL, 'i'},
	    {"json", no_argument, NULL, 'j'},
	    {"link", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct sms_opts opts;
	struct sms_error err;
	struct sms_plan *p;
	const char *links[MAX_LINKS];
	unsigned nlinks = 0;
	bool json = false;
	char *text;
	size_t len = 0;
	int c, rc;

	/* the calculator needs no configuration, but for --link */
	sms_opts_init(&opts);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': opts.smart = false; break;
		case 'r': opts.ref16 = true; break;
		case 'i': opts.replace_invalid = true; break;
		case 'j': json = true; break;
		case 'l':
			if (nlinks == MAX_LINKS) {
				fprintf(stderr,
					"smsctl segments: at most %d "
					"--link\n",
					MAX_LINKS);
				return EXIT_USAGE;
			}
			links[nlinks++] = optarg;
			break;
		case 'h': segments_usage(stdout); return 0;
		default: segments_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		text = join_args(argc - optind, argv + optind, &len);
	} else {
		text = read_all(stdin, &len);
		if (!text) {
			fprintf(stderr,
				"smsctl segments: cannot read standard "
				"input (over 1 MiB, or a read error)\n");
			return 1;
		}
		if (len > 0 && text[len - 1] == '\n')
			len--;
		if (len > 0 && text[len - 1] == '\r')
			len--;
	}
	if (!text) {
		fprintf(stderr, "smsctl segments: out of memory\n");
		return 1;
	}
	if (nlinks > 0 && !(text = add_links(ctl, text, &len, links, nlinks)))
		return 1;
	p = sms_plan_new(text, len, &opts, &err);
	free(text);
	if (!p) {
		fprintf(stderr, "smsctl segments: %s\n", err.msg);
		return err.status == SMS_EUTF8 ? EXIT_USAGE : 1;
	}
	if (json) {
		rc = print_json(p);
	} else {
		print_text(p);
		rc = fflush(stdout) == 0 ? 0 : 1;
	}
	sms_plan_free(&p);
	return rc;
}
