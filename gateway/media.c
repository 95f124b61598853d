/*
 * NAME
 *	media - the files of texts, served at their signed links
 * DESCRIPTION
 *	GET and HEAD /m/ID/EXPIRES/SIG/NAME on ApiListen, without an API
 *	key: the signature is the authority (policy_media_check). A link
 *	forged, altered or expired, and a file deleted or purged, get the
 *	same 404 and no write to the store. A file is served with the
 *	type policy_media_type allows (what a browser would run goes as
 *	application/octet-stream, an attachment), nosniff, its name in
 *	Content-Disposition, an ETag (a file never changes: its public id
 *	and size), and one byte range (206, or 416 when it is past the
 *	end). Only the bytes asked for are read from the store.
 *
 *	media_purge deletes the files whose lifetime ended, from the
 *	runner's sweep.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "gateway/gateway_int.h"
#include "policy/policy.h"
#include "util/util.h"

/* not_found - the one answer for every link that does not serve */
static void
not_found(struct media_answer *a)
{
	a->status = 404;
	a->body = NULL;
	a->len = 0;
	a->whole = false;
}

/* media_handle - answer a request for a file's link */
void
media_handle(const struct conf *c, struct store *s, const char *method,
	     const char *path, const char *range, const char *if_range,
	     const char *if_none_match, int64_t now, struct media_answer *a)
{
	char mid[POLICY_MEDIA_ID_LEN + 1];
	struct store_error err;
	struct store_media m;
	int64_t expires, first = 0, last = 0;
	enum policy_range r;
	bool show, head;
	int rc;

	memset(a, 0, sizeof(*a));
	head = method && strcmp(method, "HEAD") == 0;
	if (!c->media_base_url || !*c->media_base_url ||
	    !policy_media_check(c->tag_secret, path, now, mid, &expires)) {
		not_found(a);
		return;
	}
	rc = store_media_get(s, mid, &m, &err);
	if (rc == STORE_ENOTFOUND || (rc == STORE_OK && m.expires <= now)) {
		not_found(a);
		return;
	}
	if (rc != STORE_OK) {
		ut_log(LOG_ERR, "media %s: store: %s", mid, err.msg);
		a->status = 503;
		return;
	}
	if (!head && (!method || strcmp(method, "GET") != 0)) {
		a->status = 405;
		return;
	}
	policy_media_type(m.content_type, a->content_type,
			  sizeof(a->content_type), &show);
	policy_media_disposition(show, m.filename, a->disposition,
				 sizeof(a->disposition));
	snprintf(a->etag, sizeof(a->etag), "\"%s-%" PRId64 "\"", m.mid, m.size);
	a->max_age = (expires < m.expires ? expires : m.expires) - now;
	a->size = m.size;
	if (if_none_match && strstr(if_none_match, a->etag)) {
		a->status = 304;
		return;
	}
	/* If-Range with another validator: the whole file */
	r = if_range && strcmp(if_range, a->etag) != 0
		? POLICY_RANGE_NONE
		: policy_media_range(range, m.size, &first, &last);
	if (r == POLICY_RANGE_UNSATISFIABLE) {
		a->status = 416;
		snprintf(a->content_range, sizeof(a->content_range),
			 "bytes */%" PRId64, m.size);
		return;
	}
	if (r == POLICY_RANGE_NONE) {
		first = 0;
		last = m.size - 1;
		a->status = 200;
		a->whole = true;
	} else {
		a->status = 206;
		snprintf(a->content_range, sizeof(a->content_range),
			 "bytes %" PRId64 "-%" PRId64 "/%" PRId64, first, last,
			 m.size);
	}
	a->len = (size_t)(last - first + 1);
	if (head)
		return; /* the length, without reading the bytes */
	if (a->len > MEDIA_INLINE_MAX) { /* read as it goes out */
		a->stream = true;
		a->id = m.id;
		a->first = first;
		return;
	}
	if (a->len > 0 && !(a->body = malloc(a->len))) {
		a->status = 503;
		a->len = 0;
		return;
	}
	rc = a->len ? store_media_read(s, m.id, first, a->body, a->len, &err)
		    : STORE_OK;
	if (rc != STORE_OK) {
		free(a->body);
		if (rc == STORE_ENOTFOUND) { /* deleted meanwhile */
			not_found(a);
			return;
		}
		ut_log(LOG_ERR, "media %s: store: %s", mid, err.msg);
		memset(a, 0, sizeof(*a));
		a->status = 503;
	}
}

/* media_purge - delete the files whose lifetime ended */
unsigned
media_purge(struct store *s, int64_t now)
{
	struct store_error err;
	unsigned n = 0;

	if (store_media_purge(s, now, &n, &err) != STORE_OK)
		ut_log(LOG_ERR, "media: purging: %s", err.msg);
	else if (n > 0)
		ut_log(LOG_INFO, "media: %u expired file%s deleted", n,
		       n == 1 ? "" : "s");
	return n;
}
