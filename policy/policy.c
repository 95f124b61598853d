/*
 * NAME
 *	policy - which recipients are phones, who may text, what is noise
 * DESCRIPTION
 *	Plain functions over the configuration: the RCPT-time address
 *	split, the sender check (SASL, trusted networks, DMARC through an
 *	Authentication-Results header of this site, narrowed by
 *	AllowedSenders), owners and their numbers, the headers that mark
 *	mail never to be texted, and schedule headers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "policy/policy.h"

/* policy_bare_addr - "<A@B>" as "a@b" */
void
policy_bare_addr(const char *addr, char *out, size_t size)
{
	size_t n = 0;

	if (!size)
		return;
	for (; addr && *addr && n + 1 < size; addr++) {
		if (*addr == '<' || *addr == '>' ||
		    isspace((unsigned char)*addr))
			continue;
		out[n++] = (char)tolower((unsigned char)*addr);
	}
	out[n] = '\0';
}

/* in_list - s equals one of the list's entries, without case */
static bool
in_list(const struct conf_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* looks_numeric - a local part that is meant as a phone number */
static bool
looks_numeric(const char *s)
{
	bool digit = false;

	for (; *s; s++) {
		if (isdigit((unsigned char)*s))
			digit = true;
		else if (!strchr("+-.() ", *s))
			return false;
	}
	return digit;
}

/* policy_parse_rcpt - an SMS recipient, split */
bool
policy_parse_rcpt(const struct conf *c, const char *addr, struct policy_rcpt *r)
{
	char bare[512], *at, *plus;
	size_t n;

	memset(r, 0, sizeof(*r));
	policy_bare_addr(addr, bare, sizeof(bare));
	at = strrchr(bare, '@');
	if (!at || at == bare)
		return false;
	*at = '\0';
	/* "sms.example.com." is the same domain, written absolute */
	n = strlen(at + 1);
	if (n > 1 && at[n] == '.')
		at[n] = '\0';
	if (!in_list(&c->sms_domains, at + 1))
		return false;
	snprintf(r->domain, sizeof(r->domain), "%s", at + 1);
	/* "+12025550143" is a number; "12025550143+tag" a reply address */
	plus = strrchr(bare + 1, '+');
	if (plus && looks_numeric(bare) == false) {
		*plus = '\0';
		snprintf(r->tag, sizeof(r->tag), "%.*s",
			 (int)sizeof(r->tag) - 1, plus + 1);
	} else {
		plus = NULL;
	}
	if (strlen(bare) >= sizeof(r->local) ||
	    strlen(r->tag) != strlen(plus ? plus + 1 : "")) {
		r->too_long = true;
		return true;
	}
	memcpy(r->local, bare, strlen(bare) + 1);
	r->number = looks_numeric(r->local);
	return true;
}

/* net_match - addr (text) is inside one of the networks */
static bool
net_match(const struct conf_nets *nets, const char *addr)
{
	uint8_t a[16];
	int family;
	size_t i;

	if (!addr || !*addr)
		return false;
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	if (inet_pton(AF_INET, addr, a) == 1) {
		family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
						   0, 0, 0, 0, 0xff, 0xff};

		family = AF_INET6;
		if (memcmp(a, mapped, 12) == 0) { /* ::ffff:1.2.3.4 */
			memmove(a, a + 12, 4);
			family = AF_INET;
		}
	} else {
		return false;
	}
	for (i = 0; i < nets->n; i++) {
		const struct conf_net *n = &nets->v[i];
		unsigned full = n->prefix / 8, rest = n->prefix % 8;

		if (n->family != family)
			continue;
		if (memcmp(n->addr, a, full) != 0)
			continue;
		if (rest && ((n->addr[full] ^ a[full]) & (0xff << (8 - rest))))
			continue;
		return true;
	}
	return false;
}

/* allowed_address - AllowedSenders is empty or lists from */
static bool
allowed_address(const struct conf *c, const char *from)
{
	const char *at = strrchr(from, '@');
	size_t i;

	if (c->allowed_senders.n == 0)
		return true;
	for (i = 0; i < c->allowed_senders.n; i++) {
		const char *a = c->allowed_senders.v[i];

		if (a[0] == '@' ? at && strcasecmp(a + 1, at + 1) == 0
				: strcasecmp(a, from) == 0)
			return true;
	}
	return false;
}

/*
 * plain_login - a login with nothing policy_bare_addr would strip or
 * fold: printable, no space, no angle bracket
 */
static bool
plain_login(const char *login)
{
	for (; *login; login++)
		if ((unsigned char)*login <= ' ' ||
		    (unsigned char)*login >= 0x7f || *login == '<' ||
		    *login == '>')
			return false;
	return true;
}

/*
 * login_may_send - login may use from as its envelope sender: the login
 * (a bare name taken in LoginDomain) is that address or the owner that
 * OwnerAliases makes of it, or SenderLogins pairs from (or its @domain)
 * with the login
 */
static bool
login_may_send(const struct conf *c, const char *login, const char *from)
{
	const char *at = strrchr(from, '@'), *addr = NULL;
	char a[256], b[256];
	size_t i;

	/* the login as an address: only a plain one, nothing to strip */
	if (plain_login(login) && strchr(login, '@')) {
		addr = login;
	} else if (plain_login(login) && *c->login_domain) {
		snprintf(a, sizeof(a), "%s@%s", login, c->login_domain);
		addr = a;
	}
	if (addr) {
		if (strcasecmp(addr, from) == 0)
			return true;
		/* an owner may use its aliases; an alias not its owner */
		policy_owner(c, from, b, sizeof(b));
		if (strcasecmp(b, addr) == 0)
			return true;
	}
	for (i = 0; i < c->sender_logins.n; i++) {
		const struct conf_pair *p = &c->sender_logins.v[i];

		if (strcasecmp(p->value, login) != 0)
			continue;
		if (p->key[0] == '@' ? at && strcasecmp(p->key + 1, at + 1) == 0
				     : strcasecmp(p->key, from) == 0)
			return true;
	}
	return false;
}

/* policy_allowed_sender - AllowedSenders lets owner send texts */
bool
policy_allowed_sender(const struct conf *c, const char *owner,
		      struct policy_verdict *v)
{
	if (allowed_address(c, owner))
		return true;
	return policy_refuse(v, "550", "5.7.1",
			     "%s is not allowed to send text messages",
			     *owner ? owner : "the null sender");
}

/* policy_sender_check - may this client text? */
enum policy_auth
policy_sender_check(const struct conf *c, const struct policy_client *cl,
		    struct policy_verdict *v)
{
	char from[256];
	bool authed =
	    c->authenticated_senders && cl->auth_authen && *cl->auth_authen;

	policy_bare_addr(cl->envelope_from, from, sizeof(from));
	if (!authed && !net_match(&c->trusted_networks, cl->client_addr)) {
		if (*c->authserv_id && c->dmarc_domains.n > 0 && *from &&
		    allowed_address(c, from))
			return POLICY_AUTH_DMARC;
		policy_refuse(v, "550", "5.7.1",
			      "%s may not send text messages from here: "
			      "log in (SMTP AUTH) to send texts",
			      *from ? from : "the null sender");
		return POLICY_AUTH_NO;
	}
	if (authed && *from && !login_may_send(c, cl->auth_authen, from)) {
		char login[128];

		policy_bare_addr(cl->auth_authen, login, sizeof(login));
		policy_refuse(v, "550", "5.7.1",
			      "the login %s may not send as %s (SenderLogins)",
			      login, from);
		return POLICY_AUTH_NO;
	}
	if (!allowed_address(c, from)) {
		policy_refuse(v, "550", "5.7.1",
			      "%s is not allowed to send text messages",
			      *from ? from : "the null sender");
		return POLICY_AUTH_NO;
	}
	return POLICY_AUTH_YES;
}

/* skip_cfws - past white space and comments, nested, "\)" quoted */
static const char *
skip_cfws(const char *s)
{
	unsigned depth = 0;

	for (; *s; s++) {
		if (depth && *s == '\\' && s[1])
			s++;
		else if (*s == '(')
			depth++;
		else if (depth)
			depth -= *s == ')';
		else if (!strchr(" \t\r\n", *s))
			break;
	}
	return s;
}

/*
 * word - the word at s (after white space and comments), lowercase,
 * into out: up to white space, ';' or '(' outside a quoted string (a
 * quoted string stays quoted: "example.com" is not example.com).
 * Returns the end of the word.
 */
static const char *
word(const char *s, char *out, size_t size)
{
	size_t n = 0;
	bool quoted = false;

	for (s = skip_cfws(s); *s; s++) {
		if (!quoted && strchr(" \t\r\n;(", *s))
			break;
		if (*s == '"')
			quoted = !quoted;
		else if (quoted && *s == '\\' && s[1] && n + 1 < size)
			out[n++] = *s++;
		else if (quoted && *s == '\\' && s[1])
			s++;
		if (n + 1 < size)
			out[n++] = (char)tolower((unsigned char)*s);
	}
	out[n] = '\0';
	return s;
}

/* next_resinfo - past the next ';' outside comments and quoted strings */
static const char *
next_resinfo(const char *s)
{
	char tok[8];

	while (*s && *s != ';') {
		s = skip_cfws(s);
		if (*s && *s != ';')
			s = word(s, tok, sizeof(tok));
	}
	return *s ? s + 1 : NULL;
}

/*
 * clean_ours - the authserv-id of ar, read as RFC 8601 reads it (after
 * CFWS), is ours
 */
static bool
clean_ours(const struct conf *c, const char *ar)
{
	char id[256];

	word(ar, id, sizeof(id));
	return strcasecmp(id, c->authserv_id) == 0;
}

/*
 * names_ours - our authserv-id stands as a word somewhere before the
 * first ';' of ar: a claim of this site, whatever the comments around
 * it (what Postfix's header_checks line drops too)
 */
static bool
names_ours(const struct conf *c, const char *ar)
{
	size_t n = strlen(c->authserv_id), end = strcspn(ar, ";"), i;
	char after;

	for (i = 0; i + n <= end; i++) {
		if (i > 0 && !strchr(" \t\r\n():\\", ar[i - 1]))
			continue;
		if (strncasecmp(ar + i, c->authserv_id, n) != 0)
			continue;
		after = ar[i + n] == '.' ? ar[i + n + 1] : ar[i + n];
		if (!after || strchr(" \t\r\n;()", after))
			return true;
	}
	return false;
}

/* policy_ar_ours - the header claims our authserv-id */
bool
policy_ar_ours(const struct conf *c, const char *ar)
{
	if (!*c->authserv_id || !ar)
		return false;
	return clean_ours(c, ar) || names_ours(c, ar);
}

/* policy_dmarc - the DMARC result of one of our headers */
enum policy_dmarc
policy_dmarc(const struct conf *c, const char *ar, const char *from_domain)
{
	char tok[256];
	bool pass, match = false;
	const char *p;

	if (!policy_ar_ours(c, ar))
		return POLICY_DMARC_NONE;
	if (!clean_ours(c, ar))
		return POLICY_DMARC_FAIL; /* names us, but not as we write it */
	p = word(ar, tok, sizeof(tok));
	/* the resinfo that starts with dmarc= */
	while ((p = next_resinfo(p)) != NULL) {
		p = word(p, tok, sizeof(tok));
		if (strncmp(tok, "dmarc=", 6) != 0)
			continue;
		pass = strcmp(tok + 6, "pass") == 0;
		for (;;) {
			p = skip_cfws(p);
			if (!*p || *p == ';')
				break;
			p = word(p, tok, sizeof(tok));
			if (strncmp(tok, "header.from=", 12) == 0)
				match = from_domain &&
					strcasecmp(tok + 12, from_domain) == 0;
		}
		return pass && match && from_domain &&
			       in_list(&c->dmarc_domains, from_domain)
			   ? POLICY_DMARC_PASS
			   : POLICY_DMARC_FAIL;
	}
	return POLICY_DMARC_NONE;
}

/* policy_dmarc_pass - our Authentication-Results says dmarc=pass */
bool
policy_dmarc_pass(const struct conf *c, const char *ar, const char *from_domain)
{
	return policy_dmarc(c, ar, from_domain) == POLICY_DMARC_PASS;
}

/* map_get - the value of key in a map, without case; NULL when none */
static const char *
map_get(const struct conf_map *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcasecmp(m->v[i].key, key) == 0)
			return m->v[i].value;
	return NULL;
}

/* policy_account - the billing account of a sender */
void
policy_account(const struct conf *c, const char *addr, char *out, size_t size)
{
	const char *at = strrchr(addr, '@'), *name = NULL;
	size_t i;

	for (i = 0; c && i < c->billing_accounts.n && !name; i++)
		if (strcasecmp(c->billing_accounts.v[i].key, addr) == 0)
			name = c->billing_accounts.v[i].value;
	for (i = 0; c && at && i < c->billing_accounts.n && !name; i++)
		if (c->billing_accounts.v[i].key[0] == '@' &&
		    strcasecmp(c->billing_accounts.v[i].key + 1, at + 1) == 0)
			name = c->billing_accounts.v[i].value;
	snprintf(out, size, "%s", name ? name : addr);
}

/* policy_owner - the owner of addr */
void
policy_owner(const struct conf *c, const char *addr, char *out, size_t size)
{
	char bare[256];
	const char *owner;

	policy_bare_addr(addr, bare, sizeof(bare));
	owner = map_get(&c->owner_aliases, bare);
	policy_bare_addr(owner ? owner : bare, out, size);
}

/* policy_sender_number - the number an owner texts from */
const char *
policy_sender_number(const struct conf *c, const char *owner)
{
	const char *n = map_get(&c->sender_numbers, owner);

	return n ? n : c->default_sender;
}

/* policy_pooled - owner texts from SenderPool */
bool
policy_pooled(const struct conf *c, const char *owner)
{
	return !map_get(&c->sender_numbers, owner) && policy_pool_for(c, owner);
}

/* policy_trusted - addr is in TrustedNetworks */
bool
policy_trusted(const struct conf *c, const char *addr)
{
	return addr && net_match(&c->trusted_networks, addr);
}

/* policy_number_owner - who gets texts to our number outside threads */
const char *
policy_number_owner(const struct conf *c, const char *number)
{
	const char *o = map_get(&c->number_owners, number);

	return o ? o : c->postmaster;
}

/* policy_forward_target - where ForwardNumbers sends texts to number */
const char *
policy_forward_target(const struct conf *c, const char *number)
{
	return map_get(&c->forward_numbers, number);
}

/*
 * first_word - the first word of a header value, lowercase: folding
 * white space and (comments) before it skipped, as RFC 5322's CFWS
 */
static void
first_word(const char *value, char *out, size_t size)
{
	size_t n = 0;
	int depth = 0;

	for (; *value; value++) {
		if (*value == '(')
			depth++;
		else if (*value == ')' && depth > 0)
			depth--;
		else if (depth == 0 && !strchr(" \t\r\n", *value))
			break;
	}
	while (*value && !strchr(" \t\r\n;(", *value) && n + 1 < size)
		out[n++] = (char)tolower((unsigned char)*value++);
	out[n] = '\0';
}

/* A header that marks mail never to be texted. */
struct noise_rule {
	const char *name;
	const char *const *words; /* the first words that mark it; NULL any */
	bool negate;		  /* words are the ones that do not */
	const char *why;
};

static const char *const auto_submitted_ok[] = {"", "no", "auto-generated",
						NULL};
static const char *const precedence_bad[] = {"junk", "list", "bulk",
					     "auto_reply", NULL};
static const char *const autoreply_ok[] = {"", "no", "false", "0", NULL};
static const char *const autogenerated_bad[] = {"reply", NULL};

/*
 * RFC 3834 (Auto-Submitted: anything but "no"; auto-generated is how
 * PBXs and monitors mark the notices people want texted, so it is not
 * noise here), the headers vacation responders and list managers
 * write (RFC 2369, RFC 2919), and what smsgw itself made.
 */
static const struct noise_rule noise_rules[] = {
    {"Auto-Submitted", auto_submitted_ok, true,
     "Auto-Submitted (an automatic reply)"},
    {"Precedence", precedence_bad, false,
     "Precedence junk, list, bulk or auto_reply"},
    {"X-Autoreply", autoreply_ok, true, "X-Autoreply (a vacation reply)"},
    {"X-Autorespond", NULL, false, "X-Autorespond (an automatic reply)"},
    {"X-Auto-Response", NULL, false, "X-Auto-Response (an automatic reply)"},
    {"X-Autogenerated", autogenerated_bad, false,
     "X-Autogenerated reply (an automatic reply)"},
    {"X-Vacation", autoreply_ok, true, "X-Vacation (a vacation reply)"},
    {"List-Id", NULL, false, "List-Id (mailing list traffic)"},
    {"List-Unsubscribe", NULL, false,
     "List-Unsubscribe (mailing list traffic)"},
    {"List-Post", NULL, false, "List-Post (mailing list traffic)"},
    {"X-SMS-From", NULL, false, "made by smsgw from a text (X-SMS-From)"},
    {"X-SMS-Report", NULL, false, "a delivery report smsgw made"},
};

/* in_words - w is one of words */
static bool
in_words(const char *w, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(w, *words) == 0)
			return true;
	return false;
}

/* policy_noise - a header that marks mail never to be texted */
bool
policy_noise(const char *name, const char *value, const char **why)
{
	const struct noise_rule *r;
	char w[32];
	size_t i;

	for (i = 0; i < sizeof(noise_rules) / sizeof(noise_rules[0]); i++) {
		r = &noise_rules[i];
		if (strcasecmp(name, r->name) != 0)
			continue;
		if (r->words) {
			first_word(value ? value : "", w, sizeof(w));
			if (in_words(w, r->words) == r->negate)
				continue;
		}
		*why = r->why;
		return true;
	}
	return false;
}

/* policy_schedule - when a schedule header asks for the text */
bool
policy_schedule(const char *value, int64_t now, int64_t max_ahead,
		int64_t *due_r, struct policy_verdict *v)
{
	long long t;

	*due_r = 0;
	if (!mp_parse_date(value, &t))
		return policy_refuse(v, "550", "5.7.1",
				     "the schedule date \"%.60s\" cannot be "
				     "read: use an RFC 5322 date or ISO 8601 "
				     "(2026-11-25T10:00:00Z)",
				     value);
	return policy_schedule_at((int64_t)t, now, max_ahead, due_r, v);
}

/* policy_utc_time - "2026-12-01 00:00 UTC" */
void
policy_utc_time(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
}

/* month_end - the first second of the month after now's, UTC */
static int64_t
month_end(int64_t now)
{
	time_t tt = (time_t)now;
	struct tm tm;

	gmtime_r(&tt, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (++tm.tm_mon == 12) {
		tm.tm_mon = 0;
		tm.tm_year++;
	}
	return (int64_t)timegm(&tm);
}

/* policy_store_down - the refusal for a store that did not answer */
bool
policy_store_down(struct policy_verdict *v, const struct store_error *err)
{
	if (err && err->msg[0])
		return policy_refuse(v, "451", "4.3.0",
				     "the text queue is not available (%s); "
				     "try again later",
				     err->msg);
	return policy_refuse(v, "451", "4.3.0",
			     "the text queue is not available; try again "
			     "later");
}

/* policy_optout_ok - the phone has not opted out of sender or the site */
bool
policy_optout_ok(struct store *st, const char *phone, const char *sender,
		 bool *out_r, struct policy_verdict *v, struct store_error *err)
{
	char disp[40], scope[40], ours[40];

	*out_r = false;
	if (store_optout_check(st, phone, sender && *sender ? sender : NULL,
			       out_r, scope, err) != STORE_OK)
		return policy_store_down(v, NULL);
	if (sms_phone_format(phone, disp, sizeof(disp)) != SMS_OK)
		snprintf(disp, sizeof(disp), "%s", phone);
	if (*out_r && strcmp(scope, "*") != 0) {
		policy_display(scope, ours, sizeof(ours));
		return policy_refuse(v, "550", "5.7.1",
				     "%s has opted out of texts from %s "
				     "(replied STOP to it)",
				     disp, ours);
	}
	if (*out_r)
		return policy_refuse(v, "550", "5.7.1",
				     "%s has opted out of texts (replied "
				     "STOP)",
				     disp);
	return true;
}

/* policy_phone_ok - opt-out and per-recipient rate */
bool
policy_phone_ok(const struct conf *c, struct store *st, const char *phone,
		const char *sender, int64_t now, bool *out_r,
		struct policy_verdict *v, struct store_error *err)
{
	char disp[40], when[32];
	long long count;
	int64_t retry;

	if (!policy_optout_ok(st, phone, sender, out_r, v, err))
		return false;
	if (sms_phone_format(phone, disp, sizeof(disp)) != SMS_OK)
		snprintf(disp, sizeof(disp), "%s", phone);
	if (c->recipient_rate.count <= 0)
		return true;
	if (store_rate_count(st, "rcpt", phone, now, c->recipient_rate.seconds,
			     &count, &retry, err) != STORE_OK)
		return policy_store_down(v, NULL);
	if (count < c->recipient_rate.count)
		return true;
	policy_utc_time(retry, when, sizeof(when));
	return policy_refuse(v, "450", "4.7.1",
			     "%s has had %lld texts in this period (the "
			     "limit); try again after %s",
			     disp, count, when);
}

/* policy_quota_ok - the owner's monthly segments */
bool
policy_quota_ok(const struct conf *c, struct store *st, const char *owner,
		unsigned segments, int64_t now, struct policy_verdict *v,
		struct store_error *err)
{
	char when[32];
	unsigned used;

	if (c->monthly_segment_quota <= 0 ||
	    c->over_quota_policy == CONF_QUOTA_ALLOW)
		return true;
	if (store_usage_of(st, owner, now, &used, err) != STORE_OK)
		return policy_store_down(v, NULL);
	if ((long long)used + segments <= c->monthly_segment_quota)
		return true;
	policy_utc_time(month_end(now), when, sizeof(when));
	if (c->over_quota_policy == CONF_QUOTA_HOLD)
		return policy_refuse(v, "452", "4.7.1",
				     "%s has used its %lld text segments for "
				     "this month; try again after %s",
				     owner, c->monthly_segment_quota, when);
	return policy_refuse(v, "550", "5.7.1",
			     "%s has used its %lld text segments for this "
			     "month; the quota resets at %s",
			     owner, c->monthly_segment_quota, when);
}
