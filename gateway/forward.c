/*
 * NAME
 *	forward - texts from phones forwarded to another phone, and back
 * DESCRIPTION
 *	A text to one of our numbers goes on to another phone (the
 *	target) when ForwardNumbers pairs the number with it, or when the
 *	conversation's newest text out asked for it (the send API's
 *	ForwardToSms, kept in the text's options). The forward starts
 *	with who sent it and leaves from our number (or ForwardFromSms),
 *	queued by policy_send() as a text of the conversation's owner,
 *	so opt-outs, rates and quotas hold; a forward refused is said in
 *	the owner's mail.
 *
 *	A text from a target to that number is the target answering: it
 *	goes to the phone its first word names, else to the phone last
 *	forwarded to it (within LeaseDuration), from our number. A
 *	keyword from a target is a keyword, and a target with no phone
 *	to answer is an ordinary text to the number.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "gateway/gateway_int.h"
#include "policy/policy.h"
#include "util/util.h"

/*
 * named - the phone text's first word names (digits, +, -, ., ( and ),
 * ending with ':' or a space) into e164, and the rest in *rest_r
 */
static bool
named(const struct conf *c, const char *text, char e164[20],
      const char **rest_r)
{
	struct policy_verdict v;
	char word[32];
	size_t n = 0, digits = 0;
	const char *p = text;

	while (*p == ' ')
		p++;
	for (; *p && strchr("+0123456789-.()", *p) && n < sizeof(word) - 1;
	     p++) {
		word[n++] = *p;
		digits += isdigit((unsigned char)*p) != 0;
	}
	word[n] = '\0';
	if (digits < 7 || (*p != ':' && *p != ' '))
		return false;
	if (!policy_number(c, word, NULL, e164, &v))
		return false;
	p++;
	while (*p == ' ')
		p++;
	if (!*p)
		return false;
	*rest_r = p;
	return true;
}

/* send_text - queue text from our to phone for owner; false: refused */
static bool
send_text(const struct conf *c, struct store *s, const char *owner,
	  const char *phone, const char *from, const char *text, int64_t now,
	  struct policy_sent *sent, struct policy_verdict *v)
{
	struct policy_send rq = {
	    .owner = owner,
	    .to = phone,
	    .from = from,
	    .any_from = true, /* our number, set by the site or the owner */
	    .text = text,
	};

	return policy_send(c, s, &rq, now, sent, v, NULL);
}

/*
 * others - whether phone has a live conversation on our number with an
 * owner other than owner: 1 yes, 0 no, -1 the store failed (logged)
 */
static int
others(const struct conf *c, struct store *s, const char *phone,
       const char *our, const char *owner, int64_t now)
{
	struct store_thread *t = NULL;
	struct store_error err;
	unsigned n = 0, i;
	int found = 0;

	if (store_threads(s, NULL, phone, 0, &t, &n, &err) != STORE_OK) {
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(phone),
		       err.msg);
		return -1;
	}
	for (i = 0; i < n && !found; i++)
		found = !strcmp(t[i].sender, our) &&
			strcmp(t[i].owner, owner) != 0 &&
			t[i].last_active >= now - c->lease_duration;
	free(t);
	return found;
}

/* forward_back - a target answering its forwards */
enum forward_result
forward_back(const struct conf *c, struct store *s, const char *phone,
	     const char *our, const char *text, int64_t now)
{
	const char *fixed = policy_forward_target(c, our), *rest = text;
	const char *word;
	char to[20], owner[256], n_to[20];
	struct policy_verdict v;
	struct policy_sent sent;
	struct store_error err;
	bool target, site; /* site: ForwardNumbers names phone */
	int rc;

	rc = store_forward_last(s, our, phone, now - c->lease_duration, to,
				owner, &err);
	if (rc != STORE_OK && rc != STORE_ENOTFOUND) {
		ut_log(LOG_ERR, "from=%s: store: %s", UT_LOG_PHONE(phone),
		       err.msg);
		return FWD_TEMP;
	}
	site = fixed && !strcmp(fixed, phone);
	target = rc == STORE_OK || site;
	if (!target || policy_keyword(c, text, &word) != POLICY_KW_NONE)
		return FWD_NONE;
	/* a target the site did not name (ForwardToSms) that talks with
	   another owner on this number is that owner's: its texts are
	   answers to them, never carried off by a forward */
	if (!site) {
		switch (others(c, s, phone, our, owner, now)) {
		case 0: break;
		case 1: return FWD_NONE;
		default: return FWD_TEMP;
		}
	}
	if (rc != STORE_OK) /* a fixed target that nobody wrote to yet */
		snprintf(owner, sizeof(owner), "%s",
			 policy_number_owner(c, our));
	if (named(c, text, n_to, &rest))
		memcpy(to, n_to, sizeof(to));
	else if (rc != STORE_OK)
		return FWD_NONE; /* no phone to answer: the number's text */
	else
		rest = text;
	if (!send_text(c, s, owner, to, our, rest, now, &sent, &v)) {
		if (!strcmp(v.xcode, "4.3.0")) {
			ut_log(LOG_ERR, "from=%s: %s", UT_LOG_PHONE(phone),
			       v.text);
			return FWD_TEMP;
		}
		ut_log(LOG_NOTICE,
		       "from=%s to=%s: a forward target's answer to %s not "
		       "sent: %s",
		       UT_LOG_PHONE(phone), our, UT_LOG_PHONE(to), v.text);
		return FWD_NONE; /* mailed to the owner, who sees why not */
	}
	ut_log(LOG_INFO,
	       "id=%lld from=%s to=%s: a forward target's answer, sent on "
	       "to %s",
	       (long long)sent.id, UT_LOG_PHONE(phone), our, UT_LOG_PHONE(to));
	return FWD_SENT;
}

/*
 * one - forward text from phone to target (from `from`, our number by
 * default), noting it; a sentence for the owner's mail in note
 */
static int
one(const struct conf *c, struct store *s, const char *owner, const char *phone,
    const char *our, const char *target, const char *from, const char *text,
    int64_t now, char *note, size_t size)
{
	char disp[40], tdisp[40], *fwd;
	struct policy_verdict v;
	struct policy_sent sent;
	struct store_error err;
	size_t n;

	policy_display(phone, disp, sizeof(disp));
	policy_display(target, tdisp, sizeof(tdisp));
	if (!strcmp(target, phone))
		return STORE_OK; /* its own text back to it: no */
	n = strlen(text) + strlen(disp) + 16;
	if (!(fwd = malloc(n)))
		return STORE_ETEMP;
	snprintf(fwd, n, "From %s: %s", disp, text);
	if (!send_text(c, s, owner, target, from && *from ? from : our, fwd,
		       now, &sent, &v)) {
		free(fwd);
		if (!strcmp(v.xcode, "4.3.0"))
			return STORE_ETEMP;
		snprintf(note, size, "[Not forwarded to %s: %s]", tdisp,
			 v.text);
		ut_log(LOG_NOTICE, "from=%s to=%s: not forwarded to %s: %s",
		       UT_LOG_PHONE(phone), our, UT_LOG_PHONE(target), v.text);
		return STORE_OK;
	}
	free(fwd);
	if (store_forward_add(s, our, target, phone, owner, now, &err) !=
	    STORE_OK)
		return err.status;
	snprintf(note, size, "[Forwarded to %s.]", tdisp);
	ut_log(LOG_INFO, "id=%lld from=%s to=%s: forwarded to %s",
	       (long long)sent.id, UT_LOG_PHONE(phone), our,
	       UT_LOG_PHONE(target));
	return STORE_OK;
}

/* forward_on - forward a text as ForwardNumbers and its options say */
int
forward_on(const struct conf *c, struct store *s, const struct store_thread *t,
	   const char *phone, const char *our, const char *text,
	   const char *opts, int64_t now, char *note, size_t size)
{
	const char *fixed = policy_forward_target(c, our);
	const char *target = NULL, *from = NULL;
	char a[300] = "", b[300] = "";
	json_t *o = opts ? json_loads(opts, 0, NULL) : NULL;
	int rc = STORE_OK;

	note[0] = '\0';
	if (o) {
		target = json_string_value(json_object_get(o, "ForwardToSms"));
		from = json_string_value(json_object_get(o, "ForwardFromSms"));
	}
	if (fixed)
		rc = one(c, s, t->owner, phone, our, fixed, NULL, text, now, a,
			 sizeof(a));
	if (rc == STORE_OK && target && (!fixed || strcmp(fixed, target)))
		rc = one(c, s, t->owner, phone, our, target, from, text, now, b,
			 sizeof(b));
	snprintf(note, size, "%s%s%s", a, a[0] && b[0] ? "\n" : "", b);
	json_decref(o);
	return rc;
}
