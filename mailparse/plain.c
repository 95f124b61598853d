/*
 * NAME
 *	plain - the usual mail of a text from a phone, written directly
 * DESCRIPTION
 *	Most texts from phones make a mail each header of which gmime
 *	writes as it is: names of letters, digits, spaces, "+" and "-",
 *	subjects of printable ASCII in short words, plain addresses and
 *	ids, every line short, no media. mp_plain_sms writes those into
 *	one buffer, byte for byte what gmime writes for them (the unit
 *	tests compare the two over many inputs), and leaves the rest to
 *	gmime: a name that needs quoting or RFC 2047 words, a subject
 *	that needs encoded words, a line gmime would fold, an address or
 *	id of other characters, a voicemail, media. The body goes through
 *	gmime's own quoted-printable encoder; the Date is the local time
 *	as gmime writes it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mailparse/compose_int.h"

#define LINE_MAX_PLAIN 76 /* a header line longer goes to gmime (folding) */

/* A growing buffer; broken when it could not grow. */
struct out {
	char *p;
	size_t len, size;
	bool broken;
};

/* add - len bytes of s */
static void
add(struct out *o, const char *s, size_t len)
{
	if (o->broken)
		return;
	if (o->len + len + 1 > o->size) {
		size_t size = (o->len + len + 1) * 2;
		char *p = realloc(o->p, size);

		if (!p) {
			o->broken = true;
			return;
		}
		o->p = p;
		o->size = size;
	}
	memcpy(o->p + o->len, s, len);
	o->len += len;
	o->p[o->len] = '\0';
}

/* adds - a string */
static void
adds(struct out *o, const char *s)
{
	add(o, s, strlen(s));
}

/* addf - printf into o */
static void __attribute__((format(printf, 2, 3)))
addf(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		o->broken = true;
	else
		add(o, buf, (size_t)n);
}

/* only - s is not empty and every byte of it is in set */
static bool
only(const char *s, const char *set)
{
	return s && *s && strspn(s, set) == strlen(s);
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* address_ok - local@domain of letters, digits and . + _ - */
static bool
address_ok(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;
	size_t local = at ? (size_t)(at - a) : 0;

	return at && local > 0 && strspn(a, ALNUM ".+_-") == local &&
	       only(at + 1, ALNUM ".-") && at[1] != '.' && a[0] != '.';
}

/* name_ok - a display name gmime writes bare: words of letters, digits,
 * "+" and "-", single spaces between */
static bool
name_ok(const char *s)
{
	return only(s, ALNUM " +-") && s[0] != ' ' && s[strlen(s) - 1] != ' ' &&
	       !strstr(s, "  ");
}

/* text_ok - an unstructured value gmime writes as it is */
static bool
text_ok(const char *s)
{
	size_t run = 0;

	if (!s || !*s || *s == ' ' || s[strlen(s) - 1] == ' ' ||
	    strstr(s, "=?") || strstr(s, "  "))
		return false;
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
		run = *s == ' ' ? 0 : run + 1;
		if (run > 60)
			return false;
	}
	return true;
}

/* line - "Name: value" fits on one line as gmime writes it */
static bool
line(const char *name, const char *v1, const char *v2, const char *v3)
{
	return strlen(name) + 2 + strlen(v1) + (v2 ? strlen(v2) : 0) +
		   (v3 ? strlen(v3) : 0) <=
	       LINE_MAX_PLAIN;
}

/* date - the Date header's value for when (0: now), in local time */
static void
date(long long when, char *buf, size_t size)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
					"Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
					   "May", "Jun", "Jul", "Aug",
					   "Sep", "Oct", "Nov", "Dec"};
	time_t t = when ? (time_t)when : time(NULL);
	struct tm tm;
	long off, sign;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff;
	sign = off < 0 ? -1 : 1;
	off *= sign;
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d %+05ld",
		 days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 sign * (100 * (off / 3600) + off % 3600 / 60));
}

/*
 * body - text as gmime writes the part: UTF-8, CR LF and lone CR made
 * LF, quoted-printable by gmime's encoder, then LF made CRLF
 */
static bool
body(struct out *o, const char *text)
{
	char *u = mp_to_utf8(text ? text : "", text ? strlen(text) : 0, NULL);
	unsigned char *qp;
	size_t i, n = 0, len;
	int state = -1;
	guint32 save = 0;

	if (!u)
		return false;
	for (i = 0; u[i]; i++) {
		if (u[i] == '\r' && u[i + 1] == '\n')
			continue;
		u[n++] = u[i] == '\r' ? '\n' : u[i];
	}
	u[n] = '\0';
	qp = malloc(GMIME_QP_ENCODE_LEN(n) + 8);
	if (!qp) {
		free(u);
		return false;
	}
	len = g_mime_encoding_quoted_encode_close((const unsigned char *)u, n,
						  qp, &state, &save);
	for (i = 0; i < len; i++)
		if (qp[i] == '\n')
			add(o, "\r\n", 2);
		else
			add(o, (const char *)qp + i, 1);
	/* gmime ends the part with a line break */
	if (len > 0 && qp[len - 1] != '\n')
		add(o, "\r\n", 2);
	free(qp);
	free(u);
	return true;
}

/*
 * mp_plain_sms - the mail of in, whose display name, subject, From and
 * Reply-To addresses compose made, written without gmime when gmime
 * would write each header as it is; true with *out (malloc'd) and
 * *len, false when gmime must write it (or out of memory)
 */
bool
mp_plain_sms(const struct mp_sms_mail *in, const char *name,
	     const char *subject, const char *from, const char *reply,
	     char **out, size_t *len)
{
	struct out o = {0};
	const char *irt = in->in_reply_to;
	char when[64];
	size_t i, refs = 0;

	if (in->nmedia || in->voicemail || !name_ok(name) ||
	    !text_ok(subject) || !address_ok(from) || !address_ok(reply) ||
	    !address_ok(in->to) || !address_ok(in->message_id) ||
	    !line("Reply-To", name, " <>", reply) ||
	    !line("From", name, " <>", from) ||
	    !line("Subject", subject, NULL, NULL) ||
	    !line("To", in->to, NULL, NULL) ||
	    !line("Message-Id", "<>", in->message_id, NULL) ||
	    (in->tag && *in->tag && !only(in->tag, ALNUM)) ||
	    (in->our_number && *in->our_number &&
	     !only(in->our_number, ALNUM "+")) ||
	    !only(in->phone, ALNUM "+"))
		return false;
	if (irt && *irt &&
	    (!address_ok(irt) || !line("In-Reply-To", "<>", irt, NULL)))
		return false;
	for (i = 0; i < in->nreferences; i++) {
		if (!in->references[i] || !*in->references[i])
			continue;
		if (!address_ok(in->references[i]) || refs++ > 0 ||
		    !line("References", "<>", in->references[i], NULL))
			return false; /* gmime folds a list */
	}
	date(in->date, when, sizeof(when));
	addf(&o, "Date: %s\r\n", when);
	addf(&o, "From: %s <%s>\r\n", name, from);
	addf(&o, "Reply-To: %s <%s>\r\n", name, reply);
	addf(&o, "Subject: %s\r\n", subject);
	addf(&o, "To: %s\r\n", in->to);
	addf(&o, "Message-Id: <%s>\r\n", in->message_id);
	if (irt && *irt)
		addf(&o, "In-Reply-To: <%s>\r\n", irt);
	for (i = 0; i < in->nreferences; i++)
		if (in->references[i] && *in->references[i])
			addf(&o, "References: <%s>\r\n", in->references[i]);
	adds(&o, "Auto-Submitted: auto-generated\r\n");
	addf(&o, "X-SMS-From: %s\r\n", in->phone);
	if (in->our_number && *in->our_number)
		addf(&o, "X-SMS-To: %s\r\n", in->our_number);
	if (in->tag && *in->tag)
		addf(&o, "X-SMS-Thread: %s\r\n", in->tag);
	if (in->segments)
		addf(&o, "X-SMS-Segments: %u\r\n", in->segments);
	adds(&o, "MIME-Version: 1.0\r\n"
		 "Content-Type: text/plain; charset=utf-8\r\n"
		 "Content-Transfer-Encoding: quoted-printable\r\n"
		 "\r\n");
	if (!body(&o, in->text) || o.broken) {
		free(o.p);
		return false;
	}
	*out = o.p;
	*len = o.len;
	return true;
}
