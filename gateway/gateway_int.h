/*
 * NAME
 *	gateway_int - smsgw's parts: the queue runner and its daemon
 * DESCRIPTION
 *	The runner moves texts from the store to a transport and the
 *	transport's answers back into the store. It is single-threaded:
 *	runner_step() claims, submits and handles events for one turn
 *	of the daemon's loop.
 */
#ifndef GATEWAY_GATEWAY_INT_H
#define GATEWAY_GATEWAY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/conf.h"
#include "store/store.h"
#include "transport/transport.h"

struct runner;
struct mailer;

/*
 * mailer_start - a thread that sends the store's mail queue through
 * SmtpRelay (its own store connection); NULL on failure (logged)
 */
struct mailer *mailer_start(const struct conf *c, const char *lease_owner);

/* mailer_wake - mail was queued */
void mailer_wake(struct mailer *m);

/* mailer_stop - let the current mail finish, stop the thread, free */
void mailer_stop(struct mailer **m);

/*
 * runner_new - a runner over store s and transport t, leasing as
 * lease_owner, queueing delivery reports for mailer m; gives back the
 * leases a crashed run of the same owner left
 */
struct runner *runner_new(const struct conf *c, struct store *s,
			  struct transport *t, struct mailer *m,
			  const char *lease_owner);

/*
 * runner_step - one turn: claim due texts while the transport has
 * room (when claim_now, or while the last claim found more; never when
 * draining), submit their parts, wait up to timeout_ms for I/O, and
 * record what the transport reported. Returns the parts in flight.
 */
unsigned runner_step(struct runner *r, int timeout_ms, bool claim_now,
		     bool draining);

/*
 * runner_stop - give back the texts claimed but not yet submitted in
 * full, so the next run sends them; then free the runner
 */
void runner_stop(struct runner **r);

/* runner_set_conf - a new configuration (SIGHUP) */
void runner_set_conf(struct runner *r, const struct conf *c);

#endif /* GATEWAY_GATEWAY_INT_H */
