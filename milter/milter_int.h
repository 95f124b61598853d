/*
 * NAME
 *	milter_int - the daemon's parts inside milter/: shared state,
 *	the group-commit writer (commit.c), the libmilter glue
 *	(callbacks.c), the RCPT decision (rcpt.c), the end-of-message job
 *	(eom.c)
 */
#ifndef MILTER_MILTER_INT_H
#define MILTER_MILTER_INT_H

#include <libmilter/mfapi.h>
#include <stdarg.h>

#include "policy/policy.h"
#include "store/store.h"
#include "util/util.h"

/* A configuration in use: swapped whole on SIGHUP, freed when unused. */
struct conf_ref {
	struct conf *conf;
	unsigned refs;
};

/* conf_acquire - the current configuration, held until conf_release */
struct conf_ref *conf_acquire(void);
void conf_release(struct conf_ref *r);

/* conf_install - make c current (the old one goes when unused) */
void conf_install(struct conf *c);

/*
 * The group-commit writer: one thread, one store connection. Sessions
 * hand it their jobs and wait; it queues every job waiting in one
 * transaction, so concurrent sessions share one fsync.
 */
int commit_start(const char *db, enum store_sync sync, struct store_error *err);

/* commit_run - queue job durably; returns job->status */
int commit_run(struct store_job *job);

/* commit_stop - finish the jobs waiting, then stop the writer */
void commit_stop(void);

/*
 * reader_store - this thread's read connection to db (opened on first
 * use, closed when the thread ends), or NULL with err set
 */
struct store *reader_store(const char *db, struct store_error *err);

/* An accepted SMS recipient. */
struct entry {
	char *addr;	    /* as the MTA gave it, for smfi_delrcpt */
	char group[128];    /* a group's name, or "" */
	char tag[33];	    /* a verified reply tag, or "" */
	char (*phones)[20]; /* E.164 numbers */
	unsigned nphones;
	unsigned notify;	 /* STORE_NOTIFY_* */
	bool dmarc;		 /* allowed only if the mail passes DMARC */
	struct policy_verdict v; /* set when refused after RCPT */
	unsigned optedout;	 /* group members skipped: opted out */
	char optedout_list[120]; /* the first of them, for the sender */
};

/* One SMTP connection; its transaction state is reset at MAIL. */
struct session {
	struct conf_ref *cf;
	unsigned long pflags; /* protocol flags the MTA granted */
	bool in_txn;
	char qid[32];
	char from[256]; /* envelope sender, bare; "" for <> */
	char auth[128];
	char client[64];
	long long size; /* ESMTP SIZE=, or 0 */
	struct entry *rcpts;
	unsigned nrcpts, cap;
	unsigned others; /* recipients that are not phones */
	const char *noise;
	bool noise_ours; /* made by smsgw (X-SMS-*): a loop, never told */
	char envid[101]; /* ESMTP ENVID=, xtext-decoded, or "" */
	int ret;	 /* ESMTP RET=: STORE_RET_* */
	char *ar[8];	 /* Authentication-Results of ours (AuthservId) */
	unsigned nar;
	bool ar_overflow;  /* more than that: trust none */
	char *schedule;	   /* X-SMS-Schedule or Deferred-Delivery */
	char *want_sender; /* X-SMS-Sender: which of the owner's numbers */
	struct ut_buf raw;
	bool too_big;
	bool in_body;
};

/* The filter description smfi_register() takes. */
extern struct smfiDesc milter_desc;

/* sessions_active - transactions in progress (for a graceful stop) */
unsigned sessions_active(void);

/*
 * sessions_busy - what a stop waits for: end-of-message jobs running,
 * plus, when the MTA said anything in the last idle_ms (a new
 * connection included), the open transactions and one more; 0 when
 * the MTA has been quiet (an open transaction it says nothing about,
 * such as a Sendmail session after RSET, which sends no abort, is not
 * waited for)
 */
unsigned sessions_busy(unsigned idle_ms);

/*
 * milter_stop_listeners - shut down every listening TCP socket of the
 * process, so that a successor can bind the address at once; how many
 */
int milter_stop_listeners(void);

/* milter_reply - send v as the SMTP reply: TEMPFAIL 4xx, REJECT 5xx */
sfsistat milter_reply(SMFICTX *ctx, const struct policy_verdict *v);

/* milter_store_down - log why the store failed; v is the 451 for it */
bool milter_store_down(struct policy_verdict *v, const struct store_error *err);

/*
 * rcpt_check - every RCPT-time decision for SMS recipient r of session
 * s (rcpt.c): fills e's phones, group and tag, or refuses with v
 */
bool rcpt_check(struct session *s, const struct policy_rcpt *r, struct entry *e,
		struct policy_verdict *v);

/*
 * eom_run - the end-of-message job of s (eom.c): render, queue in one
 * group commit, then remove the SMS recipients; the answer to give
 */
sfsistat eom_run(SMFICTX *ctx, struct session *s);

/*
 * milter_nodelay_listeners - set TCP_NODELAY on every listening TCP
 * socket of the process (libmilter does not hand its socket out; on
 * Linux, accepted connections inherit the option, so libmilter's small
 * writes at end-of-message are not held back by Nagle's algorithm).
 * Returns how many sockets were set.
 */
int milter_nodelay_listeners(void);

/* metrics_refusal - count one refusal with this code and status */
void metrics_refusal(const char *code, const char *xcode);

/* metrics_commit - count one group commit of the queue and its time */
void metrics_commit(double seconds);

/* metrics_store_error - count one store failure (a 451 4.3.0) */
void metrics_store_error(void);

/*
 * metrics_listen - bind MilterMetricsListen (an address in use is
 * waited for up to 5 s); 0, or -1 (logged, with errno)
 */
int metrics_listen(const struct conf_hostport *hp);

/* metrics_start - serve /metrics in a thread (after the fork); 0 or -1 */
int metrics_start(void);

/* metrics_unlisten - stop serving, freeing the address at once */
void metrics_unlisten(void);

#endif /* MILTER_MILTER_INT_H */
