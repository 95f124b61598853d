/*
 * NAME
 *	store_int - the connection, statements and helpers inside store/
 */
#ifndef STORE_STORE_INT_H
#define STORE_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

/* Every statement the store prepares, once per connection. */
enum stmt_id {
	/* queue.c */
	ST_MSG_BY_IDEM,
	ST_MSG_INSERT,
	ST_EVENT_INSERT,
	ST_CLAIM,
	ST_LEASE,
	ST_SUBMITTED,
	ST_SEGMENT_INSERT,
	ST_RETRY,
	ST_FAIL,
	ST_RELEASE,
	/* delivery.c */
	ST_SEG_FIND,
	ST_SEG_SET,
	ST_SEG_TALLY,
	ST_MSG_NO_RECEIPT,
	ST_MSG_UNKNOWN,
	ST_MSG_DONE,
	ST_MSG_REPORT,
	/* history.c */
	ST_EVENTS,
	ST_PURGE,
	ST_COUNTS,
	ST_OLDEST_DUE,
	/* threads.c */
	ST_THREAD_UPSERT,
	ST_THREAD_ID,
	ST_THREADS,
	ST_THREAD_BY_TAG,
	ST_THREAD_LATEST,
	ST_RECENT_OWNERS,
	ST_THREAD_OF,
	ST_THREAD_NEW,
	ST_THREAD_TOUCH,
	/* people.c */
	ST_CONTACT_ADD,
	ST_CONTACT_RM,
	ST_CONTACT_UNGROUP,
	ST_CONTACT_GET,
	ST_CONTACTS,
	ST_CONTACT_OF,
	ST_GROUP_ADD,
	ST_GROUP_RM,
	ST_GROUP_NAME,
	ST_MEMBER_ADD,
	ST_MEMBER_RM,
	ST_GROUPS,
	ST_GROUP_MEMBERS,
	ST_GROUP_NUMBERS,
	ST_OPTOUT_ADD,
	ST_OPTOUT_RM,
	ST_OPTOUT_CHECK,
	ST_OPTOUTS,
	/* limits.c */
	ST_RATE_GET,
	ST_RATE_BUMP,
	ST_RATE_PRUNE,
	ST_USAGE_ADD,
	ST_USAGE,
	ST_USAGE_OF,
	/* mailq.c */
	ST_MAIL_ADD,
	ST_MAIL_DUE,
	ST_MAIL_LEASE,
	ST_MAIL_SENT,
	ST_MAIL_RETRY,
	ST_MAIL_FAIL,
	ST_MAIL_RELEASE,
	ST_MAIL_FAILED,
	ST_MAIL_REWRITE,
	/* inbound.c */
	ST_SEEN_ADD,
	ST_REASM_ADD,
	ST_REASM_COUNT,
	ST_REASM_GET,
	ST_REASM_DEL,
	ST_REASM_STALE,
	ST_MSG_IN_INSERT,
	ST_UNCONF_ADD,
	ST_UNCONF_TAKE,
	ST_UNCONF_CONFIRM,
	ST_UNCONF_PURGE,
	ST_INBOX_PUT,
	ST_INBOX_GET,
	ST_INBOX_DROP,
	ST_INBOX_NAME_GET,
	ST_INBOX_NAME_SET,
	ST_INBOX_DONE_GET,
	ST_INBOX_DONE_SET,
	ST_INBOX_COUNT,
	ST_INBOX_HOLD,
	ST_INBOX_DROP_ONE,
	ST_INBOX_UNHOLD,
	ST_INBOX_HELD_DEL,
	/* pool.c */
	ST_POOL_MINE,
	ST_POOL_PHONE,
	ST_POOL_PUT,
	ST_POOL_RENEW,
	ST_POOL_FIND,
	ST_POOL_LIST,
	ST_POOL_RELEASE,
	ST_NUMBER_TRAFFIC,
	ST_OPTOUT_SCOPES,
	ST_LEASE_HOLDERS,
	ST_NUMBER_LEASES,
	ST_MSG_CANCEL_OF,
	ST_MSG_CANCEL,
	ST_USAGE_SUB,
	ST_FORWARD_ADD,
	ST_FORWARD_LAST,
	ST_THREAD_OPTS,
	/* apikeys.c */
	ST_APIKEY_ADD,
	ST_APIKEY_FIND,
	ST_APIKEY_LAST_USED,
	ST_APIKEY_USED,
	ST_APIKEYS,
	ST_APIKEY_REVOKE,
	/* hooks.c */
	ST_HOOK_ADD,
	ST_HOOK_DUE,
	ST_HOOK_LEASE,
	ST_HOOK_DONE,
	ST_HOOK_RETRY,
	ST_HOOK_FAIL,
	ST_HOOK_RELEASE,
	ST_HOOKS,
	ST_HOOK_RETRY_NOW,
	ST_HOOK_HOLDERS,
	ST_HOOK_MSG,
	/* media.c */
	ST_MEDIA_ADD,
	ST_MEDIA_GET,
	ST_MEDIA_LIST,
	ST_MEDIA_DELETE,
	ST_MEDIA_PURGE,
	ST_MEDIA_RANGE,
	ST_LAST_ID,
	ST_LOCK,
	ST_COUNT
};

/* Searches (SQL made from a filter) kept prepared per connection. */
#define STORE_DYN_MAX 8
/* Transaction control statements kept prepared per connection. */
#define STORE_TX_MAX 16

/* ---- sq.c: one prepared statement of either backend ---- */

/*
 * The results of the statement layer: SQLite's codes, which the
 * PostgreSQL backend (pg.c) gives too: SQ_OK, a row (SQ_ROW), no more
 * rows (SQ_DONE), busy (SQ_BUSY: the lock is held elsewhere), else an
 * error whose sentence store_fail_db gives.
 */
#define SQ_OK	 0
#define SQ_ERROR 1
#define SQ_BUSY	 5
#define SQ_NOMEM 7
#define SQ_ROW	 100
#define SQ_DONE	 101

struct pg_conn;
struct pg_stmt;

/* A prepared statement: SQLite's, or PostgreSQL's (pg.c). */
typedef struct sq {
	struct store *s;    /* its connection */
	sqlite3_stmt *lite; /* SQLite: the statement, else NULL */
	struct pg_stmt *pg; /* PostgreSQL: the statement, else NULL */
} sq;

/*
 * sq_prepare - text prepared on s's connection (SQLite's ?N, ?, :name
 * parameters; PostgreSQL's own are made from them); SQ_OK with *st_r,
 * else an error code (store_fail_db says why)
 */
int sq_prepare(struct store *s, const char *text, sq **st_r);

/* sq_finalize - free st (NULL: nothing) */
void sq_finalize(sq *st);

/*
 * bind parameter i (from 1); sq_bind_text binds NULL for a NULL v;
 * sq_bind_blob copies v, sq_bind_blob_ref does not: v must outlive the
 * run, and the caller unbinds (sq_clear) before letting it go
 */
int sq_bind_int64(sq *st, int i, int64_t v);
int sq_bind_int(sq *st, int i, int v);
int sq_bind_null(sq *st, int i);
int sq_bind_text(sq *st, int i, const char *v);
int sq_bind_blob(sq *st, int i, const void *v, size_t n);
int sq_bind_blob_ref(sq *st, int i, const void *v, size_t n);

/* sq_param - the index of the parameter named name (":x"), 0 if none */
int sq_param(sq *st, const char *name);

/* sq_param_count - the number of parameters of st */
int sq_param_count(sq *st);

/* sq_step - run st, or go to its next row: SQ_ROW, SQ_DONE or an error */
int sq_step(sq *st);

/* sq_reset - ready st to run again (its bindings kept) */
void sq_reset(sq *st);

/* sq_clear - unbind every parameter of st */
void sq_clear(sq *st);

/* column i of the current row; NULL reads as 0, NULL or no bytes */
int64_t sq_column_int64(sq *st, int i);
int sq_column_int(sq *st, int i);
double sq_column_double(sq *st, int i);
const unsigned char *sq_column_text(sq *st, int i);
const void *sq_column_blob(sq *st, int i);
int sq_column_bytes(sq *st, int i);
bool sq_column_null(sq *st, int i);

/* What a column of the current row holds. */
enum sq_kind { SQ_NULL, SQ_INT, SQ_REAL, SQ_TEXT, SQ_BLOB };

/*
 * sq_column_count, _name - the columns of st's rows (PostgreSQL knows
 * them once st has run); sq_column_kind - what column i of the current
 * row holds
 */
int sq_column_count(sq *st);
const char *sq_column_name(sq *st, int i);
enum sq_kind sq_column_kind(sq *st, int i);

/* sq_sql - the text st was prepared from */
const char *sq_sql(sq *st);

/* sq_changes - rows the last write of s changed */
int64_t sq_changes(struct store *s);

/* sq_autocommit - no transaction is open on s */
bool sq_autocommit(struct store *s);

/* sq_exec - run SQL text (one or more statements, no rows); a code */
int sq_exec(struct store *s, const char *text);

/* ---- pg.c: the PostgreSQL backend of sq.c and db.c ---- */

/*
 * pg_open - connect to uri, commits as durable as sync says; NULL with
 * err filled
 */
struct pg_conn *pg_open(const char *uri, enum store_sync sync,
			struct store_error *err);

/* pg_close - close the connection (NULL: nothing) */
void pg_close(struct pg_conn *c);

/* pg_errmsg - the last error's sentence; pg_status - its store status */
const char *pg_errmsg(struct pg_conn *c);
enum store_status pg_status(struct pg_conn *c);

/* pg_prepare .. pg_exec: sq.c's calls, on PostgreSQL */
int pg_prepare(struct pg_conn *c, const char *text, struct pg_stmt **st_r);
void pg_finalize(struct pg_stmt *st);
int pg_bind(struct pg_stmt *st, int i, const void *v, size_t n, bool binary,
	    bool ref);
int pg_param(struct pg_stmt *st, const char *name);
int pg_param_count(struct pg_stmt *st);
int pg_step(struct pg_stmt *st);
void pg_reset(struct pg_stmt *st);
void pg_clear(struct pg_stmt *st);
const char *pg_value(struct pg_stmt *st, int i, int *len_r);
int pg_column_count(struct pg_stmt *st);
const char *pg_column_name(struct pg_stmt *st, int i);
enum sq_kind pg_column_kind(struct pg_stmt *st, int i);
const char *pg_sql(struct pg_stmt *st);
int64_t pg_changes(struct pg_conn *c);
bool pg_autocommit(struct pg_conn *c);
int pg_exec(struct pg_conn *c, const char *text);

/* pg_listen - LISTEN on the queues' channel; an SQ_ code */
int pg_listen(struct pg_conn *c);

/* pg_wait - up to ms for a notification: 1 one came, 0 none, -1 error */
int pg_wait(struct pg_conn *c, int ms);

struct store {
	sqlite3 *db;	    /* SQLite, else NULL */
	struct pg_conn *pg; /* PostgreSQL (pg.c), else NULL */
	sq *stmt[ST_COUNT];
	char *path;	    /* the file, or the URI without its password */
	int64_t busy_since; /* when the current wait for a lock began, ms */
	struct {
		const char *q; /* a literal: BEGIN, SAVEPOINT x... */
		sq *st;
	} tx[STORE_TX_MAX];	/* transaction control, prepared */
	sq *dyn[STORE_DYN_MAX]; /* searches kept (store_dyn_put) */
	unsigned dyn_next;	/* the next one evicted */
	pthread_mutex_t *wlock; /* the process's write lock of the file */
	enum store_sync sync;	/* DatabaseSync, as opened */
	bool sync_lowered; /* synchronous FULL not restored: set before BEGIN */
	bool wlocked;	   /* held: a transaction is open */
	bool batch;	   /* inside store_batch_begin/_end */
	bool unit_batch;   /* the outermost open unit made the batch */
	unsigned units;	   /* units open */
};

/* ---- db.c: the connection, statements, transactions, rows ---- */

/* stmt - the prepared statement id, reset and unbound; NULL on error */
sq *stmt(struct store *s, enum stmt_id id, struct store_error *err);

/*
 * NEED - set st to the cached statement id, or return its error status
 * from the calling function
 */
#define NEED(st, s, id, err)                                                   \
	do {                                                                   \
		(st) = stmt((s), (id), (err));                                 \
		if (!(st))                                                     \
			return (err) ? (err)->status : STORE_EPERM;            \
	} while (0)

/*
 * store_dyn_get - text prepared: one kept by store_dyn_put if there is
 * (the same text), else a new one; NULL with err filled on error
 */
sq *store_dyn_get(struct store *s, const char *text, struct store_error *err);

/* store_dyn_put - keep st (reset, unbound) for the next store_dyn_get */
void store_dyn_put(struct store *s, sq *st);

/*
 * store_tx - run q, one statement of transaction control (SAVEPOINT x,
 * RELEASE x, ROLLBACK TO x, BEGIN IMMEDIATE, COMMIT, ROLLBACK), kept
 * prepared; an SQLite result code, SQLITE_OK when it ran
 */
int store_tx(struct store *s, const char *q);

/* sq_last_id - the id of the row the last INSERT of s added */
int64_t sq_last_id(struct store *s);

/*
 * store_batch_lost - SQLite rolled an open batch's whole transaction
 * back: every write and savepoint fails (STORE_ETEMP) until it ends
 */
bool store_batch_lost(struct store *s);

/* store_fail_db - fill err from the connection's last error */
int store_fail_db(struct store *s, const char *what, struct store_error *err);

/* store_set_error - fill err; returns status */
int store_set_error(struct store_error *err, enum store_status status,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * store_begin - BEGIN IMMEDIATE, retried while the database is busy;
 * store_commit - COMMIT, likewise; store_rollback - ROLLBACK, quietly
 */
int store_begin(struct store *s, struct store_error *err);
int store_commit(struct store *s, struct store_error *err);
void store_rollback(struct store *s);

/* store_step - sq_step, retried while busy; an SQ_ code */
int store_step(sq *st);

/*
 * store_lock - in the open transaction, the lock of (scope, key) until
 * it ends, for a decision read from the store and the write it allows
 * (a quota, a rate, a pool number): SQLite's transactions are one
 * writer at a time already; PostgreSQL's, from several hosts, meet at
 * an advisory lock of the key. Outside a transaction, nothing.
 */
int store_lock(struct store *s, const char *scope, const char *key,
	       struct store_error *err);

/*
 * store_insert - store_exec of an INSERT ... ON CONFLICT DO NOTHING;
 * STORE_EDUP when the row was there already (the transaction goes on)
 */
int store_insert(struct store *s, sq *st, const char *what,
		 struct store_error *err);

/* store_exec - step a statement that returns no rows; a store status */
int store_exec(struct store *s, sq *st, const char *what,
	       struct store_error *err);

/* copy_text - column i into buf (size n), "" for NULL */
void copy_text(sq *st, int i, char *buf, size_t n);

/* dup_text - column i as a malloc'd string ("" for NULL), NULL if OOM */
char *dup_text(sq *st, int i);

/*
 * store_rows - step st to the end, appending one element of size bytes
 * per row to a new array that fill() fills; *arr_r is NULL when there
 * are no rows. The statement is reset.
 */
int store_rows(struct store *s, sq *st, size_t size, void (*fill)(sq *, void *),
	       void **arr_r, unsigned *n_r, struct store_error *err);

/*
 * store_rows_owned - store_rows for rows that each own one allocation,
 * the pointer at offset at (a text, a blob) that fill() sets, NULL when
 * out of memory (then STORE_ETEMP); on an error the rows read so far
 * are freed with their allocations
 */
int store_rows_owned(struct store *s, sq *st, size_t size,
		     void (*fill)(sq *, void *), size_t at, void **arr_r,
		     unsigned *n_r, struct store_error *err);

/*
 * store_rows_free - free the pointer at offset at of each of n rows of
 * size bytes, then the array arr (NULL: nothing): the body of the
 * store_*s_free destructors
 */
void store_rows_free(void *arr, size_t size, size_t at, unsigned n);

/* ---- schema.c ---- */

/* store_migrate - bring the schema up to version */
int store_migrate(struct store *s, int version, struct store_error *err);

/* store_pg_version - a PostgreSQL store's schema version, -1 on error */
int store_pg_version(struct store *s);

/* ---- lease.c: leases on the rows of the two queues ---- */

/*
 * A queue whose rows are leased to one holder at a time (lease.c): the
 * texts of queue.c, the mail of mailq.c and the hooks of hooks.c. Its
 * statements keep to the lease columns (LEASE_* in db.c).
 */
struct store_queue {
	const char *what;   /* a row, in errors: "message", "mail" */
	enum stmt_id due;   /* rows to lease: ?1 now, ?2 at most, in order */
	enum stmt_id lease; /* lease row ?1 to ?2 until ?3 (?4 now, if used) */
	enum stmt_id release; /* give back every lease of holder ?1 */
	size_t size;	      /* of one row's struct */
	size_t id_at;	      /* offsetof its int64_t id */
	size_t owned_at;      /* offsetof the pointer it owns (text, data) */
	void (*fill)(sq *, void *); /* a row from due's columns */
	/* what else taking a lease does, in its transaction; may be NULL */
	int (*taken)(struct store *s, int64_t id, const char *holder,
		     int64_t now, struct store_error *err);
};

/*
 * store_lease_claim - in one transaction, read up to max due rows of q
 * and lease each to holder until now + seconds; the rows in *rows_r
 * (NULL when none; the caller frees them with the queue's destructor)
 * and their number in *n_r. A row is never leased to two holders at
 * once; one whose lease ran out is due again.
 */
int store_lease_claim(struct store *s, const struct store_queue *q,
		      const char *holder, int64_t now, int64_t seconds,
		      unsigned max, void **rows_r, unsigned *n_r,
		      struct store_error *err);

/*
 * store_lease_ending - the statement end (one that ends a lease WHERE
 * LEASE_HELD) with row ?1 id and holder ?2 bound; the caller binds the
 * rest and runs it with store_lease_end. NULL with err on error.
 */
sq *store_lease_ending(struct store *s, enum stmt_id end, int64_t id,
		       const char *holder, struct store_error *err);

/*
 * store_lease_end - run st from store_lease_ending: STORE_ELEASE when
 * it changed no row, since holder does not hold row id's lease (any
 * more)
 */
int store_lease_end(struct store *s, const struct store_queue *q, sq *st,
		    int64_t id, struct store_error *err);

/*
 * store_lease_release - give back (to queued) every row of q leased to
 * holder; their number in *n_r (may be NULL)
 */
int store_lease_release(struct store *s, const struct store_queue *q,
			const char *holder, unsigned *n_r,
			struct store_error *err);

/* ---- queue.c ---- */

/* store_event - record that message id entered state (with detail) */
int store_event(struct store *s, int64_t id, int64_t at, enum store_state state,
		const char *detail, struct store_error *err);

/* ---- threads.c ---- */

/*
 * store_thread_upsert - create or touch the thread (owner, phone,
 * sender) of m, in the open transaction; its id in *id_r
 */
int store_thread_upsert(struct store *s, const struct store_outbound *m,
			int64_t now, int64_t *id_r, struct store_error *err);

/* store_thread_touch - message_id is thread id's newest mail, as of now */
int store_thread_touch(struct store *s, int64_t id, const char *message_id,
		       int64_t now, struct store_error *err);

/* ---- limits.c ---- */

/* store_rate_bump - count one (scope, key) event in the open transaction */
int store_rate_bump(struct store *s, const char *scope, const char *key,
		    int64_t now, int64_t window, struct store_error *err);

/*
 * store_usage_add - count one message of segments for sender in the
 * cycle of now, in the open transaction
 */
int store_usage_add(struct store *s, const char *sender, unsigned segments,
		    int64_t now, struct store_error *err);

#endif /* STORE_STORE_INT_H */
