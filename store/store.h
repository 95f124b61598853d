/*
 * NAME
 *	store - the SQLite store: threads, the durable queues, history
 * SUMMARY
 *	#include "store/store.h"
 * DESCRIPTION
 *	The only module that speaks SQL. A struct store is one connection
 *	(WAL, foreign keys, a busy timeout) with its prepared statements;
 *	each process or thread opens its own. The schema is created and
 *	upgraded by numbered migrations (PRAGMA user_version) when a store
 *	is opened. Writes run in BEGIN IMMEDIATE transactions, retried on
 *	SQLITE_BUSY, so that a busy database only ever delays a caller.
 *
 *	Times are seconds since the epoch, passed in by the caller (the
 *	clock is injectable). Strings returned in structs are the caller's
 *	copies inside the struct, or say otherwise.
 *
 *	This header has one section per file, in this order: db.c (the
 *	connection and transactions), schema.c (migrations), queue.c (the
 *	outbound text queue), delivery.c (receipts and reports),
 *	history.c (search, delete, purge, counts), threads.c, people.c
 *	(contacts, groups, opt-outs), limits.c (rate windows, usage),
 *	mailq.c (the outbound mail queue), inbound.c (texts from phones),
 *	hooks.c (event hooks to URLs), media.c (files served at signed
 *	URLs).
 *	lease.c, the leases both queues share, has no API of its own.
 * OWNERSHIP
 *	What the store allocates for a caller is freed one of two ways.
 *
 *	A result whose elements own memory (a text, a blob) has a
 *	destructor that takes the address of the caller's pointer, frees
 *	it all and sets the pointer to NULL: store_close(&s),
 *	store_claims_free(&c, n), store_messages_free(&m, n),
 *	store_parts_free(&p, n), store_mails_free(&m, n). The count is
 *	the n the call returned.
 *
 *	A result that is one flat block (an array of fixed-size structs
 *	or strings: contacts, groups, members, numbers, opt-outs, threads,
 *	usage, reassembly sets; a char * text) owns nothing inside it:
 *	free() it. Each such function says "free() *x_r".
 *
 *	A struct the caller owns and the store fills (struct
 *	store_receipt) is not the store's to free: store_receipt_clear()
 *	frees what the store put in it (its text) and leaves the struct.
 * DIAGNOSTICS
 *	Functions return STORE_OK or a negative enum store_status and fill
 *	the struct store_error given: STORE_ETEMP for what may succeed
 *	later (locked too long, disk full, I/O), STORE_EPERM for what will
 *	not (corrupt file, newer schema, bad arguments).
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- db.c: the connection, transactions, errors ---- */

enum store_status {
	STORE_OK = 0,
	STORE_ETEMP = -1,     /* try again later */
	STORE_EPERM = -2,     /* will not work */
	STORE_ENOTFOUND = -3, /* no such row */
	STORE_EDUP = -4,      /* already there (idempotency key, name) */
	STORE_ELEASE = -5,    /* the lease is not ours (expired, reclaimed) */
};

struct store_error {
	enum store_status status;
	char msg[256];
};

enum store_sync { STORE_SYNC_FULL, STORE_SYNC_NORMAL, STORE_SYNC_OFF };

struct store;

/*
 * store_open - open (creating if needed) and migrate a store
 *
 * Returns the store, or NULL with err filled. A file whose schema is
 * newer than STORE_SCHEMA_VERSION is refused (STORE_EPERM).
 */
struct store *store_open(const char *path, enum store_sync sync,
			 struct store_error *err);

/*
 * store_open_version - store_open(), but migrate only up to version
 * (for tests of migrations and for tools that must not upgrade)
 */
struct store *store_open_version(const char *path, enum store_sync sync,
				 int version, struct store_error *err);

/* store_close - finalize statements, close, set *s to NULL */
void store_close(struct store **s);

/* store_version - the schema version of the open file */
int store_version(struct store *s);

/*
 * store_batch_begin, store_batch_end - make the operations in between
 * one transaction: one fsync for many updates (a gateway's submits and
 * receipts of one turn). Each operation still fails alone (a savepoint
 * each); if the commit at the end fails, none of them happened.
 */
int store_batch_begin(struct store *s, struct store_error *err);
int store_batch_end(struct store *s, struct store_error *err);
/* store_batch_abort - roll the open batch back (nothing of it is kept) */
void store_batch_abort(struct store *s);

/*
 * store_unit_begin, store_unit_end - the operations in between happen
 * together or not at all: committed when commit is true, else rolled
 * back. Inside a batch a unit is a savepoint of it; outside, its own
 * transaction. Units nest: an inner unit rolled back leaves the
 * outer one going on.
 */
int store_unit_begin(struct store *s, struct store_error *err);
int store_unit_end(struct store *s, bool commit, struct store_error *err);

/* ---- committer.c: group commit across threads ---- */

/*
 * A group: one writer thread with its own connection runs the work
 * that many threads hand it, each piece in a unit of one shared
 * transaction, and commits once for all (one fsync). A piece is a
 * function run on the writer's connection; it returns true to keep
 * what it did, false to roll it back (a refusal). Its reads and writes
 * are one transaction.
 */
struct store_committer;
typedef bool (*store_committer_fn)(struct store *s, void *arg);
/* told after each commit: pieces, seconds, NULL or why it failed */
typedef void (*store_committer_seen)(void *arg, unsigned n, double seconds,
				     const struct store_error *err);

/* store_committer_start - open path for writing, start the writer thread */
struct store_committer *store_committer_start(const char *path,
					      enum store_sync sync,
					      store_committer_seen seen,
					      void *seen_arg,
					      struct store_error *err);

/*
 * store_committer_run - run fn(s, arg) in the next group and wait for its
 * commit. STORE_OK when the transaction holding it committed (what fn
 * wrote into arg stands); else an error (nothing fn did happened).
 */
int store_committer_run(struct store_committer *g, store_committer_fn fn,
			void *arg, struct store_error *err);

/*
 * store_committer_run_lazy - as store_committer_run, for work that
 * needs no disk sync of its own (a claim: lost in a power cut, its
 * rows are due again, as when its lease ends): a group of such work
 * alone commits without one (DatabaseSync full: as normal); the next
 * group that syncs writes it down with its own
 */
int store_committer_run_lazy(struct store_committer *g, store_committer_fn fn,
			     void *arg, struct store_error *err);

/*
 * store_committer_stop - run the work waiting, stop the writer and close
 * its connection; later work is refused (STORE_ETEMP). Safe while other
 * threads are still in store_committer_run. Frees nothing.
 */
void store_committer_stop(struct store_committer *g);

/* store_committer_free - stop, wait until no thread is inside, free */
void store_committer_free(struct store_committer **gp);

/*
 * store_check - SQLite: PRAGMA integrity_check; PostgreSQL: the server
 * answers; STORE_OK or STORE_EPERM
 */
int store_check(struct store *s, struct store_error *err);

/*
 * store_copy - every row of from into to (an empty store at the same
 * schema version: SQLite to PostgreSQL or back), ids kept, in one
 * transaction of to; then each table checked row for row (the count
 * and a hash of every row the same on both sides). said(arg, table,
 * rows), when not NULL, is told each table checked.
 */
int store_copy(struct store *from, struct store *to,
	       void (*said)(void *arg, const char *table, uint64_t rows),
	       void *arg, struct store_error *err);

/*
 * store_name - what the store is, for messages: the file, or the
 * server's URI without its password
 */
const char *store_name(const struct store *s);

/*
 * store_shared - the store is a server's (PostgreSQL) that processes on
 * other hosts share, so a wake-up datagram cannot reach them all
 */
bool store_shared(const struct store *s);

/*
 * store_display - database as messages name it (a URI without its
 * password) in buf; buf
 */
const char *store_display(const char *database, char *buf, size_t n);

/*
 * store_ping - for a shared store, connect to database without
 * changing anything and read its schema version into *version_r (0: no
 * schema yet, made at the first daemon's start); for a file, nothing
 * (STORE_OK, *version_r -1)
 */
int store_ping(const char *database, int *version_r, struct store_error *err);

/*
 * store_listen - on a shared store, listen for rows added to any queue
 * (texts, mail, hooks), by whichever host; STORE_EPERM on a file
 * (SQLite: the datagram of WakeSocket is how a queue wakes the gateway)
 */
int store_listen(struct store *s, struct store_error *err);

/*
 * store_wait - after store_listen, wait up to ms for rows added: 1 some
 * were (or the connection was lost and made again: some may have
 * been), 0 none, -1 on error (err says)
 */
int store_wait(struct store *s, int ms, struct store_error *err);

/* ---- schema.c: numbered migrations ---- */

/* The schema version this code creates and understands. */
#define STORE_SCHEMA_VERSION 10

/* ---- queue.c: the outbound text queue, with leases ---- */

/* Message states, in the order a message passes them. */
enum store_state {
	STORE_QUEUED,	  /* waiting to be sent */
	STORE_SCHEDULED,  /* waiting for its due time, set by a person */
	STORE_SUBMITTING, /* claimed by a gateway */
	STORE_SUBMITTED,  /* the SMSC took it */
	STORE_DELIVERED,  /* the phone got it */
	STORE_FAILED,	  /* given up */
	STORE_EXPIRED,	  /* the network gave up */
	STORE_RECEIVED,	  /* an inbound text */
	STORE_UNKNOWN,	  /* taken, no receipt within ReceiptTimeout */
	STORE_CANCELLED,  /* taken back by its sender before it was sent */
};

/* The last state: arrays by state have STORE_STATE_LAST + 1 rows. */
#define STORE_STATE_LAST STORE_CANCELLED

/* store_state_name - "queued", "submitted", ... */
const char *store_state_name(enum store_state st);

/* store_state_parse - the state called name, or -1 */
int store_state_parse(const char *name);

/*
 * A text's public id (the API's MessageSid): "SM" and 32 hex digits of
 * getrandom(2), made when it is recorded, never reused.
 */
#define STORE_SID_LEN 34

/* The longest external id (the sender's own id for a text). */
#define STORE_EXTERNAL_ID_MAX 128

/* store_sid_new - a new public id with prefix ("SM"); false: no entropy */
bool store_sid_new(const char *prefix, char sid[STORE_SID_LEN + 1]);

/* What the milter queues for one SMS recipient. */
struct store_outbound {
	const char *owner;	   /* thread owner: the sender's mailbox */
	const char *phone;	   /* E.164 */
	const char *sender;	   /* our number or alphanumeric ID */
	const char *tag;	   /* the thread's tag */
	const char *subject;	   /* may be NULL */
	const char *envelope_from; /* MAIL FROM */
	const char *queue_id;	   /* the MTA's queue id */
	const char *message_id;	   /* Message-ID of the mail */
	const char *idem_key;	   /* unique per mail and recipient */
	/* a key that also makes it a duplicate (the previous time window
	   of a mail without its own Message-ID), or NULL */
	const char *idem_key_prev;
	unsigned notify;  /* DSN NOTIFY bits (STORE_NOTIFY_*) */
	const char *text; /* the SMS text, UTF-8 */
	int encoding;	  /* 0 GSM-7, 8 UCS-2 */
	unsigned segments;
	int64_t due;	      /* when to send; 0: now */
	int64_t rate_window;  /* > 0: count one text to phone in the
				 ("rcpt", phone) window of this length */
	const char *envid;    /* ESMTP ENVID=, decoded, or NULL */
	int ret;	      /* ESMTP RET=: STORE_RET_* */
	const char *returned; /* what a report returns (the mail's headers,
				 or the mail when returned_full), or NULL */
	size_t returned_len;
	bool returned_full;
	const char *external_id; /* the sender's own id for it, or NULL */
	const char *opts;	 /* what to do with answers and receipts (JSON,
				    policy/send.c), or NULL */
	const char *sid; /* its public id (store_sid_new), or NULL: one is
			    made */
	const char *mms; /* the links of pictures it carries as MMS, one a
			    line (at most STORE_MMS_MAX bytes), or NULL */
};

/* The longest list of MMS picture links of a text. */
#define STORE_MMS_MAX 2048

/* ESMTP RET= (RFC 3461): not given, HDRS, FULL */
#define STORE_RET_NONE 0
#define STORE_RET_HDRS 1
#define STORE_RET_FULL 2

#define STORE_NOTIFY_SUCCESS 0x01
#define STORE_NOTIFY_FAILURE 0x02
#define STORE_NOTIFY_DELAY   0x04
#define STORE_NOTIFY_NEVER   0x08
/* Not a DSN bit: the answer to a keyword (STOP, HELP), which goes to a
   phone even when it opted out. */
#define STORE_MSG_KEYWORD 0x100

/*
 * store_enqueue - record the thread and queue one message, in one
 * durable transaction
 *
 * The thread (owner, phone, sender) is created or touched. A second
 * enqueue with the same idem_key returns STORE_EDUP with the first
 * message's id in *id_r: an MTA that retries after a crash sends one
 * text, not two.
 */
int store_enqueue(struct store *s, const struct store_outbound *m, int64_t now,
		  int64_t *id_r, int64_t *thread_r, struct store_error *err);

/*
 * store_idem_find - the text queued with idem_key, in *id_r;
 * STORE_ENOTFOUND when none
 */
int store_idem_find(struct store *s, const char *idem_key, int64_t *id_r,
		    struct store_error *err);

/* A mail queued with texts (mailq.c). */
struct store_mail_out;

/* A file kept with texts (media.c). */
struct store_media_out;

/* One text of a job: what to queue, and what became of it. */
struct store_job_text {
	struct store_outbound msg;
	int64_t id; /* out: its message id (the first one's, for a dup) */
	bool dup;   /* out: queued before (the same idem_key) */
};

/*
 * One mail's worth of work: its texts and notices, queued together or
 * not at all. The results are written into the job.
 */
struct store_job {
	struct store_job_text *texts;
	unsigned ntexts;
	const struct store_mail_out *mails;
	unsigned nmails;
	int status;		/* out: STORE_OK or the job's error */
	struct store_error err; /* out */
	const struct store_media_out *media; /* files the texts link to */
	unsigned nmedia;
};

/*
 * store_enqueue_jobs - queue many jobs in one durable transaction
 * (group commit: one fsync for all)
 *
 * Each job runs in its own savepoint: a job that fails is rolled back
 * alone, with its status and err set, and the others go on. A job
 * whose texts were all queued before (the same idem_keys: the MTA
 * delivering the mail again) queues none of its mails or media either:
 * they were committed with those texts. A job's media are kept with
 * message_id the id of its first text. Returns
 * STORE_OK when the transaction committed (look at each job's status),
 * or the error that stopped it, which is then every job's status too.
 */
int store_enqueue_jobs(struct store *s, struct store_job *jobs, unsigned n,
		       int64_t now, struct store_error *err);

/* A claimed message: what a transport needs to submit it. */
struct store_claim {
	int64_t id;
	int64_t thread_id;
	char phone[20];
	char sender[40];
	int encoding;
	unsigned segments;
	unsigned attempts; /* including this one */
	unsigned notify;
	int64_t created;
	char *text; /* freed by store_claims_free(); to keep it, take it and
		      set this NULL */
	char mms[STORE_MMS_MAX + 1]; /* its pictures' links, or "" */
};

/*
 * store_claim - lease up to max due messages to lease_owner
 *
 * Takes queued or scheduled messages whose due time has come and
 * submitting ones whose lease expired, in order of due time then id,
 * marks them submitting with a lease until now + lease_seconds, and
 * returns them in *claims_r (the caller frees with store_claims_free;
 * NULL when none) and their number in *n_r. A message is never leased
 * to two owners at once.
 */
int store_claim(struct store *s, const char *lease_owner, int64_t now,
		int64_t lease_seconds, unsigned max,
		struct store_claim **claims_r, unsigned *n_r,
		struct store_error *err);

/* store_claims_free - free what store_claim returned; sets *c NULL */
void store_claims_free(struct store_claim **c, unsigned n);

/*
 * store_submitted - the SMSC took message id: record the SMSC id of
 * each segment (smsc_ids may be NULL) and end the lease
 *
 * STORE_ELEASE when the lease is not lease_owner's any more.
 */
int store_submitted(struct store *s, int64_t id, const char *lease_owner,
		    const char *const *smsc_ids, unsigned nids, int64_t now,
		    struct store_error *err);

/*
 * store_retry - a transient failure: back to queued, due at due, with
 * the error kept for history. STORE_ELEASE as above.
 */
int store_retry(struct store *s, int64_t id, const char *lease_owner,
		int64_t due, const char *code, const char *reason, int64_t now,
		struct store_error *err);

/*
 * store_fail - a permanent failure: failed, with code and a reason a
 * person understands. STORE_ELEASE as above.
 */
int store_fail(struct store *s, int64_t id, const char *lease_owner,
	       const char *code, const char *reason, int64_t now,
	       struct store_error *err);

/*
 * store_release - give back (to queued) every message leased to
 * lease_owner: a gateway that restarts after a crash takes its own
 * messages back at once instead of waiting for the leases to expire
 */
int store_release(struct store *s, const char *lease_owner, unsigned *n_r,
		  struct store_error *err);

/*
 * store_cancel - take back text id of owner (NULL: anyone's) before it
 * is sent: queued or scheduled becomes cancelled, with reason, and its
 * segments no longer count in the owner's usage. STORE_ENOTFOUND when
 * owner has no such text; STORE_EPERM, saying its state, when it was
 * claimed already (its state in *state_r, which may be NULL).
 */
int store_cancel(struct store *s, int64_t id, const char *owner,
		 const char *reason, int64_t now, enum store_state *state_r,
		 struct store_error *err);

/* ---- delivery.c: receipts per segment, delivery reports ---- */

/* What a receipt did, and what a delivery report needs. */
struct store_receipt {
	int64_t msg_id;
	enum store_state state; /* the message's: submitted while parts are
				   outstanding, then delivered, failed or
				   expired */
	bool final_now;		/* this receipt decided it */
	unsigned parts_done;	/* segments delivered */
	unsigned parts_total;
	unsigned notify; /* STORE_NOTIFY_* asked by the sender */
	char envelope_from[256], owner[256], phone[20], message_id[256];
	char *text;	 /* freed by store_receipt_clear() */
	char envid[101]; /* ESMTP ENVID=, or "" */
	int ret;	 /* STORE_RET_* */
	char *returned;	 /* what the report returns, or NULL; freed by
			    store_receipt_clear() */
	size_t returned_len;
	bool returned_full;
};

/*
 * store_receipt - the segment the SMSC calls smsc_id is in state seg
 * (delivered, failed, expired); when that makes every segment final,
 * the message is too, in the same transaction. STORE_ENOTFOUND for an
 * id no segment has.
 */
int store_receipt(struct store *s, const char *smsc_id, enum store_state seg,
		  const char *code, const char *reason, int64_t now,
		  struct store_receipt *r, struct store_error *err);

/*
 * store_receipt_timeout - texts submitted before cutoff and still
 * without a final receipt become unknown (code NO_RECEIPT, reason), at
 * most max of them, each with its event; their ids in ids (room for
 * max), how many in *n_r. A receipt that comes later still decides
 * such a text (store_receipt).
 */
int store_receipt_timeout(struct store *s, int64_t cutoff, int64_t now,
			  const char *reason, unsigned max, int64_t *ids,
			  unsigned *n_r, struct store_error *err);

/*
 * store_report - fill r (msg_id, state, notify, envelope_from, owner,
 * phone, message_id, text) for message id, for a delivery report
 */
int store_report(struct store *s, int64_t id, struct store_receipt *r,
		 struct store_error *err);

/*
 * store_receipt_clear - free what store_receipt or store_report put in
 * r (its text); r itself is the caller's, as before the call
 */
void store_receipt_clear(struct store_receipt *r);

/* ---- history.c: search, delete, purge and count messages ---- */

/* One message as history shows it. */
struct store_message {
	int64_t id;
	int64_t thread_id;
	char direction[4]; /* "out" or "in" */
	char owner[256];
	char phone[20];
	char sender[40];
	enum store_state state;
	unsigned segments;
	unsigned attempts;
	int64_t created, updated, due;
	char error[64];		     /* last error code, or "" */
	char reason[256];	     /* last reason, or "" */
	char sid[STORE_SID_LEN + 1]; /* its public id */
	char external_id[STORE_EXTERNAL_ID_MAX + 1]; /* or "" */
	int encoding;				     /* 0 GSM-7, 8 UCS-2 */
	char *text; /* freed by store_messages_free() */
};

/* History filters; zero or NULL fields do not filter. */
struct store_filter {
	int64_t since, until; /* created in [since, until) */
	const char *phone;
	const char *owner;
	const char *sender;	 /* our number */
	const char *direction;	 /* "in" or "out" */
	int state;		 /* enum store_state, or -1 */
	const char *text;	 /* substring of the text (see text_exact) */
	bool text_exact;	 /* text must equal the whole text */
	const char *sid;	 /* the text with this public id */
	const char *external_id; /* texts with this external id */
	const int64_t *ids;	 /* only these message ids, nids of them */
	unsigned nids;		 /* 0: any id; at most STORE_FILTER_MAX_IDS */
	int64_t after_id;	 /* pagination: ids greater than this */
	unsigned limit;		 /* history: 0 is 100; delete: 0 is all */
};

/* The most ids one filter may name. */
#define STORE_FILTER_MAX_IDS 1000

/* store_filter_init - a filter that takes everything */
void store_filter_init(struct store_filter *f);

/*
 * store_history - messages matching f, oldest first, at most f->limit;
 * free with store_messages_free (*msgs_r is NULL when none match)
 */
int store_history(struct store *s, const struct store_filter *f,
		  struct store_message **msgs_r, unsigned *n_r,
		  struct store_error *err);

/* store_messages_free - free what store_history returned */
void store_messages_free(struct store_message **m, unsigned n);

/*
 * store_message_events - the states message id passed, as text lines;
 * free() *text_r
 */
int store_message_events(struct store *s, int64_t id, char **text_r,
			 struct store_error *err);

/*
 * store_delete - delete the messages matching f, oldest first, at most
 * f->limit of them (0: all, not one page); their number goes to *n_r.
 * A filter with no field set is refused (STORE_EPERM): use store_purge
 * to empty history.
 */
int store_delete(struct store *s, const struct store_filter *f, unsigned *n_r,
		 struct store_error *err);

/*
 * store_delete_count - how many messages store_delete(f) would delete,
 * in *n_r; deletes nothing. Refuses what store_delete refuses.
 */
int store_delete_count(struct store *s, const struct store_filter *f,
		       unsigned *n_r, struct store_error *err);

/*
 * store_vacuum - rebuild the database file to give back the space of
 * deleted rows (SQLite VACUUM); its size in bytes before and after
 */
int store_vacuum(struct store *s, int64_t *before_r, int64_t *after_r,
		 struct store_error *err);

/*
 * store_purge - delete finished messages created before `before`
 * (queued and in-flight ones are kept); their number in *n_r
 */
int store_purge(struct store *s, int64_t before, unsigned *n_r,
		struct store_error *err);

/* Queue counts by state. */
struct store_counts {
	unsigned n[STORE_STATE_LAST + 1];
	int64_t oldest_due; /* of queued and scheduled; 0: none */
};

/* store_counts - how many messages are in each state */
int store_counts(struct store *s, struct store_counts *c,
		 struct store_error *err);

/* ---- threads.c: conversations of (owner, phone, sender) ---- */

/* A thread: the texts and mails between an owner and a phone. */
struct store_thread {
	int64_t id;
	char owner[256];
	char phone[20];
	char sender[40];
	char tag[32];
	char subject[256];
	int64_t created, last_active;
	unsigned messages;
	char last_message_id[256]; /* the thread's newest mail, without <> */
};

/*
 * store_threads - threads of owner and/or phone (NULL: any), most
 * recently active first, at most limit (0: 100); free() *threads_r
 */
int store_threads(struct store *s, const char *owner, const char *phone,
		  unsigned limit, struct store_thread **threads_r,
		  unsigned *n_r, struct store_error *err);

/*
 * store_thread_find - the thread whose tag is tag (when tag is not NULL
 * and such a thread is phone's), else the most recently active thread
 * of phone with our number sender; STORE_ENOTFOUND when none
 */
int store_thread_find(struct store *s, const char *tag, const char *phone,
		      const char *sender, struct store_thread *t,
		      struct store_error *err);

/*
 * store_recent_owners - the owners of (phone, sender)'s threads that
 * texted phone since since, the most recent first, at most max
 */
int store_recent_owners(struct store *s, const char *phone, const char *sender,
			int64_t since, char (*owners)[256], unsigned max,
			unsigned *n_r, struct store_error *err);

/*
 * store_thread_open - the thread (owner, phone, sender), created with
 * tag when there is none
 */
int store_thread_open(struct store *s, const char *owner, const char *phone,
		      const char *sender, const char *tag, int64_t now,
		      struct store_thread *t, struct store_error *err);

/*
 * store_thread_opts - the answer options (struct store_outbound's
 * opts) of the newest text out in thread created since `since`, into
 * *opts_r (free() it; NULL when none)
 */
int store_thread_opts(struct store *s, int64_t thread, int64_t since,
		      char **opts_r, struct store_error *err);

/* ---- people.c: contacts, groups, opt-outs ---- */

/*
 * Contacts and groups. Names are case-insensitive; a group's members
 * are contact names or E.164 numbers.
 */
struct store_contact {
	char name[65];
	char phone[20];
	int64_t created;
};

/* store_contact_add - add; STORE_EDUP when the name exists */
int store_contact_add(struct store *s, const char *name, const char *phone,
		      int64_t now, struct store_error *err);

/* store_contact_rm - remove (and from groups); STORE_ENOTFOUND */
int store_contact_rm(struct store *s, const char *name,
		     struct store_error *err);

/* store_contact_get - the number of name; STORE_ENOTFOUND */
int store_contact_get(struct store *s, const char *name, char phone_r[20],
		      struct store_error *err);

/* store_contacts - all contacts by name; free() *contacts_r */
int store_contacts(struct store *s, struct store_contact **contacts_r,
		   unsigned *n_r, struct store_error *err);

struct store_group {
	char name[65];
	unsigned members;
	int64_t created;
};

/* store_group_add - create an empty group; STORE_EDUP when it exists */
int store_group_add(struct store *s, const char *name, int64_t now,
		    struct store_error *err);

/* store_group_rm - delete a group; STORE_ENOTFOUND */
int store_group_rm(struct store *s, const char *name, struct store_error *err);

/*
 * store_group_member - add (add true) or remove a member; adding a
 * contact that does not exist is STORE_ENOTFOUND, as is a missing group
 */
int store_group_member(struct store *s, const char *group, const char *member,
		       bool add, struct store_error *err);

/* store_groups - all groups by name; free() *groups_r */
int store_groups(struct store *s, struct store_group **groups_r, unsigned *n_r,
		 struct store_error *err);

/*
 * store_group_numbers - the numbers a group texts: members resolved
 * (contacts to their numbers), each once, sorted; free() *numbers_r
 */
int store_group_numbers(struct store *s, const char *group,
			char (**numbers_r)[20], unsigned *n_r,
			struct store_error *err);

/* store_group_members - the members as written; free() *members_r */
int store_group_members(struct store *s, const char *group,
			char (**members_r)[65], unsigned *n_r,
			struct store_error *err);

/*
 * Opt-outs: a phone that replied STOP gets nothing more, from the site
 * (scope "*") or from the one number it replied to (scope: that
 * number; OptOutScope number).
 */
struct store_optout {
	char phone[20];
	char keyword[32];
	int64_t at;
	char scope[40]; /* "*", or our number */
};

/*
 * store_optout_add - opt phone out of scope (NULL: the site; again:
 * keeps the first time)
 */
int store_optout_add(struct store *s, const char *phone, const char *scope,
		     const char *keyword, int64_t now, struct store_error *err);

/*
 * store_optout_rm - opt back in: every scope (scope NULL), or scope and
 * the site's; STORE_ENOTFOUND when not out
 */
int store_optout_rm(struct store *s, const char *phone, const char *scope,
		    struct store_error *err);

/*
 * store_optout_check - *out_r true when phone opted out of the site,
 * or of sender (NULL: the site only); scope_r (40 bytes, may be NULL)
 * gets "*" or sender
 */
int store_optout_check(struct store *s, const char *phone, const char *sender,
		       bool *out_r, char *scope_r, struct store_error *err);

/* store_optouts - all opt-outs, newest first; free() *optouts_r */
int store_optouts(struct store *s, struct store_optout **optouts_r,
		  unsigned *n_r, struct store_error *err);

/* store_contact_of - the contact name of phone; STORE_ENOTFOUND */
int store_contact_of(struct store *s, const char *phone, char name_r[65],
		     struct store_error *err);

/* ---- limits.c: rate windows, usage per billing cycle ---- */

/*
 * Rate limits: fixed windows of window seconds per scope ("rcpt",
 * "tagfail", ...) and key (a number, a client address).
 */

/*
 * store_rate_hit - count one event if fewer than limit happened in the
 * current window: *allowed_r says whether it was counted; when not,
 * *retry_r is when the window ends. Old windows are dropped.
 */
int store_rate_hit(struct store *s, const char *scope, const char *key,
		   int64_t now, int64_t window, long long limit,
		   bool *allowed_r, int64_t *retry_r, struct store_error *err);

/*
 * store_rate_count - how many events the current window of (scope,
 * key) counted, without counting one; *retry_r (may be NULL) is when
 * the window ends
 */
int store_rate_count(struct store *s, const char *scope, const char *key,
		     int64_t now, int64_t window, long long *count_r,
		     int64_t *retry_r, struct store_error *err);

/*
 * Usage: messages and segments per sender (the mail owner) per billing
 * cycle (the calendar month, UTC, "YYYY-MM"), counted at enqueue.
 */
struct store_usage {
	char sender[256];
	char cycle[8];
	unsigned messages, segments;
};

/* store_cycle - the cycle "YYYY-MM" that time t falls in */
void store_cycle(int64_t t, char cycle_r[8]);

/*
 * store_usage - usage rows, filtered by cycle and sender (NULL: all),
 * by cycle then sender; free() *usage_r
 */
int store_usage(struct store *s, const char *cycle, const char *sender,
		struct store_usage **usage_r, unsigned *n_r,
		struct store_error *err);

/* store_usage_of - segments sender queued in the cycle of now */
int store_usage_of(struct store *s, const char *sender, int64_t now,
		   unsigned *segments_r, struct store_error *err);

/* ---- mailq.c: the outbound mail queue, with leases ---- */

/*
 * Outbound mail (texts, reports and notices made into mail), queued
 * until the SMTP relay takes it.
 */

/* A mail to queue with texts, e.g. a delivery report for the sender. */
struct store_mail_out {
	const char *from, *rcpt;
	const void *data;
	size_t len;
};

/* A claimed mail: what the SMTP relay needs. */
struct store_mail {
	int64_t id;
	char from[256];
	char rcpt[256];
	unsigned attempts; /* including this one */
	size_t len;
	unsigned char *data; /* the message; freed by store_mails_free() */
};

/* store_mail_enqueue - queue a message for SMTP */
int store_mail_enqueue(struct store *s, const char *from, const char *rcpt,
		       const void *data, size_t len, int64_t now, int64_t *id_r,
		       struct store_error *err);

/*
 * store_mail_rewrite - replace the message of mail id, leased to
 * lease_owner, by data (its media fetched); the lease stays.
 * STORE_ELEASE when it is not leased to lease_owner.
 */
int store_mail_rewrite(struct store *s, int64_t id, const char *lease_owner,
		       const void *data, size_t len, struct store_error *err);

/* store_mail_claim - lease up to max due mails, like store_claim */
int store_mail_claim(struct store *s, const char *lease_owner, int64_t now,
		     int64_t lease_seconds, unsigned max,
		     struct store_mail **mails_r, unsigned *n_r,
		     struct store_error *err);

/* store_mails_free - free claimed mails */
void store_mails_free(struct store_mail **m, unsigned n);

/*
 * store_mail_sent, store_mail_retry, store_mail_fail - end a mail's
 * lease: sent (the row goes), again at due, or given up with error.
 * STORE_ELEASE when the lease is not lease_owner's.
 */
int store_mail_sent(struct store *s, int64_t id, const char *lease_owner,
		    struct store_error *err);
int store_mail_retry(struct store *s, int64_t id, const char *lease_owner,
		     int64_t due, const char *error, struct store_error *err);
int store_mail_fail(struct store *s, int64_t id, const char *lease_owner,
		    const char *error, struct store_error *err);

/* store_mail_release - give back the mail leased to lease_owner */
int store_mail_release(struct store *s, const char *lease_owner,
		       struct store_error *err);

/* A mail the relay refused for good, kept in the queue. */
struct store_mail_failed {
	int64_t id;
	char from[256];
	char rcpt[256];
	unsigned attempts;
	int64_t created;
	char subject[256]; /* its Subject header, as written, or "" */
	char error[1024];  /* the relay's answer, and where it went then */
};

/*
 * store_mail_failed - the failed mails, oldest first; free() *mails_r
 */
int store_mail_failed(struct store *s, struct store_mail_failed **mails_r,
		      unsigned *n_r, struct store_error *err);

/* ---- lease.c: who holds leases on the queues ---- */

/*
 * store_lease_holders - the distinct holders of leases on texts or mail
 * whose names begin with prefix (a gateway run's "smsgw@host/PID"...);
 * free() *holders_r
 */
#define STORE_HOLDER_MAX 160
int store_lease_holders(struct store *s, const char *prefix,
			char (**holders_r)[STORE_HOLDER_MAX], unsigned *n_r,
			struct store_error *err);

/* ---- pool.c: leases of SenderPool numbers ---- */

/*
 * A lease gives one conversation (owner, phone) a pool number that no
 * other live conversation with that phone has, so that an answer to
 * that number names its conversation. It is live while renewed within
 * the idle time; an expired row stays (an answer to it may still go to
 * its last owner) until the pair (phone, number) is leased again.
 */
struct store_pool_lease {
	char phone[40];
	char number[40];
	char owner[256];
	int64_t created;
	int64_t renewed;
};

struct store_pool_opts {
	const char *const *numbers; /* the pool, E.164 */
	size_t n;
	int64_t idle;  /* a lease not renewed for this long expires */
	unsigned max;  /* live leases one phone may have */
	bool recycle;  /* when full, take the least recently renewed */
	int64_t grace; /* an expired lease still routes answers this long:
			  its number goes to no one else meanwhile */
};

/*
 * store_pool_take - the number of owner's conversation with phone:
 * its live lease renewed (a lease renewed within the last minute is
 * not written again), else a new lease on a pool number no live
 * lease of phone holds (the owner's last one with phone first, then
 * one never used with phone, then the longest idle past its grace: a
 * number whose lease expired less than o->grace ago still routes the
 * phone's answers to its last owner). STORE_EDUP when
 * phone has o->max live leases or every number is live with it, unless
 * o->recycle: then the least recently renewed lease is taken and
 * evicted_r (256 bytes, may be NULL) gets its owner ("" otherwise).
 */
int store_pool_take(struct store *s, const char *owner, const char *phone,
		    const struct store_pool_opts *o, int64_t now,
		    char number_r[40], char *evicted_r,
		    struct store_error *err);

/*
 * store_pool_room - may owner text phone from the pool: true when it
 * has a live lease with phone or phone has room for one more (read
 * only: the answer RCPT gives; store_pool_take decides); *live_r counts
 * the phone's leases live or within their grace
 */
int store_pool_room(struct store *s, const char *owner, const char *phone,
		    const struct store_pool_opts *o, int64_t now, bool *room_r,
		    unsigned *live_r, struct store_error *err);

/*
 * store_pool_find - the lease of (phone, number), live or not;
 * STORE_ENOTFOUND when there never was one
 */
int store_pool_find(struct store *s, const char *phone, const char *number,
		    struct store_pool_lease *l, struct store_error *err);

/* store_pool_renew - a text either way on (phone, number): renewed */
int store_pool_renew(struct store *s, const char *phone, const char *number,
		     int64_t now, struct store_error *err);

/*
 * store_pool_leases - the leases renewed since since, filtered by
 * phone, owner and number (NULL: any), the most recent first; free()
 * *leases_r
 */
int store_pool_leases(struct store *s, const char *phone, const char *owner,
		      const char *number, int64_t since,
		      struct store_pool_lease **leases_r, unsigned *n_r,
		      struct store_error *err);

/* Traffic and live leases of one of our numbers. */
struct store_number_stat {
	char number[40];
	unsigned long out, in; /* texts since the time asked */
	unsigned leases;       /* live pool leases */
};

/*
 * store_number_stats - per number: texts out and in created since
 * since, and pool leases renewed since live_since; free() *stats_r
 */
int store_number_stats(struct store *s, int64_t since, int64_t live_since,
		       struct store_number_stat **stats_r, unsigned *n_r,
		       struct store_error *err);

/* store_pool_release - end the lease of (phone, number); ENOTFOUND */
int store_pool_release(struct store *s, const char *phone, const char *number,
		       struct store_error *err);

/* ---- inbound.c: texts from phones ---- */

/*
 * store_inbound_seen - remember a provider's message id; STORE_EDUP
 * when it was seen before (the provider retried)
 */
int store_inbound_seen(struct store *s, const char *provider,
		       const char *provider_id, int64_t now,
		       struct store_error *err);

/* A text from a phone, and the mail it became. */
struct store_inbound {
	int64_t thread_id;
	const char *text; /* UTF-8 */
	int encoding;	  /* 0 GSM-7, 8 UCS-2, as it came */
	unsigned segments;
	const char *provider;	    /* "smpp", "twilio", ...; NULL: none */
	const char *provider_id;    /* its id for the text; NULL: none */
	const char *message_id;	    /* the mail's, without <>: the thread's
				       newest from now on */
	struct store_mail_out mail; /* the mail to queue; data NULL: none */
};

/*
 * store_inbound_add - record a text from a phone in its thread and
 * queue its mail, in one transaction (a savepoint in a batch).
 * STORE_EDUP, with nothing recorded, when (provider, provider_id) was
 * seen before: the provider sent it again.
 */
int store_inbound_add(struct store *s, const struct store_inbound *in,
		      int64_t now, int64_t *id_r, int64_t *mail_id_r,
		      struct store_error *err);

/* One part of a concatenated inbound text. */
struct store_part {
	unsigned seq;
	size_t len;
	unsigned char *data; /* freed by store_parts_free() */
};

/*
 * store_reasm_put - keep part seq of the set (phone, ref, total), so a
 * restart loses no part; STORE_EDUP when that seq is held already.
 * *have_r is how many parts of the set are held.
 */
int store_reasm_put(struct store *s, const char *phone, unsigned ref,
		    unsigned total, unsigned seq, const void *data, size_t len,
		    int64_t now, unsigned *have_r, struct store_error *err);

/*
 * store_reasm_take - remove a set's parts and return them in seq order
 * (complete, or given up on); free with store_parts_free
 */
int store_reasm_take(struct store *s, const char *phone, unsigned ref,
		     unsigned total, struct store_part **parts_r, unsigned *n_r,
		     struct store_error *err);

/* store_parts_free - free what store_reasm_take returned */
void store_parts_free(struct store_part **p, unsigned n);

/* A set of parts waiting for the rest. */
struct store_reasm_set {
	char phone[20];
	unsigned ref, total, have;
	int64_t first; /* when its first part came */
};

/*
 * store_reasm_stale - sets whose first part came before `before`;
 * free() *sets_r
 */
int store_reasm_stale(struct store *s, int64_t before,
		      struct store_reasm_set **sets_r, unsigned *n_r,
		      struct store_error *err);

/*
 * Texts answered on a link that may have lost the answer. A text from
 * a phone is recorded with its fingerprint, the link's session and a
 * mark (how many requests had gone out on the link) until the carrier
 * answers a request sent after our answer: then it had our answer,
 * and store_unconfirmed_confirm forgets it. A text with the
 * fingerprint of one still unconfirmed on another session is the
 * carrier sending it again (it did not get our answer).
 */

/* store_unconfirmed_add - remember a text answered on session at mark */
int store_unconfirmed_add(struct store *s, const char *fp, const char *session,
			  uint64_t mark, int64_t now, struct store_error *err);

/*
 * store_unconfirmed_take - whether a text with fp is unconfirmed on
 * another session since `since` (*found_r); if so it moves to session
 * at mark (now answered there instead)
 */
int store_unconfirmed_take(struct store *s, const char *fp, const char *session,
			   uint64_t mark, int64_t since, int64_t now,
			   bool *found_r, struct store_error *err);

/*
 * store_unconfirmed_confirm - the carrier had our answers on session
 * given before mark: forget those texts
 */
int store_unconfirmed_confirm(struct store *s, const char *session,
			      uint64_t mark, struct store_error *err);

/* store_unconfirmed_purge - forget texts answered before `before` */
int store_unconfirmed_purge(struct store *s, int64_t before,
			    struct store_error *err);

/*
 * A gateway's inbox: texts from phones that came over SMPP, answered
 * once here, mailed later by the gateway's inbox thread (gateway/
 * spool.c). The inbox is a SQLite file of its own (InboxFile), so that
 * the answers do not wait for the store's writers; the store keeps,
 * with the mail, how far each inbox was mailed (inbox_done), so that a
 * crash between the mail's commit and the rows' removal mails none
 * twice.
 */
struct store_raw {
	int64_t id;
	int64_t at;    /* when it came */
	char from[64]; /* the addresses as the carrier wrote them */
	char to[64];
	int data_coding;
	unsigned esm_class;
	uint8_t *ud; /* its user data (malloc'd) */
	size_t ud_len;
};

/* store_inbox_put - keep a text in the inbox (in a batch: with its
   answer's records) */
int store_inbox_put(struct store *s, const struct store_raw *m,
		    struct store_error *err);

/* store_inbox_get - up to max texts after id `after`, oldest first;
   store_raws_free(*v_r, *n_r) */
int store_inbox_get(struct store *s, int64_t after, unsigned max,
		    struct store_raw **v_r, unsigned *n_r,
		    struct store_error *err);
void store_raws_free(struct store_raw *v, unsigned n);

/* store_inbox_count - the texts the inbox holds, when the oldest came
   (0: none), and the texts held aside (store_inbox_hold) */
int store_inbox_count(struct store *s, unsigned *n_r, int64_t *oldest_r,
		      unsigned *held_r, struct store_error *err);

/* store_inbox_hold - move text id aside, with reason (one unit): the
   store refused it again and again */
int store_inbox_hold(struct store *s, int64_t id, const char *reason,
		     struct store_error *err);

/* store_inbox_unhold - the texts set aside back in the inbox, after the
   others (new ids); *n_r how many */
int store_inbox_unhold(struct store *s, unsigned *n_r, struct store_error *err);

/* store_inbox_drop - forget the texts up to id upto (mailed) */
int store_inbox_drop(struct store *s, int64_t upto, struct store_error *err);

/* store_inbox_name - the inbox's name for itself, made at first use
   (32 random hex digits) */
int store_inbox_name(struct store *s, char name[33], struct store_error *err);

/* store_inbox_done - the last text of inbox `name` mailed (0: none) */
int store_inbox_done(struct store *s, const char *name, int64_t *last_r,
		     struct store_error *err);

/* store_inbox_done_set - with the mail of texts up to last */
int store_inbox_done_set(struct store *s, const char *name, int64_t last,
			 struct store_error *err);

/* ---- forwards.c: texts forwarded to another phone ---- */

/*
 * store_forward_add - a text from phone to our number was forwarded
 * to target, for owner: target's answer to number goes back to phone
 */
int store_forward_add(struct store *s, const char *number, const char *target,
		      const char *phone, const char *owner, int64_t now,
		      struct store_error *err);

/*
 * store_forward_last - the phone last forwarded from number to target
 * since `since`, and for whom (owner_r, 256 bytes); STORE_ENOTFOUND
 */
int store_forward_last(struct store *s, const char *number, const char *target,
		       int64_t since, char phone_r[20], char *owner_r,
		       struct store_error *err);
/* ---- apikeys.c: keys of the send API ---- */

/*
 * An API key acts as its owner (a mailbox). The store keeps a hash of
 * its token, never the token, and a hint (the first characters of the
 * token after its prefix) for people to tell keys apart.
 */
struct store_apikey {
	int64_t id;
	char owner[256];
	char name[65]; /* the admin's label, or "" */
	char hint[16];
	int64_t created;
	int64_t last_used; /* to the minute (store_apikey_used); 0: never */
	bool revoked;
};

/*
 * store_apikey_add - a new key of owner (name may be NULL), whose token
 * hashes to hash; its id in *id_r. STORE_EDUP when that hash is known.
 */
int store_apikey_add(struct store *s, const char *owner, const char *name,
		     const char *hash, const char *hint, int64_t now,
		     int64_t *id_r, struct store_error *err);

/*
 * store_apikey_find - the live key whose token hashes to hash, into k;
 * STORE_ENOTFOUND when there is none or it was revoked
 */
int store_apikey_find(struct store *s, const char *hash, struct store_apikey *k,
		      struct store_error *err);

/*
 * store_apikey_used - key id was used now: last_used is written only
 * when the stored one is over a minute old (STORE_APIKEY_SLACK), so a
 * key in steady use costs a read, not a write, per request.
 * STORE_ENOTFOUND when there is no key id.
 */
#define STORE_APIKEY_SLACK 60
int store_apikey_used(struct store *s, int64_t id, int64_t now,
		      struct store_error *err);

/*
 * store_apikeys - the keys of owner (NULL: everyone's), revoked ones
 * too, by id; free() *keys_r
 */
int store_apikeys(struct store *s, const char *owner,
		  struct store_apikey **keys_r, unsigned *n_r,
		  struct store_error *err);

/*
 * store_apikey_revoke - revoke key id (of owner, unless NULL): it
 * authenticates no more. STORE_ENOTFOUND when there is no such live key.
 */
int store_apikey_revoke(struct store *s, int64_t id, const char *owner,
			struct store_error *err);
/* ---- hooks.c: event hooks to URLs, a queue with leases ---- */

/*
 * Events (a text from a phone, a final receipt) to deliver to a URL,
 * retried until the receiver answers. A hook waits pending; a
 * deliverer leases due hooks (store_hook_claim) and ends each lease
 * with store_hook_done (delivered), store_hook_retry (pending again,
 * due later) or store_hook_fail (given up); a deliverer that restarts
 * gives its leases back with store_hook_release. Every hook has a hid,
 * "EV" and 32 hex digits of getrandom(), the same on every try, so
 * that a receiver can drop repeats.
 */
enum store_hook_state {
	STORE_HOOK_PENDING = 0,
	STORE_HOOK_DELIVERED = 1,
	STORE_HOOK_FAILED = 2, /* given up */
};

#define STORE_HID_SIZE 35    /* "EV" + 32 hex + NUL */
#define STORE_URL_MAX  16384 /* the longest hook URL, a GET template filled */

/* A hook to queue. */
struct store_hook_out {
	const char *hid;	  /* from store_hook_hid(); NULL: a new one */
	const char *owner;	  /* whose event: told when it is given up */
	const char *event;	  /* "message.received", "message.receipt" */
	int64_t message_id;	  /* the text it is about, or 0 */
	const char *url;	  /* at most STORE_URL_MAX bytes */
	const char *method;	  /* "POST", "FORM", "GET" */
	const char *content_type; /* of body, or NULL (GET) */
	const void *body;	  /* NULL: none */
	size_t len;
	bool expect_ok; /* success is a 2xx whose body is "ok" */
	bool per_text;	/* its URL came with a text (the send API), not
			   from the site's configuration */
};

/* A queued hook, claimed or listed. */
struct store_hook {
	int64_t id;
	char hid[STORE_HID_SIZE];
	char owner[256];
	char event[32];
	int64_t message_id;
	char url[STORE_URL_MAX + 1];
	char method[8];
	char content_type[64];
	bool expect_ok;
	bool per_text;	   /* as struct store_hook_out's */
	unsigned attempts; /* tries so far, this one included when claimed */
	int64_t created, due, updated;
	enum store_hook_state state;
	char last_error[256];
	unsigned char *body; /* NUL-terminated; freed by store_hooks_free() */
	size_t len;
};

/* store_hook_hid - a new hid ("EV" + 32 hex digits of getrandom()) */
int store_hook_hid(char hid[STORE_HID_SIZE], struct store_error *err);

/*
 * store_hook_add - queue hook h, due at now; its row id in *id_r and
 * its hid in hid_r (may be NULL). Joins an open unit or batch.
 */
int store_hook_add(struct store *s, const struct store_hook_out *h, int64_t now,
		   int64_t *id_r, char hid_r[STORE_HID_SIZE],
		   struct store_error *err);

/*
 * store_hook_claim - lease up to max due hooks to holder until now +
 * lease_seconds (one transaction); free with store_hooks_free()
 */
int store_hook_claim(struct store *s, const char *holder, int64_t now,
		     int64_t lease_seconds, unsigned max,
		     struct store_hook **hooks_r, unsigned *n_r,
		     struct store_error *err);

/* store_hooks_free - free claimed or listed hooks; *h becomes NULL */
void store_hooks_free(struct store_hook **h, unsigned n);

/*
 * store_hook_done, store_hook_retry, store_hook_fail - end hook id's
 * lease: delivered; pending again at due with error; given up with
 * error. STORE_ELEASE when holder does not hold it (any more).
 */
int store_hook_done(struct store *s, int64_t id, const char *holder,
		    int64_t now, struct store_error *err);
int store_hook_retry(struct store *s, int64_t id, const char *holder,
		     int64_t due, const char *error, int64_t now,
		     struct store_error *err);
int store_hook_fail(struct store *s, int64_t id, const char *holder,
		    const char *error, int64_t now, struct store_error *err);

/* store_hook_release - give back every hook leased to holder; how many */
int store_hook_release(struct store *s, const char *holder, unsigned *n_r,
		       struct store_error *err);

/*
 * store_hook_holders - the holders of hook leases whose names begin
 * with prefix; free() *holders_r
 */
int store_hook_holders(struct store *s, const char *prefix,
		       char (**holders_r)[STORE_HOLDER_MAX], unsigned *n_r,
		       struct store_error *err);

/*
 * store_hooks - the newest hooks first, up to limit, of state (or of
 * every state when state < 0); free with store_hooks_free()
 */
int store_hooks(struct store *s, int state, unsigned limit,
		struct store_hook **hooks_r, unsigned *n_r,
		struct store_error *err);

/*
 * store_hook_retry_now - hook id, pending or given up, is due at now
 * (a given-up one starts a new lifetime: created becomes now);
 * STORE_ENOTFOUND when there is no such hook or it was delivered
 */
int store_hook_retry_now(struct store *s, int64_t id, int64_t now,
			 struct store_error *err);

/* What a hook says about a text of ours. */
struct store_hook_msg {
	char owner[256];
	char phone[20];	 /* the phone's number */
	char sender[40]; /* ours */
	char sid[64];	 /* "" when none */
	char external_id[256];
	char opts[4096]; /* its answer and receipt options (JSON), or "" */
};

/* store_hook_msg - text id's owner, numbers and ids; STORE_ENOTFOUND */
int store_hook_msg(struct store *s, int64_t id, struct store_hook_msg *m,
		   struct store_error *err);

/* ---- media.c: files served at signed URLs ---- */

/*
 * The files of mail to phones, kept until they expire and served by
 * smsgw at signed URLs that name them by mid, their public id: 10
 * base32 letters (a-z, 2-7) of getrandom(), 50 bits, never reused.
 */
#define STORE_MEDIA_ID_LEN 10

/* store_media_id_new - a new public id; false: no random bytes */
bool store_media_id_new(char mid[STORE_MEDIA_ID_LEN + 1]);

/* A file to keep. */
struct store_media_out {
	const char *mid;	  /* from store_media_id_new() */
	const char *owner;	  /* whose file: the sender's mailbox */
	int64_t message_id;	  /* the text it went with, or 0 */
	const char *filename;	  /* as the mail named it, or "" */
	const char *content_type; /* "image/png" */
	const void *data;
	size_t len;
	int64_t expires; /* when it is purged and its URLs die */
};

/* A kept file, without its bytes (store_media_read reads them). */
struct store_media {
	int64_t id;
	char mid[STORE_MEDIA_ID_LEN + 1];
	char owner[256];
	int64_t message_id; /* 0: none */
	char filename[256];
	char content_type[128];
	int64_t size;
	int64_t created, expires;
};

/*
 * store_media_add - keep file m, in a unit (joins an open batch); its
 * row id in *id_r (may be NULL). STORE_EDUP when its mid is taken.
 */
int store_media_add(struct store *s, const struct store_media_out *m,
		    int64_t now, int64_t *id_r, struct store_error *err);

/* store_media_get - the file called mid, into m; STORE_ENOTFOUND */
int store_media_get(struct store *s, const char *mid, struct store_media *m,
		    struct store_error *err);

/*
 * store_media_read - len bytes of file id from offset off into buf (the
 * caller checked the range against its size); STORE_ENOTFOUND when the
 * file went meanwhile
 */
int store_media_read(struct store *s, int64_t id, int64_t off, void *buf,
		     size_t len, struct store_error *err);

/* store_media_list - the files of owner (NULL: all), by id; free() */
int store_media_list(struct store *s, const char *owner,
		     struct store_media **media_r, unsigned *n_r,
		     struct store_error *err);

/*
 * store_media_delete - delete file mid (of owner, unless NULL);
 * STORE_ENOTFOUND when there is no such file
 */
int store_media_delete(struct store *s, const char *mid, const char *owner,
		       struct store_error *err);

/* store_media_purge - delete the files expired at now; how many */
int store_media_purge(struct store *s, int64_t now, unsigned *n_r,
		      struct store_error *err);

#endif /* STORE_STORE_H */
