/*
 * NAME
 *	hooks - smsgw's hook thread: event hooks out to their URLs
 * DESCRIPTION
 *	Texts from phones and final receipts queue hooks in the store
 *	(policy_hooks_inbound, policy_hooks_receipt), in the same unit as
 *	what they tell of. A thread of its own, with its own store
 *	connection, leases due hooks as "OWNER/hooks" (OWNER smsgw's lease
 *	holder, smsgw@host/PID) and sends up to HookConcurrency at once
 *	(transport/fetch.c), each with HookTimeout, no redirects followed,
 *	and every address it connects to checked against
 *	policy_addr_private() unless HookAllowPrivate.
 *
 *	A POST carries X-Smsmilter-Signature: t=TIME,v1=HEX (HEX the
 *	HMAC-SHA256 with HookSecret of TIME "." body; for a GET, of TIME
 *	"." the URL), X-Smsmilter-Hook-Id (the hook's hid, the same on
 *	every try) and X-Smsmilter-Event. Success is a 2xx, and, for a
 *	target that asked for it, a body that is "ok" once trimmed.
 *	Anything else is tried again after HookRetryFirst, then twice as
 *	long each time up to HookRetryInterval, its last error (status and
 *	the first words of the body, or why there was no answer) kept;
 *	past HookLifetime, or at once when the address was refused, the
 *	hook is given up and its owner mailed what was not delivered and
 *	why, in the same unit of the store. A hook is sent at least once:
 *	one whose answer was lost to a crash is sent again.
 *
 *	At start the thread takes back the hook leases of the runs of this
 *	host that are gone (smsgw@host/PID with no such process), as the
 *	runner does with texts; at stop it gives back its own. It is woken
 *	by hooks_wake() when a hook is queued in this process, and looks at
 *	the store every second anyway. The settings are read at start.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "gateway/gateway_int.h"
#include "mailparse/mailparse.h"
#include "policy/policy.h"
#include "util/util.h"

#define HOOK_HEADERS 8

struct hooks {
	pthread_t thread;
	atomic_bool stop, woken;
	struct store *s;
	struct tp_fetch *f;
	struct mailer *mailer;
	char owner[STORE_HOLDER_MAX];
	char *secret;			      /* NULL: unsigned */
	enum conf_hook_private allow_private; /* HookAllowPrivate */
	char domain[256];
	long long first, interval, lifetime, timeout;
	unsigned concurrency;
	struct store_hook *live; /* claimed, by slot */
	bool *busy;
};

/* the process's hook thread, for hooks_wake() */
static _Atomic(struct hooks *) running;

/* hooks_wake - a hook was queued: look now */
void
hooks_wake(void)
{
	struct hooks *h = atomic_load(&running);

	if (h) {
		atomic_store(&h->woken, true);
		tp_fetch_wakeup(h->f);
	}
}

/* backoff - the wait after try number attempts (1: the first) */
static long long
backoff(const struct hooks *h, unsigned attempts)
{
	long long wait = h->first;

	while (attempts-- > 1 && wait < h->interval)
		wait *= 2;
	return wait < h->interval ? wait : h->interval;
}

/* span - seconds in words: "3d", "2h", "90s" */
static void
span(long long sec, char *out, size_t size)
{
	if (sec % 86400 == 0)
		snprintf(out, size, "%lldd", sec / 86400);
	else if (sec % 3600 == 0)
		snprintf(out, size, "%lldh", sec / 3600);
	else if (sec % 60 == 0)
		snprintf(out, size, "%lldm", sec / 60);
	else
		snprintf(out, size, "%llds", sec);
}

/*
 * notice - the mail that tells hk's owner it was given up (why);
 * malloc'd into *out_r, or -1
 */
static int
notice(const struct hooks *h, const struct store_hook *hk, const char *why,
       int64_t now, char **out_r, size_t *len_r)
{
	char mid[128], date[64], life[32], made[32];
	time_t t = (time_t)now, c = (time_t)hk->created;
	struct ut_buf b = {0};
	struct tm tm;

	if (mp_new_message_id(h->domain, mid, sizeof(mid)) != MP_OK)
		return -1;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	gmtime_r(&c, &tm);
	strftime(made, sizeof(made), "%Y-%m-%d %H:%M:%S UTC", &tm);
	span(h->lifetime, life, sizeof(life));
	ut_buf_printf(
	    &b,
	    "From: SMS gateway <MAILER-DAEMON@%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: Event hook not delivered: %s (hook %lld)\r\n"
	    "Date: %s\r\n"
	    "Message-ID: <%s>\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-SMS-Hook: %s\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n"
	    "smsgw gave up an event hook after %u tries since %s\r\n"
	    "(HookLifetime %s), and will not send it again by itself:\r\n"
	    "\r\n"
	    "  hook:    %lld (id %s)\r\n"
	    "  event:   %s, text %lld\r\n"
	    "  to:      %s %.500s\r\n"
	    "  why:     %s\r\n"
	    "\r\n"
	    "smsctl hooks retry %lld sends it again.\r\n",
	    h->domain, hk->owner, hk->event, (long long)hk->id, date, mid,
	    hk->hid, hk->attempts, made, life, (long long)hk->id, hk->hid,
	    hk->event, (long long)hk->message_id, hk->method, hk->url, why,
	    (long long)hk->id);
	if (b.failed) {
		ut_buf_clear(&b);
		return -1;
	}
	*len_r = b.len;
	*out_r = ut_buf_steal(&b);
	return 0;
}

/* give_up - fail hook hk for good (why) and mail its owner, as one unit */
static void
give_up(struct hooks *h, const struct store_hook *hk, const char *why,
	int64_t now)
{
	struct store_error err;
	char *mail = NULL;
	size_t len = 0;
	int64_t mail_id = 0;
	int rc;

	if ((rc = store_unit_begin(h->s, &err)) != STORE_OK)
		goto out;
	rc = store_hook_fail(h->s, hk->id, h->owner, why, now, &err);
	if (rc == STORE_OK && hk->owner[0] &&
	    notice(h, hk, why, now, &mail, &len) == 0)
		rc = store_mail_enqueue(h->s, "", hk->owner, mail, len, now,
					&mail_id, &err);
	if (store_unit_end(h->s, rc == STORE_OK, &err) != STORE_OK &&
	    rc == STORE_OK)
		rc = err.status ? (int)err.status : STORE_ETEMP;
out:
	free(mail);
	if (rc != STORE_OK) {
		ut_log(LOG_ERR, "hook=%lld: store: %s", (long long)hk->id,
		       err.msg);
		return;
	}
	metrics_add(M_HOOK_FAILED);
	ut_log(LOG_WARNING,
	       "hook=%lld id=%s event=%s owner=<%s> status=failed tries=%u "
	       "mail=%lld (%s)",
	       (long long)hk->id, hk->hid, hk->event, hk->owner, hk->attempts,
	       (long long)mail_id, why);
	if (mail_id)
		mailer_wake(h->mailer);
}

/* is_ok - the answer, trimmed, is "ok" (voip.ms' URL callback retry) */
static bool
is_ok(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len &&
	       (body[i] == ' ' || (body[i] >= '\t' && body[i] <= '\r')))
		i++;
	while (len > i && (body[len - 1] == ' ' ||
			   (body[len - 1] >= '\t' && body[len - 1] <= '\r')))
		len--;
	return len - i == 2 && !strncasecmp(body + i, "ok", 2);
}

/* words - the first words of an answer, on one line, into out */
static void
words(const char *body, size_t len, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < size && n < 80; i++) {
		unsigned char ch = (unsigned char)body[i];

		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		if (ch == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = (char)ch;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* finished - record what became of the hook in slot k */
static void
finished(struct hooks *h, unsigned k, const struct tp_fetch_result *res)
{
	struct store_hook *hk = &h->live[k];
	struct store_error err;
	int64_t now = (int64_t)time(NULL);
	char why[300], start[100];
	int rc;

	h->busy[k] = false;
	if (res->status >= 200 && res->status < 300 &&
	    (!hk->expect_ok || is_ok(res->body, res->len))) {
		rc = store_hook_done(h->s, hk->id, h->owner, now, &err);
		metrics_add(M_HOOK_DELIVERED);
		ut_log(LOG_INFO,
		       "hook=%lld id=%s event=%s status=delivered tries=%u "
		       "http=%ld",
		       (long long)hk->id, hk->hid, hk->event, hk->attempts,
		       res->status);
	} else {
		long long wait = backoff(h, hk->attempts);

		if (res->status) {
			words(res->body, res->len, start, sizeof(start));
			snprintf(
			    why, sizeof(why), "HTTP %ld%s%s%s%s", res->status,
			    start[0] ? ": \"" : "", start, start[0] ? "\"" : "",
			    hk->expect_ok && res->status < 300 ? " (not \"ok\")"
							       : "");
		} else {
			snprintf(why, sizeof(why), "%s", res->error);
		}
		if (res->refused || now >= hk->created + h->lifetime) {
			if (!res->refused) {
				char life[32];
				size_t n = strlen(why);

				span(h->lifetime, life, sizeof(life));
				snprintf(why + n, sizeof(why) - n,
					 "; tried for HookLifetime %s", life);
			}
			give_up(h, hk, why, now);
			rc = STORE_OK;
		} else {
			/* a last try when the lifetime ends */
			if (now + wait > hk->created + h->lifetime)
				wait = hk->created + h->lifetime - now;
			rc = store_hook_retry(h->s, hk->id, h->owner,
					      now + wait, why, now, &err);
			metrics_add(M_HOOK_RETRIED);
			ut_log(LOG_INFO,
			       "hook=%lld id=%s event=%s status=deferred "
			       "tries=%u retry=%llds (%s)",
			       (long long)hk->id, hk->hid, hk->event,
			       hk->attempts, wait, why);
		}
	}
	if (rc != STORE_OK)
		ut_log(LOG_ERR, "hook=%lld: store: %s", (long long)hk->id,
		       err.msg);
	free(hk->body);
	hk->body = NULL;
}

/* start - send hook hk (in slot k); false when it did not start */
static bool
start(struct hooks *h, unsigned k)
{
	struct store_hook *hk = &h->live[k];
	char sig[POLICY_HOOK_SIG_SIZE + 32], id[80], ev[64], ct[96], why[200],
	    ua[64];
	const char *headers[HOOK_HEADERS];
	struct tp_fetch_request rq = {
	    .url = hk->url,
	    .headers = headers,
	    .timeout = (unsigned)h->timeout,
	    .tag = (void *)(uintptr_t)k,
	};
	struct tp_fetch_result res = {.tag = rq.tag};
	struct tp_error terr;
	bool get = !strcmp(hk->method, "GET");
	size_t n = 0;

	if (!conf_hook_url_syntax(hk->url, why, sizeof(why))) {
		snprintf(res.error, sizeof(res.error), "refused: %s", why);
		res.refused = true;
		h->busy[k] = true;
		finished(h, k, &res);
		return true;
	}
	rq.method = get ? "GET" : "POST";
	if (!get) {
		rq.body = hk->body;
		rq.len = hk->len;
		snprintf(ct, sizeof(ct), "Content-Type: %s",
			 hk->content_type[0] ? hk->content_type
					     : "application/json");
		headers[n++] = ct;
	}
	snprintf(id, sizeof(id), "X-Smsmilter-Hook-Id: %s", hk->hid);
	headers[n++] = id;
	snprintf(ev, sizeof(ev), "X-Smsmilter-Event: %s", hk->event);
	headers[n++] = ev;
	if (hk->per_text && h->allow_private != CONF_HOOKPRIV_YES)
		rq.check = policy_addr_private; /* a text's URL: never inside */
	if (h->secret) {
		int len = snprintf(sig, sizeof(sig), "X-Smsmilter-Signature: ");
		char key[POLICY_HOOK_KEY_SIZE];

		/* a URL given with a text: its owner's key, so that no owner
		   gets requests signed as the site or as another owner */
		if (hk->per_text)
			policy_hook_owner_key(h->secret, hk->owner, key);
		policy_hook_sign(hk->per_text ? key : h->secret,
				 (int64_t)time(NULL),
				 get ? (const void *)hk->url : hk->body,
				 get ? strlen(hk->url) : hk->len, sig + len);
		headers[n++] = sig;
	}
	snprintf(ua, sizeof(ua), "User-Agent: smsgw/%s", ut_version());
	headers[n++] = ua;
	headers[n++] = "Expect:"; /* no 100-continue round trip */
	headers[n] = NULL;
	if (tp_fetch_start(h->f, &rq, &terr) != TP_OK) {
		ut_log(LOG_ERR, "hook=%lld: %s", (long long)hk->id, terr.msg);
		return false;
	}
	h->busy[k] = true;
	return true;
}

/* claim - lease and start due hooks into the free slots; how many */
static unsigned
claim(struct hooks *h)
{
	struct store_hook *got = NULL;
	struct store_error err;
	unsigned free_n = h->concurrency - tp_fetch_inflight(h->f), n = 0, i,
		 k = 0;

	if (free_n == 0)
		return 0;
	if (store_hook_claim(h->s, h->owner, (int64_t)time(NULL),
			     h->timeout + 60, free_n, &got, &n,
			     &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: hooks: %s", err.msg);
		return 0;
	}
	for (i = 0; i < n; i++) {
		while (h->busy[k])
			k++;
		h->live[k] = got[i];
		got[i].body = NULL; /* the slot's now */
		if (start(h, k))
			continue;
		/* not started (memory): again in a second */
		if (store_hook_retry(h->s, h->live[k].id, h->owner,
				     (int64_t)time(NULL) + 1,
				     "could not start the request",
				     (int64_t)time(NULL), &err) != STORE_OK)
			ut_log(LOG_ERR, "store: hooks: %s", err.msg);
		free(h->live[k].body);
		h->live[k].body = NULL;
	}
	store_hooks_free(&got, n);
	return n;
}

/* hooks_main - claim, send, record, until stopped */
static void *
hooks_main(void *arg)
{
	struct hooks *h = arg;
	struct tp_fetch_result res;
	time_t next_claim = 0;
	bool more = false;

	while (!atomic_load(&h->stop)) {
		time_t now = time(NULL);
		bool woke = atomic_exchange(&h->woken, false);

		if (woke || more || now >= next_claim) {
			unsigned room =
			    h->concurrency - tp_fetch_inflight(h->f);
			unsigned got = claim(h);

			more = room > 0 && got == room;
			next_claim = now + 1;
		}
		while (tp_fetch_wait(h->f,
				     more || atomic_load(&h->woken) ? 0 : 200,
				     &res) == 1) {
			finished(h, (unsigned)(uintptr_t)res.tag, &res);
			more = true; /* a slot is free */
		}
	}
	return NULL;
}

/* take_back - the hook leases of this host's runs that are gone */
static void
take_back(struct hooks *h, const char *lease_owner)
{
	char(*holders)[STORE_HOLDER_MAX] = NULL;
	char prefix[STORE_HOLDER_MAX];
	const char *slash = strrchr(lease_owner, '/');
	struct store_error err;
	unsigned n = 0, i, got, total = 0;

	if (!slash)
		return;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(slash - lease_owner + 1),
		 lease_owner);
	if (store_hook_holders(h->s, prefix, &holders, &n, &err) != STORE_OK) {
		ut_log(LOG_ERR, "store: hooks: %s", err.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		char *end;
		long pid = strtol(holders[i] + strlen(prefix), &end, 10);

		if (end == holders[i] + strlen(prefix) ||
		    (*end && *end != '/') || pid <= 0 ||
		    (pid != (long)getpid() &&
		     (kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
			continue; /* not a run's, or one still alive */
		if (store_hook_release(h->s, holders[i], &got, &err) !=
		    STORE_OK)
			ut_log(LOG_ERR, "store: hooks: %s", err.msg);
		else
			total += got;
	}
	free(holders);
	if (total)
		ut_log(LOG_NOTICE,
		       "took back %u hooks a previous run had claimed", total);
}

/* discard - free a hooks whose thread is not running */
static void
discard(struct hooks *h)
{
	unsigned k;

	for (k = 0; h->live && k < h->concurrency; k++)
		free(h->live[k].body);
	free(h->live);
	free(h->busy);
	tp_fetch_free(&h->f);
	store_close(&h->s);
	if (h->secret)
		memset(h->secret, 0, strlen(h->secret));
	free(h->secret);
	free(h);
}

/* hooks_start - the hook thread */
struct hooks *
hooks_start(const struct conf *c, const char *lease_owner,
	    struct mailer *mailer)
{
	struct hooks *h = calloc(1, sizeof(*h));
	struct store_error err;
	struct tp_error terr;

	if (!h)
		return NULL;
	h->concurrency = (unsigned)c->hook_concurrency;
	h->live = calloc(h->concurrency, sizeof(*h->live));
	h->busy = calloc(h->concurrency, sizeof(*h->busy));
	h->secret = c->hook_secret ? strdup(c->hook_secret) : NULL;
	if (!h->live || !h->busy || (c->hook_secret && !h->secret)) {
		discard(h);
		return NULL;
	}
	/* the site's targets; a text's are checked per request (start) */
	h->f = tp_fetch_new(h->concurrency,
			    c->hook_allow_private != CONF_HOOKPRIV_NO
				? NULL
				: policy_addr_private,
			    &terr);
	h->allow_private = c->hook_allow_private;
	if (!h->f) {
		ut_log(LOG_ERR, "hooks: %s", terr.msg);
		discard(h);
		return NULL;
	}
	/* what it writes only records that a hook went out: see mailer.c */
	h->s = store_open(c->database, STORE_SYNC_NORMAL, &err);
	if (!h->s) {
		ut_log(LOG_ERR, "store: %s", err.msg);
		discard(h);
		return NULL;
	}
	snprintf(h->owner, sizeof(h->owner), "%s/hooks", lease_owner);
	snprintf(h->domain, sizeof(h->domain), "%s", c->sms_domains.v[0]);
	h->first = c->hook_retry_first;
	h->interval = c->hook_retry_interval;
	h->lifetime = c->hook_lifetime;
	h->timeout = c->hook_timeout;
	h->mailer = mailer;
	take_back(h, lease_owner);
	if (pthread_create(&h->thread, NULL, hooks_main, h) != 0) {
		discard(h);
		return NULL;
	}
	atomic_store(&running, h);
	return h;
}

/* hooks_stop - stop the thread; the hooks under way are tried again */
void
hooks_stop(struct hooks **hp)
{
	struct hooks *h = *hp;
	struct store_error err;
	unsigned n = 0;

	if (!h)
		return;
	atomic_store(&running, NULL);
	atomic_store(&h->stop, true);
	tp_fetch_wakeup(h->f);
	pthread_join(h->thread, NULL);
	if (store_hook_release(h->s, h->owner, &n, &err) != STORE_OK)
		ut_log(LOG_ERR, "store: hooks: %s", err.msg);
	else if (n)
		ut_log(LOG_NOTICE, "gave back %u hooks under way", n);
	discard(h);
	*hp = NULL;
}
