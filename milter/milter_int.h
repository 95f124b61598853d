/*
 * NAME
 *	milter_int - the daemon's parts inside milter/: shared state,
 *	the group-commit writer, the libmilter callbacks
 */
#ifndef MILTER_MILTER_INT_H
#define MILTER_MILTER_INT_H

#include <libmilter/mfapi.h>
#include <stdarg.h>

#include "policy/policy.h"
#include "store/store.h"

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

/* The filter description smfi_register() takes. */
extern struct smfiDesc milter_desc;

/* sessions_active - transactions in progress (for a graceful stop) */
unsigned sessions_active(void);

/* wake_gateway - one datagram to smsgw's wake socket; errors ignored */
void wake_gateway(const char *path);

/*
 * milter_nodelay_listeners - set TCP_NODELAY on every listening TCP
 * socket of the process (libmilter does not hand its socket out; on
 * Linux, accepted connections inherit the option, so libmilter's small
 * writes at end-of-message are not held back by Nagle's algorithm).
 * Returns how many sockets were set.
 */
int milter_nodelay_listeners(void);

#endif /* MILTER_MILTER_INT_H */
