/*
 * NAME
 *	store_int - the connection, statements and helpers inside store/
 */
#ifndef STORE_STORE_INT_H
#define STORE_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

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
	ST_COUNT
};

/* Searches (SQL made from a filter) kept prepared per connection. */
#define STORE_DYN_MAX 8
/* Transaction control statements kept prepared per connection. */
#define STORE_TX_MAX 16

struct store {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	char *path;
	int64_t busy_since; /* when the current wait for a lock began, ms */
	struct {
		const char *q; /* a literal: BEGIN, SAVEPOINT x... */
		sqlite3_stmt *st;
	} tx[STORE_TX_MAX];		  /* transaction control, prepared */
	sqlite3_stmt *dyn[STORE_DYN_MAX]; /* searches kept (store_dyn_put) */
	unsigned dyn_next;		  /* the next one evicted */
	pthread_mutex_t *wlock; /* the process's write lock of the file */
	enum store_sync sync;	/* DatabaseSync, as opened */
	bool wlocked;		/* held: a transaction is open */
	bool batch;		/* inside store_batch_begin/_end */
	bool unit_batch;	/* the outermost open unit made the batch */
	unsigned units;		/* units open */
};

/* ---- db.c: the connection, statements, transactions, rows ---- */

/* stmt - the prepared statement id, reset and unbound; NULL on error */
sqlite3_stmt *stmt(struct store *s, enum stmt_id id, struct store_error *err);

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
sqlite3_stmt *store_dyn_get(struct store *s, const char *text,
			    struct store_error *err);

/* store_dyn_put - keep st (reset, unbound) for the next store_dyn_get */
void store_dyn_put(struct store *s, sqlite3_stmt *st);

/*
 * store_tx - run q, one statement of transaction control (SAVEPOINT x,
 * RELEASE x, ROLLBACK TO x, BEGIN IMMEDIATE, COMMIT, ROLLBACK), kept
 * prepared; an SQLite result code, SQLITE_OK when it ran
 */
int store_tx(struct store *s, const char *q);

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

/* store_step - sqlite3_step, retried on SQLITE_BUSY; the sqlite code */
int store_step(sqlite3_stmt *st);

/* store_exec - step a statement that returns no rows; the sqlite code */
int store_exec(struct store *s, sqlite3_stmt *st, const char *what,
	       struct store_error *err);

/* bind helpers: NULL strings bind NULL */
int bind_text(sqlite3_stmt *st, int i, const char *v);

/* copy_text - column i into buf (size n), "" for NULL */
void copy_text(sqlite3_stmt *st, int i, char *buf, size_t n);

/* dup_text - column i as a malloc'd string ("" for NULL), NULL if OOM */
char *dup_text(sqlite3_stmt *st, int i);

/*
 * store_rows - step st to the end, appending one element of size bytes
 * per row to a new array that fill() fills; *arr_r is NULL when there
 * are no rows. The statement is reset.
 */
int store_rows(struct store *s, sqlite3_stmt *st, size_t size,
	       void (*fill)(sqlite3_stmt *, void *), void **arr_r,
	       unsigned *n_r, struct store_error *err);

/*
 * store_rows_owned - store_rows for rows that each own one allocation,
 * the pointer at offset at (a text, a blob) that fill() sets, NULL when
 * out of memory (then STORE_ETEMP); on an error the rows read so far
 * are freed with their allocations
 */
int store_rows_owned(struct store *s, sqlite3_stmt *st, size_t size,
		     void (*fill)(sqlite3_stmt *, void *), size_t at,
		     void **arr_r, unsigned *n_r, struct store_error *err);

/*
 * store_rows_free - free the pointer at offset at of each of n rows of
 * size bytes, then the array arr (NULL: nothing): the body of the
 * store_*s_free destructors
 */
void store_rows_free(void *arr, size_t size, size_t at, unsigned n);

/* ---- schema.c ---- */

/* store_migrate - bring the schema up to version */
int store_migrate(struct store *s, int version, struct store_error *err);

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
	void (*fill)(sqlite3_stmt *, void *); /* a row from due's columns */
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
sqlite3_stmt *store_lease_ending(struct store *s, enum stmt_id end, int64_t id,
				 const char *holder, struct store_error *err);

/*
 * store_lease_end - run st from store_lease_ending: STORE_ELEASE when
 * it changed no row, since holder does not hold row id's lease (any
 * more)
 */
int store_lease_end(struct store *s, const struct store_queue *q,
		    sqlite3_stmt *st, int64_t id, struct store_error *err);

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
