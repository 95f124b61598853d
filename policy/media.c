/*
 * NAME
 *	media - signed, expiring URLs of hosted files, and how they are
 *	served
 * DESCRIPTION
 *	A file kept for a text (store/media.c) is served by smsgw at
 *
 *		MediaBaseUrl/m/ID/EXPIRES/SIG/NAME
 *
 *	ID its public id (10 base32 letters), EXPIRES the Unix time its
 *	link dies, SIG the first 60 bits of HMAC-SHA256(K, "ID/EXPIRES")
 *	in base32 (12 letters), K = HMAC-SHA256(TagSecret, "smsmilter
 *	media url v1"): a key of its own, derived from the thread tags'
 *	secret with a distinct label, so that no signature of one kind is
 *	ever one of the other. NAME is the file's name made safe and short
 *	(for the phone's browser); the server does not read it. A link is
 *	about 37 characters plus the base and the name: it goes in a text
 *	and is billed.
 *
 *	The rest is how smsgw answers: the path checked (a forged,
 *	altered or expired one is only "not found"), the one byte range
 *	it serves, the type it serves a file as (a type a browser would
 *	run, such as text/html or an SVG image, goes as
 *	application/octet-stream and as an attachment), and the
 *	Content-Disposition with the name (RFC 6266, RFC 8187).
 */
#include <ctype.h>
#include <inttypes.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/policy.h"

#define LABEL "smsmilter media url v1"

static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";

/* sign - the signature of (mid, expires) */
static void
sign(const char *secret, const char *mid, int64_t expires,
     char out[POLICY_MEDIA_SIG_LEN + 1])
{
	struct hmac_sha256_ctx ctx;
	uint8_t key[SHA256_DIGEST_SIZE], mac[SHA256_DIGEST_SIZE];
	char msg[64];
	uint64_t bits = 0;
	unsigned i;
	int n;

	hmac_sha256_set_key(&ctx, strlen(secret), (const uint8_t *)secret);
	hmac_sha256_update(&ctx, strlen(LABEL), (const uint8_t *)LABEL);
	hmac_sha256_digest(&ctx, sizeof(key), key);
	n = snprintf(msg, sizeof(msg), "%s/%" PRId64, mid, expires);
	hmac_sha256_set_key(&ctx, sizeof(key), key);
	hmac_sha256_update(&ctx, n > 0 ? (size_t)n : 0, (const uint8_t *)msg);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	for (i = 0; i < 8; i++)
		bits = bits << 8 | mac[i];
	for (i = 0; i < POLICY_MEDIA_SIG_LEN; i++)
		out[i] = b32[(bits >> (59 - 5 * i)) & 31];
	out[POLICY_MEDIA_SIG_LEN] = '\0';
}

/* ext_of_type - a file name extension for a type, or "" */
static const char *
ext_of_type(const char *type)
{
	static const char *const map[][2] = {
	    {"image/jpeg", "jpg"},	{"image/png", "png"},
	    {"image/gif", "gif"},	{"image/webp", "webp"},
	    {"application/pdf", "pdf"}, {"audio/mpeg", "mp3"},
	    {"audio/wav", "wav"},	{"audio/x-wav", "wav"},
	    {"text/plain", "txt"},	{"text/calendar", "ics"},
	    {"text/vcard", "vcf"},	{"text/x-vcard", "vcf"},
	};
	size_t i, n;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		n = strlen(map[i][0]);
		if (strncasecmp(type, map[i][0], n) == 0 &&
		    (!type[n] || type[n] == ';' || type[n] == ' '))
			return map[i][1];
	}
	return "";
}

/* safe - a character kept in a name of a URL */
static bool
safe(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* policy_media_name - a file's name made safe and short for a URL */
void
policy_media_name(const char *filename, const char *content_type,
		  char out[POLICY_MEDIA_NAME_MAX + 1])
{
	const char *base = filename ? filename : "", *p, *dot;
	char stem[POLICY_MEDIA_NAME_MAX + 1], ext[8], whole[32];
	size_t n = 0, e = 0, room;

	for (p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	dot = strrchr(base, '.');
	if (dot && dot != base)
		for (p = dot + 1; *p && e < 5; p++)
			if (safe((unsigned char)*p))
				ext[e++] = (char)tolower((unsigned char)*p);
	if (e == 0 || !dot || dot == base) {
		snprintf(ext, sizeof(ext), "%s",
			 ext_of_type(content_type ? content_type : ""));
		e = strlen(ext);
		dot = NULL;
	}
	ext[e] = '\0';
	room = POLICY_MEDIA_NAME_MAX - (e ? e + 1 : 0);
	for (p = base; *p && (!dot || p < dot) && n < room; p++) {
		if (safe((unsigned char)*p))
			stem[n++] = *p;
		else if (n > 0 && stem[n - 1] != '-')
			stem[n++] = '-';
	}
	while (n > 0 && stem[n - 1] == '-')
		n--;
	stem[n] = '\0';
	snprintf(whole, sizeof(whole), "%s%s%s", n ? stem : "file",
		 e ? "." : "", ext);
	whole[POLICY_MEDIA_NAME_MAX] = '\0'; /* room made it fit */
	memcpy(out, whole, strlen(whole) + 1);
}

/* policy_media_url - the signed URL of file mid until expires */
bool
policy_media_url(const char *secret, const char *base, const char *mid,
		 int64_t expires, const char *filename,
		 const char *content_type, char *out, size_t size)
{
	char sig[POLICY_MEDIA_SIG_LEN + 1], name[POLICY_MEDIA_NAME_MAX + 1];
	size_t n = strlen(base);
	int w;

	while (n > 0 && base[n - 1] == '/')
		n--;
	sign(secret, mid, expires, sig);
	policy_media_name(filename, content_type, name);
	w = snprintf(out, size, "%.*s/m/%s/%" PRId64 "/%s/%s", (int)n, base,
		     mid, expires, sig, name);
	return w > 0 && (size_t)w < size;
}

/* segment - the next path segment of *p: its start and length */
static size_t
segment(const char **p, const char **start)
{
	const char *q = *p;
	size_t n;

	*start = q;
	n = strcspn(q, "/");
	*p = q + n + (q[n] == '/');
	return n;
}

/* policy_media_check - a path /m/ID/EXPIRES/SIG[/NAME], signed and live */
bool
policy_media_check(const char *secret, const char *path, int64_t now,
		   char mid_r[POLICY_MEDIA_ID_LEN + 1], int64_t *expires_r)
{
	char sig[POLICY_MEDIA_SIG_LEN + 1], mid[POLICY_MEDIA_ID_LEN + 1];
	const char *p, *s;
	unsigned diff = 0, i;
	int64_t expires = 0;
	size_t n;

	if (!secret || !path || strncmp(path, "/m/", 3) != 0)
		return false;
	p = path + 3;
	n = segment(&p, &s);
	if (n != POLICY_MEDIA_ID_LEN || strspn(s, b32) < n)
		return false;
	memcpy(mid, s, n);
	mid[n] = '\0';
	n = segment(&p, &s);
	if (n == 0 || n > 12 || strspn(s, "0123456789") < n || s[0] == '0')
		return false;
	for (i = 0; i < n; i++)
		expires = expires * 10 + (s[i] - '0');
	n = segment(&p, &s);
	if (n != POLICY_MEDIA_SIG_LEN)
		return false;
	/* a name, or nothing; never a further segment */
	if (strchr(p, '/'))
		return false;
	sign(secret, mid, expires, sig);
	for (i = 0; i < POLICY_MEDIA_SIG_LEN; i++)
		diff |= (unsigned)(s[i] ^ sig[i]);
	if (diff != 0 || now >= expires)
		return false;
	memcpy(mid_r, mid, sizeof(mid));
	*expires_r = expires;
	return true;
}

/* number - digits at *p as a non-negative number; false if none or huge */
static bool
number(const char **p, int64_t *v)
{
	const char *q = *p;

	*v = 0;
	if (*q < '0' || *q > '9')
		return false;
	for (; *q >= '0' && *q <= '9'; q++) {
		if (*v > (INT64_MAX - 9) / 10)
			return false;
		*v = *v * 10 + (*q - '0');
	}
	*p = q;
	return true;
}

/* policy_media_range - one byte range of a file of size bytes */
enum policy_range
policy_media_range(const char *h, int64_t size, int64_t *first_r,
		   int64_t *last_r)
{
	int64_t a = -1, b = -1;
	const char *p = h;

	if (!h)
		return POLICY_RANGE_NONE;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "bytes", 5) != 0)
		return POLICY_RANGE_NONE; /* a unit we do not know: ignored */
	p += 5;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '=')
		return POLICY_RANGE_NONE;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '-' && !number(&p, &a))
		return POLICY_RANGE_NONE;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p++ != '-')
		return POLICY_RANGE_NONE;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p >= '0' && *p <= '9' && !number(&p, &b))
		return POLICY_RANGE_NONE;
	while (*p == ' ' || *p == '\t')
		p++;
	/* several ranges, or junk: the whole file (RFC 9110 14.2) */
	if (*p || (a < 0 && b < 0) || (a >= 0 && b >= 0 && b < a))
		return POLICY_RANGE_NONE;
	if (a < 0) { /* the last b bytes */
		if (b == 0 || size == 0)
			return POLICY_RANGE_UNSATISFIABLE;
		*first_r = b >= size ? 0 : size - b;
		*last_r = size - 1;
		return POLICY_RANGE_OK;
	}
	if (a >= size)
		return POLICY_RANGE_UNSATISFIABLE;
	*first_r = a;
	*last_r = b < 0 || b >= size ? size - 1 : b;
	return POLICY_RANGE_OK;
}

/* policy_media_type - the type a file is served as, and how */
void
policy_media_type(const char *stored, char *out, size_t size, bool *inline_r)
{
	static const char *const shown[] = {
	    "image/jpeg", "image/png",	"image/gif",  "image/webp",
	    "image/bmp",  "image/heic", "image/heif", "application/pdf",
	};
	char t[96];
	size_t i, n = 0;

	for (i = 0;
	     stored && stored[i] && stored[i] != ';' && n + 1 < sizeof(t); i++)
		if (!isspace((unsigned char)stored[i]))
			t[n++] = (char)tolower((unsigned char)stored[i]);
	t[n] = '\0';
	*inline_r = false;
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		if (strcmp(t, shown[i]) == 0)
			*inline_r = true;
	if (strncmp(t, "audio/", 6) == 0 && t[6] &&
	    strspn(t + 6, "abcdefghijklmnopqrstuvwxyz0123456789.+-") ==
		strlen(t + 6))
		*inline_r = true;
	snprintf(out, size, "%s", *inline_r ? t : "application/octet-stream");
}

/* policy_media_disposition - Content-Disposition with the file's name */
void
policy_media_disposition(bool inline_, const char *filename, char *out,
			 size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	size_t n, ascii_n = 0;
	char ascii[128];
	int w;

	/* an ASCII fallback: printable, no quote, backslash or path */
	for (p = (const unsigned char *)(filename ? filename : "");
	     *p && ascii_n + 1 < sizeof(ascii); p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' &&
		    *p != '/' && *p != '%')
			ascii[ascii_n++] = (char)*p;
		else if (*p < 0x80 || (*p & 0xc0) == 0xc0)
			ascii[ascii_n++] = '_';
	ascii[ascii_n] = '\0';
	if (ascii_n == 0 || strspn(ascii, "._ ") == ascii_n) {
		snprintf(out, size, "%s", inline_ ? "inline" : "attachment");
		return;
	}
	w = snprintf(out, size, "%s; filename=\"%s\"; filename*=UTF-8''",
		     inline_ ? "inline" : "attachment", ascii);
	n = w > 0 && (size_t)w < size ? (size_t)w : size - 1;
	/* RFC 8187: attr-char as it is, the rest percent-encoded */
	for (p = (const unsigned char *)filename; *p && n + 4 < size; p++) {
		if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p))
			out[n++] = (char)*p;
		else if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
			out[n++] = '_';
		else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = '\0';
}

/* mms_ok - attachment a goes as MMS: a picture the transport carries */
static bool
mms_ok(const struct conf *c, const struct mp_attachment *a)
{
	static const char *const pictures[] = {"image/jpeg", "image/png",
					       "image/gif"};
	char type[96];
	bool shown;
	size_t i;

	if (c->transport != CONF_TP_HTTP || c->mms_max_bytes <= 0 ||
	    a->size > (size_t)c->mms_max_bytes)
		return false;
	policy_media_type(a->content_type, type, sizeof(type), &shown);
	for (i = 0; i < sizeof(pictures) / sizeof(pictures[0]); i++)
		if (strcmp(type, pictures[i]) == 0)
			return true;
	return false;
}

/* policy_media_set_clear - free what policy_media_links filled */
void
policy_media_set_clear(struct policy_media_set *set)
{
	free(set->mid);
	free(set->files);
	free(set->links);
	free(set->mms);
	memset(set, 0, sizeof(*set));
}

/* policy_media_links - the files of mail m to keep, and their links */
bool
policy_media_links(const struct conf *c, const struct mp_message *m,
		   const char *owner, int64_t now, struct policy_media_set *set,
		   struct policy_verdict *v)
{
	char url[POLICY_MEDIA_URL_MAX];
	size_t i, n = 0, k = 0, cap;
	int64_t expires = now + c->media_lifetime;

	memset(set, 0, sizeof(*set));
	if (!c->media_base_url || !*c->media_base_url || m->nattachments == 0)
		return true;
	if (m->nattachments > (size_t)c->media_max_files)
		return policy_refuse(v, "552", "5.3.4",
				     "the mail has %zu attachments, more than "
				     "the %lld a text can link to",
				     m->nattachments, c->media_max_files);
	for (i = 0; i < m->nattachments; i++)
		if (m->attachments[i].size > (size_t)c->media_max_bytes)
			return policy_refuse(
			    v, "552", "5.3.4",
			    "the attachment %.80s is %zu bytes, over the %lld "
			    "bytes a text can link to",
			    m->attachments[i].filename[0]
				? m->attachments[i].filename
				: m->attachments[i].content_type,
			    m->attachments[i].size, c->media_max_bytes);
	cap = m->nattachments * (POLICY_MEDIA_URL_MAX + 1);
	set->mid = calloc(m->nattachments, sizeof(*set->mid));
	set->files = calloc(m->nattachments, sizeof(*set->files));
	set->links = malloc(cap);
	set->mms = malloc(cap);
	if (!set->mid || !set->files || !set->links || !set->mms) {
		policy_media_set_clear(set);
		return policy_refuse(v, "451", "4.3.0", "out of memory");
	}
	for (i = 0; i < m->nattachments; i++) {
		const struct mp_attachment *a = &m->attachments[i];

		if (!store_media_id_new(set->mid[i]) ||
		    !policy_media_url(c->tag_secret, c->media_base_url,
				      set->mid[i], expires, a->filename,
				      a->content_type, url, sizeof(url))) {
			policy_media_set_clear(set);
			return policy_refuse(v, "451", "4.3.0",
					     "no link could be made for an "
					     "attachment (no random bytes, or "
					     "MediaBaseUrl too long)");
		}
		set->files[i] = (struct store_media_out){
		    .mid = set->mid[i],
		    .owner = owner,
		    .filename = a->filename,
		    .content_type = a->content_type,
		    .data = a->data ? a->data : (const unsigned char *)"",
		    .len = a->data ? a->size : 0,
		    .expires = expires,
		};
		/* pictures as MMS while the carrier takes them (Twilio: 10
		   a message) and they fit the store's line; then links */
		if (mms_ok(c, a) && set->nmms < POLICY_MMS_MAX &&
		    k + strlen(url) + 1 <= STORE_MMS_MAX)
			k += (size_t)snprintf(set->mms + k, cap - k, "%s%s",
					      set->nmms++ ? "\n" : "", url);
		else
			n += (size_t)snprintf(set->links + n, cap - n, "%s%s",
					      n ? "\n" : "", url);
	}
	set->n = (unsigned)m->nattachments;
	if (set->nmms == 0) {
		free(set->mms);
		set->mms = NULL;
	}
	if (n == 0) {
		free(set->links);
		set->links = NULL;
	}
	return true;
}
