/*
 * NAME
 *	compose - an inbound SMS as a replyable email (dsn.c writes the
 *	reports about outbound ones with the helpers here)
 * DESCRIPTION
 *	gmime writes the MIME: folding, quoted-printable bodies (lines stay
 *	under 78 characters however long the words), RFC 2047 for header
 *	words, except where it would write an encoded-word over RFC 2047's
 *	75 characters: q_words() writes those. What comes from a phone or a
 *carrier never reaches a header raw: mp_mp_clean_header() turns every control
 *character (CR, LF, NUL, TAB, DEL, C1) into a space and caps the length, and
 *	message ids and addresses are checked to be plain atoms before
 *	they are used.
 */
#include <glib.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "mailparse/compose_int.h"

#define HEADER_MAX 200 /* characters of a header value from outside */

/*
 * clean_header - s as one safe header line: valid UTF-8, controls
 * made spaces, runs of spaces one, ends trimmed, at most HEADER_MAX
 * characters (never cutting a character). Returns malloc'd, or NULL.
 */
char *
mp_clean_header(const char *s)
{
	char *u, *out;
	size_t i, o = 0, chars = 0;
	bool space = true;

	u = mp_to_utf8(s ? s : "", s ? strlen(s) : 0, NULL);
	if (!u)
		return NULL;
	out = malloc(strlen(u) + 1);
	if (!out) {
		free(u);
		return NULL;
	}
	for (i = 0; u[i] && chars < HEADER_MAX;) {
		unsigned char c = (unsigned char)u[i];
		size_t n = mp_u8_len(c);
		bool ctl = c < 0x20 || c == 0x7f ||
			   (c == 0xc2 && (unsigned char)u[i + 1] >= 0x80 &&
			    (unsigned char)u[i + 1] < 0xa0);

		if (ctl || c == ' ') {
			if (!space)
				out[o++] = ' ';
			space = true;
			i += n;
			chars++;
			continue;
		}
		memcpy(out + o, u + i, n);
		o += n;
		i += n;
		chars++;
		space = false;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	free(u);
	return out;
}

/*
 * atom_ok - s is a usable message id or address: printable ASCII, no
 * space, brackets, quotes, commas or semicolons, 1-250 characters
 */
bool
mp_atom_ok(const char *s)
{
	static const char atext[] = "!#$%&'*+-./0123456789:=?@"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`"
				    "abcdefghijklmnopqrstuvwxyz{|}~";
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 250 && strspn(s, atext) == n;
}

/*
 * q_words - text as RFC 2047 "Q" encoded-words of at most 60 characters
 * (so that even the first, after "Reply-To: ", stays under 78), cut at
 * character boundaries, one a line; then addr ("<a@b>") when given. The
 * result is a raw header value: leading space, LF line ends.
 */
static char *
q_words(const char *text, const char *addr)
{
	static const char hex[] = "0123456789ABCDEF";
	GString *v = g_string_new(NULL);
	const unsigned char *t = (const unsigned char *)text;
	size_t i = 0, room = 0;
	bool fresh = false;

	while (t[i]) {
		size_t n = mp_u8_len(t[i]);
		size_t k, cost = 0;

		for (k = 0; k < n && t[i + k]; k++)
			cost += g_ascii_isalnum(t[i + k]) || t[i + k] == ' ' ||
					strchr("!*+-/", t[i + k])
				    ? 1
				    : 3;
		if (t[i] == ' ' && room < 48) {
			/* a new encoded-word at a space when the next word
			 * would not fit whole */
			size_t j, need = 1;

			for (j = i + 1; t[j] && t[j] != ' '; j++)
				need += g_ascii_isalnum(t[j]) ||
						strchr("!*+-/", t[j])
					    ? 1
					    : 3;
			if (need > room && need <= 48)
				fresh = true;
		}
		if (cost > room || fresh) { /* a new encoded-word */
			fresh = false;
			if (v->len)
				g_string_append(v, "?=\n");
			g_string_append(v, " =?UTF-8?Q?");
			room = 60 - 12;
		}
		for (k = 0; k < n && t[i + k]; k++) {
			unsigned char c = t[i + k];

			if (c == ' ')
				g_string_append_c(v, '_');
			else if (g_ascii_isalnum(c) || strchr("!*+-/", c))
				g_string_append_c(v, (char)c);
			else
				g_string_append_printf(v, "=%c%c", hex[c >> 4],
						       hex[c & 15]);
		}
		room -= cost;
		i += k;
	}
	if (v->len)
		g_string_append(v, "?=\n");
	if (addr)
		g_string_append_printf(v, " %s\n", addr);
	return g_string_free(v, FALSE);
}

/* plain_ok - gmime may write text itself: ASCII, no "=?", short words */
static bool
plain_ok(const char *text)
{
	size_t run = 0;

	if (strstr(text, "=?"))
		return false;
	for (; *text; text++) {
		if ((unsigned char)*text >= 0x80)
			return false;
		run = *text == ' ' ? 0 : run + 1;
		if (run > 60)
			return false;
	}
	return true;
}

/* quoted_len - characters of text as a quoted-string's contents */
static size_t
quoted_len(const char *text)
{
	size_t n = strlen(text);

	for (; *text; text++)
		n += *text == '"' || *text == '\\';
	return n;
}

/*
 * encode_header - write header name of m (already set) as our own
 * encoded-words when gmime's would not do: gmime 3.2 writes one
 * encoded-word per long run however long (RFC 2047 allows 75), and a
 * long quoted display name on a line over 78
 */
void
mp_encode_header(GMimeMessage *m, const char *name, const char *text,
		 const char *addr)
{
	GMimeHeaderList *l = g_mime_object_get_header_list(GMIME_OBJECT(m));
	GMimeHeader *h = g_mime_header_list_get_header(l, name);
	char *raw, *a = NULL;

	/* a display name gmime would quote may not fold under 78 */
	if (!h || !text || !*text ||
	    (plain_ok(text) && (!addr || quoted_len(text) <= 60)))
		return;
	if (addr)
		a = g_strdup_printf("<%s>", addr);
	raw = q_words(text, a);
	g_mime_header_set_raw_value(h, raw);
	g_free(raw);
	g_free(a);
}

/* mp_new_message_id - "<26 base32 characters>@domain" (128 random bits) */
int
mp_new_message_id(const char *domain, char *buf, size_t size)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char r[17];
	char id[27];
	size_t i;

	if (!mp_atom_ok(domain) || strchr(domain, '@'))
		return MP_EPARSE;
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return MP_ENOMEM;
	for (i = 0; i < 26; i++) {
		unsigned bit = (unsigned)i * 5;
		unsigned two = (unsigned)r[bit / 8] << 8 | r[bit / 8 + 1];

		id[i] = b32[two >> (11 - bit % 8) & 31];
	}
	id[26] = '\0';
	if ((size_t)snprintf(buf, size, "%s@%s", id, domain) >= size)
		return MP_ETOOBIG;
	return MP_OK;
}

/*
 * body_part - a text/plain; charset=utf-8 part in quoted-printable,
 * text with CRLF made LF and NUL dropped
 */
GMimePart *
mp_body_part(const char *text)
{
	GMimePart *part = g_mime_part_new_with_type("text", "plain");
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeDataWrapper *w;
	char *u = mp_to_utf8(text ? text : "", text ? strlen(text) : 0, NULL);
	size_t i;

	for (i = 0; u && u[i]; i++) {
		if (u[i] == '\r' && u[i + 1] == '\n')
			continue;
		g_mime_stream_write(mem, u[i] == '\r' ? "\n" : u + i, 1);
	}
	free(u);
	g_mime_stream_reset(mem);
	w = g_mime_data_wrapper_new_with_stream(mem,
						GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(mem);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset",
						 "utf-8");
	g_mime_part_set_content_encoding(
	    part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return part;
}

/* set_ids - In-Reply-To and References from a checked list */
void
mp_set_ids(GMimeMessage *m, const char *in_reply_to, const char *const *refs,
	   size_t nrefs)
{
	GString *s;
	size_t i;

	if (mp_atom_ok(in_reply_to)) {
		char *v = g_strdup_printf("<%s>", in_reply_to);

		g_mime_object_set_header(GMIME_OBJECT(m), "In-Reply-To", v,
					 NULL);
		g_free(v);
	}
	s = g_string_new(NULL);
	for (i = 0; i < nrefs; i++)
		if (mp_atom_ok(refs[i]))
			g_string_append_printf(s, "%s<%s>", s->len ? " " : "",
					       refs[i]);
	if (s->len)
		g_mime_object_set_header(GMIME_OBJECT(m), "References", s->str,
					 NULL);
	g_string_free(s, TRUE);
}

/* finish - the message as CRLF text in *out; frees m */
int
mp_finish(GMimeMessage *m, char **out, size_t *len, struct mp_error *err)
{
	GMimeFormatOptions *fo = g_mime_format_options_new();
	char *s;

	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	s = g_mime_object_to_string(GMIME_OBJECT(m), fo);
	g_mime_format_options_free(fo);
	g_object_unref(m);
	if (!s)
		return mp_fail(err, MP_ENOMEM, "out of memory");
	*out = strdup(s);
	g_free(s);
	if (!*out)
		return mp_fail(err, MP_ENOMEM, "out of memory");
	*len = strlen(*out);
	return MP_OK;
}

/* set_date - Date: from a time_t (0: now) */
void
mp_set_date(GMimeMessage *m, long long when)
{
	GDateTime *d = when ? g_date_time_new_from_unix_local(when)
			    : g_date_time_new_now_local();

	g_mime_message_set_date(m, d);
	g_date_time_unref(d);
}

/* base_subject - a subject without "Re:"s in front and "[#...]" */
static char *
base_subject(const char *subject)
{
	char *s = mp_clean_header(subject), *p, *q;

	if (!s)
		return NULL;
	p = s;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!strncasecmp(p, "re:", 3) || !strncasecmp(p, "aw:", 3) ||
		    !strncasecmp(p, "sv:", 3))
			p += 3;
		else
			break;
	}
	mp_subject_untag(p);
	memmove(s, p, strlen(p) + 1);
	for (q = s + strlen(s); q > s && q[-1] == ' ';)
		*--q = '\0';
	return s;
}

/* mp_media_type - content_type when one plain type/subtype */
char *
mp_media_type(const char *ct)
{
	const char *slash = ct ? strchr(ct, '/') : NULL;

	if (!mp_atom_ok(ct) || !slash || slash == ct || !slash[1] ||
	    strchr(slash + 1, '/') || strlen(ct) > 100)
		ct = "application/octet-stream";
	return g_ascii_strdown(ct, -1);
}

/* mp_media_line - "[image: url]", "[media: url]" (malloc'd, or NULL) */
char *
mp_media_line(const char *content_type, const char *url)
{
	char *v = mp_clean_header(url), *line;

	if (!v)
		return NULL;
	line = malloc(strlen(v) + 10);
	if (line)
		sprintf(line, "[%s: %s]",
			content_type && !strncmp(content_type, "image/", 6)
			    ? "image"
			    : "media",
			v);
	free(v);
	return line;
}

/* mp_attachment_part - a base64 part of the bytes, a safe file name */
GMimePart *
mp_attachment_part(const char *content_type, const char *filename,
		   const unsigned char *data, size_t size)
{
	char *type = mp_media_type(content_type), *slash = strchr(type, '/');
	char fname[33];
	size_t i, n = 0;
	GMimePart *att;

	/* a name any client and any header line can take: letters,
	   digits, dot, dash and underscore, at most 32 (a header line
	   with it stays under 78) */
	for (i = 0; filename && filename[i] && n < sizeof(fname) - 1; i++) {
		unsigned char c = (unsigned char)filename[i];

		fname[n++] =
		    g_ascii_isalnum(c) || c == '.' || c == '-' || c == '_'
			? (char)c
			: '_';
	}
	fname[n] = '\0';
	if (n == 0 || fname[0] == '.')
		snprintf(fname, sizeof(fname), "media");
	GMimeStream *mem;
	GMimeDataWrapper *w;

	*slash = '\0';
	att = g_mime_part_new_with_type(type, slash + 1);
	g_free(type);
	mem = g_mime_stream_mem_new_with_buffer((const char *)data, size);
	w = g_mime_data_wrapper_new_with_stream(mem,
						GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(att, w);
	g_mime_part_set_filename(att, fname);
	g_mime_part_set_content_encoding(att, GMIME_CONTENT_ENCODING_BASE64);
	g_object_unref(w);
	g_object_unref(mem);
	return att;
}

/* fetchable - a URL mp_media_wanted can give back whole */
static bool
fetchable(const char *url)
{
	size_t n = url ? strlen(url) : 0, i;

	if (n == 0 || n > MP_MEDIA_URL_MAX ||
	    (strncasecmp(url, "https://", 8) && strncasecmp(url, "http://", 7)))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f)
			return false;
	return true;
}

/*
 * compose - an inbound SMS as a replyable email: written directly when
 * plain allows and it needs nothing of gmime (plain.c), else by gmime
 */
static int
compose(const struct mp_sms_mail *in, bool plain, char **out, size_t *len,
	struct mp_error *err)
{
	GMimeMessage *m;
	GMimeObject *body;
	char from[300], reply[300], tagged[48] = "", *name = NULL;
	char *subj = NULL, *v;
	size_t i;

	*out = NULL;
	*len = 0;
	if (!mp_atom_ok(in->phone) || !mp_atom_ok(in->sms_domain) ||
	    !mp_atom_ok(in->to) || !mp_atom_ok(in->message_id) ||
	    (in->tag && *in->tag &&
	     (!mp_atom_ok(in->tag) || strlen(in->tag) > 32)))
		return mp_fail(err, MP_EPARSE,
			       "phone, domain, recipient, message id and tag "
			       "must be plain addresses (a tag at most 32 "
			       "characters)");
	if (in->tag && *in->tag)
		snprintf(tagged, sizeof(tagged), " [#%s]", in->tag);
	if ((size_t)snprintf(from, sizeof(from), "%s@%s",
			     in->phone[0] == '+' ? in->phone + 1 : in->phone,
			     in->sms_domain) >= sizeof(from) ||
	    (size_t)snprintf(reply, sizeof(reply), "%s%s%s@%s",
			     in->phone[0] == '+' ? in->phone + 1 : in->phone,
			     *tagged ? "+" : "", *tagged ? in->tag : "",
			     in->sms_domain) >= sizeof(reply))
		return mp_fail(err, MP_EPARSE,
			       "the phone number and SMS domain make an "
			       "address over 300 characters");

	{
		char *disp = mp_clean_header(
		    in->phone_display && *in->phone_display ? in->phone_display
							    : in->phone);
		char *contact = mp_clean_header(in->contact_name);

		if (!disp || !contact) {
			free(disp);
			free(contact);
			return mp_fail(err, MP_ENOMEM, "out of memory");
		}
		name = *contact ? g_strdup_printf("%s (%s)", contact, disp)
				: g_strdup(disp);
		if (in->voicemail) {
			char *dur = mp_clean_header(in->voicemail);

			subj = g_strdup_printf("Voicemail from %s (%s)%s",
					       *contact ? contact : disp,
					       dur ? dur : "", tagged);
			free(dur);
		} else if (in->last_subject && *in->last_subject) {
			char *b = base_subject(in->last_subject);

			subj = g_strdup_printf("Re: %s%s", b ? b : "", tagged);
			free(b);
		} else {
			subj = g_strdup_printf(
			    "SMS from %s%s", *contact ? contact : disp, tagged);
		}
		free(disp);
		free(contact);
	}
	if (plain && name && subj &&
	    mp_plain_sms(in, name, subj, from, reply, out, len)) {
		g_free(name);
		g_free(subj);
		return MP_OK;
	}

	m = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, name, from);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_REPLY_TO, name, reply);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, in->to);
	g_mime_message_set_subject(m, subj, "utf-8");
	mp_encode_header(m, "From", name, from);
	mp_encode_header(m, "Reply-To", name, reply);
	mp_encode_header(m, "Subject", subj, NULL);
	g_free(name);
	g_free(subj);
	g_mime_message_set_message_id(m, in->message_id);
	mp_set_date(m, in->date);
	mp_set_ids(m, in->in_reply_to, in->references, in->nreferences);
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted",
				 "auto-generated", NULL);
	v = mp_clean_header(in->phone);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-From", v, NULL);
	free(v);
	if (in->our_number && *in->our_number) {
		v = mp_clean_header(in->our_number);
		g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-To", v, NULL);
		mp_encode_header(m, "X-SMS-To", v, NULL);
		free(v);
	}
	if (in->voicemail) {
		v = mp_clean_header(in->voicemail);
		g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-Voicemail", v,
					 NULL);
		mp_encode_header(m, "X-SMS-Voicemail", v, NULL);
		free(v);
	}
	if (in->tag && *in->tag)
		g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-Thread",
					 in->tag, NULL);
	if (in->segments) {
		char n[16];

		snprintf(n, sizeof(n), "%u", in->segments);
		g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-Segments", n,
					 NULL);
	}

	/* the text, then a line per media item only linked */
	{
		GString *text = g_string_new(in->text ? in->text : "");
		GMimeMultipart *mixed = NULL;

		for (i = 0; i < in->nmedia; i++) {
			const struct mp_media *md = &in->media[i];

			if (md->data && md->size)
				continue;
			v = mp_media_line(md->content_type, md->url);
			g_string_append_printf(
			    text, "%s%s", text->len ? "\n\n" : "", v ? v : "");
			free(v);
			if (in->fetch_media && fetchable(md->url)) {
				/* raw: gmime would encode a long URL */
				GMimeHeaderList *hl =
				    g_mime_object_get_header_list(
					GMIME_OBJECT(m));
				char *t = mp_media_type(md->content_type);
				char *h = g_strdup_printf(
				    " %s\n %s\n%s", t, md->url,
				    in->fetch_anonymous ? " anonymous\n" : "");

				g_mime_object_append_header(GMIME_OBJECT(m),
							    MP_MEDIA_HEADER,
							    "-", NULL);
				g_mime_header_set_raw_value(
				    g_mime_header_list_get_header_at(
					hl,
					g_mime_header_list_get_count(hl) - 1),
				    h);
				g_free(h);
				g_free(t);
			}
		}
		body = GMIME_OBJECT(mp_body_part(text->str));
		g_string_free(text, TRUE);
		for (i = 0; i < in->nmedia; i++) {
			const struct mp_media *md = &in->media[i];
			GMimePart *att;

			if (!md->data || !md->size)
				continue;
			if (!mixed) {
				mixed =
				    g_mime_multipart_new_with_subtype("mixed");
				g_mime_multipart_add(mixed, body);
				g_object_unref(body);
				body = GMIME_OBJECT(mixed);
			}
			att = mp_attachment_part(md->content_type, md->filename,
						 md->data, md->size);
			g_mime_multipart_add(mixed, GMIME_OBJECT(att));
			g_object_unref(att);
		}
	}
	g_mime_message_set_mime_part(m, body);
	g_object_unref(body);
	return mp_finish(m, out, len, err);
}

/* mp_compose_sms - an inbound SMS as a replyable email */
int
mp_compose_sms(const struct mp_sms_mail *in, char **out, size_t *len,
	       struct mp_error *err)
{
	return compose(in, true, out, len, err);
}

/* mp_compose_sms_gmime - the same, gmime writing every mail */
int
mp_compose_sms_gmime(const struct mp_sms_mail *in, char **out, size_t *len,
		     struct mp_error *err)
{
	return compose(in, false, out, len, err);
}
