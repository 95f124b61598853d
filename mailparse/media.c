/*
 * NAME
 *	media - the links of a mail from a phone made attachments
 * DESCRIPTION
 *	mp_compose_sms() with fetch_media links each picture or recording
 *	("[image: url]") and names it in a header MP_MEDIA_HEADER, "TYPE
 *	URL", which never leaves smsgw: the mail is stored so, with its
 *	text, and smsgw fetches the files before it sends it.
 *	mp_media_wanted() reads those headers back (folded or not);
 *	mp_media_resolve() removes them and puts each file in the mail as
 *	an attachment of its own, its link line saying so, or leaves the
 *	link with a note saying why it is not attached. The rest of the
 *	mail (its headers, ids, text) is kept as it was.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/compose_int.h"

/* take - one unfolded MP_MEDIA_HEADER value v (n bytes) into link */
static bool
take(const char *v, size_t n, struct mp_media_link *link)
{
	size_t i = 0, t, u;

	while (i < n && isspace((unsigned char)v[i]))
		i++;
	for (t = i; i < n && !isspace((unsigned char)v[i]); i++)
		;
	if (i - t == 0 || i - t >= sizeof(link->content_type))
		return false;
	memcpy(link->content_type, v + t, i - t);
	link->content_type[i - t] = '\0';
	while (i < n && isspace((unsigned char)v[i]))
		i++;
	for (u = i; i < n && !isspace((unsigned char)v[i]); i++)
		;
	if (i - u == 0 || i - u > MP_MEDIA_URL_MAX)
		return false;
	memcpy(link->url, v + u, i - u);
	link->url[i - u] = '\0';
	while (i < n && isspace((unsigned char)v[i]))
		i++;
	/* anything after the URL ("anonymous"): fetched without credentials */
	link->anonymous = i < n;
	return true;
}

/* mp_media_wanted - the links mail waits for, from its head */
void
mp_media_wanted(const char *mail, size_t len, struct mp_media_link *links,
		size_t max, size_t *n_r)
{
	static const char name[] = MP_MEDIA_HEADER ":";
	size_t i = 0, nl = sizeof(name) - 1;
	char *v = NULL;

	*n_r = 0;
	while (i < len && *n_r < max) {
		size_t end = i, vn = 0;

		while (end < len && mail[end] != '\n')
			end++;
		if (end == i || (end == i + 1 && mail[i] == '\r'))
			break; /* the end of the head */
		if (end - i < nl || strncasecmp(mail + i, name, nl)) {
			i = end + 1;
			continue;
		}
		/* the value with its continuation lines, CR and LF as spaces */
		for (;;) {
			if (end + 1 >= len ||
			    (mail[end + 1] != ' ' && mail[end + 1] != '\t'))
				break;
			end++;
			while (end < len && mail[end] != '\n')
				end++;
		}
		if (!(v = malloc(end - i - nl + 1)))
			break;
		for (size_t k = i + nl; k < end; k++)
			v[vn++] =
			    mail[k] == '\r' || mail[k] == '\n' ? ' ' : mail[k];
		if (take(v, vn, &links[*n_r]))
			(*n_r)++;
		free(v);
		v = NULL;
		i = end + 1;
	}
}

/* mp_media_filename - "image1.jpg" for the first image/jpeg */
void
mp_media_filename(const char *content_type, unsigned k, char *out, size_t size)
{
	static const struct {
		const char *type, *ext;
	} exts[] = {
	    {"image/jpeg", "jpg"},	{"image/jpg", "jpg"},
	    {"image/pjpeg", "jpg"},	{"image/png", "png"},
	    {"image/gif", "gif"},	{"image/webp", "webp"},
	    {"image/heic", "heic"},	{"image/heif", "heif"},
	    {"image/bmp", "bmp"},	{"image/tiff", "tif"},
	    {"audio/mpeg", "mp3"},	{"audio/mp3", "mp3"},
	    {"audio/wav", "wav"},	{"audio/x-wav", "wav"},
	    {"audio/ogg", "ogg"},	{"audio/amr", "amr"},
	    {"audio/mp4", "m4a"},	{"video/mp4", "mp4"},
	    {"video/3gpp", "3gp"},	{"video/quicktime", "mov"},
	    {"application/pdf", "pdf"}, {"text/vcard", "vcf"},
	    {"text/x-vcard", "vcf"},	{"text/plain", "txt"},
	};
	const char *ext = "bin", *base = "file";
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (content_type && !strcasecmp(content_type, exts[i].type))
			ext = exts[i].ext;
	if (content_type && !strncasecmp(content_type, "image/", 6))
		base = "image";
	else if (content_type && !strncasecmp(content_type, "audio/", 6))
		base = "recording";
	else if (content_type && !strncasecmp(content_type, "video/", 6))
		base = "video";
	snprintf(out, size, "%s%u.%s", base, k, ext);
}

/* last_before - the last place of needle in hay before limit, or NULL */
static char *
last_before(char *hay, const char *needle, const char *limit)
{
	char *p = hay, *found = NULL, *q;
	size_t n = strlen(needle);

	while ((q = strstr(p, needle)) && q + n <= limit) {
		found = q;
		p = q + 1;
	}
	return found;
}

/*
 * new_text - text with each link's line as res says: from the last
 * link back, each found before the one after it (the lines come after
 * the text from the phone, which may hold the same words)
 */
static GString *
new_text(const char *text, const struct mp_media_link *links,
	 const struct mp_media_result *res, size_t n)
{
	GString *t = g_string_new(text);
	const char *limit = t->str + t->len;
	size_t i;

	for (i = n; i-- > 0;) {
		char *line = mp_media_line(links[i].content_type, links[i].url);
		char *at = line ? last_before(t->str, line, limit) : NULL;
		char *with = NULL;
		size_t pos;

		if (res[i].data)
			with = g_strdup_printf(
			    "[%s attached: %s]",
			    !strncmp(links[i].content_type, "image/", 6)
				? "image"
				: "media",
			    res[i].filename ? res[i].filename : "media");
		else
			with = g_strdup_printf("%s\n(not attached: %s)",
					       line ? line : "",
					       res[i].note ? res[i].note : "?");
		if (at) {
			pos = (size_t)(at - t->str);
			g_string_erase(t, (gssize)pos, (gssize)strlen(line));
			g_string_insert(t, (gssize)pos, with);
			limit = t->str + pos;
		} else if (!res[i].data) {
			g_string_append_printf(
			    t, "%s(%s: not attached: %s)", t->len ? "\n\n" : "",
			    links[i].url, res[i].note ? res[i].note : "?");
		}
		g_free(with);
		free(line);
	}
	return t;
}

/* mp_media_resolve - the files in the mail, or notes where they are not */
int
mp_media_resolve(const char *mail, size_t len,
		 const struct mp_media_link *links,
		 const struct mp_media_result *res, size_t n, char **out,
		 size_t *out_len, struct mp_error *err)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeObject *part, *body;
	GMimeHeaderList *hl;
	GMimeMultipart *mixed = NULL;
	GString *text;
	char *old;
	size_t i;

	*out = NULL;
	*out_len = 0;
	stream = g_mime_stream_mem_new_with_buffer(mail, len);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg)
		return mp_fail(err, MP_EPARSE, "the stored mail is no message");
	part = g_mime_message_get_mime_part(msg);
	if (!part || !GMIME_IS_TEXT_PART(part)) {
		g_object_unref(msg);
		return mp_fail(err, MP_EPARSE,
			       "the stored mail is not one text part");
	}
	hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	while (g_mime_header_list_remove(hl, MP_MEDIA_HEADER))
		;
	old = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
	text = new_text(old ? old : "", links, res, n);
	g_free(old);
	body = GMIME_OBJECT(mp_body_part(text->str));
	g_string_free(text, TRUE);
	for (i = 0; i < n; i++) {
		GMimePart *att;

		if (!res[i].data)
			continue;
		if (!mixed) {
			mixed = g_mime_multipart_new_with_subtype("mixed");
			g_mime_multipart_add(mixed, body);
			g_object_unref(body);
			body = GMIME_OBJECT(mixed);
		}
		att = mp_attachment_part(res[i].content_type
					     ? res[i].content_type
					     : links[i].content_type,
					 res[i].filename, res[i].data,
					 res[i].size ? res[i].size : 0);
		g_mime_multipart_add(mixed, GMIME_OBJECT(att));
		g_object_unref(att);
	}
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	return mp_finish(msg, out, out_len, err);
}
