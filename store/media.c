/*
 * NAME
 *	media - files served at signed URLs
 * DESCRIPTION
 *	One row a file: its public id (mid), owner, the text it went
 *	with, name, type, size and bytes (a BLOB: as durable as the
 *	queue it was committed with), when it was made and when it
 *	expires. A file is added alone (one statement, its own
 *	transaction) or with the texts of a job (queue.c), in theirs.
 *	store_media_read reads a byte range through sqlite3_blob_open,
 *	so that a range of a large file is read without the rest.
 */
#include <string.h>

#include "store/store_int.h"
#include "util/util.h"

/* store_media_id_new - 10 base32 letters of getrandom() */
bool
store_media_id_new(char mid[STORE_MEDIA_ID_LEN + 1])
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char r[STORE_MEDIA_ID_LEN];
	unsigned i;

	if (!ut_random(r, sizeof(r)))
		return false;
	for (i = 0; i < STORE_MEDIA_ID_LEN; i++)
		mid[i] = b32[r[i] & 31];
	mid[STORE_MEDIA_ID_LEN] = '\0';
	return true;
}

/* fill_media - a struct store_media from MEDIA_COLS (db.c) */
static void
fill_media(sq *st, void *p)
{
	struct store_media *m = p;

	m->id = sq_column_int64(st, 0);
	copy_text(st, 1, m->mid, sizeof(m->mid));
	copy_text(st, 2, m->owner, sizeof(m->owner));
	m->message_id = sq_column_int64(st, 3);
	copy_text(st, 4, m->filename, sizeof(m->filename));
	copy_text(st, 5, m->content_type, sizeof(m->content_type));
	m->size = sq_column_int64(st, 6);
	m->created = sq_column_int64(st, 7);
	m->expires = sq_column_int64(st, 8);
}

/* store_media_add - keep one file */
int
store_media_add(struct store *s, const struct store_media_out *m, int64_t now,
		int64_t *id_r, struct store_error *err)
{
	sq *st;
	int rc;

	if (!m->mid || strlen(m->mid) != STORE_MEDIA_ID_LEN || !m->owner ||
	    !m->content_type || (!m->data && m->len > 0) || m->len > INT32_MAX)
		return store_set_error(err, STORE_EPERM,
				       "a file needs a public id, an owner, a "
				       "type and at most 2 GiB of bytes");
	NEED(st, s, ST_MEDIA_ADD, err);
	sq_bind_text(st, 1, m->mid);
	sq_bind_text(st, 2, m->owner);
	if (m->message_id > 0)
		sq_bind_int64(st, 3, m->message_id);
	sq_bind_text(st, 4, m->filename ? m->filename : "");
	sq_bind_text(st, 5, m->content_type);
	sq_bind_blob_ref(st, 6, m->data, m->len);
	sq_bind_int64(st, 7, now);
	sq_bind_int64(st, 8, m->expires);
	rc = store_insert(s, st, "keeping a file", err);
	sq_clear(st); /* the bytes were the caller's */
	if (rc == STORE_EDUP)
		return store_set_error(err, STORE_EDUP,
				       "a file with public id %s exists "
				       "already",
				       m->mid);
	if (rc == STORE_OK && id_r)
		*id_r = sq_last_id(s);
	return rc;
}

/* store_media_get - the file called mid */
int
store_media_get(struct store *s, const char *mid, struct store_media *m,
		struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_MEDIA_GET, err);
	sq_bind_text(st, 1, mid);
	rc = store_step(st);
	if (rc == SQ_ROW) {
		memset(m, 0, sizeof(*m));
		fill_media(st, m);
	}
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND, "no file %s", mid);
	return store_fail_db(s, "finding a file", err);
}

/*
 * read_range - store_media_read by a statement (PostgreSQL has no
 * incremental blob reads: the range is cut by the server)
 */
static int
read_range(struct store *s, int64_t id, int64_t off, void *buf, size_t len,
	   struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_MEDIA_RANGE, err);
	sq_bind_int64(st, 1, id);
	sq_bind_int64(st, 2, off + 1);
	sq_bind_int64(st, 3, (int64_t)len);
	rc = store_step(st);
	if (rc == SQ_DONE)
		rc = store_set_error(err, STORE_ENOTFOUND, "file %lld is gone",
				     (long long)id);
	else if (rc != SQ_ROW)
		rc = store_fail_db(s, "reading a file", err);
	else if (sq_column_int64(st, 1) < off + (int64_t)len ||
		 sq_column_bytes(st, 0) != (int)len)
		rc = store_set_error(err, STORE_EPERM,
				     "a range past the end of file %lld",
				     (long long)id);
	else {
		if (len)
			memcpy(buf, sq_column_blob(st, 0), len);
		rc = STORE_OK;
	}
	sq_reset(st);
	return rc;
}

/* store_media_read - a byte range of file id */
int
store_media_read(struct store *s, int64_t id, int64_t off, void *buf,
		 size_t len, struct store_error *err)
{
	sqlite3_blob *b;
	int rc;

	if (off < 0 || off > INT32_MAX || len > (size_t)INT32_MAX - (size_t)off)
		return store_set_error(err, STORE_EPERM, "a range past 2 GiB");
	if (s->pg)
		return read_range(s, id, off, buf, len, err);
	rc = sqlite3_blob_open(s->db, "main", "media", "data", id, 0, &b);
	if (rc != SQLITE_OK) {
		if (rc == SQLITE_ERROR) /* no such row */
			return store_set_error(err, STORE_ENOTFOUND,
					       "file %lld is gone",
					       (long long)id);
		return store_fail_db(s, "opening a file", err);
	}
	if ((int64_t)len + off > sqlite3_blob_bytes(b)) {
		sqlite3_blob_close(b);
		return store_set_error(err, STORE_EPERM,
				       "a range past the end of file %lld",
				       (long long)id);
	}
	rc = len ? sqlite3_blob_read(b, buf, (int)len, (int)off) : SQLITE_OK;
	if (rc != SQLITE_OK) {
		rc = store_fail_db(s, "reading a file", err);
		sqlite3_blob_close(b);
		return rc;
	}
	sqlite3_blob_close(b);
	return STORE_OK;
}

/* store_media_list - the files of owner (NULL: all) */
int
store_media_list(struct store *s, const char *owner,
		 struct store_media **media_r, unsigned *n_r,
		 struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_MEDIA_LIST, err);
	sq_bind_text(st, 1, owner);
	return store_rows(s, st, sizeof(**media_r), fill_media,
			  (void **)media_r, n_r, err);
}

/* store_media_delete - delete file mid */
int
store_media_delete(struct store *s, const char *mid, const char *owner,
		   struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_MEDIA_DELETE, err);
	sq_bind_text(st, 1, mid);
	sq_bind_text(st, 2, owner);
	rc = store_exec(s, st, "deleting a file", err);
	if (rc == STORE_OK && sq_changes(s) == 0)
		return store_set_error(err, STORE_ENOTFOUND, "no file %s", mid);
	return rc;
}

/* store_media_purge - delete the files expired at now */
int
store_media_purge(struct store *s, int64_t now, unsigned *n_r,
		  struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_MEDIA_PURGE, err);
	sq_bind_int64(st, 1, now);
	rc = store_exec(s, st, "purging expired files", err);
	if (n_r)
		*n_r = rc == STORE_OK ? (unsigned)sq_changes(s) : 0;
	return rc;
}
