/*
 * NAME
 *	parse - a raw message into headers, body text and attachments
 * DESCRIPTION
 *	gmime does the MIME; this file chooses. The body is the first
 *	text/plain part that is not an attachment (inside an alternative,
 *	the plain one; inside a related, its root), or, when there is
 *	none, the first HTML part made into text. Everything else that has
 *	content becomes an attachment. Limits on size and depth are
 *	checked before and during the walk.
 */
#include <ctype.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/mailparse_int.h"
#include "util/util.h"

/* What the walk collects. */
struct walk {
	const struct mp_opts *opts;
	struct mp_error *err;
	GMimePart *plain, *html;
	GPtrArray *extra;	/* more inline text/plain parts after plain */
	GPtrArray *attachments; /* GMimePart * */
	bool too_deep;
};

/* mp_opts_init - default limits */
void
mp_opts_init(struct mp_opts *o)
{
	o->max_size = 10 * 1024 * 1024;
	o->max_depth = 20;
	o->disclaimers = NULL;
	o->attachment_data = true;
	o->keep_html = true;
}

/* mp_init - initialise gmime */
void
mp_init(void)
{
	g_mime_init();
}

/*
 * copy_or_empty - a copy of a header value, "" for NULL, always valid
 * UTF-8 (raw 8-bit headers read as UTF-8 or Windows-1252), on one line:
 * a line break and the white space around it become one space, other
 * control characters a space each (gmime leaves the folding between
 * the quoted words of a display name in)
 */
static char *
copy_or_empty(const char *s)
{
	char *u = mp_to_utf8(s ? s : "", s ? strlen(s) : 0, NULL);
	char *r, *w;

	for (r = w = u; u && *r; r++) {
		if (*r == '\r' || *r == '\n') {
			while (w > u && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
			while (r[1] == '\r' || r[1] == '\n' || r[1] == ' ' ||
			       r[1] == '\t')
				r++;
			*w++ = ' ';
		} else {
			*w++ =
			    (unsigned char)*r < 0x20 || *r == 0x7f ? ' ' : *r;
		}
	}
	if (u)
		*w = '\0';
	return u;
}

/* is_attachment - Content-Disposition: attachment */
static bool
is_attachment(GMimeObject *o)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);

	return d && g_mime_content_disposition_is_attachment(d);
}

/* body_type - a part that can be the body: 1 plain, 2 HTML, 0 not */
static int
body_type(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);

	if (!GMIME_IS_PART(o) || is_attachment(o) || !ct)
		return 0;
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		return 1;
	if (g_mime_content_type_is_type(ct, "text", "html"))
		return 2;
	if (g_mime_content_type_is_type(ct, "text", "*") &&
	    !g_mime_content_type_is_type(ct, "text", "enriched") &&
	    !g_mime_content_type_is_type(ct, "text", "calendar") &&
	    !g_mime_content_type_is_type(ct, "text", "x-vcard") &&
	    !g_mime_content_type_is_type(ct, "text", "vcard"))
		return 1; /* text/whatever: read as text */
	return 0;
}

static unsigned char *content(GMimeObject *o, size_t *len_r);

/* looks_html - a part whose text starts as an HTML document does */
static bool
looks_html(GMimePart *p)
{
	size_t len = 0, i = 0;
	unsigned char *raw = content(GMIME_OBJECT(p), &len);
	bool html = false;

	if (!raw)
		return false;
	while (i < len && g_ascii_isspace(raw[i]))
		i++;
	html =
	    (len - i >= 5 &&
	     g_ascii_strncasecmp((const char *)raw + i, "<html", 5) == 0) ||
	    (len - i >= 14 && g_ascii_strncasecmp((const char *)raw + i,
						  "<!doctype html", 14) == 0);
	free(raw);
	return html;
}

/*
 * walk - choose the body and collect the attachments: the first part
 * that can be the body is it (in an alternative, its plain version if
 * it has one), and every other part with content is an attachment
 */
static void
walk(struct walk *w, GMimeObject *o, unsigned depth)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	int type;

	if (depth > w->opts->max_depth) {
		w->too_deep = true;
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int i, n = g_mime_multipart_get_count(mp);
		bool alternative = ct && g_mime_content_type_is_type(
					     ct, "multipart", "alternative");
		bool chosen = w->plain || w->html;

		if (GMIME_IS_MULTIPART_ENCRYPTED(o))
			return; /* nothing readable inside */
		for (i = 0; i < n && !w->too_deep; i++) {
			GMimeObject *child = g_mime_multipart_get_part(mp, i);

			if (alternative && !chosen) {
				int t = body_type(child);

				/* the plain version wins over the HTML one */
				if (t == 1 && !w->plain) {
					w->plain = GMIME_PART(child);
					w->html = NULL;
					continue;
				}
				if (t == 2 && !w->plain) {
					if (!w->html)
						w->html = GMIME_PART(child);
					continue;
				}
				if (t)
					continue; /* another version */
			}
			walk(w, child, depth + 1);
		}
		return;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		/* a forwarded or bounced message: an attachment as a whole */
		g_ptr_array_add(w->attachments, o);
		return;
	}
	if (!GMIME_IS_PART(o))
		return;
	type = body_type(o);
	if (type == 1 && !g_mime_object_get_header(o, "Content-Type") &&
	    looks_html(GMIME_PART(o)))
		type = 2; /* a message without MIME headers that is HTML */
	if (type && !w->plain && !w->html) {
		if (type == 1)
			w->plain = GMIME_PART(o);
		else
			w->html = GMIME_PART(o);
		return;
	}
	if (type == 1 && w->plain && !g_mime_part_get_filename(GMIME_PART(o))) {
		/* a further inline text, such as a list's footer: shown */
		g_ptr_array_add(w->extra, o);
		return;
	}
	g_ptr_array_add(w->attachments, o);
}

/* write_content - a part's decoded bytes (a message part's text) to out */
static void
write_content(GMimeObject *o, GMimeStream *out)
{
	if (GMIME_IS_PART(o)) {
		GMimeDataWrapper *dw = g_mime_part_get_content(GMIME_PART(o));

		if (dw)
			g_mime_data_wrapper_write_to_stream(dw, out);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m =
		    g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (m)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL,
						      out);
	}
}

/*
 * encoded_size - the bytes of a part as the mail carries them: room for
 * its decoded bytes too (base64, quoted-printable and uuencode only
 * shrink), 0 when unknown
 */
static size_t
encoded_size(GMimeObject *o)
{
	GMimeDataWrapper *dw =
	    GMIME_IS_PART(o) ? g_mime_part_get_content(GMIME_PART(o)) : NULL;
	GMimeStream *st = dw ? g_mime_data_wrapper_get_stream(dw) : NULL;
	gint64 n = st ? g_mime_stream_length(st) : -1;

	return n > 0 ? (size_t)n : 0;
}

/*
 * content - the decoded bytes of a part, malloc'd with a NUL after them
 * (free with free(): GLib allocates with malloc); *len_r their length.
 * They are written once, into a buffer the size of the encoded part.
 */
static unsigned char *
content(GMimeObject *o, size_t *len_r)
{
	GByteArray *bytes = g_byte_array_sized_new((guint)encoded_size(o) + 1);
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(bytes);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	write_content(o, mem);
	g_object_unref(mem);
	*len_r = bytes->len;
	g_byte_array_append(bytes, (const guint8 *)"", 1);
	return g_byte_array_free(bytes, FALSE);
}

/* content_size - the decoded size of a part, counted, not kept */
static size_t
content_size(GMimeObject *o)
{
	GMimeStream *null = g_mime_stream_null_new();
	size_t n;

	write_content(o, null);
	n = GMIME_STREAM_NULL(null)->written;
	g_object_unref(null);
	return n;
}

/*
 * meta_charset - the charset an HTML document declares in a <meta> tag
 * (charset=... in its first 4 KiB), malloc'd, or NULL
 */
static char *
meta_charset(const char *html, size_t len)
{
	size_t n = len < 4096 ? len : 4096, i, k;

	for (i = 0; i + 8 < n; i++) {
		if (strncasecmp(html + i, "charset=", 8) != 0)
			continue;
		i += 8;
		if (i < n && (html[i] == '"' || html[i] == '\''))
			i++;
		for (k = i;
		     k < n && k - i < 40 &&
		     (g_ascii_isalnum(html[k]) || html[k] == '-' ||
		      html[k] == '_' || html[k] == ':' || html[k] == '.');
		     k++)
			;
		return k > i ? strndup(html + i, k - i) : NULL;
	}
	return NULL;
}

/* header_names_charset - the part's Content-Type header has charset= */
static bool
header_names_charset(GMimeObject *o)
{
	const char *h = g_mime_object_get_header(o, "Content-Type");

	return h && g_strstr_len(h, -1, "charset") != NULL;
}

/* part_text - a text part as UTF-8, flowed text unwrapped */
static char *
part_text(GMimePart *p)
{
	GMimeObject *o = GMIME_OBJECT(p);
	const char *charset =
	    g_mime_object_get_content_type_parameter(o, "charset");
	const char *format =
	    g_mime_object_get_content_type_parameter(o, "format");
	const char *delsp =
	    g_mime_object_get_content_type_parameter(o, "delsp");
	size_t len = 0;
	unsigned char *raw = content(o, &len);
	char *text, *flat, *meta = NULL;

	if (!raw)
		return NULL;
	if (g_mime_content_type_is_type(g_mime_object_get_content_type(o),
					"text", "html") &&
	    !header_names_charset(o) &&
	    (meta = meta_charset((const char *)raw, len)) != NULL)
		charset = meta; /* the document says what the header does not */
	text = mp_to_utf8_take((char *)raw, len, charset);
	free(meta);
	if (text && format && strcasecmp(format, "flowed") == 0) {
		flat = mp_unflow(text, delsp && strcasecmp(delsp, "yes") == 0);
		free(text);
		text = flat;
	}
	return text;
}

/* mp_blank - s has no words: white space only */
bool
mp_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/*
 * undecodable - part p (base64 or quoted-printable) has words before
 * decoding and none after: what was sent cannot be read
 */
static bool
undecodable(GMimePart *p)
{
	GMimeDataWrapper *dw = p ? g_mime_part_get_content(p) : NULL;
	GMimeContentEncoding enc =
	    dw ? g_mime_data_wrapper_get_encoding(dw) : 0;
	GMimeStream *raw;
	char buf[512];
	gssize n, i;

	if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
	    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
		return false;
	raw = g_mime_data_wrapper_get_stream(dw);
	if (!raw)
		return false;
	g_mime_stream_reset(raw);
	while ((n = g_mime_stream_read(raw, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			if (!isspace((unsigned char)buf[i])) {
				g_mime_stream_reset(raw);
				return true;
			}
	g_mime_stream_reset(raw);
	return false;
}

/*
 * joined_text - the plain body, and the further inline texts after it
 * each below a "--" line (as mail clients show them, and so that reply
 * cleaning treats them as the signature-like footers they usually are)
 */
static char *
joined_text(struct walk *w)
{
	struct ut_buf b = {0};
	char *t = part_text(w->plain);
	guint i;

	if (!t || w->extra->len == 0)
		return t;
	ut_buf_printf(&b, "%s", t);
	free(t);
	for (i = 0; i < w->extra->len; i++) {
		t = part_text(GMIME_PART(g_ptr_array_index(w->extra, i)));
		if (!t)
			break;
		ut_buf_printf(&b, "\n--\n%s", t);
		free(t);
	}
	if (b.failed || i < w->extra->len) {
		ut_buf_clear(&b);
		return NULL;
	}
	return ut_buf_steal(&b);
}

/* tag_of - the tag of the last "[#tag]" of a subject, or "" */
static char *
tag_of(const char *subject)
{
	size_t n;
	const char *tag = mp_subject_tag(subject, &n);

	return tag ? strndup(tag, n) : strdup("");
}

/*
 * recipient_tag - the tag of the first recipient in the reply form
 * "<number>+<tag>@domain", or NULL
 */
static char *
recipient_tag(GMimeMessage *msg)
{
	InternetAddressList *all = g_mime_message_get_all_recipients(msg);
	char *tag = NULL;
	int i, n = all ? internet_address_list_length(all) : 0;

	for (i = 0; i < n && !tag; i++) {
		InternetAddress *a = internet_address_list_get_address(all, i);
		const char *addr, *plus;
		size_t digits, len;

		if (!INTERNET_ADDRESS_IS_MAILBOX(a))
			continue;
		addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a));
		if (!addr)
			continue;
		digits = strspn(addr, "0123456789");
		plus = addr + digits;
		if (digits < 3 || *plus != '+')
			continue;
		len = mp_tag_at(plus + 1, '@');
		if (len)
			tag = strndup(plus + 1, len);
	}
	if (all)
		g_object_unref(all);
	return tag;
}

/* strip_angle - an id without its < > */
static char *
strip_angle(const char *id)
{
	size_t n;

	if (!id)
		return strdup("");
	while (*id == ' ' || *id == '<')
		id++;
	n = strcspn(id, ">");
	while (n > 0 && id[n - 1] == ' ')
		n--;
	return strndup(id, n);
}

/* headers - subject, From, ids, tag */
static int
headers(GMimeMessage *msg, struct mp_message *m)
{
	InternetAddressList *from = g_mime_message_get_from(msg);
	const char *irt =
	    g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To");
	const char *refs =
	    g_mime_object_get_header(GMIME_OBJECT(msg), "References");
	int i;

	m->subject = copy_or_empty(g_mime_message_get_subject(msg));
	m->message_id = copy_or_empty(g_mime_message_get_message_id(msg));
	m->from_addr = NULL;
	m->from_name = NULL;
	if (from && internet_address_list_length(from) > 0) {
		InternetAddress *a = internet_address_list_get_address(from, 0);

		m->from_name = copy_or_empty(internet_address_get_name(a));
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			m->from_addr =
			    copy_or_empty(internet_address_mailbox_get_addr(
				INTERNET_ADDRESS_MAILBOX(a)));
	}
	if (!m->from_addr)
		m->from_addr = strdup("");
	if (!m->from_name)
		m->from_name = strdup("");
	if (irt) {
		GMimeReferences *r = g_mime_references_parse(NULL, irt);

		m->in_reply_to =
		    g_mime_references_length(r) > 0
			? copy_or_empty(g_mime_references_get_message_id(r, 0))
			: strip_angle(irt);
		g_mime_references_free(r);
	} else {
		m->in_reply_to = strdup("");
	}
	if (refs) {
		GMimeReferences *r = g_mime_references_parse(NULL, refs);
		int n = g_mime_references_length(r);

		m->references = calloc((size_t)n + 1, sizeof(char *));
		for (i = 0; m->references && i < n; i++)
			m->references[m->nreferences++] = copy_or_empty(
			    g_mime_references_get_message_id(r, i));
		g_mime_references_free(r);
	}
	m->tag = tag_of(m->subject);
	if (m->tag && !*m->tag) {
		char *t = recipient_tag(msg);

		if (t) {
			free(m->tag);
			m->tag = t;
		}
	}
	return m->subject && m->message_id && m->from_addr && m->from_name &&
		       m->in_reply_to && m->tag && (!refs || m->references)
		   ? MP_OK
		   : MP_ENOMEM;
}

/* attachments - describe the parts that are not the body */
static int
attachments(struct walk *w, struct mp_message *m)
{
	guint i;

	m->attachments =
	    calloc(w->attachments->len + 1, sizeof(*m->attachments));
	if (!m->attachments)
		return MP_ENOMEM;
	for (i = 0; i < w->attachments->len; i++) {
		GMimeObject *o = g_ptr_array_index(w->attachments, i);
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		struct mp_attachment *a = &m->attachments[m->nattachments];
		const char *name = GMIME_IS_PART(o)
				       ? g_mime_part_get_filename(GMIME_PART(o))
				       : NULL;
		char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;

		a->content_type =
		    copy_or_empty(type ? type : "application/octet-stream");
		g_free(type);
		a->filename = copy_or_empty(name);
		if (w->opts->attachment_data)
			a->data = content(o, &a->size);
		else
			a->size = content_size(o);
		a->image = ct && g_mime_content_type_is_type(ct, "image", "*");
		m->nattachments++;
		if (!a->content_type || !a->filename ||
		    (w->opts->attachment_data && !a->data))
			return MP_ENOMEM;
	}
	return MP_OK;
}

/* lf_only - CRLF and lone CR made LF, in place; returns s */
static char *
lf_only(char *s)
{
	char *r = s, *w = s;

	if (!s)
		return NULL;
	for (; *r; r++) {
		if (*r == '\r') {
			*w++ = '\n';
			if (r[1] == '\n')
				r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

/*
 * bare - a text with no header block: a message with no headers whose
 * body is the text
 */
static int
bare(const char *raw, size_t len, struct mp_message **msg_r,
     struct mp_error *err)
{
	struct mp_message *m = calloc(1, sizeof(*m));

	if (m) {
		m->subject = strdup("");
		m->from_addr = strdup("");
		m->from_name = strdup("");
		m->message_id = strdup("");
		m->in_reply_to = strdup("");
		m->tag = strdup("");
		m->html = strdup("");
		m->body = lf_only(mp_to_utf8(raw, len, NULL));
	}
	if (!m || !m->subject || !m->from_addr || !m->from_name ||
	    !m->message_id || !m->in_reply_to || !m->tag || !m->html ||
	    !m->body) {
		mp_message_free(&m);
		return mp_fail(err, MP_ENOMEM, "out of memory");
	}
	*msg_r = m;
	return MP_OK;
}

/* mp_parse - parse a raw message */
int
mp_parse(const char *raw, size_t len, const struct mp_opts *opts,
	 struct mp_message **msg_r, struct mp_error *err)
{
	struct mp_opts defaults;
	struct walk w = {0};
	struct mp_message *m;
	GByteArray *arr;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	int rc;

	*msg_r = NULL;
	if (!opts) {
		mp_opts_init(&defaults);
		opts = &defaults;
	}
	if (len > opts->max_size)
		return mp_fail(err, MP_ETOOBIG,
			       "the message is %zu bytes, over the %zu allowed",
			       len, opts->max_size);
	/*
	 * gmime reads the mail where it is: the array only borrows raw
	 * (gmime never writes to a stream it parses), and the parts'
	 * contents are views into it, so nothing is copied
	 */
	arr = g_byte_array_new_take((guint8 *)(uintptr_t)raw, len);
	stream = g_mime_stream_mem_new_with_byte_array(arr);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg) {
		g_byte_array_free(arr, FALSE); /* raw stays the caller's */
		return bare(raw, len, msg_r, err);
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		g_object_unref(msg);
		return mp_fail(err, MP_ENOMEM, "out of memory");
	}
	w.opts = opts;
	w.err = err;
	w.attachments = g_ptr_array_new();
	w.extra = g_ptr_array_new();
	if (g_mime_message_get_mime_part(msg))
		walk(&w, g_mime_message_get_mime_part(msg), 1);
	rc = w.too_deep ? mp_fail(err, MP_ETOOBIG,
				  "MIME parts nest deeper than %u levels",
				  opts->max_depth)
			: headers(msg, m);
	if (rc == MP_OK) {
		if (w.plain) {
			m->body = joined_text(&w);
		} else if (w.html) {
			m->html = part_text(w.html);
			m->body =
			    m->html ? mp_html_to_text(m->html, strlen(m->html))
				    : NULL;
			m->body_html = true;
			if (!opts->keep_html) {
				free(m->html);
				m->html = NULL; /* "" below */
			}
		} else {
			m->body = strdup("");
		}
		lf_only(m->body);
		if (m->body && mp_blank(m->body))
			m->body_undecodable =
			    undecodable(w.plain ? w.plain : w.html);
		if (!m->html)
			m->html = strdup("");
		if (!m->body || !m->html)
			rc = MP_ENOMEM;
	}
	if (rc == MP_OK)
		rc = attachments(&w, m);
	g_ptr_array_free(w.attachments, TRUE);
	g_ptr_array_free(w.extra, TRUE);
	g_object_unref(msg);
	g_byte_array_free(arr, FALSE); /* raw stays the caller's */
	if (rc != MP_OK) {
		if (rc == MP_ENOMEM)
			mp_fail(err, MP_ENOMEM, "out of memory");
		mp_message_free(&m);
		return rc;
	}
	*msg_r = m;
	return MP_OK;
}

/* mp_message_free - free a parsed message */
void
mp_message_free(struct mp_message **mp)
{
	struct mp_message *m = *mp;
	size_t i;

	if (!m)
		return;
	free(m->subject);
	free(m->from_addr);
	free(m->from_name);
	free(m->message_id);
	free(m->in_reply_to);
	for (i = 0; i < m->nreferences; i++)
		free(m->references[i]);
	free(m->references);
	free(m->tag);
	free(m->body);
	free(m->html);
	for (i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].content_type);
		free(m->attachments[i].filename);
		free(m->attachments[i].data);
	}
	free(m->attachments);
	free(m);
	*mp = NULL;
}
