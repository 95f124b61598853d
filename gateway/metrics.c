/*
 * NAME
 *	metrics - smsgw's counters, in Prometheus' text format
 * DESCRIPTION
 *	The runner, the mailer and the webhook server count what they do
 *	here (one set per process, atomic: they are threads); /metrics
 *	prints the counters, the link state, a histogram of submit
 *	latency, and the queue's depth by state read from the store.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway_int.h"
#include "util/util.h"

static const struct {
	const char *name, *labels, *help;
} info[M_COUNT] = {
    [M_SUBMITTED] = {"smsgw_texts_submitted_total", "",
		     "Texts the carrier took, every part"},
    [M_REJECTED] = {"smsgw_texts_failed_total", "",
		    "Texts given up on before the carrier took them"},
    [M_DEFERRED] = {"smsgw_texts_deferred_total", "",
		    "Times a text was put back to be tried later"},
    [M_RECEIPT_DELIVERED] = {"smsgw_receipts_total", "outcome=\"delivered\"",
			     "Final delivery receipts, by outcome"},
    [M_RECEIPT_FAILED] = {"smsgw_receipts_total", "outcome=\"failed\"", NULL},
    [M_RECEIPT_EXPIRED] = {"smsgw_receipts_total", "outcome=\"expired\"", NULL},
    [M_INBOUND] = {"smsgw_inbound_total", "result=\"mailed\"",
		   "Texts from phones, by what became of them"},
    [M_INBOUND_PART] = {"smsgw_inbound_total", "result=\"part\"", NULL},
    [M_INBOUND_DUP] = {"smsgw_inbound_total", "result=\"duplicate\"", NULL},
    [M_INBOUND_BAD] = {"smsgw_inbound_total", "result=\"refused\"", NULL},
    [M_INBOUND_TEMP] = {"smsgw_inbound_total", "result=\"retry\"", NULL},
    [M_MAIL_SENT] = {"smsgw_mails_total", "result=\"sent\"",
		     "Mail handed to the SMTP relay, by result"},
    [M_MAIL_FAILED] = {"smsgw_mails_total", "result=\"failed\"", NULL},
    [M_MAIL_DEFERRED] = {"smsgw_mails_total", "result=\"deferred\"", NULL},
    [M_WEBHOOK_OK] = {"smsgw_webhook_requests_total", "result=\"ok\"",
		      "Webhook requests, by answer"},
    [M_WEBHOOK_REFUSED] = {"smsgw_webhook_requests_total", "result=\"refused\"",
			   NULL},
    [M_WEBHOOK_ERROR] = {"smsgw_webhook_requests_total", "result=\"error\"",
			 NULL},
    [M_HOOK_DELIVERED] = {"smsgw_hooks_total", "result=\"delivered\"",
			  "Event hook tries, by result"},
    [M_HOOK_RETRIED] = {"smsgw_hooks_total", "result=\"retried\"", NULL},
    [M_HOOK_FAILED] = {"smsgw_hooks_total", "result=\"given_up\"", NULL},
    [M_MEDIA_ATTACHED] = {"smsgw_inbound_media_total", "result=\"attached\"",
			  "Photos and recordings of texts from phones, by "
			  "result"},
    [M_MEDIA_NOT_ATTACHED] = {"smsgw_inbound_media_total", "result=\"linked\"",
			      NULL},
    [M_MEDIA_RETRIED] = {"smsgw_inbound_media_total", "result=\"retried\"",
			 NULL},
};

/* Upper bounds of the latency buckets, in milliseconds. */
static const unsigned bounds_ms[] = {5,	  10,	25,   50,   100,  250,
				     500, 1000, 2500, 5000, 10000};
#define NBUCKETS (sizeof(bounds_ms) / sizeof(bounds_ms[0]))

static atomic_ulong counters[M_COUNT];
static atomic_ulong buckets[NBUCKETS + 1]; /* the last: +Inf */
static atomic_ulong latency_sum_ms;
static atomic_int link_up;

void
metrics_add(enum metric m)
{
	atomic_fetch_add(&counters[m], 1);
}

void
metrics_link(bool up)
{
	atomic_store(&link_up, up ? 1 : 0);
}

void
metrics_latency(unsigned long ms)
{
	unsigned i = 0;

	while (i < NBUCKETS && ms > bounds_ms[i])
		i++;
	atomic_fetch_add(&buckets[i], 1);
	atomic_fetch_add(&latency_sum_ms, ms);
}

void
metrics_inbound(enum inbound_result r)
{
	static const enum metric m[] = {
	    [IN_DONE] = M_INBOUND,	[IN_PART] = M_INBOUND_PART,
	    [IN_DUP] = M_INBOUND_DUP,	[IN_BAD] = M_INBOUND_BAD,
	    [IN_TEMP] = M_INBOUND_TEMP, [IN_RESENT] = M_INBOUND_DUP,
	};

	metrics_add(m[r]);
}

void
metrics_receipt(enum store_state final)
{
	metrics_add(final == STORE_DELIVERED ? M_RECEIPT_DELIVERED
		    : final == STORE_EXPIRED ? M_RECEIPT_EXPIRED
					     : M_RECEIPT_FAILED);
}

/* out - append to a growing buffer; false when memory ran out */
struct out {
	char *p;
	size_t len, cap;
	bool bad;
};

static void __attribute__((format(printf, 2, 3)))
out(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->bad)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->bad = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		{
			size_t cap = o->cap * 2 + (size_t)n;
			char *p = realloc(o->p, cap);

			if (!p) {
				o->bad = true;
				return;
			}
			o->p = p;
			o->cap = cap;
		}
	}
}

/* metrics_render - the exposition text (malloc'd), or NULL */
char *
metrics_render(struct store *s, const char *transport)
{
	struct out o = {.p = malloc(4096), .cap = 4096};
	struct store_counts qc;
	struct store_error err;
	unsigned long cum = 0;
	unsigned i;

	if (!o.p)
		return NULL;
	o.p[0] = '\0';
	out(&o,
	    "# HELP smsmilter_build_info The version smsgw was built "
	    "from\n# TYPE smsmilter_build_info gauge\n"
	    "smsmilter_build_info{version=\"%s\"} 1\n",
	    ut_version());
	for (i = 0; i < M_COUNT; i++) {
		if (info[i].help)
			out(&o, "# HELP %s %s\n# TYPE %s counter\n",
			    info[i].name, info[i].help, info[i].name);
		out(&o, "%s%s%s%s %lu\n", info[i].name,
		    info[i].labels[0] ? "{" : "", info[i].labels,
		    info[i].labels[0] ? "}" : "", atomic_load(&counters[i]));
	}
	out(&o,
	    "# HELP smsgw_link_up Whether the carrier link is bound (1) or "
	    "not (0)\n# TYPE smsgw_link_up gauge\n"
	    "smsgw_link_up{transport=\"%s\"} %d\n",
	    transport, atomic_load(&link_up));
	out(&o, "# HELP smsgw_submit_seconds From a text's first part sent "
		"to its last part taken\n"
		"# TYPE smsgw_submit_seconds histogram\n");
	for (i = 0; i <= NBUCKETS; i++) {
		cum += atomic_load(&buckets[i]);
		if (i < NBUCKETS)
			out(&o, "smsgw_submit_seconds_bucket{le=\"%g\"} %lu\n",
			    bounds_ms[i] / 1000.0, cum);
		else
			out(&o,
			    "smsgw_submit_seconds_bucket{le=\"+Inf\"} %lu\n",
			    cum);
	}
	out(&o,
	    "smsgw_submit_seconds_sum %.3f\nsmsgw_submit_seconds_count %lu\n",
	    atomic_load(&latency_sum_ms) / 1000.0, cum);
	if (store_counts(s, &qc, &err) == STORE_OK) {
		out(&o, "# HELP smsgw_queue_texts Texts in the store, by "
			"state\n# TYPE smsgw_queue_texts gauge\n");
		for (i = 0; i <= STORE_STATE_LAST; i++)
			out(&o, "smsgw_queue_texts{state=\"%s\"} %u\n",
			    store_state_name((enum store_state)i), qc.n[i]);
	} else
		out(&o, "# the store could not be read: %s\n", err.msg);
	if (o.bad) {
		free(o.p);
		return NULL;
	}
	return o.p;
}
