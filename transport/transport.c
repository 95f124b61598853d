/*
 * NAME
 *	transport - the public calls, dispatched to each transport
 * DESCRIPTION
 *	Every struct transport starts with a pointer to its operations
 *	(transport_int.h); the calls of transport.h go through it.
 */
#include <stdarg.h>
#include <stdio.h>

#include "transport/transport_int.h"

/* tp_fail - an error status with its sentence */
int
tp_fail(struct tp_error *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->status = status;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return status;
}

int
tp_submit(struct transport *t, const struct tp_part *p, struct tp_error *err)
{
	return t->ops->submit(t, p, err);
}

unsigned
tp_room(const struct transport *t)
{
	return t->ops->room(t);
}

unsigned
tp_inflight(const struct transport *t)
{
	return t->ops->inflight(t);
}

int
tp_poll(struct transport *t, int timeout_ms, struct tp_event *ev, unsigned max,
	unsigned *n_r)
{
	return t->ops->poll(t, timeout_ms, ev, max, n_r);
}

void
tp_ack(struct transport *t, const struct tp_event *e, enum tp_answer a)
{
	t->ops->ack(t, e, a);
}

void
tp_watch(struct transport *t, int fd)
{
	t->ops->watch(t, fd);
}

/* tp_flush - write the answers tp_ack queued */
void
tp_flush(struct transport *t)
{
	if (t->ops->flush)
		t->ops->flush(t);
}

/* tp_mark - how many requests went out: the mark of an answer now */
uint64_t
tp_mark(const struct transport *t)
{
	return t->ops->mark ? t->ops->mark(t) : 0;
}

bool
tp_whole_texts(const struct transport *t)
{
	return t->ops->whole_texts;
}

const char *
tp_name(const struct transport *t)
{
	return t->ops->name;
}

void
tp_close(struct transport **t)
{
	if (!*t)
		return;
	(*t)->ops->close(*t);
	*t = NULL;
}
