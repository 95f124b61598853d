/*
 * NAME
 *	compose_int - the mail-writing helpers compose.c and dsn.c share
 */
#ifndef MAILPARSE_COMPOSE_INT_H
#define MAILPARSE_COMPOSE_INT_H

#include <gmime/gmime.h>
#include <stdbool.h>
#include <stddef.h>

#include "mailparse/mailparse_int.h"

/*
 * mp_clean_header - s as one safe header line: valid UTF-8, controls
 * made spaces, runs of spaces one, ends trimmed, at most 200
 * characters. Returns malloc'd, or NULL.
 */
char *mp_clean_header(const char *s);

/*
 * mp_atom_ok - s is a usable message id or address: printable ASCII, no
 * space, brackets, quotes, commas or semicolons, 1-250 characters
 */
bool mp_atom_ok(const char *s);

/* mp_encode_header - header name of m as RFC 2047 words where needed */
void mp_encode_header(GMimeMessage *m, const char *name, const char *text,
		      const char *addr);

/* mp_body_part - a text/plain UTF-8 quoted-printable part of text */
GMimePart *mp_body_part(const char *text);

/* mp_set_ids - In-Reply-To and References from a checked list */
void mp_set_ids(GMimeMessage *m, const char *in_reply_to,
		const char *const *refs, size_t nrefs);

/* mp_finish - the message as CRLF text in *out (malloc'd); frees m */
int mp_finish(GMimeMessage *m, char **out, size_t *len, struct mp_error *err);

/*
 * mp_attachment_part - a base64 part of the bytes, of content_type
 * (application/octet-stream unless one plain type/subtype), named
 * filename with all but letters, digits, "." "-" "_" made "_" (at most
 * 32; "media" when none)
 */
GMimePart *mp_attachment_part(const char *content_type, const char *filename,
			      const unsigned char *data, size_t size);

/* mp_media_type - content_type when one plain type/subtype, else
 * application/octet-stream (g_free) */
char *mp_media_type(const char *content_type);

/* mp_media_line - the line a linked media item gets: "[image: url]" */
char *mp_media_line(const char *content_type, const char *url);

/* mp_set_date - Date: from a time_t (0: now) */
void mp_set_date(GMimeMessage *m, long long when);

/*
 * mp_plain_sms - the mail of in (name, subject and the From and
 * Reply-To addresses as compose made them) written without gmime, byte
 * for byte as gmime would, when gmime would write each header as it
 * is; true with *out (malloc'd) and *len, else false: gmime writes it
 */
bool mp_plain_sms(const struct mp_sms_mail *in, const char *name,
		  const char *subject, const char *from, const char *reply,
		  char **out, size_t *len);

/*
 * mp_compose_sms_gmime - mp_compose_sms() with gmime writing every
 * mail (the tests compare the two)
 */
int mp_compose_sms_gmime(const struct mp_sms_mail *in, char **out, size_t *len,
			 struct mp_error *err);

#endif /* MAILPARSE_COMPOSE_INT_H */
