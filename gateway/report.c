/*
 * NAME
 *	report - delivery reports (RFC 3464) for the senders of texts
 * DESCRIPTION
 *	Both the runner (SMPP receipts, refusals) and the webhook server
 *	(a provider's status callbacks, Kannel's reports) tell senders
 *	what became of their texts, as their NOTIFY asked, with the
 *	Original-Envelope-Id only when the sender gave ENVID=, and the
 *	mail returned as RET= asked (RFC 3461): its headers
 *	(text/rfc822-headers) for RET=HDRS and by default, the whole mail
 *	(message/rfc822) for RET=FULL when it was at most
 *	MP_RETURN_FULL_MAX bytes, else its headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "sms/sms.h"
#include "util/util.h"

/*
 * dsn - a delivery status notification to whoever sent text id, as
 * NOTIFY asked: on failure unless NEVER, on delivery when SUCCESS; an
 * unknown outcome (taken, no receipt) as a failure. A carrier's code
 * goes in carrier (its meaning is looked up), a reason of ours in
 * reason.
 */
static bool
dsn(const struct conf *c, struct store *s, int64_t id, bool delivered,
    bool unknown, unsigned done, unsigned total, const char *carrier,
    const char *reason)
{
	struct store_receipt rr;
	struct store_error err;
	struct mp_error merr;
	struct mp_dsn d;
	char from[300], mid[128], disp[40], *mail = NULL;
	const char *domain = c->sms_domains.v[0];
	size_t len;
	int64_t mail_id;
	bool queued = false;

	if (store_report(s, id, &rr, &err) != STORE_OK) {
		ut_log(LOG_ERR, "id=%lld: store: %s", (long long)id, err.msg);
		return false;
	}
	if (!rr.envelope_from[0] || strchr(rr.envelope_from, '@') == NULL ||
	    (delivered ? !(rr.notify & STORE_NOTIFY_SUCCESS)
		       : (rr.notify & STORE_NOTIFY_NEVER) != 0))
		goto out;
	snprintf(from, sizeof(from), "MAILER-DAEMON@%s", domain);
	if (sms_phone_format(rr.phone, disp, sizeof(disp)) != SMS_OK)
		snprintf(disp, sizeof(disp), "%s", rr.phone);
	if (mp_new_message_id(domain, mid, sizeof(mid)) != MP_OK)
		goto out;
	d = (struct mp_dsn){
	    .from = from,
	    .to = rr.envelope_from,
	    .sms_domain = domain,
	    .phone = rr.phone,
	    .phone_display = disp,
	    .text = rr.text,
	    .delivered = delivered,
	    .parts_done = done,
	    .parts_total = total,
	    .carrier_code = carrier,
	    .reason = reason,
	    .message_id = mid,
	    .original_id = rr.message_id[0] ? rr.message_id : NULL,
	    .envid = rr.envid[0] ? rr.envid : NULL,
	    .returned = rr.returned,
	    .returned_len = rr.returned_len,
	    .returned_full = rr.returned_full,
	    .unknown = unknown,
	};
	if (mp_compose_dsn(&d, &mail, &len, &merr) != MP_OK) {
		ut_log(LOG_WARNING, "id=%lld: no report: %s", (long long)id,
		       merr.msg);
		goto out;
	}
	if (store_mail_enqueue(s, "", rr.envelope_from, mail, len,
			       (int64_t)time(NULL), &mail_id, &err) != STORE_OK)
		ut_log(LOG_ERR, "id=%lld: store: %s", (long long)id, err.msg);
	else {
		ut_log(LOG_INFO, "id=%lld report=%s to=<%s> mail=%lld",
		       (long long)id,
		       delivered ? "delivered"
		       : unknown ? "unknown"
				 : "failed",
		       rr.envelope_from, (long long)mail_id);
		queued = true;
	}
	free(mail);
out:
	store_receipt_clear(&rr);
	return queued;
}

/* report_queue - a report on a text delivered or failed */
bool
report_queue(const struct conf *c, struct store *s, int64_t id, bool delivered,
	     unsigned done, unsigned total, const char *carrier,
	     const char *reason)
{
	return dsn(c, s, id, delivered, false, done, total, carrier, reason);
}

/* report_unknown - a report on a text taken and never receipted */
bool
report_unknown(const struct conf *c, struct store *s, int64_t id,
	       const char *reason)
{
	return dsn(c, s, id, false, true, 0, 0, NULL, reason);
}
