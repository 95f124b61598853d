/*
 * NAME
 *	dsn - delivery status notifications and notices to senders of texts
 * DESCRIPTION
 *	mp_compose_dsn() writes an RFC 3464 report: words for people, the
 *	message/delivery-status part, and the returned part (RFC 3461 RET:
 *	text/rfc822-headers, or message/rfc822 for RET=FULL as far as the
 *	mail was kept). mp_compose_notice() tells the sender of a mail that
 *	was texted what the phone did not get.
 */
#include <glib.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mailparse/compose_int.h"

/* Carrier error codes people meet, in plain words. */
static const struct {
	const char *code, *meaning;
} carrier_errors[] = {
    {"21610", "the recipient has opted out (replied STOP)"},
    {"21614", "not a mobile number"},
    {"21617", "message too long for the carrier"},
    {"30001", "the carrier's queue overflowed"},
    {"30002", "the account is suspended"},
    {"30003", "the phone is unreachable (off or out of coverage)"},
    {"30004", "blocked by the recipient"},
    {"30005", "unknown number, or no longer in service"},
    {"30006", "a landline or a carrier that cannot take SMS"},
    {"30007", "blocked by the carrier as spam"},
    {"30008", "unknown error from the carrier"},
    {"UNDELIV", "the carrier could not deliver it"},
    {"EXPIRED", "it expired before the phone could be reached"},
    {"REJECTD", "rejected by the carrier"},
    {"DELETED", "deleted by the carrier"},
    {"UNKNOWN", "the carrier does not know what became of it"},
};

/* mp_carrier_error - plain words for a carrier's error code, or NULL */
const char *
mp_carrier_error(const char *code)
{
	size_t i;

	for (i = 0;
	     code && i < sizeof(carrier_errors) / sizeof(*carrier_errors); i++)
		if (!strcasecmp(code, carrier_errors[i].code))
			return carrier_errors[i].meaning;
	return NULL;
}

/* status_ok - s is a 5.x.y enhanced status code */
static bool
status_ok(const char *s)
{
	size_t n;

	if (!s || s[0] != '5' || s[1] != '.')
		return false;
	n = strspn(s + 2, "0123456789");
	if (n < 1 || n > 3 || s[2 + n] != '.')
		return false;
	s += 3 + n;
	n = strspn(s, "0123456789");
	return n >= 1 && n <= 3 && s[n] == '\0';
}

/*
 * envid_ok - s is an envelope id to repeat: 1-100 printable ASCII
 * characters (RFC 3461 section 4.4), so a header line stays one line
 */
static bool
envid_ok(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) > 100)
		return false;
	for (i = 0; s[i]; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/*
 * auto_reply - what a report or a notice carries as our own answer to
 * a mail: its Message-ID and Date, In-Reply-To and References the mail
 * (original_id, when it is one), Auto-Submitted: auto-replied
 */
static void
auto_reply(GMimeMessage *m, const char *message_id, long long date,
	   const char *original_id)
{
	g_mime_message_set_message_id(m, message_id);
	mp_set_date(m, date);
	if (mp_atom_ok(original_id)) {
		const char *refs[1] = {original_id};

		mp_set_ids(m, original_id, refs, 1);
	}
	g_mime_object_set_header(GMIME_OBJECT(m), "Auto-Submitted",
				 "auto-replied", NULL);
}

/* mp_returned - the part of a mail a report returns */
size_t
mp_returned(const char *raw, size_t len, bool ret_full, bool *full_r)
{
	size_t i;

	*full_r = ret_full && len <= MP_RETURN_FULL_MAX;
	if (*full_r)
		return len;
	for (i = 0; i < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (i + 1 < len && raw[i + 1] == '\n')
			return i + 1;
		if (i + 2 < len && raw[i + 1] == '\r' && raw[i + 2] == '\n')
			return i + 1;
	}
	return len;
}

/*
 * raw_part - a part of type type/subtype holding n bytes as they are
 * (a header block or a mail: 7bit or 8bit lines, CRLF or LF)
 */
static GMimePart *
raw_part(const char *type, const char *subtype, const char *raw, size_t n)
{
	GMimePart *part = g_mime_part_new_with_type(type, subtype);
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeDataWrapper *w;
	bool eight = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n')
			continue;
		eight |= (unsigned char)raw[i] >= 0x80;
		g_mime_stream_write(mem, raw[i] == '\r' ? "\n" : raw + i, 1);
	}
	g_mime_stream_reset(mem);
	w = g_mime_data_wrapper_new_with_stream(mem,
						GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, w);
	g_object_unref(w);
	g_object_unref(mem);
	g_mime_part_set_content_encoding(part,
					 eight ? GMIME_CONTENT_ENCODING_8BIT
					       : GMIME_CONTENT_ENCODING_7BIT);
	return part;
}

/* mp_compose_dsn - an RFC 3464 delivery status notification */
int
mp_compose_dsn(const struct mp_dsn *in, char **out, size_t *len,
	       struct mp_error *err)
{
	GMimeMessage *m;
	GMimeMultipart *report;
	GMimePart *human, *machine;
	GString *h, *d;
	char *disp, *code, *reason, *text, *subj, rcpt[300], *gdate;
	const char *meaning;
	GDateTime *now;

	*out = NULL;
	*len = 0;
	if (!mp_atom_ok(in->phone) || !mp_atom_ok(in->sms_domain) ||
	    !mp_atom_ok(in->to) || !mp_atom_ok(in->from) ||
	    !mp_atom_ok(in->message_id))
		return mp_fail(
		    err, MP_EPARSE,
		    "phone, domain, addresses and message id must be "
		    "plain addresses");
	snprintf(rcpt, sizeof(rcpt), "%s@%s",
		 in->phone[0] == '+' ? in->phone + 1 : in->phone,
		 in->sms_domain);
	disp = mp_clean_header(in->phone_display && *in->phone_display
				   ? in->phone_display
				   : in->phone);
	code = mp_clean_header(in->carrier_code);
	reason = mp_clean_header(in->reason);
	meaning = mp_carrier_error(code);
	text = mp_to_utf8(in->text ? in->text : "",
			  in->text ? strlen(in->text) : 0, NULL);

	h = g_string_new(NULL);
	if (in->unknown && !in->delivered)
		g_string_append_printf(h,
				       "Your text to %s was taken by the "
				       "carrier, but whether it reached the "
				       "phone is not known: %s.\n",
				       disp, *reason ? reason : "no receipt");
	else if (in->delivered)
		g_string_append_printf(h,
				       "Your text to %s was delivered, %u/%u "
				       "parts.\n",
				       disp, in->parts_done, in->parts_total);
	else {
		g_string_append_printf(h, "Your text to %s was not delivered",
				       disp);
		if (in->parts_total > 1)
			g_string_append_printf(h, " (%u of %u parts arrived)",
					       in->parts_done, in->parts_total);
		g_string_append(h, ".\n\n");
		if (*reason)
			g_string_append_printf(h, "It was not sent: %s.\n",
					       reason);
		else if (*code)
			g_string_append_printf(h, "The carrier said: %s%s%s.\n",
					       code, meaning ? ", " : "",
					       meaning ? meaning : "");
		else
			g_string_append(h, "The carrier gave no reason.\n");
	}
	g_string_append_printf(h, "\nThe text was:\n\n%s\n", text ? text : "");

	now = in->date ? g_date_time_new_from_unix_utc(in->date)
		       : g_date_time_new_now_utc();
	gdate = g_date_time_format(now, "%a, %d %b %Y %H:%M:%S +0000");
	g_date_time_unref(now);
	d = g_string_new(NULL);
	g_string_append_printf(d, "Reporting-MTA: dns; %s\n", in->sms_domain);
	if (envid_ok(in->envid))
		g_string_append_printf(d, "Original-Envelope-Id: %s\n",
				       in->envid);
	g_string_append_printf(d, "Arrival-Date: %s\n\n", gdate);
	g_string_append_printf(d, "Final-Recipient: rfc822; %s\n", rcpt);
	g_string_append_printf(d, "Action: %s\n",
			       in->delivered ? "delivered"
			       : in->unknown ? "relayed"
					     : "failed");
	g_string_append_printf(d, "Status: %s\n",
			       in->delivered || in->unknown ? "2.0.0"
			       : status_ok(in->status)	    ? in->status
							    : "5.0.0");
	if (!in->delivered && *reason)
		g_string_append_printf(d, "Diagnostic-Code: smtp; %s\n",
				       reason);
	else if (!in->delivered && *code)
		g_string_append_printf(d, "Diagnostic-Code: X-SMS; %s%s%s\n",
				       code, meaning ? " " : "",
				       meaning ? meaning : "");
	g_string_append_printf(d, "Last-Attempt-Date: %s\n", gdate);
	g_free(gdate);

	m = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "SMS delivery",
				   in->from);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, in->to);
	subj = g_strdup_printf("%s: text to %s",
			       in->delivered ? "Delivered"
			       : in->unknown ? "Delivery unknown"
					     : "Not delivered",
			       disp);
	g_mime_message_set_subject(m, subj, "utf-8");
	mp_encode_header(m, "Subject", subj, NULL);
	g_free(subj);
	auto_reply(m, in->message_id, in->date, in->original_id);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-Status",
				 in->delivered ? "delivered"
				 : in->unknown ? "unknown"
					       : "failed",
				 NULL);

	report = g_mime_multipart_new_with_subtype("report");
	g_mime_object_set_content_type_parameter(
	    GMIME_OBJECT(report), "report-type", "delivery-status");
	human = mp_body_part(h->str);
	g_mime_multipart_add(report, GMIME_OBJECT(human));
	g_object_unref(human);
	{
		GMimeStream *mem =
		    g_mime_stream_mem_new_with_buffer(d->str, d->len);
		GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(
		    mem, GMIME_CONTENT_ENCODING_DEFAULT);

		machine =
		    g_mime_part_new_with_type("message", "delivery-status");
		g_mime_part_set_content(machine, w);
		g_mime_part_set_content_encoding(machine,
						 GMIME_CONTENT_ENCODING_7BIT);
		g_object_unref(w);
		g_object_unref(mem);
	}
	g_mime_multipart_add(report, GMIME_OBJECT(machine));
	g_object_unref(machine);
	if (in->returned && in->returned_len > 0) {
		GMimePart *ret =
		    raw_part(in->returned_full ? "message" : "text",
			     in->returned_full ? "rfc822" : "rfc822-headers",
			     in->returned, in->returned_len);

		g_mime_multipart_add(report, GMIME_OBJECT(ret));
		g_object_unref(ret);
	}
	g_mime_message_set_mime_part(m, GMIME_OBJECT(report));
	g_object_unref(report);
	g_string_free(h, TRUE);
	g_string_free(d, TRUE);
	free(disp);
	free(code);
	free(reason);
	free(text);
	return mp_finish(m, out, len, err);
}

/* mp_compose_notice - tell a sender what the phones did not get */
int
mp_compose_notice(const struct mp_notice *in, char **out, size_t *len,
		  struct mp_error *err)
{
	GMimeMessage *m;
	GMimePart *body;
	GString *h;
	char *subj, *notice, *phones, *text;

	*out = NULL;
	*len = 0;
	if (!mp_atom_ok(in->to) || !mp_atom_ok(in->from) ||
	    !mp_atom_ok(in->message_id))
		return mp_fail(err, MP_EPARSE,
			       "addresses and message id must be plain "
			       "addresses");
	subj = mp_clean_header(in->subject);
	notice = mp_clean_header(in->notice);
	phones = mp_clean_header(in->phones);
	text = mp_to_utf8(in->text ? in->text : "",
			  in->text ? strlen(in->text) : 0, NULL);
	h = g_string_new(NULL);
	if (in->lead)
		g_string_append_printf(h, "%s\n\n%s.\n", in->lead,
				       in->notice ? in->notice : "");
	else
		g_string_append_printf(
		    h,
		    "Your mail%s%s%s was texted to %s, but not all of it "
		    "reached the phone:\n\n%s.\n",
		    subj && *subj ? " \"" : "", subj ? subj : "",
		    subj && *subj ? "\"" : "", phones ? phones : "",
		    in->notice ? in->notice : "");
	if (text && *text)
		g_string_append_printf(h, "\nThe text as sent:\n\n%s\n", text);
	m = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_FROM, "SMS delivery",
				   in->from);
	g_mime_message_add_mailbox(m, GMIME_ADDRESS_TYPE_TO, NULL, in->to);
	free(subj);
	subj = in->title
		   ? g_strdup(in->title)
		   : g_strdup_printf("Texted, but not all of it: %s",
				     in->subject && *in->subject ? in->subject
								 : "your mail");
	{
		char *clean = mp_clean_header(subj);

		g_mime_message_set_subject(m, clean ? clean : subj, "utf-8");
		mp_encode_header(m, "Subject", clean ? clean : subj, NULL);
		free(clean);
	}
	g_free(subj);
	auto_reply(m, in->message_id, in->date, in->original_id);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-Report", "notice",
				 NULL);
	g_mime_object_set_header(GMIME_OBJECT(m), "X-SMS-Notice",
				 notice ? notice : "", NULL);
	mp_encode_header(m, "X-SMS-Notice", notice, NULL);
	body = mp_body_part(h->str);
	g_mime_message_set_mime_part(m, GMIME_OBJECT(body));
	g_object_unref(body);
	g_string_free(h, TRUE);
	free(notice);
	free(phones);
	free(text);
	return mp_finish(m, out, len, err);
}
