/*
 * NAME
 *	hook - event hooks: which URLs hear of an event, what they get,
 *	which addresses they may not reach, how a hook is signed
 * DESCRIPTION
 *	A text from a phone (message.received) and a final receipt
 *	(message.receipt) each go to the URL given with the text, if any,
 *	and to the InboundHook or ReceiptHook targets of the number
 *	concerned (ours), each queued as its own hook in the caller's
 *	unit of the store. What a hook carries is made here, once, at
 *	queue time, so that every try sends the same bytes: for POST a
 *	JSON object, for FORM the same fields form-encoded, for GET the
 *	URL with seed 003's {ID} {TIMESTAMP} {FROM} {TO} {MESSAGE} (and
 *	{STATUS} {CODE} {HOOKID}) replaced, URL-encoded, or the fields
 *	appended as a query when it has none.
 *
 *	policy_hook_url_ok() is the check against server-side request
 *	forgery: http or https, a host, no userinfo, and no address of
 *	the host (a literal, or every one getaddrinfo gives) loopback,
 *	private, link-local, CGNAT, IETF protocol (192.0.0.0/24),
 *	benchmarking (198.18.0.0/15), unspecified, multicast, reserved,
 *	local-use NAT64 (64:ff9b:1::/48) or 6to4 (2002::/16), nor an
 *	IPv4-mapped, -translated, -compatible, NAT64 or 6to4 form of
 *	one, nor any address of a local interface of this host (public
 *	or not: getifaddrs, asked at each check), unless
 *	HookAllowPrivate. The deliverer checks each address again as it
 *	connects (policy_addr_private), so that a name that resolves
 *	elsewhere by then does not get through.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <nettle/hmac.h>

#include "policy/policy.h"
#include "util/util.h"

/* private4 - what kind of address the IPv4 a (network order) is */
static const char *
private4(const uint8_t a[4])
{
	if (a[0] == 0)
		return "an unspecified (0.0.0.0/8)";
	if (a[0] == 127)
		return "a loopback";
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168))
		return "a private (RFC 1918)";
	if (a[0] == 100 && (a[1] & 0xc0) == 64)
		return "a CGNAT (100.64.0.0/10)";
	if (a[0] == 169 && a[1] == 254)
		return "a link-local";
	if (a[0] == 192 && a[1] == 0 && a[2] == 0)
		return "an IETF protocol (192.0.0.0/24)";
	if (a[0] == 198 && (a[1] & 0xfe) == 18)
		return "a benchmarking (198.18.0.0/15)";
	if (a[0] >= 224 && a[0] < 240)
		return "a multicast";
	if (a[0] >= 240)
		return "a reserved (240.0.0.0/4)";
	return NULL;
}

/*
 * own - whether the address of family af at a (4 or 16 bytes) is one
 * of a local interface's, whatever its range: a hook to it reaches
 * this host (a public address on a NIC of ours is as near as 127.0.0.1)
 */
static bool
own(int af, const uint8_t *a)
{
	struct ifaddrs *ifs, *i;
	bool found = false;

	if (getifaddrs(&ifs) != 0)
		return false;
	for (i = ifs; i && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || sa->sa_family != af)
			continue;
		if (af == AF_INET)
			found = !memcmp(
			    &((const struct sockaddr_in *)(const void *)sa)
				 ->sin_addr,
			    a, 4);
		else
			found = !memcmp(
			    ((const struct sockaddr_in6 *)(const void *)sa)
				->sin6_addr.s6_addr,
			    a, 16);
	}
	freeifaddrs(ifs);
	return found;
}

/* kind4 - what kind of forbidden IPv4 a is, this host's ones too */
static const char *
kind4(const uint8_t a[4])
{
	const char *k = private4(a);

	if (!k && own(AF_INET, a))
		k = "this host's own (a local interface's)";
	return k;
}

/*
 * embedded - the IPv4 an IPv6 a carries, or NULL: IPv4-mapped
 * (::ffff:0:0/96), -translated (::ffff:0:0:0/96), -compatible
 * (::/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16, its bits 16-47)
 */
static const uint8_t *
embedded(const uint8_t a[16])
{
	static const uint8_t zero[12],
	    mapped[12] = {[10] = 0xff, [11] = 0xff},
	    translated[12] = {[8] = 0xff, [9] = 0xff},
	    nat64[12] = {0x00, 0x64, 0xff, 0x9b};

	if (!memcmp(a, mapped, 12) || !memcmp(a, translated, 12) ||
	    !memcmp(a, zero, 12) || !memcmp(a, nat64, 12))
		return a + 12;
	if (a[0] == 0x20 && a[1] == 0x02)
		return a + 2;
	return NULL;
}

/* private6 - what kind of forbidden IPv6 a is, this host's ones too */
static const char *
private6(const uint8_t a[16])
{
	static const uint8_t zero[16],
	    nat64_local[6] = {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01};
	const uint8_t *v4 = embedded(a);
	const char *k;

	if (!memcmp(a, zero, 16))
		return "an unspecified (::)";
	if (!memcmp(a, zero, 15) && a[15] == 1)
		return "a loopback";
	if (v4 && (k = kind4(v4)) != NULL)
		return k; /* ::ffff:10.0.0.1, 2002:7f00:1::... */
	if (a[0] == 0x20 && a[1] == 0x02)
		return "a 6to4 (2002::/16)";
	if (!memcmp(a, nat64_local, 6))
		return "a local-use NAT64 (64:ff9b:1::/48)";
	if ((a[0] & 0xfe) == 0xfc)
		return "a private (fc00::/7)";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "a link-local";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return "a site-local";
	if (a[0] == 0xff)
		return "a multicast";
	if (own(AF_INET6, a))
		return "this host's own (a local interface's)";
	return NULL;
}

/* policy_addr_private - the kind of a forbidden address, or NULL */
const char *
policy_addr_private(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return kind4((const uint8_t *)&(
				 (const struct sockaddr_in *)(const void *)sa)
				 ->sin_addr);
	if (sa->sa_family == AF_INET6)
		return private6(((const struct sockaddr_in6 *)(const void *)sa)
				    ->sin6_addr.s6_addr);
	return "a non-IP";
}

/* url_host - the host of a URL that passed the syntax check, unbracketed */
static void
url_host(const char *url, char *host, size_t size)
{
	const char *p = strstr(url, "://") + 3;
	size_t n = strcspn(p, "/?#");

	if (*p == '[') {
		const char *close = memchr(p, ']', n);

		p++;
		n = close ? (size_t)(close - p) : n - 1;
	} else {
		const char *colon = memchr(p, ':', n);

		if (colon)
			n = (size_t)(colon - p);
	}
	snprintf(host, size, "%.*s", (int)n, p);
}

/*
 * url_check - may a hook go to url: its name resolved when resolve; a
 * private address allowed when HookAllowPrivate lets it (site: only a
 * target of the site's, not per_text)
 */
static bool
url_check(const struct conf *c, const char *url, bool resolve, bool per_text,
	  struct policy_verdict *v)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
	char why[240], host[256];
	uint8_t a[16];
	const char *kind = NULL;
	int rc;

	if (!conf_hook_url_syntax(url, why, sizeof(why)))
		return policy_refuse(v, "550", "5.7.1", "%s", why);
	if (c->hook_allow_private == CONF_HOOKPRIV_YES ||
	    (c->hook_allow_private == CONF_HOOKPRIV_SITE && !per_text))
		return true;
	url_host(url, host, sizeof(host));
	if (inet_pton(AF_INET, host, a) == 1)
		kind = kind4(a);
	else if (inet_pton(AF_INET6, host, a) == 1)
		kind = private6(a);
	else if (!resolve) {
		size_t n = strlen(host);

		/* localhost is loopback by name (RFC 6761) */
		if (!strcasecmp(host, "localhost") ||
		    (n > 10 && !strcasecmp(host + n - 10, ".localhost")))
			kind = "a loopback";
	} else if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return policy_refuse(
		    v, "451", "4.4.3",
		    "the hook's host %s cannot be resolved: %s", host,
		    gai_strerror(rc));
	for (ai = res; ai && !kind; ai = ai->ai_next)
		kind = policy_addr_private(ai->ai_addr);
	if (res)
		freeaddrinfo(res);
	if (kind)
		return policy_refuse(v, "550", "5.7.1",
				     "the hook's host %s is %s address: hooks "
				     "may not go there (HookAllowPrivate no)",
				     host, kind);
	return true;
}

/* policy_hook_url_ok - may a hook go to url (its name resolved) */
bool
policy_hook_url_ok(const struct conf *c, const char *url,
		   struct policy_verdict *v)
{
	return url_check(c, url, true, false, v);
}

/* policy_hook_url_seen - may it, by what the URL itself says */
bool
policy_hook_url_seen(const struct conf *c, const char *url,
		     struct policy_verdict *v)
{
	return url_check(c, url, false, true, v);
}

/* policy_hook_owner_key - hex HMAC-SHA256(HookSecret, "owner:" owner) */
void
policy_hook_owner_key(const char *secret, const char *owner,
		      char out[POLICY_HOOK_KEY_SIZE])
{
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];
	int i;

	hmac_sha256_set_key(&ctx, strlen(secret), (const uint8_t *)secret);
	hmac_sha256_update(&ctx, 6, (const uint8_t *)"owner:");
	hmac_sha256_update(&ctx, strlen(owner), (const uint8_t *)owner);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* policy_hook_sign - "t=UNIX,v1=HEX" of HMAC-SHA256(secret, "UNIX." body) */
void
policy_hook_sign(const char *secret, int64_t t, const void *body, size_t len,
		 char out[POLICY_HOOK_SIG_SIZE])
{
	struct hmac_sha256_ctx ctx;
	uint8_t mac[SHA256_DIGEST_SIZE];
	char stamp[24];
	int n, i;

	n = snprintf(stamp, sizeof(stamp), "%lld.", (long long)t);
	hmac_sha256_set_key(&ctx, strlen(secret), (const uint8_t *)secret);
	hmac_sha256_update(&ctx, (size_t)n, (const uint8_t *)stamp);
	hmac_sha256_update(&ctx, len, body);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	n = snprintf(out, POLICY_HOOK_SIG_SIZE, "t=%lld,v1=", (long long)t);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		n += snprintf(out + n, POLICY_HOOK_SIG_SIZE - (size_t)n, "%02x",
			      mac[i]);
}

/* One field of an event: name, and value (NULL: absent). */
struct field {
	const char *name, *value;
};

/* What an event says. */
struct event {
	const char *name; /* "message.received", "message.receipt" */
	const char *hid;
	int64_t now;
	char id[64];	    /* {ID}: the sid, else the text's number */
	char timestamp[24]; /* {TIMESTAMP}: "YYYY-MM-DD HH:MM:SS" UTC */
	const char *from, *to, *text, *status, *code, *external_id;
};

/* fields - the event's fields in order, NULL values for those absent */
static size_t
fields(const struct event *e, struct field f[8])
{
	size_t n = 0;

	f[n++] = (struct field){"MessageSid", e->id};
	f[n++] = (struct field){"From", e->from};
	f[n++] = (struct field){"To", e->to};
	f[n++] = (struct field){"Text", e->text};
	f[n++] = (struct field){"Status", e->status};
	f[n++] = (struct field){"Code", e->code};
	f[n++] = (struct field){"ExternalId", e->external_id};
	return n;
}

/* escape - append s percent-encoded (all but RFC 3986 unreserved) */
static void
escape(struct ut_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			ut_buf_add(b, s, 1);
		} else {
			char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};

			ut_buf_add(b, e, 3);
		}
	}
}

/* form - the event's fields as application/x-www-form-urlencoded */
static void
form(const struct event *e, struct ut_buf *b)
{
	struct field f[8];
	size_t n = fields(e, f), i;

	ut_buf_printf(b, "id=%s&event=%s&timestamp=%lld", e->hid, e->name,
		      (long long)e->now);
	for (i = 0; i < n; i++) {
		if (!f[i].value)
			continue;
		ut_buf_printf(b, "&%s=", f[i].name);
		escape(b, f[i].value);
	}
}

/* json - the event as one JSON object; malloc'd, or NULL */
static char *
json(const struct event *e)
{
	json_t *o = json_pack("{s:s, s:s, s:I}", "id", e->hid, "event", e->name,
			      "timestamp", (json_int_t)e->now);
	struct field f[8];
	size_t n = fields(e, f), i;
	char *out;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++)
		if (f[i].value)
			json_object_set_new(o, f[i].name,
					    json_string(f[i].value));
	out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return out;
}

/* placeholder - the value of {name} (len bytes at name), or NULL */
static const char *
placeholder(const struct event *e, const char *name, size_t len)
{
	static const struct {
		const char *name;
		size_t at;
	} known[] = {
	    {"ID", offsetof(struct event, id)},
	    {"TIMESTAMP", offsetof(struct event, timestamp)},
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == len &&
		    !strncmp(name, known[i].name, len))
			return (const char *)e + known[i].at;
#define IS(word) (len == sizeof(word) - 1 && !strncmp(name, word, len))
	if (IS("FROM"))
		return e->from ? e->from : "";
	if (IS("TO"))
		return e->to ? e->to : "";
	if (IS("MESSAGE"))
		return e->text ? e->text : "";
	if (IS("STATUS"))
		return e->status ? e->status : "";
	if (IS("CODE"))
		return e->code ? e->code : "";
	if (IS("HOOKID"))
		return e->hid;
	if (IS("EVENT"))
		return e->name;
#undef IS
	return NULL;
}

/*
 * expand - url with each known {NAME} replaced by its value
 * URL-encoded (unknown braces stay), or, when it has none, with the
 * fields appended as a query; into b
 */
static void
expand(const struct event *e, const char *url, struct ut_buf *b)
{
	const char *p = url;
	bool any = false;

	while (*p) {
		const char *close, *v;

		if (*p == '{' && (close = strchr(p + 1, '}')) &&
		    (v = placeholder(e, p + 1, (size_t)(close - p - 1)))) {
			escape(b, v);
			p = close + 1;
			any = true;
			continue;
		}
		ut_buf_add(b, p, 1);
		p++;
	}
	if (any)
		return;
	ut_buf_add(b, strchr(url, '?') ? "&" : "?", 1);
	form(e, b);
}

/*
 * fit - a GET URL over STORE_URL_MAX (a long text in {MESSAGE}) made
 * again with the text cut to fit, at a character, ending "...": the
 * hook still goes, and the text it tells of is not refused for it
 */
static void
fit(const struct event *e, const char *url, struct ut_buf *b)
{
	struct event cut = *e;
	size_t keep = e->text ? strlen(e->text) : 0;

	while (!b->failed && b->len > STORE_URL_MAX && keep > 0) {
		size_t over = b->len - STORE_URL_MAX + 3;
		char *tx;

		/* a byte is at least one character of the URL */
		keep = keep > over ? keep - over : 0;
		while (keep > 0 &&
		       ((unsigned char)e->text[keep] & 0xc0) == 0x80)
			keep--;
		if (!(tx = malloc(keep + 4))) {
			b->failed = true;
			return;
		}
		memcpy(tx, e->text, keep);
		memcpy(tx + keep, "...", 4);
		cut.text = tx;
		ut_buf_clear(b);
		expand(&cut, url, b);
		free(tx);
	}
}

/* A target: the per-text one or a configured one. */
struct target {
	const char *url, *method;
	bool expect_ok;
	bool per_text; /* given with a text, not by the site */
};

/* queue - one hook of event e to t, in s */
static int
queue(struct store *s, const struct event *e, const struct target *t,
      const char *owner, int64_t msg_id, int64_t now, struct store_error *err)
{
	struct store_hook_out h = {
	    .hid = e->hid,
	    .owner = owner,
	    .event = e->name,
	    .message_id = msg_id,
	    .method = t->method,
	    .expect_ok = t->expect_ok,
	    .per_text = t->per_text,
	};
	struct ut_buf b = {0};
	char *body = NULL;
	int rc;

	if (!strcmp(t->method, "GET")) {
		expand(e, t->url, &b);
		fit(e, t->url, &b);
		h.url = b.s;
	} else if (!strcmp(t->method, "FORM")) {
		form(e, &b);
		h.url = t->url;
		h.content_type = "application/x-www-form-urlencoded";
		h.body = b.s;
		h.len = b.len;
	} else {
		body = json(e);
		h.url = t->url;
		h.content_type = "application/json";
		h.body = body;
		h.len = body ? strlen(body) : 0;
		if (!body)
			b.failed = true;
	}
	if (b.failed || !h.url) {
		rc = STORE_ETEMP;
		if (err) {
			err->status = STORE_ETEMP;
			snprintf(err->msg, sizeof(err->msg), "out of memory");
		}
	} else
		rc = store_hook_add(s, &h, now, NULL, NULL, err);
	free(body);
	ut_buf_clear(&b);
	return rc;
}

/* per_text_target - the per-text target as a struct target; false: none */
static bool
per_text_target(const struct policy_hook_target *p, struct target *t)
{
	char why[200];
	size_t n;

	if (!p || !p->url || !*p->url || strlen(p->url) > 2048 ||
	    !conf_hook_url_syntax(p->url, why, sizeof(why)))
		return false;
	t->url = p->url;
	t->method = "POST";
	t->expect_ok = false;
	t->per_text = true;
	if (!p->method || !*p->method)
		return true;
	n = strcspn(p->method, "+");
	t->expect_ok = !strcasecmp(p->method + n, "+OK");
	if (n == 3 && !strncasecmp(p->method, "GET", 3))
		t->method = "GET";
	else if (n == 4 && !strncasecmp(p->method, "FORM", 4))
		t->method = "FORM";
	else if (n != 4 || strncasecmp(p->method, "POST", 4))
		return false;
	return true;
}

/* fan_out - queue e to the per-text target and to those of number */
static int
fan_out(struct store *s, struct event *e, const struct conf_hooks *hooks,
	const struct policy_hook_target *per_text, const char *number,
	const char *owner, int64_t msg_id, int64_t now, struct store_error *err)
{
	struct target t[65];
	char hid[STORE_HID_SIZE];
	size_t n = 0, i, j;
	int rc;

	if (per_text_target(per_text, &t[n]))
		n++;
	for (i = 0; i < hooks->n && n < sizeof(t) / sizeof(t[0]); i++) {
		const struct conf_hook *h = &hooks->v[i];

		if (strcmp(h->number, "*") &&
		    (!number || strcmp(h->number, number)))
			continue;
		t[n] = (struct target){h->url, h->method, h->expect_ok, false};
		for (j = 0; j < n; j++)
			if (!strcmp(t[j].url, t[n].url) &&
			    !strcmp(t[j].method, t[n].method))
				break;
		if (j == n)
			n++;
		else /* the site names it too: the site's, signed so */
			t[j].per_text = false;
	}
	for (i = 0; i < n; i++) {
		if ((rc = store_hook_hid(hid, err)) != STORE_OK)
			return rc;
		e->hid = hid;
		if ((rc = queue(s, e, &t[i], owner, msg_id, now, err)) !=
		    STORE_OK)
			return rc;
	}
	return STORE_OK;
}

/* event_init - the common part of an event */
static void
event_init(struct event *e, const char *name, int64_t msg_id, const char *sid,
	   int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	memset(e, 0, sizeof(*e));
	e->name = name;
	e->now = now;
	if (sid && *sid)
		snprintf(e->id, sizeof(e->id), "%s", sid);
	else
		snprintf(e->id, sizeof(e->id), "%lld", (long long)msg_id);
	gmtime_r(&t, &tm);
	strftime(e->timestamp, sizeof(e->timestamp), "%Y-%m-%d %H:%M:%S", &tm);
}

/* policy_hooks_inbound - queue the hooks of a text from a phone */
int
policy_hooks_inbound(const struct conf *c, struct store *s,
		     const struct policy_hook_target *per_text,
		     const char *owner, int64_t msg_id, const char *from,
		     const char *to, const char *text, int64_t now,
		     struct store_error *err)
{
	struct event e;

	event_init(&e, POLICY_EVENT_RECEIVED, msg_id, NULL, now);
	e.from = from;
	e.to = to;
	e.text = text;
	return fan_out(s, &e, &c->inbound_hooks, per_text, to, owner, msg_id,
		       now, err);
}

/* policy_hooks_receipt - queue the hooks of a final receipt */
int
policy_hooks_receipt(const struct conf *c, struct store *s,
		     const struct policy_hook_target *per_text,
		     const char *owner, int64_t msg_id, const char *sid,
		     const char *external_id, const char *from, const char *to,
		     const char *status, const char *code, int64_t now,
		     struct store_error *err)
{
	struct event e;

	event_init(&e, POLICY_EVENT_RECEIPT, msg_id, sid, now);
	e.from = from;
	e.to = to;
	e.status = status;
	e.code = code && *code ? code : NULL;
	e.external_id = external_id && *external_id ? external_id : NULL;
	return fan_out(s, &e, &c->receipt_hooks, per_text, from, owner, msg_id,
		       now, err);
}
