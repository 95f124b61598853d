/*
 * NAME
 *	notify - a shared store's notifications wake this gateway
 * DESCRIPTION
 *	On one host, smsmilter wakes smsgw with a datagram to WakeSocket
 *	when it queues a text. Where the store is a PostgreSQL server
 *	shared by several hosts, a milter (or an API, or smsctl) on one
 *	host cannot reach a gateway on another that way: the schema's
 *	triggers NOTIFY a channel when a row joins a queue (texts, mail,
 *	hooks), and this thread, on a connection of its own that LISTENs,
 *	wakes the runner (a datagram to our own WakeSocket), the mailer
 *	and the hook thread. A connection lost is made again, and counts
 *	as a wake-up: rows may have come meanwhile.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "gateway/gateway_int.h"
#include "util/util.h"

struct notify {
	pthread_t tid;
	atomic_bool stop;
	struct store *s;
	struct mailer *mailer;
	char *wake_socket;
};

/* run - the thread: wait, wake, again */
static void *
run(void *arg)
{
	struct notify *n = arg;
	struct store_error err;
	bool down = false;

	while (!atomic_load(&n->stop)) {
		int rc = store_wait(n->s, 500, &err);

		if (rc < 0) {
			if (!down)
				ut_log(LOG_WARNING,
				       "notifications: %s; the queues are "
				       "polled meanwhile",
				       err.msg);
			down = true;
			ut_sleep_ms(1000);
			continue;
		}
		if (down)
			ut_log(LOG_NOTICE, "notifications: listening again");
		down = false;
		if (rc > 0) {
			if (n->wake_socket)
				ut_wake(n->wake_socket);
			mailer_wake(n->mailer);
			hooks_wake();
		}
	}
	return NULL;
}

/* notify_start - the thread, when the store is shared */
struct notify *
notify_start(const struct conf *c, struct mailer *mailer)
{
	struct store_error err;
	struct notify *n;

	if (!ut_pg_uri(c->database))
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->mailer = mailer;
	n->wake_socket = c->wake_socket ? strdup(c->wake_socket) : NULL;
	n->s = store_open(c->database, (enum store_sync)c->database_sync, &err);
	if (!n->s || store_listen(n->s, &err) != STORE_OK) {
		ut_log(LOG_WARNING,
		       "notifications: %s; the queues are polled instead",
		       err.msg);
		store_close(&n->s);
		free(n->wake_socket);
		free(n);
		return NULL;
	}
	if (pthread_create(&n->tid, NULL, run, n) != 0) {
		ut_log(LOG_WARNING, "notifications: no thread; the queues are "
				    "polled instead");
		store_close(&n->s);
		free(n->wake_socket);
		free(n);
		return NULL;
	}
	return n;
}

/* notify_stop - stop the thread and free */
void
notify_stop(struct notify **np)
{
	struct notify *n = *np;

	if (!n)
		return;
	atomic_store(&n->stop, true);
	pthread_join(n->tid, NULL);
	store_close(&n->s);
	free(n->wake_socket);
	free(n);
	*np = NULL;
}
